//! Checks of every schema that need no AWS: names are unique and defaults have their attribute's
//! type. (That reads return objects of their schema's shape is checked against moto, in
//! `tests/moto.rs`: `every_object_read_has_its_schemas_shape`.)

use provision_core::Schema;

fn problems(at: &str, schema: &Schema, out: &mut Vec<String>) {
    let names = schema.readable_names();
    for (i, n) in names.iter().enumerate() {
        if names[..i].contains(n) {
            out.push(format!("{at}: `{n}` is declared twice"));
        }
    }
    for a in &schema.attributes {
        if let Some(d) = &a.default
            && !provision_aws::conformance::conforms(&a.ty, d)
        {
            out.push(format!("{at}.{}: the default {d} is not a {}", a.name, a.ty.describe()));
        }
    }
    for b in &schema.blocks {
        problems(&format!("{at}.{}", b.name), &b.schema, out);
    }
}

#[test]
fn names_are_unique_and_defaults_have_their_type() {
    let mut out = vec![];
    for (name, schema) in provision_aws::schemas().iter().chain(provision_aws::data_schemas().iter()) {
        problems(name, schema, &mut out);
    }
    assert!(out.is_empty(), "\n{}", out.join("\n"));
}
