//! The EC2 client, built from the provider's shared SDK configuration on the first call that
//! needs it, with the call counter attached.

use provision_aws_core::{CountCalls, Sdk, ServiceClients};
use std::sync::Arc;

pub(crate) struct Clients {
    pub ec2: aws_sdk_ec2::Client,
    pub region: String,
    pub partition: &'static str,
}

/// What every EC2 resource type holds: the clients, built once.
pub(crate) type Context = ServiceClients<Clients>;

fn build(sdk: &Sdk, counter: CountCalls) -> Clients {
    let config = aws_sdk_ec2::config::Builder::from(&sdk.config).interceptor(counter).build();
    Clients { ec2: aws_sdk_ec2::Client::from_conf(config), region: sdk.region.clone(), partition: sdk.partition }
}

pub(crate) fn new(shared: Arc<provision_aws_core::Context>) -> Context {
    ServiceClients::new(shared, build)
}
