//! Chain of custody and the holiday calendar over HTTP on both backends: paper originals
//! packed into a handoff batch, sent, checked in item by item with missing and unexpected
//! items flagged, every case showing where its originals are; region scope; calendar edits
//! by bureau administrators only.

use reqwest::Method;
use serde_json::{Value, json};
use yibao_domain::RegionCode;
use yibao_store::{AuditFilter, PageRequest, Role};
use yibao_web::app::{self, Actor};

use crate::cases::{act, filing, network, post_case};
use crate::helpers::*;

on_both_backends!(
    paper_originals_travel_in_a_batch_and_are_checked_in_item_by_item,
    a_batch_is_only_visible_within_the_stations_scope,
    only_bureau_admins_edit_the_holiday_calendar,
);

async fn intake(app: &TestApp, token: &str) -> String {
    let created = post_case(app, token, None, &filing()).await;
    assert_eq!(created.status, 201, "{}", created.text);
    created.body["number"].as_str().unwrap().to_owned()
}

async fn case(app: &TestApp, token: &str, number: &str) -> Value {
    let reply = app.get(&format!("/api/cases/{number}"), Some(token)).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.body
}

async fn audit_actions(app: &TestApp, entity: &str) -> Vec<String> {
    let filter = AuditFilter {
        entity: Some(entity.to_owned()),
        ..AuditFilter::default()
    };
    app.store
        .list_audit(&filter, PageRequest::new(Some(1), Some(100)))
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|row| row.action)
        .collect()
}

async fn paper_originals_travel_in_a_batch_and_are_checked_in_item_by_item(app: &TestApp) {
    let (village, town) = network(app).await;
    let first = intake(app, &village).await;
    let second = intake(app, &village).await;
    let third = intake(app, &village).await;
    let waiting = app
        .get("/api/stations/SZ-P1/originals", Some(&village))
        .await;
    assert_eq!(waiting.status, 200, "{}", waiting.text);
    assert_eq!(waiting.body["total"], 3);
    assert_eq!(
        case(app, &village, &first).await["originals_label"],
        "在 SZ-P1 保管"
    );

    // Refusals change nothing.
    let audit_before = app.audit_count().await;
    let pack = |cases: Vec<&str>, to: &str| json!({ "to_station": to, "cases": cases });
    for (token, body, status, message) in [
        (
            &town,
            json!({ "from_station": "SZ-P1", "to_station": "SZ-ST", "cases": [first] }),
            403,
            "您只能以本站（SZ-ST）的名义办理材料交接",
        ),
        (
            &village,
            pack(vec![&first], "SZ-P1"),
            422,
            "接收站点不能是发出站点本身",
        ),
        (
            &village,
            pack(vec![], "SZ-ST"),
            422,
            "请至少选择一件业务件的纸质原件",
        ),
        (
            &village,
            pack(vec![&first, &first], "SZ-ST"),
            422,
            &format!("业务件 {first} 重复选择"),
        ),
        (
            &village,
            pack(vec!["YB20260101999999"], "SZ-ST"),
            422,
            "业务件“YB20260101999999”不存在",
        ),
        (
            &village,
            pack(vec![&first], "NOPE"),
            422,
            "站点“NOPE”不存在",
        ),
    ] {
        let reply = app
            .post_json("/api/handoff-batches", Some(token), &body)
            .await;
        assert_eq!(reply.status, status, "{}", reply.text);
        assert_eq!(reply.body["message"], message, "{}", reply.text);
    }
    assert_eq!(app.audit_count().await, audit_before);

    let packed = app
        .post_json(
            "/api/handoff-batches",
            Some(&village),
            &pack(vec![&first, &second], "SZ-ST"),
        )
        .await;
    assert_eq!(packed.status, 201, "{}", packed.text);
    let batch = packed.body["number"].as_str().unwrap().to_owned();
    assert!(batch.starts_with("JJ"), "{batch}");
    assert_eq!(packed.body["status"], "packed");
    assert_eq!(packed.body["item_count"], 2);
    assert_eq!(packed.body["items"][0]["applicant"], "张**");
    assert_eq!(
        case(app, &village, &first).await["originals_label"],
        format!("在 SZ-P1 保管，已装入交接批次 {batch} 待发出")
    );
    let again = app
        .post_json(
            "/api/handoff-batches",
            Some(&village),
            &pack(vec![&second, &third], "SZ-ST"),
        )
        .await;
    assert_eq!(again.status, 422, "{}", again.text);
    assert!(
        again.body["message"].as_str().unwrap().contains(&second),
        "{}",
        again.text
    );
    let waiting = app
        .get("/api/stations/SZ-P1/originals", Some(&village))
        .await;
    assert_eq!(waiting.body["total"], 1);
    assert_eq!(waiting.body["items"][0]["number"], third.as_str());

    // The receiving station cannot sign for a batch that was not sent.
    let early = app
        .post_json(
            &format!("/api/handoff-batches/{batch}/receipt"),
            Some(&town),
            &json!({ "version": 1, "items": [] }),
        )
        .await;
    assert_eq!(early.status, 409, "{}", early.text);
    assert_eq!(early.body["code"], "batch_not_sent");

    let sent = app
        .post_json(
            &format!("/api/handoff-batches/{batch}/send"),
            Some(&village),
            &json!({ "version": 1 }),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.text);
    assert_eq!(sent.body["status"], "in_transit");
    assert_eq!(sent.body["version"], 2);
    let stale = app
        .post_json(
            &format!("/api/handoff-batches/{batch}/send"),
            Some(&village),
            &json!({ "version": 1 }),
        )
        .await;
    assert_eq!(stale.status, 409, "{}", stale.text);
    assert_eq!(stale.body["code"], "stale_version");
    let moving = case(app, &village, &first).await;
    assert_eq!(moving["originals_status"], "in_transit");
    assert_eq!(
        moving["originals_label"],
        format!("随交接批次 {batch} 流转途中（自 SZ-P1 发出）")
    );

    // Only the receiving station signs, and it must check every listed item.
    let receipt = |items: Value, unexpected: Value| json!({ "version": 2, "items": items, "unexpected": unexpected });
    let by_sender = app
        .post_json(
            &format!("/api/handoff-batches/{batch}/receipt"),
            Some(&village),
            &receipt(json!([]), json!([])),
        )
        .await;
    assert_eq!(by_sender.status, 403, "{}", by_sender.text);
    let partial = app
        .post_json(
            &format!("/api/handoff-batches/{batch}/receipt"),
            Some(&town),
            &receipt(
                json!([{ "case_number": first, "received": true }]),
                json!([]),
            ),
        )
        .await;
    assert_eq!(partial.status, 422, "{}", partial.text);
    assert_eq!(
        partial.body["message"],
        format!("请逐件核对清单中的全部业务件，尚未核对：{second}")
    );
    let listed_as_unexpected = app
        .post_json(
            &format!("/api/handoff-batches/{batch}/receipt"),
            Some(&town),
            &receipt(
                json!([{ "case_number": first, "received": true }, { "case_number": second, "received": false }]),
                json!([first]),
            ),
        )
        .await;
    assert_eq!(
        listed_as_unexpected.status, 422,
        "{}",
        listed_as_unexpected.text
    );

    let checked = app
        .post_json(
            &format!("/api/handoff-batches/{batch}/receipt"),
            Some(&town),
            &receipt(
                json!([{ "case_number": first, "received": true }, { "case_number": second, "received": false }]),
                json!([third, "一份无编号的身份证复印件"]),
            ),
        )
        .await;
    assert_eq!(checked.status, 200, "{}", checked.text);
    assert_eq!(checked.body["status"], "discrepancy");
    assert_eq!(checked.body["status_label"], "签收有差异");
    assert_eq!(checked.body["received_by"], "tclerk");
    let statuses: Vec<(&str, &str)> = checked.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["case_number"].as_str().unwrap(),
                i["status"].as_str().unwrap(),
            )
        })
        .collect();
    let mut expected = vec![(first.as_str(), "received"), (second.as_str(), "missing")];
    expected.sort();
    assert_eq!(statuses, expected);
    assert_eq!(checked.body["unexpected"][0]["case_number"], third.as_str());
    assert_eq!(
        checked.body["unexpected"][1]["description"],
        "一份无编号的身份证复印件"
    );
    assert!(checked.body["unexpected"][1]["case_number"].is_null());
    let twice = app
        .post_json(
            &format!("/api/handoff-batches/{batch}/receipt"),
            Some(&town),
            &receipt(json!([]), json!([])),
        )
        .await;
    assert_eq!(twice.status, 409, "{}", twice.text);

    // Every case shows where its originals are, and its timeline tells the story.
    let arrived = case(app, &town, &first).await;
    assert_eq!(arrived["originals_status"], "held");
    assert_eq!(arrived["originals_station"], "SZ-ST");
    assert_eq!(arrived["originals_label"], "在 SZ-ST 保管");
    let kinds: Vec<&str> = arrived["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "submitted",
            "originals_packed",
            "originals_sent",
            "originals_received"
        ]
    );
    let lost = case(app, &village, &second).await;
    assert_eq!(lost["originals_status"], "missing");
    assert_eq!(
        lost["originals_label"],
        format!("签收交接批次 {batch} 时缺失，待 SZ-P1 核查")
    );
    let stray = case(app, &village, &third).await;
    assert_eq!(
        stray["events"].as_array().unwrap().last().unwrap()["kind"],
        "originals_unexpected"
    );
    // Custody changes are not status changes: the case version and SMS are untouched.
    assert_eq!(arrived["version"], 1);
    let stored = app.store.get_case(&first).await.unwrap().unwrap();
    assert_eq!(
        app.store.case_notifications(stored.id).await.unwrap().len(),
        2
    );

    // The received originals now wait at the town for the next leg; the status change of the
    // case itself is independent.
    let at_town = app.get("/api/stations/SZ-ST/originals", Some(&town)).await;
    assert_eq!(at_town.body["total"], 1, "{}", at_town.text);
    let reviewed = act(
        app,
        &village,
        &first,
        json!({ "action": "initial_review", "version": 1 }),
    )
    .await;
    assert_eq!(reviewed.status, 200, "{}", reviewed.text);

    let listed = app
        .get("/api/handoff-batches?station=SZ-ST", Some(&town))
        .await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(listed.body["total"], 1);
    assert_eq!(listed.body["items"][0]["number"], batch.as_str());
    let filtered = app
        .get(
            "/api/handoff-batches?station=SZ-P1&status=in_transit",
            Some(&village),
        )
        .await;
    assert_eq!(filtered.body["total"], 0);
    let bad = app
        .get("/api/handoff-batches?status=lost", Some(&village))
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    let actions = audit_actions(app, "handoff_batch").await;
    for action in ["handoff.create", "handoff.send", "handoff.receive"] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
}

async fn a_batch_is_only_visible_within_the_stations_scope(app: &TestApp) {
    let (village, _town) = network(app).await;
    let number = intake(app, &village).await;
    let packed = app
        .post_json(
            "/api/handoff-batches",
            Some(&village),
            &json!({ "to_station": "SZ-ST", "cases": [number] }),
        )
        .await;
    assert_eq!(packed.status, 201, "{}", packed.text);
    let batch = packed.body["number"].as_str().unwrap();
    let input = app::users::UserInput {
        username: "huangdao".into(),
        display_name: "黄岛区经办".into(),
        role: Role::County,
        region_scope: Some(RegionCode::parse("370211").unwrap()),
        station_code: None,
        password: "Clerk2026x".into(),
    };
    app::users::create(&app.store, &Actor::system(), &input)
        .await
        .unwrap();
    let outsider = app.login("huangdao", "Clerk2026x").await;
    let read = app
        .get(&format!("/api/handoff-batches/{batch}"), Some(&outsider))
        .await;
    assert_eq!(read.status, 403, "{}", read.text);
    let listed = app.get("/api/handoff-batches", Some(&outsider)).await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(listed.body["total"], 0);
    let waiting = app
        .get("/api/stations/SZ-P1/originals", Some(&outsider))
        .await;
    assert_eq!(waiting.status, 403, "{}", waiting.text);
    let send = app
        .post_json(
            &format!("/api/handoff-batches/{batch}/send"),
            Some(&outsider),
            &json!({ "version": 1 }),
        )
        .await;
    assert_eq!(send.status, 403, "{}", send.text);
    // The county supervisor over both stations sees it and may send it for the village.
    let county = app.login(COUNTY.0, COUNTY.1).await;
    let listed = app.get("/api/handoff-batches", Some(&county)).await;
    assert_eq!(listed.body["total"], 1);
    let sent = app
        .post_json(
            &format!("/api/handoff-batches/{batch}/send"),
            Some(&county),
            &json!({ "version": 1 }),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.text);
}

async fn only_bureau_admins_edit_the_holiday_calendar(app: &TestApp) {
    let (village, _town) = network(app).await;
    let admin = app.admin_token.clone();
    let empty = app.get("/api/calendar", Some(&village)).await;
    assert_eq!(empty.status, 200, "{}", empty.text);
    assert_eq!(empty.body, json!([]));
    let anonymous = app.get("/api/calendar", None).await;
    assert_eq!(anonymous.status, 401, "{}", anonymous.text);

    let audit_before = app.audit_count().await;
    let day = |kind: &str, name: &str| json!({ "kind": kind, "name": name });
    for (token, date, body, status, field) in [
        (&village, "2026-10-01", day("holiday", "国庆节"), 403, None),
        (
            &admin,
            "2026-13-01",
            day("holiday", "国庆节"),
            422,
            Some("date"),
        ),
        (
            &admin,
            "2026-10-01",
            day("vacation", "国庆节"),
            422,
            Some("kind"),
        ),
        (&admin, "2026-10-01", day("holiday", " "), 422, Some("name")),
    ] {
        let reply = app
            .send(
                Method::PUT,
                &format!("/api/calendar/{date}"),
                Some(token),
                &body,
            )
            .await;
        assert_eq!(reply.status, status, "{}", reply.text);
        if let Some(field) = field {
            assert_eq!(reply.body["errors"][0]["field"], field, "{}", reply.text);
        }
    }
    assert_eq!(app.audit_count().await, audit_before);

    for (date, body) in [
        ("2026-10-10", day("workday", "国庆节调休")),
        ("2026-10-01", day("holiday", "国庆节")),
        ("2025-10-01", day("holiday", "国庆节")),
    ] {
        let reply = app
            .send(
                Method::PUT,
                &format!("/api/calendar/{date}"),
                Some(&admin),
                &body,
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(reply.body["date"], date);
    }
    // Setting a day again replaces it.
    let renamed = app
        .send(
            Method::PUT,
            "/api/calendar/2026-10-01",
            Some(&admin),
            &day("放假", "国庆节、中秋节"),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    assert_eq!(renamed.body["kind"], "holiday");
    let year = app.get("/api/calendar?year=2026", Some(&village)).await;
    assert_eq!(
        year.body,
        json!([
            { "date": "2026-10-01", "kind": "holiday", "kind_label": "放假", "name": "国庆节、中秋节" },
            { "date": "2026-10-10", "kind": "workday", "kind_label": "调休上班", "name": "国庆节调休" }
        ])
    );
    // The calendar is what deadlines are counted on.
    let calendar = app.store.working_calendar().await.unwrap();
    let saturday = chrono::NaiveDate::from_ymd_opt(2026, 10, 10).unwrap();
    let thursday = chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
    assert!(calendar.is_working_day(saturday));
    assert!(!calendar.is_working_day(thursday));

    let refused = app
        .send(
            Method::DELETE,
            "/api/calendar/2026-10-10",
            Some(&village),
            &json!(null),
        )
        .await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    let removed = app
        .send(
            Method::DELETE,
            "/api/calendar/2026-10-10",
            Some(&admin),
            &json!(null),
        )
        .await;
    assert_eq!(removed.status, 204, "{}", removed.text);
    let gone = app
        .send(
            Method::DELETE,
            "/api/calendar/2026-10-10",
            Some(&admin),
            &json!(null),
        )
        .await;
    assert_eq!(gone.status, 404, "{}", gone.text);
    let year = app.get("/api/calendar?year=2026", Some(&village)).await;
    assert_eq!(year.body.as_array().unwrap().len(), 1);
    let actions = audit_actions(app, "calendar").await;
    assert_eq!(
        actions.iter().filter(|a| *a == "calendar.set").count(),
        4,
        "{actions:?}"
    );
    assert_eq!(
        actions.iter().filter(|a| *a == "calendar.remove").count(),
        1,
        "{actions:?}"
    );
}
