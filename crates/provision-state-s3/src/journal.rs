//! The state journal in S3: between whole writes of the state object, each state write is one
//! small object (a segment) holding one journal record in the local journal's line format
//! (`provision_state::journal`), so an apply uploads about its changes instead of the whole state
//! on every write. Readers (the next run, `state pull`) replay the segments over the state object.
//!
//! Layout. Each whole write of the state object gives it a fresh *generation* (a random ID, kept in
//! the object's metadata `x-amz-meta-provision-journal`); the segments that follow it are
//! `<state key>.journal/<generation>/<serial, 20 digits>`, where the serial is the one the record
//! makes. A random generation rather than the state's ETag: two versions of the state with the
//! same content (and no KMS) have the same ETag, and could adopt the leftovers of an earlier one.
//!
//! Why a stale writer's segment is refused. Every object is written with a condition: segments
//! with `If-None-Match: *` (serial n is created once), the state object with `If-Match` the ETag
//! read. Before a whole write replaces a generation, the writer *seals* it: it creates the next
//! free serial of that generation as a seal object. Another writer of that generation (a run whose
//! lease was taken over) then cannot add a record the whole write would miss: either its segment
//! landed before the seal, and the seal (at that serial) fails, so the whole write stops with a
//! conflict; or it comes after, and its create fails. Once the new state object is written, the
//! old generation's objects (the seal too) are deleted, which frees those keys again; so after
//! each segment the writer also reads the state object's generation (HeadObject, no body): a
//! segment counts as written only when its generation is still the current one. If the head sees
//! the generation, any later whole write will seal after that segment, and so include it.
//!
//! A crash between the state write and the deletions leaves objects under a generation that is no
//! longer the state object's: readers ignore them and the next whole write removes them. A crash
//! between the seal and the state write leaves a sealed generation that is still current: readers
//! replay it up to the seal, and the next whole write, finding it sealed, writes over it.

use crate::{S3Backend, explain, remote};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier, ServerSideEncryption};
use provision_core::state::State;
use provision_state::{StateError, journal, parse};
use std::path::{Path, PathBuf};

/// The object metadata key that holds the state object's generation.
pub(crate) const GENERATION: &str = "provision-journal";

/// The content of a seal: not a journal record (a reader stops at it).
pub(crate) const SEAL: &str = "{\"sealed\":\"the state object was written whole after this\"}\n";

/// Attempts at a consistent read when the state object changes while its journal is read.
const READ_ATTEMPTS: usize = 5;

/// Where this process stands on the state object: what it last read or wrote.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Follow {
    pub etag: Option<String>,
    /// The state object's generation; `None` for a state written without one (an older provision),
    /// which no segment can follow until it is written again.
    pub generation: Option<String>,
    /// The serial the next segment makes.
    pub next: u64,
    /// Segments (of a killed run, or of this one) follow the state object.
    pub live: bool,
    /// The generation is sealed: no segment can be added to it.
    pub sealed: bool,
    /// The state object's size when written whole, and the segments' since (the bound).
    pub state_len: u64,
    pub journal_len: u64,
    /// A segment whose create may or may not have landed (its answer was lost): its serial and
    /// content.
    pub unsure: Option<(u64, String)>,
}

/// A state object as read, with its journal replayed.
pub(crate) struct Loaded {
    pub text: String,
    pub state: State,
    pub follow: Follow,
    pub replayed: bool,
}

/// Why a journal read did not complete.
enum Miss {
    /// The state object changed while its segments were read (a compaction): read again.
    Changed,
    Error(StateError),
}

impl From<StateError> for Miss {
    fn from(e: StateError) -> Self {
        Miss::Error(e)
    }
}

fn is_conditional_failure(code: Option<&str>) -> bool {
    matches!(code, Some("PreconditionFailed" | "ConditionalRequestConflict"))
}

impl S3Backend {
    /// The prefix of every generation's segments.
    pub(crate) fn journal_root(&self) -> String {
        format!("{}.journal/", self.config.state_key())
    }

    fn segment_key(&self, generation: &str, serial: u64) -> String {
        format!("{}{generation}/{serial:020}", self.journal_root())
    }

    fn object_url(&self, key: &str) -> String {
        format!("s3://{}/{key}", self.config.bucket)
    }

    /// Reads the state object and replays the segments that follow it. `None` when there is no
    /// state object.
    pub(crate) async fn load(&self) -> Result<Option<Loaded>, StateError> {
        for _ in 0..READ_ATTEMPTS {
            match self.load_once().await {
                Ok(loaded) => return Ok(loaded),
                Err(Miss::Changed) => continue,
                Err(Miss::Error(e)) => return Err(e),
            }
        }
        Err(remote(format!(
            "reading {} failed: the state object was replaced {READ_ATTEMPTS} times while its journal was being read; run again",
            self.url()
        )))
    }

    async fn load_once(&self) -> Result<Option<Loaded>, Miss> {
        let c = self.clients().await?;
        let key = self.config.state_key();
        let out = match c.s3.get_object().bucket(&self.config.bucket).key(&key).send().await {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Ok(None),
            Err(e) => return Err(remote(explain("s3:GetObject", &self.url(), &c.region, &e).1).into()),
        };
        let etag = out.e_tag().map(str::to_string);
        let generation = out.metadata().and_then(|m| m.get(GENERATION)).cloned();
        let bytes =
            out.body.collect().await.map_err(|e| remote(format!("reading {} failed: {e}", self.url())))?.into_bytes();
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|_| StateError::Corrupt { path: self.url().into(), detail: "it is not UTF-8 text".into() })?;
        let mut state = parse(Path::new(&self.url()), &text)?;
        let mut follow = Follow {
            etag: etag.clone(),
            generation: generation.clone(),
            next: state.serial + 1,
            state_len: text.len() as u64,
            ..Follow::default()
        };
        let Some(generation) = generation else {
            return Ok(Some(Loaded { text, state, follow, replayed: false }));
        };
        let prefix = format!("{}{generation}/", self.journal_root());
        let keys = self.list(&prefix).await?;
        let mut replayed = false;
        for k in keys {
            let url = self.object_url(&k);
            let corrupt =
                |detail: String| Miss::Error(StateError::CorruptJournal { path: PathBuf::from(&url), line: 1, detail });
            let Ok(serial) = k[prefix.len()..].parse::<u64>() else {
                return Err(corrupt(
                    "its name does not end in the serial of its record: only provision writes under the .journal/ prefix".into(),
                ));
            };
            let Some(body) = self.get_small(&k).await? else {
                // Deleted since it was listed: the state object was replaced meanwhile.
                return Err(self.changed_or(&etag, Miss::Changed).await);
            };
            if body == SEAL.as_bytes() {
                follow.sealed = true;
                break;
            }
            if serial != state.serial + 1 {
                let missing = self.object_url(&self.segment_key(&generation, state.serial + 1));
                let gap = corrupt(format!(
                    "it makes serial {serial}, but the state with the segments before it is at serial {}: {missing} is missing",
                    state.serial
                ));
                return Err(self.changed_or(&etag, gap).await);
            }
            let body = String::from_utf8(body)
                .map_err(|_| corrupt("it is not UTF-8 text: it was not written by provision".into()))?;
            if !body.ends_with('\n') || body[..body.len() - 1].contains('\n') {
                return Err(corrupt(
                    "it is not one complete journal line (S3 writes an object whole, so it was changed after provision wrote it)".into(),
                ));
            }
            let done = journal::replay(Path::new(&url), &body, &mut state).map_err(Miss::Error)?;
            if done.applied != 1 {
                return Err(corrupt(format!("its record does not make serial {serial}, as its name says")));
            }
            follow.next = state.serial + 1;
            follow.journal_len += body.len() as u64;
            follow.live = true;
            replayed = true;
        }
        Ok(Some(Loaded { text, state, follow, replayed }))
    }

    /// `Miss::Changed` when the state object's ETag is no longer `etag`, `otherwise` when it is.
    async fn changed_or(&self, etag: &Option<String>, otherwise: Miss) -> Miss {
        match self.head().await {
            Ok(Some((now, _))) if &now == etag => otherwise,
            Ok(_) => Miss::Changed,
            Err(e) => Miss::Error(e),
        }
    }

    /// The state object's ETag and generation; `None` when it is gone.
    async fn head(&self) -> Result<Option<(Option<String>, Option<String>)>, StateError> {
        let c = self.clients().await?;
        match c.s3.head_object().bucket(&self.config.bucket).key(self.config.state_key()).send().await {
            Ok(out) => {
                Ok(Some((out.e_tag().map(str::to_string), out.metadata().and_then(|m| m.get(GENERATION)).cloned())))
            }
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(None),
            Err(e) => Err(remote(explain("s3:HeadObject", &self.url(), &c.region, &e).1)),
        }
    }

    /// The keys under `prefix`, in order.
    async fn list(&self, prefix: &str) -> Result<Vec<String>, StateError> {
        let c = self.clients().await?;
        let mut keys = vec![];
        let mut token = None;
        loop {
            let out =
                c.s3.list_objects_v2()
                    .bucket(&self.config.bucket)
                    .prefix(prefix)
                    .set_continuation_token(token)
                    .send()
                    .await
                    .map_err(|e| remote(explain("s3:ListBucket", &self.object_url(prefix), &c.region, &e).1))?;
            keys.extend(out.contents().iter().filter_map(|o| o.key().map(str::to_string)));
            token = out.next_continuation_token().map(str::to_string);
            if token.is_none() || out.is_truncated() != Some(true) {
                break;
            }
        }
        keys.sort();
        Ok(keys)
    }

    /// An object's bytes; `None` when it does not exist.
    async fn get_small(&self, key: &str) -> Result<Option<Vec<u8>>, StateError> {
        let c = self.clients().await?;
        match c.s3.get_object().bucket(&self.config.bucket).key(key).send().await {
            Ok(out) => {
                let bytes = out
                    .body
                    .collect()
                    .await
                    .map_err(|e| remote(format!("reading {} failed: {e}", self.object_url(key))))?;
                Ok(Some(bytes.into_bytes().to_vec()))
            }
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => Ok(None),
            Err(e) => Err(remote(explain("s3:GetObject", &self.object_url(key), &c.region, &e).1)),
        }
    }

    /// Creates `key` with `body` if it does not exist: `Ok(false)` when it does.
    async fn create(&self, key: &str, body: &str) -> Result<bool, StateError> {
        let c = self.clients().await?;
        let mut req =
            c.s3.put_object()
                .bucket(&self.config.bucket)
                .key(key)
                .content_type("application/json")
                .if_none_match("*")
                .body(ByteStream::from(body.as_bytes().to_vec()));
        if self.config.encrypt {
            req = match &self.config.kms_key_id {
                Some(k) => req.server_side_encryption(ServerSideEncryption::AwsKms).ssekms_key_id(k),
                None => req.server_side_encryption(ServerSideEncryption::Aes256),
            };
        }
        self.count_upload(body.len());
        match req.send().await {
            Ok(_) => Ok(true),
            Err(e) => {
                let (code, msg) = explain("s3:PutObject", &self.object_url(key), &c.region, &e);
                if is_conditional_failure(code.as_deref()) { Ok(false) } else { Err(remote(msg)) }
            }
        }
    }

    /// This run's segment was refused: another run wrote the state object since (this run's lease
    /// was taken over).
    fn taken_over(&self, key: &str) -> StateError {
        StateError::Conflict {
            location: self.url(),
            detail: format!(
                "another run wrote the state whole since this run last did, so this run's journal segment {} was refused (its lock was taken over)",
                self.object_url(key)
            ),
        }
    }

    /// A segment this run did not read is there: another run appended it after this run read the
    /// state.
    fn appended_since(&self, key: &str) -> StateError {
        StateError::Conflict {
            location: self.url(),
            detail: format!("another run appended {} to its journal after this run read it", self.object_url(key)),
        }
    }

    /// Appends one journal line as the next segment. `Ok(false)` when the state object has no
    /// generation to follow or the journal reached its bound (the caller writes the whole state).
    pub(crate) async fn append_segment(&self, line: &str) -> Result<bool, StateError> {
        let Some(mut follow) = self.follow() else { return Ok(false) };
        let Some(generation) = follow.generation.clone() else { return Ok(false) };
        let len = line.len() as u64;
        if follow.sealed || follow.journal_len + len > journal::bound(follow.state_len) {
            return Ok(false);
        }
        // The record must make the serial that comes next; anything else is written whole.
        let serial =
            serde_json::from_str::<serde_json::Value>(line).ok().and_then(|v| v.get("record")?.get("serial")?.as_u64());
        if serial != Some(follow.next) {
            return Ok(false);
        }
        let key = self.segment_key(&generation, follow.next);
        follow.unsure = Some((follow.next, line.to_string()));
        self.set_follow(Some(follow.clone()));
        if !self.create(&key, line).await? {
            return Err(self.taken_over(&key));
        }
        // The segment counts only if it follows the current state object (see the module docs).
        match self.head().await? {
            Some((_, Some(now))) if now == generation => {}
            _ => return Err(self.taken_over(&key)),
        }
        follow.unsure = None;
        follow.next += 1;
        follow.journal_len += len;
        follow.live = true;
        self.set_follow(Some(follow));
        Ok(true)
    }

    /// Before a whole write: seals the generation the state object has, so that no segment can be
    /// added to it that the whole write would miss. A conflict when a segment this process did not
    /// read is there.
    pub(crate) async fn seal(&self) -> Result<(), StateError> {
        let Some(mut follow) = self.follow() else { return Ok(()) };
        let Some(generation) = follow.generation.clone() else { return Ok(()) };
        if follow.sealed {
            return Ok(());
        }
        loop {
            let key = self.segment_key(&generation, follow.next);
            if self.create(&key, SEAL).await? {
                break;
            }
            let found = self.get_small(&key).await?;
            match (&found, &follow.unsure) {
                // Sealed by a run that stopped before its whole write.
                (Some(b), _) if b == SEAL.as_bytes() => break,
                // This process's own segment, whose answer was lost: it landed.
                (Some(b), Some((serial, line))) if *serial == follow.next && b == line.as_bytes() => {
                    follow.next += 1;
                    follow.unsure = None;
                }
                _ => return Err(self.appended_since(&key)),
            }
        }
        follow.sealed = true;
        self.set_follow(Some(follow));
        Ok(())
    }

    /// After a whole write: deletes every segment and seal but those of `keep` (the new
    /// generation, which has none yet). A failure is only logged: readers ignore those objects,
    /// and the next whole write tries again.
    pub(crate) async fn clean(&self, keep: &str) {
        if let Err(e) = self.clean_except(keep).await {
            tracing::warn!("{e}; the objects left are ignored by readers and removed by the next whole write");
        }
    }

    async fn clean_except(&self, keep: &str) -> Result<(), StateError> {
        let root = self.journal_root();
        let keep = format!("{root}{keep}/");
        let old: Vec<String> = self.list(&root).await?.into_iter().filter(|k| !k.starts_with(&keep)).collect();
        let c = self.clients().await?;
        for chunk in old.chunks(1000) {
            let objects = chunk
                .iter()
                .map(|k| ObjectIdentifier::builder().key(k).build())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| remote(format!("deleting the journal of {} failed: {e}", self.url())))?;
            let delete = Delete::builder()
                .set_objects(Some(objects))
                .quiet(true)
                .build()
                .map_err(|e| remote(format!("deleting the journal of {} failed: {e}", self.url())))?;
            let out =
                c.s3.delete_objects()
                    .bucket(&self.config.bucket)
                    .delete(delete)
                    .send()
                    .await
                    .map_err(|e| remote(explain("s3:DeleteObject", &self.object_url(&root), &c.region, &e).1))?;
            if let Some(err) = out.errors().first() {
                return Err(remote(format!(
                    "deleting {} failed: {}",
                    self.object_url(err.key().unwrap_or(&root)),
                    err.message().unwrap_or("no reason given")
                )));
            }
        }
        Ok(())
    }
}
