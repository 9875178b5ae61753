//! DynamoDB's error codes, added to the common classification of `provision-aws-core`.

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use provision_aws_core::ErrorTable;
use provision_core::ProviderError;
use provision_core::ProviderErrorKind::{Conflict, Invalid, Transient};

/// Codes particular to DynamoDB. `ResourceInUseException` (a table being created, updated or
/// deleted, or a name taken) and `ResourceNotFoundException` are common ones.
pub(crate) const DYNAMODB: ErrorTable = ErrorTable {
    service: "DynamoDB",
    codes: &[
        ("LimitExceededException", Conflict),
        ("ProvisionedThroughputExceededException", Transient),
        ("RequestLimitExceeded", Transient),
    ],
    messages: &[("ValidationException", "deletion protection", Invalid)],
};

/// Converts an SDK error from DynamoDB operation `op` (e.g. "CreateTable").
pub(crate) fn sdk<E, R>(op: &str, e: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    provision_aws_core::error::sdk(&DYNAMODB, op, e)
}

/// An SDK builder's missing-field error (a bug here, not the user's).
pub(crate) fn built<T>(r: Result<T, aws_sdk_dynamodb::error::BuildError>) -> Result<T, ProviderError> {
    r.map_err(|e| ProviderError::new(provision_core::ProviderErrorKind::Other, format!("DynamoDB request: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use provision_core::ProviderErrorKind;

    #[test]
    fn dynamodb_codes_are_classified() {
        let kind = |code, m| DYNAMODB.classify(code, m);
        assert_eq!(kind("ResourceNotFoundException", ""), ProviderErrorKind::NotFound);
        assert_eq!(kind("ResourceInUseException", ""), ProviderErrorKind::Conflict);
        assert_eq!(kind("LimitExceededException", ""), ProviderErrorKind::Conflict);
        assert_eq!(
            kind(
                "ValidationException",
                "Resource cannot be deleted as it is currently protected against manual deletion"
            ),
            ProviderErrorKind::Invalid
        );
    }
}
