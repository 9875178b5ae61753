//! The state lock: a file created exclusively next to the state, holding who took it, for what,
//! when, and from which process, so a second command can say who is in the way and a lock left by
//! a killed process is recognised as such.

use crate::StateError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Locks this process holds, so a signal handler can release them before exiting.
static HELD: Mutex<BTreeMap<PathBuf, String>> = Mutex::new(BTreeMap::new());

/// Removes every lock file this process holds. For signal handlers that exit without unwinding.
pub fn release_held_locks() {
    let held = std::mem::take(&mut *HELD.lock().unwrap_or_else(|p| p.into_inner()));
    for (path, id) in held {
        if matches!(read(&path), Ok(Some(current)) if current.id == id) {
            let _ = std::fs::remove_file(&path);
        }
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
        }
    }

    /// True when the holder ran on this host and its process is gone.
    pub fn holder_is_dead(&self) -> bool {
        if self.host != hostname() {
            return false;
        }
        let Some(pid) = i32::try_from(self.pid).ok().and_then(rustix::process::Pid::from_raw) else { return false };
        matches!(rustix::process::test_kill_process(pid), Err(e) if e == rustix::io::Errno::SRCH)
    }
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
}

impl LockGuard {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        HELD.lock().unwrap_or_else(|p| p.into_inner()).remove(&self.path);
        if let Ok(Some(current)) = read(&self.path)
            && current.id == self.info.id
        {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Reads the lock file, if there is one. A lock file being written right now may be empty for a
/// moment; that is retried briefly.
pub(crate) fn read(path: &Path) -> Result<Option<LockInfo>, StateError> {
    for attempt in 0..5 {
        match std::fs::read_to_string(path) {
            Ok(text) => match serde_json::from_str(&text) {
                Ok(info) => return Ok(Some(info)),
                Err(_) if attempt < 4 => std::thread::sleep(Duration::from_millis(20)),
                Err(e) => {
                    return Err(StateError::Corrupt {
                        path: path.to_path_buf(),
                        detail: format!("the lock file is unreadable: {e}"),
                    });
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StateError::io("read", path, e)),
        }
    }
    Ok(None)
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

/// Takes the lock at `path`, waiting up to `timeout` (with backoff) while a live holder has it.
pub(crate) async fn acquire(path: &Path, info: LockInfo, timeout: Duration) -> Result<LockGuard, StateError> {
    let deadline = Instant::now() + timeout;
    let mut delay = Duration::from_millis(100);
    loop {
        if try_create(path, &info)? {
            HELD.lock().unwrap_or_else(|p| p.into_inner()).insert(path.to_path_buf(), info.id.clone());
            return Ok(LockGuard { info, path: path.to_path_buf() });
        }
        let Some(holder) = read(path)? else { continue };
        if holder.holder_is_dead() {
            return Err(StateError::StaleLock { holder: Box::new(holder), path: path.to_path_buf() });
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
