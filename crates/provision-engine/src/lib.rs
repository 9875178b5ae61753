//! The provision engine: turns a configuration and a state into a plan, and a plan into changes in
//! the world. It owns the dependency graph (cycles named), the batched refresh, the schema-driven
//! diff, and the concurrent DAG walker with its crash-safe journal.
//!
//! Deliberately absent: any AWS SDK type (resources are reached only through
//! [`provision_core::ResourceType`]), any file or terminal I/O (state goes through a
//! [`provision_core::state::StateStore`], progress through a [`Reporter`]), and any retry policy
//! (retries belong to the provider, per operation).

mod adopt;
mod apply;
mod conditions;
pub mod diagram;
mod diff;
mod graph;
pub mod json;
mod layers;
mod moves;
mod operation;
mod plan;
mod pricing;
mod provisioners;
mod recover;
pub mod render;

pub use adopt::{Adopted, Adoption};
pub use apply::{ApplyReport, Failure, Skipped};
pub use graph::ConfigGraph;
pub use operation::human as human_duration;
pub use plan::{Checked, PlanRequest, PlannedRun, SavedInputs};
pub use pricing::PricedInstance;
pub use recover::Recovery;

use provision_config::{InstanceCtx, Module, Scope, eval_body};
use provision_core::{
    Address, Diagnostic, Diagnostics, Layer, LayerInfo, LayerOrigin, Provider, ProviderError, ProviderRef, Providers,
    Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// How the engine runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// How many resource operations may run at once.
    pub parallelism: usize,
    /// The value of `terraform.workspace`.
    pub workspace: String,
    /// How long after a create started its object may still be invisible to a read (AWS is
    /// eventually consistent). Crash recovery looks again after this long before concluding that
    /// an interrupted create made nothing.
    pub recovery_settle: Duration,
    /// How long a finished operation may wait for others to finish so that their state writes
    /// are combined. Safe at any value: a create is covered by its pending record until written.
    pub commit_window: Duration,
    /// How often a running operation reports that it is still running ([`Event::OpStillRunning`]).
    pub heartbeat: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            parallelism: 10,
            workspace: "default".into(),
            recovery_settle: Duration::from_secs(10),
            commit_window: Duration::from_millis(20),
            heartbeat: Duration::from_secs(10),
        }
    }
}

/// The kind of operation on one object, for progress and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Create,
    Update,
    Delete,
    Read,
}

impl Op {
    pub fn progressive(self) -> &'static str {
        match self {
            Op::Create => "Creating",
            Op::Update => "Modifying",
            Op::Delete => "Destroying",
            Op::Read => "Reading",
        }
    }

    pub fn verb(self) -> &'static str {
        match self {
            Op::Create => "create",
            Op::Update => "update",
            Op::Delete => "destroy",
            Op::Read => "read",
        }
    }

    pub fn past(self) -> &'static str {
        match self {
            Op::Create => "Creation",
            Op::Update => "Modifications",
            Op::Delete => "Destruction",
            Op::Read => "Read",
        }
    }
}

/// What happened to a create interrupted by an earlier run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecoveryOutcome {
    /// The object exists: it is now recorded in state.
    Adopted { id: String },
    /// No object exists: the record was dropped.
    Dropped,
    /// Looking for it failed; the record stays for the next run.
    Unresolved { message: String },
    /// An object with the recorded name exists but is not this stack's: the record was dropped
    /// and the object left alone.
    Conflict { message: String },
}

/// Progress, reported as it happens. Library code never prints; the CLI turns these into output.
#[derive(Debug, Clone)]
pub enum Event {
    /// A batched read of `count` objects of one type started.
    Refreshing {
        type_name: String,
        count: usize,
    },
    Recovered {
        address: Address,
        outcome: RecoveryOutcome,
    },
    OpStarted {
        address: Address,
        op: Op,
    },
    /// A running operation said what it is waiting for (an AWS status, a count of targets).
    OpStatus {
        address: Address,
        op: Op,
        status: String,
    },
    /// Sent every [`Options::heartbeat`] while an operation runs.
    OpStillRunning {
        address: Address,
        op: Op,
        elapsed: Duration,
        status: Option<String>,
    },
    OpFinished {
        address: Address,
        op: Op,
        id: Option<String>,
        elapsed: Duration,
    },
    OpFailed {
        address: Address,
        op: Op,
        message: String,
    },
    /// Not started because something it depends on failed.
    OpSkipped {
        address: Address,
        op: Op,
        because: Address,
    },
    /// The run was interrupted; in-flight operations are finishing.
    Interrupting,
    /// Interrupted again: provision stops waiting for the operations still running. Creates keep
    /// their pending records, so the next run adopts what they made.
    Abandoning {
        running: Vec<(Address, Op)>,
    },
    Warning(String),
    /// A line a provisioner's command printed (or what it runs), as Terraform's
    /// `aws_instance.web (local-exec): ...`.
    ProvisionerOutput {
        address: Address,
        line: String,
    },
}

/// Receives [`Event`]s.
pub trait Reporter: Send + Sync {
    fn report(&self, event: Event);
}

/// A reporter that drops everything.
pub struct Silent;

impl Reporter for Silent {
    fn report(&self, _: Event) {}
}

/// Asks a running apply to stop (Ctrl-C). The first [`Cancel::cancel`] stops launching operations:
/// in-flight ones finish and are recorded. The second stops waiting for them: a create's pending
/// record stays, so the next run adopts whatever it made.
#[derive(Debug, Clone, Default)]
pub struct Cancel {
    level: Arc<std::sync::atomic::AtomicU8>,
    notify: Arc<tokio::sync::Notify>,
}

impl Cancel {
    /// Raises the level by one: stop launching, then stop waiting.
    pub fn cancel(&self) {
        let _ = self.level.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |l| Some(l.saturating_add(1).min(2)));
        self.notify.notify_waiters();
    }

    pub fn is_cancelled(&self) -> bool {
        self.level.load(Ordering::SeqCst) >= 1
    }

    /// True after the second cancel: running operations are abandoned.
    pub fn is_abandoned(&self) -> bool {
        self.level.load(Ordering::SeqCst) >= 2
    }

    async fn reached(&self, level: u8) {
        loop {
            let notified = self.notify.notified();
            if self.level.load(Ordering::SeqCst) >= level {
                return;
            }
            notified.await;
        }
    }

    async fn cancelled(&self) {
        self.reached(1).await
    }

    async fn abandoned(&self) {
        self.reached(2).await
    }
}

/// Why a plan or apply could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Problems in the configuration, found while evaluating it.
    #[error("{0}")]
    Config(Diagnostics),
    /// Reading the current objects failed.
    #[error("refreshing {type_name} failed: {error}")]
    Refresh { type_name: String, error: ProviderError },
    /// A state write failed; nothing after it was attempted.
    #[error("could not write state: {0}")]
    Persist(String),
    /// The operations would have to happen in a circular order.
    #[error("{0}")]
    Ordering(String),
}

impl From<Diagnostics> for EngineError {
    fn from(d: Diagnostics) -> Self {
        EngineError::Config(d)
    }
}

/// Everything needed to plan and apply one configuration.
pub struct Engine {
    /// The unconfigured providers: schemas and names.
    pub provider: Providers,
    /// One configured instance per provider configuration (the default and each alias).
    providers: BTreeMap<ProviderRef, Arc<dyn Provider>>,
    pub module: Arc<Module>,
    pub graph: ConfigGraph,
    pub variables: BTreeMap<String, Value>,
    pub options: Options,
    pub reporter: Arc<dyn Reporter>,
    /// Each resource block's layer, by address without instance key.
    pub layers: BTreeMap<Address, LayerInfo>,
    /// The resources each block refers to only through weak arguments: destroying them does not
    /// take the block's objects with them.
    weak_deps: BTreeMap<Address, std::collections::BTreeSet<Address>>,
    /// Each provider configuration's `default_tags`.
    default_tags: BTreeMap<ProviderRef, BTreeMap<String, String>>,
}

impl Engine {
    /// Builds the dependency graph (reporting cycles), evaluates the provider block and configures
    /// the provider. Makes no AWS call.
    pub fn new(
        provider: Providers,
        module: Arc<Module>,
        variables: BTreeMap<String, Value>,
        options: Options,
        reporter: Arc<dyn Reporter>,
    ) -> Result<Engine, Diagnostics> {
        let graph = ConfigGraph::build(&module)?;
        let layers = layers::compute(&module, &graph)?;
        let mut engine = Engine {
            provider,
            providers: BTreeMap::new(),
            module,
            graph,
            variables,
            options,
            reporter,
            layers: layers.info,
            weak_deps: layers.weak,
            default_tags: BTreeMap::new(),
        };
        engine.configure_provider()?;
        Ok(engine)
    }

    /// The layer of a configured resource (any instance of it), and why.
    pub fn layer_info(&self, address: &Address) -> Option<&LayerInfo> {
        self.layers.get(&address.resource())
    }

    /// The layer an object belongs to now: its block's, or the one recorded when the block is gone.
    pub fn object_layer(&self, object: &provision_core::state::ResourceObject) -> LayerInfo {
        self.layer_info(&object.address)
            .cloned()
            .unwrap_or(LayerInfo { layer: object.layer, origin: LayerOrigin::Recorded })
    }

    /// True when the block of `address` refers to `dependency` only through weak arguments.
    pub(crate) fn weakly_depends(&self, address: &Address, dependency: &Address) -> bool {
        self.weak_deps.get(&address.resource()).is_some_and(|w| w.contains(&dependency.resource()))
    }

    /// True when the block of `address` refers weakly to a resource of `layer`.
    pub(crate) fn follows_layer(&self, address: &Address, layer: Layer) -> bool {
        self.weak_deps
            .get(&address.resource())
            .is_some_and(|w| w.iter().any(|d| self.layer_info(d).is_some_and(|i| i.layer == layer)))
    }

    /// The layer to record for an object at this address.
    pub(crate) fn layer_of(&self, address: &Address) -> Layer {
        self.layer_info(address).map(|l| l.layer).unwrap_or_default()
    }

    /// [`Engine::static_scope`] with the locals evaluated in graph order (one built from a
    /// resource is unknown): what import ids and instance keys are known from before any read.
    pub(crate) fn scope_with_locals(&self) -> Scope {
        let mut scope = self.static_scope();
        for id in &self.graph.order {
            if let provision_config::ObjectId::Local(n) = id
                && let Some(l) = self.module.locals.get(n)
            {
                let v = provision_config::eval_local(l, &scope).unwrap_or(Value::Unknown);
                scope.locals.insert(n.clone(), v);
            }
        }
        scope
    }

    /// A scope with variables and every local that can be evaluated before any resource exists.
    fn static_scope(&self) -> Scope {
        let mut scope = Scope {
            variables: self.variables.clone(),
            workspace: self.options.workspace.clone(),
            module_dir: self.module.dir.clone(),
            ..Default::default()
        };
        for r in &self.module.resources {
            if r.count.is_some() {
                scope.expanded.insert(r.address.clone(), "count");
            } else if r.for_each.is_some() {
                scope.expanded.insert(r.address.clone(), "for_each");
            }
        }
        scope
    }

    /// The `default_tags` of a provider configuration (empty when it sets none).
    pub(crate) fn default_tags(&self, provider: &ProviderRef) -> &BTreeMap<String, String> {
        static NONE: BTreeMap<String, String> = BTreeMap::new();
        self.default_tags.get(provider).unwrap_or(&NONE)
    }

    /// The configured provider instance for a provider configuration.
    pub(crate) fn provider_for(&self, provider: &ProviderRef) -> Result<&Arc<dyn Provider>, String> {
        self.providers.get(provider).ok_or_else(|| {
            format!(
                "provider configuration {provider} is not declared; add provider \"{}\" {{ alias = \"{}\" ... }} (objects in state still use it)",
                provider.name,
                provider.alias.as_deref().unwrap_or_default()
            )
        })
    }

    /// The resource type of an object under a provider configuration.
    pub(crate) fn resource_type(
        &self,
        provider: &ProviderRef,
        type_name: &str,
    ) -> Result<Arc<dyn provision_core::ResourceType>, String> {
        self.provider_for(provider)?
            .resource_type(type_name)
            .ok_or_else(|| format!("{type_name} is not a resource type this version of provision knows"))
    }

    /// [`Engine::resource_type`] for a read: a type or provider configuration this engine lacks
    /// is a failed read of that type.
    pub(crate) fn type_to_read(
        &self,
        provider: &ProviderRef,
        type_name: &str,
    ) -> Result<Arc<dyn provision_core::ResourceType>, EngineError> {
        self.resource_type(provider, type_name).map_err(|message| EngineError::Refresh {
            type_name: type_name.to_string(),
            error: provision_core::ProviderError::new(provision_core::ProviderErrorKind::Config, message),
        })
    }

    /// The provider configuration a configured resource uses (the default for data sources and
    /// resources without `provider = ...`).
    pub fn provider_of(&self, address: &Address) -> ProviderRef {
        self.module
            .resource(address)
            .map(|b| b.provider.clone())
            .unwrap_or_else(|| ProviderRef::implied_by(&address.type_name))
    }

    /// Runs each provider configuration's own checks ([`Provider::check`]: a profile that must
    /// exist, a role to assume, the allowed accounts), all concurrently; each failure is one error
    /// naming the configuration and its block.
    pub(crate) async fn check_providers(&self) -> Result<(), EngineError> {
        let checks = self.providers.iter().map(|(r, p)| async move { (r, p.check().await) });
        let mut diags = Diagnostics::default();
        for (r, result) in futures::future::join_all(checks).await {
            if let Err(e) = result {
                let span = self.module.provider_block(r).and_then(|b| b.span.clone());
                diags.push(
                    Diagnostic::error(format!("provider configuration {r}: {}", e.message)).at(span, "configured here"),
                );
            }
        }
        if diags.has_errors() { Err(EngineError::Config(diags)) } else { Ok(()) }
    }

    /// Evaluates every provider block and makes one configured instance per configuration. The
    /// default configuration exists even without a block.
    fn configure_provider(&mut self) -> Result<(), Diagnostics> {
        let mut scope = self.static_scope();
        // A local that fails is reported as itself, not as a provider block "depending on
        // unknown values".
        let mut failed_locals = Diagnostics::default();
        for o in &self.graph.order {
            if let provision_config::ObjectId::Local(n) = o
                && let Some(l) = self.module.locals.get(n)
            {
                let v = provision_config::eval_local(l, &scope).unwrap_or_else(|d| {
                    failed_locals.push(d);
                    Value::Unknown
                });
                scope.locals.insert(n.clone(), v);
            }
        }
        for provider in self.provider.iter() {
            let default = ProviderRef::default_for(provider.name());
            if self.module.provider_block(&default).is_none() {
                let instance = provider.configure(&Default::default()).map_err(|e| Diagnostic::error(e.message))?;
                self.providers.insert(default, instance);
            }
        }
        let mut diags = Diagnostics::default();
        for block in &self.module.providers {
            let attrs = match eval_body(&block.body, &block.schema, &scope, &InstanceCtx::default()) {
                Ok(a) => a,
                Err(d) => {
                    diags.extend(d);
                    continue;
                }
            };
            if attrs.values().any(|v| !v.is_wholly_known()) {
                if failed_locals.has_errors() {
                    diags.extend(std::mem::take(&mut failed_locals));
                    continue;
                }
                diags.push(
                    Diagnostic::error("Provider configuration depends on unknown values")
                        .at(block.span.clone(), "the provider block refers to values that are only known after apply")
                        .note("the provider block may use variables and locals, but not resource attributes"),
                );
                continue;
            }
            let attrs: provision_core::Attrs = attrs.into_iter().map(|(k, v)| (k, v.strip_marks())).collect();
            // Each configuration's default_tags apply to the resources that use it, as in Terraform.
            if let Some(tags) =
                attrs.get("default_tags").and_then(|d| d.as_map()).and_then(|m| m.get("tags")).and_then(Value::as_map)
            {
                self.default_tags.insert(
                    block.reference(),
                    tags.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect(),
                );
            }
            let Some(provider) = self.provider.get(&block.name) else {
                diags.push(
                    Diagnostic::error(format!("provider \"{}\" is not supported", block.name))
                        .at(block.span.clone(), "in this provider block"),
                );
                continue;
            };
            match provider.configure(&attrs) {
                Ok(instance) => {
                    for w in instance.warnings() {
                        self.reporter.report(Event::Warning(format!("provider {}: {w}", block.reference())));
                    }
                    self.providers.insert(block.reference(), instance);
                }
                Err(e) => diags.push(Diagnostic::error(e.message).at(block.span.clone(), "in this provider block")),
            }
        }
        if diags.has_errors() { Err(diags) } else { Ok(()) }
    }
}

#[cfg(test)]
mod tests;
