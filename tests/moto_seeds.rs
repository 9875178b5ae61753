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
    let mut s = support::Stack::example_with_moto_env(
        "seed-003-durable-code",
        &[("MOTO_IAM_LOAD_MANAGED_POLICIES", "true"), ("MOTO_ACM_VALIDATION_WAIT", "2")],
    );
    // Through the proxy: moto 5.2.5 drops a service's health check grace period (see
    // provision_testkit::emulate_ecs::GracePeriods), and has no CloudFront origin access
    // identities for the leftovers check to list.
    let proxy = provision_testkit::faults::FaultProxy::start(&s.moto.endpoint());
    let grace = std::sync::Arc::new(provision_testkit::emulate_ecs::GracePeriods::new());
    let cloudfront = std::sync::Arc::new(provision_testkit::emulate_cloudfront::CloudFront::new(0, 0, 0));
    proxy.set_rules(provision_testkit::faults::Rules::default().emulate(grace).emulate(cloudfront));
    s.endpoint = Some(proxy.url());
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
