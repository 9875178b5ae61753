//! The ECS types of provision's aws provider: clusters, their capacity providers, task definitions
//! and services. A crate of its own so that editing it recompiles this crate and the provider, not
//! every other service.

mod capacity_providers;
mod cluster;
mod containers;
mod context;
mod error;
mod fargate;
mod service;
mod task_definition;
mod util;

use provision_aws_core::ServiceTypes;
use provision_core::ResourceType;
use std::sync::Arc;

/// This service's resource types, sharing one lazily built ECS client.
pub fn types(shared: &Arc<provision_aws_core::Context>) -> ServiceTypes {
    let ctx = Arc::new(context::new(shared.clone()));
    let resources: Vec<Arc<dyn ResourceType>> = vec![
        Arc::new(cluster::Cluster::new(ctx.clone())),
        Arc::new(capacity_providers::CapacityProviders::new(ctx.clone())),
        Arc::new(task_definition::TaskDefinition::new(ctx.clone())),
        Arc::new(service::Service::new(ctx.clone())),
    ];
    ServiceTypes { resources, data_sources: vec![] }
}
