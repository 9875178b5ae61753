//! Layer 3, checks: what the module tree must satisfy beyond its shape — schemas, references,
//! function names, module call arguments. Each check reads the tree (and reports diagnostics);
//! none evaluates anything.

mod calls;
mod functions;
mod references;
mod schema;

pub(crate) use calls::check_calls;
pub use functions::FUNCTION_NAMES;
pub(crate) use references::{check_provider_uses, check_references};
pub(crate) use schema::check_body;
