//! Input that would run away is refused with its location, or simply works; it never crashes:
//! a count of 10^15, 30,000 locals that refer to each other, values nested thousands deep.

use super::*;
use std::fmt::Write as _;

#[tokio::test]
async fn a_huge_count_is_refused_before_anything_is_allocated() {
    let err = plan_errors(
        r#"
resource "fake_network" "huge" {
  count      = 1e15
  cidr_block = "10.0.0.0/16"
}
resource "fake_network" "large" {
  count      = 10001
  cidr_block = "10.0.0.0/16"
}
resource "fake_network" "fine" {
  count      = 3
  cidr_block = "10.0.0.0/16"
}
"#,
    )
    .await;
    insta::assert_snapshot!(err);
}

/// Locals each referring to the next: the graph is walked and the locals evaluated without
/// recursion, so the length of the chain does not matter.
#[tokio::test]
async fn thirty_thousand_chained_locals_are_evaluated() {
    let n = 30_000;
    let mut cfg = String::from("locals {\n");
    for i in 0..n - 1 {
        let _ = writeln!(cfg, "  l{i:05} = local.l{:05} + 1", i + 1);
    }
    let _ = writeln!(cfg, "  l{:05} = 0\n}}\noutput \"first\" {{\n  value = local.l00000\n}}", n - 1);
    let cloud = Cloud::new();
    let e = engine(&cfg, &cloud);
    let run = e.plan(&new_state(), PlanRequest::normal()).await.expect("plan");
    assert_eq!(run.plan.outputs[0].after, Some(Value::Number(f64::from(n - 1))));
    let diags = Engine::validate(e.provider.clone(), e.module.clone(), BTreeMap::new(), options(1)).await;
    assert!(diags.is_empty(), "{}", render_diagnostics(&diags, &e.module.sources));
}

/// Each local wraps the next in a list: the value would nest 30,000 deep. Refused once, where it
/// passes the limit; the locals after it are unknown, not errors.
#[tokio::test]
async fn values_nested_thousands_deep_are_refused_once() {
    let n = 30_000;
    let mut cfg = String::from("locals {\n");
    for i in 0..n - 1 {
        let _ = writeln!(cfg, "  l{i:05} = [local.l{:05}]", i + 1);
    }
    let _ = writeln!(cfg, "  l{:05} = 0\n}}\noutput \"first\" {{\n  value = local.l00000\n}}", n - 1);
    let err = plan_errors(&cfg).await;
    assert_eq!(err.matches("error:").count(), 1, "{err}");
    assert!(err.contains("more than 256 levels deep"), "{err}");
}

use std::collections::BTreeMap;
