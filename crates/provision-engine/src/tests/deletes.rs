//! What deleting an object involves, decided before anything is torn down: the provider's
//! plan-time delete check (refusals and warnings), the arguments that only matter at destroy
//! taken from the configuration the user has now, and names that cannot exist twice.

use super::*;
use provision_config::render_diagnostics;

async fn plan_result(e: &Engine, store: &MemoryStore, req: PlanRequest) -> Result<String, String> {
    match e.plan(&current(store), req).await {
        Ok(run) => Ok(crate::render::plan(&run.plan, crate::render::Style::default())),
        Err(crate::EngineError::Config(d)) => Err(render_diagnostics(&d, &e.module.sources)),
        Err(other) => Err(format!("{other:?}")),
    }
}

fn bucket(force_destroy: bool) -> String {
    format!(
        "resource \"fake_bucket\" \"uploads\" {{\n  name          = \"acme-uploads\"\n  force_destroy = {force_destroy}\n}}\n"
    )
}

fn bucket_id(cloud: &Cloud) -> String {
    cloud.objects_at("fake_bucket.uploads").first().map(|(id, _)| id.clone()).expect("bucket exists")
}

#[tokio::test]
async fn a_bucket_holding_objects_is_refused_at_plan_and_deleted_with_force_destroy_set_now() {
    let (cloud, store) = (Cloud::new(), MemoryStore::new(&Cloud::new()));
    apply(&bucket(false), &cloud, &store).await;
    let id = bucket_id(&cloud);
    cloud.put_objects(&id, 3);

    // Removed from the configuration: refused before any delete call, naming the bucket.
    cloud.clear_calls();
    let err = plan_result(&engine("", &cloud), &store, PlanRequest::normal()).await.expect_err("refused");
    assert!(err.contains("fake_bucket.uploads cannot be deleted"), "{err}");
    assert!(err.contains("holds 3 objects; set force_destroy = true"), "{err}");
    let e = engine(&bucket(false), &cloud);
    let err = plan_result(&e, &store, PlanRequest::destroy()).await.expect_err("destroy refused too");
    assert!(err.contains("cannot be deleted"), "{err}");
    assert!(!cloud.calls().iter().any(|c| c.starts_with("delete")), "{:?}", cloud.calls());

    // force_destroy = true written just before the destroy (never applied): it is what counts,
    // not the recorded false. The plan says what goes with the bucket.
    let e = engine(&bucket(true), &cloud);
    let text = plan_result(&e, &store, PlanRequest::destroy()).await.expect("destroy planned");
    assert!(text.contains("# warning: its 3 objects are deleted with it (force_destroy)"), "{text}");
    let report = apply_with(&e, &store, PlanRequest::destroy()).await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert!(cloud.objects().is_empty(), "{:?}", cloud.objects());
}

#[tokio::test]
async fn changing_only_a_destroy_time_argument_is_an_update_and_later_deletes_use_it() {
    let (cloud, store) = (Cloud::new(), MemoryStore::new(&Cloud::new()));
    apply(&bucket(false), &cloud, &store).await;
    let text = plan_text(&bucket(true), &cloud, &store).await;
    assert!(text.contains("~ force_destroy = false -> true"), "{text}");
    apply(&bucket(true), &cloud, &store).await;
    cloud.put_objects(&bucket_id(&cloud), 2);
    // The block is gone now: the recorded value (true) is used.
    let report = apply("", &cloud, &store).await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert!(cloud.objects().is_empty());
}

#[tokio::test]
async fn create_before_destroy_with_a_fixed_unique_name_is_refused_at_plan() {
    let (cloud, store) = (Cloud::new(), MemoryStore::new(&Cloud::new()));
    let config = |class: &str, prefix: bool| {
        let name = if prefix { "name_prefix = \"acme-\"" } else { "name = \"acme-logs\"" };
        format!(
            "resource \"fake_bucket\" \"logs\" {{\n  {name}\n  storage_class = \"{class}\"\n  lifecycle {{\n    create_before_destroy = true\n  }}\n}}\n"
        )
    };
    apply(&config("standard", false), &cloud, &store).await;
    let e = engine(&config("cold", false), &cloud);
    let err = plan_result(&e, &store, PlanRequest::normal()).await.expect_err("refused");
    assert!(err.contains("fake_bucket.logs cannot be replaced with create_before_destroy"), "{err}");
    assert!(err.contains("use name_prefix instead of name"), "{err}");
    assert!(err.contains("main.tf:2:"), "points at the name: {err}");

    // With a prefix the new object gets a new name: fine.
    let (cloud, store) = (Cloud::new(), MemoryStore::new(&Cloud::new()));
    apply(&config("standard", true), &cloud, &store).await;
    let e = engine(&config("cold", true), &cloud);
    plan_result(&e, &store, PlanRequest::normal()).await.expect("planned");
}

/// The arguments are checked together again at apply as written: a name AWS (or provision)
/// generated from `name_prefix` is not a `name` the configuration sets.
#[tokio::test]
async fn an_object_named_from_a_prefix_can_be_updated() {
    let (cloud, store) = (Cloud::new(), MemoryStore::new(&Cloud::new()));
    let config = |versioning: bool| {
        format!("resource \"fake_bucket\" \"logs\" {{\n  name_prefix = \"acme-\"\n  versioning  = {versioning}\n}}\n")
    };
    apply(&config(false), &cloud, &store).await;
    let report = apply(&config(true), &cloud, &store).await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(super::attr(&cloud, "fake_bucket.logs", "versioning"), Value::Bool(true));
}
