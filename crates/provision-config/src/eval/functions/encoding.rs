//! The encoding functions beyond base64 and JSON: CSV, URL query escaping, text in other
//! character encodings, gzip, base64 digests and name-based UUIDs.

use super::{Ctx, arity, as_string, str1, strs};
use crate::limits::string_fits;
use base64::Engine as _;
use provision_core::Value;
use std::collections::BTreeMap;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// `base64sha256`, `base64sha512`: the digest of the string's UTF-8 bytes, in base64.
pub(super) fn base64_digest<D: sha2::Digest>(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    Ok(Value::String(B64.encode(D::digest(str1(a)?.as_bytes()))))
}

/// `base64gzip`: the string gzip-compressed (with Terraform's exact bytes), in base64.
pub(super) fn base64gzip(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let s = str1(a)?;
    Ok(Value::String(B64.encode(super::goflate::gzip(s.as_bytes()))))
}

/// `urlencode`: Go's `url.QueryEscape`, which Terraform uses: letters, digits and `-_.~` stay,
/// a space becomes `+`, every other byte `%XX`.
pub(super) fn urlencode(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let s = str1(a)?;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(char::from(b)),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    string_fits(out.len())?;
    Ok(Value::String(out))
}

/// `csvdecode`: RFC 4180 CSV whose first line names the columns; a list of maps, one a row.
pub(super) fn csvdecode(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let s = str1(a)?;
    let mut rows = parse_csv(&s)?.into_iter();
    let Some((_, header)) = rows.next() else {
        return Err("the CSV is empty: its first line must name the columns".into());
    };
    for (i, h) in header.iter().enumerate() {
        if header[..i].contains(h) {
            return Err(format!("the header names the column \"{h}\" twice"));
        }
    }
    let mut out = vec![];
    for (line, row) in rows {
        if row.len() != header.len() {
            return Err(format!(
                "line {line} has {} field{} but the header names {} column{}",
                row.len(),
                if row.len() == 1 { "" } else { "s" },
                header.len(),
                if header.len() == 1 { "" } else { "s" }
            ));
        }
        let m: BTreeMap<String, Value> = header.iter().cloned().zip(row.into_iter().map(Value::String)).collect();
        out.push(Value::Map(m));
    }
    Ok(Value::List(out))
}

/// Records with the line each starts on. Like Go's `encoding/csv`: `""` inside quotes is a
/// quote, a quote inside an unquoted field is an error, empty lines are skipped.
fn parse_csv(s: &str) -> Result<Vec<(usize, Vec<String>)>, String> {
    let mut records = vec![];
    let mut chars = s.chars().peekable();
    let mut line = 1;
    while chars.peek().is_some() {
        // Skip empty lines.
        if matches!(chars.peek(), Some('\n' | '\r')) {
            if chars.next() == Some('\n') {
                line += 1;
            }
            continue;
        }
        let start = line;
        let mut record = vec![];
        loop {
            let mut field = String::new();
            if chars.peek() == Some(&'"') {
                chars.next();
                loop {
                    match chars.next() {
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            field.push('"');
                        }
                        Some('"') => break,
                        Some(c) => {
                            if c == '\n' {
                                line += 1;
                            }
                            field.push(c);
                        }
                        None => return Err(format!("line {start}: a quoted field is not closed")),
                    }
                }
                if !matches!(chars.peek(), None | Some(',' | '\n' | '\r')) {
                    return Err(format!("line {line}: unexpected text after a closing quote"));
                }
            } else {
                while let Some(&c) = chars.peek() {
                    match c {
                        ',' | '\n' | '\r' => break,
                        '"' => {
                            return Err(format!(
                                "line {line}: a field that contains a quote must be quoted as a whole, with the quote doubled (\"a\"\"b\")"
                            ));
                        }
                        _ => {
                            field.push(c);
                            chars.next();
                        }
                    }
                }
            }
            record.push(field);
            match chars.next() {
                Some(',') => continue,
                Some('\r') => {
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    line += 1;
                    break;
                }
                Some('\n') => {
                    line += 1;
                    break;
                }
                _ => break,
            }
        }
        records.push((start, record));
    }
    Ok(records)
}

/// The character encodings `textencodebase64` and `textdecodebase64` know.
#[derive(Clone, Copy)]
enum Encoding {
    Utf8,
    Utf16Bom,
    Utf16Le,
    Utf16Be,
    Latin1,
    Ascii,
    Windows1252,
}

const SUPPORTED: &str = "UTF-8, UTF-16, UTF-16LE, UTF-16BE, ISO-8859-1, US-ASCII and windows-1252";

/// An encoding by its IANA name or one of its IANA aliases, in any case, as Terraform takes it.
fn encoding(name: &str) -> Result<Encoding, String> {
    Ok(match name.to_ascii_lowercase().as_str() {
        "utf-8" | "csutf8" => Encoding::Utf8,
        "utf-16" | "csutf16" => Encoding::Utf16Bom,
        "utf-16le" | "csutf16le" => Encoding::Utf16Le,
        "utf-16be" | "csutf16be" => Encoding::Utf16Be,
        "iso-8859-1" | "iso_8859-1:1987" | "iso-ir-100" | "iso_8859-1" | "latin1" | "l1" | "ibm819" | "cp819"
        | "csisolatin1" => Encoding::Latin1,
        "us-ascii" | "iso-ir-6" | "ansi_x3.4-1968" | "ansi_x3.4-1986" | "iso_646.irv:1991" | "iso646-us" | "us"
        | "ibm367" | "cp367" | "csascii" => Encoding::Ascii,
        "windows-1252" | "cswindows1252" => Encoding::Windows1252,
        _ => return Err(format!("\"{name}\" is not a supported encoding; supported: {SUPPORTED}")),
    })
}

/// windows-1252's characters at 0x80..=0x9F (`None` where it defines none).
const CP1252_HIGH: [Option<char>; 32] = [
    Some('€'),
    None,
    Some('‚'),
    Some('ƒ'),
    Some('„'),
    Some('…'),
    Some('†'),
    Some('‡'),
    Some('ˆ'),
    Some('‰'),
    Some('Š'),
    Some('‹'),
    Some('Œ'),
    None,
    Some('Ž'),
    None,
    None,
    Some('\u{2018}'),
    Some('\u{2019}'),
    Some('“'),
    Some('”'),
    Some('•'),
    Some('–'),
    Some('—'),
    Some('˜'),
    Some('™'),
    Some('š'),
    Some('›'),
    Some('œ'),
    None,
    Some('ž'),
    Some('Ÿ'),
];

/// `textencodebase64(string, encoding)`.
pub(super) fn textencodebase64(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let [s, enc_name] = strs::<2>(a)?;
    let enc = encoding(&enc_name)?;
    // The character itself is not quoted: the string may be a secret.
    let unrepresentable = |_: char| format!("the string contains characters that {enc_name} cannot represent");
    let mut bytes = Vec::with_capacity(s.len() * 2);
    match enc {
        Encoding::Utf8 => bytes.extend_from_slice(s.as_bytes()),
        Encoding::Utf16Bom | Encoding::Utf16Be => {
            if matches!(enc, Encoding::Utf16Bom) {
                bytes.extend_from_slice(&[0xfe, 0xff]);
            }
            s.encode_utf16().for_each(|u| bytes.extend_from_slice(&u.to_be_bytes()));
        }
        Encoding::Utf16Le => s.encode_utf16().for_each(|u| bytes.extend_from_slice(&u.to_le_bytes())),
        Encoding::Latin1 | Encoding::Ascii | Encoding::Windows1252 => {
            for c in s.chars() {
                let code = u32::from(c);
                let byte = match enc {
                    Encoding::Ascii if code < 0x80 => Some(code as u8),
                    Encoding::Latin1 if code < 0x100 => Some(code as u8),
                    Encoding::Windows1252 if code < 0x80 || (0xa0..0x100).contains(&code) => Some(code as u8),
                    Encoding::Windows1252 => CP1252_HIGH.iter().position(|h| *h == Some(c)).map(|i| 0x80 + i as u8),
                    _ => None,
                };
                bytes.push(byte.ok_or_else(|| unrepresentable(c))?);
            }
        }
    }
    string_fits(bytes.len().saturating_mul(2))?;
    Ok(Value::String(B64.encode(bytes)))
}

/// `textdecodebase64(source, encoding)`.
pub(super) fn textdecodebase64(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let [src, enc_name] = strs::<2>(a)?;
    let enc = encoding(&enc_name)?;
    let bytes = B64.decode(src.as_bytes()).map_err(|e| format!("the source is not valid base64: {e}"))?;
    let undefined = || format!("the decoded bytes are not valid {enc_name} text");
    let utf16 = |le: bool, b: &[u8]| -> Result<String, String> {
        if !b.len().is_multiple_of(2) {
            return Err(undefined());
        }
        let units: Vec<u16> = b
            .chunks(2)
            .map(|p| if le { u16::from_le_bytes([p[0], p[1]]) } else { u16::from_be_bytes([p[0], p[1]]) })
            .collect();
        String::from_utf16(&units).map_err(|_| undefined())
    };
    let text = match enc {
        Encoding::Utf8 => String::from_utf8(bytes).map_err(|_| undefined())?,
        Encoding::Utf16Le => utf16(true, &bytes)?,
        Encoding::Utf16Be => utf16(false, &bytes)?,
        // A byte order mark says which; without one, big-endian.
        Encoding::Utf16Bom => match bytes.get(..2) {
            Some([0xff, 0xfe]) => utf16(true, &bytes[2..])?,
            Some([0xfe, 0xff]) => utf16(false, &bytes[2..])?,
            _ => utf16(false, &bytes)?,
        },
        Encoding::Latin1 => bytes.iter().map(|b| char::from(*b)).collect(),
        Encoding::Ascii => {
            if bytes.iter().any(|b| *b >= 0x80) {
                return Err(undefined());
            }
            bytes.iter().map(|b| char::from(*b)).collect()
        }
        Encoding::Windows1252 => bytes
            .iter()
            .map(|b| match b {
                0x80..=0x9f => CP1252_HIGH[usize::from(b - 0x80)].ok_or_else(undefined),
                _ => Ok(char::from(*b)),
            })
            .collect::<Result<String, String>>()?,
    };
    Ok(Value::String(text))
}

/// `uuidv5(namespace, name)`: a name-based UUID (RFC 4122 version 5, SHA-1).
pub(super) fn uuidv5(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    use sha1::Digest as _;
    let [ns, name] = arity::<2>(a)?;
    let (ns, name) = (as_string(ns)?, as_string(name)?);
    let ns_bytes: [u8; 16] = match ns.as_str() {
        "dns" => parse_uuid("6ba7b810-9dad-11d1-80b4-00c04fd430c8"),
        "url" => parse_uuid("6ba7b811-9dad-11d1-80b4-00c04fd430c8"),
        "oid" => parse_uuid("6ba7b812-9dad-11d1-80b4-00c04fd430c8"),
        "x500" => parse_uuid("6ba7b814-9dad-11d1-80b4-00c04fd430c8"),
        other => parse_uuid(other),
    }
    .ok_or_else(|| {
        format!("the namespace \"{ns}\" is neither \"dns\", \"url\", \"oid\" or \"x500\" nor a UUID such as 6ba7b810-9dad-11d1-80b4-00c04fd430c8")
    })?;
    let mut h = sha1::Sha1::new();
    h.update(ns_bytes);
    h.update(name.as_bytes());
    let digest = h.finalize();
    let mut u = [0u8; 16];
    u.copy_from_slice(&digest[..16]);
    u[6] = (u[6] & 0x0f) | 0x50;
    u[8] = (u[8] & 0x3f) | 0x80;
    Ok(Value::String(format_uuid(&u)))
}

/// A UUID written as 32 hex digits, with or without the four dashes, braces or `urn:uuid:`.
fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    let s = s.strip_prefix("urn:uuid:").unwrap_or(s);
    let s = s.strip_prefix('{').and_then(|x| x.strip_suffix('}')).unwrap_or(s);
    let digits: String = if s.len() == 36 {
        let b = s.as_bytes();
        if [8, 13, 18, 23].iter().any(|i| b[*i] != b'-') {
            return None;
        }
        s.chars().filter(|c| *c != '-').collect()
    } else {
        s.to_string()
    };
    if digits.len() != 32 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&digits[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

pub(super) fn format_uuid(u: &[u8; 16]) -> String {
    let h = super::hex(u);
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}
