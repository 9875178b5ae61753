//! What state writes cost at scale: the bytes an apply of 1,000 objects writes to the local state
//! file with every write whole (as before the journal) and through the journal. Ignored by default
//! (it takes seconds); run it with
//! `cargo test -p provision-engine --lib state_writes -- --ignored --nocapture`.

use super::*;
use async_trait::async_trait;
use provision_core::state::{PersistError, StateStore};
use std::sync::atomic::{AtomicU64, Ordering};

/// Writes as the local backend did before the journal: the whole state, atomically, every time.
struct Whole {
    backend: provision_state::LocalBackend,
    writes: AtomicU64,
}

#[async_trait]
impl StateStore for Whole {
    async fn persist(&self, state: &State) -> Result<(), PersistError> {
        provision_state::Backend::write(&self.backend, state).await.map_err(|e| PersistError(e.to_string()))?;
        self.writes.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

fn config(n: usize) -> String {
    format!(
        "resource \"fake_network\" \"n\" {{\n  count      = {n}\n  cidr_block = \"10.${{count.index % 250}}.0.0/16\"\n  tags       = {{ Name = \"network-${{count.index}}\" }}\n}}\n"
    )
}

/// One apply of `n` objects as the CLI runs it (parallelism 10, 20 ms commit window), each create
/// taking `latency`.
async fn apply_n(n: usize, store: &dyn StateStore, cloud: &Cloud) -> (usize, std::time::Duration) {
    cloud.set_latency(Duration::from_millis(5));
    let mut opts = options(10);
    opts.commit_window = Duration::from_millis(20);
    let e = engine_with(&config(n), cloud, &[], opts).expect("engine");
    let run = e.plan(&new_state(), PlanRequest::normal()).await.expect("plan");
    let started = std::time::Instant::now();
    let r = e.apply(run, store, &Cancel::default()).await.expect("apply");
    assert!(r.succeeded(), "{r:?}");
    (r.state.resources.len(), started.elapsed())
}

#[tokio::test]
#[ignore = "a measurement: run with --ignored --nocapture"]
async fn bytes_written_by_an_apply_of_1000_objects() {
    let n = 1000;
    let cloud = Cloud::new();
    let dir = tempfile::tempdir().expect("temp dir");
    let whole = Whole {
        backend: provision_state::LocalBackend::new(dir.path().join("provision.tfstate")),
        writes: AtomicU64::new(0),
    };
    let (objects, took_whole) = apply_n(n, &whole, &cloud).await;
    assert_eq!(objects, n);
    let final_whole = std::fs::metadata(dir.path().join("provision.tfstate")).expect("state file").len();

    let cloud = Cloud::new();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("provision.tfstate");
    let journaled = MemoryStore::over_journal(&cloud, &path);
    let (objects, took_journal) = apply_n(n, &journaled, &cloud).await;
    assert_eq!(objects, n);
    journaled.compact().await;
    let final_size = std::fs::metadata(&path).expect("state file").len();
    assert!(!dir.path().join("provision.tfstate.journal").exists(), "compacted");
    println!("objects: {n}");
    println!(
        "whole writes: {} writes, {} bytes, final state {final_whole} bytes, {:.1}x the final state, apply {:.2}s",
        whole.writes.load(Ordering::Relaxed),
        whole.backend.bytes_written(),
        whole.backend.bytes_written() as f64 / final_whole as f64,
        took_whole.as_secs_f64()
    );
    println!(
        "journal: {} writes, {} bytes (compaction included), final state {final_size} bytes, {:.2}x the final state, apply {:.2}s",
        journaled.writes(),
        journaled.bytes_written(),
        journaled.bytes_written() as f64 / final_size as f64,
        took_journal.as_secs_f64()
    );
    assert!(journaled.bytes_written() <= 3 * final_size, "the goal: at most 3x the final state");
    assert!(journaled.writes() <= n / 5, "the goal: at most one write per five objects");
}
