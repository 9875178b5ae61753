//! The local backend: one JSON state file, the journal of the writes since it was last written
//! whole, its backup, and its lock file.

use crate::StateError;
use crate::backend::{Backend, Lock, parse};
use crate::journal;
use crate::lock::{self, LockInfo};
use async_trait::async_trait;
use provision_core::state::State;
use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A state file, its journal and its lock.
#[derive(Debug, Clone)]
pub struct LocalBackend {
    path: PathBuf,
    sizes: Arc<Mutex<Sizes>>,
}

/// What this process wrote: the state file's size when it last wrote it whole, the journal's size
/// since (the journal's bound), and every byte written (the benchmark's figure).
#[derive(Debug, Default, Clone, Copy)]
struct Sizes {
    state: u64,
    journal: u64,
    written: u64,
}

impl LocalBackend {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        LocalBackend { path: path.into(), sizes: Default::default() }
    }

    /// The journal beside the state: the writes made since the state was last written whole.
    pub fn journal_path(&self) -> PathBuf {
        let mut p = self.path.clone().into_os_string();
        p.push(".journal");
        PathBuf::from(p)
    }

    /// Bytes this backend (and its clones) wrote to the state file and the journal so far.
    pub fn bytes_written(&self) -> u64 {
        self.sizes().written
    }

    fn sizes(&self) -> std::sync::MutexGuard<'_, Sizes> {
        self.sizes.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    /// The state with the journal replayed over it, and whether the journal changed it.
    /// Synchronous: everything here is a local file.
    pub fn read_replayed(&self) -> Result<Option<(State, String, bool)>, StateError> {
        // The journal is read before the state: a reader without the lock (`state pull` during
        // an apply) that meets a compaction in between then sees an older journal over a newer
        // state, whose records it skips; the other order could pair a newer journal with an older
        // state and report a gap.
        let journal_path = self.journal_path();
        let journal = match std::fs::read(&journal_path) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(StateError::io("read", &journal_path, e)),
        };
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return match journal {
                    Some(j) if !j.is_empty() => Err(StateError::CorruptJournal {
                        path: journal_path,
                        line: 1,
                        detail: format!(
                            "there is no state file {} to replay it over (a journal only follows a state written whole)",
                            self.path.display()
                        ),
                    }),
                    _ => Ok(None),
                };
            }
            Err(e) => return Err(StateError::io("read", &self.path, e)),
        };
        let mut state = parse(&self.path, &text)?;
        let Some(journal) = journal else { return Ok(Some((state, text, false))) };
        let journal = String::from_utf8_lossy(&journal);
        let replayed = journal::replay(&journal_path, &journal, &mut state)?;
        if replayed.torn_tail {
            tracing::info!(
                "{}: left out its last line, cut short by a run that was stopped while writing it",
                journal_path.display()
            );
        }
        Ok(Some((state, text, replayed.applied > 0)))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn lock_path(&self) -> PathBuf {
        let mut p = self.path.clone().into_os_string();
        p.push(".lock");
        PathBuf::from(p)
    }

    pub fn backup_path(&self) -> PathBuf {
        let mut p = self.path.clone().into_os_string();
        p.push(".backup");
        PathBuf::from(p)
    }

    /// Writes `state` atomically: temporary file with mode 0600, fsync, rename, fsync directory;
    /// then removes the journal, whose records the state now holds (a crash before the removal
    /// leaves records at or below the state's serial, which replay skips).
    fn write_file(&self, state: &State) -> Result<(), StateError> {
        let path = &self.path;
        let dir = self.dir();
        std::fs::create_dir_all(&dir).map_err(|e| StateError::io("create the directory for", path, e))?;
        let mut tmp = path.clone().into_os_string();
        tmp.push(format!(".tmp-{}", std::process::id()));
        let tmp = PathBuf::from(tmp);
        let text = pretty(path, state)?;
        let result = (|| {
            let mut f = OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, path)?;
            std::fs::File::open(&dir)?.sync_all()
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result.map_err(|e| StateError::io("write", path, e))?;
        let len = text.len() as u64;
        {
            let mut sizes = self.sizes();
            sizes.written += len;
            sizes.state = len;
            sizes.journal = 0;
        }
        let journal = self.journal_path();
        match std::fs::remove_file(&journal) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(StateError::io("remove the journal (the state was written whole)", &journal, e)),
        }
    }

    /// Appends `line` to the journal and syncs it (and the directory when the journal is new).
    fn append_line(&self, line: &str) -> Result<bool, StateError> {
        let len = line.len() as u64;
        let fresh = {
            let sizes = self.sizes();
            if sizes.journal + len > journal::bound(sizes.state) {
                return Ok(false);
            }
            sizes.journal == 0
        };
        let path = self.journal_path();
        let mut f = OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| StateError::io("open", &path, e))?;
        let before = f.metadata().map_err(|e| StateError::io("read", &path, e))?.len();
        let written = f.write_all(line.as_bytes()).and_then(|()| f.sync_data());
        if let Err(e) = written {
            // Take back whatever part of the line reached the file, so that no later line
            // follows a cut one; the caller's next write is a whole one, removing the journal.
            let _ = f.set_len(before).and_then(|()| f.sync_data());
            return Err(StateError::io("append to", &path, e));
        }
        if fresh {
            std::fs::File::open(self.dir())
                .and_then(|d| d.sync_all())
                .map_err(|e| StateError::io("sync the directory of", &path, e))?;
        }
        let mut sizes = self.sizes();
        sizes.journal += len;
        sizes.written += len;
        Ok(true)
    }

    /// Keeps the state as it is before this run's first write (with the journal a killed run left
    /// replayed into it).
    fn backup(&self) -> Result<(), StateError> {
        let Some((state, text, replayed)) = self.read_replayed()? else { return Ok(()) };
        let to = self.backup_path();
        let bytes = if replayed { pretty(&self.path, &state)?.into_bytes() } else { text.into_bytes() };
        // The first write after an upgrade from an older format keeps that file for good, next to
        // the usual backup (which the next run overwrites): going back to an older provision
        // stays possible.
        let version = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|v| v.get("format_version").and_then(serde_json::Value::as_u64));
        if let Some(v) = version.filter(|v| *v < u64::from(provision_core::state::FORMAT_VERSION)) {
            let mut kept = self.path.clone().into_os_string();
            kept.push(format!(".v{v}.backup"));
            let kept = PathBuf::from(kept);
            if !kept.exists() {
                write_private(&kept, &bytes)?;
            }
        }
        write_private(&to, &bytes)
    }
}

/// A state as the state file holds it.
fn pretty(path: &Path, state: &State) -> Result<String, StateError> {
    let mut text = serde_json::to_string_pretty(state)
        .map_err(|e| StateError::Corrupt { path: path.to_path_buf(), detail: e.to_string() })?;
    text.push('\n');
    Ok(text)
}

/// Writes `bytes` to `to` with mode 0600 and syncs it.
fn write_private(to: &Path, bytes: &[u8]) -> Result<(), StateError> {
    let mut f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(to)
        .map_err(|e| StateError::io("create", to, e))?;
    f.write_all(bytes).and_then(|()| f.sync_all()).map_err(|e| StateError::io("write", to, e))
}

#[async_trait]
impl Backend for LocalBackend {
    fn location(&self) -> String {
        self.path.display().to_string()
    }

    /// The state file's text, or, when the journal changes it, the replayed state as the state
    /// file would hold it.
    async fn read_text(&self) -> Result<Option<String>, StateError> {
        match self.read_replayed()? {
            Some((state, _, true)) => pretty(&self.path, &state).map(Some),
            Some((_, text, false)) => Ok(Some(text)),
            None => Ok(None),
        }
    }

    async fn read(&self) -> Result<Option<State>, StateError> {
        Ok(self.read_replayed()?.map(|(state, _, _)| state))
    }

    async fn write(&self, state: &State) -> Result<(), StateError> {
        self.write_file(state)
    }

    async fn append(&self, line: &str) -> Result<bool, StateError> {
        self.append_line(line)
    }

    async fn has_journal(&self) -> Result<bool, StateError> {
        let path = self.journal_path();
        path.try_exists().map_err(|e| StateError::io("look for", &path, e))
    }

    async fn before_first_write(&self) -> Result<(), StateError> {
        self.backup()
    }

    async fn lock(&self, operation: &str, timeout: Duration) -> Result<Lock, StateError> {
        let info = LockInfo::new(operation, &self.path).with_process_start();
        lock::acquire(&self.lock_path(), info, timeout).await.map(|g| Lock::File(Box::new(g)))
    }

    async fn lock_info(&self) -> Result<Option<LockInfo>, StateError> {
        lock::read(&self.lock_path())
    }

    async fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError> {
        let path = self.lock_path();
        let holder = lock::read(&path)?.ok_or(StateError::NotLocked { path: path.clone() })?;
        if holder.id != id {
            return Err(StateError::WrongLockId { holder: Box::new(holder), given: id.to_string(), path });
        }
        if !lock::force_remove(&path, id)? {
            // Released or replaced since it was read.
            return match lock::read(&path)? {
                Some(now) => Err(StateError::WrongLockId { holder: Box::new(now), given: id.to_string(), path }),
                None => Err(StateError::NotLocked { path }),
            };
        }
        Ok(holder)
    }

    async fn force_unlock_corrupt(&self, id: &str) -> Result<(), StateError> {
        let path = self.lock_path();
        if lock::remove_corrupt(&path, id)? {
            return Ok(());
        }
        // Not removed: gone, readable, or unreadable with other content (its own ID).
        match lock::read(&path)? {
            Some(holder) => Err(StateError::WrongLockId { holder: Box::new(holder), given: id.to_string(), path }),
            None => Err(StateError::NotLocked { path }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{Journal, Store};
    use provision_core::state::StateStore;
    use std::os::unix::fs::PermissionsExt;

    fn backend() -> (tempfile::TempDir, LocalBackend) {
        let dir = tempfile::tempdir().expect("tempdir");
        let b = LocalBackend::new(dir.path().join("provision.tfstate"));
        (dir, b)
    }

    #[tokio::test]
    async fn writes_atomically_with_mode_0600_and_keeps_a_backup() {
        let (_d, b) = backend();
        assert!(b.read().await.expect("read").is_none());
        let lock = b.lock("apply", Duration::ZERO).await.expect("lock");
        let store = Store::new(&b, &lock);
        let mut s = State::new("lin", "test");
        s.serial = 1;
        store.persist(&s).await.expect("write");
        let mode = std::fs::metadata(b.path()).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(b.read().await.expect("read"), Some(s.clone()));
        // A second run backs up the first version before writing.
        let store = Store::new(&b, &lock);
        s.serial = 2;
        store.persist(&s).await.expect("write");
        let backup =
            parse(&b.backup_path(), &std::fs::read_to_string(b.backup_path()).expect("backup")).expect("parse");
        assert_eq!(backup.serial, 1);
        let leftovers: Vec<_> = std::fs::read_dir(b.path().parent().expect("dir"))
            .expect("ls")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
            .collect();
        assert!(leftovers.is_empty());
    }

    fn obj(address: &str, id: &str) -> provision_core::state::ResourceObject {
        provision_core::state::ResourceObject {
            address: address.parse().expect("address"),
            deposed: None,
            id: id.into(),
            layer: Default::default(),
            provider: provision_core::ProviderRef::default_for("fake"),
            attributes: Default::default(),
            sensitive_attributes: vec![],
            dependencies: vec![],
            unfinished: false,
            tainted: false,
        }
    }

    /// Writes serials 1..=n through one store (one object each), as one run would; returns them.
    async fn run_of(b: &LocalBackend, lock: &Lock, n: u64) -> Vec<State> {
        let store = Store::new(b, lock);
        let mut s = State::new("lin", "test");
        let mut all = vec![];
        for i in 1..=n {
            s.serial = i;
            s.upsert(obj(&format!("fake_network.n{i}"), &format!("id-{i}")));
            store.persist(&s).await.expect("write");
            all.push(s.clone());
        }
        all
    }

    #[tokio::test]
    async fn writes_after_the_first_are_journaled_and_every_reader_replays_them() {
        let (_d, b) = backend();
        let lock = b.lock("apply", Duration::ZERO).await.expect("lock");
        let states = run_of(&b, &lock, 4).await;
        // The run was killed here: the state file holds the first write, the journal the rest.
        let file = parse(b.path(), &std::fs::read_to_string(b.path()).expect("state")).expect("parse");
        assert_eq!(file.serial, 1);
        let journal = std::fs::read_to_string(b.journal_path()).expect("journal");
        assert_eq!(journal.lines().count(), 3);
        let mode = std::fs::metadata(b.journal_path()).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(b.read().await.expect("read").as_ref(), states.last(), "read replays");
        // `state pull` prints the replayed state, as the state file would hold it.
        let pulled = b.read_text().await.expect("pull").expect("some");
        assert_eq!(parse(b.path(), &pulled).expect("parse").serial, 4);
        assert_eq!(std::fs::read_to_string(b.journal_path()).expect("journal"), journal, "readers leave it alone");
        // The next run's first write is whole: the journal is compacted into it.
        let store = Store::new(&b, &lock);
        let mut next = states[3].clone();
        next.serial = 5;
        store.persist(&next).await.expect("write");
        assert!(!b.journal_path().exists());
        let backup = parse(&b.backup_path(), &std::fs::read_to_string(b.backup_path()).expect("backup")).expect("bk");
        assert_eq!(backup, states[3], "the backup is the state the killed run left, journal included");
        // Ending a command compacts; with nothing journaled there is nothing to do.
        store.compact().await.expect("compact");
        next.serial = 6;
        next.upsert(obj("fake_network.z", "id-z"));
        store.persist(&next).await.expect("write");
        assert!(b.journal_path().exists());
        store.compact().await.expect("compact");
        assert!(!b.journal_path().exists(), "no journal is left behind");
        let file = parse(b.path(), &std::fs::read_to_string(b.path()).expect("state")).expect("parse");
        assert_eq!(file, next);
    }

    #[tokio::test]
    async fn a_journal_whose_records_are_already_in_the_state_is_skipped() {
        let (_d, b) = backend();
        let lock = b.lock("apply", Duration::ZERO).await.expect("lock");
        let states = run_of(&b, &lock, 3).await;
        let journal = std::fs::read(b.journal_path()).expect("journal");
        // Compaction wrote the state, then the run was killed before the journal was removed.
        let mut j = Journal::default();
        j.persist(&b, &states[2]).await.expect("whole write");
        std::fs::write(b.journal_path(), &journal).expect("put the journal back");
        assert_eq!(b.read().await.expect("read").as_ref(), Some(&states[2]));
    }

    #[tokio::test]
    async fn a_torn_last_line_is_left_out_and_a_corrupt_record_refused() {
        let (_d, b) = backend();
        let lock = b.lock("apply", Duration::ZERO).await.expect("lock");
        let states = run_of(&b, &lock, 4).await;
        let journal = std::fs::read_to_string(b.journal_path()).expect("journal");
        // Killed while appending the last record: never acknowledged, so its operation never
        // started; the state is the one before it.
        std::fs::write(b.journal_path(), &journal[..journal.len() - 7]).expect("cut");
        assert_eq!(b.read().await.expect("read").as_ref(), Some(&states[2]));
        // A damaged record in the middle is refused with the file and the line, and nothing is
        // written over it.
        let damaged = journal.replacen("id-3", "id-X", 1);
        std::fs::write(b.journal_path(), &damaged).expect("damage");
        for err in [b.read().await.expect_err("refused"), b.read_text().await.expect_err("refused")] {
            let msg = err.to_string();
            assert!(
                msg.contains(&format!("the state journal {} is corrupt at line 2", b.journal_path().display())),
                "{msg}"
            );
            assert!(msg.contains("move the journal aside"), "{msg}");
        }
        let store = Store::new(&b, &lock);
        assert!(store.persist(&states[3]).await.is_err(), "no write over a journal that cannot be read");
        assert_eq!(std::fs::read_to_string(b.journal_path()).expect("journal"), damaged);
        // A journal without a state.
        std::fs::remove_file(b.path()).expect("rm");
        let msg = b.read().await.expect_err("refused").to_string();
        assert!(msg.contains("there is no state file"), "{msg}");
    }

    #[tokio::test]
    async fn the_journal_is_compacted_when_it_outgrows_its_bound() {
        let (_d, b) = backend();
        let lock = b.lock("apply", Duration::ZERO).await.expect("lock");
        let store = Store::new(&b, &lock);
        let mut s = State::new("lin", "test");
        let big = "x".repeat(100_000);
        let mut compactions = 0;
        let mut last_whole = 0;
        for i in 1..=60u64 {
            s.serial = i;
            let mut o = obj(&format!("fake_network.n{i}"), &format!("id-{i}"));
            o.attributes.insert("blob".into(), provision_core::Value::String(big.clone()));
            s.upsert(o);
            store.persist(&s).await.expect("write");
            let journal = std::fs::metadata(b.journal_path()).map(|m| m.len()).unwrap_or(0);
            if journal == 0 {
                compactions += 1;
                last_whole = std::fs::metadata(b.path()).expect("state").len();
            }
            assert!(journal <= journal::bound(last_whole), "journal {journal} bytes over a state of {last_whole}");
        }
        // The first write, and one compaction once the journal passed 4 MiB.
        assert_eq!(compactions, 2);
        assert_eq!(b.read().await.expect("read"), Some(s));
    }

    #[tokio::test]
    async fn a_whole_write_leaves_no_journal() {
        // What `state push` does: one write through a new store.
        let (_d, b) = backend();
        let lock = b.lock("apply", Duration::ZERO).await.expect("lock");
        let states = run_of(&b, &lock, 3).await;
        assert!(b.journal_path().exists());
        let mut pushed = states[0].clone();
        pushed.serial = 4;
        Store::new(&b, &lock).persist(&pushed).await.expect("push");
        assert!(!b.journal_path().exists());
        assert_eq!(b.read().await.expect("read"), Some(pushed));
    }

    #[tokio::test]
    async fn refuses_corrupt_foreign_and_newer_state_and_leaves_it_alone() {
        let (_d, b) = backend();
        let cases = [
            (
                "{\"format\": \"provision-state\", \"format_version\": 1, \"serial\": ",
                "is corrupt: invalid JSON at line 1",
            ),
            (
                "{\"version\": 4, \"terraform_version\": \"1.9.5\", \"resources\": []}",
                "it is a Terraform state (Terraform 1.9.5)",
            ),
            (
                "{\"format\": \"provision-state\", \"format_version\": 99, \"serial\": 1, \"lineage\": \"x\", \"provision_version\": \"9\"}",
                "state format 99; this provision reads up to 2",
            ),
            ("[1, 2]", "not an object"),
        ];
        for (text, want) in cases {
            std::fs::write(b.path(), text).expect("write");
            let err = b.read().await.expect_err("must be refused").to_string();
            assert!(err.contains(want), "{err}");
            assert_eq!(std::fs::read_to_string(b.path()).expect("read"), text, "the file must be left untouched");
        }
    }

    fn state_with(serial: &str, resources: &str) -> String {
        format!(
            "{{\"format\": \"provision-state\", \"format_version\": 1, \"serial\": {serial}, \"lineage\": \"l\", \"provision_version\": \"0.1.0\", \"resources\": [{resources}]}}"
        )
    }

    fn object(address: &str, id: &str, deposed: Option<&str>) -> String {
        let deposed = deposed.map(|k| format!(", \"deposed\": \"{k}\"")).unwrap_or_default();
        format!("{{\"address\": \"{address}\", \"id\": \"{id}\", \"attributes\": {{}}{deposed}}}")
    }

    #[tokio::test]
    async fn refuses_a_state_that_lists_an_object_twice_and_leaves_it_alone() {
        let (_d, b) = backend();
        let cases = [
            (
                vec![
                    object("aws_vpc.main", "vpc-1", None),
                    object("aws_subnet.a[0]", "subnet-1", None),
                    object("aws_vpc.main", "vpc-2", None),
                ],
                "aws_vpc.main is listed twice in \"resources\" (entries 1 and 3: vpc-1 and vpc-2)",
            ),
            (
                vec![object("aws_vpc.main", "vpc-1", Some("d1")), object("aws_vpc.main", "vpc-2", Some("d1"))],
                "aws_vpc.main (deposed d1) is listed twice in \"resources\" (entries 1 and 2: vpc-1 and vpc-2)",
            ),
        ];
        for (objects, want) in cases {
            let text = state_with("4", &objects.join(", "));
            std::fs::write(b.path(), &text).expect("write");
            let err = b.read().await.expect_err("must be refused").to_string();
            assert!(err.contains("is corrupt"), "{err}");
            assert!(err.contains(want), "{err}");
            assert_eq!(std::fs::read_to_string(b.path()).expect("read"), text, "the file must be left untouched");
        }
        // The same address, once current and once deposed, or deposed under two keys, is fine.
        let text = state_with(
            "4",
            &[
                object("aws_vpc.main", "vpc-1", None),
                object("aws_vpc.main", "vpc-2", Some("d1")),
                object("aws_vpc.main", "vpc-3", Some("d2")),
            ]
            .join(", "),
        );
        std::fs::write(b.path(), &text).expect("write");
        assert_eq!(b.read().await.expect("read").map(|s| s.resources.len()), Some(3));
    }

    #[tokio::test]
    async fn refuses_a_state_whose_serial_cannot_be_increased() {
        let (_d, b) = backend();
        let text = state_with(&u64::MAX.to_string(), "");
        std::fs::write(b.path(), &text).expect("write");
        let err = b.read().await.expect_err("must be refused").to_string();
        assert!(err.contains(&format!("\"serial\" is {}", u64::MAX)), "{err}");
        assert!(err.contains("the next write could not increase it"), "{err}");
        assert_eq!(std::fs::read_to_string(b.path()).expect("read"), text, "the file must be left untouched");
        // One below is still fine: one more write fits.
        std::fs::write(b.path(), state_with(&(u64::MAX - 1).to_string(), "")).expect("write");
        assert_eq!(b.read().await.expect("read").map(|s| s.serial), Some(u64::MAX - 1));
    }

    #[tokio::test]
    async fn a_second_lock_names_the_holder_and_waits_with_a_timeout() {
        let (_d, b) = backend();
        let first = b.lock("apply", Duration::ZERO).await.expect("lock");
        let err = b.lock("plan", Duration::ZERO).await.expect_err("locked");
        let msg = err.to_string();
        assert!(msg.contains(&format!("pid {}", std::process::id())), "{msg}");
        assert!(msg.contains("`apply`"), "{msg}");
        assert!(msg.contains(&first.info().id), "{msg}");
        // Waiting: released after 300 ms, taken within the timeout.
        let holder = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            drop(first);
        });
        let second = b.lock("plan", Duration::from_secs(5)).await.expect("waited for the lock");
        holder.await.expect("join");
        assert_eq!(b.lock_info().await.expect("info").map(|i| i.id), Some(second.info().id.clone()));
        drop(second);
        assert!(b.lock_info().await.expect("info").is_none(), "dropping the guard releases the lock");
    }

    /// The pid of a process that has exited: spawned and waited for.
    fn dead_pid() -> u32 {
        let mut child = std::process::Command::new("true").spawn().expect("spawn");
        let pid = child.id();
        child.wait().expect("wait");
        pid
    }

    /// Leaves a lock file as another run would, naming `pid` on `host`, with the holder's process
    /// start time when given (lock files of older versions have none). Returns its lock ID.
    fn leave_lock(b: &LocalBackend, pid: u32, host: &str, start: Option<u64>) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        let mut info = serde_json::json!({
            "ID": id, "Operation": "apply", "Who": "ci@builder", "Host": host, "Pid": pid,
            "Version": "0.1.0", "Created": "2026-11-22T08:00:00Z", "Path": "provision.tfstate"
        });
        if let Some(start) = start {
            info["ProcessStart"] = start.into();
        }
        std::fs::write(b.lock_path(), info.to_string()).expect("write the lock file");
        id
    }

    fn this_host() -> String {
        LockInfo::new("x", Path::new("x")).host
    }

    #[tokio::test]
    async fn a_lock_whose_process_is_gone_is_taken_over() {
        let (_d, b) = backend();
        // Written by an older version: no process start time; the pid alone decides.
        let id = leave_lock(&b, dead_pid(), &this_host(), None);
        let lock = b.lock("apply", Duration::ZERO).await.expect("taken over");
        assert_eq!(lock.took_over_from().map(|h| h.id.as_str()), Some(id.as_str()), "the takeover is reported");
        let line = lock.taken_over().expect("taken over").to_string();
        assert!(line.starts_with(&format!("took over the state lock of ci@builder (`apply` since 2026-11-22T08:00:00Z, lock ID {id}): its process (pid ")), "{line}");
        assert!(line.contains("is no longer running on this host"), "{line}");
        assert!(!line.contains('\n'), "one line: {line}");
        assert_eq!(b.lock_info().await.expect("info").map(|i| i.id), Some(lock.info().id.clone()));
        // The new lock file records when this process started, to tell it from a later one.
        let written: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(b.lock_path()).expect("read")).expect("json");
        assert_eq!(written["ProcessStart"].as_u64(), lock::process_start(std::process::id()));
        assert!(written["ProcessStart"].is_u64(), "{written}");
        lock.release().await.expect("release");
        assert!(b.lock_info().await.expect("info").is_none());
    }

    #[tokio::test]
    async fn a_lock_whose_pid_now_belongs_to_a_later_process_is_taken_over() {
        let (_d, b) = backend();
        // Our own pid, alive, but the lock says its holder started at another time.
        let id = leave_lock(&b, std::process::id(), &this_host(), Some(1));
        let lock = b.lock("apply", Duration::ZERO).await.expect("taken over");
        assert_eq!(lock.took_over_from().map(|h| h.id.as_str()), Some(id.as_str()));
        let line = lock.taken_over().expect("taken over").to_string();
        assert!(line.contains("that pid now belongs to a later process"), "{line}");
    }

    #[tokio::test]
    async fn a_lock_whose_process_is_alive_or_on_another_host_is_never_taken_over() {
        let (_d, b) = backend();
        let ours = lock::process_start(std::process::id());
        let cases = [
            (std::process::id(), this_host(), None),
            (std::process::id(), this_host(), ours),
            (dead_pid(), "another-host.example".to_string(), None),
            (dead_pid(), "another-host.example".to_string(), Some(1)),
        ];
        for (pid, host, start) in cases {
            let id = leave_lock(&b, pid, &host, start);
            let before = std::fs::read_to_string(b.lock_path()).expect("read");
            let err = b.lock("apply", Duration::from_millis(300)).await.expect_err("held");
            assert!(matches!(err, StateError::Locked { .. }), "{err}");
            assert!(err.to_string().contains(&id), "{err}");
            assert_eq!(std::fs::read_to_string(b.lock_path()).expect("read"), before, "the lock file is untouched");
        }
    }

    /// Several runs find the same dead holder at once: exactly one takes the lock over.
    #[test]
    fn only_one_of_many_takes_over_a_dead_holder() {
        for round in 0..50 {
            let (_d, b) = backend();
            leave_lock(&b, dead_pid(), &this_host(), None);
            let start = std::sync::Arc::new(std::sync::Barrier::new(8));
            let runs: Vec<_> = (0..8)
                .map(|_| {
                    let (b, start) = (b.clone(), start.clone());
                    std::thread::spawn(move || {
                        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                        start.wait();
                        rt.block_on(b.lock("apply", Duration::ZERO))
                    })
                })
                .collect();
            let mut held = vec![];
            for run in runs {
                match run.join().expect("join") {
                    Ok(lock) => held.push(lock),
                    Err(StateError::Locked { .. }) => {}
                    Err(e) => panic!("round {round}: {e}"),
                }
            }
            assert_eq!(held.len(), 1, "round {round}: {} runs hold the lock", held.len());
        }
    }

    #[tokio::test]
    async fn a_corrupt_lock_file_is_explained_precisely() {
        let (_d, b) = backend();
        for content in ["", "{\"ID\": \"abc\", ", "not a lock", "{\"ID\": \"abc\"}"] {
            std::fs::write(b.lock_path(), content).expect("write");
            let msg = b.lock("apply", Duration::ZERO).await.expect_err("corrupt").to_string();
            assert!(msg.contains(&format!("the lock file {} is corrupt", b.lock_path().display())), "{msg}");
            assert!(!msg.contains(".backup"), "there is no backup of a lock file: {msg}");
            assert!(msg.contains("provision state force-unlock "), "{msg}");
            assert_eq!(std::fs::read_to_string(b.lock_path()).expect("read"), content, "left untouched");
            let Err(StateError::CorruptLock { id, .. }) = b.lock_info().await else { panic!("{content:?}: corrupt") };
            assert!(msg.ends_with(&format!("provision state force-unlock {id}")), "{msg}");
            assert!(b.force_unlock_corrupt("corrupt-000000000000").await.is_err(), "another ID removes nothing");
            assert!(b.lock_path().exists());
            b.force_unlock_corrupt(&id).await.expect("removed");
            assert!(b.lock_info().await.expect("info").is_none());
        }
        b.lock("apply", Duration::ZERO).await.expect("free again");
    }
}
