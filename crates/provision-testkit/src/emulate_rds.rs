//! RDS behaviours moto 5.2.5 does not have, emulated in the fault proxy (see
//! [`crate::faults::Emulator`]):
//!
//! * **Slow statuses.** moto creates, modifies and deletes DB instances at once. With
//!   [`RdsEmulator::creating`], [`RdsEmulator::modifying`] and [`RdsEmulator::deleting`] set to K, an
//!   instance shows `creating` (after `CreateDBInstance`), `modifying` (after `ModifyDBInstance`) or
//!   `deleting` (after `DeleteDBInstance`, re-inserting the last answer seen for it once moto has
//!   dropped it) in its next K `DescribeDBInstances` answers.
//! * **Queued changes.** moto applies `ModifyDBInstance` at once even with `ApplyImmediately=false`.
//!   With [`RdsEmulator::queue_without_apply_immediately`], an instance class changed without
//!   `ApplyImmediately=true` is reported as AWS does until the maintenance window: the old class, and
//!   the new one under `PendingModifiedValues`.
//! * **`ModifyDBSubnetGroup`.** moto's deletes the group (moto-coverage: "modify_db_subnet_group
//!   deletes the group"). The emulator answers it itself and shows the new description and subnets in
//!   later `DescribeDBSubnetGroups` answers.
//!
//! Every request the emulator changed or answered is counted ([`RdsEmulator::seen`]).

use crate::faults::{EmulatedRequest, EmulatedResponse, Emulator};
use std::collections::BTreeMap;
use std::sync::Mutex;

#[derive(Debug, Default)]
struct Phase {
    status: &'static str,
    left: u32,
}

#[derive(Debug, Default)]
struct Inner {
    /// Instance identifier → the status it shows for its next answers.
    phases: BTreeMap<String, Phase>,
    /// Instance identifier → the last `<DBInstance>` element seen for it.
    last: BTreeMap<String, String>,
    /// Instance identifier → (class shown, class queued).
    queued: BTreeMap<String, (String, String)>,
    /// Subnet group name → (description, subnet ids) set by an emulated modify.
    subnet_groups: BTreeMap<String, (String, Vec<String>)>,
    /// Emulated answers and rewrites, by what: `creating`, `modifying`, `deleting`, `queued`,
    /// `ModifyDBSubnetGroup`.
    seen: BTreeMap<String, u32>,
}

/// The RDS emulation; see the module documentation.
#[derive(Debug, Default)]
pub struct RdsEmulator {
    pub creating: u32,
    pub modifying: u32,
    pub deleting: u32,
    pub queue_without_apply_immediately: bool,
    inner: Mutex<Inner>,
}

const NS: &str = "http://rds.amazonaws.com/doc/2014-10-31/";

impl RdsEmulator {
    /// Statuses that last K answers each; no queuing.
    pub fn slow(creating: u32, modifying: u32, deleting: u32) -> RdsEmulator {
        RdsEmulator { creating, modifying, deleting, ..RdsEmulator::default() }
    }

    /// Also queues instance class changes made without `ApplyImmediately=true`.
    pub fn queuing(mut self) -> RdsEmulator {
        self.queue_without_apply_immediately = true;
        self
    }

    /// How many answers showed `what` (`creating`, `modifying`, `deleting`, `queued`,
    /// `ModifyDBSubnetGroup`).
    pub fn seen(&self, what: &str) -> u32 {
        self.lock().seen.get(what).copied().unwrap_or(0)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The text between `<tag>` and `</tag>` in `s`, first occurrence.
fn element<'a>(s: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = s.find(&open)? + open.len();
    let end = s[start..].find(&format!("</{tag}>"))? + start;
    Some(&s[start..end])
}

/// `s` with the text of the first `<tag>` element replaced.
fn replace_element(s: &str, tag: &str, value: &str) -> String {
    let open = format!("<{tag}>");
    let (Some(start), close) = (s.find(&open), format!("</{tag}>")) else { return s.to_string() };
    let start = start + open.len();
    match s[start..].find(&close) {
        Some(end) => format!("{}{value}{}", &s[..start], &s[start + end..]),
        None => s.to_string(),
    }
}

/// Every `<tag>...</tag>` element of `s`, with its position.
fn elements(s: &str, tag: &str) -> Vec<(usize, usize)> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = vec![];
    let mut from = 0;
    while let Some(i) = s[from..].find(&open) {
        let start = from + i;
        let Some(j) = s[start..].find(&close) else { break };
        let end = start + j + close.len();
        out.push((start, end));
        from = end;
    }
    out
}

/// The values of a list parameter (`SubnetIds.SubnetIdentifier.1`, `.2`, ...).
fn list_param(request: &EmulatedRequest<'_>, prefix: &str) -> Vec<String> {
    let mut items: Vec<(u32, String)> = request
        .params
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(prefix)?.parse::<u32>().ok()?, v.clone())))
        .collect();
    items.sort();
    items.into_iter().map(|(_, v)| v).collect()
}

/// Whether a `DescribeDBInstances` request asks about instance `id` (by identifier, by a
/// `db-instance-id` filter, or by listing every instance).
fn concerns(request: &EmulatedRequest<'_>, id: &str) -> bool {
    if let Some(asked) = request.param("DBInstanceIdentifier") {
        return asked == id;
    }
    let filtered: Vec<&(String, String)> =
        request.params.iter().filter(|(k, _)| k.starts_with("Filters.Filter.")).collect();
    if filtered.is_empty() {
        return true;
    }
    filtered.iter().any(|(k, v)| k.contains(".Values.Value.") && v == id)
}

impl Emulator for RdsEmulator {
    fn answer(&self, request: &EmulatedRequest<'_>) -> Option<EmulatedResponse> {
        if request.service != "rds" {
            return None;
        }
        match request.operation {
            "ModifyDBSubnetGroup" => {
                let name = request.param("DBSubnetGroupName")?.to_string();
                let mut inner = self.lock();
                let description = request
                    .param("DBSubnetGroupDescription")
                    .map(str::to_string)
                    .or_else(|| inner.subnet_groups.get(&name).map(|g| g.0.clone()))
                    .unwrap_or_default();
                let subnets = list_param(request, "SubnetIds.SubnetIdentifier.");
                inner.subnet_groups.insert(name, (description, subnets));
                *inner.seen.entry("ModifyDBSubnetGroup".into()).or_default() += 1;
                let body = format!(
                    "<ModifyDBSubnetGroupResponse xmlns=\"{NS}\"><ModifyDBSubnetGroupResult></ModifyDBSubnetGroupResult><ResponseMetadata><RequestId>emulated</RequestId></ResponseMetadata></ModifyDBSubnetGroupResponse>"
                );
                Some(EmulatedResponse::ok("text/xml", body))
            }
            "DescribeDBInstances" => {
                // An instance moto already dropped, still `deleting` for a while.
                let mut inner = self.lock();
                let id = request.param("DBInstanceIdentifier")?.to_string();
                let deleting = inner.phases.get(&id).is_some_and(|p| p.status == "deleting" && p.left > 0);
                let item = inner.last.get(&id).cloned()?;
                if !deleting {
                    return None;
                }
                if let Some(p) = inner.phases.get_mut(&id) {
                    p.left -= 1;
                }
                *inner.seen.entry("deleting".into()).or_default() += 1;
                let item = replace_element(&item, "DBInstanceStatus", "deleting");
                let body = format!(
                    "<DescribeDBInstancesResponse xmlns=\"{NS}\"><DescribeDBInstancesResult><DBInstances>{item}</DBInstances></DescribeDBInstancesResult><ResponseMetadata><RequestId>emulated</RequestId></ResponseMetadata></DescribeDBInstancesResponse>"
                );
                Some(EmulatedResponse::ok("text/xml", body))
            }
            _ => None,
        }
    }

    fn rewrite(&self, request: &EmulatedRequest<'_>, status: u16, body: &[u8]) -> Option<EmulatedResponse> {
        if request.service != "rds" || status != 200 {
            return None;
        }
        let text = String::from_utf8_lossy(body).to_string();
        let mut inner = self.lock();
        match request.operation {
            "CreateDBInstance" | "RestoreDBInstanceFromDBSnapshot" => {
                let id = request.param("DBInstanceIdentifier")?.to_string();
                inner.phases.insert(id, Phase { status: "creating", left: self.creating });
                None
            }
            "ModifyDBInstance" => {
                let id = request.param("DBInstanceIdentifier")?.to_string();
                let immediately = request.param("ApplyImmediately") == Some("true");
                if self.queue_without_apply_immediately
                    && !immediately
                    && let Some(new_class) = request.param("DBInstanceClass")
                    && let Some(old) =
                        inner.last.get(&id).and_then(|i| element(i, "DBInstanceClass")).map(str::to_string)
                {
                    inner.queued.insert(id, (old, new_class.to_string()));
                    return None;
                }
                inner.phases.insert(id, Phase { status: "modifying", left: self.modifying });
                None
            }
            "DeleteDBInstance" => {
                let id = request.param("DBInstanceIdentifier")?.to_string();
                inner.phases.insert(id.clone(), Phase { status: "deleting", left: self.deleting });
                inner.queued.remove(&id);
                None
            }
            "DescribeDBInstances" => {
                let mut out = text.clone();
                // Right to left, so earlier positions stay valid.
                for (start, end) in elements(&text, "DBInstance").into_iter().rev() {
                    let item = &text[start..end];
                    let Some(id) = element(item, "DBInstanceIdentifier").map(str::to_string) else { continue };
                    let mut new = item.to_string();
                    if let Some(p) = inner.phases.get_mut(&id)
                        && p.left > 0
                    {
                        p.left -= 1;
                        let shown = p.status;
                        new = replace_element(&new, "DBInstanceStatus", shown);
                        *inner.seen.entry(shown.into()).or_default() += 1;
                    }
                    if let Some((old, queued)) = inner.queued.get(&id) {
                        new = replace_element(&new, "DBInstanceClass", old);
                        let pending = format!(
                            "<PendingModifiedValues><DBInstanceClass>{queued}</DBInstanceClass></PendingModifiedValues>"
                        );
                        new = new.replacen("</DBInstanceClass>", &format!("</DBInstanceClass>{pending}"), 1);
                        *inner.seen.entry("queued".into()).or_default() += 1;
                    }
                    inner.last.insert(id, item.to_string());
                    out.replace_range(start..end, &new);
                }
                // Instances moto dropped that are still `deleting` for this request.
                let missing: Vec<String> = inner
                    .phases
                    .iter()
                    .filter(|(id, p)| {
                        p.status == "deleting"
                            && p.left > 0
                            && !text.contains(&format!("<DBInstanceIdentifier>{id}</DBInstanceIdentifier>"))
                    })
                    .map(|(id, _)| id.clone())
                    .filter(|id| concerns(request, id))
                    .collect();
                for id in missing {
                    let Some(item) = inner.last.get(&id).cloned() else { continue };
                    if let Some(p) = inner.phases.get_mut(&id) {
                        p.left -= 1;
                    }
                    *inner.seen.entry("deleting".into()).or_default() += 1;
                    let item = replace_element(&item, "DBInstanceStatus", "deleting");
                    out = if out.contains("<DBInstances/>") {
                        out.replacen("<DBInstances/>", &format!("<DBInstances>{item}</DBInstances>"), 1)
                    } else {
                        out.replacen("</DBInstances>", &format!("{item}</DBInstances>"), 1)
                    };
                }
                (out != text).then(|| EmulatedResponse::ok("text/xml", out))
            }
            "CreateDBSubnetGroup" | "DeleteDBSubnetGroup" => {
                if let Some(name) = request.param("DBSubnetGroupName") {
                    inner.subnet_groups.remove(name);
                }
                None
            }
            "DescribeDBSubnetGroups" => {
                let mut out = text.clone();
                for (start, end) in elements(&text, "DBSubnetGroup").into_iter().rev() {
                    let item = &text[start..end];
                    let Some(name) = element(item, "DBSubnetGroupName") else { continue };
                    let Some((description, subnets)) = inner.subnet_groups.get(name) else { continue };
                    let known: BTreeMap<&str, &str> = elements(item, "Subnet")
                        .into_iter()
                        .filter_map(|(s, e)| {
                            let sub = &item[s..e];
                            Some((element(sub, "SubnetIdentifier")?, sub))
                        })
                        .collect();
                    let list: String = subnets
                        .iter()
                        .map(|id| {
                            known.get(id.as_str()).map(|s| s.to_string()).unwrap_or_else(|| {
                                format!("<Subnet><SubnetIdentifier>{id}</SubnetIdentifier><SubnetStatus>Active</SubnetStatus></Subnet>")
                            })
                        })
                        .collect();
                    let mut new = replace_element(item, "DBSubnetGroupDescription", description);
                    new = replace_element(&new, "Subnets", &list);
                    out.replace_range(start..end, &new);
                }
                (out != text).then(|| EmulatedResponse::ok("text/xml", out))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_are_found_and_replaced() {
        let s = "<A><DBInstance><DBInstanceIdentifier>a</DBInstanceIdentifier><DBInstanceStatus>available</DBInstanceStatus></DBInstance><DBInstance><DBInstanceIdentifier>b</DBInstanceIdentifier></DBInstance></A>";
        assert_eq!(elements(s, "DBInstance").len(), 2);
        assert_eq!(element(s, "DBInstanceStatus"), Some("available"));
        assert!(
            replace_element(s, "DBInstanceStatus", "creating")
                .contains("<DBInstanceStatus>creating</DBInstanceStatus>")
        );
    }
}
