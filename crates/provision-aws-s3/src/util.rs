//! What the S3 types share: reading attribute values, the bucket's tags (S3 replaces a bucket's
//! whole tag set in one call, so provision's identity tags are always written with the user's),
//! and the items of Terraform's list blocks.

use crate::context::Clients;
use crate::error::on;
use aws_sdk_s3::types::{Tag, Tagging};
use provision_aws_core::tags;
use provision_core::{Attrs, Identity, ProviderError, ProviderErrorKind, Value};

pub(crate) fn s(v: Option<&str>) -> Value {
    v.map_or(Value::Null, |s| Value::String(s.to_string()))
}

pub(crate) fn get_str<'a>(attrs: &'a Attrs, name: &str) -> Option<&'a str> {
    attrs.get(name).and_then(Value::as_str)
}

/// A string argument that is set and not empty.
pub(crate) fn get_string(attrs: &Attrs, name: &str) -> Option<String> {
    get_str(attrs, name).filter(|s| !s.is_empty()).map(str::to_string)
}

pub(crate) fn get_bool(attrs: &Attrs, name: &str) -> Option<bool> {
    attrs.get(name).and_then(Value::as_bool)
}

pub(crate) fn get_i32(attrs: &Attrs, name: &str) -> Option<i32> {
    attrs.get(name).and_then(Value::as_number).map(|n| n as i32)
}

/// A required string the engine guarantees is set (schema `required`); an error otherwise.
pub(crate) fn need_str<'a>(attrs: &'a Attrs, name: &str) -> Result<&'a str, ProviderError> {
    get_str(attrs, name).ok_or_else(|| ProviderError::new(ProviderErrorKind::Invalid, format!("`{name}` must be set")))
}

/// The items of a block (a list or set of objects).
pub(crate) fn items<'a>(attrs: &'a Attrs, name: &str) -> Vec<&'a Attrs> {
    attrs.get(name).and_then(Value::as_seq).unwrap_or_default().iter().filter_map(Value::as_map).collect()
}

/// The first item of a block that holds at most one (Terraform's `max_items = 1` list blocks).
pub(crate) fn one<'a>(attrs: &'a Attrs, name: &str) -> Option<&'a Attrs> {
    items(attrs, name).into_iter().next()
}

/// A one-item list block with these attributes.
pub(crate) fn block(item: Attrs) -> Value {
    Value::List(vec![Value::Map(item)])
}

/// The strings of a list or set attribute.
pub(crate) fn get_strings(attrs: &Attrs, name: &str) -> Vec<String> {
    attrs
        .get(name)
        .and_then(Value::as_seq)
        .map(|items| items.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default()
}

/// Every tag of a bucket (system tags included); a bucket without tags has none (S3 answers
/// `NoSuchTagSet`).
pub(crate) async fn bucket_tags(c: &Clients, bucket: &str) -> Result<Vec<(String, String)>, ProviderError> {
    match c.s3.get_bucket_tagging().bucket(bucket).send().await {
        Ok(out) => Ok(out.tag_set().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect()),
        Err(e) => {
            let e = on("GetBucketTagging", bucket, e);
            if e.code.as_deref() == Some("NoSuchTagSet") { Ok(vec![]) } else { Err(e) }
        }
    }
}

/// The S3 tags for these pairs.
pub(crate) fn tag_list(pairs: impl IntoIterator<Item = (String, String)>) -> Result<Vec<Tag>, ProviderError> {
    pairs
        .into_iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| ProviderError::new(ProviderErrorKind::Invalid, format!("tag: {e}")))
        })
        .collect()
}

/// Writes a bucket's whole tag set: provision's identity tags and `tags_all`.
pub(crate) async fn put_bucket_tags(
    c: &Clients,
    bucket: &str,
    identity: &Identity,
    tags_all: Option<&Value>,
) -> Result<(), ProviderError> {
    let tagging = Tagging::builder()
        .set_tag_set(Some(tag_list(tags::create_tags(identity, tags_all))?))
        .build()
        .map_err(|e| ProviderError::new(ProviderErrorKind::Invalid, format!("bucket {bucket}: tags: {e}")))?;
    c.s3.put_bucket_tagging()
        .bucket(bucket)
        .tagging(tagging)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| on("PutBucketTagging", bucket, e))
}

/// Tags as `(key, value)` borrowed pairs.
pub(crate) fn pairs(tags: &[(String, String)]) -> impl Iterator<Item = (&str, &str)> {
    tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))
}
