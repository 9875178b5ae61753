//! The harness every end-to-end test file shares: a stack directory (an example's copy or a
//! configuration written by the test) with a moto emulator of its own, and `provision` run in it.
//! Each `tests/moto*.rs` file includes it with `mod support;`.

#![allow(dead_code)] // each test file uses a different part of it

pub mod leftovers;

use provision_testkit::moto::{Moto, REGION};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

/// Copies the configuration of `from` (its `.tf` and `.tf.json` files, and its module directories with theirs)
/// into `to`.
pub fn copy_config(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).expect("example").flatten() {
        let path = e.path();
        if path.is_dir() && !e.file_name().to_string_lossy().starts_with('.') {
            std::fs::create_dir_all(to.join(e.file_name())).expect("mkdir");
            copy_config(&path, &to.join(e.file_name()));
        } else if path.extension().is_some_and(|x| x == "tf" || x == "tfvars")
            || e.file_name().to_string_lossy().ends_with(".tf.json")
        {
            std::fs::copy(&path, to.join(e.file_name())).expect("copy");
        }
    }
}

async fn sdk_at(endpoint: &str) -> aws_config::SdkConfig {
    sdk_in(endpoint, REGION).await
}

/// SDK settings for `region`, through `endpoint` (the emulator, or a proxy in front of it).
pub async fn sdk_in(endpoint: &str, region: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new(region.to_string()))
        .credentials_provider(aws_sdk_ec2::config::Credentials::new("testing", "testing", None, None, "test"))
        .load()
        .await
}

pub struct Stack {
    pub moto: Moto,
    pub dir: tempfile::TempDir,
    /// Where provision sends its requests: the emulator, or a fault-injection proxy in front of it.
    pub endpoint: Option<String>,
}

impl Stack {
    /// An empty directory with `config` as main.tf, and an emulator of its own.
    pub fn with_config(config: &str) -> Stack {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("main.tf"), config).expect("config");
        Stack { moto: Moto::start(), dir, endpoint: None }
    }

    /// A copy of `examples/<name>` and an emulator of its own.
    pub fn new(name: &str) -> Stack {
        let dir = tempfile::tempdir().expect("tempdir");
        copy_config(&root().join("examples").join(name), dir.path());
        Stack { moto: Moto::start(), dir, endpoint: None }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("provision runs")
    }

    /// A `provision` command for this stack, not started.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_provision"));
        cmd.current_dir(self.path()).args(args).env("NO_COLOR", "1").env("PROVISION_RECOVERY_SETTLE", "0s");
        for (k, v) in self.moto.env() {
            cmd.env(k, v);
        }
        if let Some(e) = &self.endpoint {
            cmd.env("AWS_ENDPOINT_URL", e);
        }
        cmd
    }

    /// SDK settings that reach this stack's emulator directly.
    pub async fn sdk(&self) -> aws_config::SdkConfig {
        sdk_at(&self.moto.endpoint()).await
    }

    /// Runs and expects success.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "provision {} failed:\n{}\n{}",
            args.join(" "),
            text(&out.stdout),
            text(&out.stderr)
        );
        text(&out.stdout)
    }

    pub fn state(&self) -> serde_json::Value {
        self.state_of("default")
    }

    /// The state file of environment `env` (`--env NAME`; `default` without it).
    pub fn state_file(&self, env: &str) -> PathBuf {
        match env {
            "default" => self.path().join("provision.tfstate"),
            env => self.path().join("provision.tfstate.d").join(env).join("provision.tfstate"),
        }
    }

    /// The state of environment `env`.
    pub fn state_of(&self, env: &str) -> serde_json::Value {
        let t = std::fs::read_to_string(self.state_file(env)).expect("state file");
        serde_json::from_str(&t).expect("state JSON")
    }

    pub fn lineage(&self) -> String {
        self.state()["lineage"].as_str().expect("lineage").to_string()
    }
}

impl Stack {
    /// Like [`Stack::with_config`], with extra environment for the emulator (for example
    /// `MOTO_ACM_VALIDATION_WAIT`).
    pub fn with_config_and_moto_env(config: &str, env: &[(&str, &str)]) -> Stack {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("main.tf"), config).expect("config");
        Stack { moto: Moto::start_with_env(env), dir, endpoint: None }
    }

    /// A copy of `examples/<name>` with an emulator started with extra environment (for example
    /// `MOTO_IAM_LOAD_MANAGED_POLICIES`, so AWS managed policies exist to be attached).
    pub fn example_with_moto_env(name: &str, env: &[(&str, &str)]) -> Stack {
        let mut s = Stack::new(name);
        s.moto = Moto::start_with_env(env);
        s
    }

    /// Every object in state whose read does not match its type's schema, for the types named
    /// (each must have at least one object in state, or the check fails naming it).
    pub fn assert_reads_match_schemas(&self, types: &[&str]) {
        let schemas: std::collections::BTreeMap<&str, provision_core::Schema> =
            provision_aws::schemas().into_iter().collect();
        let text = std::fs::read_to_string(self.path().join("provision.tfstate")).expect("state file");
        let state: provision_core::state::State = serde_json::from_str(&text).expect("state");
        let mut seen = std::collections::BTreeSet::new();
        let mut wrong = vec![];
        for o in &state.resources {
            let t = o.address.type_name.as_str();
            if !types.contains(&t) {
                continue;
            }
            let Some(schema) = schemas.get(t) else {
                wrong.push(format!("{}: no schema for its type", o.address));
                continue;
            };
            seen.insert(t.to_string());
            wrong.extend(provision_aws::conformance::mismatches(&o.address.to_string(), schema, &o.attributes));
        }
        let unread: Vec<&&str> = types.iter().filter(|t| !seen.contains(**t)).collect();
        assert!(unread.is_empty(), "no object of {unread:?} was read: add one to this test");
        assert!(wrong.is_empty(), "reads that do not match their schema:\n{}", wrong.join("\n"));
    }
}

/// What [`Stack::nightly_teardown`] hands to [`Stack::morning_apply`]: each object's id before the
/// night, and the runtime layer's addresses.
pub struct Night {
    pub before: BTreeMap<String, String>,
    pub runtime: Vec<String>,
}

/// The whole-stack checks every example's test makes: ids by address, layers, the nightly cycle,
/// nothing left behind.
impl Stack {
    /// Each object's id in state, by address.
    pub fn ids(&self) -> BTreeMap<String, String> {
        self.ids_of("default")
    }

    /// Each object's id in environment `env`'s state, by address.
    pub fn ids_of(&self, env: &str) -> BTreeMap<String, String> {
        self.state_of(env)["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .map(|r| {
                let field = |k: &str| r[k].as_str().unwrap_or_default().to_string();
                (field("address"), field("id"))
            })
            .collect()
    }

    /// The addresses in state of `layer`'s objects, in state order.
    pub fn layer(&self, layer: &str) -> Vec<String> {
        self.layer_of("default", layer)
    }

    /// The addresses in environment `env`'s state of `layer`'s objects, in state order.
    pub fn layer_of(&self, env: &str, layer: &str) -> Vec<String> {
        self.state_of(env)["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .filter(|r| r["layer"] == layer)
            .filter_map(|r| r["address"].as_str().map(str::to_string))
            .collect()
    }

    /// The nightly teardown and the morning apply, with `args` (variables, `--env`) on every
    /// command: `destroy --layer runtime` removes exactly the runtime layer, the apply brings back
    /// exactly that many objects, every other object keeps its id, and the next plan is clean.
    /// Returns the runtime layer's addresses. With `--env NAME` in `args`, that environment's
    /// state is the one checked (so in both halves below).
    pub fn nightly_cycle(&self, args: &[&str]) -> Vec<String> {
        let night = self.nightly_teardown(args);
        self.morning_apply(args, night)
    }

    /// The first half of [`Stack::nightly_cycle`], for a test that looks at the emulator overnight:
    /// `destroy --layer runtime` removes exactly the runtime layer from the state.
    pub fn nightly_teardown(&self, args: &[&str]) -> Night {
        let env = env_in(args);
        let before = self.ids_of(&env);
        let runtime = self.layer_of(&env, "runtime");
        assert!(!runtime.is_empty(), "the stack has a runtime layer");
        let out = self.ok(&[&["destroy", "--layer", "runtime", "--auto-approve"], args].concat());
        let n = runtime.len();
        assert!(out.contains(&format!("Destroy complete! Resources: {n} destroyed.")), "{out}");
        let left = self.ids_of(&env);
        assert!(runtime.iter().all(|a| !left.contains_key(a)), "the runtime layer left state: {left:#?}");
        assert_eq!(left.len(), before.len() - n, "only the runtime layer was destroyed");
        Night { before, runtime }
    }

    /// The second half of [`Stack::nightly_cycle`]: the apply brings back exactly what the night
    /// removed, every other object keeps its id, and the next plan is clean. Returns the runtime
    /// layer's addresses.
    pub fn morning_apply(&self, args: &[&str], night: Night) -> Vec<String> {
        let Night { before, runtime } = night;
        let n = runtime.len();
        let out = self.ok(&[&["apply", "--auto-approve"], args].concat());
        assert!(out.contains(&format!("Resources: {n} added, 0 changed, 0 destroyed.")), "{out}");
        let after = self.ids_of(&env_in(args));
        for (address, id) in before.iter().filter(|(a, _)| !runtime.contains(a)) {
            assert_eq!(after.get(address), Some(id), "{address} kept its id through the teardown");
        }
        assert_eq!(after.len(), before.len(), "the morning apply brought back what the night removed");
        let plan = self.ok(&[&["plan"], args].concat());
        assert!(plan.contains("No changes"), "clean after the morning apply: {plan}");
        runtime
    }

    /// SDK settings that reach what provision reaches: the fault-injection proxy (and the
    /// emulators behind it) when the stack has one, else the emulator.
    pub async fn sdk_as_provision(&self) -> aws_config::SdkConfig {
        sdk_at(&self.endpoint.clone().unwrap_or_else(|| self.moto.endpoint())).await
    }

    /// After a full destroy: every state of the directory (each `--env` has its own) is empty and
    /// no service holds an object beyond AWS's defaults (see [`leftovers::leftovers`]).
    pub async fn assert_nothing_left(&self) {
        self.assert_nothing_left_in(&[REGION]).await;
    }

    /// [`Stack::assert_nothing_left`] for a stack in other regions (its provider's `region`, and
    /// `us-east-1` for CloudFront's certificates).
    pub async fn assert_nothing_left_in(&self, regions: &[&str]) {
        // Every state of the directory: each `--env` has its own.
        let envs = std::fs::read_dir(self.path().join("provision.tfstate.d")).into_iter().flatten().flatten();
        let mut files: Vec<PathBuf> = envs.map(|e| e.path().join("provision.tfstate")).collect();
        files.push(self.state_file("default"));
        let files: Vec<PathBuf> = files.into_iter().filter(|f| f.is_file()).collect();
        assert!(!files.is_empty(), "no state file in {}", self.path().display());
        for file in files {
            let text = std::fs::read_to_string(&file).expect("state file");
            let state: serde_json::Value = serde_json::from_str(&text).expect("state JSON");
            let empty = state["resources"].as_array().is_none_or(Vec::is_empty);
            assert!(empty, "{} still lists objects", file.display());
        }
        let endpoint = self.endpoint.clone().unwrap_or_else(|| self.moto.endpoint());
        let mut left = vec![];
        for region in regions {
            let found = leftovers::leftovers(&sdk_in(&endpoint, region).await).await;
            left.extend(found.into_iter().map(|l| format!("{region}: {l}")));
        }
        assert!(left.is_empty(), "left behind:\n{}", left.join("\n"));
    }
}

/// The environment `args` select (`--env NAME`, `-env NAME`, `--env=NAME`), `default` without one.
fn env_in(args: &[&str]) -> String {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match *a {
            "--env" | "-env" => return it.next().map_or("default", |e| e).to_string(),
            a => {
                if let Some(env) = a.strip_prefix("--env=").or_else(|| a.strip_prefix("-env=")) {
                    return env.to_string();
                }
            }
        }
    }
    "default".to_string()
}
