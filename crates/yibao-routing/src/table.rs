//! Many-to-many travel times: the time from each origin to each destination, as a routing
//! engine's "table" service gives it (used to compare travel times with OSRM).
//!
//! One unbounded Dijkstra per origin on the mode's graph (the search of `coverage`, reusing its
//! arrays), stopping once every destination node is settled; origins run as rayon tasks.
//! Points snap to the nearest usable node like coverage does; the straight-line leg to the
//! node is not added (routing engines also measure from the snapped position).

use rayon::prelude::*;

use crate::coverage::SearchSpace;
use crate::graph::Graph;

/// Times between snapped points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TravelTimeTable {
    pub origins: usize,
    pub destinations: usize,
    /// Row-major `origins × destinations` deciseconds; `None` where no path exists (or a
    /// point was not snapped).
    pub deciseconds: Vec<Option<u32>>,
}

impl TravelTimeTable {
    /// Time from origin `from` to destination `to`, deciseconds.
    pub fn get(&self, from: usize, to: usize) -> Option<u32> {
        self.deciseconds[from * self.destinations + to]
    }
}

/// Travel times from every `origins` node to every `destinations` node on `graph` (arcs as
/// they are: from origin to destination). `None` entries stand for unsnapped points.
pub fn travel_time_table(
    graph: &Graph,
    origins: &[Option<u32>],
    destinations: &[Option<u32>],
) -> TravelTimeTable {
    let node_count = graph.node_count();
    // Destinations per node, as compressed rows, so a settled node fills all its columns.
    let mut node_start = vec![0u32; node_count + 1];
    for node in destinations.iter().flatten() {
        node_start[*node as usize + 1] += 1;
    }
    for node in 0..node_count {
        node_start[node + 1] += node_start[node];
    }
    let mut next = node_start.clone();
    let mut node_columns = vec![0u32; node_start[node_count] as usize];
    for (column, node) in destinations.iter().enumerate() {
        if let Some(node) = node {
            let slot = &mut next[*node as usize];
            node_columns[*slot as usize] = column as u32;
            *slot += 1;
        }
    }
    let distinct_targets = (0..node_count)
        .filter(|&node| node_start[node + 1] > node_start[node])
        .count();
    let width = destinations.len();
    let rows: Vec<Vec<Option<u32>>> = origins
        .par_iter()
        .map_init(
            || SearchSpace::new(node_count),
            |space, origin| {
                let mut row = vec![None; width];
                let Some(origin) = origin else {
                    return row;
                };
                let mut found = 0;
                space.search_until(graph, *origin, u32::MAX - 1, |node, time| {
                    let range =
                        node_start[node as usize] as usize..node_start[node as usize + 1] as usize;
                    if !range.is_empty() {
                        found += 1;
                        for &column in &node_columns[range] {
                            row[column as usize] = Some(time);
                        }
                    }
                    found < distinct_targets
                });
                row
            },
        )
        .collect();
    TravelTimeTable {
        origins: origins.len(),
        destinations: width,
        deciseconds: rows.into_iter().flatten().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::TravelMode;
    use proptest::prelude::*;
    use yibao_domain::GeoPoint;

    /// Plain Dijkstra (scan for the nearest unsettled node) from `source` over `arcs`.
    fn reference(node_count: usize, arcs: &[(u32, u32, u32)], source: u32) -> Vec<Option<u32>> {
        let mut times: Vec<Option<u64>> = vec![None; node_count];
        let mut done = vec![false; node_count];
        times[source as usize] = Some(0);
        while let Some(node) = (0..node_count)
            .filter(|&node| !done[node] && times[node].is_some())
            .min_by_key(|&node| times[node])
        {
            done[node] = true;
            let here = times[node].expect("reached");
            for &(from, to, cost) in arcs {
                if from as usize == node {
                    let via = here + cost as u64;
                    if times[to as usize].is_none_or(|known| via < known) {
                        times[to as usize] = Some(via);
                    }
                }
            }
        }
        times.into_iter().map(|t| t.map(|t| t as u32)).collect()
    }

    fn graph_of(node_count: usize, arcs: &[(u32, u32, u32)]) -> Graph {
        let positions = (0..node_count)
            .map(|i| GeoPoint::new(120.0 + i as f64 * 1e-4, 36.0).unwrap())
            .collect();
        Graph::from_arcs(
            TravelMode::Car,
            positions,
            (0..node_count as i64).collect(),
            arcs,
        )
        .unwrap()
    }

    #[allow(clippy::type_complexity)]
    fn instance() -> impl Strategy<
        Value = (
            usize,
            Vec<(u32, u32, u32)>,
            Vec<Option<u32>>,
            Vec<Option<u32>>,
        ),
    > {
        (1usize..40).prop_flat_map(|node_count| {
            let nodes = node_count as u32;
            let arc = (0..nodes, 0..nodes, 0u32..500);
            let point = prop::option::weighted(0.9, 0..nodes);
            (
                Just(node_count),
                prop::collection::vec(arc, 0..120),
                prop::collection::vec(point.clone(), 1..6),
                prop::collection::vec(point, 1..8),
            )
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn table_times_equal_a_plain_reference_dijkstra(
            (node_count, arcs, origins, destinations) in instance(),
        ) {
            let graph = graph_of(node_count, &arcs);
            let table = travel_time_table(&graph, &origins, &destinations);
            prop_assert_eq!(table.origins, origins.len());
            prop_assert_eq!(table.destinations, destinations.len());
            for (row, origin) in origins.iter().enumerate() {
                let times = origin.map(|origin| reference(node_count, &arcs, origin));
                for (column, destination) in destinations.iter().enumerate() {
                    let expected = match (&times, destination) {
                        (Some(times), Some(node)) => times[*node as usize],
                        _ => None,
                    };
                    prop_assert_eq!(table.get(row, column), expected, "{} -> {}", row, column);
                }
            }
        }
    }
}
