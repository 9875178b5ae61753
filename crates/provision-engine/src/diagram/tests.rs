//! The grouping rules on hand-made blocks: public and private tiers from route tables, one node
//! per `count`, plumbing folded into edges, data sources left out.

use super::*;

fn addr(s: &str) -> Address {
    s.parse().expect("address")
}

fn block(address: &str, expansion: Expansion, refs: &[(&str, &[&str])]) -> Block {
    Block {
        address: addr(address),
        layer: Layer::Base,
        expansion,
        refs: refs.iter().map(|(k, v)| (k.to_string(), v.iter().map(|a| addr(a)).collect())).collect(),
        default_route_targets: BTreeSet::new(),
        action: None,
    }
}

/// A VPC with a public table (default route to the internet gateway) and a private one (default
/// route to a NAT gateway, as an `aws_route`), each with its subnets, and what sits in them.
fn network() -> Vec<Block> {
    let one = Expansion::Single;
    let mut public_rt =
        block("aws_route_table.public", one, &[("vpc_id", &["aws_vpc.main"]), ("route", &["aws_internet_gateway.gw"])]);
    public_rt.default_route_targets.insert(addr("aws_internet_gateway.gw"));
    let mut nat_route = block(
        "aws_route.nat",
        Expansion::Count(Some(3)),
        &[("route_table_id", &["aws_route_table.private"]), ("nat_gateway_id", &["aws_nat_gateway.nat"])],
    );
    nat_route.default_route_targets.insert(addr("aws_nat_gateway.nat"));
    let mut nat = block("aws_nat_gateway.nat", Expansion::Count(Some(3)), &[("subnet_id", &["aws_subnet.public"])]);
    nat.layer = Layer::Runtime;
    vec![
        block("aws_vpc.main", one, &[]),
        block("aws_internet_gateway.gw", one, &[("vpc_id", &["aws_vpc.main"])]),
        block("aws_subnet.public", Expansion::Count(Some(3)), &[("vpc_id", &["aws_vpc.main"])]),
        block("aws_subnet.private", Expansion::Count(Some(3)), &[("vpc_id", &["aws_vpc.main"])]),
        block("aws_subnet.spare", one, &[("vpc_id", &["aws_vpc.main"])]),
        public_rt,
        block("aws_route_table.private", Expansion::Count(Some(3)), &[("vpc_id", &["aws_vpc.main"])]),
        nat_route,
        nat,
        block(
            "aws_route_table_association.public",
            Expansion::Count(Some(3)),
            &[("subnet_id", &["aws_subnet.public"]), ("route_table_id", &["aws_route_table.public"])],
        ),
        block(
            "aws_route_table_association.private",
            Expansion::Count(Some(3)),
            &[("subnet_id", &["aws_subnet.private"]), ("route_table_id", &["aws_route_table.private"])],
        ),
        block("aws_security_group.db", one, &[("vpc_id", &["aws_vpc.main"])]),
        block("aws_security_group.app", one, &[("vpc_id", &["aws_vpc.main"])]),
        block(
            "aws_vpc_security_group_ingress_rule.db_from_app",
            one,
            &[
                ("security_group_id", &["aws_security_group.db"]),
                ("referenced_security_group_id", &["aws_security_group.app"]),
            ],
        ),
        block("aws_db_subnet_group.main", one, &[("subnet_ids", &["aws_subnet.private"])]),
        block(
            "aws_db_instance.main",
            one,
            &[
                ("db_subnet_group_name", &["aws_db_subnet_group.main"]),
                ("vpc_security_group_ids", &["aws_security_group.db"]),
            ],
        ),
        block("aws_lb.web", one, &[("subnets", &["aws_subnet.public"])]),
        block("data.aws_availability_zones.all", one, &[]),
        block("aws_s3_bucket.logs", one, &[]),
        block("aws_s3_bucket_versioning.logs", one, &[("bucket", &["aws_s3_bucket.logs"])]),
        block("module.app.aws_iam_role.task", Expansion::ForEach(Some(2)), &[]),
    ]
}

fn group_of<'a>(g: &'a Group, d: &Diagram, address: &str) -> Option<&'a str> {
    if g.nodes.iter().any(|&i| d.nodes[i].address.to_string() == address) {
        return Some(&g.label);
    }
    g.groups.iter().find_map(|s| group_of(s, d, address))
}

fn edge(d: &Diagram, from: &str, to: &str) -> bool {
    d.edges.iter().any(|&(f, t)| d.nodes[f].address.to_string() == from && d.nodes[t].address.to_string() == to)
}

#[test]
fn subnets_are_public_when_their_table_routes_the_internet_to_an_internet_gateway() {
    let d = layout(&network(), Options::default());
    assert_eq!(group_of(&d.root, &d, "aws_subnet.public"), Some("Public subnets"));
    assert_eq!(group_of(&d.root, &d, "aws_subnet.private"), Some("Private subnets"));
    // No association: the main route table, which routes only inside the VPC.
    assert_eq!(group_of(&d.root, &d, "aws_subnet.spare"), Some("Private subnets"));
    // What refers to subnets sits in their tier, directly or through a subnet group; a runtime
    // block in the nested runtime group.
    assert_eq!(group_of(&d.root, &d, "aws_lb.web"), Some("Public subnets"));
    assert_eq!(group_of(&d.root, &d, "aws_nat_gateway.nat"), Some("runtime layer"));
    assert_eq!(group_of(&d.root, &d, "aws_db_instance.main"), Some("Private subnets"));
    assert_eq!(group_of(&d.root, &d, "aws_db_subnet_group.main"), Some("Private subnets"));
    // The VPC's own objects sit in the VPC; what has no network reference, outside it.
    assert_eq!(group_of(&d.root, &d, "aws_security_group.db"), Some("VPC aws_vpc.main"));
    assert_eq!(group_of(&d.root, &d, "aws_internet_gateway.gw"), Some("VPC aws_vpc.main"));
    assert_eq!(group_of(&d.root, &d, "aws_s3_bucket.logs"), Some(""));
    assert_eq!(group_of(&d.root, &d, "module.app.aws_iam_role.task"), Some("module.app"));
}

#[test]
fn a_private_table_with_an_internet_gateway_route_to_somewhere_else_stays_private() {
    let mut blocks = network();
    for b in &mut blocks {
        if b.address.to_string() == "aws_route_table.public" {
            b.default_route_targets.clear();
        }
    }
    let d = layout(&blocks, Options::default());
    assert_eq!(group_of(&d.root, &d, "aws_subnet.public"), Some("Private subnets"));
}

#[test]
fn one_node_per_block_whatever_its_instances() {
    let d = layout(&network(), Options::default());
    let subnets: Vec<&Node> = d.nodes.iter().filter(|n| n.address.to_string() == "aws_subnet.public").collect();
    assert_eq!(subnets.len(), 1);
    let text = draw::mermaid(&d);
    assert!(text.contains("aws_subnet.public ×3"), "{text}");
    assert!(text.contains("module.app.aws_iam_role.task [for_each: 2]"), "{text}");
}

#[test]
fn plumbing_is_hidden_and_folded_into_edges_between_what_it_connects() {
    let d = layout(&network(), Options::default());
    let drawn: BTreeSet<String> = d.nodes.iter().map(|n| n.address.to_string()).collect();
    for hidden in [
        "aws_route_table_association.public",
        "aws_route.nat",
        "aws_vpc_security_group_ingress_rule.db_from_app",
        "aws_s3_bucket_versioning.logs",
        "data.aws_availability_zones.all",
    ] {
        assert!(!drawn.contains(hidden), "{hidden} is drawn");
    }
    // An association links its subnet to its table; a route, its table to where it goes; a rule,
    // its group to the group it lets in.
    assert!(edge(&d, "aws_subnet.public", "aws_route_table.public"));
    assert!(edge(&d, "aws_subnet.private", "aws_route_table.private"));
    assert!(edge(&d, "aws_route_table.private", "aws_nat_gateway.nat"));
    assert!(edge(&d, "aws_security_group.db", "aws_security_group.app"));
    // What containment says is not repeated: subnets in their VPC, the database in its tier.
    assert!(!edge(&d, "aws_subnet.public", "aws_vpc.main"));
    assert!(!edge(&d, "aws_nat_gateway.nat", "aws_subnet.public"));
    assert!(edge(&d, "aws_db_instance.main", "aws_db_subnet_group.main"));

    let all = layout(&network(), Options { all: true, plan: false });
    let drawn: BTreeSet<String> = all.nodes.iter().map(|n| n.address.to_string()).collect();
    assert!(drawn.contains("aws_route.nat") && drawn.contains("data.aws_availability_zones.all"));
    assert!(edge(&all, "aws_route.nat", "aws_nat_gateway.nat"));
}

#[test]
fn identifiers_are_valid_and_unique() {
    assert_eq!(draw::identifier("module.net.aws_subnet.a[\"x-1\"]"), "module_net_aws_subnet_a_x_1");
    assert_eq!(draw::identifier("1.2"), "n_1_2");
    let blocks =
        vec![block("aws_s3_bucket.a_b", Expansion::Single, &[]), block("aws_s3_bucket.a__b", Expansion::Single, &[])];
    let d = layout(&blocks, Options::default());
    let ids: BTreeSet<&str> = d.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids.len(), 2);
}
