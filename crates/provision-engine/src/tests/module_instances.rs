//! Module calls with `count` and `for_each` through the engine with the fake provider: one copy
//! of the module per key under `module.NAME[KEY]`, keys added and removed later touching only
//! their own objects, nested counted calls, the caller reading the instances' outputs, and
//! `moved` from a call without keys to one instance.

use super::*;
use crate::PlanRequest;

const ROOT: &str = r#"
variable "services" {
  type    = map(string)
  default = { api = "10.1.0.0/16", web = "10.2.0.0/16" }
}

module "svc" {
  source   = "./modules/svc"
  for_each = var.services
  name     = each.key
  cidr     = each.value
}

resource "fake_subnet" "first" {
  network_id = module.svc["api"].network_id
  cidr_block = cidrsubnet(module.svc["api"].cidr, 8, 1)
  depends_on = [module.svc]
}

output "ids" {
  value = { for k, m in module.svc : k => m.network_id }
}

output "names" {
  value = [for m in values(module.svc) : m.name]
}
"#;

const SVC: &str = r#"
variable "name" {
  type = string
}

variable "cidr" {
  type = string
}

resource "fake_network" "this" {
  cidr_block = var.cidr
  tags       = { Name = var.name }
}

output "network_id" {
  value = fake_network.this.id
}

output "cidr" {
  value = var.cidr
}

output "name" {
  value = var.name
}
"#;

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (rel, text) in files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    dir
}

fn engine_in(dir: &Path, cloud: &Cloud, vars: &[&str]) -> Result<Engine, String> {
    let provider = provision_core::Providers::one(Arc::new(FakeProvider::new(cloud)));
    let loaded = provision_config::load_dir(dir, &provider);
    engine_of(provider, loaded, vars, options(4))
}

fn addresses(store: &MemoryStore) -> Vec<String> {
    let mut out: Vec<String> = current(store).resources.iter().map(|r| r.address.to_string()).collect();
    out.sort();
    out
}

/// The plan's text and summary, and whether it has any change at all (outputs included).
async fn plan_text(e: &Engine, store: &MemoryStore) -> (String, provision_core::plan::Summary, bool) {
    let run = e.plan(&current(store), PlanRequest::normal()).await.expect("plan");
    (crate::render::plan(&run.plan, crate::render::Style::default()), run.plan.summary(), run.plan.has_changes())
}

/// Two keys make two copies of the module under their keys; the caller reads one instance's
/// outputs, all of them with a `for` expression, and waits for all with `depends_on`. Adding a
/// key plans only its objects; removing one plans only its destroy.
#[tokio::test]
async fn for_each_makes_one_instance_per_key_and_keys_come_and_go_alone() {
    let dir = project(&[("main.tf", ROOT), ("modules/svc/main.tf", SVC)]);
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    let e = engine_in(dir.path(), &cloud, &[]).expect("engine");
    let (text, summary, _) = plan_text(&e, &store).await;
    assert!(text.contains("module.svc[\"api\"].fake_network.this will be created"), "{text}");
    assert!(text.contains("module.svc[\"web\"].fake_network.this will be created"), "{text}");
    assert_eq!(summary.add, 3, "{text}");
    let r = apply_with(&e, &store, PlanRequest::normal()).await;
    assert!(r.succeeded(), "{r:?}");
    assert_eq!(
        addresses(&store),
        ["fake_subnet.first", "module.svc[\"api\"].fake_network.this", "module.svc[\"web\"].fake_network.this"]
    );
    // each.key and each.value reached the instances.
    assert_eq!(attr(&cloud, "module.svc[\"web\"].fake_network.this", "cidr_block"), Value::from("10.2.0.0/16"));
    assert_eq!(attr(&cloud, "fake_subnet.first", "cidr_block"), Value::from("10.1.1.0/24"));
    let state = current(&store);
    let api_id = cloud.objects_at("module.svc[\"api\"].fake_network.this").remove(0).0;
    assert_eq!(state.outputs["ids"].value["api"], serde_json::json!(api_id));
    assert_eq!(state.outputs["names"].value, serde_json::json!(["api", "web"]));
    // `depends_on = [module.svc]` waits for every instance.
    let t = cloud.timeline();
    let first = t.iter().position(|l| l.starts_with("start create fake_subnet.first")).expect("first");
    let web = t.iter().position(|l| l.starts_with("end create module.svc[\"web\"]")).expect("web");
    assert!(first > web, "{t:#?}");
    let (text, _, changes) = plan_text(&e, &store).await;
    assert!(!changes, "{text}");

    // A third key: only its objects.
    let three = r#"services={ api = "10.1.0.0/16", web = "10.2.0.0/16", jobs = "10.3.0.0/16" }"#;
    let e = engine_in(dir.path(), &cloud, &[three]).expect("engine");
    let (text, summary, _) = plan_text(&e, &store).await;
    assert!(text.contains("module.svc[\"jobs\"].fake_network.this will be created"), "{text}");
    assert_eq!((summary.add, summary.change, summary.destroy), (1, 0, 0), "{text}");
    assert!(apply_with(&e, &store, PlanRequest::normal()).await.succeeded());
    assert_eq!(current(&store).outputs["names"].value, serde_json::json!(["api", "jobs", "web"]));

    // Removing one: only its destroy.
    let two = r#"services={ api = "10.1.0.0/16", jobs = "10.3.0.0/16" }"#;
    let e = engine_in(dir.path(), &cloud, &[two]).expect("engine");
    let (text, summary, _) = plan_text(&e, &store).await;
    assert!(text.contains("module.svc[\"web\"].fake_network.this will be destroyed"), "{text}");
    assert_eq!((summary.add, summary.change, summary.destroy), (0, 0, 1), "{text}");
    assert!(apply_with(&e, &store, PlanRequest::normal()).await.succeeded());
    assert_eq!(
        addresses(&store),
        ["fake_subnet.first", "module.svc[\"api\"].fake_network.this", "module.svc[\"jobs\"].fake_network.this"]
    );
}

const COUNTED: &str = r#"
variable "zones" {
  type    = number
  default = 2
}

module "zone" {
  source = "./modules/zone"
  count  = var.zones
  index  = count.index
}

output "cidrs" {
  value = module.zone[*].cidr
}

output "second" {
  value = try(module.zone[1].cidr, "none")
}
"#;

const ZONE: &str = r#"
variable "index" {
  type = number
}

resource "fake_network" "this" {
  cidr_block = "10.${var.index}.0.0/16"
}

output "cidr" {
  value = fake_network.this.cidr_block
}
"#;

/// `count` makes `module.NAME[0]`, `[1]`, ...; `count.index` reaches the inputs, and the caller
/// reads the instances as a list.
#[tokio::test]
async fn count_makes_numbered_instances() {
    let dir = project(&[("main.tf", COUNTED), ("modules/zone/main.tf", ZONE)]);
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    let e = engine_in(dir.path(), &cloud, &[]).expect("engine");
    assert!(apply_with(&e, &store, PlanRequest::normal()).await.succeeded());
    assert_eq!(addresses(&store), ["module.zone[0].fake_network.this", "module.zone[1].fake_network.this"]);
    let state = current(&store);
    assert_eq!(state.outputs["cidrs"].value, serde_json::json!(["10.0.0.0/16", "10.1.0.0/16"]));
    assert_eq!(state.outputs["second"].value, serde_json::json!("10.1.0.0/16"));
    let (text, _, changes) = plan_text(&e, &store).await;
    assert!(!changes, "{text}");
    // count = 0: every instance goes.
    let e = engine_in(dir.path(), &cloud, &["zones=0"]).expect("engine");
    let (text, summary, _) = plan_text(&e, &store).await;
    assert_eq!((summary.add, summary.destroy), (0, 2), "{text}");
    assert!(text.contains("\"10.1.0.0/16\" -> \"none\""), "{text}");
}

const NESTED_ROOT: &str = r#"
module "app" {
  source   = "./modules/app"
  for_each = { x = 1, y = 2 }
  copies   = each.value
}

output "all" {
  value = { for k, m in module.app : k => m.cidrs }
}
"#;

const APP: &str = r#"
variable "copies" {
  type = number
}

module "net" {
  source = "../net"
  count  = var.copies
  cidr   = "10.${var.copies}.${count.index}.0/24"
}

output "cidrs" {
  value = module.net[*].cidr
}
"#;

const NET: &str = r#"
variable "cidr" {
  type = string
}

resource "fake_network" "this" {
  cidr_block = var.cidr
}

output "cidr" {
  value = fake_network.this.cidr_block
}
"#;

/// A counted call inside a for_each'ed one: its count comes from the instance's input, and the
/// nested objects carry both keys.
#[tokio::test]
async fn nested_counted_calls_carry_every_key() {
    let dir = project(&[("main.tf", NESTED_ROOT), ("modules/app/main.tf", APP), ("modules/net/main.tf", NET)]);
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    let e = engine_in(dir.path(), &cloud, &[]).expect("engine");
    assert!(apply_with(&e, &store, PlanRequest::normal()).await.succeeded());
    assert_eq!(
        addresses(&store),
        [
            "module.app[\"x\"].module.net[0].fake_network.this",
            "module.app[\"y\"].module.net[0].fake_network.this",
            "module.app[\"y\"].module.net[1].fake_network.this",
        ]
    );
    assert_eq!(
        current(&store).outputs["all"].value,
        serde_json::json!({ "x": ["10.1.0.0/24"], "y": ["10.2.0.0/24", "10.2.1.0/24"] })
    );
    let (text, _, changes) = plan_text(&e, &store).await;
    assert!(!changes, "{text}");
}

/// Adding `for_each` to a call that had none, with `moved { from = module.a to = module.a["x"] }`,
/// is a state move: no destroy, no create.
#[tokio::test]
async fn moved_into_an_instance_is_a_state_move() {
    let single = "module \"svc\" {\n  source = \"./modules/svc\"\n  name   = \"api\"\n  cidr   = \"10.1.0.0/16\"\n}\n";
    let dir = project(&[("main.tf", single), ("modules/svc/main.tf", SVC)]);
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    let e = engine_in(dir.path(), &cloud, &[]).expect("engine");
    assert!(apply_with(&e, &store, PlanRequest::normal()).await.succeeded());
    let id = current(&store).resources[0].id.clone();
    let keyed = r#"
module "svc" {
  source   = "./modules/svc"
  for_each = toset(["api"])
  name     = each.key
  cidr     = "10.1.0.0/16"
}

moved {
  from = module.svc
  to   = module.svc["api"]
}
"#;
    std::fs::write(dir.path().join("main.tf"), keyed).expect("write");
    let e = engine_in(dir.path(), &cloud, &[]).expect("engine");
    let run = e.plan(&current(&store), PlanRequest::normal()).await.expect("plan");
    let text = crate::render::plan(&run.plan, crate::render::Style::default());
    assert!(
        text.contains("# module.svc.fake_network.this has moved to module.svc[\"api\"].fake_network.this"),
        "{text}"
    );
    assert_eq!(run.plan.summary(), provision_core::plan::Summary::default(), "{text}");
    assert!(e.apply(run, &store, &Cancel::default()).await.expect("apply").succeeded());
    assert_eq!(addresses(&store), ["module.svc[\"api\"].fake_network.this"]);
    assert_eq!(current(&store).resources[0].id, id, "the object kept its id");
    let (text, _, changes) = plan_text(&e, &store).await;
    assert!(!changes, "{text}");
}

/// Keys that only a plan could know are refused with Terraform's error, at the expression.
#[tokio::test]
async fn keys_from_a_resource_are_refused_before_planning() {
    let root = r#"
resource "fake_network" "main" {
  cidr_block = "10.0.0.0/16"
}

locals {
  names = toset([fake_network.main.id])
}

module "svc" {
  source   = "./modules/svc"
  for_each = local.names
  name     = each.key
  cidr     = "10.1.0.0/16"
}
"#;
    let dir = project(&[("main.tf", root), ("modules/svc/main.tf", SVC)]);
    let err = match engine_in(dir.path(), &Cloud::new(), &[]) {
        Err(e) => e,
        Ok(_) => panic!("expected an error"),
    };
    assert!(err.contains("Invalid for_each argument"), "{err}");
    assert!(err.contains("derived from resource attributes that cannot be determined until apply"), "{err}");
    assert!(err.contains("the instances of module.svc"), "{err}");
    assert!(err.contains("main.tf:12:14"), "{err}");
    assert!(err.contains("fake_network.main is read here"), "{err}");
    assert_eq!(err.matches("error:").count(), 1, "one cause, one error:\n{err}");
}

/// A reference to a key the call does not have is an error at the reference.
#[tokio::test]
async fn a_missing_key_in_a_reference_is_an_error() {
    let root = format!("{ROOT}\noutput \"nope\" {{\n  value = module.svc[\"db\"].network_id\n}}\n");
    let dir = project(&[("main.tf", &root), ("modules/svc/main.tf", SVC)]);
    let cloud = Cloud::new();
    let e = engine_in(dir.path(), &cloud, &[]).expect("engine");
    let err = match e.plan(&new_state(), PlanRequest::normal()).await {
        Err(crate::EngineError::Config(d)) => render_diagnostics(&d, &e.module.sources),
        other => panic!("expected an error, got {:?}", other.map(|r| r.plan)),
    };
    assert!(err.contains("the map has no element with the key \"db\""), "{err}");
    assert_eq!(err.matches("error:").count(), 1, "one cause, one error:\n{err}");
}

/// `depends_on` on a counted call makes every instance's objects wait; `providers` passes a
/// configuration to every instance.
#[tokio::test]
async fn depends_on_and_providers_hold_for_every_instance() {
    let root = r#"
provider "fake" {
  alias  = "west"
  region = "west-1"
}

resource "fake_network" "first" {
  cidr_block = "10.9.0.0/16"
}

module "zone" {
  source     = "./modules/zone"
  count      = 2
  index      = count.index
  providers  = { fake = fake.west }
  depends_on = [fake_network.first]
}
"#;
    let dir = project(&[("main.tf", root), ("modules/zone/main.tf", ZONE)]);
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    let e = engine_in(dir.path(), &cloud, &[]).expect("engine");
    assert!(apply_with(&e, &store, PlanRequest::normal()).await.succeeded());
    let t = cloud.timeline();
    let first = t.iter().position(|l| l.starts_with("end create fake_network.first")).expect("first");
    for i in 0..2 {
        let start = format!("start create module.zone[{i}].fake_network.this");
        let zone = t.iter().position(|l| l.starts_with(&start)).expect("zone");
        assert!(zone > first, "{t:#?}");
    }
    for r in current(&store).resources.iter().filter(|r| !r.address.module.is_empty()) {
        assert_eq!(r.provider.to_string(), "fake.west", "{}", r.address);
    }
}
