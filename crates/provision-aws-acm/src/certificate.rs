//! `aws_acm_certificate`: a public certificate requested from ACM, validated by DNS (or email).
//! It belongs to the base layer: validation can take half an hour, so the nightly teardown of the
//! runtime layer keeps it. `domain_validation_options` is a set of objects, one per distinct
//! validation record: the apex and its wildcard share one record, and the set lists it once, so
//! the usual `for_each` over it creates each record once. Deleting retries `ResourceInUse` for the
//! delete deadline: a certificate stays "in use" a while after its listener is gone.

use crate::context::{Clients, Context};
use crate::error::sdk;
use async_trait::async_trait;
use aws_sdk_acm::primitives::{DateTime, DateTimeFormat};
use aws_sdk_acm::types::{CertificateDetail, CertificateStatus, KeyAlgorithm, Tag, ValidationMethod};
use provision_aws_core::retry::{Policy, gone_is_ok, retry};
use provision_aws_core::tags;
use provision_aws_core::wait::{Status, TimedOut, Wait, until};
use provision_core::{
    AttributeSchema, Attrs, FindQuery, Found, OpContext, ProviderError, ProviderErrorKind, ReadContext, ResourceType,
    Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

pub(crate) struct Certificate {
    ctx: Arc<Context>,
    schema: Schema,
}

/// How long a certificate delete retries while ACM says it is in use (Terraform: 10 minutes,
/// reported too short, #3866).
const DELETE_TIMEOUT: Duration = Duration::from_secs(20 * 60);

fn validate_method(v: &Value) -> Result<(), String> {
    match v.as_str() {
        Some("DNS" | "EMAIL") | None => Ok(()),
        Some(m) => Err(format!("{m:?} is not \"DNS\" or \"EMAIL\"")),
    }
}

fn validate_key(v: &Value) -> Result<(), String> {
    match v.as_str() {
        Some("RSA_2048" | "EC_prime256v1" | "EC_secp384r1") | None => Ok(()),
        Some(k) => {
            Err(format!("{k:?} is not one of RSA_2048, EC_prime256v1, EC_secp384r1 (the algorithms ACM issues)"))
        }
    }
}

fn lower(v: &Value) -> Value {
    match v.as_str() {
        Some(s) => Value::String(s.trim_end_matches('.').to_ascii_lowercase()),
        None => v.clone(),
    }
}

fn check(a: &Attrs) -> Result<(), String> {
    if a.get("domain_name").is_some_and(Value::is_null) {
        return Err("`domain_name` is required to request a certificate".into());
    }
    if a.get("validation_method").is_some_and(Value::is_null) {
        return Err("`validation_method` is required to request a certificate: \"DNS\" (usual) or \"EMAIL\"".into());
    }
    Ok(())
}

pub(crate) fn time(t: Option<&DateTime>) -> Value {
    t.and_then(|t| t.fmt(DateTimeFormat::DateTime).ok()).map_or(Value::Null, Value::String)
}

/// Names one validation record under `name`, unless it already has a name that is not a
/// wildcard: `example.com` and `*.example.com` share a record, listed under the apex.
fn keep_apex<K: Ord>(entry: std::collections::btree_map::Entry<'_, K, String>, name: String) {
    let kept = entry.or_insert_with(|| name.clone());
    if kept.starts_with("*.") && !name.starts_with("*.") {
        *kept = name;
    }
}

/// Before a DNS-validated certificate exists, its `domain_validation_options` as far as the
/// arguments tell: one entry per name that needs a record of its own (a wildcard shares the
/// record of the name under it, as [`validation_options`] reads it), each a `CNAME` whose name
/// and value ACM chooses. A `for_each` keyed by `domain_name` can then be planned on the first
/// run. Unknown names, or email validation, leave it unknown.
fn planned_validation_options(args: &Attrs) -> Attrs {
    let mut out = Attrs::new();
    if args.get("validation_method").and_then(Value::as_str) != Some("DNS") {
        return out;
    }
    let mut names: Vec<&str> = vec![];
    let sans = match args.get("subject_alternative_names") {
        None | Some(Value::Null) => vec![],
        Some(Value::Set(items) | Value::List(items)) => items.iter().collect(),
        Some(_) => return out,
    };
    for v in std::iter::once(args.get("domain_name").unwrap_or(&Value::Null)).chain(sans) {
        let Some(name) = v.as_str() else { return out };
        names.push(name);
    }
    // By the name a record proves: `*.example.com` is proved by `example.com`'s record.
    let mut by_base: BTreeMap<String, String> = BTreeMap::new();
    for name in names {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        let base = name.strip_prefix("*.").unwrap_or(&name).to_string();
        keep_apex(by_base.entry(base), name);
    }
    let options = by_base.into_values().map(|domain| {
        Value::Map(
            [
                ("domain_name".to_string(), Value::String(domain)),
                ("resource_record_name".to_string(), Value::Unknown),
                ("resource_record_type".to_string(), Value::String("CNAME".into())),
                ("resource_record_value".to_string(), Value::Unknown),
            ]
            .into(),
        )
    });
    out.insert("domain_validation_options".into(), Value::set(options.collect()));
    out
}

/// One object per distinct validation record, sorted; a wildcard name whose record is also the
/// record of another name (`*.example.com` and `example.com`) is left out.
pub(crate) fn validation_options(d: &CertificateDetail) -> Value {
    let mut by_record: BTreeMap<(String, String, String), String> = BTreeMap::new();
    for o in d.domain_validation_options() {
        let Some(r) = o.resource_record() else { continue };
        let key = (r.name().to_string(), r.r#type().as_str().to_string(), r.value().to_string());
        let name = o.domain_name().to_string();
        keep_apex(by_record.entry(key), name);
    }
    Value::set(
        by_record
            .into_iter()
            .map(|((rname, rtype, rvalue), domain)| {
                Value::Map(
                    [
                        ("domain_name".to_string(), Value::String(domain)),
                        ("resource_record_name".to_string(), Value::String(rname)),
                        ("resource_record_type".to_string(), Value::String(rtype)),
                        ("resource_record_value".to_string(), Value::String(rvalue)),
                    ]
                    .into(),
                )
            })
            .collect(),
    )
}

impl Certificate {
    pub fn new(ctx: Arc<Context>) -> Self {
        let dvo = Type::set(Type::Object(vec![
            ("domain_name", Type::String),
            ("resource_record_name", Type::String),
            ("resource_record_type", Type::String),
            ("resource_record_value", Type::String),
        ]));
        let schema = Schema::new("A public certificate requested from ACM.")
            .with_id()
            .attr(AttributeSchema::computed("arn", Type::String).describe("The certificate's ARN (also its `id`)."))
            .attr(
                AttributeSchema::optional_computed("domain_name", Type::String)
                    .force_new()
                    .normalize(lower)
                    .describe("The name the certificate is for (`example.com`, `*.example.com`). Required (checked at plan time)."),
            )
            .attr(
                AttributeSchema::optional_computed("subject_alternative_names", Type::set(Type::String))
                    .force_new()
                    .describe("Other names the certificate covers. AWS lists `domain_name` among them; provision leaves it out, as Terraform does."),
            )
            .attr(
                AttributeSchema::optional_computed("validation_method", Type::String)
                    .force_new()
                    .validate(validate_method)
                    .describe("`DNS` (with records from `domain_validation_options`) or `EMAIL`. Required (checked at plan time)."),
            )
            .attr(
                AttributeSchema::optional_computed("key_algorithm", Type::String)
                    .force_new()
                    .validate(validate_key)
                    .describe("`RSA_2048` (AWS's default), `EC_prime256v1` or `EC_secp384r1`."),
            )
            .attr(AttributeSchema::computed("status", Type::String).describe("`PENDING_VALIDATION`, `ISSUED`, `FAILED`, ..."))
            .attr(AttributeSchema::computed("type", Type::String).describe("`AMAZON_ISSUED`."))
            .attr(
                AttributeSchema::computed("domain_validation_options", dvo)
                    .describe("The DNS records that prove control of the names, a set of objects (`domain_name`, `resource_record_name`, `resource_record_type`, `resource_record_value`), one per distinct record: an apex and its wildcard share one, listed under the apex. Use `for_each = { for o in ... : o.domain_name => o }`."),
            )
            .attr(AttributeSchema::computed("validation_emails", Type::list(Type::String)).describe("For `EMAIL` validation: where ACM sent the messages."))
            .attr(AttributeSchema::computed("not_before", Type::String).describe("Start of validity (RFC 3339), once issued."))
            .attr(AttributeSchema::computed("not_after", Type::String).describe("End of validity (RFC 3339), once issued."))
            .check(check)
            .plan_computed(planned_validation_options)
            .timeouts(Duration::from_secs(600), Duration::from_secs(600), DELETE_TIMEOUT)
            .with_tags();
        Certificate { ctx, schema }
    }

    pub(crate) async fn describe(c: &Clients, arn: &str) -> Result<Option<CertificateDetail>, ProviderError> {
        match c.acm.describe_certificate().certificate_arn(arn).send().await {
            Ok(r) => Ok(r.certificate().cloned()),
            Err(e) => {
                let e = sdk("DescribeCertificate", e);
                if e.is_not_found() { Ok(None) } else { Err(e) }
            }
        }
    }

    async fn tags(c: &Clients, arn: &str) -> Result<Vec<Tag>, ProviderError> {
        let r = c
            .acm
            .list_tags_for_certificate()
            .certificate_arn(arn)
            .send()
            .await
            .map_err(|e| sdk("ListTagsForCertificate", e))?;
        Ok(r.tags().to_vec())
    }

    fn attrs(d: &CertificateDetail, t: &[Tag]) -> Attrs {
        let arn = d.certificate_arn().unwrap_or_default();
        let domain = d.domain_name().unwrap_or_default();
        let mut a = Attrs::new();
        a.insert("id".into(), Value::String(arn.into()));
        a.insert("arn".into(), Value::String(arn.into()));
        a.insert("domain_name".into(), Value::String(domain.to_ascii_lowercase()));
        a.insert(
            "subject_alternative_names".into(),
            Value::set(
                d.subject_alternative_names()
                    .iter()
                    .filter(|n| n.as_str() != domain)
                    .map(|n| Value::String(n.clone()))
                    .collect(),
            ),
        );
        let method = d.domain_validation_options().iter().find_map(|o| o.validation_method()).map(|m| m.as_str());
        a.insert("validation_method".into(), method.map_or(Value::Null, |m| Value::String(m.into())));
        a.insert("key_algorithm".into(), d.key_algorithm().map_or(Value::Null, |k| Value::String(k.as_str().into())));
        a.insert("status".into(), d.status().map_or(Value::Null, |s| Value::String(s.as_str().into())));
        a.insert("type".into(), d.r#type().map_or(Value::Null, |s| Value::String(s.as_str().into())));
        a.insert("domain_validation_options".into(), validation_options(d));
        let mut emails: Vec<Value> = d
            .domain_validation_options()
            .iter()
            .flat_map(|o| o.validation_emails().iter().map(|e| Value::String(e.clone())))
            .collect();
        emails.sort_by(Value::canonical_cmp);
        emails.dedup();
        a.insert("validation_emails".into(), Value::List(emails));
        a.insert("not_before".into(), time(d.not_before()));
        a.insert("not_after".into(), time(d.not_after()));
        a.insert("tags_all".into(), tags::user_tags(t.iter().map(|t| (t.key(), t.value().unwrap_or_default()))));
        a
    }

    /// Reads the certificate once ACM has published the validation records of a DNS-validated
    /// one (a few seconds after the request on AWS).
    async fn read_when_ready(c: &Clients, arn: &str, ctx: &OpContext, dns: bool) -> Result<Attrs, ProviderError> {
        let what = format!("certificate {arn}");
        let wait = Wait::within(&what, "ready with its validation records", ctx, ctx.remaining());
        let d = until(
            &wait,
            || async {
                Ok(match Self::describe(c, arn).await? {
                    None => Status::Gone,
                    Some(d) => {
                        let names = d.domain_validation_options().len();
                        let with_records =
                            d.domain_validation_options().iter().filter(|o| o.resource_record().is_some()).count();
                        if !dns || (names > 0 && with_records == names) {
                            Status::Ready(d)
                        } else {
                            Status::Pending(format!("{with_records} of {names} validation records published"))
                        }
                    }
                })
            },
            TimedOut::provider_error,
        )
        .await?
        .ok_or_else(|| ProviderError::new(ProviderErrorKind::NotFound, format!("{what} not found")))?;
        Ok(Self::attrs(&d, &Self::tags(c, arn).await?))
    }
}

/// An idempotency token for `RequestCertificate` (up to 32 letters and digits), the same for a
/// retried create.
fn idempotency_token(ctx: &OpContext) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{}|{}|{}", ctx.identity.stack, ctx.identity.address, ctx.token));
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

#[async_trait]
impl ResourceType for Certificate {
    fn name(&self) -> &'static str {
        "aws_acm_certificate"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    /// ACM has no batch describe: one `DescribeCertificate` and one `ListTagsForCertificate` per
    /// certificate.
    async fn read_many(
        &self,
        _ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        let mut out = BTreeMap::new();
        if objects.is_empty() {
            return Ok(out);
        }
        let c = self.ctx.clients().await?;
        for (arn, _) in objects {
            let Some(d) = Self::describe(c, arn).await? else { continue };
            let t = match Self::tags(c, arn).await {
                Ok(t) => t,
                Err(e) if e.is_not_found() => continue,
                Err(e) => return Err(e),
            };
            out.insert(arn.clone(), Self::attrs(&d, &t));
        }
        Ok(out)
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let domain = desired.get("domain_name").and_then(Value::as_str).unwrap_or_default();
        let method = desired.get("validation_method").and_then(Value::as_str).unwrap_or("DNS");
        let sans: Vec<String> = desired
            .get("subject_alternative_names")
            .and_then(Value::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        let t: Vec<Tag> = tags::create_tags(&ctx.identity, desired.get("tags_all"))
            .into_iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect::<Result<_, _>>()
            .map_err(|e| ProviderError::new(ProviderErrorKind::Invalid, format!("certificate for {domain}: {e}")))?;
        let out = c
            .acm
            .request_certificate()
            .domain_name(domain)
            .set_subject_alternative_names((!sans.is_empty()).then_some(sans))
            .validation_method(ValidationMethod::from(method))
            .set_key_algorithm(desired.get("key_algorithm").and_then(Value::as_str).map(KeyAlgorithm::from))
            .idempotency_token(idempotency_token(ctx))
            .set_tags(Some(t))
            .send()
            .await
            .map_err(|e| sdk("RequestCertificate", e))
            .map_err(|e| ProviderError { message: format!("certificate for {domain}: {}", e.message), ..e })?;
        let arn = out
            .certificate_arn()
            .ok_or_else(|| ProviderError::new(ProviderErrorKind::Other, "RequestCertificate returned no ARN"))?
            .to_string();
        ctx.status("waiting for the validation records");
        Self::read_when_ready(c, &arn, ctx, method == "DNS").await
    }

    async fn update(&self, _ctx: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let d = tags::delta(prior.get("tags_all"), desired.get("tags_all"));
        if !d.removed.is_empty() {
            let keys: Vec<Tag> = d.removed.iter().filter_map(|k| Tag::builder().key(k).build().ok()).collect();
            c.acm
                .remove_tags_from_certificate()
                .certificate_arn(id)
                .set_tags(Some(keys))
                .send()
                .await
                .map_err(|e| sdk("RemoveTagsFromCertificate", e))?;
        }
        if !d.changed.is_empty() {
            let t: Vec<Tag> =
                d.changed.iter().filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok()).collect();
            c.acm
                .add_tags_to_certificate()
                .certificate_arn(id)
                .set_tags(Some(t))
                .send()
                .await
                .map_err(|e| sdk("AddTagsToCertificate", e))?;
        }
        let detail = Self::describe(c, id)
            .await?
            .ok_or_else(|| ProviderError::new(ProviderErrorKind::NotFound, format!("certificate {id} not found")))?;
        Ok(Self::attrs(&detail, &Self::tags(c, id).await?))
    }

    async fn delete(&self, ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        ctx.status("deleting (retried while a load balancer or distribution still uses it)");
        gone_is_ok(
            retry(
                Policy::in_use(ctx.remaining()),
                || async {
                    c.acm
                        .delete_certificate()
                        .certificate_arn(id)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|e| sdk("DeleteCertificate", e))
                        .map_err(|e| ProviderError { message: format!("certificate {id}: {}", e.message), ..e })
                },
                || async {
                    let d = Self::describe(c, id).await.ok()??;
                    let users = d.in_use_by();
                    (!users.is_empty()).then(|| format!("it is used by {}", users.join(", ")))
                },
            )
            .await,
        )
    }

    /// Every certificate of the account, with its tags: tagged for the address means ours.
    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let c = self.ctx.clients().await?;
        let mut arns = vec![];
        let mut pages = c.acm.list_certificates().max_items(1000).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk("ListCertificates", e))?;
            arns.extend(page.certificate_summary_list().iter().filter_map(|s| s.certificate_arn().map(str::to_string)));
        }
        let mut found = vec![];
        for arn in arns {
            let t = match Self::tags(c, &arn).await {
                Ok(t) => t,
                Err(e) if e.is_not_found() => continue,
                Err(e) => return Err(e),
            };
            if !tags::tagged_for(t.iter().map(|t| (t.key(), t.value().unwrap_or_default())), &query.identity) {
                continue;
            }
            if let Some(d) = Self::describe(c, &arn).await?
                && d.status() != Some(&CertificateStatus::Revoked)
            {
                found.push(Found::ours(Self::attrs(&d, &t)));
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_acm::types::{DomainValidation, RecordType, ResourceRecord};

    fn option(domain: &str, record: &str) -> DomainValidation {
        DomainValidation::builder()
            .domain_name(domain)
            .resource_record(
                ResourceRecord::builder()
                    .name(record)
                    .r#type(RecordType::Cname)
                    .value(format!("{record}.acm-validations.aws."))
                    .build()
                    .expect("record"),
            )
            .build()
            .expect("option")
    }

    #[test]
    fn before_the_certificate_exists_the_plan_knows_one_option_per_record_by_domain_name() {
        let args = |names: Value| -> Attrs {
            [
                ("domain_name".to_string(), Value::String("example.com".into())),
                ("subject_alternative_names".to_string(), names),
                ("validation_method".to_string(), Value::String("DNS".into())),
            ]
            .into()
        };
        let sans = Value::set(vec![Value::String("*.example.com".into()), Value::String("api.example.com".into())]);
        let planned = planned_validation_options(&args(sans));
        let Some(Value::Set(options)) = planned.get("domain_validation_options") else { panic!("{planned:?}") };
        let domains: Vec<&str> = options.iter().filter_map(|o| o.as_map()?.get("domain_name")?.as_str()).collect();
        assert_eq!(domains, ["api.example.com", "example.com"], "the wildcard shares the apex's record");
        let first = options[0].as_map().expect("an object");
        assert_eq!(first["resource_record_name"], Value::Unknown);
        assert_eq!(first["resource_record_type"], Value::String("CNAME".into()));

        // Names not known yet, or email validation: nothing is known.
        let unknown = Value::set(vec![Value::Unknown]);
        assert!(planned_validation_options(&args(unknown)).is_empty());
        let mut email = args(Value::Null);
        email.insert("validation_method".into(), Value::String("EMAIL".into()));
        assert!(planned_validation_options(&email).is_empty());
    }

    #[test]
    fn an_apex_and_its_wildcard_share_one_record() {
        let d = CertificateDetail::builder()
            .domain_validation_options(option("*.example.com", "_a.example.com."))
            .domain_validation_options(option("api.example.com", "_b.api.example.com."))
            .domain_validation_options(option("example.com", "_a.example.com."))
            .build();
        let v = validation_options(&d);
        let items = v.as_seq().expect("set");
        assert_eq!(items.len(), 2);
        let mut domains: Vec<&str> = items.iter().filter_map(|i| i.as_map()?.get("domain_name")?.as_str()).collect();
        domains.sort_unstable();
        assert_eq!(domains, ["api.example.com", "example.com"], "the wildcard is listed under its apex");
    }

    #[test]
    fn requests_are_checked() {
        assert!(validate_method(&"DNS".into()).is_ok());
        assert!(validate_method(&"HTTP".into()).is_err());
        assert!(validate_key(&"RSA_4096".into()).is_err());
        assert_eq!(lower(&"Example.COM.".into()), Value::from("example.com"));
    }
}
