//! The ACM types of provision's aws provider: certificates requested from ACM and the wait for
//! their DNS validation. A crate of its own so that editing it recompiles this crate and the
//! provider, not every other service.

mod certificate;
mod context;
mod data;
mod error;
mod validation;

use provision_aws_core::ServiceTypes;
use provision_core::ResourceType;
use std::sync::Arc;

/// This service's resource types and data sources, sharing one lazily built client.
pub fn types(shared: &Arc<provision_aws_core::Context>) -> ServiceTypes {
    let ctx = Arc::new(context::new(shared.clone()));
    let resources: Vec<Arc<dyn ResourceType>> =
        vec![Arc::new(certificate::Certificate::new(ctx.clone())), Arc::new(validation::Validation::new(ctx.clone()))];
    ServiceTypes { resources, data_sources: vec![Arc::new(data::CertificateLookup::new(ctx.clone()))] }
}
