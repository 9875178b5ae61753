//! `provision state ...`: look into the state, and clear a lock left by a killed run.

use super::confirm;
use crate::Status;
use crate::cli::StateCommand;
use crate::printer::Printer;
use crate::session::load_module_backend;
use anyhow::Result;
use provision_core::Address;

pub async fn run(printer: &Printer, cmd: StateCommand) -> Result<Status> {
    let backend = load_module_backend()?;
    match cmd {
        StateCommand::List => {
            let state = backend.read()?.unwrap_or_else(|| provision_core::state::State::new("", ""));
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
            let state = backend.read()?;
            let Some(obj) = state.as_ref().and_then(|s| s.current(&addr)) else {
                printer.error(&format!("no object at {addr} in the state; `provision state list` shows what is there"));
                return Ok(Status::Error);
            };
            printer.line(&format!("# {addr}:"));
            let width = obj.attributes.keys().map(String::len).max().unwrap_or(0);
            for (k, v) in &obj.attributes {
                if !v.is_null() {
                    printer.line(&format!("{k:<width$} = {v}"));
                }
            }
        }
        StateCommand::Pull => match std::fs::read_to_string(backend.path()) {
            Ok(text) => printer.out(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                printer.warn(&format!("no state yet ({} does not exist)", backend.path().display()));
            }
            Err(e) => return Err(e.into()),
        },
        StateCommand::ForceUnlock { id, force } => {
            let Some(holder) = backend.lock_info()? else {
                printer.error(&format!("there is no lock on {}", backend.path().display()));
                return Ok(Status::Error);
            };
            if !force {
                let detail = format!(
                    "the lock {} is held by {} (pid {}, `{}` since {}). Remove it only if that run is really gone.",
                    holder.id, holder.who, holder.pid, holder.operation, holder.created
                );
                if !confirm(printer, "Do you really want to force-unlock the state?", &detail).await? {
                    printer.line("\nForce-unlock cancelled.");
                    return Ok(Status::Error);
                }
            }
            backend.force_unlock(&id)?;
            printer.success(&format!("The lock {id} was removed; the state is unlocked."));
        }
    }
    Ok(Status::Ok)
}
