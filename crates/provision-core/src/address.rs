//! Resource addresses (`aws_subnet.public[1]`, `data.aws_region.current`): how a resource instance
//! is named in plans, state, messages and tags.

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

/// The address of one resource instance, or of a whole resource when `key` is `None` and the
/// resource has neither `count` nor `for_each`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Address {
    pub mode: Mode,
    pub type_name: String,
    pub name: String,
    pub key: Option<InstanceKey>,
}

impl Address {
    pub fn managed(type_name: impl Into<String>, name: impl Into<String>) -> Self {
        Address { mode: Mode::Managed, type_name: type_name.into(), name: name.into(), key: None }
    }

    pub fn data(type_name: impl Into<String>, name: impl Into<String>) -> Self {
        Address { mode: Mode::Data, type_name: type_name.into(), name: name.into(), key: None }
    }

    pub fn with_key(mut self, key: Option<InstanceKey>) -> Self {
        self.key = key;
        self
    }

    /// The address of the resource block this instance comes from (`aws_subnet.public`).
    pub fn resource(&self) -> Address {
        Address { key: None, ..self.clone() }
    }

    /// True when both addresses come from the same resource block.
    pub fn same_resource(&self, other: &Address) -> bool {
        self.mode == other.mode && self.type_name == other.type_name && self.name == other.name
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
    "`{input}` is not a resource address: {reason} (expected TYPE.NAME, TYPE.NAME[0] or TYPE.NAME[\"key\"], optionally prefixed by `data.`)"
)]
pub struct AddressParseError {
    pub input: String,
    pub reason: &'static str,
}

impl FromStr for Address {
    type Err = AddressParseError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let err = |reason| AddressParseError { input: input.to_string(), reason };
        let (mode, rest) = match input.strip_prefix("data.") {
            Some(rest) => (Mode::Data, rest),
            None => (Mode::Managed, input),
        };
        let (head, key) = match rest.find('[') {
            Some(open) => {
                let inner = rest[open..]
                    .strip_prefix('[')
                    .and_then(|s| s.strip_suffix(']'))
                    .ok_or_else(|| err("unbalanced brackets"))?;
                let key = if inner.starts_with('"') {
                    let s: String = serde_json::from_str(inner).map_err(|_| err("bad string key"))?;
                    InstanceKey::Key(s)
                } else {
                    InstanceKey::Index(inner.parse().map_err(|_| err("bad index"))?)
                };
                (&rest[..open], Some(key))
            }
            None => (rest, None),
        };
        let (type_name, name) = head.split_once('.').ok_or_else(|| err("missing `.`"))?;
        let valid = |s: &str| {
            !s.is_empty()
                && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                && !s.starts_with(|c: char| c.is_ascii_digit())
        };
        if !valid(type_name) || !valid(name) {
            return Err(err("names may hold letters, digits, `_` and `-`"));
        }
        Ok(Address { mode, type_name: type_name.to_string(), name: name.to_string(), key })
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
        for s in ["aws_vpc.main", "aws_subnet.public[1]", "aws_subnet.by_az[\"eu-west-1a\"]", "data.aws_region.current"]
        {
            let a: Address = s.parse().expect("parses");
            assert_eq!(a.to_string(), s);
        }
    }

    #[test]
    fn rejects_garbage() {
        for s in ["", "aws_vpc", "aws_vpc.main[", "aws_vpc.main[x]", "1x.y", "a.b c"] {
            assert!(s.parse::<Address>().is_err(), "{s} should not parse");
        }
    }
}
