//! Application Auto Scaling's error codes, added to the common classification of
//! `provision-aws-core`. The service says "not found" with a `ValidationException`.

use aws_sdk_applicationautoscaling::error::{ProvideErrorMetadata, SdkError};
use provision_aws_core::ErrorTable;
use provision_core::ProviderError;
use provision_core::ProviderErrorKind::{Conflict, NotFound};

pub(crate) const AAS: ErrorTable = ErrorTable {
    service: "Application Auto Scaling",
    codes: &[("ConcurrentUpdateException", Conflict), ("ObjectNotFoundException", NotFound)],
    messages: &[
        ("ValidationException", "No scalable target registered", NotFound),
        ("ValidationException", "No scaling policy found", NotFound),
        ("ValidationException", "not found", NotFound),
    ],
};

/// Converts an SDK error from operation `op` (e.g. "RegisterScalableTarget").
pub(crate) fn sdk<E, R>(op: &str, e: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    provision_aws_core::error::sdk(&AAS, op, e)
}

/// True while a role given to the service was created moments ago ("Unable to assume IAM role").
pub(crate) fn role_not_ready(e: &ProviderError) -> bool {
    provision_aws_core::retry::iam_propagation(e)
        || e.message.to_ascii_lowercase().contains("unable to assume iam role")
}

#[cfg(test)]
mod tests {
    use super::*;
    use provision_core::ProviderErrorKind;

    #[test]
    fn codes_are_classified() {
        assert_eq!(
            AAS.classify("ValidationException", "No scalable target registered for service namespace: ecs"),
            ProviderErrorKind::NotFound
        );
        assert_eq!(AAS.classify("ObjectNotFoundException", "No scaling policy found"), ProviderErrorKind::NotFound);
        assert_eq!(
            AAS.classify("ValidationException", "Maximum capacity cannot be less than minimum capacity"),
            ProviderErrorKind::Invalid
        );
        assert_eq!(AAS.classify("ConcurrentUpdateException", ""), ProviderErrorKind::Conflict);
        let e = ProviderError::new(ProviderErrorKind::Invalid, "Unable to assume IAM role: arn:aws:iam::1:role/r");
        assert!(role_not_ready(&e));
    }
}
