//! `aws_iam_role_policy_attachment`: one managed policy attached to one role. IAM cannot tag an
//! attachment, so it is found again by its content (the role and the policy); attaching is
//! idempotent on AWS, so a create that finds the policy already attached simply adopts it.

use crate::common::{need_str, role_details};
use crate::context::Context;
use crate::error::{about, sdk};
use crate::role::detach;
use async_trait::async_trait;
use provision_core::{
    AttributeSchema, Attrs, FindQuery, Found, IdentityStrategy, OpContext, ProviderError, ReadContext, ResourceType,
    Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;

pub(crate) struct RolePolicyAttachment {
    ctx: Arc<Context>,
    schema: Schema,
}

fn arn(v: &Value) -> Result<(), String> {
    match v.as_str() {
        Some(a) if !a.starts_with("arn:") || !a.contains(":policy/") => Err(format!(
            "\"{a}\" is not a managed policy ARN (`arn:aws:iam::aws:policy/...` or `arn:aws:iam::<account>:policy/...`)"
        )),
        _ => Ok(()),
    }
}

fn attrs(role: &str, policy_arn: &str) -> Attrs {
    let mut a = Attrs::new();
    a.insert("id".into(), Value::String(format!("{role}/{policy_arn}")));
    a.insert("role".into(), Value::String(role.to_string()));
    a.insert("policy_arn".into(), Value::String(policy_arn.to_string()));
    a
}

impl RolePolicyAttachment {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("A managed policy attached to a role.")
            .attr(AttributeSchema::computed("id", Type::String).describe("`<role>/<policy_arn>`."))
            .attr(
                AttributeSchema::required("role", Type::String)
                    .force_new()
                    .holds_in_use()
                    .describe("The role's name (`aws_iam_role.x.name` or `.id`)."),
            )
            .attr(
                AttributeSchema::required("policy_arn", Type::String)
                    .force_new()
                    .holds_in_use()
                    .validate(arn)
                    .describe("The managed policy's ARN (checked at plan time to be one). While attached, AWS refuses to delete the policy: the attachment is removed first."),
            );
        RolePolicyAttachment { ctx, schema }
    }

    async fn attached(&self, role: &str, policy_arn: &str) -> Result<bool, ProviderError> {
        let c = self.ctx.clients().await?;
        let mut pages = c.iam.list_attached_role_policies().role_name(role).into_paginator().send();
        while let Some(page) = pages.next().await {
            match page {
                Ok(p) => {
                    if p.attached_policies().iter().any(|a| a.policy_arn() == Some(policy_arn)) {
                        return Ok(true);
                    }
                }
                Err(e) => {
                    let e = sdk("ListAttachedRolePolicies", e);
                    return if e.is_not_found() { Ok(false) } else { Err(about(&format!("role {role}"), e)) };
                }
            }
        }
        Ok(false)
    }
}

#[async_trait]
impl ResourceType for RolePolicyAttachment {
    fn name(&self) -> &'static str {
        "aws_iam_role_policy_attachment"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Terraform's id is a generated `<role>-<timestamp>`; provision's is the role and the policy.
    fn id_from_terraform(&self, attributes: &Attrs) -> Result<String, String> {
        let role = provision_aws_core::terraform::text(attributes, "role")?;
        let policy_arn = provision_aws_core::terraform::text(attributes, "policy_arn")?;
        Ok(format!("{role}/{policy_arn}"))
    }

    fn identity(&self) -> IdentityStrategy {
        IdentityStrategy::Content
    }

    /// Every role's attachments in one paginated `GetAccountAuthorizationDetails` (1000 roles per
    /// call), however many attachments the stack has.
    async fn read_many(
        &self,
        _ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        if objects.is_empty() {
            return Ok(BTreeMap::new());
        }
        let c = self.ctx.clients().await?;
        let details = role_details(c).await?;
        Ok(objects
            .iter()
            .filter_map(|(id, prior)| {
                let role = prior.get("role").and_then(Value::as_str)?;
                let arn = prior.get("policy_arn").and_then(Value::as_str)?;
                let d = details.get(role)?;
                d.attached_managed_policies()
                    .iter()
                    .any(|p| p.policy_arn() == Some(arn))
                    .then(|| (id.clone(), attrs(role, arn)))
            })
            .collect())
    }

    async fn create(&self, _ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let (role, arn) = (need_str(desired, "role")?, need_str(desired, "policy_arn")?);
        c.iam
            .attach_role_policy()
            .role_name(role)
            .policy_arn(arn)
            .send()
            .await
            .map_err(|e| about(&format!("role {role}: attaching {arn}"), sdk("AttachRolePolicy", e)))?;
        Ok(attrs(role, arn))
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        _id: &str,
        _prior: &Attrs,
        desired: &Attrs,
    ) -> Result<Attrs, ProviderError> {
        // Every argument forces a replacement: nothing changes in place.
        Ok(attrs(need_str(desired, "role")?, need_str(desired, "policy_arn")?))
    }

    async fn delete(&self, _ctx: &OpContext, _id: &str, prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        detach(c, need_str(prior, "role")?, need_str(prior, "policy_arn")?).await
    }

    /// The attachment the pending create asked for, if the policy is attached to the role.
    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let (Ok(role), Ok(arn)) = (need_str(&query.desired, "role"), need_str(&query.desired, "policy_arn")) else {
            return Ok(vec![]);
        };
        Ok(if self.attached(role, arn).await? { vec![Found::ours(attrs(role, arn))] } else { vec![] })
    }
}

#[cfg(test)]
mod tests {

    fn id(type_name: &str, json: &str) -> Result<String, String> {
        provision_aws_core::terraform::id_from_terraform(crate::types, type_name, json)
    }

    #[test]
    fn the_id_from_terraform_is_the_role_and_the_policy() {
        // As Terraform 5.100 wrote it (examples/containers, against moto).
        let tf = r#"{"id": "shop-task-20261202213806792100000001", "policy_arn": "arn:aws:iam::123456789012:policy/shop-task", "role": "shop-task"}"#;
        let t = "aws_iam_role_policy_attachment";
        assert_eq!(id(t, tf), Ok("shop-task/arn:aws:iam::123456789012:policy/shop-task".into()));
        assert_eq!(
            id(t, r#"{"id": "x", "role": "shop-task"}"#),
            Err("its `policy_arn` attribute is missing or empty".into())
        );
    }
}
