//! Resident identity numbers (公民身份号码, GB 11643-1999): 18 characters with a check digit.
//!
//! An `IdNumber` never prints itself in full by accident: `Display` and `Debug` both mask it.
//! The full value is only reachable through `expose()`, which callers use for storage and
//! exact-match lookups.

use std::fmt;

use chrono::{Datelike, NaiveDate};

use crate::ParseError;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [u8; 11] = *b"10X98765432";

/// Sex as encoded by the 17th digit (odd: male).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn label(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }
}

/// A validated 18-character resident identity number.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber {
    value: String,
    birth_date: NaiveDate,
}

impl IdNumber {
    /// Parses an 18-character number: 17 digits plus a check character (digit or `X`, a lower
    /// case `x` is accepted and normalised); the birth date must be a real date from 1900 on.
    pub fn parse(text: &str) -> Result<IdNumber, ParseError> {
        let value = text.trim().to_ascii_uppercase();
        let bytes = value.as_bytes();
        if bytes.len() != 18 {
            return Err(ParseError::IdNumber("应为 18 位"));
        }
        if !bytes[..17].iter().all(u8::is_ascii_digit) {
            return Err(ParseError::IdNumber("前 17 位应为数字"));
        }
        if !(bytes[17].is_ascii_digit() || bytes[17] == b'X') {
            return Err(ParseError::IdNumber("末位应为数字或 X"));
        }
        let province: u32 = value[..2].parse().unwrap_or(0);
        if !(11..=91).contains(&province) {
            return Err(ParseError::IdNumber("地址码无效"));
        }
        let year: i32 = value[6..10].parse().unwrap_or(0);
        let month: u32 = value[10..12].parse().unwrap_or(0);
        let day: u32 = value[12..14].parse().unwrap_or(0);
        let birth_date = NaiveDate::from_ymd_opt(year, month, day)
            .filter(|date| date.year() >= 1900)
            .ok_or(ParseError::IdNumber("出生日期无效"))?;
        if bytes[17] != check_char(&bytes[..17]) {
            return Err(ParseError::IdNumber("校验码不正确"));
        }
        Ok(IdNumber { value, birth_date })
    }

    /// The full number, for storage and exact lookups only: never log or display it.
    pub fn expose(&self) -> &str {
        &self.value
    }

    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    pub fn sex(&self) -> Sex {
        if (self.value.as_bytes()[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// Age in completed years on `date` (0 before the first birthday, never negative).
    pub fn age_on(&self, date: NaiveDate) -> u32 {
        let birth = self.birth_date;
        let mut years = date.year() - birth.year();
        if (date.month(), date.day()) < (birth.month(), birth.day()) {
            years -= 1;
        }
        years.max(0) as u32
    }

    /// The 6-digit address code of the place of first registration.
    pub fn address_code(&self) -> &str {
        &self.value[..6]
    }

    /// First four and last four characters, ten stars between: `3209**********123X`.
    pub fn masked(&self) -> String {
        mask_id_text(&self.value)
    }
}

/// Masks any identity-number-like text the same way `IdNumber::masked` does; shorter text is
/// masked entirely so that nothing partial leaks.
pub fn mask_id_text(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() < 10 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 8))
}

/// The GB 11643 check character for 17 leading digits.
pub fn check_char(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    CHECK_CHARS[(sum % 11) as usize]
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use expect_test::{Expect, expect};

    fn check(input: &str, expect: Expect) {
        let on = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let actual = match IdNumber::parse(input) {
            Ok(id) => format!(
                "{} born={} sex={} age={} addr={}",
                id,
                id.birth_date(),
                id.sex().label(),
                id.age_on(on),
                id.address_code()
            ),
            Err(error) => format!("error: {error}"),
        };
        expect.assert_eq(&actual);
    }

    /// Builds a valid number from 17 digits so the tests do not carry real people's numbers.
    fn with_check(first17: &str) -> String {
        let check = check_char(first17.as_bytes()) as char;
        format!("{first17}{check}")
    }

    #[test]
    fn the_published_example_number_validates() {
        // The example from GB 11643-1999 itself.
        check(
            "11010519491231002X",
            expect!["1101**********002X born=1949-12-31 sex=女 age=76 addr=110105"],
        );
        check(
            "11010519491231002x",
            expect!["1101**********002X born=1949-12-31 sex=女 age=76 addr=110105"],
        );
    }

    #[test]
    fn generated_numbers_validate_with_age_and_sex() {
        check(
            &with_check("32090319560301123"),
            expect!["3209**********1231 born=1956-03-01 sex=男 age=70 addr=320903"],
        );
        check(
            &with_check("37021120261122002"),
            expect!["3702**********0029 born=2026-11-22 sex=女 age=0 addr=370211"],
        );
        check(
            &with_check("37021119561123001"),
            expect!["3702**********0013 born=1956-11-23 sex=男 age=69 addr=370211"],
        );
    }

    #[test]
    fn malformed_numbers_are_refused_with_the_reason() {
        check("", expect!["error: 身份证号码无效：应为 18 位"]);
        check(
            "32090319560301123",
            expect!["error: 身份证号码无效：应为 18 位"],
        );
        check(
            "3209031956030112A4",
            expect!["error: 身份证号码无效：前 17 位应为数字"],
        );
        check(
            "32090319560301123Y",
            expect!["error: 身份证号码无效：末位应为数字或 X"],
        );
        check(
            "11010519491231002",
            expect!["error: 身份证号码无效：应为 18 位"],
        );
        check(
            "110105194912310021",
            expect!["error: 身份证号码无效：校验码不正确"],
        );
        check(
            &with_check("32090319560230123"),
            expect!["error: 身份证号码无效：出生日期无效"],
        );
        check(
            &with_check("32090318991231123"),
            expect!["error: 身份证号码无效：出生日期无效"],
        );
        check(
            &with_check("00090319560301123"),
            expect!["error: 身份证号码无效：地址码无效"],
        );
    }

    #[test]
    fn debug_output_never_shows_the_full_number() {
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(format!("{id:?}"), "IdNumber(1101**********002X)");
        assert!(!format!("{id:?}").contains("19491231"));
    }

    proptest::proptest! {
        #[test]
        fn every_single_digit_change_is_caught(digits in "[1-6][1-9][0-9]{4}19[5-9][0-9]0[1-9]1[0-9][0-9]{3}", position in 0usize..17, delta in 1u8..10) {
            let valid = with_check(&digits);
            proptest::prop_assert!(IdNumber::parse(&valid).is_ok());
            let mut bytes = valid.into_bytes();
            bytes[position] = b'0' + (bytes[position] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            // A single changed digit is always caught by the check digit (or by the date and
            // address checks before it).
            proptest::prop_assert!(IdNumber::parse(&changed).is_err());
        }
    }
}
