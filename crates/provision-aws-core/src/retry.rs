//! Retry policies, kept apart from the operations they wrap: AWS's eventual consistency (an object
//! just created may be "not found" for a while) and its ordering traps (an object still in use by
//! something that is going away). Throttling and 5xx are retried by the SDK itself.

use provision_core::{ProviderError, ProviderErrorKind};
use std::future::Future;
use std::time::{Duration, Instant};

/// How long and how to retry one kind of error.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Policy {
    pub retry_on: ProviderErrorKind,
    pub timeout: Duration,
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl Policy {
    /// A new object may not be visible yet.
    pub const NEW_OBJECT: Policy = Policy {
        retry_on: ProviderErrorKind::NotFound,
        timeout: Duration::from_secs(120),
        first_delay: Duration::from_millis(250),
        max_delay: Duration::from_secs(5),
    };

    /// An object is still in use (`DependencyViolation`) by something being removed.
    pub const fn in_use(timeout: Duration) -> Policy {
        Policy {
            retry_on: ProviderErrorKind::Conflict,
            timeout,
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(15),
        }
    }
}

/// Runs `op` until it succeeds, fails with another kind of error, or the policy's time runs out.
/// When it runs out, `explain` is asked what is in the way, and the answer goes into the error.
pub(crate) async fn retry<T, F, Fut, X, XFut>(policy: Policy, mut op: F, explain: X) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ProviderError>>,
    X: FnOnce() -> XFut,
    XFut: Future<Output = Option<String>>,
{
    let deadline = Instant::now() + policy.timeout;
    let mut delay = policy.first_delay;
    loop {
        match op().await {
            Ok(v) => return Ok(v),
            Err(e) if e.kind == policy.retry_on && Instant::now() + delay < deadline => {
                tracing::debug!(error = %e.message, ?delay, "retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(policy.max_delay);
            }
            Err(mut e) => {
                if e.kind == policy.retry_on {
                    let waited = policy.timeout.as_secs();
                    e.message = match explain().await {
                        Some(what) => format!("{} — still failing after {waited}s; in the way: {what}", e.message),
                        None => format!("{} — still failing after {waited}s", e.message),
                    };
                    e.kind = ProviderErrorKind::Timeout;
                }
                return Err(e);
            }
        }
    }
}

/// For deletes: an object that is already gone counts as deleted.
pub(crate) fn gone_is_ok(r: Result<(), ProviderError>) -> Result<(), ProviderError> {
    match r {
        Err(e) if e.is_not_found() => Ok(()),
        other => other,
    }
}

/// No explanation available.
pub(crate) async fn nothing() -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn short() -> Policy {
        Policy {
            retry_on: ProviderErrorKind::Conflict,
            timeout: Duration::from_millis(60),
            first_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
        }
    }

    fn in_use() -> ProviderError {
        ProviderError::new(ProviderErrorKind::Conflict, "DeleteSubnet: has dependencies (DependencyViolation)")
    }

    #[tokio::test]
    async fn retries_until_the_way_is_clear() {
        let mut calls = 0;
        let r = retry(
            short(),
            || {
                calls += 1;
                let done = calls >= 3;
                async move { if done { Ok(calls) } else { Err(in_use()) } }
            },
            nothing,
        )
        .await;
        assert_eq!(r.ok(), Some(3));
    }

    #[tokio::test]
    async fn says_what_is_in_the_way_when_time_runs_out() {
        let r: Result<(), _> = retry(
            short(),
            || async { Err(in_use()) },
            || async { Some("network interface eni-1 (ELB app/web)".to_string()) },
        )
        .await;
        let e = r.expect_err("times out");
        assert_eq!(e.kind, ProviderErrorKind::Timeout);
        assert!(e.message.contains("in the way: network interface eni-1 (ELB app/web)"), "{}", e.message);
    }

    #[tokio::test]
    async fn other_errors_are_not_retried() {
        let mut calls = 0;
        let r: Result<(), _> = retry(
            short(),
            || {
                calls += 1;
                async { Err(ProviderError::new(ProviderErrorKind::Invalid, "bad")) }
            },
            nothing,
        )
        .await;
        assert_eq!((r.is_err(), calls), (true, 1));
    }
}
