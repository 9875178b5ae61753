//! The KMS types of provision's aws provider: keys and aliases. A crate of its own so that
//! editing it recompiles this crate and the provider, not every other service.

mod alias;
mod context;
mod error;
mod key;

use provision_aws_core::ServiceTypes;
use provision_core::ResourceType;
use std::sync::Arc;

/// This service's resource types, sharing one lazily built KMS client.
pub fn types(shared: &Arc<provision_aws_core::Context>) -> ServiceTypes {
    let ctx = Arc::new(context::new(shared.clone()));
    let resources: Vec<Arc<dyn ResourceType>> =
        vec![Arc::new(key::Key::new(ctx.clone())), Arc::new(alias::Alias::new(ctx.clone()))];
    ServiceTypes { resources, data_sources: vec![] }
}

pub(crate) fn s(v: Option<&str>) -> provision_core::Value {
    v.map_or(provision_core::Value::Null, |s| provision_core::Value::String(s.to_string()))
}

pub(crate) fn get_str<'a>(attrs: &'a provision_core::Attrs, name: &str) -> Option<&'a str> {
    attrs.get(name).and_then(provision_core::Value::as_str)
}

pub(crate) fn get_string(attrs: &provision_core::Attrs, name: &str) -> Option<String> {
    get_str(attrs, name).filter(|s| !s.is_empty()).map(str::to_string)
}

pub(crate) fn get_bool(attrs: &provision_core::Attrs, name: &str) -> Option<bool> {
    attrs.get(name).and_then(provision_core::Value::as_bool)
}

/// True when an argument differs between two attribute maps (by meaning).
pub(crate) fn changed(prior: &provision_core::Attrs, desired: &provision_core::Attrs, name: &str) -> bool {
    let null = provision_core::Value::Null;
    !prior.get(name).unwrap_or(&null).same_as(desired.get(name).unwrap_or(&null))
}

/// Prefixes an error's message with the object it concerns ("KMS key 1234: ...").
pub(crate) fn about(what: &str, id: &str) -> impl Fn(provision_core::ProviderError) -> provision_core::ProviderError {
    let prefix = format!("{what} {id}: ");
    move |e| {
        if e.message.starts_with(&prefix) {
            e
        } else {
            provision_core::ProviderError { message: format!("{prefix}{}", e.message), ..e }
        }
    }
}
