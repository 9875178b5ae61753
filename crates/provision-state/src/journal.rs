//! The state journal: after a command's first state write, each write appends only what changed
//! (one checksummed JSON line) instead of rewriting the whole state, so the bytes an apply writes
//! grow with its changes, not with changes × state size. Readers replay the journal over the
//! state; the writer compacts it into the state at the end of the command and whenever it grows
//! past a bound.
//!
//! A line is `{"sum":"<16 hex digits>","record":<record>}`: the sum is FNV-1a (64 bits) over the
//! record's bytes exactly as written, so a record is checked without re-serialising it. Records
//! carry the serial they produce and the state's lineage; replay skips those at or below the
//! state's serial (already compacted) and refuses a gap.
//!
//! Why a torn last line is dropped and nothing else is: a line is written by one `write` and made
//! durable by `fsync` before the write is acknowledged, and the engine makes the AWS call a record
//! announces only after the acknowledgement. A run killed during the append therefore never
//! started that operation; dropping the line is the same as being killed just before the write,
//! which crash recovery handles. Such a line is the last one, and either lacks its newline (the
//! write stopped) or holds NUL bytes (the file grew but its pages were never written). Any other
//! unreadable line — in the middle, or a complete last line without NULs — was acknowledged, and
//! is refused with its file and line: dropping it could forget an object provision made.

use crate::StateError;
use crate::backend::check_consistent;
use provision_core::Address;
use provision_core::state::{
    FORMAT_MARKER, FORMAT_VERSION, ObjectKey, OutputValue, PendingCreate, ResourceObject, State,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The journal grows to at most [`bound`] before it is compacted into the state (the state
/// written whole, the journal removed).
///
/// Why max(4 MiB, 4 × the state's size when last written whole): a journal holds each object about
/// one and a half times (its pending create with the arguments it was created with, then the
/// object), so an apply that creates a whole stack journals about 1.5 × the final state. A bound
/// of a few states keeps such an apply to one compaction, the final one — about 2.5 × the final
/// state written in all — while replay still reads at most about five states, a few megabytes
/// (tens of milliseconds). A bound of one state would compact mid-apply and reach 3.5 × (measured
/// at 1,000 objects against moto); the 4 MiB floor matters while the state is still small.
pub fn bound(state_len: u64) -> u64 {
    MIN_BOUND.max(state_len.saturating_mul(4))
}

/// The smallest journal bound, whatever the state's size.
pub const MIN_BOUND: u64 = 4 * 1024 * 1024;

/// An object in `resources`, named as the state names it (address and deposed key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Key {
    pub address: Address,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deposed: Option<String>,
}

/// A pending create, named by its address and idempotency token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingKey {
    pub address: Address,
    pub token: String,
}

/// One state write: what changed since the previous serial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The serial of the state this record produces.
    pub serial: u64,
    pub lineage: String,
    pub format_version: u32,
    pub provision_version: String,
    /// Objects added or changed (whole objects).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upsert: Vec<ResourceObject>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove: Vec<Key>,
    /// Pending creates started (appended to the list, in this order).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending_add: Vec<PendingCreate>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending_remove: Vec<PendingKey>,
    /// The whole pending list, when the change is not additions and removals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<Vec<PendingCreate>>,
    /// The whole outputs map, when it changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outputs: Option<BTreeMap<String, OutputValue>>,
}

type ObjKey<'a> = (&'a Address, Option<&'a str>);

fn key_of(r: &ResourceObject) -> ObjKey<'_> {
    (&r.address, r.deposed.as_deref())
}

fn pending_key(p: &PendingCreate) -> (&Address, &str) {
    (&p.address, p.token.as_str())
}

/// The record that turns `old` into exactly `new` when replayed, or `None` when `new` is not the
/// next serial of `old` or its order cannot be reproduced (the caller then writes the whole state).
pub fn delta(old: &State, new: &State) -> Option<Record> {
    if !follows(old, new) {
        return None;
    }
    let mut before: BTreeMap<ObjKey<'_>, &ResourceObject> = BTreeMap::new();
    for r in &old.resources {
        if before.insert(key_of(r), r).is_some() {
            return None;
        }
    }
    let mut upsert = vec![];
    for r in &new.resources {
        match before.remove(&key_of(r)) {
            Some(o) if o == r => {}
            _ => upsert.push(r.clone()),
        }
    }
    let removed: BTreeSet<ObjKey<'_>> = before.into_keys().collect();
    // Replay sorts after upserts (as `State::upsert` does) and keeps the order otherwise.
    let order_kept = if upsert.is_empty() {
        old.resources.iter().map(key_of).filter(|k| !removed.contains(k)).eq(new.resources.iter().map(key_of))
    } else {
        new.resources.windows(2).all(|w| key_of(&w[0]) < key_of(&w[1]))
    };
    if !order_kept {
        return None;
    }
    let remove = removed.iter().map(|(a, d)| Key { address: (*a).clone(), deposed: d.map(str::to_string) }).collect();
    Some(record(old, new, upsert, remove))
}

/// Whether `new` can be journaled as the next serial of `old`.
fn follows(old: &State, new: &State) -> bool {
    new.lineage == old.lineage
        && old.serial.checked_add(1) == Some(new.serial)
        && new.format == FORMAT_MARKER
        && new.format_version == FORMAT_VERSION
        && old.format_version == FORMAT_VERSION
}

fn sorted(resources: &[ResourceObject]) -> bool {
    resources.windows(2).all(|w| key_of(&w[0]) < key_of(&w[1]))
}

fn find<'a>(resources: &'a [ResourceObject], key: ObjKey<'_>) -> Option<&'a ResourceObject> {
    resources.binary_search_by(|r| key_of(r).cmp(&key)).ok().map(|i| &resources[i])
}

/// [`delta`] when only the objects in `changed` may differ between `old` and `new`: it compares
/// those objects, not every object. Both states must list their objects in sorted order (the
/// order `State::upsert` and replay keep); `None` when they do not, or when `changed` cannot be
/// complete (the result would not have as many objects as `new`): the caller then writes the
/// whole state, so an incomplete `changed` costs a whole write, never an object.
pub fn delta_changed(old: &State, new: &State, changed: &BTreeSet<ObjectKey>) -> Option<Record> {
    if !follows(old, new) || !sorted(&old.resources) || !sorted(&new.resources) {
        return None;
    }
    let (mut upsert, mut remove) = (vec![], vec![]);
    let mut len = old.resources.len();
    for (address, deposed) in changed {
        let key = (address, deposed.as_deref());
        match (find(&old.resources, key), find(&new.resources, key)) {
            (Some(o), Some(n)) if o == n => {}
            (Some(_), Some(n)) => upsert.push(n.clone()),
            (None, Some(n)) => {
                upsert.push(n.clone());
                len += 1;
            }
            (Some(_), None) => {
                remove.push(Key { address: address.clone(), deposed: deposed.clone() });
                len -= 1;
            }
            (None, None) => {}
        }
    }
    if len != new.resources.len() {
        return None;
    }
    Some(record(old, new, upsert, remove))
}

/// The record of `new` after `old` with these object changes; pending creates and outputs are
/// compared whole (a handful of entries).
fn record(old: &State, new: &State, upsert: Vec<ResourceObject>, remove: Vec<Key>) -> Record {
    let (mut pending_add, mut pending_remove, mut pending) = (vec![], vec![], None);
    if old.pending != new.pending {
        let was: BTreeMap<_, _> = old.pending.iter().map(|p| (pending_key(p), p)).collect();
        let is: BTreeSet<_> = new.pending.iter().map(pending_key).collect();
        let kept: Vec<&PendingCreate> = old.pending.iter().filter(|p| is.contains(&pending_key(p))).collect();
        let added = &new.pending[kept.len().min(new.pending.len())..];
        let exact = was.len() == old.pending.len()
            && is.len() == new.pending.len()
            && kept.iter().zip(&new.pending).all(|(k, n)| *k == n)
            && added.iter().all(|p| !was.contains_key(&pending_key(p)));
        if exact {
            pending_add = added.to_vec();
            pending_remove = old
                .pending
                .iter()
                .filter(|p| !is.contains(&pending_key(p)))
                .map(|p| PendingKey { address: p.address.clone(), token: p.token.clone() })
                .collect();
        } else {
            pending = Some(new.pending.clone());
        }
    }
    let outputs = (old.outputs != new.outputs).then(|| new.outputs.clone());
    Record {
        serial: new.serial,
        lineage: new.lineage.clone(),
        format_version: new.format_version,
        provision_version: new.provision_version.clone(),
        upsert,
        remove,
        pending_add,
        pending_remove,
        pending,
        outputs,
    }
}

/// Applies `record` to `state`; an error says what in the record does not fit the state.
pub fn apply(state: &mut State, record: Record) -> Result<(), String> {
    for k in &record.remove {
        if state.remove(&k.address, k.deposed.as_deref()).is_none() {
            return Err(format!(
                "it removes {}, which the state does not have",
                describe(&k.address, k.deposed.as_deref())
            ));
        }
    }
    if !record.upsert.is_empty() {
        // Sorted, each object is put in its place by binary search; otherwise found by a scan and
        // the whole list sorted after (replay then leaves it sorted, as `State::upsert` does).
        let was_sorted = sorted(&state.resources);
        for o in record.upsert {
            let at = if was_sorted {
                state.resources.binary_search_by(|r| key_of(r).cmp(&key_of(&o)))
            } else {
                state.resources.iter().position(|r| key_of(r) == key_of(&o)).ok_or(state.resources.len())
            };
            match at {
                Ok(i) => state.resources[i] = o,
                Err(i) => state.resources.insert(i, o),
            }
        }
        if !was_sorted {
            state.resources.sort_by(|a, b| key_of(a).cmp(&key_of(b)));
        }
    }
    if let Some(all) = record.pending {
        state.pending = all;
    }
    for k in &record.pending_remove {
        let Some(i) = state.pending.iter().position(|p| p.address == k.address && p.token == k.token) else {
            return Err(format!("it ends the pending create of {}, which the state does not have", k.address));
        };
        state.pending.remove(i);
    }
    state.pending.extend(record.pending_add);
    if let Some(outputs) = record.outputs {
        state.outputs = outputs;
    }
    state.serial = record.serial;
    state.provision_version = record.provision_version;
    Ok(())
}

fn describe(address: &Address, deposed: Option<&str>) -> String {
    match deposed {
        Some(d) => format!("{address} (deposed {d})"),
        None => address.to_string(),
    }
}

/// FNV-1a, 64 bits: enough to tell a damaged line from a good one (not a defence against
/// deliberate tampering, which the state file does not have either).
fn checksum(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3))
}

const HEAD: &str = "{\"sum\":\"";
const MIDDLE: &str = "\",\"record\":";

/// One journal line, newline included.
pub fn encode(record: &Record) -> Result<String, serde_json::Error> {
    let body = serde_json::to_string(record)?;
    Ok(format!("{HEAD}{:016x}{MIDDLE}{body}}}\n", checksum(body.as_bytes())))
}

/// A line (without its newline) back to its record, or why it cannot be read.
fn decode(line: &str) -> Result<Record, String> {
    let rest = line.strip_prefix(HEAD).ok_or("it does not start like a journal record")?;
    let (sum, rest) = rest.split_at_checked(16).ok_or("it is cut short")?;
    let sum = u64::from_str_radix(sum, 16).map_err(|_| "its checksum is not 16 hexadecimal digits".to_string())?;
    let body = rest.strip_prefix(MIDDLE).and_then(|r| r.strip_suffix('}')).ok_or("it is not a complete record")?;
    if checksum(body.as_bytes()) != sum {
        return Err("its checksum does not match its content".into());
    }
    serde_json::from_str(body).map_err(|e| format!("its record cannot be read: {e}"))
}

/// What replaying a journal did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Replayed {
    /// Records applied (those at or below the state's serial are skipped).
    pub applied: usize,
    /// A torn last line was left out (see the module documentation).
    pub torn_tail: bool,
}

/// Replays the journal `text` (from `path`) over `state`. A record that cannot be read, belongs to
/// another state, leaves a gap in the serials or does not fit the state is refused, naming the
/// line; the result must pass the same checks as a state file.
pub fn replay(path: &Path, text: &str, state: &mut State) -> Result<Replayed, StateError> {
    let corrupt = |line: usize, detail: String| StateError::CorruptJournal { path: path.to_path_buf(), line, detail };
    let mut out = Replayed::default();
    let pieces: Vec<&str> = text.split_inclusive('\n').collect();
    for (i, piece) in pieces.iter().enumerate() {
        let n = i + 1;
        let last = n == pieces.len();
        let Some(line) = piece.strip_suffix('\n') else {
            // Only the last piece can lack its newline: a write cut short.
            out.torn_tail = true;
            break;
        };
        let record = match decode(line) {
            Ok(r) => r,
            Err(_) if last && line.contains('\0') => {
                out.torn_tail = true;
                break;
            }
            Err(why) => return Err(corrupt(n, why)),
        };
        if record.format_version > FORMAT_VERSION {
            return Err(StateError::NewerFormat {
                path: path.to_path_buf(),
                found: u64::from(record.format_version),
                supported: FORMAT_VERSION,
            });
        }
        if record.serial <= state.serial {
            // Already in the state, or replaced by it: a whole write (a compaction, `state push`)
            // was stopped before it removed the journal.
            continue;
        }
        if record.lineage != state.lineage {
            return Err(corrupt(
                n,
                format!("it belongs to another state (lineage {}, the state's is {})", record.lineage, state.lineage),
            ));
        }
        if Some(record.serial) != state.serial.checked_add(1) {
            return Err(corrupt(
                n,
                format!(
                    "it makes serial {}, but the state before it is at serial {}: records are missing",
                    record.serial, state.serial
                ),
            ));
        }
        apply(state, record).map_err(|why| corrupt(n, why))?;
        out.applied += 1;
    }
    if out.applied > 0 {
        check_consistent(state)
            .map_err(|detail| corrupt(pieces.len(), format!("replayed over the state, {detail}")))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use provision_core::ProviderRef;

    fn object(address: &str, id: &str) -> ResourceObject {
        let mut attributes = provision_core::Attrs::new();
        attributes.insert("id".into(), provision_core::Value::String(id.into()));
        ResourceObject {
            address: address.parse().expect("address"),
            deposed: None,
            id: id.into(),
            layer: Default::default(),
            provider: ProviderRef::default_for("fake"),
            attributes,
            sensitive_attributes: vec![],
            dependencies: vec![],
            unfinished: false,
            tainted: false,
        }
    }

    fn pending(address: &str, token: &str) -> PendingCreate {
        PendingCreate {
            address: address.parse().expect("address"),
            token: token.into(),
            started_at: "2026-12-02T00:00:00Z".into(),
            dependencies: vec![],
            provider: ProviderRef::default_for("fake"),
            natural_key: None,
            desired: Default::default(),
            layer: Default::default(),
        }
    }

    fn next(s: &State, f: impl FnOnce(&mut State)) -> State {
        let mut n = s.clone();
        f(&mut n);
        n.serial += 1;
        n
    }

    fn roundtrip(old: &State, new: &State) -> Record {
        let record = delta(old, new).expect("expressible");
        let line = encode(&record).expect("encode");
        assert!(line.ends_with('\n') && !line[..line.len() - 1].contains('\n'), "one line: {line}");
        let mut replayed = old.clone();
        let r = replay(Path::new("j"), &line, &mut replayed).expect("replay");
        assert_eq!(r.applied, 1);
        assert_eq!(&replayed, new, "replay gives back exactly the written state");
        record
    }

    #[test]
    fn deltas_replay_to_exactly_the_written_state() {
        let s0 = State::new("L", "t");
        let s1 = next(&s0, |s| {
            s.pending.push(pending("fake_network.b", "t1"));
            s.pending.push(pending("fake_network.a", "t2"));
        });
        let r = roundtrip(&s0, &s1);
        assert_eq!(r.pending_add.len(), 2);
        let s2 = next(&s1, |s| {
            s.pending.retain(|p| p.token != "t1");
            s.upsert(object("fake_network.b", "n-1"));
        });
        let r = roundtrip(&s1, &s2);
        assert_eq!((r.upsert.len(), r.pending_remove.len(), r.pending_add.len()), (1, 1, 0));
        let s3 = next(&s2, |s| {
            s.pending.clear();
            s.upsert(object("fake_network.a", "n-2"));
            s.outputs.insert("x".into(), OutputValue { value: serde_json::json!("v"), sensitive: false });
        });
        let r = roundtrip(&s2, &s3);
        assert_eq!(r.upsert.len(), 1, "only the changed object is written");
        assert!(r.outputs.is_some());
        let s4 = next(&s3, |s| {
            s.remove(&"fake_network.b".parse().expect("a"), None);
        });
        let r = roundtrip(&s3, &s4);
        assert_eq!((r.upsert.len(), r.remove.len()), (0, 1));
        // A pending list reordered is written whole.
        let s5 = next(&s4, |s| s.pending = vec![pending("a.b", "1"), pending("a.c", "2")]);
        roundtrip(&s4, &s5);
        let s6 = next(&s5, |s| s.pending.reverse());
        assert!(roundtrip(&s5, &s6).pending.is_some());
    }

    fn key(address: &str) -> ObjectKey {
        (address.parse().expect("address"), None)
    }

    #[test]
    fn a_delta_of_the_named_objects_is_the_delta_of_the_whole_state() {
        let s0 = next(&State::new("L", "t"), |s| {
            for (a, id) in [("fake_network.a", "1"), ("fake_network.b", "2"), ("fake_network.c", "3")] {
                s.upsert(object(a, id));
            }
        });
        let s1 = next(&s0, |s| {
            s.upsert(object("fake_network.b", "2-changed"));
            s.upsert(object("fake_network.d", "4"));
            s.remove(&"fake_network.a".parse().expect("a"), None);
            s.pending.push(pending("fake_network.e", "t"));
        });
        // `c` is named but unchanged: it is not written.
        let named = [key("fake_network.a"), key("fake_network.b"), key("fake_network.c"), key("fake_network.d")];
        let changed: BTreeSet<ObjectKey> = named.into_iter().collect();
        let record = delta_changed(&s0, &s1, &changed).expect("expressible");
        assert_eq!(record, delta(&s0, &s1).expect("expressible"));
        assert_eq!((record.upsert.len(), record.remove.len(), record.pending_add.len()), (2, 1, 1));
        // Applied to the old state, it gives the new one, objects in place.
        let mut applied = s0.clone();
        apply(&mut applied, record).expect("fits");
        assert_eq!(applied, s1);
    }

    #[test]
    fn an_incomplete_list_of_changed_objects_is_a_whole_write_never_a_lost_object() {
        let s0 = next(&State::new("L", "t"), |s| s.upsert(object("fake_network.a", "1")));
        let added = next(&s0, |s| s.upsert(object("fake_network.b", "2")));
        assert!(delta_changed(&s0, &added, &BTreeSet::new()).is_none(), "an added object not named");
        let removed = next(&s0, |s| {
            s.remove(&"fake_network.a".parse().expect("a"), None);
        });
        assert!(delta_changed(&s0, &removed, &BTreeSet::new()).is_none(), "a removed object not named");
        let mut unsorted = next(&added, |s| s.upsert(object("fake_network.c", "3")));
        unsorted.resources.reverse();
        let named: BTreeSet<ObjectKey> = [key("fake_network.c")].into_iter().collect();
        assert!(delta_changed(&added, &unsorted, &named).is_none(), "objects out of order");
    }

    #[test]
    fn what_replay_cannot_reproduce_is_written_whole() {
        let s0 = State::new("L", "t");
        let mut s1 = next(&s0, |s| {
            s.upsert(object("fake_network.a", "1"));
            s.upsert(object("fake_network.b", "2"));
        });
        assert!(delta(&s0, &s0).is_none(), "the serial must grow by one");
        s1.resources.reverse();
        assert!(delta(&s0, &s1).is_none(), "unsorted after an upsert");
        let other = next(&s0, |s| s.lineage = "M".into());
        assert!(delta(&s0, &other).is_none());
    }

    fn journal(states: &[State]) -> String {
        states.windows(2).map(|w| encode(&delta(&w[0], &w[1]).expect("delta")).expect("encode")).collect()
    }

    fn three() -> Vec<State> {
        let s0 = State::new("L", "t");
        let s1 = next(&s0, |s| s.upsert(object("fake_network.a", "1")));
        let s2 = next(&s1, |s| s.upsert(object("fake_network.b", "2")));
        let s3 = next(&s2, |s| s.upsert(object("fake_network.c", "3")));
        vec![s0, s1, s2, s3]
    }

    #[test]
    fn records_already_in_the_state_are_skipped() {
        let s = three();
        let text = journal(&s);
        let mut at2 = s[2].clone();
        let r = replay(Path::new("j"), &text, &mut at2).expect("replay");
        assert_eq!(r.applied, 1);
        assert_eq!(at2, s[3]);
        let mut at3 = s[3].clone();
        assert_eq!(replay(Path::new("j"), &text, &mut at3).expect("replay").applied, 0);
        assert_eq!(at3, s[3]);
        // `state push --force` of another stack wrote the state (a higher serial), then was
        // stopped before it removed the journal: the old records are behind it.
        let mut pushed = State::new("M", "t");
        pushed.serial = 4;
        assert_eq!(replay(Path::new("j"), &text, &mut pushed.clone()).expect("replay").applied, 0);
    }

    #[test]
    fn a_torn_last_line_is_left_out_and_nothing_else_is() {
        let s = three();
        let text = journal(&s);
        let cut = &text[..text.len() - 20];
        let mut st = s[0].clone();
        let r = replay(Path::new("j"), cut, &mut st).expect("a torn tail is not an error");
        assert_eq!((r.applied, r.torn_tail), (2, true));
        assert_eq!(st, s[2]);
        // The file grew but the last line's pages were never written.
        let last = text.trim_end_matches('\n').rfind('\n').expect("lines") + 1;
        let zeroed = format!("{}{}\n", &text[..last], "\0".repeat(text.len() - last - 1));
        let mut st = s[0].clone();
        let r = replay(Path::new("j"), &zeroed, &mut st).expect("zeroed tail");
        assert_eq!((r.applied, r.torn_tail), (2, true));
    }

    #[test]
    fn a_damaged_record_is_refused_with_its_file_and_line() {
        let s = three();
        let text = journal(&s);
        // A changed byte in the middle record (the checksum catches it).
        let damaged = text.replacen("\"id\":\"2\"", "\"id\":\"9\"", 1);
        let err = replay(Path::new("dir/p.tfstate.journal"), &damaged, &mut s[0].clone()).expect_err("refused");
        let msg = err.to_string();
        assert!(msg.contains("dir/p.tfstate.journal is corrupt at line 2"), "{msg}");
        assert!(msg.contains("checksum"), "{msg}");
        // A complete last line that does not verify was acknowledged: refused too.
        let last = text.replacen("\"id\":\"3\"", "\"id\":\"9\"", 1);
        let msg = replay(Path::new("j"), &last, &mut s[0].clone()).expect_err("refused").to_string();
        assert!(msg.contains("at line 3"), "{msg}");
        // A gap.
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let gap = format!("{}{}", lines[0], lines[2]);
        let msg = replay(Path::new("j"), &gap, &mut s[0].clone()).expect_err("gap").to_string();
        assert!(msg.contains("at line 2") && msg.contains("records are missing"), "{msg}");
        // Another state's journal.
        let mut other = s[0].clone();
        other.lineage = "M".into();
        let msg = replay(Path::new("j"), &text, &mut other).expect_err("lineage").to_string();
        assert!(msg.contains("at line 1") && msg.contains("another state"), "{msg}");
    }
}
