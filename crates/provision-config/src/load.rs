//! Turns a directory of `*.tf` files into a [`Module`], checking structure, schemas, references
//! and function names along the way. Every problem in every file is reported, not just the first.

use crate::did_you_mean;
use crate::functions;
use crate::module::{
    Backend, BodyExprs, Check, Condition, Expr, IgnoreChanges, IgnorePath, Lifecycle, Local, LocalKind, Module,
    ModuleCtx, ObjectId, Output, PathStep, ProviderBlock, Provisioner, ResourceBlock, TimeoutOverrides, Validation,
    Variable,
};
use crate::references::{IndexKind, RefRoot};
use crate::types::TypeConstraint;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body, Structure};
use provision_core::{
    Address, AttrMode, Diagnostic, Diagnostics, Layer, Nesting, ProviderRef, Providers, Schema, Sources, Span,
};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

mod calls;
mod expand;
mod json;
pub use calls::normalize as normalize_module_dir;
pub use expand::{CallKeys, expand_module_calls};
mod moved;
mod sources;
pub use sources::{ModuleSource, module_sources};

/// Reads every `*.tf` file in `dir` (sorted by name), and the modules it calls. The module is
/// returned even when there are errors, so the caller can render diagnostics against its sources.
pub fn load_dir(dir: &Path, provider: &Providers) -> (Module, Diagnostics) {
    let (texts, mut diags) = read_tf_files(dir, "");
    if texts.is_empty() && diags.is_empty() {
        diags.push(
            Diagnostic::error(format!("no configuration files (*.tf, *.tf.json) in {}", dir.display()))
                .note("run provision in the directory that holds your .tf files, or pass it with -C DIR"),
        );
    }
    let (module, more) = load_files(dir, texts, provider);
    diags.extend(more);
    (module, diags)
}

/// The `*.tf` and `*.tf.json` files of one directory, sorted by name, each named
/// `{prefix}{file name}`.
fn read_tf_files(dir: &Path, prefix: &str) -> (Vec<(String, String)>, Diagnostics) {
    let mut diags = Diagnostics::default();
    let mut files = vec![];
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            for e in entries.flatten() {
                let path = e.path();
                let name = e.file_name().to_string_lossy().to_string();
                let config = name.ends_with(".tf") || name.ends_with(".tf.json");
                if config && path.is_file() {
                    files.push(name);
                } else if config && path.is_dir() {
                    diags.push(
                        Diagnostic::warning(format!("{prefix}{name} is a directory, not a configuration file; it is not read"))
                            .note("provision reads the *.tf and *.tf.json files of one directory, not of the directories in it; rename the directory, or move its files up if they are meant to be read"),
                    );
                } else if config {
                    diags.push(Diagnostic::error(format!(
                        "cannot read {prefix}{name}: it is not a regular file (a link to a file that does not exist?)"
                    )));
                }
            }
        }
        Err(e) => {
            diags.push(Diagnostic::error(format!("cannot read the configuration directory {}: {e}", dir.display())));
            return (vec![], diags);
        }
    }
    files.sort();
    let mut texts = vec![];
    for name in files {
        match std::fs::read_to_string(dir.join(&name)) {
            Ok(t) => texts.push((format!("{prefix}{name}"), t)),
            Err(e) => diags.push(Diagnostic::error(format!("cannot read {prefix}{name}: {e}"))),
        }
    }
    (texts, diags)
}

/// Loads configuration from in-memory files (name, text), as if they were in `dir`. Modules it
/// calls are read from disk, relative to `dir`.
pub fn load_files(dir: &Path, files: Vec<(String, String)>, provider: &Providers) -> (Module, Diagnostics) {
    let mut l = Loader::new(dir, provider, Sources::default(), None);
    l.run(files);
    // Report in source order: by file, then position; diagnostics without a location first.
    l.diags.0.sort_by_key(|d| d.span().map(|s| (s.file, s.start)));
    l.diags = merge_repeats(std::mem::take(&mut l.diags), &l.m.sources);
    (l.m, l.diags)
}

/// One cause, one error: a module called twice has its own mistakes reported once, naming every
/// call that reads it.
fn merge_repeats(diags: Diagnostics, sources: &Sources) -> Diagnostics {
    // A module read twice has its files added twice: compare places by file name.
    let place = |l: &provision_core::diagnostic::Label| {
        (sources.files.get(l.span.file).map(|f| f.name.clone()), l.span.start, l.span.end, l.message.clone())
    };
    let mut out: Vec<Diagnostic> = vec![];
    for d in diags.0 {
        let same = |o: &&mut Diagnostic| {
            o.severity == d.severity
                && o.summary == d.summary
                && o.labels.iter().map(place).eq(d.labels.iter().map(place))
        };
        let from_module = d.notes.iter().any(|n| n.starts_with("in module."));
        match out.iter_mut().find(|o| from_module && !d.labels.is_empty() && same(o)) {
            Some(first) => {
                for n in d.notes {
                    let also = n.replacen("in ", "also in ", 1);
                    if n.starts_with("in module.") && !first.notes.contains(&also) {
                        first.notes.push(also);
                    }
                }
            }
            None => out.push(d),
        }
    }
    Diagnostics(out)
}

impl<'p> Loader<'p> {
    fn new(dir: &Path, provider: &'p Providers, sources: Sources, ctx: Option<calls::Child>) -> Loader<'p> {
        let (ctx, root, chain) = match ctx {
            Some(c) => (Some(c.ctx), c.root, c.chain),
            None => (None, dir.to_path_buf(), vec![dir.to_path_buf()]),
        };
        Loader {
            m: Module { dir: dir.to_path_buf(), sources, ..Default::default() },
            diags: Diagnostics::default(),
            provider,
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

    /// Parses and checks the files of one module, loads the modules it calls and folds them in.
    fn run(&mut self, files: Vec<(String, String)>) {
        for (name, text) in files {
            // A UTF-8 byte order mark (some Windows editors write one) is not part of the text,
            // as in Terraform.
            let text = match text.strip_prefix('\u{feff}') {
                Some(rest) => rest.to_string(),
                None => text,
            };
            if let Some(at) = text.find('\0') {
                let file = self.m.sources.add(name.clone(), text.clone());
                let (line, col) = provision_core::diagnostic::line_col(&text, at);
                self.diags.push(
                    Diagnostic::error("Invalid character: NUL byte")
                        .at(Some(Span::new(file, at..at + 1)), format!("{name} contains a NUL byte (shown as ␀) here, at line {line}, column {col}"))
                        .note("a configuration file is text; a NUL byte means it is binary, or was saved as UTF-16: save it as UTF-8"),
                );
                continue;
            }
            // A JSON file is read as the HCL it means; spans point into that translation and
            // are shown in the JSON text.
            let (file, text) = if name.ends_with(".tf.json") {
                match json::translate(&text, self.provider) {
                    Ok((hcl, points)) => {
                        let origin = provision_core::diagnostic::Origin { text, points };
                        (self.m.sources.add_translated(name.clone(), hcl.clone(), origin), hcl)
                    }
                    Err(e) => {
                        let file = self.m.sources.add(name.clone(), text);
                        self.diags.push(Diagnostic::error(e.summary).at(Some(Span::new(file, e.at)), e.message));
                        continue;
                    }
                }
            } else {
                (self.m.sources.add(name.clone(), text.clone()), text)
            };
            match crate::object_keys::parse_body(&text) {
                Ok(body) => self.top(file, &body),
                Err(e) => {
                    let loc = e.location();
                    let offset = offset_of(&text, loc.line(), loc.column());
                    // In a JSON file, the HCL is in the strings read as expressions.
                    let summary = if name.ends_with(".tf.json") { "Invalid expression" } else { "Invalid HCL syntax" };
                    self.diags.push(
                        Diagnostic::error(summary).at(Some(Span::new(file, offset..offset)), e.message().to_string()),
                    );
                }
            }
        }
        let sub_diags = self.load_calls();
        self.check_provider_uses();
        self.check_references();
        self.check_calls();
        self.fold_calls();
        self.check_moves();
        self.note_call_chain();
        self.diags.extend(sub_diags);
    }

    /// A resource address as written in this module, with the module's path.
    fn qualify(&self, a: &Address) -> Address {
        match &self.ctx {
            Some(c) => Address { module: c.steps.clone(), ..a.clone() },
            None => a.clone(),
        }
    }
}

fn offset_of(text: &str, line: usize, col: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return offset + l.char_indices().nth(col.saturating_sub(1)).map_or(l.len(), |(b, _)| b);
        }
        offset += l.len();
    }
    text.len()
}

struct Loader<'p> {
    m: Module,
    diags: Diagnostics,
    provider: &'p Providers,
    /// Every `provider = aws.ALIAS` of a resource, checked once every provider block is known.
    provider_uses: Vec<(ProviderRef, Option<Span>)>,
    /// Resources and data sources declared with a type provision does not support. The type is
    /// reported once, at the block; references to these addresses are not errors of their own.
    unsupported: BTreeSet<Address>,
    /// Variables declared `ephemeral = true`: usable in provider blocks and locals, never in
    /// what is stored (resource arguments, outputs).
    ephemeral: BTreeSet<String>,
    /// The module being read, when it is not the root.
    ctx: Option<Arc<ModuleCtx>>,
    /// The root module's directory: registry modules and `path.module` are relative to it.
    root: std::path::PathBuf,
    /// The directories of the calls that led here, root first: a module that calls itself is an
    /// error, not an endless descent.
    chain: Vec<std::path::PathBuf>,
    /// The `module` blocks of this module.
    calls: Vec<calls::Call>,
    /// Provider configurations a child module expects its caller to pass
    /// (`configuration_aliases`, or a `provider` block with nothing but an alias).
    config_aliases: Vec<ProviderRef>,
    /// `depends_on = [module.x]` entries, checked once every module call is known.
    late_refs: Vec<crate::references::Reference>,
    /// This module's own `moved` blocks, checked once its modules are folded in.
    moves: Vec<crate::module::Moved>,
    /// This module's own `removed` blocks, checked with the moves.
    removals: Vec<crate::module::Removed>,
    /// `import` blocks read, checked once the calls are folded in (`to` may be inside a module).
    imports: Vec<crate::module::Import>,
}

/// Why `connection` blocks and the `file` and `remote-exec` provisioners are refused.
const NO_CONNECTION: &str = "provision does not open SSH or WinRM connections to instances, which `file`, `remote-exec` and `connection` need; run the commands from the instance's user data, put files in S3 (aws_s3_object), or use a `local-exec` provisioner";

fn sp(file: usize, x: &impl hcl_edit::Span) -> Option<Span> {
    x.span().map(|r| Span::new(file, r))
}

/// Removes from a body the arguments and blocks its schema does not have (each already reported
/// by `check_body`), nested blocks included, so that nothing is reported about their values.
fn drop_unsupported(body: &mut BodyExprs, schema: &Schema) {
    body.attrs.retain(|name, _| schema.attribute(name).is_some());
    body.blocks.retain(|(kind, _, _)| schema.block_schema(kind).is_some());
    for (kind, inner, _) in &mut body.blocks {
        if let Some(bs) = schema.block_schema(kind) {
            drop_unsupported(inner, &bs.schema);
        }
    }
}
fn supported(names: &[&str]) -> String {
    if names.is_empty() { "none".into() } else { names.join(", ") }
}

impl Loader<'_> {
    fn err(&mut self, span: Option<Span>, summary: impl Into<String>, detail: impl Into<String>) {
        self.diags.push(Diagnostic::error(summary).at(span, detail));
    }

    /// A resource may name an aliased provider only if a block with that alias exists.
    fn check_provider_uses(&mut self) {
        for (r, span) in std::mem::take(&mut self.provider_uses) {
            let Some(alias) = &r.alias else { continue };
            if self.m.provider_block(&r).is_none() && !self.config_aliases.contains(&r) {
                let known: Vec<String> = self.m.providers.iter().filter_map(|p| p.alias.clone()).collect();
                let hint = did_you_mean(alias, known.iter().map(String::as_str))
                    .map(|s| format!("did you mean `{}.{s}`? ", r.name))
                    .unwrap_or_default();
                self.diags.push(
                    Diagnostic::error("Reference to an undeclared provider configuration")
                        .at(span, format!("no provider \"{}\" block has alias = \"{alias}\"", r.name))
                        .note(format!(
                            "{hint}declare it: provider \"{}\" {{ alias = \"{alias}\"  region = \"...\" }}",
                            r.name
                        )),
                );
            }
        }
    }

    fn top(&mut self, file: usize, body: &Body) {
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

    fn labels(&mut self, file: usize, b: &Block, want: &[&str]) -> Option<Vec<String>> {
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
                                            .at(sp(file, &a.key), format!("provision supports the providers {}; resources of other providers are rejected", supported(&self.provider.names()))),
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
                            "s3" => &crate::module::S3_BACKEND_SETTINGS,
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
        self.check_body(&body, &schema, &format!("the provider \"{name}\" block"), sp(file, &b.ident), &[]);
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
    fn provider_reference(&mut self, e: &Expr) -> Option<(ProviderRef, Option<Span>)> {
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

    /// A resource's `timeouts` block: `create`, `update`, `delete` as durations ("40m", "1h30m").
    fn timeouts(&mut self, body: &BodyExprs, span: Option<Span>, data: bool) -> TimeoutOverrides {
        let mut t = TimeoutOverrides::default();
        if data {
            self.err(span, "Unsupported block", "data sources take no timeouts block here");
            return t;
        }
        for (kind, _, bspan) in &body.blocks {
            self.err(bspan.clone(), "Unsupported block", format!("`{kind}` is not allowed in a timeouts block"));
        }
        for (name, e) in &body.attrs {
            let slot = match name.as_str() {
                "create" => &mut t.create,
                "update" => &mut t.update,
                "delete" => &mut t.delete,
                "read" => continue,
                other => {
                    let s = body.attr_spans.get(other).cloned();
                    self.err(
                        s,
                        "Unsupported timeouts argument",
                        format!("`{other}` is not a timeout (supported: create, update, delete, read)"),
                    );
                    continue;
                }
            };
            // Anything but a literal (`var.create_timeout`) is evaluated with the instance.
            let text = match &e.ast {
                Expression::String(_) | Expression::HeredocTemplate(_) | Expression::StringTemplate(_)
                    if crate::eval::eval_constant(&e.ast).is_ok() =>
                {
                    let Some(text) = self.literal_string(e, "timeout") else { continue };
                    text
                }
                _ => {
                    let name = match name.as_str() {
                        "create" => "create",
                        "update" => "update",
                        _ => "delete",
                    };
                    t.exprs.push((name, e.clone()));
                    continue;
                }
            };
            match crate::parse_go_duration(&text) {
                Ok(d) if !d.is_zero() => *slot = Some(d),
                Ok(_) => self.err(e.span(), "Invalid timeout", "a timeout must be longer than zero"),
                Err(m) => self.err(e.span(), "Invalid timeout", m),
            }
        }
        t
    }

    fn literal_string(&mut self, e: &Expr, what: &str) -> Option<String> {
        match &e.ast {
            Expression::String(s) => Some(s.value().clone()),
            Expression::HeredocTemplate(_) | Expression::StringTemplate(_) => {
                match crate::eval::eval_constant(&e.ast) {
                    Ok(v) => v.as_str().map(str::to_string),
                    Err(m) => {
                        self.err(e.span(), format!("Invalid {what}"), m);
                        None
                    }
                }
            }
            _ => {
                self.err(e.span(), format!("Invalid {what}"), format!("{what} must be a literal string"));
                None
            }
        }
    }

    fn literal_bool(&mut self, e: &Expr, what: &str) -> bool {
        match &e.ast {
            Expression::Bool(b) => *b.value(),
            _ => {
                self.err(e.span(), format!("Invalid {what}"), format!("`{what}` must be `true` or `false`"));
                false
            }
        }
    }

    /// `layer = "base"` or `layer = "runtime"`: a literal, so layers are known before anything is
    /// evaluated.
    fn literal_layer(&mut self, e: &Expr, data: bool) -> Option<(Layer, Option<Span>)> {
        if data {
            self.err(
                e.span(),
                "Unsupported argument",
                "data sources have no layer: they are read on every run and never destroyed",
            );
            return None;
        }
        let text = match &e.ast {
            Expression::String(s) => Some(s.value().to_string()),
            _ => None,
        };
        match text.as_deref().and_then(Layer::parse) {
            Some(l) => Some((l, e.span())),
            None => {
                self.err(e.span(), "Invalid layer", "`layer` must be the literal string \"base\" or \"runtime\"");
                None
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
                "type" => match TypeConstraint::parse(e) {
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
            match crate::eval::eval_constant(&d.ast).and_then(|val| v.ty.convert(val)) {
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

    fn depends_on(&mut self, e: &Expr) -> Vec<(ObjectId, Option<Span>)> {
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

    /// A `resource` or `data` block; `check`: the check block a data source is nested in.
    fn resource(&mut self, file: usize, b: &Block, data: bool, check: Option<&str>) {
        let Some(labels) = self.labels(file, b, &["TYPE", "NAME"]) else {
            return;
        };
        let (type_name, name) = (labels[0].clone(), labels[1].clone());
        let address =
            self.qualify(&if data { Address::data(&type_name, &name) } else { Address::managed(&type_name, &name) });
        let type_span = sp(file, &b.labels[0]);
        let schema = if data {
            self.provider.data_source(&type_name).map(|d| d.schema().clone())
        } else {
            self.provider.resource_type(&type_name).map(|r| r.schema().clone())
        };
        let Some(schema) = schema else {
            let names = if data { self.provider.data_source_names() } else { self.provider.resource_type_names() };
            let what = if data { "data source" } else { "resource type" };
            let hint = did_you_mean(&type_name, names.iter().copied())
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default();
            // A short list is given whole; a long one is in the reference, not in the message.
            let list = if names.len() <= 20 {
                format!("supported {what}s: {}", supported(&names))
            } else {
                let page = if data { "docs/data-sources.md" } else { "docs/resources/README.md" };
                format!("provision supports {} {what}s, listed in {page}", names.len())
            };
            self.diags.push(
                Diagnostic::error(format!("Unsupported {what} \"{type_name}\""))
                    .at(type_span, format!("provision does not support this {what} yet"))
                    .note(format!("{hint}{list}")),
            );
            self.unsupported.insert(address);
            return;
        };
        let schema = Arc::new(schema);
        let mut body = self.body_exprs(file, &b.body);
        let mut r = ResourceBlock {
            address: address.clone(),
            count: body.attrs.remove("count"),
            for_each: body.attrs.remove("for_each"),
            depends_on: vec![],
            layer: None,
            lifecycle: Lifecycle::default(),
            provider: ProviderRef::implied_by(&type_name),
            timeouts: TimeoutOverrides::default(),
            body: BodyExprs::default(),
            schema: schema.clone(),
            span: sp(file, &b.ident),
            check: check.map(str::to_string),
            provisioners: vec![],
        };
        if let (Some(_), Some(fe)) = (&r.count, &r.for_each) {
            self.err(
                fe.span(),
                "Invalid combination of \"count\" and \"for_each\"",
                "a resource may use `count` or `for_each`, not both",
            );
        }
        if let Some(d) = body.attrs.remove("depends_on") {
            r.depends_on = self.depends_on(&d);
        }
        if let Some(l) = body.attrs.remove("layer") {
            r.layer = self.literal_layer(&l, data);
        }
        if let Some(p) = body.attrs.remove("provider") {
            body.attr_spans.remove("provider");
            if let Some((reference, span)) = self.provider_reference(&p) {
                if reference.name != r.provider.name {
                    self.err(
                        span,
                        "Invalid provider reference",
                        format!("{type_name} belongs to provider `{}`, not `{}`", r.provider.name, reference.name),
                    );
                } else {
                    self.provider_uses.push((reference.clone(), span));
                    r.provider = reference;
                }
            }
        }
        self.expand_dynamic(&mut body);
        let mut blocks = vec![];
        for (kind, inner, bspan) in std::mem::take(&mut body.blocks) {
            match kind.as_str() {
                "lifecycle" => r.lifecycle = self.lifecycle(&inner, &schema, data),
                "provisioner" | "connection" if data => self.err(
                    bspan,
                    format!("`{kind}` blocks are not supported in a data source"),
                    "provisioners run when a managed resource is created or destroyed; a data source is only read",
                ),
                "provisioner" => r.provisioners.extend(self.provisioner(&inner, bspan)),
                "connection" => self.err(bspan, "`connection` blocks are not supported", NO_CONNECTION),
                "timeouts" => r.timeouts = self.timeouts(&inner, bspan, data),
                _ => blocks.push((kind, inner, bspan)),
            }
        }
        body.blocks = blocks;
        // `tags_all` may be set, as in the AWS provider, where it has no effect: it is always
        // computed from `tags` and the provider's `default_tags`.
        if !data
            && schema.attribute("tags_all").is_some_and(|a| a.mode == AttrMode::Computed)
            && body.attrs.remove("tags_all").is_some()
        {
            let span = body.attr_spans.remove("tags_all");
            self.diags.push(
                Diagnostic::warning("`tags_all` is ignored")
                    .at(span, "the value set here has no effect: `tags_all` is computed from `tags` and the provider's `default_tags`")
                    .note("set the resource's tags with `tags`, and tags for every resource with `default_tags` in the provider block"),
            );
        }
        let what = if data { format!("data source {type_name}") } else { type_name.clone() };
        self.check_body(&body, &schema, &what, type_span.clone(), &[]);
        // One cause, one error: what an unsupported argument or block refers to is not checked
        // again (the configuration is refused for the argument already).
        drop_unsupported(&mut body, &schema);
        r.body = body;
        let span = r.span.clone();
        if let Err(prev) = self.m.add_resource(r) {
            let prev = prev.span.clone();
            self.diags.push(
                Diagnostic::error(format!("Duplicate {} \"{address}\"", if data { "data source" } else { "resource" }))
                    .at(span, "declared again here")
                    .at(prev, "first declared here"),
            );
        }
    }

    fn lifecycle(&mut self, body: &BodyExprs, schema: &Schema, data: bool) -> Lifecycle {
        let mut l = Lifecycle::default();
        for (k, e) in &body.attrs {
            let s = body.attr_spans.get(k).cloned();
            match k.as_str() {
                "create_before_destroy" | "prevent_destroy" | "ignore_changes" | "replace_triggered_by" if data => {
                    self.err(s, "Unsupported lifecycle argument", format!("`{k}` does not apply to a data source: its lifecycle block takes only precondition and postcondition blocks"));
                }
                "create_before_destroy" => l.create_before_destroy = self.literal_bool(e, "create_before_destroy"),
                "prevent_destroy" => l.prevent_destroy = self.literal_bool(e, "prevent_destroy"),
                "ignore_changes" => l.ignore_changes = self.ignore_changes(e, schema),
                "replace_triggered_by" => l.replace_triggered_by = self.replace_triggered_by(e),
                other => {
                    let hint = did_you_mean(
                        other,
                        ["create_before_destroy", "prevent_destroy", "ignore_changes", "replace_triggered_by"],
                    )
                    .map(|s| format!("did you mean `{s}`? "))
                    .unwrap_or_default();
                    self.err(s, "Unsupported lifecycle argument", format!("`{other}` is not a lifecycle argument; {hint}(supported: create_before_destroy, prevent_destroy, ignore_changes, replace_triggered_by, and precondition and postcondition blocks)"));
                }
            }
        }
        for (kind, inner, bspan) in &body.blocks {
            match kind.as_str() {
                "precondition" => l.preconditions.extend(self.condition(inner, bspan, "precondition")),
                "postcondition" => l.postconditions.extend(self.condition(inner, bspan, "postcondition")),
                other => self.err(
                    bspan.clone(),
                    "Unsupported block",
                    format!("`{other}` blocks are not supported in lifecycle (supported: precondition, postcondition)"),
                ),
            }
        }
        l
    }

    /// A `precondition`, `postcondition` or `assert` block: `condition` and `error_message`,
    /// nothing else.
    /// A `provisioner "local-exec"` block; the provisioners that need a connection to the
    /// instance (`file`, `remote-exec`) are refused, saying why.
    fn provisioner(&mut self, body: &BodyExprs, span: Option<Span>) -> Option<Provisioner> {
        let kind = body.label.clone().unwrap_or_default();
        match kind.as_str() {
            "local-exec" => {}
            "file" | "remote-exec" => {
                self.err(span, format!("Unsupported provisioner \"{kind}\""), NO_CONNECTION);
                return None;
            }
            other => {
                self.err(
                    span,
                    format!("Unsupported provisioner \"{other}\""),
                    "provision runs the `local-exec` provisioner (`file` and `remote-exec` need a connection to the instance, which provision does not open)",
                );
                return None;
            }
        }
        let mut body = body.clone();
        let mut ok = true;
        for (b, _, bspan) in std::mem::take(&mut body.blocks) {
            ok = false;
            if b == "connection" {
                self.err(bspan, "`connection` blocks are not supported", NO_CONNECTION);
            } else {
                self.err(bspan, "Unsupported block", format!("a `local-exec` provisioner takes no `{b}` block"));
            }
        }
        let mut keyword = |l: &mut Self, name: &str, allowed: [&str; 2]| -> Option<String> {
            let e = body.attrs.remove(name)?;
            body.attr_spans.remove(name);
            match &e.ast {
                Expression::Variable(v) if allowed.contains(&v.value().as_str()) => Some(v.value().to_string()),
                _ => {
                    l.err(
                        e.span(),
                        format!("Invalid {name}"),
                        format!("`{name}` is `{}` or `{}`, written without quotes", allowed[0], allowed[1]),
                    );
                    None
                }
            }
        };
        let destroy = keyword(self, "when", ["create", "destroy"]).is_some_and(|w| w == "destroy");
        let continue_on_failure = keyword(self, "on_failure", ["fail", "continue"]).is_some_and(|w| w == "continue");
        for (k, _) in body.attrs.iter() {
            if !matches!(k.as_str(), "command" | "working_dir" | "interpreter" | "environment" | "quiet") {
                ok = false;
                self.err(
                    body.attr_spans.get(k).cloned(),
                    format!("Unsupported argument `{k}`"),
                    "a `local-exec` provisioner takes command, working_dir, interpreter, environment, quiet, when and on_failure",
                );
            }
        }
        if !body.attrs.contains_key("command") {
            self.err(span.clone(), "Missing required argument", "a `local-exec` provisioner needs `command`");
            return None;
        }
        ok.then_some(Provisioner { kind, destroy, continue_on_failure, body, span })
    }

    fn condition(&mut self, body: &BodyExprs, span: &Option<Span>, kind: &str) -> Option<Condition> {
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

    /// `replace_triggered_by = [aws_x.y, aws_x.z[count.index].id]`: each entry a reference to a
    /// managed resource, its instance or one of its attributes.
    fn replace_triggered_by(&mut self, e: &Expr) -> Vec<Expr> {
        let Expression::Array(items) = &e.ast else {
            self.err(
                e.span(),
                "Invalid replace_triggered_by",
                "`replace_triggered_by` must be a list of references to resources, as in [aws_ecs_task_definition.app]",
            );
            return vec![];
        };
        let mut out = vec![];
        for item in items.iter() {
            let ie = Expr { ast: item.clone(), ..e.clone() };
            let refs = ie.references();
            let resource = matches!(item, Expression::Traversal(_))
                && matches!(refs.first().map(|r| &r.root), Some(RefRoot::Resource(a)) if a.mode == provision_core::Mode::Managed)
                && refs[1..].iter().all(|r| {
                    matches!(r.root, RefRoot::CountIndex | RefRoot::EachKey | RefRoot::Var(_) | RefRoot::Local(_))
                });
            if resource {
                out.push(ie);
            } else {
                self.err(
                    ie.span(),
                    "Invalid replace_triggered_by entry",
                    "each entry must be a reference to a managed resource, an instance of one, or one of its attributes, as in aws_ecs_task_definition.app or aws_instance.web[count.index].id",
                );
            }
        }
        out
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

    fn ignore_changes(&mut self, e: &Expr, schema: &Schema) -> IgnoreChanges {
        match &e.ast {
            Expression::Variable(v) if v.value().as_str() == "all" => IgnoreChanges::All,
            Expression::Array(items) => {
                let mut names = vec![];
                for item in items.iter() {
                    let span = sp(e.file, item);
                    match ignore_path(item) {
                        Some(p) if schema.configurable_names().contains(&p.attr.as_str()) => names.push(p),
                        Some(p) => {
                            let n = p.attr;
                            let hint = did_you_mean(&n, schema.configurable_names()).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
                            self.err(span, "Invalid ignore_changes entry", format!("`{n}` is not an argument of this resource{hint}"));
                        }
                        None => self.err(span, "Invalid ignore_changes entry", "entries must be argument names or paths inside them with literal keys, as in [tags, tags[\"Name\"], ingress[0]]"),
                    }
                }
                IgnoreChanges::Attributes(names)
            }
            _ => {
                self.err(
                    e.span(),
                    "Invalid ignore_changes",
                    "`ignore_changes` must be a list of argument names or `all`",
                );
                IgnoreChanges::None
            }
        }
    }

    /// Checks a body's arguments and nested blocks against a schema.
    fn check_body(&mut self, body: &BodyExprs, schema: &Schema, what: &str, block_span: Option<Span>, path: &[&str]) {
        let configurable = schema.configurable_names();
        for name in body.attrs.keys() {
            let span = body.attr_spans.get(name).cloned();
            match schema.attribute(name) {
                Some(a) if a.mode == AttrMode::Computed => self.err(
                    span,
                    "Read-only attribute",
                    format!(
                        "`{name}` is set by AWS and cannot be configured on {what}; it can only be read, as in {}",
                        read_example(what, name)
                    ),
                ),
                Some(_) => {}
                None if schema.block_schema(name).is_some() => self.err(
                    span,
                    "Unsupported argument",
                    format!("`{name}` is a block on {what}; write `{name} {{ ... }}`"),
                ),
                None if schema.refusal(name).is_some() => {
                    let why = schema.refusal(name).unwrap_or_default().to_string();
                    self.diags.push(Diagnostic::error(format!("Unsupported argument `{name}`")).at(span, why));
                }
                None => {
                    let hint = did_you_mean(name, configurable.iter().copied())
                        .map(|s| format!("did you mean `{s}`? "))
                        .unwrap_or_default();
                    self.diags.push(
                        Diagnostic::error(format!("Unsupported argument `{name}`"))
                            .at(span, format!("{what} has no argument `{name}` (or provision does not support it yet)"))
                            .note(format!("{hint}supported arguments: {}", supported(&configurable))),
                    );
                }
            }
        }
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for (kind, inner, bspan) in &body.blocks {
            match schema.block_schema(kind) {
                Some(bs) => {
                    // `dynamic` blocks are counted once expanded (two whose conditions exclude
                    // each other make one block), by the evaluation.
                    let n = seen.entry(bs.name).or_default();
                    *n += usize::from(inner.dynamic.is_none());
                    if bs.nesting == Nesting::Single && *n > 1 && inner.dynamic.is_none() {
                        self.err(
                            bspan.clone(),
                            "Too many blocks",
                            format!("only one `{kind}` block is allowed on {what}"),
                        );
                    }
                    let mut p = path.to_vec();
                    p.push(bs.name);
                    self.check_body(inner, &bs.schema, &format!("the `{kind}` block"), bspan.clone(), &p);
                }
                None if schema.attribute(kind).is_some() => self.err(
                    bspan.clone(),
                    "Unsupported block type",
                    format!("`{kind}` is an argument on {what}; write `{kind} = ...`"),
                ),
                None => {
                    let blocks: Vec<&str> = schema.blocks.iter().map(|b| b.name).collect();
                    self.diags.push(
                        Diagnostic::error(format!("Unsupported block type `{kind}`"))
                            .at(
                                bspan.clone(),
                                format!("{what} has no `{kind}` block (or provision does not support it yet)"),
                            )
                            .note(format!("supported blocks: {}", supported(&blocks))),
                    );
                }
            }
        }
        for a in &schema.attributes {
            if a.mode == AttrMode::Required && !body.attrs.contains_key(a.name) {
                self.err(
                    block_span.clone(),
                    format!("Missing required argument `{}`", a.name),
                    format!("{what} needs `{}` ({})", a.name, a.ty.describe()),
                );
            }
        }
    }

    /// Checks every reference and function call in the module.
    fn check_references(&mut self) {
        let mut exprs: Vec<(Expr, Option<Address>)> = vec![];
        // Postconditions, where `self` is the object checked.
        let mut with_self: Vec<(Expr, Address)> = vec![];
        for l in self.m.locals.values() {
            exprs.extend(l.expr.clone().map(|e| (e, None)));
        }
        // A call's inputs see `count.index` or `each` when the call has `count` or `for_each`.
        let mut call_owners: BTreeMap<usize, (bool, bool)> = BTreeMap::new();
        for c in &self.calls {
            let owner = (c.count.is_some(), c.for_each.is_some());
            for e in c.args.values() {
                call_owners.insert(exprs.len(), owner);
                exprs.push((e.clone(), None));
            }
            exprs.extend(c.count.iter().chain(c.for_each.iter()).map(|e| (e.clone(), None)));
        }
        for o in self.m.outputs.values() {
            exprs.push((o.value.clone(), None));
            exprs.extend(o.preconditions.iter().flat_map(|c| c.exprs()).map(|e| (e.clone(), None)));
        }
        // The check block each expression is in, for its scoped data sources.
        let mut in_check: BTreeMap<usize, String> = BTreeMap::new();
        for c in &self.m.checks {
            for e in c.asserts.iter().flat_map(|c| c.exprs()) {
                in_check.insert(exprs.len(), c.name.clone());
                exprs.push((e.clone(), None));
            }
        }
        for i in &self.imports {
            // With `for_each`, the id and the key of `to` see `each.key` and `each.value`.
            let owner = (false, i.for_each.is_some());
            for e in std::iter::once(&i.id).chain(i.key.iter()) {
                call_owners.insert(exprs.len(), owner);
                exprs.push((e.clone(), None));
            }
            exprs.extend(i.for_each.iter().map(|e| (e.clone(), None)));
        }
        for r in &self.m.resources {
            for e in r.body.exprs().into_iter().chain(r.timeouts.exprs.iter().map(|(_, e)| e)) {
                exprs.push((e.clone(), Some(r.address.clone())));
            }
            let lc = &r.lifecycle;
            for e in lc.preconditions.iter().flat_map(|c| c.exprs()).chain(lc.replace_triggered_by.iter()) {
                exprs.push((e.clone(), Some(r.address.clone())));
            }
            with_self.extend(lc.postconditions.iter().flat_map(|c| c.exprs()).map(|e| (e.clone(), r.address.clone())));
            with_self.extend(
                r.provisioners.iter().flat_map(|p| p.body.attrs.values()).map(|e| (e.clone(), r.address.clone())),
            );
            // A destroy-time provisioner runs when nothing else may exist any more: as in
            // Terraform, it sees only its own object.
            for e in r.provisioners.iter().filter(|p| p.destroy).flat_map(|p| p.body.attrs.values()) {
                for rf in e.references() {
                    if !matches!(rf.root, RefRoot::SelfObject | RefRoot::CountIndex | RefRoot::EachKey) {
                        self.diags.push(
                            Diagnostic::error("Invalid reference from destroy provisioner")
                                .at(rf.span.clone(), "destroy-time provisioners may only refer to attributes of their own object, through `self`, `count.index` or `each.key`")
                                .note("references to other objects, variables or locals would be evaluated when they may already be gone"),
                        );
                    }
                }
            }
            for e in r.count.iter().chain(r.for_each.iter()) {
                exprs.push((e.clone(), None));
            }
        }
        for p in &self.m.providers {
            for e in p.body.exprs() {
                exprs.push((e.clone(), None));
            }
        }
        let backend_refs: Vec<Option<Span>> = self
            .m
            .backend
            .iter()
            .flat_map(|b| b.attrs.values())
            .filter_map(|e| e.references().first().map(|r| r.span.clone()))
            .collect();
        for span in backend_refs {
            self.err(span, "Variables not allowed", "backend settings must be literal values");
        }
        for (i, (e, owner)) in exprs.into_iter().enumerate() {
            for span in e.unquoted_addresses() {
                let written = self.m.sources.files.get(span.file).and_then(|f| f.text.get(span.start..span.end));
                let written = written.unwrap_or_default().to_string();
                let what = if written.contains('/') { "a CIDR block" } else { "an IP address" };
                self.diags.push(
                    Diagnostic::error(format!("Unquoted {}", &what[what.find(' ').unwrap_or(0) + 1..]))
                        .at(
                            Some(span),
                            format!("`{written}` is not a number: this looks like {what} written without quotes"),
                        )
                        .note(format!("write it as a string: \"{written}\"")),
                );
            }
            for (name, span) in e.function_calls() {
                if name != "try" && name != "can" && functions::lookup(&name).is_none() {
                    let hint = did_you_mean(&name, functions::FUNCTION_NAMES.iter().copied())
                        .map(|s| format!("did you mean `{s}`? "))
                        .unwrap_or_default();
                    self.diags.push(
                        Diagnostic::error(format!("Unsupported function `{name}`"))
                            .at(span, format!("`{name}` is not a supported function"))
                            .note(format!("{hint}see docs/configuration.md for the supported functions")),
                    );
                }
            }
            let e_owner = owner.clone();
            let owner = owner
                .and_then(|a| self.m.resource(&a).map(|r| (r.count.is_some(), r.for_each.is_some())))
                .or_else(|| call_owners.get(&i).copied());
            let check = in_check
                .get(&i)
                .cloned()
                .or_else(|| e_owner.as_ref().and_then(|a| self.m.resource(a)).and_then(|r| r.check.clone()));
            for r in e.references() {
                self.check_reference(&r, owner);
                if let RefRoot::Resource(a) = &r.root
                    && let Some(scope) = self.m.resource(a).and_then(|b| b.check.clone())
                    && check.as_deref() != Some(scope.as_str())
                {
                    self.err(
                        r.span.clone(),
                        "Reference to a scoped data source",
                        format!("{a} is declared in check \"{scope}\": only that check block can refer to it; declare it outside the check block to use it elsewhere"),
                    );
                }
            }
        }
        for (e, owner) in with_self {
            let owner = self.m.resource(&owner).map(|r| (r.count.is_some(), r.for_each.is_some()));
            for r in e.references().iter().filter(|r| r.root != RefRoot::SelfObject) {
                self.check_reference(r, owner);
            }
        }
        for r in std::mem::take(&mut self.late_refs) {
            self.check_reference(&r, None);
        }
        // count and for_each may not refer to their own resource's instances.
        let mut more = vec![];
        more.extend(self.ephemeral_uses());
        // depends_on entries name declared resources (or ones whose type was already reported).
        let deps = self.m.resources.iter().flat_map(|r| r.depends_on.iter());
        for (id, span) in deps.chain(self.m.outputs.values().flat_map(|o| o.depends_on.iter())) {
            if let ObjectId::Resource(a) = id
                && self.m.resource(a).is_none()
                && !self.unsupported.contains(a)
            {
                let what = if a.mode == provision_core::Mode::Data { "data source" } else { "resource" };
                more.push(
                    Diagnostic::error(format!("Reference to undeclared {what}"))
                        .at(span.clone(), format!("no {what} \"{a}\" is declared")),
                );
            }
        }
        for r in &self.m.resources {
            for e in r.count.iter().chain(r.for_each.iter()) {
                for rf in e.references() {
                    if matches!(rf.root, RefRoot::CountIndex | RefRoot::EachKey | RefRoot::EachValue) {
                        more.push(
                            Diagnostic::error("Invalid reference")
                                .at(rf.span.clone(), "`count` and `for_each` cannot refer to count.index or each.*"),
                        );
                    }
                }
            }
        }
        for d in more {
            self.diags.push(d);
        }
    }

    /// Values derived from an ephemeral variable (directly or through locals) are not stored: a
    /// resource argument or an output that uses one is an error, as in Terraform.
    fn ephemeral_uses(&self) -> Vec<Diagnostic> {
        if self.ephemeral.is_empty() {
            return vec![];
        }
        let mut locals: BTreeSet<String> = BTreeSet::new();
        let is_ephemeral = |r: &crate::references::Reference, locals: &BTreeSet<String>| match &r.root {
            RefRoot::Var(n) => self.ephemeral.contains(n),
            RefRoot::Local(n) => locals.contains(n),
            _ => false,
        };
        loop {
            let more: Vec<String> = self
                .m
                .locals
                .values()
                .filter(|l| {
                    !locals.contains(&l.name)
                        && l.expr.iter().any(|e| e.references().iter().any(|r| is_ephemeral(r, &locals)))
                })
                .map(|l| l.name.clone())
                .collect();
            if more.is_empty() {
                break;
            }
            locals.extend(more);
        }
        let mut out = vec![];
        let mut check = |e: &Expr, what: String| {
            if let Some(r) = e.references().into_iter().find(|r| is_ephemeral(r, &locals)) {
                out.push(
                    Diagnostic::error("Invalid use of ephemeral value")
                        .at(r.span.clone(), format!("this value comes from an ephemeral variable, and {what} is stored in the state"))
                        .note("ephemeral values may be used in provider blocks and locals only; remove `ephemeral = true` from the variable if the value may be stored"),
                );
            }
        };
        for r in &self.m.resources {
            for e in r.body.exprs() {
                check(e, format!("an argument of {}", r.address));
            }
        }
        for c in &self.calls {
            for e in c.args.values() {
                check(e, format!("an input of module \"{}\"", c.name));
            }
        }
        for o in self.m.outputs.values() {
            check(&o.value, format!("output \"{}\"", o.name));
        }
        out
    }

    fn check_reference(&mut self, r: &crate::references::Reference, owner: Option<(bool, bool)>) {
        let (counted, for_each) = owner.unwrap_or((false, false));
        match &r.root {
            RefRoot::Var(n) if !self.m.variables.contains_key(n) => {
                let hint = did_you_mean(n, self.m.variables.keys().map(String::as_str))
                    .map(|s| format!("; did you mean var.{s}?"))
                    .unwrap_or_default();
                self.err(
                    r.span.clone(),
                    "Reference to undeclared input variable",
                    format!("no variable \"{n}\" is declared{hint}"),
                );
            }
            RefRoot::Local(n) if !self.m.locals.contains_key(n) => {
                let hint = did_you_mean(n, self.m.locals.keys().map(String::as_str))
                    .map(|s| format!("; did you mean local.{s}?"))
                    .unwrap_or_default();
                self.err(
                    r.span.clone(),
                    "Reference to undeclared local value",
                    format!("no local value \"{n}\" is defined{hint}"),
                );
            }
            RefRoot::Resource(a) => {
                let a = &self.qualify(a);
                let target = self.m.resource(a).map(|t| (t.count.is_some(), t.for_each.is_some(), t.schema.clone()));
                let Some((has_count, has_for_each, schema)) = target else {
                    // Declared with an unsupported type: that is reported once, at the block.
                    if self.unsupported.contains(a) {
                        return;
                    }
                    let what = if a.mode == provision_core::Mode::Data { "data source" } else { "resource" };
                    let same_type: Vec<&str> = self
                        .m
                        .resources
                        .iter()
                        .filter(|r| {
                            r.address.type_name == a.type_name
                                && r.address.mode == a.mode
                                && r.address.module == a.module
                        })
                        .map(|r| r.address.name.as_str())
                        .collect();
                    let close = did_you_mean(&a.name, same_type.iter().copied()).map(str::to_string);
                    // `foo.bar` with no provider prefix is more likely a variable or local
                    // written without `var.`/`local.` than a resource.
                    let detail = if let Some(name) = close {
                        let mut fixed = a.clone();
                        fixed.name = name;
                        fixed.module = vec![];
                        format!("no {what} \"{a}\" is declared; did you mean {fixed}?")
                    } else if a.mode == provision_core::Mode::Managed && !a.type_name.contains('_') {
                        format!(
                            "no resource \"{a}\" is declared, and `{t}` is not a resource type; a variable is read as var.{t}, a local value as local.{t}",
                            t = a.type_name
                        )
                    } else {
                        format!("no {what} \"{a}\" is declared")
                    };
                    self.err(r.span.clone(), format!("Reference to undeclared {what}"), detail);
                    return;
                };
                let expanded = has_count || has_for_each;
                let how = if has_count { "count" } else { "for_each" };
                match (expanded, r.index, &r.attr) {
                    (true, None, Some(attr)) => self.err(
                        r.span.clone(),
                        "Missing resource instance key",
                        format!("{a} has `{how}` set, so its attributes must be read from one instance, as in {a}[{}].{attr}, or from all with {a}[*].{attr}", if how == "count" { "count.index" } else { "each.key" }),
                    ),
                    (false, Some(IndexKind::Key), _) => self.err(
                        r.span.clone(),
                        "Unexpected resource instance key",
                        format!("{a} has neither `count` nor `for_each`, so references to it take no index"),
                    ),
                    _ => {}
                }
                if let Some(attr) = &r.attr {
                    let names = schema.readable_names();
                    if !names.contains(&attr.as_str()) {
                        let hint = did_you_mean(attr, names.iter().copied())
                            .map(|s| format!("; did you mean `{s}`?"))
                            .unwrap_or_default();
                        self.err(
                            r.span.clone(),
                            "Unsupported attribute",
                            format!("{} has no attribute `{attr}`{hint}", a.type_name),
                        );
                    }
                }
            }
            RefRoot::CountIndex if !counted => self.err(
                r.span.clone(),
                "Reference to \"count\" in non-counted context",
                "`count.index` is only available in a resource or module call with `count` set",
            ),
            RefRoot::EachKey | RefRoot::EachValue if !for_each => self.err(
                r.span.clone(),
                "Reference to \"each\" in context without for_each",
                "`each.key` and `each.value` are only available in a resource, module call or import block with `for_each` set",
            ),
            RefRoot::Module(call) => self.check_module_reference(call, r),
            RefRoot::Invalid(m) => self.err(r.span.clone(), "Invalid reference", m.clone()),
            RefRoot::SelfObject => self.err(
                r.span.clone(),
                "Invalid \"self\" reference",
                "`self` can only be used in a postcondition or a provisioner of a resource",
            ),
            _ => {}
        }
    }
}

/// An `ignore_changes` entry: `tags`, `"tags"`, `tags["Name"]`, `tags.Name`, `ingress[0]`.
fn ignore_path(item: &Expression) -> Option<IgnorePath> {
    use hcl_edit::expr::TraversalOperator;
    match item {
        Expression::Variable(v) => Some(IgnorePath { attr: v.value().as_str().to_string(), steps: vec![] }),
        Expression::String(s) => Some(IgnorePath { attr: s.value().clone(), steps: vec![] }),
        Expression::Traversal(t) => {
            let Expression::Variable(root) = &t.expr else { return None };
            let steps = t
                .operators
                .iter()
                .map(|op| match op.value() {
                    TraversalOperator::GetAttr(n) => Some(PathStep::Key(n.value().as_str().to_string())),
                    TraversalOperator::LegacyIndex(n) => Some(PathStep::Index(*n.value() as usize)),
                    TraversalOperator::Index(Expression::String(k)) => Some(PathStep::Key(k.value().clone())),
                    TraversalOperator::Index(Expression::Number(n)) => {
                        n.value().as_u64().map(|n| PathStep::Index(n as usize))
                    }
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()?;
            Some(IgnorePath { attr: root.value().as_str().to_string(), steps })
        }
        _ => None,
    }
}

fn read_example(what: &str, name: &str) -> String {
    if what.contains(' ') { format!("RESOURCE.NAME.{name}") } else { format!("{what}.NAME.{name}") }
}

impl Loader<'_> {
    /// Turns each `dynamic "NAME" { for_each = ...  iterator = it  content { ... } }` of a body
    /// (nested ones included) into a `NAME` block whose body is the content, marked with how it
    /// expands; the iterator's name is bound in the content's expressions.
    fn expand_dynamic(&mut self, body: &mut BodyExprs) {
        let mut blocks = vec![];
        for (kind, mut inner, span) in std::mem::take(&mut body.blocks) {
            if kind != "dynamic" {
                self.expand_dynamic(&mut inner);
                blocks.push((kind, inner, span));
                continue;
            }
            let Some(name) = inner.label.clone() else {
                self.err(
                    span,
                    "Invalid dynamic block",
                    "a dynamic block takes one label, the type of the blocks it makes: dynamic \"ingress\" { ... }",
                );
                continue;
            };
            let iterator = match inner.attrs.remove("iterator") {
                None => name.clone(),
                Some(e) => match &e.ast {
                    Expression::Variable(v) => v.value().as_str().to_string(),
                    _ => {
                        self.err(
                            e.span(),
                            "Invalid dynamic iterator",
                            "`iterator` is a name, written without quotes: iterator = rule",
                        );
                        continue;
                    }
                },
            };
            let Some(for_each) = inner.attrs.remove("for_each") else {
                self.err(span, "Missing required argument", format!("dynamic \"{name}\" needs `for_each`"));
                continue;
            };
            if let Some(e) = inner.attrs.remove("labels") {
                self.err(e.span(), "Unsupported argument", format!("`{name}` blocks take no labels"));
            }
            for (other, e) in &inner.attrs {
                let hint = if other == "content" { "; `content` is a block: content { ... }" } else { "" };
                self.err(
                    e.span(),
                    "Unsupported argument",
                    format!("a dynamic block takes `for_each`, `iterator` and a `content` block, not `{other}`{hint}"),
                );
            }
            let mut contents = vec![];
            for (k, c, s) in std::mem::take(&mut inner.blocks) {
                if k == "content" {
                    contents.push(c);
                } else {
                    self.err(s, "Unsupported block", format!("a dynamic block holds one `content` block, not `{k}`"));
                }
            }
            if contents.len() != 1 {
                self.err(
                    span,
                    "Invalid dynamic block",
                    format!("dynamic \"{name}\" needs exactly one `content` block"),
                );
                continue;
            }
            let mut content = contents.remove(0);
            bind_iterator(&mut content, &iterator);
            self.expand_dynamic(&mut content);
            content.dynamic = Some(Box::new(crate::module::Dynamic { for_each, iterator }));
            blocks.push((name, content, span));
        }
        body.blocks = blocks;
    }

    /// Collects a body's attributes and nested blocks, keeping spans. (An argument set twice never
    /// gets here: the parser rejects it.)
    fn body_exprs(&mut self, file: usize, body: &Body) -> BodyExprs {
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

/// Marks `name` as bound in every expression of a dynamic block's content.
fn bind_iterator(body: &mut BodyExprs, name: &str) {
    for e in body.attrs.values_mut() {
        e.iterators.push(name.to_string());
    }
    if let Some(d) = &mut body.dynamic {
        d.for_each.iterators.push(name.to_string());
    }
    for (_, b, _) in &mut body.blocks {
        bind_iterator(b, name);
    }
}
