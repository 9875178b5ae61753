//! `region` on a resource or data source (Terraform's AWS provider 6, "enhanced region support"):
//! every regional type of a provider configuration takes an optional `region`, and an object
//! that sets one is managed in that region with the configuration's credentials and settings.
//! It lives here, once, where the provider assembles its types, so that no service crate and
//! not the engine has to know about it: each regional type is wrapped, and the wrapper sends each
//! call to the same type of a configuration like its own but for that region (made on first use,
//! kept for the run). A batched read is split by the regions its objects are recorded in: one
//! read per type per region. Global types (IAM, CloudFront, Route 53, the account data sources)
//! refuse the argument, naming why.

use async_trait::async_trait;
use provision_aws_core::Context;
use provision_core::{
    AttributeSchema, Attrs, DataSourceType, DeleteNote, FindQuery, Found, IdentityStrategy, OpContext, ProviderError,
    ProviderErrorKind, ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

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

/// `schema` with `region` added (or, where the type reports the region it is in, such as an S3
/// bucket, made configurable), defaulting to `home` when the configuration's region is known.
pub(crate) fn with_region(mut schema: Schema, home: Option<&str>) -> Schema {
    let mut a =
        AttributeSchema::optional_computed("region", Type::String).force_new().validate(check_form).describe(DOC);
    if let Some(h) = home {
        a = a.default(h);
    }
    match schema.attributes.iter().position(|x| x.name == "region") {
        Some(i) => schema.attributes[i] = a,
        None => schema.attributes.push(a),
    }
    schema
}

/// The region an object or a data source's arguments name, when they name one.
fn named(attrs: &Attrs) -> Option<&str> {
    attrs.get("region").and_then(Value::as_str).filter(|r| !r.is_empty())
}

/// One region's types, as a provider configuration for that region has them.
pub(crate) struct Types {
    pub resources: Vec<Arc<dyn ResourceType>>,
    pub data: Vec<Arc<dyn DataSourceType>>,
}

/// Makes a region's types.
pub(crate) type Build = dyn Fn(&str) -> Types + Send + Sync;

/// The regions one provider configuration works in: its own, and each region an object names,
/// made on first use.
pub(crate) struct Regions {
    /// The provider block's `region`, when it sets one.
    home: Option<String>,
    /// The configuration's context: its region when the block leaves it to the standard chain.
    ctx: Arc<Context>,
    build: Box<Build>,
    made: Mutex<BTreeMap<String, Arc<Types>>>,
}

impl Regions {
    pub fn new(home: Option<String>, ctx: Arc<Context>, build: Box<Build>) -> Self {
        Regions { home, ctx, build, made: Mutex::new(BTreeMap::new()) }
    }

    pub fn home(&self) -> Option<&str> {
        self.home.as_deref()
    }

    /// The configuration's own region (the standard chain decides when the block does not).
    async fn home_region(&self) -> Result<String, ProviderError> {
        match &self.home {
            Some(h) => Ok(h.clone()),
            None => Ok(self.ctx.sdk().await?.region.clone()),
        }
    }

    fn types_in(&self, region: &str) -> Arc<Types> {
        let mut made = self.made.lock().unwrap_or_else(|p| p.into_inner());
        made.entry(region.to_string()).or_insert_with(|| Arc::new((self.build)(region))).clone()
    }

    /// `None` for the configuration's own region (the home types serve it).
    fn other(&self, region: Option<&str>) -> Option<String> {
        match region {
            Some(r) if self.home.as_deref() != Some(r) => Some(r.to_string()),
            _ => None,
        }
    }
}

fn missing(name: &str, region: &str) -> ProviderError {
    ProviderError::new(ProviderErrorKind::Config, format!("{name} is not available in region {region}"))
}

/// A resource type of a provider configuration: a regional one handles each object in its
/// `region`; a global one (no regions) refuses the argument, saying why.
pub(crate) struct Regional {
    pub home: Arc<dyn ResourceType>,
    pub schema: Schema,
    /// `None` for a global type.
    pub regions: Option<Arc<Regions>>,
}

impl Regional {
    pub fn new(home: Arc<dyn ResourceType>, regions: Arc<Regions>) -> Self {
        let schema = with_region(home.schema().clone(), regions.home());
        Regional { home, schema, regions: Some(regions) }
    }

    pub fn global(home: Arc<dyn ResourceType>, why: String) -> Self {
        let schema = home.schema().clone().refuse("region", why);
        Regional { home, schema, regions: None }
    }

    /// The type to call for an object in `region` (unset: the configuration's), and where it is.
    /// Makes no AWS call and loads nothing: a check that needs no call stays without one.
    fn at(&self, region: Option<&str>) -> Result<(Arc<dyn ResourceType>, Where), ProviderError> {
        let Some(regions) = &self.regions else { return Ok((self.home.clone(), Where::Global)) };
        match regions.other(region) {
            None => Ok((self.home.clone(), Where::Home)),
            Some(r) => {
                let types = regions.types_in(&r);
                let t = types.resources.iter().find(|t| t.name() == self.home.name()).cloned();
                Ok((t.ok_or_else(|| missing(self.home.name(), &r))?, Where::Other(r)))
            }
        }
    }

    /// `attrs` with the region the object is in, for a regional type.
    async fn recorded(&self, attrs: Attrs, at: &Where) -> Result<Attrs, ProviderError> {
        recorded(attrs, self.regions.as_deref(), at).await
    }
}

/// Where a call goes.
enum Where {
    /// A global type: no region to record.
    Global,
    /// The provider configuration's own region.
    Home,
    Other(String),
}

/// `attrs` with the region of `at` (the configuration's own, resolved only now: the call just
/// made loaded its configuration anyway).
async fn recorded(mut attrs: Attrs, regions: Option<&Regions>, at: &Where) -> Result<Attrs, ProviderError> {
    let region = match (at, regions) {
        (Where::Global, _) | (Where::Home, None) => return Ok(attrs),
        (Where::Home, Some(r)) => r.home_region().await?,
        (Where::Other(r), _) => r.clone(),
    };
    attrs.insert("region".into(), Value::String(region));
    Ok(attrs)
}

#[async_trait]
impl ResourceType for Regional {
    fn name(&self) -> &'static str {
        self.home.name()
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn identity(&self) -> IdentityStrategy {
        self.home.identity()
    }

    fn natural_key(&self, ctx: &OpContext, desired: &Attrs) -> Option<String> {
        self.home.natural_key(ctx, desired)
    }

    fn id_from_terraform(&self, attributes: &Attrs) -> Result<String, String> {
        self.home.id_from_terraform(attributes)
    }

    fn attributes_from_terraform(&self, attributes: &Attrs) -> Attrs {
        self.home.attributes_from_terraform(attributes)
    }

    /// One read per region the objects are recorded in, all at once.
    async fn read_many(
        &self,
        ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        // Keyed by the region other than the configuration's (`None`: its own, named or not).
        let mut groups: BTreeMap<Option<String>, Vec<(String, Attrs)>> = BTreeMap::new();
        for (id, attrs) in objects {
            let other = self.regions.as_ref().and_then(|r| r.other(named(attrs)));
            groups.entry(other).or_default().push((id.clone(), attrs.clone()));
        }
        let reads = groups.into_iter().map(|(region, objects)| async move {
            let (t, at) = self.at(region.as_deref())?;
            let mut out = vec![];
            for (id, a) in t.read_many(ctx, &objects).await? {
                out.push((id, self.recorded(a, &at).await?));
            }
            Ok::<_, ProviderError>(out)
        });
        let mut out = BTreeMap::new();
        for group in futures::future::try_join_all(reads).await? {
            out.extend(group);
        }
        Ok(out)
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let (t, at) = self.at(named(desired))?;
        let made = t.create(ctx, desired).await?;
        self.recorded(made, &at).await
    }

    async fn update(&self, ctx: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        // A change of region replaces the object: where it is recorded is where it is.
        let (t, at) = self.at(named(prior).or(named(desired)))?;
        let updated = t.update(ctx, id, prior, desired).await?;
        self.recorded(updated, &at).await
    }

    async fn check_delete(&self, ctx: &ReadContext, id: &str, attrs: &Attrs) -> Result<Vec<DeleteNote>, ProviderError> {
        let (t, _) = self.at(named(attrs))?;
        t.check_delete(ctx, id, attrs).await
    }

    async fn delete(&self, ctx: &OpContext, id: &str, prior: &Attrs) -> Result<(), ProviderError> {
        let (t, _) = self.at(named(prior))?;
        t.delete(ctx, id, prior).await
    }

    /// Recovery looks where the create was sent: the region of the arguments it was given.
    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let (t, at) = self.at(named(&query.desired))?;
        let mut out = vec![];
        for f in t.find(query).await? {
            out.push(Found { attrs: self.recorded(f.attrs, &at).await?, owner: f.owner });
        }
        Ok(out)
    }

    async fn finish_create(&self, ctx: &OpContext, id: &str, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let (t, at) = self.at(named(desired))?;
        let finished = t.finish_create(ctx, id, desired).await?;
        self.recorded(finished, &at).await
    }
}

/// A data source of a provider configuration: a regional one is read in its `region`; a global
/// one refuses the argument.
pub(crate) struct RegionalData {
    pub home: Arc<dyn DataSourceType>,
    pub schema: Schema,
    /// `None` for a global data source.
    pub regions: Option<Arc<Regions>>,
}

impl RegionalData {
    pub fn new(home: Arc<dyn DataSourceType>, regions: Arc<Regions>) -> Self {
        let schema = with_region(home.schema().clone(), regions.home());
        RegionalData { home, schema, regions: Some(regions) }
    }

    pub fn global(home: Arc<dyn DataSourceType>, why: String) -> Self {
        let schema = home.schema().clone().refuse("region", why);
        RegionalData { home, schema, regions: None }
    }
}

#[async_trait]
impl DataSourceType for RegionalData {
    fn name(&self) -> &'static str {
        self.home.name()
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, args: &Attrs) -> Result<Attrs, ProviderError> {
        let Some(regions) = &self.regions else { return self.home.read(args).await };
        let (t, at) = match regions.other(named(args)) {
            None => (self.home.clone(), Where::Home),
            Some(r) => {
                let types = regions.types_in(&r);
                let t = types.data.iter().find(|t| t.name() == self.home.name()).cloned();
                (t.ok_or_else(|| missing(self.home.name(), &r))?, Where::Other(r))
            }
        };
        let read = t.read(args).await?;
        // A data source that reports a region of its own (`aws_s3_bucket`: the bucket's) keeps it.
        if named(&read).is_some() {
            return Ok(read);
        }
        recorded(read, Some(regions), &at).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

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
        let regions = Arc::new(Regions::new(Some("us-east-1".into()), Arc::new(Context::default()), build));
        Regional::new(probe("us-east-1", calls), regions)
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
        let regions = Arc::new(Regions::new(None, Arc::new(Context::default()), build));
        let t = Regional::new(probe("home", &calls), regions);
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
        let unconfigured = with_region(Schema::new("x").attr(AttributeSchema::computed("region", Type::String)), None);
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
            let regions = Arc::new(Regions::new(Some("us-east-1".into()), Arc::new(Context::default()), build));
            RegionalData::new(Arc::new(Lookup { region: "us-east-1".into(), own }), regions)
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
