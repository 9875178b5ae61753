//! The action blocks listeners (`default_action`) and rules (`action`) share: forward (to one
//! target group, or weighted to several), redirect and fixed-response. Converted to the SDK's
//! `Action` for create and modify calls, and read back in the shape the configuration writes:
//! what AWS fills in that the configuration left unset (an `order`, a redirect's `#{host}`, a
//! weight of 1) reads as unset, so an unchanged configuration plans no change.

use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, FixedResponseActionConfig, ForwardActionConfig, RedirectActionConfig,
    RedirectActionStatusCodeEnum, TargetGroupStickinessConfig, TargetGroupTuple,
};
use provision_core::{AttributeSchema, BlockSchema, Nesting, ProviderError, ProviderErrorKind, Schema, Type, Value};
use std::collections::BTreeMap;

type Obj = BTreeMap<String, Value>;

/// The schema of one action block.
pub(crate) fn schema() -> Schema {
    let target_group = Schema::new("A target group of a weighted forward.")
        .attr(AttributeSchema::required("arn", Type::String).describe("The target group's ARN."))
        .attr(
            AttributeSchema::optional("weight", Type::Number)
                .describe("Its share of requests, 0 to 999 (AWS's default: 1)."),
        );
    let stickiness = Schema::new("Stickiness across the weighted target groups.")
        .attr(AttributeSchema::required("duration", Type::Number).describe("Seconds, 1 to 604800."))
        .attr(
            AttributeSchema::optional("enabled", Type::Bool)
                .describe("Whether requests stick to one target group (default false)."),
        );
    let forward = Schema::new("Forward to one or more target groups, weighted.")
        .block(BlockSchema::new("target_group", Nesting::Set, target_group, "One to five target groups."))
        .block(BlockSchema::new("stickiness", Nesting::List, stickiness, "At most one."));
    let redirect = Schema::new("Redirect the request.")
        .attr(AttributeSchema::optional("host", Type::String).describe("The host (default `#{host}`, unchanged)."))
        .attr(AttributeSchema::optional("path", Type::String).describe("The path (default `/#{path}`)."))
        .attr(AttributeSchema::optional("port", Type::String).describe("The port (default `#{port}`)."))
        .attr(
            AttributeSchema::optional("protocol", Type::String)
                .describe("`HTTP`, `HTTPS` or `#{protocol}` (the default)."),
        )
        .attr(AttributeSchema::optional("query", Type::String).describe("The query (default `#{query}`)."))
        .attr(AttributeSchema::required("status_code", Type::String).describe("`HTTP_301` or `HTTP_302`."));
    let fixed = Schema::new("Answer with a fixed response.")
        .attr(
            AttributeSchema::required("content_type", Type::String)
                .describe("`text/plain`, `text/css`, `text/html`, `application/javascript` or `application/json`."),
        )
        .attr(AttributeSchema::optional("message_body", Type::String).describe("The body."))
        .attr(
            AttributeSchema::optional("status_code", Type::String)
                .describe("The HTTP status, 2XX, 4XX or 5XX (default 200)."),
        );
    Schema::new("An action.")
        .attr(AttributeSchema::required("type", Type::String).describe("`forward`, `redirect` or `fixed-response`."))
        .attr(
            AttributeSchema::optional("order", Type::Number)
                .describe("The order actions run in (1 to 50000). When unset, the order they are written in."),
        )
        .attr(
            AttributeSchema::optional("target_group_arn", Type::String)
                .describe("For `forward` to one target group. Use a `forward` block for several, weighted."),
        )
        .block(BlockSchema::new("forward", Nesting::List, forward, "At most one: a weighted forward."))
        .block(BlockSchema::new("redirect", Nesting::List, redirect, "At most one: for `redirect`."))
        .block(BlockSchema::new("fixed_response", Nesting::List, fixed, "At most one: for `fixed-response`."))
}

fn first<'a>(m: &'a Obj, k: &str) -> Option<&'a Obj> {
    m.get(k).and_then(Value::as_seq).and_then(|s| s.first()).and_then(Value::as_map)
}

fn text<'a>(m: &'a Obj, k: &str) -> Option<&'a str> {
    m.get(k).and_then(Value::as_str)
}

fn num(m: &Obj, k: &str) -> Option<i32> {
    m.get(k).and_then(Value::as_number).map(|n| n as i32)
}

fn invalid(what: &str, m: String) -> ProviderError {
    ProviderError::new(ProviderErrorKind::Invalid, format!("{what}: {m}"))
}

/// The configured action blocks as SDK actions, in order. `what` names the object for messages.
pub(crate) fn to_sdk(what: &str, v: Option<&Value>) -> Result<Vec<Action>, ProviderError> {
    let items = v.and_then(Value::as_seq).unwrap_or_default();
    if items.is_empty() {
        return Err(invalid(what, "at least one action block is required".into()));
    }
    let mut out = vec![];
    for (i, item) in items.iter().enumerate() {
        let Some(m) = item.as_map() else { continue };
        let kind = text(m, "type").unwrap_or_default();
        let mut a = Action::builder().r#type(ActionTypeEnum::from(kind)).order(num(m, "order").unwrap_or(i as i32 + 1));
        match kind {
            "forward" => {
                if let Some(arn) = text(m, "target_group_arn") {
                    a = a.target_group_arn(arn);
                } else if let Some(f) = first(m, "forward") {
                    let mut cfg = ForwardActionConfig::builder();
                    for tg in f.get("target_group").and_then(Value::as_seq).unwrap_or_default() {
                        let Some(tg) = tg.as_map() else { continue };
                        cfg = cfg.target_groups(
                            TargetGroupTuple::builder()
                                .set_target_group_arn(text(tg, "arn").map(str::to_string))
                                .set_weight(num(tg, "weight"))
                                .build(),
                        );
                    }
                    if let Some(st) = first(f, "stickiness") {
                        cfg = cfg.target_group_stickiness_config(
                            TargetGroupStickinessConfig::builder()
                                .enabled(st.get("enabled").and_then(Value::as_bool).unwrap_or(false))
                                .set_duration_seconds(num(st, "duration"))
                                .build(),
                        );
                    }
                    a = a.forward_config(cfg.build());
                } else {
                    return Err(invalid(what, "a forward action needs `target_group_arn` or a `forward` block".into()));
                }
            }
            "redirect" => {
                let Some(r) = first(m, "redirect") else {
                    return Err(invalid(what, "a redirect action needs a `redirect` block".into()));
                };
                a = a.redirect_config(
                    RedirectActionConfig::builder()
                        .set_host(text(r, "host").map(str::to_string))
                        .set_path(text(r, "path").map(str::to_string))
                        .set_port(text(r, "port").map(str::to_string))
                        .set_protocol(text(r, "protocol").map(str::to_string))
                        .set_query(text(r, "query").map(str::to_string))
                        .status_code(RedirectActionStatusCodeEnum::from(text(r, "status_code").unwrap_or("HTTP_301")))
                        .build(),
                );
            }
            "fixed-response" => {
                let Some(r) = first(m, "fixed_response") else {
                    return Err(invalid(what, "a fixed-response action needs a `fixed_response` block".into()));
                };
                a = a.fixed_response_config(
                    FixedResponseActionConfig::builder()
                        .set_content_type(text(r, "content_type").map(str::to_string))
                        .set_message_body(text(r, "message_body").map(str::to_string))
                        .status_code(text(r, "status_code").unwrap_or("200"))
                        .build(),
                );
            }
            other => {
                return Err(invalid(
                    what,
                    format!("action type {other:?} is not supported: \"forward\", \"redirect\" or \"fixed-response\""),
                ));
            }
        }
        out.push(a.build());
    }
    Ok(out)
}

/// `read` unless the configuration left it unset (`prior` null) and AWS reports its default.
fn unless_default(prior: Option<&Value>, read: Value, default: &Value) -> Value {
    match prior {
        Some(Value::Null) | None if read.same_as(default) || read.is_null() => Value::Null,
        _ => read,
    }
}

fn sv(v: Option<&str>) -> Value {
    v.map_or(Value::Null, |x| Value::String(x.into()))
}

fn obj(pairs: Vec<(&str, Value)>) -> Value {
    Value::Map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// Action blocks as a Terraform state records them, for `attributes_from_terraform`: Terraform
/// writes down AWS's defaults (each action's `order` by position, a redirect's `#{host}`,
/// `/#{path}`, `#{port}`, `#{protocol}`, `#{query}`), which [`from_sdk`] would take as
/// configured; they are unset here, as a configuration that leaves them out records them.
pub(crate) fn from_terraform(actions: Option<&Value>) -> Option<Value> {
    let items = actions?.as_seq()?;
    let defaults = [
        ("host", "#{host}"),
        ("path", "/#{path}"),
        ("port", "#{port}"),
        ("protocol", "#{protocol}"),
        ("query", "#{query}"),
    ];
    let out = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let Some(m) = item.as_map() else { return item.clone() };
            let mut m = m.clone();
            if m.get("order").and_then(Value::as_number) == Some((i + 1) as f64) {
                m.insert("order".into(), Value::Null);
            }
            if let Some(redirects) = m.get("redirect").and_then(Value::as_seq) {
                let redirects = redirects
                    .iter()
                    .map(|r| match r.as_map() {
                        Some(r) => Value::Map(
                            r.iter()
                                .map(|(k, v)| {
                                    let default = defaults.iter().any(|(dk, dv)| dk == k && v.as_str() == Some(dv));
                                    (k.clone(), if default { Value::Null } else { v.clone() })
                                })
                                .collect(),
                        ),
                        None => r.clone(),
                    })
                    .collect();
                m.insert("redirect".into(), Value::List(redirects));
            }
            Value::Map(m)
        })
        .collect();
    Some(Value::List(out))
}

/// The actions AWS reports, as action blocks, in order; `prior` (the blocks as last recorded or
/// configured) says which of AWS's defaults were left unset, and whether a one-target forward
/// was written with `target_group_arn` or a `forward` block.
pub(crate) fn from_sdk(actions: &[Action], prior: Option<&Value>) -> Value {
    let mut actions: Vec<&Action> = actions.iter().collect();
    actions.sort_by_key(|a| a.order().unwrap_or(i32::MAX));
    let prior_items = prior.and_then(Value::as_seq).unwrap_or_default();
    let mut out = vec![];
    for (i, a) in actions.iter().enumerate() {
        let p = prior_items.get(i).and_then(Value::as_map);
        let pget = |k: &str| p.map(|m| m.get(k).unwrap_or(&Value::Null));
        let kind = a.r#type().map_or("forward", |t| t.as_str());
        let order = a.order().map_or(Value::Null, |o| Value::Number(o.into()));
        let order = match pget("order") {
            Some(Value::Null) => Value::Null,
            _ => order,
        };
        let (mut target_group_arn, mut forward, mut redirect, mut fixed) = (Value::Null, vec![], vec![], vec![]);
        match kind {
            "forward" => {
                let tuples: Vec<(String, Option<i32>)> = match a.forward_config() {
                    Some(f) if !f.target_groups().is_empty() => f
                        .target_groups()
                        .iter()
                        .filter_map(|t| Some((t.target_group_arn()?.to_string(), t.weight())))
                        .collect(),
                    _ => a.target_group_arn().map(|t| vec![(t.to_string(), None)]).unwrap_or_default(),
                };
                let sticky = a.forward_config().and_then(|f| f.target_group_stickiness_config());
                let sticky_on = sticky.and_then(|s| s.enabled()).unwrap_or(false);
                let prior_forward = p.and_then(|m| first(m, "forward"));
                let single = match p {
                    Some(m) => text(m, "target_group_arn").is_some(),
                    None => tuples.len() == 1 && !sticky_on,
                };
                if single && tuples.len() == 1 {
                    target_group_arn = Value::String(a.target_group_arn().unwrap_or(&tuples[0].0).to_string());
                } else {
                    let prior_tgs: Vec<&Obj> = prior_forward
                        .and_then(|f| f.get("target_group"))
                        .and_then(Value::as_seq)
                        .unwrap_or_default()
                        .iter()
                        .filter_map(Value::as_map)
                        .collect();
                    let groups = tuples
                        .iter()
                        .map(|(arn, weight)| {
                            let prior_weight = prior_tgs
                                .iter()
                                .find(|t| text(t, "arn") == Some(arn))
                                .map(|t| t.get("weight").unwrap_or(&Value::Null));
                            let w = weight.map_or(Value::Null, |w| Value::Number(w.into()));
                            obj(vec![
                                ("arn", Value::String(arn.clone())),
                                ("weight", unless_default(prior_weight.or(Some(&Value::Null)), w, &Value::Number(1.0))),
                            ])
                        })
                        .collect();
                    let prior_sticky = prior_forward.and_then(|f| first(f, "stickiness"));
                    let stickiness = match sticky {
                        Some(st) if sticky_on || prior_sticky.is_some() => vec![obj(vec![
                            ("duration", st.duration_seconds().map_or(Value::Null, |d| Value::Number(d.into()))),
                            (
                                "enabled",
                                unless_default(
                                    prior_sticky.map(|s| s.get("enabled").unwrap_or(&Value::Null)),
                                    Value::Bool(sticky_on),
                                    &Value::Bool(false),
                                ),
                            ),
                        ])],
                        _ => vec![],
                    };
                    forward =
                        vec![obj(vec![("target_group", Value::set(groups)), ("stickiness", Value::List(stickiness))])];
                }
            }
            "redirect" => {
                let r = a.redirect_config();
                let pr = p.and_then(|m| first(m, "redirect"));
                let field = |k: &str, v: Option<&str>, default: &str| {
                    unless_default(pr.map(|m| m.get(k).unwrap_or(&Value::Null)), sv(v), &Value::String(default.into()))
                };
                redirect = vec![obj(vec![
                    ("host", field("host", r.and_then(|r| r.host()), "#{host}")),
                    ("path", field("path", r.and_then(|r| r.path()), "/#{path}")),
                    ("port", field("port", r.and_then(|r| r.port()), "#{port}")),
                    ("protocol", field("protocol", r.and_then(|r| r.protocol()), "#{protocol}")),
                    ("query", field("query", r.and_then(|r| r.query()), "#{query}")),
                    ("status_code", sv(r.and_then(|r| r.status_code()).map(|c| c.as_str()))),
                ])];
            }
            "fixed-response" => {
                let r = a.fixed_response_config();
                let pr = p.and_then(|m| first(m, "fixed_response"));
                let pf = |k: &str| pr.map(|m| m.get(k).unwrap_or(&Value::Null));
                fixed = vec![obj(vec![
                    ("content_type", sv(r.and_then(|r| r.content_type()))),
                    (
                        "message_body",
                        unless_default(
                            pf("message_body"),
                            sv(r.and_then(|r| r.message_body())),
                            &Value::String(String::new()),
                        ),
                    ),
                    (
                        "status_code",
                        unless_default(
                            pf("status_code"),
                            sv(r.and_then(|r| r.status_code())),
                            &Value::String("200".into()),
                        ),
                    ),
                ])];
            }
            _ => {}
        }
        if kind != "forward" {
            target_group_arn = Value::Null;
        }
        out.push(obj(vec![
            ("type", Value::String(kind.into())),
            ("order", order),
            ("target_group_arn", target_group_arn),
            ("forward", Value::List(forward)),
            ("redirect", Value::List(redirect)),
            ("fixed_response", Value::List(fixed)),
        ]));
    }
    Value::List(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(pairs: Vec<(&str, Value)>) -> Value {
        obj(pairs)
    }

    #[test]
    fn terraforms_recorded_defaults_read_as_unset() {
        let recorded = Value::List(vec![block(vec![
            ("type", "redirect".into()),
            ("order", Value::Number(1.0)),
            ("target_group_arn", "".into()),
            ("forward", Value::List(vec![])),
            (
                "redirect",
                Value::List(vec![block(vec![
                    ("host", "#{host}".into()),
                    ("path", "/#{path}".into()),
                    ("port", "443".into()),
                    ("protocol", "HTTPS".into()),
                    ("query", "#{query}".into()),
                    ("status_code", "HTTP_301".into()),
                ])]),
            ),
            ("fixed_response", Value::List(vec![])),
        ])]);
        let prior = from_terraform(Some(&recorded)).expect("actions");
        // AWS reports its defaults, as Terraform recorded them.
        let aws = aws_redirect();
        let read = from_sdk(std::slice::from_ref(&aws), Some(&prior));
        assert!(read.same_as(&redirect_config()), "as a configuration leaving the defaults out: {read:?}");
        assert!(!from_sdk(&[aws], Some(&recorded)).same_as(&redirect_config()), "Terraform's record as it is differs");
        let mut second = recorded.as_seq().map(<[Value]>::to_vec).expect("list");
        second.push(second[0].clone());
        let prior = from_terraform(Some(&Value::List(second))).expect("actions");
        let orders: Vec<Value> =
            prior.as_seq().expect("list").iter().filter_map(|a| a.as_map().map(|m| m["order"].clone())).collect();
        assert_eq!(orders, vec![Value::Null, Value::Number(1.0)], "an order that is not the position is kept");
    }

    /// `redirect_config()` as AWS reports it: the placeholders the configuration left out filled
    /// in, and the action's order.
    fn aws_redirect() -> Action {
        Action::builder()
            .r#type(ActionTypeEnum::Redirect)
            .order(1)
            .redirect_config(
                RedirectActionConfig::builder()
                    .host("#{host}")
                    .path("/#{path}")
                    .port("443")
                    .protocol("HTTPS")
                    .query("#{query}")
                    .status_code(RedirectActionStatusCodeEnum::Http301)
                    .build(),
            )
            .build()
    }

    fn redirect_config() -> Value {
        Value::List(vec![block(vec![
            ("type", "redirect".into()),
            ("order", Value::Null),
            ("target_group_arn", Value::Null),
            ("forward", Value::List(vec![])),
            (
                "redirect",
                Value::List(vec![block(vec![
                    ("host", Value::Null),
                    ("path", Value::Null),
                    ("port", "443".into()),
                    ("protocol", "HTTPS".into()),
                    ("query", Value::Null),
                    ("status_code", "HTTP_301".into()),
                ])]),
            ),
            ("fixed_response", Value::List(vec![])),
        ])])
    }

    #[test]
    fn a_redirect_reads_back_as_written() {
        let config = redirect_config();
        let sdk = to_sdk("listener", Some(&config)).expect("valid");
        assert_eq!(sdk[0].order(), Some(1));
        // AWS fills in the placeholders the configuration left out.
        let aws = aws_redirect();
        assert!(from_sdk(&[aws], Some(&config)).same_as(&config));
    }

    #[test]
    fn a_weighted_forward_reads_back_as_written() {
        let tg = |arn: &str, w: Value| block(vec![("arn", arn.into()), ("weight", w)]);
        let config = Value::List(vec![block(vec![
            ("type", "forward".into()),
            ("order", Value::Null),
            ("target_group_arn", Value::Null),
            (
                "forward",
                Value::List(vec![block(vec![
                    ("target_group", Value::set(vec![tg("blue", Value::Number(90.0)), tg("green", Value::Null)])),
                    ("stickiness", Value::List(vec![])),
                ])]),
            ),
            ("redirect", Value::List(vec![])),
            ("fixed_response", Value::List(vec![])),
        ])]);
        let aws = Action::builder()
            .r#type(ActionTypeEnum::Forward)
            .order(1)
            .forward_config(
                ForwardActionConfig::builder()
                    .target_groups(TargetGroupTuple::builder().target_group_arn("blue").weight(90).build())
                    .target_groups(TargetGroupTuple::builder().target_group_arn("green").weight(1).build())
                    .target_group_stickiness_config(TargetGroupStickinessConfig::builder().enabled(false).build())
                    .build(),
            )
            .build();
        let read = from_sdk(&[aws], Some(&config));
        assert!(read.same_as(&config), "{read:?}");
        // Without a prior, one target group reads as `target_group_arn`.
        let one = Action::builder()
            .r#type(ActionTypeEnum::Forward)
            .order(1)
            .target_group_arn("blue")
            .forward_config(
                ForwardActionConfig::builder()
                    .target_groups(TargetGroupTuple::builder().target_group_arn("blue").weight(1).build())
                    .build(),
            )
            .build();
        let read = from_sdk(&[one], None);
        let first = read.as_seq().and_then(|s| s.first()).and_then(Value::as_map).expect("one action");
        assert_eq!(first.get("target_group_arn"), Some(&Value::from("blue")));
    }

    #[test]
    fn a_missing_block_is_refused() {
        let v = Value::List(vec![block(vec![("type", "redirect".into())])]);
        assert!(to_sdk("rule", Some(&v)).expect_err("refused").message.contains("needs a `redirect` block"));
        assert!(to_sdk("rule", Some(&Value::List(vec![]))).is_err());
    }
}
