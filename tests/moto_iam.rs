//! End to end through the CLI against moto: IAM roles, policies, inline policies and attachments,
//! the policy document data source, CloudWatch log groups, ECR repositories and their policies.
//! Lifecycle, drift, policies compared by meaning, batched reads, crash adoption by name, the
//! delete ordering IAM requires, and ECR deletes refused at plan time.

mod support;

use support::{Stack, text};

/// Every type of the three crates in one stack (it passes `terraform validate`).
const STACK: &str = include_str!("moto_iam/main.tf");

impl Stack {
    async fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.sdk().await)
    }

    async fn logs(&self) -> aws_sdk_cloudwatchlogs::Client {
        aws_sdk_cloudwatchlogs::Client::new(&self.sdk().await)
    }

    async fn ecr(&self) -> aws_sdk_ecr::Client {
        aws_sdk_ecr::Client::new(&self.sdk().await)
    }

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

    fn edit(&self, from: &str, to: &str) {
        let main = self.path().join("main.tf");
        let config = std::fs::read_to_string(&main).expect("read");
        assert!(config.contains(from), "the configuration has no {from:?}");
        std::fs::write(&main, config.replace(from, to)).expect("edit");
    }

    /// The addresses a JSON plan changes (anything but no-op), with their actions.
    fn changes(&self) -> Vec<(String, String)> {
        let out = self.run(&["plan", "--json"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        j["resource_changes"]
            .as_array()
            .expect("changes")
            .iter()
            .filter(|c| c["change"]["actions"] != serde_json::json!(["no-op"]))
            .filter(|c| !c["address"].as_str().unwrap_or_default().starts_with("data."))
            .map(|c| (c["address"].as_str().unwrap_or_default().to_string(), c["change"]["actions"].to_string()))
            .collect()
    }

    fn no_changes(&self) {
        let out = self.run(&["plan", "--detailed-exitcode"]);
        assert_eq!(out.status.code(), Some(0), "{}\n{}", text(&out.stdout), text(&out.stderr));
    }
}

/// How many times `-v` says an operation was called.
fn calls(stderr: &str, op: &str) -> u64 {
    let key = format!(":{op}=");
    stderr
        .split_whitespace()
        .filter_map(|w| w.find(&key).map(|i| &w[i + key.len()..]))
        .filter_map(|n| n.trim_matches(|c: char| !c.is_ascii_digit()).parse::<u64>().ok())
        .sum()
}

async fn role_names(iam: &aws_sdk_iam::Client) -> Vec<String> {
    let out = iam.list_roles().send().await.expect("roles");
    out.roles().iter().map(|r| r.role_name().to_string()).collect()
}

#[tokio::test]
async fn iam_logs_and_ecr_lifecycle_drift_and_destroy() {
    let s = Stack::with_config(STACK);
    let applied = s.ok(&["apply", "--auto-approve"]);
    assert!(applied.contains("Apply complete! Resources: 12 added, 0 changed, 0 destroyed."), "{applied}");
    s.no_changes();
    s.ok(&["apply", "--auto-approve"]);
    s.assert_reads_match_schemas(&[
        "aws_iam_role",
        "aws_iam_policy",
        "aws_iam_role_policy",
        "aws_iam_role_policy_attachment",
        "aws_cloudwatch_log_group",
        "aws_ecr_repository",
        "aws_ecr_lifecycle_policy",
        "aws_ecr_repository_policy",
        "aws_iam_instance_profile",
        "aws_iam_openid_connect_provider",
    ]);

    // The generated name keeps the prefix; the data source rendered Terraform's JSON.
    let task = s.id_of("aws_iam_role.task");
    assert!(task.starts_with("app-task-") && task.len() == "app-task-".len() + 26, "{task}");
    let iam = s.iam().await;
    let exec = iam.get_role().role_name("app-exec").send().await.expect("role");
    let exec = exec.role().expect("role");
    assert_eq!(exec.description(), Some("runs the app"));
    assert!(exec.tags().iter().any(|t| t.key() == "provision:address" && t.value() == "aws_iam_role.exec"));

    // Batched reads: the roles, inline policies and attachments each in one paginated call.
    let out = s.run(&["-v", "plan"]);
    let err = text(&out.stderr);
    assert_eq!(calls(&err, "GetAccountAuthorizationDetails"), 3, "roles, inline policies, attachments:\n{err}");
    assert_eq!(calls(&err, "ListRoles"), 1, "{err}");
    assert_eq!(calls(&err, "GetRole"), 1, "no per-role read, only data.aws_iam_role's:\n{err}");
    assert_eq!(calls(&err, "DescribeLogGroups"), 1, "both groups by their common prefix:\n{err}");
    assert_eq!(calls(&err, "DescribeRepositories"), 2, "the resource's and data.aws_ecr_repository's:\n{err}");

    // The same policies written differently: no change.
    s.edit(
        r#"Statement = [{ Effect = "Allow", Action = ["s3:GetObject", "s3:ListBucket"], Resource = "*" }]"#,
        r#"Statement = { Resource = ["*"], Action = ["s3:ListBucket", "s3:GetObject"], Effect = "Allow" }"#,
    );
    s.edit(r#"Action    = "sts:AssumeRole""#, r#"Action    = ["sts:AssumeRole"]"#);
    s.no_changes();

    // Drift made outside: a description changed, the attached policy detached, retention removed.
    let read_arn = s.id_of("aws_iam_policy.read");
    iam.update_role().role_name("app-exec").description("edited by hand").send().await.expect("update");
    iam.detach_role_policy().role_name("app-exec").policy_arn(&read_arn).send().await.expect("detach");
    let logs = s.logs().await;
    logs.delete_retention_policy().log_group_name("/ecs/app").send().await.expect("retention");
    let plan = s.ok(&["plan"]);
    assert!(plan.contains("Objects have changed outside of provision"), "{plan}");
    assert!(plan.contains("\"edited by hand\" -> \"runs the app\""), "{plan}");
    assert!(plan.contains("aws_iam_role_policy_attachment.exec_read has been deleted"), "{plan}");
    assert!(plan.contains("Plan: 1 to add, 2 to change, 0 to destroy."), "{plan}");
    s.ok(&["apply", "--auto-approve"]);
    s.no_changes();
    let attached = iam.list_attached_role_policies().role_name("app-exec").send().await.expect("attached");
    assert_eq!(attached.attached_policies().len(), 1, "the policy is attached again");

    // In place: a policy document (a new default version), a description, a retention, a tag.
    s.edit(r#"Action = ["s3:ListBucket", "s3:GetObject"]"#, r#"Action = ["s3:GetObject"]"#);
    s.edit(r#"description        = "runs the app""#, r#"description        = "runs the service""#);
    s.edit("retention_in_days = 30", "retention_in_days = 90");
    // (From false to true: the SDK leaves a false `scanOnPush` out of the request, which moto
    // then ignores; AWS reads the missing member as false.)
    s.edit(r#"scan_on_push = false"#, r#"scan_on_push = true"#);
    let mut changed = s.changes();
    changed.sort();
    let expected: Vec<(String, String)> =
        ["aws_cloudwatch_log_group.app", "aws_ecr_repository.app", "aws_iam_policy.read", "aws_iam_role.exec"]
            .iter()
            .map(|a| (a.to_string(), "[\"update\"]".to_string()))
            .collect();
    assert_eq!(changed, expected);
    s.ok(&["apply", "--auto-approve"]);
    s.no_changes();
    let versions = iam.list_policy_versions().policy_arn(&read_arn).send().await.expect("versions");
    assert_eq!(versions.versions().len(), 2, "a new default version");
    let g = logs.describe_log_groups().log_group_name_prefix("/ecs/app").send().await.expect("groups");
    assert_eq!(g.log_groups()[0].retention_in_days(), Some(90));

    // A retention AWS does not accept fails the plan, naming the argument.
    s.edit("retention_in_days = 90", "retention_in_days = 13");
    let out = s.run(&["plan"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("13 days is not a retention AWS accepts"), "{}", text(&out.stderr));
    s.edit("retention_in_days = 13", "retention_in_days = 90");

    // A replacement: the path of a role cannot change in place.
    s.edit("max_session_duration = 7200", "max_session_duration = 7200\n  path = \"/svc/\"");
    let changed = s.changes();
    assert!(changed.iter().any(|(a, act)| a == "aws_iam_role.task" && act.contains("delete")), "{changed:?}");
    s.ok(&["apply", "--auto-approve"]);
    s.no_changes();

    let destroyed = s.ok(&["destroy", "--auto-approve"]);
    assert!(destroyed.contains("Destroy complete! Resources: 12 destroyed."), "{destroyed}");
    assert!(role_names(&iam).await.is_empty(), "roles are left");
    let policies =
        iam.list_policies().scope(aws_sdk_iam::types::PolicyScopeType::Local).send().await.expect("policies");
    assert!(policies.policies().is_empty(), "policies are left");
    let g = logs.describe_log_groups().send().await.expect("groups");
    assert!(g.log_groups().is_empty(), "log groups are left");
    let r = s.ecr().await.describe_repositories().send().await.expect("repos");
    assert!(r.repositories().is_empty(), "repositories are left");
}

const CRASH: &str = r#"
resource "aws_iam_role" "adopted" {
  name               = "crash-role"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ecs-tasks.amazonaws.com" } }] })
}

resource "aws_iam_role" "taken" {
  name               = "someone-elses"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ecs-tasks.amazonaws.com" } }] })
}

resource "aws_cloudwatch_log_group" "crash" {
  name = "/crash/logs"
}

resource "aws_ecr_repository" "crash" {
  name = "crash-repo"
}
"#;

/// Runs killed after AWS created a role, a log group and a repository, before the state recorded
/// them: the next run reads each back by the name its pending record kept and adopts what its tags
/// say is ours; a same-name role that is not ours is left alone and named.
#[tokio::test]
async fn objects_made_by_an_interrupted_run_are_found_by_name() {
    let s = Stack::with_config(CRASH);
    let lineage = "11111111-2222-3333-4444-555555555555";
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"ecs-tasks.amazonaws.com"}}]}"#;
    let iam = s.iam().await;
    let tag = |k: &str, v: &str| aws_sdk_iam::types::Tag::builder().key(k).value(v).build().expect("tag");
    iam.create_role()
        .role_name("crash-role")
        .assume_role_policy_document(doc)
        .tags(tag("provision:stack", lineage))
        .tags(tag("provision:address", "aws_iam_role.adopted"))
        .send()
        .await
        .expect("role");
    iam.create_role().role_name("someone-elses").assume_role_policy_document(doc).send().await.expect("role");
    s.logs()
        .await
        .create_log_group()
        .log_group_name("/crash/logs")
        .tags("provision:stack", lineage)
        .tags("provision:address", "aws_cloudwatch_log_group.crash")
        .send()
        .await
        .expect("group");
    let etag = |k: &str, v: &str| aws_sdk_ecr::types::Tag::builder().key(k).value(v).build().expect("tag");
    s.ecr()
        .await
        .create_repository()
        .repository_name("crash-repo")
        .tags(etag("provision:stack", lineage))
        .tags(etag("provision:address", "aws_ecr_repository.crash"))
        .send()
        .await
        .expect("repo");
    let pending = |address: &str, name: &str| {
        serde_json::json!({ "address": address, "token": "t-1", "started_at": "2026-11-22T08:00:00Z",
            "dependencies": [], "provider": "aws", "natural_key": name, "desired": { "name": name } })
    };
    let state = serde_json::json!({
        "format": "provision-state", "format_version": 2, "serial": 1, "lineage": lineage,
        "provision_version": "0.1.0", "resources": [], "outputs": {},
        "pending": [
            pending("aws_iam_role.adopted", "crash-role"),
            pending("aws_iam_role.taken", "someone-elses"),
            pending("aws_cloudwatch_log_group.crash", "/crash/logs"),
            pending("aws_ecr_repository.crash", "crash-repo"),
        ],
    });
    std::fs::write(s.path().join("provision.tfstate"), state.to_string()).expect("state");

    let out = s.run(&["plan"]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    for (address, id) in [
        ("aws_iam_role.adopted", "crash-role"),
        ("aws_cloudwatch_log_group.crash", "/crash/logs"),
        ("aws_ecr_repository.crash", "crash-repo"),
    ] {
        assert!(
            stdout.contains(&format!("{address}: an interrupted run created {id}")),
            "{address}:\n{stdout}\n{stderr}"
        );
    }
    assert!(
        stderr.contains("aws_iam_role.taken: an object with this name already exists (someone-elses), but it carries no provision tags"),
        "{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("Plan: 1 to add, 0 to change, 0 to destroy."),
        "only the role that is not ours is planned:\n{stdout}"
    );

    // Without the role that is someone else's, the stack converges with no duplicate.
    s.edit("resource \"aws_iam_role\" \"taken\"", "resource \"aws_iam_role\" \"unused\"");
    s.edit("\"someone-elses\"", "\"ours-now\"");
    s.ok(&["apply", "--auto-approve"]);
    s.no_changes();
    let mut roles = role_names(&iam).await;
    roles.sort();
    assert_eq!(roles, ["crash-role", "ours-now", "someone-elses"]);
    s.ok(&["destroy", "--auto-approve"]);
    assert_eq!(role_names(&iam).await, ["someone-elses"], "the role that is not ours is left alone");
}

const ORDERING: &str = r#"
resource "aws_iam_role" "app" {
  name                  = "ordering"
  force_detach_policies = true
  assume_role_policy    = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ecs-tasks.amazonaws.com" } }] })
  inline_policy {
    name   = "inline"
    policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }] })
  }
}

resource "aws_iam_policy" "p" {
  name   = "ordering"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }] })
}

resource "aws_iam_role_policy_attachment" "a" {
  role       = aws_iam_role.app.name
  policy_arn = aws_iam_policy.p.arn
}
"#;

/// AWS refuses to delete a role that still has policies, and a policy that is still attached or
/// has other versions; moto allows the latter. Through the IAM emulation of the fault proxy (which
/// refuses as AWS does) and with `DeleteRole` failing twice with `DeleteConflict` as while an
/// attachment is still going away, a destroy detaches, deletes versions and retries until done.
#[tokio::test]
async fn destroy_follows_the_order_iam_requires() {
    use provision_testkit::emulate_iam::IamDeleteRules;
    use provision_testkit::faults::{Fault, FaultProxy, FaultRule, Rules, When};
    let mut s = Stack::with_config(ORDERING);
    let proxy = FaultProxy::start(&s.moto.endpoint());
    let emulation = std::sync::Arc::new(IamDeleteRules::default());
    proxy.set_rules(Rules::default().emulate(emulation.clone()).with(FaultRule::new(
        Some("iam"),
        Some("DeleteRole"),
        When::FirstN(2),
        Fault::error(409, "DeleteConflict", "Cannot delete entity, must detach all policies first."),
    )));
    s.endpoint = Some(proxy.url());
    s.ok(&["apply", "--auto-approve"]);
    // A policy change makes a second version, which must go before the policy.
    s.edit(r#"resource "aws_iam_policy" "p" {
  name   = "ordering"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }] })"#, r#"resource "aws_iam_policy" "p" {
  name   = "ordering"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:PutObject", Resource = "*" }] })"#);
    s.ok(&["apply", "--auto-approve"]);
    // A policy attached outside this configuration: force_detach_policies detaches it too.
    let iam = s.iam().await;
    let outside = iam
        .create_policy()
        .policy_name("outside")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}"#,
        )
        .send()
        .await
        .expect("policy");
    let outside = outside.policy().and_then(|p| p.arn()).expect("arn").to_string();
    iam.attach_role_policy().role_name("ordering").policy_arn(&outside).send().await.expect("attach");
    let destroyed = s.ok(&["destroy", "--auto-approve"]);
    assert!(destroyed.contains("Destroy complete! Resources: 3 destroyed."), "{destroyed}");
    assert!(role_names(&iam).await.is_empty());
    let stats = proxy.stats();
    assert_eq!(stats.injected_total("error"), 2, "DeleteRole was refused twice, then retried: {stats:?}");
    let policies =
        iam.list_policies().scope(aws_sdk_iam::types::PolicyScopeType::Local).send().await.expect("policies");
    let left: Vec<&str> = policies.policies().iter().filter_map(|p| p.policy_name()).collect();
    assert_eq!(left, ["outside"], "the stack's policy is gone, the one made outside is left");
    // The attachment went before the policy, and the policy's other version before it.
    assert_eq!(emulation.refused(), 0, "DeletePolicy was refused as AWS would");
}

const REPO: &str = r#"
resource "aws_ecr_repository" "app" {
  name = "with-images"
}

resource "aws_cloudwatch_log_group" "kept" {
  name         = "/kept"
  skip_destroy = false
}
"#;

/// A repository holding images is refused at plan time, before anything is deleted, unless
/// `force_delete` is set — set now, in the configuration, even though the recorded value is false.
/// `skip_destroy` set the same way leaves a log group in AWS.
#[tokio::test]
async fn a_repository_holding_images_is_refused_at_plan_unless_force_delete() {
    let s = Stack::with_config(REPO);
    s.ok(&["apply", "--auto-approve"]);
    let ecr = s.ecr().await;
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": { "mediaType": "application/vnd.docker.container.image.v1+json", "size": 7023,
                    "digest": "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7" },
        "layers": [{ "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 32654,
                     "digest": "sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f" }]
    });
    ecr.put_image()
        .repository_name("with-images")
        .image_manifest(manifest.to_string())
        .image_tag("v1")
        .send()
        .await
        .expect("push an image");

    let out = s.run(&["destroy", "--auto-approve"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(err.contains("aws_ecr_repository.app cannot be deleted"), "{err}");
    assert!(err.contains("set force_delete = true"), "{err}");
    let logs = s.logs().await;
    let groups = logs.describe_log_groups().send().await.expect("groups");
    assert_eq!(groups.log_groups().len(), 1, "nothing was deleted: the log group is still there");

    // Set now, only in the configuration: the destroy deletes the images with the repository, and
    // leaves the log group.
    s.edit("name = \"with-images\"", "name = \"with-images\"\n  force_delete = true");
    s.edit("skip_destroy = false", "skip_destroy = true");
    let destroyed = s.ok(&["destroy", "--auto-approve"]);
    assert!(destroyed.contains("Destroy complete! Resources: 2 destroyed."), "{destroyed}");
    let repos = ecr.describe_repositories().send().await.expect("repos");
    assert!(repos.repositories().is_empty(), "the repository is left");
    let groups = logs.describe_log_groups().send().await.expect("groups");
    assert_eq!(groups.log_groups().len(), 1, "skip_destroy left the log group in AWS");
}
