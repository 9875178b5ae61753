//! The provider contract's promises, against the fake provider: creates that take several calls
//! are finished after a crash, objects found by name or by content, deadlines, heartbeats, a
//! second interrupt, several regions in one run, and what a provider must never get away with.

use super::crash::crash_everywhere_then;
use super::*;
use crate::{Event, Op, RecoveryOutcome};
use provision_core::state::PendingCreate;
use provision_core::{ProviderRef, tags};
use provision_testkit::fake::{ALLOW_ALL, DEFAULT_REGION};
use std::collections::BTreeMap;

/// A firewall (created in two calls), a named bucket, a bucket with a generated name and an
/// untaggable rule.
const CONTRACT: &str = r#"
resource "fake_network" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "fake_firewall" "db" {
  network_id = fake_network.main.id
}

resource "fake_bucket" "logs" {
  name = "acme-logs"
}

resource "fake_bucket" "uploads" {
  name_prefix = "uploads-"
}

resource "fake_rule" "office" {
  network_id = fake_network.main.id
  cidr_block = "192.0.2.0/24"
}
"#;

fn no_allow_all(cloud: &Cloud) {
    for (id, o) in cloud.objects() {
        if o.type_name == "fake_firewall" {
            let rules = o.attrs.get("rules").and_then(Value::as_seq).unwrap_or_default();
            assert!(
                !rules.iter().any(|r| r.as_str() == Some(ALLOW_ALL)),
                "firewall {id} still allows everything after recovery: {rules:?}"
            );
        }
    }
}

#[tokio::test]
async fn crash_at_every_step_of_creates_by_tag_name_and_content_and_in_several_calls() {
    crash_everywhere_then("", CONTRACT, CONTRACT, false, no_allow_all).await;
}

#[tokio::test]
async fn an_untaggable_object_whose_block_is_gone_by_the_next_run_is_deleted_not_orphaned() {
    let without_rule = CONTRACT.split("resource \"fake_rule\"").next().unwrap_or_default().to_string();
    crash_everywhere_then("", CONTRACT, &without_rule, false, |cloud| {
        let rules: Vec<_> = cloud.objects().into_values().filter(|o| o.type_name == "fake_rule").collect();
        assert!(rules.is_empty(), "an untaggable rule was orphaned: {rules:?}");
    })
    .await;
}

#[tokio::test]
async fn an_adopted_multi_step_create_is_shown_as_finishing_and_then_finished() {
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    // The second call of the firewall's create fails: the object exists with its default rule.
    cloud.fail("settle", "fake_firewall", "throttled");
    let r = apply(CONTRACT, &cloud, &store).await;
    assert!(!r.succeeded());
    let state = current(&store);
    let fw = state.current(&"fake_firewall.db".parse().expect("address")).expect("the firewall is tracked");
    assert!(fw.unfinished, "an object adopted between its create calls is marked unfinished");
    cloud.clear_failures();
    let text = plan_text(CONTRACT, &cloud, &store).await;
    assert!(text.contains("its creation was interrupted"), "{text}");
    assert!(text.contains("fake_firewall.db will be updated in-place"), "{text}");
    let r = apply(CONTRACT, &cloud, &store).await;
    assert!(r.succeeded(), "{r:?}");
    no_allow_all(&cloud);
    assert!(cloud.calls().iter().any(|c| c.starts_with("finish fake_firewall")));
    assert!(!plan_text(CONTRACT, &cloud, &store).await.contains("will be"), "converged");
}

fn pending_bucket(name: &str) -> PendingCreate {
    PendingCreate {
        address: "fake_bucket.logs".parse().expect("address"),
        token: "t".into(),
        started_at: "2026-01-01T00:00:00Z".into(),
        dependencies: vec![],
        provider: ProviderRef::default_for("fake"),
        natural_key: Some(name.into()),
        desired: BTreeMap::from([("name".to_string(), Value::String(name.into()))]),
        layer: Default::default(),
    }
}

#[tokio::test]
async fn recovery_by_name_adopts_our_object() {
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    let mut state = new_state();
    let ours = BTreeMap::from([
        (tags::STACK.to_string(), state.lineage.clone()),
        (tags::ADDRESS.to_string(), "fake_bucket.logs".to_string()),
    ]);
    let id = cloud.insert("fake_bucket", BTreeMap::from([("name".to_string(), "acme-logs".into())]), ours);
    state.pending.push(pending_bucket("acme-logs"));
    let e = engine(CONTRACT, &cloud);
    let out = e.recover(&mut state, &store).await.expect("recover");
    assert_eq!(out[0].outcome, RecoveryOutcome::Adopted { id: id.clone() });
    assert_eq!(state.current(&"fake_bucket.logs".parse().expect("address")).map(|o| o.id.clone()), Some(id));
    assert!(cloud.calls().iter().any(|c| c == "find fake_bucket.logs"));
}

#[tokio::test]
async fn recovery_by_name_refuses_someone_elses_object_with_the_same_name() {
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    let mut state = new_state();
    let id = cloud.insert("fake_bucket", BTreeMap::from([("name".to_string(), "acme-logs".into())]), BTreeMap::new());
    state.pending.push(pending_bucket("acme-logs"));
    let e = engine(CONTRACT, &cloud);
    let out = e.recover(&mut state, &store).await.expect("recover");
    match &out[0].outcome {
        RecoveryOutcome::Conflict { message } => {
            assert!(message.contains("fake_bucket.logs") && message.contains(&id), "{message}");
            assert!(message.contains("no provision tags"), "{message}");
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert!(state.resources.is_empty(), "someone else's object must not be adopted");
    assert!(state.pending.is_empty());
    assert!(cloud.objects().contains_key(&id), "and it is left alone");
}

const SLOW: &str = r#"
resource "fake_network" "main" {
  cidr_block = "10.0.0.0/16"
  timeouts {
    create = "300ms"
  }
}
"#;

#[tokio::test]
async fn a_passed_deadline_names_the_resource_its_status_and_keeps_the_object_tracked() {
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    cloud.set_ready_delay(Duration::from_secs(30));
    let started = std::time::Instant::now();
    let r = apply(SLOW, &cloud, &store).await;
    assert!(started.elapsed() < Duration::from_secs(10), "the deadline must stop the wait");
    let failure = r.failures.first().expect("the create fails");
    assert!(
        failure.message.contains("fake_network.main did not finish within its create timeout of 300ms"),
        "{}",
        failure.message
    );
    assert!(failure.message.contains("it was last pending"), "{}", failure.message);
    let id = cloud.objects().into_keys().next().expect("the object was made");
    assert_eq!(current(&store).current(&"fake_network.main".parse().expect("address")).map(|o| o.id.clone()), Some(id));
    assert!(current(&store).pending.is_empty());
}

/// A timeout written as an expression (a module's `create = var.create_timeout`, as public
/// modules write them) is evaluated with the instance and applies like a literal one.
#[tokio::test]
async fn a_timeout_from_a_variable_is_the_deadline() {
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    cloud.set_ready_delay(Duration::from_secs(30));
    let config = r#"
variable "create_timeout" {
  type    = string
  default = "300ms"
}

variable "delete_timeout" {
  type    = string
  default = null
}

resource "fake_network" "main" {
  cidr_block = "10.0.0.0/16"
  timeouts {
    create = var.create_timeout
    delete = var.delete_timeout
  }
}
"#;
    let started = std::time::Instant::now();
    let r = apply(config, &cloud, &store).await;
    assert!(started.elapsed() < Duration::from_secs(10), "the deadline must stop the wait");
    let failure = r.failures.first().expect("the create fails");
    assert!(
        failure.message.contains("fake_network.main did not finish within its create timeout of 300ms"),
        "{}",
        failure.message
    );
}

#[tokio::test]
async fn heartbeats_and_statuses_reach_the_reporter() {
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    cloud.set_ready_delay(Duration::from_millis(400));
    let mut opts = options(1);
    opts.heartbeat = Duration::from_millis(50);
    let rec = Arc::new(Recorder::default());
    let e = engine_reporting(SLOW.replace("300ms", "1m").as_str(), &cloud, opts, rec.clone());
    let r = apply_with(&e, &store, PlanRequest::normal()).await;
    assert!(r.succeeded(), "{r:?}");
    let events = rec.events();
    let beats = events
        .iter()
        .filter(|e| matches!(e, Event::OpStillRunning { op: Op::Create, status: Some(s), .. } if s == "pending"))
        .count();
    assert!(beats >= 3, "expected a heartbeat every 50 ms of a 400 ms create, got {beats}: {events:?}");
    assert!(events.iter().any(|e| matches!(e, Event::OpStatus { status, .. } if status == "available")));
}

#[tokio::test]
async fn a_second_interrupt_stops_waiting_and_the_next_run_adopts_what_finished() {
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    cloud.set_ready_delay(Duration::from_secs(60));
    let config = SLOW.replace("300ms", "1h");
    let e = engine(&config, &cloud);
    let state = current(&store);
    let run = e.plan(&state, PlanRequest::normal()).await.expect("plan");
    let cancel = Cancel::default();
    let started = std::time::Instant::now();
    let interrupt = {
        let cancel = cancel.clone();
        async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            cancel.cancel();
            tokio::time::sleep(Duration::from_millis(100)).await;
            cancel.cancel();
        }
    };
    let (report, ()) = tokio::join!(e.apply(run, &store, &cancel), interrupt);
    let report = report.expect("apply");
    assert!(started.elapsed() < Duration::from_secs(10), "the second interrupt must stop the wait");
    assert_eq!(report.abandoned, vec![("fake_network.main".parse().expect("address"), Op::Create)]);
    assert_eq!(current(&store).pending.len(), 1, "the pending record stays durable");
    assert_eq!(cloud.objects().len(), 1);
    // The next run: AWS finished meanwhile; the object is adopted, not made twice.
    cloud.set_ready_delay(Duration::ZERO);
    let r = apply(&config, &cloud, &store).await;
    assert!(r.succeeded(), "{r:?}");
    assert_consistent(&cloud, &store);
    assert_eq!(cloud.objects().len(), 1);
}

const REGIONS: &str = r#"
provider "fake" {}

provider "fake" {
  alias  = "west"
  region = "fake-2"
}

resource "fake_network" "home" {
  cidr_block = "10.0.0.0/16"
}

resource "fake_network" "edge" {
  provider   = fake.west
  cidr_block = "10.1.0.0/16"
}
"#;

#[tokio::test]
async fn one_run_uses_several_regions() {
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    let r = apply(REGIONS, &cloud, &store).await;
    assert!(r.succeeded(), "{r:?}");
    let regions: BTreeMap<String, String> = cloud
        .objects()
        .into_values()
        .map(|o| (o.tags.get(tags::ADDRESS).cloned().unwrap_or_default(), o.region))
        .collect();
    assert_eq!(regions.get("fake_network.home").map(String::as_str), Some(DEFAULT_REGION));
    assert_eq!(regions.get("fake_network.edge").map(String::as_str), Some("fake-2"));
    let state = current(&store);
    let edge = state.current(&"fake_network.edge".parse().expect("address")).expect("edge");
    assert_eq!(edge.provider.to_string(), "fake.west");
    // Each region is read by its own configuration: nothing looks deleted.
    let text = plan_text(REGIONS, &cloud, &store).await;
    assert!(text.contains("No changes"), "{text}");
    // Moving a resource to another region replaces it.
    let moved = REGIONS.replace("  provider   = fake.west\n", "");
    let text = plan_text(&moved, &cloud, &store).await;
    assert!(text.contains("fake_network.edge must be replaced"), "{text}");
}

#[tokio::test]
async fn an_undeclared_provider_alias_is_an_error_with_its_location() {
    let config = REGIONS.replace("alias  = \"west\"", "alias  = \"east\"");
    let err = engine_with(&config, &Cloud::new(), &[], options(1)).err().expect("refused");
    assert!(err.contains("no provider \"fake\" block has alias = \"west\""), "{err}");
    assert!(err.contains("main.tf:"), "{err}");
}

#[tokio::test]
async fn an_empty_id_from_a_provider_is_an_error_and_never_recorded() {
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    cloud.return_empty_ids(true);
    let r = apply("resource \"fake_network\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n", &cloud, &store).await;
    let failure = r.failures.first().expect("the create fails");
    assert!(failure.message.contains("returned no id"), "{}", failure.message);
    let state = current(&store);
    assert!(state.resources.iter().all(|o| !o.id.is_empty()), "{:?}", state.resources);
    assert_eq!(state.pending.len(), 1, "the pending record stays so the next run finds the object");
    cloud.return_empty_ids(false);
    let r = apply("resource \"fake_network\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n", &cloud, &store).await;
    assert!(r.succeeded(), "{r:?}");
    assert_consistent(&cloud, &store);
}

#[tokio::test]
async fn apply_checks_arguments_together_again_once_they_are_known() {
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    let config = r#"
resource "fake_network" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "fake_rule" "bad" {
  network_id = fake_network.main.id
  cidr_block = fake_network.main.id
}
"#;
    let r = apply(config, &cloud, &store).await;
    let failure = r.failures.iter().find(|f| f.address.to_string() == "fake_rule.bad").expect("the rule fails");
    assert!(failure.message.contains("is not a CIDR block"), "{}", failure.message);
    assert!(cloud.objects().values().all(|o| o.type_name != "fake_rule"), "nothing was created");
}

/// A provider configuration whose own check fails (a profile that does not exist, a forbidden
/// account) stops a plan before anything is read, and the apply of a plan made before the check
/// failed before anything is written: no pending record, no state write, no object.
#[tokio::test]
async fn a_failing_provider_check_stops_plan_and_apply_before_anything_is_written() {
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    let e = engine(CONTRACT, &cloud);
    let run = e.plan(&current(&store), PlanRequest::normal()).await.expect("plan");
    cloud.fail("check", DEFAULT_REGION, "the account is not in allowed_account_ids");
    let Err(err) = e.apply(run, &store, &Cancel::default()).await else { panic!("the apply must be refused") };
    let err = err.to_string();
    assert!(err.contains("provider configuration fake: the account is not in allowed_account_ids"), "{err}");
    assert_eq!(store.writes(), 0, "nothing written");
    assert!(cloud.objects().is_empty(), "nothing created");
    let Err(err) = e.plan(&current(&store), PlanRequest::normal()).await else { panic!("the plan must be refused") };
    assert!(err.to_string().contains("allowed_account_ids"), "{err}");

    // Recovery decides from what it finds what to write: it is refused too, its record kept.
    let mut state = current(&store);
    state.pending.push(pending_bucket("acme-logs"));
    let Err(err) = e.recover(&mut state, &store).await else { panic!("the recovery must be refused") };
    assert!(err.to_string().contains("allowed_account_ids"), "{err}");
    assert_eq!(state.pending.len(), 1, "the pending record is kept");
    assert_eq!(store.writes(), 0, "nothing written");
}
