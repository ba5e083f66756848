//! The one error type of the domain crate: why a piece of input could not be parsed.
//!
//! Messages are Chinese and name the offending value (never a full ID number).

use thiserror::Error;

/// Why input could not become a domain value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParseError {
    #[error("行政区划代码“{0}”无效：应为 2、4、6、9 或 12 位数字")]
    RegionCode(String),
    #[error("身份证号码无效：{0}")]
    IdNumber(&'static str),
    #[error("坐标无效：{0}")]
    Coordinate(String),
    #[error("站点层级“{0}”无效：应为 city、county、town、village、residential 或 building")]
    StationLevel(String),
    #[error("行政区划层级“{0}”无效：应为 province、city、county、town 或 village")]
    RegionLevel(String),
    #[error("承载机构类型“{0}”无效")]
    HostType(String),
    #[error(
        "办理方式“{0}”无效：应为 complete（直接办结）、accept_forward（受理转办）或 none（不办理）"
    )]
    HandlingMode(String),
    #[error("办理时限“{0}”无效：应为 instant 或“<天数>wd”")]
    TimeLimit(String),
    #[error("办理渠道“{0}”无效")]
    Channel(String),
    #[error("营业时间“{0}”无效：{1}")]
    OpeningHours(String, &'static str),
    #[error("站点编码“{0}”无效：应为 2～32 位字母、数字、连字符或下划线")]
    StationCode(String),
    #[error("{field}不能为空")]
    Empty { field: &'static str },
    #[error("{field}过长（最多 {max} 个字符）")]
    TooLong { field: &'static str, max: usize },
    #[error("{0}")]
    Invalid(String),
}
