//! The item catalog (事项清单) and its guides (办事指南): items, levels, time limits, materials.
//!
//! A catalog is read from TOML (the default file is `catalog/jiangsu-2022.toml`) or from CSV
//! in "long" form, one row per item and material, so it opens cleanly in a spreadsheet.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{ParseError, RegionLevel};

/// The Jiangsu 2022 provincial guide: 30 sub-items under 10 main items.
pub const JIANGSU_2022_TOML: &str = include_str!("../catalog/jiangsu-2022.toml");

/// Statutory time limit of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeLimit {
    /// 即时办结: finish on the spot, the same day.
    Instant,
    /// A number of working days.
    WorkingDays(u16),
}

impl TimeLimit {
    pub fn parse(text: &str) -> Result<TimeLimit, ParseError> {
        let text = text.trim();
        if text == "instant" || text == "即时办结" {
            return Ok(TimeLimit::Instant);
        }
        text.strip_suffix("wd")
            .or_else(|| text.strip_suffix("个工作日"))
            .and_then(|days| days.trim().parse::<u16>().ok())
            .filter(|days| (1..=365).contains(days))
            .map(TimeLimit::WorkingDays)
            .ok_or_else(|| ParseError::TimeLimit(text.to_owned()))
    }

    pub fn label(self) -> String {
        match self {
            TimeLimit::Instant => "即时办结".to_owned(),
            TimeLimit::WorkingDays(days) => format!("{days}个工作日"),
        }
    }
}

impl fmt::Display for TimeLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeLimit::Instant => f.write_str("instant"),
            TimeLimit::WorkingDays(days) => write!(f, "{days}wd"),
        }
    }
}

impl Serialize for TimeLimit {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TimeLimit {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        TimeLimit::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Where an application can be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Window,
    Online,
    Mobile,
    SelfService,
    Hospital,
}

impl Channel {
    pub const ALL: [Channel; 5] = [
        Channel::Window,
        Channel::Online,
        Channel::Mobile,
        Channel::SelfService,
        Channel::Hospital,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Window => "window",
            Channel::Online => "online",
            Channel::Mobile => "mobile",
            Channel::SelfService => "self_service",
            Channel::Hospital => "hospital",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::Window => "窗口办",
            Channel::Online => "网上办",
            Channel::Mobile => "掌上办",
            Channel::SelfService => "自助办",
            Channel::Hospital => "定点医院办",
        }
    }
}

impl FromStr for Channel {
    type Err = ParseError;
    fn from_str(text: &str) -> Result<Self, ParseError> {
        let text = text.trim();
        Channel::ALL
            .into_iter()
            .find(|channel| channel.as_str() == text || channel.label() == text)
            .ok_or_else(|| ParseError::Channel(text.to_owned()))
    }
}

/// One material of an item's guide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Material {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// An electronic certificate or shared data can replace the paper (电子证照).
    #[serde(default)]
    pub e_certificate: bool,
    #[serde(default = "yes")]
    pub required: bool,
}

fn yes() -> bool {
    true
}

/// A handling item (经办事项, a sub-item of the guide).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceItem {
    pub code: String,
    pub main_item: String,
    pub name: String,
    pub category: String,
    pub applicant: String,
    /// Administrative levels allowed to handle (complete) the item.
    pub levels: Vec<RegionLevel>,
    pub time_limit: TimeLimit,
    #[serde(default)]
    pub time_limit_note: String,
    pub channels: Vec<Channel>,
    #[serde(default = "yes")]
    pub proxy_allowed: bool,
    /// 容缺受理: acceptance with minor materials missing on a written pledge.
    #[serde(default)]
    pub minor_missing_pledge: bool,
    #[serde(default)]
    pub materials: Vec<Material>,
}

impl ServiceItem {
    /// The lowest administrative level allowed to complete the item.
    pub fn lowest_level(&self) -> RegionLevel {
        self.levels
            .iter()
            .copied()
            .max()
            .unwrap_or(RegionLevel::Province)
    }

    /// Checks one item on its own; messages name the item.
    pub fn validate(&self) -> Result<(), ParseError> {
        let name = if self.name.trim().is_empty() {
            &self.code
        } else {
            &self.name
        };
        let fail = |why: &str| Err(ParseError::Invalid(format!("事项“{name}”：{why}")));
        if !is_item_code(&self.code) {
            return fail("事项编码应为 2～20 位字母、数字或连字符");
        }
        if self.name.trim().is_empty() || self.main_item.trim().is_empty() {
            return fail("主项和子项名称不能为空");
        }
        if self.category.trim().is_empty() {
            return fail("类别不能为空");
        }
        if self.levels.is_empty() {
            return fail("至少应有一个可办理层级");
        }
        if self.levels.contains(&RegionLevel::Province) {
            return fail("可办理层级应为 city、county、town 或 village");
        }
        if self.channels.is_empty() {
            return fail("至少应有一个办理渠道");
        }
        if self.materials.is_empty() {
            return fail("至少应有一项申请材料");
        }
        if self.materials.iter().any(|m| m.name.trim().is_empty()) {
            return fail("材料名称不能为空");
        }
        Ok(())
    }
}

fn is_item_code(code: &str) -> bool {
    (2..=20).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Which guide the items come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogInfo {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub issuer: String,
    #[serde(default)]
    pub published: String,
    #[serde(default)]
    pub source: String,
}

/// A whole catalog: its provenance and its items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    pub catalog: CatalogInfo,
    pub items: Vec<ServiceItem>,
}

const CSV_HEADER: [&str; 15] = [
    "code",
    "main_item",
    "name",
    "category",
    "applicant",
    "levels",
    "time_limit",
    "time_limit_note",
    "channels",
    "proxy_allowed",
    "minor_missing_pledge",
    "material",
    "material_note",
    "material_e_certificate",
    "material_required",
];

impl Catalog {
    /// The built-in Jiangsu 2022 catalog.
    pub fn jiangsu_2022() -> Catalog {
        Catalog::from_toml(JIANGSU_2022_TOML).expect("the bundled catalog is valid")
    }

    pub fn from_toml(text: &str) -> Result<Catalog, ParseError> {
        let catalog: Catalog = toml::from_str(text).map_err(|error| {
            ParseError::Invalid(format!("目录文件格式错误：{}", error.message()))
        })?;
        catalog.validate()?;
        Ok(catalog)
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a catalog always serialises")
    }

    pub fn validate(&self) -> Result<(), ParseError> {
        let mut seen = HashSet::new();
        for item in &self.items {
            item.validate()?;
            if !seen.insert(item.code.as_str()) {
                return Err(ParseError::Invalid(format!("事项编码“{}”重复", item.code)));
            }
        }
        Ok(())
    }

    /// Reads the long CSV form; every bad line is reported with its line number.
    pub fn from_csv(info: CatalogInfo, text: &str) -> Result<Catalog, Vec<(usize, String)>> {
        let text = crate::csv_text::spreadsheet_csv(text);
        let mut reader = crate::csv_text::flexible_reader(&text);
        let mut errors = Vec::new();
        match reader.headers() {
            Ok(header) if header.iter().map(str::trim).eq(CSV_HEADER) => {}
            _ => return Err(vec![(1, format!("表头应为：{}", CSV_HEADER.join(",")))]),
        }
        let mut items: BTreeMap<String, (usize, ServiceItem)> = BTreeMap::new();
        let mut order = Vec::new();
        for record in reader.records() {
            let record = match record {
                Ok(record) => record,
                Err(error) => {
                    let line = error.position().map(|p| p.line() as usize).unwrap_or(0);
                    errors.push((line, format!("无法读取：{error}")));
                    continue;
                }
            };
            let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
            if record.len() != CSV_HEADER.len() {
                errors.push((
                    line,
                    format!("应有 {} 列，实有 {} 列", CSV_HEADER.len(), record.len()),
                ));
                continue;
            }
            match item_from_row(&record) {
                Ok((item, material)) => match items.get_mut(&item.code) {
                    Some((first_line, existing)) => {
                        let mut head = existing.clone();
                        head.materials = item.materials.clone();
                        if head != item {
                            errors.push((
                                line,
                                format!("事项“{}”的字段与第 {} 行不一致", item.code, first_line),
                            ));
                        } else if let Some(material) = material {
                            existing.materials.push(material);
                        }
                    }
                    None => {
                        order.push(item.code.clone());
                        let mut item = item;
                        item.materials.extend(material);
                        items.insert(item.code.clone(), (line, item));
                    }
                },
                Err(message) => errors.push((line, message)),
            }
        }
        let catalog = Catalog {
            catalog: info,
            items: order.iter().map(|code| items[code].1.clone()).collect(),
        };
        if errors.is_empty()
            && let Err(error) = catalog.validate()
        {
            let line = catalog
                .items
                .iter()
                .find(|item| item.validate().is_err())
                .map(|item| items[&item.code].0)
                .unwrap_or(0);
            errors.push((line, error.to_string()));
        }
        if errors.is_empty() {
            Ok(catalog)
        } else {
            Err(errors)
        }
    }

    pub fn to_csv(&self) -> String {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(CSV_HEADER).expect("write to memory");
        for item in &self.items {
            let levels = item
                .levels
                .iter()
                .map(|l| l.as_str())
                .collect::<Vec<_>>()
                .join(";");
            let channels = item
                .channels
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(";");
            let head = [
                item.code.clone(),
                item.main_item.clone(),
                item.name.clone(),
                item.category.clone(),
                item.applicant.clone(),
                levels,
                item.time_limit.to_string(),
                item.time_limit_note.clone(),
                channels,
                item.proxy_allowed.to_string(),
                item.minor_missing_pledge.to_string(),
            ];
            for material in &item.materials {
                let mut row = head.to_vec();
                row.extend([
                    material.name.clone(),
                    material.note.clone().unwrap_or_default(),
                    material.e_certificate.to_string(),
                    material.required.to_string(),
                ]);
                writer.write_record(&row).expect("write to memory");
            }
        }
        String::from_utf8(writer.into_inner().expect("flush to memory")).expect("utf-8 input")
    }
}

fn parse_bool(text: &str, field: &str) -> Result<bool, String> {
    match text.trim() {
        "true" | "是" | "1" => Ok(true),
        "false" | "否" | "0" | "" => Ok(false),
        other => Err(format!("{field}应为 true 或 false，而不是“{other}”")),
    }
}

fn item_from_row(record: &csv::StringRecord) -> Result<(ServiceItem, Option<Material>), String> {
    let field = |i: usize| record.get(i).unwrap_or("").trim().to_owned();
    let list = |i: usize| -> Vec<String> {
        field(i)
            .split([';', '；'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let levels = list(5)
        .iter()
        .map(|text| text.parse::<RegionLevel>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let channels = list(8)
        .iter()
        .map(|text| text.parse::<Channel>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let material = (!field(11).is_empty())
        .then(|| -> Result<Material, String> {
            Ok(Material {
                name: field(11),
                note: Some(field(12)).filter(|n| !n.is_empty()),
                e_certificate: parse_bool(&field(13), "material_e_certificate")?,
                required: parse_bool(&field(14), "material_required")?,
            })
        })
        .transpose()?;
    let item = ServiceItem {
        code: field(0),
        main_item: field(1),
        name: field(2),
        category: field(3),
        applicant: field(4),
        levels,
        time_limit: TimeLimit::parse(&field(6)).map_err(|e| e.to_string())?,
        time_limit_note: field(7),
        channels,
        proxy_allowed: parse_bool(&field(9), "proxy_allowed")?,
        minor_missing_pledge: parse_bool(&field(10), "minor_missing_pledge")?,
        materials: Vec::new(),
    };
    if !is_item_code(&item.code) {
        return Err(format!(
            "事项编码“{}”无效：应为 2～20 位字母、数字或连字符",
            item.code
        ));
    }
    Ok((item, material))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_jiangsu_catalog_has_30_items_and_13_at_town_level() {
        let catalog = Catalog::jiangsu_2022();
        assert_eq!(catalog.items.len(), 30);
        let town_or_below = catalog
            .items
            .iter()
            .filter(|item| item.lowest_level() >= RegionLevel::Town)
            .count();
        assert_eq!(town_or_below, 13);
        let village = catalog
            .items
            .iter()
            .filter(|i| i.lowest_level() == RegionLevel::Village);
        assert_eq!(
            village.map(|i| i.name.as_str()).collect::<Vec<_>>(),
            ["城乡居民参保登记"]
        );
        let reimbursement = catalog
            .items
            .iter()
            .find(|i| i.name == "住院费用报销")
            .unwrap();
        assert_eq!(reimbursement.time_limit, TimeLimit::WorkingDays(10));
        assert_eq!(reimbursement.lowest_level(), RegionLevel::County);
    }

    #[test]
    fn toml_and_csv_round_trip_to_the_same_catalog() {
        let catalog = Catalog::jiangsu_2022();
        assert_eq!(Catalog::from_toml(&catalog.to_toml()).unwrap(), catalog);
        let csv = catalog.to_csv();
        assert_eq!(
            Catalog::from_csv(catalog.catalog.clone(), &csv).unwrap(),
            catalog
        );
    }

    #[test]
    fn a_csv_with_bad_rows_reports_each_line() {
        let catalog = Catalog::jiangsu_2022();
        let mut lines: Vec<String> = catalog.to_csv().lines().map(str::to_owned).collect();
        lines[2] = lines[2].replacen(",instant,", ",soon,", 1);
        lines[5] = lines[5].replacen("city;county;town", "city;county;hamlet", 1);
        let errors = Catalog::from_csv(catalog.catalog.clone(), &lines.join("\n")).unwrap_err();
        let crlf = Catalog::from_csv(catalog.catalog.clone(), &lines.join("\r\n")).unwrap_err();
        assert_eq!(crlf, errors, "CRLF files report the same line numbers");
        assert_eq!(
            errors,
            vec![
                (
                    3,
                    "办理时限“soon”无效：应为 instant 或“<天数>wd”".to_owned()
                ),
                (
                    6,
                    "行政区划层级“hamlet”无效：应为 province、city、county、town 或 village"
                        .to_owned()
                ),
            ]
        );
    }

    #[test]
    fn duplicate_codes_and_empty_levels_are_refused() {
        let mut catalog = Catalog::jiangsu_2022();
        catalog.items[1].code = catalog.items[0].code.clone();
        assert_eq!(
            catalog.validate().unwrap_err().to_string(),
            "事项编码“JS-01”重复"
        );
        let mut catalog = Catalog::jiangsu_2022();
        catalog.items[0].levels.clear();
        assert_eq!(
            catalog.validate().unwrap_err().to_string(),
            "事项“单位参保登记”：至少应有一个可办理层级"
        );
        assert!(Catalog::from_toml("[catalog]\ncode = 1").is_err());
    }

    #[test]
    fn time_limits_parse_in_both_notations() {
        assert_eq!(TimeLimit::parse("instant").unwrap(), TimeLimit::Instant);
        assert_eq!(
            TimeLimit::parse("10wd").unwrap(),
            TimeLimit::WorkingDays(10)
        );
        assert_eq!(
            TimeLimit::parse("5个工作日").unwrap(),
            TimeLimit::WorkingDays(5)
        );
        assert!(TimeLimit::parse("0wd").is_err());
        assert!(TimeLimit::parse("ten").is_err());
    }
}
