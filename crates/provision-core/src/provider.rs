//! The resource contract: what every resource type and data source implements, and what the
//! engine may assume of it. The engine only ever sees these traits, never an SDK type.

use crate::address::Address;
use crate::schema::Schema;
use crate::tags;
use crate::value::Attrs;
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Who an object belongs to: the stack (its state's lineage) and the address it was created for.
/// Every object provision creates carries both as tags, so it can be found again after a crash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub stack: String,
    pub address: Address,
}

impl Identity {
    /// The system tags to put on the object at creation.
    pub fn system_tags(&self) -> Vec<(String, String)> {
        vec![(tags::STACK.to_string(), self.stack.clone()), (tags::ADDRESS.to_string(), self.address.to_string())]
    }
}

/// What a create call needs beyond the desired attributes.
#[derive(Debug, Clone)]
pub struct CreateContext {
    pub identity: Identity,
    /// An idempotency token stored durably in the pending record before the call: the same token
    /// on a retried create returns the first object instead of making a second.
    pub token: String,
}

/// What a batched read needs: the stack, so implementations can list the stack's objects by tag in
/// one call instead of asking for each id.
#[derive(Debug, Clone)]
pub struct ReadContext {
    pub stack: String,
}

/// The broad kind of a provider failure; the engine decides what to report, the provider decides
/// what to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderErrorKind {
    /// The object does not exist (any more).
    NotFound,
    /// AWS refused the request as invalid; retrying will not help.
    Invalid,
    /// Another object or a dependency is in the way (e.g. `DependencyViolation`).
    Conflict,
    /// Credentials are missing or lack permission.
    Auth,
    /// The provider is not configured (no region, bad endpoint).
    Config,
    /// Throttling, 5xx, timeouts or dropped connections that outlasted the retry policy.
    Transient,
    /// Waiting for a state (`available`, `deleted`) ran out of time.
    Timeout,
    Other,
}

/// A failed provider operation, with the AWS error code where there is one.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct ProviderError {
    pub kind: ProviderErrorKind,
    pub code: Option<String>,
    pub message: String,
}

impl ProviderError {
    pub fn new(kind: ProviderErrorKind, message: impl Into<String>) -> Self {
        ProviderError { kind, code: None, message: message.into() }
    }

    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    pub fn is_not_found(&self) -> bool {
        self.kind == ProviderErrorKind::NotFound
    }
}

/// One resource type, e.g. `aws_subnet`.
///
/// Attribute maps passed in are wholly known and carry no sensitive marks. Attribute maps returned
/// hold every attribute of the schema (null where unset), with `id` set, and `tags_all` holding
/// every tag except provision's system tags.
#[async_trait]
pub trait ResourceType: Send + Sync {
    fn name(&self) -> &'static str;

    fn schema(&self) -> &Schema;

    /// Reads many objects in as few calls as the API allows. `objects` holds each object's id and
    /// its attributes as last recorded (for attributes the batched read cannot see). Objects that
    /// no longer exist are absent from the result.
    async fn read_many(
        &self,
        ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError>;

    /// Creates the object, tagged with `ctx.identity`, and waits until it is ready.
    async fn create(&self, ctx: &CreateContext, desired: &Attrs) -> Result<Attrs, ProviderError>;

    /// Changes in place the attributes that differ between `prior` and `desired`.
    async fn update(&self, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError>;

    /// Deletes the object, doing whatever AWS requires first. An object already gone is success.
    async fn delete(&self, id: &str, prior: &Attrs) -> Result<(), ProviderError>;

    /// Every object tagged with this identity (normally none or one).
    async fn find(&self, identity: &Identity) -> Result<Vec<Attrs>, ProviderError>;
}

/// One data source, e.g. `aws_availability_zones`.
#[async_trait]
pub trait DataSourceType: Send + Sync {
    fn name(&self) -> &'static str;

    fn schema(&self) -> &Schema;

    async fn read(&self, args: &Attrs) -> Result<Attrs, ProviderError>;
}

/// A set of resource types and data sources, configured from a `provider` block.
pub trait Provider: Send + Sync {
    /// The provider's name in configurations (`aws`).
    fn name(&self) -> &'static str;

    /// The schema of the `provider "<name>"` block.
    fn config_schema(&self) -> &Schema;

    /// Applies the evaluated provider block. Must not call AWS.
    fn configure(&self, config: &Attrs) -> Result<(), ProviderError>;

    fn resource_type(&self, name: &str) -> Option<Arc<dyn ResourceType>>;

    fn data_source(&self, name: &str) -> Option<Arc<dyn DataSourceType>>;

    /// Names of every supported resource type, sorted.
    fn resource_type_names(&self) -> Vec<&'static str>;

    /// Names of every supported data source, sorted.
    fn data_source_names(&self) -> Vec<&'static str>;
}
