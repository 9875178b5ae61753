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

    fn rule_blocks_ports(a: &Attrs, block: &str) -> Result<(), String> {
        for item in a.get(block).and_then(Value::as_seq).unwrap_or_default() {
            let Some(m) = item.as_map() else { continue };
            if all_protocols(text(m, "protocol")) && (nonzero(m, "from_port") || nonzero(m, "to_port")) {
                return Err(format!(
                    "an {block} rule with protocol \"-1\" (all) covers every port: write from_port = 0 and to_port = 0"
                ));
            }
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
        Ok(())
    }

    pub(crate) fn vpc_security_group_rule(a: &Attrs) -> Result<(), String> {
        exactly_one(a, &["cidr_ipv4", "cidr_ipv6", "prefix_list_id", "referenced_security_group_id"], "source")?;
        if all_protocols(text(a, "ip_protocol")) && (set(a, "from_port") || set(a, "to_port")) {
            return Err(
                "with ip_protocol = \"-1\" (all) every port is covered: leave `from_port` and `to_port` unset".into()
            );
        }
        Ok(())
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
}
