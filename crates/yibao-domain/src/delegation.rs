//! Delegation (下沉): how a station handles an item, and the level rule that limits it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{ParseError, ServiceItem, StationLevel};

/// How a station handles an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandlingMode {
    /// 直接办结: completed on site.
    Complete,
    /// 受理转办: intake and first review here, completion upstream.
    AcceptForward,
    /// 不办理.
    None,
}

impl HandlingMode {
    pub const ALL: [HandlingMode; 3] = [
        HandlingMode::Complete,
        HandlingMode::AcceptForward,
        HandlingMode::None,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HandlingMode::Complete => "complete",
            HandlingMode::AcceptForward => "accept_forward",
            HandlingMode::None => "none",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            HandlingMode::Complete => "直接办结",
            HandlingMode::AcceptForward => "受理转办",
            HandlingMode::None => "不办理",
        }
    }
}

impl FromStr for HandlingMode {
    type Err = ParseError;
    fn from_str(text: &str) -> Result<Self, ParseError> {
        let text = text.trim();
        HandlingMode::ALL
            .into_iter()
            .find(|mode| mode.as_str() == text || mode.label() == text)
            .ok_or_else(|| ParseError::HandlingMode(text.to_owned()))
    }
}

impl fmt::Display for HandlingMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the level rule says about a requested mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LevelCheck {
    /// The guide allows it.
    Allowed,
    /// The station is below the item's lowest level: completing needs an administrator's
    /// override with a reason.
    NeedsOverride { message: String },
}

/// A station may complete an item only at or above the item's lowest level; it may always
/// accept and forward, or not handle it.
pub fn check_mode_allowed(
    level: StationLevel,
    item: &ServiceItem,
    mode: HandlingMode,
) -> LevelCheck {
    if mode != HandlingMode::Complete || level.region_level() <= item.lowest_level() {
        return LevelCheck::Allowed;
    }
    LevelCheck::NeedsOverride {
        message: format!(
            "“{}”最低可由{}办结，{}只能受理转办；如需直接办结，须由管理员填写理由后越级授权",
            item.name,
            item.lowest_level().label(),
            level.label()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Catalog;

    fn item(name: &str) -> ServiceItem {
        Catalog::jiangsu_2022()
            .items
            .into_iter()
            .find(|i| i.name == name)
            .unwrap()
    }

    #[test]
    fn a_village_point_cannot_complete_a_town_level_item() {
        let filing = item("异地长期居住人员备案");
        assert_eq!(
            check_mode_allowed(StationLevel::Town, &filing, HandlingMode::Complete),
            LevelCheck::Allowed
        );
        assert!(matches!(
            check_mode_allowed(StationLevel::Village, &filing, HandlingMode::Complete),
            LevelCheck::NeedsOverride { .. }
        ));
        assert_eq!(
            check_mode_allowed(StationLevel::Village, &filing, HandlingMode::AcceptForward),
            LevelCheck::Allowed
        );
    }

    #[test]
    fn a_village_point_may_complete_resident_enrolment() {
        let enrolment = item("城乡居民参保登记");
        assert_eq!(
            check_mode_allowed(StationLevel::Village, &enrolment, HandlingMode::Complete),
            LevelCheck::Allowed
        );
        assert_eq!(
            check_mode_allowed(StationLevel::Building, &enrolment, HandlingMode::Complete),
            LevelCheck::Allowed
        );
    }

    #[test]
    fn a_town_station_completing_a_county_item_needs_an_override() {
        let claim = item("住院费用报销");
        let LevelCheck::NeedsOverride { message } =
            check_mode_allowed(StationLevel::Town, &claim, HandlingMode::Complete)
        else {
            panic!("expected an override to be needed");
        };
        assert_eq!(
            message,
            "“住院费用报销”最低可由县（市、区）办结，镇街服务站只能受理转办；如需直接办结，须由管理员填写理由后越级授权"
        );
        assert_eq!(
            check_mode_allowed(StationLevel::County, &claim, HandlingMode::Complete),
            LevelCheck::Allowed
        );
    }
}
