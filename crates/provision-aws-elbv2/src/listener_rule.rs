//! `aws_lb_listener_rule`: a rule of a listener (conditions on path, host or header, and the
//! actions taken when they match). Actions and conditions change in place with one `ModifyRule`,
//! the priority with `SetRulePriorities`; a move to another listener replaces it. Rules cannot be
//! listed by tag, so a refresh asks once per listener (`DescribeRules`) and once per 20 rules for
//! tags.

use crate::actions;
use crate::common::{create_tags, get_num, get_str, s, string_set, strings, sync_tags, tagged_for, tags_of, user_tags};
use crate::context::{Clients, Context};
use crate::error::sdk;
use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::types::{
    HostHeaderConditionConfig, HttpHeaderConditionConfig, PathPatternConditionConfig, Rule as Sdk, RuleCondition,
    RulePriorityPair, Tag,
};
use provision_aws_core::retry::{Policy, nothing, retry};
use provision_core::{
    AttributeSchema, Attrs, BlockSchema, FindQuery, Found, Nesting, OpContext, ProviderError, ProviderErrorKind,
    ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;

pub(crate) struct ListenerRule {
    ctx: Arc<Context>,
    schema: Schema,
}

fn validate_priority(v: &Value) -> Result<(), String> {
    match v.as_number() {
        Some(p) if !(1.0..=50000.0).contains(&p) => Err(format!("{p} is outside 1 to 50000")),
        _ => Ok(()),
    }
}

fn values_block(what: &'static str) -> Schema {
    Schema::new(what).attr(
        AttributeSchema::required("values", Type::set(Type::String)).describe("Patterns; `*` and `?` are wildcards."),
    )
}

fn condition_schema() -> Schema {
    let header = Schema::new("An HTTP header condition.")
        .attr(AttributeSchema::required("http_header_name", Type::String).describe("The header's name."))
        .attr(AttributeSchema::required("values", Type::set(Type::String)).describe("Patterns its value must match."));
    Schema::new("A condition.")
        .block(BlockSchema::new(
            "path_pattern",
            Nesting::List,
            values_block("The request path matches one of the values."),
            "At most one.",
        ))
        .block(BlockSchema::new(
            "host_header",
            Nesting::List,
            values_block("The Host header matches one of the values."),
            "At most one.",
        ))
        .block(BlockSchema::new("http_header", Nesting::List, header, "At most one."))
}

fn check(a: &Attrs) -> Result<(), String> {
    if a.get("action").and_then(Value::as_seq).is_some_and(<[Value]>::is_empty) {
        return Err("at least one `action` block is required".into());
    }
    if a.get("condition").and_then(Value::as_seq).is_some_and(<[Value]>::is_empty) {
        return Err("at least one `condition` block is required".into());
    }
    for c in a.get("condition").and_then(Value::as_seq).unwrap_or_default() {
        let Some(m) = c.as_map() else { continue };
        let written = ["path_pattern", "host_header", "http_header"]
            .iter()
            .filter(|k| m.get(**k).and_then(Value::as_seq).is_some_and(|s| !s.is_empty()))
            .count();
        if written != 1 {
            return Err(
                "each `condition` block holds exactly one of `path_pattern`, `host_header`, `http_header`".into()
            );
        }
    }
    Ok(())
}

fn values(m: &BTreeMap<String, Value>) -> Vec<String> {
    strings(m.get("values"))
}

/// The configured condition blocks as SDK conditions.
fn conditions_to_sdk(v: Option<&Value>) -> Vec<RuleCondition> {
    let first = |m: &BTreeMap<String, Value>, k: &str| {
        m.get(k).and_then(Value::as_seq).and_then(|s| s.first()).and_then(Value::as_map).cloned()
    };
    let mut out = vec![];
    for c in v.and_then(Value::as_seq).unwrap_or_default() {
        let Some(m) = c.as_map() else { continue };
        if let Some(p) = first(m, "path_pattern") {
            out.push(
                RuleCondition::builder()
                    .field("path-pattern")
                    .path_pattern_config(PathPatternConditionConfig::builder().set_values(Some(values(&p))).build())
                    .build(),
            );
        } else if let Some(h) = first(m, "host_header") {
            out.push(
                RuleCondition::builder()
                    .field("host-header")
                    .host_header_config(HostHeaderConditionConfig::builder().set_values(Some(values(&h))).build())
                    .build(),
            );
        } else if let Some(h) = first(m, "http_header") {
            out.push(
                RuleCondition::builder()
                    .field("http-header")
                    .http_header_config(
                        HttpHeaderConditionConfig::builder()
                            .set_http_header_name(h.get("http_header_name").and_then(Value::as_str).map(str::to_string))
                            .set_values(Some(values(&h)))
                            .build(),
                    )
                    .build(),
            );
        }
    }
    out
}

/// AWS's conditions as condition blocks.
fn conditions_from_sdk(conditions: &[RuleCondition]) -> Value {
    let block = |pairs: Vec<(&str, Value)>| Value::Map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect());
    let mut out = vec![];
    for c in conditions {
        let (mut path, mut host, mut header) = (vec![], vec![], vec![]);
        let legacy = c.values();
        match c.field() {
            Some("path-pattern") => {
                let v = c.path_pattern_config().map_or(legacy, |p| p.values());
                path.push(block(vec![("values", string_set(v.iter().map(String::as_str)))]));
            }
            Some("host-header") => {
                let v = c.host_header_config().map_or(legacy, |p| p.values());
                host.push(block(vec![("values", string_set(v.iter().map(String::as_str)))]));
            }
            Some("http-header") => {
                let h = c.http_header_config();
                header.push(block(vec![
                    ("http_header_name", s(h.and_then(|h| h.http_header_name()))),
                    ("values", string_set(h.map_or(&[][..], |h| h.values()).iter().map(String::as_str))),
                ]));
            }
            _ => continue,
        }
        out.push(block(vec![
            ("path_pattern", Value::List(path)),
            ("host_header", Value::List(host)),
            ("http_header", Value::List(header)),
        ]));
    }
    Value::set(out)
}

impl ListenerRule {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("A rule of a load balancer's listener.")
            .with_id()
            .attr(AttributeSchema::computed("arn", Type::String).describe("The rule's ARN (also its `id`)."))
            .attr(AttributeSchema::required("listener_arn", Type::String).force_new().describe("The listener."))
            .attr(
                AttributeSchema::optional_computed("priority", Type::Number)
                    .validate(validate_priority)
                    .describe("1 to 50000, lowest first, unique in the listener. When unset, one more than the listener's highest when it is created. Changed in place (`SetRulePriorities`)."),
            )
            .block(BlockSchema::new("action", Nesting::List, actions::schema(), "What to do with matching requests (one or more). Changed in place with the conditions in one `ModifyRule`."))
            .block(BlockSchema::new("condition", Nesting::Set, condition_schema(), "What requests match (one or more; each holds one condition). Changed in place (`ModifyRule`)."))
            .check(check)
            .runtime_layer()
            .with_tags();
        ListenerRule { ctx, schema }
    }

    fn attrs(r: &Sdk, listener: &str, tags: &[Tag], prior: &Attrs) -> Attrs {
        let arn = r.rule_arn().unwrap_or_default();
        let mut a = Attrs::new();
        a.insert("id".into(), Value::String(arn.into()));
        a.insert("arn".into(), Value::String(arn.into()));
        a.insert("listener_arn".into(), Value::String(listener.into()));
        a.insert(
            "priority".into(),
            r.priority().and_then(|p| p.parse::<f64>().ok()).map_or(Value::Null, Value::Number),
        );
        a.insert("action".into(), actions::from_sdk(r.actions(), prior.get("action")));
        a.insert("condition".into(), conditions_from_sdk(r.conditions()));
        a.insert("tags_all".into(), user_tags(tags));
        a
    }

    /// The rules of one listener, the default rule left out (none if the listener is gone).
    async fn of_listener(c: &Clients, listener: &str) -> Result<Vec<Sdk>, ProviderError> {
        let mut out = vec![];
        let mut marker: Option<String> = None;
        loop {
            match c.elb.describe_rules().listener_arn(listener).set_marker(marker.clone()).page_size(400).send().await {
                Ok(p) => {
                    out.extend(p.rules().iter().filter(|r| r.is_default() != Some(true)).cloned());
                    marker = p.next_marker().filter(|m| !m.is_empty()).map(str::to_string);
                    if marker.is_none() {
                        return Ok(out);
                    }
                }
                Err(e) => {
                    let e = sdk("DescribeRules", e);
                    return if e.is_not_found() { Ok(vec![]) } else { Err(e) };
                }
            }
        }
    }

    async fn read_one(c: &Clients, arn: &str, prior: &Attrs) -> Result<Attrs, ProviderError> {
        let listener = get_str(prior, "listener_arn").unwrap_or_default().to_string();
        let r = retry(
            Policy::NEW_OBJECT,
            || async {
                let r = c.elb.describe_rules().rule_arns(arn).send().await.map_err(|e| sdk("DescribeRules", e))?;
                r.rules()
                    .first()
                    .cloned()
                    .ok_or_else(|| ProviderError::new(ProviderErrorKind::NotFound, format!("rule {arn} not found")))
            },
            nothing,
        )
        .await?;
        let tags = tags_of(c, &[arn.to_string()]).await?.remove(arn).unwrap_or_default();
        Ok(Self::attrs(&r, &listener, &tags, prior))
    }
}

#[async_trait]
impl ResourceType for ListenerRule {
    fn name(&self) -> &'static str {
        "aws_lb_listener_rule"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn attributes_from_terraform(&self, attributes: &Attrs) -> Attrs {
        let mut a = provision_core::provider::unset_from_terraform(&self.schema, attributes);
        if let Some(actions) = actions::from_terraform(attributes.get("action")) {
            a.insert("action".into(), actions);
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
        let mut listeners: Vec<&str> = objects.iter().filter_map(|(_, a)| get_str(a, "listener_arn")).collect();
        listeners.sort();
        listeners.dedup();
        let mut found = vec![];
        for l in listeners {
            for r in Self::of_listener(c, l).await? {
                if let Some((_, prior)) = objects.iter().find(|(id, _)| Some(id.as_str()) == r.rule_arn()) {
                    found.push((r, l, prior));
                }
            }
        }
        let arns: Vec<String> = found.iter().filter_map(|(r, _, _)| r.rule_arn().map(str::to_string)).collect();
        let tags = tags_of(c, &arns).await?;
        Ok(found
            .iter()
            .filter_map(|(r, l, prior)| {
                let arn = r.rule_arn()?;
                Some((arn.to_string(), Self::attrs(r, l, tags.get(arn).map_or(&[], Vec::as_slice), prior)))
            })
            .collect())
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let listener = get_str(desired, "listener_arn").unwrap_or_default();
        let priority = match get_num(desired, "priority") {
            Some(p) => p as i32,
            None => {
                let highest = Self::of_listener(c, listener)
                    .await?
                    .iter()
                    .filter_map(|r| r.priority()?.parse::<i32>().ok())
                    .max()
                    .unwrap_or(0);
                highest + 1
            }
        };
        let what = format!("rule with priority {priority} of listener {listener}");
        let tags = create_tags(&ctx.identity, desired.get("tags_all"));
        let out = c
            .elb
            .create_rule()
            .listener_arn(listener)
            .priority(priority)
            .set_conditions(Some(conditions_to_sdk(desired.get("condition"))))
            .set_actions(Some(actions::to_sdk(&what, desired.get("action"))?))
            .set_tags(Some(tags.clone()))
            .send()
            .await
            .map_err(|e| sdk("CreateRule", e))
            .map_err(|e| ProviderError { message: format!("{what}: {}", e.message), ..e })?;
        // The response is the rule as DescribeRules shows it, and its tags are the ones just
        // given: nothing to read back.
        let r = out
            .rules()
            .first()
            .filter(|r| r.rule_arn().is_some())
            .ok_or_else(|| ProviderError::new(ProviderErrorKind::Other, "CreateRule returned no ARN"))?;
        Ok(Self::attrs(r, listener, &tags, desired))
    }

    async fn update(&self, _ctx: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let what = format!("rule {id}");
        sync_tags(c, id, prior.get("tags_all"), desired.get("tags_all")).await?;
        let differs = |k: &str| !desired.get(k).unwrap_or(&Value::Null).same_as(prior.get(k).unwrap_or(&Value::Null));
        if let Some(p) = get_num(desired, "priority").filter(|_| differs("priority")) {
            c.elb
                .set_rule_priorities()
                .rule_priorities(RulePriorityPair::builder().rule_arn(id).priority(p as i32).build())
                .send()
                .await
                .map_err(|e| sdk("SetRulePriorities", e))
                .map_err(|e| ProviderError { message: format!("{what}: {}", e.message), ..e })?;
        }
        if differs("action") || differs("condition") {
            c.elb
                .modify_rule()
                .rule_arn(id)
                .set_conditions(Some(conditions_to_sdk(desired.get("condition"))))
                .set_actions(Some(actions::to_sdk(&what, desired.get("action"))?))
                .send()
                .await
                .map_err(|e| sdk("ModifyRule", e))
                .map_err(|e| ProviderError { message: format!("{what}: {}", e.message), ..e })?;
        }
        Self::read_one(c, id, desired).await
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        match c.elb.delete_rule().rule_arn(id).send().await {
            Ok(_) => Ok(()),
            Err(e) => {
                let e = sdk("DeleteRule", e);
                if e.is_not_found() {
                    Ok(())
                } else {
                    Err(ProviderError { message: format!("rule {id}: {}", e.message), ..e })
                }
            }
        }
    }

    /// The rules of the configured listener tagged for the address (the tagging API does not
    /// list rules).
    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let c = self.ctx.clients().await?;
        let Some(listener) = get_str(&query.desired, "listener_arn") else { return Ok(vec![]) };
        let all = Self::of_listener(c, listener).await?;
        let arns: Vec<String> = all.iter().filter_map(|r| r.rule_arn().map(str::to_string)).collect();
        let tags = tags_of(c, &arns).await?;
        Ok(all
            .iter()
            .filter_map(|r| {
                let t = tags.get(r.rule_arn()?).map_or(&[][..], Vec::as_slice);
                tagged_for(t, &query.identity).then(|| Found::ours(Self::attrs(r, listener, t, &query.desired)))
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(kind: &str, vals: &[&str]) -> Value {
        let inner = Value::Map([("values".to_string(), string_set(vals.iter().copied()))].into());
        let mut m: BTreeMap<String, Value> = ["path_pattern", "host_header", "http_header"]
            .iter()
            .map(|k| (k.to_string(), Value::List(vec![])))
            .collect();
        m.insert(kind.into(), Value::List(vec![inner]));
        Value::Map(m)
    }

    #[test]
    fn conditions_round_trip() {
        let config = Value::set(vec![cond("path_pattern", &["/api/*"]), cond("host_header", &["example.com"])]);
        let sdk = conditions_to_sdk(Some(&config));
        assert_eq!(sdk.len(), 2);
        assert!(conditions_from_sdk(&sdk).same_as(&config));
    }

    #[test]
    fn a_condition_holds_one_kind() {
        let mut a = Attrs::new();
        a.insert("action".into(), Value::List(vec![Value::Null]));
        a.insert("condition".into(), Value::set(vec![cond("path_pattern", &["/x"])]));
        assert!(check(&a).is_ok());
        let mut two = cond("path_pattern", &["/x"]);
        if let Value::Map(m) = &mut two {
            m.insert("host_header".into(), Value::List(vec![Value::Map(Default::default())]));
        }
        a.insert("condition".into(), Value::set(vec![two]));
        assert!(check(&a).is_err());
    }
}
