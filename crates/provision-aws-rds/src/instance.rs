//! `aws_db_instance`: an RDS database instance (PostgreSQL, MySQL, ...). The slowest and most
//! precious object of a stack: created in 5–35 minutes, changed in place wherever AWS allows
//! (instance class, storage, Multi-AZ, ...), waited for with its status as live progress, and never
//! deleted by accident: deletion protection and the final snapshot are decided at plan time from
//! the configuration as it is at the time of the destroy.
//!
//! `apply_immediately = false` (the default) makes AWS queue most changes until the maintenance
//! window. The read reports queued values (`PendingModifiedValues`) as the values, so the next plan
//! does not show them again, and the apply says they are pending.
//!
//! The identifier is the `id` (not the `dbi-` resource id Terraform 5 uses): every RDS call takes
//! it, and a refresh costs one `DescribeDBInstances` call per 100 instances.

use crate::common::{
    about, b, changed, create_tags, generated_name, get_bool, get_f64, get_i32, get_str, get_string, get_strings,
    invalid, lowercase, n, s, string_set, sync_tags, user_tags, validate,
};
use crate::context::{Clients, Context};
use crate::db;
use crate::error::sdk;
use async_trait::async_trait;
use aws_sdk_rds::types::DbInstance;
use provision_core::{
    AttributeSchema, Attrs, DeleteNote, FindQuery, Found, OpContext, ProviderError, ReadContext, ResourceType, Schema,
    Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

const WHAT: &str = "DB instance";

pub(crate) struct Instance {
    ctx: Arc<Context>,
    schema: Schema,
}

fn set(a: &Attrs, k: &str) -> bool {
    a.get(k).is_some_and(|v| !v.is_null())
}

fn check(a: &Attrs) -> Result<(), String> {
    if crate::common::both_set(a, "identifier", "identifier_prefix") {
        return Err("set `identifier` or `identifier_prefix`, not both".into());
    }
    let managed = a.get("manage_master_user_password").and_then(Value::as_bool) == Some(true);
    if managed && set(a, "password") {
        return Err("set `password` or `manage_master_user_password = true`, not both".into());
    }
    if !set(a, "snapshot_identifier") {
        if !set(a, "engine") {
            return Err("`engine` is required (unless the instance is restored from `snapshot_identifier`)".into());
        }
        if !set(a, "username") {
            return Err("`username` is required (unless the instance is restored from `snapshot_identifier`)".into());
        }
        if !managed && !set(a, "password") {
            return Err("set `password` (e.g. from a `random_password`) or `manage_master_user_password = true` to let RDS keep it in Secrets Manager".into());
        }
        if !set(a, "allocated_storage") {
            return Err("`allocated_storage` (GiB) is required".into());
        }
    }
    if let (Some(max), Some(alloc)) = (
        a.get("max_allocated_storage").and_then(Value::as_number),
        a.get("allocated_storage").and_then(Value::as_number),
    ) && max > 0.0
        && max < alloc
    {
        return Err(format!(
            "`max_allocated_storage` ({max}) must be at least `allocated_storage` ({alloc}), or 0 to turn storage autoscaling off"
        ));
    }
    Ok(())
}

impl Instance {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("An RDS database instance.")
            .with_id()
            .attr(AttributeSchema::computed("arn", Type::String).describe("The instance's ARN."))
            .attr(
                AttributeSchema::optional_computed("identifier", Type::String)
                    .force_new()
                    .validate(validate::identifier)
                    .describe("The instance identifier (lowercase letters, digits, hyphens; checked at plan time); also the `id`. When unset, `identifier_prefix` (or `terraform-`) followed by 20 hex characters derived from the stack, the address and the pending create, so a retried create finds its first instance. Changing it replaces the instance."),
            )
            .attr(
                AttributeSchema::optional("identifier_prefix", Type::String)
                    .force_new()
                    .validate(validate::identifier_prefix)
                    .describe("A prefix for the generated identifier (at most 43 characters). Setting both is an error at plan time. Not reported by AWS: kept as configured."),
            )
            .attr(
                AttributeSchema::optional_computed("engine", Type::String)
                    .force_new()
                    .describe("The engine, e.g. `postgres`. Required unless restoring from `snapshot_identifier` (checked at plan time)."),
            )
            .attr(
                AttributeSchema::optional_computed("engine_version", Type::String)
                    .describe("The engine version, e.g. `16` or `16.4`. A version written as a prefix of the running one (`16` for `16.4`) is not a change. Changed in place (`ModifyDBInstance`; a major version needs `allow_major_version_upgrade`)."),
            )
            .attr(AttributeSchema::computed("engine_version_actual", Type::String).describe("The engine version running."))
            .attr(
                AttributeSchema::required("instance_class", Type::String)
                    .describe("The instance class, e.g. `db.t4g.micro`. Changed in place; with `apply_immediately = false` AWS queues it until the maintenance window."),
            )
            .attr(
                AttributeSchema::optional_computed("allocated_storage", Type::Number)
                    .describe("Storage in GiB (required unless restoring from a snapshot). Changed in place (can only grow). When storage autoscaling (`max_allocated_storage`) grew it, the larger size is not drift."),
            )
            .attr(
                AttributeSchema::optional("max_allocated_storage", Type::Number)
                    .describe("The upper limit for storage autoscaling, in GiB; unset or 0 turns it off. Changed in place."),
            )
            .attr(
                AttributeSchema::optional_computed("storage_type", Type::String)
                    .describe("`gp2`, `gp3`, `io1`, `io2` or `standard`. When unset AWS picks (gp2 or gp3). Changed in place."),
            )
            .attr(
                AttributeSchema::optional("storage_encrypted", Type::Bool)
                    .default(false)
                    .force_new()
                    .describe("Encrypt the storage. AWS cannot change it: a change replaces the instance."),
            )
            .attr(
                AttributeSchema::optional_computed("kms_key_id", Type::String)
                    .force_new()
                    .describe("The KMS key (ARN) for storage encryption; when unset with `storage_encrypted`, the account's `aws/rds` key. Replaces the instance when changed."),
            )
            .attr(
                AttributeSchema::optional_computed("db_name", Type::String)
                    .force_new()
                    .describe("The name of the database created in the instance. Replaces the instance when changed."),
            )
            .attr(
                AttributeSchema::optional_computed("username", Type::String)
                    .force_new()
                    .describe("The master user name. Required unless restoring from a snapshot. Replaces the instance when changed."),
            )
            .attr(
                AttributeSchema::optional("password", Type::String)
                    .sensitive()
                    .describe("The master password: sensitive, never shown in plans, JSON plans, logs or errors, but kept in state; `manage_master_user_password` keeps it out of state altogether. Changed in place. AWS never reports it, so a change made outside provision is not seen."),
            )
            .attr(
                AttributeSchema::optional("manage_master_user_password", Type::Bool)
                    .default(false)
                    .describe("Let RDS generate the master password and keep it in Secrets Manager (see `master_user_secret`); the password is then in no state file. Cannot be combined with `password` (checked at plan time). Changed in place."),
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
                .describe("With `manage_master_user_password`: the Secrets Manager secret RDS keeps the password in (`secret_arn`)."),
            )
            .attr(
                AttributeSchema::optional_computed("port", Type::Number)
                    .validate(provision_aws_core::validate::port)
                    .describe("The port; the engine's default (5432 for PostgreSQL) when unset. Changed in place."),
            )
            .attr(
                AttributeSchema::optional_computed("multi_az", Type::Bool)
                    .describe("A standby in another availability zone. Changed in place (takes tens of minutes); queued without `apply_immediately`."),
            )
            .attr(
                AttributeSchema::optional_computed("availability_zone", Type::String)
                    .force_new()
                    .describe("The availability zone of a single-AZ instance; AWS picks when unset."),
            )
            .attr(
                AttributeSchema::optional_computed("db_subnet_group_name", Type::String)
                    .describe("The subnet group (an `aws_db_subnet_group`'s `name`); the default VPC when unset. Changed in place."),
            )
            .attr(
                AttributeSchema::optional_computed("vpc_security_group_ids", Type::set(Type::String))
                    .describe("The security groups; the VPC's default group when unset. Changed in place."),
            )
            .attr(
                AttributeSchema::optional_computed("parameter_group_name", Type::String)
                    .describe("The DB parameter group; the engine's default group when unset. Changed in place (static parameters apply at the next reboot)."),
            )
            .attr(
                AttributeSchema::optional_computed("backup_retention_period", Type::Number)
                    .validate(validate::retention)
                    .describe("Days of automated backups, 0 to 35 (checked at plan time); 0 turns them off. Changed in place."),
            )
            .attr(
                AttributeSchema::optional_computed("backup_window", Type::String)
                    .validate(validate::window)
                    .describe("The daily backup window in UTC, e.g. `03:00-04:00`; AWS picks when unset. Changed in place."),
            )
            .attr(
                AttributeSchema::optional_computed("maintenance_window", Type::String)
                    .validate(validate::window)
                    .normalize(lowercase)
                    .describe("The weekly maintenance window in UTC, e.g. `sun:05:00-sun:06:00` (case does not matter); AWS picks when unset. Queued changes are applied then. Changed in place."),
            )
            .attr(
                AttributeSchema::optional("deletion_protection", Type::Bool)
                    .default(false)
                    .describe("While true, AWS refuses to delete the instance, and a plan that would delete or replace it is refused before any AWS call, naming this argument. Changed in place."),
            )
            .attr(
                AttributeSchema::optional("skip_final_snapshot", Type::Bool)
                    .default(false)
                    .at_destroy()
                    .describe("Delete without a final snapshot. Read from the configuration as it is at the time of the destroy (not from state, unlike Terraform); a plan that deletes without a snapshot says so in red."),
            )
            .attr(
                AttributeSchema::optional("final_snapshot_identifier", Type::String)
                    .validate(validate::identifier)
                    .at_destroy()
                    .describe("The name of the snapshot taken when the instance is deleted. Read from the configuration at the time of the destroy; required unless `skip_final_snapshot` (a plan deleting the instance without either is refused)."),
            )
            .attr(
                AttributeSchema::optional("delete_automated_backups", Type::Bool)
                    .default(true)
                    .at_destroy()
                    .describe("Delete the automated backups with the instance. Read from the configuration at the time of the destroy."),
            )
            .attr(
                AttributeSchema::optional("apply_immediately", Type::Bool)
                    .default(false)
                    .describe("Apply changes now rather than in the next maintenance window. When false, AWS queues most changes: the apply says they are pending, and the next plan does not show them again. Not reported by AWS."),
            )
            .attr(
                AttributeSchema::optional("allow_major_version_upgrade", Type::Bool)
                    .default(false)
                    .describe("Allow an `engine_version` change to a new major version. Not reported by AWS."),
            )
            .attr(
                AttributeSchema::optional("auto_minor_version_upgrade", Type::Bool)
                    .default(true)
                    .describe("Let AWS apply minor engine upgrades in the maintenance window. Changed in place."),
            )
            .attr(
                AttributeSchema::optional("copy_tags_to_snapshot", Type::Bool)
                    .default(false)
                    .describe("Copy the instance's tags to its snapshots. Changed in place."),
            )
            .attr(
                AttributeSchema::optional("enabled_cloudwatch_logs_exports", Type::set(Type::String))
                    .validate(crate::common::log_exports)
                    .describe("The logs the instance exports to CloudWatch Logs: `postgresql` and `upgrade` for PostgreSQL (`iam-db-auth-error` too for Aurora); `audit`, `error`, `general` and `slowquery` for MySQL and MariaDB. Changed in place."),
            )
            .attr(
                AttributeSchema::optional("performance_insights_enabled", Type::Bool)
                    .default(false)
                    .describe("Performance Insights. Changed in place."),
            )
            .attr(
                AttributeSchema::optional("publicly_accessible", Type::Bool)
                    .default(false)
                    .describe("Give the instance a public address (in a subnet group with an internet route). Changed in place."),
            )
            .attr(
                AttributeSchema::optional("snapshot_identifier", Type::String)
                    .force_new()
                    .describe("Create the instance from this DB snapshot (`RestoreDBInstanceFromDBSnapshot`) instead of empty; `engine`, `username` and `password` then come from the snapshot. Replaces the instance when changed."),
            )
            .attr(AttributeSchema::computed("address", Type::String).describe("The host name to connect to."))
            .attr(AttributeSchema::computed("endpoint", Type::String).describe("`address:port`."))
            .attr(AttributeSchema::computed("hosted_zone_id", Type::String).describe("The Route 53 zone of the address."))
            .attr(AttributeSchema::computed("resource_id", Type::String).describe("The region-unique, immutable `db-...` resource id (Terraform 5's `id`)."))
            .attr(AttributeSchema::computed("status", Type::String).describe("The instance's status, e.g. `available`."))
            .check(check)
            .with_tags()
            .timeouts(Duration::from_secs(40 * 60), Duration::from_secs(80 * 60), Duration::from_secs(60 * 60));
        Instance { ctx, schema }
    }
}

/// An instance's attributes. `prior` (the recorded or desired attributes) supplies what AWS does
/// not report (password, at-destroy arguments, apply_immediately, identifier_prefix) and how the
/// configuration wrote what AWS reports differently (an engine version prefix, storage grown by
/// autoscaling). Values AWS has queued (`PendingModifiedValues`) are reported as the values.
pub(crate) fn attrs(i: &DbInstance, prior: &Attrs) -> Attrs {
    let pending = i.pending_modified_values();
    let mut a = Attrs::new();
    let keep = |a: &mut Attrs, k: &str, default: Value| {
        a.insert(k.into(), prior.get(k).filter(|v| !v.is_null()).cloned().unwrap_or(default));
    };
    a.insert("id".into(), s(i.db_instance_identifier()));
    a.insert("arn".into(), s(i.db_instance_arn()));
    a.insert("identifier".into(), s(i.db_instance_identifier()));
    keep(&mut a, "identifier_prefix", Value::Null);
    a.insert("engine".into(), s(i.engine()));
    let actual = pending.and_then(|p| p.engine_version()).or(i.engine_version());
    a.insert("engine_version".into(), s(version_as_written(actual, get_str(prior, "engine_version"))));
    a.insert("engine_version_actual".into(), s(i.engine_version()));
    a.insert("instance_class".into(), s(pending.and_then(|p| p.db_instance_class()).or(i.db_instance_class())));
    let storage = pending.and_then(|p| p.allocated_storage()).or(i.allocated_storage());
    let max = i.max_allocated_storage().filter(|m| *m > 0);
    let storage = match (storage, get_i32(prior, "allocated_storage"), max) {
        // Grown by storage autoscaling: not a change the configuration made or must undo.
        (Some(have), Some(wrote), Some(_)) if have > wrote => Some(wrote),
        (have, _, _) => have,
    };
    a.insert("allocated_storage".into(), n(storage));
    a.insert(
        "max_allocated_storage".into(),
        match max {
            Some(m) => n(Some(m)),
            None if get_f64(prior, "max_allocated_storage") == Some(0.0) => Value::Number(0.0),
            None => Value::Null,
        },
    );
    a.insert("storage_type".into(), s(pending.and_then(|p| p.storage_type()).or(i.storage_type())));
    a.insert("storage_encrypted".into(), b(i.storage_encrypted(), false));
    a.insert("kms_key_id".into(), s(i.kms_key_id()));
    a.insert("db_name".into(), s(i.db_name()));
    a.insert("username".into(), s(i.master_username()));
    keep(&mut a, "password", Value::Null);
    let secret = i.master_user_secret();
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
    let port = pending
        .and_then(|p| p.port())
        .or(i.endpoint().and_then(|e| e.port()))
        .or(i.db_instance_port().filter(|p| *p > 0));
    a.insert("port".into(), n(port));
    a.insert("multi_az".into(), b(pending.and_then(|p| p.multi_az()).or(i.multi_az()), false));
    a.insert("availability_zone".into(), s(i.availability_zone()));
    a.insert(
        "db_subnet_group_name".into(),
        s(pending
            .and_then(|p| p.db_subnet_group_name())
            .or(i.db_subnet_group().and_then(|g| g.db_subnet_group_name()))),
    );
    a.insert(
        "vpc_security_group_ids".into(),
        string_set(i.vpc_security_groups().iter().filter_map(|g| g.vpc_security_group_id())),
    );
    a.insert(
        "parameter_group_name".into(),
        s(i.db_parameter_groups().first().and_then(|g| g.db_parameter_group_name())),
    );
    a.insert(
        "backup_retention_period".into(),
        n(pending.and_then(|p| p.backup_retention_period()).or(i.backup_retention_period())),
    );
    a.insert("backup_window".into(), s(i.preferred_backup_window()));
    a.insert("maintenance_window".into(), s(i.preferred_maintenance_window().map(str::to_ascii_lowercase).as_deref()));
    a.insert("deletion_protection".into(), b(i.deletion_protection(), false));
    keep(&mut a, "skip_final_snapshot", Value::Bool(false));
    keep(&mut a, "final_snapshot_identifier", Value::Null);
    keep(&mut a, "delete_automated_backups", Value::Bool(true));
    keep(&mut a, "apply_immediately", Value::Bool(false));
    keep(&mut a, "allow_major_version_upgrade", Value::Bool(false));
    keep(&mut a, "snapshot_identifier", Value::Null);
    a.insert("auto_minor_version_upgrade".into(), b(i.auto_minor_version_upgrade(), true));
    a.insert("copy_tags_to_snapshot".into(), b(i.copy_tags_to_snapshot(), false));
    a.insert("performance_insights_enabled".into(), b(i.performance_insights_enabled(), false));
    a.insert("enabled_cloudwatch_logs_exports".into(), string_set(i.enabled_cloudwatch_logs_exports().iter().cloned()));
    a.insert("publicly_accessible".into(), b(i.publicly_accessible(), false));
    a.insert("address".into(), s(i.endpoint().and_then(|e| e.address())));
    a.insert(
        "endpoint".into(),
        match (i.endpoint().and_then(|e| e.address()), port) {
            (Some(h), Some(p)) => Value::String(format!("{h}:{p}")),
            _ => Value::Null,
        },
    );
    a.insert("hosted_zone_id".into(), s(i.endpoint().and_then(|e| e.hosted_zone_id())));
    a.insert("resource_id".into(), s(i.dbi_resource_id()));
    a.insert("status".into(), s(i.db_instance_status()));
    a.insert("tags_all".into(), user_tags(i.tag_list()));
    a
}

/// The version as the configuration wrote it when it is a prefix of the running one (`16` for
/// `16.4`), so a minor upgrade AWS made is not a change to undo.
pub(crate) fn version_as_written<'a>(actual: Option<&'a str>, written: Option<&'a str>) -> Option<&'a str> {
    match (actual, written) {
        (Some(have), Some(w)) if have == w || have.starts_with(&format!("{w}.")) => Some(w),
        (have, _) => have,
    }
}

/// The queued changes of an instance, for the apply's message ("instance_class db.t4g.small").
fn pending_changes(i: &DbInstance) -> Vec<String> {
    let Some(p) = i.pending_modified_values() else { return vec![] };
    let mut out = vec![];
    if let Some(v) = p.db_instance_class() {
        out.push(format!("instance_class = {v}"));
    }
    if let Some(v) = p.allocated_storage() {
        out.push(format!("allocated_storage = {v}"));
    }
    if let Some(v) = p.multi_az() {
        out.push(format!("multi_az = {v}"));
    }
    if let Some(v) = p.engine_version() {
        out.push(format!("engine_version = {v}"));
    }
    if let Some(v) = p.storage_type() {
        out.push(format!("storage_type = {v}"));
    }
    if let Some(v) = p.port() {
        out.push(format!("port = {v}"));
    }
    if let Some(v) = p.backup_retention_period() {
        out.push(format!("backup_retention_period = {v}"));
    }
    if p.master_user_password().is_some() {
        out.push("password".into());
    }
    out
}

/// The arguments `update` sends with `ModifyDBInstance`, for a delta. `None` when nothing AWS
/// stores changed (only at-destroy arguments, `apply_immediately` or tags).
fn modification(
    c: &Clients,
    id: &str,
    prior: &Attrs,
    desired: &Attrs,
) -> Option<aws_sdk_rds::operation::modify_db_instance::builders::ModifyDBInstanceFluentBuilder> {
    let ch = |k: &str| changed(prior, desired, k);
    let mut m = c.rds.modify_db_instance().db_instance_identifier(id);
    let mut any = false;
    if ch("instance_class") {
        m = m.set_db_instance_class(get_string(desired, "instance_class"));
        any = true;
    }
    if ch("allocated_storage") && get_i32(desired, "allocated_storage").is_some() {
        m = m.set_allocated_storage(get_i32(desired, "allocated_storage"));
        any = true;
    }
    if ch("max_allocated_storage") {
        m = m.max_allocated_storage(get_i32(desired, "max_allocated_storage").unwrap_or(0));
        any = true;
    }
    if ch("storage_type") && get_string(desired, "storage_type").is_some() {
        m = m.set_storage_type(get_string(desired, "storage_type"));
        any = true;
    }
    if ch("engine_version") && get_string(desired, "engine_version").is_some() {
        m = m
            .set_engine_version(get_string(desired, "engine_version"))
            .allow_major_version_upgrade(get_bool(desired, "allow_major_version_upgrade").unwrap_or(false));
        any = true;
    }
    if ch("password") && get_string(desired, "password").is_some() {
        m = m.set_master_user_password(get_string(desired, "password"));
        any = true;
    }
    if ch("manage_master_user_password") {
        m = m.manage_master_user_password(get_bool(desired, "manage_master_user_password").unwrap_or(false));
        if get_bool(desired, "manage_master_user_password") != Some(true) {
            m = m.set_master_user_password(get_string(desired, "password"));
        }
        any = true;
    }
    if ch("port") && get_i32(desired, "port").is_some() {
        m = m.set_db_port_number(get_i32(desired, "port"));
        any = true;
    }
    if ch("multi_az") && get_bool(desired, "multi_az").is_some() {
        m = m.set_multi_az(get_bool(desired, "multi_az"));
        any = true;
    }
    if ch("db_subnet_group_name") && get_string(desired, "db_subnet_group_name").is_some() {
        m = m.set_db_subnet_group_name(get_string(desired, "db_subnet_group_name"));
        any = true;
    }
    if ch("vpc_security_group_ids") && desired.get("vpc_security_group_ids").is_some_and(Value::is_wholly_known) {
        m = m.set_vpc_security_group_ids(Some(get_strings(desired, "vpc_security_group_ids")));
        any = true;
    }
    if ch("parameter_group_name") && get_string(desired, "parameter_group_name").is_some() {
        m = m.set_db_parameter_group_name(get_string(desired, "parameter_group_name"));
        any = true;
    }
    if ch("backup_retention_period") && get_i32(desired, "backup_retention_period").is_some() {
        m = m.set_backup_retention_period(get_i32(desired, "backup_retention_period"));
        any = true;
    }
    if ch("backup_window") && get_string(desired, "backup_window").is_some() {
        m = m.set_preferred_backup_window(get_string(desired, "backup_window"));
        any = true;
    }
    if ch("maintenance_window") && get_string(desired, "maintenance_window").is_some() {
        m = m.set_preferred_maintenance_window(get_string(desired, "maintenance_window"));
        any = true;
    }
    let flag = |k: &str| if ch(k) { get_bool(desired, k) } else { None };
    if let Some(v) = flag("deletion_protection") {
        m = m.deletion_protection(v);
        any = true;
    }
    if let Some(v) = flag("auto_minor_version_upgrade") {
        m = m.auto_minor_version_upgrade(v);
        any = true;
    }
    if let Some(v) = flag("copy_tags_to_snapshot") {
        m = m.copy_tags_to_snapshot(v);
        any = true;
    }
    if let Some(v) = flag("performance_insights_enabled") {
        m = m.enable_performance_insights(v);
        any = true;
    }
    if let Some(conf) = crate::common::log_exports_change(prior, desired) {
        m = m.cloudwatch_logs_export_configuration(conf);
        any = true;
    }
    if let Some(v) = flag("publicly_accessible") {
        m = m.publicly_accessible(v);
        any = true;
    }
    any.then(|| m.apply_immediately(get_bool(desired, "apply_immediately").unwrap_or(false)))
}

/// `prior` with the configured arguments of `desired` over it: the result of an update that
/// needed no AWS call.
fn overlay(prior: &Attrs, desired: &Attrs) -> Attrs {
    let mut out = prior.clone();
    for (k, v) in desired {
        if !v.is_unknown() {
            out.insert(k.clone(), v.clone());
        }
    }
    out
}

impl Instance {
    async fn create_call(&self, c: &Clients, ctx: &OpContext, id: &str, desired: &Attrs) -> Result<(), ProviderError> {
        let tags = Some(create_tags(&ctx.identity, desired.get("tags_all")));
        let sgs = Some(get_strings(desired, "vpc_security_group_ids")).filter(|v| !v.is_empty());
        if let Some(snapshot) = get_string(desired, "snapshot_identifier") {
            ctx.status(format!("restoring from snapshot {snapshot}"));
            c.rds
                .restore_db_instance_from_db_snapshot()
                .db_instance_identifier(id)
                .db_snapshot_identifier(&snapshot)
                .set_db_instance_class(get_string(desired, "instance_class"))
                .set_engine(get_string(desired, "engine"))
                .set_allocated_storage(get_i32(desired, "allocated_storage"))
                .set_storage_type(get_string(desired, "storage_type"))
                .set_port(get_i32(desired, "port"))
                .set_multi_az(get_bool(desired, "multi_az"))
                .set_availability_zone(get_string(desired, "availability_zone"))
                .set_db_subnet_group_name(get_string(desired, "db_subnet_group_name"))
                .set_vpc_security_group_ids(sgs)
                .set_db_parameter_group_name(get_string(desired, "parameter_group_name"))
                .set_deletion_protection(get_bool(desired, "deletion_protection"))
                .set_publicly_accessible(get_bool(desired, "publicly_accessible"))
                .set_auto_minor_version_upgrade(get_bool(desired, "auto_minor_version_upgrade"))
                .set_copy_tags_to_snapshot(get_bool(desired, "copy_tags_to_snapshot"))
                .set_tags(tags)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| sdk("RestoreDBInstanceFromDBSnapshot", e))
        } else {
            let managed = get_bool(desired, "manage_master_user_password") == Some(true);
            c.rds
                .create_db_instance()
                .db_instance_identifier(id)
                .set_db_instance_class(get_string(desired, "instance_class"))
                .set_engine(get_string(desired, "engine"))
                .set_engine_version(get_string(desired, "engine_version"))
                .set_allocated_storage(get_i32(desired, "allocated_storage"))
                .set_max_allocated_storage(get_i32(desired, "max_allocated_storage").filter(|m| *m > 0))
                .set_storage_type(get_string(desired, "storage_type"))
                .set_storage_encrypted(get_bool(desired, "storage_encrypted"))
                .set_kms_key_id(get_string(desired, "kms_key_id"))
                .set_db_name(get_string(desired, "db_name"))
                .set_master_username(get_string(desired, "username"))
                .set_master_user_password(if managed { None } else { get_string(desired, "password") })
                .set_manage_master_user_password(managed.then_some(true))
                .set_port(get_i32(desired, "port"))
                .set_multi_az(get_bool(desired, "multi_az"))
                .set_availability_zone(get_string(desired, "availability_zone"))
                .set_db_subnet_group_name(get_string(desired, "db_subnet_group_name"))
                .set_vpc_security_group_ids(sgs)
                .set_db_parameter_group_name(get_string(desired, "parameter_group_name"))
                .set_backup_retention_period(get_i32(desired, "backup_retention_period"))
                .set_preferred_backup_window(get_string(desired, "backup_window"))
                .set_preferred_maintenance_window(get_string(desired, "maintenance_window"))
                .set_deletion_protection(get_bool(desired, "deletion_protection"))
                .set_enable_performance_insights(get_bool(desired, "performance_insights_enabled"))
                .set_enable_cloudwatch_logs_exports(crate::common::log_exports_to_create(desired))
                .set_publicly_accessible(get_bool(desired, "publicly_accessible"))
                .set_auto_minor_version_upgrade(get_bool(desired, "auto_minor_version_upgrade"))
                .set_copy_tags_to_snapshot(get_bool(desired, "copy_tags_to_snapshot"))
                .set_tags(tags)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| sdk("CreateDBInstance", e))
        }
    }
}

/// What a plan that deletes an instance must say, from its attributes alone (no AWS call): a
/// refusal while deletion protection is on or when no final snapshot can be taken, a red warning
/// when none will be, else the snapshot's name. `None` for the last case's message is never
/// returned: the caller decides how to show it.
pub(crate) enum DeleteVerdict {
    Refuse(String),
    NoSnapshot(String),
    Snapshot(String),
}

pub(crate) fn delete_verdict(what: &str, id: &str, attrs: &Attrs) -> DeleteVerdict {
    if get_bool(attrs, "deletion_protection") == Some(true) {
        return DeleteVerdict::Refuse(format!(
            "{what} {id} has deletion protection on: set deletion_protection = false and apply first, then destroy"
        ));
    }
    if get_bool(attrs, "skip_final_snapshot") == Some(true) {
        return DeleteVerdict::NoSnapshot(format!(
            "{what} {id} will be deleted WITHOUT a final snapshot (skip_final_snapshot = true): its data cannot be recovered"
        ));
    }
    match get_string(attrs, "final_snapshot_identifier") {
        Some(snap) => {
            DeleteVerdict::Snapshot(format!("{what} {id}: a final snapshot \"{snap}\" is taken before it is deleted"))
        }
        None => DeleteVerdict::Refuse(format!(
            "{what} {id} cannot be deleted: skip_final_snapshot is false and final_snapshot_identifier is unset (AWS refuses such a delete); set final_snapshot_identifier, or skip_final_snapshot = true to delete without a snapshot"
        )),
    }
}

#[async_trait]
impl ResourceType for Instance {
    fn name(&self) -> &'static str {
        "aws_db_instance"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Terraform 5's id is the `db-…` resource id; provision's is the instance identifier.
    fn id_from_terraform(&self, attributes: &Attrs) -> Result<String, String> {
        provision_aws_core::terraform::text(attributes, "identifier").map(str::to_string)
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
        let ids: Vec<&str> = objects.iter().map(|(id, _)| id.as_str()).collect();
        let found = db::by_ids(c, &ids).await?;
        Ok(objects
            .iter()
            .filter_map(|(id, prior)| {
                let i = found.get(id).filter(|i| i.db_instance_status() != Some("deleted"))?;
                Some((id.clone(), attrs(i, prior)))
            })
            .collect())
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let id = generated_name(ctx, desired, "identifier", "identifier_prefix", "terraform-");
        validate::identifier(&Value::String(id.clone())).map_err(|e| invalid(format!("{WHAT} {id}: {e}")))?;
        ctx.status("creating");
        match self.create_call(c, ctx, &id, desired).await {
            Ok(()) => {}
            // A retried create (same identifier, from the same pending record) finds its instance.
            Err(e)
                if e.code.as_deref() == Some("DBInstanceAlreadyExists")
                    && db::lookup(c, &id).await?.is_some_and(|i| {
                        crate::common::pairs(i.tag_list()).any(|(k, v)| {
                            k == provision_core::tags::ADDRESS
                                && provision_core::tags::names_address(v, &ctx.identity.address)
                        })
                    }) => {}
            Err(e) => return Err(about(WHAT, &id)(e)),
        }
        let i = db::wait_available(c, ctx, WHAT, &id, false).await?;
        Ok(attrs(&i, desired))
    }

    async fn update(&self, op: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let tags_changed = changed(prior, desired, "tags_all");
        let modify = modification(c, id, prior, desired);
        if modify.is_none() && !tags_changed {
            // Only arguments AWS does not store changed (at-destroy ones, apply_immediately).
            return Ok(overlay(prior, desired));
        }
        if tags_changed {
            let arn = get_string(prior, "arn").unwrap_or_default();
            sync_tags(c, &arn, prior.get("tags_all"), desired.get("tags_all")).await.map_err(about(WHAT, id))?;
        }
        let immediately = get_bool(desired, "apply_immediately") == Some(true);
        if let Some(m) = modify {
            op.status("modifying");
            db::while_busy(op, WHAT, id, || async {
                m.clone().send().await.map(|_| ()).map_err(|e| sdk("ModifyDBInstance", e))
            })
            .await?;
        }
        let i = db::wait_available(c, op, WHAT, id, immediately).await?;
        let queued = pending_changes(&i);
        if !queued.is_empty() {
            let window = i.preferred_maintenance_window().unwrap_or("the maintenance window");
            let message = format!(
                "{}: {WHAT} {id}: pending until the maintenance window ({window}): {} (apply_immediately = false)",
                op.identity.address,
                queued.join(", ")
            );
            op.status(message.clone());
            tracing::warn!("{message}");
        }
        Ok(attrs(&i, desired))
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
        let call = || async {
            match c
                .rds
                .delete_db_instance()
                .db_instance_identifier(id)
                .skip_final_snapshot(skip)
                .set_final_db_snapshot_identifier(snapshot.clone())
                .delete_automated_backups(get_bool(prior, "delete_automated_backups").unwrap_or(true))
                .send()
                .await
                .map_err(|e| sdk("DeleteDBInstance", e))
            {
                Ok(_) => Ok(()),
                Err(e) if e.is_not_found() => Ok(()),
                // Already being deleted (by an interrupted run): wait for it below.
                Err(e)
                    if e.code.as_deref() == Some("InvalidDBInstanceState")
                        && db::lookup(c, id)
                            .await
                            .ok()
                            .flatten()
                            .is_some_and(|i| i.db_instance_status() == Some("deleting")) =>
                {
                    Ok(())
                }
                Err(e) if e.message.contains("eletion protection") => {
                    Err(invalid(format!("{} (set deletion_protection = false and apply first)", e.message)))
                }
                Err(e) => Err(e),
            }
        };
        db::while_busy(op, WHAT, id, call).await?;
        db::wait_gone(c, op, WHAT, id).await
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let c = self.ctx.clients().await?;
        Ok(db::tagged(c, &query.identity).await?.iter().map(|i| Found::ours(attrs(i, &query.desired))).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_from_terraform_is_the_identifier_not_the_resource_id() {
        // Part of what Terraform 5.100 wrote (examples/database, against moto; moto then failed
        // Terraform's read by resource id, so the instance is tainted, its id already recorded).
        let tf = r#"{"id": "db-M5ENSHXFPU6XHZ4G4ZEI5QIO2U", "identifier": "ledger", "identifier_prefix": null, "resource_id": null}"#;
        let id = |json| provision_aws_core::terraform::id_from_terraform(crate::types, "aws_db_instance", json);
        assert_eq!(id(tf), Ok("ledger".into()));
        assert_eq!(
            id(r#"{"id": "db-M5ENSHXFPU6XHZ4G4ZEI5QIO2U", "identifier": ""}"#),
            Err("its `identifier` attribute is missing or empty".into())
        );
    }
    use aws_sdk_rds::types::{Endpoint, PendingModifiedValues};

    fn instance() -> aws_sdk_rds::types::builders::DbInstanceBuilder {
        DbInstance::builder()
            .db_instance_identifier("main")
            .db_instance_class("db.t4g.micro")
            .engine("postgres")
            .engine_version("16.4")
            .allocated_storage(20)
            .db_instance_status("available")
            .endpoint(Endpoint::builder().address("main.x.rds.amazonaws.com").port(5432).build())
            .preferred_maintenance_window("Sun:05:00-Sun:06:00")
    }

    fn prior(pairs: &[(&str, Value)]) -> Attrs {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    #[test]
    fn queued_changes_read_as_the_values_so_the_next_plan_is_clean() {
        let i = instance()
            .pending_modified_values(PendingModifiedValues::builder().db_instance_class("db.t4g.small").build())
            .build();
        let a = attrs(&i, &Attrs::new());
        assert_eq!(a.get("instance_class"), Some(&Value::String("db.t4g.small".into())));
        assert_eq!(pending_changes(&i), ["instance_class = db.t4g.small"]);
    }

    #[test]
    fn a_version_prefix_and_autoscaled_storage_are_not_drift() {
        let i = instance().allocated_storage(40).max_allocated_storage(100).build();
        let a = attrs(&i, &prior(&[("engine_version", "16".into()), ("allocated_storage", Value::Number(20.0))]));
        assert_eq!(a.get("engine_version"), Some(&Value::String("16".into())));
        assert_eq!(a.get("engine_version_actual"), Some(&Value::String("16.4".into())));
        assert_eq!(a.get("allocated_storage"), Some(&Value::Number(20.0)));
        assert_eq!(version_as_written(Some("16.4"), Some("16.")), Some("16.4"));
        assert_eq!(version_as_written(Some("16.4"), Some("1")), Some("16.4"));
    }

    #[test]
    fn what_aws_does_not_report_is_kept_and_the_endpoint_is_derived() {
        let a = attrs(
            &instance().build(),
            &prior(&[("password", "s3cret".into()), ("skip_final_snapshot", Value::Bool(true))]),
        );
        assert_eq!(a.get("password"), Some(&Value::String("s3cret".into())));
        assert_eq!(a.get("skip_final_snapshot"), Some(&Value::Bool(true)));
        assert_eq!(a.get("delete_automated_backups"), Some(&Value::Bool(true)));
        assert_eq!(a.get("endpoint"), Some(&Value::String("main.x.rds.amazonaws.com:5432".into())));
        assert_eq!(a.get("maintenance_window"), Some(&Value::String("sun:05:00-sun:06:00".into())));
    }

    #[test]
    fn deletes_are_judged_from_the_attributes() {
        let v = |pairs: &[(&str, Value)]| delete_verdict(WHAT, "main", &prior(pairs));
        assert!(
            matches!(v(&[("deletion_protection", Value::Bool(true))]), DeleteVerdict::Refuse(m) if m.contains("deletion_protection = false"))
        );
        assert!(
            matches!(v(&[("skip_final_snapshot", Value::Bool(true))]), DeleteVerdict::NoSnapshot(m) if m.contains("WITHOUT a final snapshot"))
        );
        assert!(
            matches!(v(&[("final_snapshot_identifier", "main-final".into())]), DeleteVerdict::Snapshot(m) if m.contains("\"main-final\""))
        );
        assert!(matches!(v(&[]), DeleteVerdict::Refuse(m) if m.contains("final_snapshot_identifier is unset")));
    }

    #[test]
    fn checks_at_plan_time() {
        let base = || {
            prior(&[
                ("engine", "postgres".into()),
                ("username", "app".into()),
                ("password", Value::Unknown),
                ("allocated_storage", Value::Number(20.0)),
                ("manage_master_user_password", Value::Bool(false)),
            ])
        };
        assert!(check(&base()).is_ok());
        let mut a = base();
        a.insert("manage_master_user_password".into(), Value::Bool(true));
        assert!(check(&a).expect_err("both").contains("not both"));
        let mut a = base();
        a.remove("password");
        assert!(check(&a).expect_err("none").contains("manage_master_user_password"));
        let mut a = base();
        a.insert("max_allocated_storage".into(), Value::Number(10.0));
        assert!(check(&a).is_err());
    }
}
