//! The Secrets Manager types of provision's aws provider: secrets and their versions, and the
//! data sources that read them. A crate of its own so that editing it recompiles this crate and
//! the provider, not every other service.

mod attrs;
mod context;
mod data;
mod error;
mod secret;
mod version;
mod view;

use provision_aws_core::ServiceTypes;
use provision_core::{DataSourceType, ResourceType};
use std::sync::Arc;

/// This service's resource types and data sources, sharing one lazily built client.
pub fn types(shared: &Arc<provision_aws_core::Context>) -> ServiceTypes {
    let ctx = Arc::new(context::new(shared.clone()));
    let resources: Vec<Arc<dyn ResourceType>> =
        vec![Arc::new(secret::Secret::new(ctx.clone())), Arc::new(version::SecretVersion::new(ctx.clone()))];
    let data_sources: Vec<Arc<dyn DataSourceType>> =
        vec![Arc::new(data::SecretData::new(ctx.clone())), Arc::new(data::SecretVersionData::new(ctx))];
    ServiceTypes { resources, data_sources }
}
