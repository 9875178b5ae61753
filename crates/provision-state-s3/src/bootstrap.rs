//! `provision state bootstrap`: the state bucket (versioning on, default encryption, every kind
//! of public access blocked) and the lock table, created when missing and corrected when not
//! configured that way. Running it again changes nothing.

use super::{S3Backend, explain};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, TableStatus,
};
use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration, PublicAccessBlockConfiguration,
    ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
    VersioningConfiguration,
};
use provision_aws_core::wait::{self, Status, Wait};
use provision_state::StateError;
use std::time::Duration;

fn fail(msg: String) -> StateError {
    StateError::Remote(msg)
}

pub(super) async fn run(b: &S3Backend) -> Result<Vec<String>, StateError> {
    let c = b.clients().await?;
    let bucket = &b.config.bucket;
    let target = format!("s3://{bucket}");
    let mut done = vec![];

    match c.s3.head_bucket().bucket(bucket).send().await {
        Ok(_) => done.push(format!("bucket {bucket}: exists")),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => {
            let mut req = c.s3.create_bucket().bucket(bucket);
            if c.region != "us-east-1" {
                req = req.create_bucket_configuration(
                    CreateBucketConfiguration::builder()
                        .location_constraint(BucketLocationConstraint::from(c.region.as_str()))
                        .build(),
                );
            }
            match req.send().await {
                Ok(_) => done.push(format!("bucket {bucket}: created in {}", c.region)),
                Err(e) => {
                    let (code, msg) = explain("s3:CreateBucket", &target, &c.region, &e);
                    if code.as_deref() != Some("BucketAlreadyOwnedByYou") {
                        let taken = code.as_deref() == Some("BucketAlreadyExists");
                        return Err(fail(if taken {
                            format!(
                                "{msg}\n  bucket names are global: another account owns {bucket}; choose another name"
                            )
                        } else {
                            msg
                        }));
                    }
                    done.push(format!("bucket {bucket}: exists"));
                }
            }
        }
        Err(e) => return Err(fail(explain("s3:HeadBucket", &target, &c.region, &e).1)),
    }

    // Turning versioning on is idempotent; no need to look first.
    c.s3.put_bucket_versioning()
        .bucket(bucket)
        .versioning_configuration(VersioningConfiguration::builder().status(BucketVersioningStatus::Enabled).build())
        .send()
        .await
        .map_err(|e| fail(explain("s3:PutBucketVersioning", &target, &c.region, &e).1))?;
    done.push("versioning: on (every state version is kept)".into());

    let by_default = match &b.config.kms_key_id {
        Some(k) => ServerSideEncryptionByDefault::builder()
            .sse_algorithm(ServerSideEncryption::AwsKms)
            .kms_master_key_id(k)
            .build(),
        None => ServerSideEncryptionByDefault::builder().sse_algorithm(ServerSideEncryption::Aes256).build(),
    }
    .map_err(|e| fail(format!("encryption settings: {e}")))?;
    let rule = ServerSideEncryptionRule::builder().apply_server_side_encryption_by_default(by_default).build();
    let encryption = ServerSideEncryptionConfiguration::builder()
        .rules(rule)
        .build()
        .map_err(|e| fail(format!("encryption settings: {e}")))?;
    c.s3.put_bucket_encryption()
        .bucket(bucket)
        .server_side_encryption_configuration(encryption)
        .send()
        .await
        .map_err(|e| fail(explain("s3:PutBucketEncryption", &target, &c.region, &e).1))?;
    done.push(format!(
        "default encryption: {}",
        if b.config.kms_key_id.is_some() { "aws:kms with the configured key" } else { "AES256" }
    ));

    let block = PublicAccessBlockConfiguration::builder()
        .block_public_acls(true)
        .ignore_public_acls(true)
        .block_public_policy(true)
        .restrict_public_buckets(true)
        .build();
    c.s3.put_public_access_block()
        .bucket(bucket)
        .public_access_block_configuration(block)
        .send()
        .await
        .map_err(|e| fail(explain("s3:PutPublicAccessBlock", &target, &c.region, &e).1))?;
    done.push("public access: all blocked".into());

    if let Some(table) = &b.config.dynamodb_table {
        let target = format!("DynamoDB table {table}");
        let create = c
            .dynamodb
            .create_table()
            .table_name(table)
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name("LockID")
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .map_err(|e| fail(e.to_string()))?,
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name("LockID")
                    .key_type(KeyType::Hash)
                    .build()
                    .map_err(|e| fail(e.to_string()))?,
            )
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await;
        match create {
            Ok(_) => done.push(format!("lock table {table}: created (LockID string key, on demand)")),
            Err(e) => {
                let (code, msg) = explain("dynamodb:CreateTable", &target, &c.region, &e);
                if code.as_deref() != Some("ResourceInUseException") {
                    return Err(fail(msg));
                }
                done.push(format!("lock table {table}: exists"));
            }
        }
        let active = Wait::new(&target, "ACTIVE", Duration::from_secs(300))
            .polling(Duration::from_secs(1), Duration::from_secs(1));
        let poll = || async {
            let d = c
                .dynamodb
                .describe_table()
                .table_name(table)
                .send()
                .await
                .map_err(|e| fail(explain("dynamodb:DescribeTable", &target, &c.region, &e).1))?;
            Ok(match d.table().and_then(|t| t.table_status()) {
                Some(TableStatus::Active) => Status::Ready(()),
                other => Status::Pending(other.map_or("unknown", |s| s.as_str()).to_string()),
            })
        };
        wait::until(&active, poll, |t| fail(t.to_string())).await?;
    }
    Ok(done)
}
