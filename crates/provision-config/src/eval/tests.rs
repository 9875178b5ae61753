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
    s.locals.insert("tpl".into(), "Hello, ${name}!".into());
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
            "error: Reference to \"count\" in non-counted context: `count.index` is only available in a resource or module call with `count` set",
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
    let inst = InstanceCtx { count_index: Some(1), each: None, unknown: false };
    assert_eq!(ev_in("\"subnet-${count.index}\"", &inst), r#""subnet-1""#);
    assert_eq!(ev_in("var.zones[count.index]", &inst), r#""b""#);
    let inst = InstanceCtx { count_index: None, each: Some(("a".into(), "10.0.1.0/24".into())), unknown: false };
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
    // Functions in a template read files from the module's directory too.
    std::fs::write(dir.path().join("outer.tpl"), "motd: ${trimspace(file(\"motd.txt\"))}").expect("write");
    assert_eq!(ev(r#"templatefile("outer.tpl", {})"#), r#""motd: hello""#);
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

/// The functions added for Terraform 1.11's full list, through the evaluator: unknown in gives
/// unknown out, sensitive in gives sensitive out, and errors name the function.
#[test]
fn more_functions_through_the_evaluator() {
    let cases = [
        (r#"formatdate("YYYY", aws_vpc.main.id)"#, "(known after apply)"),
        (r#"yamlencode({ a = aws_vpc.main.id })"#, "(known after apply)"),
        (r#"sha1(var.secret)"#, "(sensitive value)"),
        (r#"yamldecode(var.secret)"#, "(sensitive value)"),
        (r#"matchkeys(["a"], [var.secret], ["hunter2"])"#, "(sensitive value)"),
        (r#"setproduct(["a", "b"], [aws_vpc.main.id])"#, r#"[["a", (known after apply)], ["b", (known after apply)]]"#),
        (r#"length(setproduct(["a", "b"], [aws_vpc.main.id]))"#, "2"),
        ("issensitive(var.secret)", "true"),
        ("issensitive(var.name)", "false"),
        ("issensitive(aws_vpc.main.id)", "(known after apply)"),
        ("ephemeralasnull(var.name)", r#""web""#),
        ("timestamp()", "(known after apply)"),
        ("uuid()", "(known after apply)"),
        (r#"bcrypt("x")"#, "(known after apply)"),
        ("plantimestamp()", "(known after apply)"),
        (r#"templatestring(local.tpl, { name = var.name })"#, r#""Hello, web!""#),
        (r#"templatestring(local.tpl, { name = aws_vpc.main.id })"#, "(known after apply)"),
        (r#"templatestring(local.tpl, { name = var.secret })"#, "(sensitive value)"),
        (
            r#"templatestring(local.tpl, {})"#,
            "error: Error in function call: templatestring(): in the template: Unknown variable: there is no variable named `name`",
        ),
        (
            r#"templatestring("Hello, ${var.name}", {})"#,
            "error: Invalid function argument: templatestring() takes a reference to a string that holds a template (such as `local.template` or `data.aws_s3_object.t.body`), not a template written in the call; for that, write the template as an ordinary string expression",
        ),
        (
            r#"timeadd("2017-11-22T00:00:00Z", "10d")"#,
            r#"error: Error in function call: timeadd(): "10d" has the unit "d"; the units are h, m, s, ms, us and ns"#,
        ),
        (
            r#"formatdate("YYYY", var.secret)"#,
            r#"error: Error in function call: formatdate(): (sensitive value) is not an RFC 3339 timestamp such as "2018-01-02T23:12:01Z": the year must be 4 digits"#,
        ),
        (
            r#"rsadecrypt("x", "y")"#,
            "error: Unsupported function: `rsadecrypt` is not supported: it would need a full RSA implementation, and the maintained Rust one has an unfixed timing side channel (RUSTSEC-2023-0071) that a tool handling private keys should not carry; decrypt the password outside the configuration (for EC2 Windows passwords, `aws ec2 get-password-data --priv-launch-key`)",
        ),
        (
            "type(var.name)",
            "error: Unsupported function: `type` is only available in Terraform's interactive console, not in configuration files, and provision has no console",
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

/// `plantimestamp()` is known once there is a plan; `timestamp()`, `uuid()` and `bcrypt()` only
/// while applying.
#[test]
fn time_functions_follow_the_phase() {
    let run = |s: &Scope, src: &str| {
        let ast = hcl_edit::parser::parse_expr(src).expect("parses");
        eval(&Expr::new(0, ast), s, &InstanceCtx::default()).map(|v| v.to_string()).unwrap_or_else(|d| d.summary)
    };
    let mut s = scope();
    s.plan_time = Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_514_934_721));
    assert_eq!(run(&s, "plantimestamp()"), r#""2018-01-02T23:12:01Z""#);
    assert_eq!(run(&s, r#"formatdate("DD MMM YYYY", plantimestamp())"#), r#""02 Jan 2018""#);
    assert_eq!(run(&s, "timestamp()"), "(known after apply)");
    s.applying = true;
    let now = run(&s, "timestamp()");
    assert!(now.starts_with("\"20") && now.ends_with("Z\""), "{now}");
    assert_eq!(run(&s, "length(uuid())"), "36");
    assert_eq!(run(&s, r#"substr(bcrypt("x", 4), 0, 7)"#), r#""$2a$04$""#);
}
