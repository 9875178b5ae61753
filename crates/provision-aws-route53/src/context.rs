//! The Route53 client, built from the provider's shared SDK configuration on the first call that
//! needs it, with the call counter attached.

use provision_aws_core::{CountCalls, Sdk, ServiceClients};
use std::sync::Arc;

pub(crate) struct Clients {
    pub r53: aws_sdk_route53::Client,
    pub partition: &'static str,
}

pub(crate) type Context = ServiceClients<Clients>;

fn build(sdk: &Sdk, counter: CountCalls) -> Clients {
    let config = aws_sdk_route53::config::Builder::from(&sdk.config).interceptor(counter).build();
    Clients { r53: aws_sdk_route53::Client::from_conf(config), partition: sdk.partition }
}

pub(crate) fn new(shared: Arc<provision_aws_core::Context>) -> Context {
    ServiceClients::new(shared, build)
}
