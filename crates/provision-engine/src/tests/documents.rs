//! JSON documents compared by meaning and shown as readable diffs, and types whose every update
//! registers a new revision with a new id.

use super::*;

fn with_policy(policy: &str) -> String {
    format!("resource \"fake_bucket\" \"site\" {{\n  name   = \"acme-site\"\n  policy = <<EOT\n{policy}\nEOT\n}}\n")
}

#[tokio::test]
async fn a_reordered_document_is_no_change_and_a_real_change_is_a_readable_diff() {
    let (cloud, store) = (Cloud::new(), MemoryStore::new(&Cloud::new()));
    apply(
        &with_policy(r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]}"#),
        &cloud,
        &store,
    )
    .await;

    let reordered = with_policy(
        r#"{
  "Statement": [{"Action": "s3:GetObject", "Effect": "Allow"}],
  "Version": "2012-10-17"
}"#,
    );
    let text = plan_text(&reordered, &cloud, &store).await;
    assert!(text.contains("No changes"), "{text}");

    let changed =
        with_policy(r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:GetObject"}]}"#);
    let text = plan_text(&changed, &cloud, &store).await;
    assert!(text.contains("~ policy = jsonencode("), "{text}");
    let line = |sign: &str, what: &str| text.lines().any(|l| l.trim_start().starts_with(sign) && l.ends_with(what));
    assert!(line("- ", "\"Effect\": \"Allow\""), "{text}");
    assert!(line("+ ", "\"Effect\": \"Deny\""), "{text}");
    assert!(line("", "\"Version\": \"2012-10-17\""), "a short document is shown whole: {text}");
    assert!(!text.contains("\\\""), "no escaped one-line blobs: {text}");
}

const REVISION: &str = r#"
resource "fake_revision" "app" {
  family = "app"
  body   = jsonencode({ image = var.image, cpu = 256 })
}

resource "fake_bucket" "deploys" {
  name = "acme-deploys"
  tags = { Revision = fake_revision.app.arn }
}

variable "image" {
  type    = string
  default = "app:1"
}
"#;

#[tokio::test]
async fn an_update_registers_a_new_revision_and_what_refers_to_it_follows() {
    let (cloud, store) = (Cloud::new(), MemoryStore::new(&Cloud::new()));
    apply(REVISION, &cloud, &store).await;
    let first = cloud.objects_at("fake_revision.app").first().map(|(id, _)| id.clone()).expect("revision");

    let e = engine_with(REVISION, &cloud, &["image=app:2"], options(4)).expect("engine");
    let run = e.plan(&current(&store), PlanRequest::normal()).await.expect("plan");
    let text = crate::render::plan(&run.plan, crate::render::Style::default());
    assert!(text.contains("fake_revision.app will be updated: registers a new revision"), "{text}");
    assert!(text.contains("~ arn"), "the arn is not known until applied: {text}");
    assert!(text.contains("fake_bucket.deploys will be updated in-place"), "{text}");
    assert!(text.contains("Plan: 0 to add, 2 to change, 0 to destroy"), "{text}");

    let report = apply_with(&e, &store, PlanRequest::normal()).await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let state = current(&store);
    let rev = state.resources.iter().find(|r| r.address.to_string() == "fake_revision.app").expect("recorded");
    assert_ne!(rev.id, first, "the new revision is recorded under its new id");
    assert_eq!(rev.attributes.get("revision"), Some(&Value::Number(2.0)));
    let tags = super::attr(&cloud, "fake_bucket.deploys", "tags");
    assert_eq!(
        tags.as_map().and_then(|m| m.get("Revision")).and_then(Value::as_str),
        Some(format!("arn:fake:revision/{}", rev.id).as_str())
    );
    assert_consistent(&cloud, &store);
    let text = plan_text(REVISION.replace("app:1", "app:2").as_str(), &cloud, &store).await;
    assert!(text.contains("No changes"), "{text}");
}
