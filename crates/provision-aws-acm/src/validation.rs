//! `aws_acm_certificate_validation`: not an AWS object but a wait — until the certificate is
//! `ISSUED`, with its progress shown (Terraform's default deadline: 75 minutes). It exists in
//! state while the certificate is issued; it is found again after a crash by what it waits for
//! (the certificate), and deleting it deletes nothing.

use crate::certificate::{Certificate, time};
use crate::context::Context;
use async_trait::async_trait;
use aws_sdk_acm::types::CertificateStatus;
use provision_aws_core::wait::{Status, TimedOut, Wait, until};
use provision_core::{
    AttributeSchema, Attrs, FindQuery, Found, IdentityStrategy, OpContext, ProviderError, ProviderErrorKind,
    ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// Terraform's default create timeout: 75 minutes.
const CREATE_TIMEOUT: Duration = Duration::from_secs(75 * 60);

pub(crate) struct Validation {
    ctx: Arc<Context>,
    schema: Schema,
}

/// The wait's id: its certificate's ARN with `/validation` after it (an id of its own, so that
/// recovery does not take it for the certificate, which is tracked already).
fn id_of(arn: &str) -> String {
    format!("{arn}/validation")
}

fn fqdn(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// The validation records of a DNS-validated certificate that `fqdns` does not name.
fn missing_records(d: &aws_sdk_acm::types::CertificateDetail, fqdns: &[String]) -> Vec<String> {
    let given: Vec<String> = fqdns.iter().map(|f| fqdn(f)).collect();
    let mut missing: Vec<String> = d
        .domain_validation_options()
        .iter()
        .filter_map(|o| o.resource_record())
        .map(|r| fqdn(r.name()))
        .filter(|n| !given.contains(n))
        .collect();
    missing.sort();
    missing.dedup();
    missing
}

impl Validation {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("Waits until a certificate is issued.")
            .with_id()
            .attr(AttributeSchema::required("certificate_arn", Type::String).force_new().describe("The certificate waited for."))
            .attr(
                AttributeSchema::optional("validation_record_fqdns", Type::set(Type::String))
                    .force_new()
                    .describe("The validation records' names; when set, each record the certificate needs must be among them (checked before waiting)."),
            )
            .attr(AttributeSchema::computed("issued_at", Type::String).describe("When the certificate was issued (RFC 3339)."))
            .timeouts(CREATE_TIMEOUT, CREATE_TIMEOUT, Duration::from_secs(60));
        Validation { ctx, schema }
    }

    fn attrs(arn: &str, desired: &Attrs, issued_at: Value) -> Attrs {
        let mut a = Attrs::new();
        a.insert("id".into(), Value::String(id_of(arn)));
        a.insert("certificate_arn".into(), Value::String(arn.into()));
        a.insert(
            "validation_record_fqdns".into(),
            desired.get("validation_record_fqdns").cloned().unwrap_or(Value::Null),
        );
        a.insert("issued_at".into(), issued_at);
        a
    }
}

#[async_trait]
impl ResourceType for Validation {
    fn name(&self) -> &'static str {
        "aws_acm_certificate_validation"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Terraform's id is the time the certificate was issued (`2026-12-02 21:36:26 +0000 UTC`);
    /// provision's is the certificate's.
    fn id_from_terraform(&self, attributes: &Attrs) -> Result<String, String> {
        provision_aws_core::terraform::text(attributes, "certificate_arn").map(id_of)
    }

    fn identity(&self) -> IdentityStrategy {
        IdentityStrategy::Content
    }

    /// One `DescribeCertificate` per validation; present while its certificate is issued.
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
        for (id, prior) in objects {
            let arn = prior
                .get("certificate_arn")
                .and_then(Value::as_str)
                .unwrap_or_else(|| id.trim_end_matches("/validation"));
            if let Some(d) = Certificate::describe(c, arn).await?
                && d.status() == Some(&CertificateStatus::Issued)
            {
                out.insert(id.clone(), Self::attrs(arn, prior, time(d.issued_at())));
            }
        }
        Ok(out)
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let arn = desired.get("certificate_arn").and_then(Value::as_str).unwrap_or_default();
        let what = format!("certificate {arn}");
        let fqdns: Option<Vec<String>> = desired
            .get("validation_record_fqdns")
            .and_then(Value::as_seq)
            .map(|s| s.iter().filter_map(|v| v.as_str().map(str::to_string)).collect());
        let wait = Wait::within(&what, "ISSUED", ctx, ctx.remaining())
            .polling(Duration::from_secs(1), Duration::from_secs(15));
        let checked = std::sync::atomic::AtomicBool::new(false);
        let d = until(
            &wait,
            || async {
                let Some(d) = Certificate::describe(c, arn).await? else { return Ok(Status::Gone) };
                if let Some(f) = &fqdns
                    && !checked.swap(true, std::sync::atomic::Ordering::Relaxed)
                {
                    let missing = missing_records(&d, f);
                    if !missing.is_empty() {
                        return Err(ProviderError::new(
                            ProviderErrorKind::Invalid,
                            format!(
                                "{what}: validation_record_fqdns lacks the validation record(s) {}",
                                missing.join(", ")
                            ),
                        ));
                    }
                }
                Ok(match d.status() {
                    Some(CertificateStatus::Issued) => Status::Ready(d),
                    Some(CertificateStatus::PendingValidation) | None => {
                        let total = d.domain_validation_options().len();
                        let done = d
                            .domain_validation_options()
                            .iter()
                            .filter(|o| o.validation_status().is_some_and(|s| s.as_str() == "SUCCESS"))
                            .count();
                        Status::Pending(format!("PENDING_VALIDATION ({done} of {total} names validated)"))
                    }
                    Some(other) => {
                        let reason = d.failure_reason().map_or("no reason given", |r| r.as_str());
                        return Err(ProviderError::new(
                            ProviderErrorKind::Other,
                            format!("{what} will not be issued: status {} ({reason})", other.as_str()),
                        ));
                    }
                })
            },
            TimedOut::provider_error,
        )
        .await?
        .ok_or_else(|| ProviderError::new(ProviderErrorKind::NotFound, format!("{what} not found")))?;
        Ok(Self::attrs(arn, desired, time(d.issued_at())))
    }

    /// Every argument forces a new wait; nothing changes in place.
    async fn update(&self, _ctx: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let arn = desired
            .get("certificate_arn")
            .and_then(Value::as_str)
            .unwrap_or_else(|| id.trim_end_matches("/validation"));
        Ok(Self::attrs(arn, desired, prior.get("issued_at").cloned().unwrap_or(Value::Null)))
    }

    /// Nothing to delete: the certificate stays.
    async fn delete(&self, _ctx: &OpContext, _id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        Ok(())
    }

    /// The wait is done when its certificate is issued.
    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let c = self.ctx.clients().await?;
        let Some(arn) = query.desired.get("certificate_arn").and_then(Value::as_str) else { return Ok(vec![]) };
        Ok(match Certificate::describe(c, arn).await? {
            Some(d) if d.status() == Some(&CertificateStatus::Issued) => {
                vec![Found::ours(Self::attrs(arn, &query.desired, time(d.issued_at())))]
            }
            _ => vec![],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As Terraform 5.100 wrote it (examples/web, against moto).
    const VALIDATION: &str = r#"{"certificate_arn": "arn:aws:acm:eu-west-1:123456789012:certificate/05e58adf-ee98-4fca-897c-0572b92c8757", "id": "2026-12-02 21:36:26 +0000 UTC", "timeouts": null, "validation_record_fqdns": ["_d930b28be6c5927595552b219965053e.example.com"]}"#;

    #[test]
    fn the_id_from_terraform_is_the_certificates_not_a_time() {
        let id = |json| {
            provision_aws_core::terraform::id_from_terraform(crate::types, "aws_acm_certificate_validation", json)
        };
        assert_eq!(
            id(VALIDATION),
            Ok("arn:aws:acm:eu-west-1:123456789012:certificate/05e58adf-ee98-4fca-897c-0572b92c8757/validation".into())
        );
        assert_eq!(
            id(r#"{"id": "2026-12-02 21:36:26 +0000 UTC"}"#),
            Err("its `certificate_arn` attribute is missing or empty".into())
        );
    }
    use aws_sdk_acm::types::{CertificateDetail, DomainValidation, RecordType, ResourceRecord};

    #[test]
    fn every_validation_record_must_be_named() {
        let record = ResourceRecord::builder()
            .name("_a.example.com.")
            .r#type(RecordType::Cname)
            .value("_v.acm-validations.aws.")
            .build()
            .expect("record");
        let d = CertificateDetail::builder()
            .domain_validation_options(
                DomainValidation::builder().domain_name("example.com").resource_record(record).build().expect("dvo"),
            )
            .build();
        assert!(missing_records(&d, &["_a.example.com".into()]).is_empty());
        assert_eq!(missing_records(&d, &["_b.example.com".into()]), ["_a.example.com"]);
    }
}
