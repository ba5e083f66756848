//! Appointments (预约): slot calendars per station and business category, including weekend
//! and noon service (周末预约办, 午间不间断), and the rules for booking, changing, cancelling,
//! checking in and marking no-shows.
//!
//! A calendar is the weekly hours in the station's compact form (`1-5 08:30-17:30; 6 09:00-12:00`),
//! a slot length and a capacity per slot. Slots are cut from the start of each time range and
//! must fit inside it. All times here are local (China Standard Time) wall-clock times.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::{OpeningHours, ParseError};

/// The bookable slots of one category at one station.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotCalendar {
    pub hours: OpeningHours,
    pub slot_minutes: u32,
    /// Appointments per slot.
    pub capacity: u32,
}

/// How far ahead and how early residents may book and check in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingPolicy {
    /// Bookings open this many days ahead (today counts as day 0).
    pub horizon_days: i64,
    /// Check-in opens this many minutes before the slot starts; it closes when the slot ends.
    pub check_in_early_minutes: i64,
}

impl Default for BookingPolicy {
    fn default() -> BookingPolicy {
        BookingPolicy {
            horizon_days: 14,
            check_in_early_minutes: 30,
        }
    }
}

/// One bookable slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Slot {
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
}

impl SlotCalendar {
    pub fn parse(
        hours: &str,
        slot_minutes: u32,
        capacity: u32,
    ) -> Result<SlotCalendar, ParseError> {
        let hours = OpeningHours::parse(hours)?;
        if hours.is_empty() {
            return Err(ParseError::Invalid("预约时间不能为空".to_owned()));
        }
        if !(5..=240).contains(&slot_minutes) {
            return Err(ParseError::Invalid(
                "每个时段的长度应在 5～240 分钟之间".to_owned(),
            ));
        }
        if !(1..=500).contains(&capacity) {
            return Err(ParseError::Invalid(
                "每个时段可预约人数应在 1～500 之间".to_owned(),
            ));
        }
        Ok(SlotCalendar {
            hours,
            slot_minutes,
            capacity,
        })
    }

    /// The slots of one day, in order.
    pub fn slots_on(&self, date: NaiveDate) -> Vec<Slot> {
        let weekday = date.weekday().num_days_from_monday() as usize;
        let length = Duration::minutes(i64::from(self.slot_minutes));
        let mut slots = Vec::new();
        for rule in self.hours.rules.iter().filter(|rule| rule.days[weekday]) {
            for (open, close) in &rule.ranges {
                let close = date.and_time(*close);
                let mut start = date.and_time(*open);
                while start + length <= close {
                    slots.push(Slot {
                        start,
                        end: start + length,
                    });
                    start += length;
                }
            }
        }
        slots.sort();
        slots
    }

    /// The slot starting exactly at `start`, if the calendar has one.
    pub fn slot_at(&self, start: NaiveDateTime) -> Option<Slot> {
        self.slots_on(start.date())
            .into_iter()
            .find(|slot| slot.start == start)
    }

    /// Whether the calendar offers slots on Saturday or Sunday.
    pub fn weekend_service(&self) -> bool {
        self.hours.weekend_service()
    }

    /// Whether the calendar offers slots through the noon break on a weekday.
    pub fn noon_service(&self) -> bool {
        let noon = NaiveTime::from_hms_opt(12, 0, 0).expect("valid time");
        let after = NaiveTime::from_hms_opt(13, 0, 0).expect("valid time");
        self.hours.rules.iter().any(|rule| {
            rule.days[..5].iter().any(|d| *d)
                && rule
                    .ranges
                    .iter()
                    .any(|(start, end)| *start <= noon && *end >= after)
        })
    }
}

/// Where an appointment is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStatus {
    /// 已预约
    Booked,
    /// 已签到: a ticket was issued.
    CheckedIn,
    /// 已取消
    Cancelled,
    /// 爽约
    NoShow,
}

impl AppointmentStatus {
    pub const ALL: [AppointmentStatus; 4] = [
        AppointmentStatus::Booked,
        AppointmentStatus::CheckedIn,
        AppointmentStatus::Cancelled,
        AppointmentStatus::NoShow,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AppointmentStatus::Booked => "booked",
            AppointmentStatus::CheckedIn => "checked_in",
            AppointmentStatus::Cancelled => "cancelled",
            AppointmentStatus::NoShow => "no_show",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AppointmentStatus::Booked => "已预约",
            AppointmentStatus::CheckedIn => "已签到",
            AppointmentStatus::Cancelled => "已取消",
            AppointmentStatus::NoShow => "爽约",
        }
    }

    pub fn parse(text: &str) -> Option<AppointmentStatus> {
        AppointmentStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
    }

    /// Booked and checked-in appointments take a place in their slot.
    pub fn holds_capacity(self) -> bool {
        matches!(
            self,
            AppointmentStatus::Booked | AppointmentStatus::CheckedIn
        )
    }
}

/// A refused appointment operation; messages reach the resident unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AppointmentError {
    #[error("{0} 不是可预约的时段，请从日历中选择")]
    NotASlot(String),
    #[error("该时段已开始或已过去，不能预约")]
    InThePast,
    #[error("只能预约 {0} 天内的时段")]
    BeyondHorizon(i64),
    #[error("该时段已约满（每时段 {0} 人），请选择其他时段")]
    Full(u32),
    #[error("预约当前状态为“{}”，不能{}", .status.label(), .action)]
    WrongStatus {
        status: AppointmentStatus,
        action: &'static str,
    },
    #[error("签到时间未到：请在 {0} 之后签到")]
    TooEarly(String),
    #[error("预约时段已结束，不能签到，请重新取号")]
    TooLate,
    #[error("预约时段尚未结束，不能登记爽约")]
    NotOverYet,
    #[error("该时段已开始，不能再更改或取消")]
    AlreadyStarted,
}

/// Checks a new booking (or the target of a change) for `start`: a slot of the calendar, not
/// begun, within the horizon, with room (`taken` appointments already hold it).
pub fn check_booking(
    calendar: &SlotCalendar,
    policy: &BookingPolicy,
    start: NaiveDateTime,
    now: NaiveDateTime,
    taken: u32,
) -> Result<Slot, AppointmentError> {
    let slot = calendar
        .slot_at(start)
        .ok_or_else(|| AppointmentError::NotASlot(start.format("%Y-%m-%d %H:%M").to_string()))?;
    if slot.start <= now {
        return Err(AppointmentError::InThePast);
    }
    if (slot.start.date() - now.date()).num_days() > policy.horizon_days {
        return Err(AppointmentError::BeyondHorizon(policy.horizon_days));
    }
    if taken >= calendar.capacity {
        return Err(AppointmentError::Full(calendar.capacity));
    }
    Ok(slot)
}

/// A booked appointment may be changed or cancelled until its slot starts.
pub fn check_change(
    status: AppointmentStatus,
    slot: Slot,
    now: NaiveDateTime,
    action: &'static str,
) -> Result<(), AppointmentError> {
    if status != AppointmentStatus::Booked {
        return Err(AppointmentError::WrongStatus { status, action });
    }
    if slot.start <= now {
        return Err(AppointmentError::AlreadyStarted);
    }
    Ok(())
}

/// Check-in is open from `check_in_early_minutes` before the slot until its end.
pub fn check_check_in(
    policy: &BookingPolicy,
    status: AppointmentStatus,
    slot: Slot,
    now: NaiveDateTime,
) -> Result<(), AppointmentError> {
    if status != AppointmentStatus::Booked {
        return Err(AppointmentError::WrongStatus {
            status,
            action: "签到",
        });
    }
    let opens = slot.start - Duration::minutes(policy.check_in_early_minutes);
    if now < opens {
        return Err(AppointmentError::TooEarly(
            opens.format("%m-%d %H:%M").to_string(),
        ));
    }
    if now >= slot.end {
        return Err(AppointmentError::TooLate);
    }
    Ok(())
}

/// A booked appointment becomes a no-show once its slot has ended without a check-in.
pub fn check_no_show(
    status: AppointmentStatus,
    slot: Slot,
    now: NaiveDateTime,
) -> Result<(), AppointmentError> {
    if status != AppointmentStatus::Booked {
        return Err(AppointmentError::WrongStatus {
            status,
            action: "登记爽约",
        });
    }
    if now < slot.end {
        return Err(AppointmentError::NotOverYet);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use expect_test::{Expect, expect};

    fn local(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
    }

    fn calendar() -> SlotCalendar {
        // Weekdays straight through noon, Saturday morning (周末预约办, 午间不间断).
        SlotCalendar::parse("1-5 08:30-17:30; 6 09:00-11:30", 30, 2).unwrap()
    }

    fn check_slots(calendar: &SlotCalendar, date: &str, expect: Expect) {
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
        let slots: Vec<String> = calendar
            .slots_on(date)
            .iter()
            .map(|slot| {
                format!(
                    "{}-{}",
                    slot.start.format("%H:%M"),
                    slot.end.format("%H:%M")
                )
            })
            .collect();
        expect.assert_eq(&slots.join(" "));
    }

    #[test]
    fn slots_cover_weekdays_through_noon_and_saturday_mornings() {
        let calendar = calendar();
        assert!(calendar.weekend_service());
        assert!(calendar.noon_service());
        // 2026-12-05 is a Saturday, 12-06 a Sunday.
        check_slots(
            &calendar,
            "2026-12-05",
            expect!["09:00-09:30 09:30-10:00 10:00-10:30 10:30-11:00 11:00-11:30"],
        );
        check_slots(&calendar, "2026-12-06", expect![""]);
        check_slots(
            &SlotCalendar::parse("1-5 08:30-12:00,13:30-17:30", 45, 3).unwrap(),
            "2026-12-01",
            expect![
                "08:30-09:15 09:15-10:00 10:00-10:45 10:45-11:30 13:30-14:15 14:15-15:00 15:00-15:45 15:45-16:30 16:30-17:15"
            ],
        );
        assert_eq!(
            calendar.slots_on(local("2026-12-01 00:00").date()).len(),
            18
        );
    }

    fn booking(start: &str, now: &str, taken: u32) -> String {
        match check_booking(
            &calendar(),
            &BookingPolicy::default(),
            local(start),
            local(now),
            taken,
        ) {
            Ok(slot) => format!("ok {}", slot.end.format("%H:%M")),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn bookings_need_a_future_slot_with_room_within_the_horizon() {
        let now = "2026-11-30 10:05";
        let table = [
            booking("2026-12-01 12:00", now, 0),
            booking("2026-12-01 12:00", now, 1),
            booking("2026-12-01 12:00", now, 2),
            booking("2026-12-01 12:10", now, 0),
            booking("2026-11-30 10:00", now, 0),
            booking("2026-11-30 10:30", now, 0),
            booking("2026-12-06 09:00", now, 0),
            booking("2026-12-14 09:00", now, 0),
            booking("2026-12-15 09:00", now, 0),
        ]
        .join("\n");
        expect![[r#"
            ok 12:30
            ok 12:30
            该时段已约满（每时段 2 人），请选择其他时段
            2026-12-01 12:10 不是可预约的时段，请从日历中选择
            该时段已开始或已过去，不能预约
            ok 11:00
            2026-12-06 09:00 不是可预约的时段，请从日历中选择
            ok 09:30
            只能预约 14 天内的时段"#]]
        .assert_eq(&table);
    }

    #[test]
    fn check_in_opens_half_an_hour_early_and_closes_with_the_slot() {
        let slot = calendar().slot_at(local("2026-12-01 12:00")).unwrap();
        let policy = BookingPolicy::default();
        let result = |now: &str, status| match check_check_in(&policy, status, slot, local(now)) {
            Ok(()) => "ok".to_owned(),
            Err(error) => error.to_string(),
        };
        let table = [
            result("2026-12-01 11:29", AppointmentStatus::Booked),
            result("2026-12-01 11:30", AppointmentStatus::Booked),
            result("2026-12-01 12:29", AppointmentStatus::Booked),
            result("2026-12-01 12:30", AppointmentStatus::Booked),
            result("2026-12-01 12:00", AppointmentStatus::Cancelled),
        ]
        .join("\n");
        expect![[r#"
            签到时间未到：请在 12-01 11:30 之后签到
            ok
            ok
            预约时段已结束，不能签到，请重新取号
            预约当前状态为“已取消”，不能签到"#]]
        .assert_eq(&table);
    }

    #[test]
    fn changes_and_cancellations_stop_at_the_slot_start_and_no_shows_wait_for_its_end() {
        let slot = calendar().slot_at(local("2026-12-01 12:00")).unwrap();
        let show = |result: Result<(), AppointmentError>| match result {
            Ok(()) => "ok".to_owned(),
            Err(error) => error.to_string(),
        };
        let table = [
            show(check_change(
                AppointmentStatus::Booked,
                slot,
                local("2026-12-01 11:59"),
                "取消",
            )),
            show(check_change(
                AppointmentStatus::Booked,
                slot,
                local("2026-12-01 12:00"),
                "取消",
            )),
            show(check_change(
                AppointmentStatus::CheckedIn,
                slot,
                local("2026-12-01 11:00"),
                "改约",
            )),
            show(check_no_show(
                AppointmentStatus::Booked,
                slot,
                local("2026-12-01 12:29"),
            )),
            show(check_no_show(
                AppointmentStatus::Booked,
                slot,
                local("2026-12-01 12:30"),
            )),
            show(check_no_show(
                AppointmentStatus::CheckedIn,
                slot,
                local("2026-12-01 13:00"),
            )),
        ]
        .join("\n");
        expect![[r#"
            ok
            该时段已开始，不能再更改或取消
            预约当前状态为“已签到”，不能改约
            预约时段尚未结束，不能登记爽约
            ok
            预约当前状态为“已签到”，不能登记爽约"#]]
        .assert_eq(&table);
    }

    #[test]
    fn bad_calendars_are_refused_with_a_reason() {
        assert_eq!(
            SlotCalendar::parse("1-5 08:30-17:30", 2, 2)
                .unwrap_err()
                .to_string(),
            "每个时段的长度应在 5～240 分钟之间"
        );
        assert_eq!(
            SlotCalendar::parse("1-5 08:30-17:30", 30, 0)
                .unwrap_err()
                .to_string(),
            "每个时段可预约人数应在 1～500 之间"
        );
        assert!(SlotCalendar::parse("星期八 08:30", 30, 2).is_err());
    }
}
