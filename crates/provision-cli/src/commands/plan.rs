//! `provision plan`: what apply would do, for people (`+ ~ -/+ -`) or tools (`--json`).

use crate::Status;
use crate::cli::PlanArgs;
use crate::printer::Printer;
use crate::saved_plan;
use crate::session::{Session, Vars, release};
use anyhow::Result;
use provision_config::VarSource;
use provision_core::plan::PlanMode;
use provision_engine::PlanRequest;

pub async fn run(printer: &Printer, vars: Vec<VarSource>, args: PlanArgs) -> Result<Status> {
    if args.json {
        printer.progress_to_stderr();
    }
    let s = Session::load(printer, Vars::Inputs(vars), 10)?;
    let lock = s.lock("plan", args.lock.lock_timeout).await?;
    let (mut state, existed) = s.read_state().await?;
    let store = provision_state::Store::new(s.backend.as_ref(), &lock);
    s.engine.recover(&mut state, &store).await.map_err(|e| s.report(e))?;
    let mode = if args.destroy { PlanMode::Destroy } else { PlanMode::Normal };
    let request = PlanRequest { mode, refresh: args.refresh, saved: None, layer: args.layer };
    let run = s.engine.plan(&state, request).await.map_err(|e| s.report(e))?;
    if args.json {
        printer.line(&serde_json::to_string_pretty(&provision_engine::json::plan(&run.plan))?);
    } else {
        printer.out(&provision_engine::render::plan(&run.plan, printer.style()));
    }
    if let Some(out) = &args.out {
        saved_plan::save(out, &s, &run, &state, existed)?;
        if !args.json {
            printer.line(&format!(
                "\nSaved the plan to: {}\n\nTo perform exactly these actions, run:\n  provision apply {}",
                out.display(),
                out.display()
            ));
        }
    } else if !args.json && run.plan.has_changes() {
        printer.line("\nNote: without -out, provision cannot guarantee to take exactly these actions if you run \"provision apply\" now.");
    }
    s.report_calls();
    release(printer, lock).await;
    Ok(if args.detailed_exitcode && run.plan.has_changes() { Status::Changes } else { Status::Ok })
}
