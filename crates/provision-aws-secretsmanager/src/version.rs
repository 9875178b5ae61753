//! `aws_secretsmanager_secret_version`: the value of a secret, written with `PutSecretValue`.
//!
//! The value is sensitive: it goes to AWS and into state, never into plans, logs or errors (no
//! message here quotes it). A secret's versions are immutable in Secrets Manager, so a refresh
//! reads only which versions exist and their staging labels (from the secret's listing) and never
//! the values: `GetSecretValue` would cost one call per version and put the value in memory for
//! nothing. A version that lost `AWSCURRENT` to a value written outside provision reads as gone,
//! so the next apply writes the configured value again as the current one.
//!
//! Found again by name: the version id is the pending record's token, sent as
//! `ClientRequestToken`, so a retried create returns the same version, and recovery looks for that
//! version id in the secret.

use crate::attrs::{get_str, get_strings, kept, other, string_set};
use crate::context::{Clients, Context};
use crate::error::sdk;
use crate::view::{describe, read_secrets};
use async_trait::async_trait;
use aws_sdk_secretsmanager::primitives::Blob;
use base64::Engine;
use provision_aws_core::retry::{Policy, nothing, retry};
use provision_core::{
    AttributeSchema, Attrs, FindQuery, Found, OpContext, ProviderError, ProviderErrorKind, ReadContext, ResourceType,
    Schema, Type, Value,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

const CURRENT: &str = "AWSCURRENT";

pub(crate) struct SecretVersion {
    ctx: Arc<Context>,
    schema: Schema,
}

fn one_value(a: &Attrs) -> Result<(), String> {
    let set = |k: &str| a.get(k).is_some_and(|v| !v.is_null());
    match (set("secret_string"), set("secret_binary")) {
        (true, true) => Err("`secret_string` and `secret_binary` cannot both be set".into()),
        (false, false) => Err("set `secret_string` or `secret_binary`".into()),
        _ => Ok(()),
    }
}

/// `<secret ARN>|<version id>`, Terraform's id for a version.
pub(crate) fn version_id(secret: &str, version: &str) -> String {
    format!("{secret}|{version}")
}

/// The secret and version of an id.
fn split(id: &str) -> Result<(&str, &str), ProviderError> {
    id.rsplit_once('|').ok_or_else(|| {
        ProviderError::new(
            ProviderErrorKind::Invalid,
            format!("\"{id}\" is not a secret version id (<secret ARN>|<version id>)"),
        )
    })
}

/// A `ClientRequestToken` (32 to 64 characters) from an operation's token.
fn request_token(token: &str) -> String {
    if token.len() >= 32 { token.chars().take(64).collect() } else { format!("{token:0>32}") }
}

impl SecretVersion {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("One value of a Secrets Manager secret.")
            .with_id()
            .attr(AttributeSchema::computed("arn", Type::String).describe("The secret's ARN."))
            .attr(
                AttributeSchema::required("secret_id", Type::String)
                    .force_new()
                    .describe("The secret (ARN or name) this value belongs to."),
            )
            .attr(
                AttributeSchema::optional("secret_string", Type::String)
                    .sensitive()
                    .describe("The value, as text. Sensitive: never shown. A new value is written in place as a new version (`PutSecretValue`) that becomes `AWSCURRENT`."),
            )
            .attr(
                AttributeSchema::optional("secret_binary", Type::String)
                    .sensitive()
                    .describe("The value as binary, base64-encoded. Sensitive. Conflicts with `secret_string`."),
            )
            .attr(
                AttributeSchema::optional_computed("version_stages", Type::set(Type::String))
                    .describe("Staging labels of this version; unset gives `AWSCURRENT`. Moved in place (`UpdateSecretVersionStage`)."),
            )
            .attr(
                AttributeSchema::computed("version_id", Type::String)
                    .recomputed_by(&["secret_string", "secret_binary"])
                    .describe("The version's id (the create call's request token). A new value makes a new version: known after apply in such a plan."),
            )
            .check(one_value);
        SecretVersion { ctx, schema }
    }

    fn attrs(arn: &str, version: &str, stages: &[String], prior: &Attrs) -> Attrs {
        let mut a = Attrs::new();
        a.insert("id".into(), Value::String(version_id(arn, version)));
        a.insert("arn".into(), Value::String(arn.to_string()));
        a.insert("secret_id".into(), prior.get("secret_id").cloned().unwrap_or_else(|| Value::from(arn)));
        a.insert("secret_string".into(), kept(prior, "secret_string"));
        a.insert("secret_binary".into(), kept(prior, "secret_binary"));
        a.insert("version_stages".into(), string_set(stages.iter().cloned()));
        a.insert("version_id".into(), Value::String(version.to_string()));
        a
    }

    /// Writes the value as a new version with id `token`; returns the secret's ARN.
    async fn put(c: &Clients, secret: &str, token: &str, desired: &Attrs) -> Result<String, ProviderError> {
        let mut req = c.sm.put_secret_value().secret_id(secret).client_request_token(token);
        if let Some(v) = get_str(desired, "secret_string") {
            req = req.secret_string(v);
        }
        if let Some(b) = get_str(desired, "secret_binary") {
            let bytes = base64::engine::general_purpose::STANDARD.decode(b).map_err(|_| {
                ProviderError::new(
                    ProviderErrorKind::Invalid,
                    format!("secret {secret}: `secret_binary` is not base64"),
                )
            })?;
            req = req.secret_binary(Blob::new(bytes));
        }
        let stages = get_strings(desired, "version_stages");
        if !stages.is_empty() {
            req = req.set_version_stages(Some(stages));
        }
        let out = retry(
            Policy::NEW_OBJECT,
            || async { req.clone().send().await.map_err(|e| sdk("PutSecretValue", e)) },
            nothing,
        )
        .await
        .map_err(|mut e| {
            e.message = format!("secret {secret}: {}", e.message);
            e
        })?;
        Ok(out.arn().unwrap_or(secret).to_string())
    }

    /// The version's attributes as the secret shows them now.
    async fn read_one(c: &Clients, secret: &str, version: &str, prior: &Attrs) -> Result<Attrs, ProviderError> {
        let v = describe(c, secret)
            .await?
            .filter(|v| !v.deleted)
            .ok_or_else(|| ProviderError::new(ProviderErrorKind::NotFound, format!("secret {secret} not found")))?;
        let stages = v.versions.get(version).cloned().unwrap_or_default();
        Ok(Self::attrs(&v.arn, version, &stages, prior))
    }
}

#[async_trait]
impl ResourceType for SecretVersion {
    fn name(&self) -> &'static str {
        "aws_secretsmanager_secret_version"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn identity(&self) -> provision_core::IdentityStrategy {
        provision_core::IdentityStrategy::Name
    }

    fn natural_key(&self, ctx: &OpContext, desired: &Attrs) -> Option<String> {
        Some(version_id(get_str(desired, "secret_id")?, &request_token(&ctx.token)))
    }

    async fn read_many(
        &self,
        ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        let c = self.ctx.clients().await?;
        let mut secrets = BTreeSet::new();
        for (id, _) in objects {
            secrets.insert(split(id)?.0.to_string());
        }
        let found = read_secrets(c, &ctx.stack, &secrets).await?;
        let mut out = BTreeMap::new();
        for (id, prior) in objects {
            let (secret, version) = split(id)?;
            let Some(v) = found.get(secret) else { continue };
            let Some(stages) = v.versions.get(version) else { continue };
            let was_current = get_strings(prior, "version_stages").iter().any(|s| s == CURRENT);
            if was_current && !stages.iter().any(|s| s == CURRENT) {
                // Another value became current outside provision: the configured one must be
                // written again.
                continue;
            }
            out.insert(id.clone(), Self::attrs(&v.arn, version, stages, prior));
        }
        Ok(out)
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let secret = get_str(desired, "secret_id").ok_or_else(|| other("`secret_id` must be set"))?;
        let token = request_token(&ctx.token);
        let arn = Self::put(c, secret, &token, desired).await?;
        Self::read_one(c, &arn, &token, desired).await
    }

    async fn update(&self, ctx: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let (secret, version) = split(id)?;
        let value_changed = |k: &str| get_str(prior, k) != get_str(desired, k);
        if value_changed("secret_string") || value_changed("secret_binary") {
            // A new value is a new version; the labels move to it.
            let token = request_token(&ctx.token);
            let arn = Self::put(c, secret, &token, desired).await?;
            return Self::read_one(c, &arn, &token, desired).await;
        }
        let want: BTreeSet<String> = get_strings(desired, "version_stages").into_iter().collect();
        let have: BTreeSet<String> = get_strings(prior, "version_stages").into_iter().collect();
        if !want.is_empty() {
            for stage in want.difference(&have) {
                let current = describe(c, secret)
                    .await?
                    .and_then(|v| v.versions.iter().find(|(_, st)| st.contains(stage)).map(|(k, _)| k.clone()));
                c.sm.update_secret_version_stage()
                    .secret_id(secret)
                    .version_stage(stage)
                    .move_to_version_id(version)
                    .set_remove_from_version_id(current)
                    .send()
                    .await
                    .map_err(|e| sdk("UpdateSecretVersionStage", e))?;
            }
            for stage in have.difference(&want).filter(|s| *s != CURRENT) {
                c.sm.update_secret_version_stage()
                    .secret_id(secret)
                    .version_stage(stage)
                    .remove_from_version_id(version)
                    .send()
                    .await
                    .map_err(|e| sdk("UpdateSecretVersionStage", e))?;
            }
        }
        Self::read_one(c, secret, version, desired).await
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        let (secret, version) = split(id)?;
        let Some(v) = describe(c, secret).await?.filter(|v| !v.deleted) else { return Ok(()) };
        // AWSCURRENT cannot be taken off a version (another must get it): a current version stays
        // as the secret's value, as with Terraform; its other labels go, which lets AWS remove it
        // once it is no longer current.
        for stage in v.versions.get(version).into_iter().flatten().filter(|s| *s != CURRENT) {
            match c
                .sm
                .update_secret_version_stage()
                .secret_id(secret)
                .version_stage(stage)
                .remove_from_version_id(version)
                .send()
                .await
            {
                Ok(_) => {}
                Err(e) => {
                    let e = sdk("UpdateSecretVersionStage", e);
                    if !e.is_not_found() {
                        return Err(e);
                    }
                }
            }
        }
        Ok(())
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let c = self.ctx.clients().await?;
        let Some(key) = &query.natural_key else { return Ok(vec![]) };
        let (secret, version) = split(key)?;
        let Some(v) = describe(c, secret).await?.filter(|v| !v.deleted) else { return Ok(vec![]) };
        let Some(stages) = v.versions.get(version) else { return Ok(vec![]) };
        // The version id is this pending create's own token: nobody else can have made it.
        Ok(vec![Found::ours(Self::attrs(&v.arn, version, stages, &query.desired))])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_split_at_the_last_bar() {
        let id = version_id("arn:aws:secretsmanager:eu-west-1:1:secret:db-AbCd", "v-1");
        assert_eq!(split(&id).expect("id"), ("arn:aws:secretsmanager:eu-west-1:1:secret:db-AbCd", "v-1"));
        assert!(split("no-bar").is_err());
    }

    #[test]
    fn request_tokens_have_the_length_aws_wants() {
        assert_eq!(request_token("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0").len(), 36);
        assert_eq!(request_token("short").len(), 32);
        assert_eq!(request_token(&"x".repeat(80)).len(), 64);
    }

    #[test]
    fn exactly_one_value() {
        let mut a = Attrs::new();
        assert!(one_value(&a).is_err());
        a.insert("secret_string".into(), Value::from("s"));
        assert!(one_value(&a).is_ok());
        a.insert("secret_binary".into(), Value::from("cw=="));
        assert!(one_value(&a).is_err());
    }
}
