//! `resource` and `data` blocks: the block read into a [`ResourceBlock`], its meta-arguments
//! (`count`, `for_each`, `depends_on`, `provider`, `layer`) and its `lifecycle`, `provisioner`
//! and `timeouts` blocks decoded; the rest of the body is checked against the type's schema
//! (through [`super::Hooks`]) and what the schema lacks is dropped.

use super::build::{Loader, sp, supported};
use super::module::{
    BodyExprs, Expr, IgnoreChanges, IgnorePath, Lifecycle, PathStep, Provisioner, ResourceBlock, TimeoutOverrides,
};
use super::references::RefRoot;
use crate::did_you_mean;
use hcl_edit::expr::Expression;
use hcl_edit::structure::Block;
use provision_core::{Address, AttrMode, Diagnostic, Layer, ProviderRef, Schema, Span};
use std::sync::Arc;

/// Why `connection` blocks and the `file` and `remote-exec` provisioners are refused.
const NO_CONNECTION: &str = "provision does not open SSH or WinRM connections to instances, which `file`, `remote-exec` and `connection` need; run the commands from the instance's user data, put files in S3 (aws_s3_object), or use a `local-exec` provisioner";

impl Loader<'_> {
    /// A `resource` or `data` block; `check`: the check block a data source is nested in.
    pub(super) fn resource(&mut self, file: usize, b: &Block, data: bool, check: Option<&str>) {
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
        (self.hooks.check_body)(self, &body, &schema, &what, type_span.clone(), &[]);
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
                    if (self.hooks.constant)(&e.ast).is_ok() =>
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
