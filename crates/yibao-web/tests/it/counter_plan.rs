//! The tidal window planner over HTTP on both backends: ticket history imported from CSV (bad
//! rows refused with their line, re-imports replacing days), the plan of a day whose mix moves
//! from enrolment in the morning to off-site filing in the afternoon, its CSV export, and the
//! refusals of bad parameters.

use chrono::{Days, NaiveDate, Utc};
use serde_json::{Value, json};

use crate::helpers::*;

on_both_backends!(
    the_plan_follows_the_mix_of_the_imported_history,
    bad_history_and_bad_plan_requests_are_refused_and_change_nothing,
);

const STATION: &str = "TIDE-HALL";

fn today() -> NaiveDate {
    (Utc::now() + chrono::Duration::hours(8)).date_naive()
}

/// A station with categories A 参保登记, B 医保缴费, C 异地就医备案 and three windows: 1 serves
/// A and B, 2 serves A and C, 3 serves C only.
async fn hall(app: &TestApp) {
    let token = &app.admin_token;
    let created = app
        .post_json("/api/stations", Some(token), &town_station(STATION))
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    for (position, (prefix, name)) in [("A", "参保登记"), ("B", "医保缴费"), ("C", "异地就医备案")]
        .into_iter()
        .enumerate()
    {
        let reply = app
            .send(
                reqwest::Method::PUT,
                &format!("/api/counter/stations/{STATION}/categories/{prefix}"),
                Some(token),
                &json!({ "name": name, "position": position }),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
    }
    for (number, categories) in [(1, vec!["A", "B"]), (2, vec!["A", "C"]), (3, vec!["C"])] {
        let reply = app
            .post_json(
                &format!("/api/counter/stations/{STATION}/windows"),
                Some(token),
                &json!({ "number": number, "categories": categories }),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text);
    }
}

/// Four weeks of days: 36 enrolments (by prefix) between 08:30 and 10:30 and 36 off-site
/// filings (by name) between 14:00 and 16:00, 8 minutes each.
fn history_csv() -> String {
    let mut csv = String::from("date,time,category,service_min,priority\n");
    for back in 1..=28u64 {
        let day = today() - Days::new(back);
        for i in 0..36u32 {
            let minute = 8 * 60 + 30 + i * 120 / 36;
            csv.push_str(&format!(
                "{day},{:02}:{:02},A,8,{}\n",
                minute / 60,
                minute % 60,
                i % 9 == 0
            ));
            let minute = 14 * 60 + i * 120 / 36;
            csv.push_str(&format!(
                "{day},{:02}:{:02},异地就医备案,8,false\n",
                minute / 60,
                minute % 60
            ));
        }
    }
    csv
}

async fn import(app: &TestApp, csv: String) -> Reply {
    app.post_raw(
        &format!("/api/counter/stations/{STATION}/ticket-history"),
        Some(&app.admin_token),
        "text/csv",
        csv,
    )
    .await
}

/// Windows of category `c` in the slot starting at `minute` of the tidal plan.
fn tidal_windows_at(plan: &Value, c: usize, minute: u64) -> u64 {
    let series = &plan["report"]["series"];
    let slot = series["slot_start_min"]
        .as_array()
        .unwrap()
        .iter()
        .position(|s| s.as_u64() == Some(minute))
        .expect("slot exists");
    series["tidal_windows"][c][slot].as_u64().unwrap()
}

async fn the_plan_follows_the_mix_of_the_imported_history(app: &TestApp) {
    hall(app).await;
    let imported = import(app, history_csv()).await;
    assert_eq!(imported.status, 201, "{}", imported.text);
    assert_eq!(imported.body["tickets"], 28 * 72);
    assert_eq!(imported.body["days"], 28);

    // Importing the same file again replaces those days instead of doubling them.
    let again = import(app, history_csv()).await;
    assert_eq!(again.status, 201, "{}", again.text);

    let path = format!("/api/counter/stations/{STATION}/plan");
    let reply = app.get(&path, Some(&app.admin_token)).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let plan = &reply.body;
    assert_eq!(plan["history_days"], 28);
    assert_eq!(plan["history_tickets"], 28 * 72, "re-import did not double");
    assert_eq!(
        plan["request"]["date"],
        (today() + Days::new(1)).to_string()
    );

    // 08:30–17:00 in 15-minute slots; the forecast volume is the history's daily volume.
    let series = &plan["report"]["series"];
    assert_eq!(series["slot_start_min"].as_array().unwrap().len(), 34);
    let daily: Vec<f64> = plan["report"]["forecast"]["daily"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!((daily[0] - 36.0).abs() < 0.5, "A daily {daily:?}");
    assert!(daily[1].abs() < 1e-9, "B has no history: {daily:?}");
    assert!((daily[2] - 36.0).abs() < 0.5, "C daily {daily:?}");

    // The tidal plan moves windows from enrolment in the morning to filings in the
    // afternoon; nothing is required where nothing arrives (a window left idle may keep a
    // category).
    assert!(tidal_windows_at(plan, 0, 9 * 60) > tidal_windows_at(plan, 0, 15 * 60));
    assert!(tidal_windows_at(plan, 2, 15 * 60) > tidal_windows_at(plan, 2, 9 * 60));
    let required = |c: usize, minute: u64| {
        let slots = plan["report"]["plan"]["slots"].as_array().unwrap();
        let slot = slots
            .iter()
            .find(|s| s["start_min"].as_u64() == Some(minute))
            .unwrap();
        slot["required"][c].as_u64().unwrap()
    };
    assert_eq!(required(2, 9 * 60), 0, "no filings required at 09:00");
    assert_eq!(required(0, 15 * 60), 0, "no enrolment required at 15:00");
    assert!(required(0, 9 * 60) >= 1 && required(2, 15 * 60) >= 1);

    // Every window serves only categories it may serve, in every slot.
    let skills: Vec<Vec<usize>> = vec![vec![0, 1], vec![0, 2], vec![2]];
    for slot in plan["report"]["plan"]["slots"].as_array().unwrap() {
        for (window, category) in slot["window_category"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
        {
            if let Some(c) = category.as_u64() {
                assert!(
                    skills[window].contains(&(c as usize)),
                    "window {window} given category {c}"
                );
            }
        }
    }
    let keys: Vec<&str> = plan["report"]["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        ["best_static", "naive_per_slot", "tidal", "all_skills"]
    );
    assert_eq!(plan["report"]["replay_source"], "sampled");

    // The CSV export: one row per slot under a Chinese header.
    let csv = app
        .get(&format!("{path}.csv?slot=30"), Some(&app.admin_token))
        .await;
    assert_eq!(csv.status, 200, "{}", csv.text);
    assert!(csv.content_type.starts_with("text/csv"));
    let lines: Vec<&str> = csv.text.trim_end().lines().collect();
    assert_eq!(lines.len(), 1 + 17, "header and 17 half-hour slots");
    assert!(lines[0].contains("A 参保登记 潮汐窗口数"), "{}", lines[0]);
    assert!(lines[1].starts_with("08:30,"), "{}", lines[1]);

    // A ticket issued today is history for tomorrow's plan.
    let ticket = app
        .post_json(
            &format!("/api/counter/stations/{STATION}/tickets"),
            None,
            &json!({ "category": "B" }),
        )
        .await;
    assert_eq!(ticket.status, 201, "{}", ticket.text);
    let reply = app.get(&path, Some(&app.admin_token)).await;
    assert_eq!(reply.body["history_tickets"], 28 * 72 + 1);
}

async fn bad_history_and_bad_plan_requests_are_refused_and_change_nothing(app: &TestApp) {
    hall(app).await;
    let path = format!("/api/counter/stations/{STATION}/plan");

    // No history yet: the planner says so instead of planning from nothing.
    let reply = app.get(&path, Some(&app.admin_token)).await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert!(
        reply.body["message"]
            .as_str()
            .unwrap()
            .contains("没有叫号历史")
    );

    let before = app.audit_count().await;
    let day = today() - Days::new(1);
    let cases = [
        (
            format!("date,time,category\n{day},09:00,A\n{day},25:00,A\n"),
            "时间“25:00”无效",
            Some(3),
        ),
        (
            format!("date,time,category\n{day},09:00,咨询\n"),
            "未知的业务类别：咨询",
            None,
        ),
        (
            format!("date,time,category\n{},09:00,A\n", today() + Days::new(3)),
            "晚于今天",
            None,
        ),
        ("date,time\n".to_owned(), "表头缺少“category”列", Some(1)),
        (
            "date,time,category\n".to_owned(),
            "没有任何取号记录",
            Some(1),
        ),
    ];
    for (csv, expected, line) in cases {
        let reply = import(app, csv.clone()).await;
        assert_eq!(reply.status, 422, "{csv}: {}", reply.text);
        assert_eq!(reply.body["code"], "validation_failed");
        let message = reply.body["message"].as_str().unwrap();
        assert!(message.contains(expected), "{csv}: {message}");
        if let Some(line) = line {
            assert_eq!(reply.body["errors"][0]["line"], line, "{}", reply.text);
        }
    }
    assert_eq!(
        app.audit_count().await,
        before,
        "refused imports wrote nothing"
    );

    let imported = import(app, history_csv()).await;
    assert_eq!(imported.status, 201, "{}", imported.text);
    for (query, field) in [
        ("slot=20", "slot"),
        ("date=2026-13-01", "date"),
        ("open=18:00", "close"),
        ("target_percent=100", "target_percent"),
        ("level=abc", "level"),
        ("patience=0", "patience"),
    ] {
        let reply = app
            .get(&format!("{path}?{query}"), Some(&app.admin_token))
            .await;
        assert_eq!(reply.status, 422, "{query}: {}", reply.text);
        assert_eq!(
            reply.body["errors"][0]["field"], field,
            "{query}: {}",
            reply.text
        );
    }
    // Without a session nothing is planned or imported.
    assert_eq!(app.get(&path, None).await.status, 401);
    let anonymous = app
        .post_raw(
            &format!("/api/counter/stations/{STATION}/ticket-history"),
            None,
            "text/csv",
            history_csv(),
        )
        .await;
    assert_eq!(anonymous.status, 401);
}
