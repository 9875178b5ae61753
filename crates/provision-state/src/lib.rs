//! Where state lives and who may change it. The local backend keeps one JSON file, written
//! atomically (temporary file, fsync, rename; mode 0600), with the previous version kept as
//! `<path>.backup`; between whole writes, each resource operation appends what it changed to a
//! journal beside it (`<path>.journal`, see [`journal`]), replayed by every reader. A lock file
//! next to it names the holder (taken over when that holder is certainly gone).
//!
//! Deliberately absent: any attempt to repair or overwrite a state that cannot be read. A corrupt,
//! foreign or newer-format state is refused and left exactly as it is.

mod backend;
pub mod journal;
pub mod lease;
mod local;
mod lock;
pub mod terraform;

pub use backend::{Backend, Journal, Lock, Store, parse};
pub use lease::{LeaseGuard, LeaseRecord, LeaseStore};
pub use local::LocalBackend;
pub use lock::{Gone, LockGuard, LockInfo, TakenOver, release_held_locks};
pub use terraform::{TerraformState, TerraformStateError, parse_terraform};

use std::path::PathBuf;
use std::time::Duration;

/// Why the state cannot be used. Every message says what is wrong, where, and what to do.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error(
        "the state is locked by {} (pid {}, `{}` since {}, lock ID {})\n  lock file: {}\n  wait for it to finish, or retry with --lock-timeout 5m to wait",
        .holder.who, .holder.pid, .holder.operation, .holder.created, .holder.id, .path.display()
    )]
    Locked { holder: Box<LockInfo>, path: PathBuf },

    /// The holder is gone, but its lock file could not be taken over (it could not be locked with
    /// `flock`, or removed).
    #[error(
        "the state is locked by {} (pid {}, `{}` since {}), whose process is no longer running on this host, but its lock file could not be taken over ({detail})\n  lock file: {}\n  if no other provision is running, clear it with: provision state force-unlock {}",
        .holder.who, .holder.pid, .holder.operation, .holder.created, .path.display(), .holder.id
    )]
    StaleLock { holder: Box<LockInfo>, path: PathBuf, detail: String },

    #[error(
        "the state is locked by {} (`{}` since {}, lock ID {})\n  lock: {location}; last renewed {renewed} (its clock), silent for {} here\n  a lock nobody renews for {} is taken over: wait with --lock-timeout {}s, or, if that run is really gone, run: provision state force-unlock {}",
        .holder.who, .holder.operation, .holder.created, .holder.id, secs(.silent), secs(.lease), whole_secs_up(.lease), .holder.id
    )]
    LeaseHeld { holder: Box<LockInfo>, location: String, renewed: String, silent: Duration, lease: Duration },

    #[error(
        "the state at {location} changed since this run read it ({detail}); nothing was overwritten\n  someone else applied in between: run plan again"
    )]
    Conflict { location: String, detail: String },

    /// A remote backend failed; the message says which resource and how to fix it.
    #[error("{0}")]
    Remote(String),

    /// The lock file cannot be read, so it names no holder; `id` removes it (`state force-unlock`).
    #[error(
        "the lock file {} is corrupt: {detail}\n  it names no holder, so whether a run holds the lock cannot be told (a run killed while taking the lock can leave it so)\n  if no other provision is running, remove it with: provision state force-unlock {id}",
        .path.display()
    )]
    CorruptLock { path: PathBuf, detail: String, id: String },

    #[error("no lock is held on {}", .path.display())]
    NotLocked { path: PathBuf },

    #[error("the lock on {} has ID {}, not {given}: nothing was removed", .path.display(), .holder.id)]
    WrongLockId { holder: Box<LockInfo>, given: String, path: PathBuf },

    #[error(
        "the state file {} is corrupt: {detail}\n  it was left untouched; {}, then run again",
        .path.display(), restore_hint(.path)
    )]
    Corrupt { path: PathBuf, detail: String },

    /// A journal record that was acknowledged cannot be used (see [`journal`]).
    #[error(
        "the state journal {} is corrupt at line {line}: {detail}\n  it and the state were left untouched; the journal holds the latest changes to the state, so a run that ignored it could lose track of objects provision made\n  if you have a good copy of the journal, restore it; otherwise move the journal aside to use the state without it (objects recorded only in the journal are then no longer tracked: find them by their provision:stack tag)",
        .path.display()
    )]
    CorruptJournal { path: PathBuf, line: usize, detail: String },

    #[error(
        "the state file {} was written by a newer provision (state format {found}; this provision reads up to {supported})\n  it was left untouched; upgrade provision to use it",
        .path.display()
    )]
    NewerFormat { path: PathBuf, found: u64, supported: u32 },

    #[error("{} is not a provision state file: {what}\n  it was left untouched; point the backend at provision's own state (default: provision.tfstate)", .path.display())]
    Foreign { path: PathBuf, what: String },

    #[error("cannot {op} {}: {source}", .path.display())]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl StateError {
    fn io(op: &'static str, path: &std::path::Path, source: std::io::Error) -> StateError {
        StateError::Io { op, path: path.to_path_buf(), source }
    }
}

/// Where a good copy of a corrupt state comes from: the local backup, or, in S3, an earlier
/// version of the object (there is no `.backup` object).
fn restore_hint(path: &std::path::Path) -> String {
    let location = path.display().to_string();
    if location.starts_with("s3://") {
        "restore an earlier version of the object (bucket versioning keeps every write: find one with `aws s3api list-object-versions`, copy it over the current one with `aws s3api copy-object`)".into()
    } else {
        format!("restore it from {location}.backup or from your own backups")
    }
}

/// A duration for messages, in seconds to the millisecond (`0.667s`, `3s`, `180s`), so that a
/// short lease never reads as `0s`.
pub(crate) fn secs(d: &Duration) -> String {
    let ms = d.as_millis();
    match ms % 1000 {
        0 => format!("{}s", ms / 1000),
        frac => format!("{}.{}s", ms / 1000, format!("{frac:03}").trim_end_matches('0')),
    }
}

/// Whole seconds, rounded up: a `--lock-timeout` value that covers `d`.
pub(crate) fn whole_secs_up(d: &Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_corrupt_state_names_a_backup_that_exists() {
        let local = StateError::Corrupt { path: "dir/provision.tfstate".into(), detail: "x".into() }.to_string();
        assert!(local.contains("restore it from dir/provision.tfstate.backup"), "{local}");
        let s3 = StateError::Corrupt { path: "s3://b/app/terraform.tfstate".into(), detail: "x".into() }.to_string();
        assert!(!s3.contains(".backup"), "{s3}");
        assert!(s3.contains("restore an earlier version of the object"), "{s3}");
    }

    #[test]
    fn durations_in_messages_keep_their_fractions() {
        let cases = [
            (0, "0s"),
            (1, "0.001s"),
            (670, "0.67s"),
            (666, "0.666s"),
            (3000, "3s"),
            (1500, "1.5s"),
            (180_000, "180s"),
        ];
        for (ms, want) in cases {
            assert_eq!(secs(&Duration::from_millis(ms)), want);
        }
        assert_eq!(whole_secs_up(&Duration::from_millis(670)), 1);
        assert_eq!(whole_secs_up(&Duration::from_secs(3)), 3);
        assert_eq!(whole_secs_up(&Duration::from_millis(3001)), 4);
    }
}
