//! The DynamoDB types of provision's aws provider: tables. A crate of its own so that editing it
//! recompiles this crate and the provider, not every other service. (The S3 state backend's lock
//! table is the state crate's business, not this one's.)

mod attrs;
mod context;
mod error;
mod table;

use provision_aws_core::ServiceTypes;
use provision_core::ResourceType;
use std::sync::Arc;

/// This service's resource types, sharing one lazily built client.
pub fn types(shared: &Arc<provision_aws_core::Context>) -> ServiceTypes {
    let ctx = Arc::new(context::new(shared.clone()));
    let resources: Vec<Arc<dyn ResourceType>> = vec![Arc::new(table::Table::new(ctx))];
    ServiceTypes { resources, data_sources: vec![] }
}
