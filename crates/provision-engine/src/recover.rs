//! Crash recovery: creates that an earlier run started but never recorded are resolved before
//! anything else, by looking for the object by its tags. Found: adopted into state. Not found
//! (after allowing AWS's eventual consistency to settle): the record is dropped. So a kill at any
//! point leaves neither a duplicate nor an untracked object.

use crate::{Engine, EngineError, Event, RecoveryOutcome};
use provision_core::state::{ResourceObject, State, StateStore};
use provision_core::{Address, Attrs, Identity, Value};
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
        let mut out = vec![];
        let pending = state.pending.clone();
        for p in pending {
            let outcome = self.resolve(state, &p).await;
            self.reporter.report(Event::Recovered { address: p.address.clone(), outcome: outcome.clone() });
            out.push(Recovery { address: p.address.clone(), outcome });
        }
        if out.iter().any(|r| !matches!(r.outcome, RecoveryOutcome::Unresolved { .. })) {
            state.serial += 1;
            store.persist(state).await.map_err(|e| EngineError::Persist(e.0))?;
        }
        Ok(out)
    }

    async fn resolve(&self, state: &mut State, p: &provision_core::state::PendingCreate) -> RecoveryOutcome {
        let Some(rt) = self.provider.resource_type(&p.address.type_name) else {
            return RecoveryOutcome::Unresolved { message: format!("unknown resource type {}", p.address.type_name) };
        };
        let identity = Identity { stack: state.lineage.clone(), address: p.address.clone() };
        let tracked: BTreeSet<String> = state.resources.iter().map(|o| o.id.clone()).collect();
        let untracked = |found: Vec<Attrs>| -> Vec<Attrs> {
            found
                .into_iter()
                .filter(|a| a.get("id").and_then(Value::as_str).is_some_and(|id| !tracked.contains(id)))
                .collect()
        };
        let mut found = match rt.find(&identity).await {
            Ok(f) => untracked(f),
            Err(e) => return RecoveryOutcome::Unresolved { message: e.message },
        };
        if found.is_empty() {
            // A create that started moments ago may not be visible yet: wait out the settle window.
            let age = humantime::parse_rfc3339(&p.started_at)
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .unwrap_or(Duration::MAX);
            let settle = self.options.recovery_settle;
            if age < settle {
                tokio::time::sleep(settle - age).await;
                found = match rt.find(&identity).await {
                    Ok(f) => untracked(f),
                    Err(e) => return RecoveryOutcome::Unresolved { message: e.message },
                };
            }
        }
        state.pending.retain(|q| q.address != p.address || q.token != p.token);
        if found.is_empty() {
            return RecoveryOutcome::Dropped;
        }
        if found.len() > 1 {
            let ids: Vec<String> =
                found.iter().filter_map(|a| a.get("id").and_then(Value::as_str).map(str::to_string)).collect();
            self.reporter.report(Event::Warning(format!(
                "more than one untracked object is tagged for {}: {}; adopting the first, delete the others by hand",
                p.address,
                ids.join(", ")
            )));
        }
        let schema = rt.schema().clone();
        let attrs = self.normalize_read(&schema, found.remove(0), &Attrs::new());
        let id = attrs.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
        state.upsert(ResourceObject {
            address: p.address.clone(),
            deposed: None,
            id: id.clone(),
            layer: self.layer_of(&p.address),
            attributes: attrs,
            sensitive_attributes: vec![],
            dependencies: p.dependencies.clone(),
        });
        RecoveryOutcome::Adopted { id }
    }
}
