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
use provision_aws_core::terraform;
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
        Self::observed(&Self::existing(g, direction(prior)), prior)
    }

    /// The rule as it is among the atoms `have` of its direction, or `None` when any of its
    /// sources is missing.
    fn observed(have: &[Atom], prior: &Attrs) -> Option<Attrs> {
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

    /// Terraform's id is `sgrule-<decimal hash>` of its own; provision's is derived from the same
    /// attributes (group, type, protocol, ports, sources), which a Terraform state records.
    fn id_from_terraform(&self, attributes: &Attrs) -> Result<String, String> {
        terraform::text(attributes, "security_group_id")?;
        terraform::text(attributes, "type")?;
        if atoms(attributes).is_empty() {
            return Err("none of its `cidr_blocks`, `ipv6_cidr_blocks`, `prefix_list_ids`, `source_security_group_id` or `self` attributes names a source".into());
        }
        Ok(rule_id(attributes))
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
        // The group now holds what it held and what was just authorized, as configured: the
        // rule is recorded from those instead of reading the group again.
        let mut after = have;
        after.extend(missing);
        Ok(Self::observed(&after, desired).unwrap_or_else(|| {
            let mut attrs = desired.clone();
            attrs.insert("id".into(), Value::String(rule_id(desired)));
            attrs
        }))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> SecurityGroupRule {
        SecurityGroupRule::new(Arc::new(crate::context::new(Arc::new(provision_aws_core::Context::default()))))
    }

    /// Rules as Terraform 5.100 wrote them (a configuration of every source kind, against moto).
    const CIDR: &str = r#"{"cidr_blocks": ["10.0.0.0/8", "192.168.0.0/16"], "description": "https", "from_port": 443, "id": "sgrule-1179061957", "ipv6_cidr_blocks": null, "prefix_list_ids": null, "protocol": "tcp", "security_group_id": "sg-ad3be75e88877206f", "security_group_rule_id": "", "self": false, "source_security_group_id": null, "timeouts": null, "to_port": 443, "type": "ingress"}"#;
    const EGRESS: &str = r#"{"cidr_blocks": ["10.0.0.0/8"], "description": null, "from_port": 0, "id": "sgrule-534106706", "ipv6_cidr_blocks": ["::/0"], "prefix_list_ids": null, "protocol": "-1", "security_group_id": "sg-36daea97b7d4edc96", "security_group_rule_id": "", "self": false, "source_security_group_id": null, "timeouts": null, "to_port": 0, "type": "egress"}"#;
    const FROM_GROUP: &str = r#"{"cidr_blocks": null, "description": null, "from_port": 5432, "id": "sgrule-2506224783", "ipv6_cidr_blocks": null, "prefix_list_ids": null, "protocol": "tcp", "security_group_id": "sg-ad3be75e88877206f", "security_group_rule_id": "sgr-b69a073a8865fa7c5", "self": false, "source_security_group_id": "sg-36daea97b7d4edc96", "timeouts": null, "to_port": 5432, "type": "ingress"}"#;
    const SELF: &str = r#"{"cidr_blocks": null, "description": null, "from_port": 0, "id": "sgrule-1556714103", "ipv6_cidr_blocks": null, "prefix_list_ids": null, "protocol": "-1", "security_group_id": "sg-ad3be75e88877206f", "security_group_rule_id": "sgr-2536a00af4b3c0379", "self": true, "source_security_group_id": null, "timeouts": null, "to_port": 0, "type": "ingress"}"#;

    /// The arguments of the same rule as a configuration gives them to `create`.
    fn configured(pairs: &[(&str, Value)]) -> Attrs {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    #[test]
    fn the_id_from_terraform_is_the_one_create_records() {
        let from = |json| rule().id_from_terraform(&terraform::attributes_from_json(json).expect("attributes"));
        let strings = |v: &[&str]| Value::List(v.iter().map(|s| Value::from(*s)).collect());
        let cidr = configured(&[
            ("type", "ingress".into()),
            ("security_group_id", "sg-ad3be75e88877206f".into()),
            ("protocol", "tcp".into()),
            ("from_port", Value::Number(443.0)),
            ("to_port", Value::Number(443.0)),
            ("cidr_blocks", strings(&["192.168.0.0/16", "10.0.0.0/8"])),
        ]);
        assert_eq!(from(CIDR), Ok(rule_id(&cidr)));
        let egress = configured(&[
            ("type", "egress".into()),
            ("security_group_id", "sg-36daea97b7d4edc96".into()),
            ("protocol", "all".into()),
            ("from_port", Value::Number(0.0)),
            ("to_port", Value::Number(0.0)),
            ("cidr_blocks", strings(&["10.0.0.0/8"])),
            ("ipv6_cidr_blocks", strings(&["::/0"])),
        ]);
        assert_eq!(from(EGRESS), Ok(rule_id(&egress)));
        let group = configured(&[
            ("type", "ingress".into()),
            ("security_group_id", "sg-ad3be75e88877206f".into()),
            ("protocol", "tcp".into()),
            ("from_port", Value::Number(5432.0)),
            ("to_port", Value::Number(5432.0)),
            ("source_security_group_id", "sg-36daea97b7d4edc96".into()),
        ]);
        assert_eq!(from(FROM_GROUP), Ok(rule_id(&group)));
        let own = configured(&[
            ("type", "ingress".into()),
            ("security_group_id", "sg-ad3be75e88877206f".into()),
            ("protocol", "-1".into()),
            ("from_port", Value::Number(0.0)),
            ("to_port", Value::Number(0.0)),
            ("self", Value::Bool(true)),
        ]);
        assert_eq!(from(SELF), Ok(rule_id(&own)));
        let ids = [from(CIDR), from(EGRESS), from(FROM_GROUP), from(SELF)];
        assert!(ids.iter().all(|id| id.as_ref().is_ok_and(|id| id.starts_with("sgrule-") && id.len() == 23)));
    }

    #[test]
    fn the_id_from_terraform_needs_the_group_and_a_source() {
        let mut a = terraform::attributes_from_json(SELF).expect("attributes");
        a.insert("self".into(), Value::Bool(false));
        assert!(rule().id_from_terraform(&a).expect_err("no source").contains("`self`"));
        a.insert("security_group_id".into(), Value::Null);
        assert_eq!(rule().id_from_terraform(&a), Err("its `security_group_id` attribute is missing or empty".into()));
    }
}
