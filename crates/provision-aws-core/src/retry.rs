//! Retry policies, kept apart from the operations they wrap: AWS's eventual consistency (an object
//! just created may be "not found" for a while) and its ordering traps (an object still in use by
//! something that is going away), and IAM's propagation delay (a role just created cannot be
//! assumed yet). Throttling and 5xx are retried by the SDK itself.

use provision_core::{ProviderError, ProviderErrorKind};
use std::future::Future;
use std::time::{Duration, Instant};

/// Which errors a policy retries.
#[derive(Debug, Clone, Copy)]
pub enum RetryOn {
    /// Every error of this kind.
    Kind(ProviderErrorKind),
    /// Every error the predicate accepts: it sees the kind, the AWS code and the message.
    When(fn(&ProviderError) -> bool),
}

impl RetryOn {
    pub fn matches(&self, e: &ProviderError) -> bool {
        match self {
            RetryOn::Kind(kind) => e.kind == *kind,
            RetryOn::When(predicate) => predicate(e),
        }
    }
}

/// How long and how to retry which errors.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub retry_on: RetryOn,
    pub timeout: Duration,
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl Policy {
    /// A new object may not be visible yet.
    pub const NEW_OBJECT: Policy = Policy {
        retry_on: RetryOn::Kind(ProviderErrorKind::NotFound),
        timeout: Duration::from_secs(120),
        first_delay: Duration::from_millis(250),
        max_delay: Duration::from_secs(5),
    };

    /// An object is still in use (`DependencyViolation`) by something being removed.
    pub const fn in_use(timeout: Duration) -> Policy {
        Policy {
            retry_on: RetryOn::Kind(ProviderErrorKind::Conflict),
            timeout,
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(15),
        }
    }

    /// A role or policy just created or changed is not usable everywhere yet (IAM is eventually
    /// consistent; a service that must assume the role says so): two minutes, as Terraform waits.
    pub const IAM_PROPAGATION: Policy = Policy::when(iam_propagation, Duration::from_secs(120));

    /// Retries what `predicate` accepts, for up to `timeout`.
    pub const fn when(predicate: fn(&ProviderError) -> bool, timeout: Duration) -> Policy {
        Policy {
            retry_on: RetryOn::When(predicate),
            timeout,
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(10),
        }
    }
}

/// True for the errors services return while a new IAM role cannot be assumed yet: Lambda's
/// "The role defined for the function cannot be assumed by Lambda", ECS's and others' "... is not
/// authorized to perform: sts:AssumeRole" or "unable to assume the role".
pub fn iam_propagation(e: &ProviderError) -> bool {
    let m = e.message.to_ascii_lowercase();
    m.contains("cannot be assumed")
        || m.contains("unable to assume the role")
        || (m.contains("not authorized to perform") && m.contains("sts:assumerole"))
}

/// Runs `op` until it succeeds, fails with another kind of error, or the policy's time runs out.
/// When it runs out, `explain` is asked what is in the way, and the answer goes into the error.
pub async fn retry<T, F, Fut, X, XFut>(policy: Policy, mut op: F, explain: X) -> Result<T, ProviderError>
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
            Err(e) if policy.retry_on.matches(&e) && Instant::now() + delay < deadline => {
                tracing::debug!(error = %e.message, ?delay, "retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(policy.max_delay);
            }
            Err(mut e) => {
                if policy.retry_on.matches(&e) {
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
pub fn gone_is_ok(r: Result<(), ProviderError>) -> Result<(), ProviderError> {
    match r {
        Err(e) if e.is_not_found() => Ok(()),
        other => other,
    }
}

/// No explanation available.
pub async fn nothing() -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn short() -> Policy {
        Policy {
            retry_on: RetryOn::Kind(ProviderErrorKind::Conflict),
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

    #[tokio::test]
    async fn a_predicate_sees_the_code_and_the_message() {
        let not_yet = || {
            ProviderError::new(
                ProviderErrorKind::Invalid,
                "CreateFunction: The role defined for the function cannot be assumed by Lambda. (InvalidParameterValueException)",
            )
            .with_code("InvalidParameterValueException")
        };
        let policy = Policy { retry_on: RetryOn::When(iam_propagation), ..short() };
        let mut calls = 0;
        let r = retry(
            policy,
            || {
                calls += 1;
                let done = calls >= 3;
                async move { if done { Ok(calls) } else { Err(not_yet()) } }
            },
            nothing,
        )
        .await;
        assert_eq!(r.ok(), Some(3));

        // The same code with another message is not retried.
        let mut calls = 0;
        let r: Result<(), _> = retry(
            policy,
            || {
                calls += 1;
                async {
                    Err(ProviderError::new(ProviderErrorKind::Invalid, "bad runtime")
                        .with_code("InvalidParameterValueException"))
                }
            },
            nothing,
        )
        .await;
        assert_eq!((r.is_err(), calls), (true, 1));

        // Still failing when time runs out: a timeout, saying so.
        let e = retry(policy, || async { Err::<(), _>(not_yet()) }, nothing).await.expect_err("times out");
        assert_eq!(e.kind, ProviderErrorKind::Timeout);
    }

    #[test]
    fn iam_propagation_messages() {
        let e = |m: &str| ProviderError::new(ProviderErrorKind::Invalid, m);
        assert!(iam_propagation(&e("The role defined for the function cannot be assumed by Lambda.")));
        assert!(iam_propagation(&e(
            "User: arn:aws:sts::1:assumed-role/x is not authorized to perform: sts:AssumeRole on resource: y"
        )));
        assert!(iam_propagation(&e("ECS was unable to assume the role 'arn:aws:iam::1:role/r'")));
        assert!(!iam_propagation(&e("not authorized to perform: ec2:CreateVpc")));
        assert_eq!(Policy::IAM_PROPAGATION.timeout, Duration::from_secs(120));
    }
}
