//! Planning: refresh what exists (one batched read per resource type), walk the configuration in
//! dependency order evaluating each object, expand `count`/`for_each`, diff each instance, read data
//! sources whose arguments are known, and plan the deletion of whatever is no longer configured.

use crate::diff::{self, derive_tags};
use crate::{Engine, EngineError, Event};
use provision_config::limits::VALUE_TOO_LARGE;
use provision_config::{
    InstanceCtx, Module, ObjectId, ProviderBlock, ResourceBlock, Scope, eval, eval_body, referenced_instance,
};
use provision_core::plan::{Action, Drift, OutputChange, Plan, PlanMode, Reason, ResourceChange};
use provision_core::schema::Related;
use provision_core::state::State;
use provision_core::value::{Path, mark_paths, sensitive_paths};
use provision_core::{
    Address, Attrs, Diagnostic, Diagnostics, InstanceKey, Layer, LayerInfo, Mode, ProviderRef, Providers, Schema, Value,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The most instances one resource or data source block may have (`count`, `for_each`): above
/// the quota AWS sets per region or per VPC for every type provision manages (200 subnets per VPC,
/// 2,500 security groups, a few VPCs and addresses), so a larger number is a mistake, and it
/// bounds what planning holds in memory (about 2 KB per instance) before anything is checked.
pub const MAX_INSTANCES: usize = 10_000;

/// The most instances a whole configuration may have: twice the largest benchmarked stack
/// (docs/benchmarks.md), some 200 MB while planning.
pub const MAX_TOTAL_INSTANCES: usize = 100_000;

/// What to plan.
#[derive(Debug, Clone)]
pub struct PlanRequest {
    pub mode: PlanMode,
    /// Read every object before diffing (the default). Off: trust the state as recorded.
    pub refresh: bool,
    /// Inputs recorded in a saved plan, used instead of reading again.
    pub saved: Option<SavedInputs>,
    /// Plan one layer only: changes to resources in other layers are left out (and resources that
    /// depend on the layer are included, since they are in it).
    pub layer: Option<Layer>,
    /// `-target`: plan only these resources (or instances) and what they depend on; in destroy
    /// mode, these and what depends on them. Empty: everything.
    pub targets: Vec<Address>,
    /// `-replace`: instances to replace even though nothing about them changed.
    pub replace: Vec<Address>,
}

impl PlanRequest {
    pub fn normal() -> Self {
        PlanRequest::of(PlanMode::Normal)
    }

    pub fn destroy() -> Self {
        PlanRequest::of(PlanMode::Destroy)
    }

    /// `-refresh-only`: record what AWS reports, change nothing.
    pub fn refresh_only() -> Self {
        PlanRequest::of(PlanMode::RefreshOnly)
    }

    pub fn of(mode: PlanMode) -> Self {
        PlanRequest { mode, refresh: true, saved: None, layer: None, targets: vec![], replace: vec![] }
    }

    pub fn with_targets(mut self, targets: Vec<Address>) -> Self {
        self.targets = targets;
        self
    }

    pub fn with_replace(mut self, replace: Vec<Address>) -> Self {
        self.replace = replace;
        self
    }

    pub fn with_layer(mut self, layer: Option<Layer>) -> Self {
        self.layer = layer;
        self
    }
}

/// Inputs recorded in a saved plan.
#[derive(Debug, Clone, Default)]
pub struct SavedInputs {
    /// Data source results.
    pub data: BTreeMap<Address, Attrs>,
    /// The refreshed state the plan was made against (used instead of refreshing again).
    pub refreshed: Option<State>,
    /// When the plan was made: `plantimestamp()` is this time when the saved plan is applied.
    pub plan_time: Option<std::time::SystemTime>,
}

/// Per-instance facts the apply needs to evaluate the instance again.
#[derive(Debug, Clone)]
pub(crate) struct InstanceInfo {
    pub ctx: InstanceCtx,
    /// Resource blocks this instance depends on: one set shared by the instances of a block.
    pub deps: Arc<BTreeSet<Address>>,
}

/// The evaluation state shared by plan and apply: the scope, and each instance's current value.
///
/// Each instance's value is held once, inside the scope (a counted resource's list, a `for_each`
/// resource's map, a single resource's object): `keys` records which instances have a value, and
/// [`Evaluation::value`] finds one there. A second copy per instance cost ~2.5 KB each, a tenth of
/// a 10,000-resource plan's memory.
#[derive(Debug, Clone)]
pub(crate) struct Evaluation {
    pub scope: Scope,
    /// The instance keys of each resource block (address without key) whose instances are known,
    /// sorted: a counted block's instance sits at its key's position in the block's list.
    pub keys: BTreeMap<Address, Vec<Option<InstanceKey>>>,
    pub instances: BTreeMap<Address, InstanceInfo>,
}

impl Evaluation {
    pub fn new(scope: Scope) -> Evaluation {
        Evaluation { scope, keys: BTreeMap::new(), instances: BTreeMap::new() }
    }

    /// How many instances each block (address without key) has, for the blocks whose instances
    /// are known.
    pub fn instance_counts(&self) -> BTreeMap<Address, usize> {
        self.keys.iter().map(|(a, k)| (a.clone(), k.len())).collect()
    }

    /// Records an instance's value and updates its resource's value in the scope. A key that does
    /// not fit the block (an index on a `for_each` block: no such instance in Terraform) is
    /// ignored.
    pub fn set(&mut self, address: &Address, value: Value) {
        let res = address.resource();
        let kind = self.scope.expanded.get(&res).copied();
        let fits = match (kind, &address.key) {
            (Some("count"), Some(InstanceKey::Index(_))) | (None, None) => true,
            (Some("count"), _) | (None, Some(_)) => false,
            (Some(_), key) => matches!(key, Some(InstanceKey::Key(_))),
        };
        if !fits {
            return;
        }
        let keys = self.keys.entry(res.clone()).or_default();
        let (at, fresh) = match keys.binary_search(&address.key) {
            Ok(at) => (at, false),
            Err(at) => {
                keys.insert(at, address.key.clone());
                (at, true)
            }
        };
        let known = keys.len() - usize::from(fresh);
        let slot = self.scope.resources.get_mut(&res);
        match (&address.key, slot) {
            (Some(InstanceKey::Index(_)), Some(Value::List(items))) if items.len() == known => {
                if fresh {
                    items.insert(at, value);
                } else {
                    items[at] = value;
                }
            }
            (Some(InstanceKey::Index(_)), _) => {
                // The first instance (or a scope value replaced since): the others are not known
                // here.
                let mut items = vec![Value::Unknown; keys.len()];
                items[at] = value;
                self.scope.resources.insert(res, Value::List(items));
            }
            (Some(InstanceKey::Key(k)), Some(Value::Map(m))) => {
                m.insert(k.clone(), value);
            }
            (Some(InstanceKey::Key(k)), _) => {
                self.scope.resources.insert(res, Value::Map([(k.clone(), value)].into()));
            }
            (None, _) => {
                self.scope.resources.insert(res, value);
            }
        }
    }

    /// Gives a block none of whose instances exist its empty value: an empty list or map, or
    /// unknown for a single resource.
    pub fn set_empty(&mut self, res: &Address) {
        self.keys.entry(res.clone()).or_default();
        let v = match self.scope.expanded.get(res).copied() {
            Some("count") => Value::List(vec![]),
            Some(_) => Value::Map(BTreeMap::new()),
            None => Value::Unknown,
        };
        self.scope.resources.insert(res.clone(), v);
    }

    /// The value recorded for an instance.
    pub fn value(&self, address: &Address) -> Option<&Value> {
        let res = address.resource();
        let at = self.keys.get(&res)?.binary_search(&address.key).ok()?;
        self.value_in(&res, at, &address.key)
    }

    /// Every instance of a block with its value, in key order.
    pub fn instances_of<'a>(&'a self, res: &Address) -> impl Iterator<Item = (&'a Option<InstanceKey>, &'a Value)> {
        let keys = self.keys.get(res).map_or(&[][..], Vec::as_slice);
        keys.iter().enumerate().filter_map(move |(at, k)| Some((k, self.value_in(res, at, k)?)))
    }

    /// The value of the instance whose key is the `at`-th of its block's.
    fn value_in(&self, res: &Address, at: usize, key: &Option<InstanceKey>) -> Option<&Value> {
        match (key, self.scope.resources.get(res)?) {
            (Some(InstanceKey::Index(_)), Value::List(items)) => items.get(at),
            (Some(InstanceKey::Key(k)), Value::Map(m)) => m.get(k),
            (None, v) => Some(v),
            _ => None,
        }
    }
}

/// A plan together with everything needed to apply it.
pub struct PlannedRun {
    pub plan: Plan,
    /// The state the plan was made against (refreshed, pending creates resolved).
    pub state: State,
    /// The state as it was read, before refresh, when it differs from `state`: apply writes the
    /// refreshed state only if it differs. `None` when it is `state` (a plan without refresh that
    /// imported, moved or relabelled nothing): one copy of the state instead of two.
    pub(crate) original: Option<State>,
    /// Data source results read while planning.
    pub data: BTreeMap<Address, Attrs>,
    pub(crate) eval: Evaluation,
}

/// What [`Engine::check`] found.
pub struct Checked {
    /// Every diagnostic, errors and warnings, in source order.
    pub diags: Diagnostics,
    /// The engine, unless the configuration could not be read into one (then `diags` says why).
    pub engine: Option<Engine>,
    /// How many instances each block has, by address without key, where that is known offline.
    pub instances: BTreeMap<Address, usize>,
    /// The evaluation and the provider blocks, kept for [`Checked::priced_instances`] (computed
    /// only when asked: `validate` of a large configuration does not pay for it).
    pub(crate) eval: Option<Evaluation>,
    pub(crate) provider_blocks: Vec<provision_config::ProviderBlock>,
}

impl PlannedRun {
    /// The state as it was read, before refresh.
    pub fn original(&self) -> &State {
        self.original.as_ref().unwrap_or(&self.state)
    }

    /// How many instances each block has in this plan, by address without key.
    pub fn instance_counts(&self) -> BTreeMap<Address, usize> {
        self.eval.instance_counts()
    }

    /// When the plan was made (what `plantimestamp()` returns), to keep in a saved plan.
    pub fn plan_time(&self) -> Option<std::time::SystemTime> {
        self.eval.scope.plan_time
    }
}

impl Engine {
    /// Makes a plan. Reads only; never writes to AWS or to the state. [`Engine::plan_owned`]
    /// takes the state instead of copying it.
    pub async fn plan(&self, state: &State, request: PlanRequest) -> Result<PlannedRun, EngineError> {
        self.plan_owned(state.clone(), request).await
    }

    /// [`Engine::plan`] of a state the caller gives away: it becomes the run's `original`, so a
    /// large state is held twice while planning (as read, and refreshed), not four times.
    pub async fn plan_owned(&self, state: State, request: PlanRequest) -> Result<PlannedRun, EngineError> {
        // A module call with `count` or `for_each` whose instances were not made
        // (`provision_config::expand_module_calls`) would plan its objects without their keys.
        if let Some(e) = self.module.expansions.first() {
            return Err(EngineError::Config(
                Diagnostic::error("Module instances not known")
                    .at(e.span.clone(), format!("the instances of {} were not decided before planning", e.prefix))
                    .into(),
            ));
        }
        // The checks the provider blocks ask for (profile, assumed role, allowed accounts), before
        // anything is read with them.
        self.check_providers().await?;
        let original = state;
        // `moved` blocks first: every later step sees each object at its new address. Without
        // `moved` or `removed` blocks that is the state as read, not a copy of it.
        let moved_state =
            if self.module.moved.is_empty() && self.module.removed.is_empty() { None } else { Some(original.clone()) };
        let (moved, moves, forgotten) = match moved_state {
            Some(mut moved) => {
                let (moves, move_warnings) = crate::moves::move_objects(&self.module.moved, &mut moved);
                let forgotten = crate::moves::forget_objects(&self.module.removed, &mut moved);
                for w in move_warnings {
                    self.reporter.report(Event::Warning(w));
                }
                (std::borrow::Cow::Owned(moved), moves, forgotten)
            }
            None => (std::borrow::Cow::Borrowed(&original), vec![], vec![]),
        };
        let state: &State = &moved;
        let saved_state = request.saved.as_ref().and_then(|s| s.refreshed.clone());
        // Without refresh the refreshed state is the state as read, borrowed, until something
        // changes it (an import, an object's layer): at 10,000 objects a copy is 26 MB.
        let (mut refreshed, drift) = match saved_state {
            Some(mut r) => {
                crate::moves::move_objects(&self.module.moved, &mut r);
                crate::moves::forget_objects(&self.module.removed, &mut r);
                (std::borrow::Cow::Owned(r), vec![])
            }
            None if request.refresh => {
                let (r, drift) = self.refresh(state).await?;
                (std::borrow::Cow::Owned(r), drift)
            }
            None => (std::borrow::Cow::Borrowed(state), vec![]),
        };
        // `import` blocks: the objects they name are adopted before anything is planned, so the
        // plan diffs the configuration against them like any recorded object.
        let imports = match request.mode {
            PlanMode::Normal if !self.module.imports.is_empty() => {
                self.import_objects(refreshed.to_mut(), state).await?
            }
            _ => vec![],
        };
        // Record each object's current layer (the configuration may have moved it).
        let relabelled = |o: &provision_core::state::ResourceObject| {
            self.layer_info(&o.address).is_some_and(|info| info.layer != o.layer)
        };
        if refreshed.resources.iter().any(relabelled) {
            for o in &mut refreshed.to_mut().resources {
                if let Some(info) = self.layer_info(&o.address) {
                    o.layer = info.layer;
                }
            }
        }
        let mut walk = self.walker(&refreshed, state, request.saved.as_ref(), request.layer, false);
        // A destroy takes the targets and what depends on them (found in `destroy`); any other
        // plan, the targets and what they depend on.
        walk.targets = (!request.targets.is_empty()).then(|| match request.mode {
            PlanMode::Destroy => request.targets.iter().cloned().collect(),
            _ => self.targets(&request.targets),
        });
        walk.replace = request.replace.iter().cloned().collect();
        walk.refresh_only = request.mode == PlanMode::RefreshOnly;
        walk.check_addresses(&request.targets, &request.replace);
        match request.mode {
            PlanMode::Normal | PlanMode::RefreshOnly => {
                walk.walk().await;
                walk.relations();
            }
            PlanMode::Destroy => {
                // The configuration's values of the arguments that matter at destroy
                // (`skip_final_snapshot`, `force_destroy`) win over the recorded ones: evaluate
                // it and keep only those. A configuration that cannot be evaluated leaves the
                // recorded values.
                walk.walk().await;
                walk.changes.clear();
                walk.diags = Diagnostics::default();
                walk.outside_layer = 0;
                walk.destroy();
            }
        }
        walk.orphans(request.mode);
        walk.unmatched_replace();
        walk.prevent_destroy();
        walk.attach_destroy_args();
        if !walk.diags.has_errors() {
            self.check_deletes(&refreshed, &mut walk.changes, &mut walk.diags).await;
        }
        let outputs = walk.outputs(request.mode);
        if walk.diags.has_errors() {
            walk.diags.0.sort_by_key(|d| d.span().map(|s| (s.file, s.start)));
            dedupe(&mut walk.diags);
            return Err(EngineError::Config(walk.diags));
        }
        for w in walk.diags.0.iter() {
            self.reporter.report(Event::Warning(crate::conditions::one_line(w)));
        }
        if request.mode == PlanMode::Normal {
            for w in crate::conditions::check_blocks(&self.module, &walk.eval.scope, false) {
                self.reporter.report(Event::Warning(crate::conditions::one_line(&w)));
            }
        }
        let mut changes = walk.changes;
        changes.sort_by(|a, b| (&a.address, &a.deposed).cmp(&(&b.address, &b.deposed)));
        let mut drift = drift;
        self.mark_sensitive(state, &mut changes, &mut drift);
        let plan = Plan {
            mode: request.mode,
            layer: request.layer,
            outside_layer: walk.outside_layer,
            changes,
            drift,
            outputs,
            moves,
            forgotten,
            imports,
        };
        // `original` is the state as read: apply then records the moves, even when nothing else
        // changes.
        let (data, eval) = (walk.data, walk.eval);
        let refreshed = match refreshed {
            std::borrow::Cow::Owned(r) => Some(r),
            std::borrow::Cow::Borrowed(_) => None,
        };
        let (state, original) = match (refreshed, moved) {
            (Some(r), _) => (r, Some(original)),
            (None, std::borrow::Cow::Owned(m)) => (m, Some(original)),
            (None, std::borrow::Cow::Borrowed(_)) => (original, None),
        };
        Ok(PlannedRun { plan, data, eval, state, original })
    }

    /// Marks what is sensitive on both sides of every change and every drift, so that no renderer
    /// shows it: the attributes the schema calls sensitive, the paths recorded as sensitive when
    /// the object was applied, and every part the planned value marks (a refreshed or recorded
    /// object carries no marks of its own, so its secrets are known only by their path).
    fn mark_sensitive(&self, state: &State, changes: &mut [ResourceChange], drift: &mut [Drift]) {
        let recorded = |a: &Address, deposed: Option<&String>| -> Vec<Path> {
            let o = state.resources.iter().find(|o| &o.address == a && o.deposed.as_ref() == deposed);
            o.map(|o| o.sensitive_attributes.clone()).unwrap_or_default()
        };
        let schema_paths = |a: &Address| -> Vec<Path> {
            let sensitive = |s: &Schema| -> Vec<Path> {
                s.attributes.iter().filter(|a| a.sensitive).map(|a| vec![a.name.to_string()]).collect()
            };
            match a.mode {
                Mode::Data => self.provider.data_source(&a.type_name).map(|d| sensitive(d.schema())),
                Mode::Managed => self.provider.resource_type(&a.type_name).map(|r| sensitive(r.schema())),
            }
            .unwrap_or_default()
        };
        for c in changes.iter_mut() {
            let mut paths = schema_paths(&c.address);
            paths.extend(recorded(&c.address, c.deposed.as_ref()));
            paths.extend(c.after.as_ref().map(sensitive_paths).unwrap_or_default());
            for side in [&mut c.before, &mut c.after].into_iter().flatten() {
                mark_paths(side, &paths);
            }
        }
        for d in drift.iter_mut() {
            let mut paths = schema_paths(&d.address);
            paths.extend(recorded(&d.address, None));
            let planned = changes.iter().find(|c| c.address == d.address && c.deposed.is_none());
            paths.extend(planned.and_then(|c| c.after.as_ref()).map(sensitive_paths).unwrap_or_default());
            mark_paths(&mut d.before, &paths);
            if let Some(after) = &mut d.after {
                mark_paths(after, &paths);
            }
        }
    }

    /// What `provision validate` checks: the plan of an empty state, made offline. Every value
    /// that is known without AWS (literals, variables with a value, locals, functions of them) is
    /// evaluated and checked against its argument's type and validator, `count` and `for_each`
    /// are expanded, and arguments are checked together, exactly as `plan` does; data sources are
    /// not read (their attributes are unknown) and the provider is not configured, so nothing
    /// reaches AWS. Returns every diagnostic, errors and warnings, in source order.
    pub async fn validate(
        provider: Providers,
        module: Arc<Module>,
        variables: BTreeMap<String, Value>,
        options: crate::Options,
    ) -> Diagnostics {
        Self::check(provider, module, variables, options).await.diags
    }

    /// What [`Engine::validate`] checks, with what the check learnt: the engine it built (its
    /// graph and layers) when the configuration got that far, and how many instances each block
    /// has where that is known offline (a `count` from a data source is not). `provision graph`
    /// draws from these without AWS.
    pub async fn check(
        provider: Providers,
        module: Arc<Module>,
        variables: BTreeMap<String, Value>,
        options: crate::Options,
    ) -> Checked {
        // The provider blocks are checked below like any other block; configuring the provider
        // with them would refuse values that are merely unknown offline (a variable without
        // value). Without them, every configuration is an unconfigured instance: nothing reaches
        // AWS either way.
        let provider_blocks = module.providers.clone();
        let module = if provider_blocks.is_empty() {
            module
        } else {
            Arc::new(Module { providers: vec![], ..(*module).clone() })
        };
        let engine = match Engine::new(provider, module, variables, options, Arc::new(crate::Silent)) {
            Ok(e) => e,
            Err(mut d) => {
                d.0.sort_by_key(|d| d.span().map(|s| (s.file, s.start)));
                return Checked {
                    diags: d,
                    engine: None,
                    instances: BTreeMap::new(),
                    eval: None,
                    provider_blocks: vec![],
                };
            }
        };
        let empty = State::new(String::new(), String::new());
        let mut walk = engine.walker(&empty, &empty, None, None, true);
        walk.walk().await;
        walk.relations();
        for block in &provider_blocks {
            walk.provider_block(Some(block));
        }
        walk.outputs(PlanMode::Normal);
        let instances = walk.eval.instance_counts();
        let mut diags = walk.diags;
        let eval = walk.eval;
        diags.0.sort_by_key(|d| d.span().map(|s| (s.file, s.start)));
        dedupe(&mut diags);
        Checked { diags, engine: Some(engine), instances, eval: Some(eval), provider_blocks }
    }

    fn walker<'a>(
        &'a self,
        refreshed: &'a State,
        original: &'a State,
        saved: Option<&'a SavedInputs>,
        layer: Option<Layer>,
        offline: bool,
    ) -> Walk<'a> {
        let mut scope = self.static_scope();
        scope.plan_time = Some(saved.and_then(|s| s.plan_time).unwrap_or_else(std::time::SystemTime::now));
        Walk {
            engine: self,
            eval: Evaluation::new(scope),
            state: refreshed,
            original,
            current: refreshed.resources.iter().filter(|o| o.deposed.is_none()).map(|o| (&o.address, o)).collect(),
            original_current: original.resources.iter().filter(|o| o.deposed.is_none()).map(|o| &o.address).collect(),
            changes: vec![],
            data: BTreeMap::new(),
            saved,
            diags: Diagnostics::default(),
            configured: BTreeSet::new(),
            layer,
            outside_layer: 0,
            missing_outside: BTreeMap::new(),
            offline,
            related: vec![],
            total_instances: 0,
            too_many: false,
            oversized: BTreeSet::new(),
            failed: BTreeSet::new(),
            destroy_args: BTreeMap::new(),
            targets: None,
            replace: BTreeSet::new(),
            refresh_only: false,
        }
    }

    /// What `-target` covers in a normal plan: each target (a whole resource, or one instance)
    /// and every resource it depends on, directly or through locals and variables.
    fn targets(&self, targets: &[Address]) -> BTreeSet<Address> {
        let mut out = BTreeSet::new();
        for t in targets {
            out.insert(t.clone());
            let id = ObjectId::Resource(t.resource());
            let mut stack: Vec<Address> = self.graph.resource_deps(&id).into_iter().collect();
            while let Some(d) = stack.pop() {
                if out.insert(d.clone()) {
                    stack.extend(self.graph.resource_deps(&ObjectId::Resource(d)));
                }
            }
        }
        out
    }

    /// Adopts the objects of the configuration's `import` blocks into `refreshed`: each is read by
    /// its id (one batched read per type) and recorded at its address. An address that already
    /// holds that object is left alone; one that holds another object, an id that names nothing
    /// and an id not known at plan time are errors at the block. Returns what was adopted.
    async fn import_objects(
        &self,
        refreshed: &mut State,
        recorded: &State,
    ) -> Result<Vec<(Address, String)>, EngineError> {
        let mut diags = Diagnostics::default();
        if self.module.imports.is_empty() {
            return Ok(vec![]);
        }
        // Ids may be built from variables and locals (one built from a resource is unknown here,
        // and so is an id built from it).
        let scope = self.scope_with_locals();
        let mut wanted: BTreeMap<(ProviderRef, String), Vec<(ImportOne, String)>> = BTreeMap::new();
        let mut out = vec![];
        let mut seen: BTreeMap<Address, Option<provision_core::Span>> = BTreeMap::new();
        for i in self.import_instances(&scope, &mut diags) {
            let Some(block) = self.module.resource(&i.to) else { continue };
            if let Some(prev) = seen.insert(i.to.clone(), i.span.clone()) {
                diags.push(
                    Diagnostic::error(format!("Duplicate import to {}", i.to))
                        .at(i.span.clone(), "imported again here")
                        .at(prev, "first imported here"),
                );
                continue;
            }
            let id =
                match eval(&i.id, &scope, &i.inst) {
                    Ok(v) => match v.unmarked() {
                        Value::String(s) if !s.is_empty() => s.clone(),
                        Value::Unknown => {
                            diags.push(Diagnostic::error("Invalid import id").at(
                                i.id.span(),
                                "the id must be known when planning: write it, or build it from variables and locals",
                            ));
                            continue;
                        }
                        other => {
                            diags.push(Diagnostic::error("Invalid import id").at(
                                i.id.span(),
                                format!("the id must be a non-empty string, not {}", other.type_name()),
                            ));
                            continue;
                        }
                    },
                    Err(d) => {
                        diags.push(d);
                        continue;
                    }
                };
            match refreshed.current(&i.to) {
                Some(o) if o.id == id => {
                    // Already adopted: by an earlier apply, or by the saved plan being applied.
                    if recorded.current(&i.to).is_none() {
                        out.push((i.to.clone(), id));
                    }
                }
                Some(o) => diags.push(
                    Diagnostic::error(format!("{} is already managed", i.to))
                        .at(i.span.clone(), format!("it is the object {}, not {id}", o.id))
                        .note("remove the import block, or `provision state rm` the address first"),
                ),
                None => wanted.entry((block.provider.clone(), i.to.type_name.clone())).or_default().push((i, id)),
            }
        }
        for (i, id) in wanted.values().flatten() {
            if let Some(other) =
                refreshed.resources.iter().find(|o| o.id == *id && o.address.type_name == i.to.type_name)
            {
                diags.push(
                    Diagnostic::error(format!("{id} is already managed as {}", other.address))
                        .at(i.span.clone(), format!("importing it to {} as well would manage one object twice", i.to)),
                );
            }
        }
        if diags.has_errors() {
            return Err(EngineError::Config(diags));
        }
        let mut spans = BTreeMap::new();
        let mut items = vec![];
        for ((provider, _), group) in wanted {
            for (i, id) in group {
                spans.insert(i.to.clone(), i.id.span());
                items.push(crate::adopt::Adoption {
                    address: i.to.clone(),
                    provider: provider.clone(),
                    id,
                    prior: Attrs::new(),
                    dependencies: vec![],
                });
            }
        }
        let adopted = self.adopt(&refreshed.lineage, items).await?;
        for o in adopted.objects {
            out.push((o.address.clone(), o.id.clone()));
            refreshed.resources.push(o);
        }
        for m in adopted.missing {
            diags.push(Diagnostic::error("Cannot import non-existent remote object").at(
                spans.get(&m.address).cloned().flatten(),
                format!("no {} with the id {} exists", m.address.type_name, m.id),
            ));
        }
        if diags.has_errors() {
            return Err(EngineError::Config(diags));
        }
        Ok(out)
    }

    /// Each `import` block as the objects it imports: one, or one per element of its `for_each`
    /// (a map's keys, a set's strings, a list's indexes), with the key of `to` evaluated. What
    /// cannot be known when planning, or names no instance the resource has, is an error.
    fn import_instances(&self, scope: &provision_config::Scope, diags: &mut Diagnostics) -> Vec<ImportOne> {
        let mut out = vec![];
        for i in &self.module.imports {
            let elements: Vec<(Value, Value)> = match &i.for_each {
                None => vec![],
                Some(fe) => {
                    let bad = |why: String| Diagnostic::error("Invalid for_each argument").at(fe.span(), why);
                    match eval(fe, scope, &InstanceCtx::default()).map(|v| v.strip_marks()) {
                        Ok(Value::Map(m)) => m.into_iter().map(|(k, v)| (Value::String(k), v)).collect(),
                        Ok(Value::Set(items)) => {
                            if items.iter().any(|v| v.as_str().is_none()) {
                                diags.push(bad(
                                    "a set in for_each holds strings (each.key and each.value are the string)".into(),
                                ));
                                continue;
                            }
                            items.into_iter().map(|v| (v.clone(), v)).collect()
                        }
                        Ok(Value::List(items)) => {
                            items.into_iter().enumerate().map(|(n, v)| (Value::Number(n as f64), v)).collect()
                        }
                        Ok(Value::Unknown) => {
                            diags.push(bad(
                                "for_each must be known when planning: build it from variables and locals".into()
                            ));
                            continue;
                        }
                        Ok(other) => {
                            diags
                                .push(bad(format!("for_each takes a map, a set or a list, not {}", other.type_name())));
                            continue;
                        }
                        Err(d) => {
                            diags.push(d);
                            continue;
                        }
                    }
                }
            };
            let insts: Vec<InstanceCtx> = if i.for_each.is_some() {
                elements.into_iter().map(|each| InstanceCtx { each: Some(each), ..Default::default() }).collect()
            } else {
                vec![InstanceCtx::default()]
            };
            for inst in insts {
                let mut to = i.to.clone();
                if let Some(k) = &i.key {
                    let key = match eval(k, scope, &inst).map(|v| v.strip_marks()) {
                        Ok(Value::String(s)) => InstanceKey::Key(s),
                        Ok(Value::Number(n)) if n >= 0.0 && n.fract() == 0.0 => InstanceKey::Index(n as u64),
                        Ok(Value::Unknown) => {
                            diags.push(Diagnostic::error("Invalid import address").at(
                                k.span(),
                                "the instance key must be known when planning: build it from each.key, each.value, variables and locals",
                            ));
                            continue;
                        }
                        Ok(other) => {
                            diags.push(Diagnostic::error("Invalid import address").at(
                                k.span(),
                                format!("an instance key is a string or a whole number, not {}", other.type_name()),
                            ));
                            continue;
                        }
                        Err(d) => {
                            diags.push(d);
                            continue;
                        }
                    };
                    to.key = Some(key);
                    if let Err(why) = self.importable(&to) {
                        diags.push(Diagnostic::error("Invalid import address").at(i.span.clone(), why));
                        continue;
                    }
                }
                out.push(ImportOne { to, id: i.id.clone(), inst, span: i.span.clone() });
            }
        }
        out
    }

    /// Reads every object in state, one batched call per resource type, all types at once.
    /// Objects that no longer exist are dropped; changes made outside provision become drift.
    pub(crate) async fn refresh(&self, state: &State) -> Result<(State, Vec<Drift>), EngineError> {
        // One batched read per resource type and provider configuration (region).
        let wanted: Vec<crate::adopt::ById<'_>> = state
            .resources
            .iter()
            .map(|r| crate::adopt::ById {
                provider: &r.provider,
                type_name: &r.address.type_name,
                id: &r.id,
                prior: &r.attributes,
            })
            .collect();
        let read = self.read_by_id(&state.lineage, &wanted).await?;
        let mut refreshed = state.clone();
        refreshed.resources.clear();
        let mut drift = vec![];
        let mut types: BTreeMap<(&ProviderRef, &str), Arc<dyn provision_core::ResourceType>> = BTreeMap::new();
        for (obj, attrs) in state.resources.iter().zip(read) {
            match attrs {
                Some(attrs) => {
                    let rt = match types.entry((&obj.provider, &obj.address.type_name)) {
                        std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                        std::collections::btree_map::Entry::Vacant(e) => {
                            // Known: its read just succeeded.
                            let rt = self.type_to_read(&obj.provider, &obj.address.type_name)?;
                            e.insert(rt)
                        }
                    };
                    if differs(rt.schema(), self.module.resource(&obj.address), &obj.attributes, &attrs) {
                        drift.push(Drift {
                            address: obj.address.clone(),
                            before: obj.attributes.clone(),
                            after: Some(attrs.clone()),
                        });
                    }
                    let mut o = obj.clone();
                    o.attributes = attrs;
                    refreshed.resources.push(o);
                }
                None => drift.push(Drift { address: obj.address.clone(), before: obj.attributes.clone(), after: None }),
            }
        }
        Ok((refreshed, drift))
    }

    /// Asks each type what deleting its planned deletes (and replacements) will do, before
    /// anything is torn down: refusals become errors naming the object, warnings go with the
    /// change. At most a few checks run at once.
    async fn check_deletes(&self, state: &State, changes: &mut [ResourceChange], diags: &mut Diagnostics) {
        use futures::StreamExt;
        let deleted: Vec<provision_core::PlannedDelete> = changes
            .iter()
            .filter(|c| matches!(c.action, Action::Delete | Action::Replace(_)))
            .filter_map(|c| state.resources.iter().find(|o| o.address == c.address && o.deposed == c.deposed))
            .map(|o| provision_core::PlannedDelete {
                type_name: o.address.type_name.clone(),
                id: o.id.clone(),
                attrs: o.attributes.iter().map(|(k, v)| (k.clone(), v.strip_marks())).collect(),
            })
            .collect();
        let ctx = provision_core::ReadContext { stack: state.lineage.clone(), deleted: Arc::new(deleted) };
        let mut checks = vec![];
        for (i, c) in changes.iter().enumerate() {
            if !matches!(c.action, Action::Delete | Action::Replace(_)) {
                continue;
            }
            let Some(obj) = state.resources.iter().find(|o| o.address == c.address && o.deposed == c.deposed) else {
                continue;
            };
            let Ok(rt) = self.resource_type(&obj.provider, &c.address.type_name) else { continue };
            let mut attrs = c.before.clone().unwrap_or_else(|| obj.attributes.clone());
            attrs = attrs.into_iter().map(|(k, v)| (k, v.strip_marks())).collect();
            attrs.extend(c.notes.destroy_args.clone());
            let (ctx, id) = (ctx.clone(), obj.id.clone());
            checks.push(async move { (i, rt.check_delete(&ctx, &id, &attrs).await) });
        }
        let results: Vec<_> = futures::stream::iter(checks).buffer_unordered(8).collect().await;
        let mut results = results;
        results.sort_by_key(|(i, _)| *i);
        for (i, r) in results {
            let c = &mut changes[i];
            let span = self.module.resource(&c.address).and_then(|b| b.span.clone());
            match r {
                Ok(notes) => {
                    for n in notes {
                        if n.refuse {
                            let d = Diagnostic::error(format!("{} cannot be deleted", c.address));
                            let d = match &span {
                                Some(_) => d.at(span.clone(), n.message),
                                None => d.note(n.message),
                            };
                            diags
                                .push(d.note("nothing was changed: the plan stops here, before any object is deleted"));
                        } else {
                            c.notes.delete_warnings.push(n.message);
                        }
                    }
                }
                Err(e) => diags.push(
                    Diagnostic::error(format!("Checking what deleting {} involves failed", c.address)).note(e.message),
                ),
            }
        }
    }

    /// Completes what a provider returned: every schema attribute present, `tags` derived.
    pub(crate) fn normalize_read(
        &self,
        schema: &Schema,
        mut attrs: Attrs,
        prior: &Attrs,
        provider: &ProviderRef,
    ) -> Attrs {
        for a in &schema.attributes {
            attrs.entry(a.name.to_string()).or_insert(Value::Null);
        }
        for b in &schema.blocks {
            let v = attrs.remove(b.name).unwrap_or(Value::Null);
            attrs.insert(b.name.to_string(), b.canonical(v));
        }
        if schema.taggable {
            let prior_tags = prior.get("tags").cloned().unwrap_or(Value::Null);
            let all = attrs.get("tags_all").cloned().unwrap_or(Value::Null);
            attrs.insert("tags".into(), derive_tags(&all, self.default_tags(provider), &prior_tags));
        }
        attrs
    }
}

/// Turns a planned change into a replacement because of `paths`: the new object's computed
/// attributes are unknown until it exists.
fn force_replace(
    block: &ResourceBlock,
    schema: &Schema,
    config: &Attrs,
    planned: &mut diff::Planned,
    paths: Vec<String>,
) {
    let order = if block.lifecycle.create_before_destroy {
        provision_core::plan::ReplaceOrder::CreateBeforeDestroy
    } else {
        provision_core::plan::ReplaceOrder::DestroyBeforeCreate
    };
    planned.action = Action::Replace(order);
    planned.replace_paths = paths;
    planned.new_revision = false;
    planned.after = diff::replacement(schema, config, std::mem::take(&mut planned.after));
}

/// True when a change made outside provision touches what the configuration manages. Computed
/// attributes (an address's association, set when a NAT gateway takes it) and blocks the
/// configuration leaves unmanaged (routes added by `aws_route`) change as a matter of course and
/// are not drift; they are still recorded.
fn differs(schema: &Schema, block: Option<&ResourceBlock>, a: &Attrs, b: &Attrs) -> bool {
    let get = |m: &Attrs, k: &str| m.get(k).cloned().unwrap_or(Value::Null);
    // An optional and computed argument the configuration leaves unset is AWS's (or another
    // resource's: a role's `managed_policy_arns` with `aws_iam_role_policy_attachment`s) to
    // change: not a change made outside provision that the user must hear about.
    let unset_computed = |s: &provision_core::AttributeSchema| {
        s.mode == provision_core::AttrMode::OptionalComputed
            && block.is_some_and(|r| !r.body.attrs.contains_key(s.name))
    };
    schema
        .attributes
        .iter()
        .filter(|s| s.is_configurable() || (schema.taggable && s.name == "tags_all"))
        .filter(|s| !unset_computed(s))
        .any(|s| !diff::equivalent(Some(&s.ty), &s.normalized(get(a, s.name)), &s.normalized(get(b, s.name))))
        || schema
            .blocks
            .iter()
            .filter(|s| {
                !s.unmanaged_when_absent || block.is_none_or(|r| r.body.blocks.iter().any(|(n, _, _)| n == s.name))
            })
            .any(|s| !diff::equivalent(None, &get(a, s.name), &get(b, s.name)))
}

struct Walk<'a> {
    engine: &'a Engine,
    eval: Evaluation,
    state: &'a State,
    original: &'a State,
    /// Current objects by address, in the refreshed and in the original state.
    current: BTreeMap<&'a Address, &'a provision_core::state::ResourceObject>,
    original_current: BTreeSet<&'a Address>,
    changes: Vec<ResourceChange>,
    data: BTreeMap<Address, Attrs>,
    saved: Option<&'a SavedInputs>,
    diags: Diagnostics,
    /// Every instance address the configuration asks for.
    configured: BTreeSet<Address>,
    /// Only this layer is planned.
    layer: Option<Layer>,
    /// Changes outside the planned layer, left out.
    outside_layer: usize,
    /// Resources outside the planned layer with an instance that does not exist: nothing in the
    /// layer may depend on them.
    missing_outside: BTreeMap<Address, Address>,
    /// `validate`: nothing is read, so data sources are unknown, and what is unknown only
    /// because of them is not an error.
    offline: bool,
    /// Instances of types with a relation check, checked together after the walk.
    related: Vec<RelatedInstance>,
    /// Instances planned so far, and whether that passed [`MAX_TOTAL_INSTANCES`].
    total_instances: usize,
    too_many: bool,
    /// Objects whose value was too large, or built from one that was (see `oversized_once`).
    oversized: BTreeSet<ObjectId>,
    /// Objects whose evaluation failed, or that are built from one that did (see
    /// `oversized_once`).
    failed: BTreeSet<ObjectId>,
    /// For each configured instance: the configuration's values of the arguments that only
    /// matter at destroy ([`provision_core::AttributeSchema::at_destroy`]).
    destroy_args: BTreeMap<Address, Attrs>,
    /// `-target`: the resources (whole, or single instances) the plan covers; `None`: all.
    targets: Option<BTreeSet<Address>>,
    /// `-replace`: instances replaced although nothing changed.
    replace: BTreeSet<Address>,
    /// `-refresh-only`: every object stays as AWS reports it.
    refresh_only: bool,
}

/// True when `address` is one of `set`, or an instance of a resource in `set`.
fn covered(set: &BTreeSet<Address>, address: &Address) -> bool {
    set.contains(address) || set.contains(&address.resource())
}

const COUNT_UNKNOWN: &str = "the count depends on values that are only known after apply; it must be known when planning (use values from variables and data sources)";
const FOR_EACH_UNKNOWN: &str =
    "the for_each value depends on values that are only known after apply; its keys must be known when planning";

/// The same diagnostic once: an error in a resource's arguments is found in each of its
/// instances, and says nothing about which.
fn dedupe(diags: &mut Diagnostics) {
    let mut seen = BTreeSet::new();
    diags.0.retain(|d| seen.insert(format!("{d:?}")));
}

/// The attributes of an object whose value is not known.
static NOTHING: Attrs = Attrs::new();

/// A planned instance whose type checks its objects together (see [`Schema::relations`]).
struct RelatedInstance {
    check: provision_core::schema::RelationCheck,
    address: Address,
    attrs: Attrs,
    /// The instances its arguments refer to, by argument.
    refers_to: Vec<(&'static str, Address)>,
}

impl Walk<'_> {
    async fn walk(&mut self) {
        let order = self.engine.graph.order.clone();
        for id in order {
            let before = self.diags.0.len();
            match &id {
                ObjectId::Variable(_) | ObjectId::Output(_) => {}
                ObjectId::Local(n) => {
                    let Some(l) = self.engine.module.locals.get(n) else { continue };
                    let v = match provision_config::eval_local(l, &self.eval.scope) {
                        Ok(v) => v,
                        Err(d) => {
                            self.diags.push(d);
                            Value::Unknown
                        }
                    };
                    self.eval.scope.locals.insert(n.clone(), v);
                }
                ObjectId::Resource(addr) => {
                    let Some(block) = self.engine.module.resource(addr).cloned() else { continue };
                    let deps = self.engine.graph.resource_deps(&id);
                    if addr.mode == Mode::Data {
                        self.data_source(&block, deps).await;
                        if let Some(check) = &block.check {
                            // A data source scoped to a check block never stops the plan.
                            for d in &mut self.diags.0[before..] {
                                d.severity = provision_core::diagnostic::Severity::Warning;
                                d.notes.push(format!("check \"{check}\": its assertions are not decided"));
                            }
                        }
                    } else {
                        self.resource(&block, deps);
                    }
                }
            }
            self.note_call_chain(&id, before);
            self.oversized_once(&id, before);
        }
    }

    /// What went wrong with an object inside a module says which call it came through (`in
    /// module.net, called at main.tf:3:1`), as the loader's diagnostics do.
    fn note_call_chain(&mut self, id: &ObjectId, before: usize) {
        if self.diags.0.len() == before {
            return;
        }
        let module = &self.engine.module;
        let ctx = match id {
            ObjectId::Local(n) => module.locals.get(n).and_then(|l| l.expr.as_ref()).and_then(|e| e.module.clone()),
            ObjectId::Resource(a) => module.resource(a).and_then(|b| {
                b.body.exprs().into_iter().chain(b.count.iter()).chain(b.for_each.iter()).find_map(|e| e.module.clone())
            }),
            _ => None,
        };
        let Some(ctx) = ctx else { return };
        let note = ctx.call_chain_note(&module.sources);
        for d in &mut self.diags.0[before..] {
            if !d.notes.iter().any(|n| n.starts_with("in module.")) {
                d.notes.push(note.clone());
            }
        }
    }

    /// A value too large because one it is built from was too large (and is now unknown, which
    /// may be wrapped again) is reported once, where it first happened, not in every object
    /// after it. Likewise a value that failed to evaluate (a local whose function call failed) is
    /// unknown from then on: an object built from it does not also report that its `count` or
    /// `for_each` is unknown.
    fn oversized_once(&mut self, id: &ObjectId, before: usize) {
        let direct = self.engine.graph.direct(id);
        let inherited = direct.iter().any(|d| self.oversized.contains(d));
        let after_failure = direct.iter().any(|d| self.failed.contains(d));
        let mut too_large = false;
        let mut failed = after_failure;
        let new: Vec<Diagnostic> = self.diags.0.drain(before..).collect();
        for d in new {
            if d.summary == VALUE_TOO_LARGE {
                too_large = true;
                if inherited {
                    continue;
                }
            }
            if after_failure
                && d.labels.first().is_some_and(|l| l.message == COUNT_UNKNOWN || l.message == FOR_EACH_UNKNOWN)
            {
                continue;
            }
            failed |= d.severity == provision_core::diagnostic::Severity::Error;
            self.diags.push(d);
        }
        if inherited || too_large {
            self.oversized.insert(id.clone());
        }
        if failed {
            self.failed.insert(id.clone());
        }
    }

    /// The instances of a resource block: `(key, count.index / each.*)`.
    fn expand(&mut self, block: &ResourceBlock) -> Option<Vec<(Option<InstanceKey>, InstanceCtx)>> {
        let scope = &self.eval.scope;
        let inst = InstanceCtx::default();
        if let Some(c) = &block.count {
            let v = match eval(c, scope, &inst) {
                Ok(v) => v,
                Err(d) => {
                    self.diags.push(d);
                    return None;
                }
            };
            if v.is_unknown() && self.unknown_offline(block) {
                return None;
            }
            let problem = if v.is_unknown() {
                Some(COUNT_UNKNOWN.to_string())
            } else if v.is_sensitive() {
                Some("sensitive values cannot be used as count".to_string())
            } else {
                match v.as_number() {
                    Some(n) if n > MAX_INSTANCES as f64 => Some(format!(
                        "count is {}, but one resource may have at most {MAX_INSTANCES} instances",
                        provision_core::value::format_number(n)
                    )),
                    Some(n) if n >= 0.0 && n.fract() == 0.0 => None,
                    Some(n) => Some(format!(
                        "count must be a whole number of at least 0, not {}",
                        provision_core::value::format_number(n)
                    )),
                    None => Some(format!("count must be a number, not {}", v.type_name())),
                }
            };
            if let Some(p) = problem {
                self.diags.push(Diagnostic::error("Invalid count argument").at(c.span(), p));
                return None;
            }
            let n = v.as_number().unwrap_or(0.0) as u64;
            return Some(
                (0..n)
                    .map(|i| {
                        (Some(InstanceKey::Index(i)), InstanceCtx { count_index: Some(i), each: None, unknown: false })
                    })
                    .collect(),
            );
        }
        if let Some(fe) = &block.for_each {
            let v = match eval(fe, scope, &inst) {
                Ok(v) => v,
                Err(d) => {
                    self.diags.push(d);
                    return None;
                }
            };
            let bad = |m: &str| Diagnostic::error("Invalid for_each argument").at(fe.span(), m.to_string());
            // Only the keys must be known: a map's values may still be unknown (each.value then is).
            let keys_known = match &v {
                Value::Map(_) => true,
                Value::Set(items) => items.iter().all(Value::is_wholly_known),
                other => other.is_wholly_known(),
            };
            if !keys_known && self.unknown_offline(block) {
                return None;
            }
            if !keys_known {
                self.diags.push(bad(FOR_EACH_UNKNOWN));
                return None;
            }
            if v.contains_sensitive() {
                self.diags
                    .push(bad("sensitive values cannot be used as for_each: the keys would be shown in the plan"));
                return None;
            }
            let n = match &v {
                Value::Map(m) => m.len(),
                Value::Set(items) | Value::List(items) => items.len(),
                _ => 0,
            };
            if n > MAX_INSTANCES {
                self.diags.push(bad(&format!(
                    "for_each has {n} elements, but one resource may have at most {MAX_INSTANCES} instances"
                )));
                return None;
            }
            return match v {
                Value::Map(m) => Some(
                    m.into_iter()
                        .map(|(k, v)| {
                            (
                                Some(InstanceKey::Key(k.clone())),
                                InstanceCtx { count_index: None, each: Some((Value::String(k), v)), unknown: false },
                            )
                        })
                        .collect(),
                ),
                Value::Set(items) => {
                    let mut out = vec![];
                    for i in items {
                        match i.as_str() {
                            Some(s) => out.push((
                                Some(InstanceKey::Key(s.to_string())),
                                InstanceCtx { count_index: None, each: Some((i.clone(), i.clone())), unknown: false },
                            )),
                            None => {
                                self.diags.push(bad("a for_each set must hold strings"));
                                return None;
                            }
                        }
                    }
                    Some(out)
                }
                Value::List(_) => {
                    self.diags.push(bad(
                        "for_each needs a map or a set of strings, and this is a list; convert it with toset(...)",
                    ));
                    None
                }
                other => {
                    self.diags
                        .push(bad(&format!("for_each needs a map or a set of strings, not {}", other.type_name())));
                    None
                }
            };
        }
        Some(vec![(None, InstanceCtx::default())])
    }

    /// Offline, a value may be unknown only because a data source was not read: then it is not
    /// an error (a plan would know it).
    fn unknown_offline(&self, block: &ResourceBlock) -> bool {
        self.offline && self.engine.graph.depends_on_data(&ObjectId::Resource(block.address.clone()))
    }

    /// Offline, a block whose instances are not known (its `count` or `for_each` comes from a
    /// data source) is still checked: every argument whose value needs neither AWS nor the
    /// instance (`count.index`, `each`) is evaluated and checked against its type and validator,
    /// as `plan` would for each instance. An argument that uses the instance is left to `plan`.
    fn check_unexpanded(&mut self, block: &ResourceBlock) {
        let each = block.for_each.as_ref().map(|_| (Value::Unknown, Value::Unknown));
        let ctx = InstanceCtx { count_index: None, each, unknown: false };
        if let Err(d) = eval_body(&block.body, &block.schema, &self.eval.scope, &ctx) {
            for d in d.0 {
                if d.summary != "Reference to \"count\" in non-counted context" {
                    self.diags.push(d);
                }
            }
        }
    }

    /// The block's instances; when it has none, its (empty) value is put in scope, and when they
    /// cannot be known, it is unknown (the error is in the diagnostics).
    fn instances(&mut self, block: &ResourceBlock) -> Option<Vec<(Option<InstanceKey>, InstanceCtx)>> {
        let Some(instances) = self.expand(block) else {
            self.eval.scope.resources.insert(block.address.clone(), Value::Unknown);
            return None;
        };
        self.total_instances += instances.len();
        if self.total_instances > MAX_TOTAL_INSTANCES {
            if !self.too_many {
                let span = block.count.iter().chain(block.for_each.iter()).find_map(|e| e.span());
                self.diags.push(Diagnostic::error("Too many instances").at(
                    span.or_else(|| block.span.clone()),
                    format!(
                        "with {}, the configuration has more than {MAX_TOTAL_INSTANCES} resource instances, the most provision plans at once",
                        block.address
                    ),
                ));
            }
            self.too_many = true;
            self.eval.scope.resources.insert(block.address.clone(), Value::Unknown);
            return None;
        }
        if instances.is_empty() {
            self.eval.set_empty(&block.address);
        }
        Some(instances)
    }

    fn in_layer(&self, info: &LayerInfo) -> bool {
        self.layer.is_none_or(|l| l == info.layer)
    }

    fn resource(&mut self, block: &ResourceBlock, deps: BTreeSet<Address>) {
        let deps = Arc::new(deps);
        let Some(instances) = self.instances(block) else {
            if self.unknown_offline(block) {
                self.check_unexpanded(block);
            }
            return;
        };
        let layer = self.engine.layer_info(&block.address).cloned();
        let mut in_layer = layer.as_ref().is_none_or(|l| self.in_layer(l));
        // An object that refers weakly to objects of the planned layer (an alias record to a
        // runtime load balancer) follows them: the morning's `--layer runtime` plan updates it.
        if !in_layer && let Some(l) = self.layer {
            in_layer = self.engine.follows_layer(&block.address, l);
        }
        if in_layer && let Some(l) = self.layer {
            // What refers weakly to an object this layer's plan does not create (an alias record
            // to a torn-down load balancer, in a plan of the base layer) waits for the plan that
            // creates it, as it is.
            if deps
                .iter()
                .any(|d| self.missing_outside.contains_key(d) && self.engine.weakly_depends(&block.address, d))
            {
                in_layer = false;
            }
            for d in deps.iter().filter(|_| in_layer) {
                if let Some(missing) = self.missing_outside.get(d) {
                    self.diags.push(
                        Diagnostic::error(format!("{} needs {missing}, which does not exist", block.address))
                            .at(block.span.clone(), format!("this resource is in the {l} layer and refers to {d}"))
                            .note(format!(
                                "{missing} is not in the {l} layer, so `--layer {l}` does not create it; run `provision apply` without --layer first"
                            )),
                    );
                }
            }
        }
        for (key, ctx) in instances {
            let address = block.address.clone().with_key(key);
            self.configured.insert(address.clone());
            let config = match eval_body(&block.body, &block.schema, &self.eval.scope, &ctx) {
                Ok(c) => c,
                Err(d) => {
                    self.diags.extend(d);
                    self.eval.set(&address, Value::Unknown);
                    continue;
                }
            };
            // Timeouts written as expressions are checked where their value is known already.
            if let Err(d) = provision_config::eval_timeouts(&block.timeouts, &self.eval.scope, &ctx) {
                self.diags.extend(d);
            }
            if self.arguments_refused(block, &address, &config) {
                continue;
            }
            if let Some(relations) = block.schema.relations {
                let refers_to = relations
                    .args
                    .iter()
                    .filter_map(|name| {
                        let e = block.body.attrs.get(*name)?;
                        referenced_instance(e, &self.eval.scope, &ctx).map(|r| (*name, r))
                    })
                    .collect();
                let attrs = relations
                    .args
                    .iter()
                    .filter_map(|name| config.get(*name).map(|v| (name.to_string(), v.strip_marks())))
                    .collect();
                self.related.push(RelatedInstance {
                    check: relations.check,
                    address: address.clone(),
                    attrs,
                    refers_to,
                });
            }
            let prior_object = self.current.get(&address).copied();
            let prior = prior_object.map(|o| &o.attributes);
            // The configured type's schema: its provider configuration may give an argument its
            // default (`region`: the configuration's region).
            let configured = self.engine.resource_type(&block.provider, &block.address.type_name).ok();
            let schema: &Schema = configured.as_ref().map_or(&block.schema, |t| t.schema());
            let mut planned = diff::plan_instance(
                schema,
                &config,
                prior,
                &block.lifecycle,
                self.engine.default_tags(&block.provider),
            );
            if let Some(o) = prior_object
                && o.provider != block.provider
                && !matches!(planned.action, Action::Replace(_))
            {
                // The object lives under another provider configuration (another region): it
                // cannot move, so it is replaced.
                force_replace(block, schema, &config, &mut planned, vec!["provider".into()]);
            }
            if prior_object.is_some()
                && self.replace.contains(&address)
                && !matches!(planned.action, Action::Replace(_))
            {
                // `-replace`: a new object although nothing about it changed.
                force_replace(block, schema, &config, &mut planned, vec![]);
            }
            let tainted = prior_object.is_some_and(|o| o.tainted);
            if tainted && !matches!(planned.action, Action::Replace(_)) {
                // Its creation-time provisioners failed or were interrupted: a new object.
                force_replace(block, schema, &config, &mut planned, vec![]);
            }
            let triggered = prior_object.is_some()
                && !matches!(planned.action, Action::Replace(_))
                && self.replace_triggered(block, &ctx);
            if triggered {
                force_replace(block, schema, &config, &mut planned, vec![]);
            }
            let destroy_args: Attrs = block
                .schema
                .attributes
                .iter()
                .filter(|a| a.at_destroy)
                .filter_map(|a| {
                    planned
                        .after
                        .get(a.name)
                        .filter(|v| v.is_wholly_known())
                        .map(|v| (a.name.to_string(), v.strip_marks()))
                })
                .collect();
            if !destroy_args.is_empty() {
                self.destroy_args.insert(address.clone(), destroy_args);
            }
            if let (Some(p), Action::Replace(provision_core::plan::ReplaceOrder::CreateBeforeDestroy)) =
                (prior, planned.action)
            {
                for a in block.schema.attributes.iter().filter(|a| a.unique) {
                    let (old, new) = (p.get(a.name), planned.after.get(a.name));
                    if let (Some(old), Some(new)) = (old, new)
                        && new.is_wholly_known()
                        && !old.is_null()
                        && old.same_as(new)
                    {
                        let span = block.body.attrs.get(a.name).and_then(|e| e.span()).or_else(|| block.span.clone());
                        self.diags.push(
                            Diagnostic::error(format!("{address} cannot be replaced with create_before_destroy"))
                                .at(span, format!("the new object would have the same {} ({old}) as the old one while both exist, which AWS refuses", a.name))
                                .note(format!(
                                    "use {}_prefix instead of {} so the new object gets a new name, or remove create_before_destroy",
                                    a.name, a.name
                                )),
                        );
                    }
                }
            }
            // An object whose create stopped between its calls is finished before anything else.
            let unfinished = prior_object.is_some_and(|o| o.unfinished);
            if unfinished && planned.action == Action::NoOp {
                planned.action = Action::Update;
            }
            let targeted = self.targets.as_ref().is_none_or(|t| covered(t, &address));
            if !in_layer || !targeted || self.refresh_only {
                // Outside the planned layer (or the targets, or a refresh-only plan): the object
                // stays as it is, and is what others see.
                if planned.action.is_change() && !in_layer {
                    self.outside_layer += 1;
                }
                self.eval.instances.insert(address.clone(), crate::plan::InstanceInfo { ctx, deps: Arc::clone(&deps) });
                match prior {
                    Some(p) => {
                        self.eval.set(&address, Value::Map(p.clone()));
                        self.changes.push(ResourceChange {
                            address,
                            deposed: None,
                            action: Action::NoOp,
                            reason: None,
                            before: Some(p.clone()),
                            after: Some(p.clone()),
                            replace_paths: vec![],
                            layer: layer.clone(),
                            notes: Default::default(),
                        });
                    }
                    None => {
                        self.eval.set(&address, Value::Map(planned.after));
                        self.missing_outside.entry(block.address.clone()).or_insert(address);
                    }
                }
                continue;
            }
            self.release_replaced(block, &config, &deps, &mut planned);
            let reason = if prior.is_some() && tainted && matches!(planned.action, Action::Replace(_)) {
                Some(Reason::Tainted)
            } else if prior.is_some() && self.replace.contains(&address) {
                Some(Reason::ReplaceRequested)
            } else if triggered {
                Some(Reason::ReplaceTriggered)
            } else if prior.is_none() && self.original_current.contains(&address) {
                Some(Reason::DeletedOutside)
            } else if unfinished && planned.action == Action::Update {
                Some(Reason::Unfinished)
            } else {
                None
            };
            let failed =
                crate::conditions::resource_failures(block, &address, &self.eval.scope, &ctx, Some(&planned.after));
            self.diags.0.extend(failed);
            self.eval.instances.insert(address.clone(), crate::plan::InstanceInfo { ctx, deps: Arc::clone(&deps) });
            self.eval.set(&address, Value::Map(planned.after.clone()));
            let notes = provision_core::plan::ChangeNotes {
                revision: block.schema.revisions.filter(|_| planned.action == Action::Update && planned.new_revision),
                ..Default::default()
            };
            self.changes.push(ResourceChange {
                address,
                deposed: None,
                action: planned.action,
                reason,
                before: prior.cloned(),
                after: Some(planned.after),
                replace_paths: planned.replace_paths,
                layer: layer.clone(),
                notes,
            });
        }
    }

    /// Runs the schema's check of arguments taken together (`arn` or `name`) on an instance's
    /// evaluated arguments, a resource's or a data source's. When it refuses them, says so at the
    /// block and leaves the instance unknown, so nothing that refers to it reports again.
    fn arguments_refused(&mut self, block: &ResourceBlock, address: &Address, config: &Attrs) -> bool {
        let Some(check) = block.schema.check else { return false };
        let plain: Attrs = config.iter().map(|(k, v)| (k.clone(), v.strip_marks())).collect();
        let Err(m) = check(&plain) else { return false };
        let secrets: Vec<String> = config.values().flat_map(Value::secrets).collect();
        let m = provision_core::value::redact_text(&m, &secrets);
        self.diags.push(Diagnostic::error(format!("Invalid arguments for {address}")).at(block.span.clone(), m));
        self.eval.set(address, Value::Unknown);
        true
    }

    /// True when an entry of the block's `replace_triggered_by` names something this plan
    /// changes: an instance it updates or replaces, or an attribute whose value changes.
    fn replace_triggered(&self, block: &ResourceBlock, ctx: &InstanceCtx) -> bool {
        block.lifecycle.replace_triggered_by.iter().any(|e| {
            let Some((target, attr)) = provision_config::trigger_reference(e, &self.eval.scope, ctx) else {
                return false;
            };
            self.changes.iter().filter(|c| c.deposed.is_none()).any(|c| {
                let named = c.address == target || (target.key.is_none() && c.address.same_resource(&target));
                if !named || !matches!(c.action, Action::Update | Action::Replace(_)) {
                    return false;
                }
                match &attr {
                    None => true,
                    Some(a) => {
                        let before = c.before.as_ref().and_then(|b| b.get(a));
                        let after = c.after.as_ref().and_then(|b| b.get(a));
                        match (before, after) {
                            (Some(b), Some(v)) => !v.is_wholly_known() || !b.same_as(v),
                            (None, None) => false,
                            _ => true,
                        }
                    }
                }
            })
        })
    }

    /// Runs each type's relation check over its planned instances: one error per problem, at
    /// the argument at fault.
    fn relations(&mut self) {
        let mut by_type: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, r) in self.related.iter().enumerate() {
            by_type.entry(r.address.type_name.as_str()).or_default().push(i);
        }
        let mut problems = vec![];
        for idxs in by_type.values() {
            let objects: Vec<Related> = idxs
                .iter()
                .map(|&i| {
                    let r = &self.related[i];
                    let refers_to = r
                        .refers_to
                        .iter()
                        .filter_map(|(arg, a)| {
                            // An object whose value is not known (it has errors of its own) is
                            // still the same object.
                            let planned = match self.eval.value(a) {
                                Some(v) => v.as_map().unwrap_or(&NOTHING),
                                None if self.engine.module.resource(a).is_some() => &NOTHING,
                                None => return None,
                            };
                            Some((*arg, (a, planned)))
                        })
                        .collect();
                    Related { address: &r.address, attrs: &r.attrs, refers_to }
                })
                .collect();
            let check = self.related[idxs[0]].check;
            for (i, arg, message) in check(&objects) {
                if let Some(&j) = idxs.get(i) {
                    problems.push((j, arg, message));
                }
            }
        }
        for (j, arg, message) in problems {
            let address = &self.related[j].address;
            let block = self.engine.module.resource(address);
            let span = block.and_then(|b| b.body.attrs.get(arg)).and_then(|e| e.span());
            let span = span.or_else(|| block.and_then(|b| b.span.clone()));
            self.diags.push(
                Diagnostic::error(format!("Invalid value for `{arg}`")).at(span, message).note(format!("in {address}")),
            );
        }
    }

    /// An in-place update that keeps an object in use which is being replaced destroy-first
    /// (the old object could never be deleted) becomes a replacement.
    fn release_replaced(
        &self,
        block: &ResourceBlock,
        config: &Attrs,
        deps: &BTreeSet<Address>,
        planned: &mut diff::Planned,
    ) {
        if planned.action != Action::Update {
            return;
        }
        let replaced_first = self.changes.iter().any(|c| {
            c.action == Action::Replace(provision_core::plan::ReplaceOrder::DestroyBeforeCreate)
                && deps.contains(&c.address.resource())
        });
        if !replaced_first {
            return;
        }
        let holding: Vec<String> = block
            .schema
            .attributes
            .iter()
            .filter(|a| a.holds_in_use && !planned.after.get(a.name).is_some_and(Value::is_wholly_known))
            .map(|a| a.name.to_string())
            .collect();
        if holding.is_empty() {
            return;
        }
        let configured = self.engine.resource_type(&block.provider, &block.address.type_name).ok();
        let schema: &Schema = configured.as_ref().map_or(&block.schema, |t| t.schema());
        force_replace(block, schema, config, planned, holding);
    }

    async fn data_source(&mut self, block: &ResourceBlock, deps: BTreeSet<Address>) {
        let deps = Arc::new(deps);
        let Some(instances) = self.instances(block) else { return };
        // A data source that depends on a resource with pending changes is read during apply.
        let pending =
            self.changes.iter().any(|c| c.action.is_change() && deps.iter().any(|d| d.same_resource(&c.address)));
        let Some(ds) =
            self.engine.provider_for(&block.provider).ok().and_then(|p| p.data_source(&block.address.type_name))
        else {
            return;
        };
        for (key, ctx) in instances {
            let address = block.address.clone().with_key(key);
            let args = match eval_body(&block.body, &block.schema, &self.eval.scope, &ctx) {
                Ok(c) => c,
                Err(d) => {
                    self.diags.extend(d);
                    self.eval.set(&address, Value::Unknown);
                    continue;
                }
            };
            if self.arguments_refused(block, &address, &args) {
                continue;
            }
            self.eval.instances.insert(address.clone(), crate::plan::InstanceInfo { ctx, deps: Arc::clone(&deps) });
            let known = args.values().all(Value::is_wholly_known);
            if known && !pending && !self.offline {
                let result = match self.saved.and_then(|s| s.data.get(&address)) {
                    Some(saved) => Ok(saved.clone()),
                    None => {
                        let plain: Attrs = args.iter().map(|(k, v)| (k.clone(), v.strip_marks())).collect();
                        ds.read(&plain).await
                    }
                };
                match result {
                    Ok(mut attrs) => {
                        for a in &block.schema.attributes {
                            attrs.entry(a.name.to_string()).or_insert(Value::Null);
                        }
                        let ctx = self.eval.instances.get(&address).map(|i| i.ctx.clone()).unwrap_or_default();
                        let failed =
                            crate::conditions::resource_failures(block, &address, &self.eval.scope, &ctx, Some(&attrs));
                        self.diags.0.extend(failed);
                        self.data.insert(address.clone(), attrs.clone());
                        self.eval.set(&address, Value::Map(attrs));
                    }
                    Err(e) => {
                        let secrets: Vec<String> = args.values().flat_map(Value::secrets).collect();
                        self.diags.push(
                            Diagnostic::error(format!("Reading {address} failed"))
                                .at(block.span.clone(), provision_core::value::redact_text(&e.message, &secrets))
                                .note(e.code.map(|c| format!("AWS error code: {c}")).unwrap_or_default()),
                        );
                        self.eval.set(&address, Value::Unknown);
                    }
                }
            } else if block.check.is_some() {
                // Scoped to a check block: read when planning only. Not known yet, its
                // assertions stay undecided, and the next plan reads it.
                self.eval.set(&address, Value::Unknown);
            } else {
                let mut after = args.clone();
                for a in &block.schema.attributes {
                    // What AWS returns is unknown until the read: the computed attributes, and
                    // the optional ones the configuration left unset that the read fills in
                    // (`zone_id` of a zone looked up by `name`), as in Terraform.
                    let unset = a.mode == provision_core::AttrMode::OptionalComputed
                        && after.get(a.name).is_none_or(|v| v.unmarked().is_null());
                    if !a.is_configurable() || unset {
                        after.insert(a.name.to_string(), Value::Unknown);
                    }
                }
                let ctx = self.eval.instances.get(&address).map(|i| i.ctx.clone()).unwrap_or_default();
                let failed =
                    crate::conditions::resource_failures(block, &address, &self.eval.scope, &ctx, Some(&after));
                self.diags.0.extend(failed);
                self.eval.set(&address, Value::Map(after.clone()));
                self.changes.push(ResourceChange {
                    address,
                    deposed: None,
                    action: Action::Read,
                    reason: Some(Reason::ReadDeferred),
                    before: None,
                    after: Some(after),
                    replace_paths: vec![],
                    layer: None,
                    notes: Default::default(),
                });
            }
        }
    }

    /// In destroy mode every object in state is deleted; with a layer, every object in that layer
    /// and every object that depends on one of those (as recorded in state), unless it refers to
    /// them only through weak arguments (a DNS alias to a load balancer).
    fn destroy(&mut self) {
        let mut doomed: BTreeSet<Address> = BTreeSet::new();
        // With targets: the targeted objects (whole resources or single instances) and, below,
        // everything recorded as depending on them.
        let mut doomed_instances: BTreeSet<Address> = BTreeSet::new();
        if let Some(t) = &self.targets {
            doomed_instances =
                self.state.resources.iter().filter(|o| covered(t, &o.address)).map(|o| o.address.clone()).collect();
            doomed = doomed_instances.iter().map(Address::resource).collect();
        }
        if let Some(l) = self.layer {
            doomed = self
                .state
                .resources
                .iter()
                .filter(|o| self.engine.object_layer(o).layer == l)
                .map(|o| o.address.resource())
                .collect();
        }
        if self.layer.is_some() || self.targets.is_some() {
            loop {
                let more: Vec<Address> = self
                    .state
                    .resources
                    .iter()
                    .filter(|o| !doomed.contains(&o.address.resource()))
                    .filter(|o| {
                        o.dependencies
                            .iter()
                            .any(|d| doomed.contains(&d.resource()) && !self.engine.weakly_depends(&o.address, d))
                    })
                    .map(|o| o.address.resource())
                    .collect();
                if more.is_empty() {
                    break;
                }
                doomed_instances.extend(more.iter().cloned());
                doomed.extend(more);
            }
        }
        for o in &self.state.resources {
            if self.layer.is_some() && !doomed.contains(&o.address.resource()) {
                continue;
            }
            // A target's own instances, and every instance of what depends on it.
            if self.targets.is_some() && !covered(&doomed_instances, &o.address) {
                continue;
            }
            self.changes.push(ResourceChange {
                address: o.address.clone(),
                deposed: o.deposed.clone(),
                action: Action::Delete,
                reason: Some(if o.deposed.is_some() { Reason::Deposed } else { Reason::DestroyRequested }),
                before: Some(o.attributes.clone()),
                after: None,
                replace_paths: vec![],
                layer: Some(self.engine.object_layer(o)),
                notes: Default::default(),
            });
        }
    }

    /// Objects in state that the configuration no longer asks for are deleted.
    fn orphans(&mut self, mode: PlanMode) {
        if mode != PlanMode::Normal {
            return;
        }
        for o in &self.state.resources {
            if self.targets.as_ref().is_some_and(|t| !covered(t, &o.address)) {
                continue;
            }
            let reason = if o.deposed.is_some() {
                Reason::Deposed
            } else if !self.configured.contains(&o.address) {
                Reason::NotInConfig
            } else {
                continue;
            };
            let layer = self.engine.object_layer(o);
            if !self.in_layer(&layer) {
                self.outside_layer += 1;
                continue;
            }
            self.changes.push(ResourceChange {
                address: o.address.clone(),
                deposed: o.deposed.clone(),
                action: Action::Delete,
                reason: Some(reason),
                before: Some(o.attributes.clone()),
                after: None,
                replace_paths: vec![],
                layer: Some(layer),
                notes: Default::default(),
            });
        }
    }

    /// Every `-target` must name a resource of the configuration or an object of the state, and
    /// every `-replace` a managed resource instance: a typo must not plan nothing in silence.
    fn check_addresses(&mut self, targets: &[Address], replace: &[Address]) {
        for t in targets {
            let configured = self.engine.module.resource(&t.resource()).is_some();
            let recorded = self
                .state
                .resources
                .iter()
                .any(|o| o.address == *t || (t.key.is_none() && t.same_resource(&o.address)));
            if !configured && !recorded {
                let hint = self.suggest(t);
                self.diags.push(
                    Diagnostic::error(format!("Invalid target {t}"))
                        .note(format!(
                            "-target={t}: neither the configuration nor the state has a resource at this address"
                        ))
                        .note(hint),
                );
            }
        }
        for r in replace {
            if r.mode == Mode::Data {
                self.diags.push(
                    Diagnostic::error(format!("Invalid replace address {r}"))
                        .note("-replace names a managed resource instance; a data source is read, not replaced"),
                );
            } else if self.engine.module.resource(&r.resource()).is_none() {
                let hint = self.suggest(r);
                self.diags.push(
                    Diagnostic::error(format!("Invalid replace address {r}"))
                        .note(format!("-replace={r}: the configuration has no resource at this address"))
                        .note(hint),
                );
            }
        }
    }

    /// A note naming the resources of the configuration, for an address that matched none.
    fn suggest(&self, wrong: &Address) -> String {
        let same_type: Vec<String> = self
            .engine
            .module
            .resources
            .iter()
            .filter(|r| r.address.type_name == wrong.type_name && r.address.mode == wrong.mode)
            .map(|r| r.address.to_string())
            .collect();
        if same_type.is_empty() {
            "`provision state list` shows the objects in the state".to_string()
        } else {
            format!("the configuration's {} resources: {}", wrong.type_name, same_type.join(", "))
        }
    }

    /// A `-replace` of an instance the configuration does not have (an index out of range, or a
    /// resource with `count` named without its index) is an error; one without an object yet is
    /// simply created.
    fn unmatched_replace(&mut self) {
        let wrong: Vec<Address> = self
            .replace
            .iter()
            .filter(|r| !self.configured.contains(*r) && self.engine.module.resource(&r.resource()).is_some())
            .cloned()
            .collect();
        for r in wrong {
            let instances: Vec<String> =
                self.configured.iter().filter(|c| c.same_resource(&r)).map(|c| c.to_string()).collect();
            let note = if instances.is_empty() {
                format!("{} has no instances", r.resource())
            } else {
                format!("its instances: {}", instances.join(", "))
            };
            self.diags.push(
                Diagnostic::error(format!("Invalid replace address {r}"))
                    .note(format!("-replace={r}: the configuration has no such resource instance"))
                    .note(note),
            );
        }
    }

    /// Gives each delete and replacement of a configured object the configuration's values of
    /// the arguments that only matter at destroy.
    fn attach_destroy_args(&mut self) {
        for c in &mut self.changes {
            if c.deposed.is_none()
                && matches!(c.action, Action::Delete | Action::Replace(_))
                && let Some(args) = self.destroy_args.get(&c.address)
            {
                c.notes.destroy_args = args.clone();
            }
        }
    }

    fn prevent_destroy(&mut self) {
        for c in &self.changes {
            if c.deposed.is_some() || !matches!(c.action, Action::Delete | Action::Replace(_)) {
                continue;
            }
            let Some(block) = self.engine.module.resource(&c.address) else { continue };
            if block.lifecycle.prevent_destroy {
                let why = match c.action {
                    Action::Replace(_) if c.reason == Some(Reason::ReplaceRequested) => {
                        "-replace asks for it to be replaced".to_string()
                    }
                    Action::Replace(_) if c.reason == Some(Reason::Tainted) => {
                        "it is tainted (its creation-time provisioners failed) and must be replaced".to_string()
                    }
                    Action::Replace(_) => format!("it must be replaced because {} changed", c.replace_paths.join(", ")),
                    _ => "the plan destroys it".to_string(),
                };
                self.diags.push(
                    Diagnostic::error(format!("Instance cannot be destroyed: {}", c.address))
                        .at(block.span.clone(), format!("lifecycle.prevent_destroy is set, but {why}"))
                        .note("remove prevent_destroy, or change the configuration so the object is kept"),
                );
            }
        }
    }

    /// Offline: the provider block's values, checked as a plan would when configuring the
    /// provider, where they are known.
    fn provider_block(&mut self, block: Option<&ProviderBlock>) {
        let Some(block) = block else { return };
        let attrs = match eval_body(&block.body, &block.schema, &self.eval.scope, &InstanceCtx::default()) {
            Ok(a) => a,
            Err(d) => {
                self.diags.extend(d);
                return;
            }
        };
        if attrs.values().all(Value::is_wholly_known) {
            let plain: Attrs = attrs.into_iter().map(|(k, v)| (k, v.strip_marks())).collect();
            let configured = match self.engine.provider.get(&block.name) {
                Some(p) => p.configure(&plain),
                None => return,
            };
            if let Err(e) = configured {
                self.diags.push(Diagnostic::error(e.message).at(block.span.clone(), "in this provider block"));
            }
        }
    }

    fn outputs(&mut self, mode: PlanMode) -> Vec<OutputChange> {
        let mut out = vec![];
        let destroyed: BTreeSet<Address> =
            self.changes.iter().filter(|c| c.action == Action::Delete).map(|c| c.address.resource()).collect();
        for (name, o) in &self.engine.module.outputs {
            let before = self.original.outputs.get(name).map(|v| Value::from_json(&v.value).mark_if(v.sensitive));
            if mode == PlanMode::Destroy {
                // A layer's destroy keeps the outputs that do not refer to anything destroyed.
                let kept = self.layer.is_some()
                    && !self
                        .engine
                        .graph
                        .resource_deps(&ObjectId::Output(name.clone()))
                        .iter()
                        .any(|d| destroyed.contains(d));
                let after = if kept { before.clone() } else { None };
                out.push(OutputChange { name: name.clone(), before, after, sensitive: o.sensitive });
                continue;
            }
            if mode == PlanMode::RefreshOnly {
                // Outputs are recomputed from what AWS reports when the refreshed state is recorded.
                out.push(OutputChange {
                    name: name.clone(),
                    before: before.clone(),
                    after: before,
                    sensitive: o.sensitive,
                });
                continue;
            }
            let inst = InstanceCtx::default();
            let failed: Vec<Diagnostic> = o
                .preconditions
                .iter()
                .filter_map(|c| match provision_config::check_condition(c, &self.eval.scope, &inst, None) {
                    Ok(provision_config::Verdict::Failed(m)) => Some(
                        Diagnostic::error("Output precondition failed")
                            .at(c.condition.span(), m)
                            .note(format!("this precondition guards output \"{name}\"")),
                    ),
                    Ok(_) => None,
                    Err(d) => Some(d),
                })
                .collect();
            if !failed.is_empty() {
                self.diags.0.extend(failed);
                continue;
            }
            let after = match eval(&o.value, &self.eval.scope, &InstanceCtx::default()) {
                Ok(v) => v,
                Err(d) => {
                    let id = ObjectId::Output(name.clone());
                    let before = self.diags.0.len();
                    self.diags.push(d);
                    self.oversized_once(&id, before);
                    continue;
                }
            };
            if after.contains_sensitive() && !o.sensitive {
                self.diags.push(
                    Diagnostic::error("Output refers to sensitive values")
                        .at(o.value.span(), format!("output \"{name}\" would show a sensitive value"))
                        .note("add `sensitive = true` to the output block to confirm it may hold a secret"),
                );
                continue;
            }
            out.push(OutputChange {
                name: name.clone(),
                before,
                after: Some(after.mark_if(o.sensitive)),
                sensitive: o.sensitive,
            });
        }
        for (name, v) in &self.original.outputs {
            if !self.engine.module.outputs.contains_key(name) {
                out.push(OutputChange {
                    name: name.clone(),
                    before: Some(Value::from_json(&v.value).mark_if(v.sensitive)),
                    after: None,
                    sensitive: v.sensitive,
                });
            }
        }
        out
    }
}

/// One object an `import` block asks for: a `for_each` block asks for one per element.
#[derive(Debug, Clone)]
struct ImportOne {
    to: Address,
    id: provision_config::Expr,
    /// `each.key` and `each.value` for the id.
    inst: InstanceCtx,
    span: Option<provision_core::Span>,
}

#[cfg(test)]
mod evaluation_tests {
    use super::*;

    fn counted() -> (Evaluation, Address) {
        let res = Address::managed("aws_subnet", "s");
        let mut scope = Scope::default();
        scope.expanded.insert(res.clone(), "count");
        (Evaluation::new(scope), res)
    }

    #[test]
    fn a_counted_resource_set_out_of_order_is_a_list_in_index_order() {
        let (mut eval, res) = counted();
        for i in [0u64, 1, 3, 2] {
            eval.set(&res.clone().with_key(Some(InstanceKey::Index(i))), Value::from(format!("v{i}")));
        }
        let list = |e: &Evaluation| e.scope.resources.get(&res).cloned();
        let want: Vec<Value> = (0..4).map(|i| Value::from(format!("v{i}"))).collect();
        assert_eq!(list(&eval), Some(Value::List(want)));
        // Set again: replaced in place, and every instance is found where it is.
        eval.set(&res.clone().with_key(Some(InstanceKey::Index(2))), Value::from("new"));
        assert_eq!(eval.value(&res.clone().with_key(Some(InstanceKey::Index(2)))), Some(&Value::from("new")));
        assert_eq!(eval.value(&res.clone().with_key(Some(InstanceKey::Index(3)))), Some(&Value::from("v3")));
        assert_eq!(eval.value(&res.clone().with_key(Some(InstanceKey::Index(4)))), None);
        assert_eq!(eval.instance_counts().get(&res), Some(&4));
        let keys: Vec<_> = eval.instances_of(&res).map(|(k, v)| (k.clone(), v.clone())).collect();
        assert_eq!(keys.len(), 4);
        assert_eq!(keys[2], (Some(InstanceKey::Index(2)), Value::from("new")));
    }

    #[test]
    fn a_counted_resource_with_a_gap_ranks_its_instances() {
        let (mut eval, res) = counted();
        for i in [5u64, 1, 9] {
            eval.set(&res.clone().with_key(Some(InstanceKey::Index(i))), Value::from(format!("v{i}")));
        }
        let want: Vec<Value> = [1, 5, 9].iter().map(|i| Value::from(format!("v{i}"))).collect();
        assert_eq!(eval.scope.resources.get(&res), Some(&Value::List(want)));
        for i in [1u64, 5, 9] {
            let v = eval.value(&res.clone().with_key(Some(InstanceKey::Index(i))));
            assert_eq!(v, Some(&Value::from(format!("v{i}"))));
        }
    }

    #[test]
    fn for_each_single_and_empty_blocks_keep_their_values_in_the_scope() {
        let each = Address::managed("aws_vpc", "e");
        let one = Address::managed("aws_vpc", "one");
        let none = Address::managed("aws_vpc", "none");
        let mut scope = Scope::default();
        scope.expanded.insert(each.clone(), "for_each");
        scope.expanded.insert(none.clone(), "count");
        let mut eval = Evaluation::new(scope);
        eval.set(&each.clone().with_key(Some(InstanceKey::Key("b".into()))), Value::from(2.0));
        eval.set(&each.clone().with_key(Some(InstanceKey::Key("a".into()))), Value::from(1.0));
        eval.set(&one, Value::from("x"));
        eval.set_empty(&none);
        let map = Value::Map([("a".to_string(), Value::from(1.0)), ("b".to_string(), Value::from(2.0))].into());
        assert_eq!(eval.scope.resources.get(&each), Some(&map));
        assert_eq!(eval.value(&each.clone().with_key(Some(InstanceKey::Key("a".into())))), Some(&Value::from(1.0)));
        assert_eq!(eval.value(&one), Some(&Value::from("x")));
        assert_eq!(eval.scope.resources.get(&none), Some(&Value::List(vec![])));
        assert_eq!(eval.instance_counts().get(&none), Some(&0));
        assert_eq!(eval.instances_of(&each).count(), 2);
        // A key that does not fit its block has no place: nothing is recorded.
        eval.set(&each.clone().with_key(Some(InstanceKey::Index(0))), Value::from("no"));
        eval.set(&one.clone().with_key(Some(InstanceKey::Key("k".into()))), Value::from("no"));
        assert_eq!(eval.scope.resources.get(&each), Some(&map));
        assert_eq!(eval.value(&one), Some(&Value::from("x")));
        assert_eq!(eval.instance_counts().get(&each), Some(&2));
        assert_eq!(eval.instance_counts().get(&one), Some(&1));
    }
}
