//! Renders diagnostics for people: the message, `file:line:col`, the offending source line with
//! the span underlined, and notes on what to do.

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label as CsLabel};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, Config};
use provision_core::{Diagnostics, Severity, Sources};

/// Renders every diagnostic, errors and warnings alike, as plain text.
pub fn render_diagnostics(diags: &Diagnostics, sources: &Sources) -> String {
    let mut files = SimpleFiles::new();
    for f in &sources.files {
        files.add(f.name.clone(), f.text.clone());
    }
    let config = Config::default();
    let mut out = String::new();
    for d in &diags.0 {
        let base = match d.severity {
            Severity::Error => CsDiagnostic::error(),
            Severity::Warning => CsDiagnostic::warning(),
        };
        let labels = d
            .labels
            .iter()
            .enumerate()
            .filter(|(_, l)| l.span.file < sources.files.len())
            .map(|(i, l)| {
                let range = l.span.start..l.span.end.max(l.span.start);
                let label =
                    if i == 0 { CsLabel::primary(l.span.file, range) } else { CsLabel::secondary(l.span.file, range) };
                label.with_message(l.message.clone())
            })
            .collect();
        let mut notes = d.notes.clone();
        if d.labels.iter().all(|l| l.span.file >= sources.files.len()) {
            notes.splice(0..0, d.labels.iter().map(|l| l.message.clone()));
        }
        let cs = base.with_message(d.summary.clone()).with_labels(labels).with_notes(notes);
        match term::emit_into_string(&config, &files, &cs) {
            Ok(s) => out.push_str(&s),
            Err(_) => {
                out.push_str(&format!("error: {}\n", d.summary));
            }
        }
        out.push('\n');
    }
    out
}
