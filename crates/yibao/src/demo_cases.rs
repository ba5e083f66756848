//! Demo cases: a village clerk at 庆福村 and cases at every stage of the 庆福村 → 尚庄镇
//! route (to review, forwarded, accepted, returned for supplement, completed and rated),
//! plus the 2026 public holidays on the working-day calendar.
//!
//! Everything goes through the same use cases as the API, so the demo's cases carry real
//! timelines, SMS rows and audit rows.

use anyhow::Result;
use chrono::NaiveDate;
use yibao_domain::RegionCode;
use yibao_domain::calendar::{CalendarDay, DayKind};
use yibao_domain::case::CaseAction;
use yibao_store::{AuditEntry, Role, Store};
use yibao_web::app::cases::{self, Clerk, IntakeInput, ProxyInput};
use yibao_web::app::{self, Actor};

/// Demo clerks for the case workflow: (username, password, name, station, scope).
pub const CASE_CLERKS: [(&str, &str, &str, &str, &str); 1] = [(
    "qingfu",
    "Qingfu2026",
    "庆福村医保服务点",
    "320903105201-PT",
    "320903105201",
)];

/// The town clerk who completes what 庆福村 forwards (created by the main demo seeder).
pub const TOWN_CLERK: &str = "shangzhuang";

/// The 2026 public holidays and make-up workdays (国务院办公厅关于2026年部分节假日安排的通知,
/// 2025-11-04, as published by Xinhua; every date below checked against it on 2026-11-30).
const HOLIDAYS_2026: &[(&str, DayKind, &str)] = &[
    ("2026-01-01", DayKind::Holiday, "元旦"),
    ("2026-01-02", DayKind::Holiday, "元旦"),
    ("2026-01-03", DayKind::Holiday, "元旦"),
    ("2026-01-04", DayKind::Workday, "元旦调休"),
    ("2026-02-14", DayKind::Workday, "春节调休"),
    ("2026-02-15", DayKind::Holiday, "春节"),
    ("2026-02-16", DayKind::Holiday, "春节"),
    ("2026-02-17", DayKind::Holiday, "春节"),
    ("2026-02-18", DayKind::Holiday, "春节"),
    ("2026-02-19", DayKind::Holiday, "春节"),
    ("2026-02-20", DayKind::Holiday, "春节"),
    ("2026-02-21", DayKind::Holiday, "春节"),
    ("2026-02-22", DayKind::Holiday, "春节"),
    ("2026-02-23", DayKind::Holiday, "春节"),
    ("2026-02-28", DayKind::Workday, "春节调休"),
    ("2026-04-04", DayKind::Holiday, "清明节"),
    ("2026-04-05", DayKind::Holiday, "清明节"),
    ("2026-04-06", DayKind::Holiday, "清明节"),
    ("2026-05-01", DayKind::Holiday, "劳动节"),
    ("2026-05-02", DayKind::Holiday, "劳动节"),
    ("2026-05-03", DayKind::Holiday, "劳动节"),
    ("2026-05-04", DayKind::Holiday, "劳动节"),
    ("2026-05-05", DayKind::Holiday, "劳动节"),
    ("2026-05-09", DayKind::Workday, "劳动节调休"),
    ("2026-06-19", DayKind::Holiday, "端午节"),
    ("2026-06-20", DayKind::Holiday, "端午节"),
    ("2026-06-21", DayKind::Holiday, "端午节"),
    ("2026-09-20", DayKind::Workday, "国庆节调休"),
    ("2026-09-25", DayKind::Holiday, "中秋节"),
    ("2026-09-26", DayKind::Holiday, "中秋节"),
    ("2026-09-27", DayKind::Holiday, "中秋节"),
    ("2026-10-01", DayKind::Holiday, "国庆节"),
    ("2026-10-02", DayKind::Holiday, "国庆节"),
    ("2026-10-03", DayKind::Holiday, "国庆节"),
    ("2026-10-04", DayKind::Holiday, "国庆节"),
    ("2026-10-05", DayKind::Holiday, "国庆节"),
    ("2026-10-06", DayKind::Holiday, "国庆节"),
    ("2026-10-07", DayKind::Holiday, "国庆节"),
    ("2026-10-10", DayKind::Workday, "国庆节调休"),
];

/// Demo residents (generated ID numbers with valid check digits; not real people).
const RESIDENTS: [(&str, &str, &str); 5] = [
    ("张桂兰", "320903195003150027", "13800000001"),
    ("王建国", "320903194808120015", "13800000002"),
    ("李秀英", "320903196011020040", "13800000003"),
    ("陈志强", "320903197507070038", "13800000004"),
    ("刘玉梅", "320903195512250026", "13800000005"),
];

fn filing(resident: usize, proxy: bool) -> IntakeInput {
    let (name, id, phone) = RESIDENTS[resident];
    IntakeInput {
        item_code: "JS-14".into(),
        station_code: None,
        channel: if proxy { "home_visit" } else { "counter" }.into(),
        applicant_name: name.into(),
        applicant_id: id.into(),
        applicant_phone: phone.into(),
        proxy: proxy.then(|| ProxyInput {
            name: "周网格".into(),
            id_number: "320903198806180012".into(),
            phone: Some("13900000010".into()),
            relation: "grid_worker".into(),
            authorisation: "授权委托书 庆福-2026-017".into(),
        }),
        materials: vec![
            (
                "医保电子凭证、有效身份证件或社会保障卡".into(),
                "e_certificate".into(),
            ),
            ("居住证明或个人承诺书".into(), "paper".into()),
        ],
        pledge: false,
    }
}

fn err(error: yibao_web::error::ApiError) -> anyhow::Error {
    anyhow::anyhow!(error.message)
}

async fn step(store: &Store, clerk: &Clerk, number: &str, action: CaseAction) -> Result<()> {
    let case = store
        .get_case(number)
        .await?
        .ok_or_else(|| anyhow::anyhow!("演示业务件 {number} 不存在"))?;
    cases::transition(store, clerk, number, &action, case.version)
        .await
        .map_err(err)?;
    Ok(())
}

/// Seeds the holiday calendar, the village clerk and the demo cases. Returns how many cases.
pub async fn seed(store: &Store) -> Result<usize> {
    let days: Vec<CalendarDay> = HOLIDAYS_2026
        .iter()
        .map(|(date, kind, name)| {
            Ok(CalendarDay {
                date: NaiveDate::parse_from_str(date, "%Y-%m-%d")?,
                kind: *kind,
                name: (*name).to_owned(),
            })
        })
        .collect::<Result<_>>()?;
    store
        .edit_calendar(
            &days,
            &[],
            "system",
            &AuditEntry::new("system", "calendar.edit", "calendar", "2026")
                .detail(serde_json::json!({ "days": days.len() })),
        )
        .await?;
    let system = Actor::system();
    for (username, password, name, station, scope) in CASE_CLERKS {
        let input = app::users::UserInput {
            username: username.into(),
            display_name: name.into(),
            role: Role::VillagePoint,
            region_scope: Some(RegionCode::parse(scope)?),
            station_code: Some(station.into()),
            password: password.into(),
        };
        app::users::create(store, &system, &input)
            .await
            .map_err(err)?;
    }
    let village = Clerk {
        actor: Actor {
            username: CASE_CLERKS[0].0.into(),
            role: Role::VillagePoint,
            scope: Some(RegionCode::parse(CASE_CLERKS[0].4)?),
            ip: None,
        },
        station: Some(CASE_CLERKS[0].3.into()),
    };
    let town = Clerk {
        actor: Actor {
            username: TOWN_CLERK.into(),
            role: Role::TownStation,
            scope: Some(RegionCode::parse("320903105")?),
            ip: None,
        },
        station: Some("320903105-ST".into()),
    };
    let mut numbers = Vec::new();
    for (resident, proxy) in [(0, true), (1, false), (2, true), (3, false), (4, false)] {
        let (case, _) = cases::intake(store, &village, &filing(resident, proxy), None)
            .await
            .map_err(err)?;
        numbers.push(case.number);
    }
    // 0: still to review at the village. 1: forwarded, waiting at the town.
    step(store, &village, &numbers[1], CaseAction::InitialReview).await?;
    // 2: accepted at the town, to complete.
    step(store, &village, &numbers[2], CaseAction::InitialReview).await?;
    step(store, &town, &numbers[2], CaseAction::AcceptUpstream).await?;
    // 3: returned for supplement (一次性告知).
    step(
        store,
        &village,
        &numbers[3],
        CaseAction::ReturnForSupplement {
            missing: vec![
                "居住证明（须加盖社区公章）".into(),
                "户口簿首页复印件".into(),
            ],
        },
    )
    .await?;
    // 4: completed by the town and rated by the resident.
    step(store, &village, &numbers[4], CaseAction::InitialReview).await?;
    step(store, &town, &numbers[4], CaseAction::AcceptUpstream).await?;
    step(
        store,
        &town,
        &numbers[4],
        CaseAction::Complete {
            note: "备案已生效，可在就医地直接结算".into(),
        },
    )
    .await?;
    cases::rate(
        store,
        &numbers[4],
        RESIDENTS[4].1,
        5,
        "在村里就办好了，不用跑镇上",
        None,
    )
    .await
    .map_err(err)?;
    Ok(numbers.len())
}
