//! A supported attribute that is undocumented is unfinished: every attribute and block of every
//! resource type must appear in its page under docs/resources, and every type in the index.

use provision_core::Provider;
use std::path::PathBuf;
use std::sync::Arc;

/// Every provider whose resource types have pages under docs/resources.
fn providers() -> Vec<Arc<dyn Provider>> {
    vec![Arc::new(provision_aws::AwsProvider::new()), Arc::new(provision_random::RandomProvider::new())]
}

fn all_schemas() -> Vec<(&'static str, provision_core::Schema)> {
    let mut v = provision_aws::schemas();
    v.extend(provision_random::schemas());
    v
}

#[test]
fn every_attribute_is_documented() {
    let docs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/resources");
    let index = std::fs::read_to_string(docs.join("README.md")).expect("docs/resources/README.md");
    let mut missing = vec![];
    for (name, schema) in all_schemas() {
        if !index.contains(&format!("`{name}`")) {
            missing.push(format!("{name} is not in docs/resources/README.md"));
        }
        let page = match std::fs::read_to_string(docs.join(format!("{name}.md"))) {
            Ok(p) => p,
            Err(_) => {
                missing.push(format!("docs/resources/{name}.md does not exist"));
                continue;
            }
        };
        for a in schema.attributes.iter().map(|a| a.name).chain(schema.blocks.iter().map(|b| b.name)) {
            if !page.contains(&format!("`{a}`")) {
                missing.push(format!("{name}.{a} is not documented in docs/resources/{name}.md"));
            }
        }
    }
    assert!(missing.is_empty(), "\n{}", missing.join("\n"));
}

#[test]
fn every_data_source_is_documented() {
    let page = std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/data-sources.md"))
        .expect("docs/data-sources.md");
    let mut missing = vec![];
    for (name, schema) in provision_aws::data_schemas() {
        if !page.contains(&format!("`{name}`")) {
            missing.push(format!("data source {name} is not in docs/data-sources.md"));
        }
        let nested = schema.blocks.iter().flat_map(|b| b.schema.attributes.iter().map(|a| a.name));
        for a in schema.attributes.iter().map(|a| a.name).chain(schema.blocks.iter().map(|b| b.name)).chain(nested) {
            if !page.contains(&format!("`{a}`")) {
                missing.push(format!("{name}.{a} is not documented in docs/data-sources.md"));
            }
        }
    }
    assert!(missing.is_empty(), "\n{}", missing.join("\n"));
}

#[test]
fn every_layer_default_is_stated() {
    let docs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/resources");
    for (name, schema) in all_schemas() {
        let page = std::fs::read_to_string(docs.join(format!("{name}.md"))).unwrap_or_default();
        let layer = schema.layer.as_str();
        assert!(
            page.replace("**", "").contains(&format!("Layer: {layer}")),
            "docs/resources/{name}.md must say `**Layer:** {layer}`"
        );
    }
}

/// The argument and attribute tables of every page are generated from the schema
/// (`provision_aws::reference`); a page whose tables are stale fails here, and
/// `PROVISION_UPDATE_DOCS=1` rewrites them.
#[test]
fn generated_docs_are_fresh() {
    use provision_aws::reference;
    let docs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/resources");
    let update = std::env::var_os("PROVISION_UPDATE_DOCS").is_some_and(|v| v == "1");
    let mut stale = vec![];
    for (provider, name) in
        providers().iter().flat_map(|p| p.resource_type_names().into_iter().map(move |n| (p.clone(), n)))
    {
        let rt = provider.resource_type(name).expect("a listed type");
        let path = docs.join(format!("{name}.md"));
        let page = std::fs::read_to_string(&path).unwrap_or_default();
        match reference::refresh(&page, &reference::resource_regions(rt.as_ref())) {
            Ok(fresh) if fresh == page => {}
            Ok(fresh) if update => std::fs::write(&path, fresh).expect("write the page"),
            Ok(_) => stale.push(format!("docs/resources/{name}.md: the generated tables are stale")),
            Err(e) => stale.push(format!("docs/resources/{name}.md: {e}")),
        }
    }
    let path = docs.join("README.md");
    let index = std::fs::read_to_string(&path).unwrap_or_default();
    let fresh = reference::refresh_index(&index);
    if fresh != index {
        if update {
            std::fs::write(&path, fresh).expect("write the index");
        } else {
            stale.push("docs/resources/README.md: the create calls column is stale".into());
        }
    }
    assert!(stale.is_empty(), "\n{}\nrun `{}` to refresh them", stale.join("\n"), reference::REFRESH_COMMAND);
}

/// Every `aws` type's create is in the calls-per-create table (measured by the CLI's `moto_calls`
/// test), so its page says how many calls it makes.
#[test]
fn every_aws_type_says_its_create_calls() {
    let missing: Vec<&str> = provision_aws::schemas()
        .into_iter()
        .map(|(name, _)| name)
        .filter(|name| provision_aws::reference::create_calls_line(name).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "not in crates/provision-aws/create-calls.json: {missing:?}; run PROVISION_UPDATE_CALLS=1 cargo test -p provision-cli --test moto_calls"
    );
}
