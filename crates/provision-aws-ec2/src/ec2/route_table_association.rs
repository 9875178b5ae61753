//! `aws_route_table_association`: which route table a subnet uses. Moving a subnet to another
//! table is done in place (ReplaceRouteTableAssociation, which gives the association a new id).
//!
//! Associations carry no tags, so `find` cannot recognise one after a crash. Instead, create is
//! idempotent: a subnet already associated with the wanted table is adopted.

use super::route_table::describe;
use super::{filter, get_string, need_str, s, visible};
use crate::context::{Clients, Context};
use crate::error::sdk;
use crate::retry::{Policy, gone_is_ok, nothing, retry};
use async_trait::async_trait;
use aws_sdk_ec2::types::{RouteTableAssociation, RouteTableAssociationStateCode};
use provision_core::{
    AttributeSchema, Attrs, FindQuery, Found, IdentityStrategy, OpContext, ProviderError, ProviderErrorKind,
    ReadContext, ResourceType, Schema, Type,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

const CHUNK: usize = 200;

pub(crate) struct RouteTableAssociationResource {
    ctx: Arc<Context>,
    schema: Schema,
}

fn live(a: &RouteTableAssociation) -> bool {
    !matches!(
        a.association_state().and_then(|s| s.state()),
        Some(RouteTableAssociationStateCode::Disassociated | RouteTableAssociationStateCode::Disassociating)
    )
}

fn attrs(a: &RouteTableAssociation) -> Attrs {
    let mut m = Attrs::new();
    m.insert("id".into(), s(a.route_table_association_id()));
    m.insert("subnet_id".into(), s(a.subnet_id()));
    m.insert("route_table_id".into(), s(a.route_table_id()));
    m
}

impl RouteTableAssociationResource {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("Associates a subnet with a route table.")
            .with_id()
            .attr(AttributeSchema::required("subnet_id", Type::String).force_new().describe("The subnet."))
            .attr(
                AttributeSchema::required("route_table_id", Type::String)
                    .describe("The route table. Changed in place (the association gets a new id)."),
            )
            .timeouts(Duration::from_secs(300), Duration::from_secs(120), Duration::from_secs(300));
        RouteTableAssociationResource { ctx, schema }
    }

    /// The live association of a subnet, if any.
    async fn of_subnet(c: &Clients, subnet: &str) -> Result<Option<RouteTableAssociation>, ProviderError> {
        let tables = describe(c, vec![filter("association.subnet-id", [subnet])]).await?;
        Ok(tables.iter().flat_map(|t| t.associations()).find(|a| a.subnet_id() == Some(subnet) && live(a)).cloned())
    }

    async fn read_one(c: &Clients, id: &str) -> Result<Attrs, ProviderError> {
        visible("route table association", id, || async {
            let tables = describe(c, vec![filter("association.route-table-association-id", [id])]).await?;
            Ok(tables
                .iter()
                .flat_map(|t| t.associations())
                .find(|a| a.route_table_association_id() == Some(id) && live(a))
                .map(attrs))
        })
        .await
    }
}

#[async_trait]
impl ResourceType for RouteTableAssociationResource {
    fn name(&self) -> &'static str {
        "aws_route_table_association"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read_many(
        &self,
        _ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        let c = self.ctx.clients().await?;
        let ids: Vec<&str> = objects.iter().map(|(id, _)| id.as_str()).collect();
        let mut found = BTreeMap::new();
        for chunk in ids.chunks(CHUNK) {
            let tables =
                describe(c, vec![filter("association.route-table-association-id", chunk.iter().copied())]).await?;
            for a in tables.iter().flat_map(|t| t.associations()).filter(|a| live(a)) {
                if let Some(id) = a.route_table_association_id().filter(|id| chunk.contains(id)) {
                    found.insert(id.to_string(), attrs(a));
                }
            }
        }
        Ok(found)
    }

    async fn create(&self, _ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let subnet = need_str(desired, "subnet_id")?;
        let table = need_str(desired, "route_table_id")?;
        let result = retry(
            Policy::NEW_OBJECT,
            || async {
                c.ec2
                    .associate_route_table()
                    .subnet_id(subnet)
                    .route_table_id(table)
                    .send()
                    .await
                    .map_err(|e| sdk("AssociateRouteTable", e))
            },
            nothing,
        )
        .await;
        let id = match result {
            Ok(out) => out.association_id().map(str::to_string),
            Err(e) if e.code.as_deref() == Some("Resource.AlreadyAssociated") => {
                match Self::of_subnet(c, subnet).await? {
                    // Ours from an interrupted run.
                    Some(a) if a.route_table_id() == Some(table) => a.route_table_association_id().map(str::to_string),
                    Some(a) => {
                        return Err(ProviderError::new(
                            ProviderErrorKind::Conflict,
                            format!(
                                "{subnet} is already associated with {} ({}); remove that association first",
                                a.route_table_id().unwrap_or("another table"),
                                a.route_table_association_id().unwrap_or("unknown id")
                            ),
                        )
                        .with_code("Resource.AlreadyAssociated"));
                    }
                    None => return Err(e),
                }
            }
            Err(e) => return Err(e),
        };
        let id =
            id.ok_or_else(|| ProviderError::new(ProviderErrorKind::Other, "AssociateRouteTable returned no id"))?;
        Self::read_one(c, &id).await
    }

    async fn update(&self, _op: &OpContext, id: &str, _prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let out = c
            .ec2
            .replace_route_table_association()
            .association_id(id)
            .route_table_id(need_str(desired, "route_table_id")?)
            .send()
            .await
            .map_err(|e| sdk("ReplaceRouteTableAssociation", e))?;
        let new_id = out.new_association_id().unwrap_or(id).to_string();
        Self::read_one(c, &new_id).await
    }

    async fn delete(&self, _op: &OpContext, id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        gone_is_ok(
            c.ec2
                .disassociate_route_table()
                .association_id(id)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| sdk("DisassociateRouteTable", e)),
        )
    }

    fn identity(&self) -> IdentityStrategy {
        IdentityStrategy::Content
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        // Associations carry no tags: the one this create was making links the recorded subnet
        // to the recorded table.
        let (Some(subnet), Some(table)) =
            (get_string(&query.desired, "subnet_id"), get_string(&query.desired, "route_table_id"))
        else {
            return Ok(vec![]);
        };
        let c = self.ctx.clients().await?;
        Ok(Self::of_subnet(c, &subnet)
            .await?
            .filter(|a| a.route_table_id() == Some(table.as_str()))
            .map(|a| Found::ours(attrs(&a)))
            .into_iter()
            .collect())
    }
}
