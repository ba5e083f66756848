//! Readers that turn text handed in by the caller (CSV, OpenStreetMap PBF) into road networks
//! and places. They do no I/O of their own beyond reading the `Read` they are given, so the
//! CLI decides where files come from.

pub mod csv;
pub mod osm;

pub use self::csv::{
    read_candidates, read_demand, read_network_csv, read_points, read_population, read_stations,
};
pub use self::osm::{OsmImportReport, read_osm_pbf};
