//! `aws_rds_cluster`: an Aurora cluster (storage, endpoints, credentials); its compute is
//! `aws_rds_cluster_instance`s, which refer to it, so the engine creates the cluster first and
//! deletes it last. Waited for with its status as live progress; deletion protection and the final
//! snapshot are decided at plan time from the configuration as it is at the time of the destroy,
//! as for `aws_db_instance`. A refresh costs one `DescribeDBClusters` call per 100 clusters.

use crate::common::{
    about, all_clusters, b, changed, create_tags, generated_name, get_bool, get_i32, get_str, get_string, get_strings,
    invalid, lowercase, n, pairs, s, string_set, sync_tags, user_tags, validate,
};
use crate::context::{Clients, Context};
use crate::error::sdk;
use crate::instance::{DeleteVerdict, delete_verdict, version_as_written};
use async_trait::async_trait;
use aws_sdk_rds::types::{DbCluster, Filter, ServerlessV2ScalingConfiguration};
use provision_aws_core::retry::{Policy, nothing, retry};
use provision_aws_core::wait::{self, Status, Wait};
use provision_core::{
    AttributeSchema, Attrs, BlockSchema, DeleteNote, FindQuery, Found, Nesting, OpContext, ProviderError,
    ProviderErrorKind, ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

const WHAT: &str = "DB cluster";
const FIRST_POLL: Duration = Duration::from_millis(500);
const MAX_POLL: Duration = Duration::from_secs(15);

pub(crate) struct Cluster {
    ctx: Arc<Context>,
    schema: Schema,
}

fn set(a: &Attrs, k: &str) -> bool {
    a.get(k).is_some_and(|v| !v.is_null())
}

fn check(a: &Attrs) -> Result<(), String> {
    if crate::common::both_set(a, "cluster_identifier", "cluster_identifier_prefix") {
        return Err("set `cluster_identifier` or `cluster_identifier_prefix`, not both".into());
    }
    let managed = a.get("manage_master_user_password").and_then(Value::as_bool) == Some(true);
    if managed && set(a, "master_password") {
        return Err("set `master_password` or `manage_master_user_password = true`, not both".into());
    }
    if !set(a, "snapshot_identifier") && !managed && !set(a, "master_password") {
        return Err(
            "set `master_password` (e.g. from a `random_password`) or `manage_master_user_password = true`".into()
        );
    }
    for block in a.get("serverlessv2_scaling_configuration").and_then(Value::as_seq).unwrap_or_default() {
        let num = |k: &str| block.as_map().and_then(|m| m.get(k)).and_then(Value::as_number);
        if let (Some(min), Some(max)) = (num("min_capacity"), num("max_capacity"))
            && min > max
        {
            return Err(format!(
                "serverlessv2_scaling_configuration: min_capacity ({min}) is above max_capacity ({max})"
            ));
        }
    }
    Ok(())
}

fn engine(v: &Value) -> Result<(), String> {
    provision_aws_core::validate::one_of(
        v,
        &["aurora-postgresql", "aurora-mysql", "postgres", "mysql"],
        "cluster engine",
    )
}

impl Cluster {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("An Aurora DB cluster.")
            .with_id()
            .attr(AttributeSchema::computed("arn", Type::String).describe("The cluster's ARN."))
            .attr(
                AttributeSchema::optional_computed("cluster_identifier", Type::String)
                    .force_new()
                    .validate(validate::identifier)
                    .describe("The cluster identifier; also the `id`. When unset, `cluster_identifier_prefix` (or `tf-`) followed by 20 hex characters derived from the stack, the address and the pending create. Changing it replaces the cluster."),
            )
            .attr(
                AttributeSchema::optional("cluster_identifier_prefix", Type::String)
                    .force_new()
                    .validate(validate::identifier_prefix)
                    .describe("A prefix for the generated identifier. Not reported by AWS: kept as configured."),
            )
            .attr(
                AttributeSchema::required("engine", Type::String)
                    .force_new()
                    .validate(engine)
                    .describe("`aurora-postgresql` or `aurora-mysql` (checked at plan time)."),
            )
            .attr(
                AttributeSchema::optional_computed("engine_version", Type::String)
                    .describe("The engine version, e.g. `16.4`; a prefix of the running version is not a change. Changed in place."),
            )
            .attr(AttributeSchema::computed("engine_version_actual", Type::String).describe("The engine version running."))
            .attr(
                AttributeSchema::optional("engine_mode", Type::String)
                    .default("provisioned")
                    .force_new()
                    .describe("`provisioned` (also for Serverless v2 instances). Replaces the cluster when changed."),
            )
            .attr(
                AttributeSchema::optional_computed("database_name", Type::String)
                    .force_new()
                    .describe("The database created in the cluster. Replaces the cluster when changed."),
            )
            .attr(
                AttributeSchema::optional_computed("master_username", Type::String)
                    .force_new()
                    .describe("The master user name. Replaces the cluster when changed."),
            )
            .attr(
                AttributeSchema::optional("master_password", Type::String)
                    .sensitive()
                    .describe("The master password: sensitive, never shown in plans, JSON plans, logs or errors, but kept in state; `manage_master_user_password` keeps it out of state. Changed in place; AWS never reports it."),
            )
            .attr(
                AttributeSchema::optional("manage_master_user_password", Type::Bool)
                    .default(false)
                    .describe("Let RDS generate the master password and keep it in Secrets Manager (`master_user_secret`). Cannot be combined with `master_password` (checked at plan time). Changed in place."),
            )
            .attr(
                AttributeSchema::computed(
                    "master_user_secret",
                    Type::list(Type::Object(vec![
                        ("kms_key_id", Type::String),
                        ("secret_arn", Type::String),
                        ("secret_status", Type::String),
                    ])),
                )
                .describe("With `manage_master_user_password`: the Secrets Manager secret holding the password."),
            )
            .attr(
                AttributeSchema::optional_computed("db_subnet_group_name", Type::String)
                    .force_new()
                    .describe("The subnet group. Replaces the cluster when changed."),
            )
            .attr(
                AttributeSchema::optional_computed("vpc_security_group_ids", Type::set(Type::String))
                    .describe("The security groups. Changed in place."),
            )
            .attr(
                AttributeSchema::optional_computed("db_cluster_parameter_group_name", Type::String)
                    .describe("The cluster parameter group; the engine's default when unset. Changed in place."),
            )
            .attr(
                AttributeSchema::optional("backup_retention_period", Type::Number)
                    .default(1.0)
                    .validate(validate::retention)
                    .describe("Days of automated backups, 1 to 35. Changed in place."),
            )
            .attr(
                AttributeSchema::optional_computed("preferred_backup_window", Type::String)
                    .validate(validate::window)
                    .describe("The daily backup window in UTC, e.g. `03:00-04:00`. Changed in place."),
            )
            .attr(
                AttributeSchema::optional_computed("preferred_maintenance_window", Type::String)
                    .validate(validate::window)
                    .normalize(lowercase)
                    .describe("The weekly maintenance window in UTC. Changed in place."),
            )
            .attr(
                AttributeSchema::optional("storage_encrypted", Type::Bool)
                    .default(false)
                    .force_new()
                    .describe("Encrypt the storage. Replaces the cluster when changed."),
            )
            .attr(
                AttributeSchema::optional_computed("kms_key_id", Type::String)
                    .force_new()
                    .describe("The KMS key (ARN) for storage encryption. Replaces the cluster when changed."),
            )
            .attr(
                AttributeSchema::optional_computed("port", Type::Number)
                    .validate(provision_aws_core::validate::port)
                    .describe("The port; the engine's default when unset. Changed in place."),
            )
            .attr(
                AttributeSchema::optional("enabled_cloudwatch_logs_exports", Type::set(Type::String))
                    .validate(crate::common::log_exports)
                    .describe("The logs the cluster exports to CloudWatch Logs: `postgresql` and `upgrade` for PostgreSQL (`iam-db-auth-error` too for Aurora); `audit`, `error`, `general` and `slowquery` for MySQL and MariaDB. Changed in place."),
            )
            .attr(
                AttributeSchema::optional("deletion_protection", Type::Bool)
                    .default(false)
                    .describe("While true, a plan that would delete or replace the cluster is refused before any AWS call, naming this argument. Changed in place."),
            )
            .attr(
                AttributeSchema::optional("skip_final_snapshot", Type::Bool)
                    .default(false)
                    .at_destroy()
                    .describe("Delete without a final snapshot; read from the configuration at the time of the destroy. A plan that deletes without a snapshot says so in red."),
            )
            .attr(
                AttributeSchema::optional("final_snapshot_identifier", Type::String)
                    .validate(validate::identifier)
                    .at_destroy()
                    .describe("The cluster snapshot taken when the cluster is deleted; read from the configuration at the time of the destroy. Required unless `skip_final_snapshot` (checked when a plan deletes the cluster)."),
            )
            .attr(
                AttributeSchema::optional("apply_immediately", Type::Bool)
                    .default(false)
                    .describe("Apply changes now rather than in the maintenance window. Not reported by AWS."),
            )
            .attr(
                AttributeSchema::optional("copy_tags_to_snapshot", Type::Bool)
                    .default(false)
                    .describe("Copy the cluster's tags to its snapshots. Changed in place."),
            )
            .attr(
                AttributeSchema::optional("snapshot_identifier", Type::String)
                    .force_new()
                    .describe("Create the cluster from this cluster snapshot (`RestoreDBClusterFromSnapshot`). Replaces the cluster when changed."),
            )
            .attr(AttributeSchema::computed("endpoint", Type::String).describe("The writer endpoint."))
            .attr(AttributeSchema::computed("reader_endpoint", Type::String).describe("The reader endpoint."))
            .attr(AttributeSchema::computed("hosted_zone_id", Type::String).describe("The Route 53 zone of the endpoints."))
            .attr(AttributeSchema::computed("cluster_resource_id", Type::String).describe("The region-unique, immutable `cluster-...` id."))
            .attr(
                AttributeSchema::computed("cluster_members", Type::set(Type::String))
                    .describe("The identifiers of the cluster's instances."),
            )
            .block(BlockSchema::new(
                "serverlessv2_scaling_configuration",
                Nesting::List,
                Schema::new("Aurora Serverless v2 capacity.")
                    .attr(AttributeSchema::required("min_capacity", Type::Number).describe("Minimum ACUs (0 to 256, in steps of 0.5)."))
                    .attr(AttributeSchema::required("max_capacity", Type::Number).describe("Maximum ACUs (1 to 256).")),
                "At most one block: the capacity range of the cluster's `db.serverless` instances. Changed in place.",
            ))
            .check(check)
            .with_tags()
            .timeouts(Duration::from_secs(120 * 60), Duration::from_secs(120 * 60), Duration::from_secs(120 * 60));
        Cluster { ctx, schema }
    }
}

fn attrs(cl: &DbCluster, prior: &Attrs) -> Attrs {
    let pending = cl.pending_modified_values();
    let mut a = Attrs::new();
    let keep = |a: &mut Attrs, k: &str, default: Value| {
        a.insert(k.into(), prior.get(k).filter(|v| !v.is_null()).cloned().unwrap_or(default));
    };
    a.insert("id".into(), s(cl.db_cluster_identifier()));
    a.insert("arn".into(), s(cl.db_cluster_arn()));
    a.insert("cluster_identifier".into(), s(cl.db_cluster_identifier()));
    keep(&mut a, "cluster_identifier_prefix", Value::Null);
    a.insert("engine".into(), s(cl.engine()));
    let actual = pending.and_then(|p| p.engine_version()).or(cl.engine_version());
    a.insert("engine_version".into(), s(version_as_written(actual, get_str(prior, "engine_version"))));
    a.insert("engine_version_actual".into(), s(cl.engine_version()));
    a.insert("engine_mode".into(), s(cl.engine_mode().or(Some("provisioned"))));
    a.insert("database_name".into(), s(cl.database_name()));
    a.insert("master_username".into(), s(cl.master_username()));
    keep(&mut a, "master_password", Value::Null);
    let secret = cl.master_user_secret();
    a.insert("manage_master_user_password".into(), Value::Bool(secret.is_some()));
    a.insert(
        "master_user_secret".into(),
        Value::List(
            secret
                .map(|m| {
                    Value::Map(
                        [
                            ("kms_key_id".to_string(), s(m.kms_key_id())),
                            ("secret_arn".to_string(), s(m.secret_arn())),
                            ("secret_status".to_string(), s(m.secret_status())),
                        ]
                        .into_iter()
                        .collect(),
                    )
                })
                .into_iter()
                .collect(),
        ),
    );
    a.insert("db_subnet_group_name".into(), s(cl.db_subnet_group()));
    a.insert(
        "vpc_security_group_ids".into(),
        string_set(cl.vpc_security_groups().iter().filter_map(|g| g.vpc_security_group_id())),
    );
    a.insert("db_cluster_parameter_group_name".into(), s(cl.db_cluster_parameter_group()));
    a.insert(
        "backup_retention_period".into(),
        n(pending.and_then(|p| p.backup_retention_period()).or(cl.backup_retention_period())),
    );
    a.insert("preferred_backup_window".into(), s(cl.preferred_backup_window()));
    a.insert(
        "preferred_maintenance_window".into(),
        s(cl.preferred_maintenance_window().map(str::to_ascii_lowercase).as_deref()),
    );
    a.insert("storage_encrypted".into(), b(cl.storage_encrypted(), false));
    a.insert("kms_key_id".into(), s(cl.kms_key_id()));
    a.insert("port".into(), n(cl.port()));
    a.insert("deletion_protection".into(), b(cl.deletion_protection(), false));
    a.insert(
        "enabled_cloudwatch_logs_exports".into(),
        string_set(cl.enabled_cloudwatch_logs_exports().iter().cloned()),
    );
    keep(&mut a, "skip_final_snapshot", Value::Bool(false));
    keep(&mut a, "final_snapshot_identifier", Value::Null);
    keep(&mut a, "apply_immediately", Value::Bool(false));
    keep(&mut a, "snapshot_identifier", Value::Null);
    a.insert("copy_tags_to_snapshot".into(), b(cl.copy_tags_to_snapshot(), false));
    a.insert("endpoint".into(), s(cl.endpoint()));
    a.insert("reader_endpoint".into(), s(cl.reader_endpoint()));
    a.insert("hosted_zone_id".into(), s(cl.hosted_zone_id()));
    a.insert("cluster_resource_id".into(), s(cl.db_cluster_resource_id()));
    a.insert(
        "cluster_members".into(),
        string_set(cl.db_cluster_members().iter().filter_map(|m| m.db_instance_identifier())),
    );
    a.insert(
        "serverlessv2_scaling_configuration".into(),
        Value::List(
            cl.serverless_v2_scaling_configuration()
                .filter(|c| c.min_capacity().is_some() || c.max_capacity().is_some())
                .map(|c| {
                    Value::Map(
                        [
                            ("min_capacity".to_string(), c.min_capacity().map_or(Value::Null, Value::Number)),
                            ("max_capacity".to_string(), c.max_capacity().map_or(Value::Null, Value::Number)),
                        ]
                        .into_iter()
                        .collect(),
                    )
                })
                .into_iter()
                .collect(),
        ),
    );
    a.insert("tags_all".into(), user_tags(cl.tag_list()));
    a
}

/// The configured Serverless v2 capacity, if any.
fn scaling(desired: &Attrs) -> Option<ServerlessV2ScalingConfiguration> {
    let block = desired.get("serverlessv2_scaling_configuration")?.as_seq()?.first()?.as_map()?.clone();
    let num = |k: &str| block.get(k).and_then(Value::as_number);
    Some(
        ServerlessV2ScalingConfiguration::builder()
            .set_min_capacity(num("min_capacity"))
            .set_max_capacity(num("max_capacity"))
            .build(),
    )
}

impl Cluster {
    async fn lookup(c: &Clients, id: &str) -> Result<Option<DbCluster>, ProviderError> {
        match c.rds.describe_db_clusters().db_cluster_identifier(id).send().await {
            Ok(out) => Ok(out.db_clusters().first().cloned()),
            Err(e) => {
                let e = sdk("DescribeDBClusters", e);
                if e.is_not_found() { Ok(None) } else { Err(e) }
            }
        }
    }

    /// Waits for the cluster to be `available` (`Some`) or, with `gone`, to be gone (`None`).
    async fn wait(c: &Clients, op: &OpContext, id: &str, gone: bool) -> Result<Option<DbCluster>, ProviderError> {
        let mut spec =
            Wait::within(format!("{WHAT} {id}"), if gone { "deleted" } else { "available" }, op, op.remaining())
                .polling(FIRST_POLL, MAX_POLL);
        if gone {
            spec = spec.until_gone();
        }
        let poll = || async {
            Ok(match Self::lookup(c, id).await? {
                None => Status::Gone,
                Some(cl) => {
                    let status = cl.status().unwrap_or("unknown").to_string();
                    if !gone && matches!(status.as_str(), "failed" | "inaccessible-encryption-credentials" | "stopped")
                    {
                        return Err(ProviderError::new(
                            ProviderErrorKind::Invalid,
                            format!("{WHAT} {id} is {status}: it cannot become available by waiting"),
                        ));
                    }
                    if !gone && status == "available" { Status::Ready(cl) } else { Status::Pending(status) }
                }
            })
        };
        wait::until(&spec, poll, wait::TimedOut::provider_error).await
    }

    async fn create_call(&self, c: &Clients, ctx: &OpContext, id: &str, desired: &Attrs) -> Result<(), ProviderError> {
        let tags = Some(create_tags(&ctx.identity, desired.get("tags_all")));
        let sgs = Some(get_strings(desired, "vpc_security_group_ids")).filter(|v| !v.is_empty());
        if let Some(snapshot) = get_string(desired, "snapshot_identifier") {
            return c
                .rds
                .restore_db_cluster_from_snapshot()
                .db_cluster_identifier(id)
                .snapshot_identifier(snapshot)
                .set_engine(get_string(desired, "engine"))
                .set_engine_version(get_string(desired, "engine_version"))
                .set_engine_mode(get_string(desired, "engine_mode"))
                .set_port(get_i32(desired, "port"))
                .set_db_subnet_group_name(get_string(desired, "db_subnet_group_name"))
                .set_vpc_security_group_ids(sgs)
                .set_db_cluster_parameter_group_name(get_string(desired, "db_cluster_parameter_group_name"))
                .set_kms_key_id(get_string(desired, "kms_key_id"))
                .set_deletion_protection(get_bool(desired, "deletion_protection"))
                .set_copy_tags_to_snapshot(get_bool(desired, "copy_tags_to_snapshot"))
                .set_serverless_v2_scaling_configuration(scaling(desired))
                .set_enable_cloudwatch_logs_exports(crate::common::log_exports_to_create(desired))
                .set_tags(tags)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| sdk("RestoreDBClusterFromSnapshot", e));
        }
        let managed = get_bool(desired, "manage_master_user_password") == Some(true);
        c.rds
            .create_db_cluster()
            .db_cluster_identifier(id)
            .set_engine(get_string(desired, "engine"))
            .set_engine_version(get_string(desired, "engine_version"))
            .set_engine_mode(get_string(desired, "engine_mode"))
            .set_database_name(get_string(desired, "database_name"))
            .set_master_username(get_string(desired, "master_username"))
            .set_master_user_password(if managed { None } else { get_string(desired, "master_password") })
            .set_manage_master_user_password(managed.then_some(true))
            .set_db_subnet_group_name(get_string(desired, "db_subnet_group_name"))
            .set_vpc_security_group_ids(sgs)
            .set_db_cluster_parameter_group_name(get_string(desired, "db_cluster_parameter_group_name"))
            .set_backup_retention_period(get_i32(desired, "backup_retention_period"))
            .set_preferred_backup_window(get_string(desired, "preferred_backup_window"))
            .set_preferred_maintenance_window(get_string(desired, "preferred_maintenance_window"))
            .set_storage_encrypted(get_bool(desired, "storage_encrypted"))
            .set_kms_key_id(get_string(desired, "kms_key_id"))
            .set_port(get_i32(desired, "port"))
            .set_deletion_protection(get_bool(desired, "deletion_protection"))
            .set_copy_tags_to_snapshot(get_bool(desired, "copy_tags_to_snapshot"))
            .set_serverless_v2_scaling_configuration(scaling(desired))
            .set_enable_cloudwatch_logs_exports(crate::common::log_exports_to_create(desired))
            .set_tags(tags)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| sdk("CreateDBCluster", e))
    }
}

#[async_trait]
impl ResourceType for Cluster {
    fn name(&self) -> &'static str {
        "aws_rds_cluster"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read_many(
        &self,
        _ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        let mut found = BTreeMap::new();
        if objects.is_empty() {
            return Ok(BTreeMap::new());
        }
        let c = self.ctx.clients().await?;
        let ids: Vec<String> = objects.iter().map(|(id, _)| id.clone()).collect();
        for chunk in ids.chunks(100) {
            let filter = Filter::builder().name("db-cluster-id").set_values(Some(chunk.to_vec())).build();
            let mut pages = c.rds.describe_db_clusters().filters(filter).max_records(100).into_paginator().send();
            while let Some(page) = pages.next().await {
                for cl in page.map_err(|e| sdk("DescribeDBClusters", e))?.db_clusters() {
                    if let Some(id) = cl.db_cluster_identifier() {
                        found.insert(id.to_string(), cl.clone());
                    }
                }
            }
        }
        Ok(objects.iter().filter_map(|(id, prior)| Some((id.clone(), attrs(found.get(id)?, prior)))).collect())
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let id = generated_name(ctx, desired, "cluster_identifier", "cluster_identifier_prefix", "tf-");
        ctx.status("creating");
        match self.create_call(c, ctx, &id, desired).await {
            Ok(()) => {}
            Err(e)
                if e.code.as_deref() == Some("DBClusterAlreadyExistsFault")
                    && Self::lookup(c, &id).await?.is_some_and(|cl| {
                        pairs(cl.tag_list()).any(|(k, v)| {
                            k == provision_core::tags::ADDRESS
                                && provision_core::tags::names_address(v, &ctx.identity.address)
                        })
                    }) => {}
            Err(e) => return Err(about(WHAT, &id)(e)),
        }
        match Self::wait(c, ctx, &id, false).await? {
            Some(cl) => Ok(attrs(&cl, desired)),
            None => Err(ProviderError::new(ProviderErrorKind::NotFound, format!("{WHAT} {id} not found"))),
        }
    }

    async fn update(&self, op: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let ch = |k: &str| changed(prior, desired, k);
        let mut m = c.rds.modify_db_cluster().db_cluster_identifier(id);
        let mut any = false;
        if ch("engine_version") && get_string(desired, "engine_version").is_some() {
            m = m.set_engine_version(get_string(desired, "engine_version"));
            any = true;
        }
        if ch("master_password") && get_string(desired, "master_password").is_some() {
            m = m.set_master_user_password(get_string(desired, "master_password"));
            any = true;
        }
        if ch("manage_master_user_password") {
            m = m.manage_master_user_password(get_bool(desired, "manage_master_user_password").unwrap_or(false));
            if get_bool(desired, "manage_master_user_password") != Some(true) {
                m = m.set_master_user_password(get_string(desired, "master_password"));
            }
            any = true;
        }
        if ch("vpc_security_group_ids") {
            m = m.set_vpc_security_group_ids(Some(get_strings(desired, "vpc_security_group_ids")));
            any = true;
        }
        if ch("db_cluster_parameter_group_name") && get_string(desired, "db_cluster_parameter_group_name").is_some() {
            m = m.set_db_cluster_parameter_group_name(get_string(desired, "db_cluster_parameter_group_name"));
            any = true;
        }
        if ch("backup_retention_period") {
            m = m.set_backup_retention_period(get_i32(desired, "backup_retention_period"));
            any = true;
        }
        if ch("preferred_backup_window") && get_string(desired, "preferred_backup_window").is_some() {
            m = m.set_preferred_backup_window(get_string(desired, "preferred_backup_window"));
            any = true;
        }
        if ch("preferred_maintenance_window") && get_string(desired, "preferred_maintenance_window").is_some() {
            m = m.set_preferred_maintenance_window(get_string(desired, "preferred_maintenance_window"));
            any = true;
        }
        if ch("port") && get_i32(desired, "port").is_some() {
            m = m.set_port(get_i32(desired, "port"));
            any = true;
        }
        if ch("deletion_protection") {
            m = m.deletion_protection(get_bool(desired, "deletion_protection").unwrap_or(false));
            any = true;
        }
        if ch("copy_tags_to_snapshot") {
            m = m.copy_tags_to_snapshot(get_bool(desired, "copy_tags_to_snapshot").unwrap_or(false));
            any = true;
        }
        if let Some(conf) = crate::common::log_exports_change(prior, desired) {
            m = m.cloudwatch_logs_export_configuration(conf);
            any = true;
        }
        if ch("serverlessv2_scaling_configuration")
            && let Some(sc) = scaling(desired)
        {
            m = m.serverless_v2_scaling_configuration(sc);
            any = true;
        }
        let tags_changed = ch("tags_all");
        if !any && !tags_changed {
            let mut out = prior.clone();
            out.extend(desired.iter().filter(|(_, v)| !v.is_unknown()).map(|(k, v)| (k.clone(), v.clone())));
            return Ok(out);
        }
        if tags_changed {
            let arn = get_string(prior, "arn").unwrap_or_default();
            sync_tags(c, &arn, prior.get("tags_all"), desired.get("tags_all")).await.map_err(about(WHAT, id))?;
        }
        if any {
            op.status("modifying");
            let m = m.apply_immediately(get_bool(desired, "apply_immediately").unwrap_or(false));
            retry(
                Policy::in_use(op.remaining().max(Duration::from_secs(1))),
                || async { m.clone().send().await.map(|_| ()).map_err(|e| sdk("ModifyDBCluster", e)) },
                nothing,
            )
            .await
            .map_err(about(WHAT, id))?;
        }
        match Self::wait(c, op, id, false).await? {
            Some(cl) => Ok(attrs(&cl, desired)),
            None => Err(ProviderError::new(ProviderErrorKind::NotFound, format!("{WHAT} {id} not found"))),
        }
    }

    /// From the attributes alone (no AWS call): refused while deletion protection is on or when no
    /// final snapshot can be taken; a red warning when none will be; the snapshot's name otherwise.
    async fn check_delete(
        &self,
        _ctx: &ReadContext,
        id: &str,
        attrs: &Attrs,
    ) -> Result<Vec<DeleteNote>, ProviderError> {
        Ok(vec![match delete_verdict(WHAT, id, attrs) {
            DeleteVerdict::Refuse(message) => DeleteNote::refuse(message),
            DeleteVerdict::NoSnapshot(message) | DeleteVerdict::Snapshot(message) => DeleteNote::warn(message),
        }])
    }

    async fn delete(&self, op: &OpContext, id: &str, prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        match delete_verdict(WHAT, id, prior) {
            DeleteVerdict::Refuse(message) => return Err(invalid(message)),
            DeleteVerdict::NoSnapshot(message) | DeleteVerdict::Snapshot(message) => tracing::info!("{message}"),
        }
        let skip = get_bool(prior, "skip_final_snapshot") == Some(true);
        let snapshot = if skip { None } else { get_string(prior, "final_snapshot_identifier") };
        op.status(match &snapshot {
            Some(s) => format!("deleting, taking final snapshot {s}"),
            None => "deleting".into(),
        });
        // Retried while AWS says the cluster is busy, e.g. while its instances are still deleting.
        retry(
            Policy::in_use(op.remaining().max(Duration::from_secs(1))),
            || async {
                match c
                    .rds
                    .delete_db_cluster()
                    .db_cluster_identifier(id)
                    .skip_final_snapshot(skip)
                    .set_final_db_snapshot_identifier(snapshot.clone())
                    .send()
                    .await
                    .map_err(|e| sdk("DeleteDBCluster", e))
                {
                    Ok(_) => Ok(()),
                    Err(e) if e.is_not_found() => Ok(()),
                    Err(e) if e.kind == ProviderErrorKind::Conflict => {
                        if Self::lookup(c, id).await.ok().flatten().is_some_and(|cl| cl.status() == Some("deleting")) {
                            return Ok(());
                        }
                        op.status("waiting for the cluster's instances to go");
                        Err(e)
                    }
                    Err(e) => Err(e),
                }
            },
            nothing,
        )
        .await
        .map_err(about(WHAT, id))?;
        Self::wait(c, op, id, true).await.map(|_| ())
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let c = self.ctx.clients().await?;
        let stack = &query.identity.stack;
        Ok(all_clusters(c)
            .await?
            .iter()
            .filter(|cl| {
                pairs(cl.tag_list()).any(|(k, v)| k == provision_core::tags::STACK && v == stack)
                    && provision_aws_core::tags::tagged_for(pairs(cl.tag_list()), &query.identity)
            })
            .map(|cl| Found::ours(attrs(cl, &query.desired)))
            .collect())
    }
}
