//! KMS's error codes, added to the common classification of `provision-aws-core`.

use aws_sdk_kms::error::{ProvideErrorMetadata, SdkError};
use provision_aws_core::ErrorTable;
use provision_core::ProviderError;
use provision_core::ProviderErrorKind::{Conflict, Invalid, NotFound};

/// Codes particular to KMS. `NotFoundException` is a common pattern.
pub(crate) const KMS: ErrorTable = ErrorTable {
    service: "KMS",
    codes: &[
        // A key just created may not be usable everywhere yet; a key being deleted is in the way.
        ("KMSInvalidStateException", Conflict),
        ("AlreadyExistsException", Invalid),
        ("MalformedPolicyDocumentException", Invalid),
    ],
    messages: &[
        // A key pending deletion is gone as far as the configuration is concerned.
        ("KMSInvalidStateException", "is pending deletion", NotFound),
    ],
};

/// Converts an SDK error from KMS operation `op` (e.g. "CreateKey").
pub(crate) fn sdk<E, R>(op: &str, e: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    provision_aws_core::error::sdk(&KMS, op, e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use provision_core::ProviderErrorKind;

    #[test]
    fn kms_codes_are_classified() {
        assert_eq!(KMS.classify("NotFoundException", ""), ProviderErrorKind::NotFound);
        assert_eq!(
            KMS.classify("KMSInvalidStateException", "arn:... is pending deletion."),
            ProviderErrorKind::NotFound
        );
        assert_eq!(KMS.classify("KMSInvalidStateException", "is disabled"), ProviderErrorKind::Conflict);
        assert_eq!(KMS.classify("AlreadyExistsException", ""), ProviderErrorKind::Invalid);
    }
}
