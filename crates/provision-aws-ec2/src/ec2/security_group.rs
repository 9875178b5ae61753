//! `aws_security_group`: a VPC security group with optional inline `ingress`/`egress` rules.
//! Rule changes are applied as authorize/revoke deltas; the group is replaced only when its
//! name, description or VPC changes. Deletion waits out lingering network interfaces.

use super::object::Ec2Object;
use super::sg_rules::{self, Atom, Direction};
use super::{client_token, filter, get_bool, get_str, get_string, s, sync_tags, tag_spec, user_tags};
use crate::context::{Clients, Context};
use crate::error::sdk;
use crate::retry::{Policy, gone_is_ok, retry};
use crate::validate;
use async_trait::async_trait;
use aws_sdk_ec2::types::{Filter, IpPermission, IpRange, ResourceType as Ec2Type, SecurityGroup as Sg, Tag};
use provision_core::{
    AttributeSchema, Attrs, FindQuery, Found, OpContext, ProviderError, ProviderErrorKind, ReadContext, ResourceType,
    Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// Terraform's default: 15 minutes for network interfaces of deleted load balancers, tasks and
/// functions to go away.
const DELETE_TIMEOUT: Duration = Duration::from_secs(900);

const DEFAULT_DESCRIPTION: &str = "Managed by provision";

/// The description Terraform gives a group whose configuration sets none.
const TERRAFORM_DEFAULT_DESCRIPTION: &str = "Managed by Terraform";

/// Both tools' default descriptions are one value: a group Terraform made without a
/// `description` (and then migrated, or imported) is not replaced for carrying Terraform's.
fn default_description(v: &Value) -> Value {
    match v.as_str() {
        Some(TERRAFORM_DEFAULT_DESCRIPTION) => Value::from(DEFAULT_DESCRIPTION),
        _ => v.clone(),
    }
}

pub(crate) struct SecurityGroup {
    ctx: Arc<Context>,
    schema: Schema,
}

fn check_all_protocol_ports(blocks: Option<&Value>) -> Result<(), ProviderError> {
    for item in blocks.and_then(Value::as_seq).unwrap_or_default() {
        let Some(m) = item.as_map() else { continue };
        let all = m.get("protocol").and_then(Value::as_str).map(sg_rules::canonical_protocol).as_deref() == Some("-1");
        let port = |k: &str| m.get(k).and_then(Value::as_number).unwrap_or(0.0);
        if all && (port("from_port") != 0.0 || port("to_port") != 0.0) {
            return Err(ProviderError::new(
                ProviderErrorKind::Invalid,
                "a rule with protocol \"-1\" (all) covers every port: write from_port = 0 and to_port = 0",
            ));
        }
    }
    Ok(())
}

impl SecurityGroup {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("A VPC security group.")
            .with_id()
            .attr(AttributeSchema::computed("arn", Type::String).describe("The group's ARN, `arn:<partition>:ec2:<region>:<owner>:security-group/<id>`."))
            .attr(AttributeSchema::computed("owner_id", Type::String).describe("The AWS account that owns the group."))
            .attr(
                AttributeSchema::optional_computed("name", Type::String)
                    .force_new()
                    .describe("The group name, unique in the VPC. When unset, a unique name is generated: `name_prefix` (or `provision-`) followed by 20 hex characters derived from the stack, the address and the pending create, so a retried create generates the same name."),
            )
            .attr(
                AttributeSchema::optional("name_prefix", Type::String)
                    .force_new()
                    .describe("A prefix for the generated name. Setting both `name` and `name_prefix` is an error at plan time. Not reported by AWS: kept as configured."),
            )
            .attr(
                AttributeSchema::optional("description", Type::String)
                    .default(DEFAULT_DESCRIPTION)
                    .force_new()
                    .normalize(default_description)
                    .describe("The group description. AWS cannot change a group's description in place. Terraform's default, \"Managed by Terraform\", counts as this default: a group Terraform made is not replaced for it."),
            )
            .attr(
                AttributeSchema::optional_computed("vpc_id", Type::String)
                    .force_new()
                    .describe("The VPC. When unset, AWS uses the region's default VPC and provision keeps what it reports."),
            )
            .attr(
                AttributeSchema::optional("revoke_rules_on_delete", Type::Bool)
                    .default(false)
                    .describe("Revoke every rule of the group before deleting it, to break cycles between groups that refer to each other. Not reported by AWS: kept as configured."),
            )
            .block(sg_rules::block(
                "ingress",
                "Inbound rules, changed in place as a delta. Without any `ingress` block the group's inbound rules are not managed here (use rule resources).",
            ))
            .block(sg_rules::block(
                "egress",
                "Outbound rules, changed in place as a delta. Without any `egress` block the outbound rules are not managed here. The allow-all rule AWS adds to a new group is removed, as Terraform does.",
            ))
            .check(validate::object::security_group)
            .multi_step_create()
            .timeouts(Duration::from_secs(600), Duration::from_secs(600), DELETE_TIMEOUT)
            .with_tags();
        SecurityGroup { ctx, schema }
    }
}

impl Ec2Object for SecurityGroup {
    type Item = Sg;
    const WHAT: &'static str = "security group";
    const ID_FILTER: &'static str = "group-id";

    fn context(&self) -> &Context {
        &self.ctx
    }

    async fn describe(c: &Clients, filters: Vec<Filter>) -> Result<Vec<Sg>, ProviderError> {
        describe_all!(c.ec2.describe_security_groups(), filters, security_groups, "DescribeSecurityGroups")
    }

    fn id_of(g: &Sg) -> Option<&str> {
        g.group_id()
    }

    fn tags_of(g: &Sg) -> &[Tag] {
        g.tags()
    }

    /// The group's attributes; `prior` supplies what AWS does not report (`name_prefix`,
    /// `revoke_rules_on_delete`).
    fn attrs(c: &Clients, g: &Sg, prior: &Attrs) -> Attrs {
        let id = g.group_id().unwrap_or_default();
        let owner = g.owner_id().unwrap_or_default();
        let mut a = Attrs::new();
        a.insert("id".into(), Value::String(id.into()));
        a.insert(
            "arn".into(),
            Value::String(format!("arn:{}:ec2:{}:{owner}:security-group/{id}", c.partition, c.region)),
        );
        a.insert("owner_id".into(), s(g.owner_id()));
        a.insert("name".into(), s(g.group_name()));
        a.insert("name_prefix".into(), prior.get("name_prefix").cloned().unwrap_or(Value::Null));
        a.insert("description".into(), s(g.description()));
        a.insert("vpc_id".into(), s(g.vpc_id()));
        a.insert(
            "revoke_rules_on_delete".into(),
            Value::Bool(get_bool(prior, "revoke_rules_on_delete").unwrap_or(false)),
        );
        a.insert("ingress".into(), sg_rules::blocks_of_atoms(&sg_rules::atoms_of_permissions(g.ip_permissions()), id));
        a.insert(
            "egress".into(),
            sg_rules::blocks_of_atoms(&sg_rules::atoms_of_permissions(g.ip_permissions_egress()), id),
        );
        a.insert("tags_all".into(), user_tags(g.tags()));
        a
    }
}

impl SecurityGroup {
    /// Brings the managed directions from what exists to `desired`.
    async fn sync_rules(
        c: &Clients,
        id: &str,
        ingress: &[Atom],
        egress: &[Atom],
        desired: &Attrs,
    ) -> Result<(), ProviderError> {
        for (name, dir, have) in [("ingress", Direction::Ingress, ingress), ("egress", Direction::Egress, egress)] {
            let Some(blocks) = desired.get(name).filter(|v| !v.is_null()) else { continue };
            let want = sg_rules::atoms_of_blocks(blocks, id);
            check_all_protocol_ports(Some(blocks))?;
            sg_rules::sync(c, id, dir, have, &want).await?;
        }
        Ok(())
    }

    /// The calls after `CreateSecurityGroup`: AWS adds an allow-all outbound rule to every new
    /// group; like Terraform, provision starts from none, and the configuration's egress blocks
    /// (if any) say what is allowed; then the configured rules. Safe to repeat: it works from what
    /// the group has now, so recovery uses it to finish a create that stopped between calls.
    async fn settle(c: &Clients, id: &str, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let g = Self::current(c, id).await?;
        let egress_now = sg_rules::atoms_of_permissions(g.ip_permissions_egress());
        let managed_egress = desired.get("egress").is_some_and(|v| !v.is_null());
        if !managed_egress {
            sg_rules::apply(c, id, Direction::Egress, false, &egress_now).await?;
        }
        let ingress = sg_rules::atoms_of_permissions(g.ip_permissions());
        let egress_left: &[Atom] = if managed_egress { &egress_now } else { &[] };
        Self::sync_rules(c, id, &ingress, egress_left, desired).await?;
        Ok(Self::attrs(c, &Self::current(c, id).await?, desired))
    }

    /// What keeps a group from being deleted: network interfaces using it, groups referring to it.
    async fn blockers(c: &Clients, id: &str) -> Option<String> {
        let mut found = vec![];
        if let Ok(out) = c.ec2.describe_network_interfaces().filters(filter("group-id", [id])).send().await {
            for n in out.network_interfaces() {
                found.push(format!(
                    "network interface {} ({})",
                    n.network_interface_id().unwrap_or("?"),
                    n.description().unwrap_or("no description")
                ));
            }
        }
        for f in ["ip-permission.group-id", "egress.ip-permission.group-id"] {
            if let Ok(groups) = Self::describe(c, vec![filter(f, [id])]).await {
                for g in groups.iter().filter(|g| g.group_id() != Some(id)) {
                    found.push(format!(
                        "a rule of security group {} ({}); set revoke_rules_on_delete on one of them to break the cycle",
                        g.group_id().unwrap_or("?"),
                        g.group_name().unwrap_or("?")
                    ));
                }
            }
        }
        found.sort();
        found.dedup();
        (!found.is_empty()).then(|| found.join(", "))
    }
}

#[async_trait]
impl ResourceType for SecurityGroup {
    fn name(&self) -> &'static str {
        "aws_security_group"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read_many(
        &self,
        ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        self.read_batched(ctx, objects).await
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let name = match (get_string(desired, "name"), get_string(desired, "name_prefix")) {
            (Some(_), Some(_)) => {
                return Err(ProviderError::new(ProviderErrorKind::Invalid, "set `name` or `name_prefix`, not both"));
            }
            (Some(n), None) => n,
            (None, prefix) => format!("{}{}", prefix.unwrap_or_else(|| "provision-".into()), &client_token(ctx)[..20]),
        };
        for dir in ["ingress", "egress"] {
            check_all_protocol_ports(desired.get(dir))?;
        }
        let out = c
            .ec2
            .create_security_group()
            .group_name(&name)
            .description(get_str(desired, "description").unwrap_or(DEFAULT_DESCRIPTION))
            .set_vpc_id(get_string(desired, "vpc_id"))
            .tag_specifications(tag_spec(Ec2Type::SecurityGroup, &ctx.identity, desired.get("tags_all")))
            .send()
            .await
            .map_err(|e| sdk("CreateSecurityGroup", e))?;
        let id = out
            .group_id()
            .ok_or_else(|| ProviderError::new(ProviderErrorKind::Other, "CreateSecurityGroup returned no id"))?
            .to_string();
        ctx.status("revoking the default egress rule");
        // A new group has exactly AWS's allow-all egress rule and nothing else, so the rules are
        // set from that knowledge, and the result is built from what was asked and what the
        // create answered: no read back. Three calls at most (create, revoke, authorize) for a
        // group with ingress rules and no egress blocks, two when its egress is the default.
        let default_egress = sg_rules::atoms_of_permissions(&[IpPermission::builder()
            .ip_protocol("-1")
            .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
            .build()]);
        let egress = match desired.get("egress").filter(|v| !v.is_null()) {
            Some(blocks) => sg_rules::atoms_of_blocks(blocks, &id),
            None => vec![],
        };
        let ingress = match desired.get("ingress").filter(|v| !v.is_null()) {
            Some(blocks) => sg_rules::atoms_of_blocks(blocks, &id),
            None => vec![],
        };
        sg_rules::sync(c, &id, Direction::Egress, &default_egress, &egress).await?;
        sg_rules::sync(c, &id, Direction::Ingress, &[], &ingress).await?;
        let owner = out.security_group_arn().and_then(|arn| arn.split(':').nth(4)).filter(|o| !o.is_empty());
        match (owner, get_string(desired, "vpc_id")) {
            (Some(owner), Some(vpc_id)) => {
                // The group as a describe would show it, read through the same `attrs`.
                let permissions = |atoms: &[Atom]| Some(atoms.iter().map(sg_rules::permission).collect());
                let tags = tag_spec(Ec2Type::SecurityGroup, &ctx.identity, desired.get("tags_all"));
                let made = Sg::builder()
                    .group_id(&id)
                    .owner_id(owner)
                    .group_name(name)
                    .description(get_str(desired, "description").unwrap_or(DEFAULT_DESCRIPTION))
                    .vpc_id(vpc_id)
                    .set_ip_permissions(permissions(&ingress))
                    .set_ip_permissions_egress(permissions(&egress))
                    .set_tags(Some(tags.tags().to_vec()))
                    .build();
                Ok(Self::attrs(c, &made, desired))
            }
            // No VPC given (the default VPC's) or no ARN in the answer: read what AWS chose.
            _ => Ok(Self::attrs(c, &Self::current(c, &id).await?, desired)),
        }
    }

    async fn finish_create(&self, ctx: &OpContext, id: &str, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        ctx.status("finishing an interrupted create");
        Self::settle(c, id, desired).await
    }

    async fn update(&self, _op: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        sync_tags(&c.ec2, id, prior.get("tags_all"), desired.get("tags_all")).await?;
        let g = Self::current(c, id).await?;
        let (ingress, egress) = (
            sg_rules::atoms_of_permissions(g.ip_permissions()),
            sg_rules::atoms_of_permissions(g.ip_permissions_egress()),
        );
        Self::sync_rules(c, id, &ingress, &egress, desired).await?;
        Ok(Self::attrs(c, &Self::current(c, id).await?, desired))
    }

    async fn delete(&self, _op: &OpContext, id: &str, prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        if get_bool(prior, "revoke_rules_on_delete") == Some(true) {
            // No retry here: a group already gone is simply deleted.
            match Self::describe(c, vec![filter("group-id", [id])]).await?.into_iter().next().ok_or_else(|| {
                ProviderError::new(ProviderErrorKind::NotFound, format!("security group {id} not found"))
            }) {
                Ok(g) => {
                    let ingress = sg_rules::atoms_of_permissions(g.ip_permissions());
                    let egress = sg_rules::atoms_of_permissions(g.ip_permissions_egress());
                    sg_rules::apply(c, id, Direction::Ingress, false, &ingress).await?;
                    sg_rules::apply(c, id, Direction::Egress, false, &egress).await?;
                }
                Err(e) if e.is_not_found() => return Ok(()),
                Err(e) => return Err(e),
            }
        }
        gone_is_ok(
            retry(
                Policy::in_use(DELETE_TIMEOUT),
                || async {
                    c.ec2
                        .delete_security_group()
                        .group_id(id)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|e| sdk("DeleteSecurityGroup", e))
                },
                || Self::blockers(c, id),
            )
            .await,
        )
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        self.find_tagged(query).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terraforms_default_description_is_the_default() {
        assert_eq!(default_description(&Value::from("Managed by Terraform")), Value::from(DEFAULT_DESCRIPTION));
        assert_eq!(default_description(&Value::from("web tier")), Value::from("web tier"));
    }
}
