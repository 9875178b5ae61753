//! `aws_iam_instance_profile`: the container EC2 instances use to carry a role. Found again by
//! name, adopted only if its tags say it is ours. Its role is changed in place (removed, then the
//! new one added); deleting it removes the role first, as AWS requires.

use crate::common::{create_tags, date, generated_name, get_str, name_or_prefix, pairs, tag_delta, user_tags};
use crate::context::{Clients, Context};
use crate::error::{about, sdk};
use async_trait::async_trait;
use aws_sdk_iam::types::InstanceProfile as SdkProfile;
use provision_aws_core::retry::{Policy, gone_is_ok, nothing, retry};
use provision_core::{
    AttributeSchema, Attrs, FindQuery, Found, IdentityStrategy, OpContext, ProviderError, ProviderErrorKind,
    ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;

pub(crate) struct InstanceProfile {
    ctx: Arc<Context>,
    schema: Schema,
}

fn attrs(p: &SdkProfile, prior: &Attrs) -> Attrs {
    let mut a = Attrs::new();
    a.insert("id".into(), Value::String(p.instance_profile_name().to_string()));
    a.insert("name".into(), Value::String(p.instance_profile_name().to_string()));
    a.insert("name_prefix".into(), prior.get("name_prefix").cloned().unwrap_or(Value::Null));
    a.insert("arn".into(), Value::String(p.arn().to_string()));
    a.insert("unique_id".into(), Value::String(p.instance_profile_id().to_string()));
    a.insert("create_date".into(), date(Some(p.create_date())));
    a.insert("path".into(), Value::String(p.path().to_string()));
    a.insert("role".into(), p.roles().first().map_or(Value::Null, |r| Value::String(r.role_name().to_string())));
    a.insert("tags_all".into(), user_tags(p.tags()));
    a
}

impl InstanceProfile {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("An IAM instance profile: how an EC2 instance carries a role.")
            .attr(AttributeSchema::computed("id", Type::String).describe("The profile's name."))
            .attr(
                AttributeSchema::optional_computed("name", Type::String)
                    .force_new()
                    .describe("The profile's name. When unset, generated from `name_prefix` (or `terraform-`) and 26 characters of the create's token."),
            )
            .attr(
                AttributeSchema::optional_computed("name_prefix", Type::String)
                    .force_new()
                    .describe("Generate a unique name beginning with this prefix. Exclusive with `name`."),
            )
            .attr(AttributeSchema::optional("path", Type::String).default("/").force_new().describe("The profile's path."))
            .attr(
                AttributeSchema::optional("role", Type::String)
                    .describe("The name of the role it carries (at most one). Changed in place (`RemoveRoleFromInstanceProfile`, `AddRoleToInstanceProfile`)."),
            )
            .attr(AttributeSchema::computed("arn", Type::String).describe("The profile's ARN."))
            .attr(AttributeSchema::computed("unique_id", Type::String).describe("The stable id AWS gave the profile (`AIPA...`)."))
            .attr(AttributeSchema::computed("create_date", Type::String).describe("When it was created (RFC 3339)."))
            .with_tags()
            .check(name_or_prefix);
        InstanceProfile { ctx, schema }
    }

    async fn lookup(c: &Clients, name: &str) -> Result<Option<SdkProfile>, ProviderError> {
        match c.iam.get_instance_profile().instance_profile_name(name).send().await {
            Ok(out) => Ok(out.instance_profile),
            Err(e) => {
                let e = sdk("GetInstanceProfile", e);
                if e.is_not_found() { Ok(None) } else { Err(about(&format!("instance profile {name}"), e)) }
            }
        }
    }

    async fn read_one(c: &Clients, name: &str, prior: &Attrs) -> Result<Attrs, ProviderError> {
        let p = retry(
            Policy::NEW_OBJECT,
            || async {
                Self::lookup(c, name).await?.ok_or_else(|| {
                    ProviderError::new(ProviderErrorKind::NotFound, format!("instance profile {name} not found"))
                })
            },
            nothing,
        )
        .await?;
        Ok(attrs(&p, prior))
    }

    async fn add_role(c: &Clients, name: &str, role: &str) -> Result<(), ProviderError> {
        // A role created moments ago may not be visible yet.
        retry(
            Policy::NEW_OBJECT,
            || async {
                c.iam
                    .add_role_to_instance_profile()
                    .instance_profile_name(name)
                    .role_name(role)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| {
                        about(
                            &format!("instance profile {name}: adding role {role}"),
                            sdk("AddRoleToInstanceProfile", e),
                        )
                    })
            },
            nothing,
        )
        .await
    }

    async fn remove_role(c: &Clients, name: &str, role: &str) -> Result<(), ProviderError> {
        gone_is_ok(
            c.iam
                .remove_role_from_instance_profile()
                .instance_profile_name(name)
                .role_name(role)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| {
                    about(
                        &format!("instance profile {name}: removing role {role}"),
                        sdk("RemoveRoleFromInstanceProfile", e),
                    )
                }),
        )
    }
}

#[async_trait]
impl ResourceType for InstanceProfile {
    fn name(&self) -> &'static str {
        "aws_iam_instance_profile"
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

    /// IAM lists instance profiles without their tags: one `GetInstanceProfile` per profile.
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
            if let Some(p) = Self::lookup(c, id).await? {
                out.insert(id.clone(), attrs(&p, prior));
            }
        }
        Ok(out)
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let name = generated_name(ctx, desired);
        c.iam
            .create_instance_profile()
            .instance_profile_name(&name)
            .path(get_str(desired, "path").unwrap_or("/"))
            .set_tags(Some(create_tags(&ctx.identity, desired.get("tags_all"))?))
            .send()
            .await
            .map_err(|e| about(&format!("instance profile {name}"), sdk("CreateInstanceProfile", e)))?;
        if let Some(role) = get_str(desired, "role") {
            Self::add_role(c, &name, role).await?;
        }
        let mut a = Self::read_one(c, &name, desired).await?;
        a.insert("name_prefix".into(), desired.get("name_prefix").cloned().unwrap_or(Value::Null));
        Ok(a)
    }

    async fn update(&self, _ctx: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let (old, new) = (get_str(prior, "role"), get_str(desired, "role"));
        if old != new {
            if let Some(old) = old {
                Self::remove_role(c, id, old).await?;
            }
            if let Some(new) = new {
                Self::add_role(c, id, new).await?;
            }
        }
        let what = format!("instance profile {id}");
        let (changed, removed) = tag_delta(prior, desired)?;
        if !removed.is_empty() {
            c.iam
                .untag_instance_profile()
                .instance_profile_name(id)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| about(&what, sdk("UntagInstanceProfile", e)))?;
        }
        if !changed.is_empty() {
            c.iam
                .tag_instance_profile()
                .instance_profile_name(id)
                .set_tags(Some(changed))
                .send()
                .await
                .map_err(|e| about(&what, sdk("TagInstanceProfile", e)))?;
        }
        let mut a = Self::read_one(c, id, desired).await?;
        a.insert("name_prefix".into(), desired.get("name_prefix").cloned().unwrap_or(Value::Null));
        Ok(a)
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        let Some(p) = Self::lookup(c, id).await? else { return Ok(()) };
        for r in p.roles() {
            Self::remove_role(c, id, r.role_name()).await?;
        }
        gone_is_ok(
            c.iam
                .delete_instance_profile()
                .instance_profile_name(id)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| about(&format!("instance profile {id}"), sdk("DeleteInstanceProfile", e))),
        )
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let Some(name) = &query.natural_key else { return Ok(vec![]) };
        let c = self.ctx.clients().await?;
        let Some(p) = Self::lookup(c, name).await? else { return Ok(vec![]) };
        let owner = query.identity.owner_of(pairs(p.tags()));
        let mut a = attrs(&p, &query.desired);
        a.insert("name_prefix".into(), query.desired.get("name_prefix").cloned().unwrap_or(Value::Null));
        Ok(vec![Found { attrs: a, owner }])
    }
}
