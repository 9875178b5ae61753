//! Schema checks: the arguments and nested blocks of a resource, data source or provider block
//! against the provider's schema (read-only, unknown, missing, too many blocks).

use crate::did_you_mean;
use crate::tree::{BodyExprs, Loader, supported};
use provision_core::{AttrMode, Diagnostic, Nesting, Schema, Span};
use std::collections::BTreeMap;

/// Checks a body's arguments and nested blocks against a schema.
pub(crate) fn check_body(
    l: &mut Loader<'_>,
    body: &BodyExprs,
    schema: &Schema,
    what: &str,
    block_span: Option<Span>,
    path: &[&str],
) {
    let configurable = schema.configurable_names();
    for name in body.attrs.keys() {
        let span = body.attr_spans.get(name).cloned();
        match schema.attribute(name) {
            Some(a) if a.mode == AttrMode::Computed => l.err(
                span,
                "Read-only attribute",
                format!(
                    "`{name}` is set by AWS and cannot be configured on {what}; it can only be read, as in {}",
                    read_example(what, name)
                ),
            ),
            Some(_) => {}
            None if schema.block_schema(name).is_some() => {
                l.err(span, "Unsupported argument", format!("`{name}` is a block on {what}; write `{name} {{ ... }}`"))
            }
            None if schema.refusal(name).is_some() => {
                let why = schema.refusal(name).unwrap_or_default().to_string();
                l.diags.push(Diagnostic::error(format!("Unsupported argument `{name}`")).at(span, why));
            }
            None => {
                let hint = did_you_mean(name, configurable.iter().copied())
                    .map(|s| format!("did you mean `{s}`? "))
                    .unwrap_or_default();
                l.diags.push(
                    Diagnostic::error(format!("Unsupported argument `{name}`"))
                        .at(span, format!("{what} has no argument `{name}` (or provision does not support it yet)"))
                        .note(format!("{hint}supported arguments: {}", supported(&configurable))),
                );
            }
        }
    }
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (kind, inner, bspan) in &body.blocks {
        match schema.block_schema(kind) {
            Some(bs) => {
                // `dynamic` blocks are counted once expanded (two whose conditions exclude
                // each other make one block), by the evaluation.
                let n = seen.entry(bs.name).or_default();
                *n += usize::from(inner.dynamic.is_none());
                if bs.nesting == Nesting::Single && *n > 1 && inner.dynamic.is_none() {
                    l.err(bspan.clone(), "Too many blocks", format!("only one `{kind}` block is allowed on {what}"));
                }
                let mut p = path.to_vec();
                p.push(bs.name);
                check_body(l, inner, &bs.schema, &format!("the `{kind}` block"), bspan.clone(), &p);
            }
            None if schema.attribute(kind).is_some() => l.err(
                bspan.clone(),
                "Unsupported block type",
                format!("`{kind}` is an argument on {what}; write `{kind} = ...`"),
            ),
            None => {
                let blocks: Vec<&str> = schema.blocks.iter().map(|b| b.name).collect();
                l.diags.push(
                    Diagnostic::error(format!("Unsupported block type `{kind}`"))
                        .at(
                            bspan.clone(),
                            format!("{what} has no `{kind}` block (or provision does not support it yet)"),
                        )
                        .note(format!("supported blocks: {}", supported(&blocks))),
                );
            }
        }
    }
    for a in &schema.attributes {
        if a.mode == AttrMode::Required && !body.attrs.contains_key(a.name) {
            l.err(
                block_span.clone(),
                format!("Missing required argument `{}`", a.name),
                format!("{what} needs `{}` ({})", a.name, a.ty.describe()),
            );
        }
    }
}

fn read_example(what: &str, name: &str) -> String {
    if what.contains(' ') { format!("RESOURCE.NAME.{name}") } else { format!("{what}.NAME.{name}") }
}
