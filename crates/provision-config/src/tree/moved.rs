//! `moved` blocks: a resource renamed, moved into or out of a module, or a module call renamed,
//! keeps its objects. The loader checks what each block names; the engine moves the recorded
//! objects before planning, so the plan shows a move, never a destroy and a create. And `removed`
//! blocks: stop managing objects without destroying them. And `import` blocks: adopt an
//! existing object at an address instead of creating one.

use super::build::{Loader, sp};
use crate::tree::{Expr, Import, MoveTarget, Moved, Removed};
use hcl_edit::structure::Block;
use provision_core::{Address, ModuleStep};

/// Whether `e` indexes a module call by an expression (`module.m[each.key].aws_vpc.this`).
fn module_key_expression(e: &Expr) -> bool {
    use hcl_edit::expr::{Expression, TraversalOperator};
    let Expression::Traversal(t) = &e.ast else { return false };
    let n = t.operators.len();
    t.operators.iter().take(n.saturating_sub(1)).any(|op| {
        matches!(op.value(), TraversalOperator::Index(inner) if !matches!(inner, Expression::String(_) | Expression::Number(_)))
    })
}

/// When `e` is a traversal whose last step is an index by something other than a literal
/// (`aws_s3_bucket.this[each.key]`): where the index expression starts, and that expression.
fn key_expression(e: &Expr) -> Option<(Option<provision_core::Span>, Expr)> {
    use hcl_edit::expr::{Expression, TraversalOperator};
    let Expression::Traversal(t) = &e.ast else { return None };
    let last = t.operators.last()?;
    let TraversalOperator::Index(inner) = last.value() else { return None };
    if matches!(inner, Expression::String(_) | Expression::Number(_)) {
        return None;
    }
    let key = Expr { ast: inner.clone(), ..e.clone() };
    Some((key.span(), key))
}

impl Loader<'_> {
    /// A `moved { from = ADDRESS  to = ADDRESS }` block.
    pub(super) fn moved(&mut self, file: usize, b: &Block) {
        if !b.labels.is_empty() {
            self.err(sp(file, &b.ident), "Invalid moved block", "a moved block takes no labels");
            return;
        }
        let body = self.body_exprs(file, &b.body);
        for (kind, _, span) in &body.blocks {
            self.err(
                span.clone(),
                "Unsupported block",
                format!("a moved block takes `from` and `to`, not a `{kind}` block"),
            );
        }
        for (name, e) in &body.attrs {
            if name != "from" && name != "to" {
                self.err(
                    e.span(),
                    "Unsupported argument",
                    format!("a moved block takes `from` and `to`, not `{name}`"),
                );
            }
        }
        let (Some(from), Some(to)) = (body.attrs.get("from"), body.attrs.get("to")) else {
            self.err(sp(file, &b.ident), "Missing required argument", "a moved block needs `from` and `to`");
            return;
        };
        let (Some(from), Some(to)) = (self.move_target(from), self.move_target(to)) else { return };
        let span = sp(file, &b.ident);
        match (&from, &to) {
            (MoveTarget::Resource(f), MoveTarget::Resource(t)) => {
                if (f.mode, &f.type_name) != (t.mode, &t.type_name) {
                    self.err(
                        span,
                        "Invalid moved block",
                        format!("{f} and {t} are of different types: an object keeps its type when it moves"),
                    );
                    return;
                }
                if f.key.is_some() != t.key.is_some() {
                    self.err(
                        span,
                        "Invalid moved block",
                        "move a whole resource to a whole resource, or one instance (with its key) to one instance",
                    );
                    return;
                }
                if f == t {
                    self.err(span, "Invalid moved block", "`from` and `to` are the same address");
                    return;
                }
            }
            (MoveTarget::Module(f), MoveTarget::Module(t)) => {
                if f == t {
                    self.err(span, "Invalid moved block", "`from` and `to` are the same module");
                    return;
                }
            }
            _ => {
                self.err(span, "Invalid moved block", "a module call moves to a module call, a resource to a resource");
                return;
            }
        }
        self.moves.push(Moved { from, to, span });
    }

    /// A `removed { from = ADDRESS  lifecycle { destroy = false } }` block.
    pub(super) fn removed(&mut self, file: usize, b: &Block) {
        let span = sp(file, &b.ident);
        if !b.labels.is_empty() {
            self.err(span, "Invalid removed block", "a removed block takes no labels");
            return;
        }
        let body = self.body_exprs(file, &b.body);
        for (name, e) in &body.attrs {
            if name != "from" {
                self.err(
                    e.span(),
                    "Unsupported argument",
                    format!("a removed block takes `from` and a `lifecycle` block, not `{name}`"),
                );
            }
        }
        let mut destroy = true;
        for (kind, inner, bspan) in &body.blocks {
            if kind != "lifecycle" {
                self.err(
                    bspan.clone(),
                    "Unsupported block",
                    format!("a removed block takes a `lifecycle` block, not `{kind}`"),
                );
                continue;
            }
            for (name, e) in &inner.attrs {
                match name.as_str() {
                    "destroy" => destroy = self.literal_bool(e, "destroy"),
                    _ => self.err(
                        e.span(),
                        "Unsupported argument",
                        format!("the lifecycle of a removed block takes `destroy`, not `{name}`"),
                    ),
                }
            }
        }
        let Some(from) = body.attrs.get("from") else {
            self.err(span, "Missing required argument", "a removed block needs `from`");
            return;
        };
        let Some(target) = self.move_target(from) else { return };
        if matches!(&target, MoveTarget::Resource(a) if a.key.is_some()) {
            self.err(
                from.span(),
                "Invalid removed block",
                "`from` names a whole resource or module call, without an instance key",
            );
            return;
        }
        self.removals.push(Removed { from: target, destroy, span });
    }

    /// `import { to = aws_s3_bucket.logs  id = "my-logs" }`.
    pub(super) fn import(&mut self, file: usize, b: &Block) {
        let span = sp(file, &b.ident);
        if !b.labels.is_empty() {
            self.err(span, "Invalid import block", "an import block takes no labels");
            return;
        }
        if let Some(ctx) = &self.ctx {
            let prefix = ctx.prefix.clone();
            self.err(
                span,
                "Invalid import block",
                format!("import blocks are only allowed in the root module, not in {prefix}; move it to the root and write `to = {prefix}.TYPE.NAME`"),
            );
            return;
        }
        let body = self.body_exprs(file, &b.body);
        for (kind, _, bspan) in &body.blocks {
            self.err(
                bspan.clone(),
                "Unsupported block",
                format!("an import block takes `to`, `id`, `for_each` and `provider`, not a `{kind}` block"),
            );
        }
        for (name, e) in &body.attrs {
            match name.as_str() {
                "to" | "id" | "for_each" | "provider" => {}
                "identity" => self.err(
                    e.span(),
                    "Unsupported argument",
                    "`identity` in import blocks is not supported yet: give the object's `id`",
                ),
                _ => self.err(
                    e.span(),
                    "Unsupported argument",
                    format!("an import block takes `to`, `id`, `for_each` and `provider`, not `{name}`"),
                ),
            }
        }
        let provider = match body.attrs.get("provider") {
            Some(p) => match self.provider_reference(p) {
                Some((r, pspan)) => {
                    self.provider_uses.push((r.clone(), pspan.clone()));
                    Some((r, pspan))
                }
                None => return,
            },
            None => None,
        };
        let for_each = body.attrs.get("for_each").cloned();
        let (Some(to), Some(id)) = (body.attrs.get("to"), body.attrs.get("id")) else {
            let missing = if body.attrs.contains_key("to") { "id" } else { "to" };
            self.err(span, "Missing required argument", format!("an import block needs `{missing}`"));
            return;
        };
        // `aws_s3_bucket.this[each.key]`: the key is an expression, evaluated when planning.
        if module_key_expression(to) {
            self.err(
                to.span(),
                "Invalid import address",
                "a module call's instance key in `to` must be written out (module.net[\"a\"].aws_vpc.this); only the resource's own key may be an expression",
            );
            return;
        }
        let (target, key) = match key_expression(to) {
            Some((head, key)) => (self.address_text(to, head.as_ref()), Some(key)),
            None => (self.move_target(to), None),
        };
        match target {
            Some(MoveTarget::Resource(a))
                if a.mode == provision_core::Mode::Managed && !(key.is_some() && a.key.is_some()) =>
            {
                if for_each.is_some() && key.is_none() {
                    self.err(
                        to.span(),
                        "Invalid import address",
                        format!(
                            "with `for_each`, `to` names each element's instance with an expression, as in {}[each.key]",
                            a.resource()
                        ),
                    );
                    return;
                }
                self.imports.push(Import { to: a, key, id: id.clone(), for_each, provider, span });
            }
            Some(_) => self.err(
                to.span(),
                "Invalid import address",
                "`to` names a managed resource instance, as in aws_s3_bucket.logs, aws_subnet.public[0] or aws_s3_bucket.this[each.key]",
            ),
            None => {}
        }
    }

    /// The address written in `e` up to byte `end` of its file (the `to` of an import block
    /// before its key expression), as [`Self::move_target`] reads it.
    fn address_text(&mut self, e: &Expr, end: Option<&provision_core::Span>) -> Option<MoveTarget> {
        let (Some(s), Some(end)) = (e.span(), end) else {
            self.err(e.span(), "Invalid address", "write a resource instance, as in aws_s3_bucket.this[each.key]");
            return None;
        };
        let text = self.m.sources.files.get(s.file).and_then(|f| f.text.get(s.start..end.start)).unwrap_or_default();
        let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        match text.trim_end_matches('[').parse::<Address>() {
            Ok(a) if a.key.is_none() && text.ends_with('[') => Some(MoveTarget::Resource(a)),
            _ => {
                self.err(
                    e.span(),
                    "Invalid import address",
                    "only the resource's own instance key may be an expression, as in aws_s3_bucket.this[each.key] (a module call's key must be written out)",
                );
                None
            }
        }
    }

    /// Whether the module path `target` (as a `moved` block writes it) is, or leads to, the path
    /// `declared` of a folded resource. A call with `count` or `for_each` is folded in without its
    /// key, so any key matches it (which instances exist is checked once they are made, see
    /// `eval/expand.rs`), and no key does not.
    fn steps_match(&self, declared: &[ModuleStep], target: &[ModuleStep]) -> bool {
        target.len() <= declared.len()
            && target.iter().enumerate().all(|(i, t)| {
                let d = &declared[i];
                let counted = self.m.expansions.iter().any(|e| e.steps[..] == declared[..=i]);
                d.name == t.name && if counted { t.key.is_some() } else { d.key == t.key }
            })
    }

    /// `aws_vpc.main`, `aws_subnet.a[0]`, `module.net`, `module.net.aws_vpc.this`: the address as
    /// written, in this module's namespace.
    fn move_target(&mut self, e: &Expr) -> Option<MoveTarget> {
        let text = e
            .span()
            .and_then(|s| self.m.sources.files.get(s.file).and_then(|f| f.text.get(s.start..s.end)).map(str::to_string))
            .unwrap_or_default();
        let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let prefix = self.ctx.as_ref().map(|c| c.steps.clone()).unwrap_or_default();
        if let Ok(mut a) = text.parse::<Address>() {
            let mut module = prefix;
            module.append(&mut a.module);
            a.module = module;
            return Some(MoveTarget::Resource(a));
        }
        if text.starts_with("module.")
            && let Ok(a) = format!("{text}.t.n").parse::<Address>()
        {
            let mut module: Vec<ModuleStep> = prefix;
            module.extend(a.module);
            return Some(MoveTarget::Module(module));
        }
        self.err(
            e.span(),
            "Invalid address",
            "write a resource (aws_vpc.main), an instance (aws_subnet.a[0]) or a module call (module.network), without quotes",
        );
        None
    }

    /// Each move leaves `from` out of the configuration (unless it moves one instance of a
    /// resource to another) and lands on something the configuration declares. Runs once this
    /// module's calls are folded in, so `to` may be inside a module.
    pub(crate) fn check_moves(&mut self) {
        for m in std::mem::take(&mut self.moves) {
            let declared = |t: &MoveTarget, l: &Loader| match t {
                MoveTarget::Resource(a) => l.m.resources.iter().any(|r| {
                    r.address.mode == a.mode
                        && r.address.type_name == a.type_name
                        && r.address.name == a.name
                        && r.address.module.len() == a.module.len()
                        && l.steps_match(&r.address.module, &a.module)
                }),
                MoveTarget::Module(steps) => l.m.resources.iter().any(|r| l.steps_match(&r.address.module, steps)),
            };
            let instance_move = matches!(&m.from, MoveTarget::Resource(a) if a.key.is_some());
            if !instance_move && declared(&m.from, self) {
                self.err(
                    m.span.clone(),
                    "Moved object still exists",
                    format!("{} is still in the configuration: remove it, or remove this moved block", m.from),
                );
                continue;
            }
            if !declared(&m.to, self) {
                self.err(
                    m.span.clone(),
                    "Move to an undeclared address",
                    format!("nothing in the configuration is at {}: the objects moved there would be destroyed", m.to),
                );
                continue;
            }
            self.m.moved.push(m);
        }
        let mut seen: std::collections::BTreeMap<Address, Option<provision_core::Span>> = Default::default();
        for i in std::mem::take(&mut self.imports) {
            // Inside an instance of a call with `count` or `for_each`, the block is the call's
            // (folded in once, without the key).
            let found = self.m.resource(&i.to).or_else(|| {
                self.m.resources.iter().find(|r| {
                    r.address.mode == i.to.mode
                        && r.address.type_name == i.to.type_name
                        && r.address.name == i.to.name
                        && r.address.module.len() == i.to.module.len()
                        && self.steps_match(&r.address.module, &i.to.module)
                })
            });
            let Some(block) = found else {
                self.err(
                    i.span.clone(),
                    "Import to an undeclared resource",
                    format!(
                        "nothing in the configuration is at {}: declare the resource the object is imported into",
                        i.to
                    ),
                );
                continue;
            };
            // An alias no block declares is reported once, as such (`check_provider_uses`).
            if let Some((p, pspan)) = &i.provider
                && *p != block.provider
                && (self.m.provider_block(p).is_some() || self.config_aliases.contains(p))
            {
                let resource = i.to.resource();
                let uses = block.provider.to_string();
                self.diags.push(
                    provision_core::Diagnostic::error("Invalid import provider argument")
                        .at(
                            pspan.clone(),
                            format!("{resource} uses the provider configuration {uses}, not {p}"),
                        )
                        .note(format!(
                            "the object is read with the configuration its resource uses: set `provider = {p}` in {resource}'s block, or write `provider = {uses}` here"
                        )),
                );
                continue;
            }
            let counted = block.count.is_some() || block.for_each.is_some();
            if counted != (i.to.key.is_some() || i.key.is_some()) {
                let why = if counted {
                    format!(
                        "{} has `count` or `for_each`: name one instance, as in {}[0]",
                        i.to.resource(),
                        i.to.resource()
                    )
                } else {
                    format!("{} has neither `count` nor `for_each`: name it without an instance key", i.to.resource())
                };
                self.err(i.span.clone(), "Invalid import address", why);
                continue;
            }
            if i.key.is_none()
                && let Some(prev) = seen.insert(i.to.clone(), i.span.clone())
            {
                self.diags.push(
                    provision_core::Diagnostic::error(format!("Duplicate import to {}", i.to))
                        .at(i.span.clone(), "imported again here")
                        .at(prev, "first imported here"),
                );
                continue;
            }
            self.m.imports.push(i);
        }
        for r in std::mem::take(&mut self.removals) {
            let declared = match &r.from {
                MoveTarget::Resource(a) => self.m.resource(a).is_some(),
                MoveTarget::Module(steps) => self.m.resources.iter().any(|x| x.address.module.starts_with(steps)),
            };
            if declared {
                self.err(
                    r.span.clone(),
                    "Removed object still exists",
                    format!("{} is still in the configuration: delete its block, or remove this removed block", r.from),
                );
                continue;
            }
            self.m.removed.push(r);
        }
    }
}
