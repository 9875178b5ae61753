//! The SDK configuration, loaded once on first use and shared by every service crate, and a count
//! of every API call made (per attempt, retries included), for `-v` output and the benchmark.
//! Each service crate builds its own client from it, lazily, with [`ServiceClients`]. Calls made
//! inside a create ([`counting_create`]) are also counted for that object, and reads made while
//! waiting for a status ([`waiting`]) apart from the others: the calls-per-create table of
//! `provision-aws` and `-v` come from them.

use crate::error::config_error;
use crate::settings::Settings;
use aws_config::SdkConfig;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use provision_core::ProviderError;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// API calls by `Service:Operation`.
pub type CallCounts = BTreeMap<String, u64>;

/// The calls one object's create made (its `finish_create` included).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreateCalls {
    /// The calls of the create, by `Service:Operation`, except those below.
    pub calls: CallCounts,
    /// The reads made while waiting for the new object to be visible or to reach a status: how many
    /// depends on AWS's timing (against moto, which answers at once, one per wait).
    pub waits: CallCounts,
}

/// The calls of each create, by resource type and address.
pub type CreatesCalls = BTreeMap<(&'static str, String), CreateCalls>;

tokio::task_local! {
    /// The create running in this task: its resource type and address.
    static CREATING: (&'static str, String);
    /// Set while a create waits for its object.
    static WAITING: ();
}

/// Runs `create` (an object's create or `finish_create`), counting its calls for that object.
pub async fn counting_create<F: Future>(type_name: &'static str, address: String, create: F) -> F::Output {
    CREATING.scope((type_name, address), create).await
}

/// Runs `poll`, a read that waits for an object, so that its calls count as waits.
pub async fn waiting<F: Future>(poll: F) -> F::Output {
    WAITING.scope((), poll).await
}

/// The loaded SDK configuration and what follows from it.
pub struct Sdk {
    pub config: SdkConfig,
    pub region: String,
    pub partition: &'static str,
    /// `s3_use_path_style` in the provider block.
    pub s3_use_path_style: bool,
}

/// The provider's shared AWS context: the region asked for, the SDK configuration (loaded on first
/// use, never before: `validate`, and `plan` on an empty state, need no credentials), the counter.
#[derive(Default)]
pub struct Context {
    settings: Mutex<Settings>,
    sdk: OnceCell<Sdk>,
    calls: Arc<Mutex<CallCounts>>,
    creates: Arc<Mutex<CreatesCalls>>,
}

/// The interceptor that counts calls; every service client gets one ([`Context::call_counter`]).
#[derive(Debug, Clone)]
pub struct CountCalls {
    calls: Arc<Mutex<CallCounts>>,
    creates: Arc<Mutex<CreatesCalls>>,
}

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
            let _ = CREATING.try_with(|(type_name, address)| {
                let mut creates = self.creates.lock().unwrap_or_else(|p| p.into_inner());
                let create = creates.entry((*type_name, address.clone())).or_default();
                let counts = if WAITING.try_with(|_| ()).is_ok() { &mut create.waits } else { &mut create.calls };
                *counts.entry(key.clone()).or_default() += 1;
            });
            *self.calls.lock().unwrap_or_else(|p| p.into_inner()).entry(key).or_default() += 1;
        }
        Ok(())
    }
}

/// The partition a region belongs to, for ARNs.
pub fn partition(region: &str) -> &'static str {
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

/// The standard chain (environment, profile, SSO, `AWS_ENDPOINT_URL`) with provision's retry
/// settings, and `region` when given. Used by the S3 state backend; the provider's configurations
/// load theirs with [`crate::settings::load_settings`].
pub async fn load(region: Option<String>) -> SdkConfig {
    let retry = aws_config::retry::RetryConfig::standard().with_max_attempts(8);
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest()).retry_config(retry);
    if let Some(r) = region {
        loader = loader.region(aws_config::Region::new(r));
    }
    loader.load().await
}

impl Context {
    /// A context for another provider configuration (another region): its own SDK configuration,
    /// loaded on first use, and the same call counter.
    pub fn for_region(&self, region: Option<String>) -> Context {
        self.for_settings(Settings { region, ..Settings::default() })
    }

    /// A context for a provider configuration's settings (profile, role, ...): its own SDK
    /// configuration, loaded on first use, and the same call counter.
    pub fn for_settings(&self, settings: Settings) -> Context {
        Context {
            settings: Mutex::new(settings),
            sdk: Default::default(),
            calls: self.calls.clone(),
            creates: self.creates.clone(),
        }
    }

    pub fn set_region(&self, region: Option<String>) {
        self.settings.lock().unwrap_or_else(|p| p.into_inner()).region = region;
    }

    /// The settings this context loads its SDK configuration with.
    pub fn settings(&self) -> Settings {
        self.settings.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn calls(&self) -> CallCounts {
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The calls of each create this process made (see [`counting_create`]).
    pub fn create_calls(&self) -> CreatesCalls {
        self.creates.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The interceptor to add to a service's config builder, so its calls are counted:
    /// `aws_sdk_ec2::config::Builder::from(&sdk.config).interceptor(ctx.call_counter())`.
    pub fn call_counter(&self) -> CountCalls {
        CountCalls { calls: self.calls.clone(), creates: self.creates.clone() }
    }

    /// The SDK configuration, loaded the first time (a failure is not remembered: the next call
    /// tries again).
    pub async fn sdk(&self) -> Result<&Sdk, ProviderError> {
        self.sdk
            .get_or_try_init(|| async {
                let settings = self.settings();
                let config = crate::settings::load_settings(&settings).await?;
                let Some(region) = config.region().map(|r| r.to_string()) else {
                    return Err(config_error(
                        "no AWS region is configured: set `region` in the provider \"aws\" block, or the AWS_REGION environment variable",
                    ));
                };
                let partition = partition(&region);
                Ok(Sdk { config, region, partition, s3_use_path_style: settings.s3_use_path_style })
            })
            .await
    }

    /// The SDK configuration alone.
    pub async fn sdk_config(&self) -> Result<&SdkConfig, ProviderError> {
        Ok(&self.sdk().await?.config)
    }
}

/// A service crate's clients, built from the shared configuration on first use:
/// `ServiceClients::new(ctx, |sdk, counter| Clients { ec2: ..., region: sdk.region.clone() })`.
pub struct ServiceClients<T> {
    ctx: Arc<Context>,
    build: fn(&Sdk, CountCalls) -> T,
    clients: OnceCell<T>,
}

impl<T> ServiceClients<T> {
    pub fn new(ctx: Arc<Context>, build: fn(&Sdk, CountCalls) -> T) -> Self {
        ServiceClients { ctx, build, clients: OnceCell::new() }
    }

    /// The clients, loading the SDK configuration the first time.
    pub async fn clients(&self) -> Result<&T, ProviderError> {
        self.clients
            .get_or_try_init(|| async {
                let sdk = self.ctx.sdk().await?;
                Ok((self.build)(sdk, self.ctx.call_counter()))
            })
            .await
    }

    /// The shared context.
    pub fn context(&self) -> &Arc<Context> {
        &self.ctx
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions() {
        assert_eq!(partition("eu-west-1"), "aws");
        assert_eq!(partition("cn-north-1"), "aws-cn");
        assert_eq!(partition("us-gov-west-1"), "aws-us-gov");
        assert_eq!(partition("us-isob-east-1"), "aws-iso-b");
    }

    #[test]
    fn nothing_is_loaded_before_it_is_needed() {
        let ctx = Arc::new(Context::default());
        ctx.set_region(Some("eu-west-1".into()));
        let clients = ServiceClients::new(ctx.clone(), |sdk, _| sdk.region.clone());
        assert!(ctx.sdk.get().is_none() && clients.clients.get().is_none());
        assert!(ctx.calls().is_empty());
    }
}
