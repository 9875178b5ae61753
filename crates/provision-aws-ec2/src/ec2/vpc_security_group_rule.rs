//! `aws_vpc_security_group_ingress_rule` and `aws_vpc_security_group_egress_rule`: one rule with
//! one source, a real AWS object (`sgr-...`) with its own tags. Everything but the group is
//! changed in place (ModifySecurityGroupRules).

use super::object::Ec2Object;
use super::sg_rules::{Atom, Direction, Source, canonical_protocol, normalize_protocol, permission};
use super::{get_i32, get_string, need_str, s, sync_tags, tag_spec, user_tags};
use crate::context::{Clients, Context};
use crate::error::sdk;
use crate::retry::gone_is_ok;
use crate::validate;
use async_trait::async_trait;
use aws_sdk_ec2::types::{
    Filter, ResourceType as Ec2Type, SecurityGroupRule as Rule, SecurityGroupRuleRequest, SecurityGroupRuleUpdate, Tag,
};
use provision_core::{
    AttributeSchema, Attrs, FindQuery, Found, OpContext, ProviderError, ProviderErrorKind, ReadContext, ResourceType,
    Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;

pub(crate) struct VpcSecurityGroupRule {
    ctx: Arc<Context>,
    schema: Schema,
    dir: Direction,
}

fn source(attrs: &Attrs) -> Result<Source, ProviderError> {
    let all = [
        get_string(attrs, "cidr_ipv4").map(Source::Cidr),
        get_string(attrs, "cidr_ipv6").map(Source::Ipv6),
        get_string(attrs, "prefix_list_id").map(Source::PrefixList),
        get_string(attrs, "referenced_security_group_id").map(Source::Group),
    ];
    let mut set: Vec<Source> = all.into_iter().flatten().collect();
    if set.len() != 1 {
        return Err(ProviderError::new(
            ProviderErrorKind::Invalid,
            "set exactly one of cidr_ipv4, cidr_ipv6, prefix_list_id and referenced_security_group_id",
        ));
    }
    Ok(set.remove(0))
}

fn protocol(attrs: &Attrs) -> String {
    canonical_protocol(attrs.get("ip_protocol").and_then(Value::as_str).unwrap_or("-1"))
}

fn request(attrs: &Attrs) -> Result<SecurityGroupRuleRequest, ProviderError> {
    let p = protocol(attrs);
    let mut r = SecurityGroupRuleRequest::builder().ip_protocol(&p).set_description(get_string(attrs, "description"));
    if p != "-1" {
        r = r.set_from_port(get_i32(attrs, "from_port")).set_to_port(get_i32(attrs, "to_port"));
    }
    r = match source(attrs)? {
        Source::Cidr(c) => r.cidr_ipv4(c),
        Source::Ipv6(c) => r.cidr_ipv6(c),
        Source::PrefixList(id) => r.prefix_list_id(id),
        Source::Group(g) => r.referenced_group_id(g),
    };
    Ok(r.build())
}

impl VpcSecurityGroupRule {
    pub fn new(ctx: Arc<Context>, dir: Direction) -> Self {
        let what = match dir {
            Direction::Ingress => "An inbound rule of a security group.",
            Direction::Egress => "An outbound rule of a security group.",
        };
        let schema = Schema::new(what)
            .with_id()
            .attr(AttributeSchema::computed("arn", Type::String).describe("The rule's ARN, as AWS reports it."))
            .attr(
                AttributeSchema::computed("security_group_rule_id", Type::String)
                    .describe("The rule's id (`sgr-…`), the same as `id`."),
            )
            .attr(
                AttributeSchema::required("security_group_id", Type::String)
                    .force_new()
                    .describe("The group the rule belongs to. Its blocks of the rule's direction (`ingress` or `egress`) must be left unwritten (see `aws_security_group`), or the group would revoke this rule."),
            )
            .attr(
                AttributeSchema::required("ip_protocol", Type::String)
                    .validate(validate::protocol)
                    .normalize(normalize_protocol)
                    .describe("`tcp`, `udp`, `icmp`, `icmpv6`, `-1` (or `all`), or a protocol number 0–255 (checked at plan time). Normalized to the spelling AWS reports (`all` → `-1`, `6` → `tcp`, `17` → `udp`, `1` → `icmp`, `58` → `icmpv6`), so such spellings do not show as changes."),
            )
            .attr(
                AttributeSchema::optional("from_port", Type::Number)
                    .validate(validate::port)
                    .describe("Start of the port range (the ICMP type for `icmp`, -1 for all types). 0 to 65535, or -1 (checked at plan time). Leave unset with `-1`: ports are not sent, and AWS reports none."),
            )
            .attr(
                AttributeSchema::optional("to_port", Type::Number)
                    .validate(validate::port)
                    .describe("End of the port range (the ICMP code for `icmp`, -1 for all codes). 0 to 65535, or -1 (checked at plan time). Leave unset with `-1`, as for `from_port`."),
            )
            .attr(
                AttributeSchema::optional("cidr_ipv4", Type::String)
                    .validate(validate::ipv4_cidr)
                    .describe("An IPv4 range; a valid CIDR block with host bits zero (checked at plan time)."),
            )
            .attr(
                AttributeSchema::optional("cidr_ipv6", Type::String)
                    .validate(validate::ipv6_cidr)
                    .describe("An IPv6 range (checked at plan time)."),
            )
            .attr(AttributeSchema::optional("prefix_list_id", Type::String).describe("A managed prefix list."))
            .attr(
                AttributeSchema::optional("referenced_security_group_id", Type::String)
                    .describe("Another security group, by id."),
            )
            .attr(AttributeSchema::optional("description", Type::String).describe("A description of the rule."))
            .check(validate::object::vpc_security_group_rule)
            .with_tags();
        VpcSecurityGroupRule { ctx, schema, dir }
    }
}

impl Ec2Object for VpcSecurityGroupRule {
    type Item = Rule;
    const WHAT: &'static str = "security group rule";
    const ID_FILTER: &'static str = "security-group-rule-id";

    fn context(&self) -> &Context {
        &self.ctx
    }

    async fn describe(c: &Clients, filters: Vec<Filter>) -> Result<Vec<Rule>, ProviderError> {
        describe_all!(
            c.ec2.describe_security_group_rules(),
            filters,
            security_group_rules,
            "DescribeSecurityGroupRules"
        )
    }

    fn id_of(r: &Rule) -> Option<&str> {
        r.security_group_rule_id()
    }

    fn tags_of(r: &Rule) -> &[Tag] {
        r.tags()
    }

    fn attrs(_c: &Clients, r: &Rule, _prior: &Attrs) -> Attrs {
        let p = canonical_protocol(r.ip_protocol().unwrap_or("-1"));
        let port = |v: Option<i32>| {
            if p == "-1" { Value::Null } else { v.map_or(Value::Null, |n| Value::Number(f64::from(n))) }
        };
        let mut a = Attrs::new();
        a.insert("id".into(), s(r.security_group_rule_id()));
        a.insert("arn".into(), s(r.security_group_rule_arn()));
        a.insert("security_group_rule_id".into(), s(r.security_group_rule_id()));
        a.insert("security_group_id".into(), s(r.group_id()));
        a.insert("from_port".into(), port(r.from_port()));
        a.insert("to_port".into(), port(r.to_port()));
        a.insert("ip_protocol".into(), Value::String(p.clone()));
        a.insert("cidr_ipv4".into(), s(r.cidr_ipv4()));
        a.insert("cidr_ipv6".into(), s(r.cidr_ipv6()));
        a.insert("prefix_list_id".into(), s(r.prefix_list_id()));
        a.insert("referenced_security_group_id".into(), s(r.referenced_group_info().and_then(|g| g.group_id())));
        a.insert("description".into(), s(r.description().filter(|d| !d.is_empty())));
        a.insert("tags_all".into(), user_tags(r.tags()));
        a
    }

    /// A rule of this type's direction (the describe call lists both).
    fn keep(&self, r: &Rule) -> bool {
        r.is_egress() == Some(self.dir == Direction::Egress)
    }
}

#[async_trait]
impl ResourceType for VpcSecurityGroupRule {
    fn name(&self) -> &'static str {
        match self.dir {
            Direction::Ingress => "aws_vpc_security_group_ingress_rule",
            Direction::Egress => "aws_vpc_security_group_egress_rule",
        }
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
        let group = need_str(desired, "security_group_id")?;
        let p = protocol(desired);
        let (from, to) = if p == "-1" {
            (0, 0)
        } else {
            (get_i32(desired, "from_port").unwrap_or(0), get_i32(desired, "to_port").unwrap_or(0))
        };
        let atom =
            Atom { protocol: p, from, to, source: source(desired)?, description: get_string(desired, "description") };
        let spec = tag_spec(Ec2Type::SecurityGroupRule, &ctx.identity, desired.get("tags_all"));
        let rules = match self.dir {
            Direction::Ingress => c
                .ec2
                .authorize_security_group_ingress()
                .group_id(group)
                .ip_permissions(permission(&atom))
                .tag_specifications(spec)
                .send()
                .await
                .map_err(|e| sdk("AuthorizeSecurityGroupIngress", e))?
                .security_group_rules()
                .to_vec(),
            Direction::Egress => c
                .ec2
                .authorize_security_group_egress()
                .group_id(group)
                .ip_permissions(permission(&atom))
                .tag_specifications(spec)
                .send()
                .await
                .map_err(|e| sdk("AuthorizeSecurityGroupEgress", e))?
                .security_group_rules()
                .to_vec(),
        };
        let id = rules
            .first()
            .and_then(|r| r.security_group_rule_id())
            .ok_or_else(|| ProviderError::new(ProviderErrorKind::Other, "the authorize call returned no rule id"))?
            .to_string();
        Self::read_one(c, &id).await
    }

    async fn update(&self, _op: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        sync_tags(&c.ec2, id, prior.get("tags_all"), desired.get("tags_all")).await?;
        let rule_fields = [
            "ip_protocol",
            "from_port",
            "to_port",
            "cidr_ipv4",
            "cidr_ipv6",
            "prefix_list_id",
            "referenced_security_group_id",
            "description",
        ];
        if rule_fields.iter().any(|k| prior.get(*k) != desired.get(*k)) {
            c.ec2
                .modify_security_group_rules()
                .group_id(need_str(desired, "security_group_id")?)
                .security_group_rules(
                    SecurityGroupRuleUpdate::builder()
                        .security_group_rule_id(id)
                        .security_group_rule(request(desired)?)
                        .build(),
                )
                .send()
                .await
                .map_err(|e| sdk("ModifySecurityGroupRules", e))?;
        }
        Self::read_one(c, id).await
    }

    async fn delete(&self, _op: &OpContext, id: &str, prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        let group = need_str(prior, "security_group_id")?;
        let r = match self.dir {
            Direction::Ingress => c
                .ec2
                .revoke_security_group_ingress()
                .group_id(group)
                .security_group_rule_ids(id)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| sdk("RevokeSecurityGroupIngress", e)),
            Direction::Egress => c
                .ec2
                .revoke_security_group_egress()
                .group_id(group)
                .security_group_rule_ids(id)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| sdk("RevokeSecurityGroupEgress", e)),
        };
        gone_is_ok(r)
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        self.find_tagged(query).await
    }
}
