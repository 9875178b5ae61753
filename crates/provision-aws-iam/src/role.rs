//! `aws_iam_role`: an IAM role with its trust policy, and optionally the managed policies attached
//! to it and its inline policies (Terraform's `managed_policy_arns` and `inline_policy`). Found
//! again by name (IAM cannot be searched by tag); ownership is judged by the role's tags. Deleting
//! it first removes what AWS requires (instance profile memberships, and attached and inline
//! policies per `force_detach_policies`), retrying `DeleteConflict` while another object's delete
//! is still detaching.

use crate::common::{
    create_tags, date, document, generated_name, get_bool, get_i32, get_str, get_strings, name_or_prefix, need_str,
    pairs, role_details, s, string_set, tag_delta, user_tags,
};
use crate::context::{Clients, Context};
use crate::error::{about, sdk};
use crate::policy;
use async_trait::async_trait;
use aws_sdk_iam::types::{Role as SdkRole, RoleDetail, Tag};
use provision_aws_core::retry::{Policy, gone_is_ok, nothing, retry};
use provision_core::{
    AttributeSchema, Attrs, BlockSchema, FindQuery, Found, IdentityStrategy, Nesting, OpContext, ProviderError,
    ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

/// How long a delete retries `DeleteConflict` (a policy attachment or instance profile being
/// removed at the same time).
const DELETE_CONFLICT_TIMEOUT: Duration = Duration::from_secs(120);

pub(crate) struct Role {
    ctx: Arc<Context>,
    schema: Schema,
}

fn session_duration(v: &Value) -> Result<(), String> {
    match v.as_number() {
        Some(n) if !(3600.0..=43200.0).contains(&n) || n.fract() != 0.0 => {
            Err(format!("{n} is not a valid session duration: AWS allows 3600 to 43200 seconds (1 to 12 hours)"))
        }
        _ => Ok(()),
    }
}

fn role_path(v: &Value) -> Result<(), String> {
    match v.as_str() {
        Some(p) if !(p.starts_with('/') && p.ends_with('/')) || p.len() > 512 => {
            Err(format!("\"{p}\" is not an IAM path: it must begin and end with `/`, e.g. `/service/`"))
        }
        _ => Ok(()),
    }
}

pub(crate) fn policy_json(v: &Value) -> Result<(), String> {
    match v.as_str() {
        Some(p) if serde_json::from_str::<serde_json::Value>(p).is_err() => {
            Err("the policy is not valid JSON; write it with jsonencode(...) or data \"aws_iam_policy_document\""
                .into())
        }
        _ => Ok(()),
    }
}

fn check(a: &Attrs) -> Result<(), String> {
    name_or_prefix(a)?;
    if let Some(n) = a.get("name").and_then(Value::as_str)
        && n.len() > 64
    {
        return Err(format!("role name \"{n}\" is {} characters long; AWS allows 64", n.len()));
    }
    if let Some(p) = a.get("name_prefix").and_then(Value::as_str)
        && p.len() > 38
    {
        return Err(format!(
            "`name_prefix` \"{p}\" is {} characters long; at most 38 leave room for the generated part",
            p.len()
        ));
    }
    Ok(())
}

/// A role as one read shows it, whichever call it came from.
struct View {
    name: String,
    arn: String,
    id: String,
    path: String,
    created: Value,
    trust: Option<String>,
    description: Option<String>,
    max_session: Option<i32>,
    boundary: Option<String>,
    tags: Vec<Tag>,
    managed: Vec<String>,
    inline: Vec<(String, Option<String>)>,
}

impl View {
    /// A role as GetRole or CreateRole returns it, with its policies (which neither shows).
    fn from_role(role: &SdkRole, managed: Vec<String>, inline: Vec<(String, Option<String>)>) -> View {
        View {
            name: role.role_name().to_string(),
            arn: role.arn().to_string(),
            id: role.role_id().to_string(),
            path: role.path().to_string(),
            created: date(Some(role.create_date())),
            trust: role.assume_role_policy_document().map(str::to_string),
            description: role.description().map(str::to_string),
            max_session: role.max_session_duration(),
            boundary: role.permissions_boundary().and_then(|b| b.permissions_boundary_arn()).map(str::to_string),
            tags: role.tags().to_vec(),
            managed,
            inline,
        }
    }

    fn from_detail(r: &RoleDetail, listed: Option<&SdkRole>) -> View {
        View {
            name: r.role_name().unwrap_or_default().to_string(),
            arn: r.arn().unwrap_or_default().to_string(),
            id: r.role_id().unwrap_or_default().to_string(),
            path: r.path().unwrap_or("/").to_string(),
            created: date(r.create_date()),
            trust: r.assume_role_policy_document().map(str::to_string),
            description: listed.and_then(|l| l.description()).map(str::to_string),
            max_session: listed.and_then(|l| l.max_session_duration()),
            boundary: r.permissions_boundary().and_then(|b| b.permissions_boundary_arn()).map(str::to_string),
            tags: r.tags().to_vec(),
            managed: r.attached_managed_policies().iter().filter_map(|p| p.policy_arn()).map(str::to_string).collect(),
            inline: r
                .role_policy_list()
                .iter()
                .filter_map(|p| Some((p.policy_name()?.to_string(), p.policy_document().map(str::to_string))))
                .collect(),
        }
    }

    fn attrs(&self, prior: &Attrs) -> Attrs {
        let mut a = Attrs::new();
        a.insert("id".into(), Value::String(self.name.clone()));
        a.insert("name".into(), Value::String(self.name.clone()));
        a.insert("name_prefix".into(), prior.get("name_prefix").cloned().unwrap_or(Value::Null));
        a.insert("arn".into(), Value::String(self.arn.clone()));
        a.insert("unique_id".into(), Value::String(self.id.clone()));
        a.insert("create_date".into(), self.created.clone());
        a.insert("path".into(), Value::String(self.path.clone()));
        a.insert("assume_role_policy".into(), document(self.trust.as_deref(), prior.get("assume_role_policy")));
        a.insert("description".into(), s(self.description.as_deref()));
        a.insert("max_session_duration".into(), Value::Number(f64::from(self.max_session.unwrap_or(3600))));
        a.insert("permissions_boundary".into(), s(self.boundary.as_deref()));
        a.insert("managed_policy_arns".into(), string_set(self.managed.iter().cloned()));
        a.insert("force_detach_policies".into(), Value::Bool(get_bool(prior, "force_detach_policies")));
        let prior_inline: BTreeMap<String, Value> = prior
            .get("inline_policy")
            .and_then(Value::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|b| {
                let m = b.as_map()?;
                Some((m.get("name")?.as_str()?.to_string(), m.get("policy").cloned().unwrap_or(Value::Null)))
            })
            .collect();
        a.insert(
            "inline_policy".into(),
            Value::set(
                self.inline
                    .iter()
                    .map(|(name, doc)| {
                        let mut m = BTreeMap::new();
                        m.insert("name".to_string(), Value::String(name.clone()));
                        m.insert("policy".to_string(), document(doc.as_deref(), prior_inline.get(name)));
                        Value::Map(m)
                    })
                    .collect(),
            ),
        );
        a.insert("tags_all".into(), user_tags(&self.tags));
        a
    }
}

/// The inline policies a configuration (or a recorded object) lists: name → document.
fn inline_policies(attrs: &Attrs) -> Result<BTreeMap<String, String>, ProviderError> {
    let mut out = BTreeMap::new();
    for b in attrs.get("inline_policy").and_then(Value::as_seq).unwrap_or_default() {
        let Some(m) = b.as_map() else { continue };
        let name = m.get("name").and_then(Value::as_str).filter(|n| !n.is_empty());
        let doc = m.get("policy").and_then(Value::as_str).filter(|n| !n.is_empty());
        match (name, doc) {
            (Some(n), Some(d)) => {
                out.insert(n.to_string(), d.to_string());
            }
            (None, None) => {}
            _ => {
                return Err(ProviderError::new(
                    provision_core::ProviderErrorKind::Invalid,
                    "an `inline_policy` block needs both `name` and `policy`",
                ));
            }
        }
    }
    Ok(out)
}

impl Role {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("An IAM role: a trust policy saying who may assume it, and the permissions it grants.")
            .attr(AttributeSchema::computed("id", Type::String).describe("The role's name."))
            .attr(
                AttributeSchema::optional_computed("name", Type::String)
                    .force_new()
                    .describe("The role's name, unique in the account, at most 64 characters (checked at plan time). When unset, a unique name is generated from `name_prefix` (or `terraform-`) and 26 characters of the create's token, so a retried create makes the same name."),
            )
            .attr(
                AttributeSchema::optional_computed("name_prefix", Type::String)
                    .force_new()
                    .describe("Generate a unique name beginning with this prefix (at most 38 characters). Exclusive with `name`."),
            )
            .attr(
                AttributeSchema::required("assume_role_policy", Type::String)
                    .normalize(policy::normalize)
                    .validate(policy_json)
                    .describe("The trust policy (JSON). Compared by meaning: key order, whitespace, a single statement or a one-element list are not changes. Changed in place (`UpdateAssumeRolePolicy`)."),
            )
            .attr(
                AttributeSchema::optional("path", Type::String)
                    .default("/")
                    .force_new()
                    .validate(role_path)
                    .describe("The role's path, beginning and ending with `/`."),
            )
            .attr(AttributeSchema::optional("description", Type::String).describe("Changed in place (`UpdateRole`)."))
            .attr(
                AttributeSchema::optional("max_session_duration", Type::Number)
                    .default(3600.0)
                    .validate(session_duration)
                    .describe("The longest session, in seconds: 3600 to 43200 (checked at plan time). Changed in place (`UpdateRole`)."),
            )
            .attr(
                AttributeSchema::optional("permissions_boundary", Type::String)
                    .describe("The ARN of the managed policy that bounds the role's permissions. Changed in place (`PutRolePermissionsBoundary` / `DeleteRolePermissionsBoundary`)."),
            )
            .attr(
                AttributeSchema::optional_computed("managed_policy_arns", Type::set(Type::String))
                    .describe("The managed policies attached to the role, managed exclusively: policies attached outside are detached. When unset, attachments are not managed here (use `aws_iam_role_policy_attachment`)."),
            )
            .attr(
                AttributeSchema::optional("force_detach_policies", Type::Bool)
                    .default(false)
                    .at_destroy()
                    .describe("On destroy, detach every managed policy and delete every inline policy first, including those attached outside this configuration. Only matters when the role is deleted: changing it makes no AWS call."),
            )
            .block(
                BlockSchema::new(
                    "inline_policy",
                    Nesting::Set,
                    Schema::new("An inline policy of the role.")
                        .attr(AttributeSchema::optional("name", Type::String).describe("The policy's name."))
                        .attr(
                            AttributeSchema::optional("policy", Type::String)
                                .normalize(policy::normalize)
                                .validate(policy_json)
                                .describe("The policy document (JSON), compared by meaning."),
                        ),
                    "The role's inline policies, managed exclusively when at least one block is written (others are deleted); when none is written they are not managed here (use `aws_iam_role_policy`). Changed in place (`PutRolePolicy` / `DeleteRolePolicy`).",
                )
                .unmanaged_when_absent(),
            )
            .attr(AttributeSchema::computed("arn", Type::String).describe("The role's ARN."))
            .attr(AttributeSchema::computed("unique_id", Type::String).describe("The stable id AWS gave the role (`AROA...`)."))
            .attr(AttributeSchema::computed("create_date", Type::String).describe("When the role was created (RFC 3339)."))
            .with_tags()
            .check(check);
        Role { ctx, schema }
    }

    /// One role by name, with its attached and inline policies: `GetRole`, then
    /// `ListAttachedRolePolicies`, `ListRolePolicies` and one `GetRolePolicy` per inline policy.
    /// `None` when it does not exist.
    async fn lookup(c: &Clients, name: &str) -> Result<Option<View>, ProviderError> {
        let role = match c.iam.get_role().role_name(name).send().await {
            Ok(out) => match out.role {
                Some(r) => r,
                None => return Ok(None),
            },
            Err(e) => {
                let e = sdk("GetRole", e);
                return if e.is_not_found() { Ok(None) } else { Err(about(&format!("role {name}"), e)) };
            }
        };
        let mut managed = vec![];
        let mut pages = c.iam.list_attached_role_policies().role_name(name).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| about(&format!("role {name}"), sdk("ListAttachedRolePolicies", e)))?;
            managed.extend(page.attached_policies().iter().filter_map(|p| p.policy_arn()).map(str::to_string));
        }
        let mut inline = vec![];
        let mut pages = c.iam.list_role_policies().role_name(name).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| about(&format!("role {name}"), sdk("ListRolePolicies", e)))?;
            for p in page.policy_names() {
                let doc = c
                    .iam
                    .get_role_policy()
                    .role_name(name)
                    .policy_name(p)
                    .send()
                    .await
                    .map_err(|e| about(&format!("role {name}"), sdk("GetRolePolicy", e)))?;
                inline.push((p.clone(), Some(doc.policy_document().to_string())));
            }
        }
        Ok(Some(View::from_role(&role, managed, inline)))
    }

    /// The role as GetRole shows it, retried while a role just created is not visible yet.
    async fn visible(c: &Clients, name: &str) -> Result<SdkRole, ProviderError> {
        retry(
            Policy::NEW_OBJECT,
            || async {
                match c.iam.get_role().role_name(name).send().await {
                    Ok(out) => out.role.ok_or_else(|| {
                        ProviderError::new(
                            provision_core::ProviderErrorKind::NotFound,
                            format!("role {name} not found"),
                        )
                    }),
                    Err(e) => Err(about(&format!("role {name}"), sdk("GetRole", e))),
                }
            },
            nothing,
        )
        .await
    }

    /// The role's attributes, waiting while a role just created is not visible yet.
    async fn read_one(c: &Clients, name: &str, prior: &Attrs) -> Result<Attrs, ProviderError> {
        let view = retry(
            Policy::NEW_OBJECT,
            || async {
                Self::lookup(c, name).await?.ok_or_else(|| {
                    ProviderError::new(provision_core::ProviderErrorKind::NotFound, format!("role {name} not found"))
                })
            },
            nothing,
        )
        .await?;
        Ok(view.attrs(prior))
    }

    /// Attaches and detaches managed policies to go from `have` to `want`.
    async fn sync_managed(c: &Clients, name: &str, have: &[String], want: &[String]) -> Result<bool, ProviderError> {
        let have: BTreeSet<&String> = have.iter().collect();
        let want: BTreeSet<&String> = want.iter().collect();
        let wrote = have != want;
        for arn in want.difference(&have) {
            c.iam
                .attach_role_policy()
                .role_name(name)
                .policy_arn(*arn)
                .send()
                .await
                .map_err(|e| about(&format!("role {name}: attaching {arn}"), sdk("AttachRolePolicy", e)))?;
        }
        for arn in have.difference(&want) {
            detach(c, name, arn).await?;
        }
        Ok(wrote)
    }

    /// Puts and deletes inline policies to go from `have` to `want`.
    async fn sync_inline(
        c: &Clients,
        name: &str,
        have: &BTreeMap<String, String>,
        want: &BTreeMap<String, String>,
    ) -> Result<bool, ProviderError> {
        let mut wrote = false;
        for (p, doc) in want {
            if have.get(p).is_some_and(|h| policy::equivalent(h, doc)) {
                continue;
            }
            wrote = true;
            c.iam
                .put_role_policy()
                .role_name(name)
                .policy_name(p)
                .policy_document(doc)
                .send()
                .await
                .map_err(|e| about(&format!("role {name}: inline policy {p}"), sdk("PutRolePolicy", e)))?;
        }
        for p in have.keys().filter(|p| !want.contains_key(*p)) {
            wrote = true;
            delete_inline(c, name, p).await?;
        }
        Ok(wrote)
    }

    /// What still holds the role, for a delete that keeps failing.
    async fn holders(c: &Clients, name: &str) -> Option<String> {
        let view = Self::lookup(c, name).await.ok()??;
        let mut parts: Vec<String> = view.managed.iter().map(|a| format!("attached policy {a}")).collect();
        parts.extend(view.inline.iter().map(|(n, _)| format!("inline policy {n}")));
        if let Ok(out) = c.iam.list_instance_profiles_for_role().role_name(name).send().await {
            parts.extend(
                out.instance_profiles().iter().map(|p| format!("instance profile {}", p.instance_profile_name())),
            );
        }
        (!parts.is_empty()).then(|| {
            format!(
                "{} (set force_detach_policies = true to detach policies attached outside this configuration)",
                parts.join(", ")
            )
        })
    }
}

pub(crate) async fn detach(c: &Clients, role: &str, arn: &str) -> Result<(), ProviderError> {
    gone_is_ok(
        c.iam
            .detach_role_policy()
            .role_name(role)
            .policy_arn(arn)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| about(&format!("role {role}: detaching {arn}"), sdk("DetachRolePolicy", e))),
    )
}

pub(crate) async fn delete_inline(c: &Clients, role: &str, policy: &str) -> Result<(), ProviderError> {
    gone_is_ok(
        c.iam
            .delete_role_policy()
            .role_name(role)
            .policy_name(policy)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| about(&format!("role {role}: inline policy {policy}"), sdk("DeleteRolePolicy", e))),
    )
}

#[async_trait]
impl ResourceType for Role {
    fn name(&self) -> &'static str {
        "aws_iam_role"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn identity(&self) -> IdentityStrategy {
        IdentityStrategy::Name
    }

    fn natural_key(&self, ctx: &OpContext, desired: &Attrs) -> Option<String> {
        Some(generated_name(ctx, desired))
    }

    /// Every role of the account in one paginated `GetAccountAuthorizationDetails` (trust policy,
    /// tags, boundary, attached and inline policies) and one paginated `ListRoles` (description,
    /// session duration): two calls for up to 1000 roles in the account, however many the stack has.
    async fn read_many(
        &self,
        _ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        if objects.is_empty() {
            return Ok(BTreeMap::new());
        }
        let c = self.ctx.clients().await?;
        let details = role_details(c).await?;
        let mut listed = BTreeMap::new();
        let mut pages = c.iam.list_roles().max_items(1000).into_paginator().send();
        while let Some(page) = pages.next().await {
            for r in page.map_err(|e| sdk("ListRoles", e))?.roles() {
                listed.insert(r.role_name().to_string(), r.clone());
            }
        }
        Ok(objects
            .iter()
            .filter_map(|(id, prior)| {
                let d = details.get(id)?;
                Some((id.clone(), View::from_detail(d, listed.get(id)).attrs(prior)))
            })
            .collect())
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let name = generated_name(ctx, desired);
        let what = format!("role {name}");
        let out = c
            .iam
            .create_role()
            .role_name(&name)
            .assume_role_policy_document(need_str(desired, "assume_role_policy")?)
            .path(get_str(desired, "path").unwrap_or("/"))
            .set_description(get_str(desired, "description").map(str::to_string))
            .set_max_session_duration(get_i32(desired, "max_session_duration"))
            .set_permissions_boundary(get_str(desired, "permissions_boundary").map(str::to_string))
            .set_tags(Some(create_tags(&ctx.identity, desired.get("tags_all"))?))
            .send()
            .await
            .map_err(|e| about(&what, sdk("CreateRole", e)))?;
        let _ = out;
        ctx.status("attaching policies");
        let managed = get_strings(desired, "managed_policy_arns");
        let inline = inline_policies(desired)?;
        Self::sync_managed(c, &name, &[], &managed).await?;
        Self::sync_inline(c, &name, &BTreeMap::new(), &inline).await?;
        // Wait until the role is visible (IAM is eventually consistent; Terraform's read after
        // create retries GetRole the same way), so that what uses it next finds it. Its policies
        // are the ones just attached and put: they are not listed again.
        let role = provision_aws_core::waiting(Self::visible(c, &name)).await?;
        let inline = inline.into_iter().map(|(n, doc)| (n, Some(doc))).collect();
        let mut a = View::from_role(&role, managed, inline).attrs(desired);
        a.insert("name_prefix".into(), desired.get("name_prefix").cloned().unwrap_or(Value::Null));
        Ok(a)
    }

    async fn update(&self, _ctx: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let what = format!("role {id}");
        let trust = need_str(desired, "assume_role_policy")?;
        // Whether anything was written: a change of `force_detach_policies` alone (it only
        // matters at destroy) makes no AWS call at all.
        let mut wrote = false;
        if !get_str(prior, "assume_role_policy").is_some_and(|p| policy::equivalent(p, trust)) {
            wrote = true;
            c.iam
                .update_assume_role_policy()
                .role_name(id)
                .policy_document(trust)
                .send()
                .await
                .map_err(|e| about(&what, sdk("UpdateAssumeRolePolicy", e)))?;
        }
        if get_str(prior, "description") != get_str(desired, "description")
            || get_i32(prior, "max_session_duration") != get_i32(desired, "max_session_duration")
        {
            wrote = true;
            c.iam
                .update_role()
                .role_name(id)
                .description(get_str(desired, "description").unwrap_or_default())
                .set_max_session_duration(get_i32(desired, "max_session_duration"))
                .send()
                .await
                .map_err(|e| about(&what, sdk("UpdateRole", e)))?;
        }
        match (get_str(prior, "permissions_boundary"), get_str(desired, "permissions_boundary")) {
            (p, Some(d)) if p != Some(d) => {
                wrote = true;
                c.iam
                    .put_role_permissions_boundary()
                    .role_name(id)
                    .permissions_boundary(d)
                    .send()
                    .await
                    .map_err(|e| about(&what, sdk("PutRolePermissionsBoundary", e)))?;
            }
            (Some(_), None) => {
                wrote = true;
                c.iam
                    .delete_role_permissions_boundary()
                    .role_name(id)
                    .send()
                    .await
                    .map_err(|e| about(&what, sdk("DeleteRolePermissionsBoundary", e)))?;
            }
            _ => {}
        }
        let (changed, removed) = tag_delta(prior, desired)?;
        wrote |= !removed.is_empty() || !changed.is_empty();
        if !removed.is_empty() {
            c.iam
                .untag_role()
                .role_name(id)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| about(&what, sdk("UntagRole", e)))?;
        }
        if !changed.is_empty() {
            c.iam
                .tag_role()
                .role_name(id)
                .set_tags(Some(changed))
                .send()
                .await
                .map_err(|e| about(&what, sdk("TagRole", e)))?;
        }
        if desired.get("managed_policy_arns").is_some_and(|v| v.as_seq().is_some()) {
            let (have, want) = (get_strings(prior, "managed_policy_arns"), get_strings(desired, "managed_policy_arns"));
            wrote |= Self::sync_managed(c, id, &have, &want).await?;
        }
        if desired.get("inline_policy").is_some_and(|v| v.as_seq().is_some_and(|s| !s.is_empty())) {
            wrote |= Self::sync_inline(c, id, &inline_policies(prior)?, &inline_policies(desired)?).await?;
        }
        if !wrote {
            let mut a = prior.clone();
            a.insert("force_detach_policies".into(), Value::Bool(get_bool(desired, "force_detach_policies")));
            return Ok(a);
        }
        let mut a = Self::read_one(c, id, desired).await?;
        a.insert("name_prefix".into(), desired.get("name_prefix").cloned().unwrap_or(Value::Null));
        Ok(a)
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        let what = format!("role {id}");
        // Instance profile memberships always block a delete; the role cannot stay in them.
        let profiles = match c.iam.list_instance_profiles_for_role().role_name(id).send().await {
            Ok(out) => out.instance_profiles().to_vec(),
            Err(e) => {
                let e = sdk("ListInstanceProfilesForRole", e);
                if e.is_not_found() {
                    return Ok(());
                }
                return Err(about(&what, e));
            }
        };
        for p in profiles {
            gone_is_ok(
                c.iam
                    .remove_role_from_instance_profile()
                    .role_name(id)
                    .instance_profile_name(p.instance_profile_name())
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| about(&what, sdk("RemoveRoleFromInstanceProfile", e))),
            )?;
        }
        // As Terraform: attached and inline policies go first when `force_detach_policies` says
        // so, or when the role manages them itself (`managed_policy_arns`, `inline_policy`).
        let force = get_bool(prior, "force_detach_policies");
        let manages_attached = !get_strings(prior, "managed_policy_arns").is_empty();
        let manages_inline = prior.get("inline_policy").and_then(Value::as_seq).is_some_and(|s| !s.is_empty());
        if (force || manages_attached || manages_inline)
            && let Some(view) = Self::lookup(c, id).await?
        {
            if force || manages_attached {
                for arn in &view.managed {
                    detach(c, id, arn).await?;
                }
            }
            if force || manages_inline {
                for (p, _) in &view.inline {
                    delete_inline(c, id, p).await?;
                }
            }
        }
        gone_is_ok(
            retry(
                Policy::in_use(DELETE_CONFLICT_TIMEOUT),
                || async {
                    c.iam
                        .delete_role()
                        .role_name(id)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|e| about(&what, sdk("DeleteRole", e)))
                },
                || Self::holders(c, id),
            )
            .await,
        )
    }

    /// The role named as the pending create recorded, ours if its tags say so.
    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let Some(name) = &query.natural_key else { return Ok(vec![]) };
        let c = self.ctx.clients().await?;
        let Some(view) = Self::lookup(c, name).await? else { return Ok(vec![]) };
        let owner = query.identity.owner_of(pairs(&view.tags));
        let mut attrs = view.attrs(&query.desired);
        attrs.insert("name_prefix".into(), query.desired.get("name_prefix").cloned().unwrap_or(Value::Null));
        Ok(vec![Found { attrs, owner }])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_time_checks() {
        assert!(session_duration(&Value::Number(3600.0)).is_ok());
        assert!(session_duration(&Value::Number(60.0)).is_err());
        assert!(role_path(&"/svc/".into()).is_ok());
        assert!(role_path(&"svc".into()).is_err());
        assert!(policy_json(&"{".into()).is_err());
        let mut a = Attrs::new();
        a.insert("name".into(), Value::String("x".repeat(65)));
        assert!(check(&a).expect_err("too long").contains("64"));
    }
}
