//! `aws_lb` (also spelled `aws_alb`): an application or network load balancer. Created tagged,
//! waited for until `active`; its attributes (idle timeout, deletion protection, HTTP/2, access
//! logs) changed in place. Deleting it waits until it is gone and then until AWS has released its
//! network interfaces, which otherwise keep its security groups and subnets from being deleted.

use crate::common::{
    PAGE, arn_suffix, create_tags, first_block, generated_name, get_bool, get_num, get_str, map, name_or_prefix, s,
    string_set, strings, sync_tags, tagged_for, tags_of, user_tags,
};
use crate::context::{Clients, Context};
use crate::error::{ec2, sdk};
use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::types::{
    IpAddressType, LoadBalancer as Lb, LoadBalancerAttribute, LoadBalancerSchemeEnum, LoadBalancerStateEnum,
    LoadBalancerTypeEnum, Tag,
};
use provision_aws_core::wait::{Status, TimedOut, Wait, until};
use provision_core::{
    AttributeSchema, Attrs, BlockSchema, DeleteNote, FindQuery, Found, Nesting, OpContext, ProviderError,
    ProviderErrorKind, ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// Terraform's defaults for `aws_lb`: 10 minutes each.
const TIMEOUT: Duration = Duration::from_secs(600);

pub(crate) struct LoadBalancer {
    ctx: Arc<Context>,
    schema: Schema,
    name: &'static str,
}

fn validate_name(v: &Value) -> Result<(), String> {
    let Some(n) = v.as_str() else { return Ok(()) };
    if n.is_empty() || n.len() > 32 {
        return Err(format!("{n:?} must be 1 to 32 characters"));
    }
    if !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') || n.starts_with('-') || n.ends_with('-') {
        return Err(format!("{n:?} may hold only letters, digits and hyphens, and not begin or end with a hyphen"));
    }
    if n.starts_with("internal-") {
        return Err(format!("{n:?} must not begin with \"internal-\""));
    }
    Ok(())
}

fn validate_prefix(v: &Value) -> Result<(), String> {
    match v.as_str() {
        Some(p) if p.len() > 6 => Err(format!("{p:?} is longer than 6 characters (the rest of the 32 is generated)")),
        Some(p) if !p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') || p.starts_with('-') => {
            Err(format!("{p:?} may hold only letters, digits and hyphens, and not begin with one"))
        }
        _ => Ok(()),
    }
}

fn validate_type(v: &Value) -> Result<(), String> {
    match v.as_str() {
        Some("application" | "network") | None => Ok(()),
        Some(t) => Err(format!("{t:?} is not supported: \"application\" or \"network\"")),
    }
}

fn validate_ip_type(v: &Value) -> Result<(), String> {
    match v.as_str() {
        Some("ipv4" | "dualstack" | "dualstack-without-public-ipv4") | None => Ok(()),
        Some(t) => Err(format!("{t:?} is not one of \"ipv4\", \"dualstack\", \"dualstack-without-public-ipv4\"")),
    }
}

fn validate_idle(v: &Value) -> Result<(), String> {
    match v.as_number() {
        Some(n) if !(1.0..=4000.0).contains(&n) => Err(format!("{n} is outside 1 to 4000 seconds")),
        _ => Ok(()),
    }
}

fn check(a: &Attrs) -> Result<(), String> {
    name_or_prefix(a)?;
    let none = match a.get("subnets") {
        None | Some(Value::Null) => true,
        Some(v) => v.as_seq().is_some_and(<[Value]>::is_empty),
    };
    if none {
        return Err("a load balancer needs `subnets` (two or more in different availability zones for an application load balancer)".into());
    }
    Ok(())
}

impl LoadBalancer {
    pub fn new(ctx: Arc<Context>, name: &'static str) -> Self {
        let access_logs = Schema::new("Where the load balancer writes its access logs.")
            .attr(AttributeSchema::required("bucket", Type::String).describe("The S3 bucket."))
            .attr(
                AttributeSchema::optional("enabled", Type::Bool).default(false).describe(
                    "Whether logs are written. Defaults to false, even when `bucket` is set (as in Terraform).",
                ),
            )
            .attr(
                AttributeSchema::optional("prefix", Type::String).default("").describe("The key prefix in the bucket."),
            );
        let schema = Schema::new("An application or network load balancer (ELBv2).")
            .with_id()
            .attr(AttributeSchema::computed("arn", Type::String).describe("The load balancer's ARN (also its `id`)."))
            .attr(AttributeSchema::computed("arn_suffix", Type::String).describe("The ARN's last part, `app/<name>/<id>`, as CloudWatch metrics name it."))
            .attr(AttributeSchema::computed("dns_name", Type::String).describe("The DNS name clients use; the target of an alias record."))
            .attr(AttributeSchema::computed("zone_id", Type::String).describe("The Route53 zone of `dns_name`, for alias records."))
            .attr(AttributeSchema::computed("vpc_id", Type::String).describe("The VPC of the subnets."))
            .attr(
                AttributeSchema::optional_computed("name", Type::String)
                    .force_new()
                    .unique()
                    .validate(validate_name)
                    .describe("The name, unique in the region, up to 32 letters, digits and hyphens. When unset, `name_prefix` (or `tf-lb-`) followed by characters derived from the pending create is used, so a retried create keeps the name."),
            )
            .attr(
                AttributeSchema::optional("name_prefix", Type::String)
                    .force_new()
                    .validate(validate_prefix)
                    .describe("A prefix (up to 6 characters) for a generated name. Setting both `name` and `name_prefix` is an error at plan time. Not reported by AWS: kept as configured."),
            )
            .attr(AttributeSchema::optional("internal", Type::Bool).default(false).force_new().describe("An internal load balancer (scheme `internal`) instead of an internet-facing one."))
            .attr(
                AttributeSchema::optional("load_balancer_type", Type::String)
                    .default("application")
                    .force_new()
                    .validate(validate_type)
                    .describe("`application` or `network`."),
            )
            .attr(AttributeSchema::optional_computed("subnets", Type::set(Type::String)).describe("The subnets, at least two in different availability zones for an application load balancer. Changed in place (`SetSubnets`)."))
            .attr(AttributeSchema::optional_computed("security_groups", Type::set(Type::String)).describe("The security groups. Changed in place (`SetSecurityGroups`). When unset, AWS uses the VPC's default group and provision keeps what it reports."))
            .attr(
                AttributeSchema::optional_computed("ip_address_type", Type::String)
                    .validate(validate_ip_type)
                    .describe("`ipv4`, `dualstack` or `dualstack-without-public-ipv4`. Changed in place (`SetIpAddressType`)."),
            )
            .attr(AttributeSchema::optional("idle_timeout", Type::Number).default(60).validate(validate_idle).describe("Seconds a connection may stay idle (application load balancers). Changed in place (`ModifyLoadBalancerAttributes`)."))
            .attr(AttributeSchema::optional("enable_deletion_protection", Type::Bool).default(false).describe("While true, AWS refuses to delete the load balancer, and a plan that would delete it is refused. Changed in place."))
            .attr(AttributeSchema::optional("enable_http2", Type::Bool).default(true).describe("HTTP/2 between clients and the load balancer (application load balancers). Changed in place."))
            .attr(AttributeSchema::optional("drop_invalid_header_fields", Type::Bool).default(false).describe("Drop HTTP headers with invalid names instead of forwarding them (application load balancers). Changed in place."))
            .block(BlockSchema::new("access_logs", Nesting::List, access_logs, "At most one: the S3 bucket for access logs. Changed in place."))
            .check(check)
            .runtime_layer()
            .timeouts(TIMEOUT, TIMEOUT, TIMEOUT)
            .with_tags();
        LoadBalancer { ctx, schema, name }
    }

    /// The load balancers with these ARNs ([`PAGE`] per call); ARNs AWS does not know are absent.
    async fn describe(c: &Clients, arns: &[String]) -> Result<Vec<Lb>, ProviderError> {
        let mut out = vec![];
        for chunk in arns.chunks(PAGE) {
            match c.elb.describe_load_balancers().set_load_balancer_arns(Some(chunk.to_vec())).send().await {
                Ok(r) => out.extend(r.load_balancers().iter().cloned()),
                // AWS fails the whole call for one missing ARN (moto drops it): one at a time.
                Err(e) => {
                    let e = sdk("DescribeLoadBalancers", e);
                    if !e.is_not_found() {
                        return Err(e);
                    }
                    for arn in chunk.iter().filter(|_| chunk.len() > 1) {
                        match c.elb.describe_load_balancers().load_balancer_arns(arn).send().await {
                            Ok(r) => out.extend(r.load_balancers().iter().cloned()),
                            Err(e) => {
                                let e = sdk("DescribeLoadBalancers", e);
                                if !e.is_not_found() {
                                    return Err(e);
                                }
                            }
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    async fn describe_one(c: &Clients, arn: &str) -> Result<Option<Lb>, ProviderError> {
        Ok(Self::describe(c, &[arn.to_string()]).await?.into_iter().find(|l| l.load_balancer_arn() == Some(arn)))
    }

    pub(crate) async fn attributes(c: &Clients, arn: &str) -> Result<BTreeMap<String, String>, ProviderError> {
        let r = c
            .elb
            .describe_load_balancer_attributes()
            .load_balancer_arn(arn)
            .send()
            .await
            .map_err(|e| sdk("DescribeLoadBalancerAttributes", e))?;
        Ok(r.attributes().iter().filter_map(|a| Some((a.key()?.to_string(), a.value()?.to_string()))).collect())
    }

    pub(crate) fn attrs(lb: &Lb, attributes: &BTreeMap<String, String>, tags: &[Tag], prior: &Attrs) -> Attrs {
        let arn = lb.load_balancer_arn().unwrap_or_default();
        let kind = lb.r#type().map_or("application", |t| t.as_str());
        let application = kind == "application";
        let attr = |k: &str| attributes.get(k).map(String::as_str);
        let flag = |k: &str, default: bool| attr(k).map_or(default, |v| v == "true");
        // Attributes a network load balancer does not have keep what was configured.
        let alb_only =
            |name: &str, v: Value| if application { v } else { prior.get(name).cloned().unwrap_or(Value::Null) };
        let mut a = Attrs::new();
        a.insert("id".into(), Value::String(arn.into()));
        a.insert("arn".into(), Value::String(arn.into()));
        a.insert("arn_suffix".into(), Value::String(arn_suffix(arn)));
        a.insert("dns_name".into(), s(lb.dns_name()));
        a.insert("zone_id".into(), s(lb.canonical_hosted_zone_id()));
        a.insert("vpc_id".into(), s(lb.vpc_id()));
        a.insert("name".into(), s(lb.load_balancer_name()));
        a.insert("name_prefix".into(), prior.get("name_prefix").cloned().unwrap_or(Value::Null));
        a.insert("internal".into(), Value::Bool(lb.scheme() == Some(&LoadBalancerSchemeEnum::Internal)));
        a.insert("load_balancer_type".into(), Value::String(kind.into()));
        a.insert("subnets".into(), string_set(lb.availability_zones().iter().filter_map(|z| z.subnet_id())));
        a.insert("security_groups".into(), string_set(lb.security_groups().iter().map(String::as_str)));
        a.insert("ip_address_type".into(), s(lb.ip_address_type().map(|t| t.as_str())));
        let idle = attr("idle_timeout.timeout_seconds").and_then(|v| v.parse::<f64>().ok()).unwrap_or(60.0);
        a.insert("idle_timeout".into(), alb_only("idle_timeout", Value::Number(idle)));
        a.insert("enable_deletion_protection".into(), Value::Bool(flag("deletion_protection.enabled", false)));
        a.insert("enable_http2".into(), alb_only("enable_http2", Value::Bool(flag("routing.http2.enabled", true))));
        a.insert(
            "drop_invalid_header_fields".into(),
            alb_only(
                "drop_invalid_header_fields",
                Value::Bool(flag("routing.http.drop_invalid_header_fields.enabled", false)),
            ),
        );
        let bucket = attr("access_logs.s3.bucket").unwrap_or_default();
        let enabled = flag("access_logs.s3.enabled", false);
        a.insert(
            "access_logs".into(),
            if bucket.is_empty() && !enabled {
                Value::List(vec![])
            } else {
                Value::List(vec![map(vec![
                    ("bucket", Value::String(bucket.into())),
                    ("enabled", Value::Bool(enabled)),
                    ("prefix", Value::String(attr("access_logs.s3.prefix").unwrap_or_default().into())),
                ])])
            },
        );
        a.insert("tags_all".into(), user_tags(tags));
        a
    }

    /// The attributes `desired` asks for that differ from `prior` (all of them for a new object:
    /// `prior` empty), as `ModifyLoadBalancerAttributes` keys.
    fn attribute_changes(desired: &Attrs, prior: &Attrs) -> Vec<LoadBalancerAttribute> {
        let application = get_str(desired, "load_balancer_type").unwrap_or("application") == "application";
        let mut want: Vec<(&str, String, String)> = vec![];
        let b = |v: Option<bool>| v.map(|x| x.to_string()).unwrap_or_default();
        want.push((
            "deletion_protection.enabled",
            b(get_bool(desired, "enable_deletion_protection")),
            b(get_bool(prior, "enable_deletion_protection")),
        ));
        if application {
            let n = |a: &Attrs| get_num(a, "idle_timeout").map(|n| (n as i64).to_string()).unwrap_or_default();
            want.push(("idle_timeout.timeout_seconds", n(desired), n(prior)));
            want.push((
                "routing.http2.enabled",
                b(get_bool(desired, "enable_http2")),
                b(get_bool(prior, "enable_http2")),
            ));
            want.push((
                "routing.http.drop_invalid_header_fields.enabled",
                b(get_bool(desired, "drop_invalid_header_fields")),
                b(get_bool(prior, "drop_invalid_header_fields")),
            ));
        }
        let logs = |a: &Attrs| {
            first_block(a, "access_logs").map_or((String::new(), "false".to_string(), String::new()), |m| {
                (
                    m.get("bucket").and_then(Value::as_str).unwrap_or_default().to_string(),
                    m.get("enabled").and_then(Value::as_bool).unwrap_or(false).to_string(),
                    m.get("prefix").and_then(Value::as_str).unwrap_or_default().to_string(),
                )
            })
        };
        let (new_logs, old_logs) = (logs(desired), logs(prior));
        if new_logs != old_logs {
            want.push(("access_logs.s3.enabled", new_logs.1.clone(), String::new()));
            want.push(("access_logs.s3.bucket", new_logs.0.clone(), String::new()));
            want.push(("access_logs.s3.prefix", new_logs.2.clone(), String::new()));
        }
        want.into_iter()
            .filter(|(_, new, old)| !new.is_empty() && new != old)
            .map(|(k, v, _)| LoadBalancerAttribute::builder().key(k).value(v).build())
            .collect()
    }

    /// A new object's attributes differ from AWS's defaults only where these say so.
    fn aws_defaults() -> Attrs {
        let mut a = Attrs::new();
        a.insert("enable_deletion_protection".into(), Value::Bool(false));
        a.insert("idle_timeout".into(), Value::Number(60.0));
        a.insert("enable_http2".into(), Value::Bool(true));
        a.insert("drop_invalid_header_fields".into(), Value::Bool(false));
        a.insert("access_logs".into(), Value::List(vec![]));
        a
    }

    async fn modify_attributes(
        c: &Clients,
        arn: &str,
        changes: Vec<LoadBalancerAttribute>,
    ) -> Result<(), ProviderError> {
        if changes.is_empty() {
            return Ok(());
        }
        c.elb
            .modify_load_balancer_attributes()
            .load_balancer_arn(arn)
            .set_attributes(Some(changes))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| sdk("ModifyLoadBalancerAttributes", e))
    }

    /// Reads the object, waiting until it is `active` (with progress) when `ctx` is given.
    /// Waits until the load balancer is active, then reads its attributes, and its tags unless
    /// they are `known` (a create's, just given).
    async fn read_back(
        &self,
        c: &Clients,
        arn: &str,
        ctx: &OpContext,
        prior: &Attrs,
        known: Option<Vec<Tag>>,
    ) -> Result<Attrs, ProviderError> {
        let what = format!("load balancer {arn}");
        let wait = Wait::within(&what, "active", ctx, ctx.remaining());
        let lb = until(
            &wait,
            || async {
                Ok(match Self::describe_one(c, arn).await? {
                    None => Status::Gone,
                    Some(lb) => match lb.state().and_then(|s| s.code()) {
                        Some(LoadBalancerStateEnum::Active) | Some(LoadBalancerStateEnum::ActiveImpaired) | None => {
                            Status::Ready(lb)
                        }
                        Some(LoadBalancerStateEnum::Failed) => {
                            let reason = lb.state().and_then(|s| s.reason()).unwrap_or("no reason given");
                            return Err(ProviderError::new(
                                ProviderErrorKind::Other,
                                format!("{what} failed to provision: {reason}"),
                            ));
                        }
                        Some(other) => Status::Pending(format!("state {}", other.as_str())),
                    },
                })
            },
            TimedOut::provider_error,
        )
        .await?
        .ok_or_else(|| ProviderError::new(ProviderErrorKind::NotFound, format!("{what} not found")))?;
        let attributes = Self::attributes(c, arn).await?;
        let tags = match known {
            Some(tags) => tags,
            None => tags_of(c, &[arn.to_string()]).await?.remove(arn).unwrap_or_default(),
        };
        Ok(Self::attrs(&lb, &attributes, &tags, prior))
    }

    /// The network interfaces AWS made for the load balancer, described `ELB app/<name>/<id>`.
    async fn interfaces(c: &Clients, suffix: &str) -> Result<Vec<String>, ProviderError> {
        let f = aws_sdk_ec2::types::Filter::builder().name("description").values(format!("ELB {suffix}")).build();
        let r = c
            .ec2
            .describe_network_interfaces()
            .filters(f)
            .send()
            .await
            .map_err(|e| ec2("DescribeNetworkInterfaces", e))?;
        Ok(r.network_interfaces()
            .iter()
            .map(|n| {
                format!(
                    "{} ({})",
                    n.network_interface_id().unwrap_or("?"),
                    n.status().map_or("unknown status", |s| s.as_str())
                )
            })
            .collect())
    }
}

#[async_trait]
impl ResourceType for LoadBalancer {
    fn name(&self) -> &'static str {
        self.name
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read_many(
        &self,
        _ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        if objects.is_empty() {
            return Ok(BTreeMap::new());
        }
        let c = self.ctx.clients().await?;
        let arns: Vec<String> = objects.iter().map(|(id, _)| id.clone()).collect();
        let found = Self::describe(c, &arns).await?;
        let found_arns: Vec<String> = found.iter().filter_map(|l| l.load_balancer_arn().map(str::to_string)).collect();
        let tags = tags_of(c, &found_arns).await?;
        let mut out = BTreeMap::new();
        for lb in &found {
            let Some(arn) = lb.load_balancer_arn() else { continue };
            let Some((_, prior)) = objects.iter().find(|(id, _)| id == arn) else { continue };
            let attributes = match Self::attributes(c, arn).await {
                Ok(a) => a,
                Err(e) if e.is_not_found() => continue,
                Err(e) => return Err(e),
            };
            out.insert(arn.to_string(), Self::attrs(lb, &attributes, tags.get(arn).map_or(&[], Vec::as_slice), prior));
        }
        Ok(out)
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let name = generated_name(ctx, desired, "tf-lb-", 32);
        let subnets = strings(desired.get("subnets"));
        let groups = strings(desired.get("security_groups"));
        let kind = get_str(desired, "load_balancer_type").unwrap_or("application");
        let scheme = if get_bool(desired, "internal") == Some(true) {
            LoadBalancerSchemeEnum::Internal
        } else {
            LoadBalancerSchemeEnum::InternetFacing
        };
        let tags = create_tags(&ctx.identity, desired.get("tags_all"));
        let out = c
            .elb
            .create_load_balancer()
            .name(&name)
            .set_subnets(Some(subnets))
            .set_security_groups((!groups.is_empty()).then_some(groups))
            .scheme(scheme)
            .r#type(LoadBalancerTypeEnum::from(kind))
            .set_ip_address_type(get_str(desired, "ip_address_type").map(IpAddressType::from))
            .set_tags(Some(tags.clone()))
            .send()
            .await
            .map_err(|e| sdk("CreateLoadBalancer", e))
            .map_err(|mut e| {
                e.message = format!("load balancer {name}: {}", e.message);
                e
            })?;
        let arn = out
            .load_balancers()
            .first()
            .and_then(|l| l.load_balancer_arn())
            .ok_or_else(|| ProviderError::new(ProviderErrorKind::Other, "CreateLoadBalancer returned no ARN"))?
            .to_string();
        ctx.status("setting attributes");
        Self::modify_attributes(c, &arn, Self::attribute_changes(desired, &Self::aws_defaults())).await?;
        ctx.status("waiting for state active");
        self.read_back(c, &arn, ctx, desired, Some(tags)).await
    }

    async fn update(&self, ctx: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        sync_tags(c, id, prior.get("tags_all"), desired.get("tags_all")).await?;
        let changed =
            |k: &str| desired.get(k).is_some_and(|d| !d.is_unknown() && !prior.get(k).is_some_and(|p| p.same_as(d)));
        if changed("security_groups") {
            c.elb
                .set_security_groups()
                .load_balancer_arn(id)
                .set_security_groups(Some(strings(desired.get("security_groups"))))
                .send()
                .await
                .map_err(|e| sdk("SetSecurityGroups", e))?;
        }
        if changed("subnets") {
            c.elb
                .set_subnets()
                .load_balancer_arn(id)
                .set_subnets(Some(strings(desired.get("subnets"))))
                .send()
                .await
                .map_err(|e| sdk("SetSubnets", e))?;
        }
        if changed("ip_address_type")
            && let Some(t) = get_str(desired, "ip_address_type")
        {
            c.elb
                .set_ip_address_type()
                .load_balancer_arn(id)
                .ip_address_type(IpAddressType::from(t))
                .send()
                .await
                .map_err(|e| sdk("SetIpAddressType", e))?;
        }
        Self::modify_attributes(c, id, Self::attribute_changes(desired, prior)).await?;
        self.read_back(c, id, ctx, desired, None).await
    }

    /// AWS refuses to delete a protected load balancer: say so at plan time (no AWS call).
    async fn check_delete(
        &self,
        _ctx: &ReadContext,
        id: &str,
        attrs: &Attrs,
    ) -> Result<Vec<DeleteNote>, ProviderError> {
        Ok(if get_bool(attrs, "enable_deletion_protection") == Some(true) {
            vec![DeleteNote::refuse(format!(
                "load balancer {id} has deletion protection on: set enable_deletion_protection = false and apply, then delete it"
            ))]
        } else {
            vec![]
        })
    }

    async fn delete(&self, ctx: &OpContext, id: &str, prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        let what = format!("load balancer {id}");
        if let Err(e) = c.elb.delete_load_balancer().load_balancer_arn(id).send().await {
            let e = sdk("DeleteLoadBalancer", e);
            if !e.is_not_found() {
                return Err(ProviderError { message: format!("{what}: {}", e.message), ..e });
            }
        }
        ctx.status("waiting until the load balancer is gone");
        let wait = Wait::within(&what, "deleted", ctx, ctx.remaining()).until_gone();
        until(
            &wait,
            || async {
                Ok(match Self::describe_one(c, id).await? {
                    None => Status::<()>::Gone,
                    Some(lb) => Status::Pending(format!(
                        "state {}",
                        lb.state().and_then(|s| s.code()).map_or("unknown", |s| s.as_str())
                    )),
                })
            },
            TimedOut::provider_error,
        )
        .await?;
        // AWS releases the load balancer's network interfaces some time after it is gone; until
        // then they keep its security groups and subnets from being deleted.
        let suffix = get_str(prior, "arn_suffix").map_or_else(|| arn_suffix(id), str::to_string);
        ctx.status("waiting for AWS to release its network interfaces");
        let wait =
            Wait::within(format!("the network interfaces of {what} (ELB {suffix})"), "released", ctx, ctx.remaining())
                .until_gone()
                .polling(Duration::from_secs(1), Duration::from_secs(10));
        until(
            &wait,
            || async {
                let left = Self::interfaces(c, &suffix).await?;
                Ok(if left.is_empty() {
                    Status::<()>::Gone
                } else {
                    Status::Pending(format!("{} network interface(s) left: {}", left.len(), left.join(", ")))
                })
            },
            |t| {
                let mut e = t.provider_error();
                e.message = format!(
                    "{}; the load balancer is deleted, but these interfaces keep its security groups and subnets in use until AWS releases them: run destroy again later",
                    e.message
                );
                e
            },
        )
        .await?;
        Ok(())
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let c = self.ctx.clients().await?;
        let mut all = vec![];
        let mut pages = c.elb.describe_load_balancers().page_size(400).into_paginator().send();
        while let Some(page) = pages.next().await {
            all.extend(page.map_err(|e| sdk("DescribeLoadBalancers", e))?.load_balancers().iter().cloned());
        }
        let arns: Vec<String> = all.iter().filter_map(|l| l.load_balancer_arn().map(str::to_string)).collect();
        let tags = tags_of(c, &arns).await?;
        let mut found = vec![];
        for lb in all {
            let Some(arn) = lb.load_balancer_arn() else { continue };
            let t = tags.get(arn).map_or(&[][..], Vec::as_slice);
            if tagged_for(t, &query.identity) {
                let attributes = Self::attributes(c, arn).await?;
                found.push(Found::ours(Self::attrs(&lb, &attributes, t, &query.desired)));
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(validate_name(&"web-1".into()).is_ok());
        assert!(validate_name(&"-web".into()).is_err());
        assert!(validate_name(&"internal-web".into()).is_err());
        assert!(validate_name(&"a".repeat(33).into()).is_err());
        assert!(validate_prefix(&"web-".into()).is_ok());
        assert!(validate_prefix(&"toolong".into()).is_err());
    }

    #[test]
    fn only_changed_attributes_are_sent() {
        let mut desired = LoadBalancer::aws_defaults();
        desired.insert("load_balancer_type".into(), "application".into());
        assert!(LoadBalancer::attribute_changes(&desired, &LoadBalancer::aws_defaults()).is_empty());
        desired.insert("idle_timeout".into(), Value::Number(120.0));
        let changes = LoadBalancer::attribute_changes(&desired, &LoadBalancer::aws_defaults());
        assert_eq!(changes.len(), 1);
        assert_eq!((changes[0].key(), changes[0].value()), (Some("idle_timeout.timeout_seconds"), Some("120")));
    }
}
