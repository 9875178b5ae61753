//! Renders a plan the way Terraform users read one: `+` create, `~` update in place, `-/+`
//! replace, `-` destroy, `<=` read, attribute by attribute, with a summary line. Returns text; the
//! CLI prints it.

use provision_core::plan::{Action, Drift, OutputChange, Plan, PlanMode, Reason, ReplaceOrder, ResourceChange};
use provision_core::state::ResourceObject;
use provision_core::value::{Path, hcl_key, mark_paths};
use provision_core::{Address, Attrs, Mode, Schema, Value};
use std::collections::BTreeSet;
use std::fmt::Write;

/// Rendering options.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    /// Use ANSI colours.
    pub color: bool,
}

#[derive(Clone, Copy)]
enum Tone {
    Add,
    Remove,
    Change,
    Read,
    Plain,
}

impl Style {
    fn paint(&self, tone: Tone, s: &str) -> String {
        if !self.color {
            return s.to_string();
        }
        let color = match tone {
            Tone::Add => anstyle::AnsiColor::Green,
            Tone::Remove => anstyle::AnsiColor::Red,
            Tone::Change => anstyle::AnsiColor::Yellow,
            Tone::Read => anstyle::AnsiColor::Cyan,
            Tone::Plain => return s.to_string(),
        };
        let st = anstyle::Style::new().fg_color(Some(color.into()));
        format!("{st}{s}{st:#}")
    }

    fn bold(&self, s: &str) -> String {
        if !self.color {
            return s.to_string();
        }
        let st = anstyle::Style::new().bold();
        format!("{st}{s}{st:#}")
    }
}

/// The whole plan: drift notes, each change, the summary, and output changes.
pub fn plan(plan: &Plan, style: Style) -> String {
    let mut out = String::new();
    if !plan.drift.is_empty() {
        out.push_str(&style.bold("Note: Objects have changed outside of provision"));
        out.push_str(
            "\n\nprovision detected the following changes made outside of provision since the last apply:\n\n",
        );
        for d in &plan.drift {
            drift(&mut out, d, style);
        }
        out.push('\n');
    }
    if plan.mode == PlanMode::RefreshOnly {
        if plan.drift.is_empty() {
            out.push_str(&style.bold("No changes."));
            out.push_str(" Your infrastructure still matches the configuration.\n\nprovision has checked that the real remote objects still match the result of your most recent changes, and found no differences.\n");
        } else {
            out.push_str("This is a refresh-only plan, so provision will not take any actions to undo these. If you were expecting these changes then you can apply this plan to record the updated values in the provision state without changing any remote objects.\n");
        }
        return out;
    }
    let changes: Vec<&ResourceChange> = plan.changes.iter().filter(|c| c.action != Action::NoOp).collect();
    let output_changes: Vec<&OutputChange> = plan.outputs.iter().filter(|o| o.is_change()).collect();
    let outside = match plan.layer {
        Some(l) if plan.outside_layer > 0 => Some(format!(
            "\nNote: {} change{} outside the {l} layer {} not part of this plan; run without --layer to make {}.\n",
            plan.outside_layer,
            if plan.outside_layer == 1 { "" } else { "s" },
            if plan.outside_layer == 1 { "is" } else { "are" },
            if plan.outside_layer == 1 { "it" } else { "them" },
        )),
        _ => None,
    };
    for (from, to) in &plan.moves {
        let _ = writeln!(out, "  # {from} has moved to {to}");
    }
    for (a, id) in &plan.imports {
        let _ = writeln!(out, "  # {a} will be imported from the existing object {id}");
    }
    for a in &plan.forgotten {
        let _ = writeln!(
            out,
            "  # {a} will no longer be managed by provision: it stays in AWS, and is removed from the state"
        );
    }
    if !plan.moves.is_empty() || !plan.forgotten.is_empty() || !plan.imports.is_empty() {
        out.push('\n');
    }
    if changes.is_empty() && output_changes.is_empty() && plan.imports.is_empty() {
        if !plan.moves.is_empty() || !plan.forgotten.is_empty() {
            let (n, f) = (plan.moves.len(), plan.forgotten.len());
            let plural = |k: usize| if k == 1 { "" } else { "s" };
            let _ = writeln!(
                out,
                "{} {n} object{} moved, {f} object{} forgotten; nothing changes in AWS.",
                style.bold("Plan:"),
                plural(n),
                plural(f)
            );
            return out;
        }
        out.push_str(&style.bold("No changes."));
        out.push_str(match (plan.mode, plan.layer) {
            (PlanMode::Destroy, Some(provision_core::Layer::Runtime)) => {
                " Nothing of the runtime layer exists to be destroyed.\n"
            }
            (PlanMode::Destroy, Some(_)) => " No objects of this layer need to be destroyed.\n",
            (PlanMode::Destroy, None) => " No objects need to be destroyed.\n",
            (_, Some(_)) => " This layer matches the configuration.\n",
            (_, None) => " Your infrastructure matches the configuration.\n",
        });
        out.push_str(&outside.unwrap_or_default());
        return out;
    }
    if let Some(l) = plan.layer {
        let n = changes.iter().filter(|c| c.action != Action::Read).count();
        let plural = if n == 1 { "" } else { "s" };
        let _ = match plan.mode {
            PlanMode::Destroy => {
                writeln!(out, "Destroying the {l} layer only ({n} resource{plural}); everything else stays.\n")
            }
            PlanMode::Normal | PlanMode::RefreshOnly => {
                writeln!(out, "Only the {l} layer is planned ({n} resource{plural}).\n")
            }
        };
    }
    if !changes.is_empty() {
        let used: BTreeSet<&str> = changes.iter().map(|c| symbol(c.action)).collect();
        out.push_str("Resource actions are indicated with the following symbols:\n");
        for (sym, what, tone) in [
            ("+", "create", Tone::Add),
            ("~", "update in-place", Tone::Change),
            ("-", "destroy", Tone::Remove),
            ("-/+", "destroy and then create replacement", Tone::Change),
            ("+/-", "create replacement and then destroy", Tone::Change),
            ("<=", "read (data resources)", Tone::Read),
        ] {
            if used.contains(sym) {
                let _ = writeln!(out, "  {} {what}", style.paint(tone, &format!("{sym:>3}")).trim_start());
            }
        }
        out.push_str("\nprovision will perform the following actions:\n\n");
        for c in &changes {
            change(&mut out, c, style);
        }
    }
    let s = plan.summary();
    let imports = if s.import > 0 { format!("{} to import, ", s.import) } else { String::new() };
    let _ = writeln!(
        out,
        "{} {imports}{} to add, {} to change, {} to destroy.",
        style.bold("Plan:"),
        s.add,
        s.change,
        s.destroy
    );
    out.push_str(&outside.unwrap_or_default());
    if !output_changes.is_empty() {
        out.push_str("\nChanges to Outputs:\n");
        for o in output_changes {
            output_change(&mut out, o, style);
        }
    }
    out
}

fn symbol(a: Action) -> &'static str {
    match a {
        Action::Create => "+",
        Action::Update => "~",
        Action::Delete => "-",
        Action::Replace(ReplaceOrder::DestroyBeforeCreate) => "-/+",
        Action::Replace(ReplaceOrder::CreateBeforeDestroy) => "+/-",
        Action::Read => "<=",
        Action::NoOp => " ",
    }
}

fn tone(a: Action) -> Tone {
    match a {
        Action::Create => Tone::Add,
        Action::Delete => Tone::Remove,
        Action::Read => Tone::Read,
        Action::NoOp => Tone::Plain,
        _ => Tone::Change,
    }
}

fn header(a: &Address) -> String {
    let kw = if a.mode == Mode::Data { "data" } else { "resource" };
    format!("{kw} \"{}\" \"{}\"", a.type_name, a.name)
}

fn change(out: &mut String, c: &ResourceChange, style: Style) {
    let addr = match &c.deposed {
        Some(k) => format!("{} (deposed object {k})", c.address),
        None => c.address.to_string(),
    };
    let what = match c.action {
        Action::Create => "will be created".to_string(),
        Action::Update => match c.notes.revision {
            Some(what) => format!("will be updated: {what}"),
            None => "will be updated in-place".to_string(),
        },
        Action::Delete => "will be destroyed".to_string(),
        Action::Replace(_) if c.reason == Some(Reason::ReplaceRequested) => {
            "will be replaced, as requested".to_string()
        }
        Action::Replace(_) if c.reason == Some(Reason::Tainted) => "is tainted, so must be replaced".to_string(),
        Action::Replace(_) if c.reason == Some(Reason::ReplaceTriggered) => {
            "will be replaced due to changes in replace_triggered_by".to_string()
        }
        Action::Replace(_) => "must be replaced".to_string(),
        Action::Read => "will be read during apply".to_string(),
        Action::NoOp => "is unchanged".to_string(),
    };
    let _ = writeln!(out, "  {}", style.bold(&format!("# {addr} {what}")));
    if let Some(l) = c.layer.as_ref().filter(|l| l.layer == provision_core::Layer::Runtime) {
        match l.pulled_in_by() {
            Some(by) => {
                let _ = writeln!(out, "  # (runtime layer, because it depends on {by})");
            }
            None => {
                let _ = writeln!(out, "  # (runtime layer)");
            }
        }
    }
    match &c.reason {
        Some(Reason::NotInConfig) => {
            let _ = writeln!(out, "  # (because {} is not in the configuration)", c.address);
        }
        Some(Reason::DeletedOutside) => {
            let _ = writeln!(out, "  # (the object was deleted outside provision and is created again)");
        }
        Some(Reason::Deposed) => {
            let _ = writeln!(out, "  # (left over from an interrupted create-before-destroy replacement)");
        }
        Some(Reason::ReadDeferred) => {
            let _ = writeln!(out, "  # (its arguments refer to values not yet known)");
        }
        Some(Reason::Unfinished) => {
            let _ =
                writeln!(out, "  # (its creation was interrupted between two AWS calls: the rest of it is done now)");
        }
        _ => {}
    }
    for w in &c.notes.delete_warnings {
        let _ = writeln!(out, "  {}", style.paint(Tone::Remove, &format!("# warning: {w}")));
    }
    let sym = symbol(c.action);
    let _ = writeln!(out, "{} {} {{", style.paint(tone(c.action), &format!("{sym:>3}")), header(&c.address));
    let empty = Attrs::new();
    let before = c.before.as_ref().unwrap_or(&empty);
    let after = c.after.as_ref().unwrap_or(&empty);
    let mut names: BTreeSet<&String> = before.keys().collect();
    names.extend(after.keys());
    let mut rows: Vec<(Tone, String, String, String)> = vec![]; // (tone, sym, name, rendered value)
    let mut hidden = 0;
    for name in names {
        let mut b = before.get(name).cloned().unwrap_or(Value::Null);
        let mut a = after.get(name).cloned().unwrap_or(Value::Null);
        // What is sensitive on one side is sensitive on both: an old secret is still a secret.
        b.copy_marks(&a);
        a.copy_marks(&b);
        let unchanged = same(&b, &a) && a.is_wholly_known();
        let (b_null, a_null) = (b.is_null(), a.is_null());
        // Compared as planned, shown masked.
        let (shown_b, shown_a) = (mask(&b), mask(&a));
        match c.action {
            Action::Create | Action::Read => {
                if !a_null {
                    rows.push((Tone::Add, "+".into(), name.clone(), render_new(&shown_a, 6, style)));
                }
            }
            Action::Delete => {
                if !b_null {
                    rows.push((
                        Tone::Remove,
                        "-".into(),
                        name.clone(),
                        format!("{} -> null", render_old(&shown_b, 6, style)),
                    ));
                }
            }
            _ => {
                if unchanged {
                    if name == "id" || name == "name" {
                        rows.push((Tone::Plain, " ".into(), name.clone(), render_inline(&shown_a)));
                    } else if !a_null {
                        hidden += 1;
                    }
                    continue;
                }
                let forces = c.replace_paths.iter().any(|p| p == name);
                let suffix = if forces { style.paint(Tone::Remove, " # forces replacement") } else { String::new() };
                if b_null {
                    rows.push((
                        Tone::Add,
                        "+".into(),
                        name.clone(),
                        format!("{}{suffix}", render_new(&shown_a, 6, style)),
                    ));
                } else if a_null {
                    rows.push((
                        Tone::Remove,
                        "-".into(),
                        name.clone(),
                        format!("{} -> null{suffix}", render_old(&shown_b, 6, style)),
                    ));
                } else if let Some(diff) = seq_diff(&shown_b, &shown_a, 6, style) {
                    rows.push((Tone::Change, "~".into(), name.clone(), format!("{diff}{suffix}")));
                } else if let Some(diff) = json_diff(&shown_b, &shown_a, 6, style) {
                    rows.push((Tone::Change, "~".into(), name.clone(), format!("{diff}{suffix}")));
                } else if let (Value::Map(bm), Value::Map(am)) = (&b, &a) {
                    rows.push((
                        Tone::Change,
                        "~".into(),
                        name.clone(),
                        format!("{}{suffix}", map_diff(bm, am, 6, style)),
                    ));
                } else {
                    rows.push((
                        Tone::Change,
                        "~".into(),
                        name.clone(),
                        format!("{} -> {}{suffix}", render_inline(&shown_b), render_inline(&shown_a)),
                    ));
                }
            }
        }
    }
    let width = rows.iter().map(|r| r.2.chars().count()).max().unwrap_or(0);
    for (t, sym, name, value) in rows {
        let _ = writeln!(out, "      {} {:<width$} = {value}", style.paint(t, &sym), name);
    }
    if hidden > 0 {
        let _ = writeln!(out, "        # ({hidden} unchanged attribute{} hidden)", if hidden == 1 { "" } else { "s" });
    }
    out.push_str("    }\n\n");
}

/// Two JSON documents held in strings (a policy, container definitions), shown as a diff of their
/// pretty-printed lines with a few lines of context, instead of two one-line blobs. `None` when
/// either is not a JSON object or array (or is sensitive).
fn json_diff(before: &Value, after: &Value, indent: usize, style: Style) -> Option<String> {
    let pretty = |v: &Value| -> Option<String> {
        let doc: serde_json::Value = serde_json::from_str(v.as_str()?).ok()?;
        if !(doc.is_object() || doc.is_array()) {
            return None;
        }
        serde_json::to_string_pretty(&sorted_json(doc)).ok()
    };
    let (b, a) = (pretty(before)?, pretty(after)?);
    let pad = " ".repeat(indent + 4);
    let mut s = String::from("jsonencode(\n");
    let diff = similar::TextDiff::from_lines(&b, &a);
    // A short document is shown whole; a long one as its changed parts with a few lines around.
    let context = if b.lines().count().max(a.lines().count()) <= 40 { usize::MAX / 2 } else { 3 };
    let groups = diff.grouped_ops(context);
    let last_line = diff.new_slices().len();
    for (n, group) in groups.iter().enumerate() {
        if n == 0 && group.first().is_some_and(|op| op.new_range().start > 0) {
            let _ = writeln!(s, "{pad}  ...");
        }
        for op in group {
            for change in diff.iter_changes(op) {
                let line = change.value().trim_end_matches('\n');
                let _ = match change.tag() {
                    similar::ChangeTag::Equal => writeln!(s, "{pad}  {line}"),
                    similar::ChangeTag::Delete => writeln!(s, "{pad}{} {line}", style.paint(Tone::Remove, "-")),
                    similar::ChangeTag::Insert => writeln!(s, "{pad}{} {line}", style.paint(Tone::Add, "+")),
                };
            }
        }
        if group.last().is_some_and(|op| op.new_range().end < last_line) {
            let _ = writeln!(s, "{pad}  ...");
        }
    }
    let _ = write!(s, "{})", " ".repeat(indent + 2));
    Some(s)
}

/// A JSON document with every object's keys sorted, so that two documents differing only in key
/// order print alike.
fn sorted_json(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => {
            let mut entries: Vec<(String, serde_json::Value)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            serde_json::Value::Object(entries.into_iter().map(|(k, v)| (k, sorted_json(v))).collect())
        }
        serde_json::Value::Array(items) => serde_json::Value::Array(items.into_iter().map(sorted_json).collect()),
        other => other,
    }
}

/// The value as it may be shown: null stays null, every sensitive part is emptied (and still
/// displays as `(sensitive value)`).
fn mask(v: &Value) -> Value {
    if v.is_null() { Value::Null } else { v.redacted() }
}

fn same(a: &Value, b: &Value) -> bool {
    let empty = |v: &Value| match v.unmarked() {
        Value::Null => true,
        Value::Map(m) => m.is_empty(),
        Value::List(l) | Value::Set(l) => l.is_empty(),
        _ => false,
    };
    (empty(a) && empty(b)) || a.same_as(b)
}

fn render_inline(v: &Value) -> String {
    v.to_string()
}

/// A new value; maps and lists span several lines with a `+` per element.
fn render_new(v: &Value, indent: usize, style: Style) -> String {
    render_tree(v, indent, Tone::Add, "+", style)
}

/// A value going away; maps and lists (nested blocks such as a security group's `ingress`) span
/// several lines with a `-` per element, as Terraform shows them, never as one long line.
fn render_old(v: &Value, indent: usize, style: Style) -> String {
    render_tree(v, indent, Tone::Remove, "-", style)
}

/// A value spread over lines, one element or attribute per line, each marked with `sym`.
/// Keys are aligned on their `=`. An element of a list or set that is an object (a nested block)
/// shows its attributes by name, without the null ones, as Terraform does; a map (tags) shows
/// its keys quoted.
fn render_tree(v: &Value, indent: usize, tone: Tone, sym: &str, style: Style) -> String {
    render_tree_in(v, indent, tone, sym, style, false)
}

fn render_tree_in(v: &Value, indent: usize, tone: Tone, sym: &str, style: Style, object: bool) -> String {
    let pad = " ".repeat(indent + 4);
    match v {
        Value::Map(m) if !m.is_empty() => {
            let key = |k: &str| if object { hcl_key(k) } else { quoted_key(k) };
            let shown: Vec<(&String, &Value)> =
                m.iter().filter(|(_, v)| !object || !matches!(v, Value::Null)).collect();
            let width = shown.iter().map(|(k, _)| key(k).chars().count()).max().unwrap_or(0);
            let mut s = String::from("{\n");
            for (k, val) in shown {
                let _ = writeln!(
                    s,
                    "{pad}{} {:<width$} = {}",
                    style.paint(tone, sym),
                    key(k),
                    render_tree_in(val, indent + 4, tone, sym, style, false)
                );
            }
            let _ = write!(s, "{}}}", " ".repeat(indent + 2));
            s
        }
        Value::List(items) | Value::Set(items) if !items.is_empty() => {
            let mut s = String::from("[\n");
            for i in items {
                let _ = writeln!(
                    s,
                    "{pad}{} {},",
                    style.paint(tone, sym),
                    render_tree_in(i, indent + 4, tone, sym, style, true)
                );
            }
            let _ = write!(s, "{}]", " ".repeat(indent + 2));
            s
        }
        other => render_inline(other),
    }
}

/// A change of a list or set that holds objects (nested blocks: a security group's `ingress`),
/// element by element: the elements that go with `-`, the new ones with `+`, each spread over
/// lines, and a count of the unchanged ones. `None` for anything else.
fn seq_diff(before: &Value, after: &Value, indent: usize, style: Style) -> Option<String> {
    let items = |v: &Value| -> Option<Vec<Value>> {
        match v.unmarked() {
            Value::List(i) | Value::Set(i) => Some(i.clone()),
            _ => None,
        }
    };
    let holds_objects = |v: &Value| matches!(v.unmarked(), Value::List(i) | Value::Set(i) if i.iter().any(|e| matches!(e.unmarked(), Value::Map(_))));
    if !holds_objects(before) && !holds_objects(after) {
        return None;
    }
    let pad = " ".repeat(indent + 4);
    let b = items(before)?;
    let Some(a) = items(after) else {
        // Not known yet (or no longer a list): the old elements, then what replaces them.
        return Some(format!("{} -> {}", render_old(before, indent, style), render_inline(after)));
    };
    let mut s = String::from("[\n");
    let mut unchanged = 0;
    for e in &b {
        if a.iter().any(|x| same(x, e)) {
            unchanged += 1;
        } else {
            let _ = writeln!(
                s,
                "{pad}{} {},",
                style.paint(Tone::Remove, "-"),
                render_tree_in(e, indent + 4, Tone::Remove, "-", style, true)
            );
        }
    }
    for e in a.iter().filter(|x| !b.iter().any(|e| same(e, x))) {
        let _ = writeln!(
            s,
            "{pad}{} {},",
            style.paint(Tone::Add, "+"),
            render_tree_in(e, indent + 4, Tone::Add, "+", style, true)
        );
    }
    if unchanged > 0 {
        let _ = writeln!(s, "{pad}  # ({unchanged} unchanged element{} hidden)", if unchanged == 1 { "" } else { "s" });
    }
    let _ = write!(s, "{}]", " ".repeat(indent + 2));
    Some(s)
}

fn quoted_key(k: &str) -> String {
    serde_json::Value::String(k.to_string()).to_string()
}

/// A map change, key by key (`b` and `a` as planned; sensitive parts are masked here).
fn map_diff(
    b: &std::collections::BTreeMap<String, Value>,
    a: &std::collections::BTreeMap<String, Value>,
    indent: usize,
    style: Style,
) -> String {
    let pad = " ".repeat(indent + 4);
    let mut keys: BTreeSet<&String> = b.keys().collect();
    keys.extend(a.keys());
    let shown = |k: &String| !matches!((b.get(k), a.get(k)), (Some(x), Some(y)) if same(x, y) && y.is_wholly_known());
    let width = keys.iter().filter(|k| shown(k)).map(|k| quoted_key(k).chars().count()).max().unwrap_or(0);
    let mut s = String::from("{\n");
    let mut unchanged = 0;
    for k in keys {
        match (b.get(k), a.get(k)) {
            (Some(x), Some(y)) if same(x, y) && y.is_wholly_known() => unchanged += 1,
            (Some(x), Some(y)) => {
                let _ = writeln!(
                    s,
                    "{pad}{} {:<width$} = {} -> {}",
                    style.paint(Tone::Change, "~"),
                    quoted_key(k),
                    render_inline(&mask(x)),
                    render_inline(&mask(y))
                );
            }
            (None, Some(y)) => {
                let _ = writeln!(
                    s,
                    "{pad}{} {:<width$} = {}",
                    style.paint(Tone::Add, "+"),
                    quoted_key(k),
                    render_inline(&mask(y))
                );
            }
            (Some(x), None) => {
                let _ = writeln!(
                    s,
                    "{pad}{} {:<width$} = {} -> null",
                    style.paint(Tone::Remove, "-"),
                    quoted_key(k),
                    render_inline(&mask(x))
                );
            }
            (None, None) => {}
        }
    }
    if unchanged > 0 {
        let _ = writeln!(s, "{pad}  # ({unchanged} unchanged element{} hidden)", if unchanged == 1 { "" } else { "s" });
    }
    let _ = write!(s, "{}}}", " ".repeat(indent + 2));
    s
}

fn drift(out: &mut String, d: &Drift, style: Style) {
    match &d.after {
        None => {
            let _ = writeln!(out, "  {}", style.bold(&format!("# {} has been deleted", d.address)));
            let _ = writeln!(out, "  {} {} {{", style.paint(Tone::Remove, "-"), header(&d.address));
            if let Some(id) = d.before.get("id") {
                let _ = writeln!(out, "      {} id = {} -> null", style.paint(Tone::Remove, "-"), render_inline(id));
            }
            out.push_str("    }\n\n");
        }
        Some(after) => {
            let c = ResourceChange {
                address: d.address.clone(),
                deposed: None,
                action: Action::Update,
                reason: None,
                before: Some(d.before.clone()),
                after: Some(after.clone()),
                replace_paths: vec![],
                layer: None,
                notes: Default::default(),
            };
            let mut s = String::new();
            change(&mut s, &c, style);
            out.push_str(&s.replacen("will be updated in-place", "has changed", 1));
        }
    }
}

/// One object of the state as `state show` prints it: a header, then `name = value` for every
/// attribute that is set. What the schema calls sensitive and what was recorded as sensitive when
/// the object was applied is shown as `(sensitive value)`.
pub fn state_object(o: &ResourceObject, schema: Option<&Schema>) -> String {
    let mut attrs = o.attributes.clone();
    let sensitive = schema.map(|s| s.attributes.iter().filter(|a| a.sensitive).collect::<Vec<_>>()).unwrap_or_default();
    let mut paths: Vec<Path> = sensitive.iter().map(|a| vec![a.name.to_string()]).collect();
    paths.extend(o.sensitive_attributes.iter().cloned());
    mark_paths(&mut attrs, &paths);
    let mut out = match &o.deposed {
        Some(k) => format!("# {} (deposed object {k}): ({} layer)\n", o.address, o.layer),
        None => format!("# {}: ({} layer)\n", o.address, o.layer),
    };
    let width = attrs.keys().map(String::len).max().unwrap_or(0);
    for (k, v) in &attrs {
        if !v.is_null() {
            let _ = writeln!(out, "{k:<width$} = {}", render_inline(&mask(v)));
        }
    }
    out
}

fn output_change(out: &mut String, o: &OutputChange, style: Style) {
    let show = |v: &Value| if o.sensitive { "(sensitive value)".to_string() } else { render_new(v, 2, style) };
    let name = hcl_key(&o.name);
    match (&o.before, &o.after) {
        (None, Some(a)) => {
            let _ = writeln!(out, "  {} {name} = {}", style.paint(Tone::Add, "+"), show(a));
        }
        (Some(b), None) => {
            let _ = writeln!(
                out,
                "  {} {name} = {} -> null",
                style.paint(Tone::Remove, "-"),
                if o.sensitive { "(sensitive value)".into() } else { render_inline(b) }
            );
        }
        (Some(b), Some(a)) => {
            let (b, a) = if o.sensitive {
                ("(sensitive value)".to_string(), "(sensitive value)".to_string())
            } else {
                (render_inline(b), render_inline(a))
            };
            let _ = writeln!(out, "  {} {name} = {b} -> {a}", style.paint(Tone::Change, "~"));
        }
        (None, None) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use provision_core::plan::ChangeNotes;
    use std::collections::BTreeMap;

    fn rule(port: f64, cidr: &str, description: &str) -> Value {
        let m: BTreeMap<String, Value> = [
            ("cidr_blocks".to_string(), Value::List(vec![cidr.into()])),
            ("description".to_string(), description.into()),
            ("from_port".to_string(), Value::Number(port)),
            ("to_port".to_string(), Value::Number(port)),
            ("protocol".to_string(), "tcp".into()),
            ("security_groups".to_string(), Value::Null),
            ("self".to_string(), false.into()),
        ]
        .into();
        Value::Map(m)
    }

    fn group(ingress: Vec<Value>) -> Attrs {
        [
            ("id".to_string(), "sg-0123".into()),
            ("name".to_string(), "demo-app-20260101".into()),
            ("ingress".to_string(), Value::Set(ingress)),
            ("egress".to_string(), Value::Set(vec![rule(0.0, "0.0.0.0/0", "")])),
        ]
        .into()
    }

    fn plan_of(c: ResourceChange) -> Plan {
        Plan {
            mode: PlanMode::Normal,
            layer: None,
            outside_layer: 0,
            changes: vec![c],
            drift: vec![],
            outputs: vec![],
            moves: vec![],
            forgotten: vec![],
            imports: vec![],
        }
    }

    fn change(action: Action, before: Attrs, after: Option<Attrs>) -> ResourceChange {
        ResourceChange {
            address: "aws_security_group.app".parse().expect("address"),
            deposed: None,
            action,
            reason: None,
            before: Some(before),
            after,
            replace_paths: vec![],
            layer: None,
            notes: ChangeNotes::default(),
        }
    }

    /// A security group's rules in a destroy and in an update: one attribute per line, as
    /// Terraform shows nested blocks, never `[{ cidr_blocks = [...], ... }] -> null` on one line.
    #[test]
    fn nested_blocks_render_one_attribute_per_line() {
        let before = group(vec![rule(443.0, "0.0.0.0/0", "HTTPS"), rule(80.0, "0.0.0.0/0", "HTTP")]);
        let destroy = plan(&plan_of(change(Action::Delete, before.clone(), None)), Style::default());
        let after = group(vec![rule(443.0, "0.0.0.0/0", "HTTPS"), rule(8080.0, "10.0.0.0/8", "proxy")]);
        let update = plan(&plan_of(change(Action::Update, before, Some(after))), Style::default());
        for text in [&destroy, &update] {
            assert!(text.lines().all(|l| l.len() < 100), "{text}");
        }
        insta::assert_snapshot!(format!("{destroy}\n{update}"));
    }
}
