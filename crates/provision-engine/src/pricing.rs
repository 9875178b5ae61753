//! The resource instances of a plan (or of the configuration alone) as a cost estimate reads
//! them: address, layer, their region (their own `region`, else their provider configuration's),
//! their planned values and the blocks they depend on. The engine only gathers them; pricing is `provision-cost`'s job.

use crate::Engine;
use crate::plan::{Checked, Evaluation, PlannedRun};
use provision_config::{InstanceCtx, ObjectId, ProviderBlock, eval_body};
use provision_core::{Address, Attrs, Layer, Mode, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// One resource instance, as planned.
#[derive(Debug, Clone)]
pub struct PricedInstance<'a> {
    pub address: Address,
    pub layer: Layer,
    /// Its own `region` (Terraform AWS provider 6) when known, else the `region` of its provider
    /// block, when the configuration sets one and it is known.
    pub region: Option<String>,
    /// Its planned values (unknown ones are [`Value::Unknown`]), borrowed from the evaluation.
    pub attrs: Cow<'a, Attrs>,
    /// The resource blocks it depends on, directly or through locals and data sources.
    pub depends_on: Vec<Address>,
}

impl Engine {
    /// Every managed resource instance `eval` holds a value for.
    pub(crate) fn priced_instances<'a>(
        &self,
        eval: &'a Evaluation,
        provider_blocks: &[ProviderBlock],
    ) -> Vec<PricedInstance<'a>> {
        let mut regions: BTreeMap<(String, Option<String>), Option<String>> = BTreeMap::new();
        let mut out = vec![];
        for block_address in eval.keys.keys() {
            if block_address.mode == Mode::Data {
                continue;
            }
            let Some(block) = self.module.resource(block_address) else { continue };
            let key = (block.provider.name.clone(), block.provider.alias.clone());
            let region = regions
                .entry(key)
                .or_insert_with(|| {
                    let pb = provider_blocks
                        .iter()
                        .find(|p| p.name == block.provider.name && p.alias == block.provider.alias)?;
                    let attrs = eval_body(&pb.body, &pb.schema, &eval.scope, &InstanceCtx::default()).ok()?;
                    attrs.get("region").and_then(Value::as_str).map(str::to_string)
                })
                .clone();
            let layer = self.layer_info(block_address).map(|l| l.layer).unwrap_or_default();
            for (key, value) in eval.instances_of(block_address) {
                let address = Address { key: key.clone(), ..block_address.clone() };
                let attrs = value.as_map().map_or_else(|| Cow::Owned(Attrs::new()), Cow::Borrowed);
                let own = attrs.get("region").and_then(Value::as_str).map(str::to_string);
                let region = own.or_else(|| region.clone());
                let depends_on = match eval.instances.get(&address) {
                    Some(info) => info.deps.iter().cloned().collect(),
                    None => self.graph.resource_deps(&ObjectId::Resource(block_address.clone())).into_iter().collect(),
                };
                out.push(PricedInstance { address, layer, region, attrs, depends_on });
            }
        }
        out
    }
}

impl PlannedRun {
    /// The instances the configuration describes once this plan is applied (every instance of
    /// the configuration, changed or not), for a cost estimate.
    pub fn priced_instances(&self, engine: &Engine) -> Vec<PricedInstance<'_>> {
        engine.priced_instances(&self.eval, &engine.module.providers)
    }
}

impl Checked {
    /// The instances the configuration alone describes (what `validate` evaluates), for a cost
    /// estimate without state or AWS.
    pub fn priced_instances(&self) -> Vec<PricedInstance<'_>> {
        match (&self.engine, &self.eval) {
            (Some(engine), Some(eval)) => engine.priced_instances(eval, &self.provider_blocks),
            _ => vec![],
        }
    }
}
