//! `aws_iam_openid_connect_provider`: an OIDC identity provider (GitHub Actions, an EKS cluster)
//! that roles can trust. Found again by its URL (its ARN is made of it), adopted only if its tags
//! say it is ours.

use crate::common::{create_tags, get_strings, need_str, pairs, string_set, tag_delta, user_tags};
use crate::context::{Clients, Context};
use crate::error::{about, sdk};
use async_trait::async_trait;
use aws_sdk_iam::operation::get_open_id_connect_provider::GetOpenIdConnectProviderOutput;
use provision_aws_core::retry::gone_is_ok;
use provision_core::{
    AttributeSchema, Attrs, FindQuery, Found, IdentityStrategy, OpContext, ProviderError, ProviderErrorKind,
    ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

pub(crate) struct OidcProvider {
    ctx: Arc<Context>,
    schema: Schema,
}

/// The URL without its scheme, as IAM keeps it and puts it in the ARN.
fn bare(url: &str) -> &str {
    url.trim_start_matches("https://").trim_end_matches('/')
}

fn url(v: &Value) -> Result<(), String> {
    match v.as_str() {
        Some(u) if !u.starts_with("https://") => Err(format!("\"{u}\" is not an https:// URL")),
        _ => Ok(()),
    }
}

fn attrs(arn: &str, p: &GetOpenIdConnectProviderOutput, prior: &Attrs) -> Attrs {
    let read_url = p.url().unwrap_or_default();
    let url = match prior.get("url").and_then(Value::as_str) {
        Some(u) if bare(u) == bare(read_url) => u.to_string(),
        _ => format!("https://{}", bare(read_url)),
    };
    let mut a = Attrs::new();
    a.insert("id".into(), Value::String(arn.to_string()));
    a.insert("arn".into(), Value::String(arn.to_string()));
    a.insert("url".into(), Value::String(url));
    a.insert("client_id_list".into(), string_set(p.client_id_list().iter().cloned()));
    a.insert("thumbprint_list".into(), Value::List(p.thumbprint_list().iter().cloned().map(Value::String).collect()));
    a.insert("tags_all".into(), user_tags(p.tags()));
    a
}

impl OidcProvider {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("An IAM OpenID Connect identity provider that roles can trust.")
            .attr(AttributeSchema::computed("id", Type::String).describe("The provider's ARN."))
            .attr(AttributeSchema::computed("arn", Type::String).describe("The provider's ARN."))
            .attr(
                AttributeSchema::required("url", Type::String)
                    .force_new()
                    .validate(url)
                    .describe("The issuer's URL, e.g. `https://token.actions.githubusercontent.com`."),
            )
            .attr(
                AttributeSchema::required("client_id_list", Type::set(Type::String))
                    .describe("The audiences, e.g. `sts.amazonaws.com`. Changed in place (`AddClientIDToOpenIDConnectProvider` / `RemoveClientIDFromOpenIDConnectProvider`; the moto emulator lacks both)."),
            )
            .attr(
                AttributeSchema::optional_computed("thumbprint_list", Type::list(Type::String))
                    .describe("Certificate thumbprints of the issuer. When unset, AWS works them out. Changed in place (`UpdateOpenIDConnectProviderThumbprint`)."),
            )
            .with_tags();
        OidcProvider { ctx, schema }
    }

    async fn lookup(c: &Clients, arn: &str) -> Result<Option<GetOpenIdConnectProviderOutput>, ProviderError> {
        match c.iam.get_open_id_connect_provider().open_id_connect_provider_arn(arn).send().await {
            Ok(out) => Ok(Some(out)),
            Err(e) => {
                let e = sdk("GetOpenIDConnectProvider", e);
                if e.is_not_found() { Ok(None) } else { Err(about(&format!("OIDC provider {arn}"), e)) }
            }
        }
    }

    async fn read_one(c: &Clients, arn: &str, prior: &Attrs) -> Result<Attrs, ProviderError> {
        let p = Self::lookup(c, arn)
            .await?
            .ok_or_else(|| ProviderError::new(ProviderErrorKind::NotFound, format!("OIDC provider {arn} not found")))?;
        Ok(attrs(arn, &p, prior))
    }
}

#[async_trait]
impl ResourceType for OidcProvider {
    fn name(&self) -> &'static str {
        "aws_iam_openid_connect_provider"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn identity(&self) -> IdentityStrategy {
        IdentityStrategy::Name
    }

    fn natural_key(&self, _ctx: &OpContext, desired: &Attrs) -> Option<String> {
        desired.get("url").and_then(Value::as_str).map(|u| bare(u).to_string())
    }

    /// IAM has no batched read of OIDC providers: one `GetOpenIDConnectProvider` per provider.
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
        for (arn, prior) in objects {
            if let Some(p) = Self::lookup(c, arn).await? {
                out.insert(arn.clone(), attrs(arn, &p, prior));
            }
        }
        Ok(out)
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let url = need_str(desired, "url")?;
        let thumbprints = get_strings(desired, "thumbprint_list");
        let out = c
            .iam
            .create_open_id_connect_provider()
            .url(url)
            .set_client_id_list(Some(get_strings(desired, "client_id_list")))
            .set_thumbprint_list((!thumbprints.is_empty()).then_some(thumbprints))
            .set_tags(Some(create_tags(&ctx.identity, desired.get("tags_all"))?))
            .send()
            .await
            .map_err(|e| about(&format!("OIDC provider {url}"), sdk("CreateOpenIDConnectProvider", e)))?;
        let arn = out
            .open_id_connect_provider_arn()
            .ok_or_else(|| {
                ProviderError::new(
                    ProviderErrorKind::Other,
                    format!("CreateOpenIDConnectProvider of {url} returned no ARN"),
                )
            })?
            .to_string();
        Self::read_one(c, &arn, desired).await
    }

    async fn update(&self, _ctx: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let what = format!("OIDC provider {id}");
        let have: BTreeSet<String> = get_strings(prior, "client_id_list").into_iter().collect();
        let want: BTreeSet<String> = get_strings(desired, "client_id_list").into_iter().collect();
        for client in want.difference(&have) {
            c.iam
                .add_client_id_to_open_id_connect_provider()
                .open_id_connect_provider_arn(id)
                .client_id(client)
                .send()
                .await
                .map_err(|e| about(&what, sdk("AddClientIDToOpenIDConnectProvider", e)))?;
        }
        for client in have.difference(&want) {
            c.iam
                .remove_client_id_from_open_id_connect_provider()
                .open_id_connect_provider_arn(id)
                .client_id(client)
                .send()
                .await
                .map_err(|e| about(&what, sdk("RemoveClientIDFromOpenIDConnectProvider", e)))?;
        }
        let thumbprints = get_strings(desired, "thumbprint_list");
        if thumbprints != get_strings(prior, "thumbprint_list") && !thumbprints.is_empty() {
            c.iam
                .update_open_id_connect_provider_thumbprint()
                .open_id_connect_provider_arn(id)
                .set_thumbprint_list(Some(thumbprints))
                .send()
                .await
                .map_err(|e| about(&what, sdk("UpdateOpenIDConnectProviderThumbprint", e)))?;
        }
        let (changed, removed) = tag_delta(prior, desired)?;
        if !removed.is_empty() {
            c.iam
                .untag_open_id_connect_provider()
                .open_id_connect_provider_arn(id)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| about(&what, sdk("UntagOpenIDConnectProvider", e)))?;
        }
        if !changed.is_empty() {
            c.iam
                .tag_open_id_connect_provider()
                .open_id_connect_provider_arn(id)
                .set_tags(Some(changed))
                .send()
                .await
                .map_err(|e| about(&what, sdk("TagOpenIDConnectProvider", e)))?;
        }
        Self::read_one(c, id, desired).await
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        gone_is_ok(
            c.iam
                .delete_open_id_connect_provider()
                .open_id_connect_provider_arn(id)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| about(&format!("OIDC provider {id}"), sdk("DeleteOpenIDConnectProvider", e))),
        )
    }

    /// The provider for the recorded URL (`ListOpenIDConnectProviders`, then its tags), ours if
    /// its tags say so.
    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let Some(key) = &query.natural_key else { return Ok(vec![]) };
        let c = self.ctx.clients().await?;
        let out =
            c.iam.list_open_id_connect_providers().send().await.map_err(|e| sdk("ListOpenIDConnectProviders", e))?;
        let suffix = format!(":oidc-provider/{key}");
        let Some(arn) =
            out.open_id_connect_provider_list().iter().filter_map(|p| p.arn()).find(|a| a.ends_with(&suffix))
        else {
            return Ok(vec![]);
        };
        let Some(p) = Self::lookup(c, arn).await? else { return Ok(vec![]) };
        let owner = query.identity.owner_of(pairs(p.tags()));
        Ok(vec![Found { attrs: attrs(arn, &p, &query.desired), owner }])
    }
}
