//! `provision state migrate --from-terraform PATH_OR_S3_URL`: takes over a stack Terraform
//! manages. Terraform's state (format 4, a file or the S3 backend's object) is read, never
//! written; each managed instance is mapped to provision's address, provider configuration and
//! id, read back from AWS through the engine's adopt step, and written as a new provision state.
//! Every check passes before anything is written.

use super::state::commit;
use crate::Status;
use crate::cli::LockArgs;
use crate::printer::Printer;
use crate::session::{Reported, Session, Vars, release};
use anyhow::Result;
use provision_config::VarSource;
use provision_core::state::{OutputValue, State};
use provision_core::{Address, InstanceKey, ProviderRef};
use provision_engine::Adoption;
use provision_state::terraform::TerraformInstance;
use std::collections::BTreeMap;

/// Reads the Terraform state's text: a local file, or `s3://BUCKET/KEY` (the standard AWS chain,
/// `AWS_ENDPOINT_URL` honoured, as the S3 backend reads its own state).
async fn read_source(source: &str) -> Result<String> {
    if let Some(rest) = source.strip_prefix("s3://") {
        let (bucket, key) = rest
            .split_once('/')
            .filter(|(b, k)| !b.is_empty() && !k.is_empty())
            .ok_or_else(|| anyhow::anyhow!("{source} is not an S3 object URL: write s3://BUCKET/KEY"))?;
        let s3 = provision_state_s3::S3Backend::new(provision_state_s3::S3Config {
            bucket: bucket.to_string(),
            key: key.to_string(),
            region: None,
            dynamodb_table: None,
            use_lockfile: false,
            encrypt: false,
            kms_key_id: None,
            workspace_key_prefix: "env:".into(),
            env: "default".into(),
            lease: std::time::Duration::from_secs(180),
        });
        return s3
            .read_object()
            .await
            .map_err(|e| anyhow::anyhow!("cannot read the Terraform state {source}: {e}"))?
            .ok_or_else(|| anyhow::anyhow!("there is no Terraform state at {source}: the object does not exist"));
    }
    std::fs::read_to_string(source).map_err(|e| anyhow::anyhow!("cannot read the Terraform state {source}: {e}"))
}

/// The provider configuration an instance is read and recorded with: its block's, when the
/// configuration declares it (as Terraform itself uses the configuration's), else the one the
/// Terraform state names.
fn provider_of(s: &Session, i: &TerraformInstance) -> Result<ProviderRef, String> {
    if s.module.resource(&i.address).is_some() {
        return Ok(s.engine.provider_of(&i.address));
    }
    if !i.provider.module.is_empty() {
        return Err(format!(
            "it uses the provider configuration `{}`, declared inside a module, and the configuration no longer declares the resource: add its block back, or remove it from Terraform's state first",
            i.provider.raw
        ));
    }
    Ok(ProviderRef { name: i.provider.name.clone(), alias: i.provider.alias.clone() })
}

pub async fn run(
    printer: &Printer,
    vars: Vec<VarSource>,
    source: &str,
    allow_partial: bool,
    lock: &LockArgs,
) -> Result<Status> {
    let s = Session::load(printer, Vars::Inputs(vars), 10)?;
    let text = read_source(source).await?;
    let tf =
        provision_state::parse_terraform(source, &text).map_err(|e| anyhow::anyhow!("{e}; nothing was written"))?;

    let mut problems = vec![];
    let mut unsupported: Vec<&Address> = vec![];
    let mut undeclared = vec![];
    let mut items = vec![];
    let mut sensitive = BTreeMap::new();
    for i in &tf.instances {
        if let Some(key) = &i.deposed {
            problems.push(format!(
                "{} has a deposed object (key {key}): Terraform was replacing it (create_before_destroy) and did not finish. Finish with Terraform first (`terraform apply`), then migrate",
                i.address
            ));
            continue;
        }
        let Some(rt) = s.engine.provider.resource_type(&i.address.type_name) else {
            unsupported.push(&i.address);
            continue;
        };
        let provider = match provider_of(&s, i) {
            Ok(p) => p,
            Err(m) => {
                problems.push(format!("{}: {m}", i.address));
                continue;
            }
        };
        let id = match rt.id_from_terraform(&i.attributes) {
            Ok(id) => id,
            Err(m) => {
                problems.push(format!("{}: no id can be read from its attributes: {m}", i.address));
                continue;
            }
        };
        if s.module.resource(&i.address).is_none() {
            undeclared.push(i.address.to_string());
        }
        sensitive.insert(i.address.clone(), i.sensitive.clone());
        items.push(Adoption {
            address: i.address.clone(),
            provider,
            id,
            prior: rt.attributes_from_terraform(&i.attributes),
            dependencies: i.dependencies.clone(),
        });
    }
    // One object at two addresses (Terraform allows it: two records with `allow_overwrite` for
    // one name): provision records each object once, and would delete it with either address.
    let mut seen: BTreeMap<(&ProviderRef, &str, &str), &Address> = BTreeMap::new();
    for item in &items {
        let key = (&item.provider, item.address.type_name.as_str(), item.id.as_str());
        match seen.get(&key) {
            Some(first) => {
                // A certificate's validation record for `*.example.com` is the apex's: provision
                // lists it once, under the apex, so the wildcard's address is the one to drop.
                let wildcard = |a: &Address| matches!(&a.key, Some(InstanceKey::Key(k)) if k.starts_with("*."));
                let drop = if wildcard(first) { *first } else { &item.address };
                problems.push(format!(
                    "{first} and {} are one object in AWS ({}): provision records each object at one address. Keep the one your configuration plans for in Terraform's state (e.g. `terraform state rm '{drop}'`) and migrate again",
                    item.address, item.id
                ));
            }
            None => {
                seen.insert(key, &item.address);
            }
        }
    }
    if !unsupported.is_empty() && !allow_partial {
        problems.push(format!(
            "{} object{} provision does not support:\n{}\n  Migrate the rest with --allow-partial: these stay in AWS and in Terraform's state, and provision leaves them alone (remove their blocks from the configuration, or provision would create them again)",
            unsupported.len(),
            if unsupported.len() == 1 { " has a type" } else { "s have types" },
            unsupported.iter().map(|a| format!("    {a}")).collect::<Vec<_>>().join("\n")
        ));
    }
    if !problems.is_empty() {
        printer.error(&format!("cannot migrate {source}; nothing was written:\n  {}", problems.join("\n  ")));
        return Err(Reported.into());
    }

    let held = s.lock("state migrate", lock).await?;
    let result = async {
        let (current, existed) = s.read_state().await?;
        if !current.resources.is_empty() || !current.pending.is_empty() {
            anyhow::bail!(
                "{} already holds {} object{}; a migration writes a new state and never merges into one. Nothing was written. Migrate into an empty state (another --env, or after `provision state rm` of what is there)",
                s.backend.location(),
                current.resources.len() + current.pending.len(),
                if current.resources.len() + current.pending.len() == 1 { "" } else { "s" }
            );
        }
        let lineage = uuid::Uuid::new_v4().to_string();
        let adopted = s.engine.adopt(&lineage, items).await.map_err(|e| s.report(e))?;
        if !adopted.missing.is_empty() {
            printer.error(&format!(
                "cannot migrate {source}: {} object{} Terraform's state records {} not exist in AWS; nothing was written:\n{}\n  Run `terraform apply -refresh-only` to record what is really there (or `terraform state rm` what is gone), then migrate again",
                adopted.missing.len(),
                if adopted.missing.len() == 1 { "" } else { "s" },
                if adopted.missing.len() == 1 { "does" } else { "do" },
                adopted
                    .missing
                    .iter()
                    .map(|m| format!("    {} (id {}, provider {})", m.address, m.id, m.provider))
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
            return Err(Reported.into());
        }
        let mut state = State::new(lineage, env!("CARGO_PKG_VERSION"));
        state.resources = adopted.objects;
        for o in &mut state.resources {
            o.sensitive_attributes = sensitive.remove(&o.address).unwrap_or_default();
        }
        state.resources.sort_by(|a, b| (&a.address, &a.deposed).cmp(&(&b.address, &b.deposed)));
        state.outputs = tf
            .outputs
            .iter()
            .map(|(k, o)| (k.clone(), OutputValue { value: o.value.clone(), sensitive: o.sensitive }))
            .collect();
        let serial = if existed { current.serial } else { 0 };
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for o in &state.resources {
            *counts.entry(o.address.type_name.clone()).or_default() += 1;
        }
        let total = state.resources.len();
        commit(s.backend.as_ref(), &held, state, serial).await?;
        Ok((counts, total))
    }
    .await;
    release(printer, held).await;
    let (counts, total) = result?;
    let width = counts.keys().map(String::len).max().unwrap_or(0);
    printer.line(&format!(
        "\nMigrated {total} object{} from {source} (Terraform {}, serial {}) to {}:",
        if total == 1 { "" } else { "s" },
        tf.terraform_version,
        tf.serial,
        s.backend.location()
    ));
    for (t, n) in &counts {
        printer.line(&format!("  {t:width$}  {n}"));
    }
    if !unsupported.is_empty() {
        printer.warn(&format!(
            "left out, because provision does not support their types (they stay in AWS and in Terraform's state):\n{}",
            unsupported.iter().map(|a| format!("    {a}")).collect::<Vec<_>>().join("\n")
        ));
    }
    if tf.data_sources > 0 {
        printer.line(&format!(
            "{} data source instance{} not migrated: provision reads data sources at each plan.",
            tf.data_sources,
            if tf.data_sources == 1 { " was" } else { "s were" }
        ));
    }
    if !undeclared.is_empty() {
        printer.warn(&format!(
            "the configuration does not declare {}: the next plan will destroy {} unless you add {} block{} back (or `provision state rm` {})",
            undeclared.join(", "),
            if undeclared.len() == 1 { "it" } else { "them" },
            if undeclared.len() == 1 { "its" } else { "their" },
            if undeclared.len() == 1 { "" } else { "s" },
            if undeclared.len() == 1 { "it" } else { "them" },
        ));
    }
    printer.success(&format!(
        "\n{source} was only read: Terraform still manages the stack from it until you stop using Terraform. Run `provision plan` to review the first plan."
    ));
    s.report_calls();
    Ok(Status::Ok)
}
