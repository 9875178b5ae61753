//! Every resource type wrapped so that the AWS calls of each object's create (and its
//! `finish_create`) are counted for that object: `-v` prints them per type, and the moto test of
//! the calls-per-create table (`create-calls.json`) reads them there.

use async_trait::async_trait;
use provision_aws_core::counting_create;
use provision_core::{
    Attrs, DeleteNote, FindQuery, Found, IdentityStrategy, OpContext, ProviderError, ReadContext, ResourceType, Schema,
};
use std::collections::BTreeMap;
use std::sync::Arc;

pub(crate) struct Counted {
    pub inner: Arc<dyn ResourceType>,
}

#[async_trait]
impl ResourceType for Counted {
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
        self.inner.read_many(ctx, objects).await
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        counting_create(self.name(), ctx.identity.address.to_string(), self.inner.create(ctx, desired)).await
    }

    async fn update(&self, ctx: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        self.inner.update(ctx, id, prior, desired).await
    }

    async fn check_delete(&self, ctx: &ReadContext, id: &str, attrs: &Attrs) -> Result<Vec<DeleteNote>, ProviderError> {
        self.inner.check_delete(ctx, id, attrs).await
    }

    async fn delete(&self, ctx: &OpContext, id: &str, prior: &Attrs) -> Result<(), ProviderError> {
        self.inner.delete(ctx, id, prior).await
    }

    async fn find(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        self.inner.find(query).await
    }

    async fn finish_create(&self, ctx: &OpContext, id: &str, desired: &Attrs) -> Result<Attrs, ProviderError> {
        counting_create(self.name(), ctx.identity.address.to_string(), self.inner.finish_create(ctx, id, desired)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use provision_core::{Provider as _, Value};

    /// The wrapper is the type for everything but the count: what a migration derives from a
    /// Terraform state comes from the type's own hooks (an ELBv2 listener takes Terraform's
    /// recorded `order` as unset; the default conversion would keep it).
    #[test]
    fn a_counted_type_keeps_the_types_terraform_hooks() {
        let inner = crate::AwsProvider::new().resource_type("aws_lb_listener").expect("aws_lb_listener");
        let counted = Counted { inner: inner.clone() };
        let action: Attrs = [("type".to_string(), Value::from("forward")), ("order".to_string(), Value::Number(1.0))]
            .into_iter()
            .collect();
        let attrs: Attrs = [
            ("id".to_string(), Value::from("arn:aws:elasticloadbalancing:listener")),
            ("default_action".to_string(), Value::List(vec![Value::Map(action)])),
        ]
        .into_iter()
        .collect();
        assert_eq!(counted.attributes_from_terraform(&attrs), inner.attributes_from_terraform(&attrs));
        assert_eq!(counted.id_from_terraform(&attrs), inner.id_from_terraform(&attrs));
        assert_eq!(counted.identity(), inner.identity());
    }
}
