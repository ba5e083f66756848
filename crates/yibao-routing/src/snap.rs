//! Snapping points (stations, villages, candidate sites) to the nearest road node a travel mode
//! can use, through a uniform grid over the nodes in a local planar projection.
//!
//! A point farther than the maximum snap distance (default 500 m) from every usable node is
//! returned as unsnapped with a [`Finding`]; callers count it as uncovered instead of dropping
//! it. Snapping can be restricted to the largest connected component, so a point is not
//! placed on an isolated fragment (a gated estate's internal roads, a data error) from which
//! nothing is reachable.

use serde::{Deserialize, Serialize};
use yibao_domain::GeoPoint;

use crate::components::Components;
use crate::finding::{Finding, PointRole};
use crate::geometry::{PlanarProjection, PointGrid};
use crate::graph::Graph;

/// Default maximum distance from a point to its road node, metres.
pub const DEFAULT_MAX_SNAP_DISTANCE_M: f64 = 500.0;

/// Which nodes points may snap to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapTarget {
    /// Only nodes of the largest (strongly) connected component.
    #[default]
    LargestComponent,
    /// Any node the mode can use; points on smaller components get a finding.
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

/// A point placed on the network.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Snapped {
    /// Node index in the graph.
    pub node: u32,
    /// Great-circle distance from the point to the node, metres.
    pub distance_m: f64,
    /// Whether the node lies in the largest component.
    pub in_largest_component: bool,
}

/// A spatial index over the nodes points may snap to.
#[derive(Debug, Clone)]
pub struct SnapIndex {
    projection: PlanarProjection,
    grid: PointGrid,
    /// Graph node of each grid point.
    nodes: Vec<u32>,
    positions: Vec<GeoPoint>,
    in_largest: Vec<bool>,
}

impl SnapIndex {
    /// Indexes the nodes of `graph` allowed by `target`.
    pub fn new(graph: &Graph, components: &Components, target: SnapTarget) -> SnapIndex {
        let nodes: Vec<u32> = (0..graph.node_count() as u32)
            .filter(|&node| match target {
                SnapTarget::LargestComponent => components.in_largest(node),
                SnapTarget::AnyComponent => components.component_of(node).is_some(),
            })
            .collect();
        let positions: Vec<GeoPoint> = nodes
            .iter()
            .map(|&node| graph.positions()[node as usize])
            .collect();
        let in_largest = nodes
            .iter()
            .map(|&node| components.in_largest(node))
            .collect();
        let projection = PlanarProjection::around(positions.iter().copied());
        let planar: Vec<_> = positions.iter().map(|&p| projection.project(p)).collect();
        // About two nodes per cell on average over the bounding box.
        let cell_size = typical_spacing(&planar).max(5.0);
        SnapIndex {
            projection,
            grid: PointGrid::build(&planar, cell_size),
            nodes,
            positions,
            in_largest,
        }
    }

    /// Number of nodes indexed.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether no node can be snapped to.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The nearest indexed node within `max_distance_m` (great-circle) of `point`.
    pub fn snap(&self, point: GeoPoint, max_distance_m: f64) -> Option<Snapped> {
        // The planar search radius gets a small margin for the projection's error; the
        // great-circle distance decides.
        let planar = self.projection.project(point);
        let (slot, _) = self
            .grid
            .nearest(planar, max_distance_m * 1.02 + 1.0, |_| true)?;
        let distance_m = point.distance_m(self.positions[slot as usize]);
        (distance_m <= max_distance_m).then(|| Snapped {
            node: self.nodes[slot as usize],
            distance_m,
            in_largest_component: self.in_largest[slot as usize],
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
        points
            .into_iter()
            .map(|(id, position)| {
                let snapped = self.snap(position, config.max_distance_m);
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
            "人口点“far”周围 500 米内没有可用的道路节点，未纳入路网计算"
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
