//! `aws_vpc`: the network everything else lives in.

use super::object::Ec2Object;
use super::{filter, get_bool, get_str, s, sync_tags, tag_spec, user_tags};
use crate::context::{Clients, Context};
use crate::error::sdk;
use crate::retry::{Policy, gone_is_ok, nothing, retry};
use crate::validate;
use async_trait::async_trait;
use aws_sdk_ec2::types::{
    AttributeBooleanValue, Filter, ResourceType as Ec2Type, Tag, Tenancy, VpcAttributeName, VpcState,
};
use provision_core::{
    AttributeSchema, Attrs, FindQuery, Found, OpContext, ProviderError, ProviderErrorKind, ReadContext, ResourceType,
    Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// How long a VPC delete waits for what is still in it (subnets, gateways, interfaces) to go.
const DELETE_TIMEOUT: Duration = Duration::from_secs(300);

pub(crate) struct Vpc {
    ctx: Arc<Context>,
    schema: Schema,
}

impl Vpc {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("A virtual private cloud.")
            .with_id()
            .attr(AttributeSchema::computed("arn", Type::String).describe("The VPC's ARN, `arn:<partition>:ec2:<region>:<owner>:vpc/<id>`."))
            .attr(
                AttributeSchema::required("cidr_block", Type::String)
                    .force_new()
                    .validate(validate::vpc_cidr)
                    .describe("The IPv4 CIDR block, prefix /16 to /28, e.g. `10.0.0.0/16`. A block with host bits set (`10.0.0.1/16`) is rejected at plan time with the network address to use instead."),
            )
            .attr(
                AttributeSchema::optional("instance_tenancy", Type::String)
                    .default("default")
                    .force_new()
                    .validate(validate::tenancy)
                    .describe("`default` or `dedicated`."),
            )
            .attr(
                AttributeSchema::optional("enable_dns_support", Type::Bool)
                    .default(true)
                    .describe("Whether the Amazon DNS server resolves names in the VPC. Changed in place (`ModifyVpcAttribute`)."),
            )
            .attr(
                AttributeSchema::optional("enable_dns_hostnames", Type::Bool)
                    .default(false)
                    .describe("Whether instances get public DNS hostnames. Changed in place (`ModifyVpcAttribute`)."),
            )
            .attr(
                AttributeSchema::computed("default_security_group_id", Type::String)
                    .describe("The security group AWS created with the VPC."),
            )
            .attr(
                AttributeSchema::computed("main_route_table_id", Type::String)
                    .describe("The main route table AWS created with the VPC."),
            )
            .attr(AttributeSchema::computed("owner_id", Type::String).describe("The AWS account that owns the VPC."))
            .with_tags()
            .timeouts(Duration::from_secs(1200), Duration::from_secs(1200), Duration::from_secs(1200));
        Vpc { ctx, schema }
    }
}

impl Ec2Object for Vpc {
    type Item = aws_sdk_ec2::types::Vpc;
    const WHAT: &'static str = "VPC";
    const ID_FILTER: &'static str = "vpc-id";

    fn context(&self) -> &Context {
        &self.ctx
    }

    async fn describe(c: &Clients, filters: Vec<Filter>) -> Result<Vec<Self::Item>, ProviderError> {
        describe_all!(c.ec2.describe_vpcs(), filters, vpcs, "DescribeVpcs")
    }

    fn id_of(v: &Self::Item) -> Option<&str> {
        v.vpc_id()
    }

    fn tags_of(v: &Self::Item) -> &[Tag] {
        v.tags()
    }

    /// What DescribeVpcs shows. The DNS attributes, the default security group and the main route
    /// table need one call per VPC; they are kept as recorded (the last two never change).
    fn attrs(c: &Clients, v: &Self::Item, prior: &Attrs) -> Attrs {
        let mut a = Self::base(c, v);
        for k in ["enable_dns_support", "enable_dns_hostnames", "default_security_group_id", "main_route_table_id"] {
            a.insert(k.into(), prior.get(k).cloned().unwrap_or(Value::Null));
        }
        a
    }

    /// Recovery records everything ([`Vpc::read_full`]).
    async fn adopted(&self, c: &Clients, v: &Self::Item) -> Result<Attrs, ProviderError> {
        match v.vpc_id() {
            Some(id) => self.read_full(c, id).await,
            None => Ok(Self::attrs(c, v, &Attrs::new())),
        }
    }
}

impl Vpc {
    /// The attributes DescribeVpcs shows.
    fn base(c: &Clients, v: &aws_sdk_ec2::types::Vpc) -> Attrs {
        let id = v.vpc_id().unwrap_or_default();
        let owner = v.owner_id().unwrap_or_default();
        let mut a = Attrs::new();
        a.insert("id".into(), Value::String(id.into()));
        a.insert("arn".into(), Value::String(format!("arn:{}:ec2:{}:{owner}:vpc/{id}", c.partition, c.region)));
        a.insert("cidr_block".into(), s(v.cidr_block()));
        a.insert("instance_tenancy".into(), s(v.instance_tenancy().map(Tenancy::as_str)));
        a.insert("owner_id".into(), s(v.owner_id()));
        a.insert("tags_all".into(), user_tags(v.tags()));
        a
    }

    /// Everything, including what needs one call per VPC (DNS attributes, default security group,
    /// main route table). Used after update and for crash recovery; a create has the VPC from its
    /// wait and calls [`Vpc::complete`].
    async fn read_full(&self, c: &Clients, id: &str) -> Result<Attrs, ProviderError> {
        let v = Self::lookup(c, id).await?.ok_or_else(|| Self::not_found(id))?;
        Self::complete(c, &v).await
    }

    /// [`Vpc::base`] of `v`, as DescribeVpcs just returned it, and what needs one call per VPC.
    async fn complete(c: &Clients, v: &aws_sdk_ec2::types::Vpc) -> Result<Attrs, ProviderError> {
        let id = v.vpc_id().unwrap_or_default();
        let mut a = Self::base(c, v);
        for (name, attr) in [
            ("enable_dns_support", VpcAttributeName::EnableDnsSupport),
            ("enable_dns_hostnames", VpcAttributeName::EnableDnsHostnames),
        ] {
            let out = c
                .ec2
                .describe_vpc_attribute()
                .vpc_id(id)
                .attribute(attr)
                .send()
                .await
                .map_err(|e| sdk("DescribeVpcAttribute", e))?;
            let value = match name {
                "enable_dns_support" => out.enable_dns_support().and_then(|b| b.value()),
                _ => out.enable_dns_hostnames().and_then(|b| b.value()),
            };
            a.insert(name.into(), value.map_or(Value::Null, Value::Bool));
        }
        let sgs = c
            .ec2
            .describe_security_groups()
            .filters(filter("vpc-id", [id]))
            .filters(filter("group-name", ["default"]))
            .send()
            .await
            .map_err(|e| sdk("DescribeSecurityGroups", e))?;
        a.insert("default_security_group_id".into(), s(sgs.security_groups().first().and_then(|g| g.group_id())));
        let rts = c
            .ec2
            .describe_route_tables()
            .filters(filter("vpc-id", [id]))
            .filters(filter("association.main", ["true"]))
            .send()
            .await
            .map_err(|e| sdk("DescribeRouteTables", e))?;
        a.insert("main_route_table_id".into(), s(rts.route_tables().first().and_then(|r| r.route_table_id())));
        Ok(a)
    }

    /// Sets the DNS attributes that are given: one attribute per call, as the API requires;
    /// retried while a new VPC is not visible yet.
    async fn set_dns(
        c: &Clients,
        id: &str,
        support: Option<bool>,
        hostnames: Option<bool>,
    ) -> Result<(), ProviderError> {
        for (value, hostnames) in [(support, false), (hostnames, true)] {
            let Some(v) = value else { continue };
            let b = AttributeBooleanValue::builder().value(v).build();
            retry(
                Policy::NEW_OBJECT,
                || async {
                    let req = c.ec2.modify_vpc_attribute().vpc_id(id);
                    let req =
                        if hostnames { req.enable_dns_hostnames(b.clone()) } else { req.enable_dns_support(b.clone()) };
                    req.send().await.map_err(|e| sdk("ModifyVpcAttribute", e))
                },
                nothing,
            )
            .await?;
        }
        Ok(())
    }

    /// What is still inside a VPC that refuses to be deleted.
    async fn blockers(c: &Clients, id: &str) -> Option<String> {
        let mut found = vec![];
        if let Ok(out) = c.ec2.describe_subnets().filters(filter("vpc-id", [id])).send().await {
            found.extend(out.subnets().iter().filter_map(|s| s.subnet_id()).map(|s| format!("subnet {s}")));
        }
        if let Ok(out) = c.ec2.describe_internet_gateways().filters(filter("attachment.vpc-id", [id])).send().await {
            found.extend(
                out.internet_gateways()
                    .iter()
                    .filter_map(|g| g.internet_gateway_id())
                    .map(|g| format!("internet gateway {g} (attached)")),
            );
        }
        if let Ok(out) = c.ec2.describe_network_interfaces().filters(filter("vpc-id", [id])).send().await {
            found.extend(out.network_interfaces().iter().map(|n| {
                format!(
                    "network interface {} ({})",
                    n.network_interface_id().unwrap_or("?"),
                    n.description().unwrap_or("no description")
                )
            }));
        }
        (!found.is_empty()).then(|| found.join(", "))
    }
}

#[async_trait]
impl ResourceType for Vpc {
    fn name(&self) -> &'static str {
        "aws_vpc"
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
        let mut req = c
            .ec2
            .create_vpc()
            .set_cidr_block(get_str(desired, "cidr_block").map(str::to_string))
            .tag_specifications(tag_spec(Ec2Type::Vpc, &ctx.identity, desired.get("tags_all")));
        if let Some(t) = get_str(desired, "instance_tenancy") {
            req = req.instance_tenancy(Tenancy::from(t));
        }
        let out = req.send().await.map_err(|e| sdk("CreateVpc", e))?;
        let id = out
            .vpc()
            .and_then(|v| v.vpc_id())
            .ok_or_else(|| ProviderError::new(ProviderErrorKind::Other, "CreateVpc returned no VPC id"))?
            .to_string();
        // Wait until the VPC is available (and visible: reads are eventually consistent):
        // CreateVpc answers `pending`, and Terraform waits too (`waitVPCCreated`). What the
        // wait's DescribeVpcs returns is the VPC's record: a ModifyVpcAttribute below changes
        // nothing in it, so it is not read again.
        let vpc = provision_aws_core::waiting(retry(
            Policy::NEW_OBJECT,
            || async {
                let v = Self::describe(c, vec![filter("vpc-id", [id.as_str()])]).await?;
                match v.into_iter().next() {
                    Some(v) if v.state() == Some(&VpcState::Available) => Ok(v),
                    _ => Err(ProviderError::new(ProviderErrorKind::NotFound, format!("VPC {id} is not available yet"))),
                }
            },
            nothing,
        ))
        .await?;
        let support = get_bool(desired, "enable_dns_support").filter(|v| !*v);
        let hostnames = get_bool(desired, "enable_dns_hostnames").filter(|v| *v);
        Self::set_dns(c, &id, support, hostnames).await?;
        Self::complete(c, &vpc).await
    }

    async fn update(&self, _op: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        sync_tags(&c.ec2, id, prior.get("tags_all"), desired.get("tags_all")).await?;
        let changed = |k: &str| get_bool(desired, k).filter(|v| Some(*v) != get_bool(prior, k));
        Self::set_dns(c, id, changed("enable_dns_support"), changed("enable_dns_hostnames")).await?;
        self.read_full(c, id).await
    }

    async fn delete(&self, _op: &OpContext, id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        gone_is_ok(
            retry(
                Policy::in_use(DELETE_TIMEOUT),
                || async { c.ec2.delete_vpc().vpc_id(id).send().await.map(|_| ()).map_err(|e| sdk("DeleteVpc", e)) },
                || Self::blockers(c, id),
            )
            .await,
        )
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        self.find_tagged(query).await
    }
}
