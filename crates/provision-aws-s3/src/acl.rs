//! `aws_s3_bucket_acl`: a bucket's access control list, as a canned ACL or as grants. Buckets that
//! enforce bucket-owner ownership (AWS's default for new buckets) refuse ACLs other than `private`;
//! the error says to add `aws_s3_bucket_ownership_controls` first.

use crate::context::Clients;
use crate::error::on;
use crate::setting::Setting;
use crate::util::{block, get_string, items, need_str, one, s};
use async_trait::async_trait;
use aws_sdk_s3::types::{AccessControlPolicy, BucketCannedAcl, Grant, Grantee, Owner, Permission, Type as GranteeType};
use provision_aws_core::validate::one_of;
use provision_core::{
    AttributeSchema, Attrs, BlockSchema, Nesting, ProviderError, ProviderErrorKind, Schema, Type, Value,
};

pub(crate) struct Acl;

fn canned(v: &Value) -> Result<(), String> {
    one_of(
        v,
        &["private", "public-read", "public-read-write", "aws-exec-read", "authenticated-read", "log-delivery-write"],
        "acl",
    )
}

fn invalid(bucket: &str, e: impl std::fmt::Display) -> ProviderError {
    ProviderError::new(ProviderErrorKind::Invalid, format!("bucket {bucket}: {e}"))
}

fn check(a: &Attrs) -> Result<(), String> {
    let acl = a.get("acl").is_some_and(|v| !v.is_null());
    let policy = a.get("access_control_policy").and_then(Value::as_seq).is_some_and(|v| !v.is_empty());
    if acl == policy {
        return Err("set exactly one of `acl` and `access_control_policy`".into());
    }
    Ok(())
}

#[async_trait]
impl Setting for Acl {
    const TYPE: &'static str = "aws_s3_bucket_acl";

    fn schema() -> Schema {
        let opt = |n: &'static str, d: &'static str| AttributeSchema::optional(n, Type::String).describe(d);
        Schema::new("A bucket's ACL. Deleting the resource changes nothing on AWS (as in Terraform): the ACL stays until changed.")
            .attr(
                AttributeSchema::optional("acl", Type::String)
                    .validate(canned)
                    .describe("A canned ACL (`private`, `public-read`, `log-delivery-write`, ...). Not readable back from AWS: kept as configured. Changed in place (`PutBucketAcl`)."),
            )
            .attr(
                AttributeSchema::optional("expected_bucket_owner", Type::String)
                    .force_new()
                    .describe("The account expected to own the bucket. Kept as configured."),
            )
            .block(
                BlockSchema::new(
                    "access_control_policy",
                    Nesting::List,
                    Schema::new("")
                        .block(BlockSchema::new(
                            "grant",
                            Nesting::Set,
                            Schema::new("")
                                .attr(AttributeSchema::required("permission", Type::String).describe("`FULL_CONTROL`, `READ`, `WRITE`, `READ_ACP` or `WRITE_ACP`."))
                                .block(BlockSchema::new(
                                    "grantee",
                                    Nesting::List,
                                    Schema::new("")
                                        .attr(AttributeSchema::required("type", Type::String).describe("`CanonicalUser`, `AmazonCustomerByEmail` or `Group`."))
                                        .attr(opt("id", "The canonical user id."))
                                        .attr(opt("uri", "The group's URI."))
                                        .attr(opt("email_address", "The grantee's e-mail address."))
                                        .attr(AttributeSchema::computed("display_name", Type::String).describe("Not read (AWS is retiring display names): null.")),
                                    "Who is granted.",
                                )),
                            "One grant.",
                        ))
                        .block(BlockSchema::new(
                            "owner",
                            Nesting::List,
                            Schema::new("")
                                .attr(AttributeSchema::required("id", Type::String).describe("The bucket owner's canonical user id."))
                                .attr(opt("display_name", "The owner's display name. Not read: kept as configured.")),
                            "The bucket's owner.",
                        )),
                    "The grants, instead of `acl`. When the configuration has none, the grants AWS reports are not managed.",
                )
                .unmanaged_when_absent(),
            )
            .check(check)
    }

    async fn get(c: &Clients, bucket: &str, prior: &Attrs) -> Result<Option<Attrs>, ProviderError> {
        let out = c.s3.get_bucket_acl().bucket(bucket).send().await.map_err(|e| on("GetBucketAcl", bucket, e))?;
        let grants: Vec<Value> = out
            .grants()
            .iter()
            .map(|g| {
                let mut grantee = Attrs::new();
                let who = g.grantee();
                grantee.insert("type".into(), s(who.map(|w| w.r#type().as_str())));
                grantee.insert("id".into(), s(who.and_then(|w| w.id())));
                grantee.insert("uri".into(), s(who.and_then(|w| w.uri())));
                grantee.insert("email_address".into(), s(who.and_then(|w| w.email_address())));
                grantee.insert("display_name".into(), Value::Null);
                let mut m = Attrs::new();
                m.insert("permission".into(), s(g.permission().map(|p| p.as_str())));
                m.insert("grantee".into(), block(grantee));
                Value::Map(m)
            })
            .collect();
        let prior_owner = one(prior, "access_control_policy").and_then(|p| one(p, "owner"));
        let mut owner = Attrs::new();
        owner.insert("id".into(), s(out.owner().and_then(|o| o.id())));
        owner.insert(
            "display_name".into(),
            prior_owner.and_then(|o| o.get("display_name")).cloned().unwrap_or(Value::Null),
        );
        let mut policy = Attrs::new();
        policy.insert("grant".into(), Value::set(grants));
        policy.insert("owner".into(), block(owner));
        let mut a = Attrs::new();
        a.insert("acl".into(), prior.get("acl").cloned().unwrap_or(Value::Null));
        a.insert("expected_bucket_owner".into(), prior.get("expected_bucket_owner").cloned().unwrap_or(Value::Null));
        a.insert("access_control_policy".into(), block(policy));
        Ok(Some(a))
    }

    async fn put(c: &Clients, bucket: &str, d: &Attrs) -> Result<(), ProviderError> {
        let mut req =
            c.s3.put_bucket_acl().bucket(bucket).set_expected_bucket_owner(get_string(d, "expected_bucket_owner"));
        if let Some(acl) = get_string(d, "acl") {
            req = req.acl(BucketCannedAcl::from(acl.as_str()));
        } else if let Some(p) = one(d, "access_control_policy") {
            let mut policy = AccessControlPolicy::builder();
            for g in items(p, "grant") {
                let mut grant = Grant::builder().permission(Permission::from(need_str(g, "permission")?));
                if let Some(w) = one(g, "grantee") {
                    let grantee = Grantee::builder()
                        .r#type(GranteeType::from(need_str(w, "type")?))
                        .set_id(get_string(w, "id"))
                        .set_uri(get_string(w, "uri"))
                        .set_email_address(get_string(w, "email_address"))
                        .build()
                        .map_err(|e| invalid(bucket, e))?;
                    grant = grant.grantee(grantee);
                }
                policy = policy.grants(grant.build());
            }
            if let Some(o) = one(p, "owner") {
                policy = policy.owner(
                    Owner::builder()
                        .set_id(get_string(o, "id"))
                        .set_display_name(get_string(o, "display_name"))
                        .build(),
                );
            }
            req = req.access_control_policy(policy.build());
        }
        req.send().await.map(|_| ()).map_err(|e| {
            let mut err = on("PutBucketAcl", bucket, e);
            if err.code.as_deref() == Some("AccessControlListNotSupported") {
                err.message.push_str(
                    "; the bucket enforces bucket-owner ownership (AWS's default), which disables ACLs: add an aws_s3_bucket_ownership_controls with object_ownership = \"BucketOwnerPreferred\" and `depends_on` it",
                );
            }
            err
        })
    }

    async fn remove(_c: &Clients, bucket: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        tracing::debug!(bucket, "aws_s3_bucket_acl deleted: the ACL stays on the bucket, as in Terraform");
        Ok(())
    }
}
