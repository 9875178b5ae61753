//! data `aws_iam_policy_document`: an IAM policy document written as HCL blocks, rendered to JSON
//! exactly as Terraform renders it (same key order, indentation, single values as strings, lists
//! reverse-sorted, `&{...}` written as `${...}`), so a stack moved from Terraform gets the same
//! documents. Computed locally: no AWS call, so it is known at plan time whenever its arguments are.

use async_trait::async_trait;
use provision_core::{
    AttributeSchema, Attrs, BlockSchema, DataSourceType, Nesting, ProviderError, ProviderErrorKind, Schema, Type, Value,
};
use serde_json::{Map, Value as Json};

pub(crate) struct PolicyDocument {
    schema: Schema,
}

fn effect(v: &Value) -> Result<(), String> {
    provision_aws_core::validate::one_of(v, &["Allow", "Deny"], "effect")
}

fn principal_block(name: &'static str, what: &'static str) -> BlockSchema {
    BlockSchema::new(
        name,
        Nesting::Set,
        Schema::new(what)
            .attr(
                AttributeSchema::required("type", Type::String)
                    .describe("`AWS`, `Service`, `Federated`, `CanonicalUser` or `*`."),
            )
            .attr(
                AttributeSchema::required("identifiers", Type::set(Type::String))
                    .describe("ARNs, account ids, service names (`ecs-tasks.amazonaws.com`) or `*`."),
            ),
        what,
    )
}

impl PolicyDocument {
    pub fn new() -> Self {
        let statement = Schema::new("One statement of the policy.")
            .attr(AttributeSchema::optional("sid", Type::String).describe(
                "The statement's id; statements of source and override documents with the same id are replaced.",
            ))
            .attr(
                AttributeSchema::optional("effect", Type::String)
                    .default("Allow")
                    .validate(effect)
                    .describe("`Allow` or `Deny`."),
            )
            .attr(
                AttributeSchema::optional("actions", Type::set(Type::String))
                    .describe("Actions allowed or denied, e.g. `s3:GetObject`."),
            )
            .attr(
                AttributeSchema::optional("not_actions", Type::set(Type::String))
                    .describe("Every action except these."),
            )
            .attr(
                AttributeSchema::optional("resources", Type::set(Type::String))
                    .describe("Resource ARNs the statement covers."),
            )
            .attr(
                AttributeSchema::optional("not_resources", Type::set(Type::String))
                    .describe("Every resource except these."),
            )
            .block(principal_block("principals", "Who the statement applies to (resource and trust policies)."))
            .block(principal_block("not_principals", "Everyone except these."))
            .block(BlockSchema::new(
                "condition",
                Nesting::Set,
                Schema::new("A condition on the statement.")
                    .attr(
                        AttributeSchema::required("test", Type::String)
                            .describe("The condition operator, e.g. `StringEquals`."),
                    )
                    .attr(
                        AttributeSchema::required("variable", Type::String)
                            .describe("The context key, e.g. `aws:SourceArn`."),
                    )
                    .attr(
                        AttributeSchema::required("values", Type::list(Type::String))
                            .describe("Values to compare with (any matches)."),
                    ),
                "Conditions; all must hold.",
            ));
        let schema = Schema::new("An IAM policy document built from blocks, rendered to JSON locally.")
            .attr(AttributeSchema::optional("version", Type::String).default("2012-10-17").describe("The policy language version."))
            .attr(AttributeSchema::optional("policy_id", Type::String).describe("The document's `Id`."))
            .attr(
                AttributeSchema::optional("source_policy_documents", Type::list(Type::String))
                    .describe("JSON documents whose statements come first; this document's statements replace those with the same `sid`."),
            )
            .attr(
                AttributeSchema::optional("override_policy_documents", Type::list(Type::String))
                    .describe("JSON documents whose statements replace those with the same `sid`, or are added."),
            )
            .attr(AttributeSchema::optional("source_json", Type::String).describe("Deprecated: one source document."))
            .attr(AttributeSchema::optional("override_json", Type::String).describe("Deprecated: one override document."))
            .block(BlockSchema::new("statement", Nesting::List, statement, "The policy's statements."))
            .attr(AttributeSchema::computed("id", Type::String).describe("A checksum of `json`."))
            .attr(AttributeSchema::computed("json", Type::String).describe("The document, indented as Terraform renders it."))
            .attr(AttributeSchema::computed("minified_json", Type::String).describe("The same document without whitespace."));
        PolicyDocument { schema }
    }
}

fn invalid(m: impl Into<String>) -> ProviderError {
    ProviderError::new(ProviderErrorKind::Invalid, m)
}

/// Terraform's `&{var}` spelling of a policy variable, which HCL would otherwise interpolate.
fn interpolate(s: &str) -> String {
    s.replace("&{", "${")
}

fn strings(m: &std::collections::BTreeMap<String, Value>, k: &str, vars: bool) -> Vec<String> {
    m.get(k)
        .and_then(Value::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_str)
        .map(|s| if vars { interpolate(s) } else { s.to_string() })
        .collect()
}

/// One value as a string, several as a list sorted in reverse (Terraform's rendering of a set).
fn string_or_list(mut items: Vec<String>) -> Json {
    if items.len() == 1 {
        return Json::String(items.remove(0));
    }
    items.sort_by(|a, b| b.cmp(a));
    Json::Array(items.into_iter().map(Json::String).collect())
}

fn principals(blocks: Option<&Value>) -> Option<Json> {
    let blocks = blocks.and_then(Value::as_seq).filter(|b| !b.is_empty())?;
    let mut by_type: Map<String, Json> = Map::new();
    let mut types: Vec<String> = vec![];
    for b in blocks {
        let Some(m) = b.as_map() else { continue };
        let Some(t) = m.get("type").and_then(Value::as_str) else { continue };
        let ids = strings(m, "identifiers", true);
        let rendered = string_or_list(ids);
        match by_type.remove(t) {
            None => {
                types.push(t.to_string());
                by_type.insert(t.to_string(), rendered);
            }
            Some(prev) => {
                let mut all: Vec<Json> = match prev {
                    Json::Array(a) => a,
                    other => vec![other],
                };
                match rendered {
                    Json::Array(a) => all.extend(a),
                    other => all.push(other),
                }
                by_type.insert(t.to_string(), Json::Array(all));
            }
        }
    }
    if by_type.len() == 1 && by_type.get("*") == Some(&Json::String("*".into())) {
        return Some(Json::String("*".into()));
    }
    types.sort();
    Some(Json::Object(types.into_iter().filter_map(|t| by_type.remove(&t).map(|v| (t, v))).collect()))
}

fn conditions(blocks: Option<&Value>) -> Option<Json> {
    let blocks = blocks.and_then(Value::as_seq).filter(|b| !b.is_empty())?;
    let mut tests: std::collections::BTreeMap<String, std::collections::BTreeMap<String, Vec<String>>> =
        Default::default();
    for b in blocks {
        let Some(m) = b.as_map() else { continue };
        let (Some(test), Some(var)) =
            (m.get("test").and_then(Value::as_str), m.get("variable").and_then(Value::as_str))
        else {
            continue;
        };
        tests
            .entry(test.to_string())
            .or_default()
            .entry(var.to_string())
            .or_default()
            .extend(strings(m, "values", true));
    }
    Some(Json::Object(
        tests
            .into_iter()
            .map(|(t, vars)| {
                let vars: Map<String, Json> = vars
                    .into_iter()
                    .map(|(k, mut v)| {
                        let v = if v.len() == 1 {
                            Json::String(v.remove(0))
                        } else {
                            Json::Array(v.into_iter().map(Json::String).collect())
                        };
                        (k, v)
                    })
                    .collect();
                (t, Json::Object(vars))
            })
            .collect(),
    ))
}

/// A statement block in Terraform's key order.
fn statement(m: &std::collections::BTreeMap<String, Value>) -> Result<Json, ProviderError> {
    let mut out = Map::new();
    if let Some(sid) = m.get("sid").and_then(Value::as_str).filter(|s| !s.is_empty()) {
        out.insert("Sid".into(), Json::String(sid.into()));
    }
    let effect = m.get("effect").and_then(Value::as_str).filter(|s| !s.is_empty()).unwrap_or("Allow");
    if effect != "Allow" && effect != "Deny" {
        return Err(invalid(format!("statement effect \"{effect}\": use Allow or Deny")));
    }
    out.insert("Effect".into(), Json::String(effect.into()));
    for (key, arg, vars) in [
        ("Action", "actions", false),
        ("NotAction", "not_actions", false),
        ("Resource", "resources", true),
        ("NotResource", "not_resources", true),
    ] {
        let items = strings(m, arg, vars);
        if !items.is_empty() {
            out.insert(key.into(), string_or_list(items));
        }
    }
    if let Some(p) = principals(m.get("principals")) {
        out.insert("Principal".into(), p);
    }
    if let Some(p) = principals(m.get("not_principals")) {
        out.insert("NotPrincipal".into(), p);
    }
    if let Some(c) = conditions(m.get("condition")) {
        out.insert("Condition".into(), c);
    }
    Ok(Json::Object(out))
}

/// A statement of a JSON document, its keys in Terraform's order.
fn reordered(j: Json) -> Json {
    let Json::Object(mut m) = j else { return j };
    let mut out = Map::new();
    for k in
        ["Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal", "Condition"]
    {
        if let Some(v) = m.remove(k) {
            out.insert(k.into(), v);
        }
    }
    out.extend(m);
    Json::Object(out)
}

fn sid(s: &Json) -> Option<&str> {
    s.get("Sid").and_then(Json::as_str).filter(|s| !s.is_empty())
}

/// Adds statements: one with the `Sid` of an existing statement replaces it where it is.
fn merge(into: &mut Vec<Json>, statements: Vec<Json>) {
    for s in statements {
        match sid(&s).and_then(|id| into.iter().position(|x| sid(x) == Some(id))) {
            Some(i) => into[i] = s,
            None => into.push(s),
        }
    }
}

/// The statements of a JSON document given as an argument.
fn parse(doc: &str, arg: &str) -> Result<(Vec<Json>, Option<String>), ProviderError> {
    let j: Json =
        serde_json::from_str(doc).map_err(|e| invalid(format!("`{arg}`: not a JSON policy document: {e}")))?;
    let version = j.get("Version").and_then(Json::as_str).map(str::to_string);
    let statements = match j.get("Statement") {
        Some(Json::Array(items)) => items.clone(),
        Some(Json::Object(o)) => vec![Json::Object(o.clone())],
        _ => vec![],
    };
    Ok((statements.into_iter().map(reordered).collect(), version))
}

/// Go's JSON encoder escapes `<`, `>` and `&` (only ever inside strings in JSON text).
fn go_escaped(s: String) -> String {
    s.replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

/// The CRC-32 (IEEE) of the text, Terraform's hash code for the document's id.
fn crc32(s: &str) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for b in s.bytes() {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// The document for these arguments: (indented, minified).
pub(crate) fn render(args: &Attrs) -> Result<(String, String), ProviderError> {
    let docs = |k: &str| -> Vec<String> {
        args.get(k)
            .and_then(Value::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect()
    };
    let single = |k: &str| args.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
    let mut statements: Vec<Json> = vec![];
    let mut version = None;
    for (arg, doc) in single("source_json")
        .map(|d| ("source_json", d))
        .into_iter()
        .chain(docs("source_policy_documents").into_iter().map(|d| ("source_policy_documents", d)))
    {
        let (s, v) = parse(&doc, arg)?;
        version = version.or(v);
        merge(&mut statements, s);
    }
    let mut own = vec![];
    for b in args.get("statement").and_then(Value::as_seq).unwrap_or_default() {
        if let Some(m) = b.as_map() {
            let s = statement(m)?;
            if let Some(id) = sid(&s)
                && own.iter().any(|x| sid(x) == Some(id))
            {
                return Err(invalid(format!("two statements have the sid \"{id}\"; sids must be unique")));
            }
            own.push(s);
        }
    }
    merge(&mut statements, own);
    for (arg, doc) in single("override_json")
        .map(|d| ("override_json", d))
        .into_iter()
        .chain(docs("override_policy_documents").into_iter().map(|d| ("override_policy_documents", d)))
    {
        let (s, _) = parse(&doc, arg)?;
        merge(&mut statements, s);
    }
    let mut doc = Map::new();
    let version = args.get("version").and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string).or(version);
    doc.insert("Version".into(), Json::String(version.unwrap_or_else(|| "2012-10-17".into())));
    if let Some(id) = single("policy_id") {
        doc.insert("Id".into(), Json::String(id));
    }
    doc.insert("Statement".into(), if statements.is_empty() { Json::Null } else { Json::Array(statements) });
    let doc = Json::Object(doc);
    let pretty = serde_json::to_string_pretty(&doc).map_err(|e| invalid(e.to_string()))?;
    let compact = serde_json::to_string(&doc).map_err(|e| invalid(e.to_string()))?;
    Ok((go_escaped(pretty), go_escaped(compact)))
}

#[async_trait]
impl DataSourceType for PolicyDocument {
    fn name(&self) -> &'static str {
        "aws_iam_policy_document"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, args: &Attrs) -> Result<Attrs, ProviderError> {
        let (json, minified) = render(args)?;
        let mut out = args.clone();
        out.insert("id".into(), Value::String(crc32(&json).to_string()));
        out.insert("json".into(), Value::String(json));
        out.insert("minified_json".into(), Value::String(minified));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn map(pairs: Vec<(&str, Value)>) -> Value {
        Value::Map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect::<BTreeMap<_, _>>())
    }

    fn strs(items: &[&str]) -> Value {
        Value::List(items.iter().map(|s| Value::String(s.to_string())).collect())
    }

    /// The document Terraform 1.x with the AWS provider renders for the same blocks, byte for byte.
    #[test]
    fn renders_like_terraform() {
        let mut args = Attrs::new();
        args.insert(
            "statement".into(),
            Value::List(vec![
                map(vec![
                    ("sid", "1".into()),
                    ("actions", strs(&["s3:ListAllMyBuckets", "s3:GetBucketLocation", "s3:A"])),
                    ("resources", strs(&["arn:aws:s3:::*"])),
                ]),
                map(vec![
                    ("effect", "Deny".into()),
                    ("not_actions", strs(&["iam:*"])),
                    ("not_resources", strs(&["a", "b"])),
                    (
                        "principals",
                        Value::List(vec![
                            map(vec![
                                ("type", "AWS".into()),
                                (
                                    "identifiers",
                                    strs(&["arn:aws:iam::123456789012:root", "arn:aws:iam::123456789013:root"]),
                                ),
                            ]),
                            map(vec![("type", "Service".into()), ("identifiers", strs(&["ecs-tasks.amazonaws.com"]))]),
                        ]),
                    ),
                    (
                        "not_principals",
                        Value::List(vec![map(vec![("type", "*".into()), ("identifiers", strs(&["*"]))])]),
                    ),
                    (
                        "condition",
                        Value::List(vec![
                            map(vec![
                                ("test", "StringLike".into()),
                                ("variable", "s3:prefix".into()),
                                ("values", strs(&["home/", "home/&{aws:username}/"])),
                            ]),
                            map(vec![
                                ("test", "StringEquals".into()),
                                ("variable", "aws:x".into()),
                                ("values", strs(&["1"])),
                            ]),
                            map(vec![
                                ("test", "StringEquals".into()),
                                ("variable", "aws:y".into()),
                                ("values", strs(&["2"])),
                            ]),
                        ]),
                    ),
                ]),
            ]),
        );
        let (_, minified) = render(&args).expect("renders");
        assert_eq!(
            minified,
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"1","Effect":"Allow","Action":["s3:ListAllMyBuckets","s3:GetBucketLocation","s3:A"],"Resource":"arn:aws:s3:::*"},{"Effect":"Deny","NotAction":"iam:*","NotResource":["b","a"],"Principal":{"AWS":["arn:aws:iam::123456789013:root","arn:aws:iam::123456789012:root"],"Service":"ecs-tasks.amazonaws.com"},"NotPrincipal":"*","Condition":{"StringEquals":{"aws:x":"1","aws:y":"2"},"StringLike":{"s3:prefix":["home/","home/${aws:username}/"]}}}]}"#
        );
    }

    #[test]
    fn sources_and_overrides_merge_by_sid() {
        let mut args = Attrs::new();
        args.insert("policy_id".into(), "pid".into());
        args.insert(
            "source_policy_documents".into(),
            strs(&[r#"{"Version":"2012-10-17","Statement":[{"Sid":"1","Effect":"Allow","Action":"a:a","Resource":"*"},{"Effect":"Deny","Action":"b:b","Resource":"*"}]}"#]),
        );
        args.insert(
            "override_policy_documents".into(),
            strs(&[
                r#"{"Version":"2012-10-17","Statement":[{"Sid":"1","Effect":"Allow","Action":"x:y","Resource":"*"}]}"#,
            ]),
        );
        args.insert(
            "statement".into(),
            Value::List(vec![map(vec![
                ("sid", "extra".into()),
                ("actions", strs(&["sts:AssumeRole"])),
                (
                    "principals",
                    Value::List(vec![map(vec![
                        ("type", "Service".into()),
                        ("identifiers", strs(&["ecs-tasks.amazonaws.com"])),
                    ])]),
                ),
            ])]),
        );
        let (json, minified) = render(&args).expect("renders");
        assert_eq!(
            minified,
            r#"{"Version":"2012-10-17","Id":"pid","Statement":[{"Sid":"1","Effect":"Allow","Action":"x:y","Resource":"*"},{"Effect":"Deny","Action":"b:b","Resource":"*"},{"Sid":"extra","Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"ecs-tasks.amazonaws.com"}}]}"#
        );
        assert!(json.starts_with("{\n  \"Version\": \"2012-10-17\",\n  \"Id\": \"pid\",\n  \"Statement\": [\n    {\n      \"Sid\": \"1\","), "{json}");
    }

    #[test]
    fn ids_are_terraforms_checksums() {
        assert_eq!(crc32("123456789"), 0xCBF4_3926);
    }
}
