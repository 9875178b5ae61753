//! The diagram as text: Mermaid (what GitHub renders in Markdown) and Graphviz DOT. Both draw the
//! same groups, nodes and edges; only the syntax differs.

use super::{Diagram, Expansion, Group, Node};
use provision_core::plan::Action;

/// A Mermaid and DOT identifier for any text: letters, digits and `_` only, never starting with a
/// digit.
pub fn identifier(text: &str) -> String {
    let mut out: String = text
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect::<String>()
        .split('_')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "n_");
    }
    out
}

/// What a type is, in words, for the types a stack is drawn with most.
fn kind(type_name: &str) -> Option<&'static str> {
    Some(match type_name {
        "aws_vpc" => "VPC",
        "aws_subnet" => "Subnet",
        "aws_internet_gateway" => "Internet gateway",
        "aws_nat_gateway" => "NAT gateway",
        "aws_eip" => "Elastic IP",
        "aws_route_table" => "Route table",
        "aws_security_group" => "Security group",
        "aws_lb" | "aws_alb" => "Load balancer",
        "aws_lb_listener" | "aws_alb_listener" => "Listener",
        "aws_lb_target_group" | "aws_alb_target_group" => "Target group",
        "aws_ecs_cluster" => "ECS cluster",
        "aws_ecs_service" => "ECS service",
        "aws_ecs_task_definition" => "Task definition",
        "aws_ecr_repository" => "ECR repository",
        "aws_db_instance" => "RDS database",
        "aws_db_subnet_group" => "DB subnet group",
        "aws_db_parameter_group" => "DB parameter group",
        "aws_rds_cluster" => "Aurora cluster",
        "aws_rds_cluster_instance" => "Aurora instance",
        "aws_dynamodb_table" => "DynamoDB table",
        "aws_efs_file_system" => "EFS file system",
        "aws_efs_mount_target" => "EFS mount target",
        "aws_efs_access_point" => "EFS access point",
        "aws_s3_bucket" => "S3 bucket",
        "aws_s3_object" => "S3 object",
        "aws_cloudfront_distribution" => "CloudFront",
        "aws_iam_role" => "IAM role",
        "aws_iam_policy" => "IAM policy",
        "aws_cloudwatch_log_group" => "Log group",
        "aws_cloudwatch_metric_alarm" => "Alarm",
        "aws_sns_topic" => "SNS topic",
        "aws_secretsmanager_secret" => "Secret",
        "aws_kms_key" => "KMS key",
        "aws_acm_certificate" => "Certificate",
        "aws_route53_zone" => "Hosted zone",
        "aws_route53_record" => "DNS record",
        "aws_ssm_parameter" => "Parameter",
        "aws_appautoscaling_target" => "Auto scaling",
        "aws_appautoscaling_policy" => "Scaling policy",
        "aws_cloudfront_function" => "CloudFront function",
        "aws_cloudfront_origin_access_control" => "Origin access control",
        "aws_cloudfront_cache_policy" => "Cache policy",
        "aws_sns_topic_subscription" => "Subscription",
        "aws_iam_instance_profile" => "Instance profile",
        "random_password" => "Random password",
        _ => return None,
    })
}

/// Types drawn as a cylinder: they hold data.
fn is_store(type_name: &str) -> bool {
    matches!(
        type_name,
        "aws_db_instance"
            | "aws_rds_cluster"
            | "aws_rds_cluster_instance"
            | "aws_dynamodb_table"
            | "aws_efs_file_system"
            | "aws_s3_bucket"
    )
}

/// Terraform's symbol and word for a planned action; replace and delete share a colour.
fn action(a: Action) -> (&'static str, &'static str) {
    match a {
        Action::Create => ("+", "create"),
        Action::Update => ("~", "update"),
        Action::Replace(_) => ("-/+", "replace"),
        Action::Delete => ("-", "delete"),
        Action::NoOp | Action::Read => ("", "noop"),
    }
}

/// The node's label lines: what it is, its address with its number of instances.
fn label(n: &Node) -> Vec<String> {
    let mut address = n.address.to_string();
    match n.expansion {
        Expansion::Single => {}
        Expansion::Count(Some(c)) => address.push_str(&format!(" ×{c}")),
        Expansion::Count(None) => address.push_str(" ×?"),
        Expansion::ForEach(Some(c)) => address.push_str(&format!(" [for_each: {c}]")),
        Expansion::ForEach(None) => address.push_str(" [for_each: ?]"),
    }
    if let Some(a) = n.action {
        let (symbol, _) = action(a);
        if !symbol.is_empty() {
            address = format!("{symbol} {address}");
        }
    }
    let mut out = vec![];
    let data = n.is_data();
    match (kind(&n.address.type_name), data) {
        (Some(k), false) => out.push(k.to_string()),
        (Some(k), true) => out.push(format!("{k} (data)")),
        (None, true) => out.push("data source".into()),
        (None, false) => {}
    }
    out.push(address);
    out
}

/// The classes of a node: `data` for data sources, its action with `--plan`.
fn classes(d: &Diagram, n: &Node) -> Vec<&'static str> {
    let mut out = vec![];
    if n.is_data() {
        out.push("data");
    }
    if d.options.plan
        && let Some(a) = n.action
    {
        out.push(action(a).1);
    }
    out
}

/// Fill and stroke of each planned action.
const COLOURS: [(&str, &str, &str, &str); 5] = [
    ("create", "#d3f5d3", "#2e8b2e", "+ create"),
    ("update", "#fff2b3", "#b38f00", "~ update in place"),
    ("replace", "#f8c9c9", "#c0392b", "-/+ replace"),
    ("delete", "#f8c9c9", "#c0392b", "- delete"),
    ("noop", "#eeeeee", "#888888", "no change"),
];

/// Mermaid `flowchart` text.
pub fn mermaid(d: &Diagram) -> String {
    let mut out = String::from("flowchart TB\n");
    mermaid_group(d, &d.root, 1, &mut out);
    for &(from, to) in &d.edges {
        let arrow = if d.nodes[to].is_data() { "-.->" } else { "-->" };
        out.push_str(&format!("    {} {arrow} {}\n", d.nodes[from].id, d.nodes[to].id));
    }
    if d.options.plan {
        out.push_str("    subgraph legend[\"Legend\"]\n        direction LR\n");
        for (name, _, _, text) in COLOURS {
            out.push_str(&format!("        legend_{name}[\"{text}\"]:::{name}\n"));
        }
        out.push_str("    end\n");
        for (name, fill, stroke, _) in COLOURS {
            out.push_str(&format!("    classDef {name} fill:{fill},stroke:{stroke},color:#000\n"));
        }
    }
    if d.nodes.iter().any(Node::is_data) {
        out.push_str("    classDef data stroke-dasharray:5 5\n");
    }
    let mut by_class: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for n in &d.nodes {
        for c in classes(d, n) {
            by_class.entry(c).or_default().push(&n.id);
        }
    }
    for (class, ids) in by_class {
        out.push_str(&format!("    class {} {class}\n", ids.join(",")));
    }
    out
}

fn mermaid_text(s: &str) -> String {
    s.replace('&', "#amp;").replace('"', "#quot;").replace('<', "#lt;").replace('>', "#gt;")
}

fn mermaid_group(d: &Diagram, g: &Group, depth: usize, out: &mut String) {
    let pad = "    ".repeat(depth);
    for &i in &g.nodes {
        let n = &d.nodes[i];
        let text = label(n).iter().map(|l| mermaid_text(l)).collect::<Vec<_>>().join("<br/>");
        let (open, close) = if is_store(&n.address.type_name) { ("[(", ")]") } else { ("[", "]") };
        out.push_str(&format!("{pad}{}{open}\"{text}\"{close}\n", n.id));
    }
    for sub in &g.groups {
        out.push_str(&format!("{pad}subgraph {}[\"{}\"]\n", sub.id, mermaid_text(&sub.label)));
        mermaid_group(d, sub, depth + 1, out);
        out.push_str(&format!("{pad}end\n"));
    }
}

fn dot_text(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Graphviz DOT text.
pub fn dot(d: &Diagram) -> String {
    let mut out = String::from(
        "digraph provision {\n    rankdir=TB;\n    compound=true;\n    fontname=\"Helvetica\";\n    node [shape=box, style=\"rounded\", fontname=\"Helvetica\"];\n    edge [fontname=\"Helvetica\"];\n",
    );
    dot_group(d, &d.root, 1, &mut out);
    for &(from, to) in &d.edges {
        let style = if d.nodes[to].is_data() { " [style=dashed]" } else { "" };
        out.push_str(&format!("    {} -> {}{style};\n", d.nodes[from].id, d.nodes[to].id));
    }
    if d.options.plan {
        out.push_str("    subgraph cluster_legend {\n        label=\"Legend\";\n        style=\"rounded\";\n");
        for (name, fill, stroke, text) in COLOURS {
            out.push_str(&format!(
                "        legend_{name} [label=\"{}\", style=\"rounded,filled\", fillcolor=\"{fill}\", color=\"{stroke}\"];\n",
                dot_text(text)
            ));
        }
        out.push_str("    }\n");
    }
    out.push_str("}\n");
    out
}

fn dot_group(d: &Diagram, g: &Group, depth: usize, out: &mut String) {
    let pad = "    ".repeat(depth);
    for &i in &g.nodes {
        let n = &d.nodes[i];
        let text = label(n).iter().map(|l| dot_text(l)).collect::<Vec<_>>().join("\\n");
        let mut attrs = vec![format!("label=\"{text}\"")];
        if is_store(&n.address.type_name) {
            attrs.push("shape=cylinder".into());
        }
        let mut style = vec!["rounded"];
        if n.is_data() {
            style.push("dashed");
        }
        if d.options.plan
            && let Some(a) = n.action
        {
            let name = action(a).1;
            if let Some((_, fill, stroke, _)) = COLOURS.iter().find(|c| c.0 == name) {
                style.push("filled");
                attrs.push(format!("fillcolor=\"{fill}\""));
                attrs.push(format!("color=\"{stroke}\""));
            }
        }
        if style.len() > 1 {
            attrs.push(format!("style=\"{}\"", style.join(",")));
        }
        out.push_str(&format!("{pad}{} [{}];\n", n.id, attrs.join(", ")));
    }
    for sub in &g.groups {
        out.push_str(&format!(
            "{pad}subgraph cluster_{} {{\n{pad}    label=\"{}\";\n{pad}    style=\"rounded\";\n",
            sub.id,
            dot_text(&sub.label)
        ));
        dot_group(d, sub, depth + 1, out);
        out.push_str(&format!("{pad}}}\n"));
    }
}
