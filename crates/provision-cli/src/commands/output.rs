//! `provision output`: the outputs recorded by the last apply.

use crate::Status;
use crate::cli::OutputArgs;
use crate::printer::Printer;
use crate::session::load_module_backend;
use anyhow::Result;
use provision_core::Value;
use provision_core::state::OutputValue;
use std::collections::BTreeMap;

/// `name = value` lines; sensitive values hidden.
pub fn render_all(outputs: &BTreeMap<String, OutputValue>) -> String {
    let width = outputs.keys().map(|k| k.len()).max().unwrap_or(0);
    let mut s = String::new();
    for (name, o) in outputs {
        let v = if o.sensitive { "<sensitive>".to_string() } else { Value::from_json(&o.value).to_string() };
        s.push_str(&format!("{name:<width$} = {v}\n"));
    }
    s
}

pub async fn run(printer: &Printer, args: OutputArgs) -> Result<Status> {
    let backend = load_module_backend()?;
    let outputs = backend.read().await?.map(|s| s.outputs).unwrap_or_default();
    match &args.name {
        None if args.json => {
            let j: serde_json::Map<String, serde_json::Value> = outputs
                .iter()
                .map(|(k, o)| (k.clone(), serde_json::json!({ "sensitive": o.sensitive, "value": o.value })))
                .collect();
            printer.line(&serde_json::to_string_pretty(&j)?);
        }
        None => {
            if outputs.is_empty() {
                printer.warn("no outputs: the state has none (run `provision apply` first, or add output blocks)");
            }
            printer.out(&render_all(&outputs));
        }
        Some(name) => {
            let Some(o) = outputs.get(name) else {
                let known: Vec<&str> = outputs.keys().map(String::as_str).collect();
                printer.error(&format!(
                    "no output named \"{name}\" in the state (outputs: {})",
                    if known.is_empty() { "none".to_string() } else { known.join(", ") }
                ));
                return Ok(Status::Error);
            };
            if args.json {
                printer.line(&serde_json::to_string_pretty(&o.value)?);
            } else if args.raw {
                // As Terraform: the value alone, with no newline after it (`> cert.pem` writes
                // the string and nothing else).
                match &o.value {
                    serde_json::Value::String(s) => printer.out(s),
                    serde_json::Value::Number(n) => printer.out(&n.to_string()),
                    serde_json::Value::Bool(b) => printer.out(&b.to_string()),
                    _ => {
                        printer.error(&format!(
                            "--raw prints strings, numbers and bools; \"{name}\" is structured: use --json"
                        ));
                        return Ok(Status::Error);
                    }
                }
            } else {
                printer.line(&Value::from_json(&o.value).to_string());
            }
        }
    }
    Ok(Status::Ok)
}
