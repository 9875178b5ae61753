//! A fake provider for engine tests: resource types and data sources over an in-memory cloud that
//! behaves like AWS where it matters (ids assigned on create, tags, regions, dependency errors on
//! delete, not-found on reads, names that must be unique, untaggable objects, creates that take
//! several calls) and can inject latency, failures and crashes at any step.

use async_trait::async_trait;
use provision_core::state::{ObjectKey, PersistError, ResourceObject, State, StateStore};
use provision_core::{
    AttributeSchema, Attrs, DataSourceType, DeleteNote, FindQuery, Found, IdentityStrategy, OpContext, Provider,
    ProviderError, ProviderErrorKind, ReadContext, ResourceType, Schema, Type, Value, tags,
};
use provision_state::Backend;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// One object in the fake cloud.
#[derive(Debug, Clone)]
pub struct Object {
    pub type_name: String,
    pub attrs: Attrs,
    pub tags: BTreeMap<String, String>,
    /// The region (provider configuration) it lives in.
    pub region: String,
}

#[derive(Debug, Default)]
struct Inner {
    objects: BTreeMap<String, Object>,
    next_id: u64,
    /// Every call, as "op type [detail]".
    calls: Vec<String>,
    /// Calls that fail: (op, address or type) → message.
    failures: Vec<(String, String, String)>,
    latency: Duration,
    /// How long a new object stays "pending" before the create returns (like waiting for
    /// "available"); the object exists during that time.
    ready_delay: Duration,
    /// Creates report success with an empty id (a provider bug).
    empty_ids: bool,
    in_flight: usize,
    max_in_flight: usize,
    /// Counts steps (provider mutations and state writes); at `crash_at` everything stops.
    steps: usize,
    crash_at: Option<usize>,
    crashed: bool,
    /// Start and end of each mutation, in order: "start create fake_subnet.a[0]".
    timeline: Vec<String>,
    /// How many objects each bucket holds (by bucket id): a bucket that holds any is deleted only
    /// with `force_destroy`.
    contents: BTreeMap<String, usize>,
}

/// The fake cloud, shared by the provider and the memory store so that crash points cover both.
#[derive(Debug, Clone, Default)]
pub struct Cloud(Arc<Mutex<Inner>>);

impl Cloud {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Every object of the cloud by id.
    pub fn objects(&self) -> BTreeMap<String, Object> {
        self.lock().objects.clone()
    }

    /// Objects tagged with the given address.
    pub fn objects_at(&self, address: &str) -> Vec<(String, Object)> {
        self.lock()
            .objects
            .iter()
            .filter(|(_, o)| o.tags.get(tags::ADDRESS).map(|v| tags::address_text(v)).as_deref() == Some(address))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    pub fn calls(&self) -> Vec<String> {
        self.lock().calls.clone()
    }

    /// Forgets the call log and the timeline.
    pub fn clear_calls(&self) {
        let mut i = self.lock();
        i.calls.clear();
        i.timeline.clear();
    }

    pub fn timeline(&self) -> Vec<String> {
        self.lock().timeline.clone()
    }

    pub fn max_in_flight(&self) -> usize {
        self.lock().max_in_flight
    }

    pub fn set_latency(&self, d: Duration) {
        self.lock().latency = d;
    }

    /// See `Inner::ready_delay`.
    pub fn set_ready_delay(&self, d: Duration) {
        self.lock().ready_delay = d;
    }

    /// Makes creates return an empty id, as a buggy provider might.
    pub fn return_empty_ids(&self, on: bool) {
        self.lock().empty_ids = on;
    }

    /// Makes `op` ("create", "update", "delete", "read") fail for an address or a type, or
    /// ("check") a provider configuration's check, for its region.
    pub fn fail(&self, op: &str, target: &str, message: &str) {
        self.lock().failures.push((op.into(), target.into(), message.into()));
    }

    pub fn clear_failures(&self) {
        self.lock().failures.clear();
    }

    /// Stops the world at step `n` (0-based): that step and every later one never completes, as
    /// if the process had been killed.
    pub fn crash_at(&self, n: Option<usize>) {
        let mut i = self.lock();
        i.crash_at = n;
        i.steps = 0;
        i.crashed = false;
    }

    pub fn crashed(&self) -> bool {
        self.lock().crashed
    }

    pub fn steps(&self) -> usize {
        self.lock().steps
    }

    /// Changes an object behind provision's back (drift).
    pub fn tamper(&self, id: &str, f: impl FnOnce(&mut Object)) {
        if let Some(o) = self.lock().objects.get_mut(id) {
            f(o);
        }
    }

    /// Makes an object behind provision's back (someone else's, or a leftover).
    pub fn insert(&self, type_name: &str, attrs: Attrs, tags: BTreeMap<String, String>) -> String {
        let mut i = self.lock();
        i.next_id += 1;
        let id = format!("ext-{:04}", i.next_id);
        i.objects
            .insert(id.clone(), Object { type_name: type_name.into(), attrs, tags, region: DEFAULT_REGION.into() });
        id
    }

    /// Deletes an object behind provision's back.
    /// Puts `n` objects in the bucket `id` (a bucket holding objects needs `force_destroy`).
    pub fn put_objects(&self, id: &str, n: usize) {
        self.lock().contents.insert(id.to_string(), n);
    }

    pub fn remove(&self, id: &str) {
        self.lock().objects.remove(id);
    }

    /// Counts a step; never returns if the world has crashed or crashes now.
    pub(crate) async fn step(&self) {
        let stop = {
            let mut i = self.lock();
            if !i.crashed && i.crash_at == Some(i.steps) {
                i.crashed = true;
            }
            i.steps += 1;
            i.crashed
        };
        if stop {
            std::future::pending::<()>().await;
        }
    }

    fn failure(&self, op: &str, address: Option<&str>, type_name: &str) -> Option<ProviderError> {
        let i = self.lock();
        i.failures
            .iter()
            .find(|(o, t, _)| o == op && (Some(t.as_str()) == address || t == type_name))
            .map(|(_, _, m)| ProviderError::new(ProviderErrorKind::Invalid, m.clone()).with_code("InjectedFailure"))
    }

    async fn enter(&self, what: String) {
        let latency = {
            let mut i = self.lock();
            i.in_flight += 1;
            i.max_in_flight = i.max_in_flight.max(i.in_flight);
            i.timeline.push(format!("start {what}"));
            i.latency
        };
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
    }

    fn leave(&self, what: String) {
        let mut i = self.lock();
        i.in_flight -= 1;
        i.timeline.push(format!("end {what}"));
    }
}

/// A state store that keeps the last persisted state in memory and counts as a crash step; or,
/// made with [`MemoryStore::over_journal`] or [`MemoryStore::over_s3`], writes it through the
/// local or the S3 backend (whole state, then journal records or segments) and reads it back with
/// the journal replayed.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    cloud: Cloud,
    state: Arc<Mutex<Option<State>>>,
    /// The state a write was making when the run was killed: through S3 it may have landed.
    in_flight: Arc<Mutex<Option<State>>>,
    writes: Arc<Mutex<usize>>,
    local: Option<Arc<Durable>>,
}

/// The backend behind a journaled store, and what its current run made durable.
struct Durable {
    kind: DurableKind,
    /// The backend this run writes through (a new run, after [`MemoryStore::restart`], reads the
    /// state through a new one, as a new process would).
    backend: Mutex<Arc<dyn Backend>>,
    journal: tokio::sync::Mutex<provision_state::Journal>,
}

impl std::fmt::Debug for Durable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Durable").field("kind", &self.kind).field("backend", &self.backend().location()).finish()
    }
}

#[derive(Debug)]
enum DurableKind {
    Local(provision_state::LocalBackend),
    S3(crate::memory_s3::MemoryS3),
}

/// The bucket and key of a store over S3.
pub const S3_BUCKET: &str = "state";
pub const S3_KEY: &str = "env/provision.tfstate";

impl Durable {
    fn backend(&self) -> Arc<dyn Backend> {
        self.backend.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// A backend as a new process makes it.
    fn fresh(&self) -> Arc<dyn Backend> {
        Durable::backend_of(&self.kind)
    }

    fn backend_of(kind: &DurableKind) -> Arc<dyn Backend> {
        match kind {
            DurableKind::Local(b) => Arc::new(b.clone()),
            DurableKind::S3(s3) => Arc::new(provision_state_s3::S3Backend::with_sdk(
                provision_state_s3::S3Config {
                    bucket: S3_BUCKET.into(),
                    key: S3_KEY.into(),
                    region: Some(crate::memory_s3::REGION.into()),
                    dynamodb_table: None,
                    use_lockfile: true,
                    encrypt: false,
                    kms_key_id: None,
                    workspace_key_prefix: "env:".into(),
                    env: "default".into(),
                    lease: Duration::from_secs(20),
                },
                &s3.sdk_config(),
            )),
        }
    }

    /// Reads the state as a new process would (the journal replayed); the backend that read it.
    fn read(&self) -> (Option<State>, Arc<dyn Backend>) {
        let fresh = self.fresh();
        match block_on(fresh.read()) {
            Ok(state) => (state, fresh),
            Err(e) => panic!("the state written through the journal cannot be read: {e}"),
        }
    }
}

/// Runs `f` on a thread and runtime of its own, so that the synchronous checks of async tests can
/// read the state through a backend.
fn block_on<F>(f: F) -> F::Output
where
    F: std::future::Future + Send,
    F::Output: Send,
{
    std::thread::scope(|scope| {
        let run =
            scope.spawn(|| tokio::runtime::Builder::new_current_thread().enable_all().build().map(|rt| rt.block_on(f)));
        match run.join() {
            Ok(Ok(out)) => out,
            Ok(Err(e)) => panic!("no runtime to read the state with: {e}"),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

impl MemoryStore {
    pub fn new(cloud: &Cloud) -> Self {
        MemoryStore { cloud: cloud.clone(), ..Default::default() }
    }

    /// A store over the local state file `path` and its journal, as the CLI writes it: each run's
    /// first write is whole, later ones are journal records; [`MemoryStore::restart`] starts a new
    /// run (after a crash), [`MemoryStore::compact`] ends one.
    pub fn over_journal(cloud: &Cloud, path: impl Into<std::path::PathBuf>) -> Self {
        let backend = provision_state::LocalBackend::new(path);
        let local = Durable {
            backend: Mutex::new(Arc::new(backend.clone())),
            kind: DurableKind::Local(backend),
            journal: tokio::sync::Mutex::new(provision_state::Journal::default()),
        };
        MemoryStore { cloud: cloud.clone(), local: Some(Arc::new(local)), ..Default::default() }
    }

    /// A store over the S3 backend, its state object and journal segments in a bucket in memory
    /// ([`crate::memory_s3`]), as the CLI writes it: each run's first write is whole, later ones
    /// are segments. Every request that changes the bucket is a crash step too.
    pub fn over_s3(cloud: &Cloud) -> Self {
        let kind = DurableKind::S3(crate::memory_s3::MemoryS3::new(cloud, S3_BUCKET));
        // Never read: its first write creates the state object.
        let backend = Mutex::new(Durable::backend_of(&kind));
        let durable = Durable { kind, backend, journal: tokio::sync::Mutex::new(provision_state::Journal::default()) };
        MemoryStore { cloud: cloud.clone(), local: Some(Arc::new(durable)), ..Default::default() }
    }

    /// Over S3: the keys of the state's journal segments (and seals) in the bucket.
    pub fn s3_journal(&self) -> Vec<String> {
        match self.local.as_deref().map(|d| &d.kind) {
            Some(DurableKind::S3(s3)) => s3.keys(S3_BUCKET, &format!("{S3_KEY}.journal/")),
            _ => vec![],
        }
    }

    /// Over S3: whether a reader (a new process) finds segments to replay over the state object
    /// (a killed run's journal; not the leftovers of a generation the state object no longer has).
    pub fn s3_journal_to_replay(&self) -> bool {
        let Some(local) = self.local.as_deref().filter(|d| matches!(d.kind, DurableKind::S3(_))) else { return false };
        let (_, reader) = local.read();
        match block_on(reader.has_journal()) {
            Ok(left) => left,
            Err(e) => panic!("cannot tell whether a journal is left: {e}"),
        }
    }

    /// The last state made durable. Over a journal: read back with the journal replayed (through
    /// a backend of its own, as `state pull` would), and checked to be exactly the state last
    /// written; or, when a run was killed in the middle of a write through S3, the state that
    /// write was making (its request may have landed before the crash).
    pub fn state(&self) -> Option<State> {
        let written = self.state.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let Some(local) = &self.local else { return written };
        let read = match &local.kind {
            DurableKind::Local(b) => match b.read_replayed() {
                Ok(r) => r.map(|(state, _, _)| state),
                Err(e) => panic!("the state written through the journal cannot be read: {e}"),
            },
            DurableKind::S3(_) => local.read().0,
        };
        let in_flight = self.in_flight.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if matches!(local.kind, DurableKind::S3(_)) && read.is_some() && read == in_flight {
            return read;
        }
        assert_eq!(read, written, "the state and its journal replay to the state last written");
        read
    }

    pub fn writes(&self) -> usize {
        *self.writes.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Over a local journal: the bytes written to the state file and the journal so far.
    pub fn bytes_written(&self) -> u64 {
        match self.local.as_deref().map(|d| &d.kind) {
            Some(DurableKind::Local(b)) => b.bytes_written(),
            _ => 0,
        }
    }

    /// A new run starts (the previous one was killed): its first write is a whole one, and over
    /// S3 it writes through a new backend that read the state first, as a new process does.
    pub fn restart(&self) {
        if let Some(local) = &self.local {
            match local.journal.try_lock() {
                Ok(mut j) => j.restart(),
                Err(_) => panic!("a killed run still holds the journal"),
            }
            if matches!(local.kind, DurableKind::S3(_)) {
                let (_, fresh) = local.read();
                *local.backend.lock().unwrap_or_else(|p| p.into_inner()) = fresh;
            }
        }
    }

    /// The end of a command: the journal is compacted into the state; and, as the CLI does for
    /// a run that wrote nothing, a journal a killed run left is compacted too.
    pub async fn compact(&self) {
        if let Some(local) = &self.local {
            let backend = local.backend();
            let mut journal = local.journal.lock().await;
            if let Err(e) = journal.compact(backend.as_ref()).await {
                panic!("compaction failed: {e}");
            }
            let left = match backend.has_journal().await {
                Ok(left) => left,
                Err(e) => panic!("cannot tell whether a journal is left: {e}"),
            };
            if left && let Some(state) = self.state() {
                journal.restart();
                if let Err(e) = journal.persist(backend.as_ref(), &state).await {
                    panic!("compacting the journal a killed run left failed: {e}");
                }
            }
        }
    }
}

#[async_trait]
impl StateStore for MemoryStore {
    async fn persist(&self, state: &State) -> Result<(), PersistError> {
        self.write(state, None).await
    }

    /// Also checks the engine's claim: every object that differs from the last state written is
    /// among `changed` (an object left out would be missing from the journal).
    async fn persist_changed(&self, state: &State, changed: &BTreeSet<ObjectKey>) -> Result<(), PersistError> {
        // (Up to a few thousand objects: the check compares every object, which would make the
        // measurements at scale measure it.)
        if let Some(last) = self.state.lock().unwrap_or_else(|p| p.into_inner()).as_ref()
            && last.resources.len() + state.resources.len() <= 4000
        {
            let key = |o: &ResourceObject| (o.address.clone(), o.deposed.clone());
            let before: BTreeMap<ObjectKey, &ResourceObject> = last.resources.iter().map(|o| (key(o), o)).collect();
            let after: BTreeMap<ObjectKey, &ResourceObject> = state.resources.iter().map(|o| (key(o), o)).collect();
            for k in before.keys().chain(after.keys()) {
                assert!(
                    before.get(k) == after.get(k) || changed.contains(k),
                    "the engine changed {} (deposed {:?}) without naming it among the changed objects",
                    k.0,
                    k.1
                );
            }
        }
        self.write(state, Some(changed)).await
    }
}

impl MemoryStore {
    async fn write(&self, state: &State, changed: Option<&BTreeSet<ObjectKey>>) -> Result<(), PersistError> {
        // A crash "before" the write loses it; a crash "after" keeps it.
        self.cloud.step().await;
        if let Some(local) = &self.local {
            *self.in_flight.lock().unwrap_or_else(|p| p.into_inner()) = Some(state.clone());
            let backend = local.backend();
            let mut journal = local.journal.lock().await;
            journal.persist_changed(backend.as_ref(), state, changed).await.map_err(|e| PersistError(e.to_string()))?;
        }
        *self.state.lock().unwrap_or_else(|p| p.into_inner()) = Some(state.clone());
        *self.in_flight.lock().unwrap_or_else(|p| p.into_inner()) = None;
        *self.writes.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        self.cloud.step().await;
        Ok(())
    }
}

/// The region of a provider configuration that sets none.
pub const DEFAULT_REGION: &str = "fake-1";

/// Which fake resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Network,
    Subnet,
    Gateway,
    Nat,
    Route,
    /// Like a security group: created with an allow-all rule that a second call removes.
    Firewall,
    /// Like an S3 bucket or IAM role: identified by a unique name.
    Bucket,
    /// Like a route: cannot be tagged; create adopts an identical object.
    Rule,
    /// Like an ECS task definition: every update registers a new revision with a new id.
    Revision,
}

struct FakeType {
    kind: Kind,
    name: &'static str,
    schema: Schema,
    cloud: Cloud,
    region: String,
}

fn network_schema() -> Schema {
    Schema::new("A fake network (like a VPC).")
        .with_id()
        .attr(AttributeSchema::required("cidr_block", Type::String).force_new())
        .attr(AttributeSchema::optional("dns", Type::Bool).default(true))
        .attr(AttributeSchema::computed("arn", Type::String))
        .with_tags()
}

fn subnet_schema() -> Schema {
    Schema::new("A fake subnet.")
        .with_id()
        .attr(AttributeSchema::required("network_id", Type::String).force_new())
        .attr(AttributeSchema::required("cidr_block", Type::String).force_new())
        .attr(AttributeSchema::optional_computed("zone", Type::String).force_new())
        .attr(AttributeSchema::optional("public", Type::Bool).default(false))
        .with_tags()
}

fn gateway_schema() -> Schema {
    Schema::new("A fake gateway, attached to a network in place.")
        .with_id()
        .attr(AttributeSchema::optional("network_id", Type::String).holds_in_use())
        .with_tags()
}

/// Runtime by default, like a NAT gateway: costly, torn down at night.
fn nat_schema() -> Schema {
    Schema::new("A fake NAT gateway in a subnet.")
        .with_id()
        .attr(AttributeSchema::required("subnet_id", Type::String).force_new())
        .runtime_layer()
        .with_tags()
}

/// A route in a network, optionally through a NAT gateway (then it is runtime too). Its `secret`
/// is sensitive in the schema, to test redaction that does not depend on the configuration. Its
/// `alias_to` is a weak reference (like a DNS alias): it does not make the route runtime.
fn route_schema() -> Schema {
    Schema::new("A fake route.")
        .with_id()
        .attr(AttributeSchema::required("network_id", Type::String).force_new())
        .attr(AttributeSchema::optional("nat_id", Type::String))
        .attr(AttributeSchema::optional("secret", Type::String).sensitive())
        .attr(AttributeSchema::optional("alias_to", Type::String).weak_reference())
        .with_tags()
}

/// A firewall's rules: AWS-like, a new one allows everything until a second call revokes it.
/// Without `rules` in the configuration, the rules are left as they are (unmanaged).
fn firewall_schema() -> Schema {
    Schema::new("A fake firewall (like a security group).")
        .with_id()
        .attr(AttributeSchema::required("network_id", Type::String).force_new())
        .attr(AttributeSchema::optional_computed("rules", Type::list(Type::String)))
        .multi_step_create()
        .with_tags()
}

/// The rule every new firewall starts with.
pub const ALLOW_ALL: &str = "allow-all";

fn bucket_schema() -> Schema {
    Schema::new("A fake bucket, named uniquely.")
        .with_id()
        .attr(AttributeSchema::optional_computed("name", Type::String).force_new().unique())
        .attr(AttributeSchema::optional("name_prefix", Type::String).force_new())
        .attr(AttributeSchema::optional("versioning", Type::Bool).default(false))
        .attr(AttributeSchema::optional("storage_class", Type::String).force_new())
        .attr(AttributeSchema::optional("force_destroy", Type::Bool).default(false).at_destroy())
        .attr(AttributeSchema::optional("policy", Type::String).normalize(sorted_json))
        .with_tags()
        // Like an IAM role: one name space for every region, so no `region` argument.
        .refuse("region", "fake_bucket is global (its names are unique across regions), so it takes no `region`")
        .check(|a| {
            let set = |k: &str| a.get(k).is_some_and(|v| !v.is_null());
            if set("name") && set("name_prefix") { Err("set name or name_prefix, not both".into()) } else { Ok(()) }
        })
}

fn revision_schema() -> Schema {
    Schema::new("A fake versioned object: every update registers a new revision.")
        .with_id()
        .attr(AttributeSchema::required("family", Type::String).force_new())
        .attr(AttributeSchema::required("body", Type::String).normalize(sorted_json))
        .attr(AttributeSchema::computed("arn", Type::String).per_revision())
        .attr(AttributeSchema::computed("revision", Type::Number).per_revision())
        .revisions("registers a new revision")
}

/// A JSON document with its keys sorted and no whitespace (what the fake cloud stores).
fn sorted_json(v: &Value) -> Value {
    fn sort(j: serde_json::Value) -> serde_json::Value {
        match j {
            serde_json::Value::Object(m) => {
                let mut e: Vec<(String, serde_json::Value)> = m.into_iter().collect();
                e.sort_by(|a, b| a.0.cmp(&b.0));
                serde_json::Value::Object(e.into_iter().map(|(k, v)| (k, sort(v))).collect())
            }
            serde_json::Value::Array(a) => serde_json::Value::Array(a.into_iter().map(sort).collect()),
            other => other,
        }
    }
    match v.as_str().and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok()) {
        Some(j) => Value::String(sort(j).to_string()),
        None => v.clone(),
    }
}

fn rule_schema() -> Schema {
    Schema::new("A fake untaggable rule.")
        .with_id()
        .attr(AttributeSchema::required("network_id", Type::String).force_new())
        .attr(AttributeSchema::required("cidr_block", Type::String).force_new())
        .check(|a| match a.get("cidr_block") {
            Some(Value::String(c)) if !c.contains('/') => Err(format!("cidr_block \"{c}\" is not a CIDR block")),
            _ => Ok(()),
        })
}

fn err(kind: ProviderErrorKind, m: impl Into<String>) -> ProviderError {
    ProviderError::new(kind, m)
}

impl FakeType {
    fn finish(&self, id: &str, o: &Object) -> Attrs {
        let mut a = o.attrs.clone();
        a.insert("id".into(), Value::String(id.into()));
        let user: BTreeMap<String, Value> = o
            .tags
            .iter()
            .filter(|(k, _)| !k.starts_with(tags::PREFIX))
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        a.insert("tags_all".into(), Value::Map(user));
        a.entry("tags".into()).or_insert(Value::Null);
        a
    }

    fn check_refs(&self, i: &Inner, desired: &Attrs) -> Result<(), ProviderError> {
        if let Some(Value::String(n)) = desired.get("network_id")
            && i.objects.get(n).is_none_or(|o| o.type_name != "fake_network")
        {
            return Err(err(ProviderErrorKind::Invalid, format!("network {n} does not exist"))
                .with_code("InvalidNetworkID.NotFound"));
        }
        Ok(())
    }
}

fn tag_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_map)
        .map(|m| m.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect())
        .unwrap_or_default()
}

#[async_trait]
impl ResourceType for FakeType {
    fn name(&self) -> &'static str {
        self.name
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read_many(
        &self,
        _ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        self.cloud.lock().calls.push(format!("read {} n={}", self.name, objects.len()));
        if let Some(e) = self.cloud.failure("read", None, self.name) {
            return Err(e);
        }
        let i = self.cloud.lock();
        Ok(objects
            .iter()
            .filter_map(|(id, _)| {
                i.objects
                    .get(id)
                    .filter(|o| o.type_name == self.name && o.region == self.region)
                    .map(|o| (id.clone(), self.finish(id, o)))
            })
            .collect())
    }

    fn identity(&self) -> IdentityStrategy {
        match self.kind {
            Kind::Bucket => IdentityStrategy::Name,
            Kind::Rule => IdentityStrategy::Content,
            _ => IdentityStrategy::Tags,
        }
    }

    fn natural_key(&self, ctx: &OpContext, desired: &Attrs) -> Option<String> {
        Some(bucket_name(ctx, desired))
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let what = format!("create {}", ctx.identity.address);
        self.cloud.lock().calls.push(what.clone());
        ctx.status("pending");
        self.cloud.enter(what.clone()).await;
        let result = async {
            if let Some(e) = self.cloud.failure("create", Some(&ctx.identity.address.to_string()), self.name) {
                return Err(e);
            }
            if self.kind == Kind::Rule
                && let Some((id, o)) = self.identical(desired)
            {
                // Untaggable: an identical object is this one (made by an interrupted run).
                return Ok(self.finish(&id, &o));
            }
            self.cloud.step().await;
            let (id, o) = {
                let mut i = self.cloud.lock();
                self.check_refs(&i, desired)?;
                if self.kind == Kind::Bucket {
                    let name = bucket_name(ctx, desired);
                    if i.objects
                        .values()
                        .any(|o| o.type_name == self.name && o.attrs.get("name").and_then(Value::as_str) == Some(&name))
                    {
                        return Err(err(ProviderErrorKind::Conflict, format!("a bucket named {name} already exists"))
                            .with_code("BucketAlreadyExists"));
                    }
                }
                i.next_id += 1;
                let prefix = match self.kind {
                    Kind::Network => "net",
                    Kind::Subnet => "sub",
                    Kind::Gateway => "gw",
                    Kind::Nat => "nat",
                    Kind::Route => "rt",
                    Kind::Firewall => "fw",
                    Kind::Bucket => "bkt",
                    Kind::Rule => "rule",
                    Kind::Revision => "rev",
                };
                let id = format!("{prefix}-{:04}", i.next_id);
                let mut attrs = desired.clone();
                attrs.remove("tags_all");
                if self.kind == Kind::Network {
                    attrs.insert("arn".into(), Value::String(format!("arn:fake:network/{id}")));
                }
                if self.kind == Kind::Subnet && attrs.get("zone").is_none_or(Value::is_null) {
                    attrs.insert("zone".into(), "zone-a".into());
                }
                if self.kind == Kind::Firewall {
                    attrs.insert("rules".into(), Value::List(vec![ALLOW_ALL.into()]));
                }
                if self.kind == Kind::Bucket {
                    attrs.insert("name".into(), Value::String(bucket_name(ctx, desired)));
                }
                if self.kind == Kind::Revision {
                    attrs.insert("revision".into(), Value::Number(1.0));
                    attrs.insert("arn".into(), Value::String(format!("arn:fake:revision/{id}")));
                }
                let mut t = tag_map(desired.get("tags_all"));
                if self.kind != Kind::Rule {
                    t.extend(ctx.identity.system_tags());
                }
                let o = Object { type_name: self.name.to_string(), attrs, tags: t, region: self.region.clone() };
                i.objects.insert(id.clone(), o.clone());
                (id, o)
            };
            self.cloud.step().await;
            if self.kind == Kind::Firewall {
                // The second call, as for a security group: revoke the default, add the rules.
                return self.settle_rules(&id, desired).await;
            }
            let delay = self.cloud.lock().ready_delay;
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            ctx.status("available");
            let mut out = self.finish(&id, &o);
            if self.cloud.lock().empty_ids {
                out.insert("id".into(), Value::String(String::new()));
            }
            Ok(out)
        }
        .await;
        self.cloud.leave(what);
        result
    }

    async fn finish_create(&self, _ctx: &OpContext, id: &str, desired: &Attrs) -> Result<Attrs, ProviderError> {
        self.cloud.lock().calls.push(format!("finish {} {id}", self.name));
        if self.kind != Kind::Firewall {
            return Err(err(ProviderErrorKind::Other, format!("{} has a one-step create", self.name)));
        }
        self.settle_rules(id, desired).await
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
    ) -> Result<Attrs, ProviderError> {
        let what = format!("update {} {id}", self.name);
        self.cloud.lock().calls.push(what.clone());
        self.cloud.enter(what.clone()).await;
        let result = async {
            if let Some(e) = self.cloud.failure("update", None, self.name) {
                return Err(e);
            }
            self.cloud.step().await;
            if self.kind == Kind::Revision {
                // A new revision with a new id; the old one is deregistered.
                let mut i = self.cloud.lock();
                let old =
                    i.objects.remove(id).ok_or_else(|| err(ProviderErrorKind::NotFound, format!("{id} not found")))?;
                let n = old.attrs.get("revision").and_then(Value::as_number).unwrap_or(1.0) + 1.0;
                i.next_id += 1;
                let new_id = format!("rev-{:04}", i.next_id);
                let mut attrs = desired.clone();
                attrs.insert("revision".into(), Value::Number(n));
                attrs.insert("arn".into(), Value::String(format!("arn:fake:revision/{new_id}")));
                let o = Object { attrs, ..old };
                i.objects.insert(new_id.clone(), o.clone());
                return Ok(self.finish(&new_id, &o));
            }
            let o = {
                let mut i = self.cloud.lock();
                self.check_refs(&i, desired)?;
                let o =
                    i.objects.get_mut(id).ok_or_else(|| err(ProviderErrorKind::NotFound, format!("{id} not found")))?;
                let system: BTreeMap<String, String> = o
                    .tags
                    .iter()
                    .filter(|(k, _)| k.starts_with(tags::PREFIX))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                let mut attrs = desired.clone();
                attrs.remove("tags_all");
                attrs.insert("arn".into(), o.attrs.get("arn").cloned().unwrap_or(Value::Null));
                if self.kind != Kind::Network && self.kind != Kind::Revision {
                    attrs.remove("arn");
                }
                for kept in ["name", "rules"] {
                    if attrs.get(kept).is_none_or(Value::is_null)
                        && let Some(v) = o.attrs.get(kept)
                    {
                        attrs.insert(kept.into(), v.clone());
                    }
                }
                o.attrs = attrs;
                o.tags = tag_map(desired.get("tags_all"));
                o.tags.extend(system);
                o.clone()
            };
            self.cloud.step().await;
            Ok(self.finish(id, &o))
        }
        .await;
        self.cloud.leave(what);
        result
    }

    async fn check_delete(
        &self,
        _ctx: &ReadContext,
        id: &str,
        attrs: &Attrs,
    ) -> Result<Vec<DeleteNote>, ProviderError> {
        if self.kind != Kind::Bucket {
            return Ok(vec![]);
        }
        self.cloud.lock().calls.push(format!("check_delete {} {id}", self.name));
        let n = self.cloud.lock().contents.get(id).copied().unwrap_or(0);
        let force = attrs.get("force_destroy").and_then(Value::as_bool).unwrap_or(false);
        Ok(match (n, force) {
            (0, _) => vec![],
            (n, false) => vec![DeleteNote::refuse(format!(
                "the bucket holds {n} objects; set force_destroy = true to delete them with it"
            ))],
            (n, true) => vec![DeleteNote::warn(format!("its {n} objects are deleted with it (force_destroy)"))],
        })
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, prior: &Attrs) -> Result<(), ProviderError> {
        let what = format!("delete {} {id}", self.name);
        self.cloud.lock().calls.push(what.clone());
        self.cloud.enter(what.clone()).await;
        let result = async {
            if let Some(e) = self.cloud.failure("delete", None, self.name) {
                return Err(e);
            }
            self.cloud.step().await;
            {
                let mut i = self.cloud.lock();
                let held = i.contents.get(id).copied().unwrap_or(0);
                if held > 0 && prior.get("force_destroy").and_then(Value::as_bool) != Some(true) {
                    return Err(err(ProviderErrorKind::Conflict, format!("bucket {id} is not empty"))
                        .with_code("BucketNotEmpty"));
                }
                i.contents.remove(id);
                // Like AWS, anything that names the object keeps it in use, except a weak reference
                // (a DNS alias does not stop a load balancer's delete).
                let in_use =
                    i.objects.values().any(|o| o.attrs.iter().any(|(k, v)| k != "alias_to" && v.as_str() == Some(id)));
                if in_use {
                    return Err(err(
                        ProviderErrorKind::Conflict,
                        format!("{id} has dependencies and cannot be deleted"),
                    )
                    .with_code("DependencyViolation"));
                }
                i.objects.remove(id);
            }
            self.cloud.step().await;
            Ok(())
        }
        .await;
        self.cloud.leave(what);
        result
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let identity = &query.identity;
        self.cloud.lock().calls.push(format!("find {}", identity.address));
        if self.kind == Kind::Rule {
            return Ok(self
                .identical(&query.desired)
                .map(|(id, o)| Found::ours(self.finish(&id, &o)))
                .into_iter()
                .collect());
        }
        let i = self.cloud.lock();
        let mine = |o: &&Object| o.type_name == self.name && o.region == self.region;
        if self.kind == Kind::Bucket {
            let Some(name) = &query.natural_key else { return Ok(vec![]) };
            return Ok(i
                .objects
                .iter()
                .filter(|(_, o)| mine(o) && o.attrs.get("name").and_then(Value::as_str) == Some(name))
                .map(|(id, o)| Found {
                    attrs: self.finish(id, o),
                    owner: identity.owner_of(o.tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
                })
                .collect());
        }
        Ok(i.objects
            .iter()
            .filter(|(_, o)| {
                mine(o)
                    && o.tags.get(tags::STACK) == Some(&identity.stack)
                    && o.tags.get(tags::ADDRESS).is_some_and(|v| tags::names_address(v, &identity.address))
            })
            .map(|(id, o)| Found::ours(self.finish(id, o)))
            .collect())
    }
}

/// The name a bucket gets: `name`, or `name_prefix` (or `bkt-`) and the create's token.
fn bucket_name(ctx: &OpContext, desired: &Attrs) -> String {
    match desired.get("name").and_then(Value::as_str) {
        Some(n) => n.to_string(),
        None => {
            let prefix = desired.get("name_prefix").and_then(Value::as_str).unwrap_or("bkt-");
            format!("{prefix}{}", &ctx.token.replace('-', "")[..12.min(ctx.token.len())])
        }
    }
}

impl FakeType {
    /// An existing object of this type with exactly these arguments (for untaggable types).
    fn identical(&self, desired: &Attrs) -> Option<(String, Object)> {
        let i = self.cloud.lock();
        i.objects
            .iter()
            .find(|(_, o)| {
                o.type_name == self.name
                    && o.region == self.region
                    && ["network_id", "cidr_block"].iter().all(|k| o.attrs.get(*k) == desired.get(*k))
            })
            .map(|(id, o)| (id.clone(), o.clone()))
    }

    /// A firewall's second step: the default rule goes, the configured rules (if any) are set.
    async fn settle_rules(&self, id: &str, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let o = {
            let mut i = self.cloud.lock();
            let o = i.objects.get_mut(id).ok_or_else(|| err(ProviderErrorKind::NotFound, format!("{id} not found")))?;
            let rules = match desired.get("rules") {
                Some(Value::List(r)) => Value::List(r.clone()),
                _ => Value::List(
                    o.attrs
                        .get("rules")
                        .and_then(Value::as_seq)
                        .unwrap_or_default()
                        .iter()
                        .filter(|r| r.as_str() != Some(ALLOW_ALL))
                        .cloned()
                        .collect(),
                ),
            };
            o.attrs.insert("rules".into(), rules);
            o.clone()
        };
        if let Some(e) = self.cloud.failure("settle", None, self.name) {
            return Err(e);
        }
        self.cloud.step().await;
        Ok(self.finish(id, &o))
    }
}

/// `fake_zones`: the zones of the fake cloud. `fake_echo`: returns its `input` as `output`.
struct FakeData {
    name: &'static str,
    schema: Schema,
    cloud: Cloud,
}

#[async_trait]
impl DataSourceType for FakeData {
    fn name(&self) -> &'static str {
        self.name
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, args: &Attrs) -> Result<Attrs, ProviderError> {
        self.cloud.lock().calls.push(format!("read data {}", self.name));
        if let Some(e) = self.cloud.failure("read", None, self.name) {
            return Err(e);
        }
        let mut out = args.clone();
        match self.name {
            "fake_zones" => {
                out.insert("names".into(), Value::List(vec!["zone-a".into(), "zone-b".into(), "zone-c".into()]));
            }
            _ => {
                out.insert("output".into(), args.get("input").cloned().unwrap_or(Value::Null));
            }
        }
        out.insert("id".into(), Value::String(self.name.into()));
        Ok(out)
    }
}

/// The fake provider, named `fake`: resource types `fake_network`, `fake_subnet`, `fake_gateway`,
/// `fake_nat` (runtime layer by default), `fake_route`, `fake_firewall` (a create in two calls),
/// `fake_bucket` (found by name), `fake_rule` (untaggable); data sources `fake_zones`, `fake_echo`.
/// Each configured instance works in the region its block names (`fake-1` by default).
/// [`FakeProvider::per_resource_region`] makes one whose types also take `region` per object.
pub struct FakeProvider {
    pub cloud: Cloud,
    region: String,
    types: Vec<Arc<FakeType>>,
    data: Vec<Arc<FakeData>>,
    config_schema: Schema,
    configured: Arc<Mutex<Vec<Attrs>>>,
    /// With per-object regions: the types as [`provision_core::regional`] wraps them.
    regional: Option<RegionalTypes>,
}

/// The resource and data source types of a provider whose objects take `region`.
type RegionalTypes = (Vec<Arc<dyn ResourceType>>, Vec<Arc<dyn DataSourceType>>);

impl FakeProvider {
    pub fn new(cloud: &Cloud) -> Self {
        Self::in_region(cloud, DEFAULT_REGION, Arc::default())
    }

    /// A fake provider whose types take `region` per object, as the AWS provider's do (through
    /// the same [`provision_core::regional`]), except `fake_bucket`, which is global.
    pub fn per_resource_region(cloud: &Cloud) -> Self {
        Self::in_region(cloud, DEFAULT_REGION, Arc::default()).with_regions()
    }

    fn with_regions(mut self) -> Self {
        use provision_core::regional::{Build, KnownRegion, Regional, RegionalData, Regions, Types};
        let (cloud, configured) = (self.cloud.clone(), self.configured.clone());
        let build: Box<Build> = Box::new(move |r: &str| {
            let p = FakeProvider::in_region(&cloud, r, configured.clone());
            Types {
                resources: p.types.iter().map(|t| t.clone() as Arc<dyn ResourceType>).collect(),
                data: p.data.iter().map(|d| d.clone() as Arc<dyn DataSourceType>).collect(),
            }
        });
        let argument = AttributeSchema::optional("region", Type::String).describe("The region of the object.");
        let home = Arc::new(KnownRegion(self.region.clone()));
        let regions = Arc::new(Regions::new(Some(self.region.clone()), home, argument, build));
        let resources = self
            .types
            .iter()
            .map(|t| -> Arc<dyn ResourceType> {
                let t = t.clone() as Arc<dyn ResourceType>;
                match t.schema().refusal("region").map(str::to_string) {
                    Some(why) => Arc::new(Regional::global(t, why)),
                    None => Arc::new(Regional::new(t, regions.clone())),
                }
            })
            .collect();
        let data = self
            .data
            .iter()
            .map(|d| -> Arc<dyn DataSourceType> { Arc::new(RegionalData::new(d.clone(), regions.clone())) })
            .collect();
        self.regional = Some((resources, data));
        self
    }

    fn in_region(cloud: &Cloud, region: &str, configured: Arc<Mutex<Vec<Attrs>>>) -> Self {
        let t = |kind, name, schema| {
            Arc::new(FakeType { kind, name, schema, cloud: cloud.clone(), region: region.to_string() })
        };
        let d = |name, schema| Arc::new(FakeData { name, schema, cloud: cloud.clone() });
        FakeProvider {
            cloud: cloud.clone(),
            region: region.to_string(),
            types: vec![
                t(Kind::Bucket, "fake_bucket", bucket_schema()),
                t(Kind::Firewall, "fake_firewall", firewall_schema()),
                t(Kind::Gateway, "fake_gateway", gateway_schema()),
                t(Kind::Nat, "fake_nat", nat_schema()),
                t(Kind::Network, "fake_network", network_schema()),
                t(Kind::Route, "fake_route", route_schema()),
                t(Kind::Revision, "fake_revision", revision_schema()),
                t(Kind::Rule, "fake_rule", rule_schema()),
                t(Kind::Subnet, "fake_subnet", subnet_schema()),
            ],
            data: vec![
                d(
                    "fake_echo",
                    Schema::new("Echoes its input.")
                        .with_id()
                        .attr(AttributeSchema::required("input", Type::String))
                        .attr(AttributeSchema::computed("output", Type::String)),
                ),
                d(
                    "fake_zones",
                    Schema::new("The zones.")
                        .with_id()
                        .attr(AttributeSchema::computed("names", Type::list(Type::String))),
                ),
            ],
            config_schema: Schema::new("The fake provider.")
                .attr(AttributeSchema::optional("region", Type::String))
                .block(provision_core::BlockSchema::new(
                    "default_tags",
                    provision_core::Nesting::Single,
                    Schema::new("").attr(AttributeSchema::optional("tags", Type::map(Type::String))),
                    "",
                )),
            configured,
            regional: None,
        }
    }

    /// The provider block as last configured.
    pub fn configured(&self) -> Option<Attrs> {
        self.configured.lock().unwrap_or_else(|p| p.into_inner()).last().cloned()
    }
}

#[async_trait]
impl Provider for FakeProvider {
    fn name(&self) -> &'static str {
        "fake"
    }

    /// Fails as `cloud.fail("check", REGION, message)` says, like a missing profile or a
    /// forbidden account (not a call: the fake cloud's call counts stay those of the types).
    async fn check(&self) -> Result<(), ProviderError> {
        match self.cloud.failure("check", None, &self.region) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn config_schema(&self) -> &Schema {
        &self.config_schema
    }

    fn configure(&self, config: &Attrs) -> Result<Arc<dyn Provider>, ProviderError> {
        self.configured.lock().unwrap_or_else(|p| p.into_inner()).push(config.clone());
        let region = config.get("region").and_then(Value::as_str).unwrap_or(DEFAULT_REGION);
        let p = Self::in_region(&self.cloud, region, self.configured.clone());
        Ok(Arc::new(if self.regional.is_some() { p.with_regions() } else { p }))
    }

    fn resource_type(&self, name: &str) -> Option<Arc<dyn ResourceType>> {
        if let Some((types, _)) = &self.regional {
            return types.iter().find(|t| t.name() == name).cloned();
        }
        self.types.iter().find(|t| t.name == name).map(|t| t.clone() as Arc<dyn ResourceType>)
    }

    fn data_source(&self, name: &str) -> Option<Arc<dyn DataSourceType>> {
        if let Some((_, data)) = &self.regional {
            return data.iter().find(|d| d.name() == name).cloned();
        }
        self.data.iter().find(|t| t.name == name).map(|t| t.clone() as Arc<dyn DataSourceType>)
    }

    fn resource_type_names(&self) -> Vec<&'static str> {
        self.types.iter().map(|t| t.name).collect()
    }

    fn data_source_names(&self) -> Vec<&'static str> {
        self.data.iter().map(|t| t.name).collect()
    }
}
