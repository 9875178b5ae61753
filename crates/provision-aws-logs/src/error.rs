//! CloudWatch Logs' error codes, added to the common classification of `provision-aws-core`.

use aws_sdk_cloudwatchlogs::error::{ProvideErrorMetadata, SdkError};
use provision_aws_core::ErrorTable;
use provision_core::ProviderError;
use provision_core::ProviderErrorKind::{Conflict, Invalid, Transient};

/// Codes particular to CloudWatch Logs. `ResourceNotFoundException` is a common one.
pub(crate) const LOGS: ErrorTable = ErrorTable {
    service: "CloudWatchLogs",
    codes: &[
        ("ResourceAlreadyExistsException", Invalid),
        ("OperationAbortedException", Conflict),
        ("ServiceUnavailableException", Transient),
        ("LimitExceededException", Invalid),
        ("InvalidParameterException", Invalid),
    ],
    messages: &[],
};

/// Converts an SDK error from CloudWatch Logs operation `op` (e.g. "CreateLogGroup"), naming the
/// log group.
pub(crate) fn sdk<E, R>(group: &str, op: &str, e: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    let mut e = provision_aws_core::error::sdk(&LOGS, op, e);
    if !group.is_empty() {
        e.message = format!("log group {group}: {}", e.message);
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use provision_core::ProviderErrorKind;

    #[test]
    fn logs_codes_are_classified() {
        let kind = |code| LOGS.classify(code, "");
        assert_eq!(kind("ResourceNotFoundException"), ProviderErrorKind::NotFound);
        assert_eq!(kind("OperationAbortedException"), ProviderErrorKind::Conflict);
        assert_eq!(kind("ResourceAlreadyExistsException"), ProviderErrorKind::Invalid);
    }
}
