//! EFS's error codes, added to the common classification of `provision-aws-core`.

use aws_sdk_efs::error::{ProvideErrorMetadata, SdkError};
use provision_aws_core::ErrorTable;
use provision_core::ProviderErrorKind::Conflict;
use provision_core::{ProviderError, ProviderErrorKind};

/// Codes particular to EFS. Its `*NotFound` codes are common ones.
pub(crate) const EFS: ErrorTable = ErrorTable {
    service: "EFS",
    codes: &[
        // A file system with mount targets cannot be deleted; they go first.
        ("FileSystemInUse", Conflict),
        // The file system is still being created (or is being deleted).
        ("IncorrectFileSystemLifeCycleState", Conflict),
        ("IncorrectMountTargetState", Conflict),
        ("FileSystemAlreadyExists", Conflict),
        ("AccessPointAlreadyExists", Conflict),
        ("MountTargetConflict", Conflict),
        ("NetworkInterfaceLimitExceeded", Conflict),
    ],
    messages: &[],
};

/// Converts an SDK error from EFS operation `op` (e.g. "CreateFileSystem").
pub(crate) fn sdk<E, R>(op: &str, e: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    provision_aws_core::error::sdk(&EFS, op, e)
}

/// An SDK builder's missing-field error (a bug here, not the user's).
pub(crate) fn built<T>(r: Result<T, aws_sdk_efs::error::BuildError>) -> Result<T, ProviderError> {
    r.map_err(|e| ProviderError::new(ProviderErrorKind::Other, format!("EFS request: {e}")))
}

/// The error, naming the object.
pub(crate) fn named(what: &str, mut e: ProviderError) -> ProviderError {
    e.message = format!("{what}: {}", e.message);
    e
}

/// True while the file system a mount target is made in is not `available` yet.
pub(crate) fn not_ready(e: &ProviderError) -> bool {
    e.code.as_deref() == Some("IncorrectFileSystemLifeCycleState")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn efs_codes_are_classified() {
        let kind = |code| EFS.classify(code, "");
        assert_eq!(kind("FileSystemNotFound"), ProviderErrorKind::NotFound);
        assert_eq!(kind("MountTargetNotFound"), ProviderErrorKind::NotFound);
        assert_eq!(kind("AccessPointNotFound"), ProviderErrorKind::NotFound);
        assert_eq!(kind("FileSystemInUse"), ProviderErrorKind::Conflict);
        assert_eq!(kind("IncorrectFileSystemLifeCycleState"), ProviderErrorKind::Conflict);
        assert_eq!(kind("BadRequest"), ProviderErrorKind::Invalid);
    }
}
