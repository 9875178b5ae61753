//! `aws_lb_listener` (also spelled `aws_alb_listener`): a port of a load balancer and what it does
//! with requests (forward, redirect, fixed response). Changed in place with `ModifyListener`;
//! replaced only when it moves to another load balancer. The ELBv2 API cannot list listeners by
//! tag, so a refresh asks once per load balancer (`DescribeListeners`) and once per 20 listeners
//! for tags.

use crate::actions;
use crate::common::{create_tags, get_i32, get_str, s, sync_tags, tagged_for, tags_of, user_tags};
use crate::context::{Clients, Context};
use crate::error::sdk;
use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::types::{Certificate, Listener as Sdk, ProtocolEnum, Tag};
use provision_aws_core::retry::{Policy, nothing, retry};
use provision_core::{
    AttributeSchema, Attrs, BlockSchema, FindQuery, Found, Nesting, OpContext, ProviderError, ProviderErrorKind,
    ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// Terraform's default `ssl_policy` for HTTPS listeners (provider 5.x).
pub(crate) const DEFAULT_SSL_POLICY: &str = "ELBSecurityPolicy-2016-08";

/// Terraform's defaults for listeners: 5 minutes.
const TIMEOUT: Duration = Duration::from_secs(300);

pub(crate) struct Listener {
    ctx: Arc<Context>,
    schema: Schema,
    name: &'static str,
}

fn validate_protocol(v: &Value) -> Result<(), String> {
    match v.as_str() {
        Some("HTTP" | "HTTPS" | "TCP" | "TLS" | "UDP" | "TCP_UDP") | None => Ok(()),
        Some(p) => Err(format!("{p:?} is not one of HTTP, HTTPS, TCP, TLS, UDP, TCP_UDP")),
    }
}

fn validate_port(v: &Value) -> Result<(), String> {
    match v.as_number() {
        Some(p) if !(1.0..=65535.0).contains(&p) => Err(format!("{p} is not a port (1 to 65535)")),
        _ => Ok(()),
    }
}

fn check(a: &Attrs) -> Result<(), String> {
    let https = matches!(a.get("protocol").and_then(Value::as_str), Some("HTTPS" | "TLS"));
    if https && a.get("certificate_arn").is_some_and(Value::is_null) {
        return Err("an HTTPS or TLS listener needs `certificate_arn`".into());
    }
    if a.get("default_action").and_then(Value::as_seq).is_some_and(<[Value]>::is_empty) {
        return Err("at least one `default_action` block is required".into());
    }
    Ok(())
}

impl Listener {
    pub fn new(ctx: Arc<Context>, name: &'static str) -> Self {
        let schema = Schema::new("A listener of a load balancer.")
            .with_id()
            .attr(AttributeSchema::computed("arn", Type::String).describe("The listener's ARN (also its `id`)."))
            .attr(AttributeSchema::required("load_balancer_arn", Type::String).force_new().describe("The load balancer."))
            .attr(AttributeSchema::optional("port", Type::Number).validate(validate_port).describe("The port it listens on. Changed in place (`ModifyListener`)."))
            .attr(
                AttributeSchema::optional_computed("protocol", Type::String)
                    .validate(validate_protocol)
                    .describe("`HTTP` or `HTTPS` for an application load balancer; `TCP`, `TLS`, `UDP`, `TCP_UDP` for a network one. When unset, AWS's default (`HTTP` for an application load balancer). Changed in place."),
            )
            .attr(AttributeSchema::optional_computed("ssl_policy", Type::String).describe("The TLS policy of an HTTPS or TLS listener; Terraform's default `ELBSecurityPolicy-2016-08` when unset. Changed in place."))
            .attr(AttributeSchema::optional("certificate_arn", Type::String).describe("The default certificate of an HTTPS or TLS listener (required for them, checked at plan time). More certificates: `aws_lb_listener_certificate`. Changed in place."))
            .block(BlockSchema::new("default_action", Nesting::List, actions::schema(), "What the listener does with requests no rule matches (one or more). Changed in place."))
            .check(check)
            .runtime_layer()
            .timeouts(TIMEOUT, TIMEOUT, TIMEOUT)
            .with_tags();
        Listener { ctx, schema, name }
    }

    fn attrs(l: &Sdk, tags: &[Tag], prior: &Attrs) -> Attrs {
        let arn = l.listener_arn().unwrap_or_default();
        let mut a = Attrs::new();
        a.insert("id".into(), Value::String(arn.into()));
        a.insert("arn".into(), Value::String(arn.into()));
        a.insert("load_balancer_arn".into(), s(l.load_balancer_arn()));
        a.insert("port".into(), l.port().map_or(Value::Null, |p| Value::Number(p.into())));
        a.insert("protocol".into(), s(l.protocol().map(|p| p.as_str())));
        a.insert("ssl_policy".into(), s(l.ssl_policy()));
        let cert = l.certificates().iter().find(|c| c.is_default() != Some(false)).and_then(|c| c.certificate_arn());
        a.insert("certificate_arn".into(), s(cert));
        a.insert("default_action".into(), actions::from_sdk(l.default_actions(), prior.get("default_action")));
        a.insert("tags_all".into(), user_tags(tags));
        a
    }

    /// The listeners of one load balancer (none if it is gone).
    async fn of_load_balancer(c: &Clients, lb: &str) -> Result<Vec<Sdk>, ProviderError> {
        let mut out = vec![];
        let mut pages = c.elb.describe_listeners().load_balancer_arn(lb).page_size(400).into_paginator().send();
        while let Some(page) = pages.next().await {
            match page {
                Ok(p) => out.extend(p.listeners().iter().cloned()),
                Err(e) => {
                    let e = sdk("DescribeListeners", e);
                    if e.is_not_found() {
                        return Ok(vec![]);
                    }
                    return Err(e);
                }
            }
        }
        Ok(out)
    }

    async fn read_one(c: &Clients, arn: &str, prior: &Attrs) -> Result<Attrs, ProviderError> {
        let l = Self::visible(c, arn).await?;
        let tags = tags_of(c, &[arn.to_string()]).await?.remove(arn).unwrap_or_default();
        Ok(Self::attrs(&l, &tags, prior))
    }

    /// The listener with this ARN, retried while it is not visible yet.
    async fn visible(c: &Clients, arn: &str) -> Result<Sdk, ProviderError> {
        retry(
            Policy::NEW_OBJECT,
            || async {
                let r = c
                    .elb
                    .describe_listeners()
                    .listener_arns(arn)
                    .send()
                    .await
                    .map_err(|e| sdk("DescribeListeners", e))?;
                r.listeners()
                    .first()
                    .cloned()
                    .ok_or_else(|| ProviderError::new(ProviderErrorKind::NotFound, format!("listener {arn} not found")))
            },
            nothing,
        )
        .await
    }

    fn certificates(desired: &Attrs) -> Option<Vec<Certificate>> {
        get_str(desired, "certificate_arn").map(|c| vec![Certificate::builder().certificate_arn(c).build()])
    }

    fn ssl_policy(desired: &Attrs) -> Option<String> {
        let secure = matches!(get_str(desired, "protocol"), Some("HTTPS" | "TLS"));
        get_str(desired, "ssl_policy").map(str::to_string).or_else(|| secure.then(|| DEFAULT_SSL_POLICY.to_string()))
    }
}

#[async_trait]
impl ResourceType for Listener {
    fn name(&self) -> &'static str {
        self.name
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn attributes_from_terraform(&self, attributes: &Attrs) -> Attrs {
        let mut a = provision_core::provider::unset_from_terraform(&self.schema, attributes);
        if let Some(actions) = actions::from_terraform(attributes.get("default_action")) {
            a.insert("default_action".into(), actions);
        }
        a
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
        let mut lbs: Vec<&str> = objects.iter().filter_map(|(_, a)| get_str(a, "load_balancer_arn")).collect();
        lbs.sort();
        lbs.dedup();
        let mut found = vec![];
        for lb in lbs {
            found.extend(
                Self::of_load_balancer(c, lb)
                    .await?
                    .into_iter()
                    .filter(|l| objects.iter().any(|(id, _)| Some(id.as_str()) == l.listener_arn())),
            );
        }
        let arns: Vec<String> = found.iter().filter_map(|l| l.listener_arn().map(str::to_string)).collect();
        let tags = tags_of(c, &arns).await?;
        let mut out = BTreeMap::new();
        for l in &found {
            let Some(arn) = l.listener_arn() else { continue };
            let Some((_, prior)) = objects.iter().find(|(id, _)| id == arn) else { continue };
            out.insert(arn.to_string(), Self::attrs(l, tags.get(arn).map_or(&[], Vec::as_slice), prior));
        }
        Ok(out)
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let lb = get_str(desired, "load_balancer_arn").unwrap_or_default();
        let what = format!("listener on port {} of {lb}", get_i32(desired, "port").unwrap_or_default());
        let tags = create_tags(&ctx.identity, desired.get("tags_all"));
        let out = c
            .elb
            .create_listener()
            .load_balancer_arn(lb)
            .set_port(get_i32(desired, "port"))
            .set_protocol(get_str(desired, "protocol").map(ProtocolEnum::from))
            .set_ssl_policy(Self::ssl_policy(desired))
            .set_certificates(Self::certificates(desired))
            .set_default_actions(Some(actions::to_sdk(&what, desired.get("default_action"))?))
            .set_tags(Some(tags.clone()))
            .send()
            .await
            .map_err(|e| sdk("CreateListener", e))
            .map_err(|e| ProviderError { message: format!("{what}: {}", e.message), ..e })?;
        let arn = out
            .listeners()
            .first()
            .and_then(|l| l.listener_arn())
            .ok_or_else(|| ProviderError::new(ProviderErrorKind::Other, "CreateListener returned no ARN"))?;
        // Wait until the listener is visible, as Terraform does ("waiting for ELBv2 Listener
        // create"): rules and certificates are added to it next. Its tags are the ones just given.
        let l = provision_aws_core::waiting(Self::visible(c, arn)).await?;
        Ok(Self::attrs(&l, &tags, desired))
    }

    async fn update(&self, _ctx: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        sync_tags(c, id, prior.get("tags_all"), desired.get("tags_all")).await?;
        let changed = ["port", "protocol", "ssl_policy", "certificate_arn", "default_action"]
            .iter()
            .any(|k| !desired.get(*k).unwrap_or(&Value::Null).same_as(prior.get(*k).unwrap_or(&Value::Null)));
        if changed {
            let what = format!("listener {id}");
            c.elb
                .modify_listener()
                .listener_arn(id)
                .set_port(get_i32(desired, "port"))
                .set_protocol(get_str(desired, "protocol").map(ProtocolEnum::from))
                .set_ssl_policy(Self::ssl_policy(desired))
                .set_certificates(Self::certificates(desired))
                .set_default_actions(Some(actions::to_sdk(&what, desired.get("default_action"))?))
                .send()
                .await
                .map_err(|e| sdk("ModifyListener", e))
                .map_err(|e| ProviderError { message: format!("{what}: {}", e.message), ..e })?;
        }
        Self::read_one(c, id, desired).await
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        match c.elb.delete_listener().listener_arn(id).send().await {
            Ok(_) => Ok(()),
            Err(e) => {
                let e = sdk("DeleteListener", e);
                if e.is_not_found() {
                    Ok(())
                } else {
                    Err(ProviderError { message: format!("listener {id}: {}", e.message), ..e })
                }
            }
        }
    }

    /// The listeners of the configured load balancer tagged for the address (the tagging API
    /// does not list listeners).
    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let c = self.ctx.clients().await?;
        let Some(lb) = get_str(&query.desired, "load_balancer_arn") else { return Ok(vec![]) };
        let all = Self::of_load_balancer(c, lb).await?;
        let arns: Vec<String> = all.iter().filter_map(|l| l.listener_arn().map(str::to_string)).collect();
        let tags = tags_of(c, &arns).await?;
        Ok(all
            .iter()
            .filter_map(|l| {
                let t = tags.get(l.listener_arn()?).map_or(&[][..], Vec::as_slice);
                tagged_for(t, &query.identity).then(|| Found::ours(Self::attrs(l, t, &query.desired)))
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_needs_a_certificate_and_gets_the_default_policy() {
        let mut a = Attrs::new();
        a.insert("protocol".into(), "HTTPS".into());
        a.insert("certificate_arn".into(), Value::Null);
        assert!(check(&a).is_err());
        a.insert("certificate_arn".into(), "arn:aws:acm:x".into());
        assert!(check(&a).is_ok());
        assert_eq!(Listener::ssl_policy(&a).as_deref(), Some(DEFAULT_SSL_POLICY));
        a.insert("protocol".into(), "HTTP".into());
        assert_eq!(Listener::ssl_policy(&a), None);
    }
}
