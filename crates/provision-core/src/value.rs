//! The value model shared by configuration, plans and state: Terraform's dynamic values, with
//! *unknown* (not known until apply) and *sensitive* (never shown) as first-class citizens.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

/// The attributes of one object, by name.
pub type Attrs = BTreeMap<String, Value>;

/// What is shown in place of a sensitive value, everywhere but `output -json` and `output -raw`.
pub const REDACTED: &str = "(sensitive value)";

/// Where a part of a value is: attribute names and map keys, list indexes in decimal. A path
/// into a set stops at the set (a set with a sensitive element is sensitive as a whole).
pub type Path = Vec<String>;

/// A configuration or state value.
///
/// Lists also stand for tuples and maps also stand for objects: provision checks shapes against
/// resource schemas, so the finer distinctions Terraform makes at the type level are not needed.
/// Sets are kept sorted and free of duplicates.
#[derive(Clone, PartialEq, Default)]
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

    /// The paths of the sensitive parts (the outermost mark of each).
    pub fn sensitive_paths(&self) -> Vec<Path> {
        fn walk(v: &Value, at: &mut Path, out: &mut Vec<Path>) {
            match v {
                Value::Sensitive(_) => out.push(at.clone()),
                Value::Set(_) if v.contains_sensitive() => out.push(at.clone()),
                Value::List(items) => {
                    for (i, item) in items.iter().enumerate() {
                        at.push(i.to_string());
                        walk(item, at, out);
                        at.pop();
                    }
                }
                Value::Map(m) => {
                    for (k, item) in m {
                        at.push(k.clone());
                        walk(item, at, out);
                        at.pop();
                    }
                }
                _ => {}
            }
        }
        let mut out = vec![];
        walk(self, &mut vec![], &mut out);
        out
    }

    /// Marks the part at `path` sensitive. Nothing happens when the value has no such part or the
    /// part is null; a path into a set marks the whole set.
    pub fn mark_path(&mut self, path: &[String]) {
        if matches!(self, Value::Null | Value::Sensitive(_)) {
            return;
        }
        let Some((step, rest)) = path.split_first() else {
            *self = std::mem::take(self).mark_if(true);
            return;
        };
        if matches!(self, Value::Set(_)) {
            *self = std::mem::take(self).mark_if(true);
            return;
        }
        let part = match self {
            Value::Map(m) => m.get_mut(step),
            Value::List(items) => step.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
            _ => None,
        };
        if let Some(part) = part {
            part.mark_path(rest);
        }
    }

    /// Marks every part that is sensitive in `other` at the same path: how a recorded value (which
    /// carries no marks) learns what is secret from the planned one.
    pub fn copy_marks(&mut self, other: &Value) {
        for p in other.sensitive_paths() {
            self.mark_path(&p);
        }
    }

    /// The value with every sensitive part replaced by a marked null: safe to show or log, and
    /// still displayed as `(sensitive value)`.
    pub fn redacted(&self) -> Value {
        match self {
            Value::Sensitive(_) => Value::Sensitive(Box::new(Value::Null)),
            Value::List(items) => Value::List(items.iter().map(Value::redacted).collect()),
            Value::Set(items) => Value::Set(items.iter().map(Value::redacted).collect()),
            Value::Map(m) => Value::Map(m.iter().map(|(k, v)| (k.clone(), v.redacted())).collect()),
            v => v.clone(),
        }
    }

    /// The text of every sensitive part (strings, numbers as written, the keys of sensitive maps),
    /// for taking them out of messages that may quote them (see [`redact_text`]).
    pub fn secrets(&self) -> Vec<String> {
        fn all(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::String(s) => out.push(s.clone()),
                Value::Number(n) => out.push(format_number(*n)),
                Value::List(items) | Value::Set(items) => items.iter().for_each(|i| all(i, out)),
                Value::Map(m) => {
                    for (k, i) in m {
                        out.push(k.clone());
                        all(i, out);
                    }
                }
                Value::Sensitive(i) => all(i, out),
                Value::Null | Value::Bool(_) | Value::Unknown => {}
            }
        }
        fn marked(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Sensitive(i) => all(i, out),
                Value::List(items) | Value::Set(items) => items.iter().for_each(|i| marked(i, out)),
                Value::Map(m) => m.values().for_each(|i| marked(i, out)),
                _ => {}
            }
        }
        let mut out = vec![];
        marked(self, &mut out);
        out
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

/// Attributes with the parts at `paths` marked sensitive (see [`Value::mark_path`]).
pub fn mark_paths(attrs: &mut Attrs, paths: &[Path]) {
    for p in paths {
        if let Some((name, rest)) = p.split_first()
            && let Some(v) = attrs.get_mut(name)
        {
            v.mark_path(rest);
        }
    }
}

/// The paths of the sensitive parts of an object's attributes, each starting with the attribute.
pub fn sensitive_paths(attrs: &Attrs) -> Vec<Path> {
    Value::Map(attrs.clone()).sensitive_paths()
}

/// `text` with every occurrence of a secret (quoted or not) replaced by `(sensitive value)`: for
/// messages that may quote a value. A secret shorter than four characters is replaced only where
/// it stands alone (not inside a longer word or number), so a sensitive `8` leaves `/16` alone.
pub fn redact_text(text: &str, secrets: &[String]) -> String {
    let mut candidates: Vec<String> = secrets
        .iter()
        .filter(|s| !s.is_empty())
        .flat_map(|s| [serde_json::Value::String(s.clone()).to_string(), s.clone()])
        .collect();
    if candidates.is_empty() {
        return text.to_string();
    }
    candidates.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    candidates.dedup();
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric());
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    'scan: while let Some(c) = text[i..].chars().next() {
        for s in &candidates {
            if !text[i..].starts_with(s.as_str()) {
                continue;
            }
            let alone = !word(text[..i].chars().next_back()) && !word(text[i + s.len()..].chars().next());
            if s.chars().count() >= 4 || alone {
                out.push_str(REDACTED);
                i += s.len();
                continue 'scan;
            }
        }
        out.push(c);
        i += c.len_utf8();
    }
    out
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

/// Like a derived `Debug`, except that what a sensitive mark covers is never shown, so values can
/// go into debug logs and assertion messages.
impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("Null"),
            Value::Bool(b) => f.debug_tuple("Bool").field(b).finish(),
            Value::Number(n) => f.debug_tuple("Number").field(n).finish(),
            Value::String(s) => f.debug_tuple("String").field(s).finish(),
            Value::List(items) => f.debug_tuple("List").field(items).finish(),
            Value::Set(items) => f.debug_tuple("Set").field(items).finish(),
            Value::Map(m) => f.debug_tuple("Map").field(m).finish(),
            Value::Unknown => f.write_str("Unknown"),
            Value::Sensitive(_) => write!(f, "Sensitive({REDACTED})"),
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

    fn secret() -> Value {
        Value::Sensitive(Box::new("S3cr3t".into()))
    }

    #[test]
    fn debug_never_shows_a_sensitive_value() {
        let v = Value::Map([("Secret".to_string(), secret()), ("Name".to_string(), "n".into())].into());
        let shown = format!("{v:?} {v:#?}");
        assert!(!shown.contains("S3cr3t"), "{shown}");
        assert!(shown.contains("Sensitive((sensitive value))") && shown.contains("\"n\""), "{shown}");
    }

    #[test]
    fn marks_move_between_values_by_path() {
        let planned = Value::Map(
            [
                ("tags".to_string(), Value::Map([("Secret".to_string(), secret())].into())),
                ("list".to_string(), Value::List(vec!["a".into(), secret()])),
                ("set".to_string(), Value::Set(vec!["a".into(), secret()])),
            ]
            .into(),
        );
        let paths = planned.sensitive_paths();
        assert_eq!(
            paths,
            vec![vec!["list".to_string(), "1".into()], vec!["set".into()], vec!["tags".into(), "Secret".into()]]
        );
        let mut prior = Value::Map(
            [
                (
                    "tags".to_string(),
                    Value::Map([("Secret".to_string(), "old".into()), ("Name".to_string(), "n".into())].into()),
                ),
                ("list".to_string(), Value::List(vec!["a".into()])),
                ("set".to_string(), Value::Set(vec!["a".into(), "b".into()])),
            ]
            .into(),
        );
        prior.copy_marks(&planned);
        assert_eq!(
            prior.to_string(),
            r#"{ list = ["a"], set = (sensitive value), tags = { Name = "n", Secret = (sensitive value) } }"#
        );
        assert_eq!(prior.sensitive_paths(), vec![vec!["set".to_string()], vec!["tags".into(), "Secret".into()]]);
        assert_eq!(
            prior.redacted().strip_marks().to_string(),
            r#"{ list = ["a"], set = null, tags = { Name = "n", Secret = null } }"#
        );
    }

    #[test]
    fn secrets_are_taken_out_of_messages() {
        let v = Value::List(vec!["plain".into(), secret(), Value::Sensitive(Box::new(Value::Number(8.0)))]);
        let secrets = v.secrets();
        assert_eq!(secrets, vec!["S3cr3t".to_string(), "8".into()]);
        assert_eq!(
            redact_text(r#""S3cr3t" is not a CIDR prefix; x=S3cr3tS3cr3t, /8 but not 18 or 10.0.0.0/28"#, &secrets),
            "(sensitive value) is not a CIDR prefix; x=(sensitive value)(sensitive value), /(sensitive value) but not 18 or 10.0.0.0/28"
        );
        assert_eq!(redact_text("plain", &[]), "plain");
    }

    #[test]
    fn display_is_hcl() {
        let v = Value::Map([("Name".to_string(), "a".into()), ("a b".to_string(), 1i64.into())].into());
        assert_eq!(v.to_string(), r#"{ Name = "a", "a b" = 1 }"#);
    }
}
