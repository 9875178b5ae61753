//! The `aws_cloudfront_cache_policy` data source: a cache policy by name (AWS's managed policies
//! such as `Managed-CachingOptimized`, or one of the account's) or by id, for a cache behavior's
//! `cache_policy_id`.
//!
//! `ListCachePolicies` lists managed and custom policies alike. When the service does not know the
//! managed policies (moto has no cache policy API at all), their ids come from AWS's documentation ("Use managed cache policies",
//! Amazon CloudFront Developer Guide), where they are fixed and the same in every account.

use crate::util::get_str;
use crate::{Context, sdk};
use async_trait::async_trait;
use aws_sdk_cloudfront::types::CachePolicy;
use provision_core::{AttributeSchema, Attrs, DataSourceType, ProviderError, ProviderErrorKind, Schema, Type, Value};
use std::sync::Arc;

/// Managed cache policies: name and id, as the Developer Guide gives them.
const MANAGED: &[(&str, &str)] = &[
    ("Managed-Amplify", "2e54312d-136d-493c-8eb9-b001f22f67d2"),
    ("Managed-CachingDisabled", "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"),
    ("Managed-CachingOptimized", "658327ea-f89d-4fab-a63d-7e88639e58f6"),
];

pub(crate) struct CachePolicyLookup {
    ctx: Arc<Context>,
    schema: Schema,
}

fn one_key(a: &Attrs) -> Result<(), String> {
    let set = |k: &str| a.get(k).is_some_and(|v| !v.is_null());
    if set("name") == set("id") {
        return Err("set exactly one of `name` and `id`".into());
    }
    Ok(())
}

impl CachePolicyLookup {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("A CloudFront cache policy, by name or id.")
            .attr(
                AttributeSchema::optional_computed("name", Type::String)
                    .describe("The policy's name, e.g. `Managed-CachingOptimized`."),
            )
            .attr(AttributeSchema::optional_computed("id", Type::String).describe("The policy's id."))
            .attr(AttributeSchema::computed("comment", Type::String).describe("The policy's comment."))
            .attr(AttributeSchema::computed("default_ttl", Type::Number).describe("The default TTL, in seconds."))
            .attr(AttributeSchema::computed("max_ttl", Type::Number).describe("The maximum TTL, in seconds."))
            .attr(AttributeSchema::computed("min_ttl", Type::Number).describe("The minimum TTL, in seconds."))
            .check(one_key);
        CachePolicyLookup { ctx, schema }
    }
}

fn attrs(p: &CachePolicy) -> Attrs {
    let cfg = p.cache_policy_config();
    let num = |v: Option<i64>| v.map_or(Value::Null, |n| Value::Number(n as f64));
    let mut a = Attrs::new();
    a.insert("id".into(), Value::String(p.id().to_string()));
    a.insert("name".into(), cfg.map_or(Value::Null, |c| Value::String(c.name().to_string())));
    a.insert("comment".into(), cfg.and_then(|c| c.comment()).map_or(Value::Null, |c| Value::String(c.to_string())));
    a.insert("default_ttl".into(), num(cfg.and_then(|c| c.default_ttl())));
    a.insert("max_ttl".into(), num(cfg.and_then(|c| c.max_ttl())));
    a.insert("min_ttl".into(), num(cfg.map(|c| c.min_ttl())));
    a
}

/// The documented managed policy of this name or id, when the service did not list it.
fn documented(name: Option<&str>, id: Option<&str>) -> Option<Attrs> {
    let (n, i) = MANAGED.iter().find(|(n, i)| Some(*n) == name || Some(*i) == id)?;
    let mut a = Attrs::new();
    a.insert("id".into(), Value::String(i.to_string()));
    a.insert("name".into(), Value::String(n.to_string()));
    for k in ["comment", "default_ttl", "max_ttl", "min_ttl"] {
        a.insert(k.into(), Value::Null);
    }
    Some(a)
}

#[async_trait]
impl DataSourceType for CachePolicyLookup {
    fn name(&self) -> &'static str {
        "aws_cloudfront_cache_policy"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, args: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let (name, id) = (get_str(args, "name"), get_str(args, "id"));
        let mut marker: Option<String> = None;
        loop {
            let out =
                c.cf.list_cache_policies()
                    .set_marker(marker.clone())
                    .max_items(100)
                    .send()
                    .await
                    .map_err(|e| sdk("ListCachePolicies", e));
            let out = match out {
                Ok(out) => out,
                // An emulator without the cache policy API still knows the documented managed
                // policies; AWS always answers.
                Err(e) => return documented(name, id).ok_or(e),
            };
            let Some(list) = out.cache_policy_list() else { break };
            for p in list.items().iter().filter_map(|s| s.cache_policy()) {
                let this_name = p.cache_policy_config().map(|c| c.name());
                if (name.is_some() && this_name == name) || Some(p.id()) == id {
                    return Ok(attrs(p));
                }
            }
            match list.next_marker().filter(|m| !m.is_empty()) {
                Some(m) if Some(m) != marker.as_deref() => marker = Some(m.to_string()),
                _ => break,
            }
        }
        documented(name, id).ok_or_else(|| {
            ProviderError::new(
                ProviderErrorKind::NotFound,
                format!("no CloudFront cache policy {}", name.or(id).unwrap_or_default()),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managed_policies_are_known_by_name_and_id() {
        let a = documented(Some("Managed-CachingOptimized"), None).expect("known");
        assert_eq!(a["id"], Value::String("658327ea-f89d-4fab-a63d-7e88639e58f6".into()));
        assert!(documented(None, Some("4135ea2d-6df8-44a3-9df3-4b5a84be39ad")).is_some());
        assert!(documented(Some("Managed-Nothing"), None).is_none());
        let mut both = Attrs::new();
        both.insert("name".into(), "x".into());
        both.insert("id".into(), "y".into());
        assert!(one_key(&both).is_err());
    }
}
