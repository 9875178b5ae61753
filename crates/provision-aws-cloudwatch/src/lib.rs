//! The CloudWatch types of provision's aws provider: `aws_cloudwatch_metric_alarm`. A crate of its
//! own so that editing it recompiles this crate and the provider, not every other service.
//!
//! The `aws-sdk-cloudwatch` crate is pinned in the workspace to the last release that speaks the
//! awsQuery protocol (see the workspace `Cargo.toml`): later releases speak Smithy RPCv2 CBOR,
//! which AWS serves but moto 5.2.5, the emulator the tests run against, answers with 404.

mod alarm;
mod util;

use provision_aws_core::ServiceTypes;
use std::sync::Arc;

/// The CloudWatch client, built from the provider's shared SDK configuration on first use.
pub(crate) struct Clients {
    pub cw: aws_sdk_cloudwatch::Client,
}

pub(crate) type Context = provision_aws_core::ServiceClients<Clients>;

fn build(sdk: &provision_aws_core::Sdk, counter: provision_aws_core::CountCalls) -> Clients {
    let config = aws_sdk_cloudwatch::config::Builder::from(&sdk.config).interceptor(counter).build();
    Clients { cw: aws_sdk_cloudwatch::Client::from_conf(config) }
}

/// CloudWatch's error codes, added to the common classification.
pub(crate) const CLOUDWATCH: provision_aws_core::ErrorTable = provision_aws_core::ErrorTable {
    service: "CloudWatch",
    codes: &[
        ("ResourceNotFound", provision_core::ProviderErrorKind::NotFound),
        ("ResourceNotFoundException", provision_core::ProviderErrorKind::NotFound),
        ("ConcurrentModificationException", provision_core::ProviderErrorKind::Conflict),
        ("LimitExceeded", provision_core::ProviderErrorKind::Invalid),
    ],
    messages: &[],
};

/// Converts an SDK error from CloudWatch operation `op`.
pub(crate) fn sdk<E, R>(op: &str, e: aws_sdk_cloudwatch::error::SdkError<E, R>) -> provision_core::ProviderError
where
    E: aws_sdk_cloudwatch::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    provision_aws_core::error::sdk(&CLOUDWATCH, op, e)
}

/// This service's resource types and data sources.
pub fn types(shared: &Arc<provision_aws_core::Context>) -> ServiceTypes {
    let ctx = Arc::new(provision_aws_core::ServiceClients::new(shared.clone(), build));
    ServiceTypes { resources: vec![Arc::new(alarm::MetricAlarm::new(ctx))], data_sources: vec![] }
}
