//! data `aws_iam_role` and data `aws_iam_policy`: an existing role by name, an existing managed
//! policy by ARN or by name, with their documents URL-decoded.

use crate::common::{date, decode_document, get_str, s, user_tags};
use crate::context::Context;
use crate::error::{about, sdk};
use async_trait::async_trait;
use aws_sdk_iam::types::PolicyScopeType;
use provision_core::{AttributeSchema, Attrs, DataSourceType, ProviderError, ProviderErrorKind, Schema, Type, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

pub(crate) struct RoleLookup {
    ctx: Arc<Context>,
    schema: Schema,
}

impl RoleLookup {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("An existing IAM role.")
            .attr(AttributeSchema::required("name", Type::String).describe("The role's name."))
            .attr(AttributeSchema::optional_computed("tags", Type::map(Type::String)).describe("The role's tags."))
            .attr(AttributeSchema::computed("id", Type::String).describe("The role's name."))
            .attr(AttributeSchema::computed("arn", Type::String).describe("The role's ARN."))
            .attr(
                AttributeSchema::computed("assume_role_policy", Type::String)
                    .describe("The trust policy, URL-decoded."),
            )
            .attr(AttributeSchema::computed("create_date", Type::String).describe("When it was created (RFC 3339)."))
            .attr(AttributeSchema::computed("description", Type::String).describe("Its description."))
            .attr(
                AttributeSchema::computed("max_session_duration", Type::Number)
                    .describe("The longest session, in seconds."),
            )
            .attr(AttributeSchema::computed("path", Type::String).describe("Its path."))
            .attr(
                AttributeSchema::computed("permissions_boundary", Type::String)
                    .describe("The ARN of its permissions boundary."),
            )
            .attr(
                AttributeSchema::computed(
                    "role_last_used",
                    Type::list(Type::Object(vec![("last_used_date", Type::String), ("region", Type::String)])),
                )
                .describe("When and in which region it was last used."),
            )
            .attr(AttributeSchema::computed("unique_id", Type::String).describe("The stable id AWS gave it."));
        RoleLookup { ctx, schema }
    }
}

#[async_trait]
impl DataSourceType for RoleLookup {
    fn name(&self) -> &'static str {
        "aws_iam_role"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, args: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let name = get_str(args, "name")
            .ok_or_else(|| ProviderError::new(ProviderErrorKind::Invalid, "`name` must be set"))?;
        let out = c
            .iam
            .get_role()
            .role_name(name)
            .send()
            .await
            .map_err(|e| about(&format!("role {name}"), sdk("GetRole", e)))?;
        let r = out
            .role()
            .ok_or_else(|| ProviderError::new(ProviderErrorKind::NotFound, format!("role {name} not found")))?;
        let mut a = Attrs::new();
        a.insert("id".into(), Value::String(r.role_name().to_string()));
        a.insert("name".into(), Value::String(r.role_name().to_string()));
        a.insert("arn".into(), Value::String(r.arn().to_string()));
        a.insert(
            "assume_role_policy".into(),
            r.assume_role_policy_document().map_or(Value::Null, |d| Value::String(decode_document(d))),
        );
        a.insert("create_date".into(), date(Some(r.create_date())));
        a.insert("description".into(), s(r.description()));
        a.insert("max_session_duration".into(), Value::Number(f64::from(r.max_session_duration().unwrap_or(3600))));
        a.insert("path".into(), Value::String(r.path().to_string()));
        a.insert("permissions_boundary".into(), s(r.permissions_boundary().and_then(|b| b.permissions_boundary_arn())));
        let used = r.role_last_used().map(|u| {
            let mut m = BTreeMap::new();
            m.insert("last_used_date".to_string(), date(u.last_used_date()));
            m.insert("region".to_string(), s(u.region()));
            Value::Map(m)
        });
        a.insert("role_last_used".into(), Value::List(used.into_iter().collect()));
        a.insert("unique_id".into(), Value::String(r.role_id().to_string()));
        a.insert("tags".into(), user_tags(r.tags()));
        Ok(a)
    }
}

pub(crate) struct PolicyLookup {
    ctx: Arc<Context>,
    schema: Schema,
}

impl PolicyLookup {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("An existing managed IAM policy (AWS's or the account's).")
            .attr(
                AttributeSchema::optional_computed("arn", Type::String)
                    .describe("The policy's ARN. Either this or `name`."),
            )
            .attr(
                AttributeSchema::optional_computed("name", Type::String)
                    .describe("The policy's name (looked up with `ListPolicies`)."),
            )
            .attr(
                AttributeSchema::optional("path_prefix", Type::String)
                    .describe("With `name`: only policies under this path."),
            )
            .attr(AttributeSchema::optional_computed("tags", Type::map(Type::String)).describe("The policy's tags."))
            .attr(AttributeSchema::computed("id", Type::String).describe("The policy's ARN."))
            .attr(AttributeSchema::computed("path", Type::String).describe("Its path."))
            .attr(AttributeSchema::computed("description", Type::String).describe("Its description."))
            .attr(
                AttributeSchema::computed("policy", Type::String)
                    .describe("The default version's document, URL-decoded."),
            )
            .attr(AttributeSchema::computed("policy_id", Type::String).describe("The stable id AWS gave it."))
            .attr(
                AttributeSchema::computed("attachment_count", Type::Number)
                    .describe("How many entities it is attached to."),
            );
        PolicyLookup { ctx, schema }
    }
}

#[async_trait]
impl DataSourceType for PolicyLookup {
    fn name(&self) -> &'static str {
        "aws_iam_policy"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, args: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let arn = match (get_str(args, "arn"), get_str(args, "name")) {
            (Some(arn), _) => arn.to_string(),
            (None, Some(name)) => {
                let mut req = c.iam.list_policies().scope(PolicyScopeType::All).max_items(1000);
                if let Some(p) = get_str(args, "path_prefix") {
                    req = req.path_prefix(p);
                }
                let mut found = vec![];
                let mut pages = req.into_paginator().send();
                while let Some(page) = pages.next().await {
                    let page = page.map_err(|e| sdk("ListPolicies", e))?;
                    found.extend(
                        page.policies()
                            .iter()
                            .filter(|p| p.policy_name() == Some(name))
                            .filter_map(|p| p.arn())
                            .map(str::to_string),
                    );
                }
                match found.len() {
                    1 => found.remove(0),
                    0 => {
                        return Err(ProviderError::new(
                            ProviderErrorKind::NotFound,
                            format!("no IAM policy is named {name}"),
                        ));
                    }
                    _ => {
                        return Err(ProviderError::new(
                            ProviderErrorKind::Invalid,
                            format!(
                                "{} IAM policies are named {name} ({}); set `arn` or `path_prefix`",
                                found.len(),
                                found.join(", ")
                            ),
                        ));
                    }
                }
            }
            (None, None) => return Err(ProviderError::new(ProviderErrorKind::Invalid, "set `arn` or `name`")),
        };
        let what = format!("policy {arn}");
        let out = c.iam.get_policy().policy_arn(&arn).send().await.map_err(|e| about(&what, sdk("GetPolicy", e)))?;
        let p =
            out.policy().ok_or_else(|| ProviderError::new(ProviderErrorKind::NotFound, format!("{what} not found")))?;
        let doc = match p.default_version_id() {
            Some(v) => c
                .iam
                .get_policy_version()
                .policy_arn(&arn)
                .version_id(v)
                .send()
                .await
                .map_err(|e| about(&what, sdk("GetPolicyVersion", e)))?
                .policy_version()
                .and_then(|v| v.document())
                .map(decode_document),
            None => None,
        };
        let mut a = Attrs::new();
        a.insert("id".into(), Value::String(arn.clone()));
        a.insert("arn".into(), Value::String(arn.clone()));
        a.insert("name".into(), s(p.policy_name()));
        a.insert("path_prefix".into(), args.get("path_prefix").cloned().unwrap_or(Value::Null));
        a.insert("path".into(), s(p.path()));
        a.insert("description".into(), s(p.description()));
        a.insert("policy".into(), doc.map_or(Value::Null, Value::String));
        a.insert("policy_id".into(), s(p.policy_id()));
        a.insert("attachment_count".into(), Value::Number(f64::from(p.attachment_count().unwrap_or(0))));
        a.insert("tags".into(), user_tags(p.tags()));
        Ok(a)
    }
}
