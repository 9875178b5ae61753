//! Terraform's version constraints (`>= 1.2, < 2.0`, `~> 5.0`, `!= 1.3.0`) and the versions a
//! module registry lists, to choose the newest version a module call's `version` allows.

use std::cmp::Ordering;
use std::fmt;

/// `MAJOR.MINOR.PATCH[-PRE][+BUILD]`; a registry may list `1.2` (read as `1.2.0`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub nums: [u64; 3],
    /// Pre-release (`beta.1`), empty for a release.
    pub pre: String,
    /// How the version was written (the registry's spelling is kept for URLs).
    pub text: String,
}

impl Version {
    pub fn parse(text: &str) -> Option<Version> {
        let t = text.trim().trim_start_matches('v');
        let t = t.split('+').next().unwrap_or(t);
        let (core, pre) = match t.split_once('-') {
            Some((c, p)) if !p.is_empty() => (c, p.to_string()),
            Some(_) => return None,
            None => (t, String::new()),
        };
        let parts: Vec<&str> = core.split('.').collect();
        if parts.is_empty() || parts.len() > 3 {
            return None;
        }
        let mut nums = [0u64; 3];
        for (i, p) in parts.iter().enumerate() {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            nums[i] = p.parse().ok()?;
        }
        Some(Version { nums, pre, text: text.trim().to_string() })
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.nums.cmp(&other.nums).then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => self.pre.cmp(&other.pre),
        })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Pessimistic,
}

/// One comma-separated part of a constraint, with how many version parts were written (for
/// `~>`: `~> 1.2` allows 1.x from 1.2, `~> 1.2.3` allows 1.2.x from 1.2.3).
#[derive(Debug, Clone)]
struct Part {
    op: Op,
    version: Version,
    written: usize,
}

/// A module call's `version`: every part must hold.
#[derive(Debug, Clone, Default)]
pub struct Constraint {
    parts: Vec<Part>,
}

impl Constraint {
    /// Parses Terraform's syntax; the error says what is wrong with which part.
    pub fn parse(text: &str) -> Result<Constraint, String> {
        let mut parts = vec![];
        for raw in text.split(',') {
            let p = raw.trim();
            if p.is_empty() {
                return Err(format!("\"{text}\" has an empty part; write constraints like \">= 1.2.0, < 2.0.0\""));
            }
            let (op, rest) = [
                ("~>", Op::Pessimistic),
                (">=", Op::Ge),
                ("<=", Op::Le),
                ("!=", Op::Ne),
                ("=", Op::Eq),
                (">", Op::Gt),
                ("<", Op::Lt),
            ]
            .iter()
            .find_map(|(s, op)| p.strip_prefix(s).map(|r| (*op, r.trim())))
            .unwrap_or((Op::Eq, p));
            let version = Version::parse(rest)
                .filter(|_| !rest.starts_with('v'))
                .ok_or_else(|| format!("\"{p}\" is not a version constraint: use =, !=, >, >=, <, <= or ~> followed by a version such as 1.2.0"))?;
            let written = rest.split(['-', '+']).next().map_or(1, |c| c.split('.').count());
            parts.push(Part { op, version, written });
        }
        Ok(Constraint { parts })
    }

    /// Whether `v` meets every part. A pre-release is allowed only by an exact `=` naming it, as
    /// in Terraform.
    pub fn allows(&self, v: &Version) -> bool {
        if !v.pre.is_empty() && !self.parts.iter().any(|p| p.op == Op::Eq && p.version == *v) {
            return false;
        }
        self.parts.iter().all(|p| {
            let c = &p.version;
            match p.op {
                Op::Eq => v.cmp(c) == Ordering::Equal,
                Op::Ne => v.cmp(c) != Ordering::Equal,
                Op::Gt => v > c,
                Op::Ge => v >= c,
                Op::Lt => v < c,
                Op::Le => v <= c,
                Op::Pessimistic => {
                    if v < c {
                        return false;
                    }
                    // The last written part may grow; the ones before it are fixed.
                    let fixed = p.written.saturating_sub(1).max(1);
                    v.nums[..fixed] == c.nums[..fixed]
                }
            }
        })
    }

    /// The newest of `versions` this constraint allows.
    pub fn newest<'a>(&self, versions: &'a [Version]) -> Option<&'a Version> {
        versions.iter().filter(|v| self.allows(v)).max()
    }
}

#[cfg(test)]
mod tests {
    use super::{Constraint, Version};

    fn newest(constraint: &str, versions: &[&str]) -> Option<String> {
        let vs: Vec<Version> = versions.iter().map(|v| Version::parse(v).expect("version")).collect();
        Constraint::parse(constraint).expect("constraint").newest(&vs).map(|v| v.text.clone())
    }

    const ALL: &[&str] = &["1.0.0", "1.2.0", "1.2.5", "1.3.0", "2.0.0", "2.1.0-beta1", "5.8.1", "5.21.0"];

    #[test]
    fn chooses_the_newest_allowed_version() {
        let vs: Vec<Version> = ALL.iter().map(|v| Version::parse(v).expect("version")).collect();
        assert_eq!(Constraint::default().newest(&vs).map(|v| v.text.as_str()), Some("5.21.0"));
        assert_eq!(newest(">= 0", ALL).as_deref(), Some("5.21.0"));
        assert_eq!(newest("1.2.0", ALL).as_deref(), Some("1.2.0"));
        assert_eq!(newest("= 1.2.5", ALL).as_deref(), Some("1.2.5"));
        assert_eq!(newest(">= 1.2, < 2.0", ALL).as_deref(), Some("1.3.0"));
        assert_eq!(newest("> 1.0.0, <= 1.2.5, != 1.2.5", ALL).as_deref(), Some("1.2.0"));
        assert_eq!(newest("< 1.0.0", ALL), None);
    }

    #[test]
    fn pessimistic_constraints_fix_all_but_the_last_written_part() {
        assert_eq!(newest("~> 1.2", ALL).as_deref(), Some("1.3.0"));
        assert_eq!(newest("~> 1.2.0", ALL).as_deref(), Some("1.2.5"));
        assert_eq!(newest("~> 1", ALL).as_deref(), Some("1.3.0"));
        assert_eq!(newest("~> 5.0", ALL).as_deref(), Some("5.21.0"));
        assert_eq!(newest("~> 5.8.1", ALL).as_deref(), Some("5.8.1"));
    }

    #[test]
    fn pre_releases_only_when_named_exactly() {
        assert_eq!(newest(">= 2.0.0", ALL).as_deref(), Some("5.21.0"));
        assert_eq!(newest("> 2.0.0, < 3.0.0", ALL), None);
        assert_eq!(newest("2.1.0-beta1", ALL).as_deref(), Some("2.1.0-beta1"));
        assert!(Version::parse("2.1.0-beta1") < Version::parse("2.1.0"));
    }

    #[test]
    fn rejects_what_is_not_a_constraint() {
        assert!(Constraint::parse("latest").is_err());
        assert!(Constraint::parse(">= 1.0,").is_err());
        assert!(Constraint::parse("=> 1.0").is_err());
        assert!(Constraint::parse("1.2.3.4").is_err());
    }
}
