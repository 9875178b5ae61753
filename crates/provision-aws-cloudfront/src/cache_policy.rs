//! `aws_cloudfront_cache_policy`: what CloudFront puts in the cache key (and forwards to the
//! origin) and how long it caches, shared by the cache behaviors that name it (`cache_policy_id`).
//!
//! AWS cannot tag a cache policy, and its create call takes no caller reference; its name is
//! unique in the account. Recovery after a crash is by name (the identity strategy `Name`), and a
//! policy with the recorded name is adopted only when it is provably the one the interrupted
//! create made: the natural key kept in the pending record holds the name *and* the time the
//! create started, and the policy must have been last changed after that time and hold exactly
//! the arguments the create sent. A policy with that name that is older, or holds other settings,
//! is someone else's (or was changed since): it is left alone and named.
//!
//! A refresh is one paginated `ListCachePolicies(Type=custom)` for all of a stack's policies
//! (100 a page); the list shows no ETag, so the recorded one is kept and a fresh one is read
//! (`GetCachePolicyConfig`) before each change.

use crate::util::{get_str, s};
use crate::{Clients, Context, sdk, sdk_for};
use async_trait::async_trait;
use aws_sdk_cloudfront::types::{
    CachePolicy, CachePolicyConfig, CachePolicyCookieBehavior, CachePolicyCookiesConfig, CachePolicyHeaderBehavior,
    CachePolicyHeadersConfig, CachePolicyQueryStringBehavior, CachePolicyQueryStringsConfig, CachePolicyType,
    CookieNames, Headers, ParametersInCacheKeyAndForwardedToOrigin, QueryStringNames,
};
use provision_aws_core::retry::{Policy, RetryOn, gone_is_ok, retry};
use provision_core::{
    AttributeSchema, Attrs, BlockSchema, FindQuery, Found, IdentityStrategy, Nesting, OpContext, Owner, ProviderError,
    ProviderErrorKind, ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

type Map = BTreeMap<String, Value>;

pub(crate) struct CachePolicyResource {
    ctx: Arc<Context>,
    schema: Schema,
}

/// How far CloudFront's clock may be behind this machine's when judging whether a policy was
/// made after an interrupted create started.
const CLOCK_SKEW: Duration = Duration::from_secs(60);

/// Errors a change retries after reading the ETag again: someone changed the policy meanwhile.
pub(crate) fn etag_moved(e: &ProviderError) -> bool {
    matches!(e.code.as_deref(), Some("PreconditionFailed" | "InvalidIfMatchVersion"))
}

fn etag_moved_or_in_use(e: &ProviderError) -> bool {
    etag_moved(e) || e.code.as_deref() == Some("CachePolicyInUse")
}

const ETAG_MOVED: Policy = Policy {
    retry_on: RetryOn::When(etag_moved),
    timeout: Duration::from_secs(120),
    first_delay: Duration::from_millis(200),
    max_delay: Duration::from_secs(5),
};

/// A distribution that stopped using the policy in the same apply lets go once its change is
/// accepted (half a minute allows for AWS's eventual consistency); one that still uses it does not, and the delete fails naming the policy.
const IN_USE: Policy = Policy {
    retry_on: RetryOn::When(etag_moved_or_in_use),
    timeout: Duration::from_secs(30),
    first_delay: Duration::from_millis(500),
    max_delay: Duration::from_secs(10),
};

fn cookie_behavior(v: &Value) -> Result<(), String> {
    provision_aws_core::validate::one_of(v, &["none", "whitelist", "allExcept", "all"], "cookie behavior")
}

fn header_behavior(v: &Value) -> Result<(), String> {
    provision_aws_core::validate::one_of(v, &["none", "whitelist"], "header behavior")
}

fn query_string_behavior(v: &Value) -> Result<(), String> {
    provision_aws_core::validate::one_of(v, &["none", "whitelist", "allExcept", "all"], "query string behavior")
}

/// `<what>_config { <what>_behavior = ..., <what>s { items = [...] } }`.
fn config_block(
    name: &'static str,
    behavior: &'static str,
    required: bool,
    validator: fn(&Value) -> Result<(), String>,
    list: &'static str,
    what: &'static str,
) -> BlockSchema {
    let b = if required {
        AttributeSchema::required(behavior, Type::String)
    } else {
        AttributeSchema::optional(behavior, Type::String)
    };
    BlockSchema::new(
        name,
        Nesting::List,
        Schema::new(what).attr(b.validate(validator).describe(what)).block(BlockSchema::new(
            list,
            Nesting::List,
            Schema::new("The names (at most one block).")
                .attr(AttributeSchema::optional("items", Type::set(Type::String)).describe("The names.")),
            "The names the behavior lists (at most one block).",
        )),
        "Exactly one block.",
    )
}

/// Exactly one `parameters_in_cache_key_and_forwarded_to_origin` with one of each config block.
fn arguments(a: &Attrs) -> Result<(), String> {
    let count = |v: Option<&Value>| v.and_then(Value::as_seq).map_or(0, <[Value]>::len);
    let p = a.get("parameters_in_cache_key_and_forwarded_to_origin");
    if matches!(p.map(Value::unmarked), Some(Value::Unknown)) {
        return Ok(());
    }
    if count(p) != 1 {
        return Err("exactly one `parameters_in_cache_key_and_forwarded_to_origin` block is required".into());
    }
    let Some(m) = first(p) else { return Ok(()) };
    for k in ["cookies_config", "headers_config", "query_strings_config"] {
        if !matches!(m.get(k).map(Value::unmarked), Some(Value::Unknown)) && count(m.get(k)) != 1 {
            return Err(format!("`parameters_in_cache_key_and_forwarded_to_origin` needs exactly one `{k}` block"));
        }
    }
    Ok(())
}

fn first(v: Option<&Value>) -> Option<&Map> {
    v.and_then(Value::as_seq).and_then(<[Value]>::first).and_then(Value::as_map)
}

fn names_of(m: Option<&Map>, list: &str) -> Vec<String> {
    first(m.and_then(|m| m.get(list)))
        .and_then(|l| l.get("items"))
        .and_then(Value::as_seq)
        .map(|xs| xs.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default()
}

fn num(a: &Attrs, k: &str, default: f64) -> i64 {
    a.get(k).and_then(Value::as_number).unwrap_or(default) as i64
}

/// The `CachePolicyConfig` the arguments describe.
pub(crate) fn build_config(what: &str, a: &Attrs) -> Result<CachePolicyConfig, ProviderError> {
    let invalid = |e: aws_sdk_cloudfront::error::BuildError| {
        ProviderError::new(ProviderErrorKind::Invalid, format!("{what}: {e}"))
    };
    let p = first(a.get("parameters_in_cache_key_and_forwarded_to_origin"));
    let part = |k: &str| first(p.and_then(|p| p.get(k)));
    let behavior =
        |m: Option<&Map>, k: &str| m.and_then(|m| m.get(k)).and_then(Value::as_str).unwrap_or("none").to_string();
    let (cookies, headers, queries) = (part("cookies_config"), part("headers_config"), part("query_strings_config"));
    let cookie_names = names_of(cookies, "cookies");
    let header_names = names_of(headers, "headers");
    let query_names = names_of(queries, "query_strings");
    let q = |n: &Vec<String>| n.len() as i32;
    let cookies = CachePolicyCookiesConfig::builder()
        .cookie_behavior(CachePolicyCookieBehavior::from(behavior(cookies, "cookie_behavior").as_str()))
        .set_cookies(if cookie_names.is_empty() {
            None
        } else {
            Some(
                CookieNames::builder()
                    .quantity(q(&cookie_names))
                    .set_items(Some(cookie_names))
                    .build()
                    .map_err(invalid)?,
            )
        })
        .build()
        .map_err(invalid)?;
    let headers = CachePolicyHeadersConfig::builder()
        .header_behavior(CachePolicyHeaderBehavior::from(behavior(headers, "header_behavior").as_str()))
        .set_headers(if header_names.is_empty() {
            None
        } else {
            Some(Headers::builder().quantity(q(&header_names)).set_items(Some(header_names)).build().map_err(invalid)?)
        })
        .build()
        .map_err(invalid)?;
    let queries = CachePolicyQueryStringsConfig::builder()
        .query_string_behavior(CachePolicyQueryStringBehavior::from(
            behavior(queries, "query_string_behavior").as_str(),
        ))
        .set_query_strings(if query_names.is_empty() {
            None
        } else {
            Some(
                QueryStringNames::builder()
                    .quantity(q(&query_names))
                    .set_items(Some(query_names))
                    .build()
                    .map_err(invalid)?,
            )
        })
        .build()
        .map_err(invalid)?;
    let flag = |k: &str| p.and_then(|p| p.get(k)).and_then(Value::as_bool).unwrap_or(false);
    let parameters = ParametersInCacheKeyAndForwardedToOrigin::builder()
        .enable_accept_encoding_gzip(flag("enable_accept_encoding_gzip"))
        .enable_accept_encoding_brotli(flag("enable_accept_encoding_brotli"))
        .cookies_config(cookies)
        .headers_config(headers)
        .query_strings_config(queries)
        .build()
        .map_err(invalid)?;
    CachePolicyConfig::builder()
        .name(get_str(a, "name").unwrap_or_default())
        .set_comment(get_str(a, "comment").filter(|c| !c.is_empty()).map(str::to_string))
        .default_ttl(num(a, "default_ttl", 86400.0))
        .max_ttl(num(a, "max_ttl", 31_536_000.0))
        .min_ttl(num(a, "min_ttl", 0.0))
        .parameters_in_cache_key_and_forwarded_to_origin(parameters)
        .build()
        .map_err(invalid)
}

/// One `<what>_config` block as read, shaped after the recorded one: a name list AWS reports
/// empty stays as the configuration wrote it (an absent block, or a block without items), and an
/// optional behavior left unset stays null while AWS says `none`.
fn read_part(
    behavior_key: &str,
    behavior: &str,
    optional_behavior: bool,
    list: &str,
    names: &[String],
    prior: Option<&Map>,
) -> Value {
    let mut m = Map::new();
    let prior_behavior = prior.and_then(|p| p.get(behavior_key));
    let unset = optional_behavior && behavior == "none" && prior_behavior.is_none_or(Value::is_null);
    m.insert(behavior_key.into(), if unset { Value::Null } else { Value::String(behavior.to_string()) });
    let prior_list = prior.and_then(|p| p.get(list)).and_then(Value::as_seq).filter(|l| !l.is_empty());
    let block = if !names.is_empty() {
        let items = Value::set(names.iter().map(|n| Value::String(n.clone())).collect());
        Value::List(vec![Value::Map(Map::from([("items".to_string(), items)]))])
    } else if let Some(l) = prior_list {
        Value::List(l.to_vec())
    } else {
        Value::List(vec![])
    };
    m.insert(list.into(), block);
    Value::Map(m)
}

/// The attributes of a cache policy as AWS shows it, shaped after `prior` (the recorded or the
/// desired attributes).
pub(crate) fn read_attrs(p: &CachePolicy, partition: &str, account: &str, etag: Value, prior: &Attrs) -> Attrs {
    let mut a = Attrs::new();
    let id = p.id();
    a.insert("id".into(), s(Some(id)));
    a.insert("arn".into(), s(Some(&format!("arn:{partition}:cloudfront::{account}:cache-policy/{id}"))));
    a.insert("etag".into(), etag);
    let Some(cfg) = p.cache_policy_config() else { return a };
    a.insert("name".into(), s(Some(cfg.name())));
    a.insert("comment".into(), s(cfg.comment().filter(|c| !c.is_empty())));
    a.insert("default_ttl".into(), Value::Number(cfg.default_ttl().unwrap_or(86400) as f64));
    a.insert("max_ttl".into(), Value::Number(cfg.max_ttl().unwrap_or(31_536_000) as f64));
    a.insert("min_ttl".into(), Value::Number(cfg.min_ttl() as f64));
    let prior_p = first(prior.get("parameters_in_cache_key_and_forwarded_to_origin"));
    let prior_part = |k: &str| first(prior_p.and_then(|p| p.get(k)));
    let params = match cfg.parameters_in_cache_key_and_forwarded_to_origin() {
        Some(p) => {
            let mut m = Map::new();
            m.insert("enable_accept_encoding_gzip".into(), Value::Bool(p.enable_accept_encoding_gzip()));
            m.insert(
                "enable_accept_encoding_brotli".into(),
                Value::Bool(p.enable_accept_encoding_brotli().unwrap_or(false)),
            );
            let c = p.cookies_config();
            let names = c.and_then(|c| c.cookies()).map(|n| n.items().to_vec()).unwrap_or_default();
            let behavior = c.map_or("none", |c| c.cookie_behavior().as_str());
            m.insert(
                "cookies_config".into(),
                Value::List(vec![read_part(
                    "cookie_behavior",
                    behavior,
                    false,
                    "cookies",
                    &names,
                    prior_part("cookies_config"),
                )]),
            );
            let h = p.headers_config();
            let names = h.and_then(|h| h.headers()).map(|n| n.items().to_vec()).unwrap_or_default();
            let behavior = h.map_or("none", |h| h.header_behavior().as_str());
            m.insert(
                "headers_config".into(),
                Value::List(vec![read_part(
                    "header_behavior",
                    behavior,
                    true,
                    "headers",
                    &names,
                    prior_part("headers_config"),
                )]),
            );
            let q = p.query_strings_config();
            let names = q.and_then(|q| q.query_strings()).map(|n| n.items().to_vec()).unwrap_or_default();
            let behavior = q.map_or("none", |q| q.query_string_behavior().as_str());
            m.insert(
                "query_strings_config".into(),
                Value::List(vec![read_part(
                    "query_string_behavior",
                    behavior,
                    false,
                    "query_strings",
                    &names,
                    prior_part("query_strings_config"),
                )]),
            );
            Value::List(vec![Value::Map(m)])
        }
        None => Value::List(vec![]),
    };
    a.insert("parameters_in_cache_key_and_forwarded_to_origin".into(), params);
    a
}

/// The natural key kept in the pending record: the name and when the create started.
fn natural_key_of(name: &str, started: SystemTime) -> String {
    format!("{name} @{}", started.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()))
}

/// The name and the start time (seconds since the epoch) of a natural key.
fn parse_natural_key(key: &str) -> (&str, Option<u64>) {
    match key.rsplit_once(" @") {
        Some((name, t)) => (name, t.parse().ok()),
        None => (key, None),
    }
}

/// The arguments that must be identical for a found policy to be the one a create made.
const CONTENT: &[&str] =
    &["name", "comment", "default_ttl", "max_ttl", "min_ttl", "parameters_in_cache_key_and_forwarded_to_origin"];

/// Whether `found` holds every argument of `desired` (both read through the same shaping).
fn same_content(schema: &Schema, found: &Attrs, desired: &Attrs) -> bool {
    CONTENT.iter().all(|k| {
        let spelled = |a: &Attrs| {
            let v = a.get(*k).cloned().unwrap_or(Value::Null);
            match (schema.attribute(k), schema.block_schema(k)) {
                (Some(at), _) => at.normalized(v),
                (None, Some(b)) => b.canonical(v),
                (None, None) => v,
            }
        };
        spelled(found).same_as(&spelled(desired))
    })
}

/// Terraform's arguments and defaults, and the computed `id`, `etag` and `arn`.
fn schema() -> Schema {
    Schema::new("A CloudFront cache policy.")
            .with_id()
            .attr(AttributeSchema::required("name", Type::String).describe(
                "The policy's name, unique in the account. Changed in place (`UpdateCachePolicy`).",
            ))
            .attr(AttributeSchema::optional("comment", Type::String).describe("A comment."))
            .attr(
                AttributeSchema::optional("default_ttl", Type::Number)
                    .default(86400.0)
                    .describe("Seconds an object stays cached when the origin sends no `Cache-Control` (one day)."),
            )
            .attr(
                AttributeSchema::optional("max_ttl", Type::Number)
                    .default(31_536_000.0)
                    .describe("The longest an object stays cached, in seconds (one year)."),
            )
            .attr(
                AttributeSchema::optional("min_ttl", Type::Number)
                    .default(0.0)
                    .describe("The shortest an object stays cached, in seconds."),
            )
            .attr(AttributeSchema::computed("etag", Type::String).describe(
                "The version the last change made (ETag); a fresh one is read before each change.",
            ))
            .attr(AttributeSchema::computed("arn", Type::String).describe(
                "`arn:aws:cloudfront::<account>:cache-policy/<id>` (the account from STS `GetCallerIdentity`, once per run).",
            ))
            .block(BlockSchema::new(
                "parameters_in_cache_key_and_forwarded_to_origin",
                Nesting::List,
                Schema::new("What goes into the cache key (and is forwarded to the origin).")
                    .attr(
                        AttributeSchema::optional("enable_accept_encoding_brotli", Type::Bool)
                            .default(false)
                            .describe("Cache Brotli-compressed objects apart (unset: false)."),
                    )
                    .attr(
                        AttributeSchema::optional("enable_accept_encoding_gzip", Type::Bool)
                            .default(false)
                            .describe("Cache gzip-compressed objects apart (unset: false)."),
                    )
                    .block(config_block(
                        "cookies_config",
                        "cookie_behavior",
                        true,
                        cookie_behavior,
                        "cookies",
                        "Cookies in the key: `none`, `whitelist`, `allExcept` or `all`.",
                    ))
                    .block(config_block(
                        "headers_config",
                        "header_behavior",
                        false,
                        header_behavior,
                        "headers",
                        "Headers in the key: `none` or `whitelist` (unset: `none`).",
                    ))
                    .block(config_block(
                        "query_strings_config",
                        "query_string_behavior",
                        true,
                        query_string_behavior,
                        "query_strings",
                        "Query strings in the key: `none`, `whitelist`, `allExcept` or `all`.",
                    )),
                "Exactly one block.",
            ))
            .check(arguments)
}

impl CachePolicyResource {
    pub fn new(ctx: Arc<Context>) -> Self {
        CachePolicyResource { ctx, schema: schema() }
    }

    /// Every custom cache policy of the account (one call per 100).
    async fn list(c: &Clients) -> Result<Vec<CachePolicy>, ProviderError> {
        let mut out = vec![];
        let mut marker: Option<String> = None;
        loop {
            let page =
                c.cf.list_cache_policies()
                    .r#type(CachePolicyType::Custom)
                    .set_marker(marker.clone())
                    .max_items(100)
                    .send()
                    .await
                    .map_err(|e| sdk("ListCachePolicies", e))?;
            let Some(list) = page.cache_policy_list() else { break };
            out.extend(list.items().iter().filter_map(|s| s.cache_policy()).cloned());
            match list.next_marker().filter(|m| !m.is_empty()) {
                Some(m) if Some(m) != marker.as_deref() => marker = Some(m.to_string()),
                _ => break,
            }
        }
        Ok(out)
    }

    /// One policy and its ETag (one call), or `None` when it is gone.
    async fn get(c: &Clients, id: &str) -> Result<Option<(CachePolicy, String)>, ProviderError> {
        match c.cf.get_cache_policy().id(id).send().await {
            Ok(out) => {
                let etag = out.e_tag().unwrap_or_default().to_string();
                Ok(out.cache_policy().cloned().map(|p| (p, etag)))
            }
            Err(e) => {
                let e = sdk_for(&format!("cache policy {id}"), "GetCachePolicy", e);
                if e.is_not_found() { Ok(None) } else { Err(e) }
            }
        }
    }

    async fn read_one(c: &Clients, id: &str, prior: &Attrs) -> Result<Attrs, ProviderError> {
        let account = c.account().await?;
        provision_aws_core::retry::retry(
            Policy::NEW_OBJECT,
            || async {
                let (p, etag) = Self::get(c, id).await?.ok_or_else(|| {
                    ProviderError::new(ProviderErrorKind::NotFound, format!("cache policy {id} not found"))
                })?;
                Ok(read_attrs(&p, c.partition, account, s(Some(&etag)), prior))
            },
            provision_aws_core::retry::nothing,
        )
        .await
    }

    /// The current ETag (one `GetCachePolicyConfig`).
    async fn etag(c: &Clients, what: &str, id: &str) -> Result<String, ProviderError> {
        c.cf.get_cache_policy_config()
            .id(id)
            .send()
            .await
            .map(|out| out.e_tag().unwrap_or_default().to_string())
            .map_err(|e| sdk_for(what, "GetCachePolicyConfig", e))
    }
}

/// What a delete refused with `CachePolicyInUse` says once the retries are spent.
pub(crate) fn in_use_message(what: &str) -> String {
    format!(
        "{what} is still used by a CloudFront distribution (CachePolicyInUse): point that distribution's \
         cache behaviors at another policy, or delete it, before deleting the policy"
    )
}

#[async_trait]
impl ResourceType for CachePolicyResource {
    fn name(&self) -> &'static str {
        "aws_cloudfront_cache_policy"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn identity(&self) -> IdentityStrategy {
        IdentityStrategy::Name
    }

    fn natural_key(&self, _ctx: &OpContext, desired: &Attrs) -> Option<String> {
        get_str(desired, "name").map(|n| natural_key_of(n, SystemTime::now()))
    }

    async fn read_many(
        &self,
        _ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        if objects.is_empty() {
            return Ok(BTreeMap::new());
        }
        let c = self.ctx.clients().await?;
        let listed: BTreeMap<String, CachePolicy> =
            Self::list(c).await?.into_iter().map(|p| (p.id().to_string(), p)).collect();
        let mut out = BTreeMap::new();
        for (id, prior) in objects {
            let Some(p) = listed.get(id) else { continue };
            // The account is in the recorded ARN; only a record without one asks STS.
            let account = match get_str(prior, "arn").and_then(|a| a.split(':').nth(4)) {
                Some(a) if !a.is_empty() => a.to_string(),
                _ => c.account().await?.to_string(),
            };
            let etag = prior.get("etag").cloned().unwrap_or(Value::Null);
            out.insert(id.clone(), read_attrs(p, c.partition, &account, etag, prior));
        }
        Ok(out)
    }

    async fn create(&self, _ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let name = get_str(desired, "name").unwrap_or_default();
        let what = format!("cache policy {name}");
        let out = c.cf.create_cache_policy().cache_policy_config(build_config(&what, desired)?).send().await.map_err(
            |e| {
                let mut e = sdk_for(&what, "CreateCachePolicy", e);
                if e.code.as_deref() == Some("CachePolicyAlreadyExists") {
                    e.message = format!(
                        "{what}: a cache policy with this name already exists in the account (names are unique \
                         per account); import it or give this one another name"
                    );
                }
                e
            },
        )?;
        let policy = out.cache_policy().ok_or_else(|| {
            ProviderError::new(ProviderErrorKind::Other, format!("{what}: CreateCachePolicy returned no id"))
        })?;
        // The response is the policy and its ETag, as GetCachePolicy shows them: nothing to read
        // back. The account (STS, once per run) is for the ARN, which no CloudFront answer holds.
        let account = c.account().await?;
        Ok(read_attrs(policy, c.partition, account, s(out.e_tag()), desired))
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
    ) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let what = format!("cache policy {} ({id})", get_str(desired, "name").unwrap_or_default());
        let config = build_config(&what, desired)?;
        retry(
            ETAG_MOVED,
            || async {
                let etag = Self::etag(c, &what, id).await?;
                c.cf.update_cache_policy()
                    .id(id)
                    .if_match(etag)
                    .cache_policy_config(config.clone())
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| sdk_for(&what, "UpdateCachePolicy", e))
            },
            provision_aws_core::retry::nothing,
        )
        .await?;
        Self::read_one(c, id, desired).await
    }

    async fn delete(&self, ctx: &OpContext, id: &str, prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        let what = format!("cache policy {} ({id})", get_str(prior, "name").unwrap_or_default());
        let r = retry(
            IN_USE,
            || async {
                let etag = Self::etag(c, &what, id).await?;
                match c.cf.delete_cache_policy().id(id).if_match(etag).send().await {
                    Ok(_) => Ok(()),
                    Err(e) => {
                        let e = sdk_for(&what, "DeleteCachePolicy", e);
                        if e.code.as_deref() == Some("CachePolicyInUse") {
                            ctx.status("a distribution still uses it");
                        }
                        Err(e)
                    }
                }
            },
            provision_aws_core::retry::nothing,
        )
        .await;
        match gone_is_ok(r) {
            Err(mut e) if e.code.as_deref() == Some("CachePolicyInUse") => {
                e.message = in_use_message(&what);
                Err(e)
            }
            other => other,
        }
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let Some(key) = query.natural_key.as_deref() else { return Ok(vec![]) };
        let (name, started) = parse_natural_key(key);
        let c = self.ctx.clients().await?;
        let Some(p) =
            Self::list(c).await?.into_iter().find(|p| p.cache_policy_config().is_some_and(|c| c.name() == name))
        else {
            return Ok(vec![]);
        };
        let account = c.account().await?;
        let etag = Self::get(c, p.id()).await?.map(|(_, e)| s(Some(&e))).unwrap_or(Value::Null);
        let attrs = read_attrs(&p, c.partition, account, etag, &query.desired);
        let changed =
            SystemTime::UNIX_EPOCH + Duration::from_secs(p.last_modified_time().secs().max(0) as u64) + CLOCK_SKEW;
        let owner = match started {
            None => Owner::Other("the pending record does not say when its create started".into()),
            Some(t) if changed < UNIX_EPOCH + Duration::from_secs(t) => Owner::Other(
                "it was last changed before the interrupted create started: it was made outside this run".into(),
            ),
            Some(_) if !same_content(&self.schema, &attrs, &query.desired) => Owner::Other(
                "its settings differ from what the interrupted create sent: it was made or changed outside this run"
                    .into(),
            ),
            Some(_) => Owner::Ours,
        };
        Ok(vec![Found { attrs, owner }])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list1(m: Vec<(&str, Value)>) -> Value {
        Value::List(vec![Value::Map(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())])
    }

    fn desired() -> Attrs {
        let st = |v: &str| Value::String(v.into());
        let mut a = Attrs::new();
        a.insert("name".into(), st("spa"));
        a.insert("comment".into(), Value::Null);
        a.insert("default_ttl".into(), Value::Number(3600.0));
        a.insert("max_ttl".into(), Value::Number(86400.0));
        a.insert("min_ttl".into(), Value::Number(1.0));
        a.insert(
            "parameters_in_cache_key_and_forwarded_to_origin".into(),
            list1(vec![
                ("enable_accept_encoding_brotli", Value::Bool(true)),
                ("enable_accept_encoding_gzip", Value::Bool(true)),
                ("cookies_config", list1(vec![("cookie_behavior", st("none")), ("cookies", Value::List(vec![]))])),
                ("headers_config", list1(vec![("header_behavior", Value::Null), ("headers", Value::List(vec![]))])),
                (
                    "query_strings_config",
                    list1(vec![
                        ("query_string_behavior", st("whitelist")),
                        ("query_strings", list1(vec![("items", Value::set(vec![st("v"), st("lang")]))])),
                    ]),
                ),
            ]),
        );
        a
    }

    #[test]
    fn arguments_map_to_the_config_and_back() {
        let a = desired();
        let cfg = build_config("cache policy spa", &a).expect("builds");
        assert_eq!((cfg.default_ttl(), cfg.max_ttl(), cfg.min_ttl()), (Some(3600), Some(86400), 1));
        assert_eq!(cfg.comment(), None);
        let p = cfg.parameters_in_cache_key_and_forwarded_to_origin().expect("parameters");
        assert!(p.enable_accept_encoding_gzip() && p.enable_accept_encoding_brotli() == Some(true));
        assert_eq!(p.headers_config().map(|h| h.header_behavior().as_str()), Some("none"), "unset: none");
        let q = p.query_strings_config().expect("query strings");
        assert_eq!(q.query_string_behavior().as_str(), "whitelist");
        assert_eq!(q.query_strings().map(|n| n.quantity()), Some(2));
        assert!(p.cookies_config().and_then(|c| c.cookies()).is_none(), "no names: no list");

        let policy = CachePolicy::builder()
            .id("pid")
            .last_modified_time(aws_sdk_cloudfront::primitives::DateTime::from_secs(0))
            .cache_policy_config(cfg)
            .build()
            .expect("policy");
        let back = read_attrs(&policy, "aws", "123456789012", s(Some("E1")), &a);
        assert_eq!(back["arn"], s(Some("arn:aws:cloudfront::123456789012:cache-policy/pid")));
        let schema = schema();
        assert!(same_content(&schema, &back, &a), "{back:?}");
        let mut other = a.clone();
        other.insert("default_ttl".into(), Value::Number(60.0));
        assert!(!same_content(&schema, &back, &other));
    }

    #[test]
    fn terraforms_defaults_are_sent_when_unset() {
        let mut a = desired();
        for k in ["default_ttl", "max_ttl", "min_ttl"] {
            a.remove(k);
        }
        let cfg = build_config("p", &a).expect("builds");
        assert_eq!((cfg.default_ttl(), cfg.max_ttl(), cfg.min_ttl()), (Some(86400), Some(31_536_000), 0));
    }

    #[test]
    fn the_natural_key_carries_the_start_of_the_create() {
        let t = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let key = natural_key_of("spa-policy", t);
        assert_eq!(parse_natural_key(&key), ("spa-policy", Some(1_700_000_000)));
        assert_eq!(parse_natural_key("old-style"), ("old-style", None));
    }

    #[test]
    fn blocks_are_checked_and_in_use_is_explained() {
        assert!(arguments(&desired()).is_ok());
        let mut a = desired();
        a.insert("parameters_in_cache_key_and_forwarded_to_origin".into(), Value::List(vec![]));
        assert!(arguments(&a).is_err());
        let e = |code: &str| ProviderError::new(ProviderErrorKind::Conflict, "x").with_code(code);
        assert!(etag_moved(&e("PreconditionFailed")) && !etag_moved(&e("CachePolicyInUse")));
        assert!(etag_moved_or_in_use(&e("CachePolicyInUse")));
        assert!(in_use_message("cache policy spa (pid)").contains("cache policy spa (pid)"));
    }
}
