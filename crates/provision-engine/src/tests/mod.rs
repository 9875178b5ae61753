//! Engine tests against the fake provider: graph and cycles, diff and rendering, scheduling and
//! concurrency, failure propagation, and crash recovery at every step.

mod adopt;
mod apply;
mod conditions;
mod contract;
mod crash;
mod deletes;
mod documents;
mod language;
mod layers;
mod limits;
mod module_instances;
mod modules;
mod plan;
mod provisioners;
mod regions;
mod sensitive;
mod state_writes;
mod targeting;

use crate::{Cancel, Engine, Event, Options, PlanRequest, Reporter, Silent};
use provision_config::{VariableInputs, load_files, render_diagnostics, resolve_variables};
use provision_core::state::State;
use provision_core::{Diagnostics, Value};
use provision_testkit::{Cloud, FakeProvider, MemoryStore};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub(crate) fn options(parallelism: usize) -> Options {
    Options {
        parallelism,
        workspace: "default".into(),
        recovery_settle: Duration::ZERO,
        commit_window: Duration::ZERO,
        heartbeat: Duration::ZERO,
    }
}

/// An engine for `config` against `cloud`; configuration errors come back rendered.
pub(crate) fn engine_with(config: &str, cloud: &Cloud, vars: &[&str], opts: Options) -> Result<Engine, String> {
    let provider = provision_core::Providers::one(Arc::new(FakeProvider::new(cloud)));
    let loaded =
        load_files(Path::new("/nonexistent-provision-test-dir"), vec![("main.tf".into(), config.into())], &provider);
    engine_of(provider, loaded, vars, opts)
}

/// An engine for a loaded configuration; configuration errors come back rendered.
pub(crate) fn engine_of(
    provider: provision_core::Providers,
    (mut module, diags): (provision_config::Module, Diagnostics),
    vars: &[&str],
    opts: Options,
) -> Result<Engine, String> {
    if diags.has_errors() {
        return Err(render_diagnostics(&diags, &module.sources));
    }
    let inputs = VariableInputs {
        cli: vars.iter().map(|v| provision_config::VarSource::Var(v.to_string())).collect(),
        ..Default::default()
    };
    let (values, _) = resolve_variables(&mut module, &inputs).map_err(|d| render_diagnostics(&d, &module.sources))?;
    let expanded =
        provision_config::expand_module_calls(&mut module, &values, "default", provision_config::CallKeys::Required);
    if expanded.has_errors() {
        return Err(render_diagnostics(&expanded, &module.sources));
    }
    let sources = module.sources.clone();
    Engine::new(provider, Arc::new(module), values, opts, Arc::new(Silent))
        .map_err(|d: Diagnostics| render_diagnostics(&d, &sources))
}

pub(crate) fn engine(config: &str, cloud: &Cloud) -> Engine {
    match engine_with(config, cloud, &[], options(4)) {
        Ok(e) => e,
        Err(d) => panic!("configuration should load:\n{d}"),
    }
}

pub(crate) fn new_state() -> State {
    State::new("test-lineage", "test")
}

/// The state the store holds, or a new one.
pub(crate) fn current(store: &MemoryStore) -> State {
    store.state().unwrap_or_else(new_state)
}

/// Plans and applies `config`, recovering first like the CLI does; panics on engine errors.
pub(crate) async fn apply(config: &str, cloud: &Cloud, store: &MemoryStore) -> crate::ApplyReport {
    apply_with(&engine(config, cloud), store, PlanRequest::normal()).await
}

pub(crate) async fn apply_with(e: &Engine, store: &MemoryStore, req: PlanRequest) -> crate::ApplyReport {
    let mut state = current(store);
    e.recover(&mut state, store).await.expect("recovery");
    let run = e.plan(&state, req).await.expect("plan");
    let report = e.apply(run, store, &Cancel::default()).await.expect("apply");
    // The end of the command, as the CLI ends it (nothing to do for a store in memory).
    store.compact().await;
    report
}

pub(crate) async fn plan_text(config: &str, cloud: &Cloud, store: &MemoryStore) -> String {
    let e = engine(config, cloud);
    let run = e.plan(&current(store), PlanRequest::normal()).await.expect("plan");
    crate::render::plan(&run.plan, crate::render::Style::default())
}

/// Every object in the cloud is in state exactly once and vice versa.
pub(crate) fn assert_consistent(cloud: &Cloud, store: &MemoryStore) {
    let state = current(store);
    let cloud_ids: std::collections::BTreeSet<String> = cloud.objects().keys().cloned().collect();
    let state_ids: Vec<String> = state.resources.iter().map(|r| r.id.clone()).collect();
    let unique: std::collections::BTreeSet<String> = state_ids.iter().cloned().collect();
    assert_eq!(unique.len(), state_ids.len(), "an object is recorded twice: {state_ids:?}");
    assert_eq!(
        cloud_ids,
        unique,
        "cloud and state disagree\ncloud: {:#?}\nstate: {:#?}",
        cloud.objects(),
        state.resources
    );
    assert!(state.pending.is_empty(), "pending records left: {:?}", state.pending);
    for (id, o) in cloud.objects() {
        // Untaggable objects are checked by their content in their own tests.
        let Some(addr) = o.tags.get(provision_core::tags::ADDRESS).map(|v| provision_core::tags::address_text(v))
        else {
            continue;
        };
        let same: Vec<_> = cloud.objects_at(&addr);
        assert_eq!(same.len(), 1, "{addr} has {} objects ({id})", same.len());
    }
}

pub(crate) fn attr(cloud: &Cloud, address: &str, name: &str) -> Value {
    cloud
        .objects_at(address)
        .first()
        .map(|(_, o)| o.attrs.get(name).cloned().unwrap_or(Value::Null))
        .unwrap_or(Value::Null)
}

/// A network, two subnets from count + cidrsubnet, a gateway, default tags, outputs.
pub(crate) const STACK: &str = r#"
provider "fake" {
  default_tags {
    tags = { ManagedBy = "provision" }
  }
}

variable "cidr" {
  type    = string
  default = "10.0.0.0/16"
}

variable "name" {
  type    = string
  default = "demo"
}

resource "fake_network" "main" {
  cidr_block = var.cidr
  tags       = { Name = var.name }
}

resource "fake_subnet" "public" {
  count      = 2
  network_id = fake_network.main.id
  cidr_block = cidrsubnet(fake_network.main.cidr_block, 8, count.index)
  tags       = { Name = "${var.name}-public-${count.index}" }
}

resource "fake_gateway" "gw" {
  network_id = fake_network.main.id
}

output "network_id" {
  value = fake_network.main.id
}

output "subnet_ids" {
  value = fake_subnet.public[*].id
}
"#;

/// Collects every event.
#[derive(Default)]
pub(crate) struct Recorder(Mutex<Vec<Event>>);

impl Reporter for Recorder {
    fn report(&self, event: Event) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(event);
    }
}

impl Recorder {
    pub(crate) fn events(&self) -> Vec<Event> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

pub(crate) fn engine_reporting(config: &str, cloud: &Cloud, opts: Options, reporter: Arc<Recorder>) -> Engine {
    let mut e = engine_with(config, cloud, &[], opts).expect("engine");
    e.reporter = reporter;
    e
}

/// The rendered configuration errors of planning `config` from an empty state.
pub(crate) async fn plan_errors(config: &str) -> String {
    let cloud = Cloud::new();
    let e = engine(config, &cloud);
    match e.plan(&new_state(), PlanRequest::normal()).await {
        Err(crate::EngineError::Config(d)) => provision_config::render_diagnostics(&d, &e.module.sources),
        other => panic!("expected configuration errors, got {:?}", other.map(|r| r.plan)),
    }
}
