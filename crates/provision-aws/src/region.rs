//! What the `aws` provider decides of `region` on a resource or data source (Terraform's AWS
//! provider 6, "enhanced region support"): which types are global and why, the argument's
//! documentation and check, and where a configuration's own region comes from. The wrapping
//! itself (each object handled in its region) is `provision_core::regional`, applied once where
//! the provider assembles its types, so that no service crate and not the engine has to know.

use async_trait::async_trait;
use provision_aws_core::Context;
use provision_core::regional::HomeRegion;
use provision_core::{AttributeSchema, ProviderError, Type, Value};
use std::sync::Arc;

/// The documentation of the argument, written once for every regional type.
pub(crate) const DOC: &str = "The region the object is managed in (Terraform AWS provider 6); unset, the provider configuration's. Recorded in state; changing it replaces the object. See [`region`](../configuration.md#region-on-a-resource).";

/// Whether a type takes `region`, and if not, why.
pub(crate) fn global_reason(type_name: &str) -> Option<String> {
    let service = if type_name.starts_with("aws_iam_") {
        "IAM"
    } else if type_name.starts_with("aws_cloudfront_") {
        "CloudFront"
    } else if type_name.starts_with("aws_route53_") {
        "Route 53"
    } else if type_name == "aws_caller_identity" {
        "the caller's identity"
    } else if type_name == "aws_partition" {
        "the partition"
    } else {
        return None;
    };
    Some(format!(
        "{type_name} is global ({service} is not in a region), so it takes no `region`, as in Terraform's AWS provider 6; to use other credentials or another partition, give it `provider = aws.ALIAS`"
    ))
}

/// A region name's form (as `skip_region_validation`: a region AWS adds later needs no new
/// provision).
pub(crate) fn check_form(v: &Value) -> Result<(), String> {
    match v.as_str() {
        Some(r) if !r.is_empty() && r.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') => {
            Ok(())
        }
        Some(r) => Err(format!("\"{r}\" is not an AWS region name, such as eu-west-1")),
        None => Ok(()),
    }
}

/// The `region` argument of every regional type (made optional, computed and forcing by
/// `Regions`).
pub(crate) fn argument() -> AttributeSchema {
    AttributeSchema::optional("region", Type::String).validate(check_form).describe(DOC)
}

/// A configuration's own region when its block leaves it to the standard chain (`AWS_REGION`,
/// the profile): the SDK configuration's, loaded on first use.
pub(crate) struct ChainRegion(pub Arc<Context>);

#[async_trait]
impl HomeRegion for ChainRegion {
    async fn home_region(&self) -> Result<String, ProviderError> {
        Ok(self.0.sdk().await?.region.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use provision_core::regional::{Build, Regional, RegionalData, Regions, Types};
    use provision_core::{Attrs, DataSourceType, FindQuery, Found, OpContext, ReadContext, ResourceType, Schema};
    use std::collections::BTreeMap;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn regions(home: Option<&str>, build: Box<Build>) -> Arc<Regions> {
        let chain = Arc::new(ChainRegion(Arc::new(Context::default())));
        Arc::new(Regions::new(home.map(str::to_string), chain, argument(), build))
    }

    /// A type that records which region each call reached.
    struct Probe {
        region: String,
        schema: Schema,
        calls: Arc<Mutex<Vec<String>>>,
    }

    impl Probe {
        fn log(&self, what: &str) {
            self.calls.lock().unwrap_or_else(|p| p.into_inner()).push(format!("{what} {}", self.region));
        }
    }

    #[async_trait]
    impl ResourceType for Probe {
        fn name(&self) -> &'static str {
            "aws_vpc"
        }
        fn schema(&self) -> &Schema {
            &self.schema
        }
        async fn read_many(
            &self,
            _ctx: &ReadContext,
            objects: &[(String, Attrs)],
        ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
            self.log(&format!("read {}", objects.len()));
            Ok(objects.iter().map(|(id, _)| (id.clone(), Attrs::new())).collect())
        }
        async fn create(&self, _ctx: &OpContext, _desired: &Attrs) -> Result<Attrs, ProviderError> {
            self.log("create");
            Ok(Attrs::new())
        }
        async fn update(&self, _: &OpContext, _: &str, _: &Attrs, _: &Attrs) -> Result<Attrs, ProviderError> {
            self.log("update");
            Ok(Attrs::new())
        }
        async fn delete(&self, _ctx: &OpContext, _id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
            self.log("delete");
            Ok(())
        }
        async fn find(&self, _query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
            self.log("find");
            Ok(vec![])
        }
    }

    fn probe(region: &str, calls: &Arc<Mutex<Vec<String>>>) -> Arc<dyn ResourceType> {
        Arc::new(Probe { region: region.into(), schema: Schema::new("a probe").with_id(), calls: calls.clone() })
    }

    fn regional(calls: &Arc<Mutex<Vec<String>>>, built: &Arc<AtomicUsize>) -> Regional {
        let (c, b) = (calls.clone(), built.clone());
        let build: Box<Build> = Box::new(move |r: &str| {
            b.fetch_add(1, Ordering::SeqCst);
            Types { resources: vec![probe(r, &c)], data: vec![] }
        });
        Regional::new(probe("us-east-1", calls), regions(Some("us-east-1"), build))
    }

    fn in_region(region: Option<&str>) -> Attrs {
        region.map(|r| ("region".to_string(), Value::from(r))).into_iter().collect()
    }

    fn op() -> OpContext {
        let identity = provision_core::Identity { stack: "s".into(), address: "aws_vpc.a".parse().expect("address") };
        OpContext::new(identity, "t", std::time::Duration::from_secs(60))
    }

    fn sorted(calls: &Arc<Mutex<Vec<String>>>) -> Vec<String> {
        let mut v = calls.lock().unwrap_or_else(|p| p.into_inner()).clone();
        v.sort();
        v
    }

    #[tokio::test]
    async fn a_batched_read_is_one_read_per_region_and_records_each_objects_region() {
        let (calls, built) = (Arc::new(Mutex::new(vec![])), Arc::new(AtomicUsize::new(0)));
        let t = regional(&calls, &built);
        let objects = vec![
            ("a".to_string(), in_region(None)),
            ("b".to_string(), in_region(Some("eu-west-1"))),
            ("c".to_string(), in_region(Some("eu-west-1"))),
            ("d".to_string(), in_region(Some("us-east-1"))),
        ];
        let read = t.read_many(&ReadContext::default(), &objects).await.expect("read");
        assert_eq!(sorted(&calls), vec!["read 2 eu-west-1", "read 2 us-east-1"]);
        assert_eq!(read["a"]["region"], Value::from("us-east-1"), "unset: the configuration's region, recorded");
        assert_eq!(read["b"]["region"], Value::from("eu-west-1"));
        assert_eq!(built.load(Ordering::SeqCst), 1, "one configuration for eu-west-1, none for the home region");
        t.read_many(&ReadContext::default(), &objects[1..2]).await.expect("read again");
        assert_eq!(built.load(Ordering::SeqCst), 1, "made once, kept");
    }

    #[tokio::test]
    async fn every_operation_goes_to_the_objects_region() {
        let (calls, built) = (Arc::new(Mutex::new(vec![])), Arc::new(AtomicUsize::new(0)));
        let t = regional(&calls, &built);
        let eu = in_region(Some("eu-west-1"));
        let made = t.create(&op(), &eu).await.expect("create");
        assert_eq!(made["region"], Value::from("eu-west-1"));
        t.update(&op(), "x", &eu, &eu).await.expect("update");
        t.delete(&op(), "x", &eu).await.expect("delete");
        let query = FindQuery { identity: op().identity, natural_key: None, desired: eu.clone() };
        t.find(&query).await.expect("find");
        let home = t.create(&op(), &in_region(None)).await.expect("create at home");
        assert_eq!(home["region"], Value::from("us-east-1"));
        assert_eq!(
            sorted(&calls),
            vec!["create eu-west-1", "create us-east-1", "delete eu-west-1", "find eu-west-1", "update eu-west-1"]
        );
    }

    /// A plan's delete checks of objects in the configuration's region need nothing loaded: with
    /// no region in the block, nothing asks the standard chain for one.
    #[tokio::test]
    async fn a_check_at_home_loads_nothing() {
        let calls = Arc::new(Mutex::new(vec![]));
        let c = calls.clone();
        let build: Box<Build> = Box::new(move |r: &str| Types { resources: vec![probe(r, &c)], data: vec![] });
        let t = Regional::new(probe("home", &calls), regions(None, build));
        t.check_delete(&ReadContext::default(), "x", &in_region(None)).await.expect("no region needed");
        t.delete(&op(), "x", &in_region(None)).await.expect("no region needed");
        assert_eq!(sorted(&calls), vec!["delete home"]);
    }

    #[test]
    fn the_argument_is_optional_computed_forcing_and_defaults_to_the_configurations_region() {
        let calls = Arc::new(Mutex::new(vec![]));
        let t = regional(&calls, &Arc::new(AtomicUsize::new(0)));
        let a = t.schema().attribute("region").expect("region");
        assert_eq!(a.mode, provision_core::AttrMode::OptionalComputed);
        assert!(a.force_new);
        assert_eq!(a.default, Some(Value::from("us-east-1")));
        assert!((a.validator.expect("checked"))(&Value::from("EU west")).is_err());
        let none: Box<Build> = Box::new(|_: &str| Types { resources: vec![], data: vec![] });
        let unconfigured =
            regions(None, none).with_region(Schema::new("x").attr(AttributeSchema::computed("region", Type::String)));
        let a = unconfigured.attribute("region").expect("region");
        assert_eq!((a.mode, a.default.clone()), (provision_core::AttrMode::OptionalComputed, None));
        assert_eq!(unconfigured.attributes.len(), 1, "a type's own computed region becomes the argument");
    }

    /// A data source that reports which region it read in, or the bucket's own region.
    struct Lookup {
        region: String,
        own: Option<&'static str>,
    }

    #[async_trait]
    impl DataSourceType for Lookup {
        fn name(&self) -> &'static str {
            "aws_vpc"
        }
        fn schema(&self) -> &Schema {
            static SCHEMA: std::sync::OnceLock<Schema> = std::sync::OnceLock::new();
            SCHEMA.get_or_init(|| Schema::new("a lookup"))
        }
        async fn read(&self, _args: &Attrs) -> Result<Attrs, ProviderError> {
            let mut a: Attrs = [("read_in".to_string(), Value::from(self.region.as_str()))].into();
            if let Some(own) = self.own {
                a.insert("region".into(), Value::from(own));
            }
            Ok(a)
        }
    }

    #[tokio::test]
    async fn a_data_source_is_read_in_its_region() {
        let lookup = |own: Option<&'static str>| {
            let build: Box<Build> = Box::new(move |r: &str| Types {
                resources: vec![],
                data: vec![Arc::new(Lookup { region: r.into(), own })],
            });
            RegionalData::new(Arc::new(Lookup { region: "us-east-1".into(), own }), regions(Some("us-east-1"), build))
        };
        let d = lookup(None);
        assert!(d.schema().attribute("region").is_some());
        let away = d.read(&in_region(Some("eu-west-1"))).await.expect("read");
        assert_eq!((away["read_in"].clone(), away["region"].clone()), ("eu-west-1".into(), "eu-west-1".into()));
        let home = d.read(&in_region(None)).await.expect("read");
        assert_eq!((home["read_in"].clone(), home["region"].clone()), ("us-east-1".into(), "us-east-1".into()));
        let bucket = lookup(Some("ap-south-1")).read(&in_region(Some("eu-west-1"))).await.expect("read");
        assert_eq!(bucket["region"], Value::from("ap-south-1"), "its own region, as it reports it");
    }

    #[test]
    fn global_types_say_why() {
        let why = global_reason("aws_iam_role").expect("global");
        assert!(why.starts_with("aws_iam_role is global (IAM"), "{why}");
        assert!(global_reason("aws_cloudfront_distribution").is_some());
        assert!(global_reason("aws_route53_record").is_some());
        assert!(global_reason("aws_acm_certificate").is_none(), "regional: CloudFront's certificates are in us-east-1");
        assert!(global_reason("aws_s3_bucket").is_none());
    }
}
