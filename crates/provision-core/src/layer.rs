//! Layers: the split of a stack into `base` (slow or stateful, kept) and `runtime` (costly and quick
//! to recreate, torn down at night). The engine computes each resource's layer; this module only
//! names the layers and the reasons a resource is in one.

use crate::address::Address;
use serde::{Deserialize, Serialize};

/// The layer a resource belongs to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layer {
    /// Slow or stateful: VPC, subnets, security groups, databases. The default.
    #[default]
    Base,
    /// Costly and quick to recreate: NAT gateways and their addresses, load balancers, services.
    Runtime,
}

impl Layer {
    pub const ALL: [Layer; 2] = [Layer::Base, Layer::Runtime];

    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Base => "base",
            Layer::Runtime => "runtime",
        }
    }

    pub fn parse(s: &str) -> Option<Layer> {
        Layer::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

impl std::fmt::Display for Layer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a resource is in its layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayerOrigin {
    /// The resource type's default layer.
    TypeDefault,
    /// `layer = "..."` in the resource block.
    Configured,
    /// It depends on a runtime resource (directly or through locals and data sources), so it must
    /// go when that resource goes.
    DependsOn(Address),
    /// The object is no longer in the configuration; its layer is the one recorded in state.
    Recorded,
}

/// A resource's layer and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerInfo {
    pub layer: Layer,
    pub origin: LayerOrigin,
}

impl LayerInfo {
    /// A base resource pulled into runtime by a dependency: worth telling the user.
    pub fn pulled_in_by(&self) -> Option<&Address> {
        match &self.origin {
            LayerOrigin::DependsOn(a) if self.layer == Layer::Runtime => Some(a),
            _ => None,
        }
    }
}
