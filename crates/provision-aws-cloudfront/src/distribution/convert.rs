//! A distribution's configuration both ways: the `DistributionConfig` AWS returns as attributes
//! in the shape a configuration has, and the configuration's attributes as the
//! `DistributionConfig` to send.
//!
//! Blocks nested in blocks are compared as the configuration writes them: an argument left unset
//! there is null. So where AWS fills in a value the configuration did not set (a TTL, a keep-alive,
//! the SSL method of the default certificate), the read keeps it null when the recorded object had
//! it null — Terraform's "optional and computed", per nested argument.

// Forwarded values and TTLs on cache behaviors are legacy in the API (cache policies replace
// them), and still what many Terraform roots write.
#![allow(deprecated)]

use crate::util::built;
use aws_sdk_cloudfront::error::BuildError;
use aws_sdk_cloudfront::types::{
    Aliases, AllowedMethods, CacheBehavior, CacheBehaviors, CachedMethods, CookieNames, CookiePreference,
    CustomErrorResponse, CustomErrorResponses, CustomHeaders, CustomOriginConfig, DefaultCacheBehavior,
    DistributionConfig, EventType, ForwardedValues, FunctionAssociation, FunctionAssociations, GeoRestriction,
    GeoRestrictionType, Headers, HttpVersion, ItemSelection, LambdaFunctionAssociation, LambdaFunctionAssociations,
    LoggingConfig, Method, MinimumProtocolVersion, Origin, OriginCustomHeader, OriginProtocolPolicy, OriginShield,
    OriginSslProtocols, Origins, PriceClass, QueryStringCacheKeys, Restrictions, S3OriginConfig, SslProtocol,
    SslSupportMethod, TrustedKeyGroups, TrustedSigners, ViewerCertificate, ViewerProtocolPolicy,
};
use provision_core::{Attrs, ProviderError, Value};
use std::collections::BTreeMap;

type Map = BTreeMap<String, Value>;

// ---------------------------------------------------------------------------------------------
// Reading

fn st(v: &str) -> Value {
    if v.is_empty() { Value::Null } else { Value::String(v.to_string()) }
}

fn ost(v: Option<&str>) -> Value {
    st(v.unwrap_or_default())
}

fn num(v: impl Into<f64>) -> Value {
    Value::Number(v.into())
}

fn strings<'a>(items: impl IntoIterator<Item = &'a str>) -> Value {
    Value::set(items.into_iter().map(|s| Value::String(s.to_string())).collect())
}

fn methods(items: &[Method]) -> Value {
    strings(items.iter().map(Method::as_str))
}

/// The map of the first item of a nested block value.
fn first(v: Option<&Value>) -> Option<&Map> {
    v.and_then(Value::as_seq).and_then(<[Value]>::first).and_then(Value::as_map)
}

/// The item of a block value whose `key` equals `want`.
fn item_by<'a>(v: Option<&'a Value>, key: &str, want: &Value) -> Option<&'a Map> {
    v.and_then(Value::as_seq)?.iter().filter_map(Value::as_map).find(|m| m.get(key).is_some_and(|k| k.same_as(want)))
}

/// Sets `keys` of `m` to null where the recorded item had them null (values AWS filled in that the
/// configuration does not manage).
fn keep_unset(m: &mut Map, prior: Option<&Map>, keys: &[&str]) {
    let Some(prior) = prior else { return };
    for k in keys {
        if prior.get(*k).is_none_or(Value::is_null) {
            m.insert(k.to_string(), Value::Null);
        }
    }
}

fn origin_value(o: &Origin, prior: Option<&Map>) -> Value {
    let mut m = Map::new();
    m.insert("domain_name".into(), Value::String(o.domain_name().to_string()));
    m.insert("origin_id".into(), Value::String(o.id().to_string()));
    m.insert("origin_path".into(), Value::String(o.origin_path().unwrap_or_default().to_string()));
    m.insert("origin_access_control_id".into(), ost(o.origin_access_control_id()));
    m.insert("connection_attempts".into(), num(o.connection_attempts().unwrap_or(3)));
    m.insert("connection_timeout".into(), num(o.connection_timeout().unwrap_or(10)));
    let headers: Vec<Value> = o
        .custom_headers()
        .map(|h| h.items())
        .unwrap_or_default()
        .iter()
        .map(|h| {
            let mut hm = Map::new();
            hm.insert("name".into(), Value::String(h.header_name().to_string()));
            hm.insert("value".into(), Value::String(h.header_value().to_string()));
            Value::Map(hm)
        })
        .collect();
    m.insert("custom_header".into(), Value::set(headers));
    let custom: Vec<Value> = o
        .custom_origin_config()
        .map(|c| {
            let mut cm = Map::new();
            cm.insert("http_port".into(), num(c.http_port()));
            cm.insert("https_port".into(), num(c.https_port()));
            cm.insert("origin_protocol_policy".into(), Value::String(c.origin_protocol_policy().as_str().to_string()));
            cm.insert(
                "origin_ssl_protocols".into(),
                strings(
                    c.origin_ssl_protocols().map(|p| p.items()).unwrap_or_default().iter().map(SslProtocol::as_str),
                ),
            );
            cm.insert("origin_keepalive_timeout".into(), c.origin_keepalive_timeout().map_or(Value::Null, num));
            cm.insert("origin_read_timeout".into(), c.origin_read_timeout().map_or(Value::Null, num));
            keep_unset(
                &mut cm,
                first(prior.and_then(|p| p.get("custom_origin_config"))),
                &["origin_keepalive_timeout", "origin_read_timeout"],
            );
            Value::Map(cm)
        })
        .into_iter()
        .collect();
    m.insert("custom_origin_config".into(), Value::List(custom));
    // The empty S3 origin config AWS needs next to an origin access control is not a block the
    // configuration writes, unless it did.
    let wrote_s3 = prior.is_some_and(|p| first(p.get("s3_origin_config")).is_some());
    let s3: Vec<Value> = o
        .s3_origin_config()
        .filter(|c| wrote_s3 || !c.origin_access_identity().is_empty())
        .map(|c| {
            let mut sm = Map::new();
            sm.insert("origin_access_identity".into(), Value::String(c.origin_access_identity().to_string()));
            Value::Map(sm)
        })
        .into_iter()
        .collect();
    m.insert("s3_origin_config".into(), Value::List(s3));
    let shield: Vec<Value> = o
        .origin_shield()
        .filter(|s| s.enabled() || prior.is_some_and(|p| first(p.get("origin_shield")).is_some()))
        .map(|s| {
            let mut sm = Map::new();
            sm.insert("enabled".into(), Value::Bool(s.enabled()));
            sm.insert("origin_shield_region".into(), ost(s.origin_shield_region()));
            Value::Map(sm)
        })
        .into_iter()
        .collect();
    m.insert("origin_shield".into(), Value::List(shield));
    Value::Map(m)
}

/// What the default and the ordered cache behaviors share, read.
struct BehaviorParts<'a> {
    target_origin_id: &'a str,
    viewer_protocol_policy: &'a ViewerProtocolPolicy,
    allowed: Option<&'a AllowedMethods>,
    compress: Option<bool>,
    smooth_streaming: Option<bool>,
    cache_policy_id: Option<&'a str>,
    origin_request_policy_id: Option<&'a str>,
    response_headers_policy_id: Option<&'a str>,
    realtime_log_config_arn: Option<&'a str>,
    field_level_encryption_id: Option<&'a str>,
    forwarded: Option<&'a ForwardedValues>,
    min_ttl: Option<i64>,
    default_ttl: Option<i64>,
    max_ttl: Option<i64>,
    trusted_signers: Option<&'a TrustedSigners>,
    trusted_key_groups: Option<&'a TrustedKeyGroups>,
    functions: Option<&'a FunctionAssociations>,
    lambdas: Option<&'a LambdaFunctionAssociations>,
}

macro_rules! parts {
    ($b:expr) => {
        BehaviorParts {
            target_origin_id: $b.target_origin_id(),
            viewer_protocol_policy: $b.viewer_protocol_policy(),
            allowed: $b.allowed_methods(),
            compress: $b.compress(),
            smooth_streaming: $b.smooth_streaming(),
            cache_policy_id: $b.cache_policy_id(),
            origin_request_policy_id: $b.origin_request_policy_id(),
            response_headers_policy_id: $b.response_headers_policy_id(),
            realtime_log_config_arn: $b.realtime_log_config_arn(),
            field_level_encryption_id: $b.field_level_encryption_id(),
            forwarded: $b.forwarded_values(),
            min_ttl: $b.min_ttl(),
            default_ttl: $b.default_ttl(),
            max_ttl: $b.max_ttl(),
            trusted_signers: $b.trusted_signers(),
            trusted_key_groups: $b.trusted_key_groups(),
            functions: $b.function_associations(),
            lambdas: $b.lambda_function_associations(),
        }
    };
}

fn behavior_value(b: BehaviorParts<'_>, path_pattern: Option<&str>, prior: Option<&Map>) -> Value {
    let mut m = Map::new();
    if let Some(p) = path_pattern {
        m.insert("path_pattern".into(), Value::String(p.to_string()));
    }
    m.insert("target_origin_id".into(), Value::String(b.target_origin_id.to_string()));
    m.insert("viewer_protocol_policy".into(), Value::String(b.viewer_protocol_policy.as_str().to_string()));
    m.insert("allowed_methods".into(), methods(b.allowed.map(|a| a.items()).unwrap_or_default()));
    m.insert(
        "cached_methods".into(),
        methods(b.allowed.and_then(|a| a.cached_methods()).map(|c| c.items()).unwrap_or_default()),
    );
    m.insert("compress".into(), Value::Bool(b.compress.unwrap_or(false)));
    m.insert("smooth_streaming".into(), Value::Bool(b.smooth_streaming.unwrap_or(false)));
    let policy = b.cache_policy_id.filter(|p| !p.is_empty());
    m.insert("cache_policy_id".into(), ost(policy));
    m.insert("origin_request_policy_id".into(), ost(b.origin_request_policy_id));
    m.insert("response_headers_policy_id".into(), ost(b.response_headers_policy_id));
    m.insert("realtime_log_config_arn".into(), ost(b.realtime_log_config_arn));
    m.insert("field_level_encryption_id".into(), ost(b.field_level_encryption_id));
    m.insert("min_ttl".into(), num(b.min_ttl.unwrap_or(0) as f64));
    m.insert("default_ttl".into(), b.default_ttl.map_or(Value::Null, |t| num(t as f64)));
    m.insert("max_ttl".into(), b.max_ttl.map_or(Value::Null, |t| num(t as f64)));
    let enabled_items = |enabled: bool, items: &[String]| {
        if enabled {
            Value::List(items.iter().map(|s| Value::String(s.clone())).collect())
        } else {
            Value::List(vec![])
        }
    };
    m.insert(
        "trusted_signers".into(),
        b.trusted_signers.map_or(Value::List(vec![]), |t| enabled_items(t.enabled(), t.items())),
    );
    m.insert(
        "trusted_key_groups".into(),
        b.trusted_key_groups.map_or(Value::List(vec![]), |t| enabled_items(t.enabled(), t.items())),
    );
    keep_unset(&mut m, prior, &["default_ttl", "max_ttl"]);
    // With a cache policy, AWS has no forwarded values (an emulator may still show its defaults).
    let prior_fv = prior.and_then(|p| first(p.get("forwarded_values")));
    let forwarded: Vec<Value> = b
        .forwarded
        .filter(|_| policy.is_none())
        .map(|f| {
            let mut fm = Map::new();
            fm.insert("query_string".into(), Value::Bool(f.query_string()));
            fm.insert(
                "headers".into(),
                strings(f.headers().map(|h| h.items()).unwrap_or_default().iter().map(String::as_str)),
            );
            fm.insert(
                "query_string_cache_keys".into(),
                Value::List(
                    f.query_string_cache_keys()
                        .map(|k| k.items())
                        .unwrap_or_default()
                        .iter()
                        .map(|s| Value::String(s.clone()))
                        .collect(),
                ),
            );
            keep_unset(&mut fm, prior_fv, &["headers", "query_string_cache_keys"]);
            let cookies: Vec<Value> = f
                .cookies()
                .map(|c| {
                    let mut cm = Map::new();
                    cm.insert("forward".into(), Value::String(c.forward().as_str().to_string()));
                    cm.insert(
                        "whitelisted_names".into(),
                        strings(
                            c.whitelisted_names().map(|w| w.items()).unwrap_or_default().iter().map(String::as_str),
                        ),
                    );
                    keep_unset(&mut cm, prior_fv.and_then(|p| first(p.get("cookies"))), &["whitelisted_names"]);
                    Value::Map(cm)
                })
                .into_iter()
                .collect();
            fm.insert("cookies".into(), Value::List(cookies));
            Value::Map(fm)
        })
        .into_iter()
        .collect();
    m.insert("forwarded_values".into(), Value::List(forwarded));
    let functions: Vec<Value> = b
        .functions
        .map(|f| f.items())
        .unwrap_or_default()
        .iter()
        .map(|f| {
            let mut fm = Map::new();
            fm.insert("event_type".into(), Value::String(f.event_type().as_str().to_string()));
            fm.insert("function_arn".into(), Value::String(f.function_arn().to_string()));
            Value::Map(fm)
        })
        .collect();
    m.insert("function_association".into(), Value::set(functions));
    let lambdas: Vec<Value> = b
        .lambdas
        .map(|l| l.items())
        .unwrap_or_default()
        .iter()
        .map(|l| {
            let mut lm = Map::new();
            lm.insert("event_type".into(), Value::String(l.event_type().as_str().to_string()));
            lm.insert("lambda_arn".into(), Value::String(l.lambda_function_arn().to_string()));
            lm.insert("include_body".into(), l.include_body().map_or(Value::Null, Value::Bool));
            let prior_l = prior.and_then(|p| {
                item_by(
                    p.get("lambda_function_association"),
                    "lambda_arn",
                    &Value::String(l.lambda_function_arn().to_string()),
                )
            });
            keep_unset(&mut lm, prior_l, &["include_body"]);
            Value::Map(lm)
        })
        .collect();
    m.insert("lambda_function_association".into(), Value::set(lambdas));
    Value::Map(m)
}

/// The configuration's attributes and blocks as AWS reports them, shaped after `prior` (the
/// recorded attributes, or the desired ones right after a change).
pub(crate) fn read_config(c: &DistributionConfig, prior: &Attrs) -> Attrs {
    let mut a = Attrs::new();
    a.insert("enabled".into(), Value::Bool(c.enabled()));
    a.insert("comment".into(), st(c.comment()));
    a.insert("default_root_object".into(), ost(c.default_root_object()));
    a.insert("aliases".into(), strings(c.aliases().map(|x| x.items()).unwrap_or_default().iter().map(String::as_str)));
    a.insert("price_class".into(), Value::String(c.price_class().map_or("PriceClass_All", |p| p.as_str()).to_string()));
    a.insert("http_version".into(), Value::String(c.http_version().map_or("http2", |h| h.as_str()).to_string()));
    a.insert("is_ipv6_enabled".into(), Value::Bool(c.is_ipv6_enabled().unwrap_or(false)));
    a.insert("web_acl_id".into(), ost(c.web_acl_id()));
    a.insert("caller_reference".into(), Value::String(c.caller_reference().to_string()));

    let origins: Vec<Value> = c
        .origins()
        .map(|o| o.items())
        .unwrap_or_default()
        .iter()
        .map(|o| origin_value(o, item_by(prior.get("origin"), "origin_id", &Value::String(o.id().to_string()))))
        .collect();
    a.insert("origin".into(), Value::set(origins));

    let default: Vec<Value> = c
        .default_cache_behavior()
        .map(|b| behavior_value(parts!(b), None, first(prior.get("default_cache_behavior"))))
        .into_iter()
        .collect();
    a.insert("default_cache_behavior".into(), Value::List(default));
    let ordered: Vec<Value> = c
        .cache_behaviors()
        .map(|b| b.items())
        .unwrap_or_default()
        .iter()
        .map(|b| {
            let p = item_by(
                prior.get("ordered_cache_behavior"),
                "path_pattern",
                &Value::String(b.path_pattern().to_string()),
            );
            behavior_value(parts!(b), Some(b.path_pattern()), p)
        })
        .collect();
    a.insert("ordered_cache_behavior".into(), Value::List(ordered));

    let errors: Vec<Value> = c
        .custom_error_responses()
        .map(|e| e.items())
        .unwrap_or_default()
        .iter()
        .map(|e| {
            let mut m = Map::new();
            m.insert("error_code".into(), num(e.error_code()));
            m.insert(
                "response_code".into(),
                e.response_code().and_then(|r| r.parse::<f64>().ok()).map_or(Value::Null, Value::Number),
            );
            m.insert("response_page_path".into(), ost(e.response_page_path()));
            m.insert("error_caching_min_ttl".into(), e.error_caching_min_ttl().map_or(Value::Null, |t| num(t as f64)));
            let p = item_by(prior.get("custom_error_response"), "error_code", &num(e.error_code()));
            keep_unset(&mut m, p, &["error_caching_min_ttl"]);
            Value::Map(m)
        })
        .collect();
    a.insert("custom_error_response".into(), Value::set(errors));

    let geo: Vec<Value> = c
        .restrictions()
        .and_then(Restrictions::geo_restriction)
        .map(|g| {
            let mut m = Map::new();
            m.insert("restriction_type".into(), Value::String(g.restriction_type().as_str().to_string()));
            m.insert("locations".into(), strings(g.items().iter().map(String::as_str)));
            let p = first(prior.get("restrictions")).and_then(|r| first(r.get("geo_restriction")));
            if g.items().is_empty() {
                keep_unset(&mut m, p, &["locations"]);
            }
            Value::Map(m)
        })
        .into_iter()
        .collect();
    let mut restrictions = Map::new();
    restrictions.insert("geo_restriction".into(), Value::List(geo));
    a.insert("restrictions".into(), Value::List(vec![Value::Map(restrictions)]));

    let cert: Vec<Value> = c
        .viewer_certificate()
        .map(|v| {
            let mut m = Map::new();
            m.insert(
                "cloudfront_default_certificate".into(),
                Value::Bool(v.cloud_front_default_certificate().unwrap_or(false)),
            );
            m.insert("acm_certificate_arn".into(), ost(v.acm_certificate_arn()));
            m.insert("iam_certificate_id".into(), ost(v.iam_certificate_id()));
            m.insert(
                "minimum_protocol_version".into(),
                Value::String(v.minimum_protocol_version().map_or("TLSv1", |p| p.as_str()).to_string()),
            );
            m.insert("ssl_support_method".into(), ost(v.ssl_support_method().map(|s| s.as_str())));
            if v.cloud_front_default_certificate() == Some(true) {
                keep_unset(&mut m, first(prior.get("viewer_certificate")), &["ssl_support_method"]);
            }
            Value::Map(m)
        })
        .into_iter()
        .collect();
    a.insert("viewer_certificate".into(), Value::List(cert));

    let logging: Vec<Value> = c
        .logging()
        .filter(|l| l.enabled())
        .map(|l| {
            let mut m = Map::new();
            m.insert("bucket".into(), Value::String(l.bucket().to_string()));
            m.insert("include_cookies".into(), Value::Bool(l.include_cookies()));
            m.insert("prefix".into(), Value::String(l.prefix().to_string()));
            Value::Map(m)
        })
        .into_iter()
        .collect();
    a.insert("logging_config".into(), Value::List(logging));
    a
}

// ---------------------------------------------------------------------------------------------
// Writing

fn get<'a>(m: &'a Map, k: &str) -> Option<&'a str> {
    m.get(k).and_then(Value::as_str)
}

fn nonempty(m: &Map, k: &str) -> Option<String> {
    get(m, k).filter(|s| !s.is_empty()).map(str::to_string)
}

fn int(m: &Map, k: &str) -> Option<i32> {
    m.get(k).and_then(Value::as_number).map(|n| n as i32)
}

fn long(m: &Map, k: &str) -> Option<i64> {
    m.get(k).and_then(Value::as_number).map(|n| n as i64)
}

fn flag(m: &Map, k: &str) -> Option<bool> {
    m.get(k).and_then(Value::as_bool)
}

fn list(m: &Map, k: &str) -> Vec<String> {
    m.get(k)
        .and_then(Value::as_seq)
        .map(|xs| xs.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default()
}

fn items<'a>(m: &'a Map, k: &str) -> Vec<&'a Map> {
    m.get(k).and_then(Value::as_seq).map(|xs| xs.iter().filter_map(Value::as_map).collect()).unwrap_or_default()
}

fn q(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

type Built<T> = Result<T, BuildError>;

fn build_origin(o: &Map) -> Built<Origin> {
    let headers = items(o, "custom_header");
    let mut hs = CustomHeaders::builder().quantity(q(headers.len()));
    for h in headers {
        hs = hs.items(
            OriginCustomHeader::builder()
                .header_name(get(h, "name").unwrap_or_default())
                .header_value(get(h, "value").unwrap_or_default())
                .build()?,
        );
    }
    let mut b = Origin::builder()
        .id(get(o, "origin_id").unwrap_or_default())
        .domain_name(get(o, "domain_name").unwrap_or_default())
        .origin_path(get(o, "origin_path").unwrap_or_default())
        .custom_headers(hs.build()?)
        .set_connection_attempts(int(o, "connection_attempts"))
        .set_connection_timeout(int(o, "connection_timeout"))
        .set_origin_access_control_id(nonempty(o, "origin_access_control_id"));
    if let Some(c) = items(o, "custom_origin_config").first() {
        let protocols = list(c, "origin_ssl_protocols");
        let mut p = OriginSslProtocols::builder().quantity(q(protocols.len()));
        for x in protocols {
            p = p.items(SslProtocol::from(x.as_str()));
        }
        b = b.custom_origin_config(
            CustomOriginConfig::builder()
                .http_port(int(c, "http_port").unwrap_or(80))
                .https_port(int(c, "https_port").unwrap_or(443))
                .origin_protocol_policy(OriginProtocolPolicy::from(
                    get(c, "origin_protocol_policy").unwrap_or_default(),
                ))
                .origin_ssl_protocols(p.build()?)
                .set_origin_keepalive_timeout(int(c, "origin_keepalive_timeout"))
                .set_origin_read_timeout(int(c, "origin_read_timeout"))
                .build()?,
        );
    } else if let Some(s) = items(o, "s3_origin_config").first() {
        b = b.s3_origin_config(
            S3OriginConfig::builder()
                .origin_access_identity(get(s, "origin_access_identity").unwrap_or_default())
                .build(),
        );
    } else if nonempty(o, "origin_access_control_id").is_some() {
        // An S3 origin signed by an origin access control: AWS wants an empty S3 origin config.
        b = b.s3_origin_config(S3OriginConfig::builder().origin_access_identity("").build());
    }
    if let Some(s) = items(o, "origin_shield").first() {
        b = b.origin_shield(
            OriginShield::builder()
                .enabled(flag(s, "enabled").unwrap_or(false))
                .set_origin_shield_region(nonempty(s, "origin_shield_region"))
                .build()?,
        );
    }
    b.build()
}

fn method_list(ms: Vec<String>) -> (i32, Vec<Method>) {
    (q(ms.len()), ms.iter().map(|m| Method::from(m.as_str())).collect())
}

/// The pieces of a cache behavior both kinds share.
struct BehaviorIn {
    allowed: AllowedMethods,
    forwarded: Option<ForwardedValues>,
    functions: FunctionAssociations,
    lambdas: LambdaFunctionAssociations,
    signers: TrustedSigners,
    key_groups: TrustedKeyGroups,
}

fn behavior_in(b: &Map) -> Built<BehaviorIn> {
    let (cq, cached) = method_list(list(b, "cached_methods"));
    let (aq, allowed) = method_list(list(b, "allowed_methods"));
    let allowed = AllowedMethods::builder()
        .quantity(aq)
        .set_items(Some(allowed))
        .cached_methods(CachedMethods::builder().quantity(cq).set_items(Some(cached)).build()?)
        .build()?;
    let forwarded = match items(b, "forwarded_values").first() {
        Some(f) => {
            let cookie = items(f, "cookies");
            let cookie = cookie.first();
            let names = cookie.map(|c| list(c, "whitelisted_names")).unwrap_or_default();
            let mut cp = CookiePreference::builder()
                .forward(ItemSelection::from(cookie.and_then(|c| get(c, "forward")).unwrap_or("none")));
            if !names.is_empty() {
                cp = cp
                    .whitelisted_names(CookieNames::builder().quantity(q(names.len())).set_items(Some(names)).build()?);
            }
            let headers = list(f, "headers");
            let keys = list(f, "query_string_cache_keys");
            Some(
                ForwardedValues::builder()
                    .query_string(flag(f, "query_string").unwrap_or(false))
                    .cookies(cp.build()?)
                    .headers(Headers::builder().quantity(q(headers.len())).set_items(Some(headers)).build()?)
                    .query_string_cache_keys(
                        QueryStringCacheKeys::builder().quantity(q(keys.len())).set_items(Some(keys)).build()?,
                    )
                    .build()?,
            )
        }
        None => None,
    };
    let fns = items(b, "function_association");
    let mut functions = FunctionAssociations::builder().quantity(q(fns.len()));
    for f in fns {
        functions = functions.items(
            FunctionAssociation::builder()
                .function_arn(get(f, "function_arn").unwrap_or_default())
                .event_type(EventType::from(get(f, "event_type").unwrap_or_default()))
                .build()?,
        );
    }
    let ls = items(b, "lambda_function_association");
    let mut lambdas = LambdaFunctionAssociations::builder().quantity(q(ls.len()));
    for l in ls {
        lambdas = lambdas.items(
            LambdaFunctionAssociation::builder()
                .lambda_function_arn(get(l, "lambda_arn").unwrap_or_default())
                .event_type(EventType::from(get(l, "event_type").unwrap_or_default()))
                .set_include_body(flag(l, "include_body"))
                .build()?,
        );
    }
    let signers = list(b, "trusted_signers");
    let groups = list(b, "trusted_key_groups");
    Ok(BehaviorIn {
        allowed,
        forwarded,
        functions: functions.build()?,
        lambdas: lambdas.build()?,
        signers: TrustedSigners::builder()
            .enabled(!signers.is_empty())
            .quantity(q(signers.len()))
            .set_items(Some(signers))
            .build()?,
        key_groups: TrustedKeyGroups::builder()
            .enabled(!groups.is_empty())
            .quantity(q(groups.len()))
            .set_items(Some(groups))
            .build()?,
    })
}

macro_rules! behavior {
    ($builder:expr, $b:expr, $parts:expr) => {
        $builder
            .target_origin_id(get($b, "target_origin_id").unwrap_or_default())
            .viewer_protocol_policy(ViewerProtocolPolicy::from(get($b, "viewer_protocol_policy").unwrap_or_default()))
            .allowed_methods($parts.allowed)
            .set_forwarded_values($parts.forwarded)
            .function_associations($parts.functions)
            .lambda_function_associations($parts.lambdas)
            .trusted_signers($parts.signers)
            .trusted_key_groups($parts.key_groups)
            .compress(flag($b, "compress").unwrap_or(false))
            .smooth_streaming(flag($b, "smooth_streaming").unwrap_or(false))
            .set_cache_policy_id(nonempty($b, "cache_policy_id"))
            .set_origin_request_policy_id(nonempty($b, "origin_request_policy_id"))
            .set_response_headers_policy_id(nonempty($b, "response_headers_policy_id"))
            .set_realtime_log_config_arn(nonempty($b, "realtime_log_config_arn"))
            .set_field_level_encryption_id(nonempty($b, "field_level_encryption_id"))
            .set_min_ttl(if nonempty($b, "cache_policy_id").is_some() { None } else { long($b, "min_ttl") })
            .set_default_ttl(long($b, "default_ttl"))
            .set_max_ttl(long($b, "max_ttl"))
    };
}

fn build_all(a: &Attrs, caller_reference: &str, enabled: bool) -> Built<DistributionConfig> {
    let top = |k: &str| a.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
    let as_map = |k: &str| {
        a.get(k)
            .and_then(Value::as_seq)
            .map(|xs| xs.iter().filter_map(Value::as_map).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    let aliases: Vec<String> = a
        .get("aliases")
        .and_then(Value::as_seq)
        .map(|xs| xs.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    let origins = as_map("origin");
    let mut os = Origins::builder().quantity(q(origins.len()));
    for o in origins {
        os = os.items(build_origin(o)?);
    }
    let empty = Map::new();
    let default = as_map("default_cache_behavior");
    let d = default.first().copied().unwrap_or(&empty);
    let dp = behavior_in(d)?;
    let default = behavior!(DefaultCacheBehavior::builder(), d, dp).build()?;
    let ordered = as_map("ordered_cache_behavior");
    let mut cbs = CacheBehaviors::builder().quantity(q(ordered.len()));
    for b in ordered {
        let p = behavior_in(b)?;
        cbs = cbs.items(
            behavior!(CacheBehavior::builder(), b, p)
                .path_pattern(get(b, "path_pattern").unwrap_or_default())
                .build()?,
        );
    }
    let errors = as_map("custom_error_response");
    let mut ers = CustomErrorResponses::builder().quantity(q(errors.len()));
    for e in errors {
        ers = ers.items(
            CustomErrorResponse::builder()
                .error_code(int(e, "error_code").unwrap_or_default())
                .set_response_code(e.get("response_code").and_then(Value::as_number).map(|n| format!("{}", n as i64)))
                .set_response_page_path(nonempty(e, "response_page_path"))
                .set_error_caching_min_ttl(long(e, "error_caching_min_ttl"))
                .build()?,
        );
    }
    let restrictions = as_map("restrictions");
    let geo = restrictions.first().map(|r| items(r, "geo_restriction")).unwrap_or_default();
    let geo = geo.first().copied().unwrap_or(&empty);
    let locations = list(geo, "locations");
    let geo = GeoRestriction::builder()
        .restriction_type(GeoRestrictionType::from(get(geo, "restriction_type").unwrap_or("none")))
        .quantity(q(locations.len()))
        .set_items((!locations.is_empty()).then_some(locations))
        .build()?;
    let certs = as_map("viewer_certificate");
    let v = certs.first().copied().unwrap_or(&empty);
    let default_cert = flag(v, "cloudfront_default_certificate").unwrap_or(false);
    let cert = ViewerCertificate::builder()
        .set_cloud_front_default_certificate(Some(default_cert))
        .set_acm_certificate_arn(nonempty(v, "acm_certificate_arn"))
        .set_iam_certificate_id(nonempty(v, "iam_certificate_id"))
        .set_ssl_support_method(nonempty(v, "ssl_support_method").map(|s| SslSupportMethod::from(s.as_str())))
        .set_minimum_protocol_version(
            nonempty(v, "minimum_protocol_version").map(|s| MinimumProtocolVersion::from(s.as_str())),
        )
        .build();
    let logging = as_map("logging_config");
    let logging = match logging.first() {
        Some(l) => LoggingConfig::builder()
            .enabled(true)
            .bucket(get(l, "bucket").unwrap_or_default())
            .prefix(get(l, "prefix").unwrap_or_default())
            .include_cookies(flag(l, "include_cookies").unwrap_or(false))
            .build(),
        None => LoggingConfig::builder().enabled(false).bucket("").prefix("").include_cookies(false).build(),
    };
    DistributionConfig::builder()
        .caller_reference(caller_reference)
        .aliases(
            Aliases::builder()
                .quantity(q(aliases.len()))
                .set_items((!aliases.is_empty()).then_some(aliases))
                .build()?,
        )
        .default_root_object(top("default_root_object").unwrap_or_default())
        .origins(os.build()?)
        .default_cache_behavior(default)
        .cache_behaviors(cbs.build()?)
        .custom_error_responses(ers.build()?)
        .comment(top("comment").unwrap_or_default())
        .logging(logging)
        .price_class(PriceClass::from(top("price_class").as_deref().unwrap_or("PriceClass_All")))
        .enabled(enabled)
        .viewer_certificate(cert)
        .restrictions(Restrictions::builder().geo_restriction(geo).build())
        .web_acl_id(top("web_acl_id").unwrap_or_default())
        .http_version(HttpVersion::from(top("http_version").as_deref().unwrap_or("http2")))
        .is_ipv6_enabled(a.get("is_ipv6_enabled").and_then(Value::as_bool).unwrap_or(false))
        .build()
}

/// The `DistributionConfig` for these attributes, with this caller reference.
pub(crate) fn build_config(what: &str, a: &Attrs, caller_reference: &str) -> Result<DistributionConfig, ProviderError> {
    let enabled = a.get("enabled").and_then(Value::as_bool).unwrap_or(true);
    built(what, build_all(a, caller_reference, enabled))
}

/// The arguments that make up the configuration AWS holds (not `tags`, `retain_on_delete`,
/// `wait_for_deployment`, which only matter to provision or are set apart).
pub(crate) const CONFIG_ARGUMENTS: &[&str] = &[
    "enabled",
    "comment",
    "default_root_object",
    "aliases",
    "price_class",
    "http_version",
    "is_ipv6_enabled",
    "web_acl_id",
    "origin",
    "default_cache_behavior",
    "ordered_cache_behavior",
    "custom_error_response",
    "restrictions",
    "viewer_certificate",
    "logging_config",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, Value)]) -> Value {
        Value::Map(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    fn spa() -> Attrs {
        let s = |v: &str| Value::String(v.to_string());
        let n = Value::Number;
        let methods = Value::set(vec![s("GET"), s("HEAD")]);
        let mut a = Attrs::new();
        a.insert("enabled".into(), Value::Bool(true));
        a.insert("default_root_object".into(), s("index.html"));
        a.insert("price_class".into(), s("PriceClass_100"));
        a.insert(
            "origin".into(),
            Value::set(vec![map(&[
                ("domain_name", s("site.s3.eu-west-1.amazonaws.com")),
                ("origin_id", s("s3")),
                ("origin_path", s("")),
                ("origin_access_control_id", s("E2QWRUHAPOMQZL")),
                ("connection_attempts", n(3.0)),
                ("connection_timeout", n(10.0)),
                ("custom_header", Value::set(vec![])),
                ("custom_origin_config", Value::List(vec![])),
                ("s3_origin_config", Value::List(vec![])),
                ("origin_shield", Value::List(vec![])),
            ])]),
        );
        a.insert(
            "default_cache_behavior".into(),
            Value::List(vec![map(&[
                ("allowed_methods", methods.clone()),
                ("cached_methods", methods),
                ("target_origin_id", s("s3")),
                ("viewer_protocol_policy", s("redirect-to-https")),
                ("cache_policy_id", s("658327ea-f89d-4fab-a63d-7e88639e58f6")),
                ("compress", Value::Bool(true)),
                ("forwarded_values", Value::List(vec![])),
            ])]),
        );
        a.insert(
            "custom_error_response".into(),
            Value::set(vec![
                map(&[
                    ("error_code", n(403.0)),
                    ("response_code", n(200.0)),
                    ("response_page_path", s("/index.html")),
                    ("error_caching_min_ttl", Value::Null),
                ]),
                map(&[
                    ("error_code", n(404.0)),
                    ("response_code", n(200.0)),
                    ("response_page_path", s("/index.html")),
                    ("error_caching_min_ttl", Value::Null),
                ]),
            ]),
        );
        a.insert(
            "restrictions".into(),
            Value::List(vec![map(&[(
                "geo_restriction",
                Value::List(vec![map(&[("restriction_type", s("none")), ("locations", Value::Null)])]),
            )])]),
        );
        a.insert(
            "viewer_certificate".into(),
            Value::List(vec![map(&[
                ("cloudfront_default_certificate", Value::Bool(true)),
                ("minimum_protocol_version", s("TLSv1")),
                ("ssl_support_method", Value::Null),
            ])]),
        );
        a
    }

    #[test]
    fn an_spa_distribution_round_trips() {
        let a = spa();
        let cfg = build_config("distribution", &a, "ref-1").expect("builds");
        assert_eq!(cfg.custom_error_responses().map(|e| e.quantity()), Some(2));
        let origin = &cfg.origins().expect("origins").items()[0];
        assert!(origin.s3_origin_config().is_some(), "an OAC origin carries an empty S3 origin config");
        let back = read_config(&cfg, &a);
        for k in ["origin", "custom_error_response", "enabled", "default_root_object", "price_class"] {
            assert!(back[k].same_as(&a[k]), "{k}: {:?} vs {:?}", back[k], a[k]);
        }
        let dcb = first(back.get("default_cache_behavior")).expect("dcb");
        assert_eq!(dcb.get("forwarded_values"), Some(&Value::List(vec![])));
        assert_eq!(dcb.get("default_ttl"), Some(&Value::Null));
        let vc = first(back.get("viewer_certificate")).expect("vc");
        assert_eq!(vc.get("ssl_support_method"), Some(&Value::Null));
        assert_eq!(back["logging_config"], Value::List(vec![]));
    }
}
