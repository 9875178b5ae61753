//! The estimate as people read it: the breakdown `provision cost` prints (per layer, per
//! resource, each item with its unit price, quantity and assumption) and the short summary at the
//! end of `provision plan`.

use crate::{Estimate, Item, Line};
use provision_core::Layer;
use std::fmt::Write as _;

/// Dollars with cents: `$32.85`.
pub(crate) fn money(usd: f64) -> String {
    format!("${:.2}", usd + 0.0)
}

/// A unit price with the digits it has: `$0.045`, `$0.004445`, `$1`.
fn unit_price(usd: f64) -> String {
    let s = format!("{usd:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("${s}")
}

/// Hours to a tenth: `260.7`.
fn hours(h: f64) -> String {
    let s = format!("{h:.1}");
    s.trim_end_matches(".0").to_string()
}

/// A quantity without noise: `730`, `0.5`, `1460`.
fn quantity(q: f64) -> String {
    let s = format!("{q:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The breakdown per layer and resource, the totals, the assumptions and, with a schedule, what
/// the nightly teardown saves.
pub fn breakdown(e: &Estimate) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Estimated monthly cost: on-demand prices in {} of {}, a month being {} hours.",
        e.currency,
        e.as_of,
        quantity(e.hours_per_month)
    );
    for layer in Layer::ALL {
        let lines: Vec<&Line> = e.lines.iter().filter(|l| l.layer == layer).collect();
        if lines.is_empty() {
            continue;
        }
        let subtotal = if layer == Layer::Base { e.base } else { e.runtime };
        let _ = writeln!(out, "\n{layer} layer: {}/month", money(subtotal));
        let mut free = vec![];
        for l in &lines {
            if l.free {
                free.push(l.address.as_str());
                continue;
            }
            let flag = if l.incomplete { "  (incomplete)" } else { "" };
            let region = l.region.as_deref().map(|r| format!(" [{r}]")).unwrap_or_default();
            let _ = writeln!(out, "  {}{region}: {}/month{flag}", l.address, money(l.monthly));
            for i in &l.items {
                item(&mut out, i);
            }
            for n in &l.notes {
                let _ = writeln!(out, "      note: {n}");
            }
        }
        if !free.is_empty() {
            let _ = writeln!(out, "  free ({}): {}", free.len(), free.join(", "));
        }
    }
    let _ = writeln!(out, "\nTotal: {}/month (base {}, runtime {}).", money(e.total), money(e.base), money(e.runtime));
    incomplete(&mut out, e);
    if let Some(s) = &e.savings {
        let _ = writeln!(
            out,
            "\nWith the schedule \"{}\", the runtime layer runs {} of {} hours a month; the nightly `provision destroy --layer runtime` saves {}/month ({}/hour of runtime items × {} hours off): runtime {}/month, total {}/month. Monthly items and the base layer keep costing.",
            s.schedule,
            hours(s.hours_on),
            hours(e.hours_per_month),
            money(s.saved),
            unit_price((s.runtime_per_hour * 1e6).round() / 1e6),
            hours(s.hours_off),
            money(s.runtime),
            money(s.total),
        );
    }
    out
}

fn item(out: &mut String, i: &Item) {
    match (&i.missing, i.unit_price) {
        (Some(m), _) => {
            let _ = writeln!(out, "    {}: {} {} × ? — {m}", i.what, quantity(i.quantity), i.unit);
        }
        (None, Some(p)) => {
            let _ = writeln!(
                out,
                "    {}: {} {} × {} = {}",
                i.what,
                quantity(i.quantity),
                i.unit,
                unit_price(p),
                money(i.monthly)
            );
        }
        (None, None) => {
            let _ = writeln!(out, "    {}: {} {}", i.what, quantity(i.quantity), i.unit);
        }
    }
    if let Some(a) = &i.assumption {
        let _ = writeln!(out, "      assumes: {a}");
    }
}

fn incomplete(out: &mut String, e: &Estimate) {
    if !e.incomplete.is_empty() {
        let _ = writeln!(
            out,
            "Incomplete: the cost of {} resource(s) is not wholly in these figures: {}.",
            e.incomplete.len(),
            e.incomplete.join(", ")
        );
    }
}

/// The lines `provision plan` ends with.
pub fn summary(e: &Estimate) -> String {
    let mut out = format!(
        "Estimated monthly cost: {} (base {}, runtime {}), on-demand prices of {}.",
        money(e.total),
        money(e.base),
        money(e.runtime),
        e.as_of
    );
    if !e.incomplete.is_empty() {
        let _ = write!(out, " Incomplete: {} resource(s) without a price.", e.incomplete.len());
    }
    out.push_str("\nSee `provision cost` for the breakdown per resource and its assumptions.");
    out
}
