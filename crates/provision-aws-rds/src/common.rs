//! What the RDS types share: reading arguments, tags on create and by delta (RDS tags by ARN),
//! generated names (`name_prefix`, `identifier_prefix`) that a retried create reproduces, the
//! plan-time checks of RDS names, and the wait for an instance or cluster status.

use crate::context::Clients;
use crate::error::sdk;
use aws_sdk_rds::types::Tag;
use provision_aws_core::tags;
use provision_core::{Attrs, Identity, OpContext, ProviderError, ProviderErrorKind, Value};

pub(crate) fn s(v: Option<&str>) -> Value {
    v.map_or(Value::Null, |s| Value::String(s.to_string()))
}

pub(crate) fn n(v: Option<i32>) -> Value {
    v.map_or(Value::Null, |n| Value::Number(f64::from(n)))
}

pub(crate) fn b(v: Option<bool>, default: bool) -> Value {
    Value::Bool(v.unwrap_or(default))
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

pub(crate) fn get_f64(attrs: &Attrs, name: &str) -> Option<f64> {
    attrs.get(name).and_then(Value::as_number)
}

/// The strings of a list or set attribute.
pub(crate) fn get_strings(attrs: &Attrs, name: &str) -> Vec<String> {
    attrs
        .get(name)
        .and_then(Value::as_seq)
        .map(|items| items.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default()
}

/// A set of strings as a value.
pub(crate) fn string_set<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Value {
    Value::set(items.into_iter().map(|s| Value::String(s.into())).collect())
}

/// True when an argument differs between two attribute maps (by meaning: sets in any order).
pub(crate) fn changed(prior: &Attrs, desired: &Attrs, name: &str) -> bool {
    let null = Value::Null;
    !prior.get(name).unwrap_or(&null).same_as(desired.get(name).unwrap_or(&null))
}

pub(crate) fn invalid(message: impl Into<String>) -> ProviderError {
    ProviderError::new(ProviderErrorKind::Invalid, message)
}

pub(crate) fn other(message: impl Into<String>) -> ProviderError {
    ProviderError::new(ProviderErrorKind::Other, message)
}

/// A short, stable suffix for generated names, derived from the stack, the address and the pending
/// record's token: a retried create generates the same name, so it finds its first object instead
/// of making a second. Lowercase hexadecimal, valid in every RDS identifier.
pub(crate) fn unique_suffix(ctx: &OpContext) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{}|{}|{}", ctx.identity.stack, ctx.identity.address, ctx.token));
    digest.iter().take(10).map(|b| format!("{b:02x}")).collect()
}

/// The name `create` gives the object: `name` (`name_key`) when set, else `prefix_key` (or
/// `default_prefix`) followed by [`unique_suffix`].
pub(crate) fn generated_name(
    ctx: &OpContext,
    desired: &Attrs,
    name_key: &str,
    prefix_key: &str,
    default_prefix: &str,
) -> String {
    match get_string(desired, name_key) {
        Some(n) => n,
        None => format!(
            "{}{}",
            get_string(desired, prefix_key).unwrap_or_else(|| default_prefix.to_string()),
            unique_suffix(ctx)
        ),
    }
}

/// The tags to create an object with: provision's identity tags plus `tags_all`.
pub(crate) fn create_tags(identity: &Identity, tags_all: Option<&Value>) -> Vec<Tag> {
    tags::create_tags(identity, tags_all).into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

/// `(key, value)` pairs of RDS tags, for the map-based helpers of `provision_aws_core::tags`.
pub(crate) fn pairs(tags: &[Tag]) -> impl Iterator<Item = (&str, &str)> {
    tags.iter().filter_map(|t| Some((t.key()?, t.value().unwrap_or_default())))
}

/// An object's tags without provision's system tags, as `tags_all`.
pub(crate) fn user_tags(tags: &[Tag]) -> Value {
    tags::user_tags(pairs(tags))
}

/// Every tag of the object with this ARN (one `ListTagsForResource` call).
pub(crate) async fn list_tags(c: &Clients, arn: &str) -> Result<Vec<Tag>, ProviderError> {
    let out =
        c.rds.list_tags_for_resource().resource_name(arn).send().await.map_err(|e| sdk("ListTagsForResource", e))?;
    Ok(out.tag_list().to_vec())
}

/// Brings an object's tags from `prior` to `desired` (both `tags_all`), touching only what
/// changed and never provision's own tags.
pub(crate) async fn sync_tags(
    c: &Clients,
    arn: &str,
    prior: Option<&Value>,
    desired: Option<&Value>,
) -> Result<(), ProviderError> {
    let delta = tags::delta(prior, desired);
    if !delta.removed.is_empty() {
        c.rds
            .remove_tags_from_resource()
            .resource_name(arn)
            .set_tag_keys(Some(delta.removed))
            .send()
            .await
            .map_err(|e| sdk("RemoveTagsFromResource", e))?;
    }
    if !delta.changed.is_empty() {
        let tags = delta.changed.into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
        c.rds
            .add_tags_to_resource()
            .resource_name(arn)
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(|e| sdk("AddTagsToResource", e))?;
    }
    Ok(())
}

/// Plan-time checks of RDS names.
pub(crate) mod validate {
    use provision_core::Value;

    /// An instance or cluster identifier: 1–63 lowercase letters, digits and hyphens, starting with
    /// a letter, no two consecutive hyphens, not ending with one.
    pub(crate) fn identifier(v: &Value) -> Result<(), String> {
        let Some(s) = v.as_str() else { return Ok(()) };
        check_identifier(s, 63, false)
    }

    /// An identifier prefix: the same rules, at most 43 characters (20 are appended), may end with
    /// a hyphen.
    pub(crate) fn identifier_prefix(v: &Value) -> Result<(), String> {
        let Some(s) = v.as_str() else { return Ok(()) };
        check_identifier(s, 43, true)
    }

    fn check_identifier(s: &str, max: usize, prefix: bool) -> Result<(), String> {
        if s.is_empty() || s.len() > max {
            return Err(format!("\"{s}\" must be 1 to {max} characters long"));
        }
        if !s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
            return Err(format!("\"{s}\" may only contain lowercase letters, digits and hyphens"));
        }
        if !s.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Err(format!("\"{s}\" must start with a lowercase letter"));
        }
        if s.contains("--") || (!prefix && s.ends_with('-')) {
            return Err(format!("\"{s}\" may not contain two consecutive hyphens or end with a hyphen"));
        }
        Ok(())
    }

    /// A subnet or parameter group name: at most 255 characters; letters, digits, periods,
    /// underscores, spaces and hyphens (AWS stores it in lowercase).
    pub(crate) fn group_name(v: &Value) -> Result<(), String> {
        let Some(s) = v.as_str() else { return Ok(()) };
        if s.is_empty() || s.len() > 255 {
            return Err(format!("\"{s}\" must be 1 to 255 characters long"));
        }
        if s.eq_ignore_ascii_case("default") {
            return Err("\"default\" is reserved by AWS".into());
        }
        if !s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ' ' | '-')) {
            return Err(format!("\"{s}\" may only contain letters, digits, periods, underscores, spaces and hyphens"));
        }
        if s.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(format!("\"{s}\": use lowercase letters only (AWS stores the name in lowercase)"));
        }
        Ok(())
    }

    /// A parameter's `apply_method`.
    pub(crate) fn apply_method(v: &Value) -> Result<(), String> {
        provision_aws_core::validate::one_of(v, &["immediate", "pending-reboot"], "apply_method")
    }

    /// A weekly window such as `sun:05:00-sun:06:00`, or a daily one such as `03:00-04:00`.
    pub(crate) fn window(v: &Value) -> Result<(), String> {
        let Some(s) = v.as_str() else { return Ok(()) };
        let ok_time = |t: &str| {
            let (h, m) = t.split_once(':').unwrap_or(("x", "x"));
            matches!((h.parse::<u8>(), m.parse::<u8>()), (Ok(h), Ok(m)) if h < 24 && m < 60 && t.len() == 5)
        };
        let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let ok_end = |e: &str| match e.split_once(':') {
            Some((d, t)) if days.contains(&d.to_ascii_lowercase().as_str()) => ok_time(t),
            _ => ok_time(e),
        };
        match s.split_once('-') {
            Some((a, z)) if ok_end(a) && ok_end(z) => Ok(()),
            _ => Err(format!("\"{s}\" is not a window such as \"sun:05:00-sun:06:00\" or \"03:00-04:00\" (UTC)")),
        }
    }

    /// A number of days from 0 to 35 (backup retention).
    pub(crate) fn retention(v: &Value) -> Result<(), String> {
        match v.as_number() {
            Some(n) if !(0.0..=35.0).contains(&n) || n.fract() != 0.0 => {
                Err(format!("{n} is not a number of days from 0 to 35"))
            }
            _ => Ok(()),
        }
    }
}

/// True when both a name and its prefix are set and the name was not generated from the prefix:
/// the check runs again at apply, when a generated name is known and recorded.
pub(crate) fn both_set(a: &Attrs, name: &str, prefix: &str) -> bool {
    let text = |k: &str| a.get(k).filter(|v| !v.is_null());
    match (text(name), text(prefix)) {
        (Some(n), Some(p)) => match (n.as_str(), p.as_str()) {
            (Some(n), Some(p)) => !n.starts_with(p),
            _ => !n.is_unknown() || !p.is_unknown(),
        },
        _ => false,
    }
}

/// Lowercases a window (`Sun:05:00-Sun:06:00` reads back as `sun:05:00-sun:06:00`).
pub(crate) fn lowercase(v: &Value) -> Value {
    match v.as_str() {
        Some(s) => Value::String(s.to_ascii_lowercase()),
        None => v.clone(),
    }
}

/// The object `fetch` finds, waiting while it is not visible yet (RDS is eventually consistent
/// right after a create): `None` from `fetch` is retried under [`Policy::NEW_OBJECT`] and, when
/// time runs out, is "`{what} {id}` not found".
///
/// [`Policy::NEW_OBJECT`]: provision_aws_core::retry::Policy::NEW_OBJECT
pub(crate) async fn visible<T, F, Fut>(what: &str, id: &str, fetch: F) -> Result<T, ProviderError>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<Option<T>, ProviderError>>,
{
    use provision_aws_core::retry::{Policy, nothing, retry};
    let not_found = || ProviderError::new(ProviderErrorKind::NotFound, format!("{what} {id} not found"));
    retry(Policy::NEW_OBJECT, || async { fetch().await?.ok_or_else(not_found) }, nothing).await
}

/// Every DB instance of the region (one call per 100 instances).
pub(crate) async fn all_instances(c: &Clients) -> Result<Vec<aws_sdk_rds::types::DbInstance>, ProviderError> {
    let mut out = vec![];
    let mut pages = c.rds.describe_db_instances().max_records(100).into_paginator().send();
    while let Some(page) = pages.next().await {
        out.extend(page.map_err(|e| sdk("DescribeDBInstances", e))?.db_instances().iter().cloned());
    }
    Ok(out)
}

/// Every DB cluster of the region (one call per 100 clusters).
pub(crate) async fn all_clusters(c: &Clients) -> Result<Vec<aws_sdk_rds::types::DbCluster>, ProviderError> {
    let mut out = vec![];
    let mut pages = c.rds.describe_db_clusters().max_records(100).into_paginator().send();
    while let Some(page) = pages.next().await {
        out.extend(page.map_err(|e| sdk("DescribeDBClusters", e))?.db_clusters().iter().cloned());
    }
    Ok(out)
}

/// The instances and clusters placed in a subnet group, for the message of a delete AWS refuses.
pub(crate) async fn users_of_subnet_group(c: &Clients, name: &str) -> Option<String> {
    let mut users = vec![];
    for i in all_instances(c).await.ok()? {
        if i.db_subnet_group().and_then(|g| g.db_subnet_group_name()) == Some(name) {
            users.push(format!("DB instance {}", i.db_instance_identifier().unwrap_or("?")));
        }
    }
    for cl in all_clusters(c).await.ok()? {
        if cl.db_subnet_group() == Some(name) {
            users.push(format!("DB cluster {}", cl.db_cluster_identifier().unwrap_or("?")));
        }
    }
    (!users.is_empty()).then(|| users.join(", "))
}

/// Prefixes an error's message with the object it concerns ("DB instance main: ...").
pub(crate) fn about(what: &str, id: &str) -> impl Fn(ProviderError) -> ProviderError {
    let prefix = format!("{what} {id}: ");
    move |e| {
        if e.message.starts_with(&prefix) {
            e
        } else {
            ProviderError { message: format!("{prefix}{}", e.message), ..e }
        }
    }
}

/// The log types an engine can export to CloudWatch Logs (`enabled_cloudwatch_logs_exports`).
pub(crate) const LOG_EXPORTS: &[&str] =
    &["audit", "error", "general", "slowquery", "postgresql", "upgrade", "iam-db-auth-error", "instance"];

/// Checks `enabled_cloudwatch_logs_exports`: each entry one of [`LOG_EXPORTS`].
pub(crate) fn log_exports(v: &Value) -> Result<(), String> {
    for item in v.as_seq().unwrap_or_default() {
        if let Some(s) = item.as_str()
            && !LOG_EXPORTS.contains(&s)
        {
            return Err(format!("`{s}` is not a log type RDS exports (one of: {})", LOG_EXPORTS.join(", ")));
        }
    }
    Ok(())
}

/// `enabled_cloudwatch_logs_exports` for a create call: none when the list is empty.
pub(crate) fn log_exports_to_create(desired: &Attrs) -> Option<Vec<String>> {
    Some(get_strings(desired, "enabled_cloudwatch_logs_exports")).filter(|v| !v.is_empty())
}

/// What a `CloudwatchLogsExportConfiguration` must enable and disable to go from `prior`'s
/// `enabled_cloudwatch_logs_exports` to `desired`'s; `None` when they are the same.
pub(crate) fn log_exports_change(
    prior: &Attrs,
    desired: &Attrs,
) -> Option<aws_sdk_rds::types::CloudwatchLogsExportConfiguration> {
    let before = get_strings(prior, "enabled_cloudwatch_logs_exports");
    let after = get_strings(desired, "enabled_cloudwatch_logs_exports");
    let enable: Vec<String> = after.iter().filter(|t| !before.contains(t)).cloned().collect();
    let disable: Vec<String> = before.iter().filter(|t| !after.contains(t)).cloned().collect();
    (!enable.is_empty() || !disable.is_empty()).then(|| {
        aws_sdk_rds::types::CloudwatchLogsExportConfiguration::builder()
            .set_enable_log_types(Some(enable))
            .set_disable_log_types(Some(disable))
            .build()
    })
}

#[cfg(test)]
mod tests {
    use super::validate::*;
    use super::*;

    #[test]
    fn identifiers() {
        assert!(identifier(&"main-db".into()).is_ok());
        assert!(identifier(&"Main".into()).expect_err("upper").contains("lowercase"));
        assert!(identifier(&"1db".into()).is_err());
        assert!(identifier(&"db--x".into()).is_err());
        assert!(identifier(&"db-".into()).is_err());
        assert!(identifier_prefix(&"db-".into()).is_ok());
        assert!(identifier(&Value::String("a".repeat(64))).is_err());
    }

    #[test]
    fn group_names_and_windows() {
        assert!(group_name(&"main db_1.x".into()).is_ok());
        assert!(group_name(&"default".into()).is_err());
        assert!(group_name(&"Main".into()).is_err());
        assert!(window(&"sun:05:00-sun:06:00".into()).is_ok());
        assert!(window(&"03:00-04:00".into()).is_ok());
        assert!(window(&"sun:25:00-sun:26:00".into()).is_err());
        assert!(window(&"nightly".into()).is_err());
        assert!(retention(&Value::Number(7.0)).is_ok());
        assert!(retention(&Value::Number(36.0)).is_err());
        assert!(apply_method(&"pending-reboot".into()).is_ok());
        assert!(apply_method(&"later".into()).is_err());
    }

    #[test]
    fn generated_names_are_stable_per_pending_record() {
        let address = "aws_db_instance.main".parse().expect("address");
        let ctx = |t: &str| {
            OpContext::new(
                Identity { stack: "s".into(), address: Clone::clone(&address) },
                t,
                std::time::Duration::from_secs(1),
            )
        };
        let mut d = Attrs::new();
        d.insert("identifier_prefix".into(), "app-".into());
        let a = generated_name(&ctx("t-1"), &d, "identifier", "identifier_prefix", "tf-");
        assert_eq!(a, generated_name(&ctx("t-1"), &d, "identifier", "identifier_prefix", "tf-"));
        assert_ne!(a, generated_name(&ctx("t-2"), &d, "identifier", "identifier_prefix", "tf-"));
        assert!(a.starts_with("app-") && a.len() == 24, "{a}");
        d.insert("identifier".into(), "fixed".into());
        assert_eq!(generated_name(&ctx("t-1"), &d, "identifier", "identifier_prefix", "tf-"), "fixed");
    }
}
