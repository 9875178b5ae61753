//! The S3 lock object `<key>.tflock`: created with `If-None-Match: *`, renewed and taken over with
//! `If-Match: <etag>`, deleted with `If-Match` — the conditional writes S3 has offered since 2024.

use super::explain;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;
use provision_state::{LeaseRecord, LeaseStore, StateError};

pub(crate) struct S3Lock {
    s3: aws_sdk_s3::Client,
    bucket: String,
    key: String,
    region: String,
    encrypt: bool,
}

fn precondition(code: Option<&str>) -> bool {
    matches!(code, Some("PreconditionFailed" | "ConditionalRequestConflict" | "NoSuchKey"))
}

impl S3Lock {
    pub fn new(s3: aws_sdk_s3::Client, bucket: &str, key: &str, region: &str, encrypt: bool) -> S3Lock {
        S3Lock { s3, bucket: bucket.into(), key: key.into(), region: region.into(), encrypt }
    }

    fn url(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }

    async fn put(&self, record: &LeaseRecord, condition: Result<&str, ()>) -> Result<Option<String>, StateError> {
        let body = serde_json::to_vec_pretty(record).unwrap_or_default();
        let mut req = self
            .s3
            .put_object()
            .bucket(&self.bucket)
            .key(&self.key)
            .content_type("application/json")
            .body(ByteStream::from(body));
        req = match condition {
            Ok(etag) => req.if_match(etag),
            Err(()) => req.if_none_match("*"),
        };
        if self.encrypt {
            req = req.server_side_encryption(ServerSideEncryption::Aes256);
        }
        match req.send().await {
            Ok(out) => Ok(Some(out.e_tag().unwrap_or_default().to_string())),
            Err(e) => {
                let (code, msg) = explain("s3:PutObject", &self.url(), &self.region, &e);
                if precondition(code.as_deref()) { Ok(None) } else { Err(StateError::Remote(msg)) }
            }
        }
    }
}

#[async_trait::async_trait]
impl LeaseStore for S3Lock {
    fn describe(&self) -> String {
        format!("lock object {}", self.url())
    }

    async fn create(&self, record: &LeaseRecord) -> Result<Option<String>, StateError> {
        self.put(record, Err(())).await
    }

    async fn read(&self) -> Result<Option<(LeaseRecord, String)>, StateError> {
        match self.s3.get_object().bucket(&self.bucket).key(&self.key).send().await {
            Ok(out) => {
                let etag = out.e_tag().unwrap_or_default().to_string();
                let bytes = out
                    .body
                    .collect()
                    .await
                    .map_err(|e| StateError::Remote(format!("reading {} failed: {e}", self.url())))?
                    .into_bytes();
                let record: LeaseRecord = serde_json::from_slice(&bytes).map_err(|e| StateError::Corrupt {
                    path: self.url().into(),
                    detail: format!("the lock object is unreadable: {e}"),
                })?;
                Ok(Some((record, etag)))
            }
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => Ok(None),
            Err(e) => Err(StateError::Remote(explain("s3:GetObject", &self.url(), &self.region, &e).1)),
        }
    }

    async fn replace(&self, expected: &str, record: &LeaseRecord) -> Result<Option<String>, StateError> {
        self.put(record, Ok(expected)).await
    }

    async fn delete(&self, expected: &str) -> Result<bool, StateError> {
        match self.s3.delete_object().bucket(&self.bucket).key(&self.key).if_match(expected).send().await {
            Ok(_) => Ok(true),
            Err(e) => {
                let (code, msg) = explain("s3:DeleteObject", &self.url(), &self.region, &e);
                if precondition(code.as_deref()) { Ok(false) } else { Err(StateError::Remote(msg)) }
            }
        }
    }
}
