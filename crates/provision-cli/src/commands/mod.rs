//! One module per command; each returns an exit status.

mod apply;
mod cost;
mod fmt;
mod graph;
mod import;
mod init;
mod migrate;
mod output;
mod plan;
mod show;
mod state;
mod validate;

pub use plan::addresses;

use crate::Status;
use crate::cli::{Cli, Command};
use crate::printer::Printer;
use crate::session::Reported;
use anyhow::{Context as _, Result};
use provision_config::VarSource;

pub async fn run(cli: Cli, vars: Vec<VarSource>, printer: Printer) -> Result<Status> {
    if let Some(dir) = &cli.global.directory {
        std::env::set_current_dir(dir).with_context(|| format!("cannot use the directory {}", dir.display()))?;
    }
    crate::session::init_settings(crate::session::Settings {
        env: cli.global.env.clone(),
        backend_config: cli.global.backend_config.clone(),
        lock_lease: cli.global.lock_lease,
        input: cli.global.input.unwrap_or(true),
    })?;
    if cli.global.compact_warnings {
        printer.compact_warnings();
    }
    let result = match cli.command {
        Command::Init(args) => init::run(&printer, args).await,
        Command::Validate => validate::run(&printer, vars).await,
        Command::Plan(args) => plan::run(&printer, vars, args).await,
        Command::Apply(args) => apply::run(&printer, vars, args).await,
        Command::Destroy(args) => apply::destroy(&printer, vars, args).await,
        Command::Output(args) => output::run(&printer, args).await,
        Command::Show(args) => show::run(&printer, args).await,
        Command::Fmt(args) => fmt::run(&printer, args),
        Command::Graph(args) => graph::run(&printer, vars, args).await,
        Command::Cost(args) => cost::run(&printer, vars, args).await,
        Command::Import(args) => import::run(&printer, vars, args).await,
        Command::State(cmd) => state::run(&printer, vars, cmd).await,
    };
    match result {
        Err(e) if e.is::<Reported>() => Ok(Status::Error),
        other => other,
    }
}

/// Asks a yes/no question on the terminal; only "yes" counts.
pub async fn confirm(printer: &Printer, question: &str, detail: &str) -> Result<bool> {
    if !crate::session::input_allowed() {
        printer.error(&format!(
            "{question} provision would ask, and -input=false forbids asking: add -auto-approve (or --force for force-unlock), or apply a saved plan"
        ));
        return Ok(false);
    }
    printer.out(&format!(
        "\n{}\n  {detail}\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ",
        printer.bold(question)
    ));
    let line = tokio::task::spawn_blocking(|| {
        let mut s = String::new();
        std::io::stdin().read_line(&mut s).map(|n| (n, s))
    })
    .await??;
    match line {
        (0, _) => {
            printer.line("");
            printer.error("no answer: standard input is closed. Use --auto-approve to proceed without asking.");
            Ok(false)
        }
        (_, s) => Ok(s.trim() == "yes"),
    }
}
