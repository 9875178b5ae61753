//! The price table shipped with provision (`prices.json`, embedded at build time): on-demand
//! prices per region, each with its source, the date the table was compiled and, for a price read
//! from its source on another day, that day.

use serde::Deserialize;
use std::collections::BTreeMap;

/// The table provision ships, parsed once per estimate.
const EMBEDDED: &str = include_str!("../prices.json");

/// One price: US dollars per unit, and where it comes from.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Price {
    pub usd: f64,
    /// A key of [`PriceTable::sources`].
    pub source: String,
    /// The day this price was read from its source (`YYYY-MM-DD`), when it is not the table's
    /// [`PriceTable::as_of`].
    #[serde(default)]
    pub as_of: Option<String>,
    /// What the source calls it (usage type, SKU), or how it was derived.
    #[serde(default)]
    pub note: Option<String>,
}

/// On-demand prices by region (and a few global ones), dated.
#[derive(Debug, Clone, Deserialize)]
pub struct PriceTable {
    /// The day the table was compiled (`YYYY-MM-DD`); a price read earlier says so in its own
    /// [`Price::as_of`].
    pub as_of: String,
    pub currency: String,
    /// AWS's convention for a month of hourly prices: 730 hours.
    pub hours_per_month: f64,
    #[serde(default)]
    pub about: String,
    /// Source key → where the figures come from.
    pub sources: BTreeMap<String, String>,
    /// Prices that do not depend on the region (Route 53).
    #[serde(default)]
    pub global: BTreeMap<String, Price>,
    /// Region → price key → price. Keys are `item` or `item:class` (`rds_postgres_hour:db.t4g.small`).
    pub regions: BTreeMap<String, BTreeMap<String, Price>>,
}

impl PriceTable {
    /// The table shipped with this build of provision.
    pub fn embedded() -> Result<PriceTable, String> {
        PriceTable::parse(EMBEDDED)
    }

    /// Reads a table in `prices.json`'s format (what `scripts/refresh-prices.sh` writes).
    pub fn parse(text: &str) -> Result<PriceTable, String> {
        let table: PriceTable = serde_json::from_str(text).map_err(|e| format!("the price table is not valid: {e}"))?;
        for (region, prices) in &table.regions {
            for (key, p) in prices {
                if !table.sources.contains_key(&p.source) {
                    return Err(format!("the price table's {key} in {region} names an unknown source {:?}", p.source));
                }
                if let Some(day) = p.as_of.as_deref().filter(|d| !is_date(d)) {
                    return Err(format!(
                        "the price table's {key} in {region} has as_of {day:?}, not a YYYY-MM-DD date"
                    ));
                }
            }
        }
        if table.hours_per_month <= 0.0 {
            return Err("the price table's hours_per_month must be positive".into());
        }
        Ok(table)
    }

    /// The price of `key` in `region`.
    pub fn get(&self, region: &str, key: &str) -> Option<&Price> {
        self.regions.get(region).and_then(|r| r.get(key))
    }

    /// A price that is the same in every region.
    pub fn global(&self, key: &str) -> Option<&Price> {
        self.global.get(key)
    }

    /// Whether the table has any price for `region`.
    pub fn has_region(&self, region: &str) -> bool {
        self.regions.contains_key(region)
    }
}

/// `YYYY-MM-DD`, digits where digits go.
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10 && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_table_parses_and_every_price_has_a_known_source() {
        let t = PriceTable::embedded().expect("embedded table");
        assert_eq!(t.hours_per_month, 730.0);
        assert_eq!(t.currency, "USD");
        assert!(t.as_of.len() == 10, "as_of is a date: {}", t.as_of);
        assert!(t.get("us-east-1", "nat_gateway_hour").is_some());
        for prices in t.regions.values() {
            for p in prices.values() {
                assert!(p.usd > 0.0);
                assert!(t.sources.contains_key(&p.source));
            }
        }
    }

    #[test]
    fn an_unknown_source_is_refused() {
        let text = r#"{"as_of":"2026-01-01","currency":"USD","hours_per_month":730,"sources":{},
            "regions":{"us-east-1":{"nat_gateway_hour":{"usd":0.045,"source":"nowhere"}}}}"#;
        let e = PriceTable::parse(text).expect_err("unknown source");
        assert!(e.contains("nowhere"), "{e}");
    }

    #[test]
    fn a_price_dated_otherwise_than_yyyy_mm_dd_is_refused() {
        let text = r#"{"as_of":"2026-01-01","currency":"USD","hours_per_month":730,"sources":{"s":"x"},
            "regions":{"eu-west-1":{"nat_gateway_hour":{"usd":0.048,"source":"s","as_of":"October 2026"}}}}"#;
        let e = PriceTable::parse(text).expect_err("bad date");
        assert!(e.contains("nat_gateway_hour in eu-west-1") && e.contains("October 2026"), "{e}");
    }

    #[test]
    fn every_price_outside_us_east_1_names_its_offer_file_row_and_day() {
        let t = PriceTable::embedded().expect("embedded table");
        for (region, prices) in t.regions.iter().filter(|(r, _)| r.as_str() != "us-east-1") {
            for (key, p) in prices {
                let source = &t.sources[&p.source];
                assert!(p.note.is_some(), "{key} in {region}: the row it was read from");
                if source.starts_with("AWS Price List API") {
                    continue; // written by scripts/refresh-prices.sh on the table's date
                }
                // Quoted: AWS's offer file for this very region, the public document it was read
                // in (at a commit), and the day it was read from AWS.
                assert!(p.as_of.is_some(), "{key} in {region}: the day it was read");
                assert!(source.contains("AWS Price List offer file"), "{key} in {region}: {source}");
                assert!(source.contains(&format!("/{region}/index.json")), "{key} in {region}: {source}");
                assert!(source.contains("github.com/") && source.contains("at commit "), "{key} in {region}: {source}");
            }
        }
    }
}
