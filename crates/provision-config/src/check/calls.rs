//! Module call checks: the arguments of each call against the variables of the module it reads,
//! and `module.NAME.OUTPUT` references against the calls and their outputs.

use crate::did_you_mean;
use crate::tree::{Loader, Reference};
use provision_core::Diagnostic;

/// Each argument of a call is one of the module's variables, and every variable without a
/// default is set.
pub(crate) fn check_calls(l: &mut Loader<'_>) {
    let mut more = vec![];
    for call in &l.calls {
        let (Some(child), true) = (&call.child, call.ok) else { continue };
        let rel = call.ctx.as_ref().map_or("", |c| c.rel_dir.as_str());
        for name in call.args.keys() {
            if child.variables.contains_key(name) {
                continue;
            }
            let hint = did_you_mean(name, child.variables.keys().map(String::as_str))
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            more.push(Diagnostic::error("Unsupported argument").at(
                call.arg_spans.get(name).cloned(),
                format!("module \"{}\" ({rel}) declares no variable \"{name}\"{hint}", call.name),
            ));
        }
        for (name, v) in &child.variables {
            if v.default.is_none() && !call.args.contains_key(name) {
                more.push(
                    Diagnostic::error(format!("Missing required argument `{name}`"))
                        .at(
                            call.span.clone(),
                            format!("module \"{}\" needs `{name}`: its variable has no default", call.name),
                        )
                        .at(v.span.clone(), "declared here"),
                );
            }
        }
    }
    for d in more {
        l.diags.push(d);
    }
}

/// `module.NAME` and `module.NAME.OUTPUT` name a call of this module and one of its outputs.
pub(crate) fn check_module_reference(l: &mut Loader<'_>, call: &str, r: &Reference) {
    let Some(c) = l.calls.iter().find(|c| c.name == call) else {
        let hint = did_you_mean(call, l.calls.iter().map(|c| c.name.as_str()))
            .map(|s| format!("; did you mean module.{s}?"))
            .unwrap_or_default();
        l.err(r.span.clone(), "Reference to undeclared module", format!("no module \"{call}\" is called{hint}"));
        return;
    };
    let how = if c.count.is_some() { Some("count") } else { c.for_each.as_ref().map(|_| "for_each") };
    match (how, r.index, &r.attr) {
        (None, Some(_), _) => {
            l.err(
                r.span.clone(),
                "Unexpected module instance key",
                format!("module \"{call}\" has neither `count` nor `for_each`, so references to it take no index"),
            );
            return;
        }
        (Some(how), None, Some(output)) => {
            let one = if how == "count" { "0" } else { "\"KEY\"" };
            l.diags.push(
                Diagnostic::error("Missing module instance key")
                    .at(r.span.clone(), format!("module \"{call}\" has `{how}` set, so its outputs must be read from one instance, as in module.{call}[{one}].{output}"))
                    .note(format!("module.{call} is a {} of its instances' outputs: [for k, m in module.{call} : m.{output}] reads them all", if how == "count" { "list" } else { "map" })),
            );
            return;
        }
        _ => {}
    }
    let (Some(child), true, Some(output)) = (&c.child, c.ok, &r.attr) else { return };
    if !child.outputs.contains_key(output) {
        let hint = did_you_mean(output, child.outputs.keys().map(String::as_str))
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        let names: Vec<&str> = child.outputs.keys().map(String::as_str).collect();
        l.diags.push(
            Diagnostic::error("Unsupported attribute")
                .at(r.span.clone(), format!("module \"{call}\" has no output \"{output}\"{hint}"))
                .note(format!("its outputs: {}", if names.is_empty() { "none".to_string() } else { names.join(", ") })),
        );
    }
}
