//! The resource contract: what every resource type and data source implements, and what the
//! engine may assume of it. The engine only ever sees these traits, never an SDK type.

use crate::address::Address;
use crate::schema::Schema;
use crate::tags;
use crate::value::{Attrs, Value};
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Who an object belongs to: the stack (its state's lineage) and the address it was created for.
/// Every object provision creates that AWS can tag carries both as tags, so it can be found again
/// after a crash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub stack: String,
    pub address: Address,
}

impl Identity {
    /// The system tags to put on the object at creation.
    pub fn system_tags(&self) -> Vec<(String, String)> {
        vec![
            (tags::STACK.to_string(), self.stack.clone()),
            (tags::ADDRESS.to_string(), tags::address_value(&self.address)),
        ]
    }

    /// Whose an object is, judged by its tags (every tag, system tags included).
    pub fn owner_of<'a>(&self, tags: impl IntoIterator<Item = (&'a str, &'a str)>) -> Owner {
        let (mut stack, mut address) = (None, None);
        for (k, v) in tags {
            match k {
                tags::STACK => stack = Some(v),
                tags::ADDRESS => address = Some(v),
                _ => {}
            }
        }
        match (stack, address) {
            (Some(s), Some(a)) if s == self.stack && tags::names_address(a, &self.address) => Owner::Ours,
            (Some(s), Some(a)) => Owner::Other(format!("it belongs to {} of stack {s}", tags::address_text(a))),
            _ => Owner::Other("it carries no provision tags: it was made outside this stack".into()),
        }
    }
}

/// How a resource type's objects are found again when a run stopped between the create call and
/// the state write that records its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityStrategy {
    /// By the identity tags put on the object in the create call (EC2, ELBv2, RDS, ECS, ...).
    Tags,
    /// By a name the object is created with (S3 buckets, IAM roles, log groups, ECR repositories,
    /// secrets). The pending record keeps the name ([`ResourceType::natural_key`]); recovery reads
    /// the object by that name and adopts it only if its identity tags say it is ours.
    Name,
    /// The object cannot be tagged (routes, associations, legacy rules): recovery looks for an
    /// object identical to what the create was given, which the pending record keeps, so an
    /// object whose block was removed before the next run is still found and deleted.
    Content,
}

/// Whose an object found during recovery is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    Ours,
    /// Someone else's: why, for the message.
    Other(String),
}

/// An object found during recovery.
#[derive(Debug, Clone)]
pub struct Found {
    pub attrs: Attrs,
    pub owner: Owner,
}

impl Found {
    pub fn ours(attrs: Attrs) -> Self {
        Found { attrs, owner: Owner::Ours }
    }
}

/// What recovery knows about the object it looks for.
#[derive(Debug, Clone)]
pub struct FindQuery {
    pub identity: Identity,
    /// For [`IdentityStrategy::Name`]: the name recorded before the create call.
    pub natural_key: Option<String>,
    /// The arguments the create was given (empty for records written before format version 2).
    pub desired: Attrs,
}

/// How long each kind of operation may take before provision stops waiting: a type's defaults,
/// overridden per resource by Terraform's `timeouts { create = "40m" }` block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub create: Duration,
    pub update: Duration,
    pub delete: Duration,
}

impl Default for Timeouts {
    /// Terraform's usual default for resources that do not set their own.
    fn default() -> Self {
        let twenty = Duration::from_secs(20 * 60);
        Timeouts { create: twenty, update: twenty, delete: twenty }
    }
}

/// Reports what a running operation is waiting for ("status available", "3 of 4 targets healthy").
pub type StatusSink = Arc<dyn Fn(String) + Send + Sync>;

/// What every create, update and delete gets: who the object is, an idempotency token, a
/// deadline, and a way to say what it is waiting for. Cancellation is the engine dropping the
/// operation's future (a second Ctrl-C, a passed deadline): implementations keep every `.await`
/// safe to stop at, which the journal makes true as long as the object is tagged (or named) in its
/// create call.
#[derive(Clone)]
pub struct OpContext {
    pub identity: Identity,
    /// For creates: stored durably in the pending record before the call, so a retried create
    /// returns the first object instead of making a second. Other operations get a fresh one.
    pub token: String,
    /// When the engine stops waiting for this operation.
    pub deadline: Instant,
    status: Option<StatusSink>,
}

impl std::fmt::Debug for OpContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpContext")
            .field("identity", &self.identity)
            .field("token", &self.token)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

impl OpContext {
    pub fn new(identity: Identity, token: impl Into<String>, timeout: Duration) -> Self {
        OpContext { identity, token: token.into(), deadline: Instant::now() + timeout, status: None }
    }

    /// Sends [`OpContext::status`] reports to `sink`.
    pub fn with_status(mut self, sink: StatusSink) -> Self {
        self.status = Some(sink);
        self
    }

    /// Says what the operation is waiting for; shown in progress lines and in a timeout's message.
    pub fn status(&self, status: impl Into<String>) {
        if let Some(sink) = &self.status {
            sink(status.into());
        }
    }

    /// Time left before the deadline (zero once it passed).
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }
}

/// What a batched read needs: the stack, so implementations can list the stack's objects by tag in
/// one call instead of asking for each id.
#[derive(Debug, Clone, Default)]
pub struct ReadContext {
    pub stack: String,
    /// For `check_delete`: every object the same plan deletes. What a container holds that the
    /// plan deletes anyway (a zone's records, a bucket's objects) does not stand in the way of
    /// deleting the container.
    pub deleted: Arc<Vec<PlannedDelete>>,
}

/// An object a plan deletes, as [`ReadContext::deleted`] lists it.
#[derive(Debug, Clone)]
pub struct PlannedDelete {
    pub type_name: String,
    pub id: String,
    pub attrs: Attrs,
}

impl ReadContext {
    /// True when the plan deletes the object of this type and id.
    pub fn deletes(&self, type_name: &str, id: &str) -> bool {
        self.deleted.iter().any(|d| d.type_name == type_name && d.id == id)
    }
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

/// What deleting an object will do that the user must know before anything is torn down, found
/// at plan time by [`ResourceType::check_delete`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteNote {
    /// The delete would fail or lose what must not be lost: the plan fails, naming the object.
    pub refuse: bool,
    /// What will happen or what is in the way, and the fix ("the bucket holds 3 objects; set
    /// force_destroy = true to delete them with it").
    pub message: String,
}

impl DeleteNote {
    /// The plan shows this in red under the object.
    pub fn warn(message: impl Into<String>) -> Self {
        DeleteNote { refuse: false, message: message.into() }
    }

    /// The plan fails with this message, before any AWS write.
    pub fn refuse(message: impl Into<String>) -> Self {
        DeleteNote { refuse: true, message: message.into() }
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

    /// How objects of this type are found after a crash. Most types are tagged in their create
    /// call; see [`IdentityStrategy`].
    fn identity(&self) -> IdentityStrategy {
        IdentityStrategy::Tags
    }

    /// For [`IdentityStrategy::Name`]: the name `create` will give the object, computed before the
    /// call (from `name`, or from `name_prefix` and `ctx.token`) and kept in the pending record.
    fn natural_key(&self, _ctx: &OpContext, desired: &Attrs) -> Option<String> {
        desired.get("name").and_then(Value::as_str).map(str::to_string)
    }

    /// The id provision records for an object that a Terraform state (format 4) records with
    /// these `attributes` (the instance's `attributes`, converted with [`Value::from_json`]), for
    /// `provision state migrate --from-terraform`. The default is Terraform's `id` attribute;
    /// types whose provision id differs (a route: `<route table>_<destination>`, not Terraform's
    /// `r-...` hash) override it. `Err` says what is missing, naming the attribute.
    fn id_from_terraform(&self, attributes: &Attrs) -> Result<String, String> {
        match attributes.get("id").and_then(Value::as_str) {
            Some(id) if !id.is_empty() => Ok(id.to_string()),
            _ => Err("its `id` attribute is missing or empty".into()),
        }
    }

    /// The attributes handed to [`ResourceType::read_many`] as last recorded, for an object a
    /// Terraform state records with these `attributes` (`provision state migrate
    /// --from-terraform`). The default is [`unset_from_terraform`]: Terraform's `""` for an unset
    /// optional string is null, as provision records it. Types whose read decides from the
    /// recorded value whether the configuration left an AWS default unset (a listener action's
    /// `order`) override it, so that Terraform's recorded defaults do not read as configured.
    fn attributes_from_terraform(&self, attributes: &Attrs) -> Attrs {
        unset_from_terraform(self.schema(), attributes)
    }

    /// Reads many objects in as few calls as the API allows. `objects` holds each object's id and
    /// its attributes as last recorded (for attributes the batched read cannot see). Objects that
    /// no longer exist are absent from the result.
    async fn read_many(
        &self,
        ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError>;

    /// Creates the object, tagged with `ctx.identity` in the create call where AWS allows, and
    /// waits until it is ready (at most until `ctx.deadline`).
    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError>;

    /// Changes in place the attributes that differ between `prior` and `desired`.
    async fn update(&self, ctx: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError>;

    /// What deleting the object will do that the user must see in the plan: a refusal (a non-empty
    /// bucket without `force_destroy`, a protected database) or a warning (no final snapshot).
    /// Called at plan time for every object the plan deletes or replaces, with its refreshed
    /// attributes overlaid with the configuration's [`crate::AttributeSchema::at_destroy`] values.
    /// At most one small read per object; none when `attrs` suffice.
    async fn check_delete(&self, ctx: &ReadContext, id: &str, attrs: &Attrs) -> Result<Vec<DeleteNote>, ProviderError> {
        let _ = (ctx, id, attrs);
        Ok(vec![])
    }

    /// Deletes the object, doing whatever AWS requires first. An object already gone is success.
    /// `prior` carries the configuration's [`crate::AttributeSchema::at_destroy`] values where the
    /// resource is still configured.
    async fn delete(&self, ctx: &OpContext, id: &str, prior: &Attrs) -> Result<(), ProviderError>;

    /// Objects that an interrupted create may have made, per [`ResourceType::identity`]: tagged
    /// with `query.identity`; or named `query.natural_key` (whoever owns it); or identical to
    /// `query.desired`. Normally none or one.
    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError>;

    /// For types whose schema says `multi_step_create`: makes the calls of `create` that follow
    /// the object's creation (e.g. revoking a new security group's default egress rule), for an
    /// object adopted after a crash or a failure between them. Idempotent.
    async fn finish_create(&self, ctx: &OpContext, id: &str, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let _ = (ctx, desired);
        Err(ProviderError::new(
            ProviderErrorKind::Other,
            format!("{} {id}: this type has no steps to finish after its create call", self.name()),
        ))
    }
}

/// One data source, e.g. `aws_availability_zones`.
#[async_trait]
pub trait DataSourceType: Send + Sync {
    fn name(&self) -> &'static str;

    fn schema(&self) -> &Schema;

    async fn read(&self, args: &Attrs) -> Result<Attrs, ProviderError>;
}

/// A set of resource types and data sources. The value the CLI builds is unconfigured: it serves
/// schemas (for `validate`), and [`Provider::configure`] makes one configured instance per
/// `provider` block (the default one and each `alias`), each with its own region.
#[async_trait]
pub trait Provider: Send + Sync {
    /// The provider's name in configurations (`aws`).
    fn name(&self) -> &'static str;

    /// The schema of the `provider "<name>"` block.
    fn config_schema(&self) -> &Schema;

    /// An instance configured by an evaluated provider block. Must not call AWS.
    fn configure(&self, config: &Attrs) -> Result<Arc<dyn Provider>, ProviderError>;

    /// What the user should know about this configured instance (an argument accepted with no
    /// effect where Terraform would act, credentials written in the configuration). The engine
    /// reports each as a warning once.
    fn warnings(&self) -> Vec<String> {
        vec![]
    }

    /// The checks the configuration asks for before anything is read or written with it (the
    /// profile exists, the assumed role can be assumed, the account is allowed). The engine calls
    /// it once per configuration at the start of a plan and of an apply; an instance that needs
    /// no check makes no call.
    async fn check(&self) -> Result<(), ProviderError> {
        Ok(())
    }

    fn resource_type(&self, name: &str) -> Option<Arc<dyn ResourceType>>;

    fn data_source(&self, name: &str) -> Option<Arc<dyn DataSourceType>>;

    /// Names of every supported resource type, sorted.
    fn resource_type_names(&self) -> Vec<&'static str>;

    /// Names of every supported data source, sorted.
    fn data_source_names(&self) -> Vec<&'static str>;
}

/// A Terraform instance's attributes in provision's conventions. Terraform's providers record an
/// optional string nobody set as `""`, where provision records null: an attribute AWS does not
/// report (a bucket's `bucket_prefix`, a group's `name_prefix`) is carried over from what was
/// recorded, and `""` would then differ from a configuration that leaves it unset (and, for a
/// forcing argument, replace the object). And they record a block that appears at most once as a
/// list of zero or one objects, where provision records null or the object. Nested blocks are
/// converted the same way.
pub fn unset_from_terraform(schema: &crate::Schema, attributes: &Attrs) -> Attrs {
    let mut out = attributes.clone();
    for a in &schema.attributes {
        if a.mode != crate::AttrMode::Required
            && a.ty == crate::Type::String
            && out.get(a.name).and_then(Value::as_str) == Some("")
        {
            out.insert(a.name.to_string(), Value::Null);
        }
    }
    for b in &schema.blocks {
        let Some(v) = out.get(b.name) else { continue };
        let nested = |v: &Value| match v.as_map() {
            Some(m) => Value::Map(unset_from_terraform(&b.schema, m)),
            None => v.clone(),
        };
        let converted = match (b.nesting, v) {
            (crate::Nesting::Single, Value::List(items)) => match items.as_slice() {
                [] => Value::Null,
                [one] => nested(one),
                _ => v.clone(),
            },
            (crate::Nesting::Single, other) => nested(other),
            (_, Value::List(items)) => Value::List(items.iter().map(nested).collect()),
            (_, other) => other.clone(),
        };
        out.insert(b.name.to_string(), converted);
    }
    out
}

#[cfg(test)]
mod terraform_tests {
    use super::*;
    use crate::{AttributeSchema, Schema, Type};

    #[test]
    fn an_unset_optional_string_is_null_as_provision_records_it() {
        let schema = Schema::new("a bucket")
            .attr(AttributeSchema::required("bucket", Type::String))
            .attr(AttributeSchema::optional("bucket_prefix", Type::String))
            .attr(AttributeSchema::optional("note", Type::String));
        let attrs: Attrs = [
            ("bucket".to_string(), Value::from("")),
            ("bucket_prefix".to_string(), Value::from("")),
            ("note".to_string(), Value::from("kept")),
            ("other".to_string(), Value::from("")),
        ]
        .into();
        let prior = unset_from_terraform(&schema, &attrs);
        assert_eq!(prior["bucket_prefix"], Value::Null);
        assert_eq!(prior["bucket"], Value::from(""), "a required argument is as recorded");
        assert_eq!(prior["note"], Value::from("kept"));
        assert_eq!(prior["other"], Value::from(""), "not in the schema: left alone");
    }

    #[test]
    fn a_block_that_appears_once_is_an_object_not_a_list_of_one() {
        use crate::{BlockSchema, Nesting};
        let breaker = Schema::new("breaker")
            .attr(AttributeSchema::optional("enable", Type::Bool))
            .attr(AttributeSchema::optional("note", Type::String));
        let schema = Schema::new("a service")
            .block(BlockSchema::new("breaker", Nesting::Single, breaker.clone(), "one"))
            .block(BlockSchema::new("unset", Nesting::Single, breaker.clone(), "none"))
            .block(BlockSchema::new("many", Nesting::List, breaker, "many"));
        let one = Value::Map([("enable".to_string(), Value::Bool(true)), ("note".to_string(), Value::from(""))].into());
        let attrs: Attrs = [
            ("breaker".to_string(), Value::List(vec![one.clone()])),
            ("unset".to_string(), Value::List(vec![])),
            ("many".to_string(), Value::List(vec![one.clone(), one])),
        ]
        .into();
        let prior = unset_from_terraform(&schema, &attrs);
        let expected =
            Value::Map([("enable".to_string(), Value::Bool(true)), ("note".to_string(), Value::Null)].into());
        assert_eq!(prior["breaker"], expected, "the object, its unset string null");
        assert_eq!(prior["unset"], Value::Null);
        assert_eq!(prior["many"], Value::List(vec![expected.clone(), expected]));
    }
}
