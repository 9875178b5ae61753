//! `aws_security_group_rule`: one rule (possibly several sources) added to a security group
//! managed elsewhere. Its id is derived from the rule itself, as Terraform's is.
//!
//! Rules carry no tags, so `find` cannot recognise one after a crash. Instead, create authorizes
//! only what is missing: a rule that already exists is adopted, never duplicated.

use super::object::Ec2Object;
use super::security_group::SecurityGroup;
use super::sg_rules::{self, Atom, Direction, Source};
use super::{get_bool, get_i32, get_str, get_string, get_strings, need_str, s, string_set};
use crate::context::{Clients, Context};
use crate::validate;
use async_trait::async_trait;
use aws_sdk_ec2::types::SecurityGroup as Sg;
use provision_core::{
    AttributeSchema, Attrs, FindQuery, Found, IdentityStrategy, OpContext, ProviderError, ProviderErrorKind,
    ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

pub(crate) struct SecurityGroupRule {
    ctx: Arc<Context>,
    schema: Schema,
}

fn direction(attrs: &Attrs) -> Direction {
    if get_str(attrs, "type") == Some("egress") { Direction::Egress } else { Direction::Ingress }
}

/// The rule's atoms, described as configured.
fn atoms(attrs: &Attrs) -> Vec<Atom> {
    let group = get_str(attrs, "security_group_id").unwrap_or_default();
    let protocol = sg_rules::canonical_protocol(get_str(attrs, "protocol").unwrap_or("-1"));
    let (from, to) = if protocol == "-1" {
        (0, 0)
    } else {
        (get_i32(attrs, "from_port").unwrap_or(0), get_i32(attrs, "to_port").unwrap_or(0))
    };
    let mut sources: Vec<Source> = get_strings(attrs, "cidr_blocks").into_iter().map(Source::Cidr).collect();
    sources.extend(get_strings(attrs, "ipv6_cidr_blocks").into_iter().map(Source::Ipv6));
    sources.extend(get_strings(attrs, "prefix_list_ids").into_iter().map(Source::PrefixList));
    sources.extend(get_string(attrs, "source_security_group_id").map(Source::Group));
    if get_bool(attrs, "self") == Some(true) {
        sources.push(Source::Group(group.to_string()));
    }
    let description = get_string(attrs, "description");
    let mut out: Vec<Atom> = sources
        .into_iter()
        .map(|source| Atom { protocol: protocol.clone(), from, to, source, description: description.clone() })
        .collect();
    out.sort();
    out
}

/// A stable id from what the rule is (not its description), like Terraform's `sgrule-<hash>`.
fn rule_id(attrs: &Attrs) -> String {
    use sha2::{Digest, Sha256};
    let mut text = format!(
        "{}|{}",
        get_str(attrs, "security_group_id").unwrap_or_default(),
        get_str(attrs, "type").unwrap_or_default()
    );
    for a in atoms(attrs) {
        text.push_str(&format!("|{:?}", a.key()));
    }
    let digest = Sha256::digest(text);
    format!("sgrule-{}", digest.iter().take(8).map(|b| format!("{b:02x}")).collect::<String>())
}

impl SecurityGroupRule {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("One rule of a security group managed elsewhere.")
            .with_id()
            .attr(
                AttributeSchema::required("type", Type::String)
                    .force_new()
                    .validate(validate::rule_type)
                    .describe("`ingress` (inbound) or `egress` (outbound); checked at plan time."),
            )
            .attr(
                AttributeSchema::required("security_group_id", Type::String)
                    .force_new()
                    .describe("The group to add the rule to. Its `ingress` (or `egress`) blocks must be left unwritten (see `aws_security_group`), or the group would revoke this rule."),
            )
            .attr(
                AttributeSchema::required("from_port", Type::Number)
                    .force_new()
                    .validate(validate::port)
                    .describe("Start of the port range (the ICMP type for `icmp`). 0 to 65535, or -1 (checked at plan time). Not sent with protocol `-1`."),
            )
            .attr(
                AttributeSchema::required("to_port", Type::Number)
                    .force_new()
                    .validate(validate::port)
                    .describe("End of the port range (the ICMP code for `icmp`). 0 to 65535, or -1 (checked at plan time). Not sent with protocol `-1`."),
            )
            .attr(
                AttributeSchema::required("protocol", Type::String)
                    .force_new()
                    .validate(validate::protocol)
                    .normalize(sg_rules::normalize_protocol)
                    .describe("`tcp`, `udp`, `icmp`, `icmpv6`, `-1` (or `all`), or a protocol number 0–255 (checked at plan time). Normalized to the spelling AWS reports (`all` → `-1`, `6` → `tcp`, `17` → `udp`, `1` → `icmp`, `58` → `icmpv6`), so such spellings do not show as changes."),
            )
            .attr(
                AttributeSchema::optional("cidr_blocks", Type::set(Type::String))
                    .force_new()
                    .validate(validate::ipv4_cidrs)
                    .describe("IPv4 ranges; each a valid CIDR block with host bits zero (checked at plan time)."),
            )
            .attr(
                AttributeSchema::optional("ipv6_cidr_blocks", Type::set(Type::String))
                    .force_new()
                    .validate(validate::ipv6_cidrs)
                    .describe("IPv6 ranges (checked at plan time)."),
            )
            .attr(
                AttributeSchema::optional("prefix_list_ids", Type::set(Type::String))
                    .force_new()
                    .describe("Managed prefix lists."),
            )
            .attr(
                AttributeSchema::optional("source_security_group_id", Type::String)
                    .force_new()
                    .describe("Another security group as the source (ingress) or destination (egress)."),
            )
            .attr(
                AttributeSchema::optional("self", Type::Bool)
                    .default(false)
                    .force_new()
                    .describe("The group itself as the source."),
            )
            .attr(AttributeSchema::optional("description", Type::String).describe("A description, applied to every source of the rule. Changed in place."))
            .check(validate::object::security_group_rule)
            .timeouts(Duration::from_secs(300), Duration::from_secs(300), Duration::from_secs(300));
        SecurityGroupRule { ctx, schema }
    }

    /// The groups with these ids, 200 per call.
    async fn groups(c: &Clients, ids: &[String]) -> Result<BTreeMap<String, Sg>, ProviderError> {
        SecurityGroup::by_ids(c, ids).await
    }

    fn existing(g: &Sg, dir: Direction) -> Vec<Atom> {
        sg_rules::atoms_of_permissions(match dir {
            Direction::Ingress => g.ip_permissions(),
            Direction::Egress => g.ip_permissions_egress(),
        })
    }

    /// The rule as it is in `g`, or `None` when any of its sources is missing.
    fn observe(g: &Sg, prior: &Attrs) -> Option<Attrs> {
        let have = Self::existing(g, direction(prior));
        let want = atoms(prior);
        let mut description = None;
        for a in &want {
            let found = have.iter().find(|h| h.key() == a.key())?;
            description = found.description.clone();
        }
        let mut attrs = prior.clone();
        attrs.insert("id".into(), Value::String(rule_id(prior)));
        attrs.insert("description".into(), s(description.as_deref()));
        for k in ["cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids"] {
            attrs.insert(k.into(), string_set(get_strings(prior, k)));
        }
        Some(attrs)
    }

    async fn read_back(c: &Clients, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let group = need_str(desired, "security_group_id")?;
        let groups = Self::groups(c, &[group.to_string()]).await?;
        groups.get(group).and_then(|g| Self::observe(g, desired)).ok_or_else(|| {
            ProviderError::new(ProviderErrorKind::NotFound, format!("the rule is not (yet) in security group {group}"))
        })
    }
}

#[async_trait]
impl ResourceType for SecurityGroupRule {
    fn name(&self) -> &'static str {
        "aws_security_group_rule"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read_many(
        &self,
        _ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        let c = self.ctx.clients().await?;
        let ids: BTreeSet<String> = objects.iter().filter_map(|(_, a)| get_string(a, "security_group_id")).collect();
        let groups = Self::groups(c, &ids.into_iter().collect::<Vec<_>>()).await?;
        Ok(objects
            .iter()
            .filter_map(|(id, prior)| {
                let g = groups.get(get_str(prior, "security_group_id")?)?;
                Some((id.clone(), Self::observe(g, prior)?))
            })
            .collect())
    }

    async fn create(&self, _ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let group = need_str(desired, "security_group_id")?;
        let want = atoms(desired);
        if want.is_empty() {
            return Err(ProviderError::new(
                ProviderErrorKind::Invalid,
                "a rule needs a source: cidr_blocks, ipv6_cidr_blocks, prefix_list_ids, source_security_group_id or self",
            ));
        }
        let groups = Self::groups(c, &[group.to_string()]).await?;
        let have = groups.get(group).map(|g| Self::existing(g, direction(desired))).unwrap_or_default();
        let missing: Vec<Atom> = want.into_iter().filter(|a| !have.iter().any(|h| h.key() == a.key())).collect();
        sg_rules::apply(c, group, direction(desired), true, &missing).await?;
        let mut attrs = desired.clone();
        attrs.insert("id".into(), Value::String(rule_id(desired)));
        match Self::read_back(c, desired).await {
            Ok(a) => Ok(a),
            // Eventual consistency: the rule was authorized; report it as configured.
            Err(e) if e.is_not_found() => Ok(attrs),
            Err(e) => Err(e),
        }
    }

    async fn update(
        &self,
        _op: &OpContext,
        _id: &str,
        _prior: &Attrs,
        desired: &Attrs,
    ) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let group = need_str(desired, "security_group_id")?;
        // Only the description changes in place (everything else forces a replacement): the
        // rule stays authorized throughout.
        let perms: Vec<_> = atoms(desired).iter().map(sg_rules::permission).collect();
        match direction(desired) {
            Direction::Ingress => c
                .ec2
                .update_security_group_rule_descriptions_ingress()
                .group_id(group)
                .set_ip_permissions(Some(perms))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| crate::error::sdk("UpdateSecurityGroupRuleDescriptionsIngress", e))?,
            Direction::Egress => c
                .ec2
                .update_security_group_rule_descriptions_egress()
                .group_id(group)
                .set_ip_permissions(Some(perms))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| crate::error::sdk("UpdateSecurityGroupRuleDescriptionsEgress", e))?,
        }
        Self::read_back(c, desired).await
    }

    async fn delete(&self, _op: &OpContext, _id: &str, prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        let group = need_str(prior, "security_group_id")?;
        match sg_rules::apply(c, group, direction(prior), false, &atoms(prior)).await {
            Err(e) if e.code.as_deref() == Some("InvalidGroup.NotFound") => Ok(()),
            other => other,
        }
    }

    fn identity(&self) -> IdentityStrategy {
        IdentityStrategy::Content
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        // Rules carry no tags: the rule this create was authorizing is there when every source
        // it names is authorized in the recorded group.
        if get_string(&query.desired, "security_group_id").is_none() {
            return Ok(vec![]);
        }
        let c = self.ctx.clients().await?;
        match Self::read_back(c, &query.desired).await {
            Ok(a) => Ok(vec![Found::ours(a)]),
            Err(e) if e.is_not_found() => Ok(vec![]),
            Err(e) => Err(e),
        }
    }
}
