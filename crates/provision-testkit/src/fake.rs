//! A fake provider for engine tests: three resource types and two data sources over an in-memory
//! cloud that behaves like EC2 where it matters (ids assigned on create, tags, dependency errors
//! on delete, not-found on reads) and can inject latency, failures and crashes at any step.

use async_trait::async_trait;
use provision_core::state::{PersistError, State, StateStore};
use provision_core::{
    AttributeSchema, Attrs, CreateContext, DataSourceType, Identity, Provider, ProviderError, ProviderErrorKind,
    ReadContext, ResourceType, Schema, Type, Value, tags,
};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// One object in the fake cloud.
#[derive(Debug, Clone)]
pub struct Object {
    pub type_name: String,
    pub attrs: Attrs,
    pub tags: BTreeMap<String, String>,
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
    in_flight: usize,
    max_in_flight: usize,
    /// Counts steps (provider mutations and state writes); at `crash_at` everything stops.
    steps: usize,
    crash_at: Option<usize>,
    crashed: bool,
    /// Start and end of each mutation, in order: "start create fake_subnet.a[0]".
    timeline: Vec<String>,
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
            .filter(|(_, o)| o.tags.get(tags::ADDRESS).map(String::as_str) == Some(address))
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

    /// Makes `op` ("create", "update", "delete", "read") fail for an address or a type.
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

    /// Deletes an object behind provision's back.
    pub fn remove(&self, id: &str) {
        self.lock().objects.remove(id);
    }

    /// Counts a step; never returns if the world has crashed or crashes now.
    async fn step(&self) {
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

/// A state store that keeps the last persisted state in memory and counts as a crash step.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    cloud: Cloud,
    state: Arc<Mutex<Option<State>>>,
    writes: Arc<Mutex<usize>>,
}

impl MemoryStore {
    pub fn new(cloud: &Cloud) -> Self {
        MemoryStore { cloud: cloud.clone(), ..Default::default() }
    }

    /// The last state made durable.
    pub fn state(&self) -> Option<State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn writes(&self) -> usize {
        *self.writes.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl StateStore for MemoryStore {
    async fn persist(&self, state: &State) -> Result<(), PersistError> {
        // A crash "before" the write loses it; a crash "after" keeps it.
        self.cloud.step().await;
        *self.state.lock().unwrap_or_else(|p| p.into_inner()) = Some(state.clone());
        *self.writes.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        self.cloud.step().await;
        Ok(())
    }
}

/// Which fake resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Network,
    Subnet,
    Gateway,
    Nat,
    Route,
}

struct FakeType {
    kind: Kind,
    name: &'static str,
    schema: Schema,
    cloud: Cloud,
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
/// is sensitive in the schema, to test redaction that does not depend on the configuration.
fn route_schema() -> Schema {
    Schema::new("A fake route.")
        .with_id()
        .attr(AttributeSchema::required("network_id", Type::String).force_new())
        .attr(AttributeSchema::optional("nat_id", Type::String))
        .attr(AttributeSchema::optional("secret", Type::String).sensitive())
        .with_tags()
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
                i.objects.get(id).filter(|o| o.type_name == self.name).map(|o| (id.clone(), self.finish(id, o)))
            })
            .collect())
    }

    async fn create(&self, ctx: &CreateContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let what = format!("create {}", ctx.identity.address);
        self.cloud.lock().calls.push(what.clone());
        self.cloud.enter(what.clone()).await;
        let result = async {
            if let Some(e) = self.cloud.failure("create", Some(&ctx.identity.address.to_string()), self.name) {
                return Err(e);
            }
            self.cloud.step().await;
            let (id, o) = {
                let mut i = self.cloud.lock();
                self.check_refs(&i, desired)?;
                i.next_id += 1;
                let prefix = match self.kind {
                    Kind::Network => "net",
                    Kind::Subnet => "sub",
                    Kind::Gateway => "gw",
                    Kind::Nat => "nat",
                    Kind::Route => "rt",
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
                let mut t = tag_map(desired.get("tags_all"));
                t.extend(ctx.identity.system_tags());
                let o = Object { type_name: self.name.to_string(), attrs, tags: t };
                i.objects.insert(id.clone(), o.clone());
                (id, o)
            };
            self.cloud.step().await;
            Ok(self.finish(&id, &o))
        }
        .await;
        self.cloud.leave(what);
        result
    }

    async fn update(&self, id: &str, _prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let what = format!("update {} {id}", self.name);
        self.cloud.lock().calls.push(what.clone());
        self.cloud.enter(what.clone()).await;
        let result = async {
            if let Some(e) = self.cloud.failure("update", None, self.name) {
                return Err(e);
            }
            self.cloud.step().await;
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
                if self.kind != Kind::Network {
                    attrs.remove("arn");
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

    async fn delete(&self, id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
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
                let in_use = i.objects.values().any(|o| o.attrs.values().any(|v| v.as_str() == Some(id)));
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

    async fn find(&self, identity: &Identity) -> Result<Vec<Attrs>, ProviderError> {
        self.cloud.lock().calls.push(format!("find {}", identity.address));
        let i = self.cloud.lock();
        Ok(i.objects
            .iter()
            .filter(|(_, o)| {
                o.type_name == self.name
                    && o.tags.get(tags::STACK) == Some(&identity.stack)
                    && o.tags.get(tags::ADDRESS) == Some(&identity.address.to_string())
            })
            .map(|(id, o)| self.finish(id, o))
            .collect())
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
/// `fake_nat` (runtime layer by default), `fake_route`;
/// data sources `fake_zones`, `fake_echo`.
pub struct FakeProvider {
    pub cloud: Cloud,
    types: Vec<Arc<FakeType>>,
    data: Vec<Arc<FakeData>>,
    config_schema: Schema,
    configured: Mutex<Option<Attrs>>,
}

impl FakeProvider {
    pub fn new(cloud: &Cloud) -> Self {
        let t = |kind, name, schema| Arc::new(FakeType { kind, name, schema, cloud: cloud.clone() });
        let d = |name, schema| Arc::new(FakeData { name, schema, cloud: cloud.clone() });
        FakeProvider {
            cloud: cloud.clone(),
            types: vec![
                t(Kind::Gateway, "fake_gateway", gateway_schema()),
                t(Kind::Nat, "fake_nat", nat_schema()),
                t(Kind::Network, "fake_network", network_schema()),
                t(Kind::Route, "fake_route", route_schema()),
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
            configured: Mutex::new(None),
        }
    }

    /// The provider block as last configured.
    pub fn configured(&self) -> Option<Attrs> {
        self.configured.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl Provider for FakeProvider {
    fn name(&self) -> &'static str {
        "fake"
    }

    fn config_schema(&self) -> &Schema {
        &self.config_schema
    }

    fn configure(&self, config: &Attrs) -> Result<(), ProviderError> {
        *self.configured.lock().unwrap_or_else(|p| p.into_inner()) = Some(config.clone());
        Ok(())
    }

    fn resource_type(&self, name: &str) -> Option<Arc<dyn ResourceType>> {
        self.types.iter().find(|t| t.name == name).map(|t| t.clone() as Arc<dyn ResourceType>)
    }

    fn data_source(&self, name: &str) -> Option<Arc<dyn DataSourceType>> {
        self.data.iter().find(|t| t.name == name).map(|t| t.clone() as Arc<dyn DataSourceType>)
    }

    fn resource_type_names(&self) -> Vec<&'static str> {
        self.types.iter().map(|t| t.name).collect()
    }

    fn data_source_names(&self) -> Vec<&'static str> {
        self.data.iter().map(|t| t.name).collect()
    }
}
