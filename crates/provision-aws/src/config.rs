//! The `provider "aws"` block: its schema (the Terraform AWS provider's argument names) and what
//! each argument makes of one provider configuration — the SDK settings of its context, the
//! account check, the tags it ignores, and the warnings for arguments accepted without effect.

use provision_aws_core::settings::{AssumeRole, Settings, StaticCredentials};
use provision_core::{
    AttributeSchema, Attrs, BlockSchema, Nesting, ProviderError, ProviderErrorKind, Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// `endpoints { NAME = "https://..." }`: the Terraform name of each service provision calls, and
/// the SDK's service id it overrides (Terraform's aliases included).
pub(crate) const ENDPOINTS: &[(&str, &str)] = &[
    ("acm", "ACM"),
    ("appautoscaling", "Application Auto Scaling"),
    ("applicationautoscaling", "Application Auto Scaling"),
    ("cloudfront", "CloudFront"),
    ("cloudwatch", "CloudWatch"),
    ("cloudwatchlogs", "CloudWatch Logs"),
    ("dynamodb", "DynamoDB"),
    ("ec2", "EC2"),
    ("ecr", "ECR"),
    ("ecs", "ECS"),
    ("efs", "EFS"),
    ("elbv2", "Elastic Load Balancing v2"),
    ("iam", "IAM"),
    ("kms", "KMS"),
    ("logs", "CloudWatch Logs"),
    ("rds", "RDS"),
    ("route53", "Route 53"),
    ("s3", "S3"),
    ("secretsmanager", "Secrets Manager"),
    ("sns", "SNS"),
    ("ssm", "SSM"),
    ("sts", "STS"),
];

fn strings() -> Type {
    Type::set(Type::String)
}

pub(crate) fn schema() -> Schema {
    let mut endpoints = Schema::new("Endpoint URLs by service.");
    for (name, _) in ENDPOINTS {
        endpoints = endpoints.attr(AttributeSchema::optional(name, Type::String));
    }
    Schema::new("The provider \"aws\" block.")
        .attr(
            AttributeSchema::optional("region", Type::String)
                .describe("The AWS region. Defaults to the standard chain (AWS_REGION, the profile's region)."),
        )
        .attr(AttributeSchema::optional("profile", Type::String).describe("The profile of the shared files to use."))
        .attr(AttributeSchema::optional("shared_config_files", Type::list(Type::String)))
        .attr(AttributeSchema::optional("shared_credentials_files", Type::list(Type::String)))
        .attr(AttributeSchema::optional("access_key", Type::String).sensitive())
        .attr(AttributeSchema::optional("secret_key", Type::String).sensitive())
        .attr(AttributeSchema::optional("token", Type::String).sensitive())
        .attr(AttributeSchema::optional("allowed_account_ids", strings()))
        .attr(AttributeSchema::optional("forbidden_account_ids", strings()))
        .attr(AttributeSchema::optional("max_retries", Type::Number))
        .attr(AttributeSchema::optional("s3_use_path_style", Type::Bool))
        .attr(AttributeSchema::optional("skip_credentials_validation", Type::Bool))
        .attr(AttributeSchema::optional("skip_metadata_api_check", Type::String))
        .attr(AttributeSchema::optional("skip_requesting_account_id", Type::Bool))
        .attr(AttributeSchema::optional("skip_region_validation", Type::Bool))
        .block(BlockSchema::new(
            "default_tags",
            Nesting::Single,
            Schema::new("Tags added to every taggable resource.")
                .attr(AttributeSchema::optional("tags", Type::map(Type::String))),
            "Tags added to every taggable resource (a resource's own tags win).",
        ))
        .block(BlockSchema::new(
            "ignore_tags",
            Nesting::Single,
            Schema::new("Tags left out of what is read and compared.")
                .attr(AttributeSchema::optional("keys", strings()))
                .attr(AttributeSchema::optional("key_prefixes", strings())),
            "Tags other tools manage: never read, never shown as drift.",
        ))
        .block(BlockSchema::new(
            "assume_role",
            Nesting::Single,
            Schema::new("The role to assume with STS AssumeRole.")
                .attr(AttributeSchema::optional("role_arn", Type::String))
                .attr(AttributeSchema::optional("session_name", Type::String))
                .attr(AttributeSchema::optional("external_id", Type::String))
                .attr(AttributeSchema::optional("duration", Type::String))
                .attr(AttributeSchema::optional("policy", Type::String))
                .attr(AttributeSchema::optional("policy_arns", strings()))
                .attr(AttributeSchema::optional("tags", Type::map(Type::String))),
            "Credentials from STS AssumeRole, on top of the block's base credentials.",
        ))
        .block(BlockSchema::new("endpoints", Nesting::Single, endpoints, "Endpoint URLs by service."))
}

/// `ignore_tags`: the keys and key prefixes of the tags left out of every read.
#[derive(Debug, Clone, Default)]
pub(crate) struct IgnoreTags {
    pub keys: Vec<String>,
    pub key_prefixes: Vec<String>,
}

impl IgnoreTags {
    pub fn ignores(&self, key: &str) -> bool {
        self.keys.iter().any(|k| k == key) || self.key_prefixes.iter().any(|p| key.starts_with(p.as_str()))
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.key_prefixes.is_empty()
    }
}

/// The account check of `allowed_account_ids` / `forbidden_account_ids`.
#[derive(Debug, Clone)]
pub(crate) enum Accounts {
    Allowed(Vec<String>),
    Forbidden(Vec<String>),
}

impl Accounts {
    /// Why `account` may not be used, if it may not.
    pub fn refuse(&self, account: &str) -> Option<String> {
        match self {
            Accounts::Allowed(ids) if !ids.iter().any(|i| i == account) => Some(format!(
                "the credentials are for AWS account {account}, which is not in allowed_account_ids ({}); nothing was read or changed",
                ids.join(", ")
            )),
            Accounts::Forbidden(ids) if ids.iter().any(|i| i == account) => Some(format!(
                "the credentials are for AWS account {account}, which is in forbidden_account_ids ({}); nothing was read or changed",
                ids.join(", ")
            )),
            _ => None,
        }
    }
}

/// Everything one provider block decides.
#[derive(Debug, Default)]
pub(crate) struct Configured {
    pub settings: Settings,
    pub accounts: Option<Accounts>,
    pub ignore_tags: IgnoreTags,
    pub warnings: Vec<String>,
}

fn config_err(message: impl Into<String>) -> ProviderError {
    ProviderError::new(ProviderErrorKind::Config, message)
}

fn string(attrs: &Attrs, name: &str) -> Option<String> {
    attrs.get(name).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string)
}

fn string_list(attrs: &Attrs, name: &str) -> Vec<String> {
    attrs
        .get(name)
        .and_then(Value::as_seq)
        .map(|items| items.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default()
}

fn string_map(attrs: &Attrs, name: &str) -> BTreeMap<String, String> {
    attrs
        .get(name)
        .and_then(Value::as_map)
        .map(|m| m.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect())
        .unwrap_or_default()
}

fn block<'a>(attrs: &'a Attrs, name: &str) -> Option<&'a Attrs> {
    attrs.get(name).and_then(Value::as_map)
}

/// `~` and `~/...` as the user's home directory, as the Terraform provider expands them.
fn expand_home(path: &str) -> PathBuf {
    let home = std::env::var_os("HOME");
    match (path.strip_prefix('~'), home) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
            PathBuf::from(home).join(rest.trim_start_matches('/'))
        }
        _ => PathBuf::from(path),
    }
}

/// A Go duration as the Terraform provider takes it for `assume_role.duration`: `1h`, `15m`,
/// `1h30m`, `3600s`.
pub(crate) fn parse_duration(text: &str) -> Option<Duration> {
    let mut rest = text.trim();
    if rest.is_empty() {
        return None;
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let number: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let seconds = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += number * seconds;
    }
    Some(Duration::from_secs_f64(total))
}

/// The region name, checked for its form only (as with `skip_region_validation`: a region AWS
/// adds later needs no new provision).
fn region(attrs: &Attrs) -> Result<Option<String>, ProviderError> {
    let region = string(attrs, "region");
    if let Some(r) = &region
        && !r.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(config_err(format!("\"{r}\" is not an AWS region name, such as eu-west-1")));
    }
    if attrs.get("region").and_then(Value::as_str) == Some("") {
        return Err(config_err("\"\" is not an AWS region name, such as eu-west-1"));
    }
    Ok(region)
}

/// Reads an evaluated provider block.
pub(crate) fn configure(attrs: &Attrs) -> Result<Configured, ProviderError> {
    let mut c = Configured::default();
    let s = &mut c.settings;
    s.region = region(attrs)?;
    s.profile = string(attrs, "profile");
    s.shared_config_files = string_list(attrs, "shared_config_files").iter().map(|p| expand_home(p)).collect();
    s.shared_credentials_files =
        string_list(attrs, "shared_credentials_files").iter().map(|p| expand_home(p)).collect();
    match (string(attrs, "access_key"), string(attrs, "secret_key")) {
        (Some(access_key), Some(secret_key)) => {
            s.static_credentials = Some(StaticCredentials { access_key, secret_key, token: string(attrs, "token") });
            c.warnings.push(
                "access_key and secret_key are set in the configuration: credentials in configuration files end up in version control; prefer a profile, environment variables or an assumed role".into(),
            );
        }
        (Some(_), None) => return Err(config_err("access_key is set without secret_key: set both, or neither")),
        (None, Some(_)) => return Err(config_err("secret_key is set without access_key: set both, or neither")),
        (None, None) => {
            if string(attrs, "token").is_some() {
                return Err(config_err(
                    "token is set without access_key and secret_key: a session token goes with them",
                ));
            }
        }
    }
    if let Some(n) = attrs.get("max_retries").and_then(Value::as_number) {
        if n < 0.0 || n.fract() != 0.0 || n > 100.0 {
            return Err(config_err(format!("max_retries is {n}: give a whole number of retries from 0 to 100")));
        }
        s.max_retries = Some(n as u32);
    }
    s.s3_use_path_style = attrs.get("s3_use_path_style").and_then(Value::as_bool).unwrap_or(false);
    if let Some(e) = block(attrs, "endpoints") {
        for (name, service) in ENDPOINTS {
            if let Some(url) = string(e, name) {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(config_err(format!(
                        "endpoints.{name} is \"{url}\": give a URL with its scheme, such as https://ec2.example.com"
                    )));
                }
                s.endpoints.insert((*service).to_string(), url);
            }
        }
    }
    if let Some(r) = block(attrs, "assume_role")
        && let Some(role_arn) = string(r, "role_arn")
    {
        let duration = match string(r, "duration") {
            Some(d) => Some(parse_duration(&d).ok_or_else(|| {
                config_err(format!(
                    "assume_role.duration is \"{d}\": give a duration such as \"1h\", \"15m\" or \"1h30m\""
                ))
            })?),
            None => None,
        };
        if let Some(d) = duration
            && !(900..=43200).contains(&d.as_secs())
        {
            return Err(config_err(format!("assume_role.duration is {}s: STS accepts from 15m to 12h", d.as_secs())));
        }
        s.assume_role = Some(AssumeRole {
            role_arn,
            session_name: string(r, "session_name"),
            external_id: string(r, "external_id"),
            duration,
            policy: string(r, "policy"),
            policy_arns: string_list(r, "policy_arns"),
            tags: string_map(r, "tags"),
        });
    }
    let allowed = string_list(attrs, "allowed_account_ids");
    let forbidden = string_list(attrs, "forbidden_account_ids");
    c.accounts = match (allowed.is_empty(), forbidden.is_empty()) {
        (true, true) => None,
        (false, true) => Some(Accounts::Allowed(allowed)),
        (true, false) => Some(Accounts::Forbidden(forbidden)),
        (false, false) => {
            return Err(config_err(
                "allowed_account_ids and forbidden_account_ids are both set: use one of them (as in Terraform)",
            ));
        }
    };
    if let Some(t) = block(attrs, "ignore_tags") {
        c.ignore_tags = IgnoreTags { keys: string_list(t, "keys"), key_prefixes: string_list(t, "key_prefixes") };
    }
    // Terraform's `skip_metadata_api_check = true` keeps the instance metadata service out of the
    // credentials chain; the SDK's default chain still asks it when nothing else answers.
    if attrs.get("skip_metadata_api_check").and_then(Value::as_str) == Some("true") {
        c.warnings.push(
            "skip_metadata_api_check has no effect: provision's credentials chain (the AWS SDK's) still asks the instance metadata service when nothing else gives credentials; set AWS_EC2_METADATA_DISABLED=true to keep it out".into(),
        );
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(pairs: &[(&str, Value)]) -> Attrs {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    fn s(v: &str) -> Value {
        Value::String(v.into())
    }

    #[test]
    fn go_durations() {
        assert_eq!(parse_duration("1h"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("900s"), Some(Duration::from_secs(900)));
        assert_eq!(parse_duration("15m0s"), Some(Duration::from_secs(900)));
        assert_eq!(parse_duration("1 hour"), None);
        assert_eq!(parse_duration("90"), None);
        assert_eq!(parse_duration(""), None);
    }

    #[test]
    fn home_is_expanded() {
        let Some(home) = std::env::var_os("HOME") else { return };
        assert_eq!(expand_home("~/.aws/config"), PathBuf::from(home).join(".aws/config"));
        assert_eq!(expand_home("/etc/aws"), PathBuf::from("/etc/aws"));
        assert_eq!(expand_home("~other/x"), PathBuf::from("~other/x"));
    }

    #[test]
    fn arguments_make_settings() {
        let role = Value::Map(
            [
                ("role_arn", s("arn:aws:iam::123456789012:role/deploy")),
                ("duration", s("1h")),
                ("session_name", s("ci")),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        );
        let endpoints = Value::Map([("logs".to_string(), s("http://localhost:4566"))].into_iter().collect());
        let c = configure(&attrs(&[
            ("profile", s("prod")),
            ("shared_config_files", Value::List(vec![s("/tmp/config")])),
            ("assume_role", role),
            ("endpoints", endpoints),
            ("max_retries", Value::Number(3.0)),
            ("allowed_account_ids", Value::Set(vec![s("123456789012")])),
        ]))
        .expect("configures");
        assert_eq!(c.settings.profile.as_deref(), Some("prod"));
        assert_eq!(c.settings.shared_config_files, vec![PathBuf::from("/tmp/config")]);
        let r = c.settings.assume_role.expect("role");
        assert_eq!(r.duration, Some(Duration::from_secs(3600)));
        assert_eq!(r.session_name.as_deref(), Some("ci"));
        assert_eq!(c.settings.endpoints.get("CloudWatch Logs").map(String::as_str), Some("http://localhost:4566"));
        assert_eq!(c.settings.max_retries, Some(3));
        assert!(c.warnings.is_empty());
        let accounts = c.accounts.expect("accounts");
        assert!(accounts.refuse("123456789012").is_none());
        let refusal = accounts.refuse("111111111111").expect("refused");
        assert!(
            refusal.contains("111111111111") && refusal.contains("allowed_account_ids (123456789012)"),
            "{refusal}"
        );
    }

    #[test]
    fn refusals_name_the_argument() {
        let cases: &[(&[(&str, Value)], &str)] = &[
            (&[("access_key", s("AKIA"))], "access_key is set without secret_key"),
            (&[("token", s("x"))], "token is set without access_key"),
            (&[("max_retries", Value::Number(-1.0))], "max_retries is -1"),
            (
                &[
                    ("allowed_account_ids", Value::Set(vec![s("1")])),
                    ("forbidden_account_ids", Value::Set(vec![s("2")])),
                ],
                "both set",
            ),
            (&[("region", s("EU West"))], "not an AWS region name"),
        ];
        for (a, want) in cases {
            let e = configure(&attrs(a)).expect_err("refused");
            assert!(e.message.contains(want), "{}", e.message);
        }
        let role = |d: &str| {
            Value::Map(
                [("role_arn", s("arn:aws:iam::1:role/r")), ("duration", s(d))]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
            )
        };
        let e = configure(&attrs(&[("assume_role", role("one hour"))])).expect_err("bad duration");
        assert!(e.message.contains("assume_role.duration is \"one hour\""), "{}", e.message);
        let e = configure(&attrs(&[("assume_role", role("5m"))])).expect_err("too short");
        assert!(e.message.contains("from 15m to 12h"), "{}", e.message);
    }

    #[test]
    fn static_credentials_warn_and_ignore_tags_match() {
        let c = configure(&attrs(&[("access_key", s("AKIA")), ("secret_key", s("x"))])).expect("configures");
        assert!(c.settings.static_credentials.is_some());
        assert_eq!(c.warnings.len(), 1);
        let t = IgnoreTags { keys: vec!["CostCenter".into()], key_prefixes: vec!["kubernetes.io/".into()] };
        assert!(t.ignores("CostCenter") && t.ignores("kubernetes.io/cluster/x"));
        assert!(!t.ignores("costcenter") && !t.ignores("Owner"));
    }
}
