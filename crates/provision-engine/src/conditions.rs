//! Custom conditions — `precondition`, `postcondition` and `check` blocks — evaluated one way by
//! the plan and by the apply: the plan checks what it can know, the apply checks the rest once
//! the values exist.

use provision_config::{Condition, InstanceCtx, Module, ResourceBlock, Scope, Verdict, check_condition};
use provision_core::{Address, Attrs, Diagnostic, Severity, Value};

/// The errors of `block`'s preconditions for the instance `address`, and of its postconditions
/// checked against `this` (the object as planned, read or made) when it is given. A condition
/// that cannot be decided yet is no error: the apply checks it again.
pub(crate) fn resource_failures(
    block: &ResourceBlock,
    address: &Address,
    scope: &Scope,
    ctx: &InstanceCtx,
    this: Option<&Attrs>,
) -> Vec<Diagnostic> {
    let mut out = precondition_failures(block, address, scope, ctx);
    if let Some(this) = this {
        out.extend(postcondition_failures(block, address, scope, ctx, this));
    }
    out
}

/// The errors of `block`'s preconditions for the instance `address`.
pub(crate) fn precondition_failures(
    block: &ResourceBlock,
    address: &Address,
    scope: &Scope,
    ctx: &InstanceCtx,
) -> Vec<Diagnostic> {
    let check = |c| failure(c, check_condition(c, scope, ctx, None), "Resource precondition failed", address);
    block.lifecycle.preconditions.iter().filter_map(check).collect()
}

/// The errors of `block`'s postconditions, `self` being `this`.
pub(crate) fn postcondition_failures(
    block: &ResourceBlock,
    address: &Address,
    scope: &Scope,
    ctx: &InstanceCtx,
    this: &Attrs,
) -> Vec<Diagnostic> {
    let this = Value::Map(this.clone());
    let check = |c| failure(c, check_condition(c, scope, ctx, Some(&this)), "Resource postcondition failed", address);
    block.lifecycle.postconditions.iter().filter_map(check).collect()
}

/// Failures as one line for an apply-time failure message; `None` when there are none.
pub(crate) fn failure_message(failures: &[Diagnostic]) -> Option<String> {
    (!failures.is_empty()).then(|| failures.iter().map(one_line).collect::<Vec<_>>().join("; "))
}

/// A diagnostic as one line: its summary, its first label's message, its notes.
pub(crate) fn one_line(d: &Diagnostic) -> String {
    let mut line = d.summary.clone();
    if let Some(l) = d.labels.first() {
        line = format!("{line}: {}", l.message);
    }
    for n in &d.notes {
        line = format!("{line} ({n})");
    }
    line
}

fn failure(
    c: &Condition,
    verdict: Result<Verdict, Diagnostic>,
    summary: &str,
    address: &Address,
) -> Option<Diagnostic> {
    match verdict {
        Ok(Verdict::Failed(message)) => {
            Some(Diagnostic::error(summary).at(c.condition.span(), message).note(format!("checked for {address}")))
        }
        Ok(Verdict::Passed | Verdict::Unknown) => None,
        Err(d) => Some(d),
    }
}

/// A warning for each failed `check` assertion (and for one that cannot be evaluated): checks
/// never stop a plan or an apply. When `last` is set (at the end of an apply), an assertion
/// still unknown is reported as such.
pub(crate) fn check_blocks(module: &Module, scope: &Scope, last: bool) -> Vec<Diagnostic> {
    let mut out = vec![];
    for check in &module.checks {
        for a in &check.asserts {
            let d = match check_condition(a, scope, &InstanceCtx::default(), None) {
                Ok(Verdict::Passed) => continue,
                Ok(Verdict::Unknown) if !last => continue,
                Ok(Verdict::Unknown) => Diagnostic::warning("Check block assertion unknown")
                    .at(a.condition.span(), "its value was not known after apply"),
                Ok(Verdict::Failed(message)) => {
                    Diagnostic::warning("Check block assertion failed").at(a.condition.span(), message)
                }
                Err(d) => Diagnostic { severity: Severity::Warning, ..d },
            };
            out.push(d.note(format!("check \"{}\"", check.name)));
        }
    }
    out
}
