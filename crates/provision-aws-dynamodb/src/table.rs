//! `aws_dynamodb_table`: a table, its keys and indexes, TTL, point-in-time recovery, encryption
//! and streams.
//!
//! Found again by name: table names are unique in an account and region and the name is known
//! before the create call, so one `DescribeTable` finds the table an interrupted create made, and
//! its tags (given in `CreateTable`) say whose it is. DynamoDB has no batch describe: a refresh
//! costs four calls per table (`DescribeTable`, `DescribeTimeToLive`, `DescribeContinuousBackups`,
//! `ListTagsOfResource`).

use crate::attrs::{block, blocks, get_bool, get_i64, get_str, get_string, num, object, s, string_set};
use crate::context::{Clients, Context};
use crate::error::{built, sdk};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, CreateGlobalSecondaryIndexAction, DeleteGlobalSecondaryIndexAction,
    GlobalSecondaryIndex, GlobalSecondaryIndexUpdate, KeySchemaElement, KeyType, LocalSecondaryIndex,
    PointInTimeRecoverySpecification, Projection, ProjectionType, ProvisionedThroughput, ScalarAttributeType,
    SseSpecification, SseType, StreamSpecification, StreamViewType, TableClass, TableDescription, TableStatus, Tag,
    TimeToLiveSpecification, UpdateGlobalSecondaryIndexAction,
};
use provision_aws_core::retry::{Policy, gone_is_ok, nothing, retry};
use provision_aws_core::validate::one_of;
use provision_aws_core::wait::{self, Status, TimedOut, Wait};
use provision_core::{
    AttributeSchema, Attrs, BlockSchema, DeleteNote, FindQuery, Found, Nesting, OpContext, ProviderError,
    ProviderErrorKind, ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

const MIN: u64 = 60;

pub(crate) struct Table {
    ctx: Arc<Context>,
    schema: Schema,
}

fn billing_mode(v: &Value) -> Result<(), String> {
    one_of(v, &["PROVISIONED", "PAY_PER_REQUEST"], "billing mode")
}

fn attribute_type(v: &Value) -> Result<(), String> {
    one_of(v, &["S", "N", "B"], "attribute type (S, N or B)")
}

fn projection_type(v: &Value) -> Result<(), String> {
    one_of(v, &["ALL", "KEYS_ONLY", "INCLUDE"], "projection type")
}

fn stream_view_type(v: &Value) -> Result<(), String> {
    one_of(v, &["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"], "stream view type")
}

fn table_class(v: &Value) -> Result<(), String> {
    one_of(v, &["STANDARD", "STANDARD_INFREQUENT_ACCESS"], "table class")
}

/// Arguments checked together at plan time: what AWS would refuse in `CreateTable`.
fn check(a: &Attrs) -> Result<(), String> {
    let known = |k: &str| a.get(k).is_some_and(Value::is_wholly_known);
    if get_str(a, "billing_mode") == Some("PROVISIONED") {
        for k in ["read_capacity", "write_capacity"] {
            if known(k) && a.get(k).is_some_and(Value::is_null) {
                return Err(format!("`{k}` must be set when `billing_mode` is PROVISIONED"));
            }
        }
    }
    if get_bool(a, "stream_enabled") == Some(true)
        && known("stream_view_type")
        && get_string(a, "stream_view_type").is_none()
    {
        return Err("`stream_view_type` must be set when `stream_enabled` is true".into());
    }
    if known("attribute") && known("hash_key") {
        let defined: BTreeSet<String> =
            blocks(a, "attribute").iter().filter_map(|b| b.get("name")?.as_str()).map(str::to_string).collect();
        let mut keys: Vec<String> =
            [get_string(a, "hash_key"), get_string(a, "range_key")].into_iter().flatten().collect();
        for g in blocks(a, "global_secondary_index").iter().chain(blocks(a, "local_secondary_index").iter()) {
            keys.extend(["hash_key", "range_key"].iter().filter_map(|k| g.get(*k)?.as_str().map(str::to_string)));
        }
        if let Some(k) = keys.iter().find(|k| !defined.contains(*k)) {
            return Err(format!(
                "key attribute \"{k}\" has no `attribute` block: every table and index key must be defined with its type"
            ));
        }
        let used: BTreeSet<&String> = keys.iter().collect();
        if let Some(extra) = defined.iter().find(|d| !used.contains(d)) {
            return Err(format!(
                "attribute \"{extra}\" is not a key of the table or of an index: DynamoDB accepts `attribute` blocks for keys only"
            ));
        }
    }
    Ok(())
}

fn index_schema(global: bool) -> Schema {
    let mut s =
        Schema::new("").attr(AttributeSchema::required("name", Type::String).describe("The index's name.")).attr(
            AttributeSchema::required("projection_type", Type::String)
                .validate(projection_type)
                .describe("ALL, KEYS_ONLY or INCLUDE."),
        );
    if global {
        s = s
            .attr(AttributeSchema::required("hash_key", Type::String).describe("The index's partition key."))
            .attr(AttributeSchema::optional("range_key", Type::String).describe("The index's sort key."))
            .attr(
                AttributeSchema::optional("non_key_attributes", Type::set(Type::String))
                    .describe("Attributes projected with INCLUDE."),
            )
            .attr(
                AttributeSchema::optional("read_capacity", Type::Number)
                    .describe("Read capacity units (PROVISIONED tables). Changed in place."),
            )
            .attr(
                AttributeSchema::optional("write_capacity", Type::Number)
                    .describe("Write capacity units (PROVISIONED tables). Changed in place."),
            );
    } else {
        s = s.attr(AttributeSchema::required("range_key", Type::String).describe("The index's sort key.")).attr(
            AttributeSchema::optional("non_key_attributes", Type::list(Type::String))
                .describe("Attributes projected with INCLUDE."),
        );
    }
    s
}

impl Table {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("A DynamoDB table.")
            .with_id()
            .attr(AttributeSchema::required("name", Type::String).force_new().describe("The table's name, unique in the account and region; also its `id`."))
            .attr(AttributeSchema::computed("arn", Type::String).describe("The table's ARN."))
            .attr(
                AttributeSchema::optional("billing_mode", Type::String)
                    .default("PROVISIONED")
                    .validate(billing_mode)
                    .describe("PROVISIONED (Terraform's default) or PAY_PER_REQUEST. Changed in place (`UpdateTable`)."),
            )
            .attr(AttributeSchema::optional_computed("read_capacity", Type::Number).describe("Read capacity units; required with PROVISIONED (checked at plan time). Changed in place."))
            .attr(AttributeSchema::optional_computed("write_capacity", Type::Number).describe("Write capacity units; required with PROVISIONED. Changed in place."))
            .attr(AttributeSchema::optional_computed("hash_key", Type::String).force_new().describe("The partition key; needs an `attribute` block (checked at plan time)."))
            .attr(AttributeSchema::optional("range_key", Type::String).force_new().describe("The sort key; needs an `attribute` block."))
            .attr(
                AttributeSchema::optional("deletion_protection_enabled", Type::Bool)
                    .default(false)
                    .describe("While true, AWS refuses to delete the table and a plan that would delete it fails, naming this argument. Changed in place."),
            )
            .attr(AttributeSchema::optional("stream_enabled", Type::Bool).default(false).describe("Whether DynamoDB Streams is on. Changed in place."))
            .attr(
                AttributeSchema::optional_computed("stream_view_type", Type::String)
                    .validate(stream_view_type)
                    .describe("What the stream records: KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES; required with `stream_enabled`."),
            )
            .attr(AttributeSchema::computed("stream_arn", Type::String).describe("The latest stream's ARN (null without a stream)."))
            .attr(AttributeSchema::computed("stream_label", Type::String).describe("The latest stream's label."))
            .attr(
                AttributeSchema::optional("table_class", Type::String)
                    .default("STANDARD")
                    .validate(table_class)
                    .describe("STANDARD or STANDARD_INFREQUENT_ACCESS. Changed in place."),
            )
            .block(
                BlockSchema::new(
                    "attribute",
                    Nesting::Set,
                    Schema::new("")
                        .attr(AttributeSchema::required("name", Type::String).describe("The attribute's name."))
                        .attr(AttributeSchema::required("type", Type::String).validate(attribute_type).describe("S, N or B.")),
                    "A key attribute of the table or of an index, with its type.",
                ),
            )
            .block(BlockSchema::new(
                "global_secondary_index",
                Nesting::Set,
                index_schema(true),
                "A global secondary index. Added, removed and re-sized in place (`UpdateTable`, one index at a time, waiting for each to be ACTIVE); a changed key or projection deletes and re-creates it.",
            ))
            .block(
                BlockSchema::new("local_secondary_index", Nesting::Set, index_schema(false), "A local secondary index; only at creation (a change replaces the table).")
                    .force_new(),
            )
            .block(BlockSchema::new(
                "ttl",
                Nesting::List,
                Schema::new("")
                    .attr(AttributeSchema::optional("attribute_name", Type::String).describe("The attribute holding each item's expiry time."))
                    .attr(AttributeSchema::optional("enabled", Type::Bool).default(false).describe("Whether items expire.")),
                "Time to live (at most one block). Changed in place (`UpdateTimeToLive`).",
            ))
            .block(BlockSchema::new(
                "point_in_time_recovery",
                Nesting::List,
                Schema::new("").attr(AttributeSchema::required("enabled", Type::Bool).describe("Whether continuous backups are on.")),
                "Point-in-time recovery (at most one block). Changed in place (`UpdateContinuousBackups`).",
            ))
            .block(BlockSchema::new(
                "server_side_encryption",
                Nesting::List,
                Schema::new("")
                    .attr(AttributeSchema::required("enabled", Type::Bool).describe("true: a KMS key (`kms_key_arn`, or the `aws/dynamodb` key); false: a key owned by DynamoDB."))
                    .attr(AttributeSchema::optional("kms_key_arn", Type::String).describe("The customer managed KMS key's ARN.")),
                "Encryption at rest (at most one block). Changed in place (`UpdateTable`).",
            ))
            .check(check)
            .with_tags()
            .timeouts(Duration::from_secs(30 * MIN), Duration::from_secs(60 * MIN), Duration::from_secs(10 * MIN));
        Table { ctx, schema }
    }
}

/// What a table's read needs beyond `DescribeTable`.
struct Extra {
    ttl: Option<(bool, Option<String>)>,
    pitr: bool,
    tags: Vec<Tag>,
}

fn attr_defs(desired: &Attrs) -> Result<Vec<AttributeDefinition>, ProviderError> {
    blocks(desired, "attribute")
        .iter()
        .map(|b| {
            built(
                AttributeDefinition::builder()
                    .attribute_name(b.get("name").and_then(Value::as_str).unwrap_or_default())
                    .attribute_type(ScalarAttributeType::from(b.get("type").and_then(Value::as_str).unwrap_or("S")))
                    .build(),
            )
        })
        .collect()
}

fn key_schema(hash: Option<&str>, range: Option<&str>) -> Result<Vec<KeySchemaElement>, ProviderError> {
    let mut out = vec![];
    for (k, t) in [(hash, KeyType::Hash), (range, KeyType::Range)] {
        if let Some(k) = k.filter(|k| !k.is_empty()) {
            out.push(built(KeySchemaElement::builder().attribute_name(k).key_type(t).build())?);
        }
    }
    Ok(out)
}

fn projection(b: &BTreeMap<String, Value>) -> Projection {
    let non_key: Vec<String> = b
        .get("non_key_attributes")
        .and_then(Value::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    Projection::builder()
        .projection_type(ProjectionType::from(b.get("projection_type").and_then(Value::as_str).unwrap_or("ALL")))
        .set_non_key_attributes((!non_key.is_empty()).then_some(non_key))
        .build()
}

fn throughput(read: Option<i64>, write: Option<i64>) -> Result<Option<ProvisionedThroughput>, ProviderError> {
    match (read, write) {
        (Some(r), Some(w)) => {
            Ok(Some(built(ProvisionedThroughput::builder().read_capacity_units(r).write_capacity_units(w).build())?))
        }
        _ => Ok(None),
    }
}

fn bnum(b: &BTreeMap<String, Value>, k: &str) -> Option<i64> {
    b.get(k).and_then(Value::as_number).map(|n| n as i64)
}

fn bstr<'a>(b: &'a BTreeMap<String, Value>, k: &str) -> Option<&'a str> {
    b.get(k).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn provisioned(a: &Attrs) -> bool {
    get_str(a, "billing_mode").unwrap_or("PROVISIONED") == "PROVISIONED"
}

fn gsi(b: &BTreeMap<String, Value>, provisioned: bool) -> Result<GlobalSecondaryIndex, ProviderError> {
    let tp = if provisioned { throughput(bnum(b, "read_capacity"), bnum(b, "write_capacity"))? } else { None };
    built(
        GlobalSecondaryIndex::builder()
            .index_name(bstr(b, "name").unwrap_or_default())
            .set_key_schema(Some(key_schema(bstr(b, "hash_key"), bstr(b, "range_key"))?))
            .projection(projection(b))
            .set_provisioned_throughput(tp)
            .build(),
    )
}

fn key_name(keys: &[KeySchemaElement], t: KeyType) -> Option<&str> {
    keys.iter().find(|k| *k.key_type() == t).map(|k| k.attribute_name())
}

fn sse_spec(b: Option<&BTreeMap<String, Value>>) -> Option<SseSpecification> {
    let b = b?;
    let enabled = b.get("enabled").and_then(Value::as_bool).unwrap_or(false);
    let mut spec = SseSpecification::builder().enabled(enabled);
    if enabled {
        spec = spec.sse_type(SseType::Kms).set_kms_master_key_id(bstr(b, "kms_key_arn").map(str::to_string));
    }
    Some(spec.build())
}

impl Table {
    fn attrs(t: &TableDescription, x: &Extra, prior: &Attrs) -> Attrs {
        let mut a = Attrs::new();
        let name = t.table_name().unwrap_or_default();
        a.insert("id".into(), Value::from(name));
        a.insert("name".into(), Value::from(name));
        a.insert("arn".into(), s(t.table_arn()));
        let mode = t.billing_mode_summary().and_then(|b| b.billing_mode()).map_or("PROVISIONED", |m| m.as_str());
        let pay = mode == "PAY_PER_REQUEST";
        a.insert("billing_mode".into(), Value::from(mode));
        let tp = t.provisioned_throughput();
        a.insert("read_capacity".into(), num(tp.and_then(|p| p.read_capacity_units()).or(Some(0))));
        a.insert("write_capacity".into(), num(tp.and_then(|p| p.write_capacity_units()).or(Some(0))));
        a.insert("hash_key".into(), s(key_name(t.key_schema(), KeyType::Hash)));
        a.insert("range_key".into(), s(key_name(t.key_schema(), KeyType::Range)));
        a.insert(
            "attribute".into(),
            Value::set(
                t.attribute_definitions()
                    .iter()
                    .map(|d| {
                        object([
                            ("name", Value::from(d.attribute_name())),
                            ("type", Value::from(d.attribute_type().as_str())),
                        ])
                    })
                    .collect(),
            ),
        );
        let non_key = |p: Option<&Projection>| p.map(|p| p.non_key_attributes().to_vec()).unwrap_or_default();
        a.insert(
            "global_secondary_index".into(),
            Value::set(
                t.global_secondary_indexes()
                    .iter()
                    .map(|g| {
                        let tp = g.provisioned_throughput();
                        let cap = |v: Option<i64>| if pay { Value::Null } else { num(v.or(Some(0))) };
                        let nk = non_key(g.projection());
                        object([
                            ("name", s(g.index_name())),
                            ("hash_key", s(key_name(g.key_schema(), KeyType::Hash))),
                            ("range_key", s(key_name(g.key_schema(), KeyType::Range))),
                            (
                                "projection_type",
                                s(g.projection().and_then(|p| p.projection_type()).map(|p| p.as_str())),
                            ),
                            ("non_key_attributes", string_set(nk)),
                            ("read_capacity", cap(tp.and_then(|p| p.read_capacity_units()))),
                            ("write_capacity", cap(tp.and_then(|p| p.write_capacity_units()))),
                        ])
                    })
                    .collect(),
            ),
        );
        a.insert(
            "local_secondary_index".into(),
            Value::set(
                t.local_secondary_indexes()
                    .iter()
                    .map(|l| {
                        object([
                            ("name", s(l.index_name())),
                            ("range_key", s(key_name(l.key_schema(), KeyType::Range))),
                            (
                                "projection_type",
                                s(l.projection().and_then(|p| p.projection_type()).map(|p| p.as_str())),
                            ),
                            (
                                "non_key_attributes",
                                Value::List(non_key(l.projection()).into_iter().map(Value::String).collect()),
                            ),
                        ])
                    })
                    .collect(),
            ),
        );
        // Optional single blocks: shown when on, or when the configuration wrote them (as off).
        let had = |k: &str| !blocks(prior, k).is_empty();
        let ttl = match &x.ttl {
            Some((true, name)) => {
                vec![object([("attribute_name", s(name.as_deref())), ("enabled", Value::Bool(true))])]
            }
            _ if had("ttl") => {
                let name = block(prior, "ttl").and_then(|b| b.get("attribute_name")).cloned().unwrap_or(Value::Null);
                vec![object([("attribute_name", name), ("enabled", Value::Bool(false))])]
            }
            _ => vec![],
        };
        a.insert("ttl".into(), Value::List(ttl));
        let pitr = if x.pitr || had("point_in_time_recovery") {
            vec![object([("enabled", Value::Bool(x.pitr))])]
        } else {
            vec![]
        };
        a.insert("point_in_time_recovery".into(), Value::List(pitr));
        let sse = t
            .sse_description()
            .filter(|d| d.status().is_some_and(|s| matches!(s.as_str(), "ENABLED" | "ENABLING" | "UPDATING")));
        let sse = match sse {
            Some(d) => {
                // The configuration's key when it named none: AWS then reports the aws/dynamodb key.
                let configured = block(prior, "server_side_encryption")
                    .map(|b| b.get("kms_key_arn").cloned().unwrap_or(Value::Null));
                let key = match configured {
                    Some(Value::Null) => Value::Null,
                    _ => s(d.kms_master_key_arn()),
                };
                vec![object([("enabled", Value::Bool(true)), ("kms_key_arn", key)])]
            }
            None if had("server_side_encryption") => {
                vec![object([("enabled", Value::Bool(false)), ("kms_key_arn", Value::Null)])]
            }
            None => vec![],
        };
        a.insert("server_side_encryption".into(), Value::List(sse));
        a.insert("deletion_protection_enabled".into(), Value::Bool(t.deletion_protection_enabled().unwrap_or(false)));
        let stream = t.stream_specification().filter(|s| s.stream_enabled());
        a.insert("stream_enabled".into(), Value::Bool(stream.is_some()));
        a.insert("stream_view_type".into(), s(stream.and_then(|s| s.stream_view_type()).map(|v| v.as_str())));
        a.insert("stream_arn".into(), if stream.is_some() { s(t.latest_stream_arn()) } else { Value::Null });
        a.insert("stream_label".into(), if stream.is_some() { s(t.latest_stream_label()) } else { Value::Null });
        a.insert(
            "table_class".into(),
            Value::from(t.table_class_summary().and_then(|c| c.table_class()).map_or("STANDARD", |c| c.as_str())),
        );
        a.insert("tags_all".into(), provision_aws_core::tags::user_tags(x.tags.iter().map(|t| (t.key(), t.value()))));
        a
    }

    async fn describe(c: &Clients, name: &str) -> Result<Option<TableDescription>, ProviderError> {
        match c.ddb.describe_table().table_name(name).send().await {
            Ok(out) => Ok(out.table().cloned()),
            Err(e) => {
                let e = sdk("DescribeTable", e);
                if e.is_not_found() { Ok(None) } else { Err(e) }
            }
        }
    }

    async fn extra(c: &Clients, t: &TableDescription) -> Result<Extra, ProviderError> {
        let name = t.table_name().unwrap_or_default();
        let ttl =
            c.ddb.describe_time_to_live().table_name(name).send().await.map_err(|e| sdk("DescribeTimeToLive", e))?;
        let ttl = ttl.time_to_live_description().map(|d| {
            let on = d.time_to_live_status().is_some_and(|s| matches!(s.as_str(), "ENABLED" | "ENABLING"));
            (on, d.attribute_name().map(str::to_string))
        });
        let backups = c
            .ddb
            .describe_continuous_backups()
            .table_name(name)
            .send()
            .await
            .map_err(|e| sdk("DescribeContinuousBackups", e))?;
        let pitr = backups
            .continuous_backups_description()
            .and_then(|d| d.point_in_time_recovery_description())
            .and_then(|p| p.point_in_time_recovery_status())
            .is_some_and(|s| s.as_str() == "ENABLED");
        let mut tags = vec![];
        if let Some(arn) = t.table_arn() {
            let mut token = None;
            loop {
                let out = c
                    .ddb
                    .list_tags_of_resource()
                    .resource_arn(arn)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| sdk("ListTagsOfResource", e))?;
                tags.extend(out.tags().iter().cloned());
                match out.next_token() {
                    Some(t) if !t.is_empty() => token = Some(t.to_string()),
                    _ => break,
                }
            }
        }
        Ok(Extra { ttl, pitr, tags })
    }

    /// Waits until the table and every index are ACTIVE, saying what is not.
    async fn wait_active(c: &Clients, ctx: &OpContext, name: &str) -> Result<TableDescription, ProviderError> {
        let w = Wait::within(format!("table {name}"), "ACTIVE", ctx, Duration::from_secs(60 * MIN))
            .polling(Duration::from_secs(1), Duration::from_secs(10));
        let t = wait::until(
            &w,
            || async {
                let Some(t) = Self::describe(c, name).await? else { return Ok(Status::Gone) };
                let status = t.table_status().map_or("unknown", |s| s.as_str()).to_string();
                if t.table_status() != Some(&TableStatus::Active) {
                    return Ok(Status::Pending(status));
                }
                let busy: Vec<String> = t
                    .global_secondary_indexes()
                    .iter()
                    .filter(|g| g.index_status().is_some_and(|s| s.as_str() != "ACTIVE"))
                    .map(|g| {
                        format!(
                            "index {} {}",
                            g.index_name().unwrap_or("?"),
                            g.index_status().map_or("", |s| s.as_str())
                        )
                    })
                    .collect();
                if busy.is_empty() { Ok(Status::Ready(t)) } else { Ok(Status::Pending(busy.join(", "))) }
            },
            TimedOut::provider_error,
        )
        .await?;
        t.ok_or_else(|| ProviderError::new(ProviderErrorKind::NotFound, format!("table {name} not found")))
    }

    async fn read_one(c: &Clients, ctx: &OpContext, name: &str, prior: &Attrs) -> Result<Attrs, ProviderError> {
        let t = Self::wait_active(c, ctx, name).await?;
        let x = Self::extra(c, &t).await?;
        Ok(Self::attrs(&t, &x, prior))
    }

    /// `UpdateTable` while the table may still be busy with an earlier change.
    async fn update_table(
        c: &Clients,
        ctx: &OpContext,
        name: &str,
        what: &str,
        req: aws_sdk_dynamodb::operation::update_table::builders::UpdateTableFluentBuilder,
    ) -> Result<(), ProviderError> {
        ctx.status(format!("updating {what}"));
        retry(
            Policy::in_use(ctx.remaining()),
            || async { req.clone().send().await.map(|_| ()).map_err(|e| sdk("UpdateTable", e)) },
            nothing,
        )
        .await
        .map_err(|mut e| {
            e.message = format!("table {name}: {what}: {}", e.message);
            e
        })?;
        Self::wait_active(c, ctx, name).await.map(|_| ())
    }

    async fn set_ttl(c: &Clients, name: &str, desired: &Attrs, prior: &Attrs) -> Result<(), ProviderError> {
        let want = block(desired, "ttl");
        let on = want.and_then(|b| b.get("enabled")).and_then(Value::as_bool).unwrap_or(false);
        let attr = want
            .and_then(|b| bstr(b, "attribute_name"))
            .or_else(|| block(prior, "ttl").and_then(|b| bstr(b, "attribute_name")));
        let Some(attr) = attr else { return Ok(()) };
        let spec = built(TimeToLiveSpecification::builder().enabled(on).attribute_name(attr).build())?;
        c.ddb
            .update_time_to_live()
            .table_name(name)
            .time_to_live_specification(spec)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| sdk("UpdateTimeToLive", e))
    }

    async fn set_pitr(c: &Clients, name: &str, on: bool) -> Result<(), ProviderError> {
        let spec = built(PointInTimeRecoverySpecification::builder().point_in_time_recovery_enabled(on).build())?;
        retry(
            Policy::in_use(Duration::from_secs(5 * MIN)),
            || async {
                c.ddb
                    .update_continuous_backups()
                    .table_name(name)
                    .point_in_time_recovery_specification(spec.clone())
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| sdk("UpdateContinuousBackups", e))
            },
            nothing,
        )
        .await
    }

    fn ttl_of(a: &Attrs) -> (bool, Option<String>) {
        let b = block(a, "ttl");
        (
            b.and_then(|b| b.get("enabled")).and_then(Value::as_bool).unwrap_or(false),
            b.and_then(|b| bstr(b, "attribute_name")).map(str::to_string),
        )
    }

    fn pitr_of(a: &Attrs) -> bool {
        block(a, "point_in_time_recovery").and_then(|b| b.get("enabled")).and_then(Value::as_bool).unwrap_or(false)
    }

    /// Brings the global secondary indexes from `prior` to `desired`, one change per call (as
    /// DynamoDB requires), waiting for each.
    async fn sync_gsis(
        c: &Clients,
        ctx: &OpContext,
        name: &str,
        prior: &Attrs,
        desired: &Attrs,
    ) -> Result<(), ProviderError> {
        let by_name = |a: &Attrs| -> BTreeMap<String, BTreeMap<String, Value>> {
            blocks(a, "global_secondary_index")
                .into_iter()
                .filter_map(|b| Some((bstr(b, "name")?.to_string(), b.clone())))
                .collect()
        };
        let (old, new) = (by_name(prior), by_name(desired));
        let prov = provisioned(desired);
        let shape = |b: &BTreeMap<String, Value>| {
            let mut b = b.clone();
            b.remove("read_capacity");
            b.remove("write_capacity");
            b
        };
        for (n, b) in &old {
            if new.get(n).is_none_or(|nb| shape(nb) != shape(b)) {
                let del = built(DeleteGlobalSecondaryIndexAction::builder().index_name(n).build())?;
                let req = c
                    .ddb
                    .update_table()
                    .table_name(name)
                    .global_secondary_index_updates(GlobalSecondaryIndexUpdate::builder().delete(del).build());
                Self::update_table(c, ctx, name, &format!("deleting index {n}"), req).await?;
            }
        }
        for (n, b) in &new {
            match old.get(n) {
                Some(ob) if shape(ob) == shape(b) => {
                    let (r, w) = (bnum(b, "read_capacity"), bnum(b, "write_capacity"));
                    if prov
                        && (r, w) != (bnum(ob, "read_capacity"), bnum(ob, "write_capacity"))
                        && let Some(tp) = throughput(r, w)?
                    {
                        let up = built(
                            UpdateGlobalSecondaryIndexAction::builder()
                                .index_name(n)
                                .provisioned_throughput(tp)
                                .build(),
                        )?;
                        let req =
                            c.ddb.update_table().table_name(name).global_secondary_index_updates(
                                GlobalSecondaryIndexUpdate::builder().update(up).build(),
                            );
                        Self::update_table(c, ctx, name, &format!("capacity of index {n}"), req).await?;
                    }
                }
                _ => {
                    let g = gsi(b, prov)?;
                    let create = built(
                        CreateGlobalSecondaryIndexAction::builder()
                            .index_name(n)
                            .set_key_schema(Some(g.key_schema().to_vec()))
                            .set_projection(g.projection().cloned())
                            .set_provisioned_throughput(g.provisioned_throughput().cloned())
                            .build(),
                    )?;
                    let req = c
                        .ddb
                        .update_table()
                        .table_name(name)
                        .set_attribute_definitions(Some(attr_defs(desired)?))
                        .global_secondary_index_updates(GlobalSecondaryIndexUpdate::builder().create(create).build());
                    Self::update_table(c, ctx, name, &format!("creating index {n}"), req).await?;
                }
            }
        }
        Ok(())
    }
}

/// How a plan or a delete is told that the table is protected.
pub(crate) fn protected_message(name: &str) -> String {
    format!(
        "table {name} has deletion protection: set `deletion_protection_enabled = false` and apply before destroying or replacing it"
    )
}

#[async_trait]
impl ResourceType for Table {
    fn name(&self) -> &'static str {
        "aws_dynamodb_table"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn identity(&self) -> provision_core::IdentityStrategy {
        provision_core::IdentityStrategy::Name
    }

    async fn read_many(
        &self,
        _ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        let c = self.ctx.clients().await?;
        let mut out = BTreeMap::new();
        // No batch describe in DynamoDB: one DescribeTable (and its three companions) per table.
        for (id, prior) in objects {
            let Some(t) = Self::describe(c, id).await? else { continue };
            if t.table_status() == Some(&TableStatus::Deleting) {
                continue;
            }
            let x = Self::extra(c, &t).await?;
            out.insert(id.clone(), Self::attrs(&t, &x, prior));
        }
        Ok(out)
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let name = get_string(desired, "name")
            .ok_or_else(|| ProviderError::new(ProviderErrorKind::Invalid, "`name` must be set"))?;
        let prov = provisioned(desired);
        let mut tags = vec![];
        for (k, v) in provision_aws_core::tags::create_tags(&ctx.identity, desired.get("tags_all")) {
            tags.push(built(Tag::builder().key(k).value(v).build())?);
        }
        let gsis = blocks(desired, "global_secondary_index")
            .into_iter()
            .map(|b| gsi(b, prov))
            .collect::<Result<Vec<_>, _>>()?;
        let mut lsis = vec![];
        for b in blocks(desired, "local_secondary_index") {
            lsis.push(built(
                LocalSecondaryIndex::builder()
                    .index_name(bstr(b, "name").unwrap_or_default())
                    .set_key_schema(Some(key_schema(get_str(desired, "hash_key"), bstr(b, "range_key"))?))
                    .projection(projection(b))
                    .build(),
            )?);
        }
        let stream = if get_bool(desired, "stream_enabled") == Some(true) {
            Some(built(
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .set_stream_view_type(get_str(desired, "stream_view_type").map(StreamViewType::from))
                    .build(),
            )?)
        } else {
            None
        };
        let req = c
            .ddb
            .create_table()
            .table_name(&name)
            .set_attribute_definitions(Some(attr_defs(desired)?))
            .set_key_schema(Some(key_schema(get_str(desired, "hash_key"), get_str(desired, "range_key"))?))
            .billing_mode(BillingMode::from(get_str(desired, "billing_mode").unwrap_or("PROVISIONED")))
            .set_provisioned_throughput(if prov {
                throughput(get_i64(desired, "read_capacity"), get_i64(desired, "write_capacity"))?
            } else {
                None
            })
            .set_global_secondary_indexes((!gsis.is_empty()).then_some(gsis))
            .set_local_secondary_indexes((!lsis.is_empty()).then_some(lsis))
            .set_stream_specification(stream)
            .set_sse_specification(sse_spec(block(desired, "server_side_encryption")))
            .set_table_class(get_str(desired, "table_class").map(TableClass::from))
            .deletion_protection_enabled(get_bool(desired, "deletion_protection_enabled").unwrap_or(false))
            .set_tags(Some(tags.clone()));
        ctx.status("creating");
        req.send().await.map_err(|e| sdk("CreateTable", e)).map_err(|mut e| {
            e.message = format!("table {name}: {}", e.message);
            e
        })?;
        let table = Self::wait_active(c, ctx, &name).await?;
        let (ttl_on, ttl_attribute) = Self::ttl_of(desired);
        if ttl_on {
            ctx.status("enabling time to live");
            Self::set_ttl(c, &name, desired, &Attrs::new()).await?;
        }
        let pitr = Self::pitr_of(desired);
        if pitr {
            ctx.status("enabling point-in-time recovery");
            Self::set_pitr(c, &name, true).await?;
        }
        // The table as its wait read it ACTIVE (time to live and backups do not change its
        // description); its time to live, point-in-time recovery and tags are the ones just set
        // (a time to live being enabled reads as on): none is read back.
        let x = Extra { ttl: Some((ttl_on, ttl_attribute)), pitr, tags };
        Ok(Self::attrs(&table, &x, desired))
    }

    async fn update(&self, ctx: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let name = id;
        let changed = |k: &str| prior.get(k) != desired.get(k);
        let prov = provisioned(desired);
        if changed("billing_mode")
            || (prov
                && (get_i64(prior, "read_capacity") != get_i64(desired, "read_capacity")
                    || get_i64(prior, "write_capacity") != get_i64(desired, "write_capacity")))
        {
            let mut req = c
                .ddb
                .update_table()
                .table_name(name)
                .billing_mode(BillingMode::from(get_str(desired, "billing_mode").unwrap_or("PROVISIONED")));
            if prov {
                req = req.set_provisioned_throughput(throughput(
                    get_i64(desired, "read_capacity"),
                    get_i64(desired, "write_capacity"),
                )?);
            }
            if changed("billing_mode") && prov {
                // Switching to PROVISIONED needs each index's capacity in the same call.
                for b in blocks(desired, "global_secondary_index") {
                    if let (Some(n), Some(tp)) =
                        (bstr(b, "name"), throughput(bnum(b, "read_capacity"), bnum(b, "write_capacity"))?)
                    {
                        let up = built(
                            UpdateGlobalSecondaryIndexAction::builder()
                                .index_name(n)
                                .provisioned_throughput(tp)
                                .build(),
                        )?;
                        req = req
                            .global_secondary_index_updates(GlobalSecondaryIndexUpdate::builder().update(up).build());
                    }
                }
            }
            Self::update_table(c, ctx, name, "billing mode and capacity", req).await?;
        }
        if changed("global_secondary_index") {
            let mut prior_now = prior.clone();
            if changed("billing_mode") && prov {
                // The capacities were set with the billing mode.
                prior_now.insert(
                    "global_secondary_index".into(),
                    desired.get("global_secondary_index").cloned().unwrap_or(Value::Null),
                );
                let keep_new: Attrs = prior_now;
                Self::sync_gsis(c, ctx, name, &keep_new, desired).await?;
            } else {
                Self::sync_gsis(c, ctx, name, prior, desired).await?;
            }
        }
        if changed("stream_enabled") || changed("stream_view_type") {
            let on = get_bool(desired, "stream_enabled").unwrap_or(false);
            if get_bool(prior, "stream_enabled") == Some(true) && on {
                // A new view type needs the stream off first.
                let off = built(StreamSpecification::builder().stream_enabled(false).build())?;
                Self::update_table(
                    c,
                    ctx,
                    name,
                    "stream",
                    c.ddb.update_table().table_name(name).stream_specification(off),
                )
                .await?;
            }
            let spec = built(
                StreamSpecification::builder()
                    .stream_enabled(on)
                    .set_stream_view_type(if on {
                        get_str(desired, "stream_view_type").map(StreamViewType::from)
                    } else {
                        None
                    })
                    .build(),
            )?;
            Self::update_table(
                c,
                ctx,
                name,
                "stream",
                c.ddb.update_table().table_name(name).stream_specification(spec),
            )
            .await?;
        }
        if changed("server_side_encryption")
            && let Some(spec) = sse_spec(block(desired, "server_side_encryption"))
                .or_else(|| Some(SseSpecification::builder().enabled(false).build()))
        {
            Self::update_table(
                c,
                ctx,
                name,
                "encryption",
                c.ddb.update_table().table_name(name).sse_specification(spec),
            )
            .await?;
        }
        if changed("table_class") {
            let class = TableClass::from(get_str(desired, "table_class").unwrap_or("STANDARD"));
            Self::update_table(c, ctx, name, "table class", c.ddb.update_table().table_name(name).table_class(class))
                .await?;
        }
        if changed("deletion_protection_enabled") {
            let on = get_bool(desired, "deletion_protection_enabled").unwrap_or(false);
            Self::update_table(
                c,
                ctx,
                name,
                "deletion protection",
                c.ddb.update_table().table_name(name).deletion_protection_enabled(on),
            )
            .await?;
        }
        if Self::ttl_of(prior) != Self::ttl_of(desired) {
            ctx.status("updating time to live");
            Self::set_ttl(c, name, desired, prior).await.map_err(|mut e| {
                e.message = format!("table {name}: {}", e.message);
                e
            })?;
        }
        if Self::pitr_of(prior) != Self::pitr_of(desired) {
            ctx.status("updating point-in-time recovery");
            Self::set_pitr(c, name, Self::pitr_of(desired)).await?;
        }
        let delta = provision_aws_core::tags::delta(prior.get("tags_all"), desired.get("tags_all"));
        if !delta.is_empty() {
            let arn = get_str(prior, "arn").unwrap_or_default();
            if !delta.removed.is_empty() {
                c.ddb
                    .untag_resource()
                    .resource_arn(arn)
                    .set_tag_keys(Some(delta.removed))
                    .send()
                    .await
                    .map_err(|e| sdk("UntagResource", e))?;
            }
            if !delta.changed.is_empty() {
                let mut tags = vec![];
                for (k, v) in delta.changed {
                    tags.push(built(Tag::builder().key(k).value(v).build())?);
                }
                c.ddb
                    .tag_resource()
                    .resource_arn(arn)
                    .set_tags(Some(tags))
                    .send()
                    .await
                    .map_err(|e| sdk("TagResource", e))?;
            }
        }
        Self::read_one(c, ctx, name, desired).await
    }

    /// A protected table refuses the plan, before anything is torn down; the recorded state is
    /// fresh (the plan refreshed it), so no call is needed.
    async fn check_delete(
        &self,
        _ctx: &ReadContext,
        id: &str,
        attrs: &Attrs,
    ) -> Result<Vec<DeleteNote>, ProviderError> {
        Ok(if get_bool(attrs, "deletion_protection_enabled") == Some(true) {
            vec![DeleteNote::refuse(protected_message(id))]
        } else {
            vec![]
        })
    }

    async fn delete(&self, ctx: &OpContext, id: &str, prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        if get_bool(prior, "deletion_protection_enabled") == Some(true) {
            return Err(ProviderError::new(ProviderErrorKind::Invalid, protected_message(id)));
        }
        ctx.status("deleting");
        gone_is_ok(
            retry(
                Policy::in_use(ctx.remaining()),
                || async {
                    c.ddb.delete_table().table_name(id).send().await.map(|_| ()).map_err(|e| sdk("DeleteTable", e))
                },
                nothing,
            )
            .await,
        )
        .map_err(|mut e| {
            e.message = format!("table {id}: {}", e.message);
            e
        })?;
        let w = Wait::within(format!("table {id}"), "deleted", ctx, Duration::from_secs(10 * MIN)).until_gone();
        wait::until(
            &w,
            || async {
                Ok(match Self::describe(c, id).await? {
                    None => Status::Gone,
                    Some(t) => Status::Pending(t.table_status().map_or("DELETING", |s| s.as_str()).to_string()),
                })
            },
            TimedOut::provider_error,
        )
        .await
        .map(|_: Option<()>| ())
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let c = self.ctx.clients().await?;
        let Some(name) = &query.natural_key else { return Ok(vec![]) };
        let Some(t) = Self::describe(c, name).await? else { return Ok(vec![]) };
        if t.table_status() == Some(&TableStatus::Deleting) {
            return Ok(vec![]);
        }
        let x = Self::extra(c, &t).await?;
        let owner = query.identity.owner_of(x.tags.iter().map(|t| (t.key(), t.value())));
        Ok(vec![Found { attrs: Self::attrs(&t, &x, &query.desired), owner }])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(pairs: &[(&str, Value)]) -> Attrs {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    fn attribute(name: &str) -> Value {
        object([("name", Value::from(name)), ("type", Value::from("S"))])
    }

    #[test]
    fn keys_need_attribute_blocks_and_attribute_blocks_need_keys() {
        let ok = attrs(&[
            ("billing_mode", Value::from("PAY_PER_REQUEST")),
            ("hash_key", Value::from("pk")),
            ("attribute", Value::set(vec![attribute("pk"), attribute("gsi_pk")])),
            (
                "global_secondary_index",
                Value::set(vec![object([("hash_key", Value::from("gsi_pk")), ("name", Value::from("g"))])]),
            ),
        ]);
        assert!(check(&ok).is_ok(), "{:?}", check(&ok));
        let mut missing = ok.clone();
        missing.insert("attribute".into(), Value::set(vec![attribute("pk")]));
        assert!(check(&missing).expect_err("undefined key").contains("\"gsi_pk\""));
        let mut extra = ok.clone();
        extra.insert("attribute".into(), Value::set(vec![attribute("pk"), attribute("gsi_pk"), attribute("other")]));
        assert!(check(&extra).expect_err("unused attribute").contains("\"other\""));
    }

    #[test]
    fn provisioned_tables_need_capacity() {
        let a = attrs(&[("billing_mode", Value::from("PROVISIONED")), ("read_capacity", Value::Null)]);
        assert!(check(&a).expect_err("no capacity").contains("read_capacity"));
        let a = attrs(&[("stream_enabled", Value::Bool(true)), ("stream_view_type", Value::Null)]);
        assert!(check(&a).is_err());
    }

    #[test]
    fn values_are_checked() {
        assert!(billing_mode(&Value::from("ON_DEMAND")).is_err());
        assert!(attribute_type(&Value::from("N")).is_ok());
        assert!(projection_type(&Value::from("SOME")).is_err());
    }
}
