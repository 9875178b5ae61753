//! `provision init`: what `terraform init` is in CI scripts. provision downloads no provider
//! plugins (the AWS SDK is built in); it downloads the registry, git and archive modules the
//! configuration calls (`crate::fetch`), then checks that the configuration, with its modules,
//! and its backend settings can be read.

use crate::Status;
use crate::cli::InitArgs;
use crate::fetch::{LOCK_FILE, fetch_modules};
use crate::printer::Printer;
use crate::session::{backend_of, is_remote, load_module, providers};
use anyhow::Result;
use provision_aws::AwsProvider;
use std::path::Path;
use std::sync::Arc;

pub async fn run(printer: &Printer, args: InitArgs) -> Result<Status> {
    let summary = fetch_modules(printer, Path::new("."), args.upgrade).await?;
    let provider = providers(Arc::new(AwsProvider::new()));
    let module = load_module(printer, &provider)?;
    let backend = backend_of(&module)?;
    let backend_line = if is_remote(backend.as_ref()) {
        format!(
            "The state is kept in {}; `provision state bootstrap` creates its bucket and lock table if they do not exist yet.",
            backend.location()
        )
    } else {
        format!("The state is kept in the local file {}.", backend.location())
    };
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let (fetched, kept) = summary.map_or((0, 0), |s| (s.fetched, s.kept));
    let modules_line = match (fetched, kept) {
        (0, 0) => "No modules to fetch and no provider plugins to download: provision talks to AWS through the SDK built into it."
            .to_string(),
        (0, k) => format!("{k} module{} already downloaded as {LOCK_FILE} records; nothing to fetch.", plural(k)),
        (f, 0) => format!("Fetched {f} module{}; {LOCK_FILE} records what was fetched.", plural(f)),
        (f, k) => format!("Fetched {f} module{}, kept {k} already downloaded; {LOCK_FILE} records them.", plural(f)),
    };
    printer.line(&format!("{modules_line}\n{backend_line}\n"));
    printer.success(if fetched + kept == 0 {
        "provision has been successfully initialized! Nothing needed initialising."
    } else {
        "provision has been successfully initialized!"
    });
    printer.line("\nYou may now run `provision plan` to see what provision would change.");
    Ok(Status::Ok)
}
