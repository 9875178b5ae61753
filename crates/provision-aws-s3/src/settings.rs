//! The bucket settings of a private bucket: public access block, versioning, default encryption,
//! policy, object ownership. Each says how its one `Get*`/`Put*`/`Delete*` call is made; the rest
//! is [`crate::setting::BucketSetting`].

use crate::context::Clients;
use crate::error::on;
use crate::setting::{Setting, absent_setting};
use crate::util::{block, get_bool, get_str, get_string, items, need_str, one, s};
use async_trait::async_trait;
use aws_sdk_s3::types::{
    BucketVersioningStatus, MfaDelete, ObjectOwnership, OwnershipControls, OwnershipControlsRule,
    PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, VersioningConfiguration,
};
use provision_aws_core::validate::one_of;
use provision_core::{
    AttributeSchema, Attrs, BlockSchema, Nesting, ProviderError, ProviderErrorKind, Schema, Type, Value,
};

fn invalid(bucket: &str, e: impl std::fmt::Display) -> ProviderError {
    ProviderError::new(ProviderErrorKind::Invalid, format!("bucket {bucket}: {e}"))
}

// ---------------------------------------------------------------------------------------------

/// `aws_s3_bucket_public_access_block`.
pub(crate) struct PublicAccessBlock;

const PAB_FLAGS: [&str; 4] =
    ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"];

#[async_trait]
impl Setting for PublicAccessBlock {
    const TYPE: &'static str = "aws_s3_bucket_public_access_block";

    fn schema() -> Schema {
        let flag = |name, d| AttributeSchema::optional(name, Type::Bool).default(false).describe(d);
        Schema::new("Blocks public access to a bucket: public ACLs and public bucket policies.")
            .attr(flag("block_public_acls", "Refuse new public ACLs on the bucket and its objects. Terraform's default, `false`, applies when unset (AWS sets every flag on new buckets, but this resource writes all four)."))
            .attr(flag("block_public_policy", "Refuse bucket policies that grant public access."))
            .attr(flag("ignore_public_acls", "Ignore public ACLs on the bucket and its objects."))
            .attr(flag("restrict_public_buckets", "Only AWS services and the account may use a bucket with a public policy."))
    }

    async fn get(c: &Clients, bucket: &str, _prior: &Attrs) -> Result<Option<Attrs>, ProviderError> {
        let r =
            c.s3.get_public_access_block()
                .bucket(bucket)
                .send()
                .await
                .map_err(|e| on("GetPublicAccessBlock", bucket, e));
        let Some(out) = absent_setting(r)? else { return Ok(None) };
        let Some(p) = out.public_access_block_configuration() else { return Ok(None) };
        let values =
            [p.block_public_acls(), p.block_public_policy(), p.ignore_public_acls(), p.restrict_public_buckets()];
        Ok(Some(PAB_FLAGS.iter().zip(values).map(|(k, v)| (k.to_string(), Value::Bool(v.unwrap_or(false)))).collect()))
    }

    async fn put(c: &Clients, bucket: &str, d: &Attrs) -> Result<(), ProviderError> {
        let flag = |k| get_bool(d, k).unwrap_or(false);
        let config = PublicAccessBlockConfiguration::builder()
            .block_public_acls(flag("block_public_acls"))
            .block_public_policy(flag("block_public_policy"))
            .ignore_public_acls(flag("ignore_public_acls"))
            .restrict_public_buckets(flag("restrict_public_buckets"))
            .build();
        c.s3.put_public_access_block()
            .bucket(bucket)
            .public_access_block_configuration(config)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| on("PutPublicAccessBlock", bucket, e))
    }

    async fn remove(c: &Clients, bucket: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        c.s3.delete_public_access_block()
            .bucket(bucket)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| on("DeletePublicAccessBlock", bucket, e))
    }
}

// ---------------------------------------------------------------------------------------------

/// `aws_s3_bucket_versioning`.
pub(crate) struct Versioning;

fn versioning_status(v: &Value) -> Result<(), String> {
    one_of(v, &["Enabled", "Suspended", "Disabled"], "versioning status")
}

fn mfa_status(v: &Value) -> Result<(), String> {
    one_of(v, &["Enabled", "Disabled"], "mfa_delete")
}

#[async_trait]
impl Setting for Versioning {
    const TYPE: &'static str = "aws_s3_bucket_versioning";

    fn schema() -> Schema {
        Schema::new("A bucket's versioning state. Deleting the resource suspends versioning (a bucket can never return to unversioned), as Terraform does.")
            .attr(
                AttributeSchema::optional("mfa", Type::String)
                    .sensitive()
                    .describe("The MFA device's serial number, a space and the current code: required by S3 to change `mfa_delete`. Not reported by AWS: kept as configured."),
            )
            .attr(
                AttributeSchema::optional("expected_bucket_owner", Type::String)
                    .force_new()
                    .describe("The account expected to own the bucket; S3 refuses the calls otherwise. Kept as configured."),
            )
            .block(BlockSchema::new(
                "versioning_configuration",
                Nesting::List,
                Schema::new("")
                    .attr(
                        AttributeSchema::required("status", Type::String)
                            .validate(versioning_status)
                            .describe("`Enabled`, `Suspended`, or `Disabled` (only to create the resource for a bucket that was never versioned: no AWS call). Changed in place (`PutBucketVersioning`)."),
                    )
                    .attr(
                        AttributeSchema::optional_computed("mfa_delete", Type::String)
                            .validate(mfa_status)
                            .describe("`Enabled` or `Disabled`: whether deleting versions needs MFA. When unset, what S3 reports is kept."),
                    ),
                "The versioning state (exactly one block).",
            ))
    }

    async fn get(c: &Clients, bucket: &str, prior: &Attrs) -> Result<Option<Attrs>, ProviderError> {
        let out =
            c.s3.get_bucket_versioning()
                .bucket(bucket)
                .send()
                .await
                .map_err(|e| on("GetBucketVersioning", bucket, e))?;
        let status = out.status().map(|s| s.as_str().to_string()).unwrap_or_else(|| "Disabled".into());
        let mut item = Attrs::new();
        item.insert("status".into(), Value::String(status));
        item.insert("mfa_delete".into(), s(out.mfa_delete().map(|m| m.as_str())));
        let mut a = Attrs::new();
        a.insert("versioning_configuration".into(), block(item));
        for k in ["mfa", "expected_bucket_owner"] {
            a.insert(k.into(), prior.get(k).cloned().unwrap_or(Value::Null));
        }
        Ok(Some(a))
    }

    async fn put(c: &Clients, bucket: &str, d: &Attrs) -> Result<(), ProviderError> {
        let item = one(d, "versioning_configuration");
        let status = item.and_then(|i| get_str(i, "status")).unwrap_or("Enabled");
        if status == "Disabled" {
            // Terraform: only meaningful for a bucket that was never versioned; nothing to write.
            let now =
                c.s3.get_bucket_versioning()
                    .bucket(bucket)
                    .send()
                    .await
                    .map_err(|e| on("GetBucketVersioning", bucket, e))?;
            return match now.status() {
                None => Ok(()),
                Some(s) => Err(invalid(
                    bucket,
                    format!(
                        "versioning is {} and a bucket cannot return to unversioned: write status = \"Suspended\"",
                        s.as_str()
                    ),
                )),
            };
        }
        let mut config = VersioningConfiguration::builder().status(BucketVersioningStatus::from(status));
        if let Some(m) = item.and_then(|i| get_string(i, "mfa_delete")) {
            config = config.mfa_delete(MfaDelete::from(m.as_str()));
        }
        c.s3.put_bucket_versioning()
            .bucket(bucket)
            .versioning_configuration(config.build())
            .set_mfa(get_string(d, "mfa"))
            .set_expected_bucket_owner(get_string(d, "expected_bucket_owner"))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| on("PutBucketVersioning", bucket, e))
    }

    async fn remove(c: &Clients, bucket: &str, prior: &Attrs) -> Result<(), ProviderError> {
        let status = one(prior, "versioning_configuration").and_then(|i| get_str(i, "status"));
        if status != Some("Enabled") {
            return Ok(());
        }
        let config = VersioningConfiguration::builder().status(BucketVersioningStatus::Suspended).build();
        c.s3.put_bucket_versioning()
            .bucket(bucket)
            .versioning_configuration(config)
            .set_expected_bucket_owner(get_string(prior, "expected_bucket_owner"))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| on("PutBucketVersioning", bucket, e))
    }
}

// ---------------------------------------------------------------------------------------------

/// `aws_s3_bucket_server_side_encryption_configuration`.
pub(crate) struct Encryption;

fn sse_algorithm(v: &Value) -> Result<(), String> {
    one_of(v, &["AES256", "aws:kms", "aws:kms:dsse"], "sse_algorithm")
}

/// S3's default for every bucket since January 2023: SSE-S3 (AES256), no bucket key.
fn default_rule() -> Value {
    let mut by_default = Attrs::new();
    by_default.insert("sse_algorithm".into(), Value::String("AES256".into()));
    by_default.insert("kms_master_key_id".into(), Value::Null);
    let mut rule = Attrs::new();
    rule.insert("apply_server_side_encryption_by_default".into(), block(by_default));
    rule.insert("bucket_key_enabled".into(), Value::Bool(false));
    Value::set(vec![Value::Map(rule)])
}

#[async_trait]
impl Setting for Encryption {
    const TYPE: &'static str = "aws_s3_bucket_server_side_encryption_configuration";

    fn schema() -> Schema {
        Schema::new("A bucket's default encryption. Deleting the resource (`DeleteBucketEncryption`) returns the bucket to S3's default, SSE-S3 (AES256), as Terraform does.")
            .attr(
                AttributeSchema::optional("expected_bucket_owner", Type::String)
                    .force_new()
                    .describe("The account expected to own the bucket. Kept as configured."),
            )
            .block(BlockSchema::new(
                "rule",
                Nesting::Set,
                Schema::new("")
                    .attr(
                        AttributeSchema::optional("bucket_key_enabled", Type::Bool)
                            .default(false)
                            .describe("Use an S3 Bucket Key for SSE-KMS, fewer KMS calls. Changed in place (`PutBucketEncryption`)."),
                    )
                    .block(BlockSchema::new(
                        "apply_server_side_encryption_by_default",
                        Nesting::List,
                        Schema::new("")
                            .attr(
                                AttributeSchema::required("sse_algorithm", Type::String)
                                    .validate(sse_algorithm)
                                    .describe("`AES256`, `aws:kms` or `aws:kms:dsse`. Changed in place."),
                            )
                            .attr(
                                AttributeSchema::optional("kms_master_key_id", Type::String)
                                    .describe("The KMS key (id or ARN) for `aws:kms`; unset means the AWS managed key `aws/s3`."),
                            ),
                        "The default encryption of new objects.",
                    )),
                "One encryption rule. A bucket with no configuration reads as S3's default (AES256), so that default is never drift.",
            ))
    }

    async fn get(c: &Clients, bucket: &str, prior: &Attrs) -> Result<Option<Attrs>, ProviderError> {
        let r =
            c.s3.get_bucket_encryption().bucket(bucket).send().await.map_err(|e| on("GetBucketEncryption", bucket, e));
        let mut a = Attrs::new();
        a.insert("expected_bucket_owner".into(), prior.get("expected_bucket_owner").cloned().unwrap_or(Value::Null));
        let rules = match absent_setting(r)? {
            // AWS encrypts every bucket with SSE-S3 when nothing else is configured (emulators may
            // report no configuration instead).
            None => default_rule(),
            Some(out) => {
                let rules: Vec<Value> = out
                    .server_side_encryption_configuration()
                    .map(|c| c.rules())
                    .unwrap_or_default()
                    .iter()
                    .map(|r| {
                        let mut rule = Attrs::new();
                        let by_default = r.apply_server_side_encryption_by_default().map(|d| {
                            let mut m = Attrs::new();
                            m.insert("sse_algorithm".into(), Value::String(d.sse_algorithm().as_str().into()));
                            m.insert("kms_master_key_id".into(), s(d.kms_master_key_id()));
                            block(m)
                        });
                        rule.insert(
                            "apply_server_side_encryption_by_default".into(),
                            by_default.unwrap_or(Value::List(vec![])),
                        );
                        rule.insert("bucket_key_enabled".into(), Value::Bool(r.bucket_key_enabled().unwrap_or(false)));
                        Value::Map(rule)
                    })
                    .collect();
                if rules.is_empty() { default_rule() } else { Value::set(rules) }
            }
        };
        a.insert("rule".into(), rules);
        Ok(Some(a))
    }

    async fn put(c: &Clients, bucket: &str, d: &Attrs) -> Result<(), ProviderError> {
        let mut config = ServerSideEncryptionConfiguration::builder();
        for r in items(d, "rule") {
            let mut rule =
                ServerSideEncryptionRule::builder().set_bucket_key_enabled(get_bool(r, "bucket_key_enabled"));
            if let Some(by) = one(r, "apply_server_side_encryption_by_default") {
                let by = ServerSideEncryptionByDefault::builder()
                    .sse_algorithm(ServerSideEncryption::from(need_str(by, "sse_algorithm")?))
                    .set_kms_master_key_id(get_string(by, "kms_master_key_id"))
                    .build()
                    .map_err(|e| invalid(bucket, e))?;
                rule = rule.apply_server_side_encryption_by_default(by);
            }
            config = config.rules(rule.build());
        }
        c.s3.put_bucket_encryption()
            .bucket(bucket)
            .server_side_encryption_configuration(config.build().map_err(|e| invalid(bucket, e))?)
            .set_expected_bucket_owner(get_string(d, "expected_bucket_owner"))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| on("PutBucketEncryption", bucket, e))
    }

    async fn remove(c: &Clients, bucket: &str, prior: &Attrs) -> Result<(), ProviderError> {
        c.s3.delete_bucket_encryption()
            .bucket(bucket)
            .set_expected_bucket_owner(get_string(prior, "expected_bucket_owner"))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| on("DeleteBucketEncryption", bucket, e))
    }
}

// ---------------------------------------------------------------------------------------------

/// `aws_s3_bucket_policy`.
pub(crate) struct Policy;

fn policy_json(v: &Value) -> Result<(), String> {
    match v.as_str() {
        Some(t) if serde_json::from_str::<serde_json::Value>(t).is_err() => {
            Err("the policy is not valid JSON (use jsonencode(...) or data.aws_iam_policy_document)".into())
        }
        _ => Ok(()),
    }
}

#[async_trait]
impl Setting for Policy {
    const TYPE: &'static str = "aws_s3_bucket_policy";

    fn schema() -> Schema {
        Schema::new("A bucket's resource policy.").attr(
            AttributeSchema::required("policy", Type::String)
                .validate(policy_json)
                .normalize(provision_aws_core::json::normalize_policy)
                .describe("The policy document (JSON, checked at plan time). Compared by meaning: key order, whitespace, a single statement or action written without a list are not changes. Changed in place (`PutBucketPolicy`)."),
        )
    }

    async fn get(c: &Clients, bucket: &str, _prior: &Attrs) -> Result<Option<Attrs>, ProviderError> {
        let r = c.s3.get_bucket_policy().bucket(bucket).send().await.map_err(|e| on("GetBucketPolicy", bucket, e));
        let Some(out) = absent_setting(r)? else { return Ok(None) };
        let mut a = Attrs::new();
        a.insert("policy".into(), s(out.policy()));
        Ok(Some(a))
    }

    async fn put(c: &Clients, bucket: &str, d: &Attrs) -> Result<(), ProviderError> {
        c.s3.put_bucket_policy()
            .bucket(bucket)
            .policy(need_str(d, "policy")?)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| on("PutBucketPolicy", bucket, e))
    }

    async fn remove(c: &Clients, bucket: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        c.s3.delete_bucket_policy()
            .bucket(bucket)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| on("DeleteBucketPolicy", bucket, e))
    }
}

// ---------------------------------------------------------------------------------------------

/// `aws_s3_bucket_ownership_controls`.
pub(crate) struct Ownership;

fn object_ownership(v: &Value) -> Result<(), String> {
    one_of(v, &["BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter"], "object_ownership")
}

#[async_trait]
impl Setting for Ownership {
    const TYPE: &'static str = "aws_s3_bucket_ownership_controls";

    fn schema() -> Schema {
        Schema::new("Who owns objects written to a bucket, and whether ACLs are in effect.").block(BlockSchema::new(
            "rule",
            Nesting::List,
            Schema::new("").attr(
                AttributeSchema::required("object_ownership", Type::String)
                    .validate(object_ownership)
                    .describe("`BucketOwnerEnforced` (ACLs disabled: AWS's default for new buckets), `BucketOwnerPreferred` or `ObjectWriter`. Changed in place (`PutBucketOwnershipControls`)."),
            ),
            "The ownership rule (exactly one block).",
        ))
    }

    async fn get(c: &Clients, bucket: &str, _prior: &Attrs) -> Result<Option<Attrs>, ProviderError> {
        let r =
            c.s3.get_bucket_ownership_controls()
                .bucket(bucket)
                .send()
                .await
                .map_err(|e| on("GetBucketOwnershipControls", bucket, e));
        let Some(out) = absent_setting(r)? else { return Ok(None) };
        let rules: Vec<Value> = out
            .ownership_controls()
            .map(|o| o.rules())
            .unwrap_or_default()
            .iter()
            .map(|r| {
                let mut m = Attrs::new();
                m.insert("object_ownership".into(), Value::String(r.object_ownership().as_str().into()));
                Value::Map(m)
            })
            .collect();
        let mut a = Attrs::new();
        a.insert("rule".into(), Value::List(rules));
        Ok(Some(a))
    }

    async fn put(c: &Clients, bucket: &str, d: &Attrs) -> Result<(), ProviderError> {
        let mut controls = OwnershipControls::builder();
        for r in items(d, "rule") {
            let rule = OwnershipControlsRule::builder()
                .object_ownership(ObjectOwnership::from(need_str(r, "object_ownership")?))
                .build()
                .map_err(|e| invalid(bucket, e))?;
            controls = controls.rules(rule);
        }
        c.s3.put_bucket_ownership_controls()
            .bucket(bucket)
            .ownership_controls(controls.build().map_err(|e| invalid(bucket, e))?)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| on("PutBucketOwnershipControls", bucket, e))
    }

    async fn remove(c: &Clients, bucket: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        c.s3.delete_bucket_ownership_controls()
            .bucket(bucket)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| on("DeleteBucketOwnershipControls", bucket, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_encryption_rule_is_sse_s3() {
        let Value::Set(rules) = default_rule() else { panic!("a set") };
        let rule = rules[0].as_map().expect("map");
        assert_eq!(rule.get("bucket_key_enabled"), Some(&Value::Bool(false)));
        let by = one(rule, "apply_server_side_encryption_by_default").expect("by default");
        assert_eq!(get_str(by, "sse_algorithm"), Some("AES256"));
    }

    #[test]
    fn policies_must_be_json() {
        assert!(policy_json(&Value::String("{\"Version\":\"2012-10-17\"}".into())).is_ok());
        assert!(policy_json(&Value::String("{not json".into())).is_err());
    }
}
