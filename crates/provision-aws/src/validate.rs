//! Checks of configuration values done before any AWS call, so a typo fails the plan with the
//! file and line instead of failing an apply halfway.

use provision_core::Value;
use std::net::Ipv4Addr;

fn ipv4_network(v: &Value, min: u8, max: u8) -> Result<(), String> {
    let Some(s) = v.as_str() else { return Ok(()) };
    let (addr, len) = s.split_once('/').ok_or_else(|| format!("\"{s}\" is not a CIDR block such as 10.0.0.0/16"))?;
    let addr: Ipv4Addr = addr.parse().map_err(|_| format!("\"{s}\" is not an IPv4 CIDR block such as 10.0.0.0/16"))?;
    let len: u8 = len.parse().map_err(|_| format!("\"{s}\" has an invalid prefix length"))?;
    if len > 32 {
        return Err(format!("\"{s}\" has a prefix length over 32"));
    }
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    let network = Ipv4Addr::from(u32::from(addr) & mask);
    if network != addr {
        return Err(format!(
            "\"{s}\" is not a network address: the host bits are set; did you mean \"{network}/{len}\"?"
        ));
    }
    if !(min..=max).contains(&len) {
        return Err(format!("\"{s}\": AWS allows prefix lengths from /{min} to /{max} here"));
    }
    Ok(())
}

/// A VPC's primary CIDR block: /16 to /28.
pub(crate) fn vpc_cidr(v: &Value) -> Result<(), String> {
    ipv4_network(v, 16, 28)
}

/// A subnet's CIDR block: /16 to /28.
pub(crate) fn subnet_cidr(v: &Value) -> Result<(), String> {
    ipv4_network(v, 16, 28)
}

pub(crate) fn tenancy(v: &Value) -> Result<(), String> {
    match v.as_str() {
        None | Some("default" | "dedicated") => Ok(()),
        Some(other) => Err(format!("\"{other}\" is not a tenancy; use \"default\" or \"dedicated\"")),
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
