//! `aws_vpc` and `aws_subnets`: find an existing VPC and its subnets (a shared network, the
//! default VPC) by id, attributes, tags or EC2 filters.

use super::{filter_block, filters};
use crate::context::Context;
use crate::ec2::filter;
use crate::error::sdk;
use async_trait::async_trait;
use provision_core::{AttributeSchema, Attrs, DataSourceType, ProviderError, ProviderErrorKind, Schema, Type, Value};
use std::sync::Arc;

fn s(v: Option<&str>) -> Value {
    v.map_or(Value::Null, |s| Value::String(s.to_string()))
}

fn tag_map(tags: &[aws_sdk_ec2::types::Tag]) -> Value {
    Value::Map(
        tags.iter()
            .filter_map(|t| Some((t.key()?.to_string(), Value::String(t.value().unwrap_or_default().to_string()))))
            .collect(),
    )
}

pub(crate) struct VpcLookup {
    ctx: Arc<Context>,
    schema: Schema,
}

impl VpcLookup {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("Exactly one existing VPC, found by id, attributes, tags or filters.")
            .attr(AttributeSchema::optional_computed("id", Type::String).describe("The VPC id to look up."))
            .attr(
                AttributeSchema::optional_computed("cidr_block", Type::String).describe("Its primary IPv4 CIDR block."),
            )
            .attr(
                AttributeSchema::optional_computed("default", Type::Bool)
                    .describe("`true` for the region's default VPC."),
            )
            .attr(AttributeSchema::optional_computed("state", Type::String).describe("`available` or `pending`."))
            .attr(
                AttributeSchema::optional_computed("tags", Type::map(Type::String))
                    .describe("Tags the VPC must have (all of them)."),
            )
            .block(filter_block("EC2 filters (`tag:Name`, `cidr-block-association.cidr-block`, ...)."))
            .attr(AttributeSchema::computed("arn", Type::String).describe("The VPC's ARN."))
            .attr(AttributeSchema::computed("owner_id", Type::String).describe("The owning account."))
            .attr(AttributeSchema::computed("instance_tenancy", Type::String).describe("`default` or `dedicated`."))
            .attr(AttributeSchema::computed("dhcp_options_id", Type::String).describe("The DHCP options set."))
            .attr(AttributeSchema::computed("main_route_table_id", Type::String).describe("The main route table."))
            .attr(AttributeSchema::computed("ipv6_cidr_block", Type::String).describe("The IPv6 block, if any."));
        VpcLookup { ctx, schema }
    }
}

#[async_trait]
impl DataSourceType for VpcLookup {
    fn name(&self) -> &'static str {
        "aws_vpc"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, args: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let mut f = filters(args);
        let get = |k: &str| args.get(k).and_then(Value::as_str);
        if let Some(cidr) = get("cidr_block") {
            f.push(filter("cidr", [cidr]));
        }
        if let Some(state) = get("state") {
            f.push(filter("state", [state]));
        }
        if let Some(d) = args.get("default").and_then(Value::as_bool) {
            f.push(filter("is-default", [d.to_string()]));
        }
        let out = c
            .ec2
            .describe_vpcs()
            .set_vpc_ids(get("id").map(|id| vec![id.to_string()]))
            .set_filters((!f.is_empty()).then_some(f))
            .send()
            .await
            .map_err(|e| sdk("DescribeVpcs", e))?;
        let vpcs = out.vpcs();
        let v = match vpcs {
            [one] => one,
            [] => return Err(ProviderError::new(ProviderErrorKind::NotFound, "no VPC matches the given arguments")),
            many => {
                let ids: Vec<&str> = many.iter().filter_map(|v| v.vpc_id()).collect();
                return Err(ProviderError::new(
                    ProviderErrorKind::Invalid,
                    format!("{} VPCs match ({}); narrow the lookup to one", many.len(), ids.join(", ")),
                ));
            }
        };
        let id = v.vpc_id().unwrap_or_default();
        let main = c
            .ec2
            .describe_route_tables()
            .filters(filter("vpc-id", [id]))
            .filters(filter("association.main", ["true"]))
            .send()
            .await
            .map_err(|e| sdk("DescribeRouteTables", e))?;
        let owner = v.owner_id().unwrap_or_default();
        let mut a = Attrs::new();
        a.insert("id".into(), Value::String(id.into()));
        a.insert("arn".into(), Value::String(format!("arn:{}:ec2:{}:{owner}:vpc/{id}", c.partition, c.region)));
        a.insert("cidr_block".into(), s(v.cidr_block()));
        a.insert("default".into(), Value::Bool(v.is_default().unwrap_or(false)));
        a.insert("state".into(), s(v.state().map(|s| s.as_str())));
        a.insert("tags".into(), tag_map(v.tags()));
        a.insert("owner_id".into(), s(v.owner_id()));
        a.insert("instance_tenancy".into(), s(v.instance_tenancy().map(|t| t.as_str())));
        a.insert("dhcp_options_id".into(), s(v.dhcp_options_id()));
        a.insert("main_route_table_id".into(), s(main.route_tables().first().and_then(|t| t.route_table_id())));
        a.insert(
            "ipv6_cidr_block".into(),
            s(v.ipv6_cidr_block_association_set().first().and_then(|b| b.ipv6_cidr_block())),
        );
        Ok(a)
    }
}

pub(crate) struct Subnets {
    ctx: Arc<Context>,
    schema: Schema,
}

impl Subnets {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("The ids of the subnets matching filters and tags.")
            .attr(AttributeSchema::optional("tags", Type::map(Type::String)).describe("Tags the subnets must have."))
            .block(filter_block("EC2 filters, e.g. `name = \"vpc-id\"`."))
            .attr(AttributeSchema::computed("id", Type::String).describe("The region."))
            .attr(AttributeSchema::computed("ids", Type::list(Type::String)).describe("The subnet ids, sorted."));
        Subnets { ctx, schema }
    }
}

#[async_trait]
impl DataSourceType for Subnets {
    fn name(&self) -> &'static str {
        "aws_subnets"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, args: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let f = filters(args);
        let mut ids = vec![];
        let mut pages = c
            .ec2
            .describe_subnets()
            .set_filters((!f.is_empty()).then_some(f))
            .max_results(1000)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk("DescribeSubnets", e))?;
            ids.extend(page.subnets().iter().filter_map(|s| s.subnet_id()).map(str::to_string));
        }
        ids.sort();
        let mut a = Attrs::new();
        a.insert("id".into(), Value::String(c.region.clone()));
        a.insert("ids".into(), Value::List(ids.into_iter().map(Value::String).collect()));
        Ok(a)
    }
}
