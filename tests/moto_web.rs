//! End to end against moto: the ELBv2, ACM and Route53 types through the CLI — an application load
//! balancer with two target groups, an HTTP listener redirecting to HTTPS, an HTTPS listener with
//! `/api/*` and `/*` rules, a certificate validated through a Route53 zone, an alias record to the
//! load balancer; in-place changes, drift, the nightly teardown of the runtime layer, crash
//! adoption, and the ordering traps moto does not show (emulated in the fault proxy).

mod support;

use aws_sdk_elasticloadbalancingv2::types::LoadBalancerAttribute;
use aws_sdk_route53::types::{Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType};
use provision_testkit::emulate_acm::CertificateInUse;
use provision_testkit::emulate_elbv2::Elbv2Traps;
use provision_testkit::faults::{FaultProxy, Rules};
use std::sync::Arc;
use std::time::Duration;
use support::{Stack, text};

/// moto issues a certificate this many seconds after it is requested.
const VALIDATION_WAIT: &str = "3";

/// The stack of the issue. The validation records are keyed by domain name as in the usual
/// Terraform idiom, but through a known key: provision plans a new certificate's
/// `domain_validation_options` as unknown, so `for_each` over it cannot be expanded before the
/// certificate exists (see `the_usual_for_each_idiom_plans_without_duplicates_once_the_certificate_exists`).
const STACK: &str = r#"
provider "aws" {}

data "aws_availability_zones" "available" {
  state = "available"
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "public" {
  count             = 2
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet("10.0.0.0/16", 8, count.index)
  availability_zone = data.aws_availability_zones.available.names[count.index]
}

resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id
}

resource "aws_security_group" "alb" {
  name   = "web-alb"
  vpc_id = aws_vpc.main.id
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_route53_zone" "main" {
  name          = "example.com"
  force_destroy = true
}

resource "aws_acm_certificate" "web" {
  domain_name               = "example.com"
  subject_alternative_names = ["*.example.com"]
  validation_method         = "DNS"
  tags                      = { Name = "web" }
}

resource "aws_route53_record" "validation" {
  for_each = {
    for dvo in aws_acm_certificate.web.domain_validation_options : dvo.domain_name => {
      name   = dvo.resource_record_name
      record = dvo.resource_record_value
      type   = dvo.resource_record_type
    }
  }
  allow_overwrite = true
  zone_id         = aws_route53_zone.main.zone_id
  name            = each.value.name
  type            = each.value.type
  ttl             = 60
  records         = [each.value.record]
}

resource "aws_acm_certificate_validation" "web" {
  certificate_arn         = aws_acm_certificate.web.arn
  validation_record_fqdns = [for r in aws_route53_record.validation : r.fqdn]
}

resource "aws_lb" "web" {
  name            = "web"
  subnets         = aws_subnet.public[*].id
  security_groups = [aws_security_group.alb.id]
  idle_timeout    = 120
  tags            = { Name = "web" }
}

resource "aws_lb_target_group" "api" {
  name_prefix          = "api-"
  port                 = 8000
  protocol             = "HTTP"
  vpc_id               = aws_vpc.main.id
  target_type          = "ip"
  deregistration_delay = "30"
  health_check {
    path    = "/health"
    matcher = "200-299"
  }
}

resource "aws_lb_target_group" "web" {
  name        = "web"
  port        = 80
  protocol    = "HTTP"
  vpc_id      = aws_vpc.main.id
  target_type = "ip"
  stickiness {
    type            = "lb_cookie"
    cookie_duration = 3600
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type = "redirect"
    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.web.arn
  port              = 443
  protocol          = "HTTPS"
  certificate_arn   = aws_acm_certificate_validation.web.certificate_arn
  default_action {
    type = "fixed-response"
    fixed_response {
      content_type = "text/plain"
      message_body = "not found"
      status_code  = "404"
    }
  }
}

resource "aws_lb_listener_rule" "api" {
  listener_arn = aws_lb_listener.https.arn
  priority     = 10
  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.api.arn
  }
  condition {
    path_pattern {
      values = ["/api/*"]
    }
  }
}

resource "aws_lb_listener_rule" "web" {
  listener_arn = aws_lb_listener.https.arn
  priority     = 20
  action {
    type = "forward"
    forward {
      target_group {
        arn    = aws_lb_target_group.web.arn
        weight = 100
      }
      target_group {
        arn    = aws_lb_target_group.api.arn
        weight = 0
      }
    }
  }
  condition {
    path_pattern {
      values = ["/*"]
    }
  }
}

resource "aws_route53_record" "www" {
  zone_id = aws_route53_zone.main.zone_id
  name    = "www"
  type    = "A"
  alias {
    name                   = aws_lb.web.dns_name
    zone_id                = aws_lb.web.zone_id
    evaluate_target_health = true
  }
}
"#;

const WEB_TYPES: &[&str] = &[
    "aws_lb",
    "aws_lb_target_group",
    "aws_lb_listener",
    "aws_lb_listener_rule",
    "aws_acm_certificate",
    "aws_acm_certificate_validation",
    "aws_route53_zone",
    "aws_route53_record",
];

fn stack() -> Stack {
    Stack::with_config_and_moto_env(STACK, &[("MOTO_ACM_VALIDATION_WAIT", VALIDATION_WAIT)])
}

/// The id recorded for `address`.
fn id_of(s: &Stack, address: &str) -> String {
    s.state()["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| r["address"] == address)
        .and_then(|r| r["id"].as_str())
        .unwrap_or_else(|| panic!("{address} is not in state"))
        .to_string()
}

/// How many calls of `operation` the `-v` output of a run reports (`Service:Operation=N`).
fn calls(stderr: &str, operation: &str) -> u64 {
    let needle = format!(":{operation}=");
    stderr
        .split_whitespace()
        .filter_map(|w| w.trim_matches('"').split_once(&needle).map(|(_, n)| n.trim_matches('"').to_string()))
        .filter_map(|n| n.parse::<u64>().ok())
        .sum()
}

fn edit(s: &Stack, from: &str, to: &str) {
    let main = s.path().join("main.tf");
    let config = std::fs::read_to_string(&main).expect("read");
    assert!(config.contains(from), "{from:?} is not in the configuration");
    std::fs::write(&main, config.replacen(from, to, 1)).expect("write");
}

struct Clients {
    elb: aws_sdk_elasticloadbalancingv2::Client,
    acm: aws_sdk_acm::Client,
    r53: aws_sdk_route53::Client,
}

async fn clients(s: &Stack) -> Clients {
    let cfg = s.sdk().await;
    Clients {
        elb: aws_sdk_elasticloadbalancingv2::Client::new(&cfg),
        acm: aws_sdk_acm::Client::new(&cfg),
        r53: aws_sdk_route53::Client::new(&cfg),
    }
}

/// What the emulator still holds: load balancers, target groups, certificates, zones.
async fn leftovers(c: &Clients) -> (usize, usize, usize, usize) {
    let lbs = c.elb.describe_load_balancers().send().await.expect("lbs").load_balancers().len();
    let tgs = c.elb.describe_target_groups().send().await.map(|r| r.target_groups().len()).unwrap_or(0);
    let certs = c.acm.list_certificates().send().await.expect("certs").certificate_summary_list().len();
    let zones = c.r53.list_hosted_zones().send().await.expect("zones").hosted_zones().len();
    (lbs, tgs, certs, zones)
}

#[tokio::test]
async fn web_stack_changes_in_place_and_survives_the_nightly_teardown() {
    let s = stack();
    let c = clients(&s).await;
    let applied = s.ok(&["apply", "--auto-approve"]);
    assert!(applied.contains("Apply complete!"), "{applied}");
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0), "a second plan changes nothing");
    s.assert_reads_match_schemas(WEB_TYPES);

    // What AWS holds is what was asked for.
    let lb_arn = id_of(&s, "aws_lb.web");
    let attributes = c.elb.describe_load_balancer_attributes().load_balancer_arn(&lb_arn).send().await.expect("attrs");
    assert!(
        attributes
            .attributes()
            .iter()
            .any(|a| a.key() == Some("idle_timeout.timeout_seconds") && a.value() == Some("120")),
        "{attributes:?}"
    );
    let zone = id_of(&s, "aws_route53_zone.main");
    let cert = id_of(&s, "aws_acm_certificate.web");

    // The batched reads: one describe per 20 load balancers, target groups, listeners of one load
    // balancer, rules of one listener; one record listing per zone.
    let out = s.run(&["-v", "plan"]);
    let err = text(&out.stderr);
    assert_eq!(calls(&err, "DescribeLoadBalancers"), 1, "{err}");
    assert_eq!(calls(&err, "DescribeTargetGroups"), 1, "{err}");
    assert_eq!(calls(&err, "DescribeListeners"), 1, "{err}");
    assert_eq!(calls(&err, "DescribeRules"), 1, "{err}");
    assert_eq!(calls(&err, "ListResourceRecordSets"), 1, "{err}");
    assert_eq!(calls(&err, "DescribeCertificate"), 2, "the certificate and its validation: {err}");

    // A rule's path change is one in-place update (ModifyRule).
    edit(&s, "values = [\"/api/*\"]", "values = [\"/v1/*\"]");
    let plan = s.ok(&["plan"]);
    assert!(plan.contains("0 to add, 1 to change, 0 to destroy"), "{plan}");
    assert!(plan.contains("aws_lb_listener_rule.api will be updated in-place"), "{plan}");
    let out = s.run(&["-v", "apply", "--auto-approve"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(calls(&text(&out.stderr), "ModifyRule"), 1);
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0));

    // Drift made outside is shown and corrected.
    c.elb
        .modify_load_balancer_attributes()
        .load_balancer_arn(&lb_arn)
        .attributes(LoadBalancerAttribute::builder().key("idle_timeout.timeout_seconds").value("300").build())
        .send()
        .await
        .expect("drift");
    let out = s.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(2));
    let plan = text(&out.stdout);
    assert!(plan.contains("idle_timeout") && plan.contains("300") && plan.contains("120"), "{plan}");
    s.ok(&["apply", "--auto-approve"]);
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0));

    // The nightly teardown: the runtime layer goes, the certificate and the zone stay.
    let gone = s.ok(&["destroy", "--layer", "runtime", "--auto-approve"]);
    assert!(gone.contains("Destroy complete!"), "{gone}");
    assert_eq!(leftovers(&c).await, (0, 0, 1, 1), "only the certificate and the zone are left");
    assert_eq!(
        s.run(&["plan", "--layer", "base", "--detailed-exitcode"]).status.code(),
        Some(0),
        "the base layer is intact"
    );
    let out = s.run(&["-v", "apply", "--auto-approve"]);
    let (stdout, err) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{err}");
    assert_eq!(calls(&err, "RequestCertificate"), 0, "the certificate is not requested again: {err}");
    assert_eq!(id_of(&s, "aws_acm_certificate.web"), cert);
    assert_eq!(id_of(&s, "aws_route53_zone.main"), zone);
    // The alias record refers to the load balancer only through its alias, a weak reference: it
    // stays in the base layer overnight and follows the new load balancer in place (UPSERT).
    // (moto gives the new load balancer the old one's DNS name, so there is nothing to update
    // here; a new name is followed in place below.)
    assert!(!gone.contains("aws_route53_record.www"), "the alias record stays at night: {gone}");
    assert!(!stdout.contains("aws_route53_record.www: Creating"), "not re-created: {stdout}");
    assert!(!stdout.contains("aws_route53_record.validation"), "the validation record stays: {stdout}");
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0));

    // A load balancer replaced under an alias record: the record follows it in place (UPSERT).
    edit(&s, "name            = \"web\"", "name            = \"web2\"");
    let plan = s.ok(&["plan"]);
    assert!(plan.contains("aws_lb.web must be replaced"), "{plan}");
    assert!(plan.contains("aws_route53_record.www will be updated in-place"), "{plan}");
    let out = s.run(&["-v", "apply", "--auto-approve"]);
    assert!(out.status.success(), "{}\n{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(calls(&text(&out.stderr), "ChangeResourceRecordSets"), 1, "one UPSERT");
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0));

    let done = s.ok(&["destroy", "--auto-approve"]);
    assert!(done.contains("Destroy complete!"), "{done}");
    assert_eq!(leftovers(&c).await, (0, 0, 0, 0), "nothing is left");
}

/// What moto does not show: a target group stays in use for a while after its listener rules are
/// gone, the load balancer's network interfaces linger after it is deleted (keeping its security
/// group and subnets in use), and a certificate stays in use after its listener is gone. The
/// destroy waits them out, in the engine's order.
#[tokio::test]
async fn destroy_converges_through_the_ordering_traps() {
    let mut s = stack();
    let c = clients(&s).await;
    s.ok(&["apply", "--auto-approve"]);
    let proxy = FaultProxy::start(&s.moto.endpoint());
    let traps = Arc::new(Elbv2Traps::new(3, Duration::from_secs(4)));
    let certs = Arc::new(CertificateInUse::new(2));
    proxy.set_rules(Rules::default().emulate(traps.clone()).emulate(certs.clone()));
    s.endpoint = Some(proxy.url());
    let out = s.ok(&["destroy", "--auto-approve"]);
    assert!(out.contains("Destroy complete!"), "{out}");
    let counts = traps.counts();
    assert_eq!(counts.target_group_in_use, 6, "each target group was in use 3 times: {counts:?}");
    assert!(counts.lingering_interfaces_shown > 0, "the load balancer's delete waited for its interfaces: {counts:?}");
    assert_eq!(
        counts.dependency_violations, 0,
        "nothing tried the security group or subnets while they lingered: {counts:?}"
    );
    assert_eq!(certs.answered(), 2);
    assert_eq!(leftovers(&c).await, (0, 0, 0, 0));

    // The engine's order: rules and listeners before the target groups they forward to, the
    // load balancer before its security group and subnets.
    let at = |needle: &str| out.find(needle).unwrap_or_else(|| panic!("{needle:?} not in:\n{out}"));
    for rule in ["aws_lb_listener_rule.api", "aws_lb_listener_rule.web"] {
        for tg in ["aws_lb_target_group.api", "aws_lb_target_group.web"] {
            assert!(at(&format!("{rule}: Destruction complete")) < at(&format!("{tg}: Destroying")), "{out}");
        }
    }
    assert!(at("aws_lb_listener.https: Destruction complete") < at("aws_acm_certificate_validation.web: Destroying"));
    assert!(at("aws_lb.web: Destruction complete") < at("aws_security_group.alb: Destroying"), "{out}");
    assert!(at("aws_lb.web: Destruction complete") < at("aws_subnet.public[0]: Destroying"), "{out}");
}

/// A run killed after AWS made an object and before the state recorded it leaves a pending
/// record; the next run finds the object (by its tags, its caller reference, or its content) and
/// adopts it instead of making a second one.
#[tokio::test]
async fn interrupted_creates_are_adopted_not_duplicated() {
    let s = stack();
    let c = clients(&s).await;
    s.ok(&["apply", "--auto-approve"]);
    let zone = id_of(&s, "aws_route53_zone.main");
    let reference = c.r53.get_hosted_zone().id(&zone).send().await.expect("zone");
    let reference = reference.hosted_zone().expect("zone").caller_reference().to_string();
    // Forget some objects as a crash right after their create calls would have.
    let forgotten = [
        ("aws_lb.web", None),
        ("aws_lb_target_group.web", None),
        ("aws_lb_listener.http", None),
        ("aws_lb_listener_rule.api", None),
        ("aws_acm_certificate.web", None),
        ("aws_route53_zone.main", Some(reference)),
        ("aws_route53_record.www", None),
    ];
    let path = s.path().join("provision.tfstate");
    let mut state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("state")).expect("json");
    let mut ids = vec![];
    for (address, key) in &forgotten {
        let resources = state["resources"].as_array_mut().expect("resources");
        let i = resources.iter().position(|r| r["address"] == *address).expect("in state");
        let r = resources.remove(i);
        ids.push((address.to_string(), r["id"].as_str().expect("id").to_string()));
        let mut pending = serde_json::json!({
            "address": address, "token": format!("t-{address}"), "started_at": "2026-11-22T08:00:00Z",
            "dependencies": [], "provider": r["provider"].clone(), "desired": r["attributes"].clone(),
            "layer": r["layer"].clone(),
        });
        if let Some(k) = key {
            pending["natural_key"] = serde_json::Value::String(k.clone());
        }
        state["pending"].as_array_mut().expect("pending").push(pending);
    }
    std::fs::write(&path, state.to_string()).expect("state");
    let out = s.ok(&["apply", "--auto-approve"]);
    for (address, id) in &ids {
        assert!(out.contains(&format!("{address}: an interrupted run created {id}")), "{address}: {out}");
        assert_eq!(&id_of(&s, address), id);
    }
    assert!(out.contains("0 added"), "nothing was made twice: {out}");
    assert_eq!(leftovers(&c).await, (1, 2, 1, 1));
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0));
}

/// The usual idiom — `for_each` over `domain_validation_options` keyed by domain name — plans on
/// the first run, before the certificate exists (the domain names are known, the records are not),
/// with one record for the apex and its wildcard; after the apply there is nothing to change.
#[tokio::test]
async fn the_usual_for_each_idiom_plans_on_the_first_run_without_duplicates() {
    let s = stack();
    let out = s.run(&["plan"]);
    let plan = text(&out.stdout);
    assert!(out.status.success(), "{plan}\n{}", text(&out.stderr));
    assert!(plan.contains("aws_route53_record.validation[\"example.com\"] will be created"), "{plan}");
    assert!(!plan.contains("aws_route53_record.validation[\"*.example.com\"]"), "one record: {plan}");
    s.ok(&["apply", "--auto-approve"]);
    let dvo = s.state()["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| r["address"] == "aws_acm_certificate.web")
        .map(|r| r["attributes"]["domain_validation_options"].clone())
        .expect("certificate");
    assert_eq!(dvo.as_array().map(Vec::len), Some(1), "the apex and the wildcard share one record: {dvo}");
    let out = s.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}\n{}", text(&out.stdout), text(&out.stderr));
}

/// Replacements: a target group with a fixed name cannot be replaced create-before-destroy (AWS
/// refuses the duplicate name), which the plan says before any change; with `name_prefix` it can,
/// and the rules forwarding to it follow the new one in place. `force_destroy` changes call no AWS
/// API.
#[tokio::test]
async fn replacements_and_destroy_time_arguments() {
    let s = stack();
    let c = clients(&s).await;
    s.ok(&["apply", "--auto-approve"]);

    edit(
        &s,
        "  name        = \"web\"\n",
        "  name        = \"web\"\n  lifecycle {\n    create_before_destroy = true\n  }\n",
    );
    edit(&s, "port        = 80\n", "port        = 8080\n");
    let out = s.run(&["plan"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("aws_lb_target_group.web cannot be replaced with create_before_destroy"), "{err}");
    assert!(err.contains("name_prefix"), "{err}");
    edit(&s, "port        = 8080\n", "port        = 80\n");

    let old = id_of(&s, "aws_lb_target_group.api");
    edit(
        &s,
        "  name_prefix          = \"api-\"\n",
        "  name_prefix          = \"api-\"\n  lifecycle {\n    create_before_destroy = true\n  }\n",
    );
    edit(&s, "port                 = 8000", "port                 = 8001");
    let plan = s.ok(&["plan"]);
    assert!(plan.contains("aws_lb_target_group.api must be replaced"), "{plan}");
    assert!(plan.contains("aws_lb_listener_rule.api will be updated in-place"), "{plan}");
    s.ok(&["apply", "--auto-approve"]);
    let new = id_of(&s, "aws_lb_target_group.api");
    assert_ne!(old, new);
    let gone = c.elb.describe_target_groups().target_group_arns(&old).send().await;
    assert!(gone.is_err(), "the old target group is deleted");
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0));

    edit(&s, "force_destroy = true", "force_destroy = false");
    let plan = s.ok(&["plan"]);
    assert!(plan.contains("0 to add, 1 to change, 0 to destroy"), "{plan}");
    let out = s.run(&["-v", "apply", "--auto-approve"]);
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    for op in ["ChangeTagsForResource", "UpdateHostedZoneComment"] {
        assert_eq!(calls(&err, op), 0, "{op}: {err}");
    }

    // Without force_destroy, a zone holding a record nobody manages cannot be deleted: the plan
    // says so before anything is torn down. The records the stack manages do not count.
    let zone = id_of(&s, "aws_route53_zone.main");
    let stray = ResourceRecordSet::builder()
        .name("stray.example.com")
        .r#type(RrType::Txt)
        .ttl(60)
        .resource_records(ResourceRecord::builder().value("\"left by hand\"").build().expect("record"))
        .build()
        .expect("record set");
    let upsert = Change::builder().action(ChangeAction::Upsert).resource_record_set(stray).build().expect("change");
    c.r53
        .change_resource_record_sets()
        .hosted_zone_id(&zone)
        .change_batch(ChangeBatch::builder().changes(upsert).build().expect("batch"))
        .send()
        .await
        .expect("a record made by hand");
    let before = leftovers(&c).await;
    let out = s.run(&["destroy", "--auto-approve"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("aws_route53_zone.main cannot be deleted"), "{err}");
    assert!(err.contains("stray.example.com TXT"), "{err}");
    assert!(!err.contains("www.example.com"), "a managed record does not count: {err}");
    assert_eq!(leftovers(&c).await, before, "nothing was torn down");

    edit(&s, "force_destroy = false", "force_destroy = true");
    s.ok(&["apply", "--auto-approve"]);
    let done = s.ok(&["destroy", "--auto-approve"]);
    assert!(done.contains("Destroy complete!"), "{done}");
    assert_eq!(leftovers(&c).await, (0, 0, 0, 0), "nothing is left");
}

/// The rest of the ELBv2, ACM and Route53 surface on the same stack: a registered target, a
/// second certificate on the HTTPS listener (SNI), and the lookups.
const EXTRAS: &str = r#"
resource "aws_lb_target_group_attachment" "api" {
  target_group_arn = aws_lb_target_group.api.arn
  target_id        = "10.0.0.10"
  port             = 8000
}

resource "aws_acm_certificate" "api" {
  domain_name       = "api.example.com"
  validation_method = "DNS"
}

resource "aws_lb_listener_certificate" "api" {
  listener_arn    = aws_lb_listener.https.arn
  certificate_arn = aws_acm_certificate.api.arn
}

data "aws_lb" "web" {
  name = aws_lb.web.name
}

data "aws_lb_target_group" "web" {
  arn = aws_lb_target_group.web.arn
}

data "aws_route53_zone" "main" {
  name = aws_route53_zone.main.name
}

data "aws_acm_certificate" "web" {
  domain      = aws_acm_certificate.web.domain_name
  statuses    = ["ISSUED", "PENDING_VALIDATION"]
  most_recent = true
}

output "lb_dns" {
  value = data.aws_lb.web.dns_name
}

output "tg_port" {
  value = data.aws_lb_target_group.web.port
}

output "zone" {
  value = data.aws_route53_zone.main.zone_id
}

output "cert" {
  value = data.aws_acm_certificate.web.arn
}
"#;

#[tokio::test]
async fn attachments_listener_certificates_and_lookups() {
    let s =
        Stack::with_config_and_moto_env(&format!("{STACK}{EXTRAS}"), &[("MOTO_ACM_VALIDATION_WAIT", VALIDATION_WAIT)]);
    let c = clients(&s).await;
    s.ok(&["apply", "--auto-approve"]);
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0), "a second plan changes nothing");
    s.assert_reads_match_schemas(&["aws_lb_target_group_attachment", "aws_lb_listener_certificate"]);
    let outputs = &s.state()["outputs"];
    let lb = c.elb.describe_load_balancers().names("web").send().await.expect("lb");
    assert_eq!(outputs["lb_dns"]["value"].as_str(), lb.load_balancers()[0].dns_name());
    assert_eq!(outputs["tg_port"]["value"].as_f64(), Some(80.0));
    assert_eq!(outputs["zone"]["value"].as_str(), Some(id_of(&s, "aws_route53_zone.main").as_str()));
    assert_eq!(outputs["cert"]["value"].as_str(), Some(id_of(&s, "aws_acm_certificate.web").as_str()));
    let tg = id_of(&s, "aws_lb_target_group.api");
    let health = c.elb.describe_target_health().target_group_arn(&tg).send().await.expect("targets");
    assert_eq!(health.target_health_descriptions().len(), 1, "{health:?}");
    let listener = id_of(&s, "aws_lb_listener.https");
    let certs = c.elb.describe_listener_certificates().listener_arn(&listener).send().await.expect("certificates");
    assert!(
        certs.certificates().iter().any(|x| x.certificate_arn() == Some(id_of(&s, "aws_acm_certificate.api").as_str()))
    );

    s.ok(&["destroy", "--auto-approve"]);
    assert_eq!(leftovers(&c).await, (0, 0, 0, 0), "nothing is left");
}

/// `examples/web` as a user runs it: apply, nothing left to change, the nightly teardown and the
/// morning apply, destroy.
#[tokio::test]
async fn the_web_example_applies_tears_down_at_night_and_comes_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(support::root().join("examples/web/main.tf"), dir.path().join("main.tf")).expect("copy");
    let s = Stack {
        moto: provision_testkit::moto::Moto::start_with_env(&[("MOTO_ACM_VALIDATION_WAIT", VALIDATION_WAIT)]),
        dir,
        endpoint: None,
    };
    let c = clients(&s).await;
    s.ok(&["apply", "--auto-approve"]);
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0));
    let cert = id_of(&s, "aws_acm_certificate.web");
    s.ok(&["destroy", "--layer", "runtime", "--auto-approve"]);
    assert_eq!(leftovers(&c).await, (0, 0, 1, 1));
    s.ok(&["apply", "--auto-approve"]);
    assert_eq!(id_of(&s, "aws_acm_certificate.web"), cert);
    s.ok(&["destroy", "--auto-approve"]);
    assert_eq!(leftovers(&c).await, (0, 0, 0, 0));
}
