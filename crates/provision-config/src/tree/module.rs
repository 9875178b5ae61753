//! The configuration as data: every block of every file, with expressions kept unevaluated and
//! spans kept for diagnostics.

use super::types::TypeConstraint;
use hcl_edit::Span as _;
use hcl_edit::expr::Expression;
use provision_core::{Address, InstanceKey, Layer, ProviderRef, Schema, Sources, Span, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// An unevaluated expression, the file it came from and the module it belongs to.
#[derive(Debug, Clone)]
pub struct Expr {
    pub file: usize,
    pub ast: Expression,
    /// The module call this expression was written in; `None` in the root module.
    pub module: Option<Arc<ModuleCtx>>,
    /// The iterators of the `dynamic` blocks this expression is inside (`ingress`, or the
    /// block's `iterator`): names bound when the block is expanded, not references.
    pub iterators: Vec<String>,
}

/// Where an expression of a child module lives: which call, which directory. Its names (`var.x`,
/// `local.y`, `aws_vpc.main`, `module.sub.out`) resolve inside that module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleCtx {
    /// `module.net`, or `module.net.module.subnets` for a nested call.
    pub prefix: String,
    /// The same path as address steps, for the addresses of the module's resources.
    pub steps: Vec<provision_core::ModuleStep>,
    /// The module's directory relative to the root module (`modules/vpc`), as `path.module`.
    pub rel_dir: String,
    /// Each call of the chain, outermost first: the call's address and where it is written.
    pub calls: Vec<(String, Option<Span>)>,
}

impl ModuleCtx {
    /// The note a diagnostic about something in this module carries: `in module.net, called at
    /// main.tf:3:1` (innermost call first, then `, from` each outer one).
    pub fn call_chain_note(&self, sources: &Sources) -> String {
        let at: Vec<String> = self
            .calls
            .iter()
            .rev()
            .map(|(_, span)| span.as_ref().map_or_else(|| "?".to_string(), |s| sources.location(s)))
            .collect();
        format!("in {}, called at {}", self.prefix, at.join(", from "))
    }

    /// The key under which a module-local name is kept among the flattened module's values
    /// ([`Module::locals`]): `module.net.var.cidr`, `module.net.local.tags`,
    /// `module.net.output.vpc_id`.
    pub fn key(&self, kind: &str, name: &str) -> String {
        format!("{}.{kind}.{name}", self.prefix)
    }
}

/// The key of a value of module `module` (`None`: the root) among [`Module::locals`]; a root
/// local's key is its name.
pub fn local_key(module: Option<&ModuleCtx>, kind: &str, name: &str) -> String {
    match module {
        Some(m) => m.key(kind, name),
        None if kind == "local" => name.to_string(),
        None => format!("{kind}.{name}"),
    }
}

/// The key of a module call's outputs object (`module.net`) or of one of its outputs
/// (`module.net.output.vpc_id`), as seen from `module` (`None`: the root).
pub fn call_key(module: Option<&ModuleCtx>, call: &str, output: Option<&str>) -> String {
    let base = match module {
        Some(m) => format!("{}.module.{call}", m.prefix),
        None => format!("module.{call}"),
    };
    match output {
        Some(o) => format!("{base}.output.{o}"),
        None => base,
    }
}

impl Expr {
    pub fn new(file: usize, ast: Expression) -> Expr {
        Expr { file, ast, module: None, iterators: vec![] }
    }

    pub fn span(&self) -> Option<Span> {
        self.ast.span().map(|r| Span::new(self.file, r))
    }
}

/// The objects something refers to, each with the span of the reference.
pub type Refs = Vec<(ObjectId, Option<Span>)>;

/// A configuration object the engine orders: variables, locals, resources, data sources, outputs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObjectId {
    /// A root module input variable.
    Variable(String),
    /// A value of [`Module::locals`]: a root local by name, or a child module's input, local,
    /// output or outputs object by its key (`module.net.var.cidr`, see [`local_key`]).
    Local(String),
    /// A resource or data source block (the address has no instance key).
    Resource(Address),
    Output(String),
}

impl std::fmt::Display for ObjectId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ObjectId::Variable(n) => write!(f, "var.{n}"),
            ObjectId::Local(n) if n.starts_with("module.") => write!(f, "{n}"),
            ObjectId::Local(n) => write!(f, "local.{n}"),
            ObjectId::Resource(a) => write!(f, "{a}"),
            ObjectId::Output(n) => write!(f, "output.{n}"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Validation {
    pub condition: Expr,
    pub error_message: Expr,
}

#[derive(Debug, Clone)]
pub struct Variable {
    pub name: String,
    pub ty: TypeConstraint,
    pub default: Option<Expr>,
    pub description: Option<String>,
    pub sensitive: bool,
    pub nullable: bool,
    pub validations: Vec<Validation>,
    pub span: Option<Span>,
}

/// A value computed once per run, in graph order: a root `locals` entry, or one of the values
/// a child module is folded into.
#[derive(Debug, Clone)]
pub struct Local {
    /// The key (see [`local_key`]): the name for a root local.
    pub name: String,
    /// `None` only for an input variable the call leaves unset (its default or null applies).
    pub expr: Option<Expr>,
    pub kind: LocalKind,
    /// For a module output: its `depends_on`.
    pub depends_on: Vec<(ObjectId, Option<Span>)>,
    /// For a module output: its `precondition` blocks.
    pub preconditions: Vec<Condition>,
    pub span: Option<Span>,
    /// For an input of one instance of a call with `count` or `for_each`: the `count.index` or
    /// `each` its argument sees.
    pub instance: Option<InstanceCtx>,
}

/// The per-instance values: `count.index`, `each.key` and `each.value`.
#[derive(Debug, Clone, Default)]
pub struct InstanceCtx {
    pub count_index: Option<u64>,
    pub each: Option<(Value, Value)>,
    /// The instance is not known yet (the instances of a module call with `count` or `for_each`
    /// in `validate`): `count.index`, `each.key` and `each.value` are unknown.
    pub unknown: bool,
}

/// What a [`Local`] stands for.
#[derive(Debug, Clone, Default)]
pub enum LocalKind {
    /// A `locals` entry.
    #[default]
    Local,
    /// A child module's input variable, set by the call's argument (evaluated in the caller).
    Input(Box<Variable>),
    /// A child module's output.
    Output { sensitive: bool },
    /// A module call as a whole (`module.net`): an object of the outputs named, by key.
    Outputs(Vec<(String, String)>),
    /// A call with `count` or `for_each` as a whole: a list (count) or a map (for_each) of its
    /// instances' outputs objects, each named by its key (`module.net["a"]`). `keys` is `None`
    /// while the instances are not known (`validate`): the value is then unknown.
    Instances { for_each: bool, keys: Option<Vec<(InstanceKey, String)>> },
}

/// A module call with `count` or `for_each`, folded in once with its instances unknown (its
/// addresses and keys without the call's key) until [`crate::expand_module_calls`] evaluates
/// the keys and makes one copy per instance.
#[derive(Debug, Clone)]
pub struct CallExpansion {
    /// `module.net`, or `module.app["x"].module.net` for a call nested in an instance.
    pub prefix: String,
    /// The same path as address steps; the last one has no key.
    pub steps: Vec<provision_core::ModuleStep>,
    /// `count` or `for_each` (the other is `None`), an expression of the caller.
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    /// The call's label.
    pub span: Option<Span>,
    /// The module's outputs: each name and its key under `prefix` (`module.net.output.vpc_id`).
    pub outputs: Vec<(String, String)>,
}

/// The attributes and nested blocks of a block body, by name.
#[derive(Debug, Clone, Default)]
pub struct BodyExprs {
    pub attrs: BTreeMap<String, Expr>,
    /// Nested blocks in order of appearance, with the span of each block. A `dynamic "NAME"`
    /// block is here as a `NAME` block whose body is its `content` and has [`BodyExprs::dynamic`].
    pub blocks: Vec<(String, BodyExprs, Option<Span>)>,
    /// Span of the attribute's name, for messages about the attribute as a whole.
    pub attr_spans: BTreeMap<String, Span>,
    /// The block's first label (`dynamic "ingress"`), if it has one.
    pub label: Option<String>,
    /// Set when this body is the `content` of a `dynamic` block: one block per element.
    pub dynamic: Option<Box<Dynamic>>,
}

/// How a `dynamic` block expands: one block per element of `for_each`, with the iterator bound
/// to `{ key, value }` of that element.
#[derive(Debug, Clone)]
pub struct Dynamic {
    pub for_each: Expr,
    pub iterator: String,
}

impl BodyExprs {
    /// Every expression in the body, nested blocks included.
    pub fn exprs(&self) -> Vec<&Expr> {
        let mut out: Vec<&Expr> = self.attrs.values().collect();
        out.extend(self.dynamic.iter().map(|d| &d.for_each));
        for (_, b, _) in &self.blocks {
            out.extend(b.exprs());
        }
        out
    }
}

/// `lifecycle { ignore_changes = ... }`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum IgnoreChanges {
    #[default]
    None,
    All,
    Attributes(Vec<IgnorePath>),
}

/// One `ignore_changes` entry: an argument (`tags`), or a path inside one (`tags["Name"]`,
/// `ingress[0]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnorePath {
    pub attr: String,
    pub steps: Vec<PathStep>,
}

/// A step of an [`IgnorePath`]: a map key or object attribute, or a list index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    Key(String),
    Index(usize),
}

impl IgnorePath {
    /// A whole argument.
    pub fn attr(name: &str) -> IgnorePath {
        IgnorePath { attr: name.to_string(), steps: vec![] }
    }
}

impl Lifecycle {
    /// The expressions of the pre- and postconditions.
    pub fn condition_exprs(&self) -> impl Iterator<Item = &Expr> {
        self.preconditions.iter().chain(self.postconditions.iter()).flat_map(Condition::exprs)
    }
}

impl Condition {
    pub fn exprs(&self) -> [&Expr; 2] {
        [&self.condition, &self.error_message]
    }
}

impl IgnoreChanges {
    /// True when the whole argument `attr` is ignored.
    pub fn ignores(&self, attr: &str) -> bool {
        match self {
            IgnoreChanges::None => false,
            IgnoreChanges::All => true,
            IgnoreChanges::Attributes(paths) => paths.iter().any(|p| p.attr == attr && p.steps.is_empty()),
        }
    }

    /// The paths ignored inside the argument `attr`.
    pub fn nested<'a>(&'a self, attr: &'a str) -> impl Iterator<Item = &'a [PathStep]> + 'a {
        let paths = match self {
            IgnoreChanges::Attributes(paths) => paths.as_slice(),
            _ => &[],
        };
        paths.iter().filter(move |p| p.attr == attr && !p.steps.is_empty()).map(|p| p.steps.as_slice())
    }
}

#[derive(Debug, Clone, Default)]
pub struct Lifecycle {
    pub create_before_destroy: bool,
    pub prevent_destroy: bool,
    pub ignore_changes: IgnoreChanges,
    /// `replace_triggered_by`: references to resources (or their attributes) whose planned
    /// change replaces this object.
    pub replace_triggered_by: Vec<Expr>,
    /// `precondition` blocks: checked before the object is planned (or, if unknown then, before
    /// it is created or updated).
    pub preconditions: Vec<Condition>,
    /// `postcondition` blocks: checked on the planned object (`self`), or after the create or
    /// update when the plan could not tell.
    pub postconditions: Vec<Condition>,
}

/// A custom condition: a `precondition` or `postcondition` block, or a `check` block's `assert`.
#[derive(Debug, Clone)]
pub struct Condition {
    pub condition: Expr,
    pub error_message: Expr,
    /// The block's span.
    pub span: Option<Span>,
}

/// A `check "name" { assert { ... } }` block: conditions whose failure is a warning, checked at
/// the end of every plan and apply.
#[derive(Debug, Clone)]
pub struct Check {
    /// The name, with the module path for a check inside a module (`module.net.check.x`).
    pub name: String,
    pub asserts: Vec<Condition>,
    pub span: Option<Span>,
}

/// A resource's `timeouts { create = "40m" }` block: each set entry overrides the type's default.
#[derive(Debug, Clone, Default)]
pub struct TimeoutOverrides {
    pub create: Option<std::time::Duration>,
    pub update: Option<std::time::Duration>,
    pub delete: Option<std::time::Duration>,
    /// The entries written as expressions (`create = var.create_timeout`), by name (`create`,
    /// `update`, `delete`): evaluated with the instance, see [`crate::eval_timeouts`].
    pub exprs: Vec<(&'static str, Expr)>,
}

impl TimeoutOverrides {
    /// The type's defaults with these overrides applied.
    pub fn over(&self, defaults: provision_core::Timeouts) -> provision_core::Timeouts {
        provision_core::Timeouts {
            create: self.create.unwrap_or(defaults.create),
            update: self.update.unwrap_or(defaults.update),
            delete: self.delete.unwrap_or(defaults.delete),
        }
    }
}

/// A `resource` or `data` block.
#[derive(Debug, Clone)]
pub struct ResourceBlock {
    /// `aws_subnet.public` or `data.aws_region.current`, without instance key.
    pub address: Address,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    /// Explicit dependencies, with the span of each entry.
    pub depends_on: Vec<(ObjectId, Option<Span>)>,
    /// `layer = "..."`, with its span: overrides the type's default layer.
    pub layer: Option<(Layer, Option<Span>)>,
    pub lifecycle: Lifecycle,
    /// `provider = aws.us_east_1`; the type's default provider configuration when absent.
    pub provider: ProviderRef,
    pub timeouts: TimeoutOverrides,
    pub body: BodyExprs,
    pub schema: Arc<Schema>,
    /// The span of the block header (`resource "aws_vpc" "main"`).
    pub span: Option<Span>,
    /// A data source nested in `check "NAME"`: the check's name. Only that check block may
    /// refer to it, and what goes wrong reading it is a warning, never an error.
    pub check: Option<String>,
    /// `provisioner "local-exec"` blocks, in the order written.
    pub provisioners: Vec<Provisioner>,
}

/// A `provisioner "local-exec"` block: a command run on the machine provision runs on, after the
/// object is created (or, with `when = destroy`, before it is deleted).
#[derive(Debug, Clone)]
pub struct Provisioner {
    /// `local-exec`, the one provisioner provision runs.
    pub kind: String,
    /// `when = destroy`: runs before the delete instead of after the create.
    pub destroy: bool,
    /// `on_failure = continue`: a failure is a warning, not an error that taints the object.
    pub continue_on_failure: bool,
    /// `command`, `working_dir`, `interpreter`, `environment`, `quiet`.
    pub body: BodyExprs,
    /// The block header.
    pub span: Option<Span>,
}

#[derive(Debug, Clone)]
pub struct Output {
    pub name: String,
    pub value: Expr,
    pub description: Option<String>,
    pub sensitive: bool,
    pub depends_on: Vec<(ObjectId, Option<Span>)>,
    /// `precondition` blocks, checked before the value is recorded.
    pub preconditions: Vec<Condition>,
    pub span: Option<Span>,
}

/// A `provider "aws"` block: the default configuration, or one with an `alias`.
#[derive(Debug, Clone)]
pub struct ProviderBlock {
    pub name: String,
    pub alias: Option<String>,
    pub body: BodyExprs,
    pub schema: Arc<Schema>,
    pub span: Option<Span>,
}

/// The settings `backend "s3"` accepts (also through `-backend-config`).
pub const S3_BACKEND_SETTINGS: [&str; 8] =
    ["bucket", "key", "region", "dynamodb_table", "use_lockfile", "encrypt", "workspace_key_prefix", "kms_key_id"];

/// `terraform { backend "local" { path = "..." } }` or `backend "s3" { ... }`.
#[derive(Debug, Clone)]
pub struct Backend {
    pub kind: String,
    pub attrs: BTreeMap<String, Expr>,
    pub span: Option<Span>,
}

/// What a `moved` block names: a resource (every instance), one instance, or a module call
/// (everything in it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoveTarget {
    Resource(Address),
    Module(Vec<provision_core::ModuleStep>),
}

impl std::fmt::Display for MoveTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MoveTarget::Resource(a) => write!(f, "{a}"),
            MoveTarget::Module(steps) => {
                let parts: Vec<String> = steps.iter().map(ToString::to_string).collect();
                write!(f, "{}", parts.join("."))
            }
        }
    }
}

/// `moved { from = ...  to = ... }`: objects recorded under `from` now belong to `to`.
#[derive(Debug, Clone)]
pub struct Moved {
    pub from: MoveTarget,
    pub to: MoveTarget,
    pub span: Option<Span>,
}

/// `removed { from = ...  lifecycle { destroy = false } }`: stop managing what `from` names.
#[derive(Debug, Clone)]
pub struct Removed {
    pub from: MoveTarget,
    /// `false`: forget the objects and leave them in AWS; `true`: destroy them, as if the block
    /// were simply deleted.
    pub destroy: bool,
    pub span: Option<Span>,
}

/// `import { to = ADDRESS  id = "..." }`: adopt an existing object at the address instead of
/// creating one.
#[derive(Debug, Clone)]
pub struct Import {
    /// A managed resource instance of the root module's configuration; without its instance key
    /// when `key` holds it.
    pub to: Address,
    /// The instance key of `to` when it is an expression (`aws_s3_bucket.this[each.key]`),
    /// evaluated when planning, for each element of `for_each`.
    pub key: Option<Expr>,
    /// The object's id, as the type's `id` attribute has it (known at plan time).
    pub id: Expr,
    /// One import per element of this map, set or list, with `each.key` and `each.value`.
    pub for_each: Option<Expr>,
    /// `provider = aws.ALIAS`: must be the configuration the resource itself uses.
    pub provider: Option<(ProviderRef, Option<Span>)>,
    pub span: Option<Span>,
}

/// A whole configuration directory.
#[derive(Debug, Clone, Default)]
pub struct Module {
    pub dir: PathBuf,
    pub sources: Sources,
    pub variables: BTreeMap<String, Variable>,
    pub locals: BTreeMap<String, Local>,
    pub resources: Vec<ResourceBlock>,
    pub outputs: BTreeMap<String, Output>,
    /// Every `provider` block: at most one without `alias`, and one per alias.
    pub providers: Vec<ProviderBlock>,
    pub backend: Option<Backend>,
    /// `moved` blocks, in order (a later one may continue an earlier one's move).
    pub moved: Vec<Moved>,
    /// `removed` blocks.
    pub removed: Vec<Removed>,
    /// `check` blocks, this module's and its modules' (folded in).
    pub checks: Vec<Check>,
    /// `import` blocks (the root module's only, as in Terraform).
    pub imports: Vec<Import>,
    /// The module calls with `count` or `for_each` whose instances are not made yet, outermost
    /// first (see [`CallExpansion`]).
    pub expansions: Vec<CallExpansion>,
    /// Where each block of `resources` is, by address: finding a block must not scan them all
    /// (every reference is looked up, so a scan made validating 50,000 resources take minutes).
    pub resource_index: BTreeMap<Address, usize>,
}

impl ProviderBlock {
    pub fn reference(&self) -> ProviderRef {
        ProviderRef { name: self.name.clone(), alias: self.alias.clone() }
    }
}

impl Module {
    /// The block that configures `provider`, if the configuration has one.
    pub fn provider_block(&self, provider: &ProviderRef) -> Option<&ProviderBlock> {
        self.providers.iter().find(|p| p.name == provider.name && p.alias == provider.alias)
    }

    /// The resource or data source block of an address (its instance key is ignored).
    pub fn resource(&self, address: &Address) -> Option<&ResourceBlock> {
        if self.resource_index.len() != self.resources.len() {
            // Blocks were added without `add_resource`: look through them all.
            return self.resources.iter().find(|r| r.address.same_resource(address));
        }
        let found = match &address.key {
            None => self.resource_index.get(address),
            Some(_) => self.resource_index.get(&address.resource()),
        };
        found.and_then(|&i| self.resources.get(i)).filter(|r| r.address.same_resource(address))
    }

    /// Adds a resource or data source block; `Err` (with the block already there) when one with
    /// the same address exists.
    pub fn add_resource(&mut self, block: ResourceBlock) -> Result<(), &ResourceBlock> {
        let key = block.address.resource();
        if let Some(&i) = self.resource_index.get(&key)
            && i < self.resources.len()
        {
            return Err(&self.resources[i]);
        }
        self.resource_index.insert(key, self.resources.len());
        self.resources.push(block);
        Ok(())
    }
}
