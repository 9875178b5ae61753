//! placeholder until the moto harness lands
