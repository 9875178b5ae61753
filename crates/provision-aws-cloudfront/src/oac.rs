//! `aws_cloudfront_origin_access_control`: lets a distribution sign its requests to a private
//! origin (an S3 bucket whose policy allows only that distribution).
//!
//! AWS cannot tag an origin access control, so an interrupted create is recovered by content
//! (the one with the same name and settings). The whole list is one paginated call, which is also
//! the batched read; the ETag the list does not show is read fresh before each change.

use crate::util::{get_str, nonempty, s};
use crate::{Clients, Context, sdk, sdk_for};
use async_trait::async_trait;
use aws_sdk_cloudfront::types::{
    OriginAccessControlConfig, OriginAccessControlOriginTypes, OriginAccessControlSigningBehaviors,
    OriginAccessControlSigningProtocols, OriginAccessControlSummary,
};
use provision_aws_core::retry::{Policy, gone_is_ok, nothing, retry};
use provision_core::{
    AttributeSchema, Attrs, FindQuery, Found, IdentityStrategy, OpContext, ProviderError, ProviderErrorKind,
    ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

pub(crate) struct OriginAccessControl {
    ctx: Arc<Context>,
    schema: Schema,
}

fn origin_type(v: &Value) -> Result<(), String> {
    provision_aws_core::validate::one_of(v, &["s3", "mediastore", "lambda", "mediapackagev2"], "origin type")
}

fn behavior(v: &Value) -> Result<(), String> {
    provision_aws_core::validate::one_of(v, &["always", "never", "no-override"], "signing behavior")
}

fn protocol(v: &Value) -> Result<(), String> {
    provision_aws_core::validate::one_of(v, &["sigv4"], "signing protocol")
}

/// The settings that make two origin access controls the same, for recovery by content.
const CONTENT: &[&str] =
    &["name", "description", "origin_access_control_origin_type", "signing_behavior", "signing_protocol"];

impl OriginAccessControl {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("A CloudFront origin access control.")
            .with_id()
            .attr(
                AttributeSchema::required("name", Type::String)
                    .describe("The name, unique in the account. Changed in place (`UpdateOriginAccessControl`)."),
            )
            .attr(AttributeSchema::optional("description", Type::String).default("").describe("A description."))
            .attr(
                AttributeSchema::required("origin_access_control_origin_type", Type::String)
                    .validate(origin_type)
                    .describe("`s3`, `mediastore`, `lambda` or `mediapackagev2`."),
            )
            .attr(
                AttributeSchema::required("signing_behavior", Type::String)
                    .validate(behavior)
                    .describe("`always` (sign every request: what a private bucket needs), `never` or `no-override`."),
            )
            .attr(
                AttributeSchema::required("signing_protocol", Type::String)
                    .validate(protocol)
                    .describe("`sigv4`, the only protocol."),
            )
            .attr(AttributeSchema::computed("etag", Type::String).describe("The current version (ETag)."));
        OriginAccessControl { ctx, schema }
    }

    async fn list(c: &Clients) -> Result<Vec<OriginAccessControlSummary>, ProviderError> {
        let mut out = vec![];
        let mut marker: Option<String> = None;
        loop {
            let page =
                c.cf.list_origin_access_controls()
                    .set_marker(marker.clone())
                    .max_items(100)
                    .send()
                    .await
                    .map_err(|e| sdk("ListOriginAccessControls", e))?;
            let Some(list) = page.origin_access_control_list() else { break };
            out.extend(list.items().iter().cloned());
            match list.next_marker().filter(|m| list.is_truncated() && !m.is_empty()) {
                Some(m) if Some(m) != marker.as_deref() => marker = Some(m.to_string()),
                _ => break,
            }
        }
        Ok(out)
    }

    fn summary_attrs(o: &OriginAccessControlSummary, etag: Value) -> Attrs {
        let mut a = Attrs::new();
        a.insert("id".into(), Value::String(o.id().to_string()));
        a.insert("name".into(), Value::String(o.name().to_string()));
        a.insert("description".into(), Value::String(o.description().to_string()));
        a.insert("origin_access_control_origin_type".into(), s(Some(o.origin_access_control_origin_type().as_str())));
        a.insert("signing_behavior".into(), s(Some(o.signing_behavior().as_str())));
        a.insert("signing_protocol".into(), s(Some(o.signing_protocol().as_str())));
        a.insert("etag".into(), etag);
        a
    }

    /// One origin access control and its ETag (one call), or `None` when it is gone.
    async fn get(c: &Clients, id: &str) -> Result<Option<(Attrs, String)>, ProviderError> {
        match c.cf.get_origin_access_control().id(id).send().await {
            Ok(out) => {
                let etag = out.e_tag().unwrap_or_default().to_string();
                let Some(cfg) = out.origin_access_control().and_then(|o| o.origin_access_control_config()) else {
                    return Ok(None);
                };
                let mut a = Attrs::new();
                a.insert("id".into(), Value::String(id.to_string()));
                a.insert("name".into(), Value::String(cfg.name().to_string()));
                a.insert("description".into(), Value::String(cfg.description().unwrap_or_default().to_string()));
                a.insert(
                    "origin_access_control_origin_type".into(),
                    s(Some(cfg.origin_access_control_origin_type().as_str())),
                );
                a.insert("signing_behavior".into(), s(Some(cfg.signing_behavior().as_str())));
                a.insert("signing_protocol".into(), s(Some(cfg.signing_protocol().as_str())));
                a.insert("etag".into(), nonempty(Some(&etag)));
                Ok(Some((a, etag)))
            }
            Err(e) => {
                let e = sdk("GetOriginAccessControl", e);
                if e.is_not_found() { Ok(None) } else { Err(e) }
            }
        }
    }

    async fn read_one(c: &Clients, id: &str) -> Result<Attrs, ProviderError> {
        retry(
            Policy::NEW_OBJECT,
            || async {
                Self::get(c, id).await?.map(|(a, _)| a).ok_or_else(|| {
                    ProviderError::new(ProviderErrorKind::NotFound, format!("origin access control {id} not found"))
                })
            },
            nothing,
        )
        .await
    }

    fn config(desired: &Attrs) -> Result<OriginAccessControlConfig, ProviderError> {
        let name = get_str(desired, "name").unwrap_or_default();
        OriginAccessControlConfig::builder()
            .name(name)
            .description(get_str(desired, "description").unwrap_or_default())
            .signing_protocol(OriginAccessControlSigningProtocols::from(
                get_str(desired, "signing_protocol").unwrap_or("sigv4"),
            ))
            .signing_behavior(OriginAccessControlSigningBehaviors::from(
                get_str(desired, "signing_behavior").unwrap_or_default(),
            ))
            .origin_access_control_origin_type(OriginAccessControlOriginTypes::from(
                get_str(desired, "origin_access_control_origin_type").unwrap_or_default(),
            ))
            .build()
            .map_err(|e| ProviderError::new(ProviderErrorKind::Invalid, format!("origin access control {name}: {e}")))
    }

    /// The origin access control identical to `desired`, if there is one.
    async fn identical(c: &Clients, desired: &Attrs) -> Result<Option<Attrs>, ProviderError> {
        Ok(Self::list(c).await?.iter().map(|o| Self::summary_attrs(o, Value::Null)).find(|a| {
            CONTENT.iter().all(|k| a.get(*k).unwrap_or(&Value::Null).same_as(desired.get(*k).unwrap_or(&Value::Null)))
        }))
    }
}

#[async_trait]
impl ResourceType for OriginAccessControl {
    fn name(&self) -> &'static str {
        "aws_cloudfront_origin_access_control"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn identity(&self) -> IdentityStrategy {
        IdentityStrategy::Content
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
        let listed: BTreeMap<String, OriginAccessControlSummary> =
            Self::list(c).await?.into_iter().map(|o| (o.id().to_string(), o)).collect();
        Ok(objects
            .iter()
            .filter_map(|(id, prior)| {
                let o = listed.get(id)?;
                Some((id.clone(), Self::summary_attrs(o, prior.get("etag").cloned().unwrap_or(Value::Null))))
            })
            .collect())
    }

    async fn create(&self, _ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let name = get_str(desired, "name").unwrap_or_default();
        let what = format!("origin access control {name}");
        let out =
            match c.cf.create_origin_access_control().origin_access_control_config(Self::config(desired)?).send().await
            {
                Ok(out) => out,
                Err(e) => {
                    let e = sdk_for(&what, "CreateOriginAccessControl", e);
                    // A retried create: the same origin access control is already there.
                    if e.code.as_deref() == Some("OriginAccessControlAlreadyExists")
                        && let Some(a) = Self::identical(c, desired).await?
                        && let Some(id) = get_str(&a, "id")
                    {
                        return Self::read_one(c, id).await;
                    }
                    return Err(e);
                }
            };
        let id = out.origin_access_control().map(|o| o.id().to_string()).ok_or_else(|| {
            ProviderError::new(ProviderErrorKind::Other, format!("{what}: CreateOriginAccessControl returned no id"))
        })?;
        Self::read_one(c, &id).await
    }

    async fn update(&self, _op: &OpContext, id: &str, _prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let what = format!("origin access control {id}");
        retry(
            Policy::in_use(Duration::from_secs(120)),
            || async {
                let (_, etag) = Self::get(c, id)
                    .await?
                    .ok_or_else(|| ProviderError::new(ProviderErrorKind::NotFound, format!("{what} not found")))?;
                c.cf.update_origin_access_control()
                    .id(id)
                    .if_match(etag)
                    .origin_access_control_config(Self::config(desired)?)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| sdk_for(&what, "UpdateOriginAccessControl", e))
            },
            nothing,
        )
        .await?;
        Self::read_one(c, id).await
    }

    async fn delete(&self, _op: &OpContext, id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        let what = format!("origin access control {id}");
        // In use by a distribution that is still being updated or deleted: wait for it.
        gone_is_ok(
            retry(
                Policy::in_use(Duration::from_secs(1200)),
                || async {
                    let Some((_, etag)) = Self::get(c, id).await? else {
                        return Err(ProviderError::new(ProviderErrorKind::NotFound, format!("{what} not found")));
                    };
                    c.cf.delete_origin_access_control()
                        .id(id)
                        .if_match(etag)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|e| sdk_for(&what, "DeleteOriginAccessControl", e))
                },
                nothing,
            )
            .await,
        )
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let c = self.ctx.clients().await?;
        Ok(Self::identical(c, &query.desired).await?.map(Found::ours).into_iter().collect())
    }
}
