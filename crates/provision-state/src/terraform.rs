//! Terraform's own state (format version 4, written by Terraform 0.12 and later), read for
//! `provision state migrate --from-terraform`: each managed resource instance with its address,
//! its provider configuration, its attributes and its dependencies, in provision's terms. Only
//! read, never written: a team can always go back to Terraform.

use provision_core::value::Path;
use provision_core::{Address, InstanceKey, Mode, Value};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The one format version this reader knows (Terraform 0.12 to 1.x).
pub const TERRAFORM_FORMAT_VERSION: u64 = 4;

/// Why a Terraform state cannot be read. `Display` says where (the file, and line:column where
/// there is one) and what to do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct TerraformStateError(pub String);

/// A Terraform state, as far as a migration needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct TerraformState {
    pub terraform_version: String,
    pub lineage: String,
    pub serial: u64,
    /// Every managed resource instance (current and deposed objects), in the order of the file.
    pub instances: Vec<TerraformInstance>,
    /// Data source instances: skipped, a plan reads them again.
    pub data_sources: usize,
    pub outputs: BTreeMap<String, TerraformOutput>,
}

/// One managed resource instance.
#[derive(Debug, Clone, PartialEq)]
pub struct TerraformInstance {
    /// Its address in provision's terms (`module.net.aws_subnet.a[0]`).
    pub address: Address,
    /// The provider configuration Terraform made it with.
    pub provider: TerraformProvider,
    /// Its attributes as Terraform recorded them.
    pub attributes: provision_core::Attrs,
    /// The attribute paths Terraform recorded as sensitive.
    pub sensitive: Vec<Path>,
    /// The resources (without instance keys) it depended on when last applied.
    pub dependencies: Vec<Address>,
    /// Set for an object Terraform keeps while replacing it (create-before-destroy).
    pub deposed: Option<String>,
}

/// A provider configuration as a Terraform state names it:
/// `provider["registry.terraform.io/hashicorp/aws"].west`, `module.x.provider[...]`, or (0.12)
/// `provider.aws.west`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TerraformProvider {
    /// The module whose provider block it is (`module.x`); empty for the root module.
    pub module: String,
    /// The provider's local name, the last part of its source (`aws`).
    pub name: String,
    pub alias: Option<String>,
    /// As written in the state.
    pub raw: String,
}

/// An output value.
#[derive(Debug, Clone, PartialEq)]
pub struct TerraformOutput {
    pub value: serde_json::Value,
    pub sensitive: bool,
}

#[derive(Deserialize)]
struct RawState {
    #[allow(dead_code)]
    version: u64,
    terraform_version: String,
    serial: u64,
    lineage: String,
    #[serde(default)]
    outputs: BTreeMap<String, RawOutput>,
    resources: Vec<RawResource>,
}

#[derive(Deserialize)]
struct RawOutput {
    value: serde_json::Value,
    #[serde(default)]
    sensitive: bool,
}

#[derive(Deserialize)]
struct RawResource {
    #[serde(default)]
    module: Option<String>,
    mode: String,
    #[serde(rename = "type")]
    type_name: String,
    name: String,
    provider: String,
    instances: Vec<RawInstance>,
}

#[derive(Deserialize)]
struct RawInstance {
    #[serde(default)]
    index_key: Option<serde_json::Value>,
    #[serde(default)]
    deposed: Option<String>,
    #[serde(default)]
    attributes: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    attributes_flat: Option<serde_json::Value>,
    #[serde(default)]
    sensitive_attributes: Vec<serde_json::Value>,
    #[serde(default)]
    dependencies: Vec<String>,
}

/// serde_json's message without its " at line L column C" tail (the position is given first).
fn bare(e: &serde_json::Error) -> String {
    let m = e.to_string();
    match m.find(" at line ") {
        Some(i) => m[..i].to_string(),
        None => m,
    }
}

/// Reads a Terraform state. `source` names it in messages (a path, or an `s3://` URL).
pub fn parse_terraform(source: &str, text: &str) -> Result<TerraformState, TerraformStateError> {
    let err = TerraformStateError;
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        err(format!(
            "{source}:{}:{}: this is not a Terraform state: it is not JSON ({})",
            e.line(),
            e.column(),
            bare(&e)
        ))
    })?;
    let Some(obj) = value.as_object() else {
        return Err(err(format!("{source}: this is not a Terraform state: it is JSON, but not an object")));
    };
    if obj.get("format").and_then(|f| f.as_str()) == Some(provision_core::state::FORMAT_MARKER) {
        return Err(err(format!(
            "{source} is a provision state, not a Terraform state: there is nothing to migrate. To use it as this configuration's state, run `provision state push {source}`"
        )));
    }
    let version = match obj.get("version") {
        Some(v) => v.as_u64().ok_or_else(|| {
            err(format!("{source}: this is not a Terraform state: its `version` is {v}, not a number"))
        })?,
        None => {
            return Err(err(format!(
                "{source}: this is not a Terraform state: it has no `version` field (a Terraform state has `version`, `terraform_version`, `lineage` and `resources`)"
            )));
        }
    };
    if version != TERRAFORM_FORMAT_VERSION {
        let (written_by, how) = if version < TERRAFORM_FORMAT_VERSION {
            (
                "an older Terraform (before 0.12)",
                "upgrade it with Terraform first: with Terraform 0.12 or later, run `terraform init` and `terraform apply -refresh-only` (`terraform refresh` before 0.15.4), which rewrites the state in format 4, then migrate again",
            )
        } else {
            ("a Terraform newer than this provision knows", "provision cannot read it yet")
        };
        return Err(err(format!(
            "{source} is a Terraform state of format version {version}, written by {written_by}; provision reads format version 4 (Terraform 0.12 and later): {how}"
        )));
    }
    let raw: RawState = serde_json::from_str(text).map_err(|e| {
        err(format!("{source}:{}:{}: this is not a Terraform state of format 4: {}", e.line(), e.column(), bare(&e)))
    })?;
    let mut instances = vec![];
    let mut data_sources = 0;
    for r in raw.resources {
        let mode = match r.mode.as_str() {
            "managed" => Mode::Managed,
            "data" => Mode::Data,
            other => {
                return Err(err(format!(
                    "{source}: the resource {}.{} has the mode \"{other}\"; a Terraform state has \"managed\" or \"data\"",
                    r.type_name, r.name
                )));
            }
        };
        if mode == Mode::Data {
            data_sources += r.instances.len();
            continue;
        }
        let module = r.module.as_deref().unwrap_or("");
        let base_text = if module.is_empty() {
            format!("{}.{}", r.type_name, r.name)
        } else {
            format!("{module}.{}.{}", r.type_name, r.name)
        };
        let base: Address = base_text
            .parse()
            .map_err(|e| err(format!("{source}: the resource `{base_text}` has no address provision can read: {e}")))?;
        let provider = parse_provider(&r.provider).ok_or_else(|| {
            err(format!(
                "{source}: {base_text}: the provider `{}` is not a provider configuration address (expected provider[\"registry.terraform.io/hashicorp/aws\"] or provider[\"...\"].ALIAS)",
                r.provider
            ))
        })?;
        for i in r.instances {
            let key = match &i.index_key {
                None | Some(serde_json::Value::Null) => None,
                Some(serde_json::Value::String(s)) => Some(InstanceKey::Key(s.clone())),
                Some(serde_json::Value::Number(n)) if n.as_u64().is_some() => n.as_u64().map(InstanceKey::Index),
                Some(other) => {
                    return Err(err(format!(
                        "{source}: {base_text}: the instance key {other} is neither a whole number (count) nor a string (for_each)"
                    )));
                }
            };
            let address = base.clone().with_key(key);
            let attributes = match (i.attributes, i.attributes_flat) {
                (Some(a), _) => a.iter().map(|(k, v)| (k.clone(), Value::from_json(v))).collect(),
                (None, Some(_)) => {
                    return Err(err(format!(
                        "{source}: {address} is recorded in the legacy flat form (`attributes_flat`); run `terraform apply -refresh-only` with a current Terraform to rewrite it, then migrate again"
                    )));
                }
                (None, None) => {
                    return Err(err(format!("{source}: {address} has no `attributes`: missing field `attributes`")));
                }
            };
            let mut dependencies = vec![];
            for d in &i.dependencies {
                let dep: Address = d
                    .parse()
                    .map_err(|e| err(format!("{source}: {address} depends on `{d}`, which is not an address: {e}")))?;
                if dep.mode == Mode::Managed && !dependencies.contains(&dep) {
                    dependencies.push(dep);
                }
            }
            instances.push(TerraformInstance {
                address,
                provider: provider.clone(),
                attributes,
                sensitive: i.sensitive_attributes.iter().filter_map(sensitive_path).collect(),
                dependencies,
                deposed: i.deposed,
            });
        }
    }
    Ok(TerraformState {
        terraform_version: raw.terraform_version,
        lineage: raw.lineage,
        serial: raw.serial,
        instances,
        data_sources,
        outputs: raw
            .outputs
            .into_iter()
            .map(|(k, o)| (k, TerraformOutput { value: o.value, sensitive: o.sensitive }))
            .collect(),
    })
}

/// `provider["registry.terraform.io/hashicorp/aws"]`, with a `module.x.` before it or `.ALIAS`
/// after it; or Terraform 0.12's `provider.aws` / `provider.aws.ALIAS`.
fn parse_provider(raw: &str) -> Option<TerraformProvider> {
    let (module, rest) = match raw.find("provider[\"").or_else(|| raw.find("provider.")) {
        Some(0) => ("", raw),
        Some(i) => (raw[..i].strip_suffix('.')?, &raw[i..]),
        None => return None,
    };
    let (name, alias) = if let Some(r) = rest.strip_prefix("provider[\"") {
        let (source, tail) = r.split_once("\"]")?;
        let name = source.rsplit('/').next()?.to_string();
        let alias = match tail {
            "" => None,
            t => Some(t.strip_prefix('.')?.to_string()),
        };
        (name, alias)
    } else {
        let r = rest.strip_prefix("provider.")?;
        match r.split_once('.') {
            Some((n, a)) => (n.to_string(), Some(a.to_string())),
            None => (r.to_string(), None),
        }
    };
    let ok = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !ok(&name) || alias.as_deref().is_some_and(|a| !ok(a)) {
        return None;
    }
    Some(TerraformProvider { module: module.to_string(), name, alias, raw: raw.to_string() })
}

/// One of Terraform's sensitive paths (`[{"type": "get_attr", "value": "password"}]`, with
/// `index` steps for list elements and map keys) as provision's path of names.
fn sensitive_path(steps: &serde_json::Value) -> Option<Path> {
    let mut out = vec![];
    for step in steps.as_array()? {
        let value = step.get("value")?;
        match step.get("type")?.as_str()? {
            "get_attr" => out.push(value.as_str()?.to_string()),
            "index" => match value.get("value")? {
                serde_json::Value::String(s) => out.push(s.clone()),
                serde_json::Value::Number(n) => out.push(n.to_string()),
                _ => return None,
            },
            _ => return None,
        }
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATE: &str = r#"{
  "version": 4,
  "terraform_version": "1.11.4",
  "serial": 12,
  "lineage": "72ddab07-245c-1809-3ed8-48139d275a6b",
  "outputs": {"arn": {"value": "arn:x", "type": "string"}, "pw": {"value": "s", "type": "string", "sensitive": true}},
  "resources": [
    {"mode": "data", "type": "aws_region", "name": "current", "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
     "instances": [{"schema_version": 0, "attributes": {"name": "eu-west-1"}, "sensitive_attributes": []}]},
    {"mode": "managed", "type": "aws_iam_role", "name": "app", "provider": "provider[\"registry.terraform.io/hashicorp/aws\"].west",
     "instances": [{"index_key": "api", "schema_version": 0, "attributes": {"id": "mig-api", "name": "mig-api"}, "sensitive_attributes": [], "private": "bnVsbA=="}]},
    {"mode": "managed", "type": "aws_subnet", "name": "a", "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
     "instances": [{"index_key": 1, "schema_version": 1, "attributes": {"id": "subnet-1"}, "sensitive_attributes": [],
                    "dependencies": ["aws_vpc.main", "data.aws_region.current"]}]},
    {"module": "module.b[\"x\"].module.c", "mode": "managed", "type": "aws_db_instance", "name": "db", "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
     "instances": [{"schema_version": 2, "attributes": {"id": "db-1", "password": "p"},
                    "sensitive_attributes": [[{"type": "get_attr", "value": "password"}]]},
                   {"deposed": "00000001", "schema_version": 2, "attributes": {"id": "db-0"}, "sensitive_attributes": []}]}
  ],
  "check_results": null
}"#;

    #[test]
    fn reads_instances_with_modules_keys_providers_and_dependencies() {
        let s = parse_terraform("terraform.tfstate", STATE).expect("parses");
        assert_eq!(s.lineage, "72ddab07-245c-1809-3ed8-48139d275a6b");
        assert_eq!(s.data_sources, 1);
        let addrs: Vec<String> = s.instances.iter().map(|i| i.address.to_string()).collect();
        assert_eq!(
            addrs,
            [
                "aws_iam_role.app[\"api\"]",
                "aws_subnet.a[1]",
                "module.b[\"x\"].module.c.aws_db_instance.db",
                "module.b[\"x\"].module.c.aws_db_instance.db"
            ]
        );
        assert_eq!(s.instances[0].provider.alias.as_deref(), Some("west"));
        assert_eq!(s.instances[0].provider.name, "aws");
        assert_eq!(s.instances[1].dependencies, vec![Address::managed("aws_vpc", "main")], "data sources left out");
        assert_eq!(s.instances[2].sensitive, vec![vec!["password".to_string()]]);
        assert_eq!(s.instances[3].deposed.as_deref(), Some("00000001"));
        assert!(s.outputs["pw"].sensitive);
    }

    #[test]
    fn reads_the_provider_addresses_of_every_terraform_version() {
        let p = parse_provider("module.x.provider[\"registry.terraform.io/hashicorp/aws\"].e1").expect("module");
        assert_eq!((p.module.as_str(), p.name.as_str(), p.alias.as_deref()), ("module.x", "aws", Some("e1")));
        let p = parse_provider("provider.aws.west").expect("0.12");
        assert_eq!((p.name.as_str(), p.alias.as_deref()), ("aws", Some("west")));
        assert!(parse_provider("aws").is_none());
    }

    #[test]
    fn refuses_what_is_not_a_format_4_terraform_state_saying_why() {
        let e = parse_terraform("t.tfstate", "{\n  \"version\": 4,\n  oops\n}").expect_err("not JSON");
        assert!(e.0.starts_with("t.tfstate:3:3: this is not a Terraform state: it is not JSON"), "{e}");
        let e = parse_terraform(
            "t.tfstate",
            r#"{"version": 3, "terraform_version": "0.11.14", "serial": 1, "lineage": "l", "modules": []}"#,
        )
        .expect_err("v3");
        assert!(
            e.0.contains("format version 3")
                && e.0.contains("provision reads format version 4 (Terraform 0.12 and later)"),
            "{e}"
        );
        assert!(e.0.contains("terraform apply -refresh-only"), "{e}");
        let e =
            parse_terraform("p.tfstate", r#"{"format": "provision-state", "format_version": 2}"#).expect_err("ours");
        assert!(e.0.contains("p.tfstate is a provision state, not a Terraform state"), "{e}");
        let e = parse_terraform("t.tfstate", r#"{"version": 4, "serial": 1, "lineage": "l", "resources": []}"#)
            .expect_err("missing");
        assert!(e.0.contains("missing field `terraform_version`"), "{e}");
        let e = parse_terraform("t.tfstate", r#"{"name": "x"}"#).expect_err("foreign");
        assert!(e.0.contains("it has no `version` field"), "{e}");
    }
}
