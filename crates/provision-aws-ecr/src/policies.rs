//! `aws_ecr_lifecycle_policy` and `aws_ecr_repository_policy`: the one lifecycle policy and the
//! one repository policy a repository can have. Neither can be tagged; each is found again by its
//! repository (the put calls are upserts, so adopting one is harmless). Documents compare by
//! meaning, so reformatting is never a change. AWS has no batched read: a refresh costs one
//! `GetLifecyclePolicy` / `GetRepositoryPolicy` per object.

use crate::context::{Clients, Context};
use crate::error::sdk;
use crate::repository::get_str;
use async_trait::async_trait;
use provision_aws_core::retry::{Policy, gone_is_ok, nothing, retry};
use provision_core::schema::Normalizer;
use provision_core::{
    AttributeSchema, Attrs, FindQuery, Found, IdentityStrategy, OpContext, ProviderError, ProviderErrorKind,
    ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Lifecycle,
    Repository,
}

pub(crate) struct RepoPolicy {
    ctx: Arc<Context>,
    kind: Kind,
    schema: Schema,
}

fn json(v: &Value) -> Result<(), String> {
    match v.as_str() {
        Some(p) if serde_json::from_str::<serde_json::Value>(p).is_err() => {
            Err("the policy is not valid JSON; write it with jsonencode(...)".into())
        }
        _ => Ok(()),
    }
}

impl Kind {
    fn normalizer(self) -> Normalizer {
        match self {
            Kind::Lifecycle => provision_aws_core::json::normalize_json,
            Kind::Repository => provision_aws_core::json::normalize_policy,
        }
    }
}

/// The document read, in the spelling last recorded when both mean the same, otherwise in the
/// canonical spelling the normalizer gives a configured document.
fn document(kind: Kind, read: &str, prior: Option<&Value>) -> Value {
    let read = Value::String(read.to_string());
    match prior {
        Some(p) if p.as_str().is_some() && (kind.normalizer())(p) == (kind.normalizer())(&read) => p.clone(),
        _ => (kind.normalizer())(&read),
    }
}

fn attrs(repo: &str, registry: Option<&str>, doc: Value) -> Attrs {
    let mut a = Attrs::new();
    a.insert("id".into(), Value::String(repo.to_string()));
    a.insert("repository".into(), Value::String(repo.to_string()));
    a.insert("registry_id".into(), registry.map_or(Value::Null, |r| Value::String(r.to_string())));
    a.insert("policy".into(), doc);
    a
}

impl RepoPolicy {
    pub fn new(ctx: Arc<Context>, kind: Kind) -> Self {
        let (description, policy_note) = match kind {
            Kind::Lifecycle => (
                "The lifecycle policy of an ECR repository: which images expire.",
                "The lifecycle policy (JSON: `rules` with `rulePriority`, `selection`, `action`), compared by meaning. Changed in place (`PutLifecyclePolicy`).",
            ),
            Kind::Repository => (
                "The repository policy of an ECR repository: who may push and pull.",
                "The repository policy (IAM policy JSON), compared by meaning. Changed in place (`SetRepositoryPolicy`).",
            ),
        };
        let schema = Schema::new(description)
            .attr(AttributeSchema::computed("id", Type::String).describe("The repository's name."))
            .attr(
                AttributeSchema::required("repository", Type::String)
                    .force_new()
                    .describe("The repository's name (`aws_ecr_repository.x.name`)."),
            )
            .attr(
                AttributeSchema::required("policy", Type::String)
                    .normalize(kind.normalizer())
                    .validate(json)
                    .describe(policy_note),
            )
            .attr(AttributeSchema::computed("registry_id", Type::String).describe("The registry's account id."));
        RepoPolicy { ctx, kind, schema }
    }

    /// The repository's policy of this kind: (document, registry id); `None` when there is none
    /// (or no repository).
    async fn lookup(&self, c: &Clients, repo: &str) -> Result<Option<(String, Option<String>)>, ProviderError> {
        let r = match self.kind {
            Kind::Lifecycle => c
                .ecr
                .get_lifecycle_policy()
                .repository_name(repo)
                .send()
                .await
                .map(|o| o.lifecycle_policy_text().map(|t| (t.to_string(), o.registry_id().map(str::to_string))))
                .map_err(|e| sdk(repo, "GetLifecyclePolicy", e)),
            Kind::Repository => c
                .ecr
                .get_repository_policy()
                .repository_name(repo)
                .send()
                .await
                .map(|o| o.policy_text().map(|t| (t.to_string(), o.registry_id().map(str::to_string))))
                .map_err(|e| sdk(repo, "GetRepositoryPolicy", e)),
        };
        match r {
            Ok(v) => Ok(v),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn put(&self, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let repo = get_str(desired, "repository")
            .ok_or_else(|| ProviderError::new(ProviderErrorKind::Invalid, "`repository` must be set"))?;
        let doc = get_str(desired, "policy")
            .ok_or_else(|| ProviderError::new(ProviderErrorKind::Invalid, "`policy` must be set"))?;
        // A repository created moments ago may not be visible yet.
        let registry = retry(
            Policy::NEW_OBJECT,
            || async {
                match self.kind {
                    Kind::Lifecycle => c
                        .ecr
                        .put_lifecycle_policy()
                        .repository_name(repo)
                        .lifecycle_policy_text(doc)
                        .send()
                        .await
                        .map(|o| o.registry_id().map(str::to_string))
                        .map_err(|e| sdk(repo, "PutLifecyclePolicy", e)),
                    Kind::Repository => c
                        .ecr
                        .set_repository_policy()
                        .repository_name(repo)
                        .policy_text(doc)
                        .send()
                        .await
                        .map(|o| o.registry_id().map(str::to_string))
                        .map_err(|e| sdk(repo, "SetRepositoryPolicy", e)),
                }
            },
            nothing,
        )
        .await?;
        Ok(attrs(repo, registry.as_deref(), Value::String(doc.to_string())))
    }
}

#[async_trait]
impl ResourceType for RepoPolicy {
    fn name(&self) -> &'static str {
        match self.kind {
            Kind::Lifecycle => "aws_ecr_lifecycle_policy",
            Kind::Repository => "aws_ecr_repository_policy",
        }
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn identity(&self) -> IdentityStrategy {
        IdentityStrategy::Name
    }

    fn natural_key(&self, _ctx: &OpContext, desired: &Attrs) -> Option<String> {
        get_str(desired, "repository").map(str::to_string)
    }

    /// One `Get*Policy` per object: ECR has no batched read of policies.
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
            if let Some((doc, registry)) = self.lookup(c, id).await? {
                out.insert(id.clone(), attrs(id, registry.as_deref(), document(self.kind, &doc, prior.get("policy"))));
            }
        }
        Ok(out)
    }

    async fn create(&self, _ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        self.put(desired).await
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        _id: &str,
        _prior: &Attrs,
        desired: &Attrs,
    ) -> Result<Attrs, ProviderError> {
        self.put(desired).await
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        let r = match self.kind {
            Kind::Lifecycle => c
                .ecr
                .delete_lifecycle_policy()
                .repository_name(id)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| sdk(id, "DeleteLifecyclePolicy", e)),
            Kind::Repository => c
                .ecr
                .delete_repository_policy()
                .repository_name(id)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| sdk(id, "DeleteRepositoryPolicy", e)),
        };
        gone_is_ok(r)
    }

    /// The repository's policy, if it has one (ours: it can only have one, and the put replaces it).
    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let Some(repo) = &query.natural_key else { return Ok(vec![]) };
        let c = self.ctx.clients().await?;
        Ok(match self.lookup(c, repo).await? {
            Some((doc, registry)) => {
                let doc = document(self.kind, &doc, query.desired.get("policy"));
                vec![Found::ours(attrs(repo, registry.as_deref(), doc))]
            }
            None => vec![],
        })
    }
}
