//! `aws_sns_topic`: a publish/subscribe topic. Its access policy compares by meaning, and the
//! default policy AWS writes when the configuration sets none is not drift (the argument is
//! optional and computed: unset, whatever AWS holds is kept).

use crate::util::{get_bool, get_str, get_string, s};
use crate::{Clients, Context, sdk};
use async_trait::async_trait;
use aws_sdk_sns::types::Tag;
use provision_aws_core::json::{normalize_json, normalize_policy};
use provision_aws_core::retry::{Policy, gone_is_ok, nothing, retry};
use provision_aws_core::tags;
use provision_core::{
    AttributeSchema, Attrs, DeleteNote, FindQuery, Found, IdentityStrategy, OpContext, ProviderError,
    ProviderErrorKind, ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

pub(crate) struct Topic {
    ctx: Arc<Context>,
    schema: Schema,
}

/// Each argument kept as a topic attribute: (argument, AWS attribute name, is a boolean).
const ATTRIBUTES: &[(&str, &str)] = &[
    ("display_name", "DisplayName"),
    ("policy", "Policy"),
    ("delivery_policy", "DeliveryPolicy"),
    ("kms_master_key_id", "KmsMasterKeyId"),
    ("content_based_deduplication", "ContentBasedDeduplication"),
    ("signature_version", "SignatureVersion"),
    ("tracing_config", "TracingConfig"),
];

fn topic_name(v: &Value) -> Result<(), String> {
    let Some(n) = v.as_str() else { return Ok(()) };
    let base = n.strip_suffix(".fifo").unwrap_or(n);
    if base.is_empty() || n.len() > 256 || !base.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(format!(
            "\"{n}\" is not a topic name: 1 to 256 letters, digits, hyphens and underscores (and `.fifo` at the end of a FIFO topic's)"
        ));
    }
    Ok(())
}

fn tracing(v: &Value) -> Result<(), String> {
    provision_aws_core::validate::one_of(v, &["PassThrough", "Active"], "tracing mode")
}

/// `name` and `name_prefix` are exclusive; a FIFO topic's name ends in `.fifo`; content-based
/// deduplication is for FIFO topics only.
fn arguments(a: &Attrs) -> Result<(), String> {
    let set = |k: &str| a.get(k).is_some_and(|v| !v.is_null());
    if set("name") && set("name_prefix") {
        return Err("set only one of `name` and `name_prefix`".into());
    }
    let fifo = get_bool(a, "fifo_topic") == Some(true);
    if let Some(n) = get_str(a, "name") {
        if fifo && !n.ends_with(".fifo") {
            return Err(format!("a FIFO topic's name must end in `.fifo` (\"{n}\")"));
        }
        if !fifo && n.ends_with(".fifo") {
            return Err(format!("\"{n}\" ends in `.fifo`: set `fifo_topic = true`, or choose another name"));
        }
    }
    if !fifo && get_bool(a, "content_based_deduplication") == Some(true) {
        return Err("`content_based_deduplication` needs `fifo_topic = true`".into());
    }
    Ok(())
}

/// The name `create` gives the topic: `name`, or `name_prefix` (default `terraform-`) followed by
/// 26 characters of the pending record's token, plus `.fifo` for a FIFO topic.
/// An endpoint as the plan may show it: an email address's domain only, a URL's host only
/// (endpoints can carry tokens).
fn redacted(endpoint: &str) -> String {
    if let Some((_, domain)) = endpoint.rsplit_once('@') {
        return format!("...@{domain}");
    }
    if let Some((scheme, rest)) = endpoint.split_once("://") {
        let host = rest.split(['/', '?']).next().unwrap_or_default();
        return format!("{scheme}://{host}/...");
    }
    "(endpoint hidden)".into()
}

/// What the plan says about deleting a topic that has subscriptions pending confirmation.
fn pending_topic_note(pending: &[String]) -> Option<DeleteNote> {
    if pending.is_empty() {
        return None;
    }
    Some(DeleteNote::warn(format!(
        "{} subscription(s) still pending confirmation ({}): AWS deletes them with the topic; confirmation links \
         already sent stop working, and aws_sns_topic_subscription resources for them leave the state without an \
         Unsubscribe (AWS refuses one for a pending subscription)",
        pending.len(),
        pending.join(", ")
    )))
}

pub(crate) fn generated_name(token: &str, desired: &Attrs) -> String {
    if let Some(n) = get_string(desired, "name") {
        return n;
    }
    let prefix = get_str(desired, "name_prefix").unwrap_or("terraform-");
    let unique: String = token.chars().filter(char::is_ascii_alphanumeric).take(26).collect();
    let fifo = if get_bool(desired, "fifo_topic") == Some(true) { ".fifo" } else { "" };
    format!("{prefix}{unique}{fifo}")
}

impl Topic {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("An SNS topic.")
            .with_id()
            .attr(AttributeSchema::computed("arn", Type::String).describe("The topic's ARN (also its id)."))
            .attr(
                AttributeSchema::optional_computed("name", Type::String)
                    .force_new()
                    .validate(topic_name)
                    .describe("The topic's name; a FIFO topic's ends in `.fifo`. When unset, made of `name_prefix` and a unique suffix. Checked at plan time."),
            )
            .attr(
                AttributeSchema::optional_computed("name_prefix", Type::String)
                    .force_new()
                    .describe("A prefix for a generated name (exclusive with `name`)."),
            )
            .attr(
                AttributeSchema::optional("fifo_topic", Type::Bool)
                    .default(false)
                    .force_new()
                    .describe("A FIFO topic (ordered, deduplicated). A change replaces the topic."),
            )
            .attr(
                AttributeSchema::optional("content_based_deduplication", Type::Bool)
                    .default(false)
                    .describe("Deduplicate FIFO messages by a hash of their body. Changed in place (`SetTopicAttributes`)."),
            )
            .attr(
                AttributeSchema::optional("display_name", Type::String)
                    .describe("The display name (the sender of SMS and email messages). Changed in place."),
            )
            .attr(
                AttributeSchema::optional("kms_master_key_id", Type::String)
                    .describe("The KMS key that encrypts messages at rest (`alias/aws/sns` for the AWS managed key). Changed in place."),
            )
            .attr(
                AttributeSchema::optional_computed("policy", Type::String)
                    .normalize(normalize_policy)
                    .describe("The access policy (JSON, compared by meaning). When unset, AWS writes a default policy, which is not drift. Changed in place."),
            )
            .attr(
                AttributeSchema::optional("delivery_policy", Type::String)
                    .normalize(normalize_json)
                    .describe("The HTTP delivery retry policy (JSON, compared by meaning). Changed in place."),
            )
            .attr(
                AttributeSchema::optional_computed("signature_version", Type::Number)
                    .describe("The signature version of messages (1 or 2). Changed in place."),
            )
            .attr(
                AttributeSchema::optional_computed("tracing_config", Type::String)
                    .validate(tracing)
                    .describe("X-Ray tracing: `PassThrough` (AWS's default) or `Active`. Changed in place."),
            )
            .attr(AttributeSchema::computed("owner", Type::String).describe("The account that owns the topic."))
            .check(arguments)
            .with_tags();
        Topic { ctx, schema }
    }

    /// The topic's attributes and tags (two calls), or `None` when it is gone.
    /// The topic's attributes (`GetTopicAttributes`); `None` when it does not exist.
    async fn topic_attributes(c: &Clients, arn: &str) -> Result<Option<HashMap<String, String>>, ProviderError> {
        match c.sns.get_topic_attributes().topic_arn(arn).send().await {
            Ok(out) => Ok(Some(out.attributes().cloned().unwrap_or_default())),
            Err(e) => {
                let e = sdk("GetTopicAttributes", e);
                if e.is_not_found() { Ok(None) } else { Err(e) }
            }
        }
    }

    async fn read_arn(
        c: &Clients,
        arn: &str,
        prior: &Attrs,
    ) -> Result<Option<(Attrs, Vec<(String, String)>)>, ProviderError> {
        let Some(attrs) = Self::topic_attributes(c, arn).await? else { return Ok(None) };
        let attrs = &attrs;
        let tag_pairs: Vec<(String, String)> = match c.sns.list_tags_for_resource().resource_arn(arn).send().await {
            Ok(out) => out.tags().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect(),
            Err(e) => {
                let e = sdk("ListTagsForResource", e);
                return if e.is_not_found() { Ok(None) } else { Err(e) };
            }
        };
        Ok(Some((Self::attrs(arn, attrs, &tag_pairs, prior), tag_pairs)))
    }

    fn attrs(arn: &str, attrs: &HashMap<String, String>, tag_pairs: &[(String, String)], prior: &Attrs) -> Attrs {
        let get = |k: &str| attrs.get(k).map(String::as_str).filter(|v| !v.is_empty());
        let flag = |k: &str| Value::Bool(get(k) == Some("true"));
        let name = arn.rsplit(':').next().unwrap_or(arn);
        let mut a = Attrs::new();
        a.insert("id".into(), Value::String(arn.to_string()));
        a.insert("arn".into(), Value::String(arn.to_string()));
        a.insert("name".into(), Value::String(name.to_string()));
        a.insert("name_prefix".into(), prior.get("name_prefix").cloned().unwrap_or(Value::Null));
        a.insert("fifo_topic".into(), flag("FifoTopic"));
        a.insert("content_based_deduplication".into(), flag("ContentBasedDeduplication"));
        a.insert("display_name".into(), s(get("DisplayName")));
        a.insert("kms_master_key_id".into(), s(get("KmsMasterKeyId")));
        a.insert("policy".into(), get("Policy").map_or(Value::Null, |p| normalize_policy(&p.into())));
        a.insert("delivery_policy".into(), get("DeliveryPolicy").map_or(Value::Null, |p| normalize_json(&p.into())));
        a.insert(
            "signature_version".into(),
            get("SignatureVersion").and_then(|v| v.parse::<f64>().ok()).map_or(Value::Number(1.0), Value::Number),
        );
        a.insert("tracing_config".into(), Value::String(get("TracingConfig").unwrap_or("PassThrough").to_string()));
        a.insert("owner".into(), s(get("Owner")));
        a.insert("tags_all".into(), tags::user_tags(tag_pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))));
        a
    }

    /// The value AWS takes for an argument's attribute (`""` to unset).
    fn wire(desired: &Attrs, arg: &str) -> Option<String> {
        match desired.get(arg) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(b.to_string()),
            Some(Value::Number(n)) => Some(provision_core::value::format_number(*n)),
            Some(v) => v.as_str().map(str::to_string),
        }
    }

    async fn read_one(c: &Clients, arn: &str, prior: &Attrs) -> Result<Attrs, ProviderError> {
        retry(
            Policy::NEW_OBJECT,
            || async {
                Self::read_arn(c, arn, prior).await?.map(|(a, _)| a).ok_or_else(|| {
                    ProviderError::new(ProviderErrorKind::NotFound, format!("SNS topic {arn} not found"))
                })
            },
            nothing,
        )
        .await
    }
}

#[async_trait]
impl ResourceType for Topic {
    fn name(&self) -> &'static str {
        "aws_sns_topic"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn identity(&self) -> IdentityStrategy {
        IdentityStrategy::Name
    }

    fn natural_key(&self, ctx: &OpContext, desired: &Attrs) -> Option<String> {
        Some(generated_name(&ctx.token, desired))
    }

    async fn read_many(
        &self,
        _ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        let c = self.ctx.clients().await?;
        let mut out = BTreeMap::new();
        for (arn, prior) in objects {
            if let Some((a, _)) = Self::read_arn(c, arn, prior).await? {
                out.insert(arn.clone(), a);
            }
        }
        Ok(out)
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let name = generated_name(&ctx.token, desired);
        let mut req = c.sns.create_topic().name(&name);
        if get_bool(desired, "fifo_topic") == Some(true) {
            req = req.attributes("FifoTopic", "true");
        }
        for (arg, attr) in ATTRIBUTES {
            match Self::wire(desired, arg) {
                Some(v) if !(v == "false" && *arg == "content_based_deduplication") => req = req.attributes(*attr, v),
                _ => {}
            }
        }
        let tag_pairs = tags::create_tags(&ctx.identity, desired.get("tags_all"));
        for (k, v) in tag_pairs.clone() {
            let tag =
                Tag::builder().key(k).value(v).build().map_err(|e| {
                    ProviderError::new(ProviderErrorKind::Invalid, format!("SNS topic {name}: tag: {e}"))
                })?;
            req = req.tags(tag);
        }
        let out = req.send().await.map_err(|e| {
            let mut e = sdk("CreateTopic", e);
            e.message = format!("SNS topic {name}: {}", e.message);
            e
        })?;
        let arn = out.topic_arn().ok_or_else(|| {
            ProviderError::new(ProviderErrorKind::Other, format!("CreateTopic returned no ARN for topic {name}"))
        })?;
        let mut prior = Attrs::new();
        prior.insert("name_prefix".into(), desired.get("name_prefix").cloned().unwrap_or(Value::Null));
        // The topic's attributes are read once, waiting while it is not visible yet: AWS fills
        // in those the create left unset (the default access policy, the owner, the signature
        // version). Its tags are the ones just given: not listed again.
        let attributes = retry(
            Policy::NEW_OBJECT,
            || async {
                Self::topic_attributes(c, arn).await?.ok_or_else(|| {
                    ProviderError::new(ProviderErrorKind::NotFound, format!("SNS topic {arn} not found"))
                })
            },
            nothing,
        )
        .await?;
        Ok(Self::attrs(arn, &attributes, &tag_pairs, &prior))
    }

    async fn update(&self, _op: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        for (arg, attr) in ATTRIBUTES {
            let (p, d) = (prior.get(*arg).unwrap_or(&Value::Null), desired.get(*arg).unwrap_or(&Value::Null));
            if p.same_as(d) {
                continue;
            }
            let value = Self::wire(desired, arg).unwrap_or_default();
            c.sns
                .set_topic_attributes()
                .topic_arn(id)
                .attribute_name(*attr)
                .attribute_value(value)
                .send()
                .await
                .map_err(|e| {
                    let mut e = sdk("SetTopicAttributes", e);
                    e.message = format!("SNS topic {id}: {attr}: {}", e.message);
                    e
                })?;
        }
        let delta = tags::delta(prior.get("tags_all"), desired.get("tags_all"));
        if !delta.removed.is_empty() {
            c.sns
                .untag_resource()
                .resource_arn(id)
                .set_tag_keys(Some(delta.removed))
                .send()
                .await
                .map_err(|e| sdk("UntagResource", e))?;
        }
        if !delta.changed.is_empty() {
            let mut req = c.sns.tag_resource().resource_arn(id);
            for (k, v) in delta.changed {
                let tag =
                    Tag::builder().key(k).value(v).build().map_err(|e| {
                        ProviderError::new(ProviderErrorKind::Invalid, format!("SNS topic {id}: tag: {e}"))
                    })?;
                req = req.tags(tag);
            }
            req.send().await.map_err(|e| sdk("TagResource", e))?;
        }
        Self::read_one(c, id, desired).await
    }

    /// One `ListSubscriptionsByTopic` page (100): the subscriptions still pending confirmation,
    /// which AWS deletes with the topic.
    async fn check_delete(
        &self,
        _ctx: &ReadContext,
        id: &str,
        _attrs: &Attrs,
    ) -> Result<Vec<DeleteNote>, ProviderError> {
        let c = self.ctx.clients().await?;
        let page = match c.sns.list_subscriptions_by_topic().topic_arn(id).send().await {
            Ok(page) => page,
            Err(e) => {
                let e = sdk("ListSubscriptionsByTopic", e);
                return if e.is_not_found() { Ok(vec![]) } else { Err(e) };
            }
        };
        let pending: Vec<String> = page
            .subscriptions()
            .iter()
            .filter(|s| s.subscription_arn().is_some_and(|a| !a.starts_with("arn:")))
            .map(|s| format!("{} {}", s.protocol().unwrap_or("?"), redacted(s.endpoint().unwrap_or("?"))))
            .collect();
        Ok(pending_topic_note(&pending).into_iter().collect())
    }

    async fn delete(&self, _op: &OpContext, id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        gone_is_ok(c.sns.delete_topic().topic_arn(id).send().await.map(|_| ()).map_err(|e| sdk("DeleteTopic", e)))
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let Some(name) = query.natural_key.as_deref() else { return Ok(vec![]) };
        let c = self.ctx.clients().await?;
        let mut pages = c.sns.list_topics().into_paginator().send();
        let mut arn = None;
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk("ListTopics", e))?;
            if let Some(t) =
                page.topics().iter().filter_map(|t| t.topic_arn()).find(|a| a.rsplit(':').next() == Some(name))
            {
                arn = Some(t.to_string());
                break;
            }
        }
        let Some(arn) = arn else { return Ok(vec![]) };
        let mut prior = Attrs::new();
        prior.insert("name_prefix".into(), query.desired.get("name_prefix").cloned().unwrap_or(Value::Null));
        Ok(Self::read_arn(c, &arn, &prior)
            .await?
            .map(|(attrs, pairs)| Found {
                attrs,
                owner: query.identity.owner_of(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
            })
            .into_iter()
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cases of the copy this crate used to keep, against the shared normalizers.
    #[test]
    fn documents_compare_by_meaning() {
        let a = normalize_json(&Value::String("{ \"b\": 1, \"a\": {\"d\": 2, \"c\": 3} }".into()));
        assert_eq!(a, Value::String("{\"a\":{\"c\":3,\"d\":2},\"b\":1}".into()));
        assert_eq!(normalize_json(&Value::String("not json".into())), Value::String("not json".into()));
    }

    #[test]
    fn policies_compare_by_iam_meaning() {
        let written = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["cloudwatch.amazonaws.com"]},"Action":["sns:Publish"],"Resource":"arn:aws:sns:eu-west-1:1:t"}]}"#;
        let read = r#"{"Statement":{"Action":"sns:Publish","Resource":["arn:aws:sns:eu-west-1:1:t"],"Effect":"Allow","Principal":{"Service":"cloudwatch.amazonaws.com"}},"Version":"2012-10-17"}"#;
        assert_eq!(normalize_policy(&written.into()), normalize_policy(&read.into()));
        let two = r#"{"Statement":[{"Action":["b","a"]}]}"#;
        let swapped = r#"{"Statement":[{"Action":["a","b"]}]}"#;
        assert_eq!(normalize_policy(&two.into()), normalize_policy(&swapped.into()));
        let other = r#"{"Statement":[{"Action":["a","c"]}]}"#;
        assert_ne!(normalize_policy(&two.into()), normalize_policy(&other.into()), "a real change still shows");
    }

    fn attrs(pairs: &[(&str, Value)]) -> Attrs {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    #[test]
    fn pending_subscriptions_are_announced_without_their_endpoints() {
        assert_eq!(redacted("oncall@example.com"), "...@example.com");
        assert_eq!(redacted("https://hooks.example.com/t/SECRET?k=1"), "https://hooks.example.com/...");
        assert_eq!(redacted("+33600000000"), "(endpoint hidden)");
        assert_eq!(pending_topic_note(&[]), None);
        let note = pending_topic_note(&["email ...@example.com".into()]).expect("a note");
        assert!(!note.refuse);
        assert!(
            note.message.starts_with("1 subscription(s) still pending confirmation (email ...@example.com)"),
            "{}",
            note.message
        );
    }

    #[test]
    fn generated_names_follow_the_prefix_and_fifo() {
        let a = attrs(&[("name_prefix", "alerts-".into()), ("fifo_topic", Value::Bool(true))]);
        let n = generated_name("0f1e-2d3c", &a);
        assert_eq!(n, "alerts-0f1e2d3c.fifo");
        assert_eq!(generated_name("t", &attrs(&[("name", "x".into())])), "x");
        assert!(generated_name("abc", &Attrs::new()).starts_with("terraform-"));
    }

    #[test]
    fn fifo_rules_are_checked_at_plan_time() {
        assert!(arguments(&attrs(&[("name", "a".into()), ("fifo_topic", Value::Bool(true))])).is_err());
        assert!(arguments(&attrs(&[("name", "a.fifo".into()), ("fifo_topic", Value::Bool(true))])).is_ok());
        assert!(arguments(&attrs(&[("content_based_deduplication", Value::Bool(true))])).is_err());
        assert!(arguments(&attrs(&[("name", "a".into()), ("name_prefix", "b".into())])).is_err());
        assert!(topic_name(&"bad name".into()).is_err());
    }

    #[test]
    fn reads_fill_aws_defaults() {
        let mut aws = HashMap::new();
        aws.insert("Owner".to_string(), "123".to_string());
        aws.insert("DisplayName".to_string(), String::new());
        let a = Topic::attrs("arn:aws:sns:eu-west-1:123:alerts", &aws, &[], &Attrs::new());
        assert_eq!(a["name"], Value::String("alerts".into()));
        assert_eq!(a["display_name"], Value::Null);
        assert_eq!(a["signature_version"], Value::Number(1.0));
        assert_eq!(a["tracing_config"], Value::String("PassThrough".into()));
        assert_eq!(a["fifo_topic"], Value::Bool(false));
    }
}
