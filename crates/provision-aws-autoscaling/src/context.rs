//! The Application Auto Scaling client, built from the provider's shared SDK configuration on the
//! first call that needs it, with the call counter attached.

use provision_aws_core::{CountCalls, Sdk, ServiceClients};
use std::sync::Arc;

pub(crate) struct Clients {
    pub aas: aws_sdk_applicationautoscaling::Client,
}

/// What every Application Auto Scaling type holds: the client, built once.
pub(crate) type Context = ServiceClients<Clients>;

fn build(sdk: &Sdk, counter: CountCalls) -> Clients {
    let config = aws_sdk_applicationautoscaling::config::Builder::from(&sdk.config).interceptor(counter).build();
    Clients { aas: aws_sdk_applicationautoscaling::Client::from_conf(config) }
}

pub(crate) fn new(shared: Arc<provision_aws_core::Context>) -> Context {
    ServiceClients::new(shared, build)
}
