//! The `provision` command line. Thin on purpose: clap structs are data, settings are resolved
//! once, each command returns an exit status, and all output goes through one [`Printer`].

mod backend_config;
mod cli;
mod commands;
mod fetch;
mod hclfmt;
mod interrupt;
mod printer;
mod saved_plan;
mod session;

use clap::Parser;
use printer::Printer;
use std::process::ExitCode;

/// Exit statuses, as Terraform's where one exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Success; with `--detailed-exitcode`, also "no changes".
    Ok = 0,
    Error = 1,
    /// `plan --detailed-exitcode` found changes.
    Changes = 2,
    /// `fmt -check` found a file that is not formatted (Terraform's 3).
    Unformatted = 3,
}

impl From<Status> for ExitCode {
    fn from(s: Status) -> Self {
        ExitCode::from(s as u8)
    }
}

/// Parses the command line and runs the command.
pub fn main() -> ExitCode {
    let args = cli::normalize(std::env::args_os().collect());
    let vars = cli::var_sources(&args);
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(1) } else { ExitCode::SUCCESS };
        }
    };
    init_tracing(cli.global.verbose);
    let printer = Printer::new(cli.global.no_color);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            printer.error(&format!("cannot start the async runtime: {e}"));
            return ExitCode::from(1);
        }
    };
    runtime.spawn(interrupt::watch());
    let status = runtime.block_on(commands::run(cli, vars, printer.clone()));
    match status {
        Ok(s) => s.into(),
        Err(e) => {
            printer.error(&format!("{e:#}"));
            ExitCode::from(1)
        }
    }
}

fn init_tracing(verbose: u8) {
    use tracing_subscriber::filter::{FilterExt as _, filter_fn};
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    use tracing_subscriber::{EnvFilter, Layer as _};
    let default = match verbose {
        0 => "warn",
        1 => "warn,provision_engine=info,provision_aws=debug,provision_state=info,provision_cli=info",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(ansi)
        .with_filter(filter.and(filter_fn(|m| !shows_wire_data(m))));
    let _ = tracing_subscriber::registry().with(layer).try_init();
}

/// The AWS SDK's trace-level events print whole HTTP responses and decoded outputs (a
/// `DescribeVpcs` answer holds every tag, secrets included), so they are never logged, whatever
/// `RUST_LOG` asks for; its debug events and everything else stay available.
fn shows_wire_data(m: &tracing::Metadata<'_>) -> bool {
    *m.level() == tracing::Level::TRACE && (m.target().starts_with("aws_smithy") || m.target().starts_with("aws_sigv4"))
}
