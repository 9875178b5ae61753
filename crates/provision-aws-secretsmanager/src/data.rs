//! The data sources `aws_secretsmanager_secret` (a secret by ARN or name) and
//! `aws_secretsmanager_secret_version` (a secret's value, by version id or staging label; the
//! value is sensitive).

use crate::attrs::{get_string, s, string_set};
use crate::context::Context;
use crate::error::sdk;
use crate::version::version_id;
use crate::view::describe;
use async_trait::async_trait;
use base64::Engine;
use provision_aws_core::json::normalize_policy;
use provision_core::{AttributeSchema, Attrs, DataSourceType, ProviderError, ProviderErrorKind, Schema, Type, Value};
use std::sync::Arc;

pub(crate) struct SecretData {
    ctx: Arc<Context>,
    schema: Schema,
}

fn arn_or_name(a: &Attrs) -> Result<(), String> {
    let set = |k: &str| a.get(k).is_some_and(|v| !v.is_null());
    match (set("arn"), set("name")) {
        (true, true) => Err("set `arn` or `name`, not both".into()),
        (false, false) => Err("set `arn` or `name`".into()),
        _ => Ok(()),
    }
}

impl SecretData {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("A Secrets Manager secret, by ARN or name (not its value).")
            .attr(
                AttributeSchema::optional_computed("arn", Type::String)
                    .describe("The secret's ARN. Set this or `name`."),
            )
            .attr(
                AttributeSchema::optional_computed("name", Type::String)
                    .describe("The secret's name. Set this or `arn`."),
            )
            .attr(AttributeSchema::computed("id", Type::String).describe("The secret's ARN."))
            .attr(AttributeSchema::computed("description", Type::String).describe("Its description."))
            .attr(
                AttributeSchema::computed("kms_key_id", Type::String)
                    .describe("The KMS key that encrypts it (null: `aws/secretsmanager`)."),
            )
            .attr(AttributeSchema::computed("policy", Type::String).describe("Its resource policy, as canonical JSON."))
            .attr(AttributeSchema::computed("created_date", Type::String).describe("When it was created (RFC 3339)."))
            .attr(
                AttributeSchema::computed("last_changed_date", Type::String)
                    .describe("When it last changed (RFC 3339)."),
            )
            .attr(AttributeSchema::optional_computed("tags", Type::map(Type::String)).describe("Its tags."))
            .check(arn_or_name);
        SecretData { ctx, schema }
    }
}

#[async_trait]
impl DataSourceType for SecretData {
    fn name(&self) -> &'static str {
        "aws_secretsmanager_secret"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, args: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let id = get_string(args, "arn").or_else(|| get_string(args, "name")).ok_or_else(|| {
            ProviderError::new(ProviderErrorKind::Invalid, "data \"aws_secretsmanager_secret\": set `arn` or `name`")
        })?;
        let v = describe(c, &id).await?.filter(|v| !v.deleted).ok_or_else(|| {
            ProviderError::new(
                ProviderErrorKind::NotFound,
                format!("secret {id} not found (or scheduled for deletion)"),
            )
        })?;
        let policy =
            c.sm.get_resource_policy().secret_id(&v.arn).send().await.map_err(|e| sdk("GetResourcePolicy", e))?;
        let mut a = Attrs::new();
        a.insert("arn".into(), Value::String(v.arn.clone()));
        a.insert("id".into(), Value::String(v.arn.clone()));
        a.insert("name".into(), Value::String(v.name.clone()));
        a.insert("description".into(), s(v.description.as_deref()));
        a.insert("kms_key_id".into(), s(v.kms_key_id.as_deref()));
        a.insert("policy".into(), policy.resource_policy().map_or(Value::Null, |p| normalize_policy(&Value::from(p))));
        a.insert("created_date".into(), s(v.created_date.as_deref()));
        a.insert("last_changed_date".into(), s(v.last_changed_date.as_deref()));
        a.insert("tags".into(), provision_aws_core::tags::user_tags(v.tag_pairs()));
        Ok(a)
    }
}

pub(crate) struct SecretVersionData {
    ctx: Arc<Context>,
    schema: Schema,
}

impl SecretVersionData {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema =
            Schema::new("A value of a Secrets Manager secret (one `GetSecretValue` call). The value is sensitive.")
                .attr(AttributeSchema::required("secret_id", Type::String).describe("The secret, by ARN or name."))
                .attr(
                    AttributeSchema::optional_computed("version_id", Type::String)
                        .describe("The version to read; unset: the one with `version_stage`."),
                )
                .attr(
                    AttributeSchema::optional("version_stage", Type::String)
                        .describe("The staging label to read when `version_id` is unset; defaults to `AWSCURRENT`."),
                )
                .attr(AttributeSchema::computed("id", Type::String).describe("`<secret ARN>|<version id>`."))
                .attr(AttributeSchema::computed("arn", Type::String).describe("The secret's ARN."))
                .attr(
                    AttributeSchema::computed("secret_string", Type::String)
                        .sensitive()
                        .describe("The value as text. Sensitive."),
                )
                .attr(
                    AttributeSchema::computed("secret_binary", Type::String)
                        .sensitive()
                        .describe("The value as binary, base64-encoded. Sensitive."),
                )
                .attr(
                    AttributeSchema::computed("version_stages", Type::set(Type::String))
                        .describe("The version's staging labels."),
                )
                .attr(
                    AttributeSchema::computed("created_date", Type::String)
                        .describe("When the version was written (RFC 3339)."),
                );
        SecretVersionData { ctx, schema }
    }
}

#[async_trait]
impl DataSourceType for SecretVersionData {
    fn name(&self) -> &'static str {
        "aws_secretsmanager_secret_version"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, args: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let secret = get_string(args, "secret_id").ok_or_else(|| {
            ProviderError::new(
                ProviderErrorKind::Invalid,
                "data \"aws_secretsmanager_secret_version\": `secret_id` must be set",
            )
        })?;
        let version = get_string(args, "version_id");
        let stage = match (&version, get_string(args, "version_stage")) {
            (None, None) => Some("AWSCURRENT".to_string()),
            (_, stage) => stage,
        };
        let out =
            c.sm.get_secret_value()
                .secret_id(&secret)
                .set_version_id(version)
                .set_version_stage(stage)
                .send()
                .await
                .map_err(|e| sdk("GetSecretValue", e))
                .map_err(|mut e| {
                    e.message = format!("secret {secret}: {}", e.message);
                    e
                })?;
        let arn = out.arn().unwrap_or(&secret).to_string();
        let vid = out.version_id().unwrap_or_default().to_string();
        let mut a = Attrs::new();
        a.insert("secret_id".into(), Value::String(secret.clone()));
        a.insert("version_id".into(), Value::String(vid.clone()));
        a.insert("version_stage".into(), args.get("version_stage").cloned().unwrap_or(Value::Null));
        a.insert("id".into(), Value::String(version_id(&arn, &vid)));
        a.insert("arn".into(), Value::String(arn));
        a.insert("secret_string".into(), s(out.secret_string()).mark_if(true));
        a.insert(
            "secret_binary".into(),
            out.secret_binary()
                .map_or(Value::Null, |b| Value::String(base64::engine::general_purpose::STANDARD.encode(b.as_ref())))
                .mark_if(true),
        );
        a.insert("version_stages".into(), string_set(out.version_stages().iter().cloned()));
        a.insert(
            "created_date".into(),
            s(out
                .created_date()
                .and_then(|d| d.fmt(aws_sdk_secretsmanager::primitives::DateTimeFormat::DateTime).ok())
                .as_deref()),
        );
        Ok(a)
    }
}
