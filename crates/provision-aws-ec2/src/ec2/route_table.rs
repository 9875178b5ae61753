//! `aws_route_table`: a VPC route table, with its inline `route` blocks managed as a delta
//! (routes added, replaced and deleted one by one; the table itself is kept).

use super::object::Ec2Object;
use super::{need_str, s, sync_tags, tag_spec, user_tags};
use crate::context::{Clients, Context};
use crate::error::sdk;
use crate::retry::{Policy, gone_is_ok, nothing, retry};
use crate::validate;
use async_trait::async_trait;
use aws_sdk_ec2::types::{Filter, ResourceType as Ec2Type, Route, RouteOrigin, RouteTable as Rtb, Tag};
use provision_core::{
    AttributeSchema, Attrs, BlockSchema, FindQuery, Found, Nesting, OpContext, ProviderError, ProviderErrorKind,
    ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// How long a delete waits while the table is still associated (associations go first, but
/// AWS takes a moment to notice).
const DELETE_TIMEOUT: Duration = Duration::from_secs(300);

/// Where a route goes: exactly one destination, one target.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct RouteSpec {
    pub cidr_block: Option<String>,
    pub ipv6_cidr_block: Option<String>,
    pub gateway_id: Option<String>,
    pub nat_gateway_id: Option<String>,
}

impl RouteSpec {
    /// The destination, as AWS keys routes.
    pub fn destination(&self) -> String {
        self.cidr_block.clone().or_else(|| self.ipv6_cidr_block.clone()).unwrap_or_default()
    }

    pub fn from_aws(r: &Route) -> RouteSpec {
        RouteSpec {
            cidr_block: r.destination_cidr_block().map(str::to_string),
            ipv6_cidr_block: r.destination_ipv6_cidr_block().map(str::to_string),
            gateway_id: r.gateway_id().map(str::to_string),
            nat_gateway_id: r.nat_gateway_id().map(str::to_string),
        }
    }

    fn from_value(v: &Value) -> Option<RouteSpec> {
        let m = v.as_map()?;
        let get = |k: &str| m.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
        Some(RouteSpec {
            cidr_block: get("cidr_block"),
            ipv6_cidr_block: get("ipv6_cidr_block"),
            gateway_id: get("gateway_id"),
            nat_gateway_id: get("nat_gateway_id"),
        })
    }

    fn to_value(&self) -> Value {
        Value::Map(
            [
                ("cidr_block", &self.cidr_block),
                ("ipv6_cidr_block", &self.ipv6_cidr_block),
                ("gateway_id", &self.gateway_id),
                ("nat_gateway_id", &self.nat_gateway_id),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), s(v.as_deref())))
            .collect(),
        )
    }

    fn check(&self) -> Result<(), ProviderError> {
        let dests = usize::from(self.cidr_block.is_some()) + usize::from(self.ipv6_cidr_block.is_some());
        let targets = usize::from(self.gateway_id.is_some()) + usize::from(self.nat_gateway_id.is_some());
        if dests != 1 || targets != 1 {
            return Err(ProviderError::new(
                ProviderErrorKind::Invalid,
                format!(
                    "a route needs exactly one destination (cidr_block or ipv6_cidr_block) and one target (gateway_id or nat_gateway_id); got {dests} and {targets}"
                ),
            ));
        }
        Ok(())
    }

    /// Creates this route in `table`, or, with `replace`, points the existing one here.
    pub async fn put(&self, c: &Clients, table: &str, replace: bool) -> Result<(), ProviderError> {
        self.check()?;
        retry(
            Policy::NEW_OBJECT,
            || async {
                if replace {
                    c.ec2
                        .replace_route()
                        .route_table_id(table)
                        .set_destination_cidr_block(self.cidr_block.clone())
                        .set_destination_ipv6_cidr_block(self.ipv6_cidr_block.clone())
                        .set_gateway_id(self.gateway_id.clone())
                        .set_nat_gateway_id(self.nat_gateway_id.clone())
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|e| sdk("ReplaceRoute", e))
                } else {
                    c.ec2
                        .create_route()
                        .route_table_id(table)
                        .set_destination_cidr_block(self.cidr_block.clone())
                        .set_destination_ipv6_cidr_block(self.ipv6_cidr_block.clone())
                        .set_gateway_id(self.gateway_id.clone())
                        .set_nat_gateway_id(self.nat_gateway_id.clone())
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|e| sdk("CreateRoute", e))
                }
            },
            nothing,
        )
        .await
    }

    /// Deletes the route to this destination from `table`; a route already gone is fine.
    pub async fn remove(&self, c: &Clients, table: &str) -> Result<(), ProviderError> {
        gone_is_ok(
            c.ec2
                .delete_route()
                .route_table_id(table)
                .set_destination_cidr_block(self.cidr_block.clone())
                .set_destination_ipv6_cidr_block(self.ipv6_cidr_block.clone())
                .send()
                .await
                .map(|_| ())
                .map_err(|e| sdk("DeleteRoute", e)),
        )
    }
}

/// The routes a configuration can manage: not the VPC's `local` route, not propagated ones, and
/// only those provision can express (a CIDR destination; a gateway or NAT gateway target). Others
/// (gateway endpoints with prefix-list destinations, peering connections, ...) are left alone.
pub(crate) fn managed_routes(t: &Rtb) -> Vec<RouteSpec> {
    t.routes()
        .iter()
        .filter(|r| r.gateway_id() != Some("local"))
        .filter(|r| !matches!(r.origin(), Some(RouteOrigin::CreateRouteTable | RouteOrigin::EnableVgwRoutePropagation)))
        .map(RouteSpec::from_aws)
        .filter(|r| {
            (r.cidr_block.is_some() || r.ipv6_cidr_block.is_some())
                && (r.gateway_id.is_some() || r.nat_gateway_id.is_some())
        })
        .collect()
}

pub(crate) async fn describe(c: &Clients, filters: Vec<Filter>) -> Result<Vec<Rtb>, ProviderError> {
    describe_all!(c.ec2.describe_route_tables(), set_filters, filters, 100, route_tables, "DescribeRouteTables")
}

pub(crate) struct RouteTable {
    ctx: Arc<Context>,
    schema: Schema,
}

fn routes_of(v: Option<&Value>) -> Option<Vec<RouteSpec>> {
    let items = v?.as_seq()?;
    Some(items.iter().filter_map(RouteSpec::from_value).collect())
}

impl RouteTable {
    pub fn new(ctx: Arc<Context>) -> Self {
        let route = Schema::new("One route.")
            .attr(AttributeSchema::optional("cidr_block", Type::String).validate(validate::ipv4_cidr).describe(
                "The IPv4 destination, e.g. `0.0.0.0/0`; any prefix /0 to /32, host bits zero (checked at plan time).",
            ))
            .attr(
                AttributeSchema::optional("ipv6_cidr_block", Type::String)
                    .validate(validate::ipv6_cidr)
                    .describe("The IPv6 destination, e.g. `::/0` (checked at plan time)."),
            )
            .attr(AttributeSchema::optional("gateway_id", Type::String).describe("An internet gateway to route to."))
            .attr(AttributeSchema::optional("nat_gateway_id", Type::String).describe("A NAT gateway to route to."));
        let schema = Schema::new("A VPC route table.")
            .with_id()
            .attr(AttributeSchema::computed("arn", Type::String).describe("The route table's ARN, `arn:<partition>:ec2:<region>:<owner>:route-table/<id>`."))
            .attr(AttributeSchema::computed("owner_id", Type::String).describe("The AWS account that owns it."))
            .attr(
                AttributeSchema::required("vpc_id", Type::String)
                    .force_new()
                    .describe("The VPC the table belongs to."),
            )
            .block(
                BlockSchema::new(
                    "route",
                    Nesting::Set,
                    route,
                    "Zero or more routes, changed route by route, never by recreating the table. Without any `route` block the table's routes are not managed here (use `aws_route`).",
                )
                .unmanaged_when_absent(),
            )
            .check(validate::object::route_table)
            .with_tags()
            .timeouts(Duration::from_secs(300), Duration::from_secs(120), Duration::from_secs(300));
        RouteTable { ctx, schema }
    }
}

impl Ec2Object for RouteTable {
    type Item = Rtb;
    const WHAT: &'static str = "route table";
    const ID_FILTER: &'static str = "route-table-id";

    fn context(&self) -> &Context {
        &self.ctx
    }

    async fn describe(c: &Clients, filters: Vec<Filter>) -> Result<Vec<Rtb>, ProviderError> {
        describe(c, filters).await
    }

    fn id_of(t: &Rtb) -> Option<&str> {
        t.route_table_id()
    }

    fn tags_of(t: &Rtb) -> &[Tag] {
        t.tags()
    }

    fn attrs(c: &Clients, t: &Rtb, _prior: &Attrs) -> Attrs {
        let id = t.route_table_id().unwrap_or_default();
        let owner = t.owner_id().unwrap_or_default();
        let mut a = Attrs::new();
        a.insert("id".into(), Value::String(id.into()));
        a.insert("arn".into(), Value::String(format!("arn:{}:ec2:{}:{owner}:route-table/{id}", c.partition, c.region)));
        a.insert("owner_id".into(), s(t.owner_id()));
        a.insert("vpc_id".into(), s(t.vpc_id()));
        a.insert("route".into(), Value::set(managed_routes(t).iter().map(RouteSpec::to_value).collect()));
        a.insert("tags_all".into(), user_tags(t.tags()));
        a
    }
}

impl RouteTable {
    /// Brings the table's routes from `old` to `new`, keyed by destination.
    async fn sync_routes(c: &Clients, id: &str, old: &[RouteSpec], new: &[RouteSpec]) -> Result<(), ProviderError> {
        let old: BTreeMap<String, &RouteSpec> = old.iter().map(|r| (r.destination(), r)).collect();
        let new: BTreeMap<String, &RouteSpec> = new.iter().map(|r| (r.destination(), r)).collect();
        for (dest, r) in &old {
            if !new.contains_key(dest) {
                r.remove(c, id).await?;
            }
        }
        for (dest, r) in &new {
            match old.get(dest) {
                None => r.put(c, id, false).await?,
                Some(o) if o != r => r.put(c, id, true).await?,
                Some(_) => {}
            }
        }
        Ok(())
    }
}

#[async_trait]
impl ResourceType for RouteTable {
    fn name(&self) -> &'static str {
        "aws_route_table"
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
            .create_route_table()
            .vpc_id(need_str(desired, "vpc_id")?)
            .tag_specifications(tag_spec(Ec2Type::RouteTable, &ctx.identity, desired.get("tags_all")))
            .send()
            .await
            .map_err(|e| sdk("CreateRouteTable", e))?;
        let id = out
            .route_table()
            .and_then(|t| t.route_table_id())
            .ok_or_else(|| ProviderError::new(ProviderErrorKind::Other, "CreateRouteTable returned no id"))?
            .to_string();
        if let Some(routes) = routes_of(desired.get("route")) {
            // The table may not be visible yet; `put` retries until it is.
            Self::sync_routes(c, &id, &[], &routes).await?;
        }
        Self::read_one(c, &id).await
    }

    async fn update(&self, _op: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        sync_tags(&c.ec2, id, prior.get("tags_all"), desired.get("tags_all")).await?;
        if let Some(new) = routes_of(desired.get("route")) {
            let old = routes_of(prior.get("route")).unwrap_or_default();
            Self::sync_routes(c, id, &old, &new).await?;
        }
        Self::read_one(c, id).await
    }

    async fn delete(&self, _op: &OpContext, id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        gone_is_ok(
            retry(
                Policy::in_use(DELETE_TIMEOUT),
                || async {
                    c.ec2
                        .delete_route_table()
                        .route_table_id(id)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|e| sdk("DeleteRouteTable", e))
                },
                || async move {
                    let t = Self::lookup(c, id).await.ok()??;
                    let subnets: Vec<&str> = t.associations().iter().filter_map(|a| a.subnet_id()).collect();
                    (!subnets.is_empty()).then(|| format!("the table is still associated with {}", subnets.join(", ")))
                },
            )
            .await,
        )
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        self.find_tagged(query).await
    }
}
