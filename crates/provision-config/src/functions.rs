//! Terraform's built-in functions. Each takes evaluated arguments and returns a value or a message
//! saying what is wrong; the evaluator adds the location, handles unknown arguments and carries
//! sensitive marks over to the result.

use crate::limits::string_fits;
use crate::types::TypeConstraint;
use base64::Engine as _;
use ipnet::IpNet;
use provision_core::Value;
use provision_core::value::format_number;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;

/// What a function may need beyond its arguments.
pub struct Ctx {
    pub module_dir: PathBuf,
}

type F = fn(&Ctx, Vec<Value>) -> Result<Value, String>;

/// A function and how it treats unknowns: a *structural* function is called even when its
/// arguments contain unknown parts (it only rearranges them); any other function returns unknown
/// as soon as one argument is not wholly known.
pub struct Spec {
    pub f: F,
    pub structural: bool,
}

/// Every supported function name, sorted (including `try` and `can`, which the evaluator handles).
pub const FUNCTION_NAMES: &[&str] = &[
    "abs",
    "abspath",
    "alltrue",
    "anytrue",
    "base64decode",
    "base64encode",
    "basename",
    "can",
    "ceil",
    "chomp",
    "chunklist",
    "cidrhost",
    "cidrnetmask",
    "cidrsubnet",
    "cidrsubnets",
    "coalesce",
    "coalescelist",
    "compact",
    "concat",
    "contains",
    "dirname",
    "distinct",
    "element",
    "endswith",
    "file",
    "fileexists",
    "flatten",
    "floor",
    "format",
    "formatlist",
    "indent",
    "index",
    "join",
    "jsondecode",
    "jsonencode",
    "keys",
    "length",
    "log",
    "lookup",
    "lower",
    "max",
    "md5",
    "merge",
    "min",
    "nonsensitive",
    "one",
    "parseint",
    "pow",
    "range",
    "regex",
    "regexall",
    "replace",
    "reverse",
    "sensitive",
    "setintersection",
    "setsubtract",
    "setunion",
    "sha256",
    "sha512",
    "signum",
    "slice",
    "sort",
    "split",
    "startswith",
    "strcontains",
    "strrev",
    "substr",
    "sum",
    "templatefile",
    "title",
    "tobool",
    "tolist",
    "tomap",
    "tonumber",
    "toset",
    "tostring",
    "trim",
    "trimprefix",
    "trimspace",
    "trimsuffix",
    "try",
    "upper",
    "values",
    "zipmap",
];

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
        "toset" => v(toset),
        "cidrsubnet" => v(cidrsubnet),
        "cidrsubnets" => v(cidrsubnets),
        "cidrhost" => v(cidrhost),
        "cidrnetmask" => v(cidrnetmask),
        "jsonencode" => v(|_, a| Ok(Value::String(arg1(a)?.to_json().to_string()))),
        "jsondecode" => v(jsondecode),
        "contains" => v(contains),
        "tostring" => v(tostring),
        "tonumber" => v(|_, a| conv(arg1(a)?, &TypeConstraint::Number)),
        "tobool" => v(|_, a| conv(arg1(a)?, &TypeConstraint::Bool)),
        "split" => v(split),
        "join" => v(join),
        "format" => v(|_, a| format_fn(a)),
        "formatlist" => v(formatlist),
        "lower" => v(|_, a| Ok(Value::String(str1(a)?.to_lowercase()))),
        "upper" => v(|_, a| Ok(Value::String(str1(a)?.to_uppercase()))),
        "title" => v(|_, a| Ok(Value::String(title(&str1(a)?)))),
        "strrev" => v(|_, a| Ok(Value::String(str1(a)?.chars().rev().collect()))),
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
        "basename" => v(|_, a| {
            let s = str1(a)?;
            Ok(Value::String(s.trim_end_matches('/').rsplit('/').next().unwrap_or("").to_string()))
        }),
        "dirname" => v(|_, a| {
            let s = str1(a)?;
            Ok(Value::String(match s.trim_end_matches('/').rsplit_once('/') {
                Some(("", _)) => "/".into(),
                Some((d, _)) => d.to_string(),
                None => ".".into(),
            }))
        }),
        "abspath" => v(|ctx, a| {
            let p = ctx.module_dir.join(str1(a)?);
            Ok(Value::String(std::path::absolute(&p).unwrap_or(p).display().to_string()))
        }),
        _ => None,
    }
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
        Value::String(s) => s.chars().count(),
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

fn tolist(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let v = arg1(a)?;
    if v.is_null() {
        return Ok(Value::Null);
    }
    Ok(Value::List(seq(v)?))
}

fn toset(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let v = arg1(a)?;
    if v.is_null() {
        return Ok(Value::Null);
    }
    Ok(Value::set(seq(v)?))
}

fn tomap(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let v = arg1(a)?;
    if v.is_null() {
        return Ok(Value::Null);
    }
    Ok(Value::Map(map(v)?))
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
    Ok(Value::Bool(seq(l)?.iter().any(|i| i.same_as(&v) && i.type_name() == v.type_name())))
}

fn split(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let [sep, s] = strs::<2>(a)?;
    if s.is_empty() {
        return Ok(Value::List(vec![Value::String(String::new())]));
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

fn title(s: &str) -> String {
    let mut out = String::new();
    let mut start = true;
    for c in s.chars() {
        if start && c.is_alphabetic() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        start = !c.is_alphanumeric();
    }
    out
}

fn trim(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let [s, chars] = strs::<2>(a)?;
    Ok(Value::String(s.trim_matches(|c| chars.contains(c)).to_string()))
}

fn substr(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let [s, off, len] = arity::<3>(a)?;
    let s: Vec<char> = as_string(s)?.chars().collect();
    let (off, len) = (as_int(off)?, as_int(len)?);
    let n = s.len() as i64;
    let start = if off < 0 { (n + off).max(0) } else { off.min(n) };
    let end = if len < 0 { n } else { (start + len).min(n) };
    Ok(Value::String(s[start as usize..end as usize].iter().collect()))
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
    i64::from_str_radix(&s, b as u32)
        .map(|n| Value::Number(n as f64))
        .map_err(|_| format!("\"{s}\" is not a number in base {b}"))
}

fn distinct(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let mut out: Vec<Value> = vec![];
    for i in seq(arg1(a)?)? {
        if !out.iter().any(|o| o.same_as(&i) && o.type_name() == i.type_name()) {
            out.push(i);
        }
    }
    Ok(Value::List(out))
}

fn range(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let n: Vec<f64> = a.into_iter().map(as_number).collect::<Result<_, _>>()?;
    let (start, end, step) = match n.as_slice() {
        [e] => (0.0, *e, 1.0),
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
        let Some(&verb) = chars.get(i) else {
            return Err("the format ends in the middle of a verb".into());
        };
        i += 1;
        if verb == '%' {
            out.push('%');
            continue;
        }
        let arg = args
            .get(next)
            .cloned()
            .ok_or_else(|| format!("not enough arguments for the format: verb %{verb} has none"))?;
        next += 1;
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
            'e' => format!("{:.prec$e}", as_number(arg)?, prec = precision.unwrap_or(6)),
            'g' => format_number(as_number(arg)?),
            'x' => format!("{:x}", as_int(arg)?),
            'X' => format!("{:X}", as_int(arg)?),
            'o' => format!("{:o}", as_int(arg)?),
            'b' => format!("{:b}", as_int(arg)?),
            other => return Err(format!("unsupported format verb %{other}")),
        };
        let body = match (precision, verb) {
            (Some(p), 's' | 'v' | 'q') => body.chars().take(p).collect(),
            _ => body,
        };
        let pad = width.saturating_sub(body.chars().count());
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
    if next < args.len() {
        return Err(format!("too many arguments: the format uses {next} but {} were given", args.len()));
    }
    Ok(Value::String(out))
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
        (spec.f)(&Ctx { module_dir: PathBuf::from(".") }, args)
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
}
