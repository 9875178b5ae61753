//! `aws_iam_policy`: a customer managed policy. A changed document becomes a new default version
//! (`CreatePolicyVersion`), the oldest other version deleted first when the five AWS keeps are
//! all used. Deleting it removes its other versions first and retries `DeleteConflict` while an
//! attachment is still being removed. Found again by name (IAM cannot be searched by tag),
//! adopted only if its tags say it is ours.

use crate::common::{
    create_tags, document, generated_name, get_str, name_or_prefix, need_str, pairs, s, tag_delta, user_tags,
};
use crate::context::{Clients, Context};
use crate::error::{about, sdk};
use crate::policy;
use crate::role::policy_json;
use async_trait::async_trait;
use aws_sdk_iam::types::{Policy as SdkPolicy, PolicyScopeType};
use provision_aws_core::retry::{Policy as RetryPolicy, gone_is_ok, nothing, retry};
use provision_core::{
    AttributeSchema, Attrs, FindQuery, Found, IdentityStrategy, OpContext, ProviderError, ProviderErrorKind,
    ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// How long a delete retries `DeleteConflict` (an attachment being removed at the same time).
const DELETE_CONFLICT_TIMEOUT: Duration = Duration::from_secs(120);

/// Versions AWS keeps per policy.
const MAX_VERSIONS: usize = 5;

pub(crate) struct IamPolicy {
    ctx: Arc<Context>,
    schema: Schema,
}

fn check(a: &Attrs) -> Result<(), String> {
    name_or_prefix(a)?;
    if let Some(n) = a.get("name").and_then(Value::as_str)
        && n.len() > 128
    {
        return Err(format!("policy name \"{n}\" is {} characters long; AWS allows 128", n.len()));
    }
    Ok(())
}

impl IamPolicy {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("A customer managed IAM policy.")
            .attr(AttributeSchema::computed("id", Type::String).describe("The policy's ARN."))
            .attr(AttributeSchema::computed("arn", Type::String).describe("The policy's ARN."))
            .attr(
                AttributeSchema::optional_computed("name", Type::String)
                    .force_new()
                    .describe("The policy's name, unique in the account. When unset, generated from `name_prefix` (or `terraform-`) and 26 characters of the create's token."),
            )
            .attr(
                AttributeSchema::optional_computed("name_prefix", Type::String)
                    .force_new()
                    .describe("Generate a unique name beginning with this prefix. Exclusive with `name`."),
            )
            .attr(
                AttributeSchema::optional("path", Type::String)
                    .default("/")
                    .force_new()
                    .describe("The policy's path, beginning and ending with `/`."),
            )
            .attr(
                AttributeSchema::optional("description", Type::String)
                    .force_new()
                    .describe("AWS cannot change a policy's description: a change replaces the policy."),
            )
            .attr(
                AttributeSchema::required("policy", Type::String)
                    .normalize(policy::normalize)
                    .validate(policy_json)
                    .describe("The policy document (JSON), compared by meaning. A change makes a new default version (`CreatePolicyVersion`); when AWS's five versions are all used, the oldest non-default one is deleted first."),
            )
            .attr(AttributeSchema::computed("policy_id", Type::String).describe("The stable id AWS gave the policy (`ANPA...`)."))
            .attr(AttributeSchema::computed("attachment_count", Type::Number).describe("How many users, groups and roles it is attached to."))
            .with_tags()
            .check(check);
        IamPolicy { ctx, schema }
    }

    /// The policy and its default version's document (`GetPolicy`, `GetPolicyVersion`); `None`
    /// when it does not exist.
    async fn lookup(c: &Clients, arn: &str) -> Result<Option<(SdkPolicy, Option<String>)>, ProviderError> {
        let p = match c.iam.get_policy().policy_arn(arn).send().await {
            Ok(out) => match out.policy {
                Some(p) => p,
                None => return Ok(None),
            },
            Err(e) => {
                let e = sdk("GetPolicy", e);
                return if e.is_not_found() { Ok(None) } else { Err(about(&format!("policy {arn}"), e)) };
            }
        };
        let Some(version) = p.default_version_id() else { return Ok(Some((p, None))) };
        let doc = match c.iam.get_policy_version().policy_arn(arn).version_id(version).send().await {
            Ok(out) => out.policy_version().and_then(|v| v.document()).map(str::to_string),
            Err(e) => {
                let e = sdk("GetPolicyVersion", e);
                if e.is_not_found() {
                    return Ok(None);
                }
                return Err(about(&format!("policy {arn}"), e));
            }
        };
        Ok(Some((p, doc)))
    }

    /// The policy as GetPolicy shows it, retried while a policy just created is not visible yet.
    async fn visible(c: &Clients, arn: &str) -> Result<SdkPolicy, ProviderError> {
        retry(
            RetryPolicy::NEW_OBJECT,
            || async {
                match c.iam.get_policy().policy_arn(arn).send().await {
                    Ok(out) => out.policy.ok_or_else(|| {
                        ProviderError::new(ProviderErrorKind::NotFound, format!("policy {arn} not found"))
                    }),
                    Err(e) => Err(about(&format!("policy {arn}"), sdk("GetPolicy", e))),
                }
            },
            nothing,
        )
        .await
    }

    fn attrs(p: &SdkPolicy, doc: Option<&str>, prior: &Attrs) -> Attrs {
        let mut a = Attrs::new();
        let arn = p.arn().unwrap_or_default();
        a.insert("id".into(), Value::String(arn.to_string()));
        a.insert("arn".into(), Value::String(arn.to_string()));
        a.insert("name".into(), s(p.policy_name()));
        a.insert("name_prefix".into(), prior.get("name_prefix").cloned().unwrap_or(Value::Null));
        a.insert("path".into(), Value::String(p.path().unwrap_or("/").to_string()));
        a.insert("description".into(), s(p.description()));
        a.insert("policy".into(), document(doc, prior.get("policy")));
        a.insert("policy_id".into(), s(p.policy_id()));
        a.insert("attachment_count".into(), Value::Number(f64::from(p.attachment_count().unwrap_or(0))));
        a.insert("tags_all".into(), user_tags(p.tags()));
        a
    }

    async fn read_one(c: &Clients, arn: &str, prior: &Attrs) -> Result<Attrs, ProviderError> {
        let (p, doc) = retry(
            RetryPolicy::NEW_OBJECT,
            || async {
                Self::lookup(c, arn)
                    .await?
                    .ok_or_else(|| ProviderError::new(ProviderErrorKind::NotFound, format!("policy {arn} not found")))
            },
            nothing,
        )
        .await?;
        Ok(Self::attrs(&p, doc.as_deref(), prior))
    }

    /// The versions of a policy other than the default, oldest first.
    async fn other_versions(c: &Clients, arn: &str) -> Result<(usize, Vec<String>), ProviderError> {
        let out = c
            .iam
            .list_policy_versions()
            .policy_arn(arn)
            .send()
            .await
            .map_err(|e| about(&format!("policy {arn}"), sdk("ListPolicyVersions", e)))?;
        let mut others: Vec<_> = out.versions().iter().filter(|v| !v.is_default_version()).collect();
        others.sort_by_key(|v| v.create_date().map(|d| (d.secs(), d.subsec_nanos())));
        Ok((out.versions().len(), others.iter().filter_map(|v| v.version_id()).map(str::to_string).collect()))
    }

    async fn delete_version(c: &Clients, arn: &str, version: &str) -> Result<(), ProviderError> {
        gone_is_ok(
            c.iam
                .delete_policy_version()
                .policy_arn(arn)
                .version_id(version)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| about(&format!("policy {arn}: version {version}"), sdk("DeletePolicyVersion", e))),
        )
    }

    /// What the policy is still attached to, for a delete that keeps failing.
    async fn holders(c: &Clients, arn: &str) -> Option<String> {
        let out = c.iam.list_entities_for_policy().policy_arn(arn).send().await.ok()?;
        let mut parts: Vec<String> =
            out.policy_roles().iter().filter_map(|r| r.role_name()).map(|r| format!("role {r}")).collect();
        parts.extend(out.policy_users().iter().filter_map(|u| u.user_name()).map(|u| format!("user {u}")));
        parts.extend(out.policy_groups().iter().filter_map(|g| g.group_name()).map(|g| format!("group {g}")));
        (!parts.is_empty()).then(|| format!("attached to {}", parts.join(", ")))
    }
}

#[async_trait]
impl ResourceType for IamPolicy {
    fn name(&self) -> &'static str {
        "aws_iam_policy"
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

    /// IAM has no batched read that includes a policy's tags: `GetPolicy` and `GetPolicyVersion`
    /// per policy, two calls each.
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
        for (arn, prior) in objects {
            if let Some((p, doc)) = Self::lookup(c, arn).await? {
                out.insert(arn.clone(), Self::attrs(&p, doc.as_deref(), prior));
            }
        }
        Ok(out)
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let name = generated_name(ctx, desired);
        let out = c
            .iam
            .create_policy()
            .policy_name(&name)
            .path(get_str(desired, "path").unwrap_or("/"))
            .set_description(get_str(desired, "description").map(str::to_string))
            .policy_document(need_str(desired, "policy")?)
            .set_tags(Some(create_tags(&ctx.identity, desired.get("tags_all"))?))
            .send()
            .await
            .map_err(|e| about(&format!("policy {name}"), sdk("CreatePolicy", e)))?;
        let arn = out
            .policy()
            .and_then(|p| p.arn())
            .ok_or_else(|| {
                ProviderError::new(ProviderErrorKind::Other, format!("CreatePolicy of {name} returned no ARN"))
            })?
            .to_string();
        // Wait until the policy is visible (IAM is eventually consistent; Terraform's read after
        // create retries GetPolicy the same way), so that an attachment made next finds it. Its
        // document is the one just sent: its version is not read back.
        let p = provision_aws_core::waiting(Self::visible(c, &arn)).await?;
        Ok(Self::attrs(&p, get_str(desired, "policy"), desired))
    }

    async fn update(&self, ctx: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let what = format!("policy {id}");
        let doc = need_str(desired, "policy")?;
        if !get_str(prior, "policy").is_some_and(|p| policy::equivalent(p, doc)) {
            let (count, others) = Self::other_versions(c, id).await?;
            if count >= MAX_VERSIONS
                && let Some(oldest) = others.first()
            {
                ctx.status(format!("deleting the oldest version {oldest}"));
                Self::delete_version(c, id, oldest).await?;
            }
            c.iam
                .create_policy_version()
                .policy_arn(id)
                .policy_document(doc)
                .set_as_default(true)
                .send()
                .await
                .map_err(|e| about(&what, sdk("CreatePolicyVersion", e)))?;
        }
        let (changed, removed) = tag_delta(prior, desired)?;
        if !removed.is_empty() {
            c.iam
                .untag_policy()
                .policy_arn(id)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| about(&what, sdk("UntagPolicy", e)))?;
        }
        if !changed.is_empty() {
            c.iam
                .tag_policy()
                .policy_arn(id)
                .set_tags(Some(changed))
                .send()
                .await
                .map_err(|e| about(&what, sdk("TagPolicy", e)))?;
        }
        Self::read_one(c, id, desired).await
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        let what = format!("policy {id}");
        // AWS refuses to delete a policy that has versions other than the default.
        match Self::other_versions(c, id).await {
            Ok((_, others)) => {
                for v in others {
                    Self::delete_version(c, id, &v).await?;
                }
            }
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e),
        }
        gone_is_ok(
            retry(
                RetryPolicy::in_use(DELETE_CONFLICT_TIMEOUT),
                || async {
                    c.iam
                        .delete_policy()
                        .policy_arn(id)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|e| about(&what, sdk("DeletePolicy", e)))
                },
                || Self::holders(c, id),
            )
            .await,
        )
    }

    /// The local policy with the name the pending create recorded (`ListPolicies`, paginated,
    /// under its path), ours if its tags say so.
    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let Some(name) = &query.natural_key else { return Ok(vec![]) };
        let c = self.ctx.clients().await?;
        let path = get_str(&query.desired, "path").unwrap_or("/");
        let mut pages = c
            .iam
            .list_policies()
            .scope(PolicyScopeType::Local)
            .path_prefix(path)
            .max_items(1000)
            .into_paginator()
            .send();
        let mut arn = None;
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk("ListPolicies", e))?;
            if let Some(p) = page.policies().iter().find(|p| p.policy_name() == Some(name.as_str())) {
                arn = p.arn().map(str::to_string);
                break;
            }
        }
        let Some(arn) = arn else { return Ok(vec![]) };
        let Some((p, doc)) = Self::lookup(c, &arn).await? else { return Ok(vec![]) };
        let owner = query.identity.owner_of(pairs(p.tags()));
        let mut attrs = Self::attrs(&p, doc.as_deref(), &query.desired);
        attrs.insert("name_prefix".into(), query.desired.get("name_prefix").cloned().unwrap_or(Value::Null));
        Ok(vec![Found { attrs, owner }])
    }
}
