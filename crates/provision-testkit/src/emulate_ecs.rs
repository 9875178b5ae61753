//! ECS behaviours moto does not show, for the fault-injection proxy: deployments that roll over
//! several reads (moto's services never reach a steady state after a create, and jump to it after
//! an update), with failed tasks and why they stopped; and IAM propagation, where ECS refuses a
//! role created moments ago for a while ("ECS was unable to assume the role").

use crate::faults::{EmulatedRequest, EmulatedResponse, Emulator};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Mutex;

/// The ARN of the stopped task [`Deployments`] reports.
const STOPPED_TASK: &str = "arn:aws:ecs:us-east-1:123456789012:task/emulated/0000000000000000000000000000000a";

/// A service's deployment takes `rolling_reads` `DescribeServices` answers to reach its desired
/// count: read k shows k-1 tasks running (never all), and from the second read one failed task
/// whose stopped reason is `stopped_reason` (answered through `ListTasks` and `DescribeTasks`).
/// After that the deployment is `COMPLETED` with every task running. Counted per service, from its
/// last `CreateService` or `UpdateService`.
#[derive(Debug)]
pub struct Deployments {
    pub rolling_reads: u32,
    pub stopped_reason: String,
    reads: Mutex<HashMap<String, u32>>,
    /// `DescribeServices` answers rewritten as still rolling, in total.
    rolled: Mutex<u32>,
}

impl Deployments {
    pub fn new(rolling_reads: u32, stopped_reason: &str) -> Deployments {
        Deployments {
            rolling_reads,
            stopped_reason: stopped_reason.into(),
            reads: Mutex::new(HashMap::new()),
            rolled: Mutex::new(0),
        }
    }

    /// How many `DescribeServices` answers showed a deployment still rolling.
    pub fn rolled(&self) -> u32 {
        self.rolled.lock().map(|g| *g).unwrap_or(0)
    }

    fn body(request: &EmulatedRequest<'_>) -> Value {
        serde_json::from_slice(request.body).unwrap_or(Value::Null)
    }
}

fn json_answer(v: &Value) -> EmulatedResponse {
    EmulatedResponse::ok("application/x-amz-json-1.1", v.to_string())
}

impl Emulator for Deployments {
    fn answer(&self, request: &EmulatedRequest<'_>) -> Option<EmulatedResponse> {
        if request.service != "ecs" {
            return None;
        }
        let body = Self::body(request);
        match request.operation {
            "CreateService" | "UpdateService" => {
                // A new deployment: the count starts again (for the service's name, as both
                // calls give it).
                let name = body.get("serviceName").or_else(|| body.get("service")).and_then(Value::as_str)?;
                let name = name.rsplit('/').next().unwrap_or(name).to_string();
                if let Ok(mut reads) = self.reads.lock() {
                    reads.insert(name, 0);
                }
                None
            }
            "ListTasks" if body.get("desiredStatus").and_then(Value::as_str) == Some("STOPPED") => {
                Some(json_answer(&json!({ "taskArns": [STOPPED_TASK] })))
            }
            "DescribeTasks"
                if body.get("tasks").and_then(Value::as_array).is_some_and(|t| t.iter().any(|a| a == STOPPED_TASK)) =>
            {
                Some(json_answer(&json!({
                    "tasks": [{ "taskArn": STOPPED_TASK, "lastStatus": "STOPPED", "desiredStatus": "STOPPED",
                                "stoppedReason": self.stopped_reason }],
                    "failures": []
                })))
            }
            _ => None,
        }
    }

    fn rewrite(&self, request: &EmulatedRequest<'_>, status: u16, body: &[u8]) -> Option<EmulatedResponse> {
        if request.service != "ecs" || request.operation != "DescribeServices" || status != 200 {
            return None;
        }
        let mut doc: Value = serde_json::from_slice(body).ok()?;
        let services = doc.get_mut("services")?.as_array_mut()?;
        let mut reads = self.reads.lock().ok()?;
        for s in services.iter_mut() {
            if s.get("status").and_then(Value::as_str) != Some("ACTIVE") {
                continue;
            }
            let Some(name) = s.get("serviceName").and_then(Value::as_str).map(str::to_string) else { continue };
            let Some(count) = reads.get_mut(&name) else { continue };
            *count += 1;
            let desired = s.get("desiredCount").and_then(Value::as_i64).unwrap_or(0);
            let task_definition = s.get("taskDefinition").cloned().unwrap_or(Value::Null);
            let rolling = *count <= self.rolling_reads && desired > 0;
            let running = if rolling { (i64::from(*count) - 1).min(desired - 1).max(0) } else { desired };
            let failed = if *count >= 2 { 1 } else { 0 };
            if rolling && let Ok(mut n) = self.rolled.lock() {
                *n += 1;
            }
            s["runningCount"] = json!(running);
            s["pendingCount"] = json!(desired - running);
            s["deployments"] = json!([{
                "id": "ecs-svc/emulated",
                "status": "PRIMARY",
                "taskDefinition": task_definition,
                "desiredCount": desired,
                "runningCount": running,
                "pendingCount": desired - running,
                "failedTasks": failed,
                "rolloutState": if rolling { "IN_PROGRESS" } else { "COMPLETED" },
            }]);
        }
        Some(json_answer(&doc))
    }
}

/// ECS refusing a role it was just given, the way it does while IAM propagates a new role:
/// `operation` (e.g. `CreateService`) answers `InvalidParameterException` "ECS was unable to assume
/// the role '<role>' ..." for its first `times` calls, then goes through.
#[derive(Debug)]
pub struct RoleNotReady {
    pub operation: String,
    pub role: String,
    pub times: u32,
    seen: Mutex<u32>,
}

impl RoleNotReady {
    pub fn new(operation: &str, role: &str, times: u32) -> RoleNotReady {
        RoleNotReady { operation: operation.into(), role: role.into(), times, seen: Mutex::new(0) }
    }

    /// How many calls were refused.
    pub fn refused(&self) -> u32 {
        self.seen.lock().map(|g| (*g).min(self.times)).unwrap_or(0)
    }
}

impl Emulator for RoleNotReady {
    fn answer(&self, request: &EmulatedRequest<'_>) -> Option<EmulatedResponse> {
        if request.service != "ecs" || request.operation != self.operation {
            return None;
        }
        let mut seen = self.seen.lock().ok()?;
        *seen += 1;
        (*seen <= self.times).then(|| {
            request.error(
                400,
                "InvalidParameterException",
                &format!(
                    "ECS was unable to assume the role '{}' that was provided for this task. Please verify that the role being passed has the proper trust relationship and permissions and that your IAM user has permissions to pass this role.",
                    self.role
                ),
            )
        })
    }
}
