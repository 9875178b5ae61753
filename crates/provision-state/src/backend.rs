//! The backend contract: where the state lives, how it is read and written, and how it is
//! locked. The local file backend lives here; the S3 backend lives with the AWS code
//! (`provision-aws`), the only crate that talks to AWS.

use crate::StateError;
use crate::journal;
use crate::lease::LeaseGuard;
use crate::lock::{Gone, LockGuard, LockInfo, TakenOver};
use async_trait::async_trait;
use provision_core::Address;
use provision_core::state::{FORMAT_MARKER, FORMAT_VERSION, ObjectKey, PersistError, State, StateStore};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// A held state lock: a lock file (local) or a lease (remote, renewed while held).
#[derive(Debug)]
pub enum Lock {
    File(Box<LockGuard>),
    Lease(Box<LeaseGuard>),
    /// No lock was taken (`-lock=false`): nothing stops another run from writing the state at the
    /// same time. What this run would have recorded as the holder is kept for messages.
    None(Box<LockInfo>),
}

impl Lock {
    pub fn info(&self) -> &LockInfo {
        match self {
            Lock::File(g) => &g.info,
            Lock::Lease(g) => &g.record.info,
            Lock::None(info) => info,
        }
    }

    /// Ok while the lock is certainly still held; state writes check this first.
    pub fn check(&self) -> Result<(), String> {
        match self {
            Lock::File(_) | Lock::None(_) => Ok(()),
            Lock::Lease(g) => g.check(),
        }
    }

    /// The holder this lock was taken over from (its process gone, or its lease expired), if any.
    pub fn took_over_from(&self) -> Option<&LockInfo> {
        match self {
            Lock::File(g) => g.taken_over().map(|t| &t.from),
            Lock::Lease(g) => g.took_over_from.as_ref(),
            Lock::None(_) => None,
        }
    }

    /// The takeover, if this lock was taken over: whom from and why; its `Display` is the one
    /// line to show the user.
    pub fn taken_over(&self) -> Option<TakenOver> {
        match self {
            Lock::File(g) => g.taken_over().cloned(),
            Lock::Lease(g) => g.took_over_from.clone().map(|from| TakenOver { from, why: Gone::LeaseExpired }),
            Lock::None(_) => None,
        }
    }

    /// Releases the lock (dropping it releases too, but cannot report a failure).
    pub async fn release(self) -> Result<(), StateError> {
        match self {
            Lock::File(g) => {
                drop(g);
                Ok(())
            }
            Lock::Lease(g) => (*g).release().await,
            Lock::None(_) => Ok(()),
        }
    }
}

/// Where the state lives.
#[async_trait]
pub trait Backend: Send + Sync {
    /// The state's location, for messages (`provision.tfstate`, `s3://bucket/key`).
    fn location(&self) -> String;

    /// The state file's text, unparsed (`state pull`). `None` when there is no state yet.
    async fn read_text(&self) -> Result<Option<String>, StateError>;

    /// The state. `None` when there is none yet. Unreadable, foreign or newer states are refused.
    async fn read(&self) -> Result<Option<State>, StateError> {
        match self.read_text().await? {
            Some(text) => parse(Path::new(&self.location()), &text).map(Some),
            None => Ok(None),
        }
    }

    /// Writes the state. Remote backends write only over the version this process last read or
    /// wrote, and refuse otherwise ([`StateError::Conflict`]).
    async fn write(&self, state: &State) -> Result<(), StateError>;

    /// Appends one journal line (see [`crate::journal`]; it ends in a newline) and makes it durable
    /// before returning. `Ok(false)` when nothing was appended: this backend keeps no journal, or
    /// its journal has grown past its bound; the caller then writes the whole state, which
    /// compacts the journal. Backends with a journal make `write` compact it (write the state,
    /// then remove the journal) and `read` replay it.
    async fn append(&self, line: &str) -> Result<bool, StateError> {
        let _ = line;
        Ok(false)
    }

    /// Whether a journal of records not yet compacted into the state is there (one a killed run
    /// left, when this run has not written yet).
    async fn has_journal(&self) -> Result<bool, StateError> {
        Ok(false)
    }

    /// Called once before a run's first write (the local backend keeps a backup).
    async fn before_first_write(&self) -> Result<(), StateError> {
        Ok(())
    }

    /// Takes the lock for `operation`, waiting up to `timeout`.
    async fn lock(&self, operation: &str, timeout: Duration) -> Result<Lock, StateError>;

    /// Who holds the lock, if anyone.
    async fn lock_info(&self) -> Result<Option<LockInfo>, StateError>;

    /// Removes the lock if its ID is `id`; returns the holder removed.
    async fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError>;

    /// Removes a lock that cannot be read ([`StateError::CorruptLock`]), if `id` is the ID its
    /// message gave. Backends whose locks are never reported so have nothing to remove.
    async fn force_unlock_corrupt(&self, id: &str) -> Result<(), StateError> {
        let _ = id;
        Err(StateError::NotLocked { path: self.location().into() })
    }
}

/// Writes state for the engine through a backend, while the lock is held. The first write of a
/// store writes the whole state (compacting any journal a killed run left); later writes append
/// what changed to the backend's journal where it has one. [`Store::compact`] writes the whole
/// state again at the end of the command.
pub struct Store<'a> {
    backend: &'a dyn Backend,
    lock: &'a Lock,
    started: AtomicBool,
    journal: tokio::sync::Mutex<Journal>,
}

/// What a store last made durable, and whether that is only in the journal.
#[derive(Debug, Default)]
pub struct Journal {
    durable: Option<State>,
    journaled: bool,
}

impl Journal {
    /// Makes `state` durable through `backend`: as a journal record when the backend keeps one
    /// and the change can be expressed as one, as the whole state otherwise.
    pub async fn persist(&mut self, backend: &dyn Backend, state: &State) -> Result<(), StateError> {
        self.persist_changed(backend, state, None).await
    }

    /// [`persist`](Self::persist), told which objects may differ from the state last made
    /// durable (`StateStore::persist_changed`): the record compares those objects only, and the
    /// durable copy is brought up to date by applying the record instead of copying the state.
    pub async fn persist_changed(
        &mut self,
        backend: &dyn Backend,
        state: &State,
        changed: Option<&BTreeSet<ObjectKey>>,
    ) -> Result<(), StateError> {
        let record = self.durable.as_ref().and_then(|old| match changed {
            Some(changed) => journal::delta_changed(old, state, changed),
            None => journal::delta(old, state),
        });
        if let Some(record) = record {
            let line = journal::encode(&record)
                .map_err(|e| StateError::Corrupt { path: backend.location().into(), detail: e.to_string() })?;
            // Until this append is known to have succeeded, the journal's end is unknown: after
            // a failure the next write is a whole one, which removes the journal.
            let mut durable = self.durable.take();
            if backend.append(&line).await? {
                // The record turns the durable copy into `state`: applying it costs what changed;
                // a copy of `state` would cost the whole state on every write.
                let applied = match (changed, durable.as_mut()) {
                    (Some(_), Some(old)) => journal::apply(old, record).is_ok(),
                    _ => false,
                };
                self.durable = if applied { durable } else { Some(state.clone()) };
                self.journaled = true;
                return Ok(());
            }
        }
        self.durable = None;
        backend.write(state).await?;
        self.durable = Some(state.clone());
        self.journaled = false;
        Ok(())
    }

    /// Writes the whole state if part of it is only in the journal, which removes the journal.
    pub async fn compact(&mut self, backend: &dyn Backend) -> Result<(), StateError> {
        if let (true, Some(state)) = (self.journaled, &self.durable) {
            backend.write(state).await?;
            self.journaled = false;
        }
        Ok(())
    }

    /// Forgets what was made durable (a new run starts): the next write is a whole one.
    pub fn restart(&mut self) {
        *self = Journal::default();
    }
}

impl<'a> Store<'a> {
    pub fn new(backend: &'a dyn Backend, lock: &'a Lock) -> Self {
        Store { backend, lock, started: AtomicBool::new(false), journal: Default::default() }
    }

    fn check_lock(&self) -> Result<(), PersistError> {
        self.lock.check().map_err(|why| {
            PersistError(format!(
                "{why}; stopped before writing {} to avoid overwriting another run",
                self.backend.location()
            ))
        })
    }

    /// Compacts a journal a killed run left into the state: `state` is what was read (the state
    /// with that journal replayed). The command that takes the lock next does this even when it
    /// has nothing else to write; nothing to do when there is no such journal.
    pub async fn compact_left(&self, state: &State) -> Result<(), PersistError> {
        let mut journal = self.journal.lock().await;
        if journal.journaled || journal.durable.is_some() {
            // This store wrote already: its first write was whole and removed that journal.
            return Ok(());
        }
        if !self.backend.has_journal().await.map_err(|e| PersistError(e.to_string()))? {
            return Ok(());
        }
        self.check_lock()?;
        if !self.started.swap(true, Ordering::SeqCst) {
            self.backend.before_first_write().await.map_err(|e| PersistError(e.to_string()))?;
        }
        self.backend.write(state).await.map_err(|e| PersistError(e.to_string()))?;
        journal.durable = Some(state.clone());
        Ok(())
    }

    /// Compacts the journal into the state (the end of a command that wrote); nothing to do when
    /// every write so far was a whole one.
    pub async fn compact(&self) -> Result<(), PersistError> {
        let mut journal = self.journal.lock().await;
        if !journal.journaled {
            return Ok(());
        }
        self.check_lock()?;
        journal.compact(self.backend).await.map_err(|e| PersistError(e.to_string()))
    }
}

impl Store<'_> {
    async fn make_durable(&self, state: &State, changed: Option<&BTreeSet<ObjectKey>>) -> Result<(), PersistError> {
        self.check_lock()?;
        if !self.started.swap(true, Ordering::SeqCst) {
            self.backend.before_first_write().await.map_err(|e| PersistError(e.to_string()))?;
        }
        self.journal
            .lock()
            .await
            .persist_changed(self.backend, state, changed)
            .await
            .map_err(|e| PersistError(e.to_string()))
    }
}

#[async_trait]
impl StateStore for Store<'_> {
    async fn persist(&self, state: &State) -> Result<(), PersistError> {
        self.make_durable(state, None).await
    }

    async fn persist_changed(&self, state: &State, changed: &BTreeSet<ObjectKey>) -> Result<(), PersistError> {
        self.make_durable(state, Some(changed)).await
    }
}

/// Parses a state, refusing anything that is not a readable provision state of a known format,
/// and a state that lists an object twice or whose serial cannot be increased. Local and S3
/// states both come through here (`Backend::read`), and so does `state push`.
pub fn parse(path: &Path, text: &str) -> Result<State, StateError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| StateError::Corrupt {
        path: path.to_path_buf(),
        detail: format!("invalid JSON at line {}, column {}: {e}", e.line(), e.column()),
    })?;
    let Some(obj) = value.as_object() else {
        return Err(StateError::Foreign { path: path.to_path_buf(), what: "it is JSON, but not an object".into() });
    };
    if obj.get("format").and_then(|f| f.as_str()) != Some(FORMAT_MARKER) {
        let what = if obj.contains_key("terraform_version") {
            format!(
                "it is a Terraform state (Terraform {}); provision keeps a state of its own, in another file or S3 key: to take over a Terraform stack, give provision's backend its own `path` or `key` and run `provision state migrate --from-terraform` on this one (docs/guides/moving-from-terraform.md)",
                obj.get("terraform_version").and_then(|v| v.as_str()).unwrap_or("?")
            )
        } else {
            "it has no \"format\": \"provision-state\" marker".into()
        };
        return Err(StateError::Foreign { path: path.to_path_buf(), what });
    }
    let version = obj.get("format_version").and_then(serde_json::Value::as_u64).unwrap_or(0);
    if version > u64::from(FORMAT_VERSION) {
        return Err(StateError::NewerFormat { path: path.to_path_buf(), found: version, supported: FORMAT_VERSION });
    }
    if version == 0 {
        return Err(StateError::Corrupt { path: path.to_path_buf(), detail: "\"format_version\" is missing".into() });
    }
    let mut value = value;
    provision_core::state::upgrade(&mut value)
        .map_err(|detail| StateError::Corrupt { path: path.to_path_buf(), detail })?;
    let state: State = serde_json::from_value(value)
        .map_err(|e| StateError::Corrupt { path: path.to_path_buf(), detail: e.to_string() })?;
    check_consistent(&state).map_err(|detail| StateError::Corrupt { path: path.to_path_buf(), detail })?;
    Ok(state)
}

/// What well-formed JSON can still get wrong: a serial that the next write could not increase
/// (every write increases it), and one object listed twice (the engine would track, and could
/// create or delete, the same address twice).
pub(crate) fn check_consistent(state: &State) -> Result<(), String> {
    if state.serial == u64::MAX {
        return Err(format!(
            "\"serial\" is {}, the largest value it can hold, so the next write could not increase it; a state's serial starts at 0 and grows by one per write",
            u64::MAX
        ));
    }
    let mut seen: BTreeMap<(&Address, Option<&str>), usize> = BTreeMap::new();
    for (i, r) in state.resources.iter().enumerate() {
        if let Some(first) = seen.insert((&r.address, r.deposed.as_deref()), i) {
            let what = match &r.deposed {
                Some(key) => format!("{} (deposed {key})", r.address),
                None => r.address.to_string(),
            };
            return Err(format!(
                "{what} is listed twice in \"resources\" (entries {} and {}: {} and {}); a state lists each object once",
                first + 1,
                i + 1,
                state.resources[first].id,
                r.id
            ));
        }
    }
    Ok(())
}
