//! Snapping points (stations, villages, candidate sites) onto the road network a travel mode
//! can use: each point joins the network at the nearest spot of the nearest road segment, as
//! routing engines do (OSRM's and Valhalla's "phantom nodes"), not at the nearest node, so a
//! point beside a long street starts on that street and not at a node of some other way
//! (an underground service tunnel, a courtyard path) that happens to be closer.
//!
//! A spot between two nodes leads to both of them (to each only where the segment may be
//! travelled that way), with the time for the part of the segment in between; two spots on the
//! same segment also reach each other directly along it. Segments are found through a grid
//! over short pieces of them (see [`SnapIndex`]).
//!
//! A point farther than the maximum snap distance (default 500 m) from every usable segment is
//! returned as unsnapped with a [`Finding`]; callers count it as uncovered instead of dropping
//! it. Snapping can be restricted to the largest connected component, so a point is not
//! placed on an isolated fragment (a gated estate's internal roads, a data error) from which
//! nothing is reachable.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use yibao_domain::GeoPoint;

use crate::components::Components;
use crate::finding::{Finding, PointRole};
use crate::geometry::{PlanarPoint, PlanarProjection, PointGrid, distance_squared};
use crate::graph::Graph;

/// Default maximum distance from a point to its road, metres.
pub const DEFAULT_MAX_SNAP_DISTANCE_M: f64 = 500.0;

/// Which nodes points may snap to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapTarget {
    /// Only segments between nodes of the largest (strongly) connected component.
    #[default]
    LargestComponent,
    /// Any segment the mode can use; points on smaller components get a finding.
    AnyComponent,
}

/// How to snap.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SnapConfig {
    pub max_distance_m: f64,
    pub target: SnapTarget,
}

impl Default for SnapConfig {
    fn default() -> Self {
        SnapConfig {
            max_distance_m: DEFAULT_MAX_SNAP_DISTANCE_M,
            target: SnapTarget::default(),
        }
    }
}

/// A point placed on the network: a spot on the segment between nodes `from` and `to`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Snapped {
    /// The segment's end nearer to the spot (the node reports name).
    pub node: u32,
    /// Great-circle distance from the point to the spot, metres.
    pub distance_m: f64,
    /// Whether the segment lies in the largest component.
    pub in_largest_component: bool,
    /// The spot.
    pub position: GeoPoint,
    /// The segment (an index of the snap index), for telling spots on the same one apart;
    /// `None` for a spot placed at a node without a segment ([`Snapped::at_node`]).
    pub segment: Option<u32>,
    pub from: u32,
    pub to: u32,
    /// Where the spot lies: 0 at `from`, 1 at `to`.
    pub fraction: f64,
    /// Time along the whole segment from `from` to `to` (deciseconds), `None` when it may not
    /// be travelled that way (one-way the other way).
    pub forward: Option<u32>,
    /// The same from `to` to `from`.
    pub backward: Option<u32>,
}

/// The share `part` of a segment's time, rounded to deciseconds.
fn share(time: u32, part: f64) -> u32 {
    (time as f64 * part).round() as u32
}

impl Snapped {
    /// A spot exactly at `node` (for a point known to stand on it).
    pub fn at_node(node: u32, position: GeoPoint) -> Snapped {
        Snapped {
            node,
            distance_m: 0.0,
            in_largest_component: true,
            position,
            segment: None,
            from: node,
            to: node,
            fraction: 0.0,
            forward: None,
            backward: None,
        }
    }

    /// The nodes the spot leads to and the time to each along the segment.
    pub fn exits(&self) -> [Option<(u32, u32)>; 2] {
        self.ends((self.to, 1.0 - self.fraction), (self.from, self.fraction))
    }

    /// The nodes the spot is reached from and the time from each along the segment.
    pub fn entries(&self) -> [Option<(u32, u32)>; 2] {
        self.ends((self.from, self.fraction), (self.to, 1.0 - self.fraction))
    }

    /// The two ends of the part of the segment travelled `forward`, then `backward`: each
    /// `(node, share of the segment)`, with its time where that way is open.
    fn ends(&self, forward: (u32, f64), backward: (u32, f64)) -> [Option<(u32, u32)>; 2] {
        // At an end, the node's own arcs (the segment among them) take over.
        if self.fraction <= 0.0 {
            return [Some((self.from, 0)), None];
        }
        if self.fraction >= 1.0 {
            return [Some((self.to, 0)), None];
        }
        [
            self.forward.map(|time| (forward.0, share(time, forward.1))),
            self.backward
                .map(|time| (backward.0, share(time, backward.1))),
        ]
    }

    /// Which of `snaps` (by index) lie on each segment, for spots reaching each other along it.
    pub fn by_segment(snaps: &[Option<Snapped>]) -> HashMap<u32, Vec<u32>> {
        let mut on_segment: HashMap<u32, Vec<u32>> = HashMap::new();
        for (index, snapped) in snaps.iter().enumerate() {
            if let Some(segment) = snapped.and_then(|snapped| snapped.segment) {
                on_segment.entry(segment).or_default().push(index as u32);
            }
        }
        on_segment
    }

    /// The indices [`Snapped::by_segment`] put on this spot's segment.
    pub fn neighbours<'a>(&self, on_segment: &'a HashMap<u32, Vec<u32>>) -> &'a [u32] {
        self.segment
            .and_then(|segment| on_segment.get(&segment))
            .map_or(&[], Vec::as_slice)
    }

    /// The time from this spot to `other` straight along the segment they share, when they
    /// share one and it may be travelled that way.
    pub fn along_to(&self, other: &Snapped) -> Option<u32> {
        if self.segment.is_none() || self.segment != other.segment {
            return None;
        }
        let part = other.fraction - self.fraction;
        if part >= 0.0 {
            self.forward.map(|time| share(time, part))
        } else {
            self.backward.map(|time| share(time, -part))
        }
    }
}

/// A road segment points may snap to: the nodes it joins (`from < to`) and its time each way.
#[derive(Debug, Clone, Copy)]
struct Segment {
    from: u32,
    to: u32,
    forward: Option<u32>,
    backward: Option<u32>,
}

/// A spatial index over the segments points may snap to. Every segment is cut into pieces of
/// at most `piece_m` metres whose midpoints go into a point grid: a segment within `d` of a
/// point has a piece midpoint within `d + piece_m / 2`, so a query looks up the nearest
/// midpoint, gathers every midpoint within that distance plus `piece_m`, and measures the exact
/// distance to each one's segment.
#[derive(Debug, Clone)]
pub struct SnapIndex {
    projection: PlanarProjection,
    grid: PointGrid,
    /// The segment of each grid point.
    piece_segment: Vec<u32>,
    piece_m: f64,
    segments: Vec<Segment>,
    /// Planar and geographic positions of every graph node (unused ones too).
    planar: Vec<PlanarPoint>,
    positions: Vec<GeoPoint>,
    in_largest: Vec<bool>,
    nodes: usize,
}

impl SnapIndex {
    /// Indexes the segments of `graph` whose both ends `target` allows.
    pub fn new(graph: &Graph, components: &Components, target: SnapTarget) -> SnapIndex {
        let node_count = graph.node_count();
        let allowed: Vec<bool> = (0..node_count as u32)
            .map(|node| match target {
                SnapTarget::LargestComponent => components.in_largest(node),
                SnapTarget::AnyComponent => components.component_of(node).is_some(),
            })
            .collect();
        let in_largest: Vec<bool> = (0..node_count as u32)
            .map(|node| components.in_largest(node))
            .collect();
        let (offsets, targets, costs) = graph.rows();
        let arcs = |node: u32| offsets[node as usize] as usize..offsets[node as usize + 1] as usize;
        // The quickest arc from `from` to `to`, if any (rows are short).
        let time = |from: u32, to: u32| -> Option<u32> {
            arcs(from)
                .filter(|&arc| targets[arc] == to)
                .map(|arc| costs[arc])
                .min()
        };
        // Each node pair once: from the lower end, or from the higher one when only it has an
        // arc.
        let mut segments = Vec::new();
        for node in 0..node_count as u32 {
            if !allowed[node as usize] {
                continue;
            }
            for arc in arcs(node) {
                let other = targets[arc];
                if other == node || !allowed[other as usize] {
                    continue;
                }
                let back = time(other, node);
                let segment = if node < other {
                    Segment {
                        from: node,
                        to: other,
                        forward: time(node, other),
                        backward: back,
                    }
                } else if back.is_none() {
                    Segment {
                        from: other,
                        to: node,
                        forward: None,
                        backward: time(node, other),
                    }
                } else {
                    continue;
                };
                if segments
                    .last()
                    .is_none_or(|last: &Segment| (last.from, last.to) != (segment.from, segment.to))
                {
                    segments.push(segment);
                }
            }
        }
        let used = allowed.iter().filter(|&&allowed| allowed).count();
        let positions = graph.positions().to_vec();
        let projection = PlanarProjection::around(
            positions
                .iter()
                .zip(&allowed)
                .filter(|(_, allowed)| **allowed)
                .map(|(position, _)| *position),
        );
        let planar: Vec<PlanarPoint> = positions.iter().map(|&p| projection.project(p)).collect();
        let used_planar: Vec<PlanarPoint> = planar
            .iter()
            .zip(&allowed)
            .filter(|(_, allowed)| **allowed)
            .map(|(point, _)| *point)
            .collect();
        let piece_m = typical_spacing(&used_planar).max(10.0);
        let mut midpoints = Vec::with_capacity(segments.len());
        let mut piece_segment = Vec::with_capacity(segments.len());
        for (index, segment) in segments.iter().enumerate() {
            let a = planar[segment.from as usize];
            let b = planar[segment.to as usize];
            let length = distance_squared(a, b).sqrt();
            let pieces = (length / piece_m).ceil().max(1.0) as usize;
            for piece in 0..pieces {
                let t = (piece as f64 + 0.5) / pieces as f64;
                midpoints.push([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]);
                piece_segment.push(index as u32);
            }
        }
        SnapIndex {
            projection,
            grid: PointGrid::build(&midpoints, piece_m),
            piece_segment,
            piece_m,
            segments,
            planar,
            positions,
            in_largest,
            nodes: used,
        }
    }

    /// Number of nodes points may snap next to.
    pub fn len(&self) -> usize {
        self.nodes
    }

    /// Whether no segment can be snapped to.
    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    /// The nearest spot of an indexed segment within `max_distance_m` (great-circle) of
    /// `point`. Ties go to the lower segment.
    pub fn snap(&self, point: GeoPoint, max_distance_m: f64) -> Option<Snapped> {
        self.snap_into(point, max_distance_m, &mut Vec::new())
    }

    /// [`SnapIndex::snap`] with a scratch list of nearby pieces, reused across many points.
    fn snap_into(
        &self,
        point: GeoPoint,
        max_distance_m: f64,
        found: &mut Vec<u32>,
    ) -> Option<Snapped> {
        // The planar search radius gets a small margin for the projection's error; the
        // great-circle distance decides.
        let centre = self.projection.project(point);
        let reach = max_distance_m * 1.02 + 1.0;
        let (_, nearest) = self
            .grid
            .nearest(centre, reach + self.piece_m / 2.0, |_| true)?;
        found.clear();
        self.grid.collect_within(
            centre,
            (nearest + self.piece_m).min(reach + self.piece_m / 2.0),
            found,
        );
        let mut best: Option<(f64, u32, f64)> = None;
        for &piece in found.iter() {
            let index = self.piece_segment[piece as usize];
            let segment = self.segments[index as usize];
            let a = self.planar[segment.from as usize];
            let b = self.planar[segment.to as usize];
            let along = [b[0] - a[0], b[1] - a[1]];
            let length_squared = along[0] * along[0] + along[1] * along[1];
            let fraction = if length_squared > 0.0 {
                (((centre[0] - a[0]) * along[0] + (centre[1] - a[1]) * along[1]) / length_squared)
                    .clamp(0.0, 1.0)
            } else {
                0.0
            };
            let spot = [a[0] + fraction * along[0], a[1] + fraction * along[1]];
            let squared = distance_squared(spot, centre);
            let better = best.is_none_or(|(best_squared, best_index, _)| {
                squared < best_squared || (squared == best_squared && index < best_index)
            });
            if better {
                best = Some((squared, index, fraction));
            }
        }
        let (squared, index, fraction) = best?;
        if squared > reach * reach {
            return None;
        }
        let segment = self.segments[index as usize];
        let a = self.positions[segment.from as usize];
        let b = self.positions[segment.to as usize];
        let position = GeoPoint::new(
            a.lon() + fraction * (b.lon() - a.lon()),
            a.lat() + fraction * (b.lat() - a.lat()),
        )
        .expect("a point between two valid positions is valid");
        let distance_m = point.distance_m(position);
        (distance_m <= max_distance_m).then(|| Snapped {
            node: if fraction <= 0.5 {
                segment.from
            } else {
                segment.to
            },
            distance_m,
            in_largest_component: self.in_largest[segment.from as usize]
                && self.in_largest[segment.to as usize],
            position,
            segment: Some(index),
            from: segment.from,
            to: segment.to,
            fraction,
            forward: segment.forward,
            backward: segment.backward,
        })
    }

    /// Snaps many points, with a finding for each one left unsnapped or placed outside the
    /// largest component.
    pub fn snap_all<'a>(
        &self,
        points: impl IntoIterator<Item = (&'a str, GeoPoint)>,
        role: PointRole,
        config: &SnapConfig,
        findings: &mut Vec<Finding>,
    ) -> Vec<Option<Snapped>> {
        let mut found = Vec::new();
        points
            .into_iter()
            .map(|(id, position)| {
                let snapped = self.snap_into(position, config.max_distance_m, &mut found);
                match snapped {
                    None => findings.push(Finding::not_snapped(role, id, config.max_distance_m)),
                    Some(snap) if !snap.in_largest_component => findings.push(
                        Finding::outside_largest_component(role, id, snap.distance_m),
                    ),
                    Some(_) => {}
                }
                snapped
            })
            .collect()
    }
}

/// Roughly the side of the square each point would own if spread evenly over the bounding box.
fn typical_spacing(points: &[[f64; 2]]) -> f64 {
    if points.len() < 2 {
        return 100.0;
    }
    let mut min = [f64::INFINITY; 2];
    let mut max = [f64::NEG_INFINITY; 2];
    for point in points {
        for axis in 0..2 {
            min[axis] = min[axis].min(point[axis]);
            max[axis] = max[axis].max(point[axis]);
        }
    }
    let area = ((max[0] - min[0]) * (max[1] - min[1])).max(1.0);
    (2.0 * area / points.len() as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::TravelMode;

    /// Nodes along latitude 36°: 0 and 1 joined, 2 on its own pair with 3, 4 unused.
    fn graph() -> Graph {
        let lons = [120.0, 120.001, 120.02, 120.021, 120.05];
        let positions = lons
            .iter()
            .map(|&lon| GeoPoint::new(lon, 36.0).unwrap())
            .collect();
        Graph::from_arcs(
            TravelMode::Walk,
            positions,
            (0..5).collect(),
            &[(0, 1, 10), (1, 0, 10), (2, 3, 10), (3, 2, 10)],
        )
        .unwrap()
    }

    #[test]
    fn a_point_snaps_to_the_nearest_usable_node_and_reports_the_distance() {
        let graph = graph();
        let components = Components::strong(&graph);
        let index = SnapIndex::new(&graph, &components, SnapTarget::AnyComponent);
        assert_eq!(index.len(), 4);
        let point = GeoPoint::new(120.0011, 36.0).unwrap();
        let snapped = index.snap(point, 500.0).unwrap();
        assert_eq!(snapped.node, 1);
        // 0.0001° of longitude at 36° ≈ 9.0 m.
        assert!((snapped.distance_m - 9.0).abs() < 0.1, "{snapped:?}");
    }

    #[test]
    fn a_point_joins_the_nearest_segment_not_the_nearest_node() {
        // A street 0–1 (≈ 900 m along latitude 36°) and a side way 2–3 north of its middle,
        // node 2 ≈ 89 m north. A point ≈ 11 m north of the street's middle is ≈ 78 m from
        // node 2 and 450 m from nodes 0 and 1: it joins the street, halfway along.
        let positions = vec![
            GeoPoint::new(120.0, 36.0).unwrap(),
            GeoPoint::new(120.01, 36.0).unwrap(),
            GeoPoint::new(120.005, 36.0008).unwrap(),
            GeoPoint::new(120.005, 36.002).unwrap(),
        ];
        let graph = Graph::from_arcs(
            TravelMode::Walk,
            positions,
            (0..4).collect(),
            &[(0, 1, 6480), (1, 0, 6480), (2, 3, 960), (3, 2, 960)],
        )
        .unwrap();
        let components = Components::strong(&graph);
        let index = SnapIndex::new(&graph, &components, SnapTarget::AnyComponent);
        let point = GeoPoint::new(120.005, 36.0001).unwrap();
        let snapped = index.snap(point, 500.0).unwrap();
        assert_eq!((snapped.from, snapped.to), (0, 1), "{snapped:?}");
        assert!((snapped.fraction - 0.5).abs() < 1e-9, "{snapped:?}");
        assert!((snapped.distance_m - 11.1).abs() < 0.1, "{snapped:?}");
        assert!((snapped.position.lon() - 120.005).abs() < 1e-9);
        assert_eq!(snapped.position.lat(), 36.0);
        assert_eq!(snapped.exits(), [Some((1, 3240)), Some((0, 3240))]);
        assert_eq!(snapped.entries(), [Some((0, 3240)), Some((1, 3240))]);
        // Past the end of a way, a point joins at the end node itself.
        let beyond = index
            .snap(GeoPoint::new(120.0102, 36.0).unwrap(), 500.0)
            .unwrap();
        assert_eq!(beyond.fraction, 1.0);
        assert_eq!(beyond.exits(), [Some((1, 0)), None]);
        assert_eq!(beyond.node, 1);
    }

    #[test]
    fn a_one_way_segment_is_left_and_entered_only_downstream() {
        let positions = vec![
            GeoPoint::new(120.0, 36.0).unwrap(),
            GeoPoint::new(120.001, 36.0).unwrap(),
        ];
        let graph =
            Graph::from_arcs(TravelMode::Car, positions, vec![7, 8], &[(0, 1, 100)]).unwrap();
        let components = Components::strong(&graph);
        let index = SnapIndex::new(&graph, &components, SnapTarget::AnyComponent);
        let at = |share: f64| {
            index
                .snap(GeoPoint::new(120.0 + share * 0.001, 36.0).unwrap(), 50.0)
                .unwrap()
        };
        let (upstream, downstream) = (at(0.25), at(0.75));
        assert_eq!(upstream.forward, Some(100));
        assert_eq!(upstream.backward, None);
        assert_eq!(upstream.exits(), [Some((1, 75)), None]);
        assert_eq!(upstream.entries(), [Some((0, 25)), None]);
        assert_eq!(upstream.along_to(&downstream), Some(50));
        assert_eq!(downstream.along_to(&upstream), None);
    }

    #[test]
    fn a_point_beyond_the_snap_distance_is_reported_not_dropped() {
        let graph = graph();
        let components = Components::strong(&graph);
        let index = SnapIndex::new(&graph, &components, SnapTarget::LargestComponent);
        // Node 4 (120.05) is unused; the nearest node of the largest component is 1 at
        // 120.001, ≈ 4.41 km away.
        let far = GeoPoint::new(120.05, 36.0).unwrap();
        let near = GeoPoint::new(120.0001, 36.0).unwrap();
        let mut findings = Vec::new();
        let snapped = index.snap_all(
            [("far", far), ("near", near)],
            PointRole::Population,
            &SnapConfig::default(),
            &mut findings,
        );
        assert_eq!(snapped[0], None);
        assert_eq!(snapped[1].unwrap().node, 0);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].id, "far");
        assert_eq!(
            findings[0].message,
            "人口点“far”周围 500 米内没有可用的道路，未纳入路网计算"
        );
        assert_eq!(index.snap(far, 4_000.0), None);
        let wide = index.snap(far, 5_000.0).unwrap();
        assert_eq!(wide.node, 1);
        assert!((wide.distance_m - 4_408.0).abs() < 20.0, "{wide:?}");
    }

    #[test]
    fn snapping_to_the_largest_component_skips_fragments_and_any_component_reports_them() {
        let graph = graph();
        let components = Components::strong(&graph);
        let point = GeoPoint::new(120.0201, 36.0).unwrap();
        let largest = SnapIndex::new(&graph, &components, SnapTarget::LargestComponent);
        // Components of equal size: the first found (nodes 0 and 1) counts as the largest.
        assert_eq!(largest.snap(point, 5_000.0).unwrap().node, 1);
        let any = SnapIndex::new(&graph, &components, SnapTarget::AnyComponent);
        let mut findings = Vec::new();
        let snapped = any.snap_all(
            [("S1", point)],
            PointRole::Station,
            &SnapConfig::default(),
            &mut findings,
        );
        assert_eq!(snapped[0].unwrap().node, 2);
        assert_eq!(
            findings[0].kind,
            crate::finding::FindingKind::OutsideLargestComponent
        );
    }
}
