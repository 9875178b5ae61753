//! The CloudFront types of provision's aws provider: distributions, origin access controls and
//! identities, cache policies, functions, and the `aws_cloudfront_cache_policy` lookup. A crate of
//! its own so that editing it recompiles this crate and the provider, not every other service.

mod cache_policy;
mod cache_policy_data;
mod distribution;
mod function;
mod oac;
mod oai;
mod util;

use provision_aws_core::ServiceTypes;
use provision_core::ProviderErrorKind::{Conflict, NotFound};
use std::sync::Arc;

/// The CloudFront client, built from the provider's shared SDK configuration on first use.
pub(crate) struct Clients {
    pub cf: aws_sdk_cloudfront::Client,
    pub partition: &'static str,
    /// For the account id in ARNs CloudFront does not return (an origin access identity's).
    sts: aws_sdk_sts::Client,
    account: tokio::sync::OnceCell<String>,
}

impl Clients {
    /// The account provision runs in (STS `GetCallerIdentity`, once per run).
    pub(crate) async fn account(&self) -> Result<&str, provision_core::ProviderError> {
        self.account
            .get_or_try_init(|| async {
                let out = self.sts.get_caller_identity().send().await.map_err(|e| {
                    provision_aws_core::error::sdk(
                        &provision_aws_core::ErrorTable::empty("STS"),
                        "GetCallerIdentity",
                        e,
                    )
                })?;
                Ok(out.account().unwrap_or_default().to_string())
            })
            .await
            .map(String::as_str)
    }
}

pub(crate) type Context = provision_aws_core::ServiceClients<Clients>;

fn build(sdk: &provision_aws_core::Sdk, counter: provision_aws_core::CountCalls) -> Clients {
    let config = aws_sdk_cloudfront::config::Builder::from(&sdk.config).interceptor(counter.clone()).build();
    let sts = aws_sdk_sts::config::Builder::from(&sdk.config).interceptor(counter).build();
    Clients {
        cf: aws_sdk_cloudfront::Client::from_conf(config),
        partition: sdk.partition,
        sts: aws_sdk_sts::Client::from_conf(sts),
        account: tokio::sync::OnceCell::new(),
    }
}

/// CloudFront's error codes, added to the common classification. `PreconditionFailed` (the
/// ETag sent is not the current one: someone changed the object) and `DistributionNotDisabled`
/// are retried by re-reading; `*InUse` codes wait for what uses the object to go.
pub(crate) const CLOUDFRONT: provision_aws_core::ErrorTable = provision_aws_core::ErrorTable {
    service: "CloudFront",
    codes: &[
        ("PreconditionFailed", Conflict),
        ("InvalidIfMatchVersion", Conflict),
        ("DistributionNotDisabled", Conflict),
        ("OriginAccessControlInUse", Conflict),
        ("CloudFrontOriginAccessIdentityInUse", Conflict),
        ("CachePolicyInUse", Conflict),
        ("FunctionInUse", Conflict),
        ("NoSuchDistribution", NotFound),
        ("NoSuchOriginAccessControl", NotFound),
        ("NoSuchCloudFrontOriginAccessIdentity", NotFound),
        ("NoSuchCachePolicy", NotFound),
        ("NoSuchFunctionExists", NotFound),
        ("NoSuchResource", NotFound),
    ],
    messages: &[],
};

/// Converts an SDK error from CloudFront operation `op`.
pub(crate) fn sdk<E, R>(op: &str, e: aws_sdk_cloudfront::error::SdkError<E, R>) -> provision_core::ProviderError
where
    E: aws_sdk_cloudfront::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    provision_aws_core::error::sdk(&CLOUDFRONT, op, e)
}

/// [`sdk`] with the object named in the message.
pub(crate) fn sdk_for<E, R>(
    what: &str,
    op: &str,
    e: aws_sdk_cloudfront::error::SdkError<E, R>,
) -> provision_core::ProviderError
where
    E: aws_sdk_cloudfront::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    let mut e = sdk(op, e);
    e.message = format!("{what}: {}", e.message);
    e
}

/// This service's resource types and data sources.
pub fn types(shared: &Arc<provision_aws_core::Context>) -> ServiceTypes {
    let ctx = Arc::new(provision_aws_core::ServiceClients::new(shared.clone(), build));
    ServiceTypes {
        resources: vec![
            Arc::new(distribution::Distribution::new(ctx.clone())),
            Arc::new(oac::OriginAccessControl::new(ctx.clone())),
            Arc::new(oai::OriginAccessIdentity::new(ctx.clone())),
            Arc::new(cache_policy::CachePolicyResource::new(ctx.clone())),
            Arc::new(function::Function::new(ctx.clone())),
        ],
        data_sources: vec![Arc::new(cache_policy_data::CachePolicyLookup::new(ctx))],
    }
}

#[cfg(test)]
mod tests {
    use provision_core::ProviderErrorKind;

    #[test]
    fn cloudfront_codes_are_classified() {
        let kind = |c| super::CLOUDFRONT.classify(c, "");
        assert_eq!(kind("PreconditionFailed"), ProviderErrorKind::Conflict);
        assert_eq!(kind("DistributionNotDisabled"), ProviderErrorKind::Conflict);
        assert_eq!(kind("NoSuchDistribution"), ProviderErrorKind::NotFound);
        assert_eq!(kind("NoSuchFunctionExists"), ProviderErrorKind::NotFound);
        assert_eq!(kind("InvalidOrigin"), ProviderErrorKind::Invalid);
    }
}
