//! What every command that touches the stack needs, set up once: the configuration (parsed and
//! checked), the variables, the engine, and the state backend.

use crate::printer::{CliReporter, Printer};
use anyhow::{Context as _, Result};
use provision_aws::AwsProvider;
use provision_config::{CallKeys, Module, VarSource, VariableInputs, expand_module_calls, load_dir, resolve_variables};
use provision_core::state::State;
use provision_core::{Providers, Value};
use provision_engine::{Engine, EngineError, Options};
use provision_state::{Backend, LocalBackend, Lock};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// Settings from the command line that every command shares, resolved once.
#[derive(Debug, Clone)]
pub struct Settings {
    pub env: String,
    pub backend_config: Vec<String>,
    pub lock_lease: Duration,
    /// False with `-input=false`: nothing may be asked on the terminal.
    pub input: bool,
}

static SETTINGS: OnceLock<Settings> = OnceLock::new();

/// Records the settings (once, at start).
pub fn init_settings(s: Settings) -> Result<()> {
    let ok = !s.env.is_empty() && s.env.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !ok {
        anyhow::bail!("--env {:?}: an environment name uses letters, digits, '-' and '_' only", s.env);
    }
    let _ = SETTINGS.set(s);
    Ok(())
}

fn settings() -> Settings {
    SETTINGS.get().cloned().unwrap_or(Settings {
        env: "default".into(),
        backend_config: vec![],
        lock_lease: Duration::from_secs(180),
        input: true,
    })
}

/// An environment's own variables: NAME.tfvars, when present.
pub fn env_tfvars() -> Vec<PathBuf> {
    let env_file = PathBuf::from(format!("{}.tfvars", settings().env));
    if settings().env != "default" && env_file.is_file() { vec![env_file] } else { vec![] }
}

/// False with `-input=false`: a question provision would ask is an error instead.
pub fn input_allowed() -> bool {
    settings().input
}

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
    pub backend: Arc<dyn Backend>,
}

/// Every provider this build serves: `aws` (whose call counts `-v` prints), `random` and the
/// builtin `terraform` (`terraform_remote_state`).
pub fn providers(aws: Arc<AwsProvider>) -> Providers {
    let aws: Arc<dyn provision_core::Provider> = aws;
    Providers::new(vec![
        aws,
        Arc::new(provision_random::RandomProvider::new()),
        Arc::new(provision_terraform::TerraformProvider::new()),
    ])
}

/// Reads the configuration only (for `validate` and saved plans).
pub fn load_module(printer: &Printer, provider: &Providers) -> Result<Module> {
    let (module, diags) = load_dir(Path::new("."), provider);
    printer.diagnostics(&diags, &module.sources);
    if diags.has_errors() {
        return Err(Reported.into());
    }
    Ok(module)
}

/// The backend of the configuration in the current directory, read without checking the rest of
/// the configuration against provider schemas (for `output` and `state`).
pub fn load_module_backend() -> Result<Arc<dyn Backend>> {
    let (module, _) = load_dir(Path::new("."), &providers(Arc::new(AwsProvider::new())));
    backend_of(&module)
}

/// The backend the configuration asks for (`backend "local"` or `backend "s3"`, with
/// `--backend-config` applied and `--env` selecting the state), or the default local file.
pub fn backend_of(module: &Module) -> Result<Arc<dyn Backend>> {
    Ok(match choose_backend(module)? {
        Choice::Local(path) => Arc::new(LocalBackend::new(path)),
        Choice::S3(config) => Arc::new(provision_state_s3::S3Backend::new(config)),
    })
}

/// The S3 backend of the configuration (for `state bootstrap`).
pub fn s3_backend_of(module: &Module) -> Result<provision_state_s3::S3Backend> {
    match choose_backend(module)? {
        Choice::S3(config) => Ok(provision_state_s3::S3Backend::new(config)),
        Choice::Local(_) => anyhow::bail!("the configuration uses the local backend"),
    }
}

enum Choice {
    Local(PathBuf),
    S3(provision_state_s3::S3Config),
}

fn choose_backend(module: &Module) -> Result<Choice> {
    let settings = settings();
    let mut values: BTreeMap<String, Value> = BTreeMap::new();
    let kind = module.backend.as_ref().map(|b| b.kind.clone()).unwrap_or_else(|| "local".into());
    if let Some(b) = &module.backend {
        for (k, e) in &b.attrs {
            let v = provision_config::eval(e, &Default::default(), &Default::default())
                .map_err(|d| anyhow::anyhow!("backend \"{kind}\": `{k}`: {}", d.summary))?;
            values.insert(k.clone(), v);
        }
    }
    let supported: &[&str] = if kind == "s3" { &provision_config::S3_BACKEND_SETTINGS } else { &["path"] };
    for item in &settings.backend_config {
        for (k, v) in crate::backend_config::parse(item)? {
            if !supported.contains(&k.as_str()) {
                anyhow::bail!(
                    "--backend-config {k}: the {kind} backend has no such setting (supported: {})",
                    supported.join(", ")
                );
            }
            values.insert(k, v);
        }
    }
    let text = |k: &str| -> Result<Option<String>> {
        match values.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => {
                Ok(Some(v.as_str().with_context(|| format!("backend \"{kind}\": `{k}` must be a string"))?.to_string()))
            }
        }
    };
    let flag = |k: &str| -> Result<bool> {
        match values.get(k) {
            None | Some(Value::Null) => Ok(false),
            Some(v) => v.as_bool().with_context(|| format!("backend \"{kind}\": `{k}` must be true or false")),
        }
    };
    if kind == "s3" {
        let need = |k: &str| -> Result<String> {
            text(k)?.filter(|s| !s.is_empty()).with_context(|| {
                format!("backend \"s3\": `{k}` is required (in the backend block, or --backend-config {k}=...)")
            })
        };
        let config = provision_state_s3::S3Config {
            bucket: need("bucket")?,
            key: need("key")?,
            region: text("region")?,
            dynamodb_table: text("dynamodb_table")?,
            use_lockfile: flag("use_lockfile")?,
            encrypt: flag("encrypt")?,
            kms_key_id: text("kms_key_id")?,
            workspace_key_prefix: text("workspace_key_prefix")?.unwrap_or_else(|| "env:".into()),
            env: settings.env.clone(),
            lease: settings.lock_lease,
        };
        return Ok(Choice::S3(config));
    }
    let mut path = PathBuf::from(text("path")?.unwrap_or_else(|| DEFAULT_STATE.into()));
    if settings.env != "default" {
        // As Terraform's workspaces: <dir>/provision.tfstate.d/<env>/<file>.
        let file = path.file_name().map(|f| f.to_os_string()).unwrap_or_else(|| DEFAULT_STATE.into());
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        path = dir.join(format!("{}.d", file.to_string_lossy())).join(&settings.env).join(file);
    }
    Ok(Choice::Local(path))
}

impl Session {
    pub fn load(printer: &Printer, vars: Vars, parallelism: usize) -> Result<Session> {
        let provider = Arc::new(AwsProvider::new());
        let (mut module, mut diags) = load_dir(Path::new("."), &providers(provider.clone()));
        // Variables are resolved even when the configuration has errors, so that every problem
        // is reported in one run.
        let values = match vars {
            Vars::Inputs(cli) => {
                let inputs = VariableInputs { env: VariableInputs::from_process_env(), cli, extra_files: env_tfvars() };
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
        if !diags.has_errors() {
            // The instances of module calls with `count` or `for_each` come from the variables.
            diags.extend(expand_module_calls(&mut module, &values, &settings().env, CallKeys::Required));
        }
        printer.diagnostics(&diags, &module.sources);
        if diags.has_errors() {
            return Err(Reported.into());
        }
        let backend = backend_of(&module)?;
        let settle = match std::env::var("PROVISION_RECOVERY_SETTLE") {
            Ok(s) => crate::cli::parse_duration(&s).map_err(|e| anyhow::anyhow!("PROVISION_RECOVERY_SETTLE: {e}"))?,
            Err(_) => Duration::from_secs(10),
        };
        let options = Options { parallelism, workspace: settings().env, recovery_settle: settle, ..Options::default() };
        let module = Arc::new(module);
        let reporter = Arc::new(CliReporter(printer.clone()));
        let engine = match Engine::new(providers(provider.clone()), module.clone(), values, options, reporter) {
            Ok(e) => e,
            Err(d) => {
                printer.diagnostics(&d, &module.sources);
                return Err(Reported.into());
            }
        };
        Ok(Session { printer: printer.clone(), provider, module, engine, backend })
    }

    pub async fn lock(&self, operation: &str, args: &crate::cli::LockArgs) -> Result<Lock> {
        lock_as_asked(&self.printer, self.backend.as_ref(), operation, args).await
    }

    /// The state, or a new empty one (not written until something is recorded).
    pub async fn read_state(&self) -> Result<(State, bool)> {
        read_or_new(self.backend.as_ref()).await
    }

    /// Shows an engine error; configuration problems as diagnostics.
    pub fn report(&self, e: EngineError) -> Reported {
        match e {
            EngineError::Config(d) => self.printer.diagnostics(&d, &self.module.sources),
            other => self.printer.error(&other.to_string()),
        }
        Reported
    }

    /// With -v: how many AWS calls this run made, then, per resource type, the calls of each
    /// object's create (`each`; `waits` are the reads made while waiting for it).
    pub fn report_calls(&self) {
        let calls = self.provider.call_counts();
        let total: u64 = calls.values().sum();
        let list: Vec<String> = calls.iter().map(|(k, v)| format!("{k}={v}")).collect();
        tracing::info!(total, calls = %list.join(" "), "AWS API calls");
        for (type_name, objects, create) in creates_by_type(self.provider.create_calls()) {
            let each: u64 = create.calls.values().chain(create.waits.values()).sum();
            tracing::info!(
                r#type = type_name,
                objects,
                each,
                calls = %counts_list(&create.calls),
                waits = %counts_list(&create.waits),
                "AWS calls per create"
            );
        }
    }
}

/// Takes the state lock; says so, in one line, when it took over the lock of a run that is gone
/// (its process no longer running on this host, or its lease not renewed).
pub async fn take_lock(printer: &Printer, backend: &dyn Backend, operation: &str, timeout: Duration) -> Result<Lock> {
    let lock = backend.lock(operation, timeout).await?;
    if let Some(takeover) = lock.taken_over() {
        printer.warn(&takeover.to_string());
    }
    Ok(lock)
}

/// The state lock as the command line asks: taken (the default), or with `-lock=false` not taken,
/// which a remote backend refuses unless `--force-no-lock` (other runs and CI jobs share it).
pub async fn lock_as_asked(
    printer: &Printer,
    backend: &dyn Backend,
    operation: &str,
    args: &crate::cli::LockArgs,
) -> Result<Lock> {
    if args.lock {
        return take_lock(printer, backend, operation, args.lock_timeout).await;
    }
    let location = backend.location();
    if is_remote(backend) && !args.force_no_lock {
        anyhow::bail!(
            "-lock=false is refused for the remote state {location}: other runs and CI jobs share it, and without the lock two of them can overwrite each other's state. Clear a stuck lock with `provision state force-unlock ID`, or add --force-no-lock if you are certain no other run uses this state now"
        );
    }
    if is_remote(backend) {
        printer.warn(&format!("-lock=false --force-no-lock: {location} is not locked; another run writing it now would lose its changes or this one's"));
    }
    Ok(Lock::None(Box::new(provision_state::LockInfo::new(operation, Path::new(&location)))))
}

/// True for a state kept away from this machine (S3), which other runs may share.
pub fn is_remote(backend: &dyn Backend) -> bool {
    backend.location().starts_with("s3://")
}

/// Releases the lock at the end of a command; a failure is only a warning (the lease runs out).
pub async fn release(printer: &Printer, lock: Lock) {
    if let Err(e) = lock.release().await {
        printer.warn(&format!("could not release the state lock: {e}; it will be taken over after its lease"));
    }
}

/// The state, or a new empty one (not written until something is recorded).
pub async fn read_or_new(backend: &dyn Backend) -> Result<(State, bool)> {
    match backend.read().await? {
        Some(s) => Ok((s, true)),
        None => Ok((State::new(uuid::Uuid::new_v4().to_string(), env!("CARGO_PKG_VERSION")), false)),
    }
}

/// Each type's creates, grouped by the calls they made: (type, how many objects, their calls).
/// Objects of one type that made different calls (a route table with inline routes, one without)
/// are separate groups.
fn creates_by_type(creates: provision_aws::CreatesCalls) -> Vec<(&'static str, usize, provision_aws::CreateCalls)> {
    let mut groups: Vec<(&'static str, usize, provision_aws::CreateCalls)> = vec![];
    for ((type_name, _address), create) in creates {
        match groups.iter_mut().find(|(t, _, c)| *t == type_name && *c == create) {
            Some(group) => group.1 += 1,
            None => groups.push((type_name, 1, create)),
        }
    }
    groups
}

/// `EC2:CreateVpc=1,EC2:DescribeVpcs=1` (`none` when empty): one token, for `-v`'s log lines.
fn counts_list(counts: &provision_aws::CallCounts) -> String {
    if counts.is_empty() {
        return "none".into();
    }
    counts.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")
}
