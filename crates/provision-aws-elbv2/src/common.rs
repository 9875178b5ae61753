//! What the ELBv2 types share: reading arguments out of attribute maps, tags (in the create call,
//! by delta on update, many objects per `DescribeTags`), generated names, and the ARN suffixes
//! CloudWatch and the network interfaces use.

use crate::context::Clients;
use crate::error::sdk;
use aws_sdk_elasticloadbalancingv2::types::Tag;
use provision_aws_core::tags;
use provision_core::{Attrs, Identity, ProviderError, Value};
use std::collections::BTreeMap;

/// How many ARNs `DescribeTags` (and the other describes) take per call.
pub(crate) const PAGE: usize = 20;

pub(crate) fn get_str<'a>(a: &'a Attrs, k: &str) -> Option<&'a str> {
    a.get(k).and_then(Value::as_str)
}

pub(crate) fn get_bool(a: &Attrs, k: &str) -> Option<bool> {
    a.get(k).and_then(Value::as_bool)
}

pub(crate) fn get_num(a: &Attrs, k: &str) -> Option<f64> {
    a.get(k).and_then(Value::as_number)
}

pub(crate) fn get_i32(a: &Attrs, k: &str) -> Option<i32> {
    get_num(a, k).map(|n| n as i32)
}

/// The strings of a list or set value.
pub(crate) fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_seq).unwrap_or_default().iter().filter_map(|x| x.as_str().map(str::to_string)).collect()
}

/// The first object of a list block (`health_check { ... }`), if written.
pub(crate) fn first_block<'a>(a: &'a Attrs, k: &str) -> Option<&'a BTreeMap<String, Value>> {
    a.get(k).and_then(Value::as_seq).and_then(|s| s.first()).and_then(Value::as_map)
}

pub(crate) fn s(v: Option<&str>) -> Value {
    v.map_or(Value::Null, |x| Value::String(x.to_string()))
}

pub(crate) fn string_set<'a>(items: impl IntoIterator<Item = &'a str>) -> Value {
    Value::set(items.into_iter().map(|x| Value::String(x.to_string())).collect())
}

pub(crate) fn map(pairs: Vec<(&str, Value)>) -> Value {
    Value::Map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// The tags to create an object with: provision's identity tags plus `tags_all`.
pub(crate) fn create_tags(identity: &Identity, tags_all: Option<&Value>) -> Vec<Tag> {
    tags::create_tags(identity, tags_all).into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

fn pairs(t: &[Tag]) -> impl Iterator<Item = (&str, &str)> {
    t.iter().filter_map(|t| Some((t.key()?, t.value().unwrap_or_default())))
}

/// An object's tags without provision's system tags, as `tags_all`.
pub(crate) fn user_tags(t: &[Tag]) -> Value {
    tags::user_tags(pairs(t))
}

pub(crate) fn tagged_for(t: &[Tag], identity: &Identity) -> bool {
    tags::tagged_for(pairs(t), identity)
}

/// Every tag of each ARN, [`PAGE`] ARNs per `DescribeTags` call. An ARN AWS does not know is
/// absent (moto blanks it; AWS fails the call, which is then retried one ARN at a time).
pub(crate) async fn tags_of(c: &Clients, arns: &[String]) -> Result<BTreeMap<String, Vec<Tag>>, ProviderError> {
    let mut out = BTreeMap::new();
    for chunk in arns.chunks(PAGE) {
        match c.elb.describe_tags().set_resource_arns(Some(chunk.to_vec())).send().await {
            Ok(r) => {
                for d in r.tag_descriptions() {
                    if let Some(arn) = d.resource_arn() {
                        out.insert(arn.to_string(), d.tags().to_vec());
                    }
                }
            }
            Err(e) => {
                let e = sdk("DescribeTags", e);
                if !e.is_not_found() || chunk.len() == 1 {
                    if e.is_not_found() {
                        continue;
                    }
                    return Err(e);
                }
                for arn in chunk {
                    match c.elb.describe_tags().resource_arns(arn).send().await {
                        Ok(r) => {
                            for d in r.tag_descriptions() {
                                out.insert(arn.clone(), d.tags().to_vec());
                            }
                        }
                        Err(e) => {
                            let e = sdk("DescribeTags", e);
                            if !e.is_not_found() {
                                return Err(e);
                            }
                        }
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Brings an object's tags from `prior` to `desired` (both `tags_all`), never touching
/// provision's own tags.
pub(crate) async fn sync_tags(
    c: &Clients,
    arn: &str,
    prior: Option<&Value>,
    desired: Option<&Value>,
) -> Result<(), ProviderError> {
    let d = tags::delta(prior, desired);
    if !d.removed.is_empty() {
        c.elb
            .remove_tags()
            .resource_arns(arn)
            .set_tag_keys(Some(d.removed.clone()))
            .send()
            .await
            .map_err(|e| sdk("RemoveTags", e))?;
    }
    if !d.changed.is_empty() {
        let t = d.changed.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
        c.elb.add_tags().resource_arns(arn).set_tags(Some(t)).send().await.map_err(|e| sdk("AddTags", e))?;
    }
    Ok(())
}

/// Hex characters derived from the stack, the address and the pending create's token: the same
/// for a retried create, so a generated name does not change between attempts.
pub(crate) fn token_hex(ctx: &provision_core::OpContext) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{}|{}|{}", ctx.identity.stack, ctx.identity.address, ctx.token));
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The name to create with: `name`, or `name_prefix` (else `fallback`) followed by characters
/// of the token, `max` characters in all (load balancers and target groups: 32).
pub(crate) fn generated_name(ctx: &provision_core::OpContext, desired: &Attrs, fallback: &str, max: usize) -> String {
    if let Some(n) = get_str(desired, "name") {
        return n.to_string();
    }
    let prefix = get_str(desired, "name_prefix").unwrap_or(fallback);
    let hex = token_hex(ctx);
    let room = max.saturating_sub(prefix.len()).min(hex.len());
    format!("{prefix}{}", &hex[..room])
}

/// The part of an ELBv2 ARN after `loadbalancer/` or `targetgroup/`... (`app/web/50dc6c495c0c9188`),
/// as CloudWatch dimensions and the network interfaces' descriptions use it.
pub(crate) fn arn_suffix(arn: &str) -> String {
    let resource = arn.splitn(6, ':').nth(5).unwrap_or_default();
    match resource.split_once('/') {
        Some(("loadbalancer", rest)) => rest.to_string(),
        _ => resource.to_string(),
    }
}

/// `name` and `name_prefix` together are an error (a check of the schema).
pub(crate) fn name_or_prefix(a: &Attrs) -> Result<(), String> {
    let set = |k: &str| a.get(k).is_some_and(|v| !v.is_null());
    if set("name") && set("name_prefix") {
        return Err("set `name` or `name_prefix`, not both".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_suffixes() {
        assert_eq!(
            arn_suffix("arn:aws:elasticloadbalancing:eu-west-1:123:loadbalancer/app/web/50dc6c495c0c9188"),
            "app/web/50dc6c495c0c9188"
        );
        assert_eq!(
            arn_suffix("arn:aws:elasticloadbalancing:eu-west-1:123:targetgroup/api/6d0ecf831eec9f09"),
            "targetgroup/api/6d0ecf831eec9f09"
        );
    }

    #[test]
    fn generated_names_fit_and_are_stable() {
        let address = "aws_lb.web".parse().expect("address");
        let ctx = provision_core::OpContext::new(
            Identity { stack: "s".into(), address },
            "t-1",
            std::time::Duration::from_secs(1),
        );
        let mut a = Attrs::new();
        a.insert("name_prefix".into(), "web-".into());
        let n = generated_name(&ctx, &a, "tf-lb-", 32);
        assert_eq!(n.len(), 32);
        assert!(n.starts_with("web-"));
        assert_eq!(n, generated_name(&ctx, &a, "tf-lb-", 32));
        a.insert("name".into(), "fixed".into());
        assert_eq!(generated_name(&ctx, &a, "tf-lb-", 32), "fixed");
    }
}
