//! Test support shared by the crates' tests: a fake provider backed by an in-memory cloud (with
//! latency, failures and crash points), an in-memory state store, and a harness that runs the moto
//! AWS emulator on a free loopback port.

pub mod fake;
pub mod moto;

pub use fake::{Cloud, FakeProvider, MemoryStore};
