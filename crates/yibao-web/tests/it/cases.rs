//! Cases end to end over HTTP on both backends: intake with an idempotency key, the route up
//! the station hierarchy, refusals with their reasons, stale versions, worklists, the SMS
//! outbox and the resident's lookup.

use reqwest::Method;
use serde_json::{Value, json};
use yibao_domain::RegionCode;
use yibao_store::Role;
use yibao_web::app::{self, Actor};

use crate::helpers::*;

on_both_backends!(
    a_village_clerk_takes_an_offsite_filing_and_the_town_completes_it,
    an_item_no_ancestor_completes_lands_at_the_county_hall,
    bad_intakes_are_refused_with_reasons_and_change_nothing,
    a_returned_case_stops_its_clock_and_comes_back_once,
    concurrent_intakes_share_commits_and_each_key_creates_one_case,
    messages_of_a_worker_that_died_after_claiming_are_claimed_again_after_the_lease,
    two_servers_on_one_database_take_intakes_in_turn,
);

const APPLICANT_ID: &str = "320902195003150012";
const PROXY_ID: &str = "320902198006010027";

/// County hall YD-HALL (盐都区) → town station SZ-ST (尚庄镇) → village point SZ-P1, with
/// JS-14 (异地长期居住人员备案) forwarded by the village and completed by the town, and clerks
/// `vclerk` at SZ-P1 and `tclerk` at SZ-ST. Returns (village token, town token).
pub(crate) async fn network(app: &TestApp) -> (String, String) {
    let admin = &app.admin_token;
    let hall = json!({
        "code": "YD-HALL", "name": "盐都区医保服务大厅", "level": "county", "region_code": "320903",
        "host_type": "service_center", "lon": 120.15, "lat": 33.34, "windows": 8
    });
    let reply = app.post_json("/api/stations", Some(admin), &hall).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let mut town = town_station("SZ-ST");
    town["parent_code"] = json!("YD-HALL");
    let reply = app.post_json("/api/stations", Some(admin), &town).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let point = village_point("SZ-P1", "320903105201", "SZ-ST", 119.94, 33.31);
    let reply = app.post_json("/api/stations", Some(admin), &point).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    for (station, item, mode) in [
        ("SZ-P1", "JS-14", "accept_forward"),
        ("SZ-ST", "JS-14", "complete"),
        ("SZ-P1", "JS-20", "accept_forward"),
        ("SZ-ST", "JS-20", "accept_forward"),
    ] {
        let reply = app
            .send(
                Method::PUT,
                &format!("/api/stations/{station}/delegations/{item}"),
                Some(admin),
                &json!({ "mode": mode }),
            )
            .await;
        assert_eq!(reply.status, 204, "{}", reply.text);
    }
    for (username, role, scope, station) in [
        ("vclerk", Role::VillagePoint, "320903105201", "SZ-P1"),
        ("tclerk", Role::TownStation, "320903105", "SZ-ST"),
    ] {
        let input = app::users::UserInput {
            username: username.into(),
            display_name: format!("测试{username}"),
            role,
            region_scope: Some(RegionCode::parse(scope).unwrap()),
            station_code: Some(station.into()),
            password: "Clerk2026x".into(),
        };
        app::users::create(&app.store, &Actor::system(), &input)
            .await
            .unwrap();
    }
    (
        app.login("vclerk", "Clerk2026x").await,
        app.login("tclerk", "Clerk2026x").await,
    )
}

pub(crate) fn filing() -> Value {
    json!({
        "item_code": "JS-14",
        "channel": "home_visit",
        "applicant": { "name": "张桂兰", "id_number": APPLICANT_ID, "phone": "13800000001" },
        "proxy": {
            "name": "李网格", "id_number": PROXY_ID, "phone": "13900000002",
            "relation": "grid_worker", "authorisation": "授权委托书 WT-2026-001"
        },
        "materials": [
            { "name": "医保电子凭证、有效身份证件或社会保障卡", "form": "e_certificate" },
            { "name": "居住证明或个人承诺书", "form": "paper" }
        ]
    })
}

pub(crate) async fn post_case(
    app: &TestApp,
    token: &str,
    key: Option<&str>,
    body: &Value,
) -> Reply {
    let mut request = app
        .client
        .post(app.url("/api/cases"))
        .bearer_auth(token)
        .json(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    Reply {
        status,
        content_type: String::new(),
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    }
}

pub(crate) async fn act(app: &TestApp, token: &str, number: &str, body: Value) -> Reply {
    app.post_json(
        &format!("/api/cases/{number}/transitions"),
        Some(token),
        &body,
    )
    .await
}

async fn a_village_clerk_takes_an_offsite_filing_and_the_town_completes_it(app: &TestApp) {
    let (village, town) = network(app).await;
    let created = post_case(app, &village, Some("intake-0001"), &filing()).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let number = created.body["number"].as_str().unwrap().to_owned();
    assert!(number.starts_with("YB"), "{number}");
    assert_eq!(created.body["status"], "submitted");
    assert_eq!(created.body["intake_station"], "SZ-P1");
    assert_eq!(created.body["completing_station"], "SZ-ST");
    assert_eq!(created.body["current_station"], "SZ-P1");
    assert_eq!(created.body["applicant_id_masked"], "3209**********0012");
    assert_eq!(created.body["originals_status"], "held");
    assert_eq!(created.body["originals_station"], "SZ-P1");
    assert!(!created.text.contains(APPLICANT_ID), "full ID never leaves");

    // A retry with the same key creates nothing and returns the same case.
    let retried = post_case(app, &village, Some("intake-0001"), &filing()).await;
    assert_eq!(retried.status, 200, "{}", retried.text);
    assert_eq!(retried.body["number"], number.as_str());
    let mut other = filing();
    other["applicant"]["phone"] = json!("13800000009");
    let reused = post_case(app, &village, Some("intake-0001"), &other).await;
    assert_eq!(reused.status, 422, "{}", reused.text);
    assert_eq!(reused.body["code"], "idempotency_key_reused");
    assert_eq!(app.store.count_cases().await.unwrap(), 1);

    // The town cannot act while the case is still at the village.
    let early = act(
        app,
        &town,
        &number,
        json!({ "action": "initial_review", "version": 1 }),
    )
    .await;
    assert_eq!(early.status, 422, "{}", early.text);
    assert_eq!(early.body["code"], "case_wrong_station");
    let not_here = act(
        app,
        &village,
        &number,
        json!({ "action": "complete", "version": 1 }),
    )
    .await;
    assert_eq!(not_here.body["code"], "case_not_completing_station");
    assert_eq!(
        not_here.body["message"],
        "本件须由上级站点 SZ-ST 办结，本站只能初审后转办"
    );

    let reviewed = act(
        app,
        &village,
        &number,
        json!({ "action": "initial_review", "version": 1 }),
    )
    .await;
    assert_eq!(reviewed.status, 200, "{}", reviewed.text);
    assert_eq!(reviewed.body["status"], "forwarded");
    assert_eq!(reviewed.body["current_station"], "SZ-ST");
    assert_eq!(reviewed.body["version"], 2);

    // A second clerk still holding version 1 is refused, not overwritten.
    let stale = act(
        app,
        &town,
        &number,
        json!({ "action": "accept_upstream", "version": 1 }),
    )
    .await;
    assert_eq!(stale.status, 409, "{}", stale.text);
    assert_eq!(stale.body["code"], "stale_version");

    let to_accept = app
        .get("/api/stations/SZ-ST/cases?list=to_accept", Some(&town))
        .await;
    assert_eq!(to_accept.status, 200, "{}", to_accept.text);
    assert_eq!(to_accept.body["total"], 1);
    assert_eq!(to_accept.body["items"][0]["number"], number.as_str());
    assert_eq!(to_accept.body["items"][0]["applicant"], "张**");

    let accepted = act(
        app,
        &town,
        &number,
        json!({ "action": "accept_upstream", "version": 2 }),
    )
    .await;
    assert_eq!(accepted.status, 200, "{}", accepted.text);
    let done = act(
        app,
        &town,
        &number,
        json!({ "action": "complete", "version": 3, "note": "备案已生效" }),
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert_eq!(done.body["status"], "completed");
    let kinds: Vec<&str> = done.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "submitted",
            "initial_review_passed",
            "forwarded",
            "accepted_upstream",
            "completed"
        ]
    );
    let finished = act(
        app,
        &town,
        &number,
        json!({ "action": "reject", "reason": "x", "version": 4 }),
    )
    .await;
    assert_eq!(finished.body["code"], "case_finished");

    // Every status change queued an SMS to the applicant and to the proxy, in the same
    // transaction as the change.
    let case = app.store.get_case(&number).await.unwrap().unwrap();
    let messages = app.store.case_notifications(case.id).await.unwrap();
    let phones: Vec<&str> = messages.iter().map(|m| m.phone.as_str()).collect();
    assert_eq!(
        phones,
        ["13800000001", "13900000002"].repeat(4),
        "submitted, forwarded, accepted upstream, completed"
    );
    assert!(messages[6].body.contains("已办结"), "{}", messages[6].body);

    // The village clerk sees the case it took in; the resident finds it with the ID number.
    let taken = app
        .get("/api/stations/SZ-P1/cases?list=taken_in", Some(&village))
        .await;
    assert_eq!(taken.body["total"], 1);
    let tracked = app
        .post_json(
            "/api/track",
            None,
            &json!({ "number": number, "id_number": APPLICANT_ID }),
        )
        .await;
    assert_eq!(tracked.status, 200, "{}", tracked.text);
    assert_eq!(tracked.body["status"], "completed");
    assert_eq!(tracked.body["applicant_name"], "张**");
    let wrong = app
        .post_json(
            "/api/track",
            None,
            &json!({ "number": number, "id_number": PROXY_ID }),
        )
        .await;
    assert_eq!(wrong.status, 404, "{}", wrong.text);

    // The resident rates the service once; ratings roll up to the completing station.
    let rating = json!({ "number": number, "id_number": APPLICANT_ID, "score": 5, "comment": "不用跑镇上，很方便" });
    let rated = app.post_json("/api/track/rating", None, &rating).await;
    assert_eq!(rated.status, 201, "{}", rated.text);
    assert_eq!(rated.body["station_code"], "SZ-ST");
    let twice = app.post_json("/api/track/rating", None, &rating).await;
    assert_eq!(twice.status, 409, "{}", twice.text);
    let bad_score = app
        .post_json(
            "/api/track/rating",
            None,
            &json!({ "number": number, "id_number": APPLICANT_ID, "score": 6 }),
        )
        .await;
    assert_eq!(bad_score.status, 422, "{}", bad_score.text);
    let ratings = app.get("/api/ratings", Some(&app.admin_token)).await;
    assert_eq!(ratings.body[0]["station_code"], "SZ-ST", "{}", ratings.text);
    assert_eq!(ratings.body[0]["count"], 1);
    assert_eq!(ratings.body[0]["average"], 5.0);

    // Reads and lookups are audited.
    let read = app.get(&format!("/api/cases/{number}"), Some(&town)).await;
    assert_eq!(read.status, 200);
    let audit = app
        .get(
            &format!("/api/audit?entity=case&entity_id={number}"),
            Some(&app.admin_token),
        )
        .await;
    let actions: Vec<&str> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["action"].as_str().unwrap())
        .collect();
    for action in [
        "case.create",
        "case.initial_review",
        "case.complete",
        "case.track",
        "case.read",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
}

async fn an_item_no_ancestor_completes_lands_at_the_county_hall(app: &TestApp) {
    let (village, _town) = network(app).await;
    let mut claim = filing();
    claim["item_code"] = json!("JS-20");
    claim["channel"] = json!("counter");
    claim["materials"] = json!([
        { "name": "医保电子凭证、有效身份证件或社会保障卡", "form": "paper" },
        { "name": "医疗费用发票", "form": "paper" },
        { "name": "住院费用明细清单", "form": "paper" },
        { "name": "出院小结或诊断证明", "form": "paper" }
    ]);
    let created = post_case(app, &village, None, &claim).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["completing_station"], "YD-HALL");
    let number = created.body["number"].as_str().unwrap();
    let reviewed = act(
        app,
        &village,
        number,
        json!({ "action": "initial_review", "version": 1 }),
    )
    .await;
    assert_eq!(reviewed.body["current_station"], "YD-HALL");
    // A county supervisor without a station acts for the hall that holds the case.
    let county = app.login(COUNTY.0, COUNTY.1).await;
    let accepted = act(
        app,
        &county,
        number,
        json!({ "action": "accept_upstream", "version": 2 }),
    )
    .await;
    assert_eq!(accepted.status, 200, "{}", accepted.text);
    assert_eq!(accepted.body["status"], "accepted");
    // 10 working days from today.
    assert_eq!(accepted.body["deadline_label"], "剩余 10 个工作日");

    // Routing data is kept in memory between intakes; a delegation change must reach the
    // very next one: once the town completes JS-20, it lands there.
    let reply = app
        .send(
            Method::PUT,
            "/api/stations/SZ-ST/delegations/JS-20",
            Some(&app.admin_token),
            &json!({ "mode": "complete", "override_reason": "区医保局批准试点" }),
        )
        .await;
    assert_eq!(reply.status, 204, "{}", reply.text);
    let rerouted = post_case(app, &village, None, &claim).await;
    assert_eq!(rerouted.status, 201, "{}", rerouted.text);
    assert_eq!(rerouted.body["completing_station"], "SZ-ST");
}

async fn bad_intakes_are_refused_with_reasons_and_change_nothing(app: &TestApp) {
    let (village, town) = network(app).await;
    let audit_before = app.audit_count().await;
    let mut bad_id = filing();
    bad_id["applicant"]["id_number"] = json!("320902195003150013");
    let mut no_authorisation = filing();
    no_authorisation["proxy"]["authorisation"] = json!(" ");
    let mut missing = filing();
    missing["materials"].as_array_mut().unwrap().pop();
    let mut unknown_item = filing();
    unknown_item["item_code"] = json!("JS-99");
    let mut not_handled = filing();
    not_handled["item_code"] = json!("JS-13");
    let mut bad_channel = filing();
    bad_channel["channel"] = json!("fax");
    for (body, token, status, code, message) in [
        (
            &bad_id,
            &village,
            422,
            "validation_failed",
            "申请人身份证号码无效：校验码不正确",
        ),
        (
            &no_authorisation,
            &village,
            422,
            "case_authorisation_missing",
            "代办须登记申请人的授权委托（委托书编号或授权说明）",
        ),
        (
            &missing,
            &village,
            422,
            "case_materials_missing",
            "缺少必备材料：居住证明或个人承诺书（本事项可容缺受理：申请人签署承诺书后可先行受理）",
        ),
        (
            &unknown_item,
            &village,
            422,
            "validation_failed",
            "事项“JS-99”不存在",
        ),
        (
            &not_handled,
            &village,
            422,
            "case_not_handled_here",
            "本站不办理“异地安置退休人员备案”，请引导申请人到可办理的站点",
        ),
        (
            &bad_channel,
            &village,
            422,
            "validation_failed",
            "受理渠道“fax”无效：应为 counter、mobile、video、bank 或 home_visit",
        ),
    ] {
        let reply = post_case(app, token, None, body).await;
        assert_eq!(reply.status, status, "{}", reply.text);
        assert_eq!(reply.body["code"], code, "{}", reply.text);
        assert_eq!(reply.body["message"], message);
    }
    let mut elsewhere = filing();
    elsewhere["station_code"] = json!("SZ-ST");
    let reply = post_case(app, &village, None, &elsewhere).await;
    assert_eq!(reply.status, 403, "{}", reply.text);
    let reply = post_case(app, &town, None, &json!({ "item_code": "JS-14" })).await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    let reply = app
        .post_raw(
            "/api/cases",
            Some(&town),
            "application/json",
            "{oops".into(),
        )
        .await;
    assert_eq!(reply.body["code"], "malformed_json");
    assert_eq!(app.store.count_cases().await.unwrap(), 0);
    assert_eq!(app.audit_count().await, audit_before);

    // 容缺受理: the same missing material on a signed pledge is accepted, and completion
    // waits for it.
    let mut pledged = missing.clone();
    pledged["pledge"] = json!(true);
    let created = post_case(app, &village, None, &pledged).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["pledged"], json!(["居住证明或个人承诺书"]));
    let number = created.body["number"].as_str().unwrap();
    act(
        app,
        &village,
        number,
        json!({ "action": "initial_review", "version": 1 }),
    )
    .await;
    act(
        app,
        &town,
        number,
        json!({ "action": "accept_upstream", "version": 2 }),
    )
    .await;
    let early = act(
        app,
        &town,
        number,
        json!({ "action": "complete", "version": 3 }),
    )
    .await;
    assert_eq!(
        early.body["code"], "case_pledge_outstanding",
        "{}",
        early.text
    );
    let supplied = act(
        app,
        &town,
        number,
        json!({ "action": "supply_pledged", "materials": ["居住证明或个人承诺书"], "version": 3 }),
    )
    .await;
    assert_eq!(supplied.status, 200, "{}", supplied.text);
    let done = act(
        app,
        &town,
        number,
        json!({ "action": "complete", "version": 4 }),
    )
    .await;
    assert_eq!(done.body["status"], "completed", "{}", done.text);
}

async fn a_returned_case_stops_its_clock_and_comes_back_once(app: &TestApp) {
    let (village, town) = network(app).await;
    let created = post_case(app, &village, None, &filing()).await;
    let number = created.body["number"].as_str().unwrap().to_owned();
    let returned = act(
        app,
        &village,
        &number,
        json!({ "action": "return_for_supplement", "missing": ["户口簿", "居住证"], "version": 1 }),
    )
    .await;
    assert_eq!(returned.status, 200, "{}", returned.text);
    assert_eq!(returned.body["status"], "returned");
    assert_eq!(returned.body["clock_stopped"], true);
    assert_eq!(returned.body["missing"], json!(["户口簿", "居住证"]));
    let list = app
        .get("/api/stations/SZ-P1/worklists", Some(&village))
        .await;
    let counts: Vec<(String, i64)> = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["list"].as_str().unwrap().to_owned(),
                row["count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert!(counts.contains(&("returned".to_owned(), 1)), "{counts:?}");
    assert!(counts.contains(&("to_review".to_owned(), 0)), "{counts:?}");
    let partial = act(
        app,
        &village,
        &number,
        json!({ "action": "resubmit", "supplied": ["户口簿"], "version": 2 }),
    )
    .await;
    assert_eq!(partial.body["message"], "补正材料仍缺少：居住证");
    let back = act(
        app,
        &village,
        &number,
        json!({ "action": "resubmit", "supplied": ["户口簿", "居住证"], "version": 2 }),
    )
    .await;
    assert_eq!(back.body["status"], "submitted", "{}", back.text);
    let again = act(
        app,
        &village,
        &number,
        json!({ "action": "return_for_supplement", "missing": ["结婚证"], "version": 3 }),
    )
    .await;
    assert_eq!(
        again.body["code"], "case_already_returned",
        "{}",
        again.text
    );
    // An instant item taken in today is due today: it is on the due-soon list.
    let due = app
        .get("/api/stations/SZ-P1/cases?list=due_soon", Some(&village))
        .await;
    assert_eq!(due.body["total"], 1, "{}", due.text);
    let bad_list = app
        .get("/api/stations/SZ-P1/cases?list=someday", Some(&village))
        .await;
    assert_eq!(bad_list.status, 422);
    let forbidden = app
        .get("/api/stations/SZ-ST/cases?list=to_review", Some(&village))
        .await;
    assert_eq!(forbidden.status, 403, "{}", forbidden.text);
    let _ = town;
}

/// Two workers drain one PostgreSQL outbox at once (each claim is `FOR UPDATE SKIP
/// LOCKED`): every message goes out exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_outbox_workers_on_postgres_never_send_a_message_twice() {
    let Some(app) = spawn_app(Backend::Postgres).await else {
        return;
    };
    let (village, _) = network(&app).await;
    for _ in 0..10 {
        let reply = post_case(&app, &village, None, &filing()).await;
        assert_eq!(reply.status, 201, "{}", reply.text);
    }
    let sent = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(&str, i64)>::new()));
    let run = |worker: &'static str| {
        let store = app.store.clone();
        let sent = sent.clone();
        async move {
            loop {
                let report = store
                    .deliver_outbox(worker, 4, async |message: &yibao_store::OutboxMessage| {
                        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                        sent.lock().unwrap().push((worker, message.id));
                        Ok(())
                    })
                    .await
                    .unwrap();
                if report.sent == 0 {
                    break;
                }
            }
        }
    };
    tokio::join!(run("worker-a"), run("worker-b"));
    let sent = sent.lock().unwrap().clone();
    let mut ids: Vec<i64> = sent.iter().map(|(_, id)| *id).collect();
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    assert_eq!(before, ids.len(), "a message was sent twice: {sent:?}");
    assert_eq!(ids.len(), 20, "10 intakes × applicant and proxy");
    assert_eq!(app.store.outbox_counts().await.unwrap(), (0, 20));
}

/// A worker claims messages and dies before recording anything: nobody can claim them while
/// the lease runs, anybody can after it; once recorded as sent they are never claimed again.
async fn messages_of_a_worker_that_died_after_claiming_are_claimed_again_after_the_lease(
    app: &TestApp,
) {
    let (village, _) = network(app).await;
    let created = post_case(app, &village, None, &filing()).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let start = chrono::Utc::now();
    let lease = chrono::Duration::seconds(yibao_store::LEASE_SECONDS);
    let ids = |messages: &[yibao_store::OutboxMessage]| -> Vec<i64> {
        messages.iter().map(|m| m.id).collect()
    };
    // The first worker claims both messages (applicant and proxy), then dies.
    let dead = app.store.claim_outbox_at(10, start).await.unwrap();
    assert_eq!(dead.len(), 2, "{dead:?}");
    // Within the lease they are reserved for it.
    let during = chrono::Duration::seconds(yibao_store::LEASE_SECONDS - 5);
    let early = app.store.claim_outbox_at(10, start + during).await.unwrap();
    assert!(early.is_empty(), "claimed during the lease: {early:?}");
    // After it, another worker takes the same messages and delivers them.
    let late = start + lease + chrono::Duration::seconds(1);
    let again = app.store.claim_outbox_at(10, late).await.unwrap();
    assert_eq!(ids(&again), ids(&dead));
    let outcomes: Vec<yibao_store::SendOutcome> = again
        .iter()
        .map(|message| yibao_store::SendOutcome {
            message,
            result: Ok(()),
        })
        .collect();
    let report = app
        .store
        .record_outbox("worker-b", &outcomes)
        .await
        .unwrap();
    assert_eq!((report.sent, report.failed), (2, 0));
    let much_later = late + lease * 10;
    let none = app.store.claim_outbox_at(10, much_later).await.unwrap();
    assert!(none.is_empty(), "a sent message was claimed: {none:?}");
    assert_eq!(app.store.outbox_counts().await.unwrap(), (0, 2));
    let stored = notifications(app, &created).await;
    assert!(
        stored
            .iter()
            .all(|m| m.sent_by.as_deref() == Some("worker-b") && m.attempts == 1),
        "{stored:?}"
    );
}

/// The SMS rows of the case an intake reply created.
async fn notifications(app: &TestApp, created: &Reply) -> Vec<yibao_store::OutboxMessage> {
    let case = app
        .store
        .get_case(created.body["number"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    app.store.case_notifications(case.id).await.unwrap()
}

/// A failing gateway leaves the message queued with its error and a later retry time; the
/// log-file sender then delivers it with the phone masked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_sms_is_retried_later_and_the_log_sender_masks_phones() {
    use yibao_web::notify::{LogFileNotifier, Notifier};
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let (village, _) = network(&app).await;
    let created = post_case(&app, &village, None, &filing()).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let report = app
        .store
        .deliver_outbox("w", 10, async |_: &yibao_store::OutboxMessage| {
            Err("网关不可用".to_owned())
        })
        .await
        .unwrap();
    assert_eq!((report.sent, report.failed), (0, 2));
    let queued = notifications(&app, &created).await;
    assert!(
        queued
            .iter()
            .all(|m| m.attempts == 1 && m.sent_at.is_none())
    );
    assert_eq!(queued[0].last_error.as_deref(), Some("网关不可用"));
    // Not due yet: the backoff holds the retry back.
    let idle = app
        .store
        .deliver_outbox("w", 10, async |_: &yibao_store::OutboxMessage| Ok(()))
        .await
        .unwrap();
    assert_eq!(idle.sent, 0);
    assert_eq!(yibao_store::backoff(1), chrono::Duration::seconds(10));

    let dir = std::env::temp_dir().join(format!("yibao_sms_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let notifier = LogFileNotifier {
        path: dir.join("sms.log"),
    };
    notifier.send(&queued[0]).await.unwrap();
    let log = std::fs::read_to_string(dir.join("sms.log")).unwrap();
    assert!(log.contains("138****0001"), "{log}");
    assert!(!log.contains("13800000001"), "{log}");
    assert!(log.contains("已受理"), "{log}");
    let _ = std::fs::remove_dir_all(dir);
}

/// Two server processes on one database (the second with a store of its own: on SQLite its
/// own writer connection and its own memory of the last ids) take intakes in turn. Each
/// server's next ids are then stale, since the other server wrote in between; every intake
/// must still be created once, with its own number, and read the same through either server.
async fn two_servers_on_one_database_take_intakes_in_turn(app: &TestApp) {
    let (village, _town) = network(app).await;
    let other = app.second_server().await;
    let other_village = other.login("vclerk", "Clerk2026x").await;
    let before = app.store.count_cases().await.unwrap();
    let mut numbers = Vec::new();
    for round in 0..6 {
        let (server, token) = if round % 2 == 0 {
            (app, &village)
        } else {
            (&other, &other_village)
        };
        let key = format!("turn-{round}");
        let reply = post_case(server, token, Some(&key), &filing()).await;
        assert_eq!(reply.status, 201, "round {round}: {}", reply.text);
        let number = reply.body["number"].as_str().unwrap().to_owned();
        // Read back through the other server: the same case and the timeline as answered.
        let (reader, reader_token) = if round % 2 == 0 {
            (&other, &other_village)
        } else {
            (app, &village)
        };
        let read = reader
            .get(&format!("/api/cases/{number}"), Some(reader_token))
            .await;
        assert_eq!(read.status, 200, "{}", read.text);
        assert_eq!(read.body["events"], reply.body["events"], "round {round}");
        numbers.push(number);
    }
    let distinct: std::collections::HashSet<&String> = numbers.iter().collect();
    assert_eq!(distinct.len(), 6, "{numbers:?}");
    assert_eq!(app.store.count_cases().await.unwrap(), before + 6);
    // A retry through the other server replays the first case.
    let retry = post_case(&other, &other_village, Some("turn-0"), &filing()).await;
    assert_eq!(retry.status, 200, "{}", retry.text);
    assert_eq!(retry.body["number"].as_str(), Some(numbers[0].as_str()));
}

/// Intakes at once, so that they are written in shared group commits: first 24 with keys of
/// their own and 8 without a key (groups that commit whole), then 8 pairs of retries sharing a
/// key (groups that meet a duplicate key and fall back to one transaction each). Every
/// accepted intake is there exactly once with its timeline and audit row; each pair answers
/// with one case.
async fn concurrent_intakes_share_commits_and_each_key_creates_one_case(app: &TestApp) {
    let (village, _town) = network(app).await;
    let before = app.store.count_cases().await.unwrap();
    let wave = |keys: Vec<Option<String>>| {
        let village = &village;
        futures_util::future::join_all(keys.into_iter().map(|key| async move {
            let reply = post_case(app, village, key.as_deref(), &filing()).await;
            (key, reply)
        }))
    };
    let mut replies = wave(
        (0..32)
            .map(|n| (n < 24).then(|| format!("own-{n}")))
            .collect(),
    )
    .await;
    replies.extend(wave((0..16).map(|n| Some(format!("pair-{}", n / 2))).collect()).await);
    // Retries of committed requests arriving together with new ones: a retried key makes its
    // group's insert fail, and the group is written again one by one.
    replies.extend(
        wave(
            (0..16)
                .map(|n| {
                    Some(if n % 2 == 0 {
                        format!("own-{n}")
                    } else {
                        format!("late-{n}")
                    })
                })
                .collect(),
        )
        .await,
    );
    let mut numbers_by_key: std::collections::HashMap<String, Vec<String>> = Default::default();
    let mut created = 0;
    // A new case's answer carries the timeline as written, not read back: it must be the
    // timeline a later read shows.
    let mut answered_timelines = Vec::new();
    for (key, reply) in replies {
        assert!(matches!(reply.status, 200 | 201), "{}", reply.text);
        let number = reply.body["number"].as_str().unwrap().to_owned();
        if reply.status == 201 {
            created += 1;
            answered_timelines.push((number.clone(), reply.body["events"].clone()));
        }
        assert_eq!(
            reply.body["events"].as_array().unwrap().len(),
            1,
            "{}",
            reply.text
        );
        if let Some(key) = key {
            numbers_by_key.entry(key).or_default().push(number);
        }
    }
    assert_eq!(
        created, 48,
        "24 own keys + 8 pairs + 8 without a key + 8 late keys"
    );
    for (key, numbers) in &numbers_by_key {
        assert!(
            numbers.iter().all(|n| n == &numbers[0]),
            "{key} answered with different cases: {numbers:?}"
        );
    }
    let numbers = app.store.case_numbers().await.unwrap();
    assert_eq!(app.store.count_cases().await.unwrap() - before, 48);
    let distinct: std::collections::HashSet<&String> = numbers.iter().collect();
    assert_eq!(distinct.len(), numbers.len(), "no number twice");
    let (pending, sent) = app.store.outbox_counts().await.unwrap();
    assert_eq!(
        pending + sent,
        96,
        "an SMS to the applicant and the proxy per case"
    );
    for (number, answered) in &answered_timelines {
        let reply = app
            .get(&format!("/api/cases/{number}"), Some(&village))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(&reply.body["events"], answered, "timeline of {number}");
    }
    let filter = yibao_store::AuditFilter {
        actor: Some("vclerk".into()),
        entity: Some("case".into()),
        ..Default::default()
    };
    let audit = app
        .store
        .list_audit(&filter, yibao_store::PageRequest::new(Some(1), Some(500)))
        .await
        .unwrap();
    let created_rows = audit.items.iter().filter(|r| r.action == "case.create");
    let audited: std::collections::HashSet<&str> =
        created_rows.map(|r| r.entity_id.as_str()).collect();
    assert_eq!(audited.len(), 48, "one case.create row per case");
    for number in numbers.iter().skip(before as usize) {
        assert!(audited.contains(number.as_str()), "{number} not audited");
    }
}

/// The resident's lookup takes no sign-in, only the case number and the ID number: after
/// `RESIDENT_MAX_FAILURES_PER_ADDRESS` failed lookups from one address, that address must wait
/// (429) even with the right pair, on the API and on the page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_the_resident_lookup_is_slowed_down_per_address() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let (village, _) = network(&app).await;
    let created = post_case(&app, &village, None, &filing()).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let number = created.body["number"].as_str().unwrap().to_owned();
    let right = json!({ "number": number, "id_number": APPLICANT_ID });
    assert_eq!(app.post_json("/api/track", None, &right).await.status, 200);
    for attempt in 0..yibao_web::app::cases::RESIDENT_MAX_FAILURES_PER_ADDRESS {
        let id = if attempt % 2 == 0 {
            PROXY_ID
        } else {
            "32090219500315001X"
        };
        let wrong = app
            .post_json(
                "/api/track",
                None,
                &json!({ "number": number, "id_number": id }),
            )
            .await;
        assert!(matches!(wrong.status, 404 | 422), "{}", wrong.text);
    }
    let blocked = app.post_json("/api/track", None, &right).await;
    assert_eq!(blocked.status, 429, "{}", blocked.text);
    assert_eq!(blocked.body["code"], "too_many_attempts");
    assert!(
        blocked.body["message"]
            .as_str()
            .unwrap()
            .starts_with("查询失败次数过多"),
        "{}",
        blocked.text
    );
    let page = app
        .client
        .post(app.url("/track"))
        .form(&[("number", number.as_str()), ("id_number", APPLICANT_ID)])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 429);
    assert!(page.text().await.unwrap().contains("查询失败次数过多"));
}

/// A SQLite writer connection left inside a transaction (by a write whose task ended
/// half-way) fails the one write that finds it so and is replaced for the next, instead of
/// failing every write until the server restarts.
#[tokio::test]
async fn a_writer_connection_left_inside_a_transaction_is_replaced() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let (village, _town) = network(&app).await;
    app.store.leave_writer_in_transaction_for_tests().await;
    let path = "/api/stations/SZ-P1/delegations/JS-20";
    let admin = Some(app.admin_token.as_str());
    let first = app
        .send(Method::PUT, path, admin, &json!({ "mode": "none" }))
        .await;
    assert_eq!(first.status, 500, "{}", first.text);
    let second = app
        .send(Method::PUT, path, admin, &json!({ "mode": "none" }))
        .await;
    assert_eq!(second.status, 204, "{}", second.text);
    let created = post_case(&app, &village, None, &filing()).await;
    assert_eq!(created.status, 201, "{}", created.text);
}
