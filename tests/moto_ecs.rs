//! End to end through the CLI against moto: ECS clusters, capacity providers, task definitions and
//! services, and Application Auto Scaling targets and policies. Where moto cannot show a behaviour
//! (deployments rolling over several reads, a role ECS cannot assume yet), the fault-injection
//! proxy emulates it (`provision_testkit::emulate_ecs`).

mod support;

use provision_testkit::emulate_ecs::{Deployments, RoleNotReady};
use provision_testkit::faults::{FaultProxy, Rules};
use std::sync::Arc;
use support::{Stack, text};

/// A network for the service, and everything of ECS and Application Auto Scaling. The container
/// definitions are written the way nobody's are read back: keys in another order, odd
/// whitespace, `environment` unsorted, and none of the defaults ECS adds.
const STACK: &str = r#"
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
}

resource "aws_security_group" "tasks" {
  name   = "tasks"
  vpc_id = aws_vpc.main.id
}

resource "aws_ecs_cluster" "main" {
  name = "app"
  setting {
    name  = "containerInsights"
    value = "enabled"
  }
  tags = { Team = "web" }
}

resource "aws_ecs_cluster_capacity_providers" "main" {
  cluster_name       = aws_ecs_cluster.main.name
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]
  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
    base              = 1
  }
}

resource "aws_ecs_task_definition" "app" {
  family                   = "app"
  network_mode             = "awsvpc"
  requires_compatibilities = ["FARGATE"]
  cpu                      = "256"
  memory                   = "512"
  execution_role_arn       = "arn:aws:iam::123456789012:role/exec"
  task_role_arn            = "arn:aws:iam::123456789012:role/task"
  container_definitions    = <<-JSON
    [
      {   "image": "nginx:1.27",     "name": "web",
          "portMappings": [ { "containerPort": 80 } ],
          "environment": [ { "value": "production", "name": "STAGE" }, { "name": "COLOR", "value": "blue" } ],
          "logConfiguration": { "options": { "awslogs-region": "us-east-1", "awslogs-group": "/ecs/app" },
                                "logDriver": "awslogs" }
      }
    ]
  JSON
  tags = { Team = "web" }
}

resource "aws_ecs_service" "app" {
  name            = "app"
  cluster         = aws_ecs_cluster.main.id
  task_definition = aws_ecs_task_definition.app.arn
  desired_count   = 2
  launch_type     = "FARGATE"
  network_configuration {
    subnets         = [aws_subnet.a.id]
    security_groups = [aws_security_group.tasks.id]
  }
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
  tags = { Team = "web" }
}

resource "aws_appautoscaling_target" "app" {
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.main.name}/${aws_ecs_service.app.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = 1
  max_capacity       = 4
}

resource "aws_appautoscaling_policy" "cpu" {
  name               = "cpu"
  policy_type        = "TargetTrackingScaling"
  resource_id        = aws_appautoscaling_target.app.resource_id
  scalable_dimension = aws_appautoscaling_target.app.scalable_dimension
  service_namespace  = aws_appautoscaling_target.app.service_namespace
  target_tracking_scaling_policy_configuration {
    target_value = 70
    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}
"#;

const TYPES: &[&str] = &[
    "aws_ecs_cluster",
    "aws_ecs_cluster_capacity_providers",
    "aws_ecs_task_definition",
    "aws_ecs_service",
    "aws_appautoscaling_target",
    "aws_appautoscaling_policy",
];

impl Stack {
    async fn ecs(&self) -> aws_sdk_ecs::Client {
        aws_sdk_ecs::Client::new(&self.sdk().await)
    }

    async fn aas(&self) -> aws_sdk_applicationautoscaling::Client {
        aws_sdk_applicationautoscaling::Client::new(&self.sdk().await)
    }

    fn id_of(&self, address: &str) -> String {
        self.state()["resources"]
            .as_array()
            .and_then(|rs| rs.iter().find(|r| r["address"] == address))
            .and_then(|r| r["attributes"]["id"].as_str())
            .unwrap_or_else(|| panic!("{address} is not in state"))
            .to_string()
    }

    fn edit(&self, from: &str, to: &str) {
        let main = self.path().join("main.tf");
        let config = std::fs::read_to_string(&main).expect("read");
        assert!(config.contains(from), "the configuration has no {from:?}");
        std::fs::write(&main, config.replacen(from, to, 1)).expect("edit");
    }

    /// `plan --json`: the addresses with a change and their actions.
    fn planned(&self) -> Vec<(String, String)> {
        let out = self.run(&["plan", "--json"]);
        assert!(out.status.success(), "{}\n{}", text(&out.stdout), text(&out.stderr));
        let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        j["resource_changes"]
            .as_array()
            .expect("changes")
            .iter()
            .filter(|c| c["change"]["actions"] != serde_json::json!(["no-op"]))
            .map(|c| (c["address"].as_str().unwrap_or_default().to_string(), c["change"]["actions"].to_string()))
            .collect()
    }

    fn no_changes(&self) {
        let out = self.run(&["plan", "--detailed-exitcode"]);
        assert_eq!(out.status.code(), Some(0), "expected no changes:\n{}\n{}", text(&out.stdout), text(&out.stderr));
    }
}

/// Whether the service is gone as far as ECS goes (moto keeps it, `INACTIVE`).
async fn service_status(ecs: &aws_sdk_ecs::Client, cluster: &str, name: &str) -> Option<String> {
    let out = ecs.describe_services().cluster(cluster).services(name).send().await.ok()?;
    out.services().first().and_then(|s| s.status()).map(str::to_string)
}

async fn active_revisions(ecs: &aws_sdk_ecs::Client, family: &str) -> Vec<String> {
    let out = ecs
        .list_task_definitions()
        .family_prefix(family)
        .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
        .send()
        .await
        .expect("list task definitions");
    out.task_definition_arns().to_vec()
}

/// Create → no changes (no JSON noise) → one environment variable changed is a new revision and a
/// service update, nothing else → drift corrected → the nightly teardown takes exactly the runtime
/// layer → back → destroy leaves nothing, the service going before its cluster.
#[tokio::test]
async fn ecs_stack_lifecycle() {
    let s = Stack::with_config(STACK);
    let out = s.ok(&["apply", "--auto-approve"]);
    assert!(out.contains("Apply complete! Resources: 9 added"), "{out}");
    s.no_changes();
    s.ok(&["apply", "--auto-approve"]);
    s.assert_reads_match_schemas(TYPES);

    // A refresh reads each type in one call (no batch API for task definitions: one per revision).
    let out = s.run(&["-v", "plan"]);
    let err = text(&out.stderr);
    for call in [
        "ECS:DescribeClusters=2",
        "ECS:DescribeTaskDefinition=1",
        "ECS:DescribeServices=1",
        "Application Auto Scaling:DescribeScalableTargets=1",
        "Application Auto Scaling:DescribeScalingPolicies=1",
    ] {
        assert!(err.contains(call), "{call} expected:\n{err}");
    }

    // One environment variable changed: a new revision, and the service moves to it.
    let ecs = s.ecs().await;
    let first = s.id_of("aws_ecs_task_definition.app");
    s.edit("\"value\": \"blue\"", "\"value\": \"green\"");
    let mut planned = s.planned();
    planned.sort();
    assert_eq!(
        planned,
        vec![
            ("aws_ecs_service.app".to_string(), r#"["update"]"#.to_string()),
            ("aws_ecs_task_definition.app".to_string(), r#"["update"]"#.to_string()),
        ]
    );
    let plan = s.ok(&["plan"]);
    assert!(plan.contains("registers a new revision"), "{plan}");
    assert!(plan.contains("green"), "the change shows in the JSON's diff: {plan}");
    let out = s.ok(&["apply", "--auto-approve"]);
    assert!(out.contains("0 added, 2 changed, 0 destroyed"), "{out}");
    let second = s.id_of("aws_ecs_task_definition.app");
    assert_ne!(first, second);
    assert!(second.ends_with(":2"), "{second}");
    assert_eq!(active_revisions(&ecs, "app").await, vec![second.clone()], "the old revision was deregistered");
    let svc = ecs.describe_services().cluster("app").services("app").send().await.expect("describe");
    assert_eq!(svc.services()[0].task_definition(), Some(second.as_str()));
    s.no_changes();

    // Drift: the service scaled and the cluster's insights turned off behind provision's back.
    ecs.update_service().cluster("app").service("app").desired_count(5).send().await.expect("scale");
    ecs.update_cluster()
        .cluster("app")
        .settings(
            aws_sdk_ecs::types::ClusterSetting::builder()
                .name(aws_sdk_ecs::types::ClusterSettingName::ContainerInsights)
                .value("disabled")
                .build(),
        )
        .send()
        .await
        .expect("settings");
    let mut planned = s.planned();
    planned.sort();
    assert_eq!(
        planned,
        vec![
            ("aws_ecs_cluster.main".to_string(), r#"["update"]"#.to_string()),
            ("aws_ecs_service.app".to_string(), r#"["update"]"#.to_string()),
        ]
    );
    s.ok(&["apply", "--auto-approve"]);
    let svc = ecs.describe_services().cluster("app").services("app").send().await.expect("describe");
    assert_eq!(svc.services()[0].desired_count(), 2, "drift corrected");
    s.no_changes();

    // The nightly teardown: the service, its task definition and the scaling that depends on it.
    let out = s.ok(&["destroy", "--layer", "runtime", "--auto-approve"]);
    assert!(out.contains("Resources: 4 destroyed."), "{out}");
    assert_eq!(service_status(&ecs, "app", "app").await.as_deref(), Some("INACTIVE"));
    assert!(active_revisions(&ecs, "app").await.is_empty());
    let targets =
        s.aas().await.describe_scalable_targets().service_namespace("ecs".into()).send().await.expect("targets");
    assert!(targets.scalable_targets().is_empty(), "the scaling target went with its service");
    let out = s.ok(&["apply", "--auto-approve"]);
    assert!(out.contains("Resources: 4 added, 0 changed, 0 destroyed."), "{out}");
    s.no_changes();

    // A new name replaces the service, and the scaling of the old one with it.
    s.edit("name            = \"app\"", "name            = \"web\"");
    let mut planned = s.planned();
    planned.sort();
    let replace = r#"["delete","create"]"#.to_string();
    assert_eq!(
        planned,
        vec![
            ("aws_appautoscaling_policy.cpu".to_string(), replace.clone()),
            ("aws_appautoscaling_target.app".to_string(), replace.clone()),
            ("aws_ecs_service.app".to_string(), replace),
        ]
    );
    let out = s.ok(&["apply", "--auto-approve"]);
    assert!(out.contains("Resources: 3 added, 0 changed, 3 destroyed."), "{out}");
    assert_eq!(service_status(&ecs, "app", "app").await.as_deref(), Some("INACTIVE"));
    assert_eq!(service_status(&ecs, "app", "web").await.as_deref(), Some("ACTIVE"));
    s.no_changes();

    // Everything: the service is deleted before the cluster and the task definition.
    let out = s.ok(&["destroy", "--auto-approve"]);
    assert!(out.contains("Destroy complete! Resources: 9 destroyed."), "{out}");
    let at =
        |what: &str| out.find(&format!("{what}: Destruction complete")).unwrap_or_else(|| panic!("{what} in {out}"));
    assert!(at("aws_ecs_service.app") < at("aws_ecs_cluster.main"), "{out}");
    assert!(at("aws_ecs_service.app") < at("aws_ecs_task_definition.app"), "{out}");
    assert!(at("aws_appautoscaling_policy.cpu") < at("aws_appautoscaling_target.app"), "{out}");
    assert_eq!(service_status(&ecs, "app", "web").await.as_deref(), Some("INACTIVE"));
    let clusters = ecs.describe_clusters().clusters("app").send().await.expect("clusters");
    assert!(clusters.clusters().iter().all(|c| c.status() == Some("INACTIVE")));
    assert!(active_revisions(&ecs, "app").await.is_empty());
    let policies =
        s.aas().await.describe_scaling_policies().service_namespace("ecs".into()).send().await.expect("policies");
    assert!(policies.scaling_policies().is_empty());
    assert_eq!(s.state()["resources"], serde_json::json!([]));
}

/// CI registers new revisions and autoscaling sets the count: with `ignore_changes` the plan stays
/// clean, and an unrelated change does not undo either. Fargate sizes are checked at plan time.
#[tokio::test]
async fn ignore_changes_leave_ci_and_autoscaling_alone() {
    let s = Stack::with_config(&STACK.replace(
        "  tags = { Team = \"web\" }\n}\n\nresource \"aws_appautoscaling_target\"",
        "  tags = { Team = \"web\" }\n  lifecycle {\n    ignore_changes = [desired_count, task_definition]\n  }\n}\n\nresource \"aws_appautoscaling_target\"",
    ));
    s.ok(&["apply", "--auto-approve"]);
    let ecs = s.ecs().await;
    // What a CI deploy does: a new revision of the family, and the service moved to it; what
    // autoscaling does: a new desired count.
    let td = ecs
        .describe_task_definition()
        .task_definition(s.id_of("aws_ecs_task_definition.app"))
        .send()
        .await
        .expect("td");
    let td = td.task_definition().expect("td");
    let ci = ecs
        .register_task_definition()
        .family("app")
        .set_container_definitions(Some(td.container_definitions().to_vec()))
        .network_mode(aws_sdk_ecs::types::NetworkMode::Awsvpc)
        .requires_compatibilities(aws_sdk_ecs::types::Compatibility::Fargate)
        .cpu("256")
        .memory("512")
        .send()
        .await
        .expect("register");
    let ci_arn = ci.task_definition().and_then(|t| t.task_definition_arn()).expect("arn").to_string();
    ecs.update_service()
        .cluster("app")
        .service("app")
        .task_definition(&ci_arn)
        .desired_count(4)
        .send()
        .await
        .expect("deploy");
    s.no_changes();

    s.edit("desired_count   = 2", "desired_count   = 3\n  deployment_maximum_percent = 150");
    assert_eq!(s.planned(), vec![("aws_ecs_service.app".to_string(), r#"["update"]"#.to_string())]);
    s.ok(&["apply", "--auto-approve"]);
    let svc = ecs.describe_services().cluster("app").services("app").send().await.expect("describe");
    let svc = &svc.services()[0];
    assert_eq!(svc.desired_count(), 4, "autoscaling's count stays");
    assert_eq!(svc.task_definition(), Some(ci_arn.as_str()), "CI's revision stays");
    assert_eq!(svc.deployment_configuration().and_then(|d| d.maximum_percent()), Some(150));
    s.no_changes();

    // A Fargate size that does not exist fails the plan, naming what would.
    s.edit("memory                   = \"512\"", "memory                   = \"4096\"");
    let out = s.run(&["plan"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("512, 1024 or 2048") && err.contains("aws_ecs_task_definition.app"), "{err}");
}

/// A run killed after ECS created the cluster, the revision and the service, before the state
/// recorded them: the next apply finds each by its tags and adopts it. (moto's CreateService with
/// an existing name silently replaces the service, so creating again would not even fail there:
/// adoption is what keeps one service with its tags and load balancers.)
#[tokio::test]
async fn an_interrupted_apply_is_adopted_without_duplicates() {
    let s = Stack::with_config(STACK);
    s.ok(&["apply", "--auto-approve"]);
    let lineage = s.lineage();
    let lost = ["aws_ecs_cluster.main", "aws_ecs_task_definition.app", "aws_ecs_service.app"];
    let before: Vec<String> = lost.iter().map(|a| s.id_of(a)).collect();
    let mut state = s.state();
    // What the interrupted creates were given: the arguments as recorded.
    let desired: Vec<serde_json::Value> = lost
        .iter()
        .map(|a| {
            let r =
                state["resources"].as_array().and_then(|rs| rs.iter().find(|r| r["address"] == *a)).expect("in state");
            r["attributes"].clone()
        })
        .collect();
    state["resources"]
        .as_array_mut()
        .expect("resources")
        .retain(|r| !lost.contains(&r["address"].as_str().unwrap_or_default()));
    state["pending"] = serde_json::json!(
        lost.iter()
            .zip(&desired)
            .map(|(a, d)| serde_json::json!({
                "address": a, "token": "t-1", "started_at": "2026-11-22T08:00:00Z", "dependencies": [],
                "provider": "aws", "desired": d
            }))
            .collect::<Vec<_>>()
    );
    std::fs::write(s.path().join("provision.tfstate"), state.to_string()).expect("state");

    let out = s.ok(&["apply", "--auto-approve"]);
    for (a, id) in lost.iter().zip(&before) {
        assert!(out.contains(&format!("{a}: an interrupted run created {id}")), "{a}: {out}");
    }
    assert!(out.contains("0 added"), "{out}");
    assert_eq!(s.lineage(), lineage);
    let after: Vec<String> = lost.iter().map(|a| s.id_of(a)).collect();
    assert_eq!(after, before);
    let ecs = s.ecs().await;
    let services = ecs.list_services().cluster("app").send().await.expect("services");
    assert_eq!(services.service_arns().len(), 1, "one service");
    let svc = ecs
        .describe_services()
        .cluster("app")
        .services("app")
        .include(aws_sdk_ecs::types::ServiceField::Tags)
        .send()
        .await
        .expect("describe");
    assert!(svc.services()[0].tags().iter().any(|t| t.key() == Some("Team")), "its tags are intact");
    assert_eq!(active_revisions(&ecs, "app").await.len(), 1, "one revision");
    s.no_changes();
}

/// `wait_for_steady_state`: a deployment that takes several reads to get all its tasks running,
/// with a failed task on the way. The apply waits for it; a deployment that never settles fails
/// at the deadline, its error saying how far it got and why the task stopped.
#[tokio::test]
async fn steady_state_waits_and_shows_the_deployments_progress() {
    let mut s = Stack::with_config(
        &STACK.replace("  desired_count   = 2\n", "  desired_count   = 2\n  wait_for_steady_state = true\n"),
    );
    let proxy = FaultProxy::start(&s.moto.endpoint());
    let rolling =
        Arc::new(Deployments::new(4, "CannotPullContainerError: pull image manifest has been retried 5 time(s)"));
    proxy.set_rules(Rules::default().emulate(rolling.clone()));
    s.endpoint = Some(proxy.url());
    s.ok(&["apply", "--auto-approve"]);
    assert!(rolling.rolled() >= 4, "the apply waited through the rollout ({} rolling reads)", rolling.rolled());
    assert!(proxy.stats().requests_of("ecs:DescribeTasks") >= 1, "the stopped task's reason was read");

    // A deployment that never finishes: the update times out saying what it saw last.
    let stuck = Arc::new(Deployments::new(1_000, "Essential container in task exited"));
    proxy.set_rules(Rules::default().emulate(stuck));
    s.edit("\"value\": \"blue\"", "\"value\": \"green\"");
    s.edit("  tags = { Team = \"web\" }\n}\n\nresource \"aws_appautoscaling_target\"", "  tags = { Team = \"web\" }\n  timeouts {\n    update = \"6s\"\n  }\n}\n\nresource \"aws_appautoscaling_target\"");
    let out = s.run(&["apply", "--auto-approve"]);
    assert_eq!(out.status.code(), Some(1));
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(all.contains("1/2 running"), "{all}");
    assert!(all.contains("1 failed: Essential container in task exited"), "{all}");
}

/// IAM propagation: ECS refuses a role it was just given ("unable to assume the role") for a
/// while; the create is retried until it goes through, and a role that never settles fails,
/// naming it, within the create's timeout.
#[tokio::test]
async fn a_role_ecs_cannot_assume_yet_is_waited_for() {
    let mut s = Stack::with_config(STACK);
    let proxy = FaultProxy::start(&s.moto.endpoint());
    let refusing = Arc::new(RoleNotReady::new("CreateService", "arn:aws:iam::123456789012:role/exec", 3));
    proxy.set_rules(Rules::default().emulate(refusing.clone()));
    s.endpoint = Some(proxy.url());
    s.ok(&["apply", "--auto-approve"]);
    assert_eq!(refusing.refused(), 3);
    assert_eq!(proxy.stats().requests_of("ecs:CreateService"), 4);

    s.ok(&["destroy", "--layer", "runtime", "--auto-approve"]);
    proxy.set_rules(Rules::default().emulate(Arc::new(RoleNotReady::new(
        "CreateService",
        "arn:aws:iam::123456789012:role/exec",
        10_000,
    ))));
    s.edit("  tags = { Team = \"web\" }\n}\n\nresource \"aws_appautoscaling_target\"", "  tags = { Team = \"web\" }\n  timeouts {\n    create = \"5s\"\n  }\n}\n\nresource \"aws_appautoscaling_target\"");
    let out = s.run(&["apply", "--auto-approve"]);
    assert_eq!(out.status.code(), Some(1));
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(all.contains("ECS service app: ECS could not assume arn:aws:iam::123456789012:role/exec"), "{all}");
}

/// moto answers RegisterTaskDefinition without the tags it was sent (AWS includes them): the
/// state records the tags the create sent, so the plan after the apply does not report the
/// provider's default tags as "changed outside of provision".
#[tokio::test]
async fn a_new_task_definition_records_its_tags() {
    let s = Stack::with_config(
        r#"
provider "aws" {
  default_tags {
    tags = { Team = "web" }
  }
}

resource "aws_ecs_task_definition" "app" {
  family                = "tagged"
  container_definitions = jsonencode([{ name = "web", image = "nginx:1.27", memory = 512 }])
  tags                  = { Service = "web" }
}
"#,
    );
    s.ok(&["apply", "--auto-approve"]);
    let state = s.state();
    let td = &state["resources"][0]["attributes"];
    assert_eq!(td["tags_all"], serde_json::json!({ "Team": "web", "Service": "web" }), "{td}");
    let plan = s.ok(&["plan"]);
    assert!(plan.contains("No changes"), "{plan}");
    assert!(!plan.contains("changed outside"), "{plan}");
}

/// moto does not keep a service's `healthCheckGracePeriodSeconds` (DescribeServices leaves it
/// out; AWS reports it): the recorded value is kept, so a service with a grace period plans clean.
#[tokio::test]
async fn a_services_grace_period_plans_clean() {
    let s = Stack::with_config(STACK);
    s.edit("  desired_count   = 2\n", "  desired_count   = 2\n  health_check_grace_period_seconds = 60\n");
    s.ok(&["apply", "--auto-approve"]);
    s.no_changes();
}
