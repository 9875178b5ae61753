//! The builtin `terraform` provider (Terraform's `terraform.io/builtin/terraform`): its one data
//! source, `terraform_remote_state`, which reads the root outputs of another root's state, so a
//! configuration split in two roots (a base and a runtime) can refer to what the other made. A
//! crate of its own because it reads states through both backends (`provision-state`,
//! `provision-state-s3`), which no other provider needs.
//!
//! As in Terraform, it needs no `required_providers` entry and no `provider` block (an empty
//! `provider "terraform" {}` is accepted). Deliberately absent: backends other than `local` and
//! `s3` (provision has no client for them), and any write or lock: reading takes no lock.

mod remote_state;

use provision_core::{Attrs, DataSourceType, Provider, ProviderError, ResourceType, Schema};
use std::sync::Arc;

pub use remote_state::{BACKENDS, LOCAL_SETTINGS, RemoteState, S3_SETTINGS};

/// The builtin `terraform` provider.
pub struct TerraformProvider {
    data_sources: Vec<Arc<dyn DataSourceType>>,
    config_schema: Schema,
}

impl Default for TerraformProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl TerraformProvider {
    pub fn new() -> Self {
        TerraformProvider {
            data_sources: vec![Arc::new(RemoteState::new())],
            config_schema: Schema::new("The provider \"terraform\" block (it takes no arguments)."),
        }
    }
}

impl Provider for TerraformProvider {
    fn name(&self) -> &'static str {
        "terraform"
    }

    fn config_schema(&self) -> &Schema {
        &self.config_schema
    }

    fn configure(&self, _config: &Attrs) -> Result<Arc<dyn Provider>, ProviderError> {
        Ok(Arc::new(TerraformProvider::new()))
    }

    fn resource_type(&self, _name: &str) -> Option<Arc<dyn ResourceType>> {
        None
    }

    fn data_source(&self, name: &str) -> Option<Arc<dyn DataSourceType>> {
        self.data_sources.iter().find(|d| d.name() == name).cloned()
    }

    fn resource_type_names(&self) -> Vec<&'static str> {
        vec![]
    }

    fn data_source_names(&self) -> Vec<&'static str> {
        self.data_sources.iter().map(|d| d.name()).collect()
    }
}

/// The schemas of every data source, for documentation and tests.
pub fn data_schemas() -> Vec<(&'static str, Schema)> {
    TerraformProvider::new().data_sources.iter().map(|d| (d.name(), d.schema().clone())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every argument, attribute and `config` setting has its row in docs/data-sources.md.
    #[test]
    fn every_argument_and_setting_is_documented() {
        let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/data-sources.md"))
            .expect("docs/data-sources.md");
        let mut missing = vec![];
        for (name, schema) in data_schemas() {
            if !page.contains(&format!("## `{name}`")) {
                missing.push(format!("{name} has no section"));
            }
            for a in &schema.attributes {
                if !page.contains(&format!("| `{}` |", a.name)) {
                    missing.push(format!("{name}.{}", a.name));
                }
            }
        }
        for s in LOCAL_SETTINGS.iter().chain(S3_SETTINGS.iter()) {
            if !page.contains(&format!("`{s}`")) {
                missing.push(format!("config setting {s}"));
            }
        }
        assert!(missing.is_empty(), "undocumented: {missing:?}");
    }

    #[test]
    fn the_provider_serves_its_data_source_by_the_name_terraform_gives_it() {
        let p = TerraformProvider::new();
        assert_eq!(p.name(), "terraform");
        assert_eq!(p.data_source_names(), vec!["terraform_remote_state"]);
        assert!(p.data_source("terraform_remote_state").is_some());
        assert!(p.resource_type_names().is_empty());
        let set = provision_core::Providers::one(Arc::new(TerraformProvider::new()));
        assert!(set.data_source("terraform_remote_state").is_some(), "found by the prefix of its name");
    }
}
