//! `aws_s3_object`: one object, written whole by `PutObject` from `content`, `content_base64` or a
//! `source` file. Changing what it holds or its headers overwrites it in place (a new version in a
//! versioned bucket), as Terraform does; only another bucket or key replaces it. Read with one
//! `HeadObject` per object (plus `GetObjectTagging` for tagged ones), which shows every header and
//! the ETag, so content and headers changed outside are drift.

use crate::context::{Clients, Context};
use crate::error::on;
use crate::util::{get_bool, get_str, get_string, need_str, s, tag_list};
use async_trait::async_trait;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectCannedAcl, ObjectIdentifier, ServerSideEncryption, StorageClass, Tagging};
use base64::Engine as _;
use provision_aws_core::retry::{Policy, nothing, retry};
use provision_aws_core::tags::{delta, string_map};
use provision_aws_core::validate::one_of;
use provision_core::{
    AttributeSchema, Attrs, FindQuery, Found, IdentityStrategy, OpContext, ProviderError, ProviderErrorKind,
    ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

/// How many `HeadObject` calls a refresh makes at once.
const CONCURRENT_READS: usize = 16;

/// What a bucket's content changed outside provision reads as, in the argument that set it: the
/// plan then shows that argument changing back and writes the object again.
const CHANGED_OUTSIDE: &str = "(changed outside provision: S3 reports another ETag)";

/// The objects this stack manages, by bucket and key, as last refreshed: a bucket whose only
/// objects are managed ones is emptied by their own deletes before the bucket's, so deleting it
/// does not need `force_destroy`.
#[derive(Default)]
pub(crate) struct ManagedKeys(Mutex<BTreeSet<(String, String)>>);

impl ManagedKeys {
    pub fn contains(&self, bucket: &str, key: &str) -> bool {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).contains(&(bucket.to_string(), key.to_string()))
    }

    fn add(&self, bucket: &str, key: &str) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).insert((bucket.to_string(), key.to_string()));
    }
}

pub(crate) struct Object {
    ctx: Arc<Context>,
    managed: Arc<ManagedKeys>,
    schema: Schema,
}

fn storage_class(v: &Value) -> Result<(), String> {
    one_of(
        v,
        &[
            "STANDARD",
            "REDUCED_REDUNDANCY",
            "STANDARD_IA",
            "ONEZONE_IA",
            "INTELLIGENT_TIERING",
            "GLACIER",
            "DEEP_ARCHIVE",
            "GLACIER_IR",
            "EXPRESS_ONEZONE",
        ],
        "storage_class",
    )
}

fn object_acl(v: &Value) -> Result<(), String> {
    one_of(
        v,
        &[
            "private",
            "public-read",
            "public-read-write",
            "aws-exec-read",
            "authenticated-read",
            "bucket-owner-read",
            "bucket-owner-full-control",
        ],
        "acl",
    )
}

fn sse(v: &Value) -> Result<(), String> {
    one_of(v, &["AES256", "aws:kms", "aws:kms:dsse"], "server_side_encryption")
}

fn metadata_keys(v: &Value) -> Result<(), String> {
    match v.as_map().and_then(|m| m.keys().find(|k| k.chars().any(|c| c.is_ascii_uppercase()))) {
        Some(k) => Err(format!(
            "metadata key \"{k}\" has uppercase letters: S3 stores metadata keys lowercase, write it lowercase"
        )),
        None => Ok(()),
    }
}

fn check(a: &Attrs) -> Result<(), String> {
    let set: Vec<&str> = ["source", "content", "content_base64"]
        .into_iter()
        .filter(|k| a.get(*k).is_some_and(|v| !v.is_null()))
        .collect();
    if set.len() > 1 {
        return Err(format!("`{}` and `{}` cannot both be set: an object has one body", set[0], set[1]));
    }
    Ok(())
}

/// A tag set as S3's `x-amz-tagging` header: URL query form.
fn tagging_header(tags: &BTreeMap<String, String>) -> Option<String> {
    fn enc(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
    (!tags.is_empty()).then(|| tags.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&"))
}

/// The ETag without its quotes.
fn etag(v: Option<&str>) -> Value {
    s(v.map(|e| e.trim_matches('"')))
}

/// The attributes that only say how the object was written, kept as configured.
const KEPT: [&str; 7] = ["source", "source_hash", "content", "content_base64", "acl", "force_destroy", "kms_key_id"];

/// The arguments whose change writes the object again (`PutObject`).
const BODY: [&str; 16] = [
    "source",
    "source_hash",
    "content",
    "content_base64",
    "etag",
    "content_type",
    "cache_control",
    "content_disposition",
    "content_encoding",
    "content_language",
    "metadata",
    "storage_class",
    "server_side_encryption",
    "kms_key_id",
    "bucket_key_enabled",
    "website_redirect",
];

impl Object {
    pub fn new(ctx: Arc<Context>, managed: Arc<ManagedKeys>) -> Self {
        let opt = |n, t| AttributeSchema::optional(n, t);
        let schema = Schema::new("An object in a bucket, written from a string or a local file.")
            .attr(AttributeSchema::computed("id", Type::String).describe("`<bucket>/<key>` (Terraform's id is the key alone; the bucket makes it unique within the type)."))
            .attr(AttributeSchema::required("bucket", Type::String).force_new().describe("The bucket's name. Another bucket replaces the object."))
            .attr(AttributeSchema::required("key", Type::String).force_new().describe("The object's key. Another key replaces the object."))
            .attr(opt("source", Type::String).describe("A local file to upload, relative to the root module's directory (where provision runs; use `${path.module}/...` in a child module). A changed file is seen only through `etag` or `source_hash` (`etag = filemd5(...)`), as in Terraform."))
            .attr(opt("source_hash", Type::String).describe("Any value that changes with the file (e.g. `filebase64sha256(...)`); a change writes the object again. Not sent to AWS: kept as configured."))
            .attr(opt("content", Type::String).describe("The object's body as UTF-8 text. A change writes the object again (`PutObject`, in place). At most one of `source`, `content`, `content_base64` (checked at plan time)."))
            .attr(opt("content_base64", Type::String).describe("The object's body, base64-encoded, for binary content."))
            .attr(AttributeSchema::optional_computed("etag", Type::String).describe("The object's ETag (its MD5 for single-part uploads without SSE-KMS). Set it to `filemd5(source)` so a changed file writes the object again; when unset, what S3 reports is kept."))
            .attr(AttributeSchema::computed("version_id", Type::String).describe("The object's version, in a versioned bucket (null otherwise). Every write makes a new one."))
            .attr(AttributeSchema::computed("arn", Type::String).describe("`arn:<partition>:s3:::<bucket>/<key>`."))
            .attr(AttributeSchema::optional_computed("content_type", Type::String).describe("The MIME type (`text/html`). When unset, S3's default (`binary/octet-stream`) is kept."))
            .attr(opt("cache_control", Type::String).describe("The `Cache-Control` header S3 serves the object with."))
            .attr(opt("content_disposition", Type::String).describe("The `Content-Disposition` header."))
            .attr(opt("content_encoding", Type::String).describe("The `Content-Encoding` header (`gzip` for pre-compressed files)."))
            .attr(opt("content_language", Type::String).describe("The `Content-Language` header."))
            .attr(opt("website_redirect", Type::String).describe("Redirect requests for this object to another object or URL (website buckets)."))
            .attr(opt("metadata", Type::map(Type::String)).validate(metadata_keys).describe("User metadata (`x-amz-meta-*`); keys lowercase (checked at plan time)."))
            .attr(AttributeSchema::optional_computed("storage_class", Type::String).validate(storage_class).describe("`STANDARD` unless set (`STANDARD_IA`, `INTELLIGENT_TIERING`, `GLACIER_IR`, ...)."))
            .attr(AttributeSchema::optional_computed("server_side_encryption", Type::String).validate(sse).describe("`AES256` or `aws:kms`; when unset, the bucket's default encryption applies and what S3 reports is kept."))
            .attr(AttributeSchema::optional_computed("kms_key_id", Type::String).describe("The KMS key ARN for `aws:kms`."))
            .attr(AttributeSchema::optional_computed("bucket_key_enabled", Type::Bool).describe("Use the bucket key for SSE-KMS."))
            .attr(AttributeSchema::optional_computed("acl", Type::String).validate(object_acl).describe("A canned ACL (`private`, `public-read`, ...). Buckets that enforce bucket-owner ownership (AWS's default) refuse every ACL but `private` and `bucket-owner-full-control`. Not read back: kept as configured; a change is `PutObjectAcl`."))
            .attr(opt("force_destroy", Type::Bool).default(false).at_destroy().describe("Delete the object even under an Object Lock governance retention. Changing it makes no AWS call."))
            .with_tags()
            .check(check);
        Object { ctx, managed, schema }
    }

    fn id(bucket: &str, key: &str) -> String {
        format!("{bucket}/{key}")
    }

    /// The object's attributes from `HeadObject` (and its tags), with what S3 does not report
    /// from `prior`. When the ETag is not the one last recorded, the argument that set the body
    /// reads as [`CHANGED_OUTSIDE`], so the plan writes it again.
    async fn read(c: &Clients, bucket: &str, key: &str, prior: &Attrs) -> Result<Option<Attrs>, ProviderError> {
        Self::read_tagged(c, bucket, key, prior, None).await
    }

    /// [`Self::read`], with the object's tags `known` (just written) instead of read.
    async fn read_tagged(
        c: &Clients,
        bucket: &str,
        key: &str,
        prior: &Attrs,
        known: Option<&BTreeMap<String, Value>>,
    ) -> Result<Option<Attrs>, ProviderError> {
        let head = match c.s3.head_object().bucket(bucket).key(key).send().await {
            Ok(h) => h,
            Err(e) => {
                let e = on("HeadObject", bucket, e);
                return if e.is_not_found() { Ok(None) } else { Err(e) };
            }
        };
        let tags = if let Some(known) = known {
            known.clone()
        } else if head.tag_count().unwrap_or(0) > 0 {
            let out =
                c.s3.get_object_tagging()
                    .bucket(bucket)
                    .key(key)
                    .send()
                    .await
                    .map_err(|e| on("GetObjectTagging", bucket, e))?;
            out.tag_set().iter().map(|t| (t.key().to_string(), Value::String(t.value().to_string()))).collect()
        } else {
            BTreeMap::new()
        };
        let mut a = Attrs::new();
        for k in KEPT {
            a.insert(k.into(), prior.get(k).cloned().unwrap_or(Value::Null));
        }
        a.insert("force_destroy".into(), Value::Bool(get_bool(prior, "force_destroy").unwrap_or(false)));
        let tag = etag(head.e_tag());
        if let (Some(was), Some(now)) = (get_str(prior, "etag"), tag.as_str())
            && was != now
        {
            for k in ["content", "content_base64", "source"] {
                if prior.get(k).is_some_and(|v| !v.is_null()) {
                    a.insert(k.into(), Value::String(CHANGED_OUTSIDE.into()));
                }
            }
        }
        a.insert("id".into(), Value::String(Self::id(bucket, key)));
        a.insert("bucket".into(), Value::String(bucket.into()));
        a.insert("key".into(), Value::String(key.into()));
        a.insert("arn".into(), Value::String(format!("arn:{}:s3:::{bucket}/{key}", c.partition)));
        a.insert("etag".into(), tag);
        a.insert("version_id".into(), s(head.version_id().filter(|v| *v != "null")));
        a.insert("content_type".into(), s(head.content_type()));
        a.insert("cache_control".into(), s(head.cache_control()));
        a.insert("content_disposition".into(), s(head.content_disposition()));
        a.insert("content_encoding".into(), s(head.content_encoding()));
        a.insert("content_language".into(), s(head.content_language()));
        a.insert("website_redirect".into(), s(head.website_redirect_location()));
        let metadata = head.metadata().map(|m| m.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect());
        a.insert(
            "metadata".into(),
            metadata.filter(|m: &BTreeMap<String, Value>| !m.is_empty()).map_or(Value::Null, Value::Map),
        );
        a.insert(
            "storage_class".into(),
            Value::String(head.storage_class().map_or("STANDARD", |c| c.as_str()).to_string()),
        );
        let sse = head.server_side_encryption().map(|s| s.as_str().to_string());
        a.insert("server_side_encryption".into(), sse.map_or(Value::Null, Value::String));
        if let Some(k) = head.ssekms_key_id() {
            a.insert("kms_key_id".into(), Value::String(k.into()));
        }
        a.insert("bucket_key_enabled".into(), Value::Bool(head.bucket_key_enabled().unwrap_or(false)));
        a.insert("tags_all".into(), Value::Map(tags));
        Ok(Some(a))
    }

    /// The object's body, from `content`, `content_base64` or the `source` file.
    async fn body(d: &Attrs, bucket: &str, key: &str) -> Result<ByteStream, ProviderError> {
        let bad =
            |m: String| ProviderError::new(ProviderErrorKind::Invalid, format!("object s3://{bucket}/{key}: {m}"));
        if let Some(t) = get_str(d, "content") {
            return Ok(ByteStream::from(t.as_bytes().to_vec()));
        }
        if let Some(b) = get_str(d, "content_base64") {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .map_err(|e| bad(format!("content_base64 is not valid base64: {e}")))?;
            return Ok(ByteStream::from(bytes));
        }
        if let Some(path) = get_str(d, "source") {
            let bytes = tokio::fs::read(path).await.map_err(|e| bad(format!("cannot read source {path}: {e}")))?;
            return Ok(ByteStream::from(bytes));
        }
        Ok(ByteStream::from(Vec::new()))
    }

    /// Writes the object whole, with its tags.
    async fn put(c: &Clients, d: &Attrs) -> Result<(), ProviderError> {
        let (bucket, key) = (need_str(d, "bucket")?, need_str(d, "key")?);
        let metadata: std::collections::HashMap<String, String> = string_map(d.get("metadata")).into_iter().collect();
        // The bucket may have been created moments ago and not be visible yet.
        retry(
            Policy::NEW_OBJECT,
            || async {
                c.s3.put_object()
                    .bucket(bucket)
                    .key(key)
                    .body(Self::body(d, bucket, key).await?)
                    .set_content_type(get_string(d, "content_type"))
                    .set_cache_control(get_string(d, "cache_control"))
                    .set_content_disposition(get_string(d, "content_disposition"))
                    .set_content_encoding(get_string(d, "content_encoding"))
                    .set_content_language(get_string(d, "content_language"))
                    .set_website_redirect_location(get_string(d, "website_redirect"))
                    .set_storage_class(get_string(d, "storage_class").map(|s| StorageClass::from(s.as_str())))
                    .set_server_side_encryption(
                        get_string(d, "server_side_encryption").map(|s| ServerSideEncryption::from(s.as_str())),
                    )
                    .set_ssekms_key_id(get_string(d, "kms_key_id"))
                    .set_bucket_key_enabled(get_bool(d, "bucket_key_enabled"))
                    .set_acl(get_string(d, "acl").map(|a| ObjectCannedAcl::from(a.as_str())))
                    .set_metadata((!metadata.is_empty()).then(|| metadata.clone()))
                    .set_tagging(tagging_header(&string_map(d.get("tags_all"))))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| on("PutObject", bucket, e))
            },
            nothing,
        )
        .await
    }

    /// Reads the object just written (waiting while it is not visible yet), keeping the configured
    /// arguments S3 does not report. With `tags_written`, its tags are `tags_all`, the tags just
    /// written with it, and are not read back.
    async fn written(&self, c: &Clients, d: &Attrs, tags_written: bool) -> Result<Attrs, ProviderError> {
        let (bucket, key) = (need_str(d, "bucket")?, need_str(d, "key")?);
        let mut prior = d.clone();
        prior.remove("etag");
        let known: Option<BTreeMap<String, Value>> = tags_written
            .then(|| string_map(d.get("tags_all")).into_iter().map(|(k, v)| (k, Value::String(v))).collect());
        let read = retry(
            Policy::NEW_OBJECT,
            || async {
                Self::read_tagged(c, bucket, key, &prior, known.as_ref()).await?.ok_or_else(|| {
                    ProviderError::new(ProviderErrorKind::NotFound, format!("object s3://{bucket}/{key} not found"))
                })
            },
            nothing,
        )
        .await?;
        self.managed.add(bucket, key);
        Ok(read)
    }

    /// Deletes every version and delete marker of this one key (Terraform's behaviour in a
    /// versioned bucket).
    async fn delete_versions(c: &Clients, bucket: &str, key: &str, bypass: bool) -> Result<(), ProviderError> {
        loop {
            let page =
                c.s3.list_object_versions()
                    .bucket(bucket)
                    .prefix(key)
                    .max_keys(1000)
                    .send()
                    .await
                    .map_err(|e| on("ListObjectVersions", bucket, e))?;
            let versions = page.versions().iter().map(|v| (v.key(), v.version_id()));
            let markers = page.delete_markers().iter().map(|m| (m.key(), m.version_id()));
            let mut ids = vec![];
            for (k, v) in versions.chain(markers) {
                if k != Some(key) {
                    continue;
                }
                let id = ObjectIdentifier::builder().key(key).set_version_id(v.map(str::to_string)).build();
                ids.push(id.map_err(|e| {
                    ProviderError::new(ProviderErrorKind::Invalid, format!("object s3://{bucket}/{key}: {e}"))
                })?);
            }
            if ids.is_empty() {
                return Ok(());
            }
            let delete = Delete::builder().set_objects(Some(ids)).quiet(true).build().map_err(|e| {
                ProviderError::new(ProviderErrorKind::Invalid, format!("object s3://{bucket}/{key}: {e}"))
            })?;
            let out =
                c.s3.delete_objects()
                    .bucket(bucket)
                    .delete(delete)
                    .bypass_governance_retention(bypass)
                    .send()
                    .await
                    .map_err(|e| on("DeleteObjects", bucket, e))?;
            if let Some(err) = out.errors().first() {
                return Err(ProviderError::new(
                    ProviderErrorKind::Conflict,
                    format!(
                        "object s3://{bucket}/{key}: a version could not be deleted: {} ({})",
                        err.message().unwrap_or("no message"),
                        err.code().unwrap_or("no code")
                    ),
                ));
            }
        }
    }
}

#[async_trait]
impl ResourceType for Object {
    fn name(&self) -> &'static str {
        "aws_s3_object"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Terraform's id is the key alone; provision's is the bucket and the key.
    fn id_from_terraform(&self, attributes: &Attrs) -> Result<String, String> {
        let bucket = provision_aws_core::terraform::text(attributes, "bucket")?;
        let key = provision_aws_core::terraform::text(attributes, "key")?;
        Ok(Self::id(bucket, key))
    }

    /// S3 objects take at most 10 tags, which are the user's; an object is found by its bucket and
    /// key, and writing it again is idempotent.
    fn identity(&self) -> IdentityStrategy {
        IdentityStrategy::Content
    }

    /// One `HeadObject` per object, 16 at a time, plus one `GetObjectTagging` per tagged object.
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
        for chunk in objects.chunks(CONCURRENT_READS) {
            let reads = chunk.iter().map(|(id, prior)| async move {
                let split = id.split_once('/');
                let bucket = get_str(prior, "bucket").or(split.map(|s| s.0)).unwrap_or_default();
                let key = get_str(prior, "key").or(split.map(|s| s.1)).unwrap_or_default();
                (id, bucket, key, Self::read(c, bucket, key, prior).await)
            });
            for (id, bucket, key, r) in futures::future::join_all(reads).await {
                self.managed.add(bucket, key);
                if let Some(a) = r? {
                    out.insert(id.clone(), a);
                }
            }
        }
        Ok(out)
    }

    async fn create(&self, _ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        Self::put(c, desired).await?;
        // HeadObject once, for what S3 fills in (the content type, the encryption, the ETag);
        // the tags are the ones PutObject just wrote.
        self.written(c, desired, true).await
    }

    /// A change of the body or a header writes the object again (`PutObject`, a new version in a
    /// versioned bucket), as Terraform does; tags alone are `PutObjectTagging`, the ACL alone
    /// `PutObjectAcl`; `force_destroy` alone makes no call.
    async fn update(
        &self,
        _ctx: &OpContext,
        _id: &str,
        prior: &Attrs,
        desired: &Attrs,
    ) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let (bucket, key) = (need_str(desired, "bucket")?, need_str(desired, "key")?);
        let changed = |k: &str| prior.get(k).unwrap_or(&Value::Null) != desired.get(k).unwrap_or(&Value::Null);
        let tags_changed = !delta(prior.get("tags_all"), desired.get("tags_all")).is_empty();
        if BODY.iter().any(|k| changed(k)) {
            Self::put(c, desired).await?;
        } else {
            if tags_changed {
                let tags = tag_list(string_map(desired.get("tags_all")))?;
                if tags.is_empty() {
                    c.s3.delete_object_tagging()
                        .bucket(bucket)
                        .key(key)
                        .send()
                        .await
                        .map_err(|e| on("DeleteObjectTagging", bucket, e))?;
                } else {
                    let tagging = Tagging::builder().set_tag_set(Some(tags)).build().map_err(|e| {
                        ProviderError::new(ProviderErrorKind::Invalid, format!("object s3://{bucket}/{key}: {e}"))
                    })?;
                    c.s3.put_object_tagging()
                        .bucket(bucket)
                        .key(key)
                        .tagging(tagging)
                        .send()
                        .await
                        .map_err(|e| on("PutObjectTagging", bucket, e))?;
                }
            }
            if changed("acl")
                && let Some(acl) = get_string(desired, "acl")
            {
                c.s3.put_object_acl()
                    .bucket(bucket)
                    .key(key)
                    .acl(ObjectCannedAcl::from(acl.as_str()))
                    .send()
                    .await
                    .map_err(|e| on("PutObjectAcl", bucket, e))?;
            }
        }
        let mut read = self.written(c, desired, false).await?;
        // What was written is what the configuration says, whatever the previous read showed.
        for k in ["content", "content_base64", "source"] {
            read.insert(k.into(), desired.get(k).cloned().unwrap_or(Value::Null));
        }
        Ok(read)
    }

    /// In a versioned bucket every version of the key goes (as Terraform does); otherwise one
    /// `DeleteObject`.
    async fn delete(&self, _ctx: &OpContext, id: &str, prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        let split = id.split_once('/');
        let bucket = get_str(prior, "bucket").or(split.map(|s| s.0)).unwrap_or_default();
        let key = get_str(prior, "key").or(split.map(|s| s.1)).unwrap_or_default();
        let force = get_bool(prior, "force_destroy") == Some(true);
        let r = if prior.get("version_id").is_some_and(|v| !v.is_null()) {
            Self::delete_versions(c, bucket, key, force).await
        } else {
            c.s3.delete_object()
                .bucket(bucket)
                .key(key)
                .set_bypass_governance_retention(force.then_some(true))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| on("DeleteObject", bucket, e))
        };
        match r {
            Err(e) if e.is_not_found() => Ok(()),
            other => other,
        }
    }

    /// The object at the configured bucket and key (one `HeadObject`), adopted: the next plan
    /// writes it again if it differs.
    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let (Some(bucket), Some(key)) = (get_str(&query.desired, "bucket"), get_str(&query.desired, "key")) else {
            return Ok(vec![]);
        };
        let c = self.ctx.clients().await?;
        let mut prior = query.desired.clone();
        prior.remove("etag");
        match Self::read(c, bucket, key, &prior).await {
            Ok(Some(a)) => Ok(vec![Found::ours(a)]),
            Ok(None) => Ok(vec![]),
            Err(e) if e.is_not_found() => Ok(vec![]),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_from_terraform_is_the_bucket_and_the_key() {
        // Part of what Terraform 5.100 wrote (against moto): its id is the key alone.
        let tf = r#"{"bucket": "extra-settings-bucket", "key": "dir/hello.txt", "id": "dir/hello.txt", "content": "hello", "etag": "5d41402abc4b2a76b9719d911017c592"}"#;
        let id = |json| provision_aws_core::terraform::id_from_terraform(crate::types, "aws_s3_object", json);
        assert_eq!(id(tf), Ok("extra-settings-bucket/dir/hello.txt".into()));
        assert_eq!(
            id(r#"{"id": "dir/hello.txt", "key": "dir/hello.txt"}"#),
            Err("its `bucket` attribute is missing or empty".into())
        );
    }

    #[test]
    fn tagging_headers_are_url_encoded() {
        let mut t = BTreeMap::new();
        t.insert("Env".to_string(), "dev & test".to_string());
        t.insert("a/b".to_string(), "c=d".to_string());
        assert_eq!(tagging_header(&t).as_deref(), Some("Env=dev%20%26%20test&a%2Fb=c%3Dd"));
        assert_eq!(tagging_header(&BTreeMap::new()), None);
    }

    #[test]
    fn one_body_at_most() {
        let mut a = Attrs::new();
        a.insert("content".into(), Value::String("x".into()));
        assert!(check(&a).is_ok());
        a.insert("source".into(), Value::String("index.html".into()));
        assert!(check(&a).is_err());
    }

    #[test]
    fn metadata_keys_must_be_lowercase() {
        let m = |k: &str| Value::Map([(k.to_string(), Value::String("v".into()))].into());
        assert!(metadata_keys(&m("owner")).is_ok());
        assert!(metadata_keys(&m("Owner")).is_err());
    }
}
