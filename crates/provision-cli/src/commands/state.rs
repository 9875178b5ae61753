//! `provision state ...`: look into the state, change what it records (rm, mv, push) without
//! touching AWS, clear a lock left by a killed run, and create the remote backend's bucket and
//! lock table.

use super::confirm;
use crate::Status;
use crate::cli::StateCommand;
use crate::printer::Printer;
use crate::session::{load_module_backend, lock_as_asked, read_or_new, release};
use anyhow::{Context as _, Result};
use provision_core::state::State;
use provision_core::state::StateStore;
use provision_core::{Address, Provider as _};
use provision_state::{Backend, StateError, Store, parse};

/// Writes `state` as the next version, under the lock.
pub(super) async fn commit(
    backend: &dyn Backend,
    lock: &provision_state::Lock,
    mut state: State,
    serial: u64,
) -> Result<()> {
    state.serial = serial + 1;
    state.provision_version = env!("CARGO_PKG_VERSION").to_string();
    Store::new(backend, lock).persist(&state).await.map_err(|e| anyhow::anyhow!("{e}"))
}

pub async fn run(printer: &Printer, vars: Vec<provision_config::VarSource>, cmd: StateCommand) -> Result<Status> {
    let backend = load_module_backend()?;
    let backend = backend.as_ref();
    match cmd {
        StateCommand::List => {
            let state = backend.read().await?.unwrap_or_else(|| State::new("", ""));
            for r in &state.resources {
                match &r.deposed {
                    Some(k) => printer.line(&format!("{} (deposed {k})", r.address)),
                    None => printer.line(&r.address.to_string()),
                }
            }
            for p in &state.pending {
                printer.line(&format!("{} (pending create, started {})", p.address, p.started_at));
            }
        }
        StateCommand::Show { address } => {
            let addr: Address = address.parse()?;
            let state = backend.read().await?;
            let Some(obj) = state.as_ref().and_then(|s| s.current(&addr)) else {
                printer.error(&format!("no object at {addr} in the state; `provision state list` shows what is there"));
                return Ok(Status::Error);
            };
            // The schema says which attributes are always sensitive; the state, which were.
            let provider = provision_aws::AwsProvider::new();
            let schema = match addr.mode {
                provision_core::Mode::Managed => provider.resource_type(&addr.type_name).map(|r| r.schema().clone()),
                provision_core::Mode::Data => provider.data_source(&addr.type_name).map(|d| d.schema().clone()),
            };
            printer.out(&provision_engine::render::state_object(obj, schema.as_ref()));
        }
        StateCommand::Pull => match backend.read_text().await? {
            Some(text) => printer.out(&text),
            None => printer.warn(&format!("no state yet ({} does not exist)", backend.location())),
        },
        StateCommand::Push { file, force, lock } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let pushed = parse(&file, &text)?;
            let held = lock_as_asked(printer, backend, "state push", &lock).await?;
            let result = async {
                let current = backend.read().await?;
                if let Some(cur) = &current {
                    if cur.lineage != pushed.lineage && !force {
                        anyhow::bail!(
                            "{} belongs to another stack (lineage {}) than {} (lineage {}); nothing was written. Use --force to replace it anyway",
                            file.display(), pushed.lineage, backend.location(), cur.lineage
                        );
                    }
                    if pushed.serial < cur.serial && !force {
                        anyhow::bail!(
                            "{} is older (serial {}) than {} (serial {}); nothing was written. Use --force to go back to it anyway",
                            file.display(), pushed.serial, backend.location(), cur.serial
                        );
                    }
                }
                let serial = current.as_ref().map_or(pushed.serial, |c| c.serial.max(pushed.serial));
                commit(backend, &held, pushed.clone(), serial).await?;
                Ok(serial + 1)
            }
            .await;
            release(printer, held).await;
            let serial = result?;
            printer.success(&format!("Pushed {} to {} (serial {serial}).", file.display(), backend.location()));
        }
        StateCommand::Rm { address, lock } => {
            let addrs: Vec<Address> = address.iter().map(|a| a.parse()).collect::<Result<_, _>>()?;
            let held = lock_as_asked(printer, backend, "state rm", &lock).await?;
            let result = async {
                let (mut state, _) = read_or_new(backend).await?;
                let serial = state.serial;
                let before = state.resources.len();
                let matches = |a: &Address, r: &Address| if a.key.is_some() { a == r } else { a.same_resource(r) };
                let mut removed = vec![];
                state.resources.retain(|r| {
                    let hit = addrs.iter().any(|a| matches(a, &r.address));
                    if hit {
                        removed.push(format!("{} ({})", r.address, r.id));
                    }
                    !hit
                });
                if state.resources.len() == before {
                    anyhow::bail!(
                        "no object in the state matches {}; `provision state list` shows what is there",
                        address.join(", ")
                    );
                }
                commit(backend, &held, state, serial).await?;
                Ok(removed)
            }
            .await;
            release(printer, held).await;
            for r in result? {
                printer.line(&format!("Removed {r} from the state; the object itself is left in AWS."));
            }
        }
        StateCommand::Mv { from, to, lock } => {
            let (from, to): (Address, Address) = (from.parse()?, to.parse()?);
            if from.type_name != to.type_name || from.mode != to.mode {
                anyhow::bail!("cannot move {from} to {to}: the type differs (an object keeps its type)");
            }
            let held = lock_as_asked(printer, backend, "state mv", &lock).await?;
            let result = async {
                let (mut state, _) = read_or_new(backend).await?;
                let serial = state.serial;
                let whole = from.key.is_none() && to.key.is_none();
                let target_taken =
                    state.resources.iter().any(|r| if whole { to.same_resource(&r.address) } else { r.address == to });
                if target_taken {
                    anyhow::bail!(
                        "{to} already has an object in the state; remove it first (`provision state rm {to}`)"
                    );
                }
                let mut moved = 0;
                for r in &mut state.resources {
                    if whole && from.same_resource(&r.address) {
                        r.address = to.clone().with_key(r.address.key.clone());
                        moved += 1;
                    } else if r.address == from {
                        r.address = to.clone();
                        moved += 1;
                    }
                }
                if moved == 0 {
                    anyhow::bail!("no object in the state at {from}; `provision state list` shows what is there");
                }
                state.resources.sort_by(|a, b| (&a.address, &a.deposed).cmp(&(&b.address, &b.deposed)));
                commit(backend, &held, state, serial).await?;
                Ok(moved)
            }
            .await;
            release(printer, held).await;
            let moved = result?;
            printer.success(&format!("Moved {moved} object{} from {from} to {to}.", if moved == 1 { "" } else { "s" }));
        }
        StateCommand::ForceUnlock { id, force } => {
            // A lock file that cannot be read names no holder: it is removed by the ID its
            // message gave, derived from its content.
            let (detail, corrupt) = match backend.lock_info().await {
                Ok(Some(holder)) => (
                    format!(
                        "the lock {} is held by {} (pid {}, `{}` since {}). Remove it only if that run is really gone.",
                        holder.id, holder.who, holder.pid, holder.operation, holder.created
                    ),
                    false,
                ),
                Ok(None) => {
                    printer.error(&format!("there is no lock on {}", backend.location()));
                    return Ok(Status::Error);
                }
                Err(StateError::CorruptLock { path, detail, .. }) => (
                    format!(
                        "the lock file {} is corrupt ({detail}) and names no holder. Remove it only if no other provision is running.",
                        path.display()
                    ),
                    true,
                ),
                Err(e) => return Err(e.into()),
            };
            if !force && !confirm(printer, "Do you really want to force-unlock the state?", &detail).await? {
                printer.line("\nForce-unlock cancelled.");
                return Ok(Status::Error);
            }
            if corrupt {
                backend.force_unlock_corrupt(&id).await?;
            } else {
                backend.force_unlock(&id).await?;
            }
            printer.success(&format!("The lock {id} was removed; the state is unlocked."));
        }
        StateCommand::Migrate { from_terraform, allow_partial, lock } => {
            return super::migrate::run(printer, vars, &from_terraform, allow_partial, &lock).await;
        }
        StateCommand::Bootstrap => {
            let provider = crate::session::providers(std::sync::Arc::new(provision_aws::AwsProvider::new()));
            let (module, _) = provision_config::load_dir(std::path::Path::new("."), &provider);
            if module.backend.as_ref().is_none_or(|b| b.kind != "s3") {
                printer.line("Nothing to bootstrap: the local backend needs no setup. Add a `backend \"s3\"` block to keep the state in S3.");
                return Ok(Status::Ok);
            }
            let s3 = crate::session::s3_backend_of(&module)?;
            for line in s3.bootstrap().await? {
                printer.line(&format!("  {line}"));
            }
            printer.success(&format!("The state backend is ready: {}", s3.config.bucket));
        }
    }
    Ok(Status::Ok)
}
