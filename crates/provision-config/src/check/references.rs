//! Reference checks: every name an expression uses (`var.x`, `local.y`, `aws_vpc.main.id`,
//! `module.net.out`, `count.index`, `self`) is declared and usable where it is written; every
//! function it calls exists; ephemeral values are not stored. Runs once a module's blocks and
//! calls are read, before its calls are folded in.

use super::FUNCTION_NAMES;
use crate::did_you_mean;
use crate::tree::{Expr, IndexKind, Loader, ObjectId, RefRoot, Reference};
use provision_core::{Address, Diagnostic, Span};
use std::collections::{BTreeMap, BTreeSet};

/// A resource may name an aliased provider only if a block with that alias exists.
pub(crate) fn check_provider_uses(l: &mut Loader<'_>) {
    for (r, span) in std::mem::take(&mut l.provider_uses) {
        let Some(alias) = &r.alias else { continue };
        if l.m.provider_block(&r).is_none() && !l.config_aliases.contains(&r) {
            let known: Vec<String> = l.m.providers.iter().filter_map(|p| p.alias.clone()).collect();
            let hint = did_you_mean(alias, known.iter().map(String::as_str))
                .map(|s| format!("did you mean `{}.{s}`? ", r.name))
                .unwrap_or_default();
            l.diags.push(
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

/// Checks every reference and function call in the module.
pub(crate) fn check_references(l: &mut Loader<'_>) {
    let mut exprs: Vec<(Expr, Option<Address>)> = vec![];
    // Postconditions, where `self` is the object checked.
    let mut with_self: Vec<(Expr, Address)> = vec![];
    for l in l.m.locals.values() {
        exprs.extend(l.expr.clone().map(|e| (e, None)));
    }
    // A call's inputs see `count.index` or `each` when the call has `count` or `for_each`.
    let mut call_owners: BTreeMap<usize, (bool, bool)> = BTreeMap::new();
    for c in &l.calls {
        let owner = (c.count.is_some(), c.for_each.is_some());
        for e in c.args.values() {
            call_owners.insert(exprs.len(), owner);
            exprs.push((e.clone(), None));
        }
        exprs.extend(c.count.iter().chain(c.for_each.iter()).map(|e| (e.clone(), None)));
    }
    for o in l.m.outputs.values() {
        exprs.push((o.value.clone(), None));
        exprs.extend(o.preconditions.iter().flat_map(|c| c.exprs()).map(|e| (e.clone(), None)));
    }
    // The check block each expression is in, for its scoped data sources.
    let mut in_check: BTreeMap<usize, String> = BTreeMap::new();
    for c in &l.m.checks {
        for e in c.asserts.iter().flat_map(|c| c.exprs()) {
            in_check.insert(exprs.len(), c.name.clone());
            exprs.push((e.clone(), None));
        }
    }
    for i in &l.imports {
        // With `for_each`, the id and the key of `to` see `each.key` and `each.value`.
        let owner = (false, i.for_each.is_some());
        for e in std::iter::once(&i.id).chain(i.key.iter()) {
            call_owners.insert(exprs.len(), owner);
            exprs.push((e.clone(), None));
        }
        exprs.extend(i.for_each.iter().map(|e| (e.clone(), None)));
    }
    for r in &l.m.resources {
        for e in r.body.exprs().into_iter().chain(r.timeouts.exprs.iter().map(|(_, e)| e)) {
            exprs.push((e.clone(), Some(r.address.clone())));
        }
        let lc = &r.lifecycle;
        for e in lc.preconditions.iter().flat_map(|c| c.exprs()).chain(lc.replace_triggered_by.iter()) {
            exprs.push((e.clone(), Some(r.address.clone())));
        }
        with_self.extend(lc.postconditions.iter().flat_map(|c| c.exprs()).map(|e| (e.clone(), r.address.clone())));
        with_self
            .extend(r.provisioners.iter().flat_map(|p| p.body.attrs.values()).map(|e| (e.clone(), r.address.clone())));
        // A destroy-time provisioner runs when nothing else may exist any more: as in
        // Terraform, it sees only its own object.
        for e in r.provisioners.iter().filter(|p| p.destroy).flat_map(|p| p.body.attrs.values()) {
            for rf in e.references() {
                if !matches!(rf.root, RefRoot::SelfObject | RefRoot::CountIndex | RefRoot::EachKey) {
                    l.diags.push(
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
    for p in &l.m.providers {
        for e in p.body.exprs() {
            exprs.push((e.clone(), None));
        }
    }
    let backend_refs: Vec<Option<Span>> =
        l.m.backend
            .iter()
            .flat_map(|b| b.attrs.values())
            .filter_map(|e| e.references().first().map(|r| r.span.clone()))
            .collect();
    for span in backend_refs {
        l.err(span, "Variables not allowed", "backend settings must be literal values");
    }
    for (i, (e, owner)) in exprs.into_iter().enumerate() {
        for span in e.unquoted_addresses() {
            let written = l.m.sources.files.get(span.file).and_then(|f| f.text.get(span.start..span.end));
            let written = written.unwrap_or_default().to_string();
            let what = if written.contains('/') { "a CIDR block" } else { "an IP address" };
            l.diags.push(
                Diagnostic::error(format!("Unquoted {}", &what[what.find(' ').unwrap_or(0) + 1..]))
                    .at(
                        Some(span),
                        format!("`{written}` is not a number: this looks like {what} written without quotes"),
                    )
                    .note(format!("write it as a string: \"{written}\"")),
            );
        }
        for (name, span) in e.function_calls() {
            if !FUNCTION_NAMES.contains(&name.as_str()) {
                let hint = did_you_mean(&name, FUNCTION_NAMES.iter().copied())
                    .map(|s| format!("did you mean `{s}`? "))
                    .unwrap_or_default();
                l.diags.push(
                    Diagnostic::error(format!("Unsupported function `{name}`"))
                        .at(span, format!("`{name}` is not a supported function"))
                        .note(format!("{hint}see docs/configuration.md for the supported functions")),
                );
            }
        }
        let e_owner = owner.clone();
        let owner = owner
            .and_then(|a| l.m.resource(&a).map(|r| (r.count.is_some(), r.for_each.is_some())))
            .or_else(|| call_owners.get(&i).copied());
        let check = in_check
            .get(&i)
            .cloned()
            .or_else(|| e_owner.as_ref().and_then(|a| l.m.resource(a)).and_then(|r| r.check.clone()));
        for r in e.references() {
            check_reference(l, &r, owner);
            if let RefRoot::Resource(a) = &r.root
                && let Some(scope) = l.m.resource(a).and_then(|b| b.check.clone())
                && check.as_deref() != Some(scope.as_str())
            {
                l.err(
                    r.span.clone(),
                    "Reference to a scoped data source",
                    format!("{a} is declared in check \"{scope}\": only that check block can refer to it; declare it outside the check block to use it elsewhere"),
                );
            }
        }
    }
    for (e, owner) in with_self {
        let owner = l.m.resource(&owner).map(|r| (r.count.is_some(), r.for_each.is_some()));
        for r in e.references().iter().filter(|r| r.root != RefRoot::SelfObject) {
            check_reference(l, r, owner);
        }
    }
    for r in std::mem::take(&mut l.late_refs) {
        check_reference(l, &r, None);
    }
    // count and for_each may not refer to their own resource's instances.
    let mut more = vec![];
    more.extend(ephemeral_uses(l));
    // depends_on entries name declared resources (or ones whose type was already reported).
    let deps = l.m.resources.iter().flat_map(|r| r.depends_on.iter());
    for (id, span) in deps.chain(l.m.outputs.values().flat_map(|o| o.depends_on.iter())) {
        if let ObjectId::Resource(a) = id
            && l.m.resource(a).is_none()
            && !l.unsupported.contains(a)
        {
            let what = if a.mode == provision_core::Mode::Data { "data source" } else { "resource" };
            more.push(
                Diagnostic::error(format!("Reference to undeclared {what}"))
                    .at(span.clone(), format!("no {what} \"{a}\" is declared")),
            );
        }
    }
    for r in &l.m.resources {
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
        l.diags.push(d);
    }
}

/// Values derived from an ephemeral variable (directly or through locals) are not stored: a
/// resource argument or an output that uses one is an error, as in Terraform.
fn ephemeral_uses(l: &Loader<'_>) -> Vec<Diagnostic> {
    if l.ephemeral.is_empty() {
        return vec![];
    }
    let mut locals: BTreeSet<String> = BTreeSet::new();
    let is_ephemeral = |r: &Reference, locals: &BTreeSet<String>| match &r.root {
        RefRoot::Var(n) => l.ephemeral.contains(n),
        RefRoot::Local(n) => locals.contains(n),
        _ => false,
    };
    loop {
        let more: Vec<String> =
            l.m.locals
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
    for r in &l.m.resources {
        for e in r.body.exprs() {
            check(e, format!("an argument of {}", r.address));
        }
    }
    for c in &l.calls {
        for e in c.args.values() {
            check(e, format!("an input of module \"{}\"", c.name));
        }
    }
    for o in l.m.outputs.values() {
        check(&o.value, format!("output \"{}\"", o.name));
    }
    out
}

fn check_reference(l: &mut Loader<'_>, r: &Reference, owner: Option<(bool, bool)>) {
    let (counted, for_each) = owner.unwrap_or((false, false));
    match &r.root {
        RefRoot::Var(n) if !l.m.variables.contains_key(n) => {
            let hint = did_you_mean(n, l.m.variables.keys().map(String::as_str))
                .map(|s| format!("; did you mean var.{s}?"))
                .unwrap_or_default();
            l.err(
                r.span.clone(),
                "Reference to undeclared input variable",
                format!("no variable \"{n}\" is declared{hint}"),
            );
        }
        RefRoot::Local(n) if !l.m.locals.contains_key(n) => {
            let hint = did_you_mean(n, l.m.locals.keys().map(String::as_str))
                .map(|s| format!("; did you mean local.{s}?"))
                .unwrap_or_default();
            l.err(
                r.span.clone(),
                "Reference to undeclared local value",
                format!("no local value \"{n}\" is defined{hint}"),
            );
        }
        RefRoot::Resource(a) => {
            let a = &l.qualify(a);
            let target = l.m.resource(a).map(|t| (t.count.is_some(), t.for_each.is_some(), t.schema.clone()));
            let Some((has_count, has_for_each, schema)) = target else {
                // Declared with an unsupported type: that is reported once, at the block.
                if l.unsupported.contains(a) {
                    return;
                }
                let what = if a.mode == provision_core::Mode::Data { "data source" } else { "resource" };
                let same_type: Vec<&str> = l
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
                l.err(r.span.clone(), format!("Reference to undeclared {what}"), detail);
                return;
            };
            let expanded = has_count || has_for_each;
            let how = if has_count { "count" } else { "for_each" };
            match (expanded, r.index, &r.attr) {
                (true, None, Some(attr)) => l.err(
                    r.span.clone(),
                    "Missing resource instance key",
                    format!("{a} has `{how}` set, so its attributes must be read from one instance, as in {a}[{}].{attr}, or from all with {a}[*].{attr}", if how == "count" { "count.index" } else { "each.key" }),
                ),
                (false, Some(IndexKind::Key), _) => l.err(
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
                    l.err(
                        r.span.clone(),
                        "Unsupported attribute",
                        format!("{} has no attribute `{attr}`{hint}", a.type_name),
                    );
                }
            }
        }
        RefRoot::CountIndex if !counted => l.err(
            r.span.clone(),
            "Reference to \"count\" in non-counted context",
            "`count.index` is only available in a resource or module call with `count` set",
        ),
        RefRoot::EachKey | RefRoot::EachValue if !for_each => l.err(
            r.span.clone(),
            "Reference to \"each\" in context without for_each",
            "`each.key` and `each.value` are only available in a resource, module call or import block with `for_each` set",
        ),
        RefRoot::Module(call) => super::calls::check_module_reference(l, call, r),
        RefRoot::Invalid(m) => l.err(r.span.clone(), "Invalid reference", m.clone()),
        RefRoot::SelfObject => l.err(
            r.span.clone(),
            "Invalid \"self\" reference",
            "`self` can only be used in a postcondition or a provisioner of a resource",
        ),
        _ => {}
    }
}
