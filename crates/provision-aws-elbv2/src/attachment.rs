//! `aws_lb_target_group_attachment`: one target (an instance, an IP address, a Lambda function or
//! a load balancer) registered with a target group. Not an AWS object with an id or tags: it is
//! known by its content (the group, the target and the port), so recovery and `create` adopt a
//! registration that exists already. A refresh asks once per target group
//! (`DescribeTargetHealth` lists every registered target).

use crate::common::{get_i32, get_str, s};
use crate::context::{Clients, Context};
use crate::error::sdk;
use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::types::{TargetDescription, TargetHealthDescription};
use provision_core::{
    AttributeSchema, Attrs, FindQuery, Found, IdentityStrategy, OpContext, ProviderError, ReadContext, ResourceType,
    Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;

pub(crate) struct Attachment {
    ctx: Arc<Context>,
    schema: Schema,
}

impl Attachment {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("A target registered with a target group.")
            .with_id()
            .attr(AttributeSchema::required("target_group_arn", Type::String).force_new().describe("The target group."))
            .attr(
                AttributeSchema::required("target_id", Type::String)
                    .force_new()
                    .describe("The instance id, IP address, Lambda function ARN or load balancer ARN."),
            )
            .attr(
                AttributeSchema::optional("port", Type::Number)
                    .force_new()
                    .describe("The port the target receives traffic on (default: the target group's)."),
            )
            .attr(
                AttributeSchema::optional("availability_zone", Type::String)
                    .force_new()
                    .describe("For an IP address outside the VPC: `all`, or its zone."),
            )
            .runtime_layer();
        Attachment { ctx, schema }
    }

    fn id(tg: &str, target: &str, port: Option<i32>) -> String {
        match port {
            Some(p) => format!("{tg}|{target}|{p}"),
            None => format!("{tg}|{target}"),
        }
    }

    fn target(desired: &Attrs) -> TargetDescription {
        TargetDescription::builder()
            .set_id(get_str(desired, "target_id").map(str::to_string))
            .set_port(get_i32(desired, "port"))
            .set_availability_zone(get_str(desired, "availability_zone").map(str::to_string))
            .build()
    }

    /// The targets registered with a target group (none if it is gone).
    async fn registered(c: &Clients, tg: &str) -> Result<Vec<TargetHealthDescription>, ProviderError> {
        match c.elb.describe_target_health().target_group_arn(tg).send().await {
            Ok(r) => Ok(r.target_health_descriptions().to_vec()),
            Err(e) => {
                let e = sdk("DescribeTargetHealth", e);
                if e.is_not_found() { Ok(vec![]) } else { Err(e) }
            }
        }
    }

    /// The registration `prior` describes, among `targets`, as attributes.
    fn matching(tg: &str, targets: &[TargetHealthDescription], prior: &Attrs) -> Option<Attrs> {
        let id = get_str(prior, "target_id")?;
        let port = get_i32(prior, "port");
        let t = targets
            .iter()
            .filter_map(|d| d.target())
            .find(|t| t.id() == Some(id) && (port.is_none() || t.port() == port))?;
        let mut a = Attrs::new();
        a.insert("id".into(), Value::String(Self::id(tg, id, port)));
        a.insert("target_group_arn".into(), Value::String(tg.into()));
        a.insert("target_id".into(), Value::String(id.into()));
        a.insert(
            "port".into(),
            if port.is_some() { t.port().map_or(Value::Null, |p| Value::Number(p.into())) } else { Value::Null },
        );
        a.insert(
            "availability_zone".into(),
            if prior.get("availability_zone").is_some_and(|v| !v.is_null()) {
                s(t.availability_zone())
            } else {
                Value::Null
            },
        );
        Some(a)
    }
}

#[async_trait]
impl ResourceType for Attachment {
    fn name(&self) -> &'static str {
        "aws_lb_target_group_attachment"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Terraform's id is a generated `<target group ARN>-<timestamp>`; provision's is the target
    /// group, the target and its port (Terraform writes an unset `port` as null or 0).
    fn id_from_terraform(&self, attributes: &Attrs) -> Result<String, String> {
        let tg = provision_aws_core::terraform::text(attributes, "target_group_arn")?;
        let target = provision_aws_core::terraform::text(attributes, "target_id")?;
        Ok(Self::id(tg, target, get_i32(attributes, "port").filter(|p| *p != 0)))
    }

    fn identity(&self) -> IdentityStrategy {
        IdentityStrategy::Content
    }

    async fn read_many(
        &self,
        _ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        let mut out = BTreeMap::new();
        if objects.is_empty() {
            return Ok(out);
        }
        let c = self.ctx.clients().await?;
        let mut groups: Vec<&str> = objects.iter().filter_map(|(_, a)| get_str(a, "target_group_arn")).collect();
        groups.sort();
        groups.dedup();
        for tg in groups {
            let targets = Self::registered(c, tg).await?;
            for (id, prior) in objects.iter().filter(|(_, a)| get_str(a, "target_group_arn") == Some(tg)) {
                if let Some(a) = Self::matching(tg, &targets, prior) {
                    out.insert(id.clone(), a);
                }
            }
        }
        Ok(out)
    }

    async fn create(&self, _ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let tg = get_str(desired, "target_group_arn").unwrap_or_default();
        let what = format!("target {} of target group {tg}", get_str(desired, "target_id").unwrap_or_default());
        // Registering a target that is registered already succeeds: this adopts it too.
        c.elb
            .register_targets()
            .target_group_arn(tg)
            .targets(Self::target(desired))
            .send()
            .await
            .map_err(|e| sdk("RegisterTargets", e))
            .map_err(|e| ProviderError { message: format!("{what}: {}", e.message), ..e })?;
        let targets = Self::registered(c, tg).await?;
        Self::matching(tg, &targets, desired).ok_or_else(|| {
            ProviderError::new(
                provision_core::ProviderErrorKind::NotFound,
                format!("{what}: not registered after RegisterTargets"),
            )
        })
    }

    /// Every argument forces a new registration.
    async fn update(
        &self,
        _ctx: &OpContext,
        _id: &str,
        prior: &Attrs,
        _desired: &Attrs,
    ) -> Result<Attrs, ProviderError> {
        Ok(prior.clone())
    }

    async fn delete(&self, _ctx: &OpContext, _id: &str, prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        let tg = get_str(prior, "target_group_arn").unwrap_or_default();
        match c.elb.deregister_targets().target_group_arn(tg).targets(Self::target(prior)).send().await {
            Ok(_) => Ok(()),
            Err(e) => {
                let e = sdk("DeregisterTargets", e);
                if e.is_not_found() { Ok(()) } else { Err(e) }
            }
        }
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let c = self.ctx.clients().await?;
        let Some(tg) = get_str(&query.desired, "target_group_arn") else { return Ok(vec![]) };
        let targets = Self::registered(c, tg).await?;
        Ok(Self::matching(tg, &targets, &query.desired).map(Found::ours).into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    fn id(type_name: &str, json: &str) -> Result<String, String> {
        provision_aws_core::terraform::id_from_terraform(crate::types, type_name, json)
    }

    /// As Terraform 5.100 wrote them (against moto): with a port, and without (null).
    const WITH_PORT: &str = r#"{"availability_zone": null, "id": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/extra-ip/28fbcb2ccfd532fb-20261202214027473100000005", "port": 8080, "target_group_arn": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/extra-ip/28fbcb2ccfd532fb", "target_id": "10.9.1.10"}"#;
    const WITHOUT_PORT: &str = r#"{"availability_zone": null, "id": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/extra-ip/28fbcb2ccfd532fb-20261202214027479400000006", "port": null, "target_group_arn": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/extra-ip/28fbcb2ccfd532fb", "target_id": "10.9.1.11"}"#;

    #[test]
    fn the_id_from_terraform_is_the_group_the_target_and_the_port() {
        let t = "aws_lb_target_group_attachment";
        let tg = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/extra-ip/28fbcb2ccfd532fb";
        assert_eq!(id(t, WITH_PORT), Ok(format!("{tg}|10.9.1.10|8080")));
        assert_eq!(id(t, WITHOUT_PORT), Ok(format!("{tg}|10.9.1.11")));
        assert_eq!(id(t, &WITHOUT_PORT.replace(r#""port": null"#, r#""port": 0"#)), Ok(format!("{tg}|10.9.1.11")));
        assert_eq!(
            id(t, &WITH_PORT.replace(r#""target_id": "10.9.1.10""#, r#""target_id": """#)),
            Err("its `target_id` attribute is missing or empty".into())
        );
    }
}
