//! Travel times, 15-minute coverage and site planning for the medical-insurance service circle.
//!
//! A pure library: it reads only the input it is handed and knows nothing of HTTP, SQL or
//! async. The flow is
//!
//! 1. [`import`] a [`RoadNetwork`] from CSV or OpenStreetMap PBF;
//! 2. build a [`Graph`] for a [`TravelMode`] ([`ModeConfig`] holds the speeds), compressed
//!    sparse rows with travel times in deciseconds;
//! 3. find its [`Components`] and snap places onto usable road segments with a [`SnapIndex`]
//!    (points too far from a road become [`Finding`]s, never silently dropped);
//! 4. [`coverage`]: multi-source bounded Dijkstra from the stations gives each population
//!    point its time to the nearest station ([`CoverageNetwork::cover`]);
//! 5. [`planning`]: choose K new sites maximising newly covered demand ([`plan_sites`]), or the
//!    fewest sites reaching a target share ([`fewest_sites`]), with an upper bound and gap;
//! 6. [`table`]: many-to-many travel times ([`travel_time_table`]), as routing engines' table
//!    services give them.
//!
//! Error messages are Simplified Chinese because they reach users unchanged.

pub mod components;
pub mod coverage;
pub mod error;
pub mod estimate;
pub mod finding;
pub mod geometry;
pub mod graph;
pub mod import;
pub mod places;
pub mod planning;
pub mod snap;
pub mod table;

pub use components::{ComponentReport, Components};
pub use coverage::{CoverageConfig, CoverageNetwork, CoverageResult, PointCoverage};
pub use error::RoutingError;
pub use finding::{Finding, FindingKind, PointRole};
pub use geometry::{PlanarPoint, PlanarProjection};
pub use graph::{Graph, HighwayClass, ModeConfig, Oneway, RoadNetwork, RoadSegment, TravelMode};
pub use places::{CandidateSite, DemandPoint, Location, PopulationPoint, StationPlace};
pub use planning::{
    CoverageLists, Plan, PlanConfig, SetCoverPlan, covered_weight, fewest_sites, plan_sites,
};
pub use snap::{SnapConfig, SnapIndex, SnapTarget, Snapped};
pub use table::{TravelTimeTable, travel_time_table};
