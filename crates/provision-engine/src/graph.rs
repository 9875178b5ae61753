//! The configuration graph: every variable, local, resource, data source and output with an edge
//! to each object it refers to. Cycles are errors that name the objects in the cycle and the
//! references that close it.

use petgraph::algo::{kosaraju_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use provision_config::{Module, ObjectId};
use provision_core::{Address, Diagnostic, Diagnostics, Span};
use std::collections::{BTreeMap, BTreeSet};

/// The dependency graph of a module's objects. An edge `a → b` means `a` refers to `b`.
#[derive(Debug)]
pub struct ConfigGraph {
    graph: DiGraph<ObjectId, Option<Span>>,
    index: BTreeMap<ObjectId, NodeIndex>,
    /// Objects in an order where everything comes after what it refers to.
    pub order: Vec<ObjectId>,
}

impl ConfigGraph {
    /// Builds the graph and checks it is acyclic.
    pub fn build(module: &Module) -> Result<ConfigGraph, Diagnostics> {
        let mut graph: DiGraph<ObjectId, Option<Span>> = DiGraph::new();
        let mut index = BTreeMap::new();
        let deps = module.dependencies();
        for (id, _) in &deps {
            let n = graph.add_node(id.clone());
            index.insert(id.clone(), n);
        }
        for (id, targets) in &deps {
            let from = index[id];
            let mut seen = BTreeSet::new();
            for (target, span) in targets {
                // References to undeclared objects were reported by the loader.
                if let Some(&to) = index.get(target)
                    && seen.insert(to)
                {
                    graph.add_edge(from, to, span.clone());
                }
            }
        }
        let mut g = ConfigGraph { graph, index, order: vec![] };
        g.check_cycles()?;
        let sorted = toposort(&g.graph, None).map_err(|_| Diagnostics::from(Diagnostic::error("dependency cycle")))?;
        // toposort puts dependents first; evaluation wants dependencies first.
        g.order = sorted.into_iter().rev().map(|n| g.graph[n].clone()).collect();
        Ok(g)
    }

    fn check_cycles(&self) -> Result<(), Diagnostics> {
        let mut diags = Diagnostics::default();
        // Kosaraju's algorithm walks the graph iteratively (petgraph's Tarjan recurses once per
        // node of a chain, and 30,000 locals referring to each other overflow the stack).
        for scc in kosaraju_scc(&self.graph) {
            let self_loop = scc.len() == 1 && self.graph.contains_edge(scc[0], scc[0]);
            if scc.len() < 2 && !self_loop {
                continue;
            }
            let members: BTreeSet<NodeIndex> = scc.iter().copied().collect();
            let start = *members.iter().min_by_key(|n| self.graph[**n].to_string()).unwrap_or(&scc[0]);
            let path = self.cycle_path(start, &members);
            let names: Vec<String> = path.iter().map(|(n, _)| self.graph[*n].to_string()).collect();
            let mut d = Diagnostic::error(format!("Dependency cycle: {} → {}", names.join(" → "), names[0]));
            for (n, span) in &path {
                let (from, to) = (&self.graph[*n], &self.graph[self.next_in(&path, *n)]);
                d = d.at(span.clone(), format!("{from} refers to {to} here"));
            }
            d = d.note("remove one of these references (or the depends_on entry) to break the cycle");
            diags.push(d);
        }
        diags.0.sort_by_key(|d| d.span().map(|s| (s.file, s.start)));
        if diags.has_errors() { Err(diags) } else { Ok(()) }
    }

    fn next_in(&self, path: &[(NodeIndex, Option<Span>)], n: NodeIndex) -> NodeIndex {
        let i = path.iter().position(|(m, _)| *m == n).unwrap_or(0);
        path[(i + 1) % path.len()].0
    }

    /// One cycle through `start` within the strongly connected set: each node with the span of the
    /// reference to the next one.
    fn cycle_path(&self, start: NodeIndex, members: &BTreeSet<NodeIndex>) -> Vec<(NodeIndex, Option<Span>)> {
        // Breadth-first search from start's successors back to start, within the component.
        let mut prev: BTreeMap<NodeIndex, (NodeIndex, Option<Span>)> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::new();
        queue.push_back(start);
        let mut found = false;
        while let Some(n) = queue.pop_front() {
            let mut edges: Vec<_> = self.graph.edges(n).collect();
            edges.sort_by_key(|e| self.graph[e.target()].to_string());
            for e in edges {
                let t = e.target();
                if !members.contains(&t) {
                    continue;
                }
                if t == start {
                    prev.insert(start, (n, e.weight().clone()));
                    found = true;
                    break;
                }
                if let std::collections::btree_map::Entry::Vacant(v) = prev.entry(t) {
                    v.insert((n, e.weight().clone()));
                    queue.push_back(t);
                }
            }
            if found {
                break;
            }
        }
        // Walk back from start.
        let mut path = vec![];
        let mut cur = start;
        for _ in 0..=members.len() {
            let Some((p, span)) = prev.get(&cur).cloned() else { break };
            path.push((p, span));
            cur = p;
            if cur == start {
                break;
            }
        }
        path.reverse();
        path
    }

    /// The objects `id` refers to directly.
    pub fn direct(&self, id: &ObjectId) -> Vec<ObjectId> {
        self.index
            .get(id)
            .map(|&n| self.graph.neighbors(n).map(|m| self.graph[m].clone()).collect())
            .unwrap_or_default()
    }

    /// The resources and data sources `id` depends on, looking through variables, locals and
    /// outputs (but not through other resources).
    pub fn resource_deps(&self, id: &ObjectId) -> BTreeSet<Address> {
        let mut out = BTreeSet::new();
        let mut seen = BTreeSet::new();
        let mut stack = self.direct(id);
        while let Some(o) = stack.pop() {
            if !seen.insert(o.clone()) {
                continue;
            }
            match &o {
                ObjectId::Resource(a) => {
                    out.insert(a.clone());
                }
                _ => stack.extend(self.direct(&o)),
            }
        }
        out
    }

    /// True when `id` depends on a data source, directly or through anything else.
    pub fn depends_on_data(&self, id: &ObjectId) -> bool {
        let mut seen = BTreeSet::new();
        let mut stack = self.direct(id);
        while let Some(o) = stack.pop() {
            if !seen.insert(o.clone()) {
                continue;
            }
            if matches!(&o, ObjectId::Resource(a) if a.mode == provision_core::Mode::Data) {
                return true;
            }
            stack.extend(self.direct(&o));
        }
        false
    }

    /// The locals `id` depends on (through other locals), in evaluation order.
    pub fn local_deps(&self, id: &ObjectId) -> Vec<String> {
        let mut need = BTreeSet::new();
        let mut stack = self.direct(id);
        while let Some(o) = stack.pop() {
            if let ObjectId::Local(n) = &o
                && need.insert(n.clone())
            {
                stack.extend(self.direct(&o));
            }
        }
        self.order
            .iter()
            .filter_map(|o| match o {
                ObjectId::Local(n) if need.contains(n) => Some(n.clone()),
                _ => None,
            })
            .collect()
    }
}
