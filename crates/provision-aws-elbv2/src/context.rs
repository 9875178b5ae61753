//! The ELBv2 client (and the EC2 client, for the network interfaces a load balancer leaves
//! behind), built from the provider's shared SDK configuration on the first call that needs it.

use provision_aws_core::{CountCalls, Sdk, ServiceClients};
use std::sync::Arc;

pub(crate) struct Clients {
    pub elb: aws_sdk_elasticloadbalancingv2::Client,
    pub ec2: aws_sdk_ec2::Client,
}

/// What every ELBv2 type holds: the clients, built once.
pub(crate) type Context = ServiceClients<Clients>;

fn build(sdk: &Sdk, counter: CountCalls) -> Clients {
    let elb = aws_sdk_elasticloadbalancingv2::config::Builder::from(&sdk.config).interceptor(counter.clone()).build();
    let ec2 = aws_sdk_ec2::config::Builder::from(&sdk.config).interceptor(counter).build();
    Clients { elb: aws_sdk_elasticloadbalancingv2::Client::from_conf(elb), ec2: aws_sdk_ec2::Client::from_conf(ec2) }
}

pub(crate) fn new(shared: Arc<provision_aws_core::Context>) -> Context {
    ServiceClients::new(shared, build)
}
