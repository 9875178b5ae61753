//! Checks of configuration values done before any AWS call, so a typo fails the plan with the
//! file and line instead of failing an apply halfway. The checks that are not particular to EC2
//! (CIDR blocks, protocols, ports) come from `provision-aws-core`.

pub(crate) use provision_aws_core::validate::{
    ipv4_cidr, ipv4_cidrs, ipv4_network, ipv6_cidr, ipv6_cidrs, one_of, port, protocol,
};
use provision_core::Value;

/// A VPC's primary CIDR block: /16 to /28.
pub(crate) fn vpc_cidr(v: &Value) -> Result<(), String> {
    ipv4_network(v, 16, 28)
}

/// A subnet's CIDR block: /16 to /28.
pub(crate) fn subnet_cidr(v: &Value) -> Result<(), String> {
    ipv4_network(v, 16, 28)
}

pub(crate) fn eip_domain(v: &Value) -> Result<(), String> {
    one_of(v, &["vpc", "standard"], "domain")
}

pub(crate) fn connectivity_type(v: &Value) -> Result<(), String> {
    one_of(v, &["public", "private"], "connectivity type")
}

pub(crate) fn rule_type(v: &Value) -> Result<(), String> {
    one_of(v, &["ingress", "egress"], "rule type")
}

pub(crate) fn az_state(v: &Value) -> Result<(), String> {
    one_of(v, &["available", "information", "impaired", "unavailable"], "availability zone state")
}

pub(crate) fn tenancy(v: &Value) -> Result<(), String> {
    match v.as_str() {
        None | Some("default" | "dedicated") => Ok(()),
        Some(other) => Err(format!("\"{other}\" is not a tenancy; use \"default\" or \"dedicated\"")),
    }
}

/// Checks of arguments together, run when planning (see `Schema::check`). A value not known yet
/// counts as set.
pub(crate) mod object {
    use provision_core::{Attrs, Value};

    fn set(a: &Attrs, k: &str) -> bool {
        match a.get(k) {
            None | Some(Value::Null) => false,
            Some(Value::List(v) | Value::Set(v)) => !v.is_empty(),
            Some(_) => true,
        }
    }

    fn text<'a>(a: &'a Attrs, k: &str) -> Option<&'a str> {
        a.get(k).and_then(Value::as_str)
    }

    fn all_protocols(p: Option<&str>) -> bool {
        matches!(p.map(str::to_ascii_lowercase).as_deref(), Some("-1" | "all"))
    }

    fn nonzero(a: &Attrs, k: &str) -> bool {
        a.get(k).and_then(Value::as_number).is_some_and(|n| n != 0.0)
    }

    fn exactly_one(a: &Attrs, names: &[&str], what: &str) -> Result<(), String> {
        let n = names.iter().filter(|k| set(a, k)).count();
        if n == 1 {
            return Ok(());
        }
        let list: Vec<String> = names.iter().map(|k| format!("`{k}`")).collect();
        Err(format!("{what}: set exactly one of {} ({n} set)", list.join(", ")))
    }

    pub(crate) fn eip(a: &Attrs) -> Result<(), String> {
        match (text(a, "domain"), a.get("vpc").and_then(Value::as_bool)) {
            (Some("standard"), Some(true)) | (Some("vpc"), Some(false)) => {
                Err("`domain` and the deprecated `vpc` disagree; remove `vpc`".into())
            }
            _ => Ok(()),
        }
    }

    pub(crate) fn subnet(a: &Attrs) -> Result<(), String> {
        if set(a, "availability_zone") && set(a, "availability_zone_id") {
            return Err(
                "set `availability_zone` or `availability_zone_id`, not both: they name the same zone two ways, and the other is read back".into(),
            );
        }
        Ok(())
    }

    pub(crate) fn nat_gateway(a: &Attrs) -> Result<(), String> {
        let public = text(a, "connectivity_type").is_none_or(|t| t == "public");
        if public && !set(a, "allocation_id") {
            return Err(
                "a public NAT gateway needs `allocation_id` (an aws_eip's id); set connectivity_type = \"private\" for one without".into(),
            );
        }
        if !public && set(a, "allocation_id") {
            return Err("a private NAT gateway takes no `allocation_id`".into());
        }
        Ok(())
    }

    pub(crate) fn route(a: &Attrs) -> Result<(), String> {
        exactly_one(a, &["destination_cidr_block", "destination_ipv6_cidr_block"], "destination")?;
        exactly_one(a, &["gateway_id", "nat_gateway_id"], "target")
    }

    pub(crate) fn route_table(a: &Attrs) -> Result<(), String> {
        for item in a.get("route").and_then(Value::as_seq).unwrap_or_default() {
            let Some(m) = item.as_map() else { continue };
            exactly_one(m, &["cidr_block", "ipv6_cidr_block"], "each route's destination")?;
            exactly_one(m, &["gateway_id", "nat_gateway_id"], "each route's target")?;
        }
        Ok(())
    }

    /// For TCP and UDP, `from_port` and `to_port` are a range (for ICMP they are a type and a
    /// code, in either order).
    fn port_range(a: &Attrs, protocol: &str) -> Result<(), String> {
        let ranged = matches!(protocol.to_ascii_lowercase().as_str(), "tcp" | "udp" | "6" | "17");
        let port = |k: &str| a.get(k).and_then(Value::as_number);
        match (port("from_port"), port("to_port")) {
            (Some(from), Some(to)) if ranged && from > to => Err(format!(
                "the port range is empty: from_port ({}) is greater than to_port ({}); swap them",
                provision_core::value::format_number(from),
                provision_core::value::format_number(to)
            )),
            _ => Ok(()),
        }
    }

    fn rule_blocks_ports(a: &Attrs, block: &str) -> Result<(), String> {
        for item in a.get(block).and_then(Value::as_seq).unwrap_or_default() {
            let Some(m) = item.as_map() else { continue };
            if all_protocols(text(m, "protocol")) && (nonzero(m, "from_port") || nonzero(m, "to_port")) {
                return Err(format!(
                    "an {block} rule with protocol \"-1\" (all) covers every port: write from_port = 0 and to_port = 0"
                ));
            }
            port_range(m, text(m, "protocol").unwrap_or_default()).map_err(|e| format!("an {block} rule: {e}"))?;
        }
        Ok(())
    }

    pub(crate) fn security_group(a: &Attrs) -> Result<(), String> {
        if set(a, "name") && set(a, "name_prefix") {
            return Err("set `name` or `name_prefix`, not both".into());
        }
        rule_blocks_ports(a, "ingress")?;
        rule_blocks_ports(a, "egress")
    }

    pub(crate) fn security_group_rule(a: &Attrs) -> Result<(), String> {
        let sources = ["cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids", "source_security_group_id"];
        let is_self = a.get("self").and_then(Value::as_bool) == Some(true);
        if !is_self && !sources.iter().any(|k| set(a, k)) {
            return Err(
                "a rule needs a source: `cidr_blocks`, `ipv6_cidr_blocks`, `prefix_list_ids`, `source_security_group_id` or `self = true`"
                    .into(),
            );
        }
        if set(a, "source_security_group_id") && (is_self || set(a, "cidr_blocks") || set(a, "ipv6_cidr_blocks")) {
            return Err(
                "`source_security_group_id` cannot be combined with `cidr_blocks`, `ipv6_cidr_blocks` or `self`".into(),
            );
        }
        if all_protocols(text(a, "protocol")) && (nonzero(a, "from_port") || nonzero(a, "to_port")) {
            return Err(
                "a rule with protocol \"-1\" (all) covers every port: write from_port = 0 and to_port = 0".into()
            );
        }
        port_range(a, text(a, "protocol").unwrap_or_default())
    }

    pub(crate) fn vpc_security_group_rule(a: &Attrs) -> Result<(), String> {
        exactly_one(a, &["cidr_ipv4", "cidr_ipv6", "prefix_list_id", "referenced_security_group_id"], "source")?;
        if all_protocols(text(a, "ip_protocol")) && (set(a, "from_port") || set(a, "to_port")) {
            return Err(
                "with ip_protocol = \"-1\" (all) every port is covered: leave `from_port` and `to_port` unset".into()
            );
        }
        port_range(a, text(a, "ip_protocol").unwrap_or_default())
    }
}

/// Checks of objects of one type together and against what they refer to, run when planning and
/// validating (see `Schema::relations`). Only values already known are compared.
pub(crate) mod relations {
    use ipnet::Ipv4Net;
    use provision_core::schema::{Related, RelationProblem};
    use provision_core::{Mode, Value};
    use std::collections::{BTreeMap, BTreeSet};

    fn net(v: Option<&Value>) -> Option<Ipv4Net> {
        v.and_then(Value::as_str).and_then(|s| s.parse().ok())
    }

    /// Subnets: each inside its VPC's CIDR block (when the VPC is one of this configuration's),
    /// and no two subnets of one VPC overlapping. The VPC is known from `vpc_id`: the object it
    /// refers to, or the id itself.
    pub(crate) fn subnets(objects: &[Related<'_>]) -> Vec<RelationProblem> {
        let mut problems = vec![];
        let mut by_vpc: BTreeMap<String, Vec<(Ipv4Net, usize)>> = BTreeMap::new();
        for (i, o) in objects.iter().enumerate() {
            let Some(cidr) = net(o.attrs.get("cidr_block")) else { continue };
            let vpc = o.refers_to.get("vpc_id");
            if let Some((address, attrs)) = vpc
                && address.mode == Mode::Managed
                && let Some(outer) = net(attrs.get("cidr_block"))
                && !outer.contains(&cidr)
            {
                problems.push((
                    i,
                    "cidr_block",
                    format!("{cidr} is not inside the CIDR block of {address} ({outer}); a subnet's range must lie within its VPC's"),
                ));
                continue;
            }
            let key = match (vpc, o.attrs.get("vpc_id").and_then(Value::as_str)) {
                (Some((address, _)), _) => address.to_string(),
                (None, Some(id)) => id.to_string(),
                (None, None) => continue,
            };
            by_vpc.entry(key).or_default().push((cidr, i));
        }
        let mut reported = BTreeSet::new();
        for subnets in by_vpc.values_mut() {
            // Sorted by first address, a subnet overlaps an earlier one exactly when it starts
            // before the furthest end seen so far.
            subnets.sort_by_key(|(n, i)| (n.network(), n.prefix_len(), *i));
            let mut widest: Option<(Ipv4Net, usize)> = None;
            for &(n, i) in subnets.iter() {
                let Some((w, j)) = widest else {
                    widest = Some((n, i));
                    continue;
                };
                if n.network() <= w.broadcast() {
                    // Reported on whichever comes later in the configuration, naming the other.
                    let ((at, mine), (other, theirs)) = if i > j { ((i, n), (j, w)) } else { ((j, w), (i, n)) };
                    if reported.insert(at) {
                        problems.push((
                            at,
                            "cidr_block",
                            format!(
                                "{mine} overlaps {} ({theirs}) in the same VPC; subnets of one VPC cannot share addresses",
                                objects[other].address
                            ),
                        ));
                    }
                }
                if n.broadcast() > w.broadcast() {
                    widest = Some((n, i));
                }
            }
        }
        problems.sort();
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs() {
        assert!(vpc_cidr(&"10.0.0.0/16".into()).is_ok());
        assert_eq!(
            vpc_cidr(&"10.0.0.1/16".into()).expect_err("invalid"),
            "\"10.0.0.1/16\" is not a network address: the host bits are set; did you mean \"10.0.0.0/16\"?"
        );
        assert!(vpc_cidr(&"10.0.0.0/8".into()).expect_err("invalid").contains("/16 to /28"));
        assert!(subnet_cidr(&"10.0.300.0/24".into()).is_err());
        assert!(subnet_cidr(&"banana".into()).is_err());
        assert!(tenancy(&"host".into()).is_err());
    }

    #[test]
    fn port_ranges_run_upwards_except_for_icmp() {
        let rule = |protocol: &str, from: f64, to: f64| -> provision_core::Attrs {
            [
                ("protocol".to_string(), Value::from(protocol)),
                ("from_port".to_string(), Value::Number(from)),
                ("to_port".to_string(), Value::Number(to)),
                ("cidr_blocks".to_string(), Value::List(vec!["0.0.0.0/0".into()])),
            ]
            .into()
        };
        assert!(object::security_group_rule(&rule("tcp", 443.0, 80.0)).is_err());
        assert!(object::security_group_rule(&rule("17", 53.0, 52.0)).is_err());
        assert!(object::security_group_rule(&rule("tcp", 80.0, 443.0)).is_ok());
        assert!(object::security_group_rule(&rule("icmp", 8.0, 0.0)).is_ok());
    }

    #[test]
    fn subnets_inside_their_vpc_and_apart() {
        use provision_core::schema::Related;
        use provision_core::{Address, Attrs};
        let vpc = Address::managed("aws_vpc", "main");
        let vpc_attrs: Attrs = [("cidr_block".to_string(), Value::from("10.0.0.0/16"))].into();
        let addresses: Vec<Address> = (0..4).map(|i| Address::managed("aws_subnet", format!("s{i}"))).collect();
        let attrs: Vec<Attrs> = ["10.0.1.0/24", "10.1.0.0/24", "10.0.1.128/25", "10.0.2.0/24"]
            .iter()
            .map(|c| [("cidr_block".to_string(), Value::from(*c)), ("vpc_id".to_string(), Value::Unknown)].into())
            .collect();
        let objects: Vec<Related> = addresses
            .iter()
            .zip(&attrs)
            .map(|(address, attrs)| Related { address, attrs, refers_to: [("vpc_id", (&vpc, &vpc_attrs))].into() })
            .collect();
        let problems = relations::subnets(&objects);
        let at: Vec<usize> = problems.iter().map(|(i, _, _)| *i).collect();
        assert_eq!(at, vec![1, 2], "{problems:?}");
        assert!(problems[0].2.contains("not inside"), "{problems:?}");
        assert!(problems[1].2.contains("overlaps aws_subnet.s0 (10.0.1.0/24)"), "{problems:?}");
    }

    #[test]
    fn a_subnet_names_its_zone_one_way() {
        use provision_core::Attrs;
        let zone =
            |pairs: &[(&str, Value)]| -> Attrs { pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect() };
        assert!(object::subnet(&zone(&[("availability_zone", "eu-west-1a".into())])).is_ok());
        assert!(object::subnet(&zone(&[("availability_zone_id", "euw1-az1".into())])).is_ok());
        assert!(
            object::subnet(&zone(&[("availability_zone", Value::Null), ("availability_zone_id", "euw1-az1".into())]))
                .is_ok()
        );
        let both = object::subnet(&zone(&[
            ("availability_zone", "eu-west-1a".into()),
            ("availability_zone_id", Value::Unknown),
        ]));
        assert!(both.is_err_and(|m| m.contains("not both")));
    }
}
