//! `yamldecode` and `yamlencode` with Terraform's exact rules. The parsing is yaml-rust2's; what
//! a plain scalar means is decided here, because Terraform reads YAML 1.1 style (`yes` is true,
//! `0x1F` is 31) where yaml-rust2 would read YAML 1.2. The encoder is written out here: Terraform
//! quotes every string and key, and its layout (literal blocks, folding at 80 columns, `...`
//! after a lone plain scalar) is what a byte-for-byte comparison with its output needs.

use super::{Ctx, str1};
use crate::limits::{MAX_VALUE_SIZE, string_fits};
use provision_core::Value;
use provision_core::value::format_number;
use std::collections::BTreeMap;
use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// `yamldecode(string)`: exactly one YAML document.
pub(super) fn yamldecode(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let s = str1(a)?;
    // Terraform reads YAML 1.1 and refuses a document that declares another version.
    for (i, line) in s.lines().enumerate() {
        if line.starts_with("---") || !(line.starts_with('%') || line.starts_with('#') || line.trim().is_empty()) {
            break;
        }
        if let Some(version) = line.strip_prefix("%YAML").map(str::trim)
            && version.split_whitespace().next() != Some("1.1")
        {
            return Err(format!(
                "line {}, column 1: the document declares YAML {version}; Terraform's yamldecode reads YAML 1.1 (drop the %YAML line)",
                i + 1
            ));
        }
    }
    let mut d = Decoder { parser: Parser::new_from_str(&s), anchors: BTreeMap::new(), nodes: 0 };
    let mut value = None;
    loop {
        let (ev, mark) = d.next()?;
        match ev {
            Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
            Event::DocumentStart => {
                if value.is_some() {
                    return Err(format!("{}: the YAML holds more than one document", at(&mark)));
                }
                let (ev, mark) = d.next()?;
                value = Some(d.node(ev, mark)?);
            }
            Event::StreamEnd => break,
            _ => return Err(format!("{}: unexpected content", at(&mark))),
        }
    }
    value.ok_or_else(|| "the YAML holds no document".to_string())
}

fn at(m: &Marker) -> String {
    format!("line {}, column {}", m.line(), m.col() + 1)
}

struct Decoder<'a> {
    parser: Parser<std::str::Chars<'a>>,
    anchors: BTreeMap<usize, Value>,
    /// Nodes made so far, aliases included, so that a few anchors cannot expand without bound.
    nodes: usize,
}

impl Decoder<'_> {
    fn next(&mut self) -> Result<(Event, Marker), String> {
        self.parser.next_token().map_err(|e| format!("{}: {}", at(e.marker()), e.info()))
    }

    fn count(&mut self, n: usize, mark: &Marker) -> Result<(), String> {
        self.nodes += n;
        if self.nodes > MAX_VALUE_SIZE {
            return Err(format!("{}: the YAML expands to more than {MAX_VALUE_SIZE} values", at(mark)));
        }
        Ok(())
    }

    fn node(&mut self, ev: Event, mark: Marker) -> Result<Value, String> {
        let (value, anchor) = match ev {
            Event::Alias(id) => {
                let v = self.anchors.get(&id).cloned().ok_or_else(|| format!("{}: unknown alias", at(&mark)))?;
                let n = crate::limits::measure(&v, MAX_VALUE_SIZE).unwrap_or(MAX_VALUE_SIZE);
                self.count(n, &mark)?;
                return Ok(v);
            }
            Event::Scalar(text, style, anchor, tag) => {
                self.count(1, &mark)?;
                (scalar(&text, style, tag.as_ref()).map_err(|e| format!("{}: {e}", at(&mark)))?, anchor)
            }
            Event::SequenceStart(anchor, tag) => {
                check_collection_tag(tag.as_ref(), "seq").map_err(|e| format!("{}: {e}", at(&mark)))?;
                self.count(1, &mark)?;
                let mut items = vec![];
                loop {
                    let (ev, mark) = self.next()?;
                    if matches!(ev, Event::SequenceEnd) {
                        break;
                    }
                    items.push(self.node(ev, mark)?);
                }
                (Value::List(items), anchor)
            }
            Event::MappingStart(anchor, tag) => {
                check_collection_tag(tag.as_ref(), "map").map_err(|e| format!("{}: {e}", at(&mark)))?;
                self.count(1, &mark)?;
                let mut map = BTreeMap::new();
                loop {
                    let (ev, kmark) = self.next()?;
                    if matches!(ev, Event::MappingEnd) {
                        break;
                    }
                    let is_merge = matches!(&ev, Event::Scalar(t, TScalarStyle::Plain, _, None) if t == "<<");
                    let key = if is_merge { None } else { Some(self.key(ev, &kmark)?) };
                    let (ev, vmark) = self.next()?;
                    let v = self.node(ev, vmark)?;
                    // As Terraform: entries are taken in order, so a later one wins, merged or not.
                    match key {
                        Some(k) => {
                            map.insert(k, v);
                        }
                        None => merge_into(&mut map, v).map_err(|e| format!("{}: {e}", at(&kmark)))?,
                    }
                }
                (Value::Map(map), anchor)
            }
            _ => return Err(format!("{}: unexpected content", at(&mark))),
        };
        if anchor > 0 {
            self.anchors.insert(anchor, value.clone());
        }
        Ok(value)
    }

    /// A mapping key: a scalar, as text (`1: a` has the key "1", `yes: a` the key "true").
    fn key(&mut self, ev: Event, mark: &Marker) -> Result<String, String> {
        let v = match ev {
            Event::Scalar(..) | Event::Alias(_) => self.node(ev, *mark)?,
            _ => return Err(format!("{}: a mapping key must be a string, not a list or a map", at(mark))),
        };
        match v {
            Value::String(s) => Ok(s),
            Value::Number(n) => Ok(format_number(n)),
            Value::Bool(b) => Ok(b.to_string()),
            Value::Null => Err(format!("{}: a mapping key cannot be null", at(mark))),
            _ => Err(format!("{}: a mapping key must be a string, not a list or a map", at(mark))),
        }
    }
}

/// `<<: *anchor`: the entries of the map named. Terraform takes one map only, not a list.
fn merge_into(merged: &mut BTreeMap<String, Value>, v: Value) -> Result<(), String> {
    let Value::Map(m) = v else {
        return Err("a merge key (<<) takes one map, such as `<<: *defaults`".into());
    };
    merged.extend(m);
    Ok(())
}

/// The standard tag a `!!name` or `tag:yaml.org,2002:name` tag stands for.
fn standard_tag(tag: &Tag) -> Option<&str> {
    match tag.handle.as_str() {
        "!!" | "tag:yaml.org,2002:" => Some(tag.suffix.as_str()),
        // A verbatim tag, `!<tag:yaml.org,2002:str>`.
        "" | "!" => tag.suffix.strip_prefix("tag:yaml.org,2002:"),
        _ => None,
    }
}

fn tag_text(tag: &Tag) -> String {
    format!("{}{}", tag.handle, tag.suffix)
}

fn check_collection_tag(tag: Option<&Tag>, want: &str) -> Result<(), String> {
    match tag {
        None => Ok(()),
        Some(t) if standard_tag(t) == Some(want) => Ok(()),
        Some(t) => Err(format!("the tag \"{}\" is not supported here", tag_text(t))),
    }
}

/// What a scalar means. Quoted and block scalars are strings; a plain scalar is null, a bool, a
/// number or a string by YAML 1.1's rules, as Terraform reads it; `!!str`, `!!int`... force it.
fn scalar(text: &str, style: TScalarStyle, tag: Option<&Tag>) -> Result<Value, String> {
    let plain = matches!(style, TScalarStyle::Plain);
    let Some(tag) = tag else {
        return if plain { resolve_plain(text) } else { Ok(Value::String(text.to_string())) };
    };
    let kind = standard_tag(tag).ok_or_else(|| format!("the tag \"{}\" is not supported", tag_text(tag)))?;
    // Terraform keeps a quoted scalar a string whatever its tag says.
    if !plain || matches!(kind, "str" | "binary") {
        return Ok(Value::String(text.to_string()));
    }
    let v = resolve_plain(text)?;
    let fits = match kind {
        "int" => matches!(v, Value::Number(n) if n.fract() == 0.0),
        "float" => matches!(v, Value::Number(_)),
        "bool" => matches!(v, Value::Bool(_)),
        "null" => matches!(v, Value::Null),
        "timestamp" => matches!(v, Value::String(_)),
        _ => return Err(format!("the tag \"{}\" is not supported", tag_text(tag))),
    };
    if fits { Ok(v) } else { Err(format!("\"{text}\" is not a valid {kind} (tag {})", tag_text(tag))) }
}

fn resolve_plain(t: &str) -> Result<Value, String> {
    Ok(match t {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => Value::Bool(true),
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Value::Number(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Value::Number(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Err("NaN (not a number) is not supported".into()),
        _ => {
            if let Some(ts) = yaml_timestamp(t) {
                Value::String(ts)
            } else if let Some(n) = yaml_number(t) {
                Value::Number(n)
            } else {
                Value::String(t.to_string())
            }
        }
    })
}

/// A YAML 1.1 integer (decimal, `0x` hex, `0o` octal) or float, optionally signed.
fn yaml_number(t: &str) -> Option<f64> {
    let (neg, body) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let sign = if neg { -1.0 } else { 1.0 };
    // Hexadecimal and octal numbers take no sign.
    let radix = |digits: &str, r: u32| -> Option<f64> {
        if digits.is_empty() || body.len() != t.len() || !digits.chars().all(|c| c.is_digit(r)) {
            return None;
        }
        u128::from_str_radix(digits, r).ok().map(|n| n as f64)
    };
    if let Some(h) = body.strip_prefix("0x") {
        return radix(h, 16);
    }
    if let Some(o) = body.strip_prefix("0o") {
        return radix(o, 8);
    }
    // [0-9]+ or [0-9]+.[0-9]* or .[0-9]+, then an optional exponent.
    let b = body.as_bytes();
    let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
    let mut i = int_len;
    let mut frac_len = 0;
    if b.get(i) == Some(&b'.') {
        frac_len = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        i += 1 + frac_len;
    }
    if int_len == 0 && frac_len == 0 {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let exp_len = b[j.min(b.len())..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp_len == 0 {
            return None;
        }
        i = j + exp_len;
    }
    if i != b.len() {
        return None;
    }
    let text = body.strip_suffix('.').unwrap_or(body);
    text.parse::<f64>().ok().map(|n| sign * n)
}

/// A YAML timestamp, which Terraform turns into an RFC 3339 one (`2001-12-14` is midnight UTC):
/// `2001-12-14`, `2001-12-14T21:59:43.1-05:00` (or with `t`), `2001-12-14 21:59:43` (UTC).
/// Months, days, hours, minutes and seconds may have one digit.
fn yaml_timestamp(t: &str) -> Option<String> {
    fn digits(s: &str, min: usize, max: usize) -> Option<(u32, &str)> {
        let n = s.bytes().take_while(u8::is_ascii_digit).count();
        if n < min || n > max {
            return None;
        }
        Some((s[..n].parse().ok()?, &s[n..]))
    }
    let (y, rest) = digits(t, 4, 4)?;
    let (mo, rest) = digits(rest.strip_prefix('-')?, 1, 2)?;
    let (d, rest) = digits(rest.strip_prefix('-')?, 1, 2)?;
    let date = format!("{y:04}-{mo:02}-{d:02}");
    let (time, zone) = if rest.is_empty() {
        ("00:00:00".to_string(), "Z".to_string())
    } else {
        let (sep, rest) = rest.split_at(1);
        let (h, rest) = digits(rest, 1, 2)?;
        let (mi, rest) = digits(rest.strip_prefix(':')?, 1, 2)?;
        let (sec, mut rest) = digits(rest.strip_prefix(':')?, 1, 2)?;
        if let Some(frac) = rest.strip_prefix('.') {
            let n = frac.bytes().take_while(u8::is_ascii_digit).count();
            rest = &frac[n..];
        }
        let zone = match sep {
            "T" | "t" if rest == "Z" || (rest.len() == 6 && rest.starts_with(['+', '-'])) => rest.to_string(),
            " " if rest.is_empty() => "Z".to_string(),
            _ => return None,
        };
        (format!("{h:02}:{mi:02}:{sec:02}"), zone)
    };
    let m = super::time::parse_rfc3339(&format!("{date}T{time}{zone}")).ok()?;
    Some(super::time::format_rfc3339(&m))
}

/// `yamlencode(value)`.
pub(super) fn yamlencode(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let v = super::arg1(a)?;
    let mut e = Emitter { out: String::new() };
    let open_ended = match &v {
        Value::Map(m) if !m.is_empty() => e.map(m, 0).map(|_| false)?,
        Value::List(items) | Value::Set(items) if !items.is_empty() => e.seq(items, 0).map(|_| false)?,
        other => e.scalar(other, 2)?,
    };
    e.out.push('\n');
    if open_ended {
        e.out.push_str("...\n");
    }
    string_fits(e.out.len())?;
    Ok(Value::String(e.out))
}

/// Lines are folded (at spaces) once they pass this column, as Terraform's encoder does.
const BEST_WIDTH: usize = 80;

struct Emitter {
    out: String,
}

impl Emitter {
    fn column(&self) -> usize {
        self.out.rsplit('\n').next().map_or(0, |l| l.chars().count())
    }

    fn indent_to(&mut self, n: usize) {
        self.out.extend(std::iter::repeat_n(' ', n));
    }

    /// A block mapping whose keys start at column `indent`; the first key goes where the output
    /// is (after `- ` in a list, or at the start of a line).
    fn map(&mut self, m: &BTreeMap<String, Value>, indent: usize) -> Result<(), String> {
        for (i, (k, v)) in m.iter().enumerate() {
            if i > 0 {
                self.out.push('\n');
                self.indent_to(indent);
            }
            // A multi-line key, or one longer than 128 bytes, is a complex key: `? ` and the key,
            // then `:` on a line of its own.
            if k.contains('\n') || k.len() > 128 {
                self.out.push_str("? ");
                if k.contains('\n') && literal_allowed(k) {
                    self.literal(k, indent + 2);
                } else {
                    self.double_quoted(k, indent + 2, true);
                }
                self.out.push('\n');
                self.indent_to(indent);
                // The value follows `:` as an element follows `-` in a list.
                self.out.push(':');
                self.value_after(v, indent, false)?;
                continue;
            }
            self.double_quoted(k, indent + 2, false);
            self.out.push(':');
            self.value_after(v, indent, true)?;
        }
        Ok(())
    }

    /// A block sequence whose dashes are at column `indent`.
    fn seq(&mut self, items: &[Value], indent: usize) -> Result<(), String> {
        for (i, v) in items.iter().enumerate() {
            if i > 0 {
                self.out.push('\n');
                self.indent_to(indent);
            }
            self.out.push('-');
            self.value_after(v, indent, false)?;
        }
        Ok(())
    }

    /// A value after `key:` (in a mapping at `indent`) or after `-` (in a list at `indent`).
    fn value_after(&mut self, v: &Value, indent: usize, in_map: bool) -> Result<(), String> {
        match v.unmarked() {
            Value::Map(m) if !m.is_empty() => {
                if in_map {
                    self.out.push('\n');
                    self.indent_to(indent + 2);
                } else {
                    self.out.push(' ');
                }
                self.map(m, indent + 2)
            }
            Value::List(items) | Value::Set(items) if !items.is_empty() => {
                // A list in a mapping is not indented further: its dashes line up with the keys.
                if in_map {
                    self.out.push('\n');
                    self.indent_to(indent);
                    self.seq(items, indent)
                } else {
                    self.out.push(' ');
                    self.seq(items, indent + 2)
                }
            }
            other => {
                self.out.push(' ');
                self.scalar(other, indent + 2).map(|_| ())
            }
        }
    }

    /// A scalar (or an empty collection) whose continuation lines are indented by `indent`.
    /// True when it is plain text that leaves a lone document open-ended.
    fn scalar(&mut self, v: &Value, indent: usize) -> Result<bool, String> {
        match v.unmarked() {
            Value::Null => self.out.push_str("null"),
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) if n.is_finite() => self.out.push_str(&format_number(*n)),
            Value::Number(n) => self.out.push_str(if *n > 0.0 { "+.inf" } else { "-.inf" }),
            Value::String(s) => {
                if s.contains('\n') && literal_allowed(s) {
                    self.literal(s, indent);
                    return Ok(false);
                }
                self.double_quoted(s, indent, true);
                return Ok(false);
            }
            Value::Map(_) => {
                self.out.push_str("{}");
                return Ok(false);
            }
            Value::List(_) | Value::Set(_) => {
                self.out.push_str("[]");
                return Ok(false);
            }
            Value::Unknown | Value::Sensitive(_) => {
                return Err("internal error: an unknown value reached yamlencode".into());
            }
        }
        Ok(true)
    }

    /// `|`, `|-` or `|+` with the text's lines indented.
    fn literal(&mut self, s: &str, indent: usize) {
        self.out.push('|');
        if s.starts_with([' ', '\n']) {
            self.out.push('2');
        }
        if !s.ends_with('\n') {
            self.out.push('-');
        } else if s.ends_with("\n\n") || s == "\n" {
            self.out.push('+');
        }
        let body = s.strip_suffix('\n').unwrap_or(s);
        for line in body.split('\n') {
            self.out.push('\n');
            if !line.is_empty() {
                self.indent_to(indent);
                self.out.push_str(line);
            }
        }
    }

    /// A double-quoted string: escapes as Terraform's encoder writes them; long lines folded at
    /// a space when `fold` (the folded space is a line break plus `indent` spaces).
    fn double_quoted(&mut self, s: &str, indent: usize, fold: bool) {
        self.out.push('"');
        let chars: Vec<char> = s.chars().collect();
        let mut column = self.column();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if !printable(c) || is_break(c) || c == '"' || c == '\\' || c == '\u{feff}' {
                let esc = match c {
                    '\0' => "\\0".to_string(),
                    '\u{7}' => "\\a".into(),
                    '\u{8}' => "\\b".into(),
                    '\t' => "\\t".into(),
                    '\n' => "\\n".into(),
                    '\u{b}' => "\\v".into(),
                    '\u{c}' => "\\f".into(),
                    '\r' => "\\r".into(),
                    '\u{1b}' => "\\e".into(),
                    '"' => "\\\"".into(),
                    '\\' => "\\\\".into(),
                    '\u{85}' => "\\N".into(),
                    '\u{a0}' => "\\_".into(),
                    '\u{2028}' => "\\L".into(),
                    '\u{2029}' => "\\P".into(),
                    c if u32::from(c) <= 0xff => format!("\\x{:02X}", u32::from(c)),
                    c if u32::from(c) <= 0xffff => format!("\\u{:04X}", u32::from(c)),
                    c => format!("\\U{:08X}", u32::from(c)),
                };
                column += esc.len();
                self.out.push_str(&esc);
                spaces = false;
            } else if c == ' ' {
                if fold && !spaces && column > BEST_WIDTH && i != 0 && i != chars.len() - 1 {
                    self.out.push('\n');
                    self.indent_to(indent);
                    column = indent;
                    if chars.get(i + 1) == Some(&' ') {
                        self.out.push('\\');
                        column += 1;
                    }
                } else {
                    self.out.push(c);
                    column += 1;
                }
                spaces = true;
            } else {
                self.out.push(c);
                column += 1;
                spaces = false;
            }
        }
        self.out.push('"');
    }
}

/// Characters the YAML encoder writes as they are (others are escaped).
fn printable(c: char) -> bool {
    matches!(u32::from(c), 0x0a | 0x20..=0x7e | 0xa0..=0xd7ff | 0xe000..=0xfffd) && c != '\u{feff}'
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// Whether a multi-line string can be a literal block: no character that needs escaping, no
/// space right before a line break, no space at the very end.
fn literal_allowed(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    let special = chars.iter().any(|c| !printable(*c) || (is_break(*c) && *c != '\n'));
    let space_break = chars.windows(2).any(|w| w[0] == ' ' && is_break(w[1]));
    !special && !space_break && !s.ends_with(' ')
}
