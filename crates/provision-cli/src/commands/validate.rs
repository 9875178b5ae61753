//! `provision validate`: the configuration alone, no state, no AWS. Beyond syntax, references and
//! cycles, every value known without AWS is evaluated and checked, as `plan` would (see
//! `Engine::validate`).

use crate::Status;
use crate::printer::Printer;
use crate::session::{Reported, load_module};
use anyhow::Result;
use provision_aws::AwsProvider;
use provision_config::{CallKeys, VarSource, VariableInputs, expand_module_calls, resolve_known_variables};
use provision_engine::{Engine, Options};
use std::sync::Arc;

pub async fn run(printer: &Printer, vars: Vec<VarSource>) -> Result<Status> {
    // As Terraform's `validate`: a module call with `count` or `for_each` is checked once, with
    // its instances unknown.
    let (provider, module, variables) = load_offline(printer, vars, vec![], CallKeys::Unknown)?;
    let module = Arc::new(module);
    let diags = Engine::validate(provider, module.clone(), variables, Options::default()).await;
    printer.diagnostics(&diags, &module.sources);
    if diags.has_errors() {
        return Err(Reported.into());
    }
    printer.success("Success! The configuration is valid.");
    Ok(Status::Ok)
}

/// The configuration and the variables known without AWS, for the commands that read nothing
/// else (`validate`, `graph`): given values are used, a variable without one is unknown rather
/// than an error. The module calls with `count` or `for_each` are expanded as `keys` says.
/// Problems are printed and reported.
pub(crate) fn load_offline(
    printer: &Printer,
    vars: Vec<VarSource>,
    extra_files: Vec<std::path::PathBuf>,
    keys: CallKeys,
) -> Result<(
    provision_core::Providers,
    provision_config::Module,
    std::collections::BTreeMap<String, provision_core::Value>,
)> {
    let provider = crate::session::providers(Arc::new(AwsProvider::new()));
    let mut module = load_module(printer, &provider)?;
    let inputs = VariableInputs { env: VariableInputs::from_process_env(), cli: vars, extra_files };
    match resolve_known_variables(&mut module, &inputs) {
        Ok((values, mut warnings)) => {
            warnings.extend(expand_module_calls(&mut module, &values, "default", keys));
            printer.diagnostics(&warnings, &module.sources);
            if warnings.has_errors() {
                return Err(Reported.into());
            }
            Ok((provider, module, values))
        }
        Err(d) => {
            printer.diagnostics(&d, &module.sources);
            Err(Reported.into())
        }
    }
}
