//! Route53's error codes, added to the common classification of `provision-aws-core`.

use aws_sdk_route53::error::{ProvideErrorMetadata, SdkError};
use provision_aws_core::ErrorTable;
use provision_core::ProviderError;
use provision_core::ProviderErrorKind::{Conflict, Invalid, NotFound};

/// Codes particular to Route53. `NoSuchHostedZone` and `PriorRequestNotComplete` are common ones.
pub(crate) const ROUTE53: ErrorTable = ErrorTable {
    service: "Route53",
    codes: &[
        // Not retried: the zone holds records someone must decide about (force_destroy).
        ("HostedZoneNotEmpty", Invalid),
        ("HostedZoneAlreadyExists", Invalid),
        ("InvalidChangeBatch", Invalid),
        ("ConflictingDomainExists", Invalid),
        ("LastVPCAssociation", Conflict),
    ],
    messages: &[
        // A DELETE of a record that is not there (moto answers InvalidInput, AWS InvalidChangeBatch).
        ("InvalidChangeBatch", "but it was not found", NotFound),
        ("InvalidInput", "but it was not found", NotFound),
    ],
};

pub(crate) fn sdk<E, R>(op: &str, e: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    provision_aws_core::error::sdk(&ROUTE53, op, e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use provision_core::ProviderErrorKind;

    #[test]
    fn route53_codes_are_classified() {
        assert_eq!(ROUTE53.classify("NoSuchHostedZone", ""), ProviderErrorKind::NotFound);
        assert_eq!(ROUTE53.classify("HostedZoneNotEmpty", ""), ProviderErrorKind::Invalid);
        assert_eq!(ROUTE53.classify("PriorRequestNotComplete", ""), ProviderErrorKind::Conflict);
        assert_eq!(
            ROUTE53.classify(
                "InvalidChangeBatch",
                "Tried to delete resource record set [name='a.x.', type='A'] but it was not found"
            ),
            ProviderErrorKind::NotFound
        );
        assert_eq!(ROUTE53.classify("InvalidChangeBatch", "already exists"), ProviderErrorKind::Invalid);
    }
}
