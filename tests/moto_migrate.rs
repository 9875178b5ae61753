//! Taking over what Terraform manages, end to end against moto, without Terraform: objects made
//! with the SDK as Terraform would have made them, and a Terraform state in exactly the shape
//! Terraform 1.11 writes (tests/fixtures/terraform-state/stack.tfstate, from a real
//! `terraform apply` of the configuration next to it, ids substituted here). `provision state
//! migrate --from-terraform` (a file and an S3 object), the first plan, apply, a clean plan, every
//! id kept, Terraform's file untouched; each refusal; and `provision import ADDRESS ID`.

mod support;

use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};
use std::collections::BTreeMap;
use std::path::Path;
use support::{Stack, root, text};

fn fixture_dir() -> std::path::PathBuf {
    root().join("tests/fixtures/terraform-state")
}

/// A stack directory holding the fixture's configuration (the root module and `modules/logs`).
fn stack() -> Stack {
    let config = std::fs::read_to_string(fixture_dir().join("config/main.tf")).expect("fixture config");
    let s = Stack::with_config(&config);
    std::fs::create_dir_all(s.path().join("modules/logs")).expect("mkdir");
    std::fs::copy(fixture_dir().join("config/modules/logs/main.tf"), s.path().join("modules/logs/main.tf"))
        .expect("module");
    s
}

fn name_tag(resource: ResourceType, name: &str) -> TagSpecification {
    TagSpecification::builder().resource_type(resource).tags(Tag::builder().key("Name").value(name).build()).build()
}

/// Makes, with the SDK, every object the fixture's state records; returns the value of each of
/// its placeholders (`vpc`, `subnet0`, ...).
async fn make_objects(s: &Stack, only_vpc: bool) -> BTreeMap<&'static str, String> {
    let conf = s.sdk().await;
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let mut ids = BTreeMap::new();
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.60.0.0/16")
        .tag_specifications(name_tag(ResourceType::Vpc, "mig"))
        .send()
        .await
        .expect("vpc");
    let vpc_id = vpc.vpc().and_then(|v| v.vpc_id()).expect("vpc id").to_string();
    let by_vpc = || Filter::builder().name("vpc-id").values(&vpc_id).build();
    let sgs = ec2
        .describe_security_groups()
        .filters(by_vpc())
        .filters(Filter::builder().name("group-name").values("default").build())
        .send()
        .await
        .expect("default group");
    ids.insert("default_sg", sgs.security_groups()[0].group_id().expect("id").to_string());
    let main = ec2
        .describe_route_tables()
        .filters(by_vpc())
        .filters(Filter::builder().name("association.main").values("true").build())
        .send()
        .await
        .expect("main route table");
    ids.insert("main_rtb", main.route_tables()[0].route_table_id().expect("id").to_string());
    let acls = ec2
        .describe_network_acls()
        .filters(by_vpc())
        .filters(Filter::builder().name("default").values("true").build())
        .send()
        .await
        .expect("default acl");
    ids.insert("default_nacl", acls.network_acls()[0].network_acl_id().expect("id").to_string());
    ids.insert("vpc", vpc_id.clone());
    if only_vpc {
        return ids;
    }
    for (i, (cidr, az)) in [("10.60.0.0/24", "eu-west-1a"), ("10.60.1.0/24", "eu-west-1c")].into_iter().enumerate() {
        let subnet =
            ec2.create_subnet().vpc_id(&vpc_id).cidr_block(cidr).availability_zone(az).send().await.expect("subnet");
        let id = subnet.subnet().and_then(|x| x.subnet_id()).expect("subnet id").to_string();
        ids.insert(if i == 0 { "subnet0" } else { "subnet1" }, id);
    }
    // Terraform's default description: the group is not replaced for it.
    let sg = ec2
        .create_security_group()
        .group_name("mig-app")
        .description("Managed by Terraform")
        .vpc_id(&vpc_id)
        .send()
        .await
        .expect("group");
    let sg_id = sg.group_id().expect("group id").to_string();
    ec2.authorize_security_group_ingress()
        .group_id(&sg_id)
        .ip_protocol("tcp")
        .from_port(443)
        .to_port(443)
        .cidr_ip("0.0.0.0/0")
        .send()
        .await
        .expect("ingress");
    ids.insert("sg", sg_id);
    let igw = ec2.create_internet_gateway().send().await.expect("igw");
    let igw_id = igw.internet_gateway().and_then(|g| g.internet_gateway_id()).expect("igw id").to_string();
    ec2.attach_internet_gateway().internet_gateway_id(&igw_id).vpc_id(&vpc_id).send().await.expect("attach");
    let rt = ec2.create_route_table().vpc_id(&vpc_id).send().await.expect("route table");
    let rtb = rt.route_table().and_then(|r| r.route_table_id()).expect("rtb id").to_string();
    ec2.create_route()
        .route_table_id(&rtb)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(&igw_id)
        .send()
        .await
        .expect("route");
    let assoc =
        ec2.associate_route_table().route_table_id(&rtb).subnet_id(&ids["subnet0"]).send().await.expect("assoc");
    ids.insert("assoc", assoc.association_id().expect("assoc id").to_string());
    ids.insert("igw", igw_id);
    ids.insert("rtb", rtb);

    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&conf).force_path_style(true).build());
    let location = aws_sdk_s3::types::CreateBucketConfiguration::builder()
        .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuWest1)
        .build();
    s3.create_bucket().bucket("mig-data").create_bucket_configuration(location).send().await.expect("bucket");
    let iam = aws_sdk_iam::Client::new(&conf);
    let role = iam
        .create_role()
        .role_name("mig-api")
        .assume_role_policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"ecs-tasks.amazonaws.com"}}]}"#,
        )
        .send()
        .await
        .expect("role");
    ids.insert("role_unique_id", role.role().map(|r| r.role_id().to_string()).expect("role id"));
    let logs = aws_sdk_cloudwatchlogs::Client::new(&conf);
    logs.create_log_group().log_group_name("/mig/app").send().await.expect("log group");
    logs.put_retention_policy().log_group_name("/mig/app").retention_in_days(7).send().await.expect("retention");
    ids
}

/// The fixture with the ids of this run's objects in place of its placeholders.
fn terraform_state(ids: &BTreeMap<&'static str, String>) -> String {
    let mut t = std::fs::read_to_string(fixture_dir().join("stack.tfstate")).expect("fixture state");
    for (k, v) in ids {
        t = t.replace(&format!("{{{{{k}}}}}"), v);
    }
    t
}

/// The fixture keeping only the resources of the given types (and any placeholders they hold).
fn only_types(state: &str, types: &[&str]) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(state).expect("fixture JSON");
    let keep = |r: &serde_json::Value| types.iter().any(|t| r["type"] == *t);
    let resources: Vec<serde_json::Value> =
        v["resources"].as_array().expect("resources").iter().filter(|r| keep(r)).cloned().collect();
    v["resources"] = serde_json::Value::Array(resources);
    v
}

fn ids_in_state(s: &Stack) -> BTreeMap<String, String> {
    s.state()["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|o| {
            (o["address"].as_str().unwrap_or_default().to_string(), o["id"].as_str().unwrap_or_default().to_string())
        })
        .collect()
}

/// What each address's id must be after the migration: Terraform's ids, the route's as provision
/// names it (`<route table>_<destination>`).
fn expected_ids(ids: &BTreeMap<&'static str, String>) -> BTreeMap<String, String> {
    [
        ("aws_vpc.main", ids["vpc"].clone()),
        ("aws_subnet.a[0]", ids["subnet0"].clone()),
        ("aws_subnet.a[1]", ids["subnet1"].clone()),
        ("aws_security_group.app", ids["sg"].clone()),
        ("aws_internet_gateway.gw", ids["igw"].clone()),
        ("aws_route_table.public", ids["rtb"].clone()),
        ("aws_route.default", format!("{}_0.0.0.0/0", ids["rtb"])),
        ("aws_route_table_association.a", ids["assoc"].clone()),
        ("aws_s3_bucket.data", "mig-data".to_string()),
        ("aws_iam_role.app[\"api\"]", "mig-api".to_string()),
        ("module.logs.aws_cloudwatch_log_group.this", "/mig/app".to_string()),
    ]
    .into_iter()
    .map(|(a, id)| (a.to_string(), id))
    .collect()
}

/// Runs and expects exit status `code`; returns stdout and stderr together.
fn exits(s: &Stack, args: &[&str], code: i32) -> String {
    let out = s.run(args);
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(code), "provision {}:\n{all}", args.join(" "));
    all
}

fn no_state(s: &Stack) -> bool {
    !Path::new(&s.state_file("default")).exists()
}

#[tokio::test]
async fn a_terraform_stack_is_migrated_planned_clean_applied_and_keeps_every_id() {
    let s = stack();
    let ids = make_objects(&s, false).await;
    let tf = terraform_state(&ids);
    let tf_path = s.path().join("terraform.tfstate");
    std::fs::write(&tf_path, &tf).expect("terraform state");

    let out = s.ok(&["state", "migrate", "--from-terraform", "terraform.tfstate"]);
    assert!(out.contains("Migrated 11 objects from terraform.tfstate (Terraform 1.11.4, serial 12) to"), "{out}");
    assert!(out.contains("  aws_subnet                   2"), "a count per type: {out}");
    assert!(out.contains("1 data source instance was not migrated"), "{out}");
    assert_eq!(ids_in_state(&s), expected_ids(&ids));
    let journal = s.path().join("provision.tfstate.journal");
    assert!(!journal.exists(), "state migrate writes the state whole and leaves no journal");
    let state = s.state();
    let route = state["resources"].as_array().and_then(|r| r.iter().find(|o| o["address"] == "aws_route.default"));
    let deps = route.map(|o| o["dependencies"].clone()).expect("route");
    assert_eq!(deps, serde_json::json!(["aws_internet_gateway.gw", "aws_route_table.public", "aws_vpc.main"]));
    assert_ne!(state["lineage"], "72ddab07-245c-1809-3ed8-48139d275a6b", "a new lineage, not Terraform's");

    // The first plan: nothing to change (the configuration is what Terraform applied).
    let plan = exits(&s, &["plan", "-detailed-exitcode"], 0);
    assert!(plan.contains("No changes."), "{plan}");
    let out = s.ok(&["apply", "-auto-approve"]);
    assert!(out.contains("Apply complete!"), "{out}");
    let plan = exits(&s, &["plan", "-detailed-exitcode"], 0);
    assert!(plan.contains("No changes."), "{plan}");
    assert_eq!(ids_in_state(&s), expected_ids(&ids), "every object keeps its id");
    assert_eq!(std::fs::read_to_string(&tf_path).expect("terraform state"), tf, "Terraform's state is never written");

    let out = s.ok(&["destroy", "-auto-approve"]);
    assert!(out.contains("Destroy complete! Resources: 11 destroyed."), "{out}");
    assert_eq!(std::fs::read_to_string(&tf_path).expect("terraform state"), tf);
}

#[tokio::test]
async fn a_terraform_state_in_s3_is_migrated_from_its_url() {
    let s = stack();
    let ids = make_objects(&s, false).await;
    let tf = terraform_state(&ids);
    let conf = s.sdk().await;
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&conf).force_path_style(true).build());
    let location = aws_sdk_s3::types::CreateBucketConfiguration::builder()
        .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuWest1)
        .build();
    s3.create_bucket().bucket("acme-tf-state").create_bucket_configuration(location).send().await.expect("bucket");
    s3.put_object()
        .bucket("acme-tf-state")
        .key("app/terraform.tfstate")
        .body(tf.clone().into_bytes().into())
        .send()
        .await
        .expect("put state");

    let missing = exits(&s, &["state", "migrate", "--from-terraform", "s3://acme-tf-state/app/none.tfstate"], 1);
    assert!(missing.contains("there is no Terraform state at s3://acme-tf-state/app/none.tfstate"), "{missing}");
    assert!(no_state(&s));
    let out = s.ok(&["state", "migrate", "--from-terraform", "s3://acme-tf-state/app/terraform.tfstate"]);
    assert!(out.contains("Migrated 11 objects from s3://acme-tf-state/app/terraform.tfstate"), "{out}");
    assert_eq!(ids_in_state(&s), expected_ids(&ids));
    let plan = exits(&s, &["plan", "-detailed-exitcode"], 0);
    assert!(plan.contains("No changes."), "{plan}");
    let object = s3.get_object().bucket("acme-tf-state").key("app/terraform.tfstate").send().await.expect("get");
    let bytes = object.body.collect().await.expect("body").into_bytes();
    assert_eq!(bytes.as_ref(), tf.as_bytes(), "Terraform's state object is never written");
}

#[tokio::test]
async fn a_terraform_state_that_cannot_be_migrated_is_refused_and_nothing_is_written() {
    let s = stack();
    let ids = make_objects(&s, true).await;
    let full = terraform_state(&ids);
    let vpc_only = only_types(&full, &["aws_vpc"]);
    let write = |name: &str, body: &str| std::fs::write(s.path().join(name), body).expect("write");

    write("bad.tfstate", "{\n  \"version\": 4,\n  oops\n}\n");
    let e = exits(&s, &["state", "migrate", "--from-terraform", "bad.tfstate"], 1);
    assert!(e.contains("error: bad.tfstate:3:3: this is not a Terraform state: it is not JSON"), "{e}");
    assert!(no_state(&s));

    let mut v3 = vpc_only.clone();
    v3["version"] = serde_json::json!(3);
    write("old.tfstate", &v3.to_string());
    let e = exits(&s, &["state", "migrate", "--from-terraform", "old.tfstate"], 1);
    assert!(e.contains("old.tfstate is a Terraform state of format version 3"), "{e}");
    assert!(e.contains("provision reads format version 4 (Terraform 0.12 and later)"), "{e}");
    assert!(no_state(&s));

    let mut no_lineage = vpc_only.clone();
    if let Some(o) = no_lineage.as_object_mut() {
        o.remove("lineage");
    }
    write("partial.tfstate", &no_lineage.to_string());
    let e = exits(&s, &["state", "migrate", "--from-terraform", "partial.tfstate"], 1);
    assert!(e.contains("missing field `lineage`"), "{e}");
    assert!(no_state(&s));

    write(
        "ours.tfstate",
        r#"{"format": "provision-state", "format_version": 2, "serial": 1, "lineage": "l", "provision_version": "0.1.0", "resources": []}"#,
    );
    let e = exits(&s, &["state", "migrate", "--from-terraform", "ours.tfstate"], 1);
    assert!(e.contains("ours.tfstate is a provision state, not a Terraform state"), "{e}");
    assert!(no_state(&s));

    // An object deleted from AWS since Terraform recorded it.
    let mut gone = vpc_only.clone();
    let mut subnet = only_types(&full, &["aws_subnet"])["resources"][0].clone();
    subnet["instances"][0]["attributes"]["id"] = serde_json::json!("subnet-0123456789abcdef0");
    if let Some(i) = subnet["instances"].as_array_mut() {
        i.truncate(1);
    }
    if let Some(r) = gone["resources"].as_array_mut() {
        r.push(subnet);
    }
    write("gone.tfstate", &gone.to_string());
    let e = exits(&s, &["state", "migrate", "--from-terraform", "gone.tfstate"], 1);
    assert!(e.contains("1 object Terraform's state records does not exist in AWS; nothing was written"), "{e}");
    assert!(e.contains("aws_subnet.a[0] (id subnet-0123456789abcdef0, provider aws)"), "{e}");
    assert!(no_state(&s));

    // A replacement Terraform did not finish (create_before_destroy): finished with Terraform first.
    let mut deposed = vpc_only.clone();
    let old_object = serde_json::json!({"deposed": "00000001", "schema_version": 1, "attributes": {"id": "vpc-0123456789abcdef0"}, "sensitive_attributes": []});
    if let Some(i) = deposed["resources"][0]["instances"].as_array_mut() {
        i.push(old_object);
    }
    write("deposed.tfstate", &deposed.to_string());
    let e = exits(&s, &["state", "migrate", "--from-terraform", "deposed.tfstate"], 1);
    assert!(e.contains("aws_vpc.main has a deposed object (key 00000001)"), "{e}");
    assert!(e.contains("Finish with Terraform first"), "{e}");
    assert!(no_state(&s));

    // One object at two addresses.
    let mut twice = vpc_only.clone();
    let mut again = twice["resources"][0].clone();
    again["name"] = serde_json::json!("again");
    if let Some(r) = twice["resources"].as_array_mut() {
        r.push(again);
    }
    write("twice.tfstate", &twice.to_string());
    let e = exits(&s, &["state", "migrate", "--from-terraform", "twice.tfstate"], 1);
    assert!(e.contains(&format!("aws_vpc.main and aws_vpc.again are one object in AWS ({})", ids["vpc"])), "{e}");
    assert!(no_state(&s));

    // A type provision does not support: refused, then migrated without it with --allow-partial.
    let mut partial = vpc_only.clone();
    if let Some(r) = partial["resources"].as_array_mut() {
        r.push(serde_json::json!({
            "mode": "managed", "type": "aws_instance", "name": "bastion",
            "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
            "instances": [{"schema_version": 1, "attributes": {"id": "i-0123456789abcdef0"}, "sensitive_attributes": []}]
        }));
    }
    write("partial-types.tfstate", &partial.to_string());
    let e = exits(&s, &["state", "migrate", "--from-terraform", "partial-types.tfstate"], 1);
    assert!(e.contains("1 object has a type provision does not support:\n    aws_instance.bastion"), "{e}");
    assert!(e.contains("--allow-partial"), "{e}");
    assert!(no_state(&s));
    let out = exits(&s, &["state", "migrate", "--from-terraform", "partial-types.tfstate", "--allow-partial"], 0);
    assert!(out.contains("Migrated 1 object from partial-types.tfstate"), "{out}");
    assert!(out.contains("left out, because provision does not support their types"), "{out}");
    assert!(out.contains("aws_instance.bastion"), "{out}");
    assert_eq!(ids_in_state(&s), BTreeMap::from([("aws_vpc.main".to_string(), ids["vpc"].clone())]));

    // provision's state now holds objects: a second migration is refused, the state unchanged.
    let before = std::fs::read(s.state_file("default")).expect("state");
    let e = exits(&s, &["state", "migrate", "--from-terraform", "partial-types.tfstate", "--allow-partial"], 1);
    assert!(e.contains("already holds 1 object; a migration writes a new state and never merges into one"), "{e}");
    assert_eq!(std::fs::read(s.state_file("default")).expect("state"), before);
}

const IMPORT: &str = r#"
resource "aws_vpc" "main" {
  cidr_block = "10.70.0.0/16"
  tags       = { Name = "imported" }
}
"#;

#[tokio::test]
async fn provision_import_adopts_one_object_and_refuses_what_it_cannot() {
    let s = Stack::with_config(IMPORT);
    let conf = s.sdk().await;
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let vpc = ec2.create_vpc().cidr_block("10.70.0.0/16").send().await.expect("vpc");
    let vpc_id = vpc.vpc().and_then(|v| v.vpc_id()).expect("vpc id").to_string();

    let e = exits(&s, &["import", "aws_vpc.other", &vpc_id], 1);
    assert!(e.contains("the configuration declares no resource aws_vpc.other"), "{e}");
    let e = exits(&s, &["import", "aws_vpc.main", "vpc-0123456789abcdef0"], 1);
    assert!(e.contains("Cannot import non-existent remote object"), "{e}");
    assert!(no_state(&s), "nothing written");

    let out = s.ok(&["import", "aws_vpc.main", &vpc_id]);
    assert!(out.contains(&format!("aws_vpc.main: Importing from ID \"{vpc_id}\"...")), "{out}");
    assert!(out.contains("Import successful!"), "{out}");
    assert!(out.contains("will henceforth be managed by provision."), "{out}");
    assert_eq!(ids_in_state(&s), BTreeMap::from([("aws_vpc.main".to_string(), vpc_id.clone())]));
    let plan = exits(&s, &["plan", "-detailed-exitcode"], 2);
    assert!(plan.contains("Plan: 0 to add, 1 to change, 0 to destroy."), "only the Name tag: {plan}");
    assert!(plan.contains("+ \"Name\" = \"imported\""), "{plan}");

    let before = std::fs::read(s.state_file("default")).expect("state");
    let e = exits(&s, &["import", "aws_vpc.main", &vpc_id], 1);
    assert!(e.contains("aws_vpc.main is already managed"), "{e}");
    std::fs::write(s.path().join("spare.tf"), "resource \"aws_vpc\" \"spare\" {\n  cidr_block = \"10.70.0.0/16\"\n}\n")
        .expect("spare");
    let e = exits(&s, &["import", "aws_vpc.spare", &vpc_id], 1);
    assert!(e.contains(&format!("{vpc_id} is already managed as aws_vpc.main")), "{e}");
    assert_eq!(std::fs::read(s.state_file("default")).expect("state"), before, "nothing written");
}
