//! What every command that touches the stack needs, set up once: the configuration (parsed and
//! checked), the variables, the engine, and the state backend.

use crate::printer::{CliReporter, Printer};
use anyhow::{Context as _, Result};
use provision_aws::AwsProvider;
use provision_config::{Module, VarSource, VariableInputs, load_dir, resolve_variables};
use provision_core::state::State;
use provision_core::{Provider, Value};
use provision_engine::{Engine, EngineError, Options};
use provision_state::{LocalBackend, LockGuard};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// An error already shown to the user (diagnostics were printed); the command just fails.
#[derive(Debug)]
pub struct Reported;

impl std::fmt::Display for Reported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("errors were reported")
    }
}

impl std::error::Error for Reported {}

/// The default state file, in the configuration directory.
pub const DEFAULT_STATE: &str = "provision.tfstate";

/// Where variable values come from.
pub enum Vars {
    /// `-var`, `-var-file`, tfvars files and `TF_VAR_*`.
    Inputs(Vec<VarSource>),
    /// Values recorded in a saved plan (JSON), converted to the declared types.
    Saved(BTreeMap<String, serde_json::Value>),
}

pub struct Session {
    pub printer: Printer,
    pub provider: Arc<AwsProvider>,
    pub module: Arc<Module>,
    pub engine: Engine,
    pub backend: LocalBackend,
}

/// Reads the configuration only (for `validate` and saved plans).
pub fn load_module(printer: &Printer, provider: &dyn Provider) -> Result<Module> {
    let (module, diags) = load_dir(Path::new("."), provider);
    printer.diagnostics(&diags, &module.sources);
    if diags.has_errors() {
        return Err(Reported.into());
    }
    Ok(module)
}

/// The backend of the configuration in the current directory, read without checking the rest of
/// the configuration against provider schemas (for `output` and `state`).
pub fn load_module_backend() -> Result<LocalBackend> {
    let provider = AwsProvider::new();
    let (module, _) = load_dir(Path::new("."), &provider);
    backend_of(&module)
}

/// The backend the configuration asks for (`backend "local" { path }`) or the default file.
fn backend_of(module: &Module) -> Result<LocalBackend> {
    let mut path = PathBuf::from(DEFAULT_STATE);
    if let Some(p) = module.backend.as_ref().and_then(|b| b.attrs.get("path")) {
        let v = provision_config::eval(p, &Default::default(), &Default::default())
            .map_err(|d| anyhow::anyhow!("backend \"local\": {}", d.summary))?;
        path = PathBuf::from(v.as_str().context("backend \"local\": `path` must be a string")?);
    }
    Ok(LocalBackend::new(path))
}

impl Session {
    pub fn load(printer: &Printer, vars: Vars, parallelism: usize) -> Result<Session> {
        let provider = Arc::new(AwsProvider::new());
        let (mut module, mut diags) = load_dir(Path::new("."), provider.as_ref());
        // Variables are resolved even when the configuration has errors, so that every problem
        // is reported in one run.
        let values = match vars {
            Vars::Inputs(cli) => {
                let inputs = VariableInputs { env: VariableInputs::from_process_env(), cli, extra_files: vec![] };
                match resolve_variables(&mut module, &inputs) {
                    Ok((values, warnings)) => {
                        diags.extend(warnings);
                        values
                    }
                    Err(d) => {
                        diags.extend(d);
                        BTreeMap::new()
                    }
                }
            }
            Vars::Saved(saved) => {
                let mut values = BTreeMap::new();
                for (name, v) in &module.variables {
                    let raw = saved.get(name).map(Value::from_json).unwrap_or(Value::Null);
                    let value = v.ty.convert(raw).map_err(|m| {
                        anyhow::anyhow!("the saved plan's value for var.{name} no longer fits its type: {m}")
                    })?;
                    values.insert(name.clone(), value.mark_if(v.sensitive));
                }
                values
            }
        };
        printer.diagnostics(&diags, &module.sources);
        if diags.has_errors() {
            return Err(Reported.into());
        }
        let backend = backend_of(&module)?;
        let settle = match std::env::var("PROVISION_RECOVERY_SETTLE") {
            Ok(s) => crate::cli::parse_duration(&s).map_err(|e| anyhow::anyhow!("PROVISION_RECOVERY_SETTLE: {e}"))?,
            Err(_) => Duration::from_secs(10),
        };
        let options =
            Options { parallelism, workspace: "default".into(), recovery_settle: settle, ..Options::default() };
        let module = Arc::new(module);
        let reporter = Arc::new(CliReporter(printer.clone()));
        let engine = match Engine::new(provider.clone(), module.clone(), values, options, reporter) {
            Ok(e) => e,
            Err(d) => {
                printer.diagnostics(&d, &module.sources);
                return Err(Reported.into());
            }
        };
        Ok(Session { printer: printer.clone(), provider, module, engine, backend })
    }

    pub async fn lock(&self, operation: &str, timeout: Duration) -> Result<LockGuard> {
        Ok(self.backend.lock(operation, timeout).await?)
    }

    /// The state, or a new empty one (not written until something is recorded).
    pub fn read_state(&self) -> Result<(State, bool)> {
        match self.backend.read()? {
            Some(s) => Ok((s, true)),
            None => Ok((State::new(uuid::Uuid::new_v4().to_string(), env!("CARGO_PKG_VERSION")), false)),
        }
    }

    /// Shows an engine error; configuration problems as diagnostics.
    pub fn report(&self, e: EngineError) -> Reported {
        match e {
            EngineError::Config(d) => self.printer.diagnostics(&d, &self.module.sources),
            other => self.printer.error(&other.to_string()),
        }
        Reported
    }

    /// With -v: how many AWS calls this run made.
    pub fn report_calls(&self) {
        let calls = self.provider.call_counts();
        let total: u64 = calls.values().sum();
        let list: Vec<String> = calls.iter().map(|(k, v)| format!("{k}={v}")).collect();
        tracing::info!(total, calls = %list.join(" "), "AWS API calls");
    }
}
