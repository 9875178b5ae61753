//! `aws_ssm_parameter`: a value in SSM Parameter Store (a String, a StringList, or a SecureString
//! encrypted with KMS). The value is always sensitive in state and output, as in Terraform.

use crate::util::{get_bool, get_str, get_string, s};
use crate::{Clients, Context, sdk};
use async_trait::async_trait;
use aws_sdk_ssm::operation::put_parameter::PutParameterOutput;
use aws_sdk_ssm::types::{
    ParameterMetadata, ParameterStringFilter, ParameterTier, ParameterType, ResourceTypeForTagging, Tag,
};
use provision_aws_core::retry::{Policy, gone_is_ok, nothing, retry};
use provision_aws_core::tags;
use provision_core::{
    AttributeSchema, Attrs, FindQuery, Found, IdentityStrategy, OpContext, ProviderError, ProviderErrorKind,
    ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Names per `GetParameters` call (the API's limit).
const GET_BATCH: usize = 10;
/// Names per `DescribeParameters` name filter (the API's limit for filter values).
const DESCRIBE_BATCH: usize = 50;

pub(crate) struct Parameter {
    ctx: Arc<Context>,
    schema: Schema,
}

fn parameter_type(v: &Value) -> Result<(), String> {
    provision_aws_core::validate::one_of(v, &["String", "StringList", "SecureString"], "parameter type")
}

fn tier(v: &Value) -> Result<(), String> {
    provision_aws_core::validate::one_of(v, &["Standard", "Advanced", "Intelligent-Tiering"], "parameter tier")
}

fn data_type(v: &Value) -> Result<(), String> {
    match v.as_str() {
        None | Some("text" | "aws:ec2:image" | "aws:ssm:integration") => Ok(()),
        Some(s) => Err(format!("\"{s}\" is not a valid data type; use text, aws:ec2:image or aws:ssm:integration")),
    }
}

fn name(v: &Value) -> Result<(), String> {
    let Some(n) = v.as_str() else { return Ok(()) };
    if n.is_empty() || n.len() > 2048 {
        return Err("a parameter name is 1 to 2048 characters".into());
    }
    if let Some(bad) = n.chars().find(|c| !(c.is_ascii_alphanumeric() || "_.-/".contains(*c))) {
        return Err(format!("\"{n}\": a parameter name may only hold letters, digits and _.-/ (found '{bad}')"));
    }
    Ok(())
}

/// Exactly one of `value` and `insecure_value`; `insecure_value` never with a SecureString.
fn arguments(a: &Attrs) -> Result<(), String> {
    let set = |k: &str| a.get(k).is_some_and(|v| !v.is_null());
    match (set("value"), set("insecure_value")) {
        (true, true) => return Err("set only one of `value` and `insecure_value`".into()),
        (false, false) => return Err("set `value` (or `insecure_value` for a value that need not be hidden)".into()),
        _ => {}
    }
    if set("insecure_value") && get_str(a, "type") == Some("SecureString") {
        return Err("`insecure_value` cannot hold a SecureString: use `value`".into());
    }
    Ok(())
}

impl Parameter {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("A parameter in SSM Parameter Store.")
            .with_id()
            .attr(AttributeSchema::computed("arn", Type::String).describe("The parameter's ARN."))
            .attr(
                AttributeSchema::required("name", Type::String)
                    .force_new()
                    .validate(name)
                    .describe("The parameter's name (a path such as `/app/db/host` or a plain name). Checked at plan time."),
            )
            .attr(
                AttributeSchema::required("type", Type::String)
                    .validate(parameter_type)
                    .describe("`String`, `StringList` or `SecureString` (encrypted with `key_id`). Changed in place (`PutParameter` with `Overwrite`)."),
            )
            .attr(
                AttributeSchema::optional_computed("value", Type::String)
                    .sensitive()
                    .describe("The value. Always sensitive: never shown in plans or output. Changed in place, each change makes a new `version`."),
            )
            .attr(
                AttributeSchema::optional_computed("insecure_value", Type::String)
                    .describe("The value, for a `String` or `StringList` that need not be hidden in plans. Set this or `value`."),
            )
            .attr(AttributeSchema::optional("description", Type::String).describe("A description. Changed in place."))
            .attr(
                AttributeSchema::optional_computed("tier", Type::String)
                    .validate(tier)
                    .describe("`Standard` (AWS's default), `Advanced` or `Intelligent-Tiering`. AWS refuses to move an Advanced parameter back to Standard: replace it instead."),
            )
            .attr(
                AttributeSchema::optional_computed("key_id", Type::String)
                    .describe("The KMS key of a SecureString; AWS uses `alias/aws/ssm` when unset."),
            )
            .attr(
                AttributeSchema::optional("allowed_pattern", Type::String)
                    .describe("A regular expression the value must match (checked by AWS)."),
            )
            .attr(
                AttributeSchema::optional_computed("data_type", Type::String)
                    .force_new()
                    .validate(data_type)
                    .describe("`text` (the default), `aws:ec2:image` or `aws:ssm:integration`. A change replaces the parameter."),
            )
            .attr(
                AttributeSchema::optional("overwrite", Type::Bool)
                    .describe("Take over a parameter that already exists under this name when creating (deprecated in Terraform, kept for older roots)."),
            )
            .attr(AttributeSchema::computed("version", Type::Number).describe("The version AWS gave the current value."))
            .check(arguments)
            .with_tags();
        Parameter { ctx, schema }
    }

    /// `GetParameters` (10 names a call, decrypted) and `DescribeParameters` (50 names a call) for
    /// these names, then each one's tags.
    async fn read_names(c: &Clients, names: &[&str]) -> Result<BTreeMap<String, ReadParameter>, ProviderError> {
        let mut out = Self::get(c, names).await?;
        let present: Vec<&str> = names.iter().copied().filter(|n| out.contains_key(*n)).collect();
        Self::describe(c, &present, &mut out).await?;
        for name in present {
            match Self::tags(c, name).await {
                Ok(t) => {
                    if let Some(p) = out.get_mut(name) {
                        p.tags = t;
                    }
                }
                Err(e) if e.is_not_found() => {
                    out.remove(name);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// `GetParameters` (10 names a call, decrypted) for these names: their value, version, ARN,
    /// type and data type.
    async fn get(c: &Clients, names: &[&str]) -> Result<BTreeMap<String, ReadParameter>, ProviderError> {
        let mut out: BTreeMap<String, ReadParameter> = BTreeMap::new();
        for chunk in names.chunks(GET_BATCH) {
            let got = c
                .ssm
                .get_parameters()
                .set_names(Some(chunk.iter().map(|n| n.to_string()).collect()))
                .with_decryption(true)
                .send()
                .await
                .map_err(|e| sdk("GetParameters", e))?;
            for p in got.parameters() {
                let Some(name) = p.name() else { continue };
                out.insert(
                    name.to_string(),
                    ReadParameter {
                        value: p.value().map(str::to_string),
                        version: p.version(),
                        arn: p.arn().map(str::to_string),
                        r#type: p.r#type().map(|t| t.as_str().to_string()),
                        data_type: p.data_type().map(str::to_string),
                        meta: None,
                        tags: vec![],
                    },
                );
            }
        }
        Ok(out)
    }

    /// `DescribeParameters` (50 names a call) for these names, into their `meta`.
    async fn describe(
        c: &Clients,
        present: &[&str],
        out: &mut BTreeMap<String, ReadParameter>,
    ) -> Result<(), ProviderError> {
        for chunk in present.chunks(DESCRIBE_BATCH) {
            let filter = ParameterStringFilter::builder()
                .key("Name")
                .option("Equals")
                .set_values(Some(chunk.iter().map(|n| n.to_string()).collect()))
                .build()
                .map_err(|e| ProviderError::new(ProviderErrorKind::Other, format!("DescribeParameters: {e}")))?;
            let mut pages =
                c.ssm.describe_parameters().parameter_filters(filter).max_results(50).into_paginator().send();
            while let Some(page) = pages.next().await {
                for m in page.map_err(|e| sdk("DescribeParameters", e))?.parameters() {
                    if let Some(p) = m.name().and_then(|n| out.get_mut(n)) {
                        p.meta = Some(m.clone());
                    }
                }
            }
        }
        Ok(())
    }

    async fn tags(c: &Clients, name: &str) -> Result<Vec<(String, String)>, ProviderError> {
        let out = c
            .ssm
            .list_tags_for_resource()
            .resource_type(ResourceTypeForTagging::Parameter)
            .resource_id(name)
            .send()
            .await
            .map_err(|e| sdk("ListTagsForResource", e))?;
        Ok(out.tag_list().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect())
    }

    /// One parameter, waiting while a new one is not visible yet.
    async fn read_one(c: &Clients, name: &str, prior: &Attrs) -> Result<Attrs, ProviderError> {
        retry(
            Policy::NEW_OBJECT,
            || async {
                let mut found = Self::read_names(c, &[name]).await?;
                found.remove(name).map(|p| p.attrs(name, prior)).ok_or_else(|| {
                    ProviderError::new(ProviderErrorKind::NotFound, format!("SSM parameter {name} not found"))
                })
            },
            nothing,
        )
        .await
    }

    /// `PutParameter` with the desired definition.
    async fn put(
        c: &Clients,
        desired: &Attrs,
        overwrite: bool,
        tags: Vec<(String, String)>,
    ) -> Result<PutParameterOutput, ProviderError> {
        let name = get_str(desired, "name").unwrap_or_default();
        let value = get_str(desired, "value").or_else(|| get_str(desired, "insecure_value")).unwrap_or_default();
        let mut req = c
            .ssm
            .put_parameter()
            .name(name)
            .value(value)
            .set_type(get_str(desired, "type").map(ParameterType::from))
            .set_description(get_string(desired, "description"))
            .set_allowed_pattern(get_string(desired, "allowed_pattern"))
            .set_tier(get_string(desired, "tier").map(|t| ParameterTier::from(t.as_str())))
            .set_data_type(get_string(desired, "data_type"));
        if get_str(desired, "type") == Some("SecureString") {
            req = req.set_key_id(get_string(desired, "key_id"));
        }
        if overwrite {
            req = req.overwrite(true);
        } else {
            for (k, v) in tags {
                req = req.tags(Tag::builder().key(k).value(v).build().map_err(|e| {
                    ProviderError::new(ProviderErrorKind::Invalid, format!("SSM parameter {name}: tag: {e}"))
                })?);
            }
        }
        req.send().await.map_err(|e| {
            let mut e = sdk("PutParameter", e);
            e.message = format!("SSM parameter {name}: {}", e.message);
            e
        })
    }

    async fn add_tags(c: &Clients, name: &str, pairs: Vec<(String, String)>) -> Result<(), ProviderError> {
        if pairs.is_empty() {
            return Ok(());
        }
        let mut req = c.ssm.add_tags_to_resource().resource_type(ResourceTypeForTagging::Parameter).resource_id(name);
        for (k, v) in pairs {
            req = req.tags(Tag::builder().key(k).value(v).build().map_err(|e| {
                ProviderError::new(ProviderErrorKind::Invalid, format!("SSM parameter {name}: tag: {e}"))
            })?);
        }
        req.send().await.map(|_| ()).map_err(|e| sdk("AddTagsToResource", e))
    }
}

/// What the reads return for one parameter.
struct ReadParameter {
    value: Option<String>,
    version: i64,
    arn: Option<String>,
    r#type: Option<String>,
    data_type: Option<String>,
    meta: Option<ParameterMetadata>,
    tags: Vec<(String, String)>,
}

impl ReadParameter {
    fn attrs(&self, name: &str, prior: &Attrs) -> Attrs {
        let meta = self.meta.as_ref();
        let secure = self.r#type.as_deref() == Some("SecureString");
        let mut a = Attrs::new();
        a.insert("id".into(), Value::String(name.to_string()));
        a.insert("name".into(), Value::String(name.to_string()));
        a.insert("arn".into(), s(self.arn.as_deref()));
        a.insert("type".into(), s(self.r#type.as_deref()));
        a.insert("value".into(), s(self.value.as_deref()));
        // The value shows in the clear only where the configuration asked for it that way.
        let insecure = !secure && prior.get("insecure_value").is_some_and(|v| !v.is_null());
        a.insert("insecure_value".into(), if insecure { s(self.value.as_deref()) } else { Value::Null });
        a.insert("description".into(), s(meta.and_then(|m| m.description()).filter(|d| !d.is_empty())));
        a.insert(
            "tier".into(),
            Value::String(meta.and_then(|m| m.tier()).map_or("Standard", |t| t.as_str()).to_string()),
        );
        a.insert("key_id".into(), if secure { s(meta.and_then(|m| m.key_id())) } else { Value::Null });
        a.insert("allowed_pattern".into(), s(meta.and_then(|m| m.allowed_pattern()).filter(|p| !p.is_empty())));
        a.insert("data_type".into(), Value::String(self.data_type.clone().unwrap_or_else(|| "text".into())));
        a.insert("overwrite".into(), prior.get("overwrite").cloned().unwrap_or(Value::Null));
        a.insert("version".into(), Value::Number(self.version as f64));
        a.insert("tags_all".into(), tags::user_tags(self.tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))));
        a
    }
}

#[async_trait]
impl ResourceType for Parameter {
    fn name(&self) -> &'static str {
        "aws_ssm_parameter"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn identity(&self) -> IdentityStrategy {
        IdentityStrategy::Name
    }

    async fn read_many(
        &self,
        _ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        let c = self.ctx.clients().await?;
        let names: Vec<&str> = objects.iter().map(|(id, _)| id.as_str()).collect();
        let found = Self::read_names(c, &names).await?;
        Ok(objects.iter().filter_map(|(id, prior)| found.get(id).map(|p| (id.clone(), p.attrs(id, prior)))).collect())
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let name = get_str(desired, "name").unwrap_or_default().to_string();
        let tags = tags::create_tags(&ctx.identity, desired.get("tags_all"));
        let overwrite = get_bool(desired, "overwrite") == Some(true);
        let put = Self::put(c, desired, overwrite, tags.clone()).await?;
        if overwrite {
            // PutParameter takes no tags together with Overwrite; the parameter taken over may
            // keep tags and settings of its own, so it is read back whole.
            Self::add_tags(c, &name, tags).await?;
            return Self::read_one(c, &name, desired).await;
        }
        // GetParameters once, waiting while the parameter is not visible yet, for what
        // PutParameter does not answer: its ARN, and the data type and value as AWS keeps them.
        let mut p = retry(
            Policy::NEW_OBJECT,
            || async {
                Self::get(c, &[name.as_str()]).await?.remove(&name).ok_or_else(|| {
                    ProviderError::new(ProviderErrorKind::NotFound, format!("SSM parameter {name} not found"))
                })
            },
            nothing,
        )
        .await?;
        if p.r#type.as_deref() == Some("SecureString") {
            // The key AWS chose when `key_id` is unset (`alias/aws/ssm`) is in DescribeParameters.
            let mut one = BTreeMap::from([(name.clone(), p)]);
            Self::describe(c, &[name.as_str()], &mut one).await?;
            p = one.remove(&name).ok_or_else(|| {
                ProviderError::new(ProviderErrorKind::NotFound, format!("SSM parameter {name} not found"))
            })?;
        } else {
            // The description and pattern are the ones just given, the tier the one PutParameter
            // answered: DescribeParameters is not called.
            p.meta = Some(
                ParameterMetadata::builder()
                    .set_description(get_string(desired, "description"))
                    .set_allowed_pattern(get_string(desired, "allowed_pattern"))
                    .set_tier(put.tier().cloned())
                    .build(),
            );
        }
        p.tags = tags;
        Ok(p.attrs(&name, desired))
    }

    async fn update(&self, _op: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let definition =
            ["type", "value", "insecure_value", "description", "tier", "key_id", "allowed_pattern", "data_type"];
        let changed = definition.iter().any(|k| {
            let (p, d) = (prior.get(*k).unwrap_or(&Value::Null), desired.get(*k).unwrap_or(&Value::Null));
            !p.same_as(d)
        });
        if changed {
            Self::put(c, desired, true, vec![]).await?;
        }
        let delta = tags::delta(prior.get("tags_all"), desired.get("tags_all"));
        if !delta.removed.is_empty() {
            c.ssm
                .remove_tags_from_resource()
                .resource_type(ResourceTypeForTagging::Parameter)
                .resource_id(id)
                .set_tag_keys(Some(delta.removed))
                .send()
                .await
                .map_err(|e| sdk("RemoveTagsFromResource", e))?;
        }
        Self::add_tags(c, id, delta.changed).await?;
        Self::read_one(c, id, desired).await
    }

    async fn delete(&self, _op: &OpContext, id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        gone_is_ok(c.ssm.delete_parameter().name(id).send().await.map(|_| ()).map_err(|e| sdk("DeleteParameter", e)))
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let Some(name) = query.natural_key.as_deref() else { return Ok(vec![]) };
        let c = self.ctx.clients().await?;
        let found = Self::read_names(c, &[name]).await?;
        Ok(found
            .get(name)
            .map(|p| Found {
                attrs: p.attrs(name, &query.desired),
                owner: query.identity.owner_of(p.tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
            })
            .into_iter()
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(pairs: &[(&str, &str)]) -> Attrs {
        pairs.iter().map(|(k, v)| (k.to_string(), Value::String(v.to_string()))).collect()
    }

    #[test]
    fn value_or_insecure_value_exactly_once() {
        assert!(arguments(&attrs(&[("type", "String"), ("value", "a")])).is_ok());
        assert!(arguments(&attrs(&[("type", "String"), ("insecure_value", "a")])).is_ok());
        assert!(arguments(&attrs(&[("type", "String")])).is_err());
        assert!(arguments(&attrs(&[("type", "String"), ("value", "a"), ("insecure_value", "a")])).is_err());
        let e = arguments(&attrs(&[("type", "SecureString"), ("insecure_value", "a")])).expect_err("refused");
        assert!(e.contains("SecureString"), "{e}");
    }

    #[test]
    fn names_and_types_are_checked_before_any_call() {
        assert!(name(&"/app/db/host".into()).is_ok());
        assert!(name(&"/app/db host".into()).is_err());
        assert!(parameter_type(&"Secure".into()).is_err());
        assert!(data_type(&"aws:ec2:image".into()).is_ok());
        assert!(tier(&"Premium".into()).is_err());
    }

    #[test]
    fn a_secure_value_never_shows_in_insecure_value() {
        let p = ReadParameter {
            value: Some("s3cr3t".into()),
            version: 2,
            arn: None,
            r#type: Some("SecureString".into()),
            data_type: None,
            meta: None,
            tags: vec![],
        };
        let a = p.attrs("/x", &attrs(&[("insecure_value", "s3cr3t")]));
        assert_eq!(a["insecure_value"], Value::Null);
        assert_eq!(a["tier"], Value::String("Standard".into()));
        assert_eq!(a["data_type"], Value::String("text".into()));
    }
}
