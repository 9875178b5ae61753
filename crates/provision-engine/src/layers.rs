//! Which layer each resource is in: the type's default, or the block's `layer = "..."`, and
//! runtime whenever it depends on a runtime resource — so tearing down the runtime layer never
//! leaves a base object pointing at something that is gone.

use crate::graph::ConfigGraph;
use provision_config::{Module, ObjectId};
use provision_core::{Address, Diagnostic, Diagnostics, Layer, LayerInfo, LayerOrigin, Mode};
use std::collections::BTreeMap;

/// Every resource and data source block's layer, by address (without instance key). Data sources
/// are never destroyed; they carry a layer only so that what depends on them inherits it.
pub(crate) fn compute(module: &Module, graph: &ConfigGraph) -> Result<BTreeMap<Address, LayerInfo>, Diagnostics> {
    let mut layers: BTreeMap<Address, LayerInfo> = BTreeMap::new();
    let mut diags = Diagnostics::default();
    for id in &graph.order {
        let ObjectId::Resource(address) = id else { continue };
        let Some(block) = module.resource(address) else { continue };
        let runtime_dep =
            graph.resource_deps(id).into_iter().find(|d| layers.get(d).is_some_and(|l| l.layer == Layer::Runtime));
        let info = match (&block.layer, runtime_dep) {
            (Some((Layer::Base, span)), Some(dep)) => {
                let why = match layers.get(&dep).map(|l| &l.origin) {
                    Some(LayerOrigin::DependsOn(root)) => format!("{dep} is runtime because it depends on {root}"),
                    Some(LayerOrigin::Configured) => format!("{dep} is set to the runtime layer"),
                    _ => format!("{dep} is runtime by default"),
                };
                diags.push(
                    Diagnostic::error(format!("{address} cannot be in the base layer"))
                        .at(span.clone(), format!("`layer = \"base\"` is set, but {address} depends on {dep}"))
                        .note(format!(
                            "{why}; destroying the runtime layer would leave {address} pointing at an object that is gone. Remove `layer = \"base\"`, or put {dep} in the base layer too"
                        )),
                );
                LayerInfo { layer: Layer::Base, origin: LayerOrigin::Configured }
            }
            (Some((layer, _)), _) => LayerInfo { layer: *layer, origin: LayerOrigin::Configured },
            (None, Some(_)) if block.schema.layer == Layer::Runtime => {
                LayerInfo { layer: Layer::Runtime, origin: LayerOrigin::TypeDefault }
            }
            (None, Some(dep)) => LayerInfo { layer: Layer::Runtime, origin: LayerOrigin::DependsOn(dep) },
            (None, None) if address.mode == Mode::Data => {
                LayerInfo { layer: Layer::Base, origin: LayerOrigin::TypeDefault }
            }
            (None, None) => LayerInfo { layer: block.schema.layer, origin: LayerOrigin::TypeDefault },
        };
        layers.insert(address.clone(), info);
    }
    if diags.has_errors() { Err(diags) } else { Ok(layers) }
}
