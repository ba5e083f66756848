//! The working-day calendar (工作日历) that statutory time limits are counted on.
//!
//! A day is a working day when it is Monday to Friday and not a public holiday, or when it is
//! a make-up workday (调休上班) that falls on a weekend. Administrators edit the holidays and
//! make-up workdays; the calendar here is the pure rule over whatever list it is handed.
//! Dates are local to Asia/Shanghai, which has been UTC+8 all year round since 1991, so a
//! fixed offset is exact for every date a case can have.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, Utc, Weekday};
use serde::{Deserialize, Serialize};

use crate::{ParseError, TimeLimit};

/// Asia/Shanghai as a fixed offset (China observes no daylight saving time).
pub fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The local (Asia/Shanghai) calendar date of an instant.
pub fn shanghai_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&shanghai()).date_naive()
}

/// What an edited calendar day is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// 法定节假日（放假）: no work even on a weekday.
    Holiday,
    /// 调休上班: a weekend day worked in exchange for a holiday.
    Workday,
}

impl DayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DayKind::Holiday => "放假",
            DayKind::Workday => "调休上班",
        }
    }
}

impl FromStr for DayKind {
    type Err = ParseError;
    fn from_str(text: &str) -> Result<DayKind, ParseError> {
        match text.trim() {
            "holiday" | "放假" => Ok(DayKind::Holiday),
            "workday" | "调休上班" | "上班" => Ok(DayKind::Workday),
            other => Err(ParseError::Invalid(format!(
                "日历类型“{other}”无效：应为 holiday（放假）或 workday（调休上班）"
            ))),
        }
    }
}

impl fmt::Display for DayKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One edited day of the calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarDay {
    pub date: NaiveDate,
    pub kind: DayKind,
    /// The holiday's name, e.g. 春节.
    pub name: String,
}

/// The rule "which days count", over the edited days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkingCalendar {
    days: BTreeMap<NaiveDate, DayKind>,
}

impl WorkingCalendar {
    /// A calendar with no holidays: Monday to Friday count.
    pub fn weekdays_only() -> WorkingCalendar {
        WorkingCalendar::default()
    }

    pub fn new<'a>(days: impl IntoIterator<Item = &'a CalendarDay>) -> WorkingCalendar {
        WorkingCalendar {
            days: days.into_iter().map(|day| (day.date, day.kind)).collect(),
        }
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match self.days.get(&date) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The `count`-th working day after `start` (`start` itself not counted); `start` when
    /// `count` is 0.
    pub fn add_working_days(&self, start: NaiveDate, count: u32) -> NaiveDate {
        let mut date = start;
        let mut left = count;
        while left > 0 {
            date += Duration::days(1);
            if self.is_working_day(date) {
                left -= 1;
            }
        }
        date
    }

    /// Working days `d` with `from < d <= to` (0 when `to <= from`).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        let mut count = 0;
        let mut date = from;
        while date < to {
            date += Duration::days(1);
            if self.is_working_day(date) {
                count += 1;
            }
        }
        count
    }

    /// The statutory deadline of a case taken in on `intake_date`: the same day for an
    /// instant item (即时办结), otherwise the last of the item's working days, counted from the
    /// day after intake.
    pub fn deadline(&self, intake_date: NaiveDate, limit: TimeLimit) -> NaiveDate {
        match limit {
            TimeLimit::Instant => intake_date,
            TimeLimit::WorkingDays(days) => self.add_working_days(intake_date, u32::from(days)),
        }
    }

    /// Where a running case stands against its deadline on `today`.
    pub fn standing(&self, deadline: NaiveDate, today: NaiveDate) -> DeadlineStanding {
        if today > deadline {
            DeadlineStanding::Overdue {
                working_days: self.working_days_between(deadline, today),
            }
        } else {
            let left = self.working_days_between(today, deadline);
            if left <= DUE_SOON_WORKING_DAYS {
                DeadlineStanding::DueSoon { working_days: left }
            } else {
                DeadlineStanding::OnTrack { working_days: left }
            }
        }
    }

    /// The last date that still counts as "due soon" on `today`: cases with a deadline from
    /// today up to this date are due soon.
    pub fn due_soon_until(&self, today: NaiveDate) -> NaiveDate {
        self.add_working_days(today, DUE_SOON_WORKING_DAYS)
    }
}

/// A case is due soon when at most this many working days are left after today.
pub const DUE_SOON_WORKING_DAYS: u32 = 1;

/// A running case against its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "standing", rename_all = "snake_case")]
pub enum DeadlineStanding {
    OnTrack { working_days: u32 },
    DueSoon { working_days: u32 },
    Overdue { working_days: u32 },
}

impl DeadlineStanding {
    pub fn label(self) -> String {
        match self {
            DeadlineStanding::OnTrack { working_days } => format!("剩余 {working_days} 个工作日"),
            DeadlineStanding::DueSoon { working_days: 0 } => "今日到期".to_owned(),
            DeadlineStanding::DueSoon { working_days } => {
                format!("即将到期（剩余 {working_days} 个工作日）")
            }
            DeadlineStanding::Overdue { working_days: 0 } => "已超期".to_owned(),
            DeadlineStanding::Overdue { working_days } => {
                format!("已超期 {working_days} 个工作日")
            }
        }
    }
}

/// Reads calendar days from CSV text `date,kind,name` (header required), e.g.
/// `2026-10-01,holiday,国庆节`. Errors name the line.
pub fn parse_calendar_csv(text: &str) -> Result<Vec<CalendarDay>, Vec<(usize, String)>> {
    let mut days = Vec::new();
    let mut errors = Vec::new();
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, header)) if header.trim().trim_start_matches('\u{feff}') == "date,kind,name" => {}
        _ => return Err(vec![(1, "表头应为：date,kind,name".to_owned())]),
    }
    for (index, line) in lines {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.splitn(3, ',').map(str::trim).collect();
        let [date, kind, name] = fields[..] else {
            errors.push((number, "应有 3 列：日期、类型、名称".to_owned()));
            continue;
        };
        let Ok(date) = NaiveDate::parse_from_str(date, "%Y-%m-%d") else {
            errors.push((number, format!("日期“{date}”无效：应为 YYYY-MM-DD")));
            continue;
        };
        match kind.parse::<DayKind>() {
            Ok(kind) => days.push(CalendarDay {
                date,
                kind,
                name: name.to_owned(),
            }),
            Err(error) => errors.push((number, error.to_string())),
        }
    }
    if errors.is_empty() {
        Ok(days)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write;

    use expect_test::{Expect, expect};

    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    /// The 2026 National Day week: Oct 1–7 off, Sat Oct 10 worked (and Sun Sep 20).
    fn national_day_2026() -> WorkingCalendar {
        let csv = "date,kind,name\n\
                   2026-09-20,workday,国庆节调休\n\
                   2026-10-01,holiday,国庆节\n2026-10-02,holiday,国庆节\n2026-10-03,holiday,国庆节\n\
                   2026-10-04,holiday,国庆节\n2026-10-05,holiday,国庆节\n2026-10-06,holiday,国庆节\n\
                   2026-10-07,holiday,国庆节\n2026-10-10,workday,国庆节调休\n";
        WorkingCalendar::new(&parse_calendar_csv(csv).unwrap())
    }

    fn check_deadlines(calendar: &WorkingCalendar, cases: &[(&str, TimeLimit)], expect: Expect) {
        let mut out = String::new();
        for (intake, limit) in cases {
            let deadline = calendar.deadline(date(intake), *limit);
            writeln!(
                out,
                "{intake} {} + {} -> {deadline} {}",
                date(intake).weekday(),
                limit.label(),
                deadline.weekday()
            )
            .unwrap();
        }
        expect.assert_eq(&out);
    }

    #[test]
    fn deadlines_skip_weekends_holidays_and_count_make_up_workdays() {
        check_deadlines(
            &national_day_2026(),
            &[
                ("2026-09-18", TimeLimit::WorkingDays(1)),
                ("2026-09-19", TimeLimit::WorkingDays(1)),
                ("2026-09-29", TimeLimit::WorkingDays(1)),
                ("2026-09-29", TimeLimit::WorkingDays(2)),
                ("2026-09-29", TimeLimit::WorkingDays(3)),
                ("2026-09-30", TimeLimit::WorkingDays(5)),
                ("2026-10-03", TimeLimit::WorkingDays(1)),
                ("2026-10-03", TimeLimit::Instant),
                ("2026-11-27", TimeLimit::WorkingDays(20)),
            ],
            expect![[r#"
                2026-09-18 Fri + 1个工作日 -> 2026-09-20 Sun
                2026-09-19 Sat + 1个工作日 -> 2026-09-20 Sun
                2026-09-29 Tue + 1个工作日 -> 2026-09-30 Wed
                2026-09-29 Tue + 2个工作日 -> 2026-10-08 Thu
                2026-09-29 Tue + 3个工作日 -> 2026-10-09 Fri
                2026-09-30 Wed + 5个工作日 -> 2026-10-13 Tue
                2026-10-03 Sat + 1个工作日 -> 2026-10-08 Thu
                2026-10-03 Sat + 即时办结 -> 2026-10-03 Sat
                2026-11-27 Fri + 20个工作日 -> 2026-12-25 Fri
            "#]],
        );
    }

    #[test]
    fn without_edited_days_only_weekends_are_off() {
        check_deadlines(
            &WorkingCalendar::weekdays_only(),
            &[
                ("2026-10-01", TimeLimit::WorkingDays(1)),
                ("2026-10-02", TimeLimit::WorkingDays(1)),
                ("2026-10-02", TimeLimit::WorkingDays(10)),
            ],
            expect![[r#"
                2026-10-01 Thu + 1个工作日 -> 2026-10-02 Fri
                2026-10-02 Fri + 1个工作日 -> 2026-10-05 Mon
                2026-10-02 Fri + 10个工作日 -> 2026-10-16 Fri
            "#]],
        );
    }

    #[test]
    fn working_days_between_counts_the_end_but_not_the_start() {
        let calendar = national_day_2026();
        let between = |a, b| calendar.working_days_between(date(a), date(b));
        assert_eq!(between("2026-09-30", "2026-09-30"), 0);
        assert_eq!(between("2026-09-30", "2026-10-08"), 1);
        assert_eq!(between("2026-09-30", "2026-10-10"), 3);
        assert_eq!(between("2026-10-10", "2026-09-30"), 0);
        assert_eq!(between("2026-09-19", "2026-09-21"), 2);
    }

    #[test]
    fn standing_against_the_deadline() {
        let calendar = national_day_2026();
        let mut out = String::new();
        for today in [
            "2026-09-28",
            "2026-09-29",
            "2026-09-30",
            "2026-10-03",
            "2026-10-08",
            "2026-10-09",
            "2026-10-12",
        ] {
            let standing = calendar.standing(date("2026-10-08"), date(today));
            writeln!(out, "{today}: {}", standing.label()).unwrap();
        }
        expect![[r#"
            2026-09-28: 剩余 3 个工作日
            2026-09-29: 剩余 2 个工作日
            2026-09-30: 即将到期（剩余 1 个工作日）
            2026-10-03: 即将到期（剩余 1 个工作日）
            2026-10-08: 今日到期
            2026-10-09: 已超期 1 个工作日
            2026-10-12: 已超期 3 个工作日
        "#]]
        .assert_eq(&out);
        assert_eq!(
            calendar.due_soon_until(date("2026-09-30")),
            date("2026-10-08")
        );
    }

    #[test]
    fn shanghai_dates_turn_at_utc_16_00() {
        let at = |text: &str| text.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            shanghai_date(at("2026-09-30T15:59:59Z")),
            date("2026-09-30")
        );
        assert_eq!(
            shanghai_date(at("2026-09-30T16:00:00Z")),
            date("2026-10-01")
        );
    }

    #[test]
    fn a_calendar_file_with_bad_lines_reports_each_line() {
        let errors = parse_calendar_csv(
            "date,kind,name\n2026-10-01,holiday,国庆节\n2026-13-01,holiday,x\n2026-10-10,rest,x\nbad\n",
        )
        .unwrap_err();
        expect![[r#"
            [
                (
                    3,
                    "日期“2026-13-01”无效：应为 YYYY-MM-DD",
                ),
                (
                    4,
                    "日历类型“rest”无效：应为 holiday（放假）或 workday（调休上班）",
                ),
                (
                    5,
                    "应有 3 列：日期、类型、名称",
                ),
            ]
        "#]]
        .assert_debug_eq(&errors);
        assert!(parse_calendar_csv("day,kind\n").is_err());
    }
}
