//! `terraform_remote_state` end to end against the moto emulator: a base root applies a VPC with
//! its state in S3 (provision's format) and a runtime root reads its outputs to put a subnet in
//! that VPC, and a CIDR block from a Terraform-format state in the same bucket; the runtime root's
//! plan is clean after its apply, a sensitive output stays sensitive, and nothing is written to
//! the base root's state. The same with the local backend, through a relative `path`.

mod support;

use aws_sdk_ec2::types::Filter;
use std::path::Path;
use std::process::Output;
use support::{Stack, text};

const BASE: &str = r#"
terraform {
  backend "s3" {
    bucket       = "acme-state"
    key          = "base/terraform.tfstate"
    region       = "eu-west-1"
    use_lockfile = true
  }
}

resource "aws_vpc" "main" {
  cidr_block = "10.20.0.0/16"
  tags       = { Name = "remote-base" }
}

output "vpc_id" {
  value = aws_vpc.main.id
}

output "token" {
  value     = "s3cr3t-t0ken"
  sensitive = true
}
"#;

/// Written by hand: a Terraform state (format 4) with one output, as a Terraform root would leave
/// it in the bucket.
const TERRAFORM_STATE: &str = r#"{
  "version": 4,
  "terraform_version": "1.11.0",
  "serial": 3,
  "lineage": "0f7e2b1c-6a3d-4c1e-9b8a-2d5f4e3c2b1a",
  "outputs": {
    "app_cidr": {"value": "10.20.1.0/24", "type": "string"}
  },
  "resources": []
}
"#;

fn runtime(token_sensitive: bool) -> String {
    let sensitive = if token_sensitive { "\n  sensitive = true" } else { "" };
    format!(
        r#"
data "terraform_remote_state" "base" {{
  backend = "s3"
  config = {{
    bucket = "acme-state"
    key    = "base/terraform.tfstate"
    region = "eu-west-1"
  }}
}}

data "terraform_remote_state" "legacy" {{
  backend = "s3"
  config = {{
    bucket = "acme-state"
    key    = "legacy/terraform.tfstate"
    region = "eu-west-1"
  }}
  defaults = {{
    app_cidr = "10.20.9.0/24"
    zone     = "eu-west-1a"
  }}
}}

resource "aws_subnet" "app" {{
  vpc_id            = data.terraform_remote_state.base.outputs.vpc_id
  cidr_block        = data.terraform_remote_state.legacy.outputs.app_cidr
  availability_zone = data.terraform_remote_state.legacy.outputs.zone
  tags              = {{ Name = "remote-runtime" }}
}}

output "token" {{
  value = data.terraform_remote_state.base.outputs.token{sensitive}
}}
"#
    )
}

/// Runs provision in `dir` against the stack's emulator.
fn run_in(s: &Stack, dir: &Path, args: &[&str]) -> Output {
    let mut cmd = s.command(args);
    cmd.current_dir(dir);
    cmd.output().expect("provision runs")
}

fn ok_in(s: &Stack, dir: &Path, args: &[&str]) -> String {
    let out = run_in(s, dir, args);
    assert!(
        out.status.success(),
        "provision {} in {} failed:\n{}\n{}",
        args.join(" "),
        dir.display(),
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

async fn vpc_id(s: &Stack, name: &str) -> String {
    let ec2 = aws_sdk_ec2::Client::new(&s.sdk().await);
    let vpcs = ec2
        .describe_vpcs()
        .filters(Filter::builder().name("tag:Name").values(name).build())
        .send()
        .await
        .expect("describe vpcs");
    assert_eq!(vpcs.vpcs().len(), 1, "{vpcs:?}");
    vpcs.vpcs()[0].vpc_id().expect("vpc id").to_string()
}

async fn subnet_vpc(s: &Stack, name: &str) -> (String, String) {
    let ec2 = aws_sdk_ec2::Client::new(&s.sdk().await);
    let subnets = ec2
        .describe_subnets()
        .filters(Filter::builder().name("tag:Name").values(name).build())
        .send()
        .await
        .expect("describe subnets");
    assert_eq!(subnets.subnets().len(), 1, "{subnets:?}");
    let subnet = &subnets.subnets()[0];
    (subnet.vpc_id().expect("vpc").to_string(), subnet.cidr_block().expect("cidr").to_string())
}

#[tokio::test]
async fn a_runtime_root_reads_its_base_roots_outputs_from_s3() {
    let s = Stack::with_config(BASE);
    s.ok(&["state", "bootstrap"]);
    s.ok(&["apply", "-auto-approve"]);
    let vpc = vpc_id(&s, "remote-base").await;

    let s3 =
        aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&s.sdk().await).force_path_style(true).build());
    s3.put_object()
        .bucket("acme-state")
        .key("legacy/terraform.tfstate")
        .body(TERRAFORM_STATE.as_bytes().to_vec().into())
        .send()
        .await
        .expect("put the Terraform state");
    let base_state = || async {
        let o = s3.get_object().bucket("acme-state").key("base/terraform.tfstate").send().await.expect("get");
        o.body.collect().await.expect("body").into_bytes().to_vec()
    };
    let keys = || async {
        let listed = s3.list_objects_v2().bucket("acme-state").send().await.expect("list");
        listed.contents().iter().filter_map(|o| o.key().map(str::to_string)).collect::<Vec<String>>()
    };
    let before = base_state().await;
    let keys_before = keys().await;

    let rt = tempfile::tempdir().expect("tempdir");
    std::fs::write(rt.path().join("main.tf"), runtime(false)).expect("config");
    let out = run_in(&s, rt.path(), &["plan"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(err.contains("Output refers to sensitive values"), "the base's sensitive output stays sensitive: {err}");

    std::fs::write(rt.path().join("main.tf"), runtime(true)).expect("config");
    let plan = ok_in(&s, rt.path(), &["plan"]);
    assert!(plan.contains(&vpc), "the base's VPC: {plan}");
    assert!(plan.contains("10.20.1.0/24"), "the Terraform state's output: {plan}");
    let applied = ok_in(&s, rt.path(), &["apply", "-auto-approve"]);
    assert!(!applied.contains("s3cr3t-t0ken"), "{applied}");
    assert_eq!(subnet_vpc(&s, "remote-runtime").await, (vpc.clone(), "10.20.1.0/24".to_string()));
    // As Terraform: hidden in the list of outputs, shown when asked for by name.
    assert!(ok_in(&s, rt.path(), &["output"]).contains("token = <sensitive>"));

    let out = run_in(&s, rt.path(), &["plan", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "clean after apply:\n{}\n{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(base_state().await, before, "the base root's state is only read");
    assert_eq!(keys().await, keys_before, "no lock object, no journal: nothing written to the bucket");

    ok_in(&s, rt.path(), &["destroy", "-auto-approve"]);
    s.ok(&["destroy", "-auto-approve"]);
}

#[tokio::test]
async fn a_runtime_root_reads_a_local_provision_state_through_a_relative_path() {
    let s = Stack::with_config("");
    let base = s.path().join("base");
    let rt = s.path().join("runtime");
    std::fs::create_dir_all(&base).expect("mkdir");
    std::fs::create_dir_all(&rt).expect("mkdir");
    std::fs::write(
        base.join("main.tf"),
        "resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.30.0.0/16\"\n  tags       = { Name = \"local-base\" }\n}\n\noutput \"vpc_id\" {\n  value = aws_vpc.main.id\n}\n",
    )
    .expect("base config");
    std::fs::write(
        rt.join("main.tf"),
        "data \"terraform_remote_state\" \"base\" {\n  backend = \"local\"\n  config = {\n    path = \"../base/provision.tfstate\"\n  }\n}\n\nresource \"aws_subnet\" \"app\" {\n  vpc_id     = data.terraform_remote_state.base.outputs.vpc_id\n  cidr_block = \"10.30.1.0/24\"\n  tags       = { Name = \"local-runtime\" }\n}\n",
    )
    .expect("runtime config");
    ok_in(&s, &base, &["apply", "-auto-approve"]);
    let vpc = vpc_id(&s, "local-base").await;
    let before = std::fs::read(base.join("provision.tfstate")).expect("base state");
    let listing = || {
        let mut names: Vec<String> = std::fs::read_dir(&base)
            .expect("ls")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let files_before = listing();
    ok_in(&s, &rt, &["apply", "-auto-approve"]);
    assert_eq!(subnet_vpc(&s, "local-runtime").await.0, vpc);
    let out = run_in(&s, &rt, &["plan", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "clean after apply:\n{}\n{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(std::fs::read(base.join("provision.tfstate")).expect("base state"), before);
    assert_eq!(listing(), files_before, "no lock file, no journal, no backup beside the base's state");
    ok_in(&s, &rt, &["destroy", "-auto-approve"]);
    ok_in(&s, &base, &["destroy", "-auto-approve"]);
}

/// A remote state in another S3 endpoint (a MinIO, Ceph or R2 store; here a second emulator),
/// configured as Terraform's S3-compatible settings write it (`endpoints.s3`, `use_path_style`,
/// the `skip_*` flags; and the older `endpoint`, `force_path_style`): read from there, not from
/// the endpoint provision's own calls go to, which has no such bucket.
#[tokio::test]
async fn a_remote_state_behind_another_endpoint_is_read_from_there() {
    let store = Stack::with_config(BASE);
    store.ok(&["state", "bootstrap"]);
    store.ok(&["apply", "-auto-approve"]);
    let vpc = vpc_id(&store, "remote-base").await;
    let reader = Stack::with_config(&format!(
        r#"
data "terraform_remote_state" "base" {{
  backend = "s3"
  config = {{
    bucket                      = "acme-state"
    key                         = "base/terraform.tfstate"
    region                      = "eu-west-1"
    endpoints                   = {{ s3 = "{endpoint}" }}
    use_path_style              = true
    skip_credentials_validation = true
    skip_region_validation      = true
    skip_requesting_account_id  = true
    skip_metadata_api_check     = true
    skip_s3_checksum            = true
  }}
}}

data "terraform_remote_state" "older" {{
  backend = "s3"
  config = {{
    bucket           = "acme-state"
    key              = "base/terraform.tfstate"
    region           = "eu-west-1"
    endpoint         = "{endpoint}"
    force_path_style = true
  }}
}}

output "vpc_id" {{
  value = data.terraform_remote_state.base.outputs.vpc_id
}}

output "same_vpc_id" {{
  value = data.terraform_remote_state.older.outputs.vpc_id
}}
"#,
        endpoint = store.moto.endpoint()
    ));
    assert_ne!(reader.moto.endpoint(), store.moto.endpoint());
    reader.ok(&["apply", "-auto-approve"]);
    assert_eq!(reader.ok(&["output", "-raw", "vpc_id"]), vpc);
    assert_eq!(reader.ok(&["output", "-raw", "same_vpc_id"]), vpc);
    let out = reader.run(&["plan", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "clean after apply:\n{}\n{}", text(&out.stdout), text(&out.stderr));
}
