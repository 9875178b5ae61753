//! `ignore_tags`: a resource type of a provider configuration that leaves the ignored tags out of
//! everything it returns (`tags`, `tags_all`), so tags that other tools add never show as drift
//! and are never removed by an update (an update only touches the tags it sees).

use crate::config::IgnoreTags;
use async_trait::async_trait;
use provision_core::{
    Attrs, DeleteNote, FindQuery, Found, IdentityStrategy, OpContext, ProviderError, ReadContext, ResourceType, Schema,
    Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;

pub(crate) struct Filtered {
    pub inner: Arc<dyn ResourceType>,
    pub ignore: Arc<IgnoreTags>,
}

impl Filtered {
    fn filter(&self, mut attrs: Attrs) -> Attrs {
        for name in ["tags", "tags_all"] {
            if let Some(Value::Map(m)) = attrs.get_mut(name) {
                m.retain(|k, _| !self.ignore.ignores(k));
            }
        }
        attrs
    }
}

#[async_trait]
impl ResourceType for Filtered {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn schema(&self) -> &Schema {
        self.inner.schema()
    }

    fn identity(&self) -> IdentityStrategy {
        self.inner.identity()
    }

    fn natural_key(&self, ctx: &OpContext, desired: &Attrs) -> Option<String> {
        self.inner.natural_key(ctx, desired)
    }

    fn id_from_terraform(&self, attributes: &Attrs) -> Result<String, String> {
        self.inner.id_from_terraform(attributes)
    }

    fn attributes_from_terraform(&self, attributes: &Attrs) -> Attrs {
        self.inner.attributes_from_terraform(attributes)
    }

    async fn read_many(
        &self,
        ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        let read = self.inner.read_many(ctx, objects).await?;
        Ok(read.into_iter().map(|(id, a)| (id, self.filter(a))).collect())
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        self.inner.create(ctx, desired).await.map(|a| self.filter(a))
    }

    async fn update(&self, ctx: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        self.inner.update(ctx, id, prior, desired).await.map(|a| self.filter(a))
    }

    async fn check_delete(&self, ctx: &ReadContext, id: &str, attrs: &Attrs) -> Result<Vec<DeleteNote>, ProviderError> {
        self.inner.check_delete(ctx, id, attrs).await
    }

    async fn delete(&self, ctx: &OpContext, id: &str, prior: &Attrs) -> Result<(), ProviderError> {
        self.inner.delete(ctx, id, prior).await
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let found = self.inner.find(query).await?;
        Ok(found.into_iter().map(|f| Found { attrs: self.filter(f.attrs), owner: f.owner }).collect())
    }

    async fn finish_create(&self, ctx: &OpContext, id: &str, desired: &Attrs) -> Result<Attrs, ProviderError> {
        self.inner.finish_create(ctx, id, desired).await.map(|a| self.filter(a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use provision_core::Provider as _;

    /// The wrapper is the type for everything but tags: what a migration derives from a
    /// Terraform state comes from the type's own hooks (an ELBv2 listener takes Terraform's
    /// recorded `order` as unset; the default conversion would keep it).
    #[test]
    fn a_filtered_type_keeps_the_types_terraform_hooks() {
        let inner = crate::AwsProvider::new().resource_type("aws_lb_listener").expect("aws_lb_listener");
        let filtered = Filtered { inner: inner.clone(), ignore: Arc::new(IgnoreTags::default()) };
        let action: Attrs = [
            ("type".to_string(), Value::from("forward")),
            ("order".to_string(), Value::Number(1.0)),
            ("target_group_arn".to_string(), Value::from("arn:aws:elasticloadbalancing:tg")),
        ]
        .into_iter()
        .collect();
        let attrs: Attrs = [
            ("id".to_string(), Value::from("arn:aws:elasticloadbalancing:listener")),
            ("default_action".to_string(), Value::List(vec![Value::Map(action)])),
        ]
        .into_iter()
        .collect();
        let own = inner.attributes_from_terraform(&attrs);
        assert_ne!(
            own,
            provision_core::provider::unset_from_terraform(inner.schema(), &attrs),
            "the listener overrides it"
        );
        assert_eq!(filtered.attributes_from_terraform(&attrs), own);
        assert_eq!(filtered.id_from_terraform(&attrs), inner.id_from_terraform(&attrs));
    }
}
