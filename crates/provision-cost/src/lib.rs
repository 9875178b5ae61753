//! What a stack will cost a month, estimated offline: each resource's priced view (type, layer,
//! region, known attribute values) is priced from the dated table shipped with provision, item by
//! item (unit price × quantity, with the assumption each makes), totalled per layer, and — with a
//! schedule — what the nightly `destroy --layer runtime` saves. Pure: no I/O, no AWS call.

mod render;
mod rules;
mod schedule;
mod table;

pub use render::{breakdown, summary};
pub use schedule::Schedule;
pub use table::{Price, PriceTable};

use provision_core::{Attrs, Layer};
use serde::Serialize;
use std::borrow::Cow;

/// A resource instance as the estimate sees it.
#[derive(Debug, Clone)]
pub struct Resource<'a> {
    /// `aws_nat_gateway.main[0]`.
    pub address: String,
    /// The block's address without instance key (`aws_nat_gateway.main`), as `depends_on` names it.
    pub block: String,
    pub type_name: String,
    pub layer: Layer,
    /// The region of its provider configuration; `None` when it is not known offline.
    pub region: Option<String>,
    /// Its planned attribute values; unknown ones are [`provision_core::Value::Unknown`].
    /// Borrowed from the plan's evaluation where nothing had to be added: an estimate of 10,000
    /// instances does not copy their values.
    pub attrs: Cow<'a, Attrs>,
    /// The blocks it depends on (without instance keys), directly or through locals.
    pub depends_on: Vec<String>,
}

/// One priced item of a resource: quantity a month × unit price.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Item {
    /// What is priced ("NAT gateway", "db.t4g.small instance, PostgreSQL, Multi-AZ").
    pub what: String,
    /// How many units a month.
    pub quantity: f64,
    /// The unit ("hour", "GB-month", "vCPU-hour", "secret-month").
    pub unit: String,
    /// US dollars per unit; `None` when the table has no price for it.
    pub unit_price: Option<f64>,
    /// quantity × unit price (0 without a price).
    pub monthly: f64,
    /// Billed for every hour the object exists: saved while the runtime layer is torn down.
    pub hourly: bool,
    /// What the quantity assumes, when it is not read from the configuration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assumption: Option<String>,
    /// Why it has no price ("no price in the table for db.t3.small in eu-west-3").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing: Option<String>,
    /// The price's source, a key of the table's `sources`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The day the price was read from its source, when it is not the table's `as_of`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
}

/// What one resource instance costs a month.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub address: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub layer: Layer,
    pub region: Option<String>,
    pub items: Vec<Item>,
    /// What the estimate could not price or wants said ("desired_count is unknown until apply").
    pub notes: Vec<String>,
    /// The type costs nothing by itself (a VPC, a route, a role).
    pub free: bool,
    /// Part of its cost is not in the figure (a missing price, an unknown value).
    pub incomplete: bool,
    pub monthly: f64,
}

/// What the nightly teardown of the runtime layer saves under a schedule.
#[derive(Debug, Clone, Serialize)]
pub struct Savings {
    pub schedule: String,
    /// Hours a month the runtime layer runs, and is torn down.
    pub hours_on: f64,
    pub hours_off: f64,
    /// What the runtime layer's hourly items cost an hour.
    pub runtime_per_hour: f64,
    /// runtime_per_hour × hours_off.
    pub saved: f64,
    /// The runtime layer's monthly cost under the schedule, and the stack's.
    pub runtime: f64,
    pub total: f64,
}

/// The estimate of a whole stack.
#[derive(Debug, Clone, Serialize)]
pub struct Estimate {
    pub as_of: String,
    pub currency: String,
    pub hours_per_month: f64,
    pub lines: Vec<Line>,
    pub base: f64,
    pub runtime: f64,
    pub total: f64,
    /// The addresses whose cost is not wholly in the figure; empty when the estimate is complete.
    pub incomplete: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub savings: Option<Savings>,
}

/// Prices every resource with `table`, and what `schedule` saves.
pub fn estimate(resources: &[Resource<'_>], table: &PriceTable, schedule: Option<&Schedule>) -> Estimate {
    let lines: Vec<Line> = resources.iter().map(|r| rules::price(r, resources, table)).collect();
    // `+ 0.0`: an empty sum of floats is -0.0, which would print as `-0`.
    let sum = |layer: Layer| lines.iter().filter(|l| l.layer == layer).map(|l| l.monthly).sum::<f64>() + 0.0;
    let (base, runtime) = (sum(Layer::Base), sum(Layer::Runtime));
    let hours = table.hours_per_month;
    let savings = schedule.map(|s| {
        let runtime_per_hour: f64 = lines
            .iter()
            .filter(|l| l.layer == Layer::Runtime)
            .flat_map(|l| &l.items)
            .filter(|i| i.hourly)
            .map(|i| i.monthly / hours)
            .sum::<f64>()
            + 0.0;
        let saved = runtime_per_hour * s.hours_off(hours);
        Savings {
            schedule: s.text.clone(),
            hours_on: s.hours_on(hours),
            hours_off: s.hours_off(hours),
            runtime_per_hour,
            saved,
            runtime: runtime - saved,
            total: base + runtime - saved,
        }
    });
    let incomplete = lines.iter().filter(|l| l.incomplete).map(|l| l.address.clone()).collect();
    Estimate {
        as_of: table.as_of.clone(),
        currency: table.currency.clone(),
        hours_per_month: hours,
        lines,
        base,
        runtime,
        total: base + runtime,
        incomplete,
        savings,
    }
}

#[cfg(test)]
mod tests;
