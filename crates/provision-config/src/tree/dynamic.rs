//! `dynamic "NAME" { for_each = ...  content { ... } }` blocks, read as `NAME` blocks marked with
//! how they expand (the evaluation makes one block per element).

use super::build::Loader;
use super::module::{BodyExprs, Dynamic};
use hcl_edit::expr::Expression;

impl Loader<'_> {
    /// Turns each `dynamic "NAME" { for_each = ...  iterator = it  content { ... } }` of a body
    /// (nested ones included) into a `NAME` block whose body is the content, marked with how it
    /// expands; the iterator's name is bound in the content's expressions.
    pub(super) fn expand_dynamic(&mut self, body: &mut BodyExprs) {
        let mut blocks = vec![];
        for (kind, mut inner, span) in std::mem::take(&mut body.blocks) {
            if kind != "dynamic" {
                self.expand_dynamic(&mut inner);
                blocks.push((kind, inner, span));
                continue;
            }
            let Some(name) = inner.label.clone() else {
                self.err(
                    span,
                    "Invalid dynamic block",
                    "a dynamic block takes one label, the type of the blocks it makes: dynamic \"ingress\" { ... }",
                );
                continue;
            };
            let iterator = match inner.attrs.remove("iterator") {
                None => name.clone(),
                Some(e) => match &e.ast {
                    Expression::Variable(v) => v.value().as_str().to_string(),
                    _ => {
                        self.err(
                            e.span(),
                            "Invalid dynamic iterator",
                            "`iterator` is a name, written without quotes: iterator = rule",
                        );
                        continue;
                    }
                },
            };
            let Some(for_each) = inner.attrs.remove("for_each") else {
                self.err(span, "Missing required argument", format!("dynamic \"{name}\" needs `for_each`"));
                continue;
            };
            if let Some(e) = inner.attrs.remove("labels") {
                self.err(e.span(), "Unsupported argument", format!("`{name}` blocks take no labels"));
            }
            for (other, e) in &inner.attrs {
                let hint = if other == "content" { "; `content` is a block: content { ... }" } else { "" };
                self.err(
                    e.span(),
                    "Unsupported argument",
                    format!("a dynamic block takes `for_each`, `iterator` and a `content` block, not `{other}`{hint}"),
                );
            }
            let mut contents = vec![];
            for (k, c, s) in std::mem::take(&mut inner.blocks) {
                if k == "content" {
                    contents.push(c);
                } else {
                    self.err(s, "Unsupported block", format!("a dynamic block holds one `content` block, not `{k}`"));
                }
            }
            if contents.len() != 1 {
                self.err(
                    span,
                    "Invalid dynamic block",
                    format!("dynamic \"{name}\" needs exactly one `content` block"),
                );
                continue;
            }
            let mut content = contents.remove(0);
            bind_iterator(&mut content, &iterator);
            self.expand_dynamic(&mut content);
            content.dynamic = Some(Box::new(Dynamic { for_each, iterator }));
            blocks.push((name, content, span));
        }
        body.blocks = blocks;
    }
}

/// Marks `name` as bound in every expression of a dynamic block's content.
fn bind_iterator(body: &mut BodyExprs, name: &str) {
    for e in body.attrs.values_mut() {
        e.iterators.push(name.to_string());
    }
    if let Some(d) = &mut body.dynamic {
        d.for_each.iterators.push(name.to_string());
    }
    for (_, b, _) in &mut body.blocks {
        bind_iterator(b, name);
    }
}
