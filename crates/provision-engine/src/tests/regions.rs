//! Per-object `region` (Terraform AWS provider 6) through the engine, with the fake provider
//! wrapped by the same `provision_core::regional` as the AWS provider: a batched read per type and
//! region, a replacement when the region changes, no change for a state written before `region`
//! existed, and recovery that looks in the region the create was sent to.

use super::*;
use crate::PlanRequest;
use provision_core::state::StateStore;
use provision_testkit::fake::DEFAULT_REGION;

const TWO: &str = r#"
resource "fake_network" "home" {
  cidr_block = "10.0.0.0/16"
}

resource "fake_network" "away" {
  region     = "fake-2"
  cidr_block = "10.1.0.0/16"
}
"#;

fn regional(config: &str, cloud: &Cloud) -> Engine {
    let provider = provision_core::Providers::one(Arc::new(FakeProvider::per_resource_region(cloud)));
    let loaded = provision_config::load_files(
        Path::new("/nonexistent-provision-test-dir"),
        vec![("main.tf".into(), config.into())],
        &provider,
    );
    match engine_of(provider, loaded, &[], options(1)) {
        Ok(e) => e,
        Err(d) => panic!("configuration should load:\n{d}"),
    }
}

async fn apply_regional(config: &str, cloud: &Cloud, store: &MemoryStore) -> crate::ApplyReport {
    apply_with(&regional(config, cloud), store, PlanRequest::normal()).await
}

async fn plan_regional(config: &str, cloud: &Cloud, store: &MemoryStore, req: PlanRequest) -> String {
    let run = regional(config, cloud).plan(&current(store), req).await.expect("plan");
    crate::render::plan(&run.plan, crate::render::Style::default())
}

/// Each object's region in the fake cloud, by address.
fn regions(cloud: &Cloud) -> BTreeMap<String, String> {
    cloud
        .objects()
        .into_values()
        .map(|o| (o.tags.get(provision_core::tags::ADDRESS).cloned().unwrap_or_default(), o.region))
        .collect()
}

use std::collections::BTreeMap;

#[tokio::test]
async fn objects_of_one_type_in_two_regions_are_read_in_two_batched_reads() {
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    let text = plan_regional(TWO, &cloud, &store, PlanRequest::normal()).await;
    let region_lines: Vec<&str> = text.lines().filter(|l| l.trim_start().starts_with("+ region ")).collect();
    assert_eq!(region_lines.len(), 2, "{text}");
    assert!(region_lines[0].ends_with("= \"fake-2\""), "{text}");
    assert!(region_lines[1].ends_with(&format!("= \"{DEFAULT_REGION}\"")), "unset: the configuration's\n{text}");
    assert!(apply_regional(TWO, &cloud, &store).await.succeeded());
    let r = regions(&cloud);
    assert_eq!(r.get("fake_network.home").map(String::as_str), Some(DEFAULT_REGION));
    assert_eq!(r.get("fake_network.away").map(String::as_str), Some("fake-2"));
    let state = current(&store);
    let recorded = |a: &str| state.current(&a.parse().expect("address")).map(|o| o.attributes["region"].clone());
    assert_eq!(recorded("fake_network.home"), Some(Value::from(DEFAULT_REGION)));
    assert_eq!(recorded("fake_network.away"), Some(Value::from("fake-2")));
    cloud.clear_calls();
    let text = plan_regional(TWO, &cloud, &store, PlanRequest::normal()).await;
    assert!(text.contains("No changes"), "{text}");
    assert_eq!(cloud.calls(), vec!["read fake_network n=1", "read fake_network n=1"], "one read per region");
}

#[tokio::test]
async fn a_new_region_replaces_the_object() {
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    assert!(apply_regional(TWO, &cloud, &store).await.succeeded());
    let moved = TWO.replace("\"fake-2\"", "\"fake-3\"");
    let text = plan_regional(&moved, &cloud, &store, PlanRequest::normal()).await;
    assert!(text.contains("fake_network.away must be replaced"), "{text}");
    assert!(
        text.lines().any(|l| l.contains("region")
            && l.contains("\"fake-2\" -> \"fake-3\"")
            && l.contains("forces replacement")),
        "{text}"
    );
    assert!(apply_regional(&moved, &cloud, &store).await.succeeded());
    assert_eq!(regions(&cloud).get("fake_network.away").map(String::as_str), Some("fake-3"));
    assert_eq!(cloud.objects().len(), 2, "the old one is gone");
}

#[tokio::test]
async fn a_state_written_before_region_existed_plans_no_change() {
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    let home = "resource \"fake_network\" \"home\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n";
    assert!(apply_regional(home, &cloud, &store).await.succeeded());
    let mut old = current(&store);
    for o in &mut old.resources {
        o.attributes.remove("region");
    }
    old.serial += 1;
    store.persist(&old).await.expect("write the old state");
    for req in [PlanRequest::normal(), PlanRequest { refresh: false, ..PlanRequest::normal() }] {
        let text = plan_regional(home, &cloud, &store, req).await;
        assert!(text.contains("No changes"), "{text}");
    }
}

/// A crash at every step of creating an object in another region: the next run finds what the
/// interrupted create made there (not in the configuration's region) and converges.
#[tokio::test]
async fn recovery_looks_in_the_region_the_create_went_to() {
    let away = "resource \"fake_network\" \"away\" {\n  region     = \"fake-2\"\n  cidr_block = \"10.1.0.0/16\"\n}\n";
    let total = {
        let cloud = Cloud::new();
        let store = MemoryStore::new(&cloud);
        cloud.crash_at(None);
        assert!(apply_regional(away, &cloud, &store).await.succeeded());
        cloud.steps()
    };
    assert!(total > 2);
    for k in 0..total {
        let cloud = Cloud::new();
        let store = MemoryStore::new(&cloud);
        cloud.crash_at(Some(k));
        let e = regional(away, &cloud);
        let watch = async {
            while !cloud.crashed() {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        };
        tokio::select! {
            _ = apply_with(&e, &store, PlanRequest::normal()) => {}
            _ = watch => {}
        }
        store.restart();
        cloud.crash_at(None);
        let r = apply_regional(away, &cloud, &store).await;
        assert!(r.succeeded(), "after a crash at step {k}: {r:?}");
        assert_consistent(&cloud, &store);
        assert_eq!(regions(&cloud).get("fake_network.away").map(String::as_str), Some("fake-2"), "step {k}");
        let text = plan_regional(away, &cloud, &store, PlanRequest::normal()).await;
        assert!(text.contains("No changes"), "after a crash at step {k}:\n{text}");
    }
}
