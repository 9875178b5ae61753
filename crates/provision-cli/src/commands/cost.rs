//! `provision cost`: what the configuration costs a month, per resource and per layer, priced
//! from the table shipped with provision — offline: the configuration as `validate` evaluates it,
//! completed by the values a local state recorded; no AWS call, no lock. Also the short estimate
//! `provision plan` ends with.

use crate::Status;
use crate::cli::CostArgs;
use crate::printer::Printer;
use crate::session::Reported;
use anyhow::Result;
use provision_config::VarSource;
use provision_core::state::State;
use provision_cost::{Estimate, PriceTable, Resource, Schedule};
use provision_engine::{Engine, Options, PricedInstance};
use std::sync::Arc;

pub async fn run(printer: &Printer, vars: Vec<VarSource>, args: CostArgs) -> Result<Status> {
    let schedule =
        args.schedule.as_deref().map(Schedule::parse).transpose().map_err(|e| anyhow::anyhow!("--schedule: {e}"))?;
    let table = PriceTable::embedded().map_err(anyhow::Error::msg)?;
    // The estimate is the output; anything else goes to stderr.
    printer.progress_to_stderr();
    let (provider, module, variables) = crate::commands::validate::load_offline(
        printer,
        vars,
        crate::session::env_tfvars(),
        provision_config::CallKeys::WhenKnown,
    )?;
    let state = local_state(&module).await;
    let sources = module.sources.clone();
    let checked = Engine::check(provider, Arc::new(module), variables, Options::default()).await;
    printer.diagnostics(&checked.diags, &sources);
    if checked.engine.is_none() || checked.diags.has_errors() {
        return Err(Reported.into());
    }
    let resources = resources(checked.priced_instances(), state.as_ref());
    let estimate = provision_cost::estimate(&resources, &table, schedule.as_ref());
    if args.json {
        printer.line(&serde_json::to_string_pretty(&estimate)?);
    } else {
        printer.out(&provision_cost::breakdown(&estimate));
    }
    Ok(Status::Ok)
}

/// The state, when it is a local file (reading an S3 state would be an AWS call): its recorded
/// values stand in for what the configuration alone cannot know. Unreadable: left out.
async fn local_state(module: &provision_config::Module) -> Option<State> {
    if module.backend.as_ref().is_some_and(|b| b.kind != "local") {
        return None;
    }
    let backend = crate::session::backend_of(module).ok()?;
    backend.read().await.ok().flatten()
}

/// The estimate's view of the instances: the provider's region (or, as the AWS SDK would, the
/// `AWS_REGION` / `AWS_DEFAULT_REGION` environment), and unknown values filled from the state.
pub(crate) fn resources<'a>(instances: Vec<PricedInstance<'a>>, state: Option<&State>) -> Vec<Resource<'a>> {
    let env_region =
        ["AWS_REGION", "AWS_DEFAULT_REGION"].iter().find_map(|v| std::env::var(v).ok().filter(|r| !r.is_empty()));
    instances
        .into_iter()
        .map(|i| {
            let mut attrs = i.attrs;
            if let Some(recorded) = state.and_then(|s| s.current(&i.address)) {
                for (k, v) in &recorded.attributes {
                    let unknown = attrs.get(k).is_none_or(|a| a.is_unknown());
                    if unknown {
                        attrs.to_mut().insert(k.clone(), v.clone());
                    }
                }
            }
            Resource {
                address: i.address.to_string(),
                block: i.address.resource().to_string(),
                type_name: i.address.type_name.clone(),
                layer: i.layer,
                region: i.region.or_else(|| env_region.clone()),
                attrs,
                depends_on: i.depends_on.iter().map(|a| a.resource().to_string()).collect(),
            }
        })
        .collect()
}

/// The estimate of a plan's planned values, or why there is none (never an error: a plan does
/// not fail for its estimate).
pub(crate) fn of_plan(run: &provision_engine::PlannedRun, engine: &Engine) -> Result<Estimate, String> {
    let table = PriceTable::embedded()?;
    Ok(provision_cost::estimate(&resources(run.priced_instances(engine), None), &table, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use provision_core::state::ResourceObject;
    use provision_core::{Address, Layer, ProviderRef, Value};

    fn lb(attrs: &[(&str, Value)]) -> PricedInstance<'static> {
        PricedInstance {
            address: Address::managed("aws_lb", "web"),
            layer: Layer::Runtime,
            region: Some("us-east-1".into()),
            attrs: std::borrow::Cow::Owned(attrs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()),
            depends_on: vec![Address::managed("aws_subnet", "public")],
        }
    }

    /// What the configuration cannot know offline comes from the state; what it knows stays.
    #[test]
    fn unknown_values_are_taken_from_the_state() {
        let mut state = State::new("lineage", "test");
        state.resources.push(ResourceObject {
            address: Address::managed("aws_lb", "web"),
            deposed: None,
            id: "arn:lb".into(),
            layer: Layer::Runtime,
            provider: ProviderRef { name: "aws".into(), alias: None },
            attributes: [
                (
                    "subnets".to_string(),
                    Value::List(vec![Value::String("subnet-a".into()), Value::String("subnet-b".into())]),
                ),
                ("internal".to_string(), Value::Bool(true)),
            ]
            .into_iter()
            .collect(),
            sensitive_attributes: vec![],
            dependencies: vec![],
            unfinished: false,
            tainted: false,
        });
        let out = resources(vec![lb(&[("subnets", Value::Unknown), ("internal", Value::Bool(false))])], Some(&state));
        assert_eq!(out[0].attrs["subnets"].as_seq().map(<[Value]>::len), Some(2));
        assert_eq!(out[0].attrs["internal"], Value::Bool(false), "the configuration's known value wins");
        assert_eq!(out[0].block, "aws_lb.web");
        assert_eq!(out[0].depends_on, vec!["aws_subnet.public".to_string()]);
        assert_eq!(out[0].region.as_deref(), Some("us-east-1"));
    }
}
