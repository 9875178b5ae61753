//! End to end through the CLI against moto: a static frontend's CloudFront distribution with its
//! origin access control, the SNS topic and subscription its alarm notifies, the CloudWatch alarm,
//! and SSM parameters (one a SecureString from a sensitive variable).
//!
//! moto lacks part of CloudFront (see `provision_testkit::emulate_cloudfront`): it drops
//! `S3OriginConfig` and `OriginAccessControlId` on read, never changes an ETag, deploys at once,
//! deletes enabled distributions, and has no origin access identity API at all. The tests that
//! need those behaviours go through the fault proxy with the CloudFront emulation, which keeps the
//! origins whole, gives ETags that move, keeps distributions `InProgress` for a few reads, refuses
//! to delete an enabled distribution and answers `PreconditionFailed` / `DistributionNotDisabled`.
//!
//! CloudWatch alarms are tested with the awsQuery release of `aws-sdk-cloudwatch` the workspace
//! pins (the current crate speaks RPCv2 CBOR, which moto answers with 404).

mod support;

use provision_testkit::emulate_cloudfront::CloudFront;
use provision_testkit::faults::{Emulator, FaultProxy, Rules};
use std::sync::Arc;
use support::{Stack, text};

const SECRET: &str = "hunter2-Sup3r-S3cret";

/// The frontend stack: `BUCKET` is replaced by the name of a bucket the test makes with the SDK
/// (the S3 types are another crate's).
const FRONTEND: &str = r#"
variable "db_password" {
  type      = string
  sensitive = true
}

variable "comment" {
  type    = string
  default = "static site"
}

variable "threshold" {
  type    = number
  default = 5
}

data "aws_cloudfront_cache_policy" "optimized" {
  name = "Managed-CachingOptimized"
}

resource "aws_cloudfront_origin_access_control" "site" {
  name                              = "site-oac"
  description                       = "reads the site bucket"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

resource "aws_cloudfront_distribution" "site" {
  enabled             = true
  comment             = var.comment
  default_root_object = "index.html"
  price_class         = "PriceClass_100"
  is_ipv6_enabled     = true

  origin {
    domain_name              = "BUCKET.s3.eu-west-1.amazonaws.com"
    origin_id                = "site"
    origin_access_control_id = aws_cloudfront_origin_access_control.site.id
  }

  default_cache_behavior {
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    target_origin_id       = "site"
    viewer_protocol_policy = "redirect-to-https"
    cache_policy_id        = data.aws_cloudfront_cache_policy.optimized.id
    compress               = true
  }

  custom_error_response {
    error_code         = 403
    response_code      = 200
    response_page_path = "/index.html"
  }

  custom_error_response {
    error_code         = 404
    response_code      = 200
    response_page_path = "/index.html"
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = true
  }

  tags = { Team = "web" }
}

resource "aws_sns_topic" "alerts" {
  name         = "site-alerts"
  display_name = "Site alerts"
  tags         = { Team = "web" }
}

resource "aws_sns_topic_subscription" "oncall" {
  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "email"
  endpoint  = "oncall@example.com"
}

resource "aws_cloudwatch_metric_alarm" "errors" {
  alarm_name          = "site-5xx"
  alarm_description   = "The site answers errors"
  comparison_operator = "GreaterThanOrEqualToThreshold"
  evaluation_periods  = 2
  metric_name         = "5xxErrorRate"
  namespace           = "AWS/CloudFront"
  period              = 300
  statistic           = "Average"
  threshold           = var.threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]
  dimensions = {
    DistributionId = aws_cloudfront_distribution.site.id
    Region         = "Global"
  }
  tags = { Team = "web" }
}

resource "aws_ssm_parameter" "domain" {
  name  = "/site/domain"
  type  = "String"
  value = aws_cloudfront_distribution.site.domain_name
  tags  = { Team = "web" }
}

resource "aws_ssm_parameter" "db_password" {
  name        = "/site/db-password"
  description = "database password"
  type        = "SecureString"
  value       = var.db_password
}

output "domain" {
  value = aws_cloudfront_distribution.site.domain_name
}
"#;

struct Clients {
    ssm: aws_sdk_ssm::Client,
    sns: aws_sdk_sns::Client,
    cw: aws_sdk_cloudwatch::Client,
    cf: aws_sdk_cloudfront::Client,
}

impl Stack {
    async fn clients(&self) -> Clients {
        let conf = self.sdk().await;
        Clients {
            ssm: aws_sdk_ssm::Client::new(&conf),
            sns: aws_sdk_sns::Client::new(&conf),
            cw: aws_sdk_cloudwatch::Client::new(&conf),
            cf: aws_sdk_cloudfront::Client::new(&conf),
        }
    }

    /// A private bucket for the origin, made with the SDK.
    async fn bucket(&self, name: &str) {
        let conf = self.sdk().await;
        let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&conf).force_path_style(true).build());
        let location = aws_sdk_s3::types::CreateBucketConfiguration::builder()
            .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuWest1)
            .build();
        s3.create_bucket().bucket(name).create_bucket_configuration(location).send().await.expect("bucket");
    }

    fn id_of(&self, address: &str) -> String {
        self.state()["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .find(|r| r["address"] == address)
            .and_then(|r| r["id"].as_str())
            .unwrap_or_else(|| panic!("{address} is not in state"))
            .to_string()
    }

    fn plan_json(&self, extra: &[&str]) -> serde_json::Value {
        let mut args = vec!["plan", "--json"];
        args.extend_from_slice(extra);
        let out = self.run(&args);
        assert!(out.status.success() || out.status.code() == Some(2), "{}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("plan json")
    }
}

/// The addresses a JSON plan changes (anything but no-op).
fn changed(plan: &serde_json::Value) -> Vec<String> {
    plan["resource_changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["change"]["actions"] != serde_json::json!(["no-op"]))
        .filter_map(|c| c["address"].as_str().map(str::to_string))
        .collect()
}

/// How many calls of `operation` a `-v` run's stderr reports (`Service:Operation=N`).
fn calls(stderr: &str, operation: &str) -> u64 {
    let key = format!(":{operation}=");
    stderr
        .split_whitespace()
        .filter_map(|w| w.find(&key).map(|i| &w[i + key.len()..]))
        .filter_map(|n| n.trim_matches(|c: char| !c.is_ascii_digit()).parse::<u64>().ok())
        .sum()
}

fn proxied(s: &mut Stack, cf: &Arc<CloudFront>) -> FaultProxy {
    let proxy = FaultProxy::start(&s.moto.endpoint());
    let emulator: Arc<dyn Emulator> = cf.clone();
    proxy.set_rules(Rules { emulators: vec![emulator], ..Rules::default() });
    s.endpoint = Some(proxy.url());
    proxy
}

/// Apply → a clean plan → in-place changes (one update each) → drift made with the SDK shown and
/// corrected → destroy leaves nothing; the secret never appears in any output. Through the proxy
/// with the CloudFront emulation: the distribution stays `InProgress` for three reads after its
/// create, its update and its disable, and its delete meets `PreconditionFailed` and
/// `DistributionNotDisabled` once each; destroy converges all the same.
#[tokio::test]
async fn frontend_lifecycle_drift_and_slow_cloudfront() {
    let bucket = "cdn-site-assets";
    let mut s = Stack::with_config(&FRONTEND.replace("BUCKET", bucket));
    s.bucket(bucket).await;
    let cf = Arc::new(CloudFront::new(3, 1, 1));
    let _proxy = proxied(&mut s, &cf);
    let secret_var = format!("db_password={SECRET}");
    let var = ["--var", secret_var.as_str()];
    let no_secret = |what: &str, out: &std::process::Output| {
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(!all.contains(SECRET), "{what} shows the secret:\n{all}");
        assert!(!all.contains("oncall@example.com"), "{what} shows the subscription endpoint:\n{all}");
    };

    let out = s.run(&["apply", "--auto-approve", var[0], var[1]]);
    no_secret("apply", &out);
    assert!(out.status.success(), "{}\n{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stdout).contains("7 added"), "{}", text(&out.stdout));
    assert!(cf.served().in_progress >= 3, "the create waited for Deployed: {:?}", cf.served());

    let c = s.clients().await;
    let dist = s.id_of("aws_cloudfront_distribution.site");
    let got = c.ssm.get_parameter().name("/site/db-password").with_decryption(true).send().await.expect("param");
    assert_eq!(got.parameter().and_then(|p| p.value()), Some(SECRET));
    assert_eq!(got.parameter().and_then(|p| p.r#type()).map(|t| t.as_str()), Some("SecureString"));
    let alarm = c.cw.describe_alarms().alarm_names("site-5xx").send().await.expect("alarm");
    let dims: Vec<String> = alarm.metric_alarms()[0]
        .dimensions()
        .iter()
        .map(|d| format!("{}={}", d.name().unwrap_or_default(), d.value().unwrap_or_default()))
        .collect();
    assert!(dims.contains(&format!("DistributionId={dist}")), "{dims:?}");
    assert_eq!(alarm.metric_alarms()[0].alarm_actions().len(), 1);
    let state = s.state();
    let sub = state["resources"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["address"] == "aws_sns_topic_subscription.oncall"))
        .expect("sub");
    assert!(sub["attributes"]["pending_confirmation"].is_boolean(), "{sub}");

    let out = s.run(&["plan", "--detailed-exitcode", var[0], var[1]]);
    no_secret("plan", &out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "a second plan has no changes:\n{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    s.assert_reads_match_schemas(&[
        "aws_cloudfront_distribution",
        "aws_cloudfront_origin_access_control",
        "aws_sns_topic",
        "aws_sns_topic_subscription",
        "aws_cloudwatch_metric_alarm",
        "aws_ssm_parameter",
    ]);

    // In place: the distribution's comment, the alarm's threshold, the topic's display name.
    let main = s.path().join("main.tf");
    let config = std::fs::read_to_string(&main).expect("read");
    std::fs::write(&main, config.replace("display_name = \"Site alerts\"", "display_name = \"Site alarms\""))
        .expect("edit");
    let plan = s.plan_json(&["--var", &secret_var, "--var", "comment=the site", "--var", "threshold=10"]);
    assert_eq!(plan["summary"], serde_json::json!({"import": 0, "add": 0, "change": 3, "destroy": 0}), "{plan}");
    let mut want =
        vec!["aws_cloudfront_distribution.site", "aws_cloudwatch_metric_alarm.errors", "aws_sns_topic.alerts"];
    want.sort();
    assert_eq!(changed(&plan), want);
    let before = cf.served().in_progress;
    let out = s.ok(&["apply", "--auto-approve", var[0], var[1], "--var", "comment=the site", "--var", "threshold=10"]);
    assert!(out.contains("0 added, 3 changed, 0 destroyed"), "{out}");
    assert!(cf.served().in_progress >= before + 3, "the update waited for Deployed");
    assert_eq!(s.id_of("aws_cloudfront_distribution.site"), dist, "changed in place");
    let alarm = c.cw.describe_alarms().alarm_names("site-5xx").send().await.expect("alarm");
    assert_eq!(alarm.metric_alarms()[0].threshold(), Some(10.0));
    let keep = ["--var", secret_var.as_str(), "--var", "comment=the site", "--var", "threshold=10"];
    let mut args = vec!["plan", "--detailed-exitcode"];
    args.extend_from_slice(&keep);
    assert_eq!(s.run(&args).status.code(), Some(0));

    // Drift made outside: the parameter's value, the alarm's threshold, the topic's display name.
    c.ssm
        .put_parameter()
        .name("/site/db-password")
        .value("changed-by-hand")
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .overwrite(true)
        .send()
        .await
        .expect("drift parameter");
    c.cw.put_metric_alarm()
        .alarm_name("site-5xx")
        .comparison_operator(aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanOrEqualToThreshold)
        .evaluation_periods(2)
        .metric_name("5xxErrorRate")
        .namespace("AWS/CloudFront")
        .period(300)
        .statistic(aws_sdk_cloudwatch::types::Statistic::Average)
        .threshold(50.0)
        .send()
        .await
        .expect("drift alarm");
    let topic = s.id_of("aws_sns_topic.alerts");
    c.sns
        .set_topic_attributes()
        .topic_arn(&topic)
        .attribute_name("DisplayName")
        .attribute_value("hand")
        .send()
        .await
        .expect("drift topic");
    let mut args = vec!["plan"];
    args.extend_from_slice(&keep);
    let out = s.run(&args);
    no_secret("drift plan", &out);
    let plan = text(&out.stdout);
    assert!(plan.contains("Objects have changed outside of provision"), "{plan}");
    assert!(!plan.contains("changed-by-hand"), "a sensitive value is never shown: {plan}");
    let mut args = vec!["apply", "--auto-approve"];
    args.extend_from_slice(&keep);
    let out = s.ok(&args);
    assert!(out.contains("0 added, 3 changed, 0 destroyed"), "{out}");
    let got = c.ssm.get_parameter().name("/site/db-password").with_decryption(true).send().await.expect("param");
    assert_eq!(got.parameter().and_then(|p| p.value()), Some(SECRET), "drift corrected");
    let alarm = c.cw.describe_alarms().alarm_names("site-5xx").send().await.expect("alarm");
    assert_eq!(alarm.metric_alarms()[0].threshold(), Some(10.0));
    assert_eq!(alarm.metric_alarms()[0].alarm_actions().len(), 1, "the whole definition is put back");
    let mut args = vec!["plan", "--detailed-exitcode"];
    args.extend_from_slice(&keep);
    assert_eq!(s.run(&args).status.code(), Some(0));

    // Destroy: disable, wait, delete through PreconditionFailed and DistributionNotDisabled.
    let mut args = vec!["destroy", "--auto-approve"];
    args.extend_from_slice(&keep);
    let out = s.run(&args);
    no_secret("destroy", &out);
    assert!(out.status.success(), "{}\n{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stdout).contains("7 destroyed"), "{}", text(&out.stdout));
    let served = cf.served();
    assert!(served.precondition_failed >= 1 && served.not_disabled >= 1, "{served:?}");
    let left = c.cf.list_distributions().send().await.expect("list");
    assert_eq!(left.distribution_list().map(|l| l.items().len()), Some(0), "no distribution left");
    let oacs = c.cf.list_origin_access_controls().send().await.expect("oacs");
    assert_eq!(oacs.origin_access_control_list().map(|l| l.items().len()).unwrap_or(0), 0);
    assert!(c.sns.list_topics().send().await.expect("topics").topics().is_empty());
    assert!(c.cw.describe_alarms().send().await.expect("alarms").metric_alarms().is_empty());
    assert!(c.ssm.describe_parameters().send().await.expect("params").parameters().is_empty());
    assert_eq!(s.state()["resources"], serde_json::json!([]));
}

/// Many parameters and alarms: a refresh reads parameters 10 a call (and describes them 50 a
/// call), alarms 100 a call.
const MANY: &str = r#"
resource "aws_ssm_parameter" "p" {
  count          = 12
  name           = "/app/p${count.index}"
  type           = "String"
  insecure_value = "value ${count.index}"
}

resource "aws_ssm_parameter" "list" {
  name  = "/app/list"
  type  = "StringList"
  value = "a,b,c"
}

resource "aws_sns_topic" "t" {
  name_prefix = "jobs-"
}

resource "aws_cloudwatch_metric_alarm" "a" {
  count               = 3
  alarm_name          = "queue-depth-${count.index}"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 1
  metric_name         = "ApproximateNumberOfMessagesVisible"
  namespace           = "AWS/SQS"
  period              = 60
  statistic           = "Maximum"
  threshold           = 100
  alarm_actions       = [aws_sns_topic.t.arn]
}

resource "aws_cloudfront_distribution" "api" {
  enabled             = true
  wait_for_deployment = false

  origin {
    domain_name = "api.example.com"
    origin_id   = "api"
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  default_cache_behavior {
    allowed_methods        = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
    cached_methods         = ["GET", "HEAD"]
    target_origin_id       = "api"
    viewer_protocol_policy = "https-only"
    forwarded_values {
      query_string = true
      headers      = ["Authorization"]
      cookies {
        forward = "none"
      }
    }
  }

  ordered_cache_behavior {
    path_pattern           = "/static/*"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    target_origin_id       = "api"
    viewer_protocol_policy = "redirect-to-https"
    min_ttl                = 0
    default_ttl            = 3600
    max_ttl                = 86400
    forwarded_values {
      query_string = false
      cookies {
        forward = "none"
      }
    }
  }

  restrictions {
    geo_restriction {
      restriction_type = "whitelist"
      locations        = ["FR", "DE"]
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = true
  }
}
"#;

#[tokio::test]
async fn batched_reads_and_interrupted_creates_are_adopted() {
    let s = Stack::with_config(MANY);
    s.ok(&["apply", "--auto-approve"]);
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0), "a second plan is clean");
    s.assert_reads_match_schemas(&[
        "aws_ssm_parameter",
        "aws_cloudwatch_metric_alarm",
        "aws_sns_topic",
        "aws_cloudfront_distribution",
    ]);
    let topic = s.id_of("aws_sns_topic.t");
    assert!(topic.rsplit(':').next().is_some_and(|n| n.starts_with("jobs-")), "{topic}");

    let out = s.run(&["-v", "plan"]);
    let err = text(&out.stderr);
    assert_eq!(calls(&err, "GetParameters"), 2, "13 parameters, 10 a call:\n{err}");
    // One call's worth of names (50 a call); moto answers it in pages of 10 whatever MaxResults
    // says, so the paginator makes a second request for the 13.
    assert!(calls(&err, "DescribeParameters") <= 2, "13 parameters, 50 a call:\n{err}");
    assert_eq!(calls(&err, "DescribeAlarms"), 1, "3 alarms, 100 a call:\n{err}");
    assert_eq!(calls(&err, "GetDistribution"), 1, "one distribution, one call:\n{err}");

    // A run killed after AWS made the objects and before the state recorded them: pending
    // records, and the objects as the create left them. The next apply adopts them.
    let lost = [
        "aws_ssm_parameter.list",
        "aws_cloudwatch_metric_alarm.a[1]",
        "aws_sns_topic.t",
        "aws_cloudfront_distribution.api",
    ];
    let mut state = s.state();
    let resources = state["resources"].as_array_mut().expect("resources");
    let mut pending = vec![];
    for r in resources.iter().filter(|r| lost.contains(&r["address"].as_str().unwrap_or_default())) {
        let attrs = &r["attributes"];
        let natural_key = match r["address"].as_str().unwrap_or_default() {
            "aws_ssm_parameter.list" => attrs["name"].clone(),
            "aws_sns_topic.t" => attrs["name"].clone(),
            "aws_cloudwatch_metric_alarm.a[1]" => attrs["alarm_name"].clone(),
            _ => serde_json::Value::Null,
        };
        let mut p = serde_json::json!({
            "address": r["address"], "token": "t-1", "started_at": "2026-11-22T08:00:00Z",
            "dependencies": [], "provider": r["provider"], "desired": attrs,
        });
        if !natural_key.is_null() {
            p["natural_key"] = natural_key;
        }
        pending.push(p);
    }
    assert_eq!(pending.len(), lost.len());
    resources.retain(|r| !lost.contains(&r["address"].as_str().unwrap_or_default()));
    state["pending"] = serde_json::Value::Array(pending);
    std::fs::write(s.path().join("provision.tfstate"), state.to_string()).expect("state");

    let out = s.ok(&["apply", "--auto-approve"]);
    for a in lost {
        assert!(out.contains(&format!("{a}: an interrupted run created")), "{a} adopted:\n{out}");
    }
    assert!(out.contains("0 added"), "nothing created twice:\n{out}");
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0));
    let c = s.clients().await;
    let dists = c.cf.list_distributions().send().await.expect("list");
    assert_eq!(dists.distribution_list().map(|l| l.items().len()), Some(1), "no second distribution");
    let topics = c.sns.list_topics().send().await.expect("topics");
    assert_eq!(topics.topics().len(), 1, "no second topic");

    let out = s.ok(&["destroy", "--auto-approve"]);
    assert!(out.contains("18 destroyed"), "{out}");
    assert!(c.ssm.describe_parameters().send().await.expect("params").parameters().is_empty());
    assert!(c.cw.describe_alarms().send().await.expect("alarms").metric_alarms().is_empty());
}

/// Seed 000's frontend: a bucket read through an origin access identity named in the
/// distribution's `s3_origin_config`. `WEB_COMMENT` is replaced per step.
const OAI: &str = r#"
resource "aws_cloudfront_origin_access_identity" "web" {
  comment = "WEB_COMMENT"
}

resource "aws_cloudfront_origin_access_identity" "admin" {}

resource "aws_cloudfront_distribution" "web" {
  enabled             = true
  default_root_object = "index.html"

  origin {
    domain_name = "oai-site.s3.eu-west-1.amazonaws.com"
    origin_id   = "s3-web"
    s3_origin_config {
      origin_access_identity = aws_cloudfront_origin_access_identity.web.cloudfront_access_identity_path
    }
  }

  default_cache_behavior {
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    target_origin_id       = "s3-web"
    viewer_protocol_policy = "redirect-to-https"
    forwarded_values {
      query_string = false
      cookies {
        forward = "none"
      }
    }
  }

  custom_error_response {
    error_code         = 404
    response_code      = 200
    response_page_path = "/index.html"
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = true
  }
}

output "iam_arn" {
  value = aws_cloudfront_origin_access_identity.web.iam_arn
}
"#;

/// `aws_cloudfront_origin_access_identity`, end to end through the fault proxy: moto 5.2.5 has no
/// origin access identity API at all (404 for every call), so the CloudFront emulation in the
/// proxy (`provision_testkit::emulate_cloudfront`) answers it, with ETags that move and
/// `PreconditionFailed` for a stale one; the distribution that names the identity goes to moto
/// through the same proxy. Create → clean plan → a comment change is one in-place update →
/// a comment changed outside is shown and put back → a refresh lists the identities in one call →
/// an identity whose create was interrupted is adopted by its caller reference, not made twice →
/// destroy leaves nothing. The type has no argument that forces a replacement.
#[tokio::test]
async fn origin_access_identity_through_the_emulator() {
    let mut s = Stack::with_config(&OAI.replace("WEB_COMMENT", "the web app"));
    let cf = Arc::new(CloudFront::new(1, 0, 0));
    let proxy = proxied(&mut s, &cf);
    let conf = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(proxy.url())
        .region(aws_config::Region::new("eu-west-1"))
        .credentials_provider(aws_sdk_ec2::config::Credentials::new("testing", "testing", None, None, "test"))
        .load()
        .await;
    let cfc = aws_sdk_cloudfront::Client::new(&conf);

    let out = s.ok(&["apply", "--auto-approve"]);
    assert!(out.contains("3 added"), "{out}");
    assert!(cf.served().oai_calls > 0, "the identities went to the emulation");
    let web = s.id_of("aws_cloudfront_origin_access_identity.web");
    let state = s.state();
    let attrs = |address: &str| {
        state["resources"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["address"] == address))
            .map(|r| r["attributes"].clone())
            .unwrap_or_else(|| panic!("{address} in state"))
    };
    let a = attrs("aws_cloudfront_origin_access_identity.web");
    assert_eq!(a["cloudfront_access_identity_path"], format!("origin-access-identity/cloudfront/{web}"));
    assert_eq!(a["iam_arn"], format!("arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity {web}"));
    assert_eq!(a["comment"], "the web app");
    assert!(a["caller_reference"].as_str().is_some_and(|r| r.starts_with("provision-")), "{a}");
    assert!(a["etag"].as_str().is_some_and(|e| !e.is_empty()), "{a}");
    assert!(a["s3_canonical_user_id"].as_str().is_some_and(|e| e.len() == 64), "{a}");
    assert!(
        a["arn"]
            .as_str()
            .is_some_and(|arn| arn.starts_with("arn:aws:cloudfront::")
                && arn.ends_with(&format!(":origin-access-identity/{web}"))),
        "{a}"
    );
    assert_eq!(attrs("aws_cloudfront_origin_access_identity.admin")["comment"], "", "Terraform's default");
    assert_eq!(state["outputs"]["iam_arn"]["value"], a["iam_arn"]);
    let dist = s.id_of("aws_cloudfront_distribution.web");
    let got = cfc.get_distribution_config().id(&dist).send().await.expect("distribution");
    let origin = &got.distribution_config().expect("config").origins().expect("origins").items()[0];
    assert_eq!(
        origin.s3_origin_config().map(|c| c.origin_access_identity()),
        Some(format!("origin-access-identity/cloudfront/{web}").as_str()),
        "the distribution reads through the identity"
    );

    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0), "a second plan is clean");
    s.assert_reads_match_schemas(&["aws_cloudfront_origin_access_identity", "aws_cloudfront_distribution"]);

    // The cheapest read: both identities in one list call.
    let out = s.run(&["-v", "plan"]);
    let err = text(&out.stderr);
    assert_eq!(calls(&err, "ListCloudFrontOriginAccessIdentities"), 1, "two identities, one call:\n{err}");
    assert_eq!(calls(&err, "GetCloudFrontOriginAccessIdentity"), 0, "{err}");

    // In place: the comment, one update; the id (so the distribution) unchanged.
    let main = s.path().join("main.tf");
    std::fs::write(&main, OAI.replace("WEB_COMMENT", "the web app, v2")).expect("edit");
    let plan = s.plan_json(&[]);
    assert_eq!(plan["summary"], serde_json::json!({"import": 0, "add": 0, "change": 1, "destroy": 0}), "{plan}");
    assert_eq!(changed(&plan), vec!["aws_cloudfront_origin_access_identity.web".to_string()]);
    let out = s.ok(&["apply", "--auto-approve"]);
    assert!(out.contains("0 added, 1 changed, 0 destroyed"), "{out}");
    assert_eq!(s.id_of("aws_cloudfront_origin_access_identity.web"), web);
    let got = cfc.get_cloud_front_origin_access_identity_config().id(&web).send().await.expect("oai");
    assert_eq!(got.cloud_front_origin_access_identity_config().map(|c| c.comment()), Some("the web app, v2"));
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0));

    // Drift: the comment changed outside, shown and put back.
    let (cfg, etag) =
        (got.cloud_front_origin_access_identity_config().cloned().expect("cfg"), got.e_tag().map(str::to_string));
    let by_hand = aws_sdk_cloudfront::types::CloudFrontOriginAccessIdentityConfig::builder()
        .caller_reference(cfg.caller_reference())
        .comment("by hand")
        .build()
        .expect("config");
    cfc.update_cloud_front_origin_access_identity()
        .id(&web)
        .set_if_match(etag)
        .cloud_front_origin_access_identity_config(by_hand)
        .send()
        .await
        .expect("drift");
    let plan = s.ok(&["plan"]);
    assert!(plan.contains("Objects have changed outside of provision"), "{plan}");
    assert!(plan.contains("by hand"), "{plan}");
    let out = s.ok(&["apply", "--auto-approve"]);
    assert!(out.contains("0 added, 1 changed, 0 destroyed"), "{out}");
    let got = cfc.get_cloud_front_origin_access_identity_config().id(&web).send().await.expect("oai");
    assert_eq!(got.cloud_front_origin_access_identity_config().map(|c| c.comment()), Some("the web app, v2"));

    // A run killed after CreateCloudFrontOriginAccessIdentity answered, before the state recorded
    // it: a pending record with the caller reference as its natural key. Apply adopts it.
    let mut state = s.state();
    let resources = state["resources"].as_array_mut().expect("resources");
    let lost = "aws_cloudfront_origin_access_identity.admin";
    let r = resources.iter().find(|r| r["address"] == lost).expect("admin").clone();
    resources.retain(|r| r["address"] != lost);
    state["pending"] = serde_json::json!([{
        "address": lost, "token": "t-9", "started_at": "2026-11-22T08:00:00Z",
        "dependencies": [], "provider": r["provider"], "desired": r["attributes"],
        "natural_key": r["attributes"]["caller_reference"],
    }]);
    std::fs::write(s.path().join("provision.tfstate"), state.to_string()).expect("state");
    let out = s.ok(&["apply", "--auto-approve"]);
    assert!(out.contains(&format!("{lost}: an interrupted run created")), "adopted:\n{out}");
    assert!(out.contains("0 added"), "nothing created twice:\n{out}");
    let listed = cfc.list_cloud_front_origin_access_identities().send().await.expect("list");
    assert_eq!(listed.cloud_front_origin_access_identity_list().map(|l| l.items().len()), Some(2), "no third identity");
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0));

    let out = s.ok(&["destroy", "--auto-approve"]);
    assert!(out.contains("3 destroyed"), "{out}");
    let listed = cfc.list_cloud_front_origin_access_identities().send().await.expect("list");
    assert_eq!(listed.cloud_front_origin_access_identity_list().map(|l| l.items().len()), Some(0), "no identity left");
    let left = cfc.list_distributions().send().await.expect("list");
    assert_eq!(left.distribution_list().map(|l| l.items().len()), Some(0), "no distribution left");
    assert_eq!(s.state()["resources"], serde_json::json!([]));
}

/// A distribution whose `retain_on_delete` is `RETAIN`.
const RETAINED: &str = r#"
resource "aws_cloudfront_distribution" "kept" {
  enabled             = true
  wait_for_deployment = false
  retain_on_delete    = RETAIN

  origin {
    domain_name = "kept.example.com"
    origin_id   = "kept"
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  default_cache_behavior {
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    target_origin_id       = "kept"
    viewer_protocol_policy = "https-only"
    forwarded_values {
      query_string = false
      cookies {
        forward = "none"
      }
    }
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = true
  }
}
"#;

/// `retain_on_delete` is read at destroy time: a change of only it is an update that calls no
/// CloudFront API, and setting it in the configuration right before `destroy` (no apply) is
/// enough for the destroy to leave the distribution, disabled. Against moto directly.
#[tokio::test]
async fn retain_on_delete_counts_at_destroy_time() {
    let s = Stack::with_config(&RETAINED.replace("RETAIN", "false"));
    s.ok(&["apply", "--auto-approve"]);
    let dist = s.id_of("aws_cloudfront_distribution.kept");
    let main = s.path().join("main.tf");

    // A change of only retain_on_delete: one update, no write to CloudFront.
    std::fs::write(&main, RETAINED.replace("RETAIN", "true")).expect("edit");
    let plan = s.plan_json(&[]);
    assert_eq!(plan["summary"], serde_json::json!({"import": 0, "add": 0, "change": 1, "destroy": 0}), "{plan}");
    let out = s.run(&["-v", "apply", "--auto-approve"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("0 added, 1 changed, 0 destroyed"), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    for op in ["UpdateDistribution", "GetDistributionConfig", "TagResource", "UntagResource"] {
        assert_eq!(calls(&err, op), 0, "{op} called for a change of retain_on_delete alone:\n{err}");
    }
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0));

    // Back to false in state, then true in the configuration only, right before the destroy: the
    // configuration's value at destroy time wins over the recorded one.
    std::fs::write(&main, RETAINED.replace("RETAIN", "false")).expect("edit");
    s.ok(&["apply", "--auto-approve"]);
    std::fs::write(&main, RETAINED.replace("RETAIN", "true")).expect("edit");
    let out = s.ok(&["destroy", "--auto-approve"]);
    assert!(out.contains("1 destroyed"), "{out}");
    assert_eq!(s.state()["resources"], serde_json::json!([]));
    let c = s.clients().await;
    let got = c.cf.get_distribution_config().id(&dist).send().await.expect("the distribution is retained");
    assert_eq!(got.distribution_config().map(|d| d.enabled()), Some(false), "left disabled");
    c.cf.delete_distribution().id(&dist).set_if_match(got.e_tag().map(str::to_string)).send().await.expect("clean up");
}

/// A cache policy and a viewer-request function used by a distribution's default cache behavior.
/// `DEFAULT_TTL` and `CODE` are replaced per step.
const POLICY_AND_FUNCTION: &str = r#"
resource "aws_cloudfront_cache_policy" "site" {
  name        = "site-cache"
  comment     = "the site's assets"
  default_ttl = DEFAULT_TTL

  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_gzip = true
    cookies_config {
      cookie_behavior = "none"
    }
    headers_config {
      header_behavior = "whitelist"
      headers {
        items = ["Accept-Language"]
      }
    }
    query_strings_config {
      query_string_behavior = "whitelist"
      query_strings {
        items = ["v", "lang"]
      }
    }
  }
}

resource "aws_cloudfront_function" "rewrite" {
  name    = "spa-rewrite"
  runtime = "cloudfront-js-2.0"
  code    = "CODE"
}

resource "aws_cloudfront_distribution" "site" {
  enabled             = true
  wait_for_deployment = false

  origin {
    domain_name = "site.example.com"
    origin_id   = "site"
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  default_cache_behavior {
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    target_origin_id       = "site"
    viewer_protocol_policy = "redirect-to-https"
    cache_policy_id        = aws_cloudfront_cache_policy.site.id

    function_association {
      event_type   = "viewer-request"
      function_arn = aws_cloudfront_function.rewrite.arn
    }
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = true
  }
}
"#;

const CODE_V1: &str = "function handler(event) { return event.request; }";
const CODE_V2: &str = "function handler(event) { var r = event.request; if (r.uri.indexOf('.') === -1) { r.uri = '/index.html'; } return r; }";

fn policy_and_function(ttl: u32, code: &str) -> String {
    POLICY_AND_FUNCTION.replace("DEFAULT_TTL", &ttl.to_string()).replace("CODE", code)
}

/// An SDK client that goes through the proxy, so it sees what the emulation answers.
async fn through(proxy: &FaultProxy) -> aws_sdk_cloudfront::Client {
    let conf = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(proxy.url())
        .region(aws_config::Region::new("eu-west-1"))
        .credentials_provider(aws_sdk_ec2::config::Credentials::new("testing", "testing", None, None, "test"))
        .load()
        .await;
    aws_sdk_cloudfront::Client::new(&conf)
}

fn attrs_of(s: &Stack, address: &str) -> serde_json::Value {
    s.state()["resources"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["address"] == address))
        .map(|r| r["attributes"].clone())
        .unwrap_or_else(|| panic!("{address} in state"))
}

/// `aws_cloudfront_cache_policy` and `aws_cloudfront_function` end to end, with the distribution
/// that uses both. moto 5.2.5 has no cache policy API and no function update or publish, and drops
/// a distribution's function associations: the CloudFront emulation in the proxy answers the cache
/// policy and function APIs whole (ETags that move, two function stages, `CachePolicyInUse` and
/// `FunctionInUse` while a distribution names them) and keeps the associations; the distribution
/// itself is moto's. Apply → clean plan → a refresh reads each type in one list (plus the code of
/// each function) → a TTL change is one in-place `UpdateCachePolicy` → a code change is one
/// `UpdateFunction` and one `PublishFunction` → destroy deletes the distribution first and leaves
/// no policy, function or distribution.
#[tokio::test]
async fn cache_policy_and_function_through_the_emulator() {
    let mut s = Stack::with_config(&policy_and_function(3600, CODE_V1));
    let cf = Arc::new(CloudFront::new(0, 0, 0));
    let proxy = proxied(&mut s, &cf);
    let cfc = through(&proxy).await;

    let out = s.ok(&["apply", "--auto-approve"]);
    assert!(out.contains("3 added"), "{out}");
    let policy = s.id_of("aws_cloudfront_cache_policy.site");
    let p = attrs_of(&s, "aws_cloudfront_cache_policy.site");
    assert_eq!(p["max_ttl"], 31_536_000.0, "Terraform's default: {p}");
    assert_eq!(p["min_ttl"], 0.0, "{p}");
    assert!(p["arn"].as_str().is_some_and(|a| a.ends_with(&format!(":cache-policy/{policy}"))), "{p}");
    let f = attrs_of(&s, "aws_cloudfront_function.rewrite");
    assert_eq!(f["publish"], true, "Terraform's default");
    assert_eq!(f["code"], CODE_V1);
    assert!(f["live_stage_etag"].as_str().is_some_and(|e| !e.is_empty()), "published at create: {f}");
    assert_ne!(f["status"], "UNPUBLISHED", "{f}");
    assert_eq!(cf.served().published, 1, "one publish at create");
    let dist = s.id_of("aws_cloudfront_distribution.site");
    let d = cfc.get_distribution_config().id(&dist).send().await.expect("distribution");
    let dcb = d.distribution_config().and_then(|c| c.default_cache_behavior()).expect("behavior");
    assert_eq!(dcb.cache_policy_id(), Some(policy.as_str()));
    let arns: Vec<&str> =
        dcb.function_associations().map(|f| f.items()).unwrap_or_default().iter().map(|a| a.function_arn()).collect();
    assert_eq!(arns, vec![f["arn"].as_str().unwrap_or_default()]);

    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0), "a second plan is clean");
    s.assert_reads_match_schemas(&[
        "aws_cloudfront_cache_policy",
        "aws_cloudfront_function",
        "aws_cloudfront_distribution",
    ]);

    // The cheapest reads: one list per type, and the code of the one function.
    let out = s.run(&["-v", "plan"]);
    let err = text(&out.stderr);
    assert_eq!(calls(&err, "ListCachePolicies"), 1, "{err}");
    assert_eq!(calls(&err, "GetCachePolicy") + calls(&err, "GetCachePolicyConfig"), 0, "{err}");
    assert_eq!(calls(&err, "ListFunctions"), 1, "{err}");
    assert_eq!(calls(&err, "GetFunction"), 1, "{err}");

    // A TTL: one in-place update of the policy, nothing else.
    let main = s.path().join("main.tf");
    std::fs::write(&main, policy_and_function(600, CODE_V1)).expect("edit");
    let plan = s.plan_json(&[]);
    assert_eq!(plan["summary"], serde_json::json!({"import": 0, "add": 0, "change": 1, "destroy": 0}), "{plan}");
    assert_eq!(changed(&plan), vec!["aws_cloudfront_cache_policy.site".to_string()]);
    let out = s.run(&["-v", "apply", "--auto-approve"]);
    assert!(
        text(&out.stdout).contains("0 added, 1 changed, 0 destroyed"),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert_eq!(calls(&text(&out.stderr), "UpdateCachePolicy"), 1);
    assert_eq!(s.id_of("aws_cloudfront_cache_policy.site"), policy, "changed in place");
    let got = cfc.get_cache_policy_config().id(&policy).send().await.expect("policy");
    assert_eq!(got.cache_policy_config().and_then(|c| c.default_ttl()), Some(600));
    assert_eq!(
        attrs_of(&s, "aws_cloudfront_cache_policy.site")["etag"].as_str(),
        got.e_tag(),
        "the new ETag is recorded"
    );
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0));

    // The code: one update of the development stage, published to LIVE.
    std::fs::write(&main, policy_and_function(600, CODE_V2)).expect("edit");
    let plan = s.plan_json(&[]);
    assert_eq!(changed(&plan), vec!["aws_cloudfront_function.rewrite".to_string()]);
    let out = s.run(&["-v", "apply", "--auto-approve"]);
    assert!(
        text(&out.stdout).contains("0 added, 1 changed, 0 destroyed"),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let err = text(&out.stderr);
    assert_eq!((calls(&err, "UpdateFunction"), calls(&err, "PublishFunction")), (1, 1), "{err}");
    let live = cfc
        .get_function()
        .name("spa-rewrite")
        .stage(aws_sdk_cloudfront::types::FunctionStage::Live)
        .send()
        .await
        .expect("live stage");
    assert_eq!(live.function_code().map(|c| c.as_ref().to_vec()), Some(CODE_V2.as_bytes().to_vec()), "published");
    assert_eq!(attrs_of(&s, "aws_cloudfront_function.rewrite")["live_stage_etag"].as_str(), live.e_tag());
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0));

    // Destroy: the distribution first (the emulation refuses to delete a policy or function a
    // distribution still names), then the policy and the function, with their current ETags.
    let out = s.ok(&["destroy", "--auto-approve"]);
    assert!(out.contains("3 destroyed"), "{out}");
    assert_eq!(cf.served().in_use, 0, "nothing was deleted while still in use: {:?}", cf.served());
    let policies = cfc
        .list_cache_policies()
        .r#type(aws_sdk_cloudfront::types::CachePolicyType::Custom)
        .send()
        .await
        .expect("policies");
    assert_eq!(policies.cache_policy_list().map(|l| l.items().len()), Some(0), "no policy left");
    let functions = cfc.list_functions().send().await.expect("functions");
    assert_eq!(functions.function_list().map(|l| l.items().len()), Some(0), "no function left");
    let left = cfc.list_distributions().send().await.expect("list");
    assert_eq!(left.distribution_list().map(|l| l.items().len()), Some(0), "no distribution left");
    assert_eq!(s.state()["resources"], serde_json::json!([]));
}

/// Someone changes the policy and the function between provision's read of their ETag and its
/// update: the emulation answers the next two updates `PreconditionFailed` (the ETag moving each
/// time), and provision reads the ETag again and converges.
#[tokio::test]
async fn stale_etags_are_read_again() {
    let mut s = Stack::with_config(&policy_and_function(3600, CODE_V1));
    let cf = Arc::new(CloudFront::new(0, 0, 0).with_stale_etags(2));
    let proxy = proxied(&mut s, &cf);
    let cfc = through(&proxy).await;
    s.ok(&["apply", "--auto-approve"]);
    std::fs::write(s.path().join("main.tf"), policy_and_function(60, CODE_V2)).expect("edit");
    let out = s.run(&["-v", "apply", "--auto-approve"]);
    assert!(
        text(&out.stdout).contains("0 added, 2 changed, 0 destroyed"),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert_eq!(cf.served().stale_etags, 2, "{:?}", cf.served());
    let err = text(&out.stderr);
    assert_eq!(
        calls(&err, "UpdateCachePolicy") + calls(&err, "UpdateFunction"),
        4,
        "two refused, two accepted:\n{err}"
    );
    let policy = s.id_of("aws_cloudfront_cache_policy.site");
    let got = cfc.get_cache_policy_config().id(&policy).send().await.expect("policy");
    assert_eq!(got.cache_policy_config().and_then(|c| c.default_ttl()), Some(60));
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0));
    s.ok(&["destroy", "--auto-approve"]);
}

/// Crash recovery. A cache policy cannot be tagged: the pending record keeps its name and when the
/// create started, and the policy with that name is adopted only if it was made after that and
/// holds what the create sent; one that is older is left alone and named. A function carries
/// provision's tags from its create call and is adopted by name when they say it is ours.
#[tokio::test]
async fn interrupted_policy_and_function_creates() {
    let mut s = Stack::with_config(&policy_and_function(3600, CODE_V1));
    let cf = Arc::new(CloudFront::new(0, 0, 0));
    let proxy = proxied(&mut s, &cf);
    let cfc = through(&proxy).await;
    s.ok(&["apply", "--auto-approve"]);
    let full = s.state();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs();
    let lost = ["aws_cloudfront_cache_policy.site", "aws_cloudfront_function.rewrite"];
    let pending_state = |policy_started: u64| {
        let mut state = full.clone();
        let resources = state["resources"].as_array_mut().expect("resources");
        let mut pending = vec![];
        for r in resources.iter().filter(|r| lost.contains(&r["address"].as_str().unwrap_or_default())) {
            let name = r["attributes"]["name"].as_str().unwrap_or_default();
            let key = if r["address"] == lost[0] { format!("{name} @{policy_started}") } else { name.to_string() };
            pending.push(serde_json::json!({
                "address": r["address"], "token": "t-5", "started_at": "2026-11-22T08:00:00Z",
                "dependencies": [], "provider": r["provider"], "desired": r["attributes"], "natural_key": key,
            }));
        }
        resources.retain(|r| !lost.contains(&r["address"].as_str().unwrap_or_default()));
        state["pending"] = serde_json::Value::Array(pending);
        std::fs::write(s.path().join("provision.tfstate"), state.to_string()).expect("state");
    };

    // The record says the create started an hour from now: the policy is older, so not its.
    pending_state(now + 3600);
    let out = s.run(&["plan"]);
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(all.contains("aws_cloudfront_cache_policy.site") && all.contains("left alone"), "{all}");
    assert!(all.contains("aws_cloudfront_function.rewrite: an interrupted run created"), "{all}");

    // Started an hour ago: made by that create, adopted.
    pending_state(now - 3600);
    let out = s.ok(&["apply", "--auto-approve"]);
    for a in lost {
        assert!(out.contains(&format!("{a}: an interrupted run created")), "{a} adopted:\n{out}");
    }
    assert!(out.contains("0 added"), "nothing created twice:\n{out}");
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).status.code(), Some(0));
    let policies = cfc
        .list_cache_policies()
        .r#type(aws_sdk_cloudfront::types::CachePolicyType::Custom)
        .send()
        .await
        .expect("policies");
    assert_eq!(policies.cache_policy_list().map(|l| l.items().len()), Some(1), "no second policy");
    s.ok(&["destroy", "--auto-approve"]);
}

/// A distribution made outside the stack still uses the stack's cache policy: destroy deletes the
/// stack's distribution and function, and then fails on the policy with an error that names it and
/// says what is in the way (`CachePolicyInUse`, from the emulation; after half a minute of
/// retries). The policy stays recorded, so a later destroy can finish.
#[tokio::test]
async fn a_policy_still_in_use_is_named() {
    let mut s = Stack::with_config(&policy_and_function(3600, CODE_V1));
    let cf = Arc::new(CloudFront::new(0, 0, 0));
    let proxy = proxied(&mut s, &cf);
    let cfc = through(&proxy).await;
    s.ok(&["apply", "--auto-approve"]);
    let policy = s.id_of("aws_cloudfront_cache_policy.site");
    let dist = s.id_of("aws_cloudfront_distribution.site");
    // Someone else's distribution with the same settings, the policy but not the function.
    let mut config = cfc
        .get_distribution_config()
        .id(&dist)
        .send()
        .await
        .expect("config")
        .distribution_config()
        .cloned()
        .expect("config");
    let dcb = config.default_cache_behavior().cloned().expect("behavior");
    let none = aws_sdk_cloudfront::types::FunctionAssociations::builder().quantity(0).build().expect("none");
    config = aws_sdk_cloudfront::types::DistributionConfig::builder()
        .caller_reference("by-hand")
        .origins(config.origins().cloned().expect("origins"))
        .default_cache_behavior(
            aws_sdk_cloudfront::types::DefaultCacheBehavior::builder()
                .target_origin_id(dcb.target_origin_id())
                .viewer_protocol_policy(dcb.viewer_protocol_policy().clone())
                .cache_policy_id(&policy)
                .function_associations(none)
                .build()
                .expect("behavior"),
        )
        .comment("by hand")
        .enabled(true)
        .build()
        .expect("config");
    cfc.create_distribution().distribution_config(config).send().await.expect("someone else's distribution");

    let out = s.run(&["destroy", "--auto-approve"]);
    assert!(!out.status.success(), "{}", text(&out.stdout));
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(all.contains(&format!("cache policy site-cache ({policy})")), "the policy is named:\n{all}");
    assert!(all.contains("CachePolicyInUse"), "{all}");
    assert!(cf.served().in_use >= 1, "{:?}", cf.served());
    let left: Vec<String> = s.state()["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter_map(|r| r["address"].as_str().map(str::to_string))
        .collect();
    assert_eq!(left, vec!["aws_cloudfront_cache_policy.site".to_string()], "the rest is gone");
}
