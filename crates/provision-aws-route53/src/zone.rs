//! `aws_route53_zone`: a public hosted zone, or a private one for the VPCs of its `vpc` blocks.
//! It belongs to the base layer (its name servers are delegated to by hand). Route53 cannot tag a
//! zone in its create call, but the create call takes a caller reference: provision derives it
//! from the pending create, so a zone made by an interrupted run is found again by it (the
//! identity tags follow in a second call). With `force_destroy`, its records are deleted first.

use crate::common::{dns_name, wait_insync, zone_id};
use crate::context::{Clients, Context};
use crate::error::sdk;
use async_trait::async_trait;
use aws_sdk_route53::types::{
    Change, ChangeAction, ChangeBatch, DelegationSet, HostedZone, HostedZoneConfig, ResourceRecordSet, RrType, Tag,
    TagResourceType, Vpc, VpcRegion,
};
use provision_aws_core::tags;
use provision_core::{
    AttributeSchema, Attrs, BlockSchema, DeleteNote, FindQuery, Found, IdentityStrategy, Nesting, OpContext,
    ProviderError, ProviderErrorKind, ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// Terraform's default comment.
const DEFAULT_COMMENT: &str = "Managed by Terraform";

pub(crate) struct Zone {
    ctx: Arc<Context>,
    schema: Schema,
}

fn normalize_name(v: &Value) -> Value {
    v.as_str().map_or_else(|| v.clone(), |s| Value::String(dns_name(s)))
}

/// The caller reference of a zone's create call, the same for a retried create.
fn caller_reference(ctx: &OpContext) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{}|{}|{}", ctx.identity.stack, ctx.identity.address, ctx.token));
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("provision-{hex}")
}

impl Zone {
    pub fn new(ctx: Arc<Context>) -> Self {
        let vpc = Schema::new("A VPC of a private zone.")
            .attr(AttributeSchema::required("vpc_id", Type::String).describe("The VPC."))
            .attr(
                AttributeSchema::optional("vpc_region", Type::String).describe("Its region (default: the provider's)."),
            );
        let schema = Schema::new("A Route53 hosted zone.")
            .with_id()
            .attr(AttributeSchema::computed("zone_id", Type::String).describe("The zone's ID (also its `id`), e.g. `Z1D633PJN98FT9`."))
            .attr(AttributeSchema::computed("arn", Type::String).describe("The zone's ARN."))
            .attr(
                AttributeSchema::required("name", Type::String)
                    .force_new()
                    .normalize(normalize_name)
                    .describe("The domain, e.g. `example.com` (a final dot and upper case are ignored)."),
            )
            .attr(
                AttributeSchema::optional("comment", Type::String)
                    .default(DEFAULT_COMMENT)
                    .describe("A comment. Changed in place (`UpdateHostedZoneComment`)."),
            )
            .attr(
                AttributeSchema::optional("force_destroy", Type::Bool)
                    .default(false)
                    .at_destroy()
                    .describe("Delete every record of the zone (except its own SOA and NS) when the zone is deleted. Not reported by AWS; changing it calls nothing, and at destroy the configuration's value counts, not the recorded one."),
            )
            .attr(AttributeSchema::computed("name_servers", Type::list(Type::String)).describe("The name servers to delegate the domain to (public zones)."))
            .attr(AttributeSchema::computed("primary_name_server", Type::String).describe("The first of `name_servers`."))
            .block(
                BlockSchema::new("vpc", Nesting::Set, vpc, "For a private zone: the VPCs that see it. A zone cannot change between public and private, and provision replaces it when its VPCs change.")
                    .force_new(),
            )
            .with_tags();
        Zone { ctx, schema }
    }

    async fn tags_of(c: &Clients, ids: &[String]) -> Result<BTreeMap<String, Vec<Tag>>, ProviderError> {
        let mut out = BTreeMap::new();
        for chunk in ids.chunks(10) {
            let r = c
                .r53
                .list_tags_for_resources()
                .resource_type(TagResourceType::Hostedzone)
                .set_resource_ids(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(|e| sdk("ListTagsForResources", e))?;
            for s in r.resource_tag_sets() {
                if let Some(id) = s.resource_id() {
                    out.insert(zone_id(id), s.tags().to_vec());
                }
            }
        }
        Ok(out)
    }

    async fn read(c: &Clients, id: &str, t: &[Tag], prior: &Attrs) -> Result<Option<Attrs>, ProviderError> {
        let r = match c.r53.get_hosted_zone().id(id).send().await {
            Ok(r) => r,
            Err(e) => {
                let e = sdk("GetHostedZone", e);
                return if e.is_not_found() { Ok(None) } else { Err(e) };
            }
        };
        let Some(z) = r.hosted_zone() else { return Ok(None) };
        Ok(Some(Self::attrs(c, z, r.delegation_set(), r.vpcs(), t, prior)))
    }

    /// The zone's attributes from what GetHostedZone (or CreateHostedZone) answers and its tags.
    fn attrs(
        c: &Clients,
        z: &HostedZone,
        delegation: Option<&DelegationSet>,
        zone_vpcs: &[Vpc],
        t: &[Tag],
        prior: &Attrs,
    ) -> Attrs {
        let id = zone_id(z.id());
        let servers: Vec<Value> =
            delegation.map(|d| d.name_servers().iter().map(|n| Value::String(n.clone())).collect()).unwrap_or_default();
        let prior_vpcs: Vec<&BTreeMap<String, Value>> =
            prior.get("vpc").and_then(Value::as_seq).unwrap_or_default().iter().filter_map(Value::as_map).collect();
        let vpcs = zone_vpcs
            .iter()
            .map(|v| {
                let vpc_id = v.vpc_id().unwrap_or_default();
                let region = v.vpc_region().map(|r| Value::String(r.as_str().into())).unwrap_or(Value::Null);
                // A region left unset in the configuration reads as unset.
                let region = match prior_vpcs.iter().find(|p| p.get("vpc_id").and_then(Value::as_str) == Some(vpc_id)) {
                    Some(p) if p.get("vpc_region").is_none_or(Value::is_null) => Value::Null,
                    _ => region,
                };
                Value::Map(
                    [("vpc_id".to_string(), Value::String(vpc_id.into())), ("vpc_region".to_string(), region)].into(),
                )
            })
            .collect();
        let mut a = Attrs::new();
        a.insert("id".into(), Value::String(id.clone()));
        a.insert("zone_id".into(), Value::String(id.clone()));
        a.insert("arn".into(), Value::String(format!("arn:{}:route53:::hostedzone/{id}", c.partition)));
        a.insert("name".into(), Value::String(dns_name(z.name())));
        a.insert("comment".into(), Value::String(z.config().and_then(|c| c.comment()).unwrap_or_default().to_string()));
        a.insert(
            "force_destroy".into(),
            Value::Bool(prior.get("force_destroy").and_then(Value::as_bool).unwrap_or(false)),
        );
        a.insert("primary_name_server".into(), servers.first().cloned().unwrap_or(Value::Null));
        a.insert("name_servers".into(), Value::List(servers));
        a.insert("vpc".into(), Value::set(vpcs));
        a.insert(
            "tags_all".into(),
            tags::user_tags(t.iter().filter_map(|t| Some((t.key()?, t.value().unwrap_or_default())))),
        );
        a
    }

    async fn sync_tags(
        c: &Clients,
        id: &str,
        add: Vec<(String, String)>,
        remove: Vec<String>,
    ) -> Result<(), ProviderError> {
        if add.is_empty() && remove.is_empty() {
            return Ok(());
        }
        c.r53
            .change_tags_for_resource()
            .resource_type(TagResourceType::Hostedzone)
            .resource_id(id)
            .set_add_tags(
                (!add.is_empty())
                    .then(|| add.into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()),
            )
            .set_remove_tag_keys((!remove.is_empty()).then_some(remove))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| sdk("ChangeTagsForResource", e))
    }

    async fn read_one(c: &Clients, id: &str, prior: &Attrs) -> Result<Attrs, ProviderError> {
        let t = Self::tags_of(c, &[id.to_string()]).await?.remove(id).unwrap_or_default();
        Self::read(c, id, &t, prior)
            .await?
            .ok_or_else(|| ProviderError::new(ProviderErrorKind::NotFound, format!("hosted zone {id} not found")))
    }

    /// Every record set of the zone, one call per 300 (Route53's page size).
    async fn records(c: &Clients, id: &str) -> Result<Vec<ResourceRecordSet>, ProviderError> {
        let mut records: Vec<ResourceRecordSet> = vec![];
        let mut start: Option<(String, RrType, Option<String>)> = None;
        loop {
            let mut req = c.r53.list_resource_record_sets().hosted_zone_id(id);
            if let Some((n, t, i)) = start.take() {
                req = req.start_record_name(n).start_record_type(t).set_start_record_identifier(i);
            }
            let r = req.send().await.map_err(|e| sdk("ListResourceRecordSets", e))?;
            records.extend(r.resource_record_sets().iter().cloned());
            match (r.is_truncated(), r.next_record_name(), r.next_record_type()) {
                (true, Some(n), Some(t)) => {
                    start = Some((n.to_string(), t.clone(), r.next_record_identifier().map(str::to_string)))
                }
                _ => return Ok(records),
            }
        }
    }

    /// The zone's own SOA and NS records, which go with the zone.
    fn own_record(r: &ResourceRecordSet, apex: &str) -> bool {
        dns_name(r.name()) == apex && matches!(r.r#type(), RrType::Soa | RrType::Ns)
    }

    /// Deletes every record but the zone's own SOA and NS, 100 changes per call.
    async fn empty(c: &Clients, ctx: &OpContext, id: &str, apex: &str) -> Result<(), ProviderError> {
        let records = Self::records(c, id).await?;
        let doomed: Vec<ResourceRecordSet> = records.into_iter().filter(|r| !Self::own_record(r, apex)).collect();
        for chunk in doomed.chunks(100) {
            ctx.status(format!("force_destroy: deleting {} records", chunk.len()));
            let changes = chunk
                .iter()
                .map(|r| Change::builder().action(ChangeAction::Delete).resource_record_set(r.clone()).build())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| ProviderError::new(ProviderErrorKind::Other, format!("hosted zone {id}: {e}")))?;
            let batch = ChangeBatch::builder()
                .set_changes(Some(changes))
                .build()
                .map_err(|e| ProviderError::new(ProviderErrorKind::Other, format!("hosted zone {id}: {e}")))?;
            let r = c
                .r53
                .change_resource_record_sets()
                .hosted_zone_id(id)
                .change_batch(batch)
                .send()
                .await
                .map_err(|e| sdk("ChangeResourceRecordSets", e))?;
            if let Some(info) = r.change_info() {
                wait_insync(c, ctx, info.id()).await?;
            }
        }
        Ok(())
    }
}

#[async_trait]
impl ResourceType for Zone {
    fn name(&self) -> &'static str {
        "aws_route53_zone"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn identity(&self) -> IdentityStrategy {
        IdentityStrategy::Name
    }

    /// The caller reference of the create call (see the module documentation).
    fn natural_key(&self, ctx: &OpContext, _desired: &Attrs) -> Option<String> {
        Some(caller_reference(ctx))
    }

    /// One `GetHostedZone` per zone (name servers and VPCs are only there) and one
    /// `ListTagsForResources` per 10 zones.
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
        let ids: Vec<String> = objects.iter().map(|(id, _)| id.clone()).collect();
        let tags = match Self::tags_of(c, &ids).await {
            Ok(t) => t,
            // One zone gone fails the whole call: then one at a time.
            Err(e) if e.is_not_found() => {
                let mut t = BTreeMap::new();
                for id in &ids {
                    match Self::tags_of(c, std::slice::from_ref(id)).await {
                        Ok(one) => t.extend(one),
                        Err(e) if e.is_not_found() => {}
                        Err(e) => return Err(e),
                    }
                }
                t
            }
            Err(e) => return Err(e),
        };
        for (id, prior) in objects {
            let t = tags.get(id).map_or(&[][..], Vec::as_slice);
            if let Some(a) = Self::read(c, id, t, prior).await? {
                out.insert(id.clone(), a);
            }
        }
        Ok(out)
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let name = desired.get("name").and_then(Value::as_str).unwrap_or_default();
        let vpcs: Vec<Vpc> = desired
            .get("vpc")
            .and_then(Value::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(Value::as_map)
            .map(|m| {
                Vpc::builder()
                    .set_vpc_id(m.get("vpc_id").and_then(Value::as_str).map(str::to_string))
                    .set_vpc_region(m.get("vpc_region").and_then(Value::as_str).map(VpcRegion::from))
                    .build()
            })
            .collect();
        let comment = desired.get("comment").and_then(Value::as_str).unwrap_or(DEFAULT_COMMENT);
        let mut vpcs = vpcs.into_iter();
        let first = vpcs.next();
        let private = first.is_some();
        let region = self.ctx.context().sdk().await?.region.clone();
        let first = first.map(|v| {
            if v.vpc_region().is_none() {
                Vpc::builder()
                    .set_vpc_id(v.vpc_id().map(str::to_string))
                    .vpc_region(VpcRegion::from(region.as_str()))
                    .build()
            } else {
                v
            }
        });
        let out = c
            .r53
            .create_hosted_zone()
            .name(name)
            .caller_reference(caller_reference(ctx))
            .hosted_zone_config(HostedZoneConfig::builder().comment(comment).private_zone(first.is_some()).build())
            .set_vpc(first)
            .send()
            .await
            .map_err(|e| sdk("CreateHostedZone", e))
            .map_err(|e| ProviderError { message: format!("hosted zone {name}: {}", e.message), ..e })?;
        let id = out
            .hosted_zone()
            .map(|z| zone_id(z.id()))
            .ok_or_else(|| ProviderError::new(ProviderErrorKind::Other, "CreateHostedZone returned no zone"))?;
        ctx.status("tagging");
        let given = tags::create_tags(&ctx.identity, desired.get("tags_all"));
        let tag_list: Vec<Tag> = given.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
        Self::sync_tags(c, &id, given, vec![]).await?;
        for v in vpcs {
            let v = if v.vpc_region().is_none() {
                Vpc::builder()
                    .set_vpc_id(v.vpc_id().map(str::to_string))
                    .vpc_region(VpcRegion::from(region.as_str()))
                    .build()
            } else {
                v
            };
            c.r53
                .associate_vpc_with_hosted_zone()
                .hosted_zone_id(&id)
                .vpc(v)
                .send()
                .await
                .map_err(|e| sdk("AssociateVPCWithHostedZone", e))?;
        }
        if let Some(info) = out.change_info() {
            ctx.status("waiting for the change to be INSYNC");
            wait_insync(c, ctx, info.id()).await?;
        }
        // The tags are the ones just given: not listed again. A public zone is as the create's
        // response says (with its name servers); a private one is read once for the VPCs it
        // is associated with.
        match out.hosted_zone() {
            Some(z) if !private => Ok(Self::attrs(c, z, out.delegation_set(), &[], &tag_list, desired)),
            _ => Self::read(c, &id, &tag_list, desired)
                .await?
                .ok_or_else(|| ProviderError::new(ProviderErrorKind::NotFound, format!("hosted zone {id} not found"))),
        }
    }

    async fn update(&self, _ctx: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let d = tags::delta(prior.get("tags_all"), desired.get("tags_all"));
        let comment = |a: &Attrs| a.get("comment").and_then(Value::as_str).map(str::to_string);
        if d.is_empty() && comment(desired) == comment(prior) {
            // Only `force_destroy` changed: nothing to tell AWS.
            let mut a = prior.clone();
            a.insert("force_destroy".into(), desired.get("force_destroy").cloned().unwrap_or(Value::Bool(false)));
            return Ok(a);
        }
        let c = self.ctx.clients().await?;
        Self::sync_tags(c, id, d.changed, d.removed).await?;
        if comment(desired) != comment(prior) {
            c.r53
                .update_hosted_zone_comment()
                .id(id)
                .comment(comment(desired).unwrap_or_default())
                .send()
                .await
                .map_err(|e| sdk("UpdateHostedZoneComment", e))?;
        }
        Self::read_one(c, id, desired).await
    }

    async fn delete(&self, ctx: &OpContext, id: &str, prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        let name = prior.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
        if prior.get("force_destroy").and_then(Value::as_bool) == Some(true) {
            match Self::empty(c, ctx, id, &name).await {
                Err(e) if e.is_not_found() => return Ok(()),
                r => r?,
            }
        }
        match c.r53.delete_hosted_zone().id(id).send().await {
            Ok(r) => {
                if let Some(info) = r.change_info() {
                    // Best effort: the zone is gone either way.
                    let _ = tokio::time::timeout(Duration::from_secs(60), wait_insync(c, ctx, info.id())).await;
                }
                Ok(())
            }
            Err(e) => {
                let e = sdk("DeleteHostedZone", e);
                if e.is_not_found() {
                    return Ok(());
                }
                let hint = if e.code.as_deref() == Some("HostedZoneNotEmpty") {
                    "; it still holds records other than its SOA and NS: delete them, or set force_destroy = true"
                } else {
                    ""
                };
                Err(ProviderError { message: format!("hosted zone {id} ({name}): {}{hint}", e.message), ..e })
            }
        }
    }

    /// A zone that still holds records is refused by AWS (`HostedZoneNotEmpty`), after everything
    /// torn down before it: say so at plan time instead. Records the same plan deletes, and the
    /// zone's own SOA and NS, do not count; with `force_destroy` nothing is checked.
    async fn check_delete(&self, ctx: &ReadContext, id: &str, attrs: &Attrs) -> Result<Vec<DeleteNote>, ProviderError> {
        if attrs.get("force_destroy").and_then(Value::as_bool) == Some(true) {
            return Ok(vec![]);
        }
        let c = self.ctx.clients().await?;
        let records = match Self::records(c, id).await {
            Ok(r) => r,
            Err(e) if e.is_not_found() => return Ok(vec![]),
            Err(e) => return Err(e),
        };
        let apex = attrs.get("name").and_then(Value::as_str).map(dns_name).unwrap_or_default();
        let others: Vec<String> = records
            .iter()
            .filter(|r| !Self::own_record(r, &apex))
            .filter(|r| !ctx.deletes("aws_route53_record", &crate::record::record_id(id, r)))
            .map(|r| format!("{} {}", dns_name(r.name()), r.r#type().as_str()))
            .collect();
        let Some(first) = others.first() else { return Ok(vec![]) };
        let more = match others.len() {
            1 => String::new(),
            n => format!(" and {} more", n - 1),
        };
        Ok(vec![DeleteNote::refuse(format!(
            "hosted zone {id} ({apex}) holds records this plan does not delete ({first}{more}): AWS refuses to delete a zone that is not empty. Delete them, or set force_destroy = true (applied first, then destroy) to delete them with the zone"
        ))])
    }

    /// The zone created with the pending create's caller reference (`query.natural_key`). The
    /// reference is derived from this stack, the address and the create's token, so the zone is
    /// ours even when the run stopped before tagging it.
    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let Some(reference) = &query.natural_key else { return Ok(vec![]) };
        let c = self.ctx.clients().await?;
        let mut marker: Option<String> = None;
        let mut ids = vec![];
        loop {
            let r = c
                .r53
                .list_hosted_zones()
                .set_marker(marker.clone())
                .send()
                .await
                .map_err(|e| sdk("ListHostedZones", e))?;
            ids.extend(r.hosted_zones().iter().filter(|z| z.caller_reference() == reference).map(|z| zone_id(z.id())));
            marker = r.next_marker().filter(|m| r.is_truncated() && !m.is_empty()).map(str::to_string);
            if marker.is_none() {
                break;
            }
        }
        let mut found = vec![];
        for id in ids {
            if let Ok(a) = Self::read_one(c, &id, &query.desired).await {
                found.push(Found::ours(a));
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use provision_core::Identity;

    #[test]
    fn caller_references_are_stable_per_pending_create() {
        let ctx = |t: &str| {
            OpContext::new(
                Identity { stack: "s".into(), address: "aws_route53_zone.main".parse().expect("address") },
                t,
                Duration::from_secs(1),
            )
        };
        assert_eq!(caller_reference(&ctx("a")), caller_reference(&ctx("a")));
        assert_ne!(caller_reference(&ctx("a")), caller_reference(&ctx("b")));
        assert!(caller_reference(&ctx("a")).len() <= 128);
        assert_eq!(normalize_name(&"Example.COM.".into()), Value::from("example.com"));
    }
}
