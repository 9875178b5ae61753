//! Reads the blocks of one module's files into a [`Module`]: each block's shape (labels, the
//! arguments and nested blocks it takes, literal settings) is decoded here, and a mistake in it
//! reported where it is, every one of them, not just the first. What needs a higher layer (schema
//! checks of a body, constants) is reached through [`Hooks`].

use super::calls;
use super::module::{
    Backend, BodyExprs, Check, Condition, Expr, Local, LocalKind, Module, ModuleCtx, ObjectId, Output, ProviderBlock,
    S3_BACKEND_SETTINGS, Validation, Variable,
};
use super::references::{RefRoot, Reference};
use super::types::TypeConstraint;
use crate::did_you_mean;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body, Structure};
use provision_core::{Address, Diagnostic, Diagnostics, ProviderRef, Providers, Schema, Sources, Span, Value};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

/// What building the tree needs from the layers above it, passed in by the loader
/// ([`crate::load`]), so that this layer names none of them.
#[derive(Clone, Copy)]
pub(crate) struct Hooks {
    /// Reads a called module's files with its own loader: the whole pipeline of one module.
    pub load_module: fn(&mut Loader<'_>, Vec<(String, String)>),
    /// Checks a block body against its schema (the check layer), before what the schema does not
    /// have is dropped from it.
    pub check_body: fn(&mut Loader<'_>, &BodyExprs, &Schema, &str, Option<Span>, &[&str]),
    /// Evaluates an expression that refers to nothing (the evaluation layer): literal strings
    /// written as templates, variable defaults, `optional()` defaults.
    pub constant: fn(&Expression) -> Result<Value, String>,
}

impl<'p> Loader<'p> {
    pub(crate) fn new(
        dir: &Path,
        provider: &'p Providers,
        hooks: Hooks,
        sources: Sources,
        ctx: Option<calls::Child>,
    ) -> Loader<'p> {
        let (ctx, root, chain) = match ctx {
            Some(c) => (Some(c.ctx), c.root, c.chain),
            None => (None, dir.to_path_buf(), vec![dir.to_path_buf()]),
        };
        Loader {
            m: Module { dir: dir.to_path_buf(), sources, ..Default::default() },
            diags: Diagnostics::default(),
            provider,
            hooks,
            provider_uses: vec![],
            unsupported: BTreeSet::new(),
            ephemeral: BTreeSet::new(),
            ctx,
            root,
            chain,
            calls: vec![],
            config_aliases: vec![],
            late_refs: vec![],
            moves: vec![],
            removals: vec![],
            imports: vec![],
        }
    }

    /// A resource address as written in this module, with the module's path.
    pub(crate) fn qualify(&self, a: &Address) -> Address {
        match &self.ctx {
            Some(c) => Address { module: c.steps.clone(), ..a.clone() },
            None => a.clone(),
        }
    }
}

/// One module being read: the tree built so far (`m`), its diagnostics, and what is kept of its
/// blocks for the checks and the folding that follow (driven by `load.rs`).
pub(crate) struct Loader<'p> {
    pub(crate) m: Module,
    pub(crate) diags: Diagnostics,
    pub(crate) provider: &'p Providers,
    pub(crate) hooks: Hooks,
    /// Every `provider = aws.ALIAS` of a resource, checked once every provider block is known.
    pub(crate) provider_uses: Vec<(ProviderRef, Option<Span>)>,
    /// Resources and data sources declared with a type provision does not support. The type is
    /// reported once, at the block; references to these addresses are not errors of their own.
    pub(crate) unsupported: BTreeSet<Address>,
    /// Variables declared `ephemeral = true`: usable in provider blocks and locals, never in
    /// what is stored (resource arguments, outputs).
    pub(crate) ephemeral: BTreeSet<String>,
    /// The module being read, when it is not the root.
    pub(crate) ctx: Option<Arc<ModuleCtx>>,
    /// The root module's directory: registry modules and `path.module` are relative to it.
    pub(crate) root: std::path::PathBuf,
    /// The directories of the calls that led here, root first: a module that calls itself is an
    /// error, not an endless descent.
    pub(crate) chain: Vec<std::path::PathBuf>,
    /// The `module` blocks of this module.
    pub(crate) calls: Vec<calls::Call>,
    /// Provider configurations a child module expects its caller to pass
    /// (`configuration_aliases`, or a `provider` block with nothing but an alias).
    pub(crate) config_aliases: Vec<ProviderRef>,
    /// `depends_on = [module.x]` entries, checked once every module call is known.
    pub(crate) late_refs: Vec<Reference>,
    /// This module's own `moved` blocks, checked once its modules are folded in.
    pub(crate) moves: Vec<super::module::Moved>,
    /// This module's own `removed` blocks, checked with the moves.
    pub(crate) removals: Vec<super::module::Removed>,
    /// `import` blocks read, checked once the calls are folded in (`to` may be inside a module).
    pub(crate) imports: Vec<super::module::Import>,
}

pub(super) fn sp(file: usize, x: &impl hcl_edit::Span) -> Option<Span> {
    x.span().map(|r| Span::new(file, r))
}

pub(crate) fn supported(names: &[&str]) -> String {
    if names.is_empty() { "none".into() } else { names.join(", ") }
}

impl Loader<'_> {
    pub(crate) fn err(&mut self, span: Option<Span>, summary: impl Into<String>, detail: impl Into<String>) {
        self.diags.push(Diagnostic::error(summary).at(span, detail));
    }

    pub(crate) fn top(&mut self, file: usize, body: &Body) {
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => self.err(
                    sp(file, &a.key),
                    "Unexpected attribute",
                    format!(
                        "`{}` cannot be set at the top level; only blocks (resource, variable, ...) go there",
                        a.key.value()
                    ),
                ),
                Structure::Block(b) => self.block(file, b),
            }
        }
    }

    pub(super) fn labels(&mut self, file: usize, b: &Block, want: &[&str]) -> Option<Vec<String>> {
        let labels: Vec<String> = b.labels.iter().map(|l| l.as_str().to_string()).collect();
        if labels.len() != want.len() {
            let kw = b.ident.value().as_str();
            let shape: Vec<String> = want.iter().map(|w| format!("\"{w}\"")).collect();
            self.err(
                sp(file, &b.ident),
                format!("Invalid `{kw}` block"),
                format!(
                    "a `{kw}` block takes {} label{}: {kw} {} {{ ... }}",
                    want.len(),
                    if want.len() == 1 { "" } else { "s" },
                    shape.join(" ")
                ),
            );
            return None;
        }
        Some(labels)
    }

    fn block(&mut self, file: usize, b: &Block) {
        let kw = b.ident.value().as_str();
        match kw {
            "terraform" => self.terraform(file, b),
            "provider" => self.provider_block(file, b),
            "variable" => self.variable(file, b),
            "locals" => self.locals(file, b),
            "resource" => self.resource(file, b, false, None),
            "data" => self.resource(file, b, true, None),
            "output" => self.output(file, b),
            "module" => self.module_call(file, b),
            "moved" => self.moved(file, b),
            "removed" => self.removed(file, b),
            "check" => self.check_block(file, b),
            "import" => self.import(file, b),
            other => {
                let hint = did_you_mean(
                    other,
                    [
                        "terraform",
                        "provider",
                        "variable",
                        "locals",
                        "resource",
                        "data",
                        "output",
                        "module",
                        "moved",
                        "removed",
                        "check",
                    ],
                )
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
                self.err(
                    sp(file, &b.ident),
                    "Unsupported block type",
                    format!("`{other}` is not a block type{hint} (supported: terraform, provider, variable, locals, resource, data, output, module, moved, removed, check, import)"),
                );
            }
        }
    }

    fn terraform(&mut self, file: usize, b: &Block) {
        for s in b.body.iter() {
            match s {
                Structure::Attribute(a) => match a.key.value().as_str() {
                    "required_version" => {}
                    other => self.err(
                        sp(file, &a.key),
                        "Unsupported argument",
                        format!("`{other}` is not supported in the terraform block (supported: required_version, required_providers, backend)"),
                    ),
                },
                Structure::Block(inner) => match inner.ident.value().as_str() {
                    "required_providers" => {
                        for s in inner.body.iter() {
                            if let Structure::Attribute(a) = s {
                                let name = a.key.value().as_str();
                                self.configuration_aliases(file, &a.value);
                                if self.provider.get(name).is_none() {
                                    self.diags.push(
                                        Diagnostic::warning(format!("provider `{name}` is not supported and is ignored"))
                                            .at(sp(file, &a.key), format!("provision supports the providers {}; resources of other providers are rejected", self.provider.names().join(", "))),
                                    );
                                }
                            }
                        }
                    }
                    "backend" => {
                        let Some(labels) = self.labels(file, inner, &["TYPE"]) else { continue };
                        if self.m.backend.is_some() {
                            self.err(sp(file, &inner.ident), "Duplicate backend", "only one backend block may be given");
                            continue;
                        }
                        let kind = labels[0].clone();
                        let supported: &[&str] = match kind.as_str() {
                            "local" => &["path"],
                            "s3" => &S3_BACKEND_SETTINGS,
                            _ => {
                                self.err(
                                    sp(file, &inner.labels[0]),
                                    "Unsupported backend",
                                    format!("backend \"{kind}\" is not supported; use \"s3\" or \"local\" (or no backend block for the default local state file)"),
                                );
                                continue;
                            }
                        };
                        let body = self.body_exprs(file, &inner.body);
                        for name in body.attrs.keys() {
                            if !supported.contains(&name.as_str()) {
                                let span = body.attr_spans.get(name).cloned();
                                self.err(span, "Unsupported argument", format!("`{name}` is not supported by the {kind} backend (supported: {})", supported.join(", ")));
                            }
                        }
                        for (name, _, span) in &body.blocks {
                            self.err(span.clone(), "Unsupported block", format!("the {kind} backend takes no `{name}` block"));
                        }
                        self.m.backend = Some(Backend { kind, attrs: body.attrs, span: sp(file, &inner.ident) });
                    }
                    // Module metadata Terraform passes to the provider (a user agent); provision
                    // calls AWS itself, so there is nothing to pass it to.
                    "provider_meta" => {
                        let _ = self.labels(file, inner, &["PROVIDER"]);
                    }
                    "cloud" => self.err(sp(file, &inner.ident), "Unsupported block", "HCP Terraform (`cloud`) is not supported"),
                    other => self.err(
                        sp(file, &inner.ident),
                        "Unsupported block",
                        format!("`{other}` is not supported in the terraform block (supported: required_providers, backend, provider_meta)"),
                    ),
                },
            }
        }
    }

    fn provider_block(&mut self, file: usize, b: &Block) {
        let Some(labels) = self.labels(file, b, &["NAME"]) else {
            return;
        };
        let name = &labels[0];
        let Some(provider) = self.provider.get(name).cloned() else {
            self.err(
                sp(file, &b.labels[0]),
                "Unsupported provider",
                format!("provider \"{name}\" is not supported (supported: {})", self.provider.names().join(", ")),
            );
            return;
        };
        let mut body = self.body_exprs(file, &b.body);
        // Terraform 0.12's place for the version constraint: Terraform 1.x accepts it with this
        // warning. The constraint selects a plugin, which provision does not have.
        if let Some(e) = body.attrs.remove("version") {
            body.attr_spans.remove("version");
            if let Some(text) = self.literal_string(&e, "version constraint") {
                self.diags.push(
                    Diagnostic::warning("Version constraints inside provider configuration blocks are deprecated")
                        .at(e.span(), format!("`version = {text:?}` in the provider \"{name}\" block is accepted and not used"))
                        .note(format!("move it to `required_providers` in the `terraform` block: {name} = {{ version = {text:?} }}")),
                );
            }
        }
        let alias = match body.attrs.remove("alias") {
            Some(e) => {
                let Some(a) = self.literal_string(&e, "provider alias") else { return };
                if !crate::valid_identifier(&a) {
                    self.err(
                        e.span(),
                        "Invalid provider alias",
                        format!(
                            "\"{a}\" is not a valid name: use letters, digits, `_` and `-`, starting with a letter"
                        ),
                    );
                    return;
                }
                body.attr_spans.remove("alias");
                Some(a)
            }
            None => None,
        };
        if let Some(prev) = self.m.providers.iter().find(|p| &p.name == name && p.alias == alias) {
            let prev = prev.span.clone();
            let what = match &alias {
                Some(a) => format!("a second provider \"{name}\" block with alias \"{a}\""),
                None => format!("a second provider \"{name}\" block without an alias"),
            };
            self.diags.push(
                Diagnostic::error("Duplicate provider configuration")
                    .at(sp(file, &b.ident), what)
                    .at(prev, "the first one is here")
                    .note("give each additional provider block a distinct `alias`, and select it with `provider = aws.ALIAS`"),
            );
            return;
        }
        let schema = Arc::new(provider.config_schema().clone());
        if let Some(ctx) = &self.ctx {
            // A block with nothing but an alias only declares what the caller passes in.
            if body.attrs.is_empty() && body.blocks.is_empty() {
                self.config_aliases.push(ProviderRef { name: name.clone(), alias });
            } else {
                self.err(
                    sp(file, &b.ident),
                    "Provider configuration in a module",
                    format!("{} configures provider \"{name}\" itself; provision configures providers in the root module only", ctx.prefix),
                );
                self.diags.0.last_mut().into_iter().for_each(|d| {
                    d.notes.push(format!("move this block to the root module and pass it to the module with `providers = {{ {name} = {name}.ALIAS }}`; in the module, declare it with `configuration_aliases` in required_providers"));
                });
            }
            return;
        }
        (self.hooks.check_body)(
            self,
            &body,
            &schema,
            &format!("the provider \"{name}\" block"),
            sp(file, &b.ident),
            &[],
        );
        self.m.providers.push(ProviderBlock { name: name.clone(), alias, body, schema, span: sp(file, &b.ident) });
    }

    /// `aws = { source = "...", configuration_aliases = [aws.east] }` in `required_providers`: the
    /// aliased configurations a module expects its caller to pass.
    fn configuration_aliases(&mut self, file: usize, value: &Expression) {
        let Expression::Object(o) = value else { return };
        for (k, v) in o.iter() {
            let key = match k {
                hcl_edit::expr::ObjectKey::Ident(i) => i.as_str().to_string(),
                hcl_edit::expr::ObjectKey::Expression(Expression::String(s)) => s.as_str().to_string(),
                _ => continue,
            };
            if key != "configuration_aliases" {
                continue;
            }
            let Expression::Array(items) = v.expr() else { continue };
            for item in items.iter() {
                let e = Expr { file, ast: item.clone(), module: self.ctx.clone(), iterators: vec![] };
                if let Some((r, _)) = self.provider_reference(&e) {
                    self.config_aliases.push(r);
                }
            }
        }
    }

    /// `provider = aws` or `provider = aws.ALIAS` in a resource or data block.
    pub(super) fn provider_reference(&mut self, e: &Expr) -> Option<(ProviderRef, Option<Span>)> {
        let text = match &e.ast {
            Expression::Variable(v) => Some(v.value().to_string()),
            Expression::Traversal(t) => match (&t.expr, t.operators.as_slice()) {
                (Expression::Variable(v), [op]) => match op.value() {
                    hcl_edit::expr::TraversalOperator::GetAttr(attr) => Some(format!("{}.{}", v.value(), attr.value())),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        };
        let Some(r) = text.and_then(|t| t.parse::<ProviderRef>().ok()) else {
            self.err(
                e.span(),
                "Invalid provider reference",
                "write `provider = aws` or `provider = aws.ALIAS`, without quotes",
            );
            return None;
        };
        if self.provider.get(&r.name).is_none() {
            self.err(
                e.span(),
                "Unsupported provider reference",
                format!("provider `{}` is not supported (supported: {})", r.name, self.provider.names().join(", ")),
            );
            return None;
        }
        Some((r, e.span()))
    }

    pub(super) fn literal_string(&mut self, e: &Expr, what: &str) -> Option<String> {
        match &e.ast {
            Expression::String(s) => Some(s.value().clone()),
            Expression::HeredocTemplate(_) | Expression::StringTemplate(_) => match (self.hooks.constant)(&e.ast) {
                Ok(v) => v.as_str().map(str::to_string),
                Err(m) => {
                    self.err(e.span(), format!("Invalid {what}"), m);
                    None
                }
            },
            _ => {
                self.err(e.span(), format!("Invalid {what}"), format!("{what} must be a literal string"));
                None
            }
        }
    }

    pub(super) fn literal_bool(&mut self, e: &Expr, what: &str) -> bool {
        match &e.ast {
            Expression::Bool(b) => *b.value(),
            _ => {
                self.err(e.span(), format!("Invalid {what}"), format!("`{what}` must be `true` or `false`"));
                false
            }
        }
    }

    fn variable(&mut self, file: usize, b: &Block) {
        let Some(labels) = self.labels(file, b, &["NAME"]) else {
            return;
        };
        let name = labels[0].clone();
        let span = sp(file, &b.labels[0]);
        if matches!(
            name.as_str(),
            "source" | "version" | "providers" | "count" | "for_each" | "lifecycle" | "depends_on" | "locals"
        ) {
            self.err(span.clone(), "Invalid variable name", format!("`{name}` is reserved and cannot name a variable"));
        }
        let body = self.body_exprs(file, &b.body);
        let mut v = Variable {
            name: name.clone(),
            ty: TypeConstraint::Any,
            default: None,
            description: None,
            sensitive: false,
            nullable: true,
            validations: vec![],
            span: span.clone(),
        };
        for (k, e) in &body.attrs {
            match k.as_str() {
                "type" => match TypeConstraint::parse_with(&e.ast, e.span(), &self.hooks.constant) {
                    Ok(t) => v.ty = t,
                    Err(d) => self.diags.push(d),
                },
                "default" => {
                    if let Some(r) = e.references().first() {
                        self.err(
                            r.span.clone(),
                            "Variables not allowed",
                            "a variable's default must be a literal value; it cannot refer to anything",
                        );
                    } else {
                        v.default = Some(e.clone());
                    }
                }
                "description" => v.description = self.literal_string(e, "description"),
                "sensitive" => v.sensitive = self.literal_bool(e, "sensitive"),
                "nullable" => v.nullable = self.literal_bool(e, "nullable"),
                "ephemeral" => {
                    if self.literal_bool(e, "ephemeral") {
                        self.ephemeral.insert(name.clone());
                    }
                }
                other => {
                    let s = body.attr_spans.get(other).cloned();
                    self.err(s, "Unsupported argument", format!("`{other}` is not supported in a variable block (supported: type, default, description, sensitive, nullable, ephemeral, validation)"));
                }
            }
        }
        if let (Some(d), true) = (&v.default, v.ty != TypeConstraint::Any) {
            match (self.hooks.constant)(&d.ast).and_then(|val| v.ty.convert(val)) {
                Ok(_) => {}
                Err(m) => self.err(
                    d.span(),
                    "Invalid default value for variable",
                    format!("{m} (the variable's type is {})", v.ty.describe()),
                ),
            }
        }
        for (kind, inner, bspan) in &body.blocks {
            if kind != "validation" {
                self.err(
                    bspan.clone(),
                    "Unsupported block",
                    format!("`{kind}` blocks are not supported in a variable (supported: validation)"),
                );
                continue;
            }
            let (Some(condition), Some(message)) = (inner.attrs.get("condition"), inner.attrs.get("error_message"))
            else {
                self.err(
                    bspan.clone(),
                    "Invalid validation block",
                    "a validation block needs `condition` and `error_message`",
                );
                continue;
            };
            for r in condition.references().iter().chain(message.references().iter()) {
                if r.root != RefRoot::Var(name.clone()) {
                    self.err(
                        r.span.clone(),
                        "Invalid reference in variable validation",
                        format!("a validation rule may only refer to var.{name}"),
                    );
                }
            }
            v.validations.push(Validation { condition: condition.clone(), error_message: message.clone() });
        }
        if let Some(prev) = self.m.variables.get(&name) {
            let prev = prev.span.clone();
            self.diags.push(
                Diagnostic::error(format!("Duplicate variable \"{name}\""))
                    .at(span, "declared again here")
                    .at(prev, "first declared here"),
            );
            return;
        }
        self.m.variables.insert(name, v);
    }

    fn locals(&mut self, file: usize, b: &Block) {
        if !b.labels.is_empty() {
            self.err(sp(file, &b.ident), "Invalid locals block", "a locals block takes no labels");
        }
        let body = self.body_exprs(file, &b.body);
        for (span, kind) in body.blocks.iter().map(|(k, _, s)| (s.clone(), k.clone())) {
            self.err(
                span,
                "Unexpected block in locals",
                format!("`{kind}` cannot be a block here; locals are `name = value` pairs"),
            );
        }
        for (name, expr) in body.attrs {
            let span = body.attr_spans.get(&name).cloned();
            if let Some(prev) = self.m.locals.get(&name) {
                let prev = prev.span.clone();
                self.diags.push(
                    Diagnostic::error(format!("Duplicate local value \"{name}\""))
                        .at(span, "defined again here")
                        .at(prev, "first defined here"),
                );
                continue;
            }
            self.m.locals.insert(
                name.clone(),
                Local {
                    name,
                    expr: Some(expr),
                    kind: LocalKind::Local,
                    depends_on: vec![],
                    preconditions: vec![],
                    span,
                    instance: None,
                },
            );
        }
    }

    fn output(&mut self, file: usize, b: &Block) {
        let Some(labels) = self.labels(file, b, &["NAME"]) else {
            return;
        };
        let name = labels[0].clone();
        let span = sp(file, &b.labels[0]);
        let body = self.body_exprs(file, &b.body);
        let Some(value) = body.attrs.get("value").cloned() else {
            self.err(span, "Missing required argument", format!("output \"{name}\" needs a `value`"));
            return;
        };
        let mut o = Output {
            name: name.clone(),
            value,
            description: None,
            sensitive: false,
            depends_on: vec![],
            preconditions: vec![],
            span: span.clone(),
        };
        for (k, e) in &body.attrs {
            match k.as_str() {
                "value" => {}
                "description" => o.description = self.literal_string(e, "description"),
                "sensitive" => o.sensitive = self.literal_bool(e, "sensitive"),
                "depends_on" => o.depends_on = self.depends_on(e),
                other => {
                    let s = body.attr_spans.get(other).cloned();
                    self.err(s, "Unsupported argument", format!("`{other}` is not supported in an output block (supported: value, description, sensitive, depends_on)"));
                }
            }
        }
        for (kind, inner, bspan) in &body.blocks {
            if kind == "precondition" {
                o.preconditions.extend(self.condition(inner, bspan, "precondition"));
            } else {
                self.err(
                    bspan.clone(),
                    "Unsupported block",
                    format!("`{kind}` blocks are not supported in an output (supported: precondition)"),
                );
            }
        }
        if let Some(prev) = self.m.outputs.get(&name) {
            let prev = prev.span.clone();
            self.diags.push(
                Diagnostic::error(format!("Duplicate output \"{name}\""))
                    .at(span, "declared again here")
                    .at(prev, "first declared here"),
            );
            return;
        }
        self.m.outputs.insert(name, o);
    }

    pub(super) fn depends_on(&mut self, e: &Expr) -> Vec<(ObjectId, Option<Span>)> {
        let Expression::Array(items) = &e.ast else {
            self.err(e.span(), "Invalid depends_on", "`depends_on` must be a list of resources, as in [aws_vpc.main]");
            return vec![];
        };
        let mut out = vec![];
        for item in items.iter() {
            let ie = Expr { ast: item.clone(), ..e.clone() };
            let refs = ie.references();
            match refs.as_slice() {
                [r] if matches!(r.root, RefRoot::Resource(_) | RefRoot::Module(_)) && r.attr.is_none() => {
                    if matches!(r.root, RefRoot::Module(_)) {
                        self.late_refs.push(r.clone());
                    }
                    if let Some(id) = r.object_id() {
                        out.push((id, r.span.clone()));
                    }
                }
                _ => self.err(
                    ie.span(),
                    "Invalid depends_on entry",
                    "each entry must name a resource or data source, as in aws_vpc.main",
                ),
            }
        }
        out
    }

    /// A `precondition`, `postcondition` or `assert` block: `condition` and `error_message`,
    /// nothing else.
    pub(super) fn condition(&mut self, body: &BodyExprs, span: &Option<Span>, kind: &str) -> Option<Condition> {
        for (k, _) in body.attrs.iter().filter(|(k, _)| !matches!(k.as_str(), "condition" | "error_message")) {
            let s = body.attr_spans.get(k).cloned();
            self.err(s, "Unsupported argument", format!("a {kind} block takes only `condition` and `error_message`"));
        }
        for (b, _, bspan) in &body.blocks {
            self.err(bspan.clone(), "Unsupported block", format!("a {kind} block takes no `{b}` block"));
        }
        match (body.attrs.get("condition"), body.attrs.get("error_message")) {
            (Some(c), Some(m)) => {
                Some(Condition { condition: c.clone(), error_message: m.clone(), span: span.clone() })
            }
            (c, _) => {
                let missing = if c.is_none() { "condition" } else { "error_message" };
                self.err(span.clone(), "Missing required argument", format!("a {kind} block needs `{missing}`"));
                None
            }
        }
    }

    /// `check "NAME" { assert { condition = ... error_message = ... } }`.
    fn check_block(&mut self, file: usize, b: &Block) {
        let Some(labels) = self.labels(file, b, &["NAME"]) else {
            return;
        };
        let name = labels[0].clone();
        let span = sp(file, &b.labels[0]);
        let body = self.body_exprs(file, &b.body);
        for k in body.attrs.keys() {
            let s = body.attr_spans.get(k).cloned();
            self.err(s, "Unsupported argument", "a check block takes `data` and `assert` blocks, no arguments");
        }
        let mut asserts = vec![];
        for (kind, inner, bspan) in &body.blocks {
            match kind.as_str() {
                "assert" => asserts.extend(self.condition(inner, bspan, "assert")),
                "data" => {}
                other => self.err(
                    bspan.clone(),
                    "Unsupported block",
                    format!("`{other}` blocks are not supported in a check block (supported: data, assert)"),
                ),
            }
        }
        // Scoped data sources: read while planning, visible only inside this check block.
        let scoped: Vec<&Block> =
            b.body.iter().filter_map(|s| s.as_block()).filter(|d| d.ident.value().as_str() == "data").collect();
        for d in scoped {
            self.resource(file, d, true, Some(&name));
        }
        if asserts.is_empty() {
            self.err(span.clone(), "Invalid check block", format!("check \"{name}\" needs at least one assert block"));
        }
        if let Some(prev) = self.m.checks.iter().find(|c| c.name == name) {
            let prev = prev.span.clone();
            self.diags.push(
                Diagnostic::error(format!("Duplicate check \"{name}\""))
                    .at(span, "declared again here")
                    .at(prev, "first declared here"),
            );
            return;
        }
        self.m.checks.push(Check { name, asserts, span });
    }
}

impl Loader<'_> {
    /// Collects a body's attributes and nested blocks, keeping spans. (An argument set twice never
    /// gets here: the parser rejects it.)
    pub(super) fn body_exprs(&mut self, file: usize, body: &Body) -> BodyExprs {
        let mut out = BodyExprs::default();
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => {
                    let name = a.key.value().as_str().to_string();
                    if let Some(span) = sp(file, &a.key) {
                        out.attr_spans.insert(name.clone(), span);
                    }
                    out.attrs
                        .insert(name, Expr { file, ast: a.value.clone(), module: self.ctx.clone(), iterators: vec![] });
                }
                Structure::Block(b) => {
                    let mut inner = self.body_exprs(file, &b.body);
                    inner.label = b.labels.first().map(|l| l.as_str().to_string());
                    out.blocks.push((b.ident.value().as_str().to_string(), inner, sp(file, &b.ident)));
                }
            }
        }
        out
    }
}
