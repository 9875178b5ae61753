//! Applying: dependency order, concurrency, failure propagation, destroy order, outputs.

use super::*;
use crate::PlanRequest;

fn position(timeline: &[String], entry: &str) -> usize {
    timeline.iter().position(|t| t.starts_with(entry)).unwrap_or_else(|| panic!("{entry} not in {timeline:#?}"))
}

#[tokio::test]
async fn creates_in_dependency_order_and_records_everything() {
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    let r = apply(STACK, &cloud, &store).await;
    assert!(r.succeeded(), "{r:?}");
    assert_eq!((r.done.add, r.done.change, r.done.destroy), (4, 0, 0));
    let t = cloud.timeline();
    let net_end = position(&t, "end create fake_network.main");
    for s in
        ["start create fake_subnet.public[0]", "start create fake_subnet.public[1]", "start create fake_gateway.gw"]
    {
        assert!(position(&t, s) > net_end, "{s} must start after the network exists: {t:#?}");
    }
    let state = current(&store);
    assert_eq!(state.resources.len(), 4);
    let (net_id, net) = cloud.objects_at("fake_network.main").remove(0);
    assert_eq!(attr(&cloud, "fake_subnet.public[1]", "network_id"), Value::from(net_id.as_str()));
    assert_eq!(attr(&cloud, "fake_subnet.public[1]", "cidr_block"), Value::from("10.0.1.0/24"));
    assert_eq!(net.tags.get("ManagedBy").map(String::as_str), Some("provision"), "default tags are applied");
    assert_eq!(net.tags.get(provision_core::tags::STACK).map(String::as_str), Some("test-lineage"));
    assert_eq!(state.outputs["network_id"].value, serde_json::json!(net_id));
    assert_eq!(state.outputs["subnet_ids"].value.as_array().map(Vec::len), Some(2));
    // Subnets depend on the network in state, for ordering their deletion later.
    let sub = state.current(&"fake_subnet.public[0]".parse().expect("address")).expect("subnet");
    assert_eq!(sub.dependencies, vec![provision_core::Address::managed("fake_network", "main")]);
    assert!(state.serial >= 2);
}

#[tokio::test]
async fn parallelism_caps_concurrent_operations() {
    let cfg = (0..8)
        .map(|i| format!("resource \"fake_network\" \"n{i}\" {{\n  cidr_block = \"10.{i}.0.0/16\"\n}}\n"))
        .collect::<String>();
    for (parallelism, want) in [(1, 1), (3, 3), (10, 8)] {
        let cloud = Cloud::new();
        cloud.set_latency(Duration::from_millis(30));
        let store = MemoryStore::new(&cloud);
        let e = engine_with(&cfg, &cloud, &[], options(parallelism)).expect("engine");
        let r = apply_with(&e, &store, PlanRequest::normal()).await;
        assert!(r.succeeded());
        assert_eq!(cloud.max_in_flight(), want, "parallelism {parallelism}");
    }
}

#[tokio::test]
async fn concurrent_completions_share_state_writes() {
    let cfg = (0..8)
        .map(|i| format!("resource \"fake_network\" \"n{i}\" {{\n  cidr_block = \"10.{i}.0.0/16\"\n}}\n"))
        .collect::<String>();
    let cloud = Cloud::new();
    cloud.set_latency(Duration::from_millis(30));
    let store = MemoryStore::new(&cloud);
    let e = engine_with(&cfg, &cloud, &[], options(8)).expect("engine");
    let r = apply_with(&e, &store, PlanRequest::normal()).await;
    assert!(r.succeeded());
    // One write for the eight pending records, then completions arriving together share writes.
    assert!(store.writes() < 8, "8 creates took {} state writes", store.writes());
    // With a commit window, completions a little apart share writes too.
    let cloud = Cloud::new();
    cloud.set_latency(Duration::from_millis(30));
    let store = MemoryStore::new(&cloud);
    let mut opts = options(8);
    opts.commit_window = Duration::from_millis(200);
    let e = engine_with(&cfg, &cloud, &[], opts).expect("engine");
    assert!(apply_with(&e, &store, PlanRequest::normal()).await.succeeded());
    assert_eq!(store.writes(), 2, "pending records, then all eight objects");
}

#[tokio::test]
async fn a_wave_of_completions_and_the_creates_it_starts_share_one_write() {
    // Sixteen objects at parallelism 8: the second eight start when the first eight finish.
    let cfg = (0..16)
        .map(|i| format!("resource \"fake_network\" \"n{i}\" {{\n  cidr_block = \"10.{i}.0.0/16\"\n}}\n"))
        .collect::<String>();
    let cloud = Cloud::new();
    cloud.set_latency(Duration::from_millis(30));
    let store = MemoryStore::new(&cloud);
    let mut opts = options(8);
    opts.commit_window = Duration::from_millis(200);
    let e = engine_with(&cfg, &cloud, &[], opts).expect("engine");
    assert!(apply_with(&e, &store, PlanRequest::normal()).await.succeeded());
    assert_eq!(
        store.writes(),
        3,
        "the first eight pending records; the first eight objects with the second eight pending records; the second eight objects"
    );
    assert_consistent(&cloud, &store);
}

#[tokio::test]
async fn a_failure_skips_its_dependents_and_nothing_else() {
    let cfg = format!(
        "{STACK}\nresource \"fake_network\" \"other\" {{\n  cidr_block = \"10.9.0.0/16\"\n}}\nresource \"fake_subnet\" \"other\" {{\n  network_id = fake_network.other.id\n  cidr_block = \"10.9.1.0/24\"\n}}\n"
    );
    let cloud = Cloud::new();
    cloud.fail("create", "fake_network.main", "quota exceeded");
    let store = MemoryStore::new(&cloud);
    let r = apply(&cfg, &cloud, &store).await;
    assert!(!r.succeeded());
    let failed: Vec<String> = r.failures.iter().map(|f| format!("{} {:?}: {}", f.address, f.op, f.message)).collect();
    assert_eq!(failed, vec!["fake_network.main Create: quota exceeded (AWS error InjectedFailure)"]);
    let mut skipped: Vec<String> = r.skipped.iter().map(|s| format!("{} because {}", s.address, s.because)).collect();
    skipped.sort();
    assert_eq!(
        skipped,
        vec![
            "fake_gateway.gw because fake_network.main",
            "fake_subnet.public[0] because fake_network.main",
            "fake_subnet.public[1] because fake_network.main"
        ]
    );
    assert_eq!(cloud.objects().len(), 2, "the independent branch was applied");
    assert_consistent(&cloud, &store);
    // Once the cause is gone, the next apply finishes the job.
    cloud.clear_failures();
    let r = apply(&cfg, &cloud, &store).await;
    assert!(r.succeeded(), "{r:?}");
    assert_eq!(cloud.objects().len(), 6);
    assert_consistent(&cloud, &store);
}

#[tokio::test]
async fn destroy_goes_in_reverse_dependency_order() {
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    assert!(apply(STACK, &cloud, &store).await.succeeded());
    let e = engine(STACK, &cloud);
    let run = e.plan(&current(&store), PlanRequest::destroy()).await.expect("plan");
    insta::assert_snapshot!(crate::render::plan(&run.plan, Default::default()));
    let r = e.apply(run, &store, &Cancel::default()).await.expect("apply");
    // The fake cloud refuses to delete a network that still has subnets, so success proves order.
    assert!(r.succeeded(), "{r:?}");
    assert!(cloud.objects().is_empty());
    let state = current(&store);
    assert!(state.resources.is_empty() && state.outputs.is_empty());
}

#[tokio::test]
async fn destroy_uses_recorded_dependencies_when_the_configuration_is_gone() {
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    assert!(apply(STACK, &cloud, &store).await.succeeded());
    // An empty configuration: everything is an orphan, ordered by the state's dependencies.
    let r = apply("variable \"unused\" {\n  default = 1\n}\n", &cloud, &store).await;
    assert!(r.succeeded(), "{r:?}");
    assert!(cloud.objects().is_empty());
}

#[tokio::test]
async fn a_failed_delete_keeps_the_object_and_its_dependencies() {
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    assert!(apply(STACK, &cloud, &store).await.succeeded());
    cloud.fail("delete", "fake_gateway", "gateway is busy");
    let e = engine(STACK, &cloud);
    let r = apply_with(&e, &store, PlanRequest::destroy()).await;
    assert_eq!(r.failures.len(), 1);
    let skipped: Vec<String> = r.skipped.iter().map(|s| s.address.to_string()).collect();
    assert_eq!(skipped, vec!["fake_network.main"]);
    assert_eq!(cloud.objects().len(), 2, "the gateway and the network it needs remain");
    assert_consistent(&cloud, &store);
}

#[tokio::test]
async fn replacement_destroys_dependents_first_then_recreates_in_order() {
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    assert!(apply(STACK, &cloud, &store).await.succeeded());
    let (old_net, _) = cloud.objects_at("fake_network.main").remove(0);
    cloud.clear_calls();
    let e = engine_with(STACK, &cloud, &["cidr=10.1.0.0/16"], options(4)).expect("engine");
    let r = apply_with(&e, &store, PlanRequest::normal()).await;
    assert!(r.succeeded(), "{r:?}");
    let t = cloud.timeline();
    assert!(position(&t, "end delete fake_subnet") < position(&t, "start delete fake_network"));
    assert!(position(&t, "end delete fake_network") < position(&t, "start create fake_network.main"));
    assert!(position(&t, "end delete fake_gateway") < position(&t, "start delete fake_network"));
    assert!(position(&t, "end create fake_network.main") < position(&t, "start create fake_gateway.gw"));
    let (new_net, _) = cloud.objects_at("fake_network.main").remove(0);
    assert_ne!(old_net, new_net);
    assert_eq!(attr(&cloud, "fake_gateway.gw", "network_id"), Value::from(new_net.as_str()));
    assert_eq!(attr(&cloud, "fake_subnet.public[0]", "cidr_block"), Value::from("10.1.0.0/24"));
    assert_consistent(&cloud, &store);
}

#[tokio::test]
async fn create_before_destroy_creates_the_new_object_first() {
    let cfg = |n: u8| {
        format!(
            r#"
resource "fake_network" "n" {{
  cidr_block = "10.0.0.0/16"
}}
resource "fake_subnet" "s" {{
  network_id = fake_network.n.id
  cidr_block = "10.0.{n}.0/24"
  lifecycle {{
    create_before_destroy = true
  }}
}}
"#
        )
    };
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    assert!(apply(&cfg(1), &cloud, &store).await.succeeded());
    cloud.clear_calls();
    let text = plan_text(&cfg(2), &cloud, &store).await;
    assert!(text.contains("+/- resource \"fake_subnet\" \"s\""), "{text}");
    let r = apply(&cfg(2), &cloud, &store).await;
    assert!(r.succeeded(), "{r:?}");
    let t = cloud.timeline();
    assert!(position(&t, "end create fake_subnet.s") < position(&t, "start delete fake_subnet"));
    assert_eq!(attr(&cloud, "fake_subnet.s", "cidr_block"), Value::from("10.0.2.0/24"));
    assert_consistent(&cloud, &store);
}

#[tokio::test]
async fn cancel_lets_running_operations_finish_and_records_them() {
    let cfg = (0..6)
        .map(|i| format!("resource \"fake_network\" \"n{i}\" {{\n  cidr_block = \"10.{i}.0.0/16\"\n}}\n"))
        .collect::<String>();
    let cloud = Cloud::new();
    cloud.set_latency(Duration::from_millis(100));
    let store = MemoryStore::new(&cloud);
    let e = engine_with(&cfg, &cloud, &[], options(2)).expect("engine");
    let run = e.plan(&new_state(), PlanRequest::normal()).await.expect("plan");
    let cancel = Cancel::default();
    let c2 = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        c2.cancel();
    });
    let r = e.apply(run, &store, &cancel).await.expect("apply");
    let rest = r.interrupted.clone().expect("interrupted");
    assert_eq!(rest.len(), 4, "two were running, four never started");
    assert_eq!(cloud.objects().len(), 2);
    assert_consistent(&cloud, &store);
}

#[tokio::test]
async fn a_failing_state_write_stops_new_work() {
    struct Broken;
    #[async_trait::async_trait]
    impl provision_core::state::StateStore for Broken {
        async fn persist(&self, _: &provision_core::state::State) -> Result<(), provision_core::state::PersistError> {
            Err(provision_core::state::PersistError("disk full".into()))
        }
    }
    let cloud = Cloud::new();
    let e = engine(STACK, &cloud);
    let run = e.plan(&new_state(), PlanRequest::normal()).await.expect("plan");
    let r = e.apply(run, &Broken, &Cancel::default()).await.expect("apply");
    assert_eq!(r.persist_error.as_deref(), Some("disk full"));
    assert!(cloud.objects().is_empty(), "nothing may be created when its pending record cannot be written");
}
