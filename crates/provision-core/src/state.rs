//! The state model: which objects the stack owns, what they looked like when last seen, and which
//! creates were started but not yet recorded (the journal's pending records).

use crate::address::{Address, ProviderRef};
use crate::layer::Layer;
use crate::value::{Attrs, Path, Value};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The state format this build writes. Older formats are upgraded on read; newer ones are refused.
///
/// - 1: the first format.
/// - 2: addresses may carry module paths (`module.network.aws_subnet.a`); each object records its
///   provider configuration (`aws`, `aws.us_east_1`); pending records keep what recovery needs to
///   find an object by name or by content and to delete it; objects whose create was interrupted
///   between its calls are marked `unfinished`.
pub const FORMAT_VERSION: u32 = 2;

/// The marker that tells a provision state from any other JSON document.
pub const FORMAT_MARKER: &str = "provision-state";

/// The whole state of one stack.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct State {
    pub format: String,
    pub format_version: u32,
    /// Bumped on every write, to detect conflicting updates.
    pub serial: u64,
    /// Fixed when the state is created; identifies the stack (and tags its objects).
    pub lineage: String,
    /// The provision version that last wrote this state.
    pub provision_version: String,
    #[serde(default)]
    pub resources: Vec<ResourceObject>,
    /// Creates that were started and not yet recorded. Resolved before anything else on the next
    /// run: adopted when the object is found, dropped when it is not.
    #[serde(default)]
    pub pending: Vec<PendingCreate>,
    #[serde(default)]
    pub outputs: BTreeMap<String, OutputValue>,
}

/// One object the stack owns.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ResourceObject {
    pub address: Address,
    /// Set for an old object kept during a create-before-destroy replacement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deposed: Option<String>,
    pub id: String,
    /// The layer the object was in when last applied (`base` when absent, as in states written
    /// before layers existed).
    #[serde(default)]
    pub layer: Layer,
    /// The provider configuration the object was created with (and so its region).
    pub provider: ProviderRef,
    #[serde(with = "attrs_json")]
    pub attributes: Attrs,
    /// The parts of `attributes` that were sensitive when the object was last applied, as
    /// Terraform's `sensitive_attributes` (each path starts with the attribute's name). The values
    /// themselves are stored in clear like everything else; the paths keep them hidden when shown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sensitive_attributes: Vec<Path>,
    /// The resources (by resource address, without instance key) this object depended on when it
    /// was last applied; used to order its deletion after the configuration is gone.
    #[serde(default)]
    pub dependencies: Vec<Address>,
    /// Set when the object exists but the calls that follow its creation (e.g. revoking a new
    /// security group's default rule) may not all have been made: a crash or a failure came
    /// between them. The next apply finishes the create before anything else touches the object.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unfinished: bool,
    /// Set when the object exists but its creation-time provisioners failed (`on_failure =
    /// fail`) or were interrupted: it may not be configured as intended, so the next plan
    /// replaces it, as Terraform does with a tainted object. Recorded before the first
    /// provisioner starts and cleared when the last one succeeds, so a crash leaves it set.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tainted: bool,
}

/// A create that was started: written durably before the AWS call.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PendingCreate {
    pub address: Address,
    /// The idempotency token given to the create call.
    pub token: String,
    /// RFC 3339 time the create started.
    pub started_at: String,
    #[serde(default)]
    pub dependencies: Vec<Address>,
    /// The provider configuration the create went to.
    pub provider: ProviderRef,
    /// For types found by name: the name the object was created with, so recovery can read it
    /// back directly (such objects cannot be found through a tag search).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub natural_key: Option<String>,
    /// The arguments the create was given. Recovery uses them to find an object that carries no
    /// tags (by its content), to finish a create that stopped between calls, and to delete the
    /// object when its block is gone by the next run.
    #[serde(default, with = "attrs_json")]
    pub desired: Attrs,
    /// The layer the object belongs to.
    #[serde(default)]
    pub layer: Layer,
}

/// An object of `resources` by its address and deposed key (`None` for the current object).
pub type ObjectKey = (Address, Option<String>);

/// A recorded output value.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OutputValue {
    pub value: serde_json::Value,
    #[serde(default)]
    pub sensitive: bool,
}

impl State {
    /// A new, empty state with the given lineage.
    pub fn new(lineage: impl Into<String>, provision_version: impl Into<String>) -> Self {
        State {
            format: FORMAT_MARKER.to_string(),
            format_version: FORMAT_VERSION,
            serial: 0,
            lineage: lineage.into(),
            provision_version: provision_version.into(),
            resources: vec![],
            pending: vec![],
            outputs: BTreeMap::new(),
        }
    }

    /// Where the object with this address and deposed key is in `resources`: found by binary
    /// search in the sorted order `upsert` keeps, by a scan when that misses (a state read from a
    /// file need not be sorted).
    pub fn index(&self, address: &Address, deposed: Option<&str>) -> Option<usize> {
        let key = (address, deposed);
        match self.resources.binary_search_by(|r| (&r.address, r.deposed.as_deref()).cmp(&key)) {
            Ok(i) => Some(i),
            Err(_) => self.resources.iter().position(|r| &r.address == address && r.deposed.as_deref() == deposed),
        }
    }

    /// The current (not deposed) object at an address.
    pub fn current(&self, address: &Address) -> Option<&ResourceObject> {
        self.index(address, None).map(|i| &self.resources[i])
    }

    pub fn current_mut(&mut self, address: &Address) -> Option<&mut ResourceObject> {
        self.index(address, None).map(|i| &mut self.resources[i])
    }

    /// Removes the object with this address and deposed key, returning it.
    pub fn remove(&mut self, address: &Address, deposed: Option<&str>) -> Option<ResourceObject> {
        let i = self.index(address, deposed)?;
        Some(self.resources.remove(i))
    }

    /// Records an object, replacing any current object at the same address.
    /// `resources` end up sorted by address and deposed key: in a sorted list the object is put
    /// in its place (no copy of the list), otherwise the list is sorted after.
    pub fn upsert(&mut self, object: ResourceObject) {
        fn key(r: &ResourceObject) -> (&Address, &Option<String>) {
            (&r.address, &r.deposed)
        }
        if self.resources.is_sorted_by(|a, b| key(a) < key(b)) {
            match self.resources.binary_search_by(|r| key(r).cmp(&key(&object))) {
                Ok(i) => self.resources[i] = object,
                Err(i) => self.resources.insert(i, object),
            }
            return;
        }
        match self.resources.iter_mut().find(|r| r.address == object.address && r.deposed == object.deposed) {
            Some(slot) => *slot = object,
            None => self.resources.push(object),
        }
        self.resources.sort_by(|a, b| key(a).cmp(&key(b)));
    }
}

/// Where the engine makes state durable. Implementations write atomically: after `persist`
/// returns, a crash leaves exactly this state behind.
#[async_trait]
pub trait StateStore: Send + Sync {
    async fn persist(&self, state: &State) -> Result<(), PersistError>;

    /// [`persist`](Self::persist), told which objects (by address and deposed key) may differ
    /// from the state this store last made durable; every other object is the same. A store that
    /// writes deltas then compares those objects only, not the whole state (which made each write
    /// cost O(state) and an apply O(objects²)). The caller must name every object it added,
    /// changed or removed since its last successful write through this store.
    async fn persist_changed(&self, state: &State, changed: &BTreeSet<ObjectKey>) -> Result<(), PersistError> {
        let _ = changed;
        self.persist(state).await
    }
}

/// A state write that failed; the message says where and why.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct PersistError(pub String);

/// Brings a state document of an older format to [`FORMAT_VERSION`], in place. Returns the version
/// it had when it was older, `None` when it was current. The caller has checked the marker and that
/// the version is not newer.
pub fn upgrade(doc: &mut serde_json::Value) -> Result<Option<u32>, String> {
    let Some(obj) = doc.as_object_mut() else { return Err("the state is not a JSON object".into()) };
    let version = obj.get("format_version").and_then(serde_json::Value::as_u64).unwrap_or(0);
    let version = u32::try_from(version).map_err(|_| format!("format_version {version} is out of range"))?;
    if version >= FORMAT_VERSION {
        return Ok(None);
    }
    if version == 1 {
        // Version 1 had one provider configuration per run: every object used its type's default.
        for list in ["resources", "pending"] {
            let Some(items) = obj.get_mut(list).and_then(serde_json::Value::as_array_mut) else { continue };
            for item in items {
                let Some(item) = item.as_object_mut() else { continue };
                let type_name = item
                    .get("address")
                    .and_then(serde_json::Value::as_str)
                    .and_then(|a| a.parse::<Address>().ok())
                    .map(|a| a.type_name)
                    .unwrap_or_default();
                item.entry("provider")
                    .or_insert_with(|| serde_json::Value::String(ProviderRef::implied_by(&type_name).to_string()));
            }
        }
    }
    obj.insert("format_version".into(), serde_json::Value::from(FORMAT_VERSION));
    Ok(Some(version))
}

mod attrs_json {
    use super::{Attrs, Value};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(attrs: &Attrs, s: S) -> Result<S::Ok, S::Error> {
        let map: serde_json::Map<String, serde_json::Value> =
            attrs.iter().map(|(k, v)| (k.clone(), v.to_json())).collect();
        serde::Serialize::serialize(&map, s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Attrs, D::Error> {
        let map = serde_json::Map::<String, serde_json::Value>::deserialize(d)?;
        Ok(map.iter().map(|(k, v)| (k.clone(), Value::from_json(v))).collect())
    }
}
