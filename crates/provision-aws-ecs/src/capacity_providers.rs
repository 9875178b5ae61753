//! `aws_ecs_cluster_capacity_providers`: which capacity providers (FARGATE, FARGATE_SPOT, Auto
//! Scaling group providers) a cluster may use, and its default strategy. Not an object of its own
//! but a setting of the cluster, replaced whole by `PutClusterCapacityProviders`; destroying it
//! puts empty lists back.

use crate::cluster::describe;
use crate::context::{Clients, Context};
use crate::error::sdk;
use crate::util::{arn_name, get_blocks, get_i32, get_strings, map, need_str, other, s, string_set};
use async_trait::async_trait;
use aws_sdk_ecs::types::{CapacityProviderStrategyItem, Cluster as Item};
use provision_aws_core::retry::{Policy, retry};
use provision_core::{
    AttributeSchema, Attrs, BlockSchema, FindQuery, Found, IdentityStrategy, Nesting, OpContext, ProviderError,
    ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

pub(crate) struct CapacityProviders {
    ctx: Arc<Context>,
    schema: Schema,
}

impl CapacityProviders {
    pub fn new(ctx: Arc<Context>) -> Self {
        let strategy = Schema::new("One capacity provider's share.")
            .attr(AttributeSchema::required("capacity_provider", Type::String).describe("One of `capacity_providers`."))
            .attr(
                AttributeSchema::optional("weight", Type::Number)
                    .default(0.0)
                    .describe("Relative share of tasks (0 to 1000)."),
            )
            .attr(
                AttributeSchema::optional("base", Type::Number)
                    .default(0.0)
                    .describe("Tasks placed here first (0 to 100000)."),
            );
        let schema = Schema::new("The capacity providers of an ECS cluster and its default strategy.")
            .attr(AttributeSchema::computed("id", Type::String).describe("The cluster's name (as Terraform)."))
            .attr(AttributeSchema::required("cluster_name", Type::String).force_new().describe("The cluster (its name)."))
            .attr(AttributeSchema::optional("capacity_providers", Type::set(Type::String)).describe("`FARGATE`, `FARGATE_SPOT` and Auto Scaling group providers the cluster may use. Changed in place (`PutClusterCapacityProviders`)."))
            .block(BlockSchema::new("default_capacity_provider_strategy", Nesting::Set, strategy, "The strategy of services that name none. Changed in place."))
            .check(|a| {
                let Some(allowed) = a.get("capacity_providers").and_then(Value::as_seq).filter(|s| s.iter().all(Value::is_wholly_known)) else { return Ok(()) };
                for item in a.get("default_capacity_provider_strategy").and_then(Value::as_seq).unwrap_or_default() {
                    if let Some(p) = item.as_map().and_then(|m| m.get("capacity_provider")).and_then(Value::as_str)
                        && !allowed.iter().any(|v| v.as_str() == Some(p))
                    {
                        return Err(format!("the default strategy names \"{p}\", which is not in `capacity_providers`"));
                    }
                }
                Ok(())
            });
        CapacityProviders { ctx, schema }
    }
}

fn attrs(item: &Item) -> Attrs {
    let name = item.cluster_name().unwrap_or_default();
    let mut a = Attrs::new();
    a.insert("id".into(), s(Some(name)));
    a.insert("cluster_name".into(), s(Some(name)));
    a.insert("capacity_providers".into(), string_set(item.capacity_providers().iter().cloned()));
    let strategy: Vec<Value> = item
        .default_capacity_provider_strategy()
        .iter()
        .map(|c| {
            map(vec![
                ("capacity_provider", s(Some(c.capacity_provider()))),
                ("weight", Value::Number(f64::from(c.weight()))),
                ("base", Value::Number(f64::from(c.base()))),
            ])
        })
        .collect();
    a.insert("default_capacity_provider_strategy".into(), Value::set(strategy));
    a
}

impl CapacityProviders {
    /// Puts the cluster's providers and default strategy, retried while ECS is still updating the
    /// cluster (`UpdateInProgressException`, a conflict).
    async fn put(
        c: &Clients,
        cluster: &str,
        providers: Vec<String>,
        strategy: Vec<CapacityProviderStrategyItem>,
    ) -> Result<(), ProviderError> {
        retry(
            Policy::in_use(Duration::from_secs(300)),
            || async {
                c.ecs
                    .put_cluster_capacity_providers()
                    .cluster(cluster)
                    .set_capacity_providers(Some(providers.clone()))
                    .set_default_capacity_provider_strategy(Some(strategy.clone()))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| sdk("PutClusterCapacityProviders", e))
            },
            provision_aws_core::retry::nothing,
        )
        .await
        .map_err(|mut e| {
            e.message = format!("capacity providers of ECS cluster {cluster}: {}", e.message);
            e
        })
    }

    async fn apply(&self, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let c = self.ctx.clients().await?;
        let cluster = need_str(desired, "cluster_name")?;
        let strategy = get_blocks(desired, "default_capacity_provider_strategy")
            .into_iter()
            .map(|i| {
                CapacityProviderStrategyItem::builder()
                    .capacity_provider(need_str(i, "capacity_provider")?)
                    .weight(get_i32(i, "weight").unwrap_or(0))
                    .base(get_i32(i, "base").unwrap_or(0))
                    .build()
                    .map_err(|e| other(format!("default_capacity_provider_strategy: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Self::put(c, cluster, get_strings(desired, "capacity_providers"), strategy).await?;
        let item = describe(c, &[cluster.to_string()]).await?.into_iter().next().ok_or_else(|| {
            ProviderError::new(provision_core::ProviderErrorKind::NotFound, format!("ECS cluster {cluster} not found"))
        })?;
        Ok(attrs(&item))
    }
}

#[async_trait]
impl ResourceType for CapacityProviders {
    fn name(&self) -> &'static str {
        "aws_ecs_cluster_capacity_providers"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Not taggable (a setting of the cluster): recovery looks at the cluster's settings. `create`
    /// puts the whole setting, so it adopts whatever an interrupted run left.
    fn identity(&self) -> IdentityStrategy {
        IdentityStrategy::Content
    }

    /// One `DescribeClusters` call per 100 clusters.
    async fn read_many(
        &self,
        _ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        if objects.is_empty() {
            return Ok(BTreeMap::new());
        }
        let c = self.ctx.clients().await?;
        let names: Vec<String> = objects.iter().map(|(id, _)| id.clone()).collect();
        let found: BTreeMap<String, Item> =
            describe(c, &names).await?.into_iter().filter_map(|i| Some((i.cluster_name()?.to_string(), i))).collect();
        Ok(objects.iter().filter_map(|(id, _)| Some((id.clone(), attrs(found.get(arn_name(id))?)))).collect())
    }

    async fn create(&self, _ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        self.apply(desired).await
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        _id: &str,
        _prior: &Attrs,
        desired: &Attrs,
    ) -> Result<Attrs, ProviderError> {
        self.apply(desired).await
    }

    /// Puts empty lists back; a cluster already gone is success.
    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        let c = self.ctx.clients().await?;
        match Self::put(c, id, vec![], vec![]).await {
            Err(e) if e.is_not_found() || e.message.contains("INACTIVE") => Ok(()),
            other => other,
        }
    }

    /// The cluster's setting when it is what the interrupted create was putting.
    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let Some(cluster) = query.desired.get("cluster_name").and_then(Value::as_str) else { return Ok(vec![]) };
        let c = self.ctx.clients().await?;
        let Some(item) = describe(c, &[cluster.to_string()]).await?.into_iter().next() else { return Ok(vec![]) };
        let a = attrs(&item);
        let want: std::collections::BTreeSet<String> =
            get_strings(&query.desired, "capacity_providers").into_iter().collect();
        let have: std::collections::BTreeSet<String> = get_strings(&a, "capacity_providers").into_iter().collect();
        Ok(if want == have && !have.is_empty() { vec![Found::ours(a)] } else { vec![] })
    }
}
