//! Terraform's everyday flags and commands end to end against the moto emulator: `-target` with
//! what the target depends on, `-replace` of an object nobody changed, `-refresh-only` after a
//! change made outside provision, `show -json` of the state and of a saved plan, a replacement
//! that must show what AWS recomputes as `(known after apply)`, nested blocks in a destroy, and a
//! module called with `for_each`.

use aws_sdk_ec2::types::{Filter, Tag};
mod support;

use support::{Stack, text};

const STACK: &str = r#"
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
  tags       = { Name = "cli" }
}

resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
  tags       = { Name = "cli-a" }
}

resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id
}

resource "aws_security_group" "app" {
  name_prefix = "demo-app-"
  vpc_id      = aws_vpc.main.id

  ingress {
    description = "HTTPS"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

output "vpc_id" {
  value = aws_vpc.main.id
}
"#;

fn addresses(state: &serde_json::Value) -> Vec<String> {
    state["resources"]
        .as_array()
        .map(|r| r.iter().filter_map(|o| o["address"].as_str()).map(str::to_string).collect())
        .unwrap_or_default()
}

fn id_of(state: &serde_json::Value, address: &str) -> String {
    state["resources"]
        .as_array()
        .and_then(|r| r.iter().find(|o| o["address"] == address))
        .and_then(|o| o["id"].as_str())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn target_plans_and_applies_the_target_and_what_it_depends_on() {
    let s = Stack::with_config(STACK);
    let out = s.run(&["plan", "-target=aws_subnet.a", "-input=false"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let plan = text(&out.stdout);
    assert!(plan.contains("# aws_subnet.a will be created"), "{plan}");
    assert!(plan.contains("# aws_vpc.main will be created"), "the dependency is pulled in: {plan}");
    assert!(!plan.contains("aws_internet_gateway.main will"), "{plan}");
    assert!(plan.contains("Plan: 2 to add, 0 to change, 0 to destroy."), "{plan}");
    let err = text(&out.stderr);
    assert!(err.contains("warning: Resource targeting is in effect"), "{err}");
    assert!(err.contains("The -target option is not for routine use"), "{err}");

    // Both spellings of the flag, as Terraform and as clap write them.
    let out = s.run(&["apply", "-auto-approve", "-target", "aws_subnet.a"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Apply complete! Resources: 2 added, 0 changed, 0 destroyed."));
    assert!(text(&out.stderr).contains("Applied changes may be incomplete"), "{}", text(&out.stderr));
    assert_eq!(addresses(&s.state()), vec!["aws_subnet.a", "aws_vpc.main"]);

    // The rest comes with a plain apply; a targeted destroy takes what depends on the target.
    s.ok(&["apply", "--auto-approve"]);
    let out = s.run(&["destroy", "-auto-approve", "--target=aws_vpc.main"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Destroy complete! Resources: 4 destroyed."), "{}", text(&out.stdout));

    // A target that names nothing is an error, not an empty plan.
    let out = s.run(&["plan", "-target=aws_subnet.b"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("Invalid target aws_subnet.b"), "{}", text(&out.stderr));
}

#[tokio::test]
async fn replace_makes_a_new_object_nobody_changed_and_shows_what_aws_recomputes() {
    let s = Stack::with_config(STACK);
    s.ok(&["apply", "-auto-approve"]);
    let before = s.state();
    let out = s.run(&["plan", "-replace=aws_security_group.app", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let plan = text(&out.stdout);
    assert!(plan.contains("# aws_security_group.app will be replaced, as requested"), "{plan}");
    assert!(plan.contains("Plan: 1 to add, 0 to change, 1 to destroy."), "{plan}");
    // The generated name, the id and the ARN are AWS's choice for the new group.
    let old_name = before["resources"]
        .as_array()
        .and_then(|r| r.iter().find(|o| o["address"] == "aws_security_group.app"))
        .and_then(|o| o["attributes"]["name"].as_str())
        .expect("name")
        .to_string();
    assert!(old_name.starts_with("demo-app-"), "{old_name}");
    for attr in ["name", "id", "arn"] {
        let line = plan.lines().find(|l| l.trim_start().starts_with(&format!("~ {attr} "))).unwrap_or_default();
        assert!(line.ends_with("-> (known after apply)"), "{attr} must be shown as recomputed: {plan}");
    }
    let json = s.run(&["plan", "-replace=aws_security_group.app", "-json"]);
    let j: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    let change = j["resource_changes"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["address"] == "aws_security_group.app"))
        .expect("change")
        .clone();
    assert_eq!(change["action_reason"], "replace_by_request");
    assert_eq!(change["change"]["after_unknown"]["name"], true);

    s.ok(&["apply", "-auto-approve", "-replace=aws_security_group.app"]);
    let after = s.state();
    let (old, new) = (id_of(&before, "aws_security_group.app"), id_of(&after, "aws_security_group.app"));
    assert!(!new.is_empty() && old != new, "a new group: {old} -> {new}");
    assert_eq!(id_of(&before, "aws_vpc.main"), id_of(&after, "aws_vpc.main"), "nothing else was replaced");

    // Changing the prefix replaces the group too, and its generated name is not shown as kept.
    let main = s.path().join("main.tf");
    std::fs::write(&main, STACK.replace("demo-app-", "demo-web-")).expect("edit");
    let plan = s.ok(&["plan"]);
    let line = plan.lines().find(|l| l.trim_start().starts_with("~ name ")).unwrap_or_default();
    assert!(line.ends_with("-> (known after apply)"), "{plan}");
    assert!(plan.contains("~ name_prefix"), "{plan}");
}

#[tokio::test]
async fn refresh_only_records_a_change_made_outside_and_writes_nothing_to_aws() {
    let s = Stack::with_config(STACK);
    s.ok(&["apply", "-auto-approve"]);
    let vpc = id_of(&s.state(), "aws_vpc.main");
    let ec2 = aws_sdk_ec2::Client::new(&s.sdk().await);
    ec2.create_tags()
        .resources(&vpc)
        .tags(Tag::builder().key("Owner").value("ops").build())
        .send()
        .await
        .expect("tag the VPC outside provision");

    let out = s.run(&["plan", "-refresh-only", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let plan = text(&out.stdout);
    assert!(plan.contains("# aws_vpc.main has changed"), "{plan}");
    assert!(plan.contains("\"Owner\" = \"ops\""), "{plan}");
    assert!(plan.contains("This is a refresh-only plan"), "{plan}");
    assert!(!plan.contains("will be updated in-place"), "{plan}");

    // -refresh=false makes no sense with it.
    let out = s.run(&["plan", "-refresh-only", "-refresh=false"]);
    assert_eq!(out.status.code(), Some(1));

    let out = s.ok(&["apply", "-refresh-only", "-auto-approve"]);
    assert!(out.contains("Apply complete! Resources: 0 added, 0 changed, 0 destroyed."), "{out}");
    let state = s.state();
    let tags = &state["resources"]
        .as_array()
        .and_then(|r| r.iter().find(|o| o["address"] == "aws_vpc.main"))
        .expect("vpc")["attributes"]["tags"];
    assert_eq!(tags["Owner"], "ops", "the state records what AWS has: {tags}");
    let described = ec2
        .describe_vpcs()
        .filters(Filter::builder().name("tag:Owner").values("ops").build())
        .send()
        .await
        .expect("describe");
    assert_eq!(described.vpcs().len(), 1, "the tag made outside is still there: no AWS write");
    // A normal plan now proposes to take it off again, as the configuration says.
    let plan = s.ok(&["plan"]);
    assert!(plan.contains("# aws_vpc.main will be updated in-place"), "{plan}");
    assert!(s.ok(&["plan", "-refresh-only"]).contains("No changes."));
}

#[tokio::test]
async fn show_prints_the_state_and_a_saved_plan_as_terraform_json() {
    let s = Stack::with_config(STACK);
    s.ok(&["apply", "-auto-approve"]);
    let j: serde_json::Value = serde_json::from_str(&s.ok(&["show", "-json"])).expect("state JSON");
    assert_eq!(j["format_version"], "1.0");
    let resources = j["values"]["root_module"]["resources"].as_array().expect("resources");
    let vpc = resources.iter().find(|r| r["address"] == "aws_vpc.main").expect("vpc");
    assert_eq!(vpc["type"], "aws_vpc");
    assert_eq!(vpc["name"], "main");
    assert_eq!(vpc["mode"], "managed");
    assert_eq!(vpc["values"]["cidr_block"], "10.0.0.0/16");
    assert_eq!(j["values"]["outputs"]["vpc_id"]["value"], vpc["values"]["id"]);
    let human = s.ok(&["show"]);
    assert!(human.contains("# aws_vpc.main:") && human.contains("cidr_block"), "{human}");

    std::fs::write(s.path().join("main.tf"), STACK.replace("Name = \"cli\"", "Name = \"cli2\"")).expect("edit");
    s.ok(&["plan", "-out=tag.plan"]);
    let j: serde_json::Value = serde_json::from_str(&s.ok(&["show", "-json", "tag.plan"])).expect("plan JSON");
    let changed: Vec<&str> = j["resource_changes"]
        .as_array()
        .expect("resource_changes")
        .iter()
        .filter(|c| c["change"]["actions"] != serde_json::json!(["no-op"]))
        .filter_map(|c| c["address"].as_str())
        .collect();
    assert_eq!(changed, vec!["aws_vpc.main"]);
    assert_eq!(j["format_version"], "1.0");
    assert!(j["prior_state"]["values"]["root_module"]["resources"].is_array(), "{j}");
    let human = s.ok(&["show", "tag.plan"]);
    assert!(human.contains("# aws_vpc.main will be updated in-place"), "{human}");
    // The saved plan still applies: show changed nothing.
    s.ok(&["apply", "tag.plan"]);
}

#[tokio::test]
async fn a_destroy_shows_nested_blocks_one_attribute_per_line() {
    let s = Stack::with_config(STACK);
    s.ok(&["apply", "-auto-approve"]);
    let plan = s.ok(&["plan", "-destroy", "-target=aws_security_group.app"]);
    assert!(plan.contains("# aws_security_group.app will be destroyed"), "{plan}");
    assert!(plan.lines().all(|l| l.len() < 160), "no one-line blocks: {plan}");
    assert!(plan.contains("      - ingress "), "{plan}");
    assert!(plan.contains("          - {\n"), "{plan}");
    let lines: Vec<&str> = plan.lines().collect();
    let port = lines.iter().position(|l| l.starts_with("              - from_port ") && l.ends_with(" = 443"));
    assert!(port.is_some(), "one attribute per line, at the block's depth: {plan}");
    let cidrs = lines.iter().position(|l| l.starts_with("              - cidr_blocks ") && l.ends_with(" = ["));
    assert_eq!(cidrs.map(|i| lines[i + 1]), Some("                  - \"0.0.0.0/0\","), "{plan}");
}

#[tokio::test]
async fn lock_false_is_refused_on_the_s3_backend_unless_forced() {
    let config = format!(
        "terraform {{\n  backend \"s3\" {{\n    bucket       = \"acme-state\"\n    key          = \"cli/terraform.tfstate\"\n    region       = \"eu-west-1\"\n    use_lockfile = true\n  }}\n}}\n{STACK}"
    );
    let s = Stack::with_config(&config);
    s.ok(&["state", "bootstrap"]);
    let out = s.run(&["apply", "-auto-approve", "-lock=false"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("-lock=false is refused for the remote state s3://acme-state/cli/terraform.tfstate"), "{err}");
    assert!(!err.contains("Creating"), "{err}");
    let ec2 = aws_sdk_ec2::Client::new(&s.sdk().await);
    let vpcs = ec2
        .describe_vpcs()
        .filters(Filter::builder().name("tag:Name").values("cli").build())
        .send()
        .await
        .expect("describe");
    assert!(vpcs.vpcs().is_empty(), "nothing was created");
    let out = s.run(&["plan", "-lock=false", "--force-no-lock"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("is not locked"), "{}", text(&out.stderr));
}

/// `import` blocks against AWS: a VPC, a subnet and a bucket made by hand (as a team's existing
/// objects are) are adopted at their addresses — the plan says so and shows only the tag the
/// configuration adds; the apply records them with their ids, creating nothing; the next plan is
/// clean; and the destroy deletes them like any object of the stack.
#[tokio::test]
async fn import_blocks_adopt_objects_made_outside_provision() {
    let s = Stack::with_config("");
    let conf = s.sdk().await;
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let vpc = ec2.create_vpc().cidr_block("10.42.0.0/16").send().await.expect("vpc");
    let vpc_id = vpc.vpc().and_then(|v| v.vpc_id()).expect("vpc id").to_string();
    let subnet = ec2.create_subnet().vpc_id(&vpc_id).cidr_block("10.42.1.0/24").send().await.expect("subnet");
    let subnet_id = subnet.subnet().and_then(|x| x.subnet_id()).expect("subnet id").to_string();
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&conf).force_path_style(true).build());
    let location = aws_sdk_s3::types::CreateBucketConfiguration::builder()
        .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuWest1)
        .build();
    s3.create_bucket().bucket("handmade-logs").create_bucket_configuration(location).send().await.expect("bucket");
    std::fs::write(
        s.path().join("main.tf"),
        format!(
            r#"
import {{
  to = aws_vpc.main
  id = "{vpc_id}"
}}
import {{
  to = aws_subnet.a
  id = "{subnet_id}"
}}
import {{
  to = aws_s3_bucket.logs
  id = "handmade-logs"
}}
resource "aws_vpc" "main" {{
  cidr_block = "10.42.0.0/16"
  tags       = {{ Name = "adopted" }}
}}
resource "aws_subnet" "a" {{
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.42.1.0/24"
}}
resource "aws_s3_bucket" "logs" {{
  bucket = "handmade-logs"
}}
"#
        ),
    )
    .expect("config");
    let plan = s.ok(&["plan"]);
    assert!(plan.contains(&format!("# aws_vpc.main will be imported from the existing object {vpc_id}")), "{plan}");
    assert!(plan.contains("# aws_s3_bucket.logs will be imported from the existing object handmade-logs"), "{plan}");
    assert!(plan.contains("Plan: 3 to import, 0 to add, 1 to change, 0 to destroy."), "only the VPC's new tag: {plan}");
    let out = s.ok(&["apply", "--auto-approve"]);
    assert!(out.contains("Apply complete! Resources: 3 imported, 0 added, 1 changed, 0 destroyed."), "{out}");
    let state = s.state();
    assert_eq!(id_of(&state, "aws_vpc.main"), vpc_id);
    assert_eq!(id_of(&state, "aws_subnet.a"), subnet_id);
    let vpcs = ec2.describe_vpcs().filters(Filter::builder().name("cidr").values("10.42.0.0/16").build()).send().await;
    assert_eq!(vpcs.expect("vpcs").vpcs().len(), 1, "adopted, not created again");
    let plan = s.ok(&["plan"]);
    assert!(plan.contains("No changes"), "{plan}");

    let out = s.ok(&["destroy", "--auto-approve"]);
    assert!(out.contains("Destroy complete! Resources: 3 destroyed."), "{out}");
    let buckets = s3.list_buckets().send().await.expect("buckets");
    assert!(buckets.buckets().is_empty(), "the adopted bucket is managed, so destroyed");
}

/// An `import` block with `for_each` and `provider` (Terraform 1.7+): two buckets made by hand in
/// another region are adopted at the instances `each.key` names, read through the aliased
/// provider configuration; the next plan is clean and the destroy deletes them.
#[tokio::test]
async fn an_import_block_with_for_each_and_provider_adopts_each_element() {
    let config = r#"
provider "aws" {
  alias  = "east"
  region = "us-east-1"
}

variable "buckets" {
  type    = map(string)
  default = { logs = "handmade-east-logs", assets = "handmade-east-assets" }
}

resource "aws_s3_bucket" "this" {
  for_each = var.buckets
  provider = aws.east
  bucket   = each.value
}

import {
  for_each = var.buckets
  to       = aws_s3_bucket.this[each.key]
  id       = each.value
  provider = aws.east
}
"#;
    let s = Stack::with_config(config);
    let conf = support::sdk_in(&s.moto.endpoint(), "us-east-1").await;
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&conf).force_path_style(true).build());
    for b in ["handmade-east-logs", "handmade-east-assets"] {
        s3.create_bucket().bucket(b).send().await.expect("bucket");
    }
    let plan = s.ok(&["plan"]);
    assert!(
        plan.contains("# aws_s3_bucket.this[\"logs\"] will be imported from the existing object handmade-east-logs"),
        "{plan}"
    );
    assert!(plan.contains("Plan: 2 to import, 0 to add, 0 to change, 0 to destroy."), "{plan}");
    let out = s.ok(&["apply", "--auto-approve"]);
    assert!(out.contains("Apply complete! Resources: 2 imported, 0 added, 0 changed, 0 destroyed."), "{out}");
    assert_eq!(id_of(&s.state(), "aws_s3_bucket.this[\"assets\"]"), "handmade-east-assets");
    let plan = s.ok(&["plan"]);
    assert!(plan.contains("No changes"), "{plan}");
    let out = s.ok(&["destroy", "--auto-approve"]);
    assert!(out.contains("Destroy complete! Resources: 2 destroyed."), "{out}");
    assert!(s3.list_buckets().send().await.expect("buckets").buckets().is_empty(), "destroyed");
}

/// `availability_zone_id` on a subnet: the zone named by its ID (the same zone in every account)
/// is the one AWS creates the subnet in; its name is read back, the next plan is clean, and a new
/// zone ID replaces the subnet.
#[tokio::test]
async fn a_subnet_placed_by_availability_zone_id() {
    let config = r#"
resource "aws_vpc" "main" {
  cidr_block = "10.43.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id               = aws_vpc.main.id
  cidr_block           = "10.43.1.0/24"
  availability_zone_id = "euw1-az1"
  # moto (5.x) turns this on for a subnet created by zone ID (it counts the subnets of a zone
  # named None, finds none, and treats the subnet as the zone's default); AWS leaves it off.
  map_public_ip_on_launch = true
}

output "zone" {
  value = aws_subnet.a.availability_zone
}
"#;
    let s = Stack::with_config(config);
    s.ok(&["apply", "--auto-approve"]);
    let state = s.state();
    let subnet = state["resources"]
        .as_array()
        .and_then(|r| r.iter().find(|o| o["address"] == "aws_subnet.a"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(subnet["attributes"]["availability_zone_id"], "euw1-az1", "{subnet}");
    // moto maps euw1-az1 to eu-west-1b.
    assert_eq!(subnet["attributes"]["availability_zone"], "eu-west-1b", "{subnet}");
    let ec2 = aws_sdk_ec2::Client::new(&s.sdk().await);
    let found = ec2.describe_subnets().subnet_ids(id_of(&state, "aws_subnet.a")).send().await.expect("describe");
    assert_eq!(found.subnets().first().and_then(|x| x.availability_zone_id()), Some("euw1-az1"));
    let plan = s.ok(&["plan"]);
    assert!(plan.contains("No changes"), "{plan}");

    std::fs::write(s.path().join("main.tf"), config.replace("euw1-az1", "euw1-az2")).expect("config");
    let plan = s.ok(&["plan"]);
    assert!(plan.contains("must be replaced"), "{plan}");
    assert!(plan.contains("Plan: 1 to add, 0 to change, 1 to destroy."), "{plan}");
    s.ok(&["destroy", "--auto-approve"]);
}

/// A module called with `for_each` (tests/moto_modules: a security group per service): each key
/// is an instance under `module.service["KEY"]`; a second plan is clean; a new key plans only its
/// own objects; `validate` checks the module once, with the keys unknown; everything is destroyed.
#[tokio::test]
async fn a_module_called_with_for_each_makes_one_instance_per_key() {
    let s = Stack::with_config("");
    support::copy_config(&support::root().join("tests/moto_modules"), s.path());
    let out = s.run(&["validate"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    s.ok(&["apply", "-auto-approve"]);
    let state = s.state();
    let mut have = addresses(&state);
    have.sort();
    assert_eq!(
        have,
        [
            "aws_vpc.main",
            "module.service[\"api\"].aws_security_group.this",
            "module.service[\"api\"].aws_vpc_security_group_ingress_rule.listen",
            "module.service[\"web\"].aws_security_group.this",
            "module.service[\"web\"].aws_vpc_security_group_ingress_rule.listen",
        ]
    );
    let web = id_of(&state, "module.service[\"web\"].aws_security_group.this");
    let conf = s.sdk().await;
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let groups = ec2.describe_security_groups().group_ids(&web).send().await.expect("describe");
    let group = groups.security_groups().first().expect("the web group");
    assert_eq!(group.group_name(), Some("svc-web"));
    let out = s.run(&["plan", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));

    let three = "services={ api = 8080, web = 443, jobs = 9000 }";
    let out = s.run(&["plan", "-var", three, "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let plan = text(&out.stdout);
    assert!(plan.contains("# module.service[\"jobs\"].aws_security_group.this will be created"), "{plan}");
    assert!(plan.contains("Plan: 2 to add, 0 to change, 0 to destroy."), "{plan}");
    s.ok(&["apply", "-auto-approve", "-var", three]);
    assert_eq!(addresses(&s.state()).len(), 7);
    assert_eq!(id_of(&s.state(), "module.service[\"web\"].aws_security_group.this"), web, "web kept its group");
    let out = s.run(&["destroy", "-auto-approve", "-var", three]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Destroy complete! Resources: 7 destroyed."), "{}", text(&out.stdout));
}

fn state_in(dir: &std::path::Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("provision.tfstate")).expect("the state");
    serde_json::from_str(&text).expect("the state is JSON")
}

/// A root made of local modules (tests/moto_module_roots): a network written at the root is
/// applied, then moved into `../modules/network` with `moved` blocks while an ALB module is
/// called three times with `for_each`. The move replaces nothing (every AWS id is kept, the plan
/// creates only the load balancers' objects), the second plan is clean, and a destroy leaves no
/// load balancer behind.
#[tokio::test]
async fn moved_into_a_module_keeps_every_aws_id_beside_an_alb_module_called_with_for_each() {
    let s = Stack::with_config("");
    support::copy_config(&support::root().join("tests/moto_module_roots"), s.path());
    let root = s.path().join("before");
    s.ok(&["-C", "before", "apply", "-auto-approve"]);
    let before = state_in(&root);
    let ids: Vec<String> =
        ["aws_subnet.a", "aws_subnet.b", "aws_security_group.alb"].iter().map(|a| id_of(&before, a)).collect();
    assert!(ids.iter().all(|id| !id.is_empty()), "{before}");
    let vpc = id_of(&before, "aws_vpc.main");

    std::fs::copy(s.path().join("after/main.tf"), root.join("main.tf")).expect("the new root");
    let plan = s.ok(&["-C", "before", "plan"]);
    for (from, to) in [
        ("aws_subnet.a", "module.network.aws_subnet.a"),
        ("aws_subnet.b", "module.network.aws_subnet.b"),
        ("aws_security_group.alb", "module.network.aws_security_group.alb"),
    ] {
        assert!(plan.contains(&format!("# {from} has moved to {to}")), "{plan}");
    }
    assert!(plan.contains("Plan: 9 to add, 0 to change, 0 to destroy."), "only the load balancers' objects: {plan}");
    assert!(plan.contains("# module.alb[\"admin\"].aws_lb.this will be created"), "{plan}");
    s.ok(&["-C", "before", "apply", "-auto-approve"]);

    let after = state_in(&root);
    let moved: Vec<String> =
        ["module.network.aws_subnet.a", "module.network.aws_subnet.b", "module.network.aws_security_group.alb"]
            .iter()
            .map(|a| id_of(&after, a))
            .collect();
    assert_eq!(moved, ids, "the move kept every AWS object");
    assert_eq!(id_of(&after, "aws_vpc.main"), vpc);
    let conf = s.sdk().await;
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&conf);
    let lbs = elb.describe_load_balancers().send().await.expect("describe load balancers");
    let mut names: Vec<&str> = lbs.load_balancers().iter().filter_map(|lb| lb.load_balancer_name()).collect();
    names.sort();
    assert_eq!(names, ["edge-admin", "edge-api", "edge-web"]);
    for lb in lbs.load_balancers() {
        let mut subnets: Vec<String> =
            lb.availability_zones().iter().filter_map(|z| z.subnet_id()).map(str::to_string).collect();
        subnets.sort();
        let mut want = ids[..2].to_vec();
        want.sort();
        assert_eq!(subnets, want, "each load balancer is in the moved subnets");
    }
    let out = s.run(&["-C", "before", "plan", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));

    let out = s.ok(&["-C", "before", "destroy", "-auto-approve"]);
    assert!(out.contains("Destroy complete! Resources: 13 destroyed."), "{out}");
    let lbs = elb.describe_load_balancers().send().await.expect("describe load balancers");
    assert!(lbs.load_balancers().is_empty(), "no load balancer is left");
}
