//! An S3 bucket in memory behind the AWS SDK's HTTP client, so the S3 state backend (its state
//! object, conditional writes and journal segments) runs in the engine's crash tests without an
//! emulator process. It answers the calls the backend makes for the state: PutObject (with
//! `If-Match` / `If-None-Match: *` and user metadata), GetObject, HeadObject, ListObjectsV2 by
//! prefix, DeleteObject and DeleteObjects; anything else is a 501 that names the request. Each call
//! that changes the bucket is a crash step of the [`Cloud`] it was made with: a crash stops the
//! run before that call lands, so every point between two of the backend's writes is tried.

use crate::fake::Cloud;
use aws_smithy_runtime_api::client::http::{
    HttpConnector, HttpConnectorFuture, SharedHttpClient, SharedHttpConnector, http_client_fn,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The region the in-memory bucket is in.
pub const REGION: &str = "eu-west-1";

/// One object: its bytes, ETag and user metadata (`x-amz-meta-*`, without the prefix).
#[derive(Debug, Clone)]
struct Object {
    body: Vec<u8>,
    etag: String,
    metadata: BTreeMap<String, String>,
}

#[derive(Debug, Default)]
struct Bucket {
    objects: BTreeMap<String, Object>,
    /// ETags are unique per write (like S3 with KMS): two writes of the same bytes differ.
    writes: u64,
}

/// Buckets in memory, shared by every SDK client made from [`MemoryS3::sdk_config`].
#[derive(Debug, Clone, Default)]
pub struct MemoryS3 {
    buckets: Arc<Mutex<BTreeMap<String, Bucket>>>,
    cloud: Option<Cloud>,
}

impl MemoryS3 {
    /// A store whose writes are crash steps of `cloud`.
    pub fn new(cloud: &Cloud, bucket: &str) -> MemoryS3 {
        let s3 = MemoryS3 { buckets: Arc::default(), cloud: Some(cloud.clone()) };
        s3.lock().insert(bucket.to_string(), Bucket::default());
        s3
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Bucket>> {
        self.buckets.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The keys in `bucket` that start with `prefix`, in order.
    pub fn keys(&self, bucket: &str, prefix: &str) -> Vec<String> {
        self.lock()
            .get(bucket)
            .map(|b| b.objects.keys().filter(|k| k.starts_with(prefix)).cloned().collect())
            .unwrap_or_default()
    }

    /// An SDK configuration whose clients talk to this store (static credentials, checksums only
    /// where S3 requires them, so bodies arrive as sent).
    pub fn sdk_config(&self) -> aws_config::SdkConfig {
        let s3 = self.clone();
        let client: SharedHttpClient = http_client_fn(move |_, _| SharedHttpConnector::new(s3.clone()));
        aws_config::SdkConfig::builder()
            .region(aws_config::Region::new(REGION))
            .endpoint_url("http://memory-s3.invalid")
            .credentials_provider(aws_sdk_s3::config::SharedCredentialsProvider::new(
                aws_sdk_s3::config::Credentials::new("testing", "testing", None, None, "memory-s3"),
            ))
            .http_client(client)
            .request_checksum_calculation(aws_smithy_types::checksum_config::RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(aws_smithy_types::checksum_config::ResponseChecksumValidation::WhenRequired)
            .behavior_version(aws_config::BehaviorVersion::latest())
            .build()
    }

    /// Answers one request.
    fn answer(&self, method: &str, uri: &str, headers: &[(String, String)], body: &[u8]) -> Answer {
        let header = |name: &str| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str());
        let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
        let path = path.split_once("://").map_or(path, |(_, rest)| rest.split_once('/').map_or("", |(_, p)| p));
        let query: Vec<(String, String)> = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (decode(k), decode(v))
            })
            .collect();
        let param = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let (bucket_name, key) = match path.split_once('/') {
            Some((b, k)) => (decode(b), decode(k)),
            None => (decode(path), String::new()),
        };
        let mut buckets = self.lock();
        let Some(bucket) = buckets.get_mut(&bucket_name) else {
            return Answer::error(404, "NoSuchBucket", &bucket_name);
        };
        match (method, key.is_empty()) {
            ("PUT", false) => {
                if header("content-encoding").is_some_and(|e| e.contains("aws-chunked")) {
                    return Answer::error(501, "NotImplemented", "aws-chunked bodies");
                }
                let existing = bucket.objects.get(&key);
                if let Some(expected) = header("if-match") {
                    match existing {
                        None => return Answer::error(404, "NoSuchKey", &key),
                        Some(o) if o.etag.trim_matches('"') != expected.trim_matches('"') => {
                            return Answer::error(412, "PreconditionFailed", &key);
                        }
                        Some(_) => {}
                    }
                }
                if header("if-none-match") == Some("*") && existing.is_some() {
                    return Answer::error(412, "PreconditionFailed", &key);
                }
                bucket.writes += 1;
                let etag = format!("\"{:032x}\"", bucket.writes);
                let metadata = headers
                    .iter()
                    .filter_map(|(k, v)| {
                        k.to_ascii_lowercase().strip_prefix("x-amz-meta-").map(|m| (m.to_string(), v.clone()))
                    })
                    .collect();
                bucket.objects.insert(key, Object { body: body.to_vec(), etag: etag.clone(), metadata });
                Answer { status: 200, headers: vec![("ETag".into(), etag)], body: vec![] }
            }
            ("GET" | "HEAD", false) => match bucket.objects.get(&key) {
                Some(o) => {
                    let mut headers = vec![
                        ("ETag".to_string(), o.etag.clone()),
                        ("Content-Length".to_string(), o.body.len().to_string()),
                    ];
                    headers.extend(o.metadata.iter().map(|(k, v)| (format!("x-amz-meta-{k}"), v.clone())));
                    let body = if method == "GET" { o.body.clone() } else { vec![] };
                    Answer { status: 200, headers, body }
                }
                None if method == "HEAD" => Answer { status: 404, headers: vec![], body: vec![] },
                None => Answer::error(404, "NoSuchKey", &key),
            },
            ("DELETE", false) => {
                bucket.objects.remove(&key);
                Answer { status: 204, headers: vec![], body: vec![] }
            }
            ("GET", true) if param("list-type") == Some("2") => {
                let prefix = param("prefix").unwrap_or_default();
                let keys: Vec<&String> = bucket.objects.keys().filter(|k| k.starts_with(prefix)).collect();
                let mut xml = format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult><Name>{}</Name><Prefix>{}</Prefix><KeyCount>{}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>",
                    escape(&bucket_name),
                    escape(prefix),
                    keys.len()
                );
                for k in keys {
                    xml.push_str(&format!("<Contents><Key>{}</Key></Contents>", escape(k)));
                }
                xml.push_str("</ListBucketResult>");
                Answer::xml(xml)
            }
            ("POST", true) if param("delete").is_some() => {
                let text = String::from_utf8_lossy(body);
                for part in text.split("<Key>").skip(1) {
                    if let Some((k, _)) = part.split_once("</Key>") {
                        bucket.objects.remove(&unescape(k));
                    }
                }
                Answer::xml("<?xml version=\"1.0\" encoding=\"UTF-8\"?><DeleteResult></DeleteResult>".into())
            }
            _ => Answer::error(501, "NotImplemented", &format!("{method} {uri}")),
        }
    }
}

/// What the store answers.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn error(status: u16, code: &str, what: &str) -> Answer {
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{code}: {}</Message></Error>",
            escape(what)
        );
        Answer { status, headers: vec![("Content-Type".into(), "application/xml".into())], body: xml.into_bytes() }
    }

    fn xml(xml: String) -> Answer {
        Answer { status: 200, headers: vec![("Content-Type".into(), "application/xml".into())], body: xml.into_bytes() }
    }
}

impl HttpConnector for MemoryS3 {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let method = request.method().to_string();
        let uri = request.uri().to_string();
        let headers: Vec<(String, String)> =
            request.headers().iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let body = request.body().bytes().map(<[u8]>::to_vec);
        let s3 = self.clone();
        HttpConnectorFuture::new(async move {
            let answer = match body {
                None => Answer::error(501, "NotImplemented", "a streaming body"),
                Some(body) => {
                    // A crash stops the run before a change lands.
                    if method != "GET"
                        && method != "HEAD"
                        && let Some(cloud) = &s3.cloud
                    {
                        cloud.step().await;
                    }
                    s3.answer(&method, &uri, &headers, &body)
                }
            };
            let status = StatusCode::try_from(answer.status).map_err(|e| ConnectorError::other(e.into(), None))?;
            let mut response = HttpResponse::new(status, SdkBody::from(answer.body));
            for (k, v) in answer.headers {
                response.headers_mut().insert(k, v);
            }
            Ok(response)
        })
    }
}

/// Percent-decodes a URI component (`+` is not a space in S3 paths or in the SDK's queries).
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&")
}
