//! The RDS client, built from the provider's shared SDK configuration on the first call that
//! needs it, with the call counter attached.

use provision_aws_core::{CountCalls, Sdk, ServiceClients};
use std::sync::Arc;

pub(crate) struct Clients {
    pub rds: aws_sdk_rds::Client,
}

/// What every RDS resource type holds: the clients, built once.
pub(crate) type Context = ServiceClients<Clients>;

fn build(sdk: &Sdk, counter: CountCalls) -> Clients {
    let config = aws_sdk_rds::config::Builder::from(&sdk.config).interceptor(counter).build();
    Clients { rds: aws_sdk_rds::Client::from_conf(config) }
}

pub(crate) fn new(shared: Arc<provision_aws_core::Context>) -> Context {
    ServiceClients::new(shared, build)
}
