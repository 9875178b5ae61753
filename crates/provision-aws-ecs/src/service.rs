//! `aws_ecs_service`: keeps a number of copies of a task definition running in a cluster, behind
//! load balancers. Created and changed in place (`UpdateService`, only what changed, so
//! `ignore_changes = [desired_count]` or `[task_definition]` leaves autoscaling's and CI's values
//! alone); destroyed by scaling to zero, deleting, and waiting until ECS reports it `INACTIVE`.
//! With `wait_for_steady_state`, creates and updates wait until the deployment has all its tasks
//! running, showing running/desired, failed tasks and why they stopped in the live progress.

use crate::context::{Clients, Context};
use crate::error::{role_not_ready, sdk};
use crate::task_definition::name_the_role;
use crate::util::{
    arn_name, client_token, create_tags, get_block, get_blocks, get_bool, get_i32, get_str, get_string, get_strings,
    map, n, need_str, other, s, string_set, sync_tags, tagged_for, user_tags,
};
use async_trait::async_trait;
use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, CapacityProviderStrategyItem, DeploymentCircuitBreaker,
    DeploymentConfiguration, DesiredStatus, LoadBalancer, NetworkConfiguration, Service as Item, ServiceField,
};
use provision_aws_core::retry::{Policy, gone_is_ok, nothing, retry};
use provision_aws_core::wait::{Status, TimedOut, Wait, until};
use provision_core::{
    AttributeSchema, Attrs, BlockSchema, FindQuery, Found, Nesting, OpContext, ProviderError, ProviderErrorKind,
    ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// How many services one `DescribeServices` call takes.
const PAGE: usize = 10;

pub(crate) struct Service {
    ctx: Arc<Context>,
    schema: Schema,
}

fn one_of(v: &Value, allowed: &[&str], what: &str) -> Result<(), String> {
    match v.as_str() {
        Some(s) if allowed.contains(&s) => Ok(()),
        other => Err(format!("{other:?} is not {what}: use one of {}", allowed.join(", "))),
    }
}

fn percent(v: &Value) -> Result<(), String> {
    match v.as_number() {
        Some(p) if (0.0..=200.0 * 10.0).contains(&p) && p.fract() == 0.0 => Ok(()),
        _ => Err("must be a whole percentage, 0 or more".into()),
    }
}

impl Service {
    pub fn new(ctx: Arc<Context>) -> Self {
        let strategy = Schema::new("One capacity provider's share.")
            .attr(
                AttributeSchema::required("capacity_provider", Type::String)
                    .describe("`FARGATE`, `FARGATE_SPOT` or a cluster capacity provider."),
            )
            .attr(AttributeSchema::optional("weight", Type::Number).default(0.0).describe("Relative share of tasks."))
            .attr(AttributeSchema::optional("base", Type::Number).default(0.0).describe("Tasks placed here first."));
        let network = Schema::new("The tasks' network (awsvpc).")
            .attr(
                AttributeSchema::required("subnets", Type::set(Type::String))
                    .describe("Subnets the tasks' interfaces are placed in."),
            )
            .attr(
                AttributeSchema::optional("security_groups", Type::set(Type::String))
                    .describe("Security groups of the tasks' interfaces."),
            )
            .attr(
                AttributeSchema::optional("assign_public_ip", Type::Bool)
                    .default(false)
                    .describe("Give each task a public IP (Fargate in public subnets)."),
            );
        let lb = Schema::new("A target group (or classic load balancer) the service registers its tasks with.")
            .attr(AttributeSchema::optional("target_group_arn", Type::String).describe("The target group."))
            .attr(AttributeSchema::optional("elb_name", Type::String).describe("A classic load balancer's name."))
            .attr(
                AttributeSchema::required("container_name", Type::String)
                    .describe("The container to register (from the task definition)."),
            )
            .attr(AttributeSchema::required("container_port", Type::Number).describe("The container's port."));
        let breaker = Schema::new("The deployment circuit breaker.")
            .attr(
                AttributeSchema::required("enable", Type::Bool).describe("Stop a deployment whose tasks keep failing."),
            )
            .attr(
                AttributeSchema::required("rollback", Type::Bool)
                    .describe("Roll back to the last deployment that worked."),
            );
        let schema = Schema::new("An ECS service.")
            .attr(AttributeSchema::computed("id", Type::String).describe("The service's ARN (as Terraform)."))
            .attr(AttributeSchema::required("name", Type::String).force_new().describe("The service's name, unique in its cluster. A new name replaces the service."))
            .attr(AttributeSchema::optional_computed("cluster", Type::String).force_new().describe("The cluster's ARN (or name). When unset, the `default` cluster."))
            .attr(AttributeSchema::optional("task_definition", Type::String).describe("The task definition: `family`, `family:revision` or an ARN. Changed in place (`UpdateService`, a new deployment). Use `ignore_changes = [task_definition]` when CI deploys new revisions."))
            .attr(AttributeSchema::optional("desired_count", Type::Number).default(0.0).describe("How many tasks to keep running. Changed in place. Use `ignore_changes = [desired_count]` when Application Auto Scaling manages it."))
            .attr(AttributeSchema::optional_computed("launch_type", Type::String).force_new().validate(|v| one_of(v, &["FARGATE", "EC2", "EXTERNAL"], "a launch type")).describe("`FARGATE`, `EC2` or `EXTERNAL`; conflicts with `capacity_provider_strategy`."))
            .attr(AttributeSchema::optional_computed("platform_version", Type::String).describe("The Fargate platform version (`LATEST` when unset). Changed in place."))
            .attr(AttributeSchema::optional("deployment_minimum_healthy_percent", Type::Number).default(100.0).validate(percent).describe("Lower limit of running tasks during a deployment, in percent of `desired_count`."))
            .attr(AttributeSchema::optional("deployment_maximum_percent", Type::Number).default(200.0).validate(percent).describe("Upper limit of running tasks during a deployment, in percent of `desired_count`."))
            .attr(AttributeSchema::optional("health_check_grace_period_seconds", Type::Number).describe("Seconds the load balancer's health checks are ignored after a task starts."))
            .attr(AttributeSchema::optional("enable_execute_command", Type::Bool).default(false).describe("Allow ECS Exec into the tasks."))
            .attr(AttributeSchema::optional("enable_ecs_managed_tags", Type::Bool).default(false).describe("Tag the tasks with the cluster and service names."))
            .attr(AttributeSchema::optional("propagate_tags", Type::String).validate(|v| one_of(v, &["SERVICE", "TASK_DEFINITION", "NONE"], "a tag source")).describe("Copy tags to tasks from the `SERVICE` or the `TASK_DEFINITION`."))
            .attr(AttributeSchema::optional("scheduling_strategy", Type::String).default("REPLICA").force_new().validate(|v| one_of(v, &["REPLICA", "DAEMON"], "a scheduling strategy")).describe("`REPLICA` or `DAEMON` (one task per instance, EC2 only)."))
            .attr(AttributeSchema::optional("wait_for_steady_state", Type::Bool).default(false).describe("Wait, on create and update, until the deployment has all its tasks running; the progress shows running/desired and why failed tasks stopped."))
            .attr(AttributeSchema::optional("force_new_deployment", Type::Bool).default(false).describe("Start a new deployment (fresh tasks, e.g. to pull a moved image tag) with every in-place update."))
            .attr(AttributeSchema::optional("force_delete", Type::Bool).default(false).at_destroy().describe("Delete without scaling to zero first. The value the configuration has when the destroy runs counts."))
            .block(BlockSchema::new("capacity_provider_strategy", Nesting::Set, strategy, "How tasks are spread over capacity providers (instead of `launch_type`). When no block is written, whatever ECS uses (the cluster's default strategy) is kept.").unmanaged_when_absent())
            .block(BlockSchema::new("network_configuration", Nesting::Single, network, "Subnets, security groups and public IP of the tasks (required for `awsvpc` task definitions). Changed in place."))
            .block(BlockSchema::new("load_balancer", Nesting::Set, lb, "Target groups the tasks are registered with. Changed in place."))
            .block(BlockSchema::new("deployment_circuit_breaker", Nesting::Single, breaker, "Stop (and roll back) a deployment whose tasks keep failing. Changed in place."))
            .with_tags()
            .runtime_layer();
        Service { ctx, schema }
    }
}

/// The cluster a service is in (`default` when none is named).
fn cluster_of(attrs: &Attrs) -> String {
    get_string(attrs, "cluster").unwrap_or_else(|| "default".into())
}

/// Services named (names or ARNs) in one cluster, 10 per call, with tags. Missing and `INACTIVE`
/// ones (deleted: ECS keeps reporting them) are left out.
async fn describe(c: &Clients, cluster: &str, services: &[String]) -> Result<Vec<Item>, ProviderError> {
    let mut out = vec![];
    for chunk in services.chunks(PAGE) {
        let page = match c
            .ecs
            .describe_services()
            .cluster(cluster)
            .set_services(Some(chunk.to_vec()))
            .include(ServiceField::Tags)
            .send()
            .await
        {
            Ok(page) => page,
            Err(e) => {
                let e = sdk("DescribeServices", e);
                // The cluster itself is gone: so are its services.
                if e.is_not_found() {
                    return Ok(out);
                }
                return Err(e);
            }
        };
        out.extend(page.services().iter().filter(|s| s.status() != Some("INACTIVE")).cloned());
    }
    Ok(out)
}

/// The task definition as the configuration wrote it, when AWS's ARN is that one (`family:3` and
/// `family` are how users often write it; AWS answers with the full ARN).
fn task_definition_value(read: Option<&str>, prior: Option<&str>) -> Value {
    match (read, prior) {
        (Some(arn), Some(p)) => {
            let rest = arn.rsplit_once("task-definition/").map_or(arn, |(_, r)| r);
            let family = rest.split(':').next().unwrap_or(rest);
            if arn == p || rest == p || (!p.contains(':') && family == p) { s(Some(p)) } else { s(Some(arn)) }
        }
        (read, _) => s(read),
    }
}

/// A Terraform state's service in provision's conventions: besides the core conversions, the
/// values Terraform records for a setting the configuration left out (a grace period of 0,
/// `propagate_tags = "NONE"`) are unset, as the read tells them from configured ones by the
/// recorded value.
fn from_terraform(schema: &Schema, attributes: &Attrs) -> Attrs {
    let mut a = provision_core::provider::unset_from_terraform(schema, attributes);
    if a.get("health_check_grace_period_seconds").and_then(Value::as_number) == Some(0.0) {
        a.insert("health_check_grace_period_seconds".into(), Value::Null);
    }
    if get_str(&a, "propagate_tags") == Some("NONE") {
        a.insert("propagate_tags".into(), Value::Null);
    }
    a
}

fn attrs(item: &Item, prior: &Attrs) -> Attrs {
    let mut a = Attrs::new();
    a.insert("id".into(), s(item.service_arn()));
    a.insert("name".into(), s(item.service_name()));
    // The cluster as written (name or ARN), when it is this one.
    let cluster = item.cluster_arn().unwrap_or_default();
    let written = get_str(prior, "cluster");
    a.insert(
        "cluster".into(),
        match written {
            Some(w) if w == cluster || arn_name(cluster) == w => s(Some(w)),
            _ => s(Some(cluster)),
        },
    );
    a.insert(
        "task_definition".into(),
        task_definition_value(item.task_definition(), get_str(prior, "task_definition")),
    );
    a.insert("desired_count".into(), Value::Number(f64::from(item.desired_count())));
    a.insert("launch_type".into(), s(item.launch_type().map(|l| l.as_str())));
    a.insert("platform_version".into(), s(item.platform_version()));
    // moto leaves the deployment configuration out until the first update; AWS always reports it.
    // Absent from the answer means "not shown", so the recorded values stand.
    match item.deployment_configuration() {
        Some(d) => {
            a.insert("deployment_minimum_healthy_percent".into(), n(d.minimum_healthy_percent()));
            a.insert("deployment_maximum_percent".into(), n(d.maximum_percent()));
            let breaker = d.deployment_circuit_breaker().filter(|c| {
                c.enable() || c.rollback() || prior.get("deployment_circuit_breaker").is_some_and(|p| !p.is_null())
            });
            a.insert(
                "deployment_circuit_breaker".into(),
                breaker.map_or(Value::Null, |c| {
                    map(vec![("enable", Value::Bool(c.enable())), ("rollback", Value::Bool(c.rollback()))])
                }),
            );
        }
        None => {
            for k in ["deployment_minimum_healthy_percent", "deployment_maximum_percent", "deployment_circuit_breaker"]
            {
                a.insert(k.into(), prior.get(k).cloned().unwrap_or(Value::Null));
            }
        }
    }
    let recorded = prior.get("health_check_grace_period_seconds").filter(|p| !p.is_null());
    let grace = match item.health_check_grace_period_seconds() {
        Some(g) => n(Some(g).filter(|g| *g != 0 || recorded.is_some())),
        // AWS reports it; moto leaves it out: keep what was recorded.
        None => recorded.cloned().unwrap_or(Value::Null),
    };
    a.insert("health_check_grace_period_seconds".into(), grace);
    a.insert("enable_execute_command".into(), Value::Bool(item.enable_execute_command()));
    a.insert("enable_ecs_managed_tags".into(), Value::Bool(item.enable_ecs_managed_tags()));
    let propagate = item
        .propagate_tags()
        .map(|p| p.as_str())
        .filter(|p| *p != "NONE" || get_str(prior, "propagate_tags").is_some());
    a.insert("propagate_tags".into(), s(propagate));
    a.insert("scheduling_strategy".into(), s(Some(item.scheduling_strategy().map_or("REPLICA", |s| s.as_str()))));
    // Not AWS settings: what the configuration last said.
    for k in ["wait_for_steady_state", "force_new_deployment", "force_delete"] {
        a.insert(k.into(), Value::Bool(get_bool(prior, k).unwrap_or(false)));
    }
    let strategy: Vec<Value> = item
        .capacity_provider_strategy()
        .iter()
        .map(|c| {
            map(vec![
                ("capacity_provider", s(Some(c.capacity_provider()))),
                ("weight", Value::Number(f64::from(c.weight()))),
                ("base", Value::Number(f64::from(c.base()))),
            ])
        })
        .collect();
    a.insert("capacity_provider_strategy".into(), Value::set(strategy));
    a.insert(
        "network_configuration".into(),
        item.network_configuration().and_then(|nc| nc.awsvpc_configuration()).map_or(Value::Null, |v| {
            map(vec![
                ("subnets", string_set(v.subnets().iter().cloned())),
                ("security_groups", string_set(v.security_groups().iter().cloned())),
                ("assign_public_ip", Value::Bool(v.assign_public_ip() == Some(&AssignPublicIp::Enabled))),
            ])
        }),
    );
    let lbs: Vec<Value> = item
        .load_balancers()
        .iter()
        .map(|l| {
            map(vec![
                ("target_group_arn", s(l.target_group_arn())),
                ("elb_name", s(l.load_balancer_name())),
                ("container_name", s(l.container_name())),
                ("container_port", n(l.container_port())),
            ])
        })
        .collect();
    a.insert("load_balancer".into(), Value::set(lbs));
    a.insert("tags_all".into(), user_tags(item.tags()));
    a
}

fn network(desired: &Attrs) -> Result<Option<NetworkConfiguration>, ProviderError> {
    get_block(desired, "network_configuration")
        .map(|nc| {
            let vpc = AwsVpcConfiguration::builder()
                .set_subnets(Some(get_strings(nc, "subnets")))
                .set_security_groups(Some(get_strings(nc, "security_groups")))
                .assign_public_ip(if get_bool(nc, "assign_public_ip") == Some(true) {
                    AssignPublicIp::Enabled
                } else {
                    AssignPublicIp::Disabled
                })
                .build()
                .map_err(|e| other(format!("network_configuration: {e}")))?;
            Ok(NetworkConfiguration::builder().awsvpc_configuration(vpc).build())
        })
        .transpose()
}

fn load_balancers(desired: &Attrs) -> Vec<LoadBalancer> {
    get_blocks(desired, "load_balancer")
        .into_iter()
        .map(|l| {
            LoadBalancer::builder()
                .set_target_group_arn(get_string(l, "target_group_arn"))
                .set_load_balancer_name(get_string(l, "elb_name"))
                .set_container_name(get_string(l, "container_name"))
                .set_container_port(get_i32(l, "container_port"))
                .build()
        })
        .collect()
}

fn strategy(desired: &Attrs) -> Result<Vec<CapacityProviderStrategyItem>, ProviderError> {
    get_blocks(desired, "capacity_provider_strategy")
        .into_iter()
        .map(|c| {
            CapacityProviderStrategyItem::builder()
                .capacity_provider(need_str(c, "capacity_provider")?)
                .weight(get_i32(c, "weight").unwrap_or(0))
                .base(get_i32(c, "base").unwrap_or(0))
                .build()
                .map_err(|e| other(format!("capacity_provider_strategy: {e}")))
        })
        .collect()
}

fn deployment(desired: &Attrs) -> DeploymentConfiguration {
    let breaker = get_block(desired, "deployment_circuit_breaker").map(|c| {
        DeploymentCircuitBreaker::builder()
            .enable(get_bool(c, "enable").unwrap_or(false))
            .rollback(get_bool(c, "rollback").unwrap_or(false))
            .build()
    });
    DeploymentConfiguration::builder()
        .set_minimum_healthy_percent(get_i32(desired, "deployment_minimum_healthy_percent"))
        .set_maximum_percent(get_i32(desired, "deployment_maximum_percent"))
        .set_deployment_circuit_breaker(
            breaker.or_else(|| Some(DeploymentCircuitBreaker::builder().enable(false).rollback(false).build())),
        )
        .build()
}

/// What one look at a deploying service says: done, or how far it got.
pub(crate) fn progress(item: &Item) -> Result<Option<String>, String> {
    let deployments = item.deployments();
    let primary = deployments.iter().find(|d| d.status() == Some("PRIMARY"));
    if let Some(p) = primary
        && p.rollout_state().map(|r| r.as_str()) == Some("FAILED")
    {
        return Err(format!("the deployment failed: {}", p.rollout_state_reason().unwrap_or("ECS gave no reason")));
    }
    let desired = item.desired_count();
    let running = item.running_count();
    if deployments.len() <= 1 && running == desired && primary.is_none_or(|p| p.running_count() == desired) {
        return Ok(None);
    }
    let failed = primary.map_or(0, |p| p.failed_tasks());
    let mut line = format!("{running}/{desired} running");
    if item.pending_count() > 0 {
        line.push_str(&format!(", {} pending", item.pending_count()));
    }
    if deployments.len() > 1 {
        line.push_str(&format!(", {} deployments draining", deployments.len() - 1));
    }
    if failed > 0 {
        line.push_str(&format!(", {failed} failed"));
    }
    Ok(Some(line))
}

impl Service {
    async fn read_one(c: &Clients, cluster: &str, arn: &str, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let item = retry(
            Policy::NEW_OBJECT,
            || async {
                describe(c, cluster, &[arn.to_string()]).await?.into_iter().next().ok_or_else(|| {
                    ProviderError::new(ProviderErrorKind::NotFound, format!("ECS service {} not found", arn_name(arn)))
                })
            },
            nothing,
        )
        .await?;
        Ok(attrs(&item, desired))
    }

    /// Why the service's last stopped task stopped (one `ListTasks` and one `DescribeTasks`).
    async fn stopped_reason(c: &Clients, cluster: &str, name: &str) -> Option<String> {
        let tasks = c
            .ecs
            .list_tasks()
            .cluster(cluster)
            .service_name(name)
            .desired_status(DesiredStatus::Stopped)
            .max_results(1)
            .send()
            .await
            .ok()?;
        let arn = tasks.task_arns().first()?;
        let out = c.ecs.describe_tasks().cluster(cluster).tasks(arn).send().await.ok()?;
        out.tasks().first().and_then(|t| t.stopped_reason()).map(str::to_string)
    }

    /// Waits until the deployment has every task running (`wait_for_steady_state`), telling the
    /// progress what it sees: "2/3 running, 1 failed: <why the task stopped>".
    async fn steady(c: &Clients, ctx: &OpContext, cluster: &str, arn: &str) -> Result<(), ProviderError> {
        let name = arn_name(arn);
        let wait =
            Wait::within(format!("ECS service {name}"), "steady (every task running)", ctx, Duration::from_secs(3600))
                .polling(Duration::from_secs(1), Duration::from_secs(15));
        // Failed tasks seen so far, and why the last one stopped.
        let seen = std::sync::Mutex::new((0, None::<String>));
        until(
            &wait,
            || async {
                let Some(item) = describe(c, cluster, &[arn.to_string()]).await?.into_iter().next() else {
                    return Err(ProviderError::new(
                        ProviderErrorKind::NotFound,
                        format!("ECS service {name} disappeared while deploying"),
                    ));
                };
                let mut line = match progress(&item) {
                    Err(why) => {
                        return Err(ProviderError::new(ProviderErrorKind::Other, format!("ECS service {name}: {why}")));
                    }
                    Ok(None) => return Ok(Status::Ready(())),
                    Ok(Some(line)) => line,
                };
                let failed =
                    item.deployments().iter().find(|d| d.status() == Some("PRIMARY")).map_or(0, |d| d.failed_tasks());
                let (before, reason) = seen.lock().map(|g| g.clone()).unwrap_or_default();
                let reason =
                    if failed > before { Self::stopped_reason(c, cluster, name).await.or(reason) } else { reason };
                if failed > 0
                    && let Some(why) = &reason
                {
                    line.push_str(&format!(": {why}"));
                }
                if let Ok(mut g) = seen.lock() {
                    *g = (failed, reason);
                }
                Ok(Status::Pending(line))
            },
            TimedOut::provider_error,
        )
        .await
        .map(|_| ())
    }
}

#[async_trait]
impl ResourceType for Service {
    fn name(&self) -> &'static str {
        "aws_ecs_service"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn attributes_from_terraform(&self, attributes: &Attrs) -> Attrs {
        from_terraform(&self.schema, attributes)
    }

    /// One `DescribeServices` call per cluster and 10 services.
    async fn read_many(
        &self,
        _ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        if objects.is_empty() {
            return Ok(BTreeMap::new());
        }
        let c = self.ctx.clients().await?;
        let mut by_cluster: BTreeMap<String, Vec<&(String, Attrs)>> = BTreeMap::new();
        for o in objects {
            by_cluster.entry(cluster_of(&o.1)).or_default().push(o);
        }
        let mut out = BTreeMap::new();
        for (cluster, objs) in by_cluster {
            let ids: Vec<String> = objs.iter().map(|(id, _)| id.clone()).collect();
            let found: BTreeMap<String, Item> = describe(c, &cluster, &ids)
                .await?
                .into_iter()
                .filter_map(|i| Some((i.service_arn()?.to_string(), i)))
                .collect();
            for (id, prior) in objs {
                if let Some(item) = found.get(id) {
                    out.insert(id.clone(), attrs(item, prior));
                }
            }
        }
        Ok(out)
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let name = need_str(desired, "name")?;
        let cluster = cluster_of(desired);
        let net = network(desired)?;
        let lbs = load_balancers(desired);
        let strat = strategy(desired)?;
        let tags = create_tags(&ctx.identity, desired.get("tags_all"));
        let token = client_token(ctx);
        let policy = Policy::when(role_not_ready, ctx.remaining().min(Policy::IAM_PROPAGATION.timeout));
        let out = retry(
            policy,
            || async {
                c.ecs
                    .create_service()
                    .cluster(&cluster)
                    .service_name(name)
                    .set_task_definition(get_string(desired, "task_definition"))
                    .desired_count(get_i32(desired, "desired_count").unwrap_or(0))
                    .set_launch_type(get_str(desired, "launch_type").map(Into::into))
                    .set_capacity_provider_strategy(Some(strat.clone()).filter(|s| !s.is_empty()))
                    .set_platform_version(get_string(desired, "platform_version"))
                    .set_network_configuration(net.clone())
                    .set_load_balancers(Some(lbs.clone()).filter(|l| !l.is_empty()))
                    .deployment_configuration(deployment(desired))
                    .set_health_check_grace_period_seconds(get_i32(desired, "health_check_grace_period_seconds"))
                    .enable_execute_command(get_bool(desired, "enable_execute_command").unwrap_or(false))
                    .enable_ecs_managed_tags(get_bool(desired, "enable_ecs_managed_tags").unwrap_or(false))
                    .set_propagate_tags(get_str(desired, "propagate_tags").map(Into::into))
                    .set_scheduling_strategy(get_str(desired, "scheduling_strategy").map(Into::into))
                    .set_tags(Some(tags.clone()))
                    .client_token(&token)
                    .send()
                    .await
                    .map_err(|e| sdk("CreateService", e))
            },
            nothing,
        )
        .await
        .map_err(|e| name_the_role(e, &format!("ECS service {name}"), desired))?;
        let arn = out
            .service()
            .and_then(|s| s.service_arn())
            .ok_or_else(|| other(format!("CreateService returned no ARN for ECS service {name}")))?
            .to_string();
        if get_bool(desired, "wait_for_steady_state") == Some(true) {
            Self::steady(c, ctx, &cluster, &arn).await?;
        }
        Self::read_one(c, &cluster, &arn, desired).await
    }

    /// `UpdateService` with what changed (nothing else, so values left to autoscaling or CI
    /// through `ignore_changes` are not sent), tags by delta.
    async fn update(&self, ctx: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        // Settings provision keeps for itself (read at apply or destroy time) change with no call.
        const OWN: &[&str] = &["force_delete", "wait_for_steady_state", "force_new_deployment"];
        let changed = |k: &str| prior.get(k) != desired.get(k);
        if desired.keys().all(|k| OWN.contains(&k.as_str()) || !changed(k) || matches!(k.as_str(), "id" | "tags")) {
            let mut now = prior.clone();
            for k in OWN {
                now.insert((*k).into(), desired.get(*k).cloned().unwrap_or(Value::Bool(false)));
            }
            return Ok(now);
        }
        let c = self.ctx.clients().await?;
        let cluster = cluster_of(prior);
        let mut req = c.ecs.update_service().cluster(&cluster).service(id);
        let mut any = false;
        if changed("desired_count") {
            req = req.desired_count(get_i32(desired, "desired_count").unwrap_or(0));
            any = true;
        }
        if changed("task_definition") {
            req = req.set_task_definition(get_string(desired, "task_definition"));
            any = true;
        }
        if changed("deployment_minimum_healthy_percent")
            || changed("deployment_maximum_percent")
            || changed("deployment_circuit_breaker")
        {
            req = req.deployment_configuration(deployment(desired));
            any = true;
        }
        if changed("network_configuration") {
            req = req.set_network_configuration(network(desired)?);
            any = true;
        }
        if changed("load_balancer") {
            req = req.set_load_balancers(Some(load_balancers(desired)));
            any = true;
        }
        if changed("capacity_provider_strategy") {
            req = req.set_capacity_provider_strategy(Some(strategy(desired)?));
            any = true;
        }
        if changed("platform_version") && get_string(desired, "platform_version").is_some() {
            req = req.set_platform_version(get_string(desired, "platform_version"));
            any = true;
        }
        if changed("health_check_grace_period_seconds") {
            req = req
                .health_check_grace_period_seconds(get_i32(desired, "health_check_grace_period_seconds").unwrap_or(0));
            any = true;
        }
        if changed("enable_execute_command") {
            req = req.enable_execute_command(get_bool(desired, "enable_execute_command").unwrap_or(false));
            any = true;
        }
        if changed("enable_ecs_managed_tags") {
            req = req.enable_ecs_managed_tags(get_bool(desired, "enable_ecs_managed_tags").unwrap_or(false));
            any = true;
        }
        if changed("propagate_tags") {
            req = req.propagate_tags(get_str(desired, "propagate_tags").unwrap_or("NONE").into());
            any = true;
        }
        if any && get_bool(desired, "force_new_deployment") == Some(true) {
            req = req.force_new_deployment(true);
        }
        if any {
            let policy = Policy::when(role_not_ready, ctx.remaining().min(Policy::IAM_PROPAGATION.timeout));
            retry(
                policy,
                || async { req.clone().send().await.map(|_| ()).map_err(|e| sdk("UpdateService", e)) },
                nothing,
            )
            .await
            .map_err(|e| name_the_role(e, &format!("ECS service {}", arn_name(id)), desired))?;
        }
        sync_tags(&c.ecs, id, prior.get("tags_all"), desired.get("tags_all")).await?;
        if any && get_bool(desired, "wait_for_steady_state") == Some(true) {
            Self::steady(c, ctx, &cluster, id).await?;
        }
        Self::read_one(c, &cluster, id, desired).await
    }

    /// Scale to 0 (unless `force_delete`), `DeleteService` (retried while ECS says deployments are
    /// still active), then wait until ECS reports it `INACTIVE` (or no longer at all).
    async fn delete(&self, ctx: &OpContext, id: &str, prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        let cluster = cluster_of(prior);
        let name = arn_name(id).to_string();
        let force = get_bool(prior, "force_delete") == Some(true);
        if !force && prior.get("scheduling_strategy").and_then(Value::as_str) != Some("DAEMON") {
            ctx.status("scaling to 0");
            let scaled = c
                .ecs
                .update_service()
                .cluster(&cluster)
                .service(id)
                .desired_count(0)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| sdk("UpdateService", e));
            if let Err(e) = gone_is_ok(scaled) {
                // A draining service cannot be scaled; deleting it is what is left to do.
                if !e.message.contains("DRAINING") && e.kind != ProviderErrorKind::Invalid {
                    return Err(e);
                }
            }
        }
        gone_is_ok(
            retry(
                Policy::in_use(ctx.remaining().min(Duration::from_secs(600))),
                || async {
                    c.ecs
                        .delete_service()
                        .cluster(&cluster)
                        .service(id)
                        .force(force)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|e| sdk("DeleteService", e))
                },
                nothing,
            )
            .await,
        )?;
        let wait = Wait::within(format!("ECS service {name}"), "INACTIVE", ctx, Duration::from_secs(1200)).until_gone();
        until(
            &wait,
            || async {
                let out = c.ecs.describe_services().cluster(&cluster).services(id).send().await;
                let out = match out {
                    Ok(o) => o,
                    Err(e) => {
                        let e = sdk("DescribeServices", e);
                        return if e.is_not_found() { Ok(Status::<()>::Gone) } else { Err(e) };
                    }
                };
                Ok(match out.services().first() {
                    None => Status::Gone,
                    Some(s) if s.status() == Some("INACTIVE") => Status::Gone,
                    Some(s) => {
                        Status::Pending(format!("{} ({} running)", s.status().unwrap_or("?"), s.running_count()))
                    }
                })
            },
            TimedOut::provider_error,
        )
        .await?;
        Ok(())
    }

    /// `ListServices` of the cluster, then `DescribeServices` (10 per call, with tags) for the
    /// service tagged for the address.
    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let c = self.ctx.clients().await?;
        let cluster = cluster_of(&query.desired);
        let mut arns = vec![];
        let mut pages = c.ecs.list_services().cluster(&cluster).into_paginator().send();
        while let Some(page) = pages.next().await {
            match page {
                Ok(p) => arns.extend(p.service_arns().iter().cloned()),
                Err(e) => {
                    let e = sdk("ListServices", e);
                    if e.is_not_found() {
                        return Ok(vec![]);
                    }
                    return Err(e);
                }
            }
        }
        Ok(describe(c, &cluster, &arns)
            .await?
            .iter()
            .filter(|i| tagged_for(i.tags(), &query.identity))
            .map(|i| Found::ours(attrs(i, &query.desired)))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ecs::types::Deployment;

    #[test]
    fn terraforms_values_for_unset_settings_read_as_unset() {
        let types = crate::types(&Arc::new(provision_aws_core::Context::default()));
        let service = types.resources.iter().find(|t| t.name() == "aws_ecs_service").expect("type");
        // As Terraform 5.100 recorded a service of examples/seed-003-durable-code (against moto).
        let recorded = provision_aws_core::terraform::attributes_from_json(
            r#"{"health_check_grace_period_seconds": 0, "propagate_tags": "NONE", "deployment_circuit_breaker": [{"enable": true, "rollback": true}], "platform_version": "LATEST"}"#,
        )
        .expect("attributes");
        let prior = service.attributes_from_terraform(&recorded);
        assert_eq!(prior["health_check_grace_period_seconds"], Value::Null);
        assert_eq!(prior["propagate_tags"], Value::Null);
        assert_eq!(
            prior["deployment_circuit_breaker"],
            map(vec![("enable", Value::Bool(true)), ("rollback", Value::Bool(true))])
        );
        assert_eq!(prior["platform_version"], Value::from("LATEST"));
    }

    #[test]
    fn task_definitions_read_as_written() {
        let arn = "arn:aws:ecs:eu-west-1:1:task-definition/app:3";
        assert_eq!(task_definition_value(Some(arn), Some("app:3")), s(Some("app:3")));
        assert_eq!(task_definition_value(Some(arn), Some("app")), s(Some("app")));
        assert_eq!(task_definition_value(Some(arn), Some(arn)), s(Some(arn)));
        assert_eq!(task_definition_value(Some(arn), Some("app:2")), s(Some(arn)), "another revision is a change");
        assert_eq!(task_definition_value(Some(arn), Some("other")), s(Some(arn)));
        assert_eq!(task_definition_value(Some(arn), None), s(Some(arn)));
    }

    fn service(desired: i32, running: i32, deployments: Vec<Deployment>) -> Item {
        Item::builder().desired_count(desired).running_count(running).set_deployments(Some(deployments)).build()
    }

    fn deployment(status: &str, running: i32, failed: i32, rollout: &str) -> Deployment {
        Deployment::builder()
            .status(status)
            .running_count(running)
            .failed_tasks(failed)
            .rollout_state(rollout.into())
            .build()
    }

    #[test]
    fn progress_says_how_far_a_deployment_got() {
        let s =
            service(3, 2, vec![deployment("PRIMARY", 2, 1, "IN_PROGRESS"), deployment("ACTIVE", 0, 0, "COMPLETED")]);
        assert_eq!(progress(&s), Ok(Some("2/3 running, 1 deployments draining, 1 failed".into())));
        let s = service(3, 3, vec![deployment("PRIMARY", 3, 0, "COMPLETED")]);
        assert_eq!(progress(&s), Ok(None));
        let s = service(3, 1, vec![deployment("PRIMARY", 1, 4, "FAILED")]);
        assert!(progress(&s).is_err_and(|e| e.contains("failed")));
    }
}
