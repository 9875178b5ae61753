//! The generated parts of the reference pages `docs/resources/<type>.md`: the argument and
//! attribute tables and a line of defaults (timeouts, layer, how an object is found after a crash),
//! written from the schema and the type's identity strategy. The prose around them is hand-written.
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

/// The generated parts of a resource type's page, in page order: the arguments (below
/// `## Arguments`) and the attributes with the defaults line (below `## Attributes`).
pub fn resource_regions(rt: &dyn ResourceType) -> Vec<Region> {
    let schema = rt.schema();
    vec![Region::new("arguments", arguments(schema)), Region::new("attributes", attributes(schema, rt.identity()))]
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
