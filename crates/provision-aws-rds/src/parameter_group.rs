//! `aws_db_parameter_group` and `aws_rds_cluster_parameter_group`: engine settings for instances
//! (or Aurora clusters). One implementation for both: the two APIs differ only in their names.
//! Only the parameters the configuration writes are managed, as Terraform does: a parameter
//! changed outside provision shows as drift only if the configuration sets it.
//!
//! Named, so found again by name after a crash. A refresh costs one listing of the groups, plus
//! per group one `DescribeDBParameters` (user-set parameters only) and one `ListTagsForResource`.
//! A group in use cannot be deleted (AWS refuses; moto allows it and then breaks every call on the
//! instance), so `delete` checks first and says which instance or cluster still uses it.

use crate::common::{
    about, all_clusters, all_instances, create_tags, generated_name, get_str, get_string, list_tags, other, s,
    sync_tags, user_tags, validate,
};
use crate::context::{Clients, Context};
use crate::error::sdk;
use async_trait::async_trait;
use aws_sdk_rds::types::{ApplyMethod, Parameter};
use provision_aws_core::retry::{Policy, retry};
use provision_core::{
    AttributeSchema, Attrs, BlockSchema, FindQuery, Found, IdentityStrategy, Nesting, OpContext, ProviderError,
    ProviderErrorKind, ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// AWS takes at most 20 parameters per modify or reset call.
const PER_CALL: usize = 20;
const DEFAULT_DESCRIPTION: &str = "Managed by Terraform";
/// How long a delete waits for instances or clusters still using the group to go or move.
const DELETE_TIMEOUT: Duration = Duration::from_secs(600);

/// Which of the two parameter group APIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Instance,
    Cluster,
}

impl Kind {
    fn what(self) -> &'static str {
        match self {
            Kind::Instance => "DB parameter group",
            Kind::Cluster => "DB cluster parameter group",
        }
    }
}

/// A group as either API describes it.
#[derive(Debug, Clone)]
struct Group {
    name: String,
    family: Option<String>,
    description: Option<String>,
    arn: Option<String>,
}

pub(crate) struct ParameterGroup {
    ctx: Arc<Context>,
    kind: Kind,
    schema: Schema,
}

fn check(a: &Attrs) -> Result<(), String> {
    if crate::common::both_set(a, "name", "name_prefix") {
        return Err("set `name` or `name_prefix`, not both".into());
    }
    let mut seen = std::collections::BTreeSet::new();
    for p in a.get("parameter").and_then(Value::as_seq).unwrap_or_default() {
        if let Some(name) = p.as_map().and_then(|m| m.get("name")).and_then(Value::as_str)
            && !seen.insert(name.to_ascii_lowercase())
        {
            return Err(format!("parameter \"{name}\" is set twice"));
        }
    }
    Ok(())
}

fn parameter_block() -> BlockSchema {
    BlockSchema::new(
        "parameter",
        Nesting::Set,
        Schema::new("One engine parameter.")
            .attr(
                AttributeSchema::required("name", Type::String)
                    .describe("The parameter's name, e.g. `log_min_duration_statement`."),
            )
            .attr(AttributeSchema::required("value", Type::String).describe("Its value, as a string."))
            .attr(
                AttributeSchema::optional("apply_method", Type::String)
                    .default("immediate")
                    .validate(validate::apply_method)
                    .describe("`immediate` or `pending-reboot` (static parameters need `pending-reboot`)."),
            ),
        "The parameters this configuration manages, changed in place (`ModifyDB[Cluster]ParameterGroup`, 20 per call). A parameter removed from the configuration is reset to the engine default. Parameters not written here are not managed.",
    )
}

impl ParameterGroup {
    pub fn new(ctx: Arc<Context>, kind: Kind) -> Self {
        let (about, family) = match kind {
            Kind::Instance => (
                "An RDS DB parameter group: engine settings for DB instances.",
                "The engine family, e.g. `postgres16` (AWS checks it; moto accepts any). Replaces the group when changed.",
            ),
            Kind::Cluster => (
                "An RDS DB cluster parameter group: engine settings for Aurora clusters.",
                "The engine family, e.g. `aurora-postgresql16`. Replaces the group when changed.",
            ),
        };
        let schema = Schema::new(about)
            .with_id()
            .attr(AttributeSchema::computed("arn", Type::String).describe("The group's ARN."))
            .attr(
                AttributeSchema::optional_computed("name", Type::String)
                    .force_new()
                    .validate(validate::group_name)
                    .describe("The group name (lowercase; checked at plan time). When unset, `name_prefix` (or `tf-`) followed by 20 hex characters derived from the stack, the address and the pending create. Also the `id`. A group in use cannot be deleted: to replace one, use `name_prefix` with `create_before_destroy`."),
            )
            .attr(
                AttributeSchema::optional("name_prefix", Type::String)
                    .force_new()
                    .describe("A prefix for the generated name; setting both `name` and `name_prefix` is an error at plan time. Not reported by AWS: kept as configured."),
            )
            .attr(AttributeSchema::required("family", Type::String).force_new().describe(family))
            .attr(
                AttributeSchema::optional("description", Type::String)
                    .default(DEFAULT_DESCRIPTION)
                    .force_new()
                    .describe("The description. AWS cannot change it: a change replaces the group."),
            )
            .block(parameter_block())
            .check(check)
            .with_tags()
            .timeouts(Duration::from_secs(600), Duration::from_secs(600), DELETE_TIMEOUT);
        ParameterGroup { ctx, kind, schema }
    }

    /// Every group of the region (one call per 100 groups).
    async fn list(&self, c: &Clients) -> Result<Vec<Group>, ProviderError> {
        let mut out = vec![];
        match self.kind {
            Kind::Instance => {
                let mut pages = c.rds.describe_db_parameter_groups().max_records(100).into_paginator().send();
                while let Some(page) = pages.next().await {
                    let page = page.map_err(|e| sdk("DescribeDBParameterGroups", e))?;
                    out.extend(page.db_parameter_groups().iter().filter_map(|g| {
                        Some(Group {
                            name: g.db_parameter_group_name()?.to_string(),
                            family: g.db_parameter_group_family().map(str::to_string),
                            description: g.description().map(str::to_string),
                            arn: g.db_parameter_group_arn().map(str::to_string),
                        })
                    }));
                }
            }
            Kind::Cluster => {
                let mut pages = c.rds.describe_db_cluster_parameter_groups().max_records(100).into_paginator().send();
                while let Some(page) = pages.next().await {
                    let page = page.map_err(|e| sdk("DescribeDBClusterParameterGroups", e))?;
                    out.extend(page.db_cluster_parameter_groups().iter().filter_map(|g| {
                        Some(Group {
                            name: g.db_cluster_parameter_group_name()?.to_string(),
                            family: g.db_parameter_group_family().map(str::to_string),
                            description: g.description().map(str::to_string),
                            arn: g.db_cluster_parameter_group_arn().map(str::to_string),
                        })
                    }));
                }
            }
        }
        Ok(out)
    }

    /// The group with this name, or `None`.
    async fn lookup(&self, c: &Clients, name: &str) -> Result<Option<Group>, ProviderError> {
        let found = match self.kind {
            Kind::Instance => c
                .rds
                .describe_db_parameter_groups()
                .db_parameter_group_name(name)
                .send()
                .await
                .map_err(|e| sdk("DescribeDBParameterGroups", e))
                .map(|out| {
                    out.db_parameter_groups().first().map(|g| Group {
                        name: g.db_parameter_group_name().unwrap_or(name).to_string(),
                        family: g.db_parameter_group_family().map(str::to_string),
                        description: g.description().map(str::to_string),
                        arn: g.db_parameter_group_arn().map(str::to_string),
                    })
                }),
            Kind::Cluster => c
                .rds
                .describe_db_cluster_parameter_groups()
                .db_cluster_parameter_group_name(name)
                .send()
                .await
                .map_err(|e| sdk("DescribeDBClusterParameterGroups", e))
                .map(|out| {
                    out.db_cluster_parameter_groups().first().map(|g| Group {
                        name: g.db_cluster_parameter_group_name().unwrap_or(name).to_string(),
                        family: g.db_parameter_group_family().map(str::to_string),
                        description: g.description().map(str::to_string),
                        arn: g.db_cluster_parameter_group_arn().map(str::to_string),
                    })
                }),
        };
        match found {
            Err(e) if e.is_not_found() => Ok(None),
            other => other,
        }
    }

    /// The parameters set by a user (not engine defaults) of the group, all pages.
    async fn user_parameters(&self, c: &Clients, name: &str) -> Result<Vec<Parameter>, ProviderError> {
        let mut out = vec![];
        match self.kind {
            Kind::Instance => {
                let mut pages = c
                    .rds
                    .describe_db_parameters()
                    .db_parameter_group_name(name)
                    .source("user")
                    .max_records(100)
                    .into_paginator()
                    .send();
                while let Some(page) = pages.next().await {
                    out.extend(page.map_err(|e| sdk("DescribeDBParameters", e))?.parameters().iter().cloned());
                }
            }
            Kind::Cluster => {
                let mut pages = c
                    .rds
                    .describe_db_cluster_parameters()
                    .db_cluster_parameter_group_name(name)
                    .source("user")
                    .max_records(100)
                    .into_paginator()
                    .send();
                while let Some(page) = pages.next().await {
                    out.extend(page.map_err(|e| sdk("DescribeDBClusterParameters", e))?.parameters().iter().cloned());
                }
            }
        }
        Ok(out)
    }

    /// The group's attributes: the parameters are those `prior` manages (by name), with the values
    /// AWS has; `prior` also supplies `name_prefix` and each parameter's `apply_method`.
    fn attrs(g: &Group, params: &[Parameter], tags: &[aws_sdk_rds::types::Tag], prior: &Attrs) -> Attrs {
        let managed = configured(prior);
        let mut blocks = vec![];
        for p in params {
            let Some(name) = p.parameter_name() else { continue };
            let Some(want) = managed.get(&name.to_ascii_lowercase()) else { continue };
            let value = p.parameter_value().unwrap_or_default();
            blocks.push(block(&want.0, value, &want.2));
        }
        let mut a = Attrs::new();
        a.insert("id".into(), Value::String(g.name.clone()));
        a.insert("arn".into(), s(g.arn.as_deref()));
        a.insert("name".into(), Value::String(g.name.clone()));
        a.insert("name_prefix".into(), prior.get("name_prefix").cloned().unwrap_or(Value::Null));
        a.insert("family".into(), s(g.family.as_deref()));
        a.insert("description".into(), s(g.description.as_deref()));
        a.insert("parameter".into(), Value::set(blocks));
        a.insert("tags_all".into(), user_tags(tags));
        a
    }

    async fn read(&self, c: &Clients, g: &Group, prior: &Attrs) -> Result<Attrs, ProviderError> {
        let params = self.user_parameters(c, &g.name).await?;
        let tags = match &g.arn {
            Some(arn) => list_tags(c, arn).await?,
            None => vec![],
        };
        Ok(Self::attrs(g, &params, &tags, prior))
    }

    async fn read_one(&self, c: &Clients, name: &str, prior: &Attrs) -> Result<Attrs, ProviderError> {
        let g = crate::common::visible(self.kind.what(), name, || self.lookup(c, name)).await?;
        self.read(c, &g, prior).await
    }

    /// Sets these parameters (20 per call).
    async fn modify(&self, c: &Clients, name: &str, params: Vec<Parameter>) -> Result<(), ProviderError> {
        for chunk in params.chunks(PER_CALL) {
            let chunk = Some(chunk.to_vec());
            match self.kind {
                Kind::Instance => c
                    .rds
                    .modify_db_parameter_group()
                    .db_parameter_group_name(name)
                    .set_parameters(chunk)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| sdk("ModifyDBParameterGroup", e))?,
                Kind::Cluster => c
                    .rds
                    .modify_db_cluster_parameter_group()
                    .db_cluster_parameter_group_name(name)
                    .set_parameters(chunk)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| sdk("ModifyDBClusterParameterGroup", e))?,
            }
        }
        Ok(())
    }

    /// Resets these parameters to the engine defaults (20 per call).
    async fn reset(&self, c: &Clients, name: &str, params: Vec<Parameter>) -> Result<(), ProviderError> {
        for chunk in params.chunks(PER_CALL) {
            let chunk = Some(chunk.to_vec());
            match self.kind {
                Kind::Instance => c
                    .rds
                    .reset_db_parameter_group()
                    .db_parameter_group_name(name)
                    .set_parameters(chunk)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| sdk("ResetDBParameterGroup", e))?,
                Kind::Cluster => c
                    .rds
                    .reset_db_cluster_parameter_group()
                    .db_cluster_parameter_group_name(name)
                    .set_parameters(chunk)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| sdk("ResetDBClusterParameterGroup", e))?,
            }
        }
        Ok(())
    }

    /// The instances or clusters that use the group (AWS refuses to delete it while any does).
    async fn users(&self, c: &Clients, name: &str) -> Result<Vec<String>, ProviderError> {
        let mut users = vec![];
        match self.kind {
            Kind::Instance => {
                for i in all_instances(c).await? {
                    if i.db_parameter_groups().iter().any(|g| g.db_parameter_group_name() == Some(name)) {
                        users.push(format!(
                            "DB instance {} ({})",
                            i.db_instance_identifier().unwrap_or("?"),
                            i.db_instance_status().unwrap_or("unknown status")
                        ));
                    }
                }
            }
            Kind::Cluster => {
                for cl in all_clusters(c).await? {
                    if cl.db_cluster_parameter_group() == Some(name) {
                        users.push(format!(
                            "DB cluster {} ({})",
                            cl.db_cluster_identifier().unwrap_or("?"),
                            cl.status().unwrap_or("unknown status")
                        ));
                    }
                }
            }
        }
        Ok(users)
    }

    async fn delete_call(&self, c: &Clients, name: &str) -> Result<(), ProviderError> {
        match self.kind {
            Kind::Instance => c
                .rds
                .delete_db_parameter_group()
                .db_parameter_group_name(name)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| sdk("DeleteDBParameterGroup", e)),
            Kind::Cluster => c
                .rds
                .delete_db_cluster_parameter_group()
                .db_cluster_parameter_group_name(name)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| sdk("DeleteDBClusterParameterGroup", e)),
        }
    }
}

/// The configured parameters by lowercase name: (name as written, value, apply_method).
fn configured(attrs: &Attrs) -> BTreeMap<String, (String, String, String)> {
    let mut out = BTreeMap::new();
    for p in attrs.get("parameter").and_then(Value::as_seq).unwrap_or_default() {
        let Some(m) = p.as_map() else { continue };
        let text = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
        let text_or_number =
            |k: &str| text(k).or_else(|| m.get(k).and_then(Value::as_number).map(provision_core::value::format_number));
        if let (Some(name), Some(value)) = (text("name"), text_or_number("value")) {
            let method = text("apply_method").unwrap_or_else(|| "immediate".into());
            out.insert(name.to_ascii_lowercase(), (name, value, method));
        }
    }
    out
}

fn block(name: &str, value: &str, method: &str) -> Value {
    Value::Map(
        [
            ("name".to_string(), Value::String(name.into())),
            ("value".to_string(), Value::String(value.into())),
            ("apply_method".to_string(), Value::String(method.into())),
        ]
        .into_iter()
        .collect(),
    )
}

fn parameter(name: &str, value: Option<&str>, method: &str) -> Parameter {
    Parameter::builder()
        .parameter_name(name)
        .set_parameter_value(value.map(str::to_string))
        .apply_method(ApplyMethod::from(method))
        .build()
}

/// What an update changes: the parameters to set (new or changed) and those to reset (no longer
/// configured).
fn parameter_delta(prior: &Attrs, desired: &Attrs) -> (Vec<Parameter>, Vec<Parameter>) {
    let (old, new) = (configured(prior), configured(desired));
    let set = new
        .iter()
        .filter(|(k, v)| old.get(*k) != Some(*v))
        .map(|(_, (name, value, method))| parameter(name, Some(value), method))
        .collect();
    let reset = old
        .iter()
        .filter(|(k, _)| !new.contains_key(*k))
        .map(|(_, (name, _, method))| parameter(name, None, method))
        .collect();
    (set, reset)
}

#[async_trait]
impl ResourceType for ParameterGroup {
    fn name(&self) -> &'static str {
        match self.kind {
            Kind::Instance => "aws_db_parameter_group",
            Kind::Cluster => "aws_rds_cluster_parameter_group",
        }
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn identity(&self) -> IdentityStrategy {
        IdentityStrategy::Name
    }

    fn natural_key(&self, ctx: &OpContext, desired: &Attrs) -> Option<String> {
        Some(generated_name(ctx, desired, "name", "name_prefix", "tf-"))
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
        let all: BTreeMap<String, Group> = self.list(c).await?.into_iter().map(|g| (g.name.clone(), g)).collect();
        for (id, prior) in objects {
            let Some(g) = all.get(id) else { continue };
            match self.read(c, g, prior).await {
                Ok(a) => {
                    out.insert(id.clone(), a);
                }
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(about(self.kind.what(), id)(e)),
            }
        }
        Ok(out)
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let name = generated_name(ctx, desired, "name", "name_prefix", "tf-");
        let wrap = about(self.kind.what(), &name);
        let family = get_string(desired, "family").ok_or_else(|| wrap(other("`family` must be set")))?;
        let description = get_str(desired, "description").unwrap_or(DEFAULT_DESCRIPTION);
        let tags = create_tags(&ctx.identity, desired.get("tags_all"));
        let group = match self.kind {
            Kind::Instance => c
                .rds
                .create_db_parameter_group()
                .db_parameter_group_name(&name)
                .db_parameter_group_family(&family)
                .description(description)
                .set_tags(Some(tags.clone()))
                .send()
                .await
                .map_err(|e| wrap(sdk("CreateDBParameterGroup", e)))?
                .db_parameter_group()
                .map(|g| Group {
                    name: g.db_parameter_group_name().unwrap_or(&name).to_string(),
                    family: g.db_parameter_group_family().map(str::to_string),
                    description: g.description().map(str::to_string),
                    arn: g.db_parameter_group_arn().map(str::to_string),
                }),
            Kind::Cluster => c
                .rds
                .create_db_cluster_parameter_group()
                .db_cluster_parameter_group_name(&name)
                .db_parameter_group_family(&family)
                .description(description)
                .set_tags(Some(tags.clone()))
                .send()
                .await
                .map_err(|e| wrap(sdk("CreateDBClusterParameterGroup", e)))?
                .db_cluster_parameter_group()
                .map(|g| Group {
                    name: g.db_cluster_parameter_group_name().unwrap_or(&name).to_string(),
                    family: g.db_parameter_group_family().map(str::to_string),
                    description: g.description().map(str::to_string),
                    arn: g.db_cluster_parameter_group_arn().map(str::to_string),
                }),
        };
        let (set, _) = parameter_delta(&Attrs::new(), desired);
        if !set.is_empty() {
            ctx.status("setting parameters");
            self.modify(c, &name, set.clone()).await.map_err(&wrap)?;
        }
        // The response is the group as DescribeDBParameterGroups shows it; its parameters (which
        // AWS accepted as given, or the modify failed) and tags are the ones just sent: nothing
        // is read back.
        match group {
            Some(g) => Ok(Self::attrs(&g, &set, &tags, desired)),
            None => self.read_one(c, &name, desired).await.map_err(wrap),
        }
    }

    async fn update(&self, op: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let wrap = about(self.kind.what(), id);
        let arn = get_string(prior, "arn").unwrap_or_default();
        sync_tags(c, &arn, prior.get("tags_all"), desired.get("tags_all")).await.map_err(&wrap)?;
        let (set, reset) = parameter_delta(prior, desired);
        if !reset.is_empty() {
            op.status("resetting parameters");
            self.reset(c, id, reset).await.map_err(&wrap)?;
        }
        if !set.is_empty() {
            op.status("setting parameters");
            self.modify(c, id, set).await.map_err(&wrap)?;
        }
        self.read_one(c, id, desired).await.map_err(wrap)
    }

    async fn delete(&self, op: &OpContext, id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        let what = self.kind.what();
        let policy = Policy::in_use(op.remaining().min(DELETE_TIMEOUT));
        let result = retry(
            policy,
            || async {
                // Checked first: AWS refuses to delete a group in use, but an emulator may not, and
                // the message can name who uses it.
                let users = self.users(c, id).await?;
                if !users.is_empty() {
                    op.status(format!("waiting for {} to stop using it", users.join(", ")));
                    return Err(ProviderError::new(
                        ProviderErrorKind::Conflict,
                        format!("{what} {id} is in use by {}", users.join(", ")),
                    ));
                }
                op.status("deleting");
                match self.delete_call(c, id).await {
                    Err(e) if e.is_not_found() => Ok(()),
                    other => other,
                }
            },
            provision_aws_core::retry::nothing,
        )
        .await;
        result.map_err(|e| {
            if e.kind == ProviderErrorKind::Timeout {
                ProviderError {
                    message: format!(
                        "{}; a parameter group cannot be deleted while an instance or cluster uses it: point them at another group first, or replace the group with `name_prefix` and `lifecycle {{ create_before_destroy = true }}`",
                        e.message
                    ),
                    ..e
                }
            } else {
                about(what, id)(e)
            }
        })
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let c = self.ctx.clients().await?;
        let Some(name) = &query.natural_key else { return Ok(vec![]) };
        let Some(g) = self.lookup(c, name).await? else { return Ok(vec![]) };
        let tags = match &g.arn {
            Some(arn) => list_tags(c, arn).await?,
            None => vec![],
        };
        let owner = query.identity.owner_of(crate::common::pairs(&tags));
        let params = self.user_parameters(c, name).await?;
        Ok(vec![Found { attrs: Self::attrs(&g, &params, &tags, &query.desired), owner }])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(params: &[(&str, &str, &str)]) -> Attrs {
        let mut a = Attrs::new();
        a.insert("parameter".into(), Value::set(params.iter().map(|(n, v, m)| block(n, v, m)).collect()));
        a
    }

    #[test]
    fn only_changed_parameters_are_sent_and_removed_ones_reset() {
        let prior = attrs(&[("a", "1", "immediate"), ("b", "2", "immediate"), ("c", "3", "pending-reboot")]);
        let desired = attrs(&[("a", "1", "immediate"), ("b", "9", "immediate"), ("d", "4", "immediate")]);
        let (set, reset) = parameter_delta(&prior, &desired);
        let names =
            |ps: &[Parameter]| ps.iter().filter_map(|p| p.parameter_name()).map(str::to_string).collect::<Vec<_>>();
        assert_eq!(names(&set), ["b", "d"]);
        assert_eq!(names(&reset), ["c"]);
        assert_eq!(reset[0].apply_method(), Some(&ApplyMethod::PendingReboot));
    }

    #[test]
    fn only_managed_parameters_are_read() {
        let g = Group { name: "pg".into(), family: Some("postgres16".into()), description: None, arn: None };
        let read = [
            Parameter::builder().parameter_name("log_min_duration_statement").parameter_value("500").build(),
            Parameter::builder().parameter_name("work_mem").parameter_value("64").build(),
        ];
        let prior = attrs(&[("log_min_duration_statement", "250", "immediate")]);
        let a = ParameterGroup::attrs(&g, &read, &[], &prior);
        assert_eq!(
            a.get("parameter"),
            Some(&Value::set(vec![block("log_min_duration_statement", "500", "immediate")])),
            "the changed value shows as drift, the unmanaged parameter does not"
        );
    }

    #[test]
    fn a_parameter_written_twice_is_refused() {
        let a = attrs(&[("a", "1", "immediate"), ("A", "2", "immediate")]);
        assert!(check(&a).expect_err("twice").contains("set twice"));
    }
}
