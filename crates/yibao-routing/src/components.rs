//! Connected components of a mode's graph, so disconnected parts of a network are found and
//! reported instead of silently producing "unreachable" everywhere.
//!
//! For walking and e-bikes every arc has its reverse, so strongly and weakly connected
//! components coincide. For cars one-way streets can trap a vehicle, so the strongly connected
//! components (iterative Tarjan, no recursion on million-node graphs) are the ones snapping
//! should use: from any node of the largest one you can reach every other and come back.
//! Nodes the mode cannot use at all belong to no component.

use serde::{Deserialize, Serialize};

use crate::graph::Graph;

/// Marks a node that belongs to no component (the mode cannot use it).
pub const NO_COMPONENT: u32 = u32::MAX;

/// A labelling of usable nodes by component, components numbered by decreasing size.
#[derive(Debug, Clone)]
pub struct Components {
    component_of: Vec<u32>,
    sizes: Vec<u32>,
}

impl Components {
    /// Strongly connected components of `graph`.
    pub fn strong(graph: &Graph) -> Components {
        let node_count = graph.node_count();
        let (offsets, targets, _) = graph.rows();
        const UNVISITED: u32 = u32::MAX;
        let mut order = vec![UNVISITED; node_count];
        let mut low = vec![0u32; node_count];
        let mut on_stack = vec![false; node_count];
        let mut stack: Vec<u32> = Vec::new();
        let mut component_of = vec![NO_COMPONENT; node_count];
        let mut sizes: Vec<u32> = Vec::new();
        // Explicit call stack of (node, next arc slot).
        let mut calls: Vec<(u32, u32)> = Vec::new();
        let mut counter = 0u32;
        for root in 0..node_count as u32 {
            if order[root as usize] != UNVISITED || !graph.is_usable(root) {
                continue;
            }
            calls.push((root, offsets[root as usize]));
            order[root as usize] = counter;
            low[root as usize] = counter;
            counter += 1;
            stack.push(root);
            on_stack[root as usize] = true;
            while let Some(&mut (node, ref mut slot)) = calls.last_mut() {
                let end = offsets[node as usize + 1];
                if *slot < end {
                    let target = targets[*slot as usize];
                    *slot += 1;
                    if order[target as usize] == UNVISITED {
                        order[target as usize] = counter;
                        low[target as usize] = counter;
                        counter += 1;
                        stack.push(target);
                        on_stack[target as usize] = true;
                        calls.push((target, offsets[target as usize]));
                    } else if on_stack[target as usize] {
                        low[node as usize] = low[node as usize].min(order[target as usize]);
                    }
                    continue;
                }
                calls.pop();
                if let Some(&(parent, _)) = calls.last() {
                    low[parent as usize] = low[parent as usize].min(low[node as usize]);
                }
                if low[node as usize] == order[node as usize] {
                    let label = sizes.len() as u32;
                    let mut size = 0u32;
                    loop {
                        let member = stack.pop().expect("the root is on the stack");
                        on_stack[member as usize] = false;
                        component_of[member as usize] = label;
                        size += 1;
                        if member == node {
                            break;
                        }
                    }
                    sizes.push(size);
                }
            }
        }
        Components::numbered_by_size(component_of, sizes)
    }

    /// Weakly connected components of `graph` (arc directions ignored).
    pub fn weak(graph: &Graph) -> Components {
        let node_count = graph.node_count();
        let mut parent: Vec<u32> = (0..node_count as u32).collect();
        fn find(parent: &mut [u32], mut node: u32) -> u32 {
            while parent[node as usize] != node {
                let grandparent = parent[parent[node as usize] as usize];
                parent[node as usize] = grandparent;
                node = grandparent;
            }
            node
        }
        for node in 0..node_count as u32 {
            for (target, _) in graph.arcs(node) {
                let (a, b) = (find(&mut parent, node), find(&mut parent, target));
                if a != b {
                    parent[a.max(b) as usize] = a.min(b);
                }
            }
        }
        let mut label_of_root = vec![NO_COMPONENT; node_count];
        let mut component_of = vec![NO_COMPONENT; node_count];
        let mut sizes = Vec::new();
        for node in 0..node_count as u32 {
            if !graph.is_usable(node) {
                continue;
            }
            let root = find(&mut parent, node) as usize;
            if label_of_root[root] == NO_COMPONENT {
                label_of_root[root] = sizes.len() as u32;
                sizes.push(0);
            }
            component_of[node as usize] = label_of_root[root];
            sizes[label_of_root[root] as usize] += 1;
        }
        Components::numbered_by_size(component_of, sizes)
    }

    /// The components snapping should use for `graph`'s mode: strong ones (for walking and
    /// e-bikes they equal the weak ones).
    pub fn for_routing(graph: &Graph) -> Components {
        Components::strong(graph)
    }

    fn numbered_by_size(mut component_of: Vec<u32>, sizes: Vec<u32>) -> Components {
        let mut by_size: Vec<u32> = (0..sizes.len() as u32).collect();
        // Larger first; among equals, the one found first (lower node indices) first.
        by_size.sort_by_key(|&label| (std::cmp::Reverse(sizes[label as usize]), label));
        let mut renumber = vec![0u32; sizes.len()];
        for (new_label, &old_label) in by_size.iter().enumerate() {
            renumber[old_label as usize] = new_label as u32;
        }
        for label in component_of.iter_mut() {
            if *label != NO_COMPONENT {
                *label = renumber[*label as usize];
            }
        }
        let sizes = by_size.iter().map(|&label| sizes[label as usize]).collect();
        Components {
            component_of,
            sizes,
        }
    }

    /// The component of `node` (0 is the largest), or `None` when the mode cannot use it.
    pub fn component_of(&self, node: u32) -> Option<u32> {
        let label = self.component_of[node as usize];
        (label != NO_COMPONENT).then_some(label)
    }

    /// Whether `node` lies in the largest component.
    pub fn in_largest(&self, node: u32) -> bool {
        self.component_of[node as usize] == 0
    }

    /// Component sizes, largest first.
    pub fn sizes(&self) -> &[u32] {
        &self.sizes
    }

    /// Number of components.
    pub fn count(&self) -> usize {
        self.sizes.len()
    }

    /// A summary for reports.
    pub fn report(&self) -> ComponentReport {
        let usable_nodes: u64 = self.sizes.iter().map(|&size| size as u64).sum();
        let largest = self.sizes.first().copied().unwrap_or(0) as u64;
        ComponentReport {
            usable_nodes,
            component_count: self.sizes.len() as u64,
            largest_component_nodes: largest,
            nodes_outside_largest: usable_nodes - largest,
            largest_sizes: self.sizes.iter().take(5).map(|&size| size as u64).collect(),
        }
    }
}

/// How fragmented a mode's graph is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentReport {
    /// Nodes the mode can use.
    pub usable_nodes: u64,
    pub component_count: u64,
    pub largest_component_nodes: u64,
    /// Usable nodes in smaller components (islands, gated estates, data errors).
    pub nodes_outside_largest: u64,
    /// Sizes of the five largest components.
    pub largest_sizes: Vec<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::TravelMode;
    use yibao_domain::GeoPoint;

    fn graph(node_count: usize, arcs: &[(u32, u32)]) -> Graph {
        let positions = vec![GeoPoint::new(0.0, 0.0).unwrap(); node_count];
        let arcs: Vec<_> = arcs.iter().map(|&(a, b)| (a, b, 1)).collect();
        Graph::from_arcs(
            TravelMode::Car,
            positions,
            (0..node_count as i64).collect(),
            &arcs,
        )
        .unwrap()
    }

    proptest::proptest! {
        #[test]
        fn strong_components_are_the_classes_of_mutual_reachability(
            node_count in 1usize..25,
            raw_arcs in proptest::collection::vec((0u32..25, 0u32..25), 0..60),
        ) {
            let arcs: Vec<(u32, u32)> = raw_arcs
                .into_iter()
                .filter(|&(a, b)| (a as usize) < node_count && (b as usize) < node_count)
                .collect();
            let graph = graph(node_count, &arcs);
            // Reachability by repeated relaxation (transitive closure).
            let mut reach = vec![vec![false; node_count]; node_count];
            for (node, row) in reach.iter_mut().enumerate() {
                row[node] = true;
            }
            loop {
                let mut changed = false;
                for &(a, b) in &arcs {
                    for row in reach.iter_mut() {
                        if row[a as usize] && !row[b as usize] {
                            row[b as usize] = true;
                            changed = true;
                        }
                    }
                }
                if !changed {
                    break;
                }
            }
            let strong = Components::strong(&graph);
            let weak = Components::weak(&graph);
            for a in 0..node_count as u32 {
                for b in 0..node_count as u32 {
                    let (Some(ca), Some(cb)) = (strong.component_of(a), strong.component_of(b)) else {
                        continue;
                    };
                    let mutual = reach[a as usize][b as usize] && reach[b as usize][a as usize];
                    proptest::prop_assert_eq!(ca == cb, mutual, "nodes {} and {}", a, b);
                    if ca == cb {
                        proptest::prop_assert_eq!(weak.component_of(a), weak.component_of(b));
                    }
                }
            }
            let sizes = strong.sizes();
            proptest::prop_assert!(sizes.windows(2).all(|pair| pair[0] >= pair[1]));
        }
    }

    #[test]
    fn a_one_way_loop_is_one_strong_component_and_a_dead_end_street_is_not() {
        // 0 → 1 → 2 → 0 is a loop; 2 → 3 leaves it without return; 4 is unused; 5 ↔ 6.
        let graph = graph(7, &[(0, 1), (1, 2), (2, 0), (2, 3), (5, 6), (6, 5)]);
        let strong = Components::strong(&graph);
        assert_eq!(strong.sizes(), &[3, 2, 1]);
        assert!(strong.in_largest(0) && strong.in_largest(1) && strong.in_largest(2));
        assert_eq!(strong.component_of(3), Some(2));
        assert_eq!(strong.component_of(4), None);
        assert_eq!(strong.component_of(5), Some(1));
        let weak = Components::weak(&graph);
        assert_eq!(weak.sizes(), &[4, 2]);
        let report = strong.report();
        assert_eq!(report.usable_nodes, 6);
        assert_eq!(report.nodes_outside_largest, 3);
    }
}
