//! Small helpers every ECS type shares: reading typed values out of attribute maps, building them
//! back, ECS tags to and from plain maps, tag changes by delta, and the idempotency token.

use aws_sdk_ecs::types::Tag;
use provision_aws_core::tags;
use provision_core::{Attrs, Identity, OpContext, ProviderError, ProviderErrorKind, Value};

pub(crate) fn s(v: Option<&str>) -> Value {
    v.map_or(Value::Null, |s| Value::String(s.to_string()))
}

pub(crate) fn n(v: Option<i32>) -> Value {
    v.map_or(Value::Null, |n| Value::Number(f64::from(n)))
}

pub(crate) fn get_str<'a>(attrs: &'a Attrs, name: &str) -> Option<&'a str> {
    attrs.get(name).and_then(Value::as_str)
}

pub(crate) fn get_string(attrs: &Attrs, name: &str) -> Option<String> {
    get_str(attrs, name).filter(|s| !s.is_empty()).map(str::to_string)
}

pub(crate) fn get_bool(attrs: &Attrs, name: &str) -> Option<bool> {
    attrs.get(name).and_then(Value::as_bool)
}

pub(crate) fn get_i32(attrs: &Attrs, name: &str) -> Option<i32> {
    attrs.get(name).and_then(Value::as_number).map(|n| n as i32)
}

/// The strings of a list or set attribute.
pub(crate) fn get_strings(attrs: &Attrs, name: &str) -> Vec<String> {
    attrs
        .get(name)
        .and_then(Value::as_seq)
        .map(|items| items.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default()
}

/// The items of a list or set block (each a map).
pub(crate) fn get_blocks<'a>(attrs: &'a Attrs, name: &str) -> Vec<&'a Attrs> {
    attrs
        .get(name)
        .and_then(Value::as_seq)
        .map(|items| items.iter().filter_map(Value::as_map).collect())
        .unwrap_or_default()
}

/// A single block (`Nesting::Single`): its map, if written.
pub(crate) fn get_block<'a>(attrs: &'a Attrs, name: &str) -> Option<&'a Attrs> {
    attrs.get(name).and_then(Value::as_map)
}

/// A required string the engine guarantees is set (schema `required`); an error otherwise.
pub(crate) fn need_str<'a>(attrs: &'a Attrs, name: &str) -> Result<&'a str, ProviderError> {
    get_str(attrs, name).ok_or_else(|| ProviderError::new(ProviderErrorKind::Invalid, format!("`{name}` must be set")))
}

pub(crate) fn string_set<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Value {
    Value::set(items.into_iter().map(|s| Value::String(s.into())).collect())
}

pub(crate) fn map(pairs: Vec<(&str, Value)>) -> Value {
    Value::Map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// `(key, value)` pairs of ECS tags.
pub(crate) fn pairs(tags: &[Tag]) -> impl Iterator<Item = (&str, &str)> {
    tags.iter().filter_map(|t| Some((t.key()?, t.value().unwrap_or_default())))
}

/// The tags to create an object with: provision's identity tags plus `tags_all`.
pub(crate) fn create_tags(identity: &Identity, tags_all: Option<&Value>) -> Vec<Tag> {
    tags::create_tags(identity, tags_all).into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

/// An object's tags without provision's system tags, as `tags_all`.
pub(crate) fn user_tags(tags: &[Tag]) -> Value {
    tags::user_tags(pairs(tags))
}

pub(crate) fn tagged_for(tags: &[Tag], identity: &Identity) -> bool {
    tags::tagged_for(pairs(tags), identity)
}

/// Brings an ECS object's tags from `prior` to `desired` (both `tags_all`), touching only what
/// changed and never provision's own tags.
pub(crate) async fn sync_tags(
    ecs: &aws_sdk_ecs::Client,
    arn: &str,
    prior: Option<&Value>,
    desired: Option<&Value>,
) -> Result<(), ProviderError> {
    let delta = tags::delta(prior, desired);
    if !delta.removed.is_empty() {
        ecs.untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(delta.removed))
            .send()
            .await
            .map_err(|e| crate::error::sdk("UntagResource", e))?;
    }
    if !delta.changed.is_empty() {
        let tags = delta.changed.into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
        ecs.tag_resource()
            .resource_arn(arn)
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(|e| crate::error::sdk("TagResource", e))?;
    }
    Ok(())
}

/// A stable idempotency token (32 hex characters, within ECS's 36) from the stack, the address and
/// the pending record's token: a retried create sends the same one.
pub(crate) fn client_token(ctx: &OpContext) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{}|{}|{}", ctx.identity.stack, ctx.identity.address, ctx.token));
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// The last part of an ARN (`arn:aws:ecs:r:1:cluster/main` → `main`).
pub(crate) fn arn_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

pub(crate) fn other(message: impl Into<String>) -> ProviderError {
    ProviderError::new(ProviderErrorKind::Other, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_names() {
        assert_eq!(arn_name("arn:aws:ecs:eu-west-1:1:cluster/main"), "main");
        assert_eq!(arn_name("main"), "main");
    }
}
