//! What every AWS service crate shares, and nothing particular to one service: the SDK
//! configuration (loaded once, on the first call that needs it) and lazily built per-service
//! clients, the API call counter, error classification (common codes here, each service's own
//! codes in a table it passes in), retry policies, the waiter, tag helpers on plain maps, and the
//! plan-time checks that are not particular to one service.
//!
//! It imports no `aws-sdk-<service>` crate: a service crate (`provision-aws-ec2`, ...) depends on
//! this one and on its SDK crate, so editing one service recompiles that service and the provider
//! above it, not the others.

pub mod context;
pub mod error;
pub mod json;
pub mod retry;
pub mod settings;
pub mod tags;
pub mod terraform;
pub mod validate;
pub mod wait;

pub use context::{
    CallCounts, Context, CountCalls, CreateCalls, CreatesCalls, Sdk, ServiceClients, counting_create, partition,
    waiting,
};
pub use error::ErrorTable;

use provision_core::{DataSourceType, ResourceType};
use std::sync::Arc;

/// What a service crate contributes to the `aws` provider.
#[derive(Default)]
pub struct ServiceTypes {
    pub resources: Vec<Arc<dyn ResourceType>>,
    pub data_sources: Vec<Arc<dyn DataSourceType>>,
}
