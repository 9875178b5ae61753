//! `provision init`: what `terraform init` is in CI scripts. provision downloads no provider
//! plugins (the AWS SDK is built in), so today it checks that the configuration — with the
//! modules it calls, local or already downloaded by `terraform init` — and its backend settings
//! can be read, and says that nothing needs initialising. Downloading registry and git modules
//! belongs in [`fetch_modules`].

use crate::Status;
use crate::cli::InitArgs;
use crate::printer::Printer;
use crate::session::{backend_of, is_remote, load_module, providers};
use anyhow::Result;
use provision_aws::AwsProvider;
use provision_config::Module;
use std::sync::Arc;

/// The seam for module downloads: fetches the registry and git sources of the configuration's
/// `module` blocks into the directory's module cache and returns how many it fetched. Local
/// modules need no fetching, and a module `terraform init` already downloaded is read from
/// `.terraform/modules`; downloading is not implemented yet, so a source that is neither is
/// reported when the configuration is loaded, and there is nothing to fetch here.
fn fetch_modules(_module: &Module, _upgrade: bool) -> Result<usize> {
    Ok(0)
}

pub fn run(printer: &Printer, args: InitArgs) -> Result<Status> {
    let provider = providers(Arc::new(AwsProvider::new()));
    let module = load_module(printer, &provider)?;
    let backend = backend_of(&module)?;
    let fetched = fetch_modules(&module, args.upgrade)?;
    let backend_line = if is_remote(backend.as_ref()) {
        format!(
            "The state is kept in {}; `provision state bootstrap` creates its bucket and lock table if they do not exist yet.",
            backend.location()
        )
    } else {
        format!("The state is kept in the local file {}.", backend.location())
    };
    let modules_line = if fetched == 0 {
        "No modules to fetch and no provider plugins to download: provision talks to AWS through the SDK built into it."
            .to_string()
    } else {
        format!("Fetched {fetched} module{}.", if fetched == 1 { "" } else { "s" })
    };
    printer.line(&format!("{modules_line}\n{backend_line}\n"));
    printer.success("provision has been successfully initialized! Nothing needed initialising.");
    printer.line("\nYou may now run `provision plan` to see what provision would change.");
    Ok(Status::Ok)
}
