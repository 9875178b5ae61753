//! JSON documents compared by meaning, not by text: policy documents, lifecycle policies and
//! other JSON blobs that AWS stores and returns re-serialised (keys reordered, whitespace
//! dropped, a lone statement or action unwrapped or wrapped in a list). Used as attribute
//! normalizers, so the diff sees one spelling for every way of writing the same document and a
//! plan never shows a change that is not one.

use provision_core::Value;
use serde_json::{Map, Value as Json};

/// The canonical text of a JSON document: object keys sorted at every level, no whitespace.
/// `None` when `text` is not JSON.
pub fn canonical(text: &str) -> Option<String> {
    let doc: Json = serde_json::from_str(text).ok()?;
    Some(sorted(doc).to_string())
}

/// A `Normalizer` for string attributes holding any JSON document. A value that is not JSON is
/// left as it is (so the validator or AWS can say what is wrong with it).
pub fn normalize_json(v: &Value) -> Value {
    match v.as_str().and_then(canonical) {
        Some(c) => Value::String(c),
        None => v.clone(),
    }
}

/// A `Normalizer` for IAM-style policy documents (IAM, S3 bucket, SNS topic, KMS key, ECR,
/// Secrets Manager policies): [`normalize_json`] plus the policy language's equivalences.
pub fn normalize_policy(v: &Value) -> Value {
    let Some(text) = v.as_str() else { return v.clone() };
    match serde_json::from_str::<Json>(text) {
        Ok(doc) => Value::String(sorted(canonical_policy(doc)).to_string()),
        Err(_) => v.clone(),
    }
}

/// A policy document in one spelling: `Statement` always a list; `Action`, `NotAction`,
/// `Resource`, `NotResource`, principal values and condition values always sorted lists of
/// strings without duplicates; an empty `Sid` dropped; a 12-digit account as an AWS principal
/// written as the `arn:aws:iam::<account>:root` AWS reports.
pub fn canonical_policy(doc: Json) -> Json {
    let Json::Object(mut top) = doc else { return doc };
    if let Some(st) = top.remove("Statement") {
        let list = match st {
            Json::Array(items) => items,
            one => vec![one],
        };
        top.insert("Statement".into(), Json::Array(list.into_iter().map(canonical_statement).collect()));
    }
    Json::Object(top)
}

fn canonical_statement(st: Json) -> Json {
    let Json::Object(st) = st else { return st };
    let mut out = Map::new();
    for (k, v) in st {
        let v = match k.as_str() {
            "Sid" if v.as_str() == Some("") => continue,
            "Action" | "NotAction" | "Resource" | "NotResource" => string_set(v),
            "Principal" | "NotPrincipal" => principal(v),
            "Condition" => condition(v),
            _ => v,
        };
        out.insert(k, v);
    }
    Json::Object(out)
}

/// A string or a list of strings (numbers and booleans as their text) as a sorted, deduplicated
/// list; anything else unchanged.
fn string_set(v: Json) -> Json {
    let items = match v {
        Json::Array(items) => items,
        one @ (Json::String(_) | Json::Number(_) | Json::Bool(_)) => vec![one],
        other => return other,
    };
    let mut strings = Vec::with_capacity(items.len());
    for i in items {
        match i {
            Json::String(s) => strings.push(s),
            Json::Number(n) => strings.push(n.to_string()),
            Json::Bool(b) => strings.push(b.to_string()),
            other => return Json::Array(vec![other]),
        }
    }
    strings.sort();
    strings.dedup();
    Json::Array(strings.into_iter().map(Json::String).collect())
}

fn principal(v: Json) -> Json {
    match v {
        Json::Object(m) => Json::Object(
            m.into_iter()
                .map(|(kind, ids)| {
                    let ids = string_set(ids);
                    let ids = if kind == "AWS" { aws_accounts_as_arns(ids) } else { ids };
                    (kind, ids)
                })
                .collect(),
        ),
        other => other,
    }
}

fn aws_accounts_as_arns(ids: Json) -> Json {
    let Json::Array(items) = ids else { return ids };
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

fn condition(v: Json) -> Json {
    let Json::Object(ops) = v else { return v };
    Json::Object(
        ops.into_iter()
            .map(|(op, keys)| {
                let keys = match keys {
                    Json::Object(k) => Json::Object(k.into_iter().map(|(key, vals)| (key, string_set(vals))).collect()),
                    other => other,
                };
                (op, keys)
            })
            .collect(),
    )
}

/// The document with every object's keys sorted (serde_json here keeps insertion order).
fn sorted(v: Json) -> Json {
    match v {
        Json::Object(m) => {
            let mut entries: Vec<(String, Json)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Json::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Json::Array(items) => Json::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &str, b: &str) {
        let (x, y) = (normalize_policy(&Value::from(a)), normalize_policy(&Value::from(b)));
        assert_eq!(x, y, "\n{a}\nshould mean the same as\n{b}");
    }

    fn differ(a: &str, b: &str) {
        let (x, y) = (normalize_policy(&Value::from(a)), normalize_policy(&Value::from(b)));
        assert_ne!(x, y, "\n{a}\nshould differ from\n{b}");
    }

    #[test]
    fn spellings_of_one_policy_are_equal() {
        let list = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::b/*"],"Principal":{"Service":["ecs-tasks.amazonaws.com"]}}]}"#;
        let lone = r#"{
          "Statement": {"Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Resource": "arn:aws:s3:::b/*",
                        "Action": "s3:GetObject", "Effect": "Allow", "Sid": ""},
          "Version": "2012-10-17"
        }"#;
        same(list, lone);
        same(
            r#"{"Statement":[{"Effect":"Allow","Action":["b","a","a"],"Resource":"*"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Action":["a","b"],"Resource":["*"]}]}"#,
        );
        same(
            r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::123456789012:root"]},"Action":"sts:AssumeRole"}]}"#,
        );
        same(
            r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":false}}}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":["false"]}}}]}"#,
        );
    }

    #[test]
    fn real_changes_stay_changes() {
        differ(
            r#"{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
            r#"{"Statement":[{"Effect":"Deny","Action":"s3:GetObject","Resource":"*"}]}"#,
        );
        differ(
            r#"{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"*"}]}"#,
        );
        // Statement order is kept: AWS keeps it, and an explicit reorder is the user's business.
        differ(
            r#"{"Statement":[{"Sid":"a","Effect":"Allow"},{"Sid":"b","Effect":"Allow"}]}"#,
            r#"{"Statement":[{"Sid":"b","Effect":"Allow"},{"Sid":"a","Effect":"Allow"}]}"#,
        );
    }

    #[test]
    fn generic_json_sorts_keys_and_leaves_non_json_alone() {
        assert_eq!(
            normalize_json(&Value::from(r#"{ "b": 1, "a": {"d": [2, 1], "c": null} }"#)),
            Value::from(r#"{"a":{"c":null,"d":[2,1]},"b":1}"#)
        );
        assert_eq!(normalize_json(&Value::from("not json")), Value::from("not json"));
        assert_eq!(normalize_policy(&Value::Null), Value::Null);
    }
}
