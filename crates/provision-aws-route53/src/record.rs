//! `aws_route53_record`: one record set of a hosted zone (A, AAAA, CNAME, TXT, MX, ...), with
//! values and a TTL, or an alias to a load balancer or distribution; weighted when it has a
//! `set_identifier`. Changed in place with an `UPSERT` (an alias to a re-created load balancer
//! follows it without a replacement).
//!
//! Records cannot be tagged, so an object is known by its natural key: its name, type and set
//! identifier in its zone (no two record sets of a zone share it). After a crash, the record with
//! that key is adopted only if it holds exactly what the create was given (identity `Content`):
//! one with other values is someone else's, and is left alone. `create` adopts an identical
//! existing record the same way; a different one is refused unless `allow_overwrite`.

use crate::common::{dns_name, wait_insync, zone_id};
use crate::context::{Clients, Context};
use crate::error::sdk;
use async_trait::async_trait;
use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType,
};
use provision_aws_core::terraform;
use provision_core::{
    AttributeSchema, Attrs, BlockSchema, FindQuery, Found, IdentityStrategy, Nesting, OpContext, Owner, ProviderError,
    ProviderErrorKind, ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// Terraform's defaults for records: 30 minutes.
const TIMEOUT: Duration = Duration::from_secs(30 * 60);

pub(crate) struct Record {
    ctx: Arc<Context>,
    schema: Schema,
}

const TYPES: &[&str] = &["A", "AAAA", "CAA", "CNAME", "DS", "MX", "NAPTR", "NS", "PTR", "SOA", "SPF", "SRV", "TXT"];

fn validate_type(v: &Value) -> Result<(), String> {
    match v.as_str() {
        Some(t) if !TYPES.contains(&t) => Err(format!("{t:?} is not one of {}", TYPES.join(", "))),
        _ => Ok(()),
    }
}

fn normalize_dns(v: &Value) -> Value {
    v.as_str().map_or_else(|| v.clone(), |s| Value::String(dns_name(s)))
}

fn check(a: &Attrs) -> Result<(), String> {
    let records = a.get("records").is_some_and(|v| !v.is_null());
    let alias = a.get("alias").and_then(Value::as_seq).is_some_and(|s| !s.is_empty());
    let ttl = a.get("ttl").is_some_and(|v| !v.is_null());
    match (records, alias) {
        (true, true) => Err("set `records` or an `alias` block, not both".into()),
        (false, false) => Err("set `records` (with `ttl`) or an `alias` block".into()),
        (true, false) if !ttl => Err("`ttl` is required with `records`".into()),
        (false, true) if ttl => Err("an alias record takes its TTL from its target: remove `ttl`".into()),
        _ => {
            let weighted = a.get("weighted_routing_policy").and_then(Value::as_seq).is_some_and(|s| !s.is_empty());
            let id = a.get("set_identifier").is_some_and(|v| !v.is_null());
            if weighted != id {
                Err("`set_identifier` and a `weighted_routing_policy` block go together".into())
            } else {
                Ok(())
            }
        }
    }
}

/// The record's name within its zone's name: `www` in `example.com` is `www.example.com`.
fn fqdn(name: &str, zone: &str) -> String {
    let (name, zone) = (dns_name(name), dns_name(zone));
    if name == zone || name.ends_with(&format!(".{zone}")) || zone.is_empty() { name } else { format!("{name}.{zone}") }
}

fn quoted(kind: &str, v: &str) -> String {
    if matches!(kind, "TXT" | "SPF") && !v.starts_with('"') { format!("\"{v}\"") } else { v.to_string() }
}

fn unquoted(kind: &str, v: &str) -> String {
    if matches!(kind, "TXT" | "SPF") && v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
        v[1..v.len() - 1].replace("\" \"", "")
    } else {
        v.to_string()
    }
}

impl Record {
    pub fn new(ctx: Arc<Context>) -> Self {
        let alias = Schema::new("An alias to an AWS endpoint.")
            .attr(
                AttributeSchema::required("name", Type::String)
                    .normalize(normalize_dns)
                    .describe("The target's DNS name (a load balancer's `dns_name`)."),
            )
            .attr(
                AttributeSchema::required("zone_id", Type::String)
                    .describe("The target's hosted zone (a load balancer's `zone_id`)."),
            )
            .attr(
                AttributeSchema::required("evaluate_target_health", Type::Bool)
                    .describe("Whether the target's health decides the answer."),
            );
        let weighted = Schema::new("Weighted routing.").attr(
            AttributeSchema::required("weight", Type::Number)
                .describe("This record's share, 0 to 255, among those with the same name and type."),
        );
        let schema = Schema::new("A record set of a Route53 hosted zone.")
            .with_id()
            .attr(AttributeSchema::required("zone_id", Type::String).force_new().describe("The hosted zone."))
            .attr(AttributeSchema::required("name", Type::String).force_new().normalize(normalize_dns).describe("The name, absolute (`www.example.com`) or relative to the zone (`www`). Compared without a trailing dot and case: `_a1.example.com.`, as ACM gives a validation record's name, and `_a1.example.com`, as Terraform records it, are one name."))
            .attr(AttributeSchema::required("type", Type::String).force_new().validate(validate_type).describe("`A`, `AAAA`, `CNAME`, `TXT`, `MX`, ..."))
            .attr(AttributeSchema::optional("ttl", Type::Number).describe("Seconds resolvers may cache the answer; required with `records`. Changed in place (`UPSERT`)."))
            .attr(AttributeSchema::optional("records", Type::set(Type::String)).describe("The values (TXT values without their quotes). Changed in place (`UPSERT`)."))
            .attr(AttributeSchema::optional("set_identifier", Type::String).force_new().describe("Tells apart the weighted records of one name and type."))
            .attr(AttributeSchema::optional("allow_overwrite", Type::Bool).default(false).describe("Create with `UPSERT`, overwriting a record of the same name and type that exists already (otherwise such a record, unless identical, fails the create)."))
            .attr(AttributeSchema::computed("fqdn", Type::String).describe("The record's absolute name."))
            .block(
                BlockSchema::new(
                    "alias",
                    Nesting::List,
                    alias,
                    "At most one: an alias instead of `records` and `ttl`. Changed in place (`UPSERT`). An alias to a runtime-layer load balancer keeps the record in its own layer: it points at nothing after `destroy --layer runtime` and follows the new load balancer at the next apply.",
                )
                .weak_reference(),
            )
            .block(BlockSchema::new("weighted_routing_policy", Nesting::List, weighted, "At most one: weighted routing, with `set_identifier`. Changed in place."))
            .check(check)
            .timeouts(TIMEOUT, TIMEOUT, TIMEOUT);
        Record { ctx, schema }
    }

    async fn zone_name(c: &Clients, zone: &str) -> Result<String, ProviderError> {
        let r = c.r53.get_hosted_zone().id(zone).send().await.map_err(|e| sdk("GetHostedZone", e))?;
        Ok(r.hosted_zone().map(|z| dns_name(z.name())).unwrap_or_default())
    }

    /// Every record set of a zone (one paginated call; none if the zone is gone).
    async fn all_in(c: &Clients, zone: &str) -> Result<Vec<ResourceRecordSet>, ProviderError> {
        Self::listed(c, zone, None).await
    }

    async fn listed(
        c: &Clients,
        zone: &str,
        from: Option<(String, String)>,
    ) -> Result<Vec<ResourceRecordSet>, ProviderError> {
        let mut out = vec![];
        let mut start: Option<(String, RrType, Option<String>)> =
            from.map(|(n, t)| (n, RrType::from(t.as_str()), None));
        let only_one_name = start.as_ref().map(|(n, t, _)| (dns_name(n), t.clone()));
        loop {
            let mut req = c.r53.list_resource_record_sets().hosted_zone_id(zone);
            if let Some((n, t, i)) = start.take() {
                req = req.start_record_name(n).start_record_type(t).set_start_record_identifier(i);
            }
            let r = match req.send().await {
                Ok(r) => r,
                Err(e) => {
                    let e = sdk("ListResourceRecordSets", e);
                    return if e.is_not_found() { Ok(vec![]) } else { Err(e) };
                }
            };
            let page = r.resource_record_sets();
            out.extend(page.iter().cloned());
            // Looking for one name: stop once the listing is past it.
            if let Some((n, t)) = &only_one_name
                && page.iter().any(|s| dns_name(s.name()) != *n || s.r#type() != t)
            {
                break;
            }
            match (r.is_truncated(), r.next_record_name(), r.next_record_type()) {
                (true, Some(n), Some(t)) => {
                    start = Some((n.to_string(), t.clone(), r.next_record_identifier().map(str::to_string)))
                }
                _ => break,
            }
        }
        Ok(out)
    }

    fn key_of(name: &str, kind: &str, set_id: Option<&str>) -> (String, String, String) {
        (dns_name(name), kind.to_string(), set_id.unwrap_or_default().to_string())
    }

    pub(crate) fn id(zone: &str, fqdn: &str, kind: &str, set_id: Option<&str>) -> String {
        match set_id {
            Some(s) => format!("{zone}_{fqdn}_{kind}_{s}"),
            None => format!("{zone}_{fqdn}_{kind}"),
        }
    }

    fn attrs(zone: &str, r: &ResourceRecordSet, prior: &Attrs) -> Attrs {
        let kind = r.r#type().as_str();
        let fqdn = dns_name(r.name());
        let mut a = Attrs::new();
        a.insert("id".into(), Value::String(Self::id(zone, &fqdn, kind, r.set_identifier())));
        a.insert("zone_id".into(), Value::String(zone.into()));
        a.insert(
            "name".into(),
            prior.get("name").filter(|v| !v.is_null()).cloned().unwrap_or(Value::String(fqdn.clone())),
        );
        a.insert("type".into(), Value::String(kind.into()));
        a.insert("fqdn".into(), Value::String(fqdn));
        a.insert("ttl".into(), r.ttl().map_or(Value::Null, |t| Value::Number(t as f64)));
        a.insert(
            "records".into(),
            if r.alias_target().is_some() {
                Value::Null
            } else {
                Value::set(r.resource_records().iter().map(|v| Value::String(unquoted(kind, v.value()))).collect())
            },
        );
        a.insert("set_identifier".into(), r.set_identifier().map_or(Value::Null, |s| Value::String(s.into())));
        a.insert(
            "allow_overwrite".into(),
            Value::Bool(prior.get("allow_overwrite").and_then(Value::as_bool).unwrap_or(false)),
        );
        a.insert(
            "alias".into(),
            Value::List(
                r.alias_target()
                    .map(|t| {
                        Value::Map(
                            [
                                ("name".to_string(), Value::String(dns_name(t.dns_name()))),
                                ("zone_id".to_string(), Value::String(t.hosted_zone_id().into())),
                                ("evaluate_target_health".to_string(), Value::Bool(t.evaluate_target_health())),
                            ]
                            .into(),
                        )
                    })
                    .into_iter()
                    .collect(),
            ),
        );
        a.insert(
            "weighted_routing_policy".into(),
            Value::List(
                r.weight()
                    .map(|w| Value::Map([("weight".to_string(), Value::Number(w as f64))].into()))
                    .into_iter()
                    .collect(),
            ),
        );
        a
    }

    /// The record set `desired` describes, named `fqdn`.
    fn record_set(fqdn: &str, desired: &Attrs) -> Result<ResourceRecordSet, ProviderError> {
        let kind = desired.get("type").and_then(Value::as_str).unwrap_or_default();
        let bad = |e: aws_sdk_route53::error::BuildError| {
            ProviderError::new(ProviderErrorKind::Invalid, format!("record {fqdn} ({kind}): {e}"))
        };
        let mut b = ResourceRecordSet::builder()
            .name(fqdn)
            .r#type(RrType::from(kind))
            .set_set_identifier(desired.get("set_identifier").and_then(Value::as_str).map(str::to_string))
            .set_ttl(desired.get("ttl").and_then(Value::as_number).map(|t| t as i64));
        if let Some(w) = desired
            .get("weighted_routing_policy")
            .and_then(Value::as_seq)
            .and_then(|s| s.first())
            .and_then(Value::as_map)
            .and_then(|m| m.get("weight"))
            .and_then(Value::as_number)
        {
            b = b.weight(w as i64);
        }
        if let Some(alias) =
            desired.get("alias").and_then(Value::as_seq).and_then(|s| s.first()).and_then(Value::as_map)
        {
            let text = |k: &str| alias.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
            b = b.alias_target(
                AliasTarget::builder()
                    .dns_name(text("name"))
                    .hosted_zone_id(text("zone_id"))
                    .evaluate_target_health(
                        alias.get("evaluate_target_health").and_then(Value::as_bool).unwrap_or(false),
                    )
                    .build()
                    .map_err(bad)?,
            );
        } else {
            for v in desired.get("records").and_then(Value::as_seq).unwrap_or_default() {
                if let Some(v) = v.as_str() {
                    b = b.resource_records(ResourceRecord::builder().value(quoted(kind, v)).build().map_err(bad)?);
                }
            }
        }
        b.build().map_err(bad)
    }

    async fn change(
        c: &Clients,
        ctx: &OpContext,
        zone: &str,
        action: ChangeAction,
        set: ResourceRecordSet,
    ) -> Result<(), ProviderError> {
        let what = format!("record {} ({})", dns_name(set.name()), set.r#type().as_str());
        let op = format!("{action:?}").to_ascii_uppercase();
        let change = Change::builder()
            .action(action)
            .resource_record_set(set)
            .build()
            .map_err(|e| ProviderError::new(ProviderErrorKind::Invalid, format!("{what}: {e}")))?;
        let batch = ChangeBatch::builder()
            .changes(change)
            .build()
            .map_err(|e| ProviderError::new(ProviderErrorKind::Invalid, format!("{what}: {e}")))?;
        let r = c
            .r53
            .change_resource_record_sets()
            .hosted_zone_id(zone)
            .change_batch(batch)
            .send()
            .await
            .map_err(|e| sdk("ChangeResourceRecordSets", e))
            .map_err(|e| ProviderError { message: format!("{what}, {op}: {}", e.message), ..e })?;
        if let Some(info) = r.change_info() {
            ctx.status("waiting for the change to be INSYNC");
            wait_insync(c, ctx, info.id()).await?;
        }
        Ok(())
    }

    /// The record with this key, if any.
    async fn current(
        c: &Clients,
        zone: &str,
        fqdn: &str,
        kind: &str,
        set_id: Option<&str>,
    ) -> Result<Option<ResourceRecordSet>, ProviderError> {
        let key = Self::key_of(fqdn, kind, set_id);
        Ok(Self::listed(c, zone, Some((fqdn.to_string(), kind.to_string())))
            .await?
            .into_iter()
            .find(|r| Self::key_of(r.name(), r.r#type().as_str(), r.set_identifier()) == key))
    }

    /// True when the record holds what `desired` asks for.
    fn same_content(zone: &str, r: &ResourceRecordSet, desired: &Attrs) -> bool {
        let have = Self::attrs(zone, r, desired);
        ["ttl", "records", "alias", "weighted_routing_policy"].iter().all(|k| {
            let mut want = desired.get(*k).cloned().unwrap_or(Value::Null);
            if *k == "alias"
                && let Value::List(items) = &mut want
            {
                for i in items.iter_mut() {
                    if let Value::Map(m) = i
                        && let Some(n) = m.get_mut("name")
                    {
                        *n = normalize_dns(n);
                    }
                }
            }
            let got = have.get(*k).cloned().unwrap_or(Value::Null);
            let empty = |v: &Value| v.is_null() || v.as_seq().is_some_and(<[Value]>::is_empty);
            (empty(&want) && empty(&got)) || want.same_as(&got)
        })
    }

    async fn read_back(c: &Clients, zone: &str, fqdn: &str, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let kind = desired.get("type").and_then(Value::as_str).unwrap_or_default();
        let set_id = desired.get("set_identifier").and_then(Value::as_str);
        let r = Self::current(c, zone, fqdn, kind, set_id).await?.ok_or_else(|| {
            ProviderError::new(ProviderErrorKind::NotFound, format!("record {fqdn} ({kind}) not found in zone {zone}"))
        })?;
        Ok(Self::attrs(zone, &r, desired))
    }
}

#[async_trait]
impl ResourceType for Record {
    fn name(&self) -> &'static str {
        "aws_route53_record"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Terraform's id holds the `name` as written (`www`, or a validation record's name with its
    /// trailing dot); provision's holds the absolute name, which Terraform records as `fqdn`.
    fn id_from_terraform(&self, attributes: &Attrs) -> Result<String, String> {
        let zone = zone_id(terraform::text(attributes, "zone_id")?);
        let fqdn = dns_name(terraform::text(attributes, "fqdn")?);
        let kind = terraform::text(attributes, "type")?;
        Ok(Self::id(&zone, &fqdn, kind, terraform::optional_text(attributes, "set_identifier")))
    }

    fn identity(&self) -> IdentityStrategy {
        IdentityStrategy::Content
    }

    /// One paginated `ListResourceRecordSets` per zone (300 records a page).
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
        let mut zones: Vec<String> =
            objects.iter().filter_map(|(_, a)| a.get("zone_id").and_then(Value::as_str).map(zone_id)).collect();
        zones.sort();
        zones.dedup();
        for zone in zones {
            let sets = Self::all_in(c, &zone).await?;
            let by_key: BTreeMap<(String, String, String), &ResourceRecordSet> =
                sets.iter().map(|r| (Self::key_of(r.name(), r.r#type().as_str(), r.set_identifier()), r)).collect();
            for (id, prior) in objects.iter().filter(|(_, a)| {
                a.get("zone_id").and_then(Value::as_str).map(zone_id).as_deref() == Some(zone.as_str())
            }) {
                let text = |k: &str| prior.get(k).and_then(Value::as_str);
                let key = Self::key_of(
                    text("fqdn").unwrap_or_default(),
                    text("type").unwrap_or_default(),
                    text("set_identifier"),
                );
                if let Some(r) = by_key.get(&key) {
                    out.insert(id.clone(), Self::attrs(&zone, r, prior));
                }
            }
        }
        Ok(out)
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let zone = zone_id(desired.get("zone_id").and_then(Value::as_str).unwrap_or_default());
        let name = desired.get("name").and_then(Value::as_str).unwrap_or_default();
        let fqdn = fqdn(name, &Self::zone_name(c, &zone).await?);
        let set = Self::record_set(&fqdn, desired)?;
        let overwrite = desired.get("allow_overwrite").and_then(Value::as_bool) == Some(true);
        let action = if overwrite { ChangeAction::Upsert } else { ChangeAction::Create };
        if let Err(e) = Self::change(c, ctx, &zone, action, set).await {
            // An identical record exists already (made by an interrupted run): adopt it.
            let kind = desired.get("type").and_then(Value::as_str).unwrap_or_default();
            let existing =
                Self::current(c, &zone, &fqdn, kind, desired.get("set_identifier").and_then(Value::as_str)).await?;
            match existing {
                Some(r) if Self::same_content(&zone, &r, desired) => {}
                Some(_) => {
                    return Err(ProviderError {
                        message: format!(
                            "{}; a record {fqdn} ({kind}) with other values exists in zone {zone}: set allow_overwrite = true to replace it",
                            e.message
                        ),
                        ..e
                    });
                }
                None => return Err(e),
            }
        }
        Self::read_back(c, &zone, &fqdn, desired).await
    }

    async fn update(&self, ctx: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let zone = zone_id(desired.get("zone_id").and_then(Value::as_str).unwrap_or_default());
        let fqdn = prior.get("fqdn").and_then(Value::as_str).map(str::to_string).ok_or_else(|| {
            ProviderError::new(ProviderErrorKind::Other, format!("record {id}: its fqdn was not recorded"))
        })?;
        let content = ["ttl", "records", "alias", "weighted_routing_policy"];
        if content
            .iter()
            .any(|k| !desired.get(*k).unwrap_or(&Value::Null).same_as(prior.get(*k).unwrap_or(&Value::Null)))
        {
            Self::change(c, ctx, &zone, ChangeAction::Upsert, Self::record_set(&fqdn, desired)?).await?;
        }
        Self::read_back(c, &zone, &fqdn, desired).await
    }

    async fn delete(&self, ctx: &OpContext, id: &str, prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        let text = |k: &str| prior.get(k).and_then(Value::as_str);
        let zone = zone_id(text("zone_id").unwrap_or_default());
        let (Some(fqdn), Some(kind)) = (text("fqdn"), text("type")) else {
            return Err(ProviderError::new(
                ProviderErrorKind::Other,
                format!("record {id}: its name was not recorded"),
            ));
        };
        // DELETE must repeat the record exactly: send what exists now.
        let Some(current) = Self::current(c, &zone, fqdn, kind, text("set_identifier")).await? else { return Ok(()) };
        match Self::change(c, ctx, &zone, ChangeAction::Delete, current).await {
            Err(e) if e.is_not_found() => Ok(()),
            r => r,
        }
    }

    /// The record with the create's natural key, adopted when it holds what the create was
    /// given.
    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let c = self.ctx.clients().await?;
        let d = &query.desired;
        let zone = zone_id(d.get("zone_id").and_then(Value::as_str).unwrap_or_default());
        let name = d.get("name").and_then(Value::as_str).unwrap_or_default();
        let kind = d.get("type").and_then(Value::as_str).unwrap_or_default();
        let fqdn = fqdn(name, &Self::zone_name(c, &zone).await?);
        Ok(match Self::current(c, &zone, &fqdn, kind, d.get("set_identifier").and_then(Value::as_str)).await? {
            Some(r) if Self::same_content(&zone, &r, d) => vec![Found::ours(Self::attrs(&zone, &r, d))],
            Some(r) => vec![Found {
                attrs: Self::attrs(&zone, &r, d),
                owner: Owner::Other(format!("record {fqdn} ({kind}) exists with other values")),
            }],
            None => vec![],
        })
    }
}

/// The id provision gives the record set `r` of zone `zone`.
pub(crate) fn record_id(zone: &str, r: &ResourceRecordSet) -> String {
    Record::id(zone, &dns_name(r.name()), r.r#type().as_str(), r.set_identifier())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types() -> provision_aws_core::ServiceTypes {
        crate::types(&Arc::new(provision_aws_core::Context::default()))
    }

    /// Records as Terraform 5.100 wrote them (examples/web, against moto): a relative name, and
    /// a validation record whose Terraform id keeps the trailing dot of its name.
    const WWW: &str = r#"{"alias": [{"evaluate_target_health": true, "name": "web-1.eu-west-1.elb.amazonaws.com", "zone_id": "Z2P70J7EXAMPLE"}], "allow_overwrite": null, "cidr_routing_policy": [], "failover_routing_policy": [], "fqdn": "www.example.com", "geolocation_routing_policy": [], "geoproximity_routing_policy": [], "health_check_id": "", "id": "H3DFX8HJVYEHLMZNAVJ55A_www_A", "latency_routing_policy": [], "multivalue_answer_routing_policy": false, "name": "www", "records": null, "set_identifier": "", "timeouts": null, "ttl": 0, "type": "A", "weighted_routing_policy": [], "zone_id": "H3DFX8HJVYEHLMZNAVJ55A"}"#;
    const VALIDATION: &str = r#"{"alias": [], "allow_overwrite": true, "cidr_routing_policy": [], "failover_routing_policy": [], "fqdn": "_d930b28be6c5927595552b219965053e.example.com", "geolocation_routing_policy": [], "geoproximity_routing_policy": [], "health_check_id": "", "id": "H3DFX8HJVYEHLMZNAVJ55A__d930b28be6c5927595552b219965053e.example.com._CNAME", "latency_routing_policy": [], "multivalue_answer_routing_policy": false, "name": "_d930b28be6c5927595552b219965053e.example.com", "records": ["_c9edd76ee4a0e2a74388032f3861cc50.ykybfrwcxw.acm-validations.aws."], "set_identifier": "", "timeouts": null, "ttl": 60, "type": "CNAME", "weighted_routing_policy": [], "zone_id": "H3DFX8HJVYEHLMZNAVJ55A"}"#;

    #[test]
    fn the_id_from_terraform_uses_the_absolute_name() {
        let id = |json| provision_aws_core::terraform::id_from_terraform(crate::types, "aws_route53_record", json);
        assert_eq!(id(WWW), Ok("H3DFX8HJVYEHLMZNAVJ55A_www.example.com_A".to_string()));
        assert_eq!(
            id(VALIDATION),
            Ok("H3DFX8HJVYEHLMZNAVJ55A__d930b28be6c5927595552b219965053e.example.com_CNAME".to_string())
        );
        let weighted = WWW.replace(r#""set_identifier": """#, r#""set_identifier": "blue""#);
        assert_eq!(id(&weighted), Ok("H3DFX8HJVYEHLMZNAVJ55A_www.example.com_A_blue".to_string()));
        let missing = WWW.replace(r#""fqdn": "www.example.com""#, r#""fqdn": null"#);
        assert_eq!(id(&missing), Err("its `fqdn` attribute is missing or empty".to_string()));
    }

    #[test]
    fn a_name_with_or_without_its_trailing_dot_is_one_name() {
        let types = types();
        let record = types.resources.iter().find(|t| t.name() == "aws_route53_record").expect("type");
        let name = record.schema().attribute("name").expect("name");
        let (terraforms, configured) =
            ("_d930b28be6c5927595552b219965053e.example.com", "_d930b28be6c5927595552b219965053e.example.com.");
        assert_eq!(name.normalized(Value::from(terraforms)), name.normalized(Value::from(configured)));
        assert_eq!(name.normalized(Value::from("WWW")), Value::from("www"));
    }

    #[test]
    fn names_are_made_absolute() {
        assert_eq!(fqdn("www", "example.com."), "www.example.com");
        assert_eq!(fqdn("WWW.example.com.", "example.com"), "www.example.com");
        assert_eq!(fqdn("example.com", "example.com"), "example.com");
        assert_eq!(fqdn("_a1.example.com.", "example.com"), "_a1.example.com");
    }

    #[test]
    fn txt_values_are_quoted_on_the_wire_only() {
        assert_eq!(quoted("TXT", "v=spf1 -all"), "\"v=spf1 -all\"");
        assert_eq!(unquoted("TXT", "\"v=spf1 -all\""), "v=spf1 -all");
        assert_eq!(quoted("CNAME", "x.example.com"), "x.example.com");
    }

    #[test]
    fn records_or_alias() {
        let mut a = Attrs::new();
        a.insert("records".into(), Value::set(vec!["1.2.3.4".into()]));
        assert!(check(&a).expect_err("refused").contains("`ttl`"));
        a.insert("ttl".into(), Value::Number(60.0));
        assert!(check(&a).is_ok());
        a.insert("alias".into(), Value::List(vec![Value::Map(Default::default())]));
        assert!(check(&a).is_err());
    }

    #[test]
    fn a_record_set_round_trips() {
        let mut d = Attrs::new();
        d.insert("type".into(), "TXT".into());
        d.insert("ttl".into(), Value::Number(60.0));
        d.insert("records".into(), Value::set(vec!["hello".into()]));
        let set = Record::record_set("t.example.com", &d).expect("valid");
        assert_eq!(set.resource_records()[0].value(), "\"hello\"");
        assert!(Record::same_content("Z1", &set, &d));
    }
}
