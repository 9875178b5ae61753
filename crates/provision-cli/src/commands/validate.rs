//! `provision validate`: the configuration alone, no state, no AWS.

use crate::Status;
use crate::printer::Printer;
use crate::session::{Reported, load_module};
use anyhow::Result;
use provision_aws::AwsProvider;

pub async fn run(printer: &Printer) -> Result<Status> {
    let provider = AwsProvider::new();
    let module = load_module(printer, &provider)?;
    if let Err(d) = provision_engine::ConfigGraph::build(&module) {
        printer.diagnostics(&d, &module.sources);
        return Err(Reported.into());
    }
    printer.success("Success! The configuration is valid.");
    Ok(Status::Ok)
}
