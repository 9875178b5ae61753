//! `aws_cloudwatch_metric_alarm`: an alarm on one metric (or on metric math, `metric_query`),
//! with the actions taken when it changes state.
//!
//! Alarms are named uniquely per region and account, so an interrupted create is recovered by
//! name (its identity tags say whose it is). `PutMetricAlarm` replaces the whole definition, so an
//! update sends everything again; tags are changed apart (`PutMetricAlarm` only sets them on
//! create). Alarms default to the base layer; one that refers to a runtime object (a load
//! balancer's metrics) is pulled into the runtime layer by that reference.

use crate::util::{get_bool, get_i32, get_str, get_string, get_strings, s, string_set};
use crate::{Clients, Context, sdk};
use async_trait::async_trait;
use aws_sdk_cloudwatch::types::{
    AlarmType, ComparisonOperator, Dimension, Metric, MetricAlarm as AwsAlarm, MetricDataQuery, MetricStat,
    StandardUnit, Statistic, Tag,
};
use provision_aws_core::retry::{Policy, gone_is_ok, nothing, retry};
use provision_aws_core::tags;
use provision_core::{
    AttributeSchema, Attrs, BlockSchema, FindQuery, Found, IdentityStrategy, Nesting, OpContext, ProviderError,
    ProviderErrorKind, ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Alarm names per `DescribeAlarms` call (the API's limit).
const DESCRIBE_BATCH: usize = 100;

const OPERATORS: &[&str] = &[
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
    "LessThanLowerOrGreaterThanUpperThreshold",
    "LessThanLowerThreshold",
    "GreaterThanUpperThreshold",
];

const STATISTICS: &[&str] = &["SampleCount", "Average", "Sum", "Minimum", "Maximum"];

fn operator(v: &Value) -> Result<(), String> {
    provision_aws_core::validate::one_of(v, OPERATORS, "comparison operator")
}

fn statistic(v: &Value) -> Result<(), String> {
    provision_aws_core::validate::one_of(v, STATISTICS, "statistic")
}

fn missing_data(v: &Value) -> Result<(), String> {
    provision_aws_core::validate::one_of(v, &["missing", "ignore", "breaching", "notBreaching"], "treat_missing_data")
}

fn low_sample(v: &Value) -> Result<(), String> {
    provision_aws_core::validate::one_of(v, &["evaluate", "ignore"], "evaluate_low_sample_count_percentiles")
}

fn alarm_name(v: &Value) -> Result<(), String> {
    match v.as_str() {
        Some(n) if n.is_empty() || n.len() > 255 => Err("an alarm name is 1 to 255 characters".into()),
        _ => Ok(()),
    }
}

/// One metric or metric math, a statistic or an extended statistic.
fn arguments(a: &Attrs) -> Result<(), String> {
    let set = |k: &str| a.get(k).is_some_and(|v| !v.is_null());
    let queries = a.get("metric_query").and_then(Value::as_seq).is_some_and(|q| !q.is_empty());
    if set("statistic") && set("extended_statistic") {
        return Err("set only one of `statistic` and `extended_statistic`".into());
    }
    if queries && (set("metric_name") || set("namespace") || set("statistic") || set("period")) {
        return Err(
            "with `metric_query` blocks, leave `metric_name`, `namespace`, `statistic` and `period` unset".into()
        );
    }
    if !queries && !set("metric_name") {
        return Err("set `metric_name` (with `namespace`, `period` and a statistic), or `metric_query` blocks".into());
    }
    if !queries && !set("threshold") && !set("threshold_metric_id") {
        return Err("set `threshold` (or `threshold_metric_id` for an anomaly detection band)".into());
    }
    Ok(())
}

fn metric_query_block() -> BlockSchema {
    let metric = Schema::new("The metric a query reads.")
        .attr(AttributeSchema::required("metric_name", Type::String).describe("The metric's name."))
        .attr(AttributeSchema::optional("namespace", Type::String).describe("The metric's namespace."))
        .attr(AttributeSchema::required("period", Type::Number).describe("The period in seconds."))
        .attr(AttributeSchema::required("stat", Type::String).describe("The statistic (`Average`, `p99`, ...)."))
        .attr(AttributeSchema::optional("unit", Type::String).describe("The unit."))
        .attr(AttributeSchema::optional("dimensions", Type::map(Type::String)).describe("The metric's dimensions."));
    let query = Schema::new("A metric or a metric math expression.")
        .attr(AttributeSchema::required("id", Type::String).describe("A short id for the query, used in expressions."))
        .attr(AttributeSchema::optional("expression", Type::String).describe("A metric math expression."))
        .attr(AttributeSchema::optional("label", Type::String).describe("A label for the result."))
        .attr(
            AttributeSchema::optional("return_data", Type::Bool)
                .default(false)
                .describe("This query's result is what the alarm watches (exactly one query)."),
        )
        .attr(AttributeSchema::optional("period", Type::Number).describe("The period of an expression, in seconds."))
        .attr(AttributeSchema::optional("account_id", Type::String).describe("The account of a cross-account metric."))
        .block(BlockSchema::new("metric", Nesting::List, metric, "The metric this query reads (at most one)."));
    BlockSchema::new("metric_query", Nesting::Set, query, "Metric math: queries whose result the alarm watches.")
}

pub(crate) struct MetricAlarm {
    ctx: Arc<Context>,
    schema: Schema,
}

impl MetricAlarm {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("A CloudWatch alarm on a metric or on metric math.")
            .with_id()
            .attr(AttributeSchema::computed("arn", Type::String).describe("The alarm's ARN."))
            .attr(
                AttributeSchema::required("alarm_name", Type::String)
                    .force_new()
                    .validate(alarm_name)
                    .describe("The alarm's name, unique in the region (also its id). A change replaces the alarm."),
            )
            .attr(
                AttributeSchema::required("comparison_operator", Type::String)
                    .validate(operator)
                    .describe("How the statistic is compared with the threshold, e.g. `GreaterThanOrEqualToThreshold`. Checked at plan time."),
            )
            .attr(
                AttributeSchema::required("evaluation_periods", Type::Number)
                    .describe("How many periods are compared with the threshold."),
            )
            .attr(AttributeSchema::optional("metric_name", Type::String).describe("The metric, e.g. `5xxErrorRate`."))
            .attr(AttributeSchema::optional("namespace", Type::String).describe("The metric's namespace, e.g. `AWS/CloudFront`."))
            .attr(AttributeSchema::optional("period", Type::Number).describe("The period of the statistic, in seconds."))
            .attr(
                AttributeSchema::optional("statistic", Type::String)
                    .validate(statistic)
                    .describe("`SampleCount`, `Average`, `Sum`, `Minimum` or `Maximum` (or set `extended_statistic`)."),
            )
            .attr(AttributeSchema::optional("extended_statistic", Type::String).describe("A percentile, e.g. `p99`."))
            .attr(AttributeSchema::optional("threshold", Type::Number).describe("The value the statistic is compared with."))
            .attr(
                AttributeSchema::optional("threshold_metric_id", Type::String)
                    .describe("The `metric_query` id of an anomaly detection band used as the threshold."),
            )
            .attr(AttributeSchema::optional("alarm_description", Type::String).describe("A description."))
            .attr(
                AttributeSchema::optional("actions_enabled", Type::Bool)
                    .default(true)
                    .describe("Whether the actions run when the state changes."),
            )
            .attr(
                AttributeSchema::optional("alarm_actions", Type::set(Type::String))
                    .describe("ARNs to notify when the alarm goes to ALARM (SNS topics, Auto Scaling policies)."),
            )
            .attr(
                AttributeSchema::optional("ok_actions", Type::set(Type::String))
                    .describe("ARNs to notify when the alarm goes to OK."),
            )
            .attr(
                AttributeSchema::optional("insufficient_data_actions", Type::set(Type::String))
                    .describe("ARNs to notify when the alarm goes to INSUFFICIENT_DATA."),
            )
            .attr(
                AttributeSchema::optional("dimensions", Type::map(Type::String))
                    .describe("The metric's dimensions, e.g. `{ DistributionId = ..., Region = \"Global\" }`."),
            )
            .attr(
                AttributeSchema::optional("treat_missing_data", Type::String)
                    .default("missing")
                    .validate(missing_data)
                    .describe("`missing` (the default), `ignore`, `breaching` or `notBreaching`."),
            )
            .attr(
                AttributeSchema::optional("datapoints_to_alarm", Type::Number)
                    .describe("How many of `evaluation_periods` must breach (M of N); all of them when unset."),
            )
            .attr(AttributeSchema::optional("unit", Type::String).describe("The metric's unit."))
            .attr(
                AttributeSchema::optional_computed("evaluate_low_sample_count_percentiles", Type::String)
                    .validate(low_sample)
                    .describe("For percentiles: `evaluate` or `ignore` periods with too few samples."),
            )
            .block(metric_query_block())
            .check(arguments)
            .with_tags();
        MetricAlarm { ctx, schema }
    }

    /// The alarms of these names (100 a call), each with its tags (one call each).
    async fn read_names(
        c: &Clients,
        names: &[&str],
    ) -> Result<BTreeMap<String, (AwsAlarm, Vec<(String, String)>)>, ProviderError> {
        let mut found = BTreeMap::new();
        for chunk in names.chunks(DESCRIBE_BATCH) {
            let mut token = None;
            loop {
                let out =
                    c.cw.describe_alarms()
                        .set_alarm_names(Some(chunk.iter().map(|n| n.to_string()).collect()))
                        .alarm_types(AlarmType::MetricAlarm)
                        .max_records(100)
                        .set_next_token(token)
                        .send()
                        .await
                        .map_err(|e| sdk("DescribeAlarms", e))?;
                for a in out.metric_alarms() {
                    if let Some(n) = a.alarm_name() {
                        found.insert(n.to_string(), a.clone());
                    }
                }
                token = out.next_token().map(str::to_string);
                if token.is_none() {
                    break;
                }
            }
        }
        let mut out = BTreeMap::new();
        for (name, alarm) in found {
            let Some(arn) = alarm.alarm_arn().map(str::to_string) else { continue };
            match c.cw.list_tags_for_resource().resource_arn(&arn).send().await {
                Ok(t) => {
                    let pairs = t
                        .tags()
                        .iter()
                        .map(|t| (t.key().unwrap_or_default().to_string(), t.value().unwrap_or_default().to_string()))
                        .collect();
                    out.insert(name, (alarm, pairs));
                }
                Err(e) => {
                    let e = sdk("ListTagsForResource", e);
                    if !e.is_not_found() {
                        return Err(e);
                    }
                }
            }
        }
        Ok(out)
    }

    async fn read_one(c: &Clients, name: &str) -> Result<Attrs, ProviderError> {
        retry(
            Policy::NEW_OBJECT,
            || async {
                let mut found = Self::read_names(c, &[name]).await?;
                found.remove(name).map(|(a, t)| attrs(&a, &t)).ok_or_else(|| {
                    ProviderError::new(ProviderErrorKind::NotFound, format!("CloudWatch alarm {name} not found"))
                })
            },
            nothing,
        )
        .await
    }

    /// `PutMetricAlarm` with the whole definition (and tags, which it only sets on create).
    async fn put(c: &Clients, desired: &Attrs, tags: Vec<(String, String)>) -> Result<(), ProviderError> {
        let name = get_str(desired, "alarm_name").unwrap_or_default();
        let mut req =
            c.cw.put_metric_alarm()
                .alarm_name(name)
                .set_alarm_description(get_string(desired, "alarm_description"))
                .actions_enabled(get_bool(desired, "actions_enabled").unwrap_or(true))
                .set_alarm_actions(Some(get_strings(desired, "alarm_actions")))
                .set_ok_actions(Some(get_strings(desired, "ok_actions")))
                .set_insufficient_data_actions(Some(get_strings(desired, "insufficient_data_actions")))
                .set_metric_name(get_string(desired, "metric_name"))
                .set_namespace(get_string(desired, "namespace"))
                .set_statistic(get_str(desired, "statistic").map(Statistic::from))
                .set_extended_statistic(get_string(desired, "extended_statistic"))
                .set_period(get_i32(desired, "period"))
                .set_unit(get_str(desired, "unit").map(StandardUnit::from))
                .set_evaluation_periods(get_i32(desired, "evaluation_periods"))
                .set_datapoints_to_alarm(get_i32(desired, "datapoints_to_alarm"))
                .set_threshold(desired.get("threshold").and_then(Value::as_number))
                .set_threshold_metric_id(get_string(desired, "threshold_metric_id"))
                .set_comparison_operator(get_str(desired, "comparison_operator").map(ComparisonOperator::from))
                .set_treat_missing_data(get_string(desired, "treat_missing_data"))
                .set_evaluate_low_sample_count_percentile(get_string(desired, "evaluate_low_sample_count_percentiles"));
        for (k, v) in dimensions(desired.get("dimensions")) {
            req = req.dimensions(Dimension::builder().name(k).value(v).build());
        }
        for q in desired.get("metric_query").and_then(Value::as_seq).unwrap_or_default() {
            if let Some(q) = q.as_map() {
                req = req.metrics(query(q));
            }
        }
        for (k, v) in tags {
            req = req.tags(Tag::builder().key(k).value(v).build());
        }
        req.send().await.map(|_| ()).map_err(|e| {
            let mut e = sdk("PutMetricAlarm", e);
            e.message = format!("CloudWatch alarm {name}: {}", e.message);
            e
        })
    }
}

fn dimensions(v: Option<&Value>) -> Vec<(String, String)> {
    v.and_then(Value::as_map)
        .map(|m| m.iter().filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string()))).collect())
        .unwrap_or_default()
}

/// A `metric_query` block as the API's `MetricDataQuery`.
fn query(q: &BTreeMap<String, Value>) -> MetricDataQuery {
    let str_of = |m: &BTreeMap<String, Value>, k: &str| {
        m.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string)
    };
    let num_of = |m: &BTreeMap<String, Value>, k: &str| m.get(k).and_then(Value::as_number).map(|n| n as i32);
    let metric = q.get("metric").and_then(Value::as_seq).and_then(|m| m.first()).and_then(Value::as_map).map(|m| {
        let mut metric =
            Metric::builder().set_metric_name(str_of(m, "metric_name")).set_namespace(str_of(m, "namespace"));
        for (k, v) in dimensions(m.get("dimensions")) {
            metric = metric.dimensions(Dimension::builder().name(k).value(v).build());
        }
        MetricStat::builder()
            .metric(metric.build())
            .set_period(num_of(m, "period"))
            .set_stat(str_of(m, "stat"))
            .set_unit(str_of(m, "unit").map(|u| StandardUnit::from(u.as_str())))
            .build()
    });
    MetricDataQuery::builder()
        .set_id(str_of(q, "id"))
        .set_expression(str_of(q, "expression"))
        .set_label(str_of(q, "label"))
        .set_return_data(q.get("return_data").and_then(Value::as_bool))
        .set_period(num_of(q, "period"))
        .set_account_id(str_of(q, "account_id"))
        .set_metric_stat(metric)
        .build()
}

fn dimension_map(dims: &[Dimension]) -> Value {
    Value::Map(
        dims.iter().filter_map(|d| Some((d.name()?.to_string(), Value::String(d.value()?.to_string())))).collect(),
    )
}

fn query_value(q: &MetricDataQuery) -> Value {
    let mut m = BTreeMap::new();
    m.insert("id".to_string(), s(q.id()));
    m.insert("expression".to_string(), s(q.expression()));
    m.insert("label".to_string(), s(q.label()));
    m.insert("return_data".to_string(), Value::Bool(q.return_data().unwrap_or(false)));
    m.insert("period".to_string(), q.period().map_or(Value::Null, |p| Value::Number(p.into())));
    m.insert("account_id".to_string(), s(q.account_id()));
    let metric: Vec<Value> = q
        .metric_stat()
        .map(|st| {
            let mut mm = BTreeMap::new();
            let metric = st.metric();
            mm.insert("metric_name".to_string(), s(metric.and_then(|x| x.metric_name())));
            mm.insert("namespace".to_string(), s(metric.and_then(|x| x.namespace())));
            mm.insert("period".to_string(), st.period().map_or(Value::Null, |p| Value::Number(p.into())));
            mm.insert("stat".to_string(), s(st.stat()));
            mm.insert("unit".to_string(), s(st.unit().map(|u| u.as_str())));
            mm.insert("dimensions".to_string(), dimension_map(metric.map(|x| x.dimensions()).unwrap_or_default()));
            Value::Map(mm)
        })
        .into_iter()
        .collect();
    m.insert("metric".to_string(), Value::List(metric));
    Value::Map(m)
}

fn attrs(a: &AwsAlarm, tag_pairs: &[(String, String)]) -> Attrs {
    let num = |v: Option<i32>| v.map_or(Value::Null, |n| Value::Number(n.into()));
    let mut out = Attrs::new();
    out.insert("id".into(), s(a.alarm_name()));
    out.insert("arn".into(), s(a.alarm_arn()));
    out.insert("alarm_name".into(), s(a.alarm_name()));
    out.insert("comparison_operator".into(), s(a.comparison_operator().map(|c| c.as_str())));
    out.insert("evaluation_periods".into(), num(a.evaluation_periods()));
    out.insert("metric_name".into(), s(a.metric_name()));
    out.insert("namespace".into(), s(a.namespace()));
    out.insert("period".into(), num(a.period().filter(|p| *p > 0)));
    out.insert("statistic".into(), s(a.statistic().map(|x| x.as_str())));
    out.insert("extended_statistic".into(), s(a.extended_statistic()));
    out.insert(
        "threshold".into(),
        a.threshold().filter(|_| a.threshold_metric_id().is_none()).map_or(Value::Null, Value::Number),
    );
    out.insert("threshold_metric_id".into(), s(a.threshold_metric_id()));
    out.insert("alarm_description".into(), s(a.alarm_description().filter(|d| !d.is_empty())));
    out.insert("actions_enabled".into(), Value::Bool(a.actions_enabled().unwrap_or(true)));
    out.insert("alarm_actions".into(), string_set(a.alarm_actions().iter().cloned()));
    out.insert("ok_actions".into(), string_set(a.ok_actions().iter().cloned()));
    out.insert("insufficient_data_actions".into(), string_set(a.insufficient_data_actions().iter().cloned()));
    out.insert("dimensions".into(), dimension_map(a.dimensions()));
    out.insert("treat_missing_data".into(), Value::String(a.treat_missing_data().unwrap_or("missing").to_string()));
    out.insert("datapoints_to_alarm".into(), num(a.datapoints_to_alarm()));
    out.insert("unit".into(), s(a.unit().map(|u| u.as_str())));
    out.insert("evaluate_low_sample_count_percentiles".into(), s(a.evaluate_low_sample_count_percentile()));
    out.insert("metric_query".into(), Value::set(a.metrics().iter().map(query_value).collect()));
    out.insert("tags_all".into(), tags::user_tags(tag_pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))));
    out
}

#[async_trait]
impl ResourceType for MetricAlarm {
    fn name(&self) -> &'static str {
        "aws_cloudwatch_metric_alarm"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn identity(&self) -> IdentityStrategy {
        IdentityStrategy::Name
    }

    fn natural_key(&self, _ctx: &OpContext, desired: &Attrs) -> Option<String> {
        get_string(desired, "alarm_name")
    }

    async fn read_many(
        &self,
        _ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        let c = self.ctx.clients().await?;
        let names: Vec<&str> = objects.iter().map(|(id, _)| id.as_str()).collect();
        let found = Self::read_names(c, &names).await?;
        Ok(found.into_iter().map(|(name, (a, t))| (name, attrs(&a, &t))).collect())
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        Self::put(c, desired, tags::create_tags(&ctx.identity, desired.get("tags_all"))).await?;
        Self::read_one(c, get_str(desired, "alarm_name").unwrap_or_default()).await
    }

    async fn update(&self, _op: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let definition_changed = desired
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "tags" | "tags_all" | "id" | "arn"))
            .any(|(k, v)| !prior.get(k).unwrap_or(&Value::Null).same_as(v));
        if definition_changed {
            Self::put(c, desired, vec![]).await?;
        }
        let delta = tags::delta(prior.get("tags_all"), desired.get("tags_all"));
        if !delta.is_empty() {
            let arn = get_str(prior, "arn").unwrap_or_default();
            if !delta.removed.is_empty() {
                c.cw.untag_resource()
                    .resource_arn(arn)
                    .set_tag_keys(Some(delta.removed))
                    .send()
                    .await
                    .map_err(|e| sdk("UntagResource", e))?;
            }
            if !delta.changed.is_empty() {
                let mut req = c.cw.tag_resource().resource_arn(arn);
                for (k, v) in delta.changed {
                    req = req.tags(Tag::builder().key(k).value(v).build());
                }
                req.send().await.map_err(|e| sdk("TagResource", e))?;
            }
        }
        Self::read_one(c, id).await
    }

    async fn delete(&self, _op: &OpContext, id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        gone_is_ok(c.cw.delete_alarms().alarm_names(id).send().await.map(|_| ()).map_err(|e| sdk("DeleteAlarms", e)))
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let Some(name) = query.natural_key.as_deref() else { return Ok(vec![]) };
        let c = self.ctx.clients().await?;
        Ok(Self::read_names(c, &[name])
            .await?
            .into_values()
            .map(|(a, t)| Found {
                attrs: attrs(&a, &t),
                owner: query.identity.owner_of(t.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(pairs: &[(&str, Value)]) -> Attrs {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    #[test]
    fn a_metric_or_metric_math_is_required() {
        let simple = args(&[("metric_name", "5xxErrorRate".into()), ("threshold", Value::Number(5.0))]);
        assert!(arguments(&simple).is_ok());
        assert!(arguments(&args(&[("threshold", Value::Number(5.0))])).is_err());
        let both = args(&[
            ("metric_name", "x".into()),
            ("threshold", Value::Number(1.0)),
            ("statistic", "Average".into()),
            ("extended_statistic", "p99".into()),
        ]);
        assert!(arguments(&both).expect_err("exclusive").contains("extended_statistic"));
        assert!(operator(&"GreaterThan".into()).is_err());
        assert!(missing_data(&"notBreaching".into()).is_ok());
    }

    #[test]
    fn reads_fill_defaults() {
        let a = AwsAlarm::builder()
            .alarm_name("web-5xx")
            .alarm_arn("arn:aws:cloudwatch:us-east-1:1:alarm:web-5xx")
            .threshold(5.0)
            .dimensions(Dimension::builder().name("Region").value("Global").build())
            .build();
        let out = attrs(&a, &[("provision:stack".into(), "s".into()), ("Team".into(), "web".into())]);
        assert_eq!(out["treat_missing_data"], Value::String("missing".into()));
        assert_eq!(out["actions_enabled"], Value::Bool(true));
        assert_eq!(out["threshold"], Value::Number(5.0));
        assert_eq!(out["metric_query"], Value::Set(vec![]));
        assert_eq!(out["tags_all"].as_map().map(|m| m.len()), Some(1));
        let dims = out["dimensions"].as_map().cloned().unwrap_or_default();
        assert_eq!(dims.get("Region"), Some(&Value::String("Global".into())));
    }
}
