//! Tests of the fault-injection proxy: each fault kind against a tiny canned upstream, the NAT gateway
//! lifecycle against canned moto answers, and one end-to-end run against real moto.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use provision_testkit::faults::{Fault, FaultProxy, FaultRule, Rules, When};
use provision_testkit::moto::Moto;

// ---------------------------------------------------------------------------------------------------
// A plain HTTP/1.1 client (one request per connection) and a canned upstream.

#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

fn send(port: u16, method: &str, path: &str, headers: &[(&str, String)], body: &str) -> std::io::Result<Resp> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(20)))?;
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    s.write_all(req.as_bytes())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    if raw.is_empty() {
        return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "closed without a response"));
    }
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split_whitespace().nth(1)).and_then(|s| s.parse().ok()).unwrap_or(0);
    let headers =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())).collect();
    Ok(Resp { status, headers, body: body.to_owned() })
}

fn auth(service: &str) -> (&'static str, String) {
    (
        "Authorization",
        format!(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261122/eu-west-1/{service}/aws4_request, \
             SignedHeaders=host;x-amz-date, Signature=0000"
        ),
    )
}

/// A query-protocol call (EC2, STS, ...): POST / with a form body.
fn query(port: u16, service: &str, form: &str) -> Resp {
    let headers = [auth(service), ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8".into())];
    send(port, "POST", "/", &headers, form).expect("query request")
}

fn ec2(port: u16, form: &str) -> Resp {
    query(port, "ec2", &format!("{form}&Version=2016-11-15"))
}

/// A JSON-protocol call.
fn json(port: u16, service: &str, target: &str, content_type: Option<&str>) -> Resp {
    let mut headers = vec![auth(service), ("X-Amz-Target", target.to_owned())];
    if let Some(ct) = content_type {
        headers.push(("Content-Type", ct.to_owned()));
    }
    send(port, "POST", "/", &headers, "{}").expect("json request")
}

/// A request as the canned upstream saw it.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn action(&self) -> &str {
        self.body.split('&').find_map(|p| p.strip_prefix("Action=")).unwrap_or("")
    }
}

type Handler = Box<dyn Fn(&Seen) -> (u16, String) + Send>;

/// A canned upstream on a free port: answers each request with `handler`, records what it saw.
struct Stub {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Stub {
    fn start(handler: Handler) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind stub");
        let port = listener.local_addr().expect("stub addr").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if let Some(req) = read_request(&stream) {
                    log.lock().expect("log").push(req.clone());
                    let (status, body) = handler(&req);
                    let mut stream = stream;
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {status} X\r\nContent-Type: text/xml\r\nx-stub: yes\r\nContent-Length: {}\r\n\
                         Connection: close\r\n\r\n{body}",
                        body.len()
                    );
                }
            }
        });
        Stub { port, seen }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("log").clone()
    }
}

fn read_request(stream: &TcpStream) -> Option<Seen> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    let len = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0usize);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some(Seen { method, path, headers, body: String::from_utf8_lossy(&body).into_owned() })
}

fn ok_stub() -> Stub {
    Stub::start(Box::new(|req| (200, format!("<OkResponse><action>{}</action></OkResponse>", req.action()))))
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> Vec<&'a str> {
    text.split(open).skip(1).filter_map(|rest| rest.split_once(close).map(|(v, _)| v)).collect()
}

// ---------------------------------------------------------------------------------------------------
// Plain forwarding and each fault kind

#[test]
fn forwards_requests_and_answers_faithfully() {
    let stub = ok_stub();
    let proxy = FaultProxy::start(&stub.url());
    assert_eq!(proxy.url(), format!("http://127.0.0.1:{}", proxy.port()));

    let resp = ec2(proxy.port(), "Action=DescribeVpcs&Filter.1.Name=tag%3AName");
    assert_eq!(resp.status, 200);
    assert_eq!(resp.body, "<OkResponse><action>DescribeVpcs</action></OkResponse>");
    assert_eq!(resp.header("x-stub"), Some("yes"), "upstream headers are passed on");

    let put = send(proxy.port(), "PUT", "/bucket/key?x-id=PutObject", &[auth("s3")], "hello").expect("put");
    assert_eq!(put.status, 200);
    send(proxy.port(), "POST", "/moto-api/reset", &[], "").expect("moto-api");

    let seen = stub.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].body, "Action=DescribeVpcs&Filter.1.Name=tag%3AName&Version=2016-11-15");
    assert_eq!(seen[0].header("host"), Some(format!("127.0.0.1:{}", proxy.port()).as_str()), "Host is kept");
    assert!(seen[0].header("authorization").is_some_and(|a| a.contains("/ec2/aws4_request")));
    assert_eq!((seen[1].method.as_str(), seen[1].path.as_str()), ("PUT", "/bucket/key?x-id=PutObject"));
    assert_eq!(seen[1].body, "hello");
    assert_eq!(seen[2].path, "/moto-api/reset");

    let stats = proxy.stats();
    assert_eq!(stats.requests_of("ec2:DescribeVpcs"), 1);
    assert_eq!(stats.requests_of("s3:PUT"), 1);
    assert_eq!(stats.requests_total(), 2, "moto-api requests are not counted: {stats:?}");
    assert!(stats.injected.is_empty());
}

#[test]
fn latency_delays_then_forwards() {
    let stub = ok_stub();
    let proxy = FaultProxy::start(&stub.url());
    let delay = Duration::from_millis(300);
    proxy.set_rules(Rules::default().with(FaultRule::new(
        Some("ec2"),
        Some("DescribeVpcs"),
        When::Always,
        Fault::Latency(delay),
    )));
    let started = Instant::now();
    assert_eq!(ec2(proxy.port(), "Action=DescribeVpcs").status, 200);
    assert!(started.elapsed() >= delay, "answered after {:?}", started.elapsed());
    let started = Instant::now();
    assert_eq!(ec2(proxy.port(), "Action=DescribeSubnets").status, 200);
    assert!(started.elapsed() < delay, "another operation is not delayed");
    let stats = proxy.stats();
    assert_eq!(stats.injected.get("ec2:DescribeVpcs:latency"), Some(&1));
    assert_eq!(stats.injected_total("latency"), 1);
    assert_eq!(stub.seen().len(), 2);
}

#[test]
fn throttle_answers_in_each_protocols_shape() {
    let stub = ok_stub();
    let proxy = FaultProxy::start(&stub.url());
    proxy.set_rules(Rules::throttle_everywhere(1.0, 1));
    let port = proxy.port();

    let r = ec2(port, "Action=DescribeVpcs");
    assert_eq!(r.status, 503);
    assert!(r.header("content-type").is_some_and(|c| c.starts_with("text/xml")));
    assert!(r.body.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"), "{}", r.body);
    assert!(
        r.body.contains(
            "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message>\
             </Error></Errors><RequestID>"
        ),
        "{}",
        r.body
    );

    let r = query(port, "sts", "Action=GetCallerIdentity&Version=2011-06-15");
    assert_eq!(r.status, 400);
    assert!(r.body.starts_with("<ErrorResponse xmlns="), "{}", r.body);
    assert!(
        r.body.contains("<Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>"),
        "{}",
        r.body
    );
    assert_eq!(between(&r.body, "<RequestId>", "</RequestId>").len(), 1);

    let r = json(port, "dynamodb", "DynamoDB_20120810.PutItem", Some("application/x-amz-json-1.0"));
    assert_eq!(r.status, 400);
    assert_eq!(r.body, r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#);
    assert_eq!(r.header("content-type"), Some("application/x-amz-json-1.0"));
    assert_eq!(r.header("x-amzn-ErrorType"), Some("ThrottlingException"));
    let r = json(port, "dynamodb", "DynamoDB_20120810.GetItem", None);
    assert_eq!(r.header("content-type"), Some("application/x-amz-json-1.0"), "DynamoDB speaks JSON 1.0");
    let r = json(port, "ecs", "AmazonEC2ContainerServiceV20141113.DescribeClusters", None);
    assert_eq!(r.header("content-type"), Some("application/x-amz-json-1.1"), "others speak JSON 1.1");

    let r = send(port, "PUT", "/bucket/key", &[auth("s3")], "data").expect("s3");
    assert_eq!(r.status, 503);
    assert!(r.body.contains("<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>"));
    assert!(r.body.contains("<RequestId>"));

    assert!(stub.seen().is_empty(), "nothing reached the upstream");
    let stats = proxy.stats();
    assert_eq!(stats.injected_total("throttle"), 6);
    assert_eq!(stats.injected.get("dynamodb:PutItem:throttle"), Some(&1));
    assert_eq!(stats.injected.get("s3:PUT:throttle"), Some(&1));
    assert_eq!(stats.injected.get("sts:GetCallerIdentity:throttle"), Some(&1));
}

#[test]
fn server_errors_and_custom_errors() {
    let stub = ok_stub();
    let proxy = FaultProxy::start(&stub.url());
    let port = proxy.port();
    proxy.set_rules(Rules {
        faults: vec![
            FaultRule::new(Some("ec2"), Some("DescribeVpcs"), When::Always, Fault::ServerError(500)),
            FaultRule::new(Some("ec2"), Some("DescribeSubnets"), When::Always, Fault::ServerError(503)),
            FaultRule::new(Some("s3"), None, When::Always, Fault::ServerError(503)),
            FaultRule::new(Some("iam"), None, When::Always, Fault::ServerError(500)),
            FaultRule::new(
                Some("ec2"),
                Some("DeleteVpc"),
                When::Always,
                Fault::error(400, "DependencyViolation", "The vpc 'vpc-1' has dependencies and cannot be deleted."),
            ),
        ],
        ..Rules::default()
    });
    let r = ec2(port, "Action=DescribeVpcs");
    assert_eq!(r.status, 500);
    assert!(r.body.contains("<Errors><Error><Code>InternalError</Code>"), "{}", r.body);
    let r = ec2(port, "Action=DescribeSubnets");
    assert_eq!(r.status, 503);
    assert!(r.body.contains("<Code>Unavailable</Code>"), "{}", r.body);
    let r = send(port, "GET", "/bucket?list-type=2", &[auth("s3")], "").expect("s3");
    assert_eq!(r.status, 503);
    assert!(r.body.contains("<Error><Code>ServiceUnavailable</Code>"), "{}", r.body);
    let r = query(port, "iam", "Action=ListRoles&Version=2010-05-08");
    assert_eq!(r.status, 500);
    assert!(r.body.contains("<Error><Type>Receiver</Type><Code>InternalError</Code>"), "{}", r.body);
    let r = ec2(port, "Action=DeleteVpc&VpcId=vpc-1");
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains(
            "<Code>DependencyViolation</Code><Message>The vpc 'vpc-1' has dependencies and cannot be deleted.</Message>"
        ),
        "{}",
        r.body
    );
    assert_eq!(ec2(port, "Action=DescribeRouteTables").status, 200, "other operations pass");
    let stats = proxy.stats();
    assert_eq!(stats.injected_total("5xx"), 4);
    assert_eq!(stats.injected_total("error"), 1);
    assert_eq!(stub.seen().len(), 1);
}

#[test]
fn first_n_fires_exactly_n_times() {
    let stub = ok_stub();
    let proxy = FaultProxy::start(&stub.url());
    proxy.set_rules(Rules::default().with(FaultRule::new(
        Some("ec2"),
        Some("DescribeVpcs"),
        When::FirstN(3),
        Fault::Throttle,
    )));
    let statuses: Vec<u16> = (0..8)
        .map(|i| {
            // Interleave other operations: they do not count towards the rule.
            assert_eq!(ec2(proxy.port(), "Action=DescribeSubnets").status, 200, "request {i}");
            ec2(proxy.port(), "Action=DescribeVpcs").status
        })
        .collect();
    assert_eq!(statuses, [503, 503, 503, 200, 200, 200, 200, 200]);
    assert_eq!(proxy.stats().injected.get("ec2:DescribeVpcs:throttle"), Some(&3));
    assert_eq!(proxy.stats().requests_of("ec2:DescribeVpcs"), 8);

    // New rules restart the count.
    proxy.set_rules(Rules::default().with(FaultRule::everywhere(When::FirstN(1), Fault::ServerError(500))));
    assert_eq!(ec2(proxy.port(), "Action=DescribeVpcs").status, 500);
    assert_eq!(ec2(proxy.port(), "Action=DescribeVpcs").status, 200);
}

#[test]
fn probability_with_a_seed_is_reproducible() {
    let stub = ok_stub();
    let proxy = FaultProxy::start(&stub.url());
    let run = |seed: u64| -> Vec<bool> {
        proxy.set_rules(Rules::throttle_everywhere(0.5, seed));
        (0..40).map(|_| ec2(proxy.port(), "Action=DescribeVpcs").status == 503).collect()
    };
    let first = run(7);
    let again = run(7);
    let other = run(8);
    assert_eq!(first, again, "same seed, same faults");
    assert_ne!(first, other, "another seed, other faults");
    let throttled = first.iter().filter(|t| **t).count();
    assert!((8..=32).contains(&throttled), "about half throttled, got {throttled}/40");

    proxy.set_rules(Rules::throttle_everywhere(0.0, 7));
    assert!((0..10).all(|_| ec2(proxy.port(), "Action=DescribeVpcs").status == 200));
}

#[test]
fn drop_closes_the_connection_without_answering() {
    let stub = ok_stub();
    let proxy = FaultProxy::start(&stub.url());
    proxy.set_rules(Rules::default().with(FaultRule::new(
        Some("ec2"),
        Some("RunInstances"),
        When::FirstN(1),
        Fault::Drop,
    )));
    let headers = [auth("ec2"), ("Content-Type", "application/x-www-form-urlencoded".into())];
    let dropped = send(proxy.port(), "POST", "/", &headers, "Action=RunInstances&Version=2016-11-15");
    assert!(dropped.is_err(), "expected no answer, got {dropped:?}");
    assert!(stub.seen().is_empty(), "the dropped request is not forwarded");
    assert_eq!(ec2(proxy.port(), "Action=RunInstances").status, 200, "the proxy still serves");
    assert_eq!(proxy.stats().injected.get("ec2:RunInstances:drop"), Some(&1));
}

// ---------------------------------------------------------------------------------------------------
// NAT gateway lifecycle against canned moto answers

const NS: &str = "http://ec2.amazonaws.com/doc/2016-11-15";
const NAT_ID: &str = "nat-8e8fff36038d77842";
const VPC_ID: &str = "vpc-e218698ac70f69814";

/// One natGatewaySet item as moto 5.2.5 writes it.
fn nat_item(state: &str) -> String {
    format!(
        "<createTime>2026-11-22T09:58:41.000Z</createTime><natGatewayAddressSet><item><allocationId>\
         eipalloc-63d23ec6262e2b2b7</allocationId><networkInterfaceId>eni-4714d4bf25fed6aec</networkInterfaceId>\
         <privateIp>10.170.166.75</privateIp><publicIp>127.45.82.221</publicIp><associationId>\
         eipassoc-819582637f56e82b9</associationId></item></natGatewayAddressSet><natGatewayId>{NAT_ID}\
         </natGatewayId><state>{state}</state><subnetId>subnet-9319bafd1df3e3e50</subnetId><vpcId>{VPC_ID}</vpcId>\
         <tagSet><item><key>Name</key><value>n1</value></item></tagSet>"
    )
}

/// A canned EC2 upstream with one NAT gateway: `available` until deleted, then `deleted` (like moto) or
/// gone (`vanish`).
fn nat_stub(vanish: bool) -> Stub {
    let deleted = Arc::new(Mutex::new(false));
    Stub::start(Box::new(move |req| {
        let mut deleted = deleted.lock().expect("deleted");
        let body = match req.action() {
            "CreateNatGateway" => format!(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<CreateNatGatewayResponse xmlns=\"{NS}\"><natGateway>{}\
                 </natGateway><requestId>request-id</requestId></CreateNatGatewayResponse>",
                nat_item("available")
            ),
            "DescribeNatGateways" => {
                let set = match (*deleted, vanish) {
                    (false, _) => format!("<natGatewaySet><item>{}</item></natGatewaySet>", nat_item("available")),
                    (true, false) => format!("<natGatewaySet><item>{}</item></natGatewaySet>", nat_item("deleted")),
                    (true, true) => "<natGatewaySet/>".to_owned(),
                };
                format!(
                    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<DescribeNatGatewaysResponse xmlns=\"{NS}\">{set}\
                     <requestId>request-id</requestId></DescribeNatGatewaysResponse>"
                )
            }
            "DeleteNatGateway" => {
                *deleted = true;
                format!(
                    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<DeleteNatGatewayResponse xmlns=\"{NS}\">\
                     <natGatewayId>{NAT_ID}</natGatewayId><requestId>request-id</requestId></DeleteNatGatewayResponse>"
                )
            }
            other => format!("<{other}Response xmlns=\"{NS}\"><return>true</return></{other}Response>"),
        };
        (200, body)
    }))
}

fn states(body: &str) -> Vec<String> {
    // The <state> of each gateway: the address set items carry none.
    between(body, "<state>", "</state>").into_iter().map(str::to_owned).collect()
}

fn describe(port: u16, selection: &str) -> Vec<String> {
    let r = ec2(port, &format!("Action=DescribeNatGateways{selection}"));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("content-length"), Some(r.body.len().to_string().as_str()), "length recomputed");
    states(&r.body)
}

#[test]
fn nat_gateways_are_pending_for_k_describes_then_available() {
    let stub = nat_stub(false);
    let proxy = FaultProxy::start(&stub.url());
    proxy.set_rules(Rules { nat_pending_describes: 2, ..Rules::default() });
    let port = proxy.port();

    let created = ec2(port, "Action=CreateNatGateway&SubnetId=subnet-9319bafd1df3e3e50&AllocationId=eipalloc-1");
    assert_eq!(states(&created.body), ["pending"], "{}", created.body);
    assert!(created.body.contains(&format!("<natGatewayId>{NAT_ID}</natGatewayId>")));

    let by_id = format!("&NatGatewayId.1={NAT_ID}");
    assert_eq!(describe(port, &by_id), ["pending"]);
    // Replacing the rules keeps the count of describes.
    proxy.set_rules(Rules { nat_pending_describes: 2, ..Rules::default() });
    assert_eq!(describe(port, ""), ["pending"]);
    assert_eq!(describe(port, &by_id), ["available"]);
    assert_eq!(describe(port, ""), ["available"]);

    let stats = proxy.stats();
    assert_eq!(stats.injected.get("ec2:CreateNatGateway:nat-pending"), Some(&1));
    assert_eq!(stats.injected.get("ec2:DescribeNatGateways:nat-pending"), Some(&2));
}

#[test]
fn pending_state_filter_is_applied_by_the_proxy() {
    let stub = nat_stub(false);
    let proxy = FaultProxy::start(&stub.url());
    proxy.set_rules(Rules { nat_pending_describes: 1, ..Rules::default() });
    let port = proxy.port();
    let only_available = "&Filter.1.Name=state&Filter.1.Value.1=available&Filter.2.Name=vpc-id&Filter.2.Value.1=";
    let only_available = format!("{only_available}{VPC_ID}");
    assert!(describe(port, &only_available).is_empty(), "pending is not available");
    assert_eq!(describe(port, &only_available), ["available"]);
    let forwarded = stub.seen().last().map(|s| s.body.clone()).unwrap_or_default();
    assert_eq!(
        forwarded,
        format!("Action=DescribeNatGateways&Version=2016-11-15&Filter.1.Name=vpc-id&Filter.1.Value.1={VPC_ID}"),
        "the state filter is stripped, the others renumbered"
    );
}

#[test]
fn deleted_nat_gateways_are_deleting_for_k_describes() {
    let stub = nat_stub(false);
    let proxy = FaultProxy::start(&stub.url());
    proxy.set_rules(Rules { nat_deleting_describes: 2, ..Rules::default() });
    let port = proxy.port();
    assert_eq!(describe(port, ""), ["available"]);
    assert_eq!(ec2(port, &format!("Action=DeleteNatGateway&NatGatewayId={NAT_ID}")).status, 200);
    assert_eq!(describe(port, &format!("&NatGatewayId.1={NAT_ID}")), ["deleting"]);
    assert_eq!(describe(port, ""), ["deleting"]);
    assert_eq!(describe(port, ""), ["deleted"], "then moto's answer goes through");
    assert_eq!(proxy.stats().injected_total("nat-deleting"), 2);
}

#[test]
fn deleting_phase_reinserts_a_gateway_the_upstream_forgot() {
    let stub = nat_stub(true);
    let proxy = FaultProxy::start(&stub.url());
    proxy.set_rules(Rules { nat_deleting_describes: 3, ..Rules::default() });
    let port = proxy.port();
    let by_id = format!("&NatGatewayId.1={NAT_ID}");
    assert_eq!(describe(port, &by_id), ["available"]);
    assert_eq!(ec2(port, &format!("Action=DeleteNatGateway&NatGatewayId={NAT_ID}")).status, 200);

    let r = ec2(port, &format!("Action=DescribeNatGateways{by_id}"));
    assert_eq!(states(&r.body), ["deleting"]);
    assert!(r.body.contains(&format!("<natGatewayId>{NAT_ID}</natGatewayId>")), "the whole item is back");
    assert!(r.body.contains("<publicIp>127.45.82.221</publicIp>"));
    assert!(r.body.ends_with("<requestId>request-id</requestId></DescribeNatGatewaysResponse>"), "{}", r.body);

    // Describes that do not concern the gateway do not count.
    assert!(describe(port, "&Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-other").is_empty());
    assert!(describe(port, "&NatGatewayId.1=nat-other").is_empty());
    assert!(describe(port, "&Filter.1.Name=tag:Name&Filter.1.Value.1=other").is_empty());
    // A state filter that leaves `deleting` out hides it, but the describe concerned it.
    assert!(describe(port, "&Filter.1.Name=state&Filter.1.Value.1=available").is_empty());
    assert_eq!(describe(port, "&Filter.1.Name=tag:Name&Filter.1.Value.1=n1"), ["deleting"]);
    assert!(describe(port, "").is_empty(), "after K describes, the upstream's answer goes through");
    assert_eq!(proxy.stats().injected_total("nat-deleting"), 3);
}

#[test]
fn igw_detach_is_refused_while_a_nat_gateway_is_deleting() {
    let stub = nat_stub(false);
    let proxy = FaultProxy::start(&stub.url());
    proxy.set_rules(Rules::nat_lifecycle(0, 2));
    let port = proxy.port();
    let detach = format!("Action=DetachInternetGateway&InternetGatewayId=igw-1&VpcId={VPC_ID}");
    assert_eq!(describe(port, ""), ["available"]);
    assert_eq!(ec2(port, &detach).status, 200, "nothing deleting yet");
    assert_eq!(ec2(port, &format!("Action=DeleteNatGateway&NatGatewayId={NAT_ID}")).status, 200);

    let r = ec2(port, &detach);
    assert_eq!(r.status, 400);
    assert!(r.body.contains("<Code>DependencyViolation</Code>"), "{}", r.body);
    assert!(
        r.body.contains(&format!(
            "<Message>Network {VPC_ID} has some mapped public address(es). Please unmap those public address(es) \
             before detaching the gateway.</Message>"
        )),
        "{}",
        r.body
    );
    let other_vpc = "Action=DetachInternetGateway&InternetGatewayId=igw-2&VpcId=vpc-other";
    assert_eq!(ec2(port, other_vpc).status, 200, "another VPC is not held back");

    assert_eq!(describe(port, ""), ["deleting"]);
    assert_eq!(ec2(port, &detach).status, 400);
    assert_eq!(describe(port, ""), ["deleting"]);
    assert_eq!(ec2(port, &detach).status, 200, "allowed once the gateway is deleted");
    let stats = proxy.stats();
    assert_eq!(stats.injected.get("ec2:DetachInternetGateway:igw-blocked"), Some(&2));
    let detaches = stub.seen().iter().filter(|s| s.action() == "DetachInternetGateway").count();
    assert_eq!(detaches, 3, "refused detaches never reach the upstream");
}

// ---------------------------------------------------------------------------------------------------
// End to end against moto

fn first(body: &str, tag: &str) -> String {
    between(body, &format!("<{tag}>"), &format!("</{tag}>")).first().map(|s| (*s).to_owned()).unwrap_or_default()
}

fn nat_state(body: &str) -> String {
    // natGatewayAddressSet items come first and hold no <state>.
    first(body, "state")
}

#[test]
fn nat_lifecycle_through_the_proxy_against_moto() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto.endpoint());
    proxy.set_rules(Rules::nat_lifecycle(2, 2));
    let port = proxy.port();
    let ok = |form: &str| {
        let r = ec2(port, form);
        assert_eq!(r.status, 200, "{form}: {}", r.body);
        r.body
    };

    let vpc = first(&ok("Action=CreateVpc&CidrBlock=10.0.0.0/16"), "vpcId");
    let subnet = first(&ok(&format!("Action=CreateSubnet&VpcId={vpc}&CidrBlock=10.0.1.0/24")), "subnetId");
    let alloc = first(&ok("Action=AllocateAddress&Domain=vpc"), "allocationId");
    let igw = first(&ok("Action=CreateInternetGateway"), "internetGatewayId");
    ok(&format!("Action=AttachInternetGateway&InternetGatewayId={igw}&VpcId={vpc}"));

    let created = ok(&format!(
        "Action=CreateNatGateway&SubnetId={subnet}&AllocationId={alloc}&TagSpecification.1.ResourceType=natgateway\
         &TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=e2e"
    ));
    assert_eq!(nat_state(&created), "pending");
    let nat = first(&created, "natGatewayId");
    assert!(nat.starts_with("nat-"), "{created}");

    let by_id = format!("Action=DescribeNatGateways&NatGatewayId.1={nat}");
    let by_tag = "Action=DescribeNatGateways&Filter.1.Name=tag:Name&Filter.1.Value.1=e2e";
    assert_eq!(nat_state(&ok(&by_id)), "pending");
    assert_eq!(nat_state(&ok(by_tag)), "pending");
    assert_eq!(nat_state(&ok(&by_id)), "available");

    ok(&format!("Action=DeleteNatGateway&NatGatewayId={nat}"));
    let detach = format!("Action=DetachInternetGateway&InternetGatewayId={igw}&VpcId={vpc}");
    let refused = ec2(port, &detach);
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(first(&refused.body, "Code"), "DependencyViolation");
    assert_eq!(nat_state(&ok(&by_id)), "deleting");
    assert_eq!(nat_state(&ok(&format!("{by_tag}&Filter.2.Name=state&Filter.2.Value.1=deleting"))), "deleting");
    assert_eq!(nat_state(&ok(&by_id)), "deleted", "moto keeps deleted gateways, state deleted");
    ok(&detach);

    let stats = proxy.stats();
    assert_eq!(stats.injected_total("nat-pending"), 3, "{stats:?}");
    assert_eq!(stats.injected_total("nat-deleting"), 2, "{stats:?}");
    assert_eq!(stats.injected_total("igw-blocked"), 1, "{stats:?}");
    assert_eq!(stats.requests_of("ec2:DescribeNatGateways"), 6);

    // Throttling in EC2's shape reaches moto's clients too, and the proxy keeps working afterwards.
    proxy.set_rules(Rules::default().with(FaultRule::new(Some("ec2"), None, When::FirstN(1), Fault::Throttle)));
    assert_eq!(ec2(port, "Action=DescribeVpcs").status, 503);
    assert!(ok("Action=DescribeVpcs").contains(&vpc));
}
