//! Resource schemas: every attribute with its kind, type, default and whether a change forces a
//! replacement. The diff is computed from the schema, so it is the same code for every type.

use crate::layer::Layer;
use crate::provider::Timeouts;
use crate::value::Value;
use std::time::Duration;

/// The type of an attribute, used to convert configuration values and to compare them.
#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    String,
    Number,
    Bool,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Object(Vec<(&'static str, Type)>),
    Any,
}

impl Type {
    pub fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }

    pub fn set(t: Type) -> Type {
        Type::Set(Box::new(t))
    }

    pub fn map(t: Type) -> Type {
        Type::Map(Box::new(t))
    }

    /// How the type is written in Terraform (`map(string)`), for messages and docs.
    pub fn describe(&self) -> String {
        match self {
            Type::String => "string".into(),
            Type::Number => "number".into(),
            Type::Bool => "bool".into(),
            Type::List(t) => format!("list({})", t.describe()),
            Type::Set(t) => format!("set({})", t.describe()),
            Type::Map(t) => format!("map({})", t.describe()),
            Type::Object(fields) => {
                let inner: Vec<String> = fields.iter().map(|(k, t)| format!("{k} = {}", t.describe())).collect();
                format!("object({{{}}})", inner.join(", "))
            }
            Type::Any => "any".into(),
        }
    }
}

/// Who sets an attribute: the configuration, the provider, or either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrMode {
    /// Must be set in the configuration.
    Required,
    /// May be set in the configuration; unset means its default (or null).
    Optional,
    /// Set by AWS only; a configuration may read it but never write it.
    Computed,
    /// May be set in the configuration; when unset AWS chooses and the chosen value is kept.
    OptionalComputed,
}

/// Checks a known configuration value before any AWS call; the message says what is wrong.
pub type Validator = fn(&Value) -> Result<(), String>;

/// Checks a resource's arguments together (exactly one of two set, a combination AWS refuses),
/// before any AWS call. Values not known yet are [`Value::Unknown`], which counts as set.
pub type ObjectCheck = fn(&crate::value::Attrs) -> Result<(), String>;

/// What a new object's computed attributes are known to be when planning, from its arguments
/// (see [`Schema::plan_computed`]). An argument the configuration leaves unset is null here (in
/// the plan it is unknown when AWS chooses it); a value not known yet is [`Value::Unknown`].
pub type PlanComputed = fn(&crate::value::Attrs) -> crate::value::Attrs;

/// One planned object of a type that has a [`RelationCheck`].
#[derive(Debug, Clone)]
pub struct Related<'a> {
    pub address: &'a crate::address::Address,
    /// The arguments its [`Relations`] reads, as configured (unknown where they depend on what is
    /// not known yet); the others are left out.
    pub attrs: &'a crate::value::Attrs,
    /// For each argument that refers to another object's attribute (`vpc_id = aws_vpc.main.id`):
    /// that object's address and planned attributes.
    pub refers_to: std::collections::BTreeMap<&'static str, (&'a crate::address::Address, &'a crate::value::Attrs)>,
}

/// One problem a [`RelationCheck`] found: the object (an index into the slice it was given), the
/// argument at fault and what is wrong.
pub type RelationProblem = (usize, &'static str, String);

/// Checks the planned objects of one type together and against the objects they refer to (subnets
/// of one VPC that overlap, a subnet outside its VPC's range), when planning and validating.
/// Values not known yet are skipped.
pub type RelationCheck = fn(&[Related<'_>]) -> Vec<RelationProblem>;

/// A [`RelationCheck`] and the arguments it reads: the plan keeps those of every instance until
/// the check runs, and nothing else (a whole configuration per subnet cost a 10,000-subnet plan
/// ~20 MB).
#[derive(Debug, Clone, Copy)]
pub struct Relations {
    pub args: &'static [&'static str],
    pub check: RelationCheck,
}

/// Puts a value in the one spelling AWS reports (`"all"` → `"-1"` for a protocol), so equal values
/// written differently do not show as changes.
pub type Normalizer = fn(&Value) -> Value;

/// One attribute of a resource or data source.
#[derive(Debug, Clone)]
pub struct AttributeSchema {
    pub name: &'static str,
    pub ty: Type,
    pub mode: AttrMode,
    /// A change to this attribute cannot be made in place: the object is replaced.
    pub force_new: bool,
    pub sensitive: bool,
    /// The value used when the configuration leaves an optional attribute unset.
    pub default: Option<Value>,
    pub validator: Option<Validator>,
    pub normalizer: Option<Normalizer>,
    /// While this attribute refers to an object, AWS refuses to delete that object (an internet
    /// gateway attached to a VPC). When the referenced object is replaced destroy-first, this
    /// object is replaced too, so the old one can go.
    pub holds_in_use: bool,
    /// Only matters when the object is deleted (`force_destroy`, `skip_final_snapshot`): at
    /// destroy, the value the configuration has then wins over the recorded one.
    pub at_destroy: bool,
    /// No two live objects of the type may share this value (a target group's `name`): a
    /// create-before-destroy replacement that keeps it is refused at plan time.
    pub unique: bool,
    /// A computed attribute that changes with every update of a type that has
    /// [`Schema::revisions`] (an ECS task definition's `arn` and `revision`).
    pub per_revision: bool,
    /// A computed attribute that AWS gives a new value when any of these arguments changes in
    /// place (a secret version's `version_id` when its `secret_string` changes): "known after
    /// apply" in such a plan, so what refers to it is updated too.
    pub recomputed_by: &'static [&'static str],
    /// A reference through this argument does not pull the object into the runtime layer: the
    /// object may point at a torn-down runtime object overnight, harmlessly, and is updated in
    /// place when the next apply brings that object back (a DNS alias to a load balancer).
    pub weak_reference: bool,
    pub description: &'static str,
}

impl AttributeSchema {
    fn new(name: &'static str, ty: Type, mode: AttrMode) -> Self {
        AttributeSchema {
            name,
            ty,
            mode,
            force_new: false,
            sensitive: false,
            default: None,
            validator: None,
            normalizer: None,
            holds_in_use: false,
            at_destroy: false,
            weak_reference: false,
            unique: false,
            per_revision: false,
            recomputed_by: &[],
            description: "",
        }
    }

    pub fn required(name: &'static str, ty: Type) -> Self {
        Self::new(name, ty, AttrMode::Required)
    }

    pub fn optional(name: &'static str, ty: Type) -> Self {
        Self::new(name, ty, AttrMode::Optional)
    }

    pub fn computed(name: &'static str, ty: Type) -> Self {
        Self::new(name, ty, AttrMode::Computed)
    }

    pub fn optional_computed(name: &'static str, ty: Type) -> Self {
        Self::new(name, ty, AttrMode::OptionalComputed)
    }

    pub fn force_new(mut self) -> Self {
        self.force_new = true;
        self
    }

    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    pub fn default(mut self, v: impl Into<Value>) -> Self {
        self.default = Some(v.into());
        self
    }

    /// See [`AttributeSchema::holds_in_use`].
    pub fn holds_in_use(mut self) -> Self {
        self.holds_in_use = true;
        self
    }

    /// See [`AttributeSchema::at_destroy`]. A change of only such attributes is an update that
    /// calls no AWS API: the provider's `update` returns the desired values.
    pub fn at_destroy(mut self) -> Self {
        self.at_destroy = true;
        self
    }

    /// See [`AttributeSchema::weak_reference`].
    pub fn weak_reference(mut self) -> Self {
        self.weak_reference = true;
        self
    }

    /// See [`AttributeSchema::unique`].
    pub fn unique(mut self) -> Self {
        self.unique = true;
        self
    }

    /// See [`AttributeSchema::recomputed_by`].
    pub fn recomputed_by(mut self, arguments: &'static [&'static str]) -> Self {
        self.recomputed_by = arguments;
        self
    }

    /// See [`AttributeSchema::per_revision`].
    pub fn per_revision(mut self) -> Self {
        self.per_revision = true;
        self
    }

    pub fn validate(mut self, f: Validator) -> Self {
        self.validator = Some(f);
        self
    }

    pub fn normalize(mut self, f: Normalizer) -> Self {
        self.normalizer = Some(f);
        self
    }

    /// The value in canonical spelling (unchanged when the attribute has no normalizer or the
    /// value is not known yet).
    pub fn normalized(&self, v: Value) -> Value {
        match self.normalizer {
            Some(f) if v.is_wholly_known() && !v.is_null() => f(&v),
            _ => v,
        }
    }

    pub fn describe(mut self, d: &'static str) -> Self {
        self.description = d;
        self
    }

    /// True when a configuration may set this attribute.
    pub fn is_configurable(&self) -> bool {
        self.mode != AttrMode::Computed
    }
}

/// How often a nested block may appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    /// Zero or more blocks, order significant: a list of objects.
    List,
    /// Zero or more blocks, order irrelevant: a set of objects.
    Set,
    /// At most one block: an object or null.
    Single,
}

/// A nested block such as `route { ... }` inside `aws_route_table`.
#[derive(Debug, Clone)]
pub struct BlockSchema {
    pub name: &'static str,
    pub nesting: Nesting,
    pub schema: Schema,
    pub force_new: bool,
    /// When the configuration writes no block of this kind, the blocks are not managed: whatever
    /// exists is kept (Terraform's "optional and computed" blocks, e.g. a security group's
    /// `ingress`, so rules can come from separate rule resources instead).
    pub unmanaged_when_absent: bool,
    /// References inside the block do not pull the object into the runtime layer; see
    /// [`AttributeSchema::weak_reference`].
    pub weak_reference: bool,
    pub description: &'static str,
}

impl BlockSchema {
    pub fn new(name: &'static str, nesting: Nesting, schema: Schema, description: &'static str) -> Self {
        BlockSchema {
            name,
            nesting,
            schema,
            force_new: false,
            unmanaged_when_absent: false,
            weak_reference: false,
            description,
        }
    }

    /// See [`BlockSchema::weak_reference`].
    pub fn weak_reference(mut self) -> Self {
        self.weak_reference = true;
        self
    }

    /// See [`BlockSchema::unmanaged_when_absent`].
    pub fn unmanaged_when_absent(mut self) -> Self {
        self.unmanaged_when_absent = true;
        self
    }

    pub fn force_new(mut self) -> Self {
        self.force_new = true;
        self
    }

    /// Puts one block (an object) in its canonical shape: every attribute present, defaults filled
    /// in, unset collections empty and sets sorted, so a block read from AWS and the same block
    /// written in a configuration compare equal.
    pub fn canonical_item(&self, item: Value) -> Value {
        let Value::Map(mut m) = item else { return item };
        for a in &self.schema.attributes {
            let slot = m.entry(a.name.to_string()).or_insert(Value::Null);
            if slot.is_null() {
                if let Some(d) = &a.default {
                    *slot = d.clone();
                } else {
                    match a.ty {
                        Type::Set(_) => *slot = Value::Set(vec![]),
                        Type::List(_) => *slot = Value::List(vec![]),
                        Type::Map(_) => *slot = Value::Map(Default::default()),
                        _ => {}
                    }
                }
            }
            *slot = a.normalized(std::mem::replace(slot, Value::Null));
            if let (Type::Set(_), Value::List(items)) = (&a.ty, &*slot)
                && items.iter().all(Value::is_wholly_known)
            {
                *slot = Value::set(items.clone());
            }
        }
        Value::Map(m)
    }

    /// Puts a whole block value (a list, a set or one object) in canonical shape.
    pub fn canonical(&self, v: Value) -> Value {
        match (self.nesting, v) {
            (Nesting::List, Value::List(items)) => {
                Value::List(items.into_iter().map(|i| self.canonical_item(i)).collect())
            }
            (Nesting::Set, Value::List(items) | Value::Set(items)) => {
                let items: Vec<Value> = items.into_iter().map(|i| self.canonical_item(i)).collect();
                if items.iter().all(Value::is_wholly_known) { Value::set(items) } else { Value::List(items) }
            }
            (Nesting::Single, Value::Map(m)) => self.canonical_item(Value::Map(m)),
            (_, v) => v,
        }
    }
}

/// The schema of a resource type or data source.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    pub attributes: Vec<AttributeSchema>,
    pub blocks: Vec<BlockSchema>,
    /// The type carries AWS tags: `tags` (the configuration's) and `tags_all` (with the
    /// provider's `default_tags` merged in) are managed by the engine on its behalf.
    pub taggable: bool,
    /// The layer a resource of this type is in unless its block says otherwise.
    pub layer: Layer,
    /// A check of the arguments together, run when planning and again at apply with the values
    /// known then.
    pub check: Option<ObjectCheck>,
    /// How long operations may take unless the resource's `timeouts` block says otherwise.
    pub timeouts: Timeouts,
    /// `create` makes further calls after the object exists; an object adopted between them is
    /// marked unfinished and completed by [`crate::ResourceType::finish_create`].
    pub multi_step_create: bool,
    /// A check of all planned objects of this type together, run when planning.
    pub relations: Option<Relations>,
    /// For a new object, the part of its computed attributes already known from its arguments
    /// (unknown parts are [`crate::Value::Unknown`]): ACM's `domain_validation_options` lists
    /// one entry per domain name before the certificate exists, so a `for_each` keyed by
    /// domain name can be planned on the first run, as with Terraform.
    pub plan_computed: Option<PlanComputed>,
    /// Every update makes a new version of the object with a new id (an ECS task definition's
    /// revision): what the plan says it does ("registers a new revision"). The attributes marked
    /// [`AttributeSchema::per_revision`] are unknown until the update is applied.
    pub revisions: Option<&'static str>,
    /// Arguments Terraform accepts on other types that this one refuses on purpose, each with
    /// why (`region` on a global type such as `aws_iam_role`): the configuration's check reports
    /// the reason instead of an unknown argument.
    pub refused: Vec<(&'static str, String)>,
    pub description: &'static str,
}

impl Schema {
    pub fn new(description: &'static str) -> Self {
        Schema { description, ..Default::default() }
    }

    pub fn attr(mut self, a: AttributeSchema) -> Self {
        self.attributes.push(a);
        self
    }

    pub fn block(mut self, b: BlockSchema) -> Self {
        self.blocks.push(b);
        self
    }

    /// See [`Schema::check`].
    pub fn check(mut self, f: ObjectCheck) -> Self {
        self.check = Some(f);
        self
    }

    /// Sets the type's default timeouts (Terraform's, where it documents them).
    pub fn timeouts(mut self, create: Duration, update: Duration, delete: Duration) -> Self {
        self.timeouts = Timeouts { create, update, delete };
        self
    }

    /// See [`Schema::multi_step_create`].
    pub fn multi_step_create(mut self) -> Self {
        self.multi_step_create = true;
        self
    }

    /// See [`Schema::relations`].
    pub fn relations(mut self, args: &'static [&'static str], check: RelationCheck) -> Self {
        self.relations = Some(Relations { args, check });
        self
    }

    /// See [`Schema::plan_computed`].
    pub fn plan_computed(mut self, f: PlanComputed) -> Self {
        self.plan_computed = Some(f);
        self
    }

    /// See [`Schema::revisions`].
    pub fn revisions(mut self, what_an_update_does: &'static str) -> Self {
        self.revisions = Some(what_an_update_does);
        self
    }

    /// See [`Schema::refused`].
    pub fn refuse(mut self, name: &'static str, why: impl Into<String>) -> Self {
        self.refused.push((name, why.into()));
        self
    }

    /// Why this type refuses the argument `name`, when it refuses it on purpose.
    pub fn refusal(&self, name: &str) -> Option<&str> {
        self.refused.iter().find(|(n, _)| *n == name).map(|(_, why)| why.as_str())
    }

    /// Puts resources of this type in the runtime layer by default.
    pub fn runtime_layer(mut self) -> Self {
        self.layer = Layer::Runtime;
        self
    }

    /// Adds the `id` attribute every resource has.
    pub fn with_id(self) -> Self {
        self.attr(AttributeSchema::computed("id", Type::String).describe("The identifier AWS assigned."))
    }

    /// Adds `tags` and `tags_all`, and marks the type taggable.
    pub fn with_tags(mut self) -> Self {
        self.taggable = true;
        self.attr(
            AttributeSchema::optional("tags", Type::map(Type::String))
                .describe("Tags for this object. Changed in place."),
        )
        .attr(
            AttributeSchema::computed("tags_all", Type::map(Type::String))
                .describe("`tags` with the provider's `default_tags` merged in."),
        )
    }

    pub fn attribute(&self, name: &str) -> Option<&AttributeSchema> {
        self.attributes.iter().find(|a| a.name == name)
    }

    pub fn block_schema(&self, name: &str) -> Option<&BlockSchema> {
        self.blocks.iter().find(|b| b.name == name)
    }

    /// True when references through the top-level argument or block `name` are weak: they do
    /// not pull the object into the runtime layer ([`AttributeSchema::weak_reference`]).
    pub fn is_weak_reference(&self, name: &str) -> bool {
        self.attribute(name).is_some_and(|a| a.weak_reference)
            || self.block_schema(name).is_some_and(|b| b.weak_reference)
    }

    /// The names a configuration may write, for "supported: ..." messages.
    pub fn configurable_names(&self) -> Vec<&'static str> {
        self.attributes
            .iter()
            .filter(|a| a.is_configurable())
            .map(|a| a.name)
            .chain(self.blocks.iter().map(|b| b.name))
            .collect()
    }

    /// Every name that can be read from an object of this type.
    pub fn readable_names(&self) -> Vec<&'static str> {
        self.attributes.iter().map(|a| a.name).chain(self.blocks.iter().map(|b| b.name)).collect()
    }

    /// The type of a nested block's value.
    pub fn block_type(block: &BlockSchema) -> Type {
        let obj = Type::Object(block.schema.attributes.iter().map(|a| (a.name, a.ty.clone())).collect());
        match block.nesting {
            Nesting::List => Type::list(obj),
            Nesting::Set => Type::set(obj),
            Nesting::Single => obj,
        }
    }
}
