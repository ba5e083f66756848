//! Administrative divisions: `RegionCode` (NBS statistical code, GB/T 2260 prefix) and levels.
//!
//! The national statistical code has 12 digits: province (2), city (2), county (2), town (3),
//! village (3). The natural-length form (2, 4, 6, 9 or 12 digits) is the canonical one here,
//! because the padded form is ambiguous: 东莞市's towns hang directly under the county-level
//! code `441900`, whose padded form looks like a city.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ParseError;

/// The five administrative levels, from the top.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    Province,
    City,
    County,
    Town,
    Village,
}

impl RegionLevel {
    pub const ALL: [RegionLevel; 5] = [
        RegionLevel::Province,
        RegionLevel::City,
        RegionLevel::County,
        RegionLevel::Town,
        RegionLevel::Village,
    ];

    /// Number of digits of a code at this level.
    pub fn code_len(self) -> usize {
        match self {
            RegionLevel::Province => 2,
            RegionLevel::City => 4,
            RegionLevel::County => 6,
            RegionLevel::Town => 9,
            RegionLevel::Village => 12,
        }
    }

    /// 0 for province … 4 for village.
    pub fn depth(self) -> u8 {
        self as u8
    }

    pub fn from_depth(depth: u8) -> Option<RegionLevel> {
        RegionLevel::ALL.get(depth as usize).copied()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RegionLevel::Province => "province",
            RegionLevel::City => "city",
            RegionLevel::County => "county",
            RegionLevel::Town => "town",
            RegionLevel::Village => "village",
        }
    }

    /// Chinese label as used in the guides (设区市, 县（市、区）…).
    pub fn label(self) -> &'static str {
        match self {
            RegionLevel::Province => "省级",
            RegionLevel::City => "设区市",
            RegionLevel::County => "县（市、区）",
            RegionLevel::Town => "乡镇（街道）",
            RegionLevel::Village => "村（社区）",
        }
    }
}

impl FromStr for RegionLevel {
    type Err = ParseError;
    fn from_str(text: &str) -> Result<Self, ParseError> {
        RegionLevel::ALL
            .into_iter()
            .find(|level| level.as_str() == text.trim())
            .ok_or_else(|| ParseError::RegionLevel(text.to_owned()))
    }
}

impl fmt::Display for RegionLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A validated administrative division code in its natural length.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegionCode {
    digits: String,
}

impl RegionCode {
    /// Parses a 2/4/6/9/12-digit code. A 12-digit code with trailing zero groups is shortened
    /// to the level it denotes (`320903000000` → `320903`).
    pub fn parse(text: &str) -> Result<RegionCode, ParseError> {
        let trimmed = text.trim();
        let invalid = || ParseError::RegionCode(trimmed.chars().take(20).collect());
        if !trimmed.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let digits = match trimmed.len() {
            2 | 4 | 6 | 9 => trimmed.to_owned(),
            12 => shorten_padded(trimmed),
            _ => return Err(invalid()),
        };
        // Province codes run 11..=82; the groups below a level are never all zero when given.
        let province: u8 = digits[..2].parse().map_err(|_| invalid())?;
        if !(11..=82).contains(&province) {
            return Err(invalid());
        }
        if digits.len() >= 4 && &digits[2..4] == "00" {
            return Err(invalid());
        }
        if digits.len() >= 9 && &digits[6..9] == "000" {
            return Err(invalid());
        }
        if digits.len() == 12 && &digits[9..12] == "000" {
            return Err(invalid());
        }
        Ok(RegionCode { digits })
    }

    pub fn as_str(&self) -> &str {
        &self.digits
    }

    pub fn level(&self) -> RegionLevel {
        match self.digits.len() {
            2 => RegionLevel::Province,
            4 => RegionLevel::City,
            6 => RegionLevel::County,
            9 => RegionLevel::Town,
            _ => RegionLevel::Village,
        }
    }

    /// The enclosing division, `None` for a province.
    pub fn parent(&self) -> Option<RegionCode> {
        let level = self.level();
        let parent_level = RegionLevel::from_depth(level.depth().checked_sub(1)?)?;
        Some(RegionCode {
            digits: self.digits[..parent_level.code_len()].to_owned(),
        })
    }

    /// The code of the ancestor (or self) at `level`, if `level` is not below this code's.
    pub fn ancestor_at(&self, level: RegionLevel) -> Option<RegionCode> {
        (level <= self.level()).then(|| RegionCode {
            digits: self.digits[..level.code_len()].to_owned(),
        })
    }

    /// True when `other` is this division or lies inside it.
    pub fn contains(&self, other: &RegionCode) -> bool {
        other.digits.starts_with(&self.digits)
    }

    /// The 12-digit statistical form, zero-padded.
    pub fn to_statistical(&self) -> String {
        format!("{:0<12}", self.digits)
    }

    /// The 6-digit GB/T 2260 prefix (province, city, county), zero-padded.
    pub fn gb2260(&self) -> String {
        let head = &self.digits[..self.digits.len().min(6)];
        format!("{head:0<6}")
    }
}

fn shorten_padded(code: &str) -> String {
    let cut = if &code[9..] != "000" {
        12
    } else if &code[6..9] != "000" {
        9
    } else if &code[4..6] != "00" {
        6
    } else if &code[2..4] != "00" {
        4
    } else {
        2
    };
    code[..cut].to_owned()
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.digits)
    }
}

impl fmt::Debug for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RegionCode({})", self.digits)
    }
}

impl FromStr for RegionCode {
    type Err = ParseError;
    fn from_str(text: &str) -> Result<Self, ParseError> {
        RegionCode::parse(text)
    }
}

impl Serialize for RegionCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.digits)
    }
}

impl<'de> Deserialize<'de> for RegionCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        RegionCode::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use expect_test::{Expect, expect};

    fn check(input: &str, expect: Expect) {
        let actual = match RegionCode::parse(input) {
            Ok(code) => format!(
                "{} {:?} parent={} stat={} gb={}",
                code,
                code.level(),
                code.parent()
                    .map(|p| p.to_string())
                    .unwrap_or_else(|| "-".into()),
                code.to_statistical(),
                code.gb2260()
            ),
            Err(error) => format!("error: {error}"),
        };
        expect.assert_eq(&actual);
    }

    #[test]
    fn region_codes_parse_at_every_level() {
        check(
            "32",
            expect!["32 Province parent=- stat=320000000000 gb=320000"],
        );
        check(
            "3209",
            expect!["3209 City parent=32 stat=320900000000 gb=320900"],
        );
        check(
            "320903",
            expect!["320903 County parent=3209 stat=320903000000 gb=320903"],
        );
        check(
            "320903105",
            expect!["320903105 Town parent=320903 stat=320903105000 gb=320903"],
        );
        check(
            "320903105201",
            expect!["320903105201 Village parent=320903105 stat=320903105201 gb=320903"],
        );
        check(
            "320903000000",
            expect!["320903 County parent=3209 stat=320903000000 gb=320903"],
        );
        check(
            " 370211 ",
            expect!["370211 County parent=3702 stat=370211000000 gb=370211"],
        );
        // 东莞市's county-level code has a zero county group; the natural form keeps it a county.
        check(
            "441900",
            expect!["441900 County parent=4419 stat=441900000000 gb=441900"],
        );
    }

    #[test]
    fn malformed_region_codes_are_refused() {
        check(
            "",
            expect!["error: 行政区划代码“”无效：应为 2、4、6、9 或 12 位数字"],
        );
        check(
            "3209031",
            expect!["error: 行政区划代码“3209031”无效：应为 2、4、6、9 或 12 位数字"],
        );
        check(
            "32a903",
            expect!["error: 行政区划代码“32a903”无效：应为 2、4、6、9 或 12 位数字"],
        );
        check(
            "990000",
            expect!["error: 行政区划代码“990000”无效：应为 2、4、6、9 或 12 位数字"],
        );
        check(
            "3200",
            expect!["error: 行政区划代码“3200”无效：应为 2、4、6、9 或 12 位数字"],
        );
        check(
            "320903000",
            expect!["error: 行政区划代码“320903000”无效：应为 2、4、6、9 或 12 位数字"],
        );
        check(
            "320903105000x",
            expect!["error: 行政区划代码“320903105000x”无效：应为 2、4、6、9 或 12 位数字"],
        );
        check(
            "１２",
            expect!["error: 行政区划代码“１２”无效：应为 2、4、6、9 或 12 位数字"],
        );
    }

    #[test]
    fn containment_follows_the_prefix() {
        let county = RegionCode::parse("320903").unwrap();
        let village = RegionCode::parse("320903105201").unwrap();
        let other = RegionCode::parse("370211").unwrap();
        assert!(county.contains(&village));
        assert!(county.contains(&county));
        assert!(!village.contains(&county));
        assert!(!county.contains(&other));
        assert_eq!(
            village.ancestor_at(RegionLevel::County),
            Some(county.clone())
        );
        assert_eq!(county.ancestor_at(RegionLevel::Town), None);
    }
}
