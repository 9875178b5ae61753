//! Planning: cycles, rendering, batching, drift, orphans, data sources, lifecycle rules.

use super::*;
use crate::PlanRequest;
use provision_core::plan::{Action, ReplaceOrder};
use provision_core::{Address, InstanceKey};

#[test]
fn cycles_are_named_with_the_references_to_cut() {
    let cfg = r#"
locals {
  cidr = fake_subnet.a.cidr_block
}
resource "fake_network" "n" {
  cidr_block = local.cidr
}
resource "fake_subnet" "a" {
  network_id = fake_network.n.id
  cidr_block = "10.0.1.0/24"
}
"#;
    let err = engine_with(cfg, &Cloud::new(), &[], options(1)).err().expect("a cycle is an error");
    insta::assert_snapshot!(err);
}

#[test]
fn self_reference_is_a_cycle() {
    let cfg = r#"
resource "fake_network" "n" {
  cidr_block = "10.0.0.0/16"
  tags       = { Self = fake_network.n.id }
}
"#;
    let err = engine_with(cfg, &Cloud::new(), &[], options(1)).err().expect("a cycle is an error");
    assert!(err.contains("Dependency cycle: fake_network.n → fake_network.n"), "{err}");
}

#[tokio::test]
async fn create_plan_renders_like_terraform() {
    let cloud = Cloud::new();
    let text = plan_text(STACK, &cloud, &MemoryStore::new(&cloud)).await;
    insta::assert_snapshot!(text);
    assert!(cloud.calls().is_empty(), "an empty state needs no provider call: {:?}", cloud.calls());
}

#[tokio::test]
async fn second_plan_has_no_changes_and_reads_one_batch_per_type() {
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    let r = apply(STACK, &cloud, &store).await;
    assert!(r.succeeded(), "{r:?}");
    cloud.clear_calls();
    let e = engine(STACK, &cloud);
    let run = e.plan(&current(&store), PlanRequest::normal()).await.expect("plan");
    assert!(!run.plan.has_changes(), "{}", crate::render::plan(&run.plan, Default::default()));
    let mut calls = cloud.calls();
    calls.sort();
    assert_eq!(calls, vec!["read fake_gateway n=1", "read fake_network n=1", "read fake_subnet n=2"]);
    insta::assert_snapshot!(crate::render::plan(&run.plan, Default::default()), @"No changes. Your infrastructure matches the configuration.");
}

#[tokio::test]
async fn tag_change_is_one_in_place_update() {
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    assert!(apply(STACK, &cloud, &store).await.succeeded());
    let changed =
        STACK.replace(r#"tags       = { Name = var.name }"#, r#"tags       = { Name = var.name, Team = "core" }"#);
    let text = plan_text(&changed, &cloud, &store).await;
    insta::assert_snapshot!(text);
}

#[tokio::test]
async fn force_new_change_replaces_dependents_too() {
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    assert!(apply(STACK, &cloud, &store).await.succeeded());
    let e = engine_with(STACK, &cloud, &["cidr=10.1.0.0/16"], options(4)).expect("engine");
    let run = e.plan(&current(&store), PlanRequest::normal()).await.expect("plan");
    let action = |a: &str| run.plan.change(&a.parse::<Address>().expect("address")).map(|c| c.action);
    assert_eq!(action("fake_network.main"), Some(Action::Replace(ReplaceOrder::DestroyBeforeCreate)));
    assert_eq!(action("fake_subnet.public[0]"), Some(Action::Replace(ReplaceOrder::DestroyBeforeCreate)));
    // The gateway keeps the old network in use, so it is replaced too (an in-place move would
    // leave the old network undeletable).
    assert_eq!(action("fake_gateway.gw"), Some(Action::Replace(ReplaceOrder::DestroyBeforeCreate)));
    let net = run.plan.change(&"fake_network.main".parse().expect("address")).expect("change");
    assert_eq!(net.replace_paths, vec!["cidr_block".to_string()]);
    insta::assert_snapshot!(crate::render::plan(&run.plan, Default::default()));
}

#[tokio::test]
async fn drift_is_shown_and_planned_back() {
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    assert!(apply(STACK, &cloud, &store).await.succeeded());
    let (id, _) = cloud.objects_at("fake_network.main").remove(0);
    cloud.tamper(&id, |o| {
        o.tags.insert("Name".into(), "renamed-by-hand".into());
    });
    let (sub, _) = cloud.objects_at("fake_subnet.public[1]").remove(0);
    cloud.remove(&sub);
    let e = engine(STACK, &cloud);
    let run = e.plan(&current(&store), PlanRequest::normal()).await.expect("plan");
    assert_eq!(run.plan.drift.len(), 2);
    let text = crate::render::plan(&run.plan, Default::default());
    insta::assert_snapshot!(text);
    let r = e.apply(run, &store, &Cancel::default()).await.expect("apply");
    assert!(r.succeeded(), "{r:?}");
    let run = e.plan(&current(&store), PlanRequest::normal()).await.expect("plan");
    assert!(!run.plan.has_changes());
    assert_consistent(&cloud, &store);
}

/// An optional, computed argument the configuration leaves to AWS (the subnet's `zone` here; a
/// role's `managed_policy_arns` kept by attachments in the AWS provider) may change without a
/// "changed outside of provision" note: nothing the user wrote changed, and the plan is clean.
#[tokio::test]
async fn what_the_configuration_leaves_to_aws_is_not_drift() {
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    assert!(apply(STACK, &cloud, &store).await.succeeded());
    let (sub, _) = cloud.objects_at("fake_subnet.public[0]").remove(0);
    cloud.tamper(&sub, |o| {
        o.attrs.insert("zone".into(), Value::from("elsewhere-1z"));
    });
    let e = engine(STACK, &cloud);
    let run = e.plan(&current(&store), PlanRequest::normal()).await.expect("plan");
    assert!(run.plan.drift.is_empty(), "{:?}", run.plan.drift);
    assert!(!run.plan.has_changes());
    // Set in the configuration, the same change is drift (and a replacement: `zone` forces one).
    let pinned = STACK.replace("  cidr_block = cidrsubnet(", "  zone       = \"zone-a\"\n  cidr_block = cidrsubnet(");
    assert!(pinned.contains("zone       = \"zone-a\""));
    let run = engine(&pinned, &cloud).plan(&current(&store), PlanRequest::normal()).await.expect("plan");
    assert!(run.plan.drift.iter().any(|d| d.address.to_string() == "fake_subnet.public[0]"), "{:?}", run.plan.drift);
}

#[tokio::test]
async fn removed_and_shrunk_resources_are_deleted() {
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    assert!(apply(STACK, &cloud, &store).await.succeeded());
    let smaller = STACK
        .replace("count      = 2", "count      = 1")
        .replace("resource \"fake_gateway\" \"gw\" {\n  network_id = fake_network.main.id\n}", "");
    let e = engine(&smaller, &cloud);
    let run = e.plan(&current(&store), PlanRequest::normal()).await.expect("plan");
    let deletes: Vec<String> =
        run.plan.changes.iter().filter(|c| c.action == Action::Delete).map(|c| c.address.to_string()).collect();
    assert_eq!(deletes, vec!["fake_gateway.gw", "fake_subnet.public[1]"]);
    let r = e.apply(run, &store, &Cancel::default()).await.expect("apply");
    assert!(r.succeeded(), "{r:?}");
    assert_eq!(cloud.objects().len(), 2);
    assert_consistent(&cloud, &store);
}

#[tokio::test]
async fn for_each_instances_are_keyed() {
    let cfg = r#"
resource "fake_network" "n" {
  for_each   = { a = "10.0.0.0/16", b = "10.1.0.0/16" }
  cidr_block = each.value
  tags       = { Name = each.key }
}
resource "fake_subnet" "s" {
  for_each   = toset(["a", "b"])
  network_id = fake_network.n[each.key].id
  cidr_block = cidrsubnet(fake_network.n[each.key].cidr_block, 8, 0)
}
"#;
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    let r = apply(cfg, &cloud, &store).await;
    assert!(r.succeeded(), "{r:?}");
    let s = current(&store);
    let b = Address::managed("fake_subnet", "s").with_key(Some(InstanceKey::Key("b".into())));
    let sub_b = s.current(&b).expect("subnet b");
    assert_eq!(sub_b.attributes["cidr_block"], Value::from("10.1.0.0/24"));
}

#[tokio::test]
async fn unknown_count_and_list_for_each_are_errors() {
    let cloud = Cloud::new();
    let cfg = r#"
resource "fake_network" "n" {
  cidr_block = "10.0.0.0/16"
}
resource "fake_subnet" "s" {
  count      = length(fake_network.n.id)
  network_id = fake_network.n.id
  cidr_block = "10.0.1.0/24"
}
resource "fake_gateway" "g" {
  for_each = ["a"]
}
"#;
    let e = engine(cfg, &cloud);
    let err = match e.plan(&new_state(), PlanRequest::normal()).await {
        Err(crate::EngineError::Config(d)) => render_diagnostics(&d, &e.module.sources),
        other => panic!("expected configuration errors, got {:?}", other.map(|r| r.plan)),
    };
    insta::assert_snapshot!(err);
}

#[tokio::test]
async fn data_sources_are_read_at_plan_or_deferred() {
    let cfg = r#"
data "fake_zones" "all" {}

resource "fake_network" "n" {
  cidr_block = "10.0.0.0/16"
}

resource "fake_subnet" "s" {
  count      = length(data.fake_zones.all.names)
  network_id = fake_network.n.id
  cidr_block = cidrsubnet("10.0.0.0/16", 8, count.index)
  zone       = data.fake_zones.all.names[count.index]
}

data "fake_echo" "later" {
  input = fake_network.n.id
}

resource "fake_gateway" "g" {
  tags = { Echo = data.fake_echo.later.output }
}
"#;
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    let e = engine(cfg, &cloud);
    let run = e.plan(&new_state(), PlanRequest::normal()).await.expect("plan");
    assert_eq!(run.plan.changes.iter().filter(|c| c.address.type_name == "fake_subnet").count(), 3);
    let read = run.plan.change(&"data.fake_echo.later".parse().expect("address")).expect("deferred read");
    assert_eq!(read.action, Action::Read);
    let r = e.apply(run, &store, &Cancel::default()).await.expect("apply");
    assert!(r.succeeded(), "{r:?}");
    let net_id = attr(&cloud, "fake_network.n", "id");
    let state = current(&store);
    let gw = &state.current(&"fake_gateway.g".parse().expect("address")).expect("gateway").attributes;
    let (gid, _) = cloud.objects_at("fake_network.n").remove(0);
    assert_eq!(
        gw["tags"].as_map().and_then(|m| m.get("Echo")).and_then(Value::as_str),
        Some(gid.as_str()),
        "{net_id:?}"
    );
}

#[tokio::test]
async fn prevent_destroy_stops_the_plan() {
    let cfg = r#"
resource "fake_network" "n" {
  cidr_block = var.cidr
  lifecycle {
    prevent_destroy = true
  }
}
variable "cidr" {
  default = "10.0.0.0/16"
}
"#;
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    assert!(apply(cfg, &cloud, &store).await.succeeded());
    let e = engine_with(cfg, &cloud, &["cidr=10.9.0.0/16"], options(1)).expect("engine");
    let Err(crate::EngineError::Config(d)) = e.plan(&current(&store), PlanRequest::normal()).await else {
        panic!("prevent_destroy must stop a replacement")
    };
    insta::assert_snapshot!(render_diagnostics(&d, &e.module.sources));
    assert!(e.plan(&current(&store), PlanRequest::destroy()).await.is_err());
}

#[tokio::test]
async fn ignore_changes_keeps_the_object_as_it_is() {
    let cfg = |name: &str| {
        format!(
            r#"
resource "fake_network" "n" {{
  cidr_block = "10.0.0.0/16"
  tags       = {{ Name = "{name}" }}
  lifecycle {{
    ignore_changes = [tags]
  }}
}}
"#
        )
    };
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    assert!(apply(&cfg("one"), &cloud, &store).await.succeeded());
    let e = engine(&cfg("two"), &cloud);
    let run = e.plan(&current(&store), PlanRequest::normal()).await.expect("plan");
    assert!(!run.plan.has_changes());
}

/// `ignore_changes = all`: no argument of the configuration is compared with the object any more,
/// neither one updated in place (`tags`) nor one that would replace it (`cidr_block`).
#[tokio::test]
async fn ignore_changes_all_keeps_the_object_as_it_is() {
    let cfg = |cidr: &str, name: &str, ignore: &str| {
        format!(
            r#"
resource "fake_network" "n" {{
  cidr_block = "{cidr}"
  tags       = {{ Name = "{name}" }}
  lifecycle {{
    ignore_changes = {ignore}
  }}
}}
"#
        )
    };
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    assert!(apply(&cfg("10.0.0.0/16", "one", "all"), &cloud, &store).await.succeeded());
    let e = engine(&cfg("10.1.0.0/16", "two", "all"), &cloud);
    let run = e.plan(&current(&store), PlanRequest::normal()).await.expect("plan");
    assert!(!run.plan.has_changes(), "{:?}", run.plan.changes);
    // The same change without `all` replaces the object: the test above is not vacuous.
    let e = engine(&cfg("10.1.0.0/16", "two", "[]"), &cloud);
    let run = e.plan(&current(&store), PlanRequest::normal()).await.expect("plan");
    assert!(run.plan.has_changes());
}

#[tokio::test]
async fn sensitive_values_are_hidden_and_outputs_must_say_so() {
    let cfg = r#"
variable "secret" {
  default   = "hunter2"
  sensitive = true
}
resource "fake_network" "n" {
  cidr_block = "10.0.0.0/16"
  tags       = { Secret = var.secret }
}
output "leak" {
  value = var.secret
}
"#;
    let cloud = Cloud::new();
    let e = engine(cfg, &cloud);
    let Err(crate::EngineError::Config(d)) = e.plan(&new_state(), PlanRequest::normal()).await else {
        panic!("a sensitive output without sensitive = true is an error")
    };
    assert!(render_diagnostics(&d, &e.module.sources).contains("Output refers to sensitive values"));
    let ok = cfg.replace("value = var.secret", "value     = var.secret\n  sensitive = true");
    let e = engine(&ok, &cloud);
    let run = e.plan(&new_state(), PlanRequest::normal()).await.expect("plan");
    let text = crate::render::plan(&run.plan, Default::default());
    assert!(!text.contains("hunter2"), "{text}");
    let json = crate::json::plan(&run.plan).to_string();
    assert!(!json.contains("hunter2"), "{json}");
}

#[tokio::test]
async fn json_plan_has_terraform_shape() {
    let cloud = Cloud::new();
    let e = engine(STACK, &cloud);
    let run = e.plan(&new_state(), PlanRequest::normal()).await.expect("plan");
    let j = crate::json::plan(&run.plan);
    insta::assert_json_snapshot!(j["resource_changes"][1]);
    assert_eq!(j["summary"]["add"], 4);
}

/// `validate` evaluates what is known without the provider, as a plan of an empty state would,
/// and never calls it: a data source is not read, and what depends on one is not an error.
/// A timeout from a variable is checked as soon as its value is known (validate, with the
/// variable's default); one from a value only AWS knows is left to apply.
#[tokio::test]
async fn validate_checks_timeouts_written_as_expressions() {
    let cfg = r#"
variable "create_timeout" {
  type    = string
  default = "forty minutes"
}
variable "update_timeout" {
  type    = number
  default = 40
}
data "fake_zones" "z" {}
resource "fake_network" "n" {
  cidr_block = "10.0.0.0/16"
  timeouts {
    create = var.create_timeout
    update = var.update_timeout
    delete = data.fake_zones.z.names[0]
  }
}
"#;
    let cloud = Cloud::new();
    let provider = provision_core::Providers::one(Arc::new(provision_testkit::FakeProvider::new(&cloud)));
    let (mut module, diags) =
        provision_config::load_files(Path::new("/nonexistent"), vec![("main.tf".into(), cfg.into())], &provider);
    assert!(!diags.has_errors(), "{}", render_diagnostics(&diags, &module.sources));
    let (vars, _) = provision_config::resolve_known_variables(&mut module, &Default::default()).expect("variables");
    let module = Arc::new(module);
    let diags = Engine::validate(provider, module.clone(), vars, crate::tests::options(1)).await;
    insta::assert_snapshot!(render_diagnostics(&diags, &module.sources));
    assert_eq!(cloud.calls(), Vec::<String>::new());
}

#[tokio::test]
async fn validate_checks_known_values_and_calls_nothing() {
    let cfg = r#"
variable "cidr" {
  type = string
}
data "fake_zones" "z" {}
resource "fake_network" "n" {
  cidr_block = var.cidr
  dns        = "maybe"
}
resource "fake_network" "m" {
  count      = -1
  cidr_block = "10.0.0.0/16"
}
resource "fake_subnet" "s" {
  count      = length(data.fake_zones.z.names)
  network_id = fake_network.n.id
  cidr_block = cidrsubnet(var.cidr, 8, count.index)
}
resource "fake_subnet" "t" {
  network_id = fake_network.n.id
  cidr_block = null
}
"#;
    let cloud = Cloud::new();
    let provider = provision_core::Providers::one(Arc::new(provision_testkit::FakeProvider::new(&cloud)));
    let (mut module, diags) =
        provision_config::load_files(Path::new("/nonexistent"), vec![("main.tf".into(), cfg.into())], &provider);
    assert!(!diags.has_errors(), "{}", render_diagnostics(&diags, &module.sources));
    let (vars, _) = provision_config::resolve_known_variables(&mut module, &Default::default()).expect("variables");
    let module = Arc::new(module);
    let diags = Engine::validate(provider, module.clone(), vars, crate::tests::options(1)).await;
    insta::assert_snapshot!(render_diagnostics(&diags, &module.sources));
    assert_eq!(cloud.calls(), Vec::<String>::new());
}
