//! The RDS types of provision's aws provider: DB instances, Aurora clusters and their instances,
//! subnet and parameter groups. A crate of its own so that editing it recompiles this crate and
//! the provider, not every other service.

mod cluster;
mod cluster_instance;
mod common;
mod context;
mod db;
mod error;
mod instance;
mod parameter_group;
mod subnet_group;

use provision_aws_core::ServiceTypes;
use provision_core::ResourceType;
use std::sync::Arc;

/// This service's resource types, sharing one lazily built RDS client.
pub fn types(shared: &Arc<provision_aws_core::Context>) -> ServiceTypes {
    let ctx = Arc::new(context::new(shared.clone()));
    use parameter_group::{Kind, ParameterGroup};
    let resources: Vec<Arc<dyn ResourceType>> = vec![
        Arc::new(subnet_group::SubnetGroup::new(ctx.clone())),
        Arc::new(ParameterGroup::new(ctx.clone(), Kind::Instance)),
        Arc::new(ParameterGroup::new(ctx.clone(), Kind::Cluster)),
        Arc::new(instance::Instance::new(ctx.clone())),
        Arc::new(cluster::Cluster::new(ctx.clone())),
        Arc::new(cluster_instance::ClusterInstance::new(ctx.clone())),
    ];
    ServiceTypes { resources, data_sources: vec![] }
}
