//! End to end through the CLI against moto: RDS (subnet and parameter groups, a PostgreSQL
//! instance, an Aurora cluster with one instance) and KMS (a key and its alias). What moto cannot
//! show (slow statuses, queued changes, `ModifyDBSubnetGroup`) goes through the fault proxy's RDS
//! emulation (`provision_testkit::emulate_rds`).

mod support;

use provision_testkit::FaultProxy;
use provision_testkit::emulate_rds::RdsEmulator;
use provision_testkit::faults::Rules;
use std::sync::Arc;
use support::{Stack, text};

const PASSWORD: &str = "Xk9-correct-horse-battery";

/// A network (VPC, two subnets in two zones), a subnet group, a parameter group for postgres16, an
/// instance with its password from a sensitive variable, an Aurora cluster with one Serverless v2
/// instance, a KMS key and its alias.
const CONFIG: &str = r#"
provider "aws" {
  region = "eu-west-1"
}

variable "db_password" {
  type      = string
  sensitive = true
  default   = "Xk9-correct-horse-battery"
}

variable "instance_class" {
  type    = string
  default = "db.t4g.micro"
}

variable "protect" {
  type    = bool
  default = true
}

resource "aws_vpc" "main" {
  cidr_block = "10.40.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.40.1.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_subnet" "b" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.40.2.0/24"
  availability_zone = "eu-west-1b"
}

resource "aws_db_subnet_group" "main" {
  name       = "app-db"
  subnet_ids = [aws_subnet.a.id, aws_subnet.b.id]
  tags       = { Tier = "data" }
}

resource "aws_db_parameter_group" "pg16" {
  name   = "app-pg16"
  family = "postgres16"

  parameter {
    name  = "log_min_duration_statement"
    value = "500"
  }

  parameter {
    name         = "rds.force_ssl"
    value        = "1"
    apply_method = "pending-reboot"
  }
}

resource "aws_kms_key" "db" {
  description             = "app database"
  deletion_window_in_days = 7
  enable_key_rotation     = true
}

resource "aws_kms_alias" "db" {
  name          = "alias/app-db"
  target_key_id = aws_kms_key.db.key_id
}

resource "aws_db_instance" "main" {
  identifier                = "app-db"
  engine                    = "postgres"
  engine_version            = "16"
  instance_class            = var.instance_class
  allocated_storage         = 20
  db_name                   = "app"
  username                  = "app"
  password                  = var.db_password
  db_subnet_group_name      = aws_db_subnet_group.main.name
  parameter_group_name      = aws_db_parameter_group.pg16.name
  storage_encrypted         = true
  kms_key_id                = aws_kms_key.db.arn
  backup_retention_period   = 7
  deletion_protection       = var.protect
  final_snapshot_identifier = "app-db-final"
  apply_immediately         = true
  tags                      = { Name = "app-db" }
}

resource "aws_rds_cluster_parameter_group" "aurora" {
  name   = "app-aurora-pg16"
  family = "aurora-postgresql16"
}

resource "aws_rds_cluster" "aurora" {
  cluster_identifier              = "app-aurora"
  engine                          = "aurora-postgresql"
  engine_version                  = "16.4"
  master_username                 = "app"
  master_password                 = var.db_password
  db_subnet_group_name            = aws_db_subnet_group.main.name
  db_cluster_parameter_group_name = aws_rds_cluster_parameter_group.aurora.name
  skip_final_snapshot             = true

  serverlessv2_scaling_configuration {
    min_capacity = 0.5
    max_capacity = 2
  }
}

resource "aws_rds_cluster_instance" "aurora" {
  identifier         = "app-aurora-1"
  cluster_identifier = aws_rds_cluster.aurora.id
  instance_class     = "db.serverless"
  engine             = aws_rds_cluster.aurora.engine
}
"#;

const TYPES: &[&str] = &[
    "aws_db_subnet_group",
    "aws_db_parameter_group",
    "aws_db_instance",
    "aws_rds_cluster_parameter_group",
    "aws_rds_cluster",
    "aws_rds_cluster_instance",
    "aws_kms_key",
    "aws_kms_alias",
];

impl Stack {
    async fn rds(&self) -> aws_sdk_rds::Client {
        aws_sdk_rds::Client::new(&self.sdk().await)
    }

    async fn kms(&self) -> aws_sdk_kms::Client {
        aws_sdk_kms::Client::new(&self.sdk().await)
    }

    fn edit(&self, from: &str, to: &str) {
        let main = self.path().join("main.tf");
        let config = std::fs::read_to_string(&main).expect("read");
        assert!(config.contains(from), "main.tf has no {from:?}");
        std::fs::write(&main, config.replacen(from, to, 1)).expect("edit");
    }

    /// The id recorded for an address.
    fn id_of(&self, address: &str) -> String {
        self.state()["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .find(|r| r["address"] == address)
            .and_then(|r| r["id"].as_str())
            .unwrap_or_else(|| panic!("{address} is not in state"))
            .to_string()
    }
}

/// Every output of a run, for looking for secrets.
fn all(out: &std::process::Output) -> String {
    format!("{}\n{}", text(&out.stdout), text(&out.stderr))
}

/// The summary of a JSON plan and the addresses it changes.
fn json_plan(s: &Stack, args: &[&str]) -> (serde_json::Value, Vec<String>, String) {
    let out = s.run(args);
    let raw = all(&out);
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {raw}"));
    let changed = j["resource_changes"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|c| c["change"]["actions"] != serde_json::json!(["no-op"]))
                .filter_map(|c| c["address"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    (j["summary"].clone(), changed, raw)
}

/// The issue's lifecycle: apply → plan clean → change the instance class → exactly one in-place
/// update → destroy refused while deletion protection is on (before any AWS call) → turn it off →
/// destroy takes the final snapshot named in the configuration and leaves nothing. The password
/// appears in no output, plan or JSON plan.
#[tokio::test]
async fn database_lifecycle_with_protection_and_final_snapshot() {
    let s = Stack::with_config(CONFIG);
    let out = s.run(&["apply", "--auto-approve"]);
    assert!(out.status.success(), "{}", all(&out));
    assert!(text(&out.stdout).contains("Resources: 11 added, 0 changed, 0 destroyed."), "{}", all(&out));
    assert!(!all(&out).contains(PASSWORD), "the password leaked into the apply output");

    let out = s.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));

    // A plan that would create the instance again shows no password either.
    let out = s.run(&["plan", "--destroy"]);
    assert!(!all(&out).contains(PASSWORD));

    s.edit("default = \"db.t4g.micro\"", "default = \"db.t4g.small\"");
    let (summary, changed, raw) = json_plan(&s, &["plan", "--json"]);
    assert!(!raw.contains(PASSWORD), "the password leaked into the JSON plan");
    assert_eq!(summary, serde_json::json!({"import": 0, "add": 0, "change": 1, "destroy": 0}), "{raw}");
    assert_eq!(changed, ["aws_db_instance.main"]);
    let out = s.run(&["plan"]);
    assert!(text(&out.stdout).contains("\"db.t4g.micro\" -> \"db.t4g.small\""), "{}", all(&out));
    assert!(!all(&out).contains(PASSWORD));
    let out = s.run(&["apply", "--auto-approve"]);
    assert!(text(&out.stdout).contains("0 added, 1 changed, 0 destroyed"), "{}", all(&out));
    assert!(!all(&out).contains(PASSWORD));
    let rds = s.rds().await;
    let live = rds.describe_db_instances().db_instance_identifier("app-db").send().await.expect("describe");
    assert_eq!(live.db_instances()[0].db_instance_class(), Some("db.t4g.small"));
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0));

    // Protected: the destroy is refused at plan time, naming the instance and the argument.
    let serial = s.state()["serial"].clone();
    let out = s.run(&["destroy", "--auto-approve"]);
    assert_ne!(out.status.code(), Some(0), "{}", all(&out));
    let err = all(&out);
    assert!(err.contains("app-db") && err.contains("deletion_protection"), "{err}");
    assert!(!err.contains(PASSWORD));
    assert_eq!(s.state()["serial"], serial, "nothing was written");
    let groups = rds.describe_db_subnet_groups().send().await.expect("groups");
    assert_eq!(groups.db_subnet_groups().len(), 1, "nothing was deleted");

    s.edit("default = true", "default = false");
    let out = s.run(&["apply", "--auto-approve"]);
    assert!(text(&out.stdout).contains("0 added, 1 changed, 0 destroyed"), "{}", all(&out));

    let out = s.run(&["plan", "--destroy"]);
    let plan = all(&out);
    assert!(plan.contains("app-db-final"), "the plan names the final snapshot: {plan}");
    assert!(plan.contains("WITHOUT a final snapshot") && plan.contains("app-aurora"), "{plan}");

    let out = s.run(&["destroy", "--auto-approve"]);
    assert!(out.status.success(), "{}", all(&out));
    assert!(text(&out.stdout).contains("11 destroyed"), "{}", all(&out));
    let snaps = rds.describe_db_snapshots().db_snapshot_identifier("app-db-final").send().await.expect("snapshot");
    assert_eq!(snaps.db_snapshots().len(), 1, "the final snapshot was taken");
    assert!(rds.describe_db_instances().send().await.expect("instances").db_instances().is_empty());
    assert!(rds.describe_db_clusters().send().await.expect("clusters").db_clusters().is_empty());
    assert!(rds.describe_db_subnet_groups().send().await.expect("groups").db_subnet_groups().is_empty());
    let pgs = rds.describe_db_parameter_groups().send().await.expect("pgs");
    assert!(
        pgs.db_parameter_groups()
            .iter()
            .all(|g| g.db_parameter_group_name().is_some_and(|n| n.starts_with("default."))),
        "{pgs:?}"
    );
    let kms = s.kms().await;
    let aliases = kms.list_aliases().send().await.expect("aliases");
    assert!(aliases.aliases().iter().all(|a| a.alias_name() != Some("alias/app-db")));
    for k in kms.list_keys().send().await.expect("keys").keys() {
        let d = kms.describe_key().key_id(k.key_id().unwrap_or_default()).send().await.expect("key");
        let state = d.key_metadata().and_then(|m| m.key_state()).map(|s| s.as_str().to_string());
        assert_eq!(state.as_deref(), Some("PendingDeletion"), "the key is scheduled for deletion");
    }
    assert_eq!(s.state()["resources"], serde_json::json!([]));
}

/// Drift made outside provision is shown and corrected; each type's refresh costs what its
/// reference page says; every read matches its schema; an instance and a cluster created by an
/// interrupted run are adopted by their tags instead of duplicated.
#[tokio::test]
async fn drift_batched_reads_crash_adoption_and_conformance() {
    let s = Stack::with_config(&CONFIG.replace("default = true", "default = false"));
    s.ok(&["apply", "--auto-approve"]);
    s.ok(&["apply", "--auto-approve"]);
    s.assert_reads_match_schemas(TYPES);

    // One read per batch: one DescribeDBInstances per instance type, one DescribeDBClusters for the
    // cluster and one for the cluster instances' writer flags, one listing per group type (plus a
    // tag read per group and a parameter read per parameter group), four KMS calls per key and
    // one ListAliases.
    let out = s.run(&["-v", "plan"]);
    let err = text(&out.stderr);
    let count = |op: &str| -> u64 {
        err.split_whitespace()
            .find_map(|w| w.strip_prefix(&format!("{op}=")).and_then(|n| n.trim_end_matches('"').parse().ok()))
            .unwrap_or(0)
    };
    assert_eq!(count("RDS:DescribeDBInstances"), 2, "{err}");
    assert_eq!(count("RDS:DescribeDBClusters"), 2, "{err}");
    assert_eq!(count("RDS:DescribeDBSubnetGroups"), 1, "{err}");
    assert_eq!(count("RDS:DescribeDBParameterGroups"), 1, "{err}");
    assert_eq!(count("RDS:DescribeDBClusterParameterGroups"), 1, "{err}");
    assert_eq!(count("RDS:ListTagsForResource"), 3, "{err}");
    assert_eq!(count("KMS:DescribeKey"), 1, "{err}");
    assert_eq!(count("KMS:ListAliases"), 1, "{err}");

    // Drift: a managed parameter, the backup retention and a tag changed by hand.
    let rds = s.rds().await;
    rds.modify_db_parameter_group()
        .db_parameter_group_name("app-pg16")
        .parameters(
            aws_sdk_rds::types::Parameter::builder()
                .parameter_name("log_min_duration_statement")
                .parameter_value("100")
                .apply_method(aws_sdk_rds::types::ApplyMethod::Immediate)
                .build(),
        )
        .send()
        .await
        .expect("modify parameters");
    rds.modify_db_instance()
        .db_instance_identifier("app-db")
        .backup_retention_period(1)
        .apply_immediately(true)
        .send()
        .await
        .expect("modify instance");
    let arn = "arn:aws:rds:eu-west-1:123456789012:subgrp:app-db".to_string();
    rds.add_tags_to_resource()
        .resource_name(&arn)
        .tags(aws_sdk_rds::types::Tag::builder().key("Tier").value("hand-edited").build())
        .send()
        .await
        .expect("tag");
    let out = s.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(2), "{}", all(&out));
    let plan = text(&out.stdout);
    assert!(plan.contains("Objects have changed outside of provision"), "{plan}");
    assert!(plan.contains("backup_retention_period") && plan.contains("1 -> 7"), "{plan}");
    assert!(plan.contains("\"100\"") && plan.contains("\"500\""), "{plan}");
    assert!(plan.contains("\"hand-edited\" -> \"data\""), "{plan}");
    assert!(plan.contains("3 to change"), "{plan}");
    s.ok(&["apply", "--auto-approve"]);
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0));

    // An interrupted run created an instance and a cluster (tagged in their create calls) but
    // recorded neither: the next apply adopts them.
    let lineage = s.lineage();
    let tags = |address: &str| {
        vec![
            aws_sdk_rds::types::Tag::builder().key("provision:stack").value(&lineage).build(),
            aws_sdk_rds::types::Tag::builder().key("provision:address").value(address).build(),
        ]
    };
    rds.create_db_instance()
        .db_instance_identifier("extra-db")
        .db_instance_class("db.t4g.micro")
        .engine("postgres")
        .allocated_storage(20)
        .master_username("app")
        .master_user_password(PASSWORD)
        .set_tags(Some(tags("aws_db_instance.extra")))
        .send()
        .await
        .expect("create instance");
    let mut state = s.state();
    let provider = state["resources"][0]["provider"].clone();
    state["pending"] = serde_json::json!([{
        "address": "aws_db_instance.extra", "token": "t-1", "started_at": "2026-11-22T08:00:00Z",
        "dependencies": [], "provider": provider,
    }]);
    std::fs::write(s.path().join("provision.tfstate"), state.to_string()).expect("state");
    let main = s.path().join("main.tf");
    let mut config = std::fs::read_to_string(&main).expect("read");
    config.push_str(
        r#"
resource "aws_db_instance" "extra" {
  identifier          = "extra-db"
  engine              = "postgres"
  instance_class      = "db.t4g.micro"
  allocated_storage   = 20
  username            = "app"
  password            = var.db_password
  skip_final_snapshot = true
}
"#,
    );
    std::fs::write(&main, config).expect("config");
    let out = s.run(&["apply", "--auto-approve"]);
    assert!(out.status.success(), "{}", all(&out));
    assert!(all(&out).contains("aws_db_instance.extra: an interrupted run created extra-db"), "{}", all(&out));
    let all_instances = rds.describe_db_instances().send().await.expect("instances");
    let extras = all_instances.db_instances().iter().filter(|i| i.db_instance_identifier() == Some("extra-db")).count();
    assert_eq!(extras, 1, "adopted, not duplicated");
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0));
    assert_eq!(s.id_of("aws_db_instance.extra"), "extra-db");
}

/// What moto does at once, AWS does in minutes: statuses that last (scaled down by the fault
/// proxy) are waited for with progress, a `timeouts` block's deadline ends a wait with a message
/// naming the instance, changes queued by `apply_immediately = false` are reported pending and not
/// planned again, and a subnet group is changed in place.
#[tokio::test]
async fn slow_statuses_queued_changes_and_deadlines() {
    let config = r#"
provider "aws" {
  region = "eu-west-1"
}

resource "aws_vpc" "main" {
  cidr_block = "10.41.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.41.1.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_subnet" "b" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.41.2.0/24"
  availability_zone = "eu-west-1b"
}

resource "aws_db_subnet_group" "main" {
  name_prefix = "slow-"
  subnet_ids  = [aws_subnet.a.id]
}

resource "aws_db_instance" "slow" {
  identifier           = "slow-db"
  engine               = "postgres"
  instance_class       = "db.t4g.micro"
  allocated_storage    = 20
  username             = "app"
  password             = "not-a-real-secret-1"
  db_subnet_group_name = aws_db_subnet_group.main.name
  skip_final_snapshot  = true
  apply_immediately    = true
}
"#;
    let mut s = Stack::with_config(config);
    let proxy = FaultProxy::start(&s.moto.endpoint());
    let emulator = Arc::new(RdsEmulator::slow(3, 3, 3).queuing());
    proxy.set_rules(Rules::default().emulate(emulator.clone()));
    s.endpoint = Some(proxy.url());

    let out = s.run(&["-v", "apply", "--auto-approve"]);
    assert!(out.status.success(), "{}", all(&out));
    assert!(emulator.seen("creating") >= 3, "the create waited through `creating`");
    assert!(text(&out.stderr).contains("state=creating"), "the wait showed the status: {}", all(&out));

    // In place, applied now: waits through `modifying`.
    s.edit("instance_class       = \"db.t4g.micro\"", "instance_class       = \"db.t4g.medium\"");
    let out = s.run(&["-v", "apply", "--auto-approve"]);
    assert!(out.status.success(), "{}", all(&out));
    assert!(emulator.seen("modifying") >= 3, "the update waited through `modifying`");
    assert!(text(&out.stderr).contains("state=modifying"), "{}", all(&out));

    // Queued until the maintenance window: said so, and not planned again.
    s.edit("apply_immediately    = true", "apply_immediately    = false");
    s.edit("\"db.t4g.medium\"", "\"db.t4g.large\"");
    let out = s.run(&["apply", "--auto-approve"]);
    assert!(out.status.success(), "{}", all(&out));
    assert!(all(&out).contains("pending until the maintenance window"), "{}", all(&out));
    assert!(all(&out).contains("instance_class = db.t4g.large"), "{}", all(&out));
    let out = s.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "the queued change is not planned again: {}", all(&out));
    assert!(emulator.seen("queued") > 0);

    // The subnet group changes in place (moto's own ModifyDBSubnetGroup would delete it).
    s.edit("subnet_ids  = [aws_subnet.a.id]", "subnet_ids  = [aws_subnet.a.id, aws_subnet.b.id]");
    let out = s.run(&["apply", "--auto-approve"]);
    assert!(text(&out.stdout).contains("0 added, 1 changed, 0 destroyed"), "{}", all(&out));
    assert_eq!(emulator.seen("ModifyDBSubnetGroup"), 1);
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0));

    // The delete waits through `deleting`.
    let out = s.run(&["-v", "destroy", "--auto-approve"]);
    assert!(out.status.success(), "{}", all(&out));
    assert!(emulator.seen("deleting") >= 3, "the delete waited through `deleting`");
    assert!(text(&out.stderr).contains("state=deleting"), "{}", all(&out));

    // A deadline: `creating` outlasts `timeouts { create = "2s" }`.
    let stuck = Arc::new(RdsEmulator::slow(10_000, 0, 0));
    proxy.set_rules(Rules::default().emulate(stuck));
    s.edit("apply_immediately    = false", "apply_immediately    = false\n  timeouts {\n    create = \"2s\"\n  }");
    let started = std::time::Instant::now();
    let out = s.run(&["apply", "--auto-approve"]);
    assert_eq!(out.status.code(), Some(1), "{}", all(&out));
    let err = all(&out);
    assert!(err.contains("DB instance slow-db did not become available within"), "{err}");
    assert!(err.contains("(last state: creating"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(30), "the deadline stopped the wait");
}

/// `enabled_cloudwatch_logs_exports` on an instance and an Aurora cluster: created with the
/// logs asked for; one more log type is one in-place change (enable only what is new); the next
/// plan is clean; a log type RDS does not have is refused at plan time.
#[tokio::test]
async fn log_exports_are_created_changed_in_place_and_checked() {
    let s = Stack::with_config(
        r#"
provider "aws" {
  region = "eu-west-1"
}

variable "exports" {
  type    = list(string)
  default = ["postgresql"]
}

variable "cluster_exports" {
  type    = list(string)
  default = ["postgresql"]
}

resource "aws_db_instance" "logs" {
  identifier                      = "logs-db"
  engine                          = "postgres"
  engine_version                  = "16"
  instance_class                  = "db.t4g.micro"
  allocated_storage               = 20
  username                        = "app"
  password                        = "Xk9-correct-horse-battery"
  skip_final_snapshot             = true
  apply_immediately               = true
  enabled_cloudwatch_logs_exports = var.exports
}

resource "aws_rds_cluster" "logs" {
  cluster_identifier              = "logs-aurora"
  engine                          = "aurora-postgresql"
  engine_version                  = "16.4"
  master_username                 = "app"
  master_password                 = "Xk9-correct-horse-battery"
  skip_final_snapshot             = true
  apply_immediately               = true
  enabled_cloudwatch_logs_exports = var.cluster_exports
}
"#,
    );
    s.ok(&["apply", "--auto-approve"]);
    let rds = aws_sdk_rds::Client::new(&s.sdk().await);
    let exports = |rds: aws_sdk_rds::Client| async move {
        let i = rds.describe_db_instances().db_instance_identifier("logs-db").send().await.expect("instance");
        let c = rds.describe_db_clusters().db_cluster_identifier("logs-aurora").send().await.expect("cluster");
        let mut i = i.db_instances()[0].enabled_cloudwatch_logs_exports().to_vec();
        let mut c = c.db_clusters()[0].enabled_cloudwatch_logs_exports().to_vec();
        i.sort();
        c.sort();
        (i, c)
    };
    assert_eq!(exports(rds.clone()).await, (vec!["postgresql".to_string()], vec!["postgresql".to_string()]));
    assert!(s.ok(&["plan"]).contains("No changes"));

    let more = ["--var", r#"exports=["postgresql","upgrade"]"#];
    let plan = s.ok(&[&["plan"], &more[..]].concat());
    assert!(plan.contains("Plan: 0 to add, 1 to change, 0 to destroy."), "{plan}");
    s.ok(&[&["apply", "--auto-approve"], &more[..]].concat());
    // The cluster's change is made by the same call shape (`CloudwatchLogsExportConfiguration`),
    // which moto 5.2.5's ModifyDBCluster ignores (it reads a parameter AWS does not have), so only
    // the instance's is checked here.
    let both = vec!["postgresql".to_string(), "upgrade".to_string()];
    assert_eq!(exports(rds.clone()).await, (both, vec!["postgresql".to_string()]));
    assert!(s.ok(&[&["plan"], &more[..]].concat()).contains("No changes"));

    let out = s.run(&["plan", "--var", r#"exports=["slow-queries"]"#]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("`slow-queries` is not a log type RDS exports"), "{}", text(&out.stderr));
    s.ok(&[&["destroy", "--auto-approve"], &more[..]].concat());
}
