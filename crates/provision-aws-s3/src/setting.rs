//! The shape every bucket setting type shares (`aws_s3_bucket_versioning`, `_policy`, ...): one
//! setting per bucket, no id of its own (id = the bucket's name), written whole by one `Put*` call
//! (so create and update are the same call, and a retried create overwrites rather than
//! duplicates), read by one `Get*` call per bucket (S3 has no batch read), removed by `Delete*`
//! (or what Terraform does instead, e.g. suspending versioning). A setting type says how to get,
//! put and remove; [`BucketSetting`] makes the resource type of it.

use crate::context::{Clients, Context};
use crate::util::{get_str, need_str};
use async_trait::async_trait;
use provision_aws_core::retry::{Policy, gone_is_ok, nothing, retry};
use provision_core::{
    AttributeSchema, Attrs, FindQuery, Found, IdentityStrategy, OpContext, ProviderError, ReadContext, ResourceType,
    Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::sync::Arc;

/// One kind of bucket setting.
#[async_trait]
pub(crate) trait Setting: Send + Sync + 'static {
    /// The resource type's name (`aws_s3_bucket_versioning`).
    const TYPE: &'static str;

    /// The schema's description and arguments, without `id` and `bucket` (added for every type).
    fn schema() -> Schema;

    /// The bucket's setting as attributes (without `id` and `bucket`); `None` when the bucket has
    /// none. A bucket that is gone is a not-found error. `prior` is what was last recorded.
    async fn get(c: &Clients, bucket: &str, prior: &Attrs) -> Result<Option<Attrs>, ProviderError>;

    /// Writes the setting whole.
    async fn put(c: &Clients, bucket: &str, desired: &Attrs) -> Result<(), ProviderError>;

    /// Removes the setting (a bucket already gone is success, handled by the caller).
    async fn remove(c: &Clients, bucket: &str, prior: &Attrs) -> Result<(), ProviderError>;
}

/// The resource type of a [`Setting`].
pub(crate) struct BucketSetting<S> {
    ctx: Arc<Context>,
    schema: Schema,
    _setting: PhantomData<fn() -> S>,
}

impl<S: Setting> BucketSetting<S> {
    pub fn new(ctx: Arc<Context>) -> Self {
        let mut schema = S::schema();
        let mut attributes = vec![
            AttributeSchema::computed("id", Type::String)
                .describe("The bucket's name (a setting has no id of its own)."),
            AttributeSchema::required("bucket", Type::String).force_new().describe(
                "The bucket's name (`aws_s3_bucket.<name>.id`). Another bucket is another setting: replaced.",
            ),
        ];
        attributes.append(&mut schema.attributes);
        schema.attributes = attributes;
        BucketSetting { ctx, schema, _setting: PhantomData }
    }

    fn with_ids(bucket: &str, mut attrs: Attrs) -> Attrs {
        attrs.insert("id".into(), Value::String(bucket.into()));
        attrs.insert("bucket".into(), Value::String(bucket.into()));
        attrs
    }

    /// Puts the setting, waiting while a bucket created moments ago is not visible yet, then reads
    /// it back (the desired values where the read shows nothing yet).
    async fn write(&self, bucket: &str, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        retry(Policy::NEW_OBJECT, || S::put(c, bucket, desired), nothing).await?;
        let read = S::get(c, bucket, desired).await?;
        Ok(Self::with_ids(bucket, read.unwrap_or_else(|| desired.clone())))
    }
}

#[async_trait]
impl<S: Setting> ResourceType for BucketSetting<S> {
    fn name(&self) -> &'static str {
        S::TYPE
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Terraform's id is the bucket, or `<bucket>,<expected_bucket_owner>` (and `,<acl>` for an
    /// ACL); provision's is the bucket.
    fn id_from_terraform(&self, attributes: &Attrs) -> Result<String, String> {
        provision_aws_core::terraform::text(attributes, "bucket").map(str::to_string)
    }

    /// A bucket has one setting of each kind, and writing it is idempotent: after a crash, the
    /// bucket's current setting is what the interrupted create left, and the next create writes it
    /// again whatever it is.
    fn identity(&self) -> IdentityStrategy {
        IdentityStrategy::Content
    }

    /// One `Get*` call per bucket: S3 has no batch read of bucket settings.
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
        for (id, prior) in objects {
            let bucket = get_str(prior, "bucket").unwrap_or(id);
            match S::get(c, bucket, prior).await {
                Ok(Some(a)) => {
                    out.insert(id.clone(), Self::with_ids(bucket, a));
                }
                Ok(None) => {}
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    async fn create(&self, _ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let bucket = need_str(desired, "bucket")?;
        self.write(bucket, desired).await
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
    ) -> Result<Attrs, ProviderError> {
        let bucket = get_str(desired, "bucket").unwrap_or(id);
        self.write(bucket, desired).await
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        let bucket = get_str(prior, "bucket").unwrap_or(id);
        gone_is_ok(S::remove(c, bucket, prior).await)
    }

    /// The bucket's current setting (one `Get*` call), adopted as it is; the plan that follows
    /// corrects it if it differs from the configuration.
    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let Some(bucket) = get_str(&query.desired, "bucket") else { return Ok(vec![]) };
        let c = self.ctx.clients().await?;
        match S::get(c, bucket, &query.desired).await {
            Ok(Some(a)) => Ok(vec![Found::ours(Self::with_ids(bucket, a))]),
            Ok(None) => Ok(vec![]),
            Err(e) if e.is_not_found() => Ok(vec![]),
            Err(e) => Err(e),
        }
    }
}

/// `Ok(None)` for a not-found answer about the setting itself (`NoSuchBucketPolicy`, ...), but an
/// error for a bucket that is gone (`NoSuchBucket`), so the resource disappears with its bucket.
pub(crate) fn absent_setting<T>(r: Result<T, ProviderError>) -> Result<Option<T>, ProviderError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() && e.code.as_deref() != Some("NoSuchBucket") => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {

    fn id(type_name: &str, json: &str) -> Result<String, String> {
        provision_aws_core::terraform::id_from_terraform(crate::types, type_name, json)
    }

    /// As Terraform 5.100 wrote them (against moto): an ACL's id carries the ACL, a setting with
    /// `expected_bucket_owner` carries the owner.
    const ACL: &str = r#"{"access_control_policy": [{"grant": [{"grantee": [{"display_name": "", "email_address": "", "id": "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a", "type": "CanonicalUser", "uri": ""}], "permission": "FULL_CONTROL"}], "owner": [{"display_name": "webfile", "id": "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"}]}], "acl": "private", "bucket": "extra-settings-bucket", "expected_bucket_owner": "", "id": "extra-settings-bucket,private"}"#;
    const VERSIONING: &str = r#"{"bucket": "extra-settings-bucket", "expected_bucket_owner": "123456789012", "id": "extra-settings-bucket,123456789012", "mfa": null, "versioning_configuration": [{"mfa_delete": "", "status": "Enabled"}]}"#;

    #[test]
    fn the_id_from_terraform_is_the_bucket() {
        assert_eq!(id("aws_s3_bucket_acl", ACL), Ok("extra-settings-bucket".into()));
        assert_eq!(id("aws_s3_bucket_versioning", VERSIONING), Ok("extra-settings-bucket".into()));
        assert_eq!(id("aws_s3_bucket_policy", r#"{"id": "b", "bucket": "b", "policy": "{}"}"#), Ok("b".into()));
        assert_eq!(
            id("aws_s3_bucket_versioning", r#"{"id": "b,123456789012"}"#),
            Err("its `bucket` attribute is missing or empty".into())
        );
    }
}
