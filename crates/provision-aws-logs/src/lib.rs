//! The CloudWatch Logs types of provision's aws provider: log groups. A crate of its own so that
//! editing it recompiles this crate and the provider, not every other service.

mod context;
mod error;
mod log_group;

use provision_aws_core::ServiceTypes;
use provision_core::ResourceType;
use std::sync::Arc;

/// This service's resource types, sharing one lazily built CloudWatch Logs client.
pub fn types(shared: &Arc<provision_aws_core::Context>) -> ServiceTypes {
    let ctx = Arc::new(context::new(shared.clone()));
    let resources: Vec<Arc<dyn ResourceType>> = vec![Arc::new(log_group::LogGroup::new(ctx))];
    ServiceTypes { resources, data_sources: vec![] }
}
