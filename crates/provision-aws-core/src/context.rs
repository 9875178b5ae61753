//! The SDK configuration, loaded once on first use, and a count of every API call made (per
//! attempt, retries included), for `-v` output and the benchmark.

use crate::error::config_error;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use provision_core::ProviderError;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// API calls by `Service:Operation`.
pub type CallCounts = BTreeMap<String, u64>;

/// The clients, built on first use.
pub(crate) struct Clients {
    pub ec2: aws_sdk_ec2::Client,
    pub sts: aws_sdk_sts::Client,
    pub region: String,
    pub partition: &'static str,
}

#[derive(Default)]
pub(crate) struct Context {
    region: Mutex<Option<String>>,
    clients: OnceCell<Clients>,
    calls: Arc<Mutex<CallCounts>>,
}

#[derive(Debug)]
struct CountCalls(Arc<Mutex<CallCounts>>);

impl Intercept for CountCalls {
    fn name(&self) -> &'static str {
        "provision::CountCalls"
    }

    fn read_before_transmit(
        &self,
        _ctx: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(m) = cfg.load::<Metadata>() {
            let key = format!("{}:{}", m.service(), m.name());
            tracing::debug!(call = %key, "AWS API call");
            *self.0.lock().unwrap_or_else(|p| p.into_inner()).entry(key).or_default() += 1;
        }
        Ok(())
    }
}

/// The partition a region belongs to, for ARNs.
pub(crate) fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else {
        "aws"
    }
}

impl Context {
    pub fn set_region(&self, region: Option<String>) {
        *self.region.lock().unwrap_or_else(|p| p.into_inner()) = region;
    }

    pub fn calls(&self) -> CallCounts {
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The clients, loading the SDK configuration the first time.
    pub async fn clients(&self) -> Result<&Clients, ProviderError> {
        self.clients
            .get_or_try_init(|| async {
                let region = self.region.lock().unwrap_or_else(|p| p.into_inner()).clone();
                let retry = aws_config::retry::RetryConfig::standard().with_max_attempts(8);
                let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest()).retry_config(retry);
                if let Some(r) = region {
                    loader = loader.region(aws_config::Region::new(r));
                }
                let sdk = loader.load().await;
                let Some(region) = sdk.region().map(|r| r.to_string()) else {
                    return Err(config_error(
                        "no AWS region is configured: set `region` in the provider \"aws\" block, or the AWS_REGION environment variable",
                    ));
                };
                let ec2_config =
                    aws_sdk_ec2::config::Builder::from(&sdk).interceptor(CountCalls(self.calls.clone())).build();
                let sts_config =
                    aws_sdk_sts::config::Builder::from(&sdk).interceptor(CountCalls(self.calls.clone())).build();
                let partition = partition(&region);
                Ok(Clients {
                    ec2: aws_sdk_ec2::Client::from_conf(ec2_config),
                    sts: aws_sdk_sts::Client::from_conf(sts_config),
                    region,
                    partition,
                })
            })
            .await
    }
}
