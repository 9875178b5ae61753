//! The AWS provider: the resource types and data sources provision supports, implemented with the
//! AWS SDK for Rust. This is the only crate that imports `aws_sdk_*`; the engine reaches it through
//! the traits of `provision-core`.
//!
//! Deliberately absent: any AWS call before one is needed. The SDK configuration (region,
//! credentials, `AWS_ENDPOINT_URL`) is loaded on the first call, so `provision plan` on an empty
//! state works without credentials.

pub mod backend;
mod context;
mod data;
mod ec2;
mod error;
mod retry;
mod validate;

pub use context::CallCounts;

use context::Context;
use provision_core::{
    AttributeSchema, Attrs, BlockSchema, DataSourceType, Nesting, Provider, ProviderError, ProviderErrorKind,
    ResourceType, Schema, Type, Value,
};
use std::sync::Arc;

/// The `aws` provider.
pub struct AwsProvider {
    ctx: Arc<Context>,
    resources: Vec<Arc<dyn ResourceType>>,
    data: Vec<Arc<dyn DataSourceType>>,
    config_schema: Schema,
}

impl Default for AwsProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl AwsProvider {
    pub fn new() -> Self {
        let ctx = Arc::new(Context::default());
        use ec2::sg_rules::Direction;
        let mut resources: Vec<Arc<dyn ResourceType>> = vec![
            Arc::new(ec2::eip::ElasticIp::new(ctx.clone())),
            Arc::new(ec2::internet_gateway::InternetGateway::new(ctx.clone())),
            Arc::new(ec2::nat_gateway::NatGateway::new(ctx.clone())),
            Arc::new(ec2::route::RouteResource::new(ctx.clone())),
            Arc::new(ec2::route_table::RouteTable::new(ctx.clone())),
            Arc::new(ec2::route_table_association::RouteTableAssociationResource::new(ctx.clone())),
            Arc::new(ec2::security_group::SecurityGroup::new(ctx.clone())),
            Arc::new(ec2::security_group_rule::SecurityGroupRule::new(ctx.clone())),
            Arc::new(ec2::subnet::Subnet::new(ctx.clone())),
            Arc::new(ec2::vpc::Vpc::new(ctx.clone())),
            Arc::new(ec2::vpc_security_group_rule::VpcSecurityGroupRule::new(ctx.clone(), Direction::Ingress)),
            Arc::new(ec2::vpc_security_group_rule::VpcSecurityGroupRule::new(ctx.clone(), Direction::Egress)),
        ];
        resources.sort_by_key(|r| r.name());
        let data = data::all(&ctx);
        AwsProvider { ctx, resources, data, config_schema: config_schema() }
    }

    /// How many AWS API calls this process made, by operation.
    pub fn call_counts(&self) -> CallCounts {
        self.ctx.calls()
    }
}

fn config_schema() -> Schema {
    Schema::new("The provider \"aws\" block.")
        .attr(
            AttributeSchema::optional("region", Type::String)
                .describe("The AWS region. Defaults to the standard chain (AWS_REGION, the profile's region)."),
        )
        .block(BlockSchema::new(
            "default_tags",
            Nesting::Single,
            Schema::new("Tags added to every taggable resource.")
                .attr(AttributeSchema::optional("tags", Type::map(Type::String))),
            "Tags added to every taggable resource (a resource's own tags win).",
        ))
}

impl Provider for AwsProvider {
    fn name(&self) -> &'static str {
        "aws"
    }

    fn config_schema(&self) -> &Schema {
        &self.config_schema
    }

    fn configure(&self, config: &Attrs) -> Result<(), ProviderError> {
        let region = config.get("region").and_then(Value::as_str).map(str::to_string);
        if let Some(r) = &region
            && (r.is_empty() || !r.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
        {
            return Err(ProviderError::new(
                ProviderErrorKind::Config,
                format!("\"{r}\" is not an AWS region name, such as eu-west-1"),
            ));
        }
        self.ctx.set_region(region);
        Ok(())
    }

    fn resource_type(&self, name: &str) -> Option<Arc<dyn ResourceType>> {
        self.resources.iter().find(|r| r.name() == name).cloned()
    }

    fn data_source(&self, name: &str) -> Option<Arc<dyn DataSourceType>> {
        self.data.iter().find(|d| d.name() == name).cloned()
    }

    fn resource_type_names(&self) -> Vec<&'static str> {
        self.resources.iter().map(|r| r.name()).collect()
    }

    fn data_source_names(&self) -> Vec<&'static str> {
        self.data.iter().map(|d| d.name()).collect()
    }
}

/// The schemas of every resource type, for generating documentation and for tests.
pub fn schemas() -> Vec<(&'static str, Schema)> {
    AwsProvider::new().resources.iter().map(|r| (r.name(), r.schema().clone())).collect()
}

/// The schemas of every data source.
pub fn data_schemas() -> Vec<(&'static str, Schema)> {
    AwsProvider::new().data.iter().map(|d| (d.name(), d.schema().clone())).collect()
}
