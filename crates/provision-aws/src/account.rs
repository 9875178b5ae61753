//! `aws_caller_identity`, `aws_region`, `aws_partition`: who and where provision is running.

use crate::sts::{Context, sdk};
use async_trait::async_trait;
use provision_core::{AttributeSchema, Attrs, DataSourceType, ProviderError, ProviderErrorKind, Schema, Type, Value};
use std::sync::Arc;

fn s(v: impl Into<String>) -> Value {
    Value::String(v.into())
}

pub(crate) struct CallerIdentity {
    ctx: Arc<Context>,
    schema: Schema,
}

impl CallerIdentity {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("The account and identity provision runs as (STS GetCallerIdentity).")
            .attr(AttributeSchema::computed("id", Type::String).describe("The account ID."))
            .attr(AttributeSchema::computed("account_id", Type::String).describe("The account ID."))
            .attr(AttributeSchema::computed("arn", Type::String).describe("The ARN of the caller."))
            .attr(AttributeSchema::computed("user_id", Type::String).describe("The unique id of the caller."));
        CallerIdentity { ctx, schema }
    }
}

#[async_trait]
impl DataSourceType for CallerIdentity {
    fn name(&self) -> &'static str {
        "aws_caller_identity"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, _args: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let out = c.sts.get_caller_identity().send().await.map_err(|e| sdk("GetCallerIdentity", e))?;
        let account = out.account().unwrap_or_default();
        let mut a = Attrs::new();
        a.insert("id".into(), s(account));
        a.insert("account_id".into(), s(account));
        a.insert("arn".into(), s(out.arn().unwrap_or_default()));
        a.insert("user_id".into(), s(out.user_id().unwrap_or_default()));
        Ok(a)
    }
}

pub(crate) struct Region {
    ctx: Arc<Context>,
    schema: Schema,
}

/// The public names of the commercial regions, as the console shows them.
fn region_description(name: &str) -> Option<&'static str> {
    Some(match name {
        "us-east-1" => "US East (N. Virginia)",
        "us-east-2" => "US East (Ohio)",
        "us-west-1" => "US West (N. California)",
        "us-west-2" => "US West (Oregon)",
        "af-south-1" => "Africa (Cape Town)",
        "ap-east-1" => "Asia Pacific (Hong Kong)",
        "ap-south-1" => "Asia Pacific (Mumbai)",
        "ap-south-2" => "Asia Pacific (Hyderabad)",
        "ap-southeast-1" => "Asia Pacific (Singapore)",
        "ap-southeast-2" => "Asia Pacific (Sydney)",
        "ap-southeast-3" => "Asia Pacific (Jakarta)",
        "ap-southeast-4" => "Asia Pacific (Melbourne)",
        "ap-northeast-1" => "Asia Pacific (Tokyo)",
        "ap-northeast-2" => "Asia Pacific (Seoul)",
        "ap-northeast-3" => "Asia Pacific (Osaka)",
        "ca-central-1" => "Canada (Central)",
        "ca-west-1" => "Canada West (Calgary)",
        "eu-central-1" => "Europe (Frankfurt)",
        "eu-central-2" => "Europe (Zurich)",
        "eu-west-1" => "Europe (Ireland)",
        "eu-west-2" => "Europe (London)",
        "eu-west-3" => "Europe (Paris)",
        "eu-south-1" => "Europe (Milan)",
        "eu-south-2" => "Europe (Spain)",
        "eu-north-1" => "Europe (Stockholm)",
        "il-central-1" => "Israel (Tel Aviv)",
        "me-south-1" => "Middle East (Bahrain)",
        "me-central-1" => "Middle East (UAE)",
        "sa-east-1" => "South America (Sao Paulo)",
        _ => return None,
    })
}

impl Region {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("The region provision works in (or another, by name).")
            .attr(
                AttributeSchema::optional_computed("region", Type::String)
                    .validate(crate::region::check_form)
                    .describe(
                        "The region to describe (Terraform AWS provider 6); the configuration's region when unset.",
                    ),
            )
            .attr(
                AttributeSchema::optional_computed("name", Type::String).validate(crate::region::check_form).describe(
                    "The region to describe, as provider 5 spells it (deprecated in provider 6 for `region`).",
                ),
            )
            .attr(AttributeSchema::computed("id", Type::String).describe("The region name."))
            .attr(AttributeSchema::computed("description", Type::String).describe("e.g. `Europe (Ireland)`."))
            .attr(AttributeSchema::computed("endpoint", Type::String).describe("The EC2 endpoint host name."));
        Region { ctx, schema }
    }
}

#[async_trait]
impl DataSourceType for Region {
    fn name(&self) -> &'static str {
        "aws_region"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, args: &Attrs) -> Result<Attrs, ProviderError> {
        let given = |k: &str| args.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
        let name = match (given("region"), given("name")) {
            (Some(r), Some(n)) if r != n => {
                return Err(ProviderError::new(
                    ProviderErrorKind::Invalid,
                    format!(
                        "region = \"{r}\" and name = \"{n}\" name two regions: set `region` alone (`name` is its provider 5 spelling)"
                    ),
                ));
            }
            (Some(r), _) | (None, Some(r)) => r.to_string(),
            (None, None) => self.ctx.clients().await?.region.clone(),
        };
        let suffix = if name.starts_with("cn-") { "amazonaws.com.cn" } else { "amazonaws.com" };
        let mut a = Attrs::new();
        a.insert("name".into(), s(&name));
        a.insert("id".into(), s(&name));
        a.insert("region".into(), s(&name));
        a.insert("description".into(), region_description(&name).map_or(Value::Null, s));
        a.insert("endpoint".into(), s(format!("ec2.{name}.{suffix}")));
        Ok(a)
    }
}

pub(crate) struct Partition {
    ctx: Arc<Context>,
    schema: Schema,
}

impl Partition {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("The AWS partition of the configured region, for building ARNs.")
            .attr(AttributeSchema::computed("id", Type::String).describe("The partition."))
            .attr(AttributeSchema::computed("partition", Type::String).describe("`aws`, `aws-cn`, `aws-us-gov`, ..."))
            .attr(AttributeSchema::computed("dns_suffix", Type::String).describe("e.g. `amazonaws.com`."))
            .attr(AttributeSchema::computed("reverse_dns_prefix", Type::String).describe("e.g. `com.amazonaws`."));
        Partition { ctx, schema }
    }
}

#[async_trait]
impl DataSourceType for Partition {
    fn name(&self) -> &'static str {
        "aws_partition"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, _args: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let (suffix, reverse) = match c.partition {
            "aws" | "aws-us-gov" => ("amazonaws.com", "com.amazonaws"),
            "aws-cn" => ("amazonaws.com.cn", "cn.com.amazonaws"),
            "aws-iso" => ("c2s.ic.gov", "gov.ic.c2s"),
            "aws-iso-b" => ("sc2s.sgov.gov", "gov.sgov.sc2s"),
            other => {
                return Err(ProviderError::new(ProviderErrorKind::Config, format!("unknown partition {other}")));
            }
        };
        let mut a = Attrs::new();
        a.insert("id".into(), s(c.partition));
        a.insert("partition".into(), s(c.partition));
        a.insert("dns_suffix".into(), s(suffix));
        a.insert("reverse_dns_prefix".into(), s(reverse));
        Ok(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region() -> Region {
        Region::new(Arc::new(crate::sts::new(Arc::new(provision_aws_core::Context::default()))))
    }

    fn args(pairs: &[(&str, &str)]) -> Attrs {
        pairs.iter().map(|(k, v)| (k.to_string(), Value::from(*v))).collect()
    }

    /// `data "aws_region" { region = ... }` (provider 6) describes that region, with nothing
    /// loaded: no credentials, no configured region needed.
    #[tokio::test]
    async fn a_named_region_is_described_without_aws() {
        for given in [args(&[("region", "eu-west-1")]), args(&[("name", "eu-west-1")])] {
            let a = region().read(&given).await.expect("described");
            assert_eq!(a["region"], Value::from("eu-west-1"));
            assert_eq!(a["name"], Value::from("eu-west-1"));
            assert_eq!(a["description"], Value::from("Europe (Ireland)"));
            assert_eq!(a["endpoint"], Value::from("ec2.eu-west-1.amazonaws.com"));
        }
        let same = region().read(&args(&[("region", "eu-west-1"), ("name", "eu-west-1")])).await;
        assert!(same.is_ok());
    }

    #[tokio::test]
    async fn region_and_name_naming_two_regions_is_an_error_naming_both() {
        let e = region().read(&args(&[("region", "eu-west-1"), ("name", "us-east-1")])).await.expect_err("two");
        assert!(e.message.contains("eu-west-1") && e.message.contains("us-east-1"), "{}", e.message);
    }
}
