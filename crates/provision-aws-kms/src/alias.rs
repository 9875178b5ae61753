//! `aws_kms_alias`: a friendly name (`alias/...`) for a KMS key, changed in place to point at
//! another key. Aliases cannot be tagged, so after a crash an alias is found by its content: the
//! alias with the configured name (or prefix) pointing at the configured key. A refresh of every
//! alias of the stack costs one paginated `ListAliases` call.

use crate::context::{Clients, Context};
use crate::error::sdk;
use crate::key::key_arn;
use crate::{about, get_str, get_string, s};
use async_trait::async_trait;
use aws_sdk_kms::types::AliasListEntry;
use provision_core::{
    AttributeSchema, Attrs, FindQuery, Found, IdentityStrategy, OpContext, ProviderError, ProviderErrorKind,
    ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

const WHAT: &str = "KMS alias";

pub(crate) struct Alias {
    ctx: Arc<Context>,
    schema: Schema,
}

fn alias_name(v: &Value) -> Result<(), String> {
    let Some(s) = v.as_str() else { return Ok(()) };
    if !s.starts_with("alias/") {
        return Err(format!("\"{s}\" must start with \"alias/\""));
    }
    if s.starts_with("alias/aws/") {
        return Err(format!("\"{s}\": names under alias/aws/ are reserved for AWS managed keys"));
    }
    if s.len() > 256 || !s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-')) {
        return Err(format!("\"{s}\" may only contain letters, digits, /, _ and - (at most 256 characters)"));
    }
    Ok(())
}

fn check(a: &Attrs) -> Result<(), String> {
    let text = |k: &str| a.get(k).and_then(Value::as_str);
    let set = |k: &str| a.get(k).is_some_and(|v| !v.is_null());
    // At apply the generated name is known: it starts with the prefix.
    let generated = matches!((text("name"), text("name_prefix")), (Some(n), Some(p)) if n.starts_with(p));
    if set("name") && set("name_prefix") && !generated {
        return Err("set `name` or `name_prefix`, not both".into());
    }
    Ok(())
}

/// A stable suffix for a generated alias name (see the RDS crate's identifiers).
fn suffix(ctx: &OpContext) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{}|{}|{}", ctx.identity.stack, ctx.identity.address, ctx.token));
    digest.iter().take(10).map(|b| format!("{b:02x}")).collect()
}

impl Alias {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("A KMS alias: a friendly name for a key.")
            .with_id()
            .attr(AttributeSchema::computed("arn", Type::String).describe("The alias's ARN."))
            .attr(
                AttributeSchema::optional_computed("name", Type::String)
                    .force_new()
                    .validate(alias_name)
                    .describe("The name, starting with `alias/` (checked at plan time); also the `id`. When unset, `name_prefix` followed by 20 hex characters derived from the stack, the address and the pending create."),
            )
            .attr(
                AttributeSchema::optional("name_prefix", Type::String)
                    .force_new()
                    .validate(alias_name)
                    .describe("A prefix for the generated name, starting with `alias/`. Not reported by AWS: kept as configured."),
            )
            .attr(
                AttributeSchema::required("target_key_id", Type::String)
                    .describe("The key (an `aws_kms_key`'s `key_id` or `arn`). Changed in place (`UpdateAlias`)."),
            )
            .attr(AttributeSchema::computed("target_key_arn", Type::String).describe("The key's ARN."))
            .check(check)
            .timeouts(Duration::from_secs(120), Duration::from_secs(120), Duration::from_secs(120));
        Alias { ctx, schema }
    }

    async fn list(c: &Clients) -> Result<Vec<AliasListEntry>, ProviderError> {
        let mut out = vec![];
        let mut pages = c.kms.list_aliases().into_paginator().send();
        while let Some(page) = pages.next().await {
            out.extend(page.map_err(|e| sdk("ListAliases", e))?.aliases().iter().cloned());
        }
        Ok(out)
    }

    fn attrs(c: &Clients, a: &AliasListEntry, prior: &Attrs) -> Attrs {
        let account = a.alias_arn().and_then(|arn| arn.split(':').nth(4)).unwrap_or_default();
        let target = a.target_key_id().unwrap_or_default();
        let mut out = Attrs::new();
        out.insert("id".into(), s(a.alias_name()));
        out.insert("arn".into(), s(a.alias_arn()));
        out.insert("name".into(), s(a.alias_name()));
        out.insert("name_prefix".into(), prior.get("name_prefix").cloned().unwrap_or(Value::Null));
        // The configuration may name the key by id or by ARN: kept as written when it is this key.
        let arn = key_arn(c, account, target);
        let written = get_str(prior, "target_key_id").filter(|w| *w == target || *w == arn);
        out.insert("target_key_id".into(), Value::String(written.unwrap_or(target).to_string()));
        out.insert("target_key_arn".into(), Value::String(arn));
        out
    }

    async fn read_one(c: &Clients, name: &str, prior: &Attrs) -> Result<Attrs, ProviderError> {
        let found = Self::list(c).await?.into_iter().find(|a| a.alias_name() == Some(name));
        found
            .map(|a| Self::attrs(c, &a, prior))
            .ok_or_else(|| ProviderError::new(ProviderErrorKind::NotFound, format!("{WHAT} {name} not found")))
    }
}

#[async_trait]
impl ResourceType for Alias {
    fn name(&self) -> &'static str {
        "aws_kms_alias"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn identity(&self) -> IdentityStrategy {
        IdentityStrategy::Content
    }

    async fn read_many(
        &self,
        _ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        if objects.is_empty() {
            return Ok(BTreeMap::new());
        }
        let c = self.ctx.clients().await?;
        let all: BTreeMap<String, AliasListEntry> =
            Self::list(c).await?.into_iter().filter_map(|a| Some((a.alias_name()?.to_string(), a))).collect();
        Ok(objects.iter().filter_map(|(id, prior)| Some((id.clone(), Self::attrs(c, all.get(id)?, prior)))).collect())
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let name = match get_string(desired, "name") {
            Some(n) => n,
            None => format!("{}{}", get_string(desired, "name_prefix").unwrap_or_else(|| "alias/".into()), suffix(ctx)),
        };
        let target = get_string(desired, "target_key_id").unwrap_or_default();
        match c.kms.create_alias().alias_name(&name).target_key_id(&target).send().await {
            Ok(_) => {}
            Err(e) => {
                let e = sdk("CreateAlias", e);
                // An identical alias (made by an interrupted run) is adopted.
                let existing = Self::read_one(c, &name, desired).await.ok();
                let same = existing.as_ref().is_some_and(|a| {
                    let t = get_str(a, "target_key_id");
                    t == Some(target.as_str()) || get_str(a, "target_key_arn") == Some(target.as_str())
                });
                if e.code.as_deref() != Some("AlreadyExistsException") || !same {
                    return Err(about(WHAT, &name)(e));
                }
            }
        }
        let wanted = desired.clone();
        provision_aws_core::retry::retry(
            provision_aws_core::retry::Policy::NEW_OBJECT,
            || Self::read_one(c, &name, &wanted),
            provision_aws_core::retry::nothing,
        )
        .await
    }

    async fn update(&self, _op: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        if crate::changed(prior, desired, "target_key_id") {
            c.kms
                .update_alias()
                .alias_name(id)
                .target_key_id(get_string(desired, "target_key_id").unwrap_or_default())
                .send()
                .await
                .map_err(|e| about(WHAT, id)(sdk("UpdateAlias", e)))?;
        }
        Self::read_one(c, id, desired).await
    }

    async fn delete(&self, _op: &OpContext, id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        match c.kms.delete_alias().alias_name(id).send().await {
            Ok(_) => Ok(()),
            Err(e) => {
                let e = sdk("DeleteAlias", e);
                if e.is_not_found() { Ok(()) } else { Err(about(WHAT, id)(e)) }
            }
        }
    }

    /// The alias with the configured name (or prefix) that points at the configured key.
    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let c = self.ctx.clients().await?;
        let name = get_string(&query.desired, "name");
        let prefix = get_string(&query.desired, "name_prefix");
        let Some(target) = get_string(&query.desired, "target_key_id") else { return Ok(vec![]) };
        Ok(Self::list(c)
            .await?
            .iter()
            .filter(|a| {
                let n = a.alias_name().unwrap_or_default();
                match (&name, &prefix) {
                    (Some(want), _) => n == want,
                    (None, Some(p)) => n.starts_with(p.as_str()),
                    (None, None) => false,
                }
            })
            .map(|a| Self::attrs(c, a, &query.desired))
            .filter(|a| {
                get_str(a, "target_key_id") == Some(target.as_str())
                    || get_str(a, "target_key_arn") == Some(target.as_str())
            })
            .map(Found::ours)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_names() {
        assert!(alias_name(&"alias/app".into()).is_ok());
        assert!(alias_name(&"app".into()).expect_err("prefix").contains("alias/"));
        assert!(alias_name(&"alias/aws/rds".into()).is_err());
        assert!(alias_name(&"alias/a b".into()).is_err());
    }
}
