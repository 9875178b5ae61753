//! Finds what an expression refers to (`var.x`, `local.y`, `aws_vpc.main.id`, ...), without
//! evaluating it: the edges of the dependency graph and the input of static reference checks.

use super::module::{Condition, Expr, LocalKind, Module, ModuleCtx, ObjectId, Refs, call_key, local_key};
use hcl_edit::Span as _;
use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::template::{Directive, Element, Template};
use provision_core::{Address, Span};
use std::sync::Arc;

impl Expr {
    /// Everything this expression refers to.
    pub fn references(&self) -> Vec<Reference> {
        references(self)
    }

    /// Where this expression holds something like `10.0.0.0/16` or `10.0.0.1` outside quotes
    /// (which parses as a number indexed by numbers, divided by a number).
    pub fn unquoted_addresses(&self) -> Vec<Span> {
        unquoted_addresses(self)
    }

    /// Every function this expression calls.
    pub fn function_calls(&self) -> Vec<(String, Option<Span>)> {
        function_calls(self)
    }
}

impl Module {
    /// Every object with the objects it refers to (and the span of each reference), in
    /// declaration order. References to `count`, `each`, `path` and `terraform` are left out.
    pub fn dependencies(&self) -> Vec<(ObjectId, Refs)> {
        let mut out = vec![];
        for v in self.variables.values() {
            // Validation conditions refer to the variable itself only.
            out.push((ObjectId::Variable(v.name.clone()), vec![]));
        }
        for l in self.locals.values() {
            let mut deps = refs_of(l.expr.iter().chain(l.preconditions.iter().flat_map(Condition::exprs)));
            if let LocalKind::Input(v) = &l.kind {
                deps.extend(refs_of(v.validations.iter().flat_map(|c| [&c.condition, &c.error_message])));
                // A validation refers to the input itself.
                deps.retain(|(id, _)| *id != ObjectId::Local(l.name.clone()));
            }
            if let LocalKind::Outputs(outputs) = &l.kind {
                deps.extend(outputs.iter().map(|(_, key)| (ObjectId::Local(key.clone()), None)));
            }
            if let LocalKind::Instances { keys: Some(keys), .. } = &l.kind {
                deps.extend(keys.iter().map(|(_, key)| (ObjectId::Local(key.clone()), None)));
            }
            deps.extend(l.depends_on.iter().cloned());
            out.push((ObjectId::Local(l.name.clone()), deps));
        }
        for r in &self.resources {
            let mut exprs: Vec<&Expr> = r.body.exprs();
            exprs.extend(r.count.iter());
            exprs.extend(r.for_each.iter());
            exprs.extend(r.lifecycle.condition_exprs());
            exprs.extend(r.lifecycle.replace_triggered_by.iter());
            exprs.extend(r.timeouts.exprs.iter().map(|(_, e)| e));
            // What a creation-time provisioner's command uses must exist when it runs.
            exprs.extend(r.provisioners.iter().filter(|p| !p.destroy).flat_map(|p| p.body.attrs.values()));
            let mut deps = refs_of(exprs);
            deps.extend(r.depends_on.iter().cloned());
            out.push((ObjectId::Resource(r.address.clone()), deps));
        }
        for o in self.outputs.values() {
            let mut deps = refs_of(std::iter::once(&o.value).chain(o.preconditions.iter().flat_map(Condition::exprs)));
            deps.extend(o.depends_on.iter().cloned());
            out.push((ObjectId::Output(o.name.clone()), deps));
        }
        out
    }
}

fn refs_of<'a>(exprs: impl IntoIterator<Item = &'a Expr>) -> Vec<(ObjectId, Option<Span>)> {
    exprs
        .into_iter()
        .flat_map(|e| e.references())
        .filter_map(|r| r.object_id().map(|id| (id, r.span.clone())))
        .collect()
}

/// What a reference starts with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefRoot {
    Var(String),
    Local(String),
    /// A resource or data source, without instance key.
    Resource(Address),
    CountIndex,
    EachKey,
    EachValue,
    /// `module.NAME`: a module call; the output read, if any, is in [`Reference::attr`].
    Module(String),
    /// `path.module`, `path.root` or `path.cwd`.
    Path(String),
    Workspace,
    /// `self`: the object a postcondition checks.
    SelfObject,
    /// Something that is not a valid reference; the string says what is wrong.
    Invalid(String),
}

/// One reference found in an expression.
#[derive(Debug, Clone)]
pub struct Reference {
    pub root: RefRoot,
    /// For resources and module calls: the attribute (the output) read after the optional
    /// instance key or splat.
    pub attr: Option<String>,
    /// For resources and module calls: what follows the name before the attribute, if anything.
    pub index: Option<IndexKind>,
    pub span: Option<Span>,
    /// The module the reference is written in (`None`: the root); its names resolve there.
    pub module: Option<Arc<ModuleCtx>>,
}

/// What follows a resource name in a reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexKind {
    /// `[0]` or `["key"]`: one instance.
    Key,
    /// `[*]` or `.*`: every instance.
    Splat,
}

impl Reference {
    /// The configuration object this reference makes its holder depend on.
    pub fn object_id(&self) -> Option<ObjectId> {
        let module = self.module.as_deref();
        match &self.root {
            RefRoot::Var(n) if module.is_none() => Some(ObjectId::Variable(n.clone())),
            RefRoot::Var(n) => Some(ObjectId::Local(local_key(module, "var", n))),
            RefRoot::Local(n) => Some(ObjectId::Local(local_key(module, "local", n))),
            // With an instance key or a splat, the reference reads the whole call.
            RefRoot::Module(call) if self.index.is_some() => Some(ObjectId::Local(call_key(module, call, None))),
            RefRoot::Module(call) => Some(ObjectId::Local(call_key(module, call, self.attr.as_deref()))),
            RefRoot::Resource(a) => match module {
                None => Some(ObjectId::Resource(a.clone())),
                Some(m) => Some(ObjectId::Resource(provision_core::Address { module: m.steps.clone(), ..a.clone() })),
            },
            _ => None,
        }
    }
}

/// Every reference in `expr`, in source order.
pub fn references(expr: &Expr) -> Vec<Reference> {
    let mut w = Walker::new(expr.file);
    w.bound.extend(expr.iterators.iter().cloned());
    w.expr(&expr.ast);
    if expr.module.is_some() {
        for r in &mut w.out {
            r.module = expr.module.clone();
        }
    }
    w.out
}

/// Every function called in `expr`, with the span of each call.
pub fn function_calls(expr: &Expr) -> Vec<(String, Option<Span>)> {
    let mut w = Walker::new(expr.file);
    w.expr(&expr.ast);
    w.calls
}

/// Every IP address or CIDR block written without quotes in `expr`.
pub fn unquoted_addresses(expr: &Expr) -> Vec<Span> {
    let mut w = Walker::new(expr.file);
    w.expr(&expr.ast);
    w.unquoted
}

struct Walker {
    file: usize,
    bound: Vec<String>,
    out: Vec<Reference>,
    calls: Vec<(String, Option<Span>)>,
    unquoted: Vec<Span>,
}

/// `10.0.0.1` parses as the number `10.0` indexed by `0` and `1`.
fn is_unquoted_address(e: &Expression) -> bool {
    match e {
        Expression::Traversal(t) => {
            matches!(t.expr, Expression::Number(_))
                && !t.operators.is_empty()
                && t.operators.iter().all(|o| matches!(o.value(), TraversalOperator::LegacyIndex(_)))
        }
        _ => false,
    }
}

impl Walker {
    fn new(file: usize) -> Walker {
        Walker { file, bound: vec![], out: vec![], calls: vec![], unquoted: vec![] }
    }

    fn span(&self, e: &Expression) -> Option<Span> {
        e.span().map(|r| Span::new(self.file, r))
    }

    fn expr(&mut self, e: &Expression) {
        match e {
            Expression::Null(_) | Expression::Bool(_) | Expression::Number(_) | Expression::String(_) => {}
            Expression::Array(items) => items.iter().for_each(|i| self.expr(i)),
            Expression::Object(obj) => {
                for (k, v) in obj.iter() {
                    if let hcl_edit::expr::ObjectKey::Expression(k) = k {
                        // A bare traversal key like `var.x = 1` is evaluated; so are parenthesised keys.
                        self.expr(k);
                    }
                    self.expr(v.expr());
                }
            }
            Expression::StringTemplate(t) => self.template(t),
            Expression::HeredocTemplate(h) => self.template(&h.template),
            Expression::Parenthesis(p) => self.expr(p.inner()),
            Expression::Variable(v) => {
                let name = v.value().as_str();
                if !self.bound.iter().any(|b| b == name) {
                    let root = match name {
                        "var" | "local" | "count" | "each" | "path" | "terraform" | "data" => {
                            RefRoot::Invalid(format!("`{name}` must be followed by an attribute, as in `{name}.name`"))
                        }
                        other => RefRoot::Invalid(format!("there is no variable named `{other}`")),
                    };
                    self.out.push(Reference { root, attr: None, index: None, span: self.span(e), module: None });
                }
            }
            Expression::Conditional(c) => {
                self.expr(&c.cond_expr);
                self.expr(&c.true_expr);
                self.expr(&c.false_expr);
            }
            Expression::FuncCall(f) => {
                let name = f.name.name.value().as_str();
                let full = if f.name.is_namespaced() { format!("provider::{name}") } else { name.to_string() };
                self.calls.push((full, self.span(e)));
                f.args.iter().for_each(|a| self.expr(a));
            }
            _ if is_unquoted_address(e) => self.unquoted.extend(self.span(e)),
            Expression::BinaryOp(b)
                if *b.operator.value() == hcl_edit::expr::BinaryOperator::Div
                    && is_unquoted_address(&b.lhs_expr)
                    && matches!(b.rhs_expr, Expression::Number(_)) =>
            {
                self.unquoted.extend(self.span(e))
            }
            Expression::Traversal(t) => {
                for op in &t.operators {
                    if let TraversalOperator::Index(i) = op.value() {
                        self.expr(i);
                    }
                }
                match &t.expr {
                    Expression::Variable(v) => {
                        let name = v.value().as_str().to_string();
                        if !self.bound.contains(&name) {
                            let ops: Vec<&TraversalOperator> = t.operators.iter().map(|o| o.value()).collect();
                            let (root, attr, index) = classify(&name, &ops);
                            self.out.push(Reference { root, attr, index, span: self.span(e), module: None });
                        }
                    }
                    other => self.expr(other),
                }
            }
            Expression::UnaryOp(u) => self.expr(&u.expr),
            Expression::BinaryOp(b) => {
                self.expr(&b.lhs_expr);
                self.expr(&b.rhs_expr);
            }
            Expression::ForExpr(f) => {
                self.expr(&f.intro.collection_expr);
                let mut names = vec![f.intro.value_var.value().as_str().to_string()];
                if let Some(k) = &f.intro.key_var {
                    names.push(k.value().as_str().to_string());
                }
                let n = names.len();
                self.bound.extend(names);
                if let Some(k) = &f.key_expr {
                    self.expr(k);
                }
                self.expr(&f.value_expr);
                if let Some(c) = &f.cond {
                    self.expr(&c.expr);
                }
                self.bound.truncate(self.bound.len() - n);
            }
        }
    }

    fn template(&mut self, t: &Template) {
        for el in t.iter() {
            match el {
                Element::Literal(_) => {}
                Element::Interpolation(i) => self.expr(&i.expr),
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(d) => {
                        self.expr(&d.if_expr.cond_expr);
                        self.template(&d.if_expr.template);
                        if let Some(e) = &d.else_expr {
                            self.template(&e.template);
                        }
                    }
                    Directive::For(d) => {
                        let f = &d.for_expr;
                        self.expr(&f.collection_expr);
                        let mut names = vec![f.value_var.value().as_str().to_string()];
                        if let Some(k) = &f.key_var {
                            names.push(k.value().as_str().to_string());
                        }
                        let n = names.len();
                        self.bound.extend(names);
                        self.template(&f.template);
                        self.bound.truncate(self.bound.len() - n);
                    }
                },
            }
        }
    }
}

fn get_attr(op: Option<&&TraversalOperator>) -> Option<String> {
    match op {
        Some(TraversalOperator::GetAttr(id)) => Some(id.value().as_str().to_string()),
        _ => None,
    }
}

/// Classifies a traversal `name.op1.op2...` into a reference root and, for resources, the
/// attribute read.
fn classify(name: &str, ops: &[&TraversalOperator]) -> (RefRoot, Option<String>, Option<IndexKind>) {
    let first = get_attr(ops.first());
    let needs = |what: &str| RefRoot::Invalid(format!("`{name}` must be followed by {what}"));
    match name {
        "var" => (first.map_or_else(|| needs("a variable name, as in `var.region`"), RefRoot::Var), None, None),
        "local" => (first.map_or_else(|| needs("a local name, as in `local.tags`"), RefRoot::Local), None, None),
        "count" => match first.as_deref() {
            Some("index") => (RefRoot::CountIndex, None, None),
            _ => (needs("`.index`"), None, None),
        },
        "each" => match first.as_deref() {
            Some("key") => (RefRoot::EachKey, None, None),
            Some("value") => (RefRoot::EachValue, None, None),
            _ => (needs("`.key` or `.value`"), None, None),
        },
        "path" => match first.as_deref() {
            Some(p @ ("module" | "root" | "cwd")) => (RefRoot::Path(p.to_string()), None, None),
            _ => (needs("`.module`, `.root` or `.cwd`"), None, None),
        },
        "terraform" => match first.as_deref() {
            Some("workspace") => (RefRoot::Workspace, None, None),
            _ => (needs("`.workspace`"), None, None),
        },
        "self" => (RefRoot::SelfObject, first, None),
        "module" => match first {
            Some(call) => match ops.get(1) {
                None => (RefRoot::Module(call), None, None),
                Some(TraversalOperator::GetAttr(o)) => {
                    (RefRoot::Module(call), Some(o.value().as_str().to_string()), None)
                }
                // `module.NAME[KEY].OUTPUT` (a call with `count` or `for_each`): the whole call
                // is what is read; whether it takes an index is checked against the call.
                Some(TraversalOperator::Index(_) | TraversalOperator::LegacyIndex(_)) => {
                    (RefRoot::Module(call), get_attr(ops.get(2)), Some(IndexKind::Key))
                }
                Some(_) => (RefRoot::Module(call), get_attr(ops.get(2)), Some(IndexKind::Splat)),
            },
            None => (needs("a module name, as in `module.network.vpc_id`"), None, None),
        },
        "data" => {
            let name2 = get_attr(ops.get(1));
            match (first, name2) {
                (Some(t), Some(n)) => {
                    let (attr, index) = resource_attr(&ops[2..]);
                    (RefRoot::Resource(Address::data(t, n)), attr, index)
                }
                _ => (needs("a type and a name, as in `data.aws_region.current`"), None, None),
            }
        }
        type_name => match first {
            Some(n) => {
                let (attr, index) = resource_attr(&ops[1..]);
                (RefRoot::Resource(Address::managed(type_name, n)), attr, index)
            }
            None => (RefRoot::Invalid(format!("there is no variable named `{type_name}`")), None, None),
        },
    }
}

fn resource_attr(ops: &[&TraversalOperator]) -> (Option<String>, Option<IndexKind>) {
    match ops.first() {
        Some(TraversalOperator::GetAttr(id)) => (Some(id.value().as_str().to_string()), None),
        Some(TraversalOperator::Index(_) | TraversalOperator::LegacyIndex(_)) => {
            (get_attr(ops.get(1)), Some(IndexKind::Key))
        }
        Some(TraversalOperator::FullSplat(_) | TraversalOperator::AttrSplat(_)) => {
            (get_attr(ops.get(1)), Some(IndexKind::Splat))
        }
        None => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(src: &str) -> Vec<String> {
        let ast = hcl_edit::parser::parse_expr(src).expect("parses");
        references(&Expr::new(0, ast)).into_iter().map(|r| format!("{:?} {:?} {:?}", r.root, r.attr, r.index)).collect()
    }

    #[test]
    fn finds_roots_and_attributes() {
        insta::assert_debug_snapshot!(refs(
            r#"merge(var.tags, { Name = "${local.prefix}-${count.index}" }, aws_subnet.public[0].id, data.aws_region.current.name, aws_subnet.public[*].arn)"#
        ), @r#"
        [
            "Var(\"tags\") None None",
            "Local(\"prefix\") None None",
            "CountIndex None None",
            "Resource(Address { module: [], mode: Managed, type_name: \"aws_subnet\", name: \"public\", key: None }) Some(\"id\") Some(Key)",
            "Resource(Address { module: [], mode: Data, type_name: \"aws_region\", name: \"current\", key: None }) Some(\"name\") None",
            "Resource(Address { module: [], mode: Managed, type_name: \"aws_subnet\", name: \"public\", key: None }) Some(\"arn\") Some(Splat)",
        ]
        "#);
    }

    #[test]
    fn for_variables_are_not_references() {
        let r = refs("[for s in var.subnets : s.id if s.public]");
        assert_eq!(r, vec!["Var(\"subnets\") None None".to_string()]);
    }

    #[test]
    fn unbound_names_are_invalid() {
        let r = refs("foo.bar");
        assert_eq!(r.len(), 1);
        assert!(r[0].contains("Resource"), "foo.bar reads as a resource reference: {r:?}");
        assert!(refs("foo")[0].contains("no variable named `foo`"));
    }
}
