//! The `random` provider (`random_password`, `random_string`, `random_id`, `random_pet`,
//! `random_uuid`): values generated on this machine when the resource is created and kept in
//! state, so they stay the same from one run to the next until a `keepers` value (or any
//! argument) changes, which replaces them. Nothing here calls AWS.
//!
//! Deliberately absent: any source of randomness but the operating system's (`getrandom`), and
//! `bcrypt_hash` (a configuration that reads it gets "unsupported attribute").

mod generate;
mod types;

use provision_core::{Attrs, DataSourceType, Provider, ProviderError, ResourceType, Schema};
use std::sync::Arc;

/// The `random` provider.
pub struct RandomProvider {
    resources: Vec<Arc<dyn ResourceType>>,
    config_schema: Schema,
}

impl Default for RandomProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl RandomProvider {
    pub fn new() -> Self {
        let mut resources = types::all();
        resources.sort_by_key(|r| r.name());
        RandomProvider {
            resources,
            config_schema: Schema::new("The provider \"random\" block (it takes no arguments)."),
        }
    }
}

impl Provider for RandomProvider {
    fn name(&self) -> &'static str {
        "random"
    }

    fn config_schema(&self) -> &Schema {
        &self.config_schema
    }

    fn configure(&self, _config: &Attrs) -> Result<Arc<dyn Provider>, ProviderError> {
        Ok(Arc::new(RandomProvider::new()))
    }

    fn resource_type(&self, name: &str) -> Option<Arc<dyn ResourceType>> {
        self.resources.iter().find(|r| r.name() == name).cloned()
    }

    fn data_source(&self, _name: &str) -> Option<Arc<dyn DataSourceType>> {
        None
    }

    fn resource_type_names(&self) -> Vec<&'static str> {
        self.resources.iter().map(|r| r.name()).collect()
    }

    fn data_source_names(&self) -> Vec<&'static str> {
        vec![]
    }
}

/// The schemas of every resource type, for generating documentation and for tests.
pub fn schemas() -> Vec<(&'static str, Schema)> {
    RandomProvider::new().resources.iter().map(|r| (r.name(), r.schema().clone())).collect()
}
