//! data `aws_s3_bucket`: an existing bucket by name, for its ARN and domain names (a CloudFront
//! origin, a policy's resource, a Route 53 alias).

use crate::bucket::hosted_zone_id;
use crate::context::Context;
use crate::error::on;
use crate::setting::absent_setting;
use crate::util::{need_str, s};
use crate::website::website_domain;
use async_trait::async_trait;
use provision_core::{AttributeSchema, Attrs, DataSourceType, ProviderError, ProviderErrorKind, Schema, Type, Value};
use std::sync::Arc;

pub(crate) struct BucketData {
    ctx: Arc<Context>,
    schema: Schema,
}

impl BucketData {
    pub fn new(ctx: Arc<Context>) -> Self {
        let computed = |n: &'static str, d: &'static str| AttributeSchema::computed(n, Type::String).describe(d);
        let schema = Schema::new(
            "An existing bucket, by name. Two calls: `HeadBucket` (existence and region) and `GetBucketWebsite`.",
        )
        .attr(AttributeSchema::required("bucket", Type::String).describe("The bucket's name."))
        .attr(computed("id", "The bucket's name."))
        .attr(computed("arn", "`arn:<partition>:s3:::<bucket>`."))
        .attr(computed("bucket_domain_name", "`<bucket>.s3.amazonaws.com`."))
        .attr(computed("bucket_regional_domain_name", "`<bucket>.s3.<region>.amazonaws.com`."))
        .attr(computed("hosted_zone_id", "S3's Route 53 hosted zone in the bucket's region."))
        .attr(computed("region", "The region the bucket is in."))
        .attr(computed(
            "website_endpoint",
            "The website endpoint, when the bucket has website hosting (null otherwise).",
        ))
        .attr(computed("website_domain", "The website domain, when the bucket has website hosting (null otherwise)."));
        BucketData { ctx, schema }
    }
}

#[async_trait]
impl DataSourceType for BucketData {
    fn name(&self) -> &'static str {
        "aws_s3_bucket"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, args: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let name = need_str(args, "bucket")?;
        let head = c.s3.head_bucket().bucket(name).send().await.map_err(|e| {
            let e = on("HeadBucket", name, e);
            if e.is_not_found() {
                ProviderError::new(
                    ProviderErrorKind::NotFound,
                    format!("bucket {name} does not exist (or is not visible to these credentials)"),
                )
            } else {
                e
            }
        })?;
        let region = head.bucket_region().filter(|r| !r.is_empty()).unwrap_or(&c.region).to_string();
        let website = absent_setting(
            c.s3.get_bucket_website().bucket(name).send().await.map_err(|e| on("GetBucketWebsite", name, e)),
        )?;
        let suffix = if c.partition == "aws-cn" { "amazonaws.com.cn" } else { "amazonaws.com" };
        let mut a = Attrs::new();
        a.insert("id".into(), Value::String(name.into()));
        a.insert("bucket".into(), Value::String(name.into()));
        a.insert("arn".into(), Value::String(format!("arn:{}:s3:::{name}", c.partition)));
        a.insert("bucket_domain_name".into(), Value::String(format!("{name}.s3.{suffix}")));
        a.insert("bucket_regional_domain_name".into(), Value::String(format!("{name}.s3.{region}.{suffix}")));
        a.insert("hosted_zone_id".into(), s(hosted_zone_id(&region)));
        let domain = website.map(|_| website_domain(&region));
        a.insert(
            "website_endpoint".into(),
            domain.as_ref().map_or(Value::Null, |d| Value::String(format!("{name}.{d}"))),
        );
        a.insert("website_domain".into(), domain.map_or(Value::Null, Value::String));
        a.insert("region".into(), Value::String(region));
        Ok(a)
    }
}
