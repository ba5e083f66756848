//! Many-to-many travel times: the time from each origin to each destination, as a routing
//! engine's "table" service gives it (used to compare travel times with OSRM).
//!
//! One unbounded Dijkstra per origin on the mode's graph (the search of `coverage`, reusing its
//! arrays), from both ends of the origin's segment, stopping once every node a destination is
//! reached from is settled; origins run as rayon tasks. Points snap onto road segments like
//! coverage does; the straight-line leg to the snapped spot is not added (routing engines also
//! measure from the snapped position).

use rayon::prelude::*;

use crate::coverage::{SearchSpace, rows_by_node};
use crate::graph::Graph;
use crate::snap::Snapped;

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

/// Travel times from every origin to every destination on `graph` (arcs as they are: from
/// origin to destination). `None` entries stand for unsnapped points.
pub fn travel_time_table(
    graph: &Graph,
    origins: &[Option<Snapped>],
    destinations: &[Option<Snapped>],
) -> TravelTimeTable {
    let node_count = graph.node_count();
    // Destinations by the nodes they are reached from (with the time from each), as
    // compressed rows, so a settled node fills all its columns; and by segment.
    let mut entries = Vec::new();
    for (column, snapped) in destinations.iter().enumerate() {
        let Some(snapped) = snapped else { continue };
        for (node, time) in snapped.entries().into_iter().flatten() {
            entries.push((node, (column as u32, time)));
        }
    }
    let on_segment = Snapped::by_segment(destinations);
    let (node_start, node_columns) = rows_by_node(node_count, &entries);
    let distinct_targets = (0..node_count)
        .filter(|&node| node_start[node + 1] > node_start[node])
        .count();
    let width = destinations.len();
    let rows: Vec<Vec<Option<u32>>> = origins
        .par_iter()
        .map_init(
            || SearchSpace::new(node_count),
            |space, origin| {
                let mut row: Vec<Option<u32>> = vec![None; width];
                let Some(origin) = origin else {
                    return row;
                };
                let mut offer = |column: u32, time: u32| {
                    let cell = &mut row[column as usize];
                    if cell.is_none_or(|known| time < known) {
                        *cell = Some(time);
                    }
                };
                for &column in origin.neighbours(&on_segment) {
                    let destination = destinations[column as usize].expect("snapped destination");
                    if let Some(time) = origin.along_to(&destination) {
                        offer(column, time);
                    }
                }
                let starts: Vec<(u32, u32)> = origin.exits().into_iter().flatten().collect();
                let mut found = 0;
                space.search_from(graph, &starts, u32::MAX - 1, |node, time| {
                    let range =
                        node_start[node as usize] as usize..node_start[node as usize + 1] as usize;
                    if !range.is_empty() {
                        found += 1;
                        for &(column, offset) in &node_columns[range] {
                            offer(column, time.saturating_add(offset));
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

    /// A graph on random positions in a box of about 1 × 1 km, with random arcs, and random
    /// points in the same box (most of them between nodes).
    #[allow(clippy::type_complexity)]
    fn spots_instance() -> impl Strategy<
        Value = (
            Vec<(f64, f64)>,
            Vec<(u32, u32, u32)>,
            Vec<(f64, f64)>,
            Vec<(f64, f64)>,
        ),
    > {
        (2usize..25).prop_flat_map(|node_count| {
            let nodes = node_count as u32;
            let position = (0.0..0.01f64, 0.0..0.01f64);
            (
                prop::collection::vec(position.clone(), node_count),
                prop::collection::vec((0..nodes, 0..nodes, 1u32..500), 1..60),
                prop::collection::vec(position.clone(), 1..6),
                prop::collection::vec(position, 1..6),
            )
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn times_between_spots_equal_a_plain_reference_dijkstra_between_their_ends(
            (positions, arcs, origins, destinations) in spots_instance(),
        ) {
            use crate::components::Components;
            use crate::snap::{SnapIndex, SnapTarget};
            let at = |(lon, lat): (f64, f64)| GeoPoint::new(120.0 + lon, 36.0 + lat).unwrap();
            let node_count = positions.len();
            let graph = Graph::from_arcs(
                TravelMode::Car,
                positions.iter().map(|&p| at(p)).collect(),
                (0..node_count as i64).collect(),
                &arcs,
            )
            .unwrap();
            let components = Components::strong(&graph);
            let index = SnapIndex::new(&graph, &components, SnapTarget::AnyComponent);
            let snap = |points: &[(f64, f64)]| -> Vec<Option<Snapped>> {
                points.iter().map(|&p| index.snap(at(p), 5_000.0)).collect()
            };
            let (from, to) = (snap(&origins), snap(&destinations));
            let table = travel_time_table(&graph, &from, &to);
            for (row, origin) in from.iter().enumerate() {
                for (column, destination) in to.iter().enumerate() {
                    let expected = match (origin, destination) {
                        (Some(origin), Some(destination)) => {
                            // Out through an end of the origin's segment, the reference search
                            // between nodes, in through an end of the destination's; or
                            // straight along a shared segment.
                            let mut best = origin.along_to(destination);
                            for (start, out) in origin.exits().into_iter().flatten() {
                                let times = reference(node_count, &arcs, start);
                                for (end, into) in destination.entries().into_iter().flatten() {
                                    if let Some(between) = times[end as usize] {
                                        let total = out + between + into;
                                        if best.is_none_or(|known| total < known) {
                                            best = Some(total);
                                        }
                                    }
                                }
                            }
                            best
                        }
                        _ => None,
                    };
                    prop_assert_eq!(table.get(row, column), expected, "{} -> {}", row, column);
                }
            }
        }

        #[test]
        fn table_times_equal_a_plain_reference_dijkstra(
            (node_count, arcs, origins, destinations) in instance(),
        ) {
            let graph = graph_of(node_count, &arcs);
            let at = |points: &[Option<u32>]| -> Vec<Option<Snapped>> {
                points
                    .iter()
                    .map(|node| node.map(|node| Snapped::at_node(node, graph.positions()[node as usize])))
                    .collect()
            };
            let table = travel_time_table(&graph, &at(&origins), &at(&destinations));
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
