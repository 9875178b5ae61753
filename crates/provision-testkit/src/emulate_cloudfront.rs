//! CloudFront as AWS behaves and moto 5.2.5 does not, emulated in the fault proxy (see
//! [`crate::faults::Emulator`]):
//!
//! * **Origins read back whole.** moto drops `S3OriginConfig` and `OriginAccessControlId` from a
//!   distribution it returns; the emulator keeps them from each create and update request and puts
//!   them back into every `GetDistribution` / `GetDistributionConfig` answer, so a plan after an
//!   apply is clean, as on AWS.
//! * **ETags.** moto's ETag never changes and it accepts any `If-Match`. The emulator gives each
//!   distribution an ETag that changes with every update, and answers `PreconditionFailed` to an
//!   update or delete whose `If-Match` is not the current one.
//! * **Slow deployments.** After a create and after each update, the next
//!   [`CloudFront::in_progress_reads`] `GetDistribution` answers say `InProgress`.
//! * **Ordering rules.** Deleting a distribution that is still enabled answers
//!   `DistributionNotDisabled` (moto deletes it). [`CloudFront::precondition_failures`] deletes are
//!   answered `PreconditionFailed` as if someone changed the distribution just before (its ETag
//!   moves), and [`CloudFront::not_disabled_failures`] more answer `DistributionNotDisabled` as
//!   while a disable still spreads.
//! * **Origin access identities.** moto has no such API at all (404 for every call): the emulator
//!   answers create, get, get-config, list, update and delete itself, with ETags.
//! * **Cache policies.** moto 5.2.5 has no cache policy API (404): the emulator answers create,
//!   get, get-config, list (`Type=custom`; managed policies are not listed), update and delete,
//!   with names unique in the account (`CachePolicyAlreadyExists`), an ETag that changes with each
//!   update, `PreconditionFailed` for a stale `If-Match`, `NoSuchCachePolicy`, and
//!   `CachePolicyInUse` while a distribution's cache behavior names the policy.
//! * **CloudFront functions.** moto has create, describe, get, list and delete but no update and
//!   no publish, keeps one stage, never changes an ETag and deletes whatever `If-Match` says: the
//!   emulator answers the whole function API itself, with a `DEVELOPMENT` and a `LIVE` stage
//!   (each with its ETag; `PublishFunction` copies one to the other), `PreconditionFailed`,
//!   `NoSuchFunctionExists`, `FunctionInUse` while a distribution's `FunctionAssociations` name the
//!   function, and the tags given at create (`ListTagsForResource` on a function's ARN).
//! * **Stale ETags on purpose.** [`CloudFront::with_stale_etags`]: the next N cache policy and
//!   function updates with the right ETag are answered `PreconditionFailed` as if someone changed
//!   the object just before (its ETag moves), so the re-read-and-retry path runs.

use crate::faults::{EmulatedRequest, EmulatedResponse, Emulator};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};

const NS: &str = "http://cloudfront.amazonaws.com/doc/2020-05-31/";
const PREFIX: &str = "/2020-05-31/";

/// The CloudFront emulation; see the module documentation.
#[derive(Debug, Default)]
pub struct CloudFront {
    /// `GetDistribution` answers that say `InProgress` after each create or update.
    pub in_progress_reads: u32,
    /// Deletes answered `PreconditionFailed` first (the ETag moves with each).
    pub precondition_failures: u32,
    /// Deletes of a disabled distribution answered `DistributionNotDisabled` after those.
    pub not_disabled_failures: u32,
    /// Cache policy and function updates answered `PreconditionFailed` first (the ETag moves).
    stale_etags: u32,
    state: Mutex<State>,
}

/// What the emulation served, for tests to check that the behaviour was exercised.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Served {
    pub in_progress: u32,
    pub precondition_failed: u32,
    pub not_disabled: u32,
    pub oai_calls: u32,
    pub cache_policy_calls: u32,
    pub function_calls: u32,
    /// Updates answered `PreconditionFailed` by [`CloudFront::with_stale_etags`].
    pub stale_etags: u32,
    /// Deletes refused with `CachePolicyInUse` or `FunctionInUse`.
    pub in_use: u32,
    /// `PublishFunction` calls answered.
    pub published: u32,
}

#[derive(Debug, Default)]
struct Kept {
    /// Origin id → (`OriginAccessControlId`, `<S3OriginConfig>...</S3OriginConfig>`).
    origins: BTreeMap<String, (Option<String>, Option<String>)>,
    /// Cache behavior (`""` for the default one, else its path pattern) → its
    /// `<FunctionAssociations>` element as sent (moto answers none).
    functions: BTreeMap<String, String>,
    enabled: bool,
    etag: String,
    in_progress: u32,
}

#[derive(Debug, Default)]
struct Oai {
    caller_reference: String,
    comment: String,
    etag: String,
}

/// A cache policy: its `<CachePolicyConfig>` content as last sent.
#[derive(Debug, Default)]
struct Policy {
    config: String,
    etag: String,
    modified: String,
}

/// One stage of a function: its `<FunctionConfig>` content and base64 code as sent.
#[derive(Debug, Default, Clone)]
struct Stage {
    config: String,
    code: String,
    etag: String,
}

#[derive(Debug, Default)]
struct Func {
    arn: String,
    development: Stage,
    live: Option<Stage>,
    created: String,
    modified: String,
    tags: Vec<(String, String)>,
}

#[derive(Debug, Default)]
struct State {
    distributions: HashMap<String, Kept>,
    oais: BTreeMap<String, Oai>,
    policies: BTreeMap<String, Policy>,
    functions: BTreeMap<String, Func>,
    /// Distribution id → the cache policy ids and function ARNs its behaviors name.
    uses: HashMap<String, (Vec<String>, Vec<String>)>,
    stale_used: u32,
    counter: u64,
    preconditions_used: u32,
    not_disabled_used: u32,
    served: Served,
}

impl State {
    fn next(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}{:011X}", self.counter * 7919 + 1_000_003)
    }
}

impl CloudFront {
    pub fn new(in_progress_reads: u32, precondition_failures: u32, not_disabled_failures: u32) -> CloudFront {
        CloudFront {
            in_progress_reads,
            precondition_failures,
            not_disabled_failures,
            stale_etags: 0,
            state: Mutex::default(),
        }
    }

    /// The next `n` cache policy and function updates that send the right ETag are answered
    /// `PreconditionFailed`, the ETag moving as if someone changed the object just before.
    pub fn with_stale_etags(mut self, n: u32) -> CloudFront {
        self.stale_etags = n;
        self
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What was served so far.
    pub fn served(&self) -> Served {
        self.lock().served.clone()
    }
}

fn error(status: u16, code: &str, message: &str) -> EmulatedResponse {
    let body = format!(
        "<?xml version=\"1.0\"?><ErrorResponse xmlns=\"{NS}\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{}</Message></Error><RequestId>emulated</RequestId></ErrorResponse>",
        escape(message)
    );
    EmulatedResponse::ok("text/xml", body).with_status(status)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

/// The text of the first `<name>` element in `xml`.
fn text(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{name}>"))? + start;
    Some(unescape(&xml[start..end]))
}

/// The whole `<name>...</name>` elements of `xml` (elements that do not nest in themselves).
fn elements<'a>(xml: &'a str, name: &str) -> Vec<(usize, usize, &'a str)> {
    let (open, close) = (format!("<{name}>"), format!("</{name}>"));
    let mut out = vec![];
    let mut at = 0;
    while let Some(s) = xml[at..].find(&open).map(|i| i + at) {
        let Some(e) = xml[s..].find(&close).map(|i| i + s + close.len()) else { break };
        out.push((s, e, &xml[s..e]));
        at = e;
    }
    out
}

/// The text of the direct child `child` of the first `parent` element (depth counted, so an
/// `<Enabled>` of a nested `<Logging>` is not the distribution's).
fn direct_child(xml: &str, parent: &str, child: &str) -> Option<String> {
    let open = format!("<{parent}>");
    let start = xml.find(&open)? + open.len();
    let mut depth = 0usize;
    let mut i = start;
    let bytes = xml.as_bytes();
    while i < bytes.len() {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        let end = xml[i..].find('>')? + i;
        let tag = &xml[i + 1..end];
        if let Some(name) = tag.strip_prefix('/') {
            if depth == 0 && name == parent {
                return None;
            }
            depth = depth.saturating_sub(1);
        } else if !tag.ends_with('/') && !tag.starts_with('?') {
            if depth == 0 && tag.split_whitespace().next() == Some(child) {
                let close = format!("</{child}>");
                let vend = xml[end + 1..].find(&close)? + end + 1;
                return Some(unescape(&xml[end + 1..vend]));
            }
            depth += 1;
        }
        i = end + 1;
    }
    None
}

/// Each origin's access control id and S3 origin config, from a request body.
fn origins_of(body: &str) -> BTreeMap<String, (Option<String>, Option<String>)> {
    elements(body, "Origin")
        .into_iter()
        .filter_map(|(_, _, o)| {
            let id = text(o, "Id")?;
            let oac = text(o, "OriginAccessControlId").filter(|s| !s.is_empty());
            let s3 = elements(o, "S3OriginConfig").first().map(|(_, _, x)| x.to_string());
            Some((id, (oac, s3)))
        })
        .collect()
}

/// Puts kept origin settings back into each `<Origin>` of an answer that lacks them.
fn reinsert(body: &str, kept: &BTreeMap<String, (Option<String>, Option<String>)>) -> String {
    let mut out = String::with_capacity(body.len() + 256);
    let mut at = 0;
    for (s, e, o) in elements(body, "Origin") {
        out.push_str(&body[at..s]);
        let mut origin = o.to_string();
        if let Some((oac, s3)) = text(o, "Id").and_then(|id| kept.get(&id)) {
            let mut extra = String::new();
            if let Some(s3) = s3.as_ref().filter(|_| !o.contains("<S3OriginConfig>")) {
                extra.push_str(s3);
            }
            if let Some(oac) = oac.as_ref().filter(|_| !o.contains("<OriginAccessControlId>")) {
                extra.push_str(&format!("<OriginAccessControlId>{}</OriginAccessControlId>", escape(oac)));
            }
            let close = origin.len() - "</Origin>".len();
            origin.insert_str(close, &extra);
        }
        out.push_str(&origin);
        at = e;
    }
    out.push_str(&body[at..]);
    out
}

/// Each cache behavior's `<FunctionAssociations>` element, from a request body.
fn functions_of(body: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let behaviors = elements(body, "DefaultCacheBehavior").into_iter().chain(elements(body, "CacheBehavior"));
    for (_, _, b) in behaviors {
        let key = text(b, "PathPattern").unwrap_or_default();
        if let Some((_, _, f)) = elements(b, "FunctionAssociations").first() {
            out.insert(key, f.to_string());
        }
    }
    out
}

/// Puts the kept function associations back into each cache behavior of an answer.
fn reinsert_functions(body: &str, kept: &BTreeMap<String, String>) -> String {
    let mut out = body.to_string();
    for name in ["DefaultCacheBehavior", "CacheBehavior"] {
        let mut at = 0;
        while let Some((s, e, b)) = elements(&out[at..], name).first().map(|(s, e, b)| (s + at, e + at, b.to_string()))
        {
            let key = text(&b, "PathPattern").unwrap_or_default();
            let Some(f) = kept.get(&key) else {
                at = e;
                continue;
            };
            let replaced = match elements(&b, "FunctionAssociations").first() {
                Some((fs, fe, _)) => format!("{}{f}{}", &b[..*fs], &b[*fe..]),
                None => {
                    let close = b.len() - format!("</{name}>").len();
                    format!("{}{f}{}", &b[..close], &b[close..])
                }
            };
            out.replace_range(s..e, &replaced);
            at = s + replaced.len();
        }
    }
    out
}

/// The answer with what moto dropped put back: origins' settings and function associations.
fn restore(body: &str, kept: &Kept) -> String {
    reinsert_functions(&reinsert(body, &kept.origins), &kept.functions)
}

/// `(id, rest)` of a path under `/2020-05-31/<kind>/`.
fn under<'a>(path: &'a str, kind: &str) -> Option<&'a str> {
    path.strip_prefix(PREFIX)?.strip_prefix(kind)
}

fn if_match(request: &EmulatedRequest<'_>) -> String {
    request.headers.get("if-match").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

impl CloudFront {
    fn oai(&self, request: &EmulatedRequest<'_>) -> Option<EmulatedResponse> {
        let rest = under(request.path, "origin-access-identity/cloudfront")?;
        let mut guard = self.lock();
        let st = &mut *guard;
        st.served.oai_calls += 1;
        let body = std::str::from_utf8(request.body).unwrap_or_default();
        let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
        let identity = |id: &str, o: &Oai| {
            format!(
                "<CloudFrontOriginAccessIdentity xmlns=\"{NS}\"><Id>{id}</Id><S3CanonicalUserId>{}</S3CanonicalUserId>{}</CloudFrontOriginAccessIdentity>",
                canonical_user(id),
                config(o, false)
            )
        };
        let missing = || {
            error(404, "NoSuchCloudFrontOriginAccessIdentity", "The specified origin access identity does not exist.")
        };
        match (request.method, parts.as_slice()) {
            ("POST", []) => {
                let caller_reference = text(body, "CallerReference").unwrap_or_default();
                if let Some((id, o)) = st.oais.iter().find(|(_, o)| o.caller_reference == caller_reference) {
                    let same = text(body, "Comment").unwrap_or_default() == o.comment;
                    return Some(if same {
                        EmulatedResponse::ok("text/xml", identity(id, o)).with_status(201).with_header("ETag", &o.etag)
                    } else {
                        error(
                            409,
                            "CloudFrontOriginAccessIdentityAlreadyExists",
                            "The caller reference is already in use.",
                        )
                    });
                }
                let id = st.next("E");
                let etag = st.next("ET");
                let o =
                    Oai { caller_reference, comment: text(body, "Comment").unwrap_or_default(), etag: etag.clone() };
                let answer = identity(&id, &o);
                st.oais.insert(id.clone(), o);
                Some(EmulatedResponse::ok("text/xml", answer).with_status(201).with_header("ETag", &etag).with_header(
                    "Location",
                    &format!("https://cloudfront.amazonaws.com{PREFIX}origin-access-identity/cloudfront/{id}"),
                ))
            }
            ("GET", []) => {
                let items: String = st
                    .oais
                    .iter()
                    .map(|(id, o)| {
                        format!(
                            "<CloudFrontOriginAccessIdentitySummary><Id>{id}</Id><S3CanonicalUserId>{}</S3CanonicalUserId><Comment>{}</Comment></CloudFrontOriginAccessIdentitySummary>",
                            canonical_user(id),
                            escape(&o.comment)
                        )
                    })
                    .collect();
                Some(EmulatedResponse::ok(
                    "text/xml",
                    format!(
                        "<CloudFrontOriginAccessIdentityList xmlns=\"{NS}\"><Marker></Marker><MaxItems>100</MaxItems><IsTruncated>false</IsTruncated><Quantity>{}</Quantity><Items>{items}</Items></CloudFrontOriginAccessIdentityList>",
                        st.oais.len()
                    ),
                ))
            }
            ("GET", [id]) => Some(match st.oais.get(*id) {
                Some(o) => EmulatedResponse::ok("text/xml", identity(id, o)).with_header("ETag", &o.etag),
                None => missing(),
            }),
            ("GET", [id, "config"]) => Some(match st.oais.get(*id) {
                Some(o) => EmulatedResponse::ok("text/xml", config(o, true)).with_header("ETag", &o.etag),
                None => missing(),
            }),
            ("PUT", [id, "config"]) => {
                let etag = st.next("ET");
                let Some(o) = st.oais.get_mut(*id) else { return Some(missing()) };
                if if_match(request) != o.etag {
                    return Some(error(412, "PreconditionFailed", "The If-Match version is not the current one."));
                }
                o.comment = text(body, "Comment").unwrap_or_default();
                o.etag = etag.clone();
                let answer = identity(id, o);
                Some(EmulatedResponse::ok("text/xml", answer).with_header("ETag", &etag))
            }
            ("DELETE", [id]) => {
                let Some(o) = st.oais.get(*id) else { return Some(missing()) };
                if if_match(request) != o.etag {
                    return Some(error(412, "PreconditionFailed", "The If-Match version is not the current one."));
                }
                st.oais.remove(*id);
                Some(EmulatedResponse::ok("text/xml", "").with_status(204))
            }
            _ => Some(error(400, "InvalidArgument", "not emulated")),
        }
    }
}

/// The content of the first `<name ...>` element of `xml` (its attributes, e.g. `xmlns`, dropped).
fn inner<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}");
    let mut at = 0;
    let start = loop {
        let i = xml[at..].find(&open)? + at;
        let after = xml[i + open.len()..].chars().next()?;
        if after == '>' || after == ' ' {
            break xml[i..].find('>')? + i + 1;
        }
        at = i + open.len();
    };
    let end = xml[start..].rfind(&format!("</{name}>"))? + start;
    Some(&xml[start..end])
}

/// The current time as CloudFront writes it (`2026-12-02T14:38:21Z`).
fn now_iso() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rest / 3600, rest % 3600 / 60, rest % 60)
}

/// Decodes standard base64 (what the SDK sends a function's code as).
fn base64_decode(s: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let (mut out, mut acc, mut bits) = (vec![], 0u32, 0u32);
    for v in s.bytes().filter_map(value) {
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

fn stale(st: &mut State, limit: u32) -> bool {
    if st.stale_used < limit {
        st.stale_used += 1;
        st.served.stale_etags += 1;
        return true;
    }
    false
}

fn precondition_failed() -> EmulatedResponse {
    error(412, "PreconditionFailed", "The If-Match version is not the current one.")
}

/// The cache policy ids and function ARNs a distribution configuration names.
fn uses_of(body: &str) -> (Vec<String>, Vec<String>) {
    let all = |name: &str| elements(body, name).into_iter().filter_map(|(_, _, e)| text(e, name)).collect();
    (all("CachePolicyId"), all("FunctionARN"))
}

impl CloudFront {
    fn policy_xml(id: &str, p: &Policy) -> String {
        format!(
            "<CachePolicy><Id>{id}</Id><LastModifiedTime>{}</LastModifiedTime><CachePolicyConfig>{}</CachePolicyConfig></CachePolicy>",
            p.modified, p.config
        )
    }

    fn cache_policy(&self, request: &EmulatedRequest<'_>) -> Option<EmulatedResponse> {
        let rest = under(request.path, "cache-policy")?;
        if !(rest.is_empty() || rest.starts_with('/')) {
            return None;
        }
        let mut guard = self.lock();
        let st = &mut *guard;
        st.served.cache_policy_calls += 1;
        let body = std::str::from_utf8(request.body).unwrap_or_default();
        let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
        let missing = || error(404, "NoSuchCachePolicy", "The cache policy does not exist.");
        let name_of = |config: &str| direct_child(&format!("<C>{config}</C>"), "C", "Name").unwrap_or_default();
        match (request.method, parts.as_slice()) {
            ("POST", []) => {
                let config = inner(body, "CachePolicyConfig").unwrap_or_default().to_string();
                let name = name_of(&config);
                if st.policies.values().any(|p| name_of(&p.config) == name) {
                    return Some(error(
                        409,
                        "CachePolicyAlreadyExists",
                        "A cache policy with this name already exists.",
                    ));
                }
                let id = format!("{:08x}-0000-4000-8000-{:012x}", st.counter + 1, st.counter + 1);
                st.counter += 1;
                let p = Policy { config, etag: st.next("ET"), modified: now_iso() };
                let answer = format!("<?xml version=\"1.0\"?>{}", Self::policy_xml(&id, &p)).replacen(
                    "<CachePolicy>",
                    &format!("<CachePolicy xmlns=\"{NS}\">"),
                    1,
                );
                let etag = p.etag.clone();
                st.policies.insert(id.clone(), p);
                Some(
                    EmulatedResponse::ok("text/xml", answer)
                        .with_status(201)
                        .with_header("ETag", &etag)
                        .with_header("Location", &format!("https://cloudfront.amazonaws.com{PREFIX}cache-policy/{id}")),
                )
            }
            ("GET", []) => {
                let custom = request.param("Type") != Some("managed");
                let items: String = st
                    .policies
                    .iter()
                    .filter(|_| custom)
                    .map(|(id, p)| {
                        format!(
                            "<CachePolicySummary><Type>custom</Type>{}</CachePolicySummary>",
                            Self::policy_xml(id, p)
                        )
                    })
                    .collect();
                let n = if custom { st.policies.len() } else { 0 };
                Some(EmulatedResponse::ok(
                    "text/xml",
                    format!(
                        "<CachePolicyList xmlns=\"{NS}\"><MaxItems>100</MaxItems><Quantity>{n}</Quantity><Items>{items}</Items></CachePolicyList>"
                    ),
                ))
            }
            ("GET", [id]) => Some(match st.policies.get(*id) {
                Some(p) => EmulatedResponse::ok(
                    "text/xml",
                    Self::policy_xml(id, p).replacen("<CachePolicy>", &format!("<CachePolicy xmlns=\"{NS}\">"), 1),
                )
                .with_header("ETag", &p.etag),
                None => missing(),
            }),
            ("GET", [id, "config"]) => Some(match st.policies.get(*id) {
                Some(p) => EmulatedResponse::ok(
                    "text/xml",
                    format!("<CachePolicyConfig xmlns=\"{NS}\">{}</CachePolicyConfig>", p.config),
                )
                .with_header("ETag", &p.etag),
                None => missing(),
            }),
            ("PUT", [id]) => {
                let config = inner(body, "CachePolicyConfig").unwrap_or_default().to_string();
                let name = name_of(&config);
                if st.policies.iter().any(|(other, p)| other != id && name_of(&p.config) == name) {
                    return Some(error(
                        409,
                        "CachePolicyAlreadyExists",
                        "A cache policy with this name already exists.",
                    ));
                }
                let next = st.next("ET");
                let current = st.policies.get(*id).map(|p| p.etag.clone());
                let Some(current) = current else { return Some(missing()) };
                if if_match(request) != current {
                    return Some(precondition_failed());
                }
                if stale(st, self.stale_etags) {
                    if let Some(p) = st.policies.get_mut(*id) {
                        p.etag = next;
                    }
                    return Some(precondition_failed());
                }
                let p = st.policies.get_mut(*id)?;
                p.config = config;
                p.etag = next.clone();
                p.modified = now_iso();
                let answer =
                    Self::policy_xml(id, p).replacen("<CachePolicy>", &format!("<CachePolicy xmlns=\"{NS}\">"), 1);
                Some(EmulatedResponse::ok("text/xml", answer).with_header("ETag", &next))
            }
            ("DELETE", [id]) => {
                let Some(p) = st.policies.get(*id) else { return Some(missing()) };
                if if_match(request) != p.etag {
                    return Some(precondition_failed());
                }
                if st.uses.values().any(|(policies, _)| policies.iter().any(|p| p == id)) {
                    st.served.in_use += 1;
                    return Some(error(
                        409,
                        "CachePolicyInUse",
                        "Cannot delete the cache policy because it is attached to one or more cache behaviors.",
                    ));
                }
                st.policies.remove(*id);
                Some(EmulatedResponse::ok("text/xml", "").with_status(204))
            }
            _ => Some(error(400, "InvalidArgument", "not emulated")),
        }
    }

    fn summary(name: &str, f: &Func, live: bool) -> String {
        let stage = if live { f.live.as_ref() } else { Some(&f.development) };
        let config = stage.map(|s| s.config.as_str()).unwrap_or_default();
        let status = match &f.live {
            Some(l) if l.code == f.development.code && l.config == f.development.config => "UNASSOCIATED",
            _ if live => "UNASSOCIATED",
            _ => "UNPUBLISHED",
        };
        format!(
            "<FunctionSummary xmlns=\"{NS}\"><Name>{}</Name><Status>{status}</Status><FunctionConfig>{config}</FunctionConfig><FunctionMetadata><FunctionARN>{}</FunctionARN><Stage>{}</Stage><CreatedTime>{}</CreatedTime><LastModifiedTime>{}</LastModifiedTime></FunctionMetadata></FunctionSummary>",
            escape(name),
            escape(&f.arn),
            if live { "LIVE" } else { "DEVELOPMENT" },
            f.created,
            f.modified
        )
    }

    fn function(&self, request: &EmulatedRequest<'_>) -> Option<EmulatedResponse> {
        let rest = under(request.path, "function")?;
        if !(rest.is_empty() || rest.starts_with('/')) {
            return None;
        }
        let mut guard = self.lock();
        let st = &mut *guard;
        st.served.function_calls += 1;
        let body = std::str::from_utf8(request.body).unwrap_or_default();
        let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
        let missing = || error(404, "NoSuchFunctionExists", "The function does not exist.");
        let live = request.param("Stage") == Some("LIVE");
        match (request.method, parts.as_slice()) {
            ("POST", []) => {
                let request_xml = format!("<R>{}</R>", inner(body, "CreateFunctionRequest").unwrap_or_default());
                let name = direct_child(&request_xml, "R", "Name").unwrap_or_default();
                if st.functions.contains_key(&name) {
                    return Some(error(409, "FunctionAlreadyExists", "A function with this name already exists."));
                }
                let tags = elements(body, "Tag")
                    .into_iter()
                    .filter_map(|(_, _, t)| Some((text(t, "Key")?, text(t, "Value").unwrap_or_default())))
                    .collect();
                let now = now_iso();
                let f = Func {
                    arn: format!("arn:aws:cloudfront::123456789012:function/{name}"),
                    development: Stage {
                        config: inner(body, "FunctionConfig").unwrap_or_default().to_string(),
                        code: text(body, "FunctionCode").unwrap_or_default(),
                        etag: st.next("ET"),
                    },
                    live: None,
                    created: now.clone(),
                    modified: now,
                    tags,
                };
                let answer = Self::summary(&name, &f, false);
                let etag = f.development.etag.clone();
                st.functions.insert(name.clone(), f);
                Some(
                    EmulatedResponse::ok("text/xml", answer)
                        .with_status(201)
                        .with_header("ETag", &etag)
                        .with_header("Location", &format!("https://cloudfront.amazonaws.com{PREFIX}function/{name}")),
                )
            }
            ("GET", []) => {
                let items: String = st
                    .functions
                    .iter()
                    .filter(|(_, f)| !live || f.live.is_some())
                    .map(|(n, f)| Self::summary(n, f, live).replacen(&format!(" xmlns=\"{NS}\""), "", 1))
                    .collect();
                let n = st.functions.values().filter(|f| !live || f.live.is_some()).count();
                Some(EmulatedResponse::ok(
                    "text/xml",
                    format!(
                        "<FunctionList xmlns=\"{NS}\"><MaxItems>100</MaxItems><Quantity>{n}</Quantity><Items>{items}</Items></FunctionList>"
                    ),
                ))
            }
            ("GET", [name]) => {
                let Some(f) = st.functions.get(*name) else { return Some(missing()) };
                let Some(stage) = (if live { f.live.as_ref() } else { Some(&f.development) }) else {
                    return Some(missing());
                };
                Some(
                    EmulatedResponse::ok("application/octet-stream", base64_decode(&stage.code))
                        .with_header("ETag", &stage.etag),
                )
            }
            ("GET", [name, "describe"]) => {
                let Some(f) = st.functions.get(*name) else { return Some(missing()) };
                let Some(stage) = (if live { f.live.as_ref() } else { Some(&f.development) }) else {
                    return Some(missing());
                };
                Some(EmulatedResponse::ok("text/xml", Self::summary(name, f, live)).with_header("ETag", &stage.etag))
            }
            ("PUT", [name]) => {
                let next = st.next("ET");
                let Some(current) = st.functions.get(*name).map(|f| f.development.etag.clone()) else {
                    return Some(missing());
                };
                if if_match(request) != current {
                    return Some(precondition_failed());
                }
                if stale(st, self.stale_etags) {
                    if let Some(f) = st.functions.get_mut(*name) {
                        f.development.etag = next;
                    }
                    return Some(precondition_failed());
                }
                let f = st.functions.get_mut(*name)?;
                f.development = Stage {
                    config: inner(body, "FunctionConfig").unwrap_or_default().to_string(),
                    code: text(body, "FunctionCode").unwrap_or_default(),
                    etag: next.clone(),
                };
                f.modified = now_iso();
                // UpdateFunction's answer names its ETag header `ETtag` (as AWS's model does).
                Some(
                    EmulatedResponse::ok("text/xml", Self::summary(name, f, false))
                        .with_header("ETtag", &next)
                        .with_header("ETag", &next),
                )
            }
            ("POST", [name, "publish"]) => {
                let next = st.next("ET");
                let Some(f) = st.functions.get_mut(*name) else { return Some(missing()) };
                if if_match(request) != f.development.etag {
                    return Some(precondition_failed());
                }
                f.live = Some(Stage { etag: next, ..f.development.clone() });
                let answer = Self::summary(name, f, true);
                st.served.published += 1;
                Some(EmulatedResponse::ok("text/xml", answer))
            }
            ("DELETE", [name]) => {
                let Some(f) = st.functions.get(*name) else { return Some(missing()) };
                if if_match(request) != f.development.etag {
                    return Some(precondition_failed());
                }
                let arn = f.arn.clone();
                if st.uses.values().any(|(_, functions)| functions.contains(&arn)) {
                    st.served.in_use += 1;
                    return Some(error(
                        409,
                        "FunctionInUse",
                        "Cannot delete the function: it is associated with a distribution.",
                    ));
                }
                st.functions.remove(*name);
                Some(EmulatedResponse::ok("text/xml", "").with_status(204))
            }
            _ => Some(error(400, "InvalidArgument", "not emulated")),
        }
    }

    /// `ListTagsForResource` on an emulated function's ARN (moto does not know the function).
    fn function_tags(&self, request: &EmulatedRequest<'_>) -> Option<EmulatedResponse> {
        if request.method != "GET" || request.path != format!("{PREFIX}tagging") {
            return None;
        }
        let arn = request.param("Resource")?;
        let st = self.lock();
        let f = st.functions.values().find(|f| f.arn == arn)?;
        let items: String = f
            .tags
            .iter()
            .map(|(k, v)| format!("<Tag><Key>{}</Key><Value>{}</Value></Tag>", escape(k), escape(v)))
            .collect();
        Some(EmulatedResponse::ok("text/xml", format!("<Tags xmlns=\"{NS}\"><Items>{items}</Items></Tags>")))
    }
}

fn canonical_user(id: &str) -> String {
    format!("{:0>64}", id.to_ascii_lowercase())
}

fn config(o: &Oai, ns: bool) -> String {
    let xmlns = if ns { format!(" xmlns=\"{NS}\"") } else { String::new() };
    format!(
        "<CloudFrontOriginAccessIdentityConfig{xmlns}><CallerReference>{}</CallerReference><Comment>{}</Comment></CloudFrontOriginAccessIdentityConfig>",
        escape(&o.caller_reference),
        escape(&o.comment)
    )
}

impl Emulator for CloudFront {
    fn answer(&self, request: &EmulatedRequest<'_>) -> Option<EmulatedResponse> {
        if request.service != "cloudfront" {
            return None;
        }
        if let Some(r) = self.oai(request) {
            return Some(r);
        }
        if let Some(r) = self.cache_policy(request) {
            return Some(r);
        }
        if let Some(r) = self.function(request) {
            return Some(r);
        }
        if let Some(r) = self.function_tags(request) {
            return Some(r);
        }
        let rest = under(request.path, "distribution/")?;
        let parts: Vec<&str> = rest.split('/').collect();
        let mut guard = self.lock();
        let st = &mut *guard;
        match (request.method, parts.as_slice()) {
            ("DELETE", [id]) => {
                let (precondition, not_disabled) = (self.precondition_failures, self.not_disabled_failures);
                let used = (st.preconditions_used, st.not_disabled_used);
                let kept = st.distributions.get_mut(*id)?;
                if if_match(request) != kept.etag {
                    return Some(error(412, "PreconditionFailed", "The If-Match version is not the current one."));
                }
                if kept.enabled {
                    st.served.not_disabled += 1;
                    return Some(error(
                        409,
                        "DistributionNotDisabled",
                        "The distribution you are trying to delete has not been disabled.",
                    ));
                }
                if used.0 < precondition {
                    kept.etag = format!("{}X", kept.etag);
                    st.preconditions_used += 1;
                    st.served.precondition_failed += 1;
                    return Some(error(
                        412,
                        "PreconditionFailed",
                        "The distribution was changed meanwhile: read its ETag again.",
                    ));
                }
                if used.1 < not_disabled {
                    st.not_disabled_used += 1;
                    st.served.not_disabled += 1;
                    return Some(error(409, "DistributionNotDisabled", "The disable is still spreading."));
                }
                None
            }
            ("PUT", [id, "config"]) => {
                let kept = st.distributions.get(*id)?;
                if if_match(request) != kept.etag {
                    return Some(error(412, "PreconditionFailed", "The If-Match version is not the current one."));
                }
                None
            }
            _ => None,
        }
    }

    fn rewrite(&self, request: &EmulatedRequest<'_>, status: u16, body: &[u8]) -> Option<EmulatedResponse> {
        if request.service != "cloudfront" || !(200..300).contains(&status) {
            return None;
        }
        let body = std::str::from_utf8(body).ok()?;
        let sent = std::str::from_utf8(request.body).unwrap_or_default();
        let mut guard = self.lock();
        let st = &mut *guard;
        if request.method == "POST" && request.path == format!("{PREFIX}distribution") {
            let id = text(body, "Id")?;
            let etag = st.next("ET");
            let kept = Kept {
                origins: origins_of(sent),
                functions: functions_of(sent),
                enabled: direct_child(sent, "DistributionConfig", "Enabled").as_deref() == Some("true"),
                etag: etag.clone(),
                in_progress: self.in_progress_reads,
            };
            let answer = restore(body, &kept);
            st.uses.insert(id.clone(), uses_of(sent));
            st.distributions.insert(id, kept);
            return Some(EmulatedResponse::ok("text/xml", answer).with_status(status).with_header("ETag", &etag));
        }
        let rest = under(request.path, "distribution/")?;
        let parts: Vec<&str> = rest.split('/').collect();
        match (request.method, parts.as_slice()) {
            ("PUT", [id, "config"]) => {
                st.uses.insert(id.to_string(), uses_of(sent));
                let etag = st.next("ET");
                let kept = st.distributions.entry(id.to_string()).or_default();
                kept.origins = origins_of(sent);
                kept.functions = functions_of(sent);
                kept.enabled = direct_child(sent, "DistributionConfig", "Enabled").as_deref() == Some("true");
                kept.etag = etag.clone();
                kept.in_progress = self.in_progress_reads;
                let answer = restore(body, kept);
                Some(EmulatedResponse::ok("text/xml", answer).with_header("ETag", &etag))
            }
            ("GET", [id]) => {
                let kept = st.distributions.get_mut(*id)?;
                let mut answer = restore(body, kept);
                let etag = kept.etag.clone();
                if kept.in_progress > 0 {
                    kept.in_progress -= 1;
                    answer = answer.replacen("<Status>Deployed</Status>", "<Status>InProgress</Status>", 1);
                    st.served.in_progress += 1;
                }
                Some(EmulatedResponse::ok("text/xml", answer).with_header("ETag", &etag))
            }
            ("GET", [id, "config"]) => {
                let kept = st.distributions.get(*id)?;
                Some(EmulatedResponse::ok("text/xml", restore(body, kept)).with_header("ETag", &kept.etag))
            }
            ("DELETE", [id]) => {
                st.distributions.remove(*id);
                st.uses.remove(*id);
                None
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SENT: &str = "<DistributionConfigWithTags><DistributionConfig><CallerReference>r</CallerReference><Origins><Quantity>1</Quantity><Items><Origin><Id>s3</Id><DomainName>b</DomainName><S3OriginConfig><OriginAccessIdentity></OriginAccessIdentity></S3OriginConfig><OriginAccessControlId>E1</OriginAccessControlId><OriginShield><Enabled>false</Enabled></OriginShield></Origin></Items></Origins><Logging><Enabled>false</Enabled></Logging><Enabled>true</Enabled></DistributionConfig></DistributionConfigWithTags>";

    #[test]
    fn origins_are_kept_and_put_back() {
        let kept = origins_of(SENT);
        assert_eq!(kept.get("s3").and_then(|k| k.0.as_deref()), Some("E1"));
        let moto = "<Distribution><Origins><Items><Origin><Id>s3</Id><DomainName>b</DomainName></Origin></Items></Origins></Distribution>";
        let back = reinsert(moto, &kept);
        assert!(back.contains("<S3OriginConfig><OriginAccessIdentity></OriginAccessIdentity></S3OriginConfig><OriginAccessControlId>E1</OriginAccessControlId></Origin>"), "{back}");
        assert_eq!(reinsert(&back, &kept), back, "nothing is added twice");
    }

    #[test]
    fn function_associations_are_kept_and_put_back() {
        let sent = "<DistributionConfig><DefaultCacheBehavior><TargetOriginId>s3</TargetOriginId><FunctionAssociations><Quantity>1</Quantity><Items><FunctionAssociation><FunctionARN>arn:f</FunctionARN><EventType>viewer-request</EventType></FunctionAssociation></Items></FunctionAssociations><CachePolicyId>p1</CachePolicyId></DefaultCacheBehavior></DistributionConfig>";
        let kept = functions_of(sent);
        let moto = "<Distribution><DefaultCacheBehavior><TargetOriginId>s3</TargetOriginId><FunctionAssociations><Quantity>0</Quantity></FunctionAssociations></DefaultCacheBehavior></Distribution>";
        let back = reinsert_functions(moto, &kept);
        assert!(back.contains("<FunctionARN>arn:f</FunctionARN>"), "{back}");
        assert_eq!(reinsert_functions(&back, &kept), back, "nothing is added twice");
        assert_eq!(uses_of(sent), (vec!["p1".to_string()], vec!["arn:f".to_string()]));
    }

    #[test]
    fn helpers_decode_what_the_sdk_sends() {
        assert_eq!(base64_decode("ZnVuY3Rpb24gaCgpIHt9"), b"function h() {}");
        assert_eq!(inner("<A xmlns=\"x\"><B>1</B></A>", "A"), Some("<B>1</B>"));
        let now = now_iso();
        assert!(now.len() == 20 && now.ends_with('Z') && now.starts_with("20"), "{now}");
    }

    #[test]
    fn the_distributions_own_enabled_flag_is_found() {
        assert_eq!(direct_child(SENT, "DistributionConfig", "Enabled").as_deref(), Some("true"));
        let disabled = SENT.replace("</Logging><Enabled>true", "</Logging><Enabled>false");
        assert_eq!(direct_child(&disabled, "DistributionConfig", "Enabled").as_deref(), Some("false"));
    }
}
