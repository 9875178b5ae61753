//! The EC2 network layer of the `aws` provider: VPCs, subnets, internet and NAT gateways, EIPs,
//! route tables, routes and their associations, security groups and their rules (`ec2/`, one file
//! per resource type), the EC2 lookups `aws_availability_zones`, `aws_vpc` and `aws_subnets`
//! (`data/`), and the plan-time checks particular to EC2 (`validate.rs`). A crate of its own so
//! that editing one of them recompiles this crate and the provider, not every other service.

mod context;
mod data;
mod ec2;
mod error;
mod validate;

pub(crate) use provision_aws_core::retry;

use provision_aws_core::ServiceTypes;
use provision_core::ResourceType;
use std::sync::Arc;

/// The EC2 resource types and data sources, sharing one lazily built EC2 client.
pub fn types(shared: &Arc<provision_aws_core::Context>) -> ServiceTypes {
    let ctx = Arc::new(context::new(shared.clone()));
    use ec2::sg_rules::Direction;
    let resources: Vec<Arc<dyn ResourceType>> = vec![
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
    ServiceTypes { resources, data_sources: data::all(&ctx) }
}
