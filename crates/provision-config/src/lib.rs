//! Reads a directory of Terraform configuration (`*.tf`) into a [`Module`]: parsed with hcl-edit,
//! checked against the provider's schemas, with every problem reported at once as diagnostics that
//! point at file:line:col. Also evaluates expressions (with unknown and sensitive values),
//! resolves input variables and implements Terraform's built-in functions.
//!
//! Four layers, each using only the layers below it:
//! 1. syntax (`src/syntax/`): files read into hcl-edit bodies (JSON translated, duplicate object
//!    keys, spans);
//! 2. module tree (`src/tree/`): [`Module`] and what it holds, each block decoded, the called
//!    modules found and folded in;
//! 3. checks (`src/check/`): schema, reference, function-name and module call checks, on the tree;
//! 4. evaluation (`src/eval/`): expressions, built-in functions, variables, the instances of
//!    counted module calls.
//!
//! Below them sit leaf helpers ([`limits`], `render`, [`did_you_mean`]); above them, `load.rs`
//! drives each module through the four ([`load_dir`], [`load_files`]): the one place a
//! configuration is loaded. Where the tree needs a higher layer while it is built (a body's
//! schema check, a constant evaluated), `load.rs` hands it the function.
//!
//! Deliberately absent: any `use` from a lower layer to a higher one (the test
//! `no_layer_uses_a_layer_above_it` scans for it); deciding *when* anything is evaluated: the
//! engine walks the graph and calls [`eval()`] with a [`Scope`] it fills in as values become known.

mod check;
mod eval;
pub mod limits;
mod load;
mod render;
mod syntax;
mod tree;

pub use check::FUNCTION_NAMES;
pub use eval::expand::{CallKeys, expand_module_calls};
pub use eval::vars::{VarSource, VariableInputs, resolve_known_variables, resolve_variables};
pub use eval::{
    Scope, Verdict, check_condition, eval, eval_body, eval_local, eval_timeouts, eval_with_self, referenced_instance,
    trigger_reference,
};
pub use load::{load_dir, load_files};
pub use render::render_diagnostics;
pub use tree::TypeConstraint;
pub use tree::{
    Backend, BodyExprs, CallExpansion, Check, Condition, Expr, IgnoreChanges, IgnorePath, Import, InstanceCtx,
    Lifecycle, Local, LocalKind, Module, ModuleCtx, MoveTarget, Moved, ObjectId, Output, PathStep, ProviderBlock,
    Provisioner, Removed, ResourceBlock, S3_BACKEND_SETTINGS, TimeoutOverrides, Validation, Variable, call_key,
    local_key,
};
pub use tree::{IndexKind, RefRoot, Reference};
pub use tree::{ModuleSource, module_sources, normalize_module_dir};

/// The suggestion for a misspelt name, if one is close enough: the one rule every "did you mean"
/// of provision uses. Close enough is at most one edit per three characters (at least one), where
/// an edit inserts, deletes or replaces a character or swaps two adjacent ones (`nmae` → `name`).
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, c)| *d <= (name.chars().count().max(c.chars().count()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// A name as Terraform allows it for labels and aliases.
pub(crate) fn valid_identifier(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// A duration as Terraform writes it (Go's `time.ParseDuration`): `40m`, `1h30m`, `90s`, `1.5h`.
/// Timeouts are positive and at most a year.
pub fn parse_go_duration(text: &str) -> Result<std::time::Duration, String> {
    let bad =
        || format!("\"{text}\" is not a duration: write a number with a unit, such as \"40m\", \"1h30m\" or \"90s\"");
    let nanos = parse_go_duration_nanos(text.trim()).map_err(|_| bad())?;
    if nanos <= 0 && text.trim_start().starts_with('-') {
        return Err(bad());
    }
    if nanos > 366 * 86_400 * 1_000_000_000 {
        return Err(format!("\"{text}\" is longer than a year"));
    }
    Ok(std::time::Duration::from_nanos(u64::try_from(nanos).map_err(|_| bad())?))
}

/// A signed duration in nanoseconds, with exactly Go's `time.ParseDuration` rules: an optional
/// sign, then one or more numbers (a fraction allowed) each with a unit of `h`, `m`, `s`, `ms`,
/// `us` (or `µs`) or `ns`; `0` alone needs no unit; at most about 292 years either way.
pub(crate) fn parse_go_duration_nanos(text: &str) -> Result<i64, String> {
    let invalid = || format!("\"{text}\" is not a duration such as \"1h30m\", \"-10m\" or \"1.5s\"");
    let (negative, mut rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: i128 = 0;
    while !rest.is_empty() {
        let int_end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        let int_part = &rest[..int_end];
        rest = &rest[int_end..];
        let mut frac_part = "";
        if let Some(after) = rest.strip_prefix('.') {
            let frac_end = after.find(|c: char| !c.is_ascii_digit()).unwrap_or(after.len());
            frac_part = &after[..frac_end];
            rest = &after[frac_end..];
        }
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(invalid());
        }
        let unit_end = rest.find(|c: char| c == '.' || c.is_ascii_digit()).unwrap_or(rest.len());
        let unit: i128 = match &rest[..unit_end] {
            "" => return Err(format!("\"{text}\" has a number without a unit: write one of h, m, s, ms, us or ns")),
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            other => {
                return Err(format!("\"{text}\" has the unit \"{other}\"; the units are h, m, s, ms, us and ns"));
            }
        };
        rest = &rest[unit_end..];
        let whole: i128 = if int_part.is_empty() { 0 } else { int_part.parse().map_err(|_| invalid())? };
        let mut part = whole.checked_mul(unit).ok_or_else(invalid)?;
        if !frac_part.is_empty() {
            // Go scales the fraction in floating point and truncates.
            let digits = &frac_part[..frac_part.len().min(18)];
            let f: f64 = digits.parse::<f64>().unwrap_or(0.0) / 10f64.powi(digits.len() as i32);
            part += (f * unit as f64) as i128;
        }
        total += part;
        if total > i128::from(i64::MAX) {
            return Err(invalid());
        }
    }
    let total = if negative { -total } else { total };
    i64::try_from(total).map_err(|_| invalid())
}

/// Optimal string alignment distance: Levenshtein's edits plus the swap of two adjacent
/// characters, the most common typo.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    /// The layer rule of the crate documentation, enforced: no file of a layer names anything of
    /// a layer above it (through its module or through what the crate root re-exports from it).
    #[test]
    fn no_layer_uses_a_layer_above_it() {
        const LAYERS: [&str; 4] = ["syntax", "tree", "check", "eval"];
        /// Below every layer: leaf helpers of the crate root and leaf modules.
        const BOTTOM: [&str; 6] =
            ["limits", "render", "did_you_mean", "valid_identifier", "parse_go_duration", "parse_go_duration_nanos"];
        fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).expect("the source directory is readable").flatten() {
                let p = e.path();
                if p.is_dir() {
                    files(&p, out);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    out.push(p);
                }
            }
        }
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut checked = 0;
        for (i, layer) in LAYERS.iter().enumerate() {
            let mut paths = vec![];
            files(&src.join(layer), &mut paths);
            assert!(!paths.is_empty(), "src/{layer} has no files");
            for path in paths {
                let text = std::fs::read_to_string(&path).expect("a source file is readable");
                for (n, line) in text.lines().enumerate() {
                    let code = line.trim_start();
                    if code.starts_with("//") {
                        continue;
                    }
                    for (at, _) in code.match_indices("crate::") {
                        let rest = &code[at + "crate::".len()..];
                        let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                        let allowed = LAYERS[..=i].contains(&name.as_str()) || BOTTOM.contains(&name.as_str());
                        assert!(
                            allowed,
                            "{}:{}: the {layer} layer names `crate::{name}`, which is not below it: {code}",
                            path.display(),
                            n + 1
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 20, "the scan found the crate's paths ({checked})");
    }

    #[test]
    fn go_durations() {
        use std::time::Duration;
        assert_eq!(super::parse_go_duration("40m"), Ok(Duration::from_secs(2400)));
        assert_eq!(super::parse_go_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(super::parse_go_duration("1.5h"), Ok(Duration::from_secs(5400)));
        assert_eq!(super::parse_go_duration("90s"), Ok(Duration::from_secs(90)));
        for bad in ["", "40", "m", "4 0m", "10d", "-5m", "400d"] {
            assert!(super::parse_go_duration(bad).is_err(), "{bad}");
        }
        assert!(super::parse_go_duration("9000h").is_err(), "longer than a year");
    }

    /// Go's own answers (`time.ParseDuration`), as Terraform's `timeadd` uses them.
    #[test]
    fn signed_go_durations() {
        use super::parse_go_duration_nanos as p;
        assert_eq!(p("-1h30m"), Ok(-5_400_000_000_000));
        assert_eq!(p("+5m"), Ok(300_000_000_000));
        assert_eq!(p("0"), Ok(0));
        assert_eq!(p("1.h"), Ok(3_600_000_000_000));
        assert_eq!(p(".5h"), Ok(1_800_000_000_000));
        assert_eq!(p("1.5s"), Ok(1_500_000_000));
        assert_eq!(p("300ms"), Ok(300_000_000));
        assert_eq!(p("2µs1ns"), Ok(2_001));
        assert_eq!(p("1000000h"), Ok(3_600_000_000_000_000_000));
        for bad in ["", "-", "5", "10d", "1h-5m", "3000000h", ".h", "1.5"] {
            assert!(p(bad).is_err(), "{bad}");
        }
        assert_eq!(p("10d"), Err("\"10d\" has the unit \"d\"; the units are h, m, s, ms, us and ns".into()));
    }

    #[test]
    fn suggests_close_names() {
        assert_eq!(super::did_you_mean("cidr_blok", ["cidr_block", "tags"]), Some("cidr_block"));
        assert_eq!(super::did_you_mean("zzz", ["cidr_block", "tags"]), None);
        // Swapped letters are one edit: the typos a reader makes most.
        assert_eq!(super::did_you_mean("nmae", ["name", "region"]), Some("name"));
        assert_eq!(super::did_you_mean("mian", ["main", "public"]), Some("main"));
        assert_eq!(super::did_you_mean("nam", ["name"]), Some("name"));
        assert_eq!(super::did_you_mean("vpc", ["vpc_id", "cidr"]), None);
    }
}
