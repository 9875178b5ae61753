//! Reading typed values out of attribute maps and building them back.

use provision_core::{Attrs, ProviderError, ProviderErrorKind, Value};

pub(crate) fn s(v: Option<&str>) -> Value {
    v.map_or(Value::Null, |s| Value::String(s.to_string()))
}

pub(crate) fn n(v: Option<i32>) -> Value {
    v.map_or(Value::Null, |n| Value::Number(f64::from(n)))
}

pub(crate) fn get_str<'a>(attrs: &'a Attrs, name: &str) -> Option<&'a str> {
    attrs.get(name).and_then(Value::as_str)
}

pub(crate) fn get_string(attrs: &Attrs, name: &str) -> Option<String> {
    get_str(attrs, name).filter(|s| !s.is_empty()).map(str::to_string)
}

pub(crate) fn get_bool(attrs: &Attrs, name: &str) -> Option<bool> {
    attrs.get(name).and_then(Value::as_bool)
}

pub(crate) fn get_i32(attrs: &Attrs, name: &str) -> Option<i32> {
    attrs.get(name).and_then(Value::as_number).map(|n| n as i32)
}

pub(crate) fn get_f64(attrs: &Attrs, name: &str) -> Option<f64> {
    attrs.get(name).and_then(Value::as_number)
}

pub(crate) fn get_block<'a>(attrs: &'a Attrs, name: &str) -> Option<&'a Attrs> {
    attrs.get(name).and_then(Value::as_map)
}

pub(crate) fn get_blocks<'a>(attrs: &'a Attrs, name: &str) -> Vec<&'a Attrs> {
    attrs
        .get(name)
        .and_then(Value::as_seq)
        .map(|items| items.iter().filter_map(Value::as_map).collect())
        .unwrap_or_default()
}

pub(crate) fn need_str<'a>(attrs: &'a Attrs, name: &str) -> Result<&'a str, ProviderError> {
    get_str(attrs, name).ok_or_else(|| ProviderError::new(ProviderErrorKind::Invalid, format!("`{name}` must be set")))
}

pub(crate) fn map(pairs: Vec<(&str, Value)>) -> Value {
    Value::Map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

pub(crate) fn other(message: impl Into<String>) -> ProviderError {
    ProviderError::new(ProviderErrorKind::Other, message)
}
