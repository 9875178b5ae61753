//! The filesystem functions beyond `file`: whole-file hashes and base64, `fileset`'s globbing
//! and `pathexpand`. Relative paths start at the module's directory, as in Terraform.

use super::{Ctx, arity, as_string, hex, str1};
use crate::limits::string_fits;
use base64::Engine as _;
use provision_core::Value;
use std::path::{Path, PathBuf};

/// The bytes of a file named relative to the module's directory, refused before reading when
/// larger than a string may be.
pub(super) fn read_bytes(ctx: &Ctx, path: &str) -> Result<Vec<u8>, String> {
    let p = ctx.module_dir.join(path);
    let len = std::fs::metadata(&p).map(|m| m.len()).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
    string_fits(usize::try_from(len).unwrap_or(usize::MAX).saturating_mul(2))?;
    std::fs::read(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))
}

pub(super) fn filebase64(ctx: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let bytes = read_bytes(ctx, &str1(a)?)?;
    Ok(Value::String(base64::engine::general_purpose::STANDARD.encode(bytes)))
}

/// `filemd5`, `filesha1`, ...: the digest of a file's bytes, in hex or base64.
pub(super) fn file_digest<D: sha2::Digest>(ctx: &Ctx, a: Vec<Value>, base64: bool) -> Result<Value, String> {
    let digest = D::digest(read_bytes(ctx, &str1(a)?)?);
    Ok(Value::String(if base64 { base64::engine::general_purpose::STANDARD.encode(digest) } else { hex(&digest) }))
}

/// `pathexpand`: a leading `~` becomes the home directory; `~user` is refused, as in Terraform.
pub(super) fn pathexpand(_: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let p = str1(a)?;
    let Some(rest) = p.strip_prefix('~') else { return Ok(Value::String(p)) };
    if !(rest.is_empty() || rest.starts_with('/')) {
        return Err(format!("cannot expand \"{p}\": only `~` (your own home directory) can be expanded, not `~user`"));
    }
    let home = std::env::var("HOME").map_err(|_| "cannot expand `~`: the HOME environment variable is not set")?;
    Ok(Value::String(format!("{}{rest}", home.trim_end_matches('/'))))
}

/// At most this many directory entries are looked at by one `fileset` call.
const MAX_ENTRIES: usize = 100_000;

/// `fileset(path, pattern)`: the files (not directories) under `path` whose path relative to it
/// matches `pattern`: `*` and `?` within one path segment, `[a-z]` classes, `{a,b}`
/// alternatives and `**` for any number of directories.
pub(super) fn fileset(ctx: &Ctx, a: Vec<Value>) -> Result<Value, String> {
    let [base, pattern] = arity::<2>(a)?;
    let (base, pattern) = (as_string(base)?, as_string(pattern)?);
    // Checked first, so that a bad pattern is reported even where nothing would match.
    glob_match(&pattern, "").map_err(|e| format!("invalid pattern \"{pattern}\": {e}"))?;
    // As Terraform: the pattern is joined to the path and the whole made clean (`./`, `a/..`
    // and a trailing `/` go), then matched below the path.
    let base = clean(&base);
    let joined = clean(&format!("{base}/{pattern}"));
    let pattern = if base == "." {
        joined
    } else {
        match joined.strip_prefix(&format!("{base}/")) {
            Some(rest) => rest.to_string(),
            None => return Ok(Value::Set(vec![])),
        }
    };
    let root = ctx.module_dir.join(&base);
    let mut files = vec![];
    let mut seen = 0usize;
    walk(&root, "", &mut files, &mut seen)?;
    let mut out = vec![];
    for f in files {
        if glob_match(&pattern, &f)? {
            out.push(Value::String(f));
        }
    }
    Ok(Value::set(out))
}

/// A path with `.` and `x/..` taken out and no trailing `/`, as Go's `filepath.Clean`.
pub(super) fn clean(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = vec![];
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." if absolute => {}
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>, seen: &mut usize) -> Result<(), String> {
    // A missing directory has no files, as in Terraform.
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(()) };
    for entry in entries.flatten() {
        *seen += 1;
        if *seen > MAX_ENTRIES {
            return Err(format!("{} holds more than {MAX_ENTRIES} files and directories", dir.display()));
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() { name } else { format!("{prefix}/{name}") };
        let path: PathBuf = entry.path();
        // Symbolic links are followed for files only, so a link cannot make the walk loop.
        match entry.file_type() {
            Ok(t) if t.is_dir() => walk(&path, &rel, out, seen)?,
            Ok(_) if path.is_file() => out.push(rel),
            _ => {}
        }
    }
    Ok(())
}

/// Whether a `/`-separated path matches a glob pattern (see [`fileset`]).
pub(super) fn glob_match(pattern: &str, path: &str) -> Result<bool, String> {
    // Alternatives are expanded first: `{a,b}/*` is `a/*` or `b/*`.
    if let Some(open) = pattern.find('{') {
        let close = pattern[open..].find('}').map(|i| open + i).ok_or("a `{` has no matching `}`")?;
        if pattern[open..close].contains('/') {
            return Err("the alternatives in `{...}` cannot contain `/`".into());
        }
        let mut any = false;
        for alt in pattern[open + 1..close].split(',') {
            let expanded = format!("{}{alt}{}", &pattern[..open], &pattern[close + 1..]);
            any |= glob_match(&expanded, path)?;
        }
        return Ok(any);
    }
    let pat: Vec<&str> = pattern.split('/').collect();
    let segs: Vec<&str> = if path.is_empty() { vec![] } else { path.split('/').collect() };
    for p in &pat {
        if *p != "**" {
            segment_match(p.as_bytes(), b"")?;
        }
    }
    segments_match(&pat, &segs)
}

fn segments_match(pat: &[&str], segs: &[&str]) -> Result<bool, String> {
    match pat.split_first() {
        None => Ok(segs.is_empty()),
        Some((&"**", rest)) => {
            for skip in 0..=segs.len() {
                if segments_match(rest, &segs[skip..])? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Some((p, rest)) => match segs.split_first() {
            Some((s, more)) => Ok(segment_match(p.as_bytes(), s.as_bytes())? && segments_match(rest, more)?),
            None => Ok(false),
        },
    }
}

/// One path segment against one pattern segment: Go's `filepath.Match` rules.
fn segment_match(p: &[u8], s: &[u8]) -> Result<bool, String> {
    let text = String::from_utf8_lossy(s);
    let chars: Vec<char> = text.chars().collect();
    let pat: Vec<char> = String::from_utf8_lossy(p).chars().collect();
    // Validates the whole pattern even when the text runs out early.
    fn class_end(pat: &[char], start: usize) -> Result<usize, String> {
        let mut i = start + 1;
        if pat.get(i) == Some(&'^') {
            i += 1;
        }
        let first = i;
        while i < pat.len() {
            if pat[i] == ']' && i > first {
                return Ok(i);
            }
            if pat[i] == '\\' {
                i += 1;
            }
            i += 1;
        }
        Err("a `[` has no matching `]`".into())
    }
    fn go(pat: &[char], s: &[char]) -> Result<bool, String> {
        let (mut pi, mut si) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        loop {
            if pi < pat.len() {
                match pat[pi] {
                    '*' => {
                        star = Some((pi, si));
                        pi += 1;
                        continue;
                    }
                    '?' if si < s.len() => {
                        pi += 1;
                        si += 1;
                        continue;
                    }
                    '[' => {
                        let end = class_end(pat, pi)?;
                        if si < s.len() && class_matches(&pat[pi + 1..end], s[si]) {
                            pi = end + 1;
                            si += 1;
                            continue;
                        }
                    }
                    '\\' if pi + 1 < pat.len() && si < s.len() && s[si] == pat[pi + 1] => {
                        pi += 2;
                        si += 1;
                        continue;
                    }
                    '\\' if pi + 1 < pat.len() => {}
                    '\\' => return Err("the pattern ends with `\\`".into()),
                    c if si < s.len() && c == s[si] => {
                        pi += 1;
                        si += 1;
                        continue;
                    }
                    _ => {}
                }
            } else if si == s.len() {
                return Ok(true);
            }
            match star {
                Some((sp, ss)) if ss < s.len() => {
                    star = Some((sp, ss + 1));
                    pi = sp + 1;
                    si = ss + 1;
                }
                _ => {
                    // Still check the rest of the pattern for syntax errors.
                    let mut i = pi;
                    while i < pat.len() {
                        if pat[i] == '[' {
                            i = class_end(pat, i)?;
                        }
                        i += 1;
                    }
                    return Ok(false);
                }
            }
        }
    }
    go(&pat, &chars)
}

fn class_matches(class: &[char], c: char) -> bool {
    let (negated, class) = match class.first() {
        Some('^') => (true, &class[1..]),
        _ => (false, class),
    };
    let mut i = 0;
    let mut hit = false;
    while i < class.len() {
        let lo = if class[i] == '\\' && i + 1 < class.len() {
            i += 1;
            class[i]
        } else {
            class[i]
        };
        if i + 2 < class.len() && class[i + 1] == '-' {
            let hi = class[i + 2];
            hit |= lo <= c && c <= hi;
            i += 3;
        } else {
            hit |= lo == c;
            i += 1;
        }
    }
    hit != negated
}
