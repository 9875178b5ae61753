//! IAM policy documents compared by meaning: key order, whitespace, one statement or a list of
//! one, a string or a one-element list, the order of actions, resources, principals and condition
//! values, an account id or its root ARN as principal, `true` or `"true"` in a condition — none of
//! these is a change. Used to keep the recorded spelling of a document AWS returns reformatted,
//! and as the attributes' normalizer.

use provision_core::Value;
use serde_json::{Map, Value as Json};

/// The canonical form of a policy document, or `None` when it is not JSON.
pub(crate) fn canonical(doc: &str) -> Option<Json> {
    let j: Json = serde_json::from_str(doc).ok()?;
    Some(canonical_policy(j))
}

/// True when two documents mean the same policy (or are the same text).
pub(crate) fn equivalent(a: &str, b: &str) -> bool {
    a == b || matches!((canonical(a), canonical(b)), (Some(x), Some(y)) if x == y)
}

/// The attribute normalizer: a policy document in canonical, compact form (keys sorted); text that
/// is not JSON is left as written, for AWS to refuse with its own message.
pub(crate) fn normalize(v: &Value) -> Value {
    match v.as_str().and_then(canonical) {
        Some(j) => Value::String(j.to_string()),
        None => v.clone(),
    }
}

fn sorted(m: Map<String, Json>) -> Map<String, Json> {
    let mut entries: Vec<(String, Json)> = m.into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries.into_iter().collect()
}

/// Any JSON with object keys sorted at every level.
pub(crate) fn sort_keys(j: Json) -> Json {
    match j {
        Json::Object(m) => Json::Object(sorted(m.into_iter().map(|(k, v)| (k, sort_keys(v))).collect())),
        Json::Array(items) => Json::Array(items.into_iter().map(sort_keys).collect()),
        other => other,
    }
}

/// A string or a list of scalars as a sorted, deduplicated list of strings.
fn string_set(v: Json) -> Json {
    let items = match v {
        Json::Array(items) => items,
        other => vec![other],
    };
    let mut out: Vec<String> = items
        .into_iter()
        .map(|i| match i {
            Json::String(s) => s,
            other => other.to_string(),
        })
        .collect();
    out.sort();
    out.dedup();
    Json::Array(out.into_iter().map(Json::String).collect())
}

fn principal(v: Json) -> Json {
    match v {
        Json::Object(m) => Json::Object(sorted(
            m.into_iter()
                .map(|(k, v)| {
                    let v = if k == "AWS" { aws_principals(v) } else { string_set(v) };
                    (k, v)
                })
                .collect(),
        )),
        other => other,
    }
}

/// IAM stores an account id as principal as the account's root ARN.
fn aws_principals(v: Json) -> Json {
    let Json::Array(items) = string_set(v) else { return Json::Null };
    let mut out: Vec<String> =
        items
            .into_iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .map(|s| {
                if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
                    format!("arn:aws:iam::{s}:root")
                } else {
                    s
                }
            })
            .collect();
    out.sort();
    out.dedup();
    Json::Array(out.into_iter().map(Json::String).collect())
}

fn statement(v: Json) -> Json {
    let Json::Object(m) = v else { return v };
    let mut out = Map::new();
    for (k, v) in m {
        let v = match k.as_str() {
            "Action" | "NotAction" | "Resource" | "NotResource" => string_set(v),
            "Principal" | "NotPrincipal" => principal(v),
            "Condition" => match v {
                Json::Object(ops) => Json::Object(sorted(
                    ops.into_iter()
                        .map(|(op, keys)| {
                            let keys = match keys {
                                Json::Object(keys) => {
                                    Json::Object(sorted(keys.into_iter().map(|(k, v)| (k, string_set(v))).collect()))
                                }
                                other => other,
                            };
                            (op, keys)
                        })
                        .collect(),
                )),
                other => other,
            },
            _ => sort_keys(v),
        };
        out.insert(k, v);
    }
    Json::Object(sorted(out))
}

fn canonical_policy(j: Json) -> Json {
    let Json::Object(m) = j else { return sort_keys(j) };
    let mut out = Map::new();
    for (k, v) in m {
        let v = if k == "Statement" {
            let items = match v {
                Json::Array(items) => items,
                other => vec![other],
            };
            Json::Array(items.into_iter().map(statement).collect())
        } else {
            sort_keys(v)
        };
        out.insert(k, v);
    }
    Json::Object(sorted(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_policy_written_differently() {
        let a = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*","Principal":{"AWS":"123456789012"},"Condition":{"Bool":{"aws:SecureTransport":true}}}]}"#;
        let b = r#"{
          "Statement": {"Resource": ["*"], "Principal": {"AWS": ["arn:aws:iam::123456789012:root"]},
                        "Action": ["s3:List*", "s3:Get*"], "Effect": "Allow",
                        "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
          "Version": "2012-10-17"
        }"#;
        assert!(equivalent(a, b));
        assert!(!equivalent(a, &a.replace("s3:Get*", "s3:Put*")));
        assert!(!equivalent(a, &a.replace("Allow", "Deny")));
    }

    #[test]
    fn normalized_form_is_compact_and_sorted() {
        let v = normalize(&Value::String(
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "a:b", "Resource": "*"}}"#.into(),
        ));
        assert_eq!(
            v.as_str(),
            Some(r#"{"Statement":[{"Action":["a:b"],"Effect":"Allow","Resource":["*"]}],"Version":"2012-10-17"}"#)
        );
        assert_eq!(normalize(&Value::String("not json".into())).as_str(), Some("not json"));
    }
}
