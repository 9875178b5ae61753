//! DynamoDB's slow statuses, which moto does not have (its tables are `ACTIVE` in the create
//! answer, an index is `ACTIVE` as soon as it is added, a deleted table is gone at once): after
//! `CreateTable`, `UpdateTable` and `DeleteTable`, the next few `DescribeTable` answers for that
//! table say `CREATING`, `UPDATING` (or the new index `CREATING`) and `DELETING`, as AWS does for
//! minutes. Tests put it in front of moto with [`crate::faults::Rules::emulate`] to show that the
//! waits, their progress and their deadlines work.

use crate::faults::{EmulatedRequest, EmulatedResponse, Emulator};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What one table is busy with, and for how many more reads.
#[derive(Debug, Clone)]
struct Busy {
    status: &'static str,
    /// The index being created, when that is what the table is busy with.
    index: Option<String>,
    left: u32,
}

/// Tables busy for `reads` describes after each change. Counts the busy answers it gave.
#[derive(Debug)]
pub struct SlowTables {
    reads: u32,
    busy: Mutex<HashMap<String, Busy>>,
    served: Mutex<HashMap<&'static str, u32>>,
}

impl SlowTables {
    /// Each create, update and delete keeps the table busy for `reads` describes.
    pub fn new(reads: u32) -> Arc<SlowTables> {
        Arc::new(SlowTables { reads, busy: Mutex::default(), served: Mutex::default() })
    }

    /// How many describes answered this status (`CREATING`, `UPDATING`, `INDEX CREATING`,
    /// `DELETING`).
    pub fn served(&self, status: &str) -> u32 {
        self.served.lock().unwrap_or_else(|p| p.into_inner()).get(status).copied().unwrap_or(0)
    }

    fn table_of(request: &EmulatedRequest<'_>) -> Option<String> {
        let body: Value = serde_json::from_slice(request.body).ok()?;
        body.get("TableName")?.as_str().map(str::to_string)
    }

    fn start(&self, table: String, status: &'static str, index: Option<String>) {
        let busy = Busy { status, index, left: self.reads };
        self.busy.lock().unwrap_or_else(|p| p.into_inner()).insert(table, busy);
    }

    /// The busy state to show for `table` now (counting this read), if any.
    fn take(&self, table: &str) -> Option<Busy> {
        let mut all = self.busy.lock().unwrap_or_else(|p| p.into_inner());
        let b = all.get_mut(table)?;
        if b.left == 0 {
            all.remove(table);
            return None;
        }
        b.left -= 1;
        let shown = b.clone();
        let key = match (&shown.index, shown.status) {
            (Some(_), _) => "INDEX CREATING",
            (None, s) => s,
        };
        *self.served.lock().unwrap_or_else(|p| p.into_inner()).entry(key).or_default() += 1;
        Some(shown)
    }
}

fn json_answer(v: &Value) -> EmulatedResponse {
    EmulatedResponse::ok("application/x-amz-json-1.0", v.to_string())
}

impl Emulator for SlowTables {
    fn rewrite(&self, request: &EmulatedRequest<'_>, status: u16, body: &[u8]) -> Option<EmulatedResponse> {
        if request.service != "dynamodb" {
            return None;
        }
        let table = Self::table_of(request)?;
        match (request.operation, status) {
            ("CreateTable", 200) => {
                self.start(table, "CREATING", None);
                let mut v: Value = serde_json::from_slice(body).ok()?;
                v["TableDescription"]["TableStatus"] = json!("CREATING");
                Some(json_answer(&v))
            }
            ("UpdateTable", 200) => {
                let req: Value = serde_json::from_slice(request.body).ok()?;
                let index = req["GlobalSecondaryIndexUpdates"]
                    .as_array()
                    .and_then(|u| u.iter().find_map(|u| u["Create"]["IndexName"].as_str()))
                    .map(str::to_string);
                self.start(table, "UPDATING", index);
                None
            }
            ("DeleteTable", 200) => {
                self.start(table, "DELETING", None);
                let mut v: Value = serde_json::from_slice(body).ok()?;
                v["TableDescription"]["TableStatus"] = json!("DELETING");
                Some(json_answer(&v))
            }
            ("DescribeTable", 200) => {
                let busy = self.take(&table)?;
                let mut v: Value = serde_json::from_slice(body).ok()?;
                match &busy.index {
                    Some(index) => {
                        for g in v["Table"]["GlobalSecondaryIndexes"].as_array_mut()? {
                            if g["IndexName"].as_str() == Some(index) {
                                g["IndexStatus"] = json!("CREATING");
                                g["Backfilling"] = json!(true);
                            }
                        }
                    }
                    None => v["Table"]["TableStatus"] = json!(busy.status),
                }
                Some(json_answer(&v))
            }
            // moto forgets a deleted table at once; AWS shows it DELETING for a while.
            ("DescribeTable", _) => {
                let busy = self.take(&table).filter(|b| b.status == "DELETING")?;
                Some(json_answer(&json!({ "Table": { "TableName": table, "TableStatus": busy.status } })))
            }
            _ => None,
        }
    }
}
