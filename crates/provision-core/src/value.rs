//! The value model shared by configuration, plans and state: Terraform's dynamic values, with
//! *unknown* (not known until apply) and *sensitive* (never shown) as first-class citizens.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

/// The attributes of one object, by name.
pub type Attrs = BTreeMap<String, Value>;

/// A configuration or state value.
///
/// Lists also stand for tuples and maps also stand for objects: provision checks shapes against
/// resource schemas, so the finer distinctions Terraform makes at the type level are not needed.
/// Sets are kept sorted and free of duplicates.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    List(Vec<Value>),
    Set(Vec<Value>),
    Map(BTreeMap<String, Value>),
    /// A value that will only be known once a dependency is applied.
    Unknown,
    /// A value that must never be displayed.
    Sensitive(Box<Value>),
}

impl Value {
    /// A set from arbitrary elements: sorted, duplicates removed.
    pub fn set(mut items: Vec<Value>) -> Value {
        items.sort_by(Value::canonical_cmp);
        items.dedup_by(|a, b| a.canonical_cmp(b) == Ordering::Equal);
        Value::Set(items)
    }

    pub fn is_null(&self) -> bool {
        matches!(self.unmarked(), Value::Null)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.unmarked(), Value::Unknown)
    }

    pub fn is_sensitive(&self) -> bool {
        matches!(self, Value::Sensitive(_))
    }

    /// True when the value, and everything inside it, is known.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::Sensitive(v) => v.is_wholly_known(),
            Value::List(items) | Value::Set(items) => items.iter().all(Value::is_wholly_known),
            Value::Map(m) => m.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    /// True when anything inside the value is marked sensitive.
    pub fn contains_sensitive(&self) -> bool {
        match self {
            Value::Sensitive(_) => true,
            Value::List(items) | Value::Set(items) => items.iter().any(Value::contains_sensitive),
            Value::Map(m) => m.values().any(Value::contains_sensitive),
            _ => false,
        }
    }

    /// The value without its outermost sensitive mark.
    pub fn unmarked(&self) -> &Value {
        match self {
            Value::Sensitive(v) => v.unmarked(),
            v => v,
        }
    }

    /// Removes the outermost sensitive mark, returning the value and whether it was marked.
    pub fn into_unmarked(self) -> (Value, bool) {
        match self {
            Value::Sensitive(v) => (v.into_unmarked().0, true),
            v => (v, false),
        }
    }

    /// Marks the value sensitive when `sensitive` is true.
    pub fn mark_if(self, sensitive: bool) -> Value {
        if sensitive && !self.is_sensitive() { Value::Sensitive(Box::new(self)) } else { self }
    }

    /// The value with every sensitive mark removed, at any depth.
    pub fn strip_marks(&self) -> Value {
        match self {
            Value::Sensitive(v) => v.strip_marks(),
            Value::List(items) => Value::List(items.iter().map(Value::strip_marks).collect()),
            Value::Set(items) => Value::Set(items.iter().map(Value::strip_marks).collect()),
            Value::Map(m) => Value::Map(m.iter().map(|(k, v)| (k.clone(), v.strip_marks())).collect()),
            v => v.clone(),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self.unmarked() {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.unmarked() {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<f64> {
        match self.unmarked() {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self.unmarked() {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// Elements of a list or set.
    pub fn as_seq(&self) -> Option<&[Value]> {
        match self.unmarked() {
            Value::List(items) | Value::Set(items) => Some(items),
            _ => None,
        }
    }

    /// A short name of the value's kind, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::Map(_) => "map",
            Value::Unknown => "unknown",
            Value::Sensitive(v) => v.type_name(),
        }
    }

    /// A total order used to keep sets canonical: by kind first, then by content.
    pub fn canonical_cmp(&self, other: &Value) -> Ordering {
        fn rank(v: &Value) -> u8 {
            match v {
                Value::Null => 0,
                Value::Bool(_) => 1,
                Value::Number(_) => 2,
                Value::String(_) => 3,
                Value::List(_) => 4,
                Value::Set(_) => 5,
                Value::Map(_) => 6,
                Value::Unknown => 7,
                Value::Sensitive(_) => 8,
            }
        }
        match (self.unmarked(), other.unmarked()) {
            (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
            (Value::Number(a), Value::Number(b)) => a.total_cmp(b),
            (Value::String(a), Value::String(b)) => a.cmp(b),
            (Value::List(a), Value::List(b)) | (Value::Set(a), Value::Set(b)) => {
                for (x, y) in a.iter().zip(b) {
                    let o = x.canonical_cmp(y);
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                a.len().cmp(&b.len())
            }
            (Value::Map(a), Value::Map(b)) => {
                for ((ka, va), (kb, vb)) in a.iter().zip(b) {
                    let o = ka.cmp(kb).then_with(|| va.canonical_cmp(vb));
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                a.len().cmp(&b.len())
            }
            (a, b) => rank(a).cmp(&rank(b)),
        }
    }

    /// Semantic equality for diffs: marks are ignored, numbers compare by value, and a list
    /// equals a set with the same elements when `as_set` says order does not matter.
    pub fn same_as(&self, other: &Value) -> bool {
        match (self.unmarked(), other.unmarked()) {
            (Value::List(a), Value::List(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_as(y)),
            (Value::Set(a), Value::Set(b)) | (Value::Set(a), Value::List(b)) | (Value::List(a), Value::Set(b)) => {
                let mut a: Vec<Value> = a.iter().map(Value::strip_marks).collect();
                let mut b: Vec<Value> = b.iter().map(Value::strip_marks).collect();
                a.sort_by(Value::canonical_cmp);
                a.dedup_by(|x, y| x.canonical_cmp(y) == Ordering::Equal);
                b.sort_by(Value::canonical_cmp);
                b.dedup_by(|x, y| x.canonical_cmp(y) == Ordering::Equal);
                a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| x.same_as(y))
            }
            (Value::Map(a), Value::Map(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|((ka, va), (kb, vb))| ka == kb && va.same_as(vb))
            }
            (a, b) => a == b,
        }
    }

    /// The JSON form of a wholly known value (sensitive marks are dropped; unknown becomes null).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null | Value::Unknown => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Number(n) => number_to_json(*n),
            Value::String(s) => J::String(s.clone()),
            Value::List(items) | Value::Set(items) => J::Array(items.iter().map(Value::to_json).collect()),
            Value::Map(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
            Value::Sensitive(v) => v.to_json(),
        }
    }

    /// A value from JSON. Arrays become lists; schemas decide later whether one is a set.
    pub fn from_json(j: &serde_json::Value) -> Value {
        use serde_json::Value as J;
        match j {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
            J::String(s) => Value::String(s.clone()),
            J::Array(items) => Value::List(items.iter().map(Value::from_json).collect()),
            J::Object(m) => Value::Map(m.iter().map(|(k, v)| (k.clone(), Value::from_json(v))).collect()),
        }
    }

    /// The JSON shape of which parts are unknown, as in Terraform's `after_unknown`: `true` where a
    /// value is unknown, nested lists/objects where something inside is, `false` elsewhere.
    pub fn unknown_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Unknown => J::Bool(true),
            Value::Sensitive(v) => v.unknown_json(),
            Value::List(items) | Value::Set(items) if !self.is_wholly_known() => {
                J::Array(items.iter().map(Value::unknown_json).collect())
            }
            Value::Map(m) if !self.is_wholly_known() => {
                J::Object(m.iter().map(|(k, v)| (k.clone(), v.unknown_json())).collect())
            }
            _ => J::Bool(false),
        }
    }
}

/// Formats a number as Terraform does: integers without a fractional part.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e16 { format!("{}", n as i64) } else { format!("{n}") }
}

fn number_to_json(n: f64) -> serde_json::Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        serde_json::Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map(serde_json::Value::Number).unwrap_or(serde_json::Value::Null)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Number(n)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Number(n as f64)
    }
}

impl From<BTreeMap<String, Value>> for Value {
    fn from(m: BTreeMap<String, Value>) -> Self {
        Value::Map(m)
    }
}

/// Renders a value in HCL syntax on one line (`"a"`, `10`, `["a", "b"]`, `{ k = "v" }`), with
/// `(known after apply)` for unknowns and `(sensitive value)` for sensitive ones.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => f.write_str(&format_number(*n)),
            Value::String(s) => write!(f, "{}", serde_json::Value::String(s.clone())),
            Value::List(items) | Value::Set(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Map(m) => {
                if m.is_empty() {
                    return f.write_str("{}");
                }
                f.write_str("{ ")?;
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{} = {v}", crate::value::hcl_key(k))?;
                }
                f.write_str(" }")
            }
            Value::Unknown => f.write_str("(known after apply)"),
            Value::Sensitive(_) => f.write_str("(sensitive value)"),
        }
    }
}

/// An object key as HCL writes it: bare when it is an identifier, quoted otherwise.
pub fn hcl_key(k: &str) -> String {
    let ident = !k.is_empty()
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !k.starts_with(|c: char| c.is_ascii_digit() || c == '-');
    if ident { k.to_string() } else { serde_json::Value::String(k.to_string()).to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_are_canonical() {
        let s = Value::set(vec!["b".into(), "a".into(), "b".into()]);
        assert_eq!(s, Value::Set(vec!["a".into(), "b".into()]));
    }

    #[test]
    fn same_as_ignores_marks_and_set_order() {
        let a = Value::List(vec!["x".into(), "y".into()]);
        let b = Value::Set(vec!["y".into(), "x".into()]);
        assert!(a.same_as(&b));
        assert!(Value::Sensitive(Box::new("s".into())).same_as(&"s".into()));
        assert!(!Value::List(vec!["x".into()]).same_as(&Value::List(vec!["y".into()])));
    }

    #[test]
    fn knownness() {
        let v = Value::List(vec!["a".into(), Value::Unknown]);
        assert!(!v.is_wholly_known());
        assert_eq!(v.unknown_json(), serde_json::json!([false, true]));
    }

    #[test]
    fn json_round_trip_keeps_integers() {
        let v = Value::Map([("n".to_string(), Value::Number(3.0))].into());
        assert_eq!(v.to_json().to_string(), r#"{"n":3}"#);
        assert_eq!(Value::from_json(&v.to_json()), v);
    }

    #[test]
    fn display_is_hcl() {
        let v = Value::Map([("Name".to_string(), "a".into()), ("a b".to_string(), 1i64.into())].into());
        assert_eq!(v.to_string(), r#"{ Name = "a", "a b" = 1 }"#);
    }
}
