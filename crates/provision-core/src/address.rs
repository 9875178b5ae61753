//! Resource addresses (`aws_subnet.public[1]`, `data.aws_region.current`,
//! `module.network.aws_subnet.private[0]`) and provider references (`aws`, `aws.us_east_1`): how a
//! resource instance is named in plans, state, messages and tags, and which provider configuration
//! (and so which region) it belongs to.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Whether an address names a managed resource or a data source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Managed,
    Data,
}

/// The key of one instance of a resource with `count` (an index) or `for_each` (a string).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InstanceKey {
    Index(u64),
    Key(String),
}

impl fmt::Display for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceKey::Index(i) => write!(f, "[{i}]"),
            InstanceKey::Key(k) => write!(f, "[{}]", serde_json::Value::String(k.clone())),
        }
    }
}

/// One step of a module path: `module.NAME` or `module.NAME[KEY]` for a module call with `count` or
/// `for_each`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModuleStep {
    pub name: String,
    pub key: Option<InstanceKey>,
}

impl fmt::Display for ModuleStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "module.{}", self.name)?;
        if let Some(key) = &self.key {
            write!(f, "{key}")?;
        }
        Ok(())
    }
}

/// The address of one resource instance, or of a whole resource when `key` is `None` and the
/// resource has neither `count` nor `for_each`. `module` is empty for the root module.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Address {
    pub module: Vec<ModuleStep>,
    pub mode: Mode,
    pub type_name: String,
    pub name: String,
    pub key: Option<InstanceKey>,
}

impl Address {
    pub fn managed(type_name: impl Into<String>, name: impl Into<String>) -> Self {
        Address { module: vec![], mode: Mode::Managed, type_name: type_name.into(), name: name.into(), key: None }
    }

    pub fn data(type_name: impl Into<String>, name: impl Into<String>) -> Self {
        Address { module: vec![], mode: Mode::Data, type_name: type_name.into(), name: name.into(), key: None }
    }

    pub fn with_key(mut self, key: Option<InstanceKey>) -> Self {
        self.key = key;
        self
    }

    /// The address of the resource block this instance comes from (`aws_subnet.public`).
    pub fn resource(&self) -> Address {
        Address { key: None, ..self.clone() }
    }

    /// The same address inside a module instance.
    pub fn in_module(mut self, module: Vec<ModuleStep>) -> Self {
        self.module = module;
        self
    }

    /// True when both addresses come from the same resource block.
    pub fn same_resource(&self, other: &Address) -> bool {
        self.module == other.module
            && self.mode == other.mode
            && self.type_name == other.type_name
            && self.name == other.name
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for step in &self.module {
            write!(f, "{step}.")?;
        }
        if self.mode == Mode::Data {
            f.write_str("data.")?;
        }
        write!(f, "{}.{}", self.type_name, self.name)?;
        if let Some(key) = &self.key {
            write!(f, "{key}")?;
        }
        Ok(())
    }
}

/// Why a string is not a resource address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{input}` is not a resource address: {reason} (expected TYPE.NAME, TYPE.NAME[0] or TYPE.NAME[\"key\"], optionally prefixed by `data.` and by module steps such as `module.network.` or `module.svc[\"api\"].`)"
)]
pub struct AddressParseError {
    pub input: String,
    pub reason: &'static str,
}

impl FromStr for Address {
    type Err = AddressParseError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let err = |reason| AddressParseError { input: input.to_string(), reason };
        let mut rest = input;
        let mut module = vec![];
        while let Some(after) = rest.strip_prefix("module.") {
            let (name, tail) = split_name(after);
            if !valid_name(name) {
                return Err(err("a module name may hold letters, digits, `_` and `-`"));
            }
            let (key, tail) = split_key(tail).map_err(err)?;
            rest = tail.strip_prefix('.').ok_or_else(|| err("missing `.` after the module step"))?;
            module.push(ModuleStep { name: name.to_string(), key });
        }
        let (mode, rest) = match rest.strip_prefix("data.") {
            Some(rest) => (Mode::Data, rest),
            None => (Mode::Managed, rest),
        };
        let (type_name, rest) = rest.split_once('.').ok_or_else(|| err("missing `.`"))?;
        let (name, tail) = split_name(rest);
        let (key, tail) = split_key(tail).map_err(err)?;
        if !tail.is_empty() {
            return Err(err("unexpected text after the address"));
        }
        if !valid_name(type_name) || !valid_name(name) {
            return Err(err("names may hold letters, digits, `_` and `-`"));
        }
        Ok(Address { module, mode, type_name: type_name.to_string(), name: name.to_string(), key })
    }
}

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

/// Splits a leading name from what follows it (a key, a `.`, or nothing).
fn split_name(s: &str) -> (&str, &str) {
    let end = s.find(['[', '.']).unwrap_or(s.len());
    s.split_at(end)
}

/// Splits a leading `[0]` or `["key"]` off `s`.
fn split_key(s: &str) -> Result<(Option<InstanceKey>, &str), &'static str> {
    let Some(inner) = s.strip_prefix('[') else { return Ok((None, s)) };
    if inner.starts_with('"') {
        // A string key ends at the first unescaped quote followed by `]`.
        let mut escaped = false;
        for (i, c) in inner.char_indices().skip(1) {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    let lit = &inner[..=i];
                    let rest = inner[i + 1..].strip_prefix(']').ok_or("unbalanced brackets")?;
                    let key: String = serde_json::from_str(lit).map_err(|_| "bad string key")?;
                    return Ok((Some(InstanceKey::Key(key)), rest));
                }
                _ => escaped = false,
            }
        }
        return Err("unbalanced brackets");
    }
    let close = inner.find(']').ok_or("unbalanced brackets")?;
    let index = inner[..close].parse().map_err(|_| "bad index")?;
    Ok((Some(InstanceKey::Index(index)), &inner[close + 1..]))
}

/// Which provider configuration a resource uses: `aws` (the default `provider "aws"` block) or
/// `aws.us_east_1` (the block with `alias = "us_east_1"`). It decides the region an object lives
/// in, so it is recorded with each object.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProviderRef {
    pub name: String,
    pub alias: Option<String>,
}

impl ProviderRef {
    /// The default configuration of a provider.
    pub fn default_for(name: impl Into<String>) -> Self {
        ProviderRef { name: name.into(), alias: None }
    }

    /// The default provider of a resource type: the part of its name before the first `_`.
    pub fn implied_by(type_name: &str) -> Self {
        Self::default_for(type_name.split('_').next().unwrap_or(type_name))
    }
}

impl fmt::Display for ProviderRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some(alias) = &self.alias {
            write!(f, ".{alias}")?;
        }
        Ok(())
    }
}

impl FromStr for ProviderRef {
    type Err = AddressParseError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let (name, alias) = match input.split_once('.') {
            Some((n, a)) => (n, Some(a)),
            None => (input, None),
        };
        if !valid_name(name) || alias.is_some_and(|a| !valid_name(a)) {
            return Err(AddressParseError {
                input: input.to_string(),
                reason: "a provider reference is NAME or NAME.ALIAS (e.g. `aws.us_east_1`)",
            });
        }
        Ok(ProviderRef { name: name.to_string(), alias: alias.map(str::to_string) })
    }
}

impl Serialize for ProviderRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ProviderRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for s in [
            "aws_vpc.main",
            "aws_subnet.public[1]",
            "aws_subnet.by_az[\"eu-west-1a\"]",
            "data.aws_region.current",
            "module.network.aws_subnet.private[0]",
            "module.svc[\"api\"].aws_ecs_service.this",
            "module.a[2].module.b.data.aws_region.current",
            "aws_subnet.k[\"a].b\"]",
        ] {
            let a: Address = s.parse().expect("parses");
            assert_eq!(a.to_string(), s);
        }
    }

    #[test]
    fn rejects_garbage() {
        for s in [
            "",
            "aws_vpc",
            "aws_vpc.main[",
            "aws_vpc.main[x]",
            "1x.y",
            "a.b c",
            "module.aws_vpc",
            "module.m.",
            "aws_vpc.main[0]x",
            "module.m[\"k\".aws_vpc.a",
        ] {
            assert!(s.parse::<Address>().is_err(), "{s} should not parse");
        }
    }
}

#[cfg(test)]
mod module_tests {
    use super::*;

    #[test]
    fn module_steps_are_kept() {
        let a: Address = "module.svc[\"api\"].aws_ecs_service.this".parse().expect("parses");
        assert_eq!(a.module, vec![ModuleStep { name: "svc".into(), key: Some(InstanceKey::Key("api".into())) }]);
        assert_eq!(a.type_name, "aws_ecs_service");
        assert!(!a.same_resource(&Address::managed("aws_ecs_service", "this")));
        assert_eq!(a.resource().to_string(), "module.svc[\"api\"].aws_ecs_service.this");
    }

    #[test]
    fn provider_refs_round_trip() {
        for s in ["aws", "aws.us_east_1"] {
            let p: ProviderRef = s.parse().expect("parses");
            assert_eq!(p.to_string(), s);
        }
        assert!("aws.".parse::<ProviderRef>().is_err());
        assert_eq!(ProviderRef::implied_by("aws_vpc").to_string(), "aws");
    }
}
