//! Turns SDK errors into provider errors: the AWS error code kept, the kind classified (not found,
//! conflict, auth, transient, invalid), and the message written for the person who has to act.
//! The codes and patterns every service shares are classified here; a service crate passes its
//! own codes in an [`ErrorTable`], which is consulted first.

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use provision_core::{ProviderError, ProviderErrorKind};

pub fn config_error(message: impl Into<String>) -> ProviderError {
    ProviderError::new(ProviderErrorKind::Config, message)
}

/// An error and its causes, as one line of their messages (no debug dumps), repeats dropped.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let m = s.to_string();
        if !parts.iter().any(|p| p.contains(&m)) {
            parts.push(m);
        }
        cur = s.source();
    }
    parts.join(": ")
}

/// One service's error codes, passed to [`sdk`] by the service crate: what its codes mean where
/// the common rules would say otherwise or nothing.
#[derive(Debug, Clone, Copy)]
pub struct ErrorTable {
    /// The service, for tests and debugging (`"EC2"`).
    pub service: &'static str,
    /// Codes and their kind, consulted before the common ones.
    pub codes: &'static [(&'static str, ProviderErrorKind)],
    /// `(code, part of the message, kind)`, consulted first: for services that use one code for
    /// several conditions (`ValidationError` ... "does not exist").
    pub messages: &'static [(&'static str, &'static str, ProviderErrorKind)],
}

impl ErrorTable {
    /// A service with no codes of its own.
    pub const fn empty(service: &'static str) -> ErrorTable {
        ErrorTable { service, codes: &[], messages: &[] }
    }

    /// The kind of an error with this code and message, from this service.
    pub fn classify(&self, code: &str, message: &str) -> ProviderErrorKind {
        classify(self, code, message)
    }
}

/// Codes that mean the same in every service that returns them.
const COMMON: &[(&str, ProviderErrorKind)] = {
    use ProviderErrorKind::{Auth, Conflict, NotFound, Transient};
    &[
        ("NoSuchEntity", NotFound),
        // Something is in the way (still attached, still in use, not yet in the right state):
        // a delete or change that may succeed once it is gone.
        ("DependencyViolation", Conflict),
        ("ResourceInUse", Conflict),
        ("ResourceInUseException", Conflict),
        ("DeleteConflict", Conflict),
        ("InvalidDBInstanceState", Conflict),
        ("DistributionNotDisabled", Conflict),
        ("BucketNotEmpty", Conflict),
        ("PriorRequestNotComplete", Conflict),
        ("AuthFailure", Auth),
        ("UnauthorizedOperation", Auth),
        ("InvalidClientTokenId", Auth),
        ("ExpiredToken", Auth),
        ("SignatureDoesNotMatch", Auth),
        ("AccessDenied", Auth),
        ("AccessDeniedException", Auth),
        ("OptInRequired", Auth),
        ("RequestLimitExceeded", Transient),
        ("Throttling", Transient),
        ("ThrottlingException", Transient),
        ("ServiceUnavailable", Transient),
        ("InternalError", Transient),
        ("Unavailable", Transient),
        ("InternalFailure", Transient),
    ]
};

fn lookup(table: &[(&str, ProviderErrorKind)], code: &str) -> Option<ProviderErrorKind> {
    table.iter().find(|(c, _)| *c == code).map(|(_, k)| *k)
}

/// The kind of an AWS error: the service's table first (messages, then codes), then the common
/// codes, then the common patterns (`*NotFound*`, `NoSuch*`); anything else is invalid input.
pub fn classify(table: &ErrorTable, code: &str, message: &str) -> ProviderErrorKind {
    if let Some((_, _, kind)) = table.messages.iter().find(|(c, m, _)| *c == code && message.contains(m)) {
        return *kind;
    }
    if let Some(kind) = lookup(table.codes, code).or_else(|| lookup(COMMON, code)) {
        return kind;
    }
    if code.contains("NotFound") || code.starts_with("NoSuch") {
        return ProviderErrorKind::NotFound;
    }
    ProviderErrorKind::Invalid
}

/// The kind of an SDK error (anything that has an AWS code and message).
pub fn classify_error(table: &ErrorTable, e: &impl ProvideErrorMetadata) -> ProviderErrorKind {
    classify(table, e.code().unwrap_or("Unknown"), e.message().unwrap_or_default())
}

/// Converts an SDK error from operation `op` (e.g. "CreateVpc") of the service `table` describes.
pub fn sdk<E, R>(table: &ErrorTable, op: &str, e: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    match &e {
        SdkError::ServiceError(se) => {
            let code = se.err().code().unwrap_or("Unknown").to_string();
            let message = se.err().message().unwrap_or("no message").to_string();
            let kind = classify(table, &code, &message);
            let hint = match kind {
                ProviderErrorKind::Auth => {
                    "; check the credentials and that they allow this action (AWS_PROFILE, AWS_ACCESS_KEY_ID, `aws sso login`)"
                }
                _ => "",
            };
            ProviderError::new(kind, format!("{op}: {message} ({code}){hint}")).with_code(code)
        }
        SdkError::TimeoutError(_) => ProviderError::new(ProviderErrorKind::Transient, format!("{op}: timed out")),
        SdkError::DispatchFailure(_) | SdkError::ResponseError(_) | SdkError::ConstructionFailure(_) => {
            let text = chain(&e);
            let lower = text.to_lowercase();
            if lower.contains("credential") {
                ProviderError::new(
                    ProviderErrorKind::Auth,
                    format!(
                        "{op}: no usable AWS credentials ({text}); set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run `aws sso login`"
                    ),
                )
            } else if lower.contains("region") {
                config_error(format!("{op}: {text}"))
            } else {
                ProviderError::new(ProviderErrorKind::Transient, format!("{op}: could not reach AWS: {text}"))
            }
        }
        _ => ProviderError::new(ProviderErrorKind::Other, format!("{op}: {}", chain(&e))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_read_as_one_line() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "Connection refused");
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl std::fmt::Display for Outer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("dispatch failure")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        assert_eq!(chain(&Outer(io)), "dispatch failure: Connection refused");
    }

    const NONE: ErrorTable = ErrorTable::empty("none");

    #[test]
    fn common_codes_are_classified() {
        use ProviderErrorKind::*;
        let kind = |code| classify(&NONE, code, "");
        assert_eq!(kind("InvalidVpcID.NotFound"), NotFound);
        assert_eq!(kind("InvalidInternetGatewayID.NotFound"), NotFound);
        assert_eq!(kind("NoSuchEntity"), NotFound);
        assert_eq!(kind("DependencyViolation"), Conflict);
        assert_eq!(kind("RequestLimitExceeded"), Transient);
        assert_eq!(kind("ThrottlingException"), Transient);
        assert_eq!(kind("UnauthorizedOperation"), Auth);
        assert_eq!(kind("AccessDeniedException"), Auth);
        assert_eq!(kind("ExpiredToken"), Auth);
        assert_eq!(kind("InvalidSubnet.Conflict"), Invalid);
        assert_eq!(kind("ValidationError"), Invalid);
    }

    #[test]
    fn not_found_whatever_the_service_calls_it() {
        for code in [
            "ResourceNotFoundException",
            "NoSuchBucket",
            "NoSuchHostedZone",
            "NoSuchDistribution",
            "ClusterNotFoundException",
            "RepositoryNotFoundException",
        ] {
            assert_eq!(classify(&NONE, code, "whatever"), ProviderErrorKind::NotFound, "{code}");
        }
    }

    #[test]
    fn something_in_the_way_is_a_conflict() {
        for code in [
            "DeleteConflict",
            "InvalidDBInstanceState",
            "DistributionNotDisabled",
            "BucketNotEmpty",
            "ResourceInUse",
            "ResourceInUseException",
            "PriorRequestNotComplete",
            "DependencyViolation",
        ] {
            assert_eq!(classify(&NONE, code, "whatever"), ProviderErrorKind::Conflict, "{code}");
        }
    }

    #[test]
    fn a_service_table_comes_first() {
        const TABLE: ErrorTable = ErrorTable {
            service: "test",
            codes: &[("InvalidGroup.InUse", ProviderErrorKind::Conflict), ("Throttling", ProviderErrorKind::Other)],
            messages: &[("ValidationError", "does not exist", ProviderErrorKind::NotFound)],
        };
        assert_eq!(TABLE.classify("InvalidGroup.InUse", ""), ProviderErrorKind::Conflict);
        assert_eq!(classify(&NONE, "InvalidGroup.InUse", ""), ProviderErrorKind::Invalid);
        assert_eq!(TABLE.classify("Throttling", ""), ProviderErrorKind::Other, "the service's meaning wins");
        assert_eq!(TABLE.classify("ValidationError", "Stack x does not exist"), ProviderErrorKind::NotFound);
        assert_eq!(TABLE.classify("ValidationError", "Template format error"), ProviderErrorKind::Invalid);
    }

    #[test]
    fn sdk_errors_are_classified_by_code_and_message() {
        use aws_smithy_types::error::ErrorMetadata;
        let e = ErrorMetadata::builder().code("ClusterNotFoundException").message("Cluster not found.").build();
        assert_eq!(classify_error(&NONE, &e), ProviderErrorKind::NotFound);
        let e = ErrorMetadata::builder().message("no code").build();
        assert_eq!(classify_error(&NONE, &e), ProviderErrorKind::Invalid);
    }
}
