//! Reads a directory of Terraform configuration (`*.tf`) into a [`Module`]: parsed with hcl-edit,
//! checked against the provider's schemas, with every problem reported at once as diagnostics that
//! point at file:line:col. Also evaluates expressions (with unknown and sensitive values),
//! resolves input variables and implements Terraform's built-in functions.
//!
//! Deliberately absent: deciding *when* anything is evaluated. The engine walks the graph and
//! calls [`eval`] with a [`Scope`] it fills in as values become known.

mod eval;
mod functions;
pub mod limits;
mod load;
mod module;
mod object_keys;
mod references;
mod render;
mod types;
mod vars;

pub use eval::{InstanceCtx, Scope, eval, eval_body, eval_local, referenced_instance};
pub use functions::FUNCTION_NAMES;
pub use load::{load_dir, load_files};
pub use module::{
    Backend, BodyExprs, Expr, IgnoreChanges, Lifecycle, Local, LocalKind, Module, ModuleCtx, MoveTarget, Moved,
    ObjectId, Output, ProviderBlock, Removed, ResourceBlock, S3_BACKEND_SETTINGS, TimeoutOverrides, Validation,
    Variable, call_key, local_key,
};
pub use references::{IndexKind, RefRoot, Reference};
pub use render::render_diagnostics;
pub use types::TypeConstraint;
pub use vars::{VarSource, VariableInputs, resolve_known_variables, resolve_variables};

/// The suggestion for a misspelt name, if one is close enough.
pub(crate) fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (levenshtein(name, c), c))
        .filter(|(d, c)| *d <= (name.len().max(c.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// A name as Terraform allows it for labels and aliases.
pub(crate) fn valid_identifier(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// A duration as Terraform writes it (Go's `time.ParseDuration`): `40m`, `1h30m`, `90s`, `1.5h`.
pub fn parse_go_duration(text: &str) -> Result<std::time::Duration, String> {
    let bad =
        || format!("\"{text}\" is not a duration: write a number with a unit, such as \"40m\", \"1h30m\" or \"90s\"");
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let num_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).ok_or_else(bad)?;
        let number: f64 = rest[..num_end].parse().map_err(|_| bad())?;
        rest = &rest[num_end..];
        let unit_end = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let seconds = match &rest[..unit_end] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            "us" | "µs" => 0.000_001,
            "ns" => 0.000_000_001,
            _ => return Err(bad()),
        };
        total += number * seconds;
        rest = &rest[unit_end..];
    }
    if !total.is_finite() || total > 366.0 * 86_400.0 {
        return Err(format!("\"{text}\" is longer than a year"));
    }
    Ok(std::time::Duration::from_secs_f64(total))
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    #[test]
    fn go_durations() {
        use std::time::Duration;
        assert_eq!(super::parse_go_duration("40m"), Ok(Duration::from_secs(2400)));
        assert_eq!(super::parse_go_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(super::parse_go_duration("1.5h"), Ok(Duration::from_secs(5400)));
        assert_eq!(super::parse_go_duration("90s"), Ok(Duration::from_secs(90)));
        for bad in ["", "40", "m", "4 0m", "10d", "-5m"] {
            assert!(super::parse_go_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn suggests_close_names() {
        assert_eq!(super::did_you_mean("cidr_blok", ["cidr_block", "tags"]), Some("cidr_block"));
        assert_eq!(super::did_you_mean("zzz", ["cidr_block", "tags"]), None);
    }
}
