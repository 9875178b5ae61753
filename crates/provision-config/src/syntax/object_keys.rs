//! Parses a file whose object literals may set the same key twice (`{ port = 80, port = 81 }`):
//! Terraform accepts that and the last value wins, but the HCL parser rejects it. Each repeated
//! key is renamed, in a copy of the text, to a unique key of the same byte length (so every span
//! stays right), the copy is parsed, and the original key is put back in the syntax tree, where
//! inserting it again keeps the first position and the last value.

use super::offset_of;
use hcl_edit::expr::{Expression, Object, ObjectKey};
use hcl_edit::structure::Body;
use hcl_edit::visit_mut::{VisitMut, visit_expr_mut};
use hcl_edit::{Decorated, Ident, Span};

/// A repeated key renamed in the parsed copy: where it starts and how it was written.
struct Renamed {
    start: usize,
    /// The key as written, including quotes when it was quoted.
    text: String,
}

/// More repeated keys than this in one file are left to the parser's error.
const MAX_RENAMES: usize = 1000;

/// Like [`hcl_edit::parser::parse_body`], with repeated object keys allowed (last one wins).
pub(crate) fn parse_body(text: &str) -> Result<Body, hcl_edit::parser::Error> {
    let mut copy = text.to_string();
    let mut renamed: Vec<Renamed> = vec![];
    let mut counter = 0usize;
    loop {
        let err = match hcl_edit::parser::parse_body(&copy) {
            Ok(mut body) => {
                if !renamed.is_empty() {
                    Restore { renamed: &renamed }.visit_body_mut(&mut body);
                }
                return Ok(body);
            }
            Err(e) => e,
        };
        if !err.message().contains("redefined object key") || renamed.len() >= MAX_RENAMES {
            return Err(err);
        }
        let start = offset_of(&copy, err.location().line(), err.location().column());
        let Some(key) = key_at(&copy, start) else { return Err(err) };
        // A key renamed before and still colliding (with a later key of the new name) gets the
        // next name; it keeps what it was originally written as.
        let original = match renamed.iter().position(|r| r.start == start) {
            Some(i) => renamed.remove(i).text,
            None => copy[key.clone()].to_string(),
        };
        let quoted = original.starts_with('"');
        let inner = if quoted { key.start + 1..key.end - 1 } else { key.clone() };
        let name = unique_name(inner.len(), counter);
        counter += 1;
        copy.replace_range(inner, &name);
        renamed.push(Renamed { start, text: original });
    }
}

/// A name of `len` ASCII letters, the `n`th of its length (starting with `z`, unlikely in real
/// keys).
fn unique_name(len: usize, mut n: usize) -> String {
    let mut out = String::with_capacity(len);
    out.push('z');
    for _ in 1..len {
        out.push((b'a' + (n % 26) as u8) as char);
        n /= 26;
    }
    if len == 1 {
        // One letter: the nth letter, counting back from `z`.
        out = ((b'z' - (n % 26) as u8) as char).to_string();
    }
    out
}

/// The byte range of the object key that starts at `at`: an identifier or a quoted string
/// without interpolation.
fn key_at(text: &str, at: usize) -> Option<std::ops::Range<usize>> {
    let rest = text.get(at..)?;
    if let Some(quoted) = rest.strip_prefix('"') {
        let mut escaped = false;
        for (i, c) in quoted.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    let inner = &quoted[..i];
                    return (!inner.is_empty() && !inner.contains("${") && !inner.contains("%{"))
                        .then_some(at..at + i + 2);
                }
                '\n' => return None,
                _ => escaped = false,
            }
        }
        return None;
    }
    let len: usize =
        rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-').map(char::len_utf8).sum();
    (len > 0).then_some(at..at + len)
}

/// Puts the renamed keys back, merging each into the key it repeats.
struct Restore<'a> {
    renamed: &'a [Renamed],
}

impl Restore<'_> {
    fn original(&self, key: &ObjectKey) -> Option<ObjectKey> {
        let span = key.span()?;
        let r = self.renamed.iter().find(|r| r.start == span.start)?;
        // (The restored key has no span of its own: hcl-edit cannot set one; its value keeps its.)
        if r.text.starts_with('"') {
            Some(ObjectKey::Expression(hcl_edit::parser::parse_expr(&r.text).ok()?))
        } else {
            Some(ObjectKey::Ident(Decorated::new(Ident::try_new(r.text.as_str()).ok()?)))
        }
    }

    fn merge(&self, object: &mut Object) {
        if !object.iter().any(|(k, _)| self.original(k).is_some()) {
            return;
        }
        let items: Vec<_> = object.clone().into_iter().collect();
        object.clear();
        for (key, value) in items {
            let key = self.original(&key).unwrap_or(key);
            object.insert(key, value);
        }
    }
}

impl VisitMut for Restore<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expression) {
        visit_expr_mut(self, expr);
        if let Expression::Object(object) = expr {
            self.merge(object);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hcl_edit::structure::Structure;

    fn object(text: &str) -> Vec<(String, String, std::ops::Range<usize>)> {
        let body = parse_body(text).expect("parses");
        let Some(Structure::Attribute(a)) = body.iter().next() else { panic!("an attribute") };
        let Expression::Object(o) = &a.value else { panic!("an object") };
        o.iter()
            .map(|(k, v)| {
                let key = match k {
                    ObjectKey::Ident(i) => i.as_str().to_string(),
                    ObjectKey::Expression(Expression::String(s)) => format!("\"{}\"", s.as_str()),
                    ObjectKey::Expression(_) => "expr".into(),
                };
                (key, v.expr().to_string().trim().to_string(), v.expr().span().unwrap_or_default())
            })
            .collect()
    }

    #[test]
    fn the_last_value_wins_in_the_first_position() {
        let text = "x = { port = 80, name = \"a\", port = 81 }\n";
        let items = object(text);
        let keys: Vec<(&str, &str)> = items.iter().map(|(k, v, _)| (k.as_str(), v.as_str())).collect();
        assert_eq!(keys, [("port", "81"), ("name", "\"a\"")]);
        // The value keeps its place in the original text.
        assert_eq!(&text[items[0].2.clone()], "81");
    }

    #[test]
    fn quoted_one_letter_and_repeated_many_times() {
        let items = object("x = { \"a-b\" = 1, a = 2, \"a-b\" = 3, a = 4, a = 5 }\n");
        let keys: Vec<(&str, &str)> = items.iter().map(|(k, v, _)| (k.as_str(), v.as_str())).collect();
        assert_eq!(keys, [("\"a-b\"", "3"), ("a", "5")]);
    }

    #[test]
    fn a_renamed_key_colliding_with_a_later_key_is_renamed_again() {
        // `za` is the first two-letter name tried for the repeated `ab`.
        let items = object("x = { ab = 1, ab = 2, za = 3 }\n");
        let keys: Vec<(&str, &str)> = items.iter().map(|(k, v, _)| (k.as_str(), v.as_str())).collect();
        assert_eq!(keys, [("ab", "2"), ("za", "3")]);
    }

    #[test]
    fn nested_objects_and_other_errors() {
        let items = object("x = { a = { b = 1, b = 2 }, a = { c = 3 } }\n");
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].1, "{ c = 3 }");
        // A repeated argument in a block stays an error.
        assert!(parse_body("a = 1\na = 2\n").is_err());
    }
}
