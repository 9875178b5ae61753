//! `provision apply` and `provision destroy`: plan (or load a saved plan), confirm, execute,
//! report every failure. Ctrl-C stops new work and lets running operations finish and be recorded.

use super::confirm;
use super::plan::{TARGET_APPLIED_WARNING, TARGET_WARNING, addresses, has_changes, request};
use crate::Status;
use crate::cli::{ApplyArgs, DestroyArgs, LockArgs};
use crate::printer::Printer;
use crate::saved_plan::SavedPlan;
use crate::session::{Reported, Session, Vars, release};
use anyhow::Result;
use provision_config::VarSource;
use provision_core::plan::{Action, PlanMode};
use provision_engine::{ApplyReport, Cancel, PlanRequest, PlannedRun};
use provision_state::{Lock, Store};
use std::path::Path;

/// Planning options that a saved plan already settled.
fn refuse_with_saved_plan(args: &ApplyArgs) -> Option<&'static str> {
    let t = &args.targeting;
    if !t.target.is_empty() {
        Some("-target")
    } else if !t.replace.is_empty() {
        Some("-replace")
    } else if t.refresh_only {
        Some("-refresh-only")
    } else if !args.refresh {
        Some("-refresh=false")
    } else {
        None
    }
}

pub async fn run(printer: &Printer, vars: Vec<VarSource>, args: ApplyArgs) -> Result<Status> {
    if let Some(file) = &args.plan_file {
        if !vars.is_empty() {
            printer.error("a saved plan records its variable values; -var and -var-file cannot be used with it");
            return Ok(Status::Error);
        }
        if let Some(flag) = refuse_with_saved_plan(&args) {
            printer.error(&format!(
                "{flag} cannot be used with a saved plan: the plan in {} already says what to do; give {flag} to `provision plan -out` instead",
                file.display()
            ));
            return Ok(Status::Error);
        }
        return apply_saved(printer, file, args.parallelism.into(), &args.lock).await;
    }
    let mut request = request(PlanMode::Normal, args.refresh, &args.targeting)?;
    request.layer = args.layer;
    let s = Session::load(printer, Vars::Inputs(vars), args.parallelism.into())?;
    let lock = s.lock("apply", &args.lock).await?;
    let (mut state, _) = s.read_state().await?;
    recover(&s, &lock, &mut state).await?;
    let targeted = !request.targets.is_empty();
    let mode = request.mode;
    let run = s.engine.plan_owned(state, request).await.map_err(|e| s.report(e))?;
    let status = execute(&s, &lock, run, mode, args.auto_approve, true, targeted).await;
    release(printer, lock).await;
    status
}

pub async fn destroy(printer: &Printer, vars: Vec<VarSource>, args: DestroyArgs) -> Result<Status> {
    let mut request = PlanRequest::destroy().with_layer(args.layer).with_targets(addresses("target", &args.target)?);
    request.refresh = args.refresh;
    let targeted = !request.targets.is_empty();
    let s = Session::load(printer, Vars::Inputs(vars), args.parallelism.into())?;
    let lock = s.lock("destroy", &args.lock).await?;
    let (mut state, _) = s.read_state().await?;
    recover(&s, &lock, &mut state).await?;
    let run = s.engine.plan_owned(state, request).await.map_err(|e| s.report(e))?;
    let status = execute(&s, &lock, run, PlanMode::Destroy, args.auto_approve, true, targeted).await;
    release(printer, lock).await;
    status
}

async fn apply_saved(printer: &Printer, file: &Path, parallelism: usize, lock: &LockArgs) -> Result<Status> {
    let saved = SavedPlan::load(file)?;
    let s = Session::load(printer, Vars::Saved(saved.variables.clone()), parallelism)?;
    if let Some(why) = saved.config_changes(&s.module) {
        printer.error(&format!(
            "the saved plan {} is stale: the configuration changed since it was made ({why}); run `provision plan -out {}` again",
            file.display(),
            file.display()
        ));
        return Ok(Status::Error);
    }
    let lock = s.lock("apply", lock).await?;
    let (state, existed) = s.read_state().await?;
    if let Some(why) = saved.state_changes(&state, existed) {
        printer.error(&format!(
            "the saved plan {} is stale: {why}; run `provision plan -out {}` again",
            file.display(),
            file.display()
        ));
        return Ok(Status::Error);
    }
    let mode = saved.mode();
    let request = saved.request()?;
    let targeted = !request.targets.is_empty();
    let run = s.engine.plan_owned(state, request).await.map_err(|e| s.report(e))?;
    if let Some(why) = saved.differs_from(&run.plan) {
        printer.error(&format!(
            "the saved plan {} no longer matches what the configuration asks for ({why}); run `provision plan -out {}` again",
            file.display(),
            file.display()
        ));
        return Ok(Status::Error);
    }
    let status = execute(&s, &lock, run, mode, true, false, targeted).await;
    release(printer, lock).await;
    status
}

/// Resolves what a killed run left (`Engine::recover`: its pending creates; its state journal,
/// replayed when the state was read, is compacted into the state file here).
pub(crate) async fn recover(s: &Session, lock: &Lock, state: &mut provision_core::state::State) -> Result<()> {
    let store = Store::new(s.backend.as_ref(), lock);
    s.engine.recover(state, &store).await.map_err(|e| s.report(e))?;
    store.compact().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    store.compact_left(state).await.map_err(|e| anyhow::anyhow!("{e}"))
}

/// Shows the plan (unless it is a saved one), asks, applies, and reports.
async fn execute(
    s: &Session,
    lock: &Lock,
    run: PlannedRun,
    mode: PlanMode,
    auto_approve: bool,
    show: bool,
    targeted: bool,
) -> Result<Status> {
    let p = &s.printer;
    if show {
        p.out(&provision_engine::render::plan(&run.plan, p.style()));
        if targeted {
            p.warn_block(TARGET_WARNING);
        }
    }
    let changes = run.plan.changes.iter().any(|c| c.action.is_change() || c.action == Action::Read)
        || (mode == PlanMode::RefreshOnly && has_changes(&run.plan));
    if changes && !auto_approve {
        let layer_question;
        let (q, d) = match (mode, run.plan.layer) {
            (PlanMode::Destroy, Some(l)) => {
                layer_question = format!("Do you really want to destroy the {l} layer?");
                (
                    layer_question.as_str(),
                    "provision will destroy the objects shown above and keep everything else; `provision apply` brings them back.",
                )
            }
            (PlanMode::Destroy, None) => (
                "Do you really want to destroy all resources?",
                "provision will destroy all your managed infrastructure, as shown above. There is no undo.",
            ),
            (PlanMode::Normal, _) => {
                ("Do you want to perform these actions?", "provision will perform the actions described above.")
            }
            (PlanMode::RefreshOnly, _) => (
                "Would you like to update the provision state to reflect these detected changes?",
                "provision will write these changes to the state without modifying any real infrastructure.",
            ),
        };
        if !confirm(p, q, d).await? {
            p.line(&format!("\n{} cancelled.", if mode == PlanMode::Destroy { "Destroy" } else { "Apply" }));
            return Ok(Status::Error);
        }
        p.line("");
    }
    let cancel = Cancel::default();
    let interrupts = crate::interrupt::during_apply(&cancel);
    let store = Store::new(s.backend.as_ref(), lock);
    let report = s.engine.apply(run, &store, &cancel).await.map_err(|e| s.report(e))?;
    drop(interrupts);
    // The end of the command: the journal of this apply's writes goes into the state file.
    let compacted = store.compact().await;
    s.report_calls();
    let mut status = summarize(p, &report, mode);
    if let (Err(e), None) = (compacted, &report.persist_error) {
        p.error(&format!(
            "the state could not be compacted: {e}\n  the state is complete with its journal ({}.journal beside it), which every command reads; the next command that writes compacts it",
            s.backend.location()
        ));
        status = Status::Error;
    }
    if targeted {
        p.warn_block(TARGET_APPLIED_WARNING);
    }
    Ok(status)
}

fn summarize(p: &Printer, r: &ApplyReport, mode: PlanMode) -> Status {
    for f in &r.failures {
        p.error(&format!("{}: {} failed: {}", f.address, f.op.verb(), f.message));
    }
    if !r.skipped.is_empty() {
        let list: Vec<String> = r.skipped.iter().map(|s| format!("{} (needs {})", s.address, s.because)).collect();
        p.error(&format!("not attempted because something they depend on failed: {}", list.join(", ")));
    }
    if let Some(rest) = &r.interrupted {
        let list: Vec<String> = rest.iter().map(|(a, _)| a.to_string()).collect();
        if !list.is_empty() {
            p.error(&format!("interrupted; not started: {}", list.join(", ")));
        }
    }
    if !r.abandoned.is_empty() {
        let list: Vec<String> = r.abandoned.iter().map(|(a, op)| format!("{a} ({})", op.verb())).collect();
        p.error(&format!(
            "stopped waiting for: {}\n  run `provision apply` again: it adopts what these operations made and finishes the rest",
            list.join(", ")
        ));
    }
    if let Some(e) = &r.persist_error {
        p.error(&format!(
            "the state could not be written: {e}\n  every object provision creates is tagged with its address, so the next run finds whatever this one created"
        ));
    }
    let d = r.done;
    let verb = if r.succeeded() { "complete" } else { "incomplete" };
    let line = match mode {
        PlanMode::Destroy => format!("Destroy {verb}! Resources: {} destroyed.", d.destroy),
        PlanMode::Normal | PlanMode::RefreshOnly => {
            let imported = if d.import > 0 { format!("{} imported, ", d.import) } else { String::new() };
            format!(
                "Apply {verb}! Resources: {imported}{} added, {} changed, {} destroyed.",
                d.add, d.change, d.destroy
            )
        }
    };
    let slowest = p.slowest(3);
    if slowest.iter().any(|(_, _, d)| d.as_secs() >= 1) {
        let list: Vec<String> = slowest
            .iter()
            .map(|(a, op, d)| format!("{a} ({} {})", op.verb(), provision_engine::human_duration(*d)))
            .collect();
        p.line(&format!("\nSlowest: {}", list.join(", ")));
    }
    p.line("");
    if r.succeeded() {
        p.success(&line);
    } else {
        p.line(&p.bold(&line));
    }
    if mode != PlanMode::Destroy && !r.state.outputs.is_empty() {
        p.line(&format!("\n{}\n", p.bold("Outputs:")));
        p.out(&super::output::render_all(&r.state.outputs));
    }
    if r.succeeded() { Status::Ok } else { Status::Error }
}

impl From<Reported> for Status {
    fn from(_: Reported) -> Status {
        Status::Error
    }
}
