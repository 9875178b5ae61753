//! The one place a configuration is loaded. Each module goes through the layers in turn: its
//! files are parsed ([`crate::syntax`]) and read into the module tree ([`crate::tree`]), the
//! modules it calls are loaded the same way, then it is checked ([`crate::check`]) and its calls
//! are folded in. What the tree needs of the layers above it while it is built (schema checks of
//! a block before what the schema lacks is dropped, constants evaluated by [`crate::eval`]) is
//! passed to it here, as [`Hooks`].

use crate::tree::{Hooks, Loader, Module};
use crate::{check, eval, syntax};
use provision_core::{Diagnostic, Diagnostics, Providers, Sources};
use std::path::Path;

/// The layers above the tree, as the tree builder calls them.
const HOOKS: Hooks = Hooks { load_module, check_body: check::check_body, constant: eval::eval_constant };

/// Reads every `*.tf` file in `dir` (sorted by name), and the modules it calls. The module is
/// returned even when there are errors, so the caller can render diagnostics against its sources.
pub fn load_dir(dir: &Path, provider: &Providers) -> (Module, Diagnostics) {
    let (texts, mut diags) = syntax::read_tf_files(dir, "");
    if texts.is_empty() && diags.is_empty() {
        diags.push(
            Diagnostic::error(format!("no configuration files (*.tf, *.tf.json) in {}", dir.display()))
                .note("run provision in the directory that holds your .tf files, or pass it with -C DIR"),
        );
    }
    let (module, more) = load_files(dir, texts, provider);
    diags.extend(more);
    (module, diags)
}

/// Loads configuration from in-memory files (name, text), as if they were in `dir`. Modules it
/// calls are read from disk, relative to `dir`.
pub fn load_files(dir: &Path, files: Vec<(String, String)>, provider: &Providers) -> (Module, Diagnostics) {
    let mut l = Loader::new(dir, provider, HOOKS, Sources::default(), None);
    load_module(&mut l, files);
    // Report in source order: by file, then position; diagnostics without a location first.
    l.diags.0.sort_by_key(|d| d.span().map(|s| (s.file, s.start)));
    l.diags = merge_repeats(std::mem::take(&mut l.diags), &l.m.sources);
    (l.m, l.diags)
}

/// Parses and checks the files of one module, loads the modules it calls and folds them in.
fn load_module(l: &mut Loader<'_>, files: Vec<(String, String)>) {
    for (name, text) in files {
        if let Some((file, body)) = syntax::parse_file(&mut l.m.sources, &mut l.diags, l.provider, name, text) {
            l.top(file, &body);
        }
    }
    let sub_diags = l.load_calls();
    check::check_provider_uses(l);
    check::check_references(l);
    check::check_calls(l);
    l.fold_calls();
    l.check_moves();
    l.note_call_chain();
    l.diags.extend(sub_diags);
}

/// One cause, one error: a module called twice has its own mistakes reported once, naming every
/// call that reads it.
fn merge_repeats(diags: Diagnostics, sources: &Sources) -> Diagnostics {
    // A module read twice has its files added twice: compare places by file name.
    let place = |l: &provision_core::diagnostic::Label| {
        (sources.files.get(l.span.file).map(|f| f.name.clone()), l.span.start, l.span.end, l.message.clone())
    };
    let mut out: Vec<Diagnostic> = vec![];
    for d in diags.0 {
        let same = |o: &&mut Diagnostic| {
            o.severity == d.severity
                && o.summary == d.summary
                && o.labels.iter().map(place).eq(d.labels.iter().map(place))
        };
        let from_module = d.notes.iter().any(|n| n.starts_with("in module."));
        match out.iter_mut().find(|o| from_module && !d.labels.is_empty() && same(o)) {
            Some(first) => {
                for n in d.notes {
                    let also = n.replacen("in ", "also in ", 1);
                    if n.starts_with("in module.") && !first.notes.contains(&also) {
                        first.notes.push(also);
                    }
                }
            }
            None => out.push(d),
        }
    }
    Diagnostics(out)
}
