//! One waiter for every "poll until it is in status X (or gone)": a NAT gateway becoming
//! `available`, a table becoming `ACTIVE`, a distribution `Deployed`. With a deadline and a backoff,
//! and, when time runs out, the status it saw last and for how long, so the error says what AWS is
//! doing rather than only that it took too long.

use provision_core::{OpContext, ProviderError, ProviderErrorKind, StatusSink};
use std::future::Future;
use std::time::{Duration, Instant};

/// What one poll saw.
#[derive(Debug)]
pub enum Status<T> {
    /// In the status waited for: done.
    Ready(T),
    /// Not there: done when waiting for it to go ([`Wait::gone_is_done`]), otherwise not visible
    /// yet (the last status seen is kept).
    Gone,
    /// Still in this status.
    Pending(String),
}

/// What to wait for and how.
#[derive(Clone)]
pub struct Wait {
    /// What is waited for, for messages: `NAT gateway nat-0abc`.
    pub what: String,
    /// The status waited for, for messages: `available`, `deleted`, `ACTIVE`.
    pub want: String,
    /// Whether [`Status::Gone`] ends the wait (waiting for a delete).
    pub gone_is_done: bool,
    pub timeout: Duration,
    pub first_delay: Duration,
    pub max_delay: Duration,
    /// Told each new status, for live progress (an operation's [`OpContext::status`]).
    pub status: Option<StatusSink>,
}

impl std::fmt::Debug for Wait {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wait")
            .field("what", &self.what)
            .field("want", &self.want)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Wait {
    /// Waits for `what` to reach `want` within `timeout`, polling after 0.5 s, then doubling up to
    /// every 10 s.
    pub fn new(what: impl Into<String>, want: impl Into<String>, timeout: Duration) -> Wait {
        Wait {
            what: what.into(),
            want: want.into(),
            gone_is_done: false,
            timeout,
            first_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(10),
            status: None,
        }
    }

    /// Waits within an operation: until its deadline (at most `cap`), telling it each new status.
    pub fn within(what: impl Into<String>, want: impl Into<String>, op: &OpContext, cap: Duration) -> Wait {
        let op = op.clone();
        let mut w = Wait::new(what, want, op.remaining().min(cap));
        w.status = Some(std::sync::Arc::new(move |s: String| op.status(s)));
        w
    }

    /// Waits for the object to go: [`Status::Gone`] ends the wait.
    pub fn until_gone(mut self) -> Wait {
        self.gone_is_done = true;
        self
    }

    /// Polls after `first`, then doubling up to every `max`.
    pub fn polling(mut self, first: Duration, max: Duration) -> Wait {
        self.first_delay = first;
        self.max_delay = max;
        self
    }
}

/// The time ran out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimedOut {
    pub what: String,
    pub want: String,
    pub timeout: Duration,
    /// The status seen last (`not visible yet` if never seen).
    pub last: String,
    /// How long it had been in that status.
    pub since: Duration,
}

/// `10 minutes`, `90s`.
fn span(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 && s.is_multiple_of(60) {
        format!("{} minute{}", s / 60, if s == 60 { "" } else { "s" })
    } else {
        format!("{s}s")
    }
}

impl std::fmt::Display for TimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} did not become {} within {} (last state: {}, for {}s)",
            self.what,
            self.want,
            span(self.timeout),
            self.last,
            self.since.as_secs()
        )
    }
}

impl TimedOut {
    /// As a provider error of kind `Timeout`. (A method, not a `From` impl: one more `From` for
    /// `ProviderError` would make every untyped `?` on it ambiguous.)
    pub fn provider_error(self) -> ProviderError {
        ProviderError::new(ProviderErrorKind::Timeout, self.to_string())
    }
}

/// Calls `poll` until it reports [`Status::Ready`] (`Some`) or, with
/// [`gone_is_done`](Wait::gone_is_done), [`Status::Gone`] (`None`). An error from `poll` ends the
/// wait with that error; running out of time ends it with `timed_out(...)`.
pub async fn until<T, E, F, Fut>(
    wait: &Wait,
    mut poll: F,
    timed_out: impl FnOnce(TimedOut) -> E,
) -> Result<Option<T>, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Status<T>, E>>,
{
    let start = Instant::now();
    let deadline = start + wait.timeout;
    let mut delay = wait.first_delay;
    let mut last = String::from("not visible yet");
    let mut last_since = start;
    loop {
        match crate::context::waiting(poll()).await? {
            Status::Ready(v) => return Ok(Some(v)),
            Status::Gone if wait.gone_is_done => return Ok(None),
            Status::Gone => {}
            Status::Pending(status) => {
                if status != last {
                    if let Some(sink) = &wait.status {
                        sink(status.clone());
                    }
                    last = status;
                    last_since = Instant::now();
                }
            }
        }
        if Instant::now() + delay > deadline {
            return Err(timed_out(TimedOut {
                what: wait.what.clone(),
                want: wait.want.clone(),
                timeout: wait.timeout,
                last,
                since: last_since.elapsed(),
            }));
        }
        tracing::debug!(what = %wait.what, state = %last, ?delay, "waiting for {}", wait.want);
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(wait.max_delay);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quick(want: &str) -> Wait {
        Wait::new("gateway g-1", want, Duration::from_millis(80))
            .polling(Duration::from_millis(5), Duration::from_millis(10))
    }

    #[tokio::test]
    async fn polls_until_ready() {
        let mut seen = vec!["pending", "pending"].into_iter();
        let r: Result<_, ProviderError> = until(
            &quick("available"),
            || {
                let s = seen.next();
                async move { Ok(s.map_or(Status::Ready(7), |s| Status::Pending(s.into()))) }
            },
            TimedOut::provider_error,
        )
        .await;
        assert_eq!(r.ok(), Some(Some(7)));
    }

    #[tokio::test]
    async fn gone_ends_a_wait_for_a_delete_only() {
        let r: Result<Option<()>, ProviderError> =
            until(&quick("deleted").until_gone(), || async { Ok(Status::Gone) }, TimedOut::provider_error).await;
        assert_eq!(r.ok(), Some(None));
        let e = until::<(), _, _, _>(&quick("available"), || async { Ok(Status::Gone) }, TimedOut::provider_error)
            .await
            .expect_err("never visible");
        assert!(e.message.contains("last state: not visible yet"), "{}", e.message);
    }

    #[tokio::test]
    async fn says_what_it_saw_last_and_for_how_long() {
        let mut n = 0;
        let e = until::<(), _, _, _>(
            &quick("available"),
            || {
                n += 1;
                let s = if n < 3 { "pending" } else { "stuck" };
                async move { Ok(Status::Pending(s.into())) }
            },
            TimedOut::provider_error,
        )
        .await
        .expect_err("times out");
        assert_eq!(e.kind, ProviderErrorKind::Timeout);
        assert!(
            e.message.starts_with("gateway g-1 did not become available within 0s (last state: stuck, for "),
            "{}",
            e.message
        );
    }

    #[tokio::test]
    async fn errors_end_the_wait() {
        let e = until::<(), _, _, _>(&quick("available"), || async { Err("failed") }, |_| "timed out").await;
        assert_eq!(e.err(), Some("failed"));
    }

    #[test]
    fn spans() {
        assert_eq!(span(Duration::from_secs(600)), "10 minutes");
        assert_eq!(span(Duration::from_secs(60)), "1 minute");
        assert_eq!(span(Duration::from_secs(90)), "90s");
    }
}
