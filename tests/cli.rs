//! The command line without AWS: what must work with no credentials and no emulator (validate,
//! plan of an empty state), how bad input is reported (file:line:col, before any AWS call), and
//! how the state file and its lock protect themselves.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;
use support::{copy_config, root, text};

/// Runs provision in `dir` with no AWS configuration at all.
fn provision(dir: &Path, args: &[&str]) -> Output {
    provision_with(dir, args, &[])
}

/// Runs provision in `dir` with no AWS configuration and these environment variables.
fn provision_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_provision"));
    cmd.current_dir(dir).args(args).env("NO_COLOR", "1").env("AWS_EC2_METADATA_DISABLED", "true");
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_") && k != "AWS_EC2_METADATA_DISABLED" || k.starts_with("TF_VAR_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("AWS_CONFIG_FILE", "/dev/null").env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
    cmd.env_remove("PROVISION_LOCK_LEASE").envs(env.iter().copied());
    cmd.output().expect("provision runs")
}

/// A copy of an example in a fresh directory.
fn example(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_config(&root().join("examples").join(name), dir.path());
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

/// A root written in Terraform's JSON syntax plans exactly what its HCL twin plans (both checked
/// with `terraform validate`): blocks, labels, repeated blocks, templates, references in strings.
#[test]
fn a_json_root_plans_what_its_hcl_twin_plans() {
    let plan = |syntax: &str| {
        let dir = tempfile::tempdir().expect("tempdir");
        copy_config(&root().join("tests/json-equivalent").join(syntax), dir.path());
        let out = provision(dir.path(), &["plan", "-no-color"]);
        assert!(out.status.success(), "{syntax}: {}", text(&out.stderr));
        text(&out.stdout)
    };
    let (hcl, json) = (plan("hcl"), plan("json"));
    assert!(hcl.contains("Plan: 4 to add"), "{hcl}");
    assert!(hcl.contains(r#""subnet \"b\"""#), "{hcl}");
    assert_eq!(hcl, json);
}

/// A real `local-exec` provisioner: run after the create with `self` and its environment,
/// shown as Terraform shows it; the destroy-time one before the delete.
#[test]
fn local_exec_provisioners_run_after_the_create_and_before_the_delete() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("main.tf"),
        r#"resource "random_pet" "name" {
  length = 2

  provisioner "local-exec" {
    command     = "echo \"$GREETING ${self.id}\" > created.txt"
    environment = { GREETING = "hello" }
  }
  provisioner "local-exec" {
    when    = destroy
    command = "echo \"bye ${self.id}\" > destroyed.txt"
  }
}
"#,
    )
    .expect("write");
    let out = provision(dir.path(), &["apply", "-auto-approve"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("random_pet.name (local-exec): Executing: [\"/bin/sh\", \"-c\", "), "{stdout}");
    let created = std::fs::read_to_string(dir.path().join("created.txt")).expect("the provisioner wrote its file");
    let pet = created.trim().strip_prefix("hello ").expect("greeting from the environment").to_string();
    assert!(pet.contains('-'), "{created}");
    assert!(!dir.path().join("destroyed.txt").exists());

    let out = provision(dir.path(), &["destroy", "-auto-approve"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let destroyed = std::fs::read_to_string(dir.path().join("destroyed.txt")).expect("destroy-time provisioner ran");
    assert_eq!(destroyed.trim(), format!("bye {pet}"));
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

/// The examples `provision graph` draws in the snapshots: adding one is adding its directory name
/// under examples/ here.
/// Each example drawn by `graph_draws_every_example_in_both_formats`, with the arguments its
/// variables need.
const GRAPH_EXAMPLES: &[(&str, &[&str])] = &[
    ("basic", &[]),
    ("containers", &[]),
    ("database", &[]),
    ("frontend", &[]),
    ("modules", &[]),
    ("network", &[]),
    ("web", &[]),
    ("seed-000-ds-devops", &["-var", "db_password=not-a-real-password"]),
    ("seed-001-fastapi", &["-var-file=environments/prod/terraform.tfvars"]),
    ("seed-002-plue", &["--env", "production"]),
    ("seed-003-durable-code", &["-var-file=environments/dev.tfvars"]),
    ("seed-004-db-migration", &[]),
];

/// Each example drawn in both formats, from the configuration alone: no AWS, no state, no lock.
#[test]
fn graph_draws_every_example_in_both_formats() {
    for (name, args) in GRAPH_EXAMPLES {
        let dir = example(name);
        for format in ["mermaid", "dot"] {
            let out = provision(dir.path(), &[&["graph", "-format", format], *args].concat());
            assert!(out.status.success(), "{name} {format}: {}", text(&out.stderr));
            assert_eq!(text(&out.stderr), "", "{name} {format}");
            insta::with_settings!({ snapshot_suffix => format!("{name}.{format}"), omit_expression => true }, {
                insta::assert_snapshot!("graph", text(&out.stdout));
            });
        }
        let files: Vec<String> = std::fs::read_dir(dir.path())
            .expect("ls")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into())
            .collect();
        assert!(!files.iter().any(|f| f.contains("tfstate")), "graph wrote {files:?}");
    }
}

/// `--all` draws the plumbing and the data sources; `--plan` colours by planned action (an empty
/// state plans without credentials: everything is created).
#[test]
fn graph_all_and_plan() {
    let dir = example("network");
    for format in ["mermaid", "dot"] {
        let out = provision(dir.path(), &["graph", "--all", "--format", format]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let all = text(&out.stdout);
        assert!(
            all.contains("aws_route_table_association.public ×2") && all.contains("data.aws_region.current"),
            "{all}"
        );
        insta::with_settings!({ snapshot_suffix => format!("network.{format}"), omit_expression => true }, {
            insta::assert_snapshot!("graph_all", all);
        });
    }
    let dir = example("basic");
    for format in ["mermaid", "dot"] {
        let out = provision(dir.path(), &["graph", "-plan", "-format", format]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        insta::with_settings!({ snapshot_suffix => format!("basic.{format}"), omit_expression => true }, {
            insta::assert_snapshot!("graph_plan", text(&out.stdout));
        });
    }
    // Against a recorded state (no refresh, so no AWS): the VPC's tag changes, the rest is new.
    let dir = secret_stack();
    let var = format!("secret={NEW_SECRET}");
    let out = provision(dir.path(), &["graph", "-plan", "-refresh=false", "-var", &var]);
    assert_no_secret("graph -plan", &out);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    assert!(t.contains("~ aws_vpc.main") && t.contains("class aws_vpc_main update"), "{t}");
    let dir = example("basic");
    let out = provision(dir.path(), &["graph", "--layer", "runtime"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("--plan"), "{}", text(&out.stderr));
}

#[test]
fn plan_json_is_machine_readable() {
    let dir = example("basic");
    let out = provision(dir.path(), &["plan", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(j["summary"], serde_json::json!({"import": 0, "add": 4, "change": 0, "destroy": 0}));
    assert_eq!(j["resource_changes"][0]["change"]["actions"], serde_json::json!(["create"]));
}

/// Every directory under tests/fixtures but `terraform-state` (a Terraform state and the
/// configuration it was applied from, for tests/moto_migrate.rs) is a bad configuration: its
/// `args` file says which command to run; the exit status and stderr are snapshots.
#[test]
fn bad_configurations_are_reported_precisely() {
    let fixtures = root().join("tests/fixtures");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .expect("fixtures")
        .flatten()
        .map(|e| e.path())
        .filter(|p| !p.ends_with("terraform-state"))
        .collect();
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
        (
            "{\"format\": \"provision-state\", \"format_version\": 1, \"serial\": 3, \"lineage\": \"x\", \"provision_version\": \"0.1.0\", \"resources\": [{\"address\": \"aws_vpc.main\", \"id\": \"vpc-1\", \"attributes\": {}}, {\"address\": \"aws_vpc.main\", \"id\": \"vpc-2\", \"attributes\": {}}]}",
            "aws_vpc.main is listed twice",
        ),
        (
            "{\"format\": \"provision-state\", \"format_version\": 1, \"serial\": 18446744073709551615, \"lineage\": \"x\", \"provision_version\": \"0.1.0\"}",
            "\"serial\" is 18446744073709551615",
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

/// A state at serial 1 with one VPC, and the journal a run killed after two more writes leaves
/// beside it (a subnet added, then the VPC's tags changed).
fn state_with_journal(dir: &Path) -> (PathBuf, PathBuf) {
    use provision_core::state::{ResourceObject, State};
    let object = |address: &str, id: &str, name: &str| -> ResourceObject {
        serde_json::from_value(serde_json::json!({
            "address": address, "id": id, "provider": "aws",
            "attributes": {"id": id, "tags": {"Name": name}}
        }))
        .expect("object")
    };
    let mut s1 = State::new("journal-lineage", "0.1.0");
    s1.serial = 1;
    s1.upsert(object("aws_vpc.main", "vpc-1", "main"));
    let mut s2 = s1.clone();
    s2.serial = 2;
    s2.upsert(object("aws_subnet.a", "subnet-1", "a"));
    let mut s3 = s2.clone();
    s3.serial = 3;
    s3.upsert(object("aws_vpc.main", "vpc-1", "renamed"));
    let state = write_state(dir, &serde_json::to_string_pretty(&s1).expect("json"));
    let journal = dir.join("provision.tfstate.journal");
    let lines: String = [(&s1, &s2), (&s2, &s3)]
        .iter()
        .map(|(a, b)| {
            provision_state::journal::encode(&provision_state::journal::delta(a, b).expect("delta")).expect("line")
        })
        .collect();
    std::fs::write(&journal, lines).expect("journal");
    (state, journal)
}

#[test]
fn a_journal_left_by_a_killed_run_is_replayed_by_readers_and_compacted_by_the_next_command() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("main.tf"), "").expect("config");
    let (state, journal) = state_with_journal(dir.path());
    let before = std::fs::read_to_string(&journal).expect("journal");
    let out = provision(dir.path(), &["state", "pull"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let pulled: serde_json::Value = serde_json::from_str(&text(&out.stdout)).expect("state pull prints a state");
    assert_eq!(pulled["serial"], 3);
    assert_eq!(pulled["resources"].as_array().map(Vec::len), Some(2), "{pulled}");
    assert_eq!(pulled["resources"][1]["attributes"]["tags"]["Name"], "renamed", "{pulled}");
    let out = provision(dir.path(), &["state", "list"]);
    assert_eq!(text(&out.stdout), "aws_subnet.a\naws_vpc.main\n");
    assert_eq!(std::fs::read_to_string(&journal).expect("journal"), before, "readers leave the journal alone");
    // The next command that takes the lock compacts it, even with nothing else to write.
    let out = provision(dir.path(), &["plan", "-refresh=false"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!journal.exists(), "the journal was compacted");
    let compacted: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state).expect("state")).expect("json");
    assert_eq!(compacted, pulled, "the state file now holds what the journal recorded");
}

#[test]
fn a_corrupt_journal_record_is_refused_with_its_line_and_left_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("main.tf"), "").expect("config");
    let (state, journal) = state_with_journal(dir.path());
    let damaged = std::fs::read_to_string(&journal).expect("journal").replacen("subnet-1", "subnet-9", 1);
    std::fs::write(&journal, &damaged).expect("damage");
    let state_before = std::fs::read_to_string(&state).expect("state");
    for args in [&["state", "pull"][..], &["plan", "-refresh=false"], &["state", "rm", "aws_vpc.main"]] {
        let out = provision(dir.path(), args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.contains("the state journal provision.tfstate.journal is corrupt at line 1"), "{args:?}: {err}");
        assert!(err.contains("checksum"), "{err}");
        assert_eq!(std::fs::read_to_string(&journal).expect("journal"), damaged, "{args:?}");
        assert_eq!(std::fs::read_to_string(&state).expect("state"), state_before, "{args:?}");
    }
}

#[test]
fn state_push_writes_a_compacted_state_and_no_journal() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("main.tf"), "").expect("config");
    let (state, journal) = state_with_journal(dir.path());
    let out = provision(dir.path(), &["state", "pull"]);
    let pushed = dir.path().join("pushed.json");
    std::fs::write(&pushed, out.stdout).expect("pulled");
    let out = provision(dir.path(), &["state", "push", "pushed.json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!journal.exists(), "no journal is left behind");
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state).expect("state")).expect("json");
    assert_eq!(written["serial"], 4);
    assert_eq!(written["resources"].as_array().map(Vec::len), Some(2));
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
fn a_lock_left_by_a_killed_run_is_taken_over_and_said_so() {
    let dir = example("basic");
    let mut child = Command::new("true").spawn().expect("spawn");
    let dead = child.id();
    child.wait().expect("wait");
    // A lock file as an older provision writes it (no process start time): the pid decides.
    lock_file(dir.path(), dead, "dead-beef");
    let out = provision(dir.path(), &["plan"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    let said: Vec<&str> = err.lines().filter(|l| l.contains("took over")).collect();
    assert_eq!(said.len(), 1, "one line says so: {err}");
    assert!(said[0].starts_with("warning: took over the state lock of"), "{err}");
    assert!(said[0].contains("ci@builder"), "{err}");
    assert!(said[0].contains("lock ID dead-beef"), "{err}");
    assert!(said[0].contains(&format!("pid {dead}")), "{err}");
    assert!(said[0].contains("no longer running"), "{err}");
    assert!(!dir.path().join("provision.tfstate.lock").exists(), "released at the end");
}

#[test]
fn a_lock_from_another_host_is_not_taken_over_and_can_be_forced() {
    let dir = example("basic");
    let info = serde_json::json!({
        "ID": "far-away", "Operation": "apply", "Who": "ci@elsewhere", "Host": "elsewhere.example", "Pid": 1,
        "Version": "0.1.0", "Created": "2026-11-22T08:00:00Z", "Path": "provision.tfstate"
    });
    std::fs::write(dir.path().join("provision.tfstate.lock"), info.to_string()).expect("lock");
    let out = provision(dir.path(), &["plan"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("the state is locked by ci@elsewhere"), "{err}");
    let out = provision(dir.path(), &["state", "force-unlock", "wrong-id", "--force"]);
    assert_eq!(out.status.code(), Some(1));
    let out = provision(dir.path(), &["state", "force-unlock", "far-away", "--force"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = provision(dir.path(), &["plan"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// A lock file nobody can read names no holder: the message says what is wrong and gives the
/// exact command that clears it, and that command works.
#[test]
fn a_corrupt_lock_file_is_explained_and_force_unlock_clears_it() {
    let dir = example("basic");
    let lock = dir.path().join("provision.tfstate.lock");
    std::fs::write(&lock, "{\"ID\": \"half-writ").expect("lock");
    let out = provision(dir.path(), &["plan"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("the lock file provision.tfstate.lock is corrupt"), "{err}");
    assert!(err.contains("invalid JSON"), "{err}");
    assert!(!err.contains(".backup"), "no backup of a lock file exists: {err}");
    let command = err
        .split("provision state force-unlock ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no force-unlock command in: {err}"));
    let out = provision(dir.path(), &["state", "force-unlock", "not-this-one", "--force"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(lock.exists(), "a wrong ID removes nothing");
    let out = provision(dir.path(), &["state", "force-unlock", command, "--force"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!lock.exists());
    let out = provision(dir.path(), &["plan"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn a_lock_lease_below_the_minimum_is_refused() {
    let dir = example("basic");
    for lease in ["0s", "0", "500ms", "2s"] {
        let out = provision(dir.path(), &["--lock-lease", lease, "validate"]);
        assert_eq!(out.status.code(), Some(1), "--lock-lease {lease} must be refused");
        let err = text(&out.stderr);
        assert!(err.contains(&format!("invalid value '{lease}' for '--lock-lease <DURATION>'")), "{err}");
        assert!(err.contains("at least 3s"), "{err}");
    }
    let out = provision_with(dir.path(), &["validate"], &[("PROVISION_LOCK_LEASE", "1s")]);
    assert_eq!(out.status.code(), Some(1), "PROVISION_LOCK_LEASE=1s must be refused");
    assert!(text(&out.stderr).contains("at least 3s"), "{}", text(&out.stderr));
    let out = provision(dir.path(), &["--lock-lease", "3s", "validate"]);
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

/// `output -raw` prints the value alone with no newline after it, as Terraform does (checked with
/// `terraform output -raw`: `abc`, three bytes); a structured value is refused.
#[test]
fn output_raw_prints_the_value_and_nothing_after_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = serde_json::json!({
        "format": "provision-state", "format_version": 1, "serial": 1, "lineage": "raw-lineage",
        "provision_version": "0.1.0", "pending": [], "resources": [],
        "outputs": {
            "pem": { "value": "-----BEGIN-----\nabc\n-----END-----\n", "sensitive": true },
            "port": { "value": 5432, "sensitive": false },
            "public": { "value": false, "sensitive": false },
            "zones": { "value": ["a", "b"], "sensitive": false }
        }
    });
    write_state(dir.path(), &state.to_string());
    let raw = |name: &str| provision(dir.path(), &["output", "-raw", name]);
    for (name, want) in [("pem", "-----BEGIN-----\nabc\n-----END-----\n"), ("port", "5432"), ("public", "false")] {
        let out = raw(name);
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), want, "{name}");
    }
    let out = raw("zones");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("\"zones\" is structured: use --json"), "{}", text(&out.stderr));
}

/// A state file written by the previous format (version 1, by the build before module paths and
/// provider configurations existed) is read as it is, upgraded at the first write, and kept as
/// `provision.tfstate.v1.backup` so going back stays possible.
#[test]
fn a_version_1_state_is_upgraded_and_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Kept as .json: git ignores *.tfstate files.
    let fixture = root().join("tests/state-fixtures/format-1.json");
    std::fs::copy(&fixture, dir.path().join("provision.tfstate")).expect("copy");
    let original = std::fs::read(&fixture).expect("fixture");
    let out = provision(dir.path(), &["state", "list"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().count(), 23, "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("aws_nat_gateway.main[0]"), "{}", text(&out.stdout));

    let out = provision(dir.path(), &["state", "mv", "aws_vpc.main", "aws_vpc.primary"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("provision.tfstate")).expect("state"))
            .expect("json");
    assert_eq!(state["format_version"], 2);
    let resources = state["resources"].as_array().expect("resources");
    assert_eq!(resources.len(), 23);
    assert!(resources.iter().all(|r| r["provider"] == "aws"), "every object records its provider");
    assert_eq!(
        std::fs::read(dir.path().join("provision.tfstate.v1.backup")).expect("the version-1 file is kept"),
        original
    );
}

const OLD_SECRET: &str = "0ld-S3cr3t";
const NEW_SECRET: &str = "N3w-S3cr3t";

/// A VPC tagged from a sensitive variable, a subnet carved from a sensitive CIDR, and a rule whose
/// port is sensitive; the state records the VPC as applied with the old secret (and, as apply
/// writes it, which of its paths are sensitive).
fn secret_stack() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = r#"
provider "aws" {
  region = "us-east-1"
}

variable "secret" {
  type      = string
  sensitive = true
}

variable "cidr" {
  type      = string
  sensitive = true
  default   = "10.0.0.0/16"
}

variable "port" {
  type      = string
  sensitive = true
  default   = "443"
}

resource "aws_vpc" "main" {
  cidr_block = var.cidr
  tags       = { Name = "main", Secret = var.secret }
}

resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet(var.cidr, 8, 1)
}

resource "aws_security_group_rule" "in" {
  type              = "ingress"
  security_group_id = "sg-0123456789abcdef0"
  protocol          = "tcp"
  from_port         = var.port
  to_port           = var.port
  cidr_blocks       = ["0.0.0.0/0"]
}
"#;
    std::fs::write(dir.path().join("main.tf"), cfg).expect("main.tf");
    let tags = serde_json::json!({ "Name": "main", "Secret": OLD_SECRET });
    let state = serde_json::json!({
        "format": "provision-state", "format_version": 1, "serial": 1, "lineage": "secret-lineage",
        "provision_version": "0.1.0", "outputs": {}, "pending": [],
        "resources": [{
            "address": "aws_vpc.main", "id": "vpc-0123456789abcdef0", "layer": "base",
            "attributes": {
                "id": "vpc-0123456789abcdef0", "arn": "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-0123456789abcdef0",
                "cidr_block": "10.0.0.0/16", "instance_tenancy": "default", "enable_dns_support": true,
                "enable_dns_hostnames": false, "default_security_group_id": "sg-0aaaaaaaaaaaaaaaa",
                "main_route_table_id": "rtb-0aaaaaaaaaaaaaaaa", "tags": tags, "tags_all": tags
            },
            "sensitive_attributes": [["tags", "Secret"], ["tags_all", "Secret"]],
            "dependencies": []
        }]
    });
    write_state(dir.path(), &state.to_string());
    dir
}

fn assert_no_secret(what: &str, out: &Output) {
    for s in [OLD_SECRET, NEW_SECRET, "10.1.2.3"] {
        for (stream, t) in [("stdout", text(&out.stdout)), ("stderr", text(&out.stderr))] {
            assert!(!t.contains(s), "{what}: {stream} shows the secret {s}:\n{t}");
        }
    }
}

/// A stand-in for EC2 on a free port: `DescribeVpcs` finds the VPC of [`secret_stack`], tagged
/// with the old secret as AWS would report it; every other call is refused (403).
fn fake_ec2() -> String {
    use std::io::{BufRead, Read, Write};
    fn answer(stream: std::net::TcpStream) -> std::io::Result<()> {
        let mut reader = std::io::BufReader::new(stream.try_clone()?);
        let mut len = 0;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 || line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; len];
        reader.read_exact(&mut body)?;
        let (status, xml) = if String::from_utf8_lossy(&body).contains("Action=DescribeVpcs&") {
            (
                "200 OK",
                format!(
                    "<DescribeVpcsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>r-1</requestId><vpcSet><item>\
                 <vpcId>vpc-0123456789abcdef0</vpcId><state>available</state><cidrBlock>10.0.0.0/16</cidrBlock>\
                 <instanceTenancy>default</instanceTenancy><isDefault>false</isDefault><ownerId>123456789012</ownerId>\
                 <tagSet><item><key>Name</key><value>main</value></item><item><key>Secret</key><value>{OLD_SECRET}</value></item></tagSet>\
                 </item></vpcSet></DescribeVpcsResponse>"
                ),
            )
        } else {
            ("403 Forbidden", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors><RequestID>r-1</RequestID></Response>".to_string())
        };
        let mut stream = stream;
        write!(
            stream,
            "HTTP/1.1 {status}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{xml}",
            xml.len()
        )
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = answer(stream);
        }
    });
    format!("http://{addr}")
}

/// Every channel of the binary, with a secret in the configuration, in the state and in errors.
#[test]
fn secrets_never_appear_in_any_output() {
    let dir = secret_stack();
    let var = format!("secret={NEW_SECRET}");
    let plan = ["plan", "-refresh=false", "-var", &var];

    let out = provision(dir.path(), &plan);
    assert_no_secret("plan", &out);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    assert!(t.contains(r#""Secret" = (sensitive value) -> (sensitive value)"#), "{t}");

    let out = provision(dir.path(), &[&plan[..], &["--json"]].concat());
    assert_no_secret("plan --json", &out);
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let vpc = j["resource_changes"].as_array().and_then(|a| a.iter().find(|c| c["address"] == "aws_vpc.main"));
    let vpc = vpc.expect("the VPC's change");
    assert_eq!(vpc["change"]["before_sensitive"]["tags"], serde_json::json!({ "Secret": true }));
    assert_eq!(vpc["change"]["after_sensitive"]["tags"], serde_json::json!({ "Secret": true }));

    let out = provision(dir.path(), &[&["-vv"], &plan[..]].concat());
    assert_no_secret("plan -vv", &out);
    assert!(out.status.success(), "{}", text(&out.stderr));

    let out = provision(dir.path(), &["state", "show", "aws_vpc.main"]);
    assert_no_secret("state show", &out);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("(sensitive value)"), "{}", text(&out.stdout));

    // Errors about sensitive values: a CIDR check, cidrsubnet(), a number conversion.
    for bad in [format!("cidr={NEW_SECRET}"), "cidr=10.1.2.3/16".to_string(), format!("port={NEW_SECRET}")] {
        let out = provision(dir.path(), &["plan", "-refresh=false", "-var", &var, "-var", &bad]);
        assert_eq!(out.status.code(), Some(1), "{bad}: {}", text(&out.stderr));
        assert_no_secret(&format!("plan -var {bad}"), &out);
        assert!(text(&out.stderr).contains("(sensitive value)"), "{bad}: {}", text(&out.stderr));
    }

    // AWS calls logged at the finest level: the secret is in the requests of an apply and in the
    // answers to a refresh.
    let endpoint = fake_ec2();
    let aws = [
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "example"),
        ("AWS_REGION", "us-east-1"),
        ("RUST_LOG", "trace"),
    ];
    let out = provision_with(dir.path(), &["apply", "-auto-approve", "-refresh=false", "-var", &var], &aws);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("UnauthorizedOperation"), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("TRACE"), "the logs are on");
    assert_no_secret("apply with trace logs", &out);
    let out = provision_with(dir.path(), &["plan", "-var", &var], &aws);
    assert!(text(&out.stderr).contains("DescribeVpcs"), "{}", text(&out.stderr));
    assert_no_secret("plan with trace logs", &out);
}

/// A plan file holds secrets: it is private (0600) even when it replaces a readable file.
#[test]
fn a_plan_file_is_private_even_over_an_existing_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = example("basic");
    let file = dir.path().join("tfplan");
    std::fs::write(&file, "an old plan").expect("write");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let out = provision(dir.path(), &["plan", "-out=tfplan"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mode = std::fs::metadata(&file).expect("plan file").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the plan file's mode is {mode:o}");
    assert!(std::fs::read_to_string(&file).expect("read").contains("provision-plan"));
}

/// Terraform's flags, written as Terraform users write them, in one run: they parse and mean
/// what they mean in Terraform.
#[test]
fn terraform_flags_work_with_one_dash() {
    let dir = example("basic");
    std::fs::write(dir.path().join("extra.tfvars"), "name = \"from-file\"\n").expect("tfvars");
    let out = provision(
        dir.path(),
        &[
            "plan",
            "-input=false",
            "-compact-warnings",
            "-parallelism=4",
            "-refresh=true",
            "-lock=false",
            "-no-color",
            "-var-file=extra.tfvars",
            "-var",
            "subnet_count=1",
            "-out=first.plan",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let plan = text(&out.stdout);
    assert!(plan.contains("\"from-file\"") && plan.contains("Plan: 3 to add"), "{plan}");
    assert!(dir.path().join("first.plan").exists());
    assert!(!dir.path().join(".provision.tfstate.lock").exists());

    // Unknown single-dash words still get clap's error.
    let out = provision(dir.path(), &["plan", "-bogus"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("unexpected argument '--bogus'"), "{}", text(&out.stderr));
    // A short flag stays a short flag.
    assert!(provision(dir.path(), &["-vv", "validate"]).status.success());
}

#[test]
fn input_true_is_refused_and_input_false_never_asks() {
    let dir = example("basic");
    let out = provision(dir.path(), &["plan", "-input=true"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("provision never prompts for variable values"), "{}", text(&out.stderr));
    // An apply that would ask for confirmation fails instead, before any AWS call.
    let out = provision(dir.path(), &["apply", "-input=false"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("-input=false forbids asking: add -auto-approve"), "{}", text(&out.stderr));
    assert!(!dir.path().join("provision.tfstate").exists());
    // A variable without a value is an error, never a prompt.
    std::fs::write(dir.path().join("more.tf"), "variable \"owner\" {\n  type = string\n}\n").expect("write");
    let out = provision(dir.path(), &["plan", "-input=false"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("owner"), "{}", text(&out.stderr));
}

#[test]
fn target_and_replace_addresses_are_checked_before_anything_runs() {
    let dir = example("basic");
    let out = provision(dir.path(), &["plan", "-target=aws_vpc.mian"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("Invalid target aws_vpc.mian") && err.contains("aws_vpc.main"), "{err}");
    let out = provision(dir.path(), &["plan", "-replace=aws_subnet.public[5]"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("Invalid replace address aws_subnet.public[5]"), "{err}");
    assert!(err.contains("aws_subnet.public[0], aws_subnet.public[1]"), "{err}");
    let out = provision(dir.path(), &["plan", "-target=not an address"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("-target=not an address: not a resource address"), "{}", text(&out.stderr));
    // -target on an empty state: the target and what it depends on.
    let out = provision(dir.path(), &["plan", "-target", "aws_internet_gateway.main"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Plan: 2 to add, 0 to change, 0 to destroy."), "{}", text(&out.stdout));
    let out = provision(dir.path(), &["plan", "-target=aws_vpc.main", "--layer=base"]);
    assert_eq!(out.status.code(), Some(1), "-target and --layer do not mix");
}

#[test]
fn init_says_nothing_needs_initialising() {
    let dir = example("basic");
    let out = provision(dir.path(), &["init", "-input=false"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    insta::assert_snapshot!(text(&out.stdout));
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("main.tf"), "resource \"aws_vpc\" \"x\" {\n  cidr_block = \n}\n").expect("write");
    let out = provision(dir.path(), &["init"]);
    assert_eq!(out.status.code(), Some(1), "a configuration that cannot be read fails init");
}

#[test]
fn show_without_state_and_of_a_saved_plan() {
    let dir = example("basic");
    assert_eq!(text(&provision(dir.path(), &["show"]).stdout), "No state.\n");
    let j: serde_json::Value = serde_json::from_slice(&provision(dir.path(), &["show", "-json"]).stdout).expect("JSON");
    assert_eq!(j, serde_json::json!({ "format_version": "1.0" }));
    let out = provision(dir.path(), &["plan", "-out=p.plan"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = provision(dir.path(), &["show", "-json", "p.plan"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(j["format_version"], "1.0");
    let created: Vec<&str> =
        j["resource_changes"].as_array().expect("changes").iter().filter_map(|c| c["address"].as_str()).collect();
    assert_eq!(
        created,
        vec!["aws_internet_gateway.main", "aws_subnet.public[0]", "aws_subnet.public[1]", "aws_vpc.main"]
    );
    assert_eq!(j["resource_changes"][0]["change"]["actions"], serde_json::json!(["create"]));
    let out = provision(dir.path(), &["show", "p.plan"]);
    assert!(text(&out.stdout).contains("Plan: 4 to add, 0 to change, 0 to destroy."), "{}", text(&out.stdout));
}

/// A `dynamic` block inside another's `content` (tests/valid/dynamic_nested, `terraform validate`:
/// Success) is expanded at both levels: the inner one iterates over its own `for_each` with its own
/// iterator name, and reads the outer one's iterator.
#[test]
fn nested_dynamic_blocks_expand_at_both_levels() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_config(&root().join("tests/valid/dynamic_nested"), dir.path());
    let out = provision(dir.path(), &["plan", "-out=p.plan"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = provision(dir.path(), &["show", "-json", "p.plan"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let after = |address: &str| {
        let changes = j["resource_changes"].as_array().expect("changes");
        let c = changes.iter().find(|c| c["address"] == address).unwrap_or_else(|| panic!("{address} planned"));
        c["change"]["after"].clone()
    };
    let listener = after("aws_lb_listener.http");
    let actions = listener["default_action"].as_array().expect("default_action");
    assert_eq!(actions.len(), 1, "{listener}");
    assert_eq!(actions[0]["type"], "forward");
    let mut weights: Vec<i64> = actions[0]["forward"][0]["target_group"]
        .as_array()
        .expect("target_group")
        .iter()
        .filter_map(|g| g["weight"].as_i64())
        .collect();
    weights.sort();
    assert_eq!(weights, vec![20, 80], "{listener}");
    let rule = after("aws_lb_listener_rule.canary");
    let headers: Vec<(String, serde_json::Value)> = rule["condition"]
        .as_array()
        .expect("condition")
        .iter()
        .map(|c| {
            let h = &c["http_header"][0];
            (h["http_header_name"].as_str().unwrap_or_default().to_string(), h["values"].clone())
        })
        .collect();
    assert_eq!(
        headers,
        vec![
            ("X-Canary".to_string(), serde_json::json!(["yes"])),
            ("X-Team".to_string(), serde_json::json!(["api", "web"])),
        ],
        "{rule}"
    );
}

/// Every directory of `examples/` and of the test configurations is formatted as `fmt` (and
/// `terraform fmt`) wants it: `fmt -check` changes nothing and succeeds.
#[test]
fn fmt_check_passes_on_every_example_and_fixture() {
    let mut dirs: Vec<PathBuf> = vec![];
    for parent in ["examples", "tests/fixtures", "tests/valid"] {
        dirs.extend(std::fs::read_dir(root().join(parent)).expect("dir").flatten().map(|e| e.path()));
    }
    // Not HCL at all, on purpose.
    dirs.retain(|d| !d.ends_with("malformed_hcl"));
    dirs.sort();
    assert!(dirs.len() > 10);
    for d in dirs {
        let out = provision(&d, &["fmt", "-check", "-recursive"]);
        assert_eq!(out.status.code(), Some(0), "{}: {}{}", d.display(), text(&out.stdout), text(&out.stderr));
    }
}

#[test]
fn fmt_puts_back_the_canonical_layout_and_keeps_comments() {
    let dir = example("network");
    let mut originals = vec![];
    for e in std::fs::read_dir(dir.path()).expect("ls").flatten() {
        let original = std::fs::read_to_string(e.path()).expect("read");
        // Every indent and every alignment gone.
        let messed: String = original
            .lines()
            .map(|l| {
                let l = l.trim_start();
                match l.split_once(" = ") {
                    Some((k, v)) if !l.starts_with('#') => format!("{}={v}\n", k.trim_end()),
                    _ => format!("{l}\n"),
                }
            })
            .collect();
        std::fs::write(e.path(), &messed).expect("write");
        originals.push((e.path(), original, messed));
    }
    let out = provision(dir.path(), &["fmt", "-check"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("main.tf"), "the files are listed: {}", text(&out.stdout));
    let out = provision(dir.path(), &["fmt", "-diff"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("+++ new/main.tf"), "{}", text(&out.stdout));
    for (path, original, messed) in &originals {
        assert_ne!(original, messed);
        assert_eq!(&std::fs::read_to_string(path).expect("read"), original, "{}", path.display());
    }
    let out = provision(dir.path(), &["fmt", "-check"]);
    assert_eq!(out.status.code(), Some(0), "idempotent: {}", text(&out.stdout));
}

/// Each command lists its own options first and the global ones under their own heading.
#[test]
fn help_puts_a_commands_own_options_first() {
    let out = provision(Path::new("."), &["plan", "--help"]);
    assert!(out.status.success());
    let help = text(&out.stdout);
    let own = help.find("--out").expect("own option");
    let global = help.find("Global options:").expect("global heading");
    assert!(own < global && help.find("--directory").expect("global option") > global, "{help}");
    insta::assert_snapshot!(help);
}

/// One seed example's estimate, computed by hand from the price table (crates/provision-cost/
/// prices.json, us-east-1; the table has no eu-west-3 or us-west-2 prices yet).
struct SeedCost {
    name: &'static str,
    args: &'static [&'static str],
    base: &'static str,
    runtime: &'static str,
    total: &'static str,
    /// How many resources have no price (0: the estimate is complete).
    incomplete: usize,
    /// What `--schedule "weekdays 08:00-20:00"` saves a month.
    saved: &'static str,
}

/// A month is 730 hours. The weekdays 08:00-20:00 schedule runs the runtime layer 60 hours a
/// week, 60 × 730/168 = 260.71 hours a month, so it is off 469.29 hours; the saving is the runtime
/// layer's hourly items (per hour) × 469.29.
const SEED_COSTS: &[SeedCost] = &[
    // eu-west-3: only the Route 53 zone (a global price) is priced: $0.50. The NAT gateway, its
    // EIP, the load balancer, the service, the database and the secret have no eu-west-3 price.
    SeedCost {
        name: "seed-000-ds-devops",
        args: &["-var", "db_password=not-a-real-password"],
        base: "$0.50",
        runtime: "$0.00",
        total: "$0.50",
        incomplete: 6,
        saved: "$0.00",
    },
    // us-east-1, prod: runtime = NAT 730 × 0.045 = 32.85 + EIP 730 × 0.005 = 3.65 + ALB
    // 730 × 0.0225 = 16.425 + 1 LCU 730 × 0.008 = 5.84 + an address in each of the 3 public
    // subnets 3 × 730 × 0.005 = 10.95 + the service at min_capacity 1: 1 vCPU × 730 × 0.04048 =
    // 29.5504 and 2 GB × 730 × 0.004445 = 6.4897 → 105.7551. Base: log group and repository,
    // usage-based: 0. Per hour: 0.045 + 0.005 + 0.0225 + 0.008 + 0.015 + 0.04048 + 0.00889 =
    // 0.14487 → × 469.29 = 67.99 saved.
    SeedCost {
        name: "seed-001-fastapi",
        args: &["-var-file=environments/prod/terraform.tfvars"],
        base: "$0.00",
        runtime: "$105.76",
        total: "$105.76",
        incomplete: 0,
        saved: "$67.99",
    },
    // us-east-1, production: base = 2 database alarms 2 × 0.10 + secret 0.40 + gp3 Multi-AZ
    // storage 20 × 0.23 = 4.60 → 5.20 (the db.t3.small instance has no price: incomplete).
    // Runtime = 4 service alarms 0.40 + 2 NAT 65.70 + 2 EIP 7.30 + ALB 16.425 + 5.84 + an address in
    // each of the 2 public subnets 7.30 + two
    // services of 2 tasks × 0.25 vCPU / 0.5 GB: 2 × (365 × 0.04048 + 730 × 0.004445) = 36.0401
    // → 139.0051. Per hour (alarms are monthly): 0.09 + 0.01 + 0.0405 + 2 × 0.024685 = 0.18987
    // → × 469.29 = 89.10 saved.
    SeedCost {
        name: "seed-002-plue",
        args: &["--env", "production"],
        base: "$5.20",
        runtime: "$139.01",
        total: "$144.21",
        incomplete: 1,
        saved: "$89.10",
    },
    // us-west-2: only the Route 53 zone is priced; NAT, EIP, ALB and both services are not.
    SeedCost {
        name: "seed-003-durable-code",
        args: &["-var-file=environments/dev.tfvars"],
        base: "$0.50",
        runtime: "$0.00",
        total: "$0.50",
        incomplete: 5,
        saved: "$0.00",
    },
    // us-east-1: base = secret 0.40 + alarm 0.10 (Aurora storage and I/O usage-based: 0; the two
    // db.t3.medium Aurora instances have no price). Runtime = alarm 0.10 + 2 NAT 65.70 + 2 EIP
    // 7.30 + ALB 16.425 + 5.84 + 2 addresses 7.30 + the service at min_capacity 2: 2 × (0.25 × 730 × 0.04048 + 0.5 × 730 ×
    // 0.004445) = 18.02005 → 120.68505. Per hour: 0.09 + 0.01 + 0.0405 + 0.024685 = 0.165185
    // → × 469.29 = 77.52 saved.
    SeedCost {
        name: "seed-004-db-migration",
        args: &[],
        base: "$0.50",
        runtime: "$120.69",
        total: "$121.19",
        incomplete: 2,
        saved: "$77.52",
    },
];

/// `provision cost` of each seed example prints the hand-computed figures, offline.
#[test]
fn cost_of_the_seed_examples_is_the_hand_computed_figure() {
    for c in SEED_COSTS {
        let dir = example(c.name);
        let out = provision(dir.path(), &[c.args, &["cost", "--schedule", "weekdays 08:00-20:00"]].concat());
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "{}: {}{stdout}", c.name, text(&out.stderr));
        for expected in [
            format!("base layer: {}/month", c.base),
            format!("runtime layer: {}/month", c.runtime),
            format!("Total: {}/month (base {}, runtime {}).", c.total, c.base, c.runtime),
            format!("saves {}/month", c.saved),
        ] {
            assert!(stdout.contains(&expected), "{}: no {expected:?} in\n{stdout}", c.name);
        }
        match c.incomplete {
            0 => assert!(!stdout.contains("Incomplete"), "{}: {stdout}", c.name),
            n => assert!(stdout.contains(&format!("Incomplete: the cost of {n} resource(s)")), "{}: {stdout}", c.name),
        }
        assert!(
            !std::fs::read_dir(dir.path())
                .expect("ls")
                .flatten()
                .any(|e| e.file_name().to_string_lossy().contains("tfstate"))
        );
    }
}

/// The breakdown names each priced item with its unit price and assumption; `--json` carries the
/// same figures.
#[test]
fn cost_breakdown_shows_unit_prices_assumptions_and_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_config(&root().join("tests/cost-fixture"), dir.path());
    let out = provision(dir.path(), &["cost"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for expected in [
        "aws_nat_gateway.main [us-east-1]: $32.85/month",
        "NAT gateway: 730 gateway-hour × $0.045 = $32.85",
        "assumes: data processed is usage-based: 0 GB a month assumed",
        "aws_secretsmanager_secret.db [us-east-1]: $0.40/month",
        "free (2): aws_subnet.public, aws_vpc.main",
        "Total: $36.90/month (base $0.40, runtime $36.50).",
    ] {
        assert!(stdout.contains(expected), "no {expected:?} in\n{stdout}");
    }
    let out = provision(dir.path(), &["cost", "--json"]);
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(j["as_of"], "2026-12-02");
    assert!((j["total"].as_f64().unwrap_or_default() - 36.9).abs() < 1e-9, "{j}");
    let out = provision(dir.path(), &["cost", "--schedule", "weekdays 20:00-08:00"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("--schedule: the schedule \"weekdays 20:00-08:00\" ends before it starts"),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty());
}

/// An object's own `region` (Terraform AWS provider 6) is where it is priced, not its provider
/// block's.
#[test]
fn cost_prices_an_object_in_its_own_region() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_config(&root().join("tests/cost-fixture"), dir.path());
    let main = dir.path().join("main.tf");
    let config = std::fs::read_to_string(&main).expect("main.tf");
    let config = config.replace("region = \"us-east-1\"", "region = \"eu-west-3\"").replace(
        "resource \"aws_nat_gateway\" \"main\" {",
        "resource \"aws_nat_gateway\" \"main\" {\n  region        = \"us-east-1\"",
    );
    std::fs::write(&main, config).expect("main.tf");
    let out = provision(dir.path(), &["cost"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("aws_nat_gateway.main [us-east-1]: $32.85/month"), "{stdout}");
    assert!(stdout.contains("aws_secretsmanager_secret.db [eu-west-3]"), "{stdout}");
}

/// `provision plan` ends with the estimate of what the configuration describes (here planned
/// from an empty state, without credentials), and `plan --json` carries it as `cost`.
#[test]
fn plan_ends_with_the_cost_estimate() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_config(&root().join("tests/cost-fixture"), dir.path());
    let out = provision(dir.path(), &["plan"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.ends_with("\nEstimated monthly cost: $36.90 (base $0.40, runtime $36.50), on-demand prices of 2026-12-02.\nSee `provision cost` for the breakdown per resource and its assumptions.\n"),
        "{stdout}"
    );
    let out = provision(dir.path(), &["plan", "-json"]);
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!((j["cost"]["runtime"].as_f64().unwrap_or_default() - 36.5).abs() < 1e-9, "{}", j["cost"]);
    assert_eq!(j["cost"]["incomplete"], serde_json::json!([]));
    // A destroy plan has no estimate.
    let out = provision(dir.path(), &["plan", "-destroy"]);
    assert!(!text(&out.stdout).contains("Estimated monthly cost"), "{}", text(&out.stdout));
}
