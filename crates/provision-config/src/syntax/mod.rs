//! Layer 1, syntax: configuration text read into hcl-edit bodies (JSON files translated to the
//! HCL they mean, an object that sets a key twice kept with its last value), with spans for
//! diagnostics. Knows nothing of modules, schemas or values.

pub(crate) mod json;
pub(crate) mod object_keys;
