//! Terraform's date and time functions (`formatdate`, `timeadd`, `timecmp`, `timestamp`,
//! `plantimestamp`) over RFC 3339 timestamps, with the calendar arithmetic written out here so
//! that no date library is needed for this handful of operations.

use super::{Ctx, arity, as_string, strs};
use provision_core::Value;

/// A moment as written in a timestamp: seconds since the Unix epoch, nanoseconds, and the UTC
/// offset it was written with (kept, because Terraform keeps it in what it prints).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Moment {
    pub unix: i64,
    pub nanos: u32,
    pub offset: i32,
}

/// Days since 1970-01-01 of a date in the proleptic Gregorian calendar.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day counted from 1970-01-01: (year, month, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Parses an RFC 3339 timestamp as Terraform does (Go's `time.RFC3339`): `2006-01-02T15:04:05Z`
/// or with an offset `-08:00`, optionally with a fraction of a second; the `T` and `Z` are
/// upper case.
pub(super) fn parse_rfc3339(s: &str) -> Result<Moment, String> {
    let bad = |why: &str| format!("\"{s}\" is not an RFC 3339 timestamp such as \"2018-01-02T23:12:01Z\": {why}");
    let b = s.as_bytes();
    let num = |from: usize, len: usize, what: &str| -> Result<u32, String> {
        let part = b.get(from..from + len).ok_or_else(|| bad(&format!("it ends before the {what}")))?;
        if !part.iter().all(u8::is_ascii_digit) {
            return Err(bad(&format!("the {what} must be {len} digits")));
        }
        Ok(part.iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0')))
    };
    let sep = |at: usize, want: u8, what: &str| -> Result<(), String> {
        if b.get(at) == Some(&want) { Ok(()) } else { Err(bad(&format!("expected '{}' {what}", char::from(want)))) }
    };
    let year = i64::from(num(0, 4, "year")?);
    sep(4, b'-', "after the year")?;
    let month = num(5, 2, "month")?;
    if !(1..=12).contains(&month) {
        return Err(bad("the month must be from 01 to 12"));
    }
    sep(7, b'-', "after the month")?;
    let day = num(8, 2, "day")?;
    if day < 1 || day > days_in_month(year, month) {
        return Err(bad("the day is out of range for its month"));
    }
    if b.get(10) != Some(&b'T') {
        return Err(bad("the date and the time must be separated by an upper-case 'T'"));
    }
    let hour = num(11, 2, "hour")?;
    sep(13, b':', "after the hour")?;
    let minute = num(14, 2, "minute")?;
    sep(16, b':', "after the minute")?;
    let second = num(17, 2, "second")?;
    if hour > 23 || minute > 59 || second > 59 {
        return Err(bad("the hour must be from 00 to 23, minutes and seconds from 00 to 59"));
    }
    let mut i = 19;
    let mut nanos = 0u32;
    if b.get(i) == Some(&b'.') {
        let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return Err(bad("a '.' must be followed by the fraction of a second"));
        }
        for (k, d) in b[i + 1..i + 1 + digits].iter().enumerate() {
            if k < 9 {
                nanos += u32::from(d - b'0') * 10u32.pow(8 - k as u32);
            }
        }
        i += 1 + digits;
    }
    let offset = match &b[i..] {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), ..] => {
            if b.len() != i + 6 {
                return Err(bad("the UTC offset must be written as Z, +hh:mm or -hh:mm"));
            }
            let oh = num(i + 1, 2, "offset's hours")?;
            sep(i + 3, b':', "in the UTC offset")?;
            let om = num(i + 4, 2, "offset's minutes")?;
            if oh > 23 || om > 59 {
                return Err(bad("the UTC offset is out of range"));
            }
            let o = (oh * 3600 + om * 60) as i32;
            if *sign == b'-' { -o } else { o }
        }
        [] => return Err(bad("it has no UTC offset: end it with Z or an offset such as +01:00")),
        _ => return Err(bad("the UTC offset must be written as Z, +hh:mm or -hh:mm")),
    };
    let local = days_from_civil(year, month, day) * 86_400
        + i64::from(hour) * 3600
        + i64::from(minute) * 60
        + i64::from(second);
    Ok(Moment { unix: local - i64::from(offset), nanos, offset })
}

/// The local date and time of a moment: (year, month, day, hour, minute, second, weekday with
/// Sunday = 0).
fn local_parts(m: &Moment) -> (i64, u32, u32, u32, u32, u32, u32) {
    let local = m.unix + i64::from(m.offset);
    let days = local.div_euclid(86_400);
    let secs = local.rem_euclid(86_400) as u32;
    let (y, mo, d) = civil_from_days(days);
    let weekday = (days + 4).rem_euclid(7) as u32;
    (y, mo, d, secs / 3600, secs / 60 % 60, secs % 60, weekday)
}

fn offset_text(offset: i32, colon: bool) -> String {
    let sign = if offset < 0 { '-' } else { '+' };
    let o = offset.unsigned_abs();
    if colon {
        format!("{sign}{:02}:{:02}", o / 3600, o / 60 % 60)
    } else {
        format!("{sign}{:02}{:02}", o / 3600, o / 60 % 60)
    }
}

/// A year as Go prints one: at least four digits, a sign when negative.
fn year_text(y: i64) -> String {
    if y < 0 { format!("-{:04}", y.unsigned_abs()) } else { format!("{y:04}") }
}

/// A moment as Go's `time.RFC3339` prints it (whole seconds, `Z` for UTC), as Terraform returns.
pub(super) fn format_rfc3339(m: &Moment) -> String {
    let (y, mo, d, h, mi, s, _) = local_parts(m);
    let zone = if m.offset == 0 { "Z".to_string() } else { offset_text(m.offset, true) };
    format!("{}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{zone}", year_text(y))
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/// `formatdate(spec, timestamp)`.
pub(super) fn formatdate(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let [spec, ts] = strs::<2>(a)?;
    let tokens = tokenize(&spec)?;
    let m = parse_rfc3339(&ts)?;
    let (y, mo, d, h, mi, s, wd) = local_parts(&m);
    let h12 = if h % 12 == 0 { 12 } else { h % 12 };
    let mut out = String::new();
    for t in tokens {
        let piece = match t {
            Token::Literal(l) => l,
            Token::Verb(v) => match v.as_str() {
                "YYYY" => year_text(y),
                "YY" => format!("{:02}", y.rem_euclid(100)),
                "M" => mo.to_string(),
                "MM" => format!("{mo:02}"),
                "MMM" => MONTHS[mo as usize - 1][..3].to_string(),
                "MMMM" => MONTHS[mo as usize - 1].to_string(),
                "D" => d.to_string(),
                "DD" => format!("{d:02}"),
                "EEE" => DAYS[wd as usize][..3].to_string(),
                "EEEE" => DAYS[wd as usize].to_string(),
                "h" => h.to_string(),
                "hh" => format!("{h:02}"),
                "H" => h12.to_string(),
                "HH" => format!("{h12:02}"),
                "m" => mi.to_string(),
                "mm" => format!("{mi:02}"),
                "s" => s.to_string(),
                "ss" => format!("{s:02}"),
                "aa" => (if h < 12 { "am" } else { "pm" }).to_string(),
                "AA" => (if h < 12 { "AM" } else { "PM" }).to_string(),
                "ZZZ" if m.offset == 0 => "UTC".to_string(),
                "ZZZ" | "ZZZZ" => offset_text(m.offset, false),
                "Z" if m.offset == 0 => "Z".to_string(),
                "Z" | "ZZZZZ" => offset_text(m.offset, true),
                other => return Err(format!("internal error: unchecked date format verb \"{other}\"")),
            },
        };
        out.push_str(&piece);
    }
    Ok(Value::String(out))
}

enum Token {
    Literal(String),
    Verb(String),
}

/// Splits a `formatdate` spec into verbs (runs of one letter) and literal text (anything else,
/// and text in single quotes, where `''` is a quote), rejecting verbs Terraform does not know.
fn tokenize(spec: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = spec.chars().collect();
    let mut out = vec![];
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            if chars.get(i + 1) == Some(&'\'') {
                out.push(Token::Literal("'".into()));
                i += 2;
                continue;
            }
            let mut lit = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err("the format has a quote (') that is not closed".into()),
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        lit.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(ch) => {
                        lit.push(*ch);
                        i += 1;
                    }
                }
            }
            out.push(Token::Literal(lit));
        } else if c.is_ascii_alphabetic() {
            let run = chars[i..].iter().take_while(|x| **x == c).count();
            let verb: String = std::iter::repeat_n(c, run).collect();
            let problem = match (c, run) {
                ('Y', 2 | 4) | ('M', 1..=4) | ('D', 1 | 2) | ('E', 3 | 4) | ('h' | 'H' | 'm' | 's', 1 | 2) => None,
                ('a' | 'A', 2) | ('Z', 1 | 3 | 4 | 5) => None,
                ('Y', _) => Some("the year is YY or YYYY"),
                ('M', _) => Some("the month is M, MM, MMM or MMMM"),
                ('D', _) => Some("the day of the month is D or DD"),
                ('E', _) => Some("the day of the week is EEE or EEEE"),
                ('h', _) => Some("the 24-hour hour is h or hh"),
                ('H', _) => Some("the 12-hour hour is H or HH"),
                ('m', _) => Some("the minute is m or mm"),
                ('s', _) => Some("the second is s or ss"),
                ('a' | 'A', _) => Some("AM/PM is aa (am, pm) or AA (AM, PM)"),
                ('Z', _) => Some("the time zone is Z, ZZZ, ZZZZ or ZZZZZ"),
                _ => Some("put literal letters in single quotes, as in 'T'"),
            };
            if let Some(p) = problem {
                return Err(format!("\"{verb}\" is not a date format verb: {p}"));
            }
            out.push(Token::Verb(verb));
            i += run;
        } else {
            let lit: String = chars[i..].iter().take_while(|x| !x.is_ascii_alphabetic() && **x != '\'').collect();
            i += lit.chars().count();
            out.push(Token::Literal(lit));
        }
    }
    Ok(out)
}

/// `timeadd(timestamp, duration)`: keeps the timestamp's offset; the result has whole seconds.
pub(super) fn timeadd(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let [ts, dur] = strs::<2>(a)?;
    let m = parse_rfc3339(&ts)?;
    let nanos = crate::parse_go_duration_nanos(&dur)?;
    let total = i128::from(m.unix) * 1_000_000_000 + i128::from(m.nanos) + i128::from(nanos);
    let unix = i64::try_from(total.div_euclid(1_000_000_000)).map_err(|_| "the result is out of range".to_string())?;
    let out = Moment { unix, nanos: total.rem_euclid(1_000_000_000) as u32, offset: m.offset };
    Ok(Value::String(format_rfc3339(&out)))
}

/// `timecmp(a, b)`: -1, 0 or 1 as `a` is before, at or after `b`, whatever their offsets.
pub(super) fn timecmp(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let [x, y] = arity::<2>(a)?;
    let x = parse_rfc3339(&as_string(x)?).map_err(|e| format!("the first timestamp: {e}"))?;
    let y = parse_rfc3339(&as_string(y)?).map_err(|e| format!("the second timestamp: {e}"))?;
    let ord = (x.unix, x.nanos).cmp(&(y.unix, y.nanos));
    Ok(Value::Number(ord as i8 as f64))
}

/// A system time as the timestamp Terraform's `timestamp()` returns (UTC, whole seconds).
pub(super) fn rfc3339_of(t: std::time::SystemTime) -> String {
    let unix = match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    };
    format_rfc3339(&Moment { unix, nanos: 0, offset: 0 })
}
