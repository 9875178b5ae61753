//! JSON documents compared by meaning: a topic's access policy and delivery policy, a
//! subscription's filter policy. Keys sorted and compact; for policies, IAM's equivalences too (one
//! statement or a list of one, a string or a list of one, the order of actions and resources).

use provision_core::Value;

/// Any JSON document in canonical form: keys sorted, no spaces. A string that is not JSON is left
/// as it is (AWS will refuse it with a message).
pub(crate) fn normalize_json(v: &Value) -> Value {
    match v.as_str().and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok()) {
        Some(j) => Value::String(sorted(j).to_string()),
        None => v.clone(),
    }
}

/// An IAM-style policy in canonical form (see the module documentation).
pub(crate) fn normalize_policy(v: &Value) -> Value {
    match v.as_str().and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok()) {
        Some(j) => Value::String(sorted(policy(j)).to_string()),
        None => v.clone(),
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

/// Keys whose value is a set of strings in IAM's grammar: a lone string is the same as a list of
/// one, and order does not matter.
const STRING_SETS: &[&str] = &["Action", "NotAction", "Resource", "NotResource"];

fn string_set(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Array(items) if items.iter().all(serde_json::Value::is_string) => {
            let mut strings: Vec<String> = items.iter().filter_map(|i| i.as_str().map(str::to_string)).collect();
            strings.sort();
            strings.dedup();
            if strings.len() == 1 {
                serde_json::Value::String(strings.remove(0))
            } else {
                serde_json::Value::Array(strings.into_iter().map(serde_json::Value::String).collect())
            }
        }
        other => other,
    }
}

fn principal(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => {
            serde_json::Value::Object(m.into_iter().map(|(k, v)| (k, string_set(v))).collect())
        }
        other => other,
    }
}

fn statement(s: serde_json::Value) -> serde_json::Value {
    let serde_json::Value::Object(m) = s else { return s };
    serde_json::Value::Object(
        m.into_iter()
            .map(|(k, v)| {
                let v = if STRING_SETS.contains(&k.as_str()) {
                    string_set(v)
                } else if k == "Principal" || k == "NotPrincipal" {
                    principal(v)
                } else if k == "Condition" {
                    condition(v)
                } else {
                    v
                };
                (k, v)
            })
            .collect(),
    )
}

fn condition(v: serde_json::Value) -> serde_json::Value {
    let serde_json::Value::Object(ops) = v else { return v };
    serde_json::Value::Object(ops.into_iter().map(|(op, keys)| (op, principal(keys))).collect())
}

fn policy(j: serde_json::Value) -> serde_json::Value {
    let serde_json::Value::Object(m) = j else { return j };
    serde_json::Value::Object(
        m.into_iter()
            .map(|(k, v)| {
                if k != "Statement" {
                    return (k, v);
                }
                let v = match v {
                    serde_json::Value::Array(items) if items.len() == 1 => {
                        statement(items.into_iter().next().unwrap_or_default())
                    }
                    serde_json::Value::Array(items) => {
                        serde_json::Value::Array(items.into_iter().map(statement).collect())
                    }
                    one => statement(one),
                };
                (k, v)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_compare_by_meaning() {
        let a = normalize_json(&Value::String("{ \"b\": 1, \"a\": {\"d\": 2, \"c\": 3} }".into()));
        assert_eq!(a, Value::String("{\"a\":{\"c\":3,\"d\":2},\"b\":1}".into()));
        assert_eq!(normalize_json(&Value::String("not json".into())), Value::String("not json".into()));
    }

    #[test]
    fn policies_compare_by_iam_meaning() {
        let written = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["cloudwatch.amazonaws.com"]},"Action":["sns:Publish"],"Resource":"arn:aws:sns:eu-west-1:1:t"}]}"#;
        let read = r#"{"Statement":{"Action":"sns:Publish","Resource":["arn:aws:sns:eu-west-1:1:t"],"Effect":"Allow","Principal":{"Service":"cloudwatch.amazonaws.com"}},"Version":"2012-10-17"}"#;
        assert_eq!(normalize_policy(&written.into()), normalize_policy(&read.into()));
        let two = r#"{"Statement":[{"Action":["b","a"]}]}"#;
        let swapped = r#"{"Statement":[{"Action":["a","b"]}]}"#;
        assert_eq!(normalize_policy(&two.into()), normalize_policy(&swapped.into()));
    }
}
