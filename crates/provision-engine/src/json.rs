//! The plan as JSON, shaped like `terraform show -json` (`resource_changes`, `actions`, `before`,
//! `after`, `after_unknown`, ...) so existing tooling can read it. Unlike Terraform, which writes
//! sensitive values in clear and only flags them, sensitive values are never written: they appear
//! as null, and `before_sensitive` / `after_sensitive` say where (`true` at a sensitive path,
//! objects and arrays of those above it, as Terraform does).

use provision_core::plan::{Action, Plan, PlanMode, Reason, ResourceChange};
use provision_core::{Attrs, InstanceKey, Mode, Value};
use serde_json::{Map, Value as J, json};

fn redact(v: &Value) -> J {
    match v {
        Value::Sensitive(_) | Value::Unknown => J::Null,
        Value::List(items) | Value::Set(items) => J::Array(items.iter().map(redact).collect()),
        Value::Map(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), redact(v))).collect()),
        other => other.to_json(),
    }
}

fn sensitive_shape(v: &Value) -> J {
    match v {
        Value::Sensitive(_) => J::Bool(true),
        Value::List(items) | Value::Set(items) if v.contains_sensitive() => {
            J::Array(items.iter().map(sensitive_shape).collect())
        }
        Value::Map(m) if v.contains_sensitive() => J::Object(
            m.iter().filter(|(_, v)| v.contains_sensitive()).map(|(k, v)| (k.clone(), sensitive_shape(v))).collect(),
        ),
        _ => J::Bool(false),
    }
}

fn attrs(a: &Option<Attrs>) -> (J, J, J) {
    match a {
        None => (J::Null, J::Bool(false), J::Bool(false)),
        Some(a) => {
            let v = Value::Map(a.clone());
            let unknown: Map<String, J> =
                a.iter().filter(|(_, v)| !v.is_wholly_known()).map(|(k, v)| (k.clone(), v.unknown_json())).collect();
            let sensitive: Map<String, J> = a
                .iter()
                .filter(|(_, v)| v.contains_sensitive())
                .map(|(k, v)| (k.clone(), sensitive_shape(v)))
                .collect();
            (redact(&v), J::Object(unknown), J::Object(sensitive))
        }
    }
}

fn change(c: &ResourceChange) -> J {
    let (before, _, before_sensitive) = attrs(&c.before);
    let (after, after_unknown, after_sensitive) = attrs(&c.after);
    let index = match &c.address.key {
        Some(InstanceKey::Index(i)) => json!(i),
        Some(InstanceKey::Key(k)) => json!(k),
        None => J::Null,
    };
    let reason = c.reason.as_ref().map(|r| match r {
        Reason::NotInConfig => "delete_because_no_resource_config",
        Reason::DestroyRequested => "delete_because_destroy_requested",
        Reason::DeletedOutside => "create_because_deleted_outside",
        Reason::Deposed => "delete_because_deposed",
        Reason::ReadDeferred => "read_because_config_unknown",
        Reason::Unfinished => "update_because_create_unfinished",
        Reason::ReplaceRequested => "replace_by_request",
        Reason::ReplaceTriggered => "replace_by_triggers",
        Reason::Tainted => "replace_because_tainted",
    });
    let mut m = json!({
        "address": c.address.to_string(),
        "mode": if c.address.mode == Mode::Data { "data" } else { "managed" },
        "type": c.address.type_name,
        "name": c.address.name,
        "index": index,
        "change": {
            "actions": c.action.json_actions(),
            "before": before,
            "after": after,
            "after_unknown": after_unknown,
            "before_sensitive": before_sensitive,
            "after_sensitive": after_sensitive,
            "replace_paths": c.replace_paths.iter().map(|p| vec![p]).collect::<Vec<_>>(),
        },
    });
    if let Some(r) = reason {
        m["action_reason"] = json!(r);
    }
    if let Some(d) = &c.deposed {
        m["deposed"] = json!(d);
    }
    if let Some(l) = &c.layer {
        m["layer"] = json!(l.layer.as_str());
        if let Some(by) = l.pulled_in_by() {
            m["layer_reason"] = json!(format!("depends on {by}"));
        }
    }
    m
}

/// The plan as a JSON document.
pub fn plan(plan: &Plan) -> J {
    let s = plan.summary();
    let outputs: Map<String, J> = plan
        .outputs
        .iter()
        .map(|o| {
            let actions: &[&str] = match (&o.before, &o.after) {
                (None, Some(_)) => &["create"],
                (Some(_), None) => &["delete"],
                _ if o.is_change() => &["update"],
                _ => &["no-op"],
            };
            let show = |v: &Option<Value>| match v {
                Some(_) if o.sensitive => J::Null,
                Some(v) => redact(v),
                None => J::Null,
            };
            (
                o.name.clone(),
                json!({
                    "actions": actions,
                    "before": show(&o.before),
                    "after": show(&o.after),
                    "after_unknown": o.after.as_ref().map(Value::unknown_json).unwrap_or(J::Bool(false)),
                    "sensitive": o.sensitive,
                }),
            )
        })
        .collect();
    json!({
        "format_version": "1.0",
        "mode": match plan.mode {
            PlanMode::Destroy => "destroy",
            PlanMode::RefreshOnly => "refresh-only",
            PlanMode::Normal => "normal",
        },
        "layer": plan.layer.map(|l| l.as_str()),
        "changes_outside_layer": plan.outside_layer,
        "resource_changes": plan.changes.iter().map(change).collect::<Vec<_>>(),
        "resource_drift": plan.drift.iter().map(|d| change(&ResourceChange {
            address: d.address.clone(),
            deposed: None,
            action: if d.after.is_some() { Action::Update } else { Action::Delete },
            reason: None,
            before: Some(d.before.clone()),
            after: d.after.clone(),
            replace_paths: vec![],
            layer: None,
            notes: Default::default(),
        })).collect::<Vec<_>>(),
        "output_changes": outputs,
        "moved": plan.moves.iter().map(|(from, to)| json!({ "previous_address": from.to_string(), "address": to.to_string() })).collect::<Vec<_>>(),
        "forgotten": plan.forgotten.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "imported": plan.imports.iter().map(|(a, id)| json!({ "address": a.to_string(), "id": id })).collect::<Vec<_>>(),
        "summary": { "import": s.import, "add": s.add, "change": s.change, "destroy": s.destroy },
        "has_changes": plan.has_changes(),
    })
}

/// The state as `terraform show -json` prints it: `format_version`, then `values` with the
/// outputs and `root_module.resources[]` (`address`, `mode`, `type`, `name`, `index`,
/// `provider_name`, `values`, `sensitive_values`). `sensitive(object)` gives the paths to hide
/// besides those recorded in the state (what the type's schema calls sensitive); hidden values
/// are null, and `sensitive_values` says where, as in a plan.
pub fn state(
    state: &provision_core::state::State,
    sensitive: impl Fn(&provision_core::state::ResourceObject) -> Vec<provision_core::value::Path>,
) -> J {
    let resources: Vec<J> = state
        .resources
        .iter()
        .map(|o| {
            let mut attrs = o.attributes.clone();
            let mut paths = sensitive(o);
            paths.extend(o.sensitive_attributes.iter().cloned());
            provision_core::value::mark_paths(&mut attrs, &paths);
            let (values, _, sensitive_values) = self::attrs(&Some(attrs));
            let index = match &o.address.key {
                Some(InstanceKey::Index(i)) => json!(i),
                Some(InstanceKey::Key(k)) => json!(k),
                None => J::Null,
            };
            let mut m = json!({
                "address": o.address.to_string(),
                "mode": if o.address.mode == Mode::Data { "data" } else { "managed" },
                "type": o.address.type_name,
                "name": o.address.name,
                "provider_name": format!("registry.terraform.io/hashicorp/{}", o.provider.name),
                "schema_version": 0,
                "values": values,
                "sensitive_values": sensitive_values,
                "layer": o.layer.as_str(),
            });
            if o.address.key.is_some() {
                m["index"] = index;
            }
            if let Some(d) = &o.deposed {
                m["deposed_key"] = json!(d);
            }
            if !o.dependencies.is_empty() {
                m["depends_on"] = json!(o.dependencies.iter().map(|d| d.to_string()).collect::<Vec<_>>());
            }
            m
        })
        .collect();
    let outputs: Map<String, J> = state
        .outputs
        .iter()
        .map(|(k, o)| {
            let value = if o.sensitive { J::Null } else { o.value.clone() };
            (k.clone(), json!({ "sensitive": o.sensitive, "value": value }))
        })
        .collect();
    json!({
        "format_version": "1.0",
        "provision_version": state.provision_version,
        "serial": state.serial,
        "lineage": state.lineage,
        "values": {
            "outputs": outputs,
            "root_module": { "resources": resources },
        },
    })
}
