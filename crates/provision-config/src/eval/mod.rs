//! Evaluates expressions against a [`Scope`], following Terraform's rules: unknown values flow
//! through operators and functions, sensitive marks stick to whatever is computed from them, and
//! every error points at the expression that caused it.

pub(crate) mod expand;
pub(crate) mod functions;
pub(crate) mod vars;

use crate::limits;
use crate::tree::{BodyExprs, Condition, Expr, Local, LocalKind, ModuleCtx, TimeoutOverrides, call_key, local_key};
use crate::tree::{InstanceCtx, TypeConstraint};
use hcl_edit::Span as _;
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::template::{Directive, Element, Strip, Template};
use provision_core::value::redact_text;
use provision_core::{Address, AttrMode, Attrs, Diagnostic, Diagnostics, InstanceKey, Nesting, Schema, Span, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The values an expression can see. The engine fills it in as the walk proceeds.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub variables: BTreeMap<String, Value>,
    pub locals: BTreeMap<String, Value>,
    /// Per resource block (address without key): an object, a list (count) or a map (for_each).
    pub resources: BTreeMap<Address, Value>,
    /// Resource blocks that use `count` or `for_each`, for precise messages.
    pub expanded: BTreeMap<Address, &'static str>,
    pub workspace: String,
    /// Where relative paths given to `file()` and `templatefile()` start.
    pub module_dir: PathBuf,
    /// When the plan was made, for `plantimestamp()`; unset (as in `validate`) it is unknown.
    pub plan_time: Option<std::time::SystemTime>,
    /// Set while applying: `timestamp()`, `uuid()` and `bcrypt()` are unknown until then, as in
    /// Terraform.
    pub applying: bool,
}

impl Scope {
    /// The text of every sensitive value in scope, to take out of error messages that may quote
    /// one (see [`provision_core::value::redact_text`]).
    pub fn secrets(&self) -> Vec<String> {
        let values = self.variables.values().chain(self.locals.values()).chain(self.resources.values());
        values.flat_map(Value::secrets).collect()
    }
}

/// Evaluates one expression. An error never quotes a sensitive value in scope: it says
/// `(sensitive value)` instead.
pub fn eval(expr: &Expr, scope: &Scope, inst: &InstanceCtx) -> Result<Value, Diagnostic> {
    eval_bound(expr, scope, inst, vec![])
}

/// Evaluates one expression of a provisioner, `self` being the resource's object.
pub fn eval_with_self(expr: &Expr, scope: &Scope, inst: &InstanceCtx, this: &Value) -> Result<Value, Diagnostic> {
    eval_bound(expr, scope, inst, vec![("self".to_string(), this.clone())])
}

/// Evaluates one expression with extra names bound (as a `for` expression binds its variables):
/// a module input's validation sees `var` bound to the value being checked.
pub(crate) fn eval_bound(expr: &Expr, scope: &Scope, inst: &InstanceCtx, bound: Vec<(String, Value)>) -> R {
    let module = expr.module.as_deref();
    let v =
        Evaluator { scope: Some(scope), functions_scope: None, inst, file: expr.file, bound, tainted: false, module }
            .expr(&expr.ast)
            .map_err(|d| d.redact(&scope.secrets()))?;
    within_limits(v).map_err(|m| Diagnostic::error(limits::VALUE_TOO_LARGE).at(expr.span(), m))
}

/// The value, if it is within the limits on size and depth (see [`crate::limits`]).
fn within_limits(v: Value) -> Result<Value, String> {
    match limits::measure(&v, limits::MAX_VALUE_SIZE) {
        Ok(_) => Ok(v),
        Err(x) => Err(x.message()),
    }
}

/// The instance whose attribute an expression reads when it is nothing but such a reference, as
/// in `aws_vpc.main.id` or `aws_subnet.public[count.index].id`; `None` for anything else.
pub fn referenced_instance(expr: &Expr, scope: &Scope, inst: &InstanceCtx) -> Option<Address> {
    match reference_parts(expr, scope, inst)? {
        (address, Some(_), 0) => Some(address),
        _ => None,
    }
}

/// What a `replace_triggered_by` entry names: a resource (`aws_x.y`), one instance
/// (`aws_x.y[count.index]`, the address then has its key), or an attribute of either (the
/// attribute's name). `None` when the expression is not such a reference.
pub fn trigger_reference(expr: &Expr, scope: &Scope, inst: &InstanceCtx) -> Option<(Address, Option<String>)> {
    reference_parts(expr, scope, inst).map(|(address, attr, _)| (address, attr))
}

/// A reference to a resource split into the address (with the instance key written, if any), the
/// first attribute read and how many steps follow that attribute.
fn reference_parts(expr: &Expr, scope: &Scope, inst: &InstanceCtx) -> Option<(Address, Option<String>, usize)> {
    let Expression::Traversal(t) = &expr.ast else { return None };
    let Expression::Variable(root) = &t.expr else { return None };
    let ops: Vec<&TraversalOperator> = t.operators.iter().map(|o| o.value()).collect();
    let name = |i: usize| match ops.get(i) {
        Some(TraversalOperator::GetAttr(id)) => Some(id.value().as_str()),
        _ => None,
    };
    let (mut address, mut rest) = match root.value().as_str() {
        "var" | "local" | "count" | "each" | "path" | "terraform" | "self" | "module" => return None,
        "data" => (Address::data(name(0)?, name(1)?), 2),
        type_name => (Address::managed(type_name, name(0)?), 1),
    };
    if let Some(m) = &expr.module {
        address.module = m.steps.clone();
    }
    let key = match ops.get(rest) {
        Some(TraversalOperator::LegacyIndex(n)) => Some(InstanceKey::Index(*n.value())),
        Some(TraversalOperator::Index(ie)) => {
            let key = eval(&Expr { ast: ie.clone(), ..expr.clone() }, scope, inst).ok()?;
            match key.unmarked() {
                Value::Number(n) if *n >= 0.0 && n.fract() == 0.0 => Some(InstanceKey::Index(*n as u64)),
                Value::String(s) => Some(InstanceKey::Key(s.clone())),
                _ => return None,
            }
        }
        Some(TraversalOperator::GetAttr(_)) | None => None,
        Some(_) => return None,
    };
    if key.is_some() {
        rest += 1;
    }
    let attr = name(rest).map(str::to_string);
    if attr.is_none() && rest < ops.len() {
        return None;
    }
    let after = if attr.is_some() { ops.len() - rest - 1 } else { 0 };
    Some((address.with_key(key), attr, after))
}

/// What a custom condition (a precondition, a postcondition, a check's assert) came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Passed,
    /// It depends on values known only after apply.
    Unknown,
    /// Its error message, evaluated (never showing a sensitive value).
    Failed(String),
}

/// Evaluates a custom condition, with `self` bound to `this` for a postcondition.
pub fn check_condition(
    c: &Condition,
    scope: &Scope,
    inst: &InstanceCtx,
    this: Option<&Value>,
) -> Result<Verdict, Diagnostic> {
    let bound: Vec<(String, Value)> = this.map(|v| vec![("self".to_string(), v.clone())]).unwrap_or_default();
    let result = eval_bound(&c.condition, scope, inst, bound.clone())?;
    match result.unmarked() {
        Value::Bool(true) => Ok(Verdict::Passed),
        Value::Unknown => Ok(Verdict::Unknown),
        Value::Bool(false) => {
            let message = match eval_bound(&c.error_message, scope, inst, bound) {
                Ok(m) if m.contains_sensitive() => {
                    "the condition failed; its error message refers to a sensitive value, so it is not shown".into()
                }
                Ok(m) => match m.unmarked() {
                    Value::String(m) => m.clone(),
                    _ => "the condition failed (its error message is not known yet)".into(),
                },
                Err(d) => format!("the condition failed, and its error message could not be evaluated: {}", d.summary),
            };
            Ok(Verdict::Failed(message))
        }
        other => Err(Diagnostic::error("Invalid condition result")
            .at(c.condition.span(), format!("the condition must be a bool, but it is {}", other.type_name()))),
    }
}

/// Evaluates one of [`crate::Module::locals`]: a local value, or what a child module call is
/// folded into — an input (its default applied, converted to its type, its validations checked),
/// an output, or the outputs object of a whole call.
pub fn eval_local(l: &Local, scope: &Scope) -> Result<Value, Diagnostic> {
    let inst = l.instance.clone().unwrap_or_default();
    for c in &l.preconditions {
        if let Verdict::Failed(m) = check_condition(c, scope, &inst, None)? {
            let output = l.name.replacen(".output.", ".", 1);
            return Err(Diagnostic::error("Module output precondition failed")
                .at(c.condition.span(), m)
                .note(format!("this precondition guards output {output}")));
        }
    }
    let given = l.expr.as_ref().map(|e| eval(e, scope, &inst)).transpose()?;
    match &l.kind {
        LocalKind::Local => Ok(given.unwrap_or(Value::Null)),
        LocalKind::Output { sensitive } => Ok(given.unwrap_or(Value::Null).mark_if(*sensitive)),
        LocalKind::Instances { keys: None, .. } => Ok(Value::Unknown),
        LocalKind::Instances { for_each, keys: Some(keys) } => {
            let get = |key: &String| scope.locals.get(key).cloned().unwrap_or(Value::Unknown);
            Ok(if *for_each {
                Value::Map(keys.iter().map(|(k, key)| (instance_key_text(k), get(key))).collect())
            } else {
                Value::List(keys.iter().map(|(_, key)| get(key)).collect())
            })
        }
        LocalKind::Outputs(outputs) => Ok(Value::Map(
            outputs
                .iter()
                .map(|(name, key)| (name.clone(), scope.locals.get(key).cloned().unwrap_or(Value::Unknown)))
                .collect(),
        )),
        LocalKind::Input(var) => {
            let span = l.expr.as_ref().and_then(Expr::span).or_else(|| l.span.clone());
            let (call, name) = l.name.rsplit_once(".var.").unwrap_or((&l.name, &var.name));
            let default = || -> Result<Value, Diagnostic> {
                match &var.default {
                    Some(d) => {
                        eval_constant(&d.ast).map_err(|m| Diagnostic::error("Invalid default value").at(d.span(), m))
                    }
                    None => Ok(Value::Null),
                }
            };
            let v = match given {
                Some(v) if !v.unmarked().is_null() || var.nullable => v,
                _ => default()?,
            };
            if v.unmarked().is_null() && !var.nullable {
                return Err(Diagnostic::error(format!("Invalid value for input variable \"{name}\" of {call}"))
                    .at(span, format!("variable \"{name}\" has `nullable = false`, and this is null")));
            }
            let secrets = if var.sensitive { v.clone().mark_if(true).secrets() } else { vec![] };
            let v = var.ty.convert(v).map_err(|m| {
                Diagnostic::error(format!("Invalid value for input variable \"{name}\" of {call}")).at(
                    span.clone(),
                    format!("{} (the variable's type is {})", redact_text(&m, &secrets), var.ty.describe()),
                )
            })?;
            let v = v.mark_if(var.sensitive);
            if !v.is_wholly_known() {
                return Ok(v);
            }
            let bound = vec![("var".to_string(), Value::Map(BTreeMap::from([(name.to_string(), v.clone())])))];
            for rule in &var.validations {
                match eval_bound(&rule.condition, scope, &inst, bound.clone())?.unmarked() {
                    Value::Bool(false) => {
                        let msg = eval_bound(&rule.error_message, scope, &inst, bound.clone())
                            .ok()
                            .filter(|m| !m.contains_sensitive())
                            .and_then(|m| m.as_str().map(str::to_string))
                            .unwrap_or_else(|| "the validation rule failed".into());
                        return Err(Diagnostic::error(format!(
                            "Invalid value for input variable \"{name}\" of {call}"
                        ))
                        .at(span, msg)
                        .at(rule.condition.span(), "by this validation rule"));
                    }
                    Value::Bool(true) | Value::Unknown => {}
                    other => {
                        return Err(Diagnostic::error("Invalid validation condition").at(
                            rule.condition.span(),
                            format!("the condition must be a bool, but it is {}", other.type_name()),
                        ));
                    }
                }
            }
            Ok(v)
        }
    }
}

/// The key of a for_each instance as a map key (`a`), or a count index as text.
fn instance_key_text(k: &InstanceKey) -> String {
    match k {
        InstanceKey::Key(s) => s.clone(),
        InstanceKey::Index(i) => i.to_string(),
    }
}

impl TypeConstraint {
    /// Parses a `type = ...` expression, evaluating the defaults of `optional(T, default)`.
    pub fn parse(expr: &Expr) -> Result<TypeConstraint, Diagnostic> {
        TypeConstraint::parse_with(&expr.ast, expr.span(), &eval_constant)
    }
}

/// Evaluates an expression that may not refer to anything (a tfvars value, a type default).
pub(crate) fn eval_constant(e: &Expression) -> Result<Value, String> {
    Evaluator {
        scope: None,
        functions_scope: None,
        inst: &InstanceCtx::default(),
        file: 0,
        bound: vec![],
        tainted: false,
        module: None,
    }
    .expr(e)
    .map_err(|d| d.summary)
    .and_then(within_limits)
}

/// A resource's timeouts with the entries written as expressions (`create = var.create_timeout`)
/// evaluated for one instance: a duration string as a literal would be; null leaves the type's
/// default, as in Terraform; a value not known yet (plan, validate) leaves it too, and is checked
/// when it is known. Errors point at the expression.
pub fn eval_timeouts(t: &TimeoutOverrides, scope: &Scope, inst: &InstanceCtx) -> Result<TimeoutOverrides, Diagnostics> {
    let mut out = TimeoutOverrides { exprs: vec![], ..t.clone() };
    let mut diags = Diagnostics::default();
    for (name, e) in &t.exprs {
        let v = match eval(e, scope, inst) {
            Ok(v) => v,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        let v = v.strip_marks();
        if v.is_null() || !v.is_wholly_known() {
            continue;
        }
        let bad = |m: String| Diagnostic::error("Invalid timeout").at(e.span(), m);
        let Some(text) = v.as_str() else {
            diags.push(bad(format!("the {name} timeout must be a string such as \"40m\", not {}", v.type_name())));
            continue;
        };
        let d = match crate::parse_go_duration(text) {
            Ok(d) if !d.is_zero() => d,
            Ok(_) => {
                diags.push(bad("a timeout must be longer than zero".to_string()));
                continue;
            }
            Err(m) => {
                diags.push(bad(m));
                continue;
            }
        };
        match *name {
            "create" => out.create = Some(d),
            "update" => out.update = Some(d),
            _ => out.delete = Some(d),
        }
    }
    if diags.has_errors() { Err(diags) } else { Ok(out) }
}

/// Evaluates a resource, data source or provider block body against its schema: every
/// configurable attribute converted to its type (null when unset, its default when it has one is
/// applied later by the engine), nested blocks as lists or objects, values checked by the
/// schema's validators when known. All problems are reported together.
pub fn eval_body(body: &BodyExprs, schema: &Schema, scope: &Scope, inst: &InstanceCtx) -> Result<Attrs, Diagnostics> {
    eval_body_bound(body, schema, scope, inst, &[])
}

/// [`eval_body`] with the iterators of the enclosing `dynamic` blocks bound.
fn eval_body_bound(
    body: &BodyExprs,
    schema: &Schema,
    scope: &Scope,
    inst: &InstanceCtx,
    bound: &[(String, Value)],
) -> Result<Attrs, Diagnostics> {
    let eval = |expr: &Expr, scope: &Scope, inst: &InstanceCtx| eval_bound(expr, scope, inst, bound.to_vec());
    let mut out = Attrs::new();
    let mut diags = Diagnostics::default();
    for a in &schema.attributes {
        if !a.is_configurable() {
            continue;
        }
        let Some(expr) = body.attrs.get(a.name) else {
            out.insert(a.name.to_string(), Value::Null);
            continue;
        };
        let v = match eval(expr, scope, inst) {
            Ok(v) => v,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        if a.mode == AttrMode::Required && v.unmarked().is_null() {
            diags.push(
                Diagnostic::error(format!("Missing required argument `{}`", a.name))
                    .at(expr.span(), format!("`{}` is required ({}), but this is null", a.name, a.ty.describe())),
            );
            continue;
        }
        // A message about a sensitive value says `(sensitive value)` instead of quoting it.
        let secrets =
            if a.sensitive || v.contains_sensitive() { v.clone().mark_if(a.sensitive).secrets() } else { vec![] };
        let v = match TypeConstraint::from_schema(&a.ty).convert(v) {
            Ok(v) => v,
            Err(m) => {
                let m = redact_text(&m, &secrets);
                diags.push(
                    Diagnostic::error(format!("Invalid value for `{}`", a.name))
                        .at(expr.span(), format!("{m} (`{}` is {})", a.name, a.ty.describe())),
                );
                continue;
            }
        };
        if let (Some(check), true) = (a.validator, v.is_wholly_known() && !v.is_null())
            && let Err(m) = check(&v.strip_marks())
        {
            let m = redact_text(&m, &secrets);
            diags.push(Diagnostic::error(format!("Invalid value for `{}`", a.name)).at(expr.span(), m));
            continue;
        }
        out.insert(a.name.to_string(), v.mark_if(a.sensitive));
    }
    for b in &schema.blocks {
        let mut items = vec![];
        let mut unknown = false;
        for (name, nested, _) in &body.blocks {
            if name != b.name {
                continue;
            }
            let Some(dynamic) = &nested.dynamic else {
                match eval_body_bound(nested, &b.schema, scope, inst, bound) {
                    Ok(attrs) => items.push(Value::Map(attrs)),
                    Err(d) => diags.extend(d),
                }
                continue;
            };
            let elements = match eval(&dynamic.for_each, scope, inst).map(dynamic_elements) {
                Ok(Ok(Some(elements))) => elements,
                Ok(Ok(None)) => {
                    unknown = true;
                    continue;
                }
                Ok(Err(m)) => {
                    diags.push(Diagnostic::error("Invalid dynamic block for_each").at(dynamic.for_each.span(), m));
                    continue;
                }
                Err(d) => {
                    diags.push(d);
                    continue;
                }
            };
            for (key, value) in elements {
                let mut inner = bound.to_vec();
                let iterator = Value::Map(Attrs::from([("key".to_string(), key), ("value".to_string(), value)]));
                inner.push((dynamic.iterator.clone(), iterator));
                match eval_body_bound(nested, &b.schema, scope, inst, &inner) {
                    Ok(attrs) => items.push(Value::Map(attrs)),
                    Err(d) => diags.extend(d),
                }
            }
        }
        if b.nesting == Nesting::Single && items.len() > 1 {
            let span = body
                .blocks
                .iter()
                .filter(|(name, _, _)| name == b.name)
                .find_map(|(_, n, s)| n.dynamic.as_ref().and(s.clone()));
            diags.push(Diagnostic::error("Too many blocks").at(
                span,
                format!("only one `{}` block is allowed here, and these blocks make {}", b.name, items.len()),
            ));
            continue;
        }
        let written = body.blocks.iter().any(|(name, _, _)| name == b.name);
        let v = match b.nesting {
            _ if unknown => Value::Unknown,
            _ if !written && b.unmanaged_when_absent => Value::Null,
            Nesting::List => Value::List(items),
            Nesting::Set => Value::set(items),
            Nesting::Single => items.into_iter().next().unwrap_or(Value::Null),
        };
        out.insert(b.name.to_string(), v);
    }
    if diags.has_errors() { Err(diags) } else { Ok(out) }
}

/// The (key, value) pairs a `dynamic` block's `for_each` expands to: a map's entries, a list's
/// elements by index, a set's elements keyed by themselves. `None` when not yet known.
fn dynamic_elements(v: Value) -> Result<Option<Vec<(Value, Value)>>, String> {
    let (v, sensitive) = v.into_unmarked();
    if sensitive {
        return Err("a dynamic block's for_each cannot be sensitive: it would show in the plan".into());
    }
    match v {
        Value::Unknown => Ok(None),
        Value::Null => Ok(Some(vec![])),
        Value::Map(m) => Ok(Some(m.into_iter().map(|(k, v)| (Value::String(k), v)).collect())),
        Value::List(items) => {
            Ok(Some(items.into_iter().enumerate().map(|(i, v)| (Value::Number(i as f64), v)).collect()))
        }
        Value::Set(items) => Ok(Some(items.into_iter().map(|v| (v.clone(), v)).collect())),
        other => Err(format!("for_each must be a map, a list or a set, not {}", other.type_name())),
    }
}

/// Walks one expression. `scope` is `None` for constant expressions, where references are errors.
struct Evaluator<'a> {
    scope: Option<&'a Scope>,
    /// Where functions called in a template rendered by `templatefile` or `templatestring` find
    /// the module's directory and the plan's time: the calling expression's scope, which the
    /// template itself cannot see.
    functions_scope: Option<&'a Scope>,
    inst: &'a InstanceCtx,
    file: usize,
    /// Names bound by `for` expressions and template `for` directives, innermost last.
    bound: Vec<(String, Value)>,
    /// Set when a template interpolated a sensitive value.
    tainted: bool,
    /// The child module the expression is written in; `None` in the root module.
    module: Option<&'a ModuleCtx>,
}

type R = Result<Value, Diagnostic>;

fn sensitive_any(vals: &[Value]) -> bool {
    vals.iter().any(Value::contains_sensitive)
}

impl<'a> Evaluator<'a> {
    /// A resource address written in this expression's module.
    fn in_module(&self, a: Address) -> Address {
        match self.module {
            Some(m) => Address { module: m.steps.clone(), ..a },
            None => a,
        }
    }

    fn span(&self, e: &Expression) -> Option<Span> {
        e.span().map(|r| Span::new(self.file, r))
    }

    fn err(&self, e: &Expression, summary: impl Into<String>, detail: impl Into<String>) -> Diagnostic {
        Diagnostic::error(summary).at(self.span(e), detail)
    }

    /// Counts one more part of a value being built (see [`limits::charge`]).
    fn charge(&self, used: &mut usize, part: &Value, e: &Expression) -> Result<(), Diagnostic> {
        limits::charge(used, part).map_err(|x| self.err(e, limits::VALUE_TOO_LARGE, x.message()))
    }

    pub fn expr(&mut self, e: &Expression) -> R {
        match e {
            Expression::Null(_) => Ok(Value::Null),
            Expression::Bool(b) => Ok(Value::Bool(*b.value())),
            Expression::Number(n) => Ok(Value::Number(n.value().as_f64().unwrap_or(f64::NAN))),
            Expression::String(s) => Ok(Value::String(s.value().clone())),
            Expression::Array(items) => {
                let mut out = vec![];
                let mut used = 0;
                for i in items.iter() {
                    let v = self.expr(i)?;
                    self.charge(&mut used, &v, i)?;
                    out.push(v);
                }
                Ok(Value::List(out))
            }
            Expression::Object(obj) => {
                let mut out = BTreeMap::new();
                let mut unknown_key = false;
                let mut used = 0;
                for (k, v) in obj.iter() {
                    let key = match k {
                        ObjectKey::Ident(id) => id.value().as_str().to_string(),
                        ObjectKey::Expression(ke) => {
                            let kv = self.expr(ke)?;
                            if kv.is_unknown() {
                                unknown_key = true;
                                continue;
                            }
                            match TypeConstraint::String.convert(kv) {
                                Ok(Value::String(s)) => s,
                                Ok(Value::Sensitive(b)) => match *b {
                                    Value::String(s) => s,
                                    _ => {
                                        return Err(self.err(ke, "Invalid object key", "a key must be a string"));
                                    }
                                },
                                _ => {
                                    return Err(self.err(ke, "Invalid object key", "a key must be a string"));
                                }
                            }
                        }
                    };
                    let val = self.expr(v.expr())?;
                    self.charge(&mut used, &val, v.expr())?;
                    out.insert(key, val);
                }
                if unknown_key { Ok(Value::Unknown) } else { Ok(Value::Map(out)) }
            }
            Expression::StringTemplate(t) => self.template_value(t),
            Expression::HeredocTemplate(h) => self.template_value(&h.template),
            Expression::Parenthesis(p) => self.expr(p.inner()),
            Expression::Variable(v) => {
                let name = v.value().as_str();
                match self.bound.iter().rev().find(|(n, _)| n == name) {
                    Some((_, val)) => Ok(val.clone()),
                    None => Err(self.err(e, "Unknown variable", format!("there is no variable named `{name}`"))),
                }
            }
            Expression::Conditional(c) => {
                let cond = self.expr(&c.cond_expr)?;
                let (cond, sensitive) = cond.into_unmarked();
                let pick = match cond {
                    Value::Unknown => return Ok(Value::Unknown),
                    Value::Bool(b) => b,
                    Value::String(ref s) if s == "true" || s == "false" => s == "true",
                    other => {
                        return Err(self.err(
                            &c.cond_expr,
                            "Invalid condition",
                            format!("the condition must be a bool, but it is {}", other.type_name()),
                        ));
                    }
                };
                let v = if pick { self.expr(&c.true_expr)? } else { self.expr(&c.false_expr)? };
                Ok(v.mark_if(sensitive))
            }
            Expression::FuncCall(f) => self.call(e, f),
            Expression::Traversal(t) => self.traversal(e, t),
            Expression::UnaryOp(u) => {
                let v = self.expr(&u.expr)?;
                let (v, s) = v.into_unmarked();
                if v.is_unknown() {
                    return Ok(Value::Unknown);
                }
                let out = match u.operator.value() {
                    UnaryOperator::Neg => match TypeConstraint::Number.convert(v) {
                        Ok(Value::Number(n)) => Value::Number(-n),
                        _ => return Err(self.err(e, "Invalid operand", "`-` needs a number")),
                    },
                    UnaryOperator::Not => match TypeConstraint::Bool.convert(v) {
                        Ok(Value::Bool(b)) => Value::Bool(!b),
                        _ => return Err(self.err(e, "Invalid operand", "`!` needs a bool")),
                    },
                };
                Ok(out.mark_if(s))
            }
            Expression::BinaryOp(b) => self.binary(e, b),
            Expression::ForExpr(f) => self.for_expr(f),
        }
    }

    fn binary(&mut self, e: &Expression, b: &hcl_edit::expr::BinaryOp) -> R {
        let op = *b.operator.value();
        let lhs = self.expr(&b.lhs_expr)?;
        // Logical operators short-circuit on a known left side.
        if matches!(op, BinaryOperator::And | BinaryOperator::Or) {
            let l = self.bool_operand(&b.lhs_expr, lhs)?;
            match (op, l) {
                (BinaryOperator::And, Some((false, s))) => return Ok(Value::Bool(false).mark_if(s)),
                (BinaryOperator::Or, Some((true, s))) => return Ok(Value::Bool(true).mark_if(s)),
                _ => {}
            }
            let rhs = self.expr(&b.rhs_expr)?;
            let r = self.bool_operand(&b.rhs_expr, rhs)?;
            return Ok(match (l, r) {
                (Some((_, ls)), Some((r, rs))) => Value::Bool(r).mark_if(ls || rs),
                _ => Value::Unknown,
            });
        }
        let rhs = self.expr(&b.rhs_expr)?;
        let sensitive = lhs.contains_sensitive() || rhs.contains_sensitive();
        if !lhs.is_wholly_known() || !rhs.is_wholly_known() {
            return Ok(Value::Unknown);
        }
        let (l, r) = (lhs.strip_marks(), rhs.strip_marks());
        let out = match op {
            BinaryOperator::Eq => Value::Bool(l.same_as(&r) && l.type_name() == r.type_name() || both_null(&l, &r)),
            BinaryOperator::NotEq => {
                Value::Bool(!(l.same_as(&r) && l.type_name() == r.type_name() || both_null(&l, &r)))
            }
            _ => {
                let ln = self.num_operand(&b.lhs_expr, l, op)?;
                let rn = self.num_operand(&b.rhs_expr, r, op)?;
                match op {
                    BinaryOperator::Plus => Value::Number(ln + rn),
                    BinaryOperator::Minus => Value::Number(ln - rn),
                    BinaryOperator::Mul => Value::Number(ln * rn),
                    BinaryOperator::Div if rn == 0.0 => {
                        return Err(self.err(&b.rhs_expr, "Division by zero", "the divisor is zero"));
                    }
                    BinaryOperator::Div => Value::Number(ln / rn),
                    BinaryOperator::Mod if rn == 0.0 => {
                        return Err(self.err(&b.rhs_expr, "Division by zero", "the divisor is zero"));
                    }
                    BinaryOperator::Mod => Value::Number(ln % rn),
                    BinaryOperator::Less => Value::Bool(ln < rn),
                    BinaryOperator::LessEq => Value::Bool(ln <= rn),
                    BinaryOperator::Greater => Value::Bool(ln > rn),
                    BinaryOperator::GreaterEq => Value::Bool(ln >= rn),
                    _ => {
                        return Err(self.err(e, "Unsupported operator", "this operator is not supported"));
                    }
                }
            }
        };
        Ok(out.mark_if(sensitive))
    }

    fn bool_operand(&self, e: &Expression, v: Value) -> Result<Option<(bool, bool)>, Diagnostic> {
        let (v, s) = v.into_unmarked();
        if v.is_unknown() {
            return Ok(None);
        }
        match TypeConstraint::Bool.convert(v) {
            Ok(Value::Bool(b)) => Ok(Some((b, s))),
            Ok(other) => {
                Err(self.err(e, "Invalid operand", format!("a bool is required, but this is {}", other.type_name())))
            }
            Err(m) => Err(self.err(e, "Invalid operand", m)),
        }
    }

    fn num_operand(&self, e: &Expression, v: Value, op: BinaryOperator) -> Result<f64, Diagnostic> {
        match TypeConstraint::Number.convert(v) {
            Ok(Value::Number(n)) => Ok(n),
            Ok(other) => Err(self.err(
                e,
                "Invalid operand",
                format!("`{}` needs numbers, but this is {}", op.as_str(), other.type_name()),
            )),
            Err(m) => Err(self.err(e, "Invalid operand", format!("`{}` needs numbers: {m}", op.as_str()))),
        }
    }

    fn for_expr(&mut self, f: &hcl_edit::expr::ForExpr) -> R {
        let coll = self.expr(&f.intro.collection_expr)?;
        let (coll, sensitive) = coll.into_unmarked();
        let pairs: Vec<(Value, Value)> = match coll {
            Value::Unknown => return Ok(Value::Unknown),
            Value::List(items) => items.into_iter().enumerate().map(|(i, v)| (Value::Number(i as f64), v)).collect(),
            Value::Set(items) => items.into_iter().map(|v| (v.clone(), v)).collect(),
            Value::Map(m) => m.into_iter().map(|(k, v)| (Value::String(k), v)).collect(),
            Value::Null => {
                return Err(self.err(
                    &f.intro.collection_expr,
                    "Iteration over null value",
                    "a `for` expression needs a list, set or map, not null",
                ));
            }
            other => {
                return Err(self.err(
                    &f.intro.collection_expr,
                    "Iteration over non-iterable value",
                    format!("a `for` expression needs a list, set or map, not {}", other.type_name()),
                ));
            }
        };
        let value_var = f.intro.value_var.value().as_str().to_string();
        let key_var = f.intro.key_var.as_ref().map(|k| k.value().as_str().to_string());
        let mut list = vec![];
        let mut map: BTreeMap<String, Value> = BTreeMap::new();
        let mut grouped: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        let mut unknown = false;
        let mut used = 0;
        for (k, v) in pairs {
            let n = self.bound.len();
            if let Some(kv) = &key_var {
                self.bound.push((kv.clone(), k));
            }
            self.bound.push((value_var.clone(), v));
            let result = (|| -> Result<(), Diagnostic> {
                if let Some(c) = &f.cond {
                    let cv = self.expr(&c.expr)?;
                    match self.bool_operand(&c.expr, cv)? {
                        None => {
                            unknown = true;
                            return Ok(());
                        }
                        Some((false, _)) => return Ok(()),
                        Some((true, _)) => {}
                    }
                }
                let val = self.expr(&f.value_expr)?;
                self.charge(&mut used, &val, &f.value_expr)?;
                match &f.key_expr {
                    None => list.push(val),
                    Some(ke) => {
                        let kv = self.expr(ke)?;
                        if kv.is_unknown() {
                            unknown = true;
                            return Ok(());
                        }
                        let key = match TypeConstraint::String.convert(kv.strip_marks()) {
                            Ok(Value::String(s)) => s,
                            _ => {
                                return Err(self.err(ke, "Invalid object key", "a `for` key must be a string"));
                            }
                        };
                        if f.grouping {
                            grouped.entry(key).or_default().push(val);
                        } else {
                            match map.entry(key) {
                                std::collections::btree_map::Entry::Occupied(o) => {
                                    return Err(self.err(
                                        ke,
                                        "Duplicate object key",
                                        format!(
                                            "two elements produce the key \"{}\"; add `...` after the value to group them",
                                            o.key()
                                        ),
                                    ));
                                }
                                std::collections::btree_map::Entry::Vacant(v) => {
                                    v.insert(val);
                                }
                            }
                        }
                    }
                }
                Ok(())
            })();
            self.bound.truncate(n);
            result?;
        }
        if unknown {
            return Ok(Value::Unknown);
        }
        let out = if f.key_expr.is_none() {
            Value::List(list)
        } else if f.grouping {
            Value::Map(grouped.into_iter().map(|(k, v)| (k, Value::List(v))).collect())
        } else {
            Value::Map(map)
        };
        Ok(out.mark_if(sensitive))
    }

    fn call(&mut self, e: &Expression, f: &hcl_edit::expr::FuncCall) -> R {
        let name = f.name.name.value().as_str();
        if f.name.is_namespaced() {
            return Err(self.err(
                e,
                "Unsupported function",
                "provider-defined functions (`provider::...`) are not supported",
            ));
        }
        let args: Vec<&Expression> = f.args.iter().collect();
        match name {
            "try" => {
                if args.is_empty() {
                    return Err(self.err(e, "Invalid function call", "try() needs at least one argument"));
                }
                let mut last = None;
                for a in &args {
                    match self.expr(a) {
                        Ok(v) if v.is_unknown() => return Ok(Value::Unknown),
                        Ok(v) => return Ok(v),
                        Err(d) => last = Some(d),
                    }
                }
                let detail = last.map(|d| d.summary).unwrap_or_default();
                return Err(self.err(
                    e,
                    "Error in function call",
                    format!("try(): no argument could be evaluated; the last failed with: {detail}"),
                ));
            }
            "can" => {
                let [a] = args.as_slice() else {
                    return Err(self.err(e, "Invalid function call", "can() takes exactly one argument"));
                };
                return Ok(match self.expr(a) {
                    Ok(v) if !v.is_wholly_known() => Value::Unknown,
                    Ok(_) => Value::Bool(true),
                    Err(_) => Value::Bool(false),
                });
            }
            _ => {}
        }
        if name == "issensitive" {
            let [a] = args.as_slice() else {
                return Err(self.err(e, "Invalid function call", "issensitive() takes exactly one argument"));
            };
            // A sensitive value is sensitive even while unknown; otherwise unknown stays unknown.
            let v = self.expr(a)?;
            return Ok(match v {
                Value::Sensitive(_) => Value::Bool(true),
                Value::Unknown => Value::Unknown,
                _ => Value::Bool(false),
            });
        }
        // As in Terraform: a template written in the call itself would already have been
        // rendered as a string expression, so the template must come from a reference.
        if name == "templatestring"
            && args.first().is_some_and(|a| !matches!(a, Expression::Traversal(_) | Expression::Variable(_)))
        {
            return Err(self.err(
                e,
                "Invalid function argument",
                "templatestring() takes a reference to a string that holds a template (such as `local.template` or `data.aws_s3_object.t.body`), not a template written in the call; for that, write the template as an ordinary string expression",
            ));
        }
        if let Some(reason) = functions::unsupported_reason(name) {
            return Err(self.err(e, "Unsupported function", reason));
        }
        let Some(spec) = functions::lookup(name) else {
            let hint = crate::did_you_mean(name, functions::FUNCTION_NAMES.iter().copied())
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            return Err(self.err(e, "Unsupported function", format!("`{name}` is not a supported function{hint}")));
        };
        let mut vals = Vec::with_capacity(args.len());
        let mut used = 0;
        for a in &args {
            let v = self.expr(a)?;
            self.charge(&mut used, &v, a)?;
            vals.push(v);
        }
        if f.args.expand_final() {
            match vals.pop().map(Value::into_unmarked) {
                Some((Value::List(items) | Value::Set(items), _)) => vals.extend(items),
                Some((Value::Unknown, _)) => return Ok(Value::Unknown),
                _ => {
                    return Err(self.err(
                        e,
                        "Invalid expanding argument",
                        "the argument before `...` must be a list or set",
                    ));
                }
            }
        }
        if vals.iter().any(Value::is_unknown) || (!spec.structural && vals.iter().any(|v| !v.is_wholly_known())) {
            return Ok(Value::Unknown);
        }
        let sensitive = sensitive_any(&vals) && name != "nonsensitive";
        let secrets: Vec<String> = if sensitive { vals.iter().flat_map(Value::secrets).collect() } else { vec![] };
        let vals: Vec<Value> = if spec.structural { vals } else { vals.iter().map(Value::strip_marks).collect() };
        let ctx = match self.scope.or(self.functions_scope) {
            Some(s) => {
                functions::Ctx { module_dir: s.module_dir.clone(), plan_time: s.plan_time, applying: s.applying }
            }
            None => functions::Ctx::default(),
        };
        let result = match name {
            "templatefile" => self.templatefile(&ctx, vals),
            "templatestring" => self.templatestring(vals),
            _ => (spec.f)(&ctx, vals),
        };
        match result {
            Ok(v) => Ok(if name == "sensitive" { v } else { v.mark_if(sensitive) }),
            Err(m) => Err(self.err(e, "Error in function call", format!("{name}(): {}", redact_text(&m, &secrets)))),
        }
    }

    fn templatefile(&mut self, ctx: &functions::Ctx, args: Vec<Value>) -> Result<Value, String> {
        let [path, vars] =
            <[Value; 2]>::try_from(args).map_err(|_| "takes a path and a map of variables".to_string())?;
        let path = path.as_str().ok_or("the path must be a string")?.to_string();
        let full = ctx.module_dir.join(&path);
        let text = std::fs::read_to_string(&full).map_err(|e| format!("cannot read {}: {e}", full.display()))?;
        self.render_template(&path, &text, vars)
    }

    /// `templatestring(template, vars)`: a template held in a string (read from a file or a data
    /// source), rendered like `templatefile`.
    fn templatestring(&mut self, args: Vec<Value>) -> Result<Value, String> {
        let [text, vars] =
            <[Value; 2]>::try_from(args).map_err(|_| "takes a template string and a map of variables".to_string())?;
        let text = match text {
            Value::String(s) => s,
            other => return Err(format!("the template must be a string, not {}", other.type_name())),
        };
        self.render_template("the template", &text, vars)
    }

    /// Renders a template's text with only the given variables in scope; `path` says where the
    /// text came from, for messages.
    fn render_template(&mut self, path: &str, text: &str, vars: Value) -> Result<Value, String> {
        let template = hcl_edit::parser::parse_template(text)
            .map_err(|e| format!("{}:{}:{}: {}", path, e.location().line(), e.location().column(), e.message()))?;
        let vars = match vars.unmarked() {
            Value::Map(m) => m.clone(),
            Value::Null => BTreeMap::new(),
            _ => return Err("the variables must be a map".into()),
        };
        // A template sees only the variables it is given.
        let mut inner = Evaluator {
            scope: None,
            functions_scope: self.scope.or(self.functions_scope),
            inst: self.inst,
            file: usize::MAX,
            bound: vars.into_iter().collect(),
            tainted: false,
            module: None,
        };
        let mut out = String::new();
        match inner.template(&template, &mut out, Strip::None, Strip::None) {
            Ok(true) => Ok(Value::String(out)),
            Ok(false) => Ok(Value::Unknown),
            Err(d) => Err(format!(
                "in {path}: {}: {}",
                d.summary,
                d.labels.first().map(|l| l.message.clone()).unwrap_or_default()
            )),
        }
    }

    /// A template's value: a lone interpolation keeps its type, anything else is a string.
    fn template_value(&mut self, t: &Template) -> R {
        if let Some(Element::Interpolation(i)) = t.as_single_element() {
            return self.expr(&i.expr);
        }
        let mut out = String::new();
        let before = self.bound.len();
        let tainted = std::mem::replace(&mut self.tainted, false);
        let known = self.template(t, &mut out, Strip::None, Strip::None);
        self.bound.truncate(before);
        let sensitive = std::mem::replace(&mut self.tainted, tainted);
        if known? { Ok(Value::String(out).mark_if(sensitive)) } else { Ok(Value::Unknown) }
    }

    /// Appends a template's text to `out`; returns false when an unknown value makes it unknown.
    /// `outer_prev`/`outer_next` are the strip markers of the directive around this template.
    fn template(
        &mut self,
        t: &Template,
        out: &mut String,
        outer_prev: Strip,
        outer_next: Strip,
    ) -> Result<bool, Diagnostic> {
        let elems: Vec<&Element> = t.iter().collect();
        let strip_of = |el: &Element| -> Strip {
            match el {
                Element::Literal(_) => Strip::None,
                Element::Interpolation(i) => i.strip,
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(d) => Strip::from((d.if_expr.strip.strip_start(), d.endif_expr.strip.strip_end())),
                    Directive::For(d) => Strip::from((d.for_expr.strip.strip_start(), d.endfor_expr.strip.strip_end())),
                },
            }
        };
        let mut known = true;
        for (i, el) in elems.iter().enumerate() {
            match el {
                Element::Literal(s) => {
                    let prev = if i == 0 { outer_prev } else { strip_of(elems[i - 1]) };
                    let next = if i + 1 == elems.len() { outer_next } else { strip_of(elems[i + 1]) };
                    let mut lit: &str = s.value();
                    if prev.strip_end() {
                        lit = lit.trim_start();
                    }
                    if next.strip_start() {
                        lit = lit.trim_end();
                    }
                    out.push_str(lit);
                }
                Element::Interpolation(interp) => {
                    let v = self.expr(&interp.expr)?;
                    self.tainted |= v.contains_sensitive();
                    match self.stringify(&interp.expr, v)? {
                        Some(s) => out.push_str(&s),
                        None => known = false,
                    }
                    limits::string_fits(out.len()).map_err(|m| self.err(&interp.expr, limits::VALUE_TOO_LARGE, m))?;
                }
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(d) => {
                        let c = self.expr(&d.if_expr.cond_expr)?;
                        match self.bool_operand(&d.if_expr.cond_expr, c)? {
                            None => known = false,
                            Some((true, _)) => {
                                let next = d.else_expr.as_ref().map_or(d.endif_expr.strip, |e| e.strip);
                                known &= self.template(&d.if_expr.template, out, d.if_expr.strip, next)?;
                            }
                            Some((false, _)) => {
                                if let Some(e) = &d.else_expr {
                                    known &= self.template(&e.template, out, e.strip, d.endif_expr.strip)?;
                                }
                            }
                        }
                    }
                    Directive::For(d) => {
                        let f = &d.for_expr;
                        let coll = self.expr(&f.collection_expr)?;
                        let pairs: Vec<(Value, Value)> = match coll.into_unmarked().0 {
                            Value::Unknown => {
                                known = false;
                                continue;
                            }
                            Value::List(items) => {
                                items.into_iter().enumerate().map(|(i, v)| (Value::Number(i as f64), v)).collect()
                            }
                            Value::Set(items) => items.into_iter().map(|v| (v.clone(), v)).collect(),
                            Value::Map(m) => m.into_iter().map(|(k, v)| (Value::String(k), v)).collect(),
                            other => {
                                return Err(self.err(
                                    &f.collection_expr,
                                    "Iteration over non-iterable value",
                                    format!("a template `for` needs a list, set or map, not {}", other.type_name()),
                                ));
                            }
                        };
                        for (k, v) in pairs {
                            let n = self.bound.len();
                            if let Some(kv) = &f.key_var {
                                self.bound.push((kv.value().as_str().to_string(), k));
                            }
                            self.bound.push((f.value_var.value().as_str().to_string(), v));
                            let r = self.template(&f.template, out, f.strip, d.endfor_expr.strip);
                            self.bound.truncate(n);
                            known &= r?;
                            limits::string_fits(out.len())
                                .map_err(|m| self.err(&f.collection_expr, limits::VALUE_TOO_LARGE, m))?;
                        }
                    }
                },
            }
        }
        Ok(known)
    }

    /// The string form of an interpolated value; `None` when unknown.
    fn stringify(&self, e: &Expression, v: Value) -> Result<Option<String>, Diagnostic> {
        let v = v.strip_marks();
        match v {
            Value::Unknown => Ok(None),
            Value::String(s) => Ok(Some(s)),
            Value::Number(n) => Ok(Some(provision_core::value::format_number(n))),
            Value::Bool(b) => Ok(Some(b.to_string())),
            Value::Null => Err(self.err(e, "Invalid template interpolation value", "the expression result is null")),
            other => Err(self.err(
                e,
                "Invalid template interpolation value",
                format!(
                    "cannot include a {} in a string; use jsonencode() or join() to turn it into text",
                    other.type_name()
                ),
            )),
        }
    }

    fn traversal(&mut self, e: &Expression, t: &hcl_edit::expr::Traversal) -> R {
        let ops: Vec<&TraversalOperator> = t.operators.iter().map(|o| o.value()).collect();
        // Fast path: walk into a scope value by reference and clone only the part that is read
        // (a reference to one instance must not copy every instance of the resource).
        let borrowed = match &t.expr {
            Expression::Variable(v) => self.root_ref(v.value().as_str(), &ops),
            _ => None,
        };
        let (mut value, mut i, resource) = match borrowed {
            Some((root, rest, resource)) => {
                if resource.is_some() && root.is_unknown() {
                    return Ok(Value::Unknown);
                }
                let (v, i) = self.descend(root, &ops, rest)?;
                // Only the first step after a resource name gets the resource-specific messages.
                (v, i, if i == rest { resource } else { None })
            }
            None => {
                let (value, rest, resource) = match &t.expr {
                    Expression::Variable(v) => self.root(e, v.value().as_str(), &ops)?,
                    other => (self.expr(other)?, 0, None),
                };
                if resource.is_some() && value.is_unknown() {
                    return Ok(Value::Unknown);
                }
                (value, rest, resource)
            }
        };
        let rest = i;
        while i < ops.len() {
            match ops[i] {
                TraversalOperator::FullSplat(_) | TraversalOperator::AttrSplat(_) => {
                    let attr_only = matches!(ops[i], TraversalOperator::AttrSplat(_));
                    let end = if attr_only {
                        ops[i + 1..]
                            .iter()
                            .position(|o| !matches!(o, TraversalOperator::GetAttr(_)))
                            .map_or(ops.len(), |p| i + 1 + p)
                    } else {
                        ops.len()
                    };
                    let (v, s) = value.into_unmarked();
                    let items = match v {
                        Value::Unknown => return Ok(Value::Unknown),
                        Value::Null => vec![],
                        Value::List(items) | Value::Set(items) => items,
                        other => vec![other],
                    };
                    let mut out = vec![];
                    for item in items {
                        let mut cur = item;
                        for op in &ops[i + 1..end] {
                            cur = self.step(e, cur, op, None)?;
                        }
                        out.push(cur);
                    }
                    value = Value::List(out).mark_if(s);
                    i = end;
                }
                op => {
                    let res = if i == rest { resource.as_ref() } else { None };
                    value = self.step(e, value, op, res)?;
                    i += 1;
                }
            }
        }
        Ok(value)
    }

    /// The root of a traversal when it lives in the scope (variables, locals, resources), by
    /// reference. `None` for everything else; the caller then takes the owned path.
    fn root_ref(&self, name: &str, ops: &[&TraversalOperator]) -> Option<(&'a Value, usize, Option<Address>)> {
        if self.bound.iter().any(|(n, _)| n == name) {
            return None;
        }
        let scope = self.scope?;
        let attr = |i: usize| match ops.get(i) {
            Some(TraversalOperator::GetAttr(id)) => Some(id.value().as_str()),
            _ => None,
        };
        match name {
            "var" if self.module.is_none() => scope.variables.get(attr(0)?).map(|v| (v, 1, None)),
            "var" => scope.locals.get(&local_key(self.module, "var", attr(0)?)).map(|v| (v, 1, None)),
            "local" => scope.locals.get(&local_key(self.module, "local", attr(0)?)).map(|v| (v, 1, None)),
            "module" => match ops.get(1) {
                Some(TraversalOperator::GetAttr(o)) => {
                    scope.locals.get(&call_key(self.module, attr(0)?, Some(o.value().as_str()))).map(|v| (v, 2, None))
                }
                _ => scope.locals.get(&call_key(self.module, attr(0)?, None)).map(|v| (v, 1, None)),
            },
            "count" | "each" | "path" | "terraform" | "self" => None,
            "data" => {
                let a = self.in_module(Address::data(attr(0)?, attr(1)?));
                scope.resources.get(&a).map(|v| (v, 2, Some(a)))
            }
            type_name => {
                let a = self.in_module(Address::managed(type_name, attr(0)?));
                scope.resources.get(&a).map(|v| (v, 1, Some(a)))
            }
        }
    }

    /// Follows attribute and index steps by reference as far as they plainly succeed, then clones.
    /// Anything unusual (splats, sensitive or unknown values, errors) is left to the owned path,
    /// which produces the values and messages.
    fn descend(
        &mut self,
        mut cur: &'a Value,
        ops: &[&TraversalOperator],
        mut i: usize,
    ) -> Result<(Value, usize), Diagnostic> {
        while i < ops.len() {
            let next = match (ops[i], cur) {
                (TraversalOperator::GetAttr(id), Value::Map(m)) => m.get(id.value().as_str()),
                (TraversalOperator::LegacyIndex(n), Value::List(items)) => items.get(*n.value() as usize),
                (TraversalOperator::Index(ie), Value::List(items)) => match self.expr(ie)? {
                    Value::Number(n) if n >= 0.0 && n.fract() == 0.0 => items.get(n as usize),
                    _ => None,
                },
                (TraversalOperator::Index(ie), Value::Map(m)) => match self.expr(ie)? {
                    Value::String(k) => m.get(&k),
                    _ => None,
                },
                _ => None,
            };
            match next {
                Some(v) => {
                    cur = v;
                    i += 1;
                }
                None => break,
            }
        }
        Ok((cur.clone(), i))
    }

    /// Resolves the root of a traversal. Returns the value, how many operators it consumed and,
    /// for resources, the resource address (for messages).
    fn root(
        &mut self,
        e: &Expression,
        name: &str,
        ops: &[&TraversalOperator],
    ) -> Result<(Value, usize, Option<Address>), Diagnostic> {
        if let Some((_, v)) = self.bound.iter().rev().find(|(n, _)| n == name) {
            return Ok((v.clone(), 0, None));
        }
        let attr = |i: usize| match ops.get(i) {
            Some(TraversalOperator::GetAttr(id)) => Some(id.value().as_str().to_string()),
            _ => None,
        };
        let Some(scope) = self.scope else {
            return Err(self.err(
                e,
                "Variables not allowed",
                format!("`{name}` cannot be used here: only literal values are allowed"),
            ));
        };
        let missing = |what: &str| self.err(e, "Invalid reference", format!("`{name}` must be followed by {what}"));
        match name {
            "var" if self.module.is_none() => {
                let n = attr(0).ok_or_else(|| missing("a variable name"))?;
                let v = scope.variables.get(&n).cloned().ok_or_else(|| {
                    self.err(e, "Reference to undeclared input variable", format!("no variable \"{n}\" is declared"))
                })?;
                Ok((v, 1, None))
            }
            "var" => {
                let n = attr(0).ok_or_else(|| missing("a variable name"))?;
                Ok((scope.locals.get(&local_key(self.module, "var", &n)).cloned().unwrap_or(Value::Unknown), 1, None))
            }
            "local" => {
                let n = attr(0).ok_or_else(|| missing("a local name"))?;
                Ok((scope.locals.get(&local_key(self.module, "local", &n)).cloned().unwrap_or(Value::Unknown), 1, None))
            }
            "module" => {
                let call = attr(0).ok_or_else(|| missing("a module name"))?;
                match attr(1) {
                    Some(o) => {
                        let key = call_key(self.module, &call, Some(&o));
                        Ok((scope.locals.get(&key).cloned().unwrap_or(Value::Unknown), 2, None))
                    }
                    None => Ok((
                        scope.locals.get(&call_key(self.module, &call, None)).cloned().unwrap_or(Value::Unknown),
                        1,
                        None,
                    )),
                }
            }
            "count" => match (attr(0).as_deref(), self.inst.count_index) {
                (Some("index"), Some(i)) => Ok((Value::Number(i as f64), 1, None)),
                (Some("index"), None) if self.inst.unknown => Ok((Value::Unknown, 1, None)),
                (Some("index"), None) => Err(self.err(
                    e,
                    "Reference to \"count\" in non-counted context",
                    "`count.index` is only available in a resource or module call with `count` set",
                )),
                _ => Err(missing("`.index`")),
            },
            "each" => match (attr(0).as_deref(), &self.inst.each) {
                (Some("key"), Some((k, _))) => Ok((k.clone(), 1, None)),
                (Some("value"), Some((_, v))) => Ok((v.clone(), 1, None)),
                (Some("key" | "value"), None) if self.inst.unknown => Ok((Value::Unknown, 1, None)),
                (Some("key" | "value"), None) => Err(self.err(
                    e,
                    "each.value cannot be used in this context",
                    "`each.key` and `each.value` are only available in a resource or module call with `for_each` set",
                )),
                _ => Err(missing("`.key` or `.value`")),
            },
            "path" => match attr(0).as_deref() {
                Some("module") => {
                    Ok((Value::String(self.module.map_or_else(|| ".".to_string(), |m| m.rel_dir.clone())), 1, None))
                }
                Some("root") => Ok((Value::String(".".into()), 1, None)),
                Some("cwd") => Ok((Value::String(scope.module_dir.display().to_string()), 1, None)),
                _ => Err(missing("`.module`, `.root` or `.cwd`")),
            },
            "terraform" => match attr(0).as_deref() {
                Some("workspace") => Ok((Value::String(scope.workspace.clone()), 1, None)),
                _ => Err(missing("`.workspace`")),
            },
            "data" => {
                let (t, n) = (attr(0), attr(1));
                let (Some(t), Some(n)) = (t, n) else { return Err(missing("a type and a name")) };
                let a = self.in_module(Address::data(t, n));
                Ok((scope.resources.get(&a).cloned().unwrap_or(Value::Unknown), 2, Some(a)))
            }
            type_name => {
                let Some(n) = attr(0) else {
                    return Err(self.err(e, "Unknown variable", format!("there is no variable named `{type_name}`")));
                };
                let a = self.in_module(Address::managed(type_name, n));
                Ok((scope.resources.get(&a).cloned().unwrap_or(Value::Unknown), 1, Some(a)))
            }
        }
    }

    /// Applies one attribute access or index to a value.
    fn step(&mut self, e: &Expression, value: Value, op: &TraversalOperator, resource: Option<&Address>) -> R {
        let (value, s) = value.into_unmarked();
        let out = match op {
            TraversalOperator::GetAttr(id) => {
                let name = id.value().as_str();
                match value {
                    Value::Unknown => Value::Unknown,
                    Value::Map(mut m) => match m.remove(name) {
                        Some(v) => v,
                        None => {
                            return Err(self.err(
                                e,
                                "Unsupported attribute",
                                format!("this object has no attribute named \"{name}\""),
                            ));
                        }
                    },
                    Value::Null => {
                        return Err(self.err(
                            e,
                            "Attempt to get attribute from null value",
                            format!("cannot read \"{name}\" from null"),
                        ));
                    }
                    Value::List(_) | Value::Set(_) if resource.is_some() => {
                        let a = resource.map(ToString::to_string).unwrap_or_default();
                        let how = self
                            .scope
                            .and_then(|sc| resource.and_then(|r| sc.expanded.get(r)))
                            .copied()
                            .unwrap_or("count");
                        return Err(self.err(
                            e,
                            "Missing resource instance key",
                            format!("{a} has `{how}` set, so its attributes must be read from one instance, as in {a}[count.index].{name}, or from all with {a}[*].{name}"),
                        ));
                    }
                    Value::List(_) | Value::Set(_) => {
                        return Err(self.err(e, "Unsupported attribute", format!("this value is a list; read \"{name}\" from one element with [index], or from all with [*].{name}")));
                    }
                    other => {
                        return Err(self.err(
                            e,
                            "Unsupported attribute",
                            format!("cannot read \"{name}\" from a {}", other.type_name()),
                        ));
                    }
                }
            }
            TraversalOperator::Index(ie) => {
                let key = self.expr(ie)?;
                self.index(e, value, key)?
            }
            TraversalOperator::LegacyIndex(n) => self.index(e, value, Value::Number(*n.value() as f64))?,
            TraversalOperator::FullSplat(_) | TraversalOperator::AttrSplat(_) => value,
        };
        Ok(out.mark_if(s))
    }

    fn index(&self, e: &Expression, value: Value, key: Value) -> R {
        let (key, ks) = key.into_unmarked();
        if key.is_unknown() || value.is_unknown() {
            return Ok(Value::Unknown);
        }
        let out = match value {
            Value::List(items) => {
                let i = match TypeConstraint::Number.convert(key) {
                    Ok(Value::Number(n)) if n >= 0.0 && n.fract() == 0.0 => n as usize,
                    _ => {
                        return Err(self.err(e, "Invalid index", "a list index must be a whole number of at least 0"));
                    }
                };
                let len = items.len();
                items.into_iter().nth(i).ok_or_else(|| {
                    self.err(e, "Invalid index", format!("index {i} is out of range: the list has {len} elements"))
                })?
            }
            Value::Map(mut m) => {
                let k = match TypeConstraint::String.convert(key) {
                    Ok(Value::String(s)) => s,
                    _ => return Err(self.err(e, "Invalid index", "a map key must be a string")),
                };
                m.remove(&k).ok_or_else(|| {
                    self.err(e, "Invalid index", format!("the map has no element with the key \"{k}\""))
                })?
            }
            Value::Set(_) => {
                return Err(self.err(
                    e,
                    "Invalid index",
                    "elements of a set cannot be indexed; convert it with tolist() first",
                ));
            }
            Value::Null => return Err(self.err(e, "Invalid index", "cannot index a null value")),
            Value::Number(_) => {
                return Err(self.err(
                    e,
                    "Invalid index",
                    "a number cannot be indexed; an IP address or CIDR block is a string and must be quoted, as in \"10.0.0.0/16\"",
                ));
            }
            other => {
                return Err(self.err(e, "Invalid index", format!("a {} cannot be indexed", other.type_name())));
            }
        };
        Ok(out.mark_if(ks))
    }
}

fn both_null(a: &Value, b: &Value) -> bool {
    a.is_null() && b.is_null()
}

#[cfg(test)]
mod tests;
