//! The shared vocabulary of provision: everything the configuration reader, the engine, the state
//! backends and the AWS provider must agree on, and nothing that does I/O.
//!
//! Deliberately absent: any AWS SDK type, any file or network access, any printing.

pub mod address;
pub mod diagnostic;
pub mod layer;
pub mod plan;
pub mod provider;
pub mod providers;
pub mod schema;
pub mod state;
pub mod value;

pub use address::{Address, InstanceKey, Mode, ModuleStep, ProviderRef};
pub use diagnostic::{Diagnostic, Diagnostics, Label, Severity, SourceFile, Sources, Span};
pub use layer::{Layer, LayerInfo, LayerOrigin};
pub use provider::{
    DataSourceType, DeleteNote, FindQuery, Found, Identity, IdentityStrategy, OpContext, Owner, PlannedDelete,
    Provider, ProviderError, ProviderErrorKind, ReadContext, ResourceType, StatusSink, Timeouts,
};
pub use providers::Providers;
pub use schema::{AttrMode, AttributeSchema, BlockSchema, Nesting, Schema, Type};
pub use value::{Attrs, Value};

/// System tag keys that provision puts on every object it creates. They identify the stack and the
/// address, so an object created by an interrupted run can always be found again.
pub mod tags {
    /// The stack's identity: the lineage of its state.
    pub const STACK: &str = "provision:stack";
    /// The resource address the object was created for, e.g. `aws_subnet.public[0]`.
    pub const ADDRESS: &str = "provision:address";
    /// Every system tag starts with this prefix; they are never shown as user tags.
    pub const PREFIX: &str = "provision:";
}
