//! `aws_route`: one route in a route table, managed on its own (for example the private
//! tables' default route through a NAT gateway). Its id is `<route table id>_<destination>`,
//! the form Terraform imports.
//!
//! Routes carry no tags, so `find` cannot recognise one after a crash. Instead, create is
//! idempotent: when the same route already exists it is adopted, so an interrupted create that
//! did reach AWS is neither duplicated nor lost on the next run.

use super::object::Ec2Object;
use super::route_table::{RouteSpec, RouteTable, describe};
use super::{filter, get_string, need_str, s, visible};
use crate::context::{Clients, Context};
use crate::validate;
use async_trait::async_trait;
use provision_aws_core::terraform;
use provision_core::{
    AttributeSchema, Attrs, FindQuery, Found, IdentityStrategy, OpContext, ProviderError, ProviderErrorKind,
    ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

pub(crate) struct RouteResource {
    ctx: Arc<Context>,
    schema: Schema,
}

fn spec_of(attrs: &Attrs) -> RouteSpec {
    RouteSpec {
        cidr_block: get_string(attrs, "destination_cidr_block"),
        ipv6_cidr_block: get_string(attrs, "destination_ipv6_cidr_block"),
        gateway_id: get_string(attrs, "gateway_id"),
        nat_gateway_id: get_string(attrs, "nat_gateway_id"),
    }
}

fn route_id(table: &str, spec: &RouteSpec) -> String {
    format!("{table}_{}", spec.destination())
}

impl RouteResource {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("One route in a route table.")
            .with_id()
            .attr(
                AttributeSchema::required("route_table_id", Type::String)
                    .force_new()
                    .describe("The route table to add the route to. Its `route` blocks must be left unwritten (see `aws_route_table`), or the table would delete this route."),
            )
            .attr(
                AttributeSchema::optional("destination_cidr_block", Type::String)
                    .force_new()
                    .validate(validate::ipv4_cidr)
                    .describe("The IPv4 destination, e.g. `0.0.0.0/0`; prefix /0 to /32, host bits zero (checked at plan time)."),
            )
            .attr(
                AttributeSchema::optional("destination_ipv6_cidr_block", Type::String)
                    .force_new()
                    .validate(validate::ipv6_cidr)
                    .describe("The IPv6 destination, e.g. `::/0` (checked at plan time)."),
            )
            .attr(
                AttributeSchema::optional("gateway_id", Type::String)
                    .describe("An internet gateway to route to. Changed in place (`ReplaceRoute`)."),
            )
            .attr(
                AttributeSchema::optional("nat_gateway_id", Type::String)
                    .describe("A NAT gateway to route to. Changed in place (`ReplaceRoute`)."),
            )
            .attr(AttributeSchema::computed("origin", Type::String).describe("How the route was made, as AWS reports it (`CreateRoute`)."))
            .attr(
                AttributeSchema::computed("state", Type::String)
                    .describe("`active`, or `blackhole` when its target is gone."),
            )
            .check(validate::object::route)
            .timeouts(Duration::from_secs(300), Duration::from_secs(120), Duration::from_secs(300));
        RouteResource { ctx, schema }
    }

    fn attrs(table: &str, r: &aws_sdk_ec2::types::Route) -> Attrs {
        let spec = RouteSpec::from_aws(r);
        let mut a = Attrs::new();
        a.insert("id".into(), Value::String(route_id(table, &spec)));
        a.insert("route_table_id".into(), Value::String(table.to_string()));
        a.insert("destination_cidr_block".into(), s(spec.cidr_block.as_deref()));
        a.insert("destination_ipv6_cidr_block".into(), s(spec.ipv6_cidr_block.as_deref()));
        a.insert("gateway_id".into(), s(spec.gateway_id.as_deref()));
        a.insert("nat_gateway_id".into(), s(spec.nat_gateway_id.as_deref()));
        a.insert("origin".into(), s(r.origin().map(|o| o.as_str())));
        a.insert("state".into(), s(r.state().map(|o| o.as_str())));
        a
    }

    /// The route to `spec`'s destination in `table`, if there is one.
    async fn lookup(c: &Clients, table: &str, spec: &RouteSpec) -> Result<Option<Attrs>, ProviderError> {
        let found = describe(c, vec![filter("route-table-id", [table])]).await?;
        let dest = spec.destination();
        Ok(found
            .iter()
            .flat_map(|t| t.routes())
            .find(|r| RouteSpec::from_aws(r).destination() == dest)
            .map(|r| Self::attrs(table, r)))
    }

    /// The route just written, waiting while it is not visible yet.
    async fn read_back(c: &Clients, table: &str, spec: &RouteSpec) -> Result<Attrs, ProviderError> {
        visible("route", &route_id(table, spec), || Self::lookup(c, table, spec)).await
    }
}

#[async_trait]
impl ResourceType for RouteResource {
    fn name(&self) -> &'static str {
        "aws_route"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Terraform's id is a hash (`r-rtb-…1080289494`); provision's is built from the table and
    /// the destination.
    fn id_from_terraform(&self, attributes: &Attrs) -> Result<String, String> {
        let table = terraform::text(attributes, "route_table_id")?;
        let spec = spec_of(attributes);
        if spec.destination().is_empty() {
            return Err(
                "its `destination_cidr_block` and `destination_ipv6_cidr_block` attributes are both missing or empty"
                    .into(),
            );
        }
        Ok(route_id(table, &spec))
    }

    async fn read_many(
        &self,
        _ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        let c = self.ctx.clients().await?;
        let tables: BTreeSet<String> = objects.iter().filter_map(|(_, a)| get_string(a, "route_table_id")).collect();
        let tables: Vec<String> = tables.into_iter().collect();
        let mut routes: BTreeMap<String, Attrs> = BTreeMap::new();
        for (table, t) in RouteTable::by_ids(c, &tables).await? {
            for r in t.routes() {
                let a = Self::attrs(&table, r);
                if let Some(id) = a.get("id").and_then(Value::as_str) {
                    routes.insert(id.to_string(), a.clone());
                }
            }
        }
        Ok(objects.iter().filter_map(|(id, _)| routes.get(id).map(|a| (id.clone(), a.clone()))).collect())
    }

    async fn create(&self, _ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let table = need_str(desired, "route_table_id")?;
        let spec = spec_of(desired);
        match spec.put(c, table, false).await {
            Ok(()) => {}
            Err(e) if e.code.as_deref() == Some("RouteAlreadyExists") => {
                // Ours from an interrupted run, if it goes to the same place.
                let existing = Self::lookup(c, table, &spec).await?;
                let same = existing.as_ref().is_some_and(|a| spec_of(a) == spec);
                if !same {
                    return Err(ProviderError::new(
                        ProviderErrorKind::Conflict,
                        format!(
                            "{table} already has a route to {} with another target; remove it, or manage it here",
                            spec.destination()
                        ),
                    )
                    .with_code("RouteAlreadyExists"));
                }
            }
            Err(e) => return Err(e),
        }
        Self::read_back(c, table, &spec).await
    }

    async fn update(
        &self,
        _op: &OpContext,
        _id: &str,
        _prior: &Attrs,
        desired: &Attrs,
    ) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let table = need_str(desired, "route_table_id")?;
        let spec = spec_of(desired);
        spec.put(c, table, true).await?;
        Self::read_back(c, table, &spec).await
    }

    async fn delete(&self, _op: &OpContext, _id: &str, prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        let table = need_str(prior, "route_table_id")?;
        spec_of(prior).remove(c, table).await
    }

    fn identity(&self) -> IdentityStrategy {
        IdentityStrategy::Content
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        // Routes carry no tags: the route this create was making is the one to the same
        // destination through the same target in the recorded table.
        let Some(table) = get_string(&query.desired, "route_table_id") else { return Ok(vec![]) };
        let c = self.ctx.clients().await?;
        let spec = spec_of(&query.desired);
        Ok(Self::lookup(c, &table, &spec).await?.filter(|a| spec_of(a) == spec).map(Found::ours).into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route() -> RouteResource {
        RouteResource::new(Arc::new(crate::context::new(Arc::new(provision_aws_core::Context::default()))))
    }

    /// An `aws_route`'s attributes as Terraform 5.100 wrote them (examples/network, against moto).
    const NAT_ROUTE: &str = r#"{"carrier_gateway_id": "", "core_network_arn": "", "destination_cidr_block": "0.0.0.0/0", "destination_ipv6_cidr_block": "", "destination_prefix_list_id": "", "egress_only_gateway_id": "", "gateway_id": "", "id": "r-rtb-2f7d9638a5f7a40f71080289494", "instance_id": "", "instance_owner_id": "", "local_gateway_id": "", "nat_gateway_id": "nat-e231bbe1b82a812b2", "network_interface_id": "", "origin": "CreateRoute", "route_table_id": "rtb-2f7d9638a5f7a40f7", "state": "active", "timeouts": null, "transit_gateway_id": "", "vpc_endpoint_id": "", "vpc_peering_connection_id": ""}"#;

    #[test]
    fn the_id_from_terraform_is_the_table_and_the_destination() {
        let mut a = terraform::attributes_from_json(NAT_ROUTE).expect("a state's attributes");
        assert_eq!(route().id_from_terraform(&a), Ok("rtb-2f7d9638a5f7a40f7_0.0.0.0/0".to_string()));
        a.insert("destination_cidr_block".into(), "".into());
        a.insert("destination_ipv6_cidr_block".into(), "::/0".into());
        assert_eq!(route().id_from_terraform(&a), Ok("rtb-2f7d9638a5f7a40f7_::/0".to_string()));
    }

    #[test]
    fn the_id_from_terraform_needs_the_table_and_a_destination() {
        let mut a = terraform::attributes_from_json(NAT_ROUTE).expect("a state's attributes");
        a.insert("destination_cidr_block".into(), "".into());
        assert!(route().id_from_terraform(&a).expect_err("no destination").contains("`destination_cidr_block`"));
        a.remove("route_table_id");
        assert_eq!(route().id_from_terraform(&a), Err("its `route_table_id` attribute is missing or empty".into()));
    }
}
