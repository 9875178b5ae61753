//! Small conversions between attribute maps and SDK values that every Secrets Manager type uses,
//! and the canonical form of a JSON policy document (keys sorted, compact) so that the same policy
//! written differently is not a change.

use aws_sdk_secretsmanager::types::Tag;
use provision_aws_core::tags;
use provision_core::{Attrs, Identity, ProviderError, ProviderErrorKind, Value};

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

/// The strings of a list or set attribute.
pub(crate) fn get_strings(attrs: &Attrs, name: &str) -> Vec<String> {
    attrs
        .get(name)
        .and_then(Value::as_seq)
        .map(|items| items.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default()
}

pub(crate) fn string_set<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Value {
    Value::set(items.into_iter().map(|s| Value::String(s.into())).collect())
}

/// The recorded value of an argument AWS does not report (or `Null`).
pub(crate) fn kept(prior: &Attrs, name: &str) -> Value {
    prior.get(name).cloned().unwrap_or(Value::Null)
}

pub(crate) fn other(message: impl Into<String>) -> ProviderError {
    ProviderError::new(ProviderErrorKind::Other, message)
}

/// `(key, value)` pairs of Secrets Manager tags.
pub(crate) fn pairs(tags: &[Tag]) -> impl Iterator<Item = (&str, &str)> {
    tags.iter().filter_map(|t| Some((t.key()?, t.value().unwrap_or_default())))
}

/// The tags to create a secret with: provision's identity tags plus `tags_all`.
pub(crate) fn create_tags(identity: &Identity, tags_all: Option<&Value>) -> Vec<Tag> {
    tags::create_tags(identity, tags_all).into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

/// A JSON document in canonical form: object keys sorted at every level, no whitespace. Not JSON
/// (or not a string) is left as it is, for AWS to refuse with its own message.
pub(crate) fn canonical_json(v: &Value) -> Value {
    let Some(text) = v.as_str() else { return v.clone() };
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(j) => Value::String(sorted(j).to_string()),
        Err(_) => v.clone(),
    }
}

fn sorted(j: serde_json::Value) -> serde_json::Value {
    match j {
        serde_json::Value::Object(m) => {
            let mut entries: Vec<(String, serde_json::Value)> = m.into_iter().map(|(k, v)| (k, sorted(v))).collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            serde_json::Value::Object(entries.into_iter().collect())
        }
        serde_json::Value::Array(items) => serde_json::Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_compared_by_meaning() {
        let a = canonical_json(&Value::from(r#"{ "Version": "2012-10-17", "Statement": [ {"Effect": "Allow"} ] }"#));
        let b = canonical_json(&Value::from(r#"{"Statement":[{"Effect":"Allow"}],"Version":"2012-10-17"}"#));
        assert_eq!(a, b);
        assert_eq!(a.as_str(), Some(r#"{"Statement":[{"Effect":"Allow"}],"Version":"2012-10-17"}"#));
        assert_eq!(canonical_json(&Value::from("not json")), Value::from("not json"));
    }
}
