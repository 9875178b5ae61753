//! `aws_s3_bucket_lifecycle_configuration`: a bucket's lifecycle rules, written whole by
//! `PutBucketLifecycleConfiguration`. Rules are a set here (Terraform keeps a list): AWS may
//! return them in another order, and the order has no meaning, so it is never a change.

use crate::context::Clients;
use crate::error::on;
use crate::setting::{Setting, absent_setting};
use crate::util::{block, get_bool, get_i32, get_str, get_string, items, need_str, one, s};
use async_trait::async_trait;
use aws_sdk_s3::primitives::{DateTime, DateTimeFormat};
use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, ExpirationStatus, LifecycleExpiration, LifecycleRule,
    LifecycleRuleAndOperator, LifecycleRuleFilter, NoncurrentVersionExpiration, NoncurrentVersionTransition, Tag,
    Transition, TransitionDefaultMinimumObjectSize, TransitionStorageClass,
};
use provision_aws_core::tags::string_map;
use provision_aws_core::validate::one_of;
use provision_core::{
    AttributeSchema, Attrs, BlockSchema, Nesting, ProviderError, ProviderErrorKind, Schema, Type, Value,
};

pub(crate) struct Lifecycle;

fn n(v: Option<i64>) -> Value {
    v.map_or(Value::Null, |v| Value::Number(v as f64))
}

fn n32(v: Option<i32>) -> Value {
    n(v.map(i64::from))
}

fn date(d: Option<&DateTime>) -> Value {
    d.and_then(|d| d.fmt(DateTimeFormat::DateTime).ok()).map_or(Value::Null, Value::String)
}

fn parse_date(bucket: &str, text: Option<String>) -> Result<Option<DateTime>, ProviderError> {
    let Some(t) = text else { return Ok(None) };
    let full = if t.len() == 10 { format!("{t}T00:00:00Z") } else { t };
    DateTime::from_str(&full, DateTimeFormat::DateTime).map(Some).map_err(|e| {
        ProviderError::new(ProviderErrorKind::Invalid, format!("bucket {bucket}: lifecycle date {full}: {e}"))
    })
}

fn status(v: &Value) -> Result<(), String> {
    one_of(v, &["Enabled", "Disabled"], "rule status")
}

fn storage_class(v: &Value) -> Result<(), String> {
    one_of(
        v,
        &["GLACIER", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "DEEP_ARCHIVE", "GLACIER_IR"],
        "transition storage_class",
    )
}

fn list(name: &'static str, schema: Schema, d: &'static str) -> BlockSchema {
    BlockSchema::new(name, Nesting::List, schema, d)
}

fn num(name: &'static str, d: &'static str) -> AttributeSchema {
    AttributeSchema::optional(name, Type::Number).describe(d)
}

fn size_attrs(schema: Schema) -> Schema {
    schema
        .attr(num("object_size_greater_than", "Only objects larger than this many bytes."))
        .attr(num("object_size_less_than", "Only objects smaller than this many bytes."))
}

/// A string that is set and not empty, as a value.
fn text(v: Option<&str>) -> Value {
    s(v.filter(|t| !t.is_empty()))
}

/// One rule as attributes. `prior_rules` (last recorded) decide between `filter {}` and no filter
/// block, which AWS stores alike. The rule-level prefix is deprecated by AWS but still read, as
/// Terraform does, for rules written with it.
#[allow(deprecated)]
fn read_rule(r: &LifecycleRule, prior_rules: &[&Attrs]) -> Value {
    let id = r.id().unwrap_or_default();
    let prior = prior_rules.iter().find(|p| get_str(p, "id") == Some(id));
    let mut m = Attrs::new();
    m.insert("id".into(), Value::String(id.into()));
    m.insert("status".into(), Value::String(r.status().as_str().into()));
    m.insert("prefix".into(), text(r.prefix()));
    if m.get("prefix").is_some_and(Value::is_null)
        && let Some(p) = prior
    {
        m.insert("prefix".into(), p.get("prefix").cloned().unwrap_or(Value::Null));
    }
    let filter = r.filter().map(|f| {
        let mut fm = Attrs::new();
        fm.insert("prefix".into(), text(f.prefix()));
        fm.insert("object_size_greater_than".into(), n(f.object_size_greater_than()));
        fm.insert("object_size_less_than".into(), n(f.object_size_less_than()));
        let tag = f.tag().map(|t| {
            let mut tm = Attrs::new();
            tm.insert("key".into(), Value::String(t.key().into()));
            tm.insert("value".into(), Value::String(t.value().into()));
            block(tm)
        });
        fm.insert("tag".into(), tag.unwrap_or(Value::List(vec![])));
        let and = f.and().map(|a| {
            let mut am = Attrs::new();
            am.insert("prefix".into(), text(a.prefix()));
            am.insert("object_size_greater_than".into(), n(a.object_size_greater_than()));
            am.insert("object_size_less_than".into(), n(a.object_size_less_than()));
            let tags: Attrs =
                a.tags().iter().map(|t| (t.key().to_string(), Value::String(t.value().to_string()))).collect();
            am.insert("tags".into(), Value::Map(tags));
            block(am)
        });
        fm.insert("and".into(), and.unwrap_or(Value::List(vec![])));
        fm
    });
    let empty = |f: &Attrs| f.values().all(|v| v.is_null() || v.as_seq().is_some_and(<[Value]>::is_empty));
    let had_filter = prior.is_none_or(|p| !items(p, "filter").is_empty());
    let filter = match filter {
        Some(f) if empty(&f) && !had_filter => Value::List(vec![]),
        Some(f) => block(f),
        None => Value::List(vec![]),
    };
    m.insert("filter".into(), filter);
    let expiration = r.expiration().map(|e| {
        let mut em = Attrs::new();
        em.insert("date".into(), date(e.date()));
        em.insert("days".into(), n32(e.days().filter(|d| *d > 0)));
        em.insert(
            "expired_object_delete_marker".into(),
            e.expired_object_delete_marker().map_or(Value::Null, Value::Bool),
        );
        block(em)
    });
    m.insert("expiration".into(), expiration.unwrap_or(Value::List(vec![])));
    let nve = r.noncurrent_version_expiration().map(|e| {
        let mut em = Attrs::new();
        em.insert("noncurrent_days".into(), n32(e.noncurrent_days()));
        em.insert("newer_noncurrent_versions".into(), n32(e.newer_noncurrent_versions().filter(|d| *d > 0)));
        block(em)
    });
    m.insert("noncurrent_version_expiration".into(), nve.unwrap_or(Value::List(vec![])));
    let transitions = r
        .transitions()
        .iter()
        .map(|t| {
            let mut tm = Attrs::new();
            tm.insert("date".into(), date(t.date()));
            tm.insert("days".into(), n32(t.days()));
            tm.insert("storage_class".into(), s(t.storage_class().map(|c| c.as_str())));
            Value::Map(tm)
        })
        .collect();
    m.insert("transition".into(), Value::set(transitions));
    let nvt = r
        .noncurrent_version_transitions()
        .iter()
        .map(|t| {
            let mut tm = Attrs::new();
            tm.insert("noncurrent_days".into(), n32(t.noncurrent_days()));
            tm.insert("newer_noncurrent_versions".into(), n32(t.newer_noncurrent_versions().filter(|d| *d > 0)));
            tm.insert("storage_class".into(), s(t.storage_class().map(|c| c.as_str())));
            Value::Map(tm)
        })
        .collect();
    m.insert("noncurrent_version_transition".into(), Value::set(nvt));
    let abort = r.abort_incomplete_multipart_upload().map(|a| {
        let mut am = Attrs::new();
        am.insert("days_after_initiation".into(), n32(a.days_after_initiation()));
        block(am)
    });
    m.insert("abort_incomplete_multipart_upload".into(), abort.unwrap_or(Value::List(vec![])));
    Value::Map(m)
}

fn i64_of(a: &Attrs, k: &str) -> Option<i64> {
    a.get(k).and_then(Value::as_number).map(|v| v as i64)
}

fn tag(bucket: &str, k: &str, v: &str) -> Result<Tag, ProviderError> {
    Tag::builder()
        .key(k)
        .value(v)
        .build()
        .map_err(|e| ProviderError::new(ProviderErrorKind::Invalid, format!("bucket {bucket}: lifecycle tag: {e}")))
}

fn build_rule(bucket: &str, r: &Attrs) -> Result<LifecycleRule, ProviderError> {
    let mut rule =
        LifecycleRule::builder().id(need_str(r, "id")?).status(ExpirationStatus::from(need_str(r, "status")?));
    // AWS needs a filter (or the deprecated prefix): no filter block means every object.
    let mut filter = LifecycleRuleFilter::builder();
    match one(r, "filter") {
        Some(f) => {
            filter = filter
                .set_prefix(get_str(f, "prefix").map(str::to_string))
                .set_object_size_greater_than(i64_of(f, "object_size_greater_than"))
                .set_object_size_less_than(i64_of(f, "object_size_less_than"));
            if let Some(t) = one(f, "tag") {
                filter = filter.tag(tag(bucket, need_str(t, "key")?, need_str(t, "value")?)?);
            }
            if let Some(a) = one(f, "and") {
                let mut and = LifecycleRuleAndOperator::builder()
                    .set_prefix(get_str(a, "prefix").map(str::to_string))
                    .set_object_size_greater_than(i64_of(a, "object_size_greater_than"))
                    .set_object_size_less_than(i64_of(a, "object_size_less_than"));
                for (k, v) in string_map(a.get("tags")) {
                    and = and.tags(tag(bucket, &k, &v)?);
                }
                filter = filter.and(and.build());
            }
        }
        None => filter = filter.prefix(get_str(r, "prefix").unwrap_or_default()),
    }
    rule = rule.filter(filter.build());
    if let Some(e) = one(r, "expiration") {
        rule = rule.expiration(
            LifecycleExpiration::builder()
                .set_date(parse_date(bucket, get_string(e, "date"))?)
                .set_days(get_i32(e, "days"))
                .set_expired_object_delete_marker(get_bool(e, "expired_object_delete_marker"))
                .build(),
        );
    }
    if let Some(e) = one(r, "noncurrent_version_expiration") {
        rule = rule.noncurrent_version_expiration(
            NoncurrentVersionExpiration::builder()
                .set_noncurrent_days(get_i32(e, "noncurrent_days"))
                .set_newer_noncurrent_versions(get_i32(e, "newer_noncurrent_versions"))
                .build(),
        );
    }
    for t in items(r, "transition") {
        rule = rule.transitions(
            Transition::builder()
                .set_date(parse_date(bucket, get_string(t, "date"))?)
                .set_days(get_i32(t, "days"))
                .storage_class(TransitionStorageClass::from(need_str(t, "storage_class")?))
                .build(),
        );
    }
    for t in items(r, "noncurrent_version_transition") {
        rule = rule.noncurrent_version_transitions(
            NoncurrentVersionTransition::builder()
                .set_noncurrent_days(get_i32(t, "noncurrent_days"))
                .set_newer_noncurrent_versions(get_i32(t, "newer_noncurrent_versions"))
                .storage_class(TransitionStorageClass::from(need_str(t, "storage_class")?))
                .build(),
        );
    }
    if let Some(a) = one(r, "abort_incomplete_multipart_upload") {
        rule = rule.abort_incomplete_multipart_upload(
            AbortIncompleteMultipartUpload::builder()
                .set_days_after_initiation(get_i32(a, "days_after_initiation"))
                .build(),
        );
    }
    rule.build()
        .map_err(|e| ProviderError::new(ProviderErrorKind::Invalid, format!("bucket {bucket}: lifecycle rule: {e}")))
}

#[async_trait]
impl Setting for Lifecycle {
    const TYPE: &'static str = "aws_s3_bucket_lifecycle_configuration";

    fn schema() -> Schema {
        let filter = size_attrs(
            Schema::new("")
                .attr(AttributeSchema::optional("prefix", Type::String).describe("Only keys that begin with this.")),
        )
        .block(list(
            "tag",
            Schema::new("")
                .attr(AttributeSchema::required("key", Type::String).describe("The tag's key."))
                .attr(AttributeSchema::required("value", Type::String).describe("The tag's value.")),
            "Only objects with this tag.",
        ))
        .block(list(
            "and",
            size_attrs(
                Schema::new("")
                    .attr(AttributeSchema::optional("prefix", Type::String).describe("Only keys that begin with this."))
                    .attr(
                        AttributeSchema::optional("tags", Type::map(Type::String))
                            .describe("Only objects with all these tags."),
                    ),
            ),
            "Several conditions together.",
        ));
        let transition = |name: &'static str, noncurrent: bool| {
            let mut s = Schema::new("");
            s = if noncurrent {
                s.attr(
                    AttributeSchema::required("noncurrent_days", Type::Number)
                        .describe("Days after the version became noncurrent."),
                )
                .attr(num("newer_noncurrent_versions", "How many newer noncurrent versions to keep first."))
            } else {
                s.attr(AttributeSchema::optional("date", Type::String).describe("A date (RFC 3339, midnight UTC)."))
                    .attr(num("days", "Days after the object's creation."))
            };
            BlockSchema::new(
                name,
                Nesting::Set,
                s.attr(AttributeSchema::required("storage_class", Type::String).validate(storage_class).describe(
                    "`GLACIER`, `STANDARD_IA`, `ONEZONE_IA`, `INTELLIGENT_TIERING`, `DEEP_ARCHIVE` or `GLACIER_IR`.",
                )),
                "A move to another storage class.",
            )
        };
        let rule = Schema::new("")
            .attr(AttributeSchema::required("id", Type::String).describe("The rule's name, unique in the configuration."))
            .attr(AttributeSchema::required("status", Type::String).validate(status).describe("`Enabled` or `Disabled`."))
            .attr(AttributeSchema::optional("prefix", Type::String).describe("Deprecated: use `filter { prefix = ... }`. Sent as the filter's prefix when there is no `filter` block."))
            .block(list("filter", filter, "Which objects the rule applies to; without it, every object."))
            .block(list(
                "expiration",
                Schema::new("")
                    .attr(AttributeSchema::optional("date", Type::String).describe("A date (RFC 3339, midnight UTC)."))
                    .attr(num("days", "Days after the object's creation."))
                    .attr(AttributeSchema::optional("expired_object_delete_marker", Type::Bool).describe("Remove delete markers with no noncurrent versions.")),
                "When current versions expire.",
            ))
            .block(list(
                "noncurrent_version_expiration",
                Schema::new("")
                    .attr(AttributeSchema::required("noncurrent_days", Type::Number).describe("Days after the version became noncurrent."))
                    .attr(num("newer_noncurrent_versions", "How many newer noncurrent versions to keep.")),
                "When noncurrent versions expire.",
            ))
            .block(transition("transition", false))
            .block(transition("noncurrent_version_transition", true))
            .block(list(
                "abort_incomplete_multipart_upload",
                Schema::new("").attr(num("days_after_initiation", "Days after an upload began.")),
                "When incomplete multipart uploads are aborted.",
            ));
        Schema::new("A bucket's lifecycle rules. Deleting the resource removes them all (`DeleteBucketLifecycle`).")
            .attr(
                AttributeSchema::optional("expected_bucket_owner", Type::String)
                    .force_new()
                    .describe("The account expected to own the bucket. Kept as configured."),
            )
            .attr(
                AttributeSchema::optional_computed("transition_default_minimum_object_size", Type::String)
                    .describe("`all_storage_classes_128K` (AWS's default) or `varies_by_storage_class`. When unset, what AWS reports is kept."),
            )
            .block(BlockSchema::new(
                "rule",
                Nesting::Set,
                rule,
                "One rule. Rules compare regardless of order. Changed in place (`PutBucketLifecycleConfiguration` with every rule).",
            ))
            .timeouts(
                std::time::Duration::from_secs(180),
                std::time::Duration::from_secs(180),
                std::time::Duration::from_secs(180),
            )
    }

    async fn get(c: &Clients, bucket: &str, prior: &Attrs) -> Result<Option<Attrs>, ProviderError> {
        let r =
            c.s3.get_bucket_lifecycle_configuration()
                .bucket(bucket)
                .send()
                .await
                .map_err(|e| on("GetBucketLifecycleConfiguration", bucket, e));
        let Some(out) = absent_setting(r)? else { return Ok(None) };
        let prior_rules = items(prior, "rule");
        let mut a = Attrs::new();
        a.insert("expected_bucket_owner".into(), prior.get("expected_bucket_owner").cloned().unwrap_or(Value::Null));
        a.insert(
            "transition_default_minimum_object_size".into(),
            s(out.transition_default_minimum_object_size().map(|t| t.as_str())),
        );
        a.insert("rule".into(), Value::set(out.rules().iter().map(|r| read_rule(r, &prior_rules)).collect()));
        Ok(Some(a))
    }

    async fn put(c: &Clients, bucket: &str, d: &Attrs) -> Result<(), ProviderError> {
        let rules = items(d, "rule").into_iter().map(|r| build_rule(bucket, r)).collect::<Result<Vec<_>, _>>()?;
        let config = BucketLifecycleConfiguration::builder()
            .set_rules(Some(rules))
            .build()
            .map_err(|e| ProviderError::new(ProviderErrorKind::Invalid, format!("bucket {bucket}: {e}")))?;
        c.s3.put_bucket_lifecycle_configuration()
            .bucket(bucket)
            .lifecycle_configuration(config)
            .set_transition_default_minimum_object_size(
                get_string(d, "transition_default_minimum_object_size")
                    .map(|t| TransitionDefaultMinimumObjectSize::from(t.as_str())),
            )
            .set_expected_bucket_owner(get_string(d, "expected_bucket_owner"))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| on("PutBucketLifecycleConfiguration", bucket, e))
    }

    async fn remove(c: &Clients, bucket: &str, prior: &Attrs) -> Result<(), ProviderError> {
        c.s3.delete_bucket_lifecycle()
            .bucket(bucket)
            .set_expected_bucket_owner(get_string(prior, "expected_bucket_owner"))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| on("DeleteBucketLifecycle", bucket, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        let d = parse_date("b", Some("2030-01-01".into())).expect("parses").expect("a date");
        assert_eq!(date(Some(&d)), Value::String("2030-01-01T00:00:00Z".into()));
    }

    #[test]
    fn a_rule_reads_back_as_written() {
        let mut f = Attrs::new();
        f.insert("prefix".into(), Value::String("logs/".into()));
        let mut r = Attrs::new();
        r.insert("id".into(), Value::String("logs".into()));
        r.insert("status".into(), Value::String("Enabled".into()));
        r.insert("filter".into(), block(f));
        let mut e = Attrs::new();
        e.insert("days".into(), Value::Number(30.0));
        r.insert("expiration".into(), block(e));
        let rule = build_rule("b", &r).expect("builds");
        let read = read_rule(&rule, &[&r]);
        let m = read.as_map().expect("map");
        let filter = one(m, "filter").expect("filter");
        assert_eq!(get_str(filter, "prefix"), Some("logs/"));
        assert_eq!(one(m, "expiration").and_then(|e| get_i32(e, "days")), Some(30));
        // No filter block: sent as an empty prefix, read back as no filter block.
        r.insert("filter".into(), Value::List(vec![]));
        let rule = build_rule("b", &r).expect("builds");
        assert_eq!(read_rule(&rule, &[&r]).as_map().and_then(|m| m.get("filter").cloned()), Some(Value::List(vec![])));
    }
}
