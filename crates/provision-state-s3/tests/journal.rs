//! The S3 state journal against moto (which honours `If-None-Match: *` on PutObject and lists by
//! prefix): segments written between whole writes, replayed by every reader, refused when damaged
//! or missing, refused from a writer whose lease was taken over, and removed by every whole write.

use aws_sdk_s3::primitives::ByteStream;
use provision_core::state::{ResourceObject, State, StateStore};
use provision_core::{Attrs, ProviderRef, Value};
use provision_state::{Backend, Lock, LockInfo, StateError, Store};
use provision_state_s3::{S3Backend, S3Config};
use provision_testkit::moto::{Moto, REGION};
use std::path::Path;
use std::time::Duration;

const BUCKET: &str = "state-bucket";
const KEY: &str = "env/provision.tfstate";

struct Env {
    _moto: Moto,
    sdk: aws_config::SdkConfig,
    s3: aws_sdk_s3::Client,
}

async fn env() -> Env {
    let moto = Moto::start();
    let sdk = aws_config::SdkConfig::builder()
        .region(aws_config::Region::new(REGION))
        .endpoint_url(moto.endpoint())
        .credentials_provider(aws_sdk_s3::config::SharedCredentialsProvider::new(aws_sdk_s3::config::Credentials::new(
            "testing", "testing", None, None, "test",
        )))
        .behavior_version(aws_config::BehaviorVersion::latest())
        .build();
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&sdk).force_path_style(true).build());
    s3.create_bucket()
        .bucket(BUCKET)
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(REGION))
                .build(),
        )
        .send()
        .await
        .expect("create bucket");
    s3.put_bucket_versioning()
        .bucket(BUCKET)
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .expect("versioning");
    Env { _moto: moto, sdk, s3 }
}

impl Env {
    fn backend(&self) -> S3Backend {
        S3Backend::with_sdk(
            S3Config {
                bucket: BUCKET.into(),
                key: KEY.into(),
                region: Some(REGION.into()),
                dynamodb_table: None,
                use_lockfile: true,
                encrypt: false,
                kms_key_id: None,
                workspace_key_prefix: "env:".into(),
                env: "default".into(),
                lease: Duration::from_secs(20),
            },
            &self.sdk,
        )
    }

    /// The journal's objects, in order.
    async fn journal(&self) -> Vec<String> {
        let out =
            self.s3.list_objects_v2().bucket(BUCKET).prefix(format!("{KEY}.journal/")).send().await.expect("list");
        let mut keys: Vec<String> = out.contents().iter().filter_map(|o| o.key().map(str::to_string)).collect();
        keys.sort();
        keys
    }

    async fn get(&self, key: &str) -> String {
        let out = self.s3.get_object().bucket(BUCKET).key(key).send().await.expect("get");
        String::from_utf8(out.body.collect().await.expect("body").into_bytes().to_vec()).expect("utf-8")
    }

    async fn put(&self, key: &str, body: &str) {
        self.s3
            .put_object()
            .bucket(BUCKET)
            .key(key)
            .body(ByteStream::from(body.as_bytes().to_vec()))
            .send()
            .await
            .expect("put");
    }
}

fn no_lock() -> Lock {
    Lock::None(Box::new(LockInfo::new("apply", Path::new("s3://state-bucket/env/provision.tfstate"))))
}

fn object(address: &str, id: &str) -> ResourceObject {
    let mut attributes = Attrs::new();
    attributes.insert("id".into(), Value::String(id.into()));
    ResourceObject {
        address: address.parse().expect("address"),
        deposed: None,
        id: id.into(),
        layer: Default::default(),
        provider: ProviderRef::default_for("fake"),
        attributes,
        sensitive_attributes: vec![],
        dependencies: vec![],
        unfinished: false,
        tainted: false,
    }
}

/// States 0..=n, each adding one object.
fn states(n: usize) -> Vec<State> {
    let mut all = vec![State::new("L", "t")];
    for i in 1..=n {
        let mut s = all[i - 1].clone();
        s.upsert(object(&format!("fake_network.n{i}"), &format!("id-{i}")));
        s.serial += 1;
        all.push(s);
    }
    all
}

/// A run that writes `states` (the first whole, the rest as segments) and is then killed.
async fn killed_run(env: &Env, states: &[State]) -> S3Backend {
    let b = env.backend();
    b.read().await.expect("read");
    let lock = no_lock();
    let store = Store::new(&b, &lock);
    for s in states {
        store.persist(s).await.expect("persist");
    }
    b
}

#[tokio::test]
async fn segments_follow_the_state_and_every_reader_replays_them() {
    let env = env().await;
    let s = states(3);
    let b = killed_run(&env, &s).await;
    let (puts, bytes) = b.uploads();
    let whole = env.get(KEY).await;
    assert_eq!(puts, 4, "one whole write, then one segment per write");
    let journal = env.journal().await;
    assert_eq!(journal.len(), 3, "{journal:?}");
    assert!(journal[0].ends_with("/00000000000000000001"), "named by the serial they make: {journal:?}");
    let segments: u64 = {
        let mut n = 0;
        for k in &journal {
            n += env.get(k).await.len() as u64;
        }
        n
    };
    assert_eq!(bytes, whole.len() as u64 + segments, "every byte uploaded is counted");

    // The next run, `state pull`: the state object with the segments replayed.
    let next = env.backend();
    assert_eq!(next.read().await.expect("read"), Some(s[3].clone()));
    assert!(next.has_journal().await.expect("has journal"), "a killed run's journal is there to compact");
    let pulled = next.read_text().await.expect("pull").expect("a state");
    assert_eq!(provision_state::parse(Path::new("pulled"), &pulled).expect("parse"), s[3]);
    assert_eq!(env.journal().await, journal, "readers leave the journal alone");

    // The next run compacts it (its first write is whole) and leaves no journal behind.
    let lock = no_lock();
    let store = Store::new(&next, &lock);
    store.compact_left(&s[3]).await.expect("compact what the killed run left");
    assert!(env.journal().await.is_empty(), "{:?}", env.journal().await);
    assert_eq!(env.backend().read().await.expect("read"), Some(s[3].clone()));
    assert!(!env.backend().read_text().await.expect("pull").expect("state").is_empty());
}

#[tokio::test]
async fn the_end_of_a_command_compacts_and_a_whole_write_leaves_no_journal() {
    let env = env().await;
    let s = states(4);
    let b = env.backend();
    b.read().await.expect("read");
    let lock = no_lock();
    let store = Store::new(&b, &lock);
    for st in &s[..3] {
        store.persist(st).await.expect("persist");
    }
    assert_eq!(env.journal().await.len(), 2);
    store.compact().await.expect("compact");
    assert!(env.journal().await.is_empty(), "the end of the command leaves no journal");
    assert_eq!(env.get(KEY).await, serde_json::to_string_pretty(&s[2]).expect("json") + "\n");

    // A crash between a whole write and its deletions leaves another generation's segments:
    // readers ignore them, and the next whole write (`state push`, `state migrate`) removes them.
    env.put(&format!("{KEY}.journal/0123abcd/00000000000000000003"), "left over\n").await;
    assert_eq!(env.backend().read().await.expect("read"), Some(s[2].clone()));
    let pusher = env.backend();
    pusher.read().await.expect("read");
    let lock = no_lock();
    Store::new(&pusher, &lock).persist(&s[3]).await.expect("push");
    assert!(env.journal().await.is_empty(), "{:?}", env.journal().await);
}

#[tokio::test]
async fn a_damaged_or_missing_segment_is_refused_naming_its_key() {
    let env = env().await;
    let s = states(4);
    killed_run(&env, &s).await;
    let journal = env.journal().await;
    let second = journal[1].clone();
    let good = env.get(&second).await;

    env.put(&second, &good.replacen("id-2", "id-X", 1)).await;
    let err = env.backend().read().await.expect_err("a damaged segment is refused");
    assert!(matches!(err, StateError::CorruptJournal { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains(&format!("s3://{BUCKET}/{second}")), "names the object: {msg}");
    assert!(msg.contains("checksum"), "{msg}");
    let err = env.backend().read_text().await.expect_err("`state pull` refuses it too");
    assert!(err.to_string().contains(&second), "{err}");
    // Nothing is written over a journal that cannot be read.
    let b = env.backend();
    assert!(b.read().await.is_err());

    // A segment cut short (not one complete line).
    env.put(&second, &good[..good.len() - 5]).await;
    let msg = env.backend().read().await.expect_err("cut").to_string();
    assert!(msg.contains(&second) && msg.contains("complete journal line"), "{msg}");

    // A missing segment: a gap, naming the object that is missing.
    env.s3.delete_object().bucket(BUCKET).key(&second).send().await.expect("delete");
    let msg = env.backend().read().await.expect_err("gap").to_string();
    assert!(msg.contains(&journal[2]) && msg.contains(&format!("{second} is missing")), "{msg}");
}

#[tokio::test]
async fn a_stale_writers_segment_is_refused() {
    let env = env().await;
    let s = states(4);
    // A writes the state whole, then a segment; its lease then lapses.
    let a = env.backend();
    a.read().await.expect("read");
    let lock_a = no_lock();
    let store_a = Store::new(&a, &lock_a);
    store_a.persist(&s[0]).await.expect("persist");
    store_a.persist(&s[1]).await.expect("persist");

    // B takes over and reads; A's next segment lands before B's first write, which then refuses
    // to write over a record it did not read.
    let b = env.backend();
    assert_eq!(b.read().await.expect("read"), Some(s[1].clone()));
    store_a.persist(&s[2]).await.expect("A's segment lands before B's seal");
    let lock_b = no_lock();
    let store_b = Store::new(&b, &lock_b);
    let mut b_state = s[1].clone();
    b_state.serial = 2;
    b_state.upsert(object("fake_network.b", "from-b"));
    let err = store_b.persist(&b_state).await.expect_err("B must not lose A's record");
    assert!(err.to_string().contains("changed since this run read it"), "{err}");
    assert_eq!(env.backend().read().await.expect("read"), Some(s[2].clone()), "A's record is kept");

    // B reads again and writes; A's next segment is refused, and A stops.
    let b = env.backend();
    assert_eq!(b.read().await.expect("read"), Some(s[2].clone()));
    let store_b = Store::new(&b, &lock_b);
    b_state.serial = 3;
    store_b.persist(&b_state).await.expect("B writes whole");
    let err = store_a.persist(&s[3]).await.expect_err("A's segment is refused");
    let msg = err.to_string();
    assert!(msg.contains("journal segment") && msg.contains("refused"), "{msg}");
    assert_eq!(env.backend().read().await.expect("read"), Some(b_state.clone()), "readers see B's state only");
    // B goes on appending under its own generation.
    let mut b4 = b_state.clone();
    b4.serial = 4;
    b4.upsert(object("fake_network.c", "c"));
    store_b.persist(&b4).await.expect("B appends");
    assert_eq!(env.backend().read().await.expect("read"), Some(b4));
}

#[tokio::test]
async fn a_sealed_generation_takes_no_more_segments_and_is_replayed_to_its_seal() {
    let env = env().await;
    let s = states(3);
    killed_run(&env, &s[..3]).await;
    let journal = env.journal().await;
    // A run that sealed the generation and was killed before its whole write.
    let generation = journal[0].rsplit_once('/').expect("key").0.to_string();
    env.put(
        &format!("{generation}/00000000000000000003"),
        "{\"sealed\":\"the state object was written whole after this\"}\n",
    )
    .await;
    assert_eq!(env.backend().read().await.expect("read"), Some(s[2].clone()));
    // The next run writes over it whole (the seal is not taken again).
    let lock = no_lock();
    let mut s3 = s[2].clone();
    s3.serial = 3;
    s3.upsert(object("fake_network.z", "z"));
    let c = env.backend();
    c.read().await.expect("read");
    let store = Store::new(&c, &lock);
    store.persist(&s3).await.expect("a whole write over a sealed generation");
    assert_eq!(env.backend().read().await.expect("read"), Some(s3));
    assert!(env.journal().await.is_empty());
}
