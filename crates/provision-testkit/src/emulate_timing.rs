//! The "real AWS timing" profile of the fault proxy: each slow object reports its pending state for
//! about as long as it does on AWS after its create, and its deleting state for as long after its
//! delete where AWS has one, scaled by a factor so that a benchmark takes seconds (scale 0.01: a
//! NAT gateway is `pending` for 1.2 s). Time-based, not describe-count based: what a tool's waits
//! cost is the time they take, whatever it polls.
//!
//! | object | AWS (create) | pending → ready | deleting (AWS) |
//! |---|---|---|---|
//! | NAT gateway | 2 min | `pending` → `available` | `deleting` 2 min, then `deleted` |
//! | load balancer | 2.5 min | `provisioning` → `active` | none (gone at once) |
//! | DB instance, single-AZ | 6 min | `creating` → `available` | `deleting` 6 min |
//! | DB instance, Multi-AZ | 20 min | `creating` → `available` | `deleting` 20 min |
//! | Aurora cluster | 3 min | `creating` → `available` | `deleting` 3 min |
//! | Aurora instance | 7 min | `creating` → `available` | `deleting` 7 min |
//! | CloudFront distribution | 5 min (create and each update, the disable before a delete too) | `InProgress` → `Deployed` | none |
//! | ACM DNS validation | 2 min from the validation record's creation in Route 53 | `PENDING_VALIDATION` → `ISSUED` | none |
//! | ECS service | 2.5 min (create and each update) | rollout `IN_PROGRESS`, running < desired → `COMPLETED` | `DRAINING` 2.5 min, then `INACTIVE` |
//!
//! Aurora's "cluster + instance ~10 min" is split as AWS logs show it (cluster ~3 min, then its
//! instance ~7 min). A certificate is never issued before its validation record exists, as on
//! AWS: the clock starts at the Route 53 change that creates one of the certificate's validation
//! records (the names come from the `DescribeCertificate` answers the proxy saw).
//!
//! The NAT gateway part is the proxy's own NAT lifecycle, time-based ([`Rules::nat_pending_for`],
//! [`Rules::nat_deleting_for`]) with the internet gateway detach refused while a gateway is
//! deleting; the rest is the [`RealTiming`] emulator. [`Timing::rules`] gives both.
//!
//! [`critical_paths`] computes, from a state, the longest chain of these durations along the
//! recorded dependencies: what an apply (or a destroy) cannot be faster than.

use crate::faults::{
    EmulatedRequest, EmulatedResponse, Emulator, Rules, child_element, child_ranges, child_text, element_inner,
    element_range, set_child_text,
};
use provision_core::Address;
use provision_core::state::State;
use provision_core::value::{Attrs, Value};
use serde_json::{Value as Json, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// The kinds of slow object the profile knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Slow {
    NatGateway,
    LoadBalancer,
    DbInstance,
    DbInstanceMultiAz,
    AuroraCluster,
    AuroraInstance,
    Distribution,
    CertificateValidation,
    EcsService,
}

const MIN: u64 = 60;

impl Slow {
    pub const ALL: [Slow; 9] = [
        Slow::NatGateway,
        Slow::LoadBalancer,
        Slow::DbInstance,
        Slow::DbInstanceMultiAz,
        Slow::AuroraCluster,
        Slow::AuroraInstance,
        Slow::Distribution,
        Slow::CertificateValidation,
        Slow::EcsService,
    ];

    /// For messages and tables: `NAT gateway`.
    pub fn name(self) -> &'static str {
        match self {
            Slow::NatGateway => "NAT gateway",
            Slow::LoadBalancer => "load balancer",
            Slow::DbInstance => "DB instance (single-AZ)",
            Slow::DbInstanceMultiAz => "DB instance (Multi-AZ)",
            Slow::AuroraCluster => "Aurora cluster",
            Slow::AuroraInstance => "Aurora instance",
            Slow::Distribution => "CloudFront distribution",
            Slow::CertificateValidation => "ACM DNS validation",
            Slow::EcsService => "ECS service steady state",
        }
    }

    /// How long the object is pending after its create on AWS.
    pub fn aws_create(self) -> Duration {
        Duration::from_secs(match self {
            Slow::NatGateway | Slow::CertificateValidation => 2 * MIN,
            Slow::LoadBalancer | Slow::EcsService => 150,
            Slow::DbInstance => 6 * MIN,
            Slow::DbInstanceMultiAz => 20 * MIN,
            Slow::AuroraCluster => 3 * MIN,
            Slow::AuroraInstance => 7 * MIN,
            Slow::Distribution => 5 * MIN,
        })
    }

    /// How long the object is deleting after its delete on AWS (zero: no deleting state). A
    /// distribution's is the disable that must be deployed before the delete.
    pub fn aws_delete(self) -> Duration {
        match self {
            Slow::LoadBalancer | Slow::CertificateValidation => Duration::ZERO,
            other => other.aws_create(),
        }
    }

    /// What a tool waits for after creating the object of `type_name` with `attrs` (as recorded
    /// in state), if it is slow: a distribution only with `wait_for_deployment` (the default), an
    /// ECS service only with `wait_for_steady_state` (not the default).
    pub fn on_create(type_name: &str, attrs: &Attrs) -> Option<Slow> {
        let flag = |name: &str| attrs.get(name).and_then(Value::as_bool);
        match type_name {
            "aws_cloudfront_distribution" if flag("wait_for_deployment") == Some(false) => None,
            "aws_ecs_service" if flag("wait_for_steady_state") != Some(true) => None,
            "aws_acm_certificate_validation" => Some(Slow::CertificateValidation),
            _ => Slow::on_delete(type_name, attrs),
        }
    }

    /// What a tool waits for after deleting the object, if it is slow to go (or, for a
    /// distribution, to be disabled first).
    pub fn on_delete(type_name: &str, attrs: &Attrs) -> Option<Slow> {
        Some(match type_name {
            "aws_nat_gateway" => Slow::NatGateway,
            "aws_lb" | "aws_alb" => Slow::LoadBalancer,
            "aws_db_instance" if attrs.get("multi_az").and_then(Value::as_bool) == Some(true) => {
                Slow::DbInstanceMultiAz
            }
            "aws_db_instance" => Slow::DbInstance,
            "aws_rds_cluster" => Slow::AuroraCluster,
            "aws_rds_cluster_instance" => Slow::AuroraInstance,
            "aws_cloudfront_distribution" => Slow::Distribution,
            "aws_ecs_service" => Slow::EcsService,
            _ => return None,
        })
    }
}

impl Slow {
    /// How provision polls for the end of the wait (its first delay and its longest, doubling in
    /// between; from the service crates' waiters): `(first, max)`.
    pub fn provision_polls(self, create: bool) -> (Duration, Duration) {
        let ms = Duration::from_millis;
        let s = Duration::from_secs;
        match self {
            Slow::NatGateway | Slow::LoadBalancer => (ms(500), s(10)),
            Slow::CertificateValidation => (s(1), s(15)),
            Slow::EcsService if create => (s(1), s(15)),
            Slow::EcsService => (ms(500), s(10)),
            _ => (ms(500), s(15)),
        }
    }
}

/// When a waiter polling at 0, then after `first`, doubling up to every `max`, first sees the end
/// of a wait of `d`.
pub fn first_seen(d: Duration, first: Duration, max: Duration) -> Duration {
    let (mut t, mut delay) = (Duration::ZERO, first.max(Duration::from_millis(1)));
    while t < d {
        t += delay;
        delay = (delay * 2).min(max);
    }
    t
}

/// The profile at a scale: AWS's durations times `scale`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Timing {
    pub scale: f64,
}

impl Timing {
    /// `scale` must be finite and not negative (0 turns every wait off).
    pub fn new(scale: f64) -> Result<Timing, String> {
        if scale.is_finite() && scale >= 0.0 {
            Ok(Timing { scale })
        } else {
            Err(format!("the timing scale must be a number >= 0, got {scale}"))
        }
    }

    fn scaled(&self, d: Duration) -> Duration {
        Duration::try_from_secs_f64(d.as_secs_f64() * self.scale).unwrap_or(Duration::ZERO)
    }

    /// How long `slow` is pending after its create, at this scale.
    pub fn create(&self, slow: Slow) -> Duration {
        self.scaled(slow.aws_create())
    }

    /// How long `slow` is deleting after its delete, at this scale.
    pub fn delete(&self, slow: Slow) -> Duration {
        self.scaled(slow.aws_delete())
    }

    /// The proxy rules of the profile: the time-based NAT gateway lifecycle (with the internet
    /// gateway detach refused while a gateway is deleting) and the [`RealTiming`] emulator, which
    /// is also returned for its counts. Put the other emulators a stack needs (`S3Answers`,
    /// `CloudFront`) before it in [`Rules::emulators`], so that its rewrites see theirs (as
    /// `provision-fault-proxy` does).
    pub fn rules(&self) -> (Rules, Arc<RealTiming>) {
        let timing = Arc::new(RealTiming::new(*self));
        let rules = Rules {
            nat_pending_for: self.create(Slow::NatGateway),
            nat_deleting_for: self.delete(Slow::NatGateway),
            block_igw_detach_while_nat_deleting: true,
            ..Rules::default()
        }
        .emulate(timing.clone());
        (rules, timing)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Create,
    Delete,
}

#[derive(Clone, Copy, Debug)]
struct Clock {
    phase: Phase,
    since: Instant,
    slow: Slow,
}

#[derive(Debug, Default)]
struct Certificate {
    /// The validation records' names (lower case, no trailing dot), from `DescribeCertificate`.
    records: Vec<String>,
    /// When the first of them was created in Route 53.
    validating_since: Option<Instant>,
}

#[derive(Debug, Default)]
struct Book {
    /// Load balancer ARN → its create.
    load_balancers: HashMap<String, Instant>,
    /// DB instance identifier → its create or delete.
    instances: HashMap<String, Clock>,
    /// DB instance identifier → the last `<DBInstance>` element seen.
    last_instance: HashMap<String, String>,
    /// DB cluster identifier → its create or delete.
    clusters: HashMap<String, Clock>,
    last_cluster: HashMap<String, String>,
    /// Distribution id → its last create or update.
    distributions: HashMap<String, Instant>,
    /// Certificate ARN → its validation.
    certificates: HashMap<String, Certificate>,
    /// ECS service name → its last deployment (create, update) or delete.
    services: HashMap<String, Clock>,
    /// Answers rewritten to a pending or deleting state, by `kind:state` (`load balancer:provisioning`).
    shown: BTreeMap<String, u64>,
}

/// The emulator of the profile (every slow object but the NAT gateway, which the proxy's own NAT
/// lifecycle handles); see the module documentation.
#[derive(Debug)]
pub struct RealTiming {
    timing: Timing,
    book: Mutex<Book>,
}

impl RealTiming {
    pub fn new(timing: Timing) -> RealTiming {
        RealTiming { timing, book: Mutex::new(Book::default()) }
    }

    /// Answers rewritten to a pending or deleting state so far, by `kind:state`.
    pub fn shown(&self) -> BTreeMap<String, u64> {
        self.lock().shown.clone()
    }

    fn lock(&self) -> MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether a clock started `since` for `d` still runs.
    fn running(since: Instant, d: Duration) -> bool {
        since.elapsed() < d
    }

    /// The state a clock shows, if it still runs: `pending` during a create, `deleting` during a
    /// delete.
    fn shows<'a>(&self, clock: &Clock, pending: &'a str, deleting: &'a str) -> Option<&'a str> {
        match clock.phase {
            Phase::Create if Self::running(clock.since, self.timing.create(clock.slow)) => Some(pending),
            Phase::Delete if Self::running(clock.since, self.timing.delete(clock.slow)) => Some(deleting),
            _ => None,
        }
    }
}

fn count(book: &mut Book, slow: Slow, state: &str) {
    *book.shown.entry(format!("{}:{state}", slow.name())).or_default() += 1;
}

fn xml(body: String) -> EmulatedResponse {
    EmulatedResponse::ok("text/xml", body)
}

fn json_answer(content_type: &str, v: &Json) -> EmulatedResponse {
    EmulatedResponse::ok(content_type, v.to_string())
}

fn content_type(request: &EmulatedRequest<'_>) -> String {
    request
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .filter(|c| c.starts_with("application/x-amz-json"))
        .unwrap_or("application/x-amz-json-1.1")
        .to_string()
}

/// `body` with each top-level `item` of its first `list` element passed through `f` (which returns
/// the new item, or `None` to keep it); `None` when nothing changed.
fn rewrite_items(body: &str, list: &str, item: &str, mut f: impl FnMut(&str) -> Option<String>) -> Option<String> {
    let range = element_range(body, list)?;
    let element = &body[range.clone()];
    let inner = element_inner(element)?;
    let base = element.find('>')? + 1 + range.start;
    let mut out = String::with_capacity(body.len());
    let mut at = 0;
    let mut changed = false;
    for r in child_ranges(inner, item) {
        let Some(new) = f(&inner[r.clone()]) else { continue };
        out.push_str(&body[at..base + r.start]);
        out.push_str(&new);
        at = base + r.end;
        changed = true;
    }
    out.push_str(&body[at..]);
    changed.then_some(out)
}

/// `body` with `items` appended inside its first `list` element (`<list/>` becomes `<list>...</list>`).
fn append_items(body: &str, list: &str, items: &[String]) -> String {
    if items.is_empty() {
        return body.to_string();
    }
    let Some(range) = element_range(body, list) else { return body.to_string() };
    let element = &body[range.clone()];
    let all = items.concat();
    let new = match element_inner(element) {
        Some(inner) => format!("<{list}>{inner}{all}</{list}>"),
        None => format!("<{list}>{all}</{list}>"),
    };
    format!("{}{new}{}", &body[..range.start], &body[range.end..])
}

/// The kind of a `<DBInstance>`: an Aurora instance (it names a cluster), Multi-AZ or not.
fn db_kind(item: &str) -> Slow {
    if child_text(item, "DBClusterIdentifier").is_some_and(|c| !c.is_empty()) {
        Slow::AuroraInstance
    } else if child_text(item, "MultiAZ").as_deref() == Some("true") {
        Slow::DbInstanceMultiAz
    } else {
        Slow::DbInstance
    }
}

/// Whether a describe (of instances or clusters) selects `id`: by its identifier parameter, by a
/// filter value, or by listing everything.
fn selects(request: &EmulatedRequest<'_>, id_param: &str, id: &str) -> bool {
    if let Some(asked) = request.param(id_param) {
        return asked == id;
    }
    let filters: Vec<&(String, String)> = request.params.iter().filter(|(k, _)| k.starts_with("Filters.")).collect();
    filters.is_empty() || filters.iter().any(|(k, v)| k.contains(".Values.") && v == id)
}

fn rds_response(operation: &str, list: &str, items: &str) -> String {
    format!(
        "<{operation}Response xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\"><{operation}Result><{list}>{items}</{list}>\
         </{operation}Result><ResponseMetadata><RequestId>emulated</RequestId></ResponseMetadata></{operation}Response>"
    )
}

/// The name of an ECS service from a name or an ARN.
fn service_name(s: &str) -> String {
    s.rsplit('/').next().unwrap_or(s).to_string()
}

fn normalise_name(s: &str) -> String {
    s.trim().trim_end_matches('.').to_ascii_lowercase()
}

impl RealTiming {
    fn rds_answer(&self, request: &EmulatedRequest<'_>) -> Option<EmulatedResponse> {
        // A deleted instance or cluster moto already dropped, asked for by identifier: still
        // `deleting` for a while.
        let (param, list, tag, status) = match request.operation {
            "DescribeDBInstances" => ("DBInstanceIdentifier", "DBInstances", "DBInstance", "DBInstanceStatus"),
            "DescribeDBClusters" => ("DBClusterIdentifier", "DBClusters", "DBCluster", "Status"),
            _ => return None,
        };
        let id = request.param(param)?;
        let mut book = self.lock();
        let (clocks, last) = if tag == "DBInstance" {
            (&book.instances, &book.last_instance)
        } else {
            (&book.clusters, &book.last_cluster)
        };
        let clock = *clocks.get(id)?;
        if self.shows(&clock, "creating", "deleting") != Some("deleting") {
            return None;
        }
        let item = last.get(id)?;
        let item = set_child_text(item, status, "deleting");
        count(&mut book, clock.slow, "deleting");
        Some(xml(rds_response(request.operation, list, &item)))
    }

    fn rds_rewrite(&self, request: &EmulatedRequest<'_>, body: &str) -> Option<EmulatedResponse> {
        let mut guard = self.lock();
        let book = &mut *guard;
        let now = Instant::now();
        match request.operation {
            "CreateDBInstance"
            | "CreateDBInstanceReadReplica"
            | "RestoreDBInstanceFromDBSnapshot"
            | "RestoreDBInstanceToPointInTime" => {
                let id = request.param("DBInstanceIdentifier")?.to_string();
                let slow = element_range(body, "DBInstance").map_or(Slow::DbInstance, |r| db_kind(&body[r]));
                book.instances.insert(id, Clock { phase: Phase::Create, since: now, slow });
                let range = element_range(body, "DBInstance")?;
                let item = set_child_text(&body[range.clone()], "DBInstanceStatus", "creating");
                Some(xml(format!("{}{item}{}", &body[..range.start], &body[range.end..])))
            }
            "DeleteDBInstance" => {
                let id = request.param("DBInstanceIdentifier")?.to_string();
                let slow = book.last_instance.get(&id).map_or(Slow::DbInstance, |i| db_kind(i));
                book.instances.insert(id, Clock { phase: Phase::Delete, since: now, slow });
                None
            }
            "CreateDBCluster" | "RestoreDBClusterFromSnapshot" => {
                let id = request.param("DBClusterIdentifier")?.to_string();
                book.clusters.insert(id, Clock { phase: Phase::Create, since: now, slow: Slow::AuroraCluster });
                None
            }
            "DeleteDBCluster" => {
                let id = request.param("DBClusterIdentifier")?.to_string();
                book.clusters.insert(id, Clock { phase: Phase::Delete, since: now, slow: Slow::AuroraCluster });
                None
            }
            "DescribeDBInstances" | "DescribeDBClusters" => {
                let instances = request.operation == "DescribeDBInstances";
                let (param, list, tag, id_tag, status) = if instances {
                    ("DBInstanceIdentifier", "DBInstances", "DBInstance", "DBInstanceIdentifier", "DBInstanceStatus")
                } else {
                    ("DBClusterIdentifier", "DBClusters", "DBCluster", "DBClusterIdentifier", "Status")
                };
                let mut present = Vec::new();
                let mut shown = Vec::new();
                let rewritten = rewrite_items(body, list, tag, |item| {
                    let id = child_text(item, id_tag)?;
                    present.push(id.clone());
                    let (clocks, last) = if instances {
                        (&mut book.instances, &mut book.last_instance)
                    } else {
                        (&mut book.clusters, &mut book.last_cluster)
                    };
                    last.insert(id.clone(), item.to_string());
                    let clock = *clocks.get(&id)?;
                    match self.shows(&clock, "creating", "deleting") {
                        Some(state) => {
                            shown.push((clock.slow, state));
                            Some(set_child_text(item, status, state))
                        }
                        // Over: moto's own transitional state would cost one more poll.
                        None if clock.phase == Phase::Create
                            && child_text(item, status).as_deref() == Some("creating") =>
                        {
                            Some(set_child_text(item, status, "available"))
                        }
                        None => None,
                    }
                });
                let mut out = rewritten.unwrap_or_else(|| body.to_string());
                // Deleted ones moto already dropped, still deleting for a listing that selects them.
                let (clocks, last) = if instances {
                    (&book.instances, &book.last_instance)
                } else {
                    (&book.clusters, &book.last_cluster)
                };
                let mut missing = Vec::new();
                for (id, clock) in clocks {
                    if present.contains(id) || !selects(request, param, id) {
                        continue;
                    }
                    if self.shows(clock, "creating", "deleting") == Some("deleting")
                        && let Some(item) = last.get(id)
                    {
                        missing.push(set_child_text(item, status, "deleting"));
                        shown.push((clock.slow, "deleting"));
                    }
                }
                out = append_items(&out, list, &missing);
                for (slow, state) in shown {
                    count(book, slow, state);
                }
                (out != body).then(|| xml(out))
            }
            _ => None,
        }
    }

    fn elb_rewrite(&self, request: &EmulatedRequest<'_>, body: &str) -> Option<EmulatedResponse> {
        let mut book = self.lock();
        let d = self.timing.create(Slow::LoadBalancer);
        if request.operation == "CreateLoadBalancer" {
            let range = element_range(body, "LoadBalancerArn")?;
            let arn = element_inner(&body[range]).unwrap_or("").to_string();
            book.load_balancers.insert(arn, Instant::now());
        } else if request.operation != "DescribeLoadBalancers" {
            return None;
        }
        let mut shown = 0;
        let out = rewrite_items(body, "LoadBalancers", "member", |item| {
            let arn = child_text(item, "LoadBalancerArn")?;
            let since = *book.load_balancers.get(&arn)?;
            let code = child_element(item, "State").and_then(|s| child_text(s, "Code"));
            if Self::running(since, d) && code.as_deref() == Some("active") {
                shown += 1;
                Some(set_child_text(item, "State", "<Code>provisioning</Code>"))
            } else if !Self::running(since, d) && code.as_deref() == Some("provisioning") {
                Some(set_child_text(item, "State", "<Code>active</Code>"))
            } else {
                None
            }
        });
        for _ in 0..shown {
            count(&mut book, Slow::LoadBalancer, "provisioning");
        }
        out.map(xml)
    }

    fn cloudfront_rewrite(&self, request: &EmulatedRequest<'_>, status: u16, body: &str) -> Option<EmulatedResponse> {
        let rest = request.path.strip_prefix("/2020-05-31/distribution")?;
        let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
        let mut book = self.lock();
        let id = match (request.method, parts.as_slice()) {
            ("POST", []) => {
                let dist = element_range(body, "Distribution")?;
                let id = child_text(&body[dist], "Id")?;
                book.distributions.insert(id.clone(), Instant::now());
                id
            }
            ("PUT", [id, "config"]) => {
                book.distributions.insert(id.to_string(), Instant::now());
                id.to_string()
            }
            ("GET", [id]) => id.to_string(),
            _ => return None,
        };
        let since = *book.distributions.get(&id)?;
        let range = element_range(body, "Distribution")?;
        let dist = &body[range.clone()];
        let state =
            if Self::running(since, self.timing.create(Slow::Distribution)) { "InProgress" } else { "Deployed" };
        if child_text(dist, "Status").as_deref() == Some(state) {
            return None;
        }
        if state == "InProgress" {
            count(&mut book, Slow::Distribution, "InProgress");
        }
        let new = set_child_text(dist, "Status", state);
        Some(xml(format!("{}{new}{}", &body[..range.start], &body[range.end..])).with_status(status))
    }

    fn acm_rewrite(&self, request: &EmulatedRequest<'_>, body: &[u8]) -> Option<EmulatedResponse> {
        let mut doc: Json = serde_json::from_slice(body).ok()?;
        let mut book = self.lock();
        match request.operation {
            "RequestCertificate" => {
                let arn = doc.get("CertificateArn")?.as_str()?.to_string();
                book.certificates.insert(arn, Certificate::default());
                None
            }
            "DescribeCertificate" => {
                let cert = doc.get_mut("Certificate")?;
                let arn = cert.get("CertificateArn")?.as_str()?.to_string();
                let d = self.timing.create(Slow::CertificateValidation);
                let entry = book.certificates.get_mut(&arn)?;
                let options = cert.get_mut("DomainValidationOptions").and_then(Json::as_array_mut);
                let names: Vec<String> = options
                    .as_ref()
                    .map(|o| {
                        o.iter()
                            .filter_map(|v| {
                                v.pointer("/ResourceRecord/Name").and_then(Json::as_str).map(normalise_name)
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                for n in names {
                    if !entry.records.contains(&n) {
                        entry.records.push(n);
                    }
                }
                let pending = entry.validating_since.is_none_or(|t| Self::running(t, d));
                let shown = cert.get("Status").and_then(Json::as_str).unwrap_or("").to_string();
                if !matches!(shown.as_str(), "PENDING_VALIDATION" | "ISSUED") {
                    return None;
                }
                let (status, each) =
                    if pending { ("PENDING_VALIDATION", "PENDING_VALIDATION") } else { ("ISSUED", "SUCCESS") };
                cert["Status"] = json!(status);
                if let Some(options) = cert.get_mut("DomainValidationOptions").and_then(Json::as_array_mut) {
                    for o in options {
                        o["ValidationStatus"] = json!(each);
                    }
                }
                if pending {
                    count(&mut book, Slow::CertificateValidation, "PENDING_VALIDATION");
                }
                Some(json_answer(&content_type(request), &doc))
            }
            _ => None,
        }
    }

    /// A Route 53 change creating a certificate's validation record starts its validation.
    fn route53_change(&self, request: &EmulatedRequest<'_>) {
        if request.method != "POST" || !request.path.contains("/rrset") {
            return;
        }
        let sent = String::from_utf8_lossy(request.body).to_ascii_lowercase();
        let mut names: Vec<String> = Vec::new();
        let mut at = 0;
        while let Some(i) = sent[at..].find("<name>") {
            let start = at + i + "<name>".len();
            let Some(j) = sent[start..].find("</name>") else { break };
            names.push(normalise_name(&sent[start..start + j]));
            at = start + j;
        }
        let creates = sent.contains("<action>create</action>") || sent.contains("<action>upsert</action>");
        if !creates {
            return;
        }
        let mut book = self.lock();
        for cert in book.certificates.values_mut() {
            if cert.validating_since.is_none() && cert.records.iter().any(|r| names.contains(r)) {
                cert.validating_since = Some(Instant::now());
            }
        }
    }

    fn ecs_rewrite(&self, request: &EmulatedRequest<'_>, body: &[u8]) -> Option<EmulatedResponse> {
        let sent: Json = serde_json::from_slice(request.body).unwrap_or(Json::Null);
        let mut book = self.lock();
        let now = Instant::now();
        let phase = match request.operation {
            "CreateService" | "UpdateService" => Phase::Create,
            "DeleteService" => Phase::Delete,
            "DescribeServices" => {
                let mut doc: Json = serde_json::from_slice(body).ok()?;
                let d = self.timing.create(Slow::EcsService);
                let mut shown = Vec::new();
                for s in doc.get_mut("services")?.as_array_mut()? {
                    let Some(name) = s.get("serviceName").and_then(Json::as_str).map(str::to_string) else { continue };
                    let Some(clock) = book.services.get(&name).copied() else { continue };
                    if clock.phase == Phase::Delete {
                        if self.shows(&clock, "", "DRAINING").is_some() {
                            s["status"] = json!("DRAINING");
                            shown.push("DRAINING");
                        }
                        continue;
                    }
                    let desired = s.get("desiredCount").and_then(Json::as_i64).unwrap_or(0);
                    let rolling = Self::running(clock.since, d) && desired > 0;
                    let running = if rolling {
                        let done = clock.since.elapsed().as_secs_f64() / d.as_secs_f64().max(f64::MIN_POSITIVE);
                        ((desired as f64 * done) as i64).clamp(0, desired - 1)
                    } else {
                        desired
                    };
                    let template = s.get("deployments").and_then(|d| d.get(0)).cloned().unwrap_or_else(|| json!({}));
                    let mut deployment = if template.is_object() { template } else { json!({}) };
                    deployment["status"] = json!("PRIMARY");
                    deployment["desiredCount"] = json!(desired);
                    deployment["runningCount"] = json!(running);
                    deployment["pendingCount"] = json!(desired - running);
                    deployment["failedTasks"] = json!(0);
                    deployment["rolloutState"] = json!(if rolling { "IN_PROGRESS" } else { "COMPLETED" });
                    if deployment.get("taskDefinition").is_none() {
                        deployment["taskDefinition"] = s.get("taskDefinition").cloned().unwrap_or(Json::Null);
                    }
                    s["runningCount"] = json!(running);
                    s["pendingCount"] = json!(desired - running);
                    s["deployments"] = json!([deployment]);
                    if rolling {
                        shown.push("rolling");
                    }
                }
                for state in shown {
                    count(&mut book, Slow::EcsService, state);
                }
                return Some(json_answer(&content_type(request), &doc));
            }
            _ => return None,
        };
        let name = sent.get("serviceName").or_else(|| sent.get("service")).and_then(Json::as_str)?;
        book.services.insert(service_name(name), Clock { phase, since: now, slow: Slow::EcsService });
        None
    }
}

impl Emulator for RealTiming {
    fn answer(&self, request: &EmulatedRequest<'_>) -> Option<EmulatedResponse> {
        match request.service {
            "rds" => self.rds_answer(request),
            _ => None,
        }
    }

    fn rewrite(&self, request: &EmulatedRequest<'_>, status: u16, body: &[u8]) -> Option<EmulatedResponse> {
        if !(200..300).contains(&status) {
            return None;
        }
        match request.service {
            "rds" => self.rds_rewrite(request, std::str::from_utf8(body).ok()?),
            "elasticloadbalancing" => self.elb_rewrite(request, std::str::from_utf8(body).ok()?),
            "cloudfront" => self.cloudfront_rewrite(request, status, std::str::from_utf8(body).ok()?),
            "acm" => self.acm_rewrite(request, body),
            "route53" => {
                self.route53_change(request);
                None
            }
            "ecs" => self.ecs_rewrite(request, body),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Critical path

/// One link of a chain: an object and how long it holds the chain up.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    pub address: String,
    pub slow: Slow,
    /// At AWS's durations (scale 1).
    pub seconds: f64,
}

/// The longest chain of waits along the dependencies.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Chain {
    /// At AWS's durations (scale 1); multiply by the scale for a run of the proxy.
    pub seconds: f64,
    /// The slow objects of the chain, in the order they are waited for.
    pub links: Vec<Link>,
}

impl Chain {
    pub fn to_json(&self) -> Json {
        json!({
            "seconds": self.seconds,
            "chain": self.links.iter().map(|l| json!({
                "address": l.address, "what": l.slow.name(), "seconds": l.seconds
            })).collect::<Vec<_>>(),
        })
    }
}

/// The critical paths of the objects of a state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CriticalPaths {
    /// Creating them all (each after what it depends on).
    pub apply: Chain,
    /// Deleting them all (each after what depends on it).
    pub destroy: Chain,
    /// The objects counted, and their resource types.
    pub objects: usize,
    pub types: usize,
}

/// The critical paths of the objects of `state` (all of them, or those of `layer` as recorded).
///
/// Method: each object is a node weighing what a tool waits for after its call
/// ([`Slow::on_create`] for the apply, [`Slow::on_delete`] for the destroy; 0 for every other
/// type); an object depends on every object of each resource its state record lists in
/// `dependencies`. The apply's critical path is the heaviest path from an object to the objects
/// depending on it, the destroy's the heaviest path the other way. Objects outside `layer` weigh
/// nothing and are left out of the chains (they exist before and after: a layer's objects depend
/// on the base, never the other way). The calls themselves count 0: this is the time nothing can
/// beat, not a prediction.
pub fn critical_paths(state: &State, layer: Option<&str>) -> CriticalPaths {
    critical_paths_weighed(state, layer, |slow, create| {
        if create { slow.aws_create() } else { slow.aws_delete() }.as_secs_f64()
    })
}

/// The critical paths of a run at `scale` as provision's waiters see them: each wait lasts until
/// the first poll after its end ([`first_seen`] with [`Slow::provision_polls`]), in seconds at
/// that scale. What a run's wall time exceeds this by is the calls and anything serialised.
pub fn polled_paths(state: &State, layer: Option<&str>, timing: &Timing) -> CriticalPaths {
    critical_paths_weighed(state, layer, |slow, create| {
        let d = if create { timing.create(slow) } else { timing.delete(slow) };
        let (first, max) = slow.provision_polls(create);
        if d.is_zero() { 0.0 } else { first_seen(d, first, max).as_secs_f64() }
    })
}

fn critical_paths_weighed(state: &State, layer: Option<&str>, weight: impl Fn(Slow, bool) -> f64) -> CriticalPaths {
    let objects: Vec<_> = state
        .resources
        .iter()
        .filter(|o| o.deposed.is_none())
        .filter(|o| layer.is_none_or(|l| o.layer.to_string() == l))
        .collect();
    let mut by_resource: HashMap<Address, Vec<usize>> = HashMap::new();
    for (i, o) in objects.iter().enumerate() {
        by_resource.entry(o.address.resource()).or_default().push(i);
    }
    // deps[i]: the objects i depends on.
    let deps: Vec<Vec<usize>> = objects
        .iter()
        .map(|o| {
            let mut d: Vec<usize> =
                o.dependencies.iter().filter_map(|a| by_resource.get(&a.resource())).flatten().copied().collect();
            d.sort_unstable();
            d.dedup();
            d
        })
        .collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); objects.len()];
    for (i, d) in deps.iter().enumerate() {
        for &j in d {
            dependents[j].push(i);
        }
    }
    let weigh = |create: bool| -> Vec<Option<(Slow, f64)>> {
        objects
            .iter()
            .map(|o| {
                let t = o.address.type_name.as_str();
                let slow = if create { Slow::on_create(t, &o.attributes) } else { Slow::on_delete(t, &o.attributes) };
                slow.map(|s| (s, weight(s, create))).filter(|(_, secs)| *secs > 0.0)
            })
            .collect()
    };
    let chain = |weights: &[Option<(Slow, f64)>], before: &[Vec<usize>]| -> Chain {
        // best[i]: the heaviest chain ending with i (i's wait included), and the node before it.
        let mut best: Vec<Option<(f64, Option<usize>)>> = vec![None; objects.len()];
        fn visit(
            i: usize,
            weights: &[Option<(Slow, f64)>],
            before: &[Vec<usize>],
            best: &mut [Option<(f64, Option<usize>)>],
            on_stack: &mut [bool],
        ) -> f64 {
            if let Some((w, _)) = best[i] {
                return w;
            }
            if on_stack[i] {
                return 0.0; // a cycle: a state never has one; do not loop
            }
            on_stack[i] = true;
            let mut prev = None;
            let mut most = 0.0;
            for &j in &before[i] {
                let w = visit(j, weights, before, best, on_stack);
                if prev.is_none() || w > most {
                    most = w;
                    prev = Some(j);
                }
            }
            on_stack[i] = false;
            let total = most + weights[i].map_or(0.0, |(_, s)| s);
            best[i] = Some((total, prev));
            total
        }
        let mut on_stack = vec![false; objects.len()];
        let mut end = None;
        let mut longest = 0.0;
        for i in 0..objects.len() {
            let w = visit(i, weights, before, &mut best, &mut on_stack);
            if w > longest {
                longest = w;
                end = Some(i);
            }
        }
        let mut links = Vec::new();
        let mut at = end;
        while let Some(i) = at {
            if let Some((slow, seconds)) = weights[i] {
                links.push(Link { address: objects[i].address.to_string(), slow, seconds });
            }
            at = best[i].and_then(|(_, p)| p);
        }
        links.reverse();
        Chain { seconds: longest, links }
    };
    let types: std::collections::BTreeSet<&str> = objects.iter().map(|o| o.address.type_name.as_str()).collect();
    CriticalPaths {
        apply: chain(&weigh(true), &deps),
        destroy: chain(&weigh(false), &dependents),
        objects: objects.len(),
        types: types.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faults::FaultProxy;

    #[test]
    fn durations_scale() {
        let t = Timing::new(0.01).expect("scale");
        assert_eq!(t.create(Slow::NatGateway), Duration::from_millis(1200));
        assert_eq!(t.create(Slow::DbInstanceMultiAz), Duration::from_secs(12));
        assert_eq!(t.delete(Slow::LoadBalancer), Duration::ZERO);
        assert!(Timing::new(-1.0).is_err() && Timing::new(f64::NAN).is_err());
        let (rules, _) = t.rules();
        assert_eq!(rules.nat_pending_for, Duration::from_millis(1200));
        assert!(rules.block_igw_detach_while_nat_deleting);
        assert_eq!(rules.emulators.len(), 1);
    }

    #[test]
    fn waits_end_at_the_first_poll_after_them() {
        let (first, max) = Slow::AuroraCluster.provision_polls(true);
        // Polls at 0, 0.5, 1.5, 3.5, 7.5 s: a 3.6 s wait is seen at 7.5 s.
        assert_eq!(first_seen(Duration::from_millis(3600), first, max), Duration::from_millis(7500));
        // On AWS (180 s): 0.5 .. 15.5, 30.5, then every 15 s: seen at 180.5 s.
        assert_eq!(first_seen(Duration::from_secs(180), first, max), Duration::from_millis(180_500));
        assert_eq!(first_seen(Duration::ZERO, first, max), Duration::ZERO);
    }

    #[test]
    fn slow_objects_from_state() {
        let mut a = Attrs::new();
        assert_eq!(Slow::on_create("aws_db_instance", &a), Some(Slow::DbInstance));
        a.insert("multi_az".into(), Value::Bool(true));
        assert_eq!(Slow::on_create("aws_db_instance", &a), Some(Slow::DbInstanceMultiAz));
        assert_eq!(Slow::on_create("aws_ecs_service", &Attrs::new()), None, "no steady-state wait by default");
        assert_eq!(Slow::on_delete("aws_ecs_service", &Attrs::new()), Some(Slow::EcsService));
        let mut w = Attrs::new();
        w.insert("wait_for_steady_state".into(), Value::Bool(true));
        assert_eq!(Slow::on_create("aws_ecs_service", &w), Some(Slow::EcsService));
        let mut c = Attrs::new();
        c.insert("wait_for_deployment".into(), Value::Bool(false));
        assert_eq!(Slow::on_create("aws_cloudfront_distribution", &c), None);
        assert_eq!(Slow::on_delete("aws_cloudfront_distribution", &c), Some(Slow::Distribution));
        assert_eq!(Slow::on_create("aws_acm_certificate_validation", &c), Some(Slow::CertificateValidation));
        assert_eq!(Slow::on_delete("aws_acm_certificate_validation", &c), None);
        assert_eq!(Slow::on_create("aws_vpc", &c), None);
    }

    fn state(json: serde_json::Value) -> State {
        serde_json::from_value(json).expect("state")
    }

    fn object(address: &str, deps: &[&str], layer: &str, attrs: serde_json::Value) -> serde_json::Value {
        json!({ "address": address, "id": format!("id-{address}"), "layer": layer, "provider": "aws",
                "attributes": attrs, "dependencies": deps })
    }

    #[test]
    fn the_critical_path_is_the_heaviest_chain_of_waits() {
        let s = state(json!({
            "format": "provision-state", "format_version": 2, "serial": 1, "lineage": "l", "provision_version": "0",
            "resources": [
                object("aws_vpc.main", &[], "base", json!({})),
                object("aws_subnet.public[0]", &["aws_vpc.main"], "base", json!({})),
                object("aws_subnet.public[1]", &["aws_vpc.main"], "base", json!({})),
                object("aws_nat_gateway.a[0]", &["aws_subnet.public"], "runtime", json!({})),
                object("aws_nat_gateway.a[1]", &["aws_subnet.public"], "runtime", json!({})),
                object("aws_route.nat", &["aws_nat_gateway.a"], "runtime", json!({})),
                object("aws_lb.web", &["aws_subnet.public"], "runtime", json!({})),
                object("aws_acm_certificate.c", &[], "base", json!({})),
                object("aws_acm_certificate_validation.c", &["aws_acm_certificate.c"], "base", json!({})),
                object("aws_lb_listener.https", &["aws_lb.web", "aws_acm_certificate_validation.c"], "runtime", json!({})),
                object("aws_ecs_service.app", &["aws_lb_listener.https"], "runtime", json!({"wait_for_steady_state": true})),
                object("aws_rds_cluster.db", &["aws_subnet.public"], "base", json!({})),
                object("aws_rds_cluster_instance.db", &["aws_rds_cluster.db"], "base", json!({})),
            ],
        }));
        let all = critical_paths(&s, None);
        // Aurora: 3 + 7 min beats ALB/validation 2.5 + ECS 2.5 min.
        assert_eq!(all.apply.seconds, 600.0);
        let chain: Vec<&str> = all.apply.links.iter().map(|l| l.address.as_str()).collect();
        assert_eq!(chain, ["aws_rds_cluster.db", "aws_rds_cluster_instance.db"]);
        // Destroy: the instance goes before its cluster (7 + 3), the service (2.5) before the listener.
        assert_eq!(all.destroy.seconds, 600.0);
        assert_eq!(all.destroy.links[0].address, "aws_rds_cluster_instance.db");
        assert_eq!(all.objects, 13);
        assert_eq!(all.types, 11);

        let polled = polled_paths(&s, None, &Timing::new(0.02).expect("scale"));
        // Cluster 3.6 s seen at 7.5 s, instance 8.4 s seen at 15.5 s.
        assert_eq!(polled.apply.seconds, 23.0);

        let runtime = critical_paths(&s, Some("runtime"));
        // The certificate validation is base: already there; ALB 2.5 then ECS 2.5.
        assert_eq!(runtime.apply.seconds, 300.0);
        let chain: Vec<&str> = runtime.apply.links.iter().map(|l| l.address.as_str()).collect();
        assert_eq!(chain, ["aws_lb.web", "aws_ecs_service.app"]);
        // The ECS service drains (2.5) in parallel with the NAT gateways (2): the ALB has no
        // deleting state.
        assert_eq!(runtime.destroy.seconds, 150.0);
        assert_eq!(runtime.objects, 6);
    }

    fn request<'a>(
        service: &'a str,
        operation: &'a str,
        method: &'a str,
        path: &'a str,
        params: &'a [(String, String)],
        body: &'a [u8],
        headers: &'a http::HeaderMap,
    ) -> EmulatedRequest<'a> {
        EmulatedRequest::for_test(service, operation, method, path, params, headers, body)
    }

    fn body(r: Option<EmulatedResponse>) -> String {
        match r {
            Some(EmulatedResponse::Body { body, .. }) => String::from_utf8(body).expect("utf8"),
            Some(EmulatedResponse::Rendered(_)) => "rendered".into(),
            None => String::new(),
        }
    }

    const LB: &str = "<DescribeLoadBalancersResponse><DescribeLoadBalancersResult><LoadBalancers><member>\
        <LoadBalancerArn>arn:lb/app/web/1</LoadBalancerArn><AvailabilityZones><member><ZoneName>a</ZoneName></member>\
        </AvailabilityZones><State><Code>active</Code></State></member></LoadBalancers></DescribeLoadBalancersResult>\
        </DescribeLoadBalancersResponse>";

    #[test]
    fn a_load_balancer_provisions_for_its_time() {
        let t = RealTiming::new(Timing::new(0.001).expect("scale")); // 150 ms
        let h = http::HeaderMap::new();
        let create = request("elasticloadbalancing", "CreateLoadBalancer", "POST", "/", &[], b"", &h);
        let answer =
            body(t.rewrite(&create, 200, LB.replace("DescribeLoadBalancers", "CreateLoadBalancer").as_bytes()));
        assert!(answer.contains("<State><Code>provisioning</Code></State>"), "{answer}");
        let describe = request("elasticloadbalancing", "DescribeLoadBalancers", "POST", "/", &[], b"", &h);
        let answer = body(t.rewrite(&describe, 200, LB.as_bytes()));
        assert!(answer.contains("<Code>provisioning</Code>"), "{answer}");
        assert!(answer.contains("<ZoneName>a</ZoneName>"), "the rest is kept: {answer}");
        std::thread::sleep(Duration::from_millis(170));
        assert_eq!(body(t.rewrite(&describe, 200, LB.as_bytes())), "", "active once the time is over");
        assert_eq!(t.shown().get("load balancer:provisioning"), Some(&2));
    }

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    const DB: &str = "<DescribeDBInstancesResponse><DescribeDBInstancesResult><DBInstances><DBInstance>\
        <DBInstanceIdentifier>ledger</DBInstanceIdentifier><DBInstanceStatus>available</DBInstanceStatus>\
        <MultiAZ>false</MultiAZ></DBInstance></DBInstances></DescribeDBInstancesResult></DescribeDBInstancesResponse>";

    #[test]
    fn a_db_instance_creates_then_deletes_for_its_time() {
        let t = RealTiming::new(Timing::new(0.0005).expect("scale")); // 180 ms
        let h = http::HeaderMap::new();
        let p = params(&[("DBInstanceIdentifier", "ledger")]);
        let created = DB
            .replace("DescribeDBInstances", "CreateDBInstance")
            .replace("<DBInstances>", "")
            .replace("</DBInstances>", "");
        let answer =
            body(t.rewrite(&request("rds", "CreateDBInstance", "POST", "/", &p, b"", &h), 200, created.as_bytes()));
        assert!(answer.contains("<DBInstanceStatus>creating</DBInstanceStatus>"), "{answer}");
        let describe = request("rds", "DescribeDBInstances", "POST", "/", &p, b"", &h);
        assert!(body(t.rewrite(&describe, 200, DB.as_bytes())).contains(">creating<"));
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(body(t.rewrite(&describe, 200, DB.as_bytes())), "");

        // Deleted: moto forgets it at once; the proxy answers `deleting` for the time.
        t.rewrite(&request("rds", "DeleteDBInstance", "POST", "/", &p, b"", &h), 200, b"<DeleteDBInstanceResponse/>");
        let answer = body(t.answer(&describe));
        assert!(answer.contains("<DBInstanceStatus>deleting</DBInstanceStatus>"), "{answer}");
        let empty = "<DescribeDBInstancesResponse><DescribeDBInstancesResult><DBInstances/></DescribeDBInstancesResult></DescribeDBInstancesResponse>";
        let list = request("rds", "DescribeDBInstances", "POST", "/", &[], b"", &h);
        assert!(body(t.rewrite(&list, 200, empty.as_bytes())).contains(">deleting<"), "listed while deleting");
        std::thread::sleep(Duration::from_millis(200));
        assert!(t.answer(&describe).is_none(), "gone once the time is over");
        assert_eq!(body(t.rewrite(&list, 200, empty.as_bytes())), "");
    }

    #[test]
    fn a_certificate_validates_from_its_record() {
        let t = RealTiming::new(Timing::new(0.001).expect("scale")); // 120 ms
        let h = http::HeaderMap::new();
        let arn = "arn:aws:acm:eu-west-1:1:certificate/c";
        t.rewrite(
            &request("acm", "RequestCertificate", "POST", "/", &[], b"{}", &h),
            200,
            json!({ "CertificateArn": arn }).to_string().as_bytes(),
        );
        let described =
            json!({ "Certificate": { "CertificateArn": arn, "Status": "ISSUED", "DomainValidationOptions": [
            { "DomainName": "example.com", "ValidationStatus": "SUCCESS",
              "ResourceRecord": { "Name": "_x.example.com.", "Type": "CNAME", "Value": "_y.acm." } } ] } })
            .to_string();
        let describe = request("acm", "DescribeCertificate", "POST", "/", &[], b"{}", &h);
        let shown = body(t.rewrite(&describe, 200, described.as_bytes()));
        assert!(shown.contains("\"Status\":\"PENDING_VALIDATION\""), "{shown}");
        std::thread::sleep(Duration::from_millis(150));
        assert!(body(t.rewrite(&describe, 200, described.as_bytes())).contains("PENDING_VALIDATION"), "no record yet");
        let change = b"<ChangeResourceRecordSetsRequest><ChangeBatch><Changes><Change><Action>UPSERT</Action>\
            <ResourceRecordSet><Name>_X.example.com</Name><Type>CNAME</Type></ResourceRecordSet></Change></Changes>\
            </ChangeBatch></ChangeResourceRecordSetsRequest>";
        let r53 = request("route53", "POST", "POST", "/2013-04-01/hostedzone/Z1/rrset/", &[], change, &h);
        assert!(t.rewrite(&r53, 200, b"<ok/>").is_none());
        assert!(body(t.rewrite(&describe, 200, described.as_bytes())).contains("PENDING_VALIDATION"));
        std::thread::sleep(Duration::from_millis(150));
        let shown = body(t.rewrite(&describe, 200, described.as_bytes()));
        assert!(shown.contains("\"Status\":\"ISSUED\"") && shown.contains("SUCCESS"), "{shown}");
    }

    #[test]
    fn an_ecs_service_rolls_out_then_drains() {
        let t = RealTiming::new(Timing::new(0.001).expect("scale")); // 150 ms
        let h = http::HeaderMap::new();
        let create = request("ecs", "CreateService", "POST", "/", &[], br#"{"serviceName":"app"}"#, &h);
        t.rewrite(&create, 200, b"{}");
        let moto = json!({ "services": [{ "serviceName": "app", "status": "ACTIVE", "desiredCount": 2,
            "runningCount": 0, "deployments": [{ "id": "d1", "status": "PRIMARY", "rolloutState": "IN_PROGRESS" }] }] })
        .to_string();
        let describe = request("ecs", "DescribeServices", "POST", "/", &[], b"{}", &h);
        let shown: Json = serde_json::from_str(&body(t.rewrite(&describe, 200, moto.as_bytes()))).expect("json");
        assert_eq!(shown["services"][0]["deployments"][0]["rolloutState"], "IN_PROGRESS");
        assert!(shown["services"][0]["runningCount"].as_i64() < Some(2));
        std::thread::sleep(Duration::from_millis(170));
        let shown: Json = serde_json::from_str(&body(t.rewrite(&describe, 200, moto.as_bytes()))).expect("json");
        assert_eq!(shown["services"][0]["deployments"][0]["rolloutState"], "COMPLETED");
        assert_eq!(shown["services"][0]["deployments"][0]["id"], "d1", "moto's deployment is kept");
        assert_eq!(shown["services"][0]["runningCount"], 2);

        let delete = request("ecs", "DeleteService", "POST", "/", &[], br#"{"service":"arn:ecs:service/c/app"}"#, &h);
        t.rewrite(&delete, 200, b"{}");
        let inactive = moto.replace("ACTIVE", "INACTIVE");
        let shown = body(t.rewrite(&describe, 200, inactive.as_bytes()));
        assert!(shown.contains("\"status\":\"DRAINING\""), "{shown}");
        std::thread::sleep(Duration::from_millis(170));
        assert!(body(t.rewrite(&describe, 200, inactive.as_bytes())).contains("\"status\":\"INACTIVE\""));
    }

    #[test]
    fn a_distribution_is_in_progress_after_each_change() {
        let t = RealTiming::new(Timing::new(0.0005).expect("scale")); // 150 ms
        let h = http::HeaderMap::new();
        let dist = "<Distribution><Id>E1</Id><Status>Deployed</Status><DistributionConfig><Enabled>true</Enabled>\
            </DistributionConfig></Distribution>";
        let create = request("cloudfront", "POST", "POST", "/2020-05-31/distribution", &[], b"", &h);
        assert!(body(t.rewrite(&create, 201, dist.as_bytes())).contains("<Status>InProgress</Status>"));
        let get = request("cloudfront", "GET", "GET", "/2020-05-31/distribution/E1", &[], b"", &h);
        assert!(body(t.rewrite(&get, 200, dist.as_bytes())).contains("InProgress"));
        std::thread::sleep(Duration::from_millis(170));
        assert!(t.rewrite(&get, 200, dist.as_bytes()).is_none());
        let update = request("cloudfront", "PUT", "PUT", "/2020-05-31/distribution/E1/config", &[], b"", &h);
        t.rewrite(&update, 200, dist.as_bytes());
        assert!(body(t.rewrite(&get, 200, dist.as_bytes())).contains("InProgress"), "the disable deploys too");
    }

    #[test]
    fn the_rules_start_a_proxy() {
        // The rules are usable as they are (no upstream needed to build them).
        let (rules, timing) = Timing::new(0.01).expect("scale").rules();
        let proxy = FaultProxy::start("http://127.0.0.1:9");
        proxy.set_rules(rules);
        assert!(timing.shown().is_empty());
    }
}
