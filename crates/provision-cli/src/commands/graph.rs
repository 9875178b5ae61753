//! `provision graph`: the stack as a Mermaid or DOT diagram. Without `--plan` it reads the
//! configuration only, as `validate` does (no state, no lock, no AWS call); with `--plan` it
//! plans as `provision plan` does and colours each resource by its planned action.

use crate::Status;
use crate::cli::{GraphArgs, GraphFormat, Targeting};
use crate::printer::Printer;
use crate::session::{Reported, Session, Vars, release};
use anyhow::Result;
use provision_config::VarSource;
use provision_core::plan::PlanMode;
use provision_engine::diagram::{self, Options as DiagramOptions};
use provision_engine::{Engine, Options};
use std::sync::Arc;

pub async fn run(printer: &Printer, vars: Vec<VarSource>, args: GraphArgs) -> Result<Status> {
    let options = DiagramOptions { all: args.all, plan: args.plan };
    let blocks = if args.plan { planned(printer, vars, &args).await? } else { offline(printer, vars).await? };
    let picture = diagram::layout(&blocks, options);
    printer.out(&match args.format {
        GraphFormat::Mermaid => diagram::draw::mermaid(&picture),
        GraphFormat::Dot => diagram::draw::dot(&picture),
    });
    Ok(Status::Ok)
}

/// The blocks as the configuration alone says: what `validate` checks, reported the same way.
async fn offline(printer: &Printer, vars: Vec<VarSource>) -> Result<Vec<diagram::Block>> {
    printer.progress_to_stderr();
    let (provider, module, variables) = crate::commands::validate::load_offline(
        printer,
        vars,
        crate::session::env_tfvars(),
        provision_config::CallKeys::WhenKnown,
    )?;
    let sources = module.sources.clone();
    let checked = Engine::check(provider, Arc::new(module), variables, Options::default()).await;
    printer.diagnostics(&checked.diags, &sources);
    match checked.engine {
        Some(engine) if !checked.diags.has_errors() => Ok(diagram::blocks(&engine, &checked.instances, None)),
        _ => Err(Reported.into()),
    }
}

/// The blocks with their planned actions: the plan `provision plan` would make.
async fn planned(printer: &Printer, vars: Vec<VarSource>, args: &GraphArgs) -> Result<Vec<diagram::Block>> {
    // The diagram is the output; progress goes to stderr.
    printer.progress_to_stderr();
    let mut request = super::plan::request(PlanMode::Normal, args.refresh, &Targeting::default())?;
    request.layer = args.layer;
    let s = Session::load(printer, Vars::Inputs(vars), 10)?;
    let lock = s.lock("plan", &args.lock).await?;
    let (mut state, _) = s.read_state().await?;
    super::apply::recover(&s, &lock, &mut state).await?;
    let run = s.engine.plan_owned(state, request).await.map_err(|e| s.report(e))?;
    let blocks = diagram::blocks(&s.engine, &run.instance_counts(), Some(&run.plan));
    s.report_calls();
    release(printer, lock).await;
    Ok(blocks)
}
