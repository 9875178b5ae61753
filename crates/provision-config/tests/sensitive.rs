//! An error about a sensitive value says `(sensitive value)` instead of quoting it: functions,
//! operators, indexes, conversions and variable checks.

use provision_config::{Expr, InstanceCtx, Scope, VarSource, VariableInputs, eval, load_files, resolve_variables};
use provision_core::Value;
use provision_testkit::{Cloud, FakeProvider};
use std::path::Path;

const SECRET: &str = "S3cr3t-p4ss";

fn scope() -> Scope {
    let mut s = Scope { workspace: "default".into(), ..Default::default() };
    s.variables.insert("secret".into(), Value::Sensitive(Box::new(SECRET.into())));
    s.variables.insert("plain".into(), "10.0.0.0/16".into());
    s.locals.insert("list".into(), Value::List(vec![SECRET.into()]).mark_if(true));
    s
}

fn error(src: &str) -> String {
    let ast = hcl_edit::parser::parse_expr(src).expect("parses");
    match eval(&Expr::new(0, ast), &scope(), &InstanceCtx::default()) {
        Ok(v) => panic!("{src} should fail, but gave {v}"),
        Err(d) => {
            let labels: Vec<String> = d.labels.iter().map(|l| l.message.clone()).collect();
            format!("{}: {} {}", d.summary, labels.join("; "), d.notes.join("; "))
        }
    }
}

#[test]
fn errors_about_sensitive_values_do_not_quote_them() {
    let cases = [
        "tonumber(var.secret)",
        "cidrsubnet(var.secret, 8, 1)",
        "cidrhost(var.secret, 1)",
        "cidrsubnet(\"${var.secret}/16\", 8, 1)",
        "regex(\"^[0-9]+$\", var.secret)",
        "var.secret + 1",
        "-var.secret",
        "{ a = 1 }[var.secret]",
        "[for s in local.list : tonumber(s)]",
        "parseint(var.secret, 10)",
        "formatdate(\"YYYY\", var.secret)",
        "timeadd(\"2024-01-01T00:00:00Z\", var.secret)",
        "timecmp(var.secret, \"2024-01-01T00:00:00Z\")",
        "uuidv5(var.secret, \"x\")",
        "csvdecode(\"a\\n${var.secret},x\")",
        "textencodebase64(\"x\", var.secret)",
        "textdecodebase64(var.secret, \"UTF-8\")",
        "pathexpand(\"~${var.secret}\")",
        "fileset(\".\", \"[${var.secret}\")",
        "filemd5(var.secret)",
        "yamldecode(\"a: [${var.secret}\")",
        "matchkeys([var.secret], [1, 2], [1])",
        "transpose({ a = var.secret })",
    ];
    for src in cases {
        let e = error(src);
        assert!(!e.contains(SECRET), "{src}: the error quotes the secret: {e}");
    }
    let e = error("tonumber(var.secret)");
    assert!(e.contains("(sensitive value) is not a number"), "{e}");
    let e = error("cidrsubnet(var.secret, 8, 1)");
    assert!(e.contains("(sensitive value) is not a CIDR prefix"), "{e}");
    // A plain value is still quoted.
    let e = error("cidrsubnet(\"banana\", 8, 1)");
    assert!(e.contains("\"banana\" is not a CIDR prefix"), "{e}");
}

#[test]
fn variable_errors_do_not_quote_sensitive_values() {
    let cfg = r#"
variable "port" {
  type      = number
  sensitive = true
}

variable "token" {
  type      = string
  sensitive = true
  validation {
    condition     = length(var.token) > 40
    error_message = "the token ${var.token} is too short"
  }
}
"#;
    let provider = provision_core::Providers::one(std::sync::Arc::new(FakeProvider::new(&Cloud::new())));
    let (mut module, diags) = load_files(Path::new("/nonexistent"), vec![("main.tf".into(), cfg.into())], &provider);
    assert!(!diags.has_errors());
    let inputs = VariableInputs {
        cli: vec![VarSource::Var(format!("port={SECRET}")), VarSource::Var(format!("token={SECRET}"))],
        ..Default::default()
    };
    let Err(d) = resolve_variables(&mut module, &inputs) else { panic!("both variables are invalid") };
    let text = provision_config::render_diagnostics(&d, &module.sources);
    assert!(text.contains("Invalid value for variable \"port\""), "{text}");
    assert!(text.contains("Invalid value for variable \"token\""), "{text}");
    assert!(!text.contains(SECRET), "{text}");
}
