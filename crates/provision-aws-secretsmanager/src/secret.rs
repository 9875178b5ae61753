//! `aws_secretsmanager_secret`: a named secret (its value lives in `aws_secretsmanager_secret_version`).
//!
//! Found again by name: secret names are unique in an account and region, the name is known
//! before the create call (`name`, or `name_prefix` plus part of the pending record's token), and
//! one `DescribeSecret` answers for it whatever its tags, which also shows a secret that is
//! scheduled for deletion under that name. A destroyed secret keeps its name for its recovery
//! window: a create that meets such a secret restores it when its tags say it is ours and brings
//! it to the configuration, and otherwise says exactly what to do.

use crate::attrs::{create_tags, get_bool, get_str, get_string, kept, other, s};
use crate::context::{Clients, Context};
use crate::error::{name_taken, sdk};
use crate::view::{SecretView, describe, read_secrets};
use async_trait::async_trait;
use aws_sdk_secretsmanager::types::Tag;
use provision_aws_core::json::normalize_policy;
use provision_aws_core::retry::{Policy, nothing, retry};
use provision_aws_core::tags;
use provision_core::{
    AttributeSchema, Attrs, DeleteNote, FindQuery, Found, OpContext, Owner, ProviderError, ProviderErrorKind,
    ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

pub(crate) struct Secret {
    ctx: Arc<Context>,
    schema: Schema,
}

fn recovery_window(v: &Value) -> Result<(), String> {
    match v.as_number() {
        None => Ok(()),
        Some(n) if n == 0.0 || (n.fract() == 0.0 && (7.0..=30.0).contains(&n)) => Ok(()),
        Some(n) => Err(format!(
            "{} is not a recovery window: use 0 (delete at once, without recovery) or 7 to 30 days",
            provision_core::value::format_number(n)
        )),
    }
}

fn secret_name(v: &Value) -> Result<(), String> {
    let Some(s) = v.as_str() else { return Ok(()) };
    let ok = !s.is_empty() && s.len() <= 512 && s.chars().all(|c| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!("\"{s}\" is not a secret name: 1 to 512 characters among letters, digits and /_+=.@-"))
    }
}

fn name_or_prefix(a: &Attrs) -> Result<(), String> {
    let set = |k: &str| a.get(k).is_some_and(|v| !v.is_null());
    if set("name") && set("name_prefix") {
        return Err("`name` and `name_prefix` cannot both be set".into());
    }
    Ok(())
}

/// How many characters of the pending record's token follow a `name_prefix` (as many as
/// Terraform's generated suffix).
const SUFFIX: usize = 26;

impl Secret {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("A Secrets Manager secret: a name, its encryption key and policy; its value is an `aws_secretsmanager_secret_version`.")
            .with_id()
            .attr(AttributeSchema::computed("arn", Type::String).describe("The secret's ARN (also its `id`)."))
            .attr(
                AttributeSchema::optional_computed("name", Type::String)
                    .force_new()
                    .validate(secret_name)
                    .describe("The secret's name, unique in the account and region. Unset: generated from `name_prefix`. A destroyed secret keeps its name for `recovery_window_in_days`: a create under that name restores it if it was this stack's (see the page)."),
            )
            .attr(
                AttributeSchema::optional("name_prefix", Type::String)
                    .force_new()
                    .validate(secret_name)
                    .describe("Makes the name this prefix plus 26 characters chosen before the create call (so a retried create finds it). Conflicts with `name`."),
            )
            .attr(AttributeSchema::optional("description", Type::String).describe("A description. Changed in place (`UpdateSecret`)."))
            .attr(
                AttributeSchema::optional("kms_key_id", Type::String)
                    .describe("The KMS key (ARN, id or alias) that encrypts the secret's values; unset means the account's `aws/secretsmanager` key. Changed in place (`UpdateSecret`); versions written before keep their key."),
            )
            .attr(
                AttributeSchema::optional_computed("policy", Type::String)
                    .normalize(normalize_policy)
                    .describe("The resource policy, a JSON document compared by meaning. Changed in place (`PutResourcePolicy`); unset keeps whatever policy the secret has."),
            )
            .attr(
                AttributeSchema::optional("recovery_window_in_days", Type::Number)
                    .default(30.0)
                    .at_destroy()
                    .validate(recovery_window)
                    .describe("Days (7 to 30) a destroyed secret can still be restored; 0 deletes it at once, without recovery. Read at destroy from the configuration as it is then; changing it alone calls nothing."),
            )
            .attr(
                AttributeSchema::optional("force_overwrite_replica_secret", Type::Bool)
                    .default(false)
                    .describe("Whether to overwrite a secret of the same name in a replica region. Used at create only."),
            )
            .check(name_or_prefix)
            .with_tags();
        Secret { ctx, schema }
    }

    /// The name `create` gives the secret: `name`, or `name_prefix` plus part of the token.
    fn name_for(token: &str, desired: &Attrs) -> Option<String> {
        if let Some(n) = get_string(desired, "name") {
            return Some(n);
        }
        let prefix = get_str(desired, "name_prefix").unwrap_or("terraform-");
        let suffix: String = token.chars().filter(char::is_ascii_alphanumeric).take(SUFFIX).collect();
        Some(format!("{prefix}{suffix}"))
    }

    /// The secret's attributes; `policy` as read (None: not read, keep the recorded one).
    fn attrs(v: &SecretView, policy: Option<Value>, prior: &Attrs) -> Attrs {
        let mut a = Attrs::new();
        a.insert("id".into(), Value::String(v.arn.clone()));
        a.insert("arn".into(), Value::String(v.arn.clone()));
        a.insert("name".into(), Value::String(v.name.clone()));
        a.insert("name_prefix".into(), kept(prior, "name_prefix"));
        a.insert("description".into(), s(v.description.as_deref().filter(|d| !d.is_empty())));
        a.insert("kms_key_id".into(), s(v.kms_key_id.as_deref()));
        a.insert("policy".into(), policy.unwrap_or_else(|| kept(prior, "policy")));
        for (k, d) in
            [("recovery_window_in_days", Value::Number(30.0)), ("force_overwrite_replica_secret", Value::Bool(false))]
        {
            a.insert(k.into(), prior.get(k).filter(|v| !v.is_null()).cloned().unwrap_or(d));
        }
        a.insert("tags_all".into(), tags::user_tags(v.tag_pairs()));
        a
    }

    async fn policy(c: &Clients, arn: &str) -> Result<Value, ProviderError> {
        let out = c.sm.get_resource_policy().secret_id(arn).send().await.map_err(|e| sdk("GetResourcePolicy", e))?;
        Ok(out.resource_policy().map_or(Value::Null, |p| normalize_policy(&Value::from(p))))
    }

    /// The secret as AWS shows it now, waiting while a new one is not visible yet.
    async fn read_one(c: &Clients, id: &str, prior: &Attrs) -> Result<Attrs, ProviderError> {
        let v = retry(
            Policy::NEW_OBJECT,
            || async {
                describe(c, id)
                    .await?
                    .filter(|v| !v.deleted)
                    .ok_or_else(|| ProviderError::new(ProviderErrorKind::NotFound, format!("secret {id} not found")))
            },
            nothing,
        )
        .await?;
        let policy = Self::policy(c, &v.arn).await?;
        Ok(Self::attrs(&v, Some(policy), prior))
    }

    async fn put_policy(c: &Clients, arn: &str, policy: &str) -> Result<(), ProviderError> {
        c.sm.put_resource_policy()
            .secret_id(arn)
            .resource_policy(policy)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| sdk("PutResourcePolicy", e))
            .map_err(|e| named(arn, e))
    }

    /// Brings the tags of secret `arn` from `prior` to `desired` (both `tags_all`).
    async fn sync_tags(
        c: &Clients,
        arn: &str,
        prior: Option<&Value>,
        desired: Option<&Value>,
    ) -> Result<(), ProviderError> {
        let delta = tags::delta(prior, desired);
        if !delta.removed.is_empty() {
            c.sm.untag_resource()
                .secret_id(arn)
                .set_tag_keys(Some(delta.removed))
                .send()
                .await
                .map_err(|e| named(arn, sdk("UntagResource", e)))?;
        }
        if !delta.changed.is_empty() {
            let t = delta.changed.into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
            c.sm.tag_resource()
                .secret_id(arn)
                .set_tags(Some(t))
                .send()
                .await
                .map_err(|e| named(arn, sdk("TagResource", e)))?;
        }
        Ok(())
    }

    /// A create met a secret of that name. When it is scheduled for deletion and its tags say it
    /// is this object's, restores it and brings it to `desired`; when it is someone else's, says
    /// what to do. `Ok(None)` when it is a live secret: the create's error stands (recovery then
    /// adopts it if it is ours).
    async fn restore_scheduled(
        &self,
        c: &Clients,
        ctx: &OpContext,
        name: &str,
        desired: &Attrs,
    ) -> Result<Option<Attrs>, ProviderError> {
        let Some(v) = describe(c, name).await? else { return Ok(None) };
        if !v.deleted {
            return Ok(None);
        }
        if let Owner::Other(why) = ctx.identity.owner_of(v.tag_pairs()) {
            return Err(ProviderError::new(
                ProviderErrorKind::Conflict,
                format!(
                    "secret \"{name}\" cannot be created: a secret with this name is scheduled for deletion and is not this object's ({why}). \
                     Either restore it (`aws secretsmanager restore-secret --secret-id {name}`) and import it, \
                     or delete it for good (`aws secretsmanager delete-secret --secret-id {name} --force-delete-without-recovery`) and apply again, \
                     or choose another `name`"
                ),
            )
            .with_code("InvalidRequestException"));
        }
        ctx.status(format!("restoring secret {name}, scheduled for deletion by an earlier destroy"));
        c.sm.restore_secret().secret_id(&v.arn).send().await.map_err(|e| named(name, sdk("RestoreSecret", e)))?;
        // Bring it to the configuration: what the earlier object had may differ.
        let description = get_str(desired, "description").unwrap_or_default();
        let kms = get_string(desired, "kms_key_id");
        if v.description.as_deref().unwrap_or_default() != description || (kms.is_some() && kms != v.kms_key_id) {
            c.sm.update_secret()
                .secret_id(&v.arn)
                .description(description)
                .set_kms_key_id(kms)
                .send()
                .await
                .map_err(|e| named(name, sdk("UpdateSecret", e)))?;
        }
        let current = tags::user_tags(v.tag_pairs());
        Self::sync_tags(c, &v.arn, Some(&current), desired.get("tags_all")).await?;
        match get_string(desired, "policy") {
            Some(p) => Self::put_policy(c, &v.arn, &p).await?,
            None => {
                c.sm.delete_resource_policy()
                    .secret_id(&v.arn)
                    .send()
                    .await
                    .map_err(|e| named(name, sdk("DeleteResourcePolicy", e)))?;
            }
        }
        Ok(Some(Self::read_one(c, &v.arn, desired).await?))
    }
}

/// The error, naming the secret.
fn named(secret: &str, mut e: ProviderError) -> ProviderError {
    e.message = format!("secret {secret}: {}", e.message);
    e
}

#[async_trait]
impl ResourceType for Secret {
    fn name(&self) -> &'static str {
        "aws_secretsmanager_secret"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn identity(&self) -> provision_core::IdentityStrategy {
        provision_core::IdentityStrategy::Name
    }

    fn natural_key(&self, ctx: &OpContext, desired: &Attrs) -> Option<String> {
        Self::name_for(&ctx.token, desired)
    }

    async fn read_many(
        &self,
        ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        let c = self.ctx.clients().await?;
        let ids: BTreeSet<String> = objects.iter().map(|(id, _)| id.clone()).collect();
        let found = read_secrets(c, &ctx.stack, &ids).await?;
        let mut out = BTreeMap::new();
        for (id, prior) in objects {
            let Some(v) = found.get(id) else { continue };
            // The policy has no batch read: one call per secret whose policy is managed.
            let policy = match prior.get("policy") {
                Some(p) if !p.is_null() => Some(Self::policy(c, &v.arn).await?),
                _ => None,
            };
            out.insert(id.clone(), Self::attrs(v, policy, prior));
        }
        Ok(out)
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let name = Self::name_for(&ctx.token, desired).ok_or_else(|| other("the secret has no name"))?;
        let tags = create_tags(&ctx.identity, desired.get("tags_all"));
        let made =
            c.sm.create_secret()
                .name(&name)
                .set_description(get_string(desired, "description"))
                .set_kms_key_id(get_string(desired, "kms_key_id"))
                .set_force_overwrite_replica_secret(get_bool(desired, "force_overwrite_replica_secret"))
                .set_tags(Some(tags.clone()))
                .send()
                .await;
        let (arn, made_name) = match made {
            Ok(out) => (
                out.arn().ok_or_else(|| other(format!("CreateSecret returned no ARN for secret {name}")))?.to_string(),
                out.name().unwrap_or(&name).to_string(),
            ),
            Err(e) => {
                let e = named(&name, sdk("CreateSecret", e));
                if name_taken(&e)
                    && let Some(restored) = self.restore_scheduled(c, ctx, &name, desired).await?
                {
                    return Ok(restored);
                }
                return Err(e);
            }
        };
        let policy = get_string(desired, "policy");
        if let Some(p) = &policy {
            retry(Policy::NEW_OBJECT, || Self::put_policy(c, &arn, p), nothing).await?;
        }
        // AWS may show a key in another form than the one given (an alias as its ARN): a secret
        // with a key is read back.
        if get_string(desired, "kms_key_id").is_some() {
            return Self::read_one(c, &arn, desired).await;
        }
        // Otherwise CreateSecret answers the ARN and name, and the description, policy and tags
        // are the ones just given: the secret is not read back (its version's PutSecretValue
        // retries while the secret is not visible yet).
        let view = SecretView {
            arn,
            name: made_name,
            description: get_string(desired, "description"),
            tags,
            ..SecretView::default()
        };
        let policy = policy.map_or(Value::Null, |p| normalize_policy(&Value::String(p)));
        Ok(Self::attrs(&view, Some(policy), desired))
    }

    async fn update(&self, _ctx: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let changed = |k: &str| get_str(prior, k) != get_str(desired, k);
        if changed("description") || changed("kms_key_id") {
            c.sm.update_secret()
                .secret_id(id)
                .description(get_str(desired, "description").unwrap_or_default())
                .set_kms_key_id(get_string(desired, "kms_key_id"))
                .send()
                .await
                .map_err(|e| named(id, sdk("UpdateSecret", e)))?;
        }
        if changed("policy") {
            match get_string(desired, "policy") {
                Some(p) => Self::put_policy(c, id, &p).await?,
                None => {
                    c.sm.delete_resource_policy()
                        .secret_id(id)
                        .send()
                        .await
                        .map_err(|e| named(id, sdk("DeleteResourcePolicy", e)))?;
                }
            }
        }
        Self::sync_tags(c, id, prior.get("tags_all"), desired.get("tags_all")).await?;
        let mut a = prior.clone();
        for k in [
            "description",
            "kms_key_id",
            "policy",
            "recovery_window_in_days",
            "force_overwrite_replica_secret",
            "tags_all",
        ] {
            a.insert(k.into(), desired.get(k).cloned().unwrap_or(Value::Null));
        }
        if let Some(p) = a.get("policy").filter(|p| !p.is_null()).map(normalize_policy) {
            a.insert("policy".into(), p);
        }
        Ok(a)
    }

    async fn check_delete(
        &self,
        _ctx: &ReadContext,
        id: &str,
        attrs: &Attrs,
    ) -> Result<Vec<DeleteNote>, ProviderError> {
        let days = attrs.get("recovery_window_in_days").and_then(Value::as_number).unwrap_or(30.0);
        let name = get_str(attrs, "name").unwrap_or(id);
        Ok(if days == 0.0 {
            vec![DeleteNote::warn(format!(
                "secret {name} is deleted at once, WITHOUT recovery (recovery_window_in_days = 0): its values are lost"
            ))]
        } else {
            vec![]
        })
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        let days = prior.get("recovery_window_in_days").and_then(Value::as_number).unwrap_or(30.0) as i64;
        let mut req = c.sm.delete_secret().secret_id(id);
        req = if days == 0 { req.force_delete_without_recovery(true) } else { req.recovery_window_in_days(days) };
        match req.send().await {
            Ok(_) => Ok(()),
            Err(e) => {
                let e = sdk("DeleteSecret", e);
                // Gone, or already scheduled for deletion: deleted as far as this stack goes.
                if e.is_not_found() || e.kind == ProviderErrorKind::Conflict { Ok(()) } else { Err(named(id, e)) }
            }
        }
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let c = self.ctx.clients().await?;
        let Some(name) = &query.natural_key else { return Ok(vec![]) };
        let Some(v) = describe(c, name).await?.filter(|v| !v.deleted) else { return Ok(vec![]) };
        let owner = query.identity.owner_of(v.tag_pairs());
        let policy = Self::policy(c, &v.arn).await?;
        let attrs = Self::attrs(&v, Some(policy), &query.desired);
        Ok(vec![Found { attrs, owner }])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_windows() {
        assert!(recovery_window(&Value::Number(0.0)).is_ok());
        assert!(recovery_window(&Value::Number(7.0)).is_ok());
        assert!(recovery_window(&Value::Number(30.0)).is_ok());
        assert!(recovery_window(&Value::Number(3.0)).expect_err("too short").contains("7 to 30"));
        assert!(recovery_window(&Value::Number(31.0)).is_err());
    }

    #[test]
    fn names() {
        assert!(secret_name(&Value::from("prod/db-password_1")).is_ok());
        assert!(secret_name(&Value::from("has space")).is_err());
        assert!(secret_name(&Value::from("")).is_err());
    }

    #[test]
    fn a_prefix_makes_the_same_name_for_the_same_token() {
        let mut d = Attrs::new();
        d.insert("name_prefix".into(), Value::from("db-"));
        let a = Secret::name_for("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", &d).expect("name");
        assert_eq!(a, Secret::name_for("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", &d).expect("name"));
        assert_eq!(a, "db-0f1e2d3c4b5a69788796a5b4c3");
        d.insert("name".into(), Value::from("fixed"));
        assert_eq!(Secret::name_for("t", &d).as_deref(), Some("fixed"));
    }

    #[test]
    fn name_and_prefix_conflict() {
        let mut a = Attrs::new();
        a.insert("name".into(), Value::from("x"));
        assert!(name_or_prefix(&a).is_ok());
        a.insert("name_prefix".into(), Value::from("y"));
        assert!(name_or_prefix(&a).is_err());
    }
}
