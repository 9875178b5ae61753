//! Layer 1, syntax: configuration text read into hcl-edit bodies (JSON files translated to the
//! HCL they mean, an object that sets a key twice kept with its last value), with spans for
//! diagnostics. Knows nothing of modules, schemas' meaning or values.

pub(crate) mod json;
pub(crate) mod object_keys;

use hcl_edit::structure::Body;
use provision_core::{Diagnostic, Diagnostics, Providers, Sources, Span};
use std::path::Path;

/// The `*.tf` and `*.tf.json` files of one directory, sorted by name, each named
/// `{prefix}{file name}`.
pub(super) fn read_tf_files(dir: &Path, prefix: &str) -> (Vec<(String, String)>, Diagnostics) {
    let mut diags = Diagnostics::default();
    let mut files = vec![];
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            for e in entries.flatten() {
                let path = e.path();
                let name = e.file_name().to_string_lossy().to_string();
                let config = name.ends_with(".tf") || name.ends_with(".tf.json");
                if config && path.is_file() {
                    files.push(name);
                } else if config && path.is_dir() {
                    diags.push(
                        Diagnostic::warning(format!("{prefix}{name} is a directory, not a configuration file; it is not read"))
                            .note("provision reads the *.tf and *.tf.json files of one directory, not of the directories in it; rename the directory, or move its files up if they are meant to be read"),
                    );
                } else if config {
                    diags.push(Diagnostic::error(format!(
                        "cannot read {prefix}{name}: it is not a regular file (a link to a file that does not exist?)"
                    )));
                }
            }
        }
        Err(e) => {
            diags.push(Diagnostic::error(format!("cannot read the configuration directory {}: {e}", dir.display())));
            return (vec![], diags);
        }
    }
    files.sort();
    let mut texts = vec![];
    for name in files {
        match std::fs::read_to_string(dir.join(&name)) {
            Ok(t) => texts.push((format!("{prefix}{name}"), t)),
            Err(e) => diags.push(Diagnostic::error(format!("cannot read {prefix}{name}: {e}"))),
        }
    }
    (texts, diags)
}

/// Adds one file (name, text) to `sources` and parses it: the file's index and its body, or
/// `None` with the reason in `diags`. A `.tf.json` file is read as the HCL it means (the
/// provider's schemas tell blocks from arguments).
pub(crate) fn parse_file(
    sources: &mut Sources,
    diags: &mut Diagnostics,
    provider: &Providers,
    name: String,
    text: String,
) -> Option<(usize, Body)> {
    // A UTF-8 byte order mark (some Windows editors write one) is not part of the text,
    // as in Terraform.
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    };
    if let Some(at) = text.find('\0') {
        let file = sources.add(name.clone(), text.clone());
        let (line, col) = provision_core::diagnostic::line_col(&text, at);
        diags.push(
            Diagnostic::error("Invalid character: NUL byte")
                .at(Some(Span::new(file, at..at + 1)), format!("{name} contains a NUL byte (shown as ␀) here, at line {line}, column {col}"))
                .note("a configuration file is text; a NUL byte means it is binary, or was saved as UTF-16: save it as UTF-8"),
        );
        return None;
    }
    // A JSON file is read as the HCL it means; spans point into that translation and
    // are shown in the JSON text.
    let (file, text) = if name.ends_with(".tf.json") {
        match json::translate(&text, provider) {
            Ok((hcl, points)) => {
                let origin = provision_core::diagnostic::Origin { text, points };
                (sources.add_translated(name.clone(), hcl.clone(), origin), hcl)
            }
            Err(e) => {
                let file = sources.add(name.clone(), text);
                diags.push(Diagnostic::error(e.summary).at(Some(Span::new(file, e.at)), e.message));
                return None;
            }
        }
    } else {
        (sources.add(name.clone(), text.clone()), text)
    };
    match object_keys::parse_body(&text) {
        Ok(body) => Some((file, body)),
        Err(e) => {
            let loc = e.location();
            let offset = offset_of(&text, loc.line(), loc.column());
            // In a JSON file, the HCL is in the strings read as expressions.
            let summary = if name.ends_with(".tf.json") { "Invalid expression" } else { "Invalid HCL syntax" };
            diags.push(Diagnostic::error(summary).at(Some(Span::new(file, offset..offset)), e.message().to_string()));
            None
        }
    }
}

pub(crate) fn offset_of(text: &str, line: usize, col: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return offset + l.char_indices().nth(col.saturating_sub(1)).map_or(l.len(), |(b, _)| b);
        }
        offset += l.len();
    }
    text.len()
}
