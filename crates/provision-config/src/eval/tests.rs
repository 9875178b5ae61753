//! Data-driven checks of the evaluator: each case is an expression and its expected rendering.

use super::*;

fn scope() -> Scope {
    let mut s = Scope { workspace: "default".into(), ..Default::default() };
    s.variables.insert("name".into(), "web".into());
    s.variables.insert("n".into(), Value::Number(3.0));
    s.variables.insert("zones".into(), Value::List(vec!["a".into(), "b".into()]));
    s.variables.insert("secret".into(), Value::Sensitive(Box::new("hunter2".into())));
    s.variables.insert(
        "tags".into(),
        Value::Map([("Env".to_string(), "dev".into()), ("Team".to_string(), "core".into())].into()),
    );
    s.locals.insert("prefix".into(), "app".into());
    s.resources.insert(
        Address::managed("aws_vpc", "main"),
        Value::Map([("id".to_string(), Value::Unknown), ("cidr_block".to_string(), "10.0.0.0/16".into())].into()),
    );
    s.resources.insert(
        Address::managed("aws_subnet", "public"),
        Value::List(vec![
            Value::Map([("id".to_string(), "subnet-1".into())].into()),
            Value::Map([("id".to_string(), "subnet-2".into())].into()),
        ]),
    );
    s.expanded.insert(Address::managed("aws_subnet", "public"), "count");
    s
}

fn ev(src: &str) -> String {
    ev_in(src, &InstanceCtx::default())
}

fn ev_in(src: &str, inst: &InstanceCtx) -> String {
    let ast = hcl_edit::parser::parse_expr(src).expect("parses");
    match eval(&Expr::new(0, ast), &scope(), inst) {
        Ok(v) => v.to_string(),
        Err(d) => format!("error: {}: {}", d.summary, d.labels.first().map(|l| l.message.clone()).unwrap_or_default()),
    }
}

#[test]
fn expressions() {
    let cases = [
        (r#""${var.name}-${local.prefix}""#, r#""web-app""#),
        ("var.n * 2 + 1", "7"),
        ("var.n > 2 && var.name == \"web\"", "true"),
        ("var.n == \"3\"", "false"),
        ("var.n % 2 == 1 ? \"odd\" : \"even\"", r#""odd""#),
        ("[for z in var.zones : upper(z)]", r#"["A", "B"]"#),
        ("{for i, z in var.zones : z => i}", "{ a = 0, b = 1 }"),
        ("[for k, v in var.tags : \"${k}=${v}\" if k != \"Team\"]", r#"["Env=dev"]"#),
        ("{for z in [\"a\", \"b\", \"a\"] : z => z...}", r#"{ a = ["a", "a"], b = ["b"] }"#),
        ("aws_subnet.public[*].id", r#"["subnet-1", "subnet-2"]"#),
        ("aws_subnet.public[1].id", r#""subnet-2""#),
        ("aws_vpc.main.id", "(known after apply)"),
        ("aws_vpc.main.cidr_block", r#""10.0.0.0/16""#),
        ("\"id-${aws_vpc.main.id}\"", "(known after apply)"),
        ("length([aws_vpc.main.id, 1])", "2"),
        ("upper(aws_vpc.main.id)", "(known after apply)"),
        ("cidrsubnet(aws_vpc.main.cidr_block, 8, 1)", r#""10.0.1.0/24""#),
        ("merge(var.tags, { Name = \"x\" })", r#"{ Env = "dev", Name = "x", Team = "core" }"#),
        ("var.secret", "(sensitive value)"),
        ("\"pw=${var.secret}\"", "(sensitive value)"),
        ("upper(var.secret)", "(sensitive value)"),
        ("length(var.zones)", "2"),
        ("try(var.tags.Missing, \"fallback\")", r#""fallback""#),
        ("can(var.tags.Missing)", "false"),
        ("can(var.tags.Env)", "true"),
        ("var.zones[5]", "error: Invalid index: index 5 is out of range: the list has 2 elements"),
        (
            "aws_subnet.public.id",
            "error: Missing resource instance key: aws_subnet.public has `count` set, so its attributes must be read from one instance, as in aws_subnet.public[count.index].id, or from all with aws_subnet.public[*].id",
        ),
        ("var.n / 0", "error: Division by zero: the divisor is zero"),
        ("\"${var.zones}\"", r#"["a", "b"]"#),
        (
            "\"x${var.zones}\"",
            "error: Invalid template interpolation value: cannot include a list in a string; use jsonencode() or join() to turn it into text",
        ),
        ("nosuch(1)", "error: Unsupported function: `nosuch` is not a supported function"),
        (
            "lenght(var.zones)",
            "error: Unsupported function: `lenght` is not a supported function; did you mean `length`?",
        ),
        ("terraform.workspace", r#""default""#),
        ("\"%{ for z in var.zones ~}\n${z}\n%{ endfor ~}\"", r#""a\nb\n""#),
        ("\"%{ if var.n > 1 }many%{ else }one%{ endif }\"", r#""many""#),
        ("false && aws_vpc.main.id == \"x\"", "false"),
        ("true && aws_vpc.main.id == \"x\"", "(known after apply)"),
        ("-var.n", "-3"),
        ("!true", "false"),
        ("var.tags[\"Env\"]", r#""dev""#),
        (
            "count.index",
            "error: Reference to \"count\" in non-counted context: `count.index` is only available in a resource with `count` set",
        ),
    ];
    let mut failures = vec![];
    for (src, want) in cases {
        let got = ev(src);
        if got != want {
            failures.push(format!("{src}\n  want: {want}\n   got: {got}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn instance_context() {
    let inst = InstanceCtx { count_index: Some(1), each: None };
    assert_eq!(ev_in("\"subnet-${count.index}\"", &inst), r#""subnet-1""#);
    assert_eq!(ev_in("var.zones[count.index]", &inst), r#""b""#);
    let inst = InstanceCtx { count_index: None, each: Some(("a".into(), "10.0.1.0/24".into())) };
    assert_eq!(ev_in("\"${each.key}:${each.value}\"", &inst), r#""a:10.0.1.0/24""#);
}

fn attr(src: &str) -> String {
    let body = hcl_edit::parser::parse_body(src).expect("parses");
    let a = body.get_attribute("x").expect("x is set");
    eval(&Expr::new(0, a.value.clone()), &scope(), &InstanceCtx::default())
        .map(|v| v.to_string())
        .unwrap_or_else(|d| d.summary)
}

#[test]
fn heredocs() {
    assert_eq!(attr("x = <<-EOT\n    hello\n      ${var.name}\n    EOT\n"), r#""hello\n  web\n""#);
    assert_eq!(attr("x = <<EOT\nplain ${var.n}\nEOT\n"), r#""plain 3\n""#);
}

#[test]
fn file_and_templatefile_read_relative_to_the_module() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("motd.txt"), "hello\n").expect("write");
    std::fs::write(
        dir.path().join("user-data.tpl"),
        "#!/bin/sh\n%{ for p in ports ~}\nopen ${p}\n%{ endfor ~}\necho ${name}\n",
    )
    .expect("write");
    let mut s = scope();
    s.module_dir = dir.path().to_path_buf();
    let ev = |src: &str| {
        let ast = hcl_edit::parser::parse_expr(src).expect("parses");
        match eval(&Expr::new(0, ast), &s, &InstanceCtx::default()) {
            Ok(v) => v.to_string(),
            Err(d) => format!("error: {}", d.labels.first().map(|l| l.message.clone()).unwrap_or_default()),
        }
    };
    assert_eq!(ev(r#"file("${path.module}/motd.txt")"#), r#""hello\n""#);
    assert_eq!(
        ev(r#"templatefile("user-data.tpl", { ports = [80, 443], name = var.name })"#),
        r##""#!/bin/sh\nopen 80\nopen 443\necho web\n""##
    );
    assert!(ev(r#"file("missing.txt")"#).starts_with("error: file(): cannot read"));
    assert!(
        ev(r#"templatefile("user-data.tpl", {})"#).contains("error"),
        "a template variable without a value is an error"
    );
}

/// Expressions that would build values without bound are refused at the expression, quickly,
/// instead of exhausting memory.
#[test]
fn runaway_values_are_refused() {
    let started = std::time::Instant::now();
    let cases = [
        "[for i in range(1000) : [for j in range(1000) : [for k in range(1000) : k]]]",
        "length(join(\"\", [for i in range(1000) : join(\"\", [for j in range(1000) : format(\"%020d\", j)])]))",
        "format(\"%099999999999d\", 1)",
        "replace(join(\"\", [for i in range(1000) : \"aaaaaaaaaa\"]), \"\", join(\"\", [for i in range(1000) : \"bbbbbbbbbb\"]))",
        "join(join(\"\", [for i in range(1000) : \"----------\"]), [for i in range(1000) : [for j in range(1000) : \"x\"]]...)",
    ];
    for src in cases {
        let got = ev(src);
        assert!(got.starts_with("error: "), "{src} => {}", &got[..got.len().min(200)]);
        assert!(got.contains("more than") || got.contains("MiB"), "{src} => {got}");
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(30), "took {:?}", started.elapsed());
    // What stays within the limits still works.
    assert_eq!(ev("length([for i in range(1000) : [for j in range(1000) : j]])"), "1000");
    assert_eq!(ev("format(\"%05d\", 42)"), r#""00042""#);
}
