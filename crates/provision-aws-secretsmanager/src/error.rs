//! Secrets Manager's error codes, added to the common classification of `provision-aws-core`.

use aws_sdk_secretsmanager::error::{ProvideErrorMetadata, SdkError};
use provision_aws_core::ErrorTable;
use provision_core::ProviderError;
use provision_core::ProviderErrorKind::{Conflict, NotFound};

/// Codes particular to Secrets Manager. It uses `InvalidRequestException` for several conditions,
/// told apart by the message: a secret "marked for deletion" is gone as far as its value and
/// versions go; a name "scheduled for deletion" is in the way of a create.
pub(crate) const SECRETS_MANAGER: ErrorTable = ErrorTable {
    service: "Secrets Manager",
    codes: &[("ResourceExistsException", Conflict)],
    messages: &[
        ("InvalidRequestException", "scheduled for deletion", Conflict),
        ("InvalidRequestException", "marked for deletion", NotFound),
        ("InvalidRequestException", "marked deleted", NotFound),
    ],
};

/// Converts an SDK error from Secrets Manager operation `op` (e.g. "CreateSecret").
pub(crate) fn sdk<E, R>(op: &str, e: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    provision_aws_core::error::sdk(&SECRETS_MANAGER, op, e)
}

/// True when a create failed because the name is taken by a secret that still exists or is
/// scheduled for deletion (AWS says `InvalidRequestException` "... scheduled for deletion", moto
/// `ResourceExistsException`).
pub(crate) fn name_taken(e: &ProviderError) -> bool {
    matches!(e.code.as_deref(), Some("ResourceExistsException"))
        || (e.code.as_deref() == Some("InvalidRequestException") && e.message.contains("scheduled for deletion"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use provision_core::ProviderErrorKind;

    #[test]
    fn secrets_manager_codes_are_classified() {
        let kind = |code, m| SECRETS_MANAGER.classify(code, m);
        assert_eq!(kind("ResourceNotFoundException", "x"), ProviderErrorKind::NotFound);
        assert_eq!(kind("ResourceExistsException", "x"), ProviderErrorKind::Conflict);
        assert_eq!(
            kind(
                "InvalidRequestException",
                "You can't create this secret because a secret with this name is already scheduled for deletion."
            ),
            ProviderErrorKind::Conflict
        );
        assert_eq!(
            kind(
                "InvalidRequestException",
                "You can't perform this operation on the secret because it was marked for deletion."
            ),
            ProviderErrorKind::NotFound
        );
        assert_eq!(kind("InvalidParameterException", "x"), ProviderErrorKind::Invalid);
    }

    #[test]
    fn a_taken_name_is_recognised_on_aws_and_moto() {
        let e = |code: &str, m: &str| ProviderError::new(ProviderErrorKind::Conflict, m).with_code(code);
        assert!(name_taken(&e("ResourceExistsException", "exists")));
        assert!(name_taken(&e("InvalidRequestException", "a secret with this name is already scheduled for deletion")));
        assert!(!name_taken(&e("InvalidRequestException", "something else")));
    }
}
