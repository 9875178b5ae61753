//! Module calls through the engine with the fake provider: a child's resources get its module
//! path, its inputs, locals and outputs are evaluated in graph order, validation and provider
//! passing work, and nested modules behave the same.

use super::*;
use crate::PlanRequest;

const ROOT: &str = r#"
variable "zones" {
  type    = number
  default = 2
}

variable "cidr" {
  type    = string
  default = "10.0.0.0/16"
}

provider "fake" {
  alias  = "west"
  region = "west-1"
}

module "net" {
  source    = "./modules/net"
  cidr      = var.cidr
  name      = "demo"
  zones     = var.zones
  providers = { fake = fake.west }
}

resource "fake_subnet" "extra" {
  network_id = module.net.network_id
  cidr_block = cidrsubnet(module.net.cidr, 8, 9)
  depends_on = [module.net]
}

output "subnets" {
  value = module.net.subnet_ids
}

output "whole" {
  value = module.net
}
"#;

const NET: &str = r#"
variable "cidr" {
  type = string
  validation {
    condition     = can(cidrhost(var.cidr, 0))
    error_message = "cidr must be a CIDR block."
  }
}

variable "name" {
  type = string
}

variable "zones" {
  type    = number
  default = 1
}

locals {
  tags = { Name = var.name, Module = path.module }
}

resource "fake_network" "this" {
  cidr_block = var.cidr
  tags       = local.tags
}

module "subnets" {
  source     = "./subnets"
  network_id = fake_network.this.id
  cidr       = var.cidr
  count_of   = var.zones
}

output "network_id" {
  value = fake_network.this.id
}

output "cidr" {
  value = var.cidr
}

output "subnet_ids" {
  value = module.subnets.ids
}
"#;

const SUBNETS: &str = r#"
variable "network_id" {
  type = string
}

variable "cidr" {
  type = string
}

variable "count_of" {
  type = number
}

resource "fake_subnet" "this" {
  count      = var.count_of
  network_id = var.network_id
  cidr_block = cidrsubnet(var.cidr, 8, count.index)
}

output "ids" {
  value = fake_subnet.this[*].id
}
"#;

/// The configuration written to a directory of its own (modules are read from disk).
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |rel: &str, text: &str| {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    write("main.tf", ROOT);
    write("modules/net/main.tf", NET);
    write("modules/net/subnets/main.tf", SUBNETS);
    dir
}

fn engine_in(dir: &Path, cloud: &Cloud, vars: &[&str]) -> Result<Engine, String> {
    let provider = provision_core::Providers::one(Arc::new(FakeProvider::new(cloud)));
    let loaded = provision_config::load_dir(dir, &provider);
    engine_of(provider, loaded, vars, options(4))
}

#[tokio::test]
async fn a_nested_module_applies_under_its_path_and_then_plans_no_changes() {
    let dir = project();
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    let e = engine_in(dir.path(), &cloud, &[]).expect("engine");
    let r = apply_with(&e, &store, PlanRequest::normal()).await;
    assert!(r.succeeded(), "{r:?}");
    let state = current(&store);
    let mut addresses: Vec<String> = state.resources.iter().map(|r| r.address.to_string()).collect();
    addresses.sort();
    assert_eq!(
        addresses,
        [
            "fake_subnet.extra",
            "module.net.fake_network.this",
            "module.net.module.subnets.fake_subnet.this[0]",
            "module.net.module.subnets.fake_subnet.this[1]",
        ]
    );
    // The input reached the nested module, and `path.module` is the module's directory.
    let (net_id, net) = cloud.objects_at("module.net.fake_network.this").remove(0);
    assert_eq!(net.tags.get("Module").map(String::as_str), Some("modules/net"));
    assert_eq!(attr(&cloud, "module.net.module.subnets.fake_subnet.this[1]", "cidr_block"), Value::from("10.0.1.0/24"));
    // `providers = { fake = fake.west }` holds for the module and the one it calls.
    for r in state.resources.iter().filter(|r| !r.address.module.is_empty()) {
        assert_eq!(r.provider.to_string(), "fake.west", "{}", r.address);
    }
    let extra = state.resources.iter().find(|r| r.address.module.is_empty()).expect("extra");
    assert_eq!(extra.provider.to_string(), "fake");
    // `depends_on = [module.net]` waits for what the module's outputs are made of.
    let t = cloud.timeline();
    let created = |a: &str| t.iter().position(|l| l.starts_with(&format!("end create {a}"))).expect(a);
    let extra_start = t.iter().position(|l| l.starts_with("start create fake_subnet.extra")).expect("extra");
    assert!(extra_start > created("module.net.module.subnets.fake_subnet.this[1]"), "{t:#?}");
    assert_eq!(state.outputs["subnets"].value.as_array().map(Vec::len), Some(2));
    assert_eq!(state.outputs["whole"].value["network_id"], serde_json::json!(net_id));
    assert_eq!(state.outputs["whole"].value["cidr"], serde_json::json!("10.0.0.0/16"));

    let run = e.plan(&current(&store), PlanRequest::normal()).await.expect("plan");
    assert!(!run.plan.has_changes(), "{}", crate::render::plan(&run.plan, crate::render::Style::default()));

    // A new input value flows through two modules into one more subnet.
    let e = engine_in(dir.path(), &cloud, &["zones=3"]).expect("engine");
    let run = e.plan(&current(&store), PlanRequest::normal()).await.expect("plan");
    let text = crate::render::plan(&run.plan, crate::render::Style::default());
    assert!(text.contains("module.net.module.subnets.fake_subnet.this[2] will be created"), "{text}");
    assert_eq!(run.plan.summary().add, 1, "{text}");
}

#[tokio::test]
async fn a_module_input_is_checked_by_its_validation_rule() {
    let dir = project();
    let cloud = Cloud::new();
    let e = engine_in(dir.path(), &cloud, &["cidr=nope"]).expect("engine");
    let err = match e.plan(&new_state(), PlanRequest::normal()).await {
        Err(crate::EngineError::Config(d)) => render_diagnostics(&d, &e.module.sources),
        other => panic!("expected an error, got {:?}", other.map(|r| r.plan)),
    };
    assert!(err.contains("Invalid value for input variable \"cidr\" of module.net"), "{err}");
    assert!(err.contains("cidr must be a CIDR block."), "{err}");
    assert_eq!(err.matches("error:").count(), 1, "one cause, one error:\n{err}");
}

#[tokio::test]
async fn destroying_removes_the_modules_objects() {
    let dir = project();
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    let e = engine_in(dir.path(), &cloud, &[]).expect("engine");
    assert!(apply_with(&e, &store, PlanRequest::normal()).await.succeeded());
    let r = apply_with(&e, &store, PlanRequest::destroy()).await;
    assert!(r.succeeded(), "{r:?}");
    assert!(cloud.objects().is_empty(), "{:#?}", cloud.objects());
    assert!(current(&store).resources.is_empty());
}

const FLAT: &str = r#"
resource "fake_network" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "fake_subnet" "a" {
  count      = 2
  network_id = fake_network.main.id
  cidr_block = cidrsubnet("10.0.0.0/16", 8, count.index)
}
"#;

const INTO_MODULE: &str = r#"
module "net" {
  source = "./net"
}

moved {
  from = fake_network.main
  to   = module.net.fake_network.this
}

moved {
  from = fake_subnet.a
  to   = module.net.fake_subnet.public
}
"#;

const NET_MODULE: &str = r#"
resource "fake_network" "this" {
  cidr_block = "10.0.0.0/16"
}

resource "fake_subnet" "public" {
  count      = 2
  network_id = fake_network.this.id
  cidr_block = cidrsubnet("10.0.0.0/16", 8, count.index)
}
"#;

/// Moving resources into a module with `moved` blocks is a state move: the plan says so and
/// nothing else, applying records the new addresses (dependencies too) with the same ids, and
/// the next plan has no changes.
#[tokio::test]
async fn moved_blocks_move_objects_into_a_module_without_replacing_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("main.tf"), FLAT).expect("write");
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    let e = engine_in(dir.path(), &cloud, &[]).expect("engine");
    assert!(apply_with(&e, &store, PlanRequest::normal()).await.succeeded());
    let ids_before: Vec<String> = {
        let mut ids: Vec<String> = current(&store).resources.iter().map(|o| o.id.clone()).collect();
        ids.sort();
        ids
    };

    std::fs::write(dir.path().join("main.tf"), INTO_MODULE).expect("write");
    std::fs::create_dir(dir.path().join("net")).expect("mkdir");
    std::fs::write(dir.path().join("net/main.tf"), NET_MODULE).expect("write");
    let e = engine_in(dir.path(), &cloud, &[]).expect("engine");
    let run = e.plan(&current(&store), PlanRequest::normal()).await.expect("plan");
    let text = crate::render::plan(&run.plan, crate::render::Style::default());
    assert!(text.contains("# fake_network.main has moved to module.net.fake_network.this"), "{text}");
    assert!(text.contains("# fake_subnet.a[1] has moved to module.net.fake_subnet.public[1]"), "{text}");
    assert!(text.contains("Plan: 3 objects moved, 0 objects forgotten; nothing changes in AWS."), "{text}");
    assert_eq!(run.plan.summary(), provision_core::plan::Summary::default(), "{text}");

    let r = e.apply(run, &store, &Cancel::default()).await.expect("apply");
    assert!(r.succeeded(), "{r:?}");
    let state = current(&store);
    let mut addresses: Vec<String> = state.resources.iter().map(|o| o.address.to_string()).collect();
    addresses.sort();
    assert_eq!(
        addresses,
        ["module.net.fake_network.this", "module.net.fake_subnet.public[0]", "module.net.fake_subnet.public[1]"]
    );
    let mut ids: Vec<String> = state.resources.iter().map(|o| o.id.clone()).collect();
    ids.sort();
    assert_eq!(ids, ids_before, "every object kept its id");
    let subnet = state.current(&"module.net.fake_subnet.public[0]".parse().expect("address")).expect("subnet");
    assert_eq!(
        subnet.dependencies,
        vec!["module.net.fake_network.this".parse::<provision_core::Address>().expect("a")]
    );
    let run = e.plan(&current(&store), PlanRequest::normal()).await.expect("plan");
    assert!(!run.plan.has_changes(), "{}", crate::render::plan(&run.plan, crate::render::Style::default()));
}

/// `moved` blocks are checked before anything runs.
#[tokio::test]
async fn moved_blocks_that_cannot_be_right_are_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = format!(
        "{FLAT}\nmoved {{\n  from = fake_network.main\n  to   = fake_network.primary\n}}\nmoved {{\n  from = fake_network.old\n  to   = fake_subnet.b\n}}\nmoved {{\n  from = fake_subnet.gone\n  to   = fake_subnet.nowhere\n}}\nremoved {{\n  from = fake_subnet.a\n  lifecycle {{\n    destroy = false\n  }}\n}}\n"
    );
    std::fs::write(dir.path().join("main.tf"), config).expect("write");
    let err = match engine_in(dir.path(), &Cloud::new(), &[]) {
        Err(e) => e,
        Ok(_) => panic!("expected errors"),
    };
    assert!(err.contains("fake_network.main is still in the configuration"), "{err}");
    assert!(err.contains("fake_network.old and fake_subnet.b are of different types"), "{err}");
    assert!(err.contains("nothing in the configuration is at fake_subnet.nowhere"), "{err}");
    assert!(err.contains("fake_subnet.a is still in the configuration: delete its block"), "{err}");
}

/// A `removed` block with `destroy = false` forgets the objects and leaves them in AWS; the next
/// plan has no changes and the objects are still there.
#[tokio::test]
async fn removed_blocks_forget_without_destroying() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("main.tf"), FLAT).expect("write");
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    let e = engine_in(dir.path(), &cloud, &[]).expect("engine");
    assert!(apply_with(&e, &store, PlanRequest::normal()).await.succeeded());
    let kept = r#"
resource "fake_network" "main" {
  cidr_block = "10.0.0.0/16"
}

removed {
  from = fake_subnet.a
  lifecycle {
    destroy = false
  }
}
"#;
    std::fs::write(dir.path().join("main.tf"), kept).expect("write");
    let e = engine_in(dir.path(), &cloud, &[]).expect("engine");
    let run = e.plan(&current(&store), PlanRequest::normal()).await.expect("plan");
    let text = crate::render::plan(&run.plan, crate::render::Style::default());
    assert!(text.contains("# fake_subnet.a[1] will no longer be managed by provision"), "{text}");
    assert!(text.contains("Plan: 0 objects moved, 2 objects forgotten; nothing changes in AWS."), "{text}");
    assert!(e.apply(run, &store, &Cancel::default()).await.expect("apply").succeeded());
    assert_eq!(current(&store).resources.len(), 1, "only the network is still managed");
    assert_eq!(cloud.objects_at("fake_subnet.a[0]").len(), 1, "the subnet is still in the cloud");
    let run = e.plan(&current(&store), PlanRequest::normal()).await.expect("plan");
    assert!(!run.plan.has_changes());
}

/// A plan-time error inside a module says which call it came through, as a load-time one does:
/// here `cidrsubnet` fails in module.net.module.subnets, and in the root module (no note there).
#[tokio::test]
async fn a_plan_time_error_in_a_module_names_the_call_chain() {
    let dir = project();
    let cloud = Cloud::new();
    let e = engine_in(dir.path(), &cloud, &["cidr=10.0.0.0/28"]).expect("engine");
    let err = match e.plan(&new_state(), PlanRequest::normal()).await {
        Err(crate::EngineError::Config(d)) => render_diagnostics(&d, &e.module.sources),
        other => panic!("expected an error, got {:?}", other.map(|r| r.plan)),
    };
    let errors: Vec<&str> = err.split("error:").skip(1).collect();
    let nested: Vec<&&str> = errors.iter().filter(|e| e.contains("modules/net/subnets/main.tf")).collect();
    assert!(!nested.is_empty(), "{err}");
    for e in nested {
        assert!(
            e.contains("in module.net.module.subnets, called at modules/net/main.tf:28:8, from main.tf:17:8"),
            "{err}"
        );
    }
    let root: Vec<&&str> = errors.iter().filter(|e| e.contains("┌─ main.tf")).collect();
    assert!(root.iter().all(|e| !e.contains("in module.")), "{err}");
}
