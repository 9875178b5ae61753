//! EC2 resources, and what they share: tagging on create, tag updates by delta, and the adapter
//! for tagged object types (`object.rs`: batched reads, finds by tag, reads of one object by id).

/// Every item of a paginated EC2 `Describe*` call with the given filters, as many per page as the
/// API allows: `describe_all!(c.ec2.describe_vpcs(), filters, vpcs, "DescribeVpcs")`. The long form
/// names the filter setter and the page size for APIs that differ (`set_filter`, 100 per page).
macro_rules! describe_all {
    ($request:expr, $filters:expr, $items:ident, $op:literal) => {
        describe_all!($request, set_filters, $filters, 1000, $items, $op)
    };
    ($request:expr, $setter:ident, $filters:expr, $max:expr, $items:ident, $op:literal) => {{
        let mut out = vec![];
        let mut pages = $request.$setter(Some($filters)).max_results($max).into_paginator().send();
        while let Some(page) = pages.next().await {
            out.extend(page.map_err(|e| crate::error::sdk($op, e))?.$items().iter().cloned());
        }
        Ok(out)
    }};
}

pub(crate) mod eip;
pub(crate) mod internet_gateway;
pub(crate) mod nat_gateway;
pub(crate) mod object;
pub(crate) mod route;
pub(crate) mod route_table;
pub(crate) mod route_table_association;
pub(crate) mod security_group;
pub(crate) mod security_group_rule;
pub(crate) mod sg_rules;
pub(crate) mod subnet;
pub(crate) mod vpc;
pub(crate) mod vpc_security_group_rule;

use crate::error::sdk;
use crate::retry::{Policy, nothing, retry};
use aws_sdk_ec2::types::{Filter, ResourceType as Ec2Type, Tag, TagSpecification};
use provision_aws_core::tags;
use provision_core::{Attrs, Identity, ProviderError, Value};
use std::future::Future;

pub(crate) fn filter(name: &str, values: impl IntoIterator<Item = impl Into<String>>) -> Filter {
    Filter::builder().name(name).set_values(Some(values.into_iter().map(Into::into).collect())).build()
}

pub(crate) fn stack_filter(stack: &str) -> Filter {
    filter(&format!("tag:{}", provision_core::tags::STACK), [stack])
}

/// `(key, value)` pairs of EC2 tags, for the map-based helpers of `provision_aws_core::tags`.
fn pairs(tags: &[Tag]) -> impl Iterator<Item = (&str, &str)> {
    tags.iter().filter_map(|t| Some((t.key()?, t.value().unwrap_or_default())))
}

/// True when an object's tags say it was created for exactly this address (see
/// [`tags::tagged_for`]).
pub(crate) fn tagged_for(tags: &[Tag], identity: &Identity) -> bool {
    tags::tagged_for(pairs(tags), identity)
}

/// The tags to create an object with: provision's identity tags plus `tags_all`.
pub(crate) fn tag_spec(kind: Ec2Type, identity: &Identity, tags_all: Option<&Value>) -> TagSpecification {
    let mut spec = TagSpecification::builder().resource_type(kind);
    for (k, v) in tags::create_tags(identity, tags_all) {
        spec = spec.tags(Tag::builder().key(k).value(v).build());
    }
    spec.build()
}

/// An object's tags without provision's system tags, as `tags_all`.
pub(crate) fn user_tags(tags: &[Tag]) -> Value {
    tags::user_tags(pairs(tags))
}

/// Brings an object's tags from `prior` to `desired` (both `tags_all`), touching only what
/// changed and never provision's own tags.
pub(crate) async fn sync_tags(
    ec2: &aws_sdk_ec2::Client,
    id: &str,
    prior: Option<&Value>,
    desired: Option<&Value>,
) -> Result<(), ProviderError> {
    let delta = tags::delta(prior, desired);
    if !delta.removed.is_empty() {
        let mut req = ec2.delete_tags().resources(id);
        for k in delta.removed {
            req = req.tags(Tag::builder().key(k).build());
        }
        req.send().await.map_err(|e| sdk("DeleteTags", e))?;
    }
    if !delta.changed.is_empty() {
        let mut req = ec2.create_tags().resources(id);
        for (k, v) in delta.changed {
            req = req.tags(Tag::builder().key(k).value(v).build());
        }
        req.send().await.map_err(|e| sdk("CreateTags", e))?;
    }
    Ok(())
}

/// The object `fetch` finds, waiting while it is not visible yet (AWS is eventually consistent
/// right after a create or change): `None` from `fetch` is retried under [`Policy::NEW_OBJECT`]
/// and, when time runs out, is "`{what} {id}` not found".
pub(crate) async fn visible<T, F, Fut>(what: &str, id: &str, fetch: F) -> Result<T, ProviderError>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<Option<T>, ProviderError>>,
{
    let not_found =
        || ProviderError::new(provision_core::ProviderErrorKind::NotFound, format!("{what} {id} not found"));
    provision_aws_core::waiting(retry(Policy::NEW_OBJECT, || async { fetch().await?.ok_or_else(not_found) }, nothing))
        .await
}

pub(crate) fn s(v: Option<&str>) -> Value {
    v.map_or(Value::Null, |s| Value::String(s.to_string()))
}

pub(crate) fn get_str<'a>(attrs: &'a Attrs, name: &str) -> Option<&'a str> {
    attrs.get(name).and_then(Value::as_str)
}

pub(crate) fn get_bool(attrs: &Attrs, name: &str) -> Option<bool> {
    attrs.get(name).and_then(Value::as_bool)
}

pub(crate) fn get_string(attrs: &Attrs, name: &str) -> Option<String> {
    get_str(attrs, name).filter(|s| !s.is_empty()).map(str::to_string)
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

/// A required string the engine guarantees is set (schema `required`); an error otherwise.
pub(crate) fn need_str<'a>(attrs: &'a Attrs, name: &str) -> Result<&'a str, ProviderError> {
    get_str(attrs, name)
        .ok_or_else(|| ProviderError::new(provision_core::ProviderErrorKind::Invalid, format!("`{name}` must be set")))
}

/// A set of strings as a value.
pub(crate) fn string_set<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Value {
    Value::set(items.into_iter().map(|s| Value::String(s.into())).collect())
}

/// A short, stable idempotency token for AWS `ClientToken` parameters (at most 64 characters),
/// derived from the stack, the address and the pending record's token: the same pending create
/// always sends the same token, so a retried call returns the first object instead of a second.
pub(crate) fn client_token(ctx: &provision_core::OpContext) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{}|{}|{}", ctx.identity.stack, ctx.identity.address, ctx.token));
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use provision_core::{Identity, OpContext};

    fn ctx(token: &str) -> OpContext {
        let address = "aws_nat_gateway.main[0]".parse().expect("address");
        OpContext::new(Identity { stack: "stack-1".into(), address }, token, std::time::Duration::from_secs(60))
    }

    #[test]
    fn client_tokens_are_stable_per_pending_record_and_short() {
        assert_eq!(client_token(&ctx("t-1")), client_token(&ctx("t-1")));
        assert_ne!(client_token(&ctx("t-1")), client_token(&ctx("t-2")));
        assert!(client_token(&ctx("t-1")).len() <= 64);
    }
}
