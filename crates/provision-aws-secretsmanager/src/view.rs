//! A secret as Secrets Manager shows it, whichever call showed it (`ListSecrets` for the stack's
//! secrets in one paginated call, `DescribeSecret` for one), and the reads both types share: the
//! stack's secrets by tag, the others one by one.

use crate::attrs::pairs;
use crate::context::Clients;
use crate::error::sdk;
use aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput;
use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType, SecretListEntry, Tag};
use provision_core::ProviderError;
use std::collections::{BTreeMap, BTreeSet};

/// What both secret types need to know of a secret.
#[derive(Debug, Clone, Default)]
pub(crate) struct SecretView {
    pub arn: String,
    pub name: String,
    pub description: Option<String>,
    pub kms_key_id: Option<String>,
    pub tags: Vec<Tag>,
    /// Scheduled for deletion (`DeletedDate` set): gone for provision's reads.
    pub deleted: bool,
    /// Version id → its staging labels.
    pub versions: BTreeMap<String, Vec<String>>,
    pub created_date: Option<String>,
    pub last_changed_date: Option<String>,
}

fn date(d: Option<&aws_sdk_secretsmanager::primitives::DateTime>) -> Option<String> {
    d.and_then(|d| d.fmt(aws_sdk_secretsmanager::primitives::DateTimeFormat::DateTime).ok())
}

impl SecretView {
    pub fn tag_pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        pairs(&self.tags)
    }

    fn from_entry(e: &SecretListEntry) -> Self {
        SecretView {
            arn: e.arn().unwrap_or_default().to_string(),
            name: e.name().unwrap_or_default().to_string(),
            description: e.description().map(str::to_string),
            kms_key_id: e.kms_key_id().map(str::to_string),
            tags: e.tags().to_vec(),
            deleted: e.deleted_date().is_some(),
            versions: e
                .secret_versions_to_stages()
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
            created_date: date(e.created_date()),
            last_changed_date: date(e.last_changed_date()),
        }
    }

    fn from_describe(d: &DescribeSecretOutput) -> Self {
        SecretView {
            arn: d.arn().unwrap_or_default().to_string(),
            name: d.name().unwrap_or_default().to_string(),
            description: d.description().map(str::to_string),
            kms_key_id: d.kms_key_id().map(str::to_string),
            tags: d.tags().to_vec(),
            deleted: d.deleted_date().is_some(),
            versions: d
                .version_ids_to_stages()
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
            created_date: date(d.created_date()),
            last_changed_date: date(d.last_changed_date()),
        }
    }
}

/// The secret with this ARN or name, scheduled for deletion or not; `None` when there is none.
pub(crate) async fn describe(c: &Clients, id: &str) -> Result<Option<SecretView>, ProviderError> {
    match c.sm.describe_secret().secret_id(id).send().await {
        Ok(out) => Ok(Some(SecretView::from_describe(&out))),
        Err(e) => {
            let e = sdk("DescribeSecret", e);
            if e.is_not_found() { Ok(None) } else { Err(e) }
        }
    }
}

/// The live secrets among `ids` (ARNs or names): first every secret tagged with the stack, in one
/// paginated `ListSecrets` call (100 a page), then `DescribeSecret` for each id that listing did not
/// return (secrets made elsewhere, removed tags). Secrets scheduled for deletion are absent.
pub(crate) async fn read_secrets(
    c: &Clients,
    stack: &str,
    ids: &BTreeSet<String>,
) -> Result<BTreeMap<String, SecretView>, ProviderError> {
    let mut found = BTreeMap::new();
    if ids.is_empty() {
        return Ok(found);
    }
    for v in list_stack(c, stack).await? {
        for key in [&v.arn, &v.name] {
            if ids.contains(key) {
                found.insert(key.clone(), v.clone());
            }
        }
    }
    for id in ids {
        if !found.contains_key(id)
            && let Some(v) = describe(c, id).await?.filter(|v| !v.deleted)
        {
            found.insert(id.clone(), v);
        }
    }
    Ok(found)
}

/// Every live secret tagged with the stack (`tag-key` and `tag-value` filters; the value is
/// matched exactly here, as AWS's filter matches prefixes).
async fn list_stack(c: &Clients, stack: &str) -> Result<Vec<SecretView>, ProviderError> {
    let key = Filter::builder().key(FilterNameStringType::TagKey).values(provision_core::tags::STACK).build();
    let value = Filter::builder().key(FilterNameStringType::TagValue).values(stack).build();
    let mut pages = c.sm.list_secrets().filters(key).filters(value).max_results(100).into_paginator().send();
    let mut out = vec![];
    while let Some(page) = pages.next().await {
        for e in page.map_err(|e| sdk("ListSecrets", e))?.secret_list() {
            let v = SecretView::from_entry(e);
            let ours = v.tag_pairs().any(|(k, val)| k == provision_core::tags::STACK && val == stack);
            if ours && !v.deleted {
                out.push(v);
            }
        }
    }
    Ok(out)
}
