//! The calls-per-create table (`crates/provision-aws/create-calls.json`): every resource type of
//! the `aws` provider is created against moto by one of the configurations below, with `-v`,
//! whose "AWS calls per create" lines give each object's calls. The table must match what was
//! measured, so a change that adds a call to a create fails here; `PROVISION_UPDATE_CALLS=1`
//! rewrites it (and the reference pages then follow with `PROVISION_UPDATE_DOCS=1`).

mod support;

use provision_testkit::emulate_cloudfront::CloudFront;
use provision_testkit::emulate_s3::S3Answers;
use provision_testkit::faults::{FaultProxy, Rules};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use support::{Stack, root, text};

/// A configuration that measures some types: where it comes from, the emulator's environment,
/// the variables of its apply, and whether its requests go through the emulators of
/// `provision_testkit` (moto lacks some CloudFront and S3 answers).
struct Measure {
    name: &'static str,
    moto_env: &'static [(&'static str, &'static str)],
    args: &'static [&'static str],
    proxy: bool,
}

/// In order: a type is measured by the first configuration that creates it. ACM certificates are
/// issued at once (`MOTO_ACM_VALIDATION_WAIT=0`), so every wait makes one read.
const MEASURES: &[Measure] = &[
    Measure { name: "examples/network", moto_env: &[], args: &[], proxy: false },
    Measure { name: "examples/web", moto_env: &[("MOTO_ACM_VALIDATION_WAIT", "0")], args: &[], proxy: false },
    Measure {
        name: "examples/containers",
        moto_env: &[("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")],
        args: &[],
        proxy: false,
    },
    Measure { name: "examples/database", moto_env: &[], args: &[], proxy: false },
    Measure {
        name: "examples/frontend",
        moto_env: &[("MOTO_ACM_VALIDATION_WAIT", "0")],
        args: &["--var", "api_key=calls-api-key"],
        proxy: true,
    },
    Measure { name: "tests/moto_iam", moto_env: &[], args: &[], proxy: false },
    Measure { name: "tests/moto_calls", moto_env: &[], args: &[], proxy: true },
];

/// One object's create as `-v` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Create {
    calls: BTreeMap<String, u64>,
    waits: BTreeMap<String, u64>,
}

impl Create {
    fn total(&self) -> u64 {
        self.calls.values().chain(self.waits.values()).sum()
    }
}

/// `EC2:CreateVpc=1,EC2:DescribeVpcs=1` (or `none`) as a map.
fn counts(list: &str) -> BTreeMap<String, u64> {
    if list == "none" {
        return BTreeMap::new();
    }
    list.split(',')
        .map(|item| {
            let (op, n) = item.rsplit_once('=').unwrap_or_else(|| panic!("a count in {list:?}"));
            (op.to_string(), n.parse().unwrap_or_else(|_| panic!("a number in {item:?}")))
        })
        .collect()
}

/// The "AWS calls per create" lines of `-v`'s output: (type, the calls of one of its objects).
fn creates(stderr: &str) -> Vec<(String, Create)> {
    let mut out = vec![];
    for line in stderr.lines().filter(|l| l.contains("AWS calls per create")) {
        let field = |name: &str, next: Option<&str>| -> String {
            let start = line.find(&format!(" {name}=")).unwrap_or_else(|| panic!("{name} in {line}")) + name.len() + 2;
            let end = next.and_then(|n| line[start..].find(&format!(" {n}=")).map(|i| start + i)).unwrap_or(line.len());
            line[start..end].trim().trim_matches('"').to_string()
        };
        let create = Create { calls: counts(&field("calls", Some("waits"))), waits: counts(&field("waits", None)) };
        out.push((field("type", Some("objects")), create));
    }
    out
}

/// Applies `m` against an emulator of its own and returns each type's creates.
fn measure(m: &Measure) -> Vec<(String, Create)> {
    let dir = tempfile::tempdir().expect("tempdir");
    support::copy_config(&root().join(m.name), dir.path());
    let mut s = Stack { moto: provision_testkit::moto::Moto::start_with_env(m.moto_env), dir, endpoint: None };
    let _proxy = m.proxy.then(|| {
        let proxy = FaultProxy::start(&s.moto.endpoint());
        proxy.set_rules(Rules::default().emulate(Arc::new(S3Answers)).emulate(Arc::new(CloudFront::new(0, 0, 0))));
        s.endpoint = Some(proxy.url());
        proxy
    });
    let out = s.run(&[&["-v", "apply", "--auto-approve"], m.args].concat());
    assert!(out.status.success(), "{}: the apply failed:\n{}\n{}", m.name, text(&out.stdout), text(&out.stderr));
    creates(&text(&out.stderr))
}

/// The table as measured: per type, the configuration that measured it and its object with the
/// most calls (objects of one type can differ: a route table with inline routes).
fn measured() -> BTreeMap<String, (String, Create)> {
    let results: Vec<(&Measure, Vec<(String, Create)>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = MEASURES.iter().map(|m| (m, scope.spawn(move || measure(m)))).collect();
        handles.into_iter().map(|(m, h)| (m, h.join().expect("a measure panicked"))).collect()
    });
    let mut table: BTreeMap<String, (String, Create)> = BTreeMap::new();
    for (m, creates) in results {
        let mut own: BTreeMap<String, Create> = BTreeMap::new();
        for (type_name, create) in creates {
            let keep = own.get(&type_name).is_none_or(|c| {
                (create.total(), format!("{:?}", create.calls)) > (c.total(), format!("{:?}", c.calls))
            });
            if keep {
                own.insert(type_name, create);
            }
        }
        for (type_name, create) in own {
            table.entry(type_name).or_insert_with(|| (m.name.to_string(), create));
        }
    }
    table
}

fn as_json(table: &BTreeMap<String, (String, Create)>) -> Value {
    let types: serde_json::Map<String, Value> = table
        .iter()
        .map(|(t, (config, c))| {
            let entry = json!({
                "calls": c.total(),
                "operations": c.calls,
                "waits": c.waits,
                "configuration": config,
            });
            (t.clone(), entry)
        })
        .collect();
    json!({
        "about": [
            "The AWS API calls each resource type's create makes, measured against moto by tests/moto_calls.rs",
            "(PROVISION_UPDATE_CALLS=1 rewrites this file). `calls` counts every call; `operations` are the calls",
            "of the create itself, `waits` the reads made while waiting for the new object to be visible or to",
            "reach a status. moto answers `available` (or `ISSUED`, `ACTIVE`, ...) at once, so against moto each",
            "wait makes one read; on AWS it makes one read per poll until the object is ready, which depends on",
            "AWS's timing. `configuration` is the example or test configuration that measured the type."
        ],
        "types": types,
    })
}

#[test]
fn every_create_makes_the_calls_in_the_table() {
    let path = root().join("crates/provision-aws/create-calls.json");
    let table = measured();
    let unmeasured: Vec<&str> =
        provision_aws::schemas().into_iter().map(|(name, _)| name).filter(|name| !table.contains_key(*name)).collect();
    assert!(unmeasured.is_empty(), "no configuration of tests/moto_calls.rs creates {unmeasured:?}: add one");
    let fresh = format!("{}\n", serde_json::to_string_pretty(&as_json(&table)).expect("JSON"));
    if std::env::var_os("PROVISION_UPDATE_CALLS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &fresh).expect("write create-calls.json");
        return;
    }
    let recorded = std::fs::read_to_string(&path).unwrap_or_default();
    if recorded != fresh {
        let diff = similar::TextDiff::from_lines(&recorded, &fresh);
        panic!(
            "the calls of some creates changed (- recorded, + measured); if that is intended, run \
             PROVISION_UPDATE_CALLS=1 cargo test -p provision-cli --test moto_calls, then \
             PROVISION_UPDATE_DOCS=1 cargo test -p provision-aws --test docs:\n{}",
            diff.unified_diff().context_radius(2)
        );
    }
}
