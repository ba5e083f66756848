//! The counter's queue (排队叫号): business categories, ticket numbers, the ticket state
//! machine, the green channel (绿色通道) and the order in which a window calls tickets.
//!
//! # The call order
//!
//! A window serves a set of categories. When its clerk presses “call next”, [`pick_next`]
//! chooses among the waiting tickets of those categories:
//!
//! 1. **Due appointments first.** A checked-in appointment (预约) whose slot has begun is called
//!    ahead of every walk-in, earliest slot first, then by check-in time. An appointment
//!    checked in before its slot waits like a walk-in from its check-in time, so coming early
//!    never costs anything.
//! 2. **Green channel by head start.** Every other ticket is ranked by its *effective* queue
//!    time: the time it joined the queue, minus [`CallPolicy::green_head_start_minutes`] for a
//!    green-channel ticket. A green ticket therefore goes ahead of normal tickets that arrived
//!    less than the head start before it, but never ahead of one that has waited longer than
//!    that: waiting time ages every ticket equally, so a normal ticket's wait is bounded.
//! 3. **No long green streaks.** After [`CallPolicy::max_green_streak`] green calls in a row
//!    at one window, that window's next call goes to the best normal ticket if any waits, so
//!    even a stream of elderly residents cannot hold normal tickets back for long.
//!    The streak is counted per window (a window's calls are made one at a time by its clerk,
//!    so the count is exact under concurrent calls from other windows).
//!
//! Ties are broken by ticket id (issue order). A transferred ticket keeps its number and the
//! time it first joined the queue, so a resident sent to another category does not start at
//! the back again.

use std::fmt;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::{IdNumber, ParseError};

/// China Standard Time: ticket days, slot calendars and the display board use local time
/// (no daylight saving, so a fixed offset is exact).
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

/// The local calendar day of an instant: daily ticket numbers restart on it.
pub fn service_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&china()).date_naive()
}

/// The letter that prefixes a category's ticket numbers (A…Z); unique within a station.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CategoryPrefix(char);

impl CategoryPrefix {
    pub fn parse(text: &str) -> Result<CategoryPrefix, ParseError> {
        let trimmed = text.trim();
        let mut chars = trimmed.chars();
        match (chars.next(), chars.next()) {
            (Some(letter), None) if letter.is_ascii_alphabetic() => {
                Ok(CategoryPrefix(letter.to_ascii_uppercase()))
            }
            _ => Err(ParseError::Invalid(format!(
                "业务类别字母“{}”无效：应为 A～Z 中的一个字母",
                trimmed.chars().take(8).collect::<String>()
            ))),
        }
    }

    pub fn letter(self) -> char {
        self.0
    }
}

impl fmt::Display for CategoryPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A ticket number such as `A012`: the prefix of the category it was issued for and the day's
/// sequence number in that category (at least three digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TicketNumber {
    pub prefix: CategoryPrefix,
    pub sequence: u32,
}

impl TicketNumber {
    pub fn parse(text: &str) -> Result<TicketNumber, ParseError> {
        let text = text.trim();
        let error = || ParseError::Invalid(format!("号码“{text}”无效：应为字母加数字，如 A012"));
        let mut chars = text.chars();
        let letter = chars.next().ok_or_else(error)?;
        let prefix = CategoryPrefix::parse(&letter.to_string()).map_err(|_| error())?;
        let digits = chars.as_str();
        if digits.is_empty() || digits.len() > 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(error());
        }
        let sequence = digits.parse().map_err(|_| error())?;
        if sequence == 0 {
            return Err(error());
        }
        Ok(TicketNumber { prefix, sequence })
    }
}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{:03}", self.prefix, self.sequence)
    }
}

/// Where a ticket is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// 等候中
    Waiting,
    /// 已叫号: called to a window, the resident is on the way.
    Called,
    /// 办理中
    Serving,
    /// 已办结
    Finished,
    /// 过号: called and did not come.
    NoShow,
}

impl TicketStatus {
    pub const ALL: [TicketStatus; 5] = [
        TicketStatus::Waiting,
        TicketStatus::Called,
        TicketStatus::Serving,
        TicketStatus::Finished,
        TicketStatus::NoShow,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Waiting => "waiting",
            TicketStatus::Called => "called",
            TicketStatus::Serving => "serving",
            TicketStatus::Finished => "finished",
            TicketStatus::NoShow => "no_show",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TicketStatus::Waiting => "等候中",
            TicketStatus::Called => "已叫号",
            TicketStatus::Serving => "办理中",
            TicketStatus::Finished => "已办结",
            TicketStatus::NoShow => "过号",
        }
    }

    pub fn parse(text: &str) -> Option<TicketStatus> {
        TicketStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
    }

    /// Finished and no-show tickets never change again.
    pub fn is_final(self) -> bool {
        matches!(self, TicketStatus::Finished | TicketStatus::NoShow)
    }
}

/// What a clerk (or the queue) does to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TicketAction {
    /// 叫号
    Call,
    /// 重呼: call the same ticket again.
    Recall,
    /// 开始办理
    Serve,
    /// 办结
    Finish,
    /// 过号
    NoShow,
    /// 转移: send to another category's queue, keeping the number.
    Transfer,
}

impl TicketAction {
    pub fn label(self) -> &'static str {
        match self {
            TicketAction::Call => "叫号",
            TicketAction::Recall => "重呼",
            TicketAction::Serve => "开始办理",
            TicketAction::Finish => "办结",
            TicketAction::NoShow => "过号",
            TicketAction::Transfer => "转移",
        }
    }
}

/// A refused ticket operation; the message reaches the clerk unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TicketError {
    #[error("号票当前状态为“{}”，不能{}", .from.label(), .action.label())]
    NotAllowed {
        from: TicketStatus,
        action: TicketAction,
    },
}

/// The state machine: waiting → called → serving → finished, called → no-show, a called
/// ticket may be recalled, finished straight from called (quick matters), and a waiting,
/// called or serving ticket may be transferred back to waiting in another category.
pub fn next_status(from: TicketStatus, action: TicketAction) -> Result<TicketStatus, TicketError> {
    use TicketAction as A;
    use TicketStatus as S;
    let to = match (from, action) {
        (S::Waiting, A::Call) => S::Called,
        (S::Called, A::Recall) => S::Called,
        (S::Called, A::Serve) => S::Serving,
        (S::Called | S::Serving, A::Finish) => S::Finished,
        (S::Called, A::NoShow) => S::NoShow,
        (S::Waiting | S::Called | S::Serving, A::Transfer) => S::Waiting,
        _ => return Err(TicketError::NotAllowed { from, action }),
    };
    Ok(to)
}

/// Why a resident gets the green channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GreenReason {
    /// 高龄: age from the ID number.
    Elderly,
    /// 残疾
    Disability,
    /// 特殊群体 (一人一档 members: major illness, medical assistance…)
    SpecialGroup,
    /// 孕产妇
    Pregnancy,
}

impl GreenReason {
    pub const ALL: [GreenReason; 4] = [
        GreenReason::Elderly,
        GreenReason::Disability,
        GreenReason::SpecialGroup,
        GreenReason::Pregnancy,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GreenReason::Elderly => "elderly",
            GreenReason::Disability => "disability",
            GreenReason::SpecialGroup => "special_group",
            GreenReason::Pregnancy => "pregnancy",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            GreenReason::Elderly => "高龄",
            GreenReason::Disability => "残疾人",
            GreenReason::SpecialGroup => "特殊群体",
            GreenReason::Pregnancy => "孕产妇",
        }
    }

    pub fn parse(text: &str) -> Option<GreenReason> {
        GreenReason::ALL
            .into_iter()
            .find(|reason| reason.as_str() == text)
    }
}

/// Who qualifies for the green channel; a station may change it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GreenChannelConfig {
    /// Age (completed years, from the ID number) from which a resident qualifies.
    pub min_age: u32,
    pub disability: bool,
    pub special_group: bool,
    pub pregnancy: bool,
}

impl Default for GreenChannelConfig {
    fn default() -> GreenChannelConfig {
        GreenChannelConfig {
            min_age: 70,
            disability: true,
            special_group: true,
            pregnancy: true,
        }
    }
}

/// What the resident (or the guide at the kiosk) declares when taking a ticket.
#[derive(Debug, Clone, Default)]
pub struct GreenClaim<'a> {
    pub id_number: Option<&'a IdNumber>,
    pub disability: bool,
    pub special_group: bool,
    pub pregnancy: bool,
}

/// The first reason, in the order age, disability, special group, pregnancy, that the
/// configuration accepts; `None` means a normal ticket.
pub fn green_reason(
    config: &GreenChannelConfig,
    claim: &GreenClaim<'_>,
    today: NaiveDate,
) -> Option<GreenReason> {
    if claim
        .id_number
        .is_some_and(|id| id.age_on(today) >= config.min_age)
    {
        return Some(GreenReason::Elderly);
    }
    if config.disability && claim.disability {
        return Some(GreenReason::Disability);
    }
    if config.special_group && claim.special_group {
        return Some(GreenReason::SpecialGroup);
    }
    if config.pregnancy && claim.pregnancy {
        return Some(GreenReason::Pregnancy);
    }
    None
}

/// The knobs of the call order (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallPolicy {
    /// How many minutes of waiting a green-channel ticket is credited with.
    pub green_head_start_minutes: i64,
    /// Green calls in a row at one window before a normal ticket must be called.
    pub max_green_streak: u32,
}

impl Default for CallPolicy {
    fn default() -> CallPolicy {
        CallPolicy {
            green_head_start_minutes: 15,
            max_green_streak: 2,
        }
    }
}

/// A waiting ticket as the call order sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedTicket {
    pub id: i64,
    pub number: TicketNumber,
    /// The category whose queue it is in now (differs from the number's prefix after a
    /// transfer).
    pub category: CategoryPrefix,
    /// When it first joined a queue (issue or check-in time); kept across transfers.
    pub queued_at: DateTime<Utc>,
    pub green: bool,
    /// The slot start of a checked-in appointment.
    pub slot_start: Option<DateTime<Utc>>,
}

/// Why a ticket was called; stored with the call so the per-window streak can be counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallReason {
    Appointment,
    Green,
    Normal,
}

impl CallReason {
    pub fn as_str(self) -> &'static str {
        match self {
            CallReason::Appointment => "appointment",
            CallReason::Green => "green",
            CallReason::Normal => "normal",
        }
    }

    pub fn parse(text: &str) -> Option<CallReason> {
        [
            CallReason::Appointment,
            CallReason::Green,
            CallReason::Normal,
        ]
        .into_iter()
        .find(|reason| reason.as_str() == text)
    }
}

/// The current green streak of a window from its most recent call reasons (newest first):
/// green calls count, appointment calls are skipped, a normal call ends the streak.
pub fn green_streak(recent_newest_first: &[CallReason]) -> u32 {
    let mut streak = 0;
    for reason in recent_newest_first {
        match reason {
            CallReason::Green => streak += 1,
            CallReason::Appointment => {}
            CallReason::Normal => break,
        }
    }
    streak
}

/// The ticket a window serving `categories` calls next, and why; `None` when nobody waits.
pub fn pick_next(
    queue: &[QueuedTicket],
    categories: &[CategoryPrefix],
    streak: u32,
    now: DateTime<Utc>,
    policy: &CallPolicy,
) -> Option<(usize, CallReason)> {
    let eligible = || {
        queue
            .iter()
            .enumerate()
            .filter(|(_, ticket)| categories.contains(&ticket.category))
    };
    let due = eligible()
        .filter(|(_, ticket)| ticket.slot_start.is_some_and(|start| start <= now))
        .min_by_key(|(_, ticket)| (ticket.slot_start, ticket.queued_at, ticket.id));
    if let Some((index, _)) = due {
        return Some((index, CallReason::Appointment));
    }
    let head_start = Duration::minutes(policy.green_head_start_minutes.max(0));
    let effective = |ticket: &QueuedTicket| {
        if ticket.green {
            ticket.queued_at - head_start
        } else {
            ticket.queued_at
        }
    };
    let best = eligible().min_by_key(|(_, ticket)| (effective(ticket), ticket.id))?;
    if !best.1.green {
        return Some((best.0, CallReason::Normal));
    }
    if streak >= policy.max_green_streak {
        let normal = eligible()
            .filter(|(_, ticket)| !ticket.green)
            .min_by_key(|(_, ticket)| (effective(ticket), ticket.id));
        if let Some((index, _)) = normal {
            return Some((index, CallReason::Normal));
        }
    }
    Some((best.0, CallReason::Green))
}

/// Estimated wait in whole minutes for a ticket taken now: the tickets ahead of it, times the
/// recent mean handling time, divided by the windows open for its category; `None` when no
/// window serves the category. With nobody ahead the estimate is 0.
pub fn estimated_wait_minutes(
    waiting_ahead: u32,
    mean_handling_seconds: f64,
    open_windows: u32,
) -> Option<u32> {
    if open_windows == 0 {
        return None;
    }
    let seconds =
        f64::from(waiting_ahead) * mean_handling_seconds.max(0.0) / f64::from(open_windows);
    Some((seconds / 60.0).ceil() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use expect_test::{Expect, expect};

    fn at(minute: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 1, 0, 0).unwrap() + Duration::minutes(minute)
    }

    /// Runs a queue: each line of `script` is a ticket `A001 [green] @<minute> [slot@<minute>]
    /// [in B]` (number, green flag, queue time, appointment slot, current category); then a
    /// window serving `categories` calls until the queue is empty, once a minute from minute
    /// `start`, and the calls are printed with their reasons.
    fn check(script: &str, categories: &str, start: i64, policy: CallPolicy, expect: Expect) {
        let mut queue: Vec<QueuedTicket> = Vec::new();
        for (id, line) in script
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .enumerate()
        {
            let words: Vec<&str> = line.split_whitespace().collect();
            let number = TicketNumber::parse(words[0]).unwrap();
            let mut ticket = QueuedTicket {
                id: id as i64,
                number,
                category: number.prefix,
                queued_at: at(0),
                green: false,
                slot_start: None,
            };
            let mut rest = words[1..].iter();
            while let Some(word) = rest.next() {
                if *word == "green" {
                    ticket.green = true;
                } else if let Some(minute) = word.strip_prefix("slot@") {
                    ticket.slot_start = Some(at(minute.parse().unwrap()));
                } else if let Some(minute) = word.strip_prefix('@') {
                    ticket.queued_at = at(minute.parse().unwrap());
                } else if *word == "in" {
                    ticket.category = CategoryPrefix::parse(rest.next().unwrap()).unwrap();
                }
            }
            queue.push(ticket);
        }
        let categories: Vec<CategoryPrefix> = categories
            .split(',')
            .map(|c| CategoryPrefix::parse(c).unwrap())
            .collect();
        let mut reasons: Vec<CallReason> = Vec::new();
        let mut calls = Vec::new();
        let mut minute = start;
        loop {
            let recent: Vec<CallReason> = reasons.iter().rev().copied().collect();
            let Some((index, reason)) = pick_next(
                &queue,
                &categories,
                green_streak(&recent),
                at(minute),
                &policy,
            ) else {
                break;
            };
            let ticket = queue.remove(index);
            let tag = match reason {
                CallReason::Appointment => "预约",
                CallReason::Green => "绿",
                CallReason::Normal => "普",
            };
            calls.push(format!("{}{tag}", ticket.number));
            reasons.push(reason);
            minute += 1;
        }
        let left: Vec<String> = queue.iter().map(|t| t.number.to_string()).collect();
        let mut actual = calls.join(" ");
        if !left.is_empty() {
            actual.push_str(&format!(" | left: {}", left.join(" ")));
        }
        expect.assert_eq(&actual);
    }

    #[test]
    fn normal_tickets_are_called_first_come_first_served() {
        check(
            "A001 @0\nA002 @1\nA003 @2",
            "A",
            10,
            CallPolicy::default(),
            expect!["A001普 A002普 A003普"],
        );
    }

    #[test]
    fn a_green_ticket_overtakes_normal_tickets_within_its_head_start_only() {
        // A004 arrives 10 minutes after A001: with a 15-minute head start it goes first; A005
        // arrives 20 minutes after A001, so A001 (waited longer than the head start) precedes.
        check(
            "A001 @0\nA002 @5\nA003 @9\nA004 green @10\nA005 green @20",
            "A",
            30,
            CallPolicy::default(),
            expect!["A004绿 A001普 A002普 A005绿 A003普"],
        );
    }

    #[test]
    fn a_zero_head_start_makes_the_green_channel_plain_first_come_first_served() {
        check(
            "A001 @0\nA002 green @1\nA003 @2",
            "A",
            10,
            CallPolicy {
                green_head_start_minutes: 0,
                max_green_streak: 2,
            },
            expect!["A001普 A002绿 A003普"],
        );
    }

    #[test]
    fn a_stream_of_green_tickets_cannot_starve_normal_ones() {
        // Six elderly residents behind one normal ticket: at most two green calls in a row.
        check(
            "A001 @0\nA002 green @1\nA003 green @1\nA004 green @2\nA005 green @2\nA006 green @3\nA007 green @3\nA008 @4",
            "A",
            10,
            CallPolicy::default(),
            expect!["A002绿 A003绿 A001普 A004绿 A005绿 A008普 A006绿 A007绿"],
        );
        // With a streak limit of 1 green and normal alternate.
        check(
            "A001 @0\nA002 @0\nA003 green @1\nA004 green @1\nA005 green @2",
            "A",
            10,
            CallPolicy {
                green_head_start_minutes: 15,
                max_green_streak: 1,
            },
            expect!["A003绿 A001普 A004绿 A002普 A005绿"],
        );
    }

    #[test]
    fn a_window_calls_only_its_categories() {
        check(
            "A001 @0\nB001 @1\nC001 green @2\nA002 @3",
            "A,C",
            10,
            CallPolicy::default(),
            expect!["C001绿 A001普 A002普 | left: B001"],
        );
    }

    #[test]
    fn a_transferred_ticket_keeps_its_number_and_its_place_in_time() {
        // A002 was served at the A window and sent to B: it is in B's queue with its old
        // number and original queue time, so it precedes B tickets issued after it.
        check(
            "B001 @1\nA002 @0 in B\nB002 @5",
            "B",
            10,
            CallPolicy::default(),
            expect!["A002普 B001普 B002普"],
        );
        // And an A window no longer calls it.
        check(
            "A001 @0\nA002 @0 in B",
            "A",
            10,
            CallPolicy::default(),
            expect!["A001普 | left: A002"],
        );
    }

    #[test]
    fn checked_in_appointments_go_ahead_of_walk_ins_once_their_slot_begins() {
        // Slot at minute 30; the resident checked in at minute 20. Called at minute 10 the
        // appointment waits like a walk-in from 20; from minute 30 on it goes first.
        check(
            "A001 @0\nA002 @5\nA003 @10 slot@30\nA004 @15\nA005 green @25",
            "A",
            28,
            CallPolicy::default(),
            expect!["A001普 A002普 A003预约 A005绿 A004普"],
        );
        // Two due appointments: earlier slot first, even if checked in later.
        check(
            "A001 @0\nA002 @9 slot@0\nA003 @1 slot@5",
            "A",
            10,
            CallPolicy::default(),
            expect!["A002预约 A003预约 A001普"],
        );
    }

    #[test]
    fn appointment_calls_do_not_break_or_extend_a_green_streak() {
        assert_eq!(
            green_streak(&[
                CallReason::Green,
                CallReason::Appointment,
                CallReason::Green,
                CallReason::Normal,
                CallReason::Green
            ]),
            2
        );
        assert_eq!(green_streak(&[]), 0);
    }

    #[test]
    fn the_state_machine_allows_only_the_counter_s_moves() {
        let mut table = String::new();
        for from in TicketStatus::ALL {
            table.push_str(&format!("{:>8}:", from.as_str()));
            for action in [
                TicketAction::Call,
                TicketAction::Recall,
                TicketAction::Serve,
                TicketAction::Finish,
                TicketAction::NoShow,
                TicketAction::Transfer,
            ] {
                let cell = match next_status(from, action) {
                    Ok(to) => to.as_str().to_owned(),
                    Err(_) => "-".to_owned(),
                };
                table.push_str(&format!(" {cell:>8}"));
            }
            table.push('\n');
        }
        expect![[r#"
             waiting:   called        -        -        -        -  waiting
              called:        -   called  serving finished  no_show  waiting
             serving:        -        -        - finished        -  waiting
            finished:        -        -        -        -        -        -
             no_show:        -        -        -        -        -        -
        "#]]
        .assert_eq(&table);
        assert_eq!(
            next_status(TicketStatus::Finished, TicketAction::Recall)
                .unwrap_err()
                .to_string(),
            "号票当前状态为“已办结”，不能重呼"
        );
    }

    #[test]
    fn the_green_channel_is_derived_from_age_and_declared_flags() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let seventy = IdNumber::parse(&with_check("32090319561130123")).unwrap();
        let sixty_nine = IdNumber::parse(&with_check("32090319561201123")).unwrap();
        let config = GreenChannelConfig::default();
        let reason = |claim: GreenClaim<'_>, config: &GreenChannelConfig| {
            green_reason(config, &claim, today).map(GreenReason::label)
        };
        assert_eq!(
            reason(
                GreenClaim {
                    id_number: Some(&seventy),
                    ..GreenClaim::default()
                },
                &config
            ),
            Some("高龄")
        );
        assert_eq!(
            reason(
                GreenClaim {
                    id_number: Some(&sixty_nine),
                    ..GreenClaim::default()
                },
                &config
            ),
            None
        );
        let pregnant = GreenClaim {
            pregnancy: true,
            ..GreenClaim::default()
        };
        assert_eq!(reason(pregnant.clone(), &config), Some("孕产妇"));
        let strict = GreenChannelConfig {
            min_age: 80,
            pregnancy: false,
            ..GreenChannelConfig::default()
        };
        assert_eq!(reason(pregnant, &strict), None);
        assert_eq!(
            reason(
                GreenClaim {
                    id_number: Some(&seventy),
                    disability: true,
                    ..GreenClaim::default()
                },
                &strict
            ),
            Some("残疾人")
        );
    }

    fn with_check(first17: &str) -> String {
        let check = crate::id_number::check_char(first17.as_bytes()) as char;
        format!("{first17}{check}")
    }

    #[test]
    fn numbers_and_prefixes_parse_and_print() {
        assert_eq!(TicketNumber::parse("a12").unwrap().to_string(), "A012");
        assert_eq!(TicketNumber::parse("B1234").unwrap().to_string(), "B1234");
        for bad in ["", "A", "12", "A0", "AB1", "A-1"] {
            assert!(TicketNumber::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            CategoryPrefix::parse("ab").unwrap_err().to_string(),
            "业务类别字母“ab”无效：应为 A～Z 中的一个字母"
        );
    }

    #[test]
    fn the_wait_estimate_divides_the_work_ahead_by_the_open_windows() {
        assert_eq!(estimated_wait_minutes(0, 300.0, 2), Some(0));
        assert_eq!(estimated_wait_minutes(5, 300.0, 2), Some(13));
        assert_eq!(estimated_wait_minutes(5, 300.0, 0), None);
    }
}
