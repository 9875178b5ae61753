//! The resource types: their schemas (the random provider's argument names and defaults, every
//! argument forcing a new value when it changes) and one implementation shared by all of them,
//! which generates on create and otherwise keeps what state holds.

use crate::generate::{self, StringRules};
use async_trait::async_trait;
use base64::Engine as _;
use provision_core::{
    AttributeSchema, Attrs, FindQuery, Found, IdentityStrategy, OpContext, ProviderError, ProviderErrorKind,
    ReadContext, ResourceType, Schema, Type, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Password,
    String,
    Id,
    Pet,
    Uuid,
}

struct RandomType {
    name: &'static str,
    kind: Kind,
    schema: Schema,
}

pub fn all() -> Vec<Arc<dyn ResourceType>> {
    [Kind::Password, Kind::String, Kind::Id, Kind::Pet, Kind::Uuid]
        .into_iter()
        .map(|kind| Arc::new(RandomType::new(kind)) as Arc<dyn ResourceType>)
        .collect()
}

fn positive_integer(v: &Value) -> Result<(), String> {
    match v.as_number() {
        Some(n) if n >= 1.0 && n.fract() == 0.0 => Ok(()),
        _ => Err(format!("must be a whole number of at least 1, not {v}")),
    }
}

fn count(v: &Value) -> Result<(), String> {
    match v.as_number() {
        Some(n) if n >= 0.0 && n.fract() == 0.0 => Ok(()),
        _ => Err(format!("must be a whole number of at least 0, not {v}")),
    }
}

fn keepers() -> AttributeSchema {
    AttributeSchema::optional("keepers", Type::map(Type::String))
        .force_new()
        .describe("Arbitrary values that, when any of them changes, generate a new value (the resource is replaced).")
}

/// The arguments `random_string` and `random_password` share.
fn string_schema(description: &'static str, sensitive: bool) -> Schema {
    let class = |name: &'static str, what: &'static str| {
        AttributeSchema::optional(name, Type::Bool).default(true).force_new().describe(what)
    };
    let min = |name: &'static str, what: &'static str| {
        AttributeSchema::optional(name, Type::Number).default(0.0).force_new().validate(count).describe(what)
    };
    let result = AttributeSchema::computed("result", Type::String).describe("The generated string.");
    Schema::new(description)
        .attr(
            AttributeSchema::required("length", Type::Number)
                .force_new()
                .validate(positive_integer)
                .describe("How many characters. Checked at plan time against the `min_*` arguments."),
        )
        .attr(keepers())
        .attr(class("lower", "Include lowercase letters."))
        .attr(class("upper", "Include uppercase letters."))
        .attr(class("numeric", "Include digits."))
        .attr(
            AttributeSchema::optional("number", Type::Bool)
                .force_new()
                .describe("Deprecated spelling of `numeric`; when set, it wins."),
        )
        .attr(class("special", "Include special characters (`!@#$%&*()-_=+[]{}<>:?` unless `override_special`)."))
        .attr(min("min_lower", "At least this many lowercase letters."))
        .attr(min("min_upper", "At least this many uppercase letters."))
        .attr(min("min_numeric", "At least this many digits."))
        .attr(min("min_special", "At least this many special characters."))
        .attr(
            AttributeSchema::optional("override_special", Type::String)
                .force_new()
                .describe("The special characters to use instead of the default set."),
        )
        .attr(if sensitive { result.sensitive() } else { result })
        .with_id()
        .check(check_string)
}

fn rules(a: &Attrs) -> StringRules {
    let b = |k: &str, d: bool| a.get(k).and_then(Value::as_bool).unwrap_or(d);
    let n = |k: &str| a.get(k).and_then(Value::as_number).unwrap_or(0.0).max(0.0) as usize;
    let numeric = a.get("number").and_then(Value::as_bool).unwrap_or_else(|| b("numeric", true));
    StringRules {
        length: n("length"),
        lower: b("lower", true),
        upper: b("upper", true),
        numeric,
        special: b("special", true),
        min_lower: n("min_lower"),
        min_upper: n("min_upper"),
        min_numeric: n("min_numeric"),
        min_special: n("min_special"),
        override_special: a.get("override_special").and_then(Value::as_str).map(str::to_string),
    }
}

fn check_string(a: &Attrs) -> Result<(), String> {
    // Values not known yet are checked at apply.
    let known =
        ["length", "min_lower", "min_upper", "min_numeric", "min_special", "lower", "upper", "numeric", "special"]
            .iter()
            .all(|k| a.get(*k).is_none_or(|v| !v.is_unknown()));
    if !known {
        return Ok(());
    }
    match rules(a).problem() {
        Some(p) => Err(p),
        None => Ok(()),
    }
}

impl RandomType {
    fn new(kind: Kind) -> RandomType {
        let (name, schema) = match kind {
            Kind::Password => (
                "random_password",
                string_schema(
                    "A password generated on this machine and kept in state, sensitive everywhere it is shown.",
                    true,
                ),
            ),
            Kind::String => {
                ("random_string", string_schema("A random string generated on this machine and kept in state.", false))
            }
            Kind::Id => (
                "random_id",
                Schema::new("Random bytes, in the encodings that suit identifiers.")
                    .attr(
                        AttributeSchema::required("byte_length", Type::Number)
                            .force_new()
                            .validate(positive_integer)
                            .describe("How many random bytes."),
                    )
                    .attr(
                        AttributeSchema::optional("prefix", Type::String)
                            .force_new()
                            .describe("Written before `hex`, `dec`, `b64_url` and `b64_std` as it is."),
                    )
                    .attr(keepers())
                    .attr(AttributeSchema::computed("b64_url", Type::String).describe("URL-safe base64, unpadded."))
                    .attr(AttributeSchema::computed("b64_std", Type::String).describe("Standard base64, padded."))
                    .attr(AttributeSchema::computed("hex", Type::String).describe("Lowercase hexadecimal."))
                    .attr(AttributeSchema::computed("dec", Type::String).describe("Decimal."))
                    .with_id(),
            ),
            Kind::Pet => (
                "random_pet",
                Schema::new("A random pet name (`witty-dolphin`), for names that should be unique and readable.")
                    .attr(
                        AttributeSchema::optional("length", Type::Number)
                            .default(2.0)
                            .force_new()
                            .validate(positive_integer)
                            .describe("How many words."),
                    )
                    .attr(AttributeSchema::optional("prefix", Type::String).force_new().describe("A first word."))
                    .attr(
                        AttributeSchema::optional("separator", Type::String)
                            .default("-")
                            .force_new()
                            .describe("Between words."),
                    )
                    .attr(keepers())
                    .with_id(),
            ),
            Kind::Uuid => (
                "random_uuid",
                Schema::new("A random (version 4) UUID.")
                    .attr(keepers())
                    .attr(AttributeSchema::computed("result", Type::String).describe("The UUID."))
                    .with_id(),
            ),
        };
        let schema = schema.timeouts(Duration::from_secs(60), Duration::from_secs(60), Duration::from_secs(60));
        RandomType { name, kind, schema }
    }

    fn generate(&self, desired: &Attrs) -> Result<Attrs, ProviderError> {
        let mut out: Attrs = desired.clone();
        for a in &self.schema.attributes {
            out.entry(a.name.to_string()).or_insert(Value::Null);
        }
        let s = |v: String| Value::String(v);
        match self.kind {
            Kind::Password | Kind::String => {
                let result = rules(desired).generate().map_err(|e| self.named(e))?;
                let id = if self.kind == Kind::Password { "none".to_string() } else { result.clone() };
                out.insert("result".into(), s(result));
                out.insert("id".into(), s(id));
            }
            Kind::Id => {
                let n = desired.get("byte_length").and_then(Value::as_number).unwrap_or(0.0).max(1.0) as usize;
                let bytes = generate::bytes(n).map_err(|e| self.named(e))?;
                let prefix = desired.get("prefix").and_then(Value::as_str).unwrap_or("");
                let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes);
                let std = base64::engine::general_purpose::STANDARD.encode(&bytes);
                let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
                out.insert("b64_url".into(), s(format!("{prefix}{url}")));
                out.insert("b64_std".into(), s(format!("{prefix}{std}")));
                out.insert("hex".into(), s(format!("{prefix}{hex}")));
                out.insert("dec".into(), s(format!("{prefix}{}", decimal(&bytes))));
                out.insert("id".into(), s(url));
            }
            Kind::Pet => {
                let len = desired.get("length").and_then(Value::as_number).unwrap_or(2.0).max(1.0) as usize;
                let sep = desired.get("separator").and_then(Value::as_str).unwrap_or("-");
                let prefix = desired.get("prefix").and_then(Value::as_str);
                out.insert("id".into(), s(generate::pet(len, sep, prefix).map_err(|e| self.named(e))?));
            }
            Kind::Uuid => {
                let u = generate::uuid().map_err(|e| self.named(e))?;
                out.insert("result".into(), s(u.clone()));
                out.insert("id".into(), s(u));
            }
        }
        Ok(out)
    }

    fn named(&self, e: ProviderError) -> ProviderError {
        ProviderError { message: format!("{}: {}", self.name, e.message), ..e }
    }
}

/// Big-endian bytes as a decimal number (any length), as `random_id.dec`.
fn decimal(bytes: &[u8]) -> String {
    let mut digits: Vec<u8> = vec![0]; // little-endian base-10 digits
    for &b in bytes {
        let mut carry = b as u32;
        for d in digits.iter_mut() {
            let v = (*d as u32) * 256 + carry;
            *d = (v % 10) as u8;
            carry = v / 10;
        }
        while carry > 0 {
            digits.push((carry % 10) as u8);
            carry /= 10;
        }
    }
    while digits.len() > 1 && digits.last() == Some(&0) {
        digits.pop();
    }
    digits.iter().rev().map(|d| char::from(b'0' + d)).collect()
}

#[async_trait]
impl ResourceType for RandomType {
    fn name(&self) -> &'static str {
        self.name
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Nothing exists outside state: an interrupted create left nothing behind, so the next run
    /// generates the value afresh.
    fn identity(&self) -> IdentityStrategy {
        IdentityStrategy::Content
    }

    /// The values live in state only: every recorded object still exists, as recorded.
    async fn read_many(
        &self,
        _ctx: &ReadContext,
        objects: &[(String, Attrs)],
    ) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        Ok(objects.iter().cloned().collect())
    }

    async fn create(&self, _ctx: &OpContext, desired: &Attrs) -> Result<Attrs, ProviderError> {
        self.generate(desired)
    }

    /// Every argument forces a new value, so only an interrupted create is finished here.
    async fn update(&self, _ctx: &OpContext, id: &str, prior: &Attrs, desired: &Attrs) -> Result<Attrs, ProviderError> {
        if id.is_empty() {
            return Err(ProviderError::new(ProviderErrorKind::Other, format!("{}: no value was recorded", self.name)));
        }
        let mut out = prior.clone();
        out.extend(desired.iter().map(|(k, v)| (k.clone(), v.clone())));
        Ok(out)
    }

    async fn delete(&self, _ctx: &OpContext, _id: &str, _prior: &Attrs) -> Result<(), ProviderError> {
        Ok(())
    }

    async fn find(&self, _query: &FindQuery) -> Result<Vec<Found>, ProviderError> {
        Ok(vec![])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_of_bytes() {
        assert_eq!(decimal(&[0]), "0");
        assert_eq!(decimal(&[1, 0]), "256");
        assert_eq!(decimal(&[0xff; 8]), u64::MAX.to_string());
    }

    #[test]
    fn ids_have_every_encoding_of_the_same_bytes() {
        let t = RandomType::new(Kind::Id);
        let mut d = Attrs::new();
        d.insert("byte_length".into(), Value::Number(4.0));
        d.insert("prefix".into(), Value::from("p-"));
        let out = t.generate(&d).expect("generates");
        let hex = out["hex"].as_str().expect("hex");
        assert_eq!(hex.len(), 2 + 8);
        let id = out["id"].as_str().expect("id");
        assert!(out["b64_url"].as_str().expect("url").ends_with(id));
        let n = u64::from_str_radix(&hex[2..], 16).expect("hex");
        assert_eq!(out["dec"].as_str(), Some(format!("p-{n}").as_str()));
    }

    #[test]
    fn password_is_sensitive_and_checked() {
        let t = RandomType::new(Kind::Password);
        assert!(t.schema.attribute("result").expect("result").sensitive);
        let mut d = Attrs::new();
        d.insert("length".into(), Value::Number(4.0));
        d.insert("min_upper".into(), Value::Number(5.0));
        let check = t.schema.check.expect("check");
        assert!(check(&d).expect_err("refused").contains("more than length"));
        d.insert("min_upper".into(), Value::Unknown);
        assert!(check(&d).is_ok());
    }
}
