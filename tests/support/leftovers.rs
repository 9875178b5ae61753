//! "Destroy leaves nothing behind", checked in every service a stack can touch rather than in the
//! one a test happens to think of: lists what the emulator still holds, defaults excepted.

use aws_config::SdkConfig;

/// Every object left in the emulator behind `conf`, as "service: kind id" lines; the objects AWS
/// (and moto) create by themselves — the default VPC and its parts, `default.*` parameter groups,
/// AWS managed policies and keys — are not counted.
pub async fn leftovers(conf: &SdkConfig) -> Vec<String> {
    let mut left = vec![];
    let mut add = |service: &str, kind: &str, id: Option<&str>| {
        left.push(format!("{service}: {kind} {}", id.unwrap_or("?")));
    };

    let ec2 = aws_sdk_ec2::Client::new(conf);
    let vpcs = ec2.describe_vpcs().send().await.expect("DescribeVpcs");
    let default_vpcs: Vec<String> = vpcs
        .vpcs()
        .iter()
        .filter(|v| v.is_default() == Some(true))
        .filter_map(|v| v.vpc_id().map(str::to_string))
        .collect();
    let is_default_vpc = |id: Option<&str>| id.is_some_and(|id| default_vpcs.iter().any(|d| d == id));
    for v in vpcs.vpcs().iter().filter(|v| v.is_default() != Some(true)) {
        add("ec2", "vpc", v.vpc_id());
    }
    for s in ec2.describe_subnets().send().await.expect("DescribeSubnets").subnets() {
        if !is_default_vpc(s.vpc_id()) {
            add("ec2", "subnet", s.subnet_id());
        }
    }
    for g in ec2.describe_security_groups().send().await.expect("DescribeSecurityGroups").security_groups() {
        if !is_default_vpc(g.vpc_id()) && g.group_name() != Some("default") {
            add("ec2", "security group", g.group_id());
        }
    }
    for t in ec2.describe_route_tables().send().await.expect("DescribeRouteTables").route_tables() {
        if !is_default_vpc(t.vpc_id()) {
            add("ec2", "route table", t.route_table_id());
        }
    }
    for g in ec2.describe_internet_gateways().send().await.expect("DescribeInternetGateways").internet_gateways() {
        if !g.attachments().iter().any(|a| is_default_vpc(a.vpc_id())) {
            add("ec2", "internet gateway", g.internet_gateway_id());
        }
    }
    for n in ec2.describe_nat_gateways().send().await.expect("DescribeNatGateways").nat_gateways() {
        if n.state().is_none_or(|s| s.as_str() != "deleted") {
            add("ec2", "NAT gateway", n.nat_gateway_id());
        }
    }
    for a in ec2.describe_addresses().send().await.expect("DescribeAddresses").addresses() {
        add("ec2", "elastic IP", a.allocation_id());
    }

    let elb = aws_sdk_elasticloadbalancingv2::Client::new(conf);
    for l in elb.describe_load_balancers().send().await.expect("DescribeLoadBalancers").load_balancers() {
        add("elbv2", "load balancer", l.load_balancer_name());
    }
    for t in elb.describe_target_groups().send().await.expect("DescribeTargetGroups").target_groups() {
        add("elbv2", "target group", t.target_group_name());
    }

    let ecs = aws_sdk_ecs::Client::new(conf);
    let clusters = ecs.list_clusters().send().await.expect("ListClusters");
    if !clusters.cluster_arns().is_empty() {
        let d = ecs
            .describe_clusters()
            .set_clusters(Some(clusters.cluster_arns().to_vec()))
            .send()
            .await
            .expect("DescribeClusters");
        for c in d.clusters().iter().filter(|c| c.status() == Some("ACTIVE")) {
            add("ecs", "cluster", c.cluster_name());
        }
    }
    let defs = ecs
        .list_task_definitions()
        .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
        .send()
        .await
        .expect("ListTaskDefinitions");
    for d in defs.task_definition_arns() {
        add("ecs", "task definition", Some(d));
    }

    let ecr = aws_sdk_ecr::Client::new(conf);
    for r in ecr.describe_repositories().send().await.expect("DescribeRepositories").repositories() {
        add("ecr", "repository", r.repository_name());
    }

    let iam = aws_sdk_iam::Client::new(conf);
    for r in iam.list_roles().send().await.expect("ListRoles").roles() {
        if !r.path().starts_with("/aws-service-role/") {
            add("iam", "role", Some(r.role_name()));
        }
    }
    let local =
        iam.list_policies().scope(aws_sdk_iam::types::PolicyScopeType::Local).send().await.expect("ListPolicies");
    for p in local.policies() {
        add("iam", "policy", p.policy_name());
    }
    for p in iam.list_instance_profiles().send().await.expect("ListInstanceProfiles").instance_profiles() {
        add("iam", "instance profile", Some(p.instance_profile_name()));
    }
    let oidc = iam.list_open_id_connect_providers().send().await.expect("ListOpenIDConnectProviders");
    for p in oidc.open_id_connect_provider_list() {
        add("iam", "OIDC provider", p.arn());
    }

    let logs = aws_sdk_cloudwatchlogs::Client::new(conf);
    for g in logs.describe_log_groups().send().await.expect("DescribeLogGroups").log_groups() {
        add("logs", "log group", g.log_group_name());
    }

    let rds = aws_sdk_rds::Client::new(conf);
    for i in rds.describe_db_instances().send().await.expect("DescribeDBInstances").db_instances() {
        add("rds", "instance", i.db_instance_identifier());
    }
    for c in rds.describe_db_clusters().send().await.expect("DescribeDBClusters").db_clusters() {
        add("rds", "cluster", c.db_cluster_identifier());
    }
    for g in rds.describe_db_subnet_groups().send().await.expect("DescribeDBSubnetGroups").db_subnet_groups() {
        if g.db_subnet_group_name() != Some("default") {
            add("rds", "subnet group", g.db_subnet_group_name());
        }
    }
    for g in rds.describe_db_parameter_groups().send().await.expect("DescribeDBParameterGroups").db_parameter_groups() {
        if !g.db_parameter_group_name().is_some_and(|n| n.starts_with("default.")) {
            add("rds", "parameter group", g.db_parameter_group_name());
        }
    }
    let cluster_groups =
        rds.describe_db_cluster_parameter_groups().send().await.expect("DescribeDBClusterParameterGroups");
    for g in cluster_groups.db_cluster_parameter_groups() {
        if !g.db_cluster_parameter_group_name().is_some_and(|n| n.starts_with("default.")) {
            add("rds", "cluster parameter group", g.db_cluster_parameter_group_name());
        }
    }

    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(conf).force_path_style(true).build());
    for b in s3.list_buckets().send().await.expect("ListBuckets").buckets() {
        add("s3", "bucket", b.name());
    }

    let cf = aws_sdk_cloudfront::Client::new(conf);
    let dists = cf.list_distributions().send().await.expect("ListDistributions");
    for d in dists.distribution_list().map(|l| l.items()).unwrap_or_default() {
        add("cloudfront", "distribution", Some(d.id()));
    }
    match cf.list_cloud_front_origin_access_identities().send().await {
        Ok(oais) => {
            for o in oais.cloud_front_origin_access_identity_list().map(|l| l.items()).unwrap_or_default() {
                add("cloudfront", "origin access identity", Some(o.id()));
            }
        }
        // moto 5.2.5 has no such operation (it answers 404): nothing can have been made there
        // without the CloudFront emulator, which answers it.
        Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 404) => {}
        Err(e) => panic!("ListCloudFrontOriginAccessIdentities: {e:?}"),
    }

    let r53 = aws_sdk_route53::Client::new(conf);
    for z in r53.list_hosted_zones().send().await.expect("ListHostedZones").hosted_zones() {
        add("route53", "hosted zone", Some(z.name()));
    }

    let acm = aws_sdk_acm::Client::new(conf);
    let certs = acm.list_certificates().send().await.expect("ListCertificates");
    for c in certs.certificate_summary_list() {
        add("acm", "certificate", c.domain_name());
    }

    let sm = aws_sdk_secretsmanager::Client::new(conf);
    for s in sm.list_secrets().send().await.expect("ListSecrets").secret_list() {
        if s.deleted_date().is_none() {
            add("secretsmanager", "secret", s.name());
        }
    }

    let efs = aws_sdk_efs::Client::new(conf);
    for f in efs.describe_file_systems().send().await.expect("DescribeFileSystems").file_systems() {
        add("efs", "file system", Some(f.file_system_id()));
    }

    let sns = aws_sdk_sns::Client::new(conf);
    for t in sns.list_topics().send().await.expect("ListTopics").topics() {
        add("sns", "topic", t.topic_arn());
    }

    let cw = aws_sdk_cloudwatch::Client::new(conf);
    for a in cw.describe_alarms().send().await.expect("DescribeAlarms").metric_alarms() {
        add("cloudwatch", "alarm", a.alarm_name());
    }

    let ssm = aws_sdk_ssm::Client::new(conf);
    for p in ssm.describe_parameters().send().await.expect("DescribeParameters").parameters() {
        add("ssm", "parameter", p.name());
    }

    let dynamodb = aws_sdk_dynamodb::Client::new(conf);
    for t in dynamodb.list_tables().send().await.expect("ListTables").table_names() {
        add("dynamodb", "table", Some(t));
    }

    let kms = aws_sdk_kms::Client::new(conf);
    // The default keys behind `alias/aws/<service>` (a secret or a volume encrypted without a
    // key of its own) are AWS managed; moto creates them on first use but reports them as
    // CUSTOMER keys, so they are told apart by their alias.
    let aliases = kms.list_aliases().send().await.expect("ListAliases");
    let aws_managed: Vec<&str> = aliases
        .aliases()
        .iter()
        .filter(|a| a.alias_name().is_some_and(|n| n.starts_with("alias/aws/")))
        .filter_map(|a| a.target_key_id())
        .collect();
    for k in kms.list_keys().send().await.expect("ListKeys").keys() {
        let Some(id) = k.key_id() else { continue };
        if aws_managed.contains(&id) {
            continue;
        }
        let d = kms.describe_key().key_id(id).send().await.expect("DescribeKey");
        let Some(m) = d.key_metadata() else { continue };
        let customer = m.key_manager().is_some_and(|m| m.as_str() == "CUSTOMER");
        let live = m.key_state().is_some_and(|s| s.as_str() != "PendingDeletion");
        if customer && live {
            add("kms", "key", Some(id));
        }
    }

    let aas = aws_sdk_applicationautoscaling::Client::new(conf);
    for ns in ["ecs", "rds"] {
        let targets =
            aas.describe_scalable_targets().service_namespace(ns.into()).send().await.expect("DescribeScalableTargets");
        for t in targets.scalable_targets() {
            add("application-autoscaling", "scalable target", Some(t.resource_id()));
        }
    }
    left
}
