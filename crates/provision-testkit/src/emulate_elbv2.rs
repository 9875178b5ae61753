//! ELBv2 behaviours of real AWS that moto 5.2.5 does not show, emulated in the fault proxy: a
//! target group that stays "in use" for a while after the listener or rule forwarding to it is
//! gone (`DeleteTargetGroup` answers `ResourceInUse`), and the network interfaces of a deleted
//! load balancer that linger for a while (`DescribeNetworkInterfaces` by their description
//! `ELB app/<name>/<id>` still lists them, and `DeleteSecurityGroup` / `DeleteSubnet` answer
//! `DependencyViolation` meanwhile). moto deletes both at once.
//!
//! ```no_run
//! use provision_testkit::emulate_elbv2::Elbv2Traps;
//! use provision_testkit::faults::{FaultProxy, Rules};
//! use std::sync::Arc;
//! use std::time::Duration;
//! # let proxy = FaultProxy::start("http://127.0.0.1:5000");
//! let traps = Arc::new(Elbv2Traps::new(3, Duration::from_secs(4)));
//! proxy.set_rules(Rules::default().emulate(traps.clone()));
//! // ... destroy through the proxy ...
//! assert_eq!(traps.counts().target_group_in_use, 3);
//! ```

use crate::faults::{EmulatedRequest, EmulatedResponse, Emulator};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What the emulation answered, for a test's assertions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrapCounts {
    /// `DeleteTargetGroup` calls answered `ResourceInUse`.
    pub target_group_in_use: u32,
    /// `DescribeNetworkInterfaces` answers that showed a lingering interface.
    pub lingering_interfaces_shown: u32,
    /// `DeleteSecurityGroup` / `DeleteSubnet` calls answered `DependencyViolation`.
    pub dependency_violations: u32,
    /// Load balancers deleted while the emulation watched.
    pub load_balancers_deleted: u32,
}

#[derive(Debug, Default)]
struct State {
    /// `ResourceInUse` answers left per target group ARN (absent: the full count).
    in_use_left: HashMap<String, u32>,
    /// The interfaces of deleted load balancers: description suffix (`app/<name>/<id>`) and the
    /// moment they go.
    lingering: Vec<(String, Instant)>,
    counts: TrapCounts,
}

/// The emulation; share it with the proxy through an `Arc` and read [`Elbv2Traps::counts`].
#[derive(Debug)]
pub struct Elbv2Traps {
    in_use_answers: u32,
    linger: Duration,
    state: Mutex<State>,
}

impl Elbv2Traps {
    /// Each target group's first `in_use_answers` deletes answer `ResourceInUse`; a deleted load
    /// balancer's interfaces linger for `linger`.
    pub fn new(in_use_answers: u32, linger: Duration) -> Elbv2Traps {
        Elbv2Traps { in_use_answers, linger, state: Mutex::new(State::default()) }
    }

    pub fn counts(&self) -> TrapCounts {
        self.lock().counts.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// `app/web/123` from `arn:aws:elasticloadbalancing:r:a:loadbalancer/app/web/123`.
fn suffix(arn: &str) -> String {
    arn.split_once(":loadbalancer/").map_or(arn, |(_, s)| s).to_string()
}

/// The value of the `description` filter of a `DescribeNetworkInterfaces` request, if any.
fn description_filter(r: &EmulatedRequest<'_>) -> Option<String> {
    let name_key = r
        .params
        .iter()
        .find(|(k, v)| k.starts_with("Filter.") && k.ends_with(".Name") && v == "description")
        .map(|(k, _)| k.trim_end_matches(".Name").to_string())?;
    r.param(&format!("{name_key}.Value.1")).map(str::to_string)
}

fn interfaces_xml(description: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DescribeNetworkInterfacesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\
         <requestId>emulated</requestId><networkInterfaceSet><item><networkInterfaceId>eni-0emulated0lingering</networkInterfaceId>\
         <description>{description}</description><status>in-use</status><interfaceType>interface</interfaceType>\
         <requesterManaged>true</requesterManaged></item></networkInterfaceSet></DescribeNetworkInterfacesResponse>"
    )
}

impl Emulator for Elbv2Traps {
    fn answer(&self, r: &EmulatedRequest<'_>) -> Option<EmulatedResponse> {
        let now = Instant::now();
        match (r.service, r.operation) {
            ("elasticloadbalancing", "DeleteTargetGroup") => {
                let arn = r.param("TargetGroupArn")?.to_string();
                let mut s = self.lock();
                let left = s.in_use_left.entry(arn.clone()).or_insert(self.in_use_answers);
                if *left == 0 {
                    return None;
                }
                *left -= 1;
                s.counts.target_group_in_use += 1;
                Some(r.error(
                    400,
                    "ResourceInUse",
                    &format!("Target group '{arn}' is currently in use by a listener or a rule"),
                ))
            }
            ("ec2", "DescribeNetworkInterfaces") => {
                let wanted = description_filter(r)?;
                let mut s = self.lock();
                s.lingering.retain(|(_, until)| *until > now);
                let hit = s.lingering.iter().any(|(suffix, _)| wanted == format!("ELB {suffix}"));
                if !hit {
                    return None;
                }
                s.counts.lingering_interfaces_shown += 1;
                Some(EmulatedResponse::ok("text/xml;charset=UTF-8", interfaces_xml(&wanted)))
            }
            ("ec2", "DeleteSecurityGroup" | "DeleteSubnet") => {
                let mut s = self.lock();
                s.lingering.retain(|(_, until)| *until > now);
                let (_, until) = s.lingering.first()?.clone();
                s.counts.dependency_violations += 1;
                let left = until.saturating_duration_since(now).as_secs();
                Some(r.error(
                    400,
                    "DependencyViolation",
                    &format!(
                        "resource has a dependent object (network interface eni-0emulated0lingering, for {left}s more)"
                    ),
                ))
            }
            _ => None,
        }
    }

    fn rewrite(&self, r: &EmulatedRequest<'_>, status: u16, _body: &[u8]) -> Option<EmulatedResponse> {
        if (r.service, r.operation, status) == ("elasticloadbalancing", "DeleteLoadBalancer", 200)
            && let Some(arn) = r.param("LoadBalancerArn")
        {
            let mut s = self.lock();
            s.lingering.push((suffix(arn), Instant::now() + self.linger));
            s.counts.load_balancers_deleted += 1;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_and_answers() {
        assert_eq!(suffix("arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/web/50dc"), "app/web/50dc");
        assert!(interfaces_xml("ELB app/web/50dc").contains("<description>ELB app/web/50dc</description>"));
        let t = Elbv2Traps::new(2, Duration::from_secs(1));
        assert_eq!(t.counts(), TrapCounts::default());
    }
}
