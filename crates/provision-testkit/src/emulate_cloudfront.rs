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
    state: Mutex<State>,
}

/// What the emulation served, for tests to check that the behaviour was exercised.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Served {
    pub in_progress: u32,
    pub precondition_failed: u32,
    pub not_disabled: u32,
    pub oai_calls: u32,
}

#[derive(Debug, Default)]
struct Kept {
    /// Origin id → (`OriginAccessControlId`, `<S3OriginConfig>...</S3OriginConfig>`).
    origins: BTreeMap<String, (Option<String>, Option<String>)>,
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

#[derive(Debug, Default)]
struct State {
    distributions: HashMap<String, Kept>,
    oais: BTreeMap<String, Oai>,
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
        CloudFront { in_progress_reads, precondition_failures, not_disabled_failures, state: Mutex::default() }
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
                enabled: direct_child(sent, "DistributionConfig", "Enabled").as_deref() == Some("true"),
                etag: etag.clone(),
                in_progress: self.in_progress_reads,
            };
            let answer = reinsert(body, &kept.origins);
            st.distributions.insert(id, kept);
            return Some(EmulatedResponse::ok("text/xml", answer).with_status(status).with_header("ETag", &etag));
        }
        let rest = under(request.path, "distribution/")?;
        let parts: Vec<&str> = rest.split('/').collect();
        match (request.method, parts.as_slice()) {
            ("PUT", [id, "config"]) => {
                let etag = st.next("ET");
                let kept = st.distributions.entry(id.to_string()).or_default();
                kept.origins = origins_of(sent);
                kept.enabled = direct_child(sent, "DistributionConfig", "Enabled").as_deref() == Some("true");
                kept.etag = etag.clone();
                kept.in_progress = self.in_progress_reads;
                let answer = reinsert(body, &kept.origins);
                Some(EmulatedResponse::ok("text/xml", answer).with_header("ETag", &etag))
            }
            ("GET", [id]) => {
                let kept = st.distributions.get_mut(*id)?;
                let mut answer = reinsert(body, &kept.origins);
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
                Some(EmulatedResponse::ok("text/xml", reinsert(body, &kept.origins)).with_header("ETag", &kept.etag))
            }
            ("DELETE", [id]) => {
                st.distributions.remove(*id);
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
    fn the_distributions_own_enabled_flag_is_found() {
        assert_eq!(direct_child(SENT, "DistributionConfig", "Enabled").as_deref(), Some("true"));
        let disabled = SENT.replace("</Logging><Enabled>true", "</Logging><Enabled>false");
        assert_eq!(direct_child(&disabled, "DistributionConfig", "Enabled").as_deref(), Some("false"));
    }
}
