//! The diff, driven by the schema alone: given what the configuration asks for and what exists,
//! decide create / update / replace / no-op and compute the planned object, attribute by
//! attribute. The same code serves every resource type.

use provision_config::{IgnoreChanges, Lifecycle};
use provision_core::plan::{Action, ReplaceOrder};
use provision_core::{AttrMode, Attrs, Schema, Type, Value};
use std::collections::BTreeMap;

/// The outcome for one resource instance.
#[derive(Debug, Clone)]
pub struct Planned {
    pub action: Action,
    /// The object as it will be after apply; unknown parts are [`Value::Unknown`].
    pub after: Attrs,
    /// Configurable attributes whose change forces the replacement.
    pub replace_paths: Vec<String>,
    /// For a type with [`Schema::revisions`]: the update makes a new revision (something other
    /// than tags or destroy-time arguments changed).
    pub new_revision: bool,
}

/// Plans one instance. `config` holds the evaluated configurable attributes and blocks (null when
/// unset); `prior` is the refreshed object, if one exists.
pub fn plan_instance(
    schema: &Schema,
    config: &Attrs,
    prior: Option<&Attrs>,
    lifecycle: &Lifecycle,
    default_tags: &BTreeMap<String, String>,
) -> Planned {
    let mut proposed = Attrs::new();
    for a in &schema.attributes {
        if !a.is_configurable() {
            continue;
        }
        let mut v = config.get(a.name).cloned().unwrap_or(Value::Null);
        // An optional and computed argument that a state written before it existed does not
        // record at all (`region`, added with Terraform's AWS provider 6) is left as it is: the
        // object is where it was, and recording it is the next read's business, not a change.
        let unrecorded = a.mode == AttrMode::OptionalComputed && prior.is_some_and(|p| !p.contains_key(a.name));
        if v.is_null() && !unrecorded {
            if let Some(d) = &a.default {
                v = d.clone();
            } else if a.mode == AttrMode::OptionalComputed {
                v = prior.and_then(|p| p.get(a.name).cloned()).unwrap_or(Value::Unknown);
            }
        }
        if let (Some(p), true) = (prior, ignored(&lifecycle.ignore_changes, a.name)) {
            v = p.get(a.name).cloned().unwrap_or(Value::Null);
        }
        if let Some(p) = prior {
            for steps in lifecycle.ignore_changes.nested(a.name) {
                v = keep_prior_at(v, p.get(a.name), steps);
            }
        }
        proposed.insert(a.name.to_string(), normalize(&a.ty, a.normalized(v)));
    }
    for b in &schema.blocks {
        let mut v = b.canonical(config.get(b.name).cloned().unwrap_or(Value::Null));
        let unmanaged = v.is_null() && b.unmanaged_when_absent;
        if let (Some(p), true) = (prior, unmanaged || ignored(&lifecycle.ignore_changes, b.name)) {
            v = p.get(b.name).cloned().unwrap_or(Value::Null);
        } else if unmanaged {
            v = Value::Unknown;
        }
        if let Some(p) = prior {
            for steps in lifecycle.ignore_changes.nested(b.name) {
                v = keep_prior_at(v, p.get(b.name), steps);
            }
        }
        proposed.insert(b.name.to_string(), v);
    }
    if schema.taggable {
        proposed.insert("tags_all".into(), tags_all(default_tags, proposed.get("tags").unwrap_or(&Value::Null)));
    }

    let Some(prior) = prior else {
        return Planned {
            action: Action::Create,
            after: with_computed(schema, proposed, None, config),
            replace_paths: vec![],
            new_revision: false,
        };
    };

    let mut changed = false;
    let mut changed_names: Vec<String> = vec![];
    let mut replace_paths = vec![];
    // What AWS reports, in the spelling the configuration is put in (a policy document read back
    // with its keys reordered is the same document).
    let have_of = |name: &str| {
        let have = prior.get(name).cloned().unwrap_or(Value::Null);
        match schema.attribute(name) {
            Some(a) => a.normalized(have),
            None => have,
        }
    };
    let mut compare = |name: &str, ty: Option<&Type>, force_new: bool| {
        let want = proposed.get(name).cloned().unwrap_or(Value::Null);
        let have = have_of(name);
        let differs = !want.is_wholly_known() || !equivalent(ty, &want, &have);
        if differs {
            changed = true;
            changed_names.push(name.to_string());
            if force_new {
                replace_paths.push(name.to_string());
            }
        }
    };
    for a in &schema.attributes {
        if a.is_configurable() {
            compare(a.name, Some(&a.ty), a.force_new);
        }
    }
    for b in &schema.blocks {
        compare(b.name, None, b.force_new);
    }
    if schema.taggable {
        compare("tags_all", Some(&Type::map(Type::String)), false);
    }

    if !replace_paths.is_empty() {
        let order = if lifecycle.create_before_destroy {
            ReplaceOrder::CreateBeforeDestroy
        } else {
            ReplaceOrder::DestroyBeforeCreate
        };
        return Planned {
            action: Action::Replace(order),
            after: replacement(schema, config, proposed),
            replace_paths,
            new_revision: false,
        };
    }
    let mut after = with_computed(schema, proposed, Some(prior), config);
    for a in &schema.attributes {
        if a.recomputed_by.iter().any(|r| changed_names.iter().any(|c| c == r)) {
            after.insert(a.name.to_string(), Value::Unknown);
        }
    }
    // Tags and destroy-time arguments change in place without a new version.
    let new_revision = schema.revisions.is_some()
        && changed_names
            .iter()
            .any(|n| n != "tags" && n != "tags_all" && !schema.attribute(n).is_some_and(|a| a.at_destroy));
    if new_revision {
        // The update makes a new version with a new id: what identifies it is not known yet.
        for a in &schema.attributes {
            if a.per_revision || a.name == "id" {
                after.insert(a.name.to_string(), Value::Unknown);
            }
        }
    }
    Planned { action: if changed { Action::Update } else { Action::NoOp }, after, replace_paths, new_revision }
}

/// The planned value of the new object of a replacement, from the planned attributes of the
/// object it replaces: whatever AWS chose for the old object and the configuration does not set
/// (a name generated from `name_prefix`, an id, an ARN, an address it picked) is unknown until
/// the new object exists, unless the type knows it from the arguments
/// ([`Schema::plan_computed`]). A plan must never show such a value as staying.
pub fn replacement(schema: &Schema, config: &Attrs, mut planned: Attrs) -> Attrs {
    for a in &schema.attributes {
        if a.mode == AttrMode::OptionalComputed && config.get(a.name).is_none_or(Value::is_null) && a.default.is_none()
        {
            planned.insert(a.name.to_string(), Value::Unknown);
        }
    }
    with_computed(schema, planned, None, config)
}

/// `v` with the part at `steps` taken from `prior` (an `ignore_changes` path such as
/// `tags["Name"]`): the configured value there is ignored, whatever the object has is kept, and
/// a key the object does not have is not added.
fn keep_prior_at(v: Value, prior: Option<&Value>, steps: &[provision_config::PathStep]) -> Value {
    use provision_config::PathStep;
    let Some((first, rest)) = steps.split_first() else {
        return prior.cloned().unwrap_or(Value::Null);
    };
    let (v, marked) = v.into_unmarked();
    let prior = prior.map(Value::unmarked);
    let kept = match (v, first) {
        (Value::Map(mut m), PathStep::Key(k)) => {
            let p = match prior {
                Some(Value::Map(pm)) => pm.get(k),
                _ => None,
            };
            match (p, rest.is_empty()) {
                (None, true) => {
                    m.remove(k);
                }
                _ => {
                    let cur = m.remove(k).unwrap_or(Value::Null);
                    m.insert(k.clone(), keep_prior_at(cur, p, rest));
                }
            }
            Value::Map(m)
        }
        (Value::List(mut l), PathStep::Index(i)) => {
            let p = match prior {
                Some(Value::List(pl)) => pl.get(*i),
                _ => None,
            };
            if let Some(slot) = l.get_mut(*i)
                && (p.is_some() || !rest.is_empty())
            {
                *slot = keep_prior_at(std::mem::replace(slot, Value::Null), p, rest);
            }
            Value::List(l)
        }
        (other, _) => other,
    };
    kept.mark_if(marked)
}

fn ignored(ic: &IgnoreChanges, name: &str) -> bool {
    ic.ignores(name) || (name == "tags_all" && ic.ignores("tags"))
}

/// Adds computed attributes: kept from `prior` for in-place changes, unknown for new objects
/// except for what the type knows of them from the arguments ([`Schema::plan_computed`]).
fn with_computed(schema: &Schema, mut attrs: Attrs, prior: Option<&Attrs>, config: &Attrs) -> Attrs {
    let known = match (prior, schema.plan_computed) {
        (None, Some(f)) => f(&plan_args(schema, config, &attrs)),
        _ => Attrs::new(),
    };
    for a in &schema.attributes {
        if a.mode == AttrMode::Computed && !(schema.taggable && a.name == "tags_all") {
            let v = match prior {
                Some(p) => p.get(a.name).cloned().unwrap_or(Value::Unknown),
                None => known.get(a.name).cloned().unwrap_or(Value::Unknown),
            };
            attrs.insert(a.name.to_string(), v);
        }
    }
    attrs
}

/// The arguments [`Schema::plan_computed`] reads: the planned values, except that an argument the
/// configuration leaves unset, which the plan shows as unknown because AWS chooses it, is null, so
/// the type can tell it from a value that is not known yet.
fn plan_args(schema: &Schema, config: &Attrs, planned: &Attrs) -> Attrs {
    let mut args = planned.clone();
    for a in &schema.attributes {
        if a.mode == AttrMode::OptionalComputed && a.default.is_none() && config.get(a.name).is_none_or(Value::is_null)
        {
            args.insert(a.name.to_string(), Value::Null);
        }
    }
    args
}

/// `default_tags` with the resource's own tags merged over them.
pub fn tags_all(default_tags: &BTreeMap<String, String>, tags: &Value) -> Value {
    if tags.is_unknown() {
        return Value::Unknown;
    }
    let mut m: BTreeMap<String, Value> =
        default_tags.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
    if let Some(own) = tags.as_map() {
        for (k, v) in own {
            m.insert(k.clone(), v.clone());
        }
    }
    Value::Map(m)
}

/// Derives the `tags` attribute from what AWS reports (`tags_all`): every tag except those whose
/// key comes from `default_tags` (whatever their value, so a changed default stays a default). A
/// key the resource sets itself stays, even when `default_tags` has it too; a key nobody
/// configured (added by hand) shows up here, so the plan removes it.
pub fn derive_tags(tags_all: &Value, default_tags: &BTreeMap<String, String>, prior_tags: &Value) -> Value {
    let Some(all) = tags_all.as_map() else { return prior_tags.clone() };
    let own_keys: Vec<&String> = prior_tags.as_map().map(|m| m.keys().collect()).unwrap_or_default();
    let tags: BTreeMap<String, Value> = all
        .iter()
        .filter(|(k, _)| own_keys.contains(k) || !default_tags.contains_key(*k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if tags.is_empty() && prior_tags.is_null() { Value::Null } else { Value::Map(tags) }
}

/// Puts a value in its canonical shape for its type: sets sorted, empty collections kept.
fn normalize(ty: &Type, v: Value) -> Value {
    match (ty, v) {
        (Type::Set(_), Value::List(items)) if items.iter().all(Value::is_wholly_known) => Value::set(items),
        (_, v) => v,
    }
}

/// Equality for diffs: null equals an empty collection, sets ignore order.
pub fn equivalent(ty: Option<&Type>, a: &Value, b: &Value) -> bool {
    let empty = |v: &Value| match v.unmarked() {
        Value::Null => true,
        Value::List(i) | Value::Set(i) => i.is_empty(),
        Value::Map(m) => m.is_empty(),
        _ => false,
    };
    let collection = matches!(ty, Some(Type::List(_) | Type::Set(_) | Type::Map(_)) | None);
    if collection && empty(a) && empty(b) {
        return true;
    }
    a.same_as(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use provision_core::AttributeSchema;

    fn schema() -> Schema {
        Schema::new("test")
            .with_id()
            .attr(AttributeSchema::required("cidr_block", Type::String).force_new())
            .attr(AttributeSchema::optional("dns", Type::Bool).default(true))
            .attr(AttributeSchema::optional_computed("zone", Type::String).force_new())
            .attr(AttributeSchema::computed("arn", Type::String))
            .with_tags()
    }

    fn attrs(pairs: &[(&str, Value)]) -> Attrs {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    fn prior() -> Attrs {
        attrs(&[
            ("id", "x-1".into()),
            ("cidr_block", "10.0.0.0/16".into()),
            ("dns", true.into()),
            ("zone", "a".into()),
            ("arn", "arn:x-1".into()),
            ("tags", Value::Map([("Name".to_string(), "n".into())].into())),
            ("tags_all", Value::Map([("Name".to_string(), "n".into()), ("Team".to_string(), "core".into())].into())),
        ])
    }

    fn defaults() -> BTreeMap<String, String> {
        [("Team".to_string(), "core".to_string())].into()
    }

    fn config(cidr: Value, tags: Value) -> Attrs {
        attrs(&[("cidr_block", cidr), ("dns", Value::Null), ("zone", Value::Null), ("tags", tags)])
    }

    fn name_tag(v: &str) -> Value {
        Value::Map([("Name".to_string(), v.into())].into())
    }

    #[test]
    fn create_fills_defaults_and_unknowns() {
        let p = plan_instance(
            &schema(),
            &config("10.0.0.0/16".into(), Value::Null),
            None,
            &Lifecycle::default(),
            &defaults(),
        );
        assert_eq!(p.action, Action::Create);
        assert_eq!(p.after["dns"], Value::Bool(true));
        assert_eq!(p.after["zone"], Value::Unknown);
        assert_eq!(p.after["id"], Value::Unknown);
        assert_eq!(p.after["tags_all"], Value::Map([("Team".to_string(), "core".into())].into()));
    }

    /// What a test type knows of a new object's `arn` from its arguments: it names the zone, and
    /// says so when the zone is left to AWS.
    fn arn_from_zone(args: &Attrs) -> Attrs {
        let arn = match args.get("zone") {
            None | Some(Value::Null) => Value::String("arn:any-zone".into()),
            Some(Value::String(z)) => Value::String(format!("arn:{z}")),
            Some(_) => Value::Unknown,
        };
        [("arn".to_string(), arn)].into()
    }

    /// An argument the configuration leaves unset reaches `plan_computed` as null, not as the
    /// "AWS chooses" unknown of the plan, so a type can tell it from a value not known yet (a
    /// certificate without `subject_alternative_names` knows its validation options).
    #[test]
    fn plan_computed_sees_an_unset_argument_as_null() {
        let schema = schema().plan_computed(arn_from_zone);
        let plan = |zone: Value| {
            let config = attrs(&[("cidr_block", "10.0.0.0/16".into()), ("zone", zone)]);
            plan_instance(&schema, &config, None, &Lifecycle::default(), &defaults()).after
        };
        let unset = plan(Value::Null);
        assert_eq!(unset["zone"], Value::Unknown, "AWS still chooses the zone");
        assert_eq!(unset["arn"], Value::String("arn:any-zone".into()));
        assert_eq!(plan("a".into())["arn"], Value::String("arn:a".into()));
        assert_eq!(plan(Value::Unknown)["arn"], Value::Unknown, "a value not known yet stays unknown");

        let replaced = replacement(&schema, &attrs(&[("cidr_block", "10.1.0.0/16".into())]), prior());
        assert_eq!(replaced["zone"], Value::Unknown);
        assert_eq!(replaced["arn"], Value::String("arn:any-zone".into()));
    }

    /// `region` as the AWS provider gives it: optional, computed, forcing, and defaulting to the
    /// provider configuration's region.
    fn regional() -> Schema {
        schema().attr(AttributeSchema::optional_computed("region", Type::String).force_new().default("eu-west-3"))
    }

    #[test]
    fn a_state_written_before_region_existed_plans_no_change() {
        let config = config("10.0.0.0/16".into(), name_tag("n"));
        let p = plan_instance(&regional(), &config, Some(&prior()), &Lifecycle::default(), &defaults());
        assert_eq!(p.action, Action::NoOp, "not recorded is not a change: {p:?}");
        let mut refreshed = prior();
        refreshed.insert("region".into(), "eu-west-3".into());
        let p = plan_instance(&regional(), &config, Some(&refreshed), &Lifecycle::default(), &defaults());
        assert_eq!(p.action, Action::NoOp, "read back in the configuration's region: {p:?}");
        assert_eq!(p.after["region"], Value::from("eu-west-3"));
    }

    #[test]
    fn a_new_region_replaces_the_object() {
        let mut refreshed = prior();
        refreshed.insert("region".into(), "eu-west-3".into());
        let mut config = config("10.0.0.0/16".into(), name_tag("n"));
        config.insert("region".into(), "eu-west-1".into());
        let p = plan_instance(&regional(), &config, Some(&refreshed), &Lifecycle::default(), &defaults());
        assert!(matches!(p.action, Action::Replace(_)), "{p:?}");
        assert_eq!(p.replace_paths, vec!["region".to_string()]);
        assert_eq!(p.after["region"], Value::from("eu-west-1"));
        config.insert("region".into(), Value::Unknown);
        let p = plan_instance(&regional(), &config, Some(&refreshed), &Lifecycle::default(), &defaults());
        assert!(matches!(p.action, Action::Replace(_)), "a region known only after apply may differ: {p:?}");
        let created = plan_instance(&regional(), &config, None, &Lifecycle::default(), &defaults());
        assert_eq!(created.after["region"], Value::Unknown);
        config.insert("region".into(), Value::Null);
        let created = plan_instance(&regional(), &config, None, &Lifecycle::default(), &defaults());
        assert_eq!(created.after["region"], Value::from("eu-west-3"), "unset: the configuration's region");
    }

    #[test]
    fn unchanged_is_noop_and_keeps_computed() {
        let p = plan_instance(
            &schema(),
            &config("10.0.0.0/16".into(), name_tag("n")),
            Some(&prior()),
            &Lifecycle::default(),
            &defaults(),
        );
        assert_eq!(p.action, Action::NoOp, "{p:?}");
        assert_eq!(p.after["zone"], Value::from("a"));
        assert_eq!(p.after["arn"], Value::from("arn:x-1"));
    }

    #[test]
    fn tag_change_is_update() {
        let p = plan_instance(
            &schema(),
            &config("10.0.0.0/16".into(), name_tag("m")),
            Some(&prior()),
            &Lifecycle::default(),
            &defaults(),
        );
        assert_eq!(p.action, Action::Update);
        assert_eq!(p.after["id"], Value::from("x-1"));
    }

    #[test]
    fn default_tags_change_is_update() {
        let mut d = defaults();
        d.insert("Env".into(), "prod".into());
        let p = plan_instance(
            &schema(),
            &config("10.0.0.0/16".into(), name_tag("n")),
            Some(&prior()),
            &Lifecycle::default(),
            &d,
        );
        assert_eq!(p.action, Action::Update);
    }

    #[test]
    fn force_new_change_replaces_and_names_the_attribute() {
        let p = plan_instance(
            &schema(),
            &config("10.1.0.0/16".into(), name_tag("n")),
            Some(&prior()),
            &Lifecycle::default(),
            &defaults(),
        );
        assert_eq!(p.action, Action::Replace(ReplaceOrder::DestroyBeforeCreate));
        assert_eq!(p.replace_paths, vec!["cidr_block".to_string()]);
        assert_eq!(p.after["id"], Value::Unknown);
        let cbd = Lifecycle { create_before_destroy: true, ..Default::default() };
        let p =
            plan_instance(&schema(), &config("10.1.0.0/16".into(), name_tag("n")), Some(&prior()), &cbd, &defaults());
        assert_eq!(p.action, Action::Replace(ReplaceOrder::CreateBeforeDestroy));
    }

    #[test]
    fn unknown_force_new_value_replaces() {
        let p = plan_instance(
            &schema(),
            &config(Value::Unknown, name_tag("n")),
            Some(&prior()),
            &Lifecycle::default(),
            &defaults(),
        );
        assert_eq!(p.replace_paths, vec!["cidr_block".to_string()]);
    }

    #[test]
    fn ignore_changes_keeps_prior() {
        let l = Lifecycle {
            ignore_changes: IgnoreChanges::Attributes(vec![provision_config::IgnorePath::attr("tags")]),
            ..Default::default()
        };
        let p =
            plan_instance(&schema(), &config("10.0.0.0/16".into(), name_tag("other")), Some(&prior()), &l, &defaults());
        assert_eq!(p.action, Action::NoOp);
        let p = plan_instance(
            &schema(),
            &config("10.9.0.0/16".into(), Value::Null),
            Some(&prior()),
            &Lifecycle { ignore_changes: IgnoreChanges::All, ..Default::default() },
            &defaults(),
        );
        assert_eq!(p.action, Action::NoOp);
    }

    #[test]
    fn tags_are_derived_without_defaults() {
        let all = Value::Map([("Name".to_string(), "n".into()), ("Team".to_string(), "core".into())].into());
        assert_eq!(derive_tags(&all, &defaults(), &name_tag("n")), name_tag("n"));
        assert_eq!(derive_tags(&Value::Map(Default::default()), &defaults(), &Value::Null), Value::Null);
        let drifted = Value::Map([("Name".to_string(), "n".into()), ("Rogue".to_string(), "1".into())].into());
        let got = derive_tags(&drifted, &defaults(), &name_tag("n"));
        assert_eq!(got.as_map().map(|m| m.len()), Some(2));
    }

    #[test]
    fn a_changed_default_tag_value_stays_a_default_tag() {
        // Applied with default Project = "old"; the configuration now says "new".
        let all = Value::Map([("Name".to_string(), "n".into()), ("Project".to_string(), "old".into())].into());
        let now: BTreeMap<String, String> = [("Project".to_string(), "new".to_string())].into();
        assert_eq!(derive_tags(&all, &now, &name_tag("n")), name_tag("n"));
    }

    #[test]
    fn null_and_empty_collections_are_equal() {
        assert!(equivalent(Some(&Type::map(Type::String)), &Value::Null, &Value::Map(Default::default())));
        assert!(!equivalent(Some(&Type::String), &Value::Null, &Value::from("")));
    }

    #[test]
    fn attributes_recomputed_by_a_changed_argument_are_unknown() {
        let schema = Schema::new("test")
            .with_id()
            .attr(AttributeSchema::required("value", Type::String))
            .attr(AttributeSchema::optional("note", Type::String))
            .attr(AttributeSchema::computed("version", Type::String).recomputed_by(&["value"]));
        let prior =
            attrs(&[("id", "v-1".into()), ("value", "a".into()), ("note", Value::Null), ("version", "1".into())]);
        let plan = |value: &str, note: Value| {
            plan_instance(
                &schema,
                &attrs(&[("value", value.into()), ("note", note)]),
                Some(&prior),
                &Lifecycle::default(),
                &BTreeMap::new(),
            )
        };
        let p = plan("b", Value::Null);
        assert_eq!(p.action, Action::Update);
        assert!(p.after["version"].is_unknown(), "{:?}", p.after);
        let p = plan("a", "hello".into());
        assert_eq!(p.action, Action::Update);
        assert_eq!(p.after["version"], Value::from("1"), "another argument leaves it as it is");
    }

    #[test]
    fn only_tags_or_destroy_time_arguments_make_no_new_revision() {
        let schema = Schema::new("test")
            .with_id()
            .attr(AttributeSchema::required("body", Type::String))
            .attr(AttributeSchema::optional("skip_destroy", Type::Bool).default(false).at_destroy())
            .attr(AttributeSchema::computed("arn", Type::String).per_revision())
            .with_tags()
            .revisions("registers a new revision");
        let prior = attrs(&[
            ("id", "r-1".into()),
            ("body", "a".into()),
            ("skip_destroy", false.into()),
            ("arn", "arn:r-1".into()),
            ("tags", Value::Null),
            ("tags_all", Value::Map(BTreeMap::new())),
        ]);
        let plan = |body: &str, skip: bool, tags: Value| {
            let config = attrs(&[("body", body.into()), ("skip_destroy", skip.into()), ("tags", tags)]);
            plan_instance(&schema, &config, Some(&prior), &Lifecycle::default(), &BTreeMap::new())
        };
        let p = plan("b", false, Value::Null);
        assert!(p.new_revision && p.after["arn"].is_unknown() && p.after["id"].is_unknown());
        let p = plan("a", true, Value::Map([("Team".to_string(), "x".into())].into()));
        assert_eq!(p.action, Action::Update);
        assert!(!p.new_revision, "tags and skip_destroy change in place");
        assert_eq!(p.after["arn"], Value::from("arn:r-1"));
    }
}
