//! EC2 data sources: read-only lookups a configuration can refer to (the region's availability
//! zones, an existing VPC and its subnets). Read while planning whenever their arguments are
//! known; never written to.

mod availability_zones;
mod network;

use crate::context::Context;
use crate::ec2::filter;
use aws_sdk_ec2::types::Filter;
use provision_core::{AttributeSchema, BlockSchema, DataSourceType, Nesting, Schema, Type, Value};
use std::sync::Arc;

/// Every EC2 data source, sorted by name.
pub(crate) fn all(ctx: &Arc<Context>) -> Vec<Arc<dyn DataSourceType>> {
    let mut v: Vec<Arc<dyn DataSourceType>> = vec![
        Arc::new(availability_zones::AvailabilityZones::new(ctx.clone())),
        Arc::new(network::VpcLookup::new(ctx.clone())),
        Arc::new(network::Subnets::new(ctx.clone())),
    ];
    v.sort_by_key(|d| d.name());
    v
}

/// The `filter { name = "...", values = [...] }` block of EC2 lookups.
fn filter_block(what: &'static str) -> BlockSchema {
    BlockSchema::new(
        "filter",
        Nesting::List,
        Schema::new("An EC2 API filter.")
            .attr(
                AttributeSchema::required("name", Type::String)
                    .describe("The filter name, e.g. `vpc-id` or `tag:Tier`."),
            )
            .attr(
                AttributeSchema::required("values", Type::set(Type::String)).describe("Values to match (any of them)."),
            ),
        what,
    )
}

/// The EC2 filters of `filter` blocks and a `tags` map.
fn filters(args: &provision_core::Attrs) -> Vec<Filter> {
    let mut out = vec![];
    for item in args.get("filter").and_then(Value::as_seq).unwrap_or_default() {
        let Some(m) = item.as_map() else { continue };
        let Some(name) = m.get("name").and_then(Value::as_str) else { continue };
        let values: Vec<String> = m
            .get("values")
            .and_then(Value::as_seq)
            .map(|xs| xs.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default();
        out.push(filter(name, values));
    }
    for (k, v) in args.get("tags").and_then(Value::as_map).into_iter().flatten() {
        if let Some(v) = v.as_str() {
            out.push(filter(&format!("tag:{k}"), [v]));
        }
    }
    out
}
