//! End-to-end tests of the data types against moto: Secrets Manager secrets and their versions
//! (and the data sources that read them), a DynamoDB table with an index, TTL and point-in-time
//! recovery, and an EFS file system with mount targets in two subnets and an access point. The
//! secret's value comes from a sensitive variable and must never appear in any output.

mod support;

use std::process::Output;
use support::{Stack, text};

/// The password, passed as `TF_VAR_db_password`: no output may contain it.
const PASSWORD: &str = "pw-Xq7Lr2Vn9Kz4Tb";
/// The next password, for the in-place change.
const NEW_PASSWORD: &str = "pw-Hd3Ms8Wc1Jf6Pg";
/// A value written outside provision, for drift.
const OUTSIDE: &str = "pw-Outside-Rg5Yt0";

const CONFIG: &str = r#"
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

provider "aws" {
  region = "eu-west-1"
}

variable "db_password" {
  type      = string
  sensitive = true
}

variable "secret_description" {
  type    = string
  default = "the database password"
}

variable "gsi_capacity" {
  type    = number
  default = 5
}

variable "pitr" {
  type    = bool
  default = true
}

resource "aws_secretsmanager_secret" "db" {
  name                    = "data-test/db-password"
  description             = var.secret_description
  recovery_window_in_days = 7
  tags = {
    Team = "data"
  }
}

resource "aws_secretsmanager_secret_version" "db" {
  secret_id     = aws_secretsmanager_secret.db.id
  secret_string = var.db_password
}

resource "aws_dynamodb_table" "jobs" {
  name           = "data-test-jobs"
  billing_mode   = "PROVISIONED"
  read_capacity  = 5
  write_capacity = 5
  hash_key       = "pk"
  range_key      = "sk"

  attribute {
    name = "pk"
    type = "S"
  }
  attribute {
    name = "sk"
    type = "S"
  }
  attribute {
    name = "status"
    type = "S"
  }

  global_secondary_index {
    name            = "by-status"
    hash_key        = "status"
    projection_type = "ALL"
    read_capacity   = var.gsi_capacity
    write_capacity  = var.gsi_capacity
  }

  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = var.pitr
  }

  tags = {
    Team = "data"
  }
}

resource "aws_vpc" "main" {
  cidr_block = "10.40.0.0/16"
}

resource "aws_subnet" "private" {
  count             = 2
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet("10.40.0.0/16", 8, count.index)
  availability_zone = ["eu-west-1a", "eu-west-1b"][count.index]
}

resource "aws_security_group" "efs" {
  name   = "data-test-efs"
  vpc_id = aws_vpc.main.id
}

resource "aws_efs_file_system" "repos" {
  encrypted = true
  lifecycle_policy {
    transition_to_ia = "AFTER_30_DAYS"
  }
  tags = {
    Name = "repos"
  }
}

resource "aws_efs_mount_target" "repos" {
  count           = 2
  file_system_id  = aws_efs_file_system.repos.id
  subnet_id       = aws_subnet.private[count.index].id
  security_groups = [aws_security_group.efs.id]
}

resource "aws_efs_access_point" "git" {
  file_system_id = aws_efs_file_system.repos.id
  posix_user {
    uid = 1000
    gid = 1000
  }
  root_directory {
    path = "/git"
    creation_info {
      owner_gid   = 1000
      owner_uid   = 1000
      permissions = "0755"
    }
  }
  tags = {
    Name = "git"
  }
}

data "aws_secretsmanager_secret" "db" {
  name = aws_secretsmanager_secret.db.name
}

data "aws_secretsmanager_secret_version" "db" {
  secret_id = aws_secretsmanager_secret_version.db.secret_id
}

output "secret_arn" {
  value = data.aws_secretsmanager_secret.db.arn
}

output "password_version" {
  value = data.aws_secretsmanager_secret_version.db.version_id
}
"#;

/// The types this file covers.
const TYPES: [&str; 6] = [
    "aws_secretsmanager_secret",
    "aws_secretsmanager_secret_version",
    "aws_dynamodb_table",
    "aws_efs_file_system",
    "aws_efs_mount_target",
    "aws_efs_access_point",
];

/// Runs provision with the password in the environment, and checks that no password appears in
/// what it printed.
fn run(s: &Stack, password: &str, args: &[&str]) -> Output {
    let out = s.command(args).env("TF_VAR_db_password", password).output().expect("provision runs");
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    for p in [PASSWORD, NEW_PASSWORD, OUTSIDE] {
        assert!(!all.contains(p), "provision {} printed a secret value:\n{all}", args.join(" "));
    }
    out
}

fn ok(s: &Stack, password: &str, args: &[&str]) -> String {
    let out = run(s, password, args);
    assert!(out.status.success(), "provision {} failed:\n{}\n{}", args.join(" "), text(&out.stdout), text(&out.stderr));
    text(&out.stdout)
}

fn plan_code(s: &Stack, password: &str, extra: &[&str]) -> (Option<i32>, String) {
    let mut args = vec!["plan", "--detailed-exitcode"];
    args.extend_from_slice(extra);
    let out = run(s, password, &args);
    (out.status.code(), format!("{}{}", text(&out.stdout), text(&out.stderr)))
}

fn id_of(s: &Stack, address: &str) -> String {
    s.state()["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| r["address"] == address && r["deposed"].is_null())
        .and_then(|r| r["id"].as_str())
        .unwrap_or_else(|| panic!("{address} is not in state"))
        .to_string()
}

struct Sdk {
    sm: aws_sdk_secretsmanager::Client,
    ddb: aws_sdk_dynamodb::Client,
    efs: aws_sdk_efs::Client,
}

async fn sdk(s: &Stack) -> Sdk {
    let c = s.sdk().await;
    Sdk {
        sm: aws_sdk_secretsmanager::Client::new(&c),
        ddb: aws_sdk_dynamodb::Client::new(&c),
        efs: aws_sdk_efs::Client::new(&c),
    }
}

const SECRET_NAME: &str = "data-test/db-password";
const TABLE: &str = "data-test-jobs";

impl Sdk {
    async fn value(&self) -> String {
        let v = self.sm.get_secret_value().secret_id(SECRET_NAME).send().await.expect("value");
        v.secret_string().expect("string").to_string()
    }

    async fn pitr(&self) -> bool {
        let b = self.ddb.describe_continuous_backups().table_name(TABLE).send().await.expect("backups");
        b.continuous_backups_description()
            .and_then(|d| d.point_in_time_recovery_description())
            .and_then(|p| p.point_in_time_recovery_status())
            .is_some_and(|s| s.as_str() == "ENABLED")
    }

    async fn gsi_read_capacity(&self) -> Option<i64> {
        let t = self.ddb.describe_table().table_name(TABLE).send().await.expect("table");
        t.table()?.global_secondary_indexes().first()?.provisioned_throughput()?.read_capacity_units()
    }
}

/// Apply → no changes → one in-place update per object → drift corrected → destroy → apply again
/// under the same secret name (restored from its recovery window) → destroy leaves nothing.
#[tokio::test]
async fn data_stack_lifecycle() {
    let s = Stack::with_config(CONFIG);
    let aws = sdk(&s).await;
    let (code, out) = plan_code(&s, PASSWORD, &[]);
    assert_eq!(code, Some(2), "{out}");
    let json = ok(&s, PASSWORD, &["plan", "--json"]);
    assert!(json.contains("aws_secretsmanager_secret_version"), "{json}");

    let applied = ok(&s, PASSWORD, &["apply", "--auto-approve"]);
    assert!(applied.contains("Resources: 11 added, 0 changed, 0 destroyed."), "{applied}");
    assert_eq!(aws.value().await, PASSWORD);
    let (code, out) = plan_code(&s, PASSWORD, &[]);
    assert_eq!(code, Some(0), "a second plan has no changes:\n{out}");

    // The batched reads: what a refresh costs per type.
    let out = run(&s, PASSWORD, &["-v", "plan"]);
    let err = text(&out.stderr);
    for call in [
        "ListSecrets=2",
        "DescribeTable=1",
        "DescribeTimeToLive=1",
        "DescribeContinuousBackups=1",
        "ListTagsOfResource=1",
        "DescribeFileSystems=1",
        "DescribeLifecycleConfiguration=1",
        "DescribeMountTargets=1",
        "DescribeMountTargetSecurityGroups=2",
        "DescribeAccessPoints=1",
    ] {
        assert!(err.contains(call), "expected {call}:\n{err}");
    }
    assert!(!err.contains("DescribeSecret=2"), "no secret is read one by one:\n{err}");
    ok(&s, PASSWORD, &["apply", "--auto-approve"]);
    s.assert_reads_match_schemas(&TYPES);

    // In place: the secret's description and value, the index's capacity, PITR off.
    let change = ["--var", "secret_description=rotated monthly", "--var", "gsi_capacity=10", "--var", "pitr=false"];
    let mut args = vec!["plan"];
    args.extend_from_slice(&change);
    let plan = ok(&s, NEW_PASSWORD, &args);
    assert!(plan.contains("Plan: 0 to add, 3 to change, 0 to destroy."), "{plan}");
    let mut args = vec!["plan", "--json"];
    args.extend_from_slice(&change);
    ok(&s, NEW_PASSWORD, &args);
    let mut args = vec!["apply", "--auto-approve"];
    args.extend_from_slice(&change);
    let applied = ok(&s, NEW_PASSWORD, &args);
    assert!(applied.contains("Resources: 0 added, 3 changed, 0 destroyed."), "{applied}");
    assert_eq!(aws.value().await, NEW_PASSWORD);
    assert!(!aws.pitr().await);
    assert_eq!(aws.gsi_read_capacity().await, Some(10));
    let (code, out) = plan_code(&s, NEW_PASSWORD, &change);
    assert_eq!(code, Some(0), "{out}");

    // Drift made outside: a description, a value, PITR back on.
    aws.sm.update_secret().secret_id(SECRET_NAME).description("edited by hand").send().await.expect("edit");
    aws.sm.put_secret_value().secret_id(SECRET_NAME).secret_string(OUTSIDE).send().await.expect("put");
    let on = aws_sdk_dynamodb::types::PointInTimeRecoverySpecification::builder()
        .point_in_time_recovery_enabled(true)
        .build()
        .expect("spec");
    aws.ddb
        .update_continuous_backups()
        .table_name(TABLE)
        .point_in_time_recovery_specification(on)
        .send()
        .await
        .expect("pitr");
    let (code, out) = plan_code(&s, NEW_PASSWORD, &change);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("edited by hand"), "{out}");
    let mut args = vec!["apply", "--auto-approve"];
    args.extend_from_slice(&change);
    ok(&s, NEW_PASSWORD, &args);
    assert_eq!(aws.value().await, NEW_PASSWORD, "the configured value is current again");
    assert!(!aws.pitr().await);
    let d = aws.sm.describe_secret().secret_id(SECRET_NAME).send().await.expect("describe");
    assert_eq!(d.description(), Some("rotated monthly"));
    let (code, out) = plan_code(&s, NEW_PASSWORD, &change);
    assert_eq!(code, Some(0), "{out}");

    // Destroy: the secret waits out its recovery window, everything else is gone.
    let mut args = vec!["destroy", "--auto-approve"];
    args.extend_from_slice(&change);
    let destroyed = ok(&s, NEW_PASSWORD, &args);
    assert!(destroyed.contains("Resources: 11 destroyed."), "{destroyed}");
    let d = aws.sm.describe_secret().secret_id(SECRET_NAME).send().await.expect("describe");
    assert!(d.deleted_date().is_some(), "the secret is scheduled for deletion");
    assert!(aws.ddb.describe_table().table_name(TABLE).send().await.is_err(), "the table is gone");
    let fs = aws.efs.describe_file_systems().send().await.expect("file systems");
    assert!(fs.file_systems().is_empty(), "no file system is left: {:?}", fs.file_systems());

    // The same name again: the scheduled secret is restored and brought to the configuration.
    let mut args = vec!["apply", "--auto-approve"];
    args.extend_from_slice(&change);
    let applied = ok(&s, NEW_PASSWORD, &args);
    assert!(applied.contains("Resources: 11 added"), "{applied}");
    let d = aws.sm.describe_secret().secret_id(SECRET_NAME).send().await.expect("describe");
    assert!(d.deleted_date().is_none(), "restored");
    assert_eq!(aws.value().await, NEW_PASSWORD);
    let (code, out) = plan_code(&s, NEW_PASSWORD, &change);
    assert_eq!(code, Some(0), "{out}");

    // The recovery window is read at destroy from the configuration as it is now: set to 0 just
    // before the destroy, the secret is deleted at once, and the plan says so.
    let main = s.path().join("main.tf");
    let config = std::fs::read_to_string(&main).expect("read");
    std::fs::write(&main, config.replace("recovery_window_in_days = 7", "recovery_window_in_days = 0")).expect("edit");
    let mut args = vec!["plan", "--destroy"];
    args.extend_from_slice(&change);
    let plan = ok(&s, NEW_PASSWORD, &args);
    assert!(plan.contains("WITHOUT recovery"), "{plan}");
    let mut args = vec!["destroy", "--auto-approve"];
    args.extend_from_slice(&change);
    ok(&s, NEW_PASSWORD, &args);
    assert!(aws.ddb.list_tables().send().await.expect("tables").table_names().is_empty());
    assert!(aws.sm.describe_secret().secret_id(SECRET_NAME).send().await.is_err(), "deleted without recovery");
}

/// A run that stopped after AWS made the objects and before the state recorded them: the next
/// run finds each by its name, creation token, content or tags, and adopts it.
#[tokio::test]
async fn interrupted_creates_are_adopted_not_duplicated() {
    let s = Stack::with_config(CONFIG);
    let aws = sdk(&s).await;
    ok(&s, PASSWORD, &["apply", "--auto-approve"]);
    let lost = [
        "aws_secretsmanager_secret.db",
        "aws_secretsmanager_secret_version.db",
        "aws_dynamodb_table.jobs",
        "aws_efs_file_system.repos",
        "aws_efs_mount_target.repos[1]",
        "aws_efs_access_point.git",
    ];
    let ids: Vec<String> = lost.iter().map(|a| id_of(&s, a)).collect();
    let mut state = s.state();
    let resources = state["resources"].as_array().expect("resources").clone();
    let mut pending = vec![];
    for r in resources.iter().filter(|r| lost.contains(&r["address"].as_str().unwrap_or_default())) {
        let address = r["address"].as_str().unwrap_or_default();
        let attrs = &r["attributes"];
        let natural_key = match address {
            "aws_secretsmanager_secret.db" | "aws_dynamodb_table.jobs" => attrs["name"].clone(),
            "aws_secretsmanager_secret_version.db" => r["id"].clone(),
            "aws_efs_file_system.repos" => attrs["creation_token"].clone(),
            _ => serde_json::Value::Null,
        };
        let mut record = serde_json::json!({
            "address": address, "token": "t-1", "started_at": "2026-12-01T08:00:00Z",
            "dependencies": [], "provider": "aws", "desired": attrs.clone(),
        });
        if !natural_key.is_null() {
            record["natural_key"] = natural_key;
        }
        pending.push(record);
    }
    state["resources"] = serde_json::Value::Array(
        resources.into_iter().filter(|r| !lost.contains(&r["address"].as_str().unwrap_or_default())).collect(),
    );
    state["pending"] = serde_json::Value::Array(pending);
    std::fs::write(s.path().join("provision.tfstate"), state.to_string()).expect("state");

    let applied = ok(&s, PASSWORD, &["apply", "--auto-approve"]);
    for (a, id) in lost.iter().zip(&ids) {
        assert!(applied.contains(&format!("{a}: an interrupted run created {id}")), "{a} adopted:\n{applied}");
        assert_eq!(&id_of(&s, a), id, "{a} keeps its id");
    }
    assert_eq!(aws.sm.list_secrets().send().await.expect("secrets").secret_list().len(), 1);
    assert_eq!(aws.ddb.list_tables().send().await.expect("tables").table_names().len(), 1);
    assert_eq!(aws.efs.describe_file_systems().send().await.expect("fs").file_systems().len(), 1);
    let fs = id_of(&s, "aws_efs_file_system.repos");
    let mts = aws.efs.describe_mount_targets().file_system_id(&fs).send().await.expect("mts");
    assert_eq!(mts.mount_targets().len(), 2);
    let aps = aws.efs.describe_access_points().file_system_id(&fs).send().await.expect("aps");
    assert_eq!(aps.access_points().len(), 1);
    let (code, out) = plan_code(&s, PASSWORD, &[]);
    assert_eq!(code, Some(0), "{out}");
}

/// A name still held by someone else's secret in its recovery window: provision does not take it,
/// and says what to do.
#[tokio::test]
async fn a_scheduled_secret_of_someone_else_is_not_taken() {
    let s = Stack::with_config(
        r#"
resource "aws_secretsmanager_secret" "db" {
  name = "taken/by-someone"
}
"#,
    );
    let aws = sdk(&s).await;
    aws.sm.create_secret().name("taken/by-someone").send().await.expect("create");
    aws.sm.delete_secret().secret_id("taken/by-someone").recovery_window_in_days(7).send().await.expect("delete");
    let out = s.run(&["apply", "--auto-approve"]);
    assert_eq!(out.status.code(), Some(1));
    let err = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(err.contains("scheduled for deletion"), "{err}");
    assert!(err.contains("restore-secret --secret-id taken/by-someone"), "{err}");
    assert!(err.contains("--force-delete-without-recovery"), "{err}");
    let d = aws.sm.describe_secret().secret_id("taken/by-someone").send().await.expect("describe");
    assert!(d.deleted_date().is_some(), "left as it was");
}

/// A protected table is not deleted: the destroy fails naming the argument, and succeeds once it
/// is turned off.
#[tokio::test]
async fn a_protected_table_is_not_destroyed() {
    let config = r#"
variable "protect" {
  type    = bool
  default = true
}

resource "aws_dynamodb_table" "keep" {
  name                        = "keep-me"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  deletion_protection_enabled = var.protect
  attribute {
    name = "pk"
    type = "S"
  }
}
"#;
    let s = Stack::with_config(config);
    let aws = sdk(&s).await;
    s.ok(&["apply", "--auto-approve"]);
    let out = s.run(&["destroy", "--auto-approve"]);
    assert_ne!(out.status.code(), Some(0));
    let err = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(err.contains("deletion_protection_enabled = false"), "{err}");
    assert!(aws.ddb.describe_table().table_name("keep-me").send().await.is_ok(), "the table is still there");
    s.ok(&["apply", "--auto-approve", "--var", "protect=false"]);
    s.ok(&["destroy", "--auto-approve", "--var", "protect=false"]);
    assert!(aws.ddb.describe_table().table_name("keep-me").send().await.is_err());
}

/// DynamoDB's slow statuses (moto has none), put in front of moto by the fault proxy: the create
/// waits while the table is CREATING, an added index while it is CREATING, the delete while the
/// table is DELETING; and a deadline shorter than the wait stops it with the status it saw.
#[tokio::test]
async fn table_waits_follow_dynamodb_statuses() {
    use provision_testkit::emulate_dynamodb::SlowTables;
    use provision_testkit::faults::{FaultProxy, Rules};
    let one_index = r#"
resource "aws_dynamodb_table" "events" {
  name         = "events"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

  attribute {
    name = "pk"
    type = "S"
  }
  attribute {
    name = "kind"
    type = "S"
  }

  global_secondary_index {
    name            = "by-kind"
    hash_key        = "kind"
    projection_type = "KEYS_ONLY"
  }
}
"#;
    let two_indexes = one_index.replacen(
        "\n}\n",
        r#"
  attribute {
    name = "day"
    type = "S"
  }

  global_secondary_index {
    name            = "by-day"
    hash_key        = "day"
    projection_type = "ALL"
  }
}
"#,
        1,
    );
    let mut s = Stack::with_config(one_index);
    let main = s.path().join("main.tf");
    let proxy = FaultProxy::start(&s.moto.endpoint());
    let slow = SlowTables::new(3);
    proxy.set_rules(Rules::default().emulate(slow.clone()));
    s.endpoint = Some(proxy.url());
    s.ok(&["apply", "--auto-approve"]);
    assert_eq!(slow.served("CREATING"), 3, "the create waited while the table was CREATING");
    std::fs::write(&main, &two_indexes).expect("write");
    s.ok(&["apply", "--auto-approve"]);
    assert_eq!(slow.served("INDEX CREATING"), 3, "the update waited for the new index");
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0));
    s.ok(&["destroy", "--auto-approve"]);
    assert_eq!(slow.served("DELETING"), 3, "the delete waited until the table was gone");

    // A deadline shorter than the wait: the error names the table and what it saw last.
    let slow = SlowTables::new(1000);
    proxy.set_rules(Rules::default().emulate(slow.clone()));
    let with_timeout =
        one_index.replacen("hash_key     = \"pk\"", "hash_key     = \"pk\"\n  timeouts {\n    create = \"3s\"\n  }", 1);
    std::fs::write(&main, with_timeout).expect("write");
    let out = s.run(&["apply", "--auto-approve"]);
    assert_ne!(out.status.code(), Some(0));
    let err = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(err.contains("CREATING"), "the timeout says what the table was doing:\n{err}");
}
