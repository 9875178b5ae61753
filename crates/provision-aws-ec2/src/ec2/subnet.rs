//! `aws_subnet`: a range of a VPC in one availability zone.

use super::object::Ec2Object;
use super::{filter, get_bool, get_str, s, sync_tags, tag_spec, user_tags};
use crate::context::{Clients, Context};
use crate::error::sdk;
use crate::retry::{Policy, gone_is_ok, nothing, retry};
use crate::validate;
use async_trait::async_trait;
use aws_sdk_ec2::types::{AttributeBooleanValue, Filter, ResourceType as Ec2Type, Tag};
use provision_core::{
    AttributeSchema, Attrs, FindQuery, Found, OpContext, ProviderError, ProviderErrorKind, ReadContext, ResourceType,
    Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// How long a subnet delete waits for lingering network interfaces (load balancers, Lambda, ECS
/// tasks release theirs asynchronously).
const DELETE_TIMEOUT: Duration = Duration::from_secs(1200);

pub(crate) struct Subnet {
    ctx: Arc<Context>,
    schema: Schema,
}

impl Subnet {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("A subnet of a VPC in one availability zone.")
            .with_id()
            .attr(AttributeSchema::computed("arn", Type::String).describe("The subnet's ARN, as AWS reports it."))
            .attr(
                AttributeSchema::required("vpc_id", Type::String)
                    .force_new()
                    .describe("The VPC the subnet belongs to."),
            )
            .attr(
                AttributeSchema::required("cidr_block", Type::String)
                    .force_new()
                    .validate(validate::subnet_cidr)
                    .describe("The IPv4 CIDR block, inside the VPC's, prefix /16 to /28; host bits must be zero (checked at plan time)."),
            )
            .attr(
                AttributeSchema::optional_computed("availability_zone", Type::String)
                    .force_new()
                    .describe("The availability zone, e.g. `eu-west-1a`. When neither it nor `availability_zone_id` is set, AWS picks one and provision keeps what it picked."),
            )
            .attr(
                AttributeSchema::optional_computed("availability_zone_id", Type::String)
                    .force_new()
                    .describe("The zone's ID, e.g. `euw1-az1` (the same zone in every account, unlike the name, which each account maps to a zone of its own). Set it or `availability_zone`, not both; the other is read back."),
            )
            .attr(
                AttributeSchema::optional("map_public_ip_on_launch", Type::Bool)
                    .default(false)
                    .describe("Whether instances launched here get a public IPv4 address. Changed in place (`ModifySubnetAttribute`)."),
            )
            .attr(AttributeSchema::computed("owner_id", Type::String).describe("The AWS account that owns the subnet."))
            .check(validate::object::subnet)
            .relations(&["cidr_block", "vpc_id"], validate::relations::subnets)
            .with_tags()
            .timeouts(Duration::from_secs(600), Duration::from_secs(600), Duration::from_secs(1200));
        Subnet { ctx, schema }
    }
}

impl Ec2Object for Subnet {
    type Item = aws_sdk_ec2::types::Subnet;
    const WHAT: &'static str = "subnet";
    const ID_FILTER: &'static str = "subnet-id";

    fn context(&self) -> &Context {
        &self.ctx
    }

    async fn describe(c: &Clients, filters: Vec<Filter>) -> Result<Vec<Self::Item>, ProviderError> {
        describe_all!(c.ec2.describe_subnets(), filters, subnets, "DescribeSubnets")
    }

    fn id_of(v: &Self::Item) -> Option<&str> {
        v.subnet_id()
    }

    fn tags_of(v: &Self::Item) -> &[Tag] {
        v.tags()
    }

    fn attrs(_c: &Clients, v: &Self::Item, _prior: &Attrs) -> Attrs {
        let mut a = Attrs::new();
        a.insert("id".into(), s(v.subnet_id()));
        a.insert("arn".into(), s(v.subnet_arn()));
        a.insert("vpc_id".into(), s(v.vpc_id()));
        a.insert("cidr_block".into(), s(v.cidr_block()));
        a.insert("availability_zone".into(), s(v.availability_zone()));
        a.insert("availability_zone_id".into(), s(v.availability_zone_id()));
        a.insert("map_public_ip_on_launch".into(), Value::Bool(v.map_public_ip_on_launch().unwrap_or(false)));
        a.insert("owner_id".into(), s(v.owner_id()));
        a.insert("tags_all".into(), user_tags(v.tags()));
        a
    }
}

impl Subnet {
    async fn set_public_ip(c: &Clients, id: &str, value: bool) -> Result<(), ProviderError> {
        let b = AttributeBooleanValue::builder().value(value).build();
        retry(
            Policy::NEW_OBJECT,
            || async {
                c.ec2
                    .modify_subnet_attribute()
                    .subnet_id(id)
                    .map_public_ip_on_launch(b.clone())
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| sdk("ModifySubnetAttribute", e))
            },
            nothing,
        )
        .await
    }

    /// The network interfaces that keep a subnet from being deleted.
    async fn blockers(c: &Clients, id: &str) -> Option<String> {
        let out = c.ec2.describe_network_interfaces().filters(filter("subnet-id", [id])).send().await.ok()?;
        let found: Vec<String> = out
            .network_interfaces()
            .iter()
            .map(|n| {
                format!(
                    "network interface {} ({}, {})",
                    n.network_interface_id().unwrap_or("?"),
                    n.description().unwrap_or("no description"),
                    n.status().map(|s| s.as_str()).unwrap_or("unknown status")
                )
            })
            .collect();
        (!found.is_empty()).then(|| found.join(", "))
    }
}

#[async_trait]
impl ResourceType for Subnet {
    fn name(&self) -> &'static str {
        "aws_subnet"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read_many(
        &self,
        ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        self.read_batched(ctx, objects).await
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let out = c
            .ec2
            .create_subnet()
            .set_vpc_id(get_str(desired, "vpc_id").map(str::to_string))
            .set_cidr_block(get_str(desired, "cidr_block").map(str::to_string))
            .set_availability_zone(get_str(desired, "availability_zone").map(str::to_string))
            .set_availability_zone_id(get_str(desired, "availability_zone_id").map(str::to_string))
            .tag_specifications(tag_spec(Ec2Type::Subnet, &ctx.identity, desired.get("tags_all")))
            .send()
            .await
            .map_err(|e| sdk("CreateSubnet", e))?;
        let id = out
            .subnet()
            .and_then(|v| v.subnet_id())
            .ok_or_else(|| ProviderError::new(ProviderErrorKind::Other, "CreateSubnet returned no subnet id"))?
            .to_string();
        if get_bool(desired, "map_public_ip_on_launch") == Some(true) {
            Self::set_public_ip(c, &id, true).await?;
        }
        Self::read_one(c, &id).await
    }

    async fn update(&self, _op: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        sync_tags(&c.ec2, id, prior.get("tags_all"), desired.get("tags_all")).await?;
        let want = get_bool(desired, "map_public_ip_on_launch").unwrap_or(false);
        if Some(want) != get_bool(prior, "map_public_ip_on_launch") {
            Self::set_public_ip(c, id, want).await?;
        }
        Self::read_one(c, id).await
    }

    async fn delete(&self, _op: &OpContext, id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        gone_is_ok(
            retry(
                Policy::in_use(DELETE_TIMEOUT),
                || async {
                    c.ec2.delete_subnet().subnet_id(id).send().await.map(|_| ()).map_err(|e| sdk("DeleteSubnet", e))
                },
                || Self::blockers(c, id),
            )
            .await,
        )
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        self.find_tagged(query).await
    }
}
