//! `aws_lb_target_group` (also spelled `aws_alb_target_group`): where a listener sends requests,
//! with its health check, deregistration delay, slow start and stickiness. Deleting it retries
//! `ResourceInUse` for the whole delete deadline: a listener or rule that forwards to it may still
//! be moving away (Terraform gives up after 2 minutes, terraform-provider-aws #636, #16889).

use crate::common::{
    PAGE, arn_suffix, create_tags, first_block, generated_name, get_i32, get_str, map, name_or_prefix, s, string_set,
    sync_tags, tagged_for, tags_of, user_tags,
};
use crate::context::{Clients, Context};
use crate::error::sdk;
use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::types::{
    Matcher, ProtocolEnum, Tag, TargetGroup as Tg, TargetGroupAttribute, TargetTypeEnum,
};
use provision_aws_core::retry::{Policy, gone_is_ok, retry};
use provision_core::{
    AttributeSchema, Attrs, BlockSchema, FindQuery, Found, Nesting, OpContext, ProviderError, ProviderErrorKind,
    ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;

pub(crate) struct TargetGroup {
    ctx: Arc<Context>,
    schema: Schema,
    name: &'static str,
}

fn validate_name(v: &Value) -> Result<(), String> {
    let Some(n) = v.as_str() else { return Ok(()) };
    if n.is_empty() || n.len() > 32 {
        return Err(format!("{n:?} must be 1 to 32 characters"));
    }
    if !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') || n.starts_with('-') || n.ends_with('-') {
        return Err(format!("{n:?} may hold only letters, digits and hyphens, and not begin or end with a hyphen"));
    }
    Ok(())
}

fn validate_prefix(v: &Value) -> Result<(), String> {
    match v.as_str() {
        Some(p) if p.len() > 6 => Err(format!("{p:?} is longer than 6 characters (the rest of the 32 is generated)")),
        _ => Ok(()),
    }
}

fn validate_target_type(v: &Value) -> Result<(), String> {
    match v.as_str() {
        Some("instance" | "ip" | "lambda" | "alb") | None => Ok(()),
        Some(t) => Err(format!("{t:?} is not one of \"instance\", \"ip\", \"lambda\", \"alb\"")),
    }
}

fn validate_delay(v: &Value) -> Result<(), String> {
    match v.as_str().map(str::parse::<i64>) {
        Some(Ok(n)) if !(0..=3600).contains(&n) => Err(format!("{n} is outside 0 to 3600 seconds")),
        Some(Err(_)) => Err("a number of seconds, 0 to 3600".into()),
        _ => Ok(()),
    }
}

fn validate_slow_start(v: &Value) -> Result<(), String> {
    match v.as_number() {
        Some(n) if n != 0.0 && !(30.0..=900.0).contains(&n) => Err(format!("{n} is neither 0 nor 30 to 900 seconds")),
        _ => Ok(()),
    }
}

fn check(a: &Attrs) -> Result<(), String> {
    name_or_prefix(a)?;
    let lambda = a.get("target_type").and_then(Value::as_str) == Some("lambda");
    let set = |k: &str| a.get(k).is_some_and(|v| !v.is_null());
    if !lambda {
        for k in ["port", "protocol", "vpc_id"] {
            if !set(k) {
                return Err(format!("`{k}` is required unless target_type is \"lambda\""));
            }
        }
    }
    Ok(())
}

impl TargetGroup {
    pub fn new(ctx: Arc<Context>, name: &'static str) -> Self {
        let health = Schema::new("The health check.")
            .attr(
                AttributeSchema::optional("enabled", Type::Bool).default(true).describe("Whether targets are checked."),
            )
            .attr(
                AttributeSchema::optional("healthy_threshold", Type::Number)
                    .default(3)
                    .describe("Consecutive successes before a target is healthy."),
            )
            .attr(
                AttributeSchema::optional("unhealthy_threshold", Type::Number)
                    .default(3)
                    .describe("Consecutive failures before a target is unhealthy."),
            )
            .attr(AttributeSchema::optional("interval", Type::Number).default(30).describe("Seconds between checks."))
            .attr(
                AttributeSchema::optional("timeout", Type::Number)
                    .default(5)
                    .describe("Seconds without an answer that count as a failure."),
            )
            .attr(
                AttributeSchema::optional("matcher", Type::String)
                    .default("200")
                    .describe("HTTP codes that count as success (`200`, `200-299`)."),
            )
            .attr(
                AttributeSchema::optional("path", Type::String)
                    .default("/")
                    .describe("The path checked (HTTP and HTTPS)."),
            )
            .attr(
                AttributeSchema::optional("port", Type::String)
                    .default("traffic-port")
                    .describe("The port checked; `traffic-port` is the target's port."),
            )
            .attr(
                AttributeSchema::optional("protocol", Type::String)
                    .default("HTTP")
                    .describe("`HTTP`, `HTTPS` or `TCP`."),
            );
        let stickiness = Schema::new("Session stickiness.")
            .attr(AttributeSchema::required("type", Type::String).describe("`lb_cookie` or `app_cookie`."))
            .attr(AttributeSchema::optional("enabled", Type::Bool).default(true).describe("Whether sessions stick."))
            .attr(
                AttributeSchema::optional("cookie_duration", Type::Number)
                    .default(86400)
                    .describe("Seconds a session sticks."),
            )
            .attr(
                AttributeSchema::optional("cookie_name", Type::String)
                    .default("")
                    .describe("The application's cookie (`app_cookie`)."),
            );
        let schema = Schema::new("A target group of an application or network load balancer.")
            .with_id()
            .attr(AttributeSchema::computed("arn", Type::String).describe("The target group's ARN (also its `id`)."))
            .attr(AttributeSchema::computed("arn_suffix", Type::String).describe("The ARN's last part, `targetgroup/<name>/<id>`, as CloudWatch metrics name it."))
            .attr(AttributeSchema::computed("load_balancer_arns", Type::set(Type::String)).describe("The load balancers whose listeners or rules forward to it."))
            .attr(
                AttributeSchema::optional_computed("name", Type::String)
                    .force_new()
                    .unique()
                    .validate(validate_name)
                    .describe("The name, unique in the region. A `create_before_destroy` replacement cannot keep a fixed name (AWS refuses a duplicate): such a plan is refused, pointing to `name_prefix`. When unset, `name_prefix` (or `tf-`) followed by characters derived from the pending create is used."),
            )
            .attr(AttributeSchema::optional("name_prefix", Type::String).force_new().validate(validate_prefix).describe("A prefix (up to 6 characters) for a generated name. Setting both `name` and `name_prefix` is an error at plan time."))
            .attr(AttributeSchema::optional("port", Type::Number).force_new().describe("The port targets receive traffic on. Required unless target_type is `lambda`."))
            .attr(AttributeSchema::optional("protocol", Type::String).force_new().describe("`HTTP`, `HTTPS`, `TCP`, ... Required unless target_type is `lambda`."))
            .attr(AttributeSchema::optional_computed("protocol_version", Type::String).force_new().describe("`HTTP1` (AWS's default for HTTP and HTTPS), `HTTP2` or `GRPC`."))
            .attr(AttributeSchema::optional("vpc_id", Type::String).force_new().describe("The VPC of the targets. Required unless target_type is `lambda`."))
            .attr(
                AttributeSchema::optional("target_type", Type::String)
                    .default("instance")
                    .force_new()
                    .validate(validate_target_type)
                    .describe("`instance`, `ip` (Fargate tasks), `lambda` or `alb`."),
            )
            .attr(AttributeSchema::optional("deregistration_delay", Type::String).default("300").validate(validate_delay).describe("Seconds a deregistering target keeps its connections. Changed in place (`ModifyTargetGroupAttributes`)."))
            .attr(AttributeSchema::optional("slow_start", Type::Number).default(0).validate(validate_slow_start).describe("Seconds a new target is warmed up (0, or 30 to 900). Changed in place."))
            .block(
                BlockSchema::new("health_check", Nesting::List, health, "At most one: the health check. Without it AWS's defaults apply and are not managed here. Changed in place (`ModifyTargetGroup`).")
                    .unmanaged_when_absent(),
            )
            .block(
                BlockSchema::new("stickiness", Nesting::List, stickiness, "At most one: session stickiness. Without it stickiness is not managed here. Changed in place.")
                    .unmanaged_when_absent(),
            )
            .check(check)
            .runtime_layer()
            .with_tags();
        TargetGroup { ctx, schema, name }
    }

    async fn describe(c: &Clients, arns: &[String]) -> Result<Vec<Tg>, ProviderError> {
        let mut out = vec![];
        for chunk in arns.chunks(PAGE) {
            match c.elb.describe_target_groups().set_target_group_arns(Some(chunk.to_vec())).send().await {
                Ok(r) => out.extend(r.target_groups().iter().cloned()),
                // One missing ARN fails the whole call: then one at a time.
                Err(e) => {
                    let e = sdk("DescribeTargetGroups", e);
                    if !e.is_not_found() {
                        return Err(e);
                    }
                    for arn in chunk.iter().filter(|_| chunk.len() > 1) {
                        match c.elb.describe_target_groups().target_group_arns(arn).send().await {
                            Ok(r) => out.extend(r.target_groups().iter().cloned()),
                            Err(e) => {
                                let e = sdk("DescribeTargetGroups", e);
                                if !e.is_not_found() {
                                    return Err(e);
                                }
                            }
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    pub(crate) async fn attributes(c: &Clients, arn: &str) -> Result<BTreeMap<String, String>, ProviderError> {
        let r = c
            .elb
            .describe_target_group_attributes()
            .target_group_arn(arn)
            .send()
            .await
            .map_err(|e| sdk("DescribeTargetGroupAttributes", e))?;
        Ok(r.attributes().iter().filter_map(|a| Some((a.key()?.to_string(), a.value()?.to_string()))).collect())
    }

    pub(crate) fn attrs(tg: &Tg, attributes: &BTreeMap<String, String>, tags: &[Tag], prior: &Attrs) -> Attrs {
        let arn = tg.target_group_arn().unwrap_or_default();
        let attr = |k: &str| attributes.get(k).map(String::as_str);
        let num = |k: &str, d: f64| attr(k).and_then(|v| v.parse::<f64>().ok()).unwrap_or(d);
        let mut a = Attrs::new();
        a.insert("id".into(), Value::String(arn.into()));
        a.insert("arn".into(), Value::String(arn.into()));
        a.insert("arn_suffix".into(), Value::String(arn_suffix(arn)));
        a.insert("load_balancer_arns".into(), string_set(tg.load_balancer_arns().iter().map(String::as_str)));
        a.insert("name".into(), s(tg.target_group_name()));
        a.insert("name_prefix".into(), prior.get("name_prefix").cloned().unwrap_or(Value::Null));
        a.insert("port".into(), tg.port().map_or(Value::Null, |p| Value::Number(p.into())));
        a.insert("protocol".into(), s(tg.protocol().map(|p| p.as_str())));
        a.insert(
            "protocol_version".into(),
            match tg.protocol_version() {
                Some(v) => Value::String(v.into()),
                None => prior.get("protocol_version").cloned().unwrap_or(Value::Null),
            },
        );
        a.insert("vpc_id".into(), s(tg.vpc_id()));
        a.insert("target_type".into(), Value::String(tg.target_type().map_or("instance", |t| t.as_str()).into()));
        a.insert(
            "deregistration_delay".into(),
            Value::String(attr("deregistration_delay.timeout_seconds").unwrap_or("300").into()),
        );
        a.insert("slow_start".into(), Value::Number(num("slow_start.duration_seconds", 0.0)));
        let n = |v: Option<i32>, d: i32| Value::Number(v.unwrap_or(d).into());
        a.insert(
            "health_check".into(),
            Value::List(vec![map(vec![
                ("enabled", Value::Bool(tg.health_check_enabled().unwrap_or(true))),
                ("healthy_threshold", n(tg.healthy_threshold_count(), 3)),
                ("unhealthy_threshold", n(tg.unhealthy_threshold_count(), 3)),
                ("interval", n(tg.health_check_interval_seconds(), 30)),
                ("timeout", n(tg.health_check_timeout_seconds(), 5)),
                (
                    "matcher",
                    Value::String(tg.matcher().and_then(|m| m.http_code().or(m.grpc_code())).unwrap_or("200").into()),
                ),
                ("path", Value::String(tg.health_check_path().unwrap_or("/").into())),
                ("port", Value::String(tg.health_check_port().unwrap_or("traffic-port").into())),
                ("protocol", Value::String(tg.health_check_protocol().map_or("HTTP", |p| p.as_str()).into())),
            ])]),
        );
        let sticky_type = attr("stickiness.type").unwrap_or("lb_cookie");
        let (duration_key, name) = if sticky_type == "app_cookie" {
            ("stickiness.app_cookie.duration_seconds", attr("stickiness.app_cookie.cookie_name").unwrap_or_default())
        } else {
            ("stickiness.lb_cookie.duration_seconds", "")
        };
        a.insert(
            "stickiness".into(),
            Value::List(vec![map(vec![
                ("type", Value::String(sticky_type.into())),
                ("enabled", Value::Bool(attr("stickiness.enabled") == Some("true"))),
                ("cookie_duration", Value::Number(num(duration_key, 86400.0))),
                ("cookie_name", Value::String(name.into())),
            ])]),
        );
        a.insert("tags_all".into(), user_tags(tags));
        a
    }

    /// The target group attributes `desired` sets that differ from `prior`.
    fn attribute_changes(desired: &Attrs, prior: &Attrs) -> Vec<TargetGroupAttribute> {
        let mut want: Vec<(String, String)> = vec![];
        let delay = |a: &Attrs| get_str(a, "deregistration_delay").map(str::to_string);
        if let Some(d) = delay(desired).filter(|d| Some(d) != delay(prior).as_ref()) {
            want.push(("deregistration_delay.timeout_seconds".into(), d));
        }
        let slow = |a: &Attrs| get_i32(a, "slow_start");
        if let Some(n) = slow(desired).filter(|n| Some(*n) != slow(prior)) {
            want.push(("slow_start.duration_seconds".into(), n.to_string()));
        }
        let sticky = |a: &Attrs| first_block(a, "stickiness").cloned();
        if let Some(m) = sticky(desired).filter(|m| Some(m) != sticky(prior).as_ref()) {
            let get = |k: &str| m.get(k);
            let kind = get("type").and_then(Value::as_str).unwrap_or("lb_cookie").to_string();
            want.push((
                "stickiness.enabled".into(),
                get("enabled").and_then(Value::as_bool).unwrap_or(true).to_string(),
            ));
            want.push(("stickiness.type".into(), kind.clone()));
            let duration = get("cookie_duration").and_then(Value::as_number).unwrap_or(86400.0) as i64;
            if kind == "app_cookie" {
                want.push(("stickiness.app_cookie.duration_seconds".into(), duration.to_string()));
                let name = get("cookie_name").and_then(Value::as_str).unwrap_or_default();
                want.push(("stickiness.app_cookie.cookie_name".into(), name.into()));
            } else {
                want.push(("stickiness.lb_cookie.duration_seconds".into(), duration.to_string()));
            }
        }
        want.into_iter().map(|(k, v)| TargetGroupAttribute::builder().key(k).value(v).build()).collect()
    }

    fn aws_defaults() -> Attrs {
        let mut a = Attrs::new();
        a.insert("deregistration_delay".into(), "300".into());
        a.insert("slow_start".into(), Value::Number(0.0));
        a
    }

    async fn modify_attributes(
        c: &Clients,
        arn: &str,
        changes: Vec<TargetGroupAttribute>,
    ) -> Result<(), ProviderError> {
        if changes.is_empty() {
            return Ok(());
        }
        c.elb
            .modify_target_group_attributes()
            .target_group_arn(arn)
            .set_attributes(Some(changes))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| sdk("ModifyTargetGroupAttributes", e))
    }

    /// The target group with this ARN, retried while it is not visible yet.
    async fn visible(c: &Clients, arn: &str) -> Result<Tg, ProviderError> {
        retry(
            Policy::NEW_OBJECT,
            || async {
                Self::describe(c, &[arn.to_string()]).await?.into_iter().next().ok_or_else(|| {
                    ProviderError::new(ProviderErrorKind::NotFound, format!("target group {arn} not found"))
                })
            },
            provision_aws_core::retry::nothing,
        )
        .await
    }

    async fn read_one(c: &Clients, arn: &str, prior: &Attrs) -> Result<Attrs, ProviderError> {
        let tg = Self::visible(c, arn).await?;
        let attributes = Self::attributes(c, arn).await?;
        let tags = tags_of(c, &[arn.to_string()]).await?.remove(arn).unwrap_or_default();
        Ok(Self::attrs(&tg, &attributes, &tags, prior))
    }

    /// What still forwards to the target group, for the message when the delete gives up.
    async fn users(c: &Clients, arn: &str) -> Option<String> {
        let tg = Self::describe(c, &[arn.to_string()]).await.ok()?.into_iter().next()?;
        let lbs = tg.load_balancer_arns();
        (!lbs.is_empty()).then(|| format!("a listener or rule of load balancer {} forwards to it", lbs.join(", ")))
    }
}

/// Sets the health check arguments of a create or modify request (the two builders share them).
macro_rules! with_health_check {
    ($req:expr, $hc:expr) => {{
        let mut r = $req;
        if let Some(m) = $hc {
            let num = |k: &str| m.get(k).and_then(Value::as_number).map(|n| n as i32);
            let text = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
            r = r
                .set_health_check_enabled(m.get("enabled").and_then(Value::as_bool))
                .set_healthy_threshold_count(num("healthy_threshold"))
                .set_unhealthy_threshold_count(num("unhealthy_threshold"))
                .set_health_check_interval_seconds(num("interval"))
                .set_health_check_timeout_seconds(num("timeout"))
                .set_health_check_port(text("port"))
                .set_health_check_protocol(text("protocol").map(|p| ProtocolEnum::from(p.as_str())));
            let protocol = text("protocol").unwrap_or_else(|| "HTTP".into());
            if protocol.starts_with("HTTP") {
                r = r
                    .set_health_check_path(text("path"))
                    .set_matcher(text("matcher").map(|c| Matcher::builder().http_code(c).build()));
            }
        }
        r
    }};
}

#[async_trait]
impl ResourceType for TargetGroup {
    fn name(&self) -> &'static str {
        self.name
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read_many(
        &self,
        _ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        if objects.is_empty() {
            return Ok(BTreeMap::new());
        }
        let c = self.ctx.clients().await?;
        let arns: Vec<String> = objects.iter().map(|(id, _)| id.clone()).collect();
        let found = Self::describe(c, &arns).await?;
        let found_arns: Vec<String> = found.iter().filter_map(|t| t.target_group_arn().map(str::to_string)).collect();
        let tags = tags_of(c, &found_arns).await?;
        let mut out = BTreeMap::new();
        for tg in &found {
            let Some(arn) = tg.target_group_arn() else { continue };
            let Some((_, prior)) = objects.iter().find(|(id, _)| id == arn) else { continue };
            let attributes = match Self::attributes(c, arn).await {
                Ok(a) => a,
                Err(e) if e.is_not_found() => continue,
                Err(e) => return Err(e),
            };
            out.insert(arn.to_string(), Self::attrs(tg, &attributes, tags.get(arn).map_or(&[], Vec::as_slice), prior));
        }
        Ok(out)
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let name = generated_name(ctx, desired, "tf-", 32);
        let tags = create_tags(&ctx.identity, desired.get("tags_all"));
        let req = c
            .elb
            .create_target_group()
            .name(&name)
            .set_port(get_i32(desired, "port"))
            .set_protocol(get_str(desired, "protocol").map(ProtocolEnum::from))
            .set_protocol_version(get_str(desired, "protocol_version").map(str::to_string))
            .set_vpc_id(get_str(desired, "vpc_id").map(str::to_string))
            .set_target_type(get_str(desired, "target_type").map(TargetTypeEnum::from))
            .set_tags(Some(tags.clone()));
        let req = with_health_check!(req, first_block(desired, "health_check"));
        let out = req.send().await.map_err(|e| sdk("CreateTargetGroup", e)).map_err(|mut e| {
            if e.code.as_deref() == Some("DuplicateTargetGroupName") {
                e.message = format!(
                    "target group {name}: a target group with this name exists already; names are unique in the region (use `name_prefix` to replace one with create_before_destroy): {}",
                    e.message
                );
            } else {
                e.message = format!("target group {name}: {}", e.message);
            }
            e
        })?;
        let arn = out
            .target_groups()
            .first()
            .and_then(|t| t.target_group_arn())
            .ok_or_else(|| ProviderError::new(ProviderErrorKind::Other, "CreateTargetGroup returned no ARN"))?
            .to_string();
        // Wait until the target group is visible before changing its attributes, as Terraform
        // does ("waiting for ELBv2 Target Group create"). Its tags are the ones just given; its
        // attributes, which no create response carries, are read after the change.
        let tg = provision_aws_core::waiting(Self::visible(c, &arn)).await?;
        ctx.status("setting attributes");
        Self::modify_attributes(c, &arn, Self::attribute_changes(desired, &Self::aws_defaults())).await?;
        let attributes = Self::attributes(c, &arn).await?;
        Ok(Self::attrs(&tg, &attributes, &tags, desired))
    }

    async fn update(&self, _ctx: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        sync_tags(c, id, prior.get("tags_all"), desired.get("tags_all")).await?;
        let hc = |a: &Attrs| first_block(a, "health_check").cloned();
        if let Some(h) = hc(desired).filter(|h| Some(h) != hc(prior).as_ref()) {
            let req = with_health_check!(c.elb.modify_target_group().target_group_arn(id), Some(&h));
            req.send().await.map_err(|e| sdk("ModifyTargetGroup", e))?;
        }
        Self::modify_attributes(c, id, Self::attribute_changes(desired, prior)).await?;
        Self::read_one(c, id, desired).await
    }

    async fn delete(&self, ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        ctx.status("deleting (retried while a listener or rule still forwards to it)");
        gone_is_ok(
            retry(
                Policy::in_use(ctx.remaining()),
                || async {
                    c.elb
                        .delete_target_group()
                        .target_group_arn(id)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|e| sdk("DeleteTargetGroup", e))
                        .map_err(|e| ProviderError { message: format!("target group {id}: {}", e.message), ..e })
                },
                || Self::users(c, id),
            )
            .await,
        )
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let c = self.ctx.clients().await?;
        let mut all = vec![];
        let mut pages = c.elb.describe_target_groups().page_size(400).into_paginator().send();
        while let Some(page) = pages.next().await {
            all.extend(page.map_err(|e| sdk("DescribeTargetGroups", e))?.target_groups().iter().cloned());
        }
        let arns: Vec<String> = all.iter().filter_map(|t| t.target_group_arn().map(str::to_string)).collect();
        let tags = tags_of(c, &arns).await?;
        let mut found = vec![];
        for tg in all {
            let Some(arn) = tg.target_group_arn() else { continue };
            let t = tags.get(arn).map_or(&[][..], Vec::as_slice);
            if tagged_for(t, &query.identity) {
                let attributes = Self::attributes(c, arn).await?;
                found.push(Found::ours(Self::attrs(&tg, &attributes, t, &query.desired)));
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_checked() {
        assert!(validate_delay(&"30".into()).is_ok());
        assert!(validate_delay(&"3601".into()).is_err());
        assert!(validate_slow_start(&Value::Number(10.0)).is_err());
        assert!(validate_slow_start(&Value::Number(0.0)).is_ok());
        let mut a = Attrs::new();
        a.insert("target_type".into(), "ip".into());
        assert!(check(&a).expect_err("refused").contains("`port`"));
        a.insert("target_type".into(), "lambda".into());
        assert!(check(&a).is_ok());
    }

    #[test]
    fn stickiness_changes_name_the_cookie_kind() {
        let mut desired = TargetGroup::aws_defaults();
        let block = map(vec![
            ("type", "app_cookie".into()),
            ("enabled", true.into()),
            ("cookie_duration", Value::Number(60.0)),
            ("cookie_name", "sid".into()),
        ]);
        desired.insert("stickiness".into(), Value::List(vec![block]));
        let keys: Vec<String> = TargetGroup::attribute_changes(&desired, &TargetGroup::aws_defaults())
            .iter()
            .filter_map(|a| a.key().map(str::to_string))
            .collect();
        assert!(keys.contains(&"stickiness.app_cookie.cookie_name".to_string()), "{keys:?}");
        assert!(!keys.iter().any(|k| k.starts_with("deregistration")), "{keys:?}");
    }
}
