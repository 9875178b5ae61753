//! The DynamoDB lock item, in Terraform's shape: `LockID = "<bucket>/<key>"` and `Info` holding
//! the lock info as JSON (ID, Operation, Who, Version, Created, Path), so a team's tools show who
//! holds it. provision adds the lease: `Lease` (ms), `Renewed`, `Beat`, and `Token`, a fresh value
//! on every write that conditional writes compare against.

use super::explain;
use aws_sdk_dynamodb::types::AttributeValue;
use provision_state::{LeaseRecord, LeaseStore, LockInfo, StateError};
use std::collections::HashMap;

pub(crate) struct DynamoLock {
    db: aws_sdk_dynamodb::Client,
    table: String,
    lock_id: String,
    region: String,
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

impl DynamoLock {
    pub fn new(db: aws_sdk_dynamodb::Client, table: &str, lock_id: &str, region: &str) -> DynamoLock {
        DynamoLock { db, table: table.into(), lock_id: lock_id.into(), region: region.into() }
    }

    fn target(&self) -> String {
        format!("DynamoDB table {} (item {})", self.table, self.lock_id)
    }

    fn item(&self, record: &LeaseRecord, token: &str) -> HashMap<String, AttributeValue> {
        let info = serde_json::to_string(&record.info).unwrap_or_default();
        HashMap::from([
            ("LockID".to_string(), s(&self.lock_id)),
            ("Info".to_string(), s(info)),
            ("Lease".to_string(), AttributeValue::N(record.lease_ms.to_string())),
            ("Renewed".to_string(), s(&record.renewed)),
            ("Beat".to_string(), AttributeValue::N(record.beat.to_string())),
            ("Token".to_string(), s(token)),
        ])
    }

    /// Puts the item under a condition; the new token, or `None` when the condition failed.
    async fn put(
        &self,
        record: &LeaseRecord,
        condition: &str,
        expected: Option<&str>,
    ) -> Result<Option<String>, StateError> {
        let token = uuid::Uuid::new_v4().to_string();
        let mut req = self
            .db
            .put_item()
            .table_name(&self.table)
            .set_item(Some(self.item(record, &token)))
            .condition_expression(condition);
        if let Some(t) = expected {
            // `Token` is a DynamoDB reserved word: it is named through a placeholder.
            req = req.expression_attribute_names("#token", "Token").expression_attribute_values(":token", s(t));
        }
        match req.send().await {
            Ok(_) => Ok(Some(token)),
            Err(e) => {
                let (code, msg) = explain("dynamodb:PutItem", &self.target(), &self.region, &e);
                if code.as_deref() == Some("ConditionalCheckFailedException") {
                    Ok(None)
                } else {
                    Err(StateError::Remote(msg))
                }
            }
        }
    }
}

#[async_trait::async_trait]
impl LeaseStore for DynamoLock {
    fn describe(&self) -> String {
        self.target()
    }

    async fn create(&self, record: &LeaseRecord) -> Result<Option<String>, StateError> {
        self.put(record, "attribute_not_exists(LockID)", None).await
    }

    async fn read(&self) -> Result<Option<(LeaseRecord, String)>, StateError> {
        let out = self
            .db
            .get_item()
            .table_name(&self.table)
            .key("LockID", s(&self.lock_id))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StateError::Remote(explain("dynamodb:GetItem", &self.target(), &self.region, &e).1))?;
        let Some(item) = out.item() else { return Ok(None) };
        let text = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
        let num = |k: &str| item.get(k).and_then(|v| v.as_n().ok()).and_then(|n| n.parse::<u64>().ok());
        let info: LockInfo = serde_json::from_str(&text("Info")).map_err(|e| StateError::Corrupt {
            path: self.target().into(),
            detail: format!("the lock item's Info is unreadable: {e}"),
        })?;
        // An item written by Terraform has no lease: treat it as a five-minute one.
        let record = LeaseRecord {
            info,
            lease_ms: num("Lease").unwrap_or(300_000),
            renewed: text("Renewed"),
            beat: num("Beat").unwrap_or(0),
        };
        let token = item.get("Token").and_then(|v| v.as_s().ok()).cloned().unwrap_or_else(|| text("Info"));
        Ok(Some((record, token)))
    }

    async fn replace(&self, expected: &str, record: &LeaseRecord) -> Result<Option<String>, StateError> {
        self.put(record, "#token = :token", Some(expected)).await
    }

    async fn delete(&self, expected: &str) -> Result<bool, StateError> {
        let r = self
            .db
            .delete_item()
            .table_name(&self.table)
            .key("LockID", s(&self.lock_id))
            .condition_expression("#token = :token")
            .expression_attribute_names("#token", "Token")
            .expression_attribute_values(":token", s(expected))
            .send()
            .await;
        match r {
            Ok(_) => Ok(true),
            Err(e) => {
                let (code, msg) = explain("dynamodb:DeleteItem", &self.target(), &self.region, &e);
                if code.as_deref() == Some("ConditionalCheckFailedException") {
                    Ok(false)
                } else {
                    Err(StateError::Remote(msg))
                }
            }
        }
    }
}
