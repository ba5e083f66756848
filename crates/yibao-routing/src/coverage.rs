//! Coverage: for every node, the travel time to the nearest station within a time budget, and
//! from it, for every population point, whether it lies inside the 15-minute circle.
//!
//! One multi-source Dijkstra (binary heap of packed `(time, node)` keys, lazy deletion) starts
//! from all stations at once and stops at the budget, so the work is proportional to the area
//! inside the circles, not to stations × network. Times are *from the point to the station*
//! (people travel to the station): on graphs with one-way streets the search runs on the
//! reversed graph. Points and stations sit on spots between two nodes (see [`crate::snap`]):
//! a station starts the search at both ends of its segment, with the time for the part of the
//! segment between, and a point takes the quicker of its two ends, or the way straight along
//! its segment to a station on the same one. When several stations are equally near, the one
//! reported is one of them, deterministically for a given input.
//!
//! The same bounded search, reusing its arrays, builds network coverage lists for site
//! planning (which demand points reach each candidate within the budget), one candidate per
//! rayon task.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::RoutingError;
use crate::components::{ComponentReport, Components};
use crate::finding::{Finding, PointRole};
use crate::graph::{DECISECONDS_PER_MINUTE, Graph, TravelMode, travel_deciseconds};
use crate::places::{PopulationPoint, StationPlace};
use crate::planning::CoverageLists;
use crate::snap::{SnapConfig, SnapIndex, Snapped};

/// Marks a node no station reaches within the budget.
pub const UNREACHED: u32 = u32::MAX;

/// A search start: a node, the station it stands for, and the time already spent getting onto
/// the network there (deciseconds; 0 when the station stands on the node).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    pub node: u32,
    pub station: u32,
    pub start_deciseconds: u32,
}

/// Per node: time to the nearest source and which source's station, or [`UNREACHED`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NearestStations {
    pub deciseconds: Vec<u32>,
    pub station: Vec<u32>,
}

impl NearestStations {
    /// `(deciseconds, station)` of `node`, if reached within the budget.
    pub fn get(&self, node: u32) -> Option<(u32, u32)> {
        let time = self.deciseconds[node as usize];
        (time != UNREACHED).then(|| (time, self.station[node as usize]))
    }
}

#[inline]
fn key(time: u32, node: u32) -> Reverse<u64> {
    Reverse(((time as u64) << 32) | node as u64)
}

#[inline]
fn unkey(key: Reverse<u64>) -> (u32, u32) {
    ((key.0 >> 32) as u32, key.0 as u32)
}

/// Multi-source Dijkstra from `sources` over `graph`'s arcs as they are, settling every node
/// within `budget_deciseconds` (inclusive). Sources starting beyond the budget are ignored.
pub fn nearest_stations(
    graph: &Graph,
    sources: &[Source],
    budget_deciseconds: u32,
) -> NearestStations {
    let node_count = graph.node_count();
    let mut deciseconds = vec![UNREACHED; node_count];
    let mut station = vec![UNREACHED; node_count];
    let mut heap: BinaryHeap<Reverse<u64>> = BinaryHeap::with_capacity(sources.len() * 4);
    for source in sources {
        let node = source.node as usize;
        if source.start_deciseconds <= budget_deciseconds
            && source.start_deciseconds < deciseconds[node]
        {
            deciseconds[node] = source.start_deciseconds;
            station[node] = source.station;
            heap.push(key(source.start_deciseconds, source.node));
        }
    }
    let (offsets, targets, costs) = graph.rows();
    while let Some(entry) = heap.pop() {
        let (time, node) = unkey(entry);
        if time > deciseconds[node as usize] {
            continue;
        }
        let label = station[node as usize];
        let arcs = offsets[node as usize] as usize..offsets[node as usize + 1] as usize;
        for (&target, &cost) in targets[arcs.clone()].iter().zip(&costs[arcs]) {
            let next = time.saturating_add(cost);
            if next <= budget_deciseconds && next < deciseconds[target as usize] {
                deciseconds[target as usize] = next;
                station[target as usize] = label;
                heap.push(key(next, target));
            }
        }
    }
    NearestStations {
        deciseconds,
        station,
    }
}

/// Reusable arrays for many bounded single-source searches on one graph; resetting costs only
/// the nodes the previous search touched.
#[derive(Debug, Clone)]
pub struct SearchSpace {
    deciseconds: Vec<u32>,
    touched: Vec<u32>,
    heap: BinaryHeap<Reverse<u64>>,
}

impl SearchSpace {
    /// Arrays for a graph of `node_count` nodes.
    pub fn new(node_count: usize) -> SearchSpace {
        SearchSpace {
            deciseconds: vec![UNREACHED; node_count],
            touched: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }

    /// Bounded Dijkstra from `source`; calls `settle(node, deciseconds)` once per node within
    /// the budget, in order of increasing time.
    pub fn search(
        &mut self,
        graph: &Graph,
        source: u32,
        budget_deciseconds: u32,
        mut settle: impl FnMut(u32, u32),
    ) {
        self.search_until(graph, source, budget_deciseconds, |node, time| {
            settle(node, time);
            true
        });
    }

    /// [`SearchSpace::search`] that stops as soon as `settle` returns `false`.
    pub fn search_until(
        &mut self,
        graph: &Graph,
        source: u32,
        budget_deciseconds: u32,
        settle: impl FnMut(u32, u32) -> bool,
    ) {
        self.search_from(graph, &[(source, 0)], budget_deciseconds, settle);
    }

    /// The bounded search from several starts at once, each `(node, time already spent)`
    /// (a spot between two nodes starts at both); stops as soon as `settle` returns `false`.
    pub fn search_from(
        &mut self,
        graph: &Graph,
        starts: &[(u32, u32)],
        budget_deciseconds: u32,
        mut settle: impl FnMut(u32, u32) -> bool,
    ) {
        for &node in &self.touched {
            self.deciseconds[node as usize] = UNREACHED;
        }
        self.touched.clear();
        self.heap.clear();
        for &(source, start) in starts {
            let current = self.deciseconds[source as usize];
            if start <= budget_deciseconds && start < current {
                if current == UNREACHED {
                    self.touched.push(source);
                }
                self.deciseconds[source as usize] = start;
                self.heap.push(key(start, source));
            }
        }
        let (offsets, targets, costs) = graph.rows();
        while let Some(entry) = self.heap.pop() {
            let (time, node) = unkey(entry);
            if time > self.deciseconds[node as usize] {
                continue;
            }
            if !settle(node, time) {
                return;
            }
            let arcs = offsets[node as usize] as usize..offsets[node as usize + 1] as usize;
            for (&target, &cost) in targets[arcs.clone()].iter().zip(&costs[arcs]) {
                let next = time.saturating_add(cost);
                let current = self.deciseconds[target as usize];
                if next <= budget_deciseconds && next < current {
                    if current == UNREACHED {
                        self.touched.push(target);
                    }
                    self.deciseconds[target as usize] = next;
                    self.heap.push(key(next, target));
                }
            }
        }
    }
}

/// The graph whose forward searches give times *towards* the sources.
fn towards_sources(graph: &Graph) -> Cow<'_, Graph> {
    if graph.is_symmetric() {
        Cow::Borrowed(graph)
    } else {
        Cow::Owned(graph.reversed())
    }
}

/// How a coverage run is set up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverageConfig {
    /// The time budget, minutes (15 for the 15-minute circle).
    pub minutes: f64,
    /// When set, the straight-line legs from a point to its spot on the road and from a
    /// station's spot to the station are added at this speed (km/h). Off by default, matching routing
    /// engines that measure from the snapped position.
    pub access_speed_kmh: Option<f64>,
}

impl Default for CoverageConfig {
    fn default() -> Self {
        CoverageConfig {
            minutes: 15.0,
            access_speed_kmh: None,
        }
    }
}

/// One population point's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointCoverage {
    pub id: String,
    /// Travel time to the nearest station, minutes, when within the budget; `null` otherwise
    /// (too far, unreachable, or not on the network).
    pub minutes: Option<f64>,
    /// Id of that station.
    pub station: Option<String>,
}

/// The result of a coverage run; its JSON form is the `result.json` of `yibao coverage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverageResult {
    pub mode: TravelMode,
    /// The budget, minutes.
    pub minutes: f64,
    pub total_population: u64,
    pub covered_population: u64,
    /// `covered_population / total_population` (0 when there is nobody).
    pub covered_share: f64,
    /// Stations placed on the network (the others have a finding).
    pub stations_snapped: u64,
    pub points: Vec<PointCoverage>,
    pub findings: Vec<Finding>,
    pub components: ComponentReport,
}

/// Everything a coverage run needs about the network, built once per graph and reused for
/// several items or budgets.
#[derive(Debug, Clone)]
pub struct CoverageNetwork<'a> {
    graph: Cow<'a, Graph>,
    components: Components,
    index: SnapIndex,
    snap: SnapConfig,
}

impl<'a> CoverageNetwork<'a> {
    /// Prepares `graph` (reversing it when it has one-way arcs), its components and its snap
    /// index; `snap` decides where every point of every later run may snap.
    pub fn new(graph: &'a Graph, snap: SnapConfig) -> CoverageNetwork<'a> {
        let components = Components::for_routing(graph);
        let index = SnapIndex::new(graph, &components, snap.target);
        CoverageNetwork {
            graph: towards_sources(graph),
            components,
            index,
            snap,
        }
    }

    /// The components of the mode's graph.
    pub fn components(&self) -> &Components {
        &self.components
    }

    /// The snap index.
    pub fn snap_index(&self) -> &SnapIndex {
        &self.index
    }

    /// Coverage of `population` by `stations` within `config.minutes`.
    pub fn cover(
        &self,
        stations: &[StationPlace],
        population: &[PopulationPoint],
        config: &CoverageConfig,
    ) -> Result<CoverageResult, RoutingError> {
        if !(config.minutes.is_finite() && config.minutes >= 0.0) {
            return Err(RoutingError::InvalidParameter(format!(
                "时间阈值 {} 分钟无效",
                config.minutes
            )));
        }
        check_snap_distance(self.snap.max_distance_m)?;
        if let Some(speed) = config.access_speed_kmh
            && !(speed.is_finite() && speed > 0.0)
        {
            return Err(RoutingError::InvalidParameter(format!(
                "接驳速度 {speed} km/h 无效"
            )));
        }
        let budget = (config.minutes * DECISECONDS_PER_MINUTE as f64).round() as u32;
        let access = |snapped: &Snapped| match config.access_speed_kmh {
            Some(speed) => travel_deciseconds(snapped.distance_m, speed),
            None => 0,
        };
        let mut findings = Vec::new();
        let station_snaps = self.index.snap_all(
            stations.iter().map(|s| (s.id.as_str(), s.position)),
            PointRole::Station,
            &self.snap,
            &mut findings,
        );
        // A station between two nodes is reached through either (where the segment may be
        // travelled towards it).
        let mut sources: Vec<Source> = Vec::new();
        for (station, snapped) in station_snaps.iter().enumerate() {
            let Some(snapped) = snapped else { continue };
            for (node, time) in snapped.entries().into_iter().flatten() {
                sources.push(Source {
                    node,
                    station: station as u32,
                    start_deciseconds: time.saturating_add(access(snapped)),
                });
            }
        }
        let on_segment = Snapped::by_segment(&station_snaps);
        let stations_snapped = station_snaps.iter().flatten().count() as u64;
        let nearest = nearest_stations(&self.graph, &sources, budget);
        let point_snaps = self.index.snap_all(
            population.iter().map(|p| (p.id.as_str(), p.position)),
            PointRole::Population,
            &self.snap,
            &mut findings,
        );
        let mut total_population = 0u64;
        let mut covered_population = 0u64;
        let points = population
            .iter()
            .zip(&point_snaps)
            .map(|(point, snapped)| {
                total_population += point.population;
                let reached = snapped.and_then(|snapped| {
                    // Through either end of the point's segment, or straight along it to a
                    // station on the same segment; the quickest, the first station on ties.
                    let mut best: Option<(u32, u32)> = None;
                    let mut offer = |time: u32, station: u32| {
                        if best.is_none_or(|(known, known_station)| {
                            time < known || (time == known && station < known_station)
                        }) {
                            best = Some((time, station));
                        }
                    };
                    for (node, time) in snapped.exits().into_iter().flatten() {
                        if let Some((onwards, station)) = nearest.get(node) {
                            offer(time.saturating_add(onwards), station);
                        }
                    }
                    for &station in snapped.neighbours(&on_segment) {
                        let at = station_snaps[station as usize].expect("snapped station");
                        if let Some(time) = snapped.along_to(&at) {
                            offer(time.saturating_add(access(&at)), station);
                        }
                    }
                    let (time, station) = best?;
                    let time = time.saturating_add(access(&snapped));
                    (time <= budget).then_some((time, station))
                });
                match reached {
                    Some((time, station)) => {
                        covered_population += point.population;
                        PointCoverage {
                            id: point.id.clone(),
                            minutes: Some(minutes(time)),
                            station: Some(stations[station as usize].id.clone()),
                        }
                    }
                    None => PointCoverage {
                        id: point.id.clone(),
                        minutes: None,
                        station: None,
                    },
                }
            })
            .collect();
        Ok(CoverageResult {
            mode: self.graph.mode(),
            minutes: config.minutes,
            total_population,
            covered_population,
            covered_share: if total_population == 0 {
                0.0
            } else {
                covered_population as f64 / total_population as f64
            },
            stations_snapped,
            points,
            findings,
            components: self.components.report(),
        })
    }

    /// Network coverage lists for site planning: for each candidate, the demand points whose
    /// spot on the network reaches the candidate's within `minutes`. Unsnapped candidates cover
    /// nobody and unsnapped demand points are covered by none; both get findings.
    pub fn coverage_lists(
        &self,
        candidates: &[(&str, yibao_domain::GeoPoint)],
        demand: &[(&str, yibao_domain::GeoPoint)],
        minutes: f64,
        findings: &mut Vec<Finding>,
    ) -> Result<CoverageLists, RoutingError> {
        if !(minutes.is_finite() && minutes >= 0.0) {
            return Err(RoutingError::InvalidParameter(format!(
                "时间阈值 {minutes} 分钟无效"
            )));
        }
        check_snap_distance(self.snap.max_distance_m)?;
        let budget = (minutes * DECISECONDS_PER_MINUTE as f64).round() as u32;
        let candidate_snaps = self.index.snap_all(
            candidates.iter().copied(),
            PointRole::Candidate,
            &self.snap,
            findings,
        );
        let demand_snaps = self.index.snap_all(
            demand.iter().copied(),
            PointRole::Demand,
            &self.snap,
            findings,
        );
        // Demand points by the nodes their spots lead to, with the time to each, as
        // compressed rows; and by segment, for candidates on the same one.
        let node_count = self.graph.node_count();
        let mut entries = Vec::new();
        for (demand_index, snapped) in demand_snaps.iter().enumerate() {
            let Some(snapped) = snapped else { continue };
            for (node, time) in snapped.exits().into_iter().flatten() {
                entries.push((node, (demand_index as u32, time)));
            }
        }
        let on_segment = Snapped::by_segment(&demand_snaps);
        let (node_start, node_demand) = rows_by_node(node_count, &entries);
        let graph: &Graph = &self.graph;
        let lists: Vec<Vec<u32>> = candidate_snaps
            .par_iter()
            .map_init(
                || SearchSpace::new(node_count),
                |space, snapped| {
                    let mut covered = Vec::new();
                    if let Some(snapped) = snapped {
                        let starts: Vec<(u32, u32)> =
                            snapped.entries().into_iter().flatten().collect();
                        space.search_from(graph, &starts, budget, |node, time| {
                            let range = node_start[node as usize] as usize
                                ..node_start[node as usize + 1] as usize;
                            for &(demand, offset) in &node_demand[range] {
                                if time.saturating_add(offset) <= budget {
                                    covered.push(demand);
                                }
                            }
                            true
                        });
                        for &demand in snapped.neighbours(&on_segment) {
                            let from = demand_snaps[demand as usize].expect("snapped demand");
                            if from.along_to(snapped).is_some_and(|time| time <= budget) {
                                covered.push(demand);
                            }
                        }
                    }
                    covered.sort_unstable();
                    covered.dedup();
                    covered
                },
            )
            .collect();
        CoverageLists::from_candidate_lists(demand.len(), &lists)
    }
}

/// Items grouped by node as compressed rows: `start[n]..start[n + 1]` indexes the items of
/// node `n`, in the order `entries` gives them.
pub(crate) fn rows_by_node<T: Copy + Default>(
    node_count: usize,
    entries: &[(u32, T)],
) -> (Vec<u32>, Vec<T>) {
    let mut start = vec![0u32; node_count + 1];
    for &(node, _) in entries {
        start[node as usize + 1] += 1;
    }
    for node in 0..node_count {
        start[node + 1] += start[node];
    }
    let mut next = start.clone();
    let mut items = vec![T::default(); entries.len()];
    for &(node, item) in entries {
        let slot = &mut next[node as usize];
        items[*slot as usize] = item;
        *slot += 1;
    }
    (start, items)
}

fn check_snap_distance(max_distance_m: f64) -> Result<(), RoutingError> {
    if max_distance_m.is_finite() && max_distance_m >= 0.0 {
        Ok(())
    } else {
        Err(RoutingError::InvalidParameter(format!(
            "最大吸附距离 {max_distance_m} 米无效：应为非负数"
        )))
    }
}

fn minutes(deciseconds: u32) -> f64 {
    (deciseconds as f64 / DECISECONDS_PER_MINUTE as f64 * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use yibao_domain::GeoPoint;

    /// Plain Dijkstra from one source without a budget, with a sorted-vector "queue"; the
    /// reference the fast search is checked against.
    fn reference_times(node_count: usize, arcs: &[(u32, u32, u32)], source: u32) -> Vec<u64> {
        let mut times = vec![u64::MAX; node_count];
        let mut done = vec![false; node_count];
        times[source as usize] = 0;
        loop {
            let next = (0..node_count)
                .filter(|&node| !done[node] && times[node] != u64::MAX)
                .min_by_key(|&node| times[node]);
            let Some(node) = next else { break };
            done[node] = true;
            for &(from, to, cost) in arcs {
                if from as usize == node {
                    let candidate = times[node] + cost as u64;
                    if candidate < times[to as usize] {
                        times[to as usize] = candidate;
                    }
                }
            }
        }
        times
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

    fn random_graph() -> impl Strategy<Value = (usize, Vec<(u32, u32, u32)>)> {
        (1usize..40).prop_flat_map(|node_count| {
            let arc = (0..node_count as u32, 0..node_count as u32, 0u32..500);
            (Just(node_count), prop::collection::vec(arc, 0..120))
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn multi_source_bounded_search_equals_the_nearest_of_plain_searches(
            (node_count, arcs) in random_graph(),
            station_seeds in prop::collection::vec((any::<u32>(), 0u32..50), 1..5),
            budget in 0u32..1500,
        ) {
            let graph = graph_of(node_count, &arcs);
            let sources: Vec<Source> = station_seeds
                .iter()
                .enumerate()
                .map(|(station, &(seed, start))| Source {
                    node: seed % node_count as u32,
                    station: station as u32,
                    start_deciseconds: start,
                })
                .collect();
            let fast = nearest_stations(&graph, &sources, budget);
            let per_station: Vec<Vec<u64>> = sources
                .iter()
                .map(|source| {
                    reference_times(node_count, &arcs, source.node)
                        .into_iter()
                        .map(|t| t.saturating_add(source.start_deciseconds as u64))
                        .collect()
                })
                .collect();
            for node in 0..node_count {
                let best = per_station.iter().map(|times| times[node]).min().unwrap();
                match fast.get(node as u32) {
                    Some((time, station)) => {
                        prop_assert_eq!(time as u64, best);
                        prop_assert_eq!(per_station[station as usize][node], best);
                    }
                    None => prop_assert!(best > budget as u64, "node {} at {} missed", node, best),
                }
            }
            // The reusable single-source search agrees too.
            let mut space = SearchSpace::new(node_count);
            for source in &sources {
                let reference = reference_times(node_count, &arcs, source.node);
                let mut settled = vec![None; node_count];
                space.search(&graph, source.node, budget, |node, time| {
                    settled[node as usize] = Some(time as u64);
                });
                for node in 0..node_count {
                    let expected = (reference[node] <= budget as u64).then_some(reference[node]);
                    prop_assert_eq!(settled[node], expected);
                }
            }
        }
    }

    /// One residential street of 250 m from `a` to `b`, one-way towards `b`.
    fn one_way_street(a: GeoPoint, b: GeoPoint) -> crate::graph::RoadNetwork {
        use crate::graph::{HighwayClass, ModeSet, Oneway, RoadNetwork, RoadSegment};
        RoadNetwork::new(
            vec![1, 2],
            vec![a, b],
            vec![RoadSegment {
                from: 0,
                to: 1,
                length_m: 250.0,
                highway: HighwayClass::Residential,
                oneway: Oneway::Forward,
                forbidden: ModeSet::EMPTY,
            }],
        )
        .unwrap()
    }

    /// Snapping that also places points on components other than the largest.
    fn any_component() -> SnapConfig {
        SnapConfig {
            target: crate::snap::SnapTarget::AnyComponent,
            ..SnapConfig::default()
        }
    }

    #[test]
    fn one_way_streets_are_searched_towards_the_station() {
        // Car graph: 0 → 1 only. A person at node 0 can drive to a station at node 1, a person
        // at node 1 cannot drive to a station at node 0.
        use crate::graph::ModeConfig;
        let positions = [
            GeoPoint::new(120.0, 36.0).unwrap(),
            GeoPoint::new(120.001, 36.0).unwrap(),
        ];
        let network = one_way_street(positions[0], positions[1]);
        let graph = Graph::build(&network, &ModeConfig::car());
        let snap = any_component();
        let prepared = CoverageNetwork::new(&graph, snap);
        let station = |position| StationPlace {
            id: "S".into(),
            position,
            items: Vec::new(),
        };
        let person = |position| PopulationPoint {
            id: "P".into(),
            position,
            population: 10,
            region: None,
        };
        let config = CoverageConfig::default();
        let downstream = prepared
            .cover(&[station(positions[1])], &[person(positions[0])], &config)
            .unwrap();
        assert_eq!(downstream.covered_population, 10);
        // 250 m at 25 km/h = 36 s = 0.6 min.
        assert_eq!(downstream.points[0].minutes, Some(0.6));
        let upstream = prepared
            .cover(&[station(positions[0])], &[person(positions[1])], &config)
            .unwrap();
        assert_eq!(upstream.covered_population, 0);
        assert_eq!(upstream.points[0].minutes, None);
        // Walking ignores the one-way: both directions work.
        let walk = Graph::build(&network, &ModeConfig::walk());
        let prepared = CoverageNetwork::new(&walk, snap);
        let walking = prepared
            .cover(&[station(positions[0])], &[person(positions[1])], &config)
            .unwrap();
        assert_eq!(walking.covered_population, 10);
        assert_eq!(walking.points[0].minutes, Some(3.0));
    }

    /// A walking street of five nodes 100 m apart along latitude 36° (72 s per segment).
    fn street() -> (Graph, Vec<GeoPoint>) {
        use crate::graph::{HighwayClass, ModeConfig, ModeSet, Oneway, RoadNetwork, RoadSegment};
        let metres_per_degree = 111_195.08 * 36f64.to_radians().cos();
        let positions: Vec<GeoPoint> = (0..5)
            .map(|i| GeoPoint::new(120.0 + i as f64 * 100.0 / metres_per_degree, 36.0).unwrap())
            .collect();
        let segments = (0..4)
            .map(|i| RoadSegment {
                from: i,
                to: i + 1,
                length_m: 100.0,
                highway: HighwayClass::Residential,
                oneway: Oneway::No,
                forbidden: ModeSet::EMPTY,
            })
            .collect();
        let network = RoadNetwork::new((0..5).collect(), positions.clone(), segments).unwrap();
        (Graph::build(&network, &ModeConfig::walk()), positions)
    }

    #[test]
    fn access_legs_add_the_walk_to_and_from_the_road_when_asked() {
        let (graph, positions) = street();
        let prepared = CoverageNetwork::new(&graph, SnapConfig::default());
        // The person stands 50 m north of node 0, the station on node 2 (200 m, 2.4 min).
        let off_road = GeoPoint::new(positions[0].lon(), 36.0 + 50.0 / 111_195.08).unwrap();
        let stations = [StationPlace {
            id: "S".into(),
            position: positions[2],
            items: Vec::new(),
        }];
        let people = [PopulationPoint {
            id: "P".into(),
            position: off_road,
            population: 7,
            region: None,
        }];
        let plain = prepared
            .cover(&stations, &people, &CoverageConfig::default())
            .unwrap();
        assert_eq!(plain.points[0].minutes, Some(2.4));
        let with_legs = CoverageConfig {
            access_speed_kmh: Some(5.0),
            ..CoverageConfig::default()
        };
        let legs = prepared.cover(&stations, &people, &with_legs).unwrap();
        // + 50 m at 5 km/h = 36 s.
        assert_eq!(legs.points[0].minutes, Some(3.0));
        let tight = CoverageConfig {
            minutes: 2.5,
            ..with_legs
        };
        let outside = prepared.cover(&stations, &people, &tight).unwrap();
        assert_eq!(outside.covered_population, 0);
        assert_eq!(outside.total_population, 7);
    }

    #[test]
    fn network_coverage_lists_hold_the_demand_within_the_time_budget() {
        let (graph, positions) = street();
        let prepared = CoverageNetwork::new(&graph, SnapConfig::default());
        let far_away = GeoPoint::new(121.0, 36.0).unwrap();
        let candidates = [
            ("C0", positions[0]),
            ("C4", positions[4]),
            ("lost", far_away),
        ];
        let demand: Vec<(&str, GeoPoint)> = vec![
            ("D0", positions[0]),
            ("D1", positions[1]),
            ("D2", positions[2]),
            ("D3", positions[3]),
            ("D4", positions[4]),
            ("nowhere", far_away),
        ];
        let mut findings = Vec::new();
        // 2.4 minutes = 144 s: two segments either way.
        let lists = prepared
            .coverage_lists(&candidates, &demand, 2.4, &mut findings)
            .unwrap();
        assert_eq!(lists.demand_of(0), &[0, 1, 2]);
        assert_eq!(lists.demand_of(1), &[2, 3, 4]);
        assert!(lists.demand_of(2).is_empty());
        assert_eq!(lists.candidates_of(2), &[0, 1]);
        let unsnapped: Vec<&str> = findings.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(unsnapped, vec!["lost", "nowhere"]);
    }

    /// The spot `share` of the way from `a` to `b`, `north_m` metres north of the road.
    fn between(a: GeoPoint, b: GeoPoint, share: f64, north_m: f64) -> GeoPoint {
        GeoPoint::new(
            a.lon() + share * (b.lon() - a.lon()),
            a.lat() + share * (b.lat() - a.lat()) + north_m / 111_195.08,
        )
        .unwrap()
    }

    #[test]
    fn points_between_nodes_start_partway_along_their_segment() {
        let (graph, positions) = street();
        let prepared = CoverageNetwork::new(&graph, SnapConfig::default());
        let station = |id: &str, position| StationPlace {
            id: id.into(),
            position,
            items: Vec::new(),
        };
        let person = |id: &str, position| PopulationPoint {
            id: id.into(),
            position,
            population: 1,
            region: None,
        };
        let config = CoverageConfig::default();
        // Halfway along 0–1 and 10 m off the road: 36 s to node 1, then 72 s to the station
        // on node 2 (1.8 min; from either whole node it would be 1.2 or 2.4).
        let halfway = between(positions[0], positions[1], 0.5, 10.0);
        let result = prepared
            .cover(
                &[station("S", positions[2])],
                &[person("P", halfway)],
                &config,
            )
            .unwrap();
        assert_eq!(result.points[0].minutes, Some(1.8));
        // Two spots on one segment reach each other straight along it: 50 m apart on 2–3 is
        // 36 s, where going round by either node would take 72 s.
        let result = prepared
            .cover(
                &[station(
                    "S",
                    between(positions[2], positions[3], 0.25, -5.0),
                )],
                &[person("P", between(positions[2], positions[3], 0.75, 5.0))],
                &config,
            )
            .unwrap();
        assert_eq!(result.points[0].minutes, Some(0.6));
        // Planning lists measure the same way: a candidate on node 0 reaches the demand point
        // halfway along 1–2 in 72 + 36 s = 1.8 min.
        let demand = [("D", between(positions[1], positions[2], 0.5, 0.0))];
        let mut findings = Vec::new();
        let reached = prepared
            .coverage_lists(&[("C", positions[0])], &demand, 1.8, &mut findings)
            .unwrap();
        assert_eq!(reached.demand_of(0), &[0]);
        let short = prepared
            .coverage_lists(&[("C", positions[0])], &demand, 1.75, &mut findings)
            .unwrap();
        assert!(short.demand_of(0).is_empty());
        assert!(findings.is_empty(), "{findings:?}");
    }

    #[test]
    fn a_spot_on_a_one_way_street_only_leads_downstream() {
        let a = GeoPoint::new(120.0, 36.0).unwrap();
        let b = GeoPoint::new(120.00278, 36.0).unwrap();
        let graph = Graph::build(&one_way_street(a, b), &crate::graph::ModeConfig::car());
        let prepared = CoverageNetwork::new(&graph, any_component());
        let cover = |station_share: f64, person_share: f64| {
            prepared
                .cover(
                    &[StationPlace {
                        id: "S".into(),
                        position: between(a, b, station_share, 0.0),
                        items: Vec::new(),
                    }],
                    &[PopulationPoint {
                        id: "P".into(),
                        position: between(a, b, person_share, 0.0),
                        population: 1,
                        region: None,
                    }],
                    &CoverageConfig::default(),
                )
                .unwrap()
                .points[0]
                .minutes
        };
        // 250 m at 25 km/h = 36 s; half of it downstream is 18 s = 0.3 min.
        assert_eq!(cover(0.75, 0.25), Some(0.3));
        assert_eq!(cover(0.25, 0.75), None);
    }

    #[test]
    fn the_result_serialises_to_the_cli_contract() {
        let result = CoverageResult {
            mode: TravelMode::Walk,
            minutes: 15.0,
            total_population: 30,
            covered_population: 10,
            covered_share: 1.0 / 3.0,
            stations_snapped: 1,
            points: vec![
                PointCoverage {
                    id: "V1".into(),
                    minutes: Some(4.5),
                    station: Some("S1".into()),
                },
                PointCoverage {
                    id: "V2".into(),
                    minutes: None,
                    station: None,
                },
            ],
            findings: Vec::new(),
            components: ComponentReport {
                usable_nodes: 2,
                component_count: 1,
                largest_component_nodes: 2,
                nodes_outside_largest: 0,
                largest_sizes: vec![2],
            },
        };
        let json = serde_json::to_value(&result).unwrap();
        assert_eq!(json["total_population"], 30);
        assert_eq!(json["covered_population"], 10);
        assert_eq!(json["points"][0]["id"], "V1");
        assert_eq!(json["points"][0]["station"], "S1");
        assert!(json["points"][1]["minutes"].is_null());
        assert!(json["points"][1]["station"].is_null());
    }
}
