//! `provision plan`: what apply would do, for people (`+ ~ -/+ -`) or tools (`--json`).

use crate::Status;
use crate::cli::{PlanArgs, Targeting};
use crate::printer::Printer;
use crate::saved_plan;
use crate::session::{Session, Vars, release};
use anyhow::Result;
use provision_config::VarSource;
use provision_core::Address;
use provision_core::plan::PlanMode;
use provision_engine::PlanRequest;

/// Terraform's warning for `-target`, word for word where it applies.
pub const TARGET_WARNING: &str = "Resource targeting is in effect\n\nYou are creating a plan with the -target option, which means that the result of this plan may not represent all of the changes requested by the current configuration.\n\nThe -target option is not for routine use, and is provided only for exceptional situations such as recovering from errors or mistakes, or when provision specifically suggests to use it as part of an error message.";

/// Terraform's warning after a targeted apply.
pub const TARGET_APPLIED_WARNING: &str = "Applied changes may be incomplete\n\nThe plan was created with the -target option in effect, so some changes requested in the configuration may have been ignored and the output values may not be fully updated. Run the following command to verify that no other changes are pending:\n    provision plan\n\nNote that the -target option is not suitable for routine use, and is provided only for exceptional situations such as recovering from errors or mistakes, or when provision specifically suggests to use it as part of an error message.";

/// Parses the addresses of `-target` or `-replace`.
pub fn addresses(flag: &str, list: &[String]) -> Result<Vec<Address>> {
    list.iter()
        .map(|a| {
            a.parse::<Address>().map_err(|e| {
                anyhow::anyhow!(
                    "-{flag}={a}: not a resource address ({e}); write e.g. aws_subnet.public or aws_subnet.public[0]"
                )
            })
        })
        .collect()
}

/// The plan request the targeting flags ask for, on top of `mode`.
pub fn request(mode: PlanMode, refresh: bool, t: &Targeting) -> Result<PlanRequest> {
    if t.refresh_only && !refresh {
        anyhow::bail!("-refresh=false cannot be used with -refresh-only: a refresh-only plan is the refresh");
    }
    if t.refresh_only && mode == PlanMode::Destroy {
        anyhow::bail!("-refresh-only cannot be used with -destroy: one records what exists, the other deletes it");
    }
    let mode = if t.refresh_only { PlanMode::RefreshOnly } else { mode };
    let mut r = PlanRequest::of(mode)
        .with_targets(addresses("target", &t.target)?)
        .with_replace(addresses("replace", &t.replace)?);
    r.refresh = refresh;
    Ok(r)
}

pub async fn run(printer: &Printer, vars: Vec<VarSource>, args: PlanArgs) -> Result<Status> {
    if args.json {
        printer.progress_to_stderr();
    }
    let mode = if args.destroy { PlanMode::Destroy } else { PlanMode::Normal };
    let mut request = request(mode, args.refresh, &args.targeting)?;
    request.layer = args.layer;
    let s = Session::load(printer, Vars::Inputs(vars), args.parallelism.into())?;
    let lock = s.lock("plan", &args.lock).await?;
    let (mut state, existed) = s.read_state().await?;
    super::apply::recover(&s, &lock, &mut state).await?;
    let targeted = !request.targets.is_empty();
    let run = s.engine.plan_owned(state, request).await.map_err(|e| s.report(e))?;
    // What the configuration costs once applied: not for a destroy or a refresh-only plan.
    let estimate = (run.plan.mode == PlanMode::Normal).then(|| super::cost::of_plan(&run, &s.engine));
    if args.json {
        let mut j = provision_engine::json::plan(&run.plan);
        if let (Some(estimate), Some(map)) = (&estimate, j.as_object_mut()) {
            map.insert("cost".into(), cost_json(estimate));
        }
        printer.line(&serde_json::to_string_pretty(&j)?);
    } else {
        printer.out(&provision_engine::render::plan(&run.plan, printer.style()));
    }
    if targeted {
        printer.warn_block(TARGET_WARNING);
    }
    if let Some(out) = &args.out {
        saved_plan::save(out, &s, &run, existed, &args.targeting)?;
        if !args.json {
            printer.line(&format!(
                "\nSaved the plan to: {}\n\nTo perform exactly these actions, run:\n  provision apply {}",
                out.display(),
                out.display()
            ));
        }
    } else if !args.json && has_changes(&run.plan) {
        printer.line("\nNote: without -out, provision cannot guarantee to take exactly these actions if you run \"provision apply\" now.");
    }
    match (&estimate, args.json) {
        (Some(Ok(e)), false) => printer.line(&format!("\n{}", provision_cost::summary(e))),
        (Some(Err(why)), false) => printer.line(&format!("\nNo cost estimate: {why}")),
        _ => {}
    }
    s.report_calls();
    release(printer, lock).await;
    Ok(if args.detailed_exitcode && has_changes(&run.plan) { Status::Changes } else { Status::Ok })
}

/// True when applying the plan would change anything: an object, an output, or (refresh-only)
/// what the state records.
pub fn has_changes(plan: &provision_core::plan::Plan) -> bool {
    plan.has_changes() || (plan.mode == PlanMode::RefreshOnly && !plan.drift.is_empty())
}

/// The `cost` object of `plan --json`: totals per layer, what is incomplete, or why there is no
/// estimate.
fn cost_json(estimate: &Result<provision_cost::Estimate, String>) -> serde_json::Value {
    match estimate {
        Ok(e) => serde_json::json!({
            "as_of": e.as_of,
            "currency": e.currency,
            "hours_per_month": e.hours_per_month,
            "base": e.base,
            "runtime": e.runtime,
            "total": e.total,
            "incomplete": e.incomplete,
        }),
        Err(why) => serde_json::json!({ "error": why }),
    }
}
