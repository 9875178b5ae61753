//! Secrets never leak: a value that is sensitive (a `sensitive = true` variable, a schema-sensitive
//! attribute, or anything computed from either) is `(sensitive value)` in the text plan, in the
//! drift section and in errors, and is left out of the JSON plan, on both sides of a change.

use super::*;
use crate::PlanRequest;

const OLD: &str = "0ld-S3cr3t";
const NEW: &str = "N3w-S3cr3t";
const DRIFTED: &str = "Dr1ft-S3cr3t";

/// A network whose tag comes from a sensitive variable, and a route with a schema-sensitive
/// argument set from a plain variable.
const CFG: &str = r#"
variable "secret" {
  type      = string
  default   = "0ld-S3cr3t"
  sensitive = true
}

variable "route_secret" {
  type    = string
  default = "0ld-S3cr3t"
}

resource "fake_network" "n" {
  cidr_block = "10.0.0.0/16"
  tags       = { Name = "n", Secret = var.secret }
}

resource "fake_route" "r" {
  network_id = fake_network.n.id
  secret     = var.route_secret
}
"#;

fn assert_hidden(what: &str, text: &str) {
    for secret in [OLD, NEW, DRIFTED] {
        assert!(!text.contains(secret), "{what} shows the secret {secret}:\n{text}");
    }
}

async fn applied() -> (Cloud, MemoryStore) {
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    let r = apply(CFG, &cloud, &store).await;
    assert!(r.succeeded(), "{r:?}");
    (cloud, store)
}

async fn plan_new_values(cloud: &Cloud, store: &MemoryStore) -> crate::PlannedRun {
    let cfg = CFG.replace(OLD, NEW);
    let e = engine(&cfg, cloud);
    e.plan(&current(store), PlanRequest::normal()).await.expect("plan")
}

#[tokio::test]
async fn a_changed_sensitive_value_is_hidden_on_both_sides() {
    let (cloud, store) = applied().await;
    let run = plan_new_values(&cloud, &store).await;
    let text = crate::render::plan(&run.plan, Default::default());
    assert_hidden("the plan", &text);
    assert!(text.contains(r#""Secret" = (sensitive value) -> (sensitive value)"#), "{text}");
    assert!(text.contains("secret = (sensitive value) -> (sensitive value)"), "{text}");
    assert!(text.contains("Plan: 0 to add, 2 to change, 0 to destroy."), "{text}");
    insta::assert_snapshot!(text);
}

#[tokio::test]
async fn the_json_plan_flags_sensitive_paths_and_leaves_their_values_out() {
    let (cloud, store) = applied().await;
    let run = plan_new_values(&cloud, &store).await;
    let j = crate::json::plan(&run.plan);
    assert_hidden("the JSON plan", &j.to_string());
    let net = &j["resource_changes"][0]["change"];
    assert_eq!(j["resource_changes"][0]["address"], "fake_network.n");
    let secret_tag = serde_json::json!({ "Secret": true });
    assert_eq!(net["before_sensitive"]["tags"], secret_tag);
    assert_eq!(net["after_sensitive"]["tags"], secret_tag);
    assert_eq!(net["before_sensitive"]["tags_all"], secret_tag);
    assert_eq!(net["before"]["tags"], serde_json::json!({ "Name": "n", "Secret": null }));
    let route = &j["resource_changes"][1]["change"];
    assert_eq!(route["before_sensitive"]["secret"], true);
    assert_eq!(route["after_sensitive"]["secret"], true);
    assert_eq!(route["before"]["secret"], serde_json::Value::Null);
}

#[tokio::test]
async fn drift_of_a_sensitive_value_is_hidden() {
    let (cloud, store) = applied().await;
    let (net, _) = cloud.objects_at("fake_network.n").remove(0);
    cloud.tamper(&net, |o| {
        o.tags.insert("Secret".into(), DRIFTED.into());
    });
    let (route, _) = cloud.objects_at("fake_route.r").remove(0);
    cloud.tamper(&route, |o| {
        o.attrs.insert("secret".into(), DRIFTED.into());
    });
    let e = engine(CFG, &cloud);
    let run = e.plan(&current(&store), PlanRequest::normal()).await.expect("plan");
    assert_eq!(run.plan.drift.len(), 2);
    let text = crate::render::plan(&run.plan, Default::default());
    assert_hidden("the drift section", &text);
    assert!(text.contains("# fake_network.n has changed"), "{text}");
    assert!(text.contains("# fake_route.r has changed"), "{text}");
    insta::assert_snapshot!(text);
    let j = crate::json::plan(&run.plan);
    assert_hidden("the JSON drift", &j["resource_drift"].to_string());
    assert_eq!(j["resource_drift"][0]["change"]["after_sensitive"]["tags"], serde_json::json!({ "Secret": true }));
}

#[tokio::test]
async fn a_new_sensitive_attribute_is_listed_as_sensitive() {
    let cloud = Cloud::new();
    let text = plan_text(CFG, &cloud, &MemoryStore::new(&cloud)).await;
    assert_hidden("the create plan", &text);
    assert!(
        text.contains("+ secret     = (sensitive value)"),
        "a sensitive attribute must be listed, not dropped:\n{text}"
    );
    assert!(text.contains(r#"+ "Secret" = (sensitive value)"#), "{text}");
}

#[tokio::test]
async fn a_provider_error_that_quotes_a_secret_does_not_show_it() {
    let (cloud, store) = applied().await;
    cloud.fail("update", "fake_network", &format!("the tag value {NEW} is not allowed"));
    let e = engine(&CFG.replace(OLD, NEW), &cloud);
    let r = apply_with(&e, &store, PlanRequest::normal()).await;
    let messages: Vec<&str> = r.failures.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(messages, vec!["the tag value (sensitive value) is not allowed (AWS error InjectedFailure)"]);
}

#[tokio::test]
async fn a_failed_data_source_read_does_not_quote_a_secret() {
    let cfg = format!("{CFG}\ndata \"fake_echo\" \"e\" {{\n  input = var.secret\n}}\n");
    let cloud = Cloud::new();
    cloud.fail("read", "fake_echo", &format!("no such input: {OLD}"));
    let e = engine(&cfg, &cloud);
    let Err(crate::EngineError::Config(d)) = e.plan(&new_state(), PlanRequest::normal()).await else {
        panic!("the read fails")
    };
    let text = render_diagnostics(&d, &e.module.sources);
    assert_hidden("the error", &text);
    assert!(text.contains("no such input: (sensitive value)"), "{text}");
}

fn shown(cloud: &Cloud, store: &MemoryStore, address: &str) -> String {
    use provision_core::Provider as _;
    let state = current(store);
    let a: provision_core::Address = address.parse().expect("address");
    let o = state.current(&a).expect("object in state");
    let schema = FakeProvider::new(cloud).resource_type(&a.type_name).map(|t| t.schema().clone());
    crate::render::state_object(o, schema.as_ref())
}

#[tokio::test]
async fn apply_records_what_is_sensitive_and_state_show_hides_it() {
    let (cloud, store) = applied().await;
    let state = current(&store);
    let net = state.current(&"fake_network.n".parse().expect("address")).expect("network");
    let path = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(net.sensitive_attributes, vec![path(&["tags", "Secret"]), path(&["tags_all", "Secret"])]);
    let text = shown(&cloud, &store, "fake_network.n");
    assert_hidden("state show", &text);
    assert!(text.contains(r#"tags       = { Name = "n", Secret = (sensitive value) }"#), "{text}");
    // The route's secret is sensitive by its schema.
    let text = shown(&cloud, &store, "fake_route.r");
    assert_hidden("state show", &text);
    assert!(text.contains("secret     = (sensitive value)"), "{text}");
}

#[tokio::test]
async fn a_destroyed_or_removed_secret_stays_hidden() {
    let (cloud, store) = applied().await;
    let e = engine(CFG, &cloud);
    let run = e.plan(&current(&store), PlanRequest::destroy()).await.expect("plan");
    assert_hidden("the destroy plan", &crate::render::plan(&run.plan, Default::default()));
    assert_hidden("the JSON destroy plan", &crate::json::plan(&run.plan).to_string());
    // Nothing in the configuration says the tag is secret any more: the state still does.
    let e = engine(r#"resource "fake_network" "n" { cidr_block = "10.0.0.0/16" }"#, &cloud);
    let run = e.plan(&current(&store), PlanRequest::normal()).await.expect("plan");
    let text = crate::render::plan(&run.plan, Default::default());
    assert_hidden("the plan", &text);
    assert!(text.contains(r#"- "Secret" = (sensitive value) -> null"#), "{text}");
    assert!(text.contains("- secret     = (sensitive value) -> null"), "{text}");
    assert_hidden("the JSON plan", &crate::json::plan(&run.plan).to_string());
}

/// Debug logs of everything, as `RUST_LOG=trace` would show them.
#[derive(Clone, Default)]
struct Logs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One secret, every channel: the plan (an update and drift), the JSON plan, a provider error, a
/// configuration error, the state as `state show` prints it, and the logs at the finest level.
#[tokio::test]
async fn a_secret_appears_in_no_channel() {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _logging = tracing::subscriber::set_default(subscriber);
    tracing::trace!("logs are captured");

    let (cloud, store) = applied().await;
    let (net, _) = cloud.objects_at("fake_network.n").remove(0);
    cloud.tamper(&net, |o| {
        o.tags.insert("Secret".into(), DRIFTED.into());
    });
    let changed = CFG.replace(OLD, NEW);
    let e = engine(&changed, &cloud);
    let run = e.plan(&current(&store), PlanRequest::normal()).await.expect("plan");
    assert_eq!(run.plan.drift.len(), 1);
    let mut seen = vec![
        ("plan", crate::render::plan(&run.plan, Default::default())),
        ("JSON plan", crate::json::plan(&run.plan).to_string()),
    ];
    cloud.fail("update", "fake_route", &format!("{NEW} is not a valid secret"));
    let r = e.apply(run, &store, &Cancel::default()).await.expect("apply");
    assert_eq!(r.failures.len(), 1, "{r:?}");
    seen.push(("apply failure", r.failures.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join("\n")));
    let bad = changed.replace(r#"cidr_block = "10.0.0.0/16""#, "cidr_block = cidrsubnet(var.secret, 8, 1)");
    let e = engine(&bad, &cloud);
    let Err(crate::EngineError::Config(d)) = e.plan(&current(&store), PlanRequest::normal()).await else {
        panic!("cidrsubnet() of a secret that is not a CIDR fails")
    };
    seen.push(("error", render_diagnostics(&d, &e.module.sources)));
    seen.push(("state show", shown(&cloud, &store, "fake_network.n") + &shown(&cloud, &store, "fake_route.r")));
    let logs = String::from_utf8_lossy(&logs.0.lock().unwrap_or_else(|p| p.into_inner())).to_string();
    assert!(logs.contains("logs are captured"), "{logs}");
    seen.push(("logs", logs));
    for (what, text) in &seen {
        assert_hidden(what, text);
    }
    assert!(seen[0].1.contains("has changed") && seen[0].1.contains("(sensitive value)"), "{}", seen[0].1);
    assert!(seen[2].1.contains("(sensitive value) is not a valid secret"), "{}", seen[2].1);
    assert!(seen[3].1.contains("(sensitive value) is not a CIDR prefix"), "{}", seen[3].1);
}
