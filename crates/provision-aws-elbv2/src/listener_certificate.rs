//! `aws_lb_listener_certificate`: one more certificate of an HTTPS listener (SNI), beside its
//! default `certificate_arn`. Not an AWS object with an id or tags: it is known by its listener
//! and certificate, and a refresh asks once per listener (`DescribeListenerCertificates`).

use crate::common::get_str;
use crate::context::{Clients, Context};
use crate::error::sdk;
use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::types::Certificate;
use provision_core::{
    AttributeSchema, Attrs, FindQuery, Found, IdentityStrategy, OpContext, ProviderError, ProviderErrorKind,
    ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;

pub(crate) struct ListenerCertificate {
    ctx: Arc<Context>,
    schema: Schema,
}

impl ListenerCertificate {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("An additional certificate of an HTTPS listener.")
            .with_id()
            .attr(AttributeSchema::required("listener_arn", Type::String).force_new().describe("The listener."))
            .attr(AttributeSchema::required("certificate_arn", Type::String).force_new().describe("The certificate."))
            .runtime_layer();
        ListenerCertificate { ctx, schema }
    }

    fn attrs(listener: &str, cert: &str) -> Attrs {
        let mut a = Attrs::new();
        a.insert("id".into(), Value::String(format!("{listener}_{cert}")));
        a.insert("listener_arn".into(), Value::String(listener.into()));
        a.insert("certificate_arn".into(), Value::String(cert.into()));
        a
    }

    /// The certificates of a listener other than its default one (none if it is gone).
    async fn of_listener(c: &Clients, listener: &str) -> Result<Vec<String>, ProviderError> {
        let mut out = vec![];
        let mut marker: Option<String> = None;
        loop {
            let r = match c
                .elb
                .describe_listener_certificates()
                .listener_arn(listener)
                .set_marker(marker.clone())
                .send()
                .await
            {
                Ok(r) => r,
                Err(e) => {
                    let e = sdk("DescribeListenerCertificates", e);
                    return if e.is_not_found() { Ok(vec![]) } else { Err(e) };
                }
            };
            out.extend(
                r.certificates()
                    .iter()
                    .filter(|c| c.is_default() != Some(true))
                    .filter_map(|c| c.certificate_arn().map(str::to_string)),
            );
            marker = r.next_marker().filter(|m| !m.is_empty()).map(str::to_string);
            if marker.is_none() {
                return Ok(out);
            }
        }
    }
}

#[async_trait]
impl ResourceType for ListenerCertificate {
    fn name(&self) -> &'static str {
        "aws_lb_listener_certificate"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn identity(&self) -> IdentityStrategy {
        IdentityStrategy::Content
    }

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
        let mut listeners: Vec<&str> = objects.iter().filter_map(|(_, a)| get_str(a, "listener_arn")).collect();
        listeners.sort();
        listeners.dedup();
        for l in listeners {
            let certs = Self::of_listener(c, l).await?;
            for (id, prior) in objects.iter().filter(|(_, a)| get_str(a, "listener_arn") == Some(l)) {
                if let Some(cert) = get_str(prior, "certificate_arn").filter(|cert| certs.iter().any(|x| x == cert)) {
                    out.insert(id.clone(), Self::attrs(l, cert));
                }
            }
        }
        Ok(out)
    }

    async fn create(&self, _ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let (Some(l), Some(cert)) = (get_str(desired, "listener_arn"), get_str(desired, "certificate_arn")) else {
            return Err(ProviderError::new(
                ProviderErrorKind::Invalid,
                "listener_arn and certificate_arn are required",
            ));
        };
        // Adding a certificate the listener has already succeeds: this adopts it too.
        c.elb
            .add_listener_certificates()
            .listener_arn(l)
            .certificates(Certificate::builder().certificate_arn(cert).build())
            .send()
            .await
            .map_err(|e| sdk("AddListenerCertificates", e))
            .map_err(|e| ProviderError {
                message: format!("certificate {cert} of listener {l}: {}", e.message),
                ..e
            })?;
        Ok(Self::attrs(l, cert))
    }

    /// Both arguments force a new object.
    async fn update(
        &self,
        _ctx: &OpContext,
        _id: &str,
        prior: &Attrs,
        _desired: &Attrs,
    ) -> Result<Attrs, ProviderError> {
        Ok(prior.clone())
    }

    async fn delete(&self, _ctx: &OpContext, _id: &str, prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        let (Some(l), Some(cert)) = (get_str(prior, "listener_arn"), get_str(prior, "certificate_arn")) else {
            return Ok(());
        };
        match c
            .elb
            .remove_listener_certificates()
            .listener_arn(l)
            .certificates(Certificate::builder().certificate_arn(cert).build())
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => {
                let e = sdk("RemoveListenerCertificates", e);
                if e.is_not_found() { Ok(()) } else { Err(e) }
            }
        }
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let c = self.ctx.clients().await?;
        let (Some(l), Some(cert)) =
            (get_str(&query.desired, "listener_arn"), get_str(&query.desired, "certificate_arn"))
        else {
            return Ok(vec![]);
        };
        let certs = Self::of_listener(c, l).await?;
        Ok(certs.iter().any(|x| x == cert).then(|| Found::ours(Self::attrs(l, cert))).into_iter().collect())
    }
}
