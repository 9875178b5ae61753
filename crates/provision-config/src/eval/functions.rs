//! Terraform's built-in functions. Each takes evaluated arguments and returns a value or a message
//! saying what is wrong; the evaluator adds the location, handles unknown arguments and carries
//! sensitive marks over to the result. The larger groups live in the submodules.

use crate::limits::string_fits;
use crate::tree::TypeConstraint;
use base64::Engine as _;
use ipnet::IpNet;
use provision_core::Value;
use provision_core::value::format_number;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::SystemTime;
use unicode_segmentation::UnicodeSegmentation as _;

mod encoding;
mod files;
mod goflate;
mod time;
mod yaml;

/// What a function may need beyond its arguments.
#[derive(Default)]
pub struct Ctx {
    pub module_dir: PathBuf,
    /// When the plan was made: `plantimestamp()`, unknown without one.
    pub plan_time: Option<SystemTime>,
    /// True while applying: only then do `timestamp()`, `uuid()` and `bcrypt()` have values; in a
    /// plan they are unknown, as in Terraform (each would otherwise show a change every time).
    pub applying: bool,
}

/// Terraform functions that provision deliberately does not offer, with the reason, for the
/// message at the call.
pub fn unsupported_reason(name: &str) -> Option<&'static str> {
    match name {
        "rsadecrypt" => Some(
            "`rsadecrypt` is not supported: it would need a full RSA implementation, and the maintained Rust one has an unfixed timing side channel (RUSTSEC-2023-0071) that a tool handling private keys should not carry; decrypt the password outside the configuration (for EC2 Windows passwords, `aws ec2 get-password-data --priv-launch-key`)",
        ),
        "type" => Some(
            "`type` is only available in Terraform's interactive console, not in configuration files, and provision has no console",
        ),
        "list" | "map" => Some("this function was removed in Terraform 0.15; use `tolist([...])` or `tomap({...})`"),
        _ => None,
    }
}

type F = fn(&Ctx, Vec<Value>) -> Result<Value, String>;

/// A function and how it treats unknowns: a *structural* function is called even when its
/// arguments contain unknown parts (it only rearranges them); any other function returns unknown
/// as soon as one argument is not wholly known.
pub struct Spec {
    pub f: F,
    pub structural: bool,
}

pub(crate) use crate::check::FUNCTION_NAMES;

pub fn lookup(name: &str) -> Option<Spec> {
    let s = |f: F| Some(Spec { f, structural: true });
    let v = |f: F| Some(Spec { f, structural: false });
    match name {
        "length" => s(length),
        "merge" => s(merge),
        "concat" => s(concat),
        "lookup" => s(lookup_fn),
        "element" => s(element),
        "keys" => s(keys),
        "values" => s(values),
        "tolist" => s(tolist),
        "tomap" => s(tomap),
        "flatten" => s(flatten),
        "slice" => s(slice),
        "zipmap" => s(zipmap),
        "reverse" => s(reverse),
        "one" => s(one),
        "compact" => s(compact),
        "chunklist" => s(chunklist),
        "coalescelist" => s(coalescelist),
        "sensitive" => s(|_, a| Ok(arg1(a)?.mark_if(true))),
        "nonsensitive" => s(|_, a| Ok(arg1(a)?.strip_marks())),
        // The evaluator answers `issensitive` before calling (it must see an unknown's mark).
        "issensitive" => s(|_, a| Ok(Value::Bool(arg1(a)?.is_sensitive()))),
        // provision has no ephemeral values, so there is nothing to make null.
        "ephemeralasnull" => s(|_, a| arg1(a)),
        "setproduct" => s(setproduct),
        "transpose" => v(transpose),
        "matchkeys" => v(matchkeys),
        "sha1" => v(|_, a| {
            use sha1::Digest;
            Ok(Value::String(hex(&sha1::Sha1::digest(str1(a)?.as_bytes()))))
        }),
        "base64sha256" => v(encoding::base64_digest::<sha2::Sha256>),
        "base64sha512" => v(encoding::base64_digest::<sha2::Sha512>),
        "base64gzip" => v(encoding::base64gzip),
        "urlencode" => v(encoding::urlencode),
        "csvdecode" => v(encoding::csvdecode),
        "textencodebase64" => v(encoding::textencodebase64),
        "textdecodebase64" => v(encoding::textdecodebase64),
        "uuidv5" => v(encoding::uuidv5),
        "yamldecode" => v(yaml::yamldecode),
        "yamlencode" => v(yaml::yamlencode),
        "filebase64" => v(files::filebase64),
        "filemd5" => v(|c, a| files::file_digest::<md5::Md5>(c, a, false)),
        "filesha1" => v(|c, a| files::file_digest::<sha1::Sha1>(c, a, false)),
        "filesha256" => v(|c, a| files::file_digest::<sha2::Sha256>(c, a, false)),
        "filesha512" => v(|c, a| files::file_digest::<sha2::Sha512>(c, a, false)),
        "filebase64sha256" => v(|c, a| files::file_digest::<sha2::Sha256>(c, a, true)),
        "filebase64sha512" => v(|c, a| files::file_digest::<sha2::Sha512>(c, a, true)),
        "fileset" => v(files::fileset),
        "pathexpand" => v(files::pathexpand),
        "formatdate" => v(time::formatdate),
        "timeadd" => v(time::timeadd),
        "timecmp" => v(time::timecmp),
        "timestamp" => v(|c, a| {
            arity::<0>(a)?;
            Ok(if c.applying { Value::String(time::rfc3339_of(SystemTime::now())) } else { Value::Unknown })
        }),
        "plantimestamp" => v(|c, a| {
            arity::<0>(a)?;
            Ok(c.plan_time.map_or(Value::Unknown, |t| Value::String(time::rfc3339_of(t))))
        }),
        "uuid" => v(|c, a| {
            arity::<0>(a)?;
            if !c.applying {
                return Ok(Value::Unknown);
            }
            // Like Terraform's (hashicorp/go-uuid): 128 random bits, no version bits set.
            let mut bytes = [0u8; 16];
            getrandom::fill(&mut bytes).map_err(|e| format!("no random numbers available: {e}"))?;
            Ok(Value::String(encoding::format_uuid(&bytes)))
        }),
        "bcrypt" => v(bcrypt_fn),
        "templatestring" => v(|_, _| Err("templatestring is evaluated by the evaluator".into())),
        "toset" => v(toset),
        "cidrsubnet" => v(cidrsubnet),
        "cidrsubnets" => v(cidrsubnets),
        "cidrhost" => v(cidrhost),
        "cidrnetmask" => v(cidrnetmask),
        "jsonencode" => v(|_, a| Ok(Value::String(go_json(&arg1(a)?.to_json())))),
        "jsondecode" => v(jsondecode),
        "contains" => v(contains),
        "tostring" => v(tostring),
        "tonumber" => v(|_, a| conv(arg1(a)?, &TypeConstraint::Number)),
        "tobool" => v(|_, a| conv(arg1(a)?, &TypeConstraint::Bool)),
        "split" => v(split),
        "join" => v(join),
        "format" => v(|_, a| format_fn(a)),
        "formatlist" => v(formatlist),
        "lower" => v(|_, a| Ok(Value::String(str1(a)?.chars().map(go_lower).collect()))),
        "upper" => v(|_, a| Ok(Value::String(str1(a)?.chars().map(go_upper).collect()))),
        "title" => v(|_, a| Ok(Value::String(title(&str1(a)?)))),
        "strrev" => v(|_, a| Ok(Value::String(str1(a)?.graphemes(true).rev().collect()))),
        "trimspace" => v(|_, a| Ok(Value::String(str1(a)?.trim().to_string()))),
        "chomp" => v(|_, a| Ok(Value::String(str1(a)?.trim_end_matches(['\r', '\n']).to_string()))),
        "strcontains" => v(|_, a| {
            let [s, sub] = strs::<2>(a)?;
            Ok(Value::Bool(s.contains(sub.as_str())))
        }),
        // Terraform pads every line but the first: each "\n" gets the spaces after it.
        "indent" => v(|_, a| {
            let [n, s] = arity::<2>(a)?;
            let n = as_number(n)?;
            if n < 0.0 || n.fract() != 0.0 || n > 1024.0 {
                return Err(format!(
                    "the number of spaces must be a whole number from 0 to 1024, not {}",
                    format_number(n)
                ));
            }
            let pad = " ".repeat(n as usize);
            Ok(Value::String(as_string(s)?.replace('\n', &format!("\n{pad}"))))
        }),
        "trim" => v(trim),
        "trimprefix" => v(|_, a| {
            let [s, p] = strs::<2>(a)?;
            Ok(Value::String(s.strip_prefix(p.as_str()).unwrap_or(&s).to_string()))
        }),
        "trimsuffix" => v(|_, a| {
            let [s, p] = strs::<2>(a)?;
            Ok(Value::String(s.strip_suffix(p.as_str()).unwrap_or(&s).to_string()))
        }),
        "startswith" => v(|_, a| {
            let [s, p] = strs::<2>(a)?;
            Ok(Value::Bool(s.starts_with(p.as_str())))
        }),
        "endswith" => v(|_, a| {
            let [s, p] = strs::<2>(a)?;
            Ok(Value::Bool(s.ends_with(p.as_str())))
        }),
        "substr" => v(substr),
        "replace" => v(replace),
        "regex" => v(regex_fn),
        "regexall" => v(regexall),
        "coalesce" => v(coalesce),
        "min" => v(|_, a| minmax(a, f64::min)),
        "max" => v(|_, a| minmax(a, f64::max)),
        "abs" => v(|_, a| Ok(Value::Number(num1(a)?.abs()))),
        "ceil" => v(|_, a| Ok(Value::Number(num1(a)?.ceil()))),
        "floor" => v(|_, a| Ok(Value::Number(num1(a)?.floor()))),
        "signum" => v(|_, a| {
            let n = num1(a)?;
            Ok(Value::Number(if n == 0.0 { 0.0 } else { n.signum() }))
        }),
        "log" => v(|_, a| {
            let [x, base] = nums::<2>(a)?;
            Ok(Value::Number(x.ln() / base.ln()))
        }),
        "pow" => v(|_, a| {
            let [b, e] = nums::<2>(a)?;
            Ok(Value::Number(b.powf(e)))
        }),
        "parseint" => v(parseint),
        "distinct" => v(distinct),
        "range" => v(range),
        "sort" => v(sort),
        "index" => v(index),
        "sum" => v(sum),
        "alltrue" => v(|_, a| bools(a).map(|b| Value::Bool(b.iter().all(|x| *x)))),
        "anytrue" => v(|_, a| bools(a).map(|b| Value::Bool(b.iter().any(|x| *x)))),
        "setunion" => v(|_, a| setop(a, SetOp::Union)),
        "setintersection" => v(|_, a| setop(a, SetOp::Intersection)),
        "setsubtract" => v(|_, a| setop(a, SetOp::Subtract)),
        "base64encode" => v(|_, a| Ok(Value::String(base64::engine::general_purpose::STANDARD.encode(str1(a)?)))),
        "base64decode" => v(|_, a| {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(str1(a)?)
                .map_err(|e| format!("not valid base64: {e}"))?;
            String::from_utf8(bytes).map(Value::String).map_err(|_| "the decoded bytes are not UTF-8 text".into())
        }),
        "md5" => v(|_, a| {
            use md5::Digest;
            Ok(Value::String(hex(&md5::Md5::digest(str1(a)?.as_bytes()))))
        }),
        "sha256" => v(|_, a| {
            use sha2::Digest;
            Ok(Value::String(hex(&sha2::Sha256::digest(str1(a)?.as_bytes()))))
        }),
        "sha512" => v(|_, a| {
            use sha2::Digest;
            Ok(Value::String(hex(&sha2::Sha512::digest(str1(a)?.as_bytes()))))
        }),
        "file" => v(|ctx, a| {
            let p = ctx.module_dir.join(str1(a)?);
            let len = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
            string_fits(usize::try_from(len).unwrap_or(usize::MAX))?;
            std::fs::read_to_string(&p).map(Value::String).map_err(|e| format!("cannot read {}: {e}", p.display()))
        }),
        "fileexists" => v(|ctx, a| Ok(Value::Bool(ctx.module_dir.join(str1(a)?).is_file()))),
        "templatefile" => v(|_, _| Err("templatefile is evaluated by the evaluator".into())),
        // Go's filepath.Base and filepath.Dir, which Terraform uses.
        "basename" => v(|_, a| {
            let s = str1(a)?;
            if s.is_empty() {
                return Ok(Value::String(".".into()));
            }
            let trimmed = s.trim_end_matches('/');
            if trimmed.is_empty() {
                return Ok(Value::String("/".into()));
            }
            Ok(Value::String(trimmed.rsplit('/').next().unwrap_or(trimmed).to_string()))
        }),
        "dirname" => v(|_, a| {
            let s = str1(a)?;
            let dir = s.rfind('/').map_or("", |i| &s[..=i]);
            Ok(Value::String(files::clean(dir)))
        }),
        "abspath" => v(|ctx, a| {
            let p = ctx.module_dir.join(str1(a)?);
            let abs = std::path::absolute(&p).unwrap_or(p);
            Ok(Value::String(files::clean(&abs.display().to_string())))
        }),
        _ => None,
    }
}

/// `bcrypt(string, cost = 10)`: a `$2a$` hash with a random salt, so known only when applying.
fn bcrypt_fn(ctx: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    if a.is_empty() || a.len() > 2 {
        return Err(format!("takes a string and an optional cost, got {} arguments", a.len()));
    }
    let mut it = a.into_iter();
    let password = as_string(it.next().unwrap_or_default())?;
    let cost = match it.next() {
        Some(c) => as_int(c)?,
        None => 10,
    };
    if cost > 31 {
        return Err(format!("the cost must be at most 31, not {cost}"));
    }
    if password.len() > 72 {
        return Err(format!("bcrypt hashes at most 72 bytes of text, and this string has {}", password.len()));
    }
    if !ctx.applying {
        return Ok(Value::Unknown);
    }
    // As Terraform's (Go's) bcrypt: a cost below the minimum of 4 means the default.
    let cost = if cost < 4 { 10 } else { cost as u32 };
    let parts = bcrypt::hash_with_result(password.as_bytes(), cost).map_err(|e| format!("cannot hash: {e}"))?;
    Ok(Value::String(parts.format_for_version(bcrypt::Version::TwoA)))
}

fn setproduct(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    if a.len() < 2 {
        return Err(format!("needs at least two sets or lists, got {}", a.len()));
    }
    // As Terraform: one set among the arguments makes the result a set.
    let any_set = a.iter().any(|v| matches!(v.unmarked(), Value::Set(_)));
    let mut product: Vec<Vec<Value>> = vec![vec![]];
    for (i, v) in a.into_iter().enumerate() {
        if v.is_null() {
            return Err(format!("argument {} is null; each must be a set or list", i + 1));
        }
        let items = seq(v).map_err(|e| format!("argument {}: {e}", i + 1))?;
        let size = product.len().saturating_mul(items.len());
        if size > crate::limits::MAX_VALUE_SIZE {
            return Err(format!("the product would have more than {} elements", crate::limits::MAX_VALUE_SIZE));
        }
        let mut next = Vec::with_capacity(size);
        for p in &product {
            for item in &items {
                let mut row = p.clone();
                row.push(item.clone());
                next.push(row);
            }
        }
        product = next;
    }
    let rows: Vec<Value> = product.into_iter().map(Value::List).collect();
    // The result is unknown as a whole if any combination is.
    if rows.iter().any(|r| !r.is_wholly_known()) && any_set {
        return Ok(Value::Unknown);
    }
    Ok(if any_set { Value::set(rows) } else { Value::List(rows) })
}

/// `transpose`: a map of lists of strings turned inside out; each list keeps the key order.
fn transpose(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (k, v) in map(arg1(a)?)? {
        if v.is_null() {
            return Err(format!("the list at key \"{k}\" is null"));
        }
        for item in seq(v).map_err(|e| format!("at key \"{k}\": {e}"))? {
            let s = as_string(item).map_err(|e| format!("at key \"{k}\": {e}"))?;
            out.entry(s).or_default().push(Value::String(k.clone()));
        }
    }
    Ok(Value::Map(out.into_iter().map(|(k, v)| (k, Value::List(v))).collect()))
}

/// `matchkeys(values, keys, searchset)`: the values whose key (at the same index) is searched.
fn matchkeys(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let [values, keys, search] = arity::<3>(a)?;
    let (values, keys, search) = (seq(values)?, seq(keys)?, seq(search)?);
    if values.len() != keys.len() {
        return Err(format!("there are {} values but {} keys; they must be the same length", values.len(), keys.len()));
    }
    // Keys and searched values are compared as Terraform does after converting them to one
    // type: a number key matches the string of that number.
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(format_number(*n)),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    let wanted = |k: &Value| search.iter().any(|s| s.same_as(k) || (text(s).is_some() && text(s) == text(k)));
    Ok(Value::List(values.into_iter().zip(keys).filter(|(_, k)| wanted(k)).map(|(v, _)| v).collect()))
}

/// JSON as Terraform (Go's encoding/json) writes it: `<`, `>`, `&`, U+2028 and U+2029 escaped
/// as `\u003c`..., backspace and form feed as `\u0008` and `\u000c`. Those characters only
/// occur inside strings, so replacing them in the text is exact.
pub(crate) fn go_json(j: &serde_json::Value) -> String {
    let text = j.to_string();
    if !text.contains(['<', '>', '&', '\u{2028}', '\u{2029}']) && !text.contains("\\b") && !text.contains("\\f") {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            '\\' => {
                // Keep every escape whole, so that `\\b` (a backslash, then b) stays as it is.
                match chars.next() {
                    Some('b') => out.push_str("\\u0008"),
                    Some('f') => out.push_str("\\u000c"),
                    Some(e) => {
                        out.push('\\');
                        out.push(e);
                    }
                    None => out.push('\\'),
                }
            }
            c => out.push(c),
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn arity<const N: usize>(a: Vec<Value>) -> Result<[Value; N], String> {
    let n = a.len();
    <[Value; N]>::try_from(a).map_err(|_| format!("takes {N} argument{}, got {n}", if N == 1 { "" } else { "s" }))
}

fn arg1(a: Vec<Value>) -> Result<Value, String> {
    let [v] = arity::<1>(a)?;
    Ok(v)
}

fn conv(v: Value, t: &TypeConstraint) -> Result<Value, String> {
    t.convert(v)
}

fn as_string(v: Value) -> Result<String, String> {
    if v.is_null() {
        return Err("a string is required, but got null".into());
    }
    match conv(v, &TypeConstraint::String)? {
        Value::String(s) => Ok(s),
        other => Err(format!("a string is required, but got {}", other.type_name())),
    }
}

fn as_number(v: Value) -> Result<f64, String> {
    if v.is_null() {
        return Err("a number is required, but got null".into());
    }
    match conv(v, &TypeConstraint::Number)? {
        Value::Number(n) => Ok(n),
        other => Err(format!("a number is required, but got {}", other.type_name())),
    }
}

fn as_int(v: Value) -> Result<i64, String> {
    let n = as_number(v)?;
    if n.fract() != 0.0 {
        return Err(format!("a whole number is required, but got {}", format_number(n)));
    }
    Ok(n as i64)
}

fn str1(a: Vec<Value>) -> Result<String, String> {
    as_string(arg1(a)?)
}

fn num1(a: Vec<Value>) -> Result<f64, String> {
    as_number(arg1(a)?)
}

fn strs<const N: usize>(a: Vec<Value>) -> Result<[String; N], String> {
    let vals = arity::<N>(a)?;
    let mut out: [String; N] = std::array::from_fn(|_| String::new());
    for (i, v) in vals.into_iter().enumerate() {
        out[i] = as_string(v)?;
    }
    Ok(out)
}

fn nums<const N: usize>(a: Vec<Value>) -> Result<[f64; N], String> {
    let vals = arity::<N>(a)?;
    let mut out = [0.0; N];
    for (i, v) in vals.into_iter().enumerate() {
        out[i] = as_number(v)?;
    }
    Ok(out)
}

/// The elements of a list or set (looking through sensitive marks).
fn seq(v: Value) -> Result<Vec<Value>, String> {
    match v.into_unmarked().0 {
        Value::List(items) | Value::Set(items) => Ok(items),
        other => Err(format!("a list or set is required, but got {}", other.type_name())),
    }
}

fn map(v: Value) -> Result<BTreeMap<String, Value>, String> {
    match v.into_unmarked().0 {
        Value::Map(m) => Ok(m),
        other => Err(format!("a map or object is required, but got {}", other.type_name())),
    }
}

fn length(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let n = match arg1(a)?.into_unmarked().0 {
        // Terraform counts what a reader sees as one character (a grapheme cluster).
        Value::String(s) => s.graphemes(true).count(),
        Value::List(i) | Value::Set(i) => i.len(),
        Value::Map(m) => m.len(),
        Value::Unknown => return Ok(Value::Unknown),
        other => {
            return Err(format!("needs a string, list, set or map, but got {}", other.type_name()));
        }
    };
    Ok(Value::Number(n as f64))
}

fn merge(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let mut out = BTreeMap::new();
    for v in a {
        if v.is_null() {
            continue;
        }
        out.extend(map(v)?);
    }
    Ok(Value::Map(out))
}

fn concat(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    if a.is_empty() {
        return Err("needs at least one list".into());
    }
    let mut out = vec![];
    for v in a {
        out.extend(seq(v)?);
    }
    Ok(Value::List(out))
}

fn lookup_fn(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let n = a.len();
    let mut it = a.into_iter();
    let (Some(m), Some(k)) = (it.next(), it.next()) else {
        return Err(format!("takes a map, a key and an optional default, got {n} arguments"));
    };
    let default = it.next();
    if it.next().is_some() {
        return Err("takes at most 3 arguments".into());
    }
    if !k.is_wholly_known() {
        return Ok(Value::Unknown);
    }
    let k = as_string(k)?;
    match map(m)?.remove(&k) {
        Some(v) => Ok(v),
        None => default.ok_or_else(|| format!("the map has no key \"{k}\" and no default was given")),
    }
}

fn element(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let [l, i] = arity::<2>(a)?;
    if !i.is_wholly_known() {
        return Ok(Value::Unknown);
    }
    let items = seq(l)?;
    if items.is_empty() {
        return Err("cannot use element() with an empty list".into());
    }
    let i = as_int(i)?;
    if i < 0 {
        return Err("the index must not be negative".into());
    }
    let n = items.len();
    Ok(items.into_iter().nth(i as usize % n).unwrap_or(Value::Null))
}

fn keys(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    Ok(Value::List(map(arg1(a)?)?.into_keys().map(Value::String).collect()))
}

fn values(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    Ok(Value::List(map(arg1(a)?)?.into_values().collect()))
}

/// Elements given one type, as Terraform's `tolist`, `toset` and `tomap` need: strings,
/// numbers and bools mixed become strings when there is a string among them; numbers and bools
/// alone cannot be mixed. Other mixtures are left as they are.
fn unify(items: Vec<Value>, what: &str) -> Result<Vec<Value>, String> {
    let kinds: Vec<&str> = items
        .iter()
        .map(|v| v.unmarked())
        .filter(|v| !matches!(v, Value::Null | Value::Unknown))
        .map(Value::type_name)
        .collect();
    let primitive = |k: &&str| matches!(*k, "string" | "number" | "bool");
    if kinds.windows(2).all(|w| w[0] == w[1]) || !kinds.iter().all(primitive) {
        return Ok(items);
    }
    if !kinds.contains(&"string") {
        return Err(format!(
            "cannot convert to a {what} of one type: it mixes numbers and bools (convert them with tostring() first)"
        ));
    }
    items
        .into_iter()
        .map(|v| if v.is_null() || v.is_unknown() { Ok(v) } else { conv(v, &TypeConstraint::String) })
        .collect()
}

fn tolist(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let v = arg1(a)?;
    if v.is_null() {
        return Ok(Value::Null);
    }
    Ok(Value::List(unify(seq(v)?, "list")?))
}

fn toset(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let v = arg1(a)?;
    if v.is_null() {
        return Ok(Value::Null);
    }
    Ok(Value::set(unify(seq(v)?, "set")?))
}

fn tomap(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let v = arg1(a)?;
    if v.is_null() {
        return Ok(Value::Null);
    }
    let (keys, values): (Vec<String>, Vec<Value>) = map(v)?.into_iter().unzip();
    Ok(Value::Map(keys.into_iter().zip(unify(values, "map")?).collect()))
}

fn tostring(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let v = arg1(a)?;
    match v {
        Value::Null => Ok(Value::Null),
        Value::String(_) | Value::Number(_) | Value::Bool(_) => conv(v, &TypeConstraint::String),
        other => {
            Err(format!("cannot convert a {} to a string; use jsonencode() for structured values", other.type_name()))
        }
    }
}

fn flatten(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    fn go(items: Vec<Value>, out: &mut Vec<Value>) -> bool {
        for i in items {
            match i.into_unmarked().0 {
                Value::List(inner) | Value::Set(inner) => {
                    if !go(inner, out) {
                        return false;
                    }
                }
                Value::Unknown => return false,
                other => out.push(other),
            }
        }
        true
    }
    let mut out = vec![];
    if go(seq(arg1(a)?)?, &mut out) { Ok(Value::List(out)) } else { Ok(Value::Unknown) }
}

fn slice(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let [l, s, e] = arity::<3>(a)?;
    if !s.is_wholly_known() || !e.is_wholly_known() {
        return Ok(Value::Unknown);
    }
    let items = seq(l)?;
    let (s, e) = (as_int(s)?, as_int(e)?);
    if s < 0 || e < s || e as usize > items.len() {
        return Err(format!("the range {s}..{e} does not fit a list of {} elements", items.len()));
    }
    Ok(Value::List(items[s as usize..e as usize].to_vec()))
}

fn zipmap(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let [k, v] = arity::<2>(a)?;
    if !k.is_wholly_known() {
        return Ok(Value::Unknown);
    }
    let (ks, vs) = (seq(k)?, seq(v)?);
    if ks.len() != vs.len() {
        return Err(format!("there are {} keys but {} values", ks.len(), vs.len()));
    }
    let mut out = BTreeMap::new();
    for (k, v) in ks.into_iter().zip(vs) {
        out.insert(as_string(k)?, v);
    }
    Ok(Value::Map(out))
}

fn reverse(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let mut items = seq(arg1(a)?)?;
    items.reverse();
    Ok(Value::List(items))
}

fn one(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let items = seq(arg1(a)?)?;
    match items.len() {
        0 => Ok(Value::Null),
        1 => Ok(items.into_iter().next().unwrap_or(Value::Null)),
        n => Err(format!("needs a list of at most one element, but it has {n}")),
    }
}

fn compact(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let mut out = vec![];
    for i in seq(arg1(a)?)? {
        match i.unmarked() {
            Value::Unknown => return Ok(Value::Unknown),
            Value::Null => {}
            Value::String(s) if s.is_empty() => {}
            _ => out.push(i),
        }
    }
    Ok(Value::List(out))
}

fn chunklist(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let [l, n] = arity::<2>(a)?;
    if !n.is_wholly_known() {
        return Ok(Value::Unknown);
    }
    let n = as_int(n)?;
    let items = seq(l)?;
    if n < 0 {
        return Err("the chunk size must not be negative".into());
    }
    if n == 0 {
        return Ok(Value::List(vec![Value::List(items)]));
    }
    Ok(Value::List(items.chunks(n as usize).map(|c| Value::List(c.to_vec())).collect()))
}

fn coalescelist(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    if a.is_empty() {
        return Err("needs at least one list".into());
    }
    for v in a {
        if !seq(v.clone())?.is_empty() {
            return Ok(v);
        }
    }
    Ok(Value::List(vec![]))
}

fn coalesce(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    a.into_iter()
        .find(|v| !v.is_null() && v.as_str() != Some(""))
        .ok_or_else(|| "no non-null, non-empty argument".to_string())
}

fn jsondecode(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let s = str1(a)?;
    let j: serde_json::Value = serde_json::from_str(&s).map_err(|e| format!("not valid JSON: {e}"))?;
    Ok(Value::from_json(&j))
}

fn contains(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let [l, v] = arity::<2>(a)?;
    if v.is_null() {
        return Err("the value to look for must not be null".into());
    }
    Ok(Value::Bool(seq(l)?.iter().any(|i| i.same_as(&v) && i.type_name() == v.type_name())))
}

fn split(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let [sep, s] = strs::<2>(a)?;
    if s.is_empty() {
        return Ok(Value::List(vec![Value::String(String::new())]));
    }
    // As Go's strings.Split: an empty separator splits between characters.
    if sep.is_empty() {
        return Ok(Value::List(s.chars().map(|c| Value::String(c.to_string())).collect()));
    }
    Ok(Value::List(s.split(sep.as_str()).map(|p| Value::String(p.to_string())).collect()))
}

fn join(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let mut it = a.into_iter();
    let sep = as_string(it.next().ok_or("takes a separator and one or more lists")?)?;
    let mut parts = vec![];
    for l in it {
        for i in seq(l)? {
            if i.is_null() {
                return Err("cannot join a null element".into());
            }
            parts.push(as_string(i)?);
        }
    }
    let len = parts.iter().map(String::len).sum::<usize>() + sep.len().saturating_mul(parts.len().saturating_sub(1));
    string_fits(len)?;
    Ok(Value::String(parts.join(&sep)))
}

/// Go's `strings.Title`, which Terraform uses: a letter after a separator (anything but ASCII
/// letters, digits and `_`, Unicode letters and digits, and non-space symbols) is upper-cased.
fn title(s: &str) -> String {
    let separator = |c: char| {
        if c.is_ascii() {
            return !(c.is_ascii_alphanumeric() || c == '_');
        }
        !c.is_alphanumeric() && c.is_whitespace()
    };
    let mut out = String::new();
    let mut prev = ' ';
    for c in s.chars() {
        out.push(if separator(prev) { go_upper(c) } else { c });
        prev = c;
    }
    out
}

/// One character upper-cased as Go does, by the simple (one-to-one) mapping: `ß` stays `ß`.
fn go_upper(c: char) -> char {
    let mut up = c.to_uppercase();
    match (up.next(), up.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// One character lower-cased as Go does, by the simple (one-to-one) mapping: `İ` becomes `i`.
fn go_lower(c: char) -> char {
    let mut low = c.to_lowercase();
    match (low.next(), low.next()) {
        (Some(l), None) => l,
        (Some(l), Some(_)) if c == '\u{130}' => l,
        _ => c,
    }
}

fn trim(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let [s, chars] = strs::<2>(a)?;
    Ok(Value::String(s.trim_matches(|c| chars.contains(c)).to_string()))
}

fn substr(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let [s, off, len] = arity::<3>(a)?;
    let text = as_string(s)?;
    let s: Vec<&str> = text.graphemes(true).collect();
    let (off, len) = (as_int(off)?, as_int(len)?);
    let n = s.len() as i64;
    let start = if off < 0 { (n + off).max(0) } else { off.min(n) };
    let end = if len < 0 { n } else { (start + len).min(n) };
    Ok(Value::String(s[start as usize..end as usize].concat()))
}

fn replace(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let [s, from, to] = strs::<3>(a)?;
    // Each match may add the replacement: refuse a result too large before building it.
    let grows = |matches: usize| string_fits(s.len().saturating_add(matches.saturating_mul(to.len())));
    if from.len() > 1 && from.starts_with('/') && from.ends_with('/') {
        let re = regex::Regex::new(&from[1..from.len() - 1]).map_err(|e| format!("invalid regular expression: {e}"))?;
        grows(re.find_iter(&s).count())?;
        return Ok(Value::String(re.replace_all(&s, to.as_str()).into_owned()));
    }
    grows(if from.is_empty() { s.chars().count() + 1 } else { s.matches(from.as_str()).count() })?;
    Ok(Value::String(s.replace(&from, &to)))
}

fn captures_value(re: &regex::Regex, caps: &regex::Captures<'_>) -> Value {
    let named: Vec<&str> = re.capture_names().flatten().collect();
    if !named.is_empty() {
        let m = named
            .iter()
            .map(|n| (n.to_string(), caps.name(n).map_or(Value::Null, |m| Value::String(m.as_str().into()))))
            .collect();
        return Value::Map(m);
    }
    if re.captures_len() > 1 {
        return Value::List(
            (1..re.captures_len())
                .map(|i| caps.get(i).map_or(Value::Null, |m| Value::String(m.as_str().into())))
                .collect(),
        );
    }
    Value::String(caps.get(0).map(|m| m.as_str().to_string()).unwrap_or_default())
}

fn regex_fn(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let [pat, s] = strs::<2>(a)?;
    let re = regex::Regex::new(&pat).map_err(|e| format!("invalid regular expression: {e}"))?;
    let caps = re.captures(&s).ok_or_else(|| format!("the pattern does not match \"{s}\""))?;
    Ok(captures_value(&re, &caps))
}

fn regexall(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let [pat, s] = strs::<2>(a)?;
    let re = regex::Regex::new(&pat).map_err(|e| format!("invalid regular expression: {e}"))?;
    Ok(Value::List(re.captures_iter(&s).map(|c| captures_value(&re, &c)).collect()))
}

fn minmax(a: Vec<Value>, f: fn(f64, f64) -> f64) -> Result<Value, String> {
    if a.is_empty() {
        return Err("needs at least one number".into());
    }
    let mut acc: Option<f64> = None;
    for v in a {
        let n = as_number(v)?;
        acc = Some(acc.map_or(n, |x| f(x, n)));
    }
    Ok(Value::Number(acc.unwrap_or(0.0)))
}

fn parseint(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let [s, b] = arity::<2>(a)?;
    let (s, b) = (as_string(s)?, as_int(b)?);
    if !(2..=62).contains(&b) {
        return Err("the base must be between 2 and 62".into());
    }
    // Go's digits, as Terraform reads them: 0-9, then a-z, then (above base 36) A-Z; up to base
    // 36 letters are read in either case.
    let bad = || format!("\"{s}\" is not a whole number in base {b}");
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s.as_str()),
    };
    if digits.is_empty() {
        return Err(bad());
    }
    let mut n = 0f64;
    for c in digits.chars() {
        let d = match c {
            '0'..='9' => u32::from(c) - u32::from('0'),
            'a'..='z' => u32::from(c) - u32::from('a') + 10,
            'A'..='Z' if b <= 36 => u32::from(c) - u32::from('A') + 10,
            'A'..='Z' => u32::from(c) - u32::from('A') + 36,
            _ => return Err(bad()),
        };
        if i64::from(d) >= b {
            return Err(bad());
        }
        n = n * b as f64 + f64::from(d);
    }
    Ok(Value::Number(if negative { -n } else { n }))
}

fn distinct(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let mut out: Vec<Value> = vec![];
    // Terraform makes the elements one type first: [1, "1"] is ["1", "1"], so ["1"].
    for i in unify(seq(arg1(a)?)?, "list")? {
        if !out.iter().any(|o| o.same_as(&i) && o.type_name() == i.type_name()) {
            out.push(i);
        }
    }
    Ok(Value::List(out))
}

fn range(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let n: Vec<f64> = a.into_iter().map(as_number).collect::<Result<_, _>>()?;
    let (start, end, step) = match n.as_slice() {
        [e] => (0.0, *e, if *e >= 0.0 { 1.0 } else { -1.0 }),
        [s, e] => (*s, *e, if e >= s { 1.0 } else { -1.0 }),
        [s, e, st] => (*s, *e, *st),
        _ => return Err("takes one to three numbers".into()),
    };
    if step == 0.0 {
        return Err("the step must not be zero".into());
    }
    if (step > 0.0 && end < start) || (step < 0.0 && end > start) {
        return Err("the step goes away from the end".into());
    }
    let mut out = vec![];
    let mut x = start;
    while (step > 0.0 && x < end) || (step < 0.0 && x > end) {
        out.push(Value::Number(x));
        if out.len() > 1024 {
            return Err("more than 1024 elements".into());
        }
        x += step;
    }
    Ok(Value::List(out))
}

fn sort(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let mut items: Vec<String> = seq(arg1(a)?)?.into_iter().map(as_string).collect::<Result<_, _>>()?;
    items.sort();
    Ok(Value::List(items.into_iter().map(Value::String).collect()))
}

fn index(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let [l, v] = arity::<2>(a)?;
    seq(l)?
        .iter()
        .position(|i| i.same_as(&v) && i.type_name() == v.type_name())
        .map(|i| Value::Number(i as f64))
        .ok_or_else(|| format!("{v} is not in the list"))
}

fn sum(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let items = seq(arg1(a)?)?;
    if items.is_empty() {
        return Err("cannot sum an empty list".into());
    }
    let mut total = 0.0;
    for i in items {
        total += as_number(i)?;
    }
    Ok(Value::Number(total))
}

fn bools(a: Vec<Value>) -> Result<Vec<bool>, String> {
    seq(arg1(a)?)?
        .into_iter()
        .map(|v| match conv(v, &TypeConstraint::Bool)? {
            Value::Bool(b) => Ok(b),
            other => Err(format!("a bool is required, but got {}", other.type_name())),
        })
        .collect()
}

enum SetOp {
    Union,
    Intersection,
    Subtract,
}

fn setop(a: Vec<Value>, op: SetOp) -> Result<Value, String> {
    let mut sets = a.into_iter().map(seq);
    let mut acc = sets.next().ok_or("needs at least one set")??;
    for s in sets {
        let s = s?;
        let has = |set: &[Value], v: &Value| set.iter().any(|x| x.same_as(v));
        acc = match op {
            SetOp::Union => acc.into_iter().chain(s).collect(),
            SetOp::Intersection => acc.into_iter().filter(|v| has(&s, v)).collect(),
            SetOp::Subtract => acc.into_iter().filter(|v| !has(&s, v)).collect(),
        };
    }
    Ok(Value::set(acc))
}

fn formatlist(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let mut it = a.into_iter();
    let fmt = it.next().ok_or("needs a format string")?;
    let args: Vec<Value> = it.collect();
    let mut n: Option<usize> = None;
    for v in &args {
        if let Some(items) = v.as_seq() {
            match n {
                Some(m) if m != items.len() => {
                    return Err("all list arguments must have the same length".into());
                }
                _ => n = Some(items.len()),
            }
        }
    }
    let n = n.unwrap_or(1);
    let mut out = vec![];
    let mut len = 0usize;
    for i in 0..n {
        let mut call = vec![fmt.clone()];
        for v in &args {
            call.push(match v.as_seq() {
                Some(items) => items[i].clone(),
                None => v.clone(),
            });
        }
        let item = format_fn(call)?;
        len += item.as_str().map_or(0, str::len);
        string_fits(len)?;
        out.push(item);
    }
    Ok(Value::List(out))
}

/// Terraform's `format`: `%s %d %f %e %g %t %q %v %x %X %o %b %%` with flags, width and precision.
fn format_fn(a: Vec<Value>) -> Result<Value, String> {
    let mut it = a.into_iter();
    let fmt = as_string(it.next().ok_or("needs a format string")?)?;
    let args: Vec<Value> = it.collect();
    let mut next = 0usize;
    let mut used = 0usize;
    let mut out = String::new();
    let chars: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut flags = String::new();
        while i < chars.len() && "-+ 0#".contains(chars[i]) {
            flags.push(chars[i]);
            i += 1;
        }
        // `%[2]s`: an explicit argument number (from 1); the following verbs go on from it.
        let arg_index = |i: &mut usize, next: &mut usize| -> Result<(), String> {
            if chars.get(*i) == Some(&'[') {
                let close = chars[*i..].iter().position(|c| *c == ']').map(|p| *i + p).ok_or("a `%[` has no `]`")?;
                let text: String = chars[*i + 1..close].iter().collect();
                let n: usize = text
                    .parse()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| format!("`%[{text}]` must name an argument by its number, from 1"))?;
                *next = n - 1;
                *i = close + 1;
            }
            Ok(())
        };
        arg_index(&mut i, &mut next)?;
        let mut width = String::new();
        while i < chars.len() && chars[i].is_ascii_digit() {
            width.push(chars[i]);
            i += 1;
        }
        let mut precision: Option<usize> = None;
        if i < chars.len() && chars[i] == '.' {
            i += 1;
            let mut p = String::new();
            while i < chars.len() && chars[i].is_ascii_digit() {
                p.push(chars[i]);
                i += 1;
            }
            precision = Some(if p.is_empty() { 0 } else { p.parse().unwrap_or(usize::MAX) });
        }
        // A width or precision is at most the longest string allowed (the padding is built).
        let width: usize = if width.is_empty() { 0 } else { width.parse().unwrap_or(usize::MAX) };
        string_fits(width.max(precision.unwrap_or(0)))?;
        arg_index(&mut i, &mut next)?;
        let Some(&verb) = chars.get(i) else {
            return Err("the format ends in the middle of a verb".into());
        };
        i += 1;
        if verb == '%' {
            out.push('%');
            continue;
        }
        let arg = args.get(next).cloned().ok_or_else(|| {
            format!("not enough arguments for the format: verb %{verb} needs argument {} of {}", next + 1, args.len())
        })?;
        next += 1;
        used = used.max(next);
        let body = match verb {
            's' => as_string(arg)?,
            'v' => match arg {
                Value::String(s) => s,
                other if matches!(other, Value::List(_) | Value::Map(_) | Value::Set(_)) => other.to_json().to_string(),
                other => as_string(other)?,
            },
            'q' => serde_json::Value::String(as_string(arg)?).to_string(),
            't' => match conv(arg, &TypeConstraint::Bool)? {
                Value::Bool(b) => b.to_string(),
                other => return Err(format!("%t needs a bool, got {}", other.type_name())),
            },
            'd' => {
                let n = as_int(arg)?;
                if flags.contains('+') && n >= 0 { format!("+{n}") } else { n.to_string() }
            }
            'f' => {
                let n = as_number(arg)?;
                format!("{n:.prec$}", prec = precision.unwrap_or(6))
            }
            'e' | 'E' => {
                let text = go_exponent(&format!("{:.prec$e}", as_number(arg)?, prec = precision.unwrap_or(6)));
                if verb == 'E' { text.to_uppercase() } else { text }
            }
            'g' | 'G' => {
                let text = go_g(as_number(arg)?, precision);
                if verb == 'G' { text.to_uppercase() } else { text }
            }
            // A sign and the magnitude, as Go writes negative numbers in these bases.
            'x' | 'X' | 'o' | 'b' => {
                let n = as_int(arg)?;
                let m = n.unsigned_abs();
                let digits = match verb {
                    'x' => format!("{m:x}"),
                    'X' => format!("{m:X}"),
                    'o' => format!("{m:o}"),
                    _ => format!("{m:b}"),
                };
                if n < 0 { format!("-{digits}") } else { digits }
            }
            other => return Err(format!("unsupported format verb %{other}")),
        };
        let body = match (precision, verb) {
            (Some(p), 's' | 'v' | 'q') => body.chars().take(p).collect(),
            _ => body,
        };
        // Terraform writes a bool as it is, whatever the width.
        let pad = if verb == 't' { 0 } else { width.saturating_sub(body.chars().count()) };
        if flags.contains('-') {
            out.push_str(&body);
            out.extend(std::iter::repeat_n(' ', pad));
        } else if flags.contains('0') && "dfxXob".contains(verb) {
            let (sign, digits) = match body.strip_prefix('-') {
                Some(rest) => ("-", rest.to_string()),
                None => ("", body.clone()),
            };
            out.push_str(sign);
            out.extend(std::iter::repeat_n('0', pad));
            out.push_str(&digits);
        } else {
            out.extend(std::iter::repeat_n(' ', pad));
            out.push_str(&body);
        }
        string_fits(out.len())?;
    }
    if used < args.len() {
        return Err(format!("too many arguments: the format uses {used} but {} were given", args.len()));
    }
    Ok(Value::String(out))
}

/// Rust's `1.5e3` written as Go writes it: `1.5e+03` (a sign and at least two digits).
fn go_exponent(text: &str) -> String {
    match text.split_once('e') {
        Some((mantissa, exp)) => {
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp),
            };
            format!("{mantissa}e{sign}{digits:0>2}")
        }
        None => text.to_string(),
    }
}

/// Go's `%g`: the shortest form (or `precision` significant digits), in exponent form when the
/// exponent is below -4 or at least the precision (6 for the shortest form).
fn go_g(n: f64, precision: Option<usize>) -> String {
    if !n.is_finite() {
        return format_number(n);
    }
    let sci = match precision {
        Some(p) => format!("{:.prec$e}", n, prec = p.max(1) - 1),
        None => format!("{n:e}"),
    };
    let Some((mantissa, exp)) = sci.split_once('e') else { return sci };
    let exp: i32 = exp.parse().unwrap_or(0);
    let mantissa = if mantissa.contains('.') { mantissa.trim_end_matches('0').trim_end_matches('.') } else { mantissa };
    let (sign, unsigned) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits = unsigned.replace('.', "");
    let (nd, dp) = (digits.len() as i32, exp + 1);
    let eprec = match precision {
        None => 6,
        Some(p) => {
            let p = p.max(1) as i32;
            if p > nd && nd >= dp { nd } else { p }
        }
    };
    if exp < -4 || exp >= eprec {
        return go_exponent(&format!("{mantissa}e{exp}"));
    }
    let plain = if dp <= 0 {
        format!("0.{}{digits}", "0".repeat((-dp) as usize))
    } else if dp >= nd {
        format!("{digits}{}", "0".repeat((dp - nd) as usize))
    } else {
        format!("{}.{}", &digits[..dp as usize], &digits[dp as usize..])
    };
    format!("{sign}{plain}")
}

fn parse_prefix(s: &str) -> Result<IpNet, String> {
    s.parse::<IpNet>().map_err(|_| format!("\"{s}\" is not a CIDR prefix such as 10.0.0.0/16"))
}

fn addr_to_u128(a: IpAddr) -> u128 {
    match a {
        IpAddr::V4(v) => u128::from(u32::from(v)),
        IpAddr::V6(v) => u128::from(v),
    }
}

fn u128_to_addr(n: u128, v4: bool) -> IpAddr {
    if v4 { IpAddr::V4((n as u32).into()) } else { IpAddr::V6(n.into()) }
}

fn subnet(net: IpNet, newbits: i64, netnum: i64) -> Result<IpNet, String> {
    let v4 = matches!(net, IpNet::V4(_));
    let max = if v4 { 32 } else { 128 };
    let new_len = i64::from(net.prefix_len()) + newbits;
    if newbits < 0 || new_len > max {
        return Err(format!(
            "cannot extend the prefix /{} by {newbits} bits; at most {} remain",
            net.prefix_len(),
            max - i64::from(net.prefix_len())
        ));
    }
    if netnum < 0 || (newbits < 127 && netnum as u128 >= (1u128 << newbits)) {
        return Err(format!("network number {netnum} does not fit in {newbits} bits"));
    }
    let base = addr_to_u128(net.trunc().network());
    let shift = (max - new_len) as u32;
    let addr = base + ((netnum as u128) << shift);
    IpNet::new(u128_to_addr(addr, v4), new_len as u8).map_err(|e| e.to_string())
}

fn cidrsubnet(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let [p, nb, nn] = arity::<3>(a)?;
    let net = parse_prefix(&as_string(p)?)?;
    Ok(Value::String(subnet(net, as_int(nb)?, as_int(nn)?)?.to_string()))
}

fn cidrsubnets(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let mut it = a.into_iter();
    let net = parse_prefix(&as_string(it.next().ok_or("needs a prefix")?)?)?;
    let v4 = matches!(net, IpNet::V4(_));
    let max: u32 = if v4 { 32 } else { 128 };
    let base = addr_to_u128(net.trunc().network());
    let limit = base + (1u128 << (max - u32::from(net.prefix_len()))) - 1;
    let mut next = base;
    let mut out = vec![];
    for nb in it {
        let nb = as_int(nb)?;
        let len = i64::from(net.prefix_len()) + nb;
        if nb < 1 || len > i64::from(max) {
            return Err(format!("cannot extend /{} by {nb} bits", net.prefix_len()));
        }
        let size = 1u128 << (max - len as u32);
        let start = next.div_ceil(size) * size;
        if start + size - 1 > limit {
            return Err(format!("not enough room in {net} for another /{len}"));
        }
        out.push(Value::String(IpNet::new(u128_to_addr(start, v4), len as u8).map_err(|e| e.to_string())?.to_string()));
        next = start + size;
    }
    Ok(Value::List(out))
}

fn cidrhost(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let [p, h] = arity::<2>(a)?;
    let net = parse_prefix(&as_string(p)?)?;
    let host = as_int(h)?;
    let v4 = matches!(net, IpNet::V4(_));
    let bits = (if v4 { 32 } else { 128 }) - u32::from(net.prefix_len());
    let size: u128 = if bits >= 128 { u128::MAX } else { 1u128 << bits };
    let offset = if host < 0 { size.checked_sub(host.unsigned_abs() as u128) } else { Some(host as u128) };
    match offset {
        Some(o) if o < size => Ok(Value::String(u128_to_addr(addr_to_u128(net.trunc().network()) + o, v4).to_string())),
        _ => Err(format!("host number {host} does not fit in {net}")),
    }
}

fn cidrnetmask(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    match parse_prefix(&str1(a)?)? {
        IpNet::V4(n) => Ok(Value::String(n.netmask().to_string())),
        IpNet::V6(_) => Err("only IPv4 prefixes have a netmask".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: Vec<Value>) -> Result<Value, String> {
        let spec = lookup(name).expect("function exists");
        (spec.f)(&Ctx { module_dir: PathBuf::from("."), ..Default::default() }, args)
    }

    fn s(v: &str) -> Value {
        Value::String(v.into())
    }

    fn n(v: f64) -> Value {
        Value::Number(v)
    }

    #[test]
    fn names_are_sorted_and_all_resolve() {
        let mut sorted = FUNCTION_NAMES.to_vec();
        sorted.sort();
        assert_eq!(sorted, FUNCTION_NAMES);
        for name in FUNCTION_NAMES {
            assert!(lookup(name).is_some() || matches!(*name, "try" | "can"), "{name}");
        }
        // And the converse: every name `lookup` knows is listed, since the function-name check
        // (a lower layer, `check/functions.rs`) reads the list alone.
        let src = include_str!("functions.rs");
        let body = &src[src.find("pub fn lookup(").expect("lookup is here")..];
        let body = &body[..body.find("\n}\n").expect("lookup ends")];
        let mut arms = 0;
        for pattern in body.lines().filter_map(|l| l.trim_start().strip_prefix('"')?.split_once(" =>")) {
            for name in format!("\"{}", pattern.0).split('|') {
                let name = name.trim().trim_matches('"');
                assert!(FUNCTION_NAMES.contains(&name), "lookup knows {name}, FUNCTION_NAMES does not");
                arms += 1;
            }
        }
        assert_eq!(arms, FUNCTION_NAMES.len() - 2, "every name but try and can has an arm");
    }

    /// The examples of Terraform's documentation of each function, with its results.
    #[test]
    fn string_and_number_functions_match_terraform() {
        assert_eq!(call("chomp", vec![s("hello\n")]), Ok(s("hello")));
        assert_eq!(call("chomp", vec![s("hello\r\n")]), Ok(s("hello")));
        assert_eq!(call("chomp", vec![s("hello\n\n")]), Ok(s("hello")));
        assert_eq!(call("strcontains", vec![s("hello world"), s("wor")]), Ok(Value::Bool(true)));
        assert_eq!(call("strcontains", vec![s("hello world"), s("wod")]), Ok(Value::Bool(false)));
        assert_eq!(call("indent", vec![n(2.0), s("[\n  foo,\n  bar,\n]\n")]), Ok(s("[\n    foo,\n    bar,\n  ]\n  ")));
        assert!(call("indent", vec![n(-1.0), s("a")]).is_err());
        assert_eq!(call("log", vec![n(50.0), n(10.0)]), Ok(n(1.6989700043360185)));
        assert_eq!(call("log", vec![n(16.0), n(2.0)]), Ok(n(4.0)));
        assert_eq!(call("log", vec![n(1.0), n(10.0)]), Ok(n(0.0)));
        assert_eq!(call("parseint", vec![s("100"), n(10.0)]), Ok(n(100.0)));
        assert_eq!(call("parseint", vec![s("FF"), n(16.0)]), Ok(n(255.0)));
        assert_eq!(call("parseint", vec![s("-10"), n(16.0)]), Ok(n(-16.0)));
        assert_eq!(call("parseint", vec![s("1011111011101111"), n(2.0)]), Ok(n(48879.0)));
        assert_eq!(call("parseint", vec![s("zz"), n(36.0)]), Ok(n(1295.0)));
        // Above base 36 upper-case letters are digits of their own (this once panicked).
        assert_eq!(call("parseint", vec![s("aA"), n(62.0)]), Ok(n(656.0)));
        assert_eq!(call("parseint", vec![s("12"), n(2.0)]), Err("\"12\" is not a whole number in base 2".into()));
        assert!(call("parseint", vec![s(""), n(10.0)]).is_err());
    }

    #[test]
    fn cidr_maths_matches_terraform() {
        assert_eq!(call("cidrsubnet", vec![s("10.0.0.0/16"), n(8.0), n(2.0)]), Ok(s("10.0.2.0/24")));
        assert_eq!(call("cidrsubnet", vec![s("10.1.2.0/24"), n(4.0), n(15.0)]), Ok(s("10.1.2.240/28")));
        assert_eq!(
            call("cidrsubnet", vec![s("fd00:fd12:3456:7890::/56"), n(16.0), n(162.0)]),
            Ok(s("fd00:fd12:3456:7800:a200::/72"))
        );
        assert!(call("cidrsubnet", vec![s("10.0.0.0/16"), n(8.0), n(256.0)]).is_err());
        assert!(call("cidrsubnet", vec![s("10.0.0.0/30"), n(8.0), n(0.0)]).is_err());
        assert_eq!(call("cidrhost", vec![s("10.12.112.0/20"), n(16.0)]), Ok(s("10.12.112.16")));
        assert_eq!(call("cidrhost", vec![s("10.12.112.0/20"), n(268.0)]), Ok(s("10.12.113.12")));
        assert_eq!(call("cidrhost", vec![s("10.0.0.0/24"), n(-1.0)]), Ok(s("10.0.0.255")));
        assert_eq!(call("cidrnetmask", vec![s("172.16.0.0/12")]), Ok(s("255.240.0.0")));
        assert_eq!(
            call("cidrsubnets", vec![s("10.1.0.0/16"), n(4.0), n(4.0), n(8.0), n(4.0)]),
            Ok(Value::List(vec![s("10.1.0.0/20"), s("10.1.16.0/20"), s("10.1.32.0/24"), s("10.1.48.0/20")]))
        );
        assert!(call("cidrsubnet", vec![s("not-a-cidr"), n(1.0), n(0.0)]).is_err());
    }

    #[test]
    fn format_verbs() {
        assert_eq!(call("format", vec![s("Hello, %s!"), s("Ander")]), Ok(s("Hello, Ander!")));
        assert_eq!(call("format", vec![s("There are %d lights"), n(4.0)]), Ok(s("There are 4 lights")));
        assert_eq!(call("format", vec![s("%.2f"), n(1.23456)]), Ok(s("1.23")));
        assert_eq!(call("format", vec![s("%03d|%-4s|%4s"), n(7.0), s("ab"), s("cd")]), Ok(s("007|ab  |  cd")));
        assert_eq!(call("format", vec![s("%q %t %%"), s("x"), Value::Bool(true)]), Ok(s("\"x\" true %")));
        assert!(call("format", vec![s("%s %s"), s("one")]).is_err());
        assert_eq!(
            call(
                "format",
                vec![s("%g %g %g %g %g %g"), n(1234567.0), n(123456.0), n(0.0001), n(0.00001), n(1e20), n(1.5)]
            ),
            Ok(s("1.234567e+06 123456 0.0001 1e-05 1e+20 1.5"))
        );
        assert_eq!(
            call("format", vec![s("%.3g %.10g %.1g"), n(1234.5678), n(1.5), n(0.05)]),
            Ok(s("1.23e+03 1.5 0.05"))
        );
        assert_eq!(
            call("format", vec![s("%e %.2e %E"), n(0.0), n(123456.0), n(0.5)]),
            Ok(s("0.000000e+00 1.23e+05 5.000000E-01"))
        );
        assert_eq!(call("format", vec![s("%[2]s %[1]s %s"), s("a"), s("b")]), Ok(s("b a b")));
        assert_eq!(call("format", vec![s("%-5[1]s|"), s("a")]), Ok(s("a    |")));
        assert_eq!(
            call("format", vec![s("%[3]s"), s("a"), s("b")]),
            Err("not enough arguments for the format: verb %s needs argument 3 of 2".into())
        );
        assert_eq!(
            call("format", vec![s("%5s|%-5t|%05d|%x"), s("a"), Value::Bool(false), n(-42.0), n(-255.0)]),
            Ok(s("    a|false|-0042|-ff"))
        );
        assert_eq!(call("format", vec![s("%.2f %.0f %5.1f"), n(2.675), n(0.5), n(-1.25)]), Ok(s("2.67 0  -1.2")));
        assert!(call("format", vec![s("%d"), s("x")]).is_err());
    }

    #[test]
    fn collections() {
        let l = |v: Vec<Value>| Value::List(v);
        assert_eq!(call("flatten", vec![l(vec![l(vec![s("a")]), l(vec![]), s("b")])]), Ok(l(vec![s("a"), s("b")])));
        assert_eq!(call("distinct", vec![l(vec![s("a"), s("b"), s("a")])]), Ok(l(vec![s("a"), s("b")])));
        assert_eq!(call("compact", vec![l(vec![s("a"), s(""), Value::Null])]), Ok(l(vec![s("a")])));
        assert_eq!(call("element", vec![l(vec![s("a"), s("b")]), n(3.0)]), Ok(s("b")));
        assert_eq!(call("slice", vec![l(vec![s("a"), s("b"), s("c")]), n(1.0), n(3.0)]), Ok(l(vec![s("b"), s("c")])));
        assert_eq!(call("range", vec![n(3.0)]), Ok(l(vec![n(0.0), n(1.0), n(2.0)])));
        assert_eq!(call("range", vec![n(1.0), n(8.0), n(3.0)]), Ok(l(vec![n(1.0), n(4.0), n(7.0)])));
        assert_eq!(call("min", vec![n(3.0), n(1.0)]), Ok(n(1.0)));
        assert_eq!(call("max", vec![n(3.0), n(1.0)]), Ok(n(3.0)));
        assert_eq!(call("toset", vec![l(vec![s("b"), s("a"), s("b")])]), Ok(Value::Set(vec![s("a"), s("b")])));
        let m = call("zipmap", vec![l(vec![s("a"), s("b")]), l(vec![n(1.0), n(2.0)])]).expect("zipmap");
        assert_eq!(call("keys", vec![m.clone()]), Ok(l(vec![s("a"), s("b")])));
        assert_eq!(call("values", vec![m.clone()]), Ok(l(vec![n(1.0), n(2.0)])));
        assert_eq!(call("lookup", vec![m.clone(), s("c"), s("d")]), Ok(s("d")));
        assert!(call("lookup", vec![m, s("c")]).is_err());
        assert_eq!(call("contains", vec![l(vec![s("a")]), s("a")]), Ok(Value::Bool(true)));
        assert_eq!(call("length", vec![s("héllo")]), Ok(n(5.0)));
        assert_eq!(call("one", vec![l(vec![])]), Ok(Value::Null));
        assert_eq!(call("coalesce", vec![Value::Null, s(""), s("x")]), Ok(s("x")));
    }

    /// Existing functions whose answers a side-by-side run with `terraform console` corrected.
    #[test]
    fn older_functions_match_terraform() {
        let l = |v: Vec<Value>| Value::List(v);
        assert_eq!(call("title", vec![s("hello_world x-y 1abc ábc o'neil")]), Ok(s("Hello_world X-Y 1abc Ábc O'Neil")));
        assert_eq!(call("upper", vec![s("straße")]), Ok(s("STRAßE")));
        assert_eq!(call("lower", vec![s("ÀÉİ")]), Ok(s("àéi")));
        assert_eq!(call("distinct", vec![l(vec![n(1.0), s("1")])]), Ok(l(vec![s("1")])));
        assert_eq!(call("concat", vec![]), Err("needs at least one list".into()));
        assert_eq!(call("coalescelist", vec![]), Err("needs at least one list".into()));
        assert_eq!(
            call("contains", vec![l(vec![s("a")]), Value::Null]),
            Err("the value to look for must not be null".into())
        );
        assert_eq!(call("split", vec![s(""), s("abc")]), Ok(l(vec![s("a"), s("b"), s("c")])));
        assert_eq!(call("range", vec![n(-1.0)]), Ok(l(vec![n(0.0)])));
        assert_eq!(call("length", vec![s("👾🕹️")]), Ok(n(2.0)));
        assert_eq!(call("length", vec![s("e\u{301}")]), Ok(n(1.0)));
        assert_eq!(call("substr", vec![s("e\u{301}x"), n(0.0), n(1.0)]), Ok(s("e\u{301}")));
        assert_eq!(call("strrev", vec![s("e\u{301}x")]), Ok(s("xe\u{301}")));
        assert_eq!(call("strrev", vec![s("cześć")]), Ok(s("ćśezc")));
        assert_eq!(
            call("jsonencode", vec![Value::Map([("<".into(), s("&>\u{8}\u{c}\u{2028}\\b"))].into())]),
            Ok(s("{\"\\u003c\":\"\\u0026\\u003e\\u0008\\u000c\\u2028\\\\b\"}"))
        );
        assert_eq!(call("basename", vec![s("/")]), Ok(s("/")));
        assert_eq!(call("basename", vec![s("")]), Ok(s(".")));
        assert_eq!(call("basename", vec![s("foo/")]), Ok(s("foo")));
        assert_eq!(call("basename", vec![s("foo/bar/baz.txt")]), Ok(s("baz.txt")));
        assert_eq!(call("dirname", vec![s("foo//bar")]), Ok(s("foo")));
        assert_eq!(call("dirname", vec![s("foo/bar/baz.txt")]), Ok(s("foo/bar")));
        assert_eq!(call("dirname", vec![s("/foo")]), Ok(s("/")));
        assert_eq!(call("dirname", vec![s("foo")]), Ok(s(".")));
        assert_eq!(call("dirname", vec![s("")]), Ok(s(".")));
        assert_eq!(call("abspath", vec![s("/x/../y")]), Ok(s("/y")));
        assert_eq!(
            call("tolist", vec![l(vec![s("a"), Value::Bool(true), n(1.0), Value::Null])]),
            Ok(l(vec![s("a"), s("true"), s("1"), Value::Null]))
        );
        assert_eq!(call("toset", vec![l(vec![s("a"), n(1.0)])]), Ok(Value::Set(vec![s("1"), s("a")])));
        assert!(
            call("tolist", vec![l(vec![n(1.0), Value::Bool(true)])])
                .is_err_and(|e| e.contains("mixes numbers and bools"))
        );
        assert_eq!(
            call("tomap", vec![Value::Map([("a".into(), s("x")), ("b".into(), Value::Bool(true))].into())]),
            Ok(Value::Map([("a".into(), s("x")), ("b".into(), s("true"))].into()))
        );
    }

    #[test]
    fn strings_and_encodings() {
        assert_eq!(call("split", vec![s(","), s("a,b")]), Ok(Value::List(vec![s("a"), s("b")])));
        assert_eq!(call("join", vec![s("-"), Value::List(vec![s("a"), n(1.0)])]), Ok(s("a-1")));
        assert_eq!(call("replace", vec![s("a-b-c"), s("-"), s("_")]), Ok(s("a_b_c")));
        assert_eq!(call("replace", vec![s("hello world"), s("/w(or)ld/"), s("$1")]), Ok(s("hello or")));
        assert_eq!(call("regex", vec![s("[a-z]+"), s("53453453.345345aaabbbccc23454")]), Ok(s("aaabbbccc")));
        assert_eq!(call("regex", vec![s("(\\d+)-(\\d+)"), s("10-20")]), Ok(Value::List(vec![s("10"), s("20")])));
        assert!(call("regex", vec![s("z"), s("abc")]).is_err());
        assert_eq!(call("base64encode", vec![s("Hello World")]), Ok(s("SGVsbG8gV29ybGQ=")));
        assert_eq!(call("md5", vec![s("hello world")]), Ok(s("5eb63bbbe01eeed093cb22bb8f5acdc3")));
        assert_eq!(
            call("sha256", vec![s("hello world")]),
            Ok(s("b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"))
        );
        assert_eq!(call("jsonencode", vec![Value::Map([("a".into(), n(1.0))].into())]), Ok(s("{\"a\":1}")));
        assert_eq!(
            call("jsondecode", vec![s("{\"a\":[true]}")]),
            Ok(Value::Map([("a".into(), Value::List(vec![Value::Bool(true)]))].into()))
        );
        assert_eq!(call("substr", vec![s("hello world"), n(1.0), n(4.0)]), Ok(s("ello")));
        assert_eq!(call("title", vec![s("hello world")]), Ok(s("Hello World")));
        assert_eq!(call("trimspace", vec![s("  x \n")]), Ok(s("x")));
        assert_eq!(call("tonumber", vec![s("42")]), Ok(n(42.0)));
        assert!(call("tonumber", vec![s("x")]).is_err());
    }

    fn l(v: Vec<Value>) -> Value {
        Value::List(v)
    }

    fn call_in(ctx: &Ctx, name: &str, args: Vec<Value>) -> Result<Value, String> {
        (lookup(name).expect("function exists").f)(ctx, args)
    }

    /// Every answer below is Terraform 1.11's own (checked with `terraform console`).
    #[test]
    fn hashes_and_encodings_match_terraform() {
        assert_eq!(call("sha1", vec![s("hello world")]), Ok(s("2aae6c35c94fcfb415dbe95f408b9ce91ee846ed")));
        assert_eq!(call("base64sha256", vec![s("hello world")]), Ok(s("uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=")));
        assert_eq!(
            call("base64sha512", vec![s("hello world")]),
            Ok(s("MJ7MSJwS1utMxA9QyQLytNDtd+5RGnx6m808qG1M2G+YndNbxf9JlnDaNCVbRbDP2DDoH2Bdz33FVC6TrpzXbw=="))
        );
        assert_eq!(call("urlencode", vec![s("Hello World!")]), Ok(s("Hello+World%21")));
        assert_eq!(
            call("urlencode", vec![s("foo:bar@localhost?foo=bar&bar=baz/é~_-.")]),
            Ok(s("foo%3Abar%40localhost%3Ffoo%3Dbar%26bar%3Dbaz%2F%C3%A9~_-."))
        );
        assert_eq!(
            call("textencodebase64", vec![s("Hello World"), s("UTF-16LE")]),
            Ok(s("SABlAGwAbABvACAAVwBvAHIAbABkAA=="))
        );
        assert_eq!(call("textencodebase64", vec![s("Hi"), s("UTF-16")]), Ok(s("/v8ASABp")));
        assert_eq!(call("textencodebase64", vec![s("Hi"), s("utf-16be")]), Ok(s("AEgAaQ==")));
        assert_eq!(call("textencodebase64", vec![s("é"), s("ISO-8859-1")]), Ok(s("6Q==")));
        assert_eq!(call("textencodebase64", vec![s("Hi"), s("latin1")]), Ok(s("SGk=")));
        assert_eq!(call("textencodebase64", vec![s("Hi"), s("csUTF8")]), Ok(s("SGk=")));
        assert_eq!(call("textencodebase64", vec![s("Hi"), s("iso-ir-100")]), Ok(s("SGk=")));
        for not_iana in ["utf8", "UTF16", "cp1252", "ascii"] {
            assert!(call("textencodebase64", vec![s("x"), s(not_iana)]).is_err(), "{not_iana}");
        }
        assert_eq!(
            call("textencodebase64", vec![s("€"), s("ISO-8859-1")]),
            Err("the string contains characters that ISO-8859-1 cannot represent".into())
        );
        assert_eq!(
            call("textencodebase64", vec![s("x"), s("nosuch")]),
            Err("\"nosuch\" is not a supported encoding; supported: UTF-8, UTF-16, UTF-16LE, UTF-16BE, ISO-8859-1, US-ASCII and windows-1252".into())
        );
        assert_eq!(
            call("textdecodebase64", vec![s("SABlAGwAbABvACAAVwBvAHIAbABkAA=="), s("UTF-16LE")]),
            Ok(s("Hello World"))
        );
        assert_eq!(call("textdecodebase64", vec![s("gA=="), s("windows-1252")]), Ok(s("€")));
        assert_eq!(
            call("textdecodebase64", vec![s("gQ=="), s("windows-1252")]),
            Err("the decoded bytes are not valid windows-1252 text".into())
        );
        assert_eq!(
            call("textdecodebase64", vec![s("/w=="), s("UTF-8")]),
            Err("the decoded bytes are not valid UTF-8 text".into())
        );
        assert!(call("textdecodebase64", vec![s("!!"), s("UTF-8")]).is_err_and(|e| e.contains("not valid base64")));
        assert_eq!(
            call("uuidv5", vec![s("dns"), s("www.terraform.io")]),
            Ok(s("a5008fae-b28c-5ba5-96cd-82b4c53552d6"))
        );
        assert_eq!(
            call("uuidv5", vec![s("url"), s("https://www.terraform.io/")]),
            Ok(s("9db6f67c-dd95-5ea0-aa5b-e70e5c5f7cf5"))
        );
        assert_eq!(call("uuidv5", vec![s("oid"), s("1.3.6.1.4")]), Ok(s("af9d40a5-7a36-5c07-b23a-851cd99fbfa5")));
        assert_eq!(call("uuidv5", vec![s("x500"), s("CN=Example")]), Ok(s("fc36744a-3783-5ebd-aac6-5c7766b1e223")));
        assert_eq!(
            call("uuidv5", vec![s("743ac3c0-3bf7-4a5b-9e6c-59360447c757"), s("LIBS:diskfree")]),
            Ok(s("68046825-b333-523f-b7fe-c17fbdd4f6a0"))
        );
        assert!(call("uuidv5", vec![s("foo"), s("x")]).is_err_and(|e| e.contains("namespace \"foo\"")));
    }

    /// `base64gzip` makes Go's bytes exactly (Terraform's answers), from a few bytes to several
    /// blocks and a sliding window; long answers are compared by their SHA-256.
    #[test]
    fn base64gzip_matches_terraform_byte_for_byte() {
        use sha2::Digest as _;
        let gz = |text: &str| match call("base64gzip", vec![s(text)]) {
            Ok(Value::String(b)) => b,
            other => panic!("{other:?}"),
        };
        let digest = |text: &str| hex(&sha2::Sha256::digest(gz(text).as_bytes()));
        assert_eq!(gz(""), "H4sIAAAAAAAA/wAAAP//AQAA//8AAAAAAAAAAA==");
        assert_eq!(gz("hello world"), "H4sIAAAAAAAA/8pIzcnJVyjPL8pJAQAAAP//AQAA//+FEUoNCwAAAA==");
        assert_eq!(
            gz(
                "#!/bin/bash\nset -euo pipefail\nyum install -y httpd\nsystemctl enable --now httpd\necho 'hello' > /var/www/html/index.html\n"
            ),
            "H4sIAAAAAAAA/yzJQQ4CIQwF0D2n+MbFrLA38C4wUwNJKcR2RG5vTGb3kne/Ua5KOVkJxo7IZ8eog1+pSlhnQ1XzJIK4UNzHEWyZc9tdwJqyMGLUPq/kvXRshUX6hifok94056TiTajqwd/Hn+EHAAD//wEAAP//QNxTwXgAAAA="
        );
        let lines: String =
            (0..200).map(|i| format!("line {i} of the user data script, with some words repeated\n")).collect();
        assert_eq!(digest(&lines), "096d0c7c61ccdd223fdd93523fba31169bf4a5d0a64b6b55d49e1130c679650e");
        // 384 KB of hex digits: many blocks of 16,384 tokens and a window that slides.
        let hashes: String = (0..60)
            .flat_map(|i| (0..100).map(move |j| hex(&sha2::Sha256::digest(format!("{i}-{j}").as_bytes()))))
            .collect();
        assert_eq!(digest(&hashes), "813437820a60271cb9aac2d44dba2607d361c3ea6eaf4d8f686e75f5c6587f6c");
        assert_eq!(digest(&"z".repeat(70_000)), "473220e2c560394d72b41d292cbd214c147fcd09ebde1bd35dd24d10756e37cc");
    }

    #[test]
    fn base64gzip_round_trips() {
        use std::io::Read as _;
        let text: String = (0..3000).map(|i| format!("{i} ünï ")).collect();
        let Ok(Value::String(b64)) = call("base64gzip", vec![s(&text)]) else { panic!("a string") };
        let bytes = base64::engine::general_purpose::STANDARD.decode(b64).expect("base64");
        let mut back = String::new();
        flate2::read::GzDecoder::new(bytes.as_slice()).read_to_string(&mut back).expect("gzip");
        assert_eq!(back, text);
    }

    #[test]
    fn csvdecode_matches_terraform() {
        let row = |a: &str, b: &str| Value::Map([("a".into(), s(a)), ("b".into(), s(b))].into());
        assert_eq!(call("csvdecode", vec![s("a,b\n1,2\n3,4\n")]), Ok(l(vec![row("1", "2"), row("3", "4")])));
        assert_eq!(call("csvdecode", vec![s("a,b\r\n\"x,\"\"y\",2\r\n")]), Ok(l(vec![row("x,\"y", "2")])));
        assert_eq!(call("csvdecode", vec![s("a,b\n\"multi\nline\",2")]), Ok(l(vec![row("multi\nline", "2")])));
        assert_eq!(call("csvdecode", vec![s("a,b")]), Ok(l(vec![])));
        assert_eq!(call("csvdecode", vec![s("a,a\n1,2")]), Err("the header names the column \"a\" twice".into()));
        assert_eq!(
            call("csvdecode", vec![s("a,b\n1,2,3")]),
            Err("line 2 has 3 fields but the header names 2 columns".into())
        );
        assert_eq!(
            call("csvdecode", vec![s("")]),
            Err("the CSV is empty: its first line must name the columns".into())
        );
        assert!(call("csvdecode", vec![s("a\nx\"y")]).is_err_and(|e| e.contains("line 2")));
        assert!(call("csvdecode", vec![s("a\n\"open")]).is_err_and(|e| e.contains("not closed")));
    }

    #[test]
    fn collection_functions_match_terraform() {
        assert_eq!(
            call(
                "matchkeys",
                vec![
                    l(vec![s("i-123"), s("i-abc"), s("i-def")]),
                    l(vec![s("us-west"), s("us-east"), s("us-east")]),
                    l(vec![s("us-east")])
                ]
            ),
            Ok(l(vec![s("i-abc"), s("i-def")]))
        );
        assert_eq!(
            call("matchkeys", vec![l(vec![s("a"), s("b")]), l(vec![n(1.0), n(2.0)]), l(vec![s("1")])]),
            Ok(l(vec![s("a")]))
        );
        assert_eq!(
            call("matchkeys", vec![l(vec![s("a")]), l(vec![s("b"), s("c")]), l(vec![s("c")])]),
            Err("there are 1 values but 2 keys; they must be the same length".into())
        );
        assert_eq!(
            call("setproduct", vec![l(vec![s("development"), s("staging")]), l(vec![s("app1"), s("app2")])]),
            Ok(l(vec![
                l(vec![s("development"), s("app1")]),
                l(vec![s("development"), s("app2")]),
                l(vec![s("staging"), s("app1")]),
                l(vec![s("staging"), s("app2")]),
            ]))
        );
        assert_eq!(
            call("setproduct", vec![Value::set(vec![s("b"), s("a")]), Value::set(vec![s("x")])]),
            Ok(Value::Set(vec![l(vec![s("a"), s("x")]), l(vec![s("b"), s("x")])]))
        );
        assert_eq!(
            call("setproduct", vec![Value::set(vec![s("a")]), l(vec![s("x"), s("x")])]),
            Ok(Value::Set(vec![l(vec![s("a"), s("x")])]))
        );
        assert_eq!(call("setproduct", vec![l(vec![s("a")]), l(vec![])]), Ok(l(vec![])));
        assert_eq!(call("setproduct", vec![l(vec![s("a")])]), Err("needs at least two sets or lists, got 1".into()));
        // Structural: an unknown element stays in its place.
        assert_eq!(
            call("setproduct", vec![l(vec![Value::Unknown]), l(vec![s("x")])]),
            Ok(l(vec![l(vec![Value::Unknown, s("x")])]))
        );
        let m = |pairs: Vec<(&str, Value)>| Value::Map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect());
        assert_eq!(
            call("transpose", vec![m(vec![("a", l(vec![s("1"), s("2")])), ("b", l(vec![s("2"), s("3")]))])]),
            Ok(m(vec![("1", l(vec![s("a")])), ("2", l(vec![s("a"), s("b")])), ("3", l(vec![s("b")]))]))
        );
        assert_eq!(call("transpose", vec![m(vec![("a", l(vec![]))])]), Ok(m(vec![])));
        assert_eq!(
            call("transpose", vec![m(vec![("a", l(vec![s("x")])), ("b", Value::Null)])]),
            Err("the list at key \"b\" is null".into())
        );
        assert_eq!(call("ephemeralasnull", vec![s("x")]), Ok(s("x")));
    }

    #[test]
    fn dates_and_times_match_terraform() {
        let fd = |f: &str, t: &str| call("formatdate", vec![s(f), s(t)]);
        assert_eq!(fd("DD MMM YYYY hh:mm ZZZ", "2018-01-02T23:12:01Z"), Ok(s("02 Jan 2018 23:12 UTC")));
        assert_eq!(
            fd("EEEE, DD-MMM-YY hh:mm:ss ZZZ", "2018-01-02T23:12:01Z"),
            Ok(s("Tuesday, 02-Jan-18 23:12:01 UTC"))
        );
        assert_eq!(
            fd("EEE, DD MMM YYYY hh:mm:ss ZZZ", "2018-01-02T23:12:01-08:00"),
            Ok(s("Tue, 02 Jan 2018 23:12:01 -0800"))
        );
        assert_eq!(fd("MMM DD, YYYY", "2018-01-02T23:12:01Z"), Ok(s("Jan 02, 2018")));
        assert_eq!(fd("HH:mmaa", "2018-01-02T23:12:01Z"), Ok(s("11:12pm")));
        assert_eq!(
            fd("h:mm AA 'o''clock' Z ZZZZ ZZZZZ", "2018-01-02T03:12:01.123456789+05:30"),
            Ok(s("3:12 AM o'clock +05:30 +0530 +05:30"))
        );
        assert_eq!(fd("H HH", "2018-11-12T00:04:05Z"), Ok(s("12 12")));
        assert_eq!(fd("Z ZZZZ ZZZZZ", "2018-11-12T00:04:05Z"), Ok(s("Z +0000 +00:00")));
        assert_eq!(fd("Z ZZZZ ZZZZZ", "2018-11-12T00:04:05-00:30"), Ok(s("-00:30 -0030 -00:30")));
        assert_eq!(fd("ZZZ", "2018-01-02T03:04:05+00:00"), Ok(s("UTC")));
        assert_eq!(fd("''", "2018-11-12T00:04:05Z"), Ok(s("'")));
        assert_eq!(fd("YYYY YY", "0001-11-12T00:04:05Z"), Ok(s("0001 01")));
        assert_eq!(fd("MMMM D, EEEE", "2024-02-29T12:00:00Z"), Ok(s("February 29, Thursday")));
        assert_eq!(
            fd("Y", "2018-01-02T03:04:05Z"),
            Err("\"Y\" is not a date format verb: the year is YY or YYYY".into())
        );
        assert_eq!(
            fd("hello", "2018-01-02T03:04:05Z"),
            Err("\"e\" is not a date format verb: put literal letters in single quotes, as in 'T'".into())
        );
        assert_eq!(fd("'open", "2018-01-02T03:04:05Z"), Err("the format has a quote (') that is not closed".into()));
        for bad in [
            "2018-01-02",
            "2018-01-02T03:04:05",
            "2018-13-02T03:04:05Z",
            "2018-02-29T03:04:05Z",
            "2018-01-02T24:00:00Z",
            "2018-01-02T23:59:60Z",
            "2018-01-02t03:04:05z",
            "2018-01-02 03:04:05Z",
            "2018-11-12T00:04:05.Z",
            "2018-11-12T00:04:05+0530",
            "2018-11-12T00:04:05+05:60",
            "2018-1-12T00:04:05Z",
        ] {
            assert!(fd("YYYY", bad).is_err_and(|e| e.contains("is not an RFC 3339 timestamp")), "{bad}");
        }
        assert_eq!(
            fd("YYYY", "2018-01-02"),
            Err("\"2018-01-02\" is not an RFC 3339 timestamp such as \"2018-01-02T23:12:01Z\": the date and the time must be separated by an upper-case 'T'".into())
        );

        let ta = |t: &str, d: &str| call("timeadd", vec![s(t), s(d)]);
        assert_eq!(ta("2017-11-22T00:00:00Z", "10m"), Ok(s("2017-11-22T00:10:00Z")));
        assert_eq!(ta("2017-11-22T00:00:00Z", "-1h30m"), Ok(s("2017-11-21T22:30:00Z")));
        assert_eq!(ta("2017-11-22T00:00:00+05:00", "1.5s"), Ok(s("2017-11-22T00:00:01+05:00")));
        assert_eq!(ta("2017-11-22T00:00:00.25Z", "300ms"), Ok(s("2017-11-22T00:00:00Z")));
        assert_eq!(ta("2017-11-22T00:00:00Z", "1000000h"), Ok(s("2131-12-21T16:00:00Z")));
        assert_eq!(ta("0001-01-01T00:00:00Z", "-1h"), Ok(s("0000-12-31T23:00:00Z")));
        assert_eq!(ta("2024-02-28T23:00:00Z", "1h"), Ok(s("2024-02-29T00:00:00Z")));
        assert_eq!(ta("9999-12-31T23:00:00Z", "2h"), Ok(s("10000-01-01T01:00:00Z")));
        assert_eq!(ta("0000-01-01T00:00:00Z", "-2h"), Ok(s("-0001-12-31T22:00:00Z")));
        assert!(ta("2017-11-22T00:00:00Z", "10d").is_err_and(|e| e.contains("unit \"d\"")));
        assert!(ta("2017-11-22T00:00:00Z", "3000000h").is_err());

        let tc = |a: &str, b: &str| call("timecmp", vec![s(a), s(b)]);
        assert_eq!(tc("2017-11-22T00:00:00Z", "2017-11-22T00:00:00Z"), Ok(n(0.0)));
        assert_eq!(tc("2017-11-22T00:00:00Z", "2017-11-22T01:00:00Z"), Ok(n(-1.0)));
        assert_eq!(tc("2017-11-22T01:00:00Z", "2017-11-22T00:00:00Z"), Ok(n(1.0)));
        assert_eq!(tc("2017-11-22T01:00:00Z", "2017-11-22T00:00:00-01:00"), Ok(n(0.0)));
        assert!(tc("x", "2017-11-22T00:00:00Z").is_err_and(|e| e.starts_with("the first timestamp: \"x\"")));
        assert!(tc("2017-11-22T00:00:00Z", "x").is_err_and(|e| e.starts_with("the second timestamp: \"x\"")));
    }

    /// `timestamp`, `uuid` and `bcrypt` are unknown in a plan and known when applying;
    /// `plantimestamp` is known whenever there is a plan.
    #[test]
    fn impure_functions_wait_for_apply() {
        let plan = Ctx {
            plan_time: Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_514_934_721)),
            ..Default::default()
        };
        let apply = Ctx { applying: true, ..Default::default() };
        for name in ["timestamp", "uuid"] {
            assert_eq!(call_in(&plan, name, vec![]), Ok(Value::Unknown), "{name}");
        }
        assert_eq!(call_in(&plan, "bcrypt", vec![s("x")]), Ok(Value::Unknown));
        assert_eq!(call_in(&plan, "plantimestamp", vec![]), Ok(s("2018-01-02T23:12:01Z")));
        assert_eq!(call_in(&Ctx::default(), "plantimestamp", vec![]), Ok(Value::Unknown));
        assert_eq!(call_in(&plan, "timestamp", vec![n(1.0)]), Err("takes 0 arguments, got 1".into()));

        let Ok(Value::String(now)) = call_in(&apply, "timestamp", vec![]) else { panic!("a timestamp") };
        assert!(time::parse_rfc3339(&now).is_ok() && now.ends_with('Z') && now.len() == 20, "{now}");
        let Ok(Value::String(u)) = call_in(&apply, "uuid", vec![]) else { panic!("a uuid") };
        let shape: Vec<usize> = u.split('-').map(str::len).collect();
        assert_eq!(shape, [8, 4, 4, 4, 12], "{u}");
        assert_ne!(call_in(&apply, "uuid", vec![]), Ok(s(&u)));
        let Ok(Value::String(h)) = call_in(&apply, "bcrypt", vec![s("x"), n(4.0)]) else { panic!("a hash") };
        assert!(h.starts_with("$2a$04$") && bcrypt::verify("x", &h).unwrap_or(false), "{h}");
        // Below the minimum cost, Go's bcrypt (so Terraform) uses the default of 10.
        let Ok(Value::String(h)) = call_in(&apply, "bcrypt", vec![s("x"), n(3.0)]) else { panic!("a hash") };
        assert!(h.starts_with("$2a$10$"), "{h}");
        assert_eq!(
            call_in(&apply, "bcrypt", vec![s(&"x".repeat(73))]),
            Err("bcrypt hashes at most 72 bytes of text, and this string has 73".into())
        );
        assert_eq!(call_in(&apply, "bcrypt", vec![s("x"), n(32.0)]), Err("the cost must be at most 31, not 32".into()));
    }

    #[test]
    fn file_functions_match_terraform() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("d/sub")).expect("mkdir");
        std::fs::write(dir.path().join("d/a.txt"), "hi\n").expect("write");
        std::fs::write(dir.path().join("d/sub/b.txt"), "x\n").expect("write");
        std::fs::write(dir.path().join("d/sub/c.tf"), "y\n").expect("write");
        let ctx = Ctx { module_dir: dir.path().to_path_buf(), ..Default::default() };
        let c = |name: &str, args: Vec<Value>| call_in(&ctx, name, args);
        assert_eq!(c("filebase64", vec![s("d/a.txt")]), Ok(s("aGkK")));
        assert_eq!(c("filemd5", vec![s("d/a.txt")]), Ok(s("764efa883dda1e11db47671c4a3bbd9e")));
        assert_eq!(c("filesha1", vec![s("d/a.txt")]), Ok(s("55ca6286e3e4f4fba5d0448333fa99fc5a404a73")));
        assert_eq!(c("filebase64sha256", vec![s("d/a.txt")]), Ok(s("mOpuTyFvL7S2n/+bOkSELDhobKaF8/VdxIxdP7EQe+Q=")));
        assert!(c("filesha256", vec![s("d/a.txt")]).is_ok_and(|v| v.as_str().is_some_and(|h| h.len() == 64)));
        assert!(c("filesha512", vec![s("d/a.txt")]).is_ok_and(|v| v.as_str().is_some_and(|h| h.len() == 128)));
        assert!(c("filebase64sha512", vec![s("d/a.txt")]).is_ok());
        assert!(c("filemd5", vec![s("d/none")]).is_err_and(|e| e.starts_with("cannot read")));
        let set = |v: &[&str]| Value::Set(v.iter().map(|x| s(x)).collect());
        let fs = |p: &str, g: &str| c("fileset", vec![s(p), s(g)]);
        assert_eq!(fs("d", "*.txt"), Ok(set(&["a.txt"])));
        assert_eq!(fs("d", "**"), Ok(set(&["a.txt", "sub/b.txt", "sub/c.tf"])));
        assert_eq!(fs("d", "**/*.tf"), Ok(set(&["sub/c.tf"])));
        assert_eq!(fs("d", "**/*.txt"), Ok(set(&["a.txt", "sub/b.txt"])));
        assert_eq!(fs("d", "{sub,x}/*"), Ok(set(&["sub/b.txt", "sub/c.tf"])));
        assert_eq!(fs(".", "d/*[a-c].txt"), Ok(set(&["d/a.txt"])));
        assert_eq!(fs(".", "d/?.txt"), Ok(set(&["d/a.txt"])));
        assert_eq!(fs(".", "d/[^a].txt"), Ok(set(&[])));
        assert_eq!(fs(".", "d/[!a].txt"), Ok(set(&["d/a.txt"])), "Go's classes negate with ^ only");
        assert_eq!(fs("d/", "./sub/./b.txt"), Ok(set(&["sub/b.txt"])));
        assert_eq!(fs("d", "../d/a.txt"), Ok(set(&["a.txt"])));
        assert_eq!(fs("d", "sub/../a.txt/"), Ok(set(&["a.txt"])));
        assert_eq!(fs("d", "**/"), Ok(set(&["a.txt", "sub/b.txt", "sub/c.tf"])));
        assert_eq!(
            fs("d", "{a,sub/b}.txt"),
            Err("invalid pattern \"{a,sub/b}.txt\": the alternatives in `{...}` cannot contain `/`".into())
        );
        assert_eq!(fs("d", "sub"), Ok(set(&[])));
        assert_eq!(fs("nosuch", "*"), Ok(set(&[])));
        assert_eq!(fs("d", "["), Err("invalid pattern \"[\": a `[` has no matching `]`".into()));
        // SAFETY of the environment: only this test reads HOME through pathexpand.
        let home = std::env::var("HOME").unwrap_or_default();
        assert_eq!(c("pathexpand", vec![s("~/x")]), Ok(s(&format!("{}/x", home.trim_end_matches('/')))));
        assert_eq!(c("pathexpand", vec![s("/etc")]), Ok(s("/etc")));
        assert!(c("pathexpand", vec![s("~user/x")]).is_err_and(|e| e.contains("not `~user`")));
    }

    #[test]
    fn yaml_decodes_as_terraform() {
        let yd = |t: &str| call("yamldecode", vec![s(t)]);
        let b = Value::Bool;
        assert_eq!(
            yd("[y, Y, yes, on, ON, n, no, off, true, True, TRUE, FALSE, ~, null, Null, '']"),
            Ok(l(vec![
                b(true),
                b(true),
                b(true),
                b(true),
                b(true),
                b(false),
                b(false),
                b(false),
                b(true),
                b(true),
                b(true),
                b(false),
                Value::Null,
                Value::Null,
                Value::Null,
                s(""),
            ]))
        );
        assert_eq!(
            yd("[0x1F, 0o17, 017, 0b101, 1_000, +12, -7, 1.5e3, .inf, -.Inf, 2001-12-14, 1.0, 3., 0.1]"),
            Ok(l(vec![
                n(31.0),
                n(15.0),
                n(17.0),
                s("0b101"),
                s("1_000"),
                n(12.0),
                n(-7.0),
                n(1500.0),
                n(f64::INFINITY),
                n(f64::NEG_INFINITY),
                s("2001-12-14T00:00:00Z"),
                n(1.0),
                n(3.0),
                n(0.1),
            ]))
        );
        assert_eq!(
            yd(
                "[2001-12-14T21:59:43.10-05:00, 2001-12-14t21:59:43Z, 2001-12-14 21:59:43.10 -5, 2002-12-14 21:59:43, 2001-1-2, 2001-12-14T21:59:43+01:00]"
            ),
            Ok(l(vec![
                s("2001-12-14T21:59:43-05:00"),
                s("2001-12-14T21:59:43Z"),
                s("2001-12-14 21:59:43.10 -5"),
                s("2002-12-14T21:59:43Z"),
                s("2001-01-02T00:00:00Z"),
                s("2001-12-14T21:59:43+01:00"),
            ]))
        );
        assert_eq!(
            yd("[1e3, 1E3, 1.5E+3, 0.0, 00, 0x_1, +0x10, -0o7, 1e, 9007199254740993]"),
            Ok(l(vec![
                n(1000.0),
                n(1000.0),
                n(1500.0),
                n(0.0),
                n(0.0),
                s("0x_1"),
                s("+0x10"),
                s("-0o7"),
                s("1e"),
                n(9007199254740993.0),
            ]))
        );
        let m = |pairs: Vec<(&str, Value)>| Value::Map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect());
        assert_eq!(yd("{1: a, true: b, 1.5: c}"), Ok(m(vec![("1", s("a")), ("1.5", s("c")), ("true", s("b"))])));
        assert_eq!(
            yd("a: &x {b: 1}\nc: *x\nd:\n  <<: *x\n  e: 2"),
            Ok(m(vec![
                ("a", m(vec![("b", n(1.0))])),
                ("c", m(vec![("b", n(1.0))])),
                ("d", m(vec![("b", n(1.0)), ("e", n(2.0))])),
            ]))
        );
        assert_eq!(
            yd("[!!str 1, !!int '2', !!float 3, !!bool 'true', !!null '', !!binary aGk=]"),
            Ok(l(vec![s("1"), s("2"), n(3.0), s("true"), s(""), s("aGk=")]))
        );
        assert_eq!(yd("a: |\n  x\n  y\nb: >\n  p\n  q\n"), Ok(m(vec![("a", s("x\ny\n")), ("b", s("p q\n"))])));
        assert_eq!(yd("{a: 1, a: 2}"), Ok(m(vec![("a", n(2.0))])));
        // Entries count in order, merged ones too: the later wins.
        assert_eq!(yd("{a: 1, <<: {a: 2, b: 3}}"), Ok(m(vec![("a", n(2.0)), ("b", n(3.0))])));
        assert_eq!(yd("{<<: {a: 2, b: 3}, a: 1}"), Ok(m(vec![("a", n(1.0)), ("b", n(3.0))])));
        assert!(yd("{<<: [{a: 1}]}").is_err_and(|e| e.contains("takes one map")));
        assert_eq!(yd("{y: 2, n: 3}"), Ok(m(vec![("false", n(3.0)), ("true", n(2.0))])));
        assert_eq!(yd("a: !<tag:yaml.org,2002:str> 1"), Ok(m(vec![("a", s("1"))])));
        assert_eq!(yd("[.nan]"), Err("line 1, column 2: NaN (not a number) is not supported".into()));
        assert_eq!(yd("{null: a}"), Err("line 1, column 2: a mapping key cannot be null".into()));
        assert!(yd("{[1]: a}").is_err_and(|e| e.contains("must be a string")));
        assert!(yd("!!int x").is_err_and(|e| e.contains("\"x\" is not a valid int")));
        assert!(yd("!foo x").is_err_and(|e| e.contains("the tag \"!foo\" is not supported")));
        assert_eq!(yd(""), Err("the YAML holds no document".into()));
        assert_eq!(yd("# only a comment"), Err("the YAML holds no document".into()));
        assert!(yd("a: b: c").is_err_and(|e| e.starts_with("line 1, column")));
        assert!(yd("---\na: 1\n---\nb: 2").is_err_and(|e| e.contains("more than one document")));
        assert_eq!(
            yd("%YAML 1.2\n---\na: 1"),
            Err("line 1, column 1: the document declares YAML 1.2; Terraform's yamldecode reads YAML 1.1 (drop the %YAML line)".into())
        );
        assert_eq!(yd("%YAML 1.1\n---\na: 1"), Ok(m(vec![("a", n(1.0))])));
        // Aliases of aliases cannot expand without bound.
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..8 {
            bomb.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n",
                p = i - 1
            ));
        }
        assert!(yd(&bomb).is_err_and(|e| e.contains("expands to more than")));
    }

    #[test]
    fn yaml_encodes_as_terraform() {
        let ye = |v: Value| match call("yamlencode", vec![v]) {
            Ok(Value::String(t)) => t,
            other => panic!("{other:?}"),
        };
        let m = |pairs: Vec<(&str, Value)>| Value::Map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect());
        assert_eq!(
            ye(m(vec![
                ("a", s("b")),
                ("c", l(vec![n(1.0), n(2.0)])),
                ("d", m(vec![("e", Value::Bool(true)), ("f", Value::Null)])),
            ])),
            "\"a\": \"b\"\n\"c\":\n- 1\n- 2\n\"d\":\n  \"e\": true\n  \"f\": null\n"
        );
        assert_eq!(ye(s("x")), "\"x\"\n");
        assert_eq!(ye(l(vec![])), "[]\n");
        assert_eq!(ye(m(vec![])), "{}\n");
        assert_eq!(ye(s("multi\nline")), "|-\n  multi\n  line\n");
        assert_eq!(ye(n(1.5)), "1.5\n...\n");
        assert_eq!(ye(Value::Bool(true)), "true\n...\n");
        assert_eq!(ye(Value::Null), "null\n...\n");
        assert_eq!(ye(s("yes")), "\"yes\"\n");
        assert_eq!(ye(l(vec![l(vec![n(1.0), n(2.0)]), m(vec![("a", n(1.0))])])), "- - 1\n  - 2\n- \"a\": 1\n");
        assert_eq!(ye(l(vec![m(vec![]), l(vec![]), s("x")])), "- {}\n- []\n- \"x\"\n");
        assert_eq!(ye(m(vec![("a", m(vec![("b", m(vec![("c", s("d"))]))]))])), "\"a\":\n  \"b\":\n    \"c\": \"d\"\n");
        assert_eq!(ye(l(vec![s("x\ny"), m(vec![("b", s("p\nq"))])])), "- |-\n  x\n  y\n- \"b\": |-\n    p\n    q\n");
        assert_eq!(ye(m(vec![("a", l(vec![s("x\ny")]))])), "\"a\":\n- |-\n  x\n  y\n");
        assert_eq!(ye(m(vec![("a", s("x\ny\n"))])), "\"a\": |\n  x\n  y\n");
        assert_eq!(ye(m(vec![("a", s(" x\ny"))])), "\"a\": |2-\n   x\n  y\n");
        assert_eq!(ye(m(vec![("a", s("x \ny"))])), "\"a\": \"x \\ny\"\n");
        assert_eq!(ye(s("line1\r\nline2")), "\"line1\\r\\nline2\"\n");
        assert_eq!(
            ye(l(vec![
                s(""),
                s("a\"b"),
                s("tab\there"),
                s("ünï"),
                s("a\u{85}b"),
                s("\u{2028}"),
                s("bell\u{7}"),
                s("emoji 😀")
            ])),
            "- \"\"\n- \"a\\\"b\"\n- \"tab\\there\"\n- \"ünï\"\n- \"a\\Nb\"\n- \"\\L\"\n- \"bell\\a\"\n- \"emoji \\U0001F600\"\n"
        );
        assert_eq!(
            ye(l(vec![n(1e21), n(1.5e-7), n(123456789012.0), n(-5.0)])),
            "- 1000000000000000000000\n- 0.00000015\n- 123456789012\n- -5\n"
        );
        let long = "The quick brown fox jumps over the lazy dog and keeps running far beyond the horizon line today";
        assert_eq!(
            ye(m(vec![("a", s(long))])),
            "\"a\": \"The quick brown fox jumps over the lazy dog and keeps running far beyond the\n  horizon line today\"\n"
        );
        assert_eq!(
            ye(s(long)),
            "\"The quick brown fox jumps over the lazy dog and keeps running far beyond the horizon\n  line today\"\n"
        );
        assert_eq!(ye(s("x\n\n")), "|+\n  x\n\n");
        assert_eq!(ye(s("\nlead")), "|2-\n\n  lead\n");
        assert_eq!(ye(s("\n")), "|2+\n\n");
        assert_eq!(ye(m(vec![("a", s("x\n\n")), ("b", n(1.0))])), "\"a\": |+\n  x\n\n\"b\": 1\n");
        assert_eq!(ye(l(vec![s("a\n\nb")])), "- |-\n  a\n\n  b\n");
        assert_eq!(ye(m(vec![("k\nx", n(1.0))])), "? |-\n  k\n  x\n: 1\n");
        assert_eq!(ye(m(vec![("k\nx", m(vec![("a", n(1.0))]))])), "? |-\n  k\n  x\n: \"a\": 1\n");
        let key = "a very long key that has many spaces in it so that it goes past eighty columns in total length and then some more to pass one hundred twenty eight";
        assert_eq!(
            ye(m(vec![(key, l(vec![n(1.0)]))])),
            "? \"a very long key that has many spaces in it so that it goes past eighty columns\n  in total length and then some more to pass one hundred twenty eight\"\n: - 1\n"
        );
        assert_eq!(ye(Value::set(vec![s("b"), s("a")])), "- \"a\"\n- \"b\"\n");
        assert_eq!(
            ye(m(vec![(
                "a",
                s("  two spaces  between  words that go on and on and on and on and on and on and on and on")
            )])),
            "\"a\": \"  two spaces  between  words that go on and on and on and on and on and on and\n  on and on\"\n"
        );
        let word = "Thequickbrownfoxjumpsoverthelazydogandkeepsrunningfarbeyondthehorizonlinetodayxxxxxxxxxxxxxxx";
        assert_eq!(ye(m(vec![("a", s(word))])), format!("\"a\": \"{word}\"\n"));
        // What it writes, yamldecode reads back.
        let v = m(vec![("k", l(vec![s("x\ny"), s(long), n(1.0), Value::Bool(false)])), ("n", Value::Null)]);
        assert_eq!(call("yamldecode", vec![s(&ye(v.clone()))]), Ok(v));
    }
}
