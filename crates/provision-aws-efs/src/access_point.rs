//! `aws_efs_access_point`: an application's entry point into a file system, with the POSIX user
//! it acts as and the directory it sees as root.
//!
//! Tagged in its create call, which also takes the pending record's token as `ClientToken`, so a
//! retried create returns the same access point; recovery lists the file system's access points
//! and takes the one tagged for the address.

use crate::attrs::{block, get_str, object, s};
use crate::context::{Clients, Context};
use crate::error::{built, named, sdk};
use async_trait::async_trait;
use aws_sdk_efs::types::{AccessPointDescription, CreationInfo, PosixUser, RootDirectory, Tag};
use provision_aws_core::retry::{Policy, nothing, retry};
use provision_aws_core::tags;
use provision_core::{
    AttributeSchema, Attrs, BlockSchema, FindQuery, Found, Nesting, OpContext, ProviderError, ProviderErrorKind,
    ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;

pub(crate) struct AccessPoint {
    ctx: Arc<Context>,
    schema: Schema,
}

/// A `ClientToken` (at most 64 characters) from the pending record's token.
fn client_token(token: &str) -> String {
    token.chars().take(64).collect()
}

impl AccessPoint {
    pub fn new(ctx: Arc<Context>) -> Self {
        let creation_info = BlockSchema::new(
            "creation_info",
            Nesting::List,
            Schema::new("")
                .attr(
                    AttributeSchema::required("owner_gid", Type::Number).describe("The group that owns the directory."),
                )
                .attr(
                    AttributeSchema::required("owner_uid", Type::Number).describe("The user that owns the directory."),
                )
                .attr(AttributeSchema::required("permissions", Type::String).describe("Its mode, in octal (`0755`).")),
            "How EFS creates the root directory when it does not exist.",
        );
        let schema = Schema::new("An EFS access point.")
            .with_id()
            .attr(AttributeSchema::computed("arn", Type::String).describe("The access point's ARN."))
            .attr(AttributeSchema::required("file_system_id", Type::String).force_new().describe("The file system."))
            .attr(AttributeSchema::computed("file_system_arn", Type::String).describe("The file system's ARN."))
            .attr(AttributeSchema::computed("owner_id", Type::String).describe("The AWS account that owns it."))
            .block(
                BlockSchema::new(
                    "posix_user",
                    Nesting::List,
                    Schema::new("")
                        .attr(AttributeSchema::required("uid", Type::Number).describe("The user id."))
                        .attr(AttributeSchema::required("gid", Type::Number).describe("The group id."))
                        .attr(AttributeSchema::optional("secondary_gids", Type::set(Type::Number)).describe("Further group ids.")),
                    "The POSIX identity every request through this access point uses (at most one block). Replaces the access point when changed.",
                )
                .force_new(),
            )
            .block(
                BlockSchema::new(
                    "root_directory",
                    Nesting::List,
                    Schema::new("")
                        .attr(AttributeSchema::optional("path", Type::String).describe("The directory clients see as `/`; unset: the file system's root."))
                        .block(creation_info),
                    "The directory the access point exposes (at most one block). Replaces the access point when changed.",
                )
                .force_new(),
            )
            .with_tags();
        AccessPoint { ctx, schema }
    }

    fn attrs(c: &Clients, partition: &str, p: &AccessPointDescription, prior: &Attrs) -> Attrs {
        let fs = p.file_system_id().unwrap_or_default();
        let mut a = Attrs::new();
        a.insert("id".into(), s(p.access_point_id()));
        a.insert("arn".into(), s(p.access_point_arn()));
        a.insert("file_system_id".into(), Value::from(fs));
        a.insert(
            "file_system_arn".into(),
            Value::String(format!(
                "arn:{partition}:elasticfilesystem:{}:{}:file-system/{fs}",
                c.region,
                p.owner_id().unwrap_or_default()
            )),
        );
        a.insert("owner_id".into(), s(p.owner_id()));
        let user = p.posix_user().map(|u| {
            object([
                ("uid", Value::Number(u.uid() as f64)),
                ("gid", Value::Number(u.gid() as f64)),
                ("secondary_gids", Value::set(u.secondary_gids().iter().map(|g| Value::Number(*g as f64)).collect())),
            ])
        });
        a.insert("posix_user".into(), Value::List(user.into_iter().collect()));
        let configured = block(prior, "root_directory").is_some();
        let root = p.root_directory().and_then(|r| {
            let info = r.creation_info().map(|i| {
                object([
                    ("owner_gid", Value::Number(i.owner_gid() as f64)),
                    ("owner_uid", Value::Number(i.owner_uid() as f64)),
                    ("permissions", Value::from(i.permissions())),
                ])
            });
            // The file system's root, which AWS reports when no block was written, is no block.
            let default = r.path().is_none_or(|p| p == "/") && info.is_none();
            (configured || !default)
                .then(|| object([("path", s(r.path())), ("creation_info", Value::List(info.into_iter().collect()))]))
        });
        a.insert("root_directory".into(), Value::List(root.into_iter().collect()));
        a.insert("tags_all".into(), tags::user_tags(p.tags().iter().map(|t| (t.key(), t.value()))));
        a
    }

    async fn of_file_system(c: &Clients, fs: &str) -> Result<Vec<AccessPointDescription>, ProviderError> {
        let mut out = vec![];
        let mut pages = c.efs.describe_access_points().file_system_id(fs).max_results(100).into_paginator().send();
        while let Some(page) = pages.next().await {
            match page {
                Ok(p) => out.extend(p.access_points().iter().cloned()),
                Err(e) => {
                    let e = sdk("DescribeAccessPoints", e);
                    if e.is_not_found() {
                        return Ok(vec![]);
                    }
                    return Err(e);
                }
            }
        }
        Ok(out)
    }

    async fn lookup(c: &Clients, id: &str) -> Result<Option<AccessPointDescription>, ProviderError> {
        match c.efs.describe_access_points().access_point_id(id).send().await {
            Ok(out) => Ok(out.access_points().first().cloned()),
            Err(e) => {
                let e = sdk("DescribeAccessPoints", e);
                if e.is_not_found() { Ok(None) } else { Err(e) }
            }
        }
    }

    async fn partition(&self) -> &'static str {
        match self.ctx.context().sdk().await {
            Ok(sdk) => sdk.partition,
            Err(_) => "aws",
        }
    }

    async fn read_one(&self, c: &Clients, id: &str, prior: &Attrs) -> Result<Attrs, ProviderError> {
        let p = retry(
            Policy::NEW_OBJECT,
            || async {
                Self::lookup(c, id).await?.ok_or_else(|| {
                    ProviderError::new(ProviderErrorKind::NotFound, format!("access point {id} not found"))
                })
            },
            nothing,
        )
        .await?;
        Ok(Self::attrs(c, self.partition().await, &p, prior))
    }
}

fn num(b: &BTreeMap<String, Value>, k: &str) -> i64 {
    b.get(k).and_then(Value::as_number).unwrap_or(0.0) as i64
}

#[async_trait]
impl ResourceType for AccessPoint {
    fn name(&self) -> &'static str {
        "aws_efs_access_point"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read_many(
        &self,
        _ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        let c = self.ctx.clients().await?;
        let partition = self.partition().await;
        // One paginated DescribeAccessPoints per file system covers all its access points.
        let mut by_fs: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for (id, prior) in objects {
            by_fs.entry(get_str(prior, "file_system_id").unwrap_or_default().to_string()).or_default().push(id);
        }
        let mut found = BTreeMap::new();
        for (fs, ids) in by_fs {
            if fs.is_empty() {
                for id in ids {
                    if let Some(p) = Self::lookup(c, id).await? {
                        found.insert(id.to_string(), p);
                    }
                }
                continue;
            }
            for p in Self::of_file_system(c, &fs).await? {
                if let Some(id) = p.access_point_id().filter(|id| ids.contains(id)) {
                    found.insert(id.to_string(), p);
                }
            }
        }
        Ok(objects
            .iter()
            .filter_map(|(id, prior)| {
                let p = found
                    .get(id)
                    .filter(|p| p.life_cycle_state().is_none_or(|s| !matches!(s.as_str(), "deleting" | "deleted")))?;
                Some((id.clone(), Self::attrs(c, partition, p, prior)))
            })
            .collect())
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let fs = get_str(desired, "file_system_id").unwrap_or_default();
        let mut tags = vec![];
        for (k, v) in tags::create_tags(&ctx.identity, desired.get("tags_all")) {
            tags.push(built(Tag::builder().key(k).value(v).build())?);
        }
        let user = match block(desired, "posix_user") {
            Some(u) => {
                let secondary: Vec<i64> = u
                    .get("secondary_gids")
                    .and_then(Value::as_seq)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(Value::as_number)
                    .map(|n| n as i64)
                    .collect();
                Some(built(
                    PosixUser::builder()
                        .uid(num(u, "uid"))
                        .gid(num(u, "gid"))
                        .set_secondary_gids((!secondary.is_empty()).then_some(secondary))
                        .build(),
                )?)
            }
            None => None,
        };
        let root = match block(desired, "root_directory") {
            Some(r) => {
                let info = match r
                    .get("creation_info")
                    .and_then(Value::as_seq)
                    .and_then(|s| s.first())
                    .and_then(Value::as_map)
                {
                    Some(i) => Some(built(
                        CreationInfo::builder()
                            .owner_gid(num(i, "owner_gid"))
                            .owner_uid(num(i, "owner_uid"))
                            .permissions(i.get("permissions").and_then(Value::as_str).unwrap_or("0755"))
                            .build(),
                    )?),
                    None => None,
                };
                Some(
                    RootDirectory::builder()
                        .set_path(r.get("path").and_then(Value::as_str).map(str::to_string))
                        .set_creation_info(info)
                        .build(),
                )
            }
            None => None,
        };
        let out = c
            .efs
            .create_access_point()
            .client_token(client_token(&ctx.token))
            .file_system_id(fs)
            .set_posix_user(user)
            .set_root_directory(root)
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(|e| named(&format!("access point of file system {fs}"), sdk("CreateAccessPoint", e)))?;
        let id = out.access_point_id().ok_or_else(|| {
            ProviderError::new(ProviderErrorKind::Other, format!("CreateAccessPoint returned no id (file system {fs})"))
        })?;
        self.read_one(c, id, desired).await
    }

    async fn update(&self, _ctx: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let delta = tags::delta(prior.get("tags_all"), desired.get("tags_all"));
        if !delta.removed.is_empty() {
            c.efs
                .untag_resource()
                .resource_id(id)
                .set_tag_keys(Some(delta.removed))
                .send()
                .await
                .map_err(|e| named(&format!("access point {id}"), sdk("UntagResource", e)))?;
        }
        if !delta.changed.is_empty() {
            let mut t = vec![];
            for (k, v) in delta.changed {
                t.push(built(Tag::builder().key(k).value(v).build())?);
            }
            c.efs
                .tag_resource()
                .resource_id(id)
                .set_tags(Some(t))
                .send()
                .await
                .map_err(|e| named(&format!("access point {id}"), sdk("TagResource", e)))?;
        }
        self.read_one(c, id, desired).await
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        match c.efs.delete_access_point().access_point_id(id).send().await {
            Ok(_) => Ok(()),
            Err(e) => {
                let e = sdk("DeleteAccessPoint", e);
                if e.is_not_found() { Ok(()) } else { Err(named(&format!("access point {id}"), e)) }
            }
        }
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let c = self.ctx.clients().await?;
        let Some(fs) = get_str(&query.desired, "file_system_id") else { return Ok(vec![]) };
        let partition = self.partition().await;
        Ok(Self::of_file_system(c, fs)
            .await?
            .iter()
            .filter(|p| tags::tagged_for(p.tags().iter().map(|t| (t.key(), t.value())), &query.identity))
            .map(|p| Found::ours(Self::attrs(c, partition, p, &query.desired)))
            .collect())
    }
}
