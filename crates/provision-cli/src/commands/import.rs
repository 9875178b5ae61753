//! `provision import ADDRESS ID`: adopts one object made outside provision into the state, as
//! Terraform's `import` command does (and as an `import` block does at the next apply), through
//! the engine's one adopt step.

use super::state::commit;
use crate::Status;
use crate::cli::ImportArgs;
use crate::printer::Printer;
use crate::session::{Reported, Session, Vars, release};
use anyhow::Result;
use provision_config::VarSource;
use provision_core::{Address, Attrs, Mode};
use provision_engine::Adoption;

pub async fn run(printer: &Printer, vars: Vec<VarSource>, args: ImportArgs) -> Result<Status> {
    let address: Address = args.address.parse().map_err(|e| anyhow::anyhow!("invalid address: {e}"))?;
    if address.mode == Mode::Data {
        anyhow::bail!(
            "{address} is a data source: only managed resources can be imported (a data source is read at each plan)"
        );
    }
    let id = args.id.trim().to_string();
    if id.is_empty() {
        anyhow::bail!("the id to import into {address} is empty");
    }
    let s = Session::load(printer, Vars::Inputs(vars), 10)?;
    let provider = s.engine.importable(&address).map_err(|e| anyhow::anyhow!("cannot import into {address}: {e}"))?;
    let lock = s.lock("import", &args.lock).await?;
    let result = async {
        let (mut state, _) = s.read_state().await?;
        let store = provision_state::Store::new(s.backend.as_ref(), &lock);
        s.engine.recover(&mut state, &store).await.map_err(|e| s.report(e))?;
        if let Some(o) = state.current(&address) {
            anyhow::bail!(
                "{address} is already managed: the state holds the object {} there; nothing was imported. To manage {id} at this address instead, remove the current one first with `provision state rm {address}`",
                o.id
            );
        }
        if let Some(o) = state.resources.iter().find(|o| o.id == id && o.address.type_name == address.type_name) {
            anyhow::bail!(
                "{id} is already managed as {}: importing it to {address} as well would manage one object twice; nothing was imported. Use `provision state mv {} {address}` to move it",
                o.address,
                o.address
            );
        }
        printer.line(&format!("{address}: Importing from ID \"{id}\"..."));
        let item =
            Adoption { address: address.clone(), provider, id: id.clone(), prior: Attrs::new(), dependencies: vec![] };
        let adopted = s.engine.adopt(&state.lineage, vec![item]).await.map_err(|e| s.report(e))?;
        let Some(object) = adopted.objects.into_iter().next() else {
            printer.error(&format!(
                "Cannot import non-existent remote object\n\n  While attempting to import an existing object to \"{address}\", no {} with the id \"{id}\" was found in AWS. Only pre-existing objects can be imported; check that the id is correct and that the object is in the provider configuration's region ({}), or use \"provision apply\" to create a new object for this resource. Nothing was written.",
                address.type_name,
                s.engine.provider_of(&address)
            ));
            return Err(Reported.into());
        };
        printer.line(&format!("{address}: Import prepared!\n  Prepared {} for import", address.type_name));
        printer.line(&format!("{address}: Refreshing state... [id={id}]"));
        let serial = state.serial;
        state.resources.push(object);
        state.resources.sort_by(|a, b| (&a.address, &a.deposed).cmp(&(&b.address, &b.deposed)));
        commit(s.backend.as_ref(), &lock, state, serial).await?;
        Ok(())
    }
    .await;
    release(printer, lock).await;
    result?;
    printer.success(
        "\nImport successful!\n\nThe resources that were imported are shown above. These resources are now in\nyour state and will henceforth be managed by provision.",
    );
    s.report_calls();
    Ok(Status::Ok)
}
