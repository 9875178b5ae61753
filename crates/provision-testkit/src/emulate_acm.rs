//! An ACM behaviour of real AWS that moto 5.2.5 does not show, emulated in the fault proxy: a
//! certificate stays "in use" for a while after the listener or distribution using it is gone,
//! so `DeleteCertificate` answers `ResourceInUseException` (moto deletes a certificate even while
//! a listener uses it).

use crate::faults::{EmulatedRequest, EmulatedResponse, Emulator};
use std::collections::HashMap;
use std::sync::Mutex;

/// Each certificate's first `in_use_answers` deletes answer `ResourceInUseException`.
#[derive(Debug)]
pub struct CertificateInUse {
    in_use_answers: u32,
    left: Mutex<HashMap<String, u32>>,
    answered: Mutex<u32>,
}

impl CertificateInUse {
    pub fn new(in_use_answers: u32) -> CertificateInUse {
        CertificateInUse { in_use_answers, left: Mutex::new(HashMap::new()), answered: Mutex::new(0) }
    }

    /// How many deletes were answered `ResourceInUseException`.
    pub fn answered(&self) -> u32 {
        *self.answered.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Emulator for CertificateInUse {
    fn answer(&self, r: &EmulatedRequest<'_>) -> Option<EmulatedResponse> {
        if (r.service, r.operation) != ("acm", "DeleteCertificate") {
            return None;
        }
        let body: serde_json::Value = serde_json::from_slice(r.body).ok()?;
        let arn = body.get("CertificateArn")?.as_str()?.to_string();
        let mut left = self.left.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = left.entry(arn.clone()).or_insert(self.in_use_answers);
        if *n == 0 {
            return None;
        }
        *n -= 1;
        *self.answered.lock().unwrap_or_else(std::sync::PoisonError::into_inner) += 1;
        Some(r.error(400, "ResourceInUseException", &format!("Certificate {arn} is in use.")))
    }
}
