//! Test support shared by the crates' tests: a fake provider backed by an in-memory cloud (with
//! latency, failures and crash points), an in-memory state store, a harness that runs the moto AWS
//! emulator on a free loopback port, and a fault-injection proxy to put in front of it.

pub mod emulate_acm;
pub mod emulate_autoscaling;
pub mod emulate_cloudfront;
pub mod emulate_dynamodb;
pub mod emulate_ecs;
pub mod emulate_elbv2;
pub mod emulate_iam;
pub mod emulate_rds;
pub mod emulate_s3;
pub mod emulate_timing;
pub mod fake;
pub mod faults;
pub mod memory_s3;
pub mod moto;

pub use fake::{Cloud, FakeProvider, MemoryStore};
pub use faults::FaultProxy;
