//! Custom conditions and `replace_triggered_by`: what the plan decides (a failed precondition or
//! postcondition stops it, with the author's message), what only the apply can (checked before
//! the call, or on the object made, cutting off what depends on it), `check` blocks that warn and
//! never stop (and the data sources scoped to them), replacements triggered by another object's
//! change, `ignore_changes` paths, and `import` blocks that adopt an existing object.

use super::*;
use crate::render::{Style, plan as render};
use provision_core::Address;
use provision_core::plan::{Action, Reason};

fn addr(s: &str) -> Address {
    s.parse().expect("address")
}

fn with_network_tag(config: &str, tag: &str) -> String {
    config.replace("TAG", tag)
}

const TRIGGERED: &str = r#"
resource "fake_network" "n" {
  cidr_block = "10.0.0.0/16"
  tags       = { Release = "TAG" }
}
resource "fake_subnet" "whole" {
  network_id = fake_network.n.id
  cidr_block = "10.0.1.0/24"
  lifecycle {
    replace_triggered_by = [fake_network.n]
  }
}
resource "fake_subnet" "by_dns" {
  network_id = fake_network.n.id
  cidr_block = "10.0.2.0/24"
  lifecycle {
    replace_triggered_by = [fake_network.n.dns]
  }
}
"#;

#[tokio::test]
async fn replace_triggered_by_replaces_on_the_named_change_and_only_on_it() {
    let (cloud, store) = (Cloud::new(), MemoryStore::new(&Cloud::new()));
    apply(&with_network_tag(TRIGGERED, "1"), &cloud, &store).await;
    let ids = |store: &MemoryStore| {
        let s = current(store);
        ["fake_subnet.whole", "fake_subnet.by_dns"].map(|a| s.current(&addr(a)).map(|o| o.id.clone()))
    };
    let before = ids(&store);
    assert_eq!(
        plan_text(&with_network_tag(TRIGGERED, "1"), &cloud, &store).await.lines().last(),
        Some("No changes. Your infrastructure matches the configuration.")
    );

    // The network is updated in place (a tag): the subnet that names the whole network is
    // replaced; the one that names only `dns`, which does not change, is left alone.
    let config = with_network_tag(TRIGGERED, "2");
    let e = engine(&config, &cloud);
    let run = e.plan(&current(&store), PlanRequest::normal()).await.expect("plan");
    let whole = run.plan.change(&addr("fake_subnet.whole")).expect("change");
    assert!(matches!(whole.action, Action::Replace(_)), "{:?}", whole.action);
    assert_eq!(whole.reason, Some(Reason::ReplaceTriggered));
    assert_eq!(run.plan.change(&addr("fake_subnet.by_dns")).map(|c| c.action), Some(Action::NoOp));
    let text = render(&run.plan, Style::default());
    assert!(text.contains("# fake_subnet.whole will be replaced due to changes in replace_triggered_by"), "{text}");
    apply_with(&e, &store, PlanRequest::normal()).await;
    let after = ids(&store);
    assert_ne!(after[0], before[0], "replaced");
    assert_eq!(after[1], before[1], "kept");
    assert!(plan_text(&config, &cloud, &store).await.contains("No changes"));
    assert_consistent(&cloud, &store);
}

#[tokio::test]
async fn a_precondition_known_at_plan_stops_the_plan_with_its_message() {
    let config = r#"
variable "env" {
  type    = string
  default = "prod"
}
resource "fake_network" "n" {
  cidr_block = "10.0.0.0/16"
  lifecycle {
    precondition {
      condition     = var.env != "prod" || fake_network_dns_on
      error_message = "production networks need DNS."
    }
  }
}
"#
    .replace("fake_network_dns_on", "false");
    let text = plan_errors(&config).await;
    assert!(text.contains("Resource precondition failed"), "{text}");
    assert!(text.contains("production networks need DNS."), "{text}");
}

#[tokio::test]
async fn a_postcondition_on_self_is_checked_at_plan_when_known_and_after_the_create_when_not() {
    let (cloud, store) = (Cloud::new(), MemoryStore::new(&Cloud::new()));
    // Known at plan: the planned `dns`.
    let config = r#"
resource "fake_network" "n" {
  cidr_block = "10.0.0.0/16"
  dns        = false
  lifecycle {
    postcondition {
      condition     = self.dns
      error_message = "DNS must be on, it is ${self.dns}."
    }
  }
}
"#;
    let err = plan_errors(config).await;
    assert!(err.contains("Resource postcondition failed"), "{err}");
    assert!(err.contains("DNS must be on, it is false."), "{err}");

    // Known only after the create: the ARN. The object is made and recorded; what depends on it
    // is not attempted.
    let config = r#"
resource "fake_network" "n" {
  cidr_block = "10.0.0.0/16"
  lifecycle {
    postcondition {
      condition     = startswith(self.arn, "arn:aws:iam::")
      error_message = "expected an IAM ARN, got ${self.arn}."
    }
  }
}
resource "fake_subnet" "a" {
  network_id = fake_network.n.id
  cidr_block = "10.0.1.0/24"
}
"#;
    let report = apply(config, &cloud, &store).await;
    assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
    let f = &report.failures[0];
    assert_eq!(f.address, addr("fake_network.n"));
    assert!(f.message.contains("Resource postcondition failed: expected an IAM ARN"), "{}", f.message);
    assert!(f.message.contains("recorded in state"), "{}", f.message);
    assert_eq!(report.skipped.len(), 1, "the subnet waits: {:?}", report.skipped);
    assert!(current(&store).current(&addr("fake_network.n")).is_some(), "the network is tracked");
    assert_consistent(&cloud, &store);
}

#[tokio::test]
async fn an_output_precondition_stops_the_plan_and_a_check_only_warns() {
    let cloud = Cloud::new();
    let config = r#"
resource "fake_network" "n" {
  cidr_block = "10.0.0.0/16"
}
output "cidr" {
  value = fake_network.n.cidr_block
  precondition {
    condition     = endswith(fake_network.n.cidr_block, "/24")
    error_message = "the network must be a /24."
  }
}
"#;
    let err = plan_errors(config).await;
    assert!(err.contains("Output precondition failed"), "{err}");
    assert!(err.contains("the network must be a /24."), "{err}");

    let config = r#"
resource "fake_network" "n" {
  cidr_block = "10.0.0.0/16"
}
check "network" {
  assert {
    condition     = fake_network.n.cidr_block == "10.1.0.0/16"
    error_message = "the network is not the agreed 10.1.0.0/16."
  }
  assert {
    condition     = fake_network.n.arn != ""
    error_message = "no ARN."
  }
}
"#;
    let store = MemoryStore::new(&cloud);
    let recorder = Arc::new(Recorder::default());
    let e = engine_reporting(config, &cloud, options(4), recorder.clone());
    let run = e.plan(&current(&store), PlanRequest::normal()).await.expect("a failed check does not stop the plan");
    let report = e.apply(run, &store, &Cancel::default()).await.expect("apply");
    assert!(report.succeeded());
    let warnings: Vec<String> = recorder
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Warning(w) => Some(w),
            _ => None,
        })
        .collect();
    let failed: Vec<&String> = warnings.iter().filter(|w| w.contains("Check block assertion failed")).collect();
    // Once at plan, once at the end of the apply; the ARN, unknown at plan, passes at apply.
    assert_eq!(failed.len(), 2, "{warnings:#?}");
    assert!(
        failed.iter().all(|w| w.contains("the agreed 10.1.0.0/16") && w.contains("check \"network\"")),
        "{warnings:#?}"
    );
    assert!(!warnings.iter().any(|w| w.contains("no ARN")), "{warnings:#?}");
}

#[test]
fn conditions_are_checked_when_the_configuration_is_read() {
    let cloud = Cloud::new();
    let cases = [
        (
            "resource \"fake_network\" \"n\" {\n  cidr_block = self.cidr\n}\n",
            "`self` can only be used in a postcondition",
        ),
        (
            "resource \"fake_network\" \"n\" {\n  cidr_block = \"10.0.0.0/16\"\n  lifecycle {\n    replace_triggered_by = [\"fake_network.m\"]\n  }\n}\n",
            "Invalid replace_triggered_by entry",
        ),
        (
            "resource \"fake_network\" \"n\" {\n  cidr_block = \"10.0.0.0/16\"\n  lifecycle {\n    replace_triggered_by = [fake_network.m]\n  }\n}\n",
            "fake_network.m",
        ),
        (
            "resource \"fake_network\" \"n\" {\n  cidr_block = \"10.0.0.0/16\"\n  lifecycle {\n    precondition {\n      condition = true\n    }\n  }\n}\n",
            "a precondition block needs `error_message`",
        ),
        ("check \"empty\" {\n}\n", "needs at least one assert block"),
        (
            "data \"fake_zones\" \"z\" {\n  lifecycle {\n    create_before_destroy = true\n  }\n}\n",
            "does not apply to a data source",
        ),
    ];
    for (config, expected) in cases {
        match engine_with(config, &cloud, &[], options(1)) {
            Ok(_) => panic!("accepted:\n{config}"),
            Err(text) => assert!(text.contains(expected), "{config}\nexpected {expected:?} in:\n{text}"),
        }
    }
}

/// `ignore_changes = [tags["Owner"]]`: a tag someone else manages (changed outside provision, or
/// in the configuration) is left as the object has it; the other tags are still managed.
#[tokio::test]
async fn ignore_changes_with_a_nested_path_keeps_only_that_key() {
    let (cloud, store) = (Cloud::new(), MemoryStore::new(&Cloud::new()));
    let config = |owner: &str, name: &str| {
        format!(
            r#"
resource "fake_network" "n" {{
  cidr_block = "10.0.0.0/16"
  tags       = {{ Owner = "{owner}", Name = "{name}" }}
  lifecycle {{
    ignore_changes = [tags["Owner"]]
  }}
}}
"#
        )
    };
    apply(&config("platform", "main"), &cloud, &store).await;
    // The owner tag changes in the configuration: ignored.
    assert!(plan_text(&config("someone-else", "main"), &cloud, &store).await.contains("No changes"));
    // The name tag changes: planned, with the owner as the object has it.
    let e = engine(&config("someone-else", "renamed"), &cloud);
    let run = e.plan(&current(&store), PlanRequest::normal()).await.expect("plan");
    let c = run.plan.change(&addr("fake_network.n")).expect("change");
    assert_eq!(c.action, Action::Update);
    let tags = c.after.as_ref().and_then(|a| a.get("tags")).cloned().expect("tags");
    assert_eq!(
        tags,
        Value::Map(
            [("Name".to_string(), Value::from("renamed")), ("Owner".to_string(), Value::from("platform"))].into()
        )
    );
    apply_with(&e, &store, PlanRequest::normal()).await;
    assert_eq!(attr(&cloud, "fake_network.n", "tags").to_string(), tags.to_string());

    // A path into an argument that does not exist is refused where it is written.
    let bad = "resource \"fake_network\" \"n\" {\n  cidr_block = \"10.0.0.0/16\"\n  lifecycle {\n    ignore_changes = [tagz[\"Owner\"]]\n  }\n}\n";
    let err = engine_with(bad, &cloud, &[], options(1)).err().expect("refused");
    assert!(err.contains("`tagz` is not an argument of this resource; did you mean `tags`?"), "{err}");
}

const BUCKET: &str = r#"
resource "fake_bucket" "logs" {
  name = "team-logs"
  tags = { Team = "data" }
}
"#;

/// `import` blocks: an object made outside this stack is adopted at its address — the plan says
/// so and diffs the configuration against it, the apply records it (and makes the update the
/// plan showed), the next plan is clean, and nothing is created twice.
#[tokio::test]
async fn an_import_block_adopts_an_existing_object() {
    let cloud = Cloud::new();
    // Made by someone else (another state), with another tag.
    let theirs = MemoryStore::new(&cloud);
    apply(&BUCKET.replace("data", "platform"), &cloud, &theirs).await;
    let id = current(&theirs).resources[0].id.clone();

    let ours = MemoryStore::new(&cloud);
    // The id built from a local, as teams write it.
    let config = format!(
        "{BUCKET}\nlocals {{\n  logs_id = \"{id}\"\n}}\nimport {{\n  to = fake_bucket.logs\n  id = local.logs_id\n}}\n"
    );
    let e = engine(&config, &cloud);
    let run = e.plan(&current(&ours), PlanRequest::normal()).await.expect("plan");
    assert_eq!(run.plan.imports, vec![(addr("fake_bucket.logs"), id.clone())]);
    let c = run.plan.change(&addr("fake_bucket.logs")).expect("change");
    assert_eq!(c.action, Action::Update, "the tag differs: {c:?}");
    let text = render(&run.plan, Style::default());
    assert!(text.contains(&format!("# fake_bucket.logs will be imported from the existing object {id}")), "{text}");
    assert!(text.contains("Plan: 1 to import, 0 to add, 1 to change, 0 to destroy."), "{text}");
    let report = e.apply(run, &ours, &Cancel::default()).await.expect("apply");
    assert!(report.succeeded(), "{:?}", report.failures);
    assert_eq!(report.done.import, 1);
    assert_eq!(current(&ours).current(&addr("fake_bucket.logs")).map(|o| o.id.clone()), Some(id.clone()));
    assert_eq!(cloud.objects().len(), 1, "adopted, not created");
    assert_eq!(
        attr(&cloud, "fake_bucket.logs", "tags").to_string(),
        Value::Map([("Team".to_string(), Value::from("data"))].into()).to_string()
    );
    // Applied: the block is now a no-op.
    let text = plan_text(&config, &cloud, &ours).await;
    assert!(text.contains("No changes"), "{text}");
}

#[tokio::test]
async fn an_import_that_cannot_be_done_is_refused_before_anything_changes() {
    let cloud = Cloud::new();
    let store = MemoryStore::new(&cloud);
    let missing = format!("{BUCKET}\nimport {{\n  to = fake_bucket.logs\n  id = \"bucket-that-is-not-there\"\n}}\n");
    let err = plan_errors(&missing).await;
    assert!(err.contains("Cannot import non-existent remote object"), "{err}");
    assert!(err.contains("no fake_bucket with the id bucket-that-is-not-there exists"), "{err}");

    // An address that already holds another object.
    apply(BUCKET, &cloud, &store).await;
    let e = engine(&missing.replace("bucket-that-is-not-there", "other-id"), &cloud);
    match e.plan(&current(&store), PlanRequest::normal()).await {
        Err(crate::EngineError::Config(d)) => {
            let text = provision_config::render_diagnostics(&d, &e.module.sources);
            assert!(text.contains("fake_bucket.logs is already managed"), "{text}");
        }
        other => panic!("expected an error, got {:?}", other.map(|r| r.plan)),
    }

    // Checked when the configuration is read.
    for (config, expected) in [
        ("import {\n  to = fake_bucket.nope\n  id = \"x\"\n}\n", "Import to an undeclared resource"),
        (
            "resource \"fake_subnet\" \"s\" {\n  count      = 2\n  network_id = \"n\"\n  cidr_block = \"10.0.0.0/24\"\n}\nimport {\n  to = fake_subnet.s\n  id = \"x\"\n}\n",
            "name one instance, as in fake_subnet.s[0]",
        ),
        ("import {\n  to = fake_bucket.logs\n}\n", "an import block needs `id`"),
        ("import {\n  to = data.fake_zones.z\n  id = \"x\"\n}\n", "Invalid import address"),
    ] {
        let config = format!("{BUCKET}\n{config}");
        match engine_with(&config, &cloud, &[], options(1)) {
            Ok(_) => panic!("accepted:\n{config}"),
            Err(text) => assert!(text.contains(expected), "{config}\nexpected {expected:?} in:\n{text}"),
        }
    }
}

const KEYED: &str = r#"
variable "names" {
  type    = set(string)
  default = ["logs", "assets"]
}
resource "fake_bucket" "this" {
  for_each = var.names
  name     = "team-${each.key}"
}
"#;

/// `for_each` in an `import` block: one object adopted per element, at the instance its `to`
/// names with `each.key`, its id from `each.value`; the next plan is clean.
#[tokio::test]
async fn an_import_block_with_for_each_adopts_one_object_per_element() {
    let cloud = Cloud::new();
    let theirs = MemoryStore::new(&cloud);
    apply(KEYED, &cloud, &theirs).await;
    let made = current(&theirs);
    let id_of =
        |k: &str| made.current(&addr(&format!("fake_bucket.this[\"{k}\"]"))).map(|o| o.id.clone()).expect("made");
    let (logs, assets) = (id_of("logs"), id_of("assets"));

    let ours = MemoryStore::new(&cloud);
    let config = format!(
        "{KEYED}\nlocals {{\n  ids = {{ logs = \"{logs}\", assets = \"{assets}\" }}\n}}\nimport {{\n  for_each = local.ids\n  to       = fake_bucket.this[each.key]\n  id       = each.value\n}}\n"
    );
    let e = engine(&config, &cloud);
    cloud.clear_calls();
    let run = e.plan(&current(&ours), PlanRequest::normal()).await.expect("plan");
    assert_eq!(cloud.calls(), vec!["read fake_bucket n=2".to_string()], "one batched read");
    let mut imports = run.plan.imports.clone();
    imports.sort();
    assert_eq!(
        imports,
        vec![
            (addr("fake_bucket.this[\"assets\"]"), assets.clone()),
            (addr("fake_bucket.this[\"logs\"]"), logs.clone())
        ]
    );
    let text = render(&run.plan, Style::default());
    assert!(text.contains("Plan: 2 to import, 0 to add, 0 to change, 0 to destroy."), "{text}");
    let report = e.apply(run, &ours, &Cancel::default()).await.expect("apply");
    assert!(report.succeeded(), "{:?}", report.failures);
    assert_eq!(report.done.import, 2);
    assert_eq!(cloud.objects().len(), 2, "adopted, not created");
    let text = plan_text(&config, &cloud, &ours).await;
    assert!(text.contains("No changes"), "{text}");

    // A list: each.key is the index.
    let list = format!(
        "resource \"fake_bucket\" \"n\" {{\n  count = 2\n  name  = \"n-${{count.index}}\"\n}}\nimport {{\n  for_each = [\"{logs}\", \"{assets}\"]\n  to       = fake_bucket.n[each.key]\n  id       = each.value\n}}\n"
    );
    let run = engine(&list, &cloud).plan(&new_state(), PlanRequest::normal()).await.expect("plan");
    let mut imports = run.plan.imports.clone();
    imports.sort();
    assert_eq!(imports, vec![(addr("fake_bucket.n[0]"), logs.clone()), (addr("fake_bucket.n[1]"), assets.clone())]);
}

/// What an `import` block with `for_each` cannot do is refused when planning, at the block.
#[tokio::test]
async fn an_import_block_with_for_each_is_checked_per_element() {
    for (block, expected) in [
        // A key the resource does not have.
        (
            "import {\n  for_each = { logs = \"a\", other = \"b\" }\n  to       = fake_bucket.this[each.key]\n  id       = each.value\n}\n",
            "fake_bucket.this has no for_each key \"other\"",
        ),
        // Two elements to one instance.
        (
            "import {\n  for_each = { a = \"x\", b = \"y\" }\n  to       = fake_bucket.this[\"logs\"]\n  id       = each.value\n}\n",
            "with `for_each`, `to` names each element's instance with an expression",
        ),
        (
            "import {\n  for_each = { a = \"logs\", b = \"logs\" }\n  to       = fake_bucket.this[each.value]\n  id       = each.key\n}\n",
            "Duplicate import to fake_bucket.this[\"logs\"]",
        ),
        (
            "import {\n  for_each = \"logs\"\n  to       = fake_bucket.this[each.key]\n  id       = each.value\n}\n",
            "for_each takes a map, a set or a list, not string",
        ),
        (
            "import {\n  for_each = [true]\n  to       = fake_bucket.this[each.value]\n  id       = \"x\"\n}\n",
            "an instance key is a string or a whole number, not bool",
        ),
    ] {
        let config = format!("{KEYED}\n{block}");
        let cloud = Cloud::new();
        let err = match engine_with(&config, &cloud, &[], options(1)) {
            Err(text) => text,
            Ok(e) => match e.plan(&new_state(), PlanRequest::normal()).await {
                Err(crate::EngineError::Config(d)) => provision_config::render_diagnostics(&d, &e.module.sources),
                other => panic!("accepted:\n{config}\n{:?}", other.map(|r| r.plan)),
            },
        };
        assert!(err.contains(expected), "{config}\nexpected {expected:?} in:\n{err}");
        assert!(cloud.objects().is_empty());
    }
}

/// The warnings a plan and an apply of `config` report (the plan and the apply must succeed).
async fn warnings_of(config: &str, cloud: &Cloud) -> (Vec<String>, provision_core::plan::Plan) {
    let store = MemoryStore::new(cloud);
    let recorder = Arc::new(Recorder::default());
    let e = engine_reporting(config, cloud, options(4), recorder.clone());
    let run = e.plan(&current(&store), PlanRequest::normal()).await.expect("a check never stops the plan");
    let plan = run.plan.clone();
    let report = e.apply(run, &store, &Cancel::default()).await.expect("apply");
    assert!(report.succeeded(), "{:?}", report.failures);
    let warnings = recorder
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Warning(w) => Some(w),
            _ => None,
        })
        .collect();
    (warnings, plan)
}

const SCOPED: &str = r#"
check "probe" {
  data "fake_echo" "probe" {
    input = "ok"
  }
  assert {
    condition     = data.fake_echo.probe.output == "expected"
    error_message = "the probe answered ${data.fake_echo.probe.output}."
  }
}
"#;

/// A data source scoped to a check block is read while planning, and its check's assertions
/// see it: a failed one is a warning; one that passes says nothing.
#[tokio::test]
async fn a_data_source_scoped_to_a_check_is_read_while_planning() {
    let cloud = Cloud::new();
    let (warnings, _) = warnings_of(SCOPED, &cloud).await;
    let failed: Vec<&String> = warnings.iter().filter(|w| w.contains("Check block assertion failed")).collect();
    assert!(!failed.is_empty(), "{warnings:#?}");
    assert!(failed.iter().all(|w| w.contains("the probe answered ok.")), "{warnings:#?}");
    assert!(cloud.calls().contains(&"read data fake_echo".to_string()), "{:?}", cloud.calls());

    let cloud = Cloud::new();
    let (warnings, _) = warnings_of(&SCOPED.replace("\"expected\"", "\"ok\""), &cloud).await;
    assert!(warnings.is_empty(), "{warnings:#?}");
}

/// A scoped data source that cannot be read is a warning naming it and its check, never an
/// error; one whose arguments are known only after the apply is not read by this run (no read
/// at apply).
#[tokio::test]
async fn a_scoped_data_source_that_fails_is_a_warning() {
    let cloud = Cloud::new();
    cloud.fail("read", "fake_echo", "the endpoint is down");
    let (warnings, _) = warnings_of(SCOPED, &cloud).await;
    let read: Vec<&String> = warnings.iter().filter(|w| w.contains("Reading data.fake_echo.probe failed")).collect();
    assert!(!read.is_empty(), "{warnings:#?}");
    assert!(read.iter().all(|w| w.contains("the endpoint is down") && w.contains("check \"probe\"")), "{warnings:#?}");
    assert!(!warnings.iter().any(|w| w.contains("Check block assertion failed")), "undecided: {warnings:#?}");

    let cloud = Cloud::new();
    let later = format!(
        "resource \"fake_network\" \"n\" {{\n  cidr_block = \"10.0.0.0/16\"\n}}\n{}",
        SCOPED.replace("input = \"ok\"", "input = fake_network.n.id")
    );
    let (_, plan) = warnings_of(&later, &cloud).await;
    assert!(plan.changes.iter().all(|c| c.address.mode != provision_core::Mode::Data), "{:?}", plan.changes);
    assert!(!cloud.calls().contains(&"read data fake_echo".to_string()), "{:?}", cloud.calls());
}

/// Only its own check block may refer to a scoped data source.
#[test]
fn a_scoped_data_source_is_visible_only_in_its_check() {
    let cloud = Cloud::new();
    let config = format!("{SCOPED}\noutput \"o\" {{\n  value = data.fake_echo.probe.output\n}}\n");
    let err = engine_with(&config, &cloud, &[], options(1)).err().expect("refused");
    assert!(
        err.contains("data.fake_echo.probe is declared in check \"probe\": only that check block can refer to it"),
        "{err}"
    );
}
