//! The five seed teams' stacks (`examples/seed-*`, from `shared/seeds/`), end to end through the CLI
//! against moto: apply, a clean plan, the nightly teardown of the runtime layer and the morning
//! apply with every base id kept, a clean plan again, and a destroy that leaves no object in any
//! service.

mod support;

/// Seed 003, durable-code (`examples/seed-003-durable-code`): the team's two Terraform roots (base
/// and runtime) as one configuration. Apply with the team's `environments/dev.tfvars`, a clean plan,
/// the nightly `destroy --layer runtime` (the emulator no longer holds the NAT gateway, the load
/// balancer or the services) and the morning apply with the zone, certificate, repositories and VPC
/// unchanged and the certificate still issued, a clean plan, a destroy that leaves nothing. The
/// provider's `default_tags` reach the VPC, the load balancer and the repositories.
#[tokio::test]
async fn seed_003_durable_code() {
    use provision_testkit::moto::REGION;
    use std::time::Instant;

    // The execution role attaches AWS's managed AmazonECSTaskExecutionRolePolicy; moto issues the
    // certificate this many seconds after it is requested.
    let s = support::Stack::example_with_moto_env(
        "seed-003-durable-code",
        &[("MOTO_IAM_LOAD_MANAGED_POLICIES", "true"), ("MOTO_ACM_VALIDATION_WAIT", "2")],
    );
    // The team's variable file (us-west-2), with the emulator's region, where the leftovers check
    // looks.
    let region = format!("aws_region={REGION}");
    let args = ["-var-file", "environments/dev.tfvars", "-var", region.as_str()];
    let with = |cmd: &[&'static str]| cmd.iter().chain(&args).copied().collect::<Vec<&str>>();
    assert_eq!(s.ok(&with(&["validate"])), "Success! The configuration is valid.\n");
    let out = s.ok(&with(&["apply", "--auto-approve"]));
    assert!(out.contains("Apply complete!"), "{out}");
    let plan = s.ok(&with(&["plan"]));
    assert!(plan.contains("No changes"), "{plan}");

    // What the night takes: NAT, the load balancer and its parts, the task definitions and services.
    let mut runtime = s.layer("runtime");
    runtime.sort();
    assert_eq!(
        runtime,
        [
            "aws_ecs_service.backend",
            "aws_ecs_service.frontend",
            "aws_ecs_task_definition.backend",
            "aws_ecs_task_definition.frontend",
            "aws_eip.nat",
            "aws_lb.main",
            "aws_lb_listener.http",
            "aws_lb_listener.https",
            "aws_lb_listener_rule.api",
            "aws_lb_target_group.backend",
            "aws_lb_target_group.frontend",
            "aws_nat_gateway.main",
            "aws_route.private_nat",
        ]
    );
    let kept = [
        "aws_vpc.main",
        "aws_route53_zone.main",
        "aws_acm_certificate.main",
        "aws_acm_certificate_validation.main",
        "aws_ecr_repository.backend",
        "aws_ecr_repository.frontend",
        "aws_ecs_cluster.main",
        "aws_route53_record.app",
    ];
    let base = s.layer("base");
    for address in kept {
        assert!(base.iter().any(|a| a == address), "{address} is base: {base:#?}");
    }
    let ids = s.ids();
    let id = |address: &str| ids.get(address).cloned().unwrap_or_else(|| panic!("{address} is not in state"));

    let conf = s.sdk_as_provision().await;
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&conf);
    let ecr = aws_sdk_ecr::Client::new(&conf);
    let ecs = aws_sdk_ecs::Client::new(&conf);
    let acm = aws_sdk_acm::Client::new(&conf);

    // The certificate is issued, and the HTTPS listener serves it; HTTP redirects to HTTPS.
    let cert = id("aws_acm_certificate.main");
    let issued = |acm: aws_sdk_acm::Client, cert: String| async move {
        let d = acm.describe_certificate().certificate_arn(&cert).send().await.expect("certificate");
        d.certificate().and_then(|c| c.status()).map(|s| s.as_str().to_string())
    };
    assert_eq!(issued(acm.clone(), cert.clone()).await.as_deref(), Some("ISSUED"));
    let lb = id("aws_lb.main");
    let listeners = elb.describe_listeners().load_balancer_arn(&lb).send().await.expect("listeners");
    let listener = |port: i32| {
        listeners.listeners().iter().find(|l| l.port() == Some(port)).unwrap_or_else(|| panic!("no listener on {port}"))
    };
    let redirect = listener(80).default_actions()[0].redirect_config().expect("a redirect");
    assert_eq!((redirect.protocol(), redirect.port()), (Some("HTTPS"), Some("443")));
    assert_eq!(listener(443).certificates()[0].certificate_arn(), Some(cert.as_str()));

    // The repositories scan on push and expire images.
    let backend_repo = s.state()["outputs"]["ecr_backend_repository_url"]["value"]
        .as_str()
        .and_then(|u| u.rsplit('/').next())
        .expect("repository url")
        .to_string();
    assert_eq!(backend_repo, "durable-code-backend");
    let repos = ecr.describe_repositories().repository_names(&backend_repo).send().await.expect("repositories");
    let repo = &repos.repositories()[0];
    assert_eq!(repo.image_scanning_configuration().map(|c| c.scan_on_push()), Some(true));
    let lifecycle = ecr.get_lifecycle_policy().repository_name(&backend_repo).send().await.expect("lifecycle");
    let rules = lifecycle.lifecycle_policy_text().unwrap_or_default();
    assert!(rules.contains("imageCountMoreThan") && rules.contains("sinceImagePushed"), "{rules}");

    // default_tags reached the VPC, the load balancer and a repository.
    let want = [("Project", "durable-code-test"), ("Environment", "dev"), ("ManagedBy", "terraform")];
    let vpcs = ec2.describe_vpcs().vpc_ids(id("aws_vpc.main")).send().await.expect("vpc");
    let tags: Vec<(String, String)> = vpcs.vpcs()[0]
        .tags()
        .iter()
        .map(|t| (t.key().unwrap_or_default().to_string(), t.value().unwrap_or_default().to_string()))
        .collect();
    let lb_tags = elb.describe_tags().resource_arns(&lb).send().await.expect("lb tags");
    let lb_tags: Vec<(String, String)> = lb_tags.tag_descriptions()[0]
        .tags()
        .iter()
        .map(|t| (t.key().unwrap_or_default().to_string(), t.value().unwrap_or_default().to_string()))
        .collect();
    let repo_arn = repo.repository_arn().expect("repository arn");
    let repo_tags = ecr.list_tags_for_resource().resource_arn(repo_arn).send().await.expect("repository tags");
    let repo_tags: Vec<(String, String)> =
        repo_tags.tags().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect();
    for (what, tags) in [("vpc", &tags), ("load balancer", &lb_tags), ("repository", &repo_tags)] {
        for (k, v) in want {
            assert!(tags.iter().any(|(tk, tv)| tk == k && tv == v), "{what} lacks {k}={v}: {tags:?}");
        }
    }

    // The services: two tasks each, at the team's sizes.
    let cluster = id("aws_ecs_cluster.main");
    let services = ecs
        .describe_services()
        .cluster(&cluster)
        .services("durable-code-dev-backend")
        .services("durable-code-dev-frontend")
        .send()
        .await
        .expect("services");
    for svc in services.services() {
        assert_eq!(svc.desired_count(), 2, "{svc:?}");
        let td = svc.task_definition().expect("task definition");
        let td = ecs.describe_task_definition().task_definition(td).send().await.expect("task definition");
        let td = td.task_definition().expect("task definition");
        let size = (td.cpu(), td.memory());
        match svc.service_name() {
            Some("durable-code-dev-backend") => assert_eq!(size, (Some("512"), Some("1024"))),
            _ => assert_eq!(size, (Some("256"), Some("512"))),
        }
    }
    assert_eq!(services.services().len(), 2);

    // The night: the emulator no longer holds the NAT gateway, the load balancer, the services.
    let start = Instant::now();
    let night = s.nightly_teardown(&args);
    let teardown = start.elapsed();
    let nats = ec2.describe_nat_gateways().send().await.expect("nat gateways");
    let live: Vec<_> =
        nats.nat_gateways().iter().filter(|n| n.state().is_none_or(|s| s.as_str() != "deleted")).collect();
    assert!(live.is_empty(), "NAT gateways overnight: {live:?}");
    assert!(ec2.describe_addresses().send().await.expect("addresses").addresses().is_empty(), "Elastic IPs overnight");
    let lbs = elb.describe_load_balancers().send().await.expect("load balancers");
    assert!(lbs.load_balancers().is_empty(), "load balancers overnight");
    let services = ecs.list_services().cluster(&cluster).send().await.expect("services");
    if !services.service_arns().is_empty() {
        let d = ecs.describe_services().cluster(&cluster).set_services(Some(services.service_arns().to_vec()));
        let d = d.send().await.expect("describe services");
        let active: Vec<_> = d.services().iter().filter(|x| x.status() == Some("ACTIVE")).collect();
        assert!(active.is_empty(), "services overnight: {active:?}");
    }
    assert_eq!(issued(acm.clone(), cert.clone()).await.as_deref(), Some("ISSUED"), "the certificate stays overnight");

    // The morning: everything back, the base untouched.
    let start = Instant::now();
    s.morning_apply(&args, night);
    let morning = start.elapsed();
    eprintln!(
        "seed 003 nightly cycle: destroy --layer runtime {:.2} s, morning apply and clean plan {:.2} s, total {:.2} s",
        teardown.as_secs_f64(),
        morning.as_secs_f64(),
        (teardown + morning).as_secs_f64()
    );
    let after = s.ids();
    for address in kept {
        assert_eq!(after.get(address), ids.get(address), "{address} kept its id");
    }
    assert_eq!(issued(acm.clone(), cert.clone()).await.as_deref(), Some("ISSUED"));
    assert_ne!(after.get("aws_lb.main"), ids.get("aws_lb.main"), "a new load balancer");

    let out = s.ok(&with(&["destroy", "--auto-approve"]));
    assert!(out.contains(&format!("Destroy complete! Resources: {} destroyed.", ids.len())), "{out}");
    s.assert_nothing_left().await;
}

/// Seed 000 (DS_DevOps_project): `examples/seed-000-ds-devops`, a root of six local modules in
/// eu-west-3 (not the tests' default region), through the fault proxy whose CloudFront emulation
/// answers the origin access identity API moto lacks. Apply → a clean plan → what AWS holds is what
/// the team asked for (Multi-AZ PostgreSQL 14 with its postgres14 group, the HTTPS listener and its
/// rules, a bucket policy that grants the identity, everything in eu-west-3) → the nightly cycle →
/// destroy → nothing left in eu-west-3 nor in the default region. The password shows nowhere.
#[tokio::test]
async fn seed_000_ds_devops() {
    use provision_testkit::emulate_cloudfront::CloudFront;
    use provision_testkit::emulate_s3::S3Answers;
    use provision_testkit::faults::{FaultProxy, Rules};
    use std::sync::Arc;
    use support::Stack;

    let mut s = Stack::example_with_moto_env(
        "seed-000-ds-devops",
        &[("MOTO_ACM_VALIDATION_WAIT", "2"), ("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")],
    );
    let proxy = FaultProxy::start(&s.moto.endpoint());
    proxy.set_rules(Rules::default().emulate(Arc::new(S3Answers)).emulate(Arc::new(CloudFront::new(1, 0, 0))));
    s.endpoint = Some(proxy.url());
    let password = "seed000-Pa55word-never-shown";
    let pass = format!("db_password={password}");
    let args = ["--var", pass.as_str()];
    let with = |cmd: &[&'static str]| {
        let mut v: Vec<&str> = cmd.to_vec();
        v.extend_from_slice(&args);
        v
    };

    assert_eq!(s.ok(&with(&["validate"])), "Success! The configuration is valid.\n");
    let applied = s.ok(&with(&["apply", "--auto-approve"]));
    assert!(applied.contains("Apply complete!"), "{applied}");
    let plan = s.ok(&with(&["plan"]));
    assert!(plan.contains("No changes"), "{plan}");
    let json = s.ok(&with(&["plan", "--json"]));
    for shown in [&applied, &plan, &json] {
        assert!(!shown.contains(password), "the database password was shown");
    }

    let ids = s.ids();
    let id = |address: &str| ids.get(address).unwrap_or_else(|| panic!("{address} not in state: {ids:#?}")).clone();
    let attribute = |address: &str, name: &str| -> String {
        s.state()["resources"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["address"] == address))
            .and_then(|r| r["attributes"][name].as_str().map(str::to_string))
            .unwrap_or_else(|| panic!("{address}.{name} in state"))
    };
    let conf = support::sdk_in(&proxy.url(), "eu-west-3").await;

    // Everything regional is in eu-west-3, in the two zones the team named.
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let vpc = id("module.networking.aws_vpc.main");
    let subnets = ec2
        .describe_subnets()
        .filters(aws_sdk_ec2::types::Filter::builder().name("vpc-id").values(&vpc).build())
        .send()
        .await
        .expect("subnets in eu-west-3");
    let mut zones: Vec<&str> = subnets.subnets().iter().filter_map(|x| x.availability_zone()).collect();
    zones.sort();
    assert_eq!(zones, ["eu-west-3a", "eu-west-3a", "eu-west-3b", "eu-west-3b"]);

    // PostgreSQL 14, Multi-AZ, on its postgres14 parameter group.
    let rds = aws_sdk_rds::Client::new(&conf);
    let db = rds.describe_db_instances().db_instance_identifier("ds-devops-dev-db").send().await.expect("instance");
    let db = &db.db_instances()[0];
    assert_eq!(db.multi_az(), Some(true), "Multi-AZ");
    assert_eq!(db.engine(), Some("postgres"));
    assert_eq!(db.engine_version(), Some("14.18"));
    let groups: Vec<&str> = db.db_parameter_groups().iter().filter_map(|g| g.db_parameter_group_name()).collect();
    assert_eq!(groups, ["ds-devops-dev-postgres14"]);
    let group = rds
        .describe_db_parameter_groups()
        .db_parameter_group_name("ds-devops-dev-postgres14")
        .send()
        .await
        .expect("parameter group");
    assert_eq!(group.db_parameter_groups()[0].db_parameter_group_family(), Some("postgres14"));
    let sm = aws_sdk_secretsmanager::Client::new(&conf);
    let secret = id("module.rds.aws_secretsmanager_secret.db");
    let value = sm.get_secret_value().secret_id(&secret).send().await.expect("secret value");
    let value: serde_json::Value = serde_json::from_str(value.secret_string().expect("string")).expect("JSON");
    assert_eq!(value["password"], password, "the credentials are in Secrets Manager");
    assert_eq!(value["host"].as_str(), db.endpoint().and_then(|e| e.address()));

    // The HTTPS listener with the issued certificate, and its rules.
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&conf);
    let listener = id("module.backend.aws_lb_listener.https");
    let got = elb.describe_listeners().listener_arns(&listener).send().await.expect("listener");
    let https = &got.listeners()[0];
    assert_eq!(https.port(), Some(443));
    assert_eq!(https.protocol().map(|p| p.as_str()), Some("HTTPS"));
    let certs: Vec<&str> = https.certificates().iter().filter_map(|c| c.certificate_arn()).collect();
    assert_eq!(certs, [id("aws_acm_certificate.api").as_str()]);
    let rules = elb.describe_rules().listener_arn(&listener).send().await.expect("rules");
    let mut paths: Vec<(String, Vec<String>)> = rules
        .rules()
        .iter()
        .filter(|r| r.is_default() != Some(true))
        .map(|r| {
            let mut values: Vec<String> = r
                .conditions()
                .iter()
                .flat_map(|c| c.path_pattern_config().map_or(c.values(), |p| p.values()).iter().cloned())
                .collect();
            values.sort();
            (r.priority().unwrap_or_default().to_string(), values)
        })
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            ("10".to_string(), vec!["/api/*".to_string()]),
            ("20".to_string(), ["/docs", "/docs/*", "/health", "/openapi.json"].map(String::from).to_vec()),
        ]
    );
    let http = elb.describe_listeners().listener_arns(id("module.backend.aws_lb_listener.http")).send().await;
    let http = http.expect("http listener");
    let redirect = http.listeners()[0].default_actions()[0].redirect_config().expect("redirect");
    assert_eq!((redirect.protocol(), redirect.port()), (Some("HTTPS"), Some("443")));

    // The bucket policy grants the origin access identity, and the distribution reads through it.
    let oai = id("module.s3_cloudfront.aws_cloudfront_origin_access_identity.frontend");
    let oai_arn = attribute("module.s3_cloudfront.aws_cloudfront_origin_access_identity.frontend", "iam_arn");
    assert_eq!(oai_arn, format!("arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity {oai}"));
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&conf).force_path_style(true).build());
    let bucket = id("module.s3_cloudfront.aws_s3_bucket.frontend");
    assert_eq!(bucket, "ds-devops-dev-frontend-123456789012");
    let location = s3.get_bucket_location().bucket(&bucket).send().await.expect("location");
    assert_eq!(location.location_constraint().map(|l| l.as_str()), Some("eu-west-3"));
    let policy = s3.get_bucket_policy().bucket(&bucket).send().await.expect("bucket policy");
    let policy: serde_json::Value = serde_json::from_str(policy.policy().expect("policy")).expect("JSON");
    let statement = &policy["Statement"][0];
    // A policy element with one value is a string or a list of one, both as IAM reads them.
    let one = |v: &serde_json::Value| v.as_array().map_or(v.clone(), |a| a.first().cloned().unwrap_or_default());
    assert_eq!(statement["Effect"], "Allow", "{policy}");
    assert_eq!(one(&statement["Principal"]["AWS"]), oai_arn.as_str(), "{policy}");
    assert_eq!(one(&statement["Action"]), "s3:GetObject", "{policy}");
    assert_eq!(one(&statement["Resource"]), format!("arn:aws:s3:::{bucket}/*").as_str(), "{policy}");
    let cf = aws_sdk_cloudfront::Client::new(&conf);
    let dist = cf.get_distribution_config().id(id("module.s3_cloudfront.aws_cloudfront_distribution.frontend"));
    let dist = dist.send().await.expect("distribution");
    let origin = &dist.distribution_config().and_then(|c| c.origins()).expect("origins").items()[0];
    assert_eq!(
        origin.s3_origin_config().map(|c| c.origin_access_identity()),
        Some(format!("origin-access-identity/cloudfront/{oai}").as_str())
    );
    assert_eq!(origin.domain_name(), format!("{bucket}.s3.eu-west-3.amazonaws.com"));

    // The runtime layer: NAT, its address and route; the load balancer and what hangs off it; the
    // service and its task definition. The alias record stays (a weak reference).
    let mut runtime = s.nightly_cycle(&args);
    runtime.sort();
    assert_eq!(
        runtime,
        [
            "module.backend.aws_ecs_service.service",
            "module.backend.aws_ecs_task_definition.service",
            "module.backend.aws_lb.main",
            "module.backend.aws_lb_listener.http",
            "module.backend.aws_lb_listener.https",
            "module.backend.aws_lb_listener_rule.service[\"api\"]",
            "module.backend.aws_lb_listener_rule.service[\"docs\"]",
            "module.backend.aws_lb_target_group.service",
            "module.networking.aws_eip.nat",
            "module.networking.aws_nat_gateway.main",
            "module.networking.aws_route.private_nat",
        ]
    );

    // The leftovers check sees this region's objects (it would pass vacuously in another).
    let before = support::leftovers::leftovers(&conf).await;
    assert!(before.iter().any(|l| l == &format!("ec2: vpc {vpc}")), "{before:#?}");
    assert!(before.iter().any(|l| l == "rds: instance ds-devops-dev-db"), "{before:#?}");
    let out = s.ok(&with(&["destroy", "--auto-approve"]));
    assert!(out.contains("Destroy complete!"), "{out}");
    assert!(!out.contains(password));
    s.assert_nothing_left_in(&[provision_testkit::moto::REGION, "eu-west-3"]).await;
}

/// Seed 004 (DB migration API): `examples/seed-004-db-migration`, the team's single main.tf with
/// local stand-ins for the registry's vpc and rds-aurora modules, in us-east-1 (its default),
/// through the fault proxy (moto's versioning answer needs the S3 fix). Apply → a clean plan →
/// Aurora PostgreSQL with its two instances, the CSV bucket versioned, encrypted and private, the
/// generated password in Secrets Manager and in no output, the CPU scaling of the service → the
/// nightly cycle → destroy, with the cluster's final snapshot taken → nothing left.
#[tokio::test]
async fn seed_004_db_migration() {
    use provision_testkit::emulate_s3::S3Answers;
    use provision_testkit::faults::{FaultProxy, Rules};
    use std::sync::Arc;
    use support::Stack;

    let mut s = Stack::example_with_moto_env("seed-004-db-migration", &[("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")]);
    let proxy = FaultProxy::start(&s.moto.endpoint());
    proxy.set_rules(Rules::default().emulate(Arc::new(S3Answers)));
    s.endpoint = Some(proxy.url());

    assert_eq!(s.ok(&["validate"]), "Success! The configuration is valid.\n");
    let applied = s.ok(&["apply", "--auto-approve"]);
    assert!(applied.contains("Apply complete!"), "{applied}");
    let plan = s.ok(&["plan"]);
    assert!(plan.contains("No changes"), "{plan}");
    let json = s.ok(&["plan", "--json"]);
    let outputs = s.ok(&["output"]);

    let state = s.state();
    let attrs = |address: &str| {
        state["resources"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["address"] == address))
            .map(|r| r["attributes"].clone())
            .unwrap_or_else(|| panic!("{address} in state"))
    };
    let password = attrs("random_password.db_password")["result"].as_str().expect("password").to_string();
    assert_eq!(password.len(), 32);
    for shown in [&applied, &plan, &json, &outputs] {
        assert!(!shown.contains(&password), "the password was shown");
    }
    let conf = support::sdk_in(&proxy.url(), "us-east-1").await;

    // The password is the secret's value.
    let sm = aws_sdk_secretsmanager::Client::new(&conf);
    let value = sm.get_secret_value().secret_id("migration-api-db-password").send().await.expect("secret");
    assert_eq!(value.secret_string(), Some(password.as_str()));

    // Aurora PostgreSQL, two instances, in the database subnets of the VPC module, behind the
    // security group the module made for the tasks.
    let rds = aws_sdk_rds::Client::new(&conf);
    let clusters = rds.describe_db_clusters().db_cluster_identifier("migration-api-db").send().await.expect("cluster");
    let cluster = &clusters.db_clusters()[0];
    assert_eq!(cluster.engine(), Some("aurora-postgresql"));
    assert_eq!(cluster.engine_version(), Some("14.6"));
    assert_eq!(cluster.storage_encrypted(), Some(true));
    assert_eq!(cluster.backup_retention_period(), Some(35));
    assert_eq!(cluster.db_subnet_group(), Some("migration-api-vpc"));
    let mut members: Vec<&str> =
        cluster.db_cluster_members().iter().filter_map(|m| m.db_instance_identifier()).collect();
    members.sort();
    assert_eq!(members, ["migration-api-db-one", "migration-api-db-two"]);
    let groups = rds.describe_db_subnet_groups().db_subnet_group_name("migration-api-vpc").send().await;
    let groups = groups.expect("subnet group");
    let mut cidrs = vec![];
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    for sn in groups.db_subnet_groups()[0].subnets() {
        let id = sn.subnet_identifier().expect("subnet id");
        let got = ec2.describe_subnets().subnet_ids(id).send().await.expect("subnet");
        cidrs.push(got.subnets()[0].cidr_block().expect("cidr").to_string());
    }
    cidrs.sort();
    assert_eq!(cidrs, ["10.0.201.0/24", "10.0.202.0/24"]);

    // The CSV bucket: versioned, encrypted, private.
    let bucket = "migration-api-csv-123456789012";
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&conf).force_path_style(true).build());
    let versioning = s3.get_bucket_versioning().bucket(bucket).send().await.expect("versioning");
    assert_eq!(versioning.status().map(|v| v.as_str()), Some("Enabled"));
    let encryption = s3.get_bucket_encryption().bucket(bucket).send().await.expect("encryption");
    let rule = &encryption.server_side_encryption_configuration().expect("configuration").rules()[0];
    let default = rule.apply_server_side_encryption_by_default().expect("default encryption");
    assert_eq!(default.sse_algorithm().as_str(), "AES256");
    let block = s3.get_public_access_block().bucket(bucket).send().await.expect("public access block");
    let block = block.public_access_block_configuration().expect("configuration");
    assert_eq!(
        (
            block.block_public_acls(),
            block.block_public_policy(),
            block.ignore_public_acls(),
            block.restrict_public_buckets()
        ),
        (Some(true), Some(true), Some(true), Some(true))
    );

    // The service scales on CPU between 2 and 10 tasks.
    let aas = aws_sdk_applicationautoscaling::Client::new(&conf);
    let ns = aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs;
    let resource = "service/migration-api-cluster/migration-api-service";
    let targets = aas.describe_scalable_targets().service_namespace(ns.clone()).resource_ids(resource).send().await;
    let targets = targets.expect("scalable targets");
    let target = &targets.scalable_targets()[0];
    assert_eq!((target.min_capacity(), target.max_capacity()), (2, 10));
    let policies = aas.describe_scaling_policies().service_namespace(ns).resource_id(resource).send().await;
    let policies = policies.expect("scaling policies");
    let policy = &policies.scaling_policies()[0];
    assert_eq!(policy.policy_name(), "migration-api-cpu-autoscaling");
    let tracking = policy.target_tracking_scaling_policy_configuration().expect("target tracking");
    assert_eq!(tracking.target_value(), 70.0);
    let metric = tracking.predefined_metric_specification().expect("predefined metric");
    assert_eq!(metric.predefined_metric_type().as_str(), "ECSServiceAverageCPUUtilization");

    // The nightly cycle: a NAT gateway per zone with its address and route, the load balancer and
    // the alarm on it, the service with its task definition and scaling.
    let mut runtime = s.nightly_cycle(&[]);
    runtime.sort();
    assert_eq!(
        runtime,
        [
            "aws_appautoscaling_policy.ecs_policy_cpu",
            "aws_appautoscaling_target.ecs_target",
            "aws_cloudwatch_metric_alarm.high_errors",
            "aws_ecs_service.app",
            "aws_ecs_task_definition.app",
            "aws_lb.main",
            "aws_lb_listener.app",
            "aws_lb_target_group.app",
            "module.vpc.aws_eip.nat[0]",
            "module.vpc.aws_eip.nat[1]",
            "module.vpc.aws_nat_gateway.this[0]",
            "module.vpc.aws_nat_gateway.this[1]",
            "module.vpc.aws_route.private_nat_gateway[0]",
            "module.vpc.aws_route.private_nat_gateway[1]",
        ]
    );

    let before = support::leftovers::leftovers(&conf).await;
    assert!(before.iter().any(|l| l == "rds: cluster migration-api-db"), "{before:#?}");
    let out = s.ok(&["destroy", "--auto-approve"]);
    assert!(out.contains("Destroy complete!"), "{out}");
    assert!(!out.contains(&password));
    let snapshots = rds.describe_db_cluster_snapshots().db_cluster_snapshot_identifier("migration-api-db-final");
    let snapshots = snapshots.send().await.expect("snapshots");
    assert_eq!(snapshots.db_cluster_snapshots().len(), 1, "the cluster's final snapshot was taken");
    s.assert_nothing_left_in(&[provision_testkit::moto::REGION, "us-east-1"]).await;
}

/// Seeds 001 and 002: `cmd` followed by `args` (an environment and its variables).
fn seed_args(cmd: &[&str], args: &[&str]) -> Vec<String> {
    cmd.iter().chain(args).map(|a| a.to_string()).collect()
}

/// Seed 001, FastAPI bootstrap: `--env prod` and `--env dev` applied into one emulator are two
/// stacks — two state files, two sets of objects named for their environment, neither plan
/// seeing the other's objects — with the sizes of their variable files (task CPU and memory,
/// desired count; prod scales 1 to 2 tasks on 70% CPU, dev not at all). Prod's protected load
/// balancer stops the nightly teardown until protection is turned off. Then each goes through the
/// nightly cycle and is destroyed, dev's destroy leaving prod untouched.
#[tokio::test]
async fn seed_001_fastapi() {
    use provision_testkit::moto::REGION;
    use support::{Stack, text};
    let with = seed_args;
    let run_ok = |s: &Stack, args: &[String]| s.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let started = std::time::Instant::now();
    // The execution role attaches AWS's managed AmazonECSTaskExecutionRolePolicy.
    let s = Stack::example_with_moto_env("seed-001-fastapi", &[("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")]);
    let region = format!("aws_region={REGION}");
    let prod = ["--env", "prod", "-var-file=environments/prod/terraform.tfvars", "--var", &region];
    let dev = ["--env", "dev", "-var-file=environments/dev/terraform.tfvars", "--var", &region];
    for args in [&prod, &dev] {
        let out = run_ok(&s, &with(&["apply", "--auto-approve"], args));
        assert!(out.contains("Apply complete!"), "{out}");
    }
    for args in [&prod, &dev] {
        let plan = run_ok(&s, &with(&["plan"], args));
        assert!(plan.contains("No changes"), "each plan sees its own objects only: {plan}");
    }

    // Two states, no object in common.
    assert!(!s.state_file("default").exists(), "nothing went to the default state");
    assert_ne!(s.state_of("prod")["lineage"], s.state_of("dev")["lineage"]);
    let managed = |env: &str| -> Vec<(String, String)> {
        s.ids_of(env).into_iter().filter(|(a, _)| !a.starts_with("data.") && !a.contains(".data.")).collect()
    };
    let (prod_ids, dev_ids) = (managed("prod"), managed("dev"));
    assert_eq!(prod_ids.len(), dev_ids.len() + 2, "prod has the scaling target and policy on top");
    for (address, id) in &dev_ids {
        assert!(prod_ids.iter().all(|(_, p)| p != id), "{address} ({id}) is in both environments");
    }

    let conf = s.sdk().await;
    let ecs = aws_sdk_ecs::Client::new(&conf);
    for (env, cpu, memory) in [("prod", "1024", "2048"), ("dev", "256", "512")] {
        let name = format!("fastapi-bootstrap-{env}");
        let td = ecs.describe_task_definition().task_definition(&name).send().await.expect("task definition");
        let td = td.task_definition().expect("task definition");
        assert_eq!((td.cpu(), td.memory()), (Some(cpu), Some(memory)), "{env}'s task size");
        let services = ecs
            .describe_services()
            .cluster(format!("{name}-cluster"))
            .services(format!("{name}-service"))
            .send()
            .await
            .expect("services");
        assert_eq!(services.services().len(), 1, "{env}'s service");
        assert_eq!(services.services()[0].desired_count(), 1, "{env} starts with one task");
    }
    let aas = aws_sdk_applicationautoscaling::Client::new(&conf);
    let targets = aas.describe_scalable_targets().service_namespace("ecs".into()).send().await.expect("targets");
    let targets: Vec<_> =
        targets.scalable_targets().iter().map(|t| (t.resource_id(), t.min_capacity(), t.max_capacity())).collect();
    assert_eq!(
        targets,
        [("service/fastapi-bootstrap-prod-cluster/fastapi-bootstrap-prod-service", 1, 2)],
        "prod scales between 1 and 2 tasks; dev has no scaling"
    );
    let policies = aas.describe_scaling_policies().service_namespace("ecs".into()).send().await.expect("policies");
    let [policy] = policies.scaling_policies() else { panic!("one scaling policy: {policies:?}") };
    assert_eq!(policy.resource_id(), "service/fastapi-bootstrap-prod-cluster/fastapi-bootstrap-prod-service");
    let tracking = policy.target_tracking_scaling_policy_configuration().expect("target tracking");
    assert_eq!(tracking.target_value(), 70.0);
    let metric = tracking.predefined_metric_specification().expect("predefined metric");
    assert_eq!(metric.predefined_metric_type().as_str(), "ECSServiceAverageCPUUtilization");

    // Each environment's repository keeps its latest 10 images; blue and green target groups.
    let ecr = aws_sdk_ecr::Client::new(&conf);
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&conf);
    for env in ["prod", "dev"] {
        let name = format!("fastapi-bootstrap-{env}");
        let policy = ecr.get_lifecycle_policy().repository_name(&name).send().await.expect("lifecycle policy");
        let policy: serde_json::Value =
            serde_json::from_str(policy.lifecycle_policy_text().expect("text")).expect("JSON");
        assert_eq!(policy["rules"][0]["selection"]["countNumber"], 10, "{policy}");
        let groups = elb
            .describe_target_groups()
            .names(format!("{name}-blue"))
            .names(format!("{name}-green"))
            .send()
            .await
            .expect("target groups");
        assert_eq!(groups.target_groups().len(), 2, "{env}: blue and green");
    }
    // Three availability zones.
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let vpc = s.ids_of("prod")["module.vpc.aws_vpc.main"].clone();
    let subnets = ec2
        .describe_subnets()
        .filters(aws_sdk_ec2::types::Filter::builder().name("vpc-id").values(&vpc).build())
        .send()
        .await
        .expect("subnets");
    let zones: std::collections::BTreeSet<_> = subnets.subnets().iter().filter_map(|s| s.availability_zone()).collect();
    assert_eq!((subnets.subnets().len(), zones.len()), (6, 3), "a public and a private subnet in each of 3 zones");

    // Prod's load balancer is protected: tonight's teardown is refused before anything is deleted.
    let before = s.ids_of("prod");
    let out = s.run(
        &with(&["destroy", "--layer", "runtime", "--auto-approve"], &prod)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert_eq!(out.status.code(), Some(1), "refused: {}", text(&out.stdout));
    assert!(text(&out.stderr).contains("deletion protection"), "{}", text(&out.stderr));
    assert_eq!(s.ids_of("prod"), before, "nothing was deleted");
    let unprotected = [&prod[..], &["--var", "deletion_protection=false"]].concat();
    let out = run_ok(&s, &with(&["apply", "--auto-approve"], &unprotected));
    assert!(out.contains("0 added, 1 changed, 0 destroyed"), "{out}");

    let runtime = s.nightly_cycle(&unprotected);
    assert!(runtime.contains(&"module.ecs.aws_appautoscaling_policy.cpu[0]".to_string()), "{runtime:?}");
    assert!(runtime.contains(&"module.vpc.aws_nat_gateway.main".to_string()), "{runtime:?}");
    s.nightly_cycle(&dev);

    // Destroying dev leaves prod as it was.
    let before = s.ids_of("prod");
    let out = run_ok(&s, &with(&["destroy", "--auto-approve"], &dev));
    assert!(out.contains("Destroy complete!"), "{out}");
    assert_eq!(s.ids_of("prod"), before);
    let plan = run_ok(&s, &with(&["plan"], &unprotected));
    assert!(plan.contains("No changes"), "prod is untouched by dev's destroy: {plan}");
    let out = run_ok(&s, &with(&["destroy", "--auto-approve"], &unprotected));
    assert!(out.contains("Destroy complete!"), "{out}");
    s.assert_nothing_left().await;
    eprintln!("seed_001_fastapi: {:.1?}", started.elapsed());
}

/// Seed 002, Plue, its production environment (`--env production` reads `production.tfvars`):
/// a NAT gateway per availability zone, one load balancer routing `/api/*` (priority 100) to the
/// API server and `/*` (200) to the web app over HTTPS, the migration task definition registered
/// but run by no service, the API task definition mounting the EFS access point, PostgreSQL 16
/// Multi-AZ, and alarms whose actions are the alerts topic. The nightly cycle removes the NAT
/// gateways, the load balancer and the services; the file system, the database and the secrets
/// keep their ids. The destroy follows the team's cleanup: deletion protection off, then destroy.
#[tokio::test]
async fn seed_002_plue() {
    use provision_testkit::moto::REGION;
    use support::Stack;
    let with = seed_args;
    let run_ok = |s: &Stack, args: &[String]| s.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let started = std::time::Instant::now();
    let s = Stack::example_with_moto_env("seed-002-plue", &[("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")]);
    let conf = s.sdk().await;
    // The certificate production is given (the team's terraform.tfvars names one).
    let acm = aws_sdk_acm::Client::new(&conf);
    let cert = acm
        .request_certificate()
        .domain_name("plue.example.com")
        .validation_method(aws_sdk_acm::types::ValidationMethod::Dns)
        .send()
        .await
        .expect("certificate");
    let cert = cert.certificate_arn().expect("certificate ARN").to_string();
    let (region, certificate) = (format!("aws_region={REGION}"), format!("certificate_arn={cert}"));
    let args =
        ["--env", "production", "--var", &region, "--var", &certificate, "--var", "sns_alert_email=alerts@example.com"];
    let out = run_ok(&s, &with(&["apply", "--auto-approve"], &args));
    assert!(out.contains("Apply complete!"), "{out}");
    let plan = run_ok(&s, &with(&["plan"], &args));
    assert!(plan.contains("No changes"), "{plan}");
    let ids = s.ids_of("production");
    let id = |address: &str| ids.get(address).unwrap_or_else(|| panic!("{address} in state: {ids:#?}")).clone();

    // A NAT gateway in each availability zone.
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let nats = ec2
        .describe_nat_gateways()
        .nat_gateway_ids(id("module.network.aws_nat_gateway.main[0]"))
        .nat_gateway_ids(id("module.network.aws_nat_gateway.main[1]"))
        .send()
        .await
        .expect("NAT gateways");
    let subnets: Vec<String> = nats.nat_gateways().iter().filter_map(|n| n.subnet_id().map(str::to_string)).collect();
    let zones = ec2.describe_subnets().set_subnet_ids(Some(subnets)).send().await.expect("subnets");
    let zones: std::collections::BTreeSet<_> = zones.subnets().iter().filter_map(|s| s.availability_zone()).collect();
    assert_eq!(zones.len(), 2, "one NAT gateway per availability zone");

    // The routing rules, on the HTTPS listener; HTTP redirects to it.
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&conf);
    let https = id("module.load_balancer.aws_lb_listener.https[0]");
    let rules = elb.describe_rules().listener_arn(&https).send().await.expect("rules");
    let mut routes: Vec<(String, Vec<String>, String)> = rules
        .rules()
        .iter()
        .filter(|r| r.is_default() != Some(true))
        .map(|r| {
            let paths = r.conditions().iter().filter_map(|c| c.path_pattern_config()).flat_map(|p| p.values().to_vec());
            let paths = paths.collect();
            let to = r.actions().first().and_then(|a| a.target_group_arn()).unwrap_or_default().to_string();
            (r.priority().unwrap_or_default().to_string(), paths, to)
        })
        .collect();
    routes.sort();
    let (api_tg, web_tg) =
        (id("module.load_balancer.aws_lb_target_group.api"), id("module.load_balancer.aws_lb_target_group.web"));
    assert_eq!(
        routes,
        [("100".to_string(), vec!["/api/*".to_string()], api_tg), ("200".to_string(), vec!["/*".to_string()], web_tg)]
    );
    let http = elb.describe_listeners().listener_arns(id("module.load_balancer.aws_lb_listener.http")).send().await;
    let http = http.expect("listener");
    let action = &http.listeners()[0].default_actions()[0];
    assert_eq!(action.r#type().map(|t| t.as_str()), Some("redirect"), "HTTP redirects to HTTPS");

    // Two services; the migration task definition is registered and runs in none of them.
    let ecs = aws_sdk_ecs::Client::new(&conf);
    let migrate = ecs.describe_task_definition().task_definition("production-plue-db-migrate").send().await;
    let migrate = migrate.expect("migration task definition");
    let migrate = migrate.task_definition().expect("task definition");
    assert_eq!(migrate.status().map(|s| s.as_str()), Some("ACTIVE"));
    let listed = ecs.list_services().cluster("production-plue-cluster").send().await.expect("services");
    let services = ecs
        .describe_services()
        .cluster("production-plue-cluster")
        .set_services(Some(listed.service_arns().to_vec()))
        .send()
        .await
        .expect("services");
    let mut running: Vec<(&str, i32)> =
        services.services().iter().map(|x| (x.service_name().unwrap_or_default(), x.desired_count())).collect();
    running.sort();
    assert_eq!(running, [("plue-api-server", 2), ("plue-web-app", 2)]);
    assert!(services.services().iter().all(|x| x.task_definition() != migrate.task_definition_arn()));
    // The API server mounts the repositories' access point.
    let api = ecs.describe_task_definition().task_definition("production-plue-api-server").send().await;
    let api = api.expect("API task definition");
    let efs = api.task_definition().expect("task definition").volumes()[0].efs_volume_configuration();
    let efs = efs.expect("an EFS volume");
    assert_eq!(efs.file_system_id(), id("module.storage.aws_efs_file_system.repos"));
    let auth = efs.authorization_config().expect("authorization");
    assert_eq!(auth.access_point_id(), Some(id("module.storage.aws_efs_access_point.repos").as_str()));
    let efs_client = aws_sdk_efs::Client::new(&conf);
    let targets = efs_client
        .describe_mount_targets()
        .file_system_id(id("module.storage.aws_efs_file_system.repos"))
        .send()
        .await
        .expect("mount targets");
    assert_eq!(targets.mount_targets().len(), 2, "a mount target per availability zone");

    // PostgreSQL 16, Multi-AZ, encrypted, protected.
    let rds = aws_sdk_rds::Client::new(&conf);
    let db = rds.describe_db_instances().db_instance_identifier("production-plue-db").send().await.expect("db");
    let db = &db.db_instances()[0];
    assert!(db.engine_version().is_some_and(|v| v.starts_with("16")), "{db:?}");
    assert_eq!((db.multi_az(), db.storage_encrypted(), db.deletion_protection()), (Some(true), Some(true), Some(true)));

    // Every alarm notifies the topic.
    let topic = s.state_of("production")["outputs"]["sns_topic_arn"]["value"].as_str().expect("topic").to_string();
    let cw = aws_sdk_cloudwatch::Client::new(&conf);
    let alarms = cw.describe_alarms().alarm_name_prefix("production-plue-").send().await.expect("alarms");
    assert_eq!(alarms.metric_alarms().len(), 6, "{alarms:?}");
    for a in alarms.metric_alarms() {
        assert_eq!(a.alarm_actions(), std::slice::from_ref(&topic), "{:?}", a.alarm_name());
    }

    let runtime = s.nightly_cycle(&args);
    for gone in [
        "module.network.aws_nat_gateway.main[0]",
        "module.network.aws_nat_gateway.main[1]",
        "module.load_balancer.aws_lb.main",
        "module.api_server.aws_ecs_service.api",
        "module.web_app.aws_ecs_service.web",
        "module.api_server.aws_ecs_task_definition.migrate",
    ] {
        assert!(runtime.iter().any(|a| a == gone), "{gone} is torn down at night: {runtime:?}");
    }
    for kept in [
        "module.storage.aws_efs_file_system.repos",
        "module.storage.aws_efs_access_point.repos",
        "module.database.aws_db_instance.main",
        "module.database.aws_secretsmanager_secret.connection",
        "aws_sns_topic.alerts[0]",
    ] {
        assert!(!runtime.iter().any(|a| a == kept), "{kept} stays at night: {runtime:?}");
        assert_eq!(s.ids_of("production").get(kept), ids.get(kept), "{kept} kept its id");
    }

    // The team's cleanup: deletion protection off, then destroy (with the final snapshot).
    let unprotected = [&args[..], &["--var", "database_deletion_protection=false"]].concat();
    let out = run_ok(&s, &with(&["apply", "--auto-approve"], &unprotected));
    assert!(out.contains("0 added, 1 changed, 0 destroyed"), "{out}");
    let out = run_ok(&s, &with(&["destroy", "--auto-approve"], &unprotected));
    assert!(out.contains("Destroy complete!"), "{out}");
    acm.delete_certificate().certificate_arn(&cert).send().await.expect("delete the certificate");
    s.assert_nothing_left().await;
    eprintln!("seed_002_plue: {:.1?}", started.elapsed());
}
