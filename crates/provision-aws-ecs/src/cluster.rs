//! `aws_ecs_cluster`: a named group of ECS services and tasks, with its settings (Container
//! Insights), its execute-command and managed-storage configuration, and its Service Connect
//! default namespace.

use crate::context::{Clients, Context};
use crate::error::sdk;
use crate::util::{
    arn_name, create_tags, get_block, get_blocks, get_bool, get_str, get_string, map, need_str, other, s, sync_tags,
    tagged_for, user_tags,
};
use async_trait::async_trait;
use aws_sdk_ecs::types::{
    Cluster as Item, ClusterConfiguration, ClusterField, ClusterServiceConnectDefaultsRequest, ClusterSetting,
    ExecuteCommandConfiguration, ExecuteCommandLogConfiguration, ManagedStorageConfiguration,
};
use provision_aws_core::retry::{Policy, gone_is_ok, retry};
use provision_aws_core::wait::{Status, TimedOut, Wait, until};
use provision_core::{
    AttributeSchema, Attrs, BlockSchema, FindQuery, Found, Nesting, OpContext, ProviderError, ReadContext,
    ResourceType, Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// How many clusters one `DescribeClusters` call takes.
const PAGE: usize = 100;

pub(crate) struct Cluster {
    ctx: Arc<Context>,
    schema: Schema,
}

fn setting_schema() -> Schema {
    Schema::new("A cluster setting.")
        .attr(
            AttributeSchema::required("name", Type::String)
                .validate(|v| match v.as_str() {
                    Some("containerInsights") => Ok(()),
                    other => {
                        Err(format!("{other:?} is not a cluster setting: the one setting is \"containerInsights\""))
                    }
                })
                .describe("`containerInsights`, the one setting ECS has."),
        )
        .attr(
            AttributeSchema::required("value", Type::String)
                .validate(|v| match v.as_str() {
                    Some("enabled" | "disabled" | "enhanced") => Ok(()),
                    other => Err(format!(
                        "{other:?} is not a Container Insights value: use \"enabled\", \"enhanced\" or \"disabled\""
                    )),
                })
                .describe("`enabled`, `enhanced` or `disabled`."),
        )
}

fn configuration_schema() -> Schema {
    let log = Schema::new("Where execute-command sessions are logged.")
        .attr(
            AttributeSchema::optional("cloud_watch_encryption_enabled", Type::Bool)
                .describe("Whether the CloudWatch log group is encrypted."),
        )
        .attr(
            AttributeSchema::optional("cloud_watch_log_group_name", Type::String).describe("The CloudWatch log group."),
        )
        .attr(
            AttributeSchema::optional("s3_bucket_encryption_enabled", Type::Bool)
                .describe("Whether the S3 bucket is encrypted."),
        )
        .attr(AttributeSchema::optional("s3_bucket_name", Type::String).describe("The S3 bucket."))
        .attr(AttributeSchema::optional("s3_key_prefix", Type::String).describe("The S3 key prefix."));
    let exec = Schema::new("ECS Exec settings.")
        .attr(AttributeSchema::optional("kms_key_id", Type::String).describe("The KMS key that encrypts session data."))
        .attr(
            AttributeSchema::optional("logging", Type::String)
                .validate(|v| match v.as_str() {
                    Some("NONE" | "DEFAULT" | "OVERRIDE") => Ok(()),
                    other => Err(format!("{other:?}: `logging` is NONE, DEFAULT or OVERRIDE")),
                })
                .describe("`NONE`, `DEFAULT` (the task's log configuration) or `OVERRIDE` (`log_configuration`)."),
        )
        .block(BlockSchema::new(
            "log_configuration",
            Nesting::Single,
            log,
            "Where sessions are logged with `logging = \"OVERRIDE\"`.",
        ));
    let storage = Schema::new("Managed storage encryption.")
        .attr(
            AttributeSchema::optional("fargate_ephemeral_storage_kms_key_id", Type::String)
                .describe("The KMS key for Fargate ephemeral storage."),
        )
        .attr(AttributeSchema::optional("kms_key_id", Type::String).describe("The KMS key for managed storage."));
    Schema::new("The cluster's configuration.")
        .block(BlockSchema::new("execute_command_configuration", Nesting::Single, exec, "ECS Exec settings."))
        .block(BlockSchema::new(
            "managed_storage_configuration",
            Nesting::Single,
            storage,
            "Managed storage encryption.",
        ))
}

impl Cluster {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("An ECS cluster.")
            .attr(AttributeSchema::computed("id", Type::String).describe("The cluster's ARN (as Terraform)."))
            .attr(AttributeSchema::computed("arn", Type::String).describe("The cluster's ARN."))
            .attr(
                AttributeSchema::required("name", Type::String)
                    .force_new()
                    .validate(validate_name)
                    .describe("The cluster's name: up to 255 letters, digits, hyphens and underscores. A new name replaces the cluster."),
            )
            .block(
                BlockSchema::new("setting", Nesting::Set, setting_schema(), "Cluster settings: `containerInsights`. Changed in place (`UpdateCluster`). When no block is written, whatever is set is kept.")
                    .unmanaged_when_absent(),
            )
            .block(BlockSchema::new(
                "configuration",
                Nesting::Single,
                configuration_schema(),
                "Execute-command and managed-storage configuration. Changed in place (`UpdateCluster`).",
            ))
            .block(BlockSchema::new(
                "service_connect_defaults",
                Nesting::Single,
                Schema::new("Service Connect defaults.").attr(
                    AttributeSchema::required("namespace", Type::String)
                        .describe("The ARN of the Cloud Map namespace services of this cluster use by default."),
                ),
                "The default Service Connect namespace. Changed in place (`UpdateCluster`).",
            ))
            .with_tags();
        Cluster { ctx, schema }
    }
}

fn validate_name(v: &Value) -> Result<(), String> {
    let n = v.as_str().unwrap_or_default();
    if n.is_empty() || n.len() > 255 || !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(format!("\"{n}\" is not a cluster name: 1 to 255 letters, digits, hyphens and underscores"));
    }
    Ok(())
}

/// Every cluster named (names or ARNs), 100 per call, with settings, configuration and tags.
/// Clusters that are missing or `INACTIVE` (deleted: ECS keeps showing them for a while) are left
/// out.
pub(crate) async fn describe(c: &Clients, names: &[String]) -> Result<Vec<Item>, ProviderError> {
    let mut out = vec![];
    for chunk in names.chunks(PAGE) {
        let page = c
            .ecs
            .describe_clusters()
            .set_clusters(Some(chunk.to_vec()))
            .include(ClusterField::Settings)
            .include(ClusterField::Configurations)
            .include(ClusterField::Tags)
            .send()
            .await
            .map_err(|e| sdk("DescribeClusters", e))?;
        out.extend(page.clusters().iter().filter(|c| c.status() != Some("INACTIVE")).cloned());
    }
    Ok(out)
}

/// Turns what AWS reports for a nested value into what a configuration that left `keys` unset
/// would say: AWS's default for each, where the recorded value is null, reads as null.
fn keep_unset(read: Value, prior: Option<&Value>, defaults: &[(&str, Value)]) -> Value {
    let Value::Map(mut m) = read else { return read };
    let prior = prior.and_then(Value::as_map);
    for (k, v) in m.iter_mut() {
        let was = prior.and_then(|p| p.get(k));
        if was.is_none_or(Value::is_null) && defaults.iter().any(|(dk, dv)| dk == k && dv == v) {
            *v = Value::Null;
        } else if let Value::Map(_) = v {
            *v = keep_unset(std::mem::replace(v, Value::Null), was, defaults);
        }
    }
    Value::Map(m)
}

fn configuration_value(cfg: Option<&ClusterConfiguration>, prior: Option<&Value>) -> Value {
    let Some(cfg) = cfg else { return Value::Null };
    let exec = cfg.execute_command_configuration().map(|e| {
        map(vec![
            ("kms_key_id", s(e.kms_key_id())),
            ("logging", s(e.logging().map(|l| l.as_str()))),
            (
                "log_configuration",
                e.log_configuration().map_or(Value::Null, |l| {
                    map(vec![
                        ("cloud_watch_encryption_enabled", Value::Bool(l.cloud_watch_encryption_enabled())),
                        ("cloud_watch_log_group_name", s(l.cloud_watch_log_group_name())),
                        ("s3_bucket_encryption_enabled", Value::Bool(l.s3_encryption_enabled())),
                        ("s3_bucket_name", s(l.s3_bucket_name())),
                        ("s3_key_prefix", s(l.s3_key_prefix())),
                    ])
                }),
            ),
        ])
    });
    let storage = cfg.managed_storage_configuration().map(|m| {
        map(vec![
            ("fargate_ephemeral_storage_kms_key_id", s(m.fargate_ephemeral_storage_kms_key_id())),
            ("kms_key_id", s(m.kms_key_id())),
        ])
    });
    let v = map(vec![
        ("execute_command_configuration", exec.unwrap_or(Value::Null)),
        ("managed_storage_configuration", storage.unwrap_or(Value::Null)),
    ]);
    let v = keep_unset(
        v,
        prior,
        &[
            ("cloud_watch_encryption_enabled", Value::Bool(false)),
            ("s3_bucket_encryption_enabled", Value::Bool(false)),
            ("logging", Value::String("DEFAULT".into())),
        ],
    );
    // A configuration left with nothing set reads as none.
    if empty(&v) { Value::Null } else { v }
}

/// True for null and for maps holding only empty values.
fn empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Map(m) => m.values().all(empty),
        _ => false,
    }
}

fn attrs(item: &Item, prior: &Attrs) -> Attrs {
    let mut a = Attrs::new();
    a.insert("id".into(), s(item.cluster_arn()));
    a.insert("arn".into(), s(item.cluster_arn()));
    a.insert("name".into(), s(item.cluster_name()));
    let settings: Vec<Value> = item
        .settings()
        .iter()
        .map(|st| map(vec![("name", s(st.name().map(|n| n.as_str()))), ("value", s(st.value()))]))
        .collect();
    a.insert("setting".into(), Value::set(settings));
    a.insert("configuration".into(), configuration_value(item.configuration(), prior.get("configuration")));
    a.insert(
        "service_connect_defaults".into(),
        item.service_connect_defaults()
            .and_then(|d| d.namespace())
            .map_or(Value::Null, |ns| map(vec![("namespace", Value::String(ns.to_string()))])),
    );
    a.insert("tags_all".into(), user_tags(item.tags()));
    a
}

fn settings(desired: &Attrs) -> Vec<ClusterSetting> {
    get_blocks(desired, "setting")
        .into_iter()
        .map(|st| {
            ClusterSetting::builder()
                .set_name(get_str(st, "name").map(Into::into))
                .set_value(get_string(st, "value"))
                .build()
        })
        .collect()
}

fn configuration(desired: &Attrs) -> Option<ClusterConfiguration> {
    let cfg = get_block(desired, "configuration")?;
    let exec = get_block(cfg, "execute_command_configuration").map(|e| {
        let log = get_block(e, "log_configuration").map(|l| {
            ExecuteCommandLogConfiguration::builder()
                .set_cloud_watch_encryption_enabled(get_bool(l, "cloud_watch_encryption_enabled"))
                .set_cloud_watch_log_group_name(get_string(l, "cloud_watch_log_group_name"))
                .set_s3_encryption_enabled(get_bool(l, "s3_bucket_encryption_enabled"))
                .set_s3_bucket_name(get_string(l, "s3_bucket_name"))
                .set_s3_key_prefix(get_string(l, "s3_key_prefix"))
                .build()
        });
        ExecuteCommandConfiguration::builder()
            .set_kms_key_id(get_string(e, "kms_key_id"))
            .set_logging(get_str(e, "logging").map(Into::into))
            .set_log_configuration(log)
            .build()
    });
    let storage = get_block(cfg, "managed_storage_configuration").map(|m| {
        ManagedStorageConfiguration::builder()
            .set_kms_key_id(get_string(m, "kms_key_id"))
            .set_fargate_ephemeral_storage_kms_key_id(get_string(m, "fargate_ephemeral_storage_kms_key_id"))
            .build()
    });
    Some(
        ClusterConfiguration::builder()
            .set_execute_command_configuration(exec)
            .set_managed_storage_configuration(storage)
            .build(),
    )
}

fn service_connect(desired: &Attrs) -> Result<Option<ClusterServiceConnectDefaultsRequest>, ProviderError> {
    get_block(desired, "service_connect_defaults")
        .map(|d| {
            ClusterServiceConnectDefaultsRequest::builder()
                .namespace(need_str(d, "namespace")?)
                .build()
                .map_err(|e| other(format!("service_connect_defaults: {e}")))
        })
        .transpose()
}

impl Cluster {
    async fn read_one(c: &Clients, arn: &str, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let found = retry(
            Policy::NEW_OBJECT,
            || async {
                describe(c, &[arn.to_string()]).await?.into_iter().next().ok_or_else(|| {
                    ProviderError::new(
                        provision_core::ProviderErrorKind::NotFound,
                        format!("ECS cluster {} not found", arn_name(arn)),
                    )
                })
            },
            provision_aws_core::retry::nothing,
        )
        .await?;
        Ok(attrs(&found, desired))
    }

    /// The services still in a cluster, for the message when it cannot be deleted.
    async fn blockers(c: &Clients, arn: &str) -> Option<String> {
        let out = c.ecs.list_services().cluster(arn).send().await.ok()?;
        let names: Vec<&str> = out.service_arns().iter().map(|a| arn_name(a)).collect();
        (!names.is_empty()).then(|| format!("services {}", names.join(", ")))
    }
}

#[async_trait]
impl ResourceType for Cluster {
    fn name(&self) -> &'static str {
        "aws_ecs_cluster"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    /// One `DescribeClusters` call per 100 clusters.
    async fn read_many(
        &self,
        _ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        if objects.is_empty() {
            return Ok(BTreeMap::new());
        }
        let c = self.ctx.clients().await?;
        let ids: Vec<String> = objects.iter().map(|(id, _)| id.clone()).collect();
        let found: BTreeMap<String, Item> =
            describe(c, &ids).await?.into_iter().filter_map(|i| Some((i.cluster_arn()?.to_string(), i))).collect();
        Ok(objects
            .iter()
            .filter_map(|(id, prior)| {
                let item = found.get(id).or_else(|| found.values().find(|i| i.cluster_name() == Some(arn_name(id))))?;
                Some((id.clone(), attrs(item, prior)))
            })
            .collect())
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let name = need_str(desired, "name")?;
        let out = c
            .ecs
            .create_cluster()
            .cluster_name(name)
            .set_settings(Some(settings(desired)).filter(|s| !s.is_empty()))
            .set_configuration(configuration(desired))
            .set_service_connect_defaults(service_connect(desired)?)
            .set_tags(Some(create_tags(&ctx.identity, desired.get("tags_all"))))
            .send()
            .await
            .map_err(|e| sdk("CreateCluster", e))?;
        let arn = out
            .cluster()
            .and_then(|c| c.cluster_arn())
            .ok_or_else(|| other(format!("CreateCluster returned no ARN for ECS cluster {name}")))?
            .to_string();
        Self::read_one(c, &arn, desired).await
    }

    async fn update(&self, _ctx: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let changed = |k: &str| prior.get(k) != desired.get(k);
        let want_settings = settings(desired);
        let settings_changed = changed("setting") && !want_settings.is_empty();
        if settings_changed || changed("configuration") || changed("service_connect_defaults") {
            let mut req = c.ecs.update_cluster().cluster(id);
            if settings_changed {
                req = req.set_settings(Some(want_settings));
            }
            if changed("configuration") {
                // No block: back to ECS's defaults.
                let cfg = configuration(desired).unwrap_or_else(|| {
                    ClusterConfiguration::builder()
                        .execute_command_configuration(
                            ExecuteCommandConfiguration::builder().logging("DEFAULT".into()).build(),
                        )
                        .build()
                });
                req = req.configuration(cfg);
            }
            if changed("service_connect_defaults")
                && let Some(d) = service_connect(desired)?
            {
                req = req.service_connect_defaults(d);
            }
            req.send().await.map_err(|e| sdk("UpdateCluster", e))?;
        }
        sync_tags(&c.ecs, id, prior.get("tags_all"), desired.get("tags_all")).await?;
        Self::read_one(c, id, desired).await
    }

    /// `DeleteCluster`, retried while services or tasks are still in it (they are deleted first
    /// when they are in the configuration; ECS takes a while to let go of them), then waits until
    /// the cluster is `INACTIVE`.
    async fn delete(&self, ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        gone_is_ok(
            retry(
                Policy::in_use(ctx.remaining().min(Duration::from_secs(600))),
                || async {
                    c.ecs.delete_cluster().cluster(id).send().await.map(|_| ()).map_err(|e| sdk("DeleteCluster", e))
                },
                || Self::blockers(c, id),
            )
            .await,
        )?;
        let wait = Wait::within(format!("ECS cluster {}", arn_name(id)), "INACTIVE", ctx, Duration::from_secs(600))
            .until_gone();
        until(
            &wait,
            || async {
                let out =
                    c.ecs.describe_clusters().clusters(id).send().await.map_err(|e| sdk("DescribeClusters", e))?;
                Ok(match out.clusters().first().and_then(|c| c.status()) {
                    None | Some("INACTIVE") => Status::<()>::Gone,
                    Some(other) => Status::Pending(other.to_string()),
                })
            },
            TimedOut::provider_error,
        )
        .await?;
        Ok(())
    }

    /// `ListClusters`, then `DescribeClusters` (100 per call) for the clusters tagged for the
    /// address. ECS tags are on the create call, so a cluster made by an interrupted run carries
    /// them.
    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let c = self.ctx.clients().await?;
        let mut arns = vec![];
        let mut pages = c.ecs.list_clusters().into_paginator().send();
        while let Some(page) = pages.next().await {
            arns.extend(page.map_err(|e| sdk("ListClusters", e))?.cluster_arns().iter().cloned());
        }
        Ok(describe(c, &arns)
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

    #[test]
    fn unset_defaults_read_as_unset() {
        let read = map(vec![(
            "log_configuration",
            map(vec![("cloud_watch_encryption_enabled", Value::Bool(false)), ("s3_bucket_name", s(Some("b")))]),
        )]);
        let prior = map(vec![("log_configuration", map(vec![("cloud_watch_encryption_enabled", Value::Null)]))]);
        let defaults = [("cloud_watch_encryption_enabled", Value::Bool(false))];
        let v = keep_unset(read.clone(), Some(&prior), &defaults);
        let log =
            v.as_map().and_then(|m| m.get("log_configuration")).and_then(Value::as_map).cloned().unwrap_or_default();
        assert_eq!(log.get("cloud_watch_encryption_enabled"), Some(&Value::Null));
        assert_eq!(log.get("s3_bucket_name"), Some(&s(Some("b"))));
        // Set to false in the configuration: read as false.
        let prior = map(vec![("log_configuration", map(vec![("cloud_watch_encryption_enabled", Value::Bool(false))]))]);
        assert_eq!(keep_unset(read.clone(), Some(&prior), &defaults), read);
    }

    #[test]
    fn cluster_names() {
        assert!(validate_name(&Value::String("app-main_1".into())).is_ok());
        assert!(validate_name(&Value::String("app main".into())).is_err());
        assert!(validate_name(&Value::String(String::new())).is_err());
    }
}
