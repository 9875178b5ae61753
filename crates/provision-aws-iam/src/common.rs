//! What the IAM types share: attribute accessors, tags in IAM's shape, names generated from a
//! prefix (known before the create call, so recovery can read the object back by name), the
//! URL-decoding of the policy documents IAM returns, and the account-wide listing of roles that
//! makes a refresh of every role, inline policy and attachment of a stack one paginated call.

use crate::context::Clients;
use crate::error::sdk;
use aws_sdk_iam::types::{EntityType, RoleDetail, Tag};
use provision_aws_core::tags;
use provision_core::{Attrs, Identity, OpContext, ProviderError, ProviderErrorKind, Value};
use std::collections::BTreeMap;

pub(crate) fn s(v: Option<&str>) -> Value {
    v.filter(|s| !s.is_empty()).map_or(Value::Null, |s| Value::String(s.to_string()))
}

pub(crate) fn get_str<'a>(attrs: &'a Attrs, name: &str) -> Option<&'a str> {
    attrs.get(name).and_then(Value::as_str).filter(|s| !s.is_empty())
}

pub(crate) fn get_bool(attrs: &Attrs, name: &str) -> bool {
    attrs.get(name).and_then(Value::as_bool).unwrap_or(false)
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

/// A required string the engine guarantees is set; an error naming it otherwise.
pub(crate) fn need_str<'a>(attrs: &'a Attrs, name: &str) -> Result<&'a str, ProviderError> {
    get_str(attrs, name).ok_or_else(|| ProviderError::new(ProviderErrorKind::Invalid, format!("`{name}` must be set")))
}

pub(crate) fn string_set<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Value {
    Value::set(items.into_iter().map(|s| Value::String(s.into())).collect())
}

/// An AWS timestamp as RFC 3339, as Terraform records it.
pub(crate) fn date(d: Option<&aws_smithy_types::DateTime>) -> Value {
    d.and_then(|d| d.fmt(aws_smithy_types::date_time::Format::DateTime).ok()).map_or(Value::Null, Value::String)
}

/// `(key, value)` pairs of IAM tags.
pub(crate) fn pairs(tags: &[Tag]) -> impl Iterator<Item = (&str, &str)> {
    tags.iter().map(|t| (t.key(), t.value()))
}

pub(crate) fn user_tags(tags: &[Tag]) -> Value {
    tags::user_tags(pairs(tags))
}

fn tag(k: impl Into<String>, v: impl Into<String>) -> Result<Tag, ProviderError> {
    Tag::builder()
        .key(k)
        .value(v)
        .build()
        .map_err(|e| ProviderError::new(ProviderErrorKind::Invalid, format!("a tag: {e}")))
}

/// The tags to create an object with: provision's identity tags plus `tags_all`.
pub(crate) fn create_tags(identity: &Identity, tags_all: Option<&Value>) -> Result<Vec<Tag>, ProviderError> {
    tags::create_tags(identity, tags_all).into_iter().map(|(k, v)| tag(k, v)).collect()
}

/// The tags to add or change, and the keys to remove, to bring `tags_all` from `prior` to
/// `desired`.
pub(crate) fn tag_delta(prior: &Attrs, desired: &Attrs) -> Result<(Vec<Tag>, Vec<String>), ProviderError> {
    let d = tags::delta(prior.get("tags_all"), desired.get("tags_all"));
    let changed = d.changed.into_iter().map(|(k, v)| tag(k, v)).collect::<Result<Vec<_>, _>>()?;
    Ok((changed, d.removed))
}

/// The name of an object named by `name`, or by `name_prefix` (default `terraform-`) followed by
/// 26 characters of the pending create's token: the same for a retried create, known before the
/// call so the pending record can keep it.
pub(crate) fn generated_name(ctx: &OpContext, desired: &Attrs) -> String {
    if let Some(name) = get_str(desired, "name") {
        return name.to_string();
    }
    let prefix = get_str(desired, "name_prefix").unwrap_or("terraform-");
    let unique: String = ctx.token.chars().filter(char::is_ascii_alphanumeric).take(26).collect();
    format!("{prefix}{unique}")
}

/// `name` and `name_prefix` are exclusive.
pub(crate) fn name_or_prefix(a: &Attrs) -> Result<(), String> {
    let set = |k: &str| a.get(k).is_some_and(|v| !v.is_null());
    if set("name") && set("name_prefix") {
        return Err("`name` and `name_prefix` cannot both be set: `name_prefix` generates a unique name".into());
    }
    Ok(())
}

/// A policy document as IAM returns it: URL-encoded (RFC 3986). Documents that already parse as
/// JSON (emulators that do not encode) are returned as they are.
pub(crate) fn decode_document(doc: &str) -> String {
    if serde_json::from_str::<serde_json::Value>(doc).is_ok() {
        return doc.to_string();
    }
    let bytes = doc.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| doc.to_string())
}

/// The document read from AWS, in the spelling last recorded when both mean the same policy
/// (so formatting never shows as a change), otherwise in the canonical spelling the attribute's
/// normalizer gives a configured document.
pub(crate) fn document(read: Option<&str>, prior: Option<&Value>) -> Value {
    let Some(read) = read.map(decode_document) else { return Value::Null };
    match prior.and_then(Value::as_str) {
        Some(p) if crate::policy::equivalent(p, &read) => Value::String(p.to_string()),
        _ => crate::policy::normalize(&Value::String(read)),
    }
}

/// Every role of the account with its inline policies, attached policies, instance profiles and
/// tags: `GetAccountAuthorizationDetails` filtered to roles, all pages (1000 roles per call).
pub(crate) async fn role_details(c: &Clients) -> Result<BTreeMap<String, RoleDetail>, ProviderError> {
    let mut out = BTreeMap::new();
    let mut pages =
        c.iam.get_account_authorization_details().filter(EntityType::Role).max_items(1000).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| sdk("GetAccountAuthorizationDetails", e))?;
        for r in page.role_detail_list() {
            if let Some(name) = r.role_name() {
                out.insert(name.to_string(), r.clone());
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_url_decoded() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(decode_document(encoded), r#"{"Version":"2012-10-17","Statement":[]}"#);
        let plain = r#"{"a":"100%"}"#;
        assert_eq!(decode_document(plain), plain);
    }

    #[test]
    fn generated_names_come_from_the_token() {
        let address = "aws_iam_role.r".parse().expect("address");
        let ctx = OpContext::new(
            Identity { stack: "s".into(), address },
            "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
            std::time::Duration::from_secs(1),
        );
        let mut a = Attrs::new();
        a.insert("name_prefix".into(), "app-".into());
        assert_eq!(generated_name(&ctx, &a), "app-0f1e2d3c4b5a69788796a5b4c3");
        a.insert("name".into(), "fixed".into());
        assert_eq!(generated_name(&ctx, &a), "fixed");
        assert!(name_or_prefix(&a).is_err());
    }
}
