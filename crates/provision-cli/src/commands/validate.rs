//! `provision validate`: the configuration alone, no state, no AWS. Beyond syntax, references and
//! cycles, every value known without AWS is evaluated and checked, as `plan` would (see
//! `Engine::validate`).

use crate::Status;
use crate::printer::Printer;
use crate::session::{Reported, load_module};
use anyhow::Result;
use provision_aws::AwsProvider;
use provision_config::{VarSource, VariableInputs, resolve_known_variables};
use provision_engine::{Engine, Options};
use std::sync::Arc;

pub async fn run(printer: &Printer, vars: Vec<VarSource>) -> Result<Status> {
    let provider = crate::session::providers(Arc::new(AwsProvider::new()));
    let mut module = load_module(printer, &provider)?;
    // Values given for variables are used; a variable without one is unknown, not an error.
    let inputs = VariableInputs { env: VariableInputs::from_process_env(), cli: vars, extra_files: vec![] };
    let variables = match resolve_known_variables(&mut module, &inputs) {
        Ok((values, warnings)) => {
            printer.diagnostics(&warnings, &module.sources);
            values
        }
        Err(d) => {
            printer.diagnostics(&d, &module.sources);
            return Err(Reported.into());
        }
    };
    let module = Arc::new(module);
    let diags = Engine::validate(provider, module.clone(), variables, Options::default()).await;
    printer.diagnostics(&diags, &module.sources);
    if diags.has_errors() {
        return Err(Reported.into());
    }
    printer.success("Success! The configuration is valid.");
    Ok(Status::Ok)
}
