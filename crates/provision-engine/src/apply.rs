//! Apply: the plan becomes a graph of operations (create, update, delete, read), walked
//! concurrently. Each operation starts the moment everything it depends on is done, at most
//! `parallelism` at a time; a failure cuts off its dependents and nothing else.
//!
//! The journal protocol makes a crash at any point harmless: before a create, a *pending* record
//! (address and idempotency token) is made durable; after it, the object replaces the record.
//! Records left by a crash are resolved by [`Engine::recover`] before the next plan. State writes
//! that become due together (several operations finishing at once) are committed as one.

use crate::operation::Watch;
use crate::plan::{Evaluation, PlannedRun};
use crate::{Cancel, Engine, EngineError, Event, Op};
use futures::FutureExt;
use futures::stream::{FuturesUnordered, StreamExt};
use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use provision_config::{InstanceCtx, ObjectId, eval, eval_body};
use provision_core::plan::{Action, PlanMode, Reason, ReplaceOrder, Summary};
use provision_core::state::{ObjectKey, OutputValue, PendingCreate, ResourceObject, State, StateStore};
use provision_core::{Address, Attrs, Diagnostics, Found, Identity, Mode, ProviderError, ProviderRef, Schema, Value};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

/// An operation that failed.
#[derive(Debug, Clone)]
pub struct Failure {
    pub address: Address,
    pub op: Op,
    pub message: String,
}

/// An operation that was not attempted because one it depends on failed.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub address: Address,
    pub op: Op,
    pub because: Address,
}

/// What an apply did.
#[derive(Debug)]
pub struct ApplyReport {
    pub failures: Vec<Failure>,
    pub skipped: Vec<Skipped>,
    /// Set when the run was interrupted; lists the operations never started.
    pub interrupted: Option<Vec<(Address, Op)>>,
    /// Operations still running when a second interrupt stopped the wait: their outcome is
    /// settled by the next run (creates through their pending records, the rest by refresh).
    pub abandoned: Vec<(Address, Op)>,
    /// Operations that completed, as Terraform counts them.
    pub done: Summary,
    /// The state as last written (or as it would have been, if a write failed).
    pub state: State,
    /// Set when a state write failed; the apply stopped there.
    pub persist_error: Option<String>,
    pub state_writes: usize,
}

impl ApplyReport {
    pub fn succeeded(&self) -> bool {
        self.failures.is_empty()
            && self.skipped.is_empty()
            && self.interrupted.is_none()
            && self.persist_error.is_none()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Create,
    Update,
    Delete,
    Read,
}

#[derive(Debug, Clone)]
struct Node {
    address: Address,
    kind: Kind,
    /// For deletes: the deposed key of the object to delete. For creates that replace an object
    /// create-before-destroy: the key the old object is deposed under.
    deposed: Option<String>,
    /// Deletes that remove an object the configuration no longer has.
    orphan: bool,
}

impl Node {
    fn op(&self) -> Op {
        match self.kind {
            Kind::Create => Op::Create,
            Kind::Update => Op::Update,
            Kind::Delete => Op::Delete,
            Kind::Read => Op::Read,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Waiting,
    Running,
    Done,
    Failed,
    Skipped,
}

enum Outcome {
    Created(Result<Attrs, (ProviderError, Result<Vec<Found>, ProviderError>)>),
    Updated(Result<Attrs, ProviderError>),
    Deleted(Result<(), ProviderError>),
    Read(Result<Attrs, ProviderError>),
    /// The creation-time provisioners of a created object ran.
    Provisioned(Result<(), String>),
    /// The operation failed before its call (a destroy-time provisioner).
    Failed(String),
}

type Job = Pin<Box<dyn Future<Output = (NodeIndex, Outcome)> + Send>>;

/// What a launched operation needs when it completes.
struct Launched {
    started: Instant,
    desired: Attrs,
    token: Option<String>,
    provider: ProviderRef,
    /// What is sensitive in the planned object, recorded with it.
    sensitive: Vec<provision_core::value::Path>,
}

fn new_key() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..8].to_string()
}

fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

/// What a provider gets: configurable attributes, nested blocks and `tags_all`, with no marks.
/// An optional attribute the configuration leaves to AWS (unknown in the plan) is passed as null.
fn provider_input(schema: &Schema, after: &Attrs, config: &Attrs) -> Attrs {
    let mut out = Attrs::new();
    for a in &schema.attributes {
        if a.is_configurable() || (schema.taggable && a.name == "tags_all") {
            let mut v = after.get(a.name).map(Value::strip_marks).unwrap_or(Value::Null);
            let unset = config.get(a.name).is_none_or(Value::is_null);
            if a.mode == provision_core::AttrMode::OptionalComputed && unset && v.is_unknown() {
                v = Value::Null;
            }
            out.insert(a.name.to_string(), v);
        }
    }
    for b in &schema.blocks {
        let mut v = after.get(b.name).map(Value::strip_marks).unwrap_or(Value::Null);
        // A block the configuration leaves unmanaged: the provider keeps whatever exists.
        if b.unmanaged_when_absent && config.get(b.name).is_none_or(Value::is_null) && v.is_unknown() {
            v = Value::Null;
        }
        out.insert(b.name.to_string(), v);
    }
    out
}

struct Run<'a> {
    engine: &'a Engine,
    graph: DiGraph<Node, ()>,
    status: Vec<Status>,
    eval: Evaluation,
    state: State,
    /// The state as last made durable (to skip writes that change nothing).
    durable: State,
    /// The objects (address, deposed key) changed since the last write; `None` until the first
    /// write, which compares everything (the run starts from a refreshed state).
    changed: Option<BTreeSet<ObjectKey>>,
    dirty: bool,
    writes: usize,
    report_failures: Vec<Failure>,
    report_skipped: Vec<Skipped>,
    done: Summary,
    launched: BTreeMap<NodeIndex, Launched>,
    data: BTreeMap<Address, Attrs>,
    /// Operations still running when a second interrupt stopped the wait for them.
    abandoned: Vec<(Address, Op)>,
    /// The configuration's values of the arguments that matter at destroy, by object: they
    /// override the recorded ones when it is deleted.
    destroy_args: BTreeMap<Address, Attrs>,
    /// The creation-time provisioners to start, each once its object is recorded tainted.
    followups: Vec<(NodeIndex, Job)>,
    /// Created objects whose provisioners are running: their id and when the create started.
    provisioning: BTreeMap<NodeIndex, (Option<String>, Instant)>,
}

impl Engine {
    /// Applies a plan. Never panics on provider or state failures: everything is in the report.
    pub async fn apply(
        &self,
        run: PlannedRun,
        store: &dyn StateStore,
        cancel: &Cancel,
    ) -> Result<ApplyReport, EngineError> {
        let mode = run.plan.mode;
        let graph = self.operation_graph(&run)?;
        // Before the first pending record and the first AWS write: a saved plan applied later, or
        // by another process, is checked again.
        if graph.node_count() > 0 {
            self.check_providers().await?;
        }
        let destroy_args = run
            .plan
            .changes
            .iter()
            .filter(|c| c.deposed.is_none() && !c.notes.destroy_args.is_empty())
            .map(|c| (c.address.clone(), c.notes.destroy_args.clone()))
            .collect();
        let n = graph.node_count();
        let mut eval = run.eval;
        // `timestamp()`, `uuid()` and `bcrypt()` have values from now on.
        eval.scope.applying = true;
        let mut r = Run {
            engine: self,
            graph,
            status: vec![Status::Waiting; n],
            eval,
            durable: match run.original {
                Some(original) => original,
                None => run.state.clone(),
            },
            state: run.state,
            changed: None,
            dirty: false,
            writes: 0,
            report_failures: vec![],
            report_skipped: vec![],
            // Imported objects are in the refreshed state the run starts from: recorded with it.
            done: Summary { import: run.plan.imports.len(), ..Summary::default() },
            launched: BTreeMap::new(),
            data: run.data,
            abandoned: vec![],
            destroy_args,
            followups: vec![],
            provisioning: BTreeMap::new(),
        };
        // Kept in the order `State::upsert` keeps, so objects are found by binary search.
        r.state.resources.sort_by(|a, b| (&a.address, &a.deposed).cmp(&(&b.address, &b.deposed)));
        let mut interrupted = None;
        let persist_error = match r.walk(store, cancel).await {
            Ok(()) => {
                if cancel.is_cancelled() {
                    let rest: Vec<(Address, Op)> = r
                        .graph
                        .node_indices()
                        .filter(|i| r.status[i.index()] == Status::Waiting)
                        .map(|i| (r.graph[i].address.clone(), r.graph[i].op()))
                        .collect();
                    interrupted = Some(rest);
                }
                r.finish_outputs(mode);
                if mode == PlanMode::Normal {
                    for w in crate::conditions::check_blocks(&self.module, &r.eval.scope, true) {
                        self.reporter.report(Event::Warning(crate::conditions::one_line(&w)));
                    }
                }
                r.commit(store).await.err()
            }
            Err(e) => Some(e),
        };
        Ok(ApplyReport {
            failures: r.report_failures,
            skipped: r.report_skipped,
            interrupted,
            abandoned: r.abandoned,
            done: r.done,
            state: r.state,
            persist_error,
            state_writes: r.writes,
        })
    }

    /// The graph of operations. An edge `a → b` means `a` must finish before `b` starts.
    fn operation_graph(&self, run: &PlannedRun) -> Result<DiGraph<Node, ()>, EngineError> {
        let mut g: DiGraph<Node, ()> = DiGraph::new();
        let add = |g: &mut DiGraph<Node, ()>, node: Node| g.add_node(node);
        let mut cbd: Vec<(NodeIndex, NodeIndex)> = vec![];
        for c in &run.plan.changes {
            let a = c.address.clone();
            match c.action {
                Action::NoOp => {}
                Action::Create => {
                    add(&mut g, Node { address: a, kind: Kind::Create, deposed: None, orphan: false });
                }
                Action::Update => {
                    add(&mut g, Node { address: a, kind: Kind::Update, deposed: None, orphan: false });
                }
                Action::Read => {
                    add(&mut g, Node { address: a, kind: Kind::Read, deposed: None, orphan: false });
                }
                Action::Delete => {
                    let orphan = matches!(c.reason, Some(Reason::NotInConfig | Reason::Deposed));
                    add(&mut g, Node { address: a, kind: Kind::Delete, deposed: c.deposed.clone(), orphan });
                }
                Action::Replace(ReplaceOrder::DestroyBeforeCreate) => {
                    let d = add(&mut g, Node { address: a.clone(), kind: Kind::Delete, deposed: None, orphan: false });
                    let cr = add(&mut g, Node { address: a, kind: Kind::Create, deposed: None, orphan: false });
                    g.add_edge(d, cr, ());
                }
                Action::Replace(ReplaceOrder::CreateBeforeDestroy) => {
                    let key = new_key();
                    let cr = add(
                        &mut g,
                        Node { address: a.clone(), kind: Kind::Create, deposed: Some(key.clone()), orphan: false },
                    );
                    let d = add(&mut g, Node { address: a, kind: Kind::Delete, deposed: Some(key), orphan: false });
                    g.add_edge(cr, d, ());
                    cbd.push((cr, d));
                }
            }
        }
        // Each rule below links nodes through the resource addresses one depends on. Indexed by
        // resource address, every node looks up only the nodes its dependencies name: linear in
        // the nodes and their dependencies, where comparing every pair made a 10,000-object
        // apply spend most of its time here.
        let no_deps = BTreeSet::new();
        let config_deps =
            |a: &Address| -> &BTreeSet<Address> { run.eval.instances.get(a).map_or(&no_deps, |i| &*i.deps) };
        let recorded: BTreeMap<(&Address, Option<&str>), &ResourceObject> =
            run.state.resources.iter().map(|o| ((&o.address, o.deposed.as_deref()), o)).collect();
        let state_deps = |a: &Address, deposed: Option<&str>| -> &[Address] {
            recorded.get(&(a, deposed)).map_or(&[], |o| o.dependencies.as_slice())
        };
        let mut by_resource: BTreeMap<Address, Vec<NodeIndex>> = BTreeMap::new();
        for i in g.node_indices() {
            by_resource.entry(g[i].address.resource()).or_default().push(i);
        }
        let nodes_of = |resource: &Address| by_resource.get(resource).map_or(&[][..], Vec::as_slice);
        let mut edges: BTreeSet<(NodeIndex, NodeIndex)> =
            g.edge_indices().filter_map(|e| g.edge_endpoints(e)).collect();
        let mut new_edges: Vec<(NodeIndex, NodeIndex)> = vec![];
        let mut link = |from: NodeIndex, to: NodeIndex| {
            if edges.insert((from, to)) {
                new_edges.push((from, to));
            }
        };
        let cbd_of: BTreeMap<Address, Vec<(NodeIndex, NodeIndex)>> =
            cbd.iter().fold(BTreeMap::new(), |mut m, &(cr, d)| {
                m.entry(g[cr].address.resource()).or_default().push((cr, d));
                m
            });
        for x in g.node_indices() {
            let nx = &g[x];
            match nx.kind {
                Kind::Create | Kind::Update | Kind::Read => {
                    // What it refers to in the configuration is created or updated first.
                    for dep in config_deps(&nx.address) {
                        for &y in nodes_of(dep) {
                            let ny = &g[y];
                            if y != x
                                && matches!(ny.kind, Kind::Create | Kind::Update | Kind::Read)
                                && !ny.address.same_resource(&nx.address)
                            {
                                link(y, x);
                            }
                        }
                    }
                    if matches!(nx.kind, Kind::Create | Kind::Update) {
                        // An object that is going away outlives the updates that stop using it.
                        for dep in state_deps(&nx.address, None) {
                            for &y in nodes_of(&dep.resource()) {
                                let ny = &g[y];
                                if ny.kind == Kind::Delete && ny.orphan && !ny.address.same_resource(&nx.address) {
                                    link(x, y);
                                }
                            }
                        }
                        // create_before_destroy: dependents move to the new object before the
                        // old one goes.
                        for dep in config_deps(&nx.address) {
                            for &(cr, d) in cbd_of.get(dep).map_or(&[][..], Vec::as_slice) {
                                if x != cr {
                                    link(x, d);
                                }
                            }
                        }
                    }
                }
                Kind::Delete => {
                    // Dependents are deleted first: what this one depends on waits for it.
                    let deps: BTreeSet<Address> = state_deps(&nx.address, nx.deposed.as_deref())
                        .iter()
                        .map(Address::resource)
                        .chain(config_deps(&nx.address).iter().cloned())
                        .collect();
                    for dep in &deps {
                        for &y in nodes_of(dep) {
                            let ny = &g[y];
                            if y != x && ny.kind == Kind::Delete && !ny.address.same_resource(&nx.address) {
                                link(x, y);
                            }
                        }
                    }
                }
            }
        }
        for (a, b) in new_edges {
            g.add_edge(a, b, ());
        }
        if let Err(cycle) = petgraph::algo::toposort(&g, None) {
            let n = &g[cycle.node_id()];
            return Err(EngineError::Ordering(format!(
                "the planned operations cannot be ordered: {} of {} takes part in a cycle (often caused by mixing create_before_destroy with resources that do not set it; set it on the dependencies too)",
                n.op().progressive().to_lowercase(),
                n.address
            )));
        }
        Ok(g)
    }
}

impl Run<'_> {
    async fn walk(&mut self, store: &dyn StateStore, cancel: &Cancel) -> Result<(), String> {
        let parallelism = self.engine.options.parallelism.max(1);
        let mut ready: VecDeque<NodeIndex> = {
            let mut roots: Vec<NodeIndex> = self
                .graph
                .node_indices()
                .filter(|&i| self.graph.neighbors_directed(i, Direction::Incoming).next().is_none())
                .collect();
            roots.sort_by_key(|a| self.order_key(*a));
            roots.into()
        };
        let mut running: FuturesUnordered<Job> = FuturesUnordered::new();
        let mut interrupting = false;
        let mut persist_error: Option<String> = None;
        loop {
            if cancel.is_cancelled() && !interrupting {
                interrupting = true;
                self.engine.reporter.report(Event::Interrupting);
            }
            let mut jobs: Vec<(NodeIndex, Job)> = vec![];
            while !interrupting && persist_error.is_none() && running.len() + jobs.len() < parallelism {
                let Some(i) = ready.pop_front() else { break };
                match self.prepare(i) {
                    Ok(Some(job)) => jobs.push((i, job)),
                    Ok(None) => {
                        self.status[i.index()] = Status::Done;
                        self.release(i, &mut ready);
                    }
                    Err(message) => self.fail(i, message),
                }
            }
            // Provisioners start once their object is recorded (tainted) by the write below, which
            // precedes every start; an interrupted run does not start them, and the object stays
            // tainted.
            for (i, job) in std::mem::take(&mut self.followups) {
                if interrupting {
                    let address = self.graph[i].address.clone();
                    self.fail(
                        i,
                        format!("its provisioners were not run: the apply was interrupted; {address} is tainted and the next apply replaces it"),
                    );
                } else {
                    jobs.push((i, job));
                }
            }
            // Pending records must be durable before their creates start; one write covers all,
            // and the completions recorded since the last write.
            if self.dirty
                && persist_error.is_none()
                && let Err(e) = self.commit(store).await
            {
                // Nothing more starts; what is running finishes and is recorded if possible.
                for (i, _) in jobs.drain(..) {
                    let address = self.graph[i].address.clone();
                    self.state.pending.retain(|p| p.address != address);
                    self.fail(i, format!("not started: the state could not be written ({e})"));
                }
                persist_error = Some(e);
            }
            for (_, job) in jobs {
                running.push(job);
            }
            if running.is_empty() {
                if ready.is_empty() || interrupting || persist_error.is_some() {
                    return match persist_error {
                        Some(e) => Err(e),
                        None => Ok(()),
                    };
                }
                continue;
            }
            let first = tokio::select! {
                r = running.next() => r,
                _ = cancel.cancelled(), if !interrupting => continue,
                _ = cancel.abandoned() => {
                    // Stop waiting: dropping the futures abandons the calls. A create's pending
                    // record is durable, so the next run adopts whatever it made.
                    let abandoned: Vec<(Address, Op)> = self
                        .graph
                        .node_indices()
                        .filter(|i| self.status[i.index()] == Status::Running)
                        .map(|i| (self.graph[i].address.clone(), self.graph[i].op()))
                        .collect();
                    self.engine.reporter.report(Event::Abandoning { running: abandoned.clone() });
                    self.abandoned = abandoned;
                    drop(running);
                    return match persist_error {
                        Some(e) => Err(e),
                        None => Ok(()),
                    };
                }
            };
            // Group commit: what finishes within the window shares one state write.
            let mut finished: Vec<(NodeIndex, Outcome)> = first.into_iter().collect();
            let deadline = tokio::time::Instant::now() + self.engine.options.commit_window;
            loop {
                while let Some(Some(more)) = running.next().now_or_never() {
                    finished.push(more);
                }
                if running.is_empty() || self.engine.options.commit_window.is_zero() {
                    break;
                }
                match tokio::time::timeout_at(deadline, running.next()).await {
                    Ok(Some(more)) => finished.push(more),
                    _ => break,
                }
            }
            // Recorded by the next write, at the top of the loop: the one that makes the pending
            // records of the operations these completions release durable, so that a wave of
            // completions and the creates it starts cost one write, not two. Until then a
            // finished create is still covered by its durable pending record (the next run adopts
            // the object by its identity tags), and a finished update or delete by the refresh.
            for (i, outcome) in finished {
                self.complete(i, outcome, &mut ready);
            }
        }
    }

    /// Deterministic order among ready operations: deletes first, then by address.
    fn order_key(&self, i: NodeIndex) -> (u8, Address) {
        let n = &self.graph[i];
        (if n.kind == Kind::Delete { 0 } else { 1 }, n.address.clone())
    }

    /// Makes a node's dependents ready when all their dependencies are done.
    fn release(&mut self, i: NodeIndex, ready: &mut VecDeque<NodeIndex>) {
        let mut next: Vec<NodeIndex> = self.graph.neighbors_directed(i, Direction::Outgoing).collect();
        next.sort_by_key(|a| self.order_key(*a));
        next.dedup();
        for d in next {
            if self.status[d.index()] != Status::Waiting || ready.contains(&d) {
                continue;
            }
            let all_done =
                self.graph.neighbors_directed(d, Direction::Incoming).all(|p| self.status[p.index()] == Status::Done);
            if all_done {
                ready.push_back(d);
            }
        }
    }

    fn fail(&mut self, i: NodeIndex, message: String) {
        // AWS may quote an argument back in its message: no sensitive value in scope is shown.
        let message = provision_core::value::redact_text(&message, &self.eval.scope.secrets());
        self.status[i.index()] = Status::Failed;
        let node = self.graph[i].clone();
        self.engine.reporter.report(Event::OpFailed {
            address: node.address.clone(),
            op: node.op(),
            message: message.clone(),
        });
        self.report_failures.push(Failure { address: node.address.clone(), op: node.op(), message });
        // Everything downstream is skipped.
        let mut stack: Vec<NodeIndex> = self.graph.neighbors_directed(i, Direction::Outgoing).collect();
        while let Some(d) = stack.pop() {
            if self.status[d.index()] != Status::Waiting {
                continue;
            }
            self.status[d.index()] = Status::Skipped;
            let dn = &self.graph[d];
            self.engine.reporter.report(Event::OpSkipped {
                address: dn.address.clone(),
                op: dn.op(),
                because: node.address.clone(),
            });
            self.report_skipped.push(Skipped {
                address: dn.address.clone(),
                op: dn.op(),
                because: node.address.clone(),
            });
            stack.extend(self.graph.neighbors_directed(d, Direction::Outgoing));
        }
    }

    /// Evaluates the instance's configuration with everything applied so far.
    fn instance_config(&mut self, address: &Address) -> Result<Attrs, Diagnostics> {
        let module = self.engine.module.clone();
        let Some(block) = module.resource(address) else {
            return Err(
                provision_core::Diagnostic::error(format!("{address} is no longer in the configuration")).into()
            );
        };
        for n in self.engine.graph.local_deps(&ObjectId::Resource(block.address.clone())) {
            if let Some(l) = module.locals.get(&n) {
                let v = provision_config::eval_local(l, &self.eval.scope).map_err(Diagnostics::from)?;
                self.eval.scope.locals.insert(n, v);
            }
        }
        let mut ctx = self.eval.instances.get(address).map(|i| i.ctx.clone()).unwrap_or_default();
        // `each.value` was only partly known when planning (the keys were): now what it is built
        // from exists, evaluate it again.
        if let (Some(fe), Some((key, value))) = (&block.for_each, &ctx.each)
            && !value.is_wholly_known()
            && let Value::Map(mut now) =
                eval(fe, &self.eval.scope, &InstanceCtx::default()).map_err(Diagnostics::from)?
            && let Some(v) = key.as_str().and_then(|k| now.remove(k))
        {
            ctx.each = Some((key.clone(), v));
        }
        eval_body(&block.body, &block.schema, &self.eval.scope, &ctx)
    }

    fn diag_message(d: &Diagnostics) -> String {
        d.errors()
            .map(|e| match e.labels.first() {
                Some(l) => format!("{}: {}", e.summary, l.message),
                None => e.summary.clone(),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Gets a node ready to run: evaluates, journals, and returns the operation to await. `None`
    /// means there turned out to be nothing to do.
    fn prepare(&mut self, i: NodeIndex) -> Result<Option<Job>, String> {
        let node = self.graph[i].clone();
        let engine = self.engine;
        let address = node.address.clone();
        let mode = address.mode;
        let op = node.op();
        match node.kind {
            Kind::Create | Kind::Update => {
                let block = engine.module.resource(&address).ok_or("not in the configuration")?.clone();
                let rt = engine.resource_type(&block.provider, &address.type_name)?;
                let config = self.instance_config(&address).map_err(|d| Self::diag_message(&d))?;
                // Preconditions the plan could not decide are decided now, before any call.
                let ctx = self.eval.instances.get(&address).map(|i| i.ctx.clone()).unwrap_or_default();
                let failed = crate::conditions::precondition_failures(&block, &address, &self.eval.scope, &ctx);
                if let Some(m) = crate::conditions::failure_message(&failed) {
                    return Err(m);
                }
                let prior_object = if node.kind == Kind::Update { self.state.current(&address).cloned() } else { None };
                let prior = prior_object.as_ref().map(|o| o.attributes.clone());
                let unfinished = prior_object.as_ref().is_some_and(|o| o.unfinished);
                let planned = crate::diff::plan_instance(
                    rt.schema(),
                    &config,
                    prior.as_ref(),
                    &block.lifecycle,
                    engine.default_tags(&block.provider),
                );
                if node.kind == Kind::Update {
                    match planned.action {
                        Action::NoOp if !unfinished => return Ok(None),
                        Action::Replace(_) => {
                            return Err(format!(
                                "{} became known only now and its new value requires replacing the object, which the plan did not include; run plan again",
                                planned.replace_paths.join(", ")
                            ));
                        }
                        _ => {}
                    }
                }
                let desired = if unfinished {
                    // Finishing a create: what the create itself was given, not the prior object's
                    // values for what the configuration leaves unset.
                    let fresh = crate::diff::plan_instance(
                        rt.schema(),
                        &config,
                        None,
                        &block.lifecycle,
                        engine.default_tags(&block.provider),
                    );
                    provider_input(rt.schema(), &fresh.after, &config)
                } else {
                    provider_input(rt.schema(), &planned.after, &config)
                };
                if let Some((k, _)) = desired.iter().find(|(_, v)| !v.is_wholly_known()) {
                    return Err(format!(
                        "`{k}` is still unknown when it should have been known; this is a bug in provision"
                    ));
                }
                // Arguments that were unknown at plan time are known now: check them together again,
                // as written (not with what AWS chose for the unset ones: a name generated from
                // `name_prefix` is not a `name` the configuration sets).
                if let Some(check) = block.schema.check {
                    let written: Attrs = config.iter().map(|(k, v)| (k.clone(), v.strip_marks())).collect();
                    check(&written).map_err(|m| format!("invalid arguments: {m}"))?;
                }
                let timeouts = provision_config::eval_timeouts(&block.timeouts, &self.eval.scope, &ctx)
                    .map_err(|d| Self::diag_message(&d))?
                    .over(block.schema.timeouts);
                let identity = Identity { stack: self.state.lineage.clone(), address: address.clone() };
                self.launched.insert(
                    i,
                    Launched {
                        started: Instant::now(),
                        desired: desired.clone(),
                        token: None,
                        provider: block.provider.clone(),
                        sensitive: provision_core::value::sensitive_paths(&planned.after),
                    },
                );
                self.status[i.index()] = Status::Running;
                engine.reporter.report(Event::OpStarted { address: address.clone(), op });
                let (heartbeat, reporter) = (engine.options.heartbeat, engine.reporter.clone());
                if node.kind == Kind::Update {
                    let id = prior_object.map(|o| o.id).ok_or("the object is no longer in state")?;
                    let prior = prior.unwrap_or_default();
                    let watch = Watch::new(address.clone(), op, reporter, heartbeat, timeouts.update);
                    let ctx = watch.context(identity, uuid::Uuid::new_v4().to_string());
                    return Ok(Some(Box::pin(async move {
                        let r = watch
                            .run(ctx.deadline, async {
                                if unfinished {
                                    rt.finish_create(&ctx, &id, &desired).await
                                } else {
                                    rt.update(&ctx, &id, &prior, &desired).await
                                }
                            })
                            .await;
                        (i, Outcome::Updated(r))
                    })));
                }
                // Journal: depose the old object (create-before-destroy), record the pending create.
                if let Some(key) = &node.deposed
                    && let Some(old) = self.state.current_mut(&address)
                {
                    old.deposed = Some(key.clone());
                    // Moved from one key to the other: both are changed.
                    self.touch(&address, None);
                    self.touch(&address, Some(key.clone()));
                    self.state.resources.sort_by(|a, b| (&a.address, &a.deposed).cmp(&(&b.address, &b.deposed)));
                }
                let token = uuid::Uuid::new_v4().to_string();
                let watch = Watch::new(address.clone(), op, reporter, heartbeat, timeouts.create);
                let ctx = watch.context(identity, token.clone());
                let deps: Vec<Address> =
                    self.eval.instances.get(&address).map(|x| x.deps.iter().cloned().collect()).unwrap_or_default();
                let natural_key = match rt.identity() {
                    provision_core::IdentityStrategy::Name => rt.natural_key(&ctx, &desired),
                    _ => None,
                };
                self.state.pending.retain(|p| p.address != address);
                self.state.pending.push(PendingCreate {
                    address: address.clone(),
                    token: token.clone(),
                    started_at: now_rfc3339(),
                    dependencies: deps,
                    provider: block.provider.clone(),
                    natural_key: natural_key.clone(),
                    desired: desired.clone(),
                    layer: engine.layer_of(&address),
                });
                self.dirty = true;
                if let Some(l) = self.launched.get_mut(&i) {
                    l.token = Some(token);
                }
                let query =
                    provision_core::FindQuery { identity: ctx.identity.clone(), natural_key, desired: desired.clone() };
                Ok(Some(Box::pin(async move {
                    let r = match watch.run(ctx.deadline, rt.create(&ctx, &desired)).await {
                        Ok(a) => Ok(a),
                        Err(e) => {
                            let found = rt.find(&query).await;
                            Err((e, found))
                        }
                    };
                    (i, Outcome::Created(r))
                })))
            }
            Kind::Delete => {
                let obj =
                    self.state.index(&address, node.deposed.as_deref()).map(|at| self.state.resources[at].clone());
                let Some(mut obj) = obj else { return Ok(None) };
                if let Some(args) = self.destroy_args.get(&address) {
                    obj.attributes.extend(args.clone());
                }
                let rt = engine.resource_type(&obj.provider, &address.type_name)?;
                // A timeout written as an expression that cannot be evaluated now (the resource
                // left the configuration's values behind) keeps the type's default.
                let ctx = self.eval.instances.get(&address).map(|i| i.ctx.clone()).unwrap_or_default();
                let timeout = engine
                    .module
                    .resource(&address)
                    .map(|b| {
                        provision_config::eval_timeouts(&b.timeouts, &self.eval.scope, &ctx)
                            .unwrap_or_else(|_| b.timeouts.clone())
                            .over(rt.schema().timeouts)
                            .delete
                    })
                    .unwrap_or(rt.schema().timeouts.delete);
                self.launched.insert(
                    i,
                    Launched {
                        started: Instant::now(),
                        desired: Attrs::new(),
                        token: None,
                        provider: obj.provider.clone(),
                        sensitive: vec![],
                    },
                );
                self.status[i.index()] = Status::Running;
                engine.reporter.report(Event::OpStarted { address: address.clone(), op });
                // Destroy-time provisioners, while the resource is still configured (as in
                // Terraform): evaluated now, run before the delete, which a failure stops.
                let runs = match engine.module.resource(&address) {
                    Some(block) if crate::provisioners::any(block, true) => {
                        let ctx = match self.eval.instances.get(&address) {
                            Some(x) => x.ctx.clone(),
                            None => provision_config::InstanceCtx {
                                count_index: match &address.key {
                                    Some(provision_core::InstanceKey::Index(n)) => Some(*n),
                                    _ => None,
                                },
                                each: match &address.key {
                                    Some(provision_core::InstanceKey::Key(k)) => {
                                        Some((Value::String(k.clone()), Value::Unknown))
                                    }
                                    _ => None,
                                },
                                unknown: false,
                            },
                        };
                        crate::provisioners::prepare(block, &address, true, &self.eval.scope, &ctx, &obj.attributes)?
                    }
                    _ => vec![],
                };
                let watch = Watch::new(address.clone(), op, engine.reporter.clone(), engine.options.heartbeat, timeout);
                let identity = Identity { stack: self.state.lineage.clone(), address: address.clone() };
                let ctx = watch.context(identity, uuid::Uuid::new_v4().to_string());
                let reporter = engine.reporter.clone();
                Ok(Some(Box::pin(async move {
                    if let Err(m) = crate::provisioners::run_all(&address, &runs, &reporter).await {
                        return (i, Outcome::Failed(format!("{m}; the object was not deleted")));
                    }
                    let r = watch.run(ctx.deadline, rt.delete(&ctx, &obj.id, &obj.attributes)).await;
                    (i, Outcome::Deleted(r))
                })))
            }
            Kind::Read => {
                debug_assert_eq!(mode, Mode::Data);
                let provider = engine.provider_of(&address);
                let ds =
                    engine.provider_for(&provider)?.data_source(&address.type_name).ok_or("unknown data source")?;
                let args = self.instance_config(&address).map_err(|d| Self::diag_message(&d))?;
                if let Some((k, _)) = args.iter().find(|(_, v)| !v.is_wholly_known()) {
                    return Err(format!("`{k}` is still unknown; this is a bug in provision"));
                }
                let args: Attrs = args.into_iter().map(|(k, v)| (k, v.strip_marks())).collect();
                self.launched.insert(
                    i,
                    Launched {
                        started: Instant::now(),
                        desired: Attrs::new(),
                        token: None,
                        provider,
                        sensitive: vec![],
                    },
                );
                self.status[i.index()] = Status::Running;
                engine.reporter.report(Event::OpStarted { address: address.clone(), op });
                Ok(Some(Box::pin(async move {
                    let r = ds.read(&args).await;
                    (i, Outcome::Read(r))
                })))
            }
        }
    }

    /// Records a finished operation in state and releases its dependents.
    fn complete(&mut self, i: NodeIndex, outcome: Outcome, ready: &mut VecDeque<NodeIndex>) {
        let outcome = match outcome {
            Outcome::Provisioned(r) => return self.provisioned(i, r, ready),
            Outcome::Failed(message) => {
                self.launched.remove(&i);
                self.dirty = true;
                return self.fail(i, message);
            }
            other => other,
        };
        let node = self.graph[i].clone();
        let launched = self.launched.remove(&i);
        let started = launched.as_ref().map_or_else(Instant::now, |l| l.started);
        let elapsed = launched.as_ref().map(|l| l.started.elapsed()).unwrap_or_default();
        let desired = launched.as_ref().map(|l| l.desired.clone()).unwrap_or_default();
        let sensitive = launched.as_ref().map(|l| l.sensitive.clone()).unwrap_or_default();
        let address = node.address.clone();
        let provider =
            launched.as_ref().map(|l| l.provider.clone()).unwrap_or_else(|| self.engine.provider_of(&address));
        let schema = self.engine.resource_type(&provider, &address.type_name).map(|rt| rt.schema().clone()).ok();
        let deps: Vec<Address> =
            self.eval.instances.get(&address).map(|x| x.deps.iter().cloned().collect()).unwrap_or_default();
        // What the create, update or read made, for the postconditions.
        let made = match &outcome {
            Outcome::Created(Ok(a)) | Outcome::Updated(Ok(a)) | Outcome::Read(Ok(a)) => Some(a.clone()),
            _ => None,
        };
        let result: Result<Option<String>, String> = match outcome {
            Outcome::Created(Ok(attrs)) => {
                let schema = schema.unwrap_or_default();
                let attrs = self.engine.normalize_read(&schema, attrs, &desired, &provider);
                match attrs.get("id").and_then(Value::as_str).filter(|id| !id.is_empty()) {
                    None => {
                        // Never record an object nobody can find again; the pending record stays,
                        // so the next run looks for it.
                        Err(format!(
                            "the provider reported success but returned no id for {address}; this is a bug in provision. The pending record is kept, so the next run looks for the object"
                        ))
                    }
                    Some(id) => {
                        let id = id.to_string();
                        self.state.pending.retain(|p| p.address != address);
                        self.touch(&address, None);
                        self.state.upsert(ResourceObject {
                            address: address.clone(),
                            deposed: None,
                            id: id.clone(),
                            layer: self.engine.layer_of(&address),
                            provider: provider.clone(),
                            attributes: attrs.clone(),
                            sensitive_attributes: sensitive,
                            dependencies: deps,
                            unfinished: false,
                            tainted: false,
                        });
                        self.eval.set(&address, Value::Map(attrs));
                        self.done.add += 1;
                        Ok(Some(id))
                    }
                }
            }
            Outcome::Created(Err((e, found))) => {
                let schema = schema.unwrap_or_default();
                let tracked: BTreeSet<String> = self.state.resources.iter().map(|o| o.id.clone()).collect();
                let message = match found {
                    Ok(objs) => {
                        let (mut ours, others) = crate::recover::sort_found(objs, &tracked);
                        self.state.pending.retain(|p| p.address != address);
                        if ours.is_empty() {
                            match others.first() {
                                Some(other) => format!("{} ({other})", e.message),
                                None => e.message.clone(),
                            }
                        } else {
                            let attrs = self.engine.normalize_read(&schema, ours.remove(0), &desired, &provider);
                            let id = attrs.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
                            self.touch(&address, None);
                            self.state.upsert(ResourceObject {
                                address: address.clone(),
                                deposed: None,
                                id: id.clone(),
                                layer: self.engine.layer_of(&address),
                                provider: provider.clone(),
                                attributes: attrs,
                                sensitive_attributes: sensitive,
                                dependencies: deps,
                                unfinished: schema.multi_step_create,
                                tainted: false,
                            });
                            format!(
                                "{} (the object was created as {id} and is recorded in state; the next plan shows what is left to do)",
                                e.message
                            )
                        }
                    }
                    Err(fe) => format!(
                        "{}; looking for a partly created object also failed ({}), so the pending record stays and the next run resolves it",
                        e.message, fe.message
                    ),
                };
                Err(with_code(message, &e))
            }
            Outcome::Updated(Ok(attrs)) => {
                let schema = schema.unwrap_or_default();
                let attrs = self.engine.normalize_read(&schema, attrs, &desired, &provider);
                self.touch(&address, None);
                let id = match self.state.current_mut(&address) {
                    Some(o) => {
                        o.unfinished = false;
                        // Some in-place changes give the object a new id (a replaced association).
                        if let Some(new) = attrs.get("id").and_then(Value::as_str).filter(|s| !s.is_empty()) {
                            o.id = new.to_string();
                        }
                        o.attributes = attrs.clone();
                        o.sensitive_attributes = sensitive;
                        o.dependencies = deps;
                        o.id.clone()
                    }
                    None => String::new(),
                };
                self.eval.set(&address, Value::Map(attrs));
                self.done.change += 1;
                Ok(Some(id))
            }
            Outcome::Updated(Err(e)) => Err(with_code(e.message.clone(), &e)),
            Outcome::Deleted(r) => match r {
                Ok(()) => {
                    self.state.remove(&address, node.deposed.as_deref());
                    self.touch(&address, node.deposed.clone());
                    self.done.destroy += 1;
                    Ok(None)
                }
                Err(e) if e.is_not_found() => {
                    self.state.remove(&address, node.deposed.as_deref());
                    self.touch(&address, node.deposed.clone());
                    self.done.destroy += 1;
                    Ok(None)
                }
                Err(e) => Err(with_code(e.message.clone(), &e)),
            },
            Outcome::Read(Ok(attrs)) => {
                self.data.insert(address.clone(), attrs.clone());
                self.eval.set(&address, Value::Map(attrs));
                Ok(None)
            }
            Outcome::Read(Err(e)) => Err(with_code(e.message.clone(), &e)),
            // Handled before anything else, at the top.
            Outcome::Provisioned(Err(m)) | Outcome::Failed(m) => Err(m),
            Outcome::Provisioned(Ok(())) => Ok(None),
        };
        let result = match (result, made) {
            (Ok(id), Some(_)) => match self.postcondition_failure(&address) {
                Some(m) if node.kind == Kind::Read => Err(m),
                Some(m) => Err(format!("{m} (the object is recorded in state as it is)")),
                None => Ok(id),
            },
            (result, _) => result,
        };
        self.dirty = true;
        match result {
            Ok(id) if node.kind == Kind::Create => match self.start_provisioners(i, &address) {
                Ok(true) => {
                    self.provisioning.insert(i, (id, started));
                }
                Ok(false) => {
                    self.status[i.index()] = Status::Done;
                    self.engine.reporter.report(Event::OpFinished { address, op: node.op(), id, elapsed });
                    self.release(i, ready);
                }
                Err(message) => {
                    self.touch(&address, None);
                    if let Some(o) = self.state.current_mut(&address) {
                        o.tainted = true;
                    }
                    self.fail(i, format!("{message}; {address} is tainted: the next apply replaces it"));
                }
            },
            Ok(id) => {
                self.status[i.index()] = Status::Done;
                self.engine.reporter.report(Event::OpFinished { address, op: node.op(), id, elapsed });
                self.release(i, ready);
            }
            Err(message) => self.fail(i, message),
        }
    }

    /// Records the created object tainted and queues its creation-time provisioners, if it has
    /// any (`Ok(false)` when it has none). They start after the next state write, so a crash
    /// while they run leaves the object tainted, as Terraform leaves it.
    fn start_provisioners(&mut self, i: NodeIndex, address: &Address) -> Result<bool, String> {
        let module = self.engine.module.clone();
        let Some(block) = module.resource(address).filter(|b| crate::provisioners::any(b, false)) else {
            return Ok(false);
        };
        let this = self.state.current(address).map(|o| o.attributes.clone()).unwrap_or_default();
        let ctx = self.eval.instances.get(address).map(|x| x.ctx.clone()).unwrap_or_default();
        let runs = crate::provisioners::prepare(block, address, false, &self.eval.scope, &ctx, &this)?;
        self.touch(address, None);
        if let Some(o) = self.state.current_mut(address) {
            o.tainted = true;
        }
        self.dirty = true;
        let reporter = self.engine.reporter.clone();
        let address = address.clone();
        self.followups.push((
            i,
            Box::pin(async move {
                let r = crate::provisioners::run_all(&address, &runs, &reporter).await;
                (i, Outcome::Provisioned(r))
            }),
        ));
        Ok(true)
    }

    /// The creation-time provisioners of a created object finished: untainted and done, or
    /// failed with the object left tainted.
    fn provisioned(&mut self, i: NodeIndex, r: Result<(), String>, ready: &mut VecDeque<NodeIndex>) {
        let (id, started) = self.provisioning.remove(&i).unwrap_or((None, Instant::now()));
        let node = self.graph[i].clone();
        let address = node.address.clone();
        self.dirty = true;
        match r {
            Ok(()) => {
                self.touch(&address, None);
                if let Some(o) = self.state.current_mut(&address) {
                    o.tainted = false;
                }
                self.status[i.index()] = Status::Done;
                let elapsed = started.elapsed();
                self.engine.reporter.report(Event::OpFinished { address, op: node.op(), id, elapsed });
                self.release(i, ready);
            }
            Err(message) => self.fail(i, format!("{message}; {address} is tainted: the next apply replaces it")),
        }
    }

    /// The failed postconditions of `address`, checked against the object it now is.
    fn postcondition_failure(&self, address: &Address) -> Option<String> {
        let module = self.engine.module.clone();
        let block = module.resource(address)?;
        if block.lifecycle.postconditions.is_empty() {
            return None;
        }
        let Some(Value::Map(this)) = self.eval.value(address) else {
            return None;
        };
        let ctx = self.eval.instances.get(address).map(|i| i.ctx.clone()).unwrap_or_default();
        let failed = crate::conditions::postcondition_failures(block, address, &self.eval.scope, &ctx, this);
        crate::conditions::failure_message(&failed)
    }

    /// Evaluates the outputs with everything applied (destroy clears them).
    fn finish_outputs(&mut self, mode: PlanMode) {
        if mode == PlanMode::Destroy {
            // Outputs that refer to a resource with no object left go; the rest (a layer's
            // destroy, or a destroy that stopped early) stay.
            let graph = &self.engine.graph;
            let resources = &self.state.resources;
            self.state.outputs.retain(|name, _| {
                graph
                    .resource_deps(&ObjectId::Output(name.clone()))
                    .iter()
                    .filter(|d| d.mode == provision_core::Mode::Managed)
                    .all(|d| resources.iter().any(|o| o.address.resource() == *d))
            });
            if resources.is_empty() {
                self.state.outputs.clear();
            }
            return;
        }
        let module = self.engine.module.clone();
        for o in &self.engine.graph.order {
            if let ObjectId::Local(n) = o
                && let Some(l) = module.locals.get(n)
            {
                let v = provision_config::eval_local(l, &self.eval.scope).unwrap_or(Value::Unknown);
                self.eval.scope.locals.insert(n.clone(), v);
            }
        }
        let mut outputs = BTreeMap::new();
        for (name, o) in &module.outputs {
            let inst = InstanceCtx::default();
            let failed = o.preconditions.iter().find_map(|c| {
                match provision_config::check_condition(c, &self.eval.scope, &inst, None) {
                    Ok(provision_config::Verdict::Failed(m)) => Some(m),
                    Err(d) => Some(d.summary),
                    Ok(_) => None,
                }
            });
            if let Some(m) = failed {
                // The plan checked what it could; what only the apply could decide keeps the
                // output as it was.
                self.engine.reporter.report(Event::Warning(format!(
                    "Output precondition failed: {m} (output \"{name}\" keeps its previous value)"
                )));
                if let Some(old) = self.state.outputs.get(name) {
                    outputs.insert(name.clone(), old.clone());
                }
                continue;
            }
            match eval(&o.value, &self.eval.scope, &InstanceCtx::default()) {
                Ok(v) if v.is_wholly_known() => {
                    outputs.insert(
                        name.clone(),
                        OutputValue { value: v.to_json(), sensitive: o.sensitive || v.contains_sensitive() },
                    );
                }
                _ => {
                    if let Some(old) = self.state.outputs.get(name) {
                        outputs.insert(name.clone(), old.clone());
                    }
                }
            }
        }
        self.state.outputs = outputs;
    }

    /// Marks an object as changed since the last write.
    fn touch(&mut self, address: &Address, deposed: Option<String>) {
        if let Some(changed) = &mut self.changed {
            changed.insert((address.clone(), deposed));
        }
    }

    /// Writes the state if its content changed since it was last read or written. After the first
    /// write only the objects marked changed are compared, copied and handed to the store as such:
    /// a write costs what changed, not the whole state.
    async fn commit(&mut self, store: &dyn StateStore) -> Result<(), String> {
        self.dirty = false;
        let object = |s: &'_ State, (a, d): &ObjectKey| s.index(a, d.as_deref()).map(|i| s.resources[i].clone());
        let objects_same = match &self.changed {
            None => self.state.resources == self.durable.resources,
            Some(changed) => changed.iter().all(|k| {
                let (ours, durable) = (
                    self.state.index(&k.0, k.1.as_deref()).map(|i| &self.state.resources[i]),
                    self.durable.index(&k.0, k.1.as_deref()).map(|i| &self.durable.resources[i]),
                );
                ours == durable
            }),
        };
        let same = objects_same
            && self.state.pending == self.durable.pending
            && self.state.outputs == self.durable.outputs
            && self.state.lineage == self.durable.lineage;
        if same {
            if let Some(changed) = &mut self.changed {
                changed.clear();
            }
            return Ok(());
        }
        self.state.serial = self
            .durable
            .serial
            .checked_add(1)
            .ok_or_else(|| format!("the state's serial is {}: it cannot be increased", self.durable.serial))?;
        self.state.provision_version = env!("CARGO_PKG_VERSION").to_string();
        match &self.changed {
            None => store.persist(&self.state).await,
            Some(changed) => store.persist_changed(&self.state, changed).await,
        }
        .map_err(|e| e.0)?;
        self.writes += 1;
        match self.changed.take() {
            None => self.durable = self.state.clone(),
            Some(changed) => {
                for k in &changed {
                    match object(&self.state, k) {
                        Some(o) => self.durable.upsert(o),
                        None => {
                            self.durable.remove(&k.0, k.1.as_deref());
                        }
                    }
                }
                self.durable.pending.clone_from(&self.state.pending);
                self.durable.outputs.clone_from(&self.state.outputs);
                self.durable.serial = self.state.serial;
                self.durable.provision_version.clone_from(&self.state.provision_version);
            }
        }
        self.changed = Some(BTreeSet::new());
        Ok(())
    }
}

fn with_code(message: String, e: &ProviderError) -> String {
    match &e.code {
        Some(c) if !message.contains(c.as_str()) => format!("{message} (AWS error {c})"),
        _ => message,
    }
}
