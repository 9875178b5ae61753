//! `provision graph`: the stack as a picture a person reads, not the dependency graph the engine
//! walks. Blocks (not instances) are the nodes, grouped the way teams draw their architecture —
//! by VPC, then public and private subnet tier, then layer; what lives outside a VPC by module —
//! with plumbing (associations, routes, rules, attachments, bucket settings) folded into the
//! edges between what it connects. Everything is decided from the configuration's references,
//! offline. Text comes out of [`draw`]; the CLI only prints it.

pub mod draw;

use crate::Engine;
use provision_config::{Expr, InstanceCtx, ObjectId, ResourceBlock, Scope};
use provision_core::plan::{Action, Plan};
use provision_core::{Address, Layer, Mode, Value};
use std::collections::{BTreeMap, BTreeSet};

/// How many instances a block has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expansion {
    /// Neither `count` nor `for_each`.
    Single,
    /// `count`; `None` when the number is not known offline (it comes from a data source).
    Count(Option<usize>),
    /// `for_each`; `None` when the keys are not known offline.
    ForEach(Option<usize>),
}

/// What the diagram needs to know about one resource or data source block.
#[derive(Debug, Clone)]
pub struct Block {
    /// The block's address, without instance key.
    pub address: Address,
    pub layer: Layer,
    pub expansion: Expansion,
    /// The blocks this one refers to, by argument (a top-level argument, a nested block's name,
    /// `count`, `for_each`, `depends_on`); references through variables, locals and module
    /// inputs and outputs are followed to the blocks behind them.
    pub refs: BTreeMap<String, BTreeSet<Address>>,
    /// For a route table's `route` blocks and for `aws_route`: where routes to the whole internet
    /// (`0.0.0.0/0`, `::/0`, or a destination not known offline) go.
    pub default_route_targets: BTreeSet<Address>,
    /// Planned action (`--plan`), the strongest of its instances'.
    pub action: Option<Action>,
}

impl Block {
    /// Every block this one refers to.
    pub fn all_refs(&self) -> BTreeSet<&Address> {
        self.refs.values().flatten().collect()
    }

    fn refs_in(&self, arg: &str) -> impl Iterator<Item = &Address> {
        self.refs.get(arg).into_iter().flatten()
    }
}

/// What to draw.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Draw plumbing and every data source too.
    pub all: bool,
    /// Colour nodes by planned action and add a legend.
    pub plan: bool,
}

/// Resource types drawn only with `--all`: they connect or configure other objects rather than
/// being part of the architecture. Their references become edges between what they connect.
pub fn is_plumbing(type_name: &str) -> bool {
    const TYPES: &[&str] = &[
        // Networking glue: which table a subnet uses, the routes in a table, the rules of a group.
        "aws_route_table_association",
        "aws_main_route_table_association",
        "aws_route",
        "aws_security_group_rule",
        "aws_vpc_security_group_ingress_rule",
        "aws_vpc_security_group_egress_rule",
        // Permissions glue: a policy attached to a role, user or group, or inline in a role.
        "aws_iam_role_policy_attachment",
        "aws_iam_policy_attachment",
        "aws_iam_user_policy_attachment",
        "aws_iam_group_policy_attachment",
        "aws_iam_role_policy",
        // Load balancing glue: path and host rules of a listener, extra certificates, targets.
        "aws_lb_listener_rule",
        "aws_alb_listener_rule",
        "aws_lb_listener_certificate",
        "aws_lb_target_group_attachment",
        "aws_alb_target_group_attachment",
        // Settings of another object: a secret's value, a key's name, a repository's policies,
        // a certificate's validation.
        "aws_secretsmanager_secret_version",
        "aws_kms_alias",
        "aws_ecr_lifecycle_policy",
        "aws_ecr_repository_policy",
        "aws_acm_certificate_validation",
    ];
    // A bucket's settings: versioning, encryption, policy, public access block, lifecycle, ...
    type_name.starts_with("aws_s3_bucket_") || TYPES.contains(&type_name)
}

/// For a plumbing block, the argument naming the object it belongs to: its other references are
/// drawn as edges from that object (a route table association: subnet → route table).
const ANCHORS: &[&str] = &[
    "subnet_id",
    "route_table_id",
    "security_group_id",
    "role",
    "user",
    "group",
    "bucket",
    "listener_arn",
    "target_group_arn",
    "secret_id",
    "target_key_id",
    "repository",
    "certificate_arn",
];

/// Types drawn where the one thing that uses them is, having no network reference of their own.
const FOLLOW_USER: &[&str] = &["aws_eip"];

/// The object a plumbing block belongs to, if it is plumbing and names one.
fn anchor_of(b: &Block) -> Option<&Address> {
    if b.address.mode != Mode::Managed || !is_plumbing(&b.address.type_name) {
        return None;
    }
    ANCHORS.iter().find_map(|a| b.refs_in(a).next())
}

/// Types drawn where their parent is (the argument naming it), having no network reference of
/// their own.
const FOLLOW_PARENT: &[(&str, &str)] = &[("aws_rds_cluster_instance", "cluster_identifier")];

/// Data sources drawn without `--all`: an existing VPC or subnet the stack builds into.
fn is_network_data(type_name: &str) -> bool {
    matches!(type_name, "aws_vpc" | "aws_subnet")
}

/// Where a block is: the VPCs and the tiers its references lead to.
type Place = (BTreeSet<Address>, BTreeSet<Tier>);

/// Subnet tiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    Public,
    Private,
}

/// One node: a block, drawn once whatever its number of instances.
#[derive(Debug, Clone)]
pub struct Node {
    /// A valid Mermaid and DOT identifier, unique in the diagram.
    pub id: String,
    pub address: Address,
    pub expansion: Expansion,
    pub layer: Layer,
    pub action: Option<Action>,
}

impl Node {
    pub fn is_data(&self) -> bool {
        self.address.mode == Mode::Data
    }
}

/// A subgraph: a VPC, a subnet tier, a layer, a module.
#[derive(Debug, Clone, Default)]
pub struct Group {
    /// A valid Mermaid and DOT identifier, unique in the diagram.
    pub id: String,
    pub label: String,
    /// Indexes into [`Diagram::nodes`].
    pub nodes: Vec<usize>,
    pub groups: Vec<Group>,
}

/// The picture: nested groups of nodes, and edges `from → to` (from refers to to).
#[derive(Debug, Clone, Default)]
pub struct Diagram {
    pub nodes: Vec<Node>,
    /// The top level: its nodes and groups are drawn without a frame.
    pub root: Group,
    pub edges: BTreeSet<(usize, usize)>,
    pub options: Options,
}

/// The blocks of the engine's configuration, with their instance counts (`instances`, by address
/// without key; a block missing from it has a number not known offline) and, with a plan, their
/// planned actions. A planned delete of an object whose block is gone becomes a block of its own.
pub fn blocks(engine: &Engine, instances: &BTreeMap<Address, usize>, plan: Option<&Plan>) -> Vec<Block> {
    let actions = plan.map(block_actions).unwrap_or_default();
    let mut out: Vec<Block> = engine
        .module
        .resources
        .iter()
        .map(|b| {
            let known = instances.get(&b.address).copied();
            let expansion = if b.count.is_some() {
                Expansion::Count(known)
            } else if b.for_each.is_some() {
                Expansion::ForEach(known)
            } else {
                Expansion::Single
            };
            let layer = engine.layer_info(&b.address).map(|l| l.layer).unwrap_or(Layer::Base);
            let refs = block_refs(engine, b);
            let default_route_targets = default_routes(engine, b);
            let action = plan.map(|_| actions.get(&b.address).copied().unwrap_or(Action::NoOp));
            Block { address: b.address.clone(), layer, expansion, refs, default_route_targets, action }
        })
        .collect();
    let configured: BTreeSet<Address> = out.iter().map(|b| b.address.clone()).collect();
    for (address, action) in actions.into_iter().filter(|(a, _)| !configured.contains(a)) {
        out.push(Block {
            address,
            layer: Layer::Base,
            expansion: Expansion::Single,
            refs: BTreeMap::new(),
            default_route_targets: BTreeSet::new(),
            action: Some(action),
        });
    }
    out
}

/// How strongly an action changes things, to pick one for a block of several instances.
fn weight(a: Action) -> u8 {
    match a {
        Action::NoOp | Action::Read => 0,
        Action::Create => 1,
        Action::Update => 2,
        Action::Replace(_) | Action::Delete => 3,
    }
}

/// The strongest planned action of each block's instances.
fn block_actions(plan: &Plan) -> BTreeMap<Address, Action> {
    let mut out: BTreeMap<Address, Action> = BTreeMap::new();
    for c in &plan.changes {
        let e = out.entry(c.address.resource()).or_insert(c.action);
        if weight(c.action) > weight(*e) {
            *e = c.action;
        }
    }
    out
}

/// The blocks an expression refers to, through variables, locals and module values.
fn expr_refs(engine: &Engine, exprs: &[&Expr]) -> BTreeSet<Address> {
    let mut out = BTreeSet::new();
    for id in exprs.iter().flat_map(|e| e.references()).filter_map(|r| r.object_id()) {
        match id {
            ObjectId::Resource(a) => {
                out.insert(a.resource());
            }
            other => out.extend(engine.graph.resource_deps(&other)),
        }
    }
    out
}

fn block_refs(engine: &Engine, b: &ResourceBlock) -> BTreeMap<String, BTreeSet<Address>> {
    let mut out: BTreeMap<String, BTreeSet<Address>> = BTreeMap::new();
    let mut add = |name: &str, set: BTreeSet<Address>| {
        if !set.is_empty() {
            out.entry(name.to_string()).or_default().extend(set);
        }
    };
    for (name, e) in &b.body.attrs {
        add(name, expr_refs(engine, &[e]));
    }
    for (name, body, _) in &b.body.blocks {
        add(name, expr_refs(engine, &body.exprs()));
    }
    add("count", expr_refs(engine, &b.count.iter().collect::<Vec<_>>()));
    add("for_each", expr_refs(engine, &b.for_each.iter().collect::<Vec<_>>()));
    let mut explicit = BTreeSet::new();
    for (id, _) in &b.depends_on {
        match id {
            ObjectId::Resource(a) => {
                explicit.insert(a.resource());
            }
            other => explicit.extend(engine.graph.resource_deps(other)),
        }
    }
    add("depends_on", explicit);
    out
}

/// True when a destination may be the whole internet: absent, not known offline, or written as
/// `0.0.0.0/0` or `::/0`.
fn whole_internet(destinations: &[Option<&Expr>]) -> bool {
    let literal = |e: &Expr| {
        if !e.references().is_empty() {
            return None;
        }
        match provision_config::eval(e, &Scope::default(), &InstanceCtx::default()) {
            Ok(Value::String(s)) => Some(s),
            _ => None,
        }
    };
    let given: Vec<&Expr> = destinations.iter().flatten().copied().collect();
    given.is_empty() || given.iter().any(|e| literal(e).is_none_or(|s| s == "0.0.0.0/0" || s == "::/0"))
}

/// Where the block's default routes go: a route table's `route` blocks, or an `aws_route`.
fn default_routes(engine: &Engine, b: &ResourceBlock) -> BTreeSet<Address> {
    const DESTINATIONS: [&str; 3] = ["cidr_block", "ipv6_cidr_block", "destination_prefix_list_id"];
    const ROUTE_DESTINATIONS: [&str; 2] = ["destination_cidr_block", "destination_ipv6_cidr_block"];
    const TARGETS: [&str; 3] = ["gateway_id", "nat_gateway_id", "egress_only_gateway_id"];
    let mut out = BTreeSet::new();
    match b.address.type_name.as_str() {
        "aws_route_table" => {
            for (name, body, _) in &b.body.blocks {
                if name != "route" {
                    continue;
                }
                let dests: Vec<Option<&Expr>> = DESTINATIONS.iter().map(|d| body.attrs.get(*d)).collect();
                if whole_internet(&dests) {
                    let targets: Vec<&Expr> = TARGETS.iter().filter_map(|t| body.attrs.get(*t)).collect();
                    out.extend(expr_refs(engine, &targets));
                }
            }
        }
        "aws_route" => {
            let dests: Vec<Option<&Expr>> = ROUTE_DESTINATIONS.iter().map(|d| b.body.attrs.get(*d)).collect();
            if whole_internet(&dests) {
                let targets: Vec<&Expr> = TARGETS.iter().filter_map(|t| b.body.attrs.get(*t)).collect();
                out.extend(expr_refs(engine, &targets));
            }
        }
        _ => {}
    }
    out
}

fn is_vpc(a: &Address) -> bool {
    a.type_name == "aws_vpc"
}

fn is_subnet(a: &Address) -> bool {
    a.type_name == "aws_subnet"
}

/// Blocks whose VPC is the VPC of what refers to them: the network objects themselves.
fn anchors_vpc(a: &Address) -> bool {
    matches!(a.type_name.as_str(), "aws_vpc" | "aws_subnet" | "aws_security_group" | "aws_route_table")
        || a.type_name.ends_with("_subnet_group")
}

/// Which subnets a route table serves is decided by associations; a subnet without one uses the
/// VPC's main table, which routes nowhere but the VPC: private.
fn subnet_tiers(blocks: &[Block]) -> BTreeMap<Address, Tier> {
    let to_igw = |b: &Block| b.default_route_targets.iter().any(|t| t.type_name == "aws_internet_gateway");
    let mut public_tables: BTreeSet<&Address> =
        blocks.iter().filter(|b| b.address.type_name == "aws_route_table" && to_igw(b)).map(|b| &b.address).collect();
    for b in blocks.iter().filter(|b| b.address.type_name == "aws_route" && to_igw(b)) {
        public_tables.extend(b.refs_in("route_table_id"));
    }
    let mut tiers: BTreeMap<Address, Tier> = blocks
        .iter()
        .filter(|b| is_subnet(&b.address) && b.address.mode == Mode::Managed)
        .map(|b| (b.address.clone(), Tier::Private))
        .collect();
    for b in blocks.iter().filter(|b| b.address.type_name == "aws_route_table_association") {
        let public = b.refs_in("route_table_id").any(|t| public_tables.contains(t));
        for s in b.refs_in("subnet_id") {
            if public && let Some(t) = tiers.get_mut(s) {
                *t = Tier::Public;
            }
        }
    }
    tiers
}

/// The nodes placed in one VPC: those in no tier, and those of each subnet tier.
type VpcMembers = (Vec<usize>, BTreeMap<Tier, Vec<usize>>);

/// Builds the picture from the blocks.
pub fn layout(blocks: &[Block], options: Options) -> Diagram {
    let by_addr: BTreeMap<&Address, &Block> = blocks.iter().map(|b| (&b.address, b)).collect();
    let visible = |b: &Block| {
        options.all
            || match b.address.mode {
                Mode::Data => is_network_data(&b.address.type_name),
                Mode::Managed => !is_plumbing(&b.address.type_name),
            }
    };
    // Nodes, in address order, with identifiers made unique.
    let mut sorted: Vec<&Block> = blocks.iter().filter(|b| visible(b)).collect();
    sorted.sort_by(|a, b| a.address.cmp(&b.address));
    let mut used = BTreeSet::new();
    let mut nodes = vec![];
    let mut index: BTreeMap<Address, usize> = BTreeMap::new();
    for b in &sorted {
        let id = unique_id(&draw::identifier(&b.address.to_string()), &mut used);
        index.insert(b.address.clone(), nodes.len());
        nodes.push(Node { id, address: b.address.clone(), expansion: b.expansion, layer: b.layer, action: b.action });
    }

    // Where each block sits: its VPC (the one VPC its network references lead to) and tier (the
    // one tier of the subnets it refers to, directly or through a subnet group).
    let tiers = subnet_tiers(blocks);
    let mut vpc_of: BTreeMap<&Address, BTreeSet<Address>> = BTreeMap::new();
    let mut tier_of: BTreeMap<&Address, BTreeSet<Tier>> = BTreeMap::new();
    for b in in_dependency_order(blocks) {
        let mut vpcs = BTreeSet::new();
        let mut ts = BTreeSet::new();
        if is_vpc(&b.address) {
            vpcs.insert(b.address.clone());
        } else {
            for r in b.all_refs() {
                if anchors_vpc(r) {
                    vpcs.extend(vpc_of.get(r).cloned().unwrap_or_default());
                }
                if let Some(t) = tiers.get(r) {
                    ts.insert(*t);
                } else if r.type_name.ends_with("_subnet_group") {
                    ts.extend(tier_of.get(r).cloned().unwrap_or_default());
                }
            }
        }
        if let Some(t) = tiers.get(&b.address) {
            ts = BTreeSet::from([*t]);
        }
        if let Some((_, arg)) = FOLLOW_PARENT.iter().find(|(t, _)| *t == b.address.type_name)
            && let Some(parent) = b.refs_in(arg).next()
        {
            vpcs = vpc_of.get(parent).cloned().unwrap_or_default();
            ts = tier_of.get(parent).cloned().unwrap_or_default();
        }
        vpc_of.insert(&b.address, vpcs);
        tier_of.insert(&b.address, ts);
    }
    // An elastic IP is drawn where what uses it is (a NAT gateway, in its public subnets).
    for b in blocks.iter().filter(|b| FOLLOW_USER.contains(&b.address.type_name.as_str())) {
        let users: Vec<&Block> = blocks.iter().filter(|u| u.all_refs().contains(&b.address)).collect();
        let mut places: Vec<Place> = users
            .iter()
            .map(|u| {
                let vpcs = vpc_of.get(&u.address).cloned().unwrap_or_default();
                (vpcs, tier_of.get(&u.address).cloned().unwrap_or_default())
            })
            .collect();
        places.sort();
        places.dedup();
        if let [(vpcs, tiers)] = &places[..]
            && !vpcs.is_empty()
        {
            let (vpcs, tiers) = (vpcs.clone(), tiers.clone());
            vpc_of.insert(&b.address, vpcs);
            tier_of.insert(&b.address, tiers);
        }
    }
    let single = |s: Option<&BTreeSet<Address>>| s.filter(|s| s.len() == 1).and_then(|s| s.iter().next().cloned());
    let placement = |a: &Address| -> (Option<Address>, Option<Tier>) {
        let vpc = single(vpc_of.get(a)).filter(|v| index.contains_key(v) || is_vpc(v));
        let tier = tier_of.get(a).filter(|t| t.len() == 1).and_then(|t| t.iter().next().copied());
        (vpc.clone(), vpc.and(tier))
    };

    // Groups: each VPC with its tiers; outside VPCs, one group per module; runtime nodes of each
    // group in a nested "runtime layer" group.
    let mut vpc_groups: BTreeMap<Address, VpcMembers> = BTreeMap::new();
    let mut modules: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, n) in nodes.iter().enumerate() {
        match placement(&n.address) {
            (Some(vpc), tier) => {
                let g = vpc_groups.entry(vpc).or_default();
                match tier {
                    Some(t) => g.1.entry(t).or_default().push(i),
                    None => g.0.push(i),
                }
            }
            (None, _) => {
                let module: Vec<String> = n.address.module.iter().map(ToString::to_string).collect();
                modules.entry(module.join(".")).or_default().push(i);
            }
        }
    }
    let mut ids = used;
    let mut root = Group::default();
    for (vpc, (members, tiers)) in vpc_groups {
        let vpc_id = draw::identifier(&vpc.to_string());
        let mut sub = vec![];
        for (tier, members) in tiers {
            let (label, name) = match tier {
                Tier::Public => ("Public subnets", "public"),
                Tier::Private => ("Private subnets", "private"),
            };
            let mut g = group(&mut ids, label.into(), &format!("{vpc_id}_{name}"), members, vec![]);
            split_layer(&mut g, &nodes, &mut ids);
            sub.push(g);
        }
        let mut g = group(&mut ids, format!("VPC {vpc}"), &vpc_id, members, sub);
        split_layer(&mut g, &nodes, &mut ids);
        root.groups.push(g);
    }
    for (module, members) in modules {
        if module.is_empty() {
            root.nodes = members;
            split_layer(&mut root, &nodes, &mut ids);
        } else {
            let mut g = group(&mut ids, module.clone(), &draw::identifier(&module), members, vec![]);
            split_layer(&mut g, &nodes, &mut ids);
            root.groups.push(g);
        }
    }

    // Edges: references between drawn blocks, looking through hidden ones; a hidden plumbing
    // block also links the object it belongs to with the others it names. An edge that the
    // grouping already says (to the VPC a node is drawn in, to the subnets of its tier) is left
    // out.
    let visible_targets = |from: &Address| -> BTreeSet<Address> {
        let mut out = BTreeSet::new();
        let mut seen = BTreeSet::new();
        let mut stack: Vec<Address> =
            by_addr.get(from).map(|b| b.all_refs().into_iter().cloned().collect()).unwrap_or_default();
        while let Some(a) = stack.pop() {
            if !seen.insert(a.clone()) {
                continue;
            }
            if index.contains_key(&a) {
                out.insert(a);
            } else if let Some(b) = by_addr.get(&a) {
                // A hidden setting stands for the object it belongs to; anything else hidden is
                // looked through.
                match anchor_of(b) {
                    Some(anchor) => stack.push(anchor.clone()),
                    None => stack.extend(b.all_refs().into_iter().cloned()),
                }
            }
        }
        out
    };
    let mut edges = BTreeSet::new();
    for (addr, &i) in &index {
        for t in visible_targets(addr) {
            edges.insert((i, index[&t]));
        }
    }
    for b in blocks.iter().filter(|b| !index.contains_key(&b.address) && b.address.mode == Mode::Managed) {
        let Some(anchor) = anchor_of(b) else { continue };
        let anchors: BTreeSet<Address> =
            if index.contains_key(anchor) { BTreeSet::from([anchor.clone()]) } else { visible_targets(anchor) };
        let others = visible_targets(&b.address);
        for a in &anchors {
            for o in others.iter().filter(|o| !anchors.contains(*o)) {
                edges.insert((index[a], index[o]));
            }
        }
    }
    let edges = edges
        .into_iter()
        .filter(|&(from, to)| {
            if from == to {
                return false;
            }
            let (vpc, tier) = placement(&nodes[from].address);
            let target = &nodes[to].address;
            let implied_vpc = vpc.as_ref() == Some(target);
            let implied_subnet = tier.is_some() && tiers.get(target) == tier.as_ref() && placement(target).0 == vpc;
            !(implied_vpc || implied_subnet)
        })
        .collect();
    Diagram { nodes, root, edges, options }
}

/// The blocks with each after every block it refers to (blocks in a reference cycle, which the
/// engine refuses anyway, come last).
fn in_dependency_order(blocks: &[Block]) -> Vec<&Block> {
    let by_addr: BTreeMap<&Address, &Block> = blocks.iter().map(|b| (&b.address, b)).collect();
    let mut done: BTreeSet<&Address> = BTreeSet::new();
    let mut out = vec![];
    let mut pending: Vec<&Block> = blocks.iter().collect();
    while !pending.is_empty() {
        let before = pending.len();
        pending.retain(|b| {
            let ready =
                b.all_refs().into_iter().all(|r| done.contains(r) || !by_addr.contains_key(r) || *r == b.address);
            if ready {
                done.insert(&b.address);
                out.push(*b);
            }
            !ready
        });
        if pending.len() == before {
            out.append(&mut pending);
        }
    }
    out
}

/// A group with a fresh identifier.
fn group(ids: &mut BTreeSet<String>, label: String, id: &str, nodes: Vec<usize>, groups: Vec<Group>) -> Group {
    Group { id: unique_id(&format!("g_{id}"), ids), label, nodes, groups }
}

/// Moves a group's runtime nodes into a nested "runtime layer" group.
fn split_layer(g: &mut Group, nodes: &[Node], ids: &mut BTreeSet<String>) {
    let (runtime, base): (Vec<usize>, Vec<usize>) = g.nodes.iter().partition(|&&i| nodes[i].layer == Layer::Runtime);
    if !runtime.is_empty() {
        g.nodes = base;
        let parent = g.id.trim_start_matches("g_");
        let id = if parent.is_empty() { "runtime".to_string() } else { format!("{parent}_runtime") };
        g.groups.push(group(ids, "runtime layer".into(), &id, runtime, vec![]));
    }
}

fn unique_id(base: &str, used: &mut BTreeSet<String>) -> String {
    let mut id = base.to_string();
    let mut n = 2;
    while !used.insert(id.clone()) {
        id = format!("{base}_{n}");
        n += 1;
    }
    id
}

#[cfg(test)]
mod tests;
