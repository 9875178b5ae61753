//! Input variables: values from `-var`, `-var-file`, `terraform.tfvars`, `*.auto.tfvars` and
//! `TF_VAR_name`, in Terraform's order of precedence, converted to their declared types and checked
//! by their validation rules.

use super::{InstanceCtx, Scope, eval, eval_constant};
use crate::tree::Module;
use hcl_edit::Span as _;
use hcl_edit::structure::Structure;
use provision_core::{Diagnostic, Diagnostics, Span, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// One command-line input, in the order given.
#[derive(Debug, Clone)]
pub enum VarSource {
    /// `-var name=value`.
    Var(String),
    /// `-var-file FILE`.
    File(PathBuf),
}

/// Where variable values come from.
#[derive(Debug, Clone, Default)]
pub struct VariableInputs {
    /// `TF_VAR_*` environment variables (name without the prefix, raw value).
    pub env: Vec<(String, String)>,
    /// `-var` and `-var-file`, in command-line order.
    pub cli: Vec<VarSource>,
    /// Extra files to load before `-var` and `-var-file`, after the automatic ones (e.g. the
    /// selected environment's `NAME.tfvars`).
    pub extra_files: Vec<PathBuf>,
}

impl VariableInputs {
    /// The `TF_VAR_*` variables of this process.
    pub fn from_process_env() -> Vec<(String, String)> {
        std::env::vars().filter_map(|(k, v)| k.strip_prefix("TF_VAR_").map(|n| (n.to_string(), v))).collect()
    }
}

/// A value and where it came from, for messages.
struct Assigned {
    value: Result<Value, String>,
    origin: String,
    span: Option<Span>,
}

/// Resolves every declared variable. Files read here are added to `module.sources` so their
/// diagnostics can be rendered. Returns the values (sensitive ones marked) and any warnings.
pub fn resolve_variables(
    module: &mut Module,
    inputs: &VariableInputs,
) -> Result<(BTreeMap<String, Value>, Diagnostics), Diagnostics> {
    resolve(module, inputs, false)
}

/// As [`resolve_variables`], for `validate`: a required variable that has no value is unknown
/// instead of an error, so everything that does not depend on it can still be checked.
pub fn resolve_known_variables(
    module: &mut Module,
    inputs: &VariableInputs,
) -> Result<(BTreeMap<String, Value>, Diagnostics), Diagnostics> {
    resolve(module, inputs, true)
}

fn resolve(
    module: &mut Module,
    inputs: &VariableInputs,
    missing_is_unknown: bool,
) -> Result<(BTreeMap<String, Value>, Diagnostics), Diagnostics> {
    let mut diags = Diagnostics::default();
    let mut assigned: BTreeMap<String, Assigned> = BTreeMap::new();

    for (name, raw) in &inputs.env {
        if module.variables.contains_key(name) {
            let value = parse_raw(module, name, raw);
            assigned.insert(
                name.clone(),
                Assigned { value, origin: format!("the environment variable TF_VAR_{name}"), span: None },
            );
        }
    }
    let mut files: Vec<PathBuf> = vec![];
    for auto in ["terraform.tfvars", "terraform.tfvars.json"] {
        let p = module.dir.join(auto);
        if p.is_file() {
            files.push(p);
        }
    }
    if let Ok(entries) = std::fs::read_dir(&module.dir) {
        let mut autos: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                let n = p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
                n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json")
            })
            .collect();
        autos.sort();
        files.extend(autos);
    }
    files.extend(inputs.extra_files.iter().cloned());
    for f in files {
        load_file(module, &f, false, &mut assigned, &mut diags);
    }
    for src in &inputs.cli {
        match src {
            VarSource::Var(kv) => {
                let Some((name, raw)) = kv.split_once('=') else {
                    diags.push(
                        Diagnostic::error(format!("Invalid -var option \"{kv}\""))
                            .note("write -var NAME=VALUE, as in -var region=eu-west-1"),
                    );
                    continue;
                };
                let name = name.trim();
                if !module.variables.contains_key(name) {
                    let hint = crate::did_you_mean(name, module.variables.keys().map(String::as_str))
                        .map(|s| format!("; did you mean `{s}`?"))
                        .unwrap_or_default();
                    diags.push(
                        Diagnostic::error(format!("Value for undeclared variable \"{name}\""))
                            .note(format!("-var {name}=... sets a variable that no `variable` block declares{hint}")),
                    );
                    continue;
                }
                let value = parse_raw(module, name, raw);
                assigned.insert(name.to_string(), Assigned { value, origin: format!("-var {name}=..."), span: None });
            }
            VarSource::File(path) => {
                if !path.is_file() {
                    let shown = std::path::absolute(path).unwrap_or_else(|_| path.clone());
                    diags.push(
                        Diagnostic::error(format!("Variable file not found: {}", shown.display()))
                            .note("-var-file paths are relative to the configuration directory (-C)"),
                    );
                    continue;
                }
                load_file(module, path, true, &mut assigned, &mut diags);
            }
        }
    }

    let mut values = BTreeMap::new();
    for (name, var) in &module.variables {
        let given = assigned.remove(name);
        let (raw, origin, span) = match given {
            Some(a) => match a.value {
                Ok(v) => (Some(v), a.origin, a.span),
                Err(m) => {
                    diags.push(
                        Diagnostic::error(format!("Invalid value for variable \"{name}\""))
                            .at(a.span, m.clone())
                            .note(format!("from {}", a.origin)),
                    );
                    continue;
                }
            },
            None => (None, String::new(), None),
        };
        let default = || var.default.as_ref().map(|d| eval_constant(&d.ast));
        let value = match raw {
            Some(Value::Null) if !var.nullable => match default() {
                Some(Ok(d)) => d,
                _ => {
                    diags.push(Diagnostic::error(format!("Required variable \"{name}\" is null")).at(
                        span.or_else(|| var.span.clone()),
                        format!("var.{name} is declared `nullable = false`, but {origin} sets it to null"),
                    ));
                    continue;
                }
            },
            Some(v) => v,
            None => match default() {
                Some(Ok(d)) => d,
                Some(Err(m)) => {
                    diags.push(
                        Diagnostic::error(format!("Invalid default for variable \"{name}\""))
                            .at(var.default.as_ref().and_then(|d| d.span()), m),
                    );
                    continue;
                }
                None if missing_is_unknown => Value::Unknown,
                None => {
                    diags.push(
                        Diagnostic::error(format!("No value for required variable \"{name}\""))
                            .at(var.span.clone(), "this variable has no default")
                            .note(format!("set it with -var {name}=VALUE, in terraform.tfvars, or with the environment variable TF_VAR_{name}")),
                    );
                    continue;
                }
            },
        };
        let secrets = if var.sensitive { value.clone().mark_if(true).secrets() } else { vec![] };
        let value = match var.ty.convert(value) {
            Ok(v) => v,
            Err(m) => {
                let m = provision_core::value::redact_text(&m, &secrets);
                let origin = if origin.is_empty() { "its default".to_string() } else { origin };
                diags.push(
                    Diagnostic::error(format!("Invalid value for variable \"{name}\""))
                        .at(span.or_else(|| var.span.clone()), format!("{m} (var.{name} is {})", var.ty.describe()))
                        .note(format!("the value comes from {origin}")),
                );
                continue;
            }
        };
        let value = value.mark_if(var.sensitive);
        // Validation rules see only this variable.
        let scope = Scope {
            variables: BTreeMap::from([(name.clone(), value.clone())]),
            module_dir: module.dir.clone(),
            ..Default::default()
        };
        for rule in &var.validations {
            match eval(&rule.condition, &scope, &InstanceCtx::default()) {
                Ok(v) if v.as_bool() == Some(false) => {
                    let msg = eval(&rule.error_message, &scope, &InstanceCtx::default())
                        .ok()
                        .and_then(|m| {
                            if m.contains_sensitive() {
                                Some("the validation rule failed; its error message refers to a sensitive value, so it is not shown".into())
                            } else {
                                m.as_str().map(str::to_string)
                            }
                        })
                        .unwrap_or_else(|| "the validation rule failed".into());
                    diags.push(
                        Diagnostic::error(format!("Invalid value for variable \"{name}\""))
                            .at(rule.condition.span(), msg)
                            .note(if var.sensitive {
                                format!("the value comes from {origin}")
                            } else {
                                format!("var.{name} is {}", value)
                            }),
                    );
                }
                Ok(v) if v.is_unknown() || v.as_bool().is_some() => {}
                Ok(v) => {
                    diags.push(Diagnostic::error("Invalid validation condition").at(
                        rule.condition.span(),
                        format!("the condition must be a bool, but it is {}", v.type_name()),
                    ))
                }
                Err(d) => diags.push(d),
            }
        }
        values.insert(name.clone(), value);
    }
    if diags.has_errors() { Err(diags) } else { Ok((values, diags)) }
}

/// A raw string from `-var` or `TF_VAR_`: literal text for primitive (and `any`) types, an HCL
/// expression for collection and object types.
fn parse_raw(module: &Module, name: &str, raw: &str) -> Result<Value, String> {
    let primitive =
        module.variables.get(name).is_none_or(|v| v.ty.is_primitive() || v.ty == crate::tree::TypeConstraint::Any);
    if primitive {
        return Ok(Value::String(raw.to_string()));
    }
    let ast = hcl_edit::parser::parse_expr(raw).map_err(|e| format!("not a valid HCL value: {}", e.message()))?;
    eval_constant(&ast)
}

fn load_file(
    module: &mut Module,
    path: &PathBuf,
    explicit: bool,
    assigned: &mut BTreeMap<String, Assigned>,
    diags: &mut Diagnostics,
) {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            diags.push(Diagnostic::error(format!("cannot read {}: {e}", path.display())));
            return;
        }
    };
    let shown = path.strip_prefix(&module.dir).unwrap_or(path).display().to_string();
    let file = module.sources.add(shown.clone(), text.clone());
    let undeclared = |name: &str, span: Option<Span>, diags: &mut Diagnostics| {
        let d = if explicit {
            Diagnostic::error(format!("Value for undeclared variable \"{name}\""))
        } else {
            Diagnostic::warning(format!("Value for undeclared variable \"{name}\""))
        };
        diags.push(d.at(span, format!("{shown} sets a variable that no `variable` block declares")));
    };
    if shown.ends_with(".json") {
        match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(serde_json::Value::Object(m)) => {
                for (name, v) in m {
                    if !module.variables.contains_key(&name) {
                        undeclared(&name, None, diags);
                        continue;
                    }
                    assigned
                        .insert(name, Assigned { value: Ok(Value::from_json(&v)), origin: shown.clone(), span: None });
                }
            }
            Ok(_) => diags.push(Diagnostic::error(format!("{shown}: a JSON variables file must hold one object"))),
            Err(e) => diags.push(Diagnostic::error(format!(
                "{shown}: invalid JSON at line {}, column {}: {e}",
                e.line(),
                e.column()
            ))),
        }
        return;
    }
    let body = match crate::syntax::object_keys::parse_body(&text) {
        Ok(b) => b,
        Err(e) => {
            let loc = e.location();
            let off = text.split_inclusive('\n').take(loc.line().saturating_sub(1)).map(str::len).sum::<usize>()
                + loc.column().saturating_sub(1);
            diags.push(
                Diagnostic::error("Invalid HCL syntax").at(Some(Span::new(file, off..off)), e.message().to_string()),
            );
            return;
        }
    };
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => {
                let name = a.key.value().as_str().to_string();
                let span = a.key.span().map(|r| Span::new(file, r));
                if !module.variables.contains_key(&name) {
                    undeclared(&name, span, diags);
                    continue;
                }
                let vspan = a.value.span().map(|r| Span::new(file, r));
                assigned.insert(name, Assigned { value: eval_constant(&a.value), origin: shown.clone(), span: vspan });
            }
            Structure::Block(b) => diags.push(Diagnostic::error("Unexpected block in variables file").at(
                b.ident.span().map(|r| Span::new(file, r)),
                "a variables file holds only `name = value` assignments",
            )),
        }
    }
}
