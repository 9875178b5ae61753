//! The generated parts of the reference pages `docs/resources/<type>.md`: the argument and
//! attribute tables and a line of defaults (timeouts, layer, how an object is found after a crash),
//! written from the schema and the type's identity strategy, and the calls of a create, from the
//! calls-per-create table (`create-calls.json`, measured against moto by the CLI's `moto_calls`
//! test), also the last column of the index `docs/resources/README.md`. The prose around them is
//! hand-written.
//!
//! Each generated part sits between a begin marker naming it and [`END`]; [`refresh`] replaces
//! what is between them. The docs test of this crate compares every page with what this module
//! writes, and rewrites them when `PROVISION_UPDATE_DOCS=1` is set.

use provision_core::{AttrMode, AttributeSchema, BlockSchema, IdentityStrategy, Nesting, ResourceType, Schema};
use std::time::Duration;

/// The command that rewrites the generated parts of every page.
pub const REFRESH_COMMAND: &str = "PROVISION_UPDATE_DOCS=1 cargo test -p provision-aws docs";

/// The line that ends every generated part.
pub const END: &str = "<!-- end of generated -->";

/// One generated part of a page: its begin marker and what goes between it and [`END`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub begin: String,
    pub body: String,
}

impl Region {
    fn new(part: &str, body: String) -> Self {
        Region {
            begin: format!("<!-- generated from the schema ({part}): do not edit; run {REFRESH_COMMAND} -->"),
            body,
        }
    }
}

/// The calls-per-create table: per type, its calls, the operations of the create itself, the
/// reads made while waiting, and the configuration that measured them.
const CREATE_CALLS: &str = include_str!("../create-calls.json");

/// The generated parts of a resource type's page, in page order: the arguments (below
/// `## Arguments`) and the attributes with the defaults line and, for a type in the
/// calls-per-create table, the create's calls (below `## Attributes`).
pub fn resource_regions(rt: &dyn ResourceType) -> Vec<Region> {
    let schema = rt.schema();
    let mut attrs = attributes(schema, rt.identity());
    if let Some(line) = create_calls_line(rt.name()) {
        attrs += &format!("\n{line}\n");
    }
    vec![Region::new("arguments", arguments(schema)), Region::new("attributes", attrs)]
}

/// The entry of `type_name` in the calls-per-create table.
fn create_calls_entry(type_name: &str) -> Option<serde_json::Value> {
    let table: serde_json::Value = serde_json::from_str(CREATE_CALLS).ok()?;
    table.get("types")?.get(type_name).cloned()
}

/// `EC2:CreateVpc, EC2:DescribeVpcAttribute ×2`.
fn operations(ops: Option<&serde_json::Value>) -> Vec<String> {
    let Some(ops) = ops.and_then(serde_json::Value::as_object) else { return vec![] };
    ops.iter()
        .map(|(op, n)| match n.as_u64() {
            Some(1) => format!("`{op}`"),
            n => format!("`{op}` ×{}", n.unwrap_or_default()),
        })
        .collect()
}

/// "**Create:** 3 calls (...)", from the calls-per-create table.
pub fn create_calls_line(type_name: &str) -> Option<String> {
    let entry = create_calls_entry(type_name)?;
    let calls = entry.get("calls")?.as_u64()?;
    let own = operations(entry.get("operations"));
    let waits = operations(entry.get("waits"));
    let config = entry.get("configuration").and_then(serde_json::Value::as_str).unwrap_or("?");
    let mut list = own.join(", ");
    if !waits.is_empty() {
        let sep = if list.is_empty() { "" } else { "; " };
        list += &format!("{sep}waiting: {}", waits.join(", "));
    }
    let plural = if calls == 1 { "" } else { "s" };
    let wait_note = if waits.is_empty() {
        String::new()
    } else {
        " A wait reads once against moto, which answers at once; on AWS it reads once per poll until the object is \
         ready."
            .to_string()
    };
    Some(format!(
        "**Create:** {calls} call{plural} ({list}), measured against moto with `{config}` \
         (`crates/provision-aws/create-calls.json`).{wait_note}"
    ))
}

/// The cell of the index's "create calls" column: the number of calls, or `none (local)` for a
/// type that makes no AWS call (the `random` provider's).
fn create_calls_cell(type_name: &str) -> String {
    match create_calls_entry(type_name).and_then(|e| e.get("calls").and_then(serde_json::Value::as_u64)) {
        Some(n) => n.to_string(),
        None if !type_name.starts_with("aws_") => "none (local)".into(),
        None => "not measured".into(),
    }
}

/// The index `docs/resources/README.md` with its type tables' last column, "create calls",
/// written from the calls-per-create table (added where it is missing). Only the tables headed
/// "type | what it is" are touched: other tables of the index that link types (the migration's
/// ids) keep their columns.
pub fn refresh_index(index: &str) -> String {
    let mut out = String::new();
    let mut in_type_table = false;
    for line in index.lines() {
        if !line.starts_with('|') {
            in_type_table = false;
        }
        let fresh = if line == "| type | what it is |" || line == "| type | what it is | create calls |" {
            in_type_table = true;
            "| type | what it is | create calls |".to_string()
        } else if (line == "|---|---|" || line == "|---|---|---|") && out.ends_with("| create calls |\n") {
            "|---|---|---|".to_string()
        } else if let Some(rest) = line.strip_prefix("| [`").filter(|_| in_type_table) {
            let name = rest.split('`').next().unwrap_or_default();
            let cells: Vec<&str> = line.trim_end_matches('|').split(" | ").collect();
            let what = cells.get(1).copied().unwrap_or_default().trim();
            let type_cell = cells.first().copied().unwrap_or_default().trim_start_matches("| ");
            format!("| {type_cell} | {what} | {} |", create_calls_cell(name))
        } else {
            line.to_string()
        };
        out += &fresh;
        out.push('\n');
    }
    out
}

/// The page with each region's body put between its begin marker and the next [`END`]. An error
/// names a marker that is missing.
pub fn refresh(page: &str, regions: &[Region]) -> Result<String, String> {
    let mut out = page.to_string();
    for r in regions {
        let start = out.find(&r.begin).ok_or_else(|| format!("the marker `{}` is missing", r.begin))?;
        let body_start = start + r.begin.len();
        let end = out[body_start..]
            .find(END)
            .map(|i| body_start + i)
            .ok_or_else(|| format!("`{END}` is missing after `{}`", r.begin))?;
        out.replace_range(body_start..end, &format!("\n{}", r.body));
    }
    Ok(out)
}

/// The arguments table, then one table per kind of nested block (blocks with the same arguments,
/// such as `ingress` and `egress`, share one).
fn arguments(schema: &Schema) -> String {
    let mut out = String::from("| argument | type | default | change | notes |\n|---|---|---|---|---|\n");
    for a in schema.attributes.iter().filter(|a| a.is_configurable()) {
        out += &format!(
            "| `{}` | {} | {} | {} | {} |\n",
            a.name,
            a.ty.describe(),
            default(a),
            change(a.force_new),
            notes(a)
        );
    }
    for b in &schema.blocks {
        out += &format!(
            "| `{}` | block, {} | {} | {} | {} |\n",
            b.name,
            nesting(b),
            if b.unmanaged_when_absent { "not managed" } else { "none" },
            change(b.force_new),
            cell(b.description)
        );
    }
    let mut tables: Vec<(Vec<String>, String)> = vec![];
    block_tables("", &schema.blocks, &mut tables);
    for (names, table) in tables {
        let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
        out += &format!("\n### {} blocks\n\n{table}", join_and(&names));
    }
    out
}

/// One table per block, blocks nested in blocks included (named by their path, as
/// `volume.efs_volume_configuration`); blocks with the same table share it.
fn block_tables(prefix: &str, blocks: &[BlockSchema], tables: &mut Vec<(Vec<String>, String)>) {
    for b in blocks {
        let name = format!("{prefix}{}", b.name);
        let table = block_table(b);
        match tables.iter_mut().find(|(_, t)| *t == table) {
            Some((names, _)) => names.push(name.clone()),
            None => tables.push((vec![name.clone()], table)),
        }
        block_tables(&format!("{name}."), &b.schema.blocks, tables);
    }
}

fn block_table(b: &BlockSchema) -> String {
    let mut out = String::from("| argument | type | default | notes |\n|---|---|---|---|\n");
    for a in &b.schema.attributes {
        let default = if a.is_configurable() { default(a) } else { "read-only".into() };
        out += &format!("| `{}` | {} | {} | {} |\n", a.name, a.ty.describe(), default, notes(a));
    }
    for inner in &b.schema.blocks {
        out += &format!("| `{}` | block, {} | none | {} |\n", inner.name, nesting(inner), cell(inner.description));
    }
    out
}

/// The attributes set by AWS only, then the line of defaults.
fn attributes(schema: &Schema, identity: IdentityStrategy) -> String {
    let mut out = String::from("| attribute | notes |\n|---|---|\n");
    for a in schema.attributes.iter().filter(|a| !a.is_configurable()) {
        out += &format!("| `{}` | {} |\n", a.name, notes(a));
    }
    let t = &schema.timeouts;
    out += &format!(
        "\n**Timeouts:** create {}, update {}, delete {} (a `timeouts` block overrides them). **Layer:** {}. \
         **After a crash:** {}{}\n",
        duration(t.create),
        duration(t.update),
        duration(t.delete),
        schema.layer.as_str(),
        match identity {
            IdentityStrategy::Tags => "found again by its identity tags (`provision:stack`, `provision:address`).",
            IdentityStrategy::Name => {
                "found again by its name, kept in the pending record, and adopted only if its tags say it is ours."
            }
            IdentityStrategy::Content => {
                "found again by its arguments, kept in the pending record: an identical object is adopted."
            }
        },
        if schema.multi_step_create {
            " Its create makes further calls once the object exists; an object adopted between them is \
             finished by the next apply."
        } else {
            ""
        }
    );
    out
}

fn default(a: &AttributeSchema) -> String {
    match (a.mode, &a.default) {
        (AttrMode::Required, _) => "required".into(),
        (_, Some(v)) => format!("`{v}`"),
        (AttrMode::OptionalComputed, None) => "chosen when unset".into(),
        (_, None) => "none".into(),
    }
}

fn change(force_new: bool) -> &'static str {
    if force_new { "**forces replacement**" } else { "in place" }
}

fn nesting(b: &BlockSchema) -> &'static str {
    match b.nesting {
        Nesting::List => "list",
        Nesting::Set => "set",
        Nesting::Single => "at most one",
    }
}

fn notes(a: &AttributeSchema) -> String {
    let d = cell(a.description);
    if a.sensitive { format!("{d} **Sensitive:** never shown in plans or output.").trim_start().to_string() } else { d }
}

/// Text fit for a table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn join_and(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// `20m`, `90s`, `1h`.
fn duration(d: Duration) -> String {
    let s = d.as_secs();
    if s > 0 && s.is_multiple_of(3600) {
        format!("{}h", s / 3600)
    } else if s > 0 && s.is_multiple_of(60) {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use provision_core::Type;

    #[test]
    fn the_index_gets_a_create_calls_column() {
        let index = "| type | what it is |\n|---|---|\n| [`aws_vpc`](aws_vpc.md) | A VPC. |\n| [`random_id`](random_id.md) | Bytes. |\n";
        let fresh = refresh_index(index);
        let vpc = create_calls_cell("aws_vpc");
        assert_eq!(
            fresh,
            format!(
                "| type | what it is | create calls |\n|---|---|---|\n| [`aws_vpc`](aws_vpc.md) | A VPC. | {vpc} |\n| [`random_id`](random_id.md) | Bytes. | none (local) |\n"
            )
        );
        assert_eq!(refresh_index(&fresh), fresh, "a refreshed index stays as it is");
    }

    #[test]
    fn other_tables_of_the_index_keep_their_columns() {
        let index = "| type | what it is |\n|---|---|\n| [`aws_vpc`](aws_vpc.md) | A VPC. |\n\nMigration:\n\n| type | Terraform's `id` | provision's `id`, taken from |\n|---|---|---|\n| [`aws_route`](aws_route.md) | `r-<table><hash>` | `route_table_id` |\n";
        let fresh = refresh_index(index);
        assert!(fresh.ends_with("| [`aws_route`](aws_route.md) | `r-<table><hash>` | `route_table_id` |\n"), "{fresh}");
    }

    #[test]
    fn every_type_of_the_table_has_its_create_line() {
        let line = create_calls_line("aws_subnet").expect("aws_subnet is in the table");
        assert!(line.starts_with("**Create:** ") && line.contains("`EC2:CreateSubnet`"), "{line}");
        assert!(create_calls_line("random_id").is_none());
    }

    #[test]
    fn refresh_replaces_only_between_the_markers() {
        let r = Region::new("arguments", "| new |\n".into());
        let page = format!("# t\n\n## Arguments\n\n{}\n| old |\n{END}\n\nprose\n", r.begin);
        let out = refresh(&page, std::slice::from_ref(&r)).expect("markers present");
        assert_eq!(out, format!("# t\n\n## Arguments\n\n{}\n| new |\n{END}\n\nprose\n", r.begin));
        assert_eq!(refresh(&out, &[r]).expect("markers present"), out, "refreshing twice changes nothing");
        let missing = refresh("# t\n", &[Region::new("attributes", String::new())]);
        assert!(missing.is_err_and(|e| e.contains("missing")), "a page without markers is refused");
    }

    #[test]
    fn defaults_and_changes_are_spelled_as_in_the_pages() {
        let req = AttributeSchema::required("a", Type::String).force_new();
        let lit = AttributeSchema::optional("b", Type::String).default("vpc");
        let chosen = AttributeSchema::optional_computed("c", Type::Bool);
        let none = AttributeSchema::optional("d", Type::map(Type::String)).sensitive().describe("Secret.");
        assert_eq!(
            [&req, &lit, &chosen, &none].map(default),
            ["required", "`\"vpc\"`", "chosen when unset", "none"].map(String::from)
        );
        assert_eq!(change(req.force_new), "**forces replacement**");
        assert_eq!(notes(&none), "Secret. **Sensitive:** never shown in plans or output.");
        assert_eq!([1200, 90, 3600].map(|s| duration(Duration::from_secs(s))), ["20m", "90s", "1h"].map(String::from));
    }
}
