//! The five seed teams' stacks (`examples/seed-*`, from `shared/seeds/`), end to end through the CLI
//! against moto: apply, a clean plan, the nightly teardown of the runtime layer and the morning
//! apply with every base id kept, a clean plan again, and a destroy that leaves no object in any
//! service.

mod support;
