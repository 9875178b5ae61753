//! The SNS types of provision's aws provider: `aws_sns_topic` and `aws_sns_topic_subscription`.
//! A crate of its own so that editing it recompiles this crate and the provider, not every other
//! service.

mod subscription;
mod topic;
mod util;

use provision_aws_core::ServiceTypes;
use std::sync::Arc;

/// The SNS client, built from the provider's shared SDK configuration on first use.
pub(crate) struct Clients {
    pub sns: aws_sdk_sns::Client,
}

pub(crate) type Context = provision_aws_core::ServiceClients<Clients>;

fn build(sdk: &provision_aws_core::Sdk, counter: provision_aws_core::CountCalls) -> Clients {
    let config = aws_sdk_sns::config::Builder::from(&sdk.config).interceptor(counter).build();
    Clients { sns: aws_sdk_sns::Client::from_conf(config) }
}

/// SNS's error codes, added to the common classification.
pub(crate) const SNS: provision_aws_core::ErrorTable = provision_aws_core::ErrorTable {
    service: "SNS",
    codes: &[
        ("NotFound", provision_core::ProviderErrorKind::NotFound),
        ("ResourceNotFound", provision_core::ProviderErrorKind::NotFound),
        ("ConcurrentAccess", provision_core::ProviderErrorKind::Conflict),
        ("Throttled", provision_core::ProviderErrorKind::Transient),
    ],
    messages: &[
        // A subscription that is gone answers InvalidParameter on AWS.
        ("InvalidParameter", "Unable to find subscription", provision_core::ProviderErrorKind::NotFound),
        ("InvalidParameter", "does not exist", provision_core::ProviderErrorKind::NotFound),
    ],
};

/// Converts an SDK error from SNS operation `op`.
pub(crate) fn sdk<E, R>(op: &str, e: aws_sdk_sns::error::SdkError<E, R>) -> provision_core::ProviderError
where
    E: aws_sdk_sns::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    provision_aws_core::error::sdk(&SNS, op, e)
}

/// This service's resource types and data sources.
pub fn types(shared: &Arc<provision_aws_core::Context>) -> ServiceTypes {
    let ctx = Arc::new(provision_aws_core::ServiceClients::new(shared.clone(), build));
    ServiceTypes {
        resources: vec![Arc::new(topic::Topic::new(ctx.clone())), Arc::new(subscription::Subscription::new(ctx))],
        data_sources: vec![],
    }
}

#[cfg(test)]
mod tests {
    use provision_core::ProviderErrorKind;

    #[test]
    fn sns_codes_are_classified() {
        assert_eq!(super::SNS.classify("NotFound", ""), ProviderErrorKind::NotFound);
        assert_eq!(
            super::SNS.classify("InvalidParameter", "Invalid parameter: Unable to find subscription for given ARN"),
            ProviderErrorKind::NotFound
        );
        assert_eq!(super::SNS.classify("InvalidParameter", "Invalid parameter: Endpoint"), ProviderErrorKind::Invalid);
    }
}
