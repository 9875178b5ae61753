//! Long operations: each provider call runs under its deadline, says what it waits for, and sends
//! a heartbeat while it runs, so a 20-minute database create is visible, bounded and explainable.
//!
//! Deliberately absent: any retry (the provider's), and any waiting past the deadline. A passed
//! deadline drops the provider's future; what it made is found again by the journal.

use crate::{Event, Op, Reporter};
use provision_core::{Address, Identity, OpContext, ProviderError, ProviderErrorKind};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The last status an operation reported, and since when it has held.
#[derive(Debug, Default)]
struct LastStatus {
    status: Option<String>,
    since: Option<Instant>,
}

/// Watches one running operation: builds its [`OpContext`] and supervises its future.
pub(crate) struct Watch {
    address: Address,
    op: Op,
    reporter: Arc<dyn Reporter>,
    heartbeat: Duration,
    timeout: Duration,
    last: Arc<Mutex<LastStatus>>,
}

impl Watch {
    pub(crate) fn new(
        address: Address,
        op: Op,
        reporter: Arc<dyn Reporter>,
        heartbeat: Duration,
        timeout: Duration,
    ) -> Self {
        Watch { address, op, reporter, heartbeat, timeout, last: Arc::default() }
    }

    /// The context to hand the provider: its status reports reach the reporter and the watch.
    pub(crate) fn context(&self, identity: Identity, token: String) -> OpContext {
        let (last, reporter, address, op) = (self.last.clone(), self.reporter.clone(), self.address.clone(), self.op);
        OpContext::new(identity, token, self.timeout).with_status(Arc::new(move |status: String| {
            {
                let mut l = last.lock().unwrap_or_else(|p| p.into_inner());
                if l.status.as_deref() != Some(status.as_str()) {
                    l.status = Some(status.clone());
                    l.since = Some(Instant::now());
                } else {
                    return;
                }
            }
            reporter.report(Event::OpStatus { address: address.clone(), op, status });
        }))
    }

    /// Runs `work` until it finishes or `deadline` passes, reporting a heartbeat every period.
    pub(crate) async fn run<T>(
        self,
        deadline: Instant,
        work: impl Future<Output = Result<T, ProviderError>>,
    ) -> Result<T, ProviderError> {
        let started = Instant::now();
        let beats = async {
            if self.heartbeat.is_zero() {
                return std::future::pending::<()>().await;
            }
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + self.heartbeat, self.heartbeat);
            loop {
                tick.tick().await;
                let status = self.last.lock().unwrap_or_else(|p| p.into_inner()).status.clone();
                self.reporter.report(Event::OpStillRunning {
                    address: self.address.clone(),
                    op: self.op,
                    elapsed: started.elapsed(),
                    status,
                });
            }
        };
        tokio::select! {
            r = tokio::time::timeout_at(tokio::time::Instant::from_std(deadline), work) => match r {
                Ok(r) => r,
                Err(_) => Err(self.timed_out(started.elapsed())),
            },
            () = beats => unreachable!("the heartbeat loop never ends"),
        }
    }

    fn timed_out(&self, elapsed: Duration) -> ProviderError {
        let last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        let status = match (&last.status, last.since) {
            (Some(s), Some(since)) => format!("; it was last {s} (for {})", human(since.elapsed())),
            _ => String::new(),
        };
        let kind = match self.op {
            Op::Create => "create",
            Op::Update => "update",
            Op::Delete => "delete",
            Op::Read => "read",
        };
        ProviderError::new(
            ProviderErrorKind::Timeout,
            format!(
                "{} did not finish within its {kind} timeout of {} (stopped waiting after {}){status}; the object stays tracked. Raise it with timeouts {{ {kind} = \"...\" }} if AWS is just slow",
                self.address,
                human(self.timeout),
                human(elapsed)
            ),
        )
    }
}

/// `1m52s`, `40m`, `3s`, `0s`, `250ms`, as Terraform prints elapsed times.
pub fn human(d: Duration) -> String {
    let secs = d.as_secs();
    if secs == 0 {
        return if d.is_zero() { "0s".into() } else { format!("{}ms", d.as_millis()) };
    }
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 || out.is_empty() {
        out.push_str(&format!("{s}s"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::human;
    use std::time::Duration;

    #[test]
    fn durations_read_like_terraform() {
        assert_eq!(human(Duration::from_secs(112)), "1m52s");
        assert_eq!(human(Duration::from_secs(2400)), "40m");
        assert_eq!(human(Duration::from_secs(3661)), "1h1m1s");
        assert_eq!(human(Duration::from_millis(250)), "250ms");
        assert_eq!(human(Duration::ZERO), "0s");
    }
}
