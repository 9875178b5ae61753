//! `aws_rds_cluster_instance`: one instance (writer or reader) of an Aurora cluster, including
//! Serverless v2 (`db.serverless`). A DB instance to the RDS API: read in batches of 100 by
//! identifier, plus one `DescribeDBClusters` call for the clusters' member lists (`writer`).
//! Deleted without a snapshot (the cluster's final snapshot holds the data).

use crate::common::{
    about, b, changed, create_tags, generated_name, get_bool, get_i32, get_str, get_string, lowercase, n, s, sync_tags,
    user_tags, validate,
};
use crate::context::{Clients, Context};
use crate::db;
use crate::error::sdk;
use crate::instance::version_as_written;
use async_trait::async_trait;
use aws_sdk_rds::types::{DbInstance, Filter};
use provision_core::{
    AttributeSchema, Attrs, FindQuery, Found, OpContext, ProviderError, ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

const WHAT: &str = "DB cluster instance";

pub(crate) struct ClusterInstance {
    ctx: Arc<Context>,
    schema: Schema,
}

fn check(a: &Attrs) -> Result<(), String> {
    if crate::common::both_set(a, "identifier", "identifier_prefix") {
        return Err("set `identifier` or `identifier_prefix`, not both".into());
    }
    Ok(())
}

impl ClusterInstance {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("An instance of an Aurora cluster.")
            .with_id()
            .attr(AttributeSchema::computed("arn", Type::String).describe("The instance's ARN."))
            .attr(
                AttributeSchema::optional_computed("identifier", Type::String)
                    .force_new()
                    .validate(validate::identifier)
                    .describe("The instance identifier; also the `id`. When unset, `identifier_prefix` (or `tf-`) followed by 20 hex characters derived from the stack, the address and the pending create."),
            )
            .attr(
                AttributeSchema::optional("identifier_prefix", Type::String)
                    .force_new()
                    .validate(validate::identifier_prefix)
                    .describe("A prefix for the generated identifier. Not reported by AWS: kept as configured."),
            )
            .attr(
                AttributeSchema::required("cluster_identifier", Type::String)
                    .force_new()
                    .describe("The cluster (an `aws_rds_cluster`'s `id`). The engine creates the cluster first and deletes it last."),
            )
            .attr(
                AttributeSchema::required("instance_class", Type::String)
                    .describe("The instance class, e.g. `db.r6g.large`, or `db.serverless` for Serverless v2. Changed in place."),
            )
            .attr(AttributeSchema::required("engine", Type::String).force_new().describe("The cluster's engine, e.g. `aurora-postgresql`."))
            .attr(
                AttributeSchema::optional_computed("engine_version", Type::String)
                    .describe("The engine version; the cluster's when unset."),
            )
            .attr(AttributeSchema::computed("engine_version_actual", Type::String).describe("The engine version running."))
            .attr(
                AttributeSchema::optional("publicly_accessible", Type::Bool)
                    .default(false)
                    .describe("Give the instance a public address. Changed in place."),
            )
            .attr(
                AttributeSchema::optional_computed("db_parameter_group_name", Type::String)
                    .describe("The DB parameter group (instance-level settings). Changed in place."),
            )
            .attr(
                AttributeSchema::optional_computed("db_subnet_group_name", Type::String)
                    .force_new()
                    .describe("The subnet group; the cluster's when unset."),
            )
            .attr(
                AttributeSchema::optional("promotion_tier", Type::Number)
                    .default(0.0)
                    .describe("Failover priority, 0 (first) to 15. Changed in place."),
            )
            .attr(
                AttributeSchema::optional("performance_insights_enabled", Type::Bool)
                    .default(false)
                    .describe("Performance Insights. Changed in place."),
            )
            .attr(
                AttributeSchema::optional("auto_minor_version_upgrade", Type::Bool)
                    .default(true)
                    .describe("Let AWS apply minor upgrades in the maintenance window. Changed in place."),
            )
            .attr(
                AttributeSchema::optional("copy_tags_to_snapshot", Type::Bool)
                    .default(false)
                    .describe("Copy tags to snapshots. Changed in place."),
            )
            .attr(
                AttributeSchema::optional("apply_immediately", Type::Bool)
                    .default(false)
                    .describe("Apply changes now rather than in the maintenance window. Not reported by AWS."),
            )
            .attr(
                AttributeSchema::optional_computed("availability_zone", Type::String)
                    .force_new()
                    .describe("The availability zone; AWS picks when unset."),
            )
            .attr(
                AttributeSchema::optional_computed("preferred_maintenance_window", Type::String)
                    .validate(validate::window)
                    .normalize(lowercase)
                    .describe("The weekly maintenance window in UTC. Changed in place."),
            )
            .attr(AttributeSchema::computed("endpoint", Type::String).describe("The instance's own host name."))
            .attr(AttributeSchema::computed("port", Type::Number).describe("The port."))
            .attr(AttributeSchema::computed("writer", Type::Bool).describe("Whether it is the cluster's writer now."))
            .attr(AttributeSchema::computed("dbi_resource_id", Type::String).describe("The region-unique, immutable `db-...` id."))
            .attr(AttributeSchema::computed("kms_key_id", Type::String).describe("The cluster's storage key."))
            .attr(AttributeSchema::computed("storage_encrypted", Type::Bool).describe("Whether the cluster's storage is encrypted."))
            .check(check)
            .with_tags()
            .timeouts(Duration::from_secs(90 * 60), Duration::from_secs(90 * 60), Duration::from_secs(90 * 60));
        ClusterInstance { ctx, schema }
    }

    /// The writers among the clusters of these instances (one `DescribeDBClusters` call per 100).
    async fn writers(c: &Clients, clusters: BTreeSet<String>) -> Result<BTreeSet<String>, ProviderError> {
        let mut writers = BTreeSet::new();
        let clusters: Vec<String> = clusters.into_iter().collect();
        for chunk in clusters.chunks(100) {
            let filter = Filter::builder().name("db-cluster-id").set_values(Some(chunk.to_vec())).build();
            let out =
                c.rds.describe_db_clusters().filters(filter).send().await.map_err(|e| sdk("DescribeDBClusters", e))?;
            for cl in out.db_clusters() {
                for m in cl.db_cluster_members() {
                    if m.is_cluster_writer() == Some(true)
                        && let Some(id) = m.db_instance_identifier()
                    {
                        writers.insert(id.to_string());
                    }
                }
            }
        }
        Ok(writers)
    }

    async fn attrs_of(c: &Clients, i: &DbInstance, prior: &Attrs) -> Result<Attrs, ProviderError> {
        let clusters = i.db_cluster_identifier().map(|c| BTreeSet::from([c.to_string()])).unwrap_or_default();
        let writers = Self::writers(c, clusters).await?;
        Ok(attrs(i, prior, &writers))
    }
}

fn attrs(i: &DbInstance, prior: &Attrs, writers: &BTreeSet<String>) -> Attrs {
    let pending = i.pending_modified_values();
    let mut a = Attrs::new();
    let keep = |a: &mut Attrs, k: &str, default: Value| {
        a.insert(k.into(), prior.get(k).filter(|v| !v.is_null()).cloned().unwrap_or(default));
    };
    let id = i.db_instance_identifier().unwrap_or_default();
    a.insert("id".into(), Value::String(id.into()));
    a.insert("arn".into(), s(i.db_instance_arn()));
    a.insert("identifier".into(), Value::String(id.into()));
    keep(&mut a, "identifier_prefix", Value::Null);
    a.insert("cluster_identifier".into(), s(i.db_cluster_identifier()));
    a.insert("instance_class".into(), s(pending.and_then(|p| p.db_instance_class()).or(i.db_instance_class())));
    a.insert("engine".into(), s(i.engine()));
    let actual = pending.and_then(|p| p.engine_version()).or(i.engine_version());
    a.insert("engine_version".into(), s(version_as_written(actual, get_str(prior, "engine_version"))));
    a.insert("engine_version_actual".into(), s(i.engine_version()));
    a.insert("publicly_accessible".into(), b(i.publicly_accessible(), false));
    a.insert(
        "db_parameter_group_name".into(),
        s(i.db_parameter_groups().first().and_then(|g| g.db_parameter_group_name())),
    );
    a.insert("db_subnet_group_name".into(), s(i.db_subnet_group().and_then(|g| g.db_subnet_group_name())));
    a.insert("promotion_tier".into(), n(i.promotion_tier().or(Some(0))));
    a.insert("performance_insights_enabled".into(), b(i.performance_insights_enabled(), false));
    a.insert("auto_minor_version_upgrade".into(), b(i.auto_minor_version_upgrade(), true));
    a.insert("copy_tags_to_snapshot".into(), b(i.copy_tags_to_snapshot(), false));
    keep(&mut a, "apply_immediately", Value::Bool(false));
    a.insert("availability_zone".into(), s(i.availability_zone()));
    a.insert(
        "preferred_maintenance_window".into(),
        s(i.preferred_maintenance_window().map(str::to_ascii_lowercase).as_deref()),
    );
    a.insert("endpoint".into(), s(i.endpoint().and_then(|e| e.address())));
    a.insert("port".into(), n(i.endpoint().and_then(|e| e.port()).or(i.db_instance_port().filter(|p| *p > 0))));
    a.insert("writer".into(), Value::Bool(writers.contains(id)));
    a.insert("dbi_resource_id".into(), s(i.dbi_resource_id()));
    a.insert("kms_key_id".into(), s(i.kms_key_id()));
    a.insert("storage_encrypted".into(), b(i.storage_encrypted(), false));
    a.insert("tags_all".into(), user_tags(i.tag_list()));
    a
}

#[async_trait]
impl ResourceType for ClusterInstance {
    fn name(&self) -> &'static str {
        "aws_rds_cluster_instance"
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
        let ids: Vec<&str> = objects.iter().map(|(id, _)| id.as_str()).collect();
        let found = db::by_ids(c, &ids).await?;
        let clusters = found.values().filter_map(|i| i.db_cluster_identifier().map(str::to_string)).collect();
        let writers = if found.is_empty() { BTreeSet::new() } else { Self::writers(c, clusters).await? };
        Ok(objects
            .iter()
            .filter_map(|(id, prior)| Some((id.clone(), attrs(found.get(id)?, prior, &writers))))
            .collect())
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let id = generated_name(ctx, desired, "identifier", "identifier_prefix", "tf-");
        ctx.status("creating");
        let created = c
            .rds
            .create_db_instance()
            .db_instance_identifier(&id)
            .set_db_cluster_identifier(get_string(desired, "cluster_identifier"))
            .set_db_instance_class(get_string(desired, "instance_class"))
            .set_engine(get_string(desired, "engine"))
            .set_engine_version(get_string(desired, "engine_version"))
            .set_publicly_accessible(get_bool(desired, "publicly_accessible"))
            .set_db_parameter_group_name(get_string(desired, "db_parameter_group_name"))
            .set_db_subnet_group_name(get_string(desired, "db_subnet_group_name"))
            .set_promotion_tier(get_i32(desired, "promotion_tier"))
            .set_enable_performance_insights(get_bool(desired, "performance_insights_enabled"))
            .set_auto_minor_version_upgrade(get_bool(desired, "auto_minor_version_upgrade"))
            .set_copy_tags_to_snapshot(get_bool(desired, "copy_tags_to_snapshot"))
            .set_availability_zone(get_string(desired, "availability_zone"))
            .set_preferred_maintenance_window(get_string(desired, "preferred_maintenance_window"))
            .set_tags(Some(create_tags(&ctx.identity, desired.get("tags_all"))))
            .send()
            .await
            .map_err(|e| sdk("CreateDBInstance", e));
        match created {
            Ok(_) => {}
            Err(e)
                if e.code.as_deref() == Some("DBInstanceAlreadyExists")
                    && db::tagged(c, &ctx.identity)
                        .await?
                        .iter()
                        .any(|i| i.db_instance_identifier() == Some(id.as_str())) => {}
            Err(e) => return Err(about(WHAT, &id)(e)),
        }
        let i = db::wait_available(c, ctx, WHAT, &id, false).await?;
        Self::attrs_of(c, &i, desired).await
    }

    async fn update(&self, op: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let ch = |k: &str| changed(prior, desired, k);
        let mut m = c.rds.modify_db_instance().db_instance_identifier(id);
        let mut any = false;
        if ch("instance_class") {
            m = m.set_db_instance_class(get_string(desired, "instance_class"));
            any = true;
        }
        if ch("engine_version") && get_string(desired, "engine_version").is_some() {
            m = m.set_engine_version(get_string(desired, "engine_version"));
            any = true;
        }
        if ch("db_parameter_group_name") && get_string(desired, "db_parameter_group_name").is_some() {
            m = m.set_db_parameter_group_name(get_string(desired, "db_parameter_group_name"));
            any = true;
        }
        if ch("preferred_maintenance_window") && get_string(desired, "preferred_maintenance_window").is_some() {
            m = m.set_preferred_maintenance_window(get_string(desired, "preferred_maintenance_window"));
            any = true;
        }
        if ch("promotion_tier") {
            m = m.set_promotion_tier(get_i32(desired, "promotion_tier"));
            any = true;
        }
        for (k, apply) in [
            ("publicly_accessible", 0),
            ("performance_insights_enabled", 1),
            ("auto_minor_version_upgrade", 2),
            ("copy_tags_to_snapshot", 3),
        ] {
            if ch(k)
                && let Some(v) = get_bool(desired, k)
            {
                m = match apply {
                    0 => m.publicly_accessible(v),
                    1 => m.enable_performance_insights(v),
                    2 => m.auto_minor_version_upgrade(v),
                    _ => m.copy_tags_to_snapshot(v),
                };
                any = true;
            }
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
        let immediately = get_bool(desired, "apply_immediately") == Some(true);
        if any {
            op.status("modifying");
            let m = m.apply_immediately(immediately);
            db::while_busy(op, WHAT, id, || async {
                m.clone().send().await.map(|_| ()).map_err(|e| sdk("ModifyDBInstance", e))
            })
            .await?;
        }
        let i = db::wait_available(c, op, WHAT, id, immediately).await?;
        Self::attrs_of(c, &i, desired).await
    }

    async fn delete(&self, op: &OpContext, id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        op.status("deleting");
        let call = || async {
            match c
                .rds
                .delete_db_instance()
                .db_instance_identifier(id)
                .skip_final_snapshot(true)
                .send()
                .await
                .map_err(|e| sdk("DeleteDBInstance", e))
            {
                Ok(_) => Ok(()),
                Err(e) if e.is_not_found() => Ok(()),
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
                Err(e) => Err(e),
            }
        };
        db::while_busy(op, WHAT, id, call).await?;
        db::wait_gone(c, op, WHAT, id).await
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let c = self.ctx.clients().await?;
        let mut out = vec![];
        for i in db::tagged(c, &query.identity).await? {
            out.push(Found::ours(Self::attrs_of(c, &i, &query.desired).await?));
        }
        Ok(out)
    }
}
