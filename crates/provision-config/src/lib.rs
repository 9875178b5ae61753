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
mod references;
mod render;
mod types;
mod vars;

pub use eval::{InstanceCtx, Scope, eval, eval_body, referenced_instance};
pub use functions::FUNCTION_NAMES;
pub use load::{load_dir, load_files};
pub use module::{
    Backend, BodyExprs, Expr, IgnoreChanges, Lifecycle, Local, Module, ObjectId, Output, ProviderBlock, ResourceBlock,
    S3_BACKEND_SETTINGS, Validation, Variable,
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
    fn suggests_close_names() {
        assert_eq!(super::did_you_mean("cidr_blok", ["cidr_block", "tags"]), Some("cidr_block"));
        assert_eq!(super::did_you_mean("zzz", ["cidr_block", "tags"]), None);
    }
}
