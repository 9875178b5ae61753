//! `aws_appautoscaling_target`: registers something scalable (an ECS service's desired count, a
//! DynamoDB table's capacity, ...) with Application Auto Scaling, between a minimum and a maximum.
//!
//! Found again by its key, not by tags: a target IS its service namespace, resource and dimension
//! (AWS keeps one per key, and registering again updates it), its tags cannot be listed by the
//! Resource Groups tagging API, and moto cannot list them at all. So recovery (`Content`) looks up
//! the key the interrupted create was registering, and `create` — a register, which updates an
//! existing target in place — converges on it either way.

use crate::context::{Clients, Context};
use crate::error::{role_not_ready, sdk};
use crate::util::{get_block, get_bool, get_i32, get_str, get_string, map, need_str, other, s};
use async_trait::async_trait;
use aws_sdk_applicationautoscaling::types::{ScalableTarget, SuspendedState};
use provision_aws_core::retry::{Policy, gone_is_ok, nothing, retry};
use provision_aws_core::tags;
use provision_core::{
    AttributeSchema, Attrs, BlockSchema, FindQuery, Found, IdentityStrategy, Nesting, OpContext, ProviderError,
    ProviderErrorKind, ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;

/// How many resource ids one `DescribeScalableTargets` call takes.
const PAGE: usize = 50;

pub(crate) struct Target {
    ctx: Arc<Context>,
    schema: Schema,
}

impl Target {
    pub fn new(ctx: Arc<Context>) -> Self {
        let suspended = Schema::new("Scaling activities that are paused.")
            .attr(
                AttributeSchema::optional("dynamic_scaling_in_suspended", Type::Bool)
                    .default(false)
                    .describe("Pause scaling in by policies."),
            )
            .attr(
                AttributeSchema::optional("dynamic_scaling_out_suspended", Type::Bool)
                    .default(false)
                    .describe("Pause scaling out by policies."),
            )
            .attr(
                AttributeSchema::optional("scheduled_scaling_suspended", Type::Bool)
                    .default(false)
                    .describe("Pause scheduled actions."),
            );
        let schema = Schema::new("A scalable target of Application Auto Scaling.")
            .attr(AttributeSchema::computed("id", Type::String).describe("The `resource_id` (as Terraform)."))
            .attr(AttributeSchema::computed("arn", Type::String).describe("The scalable target's ARN."))
            .attr(AttributeSchema::required("service_namespace", Type::String).force_new().describe("The service: `ecs`, `dynamodb`, `rds`, ..."))
            .attr(AttributeSchema::required("resource_id", Type::String).force_new().describe("What scales: `service/<cluster>/<service>` for ECS. Refer to the service (`service/${aws_ecs_cluster.main.name}/${aws_ecs_service.app.name}`) so the target goes with it in the runtime layer."))
            .attr(AttributeSchema::required("scalable_dimension", Type::String).force_new().describe("What is scaled: `ecs:service:DesiredCount`, ..."))
            .attr(AttributeSchema::required("min_capacity", Type::Number).describe("The lowest capacity scaling may set. Changed in place (`RegisterScalableTarget`)."))
            .attr(AttributeSchema::required("max_capacity", Type::Number).describe("The highest capacity scaling may set. Changed in place."))
            .attr(AttributeSchema::optional_computed("role_arn", Type::String).describe("The role Application Auto Scaling uses; when unset, AWS's service-linked role."))
            .block(BlockSchema::new("suspended_state", Nesting::Single, suspended, "Paused scaling activities. Changed in place."))
            .check(|a| match (a.get("min_capacity").and_then(Value::as_number), a.get("max_capacity").and_then(Value::as_number)) {
                (Some(min), Some(max)) if min > max => Err(format!("`min_capacity` ({min}) is above `max_capacity` ({max})")),
                _ => Ok(()),
            })
            .with_tags();
        Target { ctx, schema }
    }
}

fn attrs(t: &ScalableTarget, prior: &Attrs) -> Attrs {
    let mut a = Attrs::new();
    a.insert("id".into(), s(Some(t.resource_id())));
    a.insert("arn".into(), s(t.scalable_target_arn()));
    a.insert("service_namespace".into(), s(Some(t.service_namespace().as_str())));
    a.insert("resource_id".into(), s(Some(t.resource_id())));
    a.insert("scalable_dimension".into(), s(Some(t.scalable_dimension().as_str())));
    a.insert("min_capacity".into(), Value::Number(f64::from(t.min_capacity())));
    a.insert("max_capacity".into(), Value::Number(f64::from(t.max_capacity())));
    a.insert("role_arn".into(), s(Some(t.role_arn()).filter(|r| !r.is_empty())));
    let suspended = t.suspended_state().filter(|st| {
        st.dynamic_scaling_in_suspended() == Some(true)
            || st.dynamic_scaling_out_suspended() == Some(true)
            || st.scheduled_scaling_suspended() == Some(true)
            || prior.get("suspended_state").is_some_and(|p| !p.is_null())
    });
    a.insert(
        "suspended_state".into(),
        suspended.map_or(Value::Null, |st| {
            map(vec![
                ("dynamic_scaling_in_suspended", Value::Bool(st.dynamic_scaling_in_suspended().unwrap_or(false))),
                ("dynamic_scaling_out_suspended", Value::Bool(st.dynamic_scaling_out_suspended().unwrap_or(false))),
                ("scheduled_scaling_suspended", Value::Bool(st.scheduled_scaling_suspended().unwrap_or(false))),
            ])
        }),
    );
    // DescribeScalableTargets does not return tags, and listing them costs a call per target
    // (which moto does not implement): the recorded tags stand.
    a.insert("tags_all".into(), prior.get("tags_all").cloned().unwrap_or(Value::Map(BTreeMap::new())));
    a
}

/// The targets of one namespace with these resource ids, 50 per call.
async fn describe(c: &Clients, namespace: &str, ids: &[String]) -> Result<Vec<ScalableTarget>, ProviderError> {
    let mut out = vec![];
    for chunk in ids.chunks(PAGE) {
        let mut pages = c
            .aas
            .describe_scalable_targets()
            .service_namespace(namespace.into())
            .set_resource_ids(Some(chunk.to_vec()))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            out.extend(page.map_err(|e| sdk("DescribeScalableTargets", e))?.scalable_targets().iter().cloned());
        }
    }
    Ok(out)
}

fn matches(t: &ScalableTarget, attrs: &Attrs) -> bool {
    Some(t.resource_id()) == get_str(attrs, "resource_id")
        && Some(t.scalable_dimension().as_str()) == get_str(attrs, "scalable_dimension")
}

impl Target {
    /// `RegisterScalableTarget` (a create, or an update of an existing target), with tags on the
    /// first call; retried while a role created moments ago cannot be assumed yet.
    async fn register(&self, ctx: &OpContext, desired: &Attrs, with_tags: bool) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let namespace = need_str(desired, "service_namespace")?;
        let resource = need_str(desired, "resource_id")?;
        let dimension = need_str(desired, "scalable_dimension")?;
        let suspended = get_block(desired, "suspended_state").map(|st| {
            SuspendedState::builder()
                .set_dynamic_scaling_in_suspended(get_bool(st, "dynamic_scaling_in_suspended"))
                .set_dynamic_scaling_out_suspended(get_bool(st, "dynamic_scaling_out_suspended"))
                .set_scheduled_scaling_suspended(get_bool(st, "scheduled_scaling_suspended"))
                .build()
        });
        let tags: Option<std::collections::HashMap<String, String>> =
            with_tags.then(|| tags::create_tags(&ctx.identity, desired.get("tags_all")).into_iter().collect());
        let policy = Policy::when(role_not_ready, ctx.remaining().min(Policy::IAM_PROPAGATION.timeout));
        retry(
            policy,
            || async {
                c.aas
                    .register_scalable_target()
                    .service_namespace(namespace.into())
                    .resource_id(resource)
                    .scalable_dimension(dimension.into())
                    .set_min_capacity(get_i32(desired, "min_capacity"))
                    .set_max_capacity(get_i32(desired, "max_capacity"))
                    .set_role_arn(get_string(desired, "role_arn"))
                    .set_suspended_state(suspended.clone())
                    .set_tags(tags.clone())
                    .send()
                    .await
                    .map_err(|e| sdk("RegisterScalableTarget", e))
            },
            nothing,
        )
        .await
        .map_err(|mut e| {
            e.message = format!("scalable target {resource}: {}", e.message);
            e
        })?;
        let found = retry(
            Policy::NEW_OBJECT,
            || async {
                describe(c, namespace, &[resource.to_string()])
                    .await?
                    .into_iter()
                    .find(|t| matches(t, desired))
                    .ok_or_else(|| {
                        ProviderError::new(ProviderErrorKind::NotFound, format!("scalable target {resource} not found"))
                    })
            },
            nothing,
        )
        .await?;
        Ok(attrs(&found, desired))
    }
}

#[async_trait]
impl ResourceType for Target {
    fn name(&self) -> &'static str {
        "aws_appautoscaling_target"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    /// See the module's documentation: the key is the identity.
    fn identity(&self) -> IdentityStrategy {
        IdentityStrategy::Content
    }

    /// One `DescribeScalableTargets` call per service namespace and 50 targets.
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
            let ids: Vec<String> = objs.iter().map(|(id, _)| id.clone()).collect();
            let found = describe(c, namespace, &ids).await?;
            for (id, prior) in objs {
                if let Some(t) = found.iter().find(|t| t.resource_id() == id && matches(t, prior)) {
                    out.insert(id.clone(), attrs(t, prior));
                }
            }
        }
        Ok(out)
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        self.register(ctx, desired, true).await
    }

    async fn update(&self, ctx: &OpContext, _id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let only_tags = ["min_capacity", "max_capacity", "role_arn", "suspended_state"]
            .iter()
            .all(|k| prior.get(*k) == desired.get(*k));
        let now = if only_tags { prior.clone() } else { self.register(ctx, desired, false).await? };
        let delta = tags::delta(prior.get("tags_all"), desired.get("tags_all"));
        if !delta.is_empty() {
            let c = self.ctx.clients().await?;
            let arn = get_str(&now, "arn").ok_or_else(|| other("the scalable target has no ARN to tag"))?;
            if !delta.removed.is_empty() {
                c.aas
                    .untag_resource()
                    .resource_arn(arn)
                    .set_tag_keys(Some(delta.removed))
                    .send()
                    .await
                    .map_err(|e| sdk("UntagResource", e))?;
            }
            if !delta.changed.is_empty() {
                c.aas
                    .tag_resource()
                    .resource_arn(arn)
                    .set_tags(Some(delta.changed.into_iter().collect()))
                    .send()
                    .await
                    .map_err(|e| sdk("TagResource", e))?;
            }
        }
        let mut now = now;
        for k in ["tags", "tags_all"] {
            now.insert(k.into(), desired.get(k).cloned().unwrap_or(Value::Null));
        }
        Ok(now)
    }

    /// `DeregisterScalableTarget` (AWS deletes its policies with it; they are destroyed first
    /// anyway, since they refer to the target).
    async fn delete(&self, _ctx: &OpContext, id: &str, prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        let namespace = need_str(prior, "service_namespace")?;
        let dimension = need_str(prior, "scalable_dimension")?;
        gone_is_ok(
            c.aas
                .deregister_scalable_target()
                .service_namespace(namespace.into())
                .resource_id(id)
                .scalable_dimension(dimension.into())
                .send()
                .await
                .map(|_| ())
                .map_err(|e| sdk("DeregisterScalableTarget", e)),
        )
    }

    /// The target with the key the interrupted create was registering.
    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let (Some(namespace), Some(resource)) =
            (get_str(&query.desired, "service_namespace"), get_str(&query.desired, "resource_id"))
        else {
            return Ok(vec![]);
        };
        let c = self.ctx.clients().await?;
        Ok(describe(c, namespace, &[resource.to_string()])
            .await?
            .iter()
            .filter(|t| matches(t, &query.desired))
            .map(|t| Found::ours(attrs(t, &query.desired)))
            .collect())
    }
}
