//! `local-exec` provisioners with Terraform's semantics: in order after a create, with `self`;
//! a failure taints the object (replaced by the next apply) unless `on_failure = continue`;
//! destroy-time ones before the delete (a failure keeps the object); never on an update; an
//! object adopted by recovery whose provisioners never ran is tainted.

use super::*;
use provision_core::Address;
use provision_core::plan::{Action, Reason};

fn addr(s: &str) -> Address {
    s.parse().expect("address")
}

/// A configuration whose provisioners append to `log` in `dir`.
fn config(dir: &Path, tag: &str, body: &str) -> String {
    format!(
        r#"
resource "fake_network" "n" {{
  cidr_block = "10.0.0.0/16"
  tags       = {{ Release = "{tag}" }}
{body}
}}
resource "fake_subnet" "s" {{
  network_id = fake_network.n.id
  cidr_block = "10.0.1.0/24"
}}
"#
    )
    .replace("DIR", &dir.display().to_string())
}

fn log(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("log")).unwrap_or_default().lines().map(str::to_string).collect()
}

const IN_ORDER: &str = r#"
  provisioner "local-exec" {
    command = "echo first ${self.id} >> log"
    working_dir = "DIR"
  }
  provisioner "local-exec" {
    command     = "echo \"second $WHO\" >> DIR/log"
    environment = { WHO = self.cidr_block }
  }
  provisioner "local-exec" {
    when    = destroy
    command = "echo destroyed ${self.id} >> DIR/log"
  }
"#;

#[tokio::test]
async fn creation_provisioners_run_in_order_after_the_create_with_self_and_never_on_update() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cloud, store) = (Cloud::new(), MemoryStore::new(&Cloud::new()));
    let recorder = Arc::new(Recorder::default());
    let e = engine_reporting(&config(dir.path(), "1", IN_ORDER), &cloud, options(4), recorder.clone());
    let report = apply_with(&e, &store, PlanRequest::normal()).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    let id = current(&store).current(&addr("fake_network.n")).map(|o| o.id.clone()).expect("recorded");
    assert_eq!(log(dir.path()), [format!("first {id}"), "second 10.0.0.0/16".to_string()]);
    assert!(current(&store).resources.iter().all(|o| !o.tainted));
    let output: Vec<String> = recorder
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::ProvisionerOutput { address, line } if address == addr("fake_network.n") => Some(line),
            _ => None,
        })
        .collect();
    assert!(output.iter().any(|l| l.contains("Executing:") && l.contains("echo first")), "{output:?}");

    // An update in place runs no provisioner.
    let report = apply(&config(dir.path(), "2", IN_ORDER), &cloud, &store).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    assert_eq!(report.done.change, 1);
    assert_eq!(log(dir.path()).len(), 2);

    // Destroy runs the destroy-time one, before the delete, with the object as `self`.
    let e = engine(&config(dir.path(), "2", IN_ORDER), &cloud);
    let report = apply_with(&e, &store, PlanRequest::destroy()).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    assert_eq!(log(dir.path()).last().map(String::as_str), Some(format!("destroyed {id}").as_str()));
    assert!(current(&store).resources.is_empty());
    assert_consistent(&cloud, &store);
}

#[tokio::test]
async fn a_failing_provisioner_taints_the_object_and_the_next_apply_replaces_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cloud, store) = (Cloud::new(), MemoryStore::new(&Cloud::new()));
    let failing = r#"
  provisioner "local-exec" {
    command = "echo boom; exit 3"
  }
  provisioner "local-exec" {
    command = "echo never >> DIR/log"
  }
"#;
    let report = apply(&config(dir.path(), "1", failing), &cloud, &store).await;
    assert!(!report.succeeded());
    let failure = report.failures.iter().find(|f| f.address == addr("fake_network.n")).expect("failure");
    assert!(failure.message.contains("exited with status 3"), "{}", failure.message);
    assert!(failure.message.contains("boom"), "{}", failure.message);
    assert!(failure.message.contains("is tainted"), "{}", failure.message);
    // The object exists and is recorded tainted; what depends on it was not started; the
    // provisioner after the failing one did not run.
    let state = current(&store);
    let old = state.current(&addr("fake_network.n")).expect("recorded").clone();
    assert!(old.tainted);
    assert!(state.current(&addr("fake_subnet.s")).is_none());
    assert!(report.skipped.iter().any(|s| s.address == addr("fake_subnet.s")));
    assert!(log(dir.path()).is_empty());

    // The next plan replaces it, saying why.
    let fixed = config(dir.path(), "1", "provisioner \"local-exec\" {\n  command = \"echo ok >> DIR/log\"\n}");
    let e = engine(&fixed, &cloud);
    let run = e.plan(&current(&store), PlanRequest::normal()).await.expect("plan");
    let change = run.plan.change(&addr("fake_network.n")).expect("change");
    assert!(matches!(change.action, Action::Replace(_)), "{:?}", change.action);
    assert_eq!(change.reason, Some(Reason::Tainted));
    let text = crate::render::plan(&run.plan, crate::render::Style::default());
    assert!(text.contains("# fake_network.n is tainted, so must be replaced"), "{text}");
    let json = crate::json::plan(&run.plan);
    assert!(json.to_string().contains("replace_because_tainted"), "{json}");

    let report = apply(&fixed, &cloud, &store).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    let state = current(&store);
    let new = state.current(&addr("fake_network.n")).expect("recorded");
    assert_ne!(new.id, old.id);
    assert!(!new.tainted);
    assert_eq!(log(dir.path()), ["ok"]);
    assert_consistent(&cloud, &store);
}

#[tokio::test]
async fn on_failure_continue_warns_and_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cloud, store) = (Cloud::new(), MemoryStore::new(&Cloud::new()));
    let body = r#"
  provisioner "local-exec" {
    command    = "exit 1"
    on_failure = continue
  }
  provisioner "local-exec" {
    command = "echo after >> DIR/log"
  }
"#;
    let recorder = Arc::new(Recorder::default());
    let e = engine_reporting(&config(dir.path(), "1", body), &cloud, options(4), recorder.clone());
    let report = apply_with(&e, &store, PlanRequest::normal()).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    assert_eq!(log(dir.path()), ["after"]);
    assert!(current(&store).resources.iter().all(|o| !o.tainted));
    let warned = recorder.events().into_iter().any(|e| {
        matches!(e, Event::Warning(w) if w.contains("provisioner \"local-exec\" #1 of fake_network.n failed") && w.contains("on_failure = continue"))
    });
    assert!(warned);
}

#[tokio::test]
async fn a_failing_destroy_provisioner_keeps_the_object() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cloud, store) = (Cloud::new(), MemoryStore::new(&Cloud::new()));
    let body = "provisioner \"local-exec\" {\n  when = destroy\n  command = \"exit 2\"\n}";
    let config = config(dir.path(), "1", body);
    let report = apply(&config, &cloud, &store).await;
    assert!(report.succeeded(), "a destroy-time provisioner does not run at create: {:?}", report.failures);
    let e = engine(&config, &cloud);
    let report = apply_with(&e, &store, PlanRequest::destroy()).await;
    let failure = report.failures.iter().find(|f| f.address == addr("fake_network.n")).expect("failure");
    assert!(failure.message.contains("the object was not deleted"), "{}", failure.message);
    assert!(current(&store).current(&addr("fake_network.n")).is_some());
    assert_consistent(&cloud, &store);
}

#[tokio::test]
async fn an_object_adopted_by_recovery_whose_provisioners_never_ran_is_tainted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(dir.path(), "1", IN_ORDER);
    // Killed at every step of the apply: whenever the next run adopts the network from its
    // pending record, its provisioners never ran, and it is tainted.
    let mut adopted = 0;
    for k in 0..12 {
        let cloud = Cloud::new();
        let store = MemoryStore::new(&cloud);
        cloud.crash_at(Some(k));
        let e = engine(&config, &cloud);
        let _ = super::crash::until_crash(&cloud, apply_with(&e, &store, PlanRequest::normal())).await;
        store.restart();
        cloud.crash_at(None);
        let mut state = current(&store);
        let pending = state.pending.iter().any(|p| p.address == addr("fake_network.n"));
        let e = engine(&config, &cloud);
        e.recover(&mut state, &store).await.expect("recovery");
        if pending && let Some(o) = state.current(&addr("fake_network.n")) {
            assert!(o.tainted, "adopted after a crash at step {k}, its provisioners never ran");
            adopted += 1;
        }
        // The next apply converges: the tainted object replaced, nothing left behind.
        let report = apply(&config, &cloud, &store).await;
        assert!(report.succeeded(), "after a crash at step {k}: {:?}", report.failures);
        assert!(current(&store).resources.iter().all(|o| !o.tainted));
        assert_consistent(&cloud, &store);
    }
    assert!(adopted > 0, "no crash left an object for recovery to adopt");
}
