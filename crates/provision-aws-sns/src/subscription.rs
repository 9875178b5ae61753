//! `aws_sns_topic_subscription`: an endpoint (queue, function, email address, HTTP URL)
//! subscribed to a topic.
//!
//! Subscriptions cannot be tagged, so an interrupted create is recovered by content: the
//! subscription of the topic with the same protocol and endpoint (`Subscribe` itself returns the
//! existing subscription for the same three, so a retried create never makes a second one).
//!
//! Email, email-json and HTTP(S) endpoints that do not confirm automatically stay "pending
//! confirmation" until someone confirms them; AWS refuses to unsubscribe a pending subscription
//! and deletes it by itself after 48 hours (or with its topic). As Terraform does, a destroy of
//! a pending subscription removes it from state and says so; it is not an error. The plan warns
//! about it first ([`ResourceType::check_delete`], from the refreshed `pending_confirmation`: no call).

use crate::util::{get_bool, get_str, s};
use crate::{Clients, Context, sdk};
use async_trait::async_trait;
use provision_aws_core::json::normalize_json;
use provision_aws_core::retry::{Policy, gone_is_ok, nothing, retry};
use provision_aws_core::wait::{Status, TimedOut, Wait, until};
use provision_core::{
    AttributeSchema, Attrs, DeleteNote, FindQuery, Found, IdentityStrategy, OpContext, ProviderError,
    ProviderErrorKind, ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

pub(crate) struct Subscription {
    ctx: Arc<Context>,
    schema: Schema,
}

/// Arguments kept as subscription attributes and changed in place: (argument, AWS attribute).
const ATTRIBUTES: &[(&str, &str)] = &[
    ("raw_message_delivery", "RawMessageDelivery"),
    ("filter_policy", "FilterPolicy"),
    ("filter_policy_scope", "FilterPolicyScope"),
    ("delivery_policy", "DeliveryPolicy"),
    ("redrive_policy", "RedrivePolicy"),
    ("subscription_role_arn", "SubscriptionRoleArn"),
];

const PROTOCOLS: &[&str] = &["application", "email", "email-json", "firehose", "http", "https", "lambda", "sms", "sqs"];

fn protocol(v: &Value) -> Result<(), String> {
    provision_aws_core::validate::one_of(v, PROTOCOLS, "subscription protocol")
}

fn scope(v: &Value) -> Result<(), String> {
    provision_aws_core::validate::one_of(v, &["MessageAttributes", "MessageBody"], "filter policy scope")
}

/// What `ListSubscriptionsByTopic` shows instead of an ARN for a subscription nobody confirmed.
fn is_pending_arn(arn: &str) -> bool {
    !arn.starts_with("arn:")
}

/// What the plan says about deleting a subscription still pending confirmation.
fn pending_note(attrs: &Attrs) -> Option<DeleteNote> {
    if attrs.get("pending_confirmation").and_then(Value::as_bool) != Some(true) {
        return None;
    }
    let protocol = get_str(attrs, "protocol").unwrap_or("email");
    Some(DeleteNote::warn(format!(
        "this {protocol} subscription is still pending confirmation, and AWS cannot delete a pending subscription: \
         it leaves the state, stays in AWS until it expires (48 hours after it was made) or its topic is deleted, \
         and becomes live if its confirmation link is followed meanwhile"
    )))
}

/// True for AWS's refusal to unsubscribe a subscription that is pending confirmation.
fn pending_refusal(e: &ProviderError) -> bool {
    e.message.to_ascii_lowercase().contains("pending confirmation")
}

impl Subscription {
    pub fn new(ctx: Arc<Context>) -> Self {
        let schema = Schema::new("A subscription of an endpoint to an SNS topic.")
            .with_id()
            .attr(AttributeSchema::computed("arn", Type::String).describe("The subscription's ARN (also its id)."))
            .attr(
                AttributeSchema::required("topic_arn", Type::String)
                    .force_new()
                    .describe("The topic. A change replaces the subscription."),
            )
            .attr(
                AttributeSchema::required("protocol", Type::String)
                    .force_new()
                    .validate(protocol)
                    .describe("`sqs`, `lambda`, `email`, `email-json`, `http`, `https`, `sms`, `application` or `firehose`. A change replaces the subscription."),
            )
            .attr(
                AttributeSchema::required("endpoint", Type::String)
                    .force_new()
                    .sensitive()
                    .describe("Where messages go (a queue or function ARN, an address, a URL). Sensitive: URLs often carry tokens. A change replaces the subscription."),
            )
            .attr(
                AttributeSchema::optional("raw_message_delivery", Type::Bool)
                    .default(false)
                    .describe("Deliver the message body as it is, without the SNS envelope (SQS, HTTP(S), Firehose). Changed in place (`SetSubscriptionAttributes`)."),
            )
            .attr(
                AttributeSchema::optional("filter_policy", Type::String)
                    .normalize(normalize_json)
                    .describe("Which messages reach the endpoint (JSON, compared by meaning). Changed in place."),
            )
            .attr(
                AttributeSchema::optional_computed("filter_policy_scope", Type::String)
                    .validate(scope)
                    .describe("What the filter policy looks at: `MessageAttributes` (AWS's default when a filter policy is set) or `MessageBody`. Changed in place."),
            )
            .attr(
                AttributeSchema::optional("delivery_policy", Type::String)
                    .normalize(normalize_json)
                    .describe("The HTTP(S) delivery retry policy (JSON). Changed in place."),
            )
            .attr(
                AttributeSchema::optional("redrive_policy", Type::String)
                    .normalize(normalize_json)
                    .describe("The dead-letter queue for undeliverable messages (JSON). Changed in place."),
            )
            .attr(
                AttributeSchema::optional("subscription_role_arn", Type::String)
                    .describe("The role SNS assumes to write to a Firehose stream. Changed in place."),
            )
            .attr(
                AttributeSchema::optional("endpoint_auto_confirms", Type::Bool)
                    .default(false)
                    .describe("The HTTP(S) endpoint confirms the subscription by itself: create waits for the confirmation (up to `confirmation_timeout_in_minutes`)."),
            )
            .attr(
                AttributeSchema::optional("confirmation_timeout_in_minutes", Type::Number)
                    .default(1.0)
                    .describe("How long create waits for an auto-confirming endpoint's confirmation."),
            )
            .attr(
                AttributeSchema::computed("pending_confirmation", Type::Bool)
                    .describe("The subscription waits for its endpoint's confirmation (email, unconfirmed HTTP)."),
            )
            .attr(
                AttributeSchema::computed("confirmation_was_authenticated", Type::Bool)
                    .describe("The confirmation was authenticated."),
            )
            .attr(AttributeSchema::computed("owner_id", Type::String).describe("The account that owns the subscription."));
        Subscription { ctx, schema }
    }

    /// The subscription's attributes (one call), or `None` when it is gone.
    async fn read_arn(c: &Clients, arn: &str, prior: &Attrs) -> Result<Option<Attrs>, ProviderError> {
        match c.sns.get_subscription_attributes().subscription_arn(arn).send().await {
            Ok(out) => {
                let empty = HashMap::new();
                Ok(Some(Self::attrs(arn, out.attributes().unwrap_or(&empty), prior)))
            }
            Err(e) => {
                let e = sdk("GetSubscriptionAttributes", e);
                if e.is_not_found() { Ok(None) } else { Err(e) }
            }
        }
    }

    fn attrs(arn: &str, attrs: &HashMap<String, String>, prior: &Attrs) -> Attrs {
        let get = |k: &str| attrs.get(k).map(String::as_str).filter(|v| !v.is_empty());
        let json = |k: &str| get(k).map_or(Value::Null, |p| normalize_json(&p.into()));
        let kept = |k: &str, default: Value| prior.get(k).filter(|v| !v.is_null()).cloned().unwrap_or(default);
        let mut a = Attrs::new();
        a.insert("id".into(), Value::String(arn.to_string()));
        a.insert("arn".into(), Value::String(arn.to_string()));
        a.insert("topic_arn".into(), s(get("TopicArn")));
        a.insert("protocol".into(), s(get("Protocol")));
        a.insert("endpoint".into(), s(get("Endpoint")));
        a.insert("raw_message_delivery".into(), Value::Bool(get("RawMessageDelivery") == Some("true")));
        a.insert("filter_policy".into(), json("FilterPolicy"));
        a.insert(
            "filter_policy_scope".into(),
            match get("FilterPolicyScope") {
                Some(v) => Value::String(v.to_string()),
                None if get("FilterPolicy").is_some() => Value::String("MessageAttributes".into()),
                None => Value::Null,
            },
        );
        a.insert("delivery_policy".into(), json("DeliveryPolicy"));
        a.insert("redrive_policy".into(), json("RedrivePolicy"));
        a.insert("subscription_role_arn".into(), s(get("SubscriptionRoleArn")));
        a.insert("endpoint_auto_confirms".into(), kept("endpoint_auto_confirms", Value::Bool(false)));
        a.insert("confirmation_timeout_in_minutes".into(), kept("confirmation_timeout_in_minutes", Value::Number(1.0)));
        a.insert("pending_confirmation".into(), Value::Bool(get("PendingConfirmation") == Some("true")));
        a.insert(
            "confirmation_was_authenticated".into(),
            Value::Bool(get("ConfirmationWasAuthenticated") == Some("true")),
        );
        a.insert("owner_id".into(), s(get("Owner")));
        a
    }

    fn wire(desired: &Attrs, arg: &str) -> Option<String> {
        match desired.get(arg) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(b.to_string()),
            Some(v) => v.as_str().map(str::to_string),
        }
    }

    async fn read_one(c: &Clients, arn: &str, prior: &Attrs) -> Result<Attrs, ProviderError> {
        retry(
            Policy::NEW_OBJECT,
            || async {
                Self::read_arn(c, arn, prior).await?.ok_or_else(|| {
                    ProviderError::new(ProviderErrorKind::NotFound, format!("SNS subscription {arn} not found"))
                })
            },
            nothing,
        )
        .await
    }
}

#[async_trait]
impl ResourceType for Subscription {
    fn name(&self) -> &'static str {
        "aws_sns_topic_subscription"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn identity(&self) -> IdentityStrategy {
        IdentityStrategy::Content
    }

    async fn read_many(
        &self,
        _ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        let c = self.ctx.clients().await?;
        let mut out = BTreeMap::new();
        for (arn, prior) in objects {
            if let Some(a) = Self::read_arn(c, arn, prior).await? {
                out.insert(arn.clone(), a);
            }
        }
        Ok(out)
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let topic = get_str(desired, "topic_arn").unwrap_or_default();
        let protocol = get_str(desired, "protocol").unwrap_or_default();
        let mut req = c
            .sns
            .subscribe()
            .topic_arn(topic)
            .protocol(protocol)
            .endpoint(get_str(desired, "endpoint").unwrap_or_default())
            .return_subscription_arn(true);
        for (arg, attr) in ATTRIBUTES {
            match Self::wire(desired, arg) {
                Some(v) if !(v == "false" && *arg == "raw_message_delivery") => req = req.attributes(*attr, v),
                _ => {}
            }
        }
        let out = req.send().await.map_err(|e| {
            let mut e = sdk("Subscribe", e);
            e.message = format!("subscription of {topic} ({protocol}): {}", e.message);
            e
        })?;
        let arn = out
            .subscription_arn()
            .filter(|a| !is_pending_arn(a))
            .ok_or_else(|| {
                ProviderError::new(
                    ProviderErrorKind::Other,
                    format!("Subscribe to {topic} returned no subscription ARN"),
                )
            })?
            .to_string();
        let auto = get_bool(desired, "endpoint_auto_confirms") == Some(true);
        if auto && matches!(protocol, "http" | "https") {
            let minutes = desired.get("confirmation_timeout_in_minutes").and_then(Value::as_number).unwrap_or(1.0);
            let wait = Wait::within(
                format!("SNS subscription {arn}"),
                "confirmed",
                ctx,
                Duration::from_secs_f64(minutes.max(0.0) * 60.0),
            );
            until(
                &wait,
                || async {
                    let a = Self::read_arn(c, &arn, desired).await?;
                    Ok(match a {
                        Some(a) if a.get("pending_confirmation") == Some(&Value::Bool(true)) => {
                            Status::Pending("pending confirmation".into())
                        }
                        Some(_) => Status::Ready(()),
                        None => Status::Gone,
                    })
                },
                TimedOut::provider_error,
            )
            .await?;
        }
        Self::read_one(c, &arn, desired).await
    }

    async fn update(&self, _op: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        for (arg, attr) in ATTRIBUTES {
            let (p, d) = (prior.get(*arg).unwrap_or(&Value::Null), desired.get(*arg).unwrap_or(&Value::Null));
            if p.same_as(d) || (d.is_null() && *arg == "filter_policy_scope") {
                continue;
            }
            c.sns
                .set_subscription_attributes()
                .subscription_arn(id)
                .attribute_name(*attr)
                .attribute_value(Self::wire(desired, arg).unwrap_or_default())
                .send()
                .await
                .map_err(|e| {
                    let mut e = sdk("SetSubscriptionAttributes", e);
                    e.message = format!("SNS subscription {id}: {attr}: {}", e.message);
                    e
                })?;
        }
        Self::read_one(c, id, desired).await
    }

    async fn check_delete(
        &self,
        _ctx: &ReadContext,
        _id: &str,
        attrs: &Attrs,
    ) -> Result<Vec<DeleteNote>, ProviderError> {
        Ok(pending_note(attrs).into_iter().collect())
    }

    async fn delete(&self, _op: &OpContext, id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        match c.sns.unsubscribe().subscription_arn(id).send().await.map(|_| ()).map_err(|e| sdk("Unsubscribe", e)) {
            Err(e) if pending_refusal(&e) => {
                tracing::warn!(
                    subscription = id,
                    "AWS cannot unsubscribe a subscription pending confirmation: it is removed from state, and AWS deletes it after 48 hours (or with its topic)"
                );
                Ok(())
            }
            other => gone_is_ok(other),
        }
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let d = &query.desired;
        let (Some(topic), Some(protocol), Some(endpoint)) =
            (get_str(d, "topic_arn"), get_str(d, "protocol"), get_str(d, "endpoint"))
        else {
            return Ok(vec![]);
        };
        let c = self.ctx.clients().await?;
        let mut pages = c.sns.list_subscriptions_by_topic().topic_arn(topic).into_paginator().send();
        let mut out = vec![];
        while let Some(page) = pages.next().await {
            let page = match page.map_err(|e| sdk("ListSubscriptionsByTopic", e)) {
                Ok(p) => p,
                Err(e) if e.is_not_found() => return Ok(vec![]),
                Err(e) => return Err(e),
            };
            for sub in page.subscriptions() {
                let same = sub.protocol() == Some(protocol) && sub.endpoint() == Some(endpoint);
                if let Some(arn) = sub.subscription_arn().filter(|a| same && !is_pending_arn(a))
                    && let Some(a) = Self::read_arn(c, arn, d).await?
                {
                    out.push(Found::ours(a));
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_subscriptions_are_recognised() {
        assert!(is_pending_arn("PendingConfirmation"));
        assert!(!is_pending_arn("arn:aws:sns:eu-west-1:1:t:abc"));
        let refused = ProviderError::new(
            ProviderErrorKind::Invalid,
            "Unsubscribe: Invalid parameter: Cannot unsubscribe a subscription that is pending confirmation (InvalidParameter)",
        );
        assert!(pending_refusal(&refused));
    }

    #[test]
    fn deleting_a_pending_subscription_is_announced() {
        let mut a = Attrs::new();
        a.insert("protocol".into(), Value::String("email".into()));
        a.insert("pending_confirmation".into(), Value::Bool(true));
        let note = pending_note(&a).expect("a note");
        assert!(!note.refuse, "a warning, not a refusal");
        assert!(note.message.contains("email subscription is still pending confirmation"), "{}", note.message);
        assert!(note.message.contains("48 hours"), "{}", note.message);
        a.insert("pending_confirmation".into(), Value::Bool(false));
        assert_eq!(pending_note(&a), None);
    }

    #[test]
    fn reads_fill_defaults_and_keep_local_arguments() {
        let mut aws = HashMap::new();
        aws.insert("Protocol".to_string(), "email".to_string());
        aws.insert("PendingConfirmation".to_string(), "true".to_string());
        aws.insert("FilterPolicy".to_string(), "{ \"b\": [1], \"a\": [2] }".to_string());
        let mut prior = Attrs::new();
        prior.insert("confirmation_timeout_in_minutes".into(), Value::Number(5.0));
        let a = Subscription::attrs("arn:aws:sns:eu-west-1:1:t:abc", &aws, &prior);
        assert_eq!(a["pending_confirmation"], Value::Bool(true));
        assert_eq!(a["confirmation_timeout_in_minutes"], Value::Number(5.0));
        assert_eq!(a["filter_policy"], Value::String("{\"a\":[2],\"b\":[1]}".into()));
        assert_eq!(a["filter_policy_scope"], Value::String("MessageAttributes".into()));
        assert_eq!(a["raw_message_delivery"], Value::Bool(false));
    }
}
