//! The `module` calls of one directory, read from the blocks alone: `provision init` needs each
//! call's `source` and `version` to download what the configuration calls, before the modules
//! it calls are there to be read (which loading the configuration requires).

use crate::syntax::read_tf_files;
use hcl_edit::Span as _;
use hcl_edit::expr::Expression;
use hcl_edit::structure::Body;
use provision_core::diagnostic::Origin;
use provision_core::{Diagnostic, Diagnostics, SourceFile};
use std::path::Path;

/// One `module "NAME"` block: its literal `source` and `version`, and where `source` is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleSource {
    pub name: String,
    pub source: String,
    pub version: Option<String>,
    /// `file:line:col` of the `source` argument (the block's label without one), the file named
    /// with `prefix` as given to [`module_sources`].
    pub location: String,
}

/// The module calls of the `*.tf` files of `dir`, in file order. `prefix` is put before each file
/// name in locations (`.terraform/modules/vpc/`). A file that cannot be read or parsed, or a call
/// whose `source` is not a literal string, is an error of the returned diagnostics; the calls
/// that could be read are returned anyway.
pub fn module_sources(dir: &Path, prefix: &str) -> (Vec<ModuleSource>, Diagnostics) {
    let (files, mut diags) = read_tf_files(dir, prefix);
    let mut calls = vec![];
    for (name, text) in files {
        // A JSON file is read as the HCL it means (no schema is needed for `module` blocks);
        // locations are counted in the JSON text.
        let file = if name.ends_with(".tf.json") {
            match crate::syntax::json::translate(&text, &provision_core::Providers::new(vec![])) {
                Ok((hcl, points)) => {
                    SourceFile { name: name.clone(), text: hcl, origin: Some(Origin { text, points }) }
                }
                Err(e) => {
                    let (line, col) = line_col(&text, e.at.start);
                    diags.push(Diagnostic::error(format!("{name}:{line}:{col}: {}: {}", e.summary, e.message)));
                    continue;
                }
            }
        } else {
            SourceFile { name: name.clone(), text, origin: None }
        };
        let body: Body = match crate::syntax::object_keys::parse_body(&file.text) {
            Ok(b) => b,
            Err(e) => {
                let loc = e.location();
                let offset = crate::syntax::offset_of(&file.text, loc.line(), loc.column());
                let (line, col) = line_col(file.written(), file.to_written(offset));
                diags.push(Diagnostic::error(format!("{name}:{line}:{col}: Invalid HCL syntax: {}", e.message())));
                continue;
            }
        };
        for block in body.blocks() {
            if block.ident.as_str() != "module" || block.labels.len() != 1 {
                continue;
            }
            let call = block.labels[0].as_str().to_string();
            let at = |r: Option<std::ops::Range<usize>>| {
                let offset = r.map_or(0, |r| r.start);
                let (line, col) = line_col(file.written(), file.to_written(offset));
                format!("{name}:{line}:{col}")
            };
            let literal = |attr: &str| {
                block.body.get_attribute(attr).map(|a| match &a.value {
                    Expression::String(s) => Ok(s.value().clone()),
                    other => Err(at(other.span())),
                })
            };
            let source = match literal("source") {
                Some(Ok(s)) => s,
                Some(Err(loc)) => {
                    diags.push(Diagnostic::error(format!(
                        "{loc}: the source of module \"{call}\" must be a literal string"
                    )));
                    continue;
                }
                None => {
                    diags.push(Diagnostic::error(format!(
                        "{}: module \"{call}\" has no `source`",
                        at(block.labels[0].span())
                    )));
                    continue;
                }
            };
            let version = match literal("version") {
                Some(Ok(v)) => Some(v),
                Some(Err(loc)) => {
                    diags.push(Diagnostic::error(format!(
                        "{loc}: the version of module \"{call}\" must be a literal string"
                    )));
                    continue;
                }
                None => None,
            };
            let location = at(block.body.get_attribute("source").and_then(|a| a.value.span()));
            calls.push(ModuleSource { name: call, source, version, location });
        }
    }
    (calls, diags)
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    #[test]
    fn lists_the_calls_without_reading_their_modules() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("main.tf"),
            "module \"vpc\" {\n  source  = \"terraform-aws-modules/vpc/aws\"\n  version = \"~> 5.0\"\n}\n\nmodule \"local\" {\n  source = \"./x\"\n}\n",
        )
        .expect("write");
        let (calls, diags) = super::module_sources(dir.path(), "");
        assert!(!diags.has_errors(), "{diags:?}");
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0].source, "terraform-aws-modules/vpc/aws");
        assert_eq!(calls[0].version.as_deref(), Some("~> 5.0"));
        assert_eq!(calls[0].location, "main.tf:2:13");
        assert_eq!(calls[1].name, "local");
        assert_eq!(calls[1].version, None);
    }

    #[test]
    fn reads_the_calls_of_json_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("main.tf.json"),
            "{\n  \"module\": {\n    \"vpc\": {\"source\": \"terraform-aws-modules/vpc/aws\", \"version\": \"~> 5.0\"}\n  }\n}\n",
        )
        .expect("write");
        let (calls, diags) = super::module_sources(dir.path(), "");
        assert!(!diags.has_errors(), "{diags:?}");
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].source, "terraform-aws-modules/vpc/aws");
        assert_eq!(calls[0].version.as_deref(), Some("~> 5.0"));
        assert_eq!(calls[0].location, "main.tf.json:3:23");
    }
}
