//! What a `provider "aws"` block asks of the SDK configuration (profile and shared files, static
//! credentials, an assumed role, retries, endpoints), turned into an `SdkConfig` by aws-config's
//! own providers: provision reads no credential file and signs nothing itself.

use crate::error::config_error;
use aws_config::SdkConfig;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
use aws_runtime::env_config::file::{EnvConfigFileKind as ProfileFileKind, EnvConfigFiles as ProfileFiles};
use aws_types::os_shim_internal::{Env, Fs};
use aws_types::service_config::{LoadServiceConfig, ServiceConfigKey};
use provision_core::ProviderError;
use std::collections::BTreeMap;
use std::error::Error as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The settings of one provider configuration that decide how the SDK is configured. The
/// default is the standard chain (environment, `AWS_PROFILE`, SSO, instance role).
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub region: Option<String>,
    /// `profile`: credentials (and region, unless set) from this profile, even when the
    /// environment has credentials (as the Terraform provider does).
    pub profile: Option<String>,
    /// `shared_config_files`: replace `~/.aws/config` (`AWS_CONFIG_FILE`) when not empty.
    pub shared_config_files: Vec<PathBuf>,
    /// `shared_credentials_files`: replace `~/.aws/credentials` (`AWS_SHARED_CREDENTIALS_FILE`).
    pub shared_credentials_files: Vec<PathBuf>,
    /// `access_key`, `secret_key`, `token`: static credentials, before anything else.
    pub static_credentials: Option<StaticCredentials>,
    pub assume_role: Option<AssumeRole>,
    /// `max_retries`: retries after the first attempt (the SDK counts attempts).
    pub max_retries: Option<u32>,
    /// `endpoints { ... }`: endpoint URL by SDK service id (`EC2`, `CloudWatch Logs`, ...).
    pub endpoints: BTreeMap<String, String>,
    /// `s3_use_path_style`.
    pub s3_use_path_style: bool,
}

/// `access_key`, `secret_key` and `token`.
#[derive(Clone)]
pub struct StaticCredentials {
    pub access_key: String,
    pub secret_key: String,
    pub token: Option<String>,
}

impl std::fmt::Debug for StaticCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StaticCredentials { ** redacted ** }")
    }
}

/// `assume_role { ... }`: the arguments of STS AssumeRole.
#[derive(Debug, Clone, Default)]
pub struct AssumeRole {
    pub role_arn: String,
    pub session_name: Option<String>,
    pub external_id: Option<String>,
    pub duration: Option<Duration>,
    pub policy: Option<String>,
    pub policy_arns: Vec<String>,
    pub tags: BTreeMap<String, String>,
}

impl Settings {
    /// The profile files the SDK reads: the configured ones, or the defaults of the kinds not
    /// configured. `None` when nothing about profiles is configured (the SDK's defaults apply).
    fn profile_files(&self) -> Option<ProfileFiles> {
        if self.shared_config_files.is_empty() && self.shared_credentials_files.is_empty() {
            return None;
        }
        let mut b = ProfileFiles::builder()
            .include_default_config_file(self.shared_config_files.is_empty())
            .include_default_credentials_file(self.shared_credentials_files.is_empty());
        for f in &self.shared_config_files {
            b = b.with_file(ProfileFileKind::Config, f);
        }
        for f in &self.shared_credentials_files {
            b = b.with_file(ProfileFileKind::Credentials, f);
        }
        Some(b.build())
    }

    /// The files read for profiles, for messages.
    fn profile_file_names(&self) -> Vec<String> {
        let env = |k: &str, default: &str| std::env::var(k).unwrap_or_else(|_| default.to_string());
        let mut names: Vec<String> = if self.shared_config_files.is_empty() {
            vec![env("AWS_CONFIG_FILE", "~/.aws/config")]
        } else {
            self.shared_config_files.iter().map(|p| p.display().to_string()).collect()
        };
        if self.shared_credentials_files.is_empty() {
            names.push(env("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials"));
        } else {
            names.extend(self.shared_credentials_files.iter().map(|p| p.display().to_string()));
        }
        names
    }

    /// The configured files must be readable and a configured `profile` must exist in them:
    /// checked before anything is loaded, so that a typo is one clear error and not a
    /// credentials failure at the first call.
    async fn check_profile(&self) -> Result<(), ProviderError> {
        let files = self.profile_files();
        if self.profile.is_none() && files.is_none() {
            return Ok(());
        }
        let read = self.profile_file_names().join(", ");
        let set = aws_config::profile::load(&Fs::real(), &Env::real(), &files.unwrap_or_default(), None)
            .await
            .map_err(|e| config_error(format!("the AWS profile files could not be read ({read}): {e}")))?;
        if let Some(profile) = &self.profile
            && set.get_profile(profile).is_none()
        {
            return Err(config_error(format!(
                "the AWS profile \"{profile}\" is not defined in the files read: {read}"
            )));
        }
        Ok(())
    }
}

/// Loads the SDK configuration of a provider configuration, with provision's retry settings.
/// Makes no AWS call (an assumed role is assumed on the first call that needs credentials).
pub async fn load_settings(settings: &Settings) -> Result<SdkConfig, ProviderError> {
    settings.check_profile().await?;
    let attempts = settings.max_retries.map(|r| r.saturating_add(1)).unwrap_or(8);
    let retry = aws_config::retry::RetryConfig::standard().with_max_attempts(attempts);
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest()).retry_config(retry);
    if let Some(r) = &settings.region {
        loader = loader.region(aws_config::Region::new(r.clone()));
    }
    let files = settings.profile_files();
    if let Some(files) = &files {
        loader = loader.profile_files(files.clone());
    }
    if let Some(p) = &settings.profile {
        loader = loader.profile_name(p);
    }
    if let Some(c) = &settings.static_credentials {
        loader = loader.credentials_provider(aws_credential_types::Credentials::new(
            &c.access_key,
            &c.secret_key,
            c.token.clone(),
            None,
            "provider-block",
        ));
    } else if let Some(p) = &settings.profile {
        // The profile wins over credentials in the environment, as in the Terraform provider.
        let mut b = aws_config::profile::ProfileFileCredentialsProvider::builder().profile_name(p);
        if let Some(files) = files {
            b = b.profile_files(files);
        }
        loader = loader.credentials_provider(b.build());
    }
    let mut config = loader.load().await;
    // Endpoints first: the STS client of an assumed role honours an `sts` endpoint too.
    if !settings.endpoints.is_empty() {
        let fallback = config.service_config().map(|_| config.clone());
        let endpoints = Endpoints { by_service: settings.endpoints.clone(), fallback: fallback.map(Arc::new) };
        config = config.into_builder().service_config(endpoints).build();
    }
    if let Some(role) = &settings.assume_role {
        let mut b = aws_config::sts::AssumeRoleProvider::builder(role.role_arn.clone()).configure(&config);
        if let Some(s) = &role.session_name {
            b = b.session_name(s);
        }
        if let Some(x) = &role.external_id {
            b = b.external_id(x);
        }
        if let Some(d) = role.duration {
            b = b.session_length(d);
        }
        if let Some(p) = &role.policy {
            b = b.policy(p);
        }
        if !role.policy_arns.is_empty() {
            b = b.policy_arns(role.policy_arns.clone());
        }
        if !role.tags.is_empty() {
            b = b.tags(role.tags.clone());
        }
        let provider = NamedRole { role: role.role_arn.clone(), inner: b.build().await };
        config = config.into_builder().credentials_provider(SharedCredentialsProvider::new(provider)).build();
    }
    Ok(config)
}

/// The assumed role's credentials, with the role named in every failure ("assuming role
/// arn:aws:iam::...:role/deploy failed: AccessDenied ...").
#[derive(Debug)]
struct NamedRole {
    role: String,
    inner: aws_config::sts::AssumeRoleProvider,
}

impl ProvideCredentials for NamedRole {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            self.inner.provide_credentials().await.map_err(|e| {
                let cause = crate::error::chain(&e);
                CredentialsError::provider_error(format!("assuming role {} failed: {cause}", self.role))
            })
        })
    }
}

/// `endpoints { ... }`: a service's configured endpoint first, then what the environment and
/// the profile say (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`, `services` sections).
#[derive(Debug)]
struct Endpoints {
    by_service: BTreeMap<String, String>,
    fallback: Option<Arc<SdkConfig>>,
}

impl LoadServiceConfig for Endpoints {
    fn load_config(&self, key: ServiceConfigKey<'_>) -> Option<String> {
        if key.profile() == "endpoint_url"
            && let Some(url) = self.by_service.get(key.service_id())
        {
            return Some(url.clone());
        }
        self.fallback.as_ref().and_then(|c| c.service_config()).and_then(|s| s.load_config(key))
    }
}

/// Resolves the credentials of a configuration once, so that a failure (an assumed role refused,
/// a profile without credentials) is reported before anything is written.
pub async fn check_credentials(config: &SdkConfig) -> Result<(), ProviderError> {
    let Some(provider) = config.credentials_provider() else {
        return Ok(());
    };
    provider.provide_credentials().await.map(|_| ()).map_err(|e| {
        // The provider's own message (e.g. the role and why it was refused), without the SDK's
        // generic "an error occurred while loading credentials" around it.
        let message = match &e {
            CredentialsError::ProviderError(_) => e.source().map(ToString::to_string),
            _ => None,
        };
        config_error(message.unwrap_or_else(|| crate::error::chain(&e)))
    })
}
