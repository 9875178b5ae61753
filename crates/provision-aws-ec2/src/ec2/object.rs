//! The adapter for EC2's tagged object types: a type says how its `Describe*` call is made, what an
//! item's id and tags are, and how an item maps to attributes; the adapter makes from that, once
//! for every type, the batched read (`read_many`), the find by identity tags (`find`), and the read
//! of one object by id that waits while a new object is not visible yet.

use super::{filter, stack_filter, tagged_for, visible};
use crate::context::{Clients, Context};
use aws_sdk_ec2::types::{Filter, Tag};
use provision_core::{Attrs, FindQuery, Found, ProviderError, ProviderErrorKind, ReadContext};
use std::collections::{BTreeMap, BTreeSet};

/// How many values one EC2 filter takes.
const FILTER_VALUES: usize = 200;

/// An EC2 resource type whose objects carry provision's identity tags. Its `ResourceType`
/// implementation delegates `read_many` to [`Ec2Object::read_batched`] and `find` to
/// [`Ec2Object::find_tagged`].
pub(crate) trait Ec2Object: Sync {
    /// The SDK's item, as the describe call returns it (`aws_sdk_ec2::types::Subnet`).
    type Item: Send + Sync;
    /// What the object is called in messages (`subnet`): "subnet subnet-1234 not found".
    const WHAT: &'static str;
    /// The describe filter that selects objects by id (`subnet-id`).
    const ID_FILTER: &'static str;

    fn context(&self) -> &Context;

    /// Every item the describe call returns for these filters, all pages.
    async fn describe(c: &Clients, filters: Vec<Filter>) -> Result<Vec<Self::Item>, ProviderError>;

    fn id_of(item: &Self::Item) -> Option<&str>;

    fn tags_of(item: &Self::Item) -> &[Tag];

    /// The object's attributes. `prior` is what was last recorded (empty when nothing was), for
    /// what the describe call does not show.
    fn attrs(c: &Clients, item: &Self::Item, prior: &Attrs) -> Attrs;

    /// Whether a listed item is an object at all (a NAT gateway that is `deleted` is not); others
    /// are absent from reads and finds.
    fn keep(&self, _item: &Self::Item) -> bool {
        true
    }

    /// The attributes recovery records for an object it finds: [`Ec2Object::attrs`] with no prior,
    /// unless the type reads more (a VPC's DNS attributes).
    async fn adopted(&self, c: &Clients, item: &Self::Item) -> Result<Attrs, ProviderError> {
        Ok(Self::attrs(c, item, &Attrs::new()))
    }

    /// `read_many`: first every object of the stack, by its tag (one paginated call, however many
    /// objects); then, for ids the stack listing did not return (imported objects, removed tags),
    /// by id, 200 per call. Missing objects are simply absent.
    async fn read_batched(
        &self,
        ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        let c = self.context().clients().await?;
        let mut found = BTreeMap::new();
        if !objects.is_empty() {
            let wanted: BTreeSet<&str> = objects.iter().map(|(id, _)| id.as_str()).collect();
            for item in Self::describe(c, vec![stack_filter(&ctx.stack)]).await? {
                if let Some(id) = Self::id_of(&item).filter(|id| wanted.contains(id)) {
                    found.insert(id.to_string(), item);
                }
            }
            let missing: Vec<&str> =
                objects.iter().map(|(id, _)| id.as_str()).filter(|id| !found.contains_key(*id)).collect();
            found.extend(Self::by_ids(c, &missing).await?);
        }
        Ok(objects
            .iter()
            .filter_map(|(id, prior)| {
                let item = found.get(id).filter(|item| self.keep(item))?;
                Some((id.clone(), Self::attrs(c, item, prior)))
            })
            .collect())
    }

    /// `find`: the objects of the stack tagged with the query's address (one paginated call).
    async fn find_tagged(&self, query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        let c = self.context().clients().await?;
        let mut out = vec![];
        for item in Self::describe(c, vec![stack_filter(&query.identity.stack)]).await? {
            if self.keep(&item) && tagged_for(Self::tags_of(&item), &query.identity) {
                out.push(Found::ours(self.adopted(c, &item).await?));
            }
        }
        Ok(out)
    }

    /// The items with these ids, by id, 200 per call.
    async fn by_ids(
        c: &Clients,
        ids: &[impl AsRef<str> + Sync],
    ) -> Result<BTreeMap<String, Self::Item>, ProviderError> {
        let mut found = BTreeMap::new();
        for chunk in ids.chunks(FILTER_VALUES) {
            for item in Self::describe(c, vec![filter(Self::ID_FILTER, chunk.iter().map(AsRef::as_ref))]).await? {
                if let Some(id) = Self::id_of(&item).map(str::to_string) {
                    found.insert(id, item);
                }
            }
        }
        Ok(found)
    }

    /// The object with this id as AWS shows it now (one call, no waiting).
    async fn lookup(c: &Clients, id: &str) -> Result<Option<Self::Item>, ProviderError> {
        Ok(Self::describe(c, vec![filter(Self::ID_FILTER, [id])]).await?.into_iter().next())
    }

    /// The object with this id, waiting while it is not visible yet (see [`visible`]).
    async fn current(c: &Clients, id: &str) -> Result<Self::Item, ProviderError> {
        visible(Self::WHAT, id, || Self::lookup(c, id)).await
    }

    /// The attributes of the object with this id, waiting while it is not visible yet.
    async fn read_one(c: &Clients, id: &str) -> Result<Attrs, ProviderError> {
        Ok(Self::attrs(c, &Self::current(c, id).await?, &Attrs::new()))
    }

    /// "`{WHAT} {id}` not found".
    fn not_found(id: &str) -> ProviderError {
        ProviderError::new(ProviderErrorKind::NotFound, format!("{} {id} not found", Self::WHAT))
    }
}
