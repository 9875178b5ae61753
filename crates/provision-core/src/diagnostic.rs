//! Diagnostics as data: what went wrong, where (file and byte span), and what to do. Library crates
//! return them; only the CLI renders them.

use std::fmt;
use std::ops::Range;

/// One configuration file's name and text, kept so diagnostics can point into it.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    /// The text spans point into: what was parsed.
    pub text: String,
    /// For a file translated before it was parsed (a `.tf.json` file is read as the HCL it
    /// means), the text as written and where each offset of `text` comes from in it.
    pub origin: Option<Origin>,
}

/// The text a translated file was written as, and the way back to it from the translation.
#[derive(Debug, Clone)]
pub struct Origin {
    pub text: String,
    /// `(offset in the translation, offset in the written text)`, sorted by the first; between
    /// two points the offsets advance together.
    pub points: Vec<(usize, usize)>,
}

impl SourceFile {
    /// The text as the user wrote it: what diagnostics show and count lines in.
    pub fn written(&self) -> &str {
        self.origin.as_ref().map_or(&self.text, |o| &o.text)
    }

    /// Where an offset of `text` (a span's) is in the text as written.
    pub fn to_written(&self, offset: usize) -> usize {
        let Some(o) = &self.origin else { return offset };
        let i = o.points.partition_point(|p| p.0 <= offset);
        match i.checked_sub(1).and_then(|i| o.points.get(i)) {
            Some(&(t, w)) => (w + (offset - t)).min(o.text.len()),
            None => 0,
        }
    }

    /// Where the end of a span (exclusive) is in the text as written: after what its last byte
    /// came from, not at the start of what follows it in the translation.
    pub fn to_written_end(&self, end: usize) -> usize {
        match (&self.origin, end) {
            (None, _) => end,
            (Some(_), 0) => 0,
            (Some(o), _) => (self.to_written(end - 1) + 1).min(o.text.len()),
        }
    }
}

/// Every file a diagnostic may point into. A [`Span`]'s `file` is an index into this list.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub files: Vec<SourceFile>,
}

impl Sources {
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> usize {
        self.files.push(SourceFile { name: name.into(), text: text.into(), origin: None });
        self.files.len() - 1
    }

    /// Adds a file that was translated before it was parsed: spans point into `text`, and are
    /// shown in `origin.text`.
    pub fn add_translated(&mut self, name: impl Into<String>, text: impl Into<String>, origin: Origin) -> usize {
        self.files.push(SourceFile { name: name.into(), text: text.into(), origin: Some(origin) });
        self.files.len() - 1
    }

    /// `file:line:col` (1-based) of a span's start.
    pub fn location(&self, span: &Span) -> String {
        let Some(file) = self.files.get(span.file) else {
            return "<unknown>".into();
        };
        let (line, col) = line_col(file.written(), file.to_written(span.start));
        format!("{}:{line}:{col}", file.name)
    }
}

/// The 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

/// A byte range in one source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub file: usize,
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(file: usize, range: Range<usize>) -> Self {
        Span { file, start: range.start, end: range.end }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// A span with what to say about it.
#[derive(Debug, Clone)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One problem found in the configuration, the state or the plan.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub severity: Severity,
    pub summary: String,
    /// The primary location first, then related ones.
    pub labels: Vec<Label>,
    /// Further explanation and what to do, one paragraph each.
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn error(summary: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Error, summary: summary.into(), labels: vec![], notes: vec![] }
    }

    pub fn warning(summary: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Self::error(summary) }
    }

    pub fn at(mut self, span: Option<Span>, message: impl Into<String>) -> Self {
        if let Some(span) = span {
            self.labels.push(Label { span, message: message.into() });
        }
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The diagnostic with every secret taken out of its text (see
    /// [`redact_text`](crate::value::redact_text)): for messages that may quote a sensitive value.
    pub fn redact(mut self, secrets: &[String]) -> Self {
        if secrets.is_empty() {
            return self;
        }
        let r = |s: &str| crate::value::redact_text(s, secrets);
        self.summary = r(&self.summary);
        for l in &mut self.labels {
            l.message = r(&l.message);
        }
        for n in &mut self.notes {
            *n = r(n);
        }
        self
    }

    /// The primary span, if the diagnostic has one.
    pub fn span(&self) -> Option<&Span> {
        self.labels.first().map(|l| &l.span)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary)
    }
}

/// A batch of diagnostics: configuration problems are reported all at once, not one at a time.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.is_error())
    }

    /// `Err(self)` when any diagnostic is an error, `Ok(warnings)` otherwise.
    pub fn into_result(self) -> Result<Diagnostics, Diagnostics> {
        if self.has_errors() { Err(self) } else { Ok(self) }
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.iter().filter(|d| d.is_error()).count();
        match self.0.iter().find(|d| d.is_error()) {
            Some(first) if n > 1 => write!(f, "{first} (and {} more errors)", n - 1),
            Some(first) => write!(f, "{first}"),
            None => write!(f, "{} warnings", self.0.len()),
        }
    }
}

impl std::error::Error for Diagnostics {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let text = "a = 1\nbé = x\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        assert_eq!(line_col(text, text.find('x').expect("x")), (2, 6));
    }
}
