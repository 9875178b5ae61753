//! Type constraints (`list(string)`, `object({...})`) and Terraform's conversion rules, used for
//! variables and to coerce attribute values to their schema types.

use hcl_edit::expr::{Expression, ObjectKey};
use provision_core::{Diagnostic, Span, Type, Value};
use std::collections::BTreeMap;

/// Evaluates an expression that refers to nothing (a literal, or functions of literals).
pub(crate) type Constant<'a> = &'a dyn Fn(&Expression) -> Result<Value, String>;

/// A type a value is converted to.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeConstraint {
    Any,
    String,
    Number,
    Bool,
    List(Box<TypeConstraint>),
    Set(Box<TypeConstraint>),
    Map(Box<TypeConstraint>),
    Tuple(Vec<TypeConstraint>),
    Object(Vec<ObjectAttr>),
}

/// One attribute of an object type; `optional(T, default)` sets `optional` and `default`.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectAttr {
    pub name: String,
    pub ty: TypeConstraint,
    pub optional: bool,
    pub default: Option<Value>,
}

impl TypeConstraint {
    pub fn is_primitive(&self) -> bool {
        matches!(self, TypeConstraint::String | TypeConstraint::Number | TypeConstraint::Bool)
    }

    /// The constraint for a schema type.
    pub fn from_schema(t: &Type) -> TypeConstraint {
        match t {
            Type::String => TypeConstraint::String,
            Type::Number => TypeConstraint::Number,
            Type::Bool => TypeConstraint::Bool,
            Type::Any => TypeConstraint::Any,
            Type::List(t) => TypeConstraint::List(Box::new(Self::from_schema(t))),
            Type::Set(t) => TypeConstraint::Set(Box::new(Self::from_schema(t))),
            Type::Map(t) => TypeConstraint::Map(Box::new(Self::from_schema(t))),
            Type::Object(fields) => TypeConstraint::Object(
                fields
                    .iter()
                    .map(|(n, t)| ObjectAttr {
                        name: n.to_string(),
                        ty: Self::from_schema(t),
                        optional: true,
                        default: None,
                    })
                    .collect(),
            ),
        }
    }

    /// Parses a `type = ...` expression written at `span`; `constant` evaluates the defaults of
    /// `optional(T, default)` (evaluation is a higher layer: see [`TypeConstraint::parse`] there).
    pub(crate) fn parse_with(
        ast: &Expression,
        span: Option<Span>,
        constant: Constant<'_>,
    ) -> Result<TypeConstraint, Diagnostic> {
        parse(ast, false, constant).map_err(|m| Diagnostic::error("Invalid type constraint").at(span, m))
    }

    pub fn describe(&self) -> String {
        match self {
            TypeConstraint::Any => "any".into(),
            TypeConstraint::String => "string".into(),
            TypeConstraint::Number => "number".into(),
            TypeConstraint::Bool => "bool".into(),
            TypeConstraint::List(t) => format!("list({})", t.describe()),
            TypeConstraint::Set(t) => format!("set({})", t.describe()),
            TypeConstraint::Map(t) => format!("map({})", t.describe()),
            TypeConstraint::Tuple(ts) => {
                format!("tuple([{}])", ts.iter().map(|t| t.describe()).collect::<Vec<_>>().join(", "))
            }
            TypeConstraint::Object(attrs) => format!(
                "object({{{}}})",
                attrs.iter().map(|a| format!("{} = {}", a.name, a.ty.describe())).collect::<Vec<_>>().join(", ")
            ),
        }
    }

    /// Converts `v` to this type as Terraform does, or says why it cannot.
    pub fn convert(&self, v: Value) -> Result<Value, String> {
        convert(v, self, "")
    }
}

fn parse(e: &Expression, in_object: bool, constant: Constant<'_>) -> Result<TypeConstraint, String> {
    let named = |name: &str| -> Result<TypeConstraint, String> {
        Ok(match name {
            "string" => TypeConstraint::String,
            "number" => TypeConstraint::Number,
            "bool" => TypeConstraint::Bool,
            "any" => TypeConstraint::Any,
            "list" => TypeConstraint::List(Box::new(TypeConstraint::Any)),
            "set" => TypeConstraint::Set(Box::new(TypeConstraint::Any)),
            "map" => TypeConstraint::Map(Box::new(TypeConstraint::Any)),
            other => {
                return Err(format!(
                    "`{other}` is not a type; use string, number, bool, any, list(T), set(T), map(T), tuple([...]) or object({{...}})"
                ));
            }
        })
    };
    match e {
        Expression::Variable(v) => named(v.value().as_str()),
        Expression::String(s) => named(s.value()),
        Expression::Parenthesis(p) => parse(p.inner(), in_object, constant),
        Expression::FuncCall(f) => {
            let name = f.name.name.value().as_str();
            let args: Vec<&Expression> = f.args.iter().collect();
            let one = || -> Result<&Expression, String> {
                match args.as_slice() {
                    [a] => Ok(a),
                    _ => Err(format!("`{name}(...)` takes exactly one type")),
                }
            };
            match name {
                "list" => Ok(TypeConstraint::List(Box::new(parse(one()?, false, constant)?))),
                "set" => Ok(TypeConstraint::Set(Box::new(parse(one()?, false, constant)?))),
                "map" => Ok(TypeConstraint::Map(Box::new(parse(one()?, false, constant)?))),
                "tuple" => match args.as_slice() {
                    [Expression::Array(items)] => Ok(TypeConstraint::Tuple(
                        items.iter().map(|i| parse(i, false, constant)).collect::<Result<_, _>>()?,
                    )),
                    _ => Err("`tuple(...)` takes a list of types, as in tuple([string, number])".into()),
                },
                "object" => match args.as_slice() {
                    [Expression::Object(obj)] => {
                        let mut attrs = vec![];
                        for (k, v) in obj.iter() {
                            let key = match k {
                                ObjectKey::Ident(id) => id.value().as_str().to_string(),
                                ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
                                _ => return Err("object attribute names must be plain names".into()),
                            };
                            let (ty, optional, default) = parse_object_attr(v.expr(), constant)?;
                            attrs.push(ObjectAttr { name: key, ty, optional, default });
                        }
                        Ok(TypeConstraint::Object(attrs))
                    }
                    _ => Err("`object(...)` takes an object of types, as in object({ name = string })".into()),
                },
                "optional" if !in_object => {
                    Err("`optional(...)` is only allowed on an attribute of object({...})".into())
                }
                other => Err(format!("`{other}(...)` is not a type constructor; use list, set, map, tuple or object")),
            }
        }
        _ => {
            Err("a type constraint is a type keyword (string, number, bool, any) or a constructor such as list(string)"
                .into())
        }
    }
}

fn parse_object_attr(e: &Expression, constant: Constant<'_>) -> Result<(TypeConstraint, bool, Option<Value>), String> {
    if let Expression::FuncCall(f) = e
        && f.name.name.value().as_str() == "optional"
    {
        let args: Vec<&Expression> = f.args.iter().collect();
        return match args.as_slice() {
            [t] => Ok((parse(t, true, constant)?, true, None)),
            [t, d] => {
                let ty = parse(t, true, constant)?;
                let default = constant(d).map_err(|m| format!("optional() default: {m}"))?;
                let default = ty.convert(default).map_err(|m| format!("optional() default: {m}"))?;
                Ok((ty, true, Some(default)))
            }
            _ => Err("`optional(...)` takes a type and an optional default".into()),
        };
    }
    Ok((parse(e, true, constant)?, false, None))
}

fn at(path: &str) -> String {
    if path.is_empty() { String::new() } else { format!("{path}: ") }
}

fn convert(v: Value, ty: &TypeConstraint, path: &str) -> Result<Value, String> {
    let (v, sensitive) = v.into_unmarked();
    if matches!(v, Value::Null | Value::Unknown) || *ty == TypeConstraint::Any {
        return Ok(v.mark_if(sensitive));
    }
    let mismatch = |v: &Value| Err(format!("{}{} required, but got {}", at(path), ty.describe(), v.type_name()));
    let out = match ty {
        TypeConstraint::Any => v,
        TypeConstraint::String => match v {
            Value::String(_) => v,
            Value::Number(n) => Value::String(provision_core::value::format_number(n)),
            Value::Bool(b) => Value::String(b.to_string()),
            other => return mismatch(&other),
        },
        TypeConstraint::Number => match &v {
            Value::Number(_) => v,
            Value::String(s) => match s.trim().parse::<f64>() {
                Ok(n) if !s.trim().is_empty() => Value::Number(n),
                _ => {
                    return Err(format!("{}number required, but \"{s}\" is not a number", at(path)));
                }
            },
            other => return mismatch(other),
        },
        TypeConstraint::Bool => match &v {
            Value::Bool(_) => v,
            Value::String(s) if s == "true" => Value::Bool(true),
            Value::String(s) if s == "false" => Value::Bool(false),
            Value::String(s) => {
                return Err(format!("{}bool required, but \"{s}\" is not true or false", at(path)));
            }
            other => return mismatch(other),
        },
        TypeConstraint::List(t) | TypeConstraint::Set(t) => {
            let items = match v {
                Value::List(items) | Value::Set(items) => items,
                other => return mismatch(&other),
            };
            let items = items
                .into_iter()
                .enumerate()
                .map(|(i, item)| convert(item, t, &format!("{path}[{i}]")))
                .collect::<Result<Vec<_>, _>>()?;
            if matches!(ty, TypeConstraint::Set(_)) {
                if items.iter().any(|i| !i.is_wholly_known()) {
                    // A set with unknown members cannot be ordered yet.
                    Value::Unknown
                } else {
                    Value::set(items)
                }
            } else {
                Value::List(items)
            }
        }
        TypeConstraint::Tuple(ts) => {
            let items = match v {
                Value::List(items) | Value::Set(items) => items,
                other => return mismatch(&other),
            };
            if items.len() != ts.len() {
                return Err(format!("{}tuple of {} elements required, but got {}", at(path), ts.len(), items.len()));
            }
            Value::List(
                items
                    .into_iter()
                    .zip(ts)
                    .enumerate()
                    .map(|(i, (item, t))| convert(item, t, &format!("{path}[{i}]")))
                    .collect::<Result<_, _>>()?,
            )
        }
        TypeConstraint::Map(t) => {
            let m = match v {
                Value::Map(m) => m,
                other => return mismatch(&other),
            };
            Value::Map(
                m.into_iter()
                    .map(|(k, item)| {
                        let p = format!("{path}[\"{k}\"]");
                        convert(item, t, &p).map(|c| (k, c))
                    })
                    .collect::<Result<_, _>>()?,
            )
        }
        TypeConstraint::Object(attrs) => {
            let mut m = match v {
                Value::Map(m) => m,
                other => return mismatch(&other),
            };
            let mut out = BTreeMap::new();
            for a in attrs {
                let p = if path.is_empty() { a.name.clone() } else { format!("{path}.{}", a.name) };
                match m.remove(&a.name) {
                    Some(Value::Null) | None if a.optional => {
                        let d = a.default.clone().unwrap_or(Value::Null);
                        out.insert(a.name.clone(), d);
                    }
                    None => {
                        return Err(format!("{}attribute \"{}\" is required", at(path), a.name));
                    }
                    Some(item) => {
                        out.insert(a.name.clone(), convert(item, &a.ty, &p)?);
                    }
                }
            }
            Value::Map(out)
        }
    };
    Ok(out.mark_if(sensitive))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(src: &str) -> TypeConstraint {
        let ast = hcl_edit::parser::parse_expr(src).expect("parses");
        // The defaults of these tests are numbers: evaluation proper is a higher layer.
        let number = |e: &Expression| match e {
            Expression::Number(n) => n.value().as_f64().map(Value::Number).ok_or_else(|| "not a number".to_string()),
            _ => Err("not a number literal".to_string()),
        };
        TypeConstraint::parse_with(&ast, None, &number).expect("valid type")
    }

    #[test]
    fn parses_and_describes() {
        for t in
            ["string", "list(string)", "map(number)", "object({a = string, b = list(bool)})", "tuple([string, number])"]
        {
            assert_eq!(ty(t).describe(), t);
        }
    }

    #[test]
    fn converts_like_terraform() {
        assert_eq!(ty("number").convert("42".into()), Ok(Value::Number(42.0)));
        assert_eq!(ty("string").convert(Value::Number(3.0)), Ok("3".into()));
        assert!(ty("number").convert("abc".into()).is_err());
        let obj = ty(r#"object({name = string, size = optional(number, 2)})"#);
        let v = Value::Map([("name".to_string(), "x".into())].into());
        let got = obj.convert(v).expect("converts");
        assert_eq!(got.as_map().and_then(|m| m.get("size")), Some(&Value::Number(2.0)));
        let err = obj.convert(Value::Map(Default::default())).expect_err("name is required");
        assert_eq!(err, "attribute \"name\" is required");
        let err = ty("list(number)").convert(Value::List(vec!["1".into(), "x".into()])).expect_err("bad element");
        assert_eq!(err, "[1]: number required, but \"x\" is not a number");
    }
}
