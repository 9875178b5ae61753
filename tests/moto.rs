//! End to end through the CLI against the moto emulator, which each test starts on a free
//! loopback port (and which must be installed: `scripts/install-moto.sh`).

use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};
mod support;

use provision_testkit::moto::REGION;
use support::{Stack, text};

impl Stack {
    async fn ec2(&self) -> aws_sdk_ec2::Client {
        aws_sdk_ec2::Client::new(&self.sdk().await)
    }

    /// Every VPC, subnet and internet gateway in the emulator tagged with this stack.
    async fn objects_of_stack(&self, lineage: &str) -> Vec<String> {
        let ec2 = self.ec2().await;
        let f = || Filter::builder().name("tag:provision:stack").values(lineage).build();
        let mut out = vec![];
        let vpcs = ec2.describe_vpcs().filters(f()).send().await.expect("vpcs");
        out.extend(vpcs.vpcs().iter().filter_map(|v| v.vpc_id()).map(str::to_string));
        let subnets = ec2.describe_subnets().filters(f()).send().await.expect("subnets");
        out.extend(subnets.subnets().iter().filter_map(|v| v.subnet_id()).map(str::to_string));
        let igws = ec2.describe_internet_gateways().filters(f()).send().await.expect("igws");
        out.extend(igws.internet_gateways().iter().filter_map(|v| v.internet_gateway_id()).map(str::to_string));
        out
    }
}

/// The lifecycle the issue asks for: plan → apply → no changes → a tag changed → exactly one
/// in-place update → apply → destroy → nothing of the stack left.
#[tokio::test]
async fn example_lifecycle_against_the_emulator() {
    let s = Stack::new("basic");
    let out = s.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let applied = s.ok(&["apply", "--auto-approve"]);
    assert!(applied.contains("Apply complete! Resources: 4 added, 0 changed, 0 destroyed."), "{applied}");
    let lineage = s.lineage();
    assert_eq!(s.objects_of_stack(&lineage).await.len(), 4);

    let out = s.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}\n{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stdout).contains("No changes."));

    let main = s.path().join("main.tf");
    let config = std::fs::read_to_string(&main).expect("read");
    std::fs::write(&main, config.replace("Name = \"${var.name}-igw\"", "Name = \"${var.name}-gateway\""))
        .expect("edit");
    let out = s.run(&["plan", "--detailed-exitcode", "--json"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(j["summary"], serde_json::json!({"import": 0, "add": 0, "change": 1, "destroy": 0}));
    let changed: Vec<&str> = j["resource_changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["change"]["actions"] != serde_json::json!(["no-op"]))
        .filter_map(|c| c["address"].as_str())
        .collect();
    assert_eq!(changed, vec!["aws_internet_gateway.main"]);

    let applied = s.ok(&["apply", "--auto-approve"]);
    assert!(applied.contains("Resources: 0 added, 1 changed, 0 destroyed."), "{applied}");
    let ec2 = s.ec2().await;
    let igw = ec2
        .describe_internet_gateways()
        .filters(Filter::builder().name("tag:Name").values("basic-gateway").build())
        .send()
        .await
        .expect("describe");
    assert_eq!(igw.internet_gateways().len(), 1, "the new tag is on the gateway");
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0));

    let destroyed = s.ok(&["destroy", "--auto-approve"]);
    assert!(destroyed.contains("Destroy complete! Resources: 4 destroyed."), "{destroyed}");
    assert!(s.objects_of_stack(&lineage).await.is_empty(), "the emulator still holds objects of the stack");
    assert_eq!(s.state()["resources"], serde_json::json!([]));
}

#[tokio::test]
async fn plan_reads_each_type_once() {
    let s = Stack::new("basic");
    s.ok(&["apply", "--auto-approve"]);
    let out = s.run(&["-v", "plan"]);
    let err = text(&out.stderr);
    assert!(err.contains("total=3"), "one DescribeVpcs, one DescribeSubnets, one DescribeInternetGateways:\n{err}");
}

#[tokio::test]
async fn saved_plans_apply_exactly_and_stale_ones_are_refused() {
    let s = Stack::new("basic");
    s.ok(&["plan", "-out=first.plan"]);
    let mode = std::fs::metadata(s.path().join("first.plan"))
        .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o777);
    assert_eq!(mode.ok(), Some(0o600), "a plan file holds secrets like the state does");
    s.ok(&["plan", "-out", "second.plan"]);
    let applied = s.ok(&["apply", "first.plan"]);
    assert!(applied.contains("4 added"), "{applied}");
    // The state moved on since second.plan was made.
    let out = s.run(&["apply", "second.plan"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("a state was created since the plan was made"), "{}", text(&out.stderr));
    // A configuration change makes a plan stale too.
    s.ok(&["plan", "-out=third.plan", "--var", "name=renamed"]);
    let main = s.path().join("main.tf");
    let config = std::fs::read_to_string(&main).expect("read");
    std::fs::write(&main, config.replace("Tier = \"public\"", "Tier = \"edge\"")).expect("edit");
    let out = s.run(&["apply", "third.plan"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("main.tf changed"), "{}", text(&out.stderr));
    let out = s.run(&["apply", "third.plan", "--var", "name=x"]);
    assert!(text(&out.stderr).contains("cannot be used with it"), "{}", text(&out.stderr));
}

/// A run killed right after AWS created the VPC, before the state recorded it, leaves a pending
/// record; the next run finds the VPC by its tags and adopts it instead of creating a second one.
#[tokio::test]
async fn an_interrupted_create_is_adopted_not_duplicated() {
    let s = Stack::new("basic");
    let lineage = "11111111-2222-3333-4444-555555555555";
    let ec2 = s.ec2().await;
    let tags = TagSpecification::builder()
        .resource_type(ResourceType::Vpc)
        .tags(Tag::builder().key("provision:stack").value(lineage).build())
        .tags(Tag::builder().key("provision:address").value("aws_vpc.main").build())
        .tags(Tag::builder().key("Name").value("basic").build())
        .build();
    let created = ec2.create_vpc().cidr_block("10.20.0.0/16").tag_specifications(tags).send().await.expect("create");
    let vpc_id = created.vpc().and_then(|v| v.vpc_id()).expect("id").to_string();
    let state = serde_json::json!({
        "format": "provision-state", "format_version": 1, "serial": 1, "lineage": lineage,
        "provision_version": "0.1.0", "resources": [],
        "pending": [{ "address": "aws_vpc.main", "token": "t-1", "started_at": "2026-11-22T08:00:00Z", "dependencies": [] }],
        "outputs": {}
    });
    std::fs::write(s.path().join("provision.tfstate"), state.to_string()).expect("state");
    let out = s.ok(&["apply", "--auto-approve"]);
    assert!(out.contains(&format!("aws_vpc.main: an interrupted run created {vpc_id}")), "{out}");
    assert!(out.contains("3 added"), "the VPC was adopted, only the rest created: {out}");
    let vpcs = ec2
        .describe_vpcs()
        .filters(Filter::builder().name("tag:provision:address").values("aws_vpc.main").build())
        .send()
        .await
        .expect("vpcs");
    assert_eq!(vpcs.vpcs().len(), 1, "no duplicate VPC");
    assert_eq!(s.state()["resources"].as_array().map(Vec::len), Some(4));
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0));
}

#[tokio::test]
async fn drift_made_outside_is_reported_and_corrected() {
    let s = Stack::new("basic");
    s.ok(&["apply", "--auto-approve"]);
    let vpc_id = s.state()["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| r["address"] == "aws_vpc.main")
        .and_then(|r| r["id"].as_str())
        .expect("vpc")
        .to_string();
    let ec2 = s.ec2().await;
    ec2.create_tags()
        .resources(&vpc_id)
        .tags(Tag::builder().key("Name").value("hand-edited").build())
        .send()
        .await
        .expect("tag");
    let out = s.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(2));
    let plan = text(&out.stdout);
    assert!(plan.contains("Objects have changed outside of provision"), "{plan}");
    assert!(plan.contains("\"Name\" = \"hand-edited\" -> \"basic\""), "{plan}");
    s.ok(&["apply", "--auto-approve"]);
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0));
}

#[tokio::test]
async fn a_deleted_object_is_recreated() {
    let s = Stack::new("basic");
    s.ok(&["apply", "--auto-approve"]);
    let igw = s.state()["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| r["address"] == "aws_internet_gateway.main")
        .map(|r| {
            (
                r["id"].as_str().unwrap_or_default().to_string(),
                r["attributes"]["vpc_id"].as_str().unwrap_or_default().to_string(),
            )
        })
        .expect("igw");
    let ec2 = s.ec2().await;
    ec2.detach_internet_gateway().internet_gateway_id(&igw.0).vpc_id(&igw.1).send().await.expect("detach");
    ec2.delete_internet_gateway().internet_gateway_id(&igw.0).send().await.expect("delete");
    let plan = s.ok(&["plan"]);
    assert!(plan.contains("aws_internet_gateway.main has been deleted"), "{plan}");
    assert!(plan.contains("Plan: 1 to add, 0 to change, 0 to destroy."), "{plan}");
    s.ok(&["apply", "--auto-approve"]);
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0));
}

/// The real thing: the binary is killed with SIGKILL in the middle of an apply (after k objects
/// were created); the next apply takes over the dead run's lock by itself and converges. Wherever the kill lands, every address has exactly one object and the state and the
/// emulator agree.
#[tokio::test]
async fn sigkill_mid_apply_leaves_no_duplicate_and_no_orphan() {
    use std::io::BufRead;
    let s = Stack::new("basic");
    // A bigger stack: one VPC and twelve subnets, created one at a time.
    let config = r#"
provider "aws" {
  region = "eu-west-1"
}

resource "aws_vpc" "main" {
  cidr_block = "10.40.0.0/16"
}

resource "aws_subnet" "s" {
  count      = 12
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)
}
"#;
    for f in ["main.tf", "variables.tf", "outputs.tf"] {
        let _ = std::fs::remove_file(s.path().join(f));
    }
    std::fs::write(s.path().join("main.tf"), config).expect("config");
    let mut journals = 0;
    for (round, after) in [1usize, 4, 9].into_iter().enumerate() {
        let mut child = s
            .command(&["apply", "--auto-approve", "--parallelism", "1"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn");
        let stdout = child.stdout.take().expect("stdout");
        let mut seen = 0;
        for line in std::io::BufReader::new(stdout).lines() {
            let line = line.expect("line");
            if line.contains("Creation complete") {
                seen += 1;
                if seen == after {
                    break;
                }
            }
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("wait");
        // No manual step: the killed run's lock is taken over (its process is gone), with one
        // line saying so, and the next apply recovers.
        assert!(s.path().join("provision.tfstate.lock").exists(), "round {round}: a killed run leaves its lock file");
        // Its state journal, if the kill came after its first write, is replayed and compacted.
        let journal = s.path().join("provision.tfstate.journal");
        journals += usize::from(journal.exists());
        let out = s.run(&["apply", "--auto-approve"]);
        let err = text(&out.stderr);
        assert!(out.status.success(), "round {round}: {}\n{err}", text(&out.stdout));
        assert!(!journal.exists(), "round {round}: the next apply compacts the journal");
        assert!(
            err.contains("took over the state lock") && err.contains("is no longer running"),
            "round {round}: {err}"
        );
        assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0), "round {round}");
        let lineage = s.lineage();
        let ec2 = s.ec2().await;
        let tagged = |name: &str| Filter::builder().name(name).values(lineage.clone()).build();
        let vpcs = ec2.describe_vpcs().filters(tagged("tag:provision:stack")).send().await.expect("vpcs");
        let subnets = ec2.describe_subnets().filters(tagged("tag:provision:stack")).send().await.expect("subnets");
        assert_eq!(vpcs.vpcs().len(), 1, "round {round}: one VPC");
        let mut addresses: Vec<String> = subnets
            .subnets()
            .iter()
            .flat_map(|sn| {
                sn.tags()
                    .iter()
                    .filter(|t| t.key() == Some("provision:address"))
                    .filter_map(|t| t.value())
                    .map(str::to_string)
            })
            .collect();
        addresses.sort();
        let before = addresses.len();
        addresses.dedup();
        assert_eq!(before, addresses.len(), "round {round}: a duplicated subnet");
        assert_eq!(addresses.len(), 12, "round {round}: twelve subnets");
        assert_eq!(s.state()["resources"].as_array().map(Vec::len), Some(13), "round {round}: all recorded");
        // Start the next round from nothing again.
        s.ok(&["destroy", "--auto-approve"]);
    }
    assert!(journals > 0, "no killed run left a state journal: replaying one was not tested");
}

/// Ids of every object of the stack in the emulator, by kind: VPC, subnets, gateways, NAT
/// gateways that are not deleted, addresses, route tables, security groups.
async fn inventory(ec2: &aws_sdk_ec2::Client, lineage: &str) -> std::collections::BTreeMap<&'static str, Vec<String>> {
    let f = || Filter::builder().name("tag:provision:stack").values(lineage).build();
    let ids = |v: Vec<Option<&str>>| -> Vec<String> { v.into_iter().flatten().map(str::to_string).collect() };
    let mut out = std::collections::BTreeMap::new();
    let r = ec2.describe_vpcs().filters(f()).send().await.expect("vpcs");
    out.insert("vpc", ids(r.vpcs().iter().map(|x| x.vpc_id()).collect()));
    let r = ec2.describe_subnets().filters(f()).send().await.expect("subnets");
    out.insert("subnet", ids(r.subnets().iter().map(|x| x.subnet_id()).collect()));
    let r = ec2.describe_internet_gateways().filters(f()).send().await.expect("igws");
    out.insert("igw", ids(r.internet_gateways().iter().map(|x| x.internet_gateway_id()).collect()));
    let r = ec2.describe_nat_gateways().filter(f()).send().await.expect("nats");
    out.insert(
        "nat",
        ids(r
            .nat_gateways()
            .iter()
            .filter(|n| n.state() != Some(&aws_sdk_ec2::types::NatGatewayState::Deleted))
            .map(|x| x.nat_gateway_id())
            .collect()),
    );
    let r = ec2.describe_addresses().filters(f()).send().await.expect("eips");
    out.insert("eip", ids(r.addresses().iter().map(|x| x.allocation_id()).collect()));
    let r = ec2.describe_route_tables().filters(f()).send().await.expect("rtbs");
    out.insert("rtb", ids(r.route_tables().iter().map(|x| x.route_table_id()).collect()));
    let r = ec2.describe_security_groups().filters(f()).send().await.expect("sgs");
    out.insert("sg", ids(r.security_groups().iter().map(|x| x.group_id()).collect()));
    out
}

const RUNTIME: [&str; 6] = [
    "aws_eip.nat[0]",
    "aws_eip.nat[1]",
    "aws_nat_gateway.main[0]",
    "aws_nat_gateway.main[1]",
    "aws_route.private_nat[0]",
    "aws_route.private_nat[1]",
];

/// The nightly teardown: apply the network, destroy the runtime layer (exactly the NAT gateways,
/// their addresses and the private default routes), bring it back with every base object keeping
/// its id, then destroy everything and leave nothing of the stack behind.
#[tokio::test]
async fn network_runtime_layer_goes_and_comes_back() {
    let s = Stack::new("network");
    let applied = s.ok(&["apply", "--auto-approve"]);
    assert!(applied.contains("Apply complete! Resources: 23 added"), "{applied}");
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0), "nothing to do after apply");
    let lineage = s.lineage();
    let ec2 = s.ec2().await;
    let before = s.ids();
    let layers: Vec<(String, String)> = s.state()["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter(|r| r["layer"] == "runtime")
        .map(|r| (r["address"].as_str().unwrap_or_default().to_string(), r["layer"].to_string()))
        .collect();
    assert_eq!(layers.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>(), RUNTIME, "the state records layers");

    let preview = s.run(&["plan", "--destroy", "--layer", "runtime", "--json"]);
    let j: serde_json::Value = serde_json::from_slice(&preview.stdout).expect("json");
    let doomed: Vec<&str> = j["resource_changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["change"]["actions"] == serde_json::json!(["delete"]))
        .filter_map(|c| c["address"].as_str())
        .collect();
    assert_eq!(doomed, RUNTIME);

    let out = s.ok(&["destroy", "--layer", "runtime", "--auto-approve"]);
    assert!(out.contains("Destroy complete! Resources: 6 destroyed."), "{out}");
    let after = s.ids();
    let base: std::collections::BTreeMap<String, String> =
        before.iter().filter(|(a, _)| !RUNTIME.contains(&a.as_str())).map(|(a, i)| (a.clone(), i.clone())).collect();
    assert_eq!(after, base, "exactly the runtime layer left the state");
    let inv = inventory(&ec2, &lineage).await;
    assert!(inv["nat"].is_empty() && inv["eip"].is_empty(), "{inv:?}");
    assert_eq!(inv["subnet"].len(), 4);
    assert_eq!(inv["rtb"].len(), 3);
    let tables =
        ec2.describe_route_tables().filters(Filter::builder().name("tag:provision:stack").values(&lineage).build());
    let tables = tables.send().await.expect("tables");
    let nat_routes =
        tables.route_tables().iter().flat_map(|t| t.routes()).filter(|r| r.nat_gateway_id().is_some()).count();
    assert_eq!(nat_routes, 0, "the private default routes went with the NAT gateways");

    let out = s.run(&["plan", "--layer", "runtime", "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stdout).contains("Plan: 6 to add, 0 to change, 0 to destroy."), "{}", text(&out.stdout));
    let out = s.ok(&["apply", "--auto-approve"]);
    assert!(out.contains("Resources: 6 added, 0 changed, 0 destroyed."), "{out}");
    let again = s.ids();
    for (a, id) in &base {
        assert_eq!(again.get(a), Some(id), "{a} kept its id");
    }
    assert_eq!(again.len(), before.len());
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0));

    let out = s.ok(&["destroy", "--auto-approve"]);
    assert!(out.contains("Destroy complete! Resources: 23 destroyed."), "{out}");
    let inv = inventory(&ec2, &lineage).await;
    assert!(inv.values().all(Vec::is_empty), "objects of the stack are left: {inv:?}");
}

/// A security group rule and a tag changed by hand are reported as drift and put back.
#[tokio::test]
async fn network_drift_in_rules_and_tags_is_corrected() {
    let s = Stack::new("network");
    s.ok(&["apply", "--auto-approve"]);
    let ids = s.ids();
    let ec2 = s.ec2().await;
    let alb = &ids["aws_security_group.alb"];
    let https = aws_sdk_ec2::types::IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(443)
        .to_port(443)
        .ip_ranges(aws_sdk_ec2::types::IpRange::builder().cidr_ip("0.0.0.0/0").description("HTTPS").build())
        .build();
    ec2.revoke_security_group_ingress().group_id(alb).ip_permissions(https).send().await.expect("revoke");
    let ssh = aws_sdk_ec2::types::IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(22)
        .to_port(22)
        .ip_ranges(aws_sdk_ec2::types::IpRange::builder().cidr_ip("0.0.0.0/0").build())
        .build();
    ec2.authorize_security_group_ingress().group_id(alb).ip_permissions(ssh).send().await.expect("authorize");
    ec2.create_tags()
        .resources(&ids["aws_subnet.private[1]"])
        .tags(Tag::builder().key("Tier").value("hand-edited").build())
        .send()
        .await
        .expect("tag");

    let out = s.run(&["plan", "--detailed-exitcode", "--json"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let drifted: Vec<&str> =
        j["resource_drift"].as_array().expect("drift").iter().filter_map(|d| d["address"].as_str()).collect();
    assert_eq!(drifted, vec!["aws_security_group.alb", "aws_subnet.private[1]"]);
    let updates: Vec<&str> = j["resource_changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["change"]["actions"] == serde_json::json!(["update"]))
        .filter_map(|c| c["address"].as_str())
        .collect();
    assert_eq!(updates, vec!["aws_security_group.alb", "aws_subnet.private[1]"]);
    let text_plan = s.ok(&["plan"]);
    assert!(text_plan.contains("Objects have changed outside of provision"), "{text_plan}");

    s.ok(&["apply", "--auto-approve"]);
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0));
    let g = ec2.describe_security_groups().group_ids(alb).send().await.expect("sg");
    let ports: Vec<i32> =
        g.security_groups()[0].ip_permissions().iter().filter_map(|p| p.from_port()).collect::<Vec<_>>();
    assert_eq!(ports.iter().copied().collect::<std::collections::BTreeSet<_>>(), [80, 443].into());
    assert_eq!(s.ids()["aws_security_group.alb"], *alb, "the group was changed in place, not replaced");
}

/// AWS as it really behaves, through the fault-injection proxy: one call in five throttled, NAT
/// gateways `pending` for their first describes and `deleting` for a while after the delete,
/// subnets and security groups refusing deletion at first (lingering network interfaces), and the
/// internet gateway refusing to detach while a NAT gateway's address is still mapped. Apply,
/// the nightly teardown and the full destroy still converge, and the plans in between are clean.
#[tokio::test]
async fn network_converges_through_throttling_slow_nat_gateways_and_delete_traps() {
    use provision_testkit::faults::{Fault, FaultProxy, FaultRule, Rules, When};
    let mut s = Stack::new("network");
    let proxy = FaultProxy::start(&s.moto.endpoint());
    let in_use = |op: &str, message: &str| {
        FaultRule::new(Some("ec2"), Some(op), When::FirstN(2), Fault::error(400, "DependencyViolation", message))
    };
    proxy.set_rules(
        Rules::nat_lifecycle(3, 4)
            .with(FaultRule::everywhere(When::Probability(0.2), Fault::Throttle))
            .with(in_use("DeleteSubnet", "The subnet has dependencies and cannot be deleted."))
            .with(in_use("DeleteSecurityGroup", "resource has a dependent object"))
            .seeded(20261122),
    );
    s.endpoint = Some(proxy.url());
    // Without `depends_on`, nothing orders the internet gateway after the NAT gateways: on the
    // full destroy its detach runs while they are still being deleted, is refused, and is retried
    // until they are gone.
    let main = s.path().join("main.tf");
    let config = std::fs::read_to_string(&main).expect("read");
    std::fs::write(&main, config.replace("depends_on = [aws_internet_gateway.main]", "")).expect("edit");

    let out = s.ok(&["apply", "--auto-approve"]);
    assert!(out.contains("Apply complete! Resources: 23 added"), "{out}");
    let stats = proxy.stats();
    assert!(stats.injected_total("throttle") > 0, "{stats:?}");
    assert!(stats.injected_total("nat-pending") >= 6, "each gateway was pending at first: {stats:?}");
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0));

    let out = s.ok(&["destroy", "--layer", "runtime", "--auto-approve"]);
    assert!(out.contains("Resources: 6 destroyed."), "{out}");
    assert!(proxy.stats().injected_total("nat-deleting") > 0);
    let out = s.ok(&["apply", "--auto-approve"]);
    assert!(out.contains("Resources: 6 added, 0 changed, 0 destroyed."), "{out}");
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0));

    // A longer deletion and a slow first detach make sure the detach lands inside the deletion.
    proxy.set_rules(
        Rules::nat_lifecycle(3, 6)
            .with(FaultRule::new(
                Some("ec2"),
                Some("DetachInternetGateway"),
                When::FirstN(1),
                Fault::Latency(std::time::Duration::from_secs(3)),
            ))
            .with(FaultRule::everywhere(When::Probability(0.2), Fault::Throttle))
            .with(in_use("DeleteSubnet", "The subnet has dependencies and cannot be deleted."))
            .with(in_use("DeleteSecurityGroup", "resource has a dependent object"))
            .seeded(7),
    );
    let lineage = s.lineage();
    let out = s.ok(&["destroy", "--auto-approve"]);
    assert!(out.contains("Destroy complete! Resources: 23 destroyed."), "{out}");
    let stats = proxy.stats();
    assert!(stats.injected_total("igw-blocked") > 0, "the detach trap was exercised: {out}");
    assert!(stats.injected_total("error") >= 4, "subnets and groups refused deletion at first: {stats:?}");
    let inv = inventory(&s.ec2().await, &lineage).await;
    assert!(inv.values().all(Vec::is_empty), "objects of the stack are left: {inv:?}");
}

/// Routes, associations and legacy rules carry no tags, so a crash between AWS's answer and the
/// state write cannot be resolved by `find`. Their create adopts the identical object instead: the
/// next apply records it, creates nothing twice, and fails on nothing.
#[tokio::test]
async fn untagged_objects_created_by_an_interrupted_run_are_adopted() {
    let s = Stack::new("network");
    s.ok(&["apply", "--auto-approve"]);
    let before = s.ids();
    let lost = ["aws_route.private_nat[0]", "aws_route_table_association.private[1]"];
    let mut state = s.state();
    state["resources"]
        .as_array_mut()
        .expect("resources")
        .retain(|r| !lost.contains(&r["address"].as_str().unwrap_or_default()));
    std::fs::write(s.path().join("provision.tfstate"), state.to_string()).expect("state");

    let out = s.ok(&["apply", "--auto-approve"]);
    assert!(out.contains("Resources: 2 added, 0 changed, 0 destroyed."), "{out}");
    let after = s.ids();
    for a in lost {
        assert_eq!(after.get(a), before.get(a), "{a} was adopted with the same id");
    }
    let ec2 = s.ec2().await;
    let table = &before["aws_route_table.private[0]"];
    let t = ec2.describe_route_tables().route_table_ids(table).send().await.expect("table");
    let defaults =
        t.route_tables()[0].routes().iter().filter(|r| r.destination_cidr_block() == Some("0.0.0.0/0")).count();
    assert_eq!(defaults, 1, "one default route");
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0));
}

/// A stack whose state lives in S3, locked in DynamoDB and with an S3 lock object.
const S3_STACK: &str = r#"
terraform {
  backend "s3" {
    bucket         = "acme-state"
    key            = "app/terraform.tfstate"
    region         = "eu-west-1"
    dynamodb_table = "acme-locks"
    use_lockfile   = true
    encrypt        = true
  }
}

variable "name" {
  type    = string
  default = "app"
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
  tags       = { Name = var.name, Env = terraform.workspace }
}
"#;

impl Stack {
    async fn s3(&self) -> aws_sdk_s3::Client {
        let conf = self.sdk().await;
        aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&conf).force_path_style(true).build())
    }

    /// The state object in S3, parsed.
    async fn s3_state(&self, key: &str) -> serde_json::Value {
        let out = self.s3().await.get_object().bucket("acme-state").key(key).send().await.expect("state object");
        let bytes = out.body.collect().await.expect("body").into_bytes();
        serde_json::from_slice(&bytes).expect("state JSON")
    }

    async fn vpc_name(&self) -> String {
        let ec2 = self.ec2().await;
        let f = Filter::builder().name("tag:Env").values("default").build();
        let vpcs = ec2.describe_vpcs().filters(f).send().await.expect("vpcs");
        let tags = vpcs.vpcs().first().map(|v| v.tags().to_vec()).unwrap_or_default();
        tags.iter().find(|t| t.key() == Some("Name")).and_then(|t| t.value()).unwrap_or_default().to_string()
    }
}

/// Missing bucket and table are explained, with the fix; bootstrap creates them (twice is fine);
/// the state then lives in S3, encrypted and versioned; environments get their own state and
/// variables; pull and push round-trip and a foreign state is refused; rm and mv work on it.
#[tokio::test]
async fn s3_state_bootstrap_environments_and_state_commands() {
    let s = Stack::with_config(S3_STACK);
    let out = s.run(&["plan"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("does not exist") && err.contains("provision state bootstrap"), "{err}");

    let out = s.ok(&["state", "bootstrap"]);
    assert!(out.contains("lock table acme-locks: created"), "{out}");
    let again = s.ok(&["state", "bootstrap"]);
    assert!(again.contains("lock table acme-locks: exists"), "{again}");
    let s3 = s.s3().await;
    let versioning = match s3.get_bucket_versioning().bucket("acme-state").send().await {
        Ok(v) => v.status().map(|s| s.as_str().to_string()).unwrap_or_default(),
        // moto 5.2.5 answers with a root element the SDK does not accept: read the raw answer.
        Err(e) => e
            .raw_response()
            .and_then(|r| r.body().bytes())
            .map(|b| String::from_utf8_lossy(b).to_string())
            .unwrap_or_default(),
    };
    assert!(versioning.contains("Enabled"), "versioning is on: {versioning}");
    let block = s3.get_public_access_block().bucket("acme-state").send().await.expect("public access block");
    let c = block.public_access_block_configuration().expect("configuration");
    assert_eq!(c.block_public_acls(), Some(true));
    assert_eq!(c.restrict_public_buckets(), Some(true));

    s.ok(&["apply", "--auto-approve"]);
    assert!(!s.path().join("provision.tfstate").exists(), "no local state with an S3 backend");
    let state = s.s3_state("app/terraform.tfstate").await;
    assert_eq!(state["resources"][0]["address"], "aws_vpc.main");
    let head = s3.head_object().bucket("acme-state").key("app/terraform.tfstate").send().await.expect("head");
    assert_eq!(head.server_side_encryption().map(|e| e.as_str()), Some("AES256"), "encrypt = true");
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0));

    // An environment: its own state object, its own variables, terraform.workspace.
    std::fs::write(s.path().join("staging.tfvars"), "name = \"app-staging\"\n").expect("tfvars");
    s.ok(&["--env", "staging", "apply", "--auto-approve"]);
    let staging = s.s3_state("env:/staging/app/terraform.tfstate").await;
    let tags = &staging["resources"][0]["attributes"]["tags"];
    assert_eq!(tags["Name"], "app-staging");
    assert_eq!(tags["Env"], "staging");
    assert_ne!(staging["lineage"], state["lineage"], "a separate stack");

    // pull / push round trip; a foreign lineage is refused, --force overrides.
    let pulled = s.ok(&["state", "pull"]);
    std::fs::write(s.path().join("pulled.json"), &pulled).expect("save");
    s.ok(&["state", "push", "pulled.json"]);
    let serial = s.s3_state("app/terraform.tfstate").await["serial"].as_u64().expect("serial");
    let out = s.run(&["state", "push", "pulled.json"]);
    assert!(text(&out.stderr).contains("is older (serial"), "{}", text(&out.stderr));
    let mut foreign: serde_json::Value = serde_json::from_str(&pulled).expect("json");
    foreign["lineage"] = "someone-else".into();
    foreign["serial"] = (serial + 5).into();
    std::fs::write(s.path().join("foreign.json"), foreign.to_string()).expect("save");
    let out = s.run(&["state", "push", "foreign.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("belongs to another stack"), "{}", text(&out.stderr));
    s.ok(&["state", "push", "pulled.json", "--force"]);

    // mv and rm change the record only.
    s.ok(&["state", "mv", "aws_vpc.main", "aws_vpc.primary"]);
    assert_eq!(s.ok(&["state", "list"]).trim(), "aws_vpc.primary");
    s.ok(&["state", "rm", "aws_vpc.primary"]);
    assert_eq!(s.ok(&["state", "list"]).trim(), "");
    assert_eq!(s.vpc_name().await, "app", "state rm leaves the object in AWS");
}

impl Stack {
    /// The keys of the S3 state's journal (segments and seals), in order.
    async fn s3_journal(&self) -> Vec<String> {
        let out = self
            .s3()
            .await
            .list_objects_v2()
            .bucket("acme-state")
            .prefix("app/terraform.tfstate.journal/")
            .send()
            .await
            .expect("list");
        let mut keys: Vec<String> = out.contents().iter().filter_map(|o| o.key().map(str::to_string)).collect();
        keys.sort();
        keys
    }

    async fn s3_object(&self, key: &str) -> String {
        let out = self.s3().await.get_object().bucket("acme-state").key(key).send().await.expect("object");
        String::from_utf8(out.body.collect().await.expect("body").into_bytes().to_vec()).expect("utf-8")
    }

    async fn put_s3_object(&self, key: &str, body: &str) {
        let body = aws_sdk_s3::primitives::ByteStream::from(body.as_bytes().to_vec());
        self.s3().await.put_object().bucket("acme-state").key(key).body(body).send().await.expect("put");
    }

    /// What a run killed after three state writes leaves in S3: the state written whole (at the
    /// next serial), then two journal segments, each renaming the VPC in the record (`j1`, `j2`).
    async fn killed_run_in_s3(&self) {
        use provision_core::Value;
        use provision_core::state::StateStore;
        use provision_state::Backend;
        let config = provision_state_s3::S3Config {
            bucket: "acme-state".into(),
            key: "app/terraform.tfstate".into(),
            region: Some(REGION.into()),
            dynamodb_table: Some("acme-locks".into()),
            use_lockfile: true,
            encrypt: true,
            kms_key_id: None,
            workspace_key_prefix: "env:".into(),
            env: "default".into(),
            lease: std::time::Duration::from_secs(10),
        };
        let backend = provision_state_s3::S3Backend::with_sdk(config, &self.sdk().await);
        let mut state = backend.read().await.expect("read").expect("a state");
        let lock = provision_state::Lock::None(Box::new(provision_state::LockInfo::new(
            "apply",
            std::path::Path::new("s3://acme-state/app/terraform.tfstate"),
        )));
        let store = provision_state::Store::new(&backend, &lock);
        for name in ["app", "j1", "j2"] {
            state.serial += 1;
            let vpc = &mut state.resources[0];
            if let Some(Value::Map(tags)) = vpc.attributes.get_mut("tags") {
                tags.insert("Name".into(), Value::String(name.into()));
            }
            store.persist(&state).await.expect("persist");
        }
    }
}

/// A journal a run killed in the middle of an apply left in S3 (its state object, then two
/// segments): `state pull` and every reader replay it and leave it alone; a damaged segment is
/// refused by every command, naming the object, with nothing written; the next command that takes
/// the lock compacts it even with nothing else to write; and `state push` writes a compacted state
/// with no journal left behind.
#[tokio::test]
async fn s3_journal_of_a_killed_run_is_replayed_compacted_and_refused_when_damaged() {
    let s = Stack::with_config(S3_STACK);
    s.ok(&["state", "bootstrap"]);
    s.ok(&["apply", "--auto-approve"]);
    let serial = s.s3_state("app/terraform.tfstate").await["serial"].as_u64().expect("serial");
    s.killed_run_in_s3().await;
    let journal = s.s3_journal().await;
    assert_eq!(journal.len(), 2, "{journal:?}");
    let object_before = s.s3_object("app/terraform.tfstate").await;

    let pulled = s.ok(&["state", "pull"]);
    let pulled_json: serde_json::Value = serde_json::from_str(&pulled).expect("state pull prints a state");
    assert_eq!(pulled_json["serial"].as_u64(), Some(serial + 3), "{pulled}");
    assert_eq!(pulled_json["resources"][0]["attributes"]["tags"]["Name"], "j2", "{pulled}");
    assert_eq!(s.s3_journal().await, journal, "readers leave the journal alone");

    // A damaged segment: refused by every command, naming the object; nothing is written.
    let second = journal[1].clone();
    let good = s.s3_object(&second).await;
    s.put_s3_object(&second, &good.replacen("j2", "jX", 1)).await;
    for args in [&["state", "pull"][..], &["plan", "-refresh=false"], &["state", "rm", "aws_vpc.main"]] {
        let out = s.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.contains(&format!("s3://acme-state/{second}")) && err.contains("checksum"), "{args:?}: {err}");
        assert_eq!(s.s3_journal().await, journal, "{args:?}");
        assert_eq!(s.s3_object("app/terraform.tfstate").await, object_before, "{args:?}: nothing written");
    }

    // Repaired, the next command that takes the lock compacts it, with nothing else to write.
    s.put_s3_object(&second, &good).await;
    s.ok(&["plan", "-refresh=false"]);
    assert!(s.s3_journal().await.is_empty(), "compacted: {:?}", s.s3_journal().await);
    assert_eq!(s.s3_state("app/terraform.tfstate").await, pulled_json, "the state object holds what was journaled");

    // `state push` over another killed run's journal: a compacted state, no journal.
    s.killed_run_in_s3().await;
    assert_eq!(s.s3_journal().await.len(), 2);
    std::fs::write(s.path().join("pulled.json"), &pulled).expect("save");
    s.ok(&["state", "push", "pulled.json", "--force"]);
    assert!(s.s3_journal().await.is_empty(), "no journal left behind: {:?}", s.s3_journal().await);
    let pushed = s.s3_state("app/terraform.tfstate").await;
    assert_eq!(pushed["serial"].as_u64(), Some(serial + 7), "written over the replayed serial");
    assert_eq!(pushed["resources"], pulled_json["resources"]);
}

/// Two applies started together on the same S3 state, twenty times: exactly one runs at a time;
/// the one without --lock-timeout either wins or fails at once naming the holder, the one with it
/// waits and succeeds, and the state always describes what is really there (no update lost).
#[tokio::test]
async fn s3_state_two_applies_at_once_never_lose_an_update() {
    let s = Stack::with_config(S3_STACK);
    s.ok(&["state", "bootstrap"]);
    s.ok(&["apply", "--auto-approve"]);
    let mut refused = 0;
    let mut serial = s.s3_state("app/terraform.tfstate").await["serial"].as_u64().expect("serial");
    for round in 0..20 {
        let (a, b) = (format!("name=a{round}"), format!("name=b{round}"));
        let first = s.command(&["apply", "--auto-approve", "--var", &a]).output();
        let second = s.command(&["apply", "--auto-approve", "--lock-timeout", "60s", "--var", &b]).output();
        let (first, second) = std::thread::scope(|sc| {
            let h = sc.spawn(move || first);
            let second = second.expect("second runs");
            (h.join().expect("join").expect("first runs"), second)
        });
        assert!(second.status.success(), "round {round}: the waiting apply failed:\n{}", text(&second.stderr));
        if !first.status.success() {
            let err = text(&first.stderr);
            assert!(err.contains("the state is locked by") && err.contains("`apply`"), "round {round}: {err}");
            refused += 1;
        }
        let state = s.s3_state("app/terraform.tfstate").await;
        let recorded = state["resources"][0]["attributes"]["tags"]["Name"].as_str().unwrap_or_default().to_string();
        assert_eq!(recorded, s.vpc_name().await, "round {round}: the state describes what is there");
        let now = state["serial"].as_u64().expect("serial");
        assert!(now > serial, "round {round}: the state moved on ({serial} -> {now})");
        serial = now;
        let out = s.run(&["plan", "--detailed-exitcode", "--var", &format!("name={recorded}")]);
        assert_eq!(out.status.code(), Some(0), "round {round}: {}", text(&out.stdout));
    }
    eprintln!("{refused} of 20 rounds: the apply without --lock-timeout was refused at once");
}

/// A holder killed with SIGKILL cannot release its lock; the next run takes it over once the
/// lease has passed without a renewal, never before, and says so. The holder's lease is 10 s (with
/// 3 s, renewals missed their window on a machine loaded by parallel builds); the taking run waits
/// for the lease recorded in the lock, and holds the lock with a long lease of its own (with 6 s it
/// stopped itself, safely, under the same load).
#[tokio::test]
async fn s3_lock_of_a_killed_holder_is_taken_over_after_the_lease() {
    let s = Stack::with_config(S3_STACK);
    s.ok(&["state", "bootstrap"]);
    // apply without --auto-approve holds the lock while it waits for an answer that never comes.
    let mut holder = s
        .command(&["--lock-lease", "10s", "apply", "--var", "name=held"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let mut out = holder.stdout.take().expect("stdout");
    let mut seen = String::new();
    let mut buf = [0u8; 4096];
    while !seen.contains("Enter a value") {
        let n = std::io::Read::read(&mut out, &mut buf).expect("read");
        assert!(n > 0, "the holder exited early: {seen}");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    // Renewals keep it held well past the lease while the holder lives.
    std::thread::sleep(std::time::Duration::from_secs(12));
    let out = s.run(&["--lock-lease", "10s", "plan"]);
    assert_eq!(out.status.code(), Some(1), "a live holder keeps its lock");
    assert!(text(&out.stderr).contains("the state is locked by"), "{}", text(&out.stderr));
    holder.kill().expect("SIGKILL");
    holder.wait().expect("wait");
    let killed = std::time::Instant::now();

    let out = s.run(&["--lock-lease", "10s", "plan"]);
    assert_eq!(out.status.code(), Some(1), "not before the lease has passed");
    let err = text(&out.stderr);
    assert!(err.contains("is taken over: wait with --lock-timeout 10s"), "{err}");

    let started = std::time::Instant::now();
    let out = s.run(&["--lock-lease", "60s", "apply", "--auto-approve", "--lock-timeout", "40s"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("took over the state lock"), "{}", text(&out.stderr));
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(9900),
        "taken over after {:?} of silence, before the 10s lease (killed {:?} ago)",
        started.elapsed(),
        killed.elapsed()
    );
    // Released at the end: the next run takes it at once.
    s.ok(&["plan", "--lock-timeout", "0s"]);
}

/// A saved plan is refused when someone else wrote the S3 state in between; and a write over a
/// state that changed since it was read is refused without overwriting anything.
#[tokio::test]
async fn s3_state_changed_underneath_is_never_overwritten() {
    let s = Stack::with_config(S3_STACK);
    s.ok(&["state", "bootstrap"]);
    s.ok(&["apply", "--auto-approve"]);
    s.ok(&["plan", "-out", "tonight.plan", "--var", "name=planned"]);
    s.ok(&["apply", "--auto-approve", "--var", "name=someone-else"]);
    let out = s.run(&["apply", "tonight.plan"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("is stale"), "{}", text(&out.stderr));

    // Two writers of the same version: the second is refused (S3 conditional write).
    use provision_state::Backend;
    let config = provision_state_s3::S3Config {
        bucket: "acme-state".into(),
        key: "app/terraform.tfstate".into(),
        region: Some(REGION.into()),
        dynamodb_table: None,
        use_lockfile: true,
        encrypt: false,
        kms_key_id: None,
        workspace_key_prefix: "env:".into(),
        env: "default".into(),
        lease: std::time::Duration::from_secs(10),
    };
    let sdk = s.sdk().await;
    let (one, two) = (
        provision_state_s3::S3Backend::with_sdk(config.clone(), &sdk),
        provision_state_s3::S3Backend::with_sdk(config, &sdk),
    );
    let mut a = one.read().await.expect("read").expect("state");
    let mut b = two.read().await.expect("read").expect("state");
    a.serial += 1;
    one.write(&a).await.expect("first writer");
    b.serial += 1;
    let err = two.write(&b).await.expect_err("the second writer is refused").to_string();
    assert!(err.contains("changed since this run read it"), "{err}");
    assert_eq!(s.s3_state("app/terraform.tfstate").await["serial"].as_u64(), Some(a.serial), "nothing overwritten");
}

/// A bucket without its lock table: the error names the table, the region and the fix.
#[tokio::test]
async fn s3_state_missing_lock_table_is_explained() {
    let s = Stack::with_config(S3_STACK);
    let s3 = s.s3().await;
    let location = aws_sdk_s3::types::CreateBucketConfiguration::builder()
        .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuWest1)
        .build();
    s3.create_bucket().bucket("acme-state").create_bucket_configuration(location).send().await.expect("bucket");
    let out = s.run(&["plan"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("DynamoDB table acme-locks"), "{err}");
    assert!(
        err.contains("the lock table does not exist in eu-west-1: create it with `provision state bootstrap`"),
        "{err}"
    );
    // Nothing was left behind: the S3 lock object taken first was released.
    let listed = s3.list_objects_v2().bucket("acme-state").send().await.expect("list");
    assert_eq!(listed.key_count(), Some(0), "{:?}", listed.contents());
}

/// A kill between `CreateSecurityGroup` and the revoke of AWS's allow-all egress rule: the next run
/// adopts the group, shows that its creation is being finished, and revokes the rule. No plan may
/// ever call such a group "unchanged" while it allows all outbound traffic.
#[tokio::test]
async fn a_security_group_adopted_mid_create_loses_its_default_egress_rule() {
    let config = r#"
provider "aws" {
  region = "eu-west-1"
}

resource "aws_vpc" "main" {
  cidr_block = "10.60.0.0/16"
}

resource "aws_security_group" "db" {
  name   = "db"
  vpc_id = aws_vpc.main.id
  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = ["10.60.0.0/16"]
  }
}
"#;
    let s = Stack::with_config(
        &config.replace(&config[config.find("resource \"aws_security_group\"").expect("group")..], ""),
    );
    s.ok(&["apply", "--auto-approve"]);
    std::fs::write(s.path().join("main.tf"), config).expect("config");
    let lineage = s.lineage();
    let vpc_id = s.state()["resources"][0]["id"].as_str().expect("vpc id").to_string();
    // What the killed run left: the group exists, tagged, with AWS's default egress rule.
    let ec2 = s.ec2().await;
    let tags = TagSpecification::builder()
        .resource_type(ResourceType::SecurityGroup)
        .tags(Tag::builder().key("provision:stack").value(&lineage).build())
        .tags(Tag::builder().key("provision:address").value("aws_security_group.db").build())
        .build();
    let group = ec2
        .create_security_group()
        .group_name("db")
        .description("Managed by provision")
        .vpc_id(&vpc_id)
        .tag_specifications(tags)
        .send()
        .await
        .expect("create group");
    let group_id = group.group_id().expect("group id").to_string();
    let mut state = s.state();
    state["pending"] = serde_json::json!([{
        "address": "aws_security_group.db", "token": "t-1", "started_at": "2026-11-22T08:00:00Z",
        "dependencies": ["aws_vpc.main"], "provider": "aws",
        "desired": { "name": "db", "vpc_id": vpc_id }
    }]);
    std::fs::write(s.path().join("provision.tfstate"), state.to_string()).expect("state");

    let plan = s.ok(&["plan"]);
    assert!(plan.contains(&format!("aws_security_group.db: an interrupted run created {group_id}")), "{plan}");
    assert!(plan.contains("its creation was interrupted"), "{plan}");
    s.ok(&["apply", "--auto-approve"]);
    let g = ec2.describe_security_groups().group_ids(&group_id).send().await.expect("describe");
    let g = &g.security_groups()[0];
    assert!(
        g.ip_permissions_egress().is_empty(),
        "the allow-all egress rule is still there: {:?}",
        g.ip_permissions_egress()
    );
    assert_eq!(g.ip_permissions().len(), 1, "the configured ingress rule is there");
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0));
}
/// Rule resources `examples/network` does not write, on its `db` group (which has no inline
/// blocks), so that every EC2 resource type is read.
const EVERY_TYPE_EXTRA: &str = r#"
resource "aws_security_group_rule" "db_from_vpc" {
  type              = "ingress"
  security_group_id = aws_security_group.db.id
  protocol          = "tcp"
  from_port         = 5432
  to_port           = 5432
  cidr_blocks       = ["10.0.0.0/16"]
}

resource "aws_vpc_security_group_egress_rule" "db_https_out" {
  security_group_id = aws_security_group.db.id
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}
"#;

/// The provider contract: what each type's read returns has exactly its schema's attribute and
/// block names, and every non-null value has the schema's type. Every resource type is applied
/// (`examples/network` plus the two rule types it does not use), then refreshed, and each object
/// in the state is checked against `provision_aws::schemas()`.
/// The resource types of the EC2 network crate.
const EC2_TYPES: &[&str] = &[
    "aws_eip",
    "aws_internet_gateway",
    "aws_nat_gateway",
    "aws_route",
    "aws_route_table",
    "aws_route_table_association",
    "aws_security_group",
    "aws_security_group_rule",
    "aws_subnet",
    "aws_vpc",
    "aws_vpc_security_group_egress_rule",
    "aws_vpc_security_group_ingress_rule",
];

#[tokio::test]
async fn every_object_read_has_its_schemas_shape() {
    let s = Stack::new("network");
    std::fs::write(s.path().join("every_type.tf"), EVERY_TYPE_EXTRA).expect("write every_type.tf");
    s.ok(&["apply", "--auto-approve"]);
    // Apply again: it refreshes and writes the refreshed state, so the state holds what each
    // type's read_many returned, not only what its create returned.
    let again = s.ok(&["apply", "--auto-approve"]);
    assert!(again.contains("No changes"), "{again}");
    // The EC2 network types; each other service's test file checks its own types the same way.
    s.assert_reads_match_schemas(EC2_TYPES);
}

/// The configurations of [`multi_step_creates_failed_at_every_step_converge`], each with its VPC
/// (the provider block is added). Each is `terraform validate`d.
const STEPS_VPC_NO_DNS: &str = r#"
resource "aws_vpc" "main" {
  cidr_block         = "10.70.0.0/16"
  enable_dns_support = false
}
"#;

const STEPS_VPC_HOSTNAMES: &str = r#"
resource "aws_vpc" "main" {
  cidr_block           = "10.70.0.0/16"
  enable_dns_hostnames = true
}
"#;

const STEPS_SUBNET: &str = r#"
resource "aws_vpc" "main" {
  cidr_block = "10.70.0.0/16"
}

resource "aws_subnet" "public" {
  vpc_id                  = aws_vpc.main.id
  cidr_block              = "10.70.1.0/24"
  map_public_ip_on_launch = true
}
"#;

const STEPS_IGW: &str = r#"
resource "aws_vpc" "main" {
  cidr_block = "10.70.0.0/16"
}

resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id
}
"#;

const STEPS_ROUTE_TABLE: &str = r#"
resource "aws_vpc" "main" {
  cidr_block = "10.70.0.0/16"
}

resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }

  route {
    cidr_block = "192.168.0.0/16"
    gateway_id = aws_internet_gateway.main.id
  }
}
"#;

/// No `egress` block: the group's outbound rules are not in the diff, so only finishing the create
/// removes AWS's allow-all rule.
const STEPS_SG: &str = r#"
resource "aws_vpc" "main" {
  cidr_block = "10.70.0.0/16"
}

resource "aws_security_group" "db" {
  name   = "db"
  vpc_id = aws_vpc.main.id

  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = ["10.70.0.0/16"]
  }
}
"#;

const STEPS_SG_EGRESS: &str = r#"
resource "aws_vpc" "main" {
  cidr_block = "10.70.0.0/16"
}

resource "aws_security_group" "web" {
  name   = "web"
  vpc_id = aws_vpc.main.id

  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = ["10.70.0.0/16"]
  }
}
"#;

/// What AWS must hold once a multi-step create is done.
enum Holds {
    VpcDns {
        support: bool,
        hostnames: bool,
    },
    SubnetMapsPublicIp,
    GatewayAttached,
    /// The table's routes to the internet gateway, by destination.
    Routes(&'static [&'static str]),
    /// The group's rules as `protocol/from_port`, `-1/all` being AWS's allow-all rule.
    Rules {
        ingress: &'static [&'static str],
        egress: &'static [&'static str],
    },
}

/// One call of a multi-step create to fail.
struct Step {
    config: &'static str,
    address: &'static str,
    operation: &'static str,
    /// Which of the create's calls to `operation` fails.
    nth: u32,
    /// Mechanism (b): the object is adopted `unfinished` and apply calls `finish_create`. Otherwise
    /// (a): the adopted object differs from the configuration and the next plan updates it.
    finished_by_apply: bool,
    holds: Holds,
}

/// Ids of the objects of the stack tagged for `address`.
async fn tagged_for(ec2: &aws_sdk_ec2::Client, lineage: &str, address: &str) -> Vec<String> {
    let f = || {
        vec![
            Filter::builder().name("tag:provision:stack").values(lineage).build(),
            Filter::builder().name("tag:provision:address").values(address).build(),
        ]
    };
    let ids = |v: Vec<Option<&str>>| -> Vec<String> { v.into_iter().flatten().map(str::to_string).collect() };
    match address.split('.').next().unwrap_or_default() {
        "aws_vpc" => {
            let r = ec2.describe_vpcs().set_filters(Some(f())).send().await.expect("vpcs");
            ids(r.vpcs().iter().map(|x| x.vpc_id()).collect())
        }
        "aws_subnet" => {
            let r = ec2.describe_subnets().set_filters(Some(f())).send().await.expect("subnets");
            ids(r.subnets().iter().map(|x| x.subnet_id()).collect())
        }
        "aws_internet_gateway" => {
            let r = ec2.describe_internet_gateways().set_filters(Some(f())).send().await.expect("igws");
            ids(r.internet_gateways().iter().map(|x| x.internet_gateway_id()).collect())
        }
        "aws_route_table" => {
            let r = ec2.describe_route_tables().set_filters(Some(f())).send().await.expect("rtbs");
            ids(r.route_tables().iter().map(|x| x.route_table_id()).collect())
        }
        "aws_security_group" => {
            let r = ec2.describe_security_groups().set_filters(Some(f())).send().await.expect("sgs");
            ids(r.security_groups().iter().map(|x| x.group_id()).collect())
        }
        other => panic!("no lookup for {other}"),
    }
}

/// Whether AWS holds what `holds` says for object `id` (of the VPC `vpc`); what it holds instead.
async fn check_holds(ec2: &aws_sdk_ec2::Client, holds: &Holds, id: &str, vpc: &str) -> Result<(), String> {
    use aws_sdk_ec2::types::{IpPermission, VpcAttributeName};
    let compare = |what: &str, have: Vec<String>, want: &[&str]| {
        let mut have = have;
        have.sort();
        let mut want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
        want.sort();
        if have == want { Ok(()) } else { Err(format!("{what}: {have:?}, not {want:?}")) }
    };
    match holds {
        Holds::VpcDns { support, hostnames } => {
            let attr = |a: VpcAttributeName| ec2.describe_vpc_attribute().vpc_id(id).attribute(a).send();
            let s = attr(VpcAttributeName::EnableDnsSupport).await.expect("attribute");
            let h = attr(VpcAttributeName::EnableDnsHostnames).await.expect("attribute");
            let have = (
                s.enable_dns_support().and_then(|b| b.value()).unwrap_or_default(),
                h.enable_dns_hostnames().and_then(|b| b.value()).unwrap_or_default(),
            );
            if have == (*support, *hostnames) { Ok(()) } else { Err(format!("DNS (support, hostnames): {have:?}")) }
        }
        Holds::SubnetMapsPublicIp => {
            let r = ec2.describe_subnets().subnet_ids(id).send().await.expect("subnet");
            match r.subnets()[0].map_public_ip_on_launch() {
                Some(true) => Ok(()),
                other => Err(format!("map_public_ip_on_launch: {other:?}")),
            }
        }
        Holds::GatewayAttached => {
            let r = ec2.describe_internet_gateways().internet_gateway_ids(id).send().await.expect("igw");
            let vpcs: Vec<String> =
                r.internet_gateways()[0].attachments().iter().filter_map(|a| a.vpc_id()).map(str::to_string).collect();
            compare("attached to", vpcs, &[vpc])
        }
        Holds::Routes(want) => {
            let r = ec2.describe_route_tables().route_table_ids(id).send().await.expect("table");
            let have = r.route_tables()[0]
                .routes()
                .iter()
                .filter(|r| r.gateway_id().is_some_and(|g| g.starts_with("igw-")))
                .filter_map(|r| r.destination_cidr_block())
                .map(str::to_string)
                .collect();
            compare("routes to the gateway", have, want)
        }
        Holds::Rules { ingress, egress } => {
            let r = ec2.describe_security_groups().group_ids(id).send().await.expect("group");
            let g = &r.security_groups()[0];
            let rules = |ps: &[IpPermission]| -> Vec<String> {
                ps.iter()
                    .map(|p| {
                        let port = p.from_port().map_or("all".to_string(), |p| p.to_string());
                        format!("{}/{port}", p.ip_protocol().unwrap_or_default())
                    })
                    .collect()
            };
            compare("ingress", rules(g.ip_permissions()), ingress)?;
            compare("egress", rules(g.ip_permissions_egress()), egress)
        }
    }
}

/// Every call a create makes after the object exists, failed in turn through the fault proxy with a
/// non-retryable error: the failed apply records the object with its id (never orphaned, never
/// duplicated) and the plan after it is not clean; the next apply converges on the same object, and
/// AWS holds what the configuration says. The VPC, subnet, internet gateway and route table are
/// covered by the diff (the read reports what the later calls set); a security group without an
/// `egress` block is finished by the next apply (`multi_step_create`), and without that its
/// allow-all egress rule would stay.
#[tokio::test]
async fn multi_step_creates_failed_at_every_step_converge() {
    use provision_testkit::faults::{Fault, FaultProxy, FaultRule, Rules, When};
    let db = || Holds::Rules { ingress: &["tcp/5432"], egress: &[] };
    let web = || Holds::Rules { ingress: &["tcp/443"], egress: &["tcp/5432"] };
    let steps = [
        Step {
            config: STEPS_VPC_NO_DNS,
            address: "aws_vpc.main",
            operation: "ModifyVpcAttribute",
            nth: 1,
            finished_by_apply: false,
            holds: Holds::VpcDns { support: false, hostnames: false },
        },
        Step {
            config: STEPS_VPC_HOSTNAMES,
            address: "aws_vpc.main",
            operation: "ModifyVpcAttribute",
            nth: 1,
            finished_by_apply: false,
            holds: Holds::VpcDns { support: true, hostnames: true },
        },
        Step {
            config: STEPS_SUBNET,
            address: "aws_subnet.public",
            operation: "ModifySubnetAttribute",
            nth: 1,
            finished_by_apply: false,
            holds: Holds::SubnetMapsPublicIp,
        },
        Step {
            config: STEPS_IGW,
            address: "aws_internet_gateway.main",
            operation: "AttachInternetGateway",
            nth: 1,
            finished_by_apply: false,
            holds: Holds::GatewayAttached,
        },
        Step {
            config: STEPS_ROUTE_TABLE,
            address: "aws_route_table.public",
            operation: "CreateRoute",
            nth: 1,
            finished_by_apply: false,
            holds: Holds::Routes(&["0.0.0.0/0", "192.168.0.0/16"]),
        },
        Step {
            config: STEPS_ROUTE_TABLE,
            address: "aws_route_table.public",
            operation: "CreateRoute",
            nth: 2,
            finished_by_apply: false,
            holds: Holds::Routes(&["0.0.0.0/0", "192.168.0.0/16"]),
        },
        Step {
            config: STEPS_SG,
            address: "aws_security_group.db",
            operation: "RevokeSecurityGroupEgress",
            nth: 1,
            finished_by_apply: true,
            holds: db(),
        },
        Step {
            config: STEPS_SG,
            address: "aws_security_group.db",
            operation: "AuthorizeSecurityGroupIngress",
            nth: 1,
            finished_by_apply: true,
            holds: db(),
        },
        Step {
            config: STEPS_SG_EGRESS,
            address: "aws_security_group.web",
            operation: "AuthorizeSecurityGroupIngress",
            nth: 1,
            finished_by_apply: true,
            holds: web(),
        },
        Step {
            config: STEPS_SG_EGRESS,
            address: "aws_security_group.web",
            operation: "RevokeSecurityGroupEgress",
            nth: 1,
            finished_by_apply: true,
            holds: web(),
        },
        Step {
            config: STEPS_SG_EGRESS,
            address: "aws_security_group.web",
            operation: "AuthorizeSecurityGroupEgress",
            nth: 1,
            finished_by_apply: true,
            holds: web(),
        },
    ];
    for step in &steps {
        let case = format!("{} failing {} #{}", step.address, step.operation, step.nth);
        let mut s = Stack::with_config(&format!("provider \"aws\" {{\n  region = \"{REGION}\"\n}}\n{}", step.config));
        let proxy = FaultProxy::start(&s.moto.endpoint());
        s.endpoint = Some(proxy.url());
        let denied = Fault::error(403, "UnauthorizedOperation", "You are not authorized to perform this operation.");
        proxy.set_rules(Rules::default().with(FaultRule::new(
            Some("ec2"),
            Some(step.operation),
            When::Nth(step.nth),
            denied,
        )));

        let out = s.run(&["apply", "--auto-approve"]);
        let err = text(&out.stderr);
        assert!(!out.status.success(), "{case}: the apply succeeded:\n{}", text(&out.stdout));
        assert!(err.contains("UnauthorizedOperation") && err.contains("is recorded in state"), "{case}: {err}");
        let key = format!("ec2:{}:error", step.operation);
        assert_eq!(proxy.stats().injected.get(&key), Some(&1), "{case}: {:?}", proxy.stats());
        let state = s.state();
        assert_eq!(state["pending"].as_array().map_or(0, Vec::len), 0, "{case}: a pending record is left");
        let recorded = state["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .find(|r| r["address"] == step.address)
            .cloned()
            .unwrap_or_else(|| panic!("{case}: not recorded: {state}"));
        let id = recorded["id"].as_str().expect("id").to_string();
        let unfinished = recorded["unfinished"] == true;
        let lineage = s.lineage();
        let ec2 = s.ec2().await;
        assert_eq!(
            tagged_for(&ec2, &lineage, step.address).await,
            std::slice::from_ref(&id),
            "{case}: one object, recorded"
        );
        let vpc = s.ids()["aws_vpc.main"].clone();
        assert!(
            check_holds(&ec2, &step.holds, &id, &vpc).await.is_err(),
            "{case}: the failed call made no difference, so this case tests nothing"
        );

        proxy.set_rules(Rules::default());
        let out = s.run(&["plan", "--detailed-exitcode"]);
        let plan = text(&out.stdout);
        assert_eq!(out.status.code(), Some(2), "{case}: the plan after the failure is clean:\n{plan}");
        s.ok(&["apply", "--auto-approve"]);
        let out = s.run(&["plan", "--detailed-exitcode"]);
        assert_eq!(out.status.code(), Some(0), "{case}: not converged:\n{}", text(&out.stdout));
        assert_eq!(s.ids()[step.address], id, "{case}: the object was replaced, not finished");
        assert_eq!(
            tagged_for(&ec2, &lineage, step.address).await,
            std::slice::from_ref(&id),
            "{case}: a second object"
        );
        if let Err(e) = check_holds(&ec2, &step.holds, &id, &vpc).await {
            panic!("{case}: AWS does not hold what the configuration says: {e}");
        }
        assert_eq!(unfinished, step.finished_by_apply, "{case}: recorded unfinished = {unfinished}");
        if step.finished_by_apply {
            assert!(plan.contains("its creation was interrupted"), "{case}: {plan}");
        }
    }
}

/// A security group's create costs what AWS requires and nothing else: `CreateSecurityGroup`,
/// one revoke of AWS's default egress rule, one authorize of all its ingress rules — no read
/// back — and two calls when its egress is exactly the default. What the create recorded is what
/// a read finds: the next plan is clean.
#[tokio::test]
async fn a_security_group_create_makes_at_most_three_calls() {
    use provision_testkit::faults::{FaultProxy, Rules};
    let mut s = Stack::with_config(
        r#"
resource "aws_vpc" "main" {
  cidr_block = "10.7.0.0/16"
}
resource "aws_security_group" "web" {
  name_prefix = "web-"
  vpc_id      = aws_vpc.main.id
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
    description = "HTTPS"
  }
  ingress {
    from_port = 8080
    to_port   = 8080
    protocol  = "tcp"
    self      = true
  }
}
resource "aws_security_group" "open_egress" {
  name   = "open-egress"
  vpc_id = aws_vpc.main.id
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"#,
    );
    let proxy = FaultProxy::start(&s.moto.endpoint());
    proxy.set_rules(Rules::default());
    s.endpoint = Some(proxy.url());
    // The VPC first: its create reads its default security group.
    s.ok(&["apply", "--auto-approve", "-target=aws_vpc.main"]);
    proxy.reset_stats();
    let out = s.ok(&["apply", "--auto-approve"]);
    assert!(out.contains("Apply complete! Resources: 2 added"), "{out}");
    let stats = proxy.stats();
    let sg_calls: std::collections::BTreeMap<&String, &u64> =
        stats.requests.iter().filter(|(k, _)| k.contains("SecurityGroup")).collect();
    assert_eq!(stats.requests_of("ec2:CreateSecurityGroup"), 2, "{sg_calls:?}");
    assert_eq!(
        stats.requests_of("ec2:RevokeSecurityGroupEgress"),
        1,
        "only the group without egress blocks: {sg_calls:?}"
    );
    assert_eq!(stats.requests_of("ec2:AuthorizeSecurityGroupIngress"), 1, "{sg_calls:?}");
    assert_eq!(stats.requests_of("ec2:AuthorizeSecurityGroupEgress"), 0, "{sg_calls:?}");
    assert_eq!(stats.requests_of("ec2:DescribeSecurityGroups"), 0, "no read back: {sg_calls:?}");
    let plan = s.ok(&["plan"]);
    assert!(plan.contains("No changes"), "what the create recorded is what AWS has: {plan}");
}
