//! What `aws_db_instance` and `aws_rds_cluster_instance` share: both are DB instances to the RDS
//! API. Batched reads by identifier (100 per `DescribeDBInstances` call), the find by identity
//! tags (instances carry their tags in the describe answer), the wait for a status with live
//! progress, and the delete that retries while AWS is busy with the instance.

use crate::common::{about, all_instances, pairs};
use crate::context::Clients;
use crate::error::sdk;
use aws_sdk_rds::types::{DbInstance, Filter};
use provision_aws_core::retry::{Policy, nothing, retry};
use provision_aws_core::tags;
use provision_aws_core::wait::{self, Status, Wait};
use provision_core::{Identity, OpContext, ProviderError, ProviderErrorKind};
use std::collections::BTreeMap;
use std::time::Duration;

/// How many values one `DescribeDBInstances` filter takes.
const PER_CALL: usize = 100;
/// Polling: quick at first (emulators), then every 15 s (a database takes minutes).
const FIRST_POLL: Duration = Duration::from_millis(500);
const MAX_POLL: Duration = Duration::from_secs(15);

/// Statuses from which an instance does not become available by waiting.
const FAILED: &[&str] = &[
    "failed",
    "incompatible-credentials",
    "incompatible-network",
    "incompatible-option-group",
    "incompatible-parameters",
    "incompatible-restore",
    "inaccessible-encryption-credentials",
    "inaccessible-encryption-credentials-recoverable",
    "restore-error",
    "stopped",
];

/// The instances with these identifiers (100 per call); missing ones are absent.
pub(crate) async fn by_ids(c: &Clients, ids: &[&str]) -> Result<BTreeMap<String, DbInstance>, ProviderError> {
    let mut found = BTreeMap::new();
    for chunk in ids.chunks(PER_CALL) {
        let filter = Filter::builder()
            .name("db-instance-id")
            .set_values(Some(chunk.iter().map(|s| s.to_string()).collect()))
            .build();
        let mut pages = c.rds.describe_db_instances().filters(filter).max_records(100).into_paginator().send();
        while let Some(page) = pages.next().await {
            for i in page.map_err(|e| sdk("DescribeDBInstances", e))?.db_instances() {
                if let Some(id) = i.db_instance_identifier() {
                    found.insert(id.to_string(), i.clone());
                }
            }
        }
    }
    Ok(found)
}

/// The instance with this identifier as AWS shows it now (one call, no waiting).
pub(crate) async fn lookup(c: &Clients, id: &str) -> Result<Option<DbInstance>, ProviderError> {
    match c.rds.describe_db_instances().db_instance_identifier(id).send().await {
        Ok(out) => Ok(out.db_instances().first().cloned()),
        Err(e) => {
            let e = sdk("DescribeDBInstances", e);
            if e.is_not_found() { Ok(None) } else { Err(e) }
        }
    }
}

/// The stack's instances tagged for the identity's address (one listing of the region's instances:
/// `DescribeDBInstances` cannot filter by tag, but returns each instance's tags).
pub(crate) async fn tagged(c: &Clients, identity: &Identity) -> Result<Vec<DbInstance>, ProviderError> {
    Ok(all_instances(c)
        .await?
        .into_iter()
        .filter(|i| {
            let stack = pairs(i.tag_list()).any(|(k, v)| k == provision_core::tags::STACK && v == identity.stack);
            stack && tags::tagged_for(pairs(i.tag_list()), identity) && i.db_instance_status() != Some("deleting")
        })
        .collect())
}

/// What the instance is doing, for progress and for deciding whether a wait is over.
fn status_of(i: &DbInstance) -> String {
    i.db_instance_status().unwrap_or("unknown").to_string()
}

/// True while a change asked to apply immediately is still queued (AWS may answer `available` for
/// a moment after `ModifyDBInstance`, before it starts).
fn has_pending(i: &DbInstance) -> bool {
    i.pending_modified_values().is_some_and(|p| {
        p.db_instance_class().is_some()
            || p.allocated_storage().is_some()
            || p.multi_az().is_some()
            || p.engine_version().is_some()
            || p.storage_type().is_some()
            || p.port().is_some()
            || p.db_subnet_group_name().is_some()
    })
}

/// Waits until instance `id` is available (and, with `settled`, has no queued change left), with
/// its status as live progress. Stops at the operation's deadline with a message naming the
/// instance and what it was doing.
pub(crate) async fn wait_available(
    c: &Clients,
    op: &OpContext,
    what: &str,
    id: &str,
    settled: bool,
) -> Result<DbInstance, ProviderError> {
    let spec = Wait::within(format!("{what} {id}"), "available", op, op.remaining()).polling(FIRST_POLL, MAX_POLL);
    let poll = || async {
        Ok(match lookup(c, id).await? {
            None => Status::Gone,
            Some(i) => {
                let status = status_of(&i);
                if FAILED.contains(&status.as_str()) {
                    return Err(ProviderError::new(
                        ProviderErrorKind::Invalid,
                        format!(
                            "{what} {id} is {status}: it cannot become available by waiting; see the RDS console's events for the instance"
                        ),
                    ));
                }
                let ready = matches!(status.as_str(), "available" | "storage-optimization");
                if ready && !(settled && has_pending(&i)) {
                    Status::Ready(i)
                } else if ready {
                    Status::Pending("modification queued".into())
                } else {
                    Status::Pending(status)
                }
            }
        })
    };
    match wait::until(&spec, poll, wait::TimedOut::provider_error).await? {
        Some(i) => Ok(i),
        None => Err(ProviderError::new(ProviderErrorKind::NotFound, format!("{what} {id} not found"))),
    }
}

/// Waits until instance `id` is gone, with its status (`deleting`, ...) as live progress.
pub(crate) async fn wait_gone(c: &Clients, op: &OpContext, what: &str, id: &str) -> Result<(), ProviderError> {
    let spec =
        Wait::within(format!("{what} {id}"), "deleted", op, op.remaining()).polling(FIRST_POLL, MAX_POLL).until_gone();
    let poll = || async {
        Ok(match lookup(c, id).await? {
            None => Status::Gone,
            Some(i) => Status::<()>::Pending(status_of(&i)),
        })
    };
    wait::until(&spec, poll, wait::TimedOut::provider_error).await.map(|_| ())
}

/// Runs an instance call, retrying while AWS says the instance is busy (`InvalidDBInstanceState`:
/// backing up, modifying, rebooting) until the operation's deadline, showing why it waits.
pub(crate) async fn while_busy<T, F, Fut>(op: &OpContext, what: &str, id: &str, call: F) -> Result<T, ProviderError>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T, ProviderError>>,
{
    let policy = Policy::in_use(op.remaining().max(Duration::from_secs(1)));
    retry(
        policy,
        || async {
            let r = call().await;
            if let Err(e) = &r
                && e.kind == ProviderErrorKind::Conflict
            {
                op.status("waiting: AWS is busy with it");
            }
            r
        },
        nothing,
    )
    .await
    .map_err(about(what, id))
}
