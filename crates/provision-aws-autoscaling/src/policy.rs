//! `aws_appautoscaling_policy`: how a scalable target scales — target tracking (keep a metric
//! such as average CPU at a value) or step scaling (add or remove capacity by steps when an alarm
//! fires).
//!
//! Found again by its key: a policy IS its name within its target (namespace, resource,
//! dimension); AWS keeps one per key, `PutScalingPolicy` on an existing key updates it, and
//! policies carry no tags. So recovery (`Content`) looks up the policy of that name on that
//! target, and `create` (a put) converges on it either way.

use crate::context::{Clients, Context};
use crate::error::sdk;
use crate::util::{get_block, get_blocks, get_bool, get_f64, get_i32, get_str, get_string, map, n, need_str, other, s};
use async_trait::async_trait;
use aws_sdk_applicationautoscaling::types::{
    PredefinedMetricSpecification, ScalingPolicy, StepAdjustment, StepScalingPolicyConfiguration,
    TargetTrackingScalingPolicyConfiguration,
};
use provision_aws_core::retry::{Policy as RetryPolicy, gone_is_ok, nothing, retry};
use provision_core::value::format_number;
use provision_core::{
    AttributeSchema, Attrs, BlockSchema, FindQuery, Found, IdentityStrategy, Nesting, OpContext, ProviderError,
    ProviderErrorKind, ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;

/// How many policy names one `DescribeScalingPolicies` call takes.
const PAGE: usize = 50;

pub(crate) struct Policy {
    ctx: Arc<Context>,
    schema: Schema,
}

/// `"0"`, `"0.0"` and `0` are the same bound.
fn normalize_bound(v: &Value) -> Value {
    match v.as_str().and_then(|s| s.trim().parse::<f64>().ok()) {
        Some(f) => Value::String(format_number(f)),
        None => v.clone(),
    }
}

impl Policy {
    pub fn new(ctx: Arc<Context>) -> Self {
        let predefined = Schema::new("A metric AWS defines.")
            .attr(AttributeSchema::required("predefined_metric_type", Type::String).describe("`ECSServiceAverageCPUUtilization`, `ECSServiceAverageMemoryUtilization`, `ALBRequestCountPerTarget`, ..."))
            .attr(AttributeSchema::optional("resource_label", Type::String).describe("For `ALBRequestCountPerTarget`: `<load balancer ARN suffix>/<target group ARN suffix>`."));
        let tracking = Schema::new("Target tracking.")
            .attr(
                AttributeSchema::required("target_value", Type::Number)
                    .describe("The value the metric is kept at (e.g. 70 for 70% CPU)."),
            )
            .attr(AttributeSchema::optional("disable_scale_in", Type::Bool).default(false).describe("Only scale out."))
            .attr(
                AttributeSchema::optional("scale_in_cooldown", Type::Number)
                    .describe("Seconds after a scale-in before the next one."),
            )
            .attr(
                AttributeSchema::optional("scale_out_cooldown", Type::Number)
                    .describe("Seconds after a scale-out before the next one."),
            )
            .block(BlockSchema::new(
                "predefined_metric_specification",
                Nesting::Single,
                predefined,
                "The metric tracked.",
            ));
        let step = Schema::new("Step scaling.")
            .attr(
                AttributeSchema::optional("adjustment_type", Type::String)
                    .describe("`ChangeInCapacity`, `ExactCapacity` or `PercentChangeInCapacity`."),
            )
            .attr(
                AttributeSchema::optional("cooldown", Type::Number)
                    .describe("Seconds after a scaling activity before the next one."),
            )
            .attr(
                AttributeSchema::optional("metric_aggregation_type", Type::String)
                    .describe("`Average`, `Minimum` or `Maximum`."),
            )
            .attr(
                AttributeSchema::optional("min_adjustment_magnitude", Type::Number)
                    .describe("With `PercentChangeInCapacity`: the smallest change."),
            )
            .block(BlockSchema::new(
                "step_adjustment",
                Nesting::Set,
                Schema::new("One step.")
                    .attr(
                        AttributeSchema::optional("metric_interval_lower_bound", Type::String)
                            .normalize(normalize_bound)
                            .describe("Lower bound, relative to the alarm threshold (unset: minus infinity)."),
                    )
                    .attr(
                        AttributeSchema::optional("metric_interval_upper_bound", Type::String)
                            .normalize(normalize_bound)
                            .describe("Upper bound, relative to the alarm threshold (unset: infinity)."),
                    )
                    .attr(
                        AttributeSchema::required("scaling_adjustment", Type::Number)
                            .describe("The change applied in this step."),
                    ),
                "The steps.",
            ));
        let schema = Schema::new("A scaling policy of Application Auto Scaling.")
            .attr(AttributeSchema::computed("id", Type::String).describe("The policy's name (as Terraform)."))
            .attr(AttributeSchema::computed("arn", Type::String).describe("The policy's ARN."))
            .attr(AttributeSchema::computed("alarm_arns", Type::list(Type::String)).describe("The CloudWatch alarms a target tracking policy made."))
            .attr(AttributeSchema::required("name", Type::String).force_new().describe("The policy's name, unique within its target."))
            .attr(AttributeSchema::optional("policy_type", Type::String).default("StepScaling").validate(|v| match v.as_str() {
                Some("StepScaling" | "TargetTrackingScaling") => Ok(()),
                other => Err(format!("{other:?} is not a policy type: use \"TargetTrackingScaling\" or \"StepScaling\"")),
            }).describe("`TargetTrackingScaling` or `StepScaling` (Terraform's default). Changed in place (`PutScalingPolicy`)."))
            .attr(AttributeSchema::required("resource_id", Type::String).force_new().describe("The target's resource (`aws_appautoscaling_target.x.resource_id`)."))
            .attr(AttributeSchema::required("scalable_dimension", Type::String).force_new().describe("The target's dimension."))
            .attr(AttributeSchema::required("service_namespace", Type::String).force_new().describe("The target's service namespace."))
            .block(BlockSchema::new("target_tracking_scaling_policy_configuration", Nesting::Single, tracking, "Target tracking settings (with `policy_type = \"TargetTrackingScaling\"`). Changed in place."))
            .block(BlockSchema::new("step_scaling_policy_configuration", Nesting::Single, step, "Step scaling settings (with `policy_type = \"StepScaling\"`). Changed in place."))
            .check(|a| {
                let set = |k: &str| a.get(k).is_some_and(|v| !v.is_null());
                match a.get("policy_type").and_then(Value::as_str) {
                    Some("TargetTrackingScaling") if !set("target_tracking_scaling_policy_configuration") && !a.get("target_tracking_scaling_policy_configuration").is_some_and(Value::is_unknown) => {
                        Err("a TargetTrackingScaling policy needs a `target_tracking_scaling_policy_configuration` block".into())
                    }
                    Some("TargetTrackingScaling") if set("step_scaling_policy_configuration") => {
                        Err("a TargetTrackingScaling policy takes no `step_scaling_policy_configuration`".into())
                    }
                    Some("StepScaling") | None if set("target_tracking_scaling_policy_configuration") => {
                        Err("`target_tracking_scaling_policy_configuration` needs `policy_type = \"TargetTrackingScaling\"` (the default is StepScaling)".into())
                    }
                    _ => Ok(()),
                }
            });
        Policy { ctx, schema }
    }
}

fn bound(v: Option<f64>) -> Value {
    v.map_or(Value::Null, |f| Value::String(format_number(f)))
}

fn attrs(p: &ScalingPolicy) -> Attrs {
    let mut a = Attrs::new();
    a.insert("id".into(), s(Some(p.policy_name())));
    a.insert("arn".into(), s(Some(p.policy_arn())));
    a.insert(
        "alarm_arns".into(),
        Value::List(p.alarms().iter().map(|al| Value::String(al.alarm_arn().to_string())).collect()),
    );
    a.insert("name".into(), s(Some(p.policy_name())));
    a.insert("policy_type".into(), s(Some(p.policy_type().as_str())));
    a.insert("resource_id".into(), s(Some(p.resource_id())));
    a.insert("scalable_dimension".into(), s(Some(p.scalable_dimension().as_str())));
    a.insert("service_namespace".into(), s(Some(p.service_namespace().as_str())));
    a.insert(
        "target_tracking_scaling_policy_configuration".into(),
        p.target_tracking_scaling_policy_configuration().map_or(Value::Null, |t| {
            map(vec![
                ("target_value", Value::Number(t.target_value())),
                ("disable_scale_in", Value::Bool(t.disable_scale_in().unwrap_or(false))),
                ("scale_in_cooldown", n(t.scale_in_cooldown())),
                ("scale_out_cooldown", n(t.scale_out_cooldown())),
                (
                    "predefined_metric_specification",
                    t.predefined_metric_specification().map_or(Value::Null, |m| {
                        map(vec![
                            ("predefined_metric_type", s(Some(m.predefined_metric_type().as_str()))),
                            ("resource_label", s(m.resource_label())),
                        ])
                    }),
                ),
            ])
        }),
    );
    a.insert(
        "step_scaling_policy_configuration".into(),
        p.step_scaling_policy_configuration().map_or(Value::Null, |st| {
            let steps: Vec<Value> = st
                .step_adjustments()
                .iter()
                .map(|j| {
                    map(vec![
                        ("metric_interval_lower_bound", bound(j.metric_interval_lower_bound())),
                        ("metric_interval_upper_bound", bound(j.metric_interval_upper_bound())),
                        ("scaling_adjustment", Value::Number(f64::from(j.scaling_adjustment()))),
                    ])
                })
                .collect();
            map(vec![
                ("adjustment_type", s(st.adjustment_type().map(|t| t.as_str()))),
                ("cooldown", n(st.cooldown())),
                ("metric_aggregation_type", s(st.metric_aggregation_type().map(|t| t.as_str()))),
                ("min_adjustment_magnitude", n(st.min_adjustment_magnitude())),
                ("step_adjustment", Value::set(steps)),
            ])
        }),
    );
    a
}

fn matches(p: &ScalingPolicy, attrs: &Attrs) -> bool {
    Some(p.policy_name()) == get_str(attrs, "name")
        && Some(p.resource_id()) == get_str(attrs, "resource_id")
        && Some(p.scalable_dimension().as_str()) == get_str(attrs, "scalable_dimension")
}

/// The policies of one namespace with these names, 50 names per call.
async fn describe(c: &Clients, namespace: &str, names: &[String]) -> Result<Vec<ScalingPolicy>, ProviderError> {
    let mut out = vec![];
    for chunk in names.chunks(PAGE) {
        let mut pages = c
            .aas
            .describe_scaling_policies()
            .service_namespace(namespace.into())
            .set_policy_names(Some(chunk.to_vec()))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            out.extend(page.map_err(|e| sdk("DescribeScalingPolicies", e))?.scaling_policies().iter().cloned());
        }
    }
    Ok(out)
}

fn bound_of(attrs: &Attrs, k: &str) -> Option<f64> {
    get_str(attrs, k).and_then(|s| s.trim().parse().ok())
}

impl Policy {
    async fn put(&self, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let name = need_str(desired, "name")?;
        let namespace = need_str(desired, "service_namespace")?;
        let tracking = get_block(desired, "target_tracking_scaling_policy_configuration")
            .map(|t| {
                let metric = get_block(t, "predefined_metric_specification")
                    .map(|m| {
                        PredefinedMetricSpecification::builder()
                            .predefined_metric_type(need_str(m, "predefined_metric_type")?.into())
                            .set_resource_label(get_string(m, "resource_label"))
                            .build()
                            .map_err(|e| other(format!("scaling policy {name}: {e}")))
                    })
                    .transpose()?;
                TargetTrackingScalingPolicyConfiguration::builder()
                    .target_value(get_f64(t, "target_value").unwrap_or(0.0))
                    .set_disable_scale_in(get_bool(t, "disable_scale_in"))
                    .set_scale_in_cooldown(get_i32(t, "scale_in_cooldown"))
                    .set_scale_out_cooldown(get_i32(t, "scale_out_cooldown"))
                    .set_predefined_metric_specification(metric)
                    .build()
                    .map_err(|e| other(format!("scaling policy {name}: {e}")))
            })
            .transpose()?;
        let step = get_block(desired, "step_scaling_policy_configuration")
            .map(|st| {
                let steps = get_blocks(st, "step_adjustment")
                    .into_iter()
                    .map(|j| {
                        StepAdjustment::builder()
                            .set_metric_interval_lower_bound(bound_of(j, "metric_interval_lower_bound"))
                            .set_metric_interval_upper_bound(bound_of(j, "metric_interval_upper_bound"))
                            .scaling_adjustment(get_i32(j, "scaling_adjustment").unwrap_or(0))
                            .build()
                            .map_err(|e| other(format!("scaling policy {name}: {e}")))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok::<_, ProviderError>(
                    StepScalingPolicyConfiguration::builder()
                        .set_adjustment_type(get_str(st, "adjustment_type").map(Into::into))
                        .set_cooldown(get_i32(st, "cooldown"))
                        .set_metric_aggregation_type(get_str(st, "metric_aggregation_type").map(Into::into))
                        .set_min_adjustment_magnitude(get_i32(st, "min_adjustment_magnitude"))
                        .set_step_adjustments(Some(steps))
                        .build(),
                )
            })
            .transpose()?;
        // A policy put right after its target was registered can be refused for a moment.
        retry(
            RetryPolicy::NEW_OBJECT,
            || async {
                c.aas
                    .put_scaling_policy()
                    .policy_name(name)
                    .service_namespace(namespace.into())
                    .resource_id(need_str(desired, "resource_id")?)
                    .scalable_dimension(need_str(desired, "scalable_dimension")?.into())
                    .set_policy_type(get_str(desired, "policy_type").map(Into::into))
                    .set_target_tracking_scaling_policy_configuration(tracking.clone())
                    .set_step_scaling_policy_configuration(step.clone())
                    .send()
                    .await
                    .map_err(|e| sdk("PutScalingPolicy", e))
            },
            nothing,
        )
        .await
        .map_err(|mut e| {
            e.message = format!("scaling policy {name}: {}", e.message);
            e
        })?;
        let found = retry(
            RetryPolicy::NEW_OBJECT,
            || async {
                describe(c, namespace, &[name.to_string()]).await?.into_iter().find(|p| matches(p, desired)).ok_or_else(
                    || ProviderError::new(ProviderErrorKind::NotFound, format!("scaling policy {name} not found")),
                )
            },
            nothing,
        )
        .await?;
        Ok(attrs(&found))
    }
}

#[async_trait]
impl ResourceType for Policy {
    fn name(&self) -> &'static str {
        "aws_appautoscaling_policy"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    /// See the module's documentation: the key is the identity.
    fn identity(&self) -> IdentityStrategy {
        IdentityStrategy::Content
    }

    /// One `DescribeScalingPolicies` call per service namespace and 50 policies.
    async fn read_many(
        &self,
        _ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        if objects.is_empty() {
            return Ok(BTreeMap::new());
        }
        let c = self.ctx.clients().await?;
        let mut by_namespace: BTreeMap<&str, Vec<&(String, Attrs)>> = BTreeMap::new();
        for o in objects {
            by_namespace.entry(get_str(&o.1, "service_namespace").unwrap_or("ecs")).or_default().push(o);
        }
        let mut out = BTreeMap::new();
        for (namespace, objs) in by_namespace {
            let mut names: Vec<String> = objs.iter().map(|(id, _)| id.clone()).collect();
            names.sort();
            names.dedup();
            let found = describe(c, namespace, &names).await?;
            for (id, prior) in objs {
                if let Some(p) = found.iter().find(|p| matches(p, prior)) {
                    out.insert(id.clone(), attrs(p));
                }
            }
        }
        Ok(out)
    }

    async fn create(&self, _ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        self.put(desired).await
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        _id: &str,
        _prior: &Attrs,
        desired: &Attrs,
    ) -> Result<Attrs, ProviderError> {
        self.put(desired).await
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        gone_is_ok(
            c.aas
                .delete_scaling_policy()
                .policy_name(id)
                .service_namespace(need_str(prior, "service_namespace")?.into())
                .resource_id(need_str(prior, "resource_id")?)
                .scalable_dimension(need_str(prior, "scalable_dimension")?.into())
                .send()
                .await
                .map(|_| ())
                .map_err(|e| sdk("DeleteScalingPolicy", e)),
        )
    }

    /// The policy of that name on that target.
    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let (Some(namespace), Some(name)) =
            (get_str(&query.desired, "service_namespace"), get_str(&query.desired, "name"))
        else {
            return Ok(vec![]);
        };
        let c = self.ctx.clients().await?;
        Ok(describe(c, namespace, &[name.to_string()])
            .await?
            .iter()
            .filter(|p| matches(p, &query.desired))
            .map(|p| Found::ours(attrs(p)))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_compare_by_value() {
        assert_eq!(normalize_bound(&Value::String("0.0".into())), Value::String("0".into()));
        assert_eq!(normalize_bound(&Value::String("10".into())), bound(Some(10.0)));
        assert_eq!(normalize_bound(&Value::String("-5.5".into())), bound(Some(-5.5)));
    }
}
