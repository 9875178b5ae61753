//! `aws_db_subnet_group`: the subnets (of one VPC, in at least two availability zones on AWS) an
//! RDS instance or cluster may be placed in. Named, so found again by its name after a crash;
//! `DescribeDBSubnetGroups` shows no tags, so a refresh costs one listing plus one
//! `ListTagsForResource` per group.

use crate::common::{
    create_tags, generated_name, get_str, get_string, get_strings, invalid, list_tags, other, s, string_set, sync_tags,
    user_tags, validate,
};
use crate::context::{Clients, Context};
use crate::error::sdk;
use async_trait::async_trait;
use aws_sdk_rds::types::DbSubnetGroup;
use provision_aws_core::retry::{Policy, gone_is_ok, retry};
use provision_core::{
    AttributeSchema, Attrs, FindQuery, Found, IdentityStrategy, OpContext, ProviderError, ReadContext, ResourceType,
    Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// Terraform's description when none is configured.
pub(crate) const DEFAULT_DESCRIPTION: &str = "Managed by Terraform";

/// How long a delete waits while an instance or cluster that is going away still uses the group.
const DELETE_TIMEOUT: Duration = Duration::from_secs(600);

pub(crate) struct SubnetGroup {
    ctx: Arc<Context>,
    schema: Schema,
}

fn check(a: &Attrs) -> Result<(), String> {
    if crate::common::both_set(a, "name", "name_prefix") {
        return Err("set `name` or `name_prefix`, not both".into());
    }
    Ok(())
}

impl SubnetGroup {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("An RDS subnet group: the subnets a database instance or cluster may use.")
            .with_id()
            .attr(AttributeSchema::computed("arn", Type::String).describe("The group's ARN."))
            .attr(
                AttributeSchema::optional_computed("name", Type::String)
                    .force_new()
                    .validate(validate::group_name)
                    .describe("The group name (lowercase; checked at plan time). When unset, `name_prefix` (or `tf-`) followed by 20 hex characters derived from the stack, the address and the pending create, so a retried create generates the same name. Also the `id`."),
            )
            .attr(
                AttributeSchema::optional("name_prefix", Type::String)
                    .force_new()
                    .describe("A prefix for the generated name; setting both `name` and `name_prefix` is an error at plan time. Not reported by AWS: kept as configured."),
            )
            .attr(
                AttributeSchema::optional("description", Type::String)
                    .default(DEFAULT_DESCRIPTION)
                    .describe("The description. Changed in place (`ModifyDBSubnetGroup`)."),
            )
            .attr(
                AttributeSchema::required("subnet_ids", Type::set(Type::String))
                    .describe("The subnets; AWS wants subnets of one VPC in at least two availability zones. Changed in place (`ModifyDBSubnetGroup`)."),
            )
            .attr(
                AttributeSchema::computed("supported_network_types", Type::set(Type::String))
                    .describe("`IPV4`, and `DUAL` when the subnets have IPv6 ranges."),
            )
            .attr(AttributeSchema::computed("vpc_id", Type::String).describe("The VPC of the subnets."))
            .check(check)
            .with_tags()
            .timeouts(Duration::from_secs(600), Duration::from_secs(600), DELETE_TIMEOUT);
        SubnetGroup { ctx, schema }
    }

    /// Every subnet group of the region (one call per 100 groups).
    async fn list(c: &Clients) -> Result<Vec<DbSubnetGroup>, ProviderError> {
        let mut out = vec![];
        let mut pages = c.rds.describe_db_subnet_groups().max_records(100).into_paginator().send();
        while let Some(page) = pages.next().await {
            out.extend(page.map_err(|e| sdk("DescribeDBSubnetGroups", e))?.db_subnet_groups().iter().cloned());
        }
        Ok(out)
    }

    /// The group with this name, or `None`.
    async fn lookup(c: &Clients, name: &str) -> Result<Option<DbSubnetGroup>, ProviderError> {
        match c.rds.describe_db_subnet_groups().db_subnet_group_name(name).send().await {
            Ok(out) => Ok(out.db_subnet_groups().first().cloned()),
            Err(e) => {
                let e = sdk("DescribeDBSubnetGroups", e);
                if e.is_not_found() { Ok(None) } else { Err(e) }
            }
        }
    }

    /// The group's attributes, its tags read separately; `prior` supplies `name_prefix`.
    fn attrs(g: &DbSubnetGroup, tags: &[aws_sdk_rds::types::Tag], prior: &Attrs) -> Attrs {
        let mut a = Attrs::new();
        a.insert("id".into(), s(g.db_subnet_group_name()));
        a.insert("arn".into(), s(g.db_subnet_group_arn()));
        a.insert("name".into(), s(g.db_subnet_group_name()));
        a.insert("name_prefix".into(), prior.get("name_prefix").cloned().unwrap_or(Value::Null));
        a.insert("description".into(), s(g.db_subnet_group_description()));
        a.insert("subnet_ids".into(), string_set(g.subnets().iter().filter_map(|s| s.subnet_identifier())));
        a.insert("supported_network_types".into(), string_set(g.supported_network_types().iter().cloned()));
        a.insert("vpc_id".into(), s(g.vpc_id()));
        a.insert("tags_all".into(), user_tags(tags));
        a
    }

    async fn read_one(c: &Clients, name: &str, prior: &Attrs) -> Result<Attrs, ProviderError> {
        let g = crate::common::visible("DB subnet group", name, || Self::lookup(c, name)).await?;
        let tags = list_tags(c, g.db_subnet_group_arn().unwrap_or_default()).await?;
        Ok(Self::attrs(&g, &tags, prior))
    }
}

#[async_trait]
impl ResourceType for SubnetGroup {
    fn name(&self) -> &'static str {
        "aws_db_subnet_group"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn identity(&self) -> IdentityStrategy {
        IdentityStrategy::Name
    }

    fn natural_key(&self, ctx: &OpContext, desired: &Attrs) -> Option<String> {
        Some(generated_name(ctx, desired, "name", "name_prefix", "tf-"))
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
        let all: BTreeMap<String, DbSubnetGroup> =
            Self::list(c).await?.into_iter().filter_map(|g| Some((g.db_subnet_group_name()?.to_string(), g))).collect();
        for (id, prior) in objects {
            let Some(g) = all.get(id) else { continue };
            let tags = match list_tags(c, g.db_subnet_group_arn().unwrap_or_default()).await {
                Ok(t) => t,
                Err(e) if e.is_not_found() => continue,
                Err(e) => return Err(e),
            };
            out.insert(id.clone(), Self::attrs(g, &tags, prior));
        }
        Ok(out)
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let name = generated_name(ctx, desired, "name", "name_prefix", "tf-");
        let subnets = get_strings(desired, "subnet_ids");
        if subnets.is_empty() {
            return Err(invalid(format!("DB subnet group {name}: `subnet_ids` must name at least one subnet")));
        }
        let out = c
            .rds
            .create_db_subnet_group()
            .db_subnet_group_name(&name)
            .db_subnet_group_description(get_str(desired, "description").unwrap_or(DEFAULT_DESCRIPTION))
            .set_subnet_ids(Some(subnets))
            .set_tags(Some(create_tags(&ctx.identity, desired.get("tags_all"))))
            .send()
            .await
            .map_err(|e| sdk("CreateDBSubnetGroup", e))
            .map_err(|e| ProviderError { message: format!("DB subnet group {name}: {}", e.message), ..e })?;
        let g = out.db_subnet_group().ok_or_else(|| other("CreateDBSubnetGroup returned no group"))?;
        let tags = list_tags(c, g.db_subnet_group_arn().unwrap_or_default()).await?;
        Ok(Self::attrs(g, &tags, desired))
    }

    async fn update(&self, _op: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let arn = get_string(prior, "arn").unwrap_or_default();
        sync_tags(c, &arn, prior.get("tags_all"), desired.get("tags_all")).await?;
        let null = Value::Null;
        let differs = |k: &str| !prior.get(k).unwrap_or(&null).same_as(desired.get(k).unwrap_or(&null));
        if differs("description") || differs("subnet_ids") {
            c.rds
                .modify_db_subnet_group()
                .db_subnet_group_name(id)
                .db_subnet_group_description(get_str(desired, "description").unwrap_or(DEFAULT_DESCRIPTION))
                .set_subnet_ids(Some(get_strings(desired, "subnet_ids")))
                .send()
                .await
                .map_err(|e| sdk("ModifyDBSubnetGroup", e))
                .map_err(|e| ProviderError { message: format!("DB subnet group {id}: {}", e.message), ..e })?;
        }
        Self::read_one(c, id, desired).await
    }

    async fn delete(&self, op: &OpContext, id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        op.status("deleting");
        gone_is_ok(
            retry(
                Policy::in_use(op.remaining().min(DELETE_TIMEOUT)),
                || async {
                    c.rds
                        .delete_db_subnet_group()
                        .db_subnet_group_name(id)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|e| sdk("DeleteDBSubnetGroup", e))
                },
                || crate::common::users_of_subnet_group(c, id),
            )
            .await,
        )
        .map_err(|e| ProviderError { message: format!("DB subnet group {id}: {}", e.message), ..e })
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let c = self.ctx.clients().await?;
        let Some(name) = &query.natural_key else { return Ok(vec![]) };
        let Some(g) = Self::lookup(c, name).await? else { return Ok(vec![]) };
        let tags = list_tags(c, g.db_subnet_group_arn().unwrap_or_default()).await?;
        let owner = query.identity.owner_of(crate::common::pairs(&tags));
        Ok(vec![Found { attrs: Self::attrs(&g, &tags, &query.desired), owner }])
    }
}
