//! `terraform_remote_state` read from local states written here: both formats, defaults, a
//! missing or unreadable state, a journal left beside a provision state, workspaces.

use super::*;
use provision_core::state::OutputValue;
use provision_state::journal;
use std::path::Path;

fn args(pairs: &[(&str, Value)]) -> Attrs {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

fn obj(pairs: &[(&str, Value)]) -> Value {
    Value::Map(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
}

fn local(path: &Path) -> Attrs {
    args(&[("backend", "local".into()), ("config", obj(&[("path", path.display().to_string().into())]))])
}

async fn read(args: Attrs) -> Result<BTreeMap<String, Value>, String> {
    let attrs = RemoteState::new().read(&args).await.map_err(|e| e.message)?;
    Ok(attrs.get("outputs").and_then(Value::as_map).cloned().expect("outputs is an object"))
}

fn output(value: serde_json::Value, sensitive: bool) -> OutputValue {
    OutputValue { value, sensitive }
}

/// A provision state at serial 1 with `vpc_id` and a sensitive `db_password`.
fn provision_state() -> State {
    let mut s = State::new("lineage-a", "0.1.0");
    s.serial = 1;
    s.outputs.insert("vpc_id".into(), output(serde_json::json!("vpc-0123"), false));
    s.outputs.insert("db_password".into(), output(serde_json::json!("hunter2"), true));
    s.outputs.insert("zones".into(), output(serde_json::json!(["a", "b"]), false));
    s
}

#[tokio::test]
async fn a_provision_state_gives_its_outputs_and_keeps_secrets_sensitive() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("provision.tfstate");
    LocalBackend::new(&path).write(&provision_state()).await.expect("write");
    let outputs = read(local(&path)).await.expect("read");
    assert_eq!(outputs["vpc_id"], Value::from("vpc-0123"));
    assert_eq!(outputs["zones"], Value::List(vec!["a".into(), "b".into()]));
    assert!(outputs["db_password"].is_sensitive(), "{:?}", outputs["db_password"]);
    assert_eq!(outputs["db_password"].as_str(), Some("hunter2"));
    assert!(!outputs["vpc_id"].is_sensitive());
}

/// Written by hand for this test: Terraform's format 4 with two outputs, one sensitive, and a
/// resource of the aws provider.
const TERRAFORM_STATE: &str = r#"{
  "version": 4,
  "terraform_version": "1.11.0",
  "serial": 7,
  "lineage": "11111111-2222-3333-4444-555555555555",
  "outputs": {
    "subnet_ids": {"value": ["subnet-1", "subnet-2"], "type": ["list", "string"]},
    "token": {"value": "t0ken", "type": "string", "sensitive": true}
  },
  "resources": [
    {
      "mode": "managed",
      "type": "aws_vpc",
      "name": "main",
      "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
      "instances": [{"schema_version": 1, "attributes": {"id": "vpc-9", "cidr_block": "10.0.0.0/16"}}]
    }
  ],
  "check_results": null
}
"#;

#[tokio::test]
async fn a_terraform_state_gives_its_outputs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("terraform.tfstate");
    std::fs::write(&path, TERRAFORM_STATE).expect("write");
    let outputs = read(local(&path)).await.expect("read");
    assert_eq!(outputs.len(), 2);
    assert_eq!(outputs["subnet_ids"], Value::List(vec!["subnet-1".into(), "subnet-2".into()]));
    assert!(outputs["token"].is_sensitive());
    assert_eq!(outputs["token"].as_str(), Some("t0ken"));
}

#[tokio::test]
async fn defaults_fill_the_outputs_the_state_lacks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("terraform.tfstate");
    std::fs::write(&path, TERRAFORM_STATE).expect("write");
    let mut a = local(&path);
    a.insert("defaults".into(), obj(&[("token", "default".into()), ("region", "eu-west-3".into())]));
    let outputs = read(a).await.expect("read");
    assert_eq!(outputs["region"], Value::from("eu-west-3"), "a missing output comes from defaults");
    assert_eq!(outputs["token"].as_str(), Some("t0ken"), "the state wins over defaults");
    assert!(outputs["token"].is_sensitive());
    assert_eq!(outputs.len(), 3);
}

#[tokio::test]
async fn a_missing_state_gives_the_defaults_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nothing-here.tfstate");
    let mut a = local(&path);
    a.insert("defaults".into(), obj(&[("vpc_id", "vpc-default".into())]));
    let outputs = read(a).await.expect("read");
    assert_eq!(outputs, BTreeMap::from([("vpc_id".to_string(), Value::from("vpc-default"))]));
    let outputs = read(local(&path)).await.expect("read");
    assert!(outputs.is_empty());
    assert!(!path.exists(), "nothing is written");
}

#[tokio::test]
async fn corrupt_or_foreign_states_are_errors_naming_the_path_and_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (content, want) in [
        ("{\"version\": 4, \"serial\": ", "is not JSON (line 1"),
        ("[1, 2]", "it is JSON, but not an object"),
        ("{\"hello\": \"world\"}", "neither a provision state"),
        ("{\"version\": 3, \"terraform_version\": \"0.11.14\"}", "format version 3"),
        ("{\"format\": \"provision-state\", \"format_version\": 2, \"serial\": 1}", "is corrupt"),
    ] {
        let path = dir.path().join("state.json");
        std::fs::write(&path, content).expect("write");
        let err = read(local(&path)).await.expect_err(content);
        assert!(err.contains(&path.display().to_string()), "{err}");
        assert!(err.contains(want), "{content}: {err}");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), content, "left as it was");
        let siblings: Vec<_> = std::fs::read_dir(dir.path()).expect("ls").flatten().map(|e| e.file_name()).collect();
        assert_eq!(siblings.len(), 1, "nothing written beside it: {siblings:?}");
    }
}

#[tokio::test]
async fn a_journal_left_beside_a_provision_state_is_replayed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("provision.tfstate");
    let backend = LocalBackend::new(&path);
    let first = provision_state();
    backend.write(&first).await.expect("write");
    let mut next = first.clone();
    next.serial = 2;
    next.outputs.insert("vpc_id".into(), output(serde_json::json!("vpc-from-journal"), false));
    next.outputs.insert("added".into(), output(serde_json::json!(3), false));
    let record = journal::delta(&first, &next).expect("a record");
    assert!(backend.append(&journal::encode(&record).expect("encode")).await.expect("append"));
    assert!(backend.journal_path().exists());
    let outputs = read(local(&path)).await.expect("read");
    assert_eq!(outputs["vpc_id"], Value::from("vpc-from-journal"));
    assert_eq!(outputs["added"], Value::Number(3.0));
    assert!(backend.journal_path().exists(), "a read compacts nothing");
}

#[tokio::test]
async fn a_workspace_reads_terraforms_workspace_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let default_path = dir.path().join("terraform.tfstate");
    let staging = dir.path().join("terraform.tfstate.d").join("staging").join("terraform.tfstate");
    std::fs::create_dir_all(staging.parent().expect("parent")).expect("mkdir");
    std::fs::write(&default_path, TERRAFORM_STATE).expect("write");
    let mut s = provision_state();
    s.outputs.insert("vpc_id".into(), output(serde_json::json!("vpc-staging"), false));
    LocalBackend::new(&staging).write(&s).await.expect("write");
    let workspace_dir = dir.path().join("terraform.tfstate.d").display().to_string();
    let a = args(&[
        ("backend", "local".into()),
        ("workspace", "staging".into()),
        (
            "config",
            obj(&[("path", default_path.display().to_string().into()), ("workspace_dir", workspace_dir.into())]),
        ),
    ]);
    let outputs = read(a).await.expect("read");
    assert_eq!(outputs["vpc_id"], Value::from("vpc-staging"), "`path` is for the default workspace only");

    assert_eq!(local_path(None, None, "default"), PathBuf::from("terraform.tfstate"));
    assert_eq!(local_path(Some("a/b.tfstate".into()), None, "default"), PathBuf::from("a/b.tfstate"));
    assert_eq!(
        local_path(Some("a/b.tfstate".into()), None, "prod"),
        PathBuf::from("terraform.tfstate.d/prod/terraform.tfstate")
    );
    assert_eq!(local_path(None, Some("states".into()), "prod"), PathBuf::from("states/prod/terraform.tfstate"));
}

#[tokio::test]
async fn s3_workspaces_are_under_the_workspace_key_prefix() {
    let config = |pairs: &[(&str, Value)]| obj(pairs).as_map().cloned().expect("object");
    let base = [("bucket", Value::from("b")), ("key", "app/terraform.tfstate".into()), ("region", "eu-west-3".into())];
    let at = |extra: &[(&str, Value)], workspace: &str| {
        let mut pairs = base.to_vec();
        pairs.extend_from_slice(extra);
        let c = config(&pairs);
        let workspace = workspace.to_string();
        async move { Source::new("s3", &c, &workspace).await.map(|s| s.location()).map_err(|e| e.message) }
    };
    assert_eq!(at(&[], "default").await.expect("source"), "s3://b/app/terraform.tfstate");
    assert_eq!(at(&[], "staging").await.expect("source"), "s3://b/env:/staging/app/terraform.tfstate");
    assert_eq!(
        at(&[("workspace_key_prefix", "workspaces".into())], "prod").await.expect("source"),
        "s3://b/workspaces/prod/app/terraform.tfstate"
    );
    let ignored = [("dynamodb_table", Value::from("locks")), ("use_lockfile", Value::Bool(true))];
    assert_eq!(at(&ignored, "default").await.expect("locks are accepted"), "s3://b/app/terraform.tfstate");
    // What a MinIO, Ceph or R2 remote state needs with Terraform.
    let compatible = [
        ("endpoints", obj(&[("s3", "http://127.0.0.1:9000".into())])),
        ("use_path_style", Value::Bool(true)),
        ("force_path_style", Value::Bool(true)),
        ("skip_credentials_validation", Value::Bool(true)),
        ("skip_region_validation", Value::Bool(true)),
        ("skip_metadata_api_check", Value::Bool(true)),
        ("skip_requesting_account_id", Value::Bool(true)),
        ("skip_s3_checksum", Value::Bool(true)),
    ];
    assert_eq!(at(&compatible, "default").await.expect("accepted"), "s3://b/app/terraform.tfstate");
    assert!(check_config(&obj(&compatible)).is_ok());
    let err = at(&[("path", "x".into())], "default").await.expect_err("path is not an s3 setting");
    assert!(err.contains("`config.path` is not a setting of the s3 backend (supported: bucket, key"), "{err}");
    let no_key = config(&[("bucket", Value::from("b"))]);
    let err = Source::new("s3", &no_key, "default").await.err().expect("key is required").message;
    assert_eq!(err, "`config.key` is required for the s3 backend");
}

#[test]
fn arguments_are_checked_before_anything_is_read() {
    assert!(check_backend(&"s3".into()).is_ok());
    let err = check_backend(&"gcs".into()).expect_err("gcs");
    assert!(err.contains("\"gcs\" backend is not supported") && err.contains("(supported: local, s3)"), "{err}");
    let err = check_config(&obj(&[("bukket", "b".into())])).expect_err("typo");
    assert!(err.starts_with("`bukket` is not a setting of the local or s3 backend"), "{err}");
    let err = check_config(&obj(&[("use_lockfile", "yes".into())])).expect_err("not a bool");
    assert_eq!(err, "`config.use_lockfile` must be true or false, not a string");
    let err = check_config(&obj(&[("skip_s3_checksum", "true".into())])).expect_err("not a bool");
    assert_eq!(err, "`config.skip_s3_checksum` must be true or false, not a string");
    assert!(check_config(&Value::from("x")).is_err());
    assert!(check_defaults(&Value::List(vec![])).is_err());
}
