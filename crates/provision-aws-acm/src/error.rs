//! ACM's error codes, added to the common classification of `provision-aws-core`.

use aws_sdk_acm::error::{ProvideErrorMetadata, SdkError};
use provision_aws_core::ErrorTable;
use provision_core::ProviderError;
use provision_core::ProviderErrorKind::{Conflict, Invalid};

/// Codes particular to ACM. `ResourceNotFoundException` and `ResourceInUseException` (a
/// certificate still used by a load balancer or distribution) are common ones.
pub(crate) const ACM: ErrorTable = ErrorTable {
    service: "ACM",
    codes: &[
        ("InvalidDomainValidationOptionsException", Invalid),
        ("InvalidArnException", Invalid),
        ("LimitExceededException", Invalid),
        ("RequestInProgressException", Conflict),
    ],
    messages: &[],
};

pub(crate) fn sdk<E, R>(op: &str, e: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    provision_aws_core::error::sdk(&ACM, op, e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use provision_core::ProviderErrorKind;

    #[test]
    fn acm_codes_are_classified() {
        assert_eq!(ACM.classify("ResourceNotFoundException", ""), ProviderErrorKind::NotFound);
        assert_eq!(ACM.classify("ResourceInUseException", ""), ProviderErrorKind::Conflict);
        assert_eq!(ACM.classify("RequestInProgressException", ""), ProviderErrorKind::Conflict);
        assert_eq!(ACM.classify("InvalidArnException", ""), ProviderErrorKind::Invalid);
    }
}
