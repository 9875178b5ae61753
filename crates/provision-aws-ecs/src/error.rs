//! ECS's error codes, added to the common classification of `provision-aws-core`, and the
//! predicates for the errors ECS returns while something it needs is not ready yet.

use aws_sdk_ecs::error::{ProvideErrorMetadata, SdkError};
use provision_aws_core::ErrorTable;
use provision_core::ProviderError;
use provision_core::ProviderErrorKind::{Conflict, NotFound, Transient};

/// Codes particular to ECS. `ClusterNotFoundException`, `ServiceNotFoundException` and the auth
/// and throttling codes are common ones.
pub(crate) const ECS: ErrorTable = ErrorTable {
    service: "ECS",
    codes: &[
        ("ClusterContainsServicesException", Conflict),
        ("ClusterContainsTasksException", Conflict),
        ("ClusterContainsContainerInstancesException", Conflict),
        ("ClusterContainsCapacityProviderException", Conflict),
        ("UpdateInProgressException", Conflict),
        ("ServiceNotActiveException", NotFound),
        ("ServerException", Transient),
    ],
    messages: &[
        // ECS answers a described or deregistered task definition that does not exist with a
        // generic client error.
        ("ClientException", "Unable to describe task definition", NotFound),
        ("ClientException", "does not exist", NotFound),
        ("ClientException", "is not in ACTIVE status", NotFound),
        ("InvalidParameterException", "The referenced cluster was inactive", NotFound),
        ("InvalidParameterException", "Unable to Start a service that is still Draining", Conflict),
        ("InvalidParameterException", "deployments are active", Conflict),
    ],
};

/// Converts an SDK error from ECS operation `op` (e.g. "CreateService").
pub(crate) fn sdk<E, R>(op: &str, e: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    provision_aws_core::error::sdk(&ECS, op, e)
}

/// True for the errors ECS returns while an IAM role it was given was created moments ago and
/// cannot be assumed yet ("ECS was unable to assume the role", "verify that the ECS service role
/// being passed has the proper permissions", "Unable to assume the service linked role"), and the
/// general ones of [`provision_aws_core::retry::iam_propagation`].
pub(crate) fn role_not_ready(e: &ProviderError) -> bool {
    if provision_aws_core::retry::iam_propagation(e) {
        return true;
    }
    let code = e.code.as_deref().unwrap_or_default();
    if code != "InvalidParameterException" && code != "ClientException" {
        return false;
    }
    let m = e.message.to_ascii_lowercase();
    m.contains("unable to assume the role")
        || m.contains("unable to assume the service linked role")
        || m.contains("verify that the ecs service role being passed has the proper permissions")
        || (m.contains("role") && m.contains("assume"))
}

/// The role ARN an error names, for the message when a role never becomes usable.
pub(crate) fn role_in(message: &str) -> Option<&str> {
    let start = message.find("arn:aws")?;
    let rest = &message[start..];
    let end =
        rest.find(|c: char| c.is_whitespace() || c == '\'' || c == '"' || c == ')' || c == ',').unwrap_or(rest.len());
    Some(rest[..end].trim_end_matches('.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use provision_core::ProviderErrorKind;

    #[test]
    fn ecs_codes_are_classified() {
        let kind = |code, m| ECS.classify(code, m);
        assert_eq!(kind("ClusterNotFoundException", ""), ProviderErrorKind::NotFound);
        assert_eq!(kind("ServiceNotFoundException", ""), ProviderErrorKind::NotFound);
        assert_eq!(kind("ServiceNotActiveException", ""), ProviderErrorKind::NotFound);
        assert_eq!(kind("ClusterContainsServicesException", ""), ProviderErrorKind::Conflict);
        assert_eq!(kind("ClientException", "Unable to describe task definition."), ProviderErrorKind::NotFound);
        assert_eq!(kind("ClientException", "Invalid revision number"), ProviderErrorKind::Invalid);
        assert_eq!(kind("InvalidParameterException", "Subnet not found"), ProviderErrorKind::Invalid);
        assert_eq!(kind("ServerException", ""), ProviderErrorKind::Transient);
    }

    fn err(code: &str, m: &str) -> ProviderError {
        ProviderError::new(ECS.classify(code, m), m).with_code(code)
    }

    #[test]
    fn roles_not_ready_yet_are_recognised() {
        for (code, m) in [
            (
                "InvalidParameterException",
                "CreateService: ECS was unable to assume the role 'arn:aws:iam::1:role/r' that was provided for this task.",
            ),
            (
                "InvalidParameterException",
                "Unable to assume role and validate the specified targetGroupArn. Please verify that the ECS service role being passed has the proper permissions.",
            ),
            (
                "InvalidParameterException",
                "Unable to assume the service linked role. Please verify that the ECS service linked role exists.",
            ),
            ("ClientException", "Role is not valid: ECS was unable to assume the role arn:aws:iam::1:role/x"),
        ] {
            assert!(role_not_ready(&err(code, m)), "{m}");
        }
        for (code, m) in [
            ("InvalidParameterException", "Subnet not found: subnet-1"),
            ("ClientException", "Invalid revision number"),
            ("AccessDeniedException", "not authorized to perform ecs:CreateService"),
        ] {
            assert!(!role_not_ready(&err(code, m)), "{m}");
        }
    }

    #[test]
    fn the_role_is_named() {
        assert_eq!(
            role_in("ECS was unable to assume the role 'arn:aws:iam::1:role/r' that was provided"),
            Some("arn:aws:iam::1:role/r")
        );
        assert_eq!(role_in("no role here"), None);
    }
}
