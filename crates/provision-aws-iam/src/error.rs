//! IAM's error codes, added to the common classification of `provision-aws-core`.

use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use provision_aws_core::ErrorTable;
use provision_core::ProviderError;
use provision_core::ProviderErrorKind::{Invalid, Transient};

/// Codes particular to IAM. `NoSuchEntity` and `DeleteConflict` are common ones.
pub(crate) const IAM: ErrorTable = ErrorTable {
    service: "IAM",
    codes: &[
        // Another change to the same entity is in flight: retried by the caller.
        ("ConcurrentModification", Transient),
        ("EntityAlreadyExists", Invalid),
        ("MalformedPolicyDocument", Invalid),
        ("LimitExceeded", Invalid),
        ("UnmodifiableEntity", Invalid),
        ("ServiceFailure", Transient),
    ],
    messages: &[],
};

/// Converts an SDK error from IAM operation `op` (e.g. "CreateRole").
pub(crate) fn sdk<E, R>(op: &str, e: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    provision_aws_core::error::sdk(&IAM, op, e)
}

/// The same error, its message prefixed with the object it concerns (`role app-exec: ...`).
pub(crate) fn about(what: &str, mut e: ProviderError) -> ProviderError {
    e.message = format!("{what}: {}", e.message);
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use provision_core::ProviderErrorKind;

    #[test]
    fn iam_codes_are_classified() {
        let kind = |code| IAM.classify(code, "");
        assert_eq!(kind("NoSuchEntity"), ProviderErrorKind::NotFound);
        assert_eq!(kind("DeleteConflict"), ProviderErrorKind::Conflict);
        assert_eq!(kind("EntityAlreadyExists"), ProviderErrorKind::Invalid);
        assert_eq!(kind("ConcurrentModification"), ProviderErrorKind::Transient);
        assert_eq!(kind("MalformedPolicyDocument"), ProviderErrorKind::Invalid);
    }
}
