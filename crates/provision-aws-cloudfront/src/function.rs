//! `aws_cloudfront_function`: a small JavaScript function CloudFront runs at the edge on a viewer
//! request or response (a distribution's `function_association` names its `arn`).
//!
//! A function has two stages: `DEVELOPMENT`, which every create and update writes, and `LIVE`,
//! which `PublishFunction` copies it to and which distributions run. With `publish` (the default)
//! a create is `CreateFunction` then `PublishFunction`, and an update `UpdateFunction` then
//! `PublishFunction`, each with the ETag the previous call returned; a stale ETag
//! (`PreconditionFailed`) is retried after reading it again. The create is two steps: a function
//! adopted between them is published by the next apply.
//!
//! The create call carries provision's identity tags and the name is unique in the account, so
//! recovery reads the function by its name and adopts it only if its tags say it is ours.
//! A refresh is one `ListFunctions(Stage=DEVELOPMENT)` for every function's settings and status,
//! plus one `GetFunction` per function for its code and ETag (the list shows neither); the
//! `LIVE` stage's ETag is read when provision publishes and kept.

use crate::util::{get_str, s};
use crate::{Clients, Context, sdk, sdk_for};
use async_trait::async_trait;
use aws_sdk_cloudfront::primitives::Blob;
use aws_sdk_cloudfront::types::{
    FunctionConfig, FunctionRuntime, FunctionStage, FunctionSummary, KeyValueStoreAssociation,
    KeyValueStoreAssociations, Tag, Tags,
};
use provision_aws_core::retry::{Policy, RetryOn, gone_is_ok, nothing, retry};
use provision_core::{
    AttributeSchema, Attrs, FindQuery, Found, IdentityStrategy, OpContext, ProviderError, ProviderErrorKind,
    ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

pub(crate) struct Function {
    ctx: Arc<Context>,
    schema: Schema,
}

fn runtime(v: &Value) -> Result<(), String> {
    provision_aws_core::validate::one_of(v, &["cloudfront-js-1.0", "cloudfront-js-2.0"], "runtime")
}

fn etag_moved(e: &ProviderError) -> bool {
    crate::cache_policy::etag_moved(e)
}

fn etag_moved_or_in_use(e: &ProviderError) -> bool {
    etag_moved(e) || e.code.as_deref() == Some("FunctionInUse")
}

const ETAG_MOVED: Policy = Policy {
    retry_on: RetryOn::When(etag_moved),
    timeout: Duration::from_secs(120),
    first_delay: Duration::from_millis(200),
    max_delay: Duration::from_secs(5),
};

/// A distribution that stopped naming the function in the same apply lets go once its change
/// is accepted (half a minute allows for AWS's eventual consistency); one that still names it
/// does not, and the delete fails naming the function.
const IN_USE: Policy = Policy {
    retry_on: RetryOn::When(etag_moved_or_in_use),
    timeout: Duration::from_secs(30),
    first_delay: Duration::from_millis(500),
    max_delay: Duration::from_secs(10),
};

fn schema() -> Schema {
    Schema::new("A CloudFront function.")
        .with_id()
        .attr(
            AttributeSchema::required("name", Type::String).force_new().describe(
                "The function's name, unique in the account (also its `id`). Changing it replaces the function.",
            ),
        )
        .attr(
            AttributeSchema::required("runtime", Type::String)
                .validate(runtime)
                .describe("`cloudfront-js-1.0` or `cloudfront-js-2.0`. Changed in place (`UpdateFunction`)."),
        )
        .attr(AttributeSchema::required("code", Type::String).describe(
            "The function's source. Changed in place: `UpdateFunction`, then `PublishFunction` with `publish`.",
        ))
        .attr(AttributeSchema::optional("comment", Type::String).describe("A comment."))
        .attr(AttributeSchema::optional("publish", Type::Bool).default(true).describe(
            "Publish the development stage to `LIVE` after each create and update (distributions run `LIVE`).",
        ))
        .attr(
            AttributeSchema::optional("key_value_store_associations", Type::set(Type::String))
                .describe("ARNs of key value stores the code reads (at most one)."),
        )
        .attr(AttributeSchema::computed("arn", Type::String).describe("The ARN a `function_association` takes."))
        .attr(AttributeSchema::computed("etag", Type::String).describe("The `DEVELOPMENT` stage's ETag."))
        .attr(
            AttributeSchema::computed("live_stage_etag", Type::String)
                .describe("The `LIVE` stage's ETag, read when provision publishes (empty until published)."),
        )
        .attr(AttributeSchema::computed("status", Type::String).describe(
            "`UNPUBLISHED` while the development stage is ahead of `LIVE`, then `UNASSOCIATED` or `ASSOCIATED`.",
        ))
        .multi_step_create()
}

/// The settings part of the attributes, from a summary.
fn summary_attrs(f: &FunctionSummary, a: &mut Attrs) {
    a.insert("id".into(), s(Some(f.name())));
    a.insert("name".into(), s(Some(f.name())));
    a.insert("status".into(), s(f.status()));
    a.insert("arn".into(), s(f.function_metadata().map(|m| m.function_arn())));
    let cfg = f.function_config();
    a.insert("comment".into(), s(cfg.map(|c| c.comment()).filter(|c| !c.is_empty())));
    a.insert("runtime".into(), s(cfg.map(|c| c.runtime().as_str())));
    let stores: Vec<Value> = cfg
        .and_then(|c| c.key_value_store_associations())
        .map(|k| k.items())
        .unwrap_or_default()
        .iter()
        .map(|k| Value::String(k.key_value_store_arn().to_string()))
        .collect();
    a.insert("key_value_store_associations".into(), Value::set(stores));
}

/// The attributes of one function: its summary, its development code and ETag, and what only
/// provision knows (`publish`) or learnt when publishing (`live_stage_etag`), from `prior`.
pub(crate) fn attrs(f: &FunctionSummary, code: Option<String>, etag: Value, prior: &Attrs) -> Attrs {
    let mut a = Attrs::new();
    summary_attrs(f, &mut a);
    if prior.get("key_value_store_associations").is_none_or(Value::is_null)
        && a.get("key_value_store_associations").and_then(Value::as_seq).is_some_and(<[Value]>::is_empty)
    {
        a.insert("key_value_store_associations".into(), Value::Null);
    }
    a.insert("code".into(), s(code.as_deref()));
    a.insert("etag".into(), etag);
    a.insert("live_stage_etag".into(), prior.get("live_stage_etag").cloned().unwrap_or(Value::Null));
    a.insert("publish".into(), prior.get("publish").filter(|v| !v.is_null()).cloned().unwrap_or(Value::Bool(true)));
    a
}

/// The `FunctionConfig` the arguments describe.
pub(crate) fn build_config(what: &str, a: &Attrs) -> Result<FunctionConfig, ProviderError> {
    let invalid = |e: aws_sdk_cloudfront::error::BuildError| {
        ProviderError::new(ProviderErrorKind::Invalid, format!("{what}: {e}"))
    };
    let stores: Vec<String> = a
        .get("key_value_store_associations")
        .and_then(Value::as_seq)
        .map(|xs| xs.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    let mut assoc = KeyValueStoreAssociations::builder().quantity(stores.len() as i32);
    for arn in stores {
        assoc = assoc.items(KeyValueStoreAssociation::builder().key_value_store_arn(arn).build().map_err(invalid)?);
    }
    FunctionConfig::builder()
        .comment(get_str(a, "comment").unwrap_or_default())
        .runtime(FunctionRuntime::from(get_str(a, "runtime").unwrap_or("cloudfront-js-2.0")))
        .key_value_store_associations(assoc.build().map_err(invalid)?)
        .build()
        .map_err(invalid)
}

fn code_of(a: &Attrs) -> Blob {
    Blob::new(get_str(a, "code").unwrap_or_default().as_bytes().to_vec())
}

fn publish_wanted(a: &Attrs) -> bool {
    a.get("publish").and_then(Value::as_bool).unwrap_or(true)
}

impl Function {
    pub fn new(ctx: Arc<Context>) -> Self {
        Function { ctx, schema: schema() }
    }

    /// Every function's development stage (one call per 100).
    async fn list(c: &Clients) -> Result<Vec<FunctionSummary>, ProviderError> {
        let mut out = vec![];
        let mut marker: Option<String> = None;
        loop {
            let page =
                c.cf.list_functions()
                    .stage(FunctionStage::Development)
                    .set_marker(marker.clone())
                    .max_items(100)
                    .send()
                    .await
                    .map_err(|e| sdk("ListFunctions", e))?;
            let Some(list) = page.function_list() else { break };
            out.extend(list.items().iter().cloned());
            match list.next_marker().filter(|m| !m.is_empty()) {
                Some(m) if Some(m) != marker.as_deref() => marker = Some(m.to_string()),
                _ => break,
            }
        }
        Ok(out)
    }

    /// The development stage's code and ETag (one `GetFunction`), or `None` when it is gone.
    async fn code(c: &Clients, name: &str) -> Result<Option<(String, String)>, ProviderError> {
        match c.cf.get_function().name(name).stage(FunctionStage::Development).send().await {
            Ok(out) => {
                let code =
                    out.function_code().map(|b| String::from_utf8_lossy(b.as_ref()).to_string()).unwrap_or_default();
                Ok(Some((code, out.e_tag().unwrap_or_default().to_string())))
            }
            Err(e) => {
                let e = sdk_for(&format!("CloudFront function {name}"), "GetFunction", e);
                if e.is_not_found() { Ok(None) } else { Err(e) }
            }
        }
    }

    /// A stage's summary and ETag (one `DescribeFunction`), or `None` when there is none.
    async fn describe(
        c: &Clients,
        name: &str,
        stage: FunctionStage,
    ) -> Result<Option<(FunctionSummary, String)>, ProviderError> {
        match c.cf.describe_function().name(name).stage(stage).send().await {
            Ok(out) => {
                let etag = out.e_tag().unwrap_or_default().to_string();
                Ok(out.function_summary().cloned().map(|f| (f, etag)))
            }
            Err(e) => {
                let e = sdk_for(&format!("CloudFront function {name}"), "DescribeFunction", e);
                if e.is_not_found() { Ok(None) } else { Err(e) }
            }
        }
    }

    /// The function as AWS shows it now (`DescribeFunction` and `GetFunction`), waiting while a
    /// new one is not visible yet.
    async fn read_one(c: &Clients, name: &str, prior: &Attrs) -> Result<Attrs, ProviderError> {
        retry(
            Policy::NEW_OBJECT,
            || async {
                let missing =
                    || ProviderError::new(ProviderErrorKind::NotFound, format!("CloudFront function {name} not found"));
                let (f, _) = Self::describe(c, name, FunctionStage::Development).await?.ok_or_else(missing)?;
                let (code, etag) = Self::code(c, name).await?.ok_or_else(missing)?;
                Ok(attrs(&f, Some(code), s(Some(&etag)), prior))
            },
            nothing,
        )
        .await
    }

    /// `PublishFunction` with the development stage's current ETag (re-read when it moved), then
    /// the `LIVE` stage's ETag for `live_stage_etag`.
    async fn publish(c: &Clients, name: &str, first_etag: Option<String>) -> Result<String, ProviderError> {
        let what = format!("CloudFront function {name}");
        let known = std::sync::Mutex::new(first_etag);
        retry(
            ETAG_MOVED,
            || async {
                let given = known.lock().map(|mut k| k.take()).unwrap_or(None);
                let etag = match given {
                    Some(e) => e,
                    None => Self::describe(c, name, FunctionStage::Development)
                        .await?
                        .map(|(_, e)| e)
                        .ok_or_else(|| ProviderError::new(ProviderErrorKind::NotFound, format!("{what} not found")))?,
                };
                c.cf.publish_function()
                    .name(name)
                    .if_match(etag)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| sdk_for(&what, "PublishFunction", e))
            },
            nothing,
        )
        .await?;
        Ok(Self::describe(c, name, FunctionStage::Live).await?.map(|(_, e)| e).unwrap_or_default())
    }

    /// Publishes when asked, and reads the function back.
    async fn publish_and_read(
        c: &Clients,
        ctx: &OpContext,
        name: &str,
        etag: Option<String>,
        desired: &Attrs,
    ) -> Result<Attrs, ProviderError> {
        let mut prior = desired.clone();
        if publish_wanted(desired) {
            ctx.status("publishing to LIVE");
            let live = Self::publish(c, name, etag).await?;
            prior.insert("live_stage_etag".into(), s(Some(&live)));
        }
        // The development stage is described once, for its status (publishing changes it) and
        // ETag; its code is the one just sent, so it is not fetched again (GetFunction).
        retry(
            Policy::NEW_OBJECT,
            || async {
                let (f, etag) = Self::describe(c, name, FunctionStage::Development).await?.ok_or_else(|| {
                    ProviderError::new(ProviderErrorKind::NotFound, format!("CloudFront function {name} not found"))
                })?;
                Ok(attrs(&f, get_str(desired, "code").map(str::to_string), s(Some(&etag)), &prior))
            },
            nothing,
        )
        .await
    }
}

#[async_trait]
impl ResourceType for Function {
    fn name(&self) -> &'static str {
        "aws_cloudfront_function"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn identity(&self) -> IdentityStrategy {
        IdentityStrategy::Name
    }

    async fn read_many(
        &self,
        _ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        if objects.is_empty() {
            return Ok(BTreeMap::new());
        }
        let c = self.ctx.clients().await?;
        let listed: BTreeMap<String, FunctionSummary> =
            Self::list(c).await?.into_iter().map(|f| (f.name().to_string(), f)).collect();
        let mut out = BTreeMap::new();
        for (id, prior) in objects {
            let Some(f) = listed.get(id) else { continue };
            let Some((code, etag)) = Self::code(c, id).await? else { continue };
            out.insert(id.clone(), attrs(f, Some(code), s(Some(&etag)), prior));
        }
        Ok(out)
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let name = get_str(desired, "name").unwrap_or_default();
        let what = format!("CloudFront function {name}");
        let mut items = vec![];
        for (k, v) in ctx.identity.system_tags() {
            items.push(
                Tag::builder()
                    .key(k)
                    .value(v)
                    .build()
                    .map_err(|e| ProviderError::new(ProviderErrorKind::Invalid, format!("{what}: tag: {e}")))?,
            );
        }
        let out =
            c.cf.create_function()
                .name(name)
                .function_config(build_config(&what, desired)?)
                .function_code(code_of(desired))
                .tags(Tags::builder().set_items(Some(items)).build())
                .send()
                .await
                .map_err(|e| sdk_for(&what, "CreateFunction", e))?;
        let etag = out.e_tag().map(str::to_string);
        Self::publish_and_read(c, ctx, name, etag, desired).await
    }

    async fn finish_create(&self, ctx: &OpContext, id: &str, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        Self::publish_and_read(c, ctx, id, None, desired).await
    }

    async fn update(&self, ctx: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let what = format!("CloudFront function {id}");
        let same = |k: &str| prior.get(k).unwrap_or(&Value::Null).same_as(desired.get(k).unwrap_or(&Value::Null));
        let settings_changed = !["runtime", "code", "comment", "key_value_store_associations"].iter().all(|k| same(k));
        let mut etag = None;
        if settings_changed {
            let config = build_config(&what, desired)?;
            let new = retry(
                ETAG_MOVED,
                || async {
                    let (_, current) = Self::describe(c, id, FunctionStage::Development)
                        .await?
                        .ok_or_else(|| ProviderError::new(ProviderErrorKind::NotFound, format!("{what} not found")))?;
                    c.cf.update_function()
                        .name(id)
                        .if_match(current)
                        .function_config(config.clone())
                        .function_code(code_of(desired))
                        .send()
                        .await
                        .map(|out| out.e_tag().map(str::to_string))
                        .map_err(|e| sdk_for(&what, "UpdateFunction", e))
                },
                nothing,
            )
            .await?;
            etag = new;
        }
        let unpublished = get_str(prior, "status") == Some("UNPUBLISHED");
        if publish_wanted(desired) && (settings_changed || unpublished || !publish_wanted(prior)) {
            return Self::publish_and_read(c, ctx, id, etag, desired).await;
        }
        let mut kept = desired.clone();
        kept.insert("live_stage_etag".into(), prior.get("live_stage_etag").cloned().unwrap_or(Value::Null));
        Self::read_one(c, id, &kept).await
    }

    async fn delete(&self, ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        let what = format!("CloudFront function {id}");
        let r = retry(
            IN_USE,
            || async {
                let Some((_, etag)) = Self::describe(c, id, FunctionStage::Development).await? else {
                    return Err(ProviderError::new(ProviderErrorKind::NotFound, format!("{what} not found")));
                };
                match c.cf.delete_function().name(id).if_match(etag).send().await {
                    Ok(_) => Ok(()),
                    Err(e) => {
                        let e = sdk_for(&what, "DeleteFunction", e);
                        if e.code.as_deref() == Some("FunctionInUse") {
                            ctx.status("a distribution still runs it");
                        }
                        Err(e)
                    }
                }
            },
            nothing,
        )
        .await;
        match gone_is_ok(r) {
            Err(mut e) if e.code.as_deref() == Some("FunctionInUse") => {
                e.message = format!(
                    "{what} is still associated with a CloudFront distribution (FunctionInUse): remove its \
                     `function_association`, or delete the distribution, before deleting the function"
                );
                Err(e)
            }
            other => other,
        }
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let Some(name) = query.natural_key.as_deref() else { return Ok(vec![]) };
        let c = self.ctx.clients().await?;
        let Some((f, _)) = Self::describe(c, name, FunctionStage::Development).await? else { return Ok(vec![]) };
        let arn = f.function_metadata().map(|m| m.function_arn().to_string()).unwrap_or_default();
        let pairs: Vec<(String, String)> = match c.cf.list_tags_for_resource().resource(&arn).send().await {
            Ok(t) => t
                .tags()
                .map(|t| t.items())
                .unwrap_or_default()
                .iter()
                .map(|t| (t.key().to_string(), t.value().unwrap_or_default().to_string()))
                .collect(),
            Err(e) => return Err(sdk_for(&format!("CloudFront function {name}"), "ListTagsForResource", e)),
        };
        let owner = query.identity.owner_of(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let Some((code, etag)) = Self::code(c, name).await? else { return Ok(vec![]) };
        Ok(vec![Found { attrs: attrs(&f, Some(code), s(Some(&etag)), &query.desired), owner }])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cloudfront::types::FunctionMetadata;

    fn desired() -> Attrs {
        let mut a = Attrs::new();
        a.insert("name".into(), "spa-rewrite".into());
        a.insert("runtime".into(), "cloudfront-js-2.0".into());
        a.insert("code".into(), "function handler(event) { return event.request; }".into());
        a.insert("comment".into(), Value::Null);
        a.insert("publish".into(), Value::Bool(true));
        a.insert("key_value_store_associations".into(), Value::Null);
        a
    }

    #[test]
    fn arguments_map_to_the_config_and_back() {
        let a = desired();
        let cfg = build_config("f", &a).expect("builds");
        assert_eq!(cfg.runtime().as_str(), "cloudfront-js-2.0");
        assert_eq!(cfg.comment(), "", "AWS requires a comment: an empty one when unset");
        assert_eq!(cfg.key_value_store_associations().map(|k| k.quantity()), Some(0));
        assert_eq!(code_of(&a).as_ref(), get_str(&a, "code").unwrap_or_default().as_bytes());
        let summary = FunctionSummary::builder()
            .name("spa-rewrite")
            .status("UNASSOCIATED")
            .function_config(cfg)
            .function_metadata(
                FunctionMetadata::builder()
                    .function_arn("arn:aws:cloudfront::1:function/spa-rewrite")
                    .last_modified_time(aws_sdk_cloudfront::primitives::DateTime::from_secs(0))
                    .build()
                    .expect("metadata"),
            )
            .build()
            .expect("summary");
        let mut prior = a.clone();
        prior.insert("live_stage_etag".into(), "L1".into());
        let back = attrs(&summary, get_str(&a, "code").map(str::to_string), "E1".into(), &prior);
        for k in ["name", "runtime", "code", "comment", "publish", "key_value_store_associations"] {
            assert!(back[k].same_as(&a[k]), "{k}: {:?} vs {:?}", back[k], a[k]);
        }
        assert_eq!(back["id"], Value::String("spa-rewrite".into()));
        assert_eq!(back["live_stage_etag"], Value::String("L1".into()), "kept from when it was published");
        assert_eq!(back["arn"], Value::String("arn:aws:cloudfront::1:function/spa-rewrite".into()));
        assert!(runtime(&"cloudfront-js-3.0".into()).is_err());
    }

    #[test]
    fn in_use_and_stale_etags_are_retried() {
        let e = |code: &str| ProviderError::new(ProviderErrorKind::Conflict, "x").with_code(code);
        assert!(etag_moved(&e("PreconditionFailed")));
        assert!(!etag_moved(&e("FunctionInUse")));
        assert!(etag_moved_or_in_use(&e("FunctionInUse")));
    }
}
