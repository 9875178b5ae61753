//! `aws_iam_role_policy`: an inline policy of a role. IAM cannot tag it; it is found again by the
//! role and the name recorded before the create (`PutRolePolicy` is an upsert, so adopting it is
//! harmless).

use crate::common::{decode_document, document, generated_name, get_str, name_or_prefix, need_str, role_details};
use crate::context::{Clients, Context};
use crate::error::{about, sdk};
use crate::policy;
use crate::role::{delete_inline, policy_json};
use async_trait::async_trait;
use provision_aws_core::retry::{Policy, nothing, retry};
use provision_core::{
    AttributeSchema, Attrs, FindQuery, Found, IdentityStrategy, OpContext, ProviderError, ProviderErrorKind,
    ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;

pub(crate) struct RolePolicy {
    ctx: Arc<Context>,
    schema: Schema,
}

fn attrs(role: &str, name: &str, doc: Value, prior: &Attrs) -> Attrs {
    let mut a = Attrs::new();
    a.insert("id".into(), Value::String(format!("{role}:{name}")));
    a.insert("role".into(), Value::String(role.to_string()));
    a.insert("name".into(), Value::String(name.to_string()));
    a.insert("name_prefix".into(), prior.get("name_prefix").cloned().unwrap_or(Value::Null));
    a.insert("policy".into(), doc);
    a
}

/// `<role>:<name>` → (role, name).
fn split(id: &str) -> Option<(&str, &str)> {
    id.split_once(':')
}

impl RolePolicy {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("An inline policy of an IAM role.")
            .attr(AttributeSchema::computed("id", Type::String).describe("`<role>:<name>`."))
            .attr(
                AttributeSchema::required("role", Type::String)
                    .force_new()
                    .describe("The role's name (`aws_iam_role.x.name` or `.id`)."),
            )
            .attr(
                AttributeSchema::optional_computed("name", Type::String)
                    .force_new()
                    .describe("The policy's name, unique within the role. When unset, generated from `name_prefix` (or `terraform-`) and the create's token."),
            )
            .attr(
                AttributeSchema::optional_computed("name_prefix", Type::String)
                    .force_new()
                    .describe("Generate a unique name beginning with this prefix. Exclusive with `name`."),
            )
            .attr(
                AttributeSchema::required("policy", Type::String)
                    .normalize(policy::normalize)
                    .validate(policy_json)
                    .describe("The policy document (JSON), compared by meaning. Changed in place (`PutRolePolicy`)."),
            )
            .check(name_or_prefix);
        RolePolicy { ctx, schema }
    }

    async fn lookup(c: &Clients, role: &str, name: &str) -> Result<Option<String>, ProviderError> {
        match c.iam.get_role_policy().role_name(role).policy_name(name).send().await {
            Ok(out) => Ok(Some(decode_document(out.policy_document()))),
            Err(e) => {
                let e = sdk("GetRolePolicy", e);
                if e.is_not_found() { Ok(None) } else { Err(about(&format!("role {role}: inline policy {name}"), e)) }
            }
        }
    }

    async fn put(&self, role: &str, name: &str, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let doc = need_str(desired, "policy")?;
        let what = format!("role {role}: inline policy {name}");
        // A role created moments ago may not be visible to PutRolePolicy yet.
        retry(
            Policy::NEW_OBJECT,
            || async {
                c.iam
                    .put_role_policy()
                    .role_name(role)
                    .policy_name(name)
                    .policy_document(doc)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| about(&what, sdk("PutRolePolicy", e)))
            },
            nothing,
        )
        .await?;
        Ok(attrs(role, name, Value::String(doc.to_string()), desired))
    }
}

#[async_trait]
impl ResourceType for RolePolicy {
    fn name(&self) -> &'static str {
        "aws_iam_role_policy"
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

    /// Every role's inline policies, with their documents, in one paginated
    /// `GetAccountAuthorizationDetails` (1000 roles per call).
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
                let (role, name) = split(id)?;
                let p = details.get(role)?.role_policy_list().iter().find(|p| p.policy_name() == Some(name))?;
                Some((id.clone(), attrs(role, name, document(p.policy_document(), prior.get("policy")), prior)))
            })
            .collect())
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let name = generated_name(ctx, desired);
        self.put(need_str(desired, "role")?, &name, desired).await
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
    ) -> Result<Attrs, ProviderError> {
        let (role, name) = split(id).ok_or_else(|| {
            ProviderError::new(ProviderErrorKind::Invalid, format!("\"{id}\" is not `<role>:<name>`"))
        })?;
        self.put(role, name, desired).await
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        let (role, name) = split(id).ok_or_else(|| {
            ProviderError::new(ProviderErrorKind::Invalid, format!("\"{id}\" is not `<role>:<name>`"))
        })?;
        delete_inline(c, role, name).await
    }

    /// The inline policy of the role with the name the pending create recorded.
    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let (Some(name), Some(role)) = (&query.natural_key, get_str(&query.desired, "role")) else {
            return Ok(vec![]);
        };
        let c = self.ctx.clients().await?;
        Ok(match Self::lookup(c, role, name).await? {
            Some(doc) => {
                let doc = document(Some(&doc), query.desired.get("policy"));
                vec![Found::ours(attrs(role, name, doc, &query.desired))]
            }
            None => vec![],
        })
    }
}
