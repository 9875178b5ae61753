//! Ctrl-C and SIGTERM. During an apply or destroy, the first one stops new operations and lets
//! running ones finish and be recorded; the second stops waiting for them (the engine returns, the
//! state and locks are handled as usual, and the next run adopts what they made). Otherwise (or the
//! third time) provision releases the state locks it holds and exits with status 130, so an
//! interrupted command never leaves a lock behind. Pending creates are resolved by the next run.

use provision_engine::Cancel;
use std::sync::Mutex;

static ACTIVE: Mutex<Option<Cancel>> = Mutex::new(None);

/// Marks an apply as running: interrupts go to `cancel` while the returned guard lives.
pub fn during_apply(cancel: &Cancel) -> ApplyGuard {
    *ACTIVE.lock().unwrap_or_else(|p| p.into_inner()) = Some(cancel.clone());
    ApplyGuard
}

pub struct ApplyGuard;

impl Drop for ApplyGuard {
    fn drop(&mut self) {
        *ACTIVE.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

async fn stop_now() -> ! {
    provision_state::release_held_locks();
    // Remote locks: released if AWS answers within a few seconds; otherwise their lease runs out.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), provision_state::lease::release_held()).await;
    eprintln!("\nInterrupted.");
    std::process::exit(130);
}

/// Waits for interrupts for the whole life of the process.
pub async fn watch() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    loop {
        tokio::select! {
            r = tokio::signal::ctrl_c() => if r.is_err() { return },
            _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending::<()>().await } } => {}
        }
        let active = ACTIVE.lock().unwrap_or_else(|p| p.into_inner()).clone();
        match active {
            Some(c) if !c.is_abandoned() => c.cancel(),
            _ => stop_now().await,
        }
    }
}
