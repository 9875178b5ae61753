//! The Route53 types of provision's aws provider: hosted zones and their records. A crate of its
//! own so that editing it recompiles this crate and the provider, not every other service.

mod common;
mod context;
mod data;
mod error;
mod record;
mod zone;

use provision_aws_core::ServiceTypes;
use provision_core::ResourceType;
use std::sync::Arc;

/// This service's resource types and data sources, sharing one lazily built client.
pub fn types(shared: &Arc<provision_aws_core::Context>) -> ServiceTypes {
    let ctx = Arc::new(context::new(shared.clone()));
    let resources: Vec<Arc<dyn ResourceType>> =
        vec![Arc::new(zone::Zone::new(ctx.clone())), Arc::new(record::Record::new(ctx.clone()))];
    ServiceTypes { resources, data_sources: vec![Arc::new(data::ZoneLookup::new(ctx.clone()))] }
}
