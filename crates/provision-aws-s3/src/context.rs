//! The S3 client, built from the provider's shared SDK configuration on the first call that needs
//! it, with the call counter attached and path-style addressing when the provider block asks for it
//! (`s3_use_path_style`) or an endpoint is overridden (an emulator, a VPC endpoint), as the S3
//! state backend does.

use provision_aws_core::{CountCalls, Sdk, ServiceClients};
use std::sync::Arc;

pub(crate) struct Clients {
    pub s3: aws_sdk_s3::Client,
    pub region: String,
    pub partition: &'static str,
}

/// What every S3 resource type holds: the clients, built once.
pub(crate) type Context = ServiceClients<Clients>;

fn build(sdk: &Sdk, counter: CountCalls) -> Clients {
    let config = aws_sdk_s3::config::Builder::from(&sdk.config)
        .force_path_style(sdk.s3_use_path_style || sdk.config.endpoint_url().is_some())
        .interceptor(counter)
        .build();
    Clients { s3: aws_sdk_s3::Client::from_conf(config), region: sdk.region.clone(), partition: sdk.partition }
}

pub(crate) fn new(shared: Arc<provision_aws_core::Context>) -> Context {
    ServiceClients::new(shared, build)
}
