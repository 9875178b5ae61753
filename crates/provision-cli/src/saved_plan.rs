//! Saved plans (`plan -out FILE`, `apply FILE`). A plan file records what the plan was made
//! against — the state's lineage and serial, a digest of every `.tf` file, the variable values, the
//! refreshed objects and data source results — and the actions it promised. `apply FILE` refuses
//! to run when any of that changed, saying what.
//!
//! A plan file holds variable values and object attributes, like the state: it is written with mode
//! 0600 and must be treated as a secret.

use crate::session::Session;
use anyhow::{Context as _, Result, bail};
use provision_config::Module;
use provision_core::plan::{Plan, PlanMode};
use provision_core::state::State;
use provision_core::{Address, Attrs, Layer, Value};
use provision_engine::PlannedRun;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

const MARKER: &str = "provision-plan";
const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
pub struct StateRef {
    /// `None` when there was no state yet.
    pub lineage: Option<String>,
    pub serial: u64,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SavedChange {
    pub address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deposed: Option<String>,
    pub actions: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct SavedPlan {
    pub format: String,
    pub format_version: u32,
    pub provision_version: String,
    pub mode: String,
    /// The layer the plan covers (`--layer`), when it covers one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<Layer>,
    /// `-target` addresses the plan was made with.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
    /// `-replace` addresses the plan was made with.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replace: Vec<String>,
    pub state: StateRef,
    /// SHA-256 of every `.tf` file, by name.
    pub config: BTreeMap<String, String>,
    pub variables: BTreeMap<String, serde_json::Value>,
    pub refreshed: State,
    #[serde(default)]
    pub data: BTreeMap<String, serde_json::Map<String, serde_json::Value>>,
    pub changes: Vec<SavedChange>,
    /// When the plan was made (RFC 3339): what `plantimestamp()` returns when it is applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_time: Option<String>,
}

fn digests(module: &Module) -> BTreeMap<String, String> {
    module
        .sources
        .files
        .iter()
        .filter(|f| f.name.ends_with(".tf") || f.name.ends_with(".tf.json"))
        .map(|f| (f.name.clone(), Sha256::digest(f.written().as_bytes()).iter().map(|b| format!("{b:02x}")).collect()))
        .collect()
}

fn changes(plan: &Plan) -> Vec<SavedChange> {
    plan.changes
        .iter()
        .filter(|c| c.action.is_change() || c.action == provision_core::plan::Action::Read)
        .map(|c| SavedChange {
            address: c.address.to_string(),
            deposed: c.deposed.clone(),
            actions: c.action.json_actions().iter().map(|s| s.to_string()).collect(),
        })
        .collect()
}

/// Writes the plan file (mode 0600).
pub fn save(
    path: &Path,
    s: &Session,
    run: &PlannedRun,
    state_existed: bool,
    targeting: &crate::cli::Targeting,
) -> Result<()> {
    let saved = SavedPlan {
        format: MARKER.into(),
        format_version: VERSION,
        provision_version: env!("CARGO_PKG_VERSION").into(),
        mode: match run.plan.mode {
            PlanMode::Destroy => "destroy".into(),
            PlanMode::RefreshOnly => "refresh-only".into(),
            PlanMode::Normal => "normal".into(),
        },
        layer: run.plan.layer,
        targets: targeting.target.clone(),
        replace: targeting.replace.clone(),
        // The state the plan was made against, as it was read.
        state: StateRef {
            lineage: state_existed.then(|| run.original().lineage.clone()),
            serial: run.original().serial,
        },
        config: digests(&s.module),
        variables: s.engine.variables.iter().map(|(k, v)| (k.clone(), v.to_json())).collect(),
        refreshed: run.state.clone(),
        data: run
            .data
            .iter()
            .map(|(k, v)| (k.to_string(), v.iter().map(|(a, b)| (a.clone(), b.to_json())).collect()))
            .collect(),
        changes: changes(&run.plan),
        plan_time: run.plan_time().map(|t| humantime::format_rfc3339_nanos(t).to_string()),
    };
    let text = serde_json::to_string_pretty(&saved)?;
    write_private(path, &text).with_context(|| format!("cannot write the plan file {}", path.display()))
}

/// Writes `text` to `path`, readable by its owner only: into a new file of mode 0600 in the same
/// directory, renamed over `path`. Opening an existing file would keep its mode (a 0644 plan file
/// would stay world-readable with secrets in it); a crash leaves the old file or the new one.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let written = (|| {
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

impl SavedPlan {
    pub fn load(path: &Path) -> Result<SavedPlan> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read the plan file {}", path.display()))?;
        let v: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a provision plan file (not JSON)", path.display()))?;
        if v.get("format").and_then(|f| f.as_str()) != Some(MARKER) {
            bail!("{} is not a provision plan file", path.display());
        }
        let version = v.get("format_version").and_then(serde_json::Value::as_u64).unwrap_or(0);
        if version > u64::from(VERSION) {
            bail!(
                "{} was saved by a newer provision (plan format {version}); upgrade provision to apply it",
                path.display()
            );
        }
        serde_json::from_value(v).with_context(|| format!("{} is a damaged plan file", path.display()))
    }

    pub fn mode(&self) -> PlanMode {
        match self.mode.as_str() {
            "destroy" => PlanMode::Destroy,
            "refresh-only" => PlanMode::RefreshOnly,
            _ => PlanMode::Normal,
        }
    }

    /// The request that makes the same plan again: the recorded mode, layer, targets and
    /// replacements, against the recorded refreshed objects and data source results.
    pub fn request(&self) -> Result<provision_engine::PlanRequest> {
        let mut r = provision_engine::PlanRequest::of(self.mode())
            .with_layer(self.layer())
            .with_targets(self.targets()?)
            .with_replace(self.replace()?);
        r.refresh = false;
        r.saved = Some(provision_engine::SavedInputs {
            data: self.data(),
            refreshed: Some(self.refreshed.clone()),
            plan_time: self.plan_time(),
        });
        Ok(r)
    }

    pub fn targets(&self) -> Result<Vec<Address>> {
        crate::commands::addresses("target", &self.targets)
    }

    pub fn replace(&self) -> Result<Vec<Address>> {
        crate::commands::addresses("replace", &self.replace)
    }

    pub fn layer(&self) -> Option<Layer> {
        self.layer
    }

    pub fn plan_time(&self) -> Option<std::time::SystemTime> {
        self.plan_time.as_deref().and_then(|t| humantime::parse_rfc3339(t).ok())
    }

    pub fn data(&self) -> BTreeMap<Address, Attrs> {
        self.data
            .iter()
            .filter_map(|(k, v)| {
                let a: Address = k.parse().ok()?;
                Some((a, v.iter().map(|(n, j)| (n.clone(), Value::from_json(j))).collect()))
            })
            .collect()
    }

    /// What changed in the `.tf` files, if anything.
    pub fn config_changes(&self, module: &Module) -> Option<String> {
        let now = digests(module);
        let names: BTreeSet<&String> = now.keys().chain(self.config.keys()).collect();
        let mut what = vec![];
        for n in names {
            match (self.config.get(n), now.get(n)) {
                (Some(a), Some(b)) if a != b => what.push(format!("{n} changed")),
                (Some(_), None) => what.push(format!("{n} was removed")),
                (None, Some(_)) => what.push(format!("{n} was added")),
                _ => {}
            }
        }
        (!what.is_empty()).then(|| what.join(", "))
    }

    /// What changed in the state, if anything.
    pub fn state_changes(&self, state: &State, exists: bool) -> Option<String> {
        match (&self.state.lineage, exists) {
            (None, false) => None,
            (None, true) => Some("a state was created since the plan was made (another apply ran)".into()),
            (Some(_), false) => Some("the state the plan was made against no longer exists".into()),
            (Some(l), true) if *l != state.lineage => {
                Some(format!("the state now belongs to another stack (lineage {} instead of {l})", state.lineage))
            }
            (Some(_), true) if self.state.serial != state.serial => Some(format!(
                "the state was written since the plan was made (serial {} then, {} now)",
                self.state.serial, state.serial
            )),
            _ => None,
        }
    }

    /// How a plan made now differs from the saved one, if it does.
    pub fn differs_from(&self, plan: &Plan) -> Option<String> {
        let now = changes(plan);
        if now == self.changes {
            return None;
        }
        let fmt = |c: &SavedChange| format!("{} {}", c.actions.join("/"), c.address);
        let then: BTreeSet<String> = self.changes.iter().map(fmt).collect();
        let now: BTreeSet<String> = now.iter().map(fmt).collect();
        let mut what: Vec<String> = then.difference(&now).map(|c| format!("no longer: {c}")).collect();
        what.extend(now.difference(&then).map(|c| format!("now also: {c}")));
        Some(what.join("; "))
    }
}
