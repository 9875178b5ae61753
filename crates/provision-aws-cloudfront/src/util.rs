//! Small readers of attribute maps, shared by this crate's types.

use provision_core::{Attrs, Value};

pub(crate) fn s(v: Option<&str>) -> Value {
    v.map_or(Value::Null, |s| Value::String(s.to_string()))
}

pub(crate) fn get_str<'a>(attrs: &'a Attrs, name: &str) -> Option<&'a str> {
    attrs.get(name).and_then(Value::as_str)
}

/// A builder's error (a required field left unset) as a provider error naming the object.
pub(crate) fn built<T>(
    what: &str,
    r: Result<T, aws_sdk_cloudfront::error::BuildError>,
) -> Result<T, provision_core::ProviderError> {
    r.map_err(|e| {
        provision_core::ProviderError::new(provision_core::ProviderErrorKind::Invalid, format!("{what}: {e}"))
    })
}

/// A value that AWS reports as an empty string when unset, as null.
pub(crate) fn nonempty(v: Option<&str>) -> Value {
    s(v.filter(|v| !v.is_empty()))
}
