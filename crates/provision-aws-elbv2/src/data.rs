//! The ELBv2 data sources `aws_lb` and `aws_lb_target_group`: an existing load balancer or target
//! group, found by ARN or by name, with the attributes of the resource type of the same name.

use crate::common::{get_str, tags_of};
use crate::context::Context;
use crate::error::sdk;
use crate::load_balancer::LoadBalancer;
use crate::target_group::TargetGroup;
use async_trait::async_trait;
use provision_core::{AttributeSchema, Attrs, DataSourceType, ProviderError, ProviderErrorKind, ResourceType, Schema};
use std::sync::Arc;

/// A lookup's schema: the resource type's attributes and blocks, all read-only, except `arn` and
/// `name`, which select the object.
fn lookup_schema(resource: &Schema, description: &'static str) -> Schema {
    let mut s = Schema::new(description);
    for a in &resource.attributes {
        let mut a = a.clone();
        a.force_new = false;
        a.default = None;
        a.validator = None;
        a.mode = if matches!(a.name, "arn" | "name") {
            provision_core::AttrMode::OptionalComputed
        } else {
            provision_core::AttrMode::Computed
        };
        if a.name == "arn" {
            a.description = "The ARN to look up (or set `name`).";
        } else if a.name == "name" {
            a.description = "The name to look up (or set `arn`).";
        }
        s = s.attr(a);
    }
    for b in &resource.blocks {
        s = s.attr(AttributeSchema::computed(b.name, Schema::block_type(b)).describe(b.description));
    }
    s
}

fn selector(args: &Attrs, what: &str) -> Result<(Option<String>, Option<String>), ProviderError> {
    let (arn, name) = (get_str(args, "arn").map(str::to_string), get_str(args, "name").map(str::to_string));
    if arn.is_none() && name.is_none() {
        return Err(ProviderError::new(ProviderErrorKind::Invalid, format!("data {what}: set `arn` or `name`")));
    }
    Ok((arn, name))
}

fn not_found(what: &str, arn: &Option<String>, name: &Option<String>) -> ProviderError {
    let key = arn.as_deref().or(name.as_deref()).unwrap_or_default();
    ProviderError::new(ProviderErrorKind::NotFound, format!("data {what}: no {what} {key} in this region"))
}

pub(crate) struct LbLookup {
    ctx: Arc<Context>,
    schema: Schema,
}

impl LbLookup {
    pub fn new(ctx: Arc<Context>, resource: &LoadBalancer) -> Self {
        LbLookup { ctx, schema: lookup_schema(resource.schema(), "An existing load balancer, by ARN or name.") }
    }
}

#[async_trait]
impl DataSourceType for LbLookup {
    fn name(&self) -> &'static str {
        "aws_lb"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, args: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let (arn, name) = selector(args, "aws_lb")?;
        let r = c
            .elb
            .describe_load_balancers()
            .set_load_balancer_arns(arn.clone().map(|a| vec![a]))
            .set_names(if arn.is_none() { name.clone().map(|n| vec![n]) } else { None })
            .send()
            .await
            .map_err(|e| sdk("DescribeLoadBalancers", e))
            .map_err(|e| if e.is_not_found() { not_found("load balancer", &arn, &name) } else { e })?;
        let lb = r.load_balancers().first().ok_or_else(|| not_found("load balancer", &arn, &name))?;
        let found = lb.load_balancer_arn().unwrap_or_default().to_string();
        let attributes = LoadBalancer::attributes(c, &found).await?;
        let tags = tags_of(c, std::slice::from_ref(&found)).await?.remove(&found).unwrap_or_default();
        let mut a = LoadBalancer::attrs(lb, &attributes, &tags, &Attrs::new());
        let all = a.get("tags_all").cloned().unwrap_or(provision_core::Value::Null);
        a.insert("tags".into(), all);
        Ok(a)
    }
}

pub(crate) struct TgLookup {
    ctx: Arc<Context>,
    schema: Schema,
}

impl TgLookup {
    pub fn new(ctx: Arc<Context>, resource: &TargetGroup) -> Self {
        TgLookup { ctx, schema: lookup_schema(resource.schema(), "An existing target group, by ARN or name.") }
    }
}

#[async_trait]
impl DataSourceType for TgLookup {
    fn name(&self) -> &'static str {
        "aws_lb_target_group"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, args: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let (arn, name) = selector(args, "aws_lb_target_group")?;
        let r = c
            .elb
            .describe_target_groups()
            .set_target_group_arns(arn.clone().map(|a| vec![a]))
            .set_names(if arn.is_none() { name.clone().map(|n| vec![n]) } else { None })
            .send()
            .await
            .map_err(|e| sdk("DescribeTargetGroups", e))
            .map_err(|e| if e.is_not_found() { not_found("target group", &arn, &name) } else { e })?;
        let tg = r.target_groups().first().ok_or_else(|| not_found("target group", &arn, &name))?;
        let found = tg.target_group_arn().unwrap_or_default().to_string();
        let attributes = TargetGroup::attributes(c, &found).await?;
        let tags = tags_of(c, std::slice::from_ref(&found)).await?.remove(&found).unwrap_or_default();
        let mut a = TargetGroup::attrs(tg, &attributes, &tags, &Attrs::new());
        let all = a.get("tags_all").cloned().unwrap_or(provision_core::Value::Null);
        a.insert("tags".into(), all);
        Ok(a)
    }
}
