//! The one place output comes from: results on stdout, diagnostics and errors on stderr, colours
//! only for terminals (and never with NO_COLOR or --no-color), progress of an apply as lines.

use provision_config::render_diagnostics;
use provision_core::{Diagnostics, Sources};
use provision_engine::render::Style;
use provision_engine::{Event, Op, RecoveryOutcome, Reporter};
use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

#[derive(Clone)]
pub struct Printer {
    inner: Arc<Inner>,
}

struct Inner {
    color_out: bool,
    color_err: bool,
    /// Progress goes to stderr (when stdout carries JSON).
    progress_to_stderr: AtomicBool,
}

fn paint(on: bool, style: anstyle::Style, s: &str) -> String {
    if on { format!("{style}{s}{style:#}") } else { s.to_string() }
}

fn red() -> anstyle::Style {
    anstyle::Style::new().fg_color(Some(anstyle::AnsiColor::Red.into())).bold()
}

fn yellow() -> anstyle::Style {
    anstyle::Style::new().fg_color(Some(anstyle::AnsiColor::Yellow.into())).bold()
}

fn green() -> anstyle::Style {
    anstyle::Style::new().fg_color(Some(anstyle::AnsiColor::Green.into())).bold()
}

impl Printer {
    pub fn new(no_color: bool) -> Printer {
        let allowed = !no_color && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Printer {
            inner: Arc::new(Inner {
                color_out: allowed && std::io::stdout().is_terminal(),
                color_err: allowed && std::io::stderr().is_terminal(),
                progress_to_stderr: AtomicBool::new(false),
            }),
        }
    }

    pub fn style(&self) -> Style {
        Style { color: self.inner.color_out }
    }

    /// Sends progress lines to stderr from now on, keeping stdout for data.
    pub fn progress_to_stderr(&self) {
        self.inner.progress_to_stderr.store(true, Ordering::SeqCst);
    }

    /// Writes text to stdout as is.
    pub fn out(&self, s: &str) {
        let mut o = std::io::stdout().lock();
        let _ = o.write_all(s.as_bytes());
        let _ = o.flush();
    }

    pub fn line(&self, s: &str) {
        self.out(&format!("{s}\n"));
    }

    fn progress(&self, s: &str) {
        if self.inner.progress_to_stderr.load(Ordering::SeqCst) {
            eprintln!("{s}");
        } else {
            self.line(s);
        }
    }

    pub fn success(&self, s: &str) {
        self.line(&paint(self.inner.color_out, green(), s));
    }

    pub fn bold(&self, s: &str) -> String {
        paint(self.inner.color_out, anstyle::Style::new().bold(), s)
    }

    pub fn error(&self, msg: &str) {
        eprintln!("{} {msg}", paint(self.inner.color_err, red(), "Error:"));
    }

    pub fn warn(&self, msg: &str) {
        eprintln!("{} {msg}", paint(self.inner.color_err, yellow(), "Warning:"));
    }

    /// Diagnostics with file:line:col and the source line, on stderr.
    pub fn diagnostics(&self, d: &Diagnostics, sources: &Sources) {
        if d.is_empty() {
            return;
        }
        eprint!("{}", render_diagnostics(d, sources));
    }
}

fn took(d: Duration) -> String {
    humantime::format_duration(Duration::from_secs(d.as_secs())).to_string()
}

/// Turns engine events into progress lines.
pub struct CliReporter(pub Printer);

impl Reporter for CliReporter {
    fn report(&self, event: Event) {
        let p = &self.0;
        match event {
            Event::Refreshing { type_name, count } => {
                p.progress(&format!("{type_name}: refreshing {count} object{} in one batched read...", if count == 1 { "" } else { "s" }));
            }
            Event::Recovered { address, outcome } => match outcome {
                RecoveryOutcome::Adopted { id } => p.progress(&format!(
                    "{address}: an interrupted run created {id} without recording it; it is now recorded in state"
                )),
                RecoveryOutcome::Dropped => p.progress(&format!(
                    "{address}: an interrupted run had started creating it, but nothing was created; the record was dropped"
                )),
                RecoveryOutcome::Unresolved { message } => p.warn(&format!(
                    "{address}: an interrupted run may have created it, and looking for it failed ({message}); the record stays and the next run looks again"
                )),
            },
            Event::OpStarted { address, op } => p.progress(&format!("{}: {}...", p.bold(&address.to_string()), op.progressive())),
            Event::OpFinished { address, op, id, elapsed } => {
                let id = id.filter(|_| op != Op::Delete).map(|i| format!(" [id={i}]")).unwrap_or_default();
                p.progress(&format!("{}: {} complete after {}{id}", p.bold(&address.to_string()), op.past(), took(elapsed)));
            }
            Event::OpFailed { address, op, message } => {
                let verb = match op {
                    Op::Create => "Creation",
                    Op::Update => "Modification",
                    Op::Delete => "Destruction",
                    Op::Read => "Read",
                };
                p.progress(&format!("{}: {verb} failed: {message}", p.bold(&address.to_string())));
            }
            Event::OpSkipped { address, op, because } => {
                p.progress(&format!("{address}: not {} because {because} failed", op.progressive().to_lowercase()));
            }
            Event::Interrupting => p.warn(
                "interrupted: no new operations start; waiting for the running ones to finish and be recorded (Ctrl-C again stops at once; the next run recovers)",
            ),
            Event::Warning(m) => p.warn(&m),
        }
    }
}
