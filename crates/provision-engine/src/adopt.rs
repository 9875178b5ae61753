//! Adopting objects that exist in AWS but not in the state, in one place for every way of asking:
//! `import` blocks, `provision import ADDRESS ID` and `provision state migrate --from-terraform`.
//! Each object is read by its id (one batched read per type and provider configuration) and
//! becomes a state object at its address, in its block's layer.

use crate::{Engine, EngineError, Event};
use provision_config::{InstanceCtx, eval};
use provision_core::state::ResourceObject;
use provision_core::{Address, Attrs, InstanceKey, ProviderRef, ReadContext, Value};
use std::collections::BTreeMap;

/// One object to adopt.
#[derive(Debug, Clone)]
pub struct Adoption {
    pub address: Address,
    /// The provider configuration (and so the region) the object is read with and recorded under.
    pub provider: ProviderRef,
    pub id: String,
    /// What is known of the object already (a Terraform state's attributes; empty for an
    /// import): passed to the read as the recorded attributes, so that what AWS never returns (a
    /// database password) carries over.
    pub prior: Attrs,
    /// The resources it depends on, recorded to order its deletion.
    pub dependencies: Vec<Address>,
}

/// What [`Engine::adopt`] found: the objects read, in the order asked, and those AWS does not have.
#[derive(Debug, Default)]
pub struct Adopted {
    pub objects: Vec<ResourceObject>,
    pub missing: Vec<Adoption>,
}

/// One object to read by its id, with what is recorded of it.
pub(crate) struct ById<'a> {
    pub provider: &'a ProviderRef,
    pub type_name: &'a str,
    pub id: &'a str,
    pub prior: &'a Attrs,
}

impl Engine {
    /// Reads objects by id, one batched read per (provider configuration, type), all groups at
    /// once; each object found is normalized against its `prior`, `None` where AWS has no such
    /// object. The one batched read of the refresh and of adoption. A read that fails (or a type
    /// or provider configuration this engine lacks) is an error.
    pub(crate) async fn read_by_id(
        &self,
        lineage: &str,
        wanted: &[ById<'_>],
    ) -> Result<Vec<Option<Attrs>>, EngineError> {
        let mut groups: BTreeMap<(&ProviderRef, &str), Vec<usize>> = BTreeMap::new();
        for (i, w) in wanted.iter().enumerate() {
            groups.entry((w.provider, w.type_name)).or_default().push(i);
        }
        let ctx = ReadContext { stack: lineage.to_string(), ..Default::default() };
        let mut reads = vec![];
        for ((provider, type_name), idxs) in groups {
            let rt = self.type_to_read(provider, type_name)?;
            let objects: Vec<(String, Attrs)> =
                idxs.iter().map(|&i| (wanted[i].id.to_string(), wanted[i].prior.clone())).collect();
            self.reporter.report(Event::Refreshing { type_name: type_name.to_string(), count: objects.len() });
            let ctx = ctx.clone();
            reads.push(async move {
                let found = rt.read_many(&ctx, &objects).await;
                (type_name, idxs, rt, found)
            });
        }
        let mut read: Vec<Option<Attrs>> = vec![None; wanted.len()];
        for (type_name, idxs, rt, found) in futures::future::join_all(reads).await {
            let found = found.map_err(|error| EngineError::Refresh { type_name: type_name.to_string(), error })?;
            for i in idxs {
                let w = &wanted[i];
                read[i] =
                    found.get(w.id).map(|attrs| self.normalize_read(rt.schema(), attrs.clone(), w.prior, w.provider));
            }
        }
        Ok(read)
    }

    /// Reads every object of `items` by its id, one batched read per (provider configuration,
    /// type), all groups at once, and returns them as state objects of the stack `lineage`. A read
    /// that fails (or a type or provider configuration this engine lacks) is an error; an object
    /// that does not exist is listed in `missing`.
    pub async fn adopt(&self, lineage: &str, items: Vec<Adoption>) -> Result<Adopted, EngineError> {
        let wanted: Vec<ById<'_>> = items
            .iter()
            .map(|i| ById { provider: &i.provider, type_name: &i.address.type_name, id: &i.id, prior: &i.prior })
            .collect();
        let read = self.read_by_id(lineage, &wanted).await?;
        let mut out = Adopted::default();
        for (item, attrs) in items.into_iter().zip(read) {
            match attrs {
                Some(attributes) => out.objects.push(ResourceObject {
                    layer: self.layer_of(&item.address),
                    address: item.address,
                    deposed: None,
                    id: item.id,
                    provider: item.provider,
                    attributes,
                    sensitive_attributes: Default::default(),
                    dependencies: item.dependencies,
                    unfinished: false,
                    tainted: false,
                }),
                None => out.missing.push(item),
            }
        }
        Ok(out)
    }

    /// The provider configuration of `address` when the configuration declares it with a fitting
    /// instance key (one with `count` needs an index below the count, one with `for_each` one of
    /// its keys, where they are known before anything is read; one with neither, no key). `Err`
    /// says what is wrong, for `provision import`.
    pub fn importable(&self, address: &Address) -> Result<ProviderRef, String> {
        let block = self.module.resource(address).filter(|b| b.address.mode == address.mode).ok_or_else(|| {
            format!(
                "the configuration declares no resource {}: add a `resource \"{}\" \"{}\"` block (in {}) before importing into it",
                address.resource(),
                address.type_name,
                address.name,
                if address.module.is_empty() {
                    "the root module".to_string()
                } else {
                    address.module.iter().map(|m| m.to_string()).collect::<Vec<_>>().join(".")
                }
            )
        })?;
        let scope = self.scope_with_locals();
        let known = |e| eval(e, &scope, &InstanceCtx::default()).ok().map(|v| v.strip_marks());
        match (&block.count, &block.for_each, &address.key) {
            (None, None, None) => {}
            (None, None, Some(_)) => {
                return Err(format!(
                    "{} has neither count nor for_each: import it as {}, without an instance key",
                    address.resource(),
                    address.resource()
                ));
            }
            (Some(count), _, Some(InstanceKey::Index(i))) => {
                if let Some(Value::Number(n)) = known(count)
                    && (*i as f64) >= n
                {
                    return Err(format!(
                        "{address} is out of range: {} has count = {n}, so its instances are [0] to [{}]",
                        address.resource(),
                        (n as i64 - 1).max(0)
                    ));
                }
            }
            (Some(_), _, _) => {
                return Err(format!(
                    "{} has count: import one instance with its index, e.g. {}[0]",
                    address.resource(),
                    address.resource()
                ));
            }
            (None, Some(for_each), Some(InstanceKey::Key(k))) => {
                let keys: Option<Vec<String>> = match known(for_each) {
                    Some(Value::Map(m)) => Some(m.keys().cloned().collect()),
                    Some(Value::Set(items)) | Some(Value::List(items)) => {
                        Some(items.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
                    }
                    _ => None,
                };
                if let Some(keys) = keys
                    && !keys.contains(k)
                {
                    return Err(format!(
                        "{address}: {} has no for_each key \"{k}\"; its keys are {}",
                        address.resource(),
                        keys.iter().map(|k| format!("\"{k}\"")).collect::<Vec<_>>().join(", ")
                    ));
                }
            }
            (None, Some(_), _) => {
                return Err(format!(
                    "{} has for_each: import one instance with its key, e.g. {}[\"name\"]",
                    address.resource(),
                    address.resource()
                ));
            }
        }
        Ok(block.provider.clone())
    }
}
