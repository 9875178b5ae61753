//! The data source `aws_acm_certificate`: an existing certificate found by its domain name (the
//! most recent one when `most_recent` is set), for listeners and distributions that use a
//! certificate made elsewhere.

use crate::certificate::time;
use crate::context::Context;
use crate::error::sdk;
use async_trait::async_trait;
use aws_sdk_acm::types::CertificateStatus;
use provision_aws_core::tags;
use provision_core::{AttributeSchema, Attrs, DataSourceType, ProviderError, ProviderErrorKind, Schema, Type, Value};
use std::sync::Arc;

pub(crate) struct CertificateLookup {
    ctx: Arc<Context>,
    schema: Schema,
}

impl CertificateLookup {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("An existing ACM certificate, by domain name.")
            .attr(
                AttributeSchema::required("domain", Type::String)
                    .describe("The certificate's domain name (`example.com`, `*.example.com`)."),
            )
            .attr(
                AttributeSchema::optional("statuses", Type::list(Type::String))
                    .describe("Statuses to consider (default `[\"ISSUED\"]`)."),
            )
            .attr(
                AttributeSchema::optional("most_recent", Type::Bool)
                    .default(false)
                    .describe("With several matches, take the most recently issued one instead of failing."),
            )
            .attr(AttributeSchema::computed("id", Type::String).describe("The certificate's ARN."))
            .attr(AttributeSchema::computed("arn", Type::String).describe("The certificate's ARN."))
            .attr(AttributeSchema::computed("status", Type::String).describe("Its status."))
            .attr(AttributeSchema::computed("not_after", Type::String).describe("End of validity (RFC 3339)."))
            .attr(AttributeSchema::computed("tags", Type::map(Type::String)).describe("Its tags."));
        CertificateLookup { ctx, schema }
    }
}

#[async_trait]
impl DataSourceType for CertificateLookup {
    fn name(&self) -> &'static str {
        "aws_acm_certificate"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, args: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let domain =
            args.get("domain").and_then(Value::as_str).unwrap_or_default().trim_end_matches('.').to_ascii_lowercase();
        let statuses: Vec<CertificateStatus> = match args.get("statuses").and_then(Value::as_seq) {
            Some(s) if !s.is_empty() => s.iter().filter_map(Value::as_str).map(CertificateStatus::from).collect(),
            _ => vec![CertificateStatus::Issued],
        };
        let mut arns = vec![];
        let mut pages = c.acm.list_certificates().set_certificate_statuses(Some(statuses)).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk("ListCertificates", e))?;
            arns.extend(
                page.certificate_summary_list()
                    .iter()
                    .filter(|s| s.domain_name().map(str::to_ascii_lowercase).as_deref() == Some(domain.as_str()))
                    .filter_map(|s| s.certificate_arn().map(str::to_string)),
            );
        }
        let most_recent = args.get("most_recent").and_then(Value::as_bool) == Some(true);
        if arns.is_empty() {
            return Err(ProviderError::new(
                ProviderErrorKind::NotFound,
                format!("data aws_acm_certificate: no certificate for {domain} with those statuses"),
            ));
        }
        if arns.len() > 1 && !most_recent {
            return Err(ProviderError::new(
                ProviderErrorKind::Invalid,
                format!(
                    "data aws_acm_certificate: {} certificates for {domain} ({}); set most_recent = true to take the newest",
                    arns.len(),
                    arns.join(", ")
                ),
            ));
        }
        let mut best: Option<aws_sdk_acm::types::CertificateDetail> = None;
        for arn in &arns {
            let Some(d) = crate::certificate::Certificate::describe(c, arn).await? else { continue };
            let when = |d: &aws_sdk_acm::types::CertificateDetail| {
                d.issued_at().or(d.created_at()).map(|t| t.secs()).unwrap_or(0)
            };
            if best.as_ref().is_none_or(|b| when(&d) > when(b)) {
                best = Some(d);
            }
        }
        let d = best.ok_or_else(|| {
            ProviderError::new(
                ProviderErrorKind::NotFound,
                format!("data aws_acm_certificate: no certificate for {domain}"),
            )
        })?;
        let arn = d.certificate_arn().unwrap_or_default().to_string();
        let t = c
            .acm
            .list_tags_for_certificate()
            .certificate_arn(&arn)
            .send()
            .await
            .map_err(|e| sdk("ListTagsForCertificate", e))?;
        let mut a = Attrs::new();
        a.insert("domain".into(), Value::String(domain));
        a.insert("statuses".into(), args.get("statuses").cloned().unwrap_or(Value::Null));
        a.insert("most_recent".into(), Value::Bool(most_recent));
        a.insert("id".into(), Value::String(arn.clone()));
        a.insert("arn".into(), Value::String(arn));
        a.insert("status".into(), d.status().map_or(Value::Null, |s| Value::String(s.as_str().into())));
        a.insert("not_after".into(), time(d.not_after()));
        a.insert("tags".into(), tags::user_tags(t.tags().iter().map(|t| (t.key(), t.value().unwrap_or_default()))));
        Ok(a)
    }
}
