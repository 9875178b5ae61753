//! The S3 types of provision's aws provider: buckets, their settings, objects. A crate of its own
//! so that editing it recompiles this crate and the provider, not every other service.

mod acl;
mod bucket;
mod context;
mod data;
mod error;
mod lifecycle;
mod object;
mod setting;
mod settings;
mod util;
mod website;

use provision_aws_core::ServiceTypes;
use provision_core::ResourceType;
use setting::BucketSetting;
use std::sync::Arc;

/// This service's resource types and data sources, sharing one lazily built S3 client.
pub fn types(shared: &Arc<provision_aws_core::Context>) -> ServiceTypes {
    let ctx = Arc::new(context::new(shared.clone()));
    let managed = Arc::new(object::ManagedKeys::default());
    let resources: Vec<Arc<dyn ResourceType>> = vec![
        Arc::new(bucket::Bucket::new(ctx.clone(), managed.clone())),
        Arc::new(object::Object::new(ctx.clone(), managed)),
        Arc::new(BucketSetting::<settings::PublicAccessBlock>::new(ctx.clone())),
        Arc::new(BucketSetting::<settings::Versioning>::new(ctx.clone())),
        Arc::new(BucketSetting::<settings::Encryption>::new(ctx.clone())),
        Arc::new(BucketSetting::<settings::Policy>::new(ctx.clone())),
        Arc::new(BucketSetting::<settings::Ownership>::new(ctx.clone())),
        Arc::new(BucketSetting::<lifecycle::Lifecycle>::new(ctx.clone())),
        Arc::new(BucketSetting::<website::Website>::new(ctx.clone())),
        Arc::new(BucketSetting::<website::Cors>::new(ctx.clone())),
        Arc::new(BucketSetting::<acl::Acl>::new(ctx.clone())),
    ];
    ServiceTypes { resources, data_sources: vec![Arc::new(data::BucketData::new(ctx))] }
}
