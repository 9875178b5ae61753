//! Leases: locks that cannot stay stuck. The holder renews its lock record while it runs; a
//! record nobody renewed for a whole lease may be taken over. The same logic drives every remote
//! lock (a DynamoDB item, an S3 lock object) through [`LeaseStore`], which only has to offer
//! create-if-absent, read, compare-and-swap and compare-and-delete.
//!
//! Why two live processes never both hold a lease: the holder counts itself valid only until two
//! thirds of a lease after it *sent* its last successful renewal, and stops writing state after
//! that (see [`LeaseGuard::check`]). A taker takes over only after it has seen the very same
//! record (the same token) for a whole lease on its own clock, so no renewal landed in that
//! window; the holder's validity therefore ended a third of a lease before the takeover. No wall
//! clocks are compared, so clock skew between machines does not matter; only clock *rates* do.
//!
//! A release never cuts a renewal short: a request already sent lands whether or not anyone waits
//! for its answer, and would leave the record under a token the release does not know. Renewals
//! and the release therefore take turns, and the release deletes with the current token.

use crate::lock::LockInfo;
use crate::{StateError, secs};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What a lock record holds: Terraform's lock info plus the lease.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseRecord {
    #[serde(flatten)]
    pub info: LockInfo,
    /// How long the holder may stay silent before the lock may be taken over, in milliseconds.
    #[serde(rename = "LeaseMillis")]
    pub lease_ms: u64,
    /// When the holder last renewed (its own clock, for people reading the record).
    #[serde(rename = "Renewed")]
    pub renewed: String,
    /// Bumped on every renewal.
    #[serde(rename = "Beat")]
    pub beat: u64,
}

impl LeaseRecord {
    pub fn lease(&self) -> Duration {
        Duration::from_millis(self.lease_ms)
    }
}

/// A place that keeps one lock record, with conditional writes. A token identifies one version
/// of the record (an S3 ETag, a DynamoDB heartbeat value).
#[async_trait]
pub trait LeaseStore: Send + Sync {
    /// Where the record is, for messages (`DynamoDB table locks, item bucket/key`).
    fn describe(&self) -> String;
    /// Writes the record if there is none; the new token, or `None` when one exists.
    async fn create(&self, record: &LeaseRecord) -> Result<Option<String>, StateError>;
    /// The record and its token, if there is one.
    async fn read(&self) -> Result<Option<(LeaseRecord, String)>, StateError>;
    /// Replaces the record if its token is still `expected`; the new token, or `None` when it
    /// changed (or is gone).
    async fn replace(&self, expected: &str, record: &LeaseRecord) -> Result<Option<String>, StateError>;
    /// Deletes the record if its token is still `expected`; false when it changed.
    async fn delete(&self, expected: &str) -> Result<bool, StateError>;
}

/// Leases this process holds, so an interrupt can release them before exiting.
static HELD: Mutex<Vec<Arc<Active>>> = Mutex::new(Vec::new());

fn unregister(id: &str) {
    HELD.lock().unwrap_or_else(|p| p.into_inner()).retain(|a| a.id != id);
}

/// Releases every lease this process holds (for an interrupt that exits without unwinding).
pub async fn release_held() {
    let held = std::mem::take(&mut *HELD.lock().unwrap_or_else(|p| p.into_inner()));
    for active in held {
        let _ = active.release().await;
    }
}

/// A held lease; renewed in the background until released.
pub struct LeaseGuard {
    pub record: LeaseRecord,
    /// The holder this lease was taken over from, if it was.
    pub took_over_from: Option<LockInfo>,
    active: Arc<Active>,
    renewer: Option<tokio::task::JoinHandle<()>>,
    /// Released already (or, in tests, abandoned): dropping the guard does nothing more.
    released: bool,
}

/// One held lease, shared by its guard, its renewer and the interrupt handler.
struct Active {
    /// The lock ID, which only this run writes into a record.
    id: String,
    stores: Vec<Arc<dyn LeaseStore>>,
    shared: Mutex<Shared>,
    /// Taken for each whole round of renewals, and to release: a release never overlaps a
    /// renewal in flight (whose new token it would not know yet), and no renewal starts after
    /// it. True once released.
    turn: tokio::sync::Mutex<bool>,
}

struct Shared {
    tokens: Vec<String>,
    /// When the last successful renewal of every store was sent.
    valid_from: Instant,
    lost: Option<String>,
}

impl Active {
    /// Deletes the records (if they are still ours), once: after any renewal in flight has
    /// landed, with the tokens it produced. Every store is tried; the first failure is returned.
    async fn release(&self) -> Result<(), StateError> {
        let mut released = self.turn.lock().await;
        if *released {
            return Ok(());
        }
        *released = true;
        let tokens = self.shared.lock().unwrap_or_else(|p| p.into_inner()).tokens.clone();
        let mut first_error = None;
        for (store, token) in self.stores.iter().zip(tokens).rev() {
            if let Err(e) = delete_ours(store.as_ref(), &token, &self.id).await {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

/// Deletes the record `token` names; if it changed, deletes it anyway when it still carries our
/// lock ID (a renewal whose answer was lost, a timeout for instance, may still have landed).
/// A record with another ID belongs to whoever took the lock over, and is left alone.
async fn delete_ours(store: &dyn LeaseStore, token: &str, id: &str) -> Result<(), StateError> {
    if store.delete(token).await? {
        return Ok(());
    }
    match store.read().await? {
        Some((record, current)) if record.info.id == id => {
            if !store.delete(&current).await? {
                tracing::warn!(lock = %store.describe(), "the lock record changed while it was being released");
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

impl std::fmt::Debug for LeaseGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeaseGuard").field("record", &self.record).finish_non_exhaustive()
    }
}

impl LeaseGuard {
    /// Ok while the lease is certainly still ours; otherwise why not. State writes check this.
    pub fn check(&self) -> Result<(), String> {
        let s = self.active.shared.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(why) = &s.lost {
            return Err(why.clone());
        }
        let lease = self.record.lease();
        if s.valid_from.elapsed() >= lease * 2 / 3 {
            return Err(format!(
                "the lock could not be renewed for {} (its lease is {}), so another run may take it over",
                secs(&s.valid_from.elapsed()),
                secs(&lease)
            ));
        }
        Ok(())
    }

    /// Stops renewing and deletes the records (if they are still ours). A renewal already sent
    /// is waited for, so the delete uses the token it produced.
    pub async fn release(mut self) -> Result<(), StateError> {
        unregister(&self.active.id);
        self.released = true;
        let result = self.active.release().await;
        // Now between rounds (or waiting for its turn, to find the lease released): safe to stop.
        if let Some(r) = self.renewer.take() {
            r.abort();
        }
        result
    }
}

impl Drop for LeaseGuard {
    fn drop(&mut self) {
        unregister(&self.active.id);
        let renewer = self.renewer.take();
        if self.released {
            if let Some(r) = renewer {
                r.abort();
            }
            return;
        }
        // Not released explicitly (an error path): release in the background if the runtime
        // lives on; otherwise the lease runs out.
        let active = self.active.clone();
        let release = async move {
            let _ = active.release().await;
            if let Some(r) = renewer {
                r.abort();
            }
        };
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread {
                // Wait for it: the process may be about to exit.
                tokio::task::block_in_place(|| handle.block_on(release));
            } else {
                handle.spawn(release);
            }
        }
    }
}

fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

/// How a held lock is reported when it cannot be taken.
fn locked(store: &dyn LeaseStore, holder: &LeaseRecord, silent: Duration) -> StateError {
    StateError::LeaseHeld {
        holder: Box::new(holder.info.clone()),
        location: store.describe(),
        renewed: holder.renewed.clone(),
        silent,
        lease: holder.lease(),
    }
}

/// A store whose lock this run holds while it takes the others.
struct Held {
    store: Arc<dyn LeaseStore>,
    token: String,
    /// When the request that produced `token` was sent.
    sent: Instant,
}

/// Renews the locks already held that are due (a third of a lease old), so that waiting for the
/// next store never lets them lapse.
async fn keep_alive(held: &mut [Held], record: &mut LeaseRecord) -> Result<(), StateError> {
    for h in held.iter_mut() {
        if h.sent.elapsed() < record.lease() / 3 {
            continue;
        }
        record.beat += 1;
        record.renewed = now_rfc3339();
        let sent = Instant::now();
        match h.store.replace(&h.token, record).await? {
            Some(token) => {
                h.token = token;
                h.sent = sent;
            }
            None => {
                return Err(StateError::Remote(format!(
                    "the lock in {} was taken over while this run waited for the others",
                    h.store.describe()
                )));
            }
        }
    }
    Ok(())
}

/// Takes the lock in one store: creates the record, or waits (up to `timeout`) for the holder to
/// release it or to stay silent for a whole lease, then takes it over. Keeps the locks in `held`
/// alive meanwhile. Returns the lock and the holder taken over from.
async fn take(
    store: &Arc<dyn LeaseStore>,
    record: &mut LeaseRecord,
    timeout: Duration,
    held: &mut [Held],
) -> Result<(Held, Option<LockInfo>), StateError> {
    let start = Instant::now();
    let mut seen: Option<(String, Instant)> = None;
    let mut delay = Duration::from_millis(50);
    loop {
        keep_alive(held, record).await?;
        let sent = Instant::now();
        if let Some(token) = store.create(record).await? {
            return Ok((Held { store: store.clone(), token, sent }, None));
        }
        let Some((holder, token)) = store.read().await? else { continue };
        let since = match &seen {
            Some((t, at)) if *t == token => *at,
            _ => {
                seen = Some((token.clone(), Instant::now()));
                Instant::now()
            }
        };
        let silent = since.elapsed();
        // Only silence counts: a remote lock's holder may run anywhere, so its pid says nothing.
        if silent >= holder.lease() {
            record.renewed = now_rfc3339();
            let sent = Instant::now();
            if let Some(new) = store.replace(&token, record).await? {
                tracing::info!(holder = %holder.info.who, id = %holder.info.id, "took over a lock nobody renewed");
                return Ok((Held { store: store.clone(), token: new, sent }, Some(holder.info)));
            }
            seen = None;
            continue;
        }
        if start.elapsed() >= timeout {
            return Err(locked(store.as_ref(), &holder, silent));
        }
        tracing::info!(holder = %holder.info.who, "state is locked; waiting");
        let left = timeout.saturating_sub(start.elapsed());
        let until_takeover = holder.lease().saturating_sub(silent) + Duration::from_millis(10);
        tokio::time::sleep(delay.min(left).min(until_takeover).max(Duration::from_millis(10))).await;
        delay = (delay * 2).min(Duration::from_secs(1)).min(holder.lease() / 4);
    }
}

/// Takes the lock in every store (in order; all or none), and starts renewing it.
pub async fn acquire(
    stores: Vec<Arc<dyn LeaseStore>>,
    info: LockInfo,
    lease: Duration,
    timeout: Duration,
) -> Result<LeaseGuard, StateError> {
    let mut record = LeaseRecord { info, lease_ms: lease.as_millis().max(1) as u64, renewed: now_rfc3339(), beat: 0 };
    let mut held: Vec<Held> = vec![];
    let mut took_over_from = None;
    for store in &stores {
        match take(store, &mut record, timeout, &mut held).await {
            Ok((h, from)) => {
                held.push(h);
                took_over_from = took_over_from.or(from);
            }
            Err(e) => {
                for h in &held {
                    let _ = h.store.delete(&h.token).await;
                }
                return Err(e);
            }
        }
    }
    let valid_from = held.iter().map(|h| h.sent).min().unwrap_or_else(Instant::now);
    let tokens = held.into_iter().map(|h| h.token).collect();
    let active = Arc::new(Active {
        id: record.info.id.clone(),
        stores,
        shared: Mutex::new(Shared { tokens, valid_from, lost: None }),
        turn: tokio::sync::Mutex::new(false),
    });
    let renewer = tokio::spawn(renew(active.clone(), record.clone()));
    HELD.lock().unwrap_or_else(|p| p.into_inner()).push(active.clone());
    Ok(LeaseGuard { record, took_over_from, active, renewer: Some(renewer), released: false })
}

/// Renews every store every third of a lease, until the lease is released or lost. Each round
/// holds the turn, so a release waits for a round in flight instead of cutting it short.
async fn renew(active: Arc<Active>, mut record: LeaseRecord) {
    let every = record.lease() / 3;
    loop {
        tokio::time::sleep(every).await;
        let released = active.turn.lock().await;
        if *released {
            return;
        }
        let sent = Instant::now();
        record.beat += 1;
        record.renewed = now_rfc3339();
        let mut all = true;
        for (i, store) in active.stores.iter().enumerate() {
            let token = active.shared.lock().unwrap_or_else(|p| p.into_inner()).tokens[i].clone();
            match store.replace(&token, &record).await {
                Ok(Some(new)) => active.shared.lock().unwrap_or_else(|p| p.into_inner()).tokens[i] = new,
                Ok(None) => {
                    let why = format!("the lock in {} was taken over by another run", store.describe());
                    tracing::error!("{why}");
                    active.shared.lock().unwrap_or_else(|p| p.into_inner()).lost = Some(why);
                    return;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "renewing the lock failed; retrying");
                    all = false;
                }
            }
        }
        if all {
            active.shared.lock().unwrap_or_else(|p| p.into_inner()).valid_from = sent;
        }
        drop(released);
    }
}

/// Removes the lock `id` from a store (`state force-unlock`). Returns the holder removed.
pub async fn force_unlock(store: &dyn LeaseStore, id: &str) -> Result<Option<LockInfo>, StateError> {
    let Some((holder, token)) = store.read().await? else { return Ok(None) };
    if holder.info.id != id {
        return Err(StateError::WrongLockId {
            holder: Box::new(holder.info),
            given: id.to_string(),
            path: store.describe().into(),
        });
    }
    store.delete(&token).await?;
    Ok(Some(holder.info))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// A lock record in memory, with a version counter as the token.
    #[derive(Default)]
    struct Memory {
        cell: Mutex<Option<(LeaseRecord, u64)>>,
        version: Mutex<u64>,
    }

    impl Memory {
        fn next(&self) -> u64 {
            let mut v = self.version.lock().unwrap_or_else(|p| p.into_inner());
            *v += 1;
            *v
        }
    }

    #[async_trait]
    impl LeaseStore for Memory {
        fn describe(&self) -> String {
            "memory".into()
        }
        async fn create(&self, record: &LeaseRecord) -> Result<Option<String>, StateError> {
            let v = self.next();
            let mut c = self.cell.lock().unwrap_or_else(|p| p.into_inner());
            if c.is_some() {
                return Ok(None);
            }
            *c = Some((record.clone(), v));
            Ok(Some(v.to_string()))
        }
        async fn read(&self) -> Result<Option<(LeaseRecord, String)>, StateError> {
            Ok(self.cell.lock().unwrap_or_else(|p| p.into_inner()).as_ref().map(|(r, v)| (r.clone(), v.to_string())))
        }
        async fn replace(&self, expected: &str, record: &LeaseRecord) -> Result<Option<String>, StateError> {
            let v = self.next();
            let mut c = self.cell.lock().unwrap_or_else(|p| p.into_inner());
            match c.as_ref() {
                Some((_, cur)) if cur.to_string() == expected => {
                    *c = Some((record.clone(), v));
                    Ok(Some(v.to_string()))
                }
                _ => Ok(None),
            }
        }
        async fn delete(&self, expected: &str) -> Result<bool, StateError> {
            let mut c = self.cell.lock().unwrap_or_else(|p| p.into_inner());
            match c.as_ref() {
                Some((_, cur)) if cur.to_string() == expected => {
                    *c = None;
                    Ok(true)
                }
                _ => Ok(false),
            }
        }
    }

    /// A store whose writes land `latency` after they are sent, in the order they were sent,
    /// whatever the sender does meanwhile (as requests already on the wire do), and that says
    /// when a renewal is sent.
    struct Slow {
        inner: Arc<Memory>,
        latency: Duration,
        renewing: tokio::sync::Notify,
        sent: std::sync::atomic::AtomicU64,
        landed: Arc<tokio::sync::watch::Sender<u64>>,
    }

    impl Slow {
        fn new(inner: Arc<Memory>, latency: Duration) -> Slow {
            Slow {
                inner,
                latency,
                renewing: tokio::sync::Notify::new(),
                sent: Default::default(),
                landed: Arc::new(tokio::sync::watch::channel(0).0),
            }
        }

        /// Sends one write; it lands `latency` later, after every write sent before it, even if
        /// the caller stops waiting for the answer.
        async fn send<T, F, Fut>(&self, write: F) -> T
        where
            T: Send + 'static,
            F: FnOnce(Arc<Memory>) -> Fut + Send + 'static,
            Fut: std::future::Future<Output = T> + Send,
        {
            let n = self.sent.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let (inner, latency, landed) = (self.inner.clone(), self.latency, self.landed.clone());
            let mut turn = landed.subscribe();
            tokio::spawn(async move {
                tokio::time::sleep(latency).await;
                let _ = turn.wait_for(|v| *v == n).await;
                let out = write(inner).await;
                landed.send_modify(|v| *v += 1);
                out
            })
            .await
            .expect("write task")
        }
    }

    #[async_trait]
    impl LeaseStore for Slow {
        fn describe(&self) -> String {
            "slow memory".into()
        }
        async fn create(&self, record: &LeaseRecord) -> Result<Option<String>, StateError> {
            let record = record.clone();
            self.send(|m| async move { m.create(&record).await }).await
        }
        async fn read(&self) -> Result<Option<(LeaseRecord, String)>, StateError> {
            self.inner.read().await
        }
        async fn replace(&self, expected: &str, record: &LeaseRecord) -> Result<Option<String>, StateError> {
            self.renewing.notify_one();
            let (expected, record) = (expected.to_string(), record.clone());
            self.send(|m| async move { m.replace(&expected, &record).await }).await
        }
        async fn delete(&self, expected: &str) -> Result<bool, StateError> {
            let expected = expected.to_string();
            self.send(|m| async move { m.delete(&expected).await }).await
        }
    }

    fn info(op: &str) -> LockInfo {
        LockInfo::new(op, std::path::Path::new("s3://b/k"))
    }

    #[tokio::test]
    async fn a_live_holder_keeps_its_lock_and_the_second_is_told_who_has_it() {
        let store: Arc<dyn LeaseStore> = Arc::new(Memory::default());
        let lease = Duration::from_millis(300);
        let a = acquire(vec![store.clone()], info("apply"), lease, Duration::ZERO).await.expect("first");
        // Waiting three leases: the holder renews, so it is never taken over.
        let err = acquire(vec![store.clone()], info("plan"), lease, lease * 3).await.expect_err("held");
        assert!(err.to_string().contains(&a.record.info.id), "{err}");
        assert!(a.check().is_ok());
        a.release().await.expect("release");
        let b = acquire(vec![store.clone()], info("plan"), lease, Duration::ZERO).await.expect("free again");
        assert!(b.took_over_from.is_none());
    }

    #[tokio::test]
    async fn a_silent_holder_is_taken_over_after_a_lease_and_never_before() {
        let store = Arc::new(Memory::default());
        let lease = Duration::from_millis(200);
        let mut silent = info("apply");
        silent.id = "dead-one".into();
        let record = LeaseRecord { info: silent, lease_ms: 200, renewed: now_rfc3339(), beat: 0 };
        store.create(&record).await.expect("create");
        let started = Instant::now();
        let b = acquire(vec![store.clone() as Arc<dyn LeaseStore>], info("apply"), lease, Duration::from_secs(5))
            .await
            .expect("taken over");
        assert!(started.elapsed() >= lease, "taken over after {:?}, before the lease ran out", started.elapsed());
        assert_eq!(b.took_over_from.as_ref().map(|i| i.id.as_str()), Some("dead-one"));
    }

    /// Many contenders over many rounds: at no moment do two of them hold a valid lease, even
    /// when holders stall (stop renewing) and are taken over.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn two_live_processes_never_both_hold_it() {
        let store: Arc<dyn LeaseStore> = Arc::new(Memory::default());
        let lease = Duration::from_millis(150);
        let holders: Arc<Mutex<BTreeMap<usize, Instant>>> = Arc::default();
        let mut tasks = vec![];
        for n in 0..6usize {
            let store = store.clone();
            let holders = holders.clone();
            tasks.push(tokio::spawn(async move {
                let mut held = 0;
                for round in 0..6 {
                    let Ok(g) = acquire(vec![store.clone()], info("apply"), lease, Duration::from_secs(3)).await else {
                        continue;
                    };
                    // While we believe we hold it, nobody else may.
                    for _ in 0..5 {
                        if g.check().is_err() {
                            break;
                        }
                        {
                            let mut h = holders.lock().unwrap_or_else(|p| p.into_inner());
                            h.insert(n, Instant::now());
                            let others: Vec<&usize> = h.keys().filter(|k| **k != n).collect();
                            assert!(others.is_empty(), "{n} and {others:?} hold the lock at once");
                        }
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        holders.lock().unwrap_or_else(|p| p.into_inner()).remove(&n);
                    }
                    held += 1;
                    if (n + round) % 3 == 0 {
                        // A stalled holder: stops renewing without releasing; it must notice
                        // before anyone takes over, and stop acting.
                        let mut g = g;
                        if let Some(r) = g.renewer.take() {
                            r.abort();
                        }
                        g.released = true;
                        while g.check().is_ok() {
                            {
                                let mut h = holders.lock().unwrap_or_else(|p| p.into_inner());
                                h.insert(n, Instant::now());
                                let others: Vec<&usize> = h.keys().filter(|k| **k != n).collect();
                                assert!(others.is_empty(), "stalled {n} and {others:?} hold the lock at once");
                            }
                            tokio::time::sleep(Duration::from_millis(5)).await;
                        }
                        holders.lock().unwrap_or_else(|p| p.into_inner()).remove(&n);
                    } else {
                        g.release().await.expect("release");
                    }
                }
                held
            }));
        }
        let mut total = 0;
        for t in tasks {
            total += t.await.expect("no overlap");
        }
        assert!(total > 6, "the lock went round: {total} holds");
    }

    /// A renewal in flight when the run releases its lock still lands (with a new token); the
    /// release must wait for it and delete the record it produced, not leave the lock behind.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn release_during_a_renewal_in_flight_removes_the_lock() {
        for round in 0..3 {
            let memory = Arc::new(Memory::default());
            let slow = Arc::new(Slow::new(memory.clone(), Duration::from_millis(150)));
            let lease = Duration::from_millis(900);
            let stores: Vec<Arc<dyn LeaseStore>> = vec![slow.clone()];
            let g = acquire(stores, info("apply"), lease, Duration::ZERO).await.expect("lock");
            // Released just after a renewal was sent, before it lands.
            slow.renewing.notified().await;
            g.release().await.expect("release");
            // Anything still on the wire has landed by now.
            tokio::time::sleep(slow.latency * 3).await;
            let left = memory.read().await.expect("read");
            assert!(left.is_none(), "round {round}: the lock record was left behind: {left:?}");
        }
    }

    /// Messages about leases never round a sub-second duration down to "0s".
    #[tokio::test]
    async fn lease_messages_show_sub_second_durations() {
        let store: Arc<dyn LeaseStore> = Arc::new(Memory::default());
        let lease = Duration::from_millis(900);
        let mut a = acquire(vec![store.clone()], info("apply"), lease, Duration::ZERO).await.expect("lock");
        let err = acquire(vec![store.clone()], info("plan"), lease, Duration::ZERO).await.expect_err("held");
        let msg = err.to_string();
        assert!(msg.contains("a lock nobody renews for 0.9s is taken over: wait with --lock-timeout 1s"), "{msg}");
        // Not renewed for 0.7 s of a 0.9 s lease: past two thirds, so no longer certainly held.
        if let Some(r) = a.renewer.take() {
            r.abort();
        }
        let before = Instant::now().checked_sub(Duration::from_millis(700)).expect("an instant 0.7 s ago");
        a.active.shared.lock().unwrap_or_else(|p| p.into_inner()).valid_from = before;
        let why = a.check().expect_err("lapsed");
        assert!(why.contains("could not be renewed for 0.7"), "{why}");
        assert!(why.contains("(its lease is 0.9s)"), "{why}");
        a.release().await.expect("release");
    }
}
