//! Every resource type says which id provision records for an object a Terraform state holds
//! (`ResourceType::id_from_terraform`, used by `provision state migrate --from-terraform`). The
//! table below names each type with the smallest attributes a Terraform 5.100 state gives it and
//! the id provision must derive, so a new type cannot be added without deciding where its id comes
//! from. (Each override's own tests, on real states, are in its service crate.)

use provision_core::{Attrs, Provider, ResourceType};
use std::collections::BTreeSet;
use std::sync::Arc;

const TG: &str = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/7ea071896e36ffe7";
const LISTENER: &str =
    "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web/16986917681fc567/a7dcc8d3557484a8";
const CERT: &str = "arn:aws:acm:eu-west-1:123456789012:certificate/05e58adf-ee98-4fca-897c-0572b92c8757";

/// `(type, its attributes as JSON, the id provision records)`. Where provision's id is Terraform's
/// `id`, the attributes are that `id` alone.
fn table() -> Vec<(&'static str, String, String)> {
    let same = |t: &'static str, id: &str| (t, format!(r#"{{"id": "{id}"}}"#), id.to_string());
    let mut rows = vec![
        same("aws_acm_certificate", CERT),
        (
            "aws_acm_certificate_validation",
            format!(r#"{{"id": "2026-12-02 21:36:26 +0000 UTC", "certificate_arn": "{CERT}"}}"#),
            format!("{CERT}/validation"),
        ),
        same("aws_alb", "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/16986917681fc567"),
        same("aws_alb_listener", LISTENER),
        same("aws_alb_target_group", TG),
        same("aws_appautoscaling_policy", "cpu"),
        same("aws_appautoscaling_target", "service/shop/app"),
        same("aws_cloudfront_cache_policy", "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"),
        same("aws_cloudfront_distribution", "E2QWRUHAPOMQZL"),
        same("aws_cloudfront_function", "storefront-spa-rewrite"),
        same("aws_cloudfront_origin_access_control", "X1MSKTFJ53N3Z"),
        same("aws_cloudfront_origin_access_identity", "E2QWRUHAPOMQZL"),
        same("aws_cloudwatch_log_group", "/ecs/shop"),
        same("aws_cloudwatch_metric_alarm", "shop-cpu-high"),
        (
            "aws_db_instance",
            r#"{"id": "db-M5ENSHXFPU6XHZ4G4ZEI5QIO2U", "identifier": "ledger"}"#.into(),
            "ledger".into(),
        ),
        same("aws_db_parameter_group", "ledger-postgres16"),
        same("aws_db_subnet_group", "ledger"),
        same("aws_dynamodb_table", "ledger-events"),
        same("aws_ecr_lifecycle_policy", "shop-app"),
        same("aws_ecr_repository", "shop-app"),
        same("aws_ecr_repository_policy", "shop-app"),
        same("aws_ecs_cluster", "arn:aws:ecs:eu-west-1:123456789012:cluster/shop"),
        same("aws_ecs_cluster_capacity_providers", "shop"),
        same("aws_ecs_service", "arn:aws:ecs:eu-west-1:123456789012:service/shop/app"),
        (
            "aws_ecs_task_definition",
            r#"{"id": "shop-app", "arn": "arn:aws:ecs:eu-west-1:123456789012:task-definition/shop-app:1"}"#.into(),
            "arn:aws:ecs:eu-west-1:123456789012:task-definition/shop-app:1".into(),
        ),
        same("aws_efs_access_point", "fsap-eccd1221"),
        same("aws_efs_file_system", "fs-ef4db962"),
        same("aws_efs_mount_target", "fsmt-b9a78377"),
        same("aws_eip", "eipalloc-8750c97169e8b920a"),
        same("aws_iam_instance_profile", "extra-profile"),
        same("aws_iam_openid_connect_provider", "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"),
        same("aws_iam_policy", "arn:aws:iam::123456789012:policy/shop-task"),
        same("aws_iam_role", "shop-task"),
        same("aws_iam_role_policy", "shop-task:logs"),
        (
            "aws_iam_role_policy_attachment",
            r#"{"id": "shop-task-20261202213806792100000001", "role": "shop-task", "policy_arn": "arn:aws:iam::123456789012:policy/shop-task"}"#.into(),
            "shop-task/arn:aws:iam::123456789012:policy/shop-task".into(),
        ),
        same("aws_internet_gateway", "igw-3e349cb6574706f8c"),
        same("aws_kms_alias", "alias/extra"),
        same("aws_kms_key", "f855179e-7d64-47ec-bacb-25bb647dab7e"),
        same("aws_lb", "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/16986917681fc567"),
        same("aws_lb_listener", LISTENER),
        same("aws_lb_listener_certificate", &format!("{LISTENER}_{CERT}")),
        same("aws_lb_listener_rule", "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/web/16986917681fc567/a7dcc8d3557484a8/df7e4da3887e8bfb"),
        same("aws_lb_target_group", TG),
        (
            "aws_lb_target_group_attachment",
            format!(r#"{{"id": "{TG}-20261202214027473100000005", "target_group_arn": "{TG}", "target_id": "10.9.1.10", "port": 8080}}"#),
            format!("{TG}|10.9.1.10|8080"),
        ),
        same("aws_nat_gateway", "nat-e231bbe1b82a812b2"),
        same("aws_rds_cluster", "ledger-analytics"),
        same("aws_rds_cluster_instance", "ledger-analytics-1"),
        same("aws_rds_cluster_parameter_group", "extra-cluster-pg"),
        (
            "aws_route",
            r#"{"id": "r-rtb-2f7d9638a5f7a40f71080289494", "route_table_id": "rtb-2f7d9638a5f7a40f7", "destination_cidr_block": "0.0.0.0/0", "destination_ipv6_cidr_block": ""}"#.into(),
            "rtb-2f7d9638a5f7a40f7_0.0.0.0/0".into(),
        ),
        (
            "aws_route53_record",
            r#"{"id": "H3DFX8HJVYEHLMZNAVJ55A_www_A", "zone_id": "H3DFX8HJVYEHLMZNAVJ55A", "name": "www", "fqdn": "www.example.com", "type": "A", "set_identifier": ""}"#.into(),
            "H3DFX8HJVYEHLMZNAVJ55A_www.example.com_A".into(),
        ),
        same("aws_route53_zone", "H3DFX8HJVYEHLMZNAVJ55A"),
        same("aws_route_table", "rtb-2f7d9638a5f7a40f7"),
        same("aws_route_table_association", "rtbassoc-954b61a2a07eff72d"),
        same("aws_s3_bucket", "storefront-site"),
        (
            "aws_s3_object",
            r#"{"id": "index.html", "bucket": "storefront-site", "key": "index.html"}"#.into(),
            "storefront-site/index.html".into(),
        ),
        same("aws_secretsmanager_secret", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ledger/db-kxGHer"),
        same(
            "aws_secretsmanager_secret_version",
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ledger/db-kxGHer|terraform-20261202214349383800000002",
        ),
        same("aws_security_group", "sg-5cdeaef88ef680c99"),
        same("aws_sns_topic", "arn:aws:sns:us-east-1:123456789012:storefront-alerts"),
        same(
            "aws_sns_topic_subscription",
            "arn:aws:sns:us-east-1:123456789012:storefront-alerts:38a0811a-67cf-4fb5-8296-5caa93b75707",
        ),
        same("aws_ssm_parameter", "/storefront/api_key"),
        same("aws_subnet", "subnet-e45086add4803b2c0"),
        same("aws_vpc", "vpc-f2eed563cbdd12e31"),
        same("aws_vpc_security_group_egress_rule", "sgr-d1f82482a479ecd26"),
        same("aws_vpc_security_group_ingress_rule", "sgr-ea40e2fe82a0e2cc5"),
        same("random_id", "kJ3rXw"),
        same("random_password", "none"),
        same("random_pet", "happy-panda"),
        same("random_string", "q8Xz2LkP"),
        same("random_uuid", "8c3e2f8e-5a4b-4b6e-9d1a-2f0c6e7b9a10"),
    ];
    // A bucket setting's Terraform id is the bucket, or `<bucket>,<expected_bucket_owner>`.
    for t in [
        "aws_s3_bucket_acl",
        "aws_s3_bucket_cors_configuration",
        "aws_s3_bucket_lifecycle_configuration",
        "aws_s3_bucket_ownership_controls",
        "aws_s3_bucket_policy",
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_server_side_encryption_configuration",
        "aws_s3_bucket_versioning",
        "aws_s3_bucket_website_configuration",
    ] {
        rows.push((
            t,
            r#"{"id": "storefront-site,123456789012", "bucket": "storefront-site"}"#.into(),
            "storefront-site".into(),
        ));
    }
    // The security group rule's id is a digest: the table checks its shape, below.
    rows.push((
        "aws_security_group_rule",
        r#"{"id": "sgrule-1179061957", "security_group_id": "sg-ad3be75e88877206f", "type": "ingress", "protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["10.0.0.0/8"]}"#.into(),
        String::new(),
    ));
    rows
}

fn every_type() -> Vec<Arc<dyn ResourceType>> {
    let aws = provision_aws::AwsProvider::new();
    let random = provision_random::RandomProvider::new();
    let mut out = vec![];
    for p in [&aws as &dyn Provider, &random as &dyn Provider] {
        for name in p.resource_type_names() {
            out.extend(p.resource_type(name));
        }
    }
    out
}

fn attributes(json: &str) -> Attrs {
    provision_aws_core::terraform::attributes_from_json(json).unwrap_or_else(|e| panic!("{json}: {e}"))
}

#[test]
fn every_type_derives_its_id_from_a_terraform_state() {
    let table = table();
    let types = every_type();
    let mut problems = vec![];
    let named: BTreeSet<&str> = table.iter().map(|(t, _, _)| *t).collect();
    for t in &types {
        if !named.contains(t.name()) {
            problems.push(format!(
                "{}: not in this table; say which id it derives from a Terraform state (override `id_from_terraform` where it is not Terraform's `id`)",
                t.name()
            ));
        }
    }
    for (name, json, want) in &table {
        let Some(t) = types.iter().find(|t| t.name() == *name) else {
            problems.push(format!("{name}: in the table, but no such resource type"));
            continue;
        };
        match t.id_from_terraform(&attributes(json)) {
            Ok(id) if want.is_empty() && id.starts_with("sgrule-") => {}
            Ok(id) if !want.is_empty() && id == *want => {}
            Ok(id) => problems.push(format!("{name}: derived {id:?}, expected {want:?}")),
            Err(e) => problems.push(format!("{name}: {e}")),
        }
        // Without attributes: an error that names what is missing, never an empty id.
        match t.id_from_terraform(&Attrs::new()) {
            Err(e) if e.contains('`') => {}
            Err(e) => problems.push(format!("{name}: the error for no attributes names none: {e}")),
            Ok(id) => problems.push(format!("{name}: derived {id:?} from no attributes")),
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}
