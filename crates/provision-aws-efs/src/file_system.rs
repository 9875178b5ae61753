//! `aws_efs_file_system`: an elastic NFS file system.
//!
//! Found again by its creation token, EFS's idempotency token: provision chooses it before the
//! create call (`creation_token`, or `terraform-` plus part of the pending record's token, as
//! Terraform generates one), so a retried `CreateFileSystem` answers `FileSystemAlreadyExists` for
//! the file system the first call made, and recovery reads it with one
//! `DescribeFileSystems(CreationToken)`; its tags (given in the create call) say whose it is.

use crate::attrs::{blocks, get_bool, get_str, get_string, object, s};
use crate::context::{Clients, Context};
use crate::error::{built, named, sdk};
use async_trait::async_trait;
use aws_sdk_efs::types::{
    FileSystemDescription, LifecyclePolicy, PerformanceMode, Tag, ThroughputMode, TransitionToArchiveRules,
    TransitionToIaRules, TransitionToPrimaryStorageClassRules,
};
use provision_aws_core::retry::{Policy, gone_is_ok, retry};
use provision_aws_core::validate::one_of;
use provision_aws_core::wait::{self, Status, TimedOut, Wait};
use provision_core::{
    AttributeSchema, Attrs, BlockSchema, FindQuery, Found, Nesting, OpContext, Owner, ProviderError, ProviderErrorKind,
    ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

pub(crate) struct FileSystem {
    ctx: Arc<Context>,
    schema: Schema,
}

fn performance_mode(v: &Value) -> Result<(), String> {
    one_of(v, &["generalPurpose", "maxIO"], "performance mode")
}

fn throughput_mode(v: &Value) -> Result<(), String> {
    one_of(v, &["bursting", "provisioned", "elastic"], "throughput mode")
}

fn creation_token(v: &Value) -> Result<(), String> {
    match v.as_str() {
        Some(s) if s.is_empty() || s.len() > 64 => Err(format!("\"{s}\" is not a creation token: 1 to 64 characters")),
        _ => Ok(()),
    }
}

fn check(a: &Attrs) -> Result<(), String> {
    let provisioned = get_str(a, "throughput_mode") == Some("provisioned");
    let has_rate = a.get("provisioned_throughput_in_mibps").is_some_and(|v| !v.is_null());
    if provisioned && !has_rate && a.get("provisioned_throughput_in_mibps").is_some_and(Value::is_wholly_known) {
        return Err("`provisioned_throughput_in_mibps` must be set when `throughput_mode` is \"provisioned\"".into());
    }
    if let Some(kms) = a.get("kms_key_id").filter(|v| !v.is_null())
        && kms.is_wholly_known()
        && get_bool(a, "encrypted") == Some(false)
    {
        return Err("`kms_key_id` needs `encrypted = true`".into());
    }
    Ok(())
}

const LIFECYCLE: [&str; 3] = ["transition_to_ia", "transition_to_primary_storage_class", "transition_to_archive"];

/// The token `create` uses: `creation_token`, or `terraform-` and 26 characters of `token`.
pub(crate) fn token_for(token: &str, desired: &Attrs) -> String {
    get_string(desired, "creation_token").unwrap_or_else(|| {
        let suffix: String = token.chars().filter(char::is_ascii_alphanumeric).take(26).collect();
        format!("terraform-{suffix}")
    })
}

impl FileSystem {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("An EFS file system.")
            .with_id()
            .attr(AttributeSchema::computed("arn", Type::String).describe("The file system's ARN."))
            .attr(
                AttributeSchema::optional_computed("creation_token", Type::String)
                    .force_new()
                    .validate(creation_token)
                    .describe("EFS's idempotency token (1 to 64 characters). Unset: `terraform-` plus 26 characters chosen before the create call, so a retried create returns the same file system."),
            )
            .attr(AttributeSchema::optional_computed("encrypted", Type::Bool).force_new().describe("Whether data at rest is encrypted. Replaces the file system when changed."))
            .attr(AttributeSchema::optional_computed("kms_key_id", Type::String).force_new().describe("The KMS key's ARN when `encrypted`; unset: the `aws/elasticfilesystem` key."))
            .attr(
                AttributeSchema::optional_computed("performance_mode", Type::String)
                    .force_new()
                    .validate(performance_mode)
                    .describe("generalPurpose (AWS's default) or maxIO."),
            )
            .attr(
                AttributeSchema::optional("throughput_mode", Type::String)
                    .default("bursting")
                    .validate(throughput_mode)
                    .describe("bursting, provisioned or elastic. Changed in place (`UpdateFileSystem`)."),
            )
            .attr(
                AttributeSchema::optional("provisioned_throughput_in_mibps", Type::Number)
                    .describe("MiB/s with `throughput_mode = \"provisioned\"` (checked at plan time). Changed in place."),
            )
            .attr(
                AttributeSchema::optional_computed("availability_zone_name", Type::String)
                    .force_new()
                    .describe("For One Zone storage: the zone. Unset: Regional (multi-zone) storage."),
            )
            .attr(AttributeSchema::computed("availability_zone_id", Type::String).describe("The One Zone file system's zone id."))
            .attr(AttributeSchema::computed("dns_name", Type::String).describe("`<id>.efs.<region>.amazonaws.com`, what clients mount."))
            .attr(AttributeSchema::computed("name", Type::String).describe("The value of the `Name` tag."))
            .attr(AttributeSchema::computed("number_of_mount_targets", Type::Number).describe("How many mount targets it has now."))
            .attr(AttributeSchema::computed("owner_id", Type::String).describe("The AWS account that owns it."))
            .attr(
                AttributeSchema::computed(
                    "size_in_bytes",
                    Type::list(Type::Object(vec![("value", Type::Number), ("value_in_ia", Type::Number), ("value_in_standard", Type::Number)])),
                )
                .describe("The metered size (changes as data is written; never a change to plan)."),
            )
            .block(BlockSchema::new(
                "lifecycle_policy",
                Nesting::List,
                Schema::new("")
                    .attr(AttributeSchema::optional("transition_to_ia", Type::String).describe("AFTER_1_DAY ... AFTER_365_DAYS."))
                    .attr(AttributeSchema::optional("transition_to_primary_storage_class", Type::String).describe("AFTER_1_ACCESS."))
                    .attr(AttributeSchema::optional("transition_to_archive", Type::String).describe("AFTER_1_DAY ... AFTER_365_DAYS.")),
                "Lifecycle rules (at most 3 blocks, one rule each). Changed in place (`PutLifecycleConfiguration`).",
            ))
            .check(check)
            .with_tags()
            .timeouts(Duration::from_secs(10 * 60), Duration::from_secs(10 * 60), Duration::from_secs(10 * 60));
        FileSystem { ctx, schema }
    }

    fn attrs(c: &Clients, f: &FileSystemDescription, lifecycle: &[LifecyclePolicy]) -> Attrs {
        let mut a = Attrs::new();
        let id = f.file_system_id();
        a.insert("id".into(), Value::from(id));
        a.insert("arn".into(), s(f.file_system_arn()));
        a.insert("creation_token".into(), Value::from(f.creation_token()));
        a.insert("encrypted".into(), Value::Bool(f.encrypted().unwrap_or(false)));
        a.insert("kms_key_id".into(), s(f.kms_key_id()));
        a.insert("performance_mode".into(), Value::from(f.performance_mode().as_str()));
        a.insert("throughput_mode".into(), Value::from(f.throughput_mode().map_or("bursting", |m| m.as_str())));
        let provisioned = f.throughput_mode().is_some_and(|m| m.as_str() == "provisioned");
        a.insert(
            "provisioned_throughput_in_mibps".into(),
            if provisioned {
                f.provisioned_throughput_in_mibps().map_or(Value::Null, Value::Number)
            } else {
                Value::Null
            },
        );
        a.insert("availability_zone_name".into(), s(f.availability_zone_name()));
        a.insert("availability_zone_id".into(), s(f.availability_zone_id()));
        a.insert("dns_name".into(), Value::String(format!("{id}.efs.{}.amazonaws.com", c.region)));
        a.insert("name".into(), s(f.name()));
        a.insert("number_of_mount_targets".into(), Value::Number(f.number_of_mount_targets() as f64));
        a.insert("owner_id".into(), Value::from(f.owner_id()));
        let size = f.size_in_bytes().map(|z| {
            object([
                ("value", Value::Number(z.value() as f64)),
                ("value_in_ia", Value::Number(z.value_in_ia().unwrap_or(0) as f64)),
                ("value_in_standard", Value::Number(z.value_in_standard().unwrap_or(0) as f64)),
            ])
        });
        a.insert("size_in_bytes".into(), Value::List(size.into_iter().collect()));
        let rules = lifecycle
            .iter()
            .map(|p| {
                object([
                    ("transition_to_ia", s(p.transition_to_ia().map(|r| r.as_str()))),
                    (
                        "transition_to_primary_storage_class",
                        s(p.transition_to_primary_storage_class().map(|r| r.as_str())),
                    ),
                    ("transition_to_archive", s(p.transition_to_archive().map(|r| r.as_str()))),
                ])
            })
            .collect();
        a.insert("lifecycle_policy".into(), Value::List(rules));
        a.insert("tags_all".into(), provision_aws_core::tags::user_tags(f.tags().iter().map(|t| (t.key(), t.value()))));
        a
    }

    fn policies(desired: &Attrs) -> Vec<LifecyclePolicy> {
        blocks(desired, "lifecycle_policy")
            .into_iter()
            .map(|b| {
                let get = |k: &str| b.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
                LifecyclePolicy::builder()
                    .set_transition_to_ia(get(LIFECYCLE[0]).map(TransitionToIaRules::from))
                    .set_transition_to_primary_storage_class(
                        get(LIFECYCLE[1]).map(TransitionToPrimaryStorageClassRules::from),
                    )
                    .set_transition_to_archive(get(LIFECYCLE[2]).map(TransitionToArchiveRules::from))
                    .build()
            })
            .collect()
    }

    pub(crate) async fn describe(c: &Clients, id: &str) -> Result<Option<FileSystemDescription>, ProviderError> {
        match c.efs.describe_file_systems().file_system_id(id).send().await {
            Ok(out) => Ok(out.file_systems().first().cloned()),
            Err(e) => {
                let e = sdk("DescribeFileSystems", e);
                if e.is_not_found() { Ok(None) } else { Err(e) }
            }
        }
    }

    async fn by_token(c: &Clients, token: &str) -> Result<Option<FileSystemDescription>, ProviderError> {
        let out = c
            .efs
            .describe_file_systems()
            .creation_token(token)
            .send()
            .await
            .map_err(|e| sdk("DescribeFileSystems", e))?;
        Ok(out.file_systems().iter().find(|f| f.life_cycle_state().as_str() != "deleted").cloned())
    }

    async fn lifecycle(c: &Clients, id: &str) -> Result<Vec<LifecyclePolicy>, ProviderError> {
        let out = c
            .efs
            .describe_lifecycle_configuration()
            .file_system_id(id)
            .send()
            .await
            .map_err(|e| sdk("DescribeLifecycleConfiguration", e))?;
        Ok(out.lifecycle_policies().to_vec())
    }

    async fn wait_available(c: &Clients, ctx: &OpContext, id: &str) -> Result<FileSystemDescription, ProviderError> {
        let w = Wait::within(format!("file system {id}"), "available", ctx, Duration::from_secs(30 * 60));
        let f = wait::until(
            &w,
            || async {
                Ok(match Self::describe(c, id).await? {
                    None => Status::Gone,
                    Some(f) if f.life_cycle_state().as_str() == "available" => Status::Ready(f),
                    Some(f) => Status::Pending(f.life_cycle_state().as_str().to_string()),
                })
            },
            TimedOut::provider_error,
        )
        .await?;
        f.ok_or_else(|| ProviderError::new(ProviderErrorKind::NotFound, format!("file system {id} not found")))
    }

    async fn read_one(c: &Clients, ctx: &OpContext, id: &str) -> Result<Attrs, ProviderError> {
        let f = Self::wait_available(c, ctx, id).await?;
        let l = Self::lifecycle(c, id).await?;
        Ok(Self::attrs(c, &f, &l))
    }

    /// Sets the lifecycle policies; returns them as AWS answered.
    async fn put_lifecycle(c: &Clients, id: &str, desired: &Attrs) -> Result<Vec<LifecyclePolicy>, ProviderError> {
        c.efs
            .put_lifecycle_configuration()
            .file_system_id(id)
            .set_lifecycle_policies(Some(Self::policies(desired)))
            .send()
            .await
            .map(|out| out.lifecycle_policies().to_vec())
            .map_err(|e| named(&format!("file system {id}"), sdk("PutLifecycleConfiguration", e)))
    }
}

#[async_trait]
impl ResourceType for FileSystem {
    fn name(&self) -> &'static str {
        "aws_efs_file_system"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn identity(&self) -> provision_core::IdentityStrategy {
        provision_core::IdentityStrategy::Name
    }

    fn natural_key(&self, ctx: &OpContext, desired: &Attrs) -> Option<String> {
        Some(token_for(&ctx.token, desired))
    }

    async fn read_many(
        &self,
        _ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        let c = self.ctx.clients().await?;
        let mut out = BTreeMap::new();
        if objects.is_empty() {
            return Ok(out);
        }
        // The account's file systems in one paginated call (100 a page), then the lifecycle
        // rules, which have no batch read: one call per file system.
        let wanted: BTreeSet<&str> = objects.iter().map(|(id, _)| id.as_str()).collect();
        let mut found = BTreeMap::new();
        let mut pages = c.efs.describe_file_systems().max_items(100).into_paginator().send();
        while let Some(page) = pages.next().await {
            for f in page.map_err(|e| sdk("DescribeFileSystems", e))?.file_systems() {
                if wanted.contains(f.file_system_id())
                    && !matches!(f.life_cycle_state().as_str(), "deleted" | "deleting")
                {
                    found.insert(f.file_system_id().to_string(), f.clone());
                }
            }
        }
        for (id, f) in found {
            let l = match Self::lifecycle(c, &id).await {
                Ok(l) => l,
                Err(e) if e.is_not_found() => continue,
                Err(e) => return Err(e),
            };
            out.insert(id, Self::attrs(c, &f, &l));
        }
        Ok(out)
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let token = token_for(&ctx.token, desired);
        let mut tags = vec![];
        for (k, v) in provision_aws_core::tags::create_tags(&ctx.identity, desired.get("tags_all")) {
            tags.push(built(Tag::builder().key(k).value(v).build())?);
        }
        let provisioned = get_str(desired, "throughput_mode") == Some("provisioned");
        let made = c
            .efs
            .create_file_system()
            .creation_token(&token)
            .set_encrypted(get_bool(desired, "encrypted"))
            .set_kms_key_id(get_string(desired, "kms_key_id"))
            .set_performance_mode(get_str(desired, "performance_mode").map(PerformanceMode::from))
            .set_throughput_mode(get_str(desired, "throughput_mode").map(ThroughputMode::from))
            .set_provisioned_throughput_in_mibps(if provisioned {
                desired.get("provisioned_throughput_in_mibps").and_then(Value::as_number)
            } else {
                None
            })
            .set_availability_zone_name(get_string(desired, "availability_zone_name"))
            .set_tags(Some(tags))
            .send()
            .await;
        let id = match made {
            Ok(out) => out.file_system_id().to_string(),
            Err(e) => {
                let e = sdk("CreateFileSystem", e);
                if e.code.as_deref() != Some("FileSystemAlreadyExists") {
                    return Err(named(&format!("file system with creation token {token}"), e));
                }
                // A retried create: the first call made it. Adopt it only if it is ours.
                let f = Self::by_token(c, &token).await?.ok_or(e)?;
                if let Owner::Other(why) = ctx.identity.owner_of(f.tags().iter().map(|t| (t.key(), t.value()))) {
                    return Err(ProviderError::new(
                        ProviderErrorKind::Conflict,
                        format!(
                            "file system {} already has creation token \"{token}\" and is not this object's ({why}): choose another `creation_token`, or import it",
                            f.file_system_id()
                        ),
                    ));
                }
                f.file_system_id().to_string()
            }
        };
        ctx.status("creating");
        let f = Self::wait_available(c, ctx, &id).await?;
        // The file system as its wait read it available (its lifecycle policies are not part of
        // that description), and the policies as PutLifecycleConfiguration answered (a new file
        // system has none): neither is read again.
        let lifecycle = if blocks(desired, "lifecycle_policy").is_empty() {
            vec![]
        } else {
            Self::put_lifecycle(c, &id, desired).await?
        };
        Ok(Self::attrs(c, &f, &lifecycle))
    }

    async fn update(&self, ctx: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let changed = |k: &str| prior.get(k) != desired.get(k);
        if changed("throughput_mode") || changed("provisioned_throughput_in_mibps") {
            let provisioned = get_str(desired, "throughput_mode") == Some("provisioned");
            ctx.status("changing throughput");
            c.efs
                .update_file_system()
                .file_system_id(id)
                .set_throughput_mode(get_str(desired, "throughput_mode").map(ThroughputMode::from))
                .set_provisioned_throughput_in_mibps(if provisioned {
                    desired.get("provisioned_throughput_in_mibps").and_then(Value::as_number)
                } else {
                    None
                })
                .send()
                .await
                .map_err(|e| named(&format!("file system {id}"), sdk("UpdateFileSystem", e)))?;
            Self::wait_available(c, ctx, id).await?;
        }
        if changed("lifecycle_policy") {
            Self::put_lifecycle(c, id, desired).await?;
        }
        let delta = provision_aws_core::tags::delta(prior.get("tags_all"), desired.get("tags_all"));
        if !delta.removed.is_empty() {
            c.efs
                .untag_resource()
                .resource_id(id)
                .set_tag_keys(Some(delta.removed))
                .send()
                .await
                .map_err(|e| named(&format!("file system {id}"), sdk("UntagResource", e)))?;
        }
        if !delta.changed.is_empty() {
            let mut tags = vec![];
            for (k, v) in delta.changed {
                tags.push(built(Tag::builder().key(k).value(v).build())?);
            }
            c.efs
                .tag_resource()
                .resource_id(id)
                .set_tags(Some(tags))
                .send()
                .await
                .map_err(|e| named(&format!("file system {id}"), sdk("TagResource", e)))?;
        }
        Self::read_one(c, ctx, id).await
    }

    async fn delete(&self, ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        ctx.status("deleting");
        // Mount targets are deleted first (they refer to the file system), but AWS takes a while
        // to let go of them: FileSystemInUse is retried.
        gone_is_ok(
            retry(
                Policy::in_use(ctx.remaining()),
                || async {
                    c.efs
                        .delete_file_system()
                        .file_system_id(id)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|e| sdk("DeleteFileSystem", e))
                },
                || async move {
                    let out = c.efs.describe_mount_targets().file_system_id(id).send().await.ok()?;
                    let ids: Vec<&str> = out.mount_targets().iter().map(|m| m.mount_target_id()).collect();
                    (!ids.is_empty()).then(|| format!("mount targets {}", ids.join(", ")))
                },
            )
            .await,
        )
        .map_err(|e| named(&format!("file system {id}"), e))?;
        let w = Wait::within(format!("file system {id}"), "deleted", ctx, Duration::from_secs(10 * 60)).until_gone();
        wait::until(
            &w,
            || async {
                Ok(match Self::describe(c, id).await? {
                    None => Status::Gone,
                    Some(f) if f.life_cycle_state().as_str() == "deleted" => Status::Gone,
                    Some(f) => Status::Pending(f.life_cycle_state().as_str().to_string()),
                })
            },
            TimedOut::provider_error,
        )
        .await
        .map(|_: Option<()>| ())
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let c = self.ctx.clients().await?;
        let Some(token) = &query.natural_key else { return Ok(vec![]) };
        let Some(f) = Self::by_token(c, token).await? else { return Ok(vec![]) };
        let owner = query.identity.owner_of(f.tags().iter().map(|t| (t.key(), t.value())));
        let l = Self::lifecycle(c, f.file_system_id()).await?;
        Ok(vec![Found { attrs: Self::attrs(c, &f, &l), owner }])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_token_is_stable_and_like_terraforms() {
        let t = token_for("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", &Attrs::new());
        assert_eq!(t, "terraform-0f1e2d3c4b5a69788796a5b4c3");
        assert!(t.len() <= 64);
        let mut d = Attrs::new();
        d.insert("creation_token".into(), Value::from("git-repos"));
        assert_eq!(token_for("x", &d), "git-repos");
    }

    #[test]
    fn provisioned_throughput_needs_a_rate() {
        let mut a = Attrs::new();
        a.insert("throughput_mode".into(), Value::from("provisioned"));
        a.insert("provisioned_throughput_in_mibps".into(), Value::Null);
        assert!(check(&a).is_err());
        a.insert("provisioned_throughput_in_mibps".into(), Value::Number(64.0));
        assert!(check(&a).is_ok());
        assert!(throughput_mode(&Value::from("fast")).is_err());
    }
}
