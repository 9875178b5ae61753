//! End to end against moto: S3 buckets, their settings and objects through the CLI. A private,
//! versioned, encrypted static-site bucket with public access blocked, a policy, ownership
//! controls, lifecycle rules and website hosting, two objects (one from `content`, one from a
//! `source` file), and a second bucket (generated name) with CORS and an ACL. Apply, a clean plan
//! (AWS defaults and a policy written in another key order are not changes), an in-place object
//! change, drift corrected, a refused and then a forced destroy of a non-empty bucket, the reads'
//! call counts, conformance of every read with its schema, and crash recovery by name.

mod support;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{BucketVersioningStatus, Tag, Tagging, VersioningConfiguration};
use provision_testkit::FaultProxy;
use provision_testkit::emulate_s3::S3Answers;
use provision_testkit::faults::Rules;
use std::sync::Arc;
use support::{Stack, text};

const SITE: &str = "acme-site-e2e";

const CONFIG: &str = r#"
variable "index" {
  type    = string
  default = "<h1>v1</h1>"
}

variable "force_destroy" {
  type    = bool
  default = false
}

resource "aws_s3_bucket" "site" {
  bucket        = "acme-site-e2e"
  force_destroy = var.force_destroy
  tags = {
    Env = "test"
  }
}

resource "aws_s3_bucket_versioning" "site" {
  bucket = aws_s3_bucket.site.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "site" {
  bucket = aws_s3_bucket.site.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_public_access_block" "site" {
  bucket                  = aws_s3_bucket.site.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "site" {
  bucket = aws_s3_bucket.site.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

# Keys in another order than AWS returns them, and the lone action and resource without lists.
# (moto enforces bucket policies: the account must be allowed too.)
resource "aws_s3_bucket_policy" "site" {
  bucket = aws_s3_bucket.site.id
  policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Sid": "AllowCloudFrontRead",
          "Principal": { "Service": "cloudfront.amazonaws.com" },
          "Effect": "Allow",
          "Resource": "${aws_s3_bucket.site.arn}/*",
          "Action": "s3:GetObject"
        },
        {
          "Sid": "AllowTheAccount",
          "Effect": "Allow",
          "Principal": { "AWS": "arn:aws:iam::123456789012:root" },
          "Action": "s3:*",
          "Resource": ["${aws_s3_bucket.site.arn}/*", "${aws_s3_bucket.site.arn}"]
        }
      ]
    }
  EOT
}

resource "aws_s3_bucket_lifecycle_configuration" "site" {
  bucket = aws_s3_bucket.site.id

  rule {
    id     = "old-versions"
    status = "Enabled"
    filter {
      prefix = "assets/"
    }
    noncurrent_version_expiration {
      noncurrent_days = 30
    }
  }

  rule {
    id     = "abort-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
}

resource "aws_s3_bucket_website_configuration" "site" {
  bucket = aws_s3_bucket.site.id
  index_document {
    suffix = "index.html"
  }
  error_document {
    key = "index.html"
  }
}

resource "aws_s3_object" "index" {
  bucket        = aws_s3_bucket.site.id
  key           = "index.html"
  content       = var.index
  content_type  = "text/html"
  cache_control = "max-age=60"
}

resource "aws_s3_object" "app" {
  bucket       = aws_s3_bucket.site.id
  key          = "assets/app.js"
  source       = "app.js"
  etag         = md5(file("app.js"))
  content_type = "application/javascript"
  metadata = {
    build = "42"
  }
}

resource "aws_s3_bucket" "uploads" {
  bucket_prefix = "acme-uploads-"
}

resource "aws_s3_bucket_ownership_controls" "uploads" {
  bucket = aws_s3_bucket.uploads.id
  rule {
    object_ownership = "BucketOwnerPreferred"
  }
}

resource "aws_s3_bucket_acl" "uploads" {
  bucket     = aws_s3_bucket.uploads.id
  acl        = "private"
  depends_on = [aws_s3_bucket_ownership_controls.uploads]
}

resource "aws_s3_bucket_cors_configuration" "uploads" {
  bucket = aws_s3_bucket.uploads.id
  cors_rule {
    allowed_methods = ["PUT", "GET"]
    allowed_origins = ["https://app.example.com"]
    allowed_headers = ["*"]
    max_age_seconds = 3000
  }
}

data "aws_s3_bucket" "site" {
  bucket     = aws_s3_bucket.site.id
  depends_on = [aws_s3_bucket_website_configuration.site]
}

output "origin" {
  value = data.aws_s3_bucket.site.bucket_regional_domain_name
}

output "website" {
  value = aws_s3_bucket_website_configuration.site.website_endpoint
}
"#;

const TYPES: &[&str] = &[
    "aws_s3_bucket",
    "aws_s3_bucket_versioning",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_policy",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_s3_bucket_website_configuration",
    "aws_s3_bucket_cors_configuration",
    "aws_s3_bucket_acl",
    "aws_s3_object",
];

/// An S3 client for the test's own checks and changes, through the stack's endpoint (the proxy
/// when there is one).
async fn s3(s: &Stack) -> aws_sdk_s3::Client {
    let sdk = s.sdk().await;
    let mut b = aws_sdk_s3::config::Builder::from(&sdk).force_path_style(true);
    if let Some(e) = &s.endpoint {
        b = b.endpoint_url(e);
    }
    aws_sdk_s3::Client::from_conf(b.build())
}

/// A stack whose requests go through the fault proxy with [`S3Answers`]: moto 5.2.5 answers
/// `GetBucketVersioning` with a root element the SDK cannot parse.
fn through_proxy(mut s: Stack) -> (Stack, FaultProxy) {
    let proxy = FaultProxy::start(&s.moto.endpoint());
    proxy.set_rules(Rules::default().emulate(Arc::new(S3Answers)));
    s.endpoint = Some(proxy.url());
    (s, proxy)
}

/// The count of each S3 call a `-v` run reports.
fn calls(stderr: &str, op: &str) -> u64 {
    let needle = format!("S3:{op}=");
    stderr
        .split(|c: char| c.is_whitespace() || c == '"')
        .filter_map(|w| w.strip_prefix(&needle))
        .filter_map(|n| n.parse::<u64>().ok())
        .next_back()
        .unwrap_or(0)
}

fn plan_exit(s: &Stack, args: &[&str]) -> (Option<i32>, String) {
    let mut all = vec!["plan", "--detailed-exitcode"];
    all.extend_from_slice(args);
    let out = s.run(&all);
    (out.status.code(), format!("{}{}", text(&out.stdout), text(&out.stderr)))
}

#[tokio::test]
async fn a_private_site_bucket_lives_changes_drifts_and_is_destroyed_only_when_forced() {
    let (s, _proxy) = through_proxy(Stack::with_config(CONFIG));
    std::fs::write(s.path().join("app.js"), "console.log('v1');\n").expect("source file");
    let out = s.ok(&["apply", "--auto-approve"]);
    assert!(out.contains("Resources: 14 added, 0 changed, 0 destroyed."), "{out}");
    assert!(out.contains("s3-website-eu-west-1.amazonaws.com"), "the website endpoint is an output: {out}");

    // AWS defaults and the policy's key order are not changes.
    let (code, plan) = plan_exit(&s, &[]);
    assert_eq!(code, Some(0), "a second plan is clean:\n{plan}");
    s.ok(&["apply", "--auto-approve"]);
    s.assert_reads_match_schemas(TYPES);

    // The refresh: one ListBuckets, one GetBucketTagging per bucket, one HeadObject per object,
    // one Get* per setting; no listing of objects.
    let out = s.run(&["-v", "plan"]);
    let err = text(&out.stderr);
    assert_eq!(calls(&err, "ListBuckets"), 1, "{err}");
    assert_eq!(calls(&err, "GetBucketTagging"), 2, "{err}");
    assert_eq!(calls(&err, "HeadObject"), 2, "{err}");
    assert_eq!(calls(&err, "GetObjectTagging"), 0, "untagged objects need no tagging read: {err}");
    assert_eq!(calls(&err, "GetBucketVersioning"), 1, "{err}");
    assert_eq!(calls(&err, "GetBucketPolicy"), 1, "{err}");
    assert_eq!(calls(&err, "GetBucketOwnershipControls"), 2, "{err}");
    assert_eq!(calls(&err, "ListObjectVersions"), 0, "{err}");

    // A new index.html: only that object is written again, in place.
    let c = s3(&s).await;
    let v1 =
        c.head_object().bucket(SITE).key("index.html").send().await.expect("head").version_id().map(str::to_string);
    let (code, plan) = plan_exit(&s, &["-var", "index=<h1>v2</h1>"]);
    assert_eq!(code, Some(2), "{plan}");
    assert!(plan.contains("1 to change"), "{plan}");
    assert!(plan.contains("0 to add") && plan.contains("0 to destroy"), "{plan}");
    assert!(plan.contains("aws_s3_object.index"), "{plan}");
    let out = s.ok(&["apply", "--auto-approve", "-var", "index=<h1>v2</h1>"]);
    assert!(out.contains("Resources: 0 added, 1 changed, 0 destroyed."), "{out}");
    let body =
        c.get_object().bucket(SITE).key("index.html").send().await.expect("get").body.collect().await.expect("body");
    assert_eq!(body.into_bytes().as_ref(), b"<h1>v2</h1>");
    let v2 =
        c.head_object().bucket(SITE).key("index.html").send().await.expect("head").version_id().map(str::to_string);
    assert_ne!(v1, v2, "a new version of the same object");
    let (code, plan) = plan_exit(&s, &["-var", "index=<h1>v2</h1>"]);
    assert_eq!(code, Some(0), "{plan}");

    // Drift: versioning suspended and the policy replaced outside provision.
    c.put_bucket_versioning()
        .bucket(SITE)
        .versioning_configuration(VersioningConfiguration::builder().status(BucketVersioningStatus::Suspended).build())
        .send()
        .await
        .expect("suspend");
    let open = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::acme-site-e2e","arn:aws:s3:::acme-site-e2e/*"]}]}"#;
    c.put_bucket_policy().bucket(SITE).policy(open).send().await.expect("policy");
    let (code, plan) = plan_exit(&s, &["-var", "index=<h1>v2</h1>"]);
    assert_eq!(code, Some(2), "{plan}");
    assert!(plan.contains("Objects have changed outside of provision"), "{plan}");
    assert!(plan.contains("aws_s3_bucket_versioning.site") && plan.contains("aws_s3_bucket_policy.site"), "{plan}");
    assert!(plan.contains("2 to change"), "{plan}");
    s.ok(&["apply", "--auto-approve", "-var", "index=<h1>v2</h1>"]);
    let v = c.get_bucket_versioning().bucket(SITE).send().await.expect("versioning");
    assert_eq!(v.status(), Some(&BucketVersioningStatus::Enabled));
    let p = c.get_bucket_policy().bucket(SITE).send().await.expect("policy");
    assert!(p.policy().unwrap_or_default().contains("AllowCloudFrontRead"), "{p:?}");
    assert_eq!(plan_exit(&s, &["-var", "index=<h1>v2</h1>"]).0, Some(0));

    // Objects made outside provision, with old versions: the destroy is refused when planning.
    for body in ["a", "b", "c"] {
        c.put_object()
            .bucket(SITE)
            .key("uploads/report.csv")
            .body(ByteStream::from_static(body.as_bytes()))
            .send()
            .await
            .expect("put");
    }
    let out = s.run(&["destroy", "--auto-approve", "-var", "index=<h1>v2</h1>"]);
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!out.status.success(), "{all}");
    assert!(all.contains(SITE) && all.contains("force_destroy"), "the message names the bucket and the fix: {all}");
    c.head_bucket().bucket(SITE).send().await.expect("the bucket is still there");
    c.get_bucket_policy().bucket(SITE).send().await.expect("nothing was torn down, not even the policy");
    c.head_object().bucket(SITE).key("index.html").send().await.expect("nor the objects");

    // With force_destroy in the configuration now (not applied): every version goes, then the bucket.
    let out = s.ok(&["destroy", "--auto-approve", "-var", "index=<h1>v2</h1>", "-var", "force_destroy=true"]);
    assert!(out.contains("Resources: 14 destroyed."), "{out}");
    let buckets = c.list_buckets().send().await.expect("list");
    assert!(buckets.buckets().is_empty(), "no bucket is left: {:?}", buckets.buckets());
    assert_eq!(s.state()["resources"], serde_json::json!([]));
}

/// Only an aws_s3_bucket with its inline v3 blocks: refused at plan time, naming the replacement.
#[tokio::test]
async fn provider_v3_inline_blocks_are_refused_naming_their_replacement() {
    let s = Stack::with_config(
        r#"
resource "aws_s3_bucket" "old" {
  bucket = "acme-old-style"
  versioning {
    enabled = true
  }
}
"#,
    );
    let out = s.run(&["plan"]);
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!out.status.success(), "{all}");
    assert!(all.contains("aws_s3_bucket_versioning"), "{all}");
}

/// A run killed between CreateBucket and the state write: the bucket is found by its recorded name
/// and adopted because its tags say it is ours; a bucket of that name that is not ours is refused.
#[tokio::test]
async fn an_interrupted_bucket_create_is_adopted_by_name_and_a_stranger_is_refused() {
    let s = Stack::with_config(
        r#"
resource "aws_s3_bucket" "ours" {
  bucket = "acme-adopted"
}

resource "aws_s3_bucket" "theirs" {
  bucket = "acme-stranger"
}
"#,
    );
    let lineage = "11111111-2222-3333-4444-555555555555";
    let c = s3(&s).await;
    let location = aws_sdk_s3::types::CreateBucketConfiguration::builder()
        .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuWest1)
        .build();
    for name in ["acme-adopted", "acme-stranger"] {
        c.create_bucket().bucket(name).create_bucket_configuration(location.clone()).send().await.expect("create");
    }
    let tags = Tagging::builder()
        .tag_set(Tag::builder().key("provision:stack").value(lineage).build().expect("tag"))
        .tag_set(Tag::builder().key("provision:address").value("aws_s3_bucket.ours").build().expect("tag"))
        .build()
        .expect("tagging");
    c.put_bucket_tagging().bucket("acme-adopted").tagging(tags).send().await.expect("tag");
    let pending = |address: &str, name: &str| {
        serde_json::json!({
            "address": address, "token": "t-1", "started_at": "2026-11-22T08:00:00Z", "dependencies": [],
            "provider": "aws", "natural_key": name, "desired": { "bucket": name }
        })
    };
    let state = serde_json::json!({
        "format": "provision-state", "format_version": 2, "serial": 1, "lineage": lineage,
        "provision_version": "0.1.0", "resources": [],
        "pending": [pending("aws_s3_bucket.ours", "acme-adopted"), pending("aws_s3_bucket.theirs", "acme-stranger")],
        "outputs": {}
    });
    std::fs::write(s.path().join("provision.tfstate"), state.to_string()).expect("state");

    let out = s.run(&["apply", "--auto-approve"]);
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(all.contains("aws_s3_bucket.ours: an interrupted run created acme-adopted"), "{all}");
    assert!(all.contains("acme-stranger"), "the stranger is named: {all}");
    assert!(!out.status.success(), "creating over someone else's bucket fails: {all}");
    let addresses: Vec<String> = s.state()["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter_map(|r| r["address"].as_str().map(str::to_string))
        .collect();
    assert_eq!(addresses, ["aws_s3_bucket.ours"], "only ours is recorded");
    let theirs = c.get_bucket_tagging().bucket("acme-stranger").send().await;
    assert!(theirs.map(|t| t.tag_set().is_empty()).unwrap_or(true), "the stranger was left alone");
}
