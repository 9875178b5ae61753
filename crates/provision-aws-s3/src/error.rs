//! S3's error codes, added to the common classification of `provision-aws-core`.

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use provision_aws_core::ErrorTable;
use provision_core::ProviderError;
use provision_core::ProviderErrorKind::{Auth, Conflict, Invalid, NotFound};

/// Codes particular to S3. Its `NoSuch*` codes (`NoSuchBucket`, `NoSuchBucketPolicy`,
/// `NoSuchLifecycleConfiguration`, ...) and `*NotFound*` codes (`NotFound` from a HEAD,
/// `ServerSideEncryptionConfigurationNotFoundError`, `OwnershipControlsNotFoundError`) are common
/// patterns; `BucketNotEmpty` is a common conflict.
pub(crate) const S3: ErrorTable = ErrorTable {
    service: "S3",
    codes: &[
        // A bucket of the same name was deleted moments ago, or a conflicting operation on it is
        // in progress: retried as something in the way.
        ("OperationAborted", Conflict),
        // The bucket has no tags: not that the bucket is missing.
        ("NoSuchTagSet", Invalid),
        ("BucketAlreadyExists", Invalid),
        ("BucketAlreadyOwnedByYou", Invalid),
        ("NoSuchKey", NotFound),
    ],
    messages: &[],
};

/// Converts an SDK error from S3 operation `op` (e.g. "CreateBucket").
pub(crate) fn sdk<E, R>(op: &str, e: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    provision_aws_core::error::sdk(&S3, op, e)
}

/// Converts an SDK error from S3 operation `op` on `bucket`, naming the bucket in the message.
/// Answers without a body (every `HEAD`: `HeadBucket`, `HeadObject`) carry no error code; their
/// HTTP status says what happened.
pub(crate) fn on<E>(op: &str, bucket: &str, e: SdkError<E, HttpResponse>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let status = match &e {
        SdkError::ServiceError(se) if se.err().code().is_none() => Some(se.raw().status().as_u16()),
        _ => None,
    };
    let mut err = match status {
        Some(404) => ProviderError::new(NotFound, format!("{op}: not found (HTTP 404)")).with_code("NotFound"),
        Some(403) => ProviderError::new(
            Auth,
            format!("{op}: access denied (HTTP 403): the credentials, or a bucket policy, do not allow it"),
        )
        .with_code("AccessDenied"),
        Some(301) => ProviderError::new(
            Invalid,
            format!("{op}: the bucket is in another region than the provider's (HTTP 301): use a provider alias for its region"),
        )
        .with_code("PermanentRedirect"),
        _ => sdk(op, e),
    };
    err.message = format!("bucket {bucket}: {}", err.message);
    err
}

#[cfg(test)]
mod tests {
    use super::*;
    use provision_core::ProviderErrorKind;

    #[test]
    fn s3_codes_are_classified() {
        let kind = |code| S3.classify(code, "");
        assert_eq!(kind("NoSuchBucket"), ProviderErrorKind::NotFound);
        assert_eq!(kind("NotFound"), ProviderErrorKind::NotFound);
        assert_eq!(kind("NoSuchBucketPolicy"), ProviderErrorKind::NotFound);
        assert_eq!(kind("ServerSideEncryptionConfigurationNotFoundError"), ProviderErrorKind::NotFound);
        assert_eq!(kind("OwnershipControlsNotFoundError"), ProviderErrorKind::NotFound);
        assert_eq!(kind("NoSuchPublicAccessBlockConfiguration"), ProviderErrorKind::NotFound);
        assert_eq!(kind("NoSuchTagSet"), ProviderErrorKind::Invalid, "a bucket without tags exists");
        assert_eq!(kind("BucketNotEmpty"), ProviderErrorKind::Conflict);
        assert_eq!(kind("OperationAborted"), ProviderErrorKind::Conflict);
    }
}
