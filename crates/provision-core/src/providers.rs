//! The providers a build knows (`aws`, `random`), by name. A resource type belongs to the provider
//! its name starts with (`random_password` → `random`), as in Terraform; the configuration loader
//! and the engine look every schema up here, never in one provider directly.

use crate::provider::{DataSourceType, Provider, ResourceType};
use std::sync::Arc;

/// Every provider of this build, unconfigured (schemas and names).
#[derive(Clone)]
pub struct Providers {
    list: Vec<Arc<dyn Provider>>,
}

impl Providers {
    pub fn new(list: Vec<Arc<dyn Provider>>) -> Self {
        Providers { list }
    }

    /// A set of one provider (tests, tools that serve one provider).
    pub fn one(p: Arc<dyn Provider>) -> Self {
        Providers { list: vec![p] }
    }

    pub fn get(&self, name: &str) -> Option<&Arc<dyn Provider>> {
        self.list.iter().find(|p| p.name() == name)
    }

    /// The provider names, in the order given (the first is the main one).
    pub fn names(&self) -> Vec<&'static str> {
        self.list.iter().map(|p| p.name()).collect()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<dyn Provider>> {
        self.list.iter()
    }

    /// The provider a type name belongs to: the part before its first `_`.
    pub fn of_type(&self, type_name: &str) -> Option<&Arc<dyn Provider>> {
        self.get(type_name.split('_').next().unwrap_or(type_name))
    }

    pub fn resource_type(&self, type_name: &str) -> Option<Arc<dyn ResourceType>> {
        self.of_type(type_name)?.resource_type(type_name)
    }

    pub fn data_source(&self, type_name: &str) -> Option<Arc<dyn DataSourceType>> {
        self.of_type(type_name)?.data_source(type_name)
    }

    /// Every resource type name of every provider, sorted.
    pub fn resource_type_names(&self) -> Vec<&'static str> {
        let mut v: Vec<&'static str> = self.list.iter().flat_map(|p| p.resource_type_names()).collect();
        v.sort_unstable();
        v
    }

    /// Every data source name of every provider, sorted.
    pub fn data_source_names(&self) -> Vec<&'static str> {
        let mut v: Vec<&'static str> = self.list.iter().flat_map(|p| p.data_source_names()).collect();
        v.sort_unstable();
        v
    }
}
