//! The Application Auto Scaling types of provision's aws provider: scalable targets and scaling
//! policies. A crate of its own so that editing it recompiles this crate and the provider, not
//! every other service.

mod context;
mod error;
mod policy;
mod target;
mod util;

use provision_aws_core::ServiceTypes;
use provision_core::ResourceType;
use std::sync::Arc;

/// This service's resource types, sharing one lazily built client.
pub fn types(shared: &Arc<provision_aws_core::Context>) -> ServiceTypes {
    let ctx = Arc::new(context::new(shared.clone()));
    let resources: Vec<Arc<dyn ResourceType>> =
        vec![Arc::new(policy::Policy::new(ctx.clone())), Arc::new(target::Target::new(ctx.clone()))];
    ServiceTypes { resources, data_sources: vec![] }
}
