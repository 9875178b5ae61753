//! `aws_eip`: an Elastic IP address. Allocated with its tags; released only once whatever holds
//! it (a NAT gateway that is still being deleted) lets go.

use super::object::Ec2Object;
use super::{get_bool, get_str, s, sync_tags, tag_spec, user_tags};
use crate::context::{Clients, Context};
use crate::error::sdk;
use crate::retry::{Policy, gone_is_ok, retry};
use crate::validate;
use async_trait::async_trait;
use aws_sdk_ec2::types::{Address as Eip, DomainType, Filter, ResourceType as Ec2Type, Tag};
use provision_core::{
    AttributeSchema, Attrs, FindQuery, Found, OpContext, ProviderError, ProviderErrorKind, ReadContext, ResourceType,
    Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// How long a release waits for the address to be let go (a deleted NAT gateway keeps its address
/// mapped for a while).
const RELEASE_TIMEOUT: Duration = Duration::from_secs(600);

pub(crate) struct ElasticIp {
    ctx: Arc<Context>,
    schema: Schema,
}

impl ElasticIp {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("An Elastic IP address.")
            .with_id()
            .attr(
                AttributeSchema::computed("allocation_id", Type::String)
                    .describe("The allocation ID (the same as `id`)."),
            )
            .attr(
                AttributeSchema::optional_computed("domain", Type::String)
                    .force_new()
                    .validate(validate::eip_domain)
                    .describe("`vpc` or `standard` (checked at plan time). When unset, the address is allocated in the `vpc` domain and the domain AWS reports is kept."),
            )
            .attr(
                AttributeSchema::optional_computed("vpc", Type::Bool)
                    .force_new()
                    .describe("Deprecated: `vpc = true` is read as `domain = \"vpc\"`; `vpc = false` with no `domain` allocates a `standard` address. When `domain` is set, it wins. Read back as `true` exactly when the domain is `vpc`."),
            )
            .attr(AttributeSchema::computed("public_ip", Type::String).describe("The public IPv4 address."))
            .attr(AttributeSchema::computed("public_dns", Type::String).describe("The public DNS name, derived from the address and the region: `ec2-<a-b-c-d>.<region>.compute.amazonaws.com` (`ec2-<a-b-c-d>.compute-1.amazonaws.com` in `us-east-1`)."))
            .attr(
                AttributeSchema::computed("association_id", Type::String)
                    .describe("The association with an instance or network interface, if any (for example, set once a NAT gateway takes the address)."),
            )
            .attr(
                AttributeSchema::computed("network_interface", Type::String)
                    .describe("The network interface the address is associated with, if any."),
            )
            .attr(
                AttributeSchema::computed("private_ip", Type::String)
                    .describe("The private address it maps to, if any."),
            )
            .runtime_layer()
            .check(validate::object::eip)
            .with_tags()
            .timeouts(Duration::from_secs(1200), Duration::from_secs(300), Duration::from_secs(180));
        ElasticIp { ctx, schema }
    }
}

impl Ec2Object for ElasticIp {
    type Item = Eip;
    const WHAT: &'static str = "address";
    const ID_FILTER: &'static str = "allocation-id";

    fn context(&self) -> &Context {
        &self.ctx
    }

    /// DescribeAddresses is not paginated: one call returns every address.
    async fn describe(c: &Clients, filters: Vec<Filter>) -> Result<Vec<Eip>, ProviderError> {
        let out = c
            .ec2
            .describe_addresses()
            .set_filters(Some(filters))
            .send()
            .await
            .map_err(|e| sdk("DescribeAddresses", e))?;
        Ok(out.addresses().to_vec())
    }

    fn id_of(a: &Eip) -> Option<&str> {
        a.allocation_id()
    }

    fn tags_of(a: &Eip) -> &[Tag] {
        a.tags()
    }

    fn attrs(c: &Clients, a: &Eip, _prior: &Attrs) -> Attrs {
        let domain = a.domain().map(|d| d.as_str().to_string());
        let suffix = if c.partition == "aws-cn" { "amazonaws.com.cn" } else { "amazonaws.com" };
        let public_dns = a.public_ip().map(|ip| {
            let dashed = ip.replace('.', "-");
            if c.region == "us-east-1" {
                format!("ec2-{dashed}.compute-1.{suffix}")
            } else {
                format!("ec2-{dashed}.{}.compute.{suffix}", c.region)
            }
        });
        let mut m = Attrs::new();
        m.insert("id".into(), s(a.allocation_id()));
        m.insert("allocation_id".into(), s(a.allocation_id()));
        m.insert("domain".into(), s(domain.as_deref()));
        m.insert("vpc".into(), Value::Bool(domain.as_deref() == Some("vpc")));
        m.insert("public_ip".into(), s(a.public_ip()));
        m.insert("public_dns".into(), s(public_dns.as_deref()));
        m.insert("association_id".into(), s(a.association_id()));
        m.insert("network_interface".into(), s(a.network_interface_id()));
        m.insert("private_ip".into(), s(a.private_ip_address()));
        m.insert("tags_all".into(), user_tags(a.tags()));
        m
    }
}

#[async_trait]
impl ResourceType for ElasticIp {
    fn name(&self) -> &'static str {
        "aws_eip"
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
        let domain = match (get_str(desired, "domain"), get_bool(desired, "vpc")) {
            (Some("standard"), _) | (None, Some(false)) => DomainType::Standard,
            _ => DomainType::Vpc,
        };
        let out = c
            .ec2
            .allocate_address()
            .domain(domain)
            .tag_specifications(tag_spec(Ec2Type::ElasticIp, &ctx.identity, desired.get("tags_all")))
            .send()
            .await
            .map_err(|e| sdk("AllocateAddress", e))?;
        let id = out
            .allocation_id()
            .ok_or_else(|| ProviderError::new(ProviderErrorKind::Other, "AllocateAddress returned no allocation id"))?
            .to_string();
        Self::read_one(c, &id).await
    }

    async fn update(&self, _op: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        sync_tags(&c.ec2, id, prior.get("tags_all"), desired.get("tags_all")).await?;
        Self::read_one(c, id).await
    }

    async fn delete(&self, _op: &OpContext, id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        let Some(current) = Self::lookup(c, id).await? else { return Ok(()) };
        let was_associated = current.association_id().is_some() || current.network_interface_id().is_some();
        gone_is_ok(
            retry(
                Policy::in_use(RELEASE_TIMEOUT),
                || async {
                    c.ec2.release_address().allocation_id(id).send().await.map(|_| ()).map_err(|e| {
                        let e = sdk("ReleaseAddress", e);
                        // While a NAT gateway that held the address is going away, AWS answers
                        // AuthFailure or says the gateway's interface is not found: still in use.
                        let lag = e.code.as_deref() == Some("InvalidNetworkInterfaceID.NotFound")
                            || (was_associated && e.code.as_deref() == Some("AuthFailure"));
                        if lag { ProviderError { kind: ProviderErrorKind::Conflict, ..e } } else { e }
                    })
                },
                || async move {
                    let a = Self::lookup(c, id).await.ok()??;
                    let eni = a.network_interface_id().or(current.network_interface_id())?;
                    Some(format!(
                        "the address is still associated with network interface {eni} (a NAT gateway that is still being deleted, or an instance)"
                    ))
                },
            )
            .await,
        )
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        self.find_tagged(query).await
    }
}
