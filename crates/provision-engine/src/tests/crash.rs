//! Crash safety: the world stops at every step (every provider mutation and every state write,
//! before and after), then a new run recovers. Whatever the step, the end result has no duplicate
//! and no untracked object, and converges to the configuration.

use super::*;
use crate::PlanRequest;

/// Runs `f` until it finishes or the cloud crashes, whichever comes first (a crash drops it, as
/// a killed process would).
pub(crate) async fn until_crash<F: std::future::Future>(cloud: &Cloud, f: F) -> Option<F::Output> {
    let watch = async {
        while !cloud.crashed() {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    };
    tokio::select! {
        r = f => Some(r),
        _ = watch => None,
    }
}

/// Counts the steps of a scenario run without crashing.
async fn steps_of(setup: &str, scenario: &str, destroy: bool, parallelism: usize, journal: Journal) -> usize {
    let cloud = Cloud::new();
    let dir = tempfile::tempdir().expect("temp dir");
    let store = journal.store(&cloud, dir.path());
    if !setup.is_empty() {
        assert!(apply(setup, &cloud, &store).await.succeeded());
    }
    cloud.crash_at(None);
    let e = engine_with(scenario, &cloud, &[], options(parallelism)).expect("engine");
    let req = if destroy { PlanRequest::destroy() } else { PlanRequest::normal() };
    let r = apply_with(&e, &store, req).await;
    assert!(r.succeeded(), "{r:?}");
    cloud.steps()
}

async fn crash_everywhere(setup: &str, scenario: &str, destroy: bool) {
    crash_everywhere_then(setup, scenario, scenario, destroy, |_| {}).await
}

/// Crashes a run of `scenario` at every step, then runs `next` (the configuration as it is by the
/// next run) and checks that the world converged; `check` looks at the cloud afterwards.
pub(crate) async fn crash_everywhere_then(
    setup: &str,
    scenario: &str,
    next: &str,
    destroy: bool,
    check: impl Fn(&Cloud),
) {
    // In memory; through the local state file and its journal; and through the S3 backend, its
    // state object and journal segments in a bucket in memory, where every request that changes
    // the bucket is a crash step too (between a segment and its check, a seal and the whole
    // write, the whole write and the removal of the old segments). Each run's first write is
    // whole, later ones appended; the next run replays what a killed one left.
    for (journal, parallelism) in [
        (Journal::None, 1),
        (Journal::None, 4),
        (Journal::Local, 1),
        (Journal::Local, 4),
        (Journal::S3, 1),
        (Journal::S3, 4),
    ] {
        let total = steps_of(setup, scenario, destroy, parallelism, journal).await;
        assert!(total > 4, "the scenario should have steps");
        let mut replayed = 0;
        for k in 0..total {
            let cloud = Cloud::new();
            let dir = tempfile::tempdir().expect("temp dir");
            let store = journal.store(&cloud, dir.path());
            if !setup.is_empty() {
                assert!(apply(setup, &cloud, &store).await.succeeded());
            }
            cloud.crash_at(Some(k));
            let e = engine_with(scenario, &cloud, &[], options(parallelism)).expect("engine");
            let req = || if destroy { PlanRequest::destroy() } else { PlanRequest::normal() };
            let finished = until_crash(&cloud, apply_with(&e, &store, req())).await;
            assert!(finished.is_none() || k >= cloud.steps(), "step {k} should have crashed");
            // The next run, after the "restart": it reads the state with the journal replayed
            // (`current` checks that this is exactly the state last written).
            replayed +=
                usize::from(dir.path().join("provision.tfstate.journal").exists() || store.s3_journal_to_replay());
            cloud.crash_at(None);
            store.restart();
            let e = engine_with(next, &cloud, &[], options(parallelism)).expect("engine");
            let r = apply_with(&e, &store, req()).await;
            assert!(r.succeeded(), "recovery after a crash at step {k} ({journal:?}) failed: {r:?}");
            assert_consistent(&cloud, &store);
            let run = e.plan(&current(&store), req()).await.expect("plan");
            assert!(
                !run.plan.has_changes(),
                "after a crash at step {k} (parallelism {parallelism}, journal {journal:?}) the plan still has changes:\n{}",
                crate::render::plan(&run.plan, Default::default())
            );
            if destroy {
                assert!(cloud.objects().is_empty(), "destroy left objects after a crash at step {k}");
            }
            if journal == Journal::S3 {
                // Segments of a generation the state object no longer has may stay (a crash
                // before their removal, and a next run with nothing to write): readers ignore them.
                assert!(
                    !store.s3_journal_to_replay(),
                    "after a crash at step {k} the next run left a journal: {:?}",
                    store.s3_journal()
                );
            }
            check(&cloud);
        }
        if journal != Journal::None {
            assert!(replayed > 0, "no crash left a journal for the next run to replay ({journal:?})");
        }
    }
}

/// Where the crash tests keep the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Journal {
    /// In memory only.
    None,
    /// The local state file and its journal.
    Local,
    /// The S3 backend over a bucket in memory: the state object and its journal segments.
    S3,
}

impl Journal {
    fn store(self, cloud: &Cloud, dir: &std::path::Path) -> MemoryStore {
        match self {
            Journal::None => MemoryStore::new(cloud),
            Journal::Local => MemoryStore::over_journal(cloud, dir.join("provision.tfstate")),
            Journal::S3 => MemoryStore::over_s3(cloud),
        }
    }
}

#[tokio::test]
async fn crash_at_every_step_of_a_create() {
    crash_everywhere("", STACK, false).await;
}

#[tokio::test]
async fn crash_at_every_step_of_a_destroy() {
    crash_everywhere(STACK, STACK, true).await;
}

#[tokio::test]
async fn crash_at_every_step_of_a_replacement() {
    let replaced = STACK.replace("default = \"10.0.0.0/16\"", "default = \"10.1.0.0/16\"");
    crash_everywhere(STACK, &replaced, false).await;
}

#[tokio::test]
async fn crash_at_every_step_of_a_create_before_destroy_replacement() {
    let cbd = STACK.replace(
        "  tags       = { Name = \"${var.name}-public-${count.index}\" }\n",
        "  tags       = { Name = \"${var.name}-public-${count.index}\" }\n  lifecycle {\n    create_before_destroy = true\n  }\n",
    );
    let moved = cbd.replace(
        "cidrsubnet(fake_network.main.cidr_block, 8, count.index)",
        "cidrsubnet(fake_network.main.cidr_block, 8, count.index + 10)",
    );
    crash_everywhere(&cbd, &moved, false).await;
}

#[tokio::test]
async fn a_pending_create_that_made_nothing_is_dropped_after_the_settle_window() {
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    let mut state = new_state();
    state.pending.push(provision_core::state::PendingCreate {
        address: "fake_network.main".parse().expect("address"),
        token: "t".into(),
        started_at: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        dependencies: vec![],
        provider: provision_core::ProviderRef::default_for("fake"),
        natural_key: None,
        desired: Default::default(),
        layer: Default::default(),
    });
    let mut opts = options(1);
    opts.recovery_settle = Duration::from_millis(1500);
    let e = engine_with(STACK, &cloud, &[], opts).expect("engine");
    let started = std::time::Instant::now();
    let out = e.recover(&mut state, &store).await.expect("recover");
    assert_eq!(out[0].outcome, crate::RecoveryOutcome::Dropped);
    assert!(started.elapsed() >= Duration::from_millis(400), "recovery must give AWS time to show a fresh object");
    assert_eq!(cloud.calls().iter().filter(|c| c.starts_with("find")).count(), 2);
    assert!(state.pending.is_empty());
}
