//! Layers: defaults by type, the runtime closure, a layer's destroy and its recreation, and the
//! errors for contradictory or impossible layer requests.

use super::*;
use crate::PlanRequest;
use provision_core::plan::Action;
use provision_core::{Address, Layer, LayerOrigin};
use std::collections::BTreeMap;

const LAYERED: &str = r#"
resource "fake_network" "main" {
  cidr_block = "10.0.0.0/16"
  tags       = { Name = "main" }
}

resource "fake_subnet" "public" {
  count      = 2
  network_id = fake_network.main.id
  cidr_block = cidrsubnet(fake_network.main.cidr_block, 8, count.index)
}

resource "fake_nat" "nat" {
  count     = 2
  subnet_id = fake_subnet.public[count.index].id
}

locals {
  nat_ids = fake_nat.nat[*].id
}

resource "fake_route" "private" {
  count      = 2
  network_id = fake_network.main.id
  nat_id     = local.nat_ids[count.index]
}

resource "fake_route" "public" {
  network_id = fake_network.main.id
}

output "nat_ids" {
  value = fake_nat.nat[*].id
}

output "network_id" {
  value = fake_network.main.id
}
"#;

fn addr(s: &str) -> Address {
    s.parse().expect("address")
}

/// Object ids by address.
fn ids(store: &MemoryStore) -> BTreeMap<String, String> {
    current(store).resources.iter().map(|o| (o.address.to_string(), o.id.clone())).collect()
}

fn runtime_addresses() -> Vec<&'static str> {
    vec!["fake_nat.nat[0]", "fake_nat.nat[1]", "fake_route.private[0]", "fake_route.private[1]"]
}

#[test]
fn layers_come_from_the_type_and_spread_to_dependents() {
    let e = engine(LAYERED, &Cloud::new());
    let info = |a: &str| e.layer_info(&addr(a)).cloned().expect("a layer");
    assert_eq!(info("fake_network.main").layer, Layer::Base);
    assert_eq!(info("fake_nat.nat").origin, LayerOrigin::TypeDefault);
    assert_eq!(info("fake_nat.nat").layer, Layer::Runtime);
    let route = info("fake_route.private");
    assert_eq!(route.layer, Layer::Runtime);
    // Through a local: the dependency is still seen.
    assert_eq!(route.origin, LayerOrigin::DependsOn(addr("fake_nat.nat")));
    assert_eq!(info("fake_route.public").layer, Layer::Base);
}

#[tokio::test]
async fn destroying_the_runtime_layer_removes_exactly_it_and_apply_brings_it_back() {
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    assert!(apply(LAYERED, &cloud, &store).await.succeeded());
    let before = ids(&store);
    let state = current(&store);
    let recorded: Vec<(String, Layer)> = state
        .resources
        .iter()
        .map(|o| (o.address.to_string(), o.layer))
        .filter(|(_, l)| *l == Layer::Runtime)
        .collect();
    assert_eq!(recorded.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>(), runtime_addresses());

    let e = engine(LAYERED, &cloud);
    let run = e.plan(&current(&store), PlanRequest::destroy().with_layer(Some(Layer::Runtime))).await.expect("plan");
    let doomed: Vec<String> =
        run.plan.changes.iter().filter(|c| c.action == Action::Delete).map(|c| c.address.to_string()).collect();
    assert_eq!(doomed, runtime_addresses());
    insta::assert_snapshot!(crate::render::plan(&run.plan, Default::default()));
    let r = e.apply(run, &store, &Cancel::default()).await.expect("apply");
    assert!(r.succeeded(), "{r:?}");

    let after_destroy = ids(&store);
    let base: BTreeMap<String, String> = before
        .iter()
        .filter(|(a, _)| !runtime_addresses().contains(&a.as_str()))
        .map(|(a, i)| (a.clone(), i.clone()))
        .collect();
    assert_eq!(after_destroy, base, "only the runtime layer is gone");
    assert_consistent(&cloud, &store);
    let outputs = current(&store).outputs;
    assert!(!outputs.contains_key("nat_ids"), "an output of destroyed objects goes: {outputs:?}");
    assert!(outputs.contains_key("network_id"), "an output of kept objects stays: {outputs:?}");

    // The layer's plan shows exactly what comes back.
    let run = e.plan(&current(&store), PlanRequest::normal().with_layer(Some(Layer::Runtime))).await.expect("plan");
    let created: Vec<String> =
        run.plan.changes.iter().filter(|c| c.action == Action::Create).map(|c| c.address.to_string()).collect();
    assert_eq!(created, runtime_addresses());
    assert!(run.plan.changes.iter().filter(|c| c.action != Action::Create).all(|c| c.action == Action::NoOp));
    let r = e.apply(run, &store, &Cancel::default()).await.expect("apply");
    assert!(r.succeeded(), "{r:?}");

    let after = ids(&store);
    for (a, id) in &base {
        assert_eq!(after.get(a), Some(id), "{a} kept its id");
    }
    assert_eq!(after.len(), before.len());
    assert_consistent(&cloud, &store);
    assert!(current(&store).outputs.contains_key("nat_ids"));
    let run = engine(LAYERED, &cloud).plan(&current(&store), PlanRequest::normal()).await.expect("plan");
    assert!(!run.plan.has_changes(), "{}", crate::render::plan(&run.plan, Default::default()));
}

#[tokio::test]
async fn a_layer_plan_leaves_changes_outside_it_for_later() {
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    assert!(apply(LAYERED, &cloud, &store).await.succeeded());
    let changed = LAYERED.replace(r#"tags       = { Name = "main" }"#, r#"tags       = { Name = "renamed" }"#);
    let e = engine(&changed, &cloud);
    let run = e.plan(&current(&store), PlanRequest::normal().with_layer(Some(Layer::Runtime))).await.expect("plan");
    assert!(!run.plan.has_changes());
    assert_eq!(run.plan.outside_layer, 1);
    let text = crate::render::plan(&run.plan, Default::default());
    assert!(text.contains("1 change outside the runtime layer is not part of this plan"), "{text}");
    let run = e.plan(&current(&store), PlanRequest::normal()).await.expect("plan");
    assert_eq!(run.plan.change(&addr("fake_network.main")).map(|c| c.action), Some(Action::Update));
}

#[test]
fn base_that_depends_on_runtime_is_an_error() {
    let cfg = LAYERED.replace(
        "resource \"fake_route\" \"private\" {\n  count      = 2",
        "resource \"fake_route\" \"private\" {\n  layer      = \"base\"\n  count      = 2",
    );
    let err = engine_with(&cfg, &Cloud::new(), &[], options(1)).err().expect("an error");
    insta::assert_snapshot!(err);
}

#[tokio::test]
async fn a_runtime_type_can_be_kept_in_base() {
    let cfg = LAYERED.replace(
        "resource \"fake_nat\" \"nat\" {\n  count     = 2",
        "resource \"fake_nat\" \"nat\" {\n  layer     = \"base\"\n  count     = 2",
    );
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    assert!(apply(&cfg, &cloud, &store).await.succeeded());
    let e = engine(&cfg, &cloud);
    let run = e.plan(&current(&store), PlanRequest::destroy().with_layer(Some(Layer::Runtime))).await.expect("plan");
    assert!(!run.plan.has_changes(), "{}", crate::render::plan(&run.plan, Default::default()));
}

#[test]
fn a_layer_must_be_a_literal_name() {
    let cfg = r#"
resource "fake_network" "main" {
  cidr_block = "10.0.0.0/16"
  layer      = "nightly"
}
data "fake_zones" "z" {
  layer = "base"
}
"#;
    let err = engine_with(cfg, &Cloud::new(), &[], options(1)).err().expect("an error");
    insta::assert_snapshot!(err);
}

#[tokio::test]
async fn a_layer_plan_cannot_build_on_base_that_does_not_exist() {
    let cloud = Cloud::new();
    let e = engine(LAYERED, &cloud);
    let err = match e.plan(&new_state(), PlanRequest::normal().with_layer(Some(Layer::Runtime))).await {
        Err(crate::EngineError::Config(d)) => render_diagnostics(&d, &e.module.sources),
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => panic!("the plan should fail"),
    };
    assert!(err.contains("fake_nat.nat needs fake_subnet.public[0], which does not exist"), "{err}");
    assert!(err.contains("run `provision apply` without --layer first"), "{err}");
}

#[tokio::test]
async fn objects_of_removed_blocks_keep_their_recorded_layer() {
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    assert!(apply(LAYERED, &cloud, &store).await.succeeded());
    // The NAT gateways and their routes leave the configuration, but are still in state.
    let i = LAYERED.find("resource \"fake_nat\"").expect("nat block");
    let j = LAYERED.find("resource \"fake_route\" \"public\"").expect("public route");
    let cfg = format!("{}{}", &LAYERED[..i], &LAYERED[j..])
        .replace("output \"nat_ids\" {\n  value = fake_nat.nat[*].id\n}\n", "");
    let e = engine(&cfg, &cloud);
    let run = e.plan(&current(&store), PlanRequest::destroy().with_layer(Some(Layer::Runtime))).await.expect("plan");
    let doomed: Vec<String> =
        run.plan.changes.iter().filter(|c| c.action == Action::Delete).map(|c| c.address.to_string()).collect();
    assert_eq!(doomed, runtime_addresses());
}

/// A base object that refers to a runtime one only through a weak argument (a DNS alias to a load
/// balancer) stays in the base layer: the nightly teardown leaves it, and the next apply updates
/// it in place to point at the new object.
#[tokio::test]
async fn a_weak_reference_keeps_an_object_in_base_and_it_is_updated_in_place() {
    let config = LAYERED.replace(
        "resource \"fake_route\" \"public\" {\n  network_id = fake_network.main.id\n",
        "resource \"fake_route\" \"public\" {\n  network_id = fake_network.main.id\n  alias_to = fake_nat.nat[0].id\n",
    );
    assert_ne!(config, LAYERED);
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    let e = engine(&config, &cloud);
    assert_eq!(e.layer_info(&addr("fake_route.public")).expect("layer").layer, Layer::Base);
    assert!(apply(&config, &cloud, &store).await.succeeded());
    let route_id = ids(&store)["fake_route.public"].clone();
    let nat_before = ids(&store)["fake_nat.nat[0]"].clone();

    let run = e.plan(&current(&store), PlanRequest::destroy().with_layer(Some(Layer::Runtime))).await.expect("plan");
    let doomed: Vec<String> =
        run.plan.changes.iter().filter(|c| c.action == Action::Delete).map(|c| c.address.to_string()).collect();
    assert_eq!(doomed, runtime_addresses(), "the route that refers weakly to a NAT stays");
    let r = e.apply(run, &store, &Cancel::default()).await.expect("apply");
    assert!(r.succeeded(), "{r:?}");
    assert_eq!(ids(&store)["fake_route.public"], route_id);

    // A plan of the base layer leaves the route as it is until the runtime layer is back.
    let run = e.plan(&current(&store), PlanRequest::normal().with_layer(Some(Layer::Base))).await.expect("a base plan");
    let route = run.plan.changes.iter().find(|c| c.address.to_string() == "fake_route.public").map(|c| c.action);
    assert_eq!(route, Some(Action::NoOp));

    // The morning's plan of the runtime layer brings the NAT back and updates the route with it.
    let run = e.plan(&current(&store), PlanRequest::normal().with_layer(Some(Layer::Runtime))).await.expect("plan");
    let action = |a: &str| run.plan.changes.iter().find(|c| c.address.to_string() == a).map(|c| c.action);
    assert_eq!(action("fake_route.public"), Some(Action::Update), "updated in place, not re-created");
    assert_eq!(action("fake_nat.nat[0]"), Some(Action::Create));
    assert!(e.apply(run, &store, &Cancel::default()).await.expect("apply").succeeded());
    let after = ids(&store);
    assert_eq!(after["fake_route.public"], route_id, "the route kept its id");
    assert_ne!(after["fake_nat.nat[0]"], nat_before);
    let route = current(&store).resources.into_iter().find(|o| o.address.to_string() == "fake_route.public");
    let target = route.and_then(|o| o.attributes.get("alias_to").and_then(|v| v.as_str().map(String::from)));
    assert_eq!(target.as_deref(), Some(after["fake_nat.nat[0]"].as_str()), "it points at the new NAT");
    assert_consistent(&cloud, &store);

    // A full destroy still deletes the route before the NAT it points at.
    let run = e.plan(&current(&store), PlanRequest::destroy()).await.expect("plan");
    assert!(e.apply(run, &store, &Cancel::default()).await.expect("apply").succeeded());
    assert!(current(&store).resources.is_empty());
}
