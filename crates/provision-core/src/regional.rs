//! Per-object regions, for a provider whose objects each live in one region (Terraform's AWS
//! provider 6, "enhanced region support"): a provider configuration's types wrapped so that each
//! object is handled in the `region` it names, through the same types of a configuration like
//! its own for that region (made on first use, kept for the run), and the configuration's own
//! region when it names none. A batched read is split by the regions its objects are recorded in
//! (one read per type per region, all at once); recovery looks where the create was sent. Types
//! without regions (global ones) refuse the argument with the reason the provider gives. Here in
//! core, not in one provider, so that the fake provider drives the engine through the same code.

use crate::provider::{
    DataSourceType, DeleteNote, FindQuery, Found, IdentityStrategy, OpContext, ProviderError, ProviderErrorKind,
    ReadContext, ResourceType,
};
use crate::schema::{AttrMode, AttributeSchema, Schema};
use crate::value::{Attrs, Value};
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// A `HomeRegion` that is known from the start.
pub struct KnownRegion(pub String);

#[async_trait]
impl HomeRegion for KnownRegion {
    async fn home_region(&self) -> Result<String, ProviderError> {
        Ok(self.0.clone())
    }
}

/// The region an object or a data source's arguments name, when they name one.
fn named(attrs: &Attrs) -> Option<&str> {
    attrs.get("region").and_then(Value::as_str).filter(|r| !r.is_empty())
}

/// One region's types, as a provider configuration for that region has them.
pub struct Types {
    pub resources: Vec<Arc<dyn ResourceType>>,
    pub data: Vec<Arc<dyn DataSourceType>>,
}

/// Makes a region's types.
pub type Build = dyn Fn(&str) -> Types + Send + Sync;

/// Where a provider configuration's own region comes from when its block does not say (the AWS
/// SDK's standard chain): asked only when an object's region must be recorded.
#[async_trait]
pub trait HomeRegion: Send + Sync {
    async fn home_region(&self) -> Result<String, ProviderError>;
}

/// The regions one provider configuration works in: its own, and each region an object names,
/// made on first use.
pub struct Regions {
    /// The provider block's region, when it sets one.
    home: Option<String>,
    /// The configuration's region when the block leaves it to the provider's defaults.
    resolve: Arc<dyn HomeRegion>,
    /// The `region` argument as the provider documents and checks it.
    argument: AttributeSchema,
    build: Box<Build>,
    made: Mutex<BTreeMap<String, Arc<Types>>>,
}

impl Regions {
    /// `argument`: the provider's `region` argument (made optional, computed and forcing here);
    /// `build`: a region's types, as a configuration like this one but in that region has them.
    pub fn new(
        home: Option<String>,
        resolve: Arc<dyn HomeRegion>,
        argument: AttributeSchema,
        build: Box<Build>,
    ) -> Self {
        Regions { home, resolve, argument, build, made: Mutex::new(BTreeMap::new()) }
    }

    /// `schema` with the `region` argument added (or, where the type reports the region it is in
    /// as a computed attribute, made the argument), defaulting to the configuration's region when
    /// its block sets one.
    pub fn with_region(&self, mut schema: Schema) -> Schema {
        let mut a = self.argument.clone();
        a.mode = AttrMode::OptionalComputed;
        a.force_new = true;
        a.default = self.home.clone().map(Value::String);
        match schema.attributes.iter().position(|x| x.name == "region") {
            Some(i) => schema.attributes[i] = a,
            None => schema.attributes.push(a),
        }
        schema
    }

    /// The configuration's own region.
    async fn home_region(&self) -> Result<String, ProviderError> {
        match &self.home {
            Some(h) => Ok(h.clone()),
            None => self.resolve.home_region().await,
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
pub struct Regional {
    pub home: Arc<dyn ResourceType>,
    pub schema: Schema,
    /// `None` for a global type.
    pub regions: Option<Arc<Regions>>,
}

impl Regional {
    pub fn new(home: Arc<dyn ResourceType>, regions: Arc<Regions>) -> Self {
        let schema = regions.with_region(home.schema().clone());
        Regional { home, schema, regions: Some(regions) }
    }

    pub fn global(home: Arc<dyn ResourceType>, why: String) -> Self {
        let schema = home.schema().clone().refuse("region", why);
        Regional { home, schema, regions: None }
    }

    /// The type to call for an object in `region` (unset: the configuration's), and where it is.
    /// Makes no call and loads nothing: a check that needs no call stays without one.
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
pub struct RegionalData {
    pub home: Arc<dyn DataSourceType>,
    pub schema: Schema,
    /// `None` for a global data source.
    pub regions: Option<Arc<Regions>>,
}

impl RegionalData {
    pub fn new(home: Arc<dyn DataSourceType>, regions: Arc<Regions>) -> Self {
        let schema = regions.with_region(home.schema().clone());
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
