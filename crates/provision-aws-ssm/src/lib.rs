//! The SSM types of provision's aws provider: `aws_ssm_parameter` and the `aws_ssm_parameter`
//! lookup. A crate of its own so that editing it recompiles this crate and the provider, not every
//! other service.

mod data;
mod parameter;
mod util;

use provision_aws_core::ServiceTypes;
use std::sync::Arc;

/// The SSM client, built from the provider's shared SDK configuration on first use.
pub(crate) struct Clients {
    pub ssm: aws_sdk_ssm::Client,
}

pub(crate) type Context = provision_aws_core::ServiceClients<Clients>;

fn build(sdk: &provision_aws_core::Sdk, counter: provision_aws_core::CountCalls) -> Clients {
    let config = aws_sdk_ssm::config::Builder::from(&sdk.config).interceptor(counter).build();
    Clients { ssm: aws_sdk_ssm::Client::from_conf(config) }
}

/// SSM's error codes, added to the common classification: `ParameterNotFound` and
/// `InvalidResourceId` (tags of a parameter that is gone) mean the object is not there.
pub(crate) const SSM: provision_aws_core::ErrorTable = provision_aws_core::ErrorTable {
    service: "SSM",
    codes: &[
        ("ParameterNotFound", provision_core::ProviderErrorKind::NotFound),
        ("InvalidResourceId", provision_core::ProviderErrorKind::NotFound),
        ("TooManyUpdates", provision_core::ProviderErrorKind::Transient),
    ],
    messages: &[],
};

/// Converts an SDK error from SSM operation `op`.
pub(crate) fn sdk<E, R>(op: &str, e: aws_sdk_ssm::error::SdkError<E, R>) -> provision_core::ProviderError
where
    E: aws_sdk_ssm::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    provision_aws_core::error::sdk(&SSM, op, e)
}

/// This service's resource types and data sources.
pub fn types(shared: &Arc<provision_aws_core::Context>) -> ServiceTypes {
    let ctx = Arc::new(provision_aws_core::ServiceClients::new(shared.clone(), build));
    ServiceTypes {
        resources: vec![Arc::new(parameter::Parameter::new(ctx.clone()))],
        data_sources: vec![Arc::new(data::ParameterLookup::new(ctx))],
    }
}

#[cfg(test)]
mod tests {
    use provision_core::ProviderErrorKind;

    #[test]
    fn ssm_codes_are_classified() {
        assert_eq!(super::SSM.classify("ParameterNotFound", ""), ProviderErrorKind::NotFound);
        assert_eq!(super::SSM.classify("InvalidResourceId", ""), ProviderErrorKind::NotFound);
        assert_eq!(super::SSM.classify("ParameterAlreadyExists", ""), ProviderErrorKind::Invalid);
    }
}
