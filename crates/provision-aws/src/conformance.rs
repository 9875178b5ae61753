//! Whether an object has its schema's shape: exactly the schema's attribute and block names, and
//! every non-null value of the schema's type. The contract's tests hold every type's reads to it.

use provision_core::{Attrs, BlockSchema, Nesting, Schema, Type, Value};

/// What in `attrs` does not match `schema`, one line each (empty when it matches). `at` prefixes
/// every line, e.g. `aws_vpc.main`.
pub fn mismatches(at: &str, schema: &Schema, attrs: &Attrs) -> Vec<String> {
    let mut out = vec![];
    check_object(at, schema, attrs, &mut out);
    out
}

fn check_object(at: &str, schema: &Schema, attrs: &Attrs, out: &mut Vec<String>) {
    let names = schema.readable_names();
    for n in &names {
        if !attrs.contains_key(*n) {
            out.push(format!("{at}: `{n}` is missing"));
        }
    }
    for (k, v) in attrs {
        if !names.contains(&k.as_str()) {
            out.push(format!("{at}: `{k}` is not in the schema"));
        } else if let Some(a) = schema.attribute(k) {
            if !conforms(&a.ty, v) {
                out.push(format!("{at}.{k}: {} is not a {}", kind(v), a.ty.describe()));
            }
        } else if let Some(b) = schema.block_schema(k) {
            check_block(&format!("{at}.{k}"), b, v, out);
        }
    }
}

fn check_block(at: &str, b: &BlockSchema, v: &Value, out: &mut Vec<String>) {
    let item = |i: usize, v: &Value, out: &mut Vec<String>| match v.unmarked() {
        Value::Map(m) => check_object(&format!("{at}[{i}]"), &b.schema, m, out),
        other => out.push(format!("{at}[{i}]: {} is not a block (an object)", kind(other))),
    };
    match (b.nesting, v.unmarked()) {
        (_, Value::Null) => {}
        (Nesting::List | Nesting::Set, Value::List(items) | Value::Set(items)) => {
            items.iter().enumerate().for_each(|(i, v)| item(i, v, out))
        }
        (Nesting::Single, Value::Map(_)) => item(0, v, out),
        (n, other) => out.push(format!("{at}: {} is not a {n:?} block", kind(other))),
    }
}

/// True when `v` is null or of type `ty`. A set may be held as a list (JSON has no sets).
pub fn conforms(ty: &Type, v: &Value) -> bool {
    match (ty, v.unmarked()) {
        (_, Value::Null) | (Type::Any, _) => true,
        (Type::String, Value::String(_)) | (Type::Number, Value::Number(_)) | (Type::Bool, Value::Bool(_)) => true,
        (Type::List(t), Value::List(items)) | (Type::Set(t), Value::Set(items) | Value::List(items)) => {
            items.iter().all(|i| conforms(t, i))
        }
        (Type::Map(t), Value::Map(m)) => m.values().all(|i| conforms(t, i)),
        (Type::Object(fields), Value::Map(m)) => {
            m.len() == fields.len() && fields.iter().all(|(k, t)| m.get(*k).is_some_and(|i| conforms(t, i)))
        }
        _ => false,
    }
}

fn kind(v: &Value) -> &'static str {
    match v.unmarked() {
        Value::Null => "null",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::List(_) => "a list",
        Value::Set(_) => "a set",
        Value::Map(_) => "a map",
        Value::Unknown => "an unknown value",
        Value::Sensitive(_) => "a sensitive value",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use provision_core::AttributeSchema;

    fn schema() -> Schema {
        let rule = Schema::new("A rule.")
            .attr(AttributeSchema::required("port", Type::Number))
            .attr(AttributeSchema::optional("cidrs", Type::set(Type::String)));
        Schema::new("A thing.")
            .with_id()
            .attr(AttributeSchema::optional("enabled", Type::Bool))
            .block(BlockSchema::new("rule", Nesting::Set, rule, "Rules."))
            .with_tags()
    }

    fn attrs(pairs: &[(&str, Value)]) -> Attrs {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    fn rule(port: f64, cidrs: Value) -> Value {
        Value::Map(attrs(&[("port", Value::Number(port)), ("cidrs", cidrs)]))
    }

    #[test]
    fn a_matching_object_passes_and_each_kind_of_mismatch_is_named() {
        let s = schema();
        let good = attrs(&[
            ("id", "x-1".into()),
            ("enabled", Value::Null),
            ("rule", Value::List(vec![rule(22.0, Value::List(vec!["10.0.0.0/8".into()]))])),
            ("tags", Value::Map(Default::default())),
            ("tags_all", Value::Map([("k".to_string(), "v".into())].into())),
        ]);
        assert_eq!(mismatches("t.a", &s, &good), Vec::<String>::new());

        let mut bad = good.clone();
        bad.remove("tags_all");
        bad.insert("extra".into(), Value::Null);
        bad.insert("enabled".into(), "yes".into());
        bad.insert("rule".into(), Value::List(vec![rule(22.0, Value::List(vec![Value::Number(1.0)]))]));
        assert_eq!(
            mismatches("t.a", &s, &bad),
            [
                "t.a: `tags_all` is missing",
                "t.a.enabled: a string is not a bool",
                "t.a: `extra` is not in the schema",
                "t.a.rule[0].cidrs: a list is not a set(string)",
            ]
        );
        bad.insert("rule".into(), Value::List(vec!["not a block".into()]));
        assert!(mismatches("t.a", &s, &bad).contains(&"t.a.rule[0]: a string is not a block (an object)".into()));
    }

    #[test]
    fn objects_need_exactly_their_fields() {
        let t = Type::Object(vec![("a", Type::String)]);
        assert!(conforms(&t, &Value::Map(attrs(&[("a", "x".into())]))));
        assert!(!conforms(&t, &Value::Map(attrs(&[("a", "x".into()), ("b", "y".into())]))));
        assert!(!conforms(&Type::map(Type::String), &Value::Map(attrs(&[("a", Value::Bool(true))]))));
    }
}
