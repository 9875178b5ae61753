//! The data source `aws_route53_zone`: an existing hosted zone, by id or by name (public or
//! private), for records in a zone managed elsewhere.

use crate::common::{dns_name, zone_id};
use crate::context::Context;
use crate::error::sdk;
use async_trait::async_trait;
use aws_sdk_route53::types::TagResourceType;
use provision_aws_core::tags;
use provision_core::{AttributeSchema, Attrs, DataSourceType, ProviderError, ProviderErrorKind, Schema, Type, Value};
use std::sync::Arc;

pub(crate) struct ZoneLookup {
    ctx: Arc<Context>,
    schema: Schema,
}

impl ZoneLookup {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("An existing Route53 hosted zone, by id or name.")
            .attr(
                AttributeSchema::optional_computed("zone_id", Type::String)
                    .describe("The zone's ID to look up (or set `name`)."),
            )
            .attr(
                AttributeSchema::optional_computed("name", Type::String)
                    .describe("The zone's name to look up (or set `zone_id`)."),
            )
            .attr(
                AttributeSchema::optional("private_zone", Type::Bool)
                    .default(false)
                    .describe("Look for a private zone of that name instead of a public one."),
            )
            .attr(AttributeSchema::computed("id", Type::String).describe("The zone's ID."))
            .attr(AttributeSchema::computed("arn", Type::String).describe("The zone's ARN."))
            .attr(AttributeSchema::computed("comment", Type::String).describe("Its comment."))
            .attr(AttributeSchema::computed("name_servers", Type::list(Type::String)).describe("Its name servers."))
            .attr(AttributeSchema::computed("primary_name_server", Type::String).describe("The first of them."))
            .attr(
                AttributeSchema::computed("resource_record_set_count", Type::Number)
                    .describe("How many record sets it holds."),
            )
            .attr(AttributeSchema::computed("tags", Type::map(Type::String)).describe("Its tags."));
        ZoneLookup { ctx, schema }
    }
}

#[async_trait]
impl DataSourceType for ZoneLookup {
    fn name(&self) -> &'static str {
        "aws_route53_zone"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, args: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let private = args.get("private_zone").and_then(Value::as_bool) == Some(true);
        let id = match (args.get("zone_id").and_then(Value::as_str), args.get("name").and_then(Value::as_str)) {
            (Some(id), _) => zone_id(id),
            (None, Some(name)) => {
                let want = dns_name(name);
                let r = c
                    .r53
                    .list_hosted_zones_by_name()
                    .dns_name(&want)
                    .send()
                    .await
                    .map_err(|e| sdk("ListHostedZonesByName", e))?;
                let found: Vec<String> = r
                    .hosted_zones()
                    .iter()
                    .filter(|z| dns_name(z.name()) == want && z.config().is_some_and(|c| c.private_zone()) == private)
                    .map(|z| zone_id(z.id()))
                    .collect();
                match found.as_slice() {
                    [one] => one.clone(),
                    [] => {
                        return Err(ProviderError::new(
                            ProviderErrorKind::NotFound,
                            format!(
                                "data aws_route53_zone: no {} zone named {want}",
                                if private { "private" } else { "public" }
                            ),
                        ));
                    }
                    many => {
                        return Err(ProviderError::new(
                            ProviderErrorKind::Invalid,
                            format!(
                                "data aws_route53_zone: {} zones are named {want} ({}); use zone_id",
                                many.len(),
                                many.join(", ")
                            ),
                        ));
                    }
                }
            }
            (None, None) => {
                return Err(ProviderError::new(
                    ProviderErrorKind::Invalid,
                    "data aws_route53_zone: set `zone_id` or `name`",
                ));
            }
        };
        let r = c.r53.get_hosted_zone().id(&id).send().await.map_err(|e| sdk("GetHostedZone", e))?;
        let z = r.hosted_zone().ok_or_else(|| {
            ProviderError::new(ProviderErrorKind::NotFound, format!("data aws_route53_zone: zone {id} not found"))
        })?;
        let t = c
            .r53
            .list_tags_for_resource()
            .resource_type(TagResourceType::Hostedzone)
            .resource_id(&id)
            .send()
            .await
            .map_err(|e| sdk("ListTagsForResource", e))?;
        let servers: Vec<Value> = r
            .delegation_set()
            .map(|d| d.name_servers().iter().map(|n| Value::String(n.clone())).collect())
            .unwrap_or_default();
        let mut a = Attrs::new();
        a.insert("id".into(), Value::String(id.clone()));
        a.insert("zone_id".into(), Value::String(id.clone()));
        a.insert("arn".into(), Value::String(format!("arn:{}:route53:::hostedzone/{id}", c.partition)));
        a.insert("name".into(), Value::String(dns_name(z.name())));
        a.insert("private_zone".into(), Value::Bool(z.config().is_some_and(|c| c.private_zone())));
        a.insert("comment".into(), Value::String(z.config().and_then(|c| c.comment()).unwrap_or_default().into()));
        a.insert("primary_name_server".into(), servers.first().cloned().unwrap_or(Value::Null));
        a.insert("name_servers".into(), Value::List(servers));
        a.insert(
            "resource_record_set_count".into(),
            z.resource_record_set_count().map_or(Value::Null, |n| Value::Number(n as f64)),
        );
        let pairs = t.resource_tag_set().map(|s| s.tags().to_vec()).unwrap_or_default();
        a.insert(
            "tags".into(),
            tags::user_tags(pairs.iter().filter_map(|t| Some((t.key()?, t.value().unwrap_or_default())))),
        );
        Ok(a)
    }
}
