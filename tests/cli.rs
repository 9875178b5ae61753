//! The command line without AWS: what must work with no credentials and no emulator (validate,
//! plan of an empty state), how bad input is reported (file:line:col, before any AWS call), and
//! how the state file and its lock protect themselves.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs provision in `dir` with no AWS configuration at all.
fn provision(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_provision"));
    cmd.current_dir(dir).args(args).env("NO_COLOR", "1").env("AWS_EC2_METADATA_DISABLED", "true");
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_") && k != "AWS_EC2_METADATA_DISABLED" || k.starts_with("TF_VAR_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("AWS_CONFIG_FILE", "/dev/null").env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
    cmd.output().expect("provision runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

/// A copy of an example in a fresh directory.
fn example(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for e in std::fs::read_dir(root().join("examples").join(name)).expect("example").flatten() {
        if e.path().extension().is_some_and(|x| x == "tf") {
            std::fs::copy(e.path(), dir.path().join(e.file_name())).expect("copy");
        }
    }
    dir
}

#[test]
fn validate_accepts_the_example() {
    let dir = example("basic");
    let out = provision(dir.path(), &["validate"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "Success! The configuration is valid.\n");
}

/// Every directory under tests/valid is a valid configuration (checked with `terraform validate`)
/// in which much is known only from AWS or from values not given: validate must accept it.
#[test]
fn validate_accepts_what_only_aws_or_a_value_can_tell() {
    let valid = root().join("tests/valid");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&valid).expect("valid").flatten().map(|e| e.path()).collect();
    cases.sort();
    assert!(!cases.is_empty());
    for case in cases {
        let out = provision(&case, &["validate"]);
        assert!(out.status.success(), "{}: {}", case.display(), text(&out.stderr));
        assert_eq!(text(&out.stderr), "", "{}", case.display());
    }
}

#[test]
fn plan_of_an_empty_state_needs_no_credentials_and_writes_nothing() {
    let dir = example("basic");
    let out = provision(dir.path(), &["plan", "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    insta::assert_snapshot!(text(&out.stdout));
    let files: Vec<String> = std::fs::read_dir(dir.path())
        .expect("ls")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    assert!(!files.iter().any(|f| f.contains("tfstate")), "plan wrote {files:?}");
}

#[test]
fn plan_json_is_machine_readable() {
    let dir = example("basic");
    let out = provision(dir.path(), &["plan", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(j["summary"], serde_json::json!({"add": 4, "change": 0, "destroy": 0}));
    assert_eq!(j["resource_changes"][0]["change"]["actions"], serde_json::json!(["create"]));
}

/// Every directory under tests/fixtures is a bad configuration: its `args` file says which command
/// to run; the exit status and stderr are snapshots.
#[test]
fn bad_configurations_are_reported_precisely() {
    let fixtures = root().join("tests/fixtures");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&fixtures).expect("fixtures").flatten().map(|e| e.path()).collect();
    cases.sort();
    assert!(cases.len() >= 8);
    for case in cases {
        let name = case.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        let args = std::fs::read_to_string(case.join("args")).expect("args");
        let args: Vec<&str> = args.split_whitespace().collect();
        let out = provision(&case, &args);
        let report = format!("$ provision {}\nexit: {:?}\n{}", args.join(" "), out.status.code(), text(&out.stderr));
        insta::with_settings!({ snapshot_suffix => name.clone(), omit_expression => true }, {
            insta::assert_snapshot!("bad", report);
        });
        assert_eq!(out.status.code(), Some(1), "{name} must fail");
        assert!(!case.join("provision.tfstate").exists(), "{name} wrote state");
    }
}

fn write_state(dir: &Path, text: &str) -> PathBuf {
    let p = dir.join("provision.tfstate");
    std::fs::write(&p, text).expect("write state");
    p
}

#[test]
fn unreadable_state_is_refused_and_left_untouched() {
    let cases = [
        (
            "{\"format\": \"provision-state\", \"format_version\": 1, \"serial\": 3,",
            "is corrupt: invalid JSON at line 1",
        ),
        (
            "{\"version\": 4, \"terraform_version\": \"1.9.5\", \"serial\": 1, \"lineage\": \"x\", \"resources\": []}",
            "it is a Terraform state",
        ),
        (
            "{\"format\": \"provision-state\", \"format_version\": 7, \"serial\": 1, \"lineage\": \"x\", \"provision_version\": \"9.0\"}",
            "written by a newer provision (state format 7",
        ),
    ];
    for (content, want) in cases {
        let dir = example("basic");
        let path = write_state(dir.path(), content);
        let out = provision(dir.path(), &["plan"]);
        assert_eq!(out.status.code(), Some(1));
        let err = text(&out.stderr);
        assert!(err.contains(want), "{err}");
        assert!(err.contains("left untouched"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), content);
        let out = provision(dir.path(), &["apply", "--auto-approve"]);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(std::fs::read_to_string(&path).expect("read"), content, "apply must not overwrite it either");
    }
}

fn lock_file(dir: &Path, pid: u32, id: &str) {
    let info = serde_json::json!({
        "ID": id, "Operation": "apply", "Who": "ci@builder", "Host": hostname(), "Pid": pid,
        "Version": "0.1.0", "Created": "2026-11-22T08:00:00Z", "Path": "provision.tfstate"
    });
    std::fs::write(dir.join("provision.tfstate.lock"), info.to_string()).expect("lock");
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname").map(|s| s.trim().to_string()).unwrap_or_default()
}

#[test]
fn a_held_lock_names_its_holder_and_can_be_waited_for() {
    let dir = example("basic");
    // This test process is alive, so the lock is held.
    lock_file(dir.path(), std::process::id(), "f0f0f0f0-lock");
    let out = provision(dir.path(), &["plan"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("the state is locked by ci@builder"), "{err}");
    assert!(err.contains("lock ID f0f0f0f0-lock"), "{err}");
    assert!(err.contains("--lock-timeout"), "{err}");
    let lock = dir.path().join("provision.tfstate.lock");
    let remover = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1500));
        std::fs::remove_file(lock).expect("release");
    });
    let out = provision(dir.path(), &["plan", "--lock-timeout", "30s"]);
    remover.join().expect("join");
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn a_lock_left_by_a_killed_run_says_how_to_clear_it() {
    let dir = example("basic");
    let mut child = Command::new("true").spawn().expect("spawn");
    let dead = child.id();
    child.wait().expect("wait");
    lock_file(dir.path(), dead, "dead-beef");
    let out = provision(dir.path(), &["plan", "--lock-timeout", "1m"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("no longer running"), "{err}");
    assert!(err.contains("provision state force-unlock dead-beef"), "{err}");
    let out = provision(dir.path(), &["state", "force-unlock", "wrong-id", "--force"]);
    assert_eq!(out.status.code(), Some(1));
    let out = provision(dir.path(), &["state", "force-unlock", "dead-beef", "--force"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = provision(dir.path(), &["plan"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn an_interrupted_command_releases_its_lock() {
    let dir = example("basic");
    let mut child = Command::new(env!("CARGO_BIN_EXE_provision"))
        .current_dir(dir.path())
        .args(["apply"])
        .env("NO_COLOR", "1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // It plans (no AWS call for an empty state) and waits for "yes", holding the lock.
    let lock = dir.path().join("provision.tfstate.lock");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !lock.exists() {
        assert!(std::time::Instant::now() < deadline, "the lock was never taken");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(500));
    let kill = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill");
    assert!(kill.success());
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(130));
    assert!(!lock.exists(), "an interrupted command must not leave its lock behind");
}

#[test]
fn directory_and_variable_files_work_from_anywhere() {
    let dir = example("basic");
    std::fs::write(dir.path().join("small.tfvars"), "subnet_count = 1\nname = \"tiny\"\n").expect("tfvars");
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_string_lossy().to_string();
    let out = provision(elsewhere.path(), &["-C", &d, "plan", "-var-file=small.tfvars", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(j["summary"]["add"], 3, "one subnet instead of two");
    // Later sources win: -var after -var-file.
    let out = provision(
        elsewhere.path(),
        &["-C", &d, "plan", "--var-file", "small.tfvars", "-var", "subnet_count=2", "--json"],
    );
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(j["summary"]["add"], 4);
    let out = provision(elsewhere.path(), &["-C", &d, "plan", "--var-file", "missing.tfvars"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("Variable file not found"), "{}", text(&out.stderr));
}

#[test]
fn tfvars_files_load_in_terraform_order() {
    let dir = example("basic");
    let plan_add = |dir: &Path| -> serde_json::Value {
        let out = provision(dir, &["plan", "--json"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        j["summary"]["add"].clone()
    };
    std::fs::write(dir.path().join("terraform.tfvars"), "subnet_count = 1\n").expect("write");
    assert_eq!(plan_add(dir.path()), 3);
    // *.auto.tfvars come after terraform.tfvars, alphabetically.
    std::fs::write(dir.path().join("a.auto.tfvars"), "subnet_count = 2\n").expect("write");
    assert_eq!(plan_add(dir.path()), 4);
    std::fs::write(dir.path().join("b.auto.tfvars.json"), "{\"subnet_count\": 1}").expect("write");
    assert_eq!(plan_add(dir.path()), 3);
    // -var beats them all.
    let out = provision(dir.path(), &["plan", "--json", "-var", "subnet_count=2"]);
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(j["summary"]["add"], 4);
}

#[test]
fn environment_variables_set_variables() {
    let dir = example("basic");
    let out = Command::new(env!("CARGO_BIN_EXE_provision"))
        .current_dir(dir.path())
        .args(["plan", "--json"])
        .env("TF_VAR_subnet_count", "1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .expect("runs");
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(j["summary"]["add"], 3);
}

#[test]
fn output_without_state_is_empty_and_named_output_is_an_error() {
    let dir = example("basic");
    let out = provision(dir.path(), &["output"]);
    assert!(out.status.success());
    assert!(text(&out.stderr).contains("no outputs"));
    let out = provision(dir.path(), &["output", "vpc_id"]);
    assert_eq!(out.status.code(), Some(1));
}
