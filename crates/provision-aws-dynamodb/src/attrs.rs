//! Small conversions between attribute maps and SDK values for the DynamoDB types.

use provision_core::{Attrs, Value};
use std::collections::BTreeMap;

pub(crate) fn s(v: Option<&str>) -> Value {
    v.map_or(Value::Null, |s| Value::String(s.to_string()))
}

pub(crate) fn get_str<'a>(attrs: &'a Attrs, name: &str) -> Option<&'a str> {
    attrs.get(name).and_then(Value::as_str)
}

/// A string argument that is set and not empty.
pub(crate) fn get_string(attrs: &Attrs, name: &str) -> Option<String> {
    get_str(attrs, name).filter(|s| !s.is_empty()).map(str::to_string)
}

pub(crate) fn get_bool(attrs: &Attrs, name: &str) -> Option<bool> {
    attrs.get(name).and_then(Value::as_bool)
}

pub(crate) fn get_i64(attrs: &Attrs, name: &str) -> Option<i64> {
    attrs.get(name).and_then(Value::as_number).map(|n| n as i64)
}

pub(crate) fn string_set<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Value {
    Value::set(items.into_iter().map(|s| Value::String(s.into())).collect())
}

/// The items of a nested block (a list or a set of objects).
pub(crate) fn blocks<'a>(attrs: &'a Attrs, name: &str) -> Vec<&'a BTreeMap<String, Value>> {
    attrs
        .get(name)
        .and_then(Value::as_seq)
        .map(|items| items.iter().filter_map(Value::as_map).collect())
        .unwrap_or_default()
}

/// The one item of a block that appears at most once.
pub(crate) fn block<'a>(attrs: &'a Attrs, name: &str) -> Option<&'a BTreeMap<String, Value>> {
    blocks(attrs, name).into_iter().next()
}

pub(crate) fn object(pairs: impl IntoIterator<Item = (&'static str, Value)>) -> Value {
    Value::Map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

pub(crate) fn num(n: Option<i64>) -> Value {
    n.map_or(Value::Null, |n| Value::Number(n as f64))
}
