//! `aws_ecs_task_definition`: one revision of a task family. ECS never changes a revision: every
//! change registers a new one (and deregisters the previous one unless `skip_destroy`), so the plan
//! says "update (registers a new revision)" rather than "replace", and the new ARN flows to the
//! services that use it. `container_definitions` compares by meaning (see `containers.rs`), and a
//! Fargate task's size is checked at plan time (see `fargate.rs`).

use crate::containers;
use crate::context::{Clients, Context};
use crate::error::{role_in, role_not_ready, sdk};
use crate::fargate;
use crate::util::{
    create_tags, get_block, get_blocks, get_bool, get_i32, get_str, get_string, get_strings, map, n, need_str, other,
    s, string_set, sync_tags, tagged_for, user_tags,
};
use async_trait::async_trait;
use aws_sdk_ecs::types::{
    EfsAuthorizationConfig, EfsVolumeConfiguration, EphemeralStorage, HostVolumeProperties, RuntimePlatform, SortOrder,
    TaskDefinition as Item, TaskDefinitionField, TaskDefinitionPlacementConstraint, TaskDefinitionStatus, Volume,
};
use provision_aws_core::retry::{Policy, gone_is_ok, retry};
use provision_core::{
    AttributeSchema, Attrs, BlockSchema, FindQuery, Found, Nesting, OpContext, ProviderError, ProviderErrorKind,
    ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;

pub(crate) struct TaskDefinition {
    ctx: Arc<Context>,
    schema: Schema,
}

fn one_of(v: &Value, allowed: &[&str], what: &str) -> Result<(), String> {
    match v.as_str() {
        Some(s) if allowed.contains(&s) => Ok(()),
        other => Err(format!("{other:?} is not {what}: use one of {}", allowed.join(", "))),
    }
}

fn volume_schema() -> Schema {
    let auth = Schema::new("How the task authenticates to EFS.")
        .attr(
            AttributeSchema::optional("access_point_id", Type::String)
                .describe("The EFS access point (requires `transit_encryption = \"ENABLED\"`)."),
        )
        .attr(
            AttributeSchema::optional("iam", Type::String)
                .validate(|v| one_of(v, &["ENABLED", "DISABLED"], "an IAM setting"))
                .describe("`ENABLED` to use the task role to mount; AWS's default is `DISABLED`."),
        );
    let efs = Schema::new("An EFS file system mounted as this volume.")
        .attr(AttributeSchema::required("file_system_id", Type::String).describe("The EFS file system."))
        .attr(
            AttributeSchema::optional("root_directory", Type::String)
                .describe("The directory mounted as the root (AWS's default `/`)."),
        )
        .attr(
            AttributeSchema::optional("transit_encryption", Type::String)
                .validate(|v| one_of(v, &["ENABLED", "DISABLED"], "a transit encryption setting"))
                .describe("`ENABLED` or `DISABLED` (AWS's default)."),
        )
        .attr(
            AttributeSchema::optional("transit_encryption_port", Type::Number)
                .describe("The port used between the host and EFS."),
        )
        .block(BlockSchema::new("authorization_config", Nesting::Single, auth, "Access point and IAM authorization."));
    Schema::new("A data volume containers can mount.")
        .attr(
            AttributeSchema::required("name", Type::String)
                .describe("The volume's name, referred to by `mountPoints[].sourceVolume`."),
        )
        .attr(
            AttributeSchema::optional("host_path", Type::String).describe("A path on the host (EC2 launch type only)."),
        )
        .block(BlockSchema::new("efs_volume_configuration", Nesting::Single, efs, "An EFS file system."))
}

impl TaskDefinition {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("A revision of an ECS task definition family.")
            .attr(AttributeSchema::computed("id", Type::String).per_revision().describe("The revision's ARN (Terraform uses the family; provision the ARN, since each revision is its own object)."))
            .attr(AttributeSchema::computed("arn", Type::String).per_revision().describe("The ARN of this revision (`...:task-definition/family:3`). Known after apply when a change registers a new revision."))
            .attr(AttributeSchema::computed("arn_without_revision", Type::String).describe("The ARN without `:revision`: services using it run the family's latest ACTIVE revision."))
            .attr(AttributeSchema::computed("revision", Type::Number).per_revision().describe("The revision number."))
            .attr(AttributeSchema::required("family", Type::String).validate(validate_family).describe("The family: up to 255 letters, digits, hyphens and underscores."))
            .attr(
                AttributeSchema::required("container_definitions", Type::String)
                    .validate(containers::validate)
                    .normalize(containers::normalize)
                    .describe("The containers, as a JSON array (`jsonencode([...])`). Compared by meaning: key order, whitespace, `environment` order and the defaults ECS adds when reading (`cpu: 0`, `essential: true`, `mountPoints: []`, `protocol: \"tcp\"`, a `hostPort` equal to `containerPort`) are not changes. Unknown keys and wrong types are refused at plan time."),
            )
            .attr(AttributeSchema::optional("cpu", Type::String).normalize(fargate::normalize_cpu).describe("Task CPU units (`\"256\"`, or `\"0.25 vCPU\"`). With FARGATE, checked at plan time against the sizes Fargate runs."))
            .attr(AttributeSchema::optional("memory", Type::String).normalize(fargate::normalize_memory).describe("Task memory in MiB (`\"512\"`, or `\"1 GB\"`). With FARGATE, checked at plan time against `cpu`."))
            .attr(AttributeSchema::optional("execution_role_arn", Type::String).describe("The role ECS uses to pull images and write logs. A role created moments ago is waited for (IAM propagation)."))
            .attr(AttributeSchema::optional("task_role_arn", Type::String).describe("The role the containers assume."))
            .attr(
                AttributeSchema::optional_computed("network_mode", Type::String)
                    .validate(|v| one_of(v, &["bridge", "host", "awsvpc", "none"], "a network mode"))
                    .describe("`awsvpc` (required by Fargate), `bridge`, `host` or `none`. When unset ECS picks (`bridge` on EC2)."),
            )
            .attr(AttributeSchema::optional("requires_compatibilities", Type::set(Type::String)).describe("Launch types the task must run on: `FARGATE`, `EC2`, `EXTERNAL`."))
            .attr(AttributeSchema::optional("ipc_mode", Type::String).validate(|v| one_of(v, &["host", "task", "none"], "an IPC mode")).describe("`host`, `task` or `none` (EC2 only)."))
            .attr(AttributeSchema::optional("pid_mode", Type::String).validate(|v| one_of(v, &["host", "task"], "a PID mode")).describe("`host` or `task`."))
            .attr(AttributeSchema::optional("skip_destroy", Type::Bool).default(false).at_destroy().describe("Keep the revision registered when it is destroyed or superseded by a new revision. The value the configuration has when the destroy runs counts."))
            .block(BlockSchema::new("volume", Nesting::Set, volume_schema(), "Data volumes (host paths, EFS)."))
            .block(BlockSchema::new(
                "placement_constraints",
                Nesting::Set,
                Schema::new("A placement constraint.")
                    .attr(AttributeSchema::required("type", Type::String).describe("`memberOf`."))
                    .attr(AttributeSchema::optional("expression", Type::String).describe("A cluster query language expression.")),
                "Where tasks may be placed (EC2 only).",
            ))
            .block(
                BlockSchema::new(
                    "runtime_platform",
                    Nesting::Single,
                    Schema::new("The platform the task runs on.")
                        .attr(AttributeSchema::optional("cpu_architecture", Type::String).validate(|v| one_of(v, &["X86_64", "ARM64"], "a CPU architecture")).describe("`X86_64` or `ARM64`."))
                        .attr(AttributeSchema::optional("operating_system_family", Type::String).describe("`LINUX`, `WINDOWS_SERVER_2022_CORE`, ...")),
                    "CPU architecture and operating system. When no block is written, ECS's choice is kept.",
                )
                .unmanaged_when_absent(),
            )
            .block(
                BlockSchema::new(
                    "ephemeral_storage",
                    Nesting::Single,
                    Schema::new("Fargate ephemeral storage.").attr(
                        AttributeSchema::required("size_in_gib", Type::Number)
                            .validate(|v| match v.as_number() {
                                Some(n) if (21.0..=200.0).contains(&n) && n.fract() == 0.0 => Ok(()),
                                _ => Err("`size_in_gib` must be a whole number from 21 to 200".into()),
                            })
                            .describe("21 to 200 GiB."),
                    ),
                    "Ephemeral storage beyond Fargate's 20 GiB. When no block is written, ECS's default is kept.",
                )
                .unmanaged_when_absent(),
            )
            .check(check_fargate)
            .revisions("registers a new revision")
            .with_tags()
            .runtime_layer();
        TaskDefinition { ctx, schema }
    }
}

fn validate_family(v: &Value) -> Result<(), String> {
    let f = v.as_str().unwrap_or_default();
    if f.is_empty() || f.len() > 255 || !f.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(format!(
            "\"{f}\" is not a task definition family: 1 to 255 letters, digits, hyphens and underscores"
        ));
    }
    Ok(())
}

/// With FARGATE in `requires_compatibilities`: `cpu` and `memory` set to a pair Fargate runs, and
/// `network_mode = "awsvpc"`. Values not known yet are skipped.
fn check_fargate(a: &Attrs) -> Result<(), String> {
    let fargate = a
        .get("requires_compatibilities")
        .and_then(Value::as_seq)
        .is_some_and(|c| c.iter().any(|v| v.as_str() == Some("FARGATE")));
    if !fargate {
        return Ok(());
    }
    let known = |k: &str| a.get(k).filter(|v| !v.is_unknown());
    let (cpu, memory) = (known("cpu"), known("memory"));
    if cpu.is_some_and(Value::is_null) || cpu.is_none() && !a.get("cpu").is_some_and(Value::is_unknown) {
        return Err("a FARGATE task definition needs `cpu` (e.g. \"256\")".into());
    }
    if memory.is_some_and(Value::is_null) || memory.is_none() && !a.get("memory").is_some_and(Value::is_unknown) {
        return Err("a FARGATE task definition needs `memory` (e.g. \"512\")".into());
    }
    if let (Some(c), Some(m)) = (cpu.and_then(Value::as_str), memory.and_then(Value::as_str)) {
        fargate::check(c, m)?;
    }
    match known("network_mode").and_then(Value::as_str) {
        Some(mode) if mode != "awsvpc" => {
            Err(format!("a FARGATE task definition needs `network_mode = \"awsvpc\"`, not \"{mode}\""))
        }
        _ => Ok(()),
    }
}

fn volumes(desired: &Attrs) -> Result<Vec<Volume>, ProviderError> {
    get_blocks(desired, "volume")
        .into_iter()
        .map(|v| {
            let efs = get_block(v, "efs_volume_configuration")
                .map(|e| {
                    let auth = get_block(e, "authorization_config").map(|a| {
                        EfsAuthorizationConfig::builder()
                            .set_access_point_id(get_string(a, "access_point_id"))
                            .set_iam(get_str(a, "iam").map(Into::into))
                            .build()
                    });
                    EfsVolumeConfiguration::builder()
                        .file_system_id(need_str(e, "file_system_id")?)
                        .set_root_directory(get_string(e, "root_directory"))
                        .set_transit_encryption(get_str(e, "transit_encryption").map(Into::into))
                        .set_transit_encryption_port(get_i32(e, "transit_encryption_port"))
                        .set_authorization_config(auth)
                        .build()
                        .map_err(|e| other(format!("volume: {e}")))
                })
                .transpose()?;
            Ok(Volume::builder()
                .set_name(get_string(v, "name"))
                .set_host(get_string(v, "host_path").map(|p| HostVolumeProperties::builder().source_path(p).build()))
                .set_efs_volume_configuration(efs)
                .build())
        })
        .collect()
}

/// What AWS fills in for EFS settings left unset; read as unset when the configuration left them so.
const EFS_DEFAULTS: &[(&str, &str)] =
    &[("root_directory", "/"), ("transit_encryption", "DISABLED"), ("iam", "DISABLED")];

fn volume_value(v: &Volume, prior: Option<&Attrs>) -> Value {
    let prior_efs = prior.and_then(|p| get_block(p, "efs_volume_configuration"));
    let unset = |within: Option<&Attrs>, k: &str, read: Option<&str>| -> Value {
        let was_null = within.is_none_or(|w| w.get(k).is_none_or(Value::is_null));
        match read {
            Some(r) if was_null && EFS_DEFAULTS.contains(&(k, r)) => Value::Null,
            other => s(other),
        }
    };
    let efs = v.efs_volume_configuration().map_or(Value::Null, |e| {
        let prior_auth = prior_efs.and_then(|p| get_block(p, "authorization_config"));
        let auth = e.authorization_config().map_or(Value::Null, |a| {
            let v = map(vec![
                ("access_point_id", s(a.access_point_id())),
                ("iam", unset(prior_auth, "iam", a.iam().map(|i| i.as_str()))),
            ]);
            if v.as_map().is_some_and(|m| m.values().all(Value::is_null)) && prior_auth.is_none() {
                Value::Null
            } else {
                v
            }
        });
        map(vec![
            ("file_system_id", s(Some(e.file_system_id()))),
            ("root_directory", unset(prior_efs, "root_directory", e.root_directory())),
            ("transit_encryption", unset(prior_efs, "transit_encryption", e.transit_encryption().map(|t| t.as_str()))),
            ("transit_encryption_port", n(e.transit_encryption_port())),
            ("authorization_config", auth),
        ])
    });
    map(vec![
        ("name", s(v.name())),
        ("host_path", s(v.host().and_then(|h| h.source_path()))),
        ("efs_volume_configuration", efs),
    ])
}

fn attrs(td: &Item, tags: &[aws_sdk_ecs::types::Tag], prior: &Attrs) -> Attrs {
    let arn = td.task_definition_arn().unwrap_or_default();
    let mut a = Attrs::new();
    a.insert("id".into(), s(Some(arn)));
    a.insert("arn".into(), s(Some(arn)));
    a.insert("arn_without_revision".into(), s(arn.rsplit_once(':').map(|(base, _)| base)));
    a.insert("revision".into(), Value::Number(f64::from(td.revision())));
    a.insert("family".into(), s(td.family()));
    a.insert("container_definitions".into(), Value::String(containers::to_json(td.container_definitions())));
    a.insert("cpu".into(), s(td.cpu()));
    a.insert("memory".into(), s(td.memory()));
    a.insert("execution_role_arn".into(), s(td.execution_role_arn()));
    a.insert("task_role_arn".into(), s(td.task_role_arn()));
    a.insert("network_mode".into(), s(td.network_mode().map(|m| m.as_str())));
    let compat = td.requires_compatibilities();
    a.insert(
        "requires_compatibilities".into(),
        if compat.is_empty() { Value::Null } else { string_set(compat.iter().map(|c| c.as_str())) },
    );
    a.insert("ipc_mode".into(), s(td.ipc_mode().map(|m| m.as_str())));
    a.insert("pid_mode".into(), s(td.pid_mode().map(|m| m.as_str())));
    // Not an AWS setting: what the configuration last said.
    a.insert("skip_destroy".into(), Value::Bool(get_bool(prior, "skip_destroy").unwrap_or(false)));
    let prior_volumes = get_blocks(prior, "volume");
    let vols: Vec<Value> = td
        .volumes()
        .iter()
        .map(|v| volume_value(v, prior_volumes.iter().copied().find(|p| get_str(p, "name") == v.name())))
        .collect();
    a.insert("volume".into(), Value::set(vols));
    let pcs: Vec<Value> = td
        .placement_constraints()
        .iter()
        .map(|p| map(vec![("type", s(p.r#type().map(|t| t.as_str()))), ("expression", s(p.expression()))]))
        .collect();
    a.insert("placement_constraints".into(), Value::set(pcs));
    a.insert(
        "runtime_platform".into(),
        td.runtime_platform().map_or(Value::Null, |r| {
            map(vec![
                ("cpu_architecture", s(r.cpu_architecture().map(|c| c.as_str()))),
                ("operating_system_family", s(r.operating_system_family().map(|o| o.as_str()))),
            ])
        }),
    );
    a.insert(
        "ephemeral_storage".into(),
        td.ephemeral_storage()
            .map_or(Value::Null, |e| map(vec![("size_in_gib", Value::Number(f64::from(e.size_in_gib())))])),
    );
    a.insert("tags_all".into(), user_tags(tags));
    a
}

/// The revision `arn` as ECS describes it now, with its tags; `None` when it does not exist or was
/// deregistered (an `INACTIVE` revision is gone as far as the configuration is concerned).
async fn describe(c: &Clients, arn: &str) -> Result<Option<(Item, Vec<aws_sdk_ecs::types::Tag>)>, ProviderError> {
    match c.ecs.describe_task_definition().task_definition(arn).include(TaskDefinitionField::Tags).send().await {
        Ok(out) => Ok(out
            .task_definition()
            .filter(|td| {
                td.status() != Some(&TaskDefinitionStatus::Inactive)
                    && td.status() != Some(&TaskDefinitionStatus::DeleteInProgress)
            })
            .map(|td| (td.clone(), out.tags().to_vec()))),
        Err(e) => {
            let e = sdk("DescribeTaskDefinition", e);
            if e.is_not_found() { Ok(None) } else { Err(e) }
        }
    }
}

impl TaskDefinition {
    /// `RegisterTaskDefinition` with everything `desired` says, tagged; retried while a role given
    /// to it was created moments ago and cannot be assumed yet.
    async fn register(&self, c: &Clients, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let family = need_str(desired, "family")?;
        let containers = containers::parse(need_str(desired, "container_definitions")?).map_err(|e| {
            ProviderError::new(
                ProviderErrorKind::Invalid,
                format!("task definition {family}: container_definitions {e}"),
            )
        })?;
        let vols = volumes(desired)?;
        let placement: Vec<TaskDefinitionPlacementConstraint> = get_blocks(desired, "placement_constraints")
            .into_iter()
            .map(|p| {
                TaskDefinitionPlacementConstraint::builder()
                    .set_type(get_str(p, "type").map(Into::into))
                    .set_expression(get_string(p, "expression"))
                    .build()
            })
            .collect();
        let runtime = get_block(desired, "runtime_platform").map(|r| {
            RuntimePlatform::builder()
                .set_cpu_architecture(get_str(r, "cpu_architecture").map(Into::into))
                .set_operating_system_family(get_str(r, "operating_system_family").map(Into::into))
                .build()
        });
        let storage = get_block(desired, "ephemeral_storage")
            .and_then(|e| get_i32(e, "size_in_gib"))
            .map(|size| EphemeralStorage::builder().size_in_gib(size).build());
        let tags = create_tags(&ctx.identity, desired.get("tags_all"));
        let policy = Policy::when(role_not_ready, ctx.remaining().min(Policy::IAM_PROPAGATION.timeout));
        let out = retry(
            policy,
            || async {
                c.ecs
                    .register_task_definition()
                    .family(family)
                    .set_container_definitions(Some(containers.clone()))
                    .set_cpu(get_string(desired, "cpu"))
                    .set_memory(get_string(desired, "memory"))
                    .set_execution_role_arn(get_string(desired, "execution_role_arn"))
                    .set_task_role_arn(get_string(desired, "task_role_arn"))
                    .set_network_mode(get_str(desired, "network_mode").map(Into::into))
                    .set_requires_compatibilities(
                        Some(
                            get_strings(desired, "requires_compatibilities")
                                .iter()
                                .map(|s| s.as_str().into())
                                .collect(),
                        )
                        .filter(|v: &Vec<_>| !v.is_empty()),
                    )
                    .set_ipc_mode(get_str(desired, "ipc_mode").map(Into::into))
                    .set_pid_mode(get_str(desired, "pid_mode").map(Into::into))
                    .set_volumes(Some(vols.clone()).filter(|v| !v.is_empty()))
                    .set_placement_constraints(Some(placement.clone()).filter(|v| !v.is_empty()))
                    .set_runtime_platform(runtime.clone())
                    .set_ephemeral_storage(storage.clone())
                    .set_tags(Some(tags.clone()))
                    .send()
                    .await
                    .map_err(|e| sdk("RegisterTaskDefinition", e))
            },
            provision_aws_core::retry::nothing,
        )
        .await
        .map_err(|e| name_the_role(e, &format!("task definition {family}"), desired))?;
        let td = out
            .task_definition()
            .ok_or_else(|| other(format!("RegisterTaskDefinition returned no task definition for {family}")))?;
        // AWS answers with the tags it set; moto leaves them out. They are the ones sent either way.
        let set = if out.tags().is_empty() { &tags } else { out.tags() };
        Ok(attrs(td, set, desired))
    }

    async fn deregister(c: &Clients, arn: &str) -> Result<(), ProviderError> {
        gone_is_ok(
            c.ecs
                .deregister_task_definition()
                .task_definition(arn)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| sdk("DeregisterTaskDefinition", e)),
        )
    }
}

/// An IAM propagation error that outlasted its retries says which role never became usable.
pub(crate) fn name_the_role(mut e: ProviderError, what: &str, desired: &Attrs) -> ProviderError {
    if role_not_ready(&e) || e.kind == ProviderErrorKind::Timeout && e.message.contains("assume") {
        let role = role_in(&e.message)
            .map(str::to_string)
            .or_else(|| get_string(desired, "execution_role_arn"))
            .or_else(|| get_string(desired, "task_role_arn"))
            .or_else(|| get_string(desired, "iam_role"))
            .unwrap_or_else(|| "the role given".into());
        e.message = format!(
            "{what}: ECS could not assume {role} (a role created moments ago takes a while to be usable; check its trust policy names the ECS service): {}",
            e.message
        );
    }
    e
}

/// Whether a change touches only what needs no new revision: tags, and `skip_destroy`.
fn only_tags_or_skip(prior: &Attrs, desired: &Attrs) -> bool {
    desired.iter().all(|(k, v)| {
        matches!(k.as_str(), "tags" | "tags_all" | "skip_destroy" | "id" | "arn" | "arn_without_revision" | "revision")
            || prior.get(k).is_none_or(|p| p == v || p.is_null() && v.as_seq().is_some_and(<[Value]>::is_empty))
    })
}

#[async_trait]
impl ResourceType for TaskDefinition {
    fn name(&self) -> &'static str {
        "aws_ecs_task_definition"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Terraform's id is the family; provision's is the revision's ARN.
    fn id_from_terraform(&self, attributes: &Attrs) -> Result<String, String> {
        provision_aws_core::terraform::text(attributes, "arn").map(str::to_string)
    }

    /// ECS has no batched read of task definitions: one `DescribeTaskDefinition` per revision.
    async fn read_many(
        &self,
        _ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        if objects.is_empty() {
            return Ok(BTreeMap::new());
        }
        let c = self.ctx.clients().await?;
        let mut out = BTreeMap::new();
        for (id, prior) in objects {
            if let Some((td, tags)) = describe(c, id).await? {
                out.insert(id.clone(), attrs(&td, &tags, prior));
            }
        }
        Ok(out)
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        self.register(c, ctx, desired).await
    }

    /// A new revision with the desired settings, then the previous one deregistered (unless
    /// `skip_destroy`). Tags alone, and `skip_destroy` alone, change in place.
    async fn update(&self, ctx: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        if only_tags_or_skip(prior, desired) {
            sync_tags(&c.ecs, id, prior.get("tags_all"), desired.get("tags_all")).await?;
            let mut now = prior.clone();
            for k in ["tags", "tags_all", "skip_destroy"] {
                if let Some(v) = desired.get(k) {
                    now.insert(k.into(), v.clone());
                }
            }
            return Ok(now);
        }
        let new = self.register(c, ctx, desired).await?;
        if get_bool(desired, "skip_destroy") != Some(true) {
            Self::deregister(c, id).await?;
        }
        Ok(new)
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, prior: &Attrs) -> Result<(), ProviderError> {
        if get_bool(prior, "skip_destroy") == Some(true) {
            return Ok(());
        }
        let c = self.ctx.clients().await?;
        Self::deregister(c, id).await
    }

    /// `ListTaskDefinitions` for the family (ACTIVE, newest first), then `DescribeTaskDefinition`
    /// of each until one tagged for the address: the revision an interrupted run registered.
    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let Some(family) = get_str(&query.desired, "family") else { return Ok(vec![]) };
        let c = self.ctx.clients().await?;
        let mut pages = c
            .ecs
            .list_task_definitions()
            .family_prefix(family)
            .status(TaskDefinitionStatus::Active)
            .sort(SortOrder::Desc)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            for arn in page.map_err(|e| sdk("ListTaskDefinitions", e))?.task_definition_arns() {
                if let Some((td, tags)) = describe(c, arn).await?
                    && td.family() == Some(family)
                    && tagged_for(&tags, &query.identity)
                {
                    return Ok(vec![Found::ours(attrs(&td, &tags, &query.desired))]);
                }
            }
        }
        Ok(vec![])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(type_name: &str, json: &str) -> Result<String, String> {
        provision_aws_core::terraform::id_from_terraform(crate::types, type_name, json)
    }

    #[test]
    fn the_id_from_terraform_is_the_revisions_arn_not_the_family() {
        // Part of what Terraform 5.100 wrote (examples/containers, against moto).
        let tf = r#"{"arn": "arn:aws:ecs:eu-west-1:123456789012:task-definition/shop-app:1", "arn_without_revision": "arn:aws:ecs:eu-west-1:123456789012:task-definition/shop-app", "family": "shop-app", "id": "shop-app", "revision": 1}"#;
        let t = "aws_ecs_task_definition";
        assert_eq!(id(t, tf), Ok("arn:aws:ecs:eu-west-1:123456789012:task-definition/shop-app:1".into()));
        assert_eq!(
            id(t, r#"{"id": "shop-app", "family": "shop-app"}"#),
            Err("its `arn` attribute is missing or empty".into())
        );
    }

    fn attrs_of(pairs: &[(&str, Value)]) -> Attrs {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    #[test]
    fn fargate_sizes_are_checked_at_plan_time() {
        let fargate = string_set(["FARGATE"]);
        let ok = attrs_of(&[
            ("requires_compatibilities", fargate.clone()),
            ("cpu", "256".into()),
            ("memory", "512".into()),
            ("network_mode", "awsvpc".into()),
        ]);
        assert_eq!(check_fargate(&ok), Ok(()));
        let bad = attrs_of(&[
            ("requires_compatibilities", fargate.clone()),
            ("cpu", "256".into()),
            ("memory", "4096".into()),
        ]);
        assert!(check_fargate(&bad).is_err_and(|e| e.contains("512, 1024 or 2048")));
        let no_cpu =
            attrs_of(&[("requires_compatibilities", fargate.clone()), ("cpu", Value::Null), ("memory", "512".into())]);
        assert!(check_fargate(&no_cpu).is_err_and(|e| e.contains("needs `cpu`")));
        let bridge = attrs_of(&[
            ("requires_compatibilities", fargate.clone()),
            ("cpu", "256".into()),
            ("memory", "512".into()),
            ("network_mode", "bridge".into()),
        ]);
        assert!(check_fargate(&bridge).is_err_and(|e| e.contains("awsvpc")));
        let unknown =
            attrs_of(&[("requires_compatibilities", fargate), ("cpu", Value::Unknown), ("memory", "512".into())]);
        assert_eq!(check_fargate(&unknown), Ok(()));
        let ec2 = attrs_of(&[("requires_compatibilities", string_set(["EC2"])), ("cpu", "300".into())]);
        assert_eq!(check_fargate(&ec2), Ok(()));
    }

    #[test]
    fn tags_alone_need_no_new_revision() {
        let prior = attrs_of(&[
            ("family", "app".into()),
            ("tags", Value::Null),
            ("skip_destroy", false.into()),
            ("volume", Value::Null),
        ]);
        let mut desired = prior.clone();
        desired.insert("tags".into(), map(vec![("a", "b".into())]));
        desired.insert("skip_destroy".into(), true.into());
        desired.insert("volume".into(), Value::set(vec![]));
        assert!(only_tags_or_skip(&prior, &desired));
        desired.insert("family".into(), "other".into());
        assert!(!only_tags_or_skip(&prior, &desired));
    }

    #[test]
    fn a_role_that_never_settles_is_named() {
        let e = ProviderError::new(ProviderErrorKind::Timeout, "RegisterTaskDefinition: ECS was unable to assume the role 'arn:aws:iam::1:role/exec' — still failing after 120s").with_code("InvalidParameterException");
        let e = name_the_role(e, "task definition app", &Attrs::new());
        assert!(
            e.message.starts_with("task definition app: ECS could not assume arn:aws:iam::1:role/exec"),
            "{}",
            e.message
        );
    }
}
