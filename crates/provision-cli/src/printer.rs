//! The one place output comes from: results on stdout, diagnostics and errors on stderr, colours
//! only for terminals (and never with NO_COLOR or --no-color). Progress of an apply: on a terminal,
//! one line per running operation with its elapsed time, redrawn in place (indicatif), finished
//! operations staying above as a log; elsewhere (CI logs), Terraform's lines, with a "Still
//! creating... [1m10s elapsed]" line per running operation every heartbeat.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use provision_config::render_diagnostics;
use provision_core::{Address, Diagnostics, Sources};
use provision_engine::render::Style;
use provision_engine::{Event, Op, RecoveryOutcome, Reporter, human_duration};
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
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
    /// `-compact-warnings`: warnings as their first line only.
    compact_warnings: AtomicBool,
    /// Whether progress may redraw lines in place (its stream is a terminal).
    live: bool,
    /// The running operations' lines, while any are drawn.
    bars: Mutex<Option<Bars>>,
    /// How long each finished operation took, for the summary.
    timings: Mutex<Vec<(Address, Op, Duration)>>,
}

/// The lines redrawn in place on a terminal.
struct Bars {
    multi: MultiProgress,
    running: BTreeMap<(Address, OpKey), ProgressBar>,
}

/// `Op` as a map key.
type OpKey = u8;

fn op_key(op: Op) -> OpKey {
    match op {
        Op::Create => 0,
        Op::Update => 1,
        Op::Delete => 2,
        Op::Read => 3,
    }
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
        let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
        Printer {
            inner: Arc::new(Inner {
                color_out: allowed && std::io::stdout().is_terminal(),
                color_err: allowed && std::io::stderr().is_terminal(),
                progress_to_stderr: AtomicBool::new(false),
                compact_warnings: AtomicBool::new(false),
                live: std::io::stdout().is_terminal() && !dumb,
                bars: Mutex::new(None),
                timings: Mutex::new(vec![]),
            }),
        }
    }

    /// The slowest finished operations, slowest first.
    pub fn slowest(&self, n: usize) -> Vec<(Address, Op, Duration)> {
        let mut t = self.inner.timings.lock().unwrap_or_else(|p| p.into_inner()).clone();
        t.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        t.truncate(n);
        t
    }

    /// Whether running operations are drawn as live lines (stdout is a terminal, not JSON).
    fn live(&self) -> bool {
        self.inner.live && !self.inner.progress_to_stderr.load(Ordering::SeqCst)
    }

    /// Runs `f` with the live lines out of the way, so that what it prints is not drawn over.
    fn above_bars(&self, f: impl FnOnce()) {
        let bars = self.inner.bars.lock().unwrap_or_else(|p| p.into_inner());
        match bars.as_ref() {
            Some(b) => b.multi.suspend(f),
            None => f(),
        }
    }

    /// Adds a live line for a started operation.
    fn start_bar(&self, address: &Address, op: Op) {
        let mut bars = self.inner.bars.lock().unwrap_or_else(|p| p.into_inner());
        let b = bars.get_or_insert_with(|| Bars {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stdout()),
            running: BTreeMap::new(),
        });
        let style = ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        let bar = b.multi.add(ProgressBar::new_spinner().with_style(style));
        bar.set_message(format!("{}: {}...", self.bold(&address.to_string()), op.progressive()));
        bar.enable_steady_tick(Duration::from_millis(250));
        b.running.insert((address.clone(), op_key(op)), bar);
    }

    /// Removes the live line of a finished operation; the last one takes the block away.
    fn end_bar(&self, address: &Address, op: Op) {
        let mut bars = self.inner.bars.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(b) = bars.as_mut() {
            if let Some(bar) = b.running.remove(&(address.clone(), op_key(op))) {
                bar.finish_and_clear();
                b.multi.remove(&bar);
            }
            if b.running.is_empty() {
                let _ = b.multi.clear();
                *bars = None;
            }
        }
    }

    fn bar_status(&self, address: &Address, op: Op, status: &str) {
        let bars = self.inner.bars.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(bar) = bars.as_ref().and_then(|b| b.running.get(&(address.clone(), op_key(op)))) {
            bar.set_message(format!("{}: {}... ({status})", self.bold(&address.to_string()), op.progressive()));
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
        self.above_bars(|| {
            if self.inner.progress_to_stderr.load(Ordering::SeqCst) {
                eprintln!("{s}");
            } else {
                self.line(s);
            }
        });
    }

    pub fn success(&self, s: &str) {
        self.line(&paint(self.inner.color_out, green(), s));
    }

    pub fn bold(&self, s: &str) -> String {
        paint(self.inner.color_out, anstyle::Style::new().bold(), s)
    }

    pub fn error(&self, msg: &str) {
        self.above_bars(|| eprintln!("{} {msg}", paint(self.inner.color_err, red(), "error:")));
    }

    pub fn warn(&self, msg: &str) {
        self.above_bars(|| eprintln!("{} {msg}", paint(self.inner.color_err, yellow(), "warning:")));
    }

    /// `-compact-warnings` from now on: a warning shows its summary only.
    pub fn compact_warnings(&self) {
        self.inner.compact_warnings.store(true, Ordering::SeqCst);
    }

    /// A warning of several paragraphs (its first line the summary): whole, or with
    /// `-compact-warnings` its summary only.
    pub fn warn_block(&self, msg: &str) {
        if self.inner.compact_warnings.load(Ordering::SeqCst) {
            self.warn(msg.lines().next().unwrap_or(msg));
        } else {
            self.warn(&format!("{msg}\n"));
        }
    }

    /// Diagnostics with file:line:col and the source line, on stderr. With `-compact-warnings`
    /// and no errors among them, each warning is one line (its summary).
    pub fn diagnostics(&self, d: &Diagnostics, sources: &Sources) {
        if d.is_empty() {
            return;
        }
        if self.inner.compact_warnings.load(Ordering::SeqCst) && !d.has_errors() {
            for w in d.0.iter() {
                self.warn(&w.summary);
            }
            return;
        }
        eprint!("{}", render_diagnostics(d, sources));
    }
}

/// `Still creating`, `Still destroying`, as Terraform says it.
fn still(op: Op) -> &'static str {
    match op {
        Op::Create => "Still creating",
        Op::Update => "Still modifying",
        Op::Delete => "Still destroying",
        Op::Read => "Still reading",
    }
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
                RecoveryOutcome::Conflict { message } => p.warn(&message),
            },
            Event::OpStarted { address, op } => {
                p.progress(&format!("{}: {}...", p.bold(&address.to_string()), op.progressive()));
                if p.live() {
                    p.start_bar(&address, op);
                }
            }
            Event::OpStatus { address, op, status } => {
                if p.live() {
                    p.bar_status(&address, op, &status);
                }
            }
            Event::OpStillRunning { address, op, elapsed, status } => {
                if !p.live() {
                    let status = status.map(|s| format!(" ({s})")).unwrap_or_default();
                    p.progress(&format!(
                        "{}: {}... [{} elapsed]{status}",
                        p.bold(&address.to_string()),
                        still(op),
                        human_duration(Duration::from_secs(elapsed.as_secs()))
                    ));
                }
            }
            Event::OpFinished { address, op, id, elapsed } => {
                p.end_bar(&address, op);
                p.inner.timings.lock().unwrap_or_else(|p| p.into_inner()).push((address.clone(), op, elapsed));
                let id = id.filter(|_| op != Op::Delete).map(|i| format!(" [id={i}]")).unwrap_or_default();
                p.progress(&format!(
                    "{}: {} complete after {}{id}",
                    p.bold(&address.to_string()),
                    op.past(),
                    human_duration(Duration::from_secs(elapsed.as_secs()))
                ));
            }
            Event::OpFailed { address, op, message } => {
                p.end_bar(&address, op);
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
                "interrupted: no new operations start; waiting for the running ones to finish and be recorded (Ctrl-C again stops waiting; the next run adopts what they make)",
            ),
            Event::Abandoning { running } => {
                for (address, op) in &running {
                    p.end_bar(address, *op);
                }
                let list: Vec<String> = running.iter().map(|(a, op)| format!("{a} ({})", op.verb())).collect();
                p.warn(&format!(
                    "interrupted again: no longer waiting for {}. AWS goes on with them; the next run adopts what they made",
                    if list.is_empty() { "anything".to_string() } else { list.join(", ") }
                ));
            }
            Event::Warning(m) => p.warn(&m),
            Event::ProvisionerOutput { address, line } => p.progress(&format!("{address} (local-exec): {line}")),
        }
    }
}
