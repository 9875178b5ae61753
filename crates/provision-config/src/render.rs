//! Renders diagnostics for people: the message, `file:line:col`, the offending source line with
//! the span underlined, and notes on what to do.
//!
//! What is shown of a source line is made readable first: a NUL byte is shown as `␀` (a terminal
//! would show nothing, or a space), and a line longer than [`MAX_LINE`] characters (minified or
//! generated text) is cut to a window around the span, with `…` where text was left out. The
//! `file:line:col` still counts in the original text.

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label as CsLabel};
use codespan_reporting::files::{Error as FilesError, Files, Location};
use codespan_reporting::term::{self, Config};
use provision_core::diagnostic::line_col;
use provision_core::{Diagnostic, Diagnostics, Severity, Sources};
use std::borrow::Cow;
use std::ops::Range;

/// The most characters of one source line shown in a snippet.
pub const MAX_LINE: usize = 160;
/// How many characters before the span a cut line starts.
const BEFORE: usize = 60;

/// Renders every diagnostic, errors and warnings alike, as plain text.
pub fn render_diagnostics(diags: &Diagnostics, sources: &Sources) -> String {
    let config = Config::default();
    let mut out = String::new();
    for d in &diags.0 {
        let files = Shown::new(sources, d);
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
                let f = &files.files[l.span.file];
                let src = &sources.files[l.span.file];
                let (start, end) = (src.to_written(l.span.start), src.to_written_end(l.span.end.max(l.span.start)));
                let range = f.to_shown(start)..f.to_shown(end.max(start));
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

/// The files as shown for one diagnostic.
struct Shown<'a> {
    files: Vec<ShownFile<'a>>,
}

/// A piece of the shown text: a copy of the original, or something shown in place of it (`␀`
/// for a NUL byte, `…` for text left out).
#[derive(Debug, Clone)]
struct Piece {
    orig: Range<usize>,
    shown: Range<usize>,
    copy: bool,
}

struct ShownFile<'a> {
    name: &'a str,
    original: &'a str,
    text: Cow<'a, str>,
    /// Empty when the text is the original.
    pieces: Vec<Piece>,
    line_starts: Vec<usize>,
}

impl<'a> Shown<'a> {
    fn new(sources: &'a Sources, d: &Diagnostic) -> Shown<'a> {
        let files = sources
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let anchors: Vec<usize> =
                    d.labels.iter().filter(|l| l.span.file == i).map(|l| f.to_written(l.span.start)).collect();
                ShownFile::new(&f.name, f.written(), &anchors)
            })
            .collect();
        Shown { files }
    }
}

impl<'a> ShownFile<'a> {
    fn new(name: &'a str, original: &'a str, anchors: &[usize]) -> ShownFile<'a> {
        let plain = !original.contains('\0') && original.split('\n').all(|l| l.len() <= MAX_LINE);
        let (text, pieces) = if plain { (Cow::Borrowed(original), vec![]) } else { shorten(original, anchors) };
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        ShownFile { name, original, text, pieces, line_starts }
    }

    /// Where an offset of the original text is in the shown text.
    fn to_shown(&self, orig: usize) -> usize {
        if self.pieces.is_empty() {
            return orig;
        }
        let i = self.pieces.partition_point(|p| p.orig.end <= orig);
        match self.pieces.get(i) {
            Some(p) if p.copy && orig >= p.orig.start => p.shown.start + (orig - p.orig.start),
            Some(p) => p.shown.start,
            None => self.text.len(),
        }
    }

    /// Where an offset of the shown text is in the original text.
    fn to_original(&self, shown: usize) -> usize {
        if self.pieces.is_empty() {
            return shown;
        }
        let i = self.pieces.partition_point(|p| p.shown.end <= shown);
        match self.pieces.get(i) {
            Some(p) if p.copy => p.orig.start + (shown - p.shown.start).min(p.orig.len()),
            Some(p) => p.orig.start,
            None => self.original.len(),
        }
    }
}

/// The text with NUL bytes made visible and long lines cut around the anchors (the starts of the
/// spans shown), and the pieces that map it back to the original.
fn shorten<'a>(original: &str, anchors: &[usize]) -> (Cow<'a, str>, Vec<Piece>) {
    let mut text = String::with_capacity(original.len().min(1 << 20));
    let mut pieces: Vec<Piece> = vec![];
    let mut push = |text: &mut String, orig: Range<usize>, shown: &str, copy: bool| {
        let start = text.len();
        text.push_str(shown);
        let end = text.len();
        if let Some(last) = pieces.last_mut()
            && copy
            && last.copy
            && last.orig.end == orig.start
        {
            last.orig.end = orig.end;
            last.shown.end = end;
            return;
        }
        pieces.push(Piece { orig, shown: start..end, copy });
    };
    let mut line_start = 0;
    for line in original.split_inclusive('\n') {
        let line_end = line_start + line.len();
        let content_end = line_start + line.trim_end_matches(['\n', '\r']).len();
        let chars: Vec<(usize, char)> =
            original[line_start..content_end].char_indices().map(|(b, c)| (line_start + b, c)).collect();
        let (from, to) = if chars.len() <= MAX_LINE {
            (0, chars.len())
        } else {
            let at = anchors
                .iter()
                .filter(|a| (line_start..line_end).contains(*a))
                .min()
                .map_or(0, |a| chars.partition_point(|(b, _)| b < a));
            let from = at.saturating_sub(BEFORE).min(chars.len() - MAX_LINE);
            (from, from + MAX_LINE)
        };
        let byte = |i: usize| chars.get(i).map_or(content_end, |(b, _)| *b);
        if from > 0 {
            push(&mut text, line_start..byte(from), "…", false);
        }
        for &(b, c) in &chars[from..to] {
            let end = b + c.len_utf8();
            if c == '\0' {
                push(&mut text, b..end, "␀", false);
            } else {
                push(&mut text, b..end, &original[b..end], true);
            }
        }
        if to < chars.len() {
            push(&mut text, byte(to)..content_end, "…", false);
        }
        if content_end < line_end {
            push(&mut text, content_end..line_end, &original[content_end..line_end], true);
        }
        line_start = line_end;
    }
    (Cow::Owned(text), pieces)
}

impl<'a> Files<'a> for Shown<'a> {
    type FileId = usize;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: usize) -> Result<&'a str, FilesError> {
        self.files.get(id).map(|f| f.name).ok_or(FilesError::FileMissing)
    }

    fn source(&'a self, id: usize) -> Result<&'a str, FilesError> {
        self.files.get(id).map(|f| f.text.as_ref()).ok_or(FilesError::FileMissing)
    }

    fn line_index(&'a self, id: usize, byte_index: usize) -> Result<usize, FilesError> {
        let f = self.files.get(id).ok_or(FilesError::FileMissing)?;
        Ok(f.line_starts.partition_point(|s| *s <= byte_index).saturating_sub(1))
    }

    fn line_range(&'a self, id: usize, line_index: usize) -> Result<Range<usize>, FilesError> {
        let f = self.files.get(id).ok_or(FilesError::FileMissing)?;
        let start = *f
            .line_starts
            .get(line_index)
            .ok_or(FilesError::LineTooLarge { given: line_index, max: f.line_starts.len().saturating_sub(1) })?;
        let end = f.line_starts.get(line_index + 1).copied().unwrap_or(f.text.len());
        Ok(start..end)
    }

    /// Counted in the original text, so `file:line:col` is where the editor finds it.
    fn location(&'a self, id: usize, byte_index: usize) -> Result<Location, FilesError> {
        let f = self.files.get(id).ok_or(FilesError::FileMissing)?;
        let (line_number, column_number) = line_col(f.original, f.to_original(byte_index));
        Ok(Location { line_number, column_number })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use provision_core::Span;

    fn render(text: &str, at: usize) -> String {
        let mut sources = Sources::default();
        let file = sources.add("main.tf", text);
        let d = Diagnostic::error("Problem").at(Some(Span::new(file, at..at + 3)), "here");
        render_diagnostics(&Diagnostics::from(d), &sources)
    }

    #[test]
    fn long_lines_are_cut_around_the_span_and_located_in_the_original() {
        let text = format!("a = \"{}XYZ{}\"\n", "x".repeat(100_000), "y".repeat(100_000));
        let out = render(&text, 5 + 100_000);
        assert!(out.contains("main.tf:1:100006"), "{out}");
        assert!(out.len() < 2_000, "the whole line was printed: {} bytes", out.len());
        assert!(out.contains("…xxxx") && out.contains("XYZyyy") && out.contains("yyy…"), "{out}");
        let caret_line = out.lines().find(|l| l.contains("^^^")).unwrap_or_default();
        let code_line = out.lines().find(|l| l.contains("XYZ")).unwrap_or_default();
        let column = |line: &str, c: char| line.chars().position(|x| x == c);
        assert_eq!(column(caret_line, '^'), column(code_line, 'X'), "{out}");
    }

    #[test]
    fn nul_bytes_are_visible() {
        let out = render("a = 1\0\nb = 2\n", 5);
        assert!(out.contains("a = 1␀"), "{out}");
        assert!(out.contains("main.tf:1:6"), "{out}");
    }

    #[test]
    fn ordinary_lines_are_shown_whole() {
        let out = render("resource \"aws_vpc\" \"main\" {}\n", 9);
        assert!(out.contains("resource \"aws_vpc\" \"main\" {}"), "{out}");
        assert!(out.contains("main.tf:1:10"), "{out}");
    }
}
