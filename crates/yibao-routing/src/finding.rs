//! Findings: things worth telling a planner that are not errors — a village too far from any
//! road to be placed on the network, a station on a cut-off island of roads. They travel in
//! results as data, never as `Err`, and never disappear silently.

use serde::{Deserialize, Serialize};

/// What kind of point a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PointRole {
    Station,
    Population,
    Demand,
    Candidate,
    /// A start point of a travel-time table.
    Origin,
    /// An end point of a travel-time table.
    Destination,
}

impl PointRole {
    fn label(self) -> &'static str {
        match self {
            PointRole::Station => "站点",
            PointRole::Population => "人口点",
            PointRole::Demand => "需求点",
            PointRole::Candidate => "候选站址",
            PointRole::Origin => "起点",
            PointRole::Destination => "终点",
        }
    }
}

/// What was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// No usable road within the snap distance: the point is left out of the network
    /// computation and counted as not covered.
    NotSnapped,
    /// Snapped onto a road outside the largest connected part of the network.
    OutsideLargestComponent,
}

/// One finding about one point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub role: PointRole,
    pub id: String,
    /// Distance to the road spot the point joined, when it joined one (metres).
    pub distance_m: Option<f64>,
    /// A Chinese sentence for people.
    pub message: String,
}

impl Finding {
    pub(crate) fn not_snapped(role: PointRole, id: &str, max_distance_m: f64) -> Finding {
        Finding {
            kind: FindingKind::NotSnapped,
            role,
            id: id.to_owned(),
            distance_m: None,
            message: format!(
                "{}“{id}”周围 {max_distance_m:.0} 米内没有可用的道路，未纳入路网计算",
                role.label()
            ),
        }
    }

    pub(crate) fn outside_largest_component(role: PointRole, id: &str, distance_m: f64) -> Finding {
        Finding {
            kind: FindingKind::OutsideLargestComponent,
            role,
            id: id.to_owned(),
            distance_m: Some(distance_m),
            message: format!(
                "{}“{id}”落在与主路网不连通的道路片段上，只能到达同一片段内的点",
                role.label()
            ),
        }
    }
}
