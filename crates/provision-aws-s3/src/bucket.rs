//! `aws_s3_bucket`: a bucket, found by its (global) name, owned by its tags. Its settings are
//! separate resource types (`aws_s3_bucket_versioning`, ...); the provider-v3 inline blocks are
//! refused at plan time naming the type that replaces each. Deleting a bucket that holds objects
//! needs `force_destroy`, checked at plan time; with it, every version and delete marker goes first.

use crate::context::{Clients, Context};
use crate::error::{on, sdk};
use crate::object::ManagedKeys;
use crate::util::{bucket_tags, get_bool, get_str, pairs, put_bucket_tags, s};
use async_trait::async_trait;
use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration, Delete, ObjectIdentifier};
use provision_aws_core::retry::{Policy, gone_is_ok, nothing, retry};
use provision_aws_core::tags;
use provision_core::{
    AttributeSchema, Attrs, BlockSchema, DeleteNote, FindQuery, Found, IdentityStrategy, Nesting, OpContext,
    ProviderError, ProviderErrorKind, ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// The prefix Terraform gives a bucket when neither `bucket` nor `bucket_prefix` is set.
const DEFAULT_PREFIX: &str = "terraform-";
/// Characters of the generated part of a bucket name (Terraform's unique suffix is 26 long).
const SUFFIX_LEN: usize = 26;

pub(crate) struct Bucket {
    ctx: Arc<Context>,
    managed: Arc<ManagedKeys>,
    schema: Schema,
}

/// S3's website and alias hosted zone per region (Route 53 alias records point at it).
pub(crate) fn hosted_zone_id(region: &str) -> Option<&'static str> {
    Some(match region {
        "us-east-1" => "Z3AQBSTGFYJSTF",
        "us-east-2" => "Z2O1EMRO9K5GLX",
        "us-west-1" => "Z2F56UZL2M1ACD",
        "us-west-2" => "Z3BJ6K6RIION7M",
        "ca-central-1" => "Z1QDHH18159H29",
        "eu-west-1" => "Z1BKCTXD74EZPE",
        "eu-west-2" => "Z3GKZC51ZF0DB4",
        "eu-west-3" => "Z3R1K369G5AVDG",
        "eu-central-1" => "Z21DNDUVLTQW6Q",
        "eu-north-1" => "Z3BAZG2TWCNX0D",
        "ap-south-1" => "Z11RGJOFQNVJUP",
        "ap-northeast-1" => "Z2M4EHUR26P7ZW",
        "ap-northeast-2" => "Z3W03O7B5YMIYP",
        "ap-southeast-1" => "Z3O0J2DXBE1FTB",
        "ap-southeast-2" => "Z1WCIGYICN2BYD",
        "sa-east-1" => "Z7KQH4QJS55SO",
        _ => return None,
    })
}

/// The DNS suffix of S3 endpoints in a partition.
fn dns_suffix(partition: &str) -> &'static str {
    if partition == "aws-cn" { "amazonaws.com.cn" } else { "amazonaws.com" }
}

/// A bucket name S3 accepts: 3 to 63 characters, lowercase letters, digits, dots and hyphens,
/// beginning and ending with a letter or digit, no `..`, not shaped like an IP address.
pub(crate) fn bucket_name(v: &Value) -> Result<(), String> {
    let Some(name) = v.as_str() else { return Ok(()) };
    check_name(name, 3, 63)
}

fn check_name(name: &str, min: usize, max: usize) -> Result<(), String> {
    if name.len() < min || name.len() > max {
        return Err(format!("\"{name}\" is {} characters long: a bucket name has 3 to 63", name.len()));
    }
    if let Some(c) = name.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '.' || *c == '-')) {
        return Err(format!(
            "\"{name}\" contains {c:?}: bucket names hold only lowercase letters, digits, dots and hyphens"
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(format!("\"{name}\" must begin with a lowercase letter or a digit"));
    }
    if name.contains("..") {
        return Err(format!("\"{name}\" contains two adjacent dots"));
    }
    if name.split('.').count() == 4 && name.split('.').all(|p| p.parse::<u8>().is_ok()) {
        return Err(format!("\"{name}\" is formatted as an IP address, which S3 refuses"));
    }
    Ok(())
}

fn bucket_prefix(v: &Value) -> Result<(), String> {
    let Some(p) = v.as_str() else { return Ok(()) };
    if p.len() > 63 - SUFFIX_LEN {
        return Err(format!(
            "\"{p}\" is {} characters long: a prefix has at most {} (the generated part adds {SUFFIX_LEN})",
            p.len(),
            63 - SUFFIX_LEN
        ));
    }
    check_name(&format!("{p}a"), 1, 63)
}

/// The inline blocks and arguments of provider v3 that separate resource types replaced, and the
/// type to use instead.
const LEGACY: &[(&str, &str)] = &[
    ("versioning", "aws_s3_bucket_versioning"),
    ("server_side_encryption_configuration", "aws_s3_bucket_server_side_encryption_configuration"),
    ("website", "aws_s3_bucket_website_configuration"),
    ("lifecycle_rule", "aws_s3_bucket_lifecycle_configuration"),
    ("cors_rule", "aws_s3_bucket_cors_configuration"),
    ("logging", "aws_s3_bucket_logging (not supported by provision yet)"),
    ("policy", "aws_s3_bucket_policy"),
];

/// Refuses the provider-v3 inline settings, naming the resource that replaces each, and `bucket`
/// with `bucket_prefix`.
fn check(a: &Attrs) -> Result<(), String> {
    let set = |k: &str| a.get(k).is_some_and(|v| !v.is_null());
    if set("bucket") && set("bucket_prefix") {
        return Err("`bucket` and `bucket_prefix` cannot both be set: the prefix is for a generated name".into());
    }
    for (name, instead) in LEGACY {
        let used = match a.get(*name) {
            Some(Value::List(v) | Value::Set(v)) => !v.is_empty(),
            Some(Value::Null) | None => false,
            Some(_) => true,
        };
        if used {
            return Err(format!(
                "the inline `{name}` of aws_s3_bucket (AWS provider v3) is not supported: write a separate `{instead}` resource with `bucket = <this bucket>.id` (Terraform's provider v4 made the same move)"
            ));
        }
    }
    match a.get("acl") {
        Some(Value::String(acl)) if acl != "private" => Err(format!(
            "`acl = \"{acl}\"` on aws_s3_bucket (AWS provider v3) is not supported: new buckets enforce bucket-owner ownership, which disables ACLs; write `aws_s3_bucket_ownership_controls` and `aws_s3_bucket_acl` resources, or grant access with an `aws_s3_bucket_policy`"
        )),
        _ => Ok(()),
    }
}

fn list_block(name: &'static str, schema: Schema, description: &'static str) -> BlockSchema {
    BlockSchema::new(name, Nesting::List, schema, description)
}

/// The provider-v3 inline blocks, declared with Terraform's shape so that a configuration using
/// them reaches the plan-time check that names their replacement.
fn legacy_blocks(schema: Schema) -> Schema {
    let opt = AttributeSchema::optional;
    let req = AttributeSchema::required;
    let refused = "Refused at plan time (AWS provider v3): use the separate resource named in the message.";
    let days_block = |name| {
        list_block(
            name,
            Schema::new("")
                .attr(opt("days", Type::Number))
                .attr(opt("date", Type::String))
                .attr(opt("expired_object_delete_marker", Type::Bool)),
            refused,
        )
    };
    let transition = |name| {
        list_block(
            name,
            Schema::new("")
                .attr(opt("days", Type::Number))
                .attr(opt("date", Type::String))
                .attr(req("storage_class", Type::String)),
            refused,
        )
    };
    schema
        .block(list_block(
            "versioning",
            Schema::new("").attr(opt("enabled", Type::Bool)).attr(opt("mfa_delete", Type::Bool)),
            "Refused at plan time (AWS provider v3): use `aws_s3_bucket_versioning`.",
        ))
        .block(list_block(
            "server_side_encryption_configuration",
            Schema::new("").block(list_block(
                "rule",
                Schema::new("").attr(opt("bucket_key_enabled", Type::Bool)).block(list_block(
                    "apply_server_side_encryption_by_default",
                    Schema::new("").attr(opt("kms_master_key_id", Type::String)).attr(req("sse_algorithm", Type::String)),
                    refused,
                )),
                refused,
            )),
            "Refused at plan time (AWS provider v3): use `aws_s3_bucket_server_side_encryption_configuration`.",
        ))
        .block(list_block(
            "website",
            Schema::new("")
                .attr(opt("index_document", Type::String))
                .attr(opt("error_document", Type::String))
                .attr(opt("redirect_all_requests_to", Type::String))
                .attr(opt("routing_rules", Type::String)),
            "Refused at plan time (AWS provider v3): use `aws_s3_bucket_website_configuration`.",
        ))
        .block(list_block(
            "lifecycle_rule",
            Schema::new("")
                .attr(opt("id", Type::String))
                .attr(req("enabled", Type::Bool))
                .attr(opt("prefix", Type::String))
                .attr(opt("tags", Type::map(Type::String)))
                .attr(opt("abort_incomplete_multipart_upload_days", Type::Number))
                .block(days_block("expiration"))
                .block(days_block("noncurrent_version_expiration"))
                .block(transition("transition"))
                .block(transition("noncurrent_version_transition")),
            "Refused at plan time (AWS provider v3): use `aws_s3_bucket_lifecycle_configuration`.",
        ))
        .block(list_block(
            "cors_rule",
            Schema::new("")
                .attr(opt("allowed_headers", Type::list(Type::String)))
                .attr(req("allowed_methods", Type::list(Type::String)))
                .attr(req("allowed_origins", Type::list(Type::String)))
                .attr(opt("expose_headers", Type::list(Type::String)))
                .attr(opt("max_age_seconds", Type::Number)),
            "Refused at plan time (AWS provider v3): use `aws_s3_bucket_cors_configuration`.",
        ))
        .block(list_block(
            "logging",
            Schema::new("").attr(req("target_bucket", Type::String)).attr(opt("target_prefix", Type::String)),
            "Refused at plan time (AWS provider v3): logging is `aws_s3_bucket_logging` in provider v4, not supported by provision yet.",
        ))
}

impl Bucket {
    pub fn new(ctx: Arc<Context>, managed: Arc<ManagedKeys>) -> Self {
        let schema = Schema::new("An S3 bucket. Its settings are separate resources that refer to it.")
            .attr(AttributeSchema::computed("id", Type::String).describe("The bucket's name."))
            .attr(
                AttributeSchema::optional_computed("bucket", Type::String)
                    .force_new()
                    .validate(bucket_name)
                    .describe("The bucket's name, unique across all of AWS: 3 to 63 lowercase letters, digits, dots and hyphens (checked at plan time). When unset, a name is generated from `bucket_prefix` (or `terraform-`) and 26 characters derived from the pending create, so a retried create picks the same name."),
            )
            .attr(
                AttributeSchema::optional("bucket_prefix", Type::String)
                    .force_new()
                    .validate(bucket_prefix)
                    .describe("A prefix for the generated name, at most 37 characters. Setting both `bucket` and `bucket_prefix` is an error at plan time. Kept as configured."),
            )
            .attr(
                AttributeSchema::optional("force_destroy", Type::Bool)
                    .default(false)
                    .at_destroy()
                    .describe("Delete every object version and delete marker with the bucket (`DeleteObjects`, 1000 per call, with progress). Without it, deleting a bucket that holds anything is refused when planning. The value in the configuration at destroy time counts; changing it makes no AWS call."),
            )
            .attr(
                AttributeSchema::optional_computed("object_lock_enabled", Type::Bool)
                    .force_new()
                    .describe("Create the bucket with S3 Object Lock enabled (it also enables versioning). Only settable at creation; kept as created."),
            )
            .attr(
                AttributeSchema::optional("acl", Type::String)
                    .describe("Provider v3's canned ACL. Only `private` (what a new bucket has) is accepted, with no AWS call; anything else is refused at plan time: use `aws_s3_bucket_acl` with `aws_s3_bucket_ownership_controls`."),
            )
            .attr(
                AttributeSchema::optional("policy", Type::String)
                    .describe("Provider v3's inline policy: refused at plan time, use `aws_s3_bucket_policy`."),
            )
            .attr(AttributeSchema::computed("arn", Type::String).describe("`arn:<partition>:s3:::<bucket>`."))
            .attr(AttributeSchema::computed("bucket_domain_name", Type::String).describe("`<bucket>.s3.amazonaws.com`."))
            .attr(
                AttributeSchema::computed("bucket_regional_domain_name", Type::String)
                    .describe("`<bucket>.s3.<region>.amazonaws.com`: what a CloudFront S3 origin's `domain_name` should be."),
            )
            .attr(
                AttributeSchema::computed("hosted_zone_id", Type::String)
                    .describe("The Route 53 hosted zone of S3 in the bucket's region, for alias records (null in regions provision has no table entry for)."),
            )
            .attr(AttributeSchema::computed("region", Type::String).describe("The region the bucket is in."))
            .with_tags()
            .check(check)
            .timeouts(Duration::from_secs(20 * 60), Duration::from_secs(20 * 60), Duration::from_secs(60 * 60));
        let schema = legacy_blocks(schema);
        Bucket { ctx, managed, schema }
    }

    /// The bucket's attributes: computed from its name and region, with the tags read and what
    /// S3 does not report (`force_destroy`, `bucket_prefix`, `object_lock_enabled`) from `prior`.
    fn attrs(c: &Clients, name: &str, region: Option<&str>, tags: &[(String, String)], prior: &Attrs) -> Attrs {
        let region = region.filter(|r| !r.is_empty()).unwrap_or(&c.region);
        let suffix = dns_suffix(c.partition);
        let mut a = Attrs::new();
        a.insert("id".into(), Value::String(name.into()));
        a.insert("bucket".into(), Value::String(name.into()));
        a.insert("bucket_prefix".into(), prior.get("bucket_prefix").cloned().unwrap_or(Value::Null));
        a.insert("force_destroy".into(), Value::Bool(get_bool(prior, "force_destroy").unwrap_or(false)));
        a.insert("object_lock_enabled".into(), Value::Bool(get_bool(prior, "object_lock_enabled").unwrap_or(false)));
        a.insert("acl".into(), prior.get("acl").cloned().unwrap_or(Value::Null));
        a.insert("policy".into(), Value::Null);
        a.insert("arn".into(), Value::String(format!("arn:{}:s3:::{name}", c.partition)));
        a.insert("bucket_domain_name".into(), Value::String(format!("{name}.s3.{suffix}")));
        a.insert("bucket_regional_domain_name".into(), Value::String(format!("{name}.s3.{region}.{suffix}")));
        a.insert("hosted_zone_id".into(), s(hosted_zone_id(region)));
        a.insert("region".into(), Value::String(region.into()));
        a.insert("tags_all".into(), tags::user_tags(pairs(tags)));
        for (block, _) in LEGACY.iter().filter(|(b, _)| *b != "policy") {
            a.insert((*block).into(), Value::List(vec![]));
        }
        a
    }

    /// Every bucket of the account by name, with its region where S3 says (`ListBuckets`, one call
    /// for up to 10,000 buckets; followed by its continuation token beyond).
    async fn list(c: &Clients) -> Result<BTreeMap<String, Option<String>>, ProviderError> {
        let mut out = BTreeMap::new();
        let mut token: Option<String> = None;
        loop {
            let page =
                c.s3.list_buckets()
                    .set_continuation_token(token.clone())
                    .send()
                    .await
                    .map_err(|e| sdk("ListBuckets", e))?;
            for b in page.buckets() {
                if let Some(n) = b.name() {
                    out.insert(n.to_string(), b.bucket_region().map(str::to_string));
                }
            }
            // Only follow a token that moves on (an emulator may repeat one).
            match page.continuation_token() {
                Some(t) if !t.is_empty() && token.as_deref() != Some(t) && !page.buckets().is_empty() => {
                    token = Some(t.to_string())
                }
                _ => break,
            }
        }
        Ok(out)
    }

    /// Whether the bucket exists and is reachable with these credentials (`HeadBucket`).
    async fn exists(c: &Clients, name: &str) -> Result<bool, ProviderError> {
        match c.s3.head_bucket().bucket(name).send().await {
            Ok(_) => Ok(true),
            Err(e) => {
                let e = on("HeadBucket", name, e);
                if e.is_not_found() { Ok(false) } else { Err(e) }
            }
        }
    }

    /// The name `create` gives the bucket: `bucket`, or the prefix and 26 characters derived from
    /// the stack, the address and the pending create's token.
    fn name_for(ctx: &OpContext, desired: &Attrs) -> String {
        if let Some(b) = get_str(desired, "bucket").filter(|b| !b.is_empty()) {
            return b.to_string();
        }
        use sha2::{Digest, Sha256};
        let prefix = get_str(desired, "bucket_prefix").unwrap_or(DEFAULT_PREFIX);
        let digest = Sha256::digest(format!("{}|{}|{}", ctx.identity.stack, ctx.identity.address, ctx.token));
        let suffix: String = digest.iter().map(|b| format!("{b:02x}")).collect::<String>();
        format!("{prefix}{}", &suffix[..SUFFIX_LEN])
    }

    /// Deletes every object version and delete marker, 1000 per `DeleteObjects` call, saying how
    /// far it got.
    async fn empty(c: &Clients, op: &OpContext, name: &str) -> Result<u64, ProviderError> {
        let mut deleted: u64 = 0;
        loop {
            // Always list from the start: what was deleted is gone, so each page is new work.
            let page =
                c.s3.list_object_versions()
                    .bucket(name)
                    .max_keys(1000)
                    .send()
                    .await
                    .map_err(|e| on("ListObjectVersions", name, e))?;
            let mut ids = vec![];
            let versions = page.versions().iter().map(|v| (v.key(), v.version_id()));
            let markers = page.delete_markers().iter().map(|m| (m.key(), m.version_id()));
            for (key, version) in versions.chain(markers) {
                let Some(key) = key else { continue };
                let id = ObjectIdentifier::builder().key(key).set_version_id(version.map(str::to_string)).build();
                ids.push(
                    id.map_err(|e| ProviderError::new(ProviderErrorKind::Invalid, format!("bucket {name}: {e}")))?,
                );
            }
            if ids.is_empty() {
                return Ok(deleted);
            }
            let count = ids.len() as u64;
            let more = page.is_truncated().unwrap_or(false);
            for chunk in ids.chunks(1000) {
                let delete = Delete::builder()
                    .set_objects(Some(chunk.to_vec()))
                    .quiet(true)
                    .build()
                    .map_err(|e| ProviderError::new(ProviderErrorKind::Invalid, format!("bucket {name}: {e}")))?;
                let out =
                    c.s3.delete_objects()
                        .bucket(name)
                        .delete(delete)
                        .bypass_governance_retention(true)
                        .send()
                        .await
                        .map_err(|e| on("DeleteObjects", name, e))?;
                if let Some(err) = out.errors().first() {
                    return Err(ProviderError::new(
                        ProviderErrorKind::Conflict,
                        format!(
                            "bucket {name}: could not delete {} object versions, e.g. {}: {} ({})",
                            out.errors().len(),
                            err.key().unwrap_or("?"),
                            err.message().unwrap_or("no message"),
                            err.code().unwrap_or("no code")
                        ),
                    )
                    .with_code(err.code().unwrap_or("DeleteObjects")));
                }
            }
            deleted += count;
            let total = if more { format!("at least {}", deleted + 1) } else { deleted.to_string() };
            op.status(format!(
                "emptying bucket {name}: deleted {deleted} of {total} object versions and delete markers"
            ));
        }
    }
}

#[async_trait]
impl ResourceType for Bucket {
    fn name(&self) -> &'static str {
        "aws_s3_bucket"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn identity(&self) -> IdentityStrategy {
        IdentityStrategy::Name
    }

    fn natural_key(&self, ctx: &OpContext, desired: &Attrs) -> Option<String> {
        Some(Self::name_for(ctx, desired))
    }

    /// One `ListBuckets` for existence and regions, then one `GetBucketTagging` per bucket.
    async fn read_many(
        &self,
        _ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        let mut out = BTreeMap::new();
        if objects.is_empty() {
            return Ok(out);
        }
        let c = self.ctx.clients().await?;
        let all = Self::list(c).await?;
        for (id, prior) in objects {
            let Some(region) = all.get(id) else { continue };
            let tags = match bucket_tags(c, id).await {
                Ok(t) => t,
                Err(e) if e.is_not_found() => continue,
                Err(e) => return Err(e),
            };
            out.insert(id.clone(), Self::attrs(c, id, region.as_deref(), &tags, prior));
        }
        Ok(out)
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let name = Self::name_for(ctx, desired);
        let mut req = c.s3.create_bucket().bucket(&name);
        if c.region != "us-east-1" {
            req = req.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(c.region.as_str()))
                    .build(),
            );
        }
        if get_bool(desired, "object_lock_enabled") == Some(true) {
            req = req.object_lock_enabled_for_bucket(true);
        }
        let created = retry(
            Policy::in_use(Duration::from_secs(120)),
            || async { req.clone().send().await.map(|_| ()).map_err(|e| on("CreateBucket", &name, e)) },
            nothing,
        )
        .await;
        match created {
            Ok(()) => {}
            Err(e) if e.code.as_deref() == Some("BucketAlreadyOwnedByYou") => {
                // Ours only if its tags say so (a retried create); otherwise someone else's.
                let tags = bucket_tags(c, &name).await?;
                if let provision_core::Owner::Other(why) = ctx.identity.owner_of(pairs(&tags)) {
                    return Err(ProviderError::new(
                        ProviderErrorKind::Conflict,
                        format!(
                            "bucket {name} already exists in this account and {why}: import it, or choose another name"
                        ),
                    ));
                }
            }
            Err(e) if e.code.as_deref() == Some("BucketAlreadyExists") => {
                return Err(ProviderError::new(
                    ProviderErrorKind::Invalid,
                    format!("bucket name {name} is taken by another AWS account (bucket names are global): choose another `bucket`, or use `bucket_prefix`"),
                )
                .with_code("BucketAlreadyExists"));
            }
            Err(e) => return Err(e),
        }
        ctx.status("tagging the new bucket");
        retry(Policy::NEW_OBJECT, || put_bucket_tags(c, &name, &ctx.identity, desired.get("tags_all")), nothing)
            .await?;
        let mut prior = desired.clone();
        prior.entry("object_lock_enabled".into()).or_insert(Value::Bool(false));
        let tags = tags::create_tags(&ctx.identity, desired.get("tags_all"));
        Ok(Self::attrs(c, &name, Some(&c.region), &tags, &prior))
    }

    async fn update(&self, ctx: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        if !tags::delta(prior.get("tags_all"), desired.get("tags_all")).is_empty() {
            put_bucket_tags(c, id, &ctx.identity, desired.get("tags_all")).await?;
        }
        let region = get_str(prior, "region").map(str::to_string);
        let tags = tags::create_tags(&ctx.identity, desired.get("tags_all"));
        let mut keep = desired.clone();
        keep.insert(
            "object_lock_enabled".into(),
            prior.get("object_lock_enabled").cloned().unwrap_or(Value::Bool(false)),
        );
        Ok(Self::attrs(c, id, region.as_deref(), &tags, &keep))
    }

    /// One `ListObjectVersions` with `max-keys` 1: is anything in the bucket? When what it finds
    /// is an object of this stack (an `aws_s3_object`, deleted before the bucket), one more page
    /// of up to 1000 says whether anything else is there.
    async fn check_delete(&self, ctx: &ReadContext, id: &str, attrs: &Attrs) -> Result<Vec<DeleteNote>, ProviderError> {
        let c = self.ctx.clients().await?;
        let mut first_other = None;
        for max in [1, 1000] {
            let page = match c.s3.list_object_versions().bucket(id).max_keys(max).send().await {
                Ok(p) => p,
                Err(e) => {
                    let e = on("ListObjectVersions", id, e);
                    return if e.is_not_found() { Ok(vec![]) } else { Err(e) };
                }
            };
            let keys: Vec<&str> = page
                .versions()
                .iter()
                .filter_map(|v| v.key())
                .chain(page.delete_markers().iter().filter_map(|m| m.key()))
                .collect();
            if keys.is_empty() {
                return Ok(vec![]);
            }
            // The plan's own deletes count even when nothing was refreshed (`--refresh=false`).
            let deleted_by_plan = |k: &str| {
                ctx.deleted.iter().any(|d| {
                    d.type_name == "aws_s3_object"
                        && d.attrs.get("bucket").and_then(Value::as_str) == Some(id)
                        && d.attrs.get("key").and_then(Value::as_str) == Some(k)
                })
            };
            first_other =
                keys.iter().find(|k| !self.managed.contains(id, k) && !deleted_by_plan(k)).map(|k| k.to_string());
            if first_other.is_some() {
                break;
            }
            if max == 1000 && page.is_truncated() == Some(true) {
                first_other = Some(format!("more than {max} object versions"));
            }
        }
        let Some(key) = first_other else { return Ok(vec![]) };
        if get_bool(attrs, "force_destroy") == Some(true) {
            Ok(vec![DeleteNote::warn(format!(
                "bucket {id} is not empty (e.g. `{key}`): every object version and delete marker in it is deleted with it (force_destroy)"
            ))])
        } else {
            Ok(vec![DeleteNote::refuse(format!(
                "bucket {id} is not empty (it holds `{key}`, counting old versions and delete markers) and S3 deletes only empty buckets: set `force_destroy = true` on it to delete its objects with it, or empty it first"
            ))])
        }
    }

    async fn delete(&self, ctx: &OpContext, id: &str, prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        let force = get_bool(prior, "force_destroy") == Some(true);
        if force {
            match Self::empty(c, ctx, id).await {
                Ok(n) if n > 0 => {
                    ctx.status(format!("deleted {n} object versions and delete markers; deleting bucket {id}"))
                }
                Ok(_) => {}
                Err(e) if e.is_not_found() => return Ok(()),
                Err(e) => return Err(e),
            }
        }
        let r = retry(
            // Objects written while the bucket was emptied: empty again, briefly.
            Policy::in_use(Duration::from_secs(if force { 60 } else { 1 })),
            || async {
                let r = c.s3.delete_bucket().bucket(id).send().await.map(|_| ()).map_err(|e| on("DeleteBucket", id, e));
                if force && matches!(&r, Err(e) if e.code.as_deref() == Some("BucketNotEmpty")) {
                    Self::empty(c, ctx, id).await?;
                }
                r
            },
            nothing,
        )
        .await;
        match gone_is_ok(r) {
            Err(e) if e.code.as_deref() == Some("BucketNotEmpty") => Err(ProviderError::new(
                ProviderErrorKind::Conflict,
                format!("bucket {id} is not empty and force_destroy is not set: set `force_destroy = true` to delete its objects with it, or empty it first"),
            )
            .with_code("BucketNotEmpty")),
            other => other,
        }
    }

    /// `HeadBucket` by the recorded name, then its tags say whose it is.
    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let Some(name) = query.natural_key.as_deref() else { return Ok(vec![]) };
        let c = self.ctx.clients().await?;
        if !Self::exists(c, name).await? {
            return Ok(vec![]);
        }
        let tags = bucket_tags(c, name).await?;
        let attrs = Self::attrs(c, name, None, &tags, &query.desired);
        Ok(vec![Found { attrs, owner: query.identity.owner_of(pairs(&tags)) }])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names() {
        let ok = |n: &str| bucket_name(&Value::String(n.into()));
        assert!(ok("my-bucket.logs-1").is_ok());
        assert!(ok("ab").is_err());
        assert!(ok("Bad_Name").is_err());
        assert!(ok("-leading").is_err());
        assert!(ok("a..b").is_err());
        assert!(ok("192.168.1.1").is_err());
        assert!(ok(&"a".repeat(64)).is_err());
        assert!(bucket_prefix(&Value::String("app-".into())).is_ok());
        assert!(bucket_prefix(&Value::String("a".repeat(38))).is_err());
    }

    #[test]
    fn inline_v3_blocks_are_refused_naming_their_replacement() {
        let mut a = Attrs::new();
        a.insert("versioning".into(), Value::List(vec![Value::Map(Default::default())]));
        let m = check(&a).expect_err("refused");
        assert!(m.contains("aws_s3_bucket_versioning"), "{m}");
        let mut a = Attrs::new();
        a.insert("acl".into(), Value::String("private".into()));
        assert!(check(&a).is_ok(), "private is what a new bucket has");
        a.insert("acl".into(), Value::String("public-read".into()));
        assert!(check(&a).expect_err("refused").contains("aws_s3_bucket_acl"));
        let mut a = Attrs::new();
        a.insert("bucket".into(), Value::String("a".into()));
        a.insert("bucket_prefix".into(), Value::String("b".into()));
        assert!(check(&a).is_err());
    }

    #[test]
    fn generated_names_are_stable_per_pending_create_and_valid() {
        let address = "aws_s3_bucket.b".parse().expect("address");
        let op = |t: &str| {
            OpContext::new(
                provision_core::Identity { stack: "s".into(), address: Clone::clone(&address) },
                t,
                Duration::from_secs(1),
            )
        };
        let mut d = Attrs::new();
        d.insert("bucket_prefix".into(), Value::String("app-".into()));
        let a = Bucket::name_for(&op("t1"), &d);
        assert_eq!(a, Bucket::name_for(&op("t1"), &d));
        assert_ne!(a, Bucket::name_for(&op("t2"), &d));
        assert!(a.starts_with("app-") && a.len() == 4 + SUFFIX_LEN);
        assert!(bucket_name(&Value::String(a)).is_ok());
        assert!(Bucket::name_for(&op("t1"), &Attrs::new()).starts_with("terraform-"));
    }
}
