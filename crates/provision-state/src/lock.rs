//! The state lock: a file created exclusively next to the state, holding who took it, for what,
//! when, and from which process, so a second command can say who is in the way and a lock left by
//! a killed process is taken over.
//!
//! A holder is gone only when that is certain: it ran on this host, and its pid no longer runs,
//! or now belongs to a process that started at another time than the one recorded in the lock
//! file. A holder on another host, or one whose process may still run, is waited for. Taking
//! over removes the dead holder's file under an exclusive `flock` (after checking that the file
//! locked is still the one at the path and still names that holder) and then creates a new one
//! exclusively, so of several runs finding the same dead holder exactly one gets the lock.

use crate::StateError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Locks this process holds, so a signal handler can release them before exiting.
static HELD: Mutex<BTreeMap<PathBuf, String>> = Mutex::new(BTreeMap::new());

/// Removes every lock file this process holds. For signal handlers that exit without unwinding.
pub fn release_held_locks() {
    let held = std::mem::take(&mut *HELD.lock().unwrap_or_else(|p| p.into_inner()));
    for (path, id) in held {
        let _ = remove_if_names(&path, &id, Flock::IfPossible);
    }
}

/// What a lock file records, in the shape of Terraform's lock info plus the holder's pid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "Operation")]
    pub operation: String,
    #[serde(rename = "Who")]
    pub who: String,
    #[serde(rename = "Host")]
    pub host: String,
    #[serde(rename = "Pid")]
    pub pid: u32,
    #[serde(rename = "Version")]
    pub version: String,
    #[serde(rename = "Created")]
    pub created: String,
    #[serde(rename = "Path")]
    pub path: String,
    /// When the holder's process started, in clock ticks since boot (Linux: field 22 of
    /// `/proc/<pid>/stat`), to tell it from a later process given the same pid. Recorded in
    /// local lock files only; absent in those of older versions.
    #[serde(rename = "ProcessStart", default, skip_serializing_if = "Option::is_none")]
    pub process_start: Option<u64>,
}

/// Why a lock's holder is certainly gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gone {
    /// Its process no longer runs (same host).
    Exited,
    /// Its pid now belongs to a process that started at another time (same host).
    PidReused,
    /// Nobody renewed its lease for a whole lease (remote locks).
    LeaseExpired,
}

/// A lock this run took over from a holder that was gone; its `Display` is the one line to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakenOver {
    pub from: LockInfo,
    pub why: Gone,
}

impl std::fmt::Display for TakenOver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let h = &self.from;
        write!(f, "took over the state lock of {} (`{}` since {}, lock ID {}): ", h.who, h.operation, h.created, h.id)?;
        match self.why {
            Gone::Exited => {
                write!(f, "its process (pid {}) is no longer running on this host, so that run is gone", h.pid)
            }
            Gone::PidReused => write!(
                f,
                "its process (pid {}) is no longer running on this host (that pid now belongs to a later process), so that run is gone",
                h.pid
            ),
            Gone::LeaseExpired => write!(f, "it had not been renewed for a whole lease, so that run is gone"),
        }
    }
}

impl LockInfo {
    /// Lock info for this process.
    pub fn new(operation: &str, state_path: &Path) -> LockInfo {
        let host = hostname();
        let user = std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_else(|_| "unknown".into());
        LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            operation: operation.to_string(),
            who: format!("{user}@{host}"),
            host,
            pid: std::process::id(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            created: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
            path: state_path.display().to_string(),
            process_start: None,
        }
    }

    /// The same, recording when this process started (for a local lock file).
    pub fn with_process_start(mut self) -> LockInfo {
        self.process_start = process_start(self.pid);
        self
    }

    /// Whether the holder is certainly gone: it ran on this host, and its pid no longer runs or
    /// now belongs to a process that started at another time than the recorded one. `None` for a
    /// holder on another host, or one that may still run (including when that cannot be told).
    pub fn holder_gone(&self) -> Option<Gone> {
        if self.host != hostname() {
            return None;
        }
        let pid = rustix::process::Pid::from_raw(i32::try_from(self.pid).ok()?)?;
        if matches!(rustix::process::test_kill_process(pid), Err(e) if e == rustix::io::Errno::SRCH) {
            return Some(Gone::Exited);
        }
        // The pid runs: the holder's only if it started when the holder did. Without a recorded
        // start time (an older lock file), or without /proc, it may be the holder.
        let recorded = self.process_start?;
        let now = process_start(self.pid)?;
        (now != recorded).then_some(Gone::PidReused)
    }
}

/// When process `pid` started, in clock ticks since boot: field 22 of `/proc/<pid>/stat`.
#[cfg(target_os = "linux")]
pub(crate) fn process_start(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Field 2, the command name, is in parentheses and may contain spaces and parentheses
    // itself; fields 3 onwards follow the last ')'.
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(22 - 3)?.parse().ok()
}

/// Process start times are read on Linux only; elsewhere the pid alone decides.
#[cfg(not(target_os = "linux"))]
pub(crate) fn process_start(_pid: u32) -> Option<u64> {
    None
}

fn hostname() -> String {
    let u = rustix::system::uname();
    let n = u.nodename().to_string_lossy().to_string();
    if n.is_empty() { "localhost".into() } else { n }
}

/// A held lock; dropping it removes the lock file (if it is still ours).
#[derive(Debug)]
pub struct LockGuard {
    pub info: LockInfo,
    path: PathBuf,
    taken_over: Option<TakenOver>,
}

impl LockGuard {
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The holder whose lock this one replaced because it was gone, if it did.
    pub fn taken_over(&self) -> Option<&TakenOver> {
        self.taken_over.as_ref()
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        HELD.lock().unwrap_or_else(|p| p.into_inner()).remove(&self.path);
        let _ = remove_if_names(&self.path, &self.info.id, Flock::IfPossible);
    }
}

/// Whether removing a lock file needs the `flock` that keeps it from racing a takeover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flock {
    /// A takeover: without the lock, two runs could remove each other's files.
    Required,
    /// Our own lock, or a removal the user asked for: done even where `flock` is unavailable.
    IfPossible,
}

/// Opens the lock file and locks it exclusively (`flock`), making sure the file locked is still
/// the one at `path`: it may have been removed, and another created, while this waited. `None`
/// when there is no lock file. With [`Flock::IfPossible`], a file system that cannot `flock`
/// gives the file unlocked.
fn open_locked(path: &Path, flock: Flock) -> Result<Option<File>, StateError> {
    loop {
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StateError::io("open", path, e)),
        };
        match file.lock() {
            Ok(()) => {}
            Err(e) if flock == Flock::Required => return Err(StateError::io("lock", path, e)),
            Err(e) => {
                tracing::debug!(error = %e, path = %path.display(), "cannot flock the lock file; going on without")
            }
        }
        let ours = file.metadata().map_err(|e| StateError::io("inspect", path, e))?;
        match std::fs::metadata(path) {
            Ok(m) if m.dev() == ours.dev() && m.ino() == ours.ino() => return Ok(Some(file)),
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StateError::io("inspect", path, e)),
        }
    }
}

/// Removes the lock file if `remove` says so of its text, holding its `flock` meanwhile. Returns
/// whether it removed it.
fn remove_if(path: &Path, flock: Flock, remove: impl Fn(&str) -> bool) -> Result<bool, StateError> {
    let Some(mut file) = open_locked(path, flock)? else { return Ok(false) };
    let mut text = String::new();
    file.read_to_string(&mut text).map_err(|e| StateError::io("read", path, e))?;
    if !remove(&text) {
        return Ok(false);
    }
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(StateError::io("remove", path, e)),
    }
}

/// Removes the lock file if it names lock `id`.
fn remove_if_names(path: &Path, id: &str, flock: Flock) -> Result<bool, StateError> {
    remove_if(path, flock, |text| serde_json::from_str::<LockInfo>(text).is_ok_and(|h| h.id == id))
}

/// Removes the lock file of lock `id` (`state force-unlock`).
pub(crate) fn force_remove(path: &Path, id: &str) -> Result<bool, StateError> {
    remove_if_names(path, id, Flock::IfPossible)
}

/// Reads the lock file, if there is one. A lock file being written right now may be empty for a
/// moment; that is retried briefly. One that stays unreadable is [`StateError::CorruptLock`].
pub(crate) fn read(path: &Path) -> Result<Option<LockInfo>, StateError> {
    for attempt in 0..5 {
        match std::fs::read_to_string(path) {
            Ok(text) => match serde_json::from_str(&text) {
                Ok(info) => return Ok(Some(info)),
                Err(_) if attempt < 4 => std::thread::sleep(Duration::from_millis(20)),
                Err(e) => {
                    let detail = if text.trim().is_empty() {
                        "it is empty".to_string()
                    } else if e.is_data() {
                        format!("it is JSON, but not a lock record ({e})")
                    } else {
                        format!("invalid JSON ({e})")
                    };
                    return Err(StateError::CorruptLock { path: path.to_path_buf(), detail, id: corrupt_id(&text) });
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StateError::io("read", path, e)),
        }
    }
    Ok(None)
}

/// The ID by which `state force-unlock` removes a lock file that cannot be read: derived from
/// its content (FNV-1a), so it removes exactly the file the message was about, and not a lock
/// written since.
pub(crate) fn corrupt_id(text: &str) -> String {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    format!("corrupt-{:012x}", hash & 0xffff_ffff_ffff)
}

/// Removes the lock file if it is still unreadable, with the content `id` was derived from.
pub(crate) fn remove_corrupt(path: &Path, id: &str) -> Result<bool, StateError> {
    remove_if(path, Flock::IfPossible, |text| serde_json::from_str::<LockInfo>(text).is_err() && corrupt_id(text) == id)
}

fn try_create(path: &Path, info: &LockInfo) -> Result<bool, StateError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| StateError::io("create the directory for", path, e))?;
    }
    match OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(mut f) => {
            let text = serde_json::to_string_pretty(info).unwrap_or_default();
            f.write_all(text.as_bytes()).and_then(|()| f.sync_all()).map_err(|e| StateError::io("write", path, e))?;
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(StateError::io("create", path, e)),
    }
}

/// Takes the lock at `path`, waiting up to `timeout` (with backoff) while a live holder has it,
/// and taking it over at once from a holder that is gone.
pub(crate) async fn acquire(path: &Path, info: LockInfo, timeout: Duration) -> Result<LockGuard, StateError> {
    let deadline = Instant::now() + timeout;
    let mut delay = Duration::from_millis(100);
    loop {
        if try_create(path, &info)? {
            HELD.lock().unwrap_or_else(|p| p.into_inner()).insert(path.to_path_buf(), info.id.clone());
            return Ok(LockGuard { info, path: path.to_path_buf(), taken_over: None });
        }
        let Some(holder) = read(path)? else { continue };
        if let Some(why) = holder.holder_gone() {
            // Removed only if it still names that holder, and it is still gone; then created
            // anew, exclusively: if another run was faster, it holds the lock and is waited for.
            let removed = remove_if(path, Flock::Required, |text| {
                serde_json::from_str::<LockInfo>(text).is_ok_and(|h| h.id == holder.id && h.holder_gone().is_some())
            })
            .map_err(|e| StateError::StaleLock {
                holder: Box::new(holder.clone()),
                path: path.to_path_buf(),
                detail: e.to_string(),
            })?;
            if removed && try_create(path, &info)? {
                tracing::info!(holder = %holder.who, pid = holder.pid, "took over a lock whose holder is gone");
                HELD.lock().unwrap_or_else(|p| p.into_inner()).insert(path.to_path_buf(), info.id.clone());
                let taken_over = Some(TakenOver { from: holder, why });
                return Ok(LockGuard { info, path: path.to_path_buf(), taken_over });
            }
            continue;
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(StateError::Locked { holder: Box::new(holder), path: path.to_path_buf() });
        }
        tracing::info!(holder = %holder.who, pid = holder.pid, "state is locked; waiting");
        tokio::time::sleep(delay.min(deadline - now)).await;
        delay = (delay * 2).min(Duration::from_secs(2));
    }
}
