//! `aws_ecr_repository` and data `aws_ecr_repository`: a container image repository. Found again
//! by name (ECR is not reachable through the tagging API), adopted only if its tags say it is
//! ours. A repository holding images is refused at plan time unless `force_delete` is set, so a
//! destroy never stops halfway with the rest of the stack already gone.

use crate::context::{Clients, Context};
use crate::error::sdk;
use async_trait::async_trait;
use aws_sdk_ecr::types::{
    EncryptionConfiguration, EncryptionType, ImageScanningConfiguration, ImageTagMutability, Repository as SdkRepo, Tag,
};
use provision_aws_core::retry::{Policy, gone_is_ok, nothing, retry};
use provision_aws_core::tags;
use provision_core::{
    AttributeSchema, Attrs, BlockSchema, DataSourceType, DeleteNote, FindQuery, Found, IdentityStrategy, Nesting,
    OpContext, ProviderError, ProviderErrorKind, ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

pub(crate) struct Repository {
    ctx: Arc<Context>,
    schema: Schema,
}

fn mutability(v: &Value) -> Result<(), String> {
    provision_aws_core::validate::one_of(v, &["MUTABLE", "IMMUTABLE"], "image tag mutability")
}

fn encryption_type(v: &Value) -> Result<(), String> {
    provision_aws_core::validate::one_of(v, &["AES256", "KMS"], "encryption type")
}

fn repo_name(v: &Value) -> Result<(), String> {
    let Some(n) = v.as_str() else { return Ok(()) };
    let ok = (2..=256).contains(&n.len())
        && n.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-/".contains(c))
        && n.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "\"{n}\" is not a repository name: 2 to 256 lowercase letters, digits, `.`, `_`, `-` and `/`, beginning with a letter or digit"
        ))
    }
}

pub(crate) fn get_str<'a>(a: &'a Attrs, k: &str) -> Option<&'a str> {
    a.get(k).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// The first (only) object of a one-block list, as Terraform writes `image_scanning_configuration`.
fn single<'a>(a: &'a Attrs, k: &str) -> Option<&'a BTreeMap<String, Value>> {
    a.get(k).and_then(Value::as_seq).and_then(|s| s.first()).and_then(Value::as_map)
}

fn block(pairs: Vec<(&str, Value)>) -> Value {
    Value::List(vec![Value::Map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())])
}

fn attrs(r: &SdkRepo, t: &[Tag], prior: &Attrs) -> Attrs {
    let name = r.repository_name().unwrap_or_default();
    let mut a = Attrs::new();
    a.insert("id".into(), Value::String(name.to_string()));
    a.insert("name".into(), Value::String(name.to_string()));
    a.insert("arn".into(), Value::String(r.repository_arn().unwrap_or_default().to_string()));
    a.insert("registry_id".into(), Value::String(r.registry_id().unwrap_or_default().to_string()));
    a.insert("repository_url".into(), Value::String(r.repository_uri().unwrap_or_default().to_string()));
    a.insert(
        "image_tag_mutability".into(),
        Value::String(r.image_tag_mutability().map_or("MUTABLE", |m| m.as_str()).to_string()),
    );
    a.insert(
        "image_scanning_configuration".into(),
        block(vec![(
            "scan_on_push",
            Value::Bool(r.image_scanning_configuration().is_some_and(ImageScanningConfiguration::scan_on_push)),
        )]),
    );
    let enc = r.encryption_configuration();
    a.insert(
        "encryption_configuration".into(),
        block(vec![
            ("encryption_type", Value::String(enc.map_or("AES256", |e| e.encryption_type().as_str()).to_string())),
            ("kms_key", enc.and_then(|e| e.kms_key()).map_or(Value::Null, |k| Value::String(k.to_string()))),
        ]),
    );
    a.insert("force_delete".into(), Value::Bool(prior.get("force_delete").and_then(Value::as_bool).unwrap_or(false)));
    a.insert("tags_all".into(), tags::user_tags(t.iter().map(|t| (t.key(), t.value()))));
    a
}

/// The repositories of the registry with these names (all of them when `names` is empty), all
/// pages. Names that do not exist are absent (ECR fails a call naming a missing repository, so
/// several names are asked for by listing every repository).
pub(crate) async fn describe(c: &Clients, names: &[&str]) -> Result<Vec<SdkRepo>, ProviderError> {
    let req = c.ecr.describe_repositories();
    let (req, what) = match names {
        [one] => (req.repository_names(*one), *one),
        _ => (req.max_results(1000), ""),
    };
    let mut out = vec![];
    let mut pages = req.into_paginator().send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(p) => out.extend(p.repositories().iter().cloned()),
            Err(e) => {
                let e = sdk(what, "DescribeRepositories", e);
                if e.is_not_found() {
                    return Ok(vec![]);
                }
                return Err(e);
            }
        }
    }
    if names.len() > 1 {
        out.retain(|r| r.repository_name().is_some_and(|n| names.contains(&n)));
    }
    Ok(out)
}

pub(crate) async fn tags_of(c: &Clients, r: &SdkRepo) -> Result<Vec<Tag>, ProviderError> {
    let name = r.repository_name().unwrap_or_default();
    match c.ecr.list_tags_for_resource().resource_arn(r.repository_arn().unwrap_or_default()).send().await {
        Ok(out) => Ok(out.tags().to_vec()),
        Err(e) => {
            let e = sdk(name, "ListTagsForResource", e);
            if e.is_not_found() { Ok(vec![]) } else { Err(e) }
        }
    }
}

fn tag(k: impl Into<String>, v: impl Into<String>) -> Result<Tag, ProviderError> {
    Tag::builder()
        .key(k)
        .value(v)
        .build()
        .map_err(|e| ProviderError::new(ProviderErrorKind::Invalid, format!("a tag: {e}")))
}

impl Repository {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("An ECR repository of container images.")
            .attr(AttributeSchema::computed("id", Type::String).describe("The repository's name."))
            .attr(
                AttributeSchema::required("name", Type::String)
                    .force_new()
                    .validate(repo_name)
                    .describe("The repository's name, e.g. `app/backend` (checked at plan time)."),
            )
            .attr(
                AttributeSchema::optional("image_tag_mutability", Type::String)
                    .default("MUTABLE")
                    .validate(mutability)
                    .describe("`MUTABLE` or `IMMUTABLE` (a pushed tag can never point at another image). Changed in place (`PutImageTagMutability`)."),
            )
            .block(
                BlockSchema::new(
                    "image_scanning_configuration",
                    Nesting::List,
                    Schema::new("Image scanning.").attr(
                        AttributeSchema::required("scan_on_push", Type::Bool)
                            .describe("Scan each image for vulnerabilities when it is pushed."),
                    ),
                    "At most one block. Changed in place (`PutImageScanningConfiguration`); when absent, whatever is set is kept.",
                )
                .unmanaged_when_absent(),
            )
            .block(
                BlockSchema::new(
                    "encryption_configuration",
                    Nesting::List,
                    Schema::new("Encryption at rest.")
                        .attr(
                            AttributeSchema::optional("encryption_type", Type::String)
                                .default("AES256")
                                .validate(encryption_type)
                                .describe("`AES256` or `KMS`."),
                        )
                        .attr(
                            AttributeSchema::optional("kms_key", Type::String)
                                .describe("The KMS key's ARN for `KMS`; AWS's managed key when unset."),
                        ),
                    "At most one block. AWS cannot change it: a change replaces the repository. When absent, `AES256`.",
                )
                .force_new()
                .unmanaged_when_absent(),
            )
            .attr(
                AttributeSchema::optional("force_delete", Type::Bool)
                    .default(false)
                    .at_destroy()
                    .describe("Delete the repository even if it holds images. Without it, a plan that would delete a repository holding images is refused. Only matters when the repository is deleted: changing it makes no AWS call."),
            )
            .attr(AttributeSchema::computed("arn", Type::String).describe("The repository's ARN."))
            .attr(AttributeSchema::computed("registry_id", Type::String).describe("The account id of the registry."))
            .attr(
                AttributeSchema::computed("repository_url", Type::String)
                    .describe("`<account>.dkr.ecr.<region>.amazonaws.com/<name>`, what `docker push` takes."),
            )
            .with_tags()
            .timeouts(Duration::from_secs(1200), Duration::from_secs(1200), Duration::from_secs(1200));
        Repository { ctx, schema }
    }

    async fn read_one(c: &Clients, name: &str, prior: &Attrs) -> Result<Attrs, ProviderError> {
        let r = retry(
            Policy::NEW_OBJECT,
            || async {
                describe(c, &[name]).await?.into_iter().next().ok_or_else(|| {
                    ProviderError::new(ProviderErrorKind::NotFound, format!("repository {name} not found"))
                })
            },
            nothing,
        )
        .await?;
        let t = tags_of(c, &r).await?;
        Ok(attrs(&r, &t, prior))
    }

    /// Whether the repository holds at least one image (`ListImages`, one result).
    async fn holds_images(c: &Clients, name: &str) -> Result<bool, ProviderError> {
        match c.ecr.list_images().repository_name(name).max_results(1).send().await {
            Ok(out) => Ok(!out.image_ids().is_empty()),
            Err(e) => {
                let e = sdk(name, "ListImages", e);
                if e.is_not_found() { Ok(false) } else { Err(e) }
            }
        }
    }
}

#[async_trait]
impl ResourceType for Repository {
    fn name(&self) -> &'static str {
        "aws_ecr_repository"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn identity(&self) -> IdentityStrategy {
        IdentityStrategy::Name
    }

    /// Every repository of the registry in one paginated `DescribeRepositories` (1000 a page),
    /// then one `ListTagsForResource` per repository of the stack (ECR has no batched tag read).
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
        let names: Vec<&str> = objects.iter().map(|(id, _)| id.as_str()).collect();
        let repos: BTreeMap<String, SdkRepo> = describe(c, &names)
            .await?
            .into_iter()
            .filter_map(|r| Some((r.repository_name()?.to_string(), r)))
            .collect();
        for (id, prior) in objects {
            if let Some(r) = repos.get(id) {
                let t = tags_of(c, r).await?;
                out.insert(id.clone(), attrs(r, &t, prior));
            }
        }
        Ok(out)
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let name = get_str(desired, "name")
            .ok_or_else(|| ProviderError::new(ProviderErrorKind::Invalid, "`name` must be set"))?;
        let tags = tags::create_tags(&ctx.identity, desired.get("tags_all"))
            .into_iter()
            .map(|(k, v)| tag(k, v))
            .collect::<Result<Vec<_>, _>>()?;
        let scan = single(desired, "image_scanning_configuration").map(|m| {
            ImageScanningConfiguration::builder()
                .scan_on_push(m.get("scan_on_push").and_then(Value::as_bool).unwrap_or(false))
                .build()
        });
        let enc = match single(desired, "encryption_configuration") {
            Some(m) => Some(
                EncryptionConfiguration::builder()
                    .encryption_type(EncryptionType::from(
                        m.get("encryption_type").and_then(Value::as_str).unwrap_or("AES256"),
                    ))
                    .set_kms_key(m.get("kms_key").and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string))
                    .build()
                    .map_err(|e| ProviderError::new(ProviderErrorKind::Invalid, format!("repository {name}: {e}")))?,
            ),
            None => None,
        };
        let out = c
            .ecr
            .create_repository()
            .repository_name(name)
            .image_tag_mutability(ImageTagMutability::from(
                get_str(desired, "image_tag_mutability").unwrap_or("MUTABLE"),
            ))
            .set_image_scanning_configuration(scan)
            .set_encryption_configuration(enc)
            .set_tags(Some(tags.clone()))
            .send()
            .await
            .map_err(|e| sdk(name, "CreateRepository", e))?;
        // The response is the repository as DescribeRepositories shows it, and its tags are the
        // ones just given: nothing to read back, unless the response leaves out the KMS key AWS
        // chose for `KMS` encryption without a key.
        let r = out.repository().ok_or_else(|| {
            ProviderError::new(
                ProviderErrorKind::Other,
                format!("repository {name}: CreateRepository returned no repository"),
            )
        })?;
        let key_unknown = r
            .encryption_configuration()
            .is_some_and(|e| e.encryption_type() == &EncryptionType::Kms && e.kms_key().is_none());
        if key_unknown {
            return Self::read_one(c, name, desired).await;
        }
        Ok(attrs(r, &tags, desired))
    }

    async fn update(&self, _ctx: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let want = get_str(desired, "image_tag_mutability").unwrap_or("MUTABLE");
        let scan = |a: &Attrs| single(a, "image_scanning_configuration").and_then(|m| m.get("scan_on_push")?.as_bool());
        let delta = tags::delta(prior.get("tags_all"), desired.get("tags_all"));
        if get_str(prior, "image_tag_mutability") == Some(want)
            && scan(desired).is_none_or(|on| scan(prior) == Some(on))
            && delta.is_empty()
        {
            // Only `force_delete` changed: it matters at destroy, no AWS call.
            let mut a = prior.clone();
            a.insert("force_delete".into(), desired.get("force_delete").cloned().unwrap_or(Value::Bool(false)));
            return Ok(a);
        }
        let c = self.ctx.clients().await?;
        if get_str(prior, "image_tag_mutability") != Some(want) {
            c.ecr
                .put_image_tag_mutability()
                .repository_name(id)
                .image_tag_mutability(ImageTagMutability::from(want))
                .send()
                .await
                .map_err(|e| sdk(id, "PutImageTagMutability", e))?;
        }
        if let Some(on) = scan(desired)
            && scan(prior) != Some(on)
        {
            c.ecr
                .put_image_scanning_configuration()
                .repository_name(id)
                .image_scanning_configuration(ImageScanningConfiguration::builder().scan_on_push(on).build())
                .send()
                .await
                .map_err(|e| sdk(id, "PutImageScanningConfiguration", e))?;
        }
        if !delta.is_empty() {
            let arn = get_str(prior, "arn").unwrap_or_default().to_string();
            if !delta.removed.is_empty() {
                c.ecr
                    .untag_resource()
                    .resource_arn(&arn)
                    .set_tag_keys(Some(delta.removed))
                    .send()
                    .await
                    .map_err(|e| sdk(id, "UntagResource", e))?;
            }
            if !delta.changed.is_empty() {
                let t = delta.changed.into_iter().map(|(k, v)| tag(k, v)).collect::<Result<Vec<_>, _>>()?;
                c.ecr
                    .tag_resource()
                    .resource_arn(&arn)
                    .set_tags(Some(t))
                    .send()
                    .await
                    .map_err(|e| sdk(id, "TagResource", e))?;
            }
        }
        Self::read_one(c, id, desired).await
    }

    /// A repository holding images, without `force_delete`: refused at plan time (one
    /// `ListImages` of at most one image), before anything else of the stack is torn down.
    async fn check_delete(
        &self,
        _ctx: &ReadContext,
        id: &str,
        attrs: &Attrs,
    ) -> Result<Vec<DeleteNote>, ProviderError> {
        if attrs.get("force_delete").and_then(Value::as_bool) == Some(true) {
            return Ok(vec![]);
        }
        let c = self.ctx.clients().await?;
        Ok(if Self::holds_images(c, id).await? {
            vec![DeleteNote::refuse(format!(
                "repository {id} holds images, and AWS refuses to delete a repository that is not empty; set force_delete = true to delete its images with it, or delete them first"
            ))]
        } else {
            vec![]
        })
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        let force = prior.get("force_delete").and_then(Value::as_bool).unwrap_or(false);
        match c.ecr.delete_repository().repository_name(id).force(force).send().await {
            Ok(_) => Ok(()),
            Err(e) => {
                let mut e = sdk(id, "DeleteRepository", e);
                if e.code.as_deref() == Some("RepositoryNotEmptyException") {
                    e.message = format!("{}; set force_delete = true to delete its images with it", e.message);
                }
                gone_is_ok(Err(e))
            }
        }
    }

    /// The repository named as the pending create recorded, ours if its tags say so.
    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let Some(name) = &query.natural_key else { return Ok(vec![]) };
        let c = self.ctx.clients().await?;
        let Some(r) = describe(c, &[name.as_str()]).await?.into_iter().next() else { return Ok(vec![]) };
        let t = tags_of(c, &r).await?;
        let owner = query.identity.owner_of(t.iter().map(|t| (t.key(), t.value())));
        Ok(vec![Found { attrs: attrs(&r, &t, &query.desired), owner }])
    }
}

/// data `aws_ecr_repository`: an existing repository by name.
pub(crate) struct RepositoryLookup {
    ctx: Arc<Context>,
    schema: Schema,
}

impl RepositoryLookup {
    pub fn new(ctx: Arc<Context>) -> Self {
        let obj = |fields: Vec<(&'static str, Type)>| Type::list(Type::Object(fields));
        let schema = Schema::new("An existing ECR repository.")
            .attr(AttributeSchema::required("name", Type::String).describe("The repository's name."))
            .attr(
                AttributeSchema::optional_computed("registry_id", Type::String)
                    .describe("The registry's account id; this account's by default."),
            )
            .attr(
                AttributeSchema::optional_computed("tags", Type::map(Type::String)).describe("The repository's tags."),
            )
            .attr(AttributeSchema::computed("id", Type::String).describe("The repository's name."))
            .attr(AttributeSchema::computed("arn", Type::String).describe("The repository's ARN."))
            .attr(AttributeSchema::computed("repository_url", Type::String).describe("The URL `docker push` takes."))
            .attr(AttributeSchema::computed("image_tag_mutability", Type::String).describe("`MUTABLE` or `IMMUTABLE`."))
            .attr(
                AttributeSchema::computed("image_scanning_configuration", obj(vec![("scan_on_push", Type::Bool)]))
                    .describe("Whether images are scanned on push."),
            )
            .attr(
                AttributeSchema::computed(
                    "encryption_configuration",
                    obj(vec![("encryption_type", Type::String), ("kms_key", Type::String)]),
                )
                .describe("How images are encrypted."),
            )
            .attr(
                AttributeSchema::computed("most_recent_image_tags", Type::list(Type::String))
                    .describe("The tags of the most recently pushed image."),
            );
        RepositoryLookup { ctx, schema }
    }
}

#[async_trait]
impl DataSourceType for RepositoryLookup {
    fn name(&self) -> &'static str {
        "aws_ecr_repository"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, args: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let name = get_str(args, "name")
            .ok_or_else(|| ProviderError::new(ProviderErrorKind::Invalid, "`name` must be set"))?;
        let mut req = c.ecr.describe_repositories().repository_names(name);
        if let Some(r) = get_str(args, "registry_id") {
            req = req.registry_id(r);
        }
        let out = req.send().await.map_err(|e| sdk(name, "DescribeRepositories", e))?;
        let r = out
            .repositories()
            .first()
            .ok_or_else(|| ProviderError::new(ProviderErrorKind::NotFound, format!("repository {name} not found")))?;
        let t = tags_of(c, r).await?;
        let mut a = attrs(r, &t, &Attrs::new());
        a.remove("force_delete");
        let tags_value = a.remove("tags_all").unwrap_or(Value::Null);
        a.insert("tags".into(), tags_value);
        // The newest image's tags (`DescribeImages`, all pages).
        let mut newest: Option<(i64, Vec<String>)> = None;
        let mut pages = c.ecr.describe_images().repository_name(name).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk(name, "DescribeImages", e))?;
            for d in page.image_details() {
                let at = d.image_pushed_at().map_or(0, |t| t.secs());
                if newest.as_ref().is_none_or(|(n, _)| at > *n) {
                    newest = Some((at, d.image_tags().to_vec()));
                }
            }
        }
        a.insert(
            "most_recent_image_tags".into(),
            Value::List(newest.map(|(_, t)| t).unwrap_or_default().into_iter().map(Value::String).collect()),
        );
        Ok(a)
    }
}
