//! Security group rules as data, shared by `aws_security_group` (inline `ingress`/`egress`) and
//! `aws_security_group_rule`: each rule broken into atoms (one protocol, port range and source),
//! so a change is applied as the exact authorize/revoke delta instead of recreating the group.

use crate::context::Clients;
use crate::error::sdk;
use aws_sdk_ec2::types::{IpPermission, IpRange, Ipv6Range, PrefixListId, UserIdGroupPair};
use provision_core::{AttributeSchema, BlockSchema, Nesting, ProviderError, Schema, Type, Value};
use std::collections::{BTreeMap, BTreeSet};

use super::string_set;
use crate::validate;

/// Inbound or outbound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Ingress,
    Egress,
}

/// Where traffic comes from (ingress) or goes to (egress).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Source {
    Cidr(String),
    Ipv6(String),
    PrefixList(String),
    Group(String),
}

/// One protocol, port range and source: the unit AWS authorizes and revokes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Atom {
    pub protocol: String,
    pub from: i32,
    pub to: i32,
    pub source: Source,
    pub description: Option<String>,
}

impl Atom {
    /// The atom without its description: what AWS matches a revoke on.
    pub fn key(&self) -> (String, i32, i32, Source) {
        (self.protocol.clone(), self.from, self.to, self.source.clone())
    }
}

/// The one spelling AWS reports for a protocol: `-1` for all, names for tcp/udp/icmp/icmpv6.
pub(crate) fn canonical_protocol(p: &str) -> String {
    match p.to_ascii_lowercase().as_str() {
        "all" | "-1" => "-1".into(),
        "6" | "tcp" => "tcp".into(),
        "17" | "udp" => "udp".into(),
        "1" | "icmp" => "icmp".into(),
        "58" | "icmpv6" => "icmpv6".into(),
        other => other.to_string(),
    }
}

/// Schema normalizer for protocol attributes.
pub(crate) fn normalize_protocol(v: &Value) -> Value {
    match v.as_str() {
        Some(p) => Value::String(canonical_protocol(p)),
        None => v.clone(),
    }
}

/// All protocols carry no ports: AWS ignores them and reports none; provision reports 0.
fn ports(protocol: &str, from: Option<i32>, to: Option<i32>) -> (i32, i32) {
    if protocol == "-1" { (0, 0) } else { (from.unwrap_or(0), to.unwrap_or(0)) }
}

fn nonempty(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_string)
}

/// The atoms of the permissions AWS reports.
pub(crate) fn atoms_of_permissions(perms: &[IpPermission]) -> Vec<Atom> {
    let mut out = vec![];
    for p in perms {
        let protocol = canonical_protocol(p.ip_protocol().unwrap_or("-1"));
        let (from, to) = ports(&protocol, p.from_port(), p.to_port());
        let atom = |source, description: Option<&str>| Atom {
            protocol: protocol.clone(),
            from,
            to,
            source,
            description: nonempty(description),
        };
        for r in p.ip_ranges() {
            out.push(atom(Source::Cidr(r.cidr_ip().unwrap_or_default().into()), r.description()));
        }
        for r in p.ipv6_ranges() {
            out.push(atom(Source::Ipv6(r.cidr_ipv6().unwrap_or_default().into()), r.description()));
        }
        for r in p.prefix_list_ids() {
            out.push(atom(Source::PrefixList(r.prefix_list_id().unwrap_or_default().into()), r.description()));
        }
        for r in p.user_id_group_pairs() {
            out.push(atom(Source::Group(r.group_id().unwrap_or_default().into()), r.description()));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// One permission per atom, for authorize and revoke calls.
pub(crate) fn permission(a: &Atom) -> IpPermission {
    let mut p = IpPermission::builder().ip_protocol(a.protocol.clone());
    if a.protocol != "-1" {
        p = p.from_port(a.from).to_port(a.to);
    }
    let d = a.description.clone();
    p = match &a.source {
        Source::Cidr(c) => p.ip_ranges(IpRange::builder().cidr_ip(c).set_description(d).build()),
        Source::Ipv6(c) => p.ipv6_ranges(Ipv6Range::builder().cidr_ipv6(c).set_description(d).build()),
        Source::PrefixList(id) => {
            p.prefix_list_ids(PrefixListId::builder().prefix_list_id(id).set_description(d).build())
        }
        Source::Group(g) => p.user_id_group_pairs(UserIdGroupPair::builder().group_id(g).set_description(d).build()),
    };
    p.build()
}

/// The schema shared by `ingress` and `egress` blocks.
pub(crate) fn block(name: &'static str, description: &'static str) -> BlockSchema {
    let rule = Schema::new("One rule.")
        .attr(
            AttributeSchema::required("from_port", Type::Number)
                .validate(validate::port)
                .describe("Start of the port range; the ICMP type for `icmp`; `0` for all protocols. 0 to 65535, or -1 (checked at plan time)."),
        )
        .attr(
            AttributeSchema::required("to_port", Type::Number)
                .validate(validate::port)
                .describe("End of the port range; the ICMP code for `icmp`; `0` for all protocols. 0 to 65535, or -1 (checked at plan time)."),
        )
        .attr(
            AttributeSchema::required("protocol", Type::String)
                .validate(validate::protocol)
                .normalize(normalize_protocol)
                .describe("`tcp`, `udp`, `icmp`, `icmpv6`, `-1` (or `all`) for every protocol, or a protocol number 0–255 (checked at plan time)."),
        )
        .attr(
            AttributeSchema::optional("cidr_blocks", Type::set(Type::String))
                .validate(validate::ipv4_cidrs)
                .describe("IPv4 ranges; each a valid CIDR block with host bits zero (checked at plan time)."),
        )
        .attr(
            AttributeSchema::optional("ipv6_cidr_blocks", Type::set(Type::String))
                .validate(validate::ipv6_cidrs)
                .describe("IPv6 ranges (checked at plan time)."),
        )
        .attr(AttributeSchema::optional("prefix_list_ids", Type::set(Type::String)).describe("Managed prefix lists."))
        .attr(
            AttributeSchema::optional("security_groups", Type::set(Type::String))
                .describe("Other security groups, by id."),
        )
        .attr(AttributeSchema::optional("self", Type::Bool).default(false).describe("The group itself as a source (ingress) or destination (egress)."))
        .attr(AttributeSchema::optional("description", Type::String).describe("A description of the rule."));
    BlockSchema::new(name, Nesting::Set, rule, description).unmanaged_when_absent()
}

/// The atoms of configured blocks (`self` is the group `own`).
pub(crate) fn atoms_of_blocks(v: &Value, own: &str) -> Vec<Atom> {
    let mut out = vec![];
    for item in v.as_seq().unwrap_or_default() {
        let Some(m) = item.as_map() else { continue };
        let text = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
        let list = |k: &str| -> Vec<String> {
            m.get(k)
                .and_then(Value::as_seq)
                .map(|xs| xs.iter().filter_map(Value::as_str).map(str::to_string).collect())
                .unwrap_or_default()
        };
        let num = |k: &str| m.get(k).and_then(Value::as_number).map(|n| n as i32);
        let protocol = canonical_protocol(&text("protocol").unwrap_or_else(|| "-1".into()));
        let (from, to) = ports(&protocol, num("from_port"), num("to_port"));
        let description = nonempty(text("description").as_deref());
        let mut sources: Vec<Source> = list("cidr_blocks").into_iter().map(Source::Cidr).collect();
        sources.extend(list("ipv6_cidr_blocks").into_iter().map(Source::Ipv6));
        sources.extend(list("prefix_list_ids").into_iter().map(Source::PrefixList));
        sources.extend(list("security_groups").into_iter().map(Source::Group));
        if m.get("self").and_then(Value::as_bool) == Some(true) {
            sources.push(Source::Group(own.to_string()));
        }
        for source in sources {
            out.push(Atom { protocol: protocol.clone(), from, to, source, description: description.clone() });
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Atoms as blocks, one per protocol, port range and description (the group itself as `self`).
pub(crate) fn blocks_of_atoms(atoms: &[Atom], own: &str) -> Value {
    type Key = (String, i32, i32, Option<String>);
    let mut groups: BTreeMap<Key, Vec<&Source>> = BTreeMap::new();
    for a in atoms {
        groups.entry((a.protocol.clone(), a.from, a.to, a.description.clone())).or_default().push(&a.source);
    }
    let items = groups
        .into_iter()
        .map(|((protocol, from, to, description), sources)| {
            let pick = |f: fn(&Source) -> Option<&String>| string_set(sources.iter().filter_map(|s| f(s)).cloned());
            let is_self = sources.iter().any(|s| matches!(s, Source::Group(g) if g == own));
            let mut m = BTreeMap::new();
            m.insert("from_port".to_string(), Value::Number(f64::from(from)));
            m.insert("to_port".to_string(), Value::Number(f64::from(to)));
            m.insert("protocol".to_string(), Value::String(protocol));
            m.insert("cidr_blocks".to_string(), pick(|s| if let Source::Cidr(c) = s { Some(c) } else { None }));
            m.insert("ipv6_cidr_blocks".to_string(), pick(|s| if let Source::Ipv6(c) = s { Some(c) } else { None }));
            m.insert(
                "prefix_list_ids".to_string(),
                pick(|s| if let Source::PrefixList(c) = s { Some(c) } else { None }),
            );
            let groups: BTreeSet<String> = sources
                .iter()
                .filter_map(|s| match s {
                    Source::Group(g) if g != own => Some(g.clone()),
                    _ => None,
                })
                .collect();
            m.insert("security_groups".to_string(), string_set(groups));
            m.insert("self".to_string(), Value::Bool(is_self));
            m.insert("description".to_string(), description.map_or(Value::Null, Value::String));
            Value::Map(m)
        })
        .collect();
    Value::set(items)
}

async fn call(
    c: &Clients,
    group: &str,
    dir: Direction,
    grant: bool,
    perms: Vec<IpPermission>,
) -> Result<(), ProviderError> {
    let perms = Some(perms);
    match (dir, grant) {
        (Direction::Ingress, true) => c
            .ec2
            .authorize_security_group_ingress()
            .group_id(group)
            .set_ip_permissions(perms)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| sdk("AuthorizeSecurityGroupIngress", e)),
        (Direction::Egress, true) => c
            .ec2
            .authorize_security_group_egress()
            .group_id(group)
            .set_ip_permissions(perms)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| sdk("AuthorizeSecurityGroupEgress", e)),
        (Direction::Ingress, false) => c
            .ec2
            .revoke_security_group_ingress()
            .group_id(group)
            .set_ip_permissions(perms)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| sdk("RevokeSecurityGroupIngress", e)),
        (Direction::Egress, false) => c
            .ec2
            .revoke_security_group_egress()
            .group_id(group)
            .set_ip_permissions(perms)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| sdk("RevokeSecurityGroupEgress", e)),
    }
}

/// Authorizes (`grant`) or revokes atoms in one call. When AWS refuses the batch because one atom
/// already exists (authorize) or is already gone (revoke), the atoms are sent one by one and those
/// refusals ignored: the outcome is what was asked for either way.
pub(crate) async fn apply(
    c: &Clients,
    group: &str,
    dir: Direction,
    grant: bool,
    atoms: &[Atom],
) -> Result<(), ProviderError> {
    if atoms.is_empty() {
        return Ok(());
    }
    let harmless = |e: &ProviderError| {
        if grant { e.code.as_deref() == Some("InvalidPermission.Duplicate") } else { e.is_not_found() }
    };
    match call(c, group, dir, grant, atoms.iter().map(permission).collect()).await {
        Ok(()) => Ok(()),
        Err(e) if harmless(&e) && atoms.len() > 1 => {
            for a in atoms {
                match call(c, group, dir, grant, vec![permission(a)]).await {
                    Err(e) if !harmless(&e) => return Err(e),
                    _ => {}
                }
            }
            Ok(())
        }
        Err(e) if harmless(&e) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Brings a group's rules in one direction from `old` to `new`: revokes what went away (or
/// changed description), then authorizes what is new.
pub(crate) async fn sync(
    c: &Clients,
    group: &str,
    dir: Direction,
    old: &[Atom],
    new: &[Atom],
) -> Result<(), ProviderError> {
    let revoke: Vec<Atom> = old.iter().filter(|a| !new.contains(a)).cloned().collect();
    let grant: Vec<Atom> = new.iter().filter(|a| !old.contains(a)).cloned().collect();
    apply(c, group, dir, false, &revoke).await?;
    apply(c, group, dir, true, &grant).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(pairs: &[(&str, Value)]) -> Value {
        Value::Map(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    #[test]
    fn blocks_round_trip_through_atoms() {
        let cfg = Value::set(vec![item(&[
            ("from_port", Value::Number(443.0)),
            ("to_port", Value::Number(443.0)),
            ("protocol", "TCP".into()),
            ("cidr_blocks", Value::List(vec!["10.0.0.0/8".into(), "0.0.0.0/0".into()])),
            ("security_groups", Value::List(vec!["sg-other".into()])),
            ("self", Value::Bool(true)),
            ("description", "https".into()),
        ])]);
        let atoms = atoms_of_blocks(&cfg, "sg-own");
        assert_eq!(atoms.len(), 4);
        assert!(atoms.iter().all(|a| a.protocol == "tcp"));
        let back = blocks_of_atoms(&atoms, "sg-own");
        let items = back.as_seq().unwrap_or_default();
        assert_eq!(items.len(), 1);
        let m = items[0].as_map().cloned().unwrap_or_default();
        assert_eq!(m["self"], Value::Bool(true));
        assert_eq!(m["security_groups"], string_set(["sg-other"]));
        assert_eq!(m["cidr_blocks"], string_set(["0.0.0.0/0", "10.0.0.0/8"]));
    }

    #[test]
    fn all_protocols_have_no_ports() {
        let cfg = Value::set(vec![item(&[
            ("from_port", Value::Number(0.0)),
            ("to_port", Value::Number(0.0)),
            ("protocol", "all".into()),
            ("cidr_blocks", Value::List(vec!["0.0.0.0/0".into()])),
        ])]);
        let atoms = atoms_of_blocks(&cfg, "sg-own");
        assert_eq!((atoms[0].protocol.as_str(), atoms[0].from, atoms[0].to), ("-1", 0, 0));
        let p = permission(&atoms[0]);
        assert_eq!((p.from_port(), p.to_port()), (None, None));
        assert_eq!(atoms_of_permissions(&[p]), atoms);
    }
}
