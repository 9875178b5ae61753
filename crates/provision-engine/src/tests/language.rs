//! The language constructs real roots use, end to end through the engine with the fake provider:
//! one error per cause when a value fails, repeated object keys, and (as they land) lifecycle
//! paths, replace_triggered_by, conditions and checks.

use super::*;

/// A local whose function call fails is reported once; the `count` and `for_each` built from it
/// (directly or through another local) are not also reported as "unknown".
#[tokio::test]
async fn a_failed_local_is_one_error() {
    let err = plan_errors(
        r#"
locals {
  names = upper(1, 2)
  label = "${local.names}-x"
}
resource "fake_network" "counted" {
  count      = length(local.names)
  cidr_block = "10.0.0.0/16"
}
resource "fake_network" "each" {
  for_each   = local.label
  cidr_block = "10.0.0.0/16"
}
output "label" {
  value = local.label
}
"#,
    )
    .await;
    assert_eq!(err.matches("error:").count(), 1, "{err}");
    assert!(err.contains("upper(): takes 1 argument, got 2"), "{err}");
}

/// An unknown count that does not come from a failure is still an error.
#[tokio::test]
async fn an_unknown_count_without_a_failure_is_still_reported() {
    let err = plan_errors(
        r#"
resource "fake_network" "a" {
  cidr_block = "10.0.0.0/16"
}
resource "fake_network" "b" {
  count      = length(fake_network.a.arn)
  cidr_block = "10.0.0.0/16"
}
"#,
    )
    .await;
    assert!(err.contains("the count depends on values that are only known after apply"), "{err}");
}

/// The same invalid argument in every instance of a counted resource is reported once.
#[tokio::test]
async fn an_invalid_argument_of_many_instances_is_one_error() {
    let err = plan_errors(
        r#"
resource "fake_network" "a" {
  count      = 3
  cidr_block = "10.0.0.0/16"
  dns        = "maybe"
}
"#,
    )
    .await;
    assert_eq!(err.matches("error:").count(), 1, "{err}");
}

/// `{ port = 80, port = 8080 }` is accepted and the last value wins, as in Terraform.
#[tokio::test]
async fn a_repeated_object_key_takes_the_last_value() {
    let cloud = Cloud::new();
    let e = engine(
        r#"
locals {
  rule = { port = 80, protocol = "tcp", port = 8080 }
}
output "rule" {
  value = local.rule
}
"#,
        &cloud,
    );
    let run = e.plan(&new_state(), PlanRequest::normal()).await.expect("plan");
    let after = run.plan.outputs[0].after.clone().expect("known");
    let m = after.as_map().expect("an object");
    assert_eq!(m.get("port"), Some(&Value::Number(8080.0)));
    assert_eq!(m.len(), 2);
}

/// `timestamp()` and `uuid()` are unknown while planning and known when applied, as in
/// Terraform; `plantimestamp()` is known at plan time.
#[tokio::test]
async fn time_and_random_functions_are_known_at_apply() {
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    let cfg = r#"
resource "fake_network" "a" {
  cidr_block = "10.0.0.0/16"
  tags       = { Created = timestamp(), Token = uuid() }
}
output "planned_at" {
  value = plantimestamp()
}
"#;
    let e = engine(cfg, &cloud);
    let run = e.plan(&new_state(), PlanRequest::normal()).await.expect("plan");
    let text = crate::render::plan(&run.plan, crate::render::Style::default());
    assert!(text.contains("(known after apply)"), "{text}");
    let planned = run.plan.outputs[0].after.clone().expect("known at plan");
    assert!(planned.as_str().is_some_and(|t| t.ends_with('Z')), "{planned:?}");
    let r = e.apply(run, &store, &Cancel::default()).await.expect("apply");
    assert!(r.succeeded(), "{r:?}");
    let (_, net) = cloud.objects_at("fake_network.a").remove(0);
    assert!(net.tags.get("Created").is_some_and(|t| t.ends_with('Z')), "{:?}", net.tags);
    assert_eq!(net.tags.get("Token").map(String::len), Some(36), "{:?}", net.tags);
}
