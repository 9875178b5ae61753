//! Unit tests: each priced type, schedules, missing prices, unknown values.

use super::*;
use provision_core::Value;

/// A table with round prices, so that every figure below is easy to check by hand.
fn table() -> PriceTable {
    PriceTable::parse(
        r#"{"as_of":"2026-01-01","currency":"USD","hours_per_month":730,
        "sources":{"t":"test"},
        "global":{"route53_hosted_zone_month":{"usd":0.5,"source":"t"}},
        "regions":{"r-1":{
          "nat_gateway_hour":{"usd":0.05,"source":"t"},
          "nat_gateway_gb":{"usd":0.05,"source":"t"},
          "public_ipv4_hour":{"usd":0.005,"source":"t"},
          "alb_hour":{"usd":0.02,"source":"t"},
          "alb_lcu_hour":{"usd":0.01,"source":"t"},
          "fargate_vcpu_hour":{"usd":0.04,"source":"t"},
          "fargate_gb_hour":{"usd":0.004,"source":"t"},
          "rds_postgres_hour:db.t4g.small":{"usd":0.03,"source":"t"},
          "rds_postgres_multi_az_hour:db.t4g.small":{"usd":0.06,"source":"t"},
          "rds_storage_gb_month:gp3":{"usd":0.1,"source":"t"},
          "rds_storage_multi_az_gb_month:gp3":{"usd":0.2,"source":"t"},
          "aurora_postgresql_hour:db.t4g.medium":{"usd":0.09,"source":"t"},
          "aurora_storage_gb_month":{"usd":0.1,"source":"t"},
          "aurora_io_million":{"usd":0.2,"source":"t"},
          "efs_standard_gb_month":{"usd":0.3,"source":"t"},
          "secretsmanager_secret_month":{"usd":0.4,"source":"t"},
          "kms_key_month":{"usd":1,"source":"t"},
          "cloudwatch_alarm_month":{"usd":0.1,"source":"t"},
          "cloudwatch_logs_ingestion_gb":{"usd":0.5,"source":"t"}
        }}}"#,
    )
    .expect("test table")
}

fn res(address: &str, layer: Layer, attrs: &[(&str, Value)]) -> Resource<'static> {
    let block = match address.find('[') {
        Some(i) => address[..i].to_string(),
        None => address.to_string(),
    };
    Resource {
        address: address.into(),
        type_name: address.split('.').next().unwrap_or_default().into(),
        block,
        layer,
        region: Some("r-1".into()),
        attrs: std::borrow::Cow::Owned(attrs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()),
        depends_on: vec![],
    }
}

fn s(v: &str) -> Value {
    Value::String(v.into())
}

fn n(v: f64) -> Value {
    Value::Number(v)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

#[test]
fn nat_gateway_and_its_eip_are_hourly_runtime_items() {
    let e = estimate(
        &[res("aws_nat_gateway.main", Layer::Runtime, &[]), res("aws_eip.nat", Layer::Runtime, &[])],
        &table(),
        None,
    );
    // 730 × 0.05 = 36.5; 730 × 0.005 = 3.65.
    assert!(close(e.lines[0].monthly, 36.5), "{:?}", e.lines[0]);
    assert!(close(e.lines[1].monthly, 3.65));
    assert!(close(e.runtime, 40.15) && close(e.base, 0.0) && e.incomplete.is_empty());
    let gb = &e.lines[0].items[1];
    assert_eq!((gb.quantity, gb.unit_price), (0.0, Some(0.05)));
    assert!(gb.assumption.as_deref().is_some_and(|a| a.contains("0 GB")));
}

#[test]
fn an_internet_facing_alb_pays_one_lcu_and_an_address_per_subnet() {
    let subnets = Value::List(vec![s("subnet-a"), s("subnet-b")]);
    let e = estimate(&[res("aws_lb.web", Layer::Runtime, &[("subnets", subnets.clone())])], &table(), None);
    // 730 × 0.02 + 730 × 1 × 0.01 + 730 × 2 × 0.005 = 14.6 + 7.3 + 7.3.
    assert!(close(e.total, 29.2), "{}", e.total);
    let internal = estimate(
        &[res("aws_lb.web", Layer::Runtime, &[("subnets", subnets), ("internal", Value::Bool(true))])],
        &table(),
        None,
    );
    assert!(close(internal.total, 21.9));
    // Subnets unknown until apply: two addresses assumed (the fewest an ALB takes), and said.
    let unknown = estimate(&[res("aws_lb.web", Layer::Runtime, &[("subnets", Value::Unknown)])], &table(), None);
    assert!(unknown.incomplete.is_empty());
    assert!(close(unknown.total, 29.2));
    assert!(unknown.lines[0].items[2].assumption.as_deref().is_some_and(|a| a.contains("2 are assumed")));
    // ... or the instances of the one subnet block it refers to.
    let mut lb = res("aws_lb.web", Layer::Runtime, &[("subnets", Value::Unknown)]);
    lb.depends_on = vec!["aws_subnet.public".into()];
    let subnets = (0..3).map(|i| res(&format!("aws_subnet.public[{i}]"), Layer::Base, &[]));
    let three = estimate(&std::iter::once(lb).chain(subnets).collect::<Vec<_>>(), &table(), None);
    // 14.6 + 7.3 + 3 × 730 × 0.005 = 32.85.
    assert!(close(three.total, 32.85), "{}", three.total);
    assert!(three.lines[0].items[2].assumption.as_deref().is_some_and(|a| a.contains("the 3 of aws_subnet.public")));
    let nlb = estimate(&[res("aws_lb.net", Layer::Runtime, &[("load_balancer_type", s("network"))])], &table(), None);
    assert!(nlb.lines[0].notes[0].contains("no price in the table for a network load balancer"));
}

fn service_and_task(extra: &[(&str, Value)]) -> Vec<Resource<'static>> {
    let mut task = res("aws_ecs_task_definition.app", Layer::Runtime, &[("cpu", s("512")), ("memory", s("1024"))]);
    task.attrs.to_mut().insert("family".into(), s("app"));
    let mut attrs = vec![("launch_type", s("FARGATE")), ("desired_count", n(2.0)), ("name", s("app"))];
    attrs.extend(extra.iter().cloned());
    let mut svc = res("aws_ecs_service.app", Layer::Runtime, &attrs);
    svc.attrs.to_mut().insert("task_definition".into(), Value::Unknown);
    svc.depends_on = vec!["aws_ecs_task_definition.app".into()];
    vec![task, svc]
}

#[test]
fn a_fargate_service_is_priced_from_its_task_definition_times_desired_count() {
    let e = estimate(&service_and_task(&[]), &table(), None);
    let svc = &e.lines[1];
    // 2 tasks × 0.5 vCPU × 730 h × 0.04 = 29.2; 2 × 1 GB × 730 × 0.004 = 5.84.
    assert!(close(svc.monthly, 35.04), "{svc:?}");
    assert!(e.lines[0].free, "the task definition itself is free");
}

#[test]
fn with_autoscaling_the_service_is_priced_at_min_capacity() {
    let mut r = service_and_task(&[]);
    let mut target = res(
        "aws_appautoscaling_target.app",
        Layer::Runtime,
        &[("service_namespace", s("ecs")), ("min_capacity", n(1.0)), ("max_capacity", n(4.0))],
    );
    target.depends_on = vec!["aws_ecs_service.app".into()];
    r.push(target);
    let e = estimate(&r, &table(), None);
    assert!(close(e.lines[1].monthly, 17.52), "{:?}", e.lines[1]);
    assert!(e.lines[1].notes[0].contains("min_capacity, 1 task(s) (it may scale up to 4)"));
}

#[test]
fn an_unknown_desired_count_is_said_and_not_priced() {
    let e = estimate(&service_and_task(&[("desired_count", Value::Unknown)]), &table(), None);
    assert_eq!(e.incomplete, vec!["aws_ecs_service.app".to_string()]);
    assert!(e.lines[1].notes[0].contains("desired_count is unknown until apply"));
    assert!(close(e.total, 0.0));
}

#[test]
fn rds_postgres_single_and_multi_az_with_storage() {
    let single = [
        ("engine", s("postgres")),
        ("instance_class", s("db.t4g.small")),
        ("allocated_storage", n(20.0)),
        ("storage_type", s("gp3")),
    ];
    let e = estimate(&[res("aws_db_instance.db", Layer::Base, &single)], &table(), None);
    // 730 × 0.03 + 20 × 0.1 = 21.9 + 2.
    assert!(close(e.base, 23.9), "{}", e.base);
    let mut multi = single.to_vec();
    multi.push(("multi_az", Value::Bool(true)));
    let e = estimate(&[res("aws_db_instance.db", Layer::Base, &multi)], &table(), None);
    // 730 × 0.06 + 20 × 0.2 = 43.8 + 4.
    assert!(close(e.base, 47.8), "{}", e.base);
}

#[test]
fn a_missing_price_is_named_and_makes_the_estimate_incomplete() {
    let attrs = [
        ("engine", s("postgres")),
        ("instance_class", s("db.x9.huge")),
        ("allocated_storage", n(20.0)),
        ("storage_type", s("gp3")),
    ];
    let e = estimate(&[res("aws_db_instance.db", Layer::Base, &attrs)], &table(), None);
    let item = &e.lines[0].items[0];
    assert_eq!(item.missing.as_deref(), Some("no price in the table for db.x9.huge (PostgreSQL, Single-AZ) in r-1"));
    assert_eq!(item.monthly, 0.0);
    assert_eq!(e.incomplete, vec!["aws_db_instance.db".to_string()]);
    assert!(close(e.base, 2.0), "storage still priced");
    assert!(summary(&e).contains("Incomplete: 1 resource(s) without a price"));
    assert!(breakdown(&e).contains("no price in the table for db.x9.huge"));

    let mut elsewhere = res("aws_nat_gateway.main", Layer::Runtime, &[]);
    elsewhere.region = Some("mars-1".into());
    let e = estimate(&[elsewhere], &table(), None);
    assert_eq!(e.lines[0].items[0].missing.as_deref(), Some("no price in the table for NAT gateway in mars-1"));
    assert!(!e.incomplete.is_empty());
}

#[test]
fn an_unknown_region_or_type_is_never_a_silent_zero() {
    let mut r = res("aws_nat_gateway.main", Layer::Runtime, &[]);
    r.region = None;
    let e = estimate(&[r, res("aws_vpc_endpoint.s3", Layer::Base, &[])], &table(), None);
    assert_eq!(e.incomplete.len(), 2);
    assert!(e.lines[1].notes[0].contains("no price rule for aws_vpc_endpoint"));
}

#[test]
fn aurora_cluster_and_instance() {
    let e = estimate(
        &[
            res("aws_rds_cluster.db", Layer::Base, &[("engine", s("aurora-postgresql"))]),
            res(
                "aws_rds_cluster_instance.db[0]",
                Layer::Base,
                &[("engine", s("aurora-postgresql")), ("instance_class", s("db.t4g.medium"))],
            ),
        ],
        &table(),
        None,
    );
    // 730 × 0.09 = 65.7; storage and I/O assumed 0.
    assert!(close(e.base, 65.7), "{}", e.base);
    assert!(e.lines[0].items.iter().all(|i| i.quantity == 0.0 && i.assumption.is_some()));
}

#[test]
fn monthly_items_and_usage_types() {
    let e = estimate(
        &[
            res("aws_secretsmanager_secret.db", Layer::Base, &[]),
            res("aws_kms_key.db", Layer::Base, &[]),
            res("aws_cloudwatch_metric_alarm.cpu", Layer::Base, &[]),
            res("aws_cloudwatch_log_group.app", Layer::Base, &[]),
            res("aws_efs_file_system.data", Layer::Base, &[]),
            res("aws_route53_zone.main", Layer::Base, &[]),
            res("aws_s3_bucket.assets", Layer::Base, &[]),
            res("aws_vpc.main", Layer::Base, &[]),
        ],
        &table(),
        None,
    );
    // 0.4 + 1 + 0.1 + 0 + 0 + 0.5.
    assert!(close(e.base, 2.0), "{}", e.base);
    assert!(e.incomplete.is_empty(), "{:?}", e.incomplete);
    assert!(e.lines[6].notes[0].contains("usage-based"));
    assert!(e.lines[7].free);
    assert!(e.lines.iter().all(|l| l.items.iter().all(|i| !i.hourly)));
}

#[test]
fn a_schedule_saves_the_runtime_hourly_items_for_the_hours_off() {
    let mut r =
        vec![res("aws_nat_gateway.main", Layer::Runtime, &[]), res("aws_secretsmanager_secret.db", Layer::Base, &[])];
    r.extend(service_and_task(&[]));
    let schedule = Schedule::parse("weekdays 08:00-20:00").expect("schedule");
    let e = estimate(&r, &table(), Some(&schedule));
    let s = e.savings.as_ref().expect("savings");
    // Runtime per hour: NAT 0.05 + 2 × 0.5 × 0.04 + 2 × 1 × 0.004 = 0.098 $/h. On: 60 h a week ×
    // 730/168 = 260.714 h; off: 469.286 h → saved 0.098 × 469.286 = 45.99.
    assert!(close(s.runtime_per_hour, 0.098), "{}", s.runtime_per_hour);
    assert!(close(s.hours_off, 730.0 - 60.0 * 730.0 / 168.0));
    assert!(close(s.saved, 0.098 * (730.0 - 60.0 * 730.0 / 168.0)), "{}", s.saved);
    assert!(close(s.total, e.total - s.saved));
    assert!(breakdown(&e).contains("saves $45.99/month"), "{}", breakdown(&e));
}

#[test]
fn the_json_shape_names_layers_and_items() {
    let e = estimate(&[res("aws_nat_gateway.main", Layer::Runtime, &[])], &table(), None);
    let j = serde_json::to_value(&e).expect("json");
    assert_eq!(j["lines"][0]["layer"], "runtime");
    assert_eq!(j["lines"][0]["type"], "aws_nat_gateway");
    assert_eq!(j["lines"][0]["items"][0]["unit_price"], 0.05);
    assert_eq!(j["runtime"], 36.5);
}

#[test]
fn an_empty_layer_costs_zero_not_minus_zero() {
    let e = estimate(&[res("aws_vpc.main", Layer::Base, &[])], &table(), None);
    let j = serde_json::to_string(&e).expect("json");
    assert!(!j.contains("-0.0"), "{j}");
    assert!(summary(&e).starts_with("Estimated monthly cost: $0.00 (base $0.00, runtime $0.00)"));
}

/// One configuration priced with the shipped table in two regions: a NAT gateway and its EIP, an
/// internet-facing ALB in two subnets, a Fargate service of one 0.25 vCPU / 0.5 GB task, a
/// db.t4g.micro PostgreSQL with 20 GB of gp3, a secret, an alarm and a log group.
fn stack_in(region: &str) -> Vec<Resource<'static>> {
    let at = |mut r: Resource<'static>| {
        r.region = Some(region.into());
        r
    };
    let task = at(res(
        "aws_ecs_task_definition.app",
        Layer::Runtime,
        &[("cpu", s("256")), ("memory", s("512")), ("family", s("app"))],
    ));
    let mut svc = res(
        "aws_ecs_service.app",
        Layer::Runtime,
        &[
            ("launch_type", s("FARGATE")),
            ("desired_count", n(1.0)),
            ("name", s("app")),
            ("task_definition", Value::Unknown),
        ],
    );
    svc.depends_on = vec!["aws_ecs_task_definition.app".into()];
    let db = [
        ("engine", s("postgres")),
        ("instance_class", s("db.t4g.micro")),
        ("allocated_storage", n(20.0)),
        ("storage_type", s("gp3")),
    ];
    vec![
        at(res("aws_nat_gateway.main", Layer::Runtime, &[])),
        at(res("aws_eip.nat", Layer::Runtime, &[])),
        at(res("aws_lb.web", Layer::Runtime, &[("subnets", Value::List(vec![s("subnet-a"), s("subnet-b")]))])),
        task,
        at(svc),
        at(res("aws_db_instance.db", Layer::Base, &db)),
        at(res("aws_secretsmanager_secret.db", Layer::Base, &[])),
        at(res("aws_cloudwatch_metric_alarm.cpu", Layer::Base, &[])),
        at(res("aws_cloudwatch_log_group.app", Layer::Base, &[])),
    ]
}

#[test]
fn the_shipped_table_prices_one_stack_in_us_east_1_and_eu_west_1() {
    let table = PriceTable::embedded().expect("embedded table");
    let us = estimate(&stack_in("us-east-1"), &table, None);
    let by = |e: &Estimate, address: &str| e.lines.iter().find(|l| l.address == address).map_or(-1.0, |l| l.monthly);
    // us-east-1: NAT 730 × 0.045 = 32.85; EIP 730 × 0.005 = 3.65; ALB 730 × 0.0225 = 16.425, one
    // LCU 730 × 0.008 = 5.84, two addresses 2 × 730 × 0.005 = 7.30 (29.565); Fargate 0.25 × 730 ×
    // 0.04048 = 7.3876 and 0.5 × 730 × 0.004445 = 1.622425 (9.010025); db.t4g.micro 730 × 0.016 =
    // 11.68 and 20 GB × 0.115 = 2.30 (13.98); secret 0.40; alarm 0.10; log ingestion 0 GB.
    assert!(close(by(&us, "aws_nat_gateway.main"), 32.85));
    assert!(close(by(&us, "aws_lb.web"), 29.565), "{}", by(&us, "aws_lb.web"));
    assert!(close(by(&us, "aws_ecs_service.app"), 9.010025), "{}", by(&us, "aws_ecs_service.app"));
    assert!(close(by(&us, "aws_db_instance.db"), 13.98));
    assert!(close(us.runtime, 32.85 + 3.65 + 29.565 + 9.010025), "{}", us.runtime);
    assert!(close(us.base, 13.98 + 0.4 + 0.1), "{}", us.base);
    assert!(close(us.total, 89.555025), "{}", us.total);
    assert!(us.incomplete.is_empty(), "{:?}", us.incomplete);

    // eu-west-1: the table has Fargate, public IPv4 addresses, secrets, alarms and log ingestion
    // (AWS's eu-west-1 offer files); the NAT gateway, the ALB's hours and LCUs and the database
    // are missing there and are said to be, never taken from us-east-1.
    let eu = estimate(&stack_in("eu-west-1"), &table, None);
    assert!(close(by(&eu, "aws_eip.nat"), 3.65));
    // The ALB: only its two addresses, 2 × 730 × 0.005 = 7.30.
    assert!(close(by(&eu, "aws_lb.web"), 7.3), "{}", by(&eu, "aws_lb.web"));
    assert!(close(by(&eu, "aws_ecs_service.app"), 9.010025));
    assert!(close(by(&eu, "aws_nat_gateway.main"), 0.0));
    assert!(close(by(&eu, "aws_db_instance.db"), 0.0));
    assert!(close(eu.total, 3.65 + 7.3 + 9.010025 + 0.4 + 0.1), "{}", eu.total);
    assert_eq!(eu.incomplete, ["aws_nat_gateway.main", "aws_lb.web", "aws_db_instance.db"]);
    let text = breakdown(&eu);
    for missing in [
        "no price in the table for NAT gateway in eu-west-1",
        "no price in the table for Application Load Balancer in eu-west-1",
        "no price in the table for db.t4g.micro (PostgreSQL, Single-AZ) in eu-west-1",
    ] {
        assert!(text.contains(missing), "{missing}\n{text}");
    }
    // Log ingestion costs more in Ireland: $0.57 a GB against $0.50, shown for 0 GB assumed.
    let ingestion = |e: &Estimate| {
        e.lines.iter().find(|l| l.address == "aws_cloudwatch_log_group.app").map(|l| l.items[0].unit_price)
    };
    assert_eq!((ingestion(&us), ingestion(&eu)), (Some(Some(0.5)), Some(Some(0.57))));
    // Each eu-west-1 price says where and when it was read; the JSON carries both.
    let fargate = &eu.lines.iter().find(|l| l.address == "aws_ecs_service.app").expect("service").items[0];
    assert_eq!(fargate.source.as_deref(), Some("aws-offer-ecs-eu-west-1-20260911124425"));
    assert_eq!(fargate.as_of.as_deref(), Some("2026-10-04"));
    let j = serde_json::to_value(&eu).expect("json");
    assert!(j.to_string().contains("\"as_of\":\"2026-10-04\""));

    // The same NAT gateway and ALB elsewhere, at each region's own rate: eu-west-2 730 × 0.05 =
    // 36.50 and ALB 730 × 0.02646 + 730 × 0.0084 + 2 × 730 × 0.005 = 19.3158 + 6.132 + 7.30 =
    // 32.7478; ap-southeast-1 730 × 0.059 = 43.07 and 730 × 0.0252 + 730 × 0.008 + 7.30 = 31.536.
    for (region, nat, alb) in [("eu-west-2", 36.5, 32.7478), ("ap-southeast-1", 43.07, 31.536)] {
        let e = estimate(&stack_in(region), &table, None);
        assert!(close(by(&e, "aws_nat_gateway.main"), nat), "{region}: {}", by(&e, "aws_nat_gateway.main"));
        assert!(close(by(&e, "aws_lb.web"), alb), "{region}: {}", by(&e, "aws_lb.web"));
    }
}

#[test]
fn a_region_the_shipped_table_lacks_is_an_incomplete_estimate_naming_it() {
    let table = PriceTable::embedded().expect("embedded table");
    assert!(!table.has_region("ap-southeast-2"));
    let e = estimate(&stack_in("ap-southeast-2"), &table, None);
    // Nothing regional is priced: every priced resource is incomplete, and says the region.
    assert!(close(e.total, 0.0), "{}", e.total);
    assert_eq!(e.incomplete.len(), 7, "{:?}", e.incomplete);
    let text = breakdown(&e);
    assert!(text.contains("no price in the table for NAT gateway in ap-southeast-2"), "{text}");
    assert!(text.contains("no price in the table for secret in ap-southeast-2"), "{text}");
    assert!(summary(&e).contains("Incomplete: 7 resource(s) without a price"), "{}", summary(&e));
}
