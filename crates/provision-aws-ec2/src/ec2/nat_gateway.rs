//! `aws_nat_gateway`: the way out to the internet for private subnets. Takes minutes to become
//! `available` and minutes to be `deleted`; both are waited for. Created with a client token
//! derived from the pending record, so a retried create never makes a second gateway.

use super::object::Ec2Object;
use super::{client_token, get_string, need_str, s, sync_tags, tag_spec, user_tags};
use crate::context::{Clients, Context};
use crate::error::sdk;
use crate::validate;
use async_trait::async_trait;
use aws_sdk_ec2::types::{ConnectivityType, Filter, NatGateway as Nat, NatGatewayState, ResourceType as Ec2Type, Tag};
use provision_aws_core::wait::{self, Status, Wait};
use provision_core::{
    AttributeSchema, Attrs, FindQuery, Found, OpContext, ProviderError, ProviderErrorKind, ReadContext, ResourceType,
    Schema, Type,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// Terraform's defaults: 10 minutes to become available, 30 to be deleted.
const CREATE_TIMEOUT: Duration = Duration::from_secs(600);
const DELETE_TIMEOUT: Duration = Duration::from_secs(1800);
/// Polling: quick at first (emulators, fast regions), then every 10 s.
const FIRST_POLL: Duration = Duration::from_millis(500);
const MAX_POLL: Duration = Duration::from_secs(10);

pub(crate) struct NatGateway {
    ctx: Arc<Context>,
    schema: Schema,
}

impl NatGateway {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("A NAT gateway: outbound internet access for private subnets.")
            .with_id()
            .attr(
                AttributeSchema::optional("allocation_id", Type::String)
                    .force_new()
                    .describe("The Elastic IP allocation (an `aws_eip`'s `id`). Required for a public gateway: a public gateway without it (or a private one with it) is an error at plan time, pointing at the block."),
            )
            .attr(
                AttributeSchema::required("subnet_id", Type::String)
                    .force_new()
                    .describe("The subnet the gateway lives in; a public subnet for a public gateway."),
            )
            .attr(
                AttributeSchema::optional("connectivity_type", Type::String)
                    .default("public")
                    .force_new()
                    .validate(validate::connectivity_type)
                    .describe("`public` or `private` (checked at plan time). A private gateway has no Elastic IP."),
            )
            .attr(
                AttributeSchema::optional_computed("private_ip", Type::String)
                    .force_new()
                    .describe("The gateway's private IPv4 address in the subnet. When unset, AWS picks one and provision keeps what it picked."),
            )
            .attr(AttributeSchema::computed("public_ip", Type::String).describe("The public IPv4 address (of the Elastic IP)."))
            .attr(
                AttributeSchema::computed("network_interface_id", Type::String)
                    .describe("The gateway's network interface."),
            )
            .attr(AttributeSchema::computed("association_id", Type::String).describe("The Elastic IP association."))
            .runtime_layer()
            .check(validate::object::nat_gateway)
            .with_tags()
            .timeouts(Duration::from_secs(600), Duration::from_secs(600), Duration::from_secs(1800));
        NatGateway { ctx, schema }
    }
}

impl Ec2Object for NatGateway {
    type Item = Nat;
    const WHAT: &'static str = "NAT gateway";
    const ID_FILTER: &'static str = "nat-gateway-id";

    fn context(&self) -> &Context {
        &self.ctx
    }

    async fn describe(c: &Clients, filters: Vec<Filter>) -> Result<Vec<Nat>, ProviderError> {
        describe_all!(c.ec2.describe_nat_gateways(), set_filter, filters, 1000, nat_gateways, "DescribeNatGateways")
    }

    fn id_of(n: &Nat) -> Option<&str> {
        n.nat_gateway_id()
    }

    fn tags_of(n: &Nat) -> &[Tag] {
        n.tags()
    }

    fn attrs(_c: &Clients, n: &Nat, _prior: &Attrs) -> Attrs {
        let addr = n.nat_gateway_addresses().iter().find(|a| a.is_primary().unwrap_or(true));
        let mut a = Attrs::new();
        a.insert("id".into(), s(n.nat_gateway_id()));
        a.insert("allocation_id".into(), s(addr.and_then(|x| x.allocation_id())));
        a.insert("subnet_id".into(), s(n.subnet_id()));
        a.insert("connectivity_type".into(), s(n.connectivity_type().map(|t| t.as_str()).or(Some("public"))));
        a.insert("private_ip".into(), s(addr.and_then(|x| x.private_ip())));
        a.insert("public_ip".into(), s(addr.and_then(|x| x.public_ip())));
        a.insert("network_interface_id".into(), s(addr.and_then(|x| x.network_interface_id())));
        a.insert("association_id".into(), s(addr.and_then(|x| x.association_id())));
        a.insert("tags_all".into(), user_tags(n.tags()));
        a
    }

    /// A gateway that is gone or never came to be is absent from reads and finds (AWS keeps
    /// listing deleted and failed gateways for about an hour).
    fn keep(&self, n: &Nat) -> bool {
        !matches!(n.state(), Some(NatGatewayState::Deleted | NatGatewayState::Failed))
    }
}

impl NatGateway {
    /// Polls until the gateway is in `want` (or gone, when waiting for `deleted`). `None` when it
    /// is gone.
    async fn wait(
        c: &Clients,
        op: &OpContext,
        id: &str,
        want: NatGatewayState,
        cap: Duration,
    ) -> Result<Option<Nat>, ProviderError> {
        let deleting = want == NatGatewayState::Deleted;
        let mut spec = Wait::within(format!("NAT gateway {id}"), want.as_str(), op, cap).polling(FIRST_POLL, MAX_POLL);
        if deleting {
            spec = spec.until_gone();
        }
        let poll = || async {
            Ok(match Self::lookup(c, id).await? {
                None => Status::Gone,
                Some(n) if n.state() == Some(&want) => Status::Ready(n),
                Some(n) if n.state() == Some(&NatGatewayState::Failed) && !deleting => {
                    return Err(ProviderError::new(
                        ProviderErrorKind::Invalid,
                        format!(
                            "NAT gateway {id} failed: {} ({})",
                            n.failure_message().unwrap_or("no reason given"),
                            n.failure_code().unwrap_or("no code")
                        ),
                    ));
                }
                Some(n) if n.state() == Some(&NatGatewayState::Failed) => Status::Gone,
                Some(n) => {
                    Status::Pending(n.state().map(|s| s.as_str().to_string()).unwrap_or_else(|| "unknown".into()))
                }
            })
        };
        wait::until(&spec, poll, wait::TimedOut::provider_error).await
    }
}

#[async_trait]
impl ResourceType for NatGateway {
    fn name(&self) -> &'static str {
        "aws_nat_gateway"
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
        let connectivity = match get_string(desired, "connectivity_type").as_deref() {
            Some("private") => ConnectivityType::Private,
            _ => ConnectivityType::Public,
        };
        if connectivity == ConnectivityType::Public && get_string(desired, "allocation_id").is_none() {
            return Err(ProviderError::new(
                ProviderErrorKind::Invalid,
                "a public NAT gateway needs `allocation_id` (an aws_eip's id); set connectivity_type = \"private\" for one without",
            ));
        }
        let out = c
            .ec2
            .create_nat_gateway()
            .subnet_id(need_str(desired, "subnet_id")?)
            .set_allocation_id(get_string(desired, "allocation_id"))
            .connectivity_type(connectivity)
            .set_private_ip_address(get_string(desired, "private_ip"))
            .client_token(client_token(ctx))
            .tag_specifications(tag_spec(Ec2Type::Natgateway, &ctx.identity, desired.get("tags_all")))
            .send()
            .await
            .map_err(|e| sdk("CreateNatGateway", e))?;
        let id = out
            .nat_gateway()
            .and_then(|n| n.nat_gateway_id())
            .ok_or_else(|| ProviderError::new(ProviderErrorKind::Other, "CreateNatGateway returned no id"))?
            .to_string();
        match Self::wait(c, ctx, &id, NatGatewayState::Available, CREATE_TIMEOUT).await? {
            Some(n) => Ok(Self::attrs(c, &n, &Attrs::new())),
            None => Err(ProviderError::new(ProviderErrorKind::Other, format!("NAT gateway {id} disappeared"))),
        }
    }

    async fn update(&self, _op: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        sync_tags(&c.ec2, id, prior.get("tags_all"), desired.get("tags_all")).await?;
        Self::lookup(c, id).await?.map(|n| Self::attrs(c, &n, prior)).ok_or_else(|| Self::not_found(id))
    }

    async fn delete(&self, op: &OpContext, id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        match c.ec2.delete_nat_gateway().nat_gateway_id(id).send().await.map_err(|e| sdk("DeleteNatGateway", e)) {
            Ok(_) => {}
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e),
        }
        Self::wait(c, op, id, NatGatewayState::Deleted, DELETE_TIMEOUT).await.map(|_| ())
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        self.find_tagged(query).await
    }
}
