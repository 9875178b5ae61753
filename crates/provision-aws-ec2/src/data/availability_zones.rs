//! `aws_availability_zones`: the region's zones, so a configuration can spread subnets across
//! two or three of them without naming them.

use super::{filter_block, filters};
use crate::context::Context;
use crate::ec2::filter;
use crate::error::sdk;
use crate::validate;
use async_trait::async_trait;
use provision_core::{AttributeSchema, Attrs, DataSourceType, ProviderError, Schema, Type, Value};
use std::sync::Arc;

pub(crate) struct AvailabilityZones {
    ctx: Arc<Context>,
    schema: Schema,
}

impl AvailabilityZones {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("The availability zones of the region.")
            .attr(
                AttributeSchema::optional("state", Type::String)
                    .validate(validate::az_state)
                    .describe("Only zones in this state: `available`, `information`, `impaired` or `unavailable`."),
            )
            .attr(
                AttributeSchema::optional("all_availability_zones", Type::Bool)
                    .describe("Include Local Zones and Wavelength Zones, whatever their opt-in status."),
            )
            .attr(
                AttributeSchema::optional("exclude_names", Type::set(Type::String))
                    .describe("Zone names to leave out."),
            )
            .attr(
                AttributeSchema::optional("exclude_zone_ids", Type::set(Type::String))
                    .describe("Zone IDs to leave out."),
            )
            .block(filter_block("More EC2 filters (`zone-type`, `opt-in-status`, ...)."))
            .attr(AttributeSchema::computed("id", Type::String).describe("The region."))
            .attr(
                AttributeSchema::computed("names", Type::list(Type::String))
                    .describe("Zone names, sorted, e.g. `eu-west-1a`."),
            )
            .attr(
                AttributeSchema::computed("zone_ids", Type::list(Type::String))
                    .describe("Zone IDs in the same order, e.g. `euw1-az1`."),
            )
            .attr(AttributeSchema::computed("group_names", Type::set(Type::String)).describe("The zone groups."));
        AvailabilityZones { ctx, schema }
    }
}

fn strings(args: &Attrs, k: &str) -> Vec<String> {
    args.get(k)
        .and_then(Value::as_seq)
        .map(|xs| xs.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default()
}

#[async_trait]
impl DataSourceType for AvailabilityZones {
    fn name(&self) -> &'static str {
        "aws_availability_zones"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, args: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let mut f = filters(args);
        if let Some(state) = args.get("state").and_then(Value::as_str) {
            f.push(filter("state", [state]));
        }
        let out = c
            .ec2
            .describe_availability_zones()
            .set_filters((!f.is_empty()).then_some(f))
            .set_all_availability_zones(args.get("all_availability_zones").and_then(Value::as_bool))
            .send()
            .await
            .map_err(|e| sdk("DescribeAvailabilityZones", e))?;
        let (skip_names, skip_ids) = (strings(args, "exclude_names"), strings(args, "exclude_zone_ids"));
        let mut zones: Vec<(String, String, String)> = out
            .availability_zones()
            .iter()
            .filter_map(|z| {
                Some((
                    z.zone_name()?.to_string(),
                    z.zone_id().unwrap_or_default().to_string(),
                    z.group_name().unwrap_or_default().to_string(),
                ))
            })
            .filter(|(n, id, _)| !skip_names.contains(n) && !skip_ids.contains(id))
            .collect();
        zones.sort();
        let mut a = Attrs::new();
        a.insert("id".into(), Value::String(c.region.clone()));
        a.insert("names".into(), Value::List(zones.iter().map(|z| Value::String(z.0.clone())).collect()));
        a.insert("zone_ids".into(), Value::List(zones.iter().map(|z| Value::String(z.1.clone())).collect()));
        a.insert(
            "group_names".into(),
            Value::set(zones.iter().filter(|z| !z.2.is_empty()).map(|z| Value::String(z.2.clone())).collect()),
        );
        Ok(a)
    }
}
