//! The places routing works with besides the road network: stations, population points,
//! demand points and candidate sites, as parsed from their CSV files.
//!
//! Demand and candidate files may give WGS-84 `lon,lat` or planar `x,y` in metres (the
//! benchmark instance generator writes metres); [`Location`] keeps which, and
//! [`planar_points`] turns a set of them into one common plane.

use serde::{Deserialize, Serialize};
use yibao_domain::{GeoPoint, RegionCode};

use crate::geometry::{PlanarPoint, PlanarProjection};

/// Where a place is: a WGS-84 position or planar metres.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Location {
    LonLat(GeoPoint),
    Planar(PlanarPoint),
}

/// A station able to serve people: `id,lon,lat[,items]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StationPlace {
    pub id: String,
    pub position: GeoPoint,
    /// Codes of the service items it handles (empty: unknown, treated as "all" by callers
    /// that filter by item only when the column is present).
    pub items: Vec<String>,
}

/// Where people live: `id,lon,lat,population[,region]` (a village, a residential block, a
/// grid cell), optionally with the code of the region it belongs to (for per-region shares).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopulationPoint {
    pub id: String,
    pub position: GeoPoint,
    pub population: u64,
    pub region: Option<RegionCode>,
}

/// A point of demand for site planning: `id,lon,lat,weight` or `id,x,y,weight`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemandPoint {
    pub id: String,
    pub location: Location,
    pub weight: f64,
}

/// A candidate site for a new station: `id,lon,lat` or `id,x,y`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateSite {
    pub id: String,
    pub location: Location,
}

/// Puts every location on one plane in metres. WGS-84 positions are projected around the
/// middle of all WGS-84 positions given; planar ones are taken as they are. Mixing both kinds
/// in one problem is the caller's mistake and is not guarded against here.
pub fn planar_points<'a>(
    locations: impl Iterator<Item = &'a Location> + Clone,
) -> Vec<PlanarPoint> {
    let projection =
        PlanarProjection::around(locations.clone().filter_map(|location| match location {
            Location::LonLat(point) => Some(*point),
            Location::Planar(_) => None,
        }));
    locations
        .map(|location| match location {
            Location::LonLat(point) => projection.project(*point),
            Location::Planar(point) => *point,
        })
        .collect()
}
