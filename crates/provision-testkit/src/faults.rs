//! A fault-injection HTTP proxy to put between the AWS SDK clients under test and moto, because moto
//! answers at once, never throttles and creates NAT gateways already `available`: the proxy adds
//! latency, protocol-correct throttling and server errors, dropped connections, and the slow NAT
//! gateway lifecycle (and the internet gateway detach refusal that goes with it) of real AWS.
//!
//! # Use
//! ```no_run
//! use provision_testkit::faults::{Fault, FaultProxy, FaultRule, Rules, When};
//! use provision_testkit::moto::Moto;
//!
//! let moto = Moto::start();
//! let proxy = FaultProxy::start(&moto.endpoint());
//! proxy.set_rules(Rules {
//!     faults: vec![
//!         // every third-ish EC2 call is throttled, reproducibly (seed below)
//!         FaultRule::new(Some("ec2"), None, When::Probability(0.3), Fault::Throttle),
//!         // the first two PutItem calls fail with 500 InternalError
//!         FaultRule::new(Some("dynamodb"), Some("PutItem"), When::FirstN(2), Fault::ServerError(500)),
//!     ],
//!     nat_pending_describes: 2,
//!     nat_deleting_describes: 2,
//!     block_igw_detach_while_nat_deleting: true,
//!     seed: 7,
//!     ..Rules::default()
//! });
//! // Point the code under test at the proxy instead of moto: AWS_ENDPOINT_URL = proxy.url()
//! // ... run it ...
//! assert!(proxy.stats().injected_total("throttle") > 0);
//! ```
//! The proxy runs its own tokio runtime on a background thread, so it works the same from a plain
//! `#[test]`, from `#[tokio::test]`, and for a `provision` binary spawned as a child process.
//!
//! # How a request is identified
//! * service: the SigV4 credential scope of the `Authorization` header (or of a presigned URL's
//!   `X-Amz-Credential`), e.g. `Credential=AKID/20261122/eu-west-1/ec2/aws4_request` → `ec2`;
//!   `unknown` when there is none.
//! * operation: the `Action` parameter of AWS query protocol calls (EC2, IAM, STS, RDS, ELBv2, ...), the
//!   part after the dot of `X-Amz-Target` for JSON protocols (DynamoDB, ECS, ECR, Logs, ...), else the
//!   HTTP method (`GET`, `PUT`, `HEAD`, `DELETE`, ...) for REST protocols (S3, ...).
//! * requests under `/moto-api/` are forwarded untouched, never faulted and not counted.
//! * requests under `/__provision/` are the proxy's own: `GET /__provision/stats` answers the
//!   [`Stats`] as JSON, `POST /__provision/stats/reset` forgets them (how a script running the
//!   proxy as a process, `provision-fault-proxy`, reads the calls of each command).
//!
//! # Rules
//! The rules ([`Rules::faults`]) are looked at in order for each request. A rule applies when its
//! service and operation match (case-insensitively; `None` matches anything) and its [`When`] fires.
//! [`Fault::Latency`] rules add up and let evaluation go on; the first other fault that fires answers
//! the request (after the accumulated latency) and ends the evaluation, so later rules neither see the
//! request nor count it for [`When::FirstN`] or [`When::Nth`]. A request no fault answers is forwarded
//! upstream.
//!
//! # Error shapes
//! Errors are answered in the shape the AWS SDK for Rust parses, so it reads the error code and
//! classifies throttling (`RequestLimitExceeded`, `Throttling`, `ThrottlingException`, `SlowDown`) and
//! 500/503 as retryable:
//!
//! * EC2 (service `ec2`): throttle = 503 `RequestLimitExceeded`; `text/xml` body
//!   `<Response><Errors><Error><Code>..</Code><Message>..</Message></Error></Errors>
//!   <RequestID>..</RequestID></Response>`.
//! * query protocol (`Action=` in a form body or the URL): throttle = 400 `Throttling`; `text/xml` body
//!   `<ErrorResponse><Error><Type>Sender|Receiver</Type><Code>..</Code><Message>..</Message></Error>
//!   <RequestId>..</RequestId></ErrorResponse>`.
//! * JSON protocols (`X-Amz-Target`): throttle = 400 `ThrottlingException`; body `{"__type":"..","message":".."}`
//!   with header `x-amzn-ErrorType` and the request's content type (else `application/x-amz-json-1.0` for
//!   DynamoDB, `application/x-amz-json-1.1` for the others).
//! * REST-XML (S3, ...): throttle = 503 `SlowDown`; `application/xml` body
//!   `<Error><Code>..</Code><Message>..</Message><RequestId>..</RequestId></Error>`.
//!
//! [`Fault::ServerError`]`(500)` answers `InternalError`; `ServerError(503)` answers `ServiceUnavailable`
//! (`Unavailable` for EC2).
//!
//! # NAT gateway lifecycle (EC2)
//! moto 5.2.5 creates NAT gateways `available`, and `DeleteNatGateway` only sets the state to `deleted`:
//! describes keep returning the gateway with `<state>deleted</state>` for good. The proxy makes that
//! look like AWS:
//! * [`Rules::nat_pending_describes`] = K: a gateway's first K `DescribeNatGateways` answers that include
//!   it say `pending` instead of `available` (and so does the `CreateNatGateway` answer, which does not
//!   count as a describe).
//! * [`Rules::nat_deleting_describes`] = K: after a successful `DeleteNatGateway` of X, the next K
//!   `DescribeNatGateways` answers that concern X show it `deleting`. If the upstream no longer returns
//!   X, the proxy re-inserts the last `<item>` it saw for X. A describe concerns X when its
//!   `NatGatewayId.N` list (if any) holds X and its filters (`nat-gateway-id`, `vpc-id`, `subnet-id`,
//!   `tag:<key>`, `tag-key`) match X; a describe with any other filter does not concern a gateway the
//!   upstream left out. After K such describes the upstream's answer goes through (`deleted` in moto).
//! * [`Rules::nat_pending_for`] and [`Rules::nat_deleting_for`] do the same by time instead of by
//!   describes: a gateway is `pending` until that long after its create, `deleting` until that long
//!   after its delete (the "real AWS timing" profile, [`crate::emulate_timing`], uses them).
//! * The `state` filter of `DescribeNatGateways` is applied by the proxy to the states it reports (it
//!   strips it from the request it forwards), so `state=pending` or `state=deleting` filters work.
//! * [`Rules::block_igw_detach_while_nat_deleting`]: `DetachInternetGateway` answers 400
//!   `DependencyViolation` ("Network vpc-... has some mapped public address(es). ...") while a NAT
//!   gateway of that VPC (or of an unknown VPC) is in the proxy's deleting phase, as AWS does while the
//!   gateway's public address is still mapped.
//!
//! Counters of these phases survive [`FaultProxy::set_rules`]; the counts of [`When::FirstN`] rules and
//! the random generator restart with the new rules.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::ops::Range;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderName, HeaderValue};
use http::request::Parts;
use http::{HeaderMap, Request, Response, StatusCode, Uri, Version};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};

/// What the proxy does, replaced at runtime with [`FaultProxy::set_rules`]. The default does nothing:
/// every request is forwarded as it is.
#[derive(Clone, Debug, Default)]
pub struct Rules {
    /// Faults to inject, looked at in order (see the module documentation).
    pub faults: Vec<FaultRule>,
    /// A NAT gateway reports `pending` for its first K DescribeNatGateways answers that include it.
    pub nat_pending_describes: u32,
    /// After DeleteNatGateway, the gateway reports `deleting` for K describes before `deleted` (or disappearing).
    pub nat_deleting_describes: u32,
    /// DetachInternetGateway answers DependencyViolation while any NAT gateway is in the proxy's `deleting` phase.
    pub block_igw_detach_while_nat_deleting: bool,
    /// A NAT gateway reports `pending` for this long after its `CreateNatGateway` (time-based, as on
    /// AWS; adds to [`Rules::nat_pending_describes`]: either keeps it pending).
    pub nat_pending_for: Duration,
    /// After `DeleteNatGateway`, the gateway reports `deleting` for this long (time-based; adds to
    /// [`Rules::nat_deleting_describes`] like [`Rules::nat_pending_for`]).
    pub nat_deleting_for: Duration,
    /// Seed for the random choices (Probability), so failures are reproducible.
    pub seed: u64,
    /// Service behaviours emulated on top of the upstream (a slow status, an API moto lacks), asked
    /// in order after the fault rules let a request through. See [`Emulator`].
    pub emulators: Vec<Arc<dyn Emulator>>,
}

/// A behaviour of one service that the proxy emulates on top of moto: an answer moto cannot give
/// (an API it lacks, a status that lasts for several reads, an error AWS returns while something
/// is in the way), or a rewrite of moto's answer. Each service's emulation lives in a module of its
/// own and is added to [`Rules::emulators`] by the tests that need it.
///
/// Implementations keep their own state behind a `Mutex` (the proxy calls them from its runtime's
/// threads) and must not block.
pub trait Emulator: Send + Sync + fmt::Debug {
    /// Answers the request instead of the upstream (`Some`), or lets it through (`None`).
    fn answer(&self, request: &EmulatedRequest<'_>) -> Option<EmulatedResponse> {
        let _ = request;
        None
    }

    /// Replaces the upstream's answer (`Some`) or keeps it (`None`). Called for every forwarded
    /// request, whatever its status. The emulators' rewrites chain in order: each sees the answer
    /// as the emulators before it left it (status and body; the headers they set are kept unless
    /// a later one sets the same), until one answers [`EmulatedResponse::Rendered`].
    fn rewrite(&self, request: &EmulatedRequest<'_>, status: u16, body: &[u8]) -> Option<EmulatedResponse> {
        let _ = (request, status, body);
        None
    }
}

/// A request as an [`Emulator`] sees it.
#[derive(Debug)]
pub struct EmulatedRequest<'a> {
    /// The SigV4 service name (`cloudfront`, `elasticloadbalancing`, `rds`, ...).
    pub service: &'a str,
    /// The query `Action`, the JSON target's operation, or the HTTP method for REST protocols.
    pub operation: &'a str,
    pub method: &'a str,
    /// The URL path, e.g. `/2020-05-31/distribution/E123/config`.
    pub path: &'a str,
    /// Decoded parameters of the URL query and of a form body, in order.
    pub params: &'a [(String, String)],
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    call: &'a Call,
}

impl<'a> EmulatedRequest<'a> {
    /// A query or URL parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.call.param(name)
    }

    /// A request for an emulator's unit tests (its error answers are rendered as query XML).
    #[cfg(test)]
    pub(crate) fn for_test(
        service: &'a str,
        operation: &'a str,
        method: &'a str,
        path: &'a str,
        params: &'a [(String, String)],
        headers: &'a HeaderMap,
        body: &'a [u8],
    ) -> EmulatedRequest<'a> {
        let call: &'static Call = Box::leak(Box::new(Call {
            service: service.into(),
            operation: operation.into(),
            protocol: Protocol::Query,
            params: params.to_vec(),
            content_type: String::new(),
        }));
        EmulatedRequest { service, operation, method, path, params, headers, body, call }
    }

    /// An AWS error answer in this request's protocol (query XML, JSON, REST XML or EC2), which the
    /// SDK parses into its error code.
    pub fn error(&self, status: u16, code: &str, message: &str) -> EmulatedResponse {
        let reply = ErrorReply { status, code: code.into(), message: message.into(), request_id: "emulated".into() };
        EmulatedResponse::Rendered(reply.render(self.call))
    }
}

/// An emulated answer.
#[derive(Debug)]
pub enum EmulatedResponse {
    /// A body with a status and content type (and optional extra headers, such as `ETag`).
    Body { status: u16, content_type: String, headers: Vec<(String, String)>, body: Vec<u8> },
    #[doc(hidden)]
    Rendered(Response<Full<Bytes>>),
}

impl EmulatedResponse {
    /// A 200 answer with `body` of `content_type`.
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> EmulatedResponse {
        EmulatedResponse::Body { status: 200, content_type: content_type.into(), headers: vec![], body: body.into() }
    }

    /// Adds a header (for example `ETag`).
    pub fn with_header(mut self, name: &str, value: &str) -> EmulatedResponse {
        if let EmulatedResponse::Body { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }

    /// Sets the status.
    pub fn with_status(mut self, code: u16) -> EmulatedResponse {
        if let EmulatedResponse::Body { status, .. } = &mut self {
            *status = code;
        }
        self
    }

    fn into_response(self) -> Response<Full<Bytes>> {
        match self {
            EmulatedResponse::Rendered(r) => r,
            EmulatedResponse::Body { status, content_type, headers, body } => {
                let mut resp = Response::new(Full::new(Bytes::from(body)));
                *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                if let Ok(v) = HeaderValue::from_str(&content_type) {
                    resp.headers_mut().insert(CONTENT_TYPE, v);
                }
                resp.headers_mut().insert("x-amzn-requestid", HeaderValue::from_static("emulated"));
                for (k, v) in headers {
                    if let (Ok(k), Ok(v)) = (HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_str(&v)) {
                        resp.headers_mut().insert(k, v);
                    }
                }
                resp
            }
        }
    }
}

impl Rules {
    /// Throttles every request of every service and operation with `probability`, drawn from `seed`.
    pub fn throttle_everywhere(probability: f64, seed: u64) -> Rules {
        Rules {
            faults: vec![FaultRule::new(None, None, When::Probability(probability), Fault::Throttle)],
            seed,
            ..Rules::default()
        }
    }

    /// The NAT gateway lifecycle of real AWS: `pending` for `pending` describes, `deleting` for `deleting`
    /// describes, and internet gateway detaches refused while a gateway is deleting.
    pub fn nat_lifecycle(pending: u32, deleting: u32) -> Rules {
        Rules {
            nat_pending_describes: pending,
            nat_deleting_describes: deleting,
            block_igw_detach_while_nat_deleting: true,
            ..Rules::default()
        }
    }

    /// These rules with `rule` appended to [`Rules::faults`].
    pub fn with(mut self, rule: FaultRule) -> Rules {
        self.faults.push(rule);
        self
    }

    /// Adds a service emulation (see [`Emulator`]).
    pub fn emulate(mut self, emulator: Arc<dyn Emulator>) -> Rules {
        self.emulators.push(emulator);
        self
    }

    /// These rules with another seed.
    pub fn seeded(mut self, seed: u64) -> Rules {
        self.seed = seed;
        self
    }
}

/// One fault: for which requests, when, and what.
#[derive(Clone, Debug)]
pub struct FaultRule {
    /// The service, as in the SigV4 credential scope: "ec2", "sts", "dynamodb", "s3", ... (None = any).
    pub service: Option<String>,
    /// The operation: "DescribeVpcs", "PutItem", or the HTTP method for REST services (None = any).
    pub operation: Option<String>,
    /// Which of the matching requests get the fault.
    pub when: When,
    /// What happens to them.
    pub fault: Fault,
}

impl FaultRule {
    /// A rule for `service` (e.g. `Some("ec2")`) and `operation` (e.g. `Some("DescribeVpcs")`); `None` matches any.
    pub fn new(service: Option<&str>, operation: Option<&str>, when: When, fault: Fault) -> FaultRule {
        FaultRule { service: service.map(str::to_owned), operation: operation.map(str::to_owned), when, fault }
    }

    /// A rule for every service and operation.
    pub fn everywhere(when: When, fault: Fault) -> FaultRule {
        FaultRule::new(None, None, when, fault)
    }

    fn matches(&self, call: &Call) -> bool {
        self.service.as_deref().is_none_or(|s| s.eq_ignore_ascii_case(&call.service))
            && self.operation.as_deref().is_none_or(|o| o.eq_ignore_ascii_case(&call.operation))
    }
}

/// Which matching requests a rule applies to.
#[derive(Clone, Debug)]
pub enum When {
    /// Every matching request.
    Always,
    /// Each matching request with this probability (0.0..=1.0), drawn from [`Rules::seed`]: one draw per
    /// matching request, so the same sequence of requests gets the same faults.
    Probability(f64),
    /// The first N matching requests (counted from the last [`FaultProxy::set_rules`]).
    FirstN(u32),
    /// Only the Nth matching request (1-based, counted like [`When::FirstN`]): fails one step of a
    /// sequence of calls to the same operation (the second `CreateRoute` of a route table).
    Nth(u32),
}

/// What happens to a request a rule applies to.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Delay, then forward normally (or answer with a later rule's fault). Latencies of several rules add up.
    Latency(Duration),
    /// A protocol-correct throttling error (see the module documentation).
    Throttle,
    /// 500 or 503 in the protocol's error shape (code InternalError / ServiceUnavailable, Unavailable for EC2).
    ServerError(u16),
    /// Read the request, then close the connection without any response.
    Drop,
    /// Any error in the protocol's shape, e.g. 400 DependencyViolation.
    Error { status: u16, code: String, message: String },
}

impl Fault {
    /// [`Fault::Error`] from borrowed strings.
    pub fn error(status: u16, code: &str, message: &str) -> Fault {
        Fault::Error { status, code: code.to_owned(), message: message.to_owned() }
    }

    fn kind(&self) -> &'static str {
        match self {
            Fault::Latency(_) => "latency",
            Fault::Throttle => "throttle",
            Fault::ServerError(_) => "5xx",
            Fault::Drop => "drop",
            Fault::Error { .. } => "error",
        }
    }
}

/// What the proxy saw and did, from [`FaultProxy::stats`].
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Every request seen (but `/moto-api/`), by "service:Operation", e.g. "ec2:DescribeVpcs".
    pub requests: BTreeMap<String, u64>,
    /// Injections by "service:Operation:kind", kind being latency|throttle|5xx|drop|error (from rules) or
    /// nat-pending|nat-deleting (one per gateway state rewritten) or igw-blocked.
    pub injected: BTreeMap<String, u64>,
}

impl Stats {
    /// Injections of one kind (e.g. "throttle") over all services and operations.
    pub fn injected_total(&self, kind: &str) -> u64 {
        self.injected.iter().filter(|(k, _)| k.rsplit(':').next() == Some(kind)).map(|(_, n)| n).sum()
    }

    /// Requests seen for "service:Operation" (0 if none).
    pub fn requests_of(&self, service_operation: &str) -> u64 {
        self.requests.get(service_operation).copied().unwrap_or(0)
    }

    /// Every request seen.
    pub fn requests_total(&self) -> u64 {
        self.requests.values().sum()
    }

    /// `{"requests": {...}, "injected": {...}, "total": N}`.
    pub fn to_json(&self) -> String {
        serde_json::json!({ "requests": self.requests, "injected": self.injected, "total": self.requests_total() })
            .to_string()
    }
}

/// A running fault-injection proxy; stops when dropped. See the module documentation.
pub struct FaultProxy {
    port: u16,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FaultProxy {
    /// Binds 127.0.0.1:0 and serves in a background thread running its own tokio runtime (so it works
    /// from both sync #[test] and #[tokio::test] code, and from tests that spawn the `provision` binary
    /// as a child process). Forwards to `upstream` (e.g. "http://127.0.0.1:5000"). Starts with
    /// [`Rules::default`], which injects nothing.
    ///
    /// # Panics
    /// When `upstream` is not an `http://host:port` URL or the proxy cannot bind or start.
    pub fn start(upstream: &str) -> FaultProxy {
        match FaultProxy::start_on(upstream, 0) {
            Ok(proxy) => proxy,
            Err(e) => panic!("FaultProxy::start: {e}"),
        }
    }

    /// Like [`FaultProxy::start`], on 127.0.0.1:`port` (0: any free port), with errors returned.
    pub fn start_on(upstream: &str, port: u16) -> Result<FaultProxy, String> {
        let upstream = upstream.trim_end_matches('/').to_owned();
        let valid = upstream.parse::<Uri>().is_ok_and(|u| u.scheme_str() == Some("http") && u.authority().is_some());
        if !valid {
            return Err(format!("the upstream must look like http://127.0.0.1:5000, got {upstream:?}"));
        }
        let listener = std::net::TcpListener::bind(("127.0.0.1", port))
            .map_err(|e| format!("cannot bind 127.0.0.1:{port}: {e}"))?;
        let port = listener.local_addr().map_err(|e| format!("no local address: {e}"))?.port();
        listener.set_nonblocking(true).map_err(|e| format!("cannot make the listener non-blocking: {e}"))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot build its tokio runtime: {e}"))?;
        let shared = Arc::new(Shared { upstream, state: Mutex::new(State::new(Rules::default())) });
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let served = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name(format!("fault-proxy-{port}"))
            .spawn(move || runtime.block_on(serve(listener, served, stopped)))
            .map_err(|e| format!("cannot spawn its thread: {e}"))?;
        Ok(FaultProxy { port, shared, stop: Some(stop), thread: Some(thread) })
    }

    /// "http://127.0.0.1:PORT": the endpoint to give the code under test (`AWS_ENDPOINT_URL`).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The port the proxy listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Replaces the rules. The NAT gateway describe counters are kept; FirstN counts and the random
    /// generator restart (from the new [`Rules::seed`]).
    pub fn set_rules(&self, rules: Rules) {
        self.shared.lock().set_rules(rules);
    }

    /// A snapshot of what the proxy saw and injected so far.
    pub fn stats(&self) -> Stats {
        self.shared.lock().stats.clone()
    }

    /// Forgets the statistics (not the rules nor the NAT gateway counters).
    pub fn reset_stats(&self) {
        self.shared.lock().stats = Stats::default();
    }
}

impl fmt::Debug for FaultProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FaultProxy").field("url", &self.url()).field("upstream", &self.shared.upstream).finish()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Server

struct Shared {
    /// "http://host:port", no trailing slash.
    upstream: String,
    state: Mutex<State>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

type Upstream = Client<HttpConnector, Full<Bytes>>;

async fn serve(listener: std::net::TcpListener, shared: Arc<Shared>, mut stop: tokio::sync::oneshot::Receiver<()>) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else { return };
    let client: Upstream = Client::builder(TokioExecutor::new()).build_http();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let shared = Arc::clone(&shared);
                let client = client.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| handle(Arc::clone(&shared), client.clone(), req));
                    // An error here is a dropped connection (Fault::Drop or a client gone): nothing to do.
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
        }
    }
}

/// The service error that makes hyper close the connection without answering.
#[derive(Debug)]
struct DropConnection;

impl fmt::Display for DropConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped by the fault proxy")
    }
}

impl std::error::Error for DropConnection {}

type Answer = Result<Response<Full<Bytes>>, DropConnection>;

async fn handle(shared: Arc<Shared>, client: Upstream, req: Request<Incoming>) -> Answer {
    let (parts, body) = req.into_parts();
    let body = body.collect().await.map_err(|_| DropConnection)?.to_bytes();
    if parts.uri.path().starts_with("/__provision/") {
        return Ok(own_endpoint(&shared, &parts));
    }
    if parts.uri.path().starts_with("/moto-api") {
        return Ok(match forward(&shared, &client, &parts, body).await {
            Ok(up) => up.into_response(),
            Err(e) => bad_gateway(&e),
        });
    }
    let call = identify(&parts, &body);
    let plan = shared.lock().plan(&call);
    if !plan.delay.is_zero() {
        tokio::time::sleep(plan.delay).await;
    }
    let outcome = match plan.outcome {
        Outcome::Forward => shared.lock().igw_block(&call).unwrap_or(Outcome::Forward),
        other => other,
    };
    match outcome {
        Outcome::Forward => {}
        Outcome::Drop => return Err(DropConnection),
        Outcome::Answer(reply) => return Ok(reply.render(&call)),
    }
    let emulators = shared.lock().rules.emulators.clone();
    let request_body = body.clone();
    let request = EmulatedRequest {
        service: &call.service,
        operation: &call.operation,
        method: parts.method.as_str(),
        path: parts.uri.path(),
        params: &call.params,
        headers: &parts.headers,
        body: &request_body,
        call: &call,
    };
    if let Some(answer) = emulators.iter().find_map(|e| e.answer(&request)) {
        return Ok(answer.into_response());
    }
    let nat = call.service == "ec2" && call.operation == "DescribeNatGateways" && shared.lock().nat_simulated();
    let (body, describe) = if nat {
        let query = DescribeQuery::parse(&call.params);
        let stripped = query.states.is_some().then(|| encode_form(&query.forwarded_params(&call.params)));
        (stripped.map(Bytes::from).unwrap_or(body), Some(query))
    } else {
        (body, None)
    };
    let mut up = match forward(&shared, &client, &parts, body).await {
        Ok(up) => up,
        Err(e) => return Ok(bad_gateway(&e)),
    };
    if call.service == "ec2" && up.status.is_success() {
        let rewritten = shared.lock().after_ec2(&call, describe.as_ref(), &up.body);
        if let Some(body) = rewritten {
            up.body = Bytes::from(body);
            up.rewritten = true;
        }
    }
    let mut rewritten: Option<EmulatedResponse> = None;
    for emulator in &emulators {
        let (status, body) = match &rewritten {
            None => (up.status.as_u16(), &up.body[..]),
            Some(EmulatedResponse::Body { status, body, .. }) => (*status, &body[..]),
            Some(EmulatedResponse::Rendered(_)) => break,
        };
        let Some(next) = emulator.rewrite(&request, status, body) else { continue };
        rewritten = Some(match (rewritten.take(), next) {
            (
                Some(EmulatedResponse::Body { headers: before, .. }),
                EmulatedResponse::Body { status, content_type, headers, body },
            ) => {
                let mut merged: Vec<(String, String)> = before
                    .into_iter()
                    .filter(|(k, _)| !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(k)))
                    .collect();
                merged.extend(headers);
                EmulatedResponse::Body { status, content_type, headers: merged, body }
            }
            (_, next) => next,
        });
    }
    if let Some(answer) = rewritten {
        return Ok(answer.into_response());
    }
    Ok(up.into_response())
}

/// The proxy's own endpoints, under `/__provision/`: `GET /__provision/stats` answers
/// [`FaultProxy::stats`] as JSON (`{"requests": {"ec2:DescribeVpcs": 2, ...}, "injected": {...},
/// "total": 2}`), `POST /__provision/stats/reset` forgets them.
fn own_endpoint(shared: &Shared, parts: &Parts) -> Response<Full<Bytes>> {
    let (status, body) = match (parts.method.as_str(), parts.uri.path()) {
        ("GET", "/__provision/stats") => (StatusCode::OK, shared.lock().stats.to_json()),
        ("POST", "/__provision/stats/reset") => {
            shared.lock().stats = Stats::default();
            (StatusCode::OK, "{}".to_owned())
        }
        _ => (StatusCode::NOT_FOUND, "{\"error\":\"unknown fault proxy endpoint\"}".to_owned()),
    };
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = status;
    resp.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

/// An upstream answer, read whole.
struct Upstreamed {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    rewritten: bool,
}

impl Upstreamed {
    fn into_response(mut self) -> Response<Full<Bytes>> {
        strip_hop_by_hop(&mut self.headers);
        if self.rewritten {
            self.headers.insert(CONTENT_LENGTH, HeaderValue::from(self.body.len()));
        }
        let mut resp = Response::new(Full::new(self.body));
        *resp.status_mut() = self.status;
        *resp.headers_mut() = self.headers;
        resp
    }
}

fn strip_hop_by_hop(headers: &mut HeaderMap) {
    for name in ["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"] {
        headers.remove(name);
    }
}

async fn forward(shared: &Shared, client: &Upstream, parts: &Parts, body: Bytes) -> Result<Upstreamed, String> {
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let uri: Uri = format!("{}{path}", shared.upstream).parse().map_err(|e| format!("bad upstream uri: {e}"))?;
    let had_length = parts.headers.contains_key(CONTENT_LENGTH) || parts.headers.contains_key("transfer-encoding");
    let mut headers = parts.headers.clone();
    strip_hop_by_hop(&mut headers);
    // The body is already read whole, so the upstream needs no 100-continue dance.
    headers.remove("expect");
    headers.remove(CONTENT_LENGTH);
    if had_length || !body.is_empty() {
        headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
    }
    let mut req = Request::new(Full::new(body));
    *req.method_mut() = parts.method.clone();
    *req.uri_mut() = uri;
    *req.version_mut() = Version::HTTP_11;
    *req.headers_mut() = headers;
    let resp = client.request(req).await.map_err(|e| format!("upstream {}: {e}", shared.upstream))?;
    let (rparts, rbody) = resp.into_parts();
    let body = rbody.collect().await.map_err(|e| format!("upstream body: {e}"))?.to_bytes();
    Ok(Upstreamed { status: rparts.status, headers: rparts.headers, body, rewritten: false })
}

fn bad_gateway(error: &str) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(format!("fault proxy: {error}\n"))));
    *resp.status_mut() = StatusCode::BAD_GATEWAY;
    resp.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    resp
}

// ---------------------------------------------------------------------------------------------------
// Request identification

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Protocol {
    Ec2,
    Query,
    Json,
    RestXml,
}

/// What a request is: service, operation, protocol and its query/form parameters.
#[derive(Debug)]
struct Call {
    service: String,
    operation: String,
    protocol: Protocol,
    /// Decoded parameters of the URL query and of a form body, in order.
    params: Vec<(String, String)>,
    /// The request's content type, for JSON error answers.
    content_type: String,
}

impl Call {
    fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn key(&self) -> String {
        format!("{}:{}", self.service, self.operation)
    }
}

fn identify(parts: &Parts, body: &[u8]) -> Call {
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let mut params = parts.uri.query().map(parse_form).unwrap_or_default();
    let content_type = header("content-type").unwrap_or("").to_owned();
    if content_type.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded")
        && let Ok(text) = std::str::from_utf8(body)
    {
        params.extend(parse_form(text));
    }
    let credential = header("authorization")
        .and_then(|a| a.split_once("Credential=").map(|(_, rest)| rest.to_owned()))
        .or_else(|| params.iter().find(|(k, _)| k == "X-Amz-Credential").map(|(_, v)| v.clone()));
    let service = credential
        .as_deref()
        .and_then(|c| c.split([',', ' ']).next())
        .and_then(|scope| scope.split('/').nth(3))
        .filter(|s| !s.is_empty())
        .unwrap_or("unknown")
        .to_owned();
    let target = header("x-amz-target").map(|t| t.rsplit('.').next().unwrap_or(t).to_owned());
    let action = params.iter().find(|(k, _)| k == "Action").map(|(_, v)| v.clone());
    let protocol = if service == "ec2" {
        Protocol::Ec2
    } else if target.is_some() {
        Protocol::Json
    } else if action.is_some() {
        Protocol::Query
    } else {
        Protocol::RestXml
    };
    let operation = target.or(action).unwrap_or_else(|| parts.method.as_str().to_owned());
    Call { service, operation, protocol, params, content_type }
}

fn parse_form(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode_component(k), decode_component(v))
        })
        .collect()
}

fn decode_component(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn encode_form(params: &[(String, String)]) -> String {
    fn enc(s: &str, out: &mut String) {
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    let mut out = String::new();
    for (i, (k, v)) in params.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        enc(k, &mut out);
        out.push('=');
        enc(v, &mut out);
    }
    out
}

// ---------------------------------------------------------------------------------------------------
// Decisions

struct State {
    rules: Rules,
    rng: Rng,
    /// Matching requests seen so far by each rule (for FirstN).
    matched: Vec<u32>,
    stats: Stats,
    nat: NatBook,
    request_ids: u64,
}

/// What to do with a request before forwarding it.
struct Plan {
    delay: Duration,
    outcome: Outcome,
}

enum Outcome {
    Forward,
    Drop,
    Answer(ErrorReply),
}

/// An error answer, rendered in the protocol of the call.
struct ErrorReply {
    status: u16,
    code: String,
    message: String,
    request_id: String,
}

impl State {
    fn new(rules: Rules) -> State {
        let mut state = State {
            rules: Rules::default(),
            rng: Rng::new(0),
            matched: Vec::new(),
            stats: Stats::default(),
            nat: NatBook::default(),
            request_ids: 0,
        };
        state.set_rules(rules);
        state
    }

    fn set_rules(&mut self, rules: Rules) {
        self.rng = Rng::new(rules.seed);
        self.matched = vec![0; rules.faults.len()];
        self.rules = rules;
    }

    fn inject(&mut self, key: &str, kind: &str) {
        *self.stats.injected.entry(format!("{key}:{kind}")).or_default() += 1;
    }

    fn request_id(&mut self) -> String {
        self.request_ids += 1;
        let a = splitmix64(self.request_ids);
        let b = splitmix64(a);
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            (b >> 48) & 0xfff,
            b & 0xffff_ffff_ffff
        )
    }

    fn nat_simulated(&self) -> bool {
        let rules = &self.rules;
        rules.nat_pending_describes > 0
            || rules.nat_deleting_describes > 0
            || !rules.nat_pending_for.is_zero()
            || !rules.nat_deleting_for.is_zero()
    }

    fn nat_limits(&self) -> NatLimits {
        NatLimits {
            pending_k: self.rules.nat_pending_describes,
            deleting_k: self.rules.nat_deleting_describes,
            pending_for: self.rules.nat_pending_for,
            deleting_for: self.rules.nat_deleting_for,
        }
    }

    fn plan(&mut self, call: &Call) -> Plan {
        let key = call.key();
        *self.stats.requests.entry(key.clone()).or_default() += 1;
        let mut delay = Duration::ZERO;
        let mut fired = Vec::new();
        let mut answer = None;
        for (i, rule) in self.rules.faults.iter().enumerate() {
            if !rule.matches(call) {
                continue;
            }
            let fires = match rule.when {
                When::Always => true,
                When::Probability(p) => self.rng.next_f64() < p,
                When::FirstN(n) => {
                    self.matched[i] = self.matched[i].saturating_add(1);
                    self.matched[i] <= n
                }
                When::Nth(n) => {
                    self.matched[i] = self.matched[i].saturating_add(1);
                    self.matched[i] == n
                }
            };
            if !fires {
                continue;
            }
            fired.push(rule.fault.kind());
            if let Fault::Latency(d) = rule.fault {
                delay += d;
            } else {
                answer = Some(rule.fault.clone());
                break;
            }
        }
        for kind in fired {
            self.inject(&key, kind);
        }
        let outcome = match answer {
            Some(Fault::Drop) => Outcome::Drop,
            Some(fault) => Outcome::Answer(self.reply(call.protocol, &fault)),
            // The detach trap is decided after the delay (see `handle`): it depends on the NAT
            // gateways' state when the request reaches "AWS".
            None => Outcome::Forward,
        };
        Plan { delay, outcome }
    }

    fn reply(&mut self, protocol: Protocol, fault: &Fault) -> ErrorReply {
        let (status, code, message) = match fault {
            Fault::Throttle => match protocol {
                Protocol::Ec2 => (503, "RequestLimitExceeded", "Request limit exceeded."),
                Protocol::Query | Protocol::Json => {
                    let code = if protocol == Protocol::Json { "ThrottlingException" } else { "Throttling" };
                    (400, code, "Rate exceeded")
                }
                Protocol::RestXml => (503, "SlowDown", "Please reduce your request rate."),
            },
            Fault::ServerError(503) => {
                let code = if protocol == Protocol::Ec2 { "Unavailable" } else { "ServiceUnavailable" };
                (503, code, "The service is unavailable. Please try again shortly.")
            }
            Fault::ServerError(status) => {
                (*status, "InternalError", "We encountered an internal error. Please try again.")
            }
            Fault::Error { status, code, message } => (*status, code.as_str(), message.as_str()),
            Fault::Latency(_) | Fault::Drop => (500, "InternalError", "fault proxy"),
        };
        ErrorReply { status, code: code.to_owned(), message: message.to_owned(), request_id: self.request_id() }
    }

    /// The DependencyViolation answer of DetachInternetGateway while a NAT gateway of the VPC is deleting.
    fn igw_block(&mut self, call: &Call) -> Option<Outcome> {
        if !(self.rules.block_igw_detach_while_nat_deleting
            && call.service == "ec2"
            && call.operation == "DetachInternetGateway")
        {
            return None;
        }
        let vpc = call.param("VpcId").unwrap_or("").to_owned();
        if !self.nat.deleting_in(&vpc, &self.nat_limits()) {
            return None;
        }
        self.inject(&call.key(), "igw-blocked");
        let message = format!(
            "Network {vpc} has some mapped public address(es). Please unmap those public address(es) before \
             detaching the gateway."
        );
        Some(Outcome::Answer(ErrorReply {
            status: 400,
            code: "DependencyViolation".into(),
            message,
            request_id: self.request_id(),
        }))
    }

    /// Books and rewrites successful EC2 answers for the NAT gateway lifecycle; `Some` is a new body.
    fn after_ec2(&mut self, call: &Call, describe: Option<&DescribeQuery>, body: &[u8]) -> Option<String> {
        let text = std::str::from_utf8(body).ok()?;
        let key = call.key();
        let limits = self.nat_limits();
        match call.operation.as_str() {
            "CreateNatGateway" => {
                let (new, rewrote) = self.nat.created(text, &limits);
                if rewrote {
                    self.inject(&key, "nat-pending");
                }
                new
            }
            "DeleteNatGateway" => {
                if limits.deletes()
                    && let Some(id) = call.param("NatGatewayId")
                {
                    self.nat.deleting.insert(id.to_owned(), 0);
                    self.nat.deleted_at.insert(id.to_owned(), Instant::now());
                    self.nat.created_at.remove(id);
                    self.nat.describes.insert(id.to_owned(), u32::MAX);
                }
                None
            }
            "DescribeNatGateways" => {
                let query = describe?;
                let (new, pending, deleting) = self.nat.described(text, query, &limits);
                for _ in 0..pending {
                    self.inject(&key, "nat-pending");
                }
                for _ in 0..deleting {
                    self.inject(&key, "nat-deleting");
                }
                new
            }
            _ => None,
        }
    }
}

impl ErrorReply {
    fn render(&self, call: &Call) -> Response<Full<Bytes>> {
        let code = xml_escape(&self.code);
        let message = xml_escape(&self.message);
        let id = &self.request_id;
        let mut headers: Vec<(&'static str, String)> = vec![("x-amzn-requestid", id.clone())];
        let body = match call.protocol {
            Protocol::Ec2 => {
                headers.push(("content-type", "text/xml;charset=UTF-8".into()));
                format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code>\
                     <Message>{message}</Message></Error></Errors><RequestID>{id}</RequestID></Response>"
                )
            }
            Protocol::Query => {
                headers.push(("content-type", "text/xml".into()));
                let kind = if self.status >= 500 { "Receiver" } else { "Sender" };
                let ns = format!("https://{}.amazonaws.com/doc/", call.service);
                format!(
                    "<ErrorResponse xmlns=\"{ns}\"><Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}\
                     </Message></Error><RequestId>{id}</RequestId></ErrorResponse>"
                )
            }
            Protocol::Json => {
                let content_type = if call.content_type.starts_with("application/x-amz-json") {
                    call.content_type.clone()
                } else if call.service == "dynamodb" {
                    "application/x-amz-json-1.0".into()
                } else {
                    "application/x-amz-json-1.1".into()
                };
                headers.push(("content-type", content_type));
                headers.push(("x-amzn-errortype", self.code.clone()));
                format!("{{\"__type\":\"{}\",\"message\":\"{}\"}}", json_escape(&self.code), json_escape(&self.message))
            }
            Protocol::RestXml => {
                headers.push(("content-type", "application/xml".into()));
                headers.push(("x-amz-request-id", id.clone()));
                format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message>\
                     <RequestId>{id}</RequestId></Error>"
                )
            }
        };
        let mut resp = Response::new(Full::new(Bytes::from(body)));
        *resp.status_mut() = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        for (name, value) in headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                resp.headers_mut().insert(HeaderName::from_static(name), value);
            }
        }
        resp
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn json_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// xorshift64*, seeded through splitmix64: small, deterministic, good enough for coin flips.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(splitmix64(seed) | 1)
    }

    fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in [0, 1).
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn splitmix64(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

// ---------------------------------------------------------------------------------------------------
// NAT gateway lifecycle

/// How long NAT gateways stay pending and deleting: by describes, by time, or both (either keeps
/// the state).
#[derive(Clone, Copy, Debug, Default)]
struct NatLimits {
    pending_k: u32,
    deleting_k: u32,
    pending_for: Duration,
    deleting_for: Duration,
}

impl NatLimits {
    fn deletes(&self) -> bool {
        self.deleting_k > 0 || !self.deleting_for.is_zero()
    }
}

#[derive(Default)]
struct NatBook {
    /// DescribeNatGateways answers that included each gateway (u32::MAX once it is deleted).
    describes: HashMap<String, u32>,
    /// When each gateway was created (seen in a CreateNatGateway answer).
    created_at: HashMap<String, Instant>,
    /// Gateways in the deleting phase, with the deleting describes answered so far.
    deleting: BTreeMap<String, u32>,
    /// When each gateway in the deleting phase was deleted.
    deleted_at: HashMap<String, Instant>,
    /// The last `<item>` the upstream returned for each gateway.
    items: HashMap<String, String>,
}

/// Whether gateway `id`, deleted `seen` describes ago, is still deleting.
fn still_deleting(deleted_at: &HashMap<String, Instant>, id: &str, seen: u32, limits: &NatLimits) -> bool {
    seen < limits.deleting_k || deleted_at.get(id).is_some_and(|t| t.elapsed() < limits.deleting_for)
}

impl NatBook {
    /// Whether a gateway of `vpc` (or of a VPC the proxy does not know) is in the deleting phase.
    fn deleting_in(&self, vpc: &str, limits: &NatLimits) -> bool {
        self.deleting.iter().any(|(id, seen)| {
            still_deleting(&self.deleted_at, id, *seen, limits)
                && self.items.get(id).and_then(|item| child_text(item, "vpcId")).is_none_or(|v| v == vpc)
        })
    }

    /// Whether gateway `id`, included in `before` describes so far, is still pending.
    fn still_pending(&self, id: &str, before: u32, limits: &NatLimits) -> bool {
        before < limits.pending_k || self.created_at.get(id).is_some_and(|t| t.elapsed() < limits.pending_for)
    }

    /// Drops the gateways whose deleting phase is over.
    fn end_deletes(&mut self, limits: &NatLimits) {
        let deleted_at = &self.deleted_at;
        self.deleting.retain(|id, seen| still_deleting(deleted_at, id, *seen, limits));
    }

    /// Books a CreateNatGateway answer; returns the rewritten body and whether it now says pending.
    fn created(&mut self, body: &str, limits: &NatLimits) -> (Option<String>, bool) {
        let Some(range) = element_range(body, "natGateway") else { return (None, false) };
        let element = &body[range.clone()];
        let Some(id) = child_text(element, "natGatewayId") else { return (None, false) };
        let inner = element_inner(element).unwrap_or("");
        self.items.insert(id.clone(), format!("<item>{inner}</item>"));
        self.created_at.insert(id.clone(), Instant::now());
        if !self.still_pending(&id, 0, limits) || child_text(element, "state").as_deref() != Some("available") {
            return (None, false);
        }
        let element = set_child_text(element, "state", "pending");
        (Some(format!("{}{element}{}", &body[..range.start], &body[range.end..])), true)
    }

    /// Books and rewrites a DescribeNatGateways answer; returns the new body (if any) and the numbers of
    /// items rewritten to pending and to deleting.
    fn described(&mut self, body: &str, query: &DescribeQuery, limits: &NatLimits) -> (Option<String>, u32, u32) {
        let Some(set) = element_range(body, "natGatewaySet") else { return (None, 0, 0) };
        let inner = element_inner(&body[set.clone()]).unwrap_or("");
        self.end_deletes(limits);
        let (mut pending, mut deleting) = (0, 0);
        let mut items = Vec::new();
        let mut present = BTreeSet::new();
        for range in child_ranges(inner, "item") {
            let item = &inner[range];
            let Some(id) = child_text(item, "natGatewayId") else {
                items.push(item.to_owned());
                continue;
            };
            self.items.insert(id.clone(), item.to_owned());
            present.insert(id.clone());
            if let Some(seen) = self.deleting.get_mut(&id) {
                *seen += 1;
                deleting += 1;
                items.push(set_child_text(item, "state", "deleting"));
                continue;
            }
            let count = self.describes.entry(id.clone()).or_default();
            let before = *count;
            *count = count.saturating_add(1);
            if self.still_pending(&id, before, limits) && child_text(item, "state").as_deref() == Some("available") {
                pending += 1;
                items.push(set_child_text(item, "state", "pending"));
            } else {
                items.push(item.to_owned());
            }
        }
        for (id, seen) in &mut self.deleting {
            if present.contains(id) {
                continue;
            }
            let Some(last) = self.items.get(id) else { continue };
            if query.concerns(id, last) {
                *seen += 1;
                deleting += 1;
                items.push(set_child_text(last, "state", "deleting"));
            }
        }
        self.end_deletes(limits);
        if let Some(states) = &query.states {
            items.retain(|item| child_text(item, "state").is_some_and(|s| states.contains(&s)));
        }
        let set_xml = if items.is_empty() {
            "<natGatewaySet/>".to_owned()
        } else {
            format!("<natGatewaySet>{}</natGatewaySet>", items.concat())
        };
        let new = format!("{}{set_xml}{}", &body[..set.start], &body[set.end..]);
        (Some(new), pending, deleting)
    }
}

/// The selection of a DescribeNatGateways request.
#[derive(Debug, Default)]
struct DescribeQuery {
    /// `NatGatewayId.N` values.
    ids: Vec<String>,
    /// Filters other than `state`, in order.
    filters: Vec<(String, Vec<String>)>,
    /// Values of the `state` filter, if there is one.
    states: Option<Vec<String>>,
}

impl DescribeQuery {
    fn parse(params: &[(String, String)]) -> DescribeQuery {
        let mut filters: BTreeMap<u32, (String, Vec<String>)> = BTreeMap::new();
        let mut query = DescribeQuery::default();
        for (k, v) in params {
            if k.starts_with("NatGatewayId.") || k.starts_with("NatGatewayIds.") {
                query.ids.push(v.clone());
            } else if let Some(rest) = k.strip_prefix("Filter.") {
                let mut parts = rest.split('.');
                let Some(n) = parts.next().and_then(|n| n.parse::<u32>().ok()) else { continue };
                let entry = filters.entry(n).or_default();
                match parts.next() {
                    Some("Name") => entry.0 = v.clone(),
                    Some("Value") => entry.1.push(v.clone()),
                    _ => {}
                }
            }
        }
        for (_, (name, values)) in filters {
            if name == "state" {
                query.states.get_or_insert_with(Vec::new).extend(values);
            } else {
                query.filters.push((name, values));
            }
        }
        query
    }

    /// The request parameters without the state filter (the proxy applies it), filters renumbered.
    fn forwarded_params(&self, params: &[(String, String)]) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> =
            params.iter().filter(|(k, _)| !k.starts_with("Filter.")).cloned().collect();
        for (i, (name, values)) in self.filters.iter().enumerate() {
            let n = i + 1;
            out.push((format!("Filter.{n}.Name"), name.clone()));
            for (j, value) in values.iter().enumerate() {
                out.push((format!("Filter.{n}.Value.{}", j + 1), value.clone()));
            }
        }
        out
    }

    /// Whether this describe selects gateway `id`, whose last seen `<item>` is `item` (state aside).
    fn concerns(&self, id: &str, item: &str) -> bool {
        if !self.ids.is_empty() && !self.ids.iter().any(|x| x == id) {
            return false;
        }
        let has = |values: &[String], v: Option<String>| v.is_some_and(|v| values.contains(&v));
        self.filters.iter().all(|(name, values)| match name.as_str() {
            "nat-gateway-id" => values.iter().any(|v| v == id),
            "vpc-id" => has(values, child_text(item, "vpcId")),
            "subnet-id" => has(values, child_text(item, "subnetId")),
            "tag-key" => tags(item).iter().any(|(k, _)| values.contains(k)),
            other => match other.strip_prefix("tag:") {
                Some(key) => tags(item).iter().any(|(k, v)| k == key && values.contains(v)),
                None => false,
            },
        })
    }
}

fn tags(item: &str) -> Vec<(String, String)> {
    let Some(set) = child_element(item, "tagSet") else { return Vec::new() };
    let inner = element_inner(set).unwrap_or("");
    child_ranges(inner, "item")
        .into_iter()
        .filter_map(|r| {
            let tag = &inner[r];
            Some((child_text(tag, "key")?, child_text(tag, "value").unwrap_or_default()))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------------
// Minimal XML handling: enough for moto's and AWS's plain, attribute-light EC2 answers.

/// The range of the first element named `name` anywhere in `doc` (`<name>...</name>` or `<name/>`).
/// Only for names that do not nest within themselves.
pub(crate) fn element_range(doc: &str, name: &str) -> Option<Range<usize>> {
    let open = format!("<{name}");
    let mut from = 0;
    while let Some(off) = doc[from..].find(&open) {
        let start = from + off;
        let after = &doc[start + open.len()..];
        let gt = after.find('>')?;
        let head = &after[..gt];
        if head.is_empty() || head.starts_with(char::is_whitespace) || head == "/" {
            if head.ends_with('/') {
                return Some(start..start + open.len() + gt + 1);
            }
            let close = format!("</{name}>");
            let end = doc[start..].find(&close)? + start + close.len();
            return Some(start..end);
        }
        from = start + open.len();
    }
    None
}

/// The ranges, within `content`, of its top-level elements named `name`.
pub(crate) fn child_ranges(content: &str, name: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start: Option<usize> = None;
    let mut i = 0;
    while let Some(off) = content[i..].find('<') {
        let lt = i + off;
        let Some(gt) = content[lt..].find('>').map(|g| lt + g) else { break };
        let tag = &content[lt + 1..gt];
        i = gt + 1;
        if tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        if let Some(closing) = tag.strip_prefix('/') {
            depth = depth.saturating_sub(1);
            if depth == 0
                && let Some(s) = start.take()
                && tag_name(closing) == name
            {
                out.push(s..i);
            }
        } else if tag.ends_with('/') {
            if depth == 0 && tag_name(tag) == name {
                out.push(lt..i);
            }
        } else {
            if depth == 0 && tag_name(tag) == name {
                start = Some(lt);
            }
            depth += 1;
        }
    }
    out
}

fn tag_name(tag: &str) -> &str {
    tag.split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or("")
}

/// The content of an element (between its start and end tags); `None` for `<x/>`.
pub(crate) fn element_inner(element: &str) -> Option<&str> {
    let gt = element.find('>')?;
    if element[..gt].ends_with('/') {
        return None;
    }
    let end = element.rfind("</")?;
    (end > gt).then(|| &element[gt + 1..end])
}

/// The first direct child element of `element` named `name`.
pub(crate) fn child_element<'a>(element: &'a str, name: &str) -> Option<&'a str> {
    let inner = element_inner(element)?;
    child_ranges(inner, name).into_iter().next().map(|r| &inner[r])
}

/// The text of the first direct child of `element` named `name` (empty for `<name/>`).
pub(crate) fn child_text(element: &str, name: &str) -> Option<String> {
    child_element(element, name).map(|child| element_inner(child).unwrap_or("").to_owned())
}

/// `element` with the text of its first direct child `name` set to `value` (the child is appended when
/// missing).
pub(crate) fn set_child_text(element: &str, name: &str, value: &str) -> String {
    let new_child = format!("<{name}>{value}</{name}>");
    let Some(gt) = element.find('>') else { return element.to_owned() };
    let Some(inner) = element_inner(element) else { return element.to_owned() };
    let base = gt + 1;
    match child_ranges(inner, name).into_iter().next() {
        Some(r) => format!("{}{new_child}{}", &element[..base + r.start], &element[base + r.end..]),
        None => {
            let end = base + inner.len();
            format!("{}{new_child}{}", &element[..end], &element[end..])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ITEM: &str = "<item><natGatewayAddressSet><item><allocationId>eipalloc-1</allocationId></item>\
        </natGatewayAddressSet><natGatewayId>nat-1</natGatewayId><state>available</state><vpcId>vpc-1</vpcId>\
        <tagSet><item><key>Name</key><value>n1</value></item></tagSet></item>";

    #[test]
    fn xml_helpers_find_direct_children_only() {
        let inner = element_inner(ITEM).expect("inner");
        assert_eq!(child_ranges(inner, "item").len(), 0, "nested items are not direct children");
        assert_eq!(child_text(ITEM, "natGatewayId").as_deref(), Some("nat-1"));
        assert_eq!(child_text(ITEM, "state").as_deref(), Some("available"));
        let rewritten = set_child_text(ITEM, "state", "pending");
        assert_eq!(child_text(&rewritten, "state").as_deref(), Some("pending"));
        assert_eq!(tags(ITEM), vec![("Name".to_owned(), "n1".to_owned())]);
        let set = format!("<natGatewaySet>{ITEM}{ITEM}</natGatewaySet>");
        let inner = element_inner(&set).expect("inner");
        assert_eq!(child_ranges(inner, "item").len(), 2);
        assert_eq!(element_range("<a><natGatewaySet/></a>", "natGatewaySet"), Some(3..19));
        assert_eq!(
            element_range("<natGatewayId>x</natGatewayId><natGateway>y</natGateway>", "natGateway"),
            Some(30..56)
        );
    }

    #[test]
    fn nat_gateways_are_pending_and_deleting_for_a_time() {
        let limits = NatLimits {
            pending_for: Duration::from_millis(150),
            deleting_for: Duration::from_millis(150),
            ..NatLimits::default()
        };
        let mut book = NatBook::default();
        let created = format!("<CreateNatGatewayResponse><natGateway>{}</natGateway></CreateNatGatewayResponse>", {
            let inner = element_inner(ITEM).expect("inner");
            inner.to_owned()
        });
        let (new, rewrote) = book.created(&created, &limits);
        assert!(rewrote && new.is_some_and(|b| b.contains("<state>pending</state>")));
        let answer = format!("<R><natGatewaySet>{ITEM}</natGatewaySet></R>");
        let query = DescribeQuery::default();
        // Pending however often it is described, until the time is over.
        for _ in 0..3 {
            let (new, pending, _) = book.described(&answer, &query, &limits);
            assert_eq!(pending, 1);
            assert!(new.is_some_and(|b| b.contains("<state>pending</state>")));
        }
        std::thread::sleep(Duration::from_millis(170));
        assert_eq!(book.described(&answer, &query, &limits).1, 0);
        // Deleted: deleting for the time (moto says `deleted` at once), and the detach refused meanwhile.
        book.deleting.insert("nat-1".into(), 0);
        book.deleted_at.insert("nat-1".into(), Instant::now());
        let gone = answer.replace("available", "deleted");
        let (new, _, deleting) = book.described(&gone, &query, &limits);
        assert_eq!(deleting, 1);
        assert!(new.is_some_and(|b| b.contains("<state>deleting</state>")));
        assert!(book.deleting_in("vpc-1", &limits));
        std::thread::sleep(Duration::from_millis(170));
        let (new, _, deleting) = book.described(&gone, &query, &limits);
        assert_eq!(deleting, 0);
        assert!(new.is_some_and(|b| b.contains("<state>deleted</state>")));
        assert!(!book.deleting_in("vpc-1", &limits));
    }

    #[test]
    fn form_round_trip() {
        let params = parse_form("Action=DescribeNatGateways&Filter.1.Name=tag%3AName&Filter.1.Value.1=a+b%2Fc");
        assert_eq!(params[1], ("Filter.1.Name".to_owned(), "tag:Name".to_owned()));
        assert_eq!(params[2].1, "a b/c");
        assert_eq!(parse_form(&encode_form(&params)), params);
    }

    #[test]
    fn describe_query_strips_and_renumbers_the_state_filter() {
        let params = parse_form(
            "Action=DescribeNatGateways&Filter.1.Name=state&Filter.1.Value.1=pending&Filter.1.Value.2=available\
             &Filter.2.Name=vpc-id&Filter.2.Value.1=vpc-1&Version=2016-11-15",
        );
        let q = DescribeQuery::parse(&params);
        assert_eq!(q.states, Some(vec!["pending".to_owned(), "available".to_owned()]));
        assert!(q.concerns("nat-1", ITEM));
        let fwd = encode_form(&q.forwarded_params(&params));
        assert_eq!(fwd, "Action=DescribeNatGateways&Version=2016-11-15&Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-1");
        let other = DescribeQuery::parse(&parse_form("Filter.1.Name=tag:Name&Filter.1.Value.1=zz"));
        assert!(!other.concerns("nat-1", ITEM));
    }

    #[test]
    fn nth_fires_on_that_matching_request_only() {
        let rule = |when| {
            FaultRule::new(Some("ec2"), Some("CreateRoute"), when, Fault::error(403, "UnauthorizedOperation", "no"))
        };
        let mut state =
            State::new(Rules { faults: vec![rule(When::Nth(2)), rule(When::FirstN(1))], ..Rules::default() });
        let call = |operation: &str| Call {
            service: "ec2".into(),
            operation: operation.into(),
            protocol: Protocol::Ec2,
            params: vec![],
            content_type: String::new(),
        };
        let answered = |plan: Plan| matches!(plan.outcome, Outcome::Answer(_));
        // The other operation neither fires nor counts.
        assert!(!answered(state.plan(&call("DescribeRouteTables"))));
        // 1st: Nth(2) counts it but does not fire; FirstN(1) fires.
        assert!(answered(state.plan(&call("CreateRoute"))));
        // 2nd: Nth(2) fires (and FirstN(1), spent anyway, does not see it).
        assert!(answered(state.plan(&call("CreateRoute"))));
        // 3rd: neither.
        assert!(!answered(state.plan(&call("CreateRoute"))));
        assert_eq!(state.stats.injected.get("ec2:CreateRoute:error"), Some(&2));
    }

    #[test]
    fn rng_is_reproducible() {
        let a: Vec<u64> = {
            let mut r = Rng::new(42);
            (0..5).map(|_| r.next_u64()).collect()
        };
        let mut r = Rng::new(42);
        assert_eq!(a, (0..5).map(|_| r.next_u64()).collect::<Vec<_>>());
        let mut r = Rng::new(0);
        assert!((0..1000).map(|_| r.next_f64()).all(|x| (0.0..1.0).contains(&x)));
    }
}
