//! Layer 2, module tree: the configuration as data ([`Module`] and what it holds), built from
//! the syntax of each file, with the modules it calls found and folded in.

mod build;
mod calls;
mod dynamic;
mod module;
mod moved;
mod references;
mod resource;
mod sources;
mod types;

pub(crate) use build::{Hooks, Loader, supported};
pub use calls::normalize as normalize_module_dir;
pub use module::*;
pub use references::*;
pub use sources::{ModuleSource, module_sources};
pub use types::*;
