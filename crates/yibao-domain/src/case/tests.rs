//! Data-driven tests of the case rules: the full transition matrix, payload refusals, the
//! deadline clock, routing over a station chain and intake checks against the real catalog.

use std::fmt::Write;

use expect_test::expect;

use super::*;
use crate::Catalog;
use crate::calendar::CalendarDay;
use crate::calendar::DayKind;

fn code(text: &str) -> StationCode {
    StationCode::parse(text).unwrap()
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn calendar() -> WorkingCalendar {
    let days: Vec<CalendarDay> = (1..=7)
        .map(|day| CalendarDay {
            date: date(&format!("2026-10-0{day}")),
            kind: DayKind::Holiday,
            name: "国庆节".to_owned(),
        })
        .chain([CalendarDay {
            date: date("2026-10-10"),
            kind: DayKind::Workday,
            name: "国庆节调休".to_owned(),
        }])
        .collect();
    WorkingCalendar::new(&days)
}

/// A case taken in at the village point VIL on Tue 2026-09-29 for a 3-working-day item,
/// completed by `completing`.
fn case_in(status: CaseStatus, completing: &str) -> CaseState {
    let route = Route {
        completing_station: code(completing),
        kind: if completing == "VIL" {
            RouteKind::OnSite
        } else {
            RouteKind::Forward
        },
    };
    let mut case = CaseState::new(
        code("VIL"),
        &route,
        TimeLimit::WorkingDays(3),
        date("2026-09-29"),
        &calendar(),
        vec!["居住证明".to_owned()],
    );
    case.status = status;
    let upstream = matches!(status, CaseStatus::Forwarded | CaseStatus::Accepted);
    if upstream {
        case.current_station = code(completing);
    }
    if status == CaseStatus::Returned {
        case.resume_status = Some(CaseStatus::Submitted);
        case.paused_on = Some(date("2026-09-30"));
        case.missing = vec!["户口簿".to_owned()];
        case.returned_by = vec![code("VIL")];
    }
    case
}

/// One valid payload per action.
fn sample_actions() -> Vec<CaseAction> {
    vec![
        CaseAction::InitialReview,
        CaseAction::AcceptUpstream,
        CaseAction::Complete {
            note: String::new(),
        },
        CaseAction::Reject {
            reason: "不符合备案条件".to_owned(),
        },
        CaseAction::ReturnForSupplement {
            missing: vec!["户口簿".to_owned()],
        },
        CaseAction::Resubmit {
            supplied: vec!["户口簿".to_owned()],
        },
        CaseAction::SupplyPledged {
            materials: vec!["居住证明".to_owned()],
        },
        CaseAction::Withdraw {
            reason: String::new(),
        },
    ]
}

fn render(result: &Result<Transition, Refusal>) -> String {
    match result {
        Ok(transition) => {
            let events: Vec<&str> = transition.events.iter().map(CaseEvent::kind).collect();
            format!(
                "-> {} @{} [{}]",
                transition.state.status,
                transition.state.current_station,
                events.join(", ")
            )
        }
        Err(refusal) => format!("refused {}: {refusal}", refusal.code()),
    }
}

/// Every status × every action, acted on by the station that holds the case, for a case
/// forwarded from VIL to TOWN and for one VIL completes itself.
#[test]
fn transition_matrix() {
    let mut out = String::new();
    for completing in ["TOWN", "VIL"] {
        writeln!(out, "== completed by {completing}").unwrap();
        for status in CaseStatus::ALL {
            if completing == "VIL" && status == CaseStatus::Forwarded {
                continue; // a case completed where it was taken in is never forwarded
            }
            for action in sample_actions() {
                let mut case = case_in(status, completing);
                if action.kind() == ActionKind::Complete {
                    case.pledged.clear();
                }
                let station = case.current_station.clone();
                let result = transition(&case, &action, &station, date("2026-10-08"), &calendar());
                writeln!(
                    out,
                    "{status:>9} {:<21} {}",
                    action.kind().as_str(),
                    render(&result)
                )
                .unwrap();
            }
        }
    }
    expect![[r#"
        == completed by TOWN
        submitted initial_review        -> forwarded @TOWN [initial_review_passed, forwarded]
        submitted accept_upstream       refused case_action_not_allowed: 当前状态为“待初审”，不能执行“上级受理”
        submitted complete              refused case_not_completing_station: 本件须由上级站点 TOWN 办结，本站只能初审后转办
        submitted reject                -> rejected @VIL [rejected]
        submitted return_for_supplement -> returned @VIL [returned_for_supplement]
        submitted resubmit              refused case_action_not_allowed: 当前状态为“待初审”，不能执行“补正后重新提交”
        submitted supply_pledged        -> submitted @VIL [pledged_supplied]
        submitted withdraw              -> withdrawn @VIL [withdrawn]
        forwarded initial_review        refused case_action_not_allowed: 当前状态为“已转办待受理”，不能执行“初审通过”
        forwarded accept_upstream       -> accepted @TOWN [accepted_upstream]
        forwarded complete              refused case_action_not_allowed: 当前状态为“已转办待受理”，不能执行“办结”
        forwarded reject                -> rejected @TOWN [rejected]
        forwarded return_for_supplement -> returned @TOWN [returned_for_supplement]
        forwarded resubmit              refused case_action_not_allowed: 当前状态为“已转办待受理”，不能执行“补正后重新提交”
        forwarded supply_pledged        -> forwarded @TOWN [pledged_supplied]
        forwarded withdraw              -> withdrawn @TOWN [withdrawn]
        accepted initial_review        refused case_action_not_allowed: 当前状态为“已受理待办结”，不能执行“初审通过”
        accepted accept_upstream       refused case_action_not_allowed: 当前状态为“已受理待办结”，不能执行“上级受理”
        accepted complete              -> completed @TOWN [completed]
        accepted reject                -> rejected @TOWN [rejected]
        accepted return_for_supplement -> returned @TOWN [returned_for_supplement]
        accepted resubmit              refused case_action_not_allowed: 当前状态为“已受理待办结”，不能执行“补正后重新提交”
        accepted supply_pledged        -> accepted @TOWN [pledged_supplied]
        accepted withdraw              -> withdrawn @TOWN [withdrawn]
        returned initial_review        refused case_action_not_allowed: 当前状态为“退回补正”，不能执行“初审通过”
        returned accept_upstream       refused case_action_not_allowed: 当前状态为“退回补正”，不能执行“上级受理”
        returned complete              refused case_action_not_allowed: 当前状态为“退回补正”，不能执行“办结”
        returned reject                refused case_action_not_allowed: 当前状态为“退回补正”，不能执行“不予受理”
        returned return_for_supplement refused case_action_not_allowed: 当前状态为“退回补正”，不能执行“退回补正”
        returned resubmit              -> submitted @VIL [resubmitted]
        returned supply_pledged        refused case_action_not_allowed: 当前状态为“退回补正”，不能执行“补齐容缺材料”
        returned withdraw              -> withdrawn @VIL [withdrawn]
        completed initial_review        refused case_finished: 本件已结束（已办结），不能再办理
        completed accept_upstream       refused case_finished: 本件已结束（已办结），不能再办理
        completed complete              refused case_finished: 本件已结束（已办结），不能再办理
        completed reject                refused case_finished: 本件已结束（已办结），不能再办理
        completed return_for_supplement refused case_finished: 本件已结束（已办结），不能再办理
        completed resubmit              refused case_finished: 本件已结束（已办结），不能再办理
        completed supply_pledged        refused case_finished: 本件已结束（已办结），不能再办理
        completed withdraw              refused case_finished: 本件已结束（已办结），不能再办理
        rejected initial_review        refused case_finished: 本件已结束（不予受理），不能再办理
        rejected accept_upstream       refused case_finished: 本件已结束（不予受理），不能再办理
        rejected complete              refused case_finished: 本件已结束（不予受理），不能再办理
        rejected reject                refused case_finished: 本件已结束（不予受理），不能再办理
        rejected return_for_supplement refused case_finished: 本件已结束（不予受理），不能再办理
        rejected resubmit              refused case_finished: 本件已结束（不予受理），不能再办理
        rejected supply_pledged        refused case_finished: 本件已结束（不予受理），不能再办理
        rejected withdraw              refused case_finished: 本件已结束（不予受理），不能再办理
        withdrawn initial_review        refused case_finished: 本件已结束（已撤回），不能再办理
        withdrawn accept_upstream       refused case_finished: 本件已结束（已撤回），不能再办理
        withdrawn complete              refused case_finished: 本件已结束（已撤回），不能再办理
        withdrawn reject                refused case_finished: 本件已结束（已撤回），不能再办理
        withdrawn return_for_supplement refused case_finished: 本件已结束（已撤回），不能再办理
        withdrawn resubmit              refused case_finished: 本件已结束（已撤回），不能再办理
        withdrawn supply_pledged        refused case_finished: 本件已结束（已撤回），不能再办理
        withdrawn withdraw              refused case_finished: 本件已结束（已撤回），不能再办理
        == completed by VIL
        submitted initial_review        -> accepted @VIL [initial_review_passed]
        submitted accept_upstream       refused case_action_not_allowed: 当前状态为“待初审”，不能执行“上级受理”
        submitted complete              -> completed @VIL [completed]
        submitted reject                -> rejected @VIL [rejected]
        submitted return_for_supplement -> returned @VIL [returned_for_supplement]
        submitted resubmit              refused case_action_not_allowed: 当前状态为“待初审”，不能执行“补正后重新提交”
        submitted supply_pledged        -> submitted @VIL [pledged_supplied]
        submitted withdraw              -> withdrawn @VIL [withdrawn]
        accepted initial_review        refused case_action_not_allowed: 当前状态为“已受理待办结”，不能执行“初审通过”
        accepted accept_upstream       refused case_action_not_allowed: 当前状态为“已受理待办结”，不能执行“上级受理”
        accepted complete              -> completed @VIL [completed]
        accepted reject                -> rejected @VIL [rejected]
        accepted return_for_supplement -> returned @VIL [returned_for_supplement]
        accepted resubmit              refused case_action_not_allowed: 当前状态为“已受理待办结”，不能执行“补正后重新提交”
        accepted supply_pledged        -> accepted @VIL [pledged_supplied]
        accepted withdraw              -> withdrawn @VIL [withdrawn]
        returned initial_review        refused case_action_not_allowed: 当前状态为“退回补正”，不能执行“初审通过”
        returned accept_upstream       refused case_action_not_allowed: 当前状态为“退回补正”，不能执行“上级受理”
        returned complete              refused case_action_not_allowed: 当前状态为“退回补正”，不能执行“办结”
        returned reject                refused case_action_not_allowed: 当前状态为“退回补正”，不能执行“不予受理”
        returned return_for_supplement refused case_action_not_allowed: 当前状态为“退回补正”，不能执行“退回补正”
        returned resubmit              -> submitted @VIL [resubmitted]
        returned supply_pledged        refused case_action_not_allowed: 当前状态为“退回补正”，不能执行“补齐容缺材料”
        returned withdraw              -> withdrawn @VIL [withdrawn]
        completed initial_review        refused case_finished: 本件已结束（已办结），不能再办理
        completed accept_upstream       refused case_finished: 本件已结束（已办结），不能再办理
        completed complete              refused case_finished: 本件已结束（已办结），不能再办理
        completed reject                refused case_finished: 本件已结束（已办结），不能再办理
        completed return_for_supplement refused case_finished: 本件已结束（已办结），不能再办理
        completed resubmit              refused case_finished: 本件已结束（已办结），不能再办理
        completed supply_pledged        refused case_finished: 本件已结束（已办结），不能再办理
        completed withdraw              refused case_finished: 本件已结束（已办结），不能再办理
        rejected initial_review        refused case_finished: 本件已结束（不予受理），不能再办理
        rejected accept_upstream       refused case_finished: 本件已结束（不予受理），不能再办理
        rejected complete              refused case_finished: 本件已结束（不予受理），不能再办理
        rejected reject                refused case_finished: 本件已结束（不予受理），不能再办理
        rejected return_for_supplement refused case_finished: 本件已结束（不予受理），不能再办理
        rejected resubmit              refused case_finished: 本件已结束（不予受理），不能再办理
        rejected supply_pledged        refused case_finished: 本件已结束（不予受理），不能再办理
        rejected withdraw              refused case_finished: 本件已结束（不予受理），不能再办理
        withdrawn initial_review        refused case_finished: 本件已结束（已撤回），不能再办理
        withdrawn accept_upstream       refused case_finished: 本件已结束（已撤回），不能再办理
        withdrawn complete              refused case_finished: 本件已结束（已撤回），不能再办理
        withdrawn reject                refused case_finished: 本件已结束（已撤回），不能再办理
        withdrawn return_for_supplement refused case_finished: 本件已结束（已撤回），不能再办理
        withdrawn resubmit              refused case_finished: 本件已结束（已撤回），不能再办理
        withdrawn supply_pledged        refused case_finished: 本件已结束（已撤回），不能再办理
        withdrawn withdraw              refused case_finished: 本件已结束（已撤回），不能再办理
    "#]].assert_eq(&out);
}

#[test]
fn refusals_for_bad_payloads_and_the_wrong_station() {
    let cal = calendar();
    let today = date("2026-09-30");
    let mut out = String::new();
    let mut try_it = |label: &str, case: &CaseState, action: CaseAction, station: &str| {
        let result = transition(case, &action, &code(station), today, &cal);
        writeln!(out, "{label}: {}", render(&result)).unwrap();
    };
    let submitted = case_in(CaseStatus::Submitted, "TOWN");
    try_it(
        "town acts on a case still at the village",
        &submitted,
        CaseAction::InitialReview,
        "TOWN",
    );
    try_it(
        "village completes a forward-only case",
        &submitted,
        CaseAction::Complete {
            note: String::new(),
        },
        "VIL",
    );
    try_it(
        "reject without a reason",
        &submitted,
        CaseAction::Reject {
            reason: "  ".to_owned(),
        },
        "VIL",
    );
    try_it(
        "return with an empty list",
        &submitted,
        CaseAction::ReturnForSupplement {
            missing: vec![" ".to_owned()],
        },
        "VIL",
    );
    let mut returned_once = submitted.clone();
    returned_once.returned_by.push(code("VIL"));
    try_it(
        "second return at the same station",
        &returned_once,
        CaseAction::ReturnForSupplement {
            missing: vec!["户口簿".to_owned()],
        },
        "VIL",
    );
    let accepted = case_in(CaseStatus::Accepted, "TOWN");
    try_it(
        "completion with pledged material outstanding",
        &accepted,
        CaseAction::Complete {
            note: String::new(),
        },
        "TOWN",
    );
    try_it(
        "supplying something that was not pledged",
        &accepted,
        CaseAction::SupplyPledged {
            materials: vec!["户口簿".to_owned()],
        },
        "TOWN",
    );
    let mut returned = case_in(CaseStatus::Returned, "TOWN");
    returned.missing.push("结婚证".to_owned());
    try_it(
        "resubmit with part of the list",
        &returned,
        CaseAction::Resubmit {
            supplied: vec!["户口簿".to_owned()],
        },
        "VIL",
    );
    expect![[r#"
        town acts on a case still at the village: refused case_wrong_station: 本件现由站点 VIL 办理，本站（TOWN）不能操作
        village completes a forward-only case: refused case_not_completing_station: 本件须由上级站点 TOWN 办结，本站只能初审后转办
        reject without a reason: refused case_reason_missing: 不予受理须写明理由
        return with an empty list: refused case_missing_list_empty: 退回补正须一次性列明全部需补正的材料
        second return at the same station: refused case_already_returned: 一次性告知：本站已退回补正过一次，不能再次退回，请受理或不予受理
        completion with pledged material outstanding: refused case_pledge_outstanding: 容缺受理的材料尚未补齐：居住证明，不能办结
        supplying something that was not pledged: refused case_not_pledged: “户口簿”不是本件待补交的容缺材料
        resubmit with part of the list: refused case_supplement_incomplete: 补正材料仍缺少：结婚证
    "#]].assert_eq(&out);
}

/// Returned on Wed 09-30, resubmitted on Fri 10-09: the clock stood still for two working
/// days (10-08 and 10-09), so the deadline moves from 10-09 by two working days to the
/// make-up Saturday 10-10 and Monday 10-12.
#[test]
fn the_clock_stops_while_waiting_for_a_supplement() {
    let cal = calendar();
    let vil = code("VIL");
    let town = code("TOWN");
    let mut case = case_in(CaseStatus::Submitted, "TOWN");
    case.pledged.clear();
    let mut out = String::new();
    let steps = [
        (
            "2026-09-30",
            &vil,
            CaseAction::ReturnForSupplement {
                missing: vec![
                    "户口簿".to_owned(),
                    " 户口簿".to_owned(),
                    "结婚证".to_owned(),
                ],
            },
        ),
        (
            "2026-10-09",
            &vil,
            CaseAction::Resubmit {
                supplied: vec!["结婚证".to_owned(), "户口簿".to_owned()],
            },
        ),
        ("2026-10-09", &vil, CaseAction::InitialReview),
        ("2026-10-10", &town, CaseAction::AcceptUpstream),
        (
            "2026-10-13",
            &town,
            CaseAction::Complete {
                note: "已备案".to_owned(),
            },
        ),
    ];
    writeln!(out, "deadline {}", case.deadline).unwrap();
    for (today, station, action) in steps {
        let next = transition(&case, &action, station, date(today), &cal).unwrap();
        for event in &next.events {
            writeln!(out, "{today} {station}: {}", event.describe()).unwrap();
        }
        case = next.state;
    }
    writeln!(
        out,
        "deadline {} paused {}",
        case.deadline, case.paused_working_days
    )
    .unwrap();
    expect![[r#"
        deadline 2026-10-09
        2026-09-30 VIL: 退回补正，一次性告知需补：户口簿、结婚证；办理时限暂停计算
        2026-10-09 VIL: 补正材料已提交，时限恢复计算（暂停 2 个工作日），办理时限至 2026-10-12
        2026-10-09 VIL: 初审通过
        2026-10-09 VIL: 转办至 TOWN
        2026-10-10 TOWN: 上级站点已受理
        2026-10-13 TOWN: 已办结（超期）：已备案
        deadline 2026-10-12 paused 2
    "#]]
    .assert_eq(&out);
}

#[test]
fn every_status_change_has_an_sms() {
    let mut out = String::new();
    let events = [
        CaseEvent::Submitted {
            station: code("VIL"),
            route: RouteKind::Forward,
            completing_station: code("TOWN"),
            deadline: date("2026-10-09"),
            pledged: Vec::new(),
        },
        CaseEvent::Forwarded {
            from: code("VIL"),
            to: code("TOWN"),
        },
        CaseEvent::ReturnedForSupplement {
            station: code("VIL"),
            missing: vec!["户口簿".to_owned(), "结婚证".to_owned()],
        },
        CaseEvent::Completed {
            station: code("TOWN"),
            on_time: true,
            note: String::new(),
        },
        CaseEvent::InitialReviewPassed {
            station: code("VIL"),
        },
    ];
    for event in events {
        writeln!(
            out,
            "{}: {}",
            event.kind(),
            event
                .sms("YB20260929000001", "异地长期居住人员备案")
                .unwrap_or_else(|| "(no sms)".to_owned())
        )
        .unwrap();
    }
    expect![[r#"
        submitted: 【医保服务圈】您的“异地长期居住人员备案”业务（编号 YB20260929000001）已受理，预计 2026-10-09 前办结。
        forwarded: 【医保服务圈】您的“异地长期居住人员备案”业务（编号 YB20260929000001）已通过初审，转上级站点办理。
        returned_for_supplement: 【医保服务圈】您的“异地长期居住人员备案”业务（编号 YB20260929000001）需补正材料：户口簿、结婚证。请携带材料到原受理站点提交。
        completed: 【医保服务圈】您的“异地长期居住人员备案”业务（编号 YB20260929000001）已办结。欢迎对本次服务进行评价。
        initial_review_passed: (no sms)
    "#]].assert_eq(&out);
}

fn stop(station: &str, level: StationLevel, mode: HandlingMode) -> RouteStop {
    RouteStop {
        code: code(station),
        level,
        mode,
    }
}

#[test]
fn routing_over_the_station_chain() {
    use HandlingMode::{AcceptForward, Complete};
    let none = HandlingMode::None;
    use StationLevel as L;
    let hall = code("COUNTY-HALL");
    let cases: Vec<(&str, Vec<RouteStop>, Option<&StationCode>)> = vec![
        (
            "a village point completes resident enrolment itself",
            vec![
                stop("VIL", L::Village, Complete),
                stop("TOWN", L::Town, Complete),
            ],
            None,
        ),
        (
            "a village point's forward-only item lands at the town station",
            vec![
                stop("VIL", L::Village, AcceptForward),
                stop("TOWN", L::Town, Complete),
                stop("COUNTY", L::County, Complete),
            ],
            None,
        ),
        (
            "a building point skips a forwarding village and town",
            vec![
                stop("BLD", L::Building, AcceptForward),
                stop("VIL", L::Village, AcceptForward),
                stop("TOWN", L::Town, none),
                stop("COUNTY", L::County, Complete),
            ],
            None,
        ),
        (
            "no ancestor completes: the county station in the chain",
            vec![
                stop("VIL", L::Village, AcceptForward),
                stop("TOWN", L::Town, AcceptForward),
                stop("COUNTY", L::County, none),
            ],
            Some(&hall),
        ),
        (
            "no ancestor completes and none is a county: the county hall",
            vec![
                stop("VIL", L::Village, AcceptForward),
                stop("TOWN", L::Town, AcceptForward),
            ],
            Some(&hall),
        ),
        (
            "nowhere to go",
            vec![stop("VIL", L::Village, AcceptForward)],
            None,
        ),
        (
            "the intake station does not handle the item",
            vec![
                stop("VIL", L::Village, none),
                stop("TOWN", L::Town, Complete),
            ],
            None,
        ),
    ];
    let mut out = String::new();
    for (label, chain, county_hall) in cases {
        let result = match route_case("住院费用报销", &chain, county_hall) {
            Ok(route) => format!("{:?} -> {}", route.kind, route.completing_station),
            Err(refusal) => format!("refused {}: {refusal}", refusal.code()),
        };
        writeln!(out, "{label}: {result}").unwrap();
    }
    expect![[r#"
        a village point completes resident enrolment itself: OnSite -> VIL
        a village point's forward-only item lands at the town station: Forward -> TOWN
        a building point skips a forwarding village and town: Forward -> COUNTY
        no ancestor completes: the county station in the chain: CountyHall -> COUNTY
        no ancestor completes and none is a county: the county hall: CountyHall -> COUNTY-HALL
        nowhere to go: refused case_no_completing_station: 没有可以办结“住院费用报销”的上级站点，也未找到县级服务大厅
        the intake station does not handle the item: refused case_not_handled_here: 本站不办理“住院费用报销”，请引导申请人到可办理的站点
    "#]].assert_eq(&out);
}

fn id(text: &str) -> IdNumber {
    IdNumber::parse(text).unwrap()
}

fn item(code: &str) -> ServiceItem {
    Catalog::jiangsu_2022()
        .items
        .into_iter()
        .find(|i| i.code == code)
        .unwrap()
}

fn filing_request() -> IntakeRequest {
    IntakeRequest {
        channel: IntakeChannel::Counter,
        applicant_name: "张桂兰".to_owned(),
        applicant_id: id("320902195003150012"),
        applicant_phone: "13800000001".to_owned(),
        proxy: Some(Proxy {
            name: "李网格".to_owned(),
            id_number: id("320902198006010027"),
            phone: Some("13900000002".to_owned()),
            relation: ProxyRelation::GridWorker,
            authorisation: "授权委托书 WT-2026-001".to_owned(),
        }),
        materials: vec![
            (
                "医保电子凭证、有效身份证件或社会保障卡".to_owned(),
                MaterialForm::ECertificate,
            ),
            ("居住证明或个人承诺书".to_owned(), MaterialForm::Paper),
        ],
        pledge: false,
    }
}

#[test]
fn intake_checks_against_the_guide() {
    let filing = item("JS-14");
    let claim = item("JS-20");
    let mut out = String::new();
    let mut check = |label: &str, item: &ServiceItem, request: IntakeRequest| {
        let result = match check_intake(item, &request) {
            Ok(checked) => {
                let lines: Vec<String> = checked
                    .checklist
                    .iter()
                    .map(|l| {
                        format!(
                            "{}={}{}",
                            l.name,
                            l.form.as_str(),
                            if l.pledged { "(容缺)" } else { "" }
                        )
                    })
                    .collect();
                format!("ok paper={} {}", checked.has_paper, lines.join("; "))
            }
            Err(refusal) => format!("refused {}: {refusal}", refusal.code()),
        };
        writeln!(out, "{label}: {result}").unwrap();
    };
    check(
        "proxy with authorisation and an e-certificate",
        &filing,
        filing_request(),
    );
    let mut request = filing_request();
    request.proxy.as_mut().unwrap().authorisation = " ".to_owned();
    check("proxy without authorisation", &filing, request);
    let mut request = filing_request();
    request.proxy.as_mut().unwrap().id_number = id("320902195003150012");
    check("proxy is the applicant", &filing, request);
    let mut request = filing_request();
    request.materials.pop();
    check("a required material missing", &filing, request);
    let mut request = filing_request();
    request.materials.pop();
    request.pledge = true;
    check("the same on a pledge", &filing, request);
    let mut request = filing_request();
    request.materials[1].1 = MaterialForm::ECertificate;
    check("e-certificate where paper is needed", &filing, request);
    let mut request = filing_request();
    request
        .materials
        .push(("户口簿".to_owned(), MaterialForm::Paper));
    check("a material not in the guide", &filing, request);
    let mut request = filing_request();
    request.applicant_phone = "12345".to_owned();
    check("a bad phone number", &filing, request);
    let mut request = filing_request();
    request.materials.truncate(1);
    request.pledge = true;
    check("a pledge on an item without 容缺", &claim, request);
    let mut request = filing_request();
    request.materials.truncate(1);
    check("claim materials missing", &claim, request);
    let mut request = filing_request();
    request.channel = IntakeChannel::Mobile;
    check("mobile application of an online item", &filing, request);
    let mut request = filing_request();
    request.channel = IntakeChannel::Mobile;
    check(
        "mobile application of an item not on the app",
        &item("JS-24"),
        request,
    );
    expect![[r#"
        proxy with authorisation and an e-certificate: ok paper=true 医保电子凭证、有效身份证件或社会保障卡=e_certificate; 居住证明或个人承诺书=paper
        proxy without authorisation: refused case_authorisation_missing: 代办须登记申请人的授权委托（委托书编号或授权说明）
        proxy is the applicant: refused case_proxy_is_applicant: 代办人与申请人不能是同一人
        a required material missing: refused case_materials_missing: 缺少必备材料：居住证明或个人承诺书（本事项可容缺受理：申请人签署承诺书后可先行受理）
        the same on a pledge: ok paper=false 医保电子凭证、有效身份证件或社会保障卡=e_certificate; 居住证明或个人承诺书=missing(容缺)
        e-certificate where paper is needed: refused case_e_certificate_not_accepted: 材料“居住证明或个人承诺书”不能以电子证照替代，须提供纸质原件
        a material not in the guide: refused case_unknown_material: 材料“户口簿”不在本事项的材料清单中
        a bad phone number: refused validation_failed: 手机号码“12345”无效：应为 11 位数字，以 1 开头
        a pledge on an item without 容缺: refused case_pledge_not_allowed: “住院费用报销”不适用容缺受理
        claim materials missing: refused case_materials_missing: 缺少必备材料：医疗费用发票、住院费用明细清单、出院小结或诊断证明
        mobile application of an online item: ok paper=true 医保电子凭证、有效身份证件或社会保障卡=e_certificate; 居住证明或个人承诺书=paper
        mobile application of an item not on the app: refused case_channel_not_offered: “生育津贴支付”不支持掌上办
    "#]].assert_eq(&out);
}

#[test]
fn actions_and_events_read_from_json() {
    let action: CaseAction =
        serde_json::from_str(r#"{"action":"return_for_supplement","missing":["户口簿","结婚证"]}"#)
            .unwrap();
    assert_eq!(action.kind(), ActionKind::ReturnForSupplement);
    assert!(serde_json::from_str::<CaseAction>(r#"{"action":"approve"}"#).is_err());
    let event = CaseEvent::Forwarded {
        from: code("VIL"),
        to: code("TOWN"),
    };
    let json = serde_json::to_string(&event).unwrap();
    assert_eq!(json, r#"{"kind":"forwarded","from":"VIL","to":"TOWN"}"#);
    assert_eq!(serde_json::from_str::<CaseEvent>(&json).unwrap(), event);
    let state = case_in(CaseStatus::Returned, "TOWN");
    let json = serde_json::to_string(&state).unwrap();
    assert_eq!(serde_json::from_str::<CaseState>(&json).unwrap(), state);
}
