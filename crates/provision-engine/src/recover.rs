//! Crash recovery: creates that an earlier run started but never recorded are resolved before
//! anything else, by looking for the object the way its type is identified (its tags; the name kept
//! in the pending record; or, for untaggable objects, the arguments kept there). Found and ours:
//! adopted into state, marked unfinished when its create takes several calls. Found but someone
//! else's: left alone, with a message naming it. Not found (after allowing AWS's eventual
//! consistency to settle): the record is dropped. So a kill at any point leaves neither a duplicate
//! nor an untracked object.

use crate::{Engine, EngineError, Event, RecoveryOutcome};
use provision_core::state::{PendingCreate, ResourceObject, State, StateStore};
use provision_core::{Address, Attrs, FindQuery, Found, Identity, Owner, Value};
use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

/// The resolution of one pending record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    pub address: Address,
    pub outcome: RecoveryOutcome,
}

impl Engine {
    /// Resolves every pending record in `state`, writing the state once if anything changed.
    pub async fn recover(&self, state: &mut State, store: &dyn StateStore) -> Result<Vec<Recovery>, EngineError> {
        if state.pending.is_empty() {
            return Ok(vec![]);
        }
        // What recovery finds decides what it writes: not with a profile that is not there or
        // in an account the configuration forbids.
        self.check_providers().await?;
        let mut out = vec![];
        let pending = state.pending.clone();
        for p in pending {
            let outcome = self.resolve(state, &p).await;
            self.reporter.report(Event::Recovered { address: p.address.clone(), outcome: outcome.clone() });
            out.push(Recovery { address: p.address.clone(), outcome });
        }
        if out.iter().any(|r| !matches!(r.outcome, RecoveryOutcome::Unresolved { .. })) {
            state.serial = state.serial.checked_add(1).ok_or_else(|| {
                EngineError::Persist(format!("the state's serial is {}: it cannot be increased", state.serial))
            })?;
            store.persist(state).await.map_err(|e| EngineError::Persist(e.0))?;
        }
        Ok(out)
    }

    async fn resolve(&self, state: &mut State, p: &PendingCreate) -> RecoveryOutcome {
        let rt = match self.resource_type(&p.provider, &p.address.type_name) {
            Ok(rt) => rt,
            Err(message) => return RecoveryOutcome::Unresolved { message },
        };
        let query = FindQuery {
            identity: Identity { stack: state.lineage.clone(), address: p.address.clone() },
            natural_key: p.natural_key.clone(),
            desired: p.desired.clone(),
        };
        let tracked: BTreeSet<String> = state.resources.iter().map(|o| o.id.clone()).collect();
        let (mut ours, mut others) = match rt.find(&query).await {
            Ok(f) => sort_found(f, &tracked),
            Err(e) => return RecoveryOutcome::Unresolved { message: e.message },
        };
        if ours.is_empty() && others.is_empty() {
            // A create that started moments ago may not be visible yet: wait out the settle window.
            let age = humantime::parse_rfc3339(&p.started_at)
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .unwrap_or(Duration::MAX);
            let settle = self.options.recovery_settle;
            if age < settle {
                tokio::time::sleep(settle - age).await;
                (ours, others) = match rt.find(&query).await {
                    Ok(f) => sort_found(f, &tracked),
                    Err(e) => return RecoveryOutcome::Unresolved { message: e.message },
                };
            }
        }
        state.pending.retain(|q| q.address != p.address || q.token != p.token);
        if ours.is_empty() {
            return match others.into_iter().next() {
                Some(why) => RecoveryOutcome::Conflict {
                    message: format!(
                        "{}: {why}; it was left alone and nothing was recorded. Import it, or give the resource another name",
                        p.address
                    ),
                },
                None => RecoveryOutcome::Dropped,
            };
        }
        if ours.len() > 1 {
            let ids: Vec<String> =
                ours.iter().filter_map(|a| a.get("id").and_then(Value::as_str).map(str::to_string)).collect();
            self.reporter.report(Event::Warning(format!(
                "more than one untracked object is tagged for {}: {}; adopting the first, delete the others by hand",
                p.address,
                ids.join(", ")
            )));
        }
        let schema = rt.schema().clone();
        let attrs = self.normalize_read(&schema, ours.remove(0), &p.desired, &p.provider);
        let id = attrs.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
        if id.is_empty() {
            return RecoveryOutcome::Unresolved {
                message: format!("{}: the object found has no id; this is a bug in provision", p.address),
            };
        }
        state.upsert(ResourceObject {
            address: p.address.clone(),
            deposed: None,
            id: id.clone(),
            layer: self.layer_info(&p.address).map(|l| l.layer).unwrap_or(p.layer),
            provider: p.provider.clone(),
            attributes: attrs,
            sensitive_attributes: vec![],
            dependencies: p.dependencies.clone(),
            unfinished: schema.multi_step_create,
            // Its creation-time provisioners, if it has any, never ran (or were cut short): as
            // Terraform does with an interrupted provisioner, the object is replaced.
            tainted: self.module.resource(&p.address).is_some_and(|b| crate::provisioners::any(b, false)),
        });
        RecoveryOutcome::Adopted { id }
    }
}

/// Splits what a `find` returned into this stack's untracked objects and descriptions of the
/// others' (an object with the recorded name that belongs to someone else).
pub(crate) fn sort_found(found: Vec<Found>, tracked: &BTreeSet<String>) -> (Vec<Attrs>, Vec<String>) {
    let mut ours = vec![];
    let mut others = vec![];
    for f in found {
        let id = f.attrs.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
        if tracked.contains(&id) {
            continue;
        }
        match f.owner {
            Owner::Ours => ours.push(f.attrs),
            Owner::Other(why) => others.push(format!("an object with this name already exists ({id}), but {why}")),
        }
    }
    (ours, others)
}
