//! ELBv2's error codes, added to the common classification of `provision-aws-core`.

use aws_sdk_elasticloadbalancingv2::error::{ProvideErrorMetadata, SdkError};
use provision_aws_core::ErrorTable;
use provision_core::ProviderError;
use provision_core::ProviderErrorKind::{Conflict, Invalid, NotFound};

/// Codes particular to ELBv2. Its `*NotFound` codes (`LoadBalancerNotFound`,
/// `TargetGroupNotFound`, `ListenerNotFound`, `RuleNotFound`, `CertificateNotFound`) and
/// `ResourceInUse` are common ones.
pub(crate) const ELBV2: ErrorTable = ErrorTable {
    service: "ELBv2",
    codes: &[
        ("OperationNotPermitted", Invalid),
        ("DuplicateTargetGroupName", Invalid),
        ("DuplicateLoadBalancerName", Invalid),
        ("DuplicateListener", Invalid),
        ("PriorityInUse", Invalid),
        ("InvalidConfigurationRequest", Invalid),
        ("TargetGroupAssociationLimit", Invalid),
    ],
    messages: &[
        // A load balancer still being provisioned refuses some changes for a moment.
        ("OperationNotPermitted", "is currently in use", Conflict),
        ("InvalidTarget", "is not registered", NotFound),
    ],
};

/// Converts an SDK error from ELBv2 operation `op` (e.g. "CreateLoadBalancer").
pub(crate) fn sdk<E, R>(op: &str, e: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    provision_aws_core::error::sdk(&ELBV2, op, e)
}

/// Converts an SDK error from EC2 operation `op`.
pub(crate) fn ec2<E, R>(op: &str, e: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    provision_aws_core::error::sdk(&ErrorTable::empty("EC2"), op, e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use provision_core::ProviderErrorKind;

    #[test]
    fn elbv2_codes_are_classified() {
        let kind = |code| ELBV2.classify(code, "");
        assert_eq!(kind("LoadBalancerNotFound"), ProviderErrorKind::NotFound);
        assert_eq!(kind("TargetGroupNotFound"), ProviderErrorKind::NotFound);
        assert_eq!(kind("ListenerNotFound"), ProviderErrorKind::NotFound);
        assert_eq!(kind("RuleNotFound"), ProviderErrorKind::NotFound);
        assert_eq!(kind("ResourceInUse"), ProviderErrorKind::Conflict);
        assert_eq!(kind("DuplicateTargetGroupName"), ProviderErrorKind::Invalid);
        assert_eq!(kind("PriorityInUse"), ProviderErrorKind::Invalid);
        assert_eq!(ELBV2.classify("OperationNotPermitted", "Load balancer x is currently in use"), Conflict);
    }
}
