//! `-target`, `-replace` and `-refresh-only` as the engine sees them: data in the plan request.
//! What a targeted plan covers (the target and what it depends on; for a destroy, what depends
//! on it), a replacement nobody's change caused (with what the provider chose for the old object
//! shown as unknown), and a refresh that changes nothing in the cloud.

use super::*;
use crate::PlanRequest;
use crate::render::{Style, plan as render};
use provision_core::Address;
use provision_core::plan::{Action, PlanMode, Reason, ReplaceOrder};

const NETWORK: &str = r#"
resource "fake_network" "n" {
  cidr_block = "10.0.0.0/16"
}
resource "fake_subnet" "a" {
  network_id = fake_network.n.id
  cidr_block = "10.0.1.0/24"
}
resource "fake_subnet" "b" {
  network_id = fake_network.n.id
  cidr_block = "10.0.2.0/24"
}
resource "fake_bucket" "logs" {
  name_prefix = "logs-"
}
"#;

fn addr(s: &str) -> Address {
    s.parse().expect("address")
}

fn planned(run: &crate::PlannedRun) -> Vec<String> {
    run.plan.changes.iter().filter(|c| c.action.is_change()).map(|c| c.address.to_string()).collect()
}

#[tokio::test]
async fn a_target_brings_what_it_depends_on_and_nothing_else() {
    let (cloud, store) = (Cloud::new(), MemoryStore::new(&Cloud::new()));
    let e = engine(NETWORK, &cloud);
    let req = PlanRequest::normal().with_targets(vec![addr("fake_subnet.a")]);
    let run = e.plan(&current(&store), req.clone()).await.expect("plan");
    assert_eq!(planned(&run), vec!["fake_network.n", "fake_subnet.a"]);
    apply_with(&e, &store, req).await;
    let state = current(&store);
    let recorded: Vec<String> = state.resources.iter().map(|o| o.address.to_string()).collect();
    assert_eq!(recorded, vec!["fake_network.n", "fake_subnet.a"]);

    // The rest, then a targeted destroy: the target and everything that depends on it.
    apply(NETWORK, &cloud, &store).await;
    let req = PlanRequest::destroy().with_targets(vec![addr("fake_network.n")]);
    let run = e.plan(&current(&store), req).await.expect("plan");
    assert_eq!(planned(&run), vec!["fake_network.n", "fake_subnet.a", "fake_subnet.b"]);
    let req = PlanRequest::destroy().with_targets(vec![addr("fake_subnet.b")]);
    let run = e.plan(&current(&store), req).await.expect("plan");
    assert_eq!(planned(&run), vec!["fake_subnet.b"]);

    // A target that names nothing is an error.
    let req = PlanRequest::normal().with_targets(vec![addr("fake_subnet.c")]);
    let err = e.plan(&current(&store), req).await.err().expect("refused");
    assert!(format!("{err}").contains("Invalid target fake_subnet.c"), "{err}");
}

#[tokio::test]
async fn replace_makes_a_new_object_and_shows_what_the_provider_chooses_as_unknown() {
    let (cloud, store) = (Cloud::new(), MemoryStore::new(&Cloud::new()));
    apply(NETWORK, &cloud, &store).await;
    let old = current(&store).current(&addr("fake_bucket.logs")).map(|o| o.id.clone()).expect("bucket");
    let e = engine(NETWORK, &cloud);
    let req = PlanRequest::normal().with_replace(vec![addr("fake_bucket.logs")]);
    let run = e.plan(&current(&store), req.clone()).await.expect("plan");
    assert_eq!(planned(&run), vec!["fake_bucket.logs"]);
    let c = run.plan.change(&addr("fake_bucket.logs")).expect("change");
    assert_eq!(c.action, Action::Replace(ReplaceOrder::DestroyBeforeCreate));
    assert_eq!(c.reason, Some(Reason::ReplaceRequested));
    let after = c.after.as_ref().expect("after");
    // The name generated from name_prefix and the id belong to the old bucket.
    for a in ["name", "id"] {
        assert!(after[a].is_unknown(), "{a} must be unknown: {:?}", after[a]);
    }
    let text = render(&run.plan, Style::default());
    assert!(text.contains("# fake_bucket.logs will be replaced, as requested"), "{text}");
    let name_line = text.lines().find(|l| l.trim_start().starts_with("~ name ")).unwrap_or_default();
    assert!(name_line.ends_with("-> (known after apply)"), "{text}");
    apply_with(&e, &store, req).await;
    let new = current(&store).current(&addr("fake_bucket.logs")).map(|o| o.id.clone()).expect("bucket");
    assert_ne!(old, new);
}

#[tokio::test]
async fn a_replacement_forced_by_a_region_move_recomputes_generated_names() {
    // Another path to a replacement (an object moving to another provider configuration) goes
    // through the same rule: what the provider generated for the old object is not kept.
    let config = r#"
provider "fake" {}

provider "fake" {
  alias  = "west"
  region = "fake-2"
}

resource "fake_bucket" "logs" {
  provider    = fake.west
  name_prefix = "logs-"
}
"#;
    let (cloud, store) = (Cloud::new(), MemoryStore::new(&Cloud::new()));
    apply(config, &cloud, &store).await;
    let moved = config.replace("  provider    = fake.west\n", "");
    let e = engine(&moved, &cloud);
    let run = e.plan(&current(&store), PlanRequest::normal()).await.expect("plan");
    let c = run.plan.change(&addr("fake_bucket.logs")).expect("change");
    assert!(matches!(c.action, Action::Replace(_)), "{:?}", c.action);
    assert!(c.after.as_ref().expect("after")["name"].is_unknown(), "{:?}", c.after);
}

#[tokio::test]
async fn refresh_only_records_what_the_cloud_has_and_changes_nothing() {
    let (cloud, store) = (Cloud::new(), MemoryStore::new(&Cloud::new()));
    apply(NETWORK, &cloud, &store).await;
    let id = current(&store).current(&addr("fake_network.n")).map(|o| o.id.clone()).expect("network");
    cloud.tamper(&id, |o| {
        o.attrs.insert("dns".into(), false.into());
    });
    let sub = current(&store).current(&addr("fake_subnet.b")).map(|o| o.id.clone()).expect("subnet");
    cloud.remove(&sub);
    let e = engine(NETWORK, &cloud);
    let run = e.plan(&current(&store), PlanRequest::refresh_only()).await.expect("plan");
    assert_eq!(run.plan.mode, PlanMode::RefreshOnly);
    assert!(planned(&run).is_empty(), "{:?}", planned(&run));
    assert_eq!(run.plan.drift.len(), 2);
    let text = render(&run.plan, Style::default());
    assert!(text.contains("This is a refresh-only plan"), "{text}");
    cloud.clear_calls();
    let report = apply_with(&e, &store, PlanRequest::refresh_only()).await;
    assert!(report.failures.is_empty());
    let writes: Vec<String> = cloud.calls().into_iter().filter(|c| !c.starts_with("read")).collect();
    assert!(writes.is_empty(), "no cloud call but reads: {writes:?}");
    let state = current(&store);
    assert!(state.current(&addr("fake_subnet.b")).is_none(), "the deleted subnet is forgotten");
    let n = state.current(&addr("fake_network.n")).expect("network");
    assert_eq!(n.attributes["dns"], Value::Bool(false), "the state records what the cloud has");
}
