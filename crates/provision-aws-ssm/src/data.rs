//! The `aws_ssm_parameter` data source: one parameter read by name (decrypted unless asked not
//! to), its value sensitive.

use crate::util::{get_bool, get_str, s};
use crate::{Context, sdk};
use async_trait::async_trait;
use provision_core::{AttributeSchema, Attrs, DataSourceType, ProviderError, ProviderErrorKind, Schema, Type, Value};
use std::sync::Arc;

pub(crate) struct ParameterLookup {
    ctx: Arc<Context>,
    schema: Schema,
}

impl ParameterLookup {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("An SSM parameter, read by name.")
            .with_id()
            .attr(AttributeSchema::required("name", Type::String).describe("The parameter's name."))
            .attr(
                AttributeSchema::optional("with_decryption", Type::Bool)
                    .default(true)
                    .describe("Decrypt a SecureString (the default); when false its value is the ciphertext."),
            )
            .attr(AttributeSchema::computed("arn", Type::String).describe("The parameter's ARN."))
            .attr(AttributeSchema::computed("type", Type::String).describe("`String`, `StringList` or `SecureString`."))
            .attr(AttributeSchema::computed("value", Type::String).sensitive().describe("The value (sensitive)."))
            .attr(
                AttributeSchema::computed("insecure_value", Type::String)
                    .describe("The value in the clear, for a `String` or `StringList`; null for a SecureString."),
            )
            .attr(AttributeSchema::computed("version", Type::Number).describe("The current version."));
        ParameterLookup { ctx, schema }
    }
}

#[async_trait]
impl DataSourceType for ParameterLookup {
    fn name(&self) -> &'static str {
        "aws_ssm_parameter"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, args: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let name = get_str(args, "name").unwrap_or_default();
        let decrypt = get_bool(args, "with_decryption").unwrap_or(true);
        let out = c.ssm.get_parameter().name(name).with_decryption(decrypt).send().await.map_err(|e| {
            let mut e = sdk("GetParameter", e);
            e.message = format!("SSM parameter {name}: {}", e.message);
            e
        })?;
        let p = out.parameter().ok_or_else(|| {
            ProviderError::new(ProviderErrorKind::NotFound, format!("SSM parameter {name} not found"))
        })?;
        let secure = p.r#type().is_some_and(|t| t.as_str() == "SecureString");
        let mut a = Attrs::new();
        a.insert("id".into(), s(p.name()));
        a.insert("name".into(), s(p.name()));
        a.insert("with_decryption".into(), Value::Bool(decrypt));
        a.insert("arn".into(), s(p.arn()));
        a.insert("type".into(), s(p.r#type().map(|t| t.as_str())));
        a.insert("value".into(), s(p.value()));
        a.insert("insecure_value".into(), if secure { Value::Null } else { s(p.value()) });
        a.insert("version".into(), Value::Number(p.version() as f64));
        Ok(a)
    }
}
