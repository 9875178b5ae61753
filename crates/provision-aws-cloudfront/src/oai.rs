//! `aws_cloudfront_origin_access_identity`: the legacy way (before origin access controls) for a
//! distribution to read a private S3 bucket. A distribution's origin names it in
//! `s3_origin_config { origin_access_identity = ...cloudfront_access_identity_path }`, and the
//! bucket policy allows its `iam_arn`.
//!
//! AWS cannot tag an origin access identity. Its create call takes a caller reference, which
//! provision derives from the pending record's token: a retried create returns the first
//! identity, and recovery after a crash finds it by that reference (the identity strategy
//! `Name`, the reference being the natural key). A refresh is one paginated
//! `ListCloudFrontOriginAccessIdentities` call for all of a stack's identities (100 a page); the
//! caller reference (fixed at create) and the ETag come from the recorded attributes, and the
//! ETag is read fresh before each change.

use crate::util::{get_str, s};
use crate::{Clients, Context, sdk_for};
use async_trait::async_trait;
use aws_sdk_cloudfront::types::{
    CloudFrontOriginAccessIdentity, CloudFrontOriginAccessIdentityConfig, CloudFrontOriginAccessIdentitySummary,
};
use provision_aws_core::retry::{Policy, RetryOn, gone_is_ok, nothing, retry};
use provision_core::{
    AttributeSchema, Attrs, FindQuery, Found, IdentityStrategy, OpContext, ProviderError, ProviderErrorKind,
    ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

pub(crate) struct OriginAccessIdentity {
    ctx: Arc<Context>,
    schema: Schema,
}

/// The caller reference of the identity a create with this token makes (the same for a retried
/// create, and known before the call for recovery).
pub(crate) fn caller_reference(token: &str) -> String {
    let token: String = token.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(100).collect();
    format!("provision-{token}")
}

/// The path a distribution's `s3_origin_config` names the identity by.
fn access_identity_path(id: &str) -> String {
    format!("origin-access-identity/cloudfront/{id}")
}

/// The IAM principal a bucket policy allows (`Principal = { AWS = iam_arn }`).
fn iam_arn(partition: &str, id: &str) -> String {
    format!("arn:{partition}:iam::cloudfront:user/CloudFront Origin Access Identity {id}")
}

/// Errors a change or delete retries after reading the ETag again (someone changed the identity
/// meanwhile), and, for a delete, while a distribution still names it (its update spreading).
fn etag_moved(e: &ProviderError) -> bool {
    matches!(e.code.as_deref(), Some("PreconditionFailed" | "InvalidIfMatchVersion"))
}

fn etag_moved_or_in_use(e: &ProviderError) -> bool {
    etag_moved(e) || e.code.as_deref() == Some("CloudFrontOriginAccessIdentityInUse")
}

const ETAG_MOVED: Policy = Policy {
    retry_on: RetryOn::When(etag_moved),
    timeout: Duration::from_secs(120),
    first_delay: Duration::from_millis(500),
    max_delay: Duration::from_secs(10),
};

/// A distribution that stopped naming the identity may take its deployment's time to let go.
const IN_USE: Policy = Policy {
    retry_on: RetryOn::When(etag_moved_or_in_use),
    timeout: Duration::from_secs(20 * 60),
    first_delay: Duration::from_secs(1),
    max_delay: Duration::from_secs(15),
};

fn not_found(id: &str) -> ProviderError {
    ProviderError::new(ProviderErrorKind::NotFound, format!("origin access identity {id} not found"))
}

impl OriginAccessIdentity {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("A CloudFront origin access identity (legacy; an origin access control is its successor).")
            .with_id()
            .attr(
                AttributeSchema::optional("comment", Type::String)
                    .default("")
                    .describe("A comment. Changed in place (`UpdateCloudFrontOriginAccessIdentity`)."),
            )
            .attr(AttributeSchema::computed("caller_reference", Type::String).describe(
                "The unique reference it was created with (provision derives it from the create's token).",
            ))
            .attr(AttributeSchema::computed("cloudfront_access_identity_path", Type::String).describe(
                "`origin-access-identity/cloudfront/<id>`: what a distribution's `s3_origin_config.origin_access_identity` takes.",
            ))
            .attr(AttributeSchema::computed("etag", Type::String).describe("The current version (ETag)."))
            .attr(AttributeSchema::computed("iam_arn", Type::String).describe(
                "The principal a bucket policy allows: `arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity <id>`.",
            ))
            .attr(
                AttributeSchema::computed("s3_canonical_user_id", Type::String)
                    .describe("The Amazon S3 canonical user id, for bucket ACLs and policies."),
            )
            .attr(AttributeSchema::computed("arn", Type::String).describe(
                "`arn:aws:cloudfront::<account>:origin-access-identity/<id>` (the account from STS `GetCallerIdentity`, once per run).",
            ));
        OriginAccessIdentity { ctx, schema }
    }

    /// The attributes of one identity, from what AWS shows and what is kept.
    fn attrs(
        c: &Clients,
        account: &str,
        id: &str,
        canonical: &str,
        comment: &str,
        reference: Value,
        etag: Value,
    ) -> Attrs {
        let mut a = Attrs::new();
        a.insert("id".into(), s(Some(id)));
        a.insert("comment".into(), s(Some(comment)));
        a.insert("caller_reference".into(), reference);
        a.insert("cloudfront_access_identity_path".into(), s(Some(&access_identity_path(id))));
        a.insert("etag".into(), etag);
        a.insert("iam_arn".into(), s(Some(&iam_arn(c.partition, id))));
        a.insert("s3_canonical_user_id".into(), s(Some(canonical)));
        a.insert(
            "arn".into(),
            s(Some(&format!("arn:{}:cloudfront::{account}:origin-access-identity/{id}", c.partition))),
        );
        a
    }

    /// Every identity of the account (one call per 100).
    async fn list(c: &Clients) -> Result<Vec<CloudFrontOriginAccessIdentitySummary>, ProviderError> {
        let mut out = vec![];
        let mut marker: Option<String> = None;
        loop {
            let page =
                c.cf.list_cloud_front_origin_access_identities()
                    .set_marker(marker.clone())
                    .max_items(100)
                    .send()
                    .await
                    .map_err(|e| crate::sdk("ListCloudFrontOriginAccessIdentities", e))?;
            let Some(list) = page.cloud_front_origin_access_identity_list() else { break };
            out.extend(list.items().iter().cloned());
            match list.next_marker().filter(|m| list.is_truncated() && !m.is_empty()) {
                Some(m) if Some(m) != marker.as_deref() => marker = Some(m.to_string()),
                _ => break,
            }
        }
        Ok(out)
    }

    /// One identity with its ETag (one call, and STS once per run for the account), or `None`
    /// when it is gone.
    async fn get(c: &Clients, id: &str) -> Result<Option<Attrs>, ProviderError> {
        let out = match c.cf.get_cloud_front_origin_access_identity().id(id).send().await {
            Ok(out) => out,
            Err(e) => {
                let e = sdk_for(&format!("origin access identity {id}"), "GetCloudFrontOriginAccessIdentity", e);
                return if e.is_not_found() { Ok(None) } else { Err(e) };
            }
        };
        let Some(o) = out.cloud_front_origin_access_identity() else { return Ok(None) };
        Ok(Some(Self::identity_attrs(c, o, out.e_tag()).await?))
    }

    /// The attributes of an identity as GetCloudFrontOriginAccessIdentity (or the create)
    /// answers it, with its ETag; the account (STS, once per run) is for the ARN.
    async fn identity_attrs(
        c: &Clients,
        o: &CloudFrontOriginAccessIdentity,
        etag: Option<&str>,
    ) -> Result<Attrs, ProviderError> {
        let (reference, comment) = o
            .cloud_front_origin_access_identity_config()
            .map(|cfg| (cfg.caller_reference().to_string(), cfg.comment().to_string()))
            .unwrap_or_default();
        let account = c.account().await?;
        Ok(Self::attrs(
            c,
            account,
            o.id(),
            o.s3_canonical_user_id(),
            &comment,
            s(Some(&reference)),
            crate::util::nonempty(etag),
        ))
    }

    async fn read_one(c: &Clients, id: &str) -> Result<Attrs, ProviderError> {
        retry(Policy::NEW_OBJECT, || async { Self::get(c, id).await?.ok_or_else(|| not_found(id)) }, nothing).await
    }

    /// The configuration AWS holds and its ETag (one call).
    async fn config(c: &Clients, id: &str) -> Result<(CloudFrontOriginAccessIdentityConfig, String), ProviderError> {
        match c.cf.get_cloud_front_origin_access_identity_config().id(id).send().await {
            Ok(out) => {
                let etag = out.e_tag().unwrap_or_default().to_string();
                out.cloud_front_origin_access_identity_config()
                    .cloned()
                    .map(|cfg| (cfg, etag))
                    .ok_or_else(|| not_found(id))
            }
            Err(e) => {
                Err(sdk_for(&format!("origin access identity {id}"), "GetCloudFrontOriginAccessIdentityConfig", e))
            }
        }
    }

    /// The identity created with this caller reference, if any: the list, then the configuration
    /// of those whose comment is the one the create was given (usually one).
    async fn by_reference(c: &Clients, reference: &str, comment: &str) -> Result<Option<Attrs>, ProviderError> {
        for o in Self::list(c).await?.iter().filter(|o| o.comment() == comment) {
            match Self::config(c, o.id()).await {
                Ok((cfg, _)) if cfg.caller_reference() == reference => return Self::get(c, o.id()).await,
                Ok(_) => {}
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }
}

#[async_trait]
impl ResourceType for OriginAccessIdentity {
    fn name(&self) -> &'static str {
        "aws_cloudfront_origin_access_identity"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn identity(&self) -> IdentityStrategy {
        IdentityStrategy::Name
    }

    fn natural_key(&self, ctx: &OpContext, _desired: &Attrs) -> Option<String> {
        Some(caller_reference(&ctx.token))
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
        let listed: BTreeMap<String, CloudFrontOriginAccessIdentitySummary> =
            Self::list(c).await?.into_iter().map(|o| (o.id().to_string(), o)).collect();
        let mut out = BTreeMap::new();
        for (id, prior) in objects {
            let Some(o) = listed.get(id) else { continue };
            let kept = |k: &str| prior.get(k).cloned().unwrap_or(Value::Null);
            // The account is in the recorded ARN; only a record without one asks STS.
            let account = match get_str(prior, "arn").and_then(|a| a.split(':').nth(4)) {
                Some(a) if !a.is_empty() => a.to_string(),
                _ => c.account().await?.to_string(),
            };
            let a = Self::attrs(
                c,
                &account,
                id,
                o.s3_canonical_user_id(),
                o.comment(),
                kept("caller_reference"),
                kept("etag"),
            );
            out.insert(id.clone(), a);
        }
        Ok(out)
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let reference = caller_reference(&ctx.token);
        let what = format!("origin access identity for {}", ctx.identity.address);
        let config = CloudFrontOriginAccessIdentityConfig::builder()
            .caller_reference(&reference)
            .comment(get_str(desired, "comment").unwrap_or_default())
            .build()
            .map_err(|e| ProviderError::new(ProviderErrorKind::Invalid, format!("{what}: {e}")))?;
        // A retried create with the same reference and comment answers the first identity.
        let out =
            c.cf.create_cloud_front_origin_access_identity()
                .cloud_front_origin_access_identity_config(config)
                .send()
                .await
                .map_err(|e| sdk_for(&what, "CreateCloudFrontOriginAccessIdentity", e))?;
        let o = out.cloud_front_origin_access_identity().ok_or_else(|| {
            ProviderError::new(
                ProviderErrorKind::Other,
                format!("{what}: CreateCloudFrontOriginAccessIdentity returned no id"),
            )
        })?;
        // The response is the identity and its ETag, as GetCloudFrontOriginAccessIdentity shows
        // them: nothing to read back.
        Self::identity_attrs(c, o, out.e_tag()).await
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
    ) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let what = format!("origin access identity {id}");
        let comment = get_str(desired, "comment").unwrap_or_default();
        retry(
            ETAG_MOVED,
            || async {
                let (current, etag) = Self::config(c, id).await?;
                let config = CloudFrontOriginAccessIdentityConfig::builder()
                    .caller_reference(current.caller_reference())
                    .comment(comment)
                    .build()
                    .map_err(|e| ProviderError::new(ProviderErrorKind::Invalid, format!("{what}: {e}")))?;
                c.cf.update_cloud_front_origin_access_identity()
                    .id(id)
                    .if_match(etag)
                    .cloud_front_origin_access_identity_config(config)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| sdk_for(&what, "UpdateCloudFrontOriginAccessIdentity", e))
            },
            nothing,
        )
        .await?;
        Self::read_one(c, id).await
    }

    async fn delete(&self, ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        let what = format!("origin access identity {id}");
        gone_is_ok(
            retry(
                IN_USE,
                || async {
                    let (_, etag) = Self::config(c, id).await?;
                    match c.cf.delete_cloud_front_origin_access_identity().id(id).if_match(etag).send().await {
                        Ok(_) => Ok(()),
                        Err(e) => {
                            let e = sdk_for(&what, "DeleteCloudFrontOriginAccessIdentity", e);
                            if e.code.as_deref() == Some("CloudFrontOriginAccessIdentityInUse") {
                                ctx.status("a distribution still uses it");
                            }
                            Err(e)
                        }
                    }
                },
                nothing,
            )
            .await,
        )
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let Some(reference) = query.natural_key.as_deref() else { return Ok(vec![]) };
        let c = self.ctx.clients().await?;
        let comment = get_str(&query.desired, "comment").unwrap_or_default();
        // The reference holds the pending record's token: an identity made with it is ours.
        Ok(Self::by_reference(c, reference, comment).await?.map(Found::ours).into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_names() {
        assert_eq!(caller_reference("t-1/x y"), "provision-t-1xy");
        assert_eq!(access_identity_path("E2QWRUHAPOMQZL"), "origin-access-identity/cloudfront/E2QWRUHAPOMQZL");
        assert_eq!(
            iam_arn("aws", "E2QWRUHAPOMQZL"),
            "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHAPOMQZL"
        );
    }

    #[test]
    fn etag_races_are_retried_and_in_use_only_on_delete() {
        let e = |code: &str| ProviderError::new(ProviderErrorKind::Conflict, "x").with_code(code);
        assert!(etag_moved(&e("PreconditionFailed")));
        assert!(!etag_moved(&e("CloudFrontOriginAccessIdentityInUse")));
        assert!(etag_moved_or_in_use(&e("CloudFrontOriginAccessIdentityInUse")));
        assert!(!etag_moved_or_in_use(&e("AccessDenied")));
    }
}
