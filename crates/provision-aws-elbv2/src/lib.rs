//! The ELBv2 types of provision's aws provider: load balancers, target groups, listeners and
//! their rules, each also under its `aws_alb*` name. A crate of its own so that editing it
//! recompiles this crate and the provider, not every other service.

mod actions;
mod attachment;
mod common;
mod context;
mod data;
mod error;
mod listener;
mod listener_certificate;
mod listener_rule;
mod load_balancer;
mod target_group;

use provision_aws_core::ServiceTypes;
use provision_core::ResourceType;
use std::sync::Arc;

/// This service's resource types and data sources, sharing one lazily built client.
pub fn types(shared: &Arc<provision_aws_core::Context>) -> ServiceTypes {
    let ctx = Arc::new(context::new(shared.clone()));
    let resources: Vec<Arc<dyn ResourceType>> = vec![
        Arc::new(load_balancer::LoadBalancer::new(ctx.clone(), "aws_lb")),
        Arc::new(load_balancer::LoadBalancer::new(ctx.clone(), "aws_alb")),
        Arc::new(target_group::TargetGroup::new(ctx.clone(), "aws_lb_target_group")),
        Arc::new(target_group::TargetGroup::new(ctx.clone(), "aws_alb_target_group")),
        Arc::new(listener::Listener::new(ctx.clone(), "aws_lb_listener")),
        Arc::new(listener::Listener::new(ctx.clone(), "aws_alb_listener")),
        Arc::new(listener_rule::ListenerRule::new(ctx.clone())),
        Arc::new(attachment::Attachment::new(ctx.clone())),
        Arc::new(listener_certificate::ListenerCertificate::new(ctx.clone())),
    ];
    let data_sources: Vec<Arc<dyn provision_core::DataSourceType>> = vec![
        Arc::new(data::LbLookup::new(ctx.clone(), &load_balancer::LoadBalancer::new(ctx.clone(), "aws_lb"))),
        Arc::new(data::TgLookup::new(ctx.clone(), &target_group::TargetGroup::new(ctx.clone(), "aws_lb_target_group"))),
    ];
    ServiceTypes { resources, data_sources }
}
