//! Tags as plain maps, for every service whatever its SDK's tag type: the tags to create an object
//! with (provision's identity tags and `tags_all`), an object's user tags (the system tags left
//! out), whether an object was created for an address, and the delta from one set to another.
//! Each service crate converts its SDK's tag type to and from `(key, value)` pairs.

use provision_core::{Identity, Value, tags};
use std::collections::BTreeMap;

/// Tags by key.
pub type TagMap = BTreeMap<String, String>;

/// The string entries of a map value (`tags`, `tags_all`); other entries are left out.
pub fn string_map(v: Option<&Value>) -> TagMap {
    v.and_then(Value::as_map)
        .map(|m| m.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect())
        .unwrap_or_default()
}

/// The tags to create an object with, in order: provision's identity tags, then `tags_all`.
pub fn create_tags(identity: &Identity, tags_all: Option<&Value>) -> Vec<(String, String)> {
    identity.system_tags().into_iter().chain(string_map(tags_all)).collect()
}

/// True for provision's own tags (`provision:stack`, `provision:address`).
pub fn is_system(key: &str) -> bool {
    key.starts_with(tags::PREFIX)
}

/// An object's tags without provision's system tags, as `tags_all`.
pub fn user_tags<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Value {
    Value::Map(
        pairs
            .into_iter()
            .filter(|(k, _)| !is_system(k))
            .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
            .collect(),
    )
}

/// True when an object's tags say it was created for exactly this address. Matched here rather
/// than with a service-side filter: filter values are patterns (`*` and `?` on AWS, more on
/// emulators), and addresses can contain such characters (`aws_subnet.a[0]`, `for_each` keys).
pub fn tagged_for<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>, identity: &Identity) -> bool {
    pairs.into_iter().any(|(k, v)| k == tags::ADDRESS && tags::names_address(v, &identity.address))
}

/// What to change to bring an object's tags from one `tags_all` to another: provision's own tags
/// are never part of either.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct TagDelta {
    /// Keys to remove.
    pub removed: Vec<String>,
    /// Tags to add or change.
    pub changed: Vec<(String, String)>,
}

impl TagDelta {
    pub fn is_empty(&self) -> bool {
        self.removed.is_empty() && self.changed.is_empty()
    }
}

/// The delta from `prior` to `desired` (both `tags_all`).
pub fn delta(prior: Option<&Value>, desired: Option<&Value>) -> TagDelta {
    let (old, new) = (string_map(prior), string_map(desired));
    TagDelta {
        removed: old.keys().filter(|k| !new.contains_key(*k)).cloned().collect(),
        changed: new.iter().filter(|(k, v)| old.get(*k) != Some(*v)).map(|(k, v)| (k.clone(), v.clone())).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> Value {
        Value::Map(pairs.iter().map(|(k, v)| (k.to_string(), Value::String(v.to_string()))).collect())
    }

    fn identity() -> Identity {
        Identity { stack: "s-1".into(), address: "aws_subnet.a[0]".parse().expect("address") }
    }

    #[test]
    fn create_tags_put_the_identity_first() {
        let t = create_tags(&identity(), Some(&map(&[("Name", "a")])));
        let keys: Vec<&str> = t.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, [tags::STACK, tags::ADDRESS, "Name"]);
    }

    #[test]
    fn user_tags_leave_system_tags_out() {
        let v = user_tags([(tags::STACK, "s-1"), ("Name", "a")]);
        assert_eq!(v, map(&[("Name", "a")]));
    }

    #[test]
    fn tagged_for_matches_the_exact_address() {
        assert!(tagged_for([(tags::ADDRESS, "aws_subnet.a=5B0=5D")], &identity()));
        assert!(tagged_for([(tags::ADDRESS, "aws_subnet.a[0]")], &identity()), "as written before escaping");
        assert!(!tagged_for([(tags::ADDRESS, "aws_subnet.a[1]")], &identity()));
        assert!(!tagged_for([("Name", "aws_subnet.a[0]")], &identity()));
    }

    #[test]
    fn deltas_touch_only_what_changed() {
        let d =
            delta(Some(&map(&[("a", "1"), ("b", "2"), ("c", "3")])), Some(&map(&[("a", "1"), ("b", "9"), ("d", "4")])));
        assert_eq!(d.removed, ["c"]);
        assert_eq!(d.changed, [("b".to_string(), "9".to_string()), ("d".to_string(), "4".to_string())]);
        assert!(delta(None, None).is_empty());
    }
}
