//! The one error type of the routing crate: why input could not become a road network, a set
//! of places or a planning problem.
//!
//! Messages are Simplified Chinese because they reach users unchanged; a problem in a CSV row
//! names the file's role and the line number (counting the header as line 1). A point that
//! cannot be snapped or a station that covers nobody is not an error but a `Finding`.

use thiserror::Error;

/// Why input for routing, coverage or planning was refused.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum RoutingError {
    /// The input had a header (or nothing) but no data row.
    #[error("{what}为空：没有任何数据行")]
    EmptyInput { what: &'static str },
    /// The header lacks a required column.
    #[error("{what}缺少必需的列“{column}”（表头：{header}）")]
    MissingColumn {
        what: &'static str,
        column: &'static str,
        header: String,
    },
    /// One data row is malformed.
    #[error("{what}第 {line} 行：{message}")]
    Row {
        what: &'static str,
        line: u64,
        message: String,
    },
    /// The input could not be read at all (broken CSV quoting, invalid UTF-8, I/O).
    #[error("{what}无法读取：{message}")]
    Unreadable { what: &'static str, message: String },
    /// The OpenStreetMap file could not be decoded.
    #[error("OpenStreetMap 文件无法读取：{0}")]
    Osm(String),
    /// The OpenStreetMap file holds no road usable by any mode.
    #[error("OpenStreetMap 文件中没有可用的道路（带 highway 标签的路线）")]
    NoRoads,
    /// A parameter is out of range (speed, radius, number of sites…).
    #[error("参数无效：{0}")]
    InvalidParameter(String),
}

impl RoutingError {
    pub(crate) fn row(what: &'static str, line: u64, message: impl Into<String>) -> RoutingError {
        RoutingError::Row {
            what,
            line,
            message: message.into(),
        }
    }
}
