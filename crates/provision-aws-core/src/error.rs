//! Turns SDK errors into provider errors: the AWS error code kept, the kind classified (not found,
//! conflict, auth, transient, invalid), and the message written for the person who has to act.

use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use provision_core::{ProviderError, ProviderErrorKind};

pub(crate) fn config_error(message: impl Into<String>) -> ProviderError {
    ProviderError::new(ProviderErrorKind::Config, message)
}

/// An error and its causes, as one line of their messages (no debug dumps), repeats dropped.
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
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

/// The kind of an AWS error code.
pub(crate) fn classify(code: &str) -> ProviderErrorKind {
    match code {
        c if c.ends_with(".NotFound") || c.ends_with("NotFound") || c == "NoSuchEntity" => ProviderErrorKind::NotFound,
        "DependencyViolation"
        | "InvalidGroup.InUse"
        | "ResourceInUse"
        | "Gateway.NotAttached"
        | "InvalidIPAddress.InUse"
        | "InvalidNetworkInterface.InUse" => ProviderErrorKind::Conflict,
        "AuthFailure"
        | "UnauthorizedOperation"
        | "InvalidClientTokenId"
        | "ExpiredToken"
        | "SignatureDoesNotMatch"
        | "AccessDenied"
        | "AccessDeniedException"
        | "OptInRequired" => ProviderErrorKind::Auth,
        "RequestLimitExceeded"
        | "Throttling"
        | "ThrottlingException"
        | "ServiceUnavailable"
        | "InternalError"
        | "Unavailable"
        | "InternalFailure" => ProviderErrorKind::Transient,
        _ => ProviderErrorKind::Invalid,
    }
}

/// Converts an SDK error from operation `op` (e.g. "CreateVpc").
pub(crate) fn sdk<E, R>(op: &str, e: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    match &e {
        SdkError::ServiceError(se) => {
            let code = se.err().code().unwrap_or("Unknown").to_string();
            let message = se.err().message().unwrap_or("no message").to_string();
            let kind = classify(&code);
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

    #[test]
    fn codes_are_classified() {
        assert_eq!(classify("InvalidVpcID.NotFound"), ProviderErrorKind::NotFound);
        assert_eq!(classify("InvalidInternetGatewayID.NotFound"), ProviderErrorKind::NotFound);
        assert_eq!(classify("DependencyViolation"), ProviderErrorKind::Conflict);
        assert_eq!(classify("RequestLimitExceeded"), ProviderErrorKind::Transient);
        assert_eq!(classify("UnauthorizedOperation"), ProviderErrorKind::Auth);
        assert_eq!(classify("InvalidSubnet.Conflict"), ProviderErrorKind::Invalid);
    }
}
