//! Checks of configuration values that are not particular to one service (CIDR blocks, IP
//! protocols, ports, one of a list), run at plan time so a typo fails the plan with the file and
//! line instead of failing an apply halfway. Service-specific checks live in the service crates.

use provision_core::Value;
use std::net::Ipv4Addr;

/// An IPv4 network address (no host bits set) with a prefix length from `min` to `max`.
pub fn ipv4_network(v: &Value, min: u8, max: u8) -> Result<(), String> {
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

/// Any IPv4 CIDR block (a route's destination, a rule's source): /0 to /32.
pub fn ipv4_cidr(v: &Value) -> Result<(), String> {
    ipv4_network(v, 0, 32)
}

/// Every element of a set of IPv4 CIDR blocks.
pub fn ipv4_cidrs(v: &Value) -> Result<(), String> {
    for item in v.as_seq().unwrap_or_default() {
        ipv4_cidr(item)?;
    }
    Ok(())
}

/// An IPv6 CIDR block such as `::/0` or `2001:db8::/56`.
pub fn ipv6_cidr(v: &Value) -> Result<(), String> {
    let Some(s) = v.as_str() else { return Ok(()) };
    let bad = || format!("\"{s}\" is not an IPv6 CIDR block such as ::/0");
    let (addr, len) = s.split_once('/').ok_or_else(bad)?;
    addr.parse::<std::net::Ipv6Addr>().map_err(|_| bad())?;
    match len.parse::<u8>() {
        Ok(l) if l <= 128 => Ok(()),
        _ => Err(bad()),
    }
}

pub fn ipv6_cidrs(v: &Value) -> Result<(), String> {
    for item in v.as_seq().unwrap_or_default() {
        ipv6_cidr(item)?;
    }
    Ok(())
}

pub fn one_of(v: &Value, allowed: &[&str], what: &str) -> Result<(), String> {
    match v.as_str() {
        None => Ok(()),
        Some(s) if allowed.contains(&s) => Ok(()),
        Some(s) => Err(format!("\"{s}\" is not a valid {what}; use one of: {}", allowed.join(", "))),
    }
}

/// An IP protocol: a name (`tcp`, `udp`, `icmp`, `icmpv6`), `-1`/`all`, or a number 0–255.
pub fn protocol(v: &Value) -> Result<(), String> {
    let Some(s) = v.as_str() else { return Ok(()) };
    let ok = matches!(s.to_ascii_lowercase().as_str(), "tcp" | "udp" | "icmp" | "icmpv6" | "-1" | "all")
        || s.parse::<u8>().is_ok();
    if ok {
        Ok(())
    } else {
        Err(format!("\"{s}\" is not an IP protocol; use tcp, udp, icmp, icmpv6, -1 (all) or a protocol number"))
    }
}

/// A port number, or -1 (all ICMP types).
pub fn port(v: &Value) -> Result<(), String> {
    match v.as_number() {
        None => Ok(()),
        Some(n) if n.fract() == 0.0 && (-1.0..=65535.0).contains(&n) => Ok(()),
        Some(n) => Err(format!("{} is not a port number (0 to 65535, or -1)", provision_core::value::format_number(n))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs() {
        assert!(ipv4_cidr(&"0.0.0.0/0".into()).is_ok());
        assert!(ipv4_network(&"10.0.0.0/8".into(), 16, 28).expect_err("too wide").contains("/16 to /28"));
        assert!(ipv4_cidrs(&Value::List(vec!["10.0.0.0/8".into(), "10.0.0.1/8".into()])).is_err());
        assert!(ipv6_cidr(&"::/0".into()).is_ok());
        assert!(ipv6_cidr(&"2001:db8::/129".into()).is_err());
    }

    #[test]
    fn protocols_and_ports() {
        assert!(protocol(&"tcp".into()).is_ok() && protocol(&"-1".into()).is_ok() && protocol(&"50".into()).is_ok());
        assert!(protocol(&"tpc".into()).is_err());
        assert!(port(&Value::Number(443.0)).is_ok() && port(&Value::Number(-1.0)).is_ok());
        assert!(port(&Value::Number(65536.0)).is_err());
        assert!(one_of(&"b".into(), &["a", "b"], "letter").is_ok());
        assert_eq!(
            one_of(&"c".into(), &["a", "b"], "letter").expect_err("not one"),
            "\"c\" is not a valid letter; use one of: a, b"
        );
    }
}
