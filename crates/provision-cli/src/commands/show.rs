//! `provision show [PLANFILE] [-json]`: the state, or a saved plan, for people or in the shape
//! of `terraform show -json` for tools. Reads only and takes no lock, like Terraform's.

use crate::Status;
use crate::cli::ShowArgs;
use crate::printer::Printer;
use crate::saved_plan::SavedPlan;
use crate::session::{Session, Vars, load_module_backend, providers};
use anyhow::Result;
use provision_aws::AwsProvider;
use provision_core::state::{ResourceObject, State};
use provision_core::value::Path;
use provision_core::{Mode, Providers, Schema};
use std::sync::Arc;

pub async fn run(printer: &Printer, args: ShowArgs) -> Result<Status> {
    match &args.plan_file {
        None => show_state(printer, args.json).await,
        Some(file) => show_plan(printer, file, args.json).await,
    }
}

/// The schema of an object's type, when this build knows it.
fn schema(provider: &Providers, o: &ResourceObject) -> Option<Schema> {
    match o.address.mode {
        Mode::Managed => provider.resource_type(&o.address.type_name).map(|r| r.schema().clone()),
        Mode::Data => provider.data_source(&o.address.type_name).map(|d| d.schema().clone()),
    }
}

/// The state as JSON, with what the schemas call sensitive hidden.
fn state_json(provider: &Providers, state: &State) -> serde_json::Value {
    provision_engine::json::state(state, |o| {
        schema(provider, o)
            .map(|s| {
                s.attributes.iter().filter(|a| a.sensitive).map(|a| vec![a.name.to_string()]).collect::<Vec<Path>>()
            })
            .unwrap_or_default()
    })
}

async fn show_state(printer: &Printer, json: bool) -> Result<Status> {
    let backend = load_module_backend()?;
    let state = backend.read().await?;
    let provider = providers(Arc::new(AwsProvider::new()));
    let Some(state) = state else {
        if json {
            printer.line(&serde_json::to_string_pretty(&serde_json::json!({ "format_version": "1.0" }))?);
        } else {
            printer.line("No state.");
        }
        return Ok(Status::Ok);
    };
    if json {
        printer.line(&serde_json::to_string_pretty(&state_json(&provider, &state))?);
        return Ok(Status::Ok);
    }
    if state.resources.is_empty() && state.outputs.is_empty() {
        printer.line("The state is empty.");
        return Ok(Status::Ok);
    }
    for o in &state.resources {
        printer.out(&provision_engine::render::state_object(o, schema(&provider, o).as_ref()));
        printer.line("");
    }
    if !state.outputs.is_empty() {
        printer.line(&printer.bold("Outputs:"));
        printer.line("");
        printer.out(&super::output::render_all(&state.outputs));
    }
    Ok(Status::Ok)
}

/// A saved plan is shown by making it again from what it recorded (variables, refreshed objects,
/// data source results), exactly as `apply FILE` does, and checking it is the same plan.
async fn show_plan(printer: &Printer, file: &std::path::Path, json: bool) -> Result<Status> {
    let saved = SavedPlan::load(file)?;
    if json {
        printer.progress_to_stderr();
    }
    let s = Session::load(printer, Vars::Saved(saved.variables.clone()), 10)?;
    if let Some(why) = saved.config_changes(&s.module) {
        printer.error(&format!(
            "cannot show the saved plan {}: the configuration changed since it was made ({why}), and a plan is shown from the configuration it was made with; run `provision plan -out {}` again",
            file.display(),
            file.display()
        ));
        return Ok(Status::Error);
    }
    // The state the plan was made against, when it is still there; else the objects it recorded.
    let (current, existed) = s.read_state().await?;
    let state = if saved.state_changes(&current, existed).is_none() { current } else { saved.refreshed.clone() };
    let run = s.engine.plan_owned(state, saved.request()?).await.map_err(|e| s.report(e))?;
    if let Some(why) = saved.differs_from(&run.plan) {
        printer.error(&format!(
            "the saved plan {} cannot be shown as it was made ({why}); run `provision plan -out {}` again",
            file.display(),
            file.display()
        ));
        return Ok(Status::Error);
    }
    if json {
        let mut j = provision_engine::json::plan(&run.plan);
        j["prior_state"] = state_json(&s.engine.provider, &saved.refreshed);
        if !saved.targets.is_empty() {
            j["targets"] = serde_json::json!(saved.targets);
        }
        printer.line(&serde_json::to_string_pretty(&j)?);
    } else {
        printer.out(&provision_engine::render::plan(&run.plan, printer.style()));
        if !saved.targets.is_empty() {
            printer.warn_block(super::plan::TARGET_WARNING);
        }
    }
    Ok(Status::Ok)
}
