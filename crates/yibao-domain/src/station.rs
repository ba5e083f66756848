//! Stations (医保服务站点): levels, host institutions, opening hours and the parsed record that
//! both the API and the CSV importer build before anything touches the database.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveTime;
use serde::{Deserialize, Serialize};

use crate::{GeoPoint, ParseError, RegionCode, RegionLevel};

/// The station network's levels, from the county hall down to building-level points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StationLevel {
    /// 设区市医保服务大厅
    City,
    /// 县（市、区）医保服务大厅
    County,
    /// 乡镇（街道）医保服务站，标准型驿站
    Town,
    /// 村（社区）医保服务点，简约型驿站
    Village,
    /// 小区便捷服务点（网格员，便捷型）
    Residential,
    /// 楼栋暖心服务点（特殊群体，暖心型）
    Building,
}

impl StationLevel {
    pub const ALL: [StationLevel; 6] = [
        StationLevel::City,
        StationLevel::County,
        StationLevel::Town,
        StationLevel::Village,
        StationLevel::Residential,
        StationLevel::Building,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StationLevel::City => "city",
            StationLevel::County => "county",
            StationLevel::Town => "town",
            StationLevel::Village => "village",
            StationLevel::Residential => "residential",
            StationLevel::Building => "building",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StationLevel::City => "市级服务大厅",
            StationLevel::County => "县级服务大厅",
            StationLevel::Town => "镇街服务站",
            StationLevel::Village => "村社区服务点",
            StationLevel::Residential => "小区便捷点",
            StationLevel::Building => "楼栋暖心点",
        }
    }

    /// The administrative level of the region a station of this level sits in. Residential
    /// and building points belong to a village or community.
    pub fn region_level(self) -> RegionLevel {
        match self {
            StationLevel::City => RegionLevel::City,
            StationLevel::County => RegionLevel::County,
            StationLevel::Town => RegionLevel::Town,
            StationLevel::Village | StationLevel::Residential | StationLevel::Building => {
                RegionLevel::Village
            }
        }
    }

    /// 0 for a city hall … 5 for a building point; a parent must have a smaller rank.
    pub fn rank(self) -> u8 {
        self as u8
    }
}

impl FromStr for StationLevel {
    type Err = ParseError;
    fn from_str(text: &str) -> Result<Self, ParseError> {
        let text = text.trim();
        StationLevel::ALL
            .into_iter()
            .find(|level| level.as_str() == text || level.label() == text)
            .ok_or_else(|| ParseError::StationLevel(text.to_owned()))
    }
}

impl fmt::Display for StationLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The institution hosting a station.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HostType {
    /// 政务（便民）服务中心
    ServiceCenter,
    /// 村（社区）党群服务中心
    CommunityCenter,
    /// 医院（结算窗口）
    Hospital,
    /// 卫生院、卫生室、诊所
    Clinic,
    /// 定点零售药店
    Pharmacy,
    /// 银行网点
    Bank,
    /// 学校
    School,
    /// 养老机构
    ElderlyHome,
    /// 其他
    Other,
}

impl HostType {
    pub const ALL: [HostType; 9] = [
        HostType::ServiceCenter,
        HostType::CommunityCenter,
        HostType::Hospital,
        HostType::Clinic,
        HostType::Pharmacy,
        HostType::Bank,
        HostType::School,
        HostType::ElderlyHome,
        HostType::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HostType::ServiceCenter => "service_center",
            HostType::CommunityCenter => "community_center",
            HostType::Hospital => "hospital",
            HostType::Clinic => "clinic",
            HostType::Pharmacy => "pharmacy",
            HostType::Bank => "bank",
            HostType::School => "school",
            HostType::ElderlyHome => "elderly_home",
            HostType::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            HostType::ServiceCenter => "政务服务中心",
            HostType::CommunityCenter => "党群服务中心",
            HostType::Hospital => "医院",
            HostType::Clinic => "卫生院（室）",
            HostType::Pharmacy => "定点药店",
            HostType::Bank => "银行网点",
            HostType::School => "学校",
            HostType::ElderlyHome => "养老机构",
            HostType::Other => "其他",
        }
    }
}

impl FromStr for HostType {
    type Err = ParseError;
    fn from_str(text: &str) -> Result<Self, ParseError> {
        let text = text.trim();
        HostType::ALL
            .into_iter()
            .find(|host| host.as_str() == text || host.label() == text)
            .ok_or_else(|| ParseError::HostType(text.to_owned()))
    }
}

/// A station's code: 2–32 characters of ASCII letters, digits, `-` or `_`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct StationCode(String);

impl StationCode {
    pub fn parse(text: &str) -> Result<StationCode, ParseError> {
        let text = text.trim();
        let valid = (2..=32).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if valid {
            Ok(StationCode(text.to_owned()))
        } else {
            Err(ParseError::StationCode(text.chars().take(40).collect()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for StationCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        StationCode::parse(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for StationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Days 1 (Monday) … 7 (Sunday) with service hours on them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayRule {
    /// `days[0]` is Monday.
    pub days: [bool; 7],
    pub ranges: Vec<(NaiveTime, NaiveTime)>,
}

/// Weekly opening hours, written compactly as `1-5 08:30-12:00,13:30-17:30; 6 09:00-12:00`
/// (days 1–7 = Monday–Sunday; `周一至周五` style is accepted too).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OpeningHours {
    pub rules: Vec<DayRule>,
}

const DAY_NAMES: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];

impl OpeningHours {
    pub fn parse(text: &str) -> Result<OpeningHours, ParseError> {
        let error = |why| ParseError::OpeningHours(text.trim().chars().take(80).collect(), why);
        let mut rules = Vec::new();
        for part in text
            .split([';', '；'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let (days_text, ranges_text) = part
                .split_once(char::is_whitespace)
                .ok_or_else(|| error("每段应为“星期 时间段”，如 1-5 08:30-17:30"))?;
            let days = parse_days(days_text)
                .ok_or_else(|| error("星期应为 1～7 或 周一～周日，如 1-5"))?;
            let mut ranges = Vec::new();
            for range in ranges_text
                .split([',', '，', '、'])
                .map(str::trim)
                .filter(|r| !r.is_empty())
            {
                let (start, end) = range
                    .split_once('-')
                    .ok_or_else(|| error("时间段应为 HH:MM-HH:MM"))?;
                let start = NaiveTime::parse_from_str(start.trim(), "%H:%M")
                    .map_err(|_| error("时间应为 HH:MM"))?;
                let end = NaiveTime::parse_from_str(end.trim(), "%H:%M")
                    .map_err(|_| error("时间应为 HH:MM"))?;
                if end <= start {
                    return Err(error("结束时间应晚于开始时间"));
                }
                ranges.push((start, end));
            }
            if ranges.is_empty() {
                return Err(error("缺少时间段"));
            }
            ranges.sort();
            if ranges.windows(2).any(|pair| pair[1].0 < pair[0].1) {
                return Err(error("时间段重叠"));
            }
            rules.push(DayRule { days, ranges });
        }
        for (i, a) in rules.iter().enumerate() {
            for b in &rules[i + 1..] {
                if (0..7).any(|d| a.days[d] && b.days[d]) {
                    return Err(error("同一天出现在多段中"));
                }
            }
        }
        Ok(OpeningHours { rules })
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Open on Saturday or Sunday (周末服务).
    pub fn weekend_service(&self) -> bool {
        self.rules.iter().any(|rule| rule.days[5] || rule.days[6])
    }

    /// Open through 12:00–13:30 on some weekday (午间不间断).
    pub fn noon_service(&self) -> bool {
        let noon = NaiveTime::from_hms_opt(12, 0, 0).expect("valid time");
        let after = NaiveTime::from_hms_opt(13, 30, 0).expect("valid time");
        self.rules.iter().any(|rule| {
            rule.days[..5].iter().any(|d| *d)
                && rule
                    .ranges
                    .iter()
                    .any(|(start, end)| *start <= noon && *end >= after)
        })
    }

    /// The compact machine form that `parse` reads back.
    pub fn to_compact(&self) -> String {
        self.rules
            .iter()
            .map(|rule| {
                format!(
                    "{} {}",
                    days_compact(&rule.days),
                    ranges_text(&rule.ranges, ",")
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Chinese display: `周一至周五 08:30-17:30；周六 09:00-12:00`.
    pub fn to_chinese(&self) -> String {
        if self.rules.is_empty() {
            return "未填写".to_owned();
        }
        self.rules
            .iter()
            .map(|rule| {
                format!(
                    "{} {}",
                    days_chinese(&rule.days),
                    ranges_text(&rule.ranges, "、")
                )
            })
            .collect::<Vec<_>>()
            .join("；")
    }
}

fn ranges_text(ranges: &[(NaiveTime, NaiveTime)], separator: &str) -> String {
    ranges
        .iter()
        .map(|(start, end)| format!("{}-{}", start.format("%H:%M"), end.format("%H:%M")))
        .collect::<Vec<_>>()
        .join(separator)
}

fn day_runs(days: &[bool; 7]) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut day = 0;
    while day < 7 {
        if days[day] {
            let start = day;
            while day + 1 < 7 && days[day + 1] {
                day += 1;
            }
            runs.push((start, day));
        }
        day += 1;
    }
    runs
}

fn days_compact(days: &[bool; 7]) -> String {
    day_runs(days)
        .into_iter()
        .map(|(a, b)| {
            if a == b {
                format!("{}", a + 1)
            } else {
                format!("{}-{}", a + 1, b + 1)
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn days_chinese(days: &[bool; 7]) -> String {
    day_runs(days)
        .into_iter()
        .map(|(a, b)| {
            if a == b {
                DAY_NAMES[a].to_owned()
            } else {
                format!("{}至{}", DAY_NAMES[a], DAY_NAMES[b])
            }
        })
        .collect::<Vec<_>>()
        .join("、")
}

fn parse_day(text: &str) -> Option<usize> {
    let text = text.trim();
    if let Ok(number) = text.parse::<usize>() {
        return (1..=7).contains(&number).then(|| number - 1);
    }
    let text = text.replace("星期", "周").replace("周天", "周日");
    DAY_NAMES.iter().position(|name| *name == text)
}

fn parse_days(text: &str) -> Option<[bool; 7]> {
    let mut days = [false; 7];
    for part in text.split([',', '、']) {
        let normalised = part.replace(['至', '~'], "-");
        match normalised.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (parse_day(a)?, parse_day(b)?);
                if a > b {
                    return None;
                }
                days[a..=b].iter_mut().for_each(|d| *d = true);
            }
            None => days[parse_day(&normalised)?] = true,
        }
    }
    days.iter().any(|d| *d).then_some(days)
}

impl Serialize for OpeningHours {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_compact())
    }
}

impl<'de> Deserialize<'de> for OpeningHours {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        OpeningHours::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Everything about a station that can be checked without the database: what the API's create
/// request and each CSV row become. Checks against other rows (region exists, parent station,
/// level consistency with the region) follow in `check_placement`.
#[derive(Debug, Clone, PartialEq)]
pub struct StationRecord {
    pub code: StationCode,
    pub name: String,
    pub level: StationLevel,
    pub region: RegionCode,
    pub host_type: HostType,
    pub parent: Option<StationCode>,
    pub location: Option<GeoPoint>,
    pub address: String,
    pub windows: u16,
    pub phone: String,
    pub opening_hours: OpeningHours,
}

/// Raw text fields as they come from a form, JSON body or CSV row.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct StationInput {
    pub code: String,
    pub name: String,
    pub level: String,
    pub region_code: String,
    pub host_type: String,
    #[serde(default)]
    pub parent_code: Option<String>,
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub windows: Option<u16>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub opening_hours: Option<String>,
}

/// Field-level problems with a station input, collected so a form or CSV row can show all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl StationInput {
    /// Parses every field; returns all problems at once rather than the first.
    pub fn parse(&self) -> Result<StationRecord, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut take = |field: &'static str, result: Result<(), ParseError>| {
            if let Err(error) = result {
                errors.push(FieldError {
                    field,
                    message: error.to_string(),
                });
            }
        };
        let code = StationCode::parse(&self.code);
        take("code", code.as_ref().map(|_| ()).map_err(Clone::clone));
        let name = required_text(&self.name, "站点名称", 100);
        take("name", name.as_ref().map(|_| ()).map_err(Clone::clone));
        let level = self.level.parse::<StationLevel>();
        take("level", level.as_ref().map(|_| ()).map_err(Clone::clone));
        let region = RegionCode::parse(&self.region_code);
        take(
            "region_code",
            region.as_ref().map(|_| ()).map_err(Clone::clone),
        );
        let host_type = self.host_type.parse::<HostType>();
        take(
            "host_type",
            host_type.as_ref().map(|_| ()).map_err(Clone::clone),
        );
        let parent = match self.parent_code.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(text) => StationCode::parse(text).map(Some),
        };
        take(
            "parent_code",
            parent.as_ref().map(|_| ()).map_err(Clone::clone),
        );
        let location = match (self.lon, self.lat) {
            (None, None) => Ok(None),
            (Some(lon), Some(lat)) => GeoPoint::new(lon, lat).map(Some),
            _ => Err(ParseError::Coordinate("经度和纬度须同时填写".to_owned())),
        };
        take(
            "location",
            location.as_ref().map(|_| ()).map_err(Clone::clone),
        );
        let address = optional_text(self.address.as_deref(), "地址", 200);
        take(
            "address",
            address.as_ref().map(|_| ()).map_err(Clone::clone),
        );
        let phone = optional_text(self.phone.as_deref(), "联系电话", 40);
        take("phone", phone.as_ref().map(|_| ()).map_err(Clone::clone));
        let windows = match self.windows {
            Some(count) if count > 200 => Err(ParseError::Invalid("窗口数不能超过 200".to_owned())),
            other => Ok(other.unwrap_or(1)),
        };
        take(
            "windows",
            windows.as_ref().map(|_| ()).map_err(Clone::clone),
        );
        let opening_hours = match self.opening_hours.as_deref().map(str::trim) {
            None | Some("") => Ok(OpeningHours::default()),
            Some(text) => OpeningHours::parse(text),
        };
        take(
            "opening_hours",
            opening_hours.as_ref().map(|_| ()).map_err(Clone::clone),
        );
        if !errors.is_empty() {
            return Err(errors);
        }
        let record = StationRecord {
            code: code.expect("checked"),
            name: name.expect("checked"),
            level: level.expect("checked"),
            region: region.expect("checked"),
            host_type: host_type.expect("checked"),
            parent: parent.expect("checked"),
            location: location.expect("checked"),
            address: address.expect("checked"),
            windows: windows.expect("checked"),
            phone: phone.expect("checked"),
            opening_hours: opening_hours.expect("checked"),
        };
        match record.check_region_level() {
            Ok(()) => Ok(record),
            Err(error) => Err(vec![error]),
        }
    }
}

fn required_text(text: &str, field: &'static str, max: usize) -> Result<String, ParseError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ParseError::Empty { field });
    }
    optional_text(Some(text), field, max)
}

fn optional_text(
    text: Option<&str>,
    field: &'static str,
    max: usize,
) -> Result<String, ParseError> {
    let text = text.unwrap_or("").trim();
    if text.chars().count() > max {
        return Err(ParseError::TooLong { field, max });
    }
    if text.chars().any(char::is_control) {
        return Err(ParseError::Invalid(format!("{field}含有控制字符")));
    }
    Ok(text.to_owned())
}

impl StationRecord {
    /// A station's level must match its region's level: a town station sits in a town, a
    /// village, residential or building point in a village or community.
    pub fn check_region_level(&self) -> Result<(), FieldError> {
        let expected = self.level.region_level();
        if self.region.level() == expected {
            return Ok(());
        }
        Err(FieldError {
            field: "region_code",
            message: format!(
                "{}应设在{}一级的行政区划，而“{}”是{}",
                self.level.label(),
                expected.label(),
                self.region,
                self.region.level().label()
            ),
        })
    }

    /// Checks the parent station (where forwarded cases go): it must be of a higher level and
    /// its region must contain this station's region.
    pub fn check_parent(
        &self,
        parent_level: StationLevel,
        parent_region: &RegionCode,
    ) -> Result<(), FieldError> {
        if parent_level.rank() >= self.level.rank() {
            return Err(FieldError {
                field: "parent_code",
                message: format!(
                    "上级站点应高于本站层级：{}不能作为{}的上级",
                    parent_level.label(),
                    self.level.label()
                ),
            });
        }
        if !parent_region.contains(&self.region) {
            return Err(FieldError {
                field: "parent_code",
                message: format!(
                    "上级站点所在区划“{parent_region}”不包含本站区划“{}”",
                    self.region
                ),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use expect_test::expect;

    fn input(level: &str, region: &str) -> StationInput {
        StationInput {
            code: "SZ-01".into(),
            name: "尚庄镇医保服务站".into(),
            level: level.into(),
            region_code: region.into(),
            host_type: "service_center".into(),
            lon: Some(119.98),
            lat: Some(33.45),
            opening_hours: Some("1-5 08:30-17:30; 6 09:00-12:00".into()),
            ..StationInput::default()
        }
    }

    #[test]
    fn opening_hours_round_trip_and_flags() {
        let hours =
            OpeningHours::parse("周一至周五 08:30-11:30，14:00-17:30；周六、周日 09:00-11:30")
                .unwrap();
        assert_eq!(
            hours.to_compact(),
            "1-5 08:30-11:30,14:00-17:30; 6-7 09:00-11:30"
        );
        assert_eq!(
            hours.to_chinese(),
            "周一至周五 08:30-11:30、14:00-17:30；周六至周日 09:00-11:30"
        );
        assert!(hours.weekend_service());
        assert!(!hours.noon_service(), "closed over lunch");
        let noon = OpeningHours::parse("1-5 08:30-17:30").unwrap();
        assert!(noon.noon_service());
        assert!(!noon.weekend_service());
        assert_eq!(OpeningHours::parse(&noon.to_compact()).unwrap(), noon);
    }

    #[test]
    fn malformed_opening_hours_say_why() {
        let error = |text: &str| OpeningHours::parse(text).unwrap_err().to_string();
        expect!["营业时间“1-5”无效：每段应为“星期 时间段”，如 1-5 08:30-17:30"]
            .assert_eq(&error("1-5"));
        expect!["营业时间“8 09:00-10:00”无效：星期应为 1～7 或 周一～周日，如 1-5"]
            .assert_eq(&error("8 09:00-10:00"));
        expect!["营业时间“1-5 17:00-09:00”无效：结束时间应晚于开始时间"]
            .assert_eq(&error("1-5 17:00-09:00"));
        expect!["营业时间“1-5 08:00-12:00,11:00-13:00”无效：时间段重叠"]
            .assert_eq(&error("1-5 08:00-12:00,11:00-13:00"));
        expect!["营业时间“1-5 08:00-12:00; 5 13:00-14:00”无效：同一天出现在多段中"]
            .assert_eq(&error("1-5 08:00-12:00; 5 13:00-14:00"));
        expect!["营业时间“1-5 8点-12点”无效：时间应为 HH:MM"].assert_eq(&error("1-5 8点-12点"));
    }

    #[test]
    fn a_town_station_must_sit_in_a_town() {
        assert!(input("town", "320903105").parse().is_ok());
        let errors = input("town", "320903").parse().unwrap_err();
        expect![[r#"[FieldError { field: "region_code", message: "镇街服务站应设在乡镇（街道）一级的行政区划，而“320903”是县（市、区）" }]"#]]
            .assert_eq(&format!("{errors:?}"));
        assert!(input("residential", "320903105201").parse().is_ok());
        assert!(input("building", "320903105").parse().is_err());
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let bad = StationInput {
            code: "镇".into(),
            name: " ".into(),
            level: "hub".into(),
            region_code: "99".into(),
            host_type: "mall".into(),
            lon: Some(200.0),
            lat: Some(33.0),
            windows: Some(500),
            ..StationInput::default()
        };
        let fields: Vec<_> = bad
            .parse()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "code",
                "name",
                "level",
                "region_code",
                "host_type",
                "location",
                "windows"
            ]
        );
    }

    #[test]
    fn a_parent_must_be_higher_and_contain_the_region() {
        let record = input("village", "320903105201").parse().unwrap();
        let town = RegionCode::parse("320903105").unwrap();
        assert!(record.check_parent(StationLevel::Town, &town).is_ok());
        assert!(record.check_parent(StationLevel::Village, &town).is_err());
        let elsewhere = RegionCode::parse("320903106").unwrap();
        assert!(record.check_parent(StationLevel::Town, &elsewhere).is_err());
    }
}
