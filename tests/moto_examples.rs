//! The examples of the service issues, end to end through the CLI against moto: each applies,
//! plans clean, takes the change its issue names as exactly that change, survives the nightly
//! teardown where it has a runtime layer, and is destroyed without leaving anything behind.

mod support;

use provision_testkit::emulate_cloudfront::CloudFront;
use provision_testkit::emulate_s3::S3Answers;
use provision_testkit::faults::{FaultProxy, Rules};
use std::sync::Arc;
use support::{Stack, text};

/// Issue 11: the container service. A changed environment variable is a new task definition
/// revision and a service update, nothing else; the nightly teardown removes exactly the service,
/// its task definition and its scaling; everything else keeps its id.
#[tokio::test]
async fn containers_example_lifecycle() {
    // The execution role attaches AWS's managed AmazonECSTaskExecutionRolePolicy.
    let s = Stack::example_with_moto_env("containers", &[("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")]);
    let out = s.ok(&["apply", "--auto-approve"]);
    assert!(out.contains("Apply complete!"), "{out}");
    let plan = s.ok(&["plan"]);
    assert!(plan.contains("No changes"), "no JSON noise after apply: {plan}");

    let plan = s.ok(&["plan", "--var", "log_level=debug"]);
    assert!(plan.contains("aws_ecs_task_definition.app will be updated: registers a new revision"), "{plan}");
    assert!(plan.contains("aws_ecs_service.app will be updated in-place"), "{plan}");
    assert!(plan.contains("Plan: 0 to add, 2 to change, 0 to destroy."), "{plan}");
    assert!(plan.contains("\"value\": \"debug\""), "the change is shown inside the document: {plan}");
    s.ok(&["apply", "--auto-approve", "--var", "log_level=debug"]);
    assert!(s.ok(&["plan", "--var", "log_level=debug"]).contains("No changes"));

    let before = s.ids();
    let runtime = s.layer("runtime");
    assert_eq!(
        runtime,
        [
            "aws_appautoscaling_policy.cpu",
            "aws_appautoscaling_target.app",
            "aws_ecs_service.app",
            "aws_ecs_task_definition.app"
        ],
        "the runtime layer is the service, its task definition and its scaling"
    );
    let out = s.ok(&["destroy", "--layer", "runtime", "--auto-approve", "--var", "log_level=debug"]);
    assert!(out.contains("Destroy complete! Resources: 4 destroyed."), "{out}");
    let out = s.ok(&["apply", "--auto-approve", "--var", "log_level=debug"]);
    assert!(out.contains("Resources: 4 added, 0 changed, 0 destroyed."), "{out}");
    let after = s.ids();
    for (address, id) in before.iter().filter(|(a, _)| !runtime.contains(a)) {
        assert_eq!(after.get(address), Some(id), "{address} kept its id through the teardown");
    }

    let out = s.ok(&["destroy", "--auto-approve", "--var", "log_level=debug"]);
    assert!(out.contains("Destroy complete!"), "{out}");
    let conf = s.sdk().await;
    let iam = aws_sdk_iam::Client::new(&conf);
    let roles = iam.list_roles().send().await.expect("roles");
    assert!(roles.roles().iter().all(|r| !r.role_name().starts_with("shop-")), "roles left");
    let ecr = aws_sdk_ecr::Client::new(&conf);
    let repos = ecr.describe_repositories().send().await.expect("repositories");
    assert!(repos.repositories().is_empty(), "repositories left");
    let ecs = aws_sdk_ecs::Client::new(&conf);
    let clusters = ecs.list_clusters().send().await.expect("clusters");
    let active = if clusters.cluster_arns().is_empty() {
        0
    } else {
        let d = ecs
            .describe_clusters()
            .set_clusters(Some(clusters.cluster_arns().to_vec()))
            .send()
            .await
            .expect("describe");
        d.clusters().iter().filter(|c| c.status() == Some("ACTIVE")).count()
    };
    assert_eq!(active, 0, "clusters left");
    let logs = aws_sdk_cloudwatchlogs::Client::new(&conf);
    let groups = logs.describe_log_groups().log_group_name_prefix("/ecs/shop").send().await.expect("log groups");
    assert!(groups.log_groups().is_empty(), "log groups left");
}

/// Issue 11: the container example's apply killed with SIGKILL after a few objects, twice at
/// different points: each next apply takes over the dead run's lock, converges, and leaves no
/// duplicate role, repository, cluster or service.
#[tokio::test]
async fn containers_example_survives_sigkill_mid_apply() {
    use std::io::BufRead;
    let s = Stack::example_with_moto_env("containers", &[("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")]);
    let conf = s.sdk().await;
    let (iam, ecr, ecs) =
        (aws_sdk_iam::Client::new(&conf), aws_sdk_ecr::Client::new(&conf), aws_sdk_ecs::Client::new(&conf));
    for (round, after) in [3usize, 14].into_iter().enumerate() {
        let mut child = s
            .command(&["apply", "--auto-approve"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn");
        let stdout = child.stdout.take().expect("stdout");
        let mut seen = 0;
        for line in std::io::BufReader::new(stdout).lines() {
            if line.expect("line").contains("Creation complete") {
                seen += 1;
                if seen == after {
                    break;
                }
            }
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("wait");
        let out = s.run(&["apply", "--auto-approve"]);
        assert!(out.status.success(), "round {round}: {}\n{}", text(&out.stdout), text(&out.stderr));
        assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0), "round {round}: converged");

        let roles = iam.list_roles().send().await.expect("roles");
        let mine: Vec<&str> = roles.roles().iter().map(|r| r.role_name()).filter(|n| n.starts_with("shop-")).collect();
        assert_eq!(mine.len(), 2, "round {round}: one execution and one task role: {mine:?}");
        let repos = ecr.describe_repositories().send().await.expect("repositories");
        assert_eq!(repos.repositories().len(), 1, "round {round}: one repository");
        let clusters = ecs.list_clusters().send().await.expect("clusters");
        let described = ecs.describe_clusters().set_clusters(Some(clusters.cluster_arns().to_vec())).send().await;
        let active: Vec<String> = described
            .expect("describe clusters")
            .clusters()
            .iter()
            .filter(|c| c.status() == Some("ACTIVE"))
            .filter_map(|c| c.cluster_arn().map(str::to_string))
            .collect();
        assert_eq!(active.len(), 1, "round {round}: one cluster");
        let services = ecs.list_services().cluster(&active[0]).send().await.expect("services");
        let described =
            ecs.describe_services().cluster(&active[0]).set_services(Some(services.service_arns().to_vec()));
        let live = described.send().await.expect("describe services");
        let live = live.services().iter().filter(|x| x.status() == Some("ACTIVE")).count();
        assert_eq!(live, 1, "round {round}: one service");
        s.ok(&["destroy", "--auto-approve"]);
    }
}

/// Issue 13: the database stack. A new instance class is one in-place update; the destroy is
/// refused while deletion protection is on, before anything is deleted; with it off, the destroy
/// takes the final snapshot the configuration names and leaves nothing. The generated password
/// appears in no output.
#[tokio::test]
async fn database_example_lifecycle() {
    let s = Stack::new("database");
    let out = s.ok(&["apply", "--auto-approve"]);
    assert!(out.contains("Apply complete!"), "{out}");
    let password = s.state()["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| r["address"] == "random_password.db")
        .and_then(|r| r["attributes"]["result"].as_str().map(str::to_string))
        .expect("the password is in state");
    assert_eq!(password.len(), 24);
    let plan = s.ok(&["plan"]);
    assert!(plan.contains("No changes"), "{plan}");

    let plan = s.ok(&["plan", "--var", "instance_class=db.t3.small"]);
    assert!(plan.contains("aws_db_instance.main will be updated in-place"), "{plan}");
    assert!(plan.contains("Plan: 0 to add, 1 to change, 0 to destroy."), "{plan}");
    let out = s.ok(&["apply", "--auto-approve", "--var", "instance_class=db.t3.small"]);
    let json = s.ok(&["plan", "--json", "--var", "instance_class=db.t3.small"]);
    for shown in [&plan, &out, &json] {
        assert!(!shown.contains(&password), "the password was shown");
    }

    let before = s.ids();
    let out = s.run(&["destroy", "--auto-approve", "--var", "instance_class=db.t3.small"]);
    assert_eq!(out.status.code(), Some(1), "refused: {}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(err.contains("aws_db_instance.main"), "{err}");
    assert!(err.contains("deletion_protection"), "{err}");
    assert!(!err.contains(&password));
    assert_eq!(s.ids(), before, "nothing was deleted");

    let vars = ["--var", "instance_class=db.t3.small", "--var", "deletion_protection=false"];
    s.ok(&[&["apply", "--auto-approve"], &vars[..]].concat());
    let out = s.ok(&[&["destroy", "--auto-approve"], &vars[..]].concat());
    assert!(out.contains("Destroy complete!"), "{out}");
    assert!(!out.contains(&password));
    let rds = aws_sdk_rds::Client::new(&s.sdk().await);
    let snaps = rds.describe_db_snapshots().db_snapshot_identifier("ledger-final").send().await.expect("snapshots");
    assert_eq!(snaps.db_snapshots().len(), 1, "the final snapshot named in the configuration was taken");
    let instances = rds.describe_db_instances().send().await.expect("instances");
    assert!(instances.db_instances().is_empty(), "instances left");
    let clusters = rds.describe_db_clusters().send().await.expect("clusters");
    assert!(clusters.db_clusters().is_empty(), "clusters left");
    assert!(s.state()["resources"].as_array().is_none_or(Vec::is_empty));
}

/// Issue 14: the static frontend. A new `index.html` updates only that object; a bucket holding
/// objects is refused at plan time without `force_destroy` (nothing is deleted), and deleted with
/// every version when `force_destroy` is set just before the destroy. The SecureString value
/// appears in no output.
#[tokio::test]
async fn frontend_example_lifecycle() {
    let mut s = Stack::new("frontend");
    // Through the proxy: moto 5.2.5 answers GetBucketVersioning in a shape the SDK cannot parse,
    // drops a distribution's origin access control and function associations when it is read
    // back, and has no cache policy API and no function update or publish (see
    // provision_testkit::emulate_s3 and emulate_cloudfront); the emulators answer as AWS does,
    // refusing to delete the cache policy or the function while the distribution still names
    // them, so the destroy below also proves the distribution goes first.
    let proxy = FaultProxy::start(&s.moto.endpoint());
    proxy.set_rules(Rules::default().emulate(Arc::new(S3Answers)).emulate(Arc::new(CloudFront::new(2, 0, 0))));
    s.endpoint = Some(proxy.url());
    let key = ["--var", "api_key=s3cr3t-api-key-value"];
    let out = s.ok(&[&["apply", "--auto-approve"], &key[..]].concat());
    assert!(out.contains("Apply complete!"), "{out}");
    let plan = s.ok(&[&["plan"], &key[..]].concat());
    assert!(plan.contains("No changes"), "{plan}");
    assert!(!out.contains("s3cr3t") && !plan.contains("s3cr3t"), "the SecureString value was shown");

    let main = s.path().join("main.tf");
    let config = std::fs::read_to_string(&main).expect("read");
    std::fs::write(&main, config.replace("<div id=\\\"root\\\">", "<div id=\\\"app\\\">")).expect("edit");
    let plan = s.ok(&[&["plan"], &key[..]].concat());
    assert!(plan.contains("aws_s3_object.index will be updated in-place"), "{plan}");
    assert!(plan.contains("Plan: 0 to add, 1 to change, 0 to destroy."), "{plan}");
    s.ok(&[&["apply", "--auto-approve"], &key[..]].concat());

    // Objects the app uploaded, in several versions.
    let bucket = s.state()["outputs"]["bucket"]["value"].as_str().expect("bucket output").to_string();
    let conf = s.sdk().await;
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&conf).force_path_style(true).build());
    for v in ["1", "2"] {
        s3.put_object()
            .bucket(&bucket)
            .key("assets/app.js")
            .body(v.as_bytes().to_vec().into())
            .send()
            .await
            .expect("put");
    }
    let before = s.ids();
    let out = s.run(&[&["destroy", "--auto-approve"], &key[..]].concat());
    assert_eq!(out.status.code(), Some(1), "refused: {}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(err.contains("aws_s3_bucket.site cannot be deleted"), "{err}");
    assert!(err.contains("force_destroy"), "{err}");
    assert_eq!(s.ids(), before, "nothing was deleted");

    let config = std::fs::read_to_string(&main).expect("read");
    std::fs::write(&main, config.replace("force_destroy = false", "force_destroy = true")).expect("edit");
    let out = s.ok(&[&["destroy", "--auto-approve"], &key[..]].concat());
    assert!(out.contains("Destroy complete!"), "{out}");
    assert!(!out.contains("s3cr3t"));
    let buckets = s3.list_buckets().send().await.expect("buckets");
    assert!(buckets.buckets().iter().all(|b| b.name() != Some(bucket.as_str())), "the bucket is gone");
}

/// Issue 10: local modules. `examples/modules` (a root of module calls, as most teams write it)
/// applies, plans clean, keeps module addresses in state, takes a root variable through a module
/// call as one in-place change, survives the nightly teardown of the runtime layer inside its
/// network module, and is destroyed without leaving anything behind.
#[tokio::test]
async fn modules_example_lifecycle() {
    let s = Stack::new("modules");
    assert_eq!(s.ok(&["validate"]), "Success! The configuration is valid.\n");
    let plan = s.ok(&["plan"]);
    assert!(plan.contains("module.network.aws_vpc.this will be created"), "{plan}");
    assert!(plan.contains("module.security.aws_security_group.app will be created"), "{plan}");
    let out = s.ok(&["apply", "--auto-approve"]);
    assert!(out.contains("Apply complete! Resources: 17 added, 0 changed, 0 destroyed."), "{out}");
    let plan = s.ok(&["plan"]);
    assert!(plan.contains("No changes"), "{plan}");

    // Outputs of modules reach the root's outputs; objects are addressed under their module.
    let state = s.state();
    let vpc_id = state["outputs"]["vpc_id"]["value"].as_str().expect("vpc_id output").to_string();
    let ids = s.ids();
    assert_eq!(ids.get("module.network.aws_vpc.this"), Some(&vpc_id));
    assert!(ids.contains_key("module.network.aws_subnet.private[1]"), "{ids:#?}");
    let conf = s.sdk().await;
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let app_sg = state["outputs"]["app_security_group_id"]["value"].as_str().expect("sg output");
    let groups = ec2.describe_security_groups().group_ids(app_sg).send().await.expect("describe");
    let group = &groups.security_groups()[0];
    assert_eq!(group.vpc_id(), Some(vpc_id.as_str()), "the module input reached the security group");
    let from_alb = &group.ip_permissions()[0];
    assert_eq!(from_alb.from_port(), Some(8000));
    // The load balancer's rules come from a `dynamic "ingress"` block over a map of ports.
    let alb_sg = ids.get("module.security.aws_security_group.alb").expect("alb group");
    let groups = ec2.describe_security_groups().group_ids(alb_sg).send().await.expect("describe");
    let mut ports: Vec<i32> =
        groups.security_groups()[0].ip_permissions().iter().filter_map(|p| p.from_port()).collect();
    ports.sort();
    assert_eq!(ports, [80, 443]);

    // A changed root variable flows through the module call into one in-place rule change.
    let plan = s.ok(&["plan", "--var", "app_port=9000"]);
    assert!(plan.contains("module.security.aws_security_group.app will be updated in-place"), "{plan}");
    assert!(plan.contains("Plan: 0 to add, 1 to change, 0 to destroy."), "{plan}");

    // The nightly teardown takes the NAT gateway, its address and its route out of the network
    // module, and the morning apply brings them back; everything else keeps its id.
    let runtime: Vec<String> = state["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter(|r| r["layer"] == "runtime")
        .filter_map(|r| r["address"].as_str().map(str::to_string))
        .collect();
    assert_eq!(
        runtime,
        ["module.network.aws_eip.nat", "module.network.aws_nat_gateway.this", "module.network.aws_route.private_nat"]
    );
    let out = s.ok(&["destroy", "--layer", "runtime", "--auto-approve"]);
    assert!(out.contains("Destroy complete! Resources: 3 destroyed."), "{out}");
    let out = s.ok(&["apply", "--auto-approve"]);
    assert!(out.contains("Resources: 3 added, 0 changed, 0 destroyed."), "{out}");
    let after = s.ids();
    for (address, id) in ids.iter().filter(|(a, _)| !runtime.contains(a)) {
        assert_eq!(after.get(address), Some(id), "{address} kept its id through the teardown");
    }
    assert!(s.ok(&["plan"]).contains("No changes"));

    let out = s.ok(&["destroy", "--auto-approve"]);
    assert!(out.contains("Destroy complete! Resources: 17 destroyed."), "{out}");
    let vpcs = ec2.describe_vpcs().send().await.expect("vpcs");
    assert!(vpcs.vpcs().iter().all(|v| v.vpc_id() != Some(vpc_id.as_str())), "the VPC is gone");
    let groups = ec2.describe_security_groups().send().await.expect("groups");
    assert!(groups.security_groups().iter().all(|g| g.group_name() != Some("shop-app")), "the groups are gone");
}
