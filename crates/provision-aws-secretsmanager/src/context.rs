//! The Secrets Manager client, built from the provider's shared SDK configuration on the first
//! call that needs it, with the call counter attached.

use provision_aws_core::{CountCalls, Sdk, ServiceClients};
use std::sync::Arc;

pub(crate) struct Clients {
    pub sm: aws_sdk_secretsmanager::Client,
}

/// What every Secrets Manager type holds: the client, built once.
pub(crate) type Context = ServiceClients<Clients>;

fn build(sdk: &Sdk, counter: CountCalls) -> Clients {
    let config = aws_sdk_secretsmanager::config::Builder::from(&sdk.config).interceptor(counter).build();
    Clients { sm: aws_sdk_secretsmanager::Client::from_conf(config) }
}

pub(crate) fn new(shared: Arc<provision_aws_core::Context>) -> Context {
    ServiceClients::new(shared, build)
}
