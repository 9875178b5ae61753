//! The plan as data: what will happen to each resource instance and output, and why. Rendering it
//! for humans or JSON is someone else's job.

use crate::address::Address;
use crate::layer::{Layer, LayerInfo};
use crate::value::{Attrs, Value};

/// What happens to one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    NoOp,
    Read,
    Create,
    Update,
    /// Delete the old object and create a new one, in the order given.
    Replace(ReplaceOrder),
    Delete,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ReplaceOrder {
    DestroyBeforeCreate,
    CreateBeforeDestroy,
}

impl Action {
    pub fn is_change(self) -> bool {
        !matches!(self, Action::NoOp | Action::Read)
    }

    /// Terraform's action names, as in `terraform show -json`.
    pub fn json_actions(self) -> &'static [&'static str] {
        match self {
            Action::NoOp => &["no-op"],
            Action::Read => &["read"],
            Action::Create => &["create"],
            Action::Update => &["update"],
            Action::Replace(ReplaceOrder::DestroyBeforeCreate) => &["delete", "create"],
            Action::Replace(ReplaceOrder::CreateBeforeDestroy) => &["create", "delete"],
            Action::Delete => &["delete"],
        }
    }
}

/// Why a change is planned, when the action alone does not say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The object is in state but no longer in the configuration.
    NotInConfig,
    /// The object is being destroyed because `destroy` was asked for.
    DestroyRequested,
    /// The object was deleted outside provision and will be created again.
    DeletedOutside,
    /// A left-over object from an interrupted create-before-destroy replacement.
    Deposed,
    /// A data source is read during apply because its arguments are not known yet.
    ReadDeferred,
    /// The object's create stopped between its calls (a crash, a failure); the update finishes it.
    Unfinished,
    /// The replacement was asked for (`-replace=ADDRESS`), not caused by a change.
    ReplaceRequested,
    /// Something named in `lifecycle { replace_triggered_by = [...] }` changes.
    ReplaceTriggered,
    /// The object is tainted: its creation-time provisioners failed or were interrupted.
    Tainted,
}

/// The planned change of one resource instance.
#[derive(Debug, Clone)]
pub struct ResourceChange {
    pub address: Address,
    /// Set when the change concerns a deposed object (left over by create-before-destroy).
    pub deposed: Option<String>,
    pub action: Action,
    pub reason: Option<Reason>,
    /// The object as it is now (after refresh); `None` when it does not exist yet.
    pub before: Option<Attrs>,
    /// The object as it will be; unknown parts are [`Value::Unknown`]. `None` for deletes.
    pub after: Option<Attrs>,
    /// Attribute names whose change forces the replacement.
    pub replace_paths: Vec<String>,
    /// The resource's layer and why (`None` for data sources).
    pub layer: Option<LayerInfo>,
    /// What else the plan knows about this change.
    pub notes: ChangeNotes,
}

/// What a plan says about a change beyond its action and values.
#[derive(Debug, Clone, Default)]
pub struct ChangeNotes {
    /// For an update of a type whose every update makes a new version (an ECS task definition):
    /// what the update does ("registers a new revision").
    pub revision: Option<&'static str>,
    /// For a delete or replacement: what deleting the object will do that the user must see (no
    /// final snapshot), from the provider's plan-time delete check.
    pub delete_warnings: Vec<String>,
    /// For a delete or replacement of a configured resource: the values the configuration has now
    /// for the arguments that only matter at destroy (`force_destroy`, `skip_final_snapshot`);
    /// they override the recorded ones when the object is deleted.
    pub destroy_args: Attrs,
}

/// A difference between the recorded state and what AWS reports: a change made outside provision.
#[derive(Debug, Clone)]
pub struct Drift {
    pub address: Address,
    pub before: Attrs,
    /// `None` when the object is gone.
    pub after: Option<Attrs>,
}

/// The planned value of an output.
#[derive(Debug, Clone)]
pub struct OutputChange {
    pub name: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub sensitive: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanMode {
    Normal,
    Destroy,
    /// `-refresh-only`: read every object and record what AWS reports, with no AWS write; changes
    /// made outside provision are shown (as drift) and kept, not undone.
    RefreshOnly,
}

/// Everything a run will do.
#[derive(Debug, Clone)]
pub struct Plan {
    pub mode: PlanMode,
    /// Set when the plan covers one layer only (`--layer`).
    pub layer: Option<Layer>,
    /// With a layer: how many changes the configuration asks for outside that layer, left out.
    pub outside_layer: usize,
    pub changes: Vec<ResourceChange>,
    pub drift: Vec<Drift>,
    pub outputs: Vec<OutputChange>,
    /// Objects the configuration's `moved` blocks move to a new address: (from, to). Applying
    /// records them under their new address; nothing in AWS changes.
    pub moves: Vec<(Address, Address)>,
    /// Objects `removed` blocks (with `destroy = false`) take out of the state, left in AWS.
    pub forgotten: Vec<Address>,
    /// Objects `import` blocks adopt: (address, id). Applying records them; the changes say what
    /// else is done to them.
    pub imports: Vec<(Address, String)>,
}

/// Counts of planned changes, as in Terraform's "Plan: 1 to add, 2 to change, 0 to destroy."
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub import: usize,
    pub add: usize,
    pub change: usize,
    pub destroy: usize,
}

impl Plan {
    pub fn summary(&self) -> Summary {
        let mut s = Summary { import: self.imports.len(), ..Summary::default() };
        for c in &self.changes {
            match c.action {
                Action::Create => s.add += 1,
                Action::Update => s.change += 1,
                Action::Replace(_) => {
                    s.add += 1;
                    s.destroy += 1;
                }
                Action::Delete => s.destroy += 1,
                Action::NoOp | Action::Read => {}
            }
        }
        s
    }

    /// True when applying would change any object or output.
    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| c.action.is_change())
            || self.outputs.iter().any(OutputChange::is_change)
            || !self.moves.is_empty()
            || !self.forgotten.is_empty()
            || !self.imports.is_empty()
    }

    pub fn change(&self, address: &Address) -> Option<&ResourceChange> {
        self.changes.iter().find(|c| &c.address == address && c.deposed.is_none())
    }
}

impl OutputChange {
    pub fn is_change(&self) -> bool {
        match (&self.before, &self.after) {
            (Some(a), Some(b)) => !a.same_as(b) || !b.is_wholly_known(),
            (None, None) => false,
            _ => true,
        }
    }
}
