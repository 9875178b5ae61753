//! The EFS types of provision's aws provider: file systems, mount targets, access points. A crate
//! of its own so that editing it recompiles this crate and the provider, not every other service.

mod access_point;
mod attrs;
mod context;
mod error;
mod file_system;
mod mount_target;

use provision_aws_core::ServiceTypes;
use provision_core::ResourceType;
use std::sync::Arc;

/// This service's resource types, sharing one lazily built client.
pub fn types(shared: &Arc<provision_aws_core::Context>) -> ServiceTypes {
    let ctx = Arc::new(context::new(shared.clone()));
    let resources: Vec<Arc<dyn ResourceType>> = vec![
        Arc::new(file_system::FileSystem::new(ctx.clone())),
        Arc::new(mount_target::MountTarget::new(ctx.clone())),
        Arc::new(access_point::AccessPoint::new(ctx)),
    ];
    ServiceTypes { resources, data_sources: vec![] }
}
