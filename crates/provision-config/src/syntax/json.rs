//! Reads `*.tf.json` files: Terraform's JSON syntax is translated into the HCL it means (blocks
//! from nested objects, labels from keys, strings as templates, references from strings where
//! Terraform reads them as references), so the loader and every later check read one syntax.
//! The translation keeps, for each of its offsets, where it came from in the JSON text, so that
//! diagnostics point into the file as written.
//!
//! The JSON reader is a small one of its own: it keeps the position of every value and every
//! key, which serde_json does not give, and keys in the order and number they were written.

use provision_core::{Providers, Schema};
use std::ops::Range;
use std::sync::Arc;

/// A JSON file that is not valid JSON, or not Terraform's JSON shape: where and why.
#[derive(Debug)]
pub(crate) struct JsonError {
    pub at: Range<usize>,
    pub summary: &'static str,
    pub message: String,
}

fn error(at: Range<usize>, summary: &'static str, message: impl Into<String>) -> JsonError {
    JsonError { at, summary, message: message.into() }
}

/// The HCL a JSON configuration means, and the points mapping its offsets back to the JSON text
/// (see [`provision_core::diagnostic::Origin`]).
pub(crate) fn translate(text: &str, providers: &Providers) -> Result<(String, Vec<(usize, usize)>), JsonError> {
    let root = Reader { text, bytes: text.as_bytes(), pos: 0, depth: 0 }.document()?;
    let mut w = Writer { text, providers, out: String::new(), points: vec![] };
    if !matches!(root.v, Val::Obj(_)) {
        return Err(error(
            root.span.clone(),
            "Invalid JSON configuration",
            "a .tf.json file holds one JSON object whose properties are blocks (\"resource\", \"variable\", ...)",
        ));
    }
    w.body(&Ctx::Top, &root)?;
    Ok((w.out, w.points))
}

// ---------------------------------------------------------------------------------------------
// The reader

#[derive(Debug)]
enum Val {
    Null,
    Bool,
    Num,
    Str(Str),
    Arr(Vec<Node>),
    Obj(Vec<(Str, Node)>),
}

#[derive(Debug)]
struct Node {
    v: Val,
    span: Range<usize>,
}

/// A decoded string, each of its characters with the offset it was written at.
#[derive(Debug)]
struct Str {
    s: String,
    chars: Vec<(char, usize)>,
    span: Range<usize>,
}

/// Deeper nesting than this is refused rather than overflowing the stack.
const MAX_DEPTH: usize = 200;

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
}

const SYNTAX: &str = "Invalid JSON syntax";

impl Reader<'_> {
    fn document(mut self) -> Result<Node, JsonError> {
        self.ws();
        if self.pos >= self.bytes.len() {
            return Err(error(0..0, SYNTAX, "the file is empty; a .tf.json file holds one JSON object"));
        }
        let v = self.value()?;
        self.ws();
        if self.pos < self.bytes.len() {
            return Err(error(self.pos..self.pos + 1, SYNTAX, "extra text after the JSON object"));
        }
        Ok(v)
    }

    fn ws(&mut self) {
        while matches!(self.bytes.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn here(&self, what: &str) -> JsonError {
        let found = match self.text.get(self.pos..).and_then(|s| s.chars().next()) {
            Some(c) => format!("found `{c}`"),
            None => "found the end of the file".into(),
        };
        let end = (self.pos + 1).min(self.bytes.len());
        error(self.pos..end, SYNTAX, format!("expected {what}, {found}"))
    }

    fn value(&mut self) -> Result<Node, JsonError> {
        let start = self.pos;
        let v = match self.bytes.get(self.pos) {
            Some(b'{') => self.nested(|r| r.object())?,
            Some(b'[') => self.nested(|r| r.array())?,
            Some(b'"') => Val::Str(self.string()?),
            Some(b't') => self.word("true", Val::Bool)?,
            Some(b'f') => self.word("false", Val::Bool)?,
            Some(b'n') => self.word("null", Val::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            _ => return Err(self.here("a JSON value")),
        };
        Ok(Node { v, span: start..self.pos })
    }

    fn nested(&mut self, f: impl FnOnce(&mut Self) -> Result<Val, JsonError>) -> Result<Val, JsonError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(error(self.pos..self.pos + 1, SYNTAX, format!("JSON nested more than {MAX_DEPTH} deep")));
        }
        let v = f(self);
        self.depth -= 1;
        v
    }

    fn word(&mut self, w: &str, v: Val) -> Result<Val, JsonError> {
        if self.text.get(self.pos..).is_some_and(|s| s.starts_with(w)) {
            self.pos += w.len();
            Ok(v)
        } else {
            Err(self.here("a JSON value (true, false, null, a number, a string, an array or an object)"))
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.bytes.get(self.pos), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Val, JsonError> {
        if self.bytes.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        if self.digits() == 0 {
            return Err(self.here("a digit"));
        }
        if self.bytes.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.here("a digit after the decimal point"));
            }
        }
        if matches!(self.bytes.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.bytes.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.here("a digit in the exponent"));
            }
        }
        Ok(Val::Num)
    }

    fn string(&mut self) -> Result<Str, JsonError> {
        let start = self.pos;
        self.pos += 1;
        let mut s = String::new();
        let mut chars = vec![];
        loop {
            let at = self.pos;
            let Some(c) = self.text.get(self.pos..).and_then(|t| t.chars().next()) else {
                return Err(error(
                    start..start + 1,
                    SYNTAX,
                    "this string is never closed (no `\"` before the end of the file)",
                ));
            };
            self.pos += c.len_utf8();
            let c = match c {
                '"' => break,
                '\\' => self.escape(at)?,
                c if (c as u32) < 0x20 => {
                    return Err(error(
                        at..at + 1,
                        SYNTAX,
                        "a control character (a line break, a tab) inside a string: write it as \\n, \\t, ...",
                    ));
                }
                c => c,
            };
            s.push(c);
            chars.push((c, at));
        }
        Ok(Str { s, chars, span: start..self.pos })
    }

    fn escape(&mut self, at: usize) -> Result<char, JsonError> {
        let Some(&e) = self.bytes.get(self.pos) else {
            return Err(self.here("an escape after `\\`"));
        };
        self.pos += 1;
        Ok(match e {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = self.hex4(at)?;
                if (0xd800..0xdc00).contains(&hi) {
                    if self.text.get(self.pos..).is_some_and(|t| t.starts_with("\\u")) {
                        self.pos += 2;
                        let lo = self.hex4(at)?;
                        if (0xdc00..0xe000).contains(&lo) {
                            let c = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
                            return char::from_u32(c).ok_or_else(|| bad_escape(at, self.pos));
                        }
                    }
                    return Err(bad_escape(at, self.pos));
                }
                char::from_u32(hi).ok_or_else(|| bad_escape(at, self.pos))?
            }
            _ => {
                return Err(error(
                    at..self.pos,
                    SYNTAX,
                    "invalid escape in a string: JSON has \\\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t and \\uXXXX",
                ));
            }
        })
    }

    fn hex4(&mut self, at: usize) -> Result<u32, JsonError> {
        let h = self.text.get(self.pos..self.pos + 4).ok_or_else(|| bad_escape(at, self.bytes.len()))?;
        let v = u32::from_str_radix(h, 16).map_err(|_| bad_escape(at, self.pos + 4))?;
        self.pos += 4;
        Ok(v)
    }

    fn array(&mut self) -> Result<Val, JsonError> {
        self.pos += 1;
        let mut items = vec![];
        self.ws();
        if self.bytes.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(Val::Arr(items));
        }
        loop {
            self.ws();
            items.push(self.value()?);
            self.ws();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Val::Arr(items));
                }
                _ => return Err(self.here("`,` or `]`")),
            }
        }
    }

    fn object(&mut self) -> Result<Val, JsonError> {
        self.pos += 1;
        let mut props = vec![];
        self.ws();
        if self.bytes.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(Val::Obj(props));
        }
        loop {
            self.ws();
            if self.bytes.get(self.pos) != Some(&b'"') {
                return Err(self.here("a property name in quotes"));
            }
            let key = self.string()?;
            self.ws();
            if self.bytes.get(self.pos) != Some(&b':') {
                return Err(self.here(&format!("`:` after the property name \"{}\"", key.s)));
            }
            self.pos += 1;
            self.ws();
            let v = self.value()?;
            props.push((key, v));
            self.ws();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Val::Obj(props));
                }
                _ => return Err(self.here("`,` or `}`")),
            }
        }
    }
}

fn bad_escape(at: usize, end: usize) -> JsonError {
    error(at..end, SYNTAX, "invalid \\u escape: four hexadecimal digits, a surrogate pair for characters above U+FFFF")
}

// ---------------------------------------------------------------------------------------------
// The translation

/// What kind of body is being read: it decides which properties are blocks (and how many
/// labels they take) and how each argument's value is read.
#[derive(Clone)]
enum Ctx {
    Top,
    Terraform,
    /// Only arguments, read as expressions.
    Plain,
    Variable,
    Output,
    Module,
    /// A resource or data source (its type's schema, when provision has the type).
    Resource(Option<Arc<Schema>>),
    /// A nested block of a resource or provider, or a provider block.
    Nested(Option<Arc<Schema>>),
    Lifecycle,
    Provisioner,
    Dynamic(Option<Arc<Schema>>),
    Moved,
    Import,
    Removed,
    Check,
}

/// How a property of a body is read.
enum Entry {
    /// The `"//"` comment property.
    Skip,
    Block(usize),
    Attr(Mode),
}

/// How an argument's JSON value is read.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// Strings are templates (`"${var.x}"`), arrays tuples, objects object constructors.
    Expr,
    /// Strings are literal text (`${` is kept as written): a variable's `default`.
    Literal,
    /// Strings are expressions as written, without `${ }`: `depends_on`, `provider`,
    /// `ignore_changes`, `moved`'s `from` and `to`, a variable's `type`, ...
    Ref,
}

fn has_block(schema: &Option<Arc<Schema>>, key: &str) -> bool {
    schema.as_ref().is_some_and(|s| s.blocks.iter().any(|b| b.name == key))
}

fn block_schema(schema: &Option<Arc<Schema>>, key: &str) -> Option<Arc<Schema>> {
    schema.as_ref().and_then(|s| s.blocks.iter().find(|b| b.name == key)).map(|b| Arc::new(b.schema.clone()))
}

fn entry(ctx: &Ctx, key: &str) -> Entry {
    use Entry::{Attr, Block};
    use Mode::{Expr, Literal, Ref};
    if key == "//" {
        return Entry::Skip;
    }
    match (ctx, key) {
        (Ctx::Top, "resource" | "data") => Block(2),
        (Ctx::Top, "provider" | "variable" | "output" | "module" | "check") => Block(1),
        (Ctx::Top, _) => Block(0),
        (Ctx::Terraform, "required_providers" | "cloud") => Block(0),
        (Ctx::Terraform, "backend" | "provider_meta") => Block(1),
        (Ctx::Variable, "validation") => Block(0),
        (Ctx::Variable, "type") => Attr(Ref),
        (Ctx::Variable, "default" | "description") => Attr(Literal),
        (Ctx::Output, "precondition") => Block(0),
        (Ctx::Output | Ctx::Module, "depends_on") => Attr(Ref),
        (Ctx::Module, "providers") => Attr(Ref),
        (Ctx::Resource(_), "provider" | "depends_on") => Attr(Ref),
        (Ctx::Resource(_) | Ctx::Removed, "lifecycle") => Block(0),
        (Ctx::Resource(_), "timeouts" | "connection") => Block(0),
        (Ctx::Resource(_) | Ctx::Removed, "provisioner") => Block(1),
        (Ctx::Resource(s) | Ctx::Nested(s), _) if has_block(s, key) => Block(0),
        (Ctx::Resource(_) | Ctx::Nested(_), "dynamic") => Block(1),
        (Ctx::Lifecycle, "precondition" | "postcondition") => Block(0),
        (Ctx::Lifecycle, "ignore_changes" | "replace_triggered_by") => Attr(Ref),
        (Ctx::Provisioner, "connection") => Block(0),
        (Ctx::Provisioner, "when" | "on_failure") => Attr(Ref),
        (Ctx::Dynamic(_), "content") => Block(0),
        (Ctx::Dynamic(_), "iterator") => Attr(Ref),
        (Ctx::Moved, "from" | "to") | (Ctx::Import, "to" | "provider") | (Ctx::Removed, "from") => Attr(Ref),
        (Ctx::Check, "data") => Block(2),
        (Ctx::Check, "assert") => Block(0),
        _ => Attr(Expr),
    }
}

impl Writer<'_> {
    fn child(&self, ctx: &Ctx, key: &str, labels: &[&Str]) -> Ctx {
        let label = |i: usize| labels.get(i).map_or("", |l| l.s.as_str());
        match (ctx, key) {
            (Ctx::Top, "terraform") => Ctx::Terraform,
            (Ctx::Top, "provider") => {
                Ctx::Nested(self.providers.get(label(0)).map(|p| Arc::new(p.config_schema().clone())))
            }
            (Ctx::Top, "variable") => Ctx::Variable,
            (Ctx::Top, "output") => Ctx::Output,
            (Ctx::Top, "module") => Ctx::Module,
            (Ctx::Top, "resource") => {
                Ctx::Resource(self.providers.resource_type(label(0)).map(|r| Arc::new(r.schema().clone())))
            }
            (Ctx::Top | Ctx::Check, "data") => {
                Ctx::Resource(self.providers.data_source(label(0)).map(|d| Arc::new(d.schema().clone())))
            }
            (Ctx::Top, "moved") => Ctx::Moved,
            (Ctx::Top, "import") => Ctx::Import,
            (Ctx::Top, "removed") => Ctx::Removed,
            (Ctx::Top, "check") => Ctx::Check,
            (Ctx::Resource(_) | Ctx::Removed, "lifecycle") => Ctx::Lifecycle,
            (Ctx::Resource(_) | Ctx::Removed, "provisioner") => Ctx::Provisioner,
            (Ctx::Resource(s) | Ctx::Nested(s), "dynamic") => Ctx::Dynamic(block_schema(s, label(0))),
            (Ctx::Resource(s) | Ctx::Nested(s), _) if has_block(s, key) => Ctx::Nested(block_schema(s, key)),
            (Ctx::Dynamic(s), "content") => Ctx::Nested(s.clone()),
            _ => Ctx::Plain,
        }
    }
}

struct Writer<'a> {
    text: &'a str,
    providers: &'a Providers,
    out: String,
    points: Vec<(usize, usize)>,
}

fn valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

impl Writer<'_> {
    /// Appends `text`, which comes from offset `at` of the JSON text.
    fn put(&mut self, text: &str, at: usize) {
        let here = self.out.len();
        let linear = self.points.last().is_some_and(|&(t, w)| w + (here - t) == at);
        if !linear {
            self.points.push((here, at));
        }
        self.out.push_str(text);
    }

    fn put_char(&mut self, c: char, at: usize) {
        let mut buf = [0u8; 4];
        self.put(c.encode_utf8(&mut buf), at);
    }

    /// A property name used as a block type or an argument name, shown at `at`.
    fn name(&mut self, key: &Str, what: &str, at: usize) -> Result<(), JsonError> {
        if !valid_name(&key.s) {
            return Err(error(
                key.span.clone(),
                "Invalid JSON configuration",
                format!(
                    "\"{}\" is not a valid {what} name: use letters, digits, `_` and `-`, starting with a letter",
                    key.s
                ),
            ));
        }
        self.put(&key.s, at);
        Ok(())
    }

    fn body(&mut self, ctx: &Ctx, node: &Node) -> Result<(), JsonError> {
        let Val::Obj(props) = &node.v else {
            return Err(error(node.span.clone(), "Invalid JSON configuration", "a block's body is a JSON object"));
        };
        for (key, v) in props {
            match entry(ctx, &key.s) {
                Entry::Skip => {}
                Entry::Block(n) => self.block(ctx, key, n, v, &mut vec![])?,
                Entry::Attr(mode) => {
                    self.name(key, "argument", key.span.start + 1)?;
                    self.put(" = ", v.span.start);
                    self.expr(v, mode)?;
                    self.put("\n", v.span.end);
                }
            }
        }
        Ok(())
    }

    /// The blocks of type `key` that `v` holds, with `labels` read so far of the `n` it takes: an
    /// object whose keys are the next label, or, with every label read, the body; an array of
    /// either for several.
    fn block<'n>(
        &mut self,
        ctx: &Ctx,
        key: &Str,
        n: usize,
        v: &'n Node,
        labels: &mut Vec<&'n Str>,
    ) -> Result<(), JsonError> {
        if let Val::Arr(items) = &v.v {
            for item in items {
                self.block(ctx, key, n, item, labels)?;
            }
            return Ok(());
        }
        let Val::Obj(props) = &v.v else {
            let what = if labels.len() < n { "whose property names are its labels" } else { "holding its body" };
            return Err(error(
                v.span.clone(),
                "Invalid JSON configuration",
                format!("a `{}` block is written as a JSON object {what} (or an array of them)", key.s),
            ));
        };
        if labels.len() < n {
            for (label, inner) in props {
                labels.push(label);
                self.block(ctx, key, n, inner, labels)?;
                labels.pop();
            }
            return Ok(());
        }
        // A labelled block is declared, in JSON, where its last label is written: what is said
        // of the block (declared twice, an unsupported type) points there, not at the
        // `"resource"` property every resource of the file shares.
        let at = labels.last().map_or(key.span.start, |l| l.span.start) + 1;
        self.name(key, "block type", at)?;
        for l in labels.iter() {
            self.put(" ", l.span.start);
            self.quoted(l, Mode::Literal);
        }
        self.put(" {\n", v.span.start);
        let inner = self.child(ctx, &key.s, labels);
        self.body(&inner, v)?;
        self.put("}\n", v.span.end.saturating_sub(1));
        Ok(())
    }

    fn expr(&mut self, node: &Node, mode: Mode) -> Result<(), JsonError> {
        match &node.v {
            Val::Null | Val::Bool | Val::Num => {
                let raw = self.text.get(node.span.clone()).unwrap_or_default().to_string();
                self.put(&raw, node.span.start);
            }
            Val::Str(s) if mode == Mode::Ref => self.raw(s),
            Val::Str(s) => self.quoted(s, mode),
            Val::Arr(items) => {
                self.put("[", node.span.start);
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.put(", ", item.span.start);
                    }
                    self.expr(item, mode)?;
                }
                self.put("]", node.span.end.saturating_sub(1));
            }
            Val::Obj(props) => {
                self.put("{\n", node.span.start);
                for (key, v) in props {
                    if mode == Mode::Ref {
                        self.raw(key);
                    } else if mode == Mode::Expr && (key.s.contains("${") || key.s.contains("%{")) {
                        self.put("(", key.span.start);
                        self.quoted(key, mode);
                        self.put(")", key.span.end.saturating_sub(1));
                    } else {
                        self.quoted(key, mode);
                    }
                    self.put(" = ", v.span.start);
                    self.expr(v, mode)?;
                    self.put("\n", v.span.end);
                }
                self.put("}", node.span.end.saturating_sub(1));
            }
        }
        Ok(())
    }

    /// A string as the expression it holds (a reference, a type).
    fn raw(&mut self, s: &Str) {
        if s.chars.is_empty() {
            // Nothing to read: the HCL parser's "expected an expression" points at the string.
            self.put("\"\"", s.span.start);
            return;
        }
        for &(c, at) in &s.chars {
            self.put_char(c, at);
        }
    }

    /// A string as an HCL quoted template: escaped for HCL outside its `${ }` and `%{ }`
    /// sequences, which are kept as written (with [`Mode::Literal`], escaped too).
    fn quoted(&mut self, s: &Str, mode: Mode) {
        self.put("\"", s.span.start);
        // Inside a template sequence: how deep in braces, and whether in a string of it.
        #[derive(PartialEq)]
        enum In {
            Seq(usize),
            Str,
        }
        let mut stack: Vec<In> = vec![];
        let chars = &s.chars;
        let mut i = 0;
        while let Some(&(c, at)) = chars.get(i) {
            let next = chars.get(i + 1).map(|x| x.0);
            i += 1;
            match stack.last_mut() {
                None => {
                    let opens = (c == '$' || c == '%') && next == Some('{');
                    let escaped =
                        (c == '$' || c == '%') && next == Some(c) && chars.get(i + 1).map(|x| x.0) == Some('{');
                    if mode == Mode::Literal && opens {
                        // `${` meant as text: HCL's `$${`.
                        self.put_char(c, at);
                        self.put_char(c, at);
                    } else if escaped {
                        // `$${`: already HCL's escape, kept as written.
                        self.put_char(c, at);
                        self.put_char(c, at);
                        i += 1;
                    } else if opens {
                        self.put_char(c, at);
                        self.put_char('{', chars[i].1);
                        i += 1;
                        stack.push(In::Seq(0));
                    } else {
                        match c {
                            '"' => self.put("\\\"", at),
                            '\\' => self.put("\\\\", at),
                            '\n' => self.put("\\n", at),
                            '\r' => self.put("\\r", at),
                            '\t' => self.put("\\t", at),
                            c if (c as u32) < 0x20 => self.put(&format!("\\u{:04x}", c as u32), at),
                            c => self.put_char(c, at),
                        }
                    }
                }
                Some(In::Seq(depth)) => {
                    self.put_char(c, at);
                    match c {
                        '"' => stack.push(In::Str),
                        '{' => *depth += 1,
                        '}' if *depth == 0 => {
                            stack.pop();
                        }
                        '}' => *depth -= 1,
                        _ => {}
                    }
                }
                Some(In::Str) => {
                    self.put_char(c, at);
                    match c {
                        '\\' => {
                            if let Some(&(n, nat)) = chars.get(i) {
                                self.put_char(n, nat);
                                i += 1;
                            }
                        }
                        '"' => {
                            stack.pop();
                        }
                        '$' | '%' if next == Some('{') => {
                            self.put_char('{', chars[i].1);
                            i += 1;
                            stack.push(In::Seq(0));
                        }
                        _ => {}
                    }
                }
            }
        }
        self.put("\"", s.span.end.saturating_sub(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hcl(json: &str) -> String {
        match translate(json, &Providers::new(vec![])) {
            Ok((h, _)) => h,
            Err(e) => panic!("{e:?}"),
        }
    }

    #[test]
    fn blocks_labels_and_templates() {
        let h = hcl(r#"{"variable": {"a": {"default": "${x}", "type": "list(string)"}},
            "locals": {"//": "comment", "b": "${var.a[0]}-\"q\"", "c": ["${lookup(var.m, \"k\")}", 1, null]}}"#);
        assert_eq!(
            h,
            "variable \"a\" {\ndefault = \"$${x}\"\ntype = list(string)\n}\nlocals {\nb = \"${var.a[0]}-\\\"q\\\"\"\nc = [\"${lookup(var.m, \"k\")}\", 1, null]\n}\n"
        );
    }

    #[test]
    fn arrays_of_blocks() {
        let h = hcl(r#"{"output": [{"a": {"value": 1}}, {"b": [{"value": 2}]}]}"#);
        assert_eq!(h, "output \"a\" {\nvalue = 1\n}\noutput \"b\" {\nvalue = 2\n}\n");
    }

    #[test]
    fn offsets_map_back() {
        let json = "{\"locals\": {\"x\": \"a\\\"${var.y}\"}}";
        let (h, points) = translate(json, &Providers::new(vec![])).expect("valid");
        let mut sources = provision_core::Sources::default();
        let f = sources.add_translated(
            "m.tf.json",
            h.clone(),
            provision_core::diagnostic::Origin { text: json.into(), points },
        );
        let file = &sources.files[f];
        let var = h.find("var.y").expect("var");
        assert_eq!(file.to_written(var), json.find("var.y").expect("var"));
        let x = h.find("x =").expect("x");
        assert_eq!(file.to_written(x), json.find("x\":").expect("x"));
    }

    #[test]
    fn syntax_errors_have_positions() {
        let e = translate("{\"locals\": {\"x\": 1,}}", &Providers::new(vec![])).expect_err("invalid");
        assert_eq!(e.at.start, 19);
        assert!(e.message.contains("property name"), "{}", e.message);
    }
}
