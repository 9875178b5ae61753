//! The ECR types of provision's aws provider: repositories and their lifecycle and repository
//! policies, and the repository lookup. A crate of its own so that editing it recompiles this
//! crate and the provider, not every other service.

mod context;
mod error;
mod policies;
mod repository;

use provision_aws_core::ServiceTypes;
use provision_core::{DataSourceType, ResourceType};
use std::sync::Arc;

/// This service's resource types and data sources, sharing one lazily built ECR client.
pub fn types(shared: &Arc<provision_aws_core::Context>) -> ServiceTypes {
    let ctx = Arc::new(context::new(shared.clone()));
    let resources: Vec<Arc<dyn ResourceType>> = vec![
        Arc::new(repository::Repository::new(ctx.clone())),
        Arc::new(policies::RepoPolicy::new(ctx.clone(), policies::Kind::Lifecycle)),
        Arc::new(policies::RepoPolicy::new(ctx.clone(), policies::Kind::Repository)),
    ];
    let data_sources: Vec<Arc<dyn DataSourceType>> = vec![Arc::new(repository::RepositoryLookup::new(ctx))];
    ServiceTypes { resources, data_sources }
}
