//! `Engine::adopt`, shared by import blocks, `provision import` and the Terraform migration: one
//! read per type and provider configuration, objects in the order asked with their block's layer
//! and the dependencies given, missing ones listed; and `Engine::importable`'s address checks.

use super::*;
use crate::Adoption;
use provision_core::{Address, Attrs, ProviderRef};

const STACK: &str = r#"
resource "fake_bucket" "logs" {
  name = "team-logs"
}
resource "fake_bucket" "more" {
  count = 2
  name  = "more-${count.index}"
}
resource "fake_bucket" "keyed" {
  for_each = toset(["a", "b"])
  name     = "keyed-${each.key}"
}
"#;

fn addr(s: &str) -> Address {
    s.parse().expect("address")
}

#[tokio::test]
async fn adopt_reads_each_type_once_and_lists_what_is_missing() {
    let cloud = Cloud::new();
    let theirs = MemoryStore::new(&cloud);
    apply(STACK, &cloud, &theirs).await;
    let made = current(&theirs);
    let id_of = |a: &str| made.current(&addr(a)).map(|o| o.id.clone()).expect("made");
    let e = engine(STACK, &cloud);
    let aws = ProviderRef::default_for("fake");
    let item = |a: &str, id: String, deps: Vec<Address>| Adoption {
        address: addr(a),
        provider: aws.clone(),
        id,
        prior: Attrs::new(),
        dependencies: deps,
    };
    cloud.clear_calls();
    let adopted = e
        .adopt(
            "new-lineage",
            vec![
                item("fake_bucket.more[1]", id_of("fake_bucket.more[1]"), vec![addr("fake_bucket.logs")]),
                item("fake_bucket.logs", id_of("fake_bucket.logs"), vec![]),
                item("fake_bucket.keyed[\"a\"]", "not-there".into(), vec![]),
            ],
        )
        .await
        .expect("adopt");
    assert_eq!(cloud.calls(), vec!["read fake_bucket n=3".to_string()], "one batched read for the type");
    let got: Vec<(String, String)> = adopted.objects.iter().map(|o| (o.address.to_string(), o.id.clone())).collect();
    assert_eq!(
        got,
        vec![
            ("fake_bucket.more[1]".to_string(), id_of("fake_bucket.more[1]")),
            ("fake_bucket.logs".to_string(), id_of("fake_bucket.logs"))
        ]
    );
    assert_eq!(adopted.objects[0].dependencies, vec![addr("fake_bucket.logs")]);
    assert_eq!(adopted.objects[0].attributes.get("name"), Some(&Value::from("more-1")));
    assert_eq!(adopted.missing.len(), 1);
    assert_eq!(adopted.missing[0].id, "not-there");
}

#[tokio::test]
async fn importable_needs_a_declared_block_and_a_fitting_instance_key() {
    let cloud = Cloud::new();
    let e = engine(STACK, &cloud);
    assert!(e.importable(&addr("fake_bucket.logs")).is_ok());
    assert!(e.importable(&addr("fake_bucket.more[1]")).is_ok());
    assert!(e.importable(&addr("fake_bucket.keyed[\"b\"]")).is_ok());
    for (a, expected) in [
        ("fake_bucket.nope", "the configuration declares no resource fake_bucket.nope"),
        ("fake_bucket.logs[0]", "has neither count nor for_each"),
        ("fake_bucket.more", "has count: import one instance with its index"),
        ("fake_bucket.more[2]", "out of range: fake_bucket.more has count = 2"),
        ("fake_bucket.keyed[\"c\"]", "has no for_each key \"c\"; its keys are \"a\", \"b\""),
        ("fake_bucket.keyed[0]", "has for_each: import one instance with its key"),
    ] {
        let err = e.importable(&addr(a)).expect_err(a);
        assert!(err.contains(expected), "{a}: {err}");
    }
}
