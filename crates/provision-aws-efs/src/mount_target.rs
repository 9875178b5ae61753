//! `aws_efs_mount_target`: where a file system is reachable in one subnet.
//!
//! AWS cannot tag mount targets, and a file system has at most one per availability zone, so the
//! file system and subnet identify one: recovery looks for the mount target of the configured file
//! system in the configured subnet (content), and a create that meets one (`MountTargetConflict`
//! after a lost response) adopts it.

use crate::attrs::{get_str, get_string, get_strings, s, string_set};
use crate::context::{Clients, Context};
use crate::error::{named, not_ready, sdk};
use async_trait::async_trait;
use aws_sdk_efs::types::MountTargetDescription;
use provision_aws_core::retry::{Policy, nothing, retry};
use provision_aws_core::wait::{self, Status, TimedOut, Wait};
use provision_core::{
    AttributeSchema, Attrs, FindQuery, Found, OpContext, ProviderError, ProviderErrorKind, ReadContext, ResourceType,
    Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

pub(crate) struct MountTarget {
    ctx: Arc<Context>,
    schema: Schema,
}

impl MountTarget {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("A mount target: a file system's network endpoint in one subnet.")
            .with_id()
            .attr(AttributeSchema::required("file_system_id", Type::String).force_new().holds_in_use().describe("The file system."))
            .attr(AttributeSchema::required("subnet_id", Type::String).force_new().holds_in_use().describe("The subnet (one mount target per availability zone)."))
            .attr(AttributeSchema::optional_computed("ip_address", Type::String).force_new().describe("The address in the subnet; unset: AWS picks one."))
            .attr(
                AttributeSchema::optional_computed("security_groups", Type::set(Type::String))
                    .describe("Up to 5 security groups; unset: the VPC's default group. Changed in place (`ModifyMountTargetSecurityGroups`)."),
            )
            .attr(AttributeSchema::computed("dns_name", Type::String).describe("The file system's DNS name."))
            .attr(AttributeSchema::computed("mount_target_dns_name", Type::String).describe("This mount target's DNS name (`<zone>.<file system>.efs.<region>.amazonaws.com`)."))
            .attr(AttributeSchema::computed("file_system_arn", Type::String).describe("The file system's ARN."))
            .attr(AttributeSchema::computed("network_interface_id", Type::String).describe("The network interface AWS made for it."))
            .attr(AttributeSchema::computed("availability_zone_name", Type::String).describe("Its availability zone."))
            .attr(AttributeSchema::computed("availability_zone_id", Type::String).describe("Its availability zone's id."))
            .attr(AttributeSchema::computed("owner_id", Type::String).describe("The AWS account that owns it."))
            .timeouts(Duration::from_secs(30 * 60), Duration::from_secs(30 * 60), Duration::from_secs(10 * 60));
        MountTarget { ctx, schema }
    }

    fn attrs(c: &Clients, partition: &str, m: &MountTargetDescription, groups: &[String]) -> Attrs {
        let fs = m.file_system_id();
        let region = &c.region;
        let mut a = Attrs::new();
        a.insert("id".into(), Value::from(m.mount_target_id()));
        a.insert("file_system_id".into(), Value::from(fs));
        a.insert("subnet_id".into(), Value::from(m.subnet_id()));
        a.insert("ip_address".into(), s(m.ip_address()));
        a.insert("security_groups".into(), string_set(groups.iter().cloned()));
        a.insert("dns_name".into(), Value::String(format!("{fs}.efs.{region}.amazonaws.com")));
        a.insert(
            "mount_target_dns_name".into(),
            match m.availability_zone_name() {
                Some(az) => Value::String(format!("{az}.{fs}.efs.{region}.amazonaws.com")),
                None => Value::Null,
            },
        );
        a.insert(
            "file_system_arn".into(),
            Value::String(format!(
                "arn:{partition}:elasticfilesystem:{region}:{}:file-system/{fs}",
                m.owner_id().unwrap_or_default()
            )),
        );
        a.insert("network_interface_id".into(), s(m.network_interface_id()));
        a.insert("availability_zone_name".into(), s(m.availability_zone_name()));
        a.insert("availability_zone_id".into(), s(m.availability_zone_id()));
        a.insert("owner_id".into(), s(m.owner_id()));
        a
    }

    async fn of_file_system(c: &Clients, fs: &str) -> Result<Vec<MountTargetDescription>, ProviderError> {
        let mut out = vec![];
        let mut pages = c.efs.describe_mount_targets().file_system_id(fs).max_items(100).into_paginator().send();
        while let Some(page) = pages.next().await {
            match page {
                Ok(p) => out.extend(p.mount_targets().iter().cloned()),
                Err(e) => {
                    let e = sdk("DescribeMountTargets", e);
                    if e.is_not_found() {
                        return Ok(vec![]);
                    }
                    return Err(e);
                }
            }
        }
        Ok(out)
    }

    async fn lookup(c: &Clients, id: &str) -> Result<Option<MountTargetDescription>, ProviderError> {
        match c.efs.describe_mount_targets().mount_target_id(id).send().await {
            Ok(out) => Ok(out.mount_targets().first().cloned()),
            Err(e) => {
                let e = sdk("DescribeMountTargets", e);
                if e.is_not_found() { Ok(None) } else { Err(e) }
            }
        }
    }

    async fn groups(c: &Clients, id: &str) -> Result<Vec<String>, ProviderError> {
        let out = c
            .efs
            .describe_mount_target_security_groups()
            .mount_target_id(id)
            .send()
            .await
            .map_err(|e| sdk("DescribeMountTargetSecurityGroups", e))?;
        Ok(out.security_groups().to_vec())
    }

    async fn wait_available(c: &Clients, ctx: &OpContext, id: &str) -> Result<MountTargetDescription, ProviderError> {
        let w = Wait::within(format!("mount target {id}"), "available", ctx, Duration::from_secs(30 * 60));
        let m = wait::until(
            &w,
            || async {
                Ok(match Self::lookup(c, id).await? {
                    None => Status::Gone,
                    Some(m) if m.life_cycle_state().as_str() == "available" => Status::Ready(m),
                    Some(m) => Status::Pending(m.life_cycle_state().as_str().to_string()),
                })
            },
            TimedOut::provider_error,
        )
        .await?;
        m.ok_or_else(|| ProviderError::new(ProviderErrorKind::NotFound, format!("mount target {id} not found")))
    }

    async fn partition(&self) -> &'static str {
        match self.ctx.context().sdk().await {
            Ok(sdk) => sdk.partition,
            Err(_) => "aws",
        }
    }

    async fn read_one(&self, c: &Clients, ctx: &OpContext, id: &str) -> Result<Attrs, ProviderError> {
        let m = Self::wait_available(c, ctx, id).await?;
        let g = Self::groups(c, id).await?;
        Ok(Self::attrs(c, self.partition().await, &m, &g))
    }

    /// The live mount target of `fs` in `subnet`, if any.
    async fn in_subnet(c: &Clients, fs: &str, subnet: &str) -> Result<Option<MountTargetDescription>, ProviderError> {
        Ok(Self::of_file_system(c, fs)
            .await?
            .into_iter()
            .find(|m| m.subnet_id() == subnet && !matches!(m.life_cycle_state().as_str(), "deleting" | "deleted")))
    }
}

#[async_trait]
impl ResourceType for MountTarget {
    fn name(&self) -> &'static str {
        "aws_efs_mount_target"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn identity(&self) -> provision_core::IdentityStrategy {
        provision_core::IdentityStrategy::Content
    }

    async fn read_many(
        &self,
        _ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        let c = self.ctx.clients().await?;
        let partition = self.partition().await;
        // One DescribeMountTargets per file system (all its mount targets), then the security
        // groups, which have no batch read: one call per mount target.
        let mut by_fs: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        let mut loose = vec![];
        for (id, prior) in objects {
            match get_string(prior, "file_system_id") {
                Some(fs) => by_fs.entry(fs).or_default().push(id),
                None => loose.push(id.as_str()),
            }
        }
        let mut found = BTreeMap::new();
        for (fs, ids) in by_fs {
            for m in Self::of_file_system(c, &fs).await? {
                if ids.contains(&m.mount_target_id()) {
                    found.insert(m.mount_target_id().to_string(), m);
                }
            }
        }
        for id in loose {
            if let Some(m) = Self::lookup(c, id).await? {
                found.insert(id.to_string(), m);
            }
        }
        let mut out = BTreeMap::new();
        for (id, m) in found {
            if matches!(m.life_cycle_state().as_str(), "deleting" | "deleted") {
                continue;
            }
            let g = match Self::groups(c, &id).await {
                Ok(g) => g,
                Err(e) if e.is_not_found() => continue,
                Err(e) => return Err(e),
            };
            out.insert(id, Self::attrs(c, partition, &m, &g));
        }
        Ok(out)
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let fs = get_str(desired, "file_system_id").unwrap_or_default();
        let subnet = get_str(desired, "subnet_id").unwrap_or_default();
        let groups = get_strings(desired, "security_groups");
        let req = c
            .efs
            .create_mount_target()
            .file_system_id(fs)
            .subnet_id(subnet)
            .set_ip_address(get_string(desired, "ip_address"))
            .set_security_groups((!groups.is_empty()).then_some(groups));
        let what = format!("mount target of file system {fs} in subnet {subnet}");
        // A file system still being created refuses mount targets for a moment.
        let made = retry(
            Policy::when(not_ready, ctx.remaining()),
            || async { req.clone().send().await.map_err(|e| sdk("CreateMountTarget", e)) },
            nothing,
        )
        .await;
        let id = match made {
            Ok(out) => out.mount_target_id().to_string(),
            Err(e) if e.code.as_deref() == Some("MountTargetConflict") => {
                // A retried create (the first call's answer was lost) meets its own mount target.
                match Self::in_subnet(c, fs, subnet).await? {
                    Some(m) => m.mount_target_id().to_string(),
                    None => return Err(named(&what, e)),
                }
            }
            Err(e) => return Err(named(&what, e)),
        };
        ctx.status("creating");
        self.read_one(c, ctx, &id).await
    }

    async fn update(&self, ctx: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let want = get_strings(desired, "security_groups");
        if !want.is_empty() && prior.get("security_groups") != desired.get("security_groups") {
            c.efs
                .modify_mount_target_security_groups()
                .mount_target_id(id)
                .set_security_groups(Some(want))
                .send()
                .await
                .map_err(|e| named(&format!("mount target {id}"), sdk("ModifyMountTargetSecurityGroups", e)))?;
        }
        self.read_one(c, ctx, id).await
    }

    async fn delete(&self, ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        ctx.status("deleting");
        match c.efs.delete_mount_target().mount_target_id(id).send().await {
            Ok(_) => {}
            Err(e) => {
                let e = sdk("DeleteMountTarget", e);
                if !e.is_not_found() {
                    return Err(named(&format!("mount target {id}"), e));
                }
            }
        }
        // The file system cannot go until its mount targets are gone.
        let w = Wait::within(format!("mount target {id}"), "deleted", ctx, Duration::from_secs(10 * 60)).until_gone();
        wait::until(
            &w,
            || async {
                Ok(match Self::lookup(c, id).await? {
                    None => Status::Gone,
                    Some(m) if m.life_cycle_state().as_str() == "deleted" => Status::Gone,
                    Some(m) => Status::Pending(m.life_cycle_state().as_str().to_string()),
                })
            },
            TimedOut::provider_error,
        )
        .await
        .map(|_: Option<()>| ())
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let c = self.ctx.clients().await?;
        let (Some(fs), Some(subnet)) =
            (get_str(&query.desired, "file_system_id"), get_str(&query.desired, "subnet_id"))
        else {
            return Ok(vec![]);
        };
        let Some(m) = Self::in_subnet(c, fs, subnet).await? else { return Ok(vec![]) };
        let g = Self::groups(c, m.mount_target_id()).await?;
        Ok(vec![Found::ours(Self::attrs(c, self.partition().await, &m, &g))])
    }
}
