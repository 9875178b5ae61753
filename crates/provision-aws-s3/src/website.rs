//! The bucket settings for serving a bucket to browsers: static website hosting
//! (`aws_s3_bucket_website_configuration`, with its routing rules as blocks or as Terraform's JSON
//! `routing_rules`) and CORS (`aws_s3_bucket_cors_configuration`).

use crate::context::Clients;
use crate::error::on;
use crate::setting::{Setting, absent_setting};
use crate::util::{block, get_i32, get_str, get_string, get_strings, items, need_str, one, s};
use async_trait::async_trait;
use aws_sdk_s3::types::{
    Condition, CorsConfiguration, CorsRule, ErrorDocument, IndexDocument, Protocol, Redirect, RedirectAllRequestsTo,
    RoutingRule, WebsiteConfiguration,
};
use provision_core::{
    AttributeSchema, Attrs, BlockSchema, Nesting, ProviderError, ProviderErrorKind, Schema, Type, Value,
};
use serde_json::{Map, Value as Json, json};

fn invalid(bucket: &str, e: impl std::fmt::Display) -> ProviderError {
    ProviderError::new(ProviderErrorKind::Invalid, format!("bucket {bucket}: {e}"))
}

/// Regions whose website endpoint is `s3-website-<region>` (the older form); the others use
/// `s3-website.<region>`.
const DASH_REGIONS: &[&str] = &[
    "us-east-1",
    "us-west-1",
    "us-west-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "eu-west-1",
    "sa-east-1",
    "us-gov-west-1",
];

/// The website domain of a region: `s3-website-eu-west-1.amazonaws.com`.
pub(crate) fn website_domain(region: &str) -> String {
    if DASH_REGIONS.contains(&region) {
        format!("s3-website-{region}.amazonaws.com")
    } else {
        format!("s3-website.{region}.amazonaws.com")
    }
}

pub(crate) struct Website;

fn one_block(name: &'static str, schema: Schema, d: &'static str) -> BlockSchema {
    BlockSchema::new(name, Nesting::List, schema, d)
}

fn opt(name: &'static str, d: &'static str) -> AttributeSchema {
    AttributeSchema::optional(name, Type::String).describe(d)
}

fn routing_rules_json(v: &Value) -> Result<(), String> {
    match v.as_str().map(serde_json::from_str::<Json>) {
        Some(Ok(Json::Array(_))) | None => Ok(()),
        Some(_) => Err("routing_rules must be a JSON array of {Condition, Redirect} objects".into()),
    }
}

/// A routing rule block as S3's JSON form (Terraform's `routing_rules`).
fn rule_json(rule: &Attrs) -> Json {
    let mut out = Map::new();
    let obj = |a: &Attrs, keys: &[(&str, &str)]| {
        let m: Map<String, Json> = keys
            .iter()
            .filter_map(|(attr, json_key)| {
                get_str(a, attr).filter(|v| !v.is_empty()).map(|v| (json_key.to_string(), json!(v)))
            })
            .collect();
        Json::Object(m)
    };
    if let Some(c) = one(rule, "condition") {
        out.insert(
            "Condition".into(),
            obj(
                c,
                &[
                    ("http_error_code_returned_equals", "HttpErrorCodeReturnedEquals"),
                    ("key_prefix_equals", "KeyPrefixEquals"),
                ],
            ),
        );
    }
    if let Some(r) = one(rule, "redirect") {
        out.insert(
            "Redirect".into(),
            obj(
                r,
                &[
                    ("host_name", "HostName"),
                    ("http_redirect_code", "HttpRedirectCode"),
                    ("protocol", "Protocol"),
                    ("replace_key_prefix_with", "ReplaceKeyPrefixWith"),
                    ("replace_key_with", "ReplaceKeyWith"),
                ],
            ),
        );
    }
    Json::Object(out)
}

/// Routing rules in Terraform's JSON form as blocks.
fn rules_from_json(bucket: &str, text: &str) -> Result<Vec<Attrs>, ProviderError> {
    let Json::Array(rules) = serde_json::from_str(text).map_err(|e| invalid(bucket, format!("routing_rules: {e}")))?
    else {
        return Err(invalid(bucket, "routing_rules must be a JSON array"));
    };
    let field = |o: Option<&Json>, k: &str| {
        o.and_then(|o| o.get(k)).and_then(Json::as_str).map_or(Value::Null, |s| Value::String(s.into()))
    };
    Ok(rules
        .iter()
        .map(|r| {
            let mut a = Attrs::new();
            let c = r.get("Condition");
            let condition = c.map(|_| {
                let mut m = Attrs::new();
                m.insert("http_error_code_returned_equals".into(), field(c, "HttpErrorCodeReturnedEquals"));
                m.insert("key_prefix_equals".into(), field(c, "KeyPrefixEquals"));
                block(m)
            });
            a.insert("condition".into(), condition.unwrap_or(Value::List(vec![])));
            let rd = r.get("Redirect");
            let mut m = Attrs::new();
            for (attr, key) in [
                ("host_name", "HostName"),
                ("http_redirect_code", "HttpRedirectCode"),
                ("protocol", "Protocol"),
                ("replace_key_prefix_with", "ReplaceKeyPrefixWith"),
                ("replace_key_with", "ReplaceKeyWith"),
            ] {
                m.insert(attr.into(), field(rd, key));
            }
            a.insert("redirect".into(), block(m));
            a
        })
        .collect())
}

fn sdk_rule(bucket: &str, rule: &Attrs) -> Result<RoutingRule, ProviderError> {
    let mut out = RoutingRule::builder();
    if let Some(c) = one(rule, "condition") {
        out = out.condition(
            Condition::builder()
                .set_http_error_code_returned_equals(get_string(c, "http_error_code_returned_equals"))
                .set_key_prefix_equals(get_string(c, "key_prefix_equals"))
                .build(),
        );
    }
    let r = one(rule, "redirect").ok_or_else(|| invalid(bucket, "a routing rule needs a redirect block"))?;
    out = out.redirect(
        Redirect::builder()
            .set_host_name(get_string(r, "host_name"))
            .set_http_redirect_code(get_string(r, "http_redirect_code"))
            .set_protocol(get_string(r, "protocol").map(|p| Protocol::from(p.as_str())))
            .set_replace_key_prefix_with(get_string(r, "replace_key_prefix_with"))
            .set_replace_key_with(get_string(r, "replace_key_with"))
            .build(),
    );
    Ok(out.build())
}

#[async_trait]
impl Setting for Website {
    const TYPE: &'static str = "aws_s3_bucket_website_configuration";

    fn schema() -> Schema {
        Schema::new("Static website hosting for a bucket. Changed in place (`PutBucketWebsite` with the whole configuration); deleting the resource is `DeleteBucketWebsite`.")
            .attr(
                AttributeSchema::optional("expected_bucket_owner", Type::String)
                    .force_new()
                    .describe("The account expected to own the bucket. Kept as configured."),
            )
            .attr(
                AttributeSchema::optional_computed("routing_rules", Type::String)
                    .validate(routing_rules_json)
                    .normalize(provision_aws_core::json::normalize_json)
                    .describe("The routing rules as S3's JSON (`[{\"Condition\": {...}, \"Redirect\": {...}}]`), instead of `routing_rule` blocks. Compared by meaning. When unset, the rules' JSON as AWS reports them."),
            )
            .attr(AttributeSchema::computed("website_endpoint", Type::String).describe("`<bucket>.s3-website-<region>.amazonaws.com` (or `s3-website.<region>` in newer regions)."))
            .attr(AttributeSchema::computed("website_domain", Type::String).describe("The region's website domain, for Route 53 alias records."))
            .block(one_block(
                "index_document",
                Schema::new("").attr(AttributeSchema::required("suffix", Type::String).describe("The page served for a directory (`index.html`).")),
                "The index page.",
            ))
            .block(one_block(
                "error_document",
                Schema::new("").attr(AttributeSchema::required("key", Type::String).describe("The object served on a 4xx error (`error.html`).")),
                "The error page.",
            ))
            .block(one_block(
                "redirect_all_requests_to",
                Schema::new("")
                    .attr(AttributeSchema::required("host_name", Type::String).describe("Where every request goes."))
                    .attr(opt("protocol", "`http` or `https`; the request's own when unset.")),
                "Redirect every request to another host, instead of serving the bucket.",
            ))
            .block(
                BlockSchema::new(
                    "routing_rule",
                    Nesting::List,
                    Schema::new("")
                        .block(one_block(
                            "condition",
                            Schema::new("")
                                .attr(opt("http_error_code_returned_equals", "Only when S3 would answer with this HTTP error code."))
                                .attr(opt("key_prefix_equals", "Only for keys that begin with this.")),
                            "When the rule applies.",
                        ))
                        .block(one_block(
                            "redirect",
                            Schema::new("")
                                .attr(opt("host_name", "The host to redirect to."))
                                .attr(opt("http_redirect_code", "The HTTP redirect code (`301`)."))
                                .attr(opt("protocol", "`http` or `https`."))
                                .attr(opt("replace_key_prefix_with", "Replace the matched prefix with this."))
                                .attr(opt("replace_key_with", "Replace the whole key with this.")),
                            "Where to redirect.",
                        )),
                    "A routing rule, in order (the first that matches applies).",
                )
                .unmanaged_when_absent(),
            )
    }

    async fn get(c: &Clients, bucket: &str, prior: &Attrs) -> Result<Option<Attrs>, ProviderError> {
        let r = c.s3.get_bucket_website().bucket(bucket).send().await.map_err(|e| on("GetBucketWebsite", bucket, e));
        let Some(out) = absent_setting(r)? else { return Ok(None) };
        let mut a = Attrs::new();
        a.insert("expected_bucket_owner".into(), prior.get("expected_bucket_owner").cloned().unwrap_or(Value::Null));
        let index = out.index_document().map(|i| {
            let mut m = Attrs::new();
            m.insert("suffix".into(), Value::String(i.suffix().into()));
            block(m)
        });
        a.insert("index_document".into(), index.unwrap_or(Value::List(vec![])));
        let error = out.error_document().map(|e| {
            let mut m = Attrs::new();
            m.insert("key".into(), Value::String(e.key().into()));
            block(m)
        });
        a.insert("error_document".into(), error.unwrap_or(Value::List(vec![])));
        let redirect = out.redirect_all_requests_to().map(|r| {
            let mut m = Attrs::new();
            m.insert("host_name".into(), Value::String(r.host_name().into()));
            m.insert("protocol".into(), s(r.protocol().map(|p| p.as_str())));
            block(m)
        });
        a.insert("redirect_all_requests_to".into(), redirect.unwrap_or(Value::List(vec![])));
        let rules: Vec<Attrs> = out
            .routing_rules()
            .iter()
            .map(|r| {
                let mut rule = Attrs::new();
                let condition = r.condition().map(|c| {
                    let mut m = Attrs::new();
                    m.insert("http_error_code_returned_equals".into(), s(c.http_error_code_returned_equals()));
                    m.insert("key_prefix_equals".into(), s(c.key_prefix_equals()));
                    block(m)
                });
                rule.insert("condition".into(), condition.unwrap_or(Value::List(vec![])));
                let redirect = r.redirect().map(|d| {
                    let mut m = Attrs::new();
                    m.insert("host_name".into(), s(d.host_name()));
                    m.insert("http_redirect_code".into(), s(d.http_redirect_code()));
                    m.insert("protocol".into(), s(d.protocol().map(|p| p.as_str())));
                    m.insert("replace_key_prefix_with".into(), s(d.replace_key_prefix_with()));
                    m.insert("replace_key_with".into(), s(d.replace_key_with()));
                    block(m)
                });
                rule.insert("redirect".into(), redirect.unwrap_or(Value::List(vec![])));
                rule
            })
            .collect();
        let json_rules = (!rules.is_empty()).then(|| Json::Array(rules.iter().map(rule_json).collect()).to_string());
        a.insert("routing_rules".into(), json_rules.map_or(Value::Null, Value::String));
        a.insert("routing_rule".into(), Value::List(rules.into_iter().map(Value::Map).collect()));
        let region = &c.region;
        a.insert("website_domain".into(), Value::String(website_domain(region)));
        a.insert("website_endpoint".into(), Value::String(format!("{bucket}.{}", website_domain(region))));
        Ok(Some(a))
    }

    async fn put(c: &Clients, bucket: &str, d: &Attrs) -> Result<(), ProviderError> {
        let mut config = WebsiteConfiguration::builder();
        if let Some(i) = one(d, "index_document") {
            config = config.index_document(
                IndexDocument::builder().suffix(need_str(i, "suffix")?).build().map_err(|e| invalid(bucket, e))?,
            );
        }
        if let Some(e) = one(d, "error_document") {
            config = config.error_document(
                ErrorDocument::builder().key(need_str(e, "key")?).build().map_err(|e| invalid(bucket, e))?,
            );
        }
        if let Some(r) = one(d, "redirect_all_requests_to") {
            config = config.redirect_all_requests_to(
                RedirectAllRequestsTo::builder()
                    .host_name(need_str(r, "host_name")?)
                    .set_protocol(get_string(r, "protocol").map(|p| Protocol::from(p.as_str())))
                    .build()
                    .map_err(|e| invalid(bucket, e))?,
            );
        }
        let blocks = items(d, "routing_rule");
        let rules: Vec<Attrs> = if !blocks.is_empty() {
            blocks.into_iter().cloned().collect()
        } else if let Some(text) = get_string(d, "routing_rules") {
            rules_from_json(bucket, &text)?
        } else {
            vec![]
        };
        for r in &rules {
            config = config.routing_rules(sdk_rule(bucket, r)?);
        }
        c.s3.put_bucket_website()
            .bucket(bucket)
            .website_configuration(config.build())
            .set_expected_bucket_owner(get_string(d, "expected_bucket_owner"))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| on("PutBucketWebsite", bucket, e))
    }

    async fn remove(c: &Clients, bucket: &str, prior: &Attrs) -> Result<(), ProviderError> {
        c.s3.delete_bucket_website()
            .bucket(bucket)
            .set_expected_bucket_owner(get_string(prior, "expected_bucket_owner"))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| on("DeleteBucketWebsite", bucket, e))
    }
}

// ---------------------------------------------------------------------------------------------

/// `aws_s3_bucket_cors_configuration`.
pub(crate) struct Cors;

fn string_set(v: &[String]) -> Value {
    Value::set(v.iter().map(|s| Value::String(s.clone())).collect())
}

#[async_trait]
impl Setting for Cors {
    const TYPE: &'static str = "aws_s3_bucket_cors_configuration";

    fn schema() -> Schema {
        let set =
            |name: &'static str, d: &'static str| AttributeSchema::optional(name, Type::set(Type::String)).describe(d);
        Schema::new("A bucket's CORS rules. Changed in place (`PutBucketCors` with every rule); deleting the resource is `DeleteBucketCors`.")
            .attr(
                AttributeSchema::optional("expected_bucket_owner", Type::String)
                    .force_new()
                    .describe("The account expected to own the bucket. Kept as configured."),
            )
            .block(BlockSchema::new(
                "cors_rule",
                Nesting::Set,
                Schema::new("")
                    .attr(AttributeSchema::optional("id", Type::String).describe("The rule's name."))
                    .attr(set("allowed_headers", "Headers allowed in a preflight request (`*` for any)."))
                    .attr(AttributeSchema::required("allowed_methods", Type::set(Type::String)).describe("`GET`, `PUT`, `HEAD`, `POST`, `DELETE`."))
                    .attr(AttributeSchema::required("allowed_origins", Type::set(Type::String)).describe("Origins allowed (`https://example.com`, `*`)."))
                    .attr(set("expose_headers", "Response headers browsers may read."))
                    .attr(AttributeSchema::optional("max_age_seconds", Type::Number).describe("How long browsers cache a preflight answer.")),
                "One CORS rule (1 to 100); rules compare regardless of order.",
            ))
    }

    async fn get(c: &Clients, bucket: &str, prior: &Attrs) -> Result<Option<Attrs>, ProviderError> {
        let r = c.s3.get_bucket_cors().bucket(bucket).send().await.map_err(|e| on("GetBucketCors", bucket, e));
        let Some(out) = absent_setting(r)? else { return Ok(None) };
        let rules = out
            .cors_rules()
            .iter()
            .map(|r| {
                let mut m = Attrs::new();
                m.insert("id".into(), s(r.id()));
                m.insert("allowed_headers".into(), string_set(r.allowed_headers()));
                m.insert("allowed_methods".into(), string_set(r.allowed_methods()));
                m.insert("allowed_origins".into(), string_set(r.allowed_origins()));
                m.insert("expose_headers".into(), string_set(r.expose_headers()));
                m.insert(
                    "max_age_seconds".into(),
                    r.max_age_seconds().map_or(Value::Null, |n| Value::Number(n.into())),
                );
                Value::Map(m)
            })
            .collect();
        let mut a = Attrs::new();
        a.insert("expected_bucket_owner".into(), prior.get("expected_bucket_owner").cloned().unwrap_or(Value::Null));
        a.insert("cors_rule".into(), Value::set(rules));
        Ok(Some(a))
    }

    async fn put(c: &Clients, bucket: &str, d: &Attrs) -> Result<(), ProviderError> {
        let mut config = CorsConfiguration::builder();
        for r in items(d, "cors_rule") {
            let rule = CorsRule::builder()
                .set_id(get_string(r, "id"))
                .set_allowed_headers(Some(get_strings(r, "allowed_headers")))
                .set_allowed_methods(Some(get_strings(r, "allowed_methods")))
                .set_allowed_origins(Some(get_strings(r, "allowed_origins")))
                .set_expose_headers(Some(get_strings(r, "expose_headers")))
                .set_max_age_seconds(get_i32(r, "max_age_seconds"))
                .build()
                .map_err(|e| invalid(bucket, e))?;
            config = config.cors_rules(rule);
        }
        c.s3.put_bucket_cors()
            .bucket(bucket)
            .cors_configuration(config.build().map_err(|e| invalid(bucket, e))?)
            .set_expected_bucket_owner(get_string(d, "expected_bucket_owner"))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| on("PutBucketCors", bucket, e))
    }

    async fn remove(c: &Clients, bucket: &str, prior: &Attrs) -> Result<(), ProviderError> {
        c.s3.delete_bucket_cors()
            .bucket(bucket)
            .set_expected_bucket_owner(get_string(prior, "expected_bucket_owner"))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| on("DeleteBucketCors", bucket, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn website_domains() {
        assert_eq!(website_domain("eu-west-1"), "s3-website-eu-west-1.amazonaws.com");
        assert_eq!(website_domain("eu-central-1"), "s3-website.eu-central-1.amazonaws.com");
    }

    #[test]
    fn routing_rules_json_round_trips_through_blocks() {
        let text = r#"[{"Condition":{"KeyPrefixEquals":"docs/"},"Redirect":{"ReplaceKeyPrefixWith":"documents/"}}]"#;
        let rules = rules_from_json("b", text).expect("parses");
        let back = Json::Array(rules.iter().map(rule_json).collect());
        assert_eq!(back, serde_json::from_str::<Json>(text).expect("json"));
        assert!(rules_from_json("b", "{}").is_err());
    }
}
