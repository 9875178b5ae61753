//! The STS client of the account data sources, built from the shared SDK configuration on first
//! use, and STS's place in error classification (no codes of its own).

use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use provision_aws_core::{CountCalls, ErrorTable, Sdk, ServiceClients};
use provision_core::ProviderError;
use std::sync::Arc;

pub(crate) struct Clients {
    pub sts: aws_sdk_sts::Client,
    pub region: String,
    pub partition: &'static str,
}

pub(crate) type Context = ServiceClients<Clients>;

fn build(sdk: &Sdk, counter: CountCalls) -> Clients {
    let config = aws_sdk_sts::config::Builder::from(&sdk.config).interceptor(counter).build();
    Clients { sts: aws_sdk_sts::Client::from_conf(config), region: sdk.region.clone(), partition: sdk.partition }
}

pub(crate) fn new(shared: Arc<provision_aws_core::Context>) -> Context {
    ServiceClients::new(shared, build)
}

const STS: ErrorTable = ErrorTable::empty("STS");

/// Converts an SDK error from STS operation `op`.
pub(crate) fn sdk<E, R>(op: &str, e: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    provision_aws_core::error::sdk(&STS, op, e)
}
