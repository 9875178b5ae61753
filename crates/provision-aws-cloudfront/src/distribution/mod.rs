//! `aws_cloudfront_distribution`: a CDN in front of one or more origins.
//!
//! Every change spreads to CloudFront's edge locations for minutes; create and update wait for
//! `Deployed` only when `wait_for_deployment` (the default), with the status shown while waiting.
//! A delete follows AWS's rules: disable (`UpdateDistribution` with the current ETag), wait until
//! `Deployed`, then `DeleteDistribution` with the new ETag; `PreconditionFailed` (the ETag moved)
//! is retried after reading it again, `DistributionNotDisabled` (the disable has not spread) after
//! waiting again. `retain_on_delete` stops after the disable and leaves the distribution.
//!
//! Distributions are tagged in their create call (`CreateDistributionWithTags`), so an
//! interrupted create is recovered by tags. A refresh costs two calls per distribution
//! (`GetDistribution` for the configuration and ETag, `ListTagsForResource`): the API has no
//! batched read that returns either.

mod convert;
mod schema;

use crate::util::get_str;
use crate::{Clients, Context, sdk, sdk_for};
use async_trait::async_trait;
use aws_sdk_cloudfront::types::{DistributionConfig, DistributionConfigWithTags, Tag, TagKeys, Tags};
use provision_aws_core::retry::{Policy, RetryOn, nothing, retry};
use provision_aws_core::tags;
use provision_aws_core::wait::{Status, TimedOut, Wait, until};
use provision_core::{
    Attrs, FindQuery, Found, OpContext, ProviderError, ProviderErrorKind, ReadContext, ResourceType, Schema, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// The Route 53 hosted zone of every CloudFront domain (for alias records).
const HOSTED_ZONE: &str = "Z2FDTNDATAQYW2";
/// The same in the China partition.
const HOSTED_ZONE_CN: &str = "Z3RFFRIM2A3IF5";
/// How long a distribution may take to become `Deployed` (Terraform waits 90 minutes).
const DEPLOY_WAIT: Duration = Duration::from_secs(90 * 60);

pub(crate) struct Distribution {
    ctx: Arc<Context>,
    schema: Schema,
}

/// What `GetDistribution` and the tags say about one distribution.
struct Read {
    attrs: Attrs,
}

/// Errors that a delete or change retries after reading the distribution again: the ETag moved
/// (`PreconditionFailed`), the disable has not spread yet (`DistributionNotDisabled`).
fn retried(e: &ProviderError) -> bool {
    matches!(e.code.as_deref(), Some("PreconditionFailed" | "InvalidIfMatchVersion" | "DistributionNotDisabled"))
}

const RETRIED: Policy = Policy {
    retry_on: RetryOn::When(retried),
    timeout: Duration::from_secs(20 * 60),
    first_delay: Duration::from_millis(500),
    max_delay: Duration::from_secs(15),
};

fn tag_pairs(t: Option<&Tags>) -> Vec<(String, String)> {
    t.map(|t| t.items())
        .unwrap_or_default()
        .iter()
        .map(|t| (t.key().to_string(), t.value().unwrap_or_default().to_string()))
        .collect()
}

fn tags_of(pairs: Vec<(String, String)>, what: &str) -> Result<Tags, ProviderError> {
    let mut items = vec![];
    for (k, v) in pairs {
        items.push(
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| ProviderError::new(ProviderErrorKind::Invalid, format!("{what}: tag: {e}")))?,
        );
    }
    Ok(Tags::builder().set_items(Some(items)).build())
}

/// A caller reference unique to this create (the same for a retried one).
fn caller_reference(ctx: &OpContext) -> String {
    let token: String = ctx.token.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(100).collect();
    format!("provision-{token}")
}

/// The arguments only provision reads: AWS holds no trace of them.
const PROVISION_ONLY: &[&str] = &["retain_on_delete", "wait_for_deployment"];

/// The recorded attributes with the desired values of [`PROVISION_ONLY`]: an update of only those.
fn provision_only(prior: &Attrs, desired: &Attrs) -> Attrs {
    let mut a = prior.clone();
    for k in PROVISION_ONLY {
        a.insert(k.to_string(), desired.get(*k).cloned().unwrap_or(Value::Null));
    }
    a
}

/// Whether argument `name` differs between the recorded and the desired attributes, compared as
/// the plan compares them: both in the schema's spelling, an unset collection the same as an empty one.
fn differs(schema: &Schema, name: &str, prior: &Attrs, desired: &Attrs) -> bool {
    let spelled = |v: Option<&Value>| {
        let v = v.cloned().unwrap_or(Value::Null);
        match (schema.attribute(name), schema.block_schema(name)) {
            (Some(a), _) => a.normalized(v),
            (None, Some(b)) => b.canonical(v),
            (None, None) => v,
        }
    };
    let (a, b) = (spelled(prior.get(name)), spelled(desired.get(name)));
    let empty = |v: &Value| match v.unmarked() {
        Value::Null => true,
        Value::List(i) | Value::Set(i) => i.is_empty(),
        Value::Map(m) => m.is_empty(),
        _ => false,
    };
    !(empty(&a) && empty(&b) || a.same_as(&b))
}

impl Distribution {
    pub fn new(ctx: Arc<Context>) -> Self {
        Distribution { ctx, schema: schema::schema() }
    }

    /// The distribution as AWS shows it now, or `None` when it is gone.
    async fn read(c: &Clients, id: &str, prior: &Attrs) -> Result<Option<Read>, ProviderError> {
        let what = format!("CloudFront distribution {id}");
        let out = match c.cf.get_distribution().id(id).send().await {
            Ok(out) => out,
            Err(e) => {
                let e = sdk_for(&what, "GetDistribution", e);
                return if e.is_not_found() { Ok(None) } else { Err(e) };
            }
        };
        let Some(d) = out.distribution() else { return Ok(None) };
        let Some(cfg) = d.distribution_config() else { return Ok(None) };
        let tags = match c.cf.list_tags_for_resource().resource(d.arn()).send().await {
            Ok(t) => tag_pairs(t.tags()),
            Err(e) => {
                let e = sdk_for(&what, "ListTagsForResource", e);
                return if e.is_not_found() { Ok(None) } else { Err(e) };
            }
        };
        let mut a = convert::read_config(cfg, prior);
        a.insert("id".into(), Value::String(d.id().to_string()));
        a.insert("arn".into(), Value::String(d.arn().to_string()));
        a.insert("domain_name".into(), Value::String(d.domain_name().to_string()));
        a.insert("status".into(), Value::String(d.status().to_string()));
        a.insert("etag".into(), Value::String(out.e_tag().unwrap_or_default().to_string()));
        a.insert(
            "hosted_zone_id".into(),
            Value::String(if c.partition == "aws-cn" { HOSTED_ZONE_CN } else { HOSTED_ZONE }.to_string()),
        );
        a.insert("last_modified_time".into(), Value::String(d.last_modified_time().to_string()));
        a.insert("in_progress_validation_batches".into(), Value::Number(d.in_progress_invalidation_batches().into()));
        let kept =
            |k: &str, default: bool| prior.get(k).filter(|v| !v.is_null()).cloned().unwrap_or(Value::Bool(default));
        a.insert("wait_for_deployment".into(), kept("wait_for_deployment", true));
        a.insert("retain_on_delete".into(), kept("retain_on_delete", false));
        a.insert("tags_all".into(), tags::user_tags(tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))));
        Ok(Some(Read { attrs: a }))
    }

    async fn read_one(c: &Clients, id: &str, prior: &Attrs) -> Result<Attrs, ProviderError> {
        retry(
            Policy::NEW_OBJECT,
            || async {
                Self::read(c, id, prior).await?.map(|r| r.attrs).ok_or_else(|| {
                    ProviderError::new(ProviderErrorKind::NotFound, format!("CloudFront distribution {id} not found"))
                })
            },
            nothing,
        )
        .await
    }

    /// Waits until the distribution is `Deployed`, telling the operation its status.
    async fn deployed(c: &Clients, op: &OpContext, id: &str) -> Result<(), ProviderError> {
        let wait = Wait::within(format!("CloudFront distribution {id}"), "Deployed", op, DEPLOY_WAIT)
            .polling(Duration::from_millis(500), Duration::from_secs(15));
        until(
            &wait,
            || async {
                let r = Self::read_status(c, id).await?;
                Ok(match r {
                    Some(s) if s == "Deployed" => Status::Ready(()),
                    Some(s) => Status::Pending(s),
                    None => Status::Gone,
                })
            },
            TimedOut::provider_error,
        )
        .await
        .map(|_| ())
    }

    /// The distribution's status alone (one call).
    async fn read_status(c: &Clients, id: &str) -> Result<Option<String>, ProviderError> {
        match c.cf.get_distribution().id(id).send().await {
            Ok(out) => Ok(out.distribution().map(|d| d.status().to_string())),
            Err(e) => {
                let e = sdk_for(&format!("CloudFront distribution {id}"), "GetDistribution", e);
                if e.is_not_found() { Ok(None) } else { Err(e) }
            }
        }
    }

    /// The configuration AWS holds and its ETag, or `None` when the distribution is gone.
    async fn current_config(c: &Clients, id: &str) -> Result<Option<(DistributionConfig, String)>, ProviderError> {
        match c.cf.get_distribution_config().id(id).send().await {
            Ok(out) => {
                Ok(out.distribution_config().cloned().map(|cfg| (cfg, out.e_tag().unwrap_or_default().to_string())))
            }
            Err(e) => {
                let e = sdk_for(&format!("CloudFront distribution {id}"), "GetDistributionConfig", e);
                if e.is_not_found() { Ok(None) } else { Err(e) }
            }
        }
    }

    /// `UpdateDistribution` with the configuration `make` builds from the current one, with the
    /// current ETag; retried while the ETag moves under it.
    async fn put_config(
        c: &Clients,
        id: &str,
        make: impl Fn(DistributionConfig) -> Result<DistributionConfig, ProviderError>,
    ) -> Result<(), ProviderError> {
        let what = format!("CloudFront distribution {id}");
        retry(
            RETRIED,
            || async {
                let (current, etag) = Self::current_config(c, id)
                    .await?
                    .ok_or_else(|| ProviderError::new(ProviderErrorKind::NotFound, format!("{what} not found")))?;
                c.cf.update_distribution()
                    .id(id)
                    .if_match(etag)
                    .distribution_config(make(current)?)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| sdk_for(&what, "UpdateDistribution", e))
            },
            nothing,
        )
        .await
    }

    /// The stack's distributions tagged for the query's address (one list, then each one's tags).
    async fn tagged(c: &Clients, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let mut marker: Option<String> = None;
        let mut out = vec![];
        loop {
            let page =
                c.cf.list_distributions()
                    .set_marker(marker.clone())
                    .max_items(100)
                    .send()
                    .await
                    .map_err(|e| sdk("ListDistributions", e))?;
            let Some(list) = page.distribution_list() else { break };
            for d in list.items() {
                let t =
                    c.cf.list_tags_for_resource()
                        .resource(d.arn())
                        .send()
                        .await
                        .map_err(|e| sdk("ListTagsForResource", e))?;
                let pairs = tag_pairs(t.tags());
                if tags::tagged_for(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())), &query.identity)
                    && let Some(r) = Self::read(c, d.id(), &query.desired).await?
                {
                    out.push(Found::ours(r.attrs));
                }
            }
            match list.next_marker().filter(|m| list.is_truncated() && !m.is_empty()) {
                Some(m) if Some(m) != marker.as_deref() => marker = Some(m.to_string()),
                _ => break,
            }
        }
        Ok(out)
    }
}

#[async_trait]
impl ResourceType for Distribution {
    fn name(&self) -> &'static str {
        "aws_cloudfront_distribution"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read_many(
        &self,
        _ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        let c = self.ctx.clients().await?;
        let mut out = BTreeMap::new();
        for (id, prior) in objects {
            if let Some(r) = Self::read(c, id, prior).await? {
                out.insert(id.clone(), r.attrs);
            }
        }
        Ok(out)
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let reference = caller_reference(ctx);
        let what = format!("CloudFront distribution for {}", ctx.identity.address);
        let config = convert::build_config(&what, desired, &reference)?;
        let tags = tags_of(tags::create_tags(&ctx.identity, desired.get("tags_all")), &what)?;
        let with_tags = DistributionConfigWithTags::builder().distribution_config(config).tags(tags).build();
        let id = match c.cf.create_distribution_with_tags().distribution_config_with_tags(with_tags).send().await {
            Ok(out) => out
                .distribution()
                .map(|d| d.id().to_string())
                .ok_or_else(|| ProviderError::new(ProviderErrorKind::Other, format!("{what}: no id in the answer")))?,
            Err(e) => {
                let e = sdk_for(&what, "CreateDistributionWithTags", e);
                // A retried create after a lost answer: the distribution with this caller
                // reference exists, tagged for this address.
                if e.code.as_deref() != Some("DistributionAlreadyExists") {
                    return Err(e);
                }
                let query = FindQuery { identity: ctx.identity.clone(), natural_key: None, desired: desired.clone() };
                let found = Self::tagged(c, &query).await?;
                found.first().and_then(|f| get_str(&f.attrs, "id").map(str::to_string)).ok_or(e)?
            }
        };
        ctx.status("created; spreading to the edge locations");
        if desired.get("wait_for_deployment").and_then(Value::as_bool).unwrap_or(true) {
            Self::deployed(c, ctx, &id).await?;
        }
        Self::read_one(c, &id, desired).await
    }

    async fn update(&self, ctx: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let what = format!("CloudFront distribution {id}");
        let config_changed = convert::CONFIG_ARGUMENTS.iter().any(|k| differs(&self.schema, k, prior, desired));
        if config_changed {
            Self::put_config(c, id, |current| convert::build_config(&what, desired, &current.caller_reference)).await?;
        }
        let delta = tags::delta(prior.get("tags_all"), desired.get("tags_all"));
        if !config_changed && delta.removed.is_empty() && delta.changed.is_empty() {
            // Only what provision alone reads (`retain_on_delete`, `wait_for_deployment`): no call.
            return Ok(provision_only(prior, desired));
        }
        let arn = get_str(prior, "arn").unwrap_or_default();
        if !delta.removed.is_empty() {
            let keys = TagKeys::builder().set_items(Some(delta.removed)).build();
            c.cf.untag_resource()
                .resource(arn)
                .tag_keys(keys)
                .send()
                .await
                .map_err(|e| sdk_for(&what, "UntagResource", e))?;
        }
        if !delta.changed.is_empty() {
            let t = tags_of(delta.changed, &what)?;
            c.cf.tag_resource().resource(arn).tags(t).send().await.map_err(|e| sdk_for(&what, "TagResource", e))?;
        }
        if config_changed && desired.get("wait_for_deployment").and_then(Value::as_bool).unwrap_or(true) {
            Self::deployed(c, ctx, id).await?;
        }
        Self::read_one(c, id, desired).await
    }

    async fn delete(&self, ctx: &OpContext, id: &str, prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        let what = format!("CloudFront distribution {id}");
        let Some((current, _)) = Self::current_config(c, id).await? else { return Ok(()) };
        if current.enabled {
            ctx.status("disabling");
            Self::put_config(c, id, |mut cfg| {
                cfg.enabled = false;
                Ok(cfg)
            })
            .await?;
        }
        ctx.status("waiting for the disable to spread");
        Self::deployed(c, ctx, id).await?;
        if prior.get("retain_on_delete").and_then(Value::as_bool) == Some(true) {
            tracing::info!(distribution = id, "retain_on_delete: left disabled, not deleted");
            return Ok(());
        }
        ctx.status("deleting");
        retry(
            RETRIED,
            || async {
                let Some((cfg, etag)) = Self::current_config(c, id).await? else { return Ok(()) };
                if cfg.enabled {
                    // Enabled again by someone else meanwhile: disable once more.
                    Self::put_config(c, id, |mut cfg| {
                        cfg.enabled = false;
                        Ok(cfg)
                    })
                    .await?;
                }
                match c.cf.delete_distribution().id(id).if_match(etag).send().await {
                    Ok(_) => Ok(()),
                    Err(e) => {
                        let e = sdk_for(&what, "DeleteDistribution", e);
                        if e.is_not_found() {
                            return Ok(());
                        }
                        if e.code.as_deref() == Some("DistributionNotDisabled") {
                            ctx.status("waiting for the disable to spread");
                            Self::deployed(c, ctx, id).await?;
                        }
                        Err(e)
                    }
                }
            },
            nothing,
        )
        .await
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let c = self.ctx.clients().await?;
        Self::tagged(c, query).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etag_and_disable_races_are_retried() {
        let e = |code: &str| ProviderError::new(ProviderErrorKind::Conflict, "x").with_code(code);
        assert!(retried(&e("PreconditionFailed")));
        assert!(retried(&e("DistributionNotDisabled")));
        assert!(!retried(&e("AccessDenied")));
    }

    #[test]
    fn an_update_of_provision_only_arguments_keeps_the_rest() {
        let prior: Attrs =
            [("id", Value::from("E1")), ("retain_on_delete", Value::Bool(false)), ("comment", Value::from("a"))]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
        let mut desired = prior.clone();
        desired.insert("retain_on_delete".into(), Value::Bool(true));
        desired.insert("wait_for_deployment".into(), Value::Bool(false));
        let got = provision_only(&prior, &desired);
        assert_eq!(got.get("retain_on_delete"), Some(&Value::Bool(true)));
        assert_eq!(got.get("wait_for_deployment"), Some(&Value::Bool(false)));
        assert_eq!(got.get("comment"), Some(&Value::from("a")));
    }

    #[test]
    fn caller_references_are_stable_per_pending_record() {
        let address = "aws_cloudfront_distribution.site".parse().expect("address");
        let op =
            OpContext::new(provision_core::Identity { stack: "s".into(), address }, "t-1/x", Duration::from_secs(1));
        assert_eq!(caller_reference(&op), "provision-t-1x");
    }
}
