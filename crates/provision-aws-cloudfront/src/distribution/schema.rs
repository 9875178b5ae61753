//! The schema of `aws_cloudfront_distribution`: Terraform's arguments, blocks and defaults.

use provision_core::{AttributeSchema, BlockSchema, Nesting, Schema, Type, Value};
use std::time::Duration;

fn one_of(v: &Value, allowed: &[&str], what: &str) -> Result<(), String> {
    provision_aws_core::validate::one_of(v, allowed, what)
}

fn price_class(v: &Value) -> Result<(), String> {
    one_of(v, &["PriceClass_All", "PriceClass_200", "PriceClass_100"], "price class")
}

fn http_version(v: &Value) -> Result<(), String> {
    one_of(v, &["http1.1", "http2", "http2and3", "http3"], "HTTP version")
}

fn viewer_protocol_policy(v: &Value) -> Result<(), String> {
    one_of(v, &["allow-all", "https-only", "redirect-to-https"], "viewer protocol policy")
}

fn origin_protocol_policy(v: &Value) -> Result<(), String> {
    one_of(v, &["http-only", "https-only", "match-viewer"], "origin protocol policy")
}

fn methods(v: &Value) -> Result<(), String> {
    const ALL: &[&str] = &["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"];
    for m in v.as_seq().unwrap_or_default() {
        one_of(m, ALL, "HTTP method")?;
    }
    Ok(())
}

fn forward(v: &Value) -> Result<(), String> {
    one_of(v, &["all", "none", "whitelist"], "cookie forwarding")
}

fn event_type(v: &Value) -> Result<(), String> {
    one_of(v, &["viewer-request", "viewer-response", "origin-request", "origin-response"], "event type")
}

fn restriction_type(v: &Value) -> Result<(), String> {
    one_of(v, &["none", "whitelist", "blacklist"], "geo restriction type")
}

fn ssl_support_method(v: &Value) -> Result<(), String> {
    one_of(v, &["sni-only", "vip", "static-ip"], "SSL support method")
}

/// The exactly-one blocks Terraform requires, and a viewer certificate that says where it comes
/// from.
fn arguments(a: &provision_core::Attrs) -> Result<(), String> {
    let count = |k: &str| a.get(k).and_then(Value::as_seq).map_or(0, <[Value]>::len);
    for block in ["default_cache_behavior", "restrictions", "viewer_certificate"] {
        if count(block) != 1 && a.get(block).is_some_and(|v| !v.is_unknown()) {
            return Err(format!("write exactly one `{block}` block"));
        }
    }
    if count("origin") == 0 && a.get("origin").is_some_and(|v| !v.is_unknown()) {
        return Err("write at least one `origin` block".into());
    }
    if let Some(vc) =
        a.get("viewer_certificate").and_then(Value::as_seq).and_then(|v| v.first()).and_then(Value::as_map)
    {
        let set =
            |k: &str| vc.get(k).is_some_and(|v| !v.is_null() && v.as_str() != Some("") && v.as_bool() != Some(false));
        let sources = ["cloudfront_default_certificate", "acm_certificate_arn", "iam_certificate_id"];
        if sources.iter().filter(|k| set(k)).count() != 1 {
            return Err("`viewer_certificate`: set exactly one of `cloudfront_default_certificate = true`, `acm_certificate_arn` (a certificate in us-east-1) and `iam_certificate_id`".into());
        }
        if (set("acm_certificate_arn") || set("iam_certificate_id")) && !set("ssl_support_method") {
            return Err(
                "`viewer_certificate`: a certificate of your own needs `ssl_support_method` (`sni-only` for most uses)"
                    .into(),
            );
        }
        if let Some(arn) = vc.get("acm_certificate_arn").and_then(Value::as_str)
            && arn.starts_with("arn:")
            && !arn.contains(":us-east-1:")
        {
            return Err(format!(
                "`viewer_certificate`: CloudFront only uses ACM certificates from us-east-1, and {arn} is not; request the certificate through a provider alias for us-east-1 (`provider = aws.us_east_1`)"
            ));
        }
    }
    Ok(())
}

fn cache_behavior(ordered: bool) -> Schema {
    let forwarded =
        Schema::new("What is forwarded to the origin and included in the cache key (legacy: prefer a cache policy).")
            .attr(AttributeSchema::required("query_string", Type::Bool).describe("Forward the query string."))
            .attr(
                AttributeSchema::optional("headers", Type::set(Type::String))
                    .describe("Headers to forward (`*` for all)."),
            )
            .attr(
                AttributeSchema::optional("query_string_cache_keys", Type::list(Type::String))
                    .describe("The query string parameters in the cache key."),
            )
            .block(BlockSchema::new(
                "cookies",
                Nesting::List,
                Schema::new("Cookies to forward.")
                    .attr(
                        AttributeSchema::required("forward", Type::String)
                            .validate(forward)
                            .describe("`all`, `none` or `whitelist`."),
                    )
                    .attr(
                        AttributeSchema::optional("whitelisted_names", Type::set(Type::String))
                            .describe("The cookies forwarded with `whitelist`."),
                    ),
                "Cookies to forward (exactly one block).",
            ));
    let mut s = Schema::new(if ordered {
        "A cache behavior for a path pattern."
    } else {
        "The cache behavior for every path no ordered behavior matches."
    });
    if ordered {
        s = s.attr(
            AttributeSchema::required("path_pattern", Type::String).describe("The paths it applies to, e.g. `/api/*`."),
        );
    }
    s.attr(
        AttributeSchema::required("allowed_methods", Type::set(Type::String))
            .validate(methods)
            .describe("Methods CloudFront passes on: `[\"GET\", \"HEAD\"]`, with `OPTIONS`, or all seven."),
    )
    .attr(
        AttributeSchema::required("cached_methods", Type::set(Type::String))
            .validate(methods)
            .describe("Methods whose answers are cached: `[\"GET\", \"HEAD\"]` or with `OPTIONS`."),
    )
    .attr(AttributeSchema::required("target_origin_id", Type::String).describe("The `origin_id` of the origin it reads from."))
    .attr(
        AttributeSchema::required("viewer_protocol_policy", Type::String)
            .validate(viewer_protocol_policy)
            .describe("`allow-all`, `https-only` or `redirect-to-https`."),
    )
    .attr(
        AttributeSchema::optional("cache_policy_id", Type::String)
            .describe("A cache policy (e.g. the managed `Managed-CachingOptimized`, see the `aws_cloudfront_cache_policy` data source); exclusive with `forwarded_values`."),
    )
    .attr(AttributeSchema::optional("origin_request_policy_id", Type::String).describe("An origin request policy."))
    .attr(AttributeSchema::optional("response_headers_policy_id", Type::String).describe("A response headers policy."))
    .attr(AttributeSchema::optional("realtime_log_config_arn", Type::String).describe("A real-time log configuration."))
    .attr(AttributeSchema::optional("field_level_encryption_id", Type::String).describe("A field-level encryption configuration."))
    .attr(AttributeSchema::optional("compress", Type::Bool).default(false).describe("Compress answers (gzip, brotli)."))
    .attr(AttributeSchema::optional("smooth_streaming", Type::Bool).default(false).describe("Microsoft Smooth Streaming."))
    .attr(AttributeSchema::optional("min_ttl", Type::Number).default(0.0).describe("The minimum cache time, in seconds."))
    .attr(
        AttributeSchema::optional("default_ttl", Type::Number)
            .describe("The default cache time, in seconds (with `forwarded_values`; AWS's default when unset is kept)."),
    )
    .attr(
        AttributeSchema::optional("max_ttl", Type::Number)
            .describe("The maximum cache time, in seconds (with `forwarded_values`; AWS's default when unset is kept)."),
    )
    .attr(AttributeSchema::optional("trusted_signers", Type::list(Type::String)).describe("Accounts whose signed URLs are required."))
    .attr(AttributeSchema::optional("trusted_key_groups", Type::list(Type::String)).describe("Key groups whose signed URLs are required."))
    .block(BlockSchema::new("forwarded_values", Nesting::List, forwarded, "Legacy cache settings (at most one block)."))
    .block(BlockSchema::new(
        "function_association",
        Nesting::Set,
        Schema::new("A CloudFront function run on an event.")
            .attr(AttributeSchema::required("event_type", Type::String).validate(event_type).describe("`viewer-request` or `viewer-response`."))
            .attr(AttributeSchema::required("function_arn", Type::String).describe("The function's ARN (`aws_cloudfront_function.x.arn`).")),
        "CloudFront functions (at most two).",
    ))
    .block(BlockSchema::new(
        "lambda_function_association",
        Nesting::Set,
        Schema::new("A Lambda@Edge function run on an event.")
            .attr(AttributeSchema::required("event_type", Type::String).validate(event_type).describe("The event."))
            .attr(AttributeSchema::required("lambda_arn", Type::String).describe("A published version's ARN."))
            .attr(AttributeSchema::optional("include_body", Type::Bool).describe("Pass the request body to the function.")),
        "Lambda@Edge functions (at most four).",
    ))
}

fn origin() -> Schema {
    Schema::new("Where CloudFront gets content.")
        .attr(AttributeSchema::required("domain_name", Type::String).describe("The origin's DNS name (a bucket's `bucket_regional_domain_name`, a load balancer's `dns_name`)."))
        .attr(AttributeSchema::required("origin_id", Type::String).describe("A name for the origin, unique in the distribution, used by cache behaviors."))
        .attr(AttributeSchema::optional("origin_path", Type::String).default("").describe("A path prepended to every request, e.g. `/site`."))
        .attr(
            AttributeSchema::optional("origin_access_control_id", Type::String)
                .describe("An origin access control (`aws_cloudfront_origin_access_control.x.id`): CloudFront signs its requests to a private S3 bucket."),
        )
        .attr(AttributeSchema::optional("connection_attempts", Type::Number).default(3.0).describe("Connection attempts, 1 to 3."))
        .attr(AttributeSchema::optional("connection_timeout", Type::Number).default(10.0).describe("Seconds to wait for a connection, 1 to 10."))
        .block(BlockSchema::new(
            "custom_header",
            Nesting::Set,
            Schema::new("A header CloudFront adds to requests to the origin.")
                .attr(AttributeSchema::required("name", Type::String).describe("The header's name."))
                .attr(AttributeSchema::required("value", Type::String).describe("The header's value.")),
            "Headers added to requests to the origin.",
        ))
        .block(BlockSchema::new(
            "custom_origin_config",
            Nesting::List,
            Schema::new("How CloudFront reaches an origin that is not an S3 bucket (or is a bucket's website endpoint).")
                .attr(AttributeSchema::required("http_port", Type::Number).describe("The HTTP port (80)."))
                .attr(AttributeSchema::required("https_port", Type::Number).describe("The HTTPS port (443)."))
                .attr(
                    AttributeSchema::required("origin_protocol_policy", Type::String)
                        .validate(origin_protocol_policy)
                        .describe("`http-only`, `https-only` or `match-viewer`."),
                )
                .attr(
                    AttributeSchema::required("origin_ssl_protocols", Type::set(Type::String))
                        .describe("TLS versions used with the origin, e.g. `[\"TLSv1.2\"]`."),
                )
                .attr(AttributeSchema::optional("origin_keepalive_timeout", Type::Number).describe("Keep-alive, in seconds (AWS: 5)."))
                .attr(AttributeSchema::optional("origin_read_timeout", Type::Number).describe("Read timeout, in seconds (AWS: 30).")),
            "A custom origin (at most one block; exclusive with `s3_origin_config`).",
        ))
        .block(BlockSchema::new(
            "s3_origin_config",
            Nesting::List,
            Schema::new("An S3 origin reached through a legacy origin access identity.").attr(
                AttributeSchema::required("origin_access_identity", Type::String)
                    .describe("`aws_cloudfront_origin_access_identity.x.cloudfront_access_identity_path`, or \"\" with an origin access control."),
            ),
            "An S3 bucket origin (at most one block).",
        ))
        .block(BlockSchema::new(
            "origin_shield",
            Nesting::List,
            Schema::new("An extra caching layer in front of the origin.")
                .attr(AttributeSchema::required("enabled", Type::Bool).describe("Whether Origin Shield is on."))
                .attr(AttributeSchema::optional("origin_shield_region", Type::String).describe("The region of the Origin Shield.")),
            "Origin Shield (at most one block).",
        ))
}

pub(crate) fn schema() -> Schema {
    let hour = Duration::from_secs(3600);
    Schema::new("A CloudFront distribution.")
        .with_id()
        .attr(AttributeSchema::computed("arn", Type::String).describe("The distribution's ARN."))
        .attr(AttributeSchema::required("enabled", Type::Bool).describe("Whether it serves requests. Changed in place."))
        .attr(AttributeSchema::optional("comment", Type::String).describe("A comment (up to 128 characters)."))
        .attr(AttributeSchema::optional("default_root_object", Type::String).describe("The object served for `/`, e.g. `index.html`."))
        .attr(AttributeSchema::optional("aliases", Type::set(Type::String)).describe("Extra domain names (CNAMEs); each needs a certificate that covers it."))
        .attr(
            AttributeSchema::optional("price_class", Type::String)
                .default("PriceClass_All")
                .validate(price_class)
                .describe("`PriceClass_All` (the default), `PriceClass_200` or `PriceClass_100`."),
        )
        .attr(
            AttributeSchema::optional("http_version", Type::String)
                .default("http2")
                .validate(http_version)
                .describe("The highest HTTP version viewers may use: `http1.1`, `http2` (the default), `http2and3` or `http3`."),
        )
        .attr(AttributeSchema::optional("is_ipv6_enabled", Type::Bool).default(false).describe("Answer on IPv6 too."))
        .attr(AttributeSchema::optional("web_acl_id", Type::String).describe("The WAF web ACL (a WAFv2 ARN, from a us-east-1 provider)."))
        .attr(
            AttributeSchema::optional("wait_for_deployment", Type::Bool)
                .default(true)
                .describe("Wait, on create and update, until the distribution is `Deployed` everywhere (about five minutes); when false, apply goes on once AWS accepted the change."),
        )
        .attr(
            AttributeSchema::optional("retain_on_delete", Type::Bool)
                .default(false)
                .at_destroy()
                .describe("On destroy, only disable the distribution and leave it (delete it yourself later). The value the configuration has at destroy time counts; changing only it calls no AWS API."),
        )
        .attr(AttributeSchema::computed("caller_reference", Type::String).describe("The unique reference it was created with."))
        .attr(AttributeSchema::computed("domain_name", Type::String).describe("Its domain, e.g. `d111111abcdef8.cloudfront.net`."))
        .attr(AttributeSchema::computed("hosted_zone_id", Type::String).describe("The Route 53 zone of CloudFront domains, for alias records (`Z2FDTNDATAQYW2`)."))
        .attr(AttributeSchema::computed("etag", Type::String).describe("The current version of its configuration (ETag)."))
        .attr(AttributeSchema::computed("status", Type::String).describe("`Deployed`, or `InProgress` while a change spreads."))
        .attr(AttributeSchema::computed("last_modified_time", Type::String).describe("When it was last changed."))
        .attr(AttributeSchema::computed("in_progress_validation_batches", Type::Number).describe("Invalidation batches in progress."))
        .block(BlockSchema::new("origin", Nesting::Set, origin(), "Where content comes from (one or more)."))
        .block(BlockSchema::new("default_cache_behavior", Nesting::List, cache_behavior(false), "The default cache behavior (exactly one)."))
        .block(BlockSchema::new("ordered_cache_behavior", Nesting::List, cache_behavior(true), "Cache behaviors by path, in order of precedence."))
        .block(BlockSchema::new(
            "custom_error_response",
            Nesting::Set,
            Schema::new("What viewers get for an error from the origin.")
                .attr(AttributeSchema::required("error_code", Type::Number).describe("The origin's HTTP status, e.g. 403 or 404."))
                .attr(AttributeSchema::optional("response_code", Type::Number).describe("The status viewers get instead, e.g. 200 for a single-page app."))
                .attr(AttributeSchema::optional("response_page_path", Type::String).describe("The page viewers get instead, e.g. `/index.html`."))
                .attr(AttributeSchema::optional("error_caching_min_ttl", Type::Number).describe("How long the error is cached, in seconds (AWS: 10).")),
            "Error pages (for a single-page app: 403 and 404 → `/index.html` with 200).",
        ))
        .block(BlockSchema::new(
            "restrictions",
            Nesting::List,
            Schema::new("Who may be served.").block(BlockSchema::new(
                "geo_restriction",
                Nesting::List,
                Schema::new("Countries served or refused.")
                    .attr(AttributeSchema::required("restriction_type", Type::String).validate(restriction_type).describe("`none`, `whitelist` or `blacklist`."))
                    .attr(AttributeSchema::optional("locations", Type::set(Type::String)).describe("ISO 3166-1 alpha-2 country codes.")),
                "The geographic restriction (exactly one).",
            )),
            "Restrictions (exactly one block).",
        ))
        .block(BlockSchema::new(
            "viewer_certificate",
            Nesting::List,
            Schema::new("The certificate viewers see.")
                .attr(AttributeSchema::optional("cloudfront_default_certificate", Type::Bool).default(false).describe("Use the `*.cloudfront.net` certificate (no aliases)."))
                .attr(
                    AttributeSchema::optional("acm_certificate_arn", Type::String)
                        .describe("An ACM certificate, which must be in us-east-1 (give it `provider = aws.us_east_1`); checked at plan time."),
                )
                .attr(AttributeSchema::optional("iam_certificate_id", Type::String).describe("An IAM server certificate."))
                .attr(
                    AttributeSchema::optional("minimum_protocol_version", Type::String)
                        .default("TLSv1")
                        .describe("The oldest TLS version viewers may use, e.g. `TLSv1.2_2021` (`TLSv1` is what AWS sets with the default certificate)."),
                )
                .attr(
                    AttributeSchema::optional("ssl_support_method", Type::String)
                        .validate(ssl_support_method)
                        .describe("`sni-only` (the usual), `vip` (dedicated IPs, costly) or `static-ip`; required with a certificate of your own."),
                ),
            "The viewer certificate (exactly one block).",
        ))
        .block(BlockSchema::new(
            "logging_config",
            Nesting::List,
            Schema::new("Standard access logs.")
                .attr(AttributeSchema::required("bucket", Type::String).describe("The log bucket's domain, e.g. `logs.s3.amazonaws.com`."))
                .attr(AttributeSchema::optional("include_cookies", Type::Bool).default(false).describe("Log cookies too."))
                .attr(AttributeSchema::optional("prefix", Type::String).default("").describe("A prefix for log object names.")),
            "Access logs (at most one block).",
        ))
        .check(arguments)
        .with_tags()
        .timeouts(90 * hour / 60, 90 * hour / 60, 90 * hour / 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use provision_core::Attrs;

    fn vc(pairs: &[(&str, Value)]) -> Attrs {
        let m = pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        let mut a = Attrs::new();
        a.insert("viewer_certificate".into(), Value::List(vec![Value::Map(m)]));
        a
    }

    #[test]
    fn a_certificate_outside_us_east_1_is_refused_at_plan_time() {
        let e = arguments(&vc(&[
            ("acm_certificate_arn", "arn:aws:acm:eu-west-1:1:certificate/x".into()),
            ("ssl_support_method", "sni-only".into()),
        ]))
        .expect_err("refused");
        assert!(e.contains("us-east-1") && e.contains("provider = aws.us_east_1"), "{e}");
        assert!(
            arguments(&vc(&[
                ("acm_certificate_arn", "arn:aws:acm:us-east-1:1:certificate/x".into()),
                ("ssl_support_method", "sni-only".into()),
            ]))
            .is_ok()
        );
        assert!(arguments(&vc(&[("cloudfront_default_certificate", Value::Bool(true))])).is_ok());
        assert!(arguments(&vc(&[("acm_certificate_arn", "arn:aws:acm:us-east-1:1:certificate/x".into())])).is_err());
        assert!(arguments(&vc(&[])).is_err());
    }
}
