//! One module per command; each returns an exit status.

mod apply;
mod output;
mod plan;
mod state;
mod validate;

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
    })?;
    let result = match cli.command {
        Command::Validate => validate::run(&printer, vars).await,
        Command::Plan(args) => plan::run(&printer, vars, args).await,
        Command::Apply(args) => apply::run(&printer, vars, args).await,
        Command::Destroy(args) => apply::destroy(&printer, vars, args).await,
        Command::Output(args) => output::run(&printer, args).await,
        Command::State(cmd) => state::run(&printer, cmd).await,
    };
    match result {
        Err(e) if e.is::<Reported>() => Ok(Status::Error),
        other => other,
    }
}

/// Asks a yes/no question on the terminal; only "yes" counts.
pub async fn confirm(printer: &Printer, question: &str, detail: &str) -> Result<bool> {
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
