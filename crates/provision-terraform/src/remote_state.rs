//! `terraform_remote_state`: the root output values of another root's latest state, read from the
//! `local` or `s3` backend, in provision's format (through provision's backends, so a journal left
//! beside the state is replayed, as `state pull` sees it) or in Terraform's format 4 (the state as
//! it is). Which format is decided by the content. A state that does not exist yet has no
//! outputs (then `defaults`), as in Terraform; one that cannot be read is an error naming where it
//! is. Nothing is written and no lock is taken.

use provision_core::state::{FORMAT_MARKER, State};
use provision_core::{AttributeSchema, Attrs, DataSourceType, ProviderError, ProviderErrorKind, Schema, Type, Value};
use provision_state::{Backend, LocalBackend, parse_terraform};
use provision_state_s3::{S3Backend, S3Config};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// The backends a remote state can be read from.
pub const BACKENDS: [&str; 2] = ["local", "s3"];

/// The settings of `config` for the `local` backend.
pub const LOCAL_SETTINGS: [&str; 2] = ["path", "workspace_dir"];

/// The settings of `config` for the `s3` backend. `dynamodb_table`, `use_lockfile`, `encrypt` and
/// `kms_key_id` are accepted and not used: a read takes no lock and decrypts transparently. So are
/// the settings an S3-compatible store (MinIO, Ceph, R2) needs with Terraform: `use_path_style`
/// (`force_path_style` before Terraform 1.6) — provision always addresses a custom endpoint by path
/// — and the `skip_*` flags, of checks a read does not make.
pub const S3_SETTINGS: [&str; 18] = [
    "bucket",
    "key",
    "region",
    "workspace_key_prefix",
    "endpoint",
    "endpoints",
    "profile",
    "dynamodb_table",
    "kms_key_id",
    // From here on, the settings whose value is `true` or `false`.
    "use_lockfile",
    "encrypt",
    "use_path_style",
    "force_path_style",
    "skip_credentials_validation",
    "skip_region_validation",
    "skip_metadata_api_check",
    "skip_requesting_account_id",
    "skip_s3_checksum",
];

/// Where the `true`-or-`false` settings start in [`S3_SETTINGS`].
const FIRST_FLAG: usize = 9;

/// Terraform's local backend's defaults.
const DEFAULT_PATH: &str = "terraform.tfstate";
const DEFAULT_WORKSPACE_DIR: &str = "terraform.tfstate.d";
const DEFAULT_WORKSPACE: &str = "default";

/// The `terraform_remote_state` data source.
pub struct RemoteState {
    schema: Schema,
}

impl Default for RemoteState {
    fn default() -> Self {
        Self::new()
    }
}

impl RemoteState {
    pub fn new() -> Self {
        let schema = Schema::new("The root output values of another configuration's state (local or S3).")
            .attr(
                AttributeSchema::required("backend", Type::String)
                    .validate(check_backend)
                    .describe("Where the state is: `local` or `s3`."),
            )
            .attr(
                AttributeSchema::optional("config", Type::Any)
                    .validate(check_config)
                    .describe("The backend's settings (`path`, `workspace_dir`; `bucket`, `key`, `region`, ...)."),
            )
            .attr(
                AttributeSchema::optional("defaults", Type::Any)
                    .validate(check_defaults)
                    .describe("Values for outputs the state does not have."),
            )
            .attr(
                AttributeSchema::optional("workspace", Type::String)
                    .describe("The workspace whose state is read; `default` when unset."),
            )
            .attr(
                AttributeSchema::computed("outputs", Type::Any)
                    .describe("The state's root output values (sensitive ones stay sensitive), over `defaults`."),
            );
        RemoteState { schema }
    }
}

fn check_backend(v: &Value) -> Result<(), String> {
    match v.as_str() {
        Some(b) if BACKENDS.contains(&b) => Ok(()),
        Some(b) => Err(format!(
            "the \"{b}\" backend is not supported: provision reads remote state from the local and s3 backends only, for which it has clients (supported: {})",
            BACKENDS.join(", ")
        )),
        None => Err(format!("`backend` must be a string (supported: {})", BACKENDS.join(", "))),
    }
}

fn check_config(v: &Value) -> Result<(), String> {
    let Some(config) = v.as_map() else {
        return Err(format!(
            "`config` must be an object of backend settings, as in {{ bucket = \"...\", key = \"...\" }}, not a {}",
            v.type_name()
        ));
    };
    for (k, value) in config {
        if !LOCAL_SETTINGS.contains(&k.as_str()) && !S3_SETTINGS.contains(&k.as_str()) {
            return Err(format!(
                "`{k}` is not a setting of the local or s3 backend (local: {}; s3: {})",
                LOCAL_SETTINGS.join(", "),
                S3_SETTINGS.join(", ")
            ));
        }
        kind_of(k, value)?;
    }
    Ok(())
}

fn check_defaults(v: &Value) -> Result<(), String> {
    match v.as_map() {
        Some(_) => Ok(()),
        None => Err(format!("`defaults` must be an object of output values, not a {}", v.type_name())),
    }
}

/// Checks a setting's value against the kind it must be.
fn kind_of(key: &str, value: &Value) -> Result<(), String> {
    if value.is_null() {
        return Ok(());
    }
    let flag = S3_SETTINGS[FIRST_FLAG..].contains(&key);
    let ok = match key {
        _ if flag => value.as_bool().is_some(),
        "endpoints" => value.as_map().is_some_and(|m| m.values().all(|v| v.is_null() || v.as_str().is_some())),
        _ => value.as_str().is_some(),
    };
    if ok {
        return Ok(());
    }
    let want = match key {
        _ if flag => "true or false",
        "endpoints" => "an object of URLs by service, as in { s3 = \"http://...\" }",
        _ => "a string",
    };
    Err(format!("`config.{key}` must be {want}, not a {}", value.type_name()))
}

fn invalid(message: String) -> ProviderError {
    ProviderError::new(ProviderErrorKind::Invalid, message)
}

/// A string setting of `config`, when set.
fn text(config: &BTreeMap<String, Value>, key: &str) -> Result<Option<String>, ProviderError> {
    match config.get(key) {
        None => Ok(None),
        Some(v) if v.is_null() => Ok(None),
        Some(v) => {
            kind_of(key, v).map_err(invalid)?;
            Ok(v.as_str().map(str::to_string))
        }
    }
}

/// Where the state is read from.
enum Source {
    Local(LocalBackend),
    S3(Box<S3Backend>),
}

impl Source {
    async fn new(backend: &str, config: &BTreeMap<String, Value>, workspace: &str) -> Result<Source, ProviderError> {
        let supported: &[&str] = match backend {
            "local" => &LOCAL_SETTINGS,
            "s3" => &S3_SETTINGS,
            other => return Err(invalid(check_backend(&Value::from(other)).err().unwrap_or_default())),
        };
        for k in config.keys() {
            if !supported.contains(&k.as_str()) {
                return Err(invalid(format!(
                    "`config.{k}` is not a setting of the {backend} backend (supported: {})",
                    supported.join(", ")
                )));
            }
        }
        if backend == "local" {
            return Ok(Source::Local(LocalBackend::new(local_path(
                text(config, "path")?,
                text(config, "workspace_dir")?,
                workspace,
            ))));
        }
        let need = |k: &str| -> Result<String, ProviderError> {
            text(config, k)?
                .filter(|s| !s.is_empty())
                .ok_or_else(|| invalid(format!("`config.{k}` is required for the s3 backend")))
        };
        let s3 = S3Config {
            bucket: need("bucket")?,
            key: need("key")?,
            region: text(config, "region")?,
            // Locks are never taken by a read: these stay unset whatever `config` says.
            dynamodb_table: None,
            use_lockfile: false,
            encrypt: false,
            kms_key_id: None,
            workspace_key_prefix: text(config, "workspace_key_prefix")?.unwrap_or_else(|| "env:".into()),
            env: workspace.to_string(),
            lease: Duration::from_secs(180),
        };
        let endpoint = match config.get("endpoints").and_then(Value::as_map) {
            Some(m) => m.get("s3").and_then(Value::as_str).map(str::to_string),
            None => None,
        }
        .or(text(config, "endpoint")?);
        let profile = text(config, "profile")?;
        if endpoint.is_none() && profile.is_none() {
            // The client provision's own S3 backend uses: the standard chain, AWS_ENDPOINT_URL.
            return Ok(Source::S3(Box::new(S3Backend::new(s3))));
        }
        let settings =
            provision_aws_core::settings::Settings { region: s3.region.clone(), profile, ..Default::default() };
        let mut sdk = provision_aws_core::settings::load_settings(&settings).await?;
        if let Some(url) = endpoint {
            sdk = sdk.into_builder().endpoint_url(url).build();
        }
        if s3.region.is_none() && sdk.region().is_none() {
            return Err(ProviderError::new(
                ProviderErrorKind::Config,
                "the s3 backend has no region: set `region` in `config`, or AWS_REGION",
            ));
        }
        Ok(Source::S3(Box::new(S3Backend::with_sdk(s3, &sdk))))
    }

    fn location(&self) -> String {
        match self {
            Source::Local(b) => b.location(),
            Source::S3(b) => b.location(),
        }
    }

    /// The state's text as it is; `None` when there is no state.
    async fn raw(&self) -> Result<Option<String>, ProviderError> {
        let failed = |what: String| ProviderError::new(ProviderErrorKind::Other, what);
        match self {
            Source::Local(b) => match std::fs::read_to_string(b.path()) {
                Ok(t) => Ok(Some(t)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(failed(format!("cannot read the state {}: {e}", b.path().display()))),
            },
            Source::S3(b) => b.read_object().await.map_err(|e| failed(e.to_string())),
        }
    }

    /// The state with its journal replayed (provision's format).
    async fn provision_state(&self) -> Result<Option<State>, ProviderError> {
        let read = match self {
            Source::Local(b) => b.read().await,
            Source::S3(b) => b.read().await,
        };
        read.map_err(|e| ProviderError::new(ProviderErrorKind::Other, e.to_string()))
    }

    /// The state's root outputs; `None` when there is no state.
    async fn outputs(&self) -> Result<Option<BTreeMap<String, Value>>, ProviderError> {
        let location = self.location();
        let Some(text) = self.raw().await? else { return Ok(None) };
        let corrupt = |what: String| ProviderError::new(ProviderErrorKind::Other, what);
        let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            corrupt(format!(
                "the state {location} cannot be read: it is not JSON (line {}, column {}: {e}); nothing was written",
                e.line(),
                e.column()
            ))
        })?;
        let Some(obj) = json.as_object() else {
            return Err(corrupt(format!("the state {location} cannot be read: it is JSON, but not an object")));
        };
        if obj.get("format").and_then(serde_json::Value::as_str) == Some(FORMAT_MARKER) {
            let Some(state) = self.provision_state().await? else { return Ok(None) };
            return Ok(Some(
                state
                    .outputs
                    .iter()
                    .map(|(k, o)| (k.clone(), Value::from_json(&o.value).mark_if(o.sensitive)))
                    .collect(),
            ));
        }
        if !obj.contains_key("version") {
            return Err(corrupt(format!(
                "the state {location} cannot be read: it is neither a provision state (no \"format\": \"{FORMAT_MARKER}\") nor a Terraform state (no \"version\")"
            )));
        }
        let state = parse_terraform(&location, &text).map_err(|e| corrupt(e.0))?;
        Ok(Some(
            state.outputs.iter().map(|(k, o)| (k.clone(), Value::from_json(&o.value).mark_if(o.sensitive))).collect(),
        ))
    }
}

/// Terraform's local backend: `path` (default `terraform.tfstate`) for the default workspace,
/// `<workspace_dir>/<workspace>/terraform.tfstate` for the others. Relative paths are relative to
/// the working directory, as in Terraform (not to the module that holds the block).
fn local_path(path: Option<String>, workspace_dir: Option<String>, workspace: &str) -> PathBuf {
    if workspace == DEFAULT_WORKSPACE {
        PathBuf::from(path.unwrap_or_else(|| DEFAULT_PATH.into()))
    } else {
        PathBuf::from(workspace_dir.unwrap_or_else(|| DEFAULT_WORKSPACE_DIR.into())).join(workspace).join(DEFAULT_PATH)
    }
}

#[async_trait::async_trait]
impl DataSourceType for RemoteState {
    fn name(&self) -> &'static str {
        "terraform_remote_state"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, args: &Attrs) -> Result<Attrs, ProviderError> {
        let backend = args.get("backend").and_then(Value::as_str).unwrap_or_default().to_string();
        check_backend(&Value::from(backend.as_str())).map_err(invalid)?;
        let config = match args.get("config") {
            None => BTreeMap::new(),
            Some(v) if v.is_null() => BTreeMap::new(),
            Some(v) => {
                check_config(v).map_err(invalid)?;
                v.as_map().cloned().unwrap_or_default()
            }
        };
        let defaults = match args.get("defaults") {
            None => BTreeMap::new(),
            Some(v) if v.is_null() => BTreeMap::new(),
            Some(v) => {
                check_defaults(v).map_err(invalid)?;
                v.as_map().cloned().unwrap_or_default()
            }
        };
        let workspace = match args.get("workspace").and_then(Value::as_str) {
            Some("") => return Err(invalid("`workspace` must not be empty".into())),
            Some(w) => w.to_string(),
            None => DEFAULT_WORKSPACE.to_string(),
        };
        let source = Source::new(&backend, &config, &workspace).await?;
        let mut outputs = defaults;
        outputs.extend(source.outputs().await?.unwrap_or_default());
        let mut out = args.clone();
        out.insert("workspace".into(), Value::from(workspace));
        out.insert("outputs".into(), Value::Map(outputs));
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
