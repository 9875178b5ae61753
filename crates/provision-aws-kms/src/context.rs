//! The KMS client, built from the provider's shared SDK configuration on the first call that
//! needs it, with the call counter attached.

use provision_aws_core::{CountCalls, Sdk, ServiceClients};
use std::sync::Arc;

pub(crate) struct Clients {
    pub kms: aws_sdk_kms::Client,
    pub region: String,
    pub partition: &'static str,
}

/// What every KMS resource type holds: the clients, built once.
pub(crate) type Context = ServiceClients<Clients>;

fn build(sdk: &Sdk, counter: CountCalls) -> Clients {
    let config = aws_sdk_kms::config::Builder::from(&sdk.config).interceptor(counter).build();
    Clients { kms: aws_sdk_kms::Client::from_conf(config), region: sdk.region.clone(), partition: sdk.partition }
}

pub(crate) fn new(shared: Arc<provision_aws_core::Context>) -> Context {
    ServiceClients::new(shared, build)
}
