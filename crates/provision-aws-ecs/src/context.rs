//! The ECS client, built from the provider's shared SDK configuration on the first call that
//! needs it, with the call counter attached.

use provision_aws_core::{CountCalls, Sdk, ServiceClients};
use std::sync::Arc;

pub(crate) struct Clients {
    pub ecs: aws_sdk_ecs::Client,
}

/// What every ECS resource type holds: the client, built once.
pub(crate) type Context = ServiceClients<Clients>;

fn build(sdk: &Sdk, counter: CountCalls) -> Clients {
    let config = aws_sdk_ecs::config::Builder::from(&sdk.config).interceptor(counter).build();
    Clients { ecs: aws_sdk_ecs::Client::from_conf(config) }
}

pub(crate) fn new(shared: Arc<provision_aws_core::Context>) -> Context {
    ServiceClients::new(shared, build)
}
