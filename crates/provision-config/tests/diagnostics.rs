//! Data-driven diagnostics tests: every directory under `tests/cases/` is a configuration; its
//! rendered diagnostics (after loading, and after resolving variables when loading succeeds) are
//! compared with an insta snapshot; then the instances of module calls with `count` or
//! `for_each` are made, and their errors or addresses are part of the snapshot.

use provision_config::{
    CallKeys, VariableInputs, expand_module_calls, load_dir, render_diagnostics, resolve_variables,
};
use provision_testkit::{Cloud, FakeProvider};
use std::path::Path;

fn render(dir: &Path) -> String {
    let provider = provision_core::Providers::one(std::sync::Arc::new(FakeProvider::new(&Cloud::new())));
    let (mut module, diags) = load_dir(dir, &provider);
    if diags.has_errors() {
        return render_diagnostics(&diags, &module.sources);
    }
    let mut out = render_diagnostics(&diags, &module.sources);
    let inputs = VariableInputs::default();
    match resolve_variables(&mut module, &inputs) {
        Ok((vars, warnings)) => {
            out.push_str(&render_diagnostics(&warnings, &module.sources));
            let expanded = expand_module_calls(&mut module, &vars, "default", CallKeys::Required);
            out.push_str(&render_diagnostics(&expanded, &module.sources));
            if !expanded.has_errors() {
                // Where the instances of module calls with `count` or `for_each` are.
                let mut instances: Vec<String> = module
                    .resources
                    .iter()
                    .filter(|r| r.address.module.iter().any(|s| s.key.is_some()))
                    .map(|r| r.address.to_string())
                    .collect();
                instances.sort();
                for a in instances {
                    out.push_str(&format!("{a}\n"));
                }
            }
            for (k, v) in vars {
                out.push_str(&format!("var.{k} = {v}\n"));
            }
        }
        Err(d) => out.push_str(&render_diagnostics(&d, &module.sources)),
    }
    out
}

#[test]
fn cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut dirs: Vec<_> =
        std::fs::read_dir(&root).expect("cases dir").flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    assert!(!dirs.is_empty());
    for dir in dirs {
        let name = dir.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        insta::with_settings!({ snapshot_suffix => name.clone(), prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!("diagnostics", render(&dir));
        });
    }
}

/// Every function provision implements is listed in docs/configuration.md.
#[test]
fn every_function_is_documented() {
    let docs = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/configuration.md"))
        .expect("docs");
    let missing: Vec<&str> =
        provision_config::FUNCTION_NAMES.iter().copied().filter(|f| !docs.contains(&format!("`{f}`"))).collect();
    assert!(missing.is_empty(), "undocumented functions: {missing:?}");
}

/// As `validate` runs it: nothing is expanded (each call is checked once, keys unknown), but a
/// value that can never be a `count` or `for_each` is already an error; keys that need a plan
/// are not.
#[test]
fn validate_keeps_each_call_once_and_refuses_impossible_keys() {
    let provider = provision_core::Providers::one(std::sync::Arc::new(FakeProvider::new(&Cloud::new())));
    let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let (mut module, diags) = load_dir(&cases.join("module_instances"), &provider);
    assert!(!diags.has_errors(), "{}", render_diagnostics(&diags, &module.sources));
    let (vars, _) = provision_config::resolve_known_variables(&mut module, &VariableInputs::default()).expect("vars");
    let d = expand_module_calls(&mut module, &vars, "default", CallKeys::Unknown);
    assert!(!d.has_errors(), "{}", render_diagnostics(&d, &module.sources));
    assert!(module.resources.iter().all(|r| r.address.module.iter().all(|s| s.key.is_none())));
    assert_eq!(module.expansions.len(), 3, "net, copy and none, each once");

    let (mut module, _) = load_dir(&cases.join("module_instance_keys"), &provider);
    let (vars, _) = provision_config::resolve_known_variables(&mut module, &VariableInputs::default()).expect("vars");
    let d = render_diagnostics(&expand_module_calls(&mut module, &vars, "default", CallKeys::Unknown), &module.sources);
    assert!(d.contains("count must be a whole number of at least 0, not -1"), "{d}");
    assert!(d.contains("and this is a list; convert it with toset(...)"), "{d}");
    assert!(d.contains("for_each is null"), "{d}");
    assert!(!d.contains("cannot be determined until apply"), "{d}");
    // The nested call's input is a literal, so its list is known even with the instances
    // unknown: reported once, for the call kept once.
    assert_eq!(d.matches("in module.app, called at main.tf:40:8").count(), 1, "{d}");
    assert_eq!(d.matches("error:").count(), 4, "{d}");
}
