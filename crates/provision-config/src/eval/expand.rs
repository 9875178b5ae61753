//! The instances of module calls with `count` or `for_each`. The loader folds such a call in once,
//! with its instances unknown (see [`CallExpansion`]); here, once the root module's variables are
//! known, each call's `count` or `for_each` is evaluated from variables, locals and literals and
//! the call's objects are copied once per key (`module.app["web"].aws_lb.this`), outermost calls
//! first so that a nested call's keys may come from its instance's inputs.
//!
//! Not supported yet: keys that come from resources or data sources. Instances are decided here,
//! before anything is planned, so such a call is refused with Terraform's error for unknown keys
//! (naming the call, and saying that provision refuses it even where Terraform would know the
//! keys at plan time).

use super::{InstanceCtx, Scope, eval, eval_local};
use crate::tree::{
    BodyExprs, CallExpansion, Condition, Expr, Local, LocalKind, Module, ModuleCtx, MoveTarget, ObjectId, ResourceBlock,
};
use provision_core::{Address, Diagnostic, Diagnostics, InstanceKey, ModuleStep, Span, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

/// What to do with a call whose keys are not known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKeys {
    /// Every call's keys must be known (`plan`, `apply`): unknown keys are an error.
    Required,
    /// Calls whose keys are known are expanded; the others stay once, with unknown instances
    /// (`graph`).
    WhenKnown,
    /// Nothing is expanded: every call is checked once, with its keys unknown (`validate`, as
    /// Terraform's `validate` does).
    Unknown,
}

/// At most this many instances of one module call: more is almost certainly a mistake.
const MAX_INSTANCES: usize = 1000;

/// Makes the instances of every module call with `count` or `for_each` (see the module
/// documentation). `variables` are the root module's resolved variables. Returns the errors (a
/// call whose keys cannot be decided, a `count` or `for_each` of the wrong kind); the module is
/// then left with those calls unexpanded.
pub fn expand_module_calls(
    module: &mut Module,
    variables: &BTreeMap<String, Value>,
    workspace: &str,
    keys: CallKeys,
) -> Diagnostics {
    let mut diags = Diagnostics::default();
    if keys == CallKeys::Unknown {
        // Nothing is expanded, but a value that can never be a `count` or `for_each` (a list, a
        // negative number) is an error already.
        for e in &module.expansions {
            if let Err(Problem::Invalid(d)) = Known::new(module, variables, workspace).instances(e) {
                push_once(&mut diags, with_chain(d, e, &module.sources));
            }
        }
        return diags;
    }
    if module.expansions.is_empty() {
        return diags;
    }
    let mut pending = std::mem::take(&mut module.expansions);
    pending.sort_by_key(|e| e.steps.len());
    let mut queue: VecDeque<CallExpansion> = pending.into();
    let mut kept = vec![];
    let mut expanded_any = false;
    while let Some(e) = queue.pop_front() {
        let errors_before = diags.0.len();
        let decided = Known::new(module, variables, workspace).instances(&e);
        let instances = match decided {
            Ok(Some(instances)) => instances,
            Ok(None) if keys == CallKeys::WhenKnown => {
                kept.push(e);
                continue;
            }
            Ok(None) => unknown_keys(&e, None, &mut diags, &module.sources),
            Err(Problem::Unknown(blocker)) if keys == CallKeys::Required => {
                unknown_keys(&e, blocker.map(|b| *b), &mut diags, &module.sources)
            }
            Err(Problem::Unknown(_)) => {
                kept.push(e);
                continue;
            }
            Err(Problem::Invalid(d) | Problem::Local(d)) => {
                push_once(&mut diags, with_chain(d, &e, &module.sources));
                vec![]
            }
        };
        if diags.0.len() > errors_before {
            // The call stays once; what is nested in it cannot be decided either.
            queue.retain(|n| !n.steps.starts_with(&e.steps));
            kept.push(e);
            continue;
        }
        expanded_any = true;
        let nested: Vec<CallExpansion> = queue.iter().filter(|n| n.steps.starts_with(&e.steps)).cloned().collect();
        queue.retain(|n| !n.steps.starts_with(&e.steps));
        queue.extend(instantiate(module, &e, instances, nested));
    }
    module.expansions = kept;
    if expanded_any && !diags.has_errors() {
        check_moves(module, &mut diags);
    }
    diags
}

/// Records that a call's keys are unknown: Terraform's error, at the expression. Returns no
/// instances.
fn unknown_keys(
    e: &CallExpansion,
    blocker: Option<(ObjectId, Option<Span>)>,
    diags: &mut Diagnostics,
    sources: &provision_core::Sources,
) -> Vec<(InstanceKey, InstanceCtx)> {
    let (arg, expr) = match (&e.count, &e.for_each) {
        (Some(c), _) => ("count", c),
        (None, Some(f)) => ("for_each", f),
        (None, None) => return vec![],
    };
    let call = format!("module.{}", e.steps.last().map_or("", |s| s.name.as_str()));
    // Terraform's words, naming the call.
    let message = if arg == "count" {
        format!(
            "The \"count\" value depends on resource attributes that cannot be determined until apply, so provision cannot predict how many instances of {call} will be created"
        )
    } else {
        let set = matches!(&expr.ast, hcl_edit::expr::Expression::FuncCall(f) if f.name.name.as_str() == "toset");
        let (kind, part) = if set { ("set", "values") } else { ("map", "keys") };
        format!(
            "The \"for_each\" {kind} includes {part} derived from resource attributes that cannot be determined until apply, and so provision cannot determine the full set of keys that will identify the instances of {call}"
        )
    };
    let mut d = Diagnostic::error(format!("Invalid {arg} argument")).at(expr.span(), message);
    if let Some((id, span)) = blocker {
        d = d.at(span, format!("{id} is read here"));
    }
    if arg == "count" {
        d = d.note(
            "to work around this, use the -target option to first apply only the resources that the count depends on",
        );
    } else {
        d = d.note(
            "when working with unknown values in for_each, it's better to define the map keys statically in your configuration and place apply-time results only in the map values; \
             alternatively, use the -target option to first apply only the resources that the for_each value depends on, and then apply a second time to fully converge",
        );
    }
    let known = if arg == "count" { "its value" } else { "its keys" };
    d = d.note(format!(
        "provision decides a module call's instances before anything is planned, from variables, locals and literals, \
         so it refuses a `{arg}` that refers to a resource or data source even when Terraform would know {known} at plan time"
    ));
    push_once(diags, with_chain(d, e, sources));
    vec![]
}

/// Adds the call chain of the module the call is written in, for a call nested in a module.
fn with_chain(mut d: Diagnostic, e: &CallExpansion, sources: &provision_core::Sources) -> Diagnostic {
    let ctx = e.count.as_ref().or(e.for_each.as_ref()).and_then(|x| x.module.clone());
    if let Some(ctx) = ctx {
        let at: Vec<String> = ctx
            .calls
            .iter()
            .rev()
            .map(|(_, span)| span.as_ref().map_or_else(|| "?".to_string(), |s| sources.location(s)))
            .collect();
        d.notes.push(format!("in {}, called at {}", ctx.prefix, at.join(", from ")));
    }
    d
}

/// One cause, one error: a nested call evaluated once per instance of its caller fails the same
/// way for each; the first error stands for them all, naming the other instances.
fn push_once(diags: &mut Diagnostics, d: Diagnostic) {
    let same = |o: &Diagnostic| {
        o.summary == d.summary
            && o.labels.iter().map(|l| (&l.span, &l.message)).eq(d.labels.iter().map(|l| (&l.span, &l.message)))
    };
    match diags.0.iter_mut().find(|o| same(o)) {
        Some(first) => {
            for n in d.notes.iter().filter(|n| n.starts_with("in module.")) {
                let also = n.replacen("in ", "also in ", 1);
                if !first.notes.contains(&also) {
                    first.notes.push(also);
                }
            }
        }
        None => diags.push(d),
    }
}

/// Why a call's keys could not be decided.
enum Problem {
    /// They depend on something known only when planning (a resource or data source, named with
    /// the reference if there is one) or on a variable without a value.
    Unknown(Option<Box<(ObjectId, Option<Span>)>>),
    /// The value is not a valid `count` or `for_each`, or could not be evaluated.
    Invalid(Diagnostic),
    /// A local it refers to could not be evaluated (the engine reports that too, in `validate`).
    Local(Diagnostic),
}

/// The values known before planning: variables, and the locals (module inputs included) made of
/// them, evaluated as they are needed.
struct Known<'a> {
    module: &'a Module,
    scope: Scope,
    /// For each local evaluated: the resource it depends on, if any (its value is then unknown).
    blockers: HashMap<String, Option<(ObjectId, Option<Span>)>>,
    busy: BTreeSet<String>,
}

impl<'a> Known<'a> {
    fn new(module: &'a Module, variables: &BTreeMap<String, Value>, workspace: &str) -> Known<'a> {
        let scope = Scope {
            variables: variables.clone(),
            workspace: workspace.to_string(),
            module_dir: module.dir.clone(),
            ..Scope::default()
        };
        Known { module, scope, blockers: HashMap::new(), busy: BTreeSet::new() }
    }

    /// The instances of a call: `Ok(None)` when its value is unknown for want of a variable.
    #[allow(clippy::type_complexity)]
    fn instances(&mut self, e: &CallExpansion) -> Result<Option<Vec<(InstanceKey, InstanceCtx)>>, Problem> {
        let (arg, expr) = match (&e.count, &e.for_each) {
            (Some(c), _) => ("count", c),
            (None, Some(f)) => ("for_each", f),
            (None, None) => return Ok(Some(vec![])),
        };
        let v = self.value(expr)?;
        let bad = |m: String| Problem::Invalid(Diagnostic::error(format!("Invalid {arg} argument")).at(expr.span(), m));
        if v.contains_sensitive() {
            return Err(bad(format!(
                "sensitive values cannot be used as {arg}: the instances' addresses would show them in the plan"
            )));
        }
        let v = v.strip_marks();
        if arg == "count" {
            return match v {
                Value::Unknown => Ok(None),
                Value::Null => Err(bad("count is null; it must be a whole number of at least 0".into())),
                Value::Number(n) if n > MAX_INSTANCES as f64 => Err(bad(format!(
                    "count is {}, but one module call may have at most {MAX_INSTANCES} instances",
                    provision_core::value::format_number(n)
                ))),
                Value::Number(n) if n >= 0.0 && n.fract() == 0.0 => Ok(Some(
                    (0..n as u64)
                        .map(|i| {
                            (InstanceKey::Index(i), InstanceCtx { count_index: Some(i), each: None, unknown: false })
                        })
                        .collect(),
                )),
                Value::Number(n) => Err(bad(format!(
                    "count must be a whole number of at least 0, not {}",
                    provision_core::value::format_number(n)
                ))),
                other => Err(bad(format!("count must be a number, not {}", other.type_name()))),
            };
        }
        let instances: Vec<(InstanceKey, InstanceCtx)> = match v {
            Value::Unknown => return Ok(None),
            Value::Null => return Err(bad("for_each is null; it must be a map or a set of strings".into())),
            Value::Map(m) => m
                .into_iter()
                .map(|(k, v)| {
                    let each = Some((Value::String(k.clone()), v));
                    (InstanceKey::Key(k), InstanceCtx { count_index: None, each, unknown: false })
                })
                .collect(),
            Value::Set(items) => {
                let mut out = vec![];
                for i in items {
                    match i {
                        Value::String(s) => {
                            let each = Some((Value::String(s.clone()), Value::String(s.clone())));
                            out.push((InstanceKey::Key(s), InstanceCtx { count_index: None, each, unknown: false }));
                        }
                        Value::Unknown => return Ok(None),
                        other => {
                            return Err(bad(format!(
                                "a for_each set must hold strings, and this one holds {}",
                                other.type_name()
                            )));
                        }
                    }
                }
                out
            }
            Value::List(_) => {
                return Err(bad(
                    "for_each needs a map or a set of strings, and this is a list; convert it with toset(...)".into(),
                ));
            }
            other => {
                return Err(bad(format!("for_each needs a map or a set of strings, not {}", other.type_name())));
            }
        };
        if instances.len() > MAX_INSTANCES {
            return Err(bad(format!(
                "for_each has {} elements, but one module call may have at most {MAX_INSTANCES} instances",
                instances.len()
            )));
        }
        Ok(Some(instances))
    }

    /// An expression's value, once everything it refers to is known.
    fn value(&mut self, expr: &Expr) -> Result<Value, Problem> {
        for r in expr.references() {
            match r.object_id() {
                Some(ObjectId::Local(k)) => {
                    if let Some(b) = self.local(&k)? {
                        return Err(Problem::Unknown(Some(Box::new(b))));
                    }
                }
                Some(id @ ObjectId::Resource(_)) => return Err(Problem::Unknown(Some(Box::new((id, r.span.clone()))))),
                _ => {}
            }
        }
        eval(expr, &self.scope, &InstanceCtx::default()).map_err(Problem::Invalid)
    }

    /// Evaluates the local `key` into the scope; returns the resource it depends on, if any.
    fn local(&mut self, key: &str) -> Result<Option<(ObjectId, Option<Span>)>, Problem> {
        if let Some(b) = self.blockers.get(key) {
            return Ok(b.clone());
        }
        let Some(l) = self.module.locals.get(key) else { return Ok(None) };
        if !self.busy.insert(key.to_string()) {
            // A cycle: the graph reports it.
            return Ok(None);
        }
        let mut deps: Vec<(ObjectId, Option<Span>)> = vec![];
        for e in l.expr.iter() {
            deps.extend(e.references().into_iter().filter_map(|r| r.object_id().map(|id| (id, r.span.clone()))));
        }
        match &l.kind {
            LocalKind::Outputs(outputs) => {
                deps.extend(outputs.iter().map(|(_, k)| (ObjectId::Local(k.clone()), None)));
            }
            LocalKind::Instances { keys: Some(keys), .. } => {
                deps.extend(keys.iter().map(|(_, k)| (ObjectId::Local(k.clone()), None)));
            }
            _ => {}
        }
        let mut blocker = None;
        for (id, span) in deps {
            match id {
                ObjectId::Local(k) if k != key => {
                    if let Some(b) = self.local(&k)? {
                        blocker = Some(b);
                        break;
                    }
                }
                id @ ObjectId::Resource(_) => {
                    blocker = Some((id, span));
                    break;
                }
                _ => {}
            }
        }
        let v = match blocker {
            Some(_) => Value::Unknown,
            None => eval_local(l, &self.scope).map_err(Problem::Local)?,
        };
        self.busy.remove(key);
        self.scope.locals.insert(key.to_string(), v);
        self.blockers.insert(key.to_string(), blocker.clone());
        Ok(blocker)
    }
}

/// `module.a["x"].module.b`: the prefix of a module path.
fn prefix_of(steps: &[ModuleStep]) -> String {
    steps.iter().map(ToString::to_string).collect::<Vec<_>>().join(".")
}

/// Replaces a call's objects (kept once, without its key) by one copy per instance. Returns the
/// nested calls with `count` or `for_each`, one per instance, still to expand.
fn instantiate(
    module: &mut Module,
    e: &CallExpansion,
    instances: Vec<(InstanceKey, InstanceCtx)>,
    nested: Vec<CallExpansion>,
) -> Vec<CallExpansion> {
    let inside = |key: &str| key.strip_prefix(e.prefix.as_str()).is_some_and(|rest| rest.starts_with('.'));
    let keys: Vec<String> = module.locals.keys().filter(|k| inside(k)).cloned().collect();
    let locals: Vec<Local> = keys.iter().filter_map(|k| module.locals.remove(k)).collect();
    let (resources, rest): (Vec<ResourceBlock>, Vec<ResourceBlock>) =
        std::mem::take(&mut module.resources).into_iter().partition(|r| r.address.module.starts_with(&e.steps));
    module.resources = rest;
    let (checks, rest): (Vec<_>, Vec<_>) =
        std::mem::take(&mut module.checks).into_iter().partition(|c| inside(&c.name));
    module.checks = rest;
    let under = |t: &MoveTarget| match t {
        MoveTarget::Resource(a) => a.module.starts_with(&e.steps),
        MoveTarget::Module(steps) => steps.starts_with(&e.steps),
    };
    let (moved, rest): (Vec<_>, Vec<_>) =
        std::mem::take(&mut module.moved).into_iter().partition(|m| under(&m.from) && under(&m.to));
    module.moved = rest;
    let (removed, rest): (Vec<_>, Vec<_>) =
        std::mem::take(&mut module.removed).into_iter().partition(|r| under(&r.from));
    module.removed = rest;

    let mut out = vec![];
    let mut instance_keys = vec![];
    for (key, inst) in instances {
        let mut to_steps = e.steps.clone();
        if let Some(last) = to_steps.last_mut() {
            last.key = Some(key.clone());
        }
        let mut rw = Rewrite {
            from_steps: &e.steps,
            from_prefix: &e.prefix,
            to_prefix: prefix_of(&to_steps),
            to_steps,
            ctxs: HashMap::new(),
        };
        let inputs = format!("{}.var.", rw.to_prefix);
        for l in &locals {
            let mut l = rw.local(l);
            if l.name.strip_prefix(&inputs).is_some_and(|name| !name.contains('.')) {
                l.instance = Some(inst.clone());
            }
            module.locals.insert(l.name.clone(), l);
        }
        module.locals.insert(
            rw.to_prefix.clone(),
            Local {
                name: rw.to_prefix.clone(),
                expr: None,
                kind: LocalKind::Outputs(e.outputs.iter().map(|(n, k)| (n.clone(), rw.key(k))).collect()),
                depends_on: vec![],
                preconditions: vec![],
                span: e.span.clone(),
                instance: None,
            },
        );
        instance_keys.push((key, rw.to_prefix.clone()));
        for r in &resources {
            module.resources.push(rw.resource(r));
        }
        for c in &checks {
            let mut c = c.clone();
            c.name = rw.key(&c.name);
            c.asserts = c.asserts.iter().map(|a| rw.condition(a)).collect();
            module.checks.push(c);
        }
        for m in &moved {
            let mut m = m.clone();
            m.from = rw.target(&m.from);
            m.to = rw.target(&m.to);
            module.moved.push(m);
        }
        for r in &removed {
            let mut r = r.clone();
            r.from = rw.target(&r.from);
            module.removed.push(r);
        }
        for n in &nested {
            out.push(CallExpansion {
                prefix: rw.key(&n.prefix),
                steps: rw.steps(&n.steps),
                count: n.count.as_ref().map(|x| rw.expr(x)),
                for_each: n.for_each.as_ref().map(|x| rw.expr(x)),
                span: n.span.clone(),
                outputs: n.outputs.iter().map(|(o, k)| (o.clone(), rw.key(k))).collect(),
            });
        }
    }
    if let Some(l) = module.locals.get_mut(&e.prefix)
        && let LocalKind::Instances { keys, .. } = &mut l.kind
    {
        *keys = Some(instance_keys);
    }
    module.resource_index = module.resources.iter().enumerate().map(|(i, r)| (r.address.resource(), i)).collect();
    out
}

/// Rewrites what belongs to the call at `from_steps` (kept without its key) for one instance.
struct Rewrite<'a> {
    from_steps: &'a [ModuleStep],
    from_prefix: &'a str,
    to_steps: Vec<ModuleStep>,
    to_prefix: String,
    /// One context per module of the instance, shared by its expressions.
    ctxs: HashMap<String, Arc<ModuleCtx>>,
}

impl Rewrite<'_> {
    fn key(&self, k: &str) -> String {
        match k.strip_prefix(self.from_prefix) {
            Some(rest) if rest.is_empty() || rest.starts_with('.') => format!("{}{rest}", self.to_prefix),
            _ => k.to_string(),
        }
    }

    fn steps(&self, s: &[ModuleStep]) -> Vec<ModuleStep> {
        if s.starts_with(self.from_steps) {
            let mut out = self.to_steps.clone();
            out.extend(s[self.from_steps.len()..].iter().cloned());
            out
        } else {
            s.to_vec()
        }
    }

    fn address(&self, a: &Address) -> Address {
        Address { module: self.steps(&a.module), ..a.clone() }
    }

    fn id(&self, id: &ObjectId) -> ObjectId {
        match id {
            ObjectId::Local(k) => ObjectId::Local(self.key(k)),
            ObjectId::Resource(a) => ObjectId::Resource(self.address(a)),
            other => other.clone(),
        }
    }

    fn deps(&self, deps: &[(ObjectId, Option<Span>)]) -> Vec<(ObjectId, Option<Span>)> {
        deps.iter().map(|(id, s)| (self.id(id), s.clone())).collect()
    }

    fn target(&self, t: &MoveTarget) -> MoveTarget {
        match t {
            MoveTarget::Resource(a) => MoveTarget::Resource(self.address(a)),
            MoveTarget::Module(s) => MoveTarget::Module(self.steps(s)),
        }
    }

    fn expr(&mut self, e: &Expr) -> Expr {
        let Some(ctx) = &e.module else { return e.clone() };
        if !ctx.steps.starts_with(self.from_steps) {
            return e.clone();
        }
        let module = match self.ctxs.get(&ctx.prefix) {
            Some(c) => c.clone(),
            None => {
                let mut calls = ctx.calls.clone();
                if let (Some(c), Some(step)) = (calls.get_mut(self.from_steps.len() - 1), self.to_steps.last()) {
                    c.0 = step.to_string();
                }
                let new = Arc::new(ModuleCtx {
                    prefix: self.key(&ctx.prefix),
                    steps: self.steps(&ctx.steps),
                    rel_dir: ctx.rel_dir.clone(),
                    calls,
                });
                self.ctxs.insert(ctx.prefix.clone(), new.clone());
                new
            }
        };
        Expr { module: Some(module), ..e.clone() }
    }

    fn condition(&mut self, c: &Condition) -> Condition {
        Condition {
            condition: self.expr(&c.condition),
            error_message: self.expr(&c.error_message),
            span: c.span.clone(),
        }
    }

    fn body(&mut self, b: &BodyExprs) -> BodyExprs {
        let mut out = b.clone();
        for e in out.attrs.values_mut() {
            *e = self.expr(e);
        }
        if let Some(d) = &mut out.dynamic {
            d.for_each = self.expr(&d.for_each);
        }
        out.blocks = b.blocks.iter().map(|(n, nested, s)| (n.clone(), self.body(nested), s.clone())).collect();
        out
    }

    fn local(&mut self, l: &Local) -> Local {
        let mut out = l.clone();
        out.name = self.key(&l.name);
        out.expr = l.expr.as_ref().map(|e| self.expr(e));
        out.depends_on = self.deps(&l.depends_on);
        out.preconditions = l.preconditions.iter().map(|c| self.condition(c)).collect();
        out.kind = match &l.kind {
            LocalKind::Input(v) => {
                let mut v = v.clone();
                for rule in &mut v.validations {
                    rule.condition = self.expr(&rule.condition);
                    rule.error_message = self.expr(&rule.error_message);
                }
                LocalKind::Input(v)
            }
            LocalKind::Outputs(outputs) => {
                LocalKind::Outputs(outputs.iter().map(|(n, k)| (n.clone(), self.key(k))).collect())
            }
            LocalKind::Instances { for_each, keys } => LocalKind::Instances {
                for_each: *for_each,
                keys: keys.as_ref().map(|ks| ks.iter().map(|(i, k)| (i.clone(), self.key(k))).collect()),
            },
            other => other.clone(),
        };
        out
    }

    fn resource(&mut self, r: &ResourceBlock) -> ResourceBlock {
        let mut out = r.clone();
        out.address = self.address(&r.address);
        out.body = self.body(&r.body);
        out.count = r.count.as_ref().map(|e| self.expr(e));
        out.for_each = r.for_each.as_ref().map(|e| self.expr(e));
        out.depends_on = self.deps(&r.depends_on);
        let lc = &mut out.lifecycle;
        lc.preconditions = r.lifecycle.preconditions.iter().map(|c| self.condition(c)).collect();
        lc.postconditions = r.lifecycle.postconditions.iter().map(|c| self.condition(c)).collect();
        lc.replace_triggered_by = r.lifecycle.replace_triggered_by.iter().map(|e| self.expr(e)).collect();
        for p in &mut out.provisioners {
            p.body = self.body(&p.body);
        }
        out
    }
}

/// With the instances made, every `moved` block's destination exists and its origin is gone, and
/// every `import` block's `to` is declared (the loader could only check the calls' names).
fn check_moves(module: &Module, diags: &mut Diagnostics) {
    for i in &module.imports {
        if module.resource(&i.to).is_none() {
            diags.push(Diagnostic::error("Import to an undeclared resource").at(
                i.span.clone(),
                format!(
                    "nothing in the configuration is at {}: declare the resource the object is imported into",
                    i.to
                ),
            ));
        }
    }
    let declared = |t: &MoveTarget| match t {
        MoveTarget::Resource(a) => module.resource(a).is_some(),
        MoveTarget::Module(steps) => module.resources.iter().any(|r| r.address.module.starts_with(steps)),
    };
    for m in &module.moved {
        let instance_move = matches!(&m.from, MoveTarget::Resource(a) if a.key.is_some());
        if !instance_move && declared(&m.from) {
            diags.push(Diagnostic::error("Moved object still exists").at(
                m.span.clone(),
                format!("{} is still in the configuration: remove it, or remove this moved block", m.from),
            ));
        } else if !declared(&m.to) {
            diags.push(Diagnostic::error("Move to an undeclared address").at(
                m.span.clone(),
                format!("nothing in the configuration is at {}: the objects moved there would be destroyed", m.to),
            ));
        }
    }
}
