//! The language of the medical-insurance service circle as Rust types.
//!
//! Everything here is pure: values are parsed once at the edge (`RegionCode::parse`,
//! `IdNumber::parse`, `GeoPoint::new`, catalog and CSV readers over text handed in) and the
//! rest of the system works with the parsed types. No I/O, no async, no SQL, no HTTP.
//! Error messages are Simplified Chinese because they reach users unchanged.

pub mod appointment;
pub mod calendar;
pub mod case;
pub mod catalog;
pub mod csv_text;
pub mod delegation;
pub mod division;
pub mod error;
pub mod geo;
pub mod id_number;
pub mod masking;
pub mod region;
pub mod station;
pub mod ticket;

pub use catalog::{Catalog, CatalogInfo, Channel, Material, ServiceItem, TimeLimit};
pub use delegation::{HandlingMode, LevelCheck, check_mode_allowed};
pub use error::ParseError;
pub use geo::{GeoPoint, MultiPolygon};
pub use id_number::{IdNumber, Sex};
pub use region::{RegionCode, RegionLevel};
pub use station::{HostType, OpeningHours, StationCode, StationLevel, StationRecord};
pub use ticket::{CategoryPrefix, TicketNumber, TicketStatus};
