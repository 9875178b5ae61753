//! What moto 5.2.5's S3 answers differently from AWS, put right in the fault-injection proxy so
//! the S3 types are tested end to end: `GetBucketVersioning` answers with the root element
//! `GetBucketVersioningResponse` where AWS (and so the AWS SDK for Rust) has
//! `VersioningConfiguration`, which the SDK cannot parse.

use crate::faults::{EmulatedRequest, EmulatedResponse, Emulator};

/// Renames the root element of moto's `GetBucketVersioning` answer to AWS's.
#[derive(Debug, Default)]
pub struct S3Answers;

impl Emulator for S3Answers {
    fn rewrite(&self, request: &EmulatedRequest<'_>, status: u16, body: &[u8]) -> Option<EmulatedResponse> {
        let versioning = request.params.iter().any(|(k, _)| k == "versioning");
        if request.service != "s3" || request.method != "GET" || !versioning || status != 200 {
            return None;
        }
        let text = std::str::from_utf8(body).ok()?;
        if !text.contains("<GetBucketVersioningResponse") {
            return None;
        }
        let fixed = text
            .replace("<GetBucketVersioningResponse", "<VersioningConfiguration")
            .replace("</GetBucketVersioningResponse>", "</VersioningConfiguration>");
        Some(EmulatedResponse::ok("application/xml", fixed))
    }
}
