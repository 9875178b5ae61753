//! The `aws` provider: the provider block, and the resource types and data sources of every
//! service crate (`provision-aws-ec2`, ...) registered under one name, plus the account data
//! sources (`aws_caller_identity`, `aws_region`, `aws_partition`). The engine reaches it through
//! the traits of `provision-core`; only the CLI names it.
//!
//! Deliberately absent: any AWS call before one is needed. The SDK configuration (region,
//! credentials, `AWS_ENDPOINT_URL`) is loaded on the first call, so `provision plan` on an empty
//! state works without credentials.

mod account;
mod config;
pub mod conformance;
mod counted;
mod ignore_tags;
pub mod reference;
mod region;
mod sts;

pub use provision_aws_core::{CallCounts, CreateCalls, CreatesCalls};

use async_trait::async_trait;
use provision_aws_core::Context;
use provision_core::regional;
use provision_core::{Attrs, DataSourceType, Provider, ProviderError, ProviderErrorKind, ResourceType, Schema};
use std::sync::Arc;
use tokio::sync::OnceCell;

/// The `aws` provider.
pub struct AwsProvider {
    ctx: Arc<Context>,
    sts: Arc<sts::Context>,
    resources: Vec<Arc<dyn ResourceType>>,
    data: Vec<Arc<dyn DataSourceType>>,
    config_schema: Schema,
    /// What the provider block decided beyond the SDK settings.
    configured: config::Configured,
    /// The checks of [`Provider::check`], made once.
    checked: OnceCell<()>,
}

impl Default for AwsProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl AwsProvider {
    pub fn new() -> Self {
        Self::with_context(Arc::new(Context::default()), config::Configured::default())
    }

    /// The provider's types over one context (one provider configuration's clients): each
    /// regional type wrapped so that an object with `region` is handled in its region
    /// (`provision_core::regional`), each global one refusing the argument (`region.rs` says which).
    fn with_context(ctx: Arc<Context>, configured: config::Configured) -> Self {
        let sts = Arc::new(sts::new(ctx.clone()));
        let home = Self::types(&ctx, &configured.ignore_tags);
        let (base, settings, ignore) = (ctx.clone(), configured.settings.clone(), configured.ignore_tags.clone());
        let build: Box<regional::Build> = Box::new(move |r: &str| {
            let mut settings = settings.clone();
            settings.region = Some(r.to_string());
            Self::types(&Arc::new(base.for_settings(settings)), &ignore)
        });
        let home_region = Arc::new(region::ChainRegion(ctx.clone()));
        let regions = Arc::new(regional::Regions::new(
            configured.settings.region.clone(),
            home_region,
            region::argument(),
            build,
        ));
        let mut resources: Vec<Arc<dyn ResourceType>> = home
            .resources
            .into_iter()
            .map(|t| -> Arc<dyn ResourceType> {
                match region::global_reason(t.name()) {
                    Some(why) => Arc::new(regional::Regional::global(t, why)),
                    None => Arc::new(regional::Regional::new(t, regions.clone())),
                }
            })
            .collect();
        let mut data: Vec<Arc<dyn DataSourceType>> = home
            .data
            .into_iter()
            .map(|d| -> Arc<dyn DataSourceType> {
                match region::global_reason(d.name()) {
                    Some(why) => Arc::new(regional::RegionalData::global(d, why)),
                    // `aws_region` takes `region` as the region it describes.
                    None if d.name() == "aws_region" => d,
                    None => Arc::new(regional::RegionalData::new(d, regions.clone())),
                }
            })
            .collect();
        resources.sort_by_key(|r| r.name());
        data.sort_by_key(|d| d.name());
        AwsProvider { ctx, sts, resources, data, config_schema: config::schema(), configured, checked: OnceCell::new() }
    }

    /// Every type of the provider over one context, as the services make them (with
    /// `ignore_tags` applied).
    fn types(ctx: &Arc<Context>, ignore_tags: &config::IgnoreTags) -> regional::Types {
        let sts = Arc::new(sts::new(ctx.clone()));
        let mut resources: Vec<Arc<dyn ResourceType>> = vec![];
        let mut data: Vec<Arc<dyn DataSourceType>> = vec![
            Arc::new(account::CallerIdentity::new(sts.clone())),
            Arc::new(account::Partition::new(sts.clone())),
            Arc::new(account::Region::new(sts)),
        ];
        // One entry per service crate, each behind its cargo feature.
        let services: Vec<provision_aws_core::ServiceTypes> = vec![
            #[cfg(feature = "ec2")]
            provision_aws_ec2::types(ctx),
            #[cfg(feature = "iam")]
            provision_aws_iam::types(ctx),
            #[cfg(feature = "logs")]
            provision_aws_logs::types(ctx),
            #[cfg(feature = "ecr")]
            provision_aws_ecr::types(ctx),
            #[cfg(feature = "ecs")]
            provision_aws_ecs::types(ctx),
            #[cfg(feature = "autoscaling")]
            provision_aws_autoscaling::types(ctx),
            #[cfg(feature = "elbv2")]
            provision_aws_elbv2::types(ctx),
            #[cfg(feature = "acm")]
            provision_aws_acm::types(ctx),
            #[cfg(feature = "route53")]
            provision_aws_route53::types(ctx),
            #[cfg(feature = "rds")]
            provision_aws_rds::types(ctx),
            #[cfg(feature = "kms")]
            provision_aws_kms::types(ctx),
            #[cfg(feature = "secretsmanager")]
            provision_aws_secretsmanager::types(ctx),
            #[cfg(feature = "dynamodb")]
            provision_aws_dynamodb::types(ctx),
            #[cfg(feature = "efs")]
            provision_aws_efs::types(ctx),
            #[cfg(feature = "s3")]
            provision_aws_s3::types(ctx),
            #[cfg(feature = "cloudfront")]
            provision_aws_cloudfront::types(ctx),
            #[cfg(feature = "sns")]
            provision_aws_sns::types(ctx),
            #[cfg(feature = "cloudwatch")]
            provision_aws_cloudwatch::types(ctx),
            #[cfg(feature = "ssm")]
            provision_aws_ssm::types(ctx),
        ];
        for service in services {
            resources.extend(
                service
                    .resources
                    .into_iter()
                    .map(|inner| -> Arc<dyn ResourceType> { Arc::new(counted::Counted { inner }) }),
            );
            data.extend(service.data_sources);
        }
        if !ignore_tags.is_empty() {
            let ignore = Arc::new(ignore_tags.clone());
            resources = resources
                .into_iter()
                .map(|inner| -> Arc<dyn ResourceType> {
                    Arc::new(ignore_tags::Filtered { inner, ignore: ignore.clone() })
                })
                .collect();
        }
        regional::Types { resources, data }
    }

    /// How many AWS API calls this process made, by operation.
    pub fn call_counts(&self) -> CallCounts {
        self.ctx.calls()
    }

    /// The AWS API calls of each create this process made, by type and address.
    pub fn create_calls(&self) -> CreatesCalls {
        self.ctx.create_calls()
    }
}

#[async_trait]
impl Provider for AwsProvider {
    fn name(&self) -> &'static str {
        "aws"
    }

    fn config_schema(&self) -> &Schema {
        &self.config_schema
    }

    fn configure(&self, config: &Attrs) -> Result<Arc<dyn Provider>, ProviderError> {
        let configured = config::configure(config)?;
        let ctx = Arc::new(self.ctx.for_settings(configured.settings.clone()));
        Ok(Arc::new(Self::with_context(ctx, configured)))
    }

    fn warnings(&self) -> Vec<String> {
        self.configured.warnings.clone()
    }

    /// The shared files can be read and a configured `profile` is in them, an `assume_role` role
    /// can be assumed (one AssumeRole call),
    /// and the account is allowed (one GetCallerIdentity call, only when `allowed_account_ids` or
    /// `forbidden_account_ids` is set). Nothing to do, and no call, otherwise.
    async fn check(&self) -> Result<(), ProviderError> {
        let settings = &self.configured.settings;
        let files = !settings.shared_config_files.is_empty() || !settings.shared_credentials_files.is_empty();
        if settings.profile.is_none() && !files && settings.assume_role.is_none() && self.configured.accounts.is_none()
        {
            return Ok(());
        }
        self.checked
            .get_or_try_init(|| async {
                let sdk = self.ctx.sdk().await?;
                if settings.assume_role.is_some() {
                    provision_aws_core::settings::check_credentials(&sdk.config).await?;
                }
                if let Some(accounts) = &self.configured.accounts {
                    let c = self.sts.clients().await?;
                    let out = c.sts.get_caller_identity().send().await.map_err(|e| sts::sdk("GetCallerIdentity", e))?;
                    let account = out.account().unwrap_or_default();
                    if let Some(refusal) = accounts.refuse(account) {
                        return Err(ProviderError::new(ProviderErrorKind::Auth, refusal));
                    }
                }
                Ok(())
            })
            .await
            .map(|_| ())
    }

    fn resource_type(&self, name: &str) -> Option<Arc<dyn ResourceType>> {
        self.resources.iter().find(|r| r.name() == name).cloned()
    }

    fn data_source(&self, name: &str) -> Option<Arc<dyn DataSourceType>> {
        self.data.iter().find(|d| d.name() == name).cloned()
    }

    fn resource_type_names(&self) -> Vec<&'static str> {
        self.resources.iter().map(|r| r.name()).collect()
    }

    fn data_source_names(&self) -> Vec<&'static str> {
        self.data.iter().map(|d| d.name()).collect()
    }
}

/// The schemas of every resource type, for generating documentation and for tests.
pub fn schemas() -> Vec<(&'static str, Schema)> {
    AwsProvider::new().resources.iter().map(|r| (r.name(), r.schema().clone())).collect()
}

/// The schemas of every data source.
pub fn data_schemas() -> Vec<(&'static str, Schema)> {
    AwsProvider::new().data.iter().map(|d| (d.name(), d.schema().clone())).collect()
}
