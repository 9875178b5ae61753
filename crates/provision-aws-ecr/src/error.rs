//! ECR's error codes, added to the common classification of `provision-aws-core`.

use aws_sdk_ecr::error::{ProvideErrorMetadata, SdkError};
use provision_aws_core::ErrorTable;
use provision_core::ProviderError;
use provision_core::ProviderErrorKind::{Conflict, Invalid, NotFound};

/// Codes particular to ECR. Its `*NotFoundException` codes are common ones.
pub(crate) const ECR: ErrorTable = ErrorTable {
    service: "ECR",
    codes: &[
        ("RepositoryNotEmptyException", Conflict),
        ("RepositoryAlreadyExistsException", Invalid),
        ("InvalidParameterException", Invalid),
        ("LimitExceededException", Invalid),
        ("LifecyclePolicyNotFoundException", NotFound),
        ("RepositoryPolicyNotFoundException", NotFound),
    ],
    messages: &[],
};

/// Converts an SDK error from ECR operation `op` (e.g. "CreateRepository"), naming the repository.
pub(crate) fn sdk<E, R>(repo: &str, op: &str, e: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    let mut e = provision_aws_core::error::sdk(&ECR, op, e);
    if !repo.is_empty() {
        e.message = format!("repository {repo}: {}", e.message);
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use provision_core::ProviderErrorKind;

    #[test]
    fn ecr_codes_are_classified() {
        let kind = |code| ECR.classify(code, "");
        assert_eq!(kind("RepositoryNotFoundException"), ProviderErrorKind::NotFound);
        assert_eq!(kind("LifecyclePolicyNotFoundException"), ProviderErrorKind::NotFound);
        assert_eq!(kind("RepositoryNotEmptyException"), ProviderErrorKind::Conflict);
        assert_eq!(kind("RepositoryAlreadyExistsException"), ProviderErrorKind::Invalid);
    }
}
