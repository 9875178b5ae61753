//! Small conversions between attribute maps and SDK values that every Secrets Manager type uses.

use aws_sdk_secretsmanager::types::Tag;
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

/// The strings of a list or set attribute.
pub(crate) fn get_strings(attrs: &Attrs, name: &str) -> Vec<String> {
    attrs
        .get(name)
        .and_then(Value::as_seq)
        .map(|items| items.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default()
}

pub(crate) fn string_set<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Value {
    Value::set(items.into_iter().map(|s| Value::String(s.into())).collect())
}

/// The recorded value of an argument AWS does not report (or `Null`).
pub(crate) fn kept(prior: &Attrs, name: &str) -> Value {
    prior.get(name).cloned().unwrap_or(Value::Null)
}

pub(crate) fn other(message: impl Into<String>) -> ProviderError {
    ProviderError::new(ProviderErrorKind::Other, message)
}

/// `(key, value)` pairs of Secrets Manager tags.
pub(crate) fn pairs(tags: &[Tag]) -> impl Iterator<Item = (&str, &str)> {
    tags.iter().filter_map(|t| Some((t.key()?, t.value().unwrap_or_default())))
}

/// The tags to create a secret with: provision's identity tags plus `tags_all`.
pub(crate) fn create_tags(identity: &Identity, tags_all: Option<&Value>) -> Vec<Tag> {
    tags::create_tags(identity, tags_all).into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}
