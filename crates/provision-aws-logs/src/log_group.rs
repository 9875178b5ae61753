//! `aws_cloudwatch_log_group`: a log group, with its retention, KMS key and class. Found again by
//! name (the tagging API's log group type differs between AWS and emulators), adopted only if its
//! tags say it is ours. A refresh lists the stack's groups with one paginated `DescribeLogGroups`
//! by their common name prefix, plus one `ListTagsForResource` per group (AWS has no batched tag
//! read for log groups).

use crate::context::{Clients, Context};
use crate::error::sdk;
use async_trait::async_trait;
use aws_sdk_cloudwatchlogs::types::{LogGroup as SdkGroup, LogGroupClass};
use provision_aws_core::retry::{Policy, gone_is_ok, nothing, retry};
use provision_aws_core::tags;
use provision_core::{
    AttributeSchema, Attrs, FindQuery, Found, IdentityStrategy, OpContext, ProviderError, ProviderErrorKind,
    ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The retention periods AWS accepts, in days (0: never expire).
const RETENTION_DAYS: &[i32] =
    &[0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

pub(crate) struct LogGroup {
    ctx: Arc<Context>,
    schema: Schema,
}

fn retention(v: &Value) -> Result<(), String> {
    match v.as_number() {
        Some(n) if n.fract() != 0.0 || !RETENTION_DAYS.contains(&(n as i32)) => {
            let allowed: Vec<String> = RETENTION_DAYS.iter().map(i32::to_string).collect();
            Err(format!(
                "{} days is not a retention AWS accepts; use one of: {} (0 keeps events forever)",
                provision_core::value::format_number(n),
                allowed.join(", ")
            ))
        }
        _ => Ok(()),
    }
}

fn class(v: &Value) -> Result<(), String> {
    provision_aws_core::validate::one_of(v, &["STANDARD", "INFREQUENT_ACCESS", "DELIVERY"], "log group class")
}

fn check(a: &Attrs) -> Result<(), String> {
    let set = |k: &str| a.get(k).is_some_and(|v| !v.is_null());
    if set("name") && set("name_prefix") {
        return Err("`name` and `name_prefix` cannot both be set: `name_prefix` generates a unique name".into());
    }
    if let Some(n) = a.get("name").and_then(Value::as_str)
        && (n.is_empty() || n.len() > 512)
    {
        return Err(format!("log group name \"{n}\" must be 1 to 512 characters long"));
    }
    Ok(())
}

fn get_str<'a>(a: &'a Attrs, k: &str) -> Option<&'a str> {
    a.get(k).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn get_i32(a: &Attrs, k: &str) -> i32 {
    a.get(k).and_then(Value::as_number).map_or(0, |n| n as i32)
}

/// The group's name: `name`, or `name_prefix` (default `terraform-`) and 26 characters of the
/// create's token, known before the call so the pending record can keep it.
fn generated_name(ctx: &OpContext, desired: &Attrs) -> String {
    if let Some(name) = get_str(desired, "name") {
        return name.to_string();
    }
    let prefix = get_str(desired, "name_prefix").unwrap_or("terraform-");
    let unique: String = ctx.token.chars().filter(char::is_ascii_alphanumeric).take(26).collect();
    format!("{prefix}{unique}")
}

/// The ARN Terraform records (without the `:*` DescribeLogGroups appends).
fn arn_of(g: &SdkGroup) -> String {
    g.log_group_arn()
        .map(str::to_string)
        .unwrap_or_else(|| g.arn().unwrap_or_default().trim_end_matches(":*").to_string())
}

/// The longest common prefix of the names, on a character boundary.
fn common_prefix<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let mut it = names.into_iter();
    let Some(first) = it.next() else { return String::new() };
    let mut prefix = first.to_string();
    for n in it {
        let common = prefix.chars().zip(n.chars()).take_while(|(a, b)| a == b).count();
        prefix = prefix.chars().take(common).collect();
    }
    prefix
}

impl LogGroup {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("A CloudWatch Logs log group.")
            .attr(AttributeSchema::computed("id", Type::String).describe("The group's name."))
            .attr(
                AttributeSchema::optional_computed("name", Type::String)
                    .force_new()
                    .describe("The group's name, e.g. `/ecs/app`. When unset, generated from `name_prefix` (or `terraform-`) and 26 characters of the create's token."),
            )
            .attr(
                AttributeSchema::optional_computed("name_prefix", Type::String)
                    .force_new()
                    .describe("Generate a unique name beginning with this prefix. Exclusive with `name`."),
            )
            .attr(
                AttributeSchema::optional("retention_in_days", Type::Number)
                    .default(0.0)
                    .validate(retention)
                    .describe("Days to keep events: one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653, or 0 to keep them forever (checked at plan time). Changed in place (`PutRetentionPolicy` / `DeleteRetentionPolicy`)."),
            )
            .attr(
                AttributeSchema::optional("kms_key_id", Type::String)
                    .describe("The ARN of the KMS key that encrypts the events. Changed in place (`AssociateKmsKey` / `DisassociateKmsKey`); the key policy must let CloudWatch Logs use it."),
            )
            .attr(
                AttributeSchema::optional_computed("log_group_class", Type::String)
                    .force_new()
                    .validate(class)
                    .describe("`STANDARD` (the default AWS picks), `INFREQUENT_ACCESS` or `DELIVERY`. AWS cannot change it: a change replaces the group."),
            )
            .attr(
                AttributeSchema::optional("skip_destroy", Type::Bool)
                    .default(false)
                    .at_destroy()
                    .describe("On destroy, leave the group and its events in AWS and only forget it. Only matters when the group is deleted: changing it makes no AWS call."),
            )
            .attr(AttributeSchema::computed("arn", Type::String).describe("The group's ARN (without the `:*` suffix)."))
            .with_tags()
            .check(check);
        LogGroup { ctx, schema }
    }

    /// Groups whose name begins with `prefix` (every group when it is empty), all pages.
    async fn describe(c: &Clients, prefix: &str) -> Result<Vec<SdkGroup>, ProviderError> {
        let mut out = vec![];
        let req = c.logs.describe_log_groups();
        let req = if prefix.is_empty() { req } else { req.log_group_name_prefix(prefix) };
        let mut pages = req.limit(50).into_paginator().send();
        while let Some(page) = pages.next().await {
            out.extend(page.map_err(|e| sdk(prefix, "DescribeLogGroups", e))?.log_groups().iter().cloned());
        }
        Ok(out)
    }

    async fn lookup(c: &Clients, name: &str) -> Result<Option<SdkGroup>, ProviderError> {
        Ok(Self::describe(c, name).await?.into_iter().find(|g| g.log_group_name() == Some(name)))
    }

    async fn tags_of(c: &Clients, g: &SdkGroup) -> Result<HashMap<String, String>, ProviderError> {
        let name = g.log_group_name().unwrap_or_default();
        match c.logs.list_tags_for_resource().resource_arn(arn_of(g)).send().await {
            Ok(out) => Ok(out.tags().cloned().unwrap_or_default()),
            Err(e) => {
                let e = sdk(name, "ListTagsForResource", e);
                if e.is_not_found() { Ok(HashMap::new()) } else { Err(e) }
            }
        }
    }

    fn attrs(g: &SdkGroup, tags_map: &HashMap<String, String>, prior: &Attrs) -> Attrs {
        let name = g.log_group_name().unwrap_or_default();
        let mut a = Attrs::new();
        a.insert("id".into(), Value::String(name.to_string()));
        a.insert("name".into(), Value::String(name.to_string()));
        a.insert("name_prefix".into(), prior.get("name_prefix").cloned().unwrap_or(Value::Null));
        a.insert("arn".into(), Value::String(arn_of(g)));
        a.insert("retention_in_days".into(), Value::Number(f64::from(g.retention_in_days().unwrap_or(0))));
        a.insert("kms_key_id".into(), g.kms_key_id().map_or(Value::Null, |k| Value::String(k.to_string())));
        a.insert(
            "log_group_class".into(),
            Value::String(g.log_group_class().map_or("STANDARD", |c| c.as_str()).to_string()),
        );
        a.insert(
            "skip_destroy".into(),
            Value::Bool(prior.get("skip_destroy").and_then(Value::as_bool).unwrap_or(false)),
        );
        a.insert("tags_all".into(), tags::user_tags(tags_map.iter().map(|(k, v)| (k.as_str(), v.as_str()))));
        a
    }

    /// The group with this name, retried while it is not visible yet.
    async fn visible(c: &Clients, name: &str) -> Result<SdkGroup, ProviderError> {
        retry(
            Policy::NEW_OBJECT,
            || async {
                Self::lookup(c, name).await?.ok_or_else(|| {
                    ProviderError::new(ProviderErrorKind::NotFound, format!("log group {name} not found"))
                })
            },
            nothing,
        )
        .await
    }

    async fn read_one(c: &Clients, name: &str, prior: &Attrs) -> Result<Attrs, ProviderError> {
        let g = Self::visible(c, name).await?;
        let t = Self::tags_of(c, &g).await?;
        Ok(Self::attrs(&g, &t, prior))
    }

    async fn set_retention(c: &Clients, name: &str, days: i32) -> Result<(), ProviderError> {
        if days == 0 {
            gone_is_ok(
                c.logs
                    .delete_retention_policy()
                    .log_group_name(name)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| sdk(name, "DeleteRetentionPolicy", e)),
            )
        } else {
            c.logs
                .put_retention_policy()
                .log_group_name(name)
                .retention_in_days(days)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| sdk(name, "PutRetentionPolicy", e))
        }
    }
}

#[async_trait]
impl ResourceType for LogGroup {
    fn name(&self) -> &'static str {
        "aws_cloudwatch_log_group"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn identity(&self) -> IdentityStrategy {
        IdentityStrategy::Name
    }

    fn natural_key(&self, ctx: &OpContext, desired: &Attrs) -> Option<String> {
        Some(generated_name(ctx, desired))
    }

    /// One paginated `DescribeLogGroups` by the names' common prefix (50 groups a page), then
    /// `ListTagsForResource` per group found.
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
        let prefix = common_prefix(objects.iter().map(|(id, _)| id.as_str()));
        let groups: BTreeMap<String, SdkGroup> = Self::describe(c, &prefix)
            .await?
            .into_iter()
            .filter_map(|g| Some((g.log_group_name()?.to_string(), g)))
            .collect();
        for (id, prior) in objects {
            if let Some(g) = groups.get(id) {
                let t = Self::tags_of(c, g).await?;
                out.insert(id.clone(), Self::attrs(g, &t, prior));
            }
        }
        Ok(out)
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let name = generated_name(ctx, desired);
        let tags: HashMap<String, String> =
            tags::create_tags(&ctx.identity, desired.get("tags_all")).into_iter().collect();
        c.logs
            .create_log_group()
            .log_group_name(&name)
            .set_kms_key_id(get_str(desired, "kms_key_id").map(str::to_string))
            .set_log_group_class(get_str(desired, "log_group_class").map(LogGroupClass::from))
            .set_tags(Some(tags.clone()))
            .send()
            .await
            .map_err(|e| sdk(&name, "CreateLogGroup", e))?;
        let days = get_i32(desired, "retention_in_days");
        if days != 0 {
            Self::set_retention(c, &name, days).await?;
        }
        // CreateLogGroup answers nothing, so the group is read once for its ARN (and AWS's
        // retention, key and class); its tags are the ones just given, not read back.
        let g = Self::visible(c, &name).await?;
        let mut a = Self::attrs(&g, &tags, desired);
        a.insert("name_prefix".into(), desired.get("name_prefix").cloned().unwrap_or(Value::Null));
        Ok(a)
    }

    async fn update(&self, _ctx: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let delta = tags::delta(prior.get("tags_all"), desired.get("tags_all"));
        if get_i32(desired, "retention_in_days") == get_i32(prior, "retention_in_days")
            && get_str(prior, "kms_key_id") == get_str(desired, "kms_key_id")
            && delta.is_empty()
        {
            // Only `skip_destroy` changed: it matters at destroy, no AWS call.
            let mut a = prior.clone();
            a.insert("skip_destroy".into(), desired.get("skip_destroy").cloned().unwrap_or(Value::Bool(false)));
            return Ok(a);
        }
        let c = self.ctx.clients().await?;
        let days = get_i32(desired, "retention_in_days");
        if days != get_i32(prior, "retention_in_days") {
            Self::set_retention(c, id, days).await?;
        }
        match (get_str(prior, "kms_key_id"), get_str(desired, "kms_key_id")) {
            (p, Some(k)) if p != Some(k) => {
                c.logs
                    .associate_kms_key()
                    .log_group_name(id)
                    .kms_key_id(k)
                    .send()
                    .await
                    .map_err(|e| sdk(id, "AssociateKmsKey", e))?;
            }
            (Some(_), None) => {
                c.logs
                    .disassociate_kms_key()
                    .log_group_name(id)
                    .send()
                    .await
                    .map_err(|e| sdk(id, "DisassociateKmsKey", e))?;
            }
            _ => {}
        }
        if !delta.is_empty() {
            let arn = get_str(prior, "arn").map(str::to_string);
            let arn = match arn {
                Some(a) => a,
                None => Self::read_one(c, id, prior)
                    .await?
                    .get("arn")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            };
            if !delta.removed.is_empty() {
                c.logs
                    .untag_resource()
                    .resource_arn(&arn)
                    .set_tag_keys(Some(delta.removed))
                    .send()
                    .await
                    .map_err(|e| sdk(id, "UntagResource", e))?;
            }
            if !delta.changed.is_empty() {
                c.logs
                    .tag_resource()
                    .resource_arn(&arn)
                    .set_tags(Some(delta.changed.into_iter().collect()))
                    .send()
                    .await
                    .map_err(|e| sdk(id, "TagResource", e))?;
            }
        }
        let mut a = Self::read_one(c, id, desired).await?;
        a.insert("name_prefix".into(), desired.get("name_prefix").cloned().unwrap_or(Value::Null));
        Ok(a)
    }

    async fn delete(&self, ctx: &OpContext, id: &str, prior: &Attrs) -> Result<(), ProviderError> {
        if prior.get("skip_destroy").and_then(Value::as_bool) == Some(true) {
            ctx.status("skip_destroy: the log group is left in AWS");
            return Ok(());
        }
        let c = self.ctx.clients().await?;
        gone_is_ok(
            c.logs
                .delete_log_group()
                .log_group_name(id)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| sdk(id, "DeleteLogGroup", e)),
        )
    }

    /// The group with the name the pending create recorded, ours if its tags say so.
    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let Some(name) = &query.natural_key else { return Ok(vec![]) };
        let c = self.ctx.clients().await?;
        let Some(g) = Self::lookup(c, name).await? else { return Ok(vec![]) };
        let t = Self::tags_of(c, &g).await?;
        let owner = query.identity.owner_of(t.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let mut attrs = Self::attrs(&g, &t, &query.desired);
        attrs.insert("name_prefix".into(), query.desired.get("name_prefix").cloned().unwrap_or(Value::Null));
        Ok(vec![Found { attrs, owner }])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_is_checked_against_what_aws_accepts() {
        assert!(retention(&Value::Number(30.0)).is_ok());
        assert!(retention(&Value::Number(0.0)).is_ok());
        let e = retention(&Value::Number(13.0)).expect_err("13 is not allowed");
        assert!(e.starts_with("13 days is not a retention AWS accepts"), "{e}");
    }

    #[test]
    fn common_prefixes() {
        assert_eq!(common_prefix(["/ecs/app", "/ecs/api"]), "/ecs/ap");
        assert_eq!(common_prefix(["/ecs/app"]), "/ecs/app");
        assert_eq!(common_prefix(["a", "b"]), "");
    }
}
