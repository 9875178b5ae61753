//! The `provider "aws"` arguments real configurations use, end to end through the CLI against
//! moto: a profile from shared files written by the test, a profile that does not exist, an
//! assumed role, the allowed account ids, tags ignored by `ignore_tags`, and the per-resource
//! `region` of Terraform AWS provider 6 (objects of one configuration in two regions).

use aws_sdk_ec2::types::{Filter, Tag};
mod support;

use support::{Stack, text};

/// The VPCs with `cidr` in the emulator (moto's default VPC has another block).
async fn vpcs_with(s: &Stack, cidr: &str) -> usize {
    let ec2 = aws_sdk_ec2::Client::new(&s.sdk().await);
    let out = ec2
        .describe_vpcs()
        .filters(Filter::builder().name("cidr").values(cidr).build())
        .send()
        .await
        .expect("describe vpcs");
    out.vpcs().len()
}

fn resources(s: &Stack) -> usize {
    if !s.state_file("default").exists() {
        return 0;
    }
    s.state()["resources"].as_array().map_or(0, Vec::len)
}

/// `provision` with no credentials in its environment: only the provider block gives them.
fn run_without_env_credentials(s: &Stack, args: &[&str]) -> std::process::Output {
    let mut cmd = s.command(args);
    for k in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"] {
        cmd.env_remove(k);
    }
    cmd.output().expect("provision runs")
}

const PROFILE: &str = r#"
provider "aws" {
  profile                  = var.profile
  shared_config_files      = ["./aws/config"]
  shared_credentials_files = ["./aws/credentials"]
}

variable "profile" {
  type = string
}

resource "aws_vpc" "main" {
  cidr_block = "10.40.0.0/16"
}
"#;

#[tokio::test]
async fn a_profile_from_shared_files_applies_and_a_missing_one_fails_before_any_write() {
    let s = Stack::with_config(PROFILE);
    // Files that are not there: an error naming them, before anything is read.
    let out = run_without_env_credentials(&s, &["plan", "-var", "profile=deploy"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("the AWS profile files could not be read (./aws/config, ./aws/credentials)"), "{err}");

    let aws = s.path().join("aws");
    std::fs::create_dir_all(&aws).expect("mkdir");
    std::fs::write(aws.join("config"), "[profile deploy]\nregion = eu-west-1\n").expect("config");
    std::fs::write(aws.join("credentials"), "[deploy]\naws_access_key_id = testing\naws_secret_access_key = testing\n")
        .expect("credentials");

    // A profile the files do not define: one error naming it and the files, nothing written.
    let out = run_without_env_credentials(&s, &["apply", "-auto-approve", "-var", "profile=missing"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("the AWS profile \"missing\" is not defined in the files read"), "{err}");
    assert!(err.contains("./aws/config") && err.contains("./aws/credentials"), "{err}");
    assert_eq!(resources(&s), 0, "nothing recorded");
    assert_eq!(vpcs_with(&s, "10.40.0.0/16").await, 0, "nothing created");

    // The profile the files define: its credentials are the only ones there are.
    let out = run_without_env_credentials(&s, &["apply", "-auto-approve", "-var", "profile=deploy"]);
    assert!(out.status.success(), "{}\n{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(resources(&s), 1);
    assert_eq!(vpcs_with(&s, "10.40.0.0/16").await, 1);
    let out = run_without_env_credentials(&s, &["plan", "-detailed-exitcode", "-var", "profile=deploy"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

const ROLE: &str = r#"
provider "aws" {
  assume_role {
    role_arn     = "arn:aws:iam::123456789012:role/deploy"
    session_name = "provision-test"
    external_id  = "ext-1"
    duration     = "1h"
  }
}

data "aws_caller_identity" "me" {}

resource "aws_vpc" "main" {
  cidr_block = "10.41.0.0/16"
  tags       = { Name = data.aws_caller_identity.me.account_id }
}

output "caller" {
  value = data.aws_caller_identity.me.arn
}
"#;

#[tokio::test]
async fn an_assumed_role_is_what_provision_runs_as() {
    let s = Stack::with_config(ROLE);
    let iam = aws_sdk_iam::Client::new(&s.sdk().await);
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"#;
    iam.create_role().role_name("deploy").assume_role_policy_document(trust).send().await.expect("role");
    s.ok(&["apply", "-auto-approve"]);
    // The data source's GetCallerIdentity ran with the assumed role's credentials.
    let state = s.state();
    assert_eq!(
        state["outputs"]["caller"]["value"], "arn:aws:sts::123456789012:assumed-role/deploy/provision-test",
        "{state:#}"
    );
    assert_eq!(vpcs_with(&s, "10.41.0.0/16").await, 1);
}

const ACCOUNTS: &str = r#"
provider "aws" {
  allowed_account_ids = var.allowed
}

variable "allowed" {
  type = list(string)
}

resource "aws_vpc" "main" {
  cidr_block = "10.42.0.0/16"
}
"#;

#[tokio::test]
async fn allowed_account_ids_refuse_another_account_before_any_write() {
    let s = Stack::with_config(ACCOUNTS);
    let out = s.run(&["apply", "-auto-approve", "-var", "allowed=[\"111111111111\"]"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("AWS account 123456789012, which is not in allowed_account_ids (111111111111)"), "{err}");
    assert_eq!(resources(&s), 0, "nothing recorded");
    assert_eq!(vpcs_with(&s, "10.42.0.0/16").await, 0, "nothing created");
    // The plan refuses too: the check comes before anything is read.
    let out = s.run(&["plan", "-var", "allowed=[\"111111111111\"]"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));

    s.ok(&["apply", "-auto-approve", "-var", "allowed=[\"123456789012\"]"]);
    assert_eq!(resources(&s), 1);
    assert_eq!(vpcs_with(&s, "10.42.0.0/16").await, 1);
}

const IGNORE: &str = r#"
provider "aws" {
  default_tags {
    tags = { Team = "platform" }
  }
  ignore_tags {
    keys = ["CostCenter"]
  }
}

resource "aws_vpc" "main" {
  cidr_block = "10.43.0.0/16"
  tags       = { Name = "ignore-tags" }
}
"#;

#[tokio::test]
async fn ignored_tags_added_outside_are_not_drift_and_others_are() {
    let s = Stack::with_config(IGNORE);
    s.ok(&["apply", "-auto-approve"]);
    let vpc = s.state()["resources"][0]["id"].as_str().expect("vpc id").to_string();
    let ec2 = aws_sdk_ec2::Client::new(&s.sdk().await);
    let tag = |k: &str, v: &str| Tag::builder().key(k).value(v).build();

    // A tag another tool manages, with a key the provider block ignores: no drift, no change.
    ec2.create_tags().resources(&vpc).tags(tag("CostCenter", "42")).send().await.expect("tag");
    let out = s.run(&["plan", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}\n{}", text(&out.stdout), text(&out.stderr));
    let plan = text(&out.stdout);
    assert!(!plan.contains("changed outside of provision") && !plan.contains("CostCenter"), "{plan}");

    // Another key is drift, shown and put back; the ignored tag is left alone.
    ec2.create_tags().resources(&vpc).tags(tag("Owner", "someone")).send().await.expect("tag");
    let out = s.run(&["plan", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let plan = text(&out.stdout);
    assert!(plan.contains("Objects have changed outside of provision"), "{plan}");
    assert!(plan.contains("Owner") && !plan.contains("CostCenter"), "{plan}");
    s.ok(&["apply", "-auto-approve"]);
    let tags = ec2.describe_tags().filters(Filter::builder().name("resource-id").values(&vpc).build()).send().await;
    let keys: Vec<String> = tags.expect("tags").tags().iter().filter_map(|t| t.key().map(str::to_string)).collect();
    assert!(keys.contains(&"CostCenter".to_string()), "the ignored tag stays: {keys:?}");
    assert!(!keys.contains(&"Owner".to_string()), "the drift is put back: {keys:?}");
    assert!(keys.contains(&"Team".to_string()) && keys.contains(&"Name".to_string()), "{keys:?}");
    assert_eq!(s.run(&["plan", "-detailed-exitcode"]).status.code(), Some(0));
}

const STATIC: &str = r#"
provider "aws" {
  access_key = "testing"
  secret_key = "testing"

  endpoints {
    ec2 = var.ec2_endpoint
  }
}

variable "ec2_endpoint" {
  type = string
}

resource "aws_vpc" "main" {
  cidr_block = "10.44.0.0/16"
}
"#;

/// Credentials and the EC2 endpoint from the provider block alone: the environment has neither.
#[tokio::test]
async fn static_credentials_and_a_service_endpoint_from_the_block_apply_with_a_warning() {
    let s = Stack::with_config(STATIC);
    let endpoint = format!("ec2_endpoint={}", s.moto.endpoint());
    let mut cmd = s.command(&["apply", "-auto-approve", "-var", &endpoint]);
    for k in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"] {
        cmd.env_remove(k);
    }
    let out = cmd.output().expect("provision runs");
    assert!(out.status.success(), "{}\n{}", text(&out.stdout), text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("warning: provider aws: access_key and secret_key are set in the configuration"), "{err}");
    assert_eq!(vpcs_with(&s, "10.44.0.0/16").await, 1);
}

const ROLE_REFUSED: &str = r#"
provider "aws" {
  max_retries = 0

  assume_role {
    role_arn = "arn:aws:iam::123456789012:role/deploy"
  }

  endpoints {
    sts = "http://127.0.0.1:9"
  }
}

resource "aws_vpc" "main" {
  cidr_block = "10.45.0.0/16"
}
"#;

/// A role that cannot be assumed (here STS cannot be reached) stops the apply before anything is
/// written, with an error that names the role.
#[tokio::test]
async fn a_role_that_cannot_be_assumed_is_named_and_nothing_is_written() {
    let s = Stack::with_config(ROLE_REFUSED);
    let out = s.run(&["apply", "-auto-approve"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("assuming role arn:aws:iam::123456789012:role/deploy failed"), "{err}");
    assert_eq!(resources(&s), 0, "nothing recorded");
    assert_eq!(vpcs_with(&s, "10.45.0.0/16").await, 0, "nothing created");
}

/// Terraform AWS provider 6's per-resource `region`: one provider configuration (eu-west-3), a
/// VPC and a subnet in its region and another pair with `region = "eu-west-1"`, and `data
/// "aws_region"` describing eu-west-1. Provider 6 syntax: the local Terraform (provider 5.100)
/// cannot validate it.
const TWO_REGIONS: &str = r#"
provider "aws" {
  region = "eu-west-3"
}

resource "aws_vpc" "home" {
  cidr_block = "10.51.0.0/16"
}

resource "aws_subnet" "home" {
  vpc_id     = aws_vpc.home.id
  cidr_block = "10.51.1.0/24"
}

resource "aws_vpc" "away" {
  region     = "eu-west-1"
  cidr_block = "10.52.0.0/16"
}

resource "aws_subnet" "away" {
  region     = aws_vpc.away.region
  vpc_id     = aws_vpc.away.id
  cidr_block = "10.52.1.0/24"
}

data "aws_region" "away" {
  region = "eu-west-1"
}

output "away" {
  value = {
    region      = data.aws_region.away.region
    name        = data.aws_region.away.name
    description = data.aws_region.away.description
    endpoint    = data.aws_region.away.endpoint
  }
}
"#;

/// The VPCs and subnets with these CIDR blocks in `region`.
async fn in_region(s: &Stack, region: &str, vpc_cidr: &str, subnet_cidr: &str) -> (usize, usize) {
    let ec2 = aws_sdk_ec2::Client::new(&support::sdk_in(&s.moto.endpoint(), region).await);
    let vpcs = ec2
        .describe_vpcs()
        .filters(Filter::builder().name("cidr").values(vpc_cidr).build())
        .send()
        .await
        .expect("describe vpcs");
    let subnets = ec2
        .describe_subnets()
        .filters(Filter::builder().name("cidr-block").values(subnet_cidr).build())
        .send()
        .await
        .expect("describe subnets");
    (vpcs.vpcs().len(), subnets.subnets().len())
}

#[tokio::test]
async fn objects_with_region_are_managed_in_their_region() {
    let s = Stack::with_config(TWO_REGIONS);
    let plan = s.ok(&["plan"]);
    let regions: Vec<&str> = plan.lines().filter(|l| l.trim_start().starts_with("+ region ")).collect();
    assert_eq!(regions.len(), 4, "{plan}");
    assert_eq!(
        regions.iter().filter(|l| l.ends_with("= \"eu-west-3\"")).count(),
        2,
        "unset: the configuration's\n{plan}"
    );
    assert_eq!(
        regions.iter().filter(|l| l.ends_with("= \"eu-west-1\"")).count(),
        2,
        "configured, and from aws_vpc.away.region, known at plan\n{plan}"
    );
    s.ok(&["apply", "-auto-approve"]);
    assert_eq!(in_region(&s, "eu-west-3", "10.51.0.0/16", "10.51.1.0/24").await, (1, 1));
    assert_eq!(in_region(&s, "eu-west-1", "10.52.0.0/16", "10.52.1.0/24").await, (1, 1));
    assert_eq!(in_region(&s, "eu-west-1", "10.51.0.0/16", "10.51.1.0/24").await, (0, 0), "nothing of home away");
    assert_eq!(in_region(&s, "eu-west-3", "10.52.0.0/16", "10.52.1.0/24").await, (0, 0), "nothing of away at home");

    let state = s.state();
    let region_of = |address: &str| {
        let resources = state["resources"].as_array().expect("resources");
        let r = resources.iter().find(|r| r["address"] == address);
        r.map(|r| r["attributes"]["region"].clone()).unwrap_or_default()
    };
    assert_eq!(region_of("aws_vpc.home"), "eu-west-3", "{state}");
    assert_eq!(region_of("aws_subnet.home"), "eu-west-3");
    assert_eq!(region_of("aws_vpc.away"), "eu-west-1");
    assert_eq!(region_of("aws_subnet.away"), "eu-west-1");
    let away = &state["outputs"]["away"]["value"];
    assert_eq!(away["region"], "eu-west-1", "{away}");
    assert_eq!(away["name"], "eu-west-1");
    assert_eq!(away["description"], "Europe (Ireland)");
    assert_eq!(away["endpoint"], "ec2.eu-west-1.amazonaws.com");

    // Refreshed in both regions, nothing to do.
    let out = s.run(&["plan", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}\n{}", text(&out.stdout), text(&out.stderr));

    // A state written before `region` existed (the objects in the configuration's region, which
    // were all there was): no change, refreshed or not.
    let mut old = s.state();
    for r in old["resources"].as_array_mut().expect("resources") {
        if r["attributes"]["region"] == "eu-west-3"
            && let Some(a) = r["attributes"].as_object_mut()
        {
            a.remove("region");
        }
    }
    std::fs::write(s.state_file("default"), old.to_string()).expect("write the old state");
    for args in [&["plan", "-detailed-exitcode"][..], &["plan", "-detailed-exitcode", "-refresh=false"]] {
        let out = s.run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}\n{}", text(&out.stdout), text(&out.stderr));
    }

    s.ok(&["destroy", "-auto-approve"]);
    s.assert_nothing_left_in(&["eu-west-3", "eu-west-1"]).await;
}
