//! Application Auto Scaling as AWS answers and moto 5.2.5 does not, emulated in the fault proxy:
//! moto has no `ListTagsForResource`, `TagResource` or `UntagResource` for scalable targets (it
//! answers 500 "not implemented") and drops the `Tags` of `RegisterScalableTarget`. The Terraform
//! AWS provider reads a new target's tags and retries that 500 for minutes, so without this a
//! stack with a scalable target cannot be applied with Terraform against moto. The emulator keeps
//! the tags given at registration and through the tag calls, by the target's ARN.

use crate::faults::{EmulatedRequest, EmulatedResponse, Emulator};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// The tag API of scalable targets; see the module documentation.
#[derive(Debug, Default)]
pub struct ScalableTargetTags {
    tags: Mutex<HashMap<String, Map<String, Value>>>,
}

fn answer(v: &Value) -> EmulatedResponse {
    EmulatedResponse::ok("application/x-amz-json-1.1", v.to_string())
}

impl Emulator for ScalableTargetTags {
    fn answer(&self, request: &EmulatedRequest<'_>) -> Option<EmulatedResponse> {
        if request.service != "application-autoscaling" {
            return None;
        }
        let body: Value = serde_json::from_slice(request.body).unwrap_or(Value::Null);
        let arn = body.get("ResourceARN").and_then(Value::as_str).map(str::to_string);
        let mut tags = self.tags.lock().unwrap_or_else(PoisonError::into_inner);
        match request.operation {
            "ListTagsForResource" => {
                let arn = arn?;
                Some(answer(&json!({ "Tags": tags.get(&arn).cloned().unwrap_or_default() })))
            }
            "TagResource" => {
                let given = body.get("Tags").and_then(Value::as_object).cloned().unwrap_or_default();
                tags.entry(arn?).or_default().extend(given);
                Some(answer(&json!({})))
            }
            "UntagResource" => {
                let keys: Vec<String> = body
                    .get("TagKeys")
                    .and_then(Value::as_array)
                    .map(|k| k.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
                    .unwrap_or_default();
                if let Some(t) = tags.get_mut(&arn?) {
                    t.retain(|k, _| !keys.contains(k));
                }
                Some(answer(&json!({})))
            }
            _ => None,
        }
    }

    fn rewrite(&self, request: &EmulatedRequest<'_>, status: u16, body: &[u8]) -> Option<EmulatedResponse> {
        if (request.service, request.operation, status) != ("application-autoscaling", "RegisterScalableTarget", 200) {
            return None;
        }
        let answer: Value = serde_json::from_slice(body).ok()?;
        let arn = answer.get("ScalableTargetARN")?.as_str()?.to_string();
        let sent: Value = serde_json::from_slice(request.body).ok()?;
        let given = sent.get("Tags").and_then(Value::as_object).cloned().unwrap_or_default();
        self.tags.lock().unwrap_or_else(PoisonError::into_inner).entry(arn).or_default().extend(given);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_given_at_registration_are_listed() {
        let e = ScalableTargetTags::default();
        let h = http::HeaderMap::new();
        let register = br#"{"ResourceId":"service/c/app","Tags":{"Project":"shop"}}"#;
        let r = EmulatedRequest::for_test(
            "application-autoscaling",
            "RegisterScalableTarget",
            "POST",
            "/",
            &[],
            &h,
            register,
        );
        assert!(e.rewrite(&r, 200, br#"{"ScalableTargetARN":"arn:t/1"}"#).is_none());
        let list = br#"{"ResourceARN":"arn:t/1"}"#;
        let r = EmulatedRequest::for_test("application-autoscaling", "ListTagsForResource", "POST", "/", &[], &h, list);
        let Some(EmulatedResponse::Body { body, .. }) = e.answer(&r) else { panic!("answered") };
        assert_eq!(String::from_utf8(body).expect("utf8"), r#"{"Tags":{"Project":"shop"}}"#);
    }
}
