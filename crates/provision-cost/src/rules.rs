//! How each resource type is priced: which items it bills, read from which attributes, and what
//! is assumed where the bill depends on usage. Types without a rule are said to be unpriced.

use crate::{Item, Line, PriceTable, Resource};
use provision_core::Value;

/// Types that cost nothing by themselves (what they create is priced elsewhere, or is free).
const FREE: &[&str] = &[
    "aws_vpc",
    "aws_subnet",
    "aws_internet_gateway",
    "aws_egress_only_internet_gateway",
    "aws_route_table",
    "aws_route",
    "aws_route_table_association",
    "aws_main_route_table_association",
    "aws_security_group",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
    "aws_network_acl",
    "aws_network_acl_rule",
    "aws_ecs_cluster",
    "aws_ecs_cluster_capacity_providers",
    "aws_ecs_task_definition",
    "aws_lb_target_group",
    "aws_alb_target_group",
    "aws_lb_listener",
    "aws_alb_listener",
    "aws_lb_listener_rule",
    "aws_alb_listener_rule",
    "aws_lb_target_group_attachment",
    "aws_lb_listener_certificate",
    "aws_acm_certificate_validation",
    "aws_db_subnet_group",
    "aws_db_parameter_group",
    "aws_db_option_group",
    "aws_rds_cluster_parameter_group",
    "aws_kms_alias",
    "aws_secretsmanager_secret_version",
    "aws_secretsmanager_secret_policy",
    "aws_appautoscaling_target",
    "aws_appautoscaling_policy",
    "aws_appautoscaling_scheduled_action",
    "aws_ecr_lifecycle_policy",
    "aws_ecr_repository_policy",
    "aws_cloudfront_origin_access_identity",
    "aws_cloudfront_origin_access_control",
    "aws_cloudfront_cache_policy",
    "aws_cloudfront_origin_request_policy",
    "aws_cloudfront_response_headers_policy",
    "aws_sns_topic_subscription",
    "aws_sns_topic_policy",
    "aws_efs_mount_target",
    "aws_efs_access_point",
    "aws_efs_backup_policy",
    "aws_efs_file_system_policy",
    "aws_route53_record",
    "aws_cloudwatch_log_resource_policy",
];

/// Prefixes of free type families.
const FREE_PREFIXES: &[&str] = &["aws_iam_", "aws_s3_bucket_", "aws_default_", "random_"];

/// Types billed only for what they are used for: $0 under the stated assumption.
const USAGE_ONLY: &[(&str, &str)] = &[
    ("aws_s3_bucket", "storage, requests and data transfer are usage-based: 0 GB stored assumed"),
    ("aws_s3_object", "billed as storage of its bucket: usage-based, not priced here"),
    ("aws_ecr_repository", "image storage is usage-based: 0 GB assumed"),
    ("aws_cloudfront_distribution", "requests and data transfer out are usage-based: none assumed"),
    ("aws_cloudfront_function", "invocations are usage-based: none assumed"),
    ("aws_sns_topic", "publishes and deliveries are usage-based: none assumed"),
    ("aws_sqs_queue", "requests are usage-based: none assumed"),
];

pub(crate) fn price(r: &Resource<'_>, all: &[Resource<'_>], table: &PriceTable) -> Line {
    let mut line = Line {
        address: r.address.clone(),
        type_name: r.type_name.clone(),
        layer: r.layer,
        region: r.region.clone(),
        items: vec![],
        notes: vec![],
        free: false,
        incomplete: false,
        monthly: 0.0,
    };
    let t = r.type_name.as_str();
    if FREE.contains(&t) || FREE_PREFIXES.iter().any(|p| t.starts_with(p)) {
        line.free = true;
        return line;
    }
    if let Some((_, why)) = USAGE_ONLY.iter().find(|(name, _)| *name == t) {
        line.notes.push((*why).to_string());
        return line;
    }
    let region = match (&r.region, t) {
        (_, "aws_route53_zone") => String::new(),
        (Some(region), _) => region.clone(),
        (None, _) => {
            line.notes.push("its provider's region is not known offline: not priced".into());
            line.incomplete = true;
            return line;
        }
    };
    let mut p = Pricer { table, region: &region, hours: table.hours_per_month, line: &mut line };
    match t {
        "aws_nat_gateway" => nat_gateway(r, &mut p),
        "aws_eip" => p.hourly(
            "public IPv4 address",
            "public_ipv4_hour",
            "address",
            1.0,
            Some("an Elastic IP is billed the same attached or not"),
        ),
        "aws_lb" | "aws_alb" => load_balancer(r, all, &mut p),
        "aws_ecs_service" => ecs_service(r, all, &mut p),
        "aws_db_instance" => db_instance(r, &mut p),
        "aws_rds_cluster" => rds_cluster(r, &mut p),
        "aws_rds_cluster_instance" => cluster_instance(r, &mut p),
        "aws_efs_file_system" => {
            p.usage("EFS Standard storage", "efs_standard_gb_month", "GB-month", "storage is usage-based: 0 GB assumed")
        }
        "aws_secretsmanager_secret" => p.monthly("secret", "secretsmanager_secret_month", "secret-month", 1.0, None),
        "aws_kms_key" => p.monthly("customer managed key", "kms_key_month", "key-month", 1.0, None),
        "aws_cloudwatch_metric_alarm" => {
            let metrics = r.attrs.get("metric_query").and_then(Value::as_seq).map_or(0, <[Value]>::len).max(1);
            p.monthly(
                "alarm metric (standard resolution)",
                "cloudwatch_alarm_month",
                "alarm-metric-month",
                metrics as f64,
                None,
            )
        }
        "aws_cloudwatch_log_group" => p.usage(
            "log ingestion",
            "cloudwatch_logs_ingestion_gb",
            "GB",
            "ingestion and storage are usage-based: 0 GB a month assumed",
        ),
        "aws_route53_zone" => {
            let price = table.global("route53_hosted_zone_month");
            p.item_with("hosted zone", price, "no price in the table for a hosted zone", "zone-month", 1.0, false, None)
        }
        "aws_dynamodb_table" => match text(&r.attrs, "billing_mode") {
            Known(mode) if mode == "PROVISIONED" => {
                p.unpriced("no price in the table for DynamoDB provisioned capacity")
            }
            _ => p.note("on-demand reads, writes and storage are usage-based: none assumed"),
        },
        "aws_ssm_parameter" => match text(&r.attrs, "tier") {
            Known(tier) if tier == "Advanced" || tier == "Intelligent-Tiering" => {
                p.unpriced("no price in the table for an advanced SSM parameter")
            }
            _ => p.line.free = true,
        },
        "aws_acm_certificate" => match r.attrs.get("certificate_authority_arn") {
            Some(v) if !v.is_null() => p.unpriced("no price in the table for a private CA certificate"),
            _ => p.line.free = true,
        },
        _ => p.unpriced(&format!("provision has no price rule for {t}")),
    }
    line.monthly = line.items.iter().map(|i| i.monthly).sum::<f64>() + 0.0;
    line.incomplete |= line.items.iter().any(|i| i.missing.is_some());
    line
}

/// Builds a line's items from the table.
struct Pricer<'a> {
    table: &'a PriceTable,
    region: &'a str,
    hours: f64,
    line: &'a mut Line,
}

impl Pricer<'_> {
    /// An item billed every hour the object exists, `count` at a time.
    fn hourly(&mut self, what: &str, key: &str, unit: &str, count: f64, assumption: Option<&str>) {
        self.hourly_as(what, what, key, unit, count, assumption);
    }

    /// [`Pricer::hourly`], naming the priced thing `label` when the table has no price for it.
    fn hourly_as(&mut self, what: &str, label: &str, key: &str, unit: &str, count: f64, assumption: Option<&str>) {
        let price = self.table.get(self.region, key);
        let missing = format!("no price in the table for {label} in {}", self.region);
        self.item_with(what, price, &missing, &format!("{unit}-hour"), count * self.hours, true, assumption);
    }

    /// An item billed per month, whatever the hours.
    fn monthly(&mut self, what: &str, key: &str, unit: &str, quantity: f64, assumption: Option<&str>) {
        let price = self.table.get(self.region, key);
        let missing = format!("no price in the table for {what} in {}", self.region);
        self.item_with(what, price, &missing, unit, quantity, false, assumption);
    }

    /// A usage-based item: quantity 0 under the stated assumption; the unit price is shown.
    fn usage(&mut self, what: &str, key: &str, unit: &str, assumption: &str) {
        self.monthly(what, key, unit, 0.0, Some(assumption));
    }

    #[allow(clippy::too_many_arguments)]
    fn item_with(
        &mut self,
        what: &str,
        price: Option<&crate::Price>,
        missing: &str,
        unit: &str,
        quantity: f64,
        hourly: bool,
        assumption: Option<&str>,
    ) {
        let mut assumption = assumption.map(str::to_string);
        // A usage assumption of nothing needs no price to be complete; say that it has none.
        let missing = match (price, quantity == 0.0) {
            (None, true) => {
                let m = missing.to_string();
                assumption = Some(assumption.map_or(m.clone(), |a| format!("{a} ({m})")));
                None
            }
            (None, false) => Some(missing.to_string()),
            (Some(_), _) => None,
        };
        self.line.items.push(Item {
            what: what.to_string(),
            quantity,
            unit: unit.to_string(),
            unit_price: price.map(|p| p.usd),
            monthly: price.map_or(0.0, |p| p.usd * quantity),
            hourly,
            assumption,
            missing,
            source: price.map(|p| p.source.clone()),
            as_of: price.and_then(|p| p.as_of.clone()),
        });
    }

    fn note(&mut self, note: &str) {
        self.line.notes.push(note.to_string());
    }

    /// Part of the resource's cost cannot be priced: said, and the line is incomplete.
    fn unpriced(&mut self, why: &str) {
        self.line.notes.push(why.to_string());
        self.line.incomplete = true;
    }
}

/// An attribute as the estimate can use it.
enum Read<T> {
    Known(T),
    Unknown,
    Absent,
}
use Read::{Absent, Known, Unknown};

fn text(attrs: &provision_core::Attrs, name: &str) -> Read<String> {
    match attrs.get(name) {
        None => Absent,
        Some(v) if v.is_unknown() => Unknown,
        Some(v) if v.is_null() => Absent,
        Some(v) => v.as_str().map_or(Unknown, |s| Known(s.to_string())),
    }
}

/// A number, also when written as a string (`cpu = "256"`).
fn number(attrs: &provision_core::Attrs, name: &str) -> Read<f64> {
    match attrs.get(name) {
        None => Absent,
        Some(v) if v.is_unknown() => Unknown,
        Some(v) if v.is_null() => Absent,
        Some(v) => match (v.as_number(), v.as_str()) {
            (Some(n), _) => Known(n),
            (None, Some(s)) => s.trim().parse().map_or(Unknown, Known),
            _ => Unknown,
        },
    }
}

fn boolean(attrs: &provision_core::Attrs, name: &str) -> Read<bool> {
    match attrs.get(name) {
        None => Absent,
        Some(v) if v.is_unknown() => Unknown,
        Some(v) if v.is_null() => Absent,
        Some(v) => v.as_bool().map_or(Unknown, Known),
    }
}

fn count_of(attrs: &provision_core::Attrs, name: &str) -> Read<usize> {
    match attrs.get(name) {
        None => Absent,
        Some(v) if v.is_unknown() => Unknown,
        Some(v) if v.is_null() => Absent,
        Some(v) => v.as_seq().map_or(Unknown, |s| Known(s.len())),
    }
}

fn nat_gateway(r: &Resource<'_>, p: &mut Pricer) {
    p.hourly("NAT gateway", "nat_gateway_hour", "gateway", 1.0, None);
    p.usage(
        "NAT gateway data processing",
        "nat_gateway_gb",
        "GB",
        "data processed is usage-based: 0 GB a month assumed",
    );
    match text(&r.attrs, "connectivity_type") {
        Known(c) if c == "private" => {}
        _ => p.note("its public address is priced on its aws_eip"),
    }
}

fn load_balancer(r: &Resource<'_>, all: &[Resource<'_>], p: &mut Pricer) {
    match text(&r.attrs, "load_balancer_type") {
        Absent => {}
        Known(t) if t == "application" => {}
        Known(t) => return p.unpriced(&format!("no price in the table for a {t} load balancer")),
        Unknown => return p.unpriced("load_balancer_type is unknown until apply: not priced"),
    }
    p.hourly("Application Load Balancer", "alb_hour", "load balancer", 1.0, None);
    p.hourly(
        "load balancer capacity units",
        "alb_lcu_hour",
        "LCU",
        1.0,
        Some("LCUs are usage-based: 1 LCU on average assumed"),
    );
    if matches!(boolean(&r.attrs, "internal"), Known(true)) {
        return;
    }
    let subnets = match (count_of(&r.attrs, "subnet_mapping"), count_of(&r.attrs, "subnets")) {
        (Known(n), _) if n > 0 => Known(n),
        (_, Known(n)) => Known(n),
        (Unknown, _) | (_, Unknown) => Unknown,
        _ => Absent,
    };
    match subnets {
        Known(n) => p.hourly(
            "public IPv4 address",
            "public_ipv4_hour",
            "address",
            n as f64,
            Some("internet-facing: one public IPv4 address per subnet (availability zone)"),
        ),
        Unknown => {
            // The subnets are created by this configuration: when it refers to one subnet block,
            // that block's instances are its subnets.
            let blocks: std::collections::BTreeSet<&str> = all
                .iter()
                .filter(|s| s.type_name == "aws_subnet" && r.depends_on.contains(&s.block))
                .map(|s| s.block.as_str())
                .collect();
            let (n, assumption) = match blocks.into_iter().collect::<Vec<_>>().as_slice() {
                [block] => {
                    let n = all.iter().filter(|s| s.block == *block).count();
                    (n, format!("internet-facing: one public IPv4 address per subnet; its subnets are unknown until apply: the {n} of {block}, which it refers to, are assumed"))
                }
                _ => (2, "internet-facing: one public IPv4 address per subnet; the subnets are unknown until apply, so 2 are assumed, the fewest an Application Load Balancer takes".to_string()),
            };
            p.hourly("public IPv4 address", "public_ipv4_hour", "address", n as f64, Some(&assumption));
        }
        Absent => p.unpriced("it names no subnets: its public IPv4 addresses are not priced"),
    }
}

fn ecs_service(r: &Resource<'_>, all: &[Resource<'_>], p: &mut Pricer) {
    let fargate = match text(&r.attrs, "launch_type") {
        Known(l) => l == "FARGATE",
        Unknown => return p.unpriced("launch_type is unknown until apply: not priced"),
        Absent => {
            let strategies = r.attrs.get("capacity_provider_strategy").and_then(Value::as_seq).unwrap_or(&[]);
            let names: Vec<&str> = strategies
                .iter()
                .filter_map(|s| s.as_map().and_then(|m| m.get("capacity_provider")).and_then(Value::as_str))
                .collect();
            if names.contains(&"FARGATE_SPOT") {
                return p.unpriced("no price in the table for Fargate Spot");
            }
            if names.is_empty() {
                return p.unpriced("no launch_type and no capacity_provider_strategy: it runs where the cluster's default strategy says, not priced");
            }
            names.iter().all(|n| *n == "FARGATE")
        }
    };
    if !fargate {
        return p.note("runs on EC2 instances (or your own servers), priced with them, not here");
    }
    let name = text(&r.attrs, "name");
    let target = all.iter().find(|t| {
        t.type_name == "aws_appautoscaling_target"
            && matches!(text(&t.attrs, "service_namespace"), Known(ref n) if n == "ecs")
            && (t.depends_on.contains(&r.block)
                || matches!((&name, text(&t.attrs, "resource_id")), (Known(n), Known(id)) if id.ends_with(&format!("/{n}"))))
    });
    let tasks = match target {
        Some(t) => match number(&t.attrs, "min_capacity") {
            Known(n) => {
                let max = match number(&t.attrs, "max_capacity") {
                    Known(m) => format!(" (it may scale up to {m})"),
                    _ => String::new(),
                };
                p.note(&format!("scaled by {}: priced at its min_capacity, {n} task(s){max}", t.address));
                n
            }
            _ => return p.unpriced(&format!("the min_capacity of {} is unknown until apply: not priced", t.address)),
        },
        None => match number(&r.attrs, "desired_count") {
            Known(n) => n,
            Absent => 0.0,
            Unknown => return p.unpriced("desired_count is unknown until apply: not priced"),
        },
    };
    let Some(task) = task_definition(r, all) else {
        return p.unpriced(
            "its task definition is not one of this configuration's aws_ecs_task_definition blocks: not priced",
        );
    };
    let (cpu, memory) = match (number(&task.attrs, "cpu"), number(&task.attrs, "memory")) {
        (Known(c), Known(m)) => (c / 1024.0, m / 1024.0),
        _ => return p.unpriced(&format!("the cpu and memory of {} are not known: not priced", task.address)),
    };
    let arch = task
        .attrs
        .get("runtime_platform")
        .and_then(Value::as_seq)
        .and_then(|s| s.first())
        .and_then(Value::as_map)
        .and_then(|m| m.get("cpu_architecture"))
        .and_then(Value::as_str)
        .unwrap_or("X86_64");
    let (vcpu_key, gb_key, label) = if arch == "ARM64" {
        ("fargate_arm_vcpu_hour", "fargate_arm_gb_hour", "Fargate ARM")
    } else {
        ("fargate_vcpu_hour", "fargate_gb_hour", "Fargate")
    };
    let per = format!("{tasks} task(s) of {cpu} vCPU and {memory} GB ({})", task.address);
    p.hourly_as(&format!("{label} vCPU, {per}"), &format!("{label} vCPU"), vcpu_key, "vCPU", tasks * cpu, None);
    p.hourly_as(&format!("{label} memory, {per}"), &format!("{label} memory"), gb_key, "GB", tasks * memory, None);
}

/// The task definition a service runs: the one its `task_definition` names (by ARN, family or
/// family:revision), or the only one it depends on.
fn task_definition<'a, 'b>(r: &Resource<'_>, all: &'a [Resource<'b>]) -> Option<&'a Resource<'b>> {
    let candidates: Vec<&Resource<'b>> =
        all.iter().filter(|t| t.type_name == "aws_ecs_task_definition" && r.depends_on.contains(&t.block)).collect();
    if let Known(wanted) = text(&r.attrs, "task_definition") {
        let named = candidates.iter().find(|t| {
            matches!(text(&t.attrs, "arn"), Known(ref a) if *a == wanted)
                || matches!(text(&t.attrs, "family"), Known(ref f) if *f == wanted || wanted.starts_with(&format!("{f}:")))
        });
        if let Some(t) = named {
            return Some(t);
        }
    }
    match candidates.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

fn db_instance(r: &Resource<'_>, p: &mut Pricer) {
    let multi_az = match boolean(&r.attrs, "multi_az") {
        Known(b) => b,
        Absent => false,
        Unknown => return p.unpriced("multi_az is unknown until apply: not priced"),
    };
    let (suffix, az) = if multi_az { ("_multi_az", ", Multi-AZ") } else { ("", ", Single-AZ") };
    match (text(&r.attrs, "engine"), text(&r.attrs, "instance_class")) {
        (Known(engine), Known(class)) if engine == "postgres" => {
            let what = format!("{class} instance, PostgreSQL{az}");
            let key = format!("rds_postgres{suffix}_hour:{class}");
            let price = p.table.get(p.region, &key);
            let missing = format!("no price in the table for {class} (PostgreSQL{az}) in {}", p.region);
            let hours = p.hours;
            p.item_with(&what, price, &missing, "instance-hour", hours, true, None);
        }
        (Known(engine), Known(_)) => p.unpriced(&format!("no price in the table for the {engine} engine")),
        _ => p.unpriced("engine or instance_class is unknown until apply: the instance is not priced"),
    }
    let storage_type = match text(&r.attrs, "storage_type") {
        Known(t) => t,
        Absent => "gp2".to_string(),
        Unknown => return p.unpriced("storage_type is unknown until apply: storage not priced"),
    };
    match number(&r.attrs, "allocated_storage") {
        Known(gb) => {
            let key = format!("rds_storage{suffix}_gb_month:{storage_type}");
            let price = p.table.get(p.region, &key);
            let missing = format!("no price in the table for {storage_type} storage{az} in {}", p.region);
            p.item_with(&format!("{storage_type} storage{az}"), price, &missing, "GB-month", gb, false, None);
            if let Known(max) = number(&r.attrs, "max_allocated_storage")
                && max > gb
            {
                p.note(&format!(
                    "storage autoscaling may grow it up to {max} GB: priced at allocated_storage, {gb} GB"
                ));
            }
        }
        Absent => p.unpriced("allocated_storage is not set: storage not priced"),
        Unknown => p.unpriced("allocated_storage is unknown until apply: storage not priced"),
    }
    if matches!(number(&r.attrs, "iops"), Known(n) if n > 0.0) && storage_type != "gp3" {
        p.unpriced("no price in the table for provisioned IOPS");
    }
}

fn rds_cluster(r: &Resource<'_>, p: &mut Pricer) {
    match text(&r.attrs, "engine") {
        Known(e) if e == "aurora-postgresql" => {}
        Known(e) => return p.unpriced(&format!("no price in the table for the {e} engine")),
        _ => return p.unpriced("engine is unknown until apply: not priced"),
    }
    if matches!(text(&r.attrs, "storage_type"), Known(ref t) if t == "aurora-iopt1") {
        return p.unpriced("no price in the table for Aurora I/O-Optimized");
    }
    p.usage("Aurora storage", "aurora_storage_gb_month", "GB-month", "storage is usage-based: 0 GB assumed");
    p.usage("Aurora I/O requests", "aurora_io_million", "million requests", "I/O is usage-based: none assumed");
    p.note("its instances are priced on their aws_rds_cluster_instance");
}

fn cluster_instance(r: &Resource<'_>, p: &mut Pricer) {
    match (text(&r.attrs, "engine"), text(&r.attrs, "instance_class")) {
        (Known(_), Known(class)) if class == "db.serverless" => {
            p.unpriced("no price in the table for Aurora Serverless v2 capacity")
        }
        (Known(engine), Known(class)) if engine == "aurora-postgresql" => {
            let key = format!("aurora_postgresql_hour:{class}");
            let price = p.table.get(p.region, &key);
            let missing = format!("no price in the table for {class} (Aurora PostgreSQL) in {}", p.region);
            let hours = p.hours;
            p.item_with(
                &format!("{class} instance, Aurora PostgreSQL"),
                price,
                &missing,
                "instance-hour",
                hours,
                true,
                None,
            );
        }
        (Known(engine), Known(_)) => p.unpriced(&format!("no price in the table for the {engine} engine")),
        _ => p.unpriced("engine or instance_class is unknown until apply: not priced"),
    }
}
