//! Module calls: the `module` block, reading the module it names (a local directory, or one that
//! `terraform init` downloaded into `.terraform/modules`) and folding the module into its caller
//! (checking the call against the module's variables and outputs is `check/calls.rs`). The
//! engine then sees one flat configuration: a child's resources carry their module path in their
//! addresses, and its inputs, locals and outputs are [`Local`]s keyed by module path
//! (`module.net.var.cidr`).
//!
//! A call with `count` or `for_each` is read, checked and folded in once, with its instances
//! unknown, and recorded as a [`CallExpansion`]: once the variables are known,
//! [`crate::expand_module_calls`] (`eval/expand.rs`) makes one copy per instance.
//!
//! Downloading is not done here: `terraform init` or `provision init` (provision-cli's `fetch`)
//! does it, and the loader reads what they recorded in `.terraform/modules/modules.json`.

use super::build::{Loader, sp};
use crate::syntax::read_tf_files;
use crate::tree::{CallExpansion, Check, Expr, InstanceCtx, Local, LocalKind, Module, ModuleCtx, ObjectId, call_key};
use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::Block;
use provision_core::{Diagnostic, Diagnostics, ModuleStep, ProviderRef, Span};
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// Module calls nest at most this deep: a deeper chain is almost certainly a mistake.
const MAX_DEPTH: usize = 16;

/// What a child module's loader is given by its caller.
pub(crate) struct Child {
    pub ctx: Arc<ModuleCtx>,
    pub root: PathBuf,
    pub chain: Vec<PathBuf>,
}

/// One `module "NAME" { ... }` block.
pub(crate) struct Call {
    pub name: String,
    /// The span of the block's label.
    pub span: Option<Span>,
    pub source: String,
    pub source_span: Option<Span>,
    /// The input arguments, evaluated in the caller.
    pub args: BTreeMap<String, Expr>,
    pub arg_spans: BTreeMap<String, Span>,
    pub depends_on: Vec<(ObjectId, Option<Span>)>,
    /// `count` and `for_each` (at most one is kept), expressions of the caller.
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    /// `providers = { aws = aws.east }`: the module's name for a configuration, the caller's.
    pub providers: Vec<(ProviderRef, ProviderRef)>,
    /// The module, once read; `None` if it could not be.
    pub child: Option<Module>,
    /// Whether the module was read without errors: only then is the call checked against it.
    pub ok: bool,
    pub ctx: Option<Arc<ModuleCtx>>,
}

impl Loader<'_> {
    /// A `module` block: recorded here, read once every block of the caller is known.
    pub(super) fn module_call(&mut self, file: usize, b: &Block) {
        let Some(labels) = self.labels(file, b, &["NAME"]) else { return };
        let name = labels[0].clone();
        let span = sp(file, &b.labels[0]);
        if !crate::valid_identifier(&name) {
            self.err(
                span,
                "Invalid module name",
                format!("\"{name}\" is not a valid name: use letters, digits, `_` and `-`, starting with a letter"),
            );
            return;
        }
        if let Some(prev) = self.calls.iter().find(|c| c.name == name) {
            let prev = prev.span.clone();
            self.diags.push(
                Diagnostic::error(format!("Duplicate module call \"{name}\""))
                    .at(span, "called again here")
                    .at(prev, "first called here"),
            );
            return;
        }
        let mut body = self.body_exprs(file, &b.body);
        let mut call = Call {
            name: name.clone(),
            span: span.clone(),
            source: String::new(),
            source_span: None,
            args: BTreeMap::new(),
            arg_spans: BTreeMap::new(),
            depends_on: vec![],
            count: None,
            for_each: None,
            providers: vec![],
            child: None,
            ok: false,
            ctx: None,
        };
        for (kind, _, bspan) in std::mem::take(&mut body.blocks) {
            self.err(bspan, "Unsupported block", format!("a module call takes arguments, not `{kind}` blocks"));
        }
        for (arg, e) in std::mem::take(&mut body.attrs) {
            let arg_span = body.attr_spans.get(&arg).cloned();
            match arg.as_str() {
                "source" => {
                    call.source_span = e.span();
                    if let Some(s) = self.literal_string(&e, "module source") {
                        call.source = s;
                    }
                }
                "version" => {
                    let _ = self.literal_string(&e, "module version");
                }
                "count" => call.count = Some(e),
                "for_each" => call.for_each = Some(e),
                "providers" => call.providers = self.providers_map(&e),
                "depends_on" => call.depends_on = self.depends_on(&e),
                _ => {
                    if let Some(s) = arg_span {
                        call.arg_spans.insert(arg.clone(), s);
                    }
                    call.args.insert(arg, e);
                }
            }
        }
        if let (Some(_), Some(fe)) = (&call.count, &call.for_each) {
            self.err(
                fe.span(),
                "Invalid combination of \"count\" and \"for_each\"",
                format!("module \"{name}\" may use `count` or `for_each`, not both"),
            );
            call.for_each = None;
        }
        if call.source.is_empty() && call.source_span.is_none() {
            self.err(
                span,
                "Missing required argument",
                format!("module \"{name}\" needs a `source`, as in source = \"./modules/network\""),
            );
        }
        self.calls.push(call);
    }

    /// `providers = { aws = aws.east, aws.west = aws.west }`.
    fn providers_map(&mut self, e: &Expr) -> Vec<(ProviderRef, ProviderRef)> {
        let Expression::Object(o) = &e.ast else {
            self.err(e.span(), "Invalid providers argument", "write `providers = { aws = aws.ALIAS }`");
            return vec![];
        };
        let mut out = vec![];
        for (k, v) in o.iter() {
            let key_expr = match k {
                ObjectKey::Ident(i) => Expression::Variable(hcl_edit::Decorated::new(hcl_edit::Ident::new(i.as_str()))),
                ObjectKey::Expression(x) => x.clone(),
            };
            let inner = self.provider_reference(&Expr { ast: key_expr, ..e.clone() });
            let outer = self.provider_reference(&Expr { ast: v.expr().clone(), ..e.clone() });
            if let (Some((inner, _)), Some((outer, span))) = (inner, outer) {
                self.provider_uses.push((outer.clone(), span));
                out.push((inner, outer));
            }
        }
        out
    }

    /// Reads the module of every call. Returns the diagnostics of the modules read, each already
    /// naming its call chain.
    pub(crate) fn load_calls(&mut self) -> Diagnostics {
        let mut sub = Diagnostics::default();
        let mut calls = std::mem::take(&mut self.calls);
        for call in &mut calls {
            if call.source.is_empty() {
                continue;
            }
            let Some((dir, rel_dir)) = self.resolve_source(call) else { continue };
            let canonical = dir.canonicalize().unwrap_or_else(|_| dir.clone());
            if self.chain.iter().any(|d| d.canonicalize().unwrap_or_else(|_| d.clone()) == canonical) {
                self.err(
                    call.source_span.clone(),
                    "Module calls itself",
                    format!(
                        "module \"{}\" reads {rel_dir}, which is already being read by a call that leads here",
                        call.name
                    ),
                );
                continue;
            }
            if self.chain.len() > MAX_DEPTH {
                self.err(
                    call.source_span.clone(),
                    "Modules nested too deep",
                    format!("module calls nest more than {MAX_DEPTH} deep here"),
                );
                continue;
            }
            let parent = self.ctx.as_deref();
            let mut steps = parent.map(|p| p.steps.clone()).unwrap_or_default();
            steps.push(ModuleStep { name: call.name.clone(), key: None });
            let mut calls_chain = parent.map(|p| p.calls.clone()).unwrap_or_default();
            calls_chain.push((format!("module.{}", call.name), call.span.clone()));
            let ctx = Arc::new(ModuleCtx {
                prefix: call_key(parent, &call.name, None),
                steps,
                rel_dir: rel_dir.clone(),
                calls: calls_chain,
            });
            let (files, read_diags) = read_tf_files(&dir, &format!("{rel_dir}/"));
            if files.is_empty() && !read_diags.has_errors() {
                self.err(
                    call.source_span.clone(),
                    "Module has no configuration",
                    format!("{rel_dir} holds no *.tf files (module \"{}\")", call.name),
                );
                continue;
            }
            let mut chain = self.chain.clone();
            chain.push(dir.clone());
            let child = Child { ctx: ctx.clone(), root: self.root.clone(), chain };
            let sources = std::mem::take(&mut self.m.sources);
            let mut loader = Loader::new(&dir, self.provider, self.hooks, sources, Some(child));
            loader.diags.extend(read_diags);
            (self.hooks.load_module)(&mut loader, files);
            self.m.sources = std::mem::take(&mut loader.m.sources);
            call.ok = !loader.diags.has_errors();
            sub.extend(loader.diags);
            call.child = Some(loader.m);
            call.ctx = Some(ctx);
        }
        self.calls = calls;
        sub
    }

    /// The directory a call's `source` names, and that directory relative to the root module.
    fn resolve_source(&mut self, call: &Call) -> Option<(PathBuf, String)> {
        let source = &call.source;
        if source.starts_with("./") || source.starts_with("../") || source == "." || source == ".." {
            let parent_rel = self.ctx.as_ref().map_or("", |c| c.rel_dir.as_str());
            let rel = normalize(&Path::new(parent_rel).join(source));
            let dir = self.m.dir.join(source);
            if !dir.is_dir() {
                self.err(
                    call.source_span.clone(),
                    "Module not found",
                    format!(
                        "module \"{}\" reads {source} ({rel} from the root module), which is not a directory",
                        call.name
                    ),
                );
                return None;
            }
            return Some((dir, rel));
        }
        if Path::new(source).is_absolute() {
            self.err(
                call.source_span.clone(),
                "Invalid module source",
                "a local module's source starts with ./ or ../ (a path relative to this module), not /",
            );
            return None;
        }
        // A registry, git or archive source: read what `terraform init` downloaded.
        let key = match &self.ctx {
            Some(c) => {
                format!("{}.{}", c.steps.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join("."), call.name)
            }
            None => call.name.clone(),
        };
        let manifest = self.root.join(".terraform/modules/modules.json");
        let installed = std::fs::read_to_string(&manifest).ok().and_then(|text| installed_dir(&text, &key));
        match installed {
            Some(rel) => {
                let dir = self.root.join(&rel);
                if dir.is_dir() {
                    return Some((dir, normalize(Path::new(&rel))));
                }
                self.err(
                    call.source_span.clone(),
                    "Module not installed",
                    format!("module \"{}\" is listed in .terraform/modules/modules.json at {rel}, but that directory is missing; run `provision init` (or `terraform init`) again", call.name),
                );
                None
            }
            None => {
                self.diags.push(
                    Diagnostic::error("Module not installed")
                        .at(call.source_span.clone(), format!("module \"{}\" comes from \"{source}\", which is not a local path, and .terraform/modules/modules.json does not list it", call.name))
                        .note("run `provision init` (or `terraform init`) to download it into .terraform/modules, or copy the module into the project and use a local source such as \"./modules/NAME\""),
                );
                None
            }
        }
    }

    /// Moves every read module into this one (see the module documentation).
    pub(crate) fn fold_calls(&mut self) {
        for call in std::mem::take(&mut self.calls) {
            let (Some(child), Some(ctx), true) = (call.child, call.ctx, call.ok) else { continue };
            let counted = call.count.is_some() || call.for_each.is_some();
            // Until the instances are known, `count.index` and `each.*` in the inputs are unknown.
            let instance = counted.then(|| InstanceCtx { unknown: true, ..InstanceCtx::default() });
            let mut args = call.args;
            for (name, v) in child.variables {
                let key = ctx.key("var", &name);
                let expr = args.remove(&name);
                let span = v.span.clone();
                self.m.locals.insert(
                    key.clone(),
                    Local {
                        name: key,
                        expr,
                        kind: LocalKind::Input(Box::new(v)),
                        depends_on: vec![],
                        preconditions: vec![],
                        span,
                        instance: instance.clone(),
                    },
                );
            }
            for (name, mut l) in child.locals {
                if !name.starts_with("module.") {
                    l.name = ctx.key("local", &name);
                }
                self.m.locals.insert(l.name.clone(), l);
            }
            let mut outputs = vec![];
            for (name, o) in child.outputs {
                let key = ctx.key("output", &name);
                outputs.push((name, key.clone()));
                self.m.locals.insert(
                    key.clone(),
                    Local {
                        name: key,
                        expr: Some(o.value),
                        kind: LocalKind::Output { sensitive: o.sensitive },
                        depends_on: o.depends_on,
                        preconditions: o.preconditions,
                        span: o.span,
                        instance: None,
                    },
                );
            }
            let kind = if counted {
                self.m.expansions.push(CallExpansion {
                    prefix: ctx.prefix.clone(),
                    steps: ctx.steps.clone(),
                    count: call.count.clone(),
                    for_each: call.for_each.clone(),
                    span: call.span.clone(),
                    outputs,
                });
                LocalKind::Instances { for_each: call.for_each.is_some(), keys: None }
            } else {
                LocalKind::Outputs(outputs)
            };
            self.m.expansions.extend(child.expansions);
            self.m.locals.insert(
                ctx.prefix.clone(),
                Local {
                    name: ctx.prefix.clone(),
                    expr: None,
                    kind,
                    depends_on: vec![],
                    preconditions: vec![],
                    span: call.span.clone(),
                    instance: None,
                },
            );
            for mut r in child.resources {
                match call.providers.iter().find(|(inner, _)| *inner == r.provider) {
                    Some((_, outer)) => r.provider = outer.clone(),
                    None if r.provider.alias.is_none() => {}
                    None => {
                        let p = r.provider.to_string();
                        self.diags.push(
                            Diagnostic::error("Provider configuration not passed to the module")
                                .at(r.span.clone(), format!("{} uses `{p}`", r.address))
                                .at(call.span.clone(), format!("but this call does not pass `{p}`"))
                                .note(format!("add `providers = {{ {p} = {p} }}` (or another configuration of the caller) to module \"{}\"", call.name)),
                        );
                    }
                }
                r.depends_on.extend(call.depends_on.iter().cloned());
                let _ = self.m.add_resource(r);
            }
            self.m.moved.extend(child.moved);
            self.m.removed.extend(child.removed);
            self.m
                .checks
                .extend(child.checks.into_iter().map(|c| Check { name: format!("{}.{}", ctx.prefix, c.name), ..c }));
            if let Some(b) = child.backend {
                self.diags.push(
                    Diagnostic::warning("Backend configuration in a module is ignored")
                        .at(b.span, format!("{} is a module: only the root module's backend is used", ctx.prefix)),
                );
            }
        }
    }

    /// Names the call chain in every diagnostic of a child module's own files.
    pub(crate) fn note_call_chain(&mut self) {
        let Some(ctx) = &self.ctx else { return };
        let note = ctx.call_chain_note(&self.m.sources);
        for d in &mut self.diags.0 {
            d.notes.push(note.clone());
        }
    }
}

/// The directory `terraform init` recorded for the module call `key` (`net`, or `net.subnets`
/// for a nested call) in `.terraform/modules/modules.json`.
fn installed_dir(manifest: &str, key: &str) -> Option<String> {
    let json: serde_json::Value = serde_json::from_str(manifest).ok()?;
    json.get("Modules")?
        .as_array()?
        .iter()
        .find(|m| m.get("Key").and_then(|k| k.as_str()) == Some(key))
        .and_then(|m| m.get("Dir")?.as_str().map(str::to_string))
}

/// A relative path without `.` and with `..` applied where it can be: `modules/vpc` (how module
/// directories are written in `modules.json`; `provision init` writes them the same way).
pub fn normalize(p: &Path) -> String {
    let mut parts: Vec<String> = vec![];
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if parts.last().is_some_and(|l| l != "..") => {
                parts.pop();
            }
            other => parts.push(other.as_os_str().to_string_lossy().to_string()),
        }
    }
    if parts.is_empty() { ".".into() } else { parts.join("/") }
}

#[cfg(test)]
mod tests {
    #[test]
    fn normalizes_relative_paths() {
        assert_eq!(super::normalize(std::path::Path::new("./modules/vpc")), "modules/vpc");
        assert_eq!(super::normalize(std::path::Path::new("modules/app/../vpc")), "modules/vpc");
        assert_eq!(super::normalize(std::path::Path::new("../shared/x")), "../shared/x");
    }

    #[test]
    fn reads_the_installed_directory() {
        let manifest = r#"{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"vpc","Source":"registry.terraform.io/terraform-aws-modules/vpc/aws","Version":"5.8.1","Dir":".terraform/modules/vpc"}]}"#;
        assert_eq!(super::installed_dir(manifest, "vpc").as_deref(), Some(".terraform/modules/vpc"));
        assert_eq!(super::installed_dir(manifest, "db"), None);
    }
}
