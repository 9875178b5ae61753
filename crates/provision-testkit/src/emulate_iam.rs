//! IAM's delete rules that moto does not enforce, for the fault proxy: AWS refuses `DeletePolicy`
//! (`DeleteConflict`) while the policy is attached to a role or has versions other than the
//! default; moto deletes it and leaves the role with an attachment that can never be removed.
//! The emulation follows the attachments and versions it sees go through the proxy.

use crate::faults::{EmulatedRequest, EmulatedResponse, Emulator};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

#[derive(Debug, Default)]
struct Seen {
    /// (role, policy ARN) attached through the proxy and not detached since.
    attached: BTreeSet<(String, String)>,
    /// Non-default versions per policy ARN.
    versions: BTreeMap<String, u32>,
    refused: u64,
}

/// Refuses `DeletePolicy` as AWS does. See the module documentation.
#[derive(Debug, Default)]
pub struct IamDeleteRules {
    seen: Mutex<Seen>,
}

impl IamDeleteRules {
    /// How many deletes were refused.
    pub fn refused(&self) -> u64 {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).refused
    }
}

impl Emulator for IamDeleteRules {
    fn answer(&self, request: &EmulatedRequest<'_>) -> Option<EmulatedResponse> {
        if request.service != "iam" || request.operation != "DeletePolicy" {
            return None;
        }
        let arn = request.param("PolicyArn")?.to_string();
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let attached: Vec<String> = seen.attached.iter().filter(|(_, a)| *a == arn).map(|(r, _)| r.clone()).collect();
        let versions = seen.versions.get(&arn).copied().unwrap_or(0);
        let why = if !attached.is_empty() {
            format!("Cannot delete a policy attached to entities ({}).", attached.join(", "))
        } else if versions > 0 {
            "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.".to_string()
        } else {
            return None;
        };
        seen.refused += 1;
        Some(request.error(409, "DeleteConflict", &why))
    }

    fn rewrite(&self, request: &EmulatedRequest<'_>, status: u16, _body: &[u8]) -> Option<EmulatedResponse> {
        if request.service != "iam" || status != 200 {
            return None;
        }
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let pair = || Some((request.param("RoleName")?.to_string(), request.param("PolicyArn")?.to_string()));
        match request.operation {
            "AttachRolePolicy" => {
                if let Some(p) = pair() {
                    seen.attached.insert(p);
                }
            }
            "DetachRolePolicy" => {
                if let Some(p) = pair() {
                    seen.attached.remove(&p);
                }
            }
            "CreatePolicyVersion" => {
                if let Some(arn) = request.param("PolicyArn") {
                    *seen.versions.entry(arn.to_string()).or_default() += 1;
                }
            }
            "DeletePolicyVersion" => {
                if let Some(n) = request.param("PolicyArn").and_then(|arn| seen.versions.get_mut(arn)) {
                    *n = n.saturating_sub(1);
                }
            }
            "DeleteRole" => {
                if let Some(role) = request.param("RoleName") {
                    seen.attached.retain(|(r, _)| r != role);
                }
            }
            _ => {}
        }
        None
    }
}
