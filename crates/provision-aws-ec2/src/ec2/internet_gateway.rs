//! `aws_internet_gateway`: a VPC's way to the internet. Attached and detached in place; detached
//! before it is deleted.

use super::object::Ec2Object;
use super::{get_str, s, sync_tags, tag_spec, user_tags};
use crate::context::{Clients, Context};
use crate::error::sdk;
use crate::retry::{Policy, gone_is_ok, nothing, retry};
use async_trait::async_trait;
use aws_sdk_ec2::types::{Filter, ResourceType as Ec2Type, Tag};
use provision_core::{
    AttributeSchema, Attrs, FindQuery, Found, OpContext, ProviderError, ProviderErrorKind, ReadContext, ResourceType,
    Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// How long a detach waits while public addresses are still mapped in the VPC (a NAT gateway's
/// Elastic IP is released only minutes after the gateway is deleted).
const DETACH_TIMEOUT: Duration = Duration::from_secs(900);

pub(crate) struct InternetGateway {
    ctx: Arc<Context>,
    schema: Schema,
}

type Igw = aws_sdk_ec2::types::InternetGateway;

impl InternetGateway {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("An internet gateway, attached to a VPC.")
            .with_id()
            .attr(AttributeSchema::computed("arn", Type::String).describe("The gateway's ARN, `arn:<partition>:ec2:<region>:<owner>:internet-gateway/<id>`."))
            .attr(
                AttributeSchema::optional("vpc_id", Type::String)
                    .holds_in_use()
                    .describe("The VPC to attach to; detached when unset. Moving to another VPC detaches and attaches in place. **But** when the VPC it is attached to is replaced (destroyed first), the gateway is replaced too: AWS would refuse to delete the old VPC while the gateway is attached to it."),
            )
            .attr(AttributeSchema::computed("owner_id", Type::String).describe("The AWS account that owns the gateway."))
            .with_tags()
            .timeouts(Duration::from_secs(1200), Duration::from_secs(1200), Duration::from_secs(1200));
        InternetGateway { ctx, schema }
    }

    fn attached_vpc(g: &Igw) -> Option<&str> {
        g.attachments().iter().find_map(|a| a.vpc_id())
    }
}

impl Ec2Object for InternetGateway {
    type Item = Igw;
    const WHAT: &'static str = "internet gateway";
    const ID_FILTER: &'static str = "internet-gateway-id";

    fn context(&self) -> &Context {
        &self.ctx
    }

    async fn describe(c: &Clients, filters: Vec<Filter>) -> Result<Vec<Igw>, ProviderError> {
        describe_all!(c.ec2.describe_internet_gateways(), filters, internet_gateways, "DescribeInternetGateways")
    }

    fn id_of(g: &Igw) -> Option<&str> {
        g.internet_gateway_id()
    }

    fn tags_of(g: &Igw) -> &[Tag] {
        g.tags()
    }

    fn attrs(c: &Clients, g: &Igw, _prior: &Attrs) -> Attrs {
        let id = g.internet_gateway_id().unwrap_or_default();
        let owner = g.owner_id().unwrap_or_default();
        let mut a = Attrs::new();
        a.insert("id".into(), Value::String(id.into()));
        a.insert(
            "arn".into(),
            Value::String(format!("arn:{}:ec2:{}:{owner}:internet-gateway/{id}", c.partition, c.region)),
        );
        a.insert("vpc_id".into(), s(Self::attached_vpc(g)));
        a.insert("owner_id".into(), s(g.owner_id()));
        a.insert("tags_all".into(), user_tags(g.tags()));
        a
    }
}

impl InternetGateway {
    async fn attach(c: &Clients, id: &str, vpc: &str) -> Result<(), ProviderError> {
        retry(
            Policy::NEW_OBJECT,
            || async {
                c.ec2
                    .attach_internet_gateway()
                    .internet_gateway_id(id)
                    .vpc_id(vpc)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| sdk("AttachInternetGateway", e))
            },
            nothing,
        )
        .await
    }

    /// Detaches from `vpc`, waiting while AWS refuses because public addresses are still mapped.
    async fn detach(c: &Clients, id: &str, vpc: &str) -> Result<(), ProviderError> {
        let result = retry(
            Policy::in_use(DETACH_TIMEOUT),
            || async {
                c.ec2
                    .detach_internet_gateway()
                    .internet_gateway_id(id)
                    .vpc_id(vpc)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| sdk("DetachInternetGateway", e))
            },
            || async move {
                Some(format!(
                    "public IPv4 addresses are still mapped in {vpc} (for example the Elastic IP of a NAT gateway that is still being deleted)"
                ))
            },
        )
        .await;
        match result {
            // Already detached, or gone.
            Err(e) if e.is_not_found() || e.code.as_deref() == Some("Gateway.NotAttached") => Ok(()),
            other => other,
        }
    }
}

#[async_trait]
impl ResourceType for InternetGateway {
    fn name(&self) -> &'static str {
        "aws_internet_gateway"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read_many(
        &self,
        ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        self.read_batched(ctx, objects).await
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let out = c
            .ec2
            .create_internet_gateway()
            .tag_specifications(tag_spec(Ec2Type::InternetGateway, &ctx.identity, desired.get("tags_all")))
            .send()
            .await
            .map_err(|e| sdk("CreateInternetGateway", e))?;
        let id = out
            .internet_gateway()
            .and_then(|g| g.internet_gateway_id())
            .ok_or_else(|| ProviderError::new(ProviderErrorKind::Other, "CreateInternetGateway returned no id"))?
            .to_string();
        if let Some(vpc) = get_str(desired, "vpc_id") {
            Self::attach(c, &id, vpc).await?;
        }
        Self::read_one(c, &id).await
    }

    async fn update(&self, _op: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        sync_tags(&c.ec2, id, prior.get("tags_all"), desired.get("tags_all")).await?;
        let (old, new) = (get_str(prior, "vpc_id"), get_str(desired, "vpc_id"));
        if old != new {
            if let Some(old) = old {
                Self::detach(c, id, old).await?;
            }
            if let Some(new) = new {
                Self::attach(c, id, new).await?;
            }
        }
        Self::read_one(c, id).await
    }

    async fn delete(&self, _op: &OpContext, id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        let Some(current) = Self::lookup(c, id).await? else { return Ok(()) };
        for a in current.attachments() {
            if let Some(vpc) = a.vpc_id() {
                Self::detach(c, id, vpc).await?;
            }
        }
        gone_is_ok(
            c.ec2
                .delete_internet_gateway()
                .internet_gateway_id(id)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| sdk("DeleteInternetGateway", e)),
        )
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        self.find_tagged(query).await
    }
}
