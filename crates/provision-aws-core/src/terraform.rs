//! Reading a Terraform state's attributes for `ResourceType::id_from_terraform`, where a type's
//! provision id is built from several of them: one wording for a missing attribute everywhere,
//! and Terraform's habit of writing `""` (or `0`) for an unset argument treated as unset.

use provision_core::{Attrs, Value};

/// The non-empty string attribute `name`; `Err` naming it when it is missing, null or empty.
pub fn text<'a>(attributes: &'a Attrs, name: &str) -> Result<&'a str, String> {
    optional_text(attributes, name).ok_or_else(|| format!("its `{name}` attribute is missing or empty"))
}

/// The string attribute `name`, `None` when missing, null or empty (as Terraform writes an
/// unset optional string).
pub fn optional_text<'a>(attributes: &'a Attrs, name: &str) -> Option<&'a str> {
    attributes.get(name).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// The attributes of an instance given as the JSON object a Terraform state holds (for tests
/// that start from a real state's text); `Err` when it is not a JSON object.
pub fn attributes_from_json(text: &str) -> Result<Attrs, String> {
    match serde_json::from_str::<serde_json::Value>(text).map_err(|e| format!("not JSON: {e}"))? {
        serde_json::Value::Object(map) => Ok(map.iter().map(|(k, v)| (k.clone(), Value::from_json(v))).collect()),
        _ => Err("not a JSON object".into()),
    }
}

/// The id the resource type `type_name` of a service crate's `types` `type_name` derives from the instance attributes `json` (a
/// Terraform state's text), for the service crates' tests of `id_from_terraform`; `Err` when the
/// type is unknown or the text is not a JSON object.
pub fn id_from_terraform(
    types: fn(&std::sync::Arc<crate::Context>) -> crate::ServiceTypes,
    type_name: &str,
    json: &str,
) -> Result<String, String> {
    let t = types(&std::sync::Arc::new(crate::Context::default()))
        .resources
        .into_iter()
        .find(|t| t.name() == type_name)
        .ok_or_else(|| format!("no resource type {type_name}"))?;
    t.id_from_terraform(&attributes_from_json(json)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_null_and_empty_are_errors_naming_the_attribute() {
        let mut a = Attrs::new();
        a.insert("bucket".into(), Value::String("b".into()));
        a.insert("empty".into(), Value::String(String::new()));
        a.insert("null".into(), Value::Null);
        assert_eq!(text(&a, "bucket"), Ok("b"));
        for name in ["empty", "null", "absent"] {
            assert_eq!(text(&a, name), Err(format!("its `{name}` attribute is missing or empty")));
            assert_eq!(optional_text(&a, name), None);
        }
    }

    #[test]
    fn attributes_come_from_a_json_object() {
        let a = attributes_from_json(r#"{"id": "x", "port": 80, "tags": null}"#).expect("an object");
        assert_eq!(a.get("port"), Some(&Value::Number(80.0)));
        assert_eq!(a.get("tags"), Some(&Value::Null));
        assert!(attributes_from_json("[1]").is_err());
    }
}
