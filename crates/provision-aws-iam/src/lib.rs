//! The IAM types of provision's aws provider: roles, policies, attachments, instance profiles,
//! OIDC providers, and the policy document data source (computed locally). A crate of its own so
//! that editing it recompiles this crate and the provider, not every other service.

mod common;
mod context;
mod error;
mod iam_policy;
mod instance_profile;
mod lookups;
mod oidc_provider;
mod policy;
mod policy_document;
mod role;
mod role_policy;
mod role_policy_attachment;

use provision_aws_core::ServiceTypes;
use provision_core::{DataSourceType, ResourceType};
use std::sync::Arc;

/// This service's resource types and data sources, sharing one lazily built IAM client.
pub fn types(shared: &Arc<provision_aws_core::Context>) -> ServiceTypes {
    let ctx = Arc::new(context::new(shared.clone()));
    let resources: Vec<Arc<dyn ResourceType>> = vec![
        Arc::new(role::Role::new(ctx.clone())),
        Arc::new(iam_policy::IamPolicy::new(ctx.clone())),
        Arc::new(role_policy::RolePolicy::new(ctx.clone())),
        Arc::new(role_policy_attachment::RolePolicyAttachment::new(ctx.clone())),
        Arc::new(instance_profile::InstanceProfile::new(ctx.clone())),
        Arc::new(oidc_provider::OidcProvider::new(ctx.clone())),
    ];
    let data_sources: Vec<Arc<dyn DataSourceType>> = vec![
        Arc::new(policy_document::PolicyDocument::new()),
        Arc::new(lookups::RoleLookup::new(ctx.clone())),
        Arc::new(lookups::PolicyLookup::new(ctx)),
    ];
    ServiceTypes { resources, data_sources }
}
