//! EC2's error codes, added to the common classification of `provision-aws-core`.

use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use provision_aws_core::ErrorTable;
use provision_core::{ProviderError, ProviderErrorKind::Conflict};

/// Codes particular to EC2. Its `*.NotFound` codes, `DependencyViolation`, auth and throttling
/// codes are common ones.
pub(crate) const EC2: ErrorTable = ErrorTable {
    service: "EC2",
    codes: &[
        ("InvalidGroup.InUse", Conflict),
        ("Gateway.NotAttached", Conflict),
        ("InvalidIPAddress.InUse", Conflict),
        ("InvalidNetworkInterface.InUse", Conflict),
    ],
    messages: &[],
};

/// Converts an SDK error from EC2 operation `op` (e.g. "CreateVpc").
pub(crate) fn sdk<E, R>(op: &str, e: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    provision_aws_core::error::sdk(&EC2, op, e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use provision_core::ProviderErrorKind;

    #[test]
    fn ec2_codes_are_classified() {
        let kind = |code| EC2.classify(code, "");
        assert_eq!(kind("InvalidVpcID.NotFound"), ProviderErrorKind::NotFound);
        assert_eq!(kind("InvalidInternetGatewayID.NotFound"), ProviderErrorKind::NotFound);
        assert_eq!(kind("DependencyViolation"), ProviderErrorKind::Conflict);
        assert_eq!(kind("InvalidGroup.InUse"), ProviderErrorKind::Conflict);
        assert_eq!(kind("Gateway.NotAttached"), ProviderErrorKind::Conflict);
        assert_eq!(kind("InvalidNetworkInterface.InUse"), ProviderErrorKind::Conflict);
        assert_eq!(kind("RequestLimitExceeded"), ProviderErrorKind::Transient);
        assert_eq!(kind("UnauthorizedOperation"), ProviderErrorKind::Auth);
        assert_eq!(kind("InvalidSubnet.Conflict"), ProviderErrorKind::Invalid);
    }
}
