//! `aws_kms_key`: a customer managed KMS key. A key cannot be deleted at once: `delete` schedules
//! its deletion after `deletion_window_in_days` (7 to 30), as Terraform does; a key pending
//! deletion is gone as far as the configuration is concerned. KMS has no batched read: a refresh
//! costs four calls per key (`DescribeKey`, `GetKeyPolicy`, `GetKeyRotationStatus`,
//! `ListResourceTags`).

use crate::context::{Clients, Context};
use crate::error::sdk;
use crate::{about, changed, get_bool, get_str, get_string, s};
use async_trait::async_trait;
use aws_sdk_kms::types::{KeyMetadata, KeyState, KeyUsageType, Tag};
use provision_aws_core::json::normalize_policy;
use provision_aws_core::retry::{Policy, nothing, retry};
use provision_aws_core::tags;
use provision_core::{
    AttributeSchema, Attrs, FindQuery, Found, OpContext, ProviderError, ProviderErrorKind, ReadContext, ResourceType,
    Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

const WHAT: &str = "KMS key";

pub(crate) struct Key {
    ctx: Arc<Context>,
    schema: Schema,
}

fn window(v: &Value) -> Result<(), String> {
    match v.as_number() {
        Some(n) if !(7.0..=30.0).contains(&n) || n.fract() != 0.0 => {
            Err(format!("{n} is not a number of days from 7 to 30"))
        }
        _ => Ok(()),
    }
}

fn key_usage(v: &Value) -> Result<(), String> {
    provision_aws_core::validate::one_of(
        v,
        &["ENCRYPT_DECRYPT", "SIGN_VERIFY", "GENERATE_VERIFY_MAC", "KEY_AGREEMENT"],
        "key usage",
    )
}

fn json(v: &Value) -> Result<(), String> {
    match v.as_str() {
        Some(s) if serde_json::from_str::<serde_json::Value>(s).is_err() => {
            Err("the policy is not a JSON document (use jsonencode(...) or an aws_iam_policy_document)".into())
        }
        _ => Ok(()),
    }
}

impl Key {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("A customer managed KMS key.")
            .with_id()
            .attr(AttributeSchema::computed("arn", Type::String).describe("The key's ARN."))
            .attr(AttributeSchema::computed("key_id", Type::String).describe("The key's id (a UUID); also the `id`."))
            .attr(
                AttributeSchema::optional_computed("description", Type::String)
                    .describe("The description. Changed in place (`UpdateKeyDescription`)."),
            )
            .attr(
                AttributeSchema::optional("key_usage", Type::String)
                    .default("ENCRYPT_DECRYPT")
                    .force_new()
                    .validate(key_usage)
                    .describe("`ENCRYPT_DECRYPT`, `SIGN_VERIFY`, `GENERATE_VERIFY_MAC` or `KEY_AGREEMENT` (checked at plan time). Replaces the key when changed."),
            )
            .attr(
                AttributeSchema::optional("customer_master_key_spec", Type::String)
                    .default("SYMMETRIC_DEFAULT")
                    .force_new()
                    .describe("The key spec, e.g. `SYMMETRIC_DEFAULT` or `RSA_2048`. Replaces the key when changed."),
            )
            .attr(
                AttributeSchema::optional("deletion_window_in_days", Type::Number)
                    .default(30.0)
                    .validate(window)
                    .at_destroy()
                    .describe("Days between the destroy and the key's deletion, 7 to 30 (checked at plan time); the key can be recovered until then (`aws kms cancel-key-deletion`). Read from the configuration at the time of the destroy."),
            )
            .attr(
                AttributeSchema::optional("enable_key_rotation", Type::Bool)
                    .default(false)
                    .describe("Yearly automatic rotation of the key material. Changed in place."),
            )
            .attr(
                AttributeSchema::optional("is_enabled", Type::Bool)
                    .default(true)
                    .describe("Whether the key can be used. Changed in place (`EnableKey`/`DisableKey`)."),
            )
            .attr(
                AttributeSchema::optional("multi_region", Type::Bool)
                    .default(false)
                    .force_new()
                    .describe("A multi-Region primary key. Replaces the key when changed."),
            )
            .attr(
                AttributeSchema::optional_computed("policy", Type::String)
                    .validate(json)
                    .normalize(normalize_policy)
                    .describe("The key policy (JSON), compared by meaning, not spelling. When unset, AWS writes its default policy (the account may use the key) and that is not drift. Changed in place (`PutKeyPolicy`)."),
            )
            .with_tags()
            .multi_step_create()
            .timeouts(Duration::from_secs(120), Duration::from_secs(120), Duration::from_secs(120));
        Key { ctx, schema }
    }

    async fn describe(c: &Clients, id: &str) -> Result<Option<KeyMetadata>, ProviderError> {
        match c.kms.describe_key().key_id(id).send().await.map_err(|e| sdk("DescribeKey", e)) {
            Ok(out) => Ok(out.key_metadata().cloned()),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The key's attributes (three more calls after `DescribeKey`); `None` for a key pending
    /// deletion or gone.
    async fn read(c: &Clients, k: &KeyMetadata, prior: &Attrs) -> Result<Option<Attrs>, ProviderError> {
        if matches!(k.key_state(), Some(KeyState::PendingDeletion | KeyState::PendingReplicaDeletion)) {
            return Ok(None);
        }
        let id = k.key_id();
        let policy = match c.kms.get_key_policy().key_id(id).policy_name("default").send().await {
            Ok(out) => out.policy().map(str::to_string),
            Err(e) => {
                let e = sdk("GetKeyPolicy", e);
                if e.is_not_found() {
                    return Ok(None);
                }
                return Err(e);
            }
        };
        let rotation = c
            .kms
            .get_key_rotation_status()
            .key_id(id)
            .send()
            .await
            .map_err(|e| sdk("GetKeyRotationStatus", e))?
            .key_rotation_enabled();
        let mut tag_list = vec![];
        let mut pages = c.kms.list_resource_tags().key_id(id).into_paginator().send();
        while let Some(page) = pages.next().await {
            tag_list.extend(page.map_err(|e| sdk("ListResourceTags", e))?.tags().iter().cloned());
        }
        let mut a = Attrs::new();
        let keep = |a: &mut Attrs, k: &str, default: Value| {
            a.insert(k.into(), prior.get(k).filter(|v| !v.is_null()).cloned().unwrap_or(default));
        };
        a.insert("id".into(), Value::String(id.into()));
        a.insert("key_id".into(), Value::String(id.into()));
        a.insert("arn".into(), s(k.arn()));
        a.insert("description".into(), s(k.description().or(Some(""))));
        a.insert("key_usage".into(), s(k.key_usage().map(KeyUsageType::as_str)));
        a.insert("customer_master_key_spec".into(), s(k.key_spec().map(|s| s.as_str()).or(Some("SYMMETRIC_DEFAULT"))));
        keep(&mut a, "deletion_window_in_days", Value::Number(30.0));
        a.insert("enable_key_rotation".into(), Value::Bool(rotation));
        a.insert("is_enabled".into(), Value::Bool(k.enabled()));
        a.insert("multi_region".into(), Value::Bool(k.multi_region().unwrap_or(false)));
        a.insert("policy".into(), policy.map(|p| normalize_policy(&Value::String(p))).unwrap_or(Value::Null));
        a.insert("tags_all".into(), tags::user_tags(tag_list.iter().map(|t| (t.tag_key(), t.tag_value()))));
        Ok(Some(a))
    }

    async fn read_one(c: &Clients, id: &str, prior: &Attrs) -> Result<Attrs, ProviderError> {
        let not_found = || ProviderError::new(ProviderErrorKind::NotFound, format!("{WHAT} {id} not found"));
        retry(
            Policy::NEW_OBJECT,
            || async {
                let k = Self::describe(c, id).await?.ok_or_else(not_found)?;
                Self::read(c, &k, prior).await?.ok_or_else(not_found)
            },
            nothing,
        )
        .await
    }

    /// The settings made after `CreateKey` (rotation, disabled): idempotent, from what the key has.
    async fn settle(c: &Clients, id: &str, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let now = Self::read_one(c, id, desired).await?;
        Self::apply_settings(c, id, &now, desired).await?;
        Self::read_one(c, id, desired).await
    }

    async fn apply_settings(c: &Clients, id: &str, prior: &Attrs, desired: &Attrs) -> Result<(), ProviderError> {
        // A new key may briefly refuse changes (eventual consistency): retried a little.
        let policy = Policy::in_use(Duration::from_secs(60));
        if changed(prior, desired, "enable_key_rotation") {
            let on = get_bool(desired, "enable_key_rotation") == Some(true);
            retry(
                policy,
                || async {
                    if on {
                        c.kms
                            .enable_key_rotation()
                            .key_id(id)
                            .send()
                            .await
                            .map(|_| ())
                            .map_err(|e| sdk("EnableKeyRotation", e))
                    } else {
                        c.kms
                            .disable_key_rotation()
                            .key_id(id)
                            .send()
                            .await
                            .map(|_| ())
                            .map_err(|e| sdk("DisableKeyRotation", e))
                    }
                },
                nothing,
            )
            .await?;
        }
        if changed(prior, desired, "is_enabled") {
            let on = get_bool(desired, "is_enabled") != Some(false);
            retry(
                policy,
                || async {
                    if on {
                        c.kms.enable_key().key_id(id).send().await.map(|_| ()).map_err(|e| sdk("EnableKey", e))
                    } else {
                        c.kms.disable_key().key_id(id).send().await.map(|_| ()).map_err(|e| sdk("DisableKey", e))
                    }
                },
                nothing,
            )
            .await?;
        }
        Ok(())
    }
}

#[async_trait]
impl ResourceType for Key {
    fn name(&self) -> &'static str {
        "aws_kms_key"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read_many(
        &self,
        _ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        let mut out = BTreeMap::new();
        if objects.is_empty() {
            return Ok(out);
        }
        let c = self.ctx.clients().await?;
        for (id, prior) in objects {
            let Some(k) = Self::describe(c, id).await? else { continue };
            if let Some(a) = Self::read(c, &k, prior).await.map_err(about(WHAT, id))? {
                out.insert(id.clone(), a);
            }
        }
        Ok(out)
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let tags: Vec<Tag> = tags::create_tags(&ctx.identity, desired.get("tags_all"))
            .into_iter()
            .filter_map(|(k, v)| Tag::builder().tag_key(k).tag_value(v).build().ok())
            .collect();
        let out = c
            .kms
            .create_key()
            .set_description(get_string(desired, "description"))
            .set_key_usage(get_str(desired, "key_usage").map(KeyUsageType::from))
            .set_key_spec(get_str(desired, "customer_master_key_spec").map(aws_sdk_kms::types::KeySpec::from))
            .set_policy(get_string(desired, "policy"))
            .set_multi_region(get_bool(desired, "multi_region"))
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(|e| sdk("CreateKey", e))?;
        let key = out
            .key_metadata()
            .ok_or_else(|| ProviderError::new(ProviderErrorKind::Other, "CreateKey returned no key"))?;
        let id = key.key_id().to_string();
        // What the settings are changed from: the response says whether the key is enabled, and
        // a new customer managed key's automatic rotation is off until EnableKeyRotation (which
        // is why Terraform's create calls it only when `enable_key_rotation` is true), so nothing
        // is read before they are set. Then one read, for what the response lacks (the policy
        // AWS wrote when none is given, the rotation as set).
        let mut now = Attrs::new();
        now.insert("is_enabled".into(), Value::Bool(key.enabled()));
        now.insert("enable_key_rotation".into(), Value::Bool(false));
        ctx.status("setting rotation");
        let wrap = about(WHAT, &id);
        Self::apply_settings(c, &id, &now, desired).await.map_err(&wrap)?;
        Self::read_one(c, &id, desired).await.map_err(wrap)
    }

    async fn finish_create(&self, ctx: &OpContext, id: &str, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        ctx.status("finishing an interrupted create");
        Self::settle(c, id, desired).await.map_err(about(WHAT, id))
    }

    async fn update(&self, _op: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let stored = ["tags_all", "description", "policy", "enable_key_rotation", "is_enabled"];
        if !stored.iter().any(|k| changed(prior, desired, k)) {
            // Only `deletion_window_in_days` (read at destroy) changed: nothing to tell AWS.
            let mut out = prior.clone();
            out.extend(desired.iter().filter(|(_, v)| !v.is_unknown()).map(|(k, v)| (k.clone(), v.clone())));
            return Ok(out);
        }
        let c = self.ctx.clients().await?;
        let wrap = about(WHAT, id);
        let delta = tags::delta(prior.get("tags_all"), desired.get("tags_all"));
        if !delta.removed.is_empty() {
            c.kms
                .untag_resource()
                .key_id(id)
                .set_tag_keys(Some(delta.removed))
                .send()
                .await
                .map_err(|e| wrap(sdk("UntagResource", e)))?;
        }
        if !delta.changed.is_empty() {
            let tags =
                delta.changed.into_iter().filter_map(|(k, v)| Tag::builder().tag_key(k).tag_value(v).build().ok());
            c.kms
                .tag_resource()
                .key_id(id)
                .set_tags(Some(tags.collect()))
                .send()
                .await
                .map_err(|e| wrap(sdk("TagResource", e)))?;
        }
        if changed(prior, desired, "description") {
            c.kms
                .update_key_description()
                .key_id(id)
                .description(get_str(desired, "description").unwrap_or_default())
                .send()
                .await
                .map_err(|e| wrap(sdk("UpdateKeyDescription", e)))?;
        }
        if changed(prior, desired, "policy")
            && let Some(policy) = get_string(desired, "policy")
        {
            c.kms
                .put_key_policy()
                .key_id(id)
                .policy_name("default")
                .policy(policy)
                .send()
                .await
                .map_err(|e| wrap(sdk("PutKeyPolicy", e)))?;
        }
        Self::apply_settings(c, id, prior, desired).await.map_err(&wrap)?;
        Self::read_one(c, id, desired).await.map_err(wrap)
    }

    async fn delete(&self, op: &OpContext, id: &str, prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        let days = prior.get("deletion_window_in_days").and_then(Value::as_number).map_or(30, |n| n as i32);
        op.status(format!("scheduling deletion in {days} days"));
        match c.kms.schedule_key_deletion().key_id(id).pending_window_in_days(days).send().await {
            Ok(_) => Ok(()),
            Err(e) => {
                let e = sdk("ScheduleKeyDeletion", e);
                if e.is_not_found() { Ok(()) } else { Err(about(WHAT, id)(e)) }
            }
        }
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let c = self.ctx.clients().await?;
        let mut out = vec![];
        let mut pages = c.kms.list_keys().into_paginator().send();
        let mut ids = vec![];
        while let Some(page) = pages.next().await {
            ids.extend(
                page.map_err(|e| sdk("ListKeys", e))?.keys().iter().filter_map(|k| k.key_id().map(str::to_string)),
            );
        }
        for id in ids {
            // AWS managed keys and keys of other principals may refuse the tag listing: not ours.
            let Ok(tag_out) = c.kms.list_resource_tags().key_id(&id).send().await else { continue };
            let pairs: Vec<(&str, &str)> = tag_out.tags().iter().map(|t| (t.tag_key(), t.tag_value())).collect();
            let stack = pairs.iter().any(|(k, v)| *k == provision_core::tags::STACK && *v == query.identity.stack);
            if !stack || !tags::tagged_for(pairs.iter().copied(), &query.identity) {
                continue;
            }
            if let Some(k) = Self::describe(c, &id).await?
                && let Some(a) = Self::read(c, &k, &query.desired).await?
            {
                out.push(Found::ours(a));
            }
        }
        Ok(out)
    }
}

/// The ARN of a key, for aliases that only know its id.
pub(crate) fn key_arn(c: &Clients, account: &str, key_id: &str) -> String {
    if key_id.starts_with("arn:") {
        return key_id.to_string();
    }
    format!("arn:{}:kms:{}:{account}:key/{key_id}", c.partition, c.region)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_time_checks() {
        assert!(json(&Value::String("{not json".into())).is_err());
        assert!(window(&Value::Number(7.0)).is_ok() && window(&Value::Number(3.0)).is_err());
        assert!(key_usage(&"ENCRYPT_DECRYPT".into()).is_ok() && key_usage(&"ENCRYPT".into()).is_err());
    }
}
