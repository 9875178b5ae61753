//! `--backend-config`: `KEY=VALUE`, or a file of `key = value` lines as Terraform users write them
//! (`bucket = "acme-state"`, `encrypt = true`; `#` and `//` comments).

use anyhow::{Result, bail};
use provision_core::Value;
use std::path::Path;

fn value(raw: &str) -> Value {
    let raw = raw.trim();
    if let Ok(serde_json::Value::String(s)) = serde_json::from_str::<serde_json::Value>(raw) {
        return Value::String(s);
    }
    match raw {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => Value::String(raw.to_string()),
    }
}

/// The settings one `--backend-config` argument gives.
pub fn parse(item: &str) -> Result<Vec<(String, Value)>> {
    let path = Path::new(item);
    if path.is_file() {
        let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read {item}: {e}"))?;
        let mut out = vec![];
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with("//") {
                continue;
            }
            let Some((k, v)) = line.split_once('=') else {
                bail!("{item}:{}: expected `key = value`, found {line:?}", n + 1);
            };
            out.push((k.trim().to_string(), value(v)));
        }
        return Ok(out);
    }
    match item.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok(vec![(k.trim().to_string(), value(v))]),
        _ => bail!("--backend-config {item:?}: expected KEY=VALUE or the path of an existing file"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_and_files() {
        assert_eq!(parse("bucket=acme").ok(), Some(vec![("bucket".into(), Value::String("acme".into()))]));
        assert_eq!(parse("encrypt=true").ok(), Some(vec![("encrypt".into(), Value::Bool(true))]));
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("prod.s3.tfbackend");
        std::fs::write(&f, "# prod\nbucket = \"acme-prod\"\nkey = \"app.tfstate\"\nuse_lockfile = true\n")
            .expect("write");
        let got = parse(f.to_str().expect("path")).expect("parse");
        assert_eq!(got.len(), 3);
        assert_eq!(got[0], ("bucket".into(), Value::String("acme-prod".into())));
        assert!(parse("nonsense").is_err());
    }
}
