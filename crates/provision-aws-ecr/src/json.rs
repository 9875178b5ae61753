//! Interim JSON normalizers until the provider contract's `provision_aws_core::json` lands:
//! a document with its keys sorted, written compactly.

use provision_core::Value;

fn sort_keys(j: serde_json::Value) -> serde_json::Value {
    match j {
        serde_json::Value::Object(m) => {
            let mut entries: Vec<(String, serde_json::Value)> = m.into_iter().map(|(k, v)| (k, sort_keys(v))).collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            serde_json::Value::Object(entries.into_iter().collect())
        }
        serde_json::Value::Array(items) => serde_json::Value::Array(items.into_iter().map(sort_keys).collect()),
        other => other,
    }
}

pub(crate) fn normalize_json(v: &Value) -> Value {
    match v.as_str().and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok()) {
        Some(j) => Value::String(sort_keys(j).to_string()),
        None => v.clone(),
    }
}

pub(crate) fn normalize_policy(v: &Value) -> Value {
    normalize_json(v)
}
