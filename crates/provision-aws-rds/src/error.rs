//! RDS's error codes, added to the common classification of `provision-aws-core`: the states that
//! mean "busy, try again" (an instance modifying, a cluster with members still deleting, a group
//! still in use), and the `*NotFound*` faults, which the common rules already classify.

use aws_sdk_rds::error::{ProvideErrorMetadata, SdkError};
use provision_aws_core::ErrorTable;
use provision_core::ProviderError;
use provision_core::ProviderErrorKind::{Conflict, Invalid};

/// Codes particular to RDS. `InvalidDBInstanceState` is a common one (a conflict).
pub(crate) const RDS: ErrorTable = ErrorTable {
    service: "RDS",
    codes: &[
        ("InvalidDBClusterStateFault", Conflict),
        ("InvalidDBParameterGroupState", Conflict),
        ("InvalidDBSubnetGroupStateFault", Conflict),
        ("InvalidDBSubnetGroupState", Conflict),
        ("InvalidDBSnapshotState", Conflict),
    ],
    messages: &[
        // Deletion protection is a refusal, not something to wait out.
        ("InvalidParameterCombination", "eletion protection", Invalid),
    ],
};

/// Converts an SDK error from RDS operation `op` (e.g. "CreateDBInstance").
pub(crate) fn sdk<E, R>(op: &str, e: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    provision_aws_core::error::sdk(&RDS, op, e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use provision_core::ProviderErrorKind;

    #[test]
    fn rds_codes_are_classified() {
        let kind = |code, msg| RDS.classify(code, msg);
        assert_eq!(kind("DBInstanceNotFound", ""), ProviderErrorKind::NotFound);
        assert_eq!(kind("DBSubnetGroupNotFoundFault", ""), ProviderErrorKind::NotFound);
        assert_eq!(kind("DBClusterNotFoundFault", ""), ProviderErrorKind::NotFound);
        assert_eq!(kind("DBParameterGroupNotFound", ""), ProviderErrorKind::NotFound);
        assert_eq!(kind("InvalidDBInstanceState", ""), ProviderErrorKind::Conflict);
        assert_eq!(kind("InvalidDBClusterStateFault", ""), ProviderErrorKind::Conflict);
        assert_eq!(kind("InvalidDBParameterGroupState", "in use"), ProviderErrorKind::Conflict);
        assert_eq!(
            kind(
                "InvalidParameterCombination",
                "Cannot delete protected DB Instance, please disable deletion protection and try again."
            ),
            ProviderErrorKind::Invalid
        );
        assert_eq!(kind("DBInstanceAlreadyExists", ""), ProviderErrorKind::Invalid);
    }
}
