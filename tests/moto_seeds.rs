//! The five seed teams' stacks (`examples/seed-*`, from `shared/seeds/`), end to end through the CLI
//! against moto: apply, a clean plan, the nightly teardown of the runtime layer and the morning
//! apply with every base id kept, a clean plan again, and a destroy that leaves no object in any
//! service.

mod support;

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

    /// SDK settings for `region`, through `endpoint`.
    async fn sdk_in(endpoint: &str, region: &'static str) -> aws_config::SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(endpoint)
            .region(aws_config::Region::new(region))
            .credentials_provider(aws_sdk_ec2::config::Credentials::new("testing", "testing", None, None, "test"))
            .load()
            .await
    }

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
    let conf = sdk_in(&proxy.url(), "eu-west-3").await;

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
    s.assert_nothing_left().await;
    let left = support::leftovers::leftovers(&conf).await;
    assert!(left.is_empty(), "left behind in eu-west-3:\n{}", left.join("\n"));
}
