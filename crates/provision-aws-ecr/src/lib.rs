//! The ECR types of provision's aws provider: repositories and their lifecycle and repository policies. A crate of its own so that editing it recompiles this crate and the provider, not every
//! other service.

use provision_aws_core::ServiceTypes;
use std::sync::Arc;

/// This service's resource types and data sources.
pub fn types(shared: &Arc<provision_aws_core::Context>) -> ServiceTypes {
    let _ = shared;
    ServiceTypes::default()
}
