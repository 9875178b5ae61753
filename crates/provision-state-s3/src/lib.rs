//! The S3 state backend: the state as one object in S3 (versioned, optionally encrypted), written
//! only over the version this run read (S3 conditional writes), and locked with leases in a
//! DynamoDB item (Terraform's shape) and/or an S3 lock object (`<key>.tflock`). Between whole
//! writes, each state write is a small journal segment under `<key>.journal/` (see [`journal`]).
//! A crate of its own: the CLI needs it, the `aws` provider does not, and neither has to recompile
//! for the other.

mod bootstrap;
mod dynamo;
mod journal;
mod s3lock;

use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;
use journal::Follow;
use provision_core::state::State;
use provision_state::lease::{self, LeaseStore};
use provision_state::{Backend, Lock, LockInfo, StateError};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::OnceCell;

/// The `backend "s3"` settings, after `-backend-config` and the environment are applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Config {
    pub bucket: String,
    pub key: String,
    /// The bucket's region; the standard AWS chain's when unset.
    pub region: Option<String>,
    pub dynamodb_table: Option<String>,
    pub use_lockfile: bool,
    pub encrypt: bool,
    pub kms_key_id: Option<String>,
    /// Where the states of environments other than `default` go: `<prefix>/<env>/<key>`.
    pub workspace_key_prefix: String,
    /// The environment (`--env`); `default` uses `key` itself.
    pub env: String,
    /// How long a lock holder may stay silent before its lock may be taken over.
    pub lease: Duration,
}

impl S3Config {
    /// The object key of this environment's state.
    pub fn state_key(&self) -> String {
        if self.env == "default" {
            self.key.clone()
        } else {
            format!("{}/{}/{}", self.workspace_key_prefix.trim_end_matches('/'), self.env, self.key)
        }
    }

    /// Which lock records to take: the S3 lock object and/or the DynamoDB item; the S3 lock
    /// object when neither is configured (never unlocked).
    fn lockfile(&self) -> bool {
        self.use_lockfile || self.dynamodb_table.is_none()
    }
}

pub(crate) struct Clients {
    pub s3: aws_sdk_s3::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub region: String,
}

/// The S3 backend.
pub struct S3Backend {
    pub config: S3Config,
    clients: OnceCell<Clients>,
    /// The state object as this process last read or wrote it (its ETag, generation and journal):
    /// `None` when there was none, or it was never read. Writes are conditional on it.
    seen: Mutex<Option<Follow>>,
    /// PutObject requests for the state and its journal, and the bytes they uploaded.
    puts: AtomicU64,
    uploaded: AtomicU64,
}

/// A readable message from a failed S3 or DynamoDB call, naming what and how to fix it.
pub(crate) fn explain<E, R>(op: &str, target: &str, region: &str, e: &SdkError<E, R>) -> (Option<String>, String)
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    let code = e.as_service_error().and_then(|s| s.code()).map(str::to_string);
    let detail = e
        .as_service_error()
        .and_then(|s| s.message())
        .map(str::to_string)
        .unwrap_or_else(|| provision_aws_core::error::chain(e));
    let hint = match code.as_deref() {
        Some("NoSuchBucket") => format!(
            "the bucket does not exist in {region}: create it (with versioning, encryption and the lock table) with `provision state bootstrap`"
        ),
        Some("ResourceNotFoundException") => {
            format!("the lock table does not exist in {region}: create it with `provision state bootstrap`")
        }
        Some("AccessDenied" | "AccessDeniedException" | "Forbidden" | "AllAccessDisabled") => format!(
            "access denied: the credentials in use need {op} on {target} (check AWS_PROFILE and the bucket and table policies)"
        ),
        Some("PermanentRedirect" | "AuthorizationHeaderMalformed" | "IllegalLocationConstraintException") => {
            format!("the bucket is not in {region}: set `region` in the backend block to the bucket's region")
        }
        Some("InvalidAccessKeyId" | "SignatureDoesNotMatch" | "ExpiredToken" | "UnrecognizedClientException") => {
            "the AWS credentials are not valid: check AWS_PROFILE / AWS_ACCESS_KEY_ID, or run `aws sso login`".into()
        }
        _ => String::new(),
    };
    let code_text = code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default();
    let msg = if hint.is_empty() {
        format!("{op} on {target} failed: {detail}{code_text}")
    } else {
        format!("{op} on {target} failed: {detail}{code_text}\n  {hint}")
    };
    (code, msg)
}

fn remote(message: String) -> StateError {
    StateError::Remote(message)
}

/// True when an endpoint override is in effect (an emulator), which needs path-style S3 URLs.
fn endpoint_override() -> bool {
    std::env::var_os("AWS_ENDPOINT_URL").is_some() || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some()
}

impl S3Backend {
    pub fn new(config: S3Config) -> S3Backend {
        S3Backend {
            config,
            clients: OnceCell::new(),
            seen: Mutex::new(None),
            puts: AtomicU64::new(0),
            uploaded: AtomicU64::new(0),
        }
    }

    /// A backend using the given SDK configuration instead of the standard chain (tests, tools,
    /// a remote state's own `endpoints`). Its endpoint, when it has one, is the clients' even when
    /// `AWS_ENDPOINT_URL` says otherwise: the SDK ranks the environment above an endpoint that
    /// comes with shared settings, and only one set on a client's own configuration above both.
    pub fn with_sdk(config: S3Config, sdk: &aws_config::SdkConfig) -> S3Backend {
        let region = config.region.clone().or_else(|| sdk.region().map(|r| r.to_string())).unwrap_or_default();
        let mut s3 = aws_sdk_s3::config::Builder::from(sdk).force_path_style(sdk.endpoint_url().is_some());
        let mut dynamodb = aws_sdk_dynamodb::config::Builder::from(sdk);
        if let Some(url) = sdk.endpoint_url() {
            s3 = s3.endpoint_url(url);
            dynamodb = dynamodb.endpoint_url(url);
        }
        let clients = Clients {
            s3: aws_sdk_s3::Client::from_conf(s3.build()),
            dynamodb: aws_sdk_dynamodb::Client::from_conf(dynamodb.build()),
            region,
        };
        S3Backend {
            config,
            clients: OnceCell::new_with(Some(clients)),
            seen: Mutex::new(None),
            puts: AtomicU64::new(0),
            uploaded: AtomicU64::new(0),
        }
    }

    pub(crate) async fn clients(&self) -> Result<&Clients, StateError> {
        self.clients
            .get_or_try_init(|| async {
                let sdk = provision_aws_core::context::load(self.config.region.clone()).await;
                let region = sdk.region().map(|r| r.to_string()).ok_or_else(|| {
                    remote("the S3 backend has no region: set `region` in the backend block, or AWS_REGION".into())
                })?;
                let s3 = aws_sdk_s3::config::Builder::from(&sdk).force_path_style(endpoint_override()).build();
                Ok(Clients {
                    s3: aws_sdk_s3::Client::from_conf(s3),
                    dynamodb: aws_sdk_dynamodb::Client::new(&sdk),
                    region,
                })
            })
            .await
    }

    /// PutObject requests this backend made for the state and its journal (locks not included),
    /// and the bytes they uploaded.
    pub fn uploads(&self) -> (u64, u64) {
        (self.puts.load(Ordering::Relaxed), self.uploaded.load(Ordering::Relaxed))
    }

    pub(crate) fn count_upload(&self, len: usize) {
        self.puts.fetch_add(1, Ordering::Relaxed);
        self.uploaded.fetch_add(len as u64, Ordering::Relaxed);
    }

    pub(crate) fn follow(&self) -> Option<Follow> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub(crate) fn set_follow(&self, follow: Option<Follow>) {
        *self.seen.lock().unwrap_or_else(|p| p.into_inner()) = follow;
    }

    fn url(&self) -> String {
        format!("s3://{}/{}", self.config.bucket, self.config.state_key())
    }

    async fn stores(&self) -> Result<Vec<Arc<dyn LeaseStore>>, StateError> {
        let c = self.clients().await?;
        let mut stores: Vec<Arc<dyn LeaseStore>> = vec![];
        if self.config.lockfile() {
            stores.push(Arc::new(s3lock::S3Lock::new(
                c.s3.clone(),
                &self.config.bucket,
                &format!("{}.tflock", self.config.state_key()),
                &c.region,
                self.config.encrypt,
            )));
        }
        if let Some(table) = &self.config.dynamodb_table {
            stores.push(Arc::new(dynamo::DynamoLock::new(
                c.dynamodb.clone(),
                table,
                &format!("{}/{}", self.config.bucket, self.config.state_key()),
                &c.region,
            )));
        }
        Ok(stores)
    }

    /// The object's text as it is: not parsed, no journal replayed (the Terraform state that
    /// `state migrate --from-terraform s3://…` reads). `None` when it does not exist.
    pub async fn read_object(&self) -> Result<Option<String>, StateError> {
        let c = self.clients().await?;
        match c.s3.get_object().bucket(&self.config.bucket).key(self.config.state_key()).send().await {
            Ok(out) => {
                let bytes = out
                    .body
                    .collect()
                    .await
                    .map_err(|e| remote(format!("reading {} failed: {e}", self.url())))?
                    .into_bytes();
                String::from_utf8(bytes.to_vec())
                    .map(Some)
                    .map_err(|_| StateError::Corrupt { path: self.url().into(), detail: "it is not UTF-8 text".into() })
            }
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => Ok(None),
            Err(e) => Err(remote(explain("s3:GetObject", &self.url(), &c.region, &e).1)),
        }
    }

    /// Creates the bucket (versioning, encryption, public access blocked) and the lock table, if
    /// they are missing; changes nothing that is already right. Returns what it did, line by line.
    pub async fn bootstrap(&self) -> Result<Vec<String>, StateError> {
        bootstrap::run(self).await
    }
}

#[async_trait::async_trait]
impl Backend for S3Backend {
    fn location(&self) -> String {
        self.url()
    }

    /// The state object's text, or, when segments follow it, the replayed state as the state
    /// object would hold it.
    async fn read_text(&self) -> Result<Option<String>, StateError> {
        match self.load().await? {
            Some(loaded) => {
                self.set_follow(Some(loaded.follow));
                if loaded.replayed { pretty(&self.url(), &loaded.state).map(Some) } else { Ok(Some(loaded.text)) }
            }
            None => {
                self.set_follow(None);
                Ok(None)
            }
        }
    }

    async fn read(&self) -> Result<Option<State>, StateError> {
        let loaded = self.load().await?;
        self.set_follow(loaded.as_ref().map(|l| l.follow.clone()));
        Ok(loaded.map(|l| l.state))
    }

    async fn write(&self, state: &State) -> Result<(), StateError> {
        let c = self.clients().await?;
        // No segment may be added to the generation this write replaces (see `journal`).
        self.seal().await?;
        let seen = self.follow();
        let text = pretty(&self.url(), state)?;
        let len = text.len();
        let generation = uuid::Uuid::new_v4().simple().to_string();
        let mut req =
            c.s3.put_object()
                .bucket(&self.config.bucket)
                .key(self.config.state_key())
                .content_type("application/json")
                .metadata(journal::GENERATION, &generation)
                .body(ByteStream::from(text.into_bytes()));
        req = match seen.as_ref().and_then(|f| f.etag.as_ref()) {
            Some(etag) => req.if_match(etag),
            // Never read, or read and absent: only create.
            _ => req.if_none_match("*"),
        };
        if self.config.encrypt {
            req = match &self.config.kms_key_id {
                Some(k) => req.server_side_encryption(ServerSideEncryption::AwsKms).ssekms_key_id(k),
                None => req.server_side_encryption(ServerSideEncryption::Aes256),
            };
        }
        self.count_upload(len);
        match req.send().await {
            Ok(out) => {
                self.set_follow(Some(Follow {
                    etag: out.e_tag().map(str::to_string),
                    generation: Some(generation.clone()),
                    next: state.serial + 1,
                    state_len: len as u64,
                    ..Follow::default()
                }));
                // The journal the state object now holds, and any leftovers, go.
                self.clean(&generation).await;
                Ok(())
            }
            Err(e) => {
                let (code, msg) = explain("s3:PutObject", &self.url(), &c.region, &e);
                if matches!(code.as_deref(), Some("PreconditionFailed" | "ConditionalRequestConflict" | "NoSuchKey")) {
                    let now = match self.read_text().await {
                        Ok(Some(t)) => match provision_state::parse(Path::new(&self.url()), &t) {
                            Ok(s) => format!("it is now at serial {} of lineage {}", s.serial, s.lineage),
                            Err(_) => "it is now unreadable".into(),
                        },
                        Ok(None) => "it was deleted".into(),
                        Err(_) => "it could not be read again".into(),
                    };
                    // Keep refusing: the version we hold is not the current one.
                    self.set_follow(seen);
                    return Err(StateError::Conflict { location: self.url(), detail: now });
                }
                Err(remote(msg))
            }
        }
    }

    async fn append(&self, line: &str) -> Result<bool, StateError> {
        self.append_segment(line).await
    }

    async fn has_journal(&self) -> Result<bool, StateError> {
        Ok(self.follow().is_some_and(|f| f.live))
    }

    async fn lock(&self, operation: &str, timeout: Duration) -> Result<Lock, StateError> {
        let stores = self.stores().await?;
        let info = LockInfo::new(operation, Path::new(&self.url()));
        lease::acquire(stores, info, self.config.lease, timeout).await.map(|g| Lock::Lease(Box::new(g)))
    }

    async fn lock_info(&self) -> Result<Option<LockInfo>, StateError> {
        for store in self.stores().await? {
            if let Some((record, _)) = store.read().await? {
                return Ok(Some(record.info));
            }
        }
        Ok(None)
    }

    async fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError> {
        let mut removed = None;
        for store in self.stores().await? {
            if let Some(info) = lease::force_unlock(store.as_ref(), id).await? {
                removed = Some(info);
            }
        }
        removed.ok_or_else(|| StateError::NotLocked { path: self.url().into() })
    }
}

/// A state as the state object holds it.
fn pretty(url: &str, state: &State) -> Result<String, StateError> {
    let mut text = serde_json::to_string_pretty(state)
        .map_err(|e| StateError::Corrupt { path: url.into(), detail: e.to_string() })?;
    text.push('\n');
    Ok(text)
}
