//! Which layer each resource is in: the type's default, or the block's `layer = "..."`, and
//! runtime whenever it depends on a runtime resource — so tearing down the runtime layer never
//! leaves a base object pointing at something that is gone. The one exception is a reference
//! through an argument the type marks weak (`AttributeSchema::weak_reference`, a DNS alias to a
//! load balancer): pointing at nothing overnight is harmless there, and the object is updated in
//! place when the runtime layer comes back, instead of being deleted and created every day.

use crate::graph::ConfigGraph;
use provision_config::{Module, ObjectId, ResourceBlock};
use provision_core::{Address, Diagnostic, Diagnostics, Layer, LayerInfo, LayerOrigin, Mode};
use std::collections::{BTreeMap, BTreeSet};

/// The layers of a configuration's blocks.
#[derive(Debug, Default)]
pub(crate) struct Layers {
    /// Every resource and data source block's layer, by address (without instance key).
    pub info: BTreeMap<Address, LayerInfo>,
    /// The resources each block refers to only through weak arguments (none for most blocks).
    pub weak: BTreeMap<Address, BTreeSet<Address>>,
}

/// Every resource and data source block's layer, by address (without instance key). Data sources
/// are never destroyed; they carry a layer only so that what depends on them inherits it.
pub(crate) fn compute(module: &Module, graph: &ConfigGraph) -> Result<Layers, Diagnostics> {
    let mut layers: BTreeMap<Address, LayerInfo> = BTreeMap::new();
    let mut weak_deps: BTreeMap<Address, BTreeSet<Address>> = BTreeMap::new();
    let mut diags = Diagnostics::default();
    for id in &graph.order {
        let ObjectId::Resource(address) = id else { continue };
        let Some(block) = module.resource(address) else { continue };
        let strong = strong_deps(block, graph);
        let weak: BTreeSet<Address> = graph.resource_deps(id).difference(&strong).cloned().collect();
        if !weak.is_empty() {
            weak_deps.insert(address.clone(), weak);
        }
        let runtime_dep = strong.into_iter().find(|d| layers.get(d).is_some_and(|l| l.layer == Layer::Runtime));
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
    if diags.has_errors() { Err(diags) } else { Ok(Layers { info: layers, weak: weak_deps }) }
}

/// The resources a block depends on other than through its weak arguments, looking through
/// variables, locals and outputs.
fn strong_deps(block: &ResourceBlock, graph: &ConfigGraph) -> BTreeSet<Address> {
    let schema = &block.schema;
    let mut exprs: Vec<&provision_config::Expr> =
        block.body.attrs.iter().filter(|(name, _)| !schema.is_weak_reference(name)).map(|(_, e)| e).collect();
    for (name, body, _) in &block.body.blocks {
        if !schema.is_weak_reference(name) {
            exprs.extend(body.exprs());
        }
    }
    exprs.extend(block.count.iter());
    exprs.extend(block.for_each.iter());
    let ids = exprs
        .into_iter()
        .flat_map(|e| e.references())
        .filter_map(|r| r.object_id())
        .chain(block.depends_on.iter().map(|(id, _)| id.clone()));
    let mut out = BTreeSet::new();
    for id in ids {
        match id {
            ObjectId::Resource(a) => {
                out.insert(a.resource());
            }
            other => out.extend(graph.resource_deps(&other)),
        }
    }
    out
}
