//! The counter (排队叫号) over HTTP on both backends: kiosk → window → board, the green channel
//! and transfers, refused moves that change nothing, many windows calling at once, appointments
//! with capacity, and the statistics.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::helpers::*;

on_both_backends!(
    a_ticket_goes_from_the_kiosk_to_a_window_and_the_board_announces_it,
    the_green_channel_goes_first_but_never_starves_normal_tickets,
    a_transferred_ticket_keeps_its_number_in_the_other_queue,
    refused_counter_moves_get_problems_and_change_nothing,
    many_windows_calling_at_once_never_call_a_ticket_twice_or_lose_one,
    appointments_respect_capacity_and_check_in_issues_an_appointment_ticket,
);

const STATION: &str = "SZ-HALL";

/// A valid ID number for someone born on `birth` (YYYYMMDD).
fn id_born(birth: &str, serial: u32) -> String {
    let first17 = format!("320903{birth}{serial:03}");
    let check = yibao_domain::id_number::check_char(first17.as_bytes()) as char;
    format!("{first17}{check}")
}

/// A station with categories A 参保登记, B 医保报销, C 异地备案 and `windows` windows; window
/// `n` serves the given prefixes. Returns the window ids in order.
async fn hall(app: &TestApp, windows: &[&[&str]]) -> Vec<i64> {
    let token = &app.admin_token;
    let created = app
        .post_json("/api/stations", Some(token), &town_station(STATION))
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    for (position, (prefix, name)) in [("A", "参保登记"), ("B", "医保报销"), ("C", "异地备案")]
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
    let mut ids = Vec::new();
    for (index, categories) in windows.iter().enumerate() {
        let reply = app
            .post_json(
                &format!("/api/counter/stations/{STATION}/windows"),
                Some(token),
                &json!({ "number": index + 1, "categories": categories }),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        ids.push(reply.body["id"].as_i64().unwrap());
    }
    ids
}

/// Asks the kiosk API for a ticket, whatever the answer.
async fn kiosk(app: &TestApp, body: Value) -> Reply {
    app.post_json(
        &format!("/api/counter/stations/{STATION}/tickets"),
        None,
        &body,
    )
    .await
}

async fn take(app: &TestApp, body: Value) -> Value {
    let reply = kiosk(app, body).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.body
}

async fn call(app: &TestApp, window: i64) -> Value {
    let reply = app
        .post_json(
            &format!("/api/counter/windows/{window}/call"),
            Some(&app.admin_token),
            &json!({}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.body["ticket"].clone()
}

async fn act(app: &TestApp, window: i64, action: &str, body: Value) -> Reply {
    app.post_json(
        &format!("/api/counter/windows/{window}/{action}"),
        Some(&app.admin_token),
        &body,
    )
    .await
}

/// Reads server-sent events until one contains `needle` (or the stream ends).
async fn next_event_with(response: &mut reqwest::Response, needle: &str) -> String {
    let mut bytes: Vec<u8> = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::time::Instant::now() < deadline {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(20), response.chunk())
            .await
            .expect("an event in time")
            .unwrap();
        let Some(chunk) = chunk else { break };
        // Decode the whole buffer each time: a chunk may end inside a UTF-8 character.
        bytes.extend_from_slice(&chunk);
        let seen = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(end) = seen.find(needle) {
            return seen[..end + needle.len()].to_owned();
        }
    }
    panic!(
        "no event with {needle:?}; got {}",
        String::from_utf8_lossy(&bytes)
    );
}

async fn a_ticket_goes_from_the_kiosk_to_a_window_and_the_board_announces_it(app: &TestApp) {
    let windows = hall(app, &[&["A", "B"], &["C"]]).await;
    let mut events = app
        .client
        .get(app.url(&format!("/api/counter/stations/{STATION}/board/events")))
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), 200);
    assert!(
        events.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    next_event_with(&mut events, "\"queues\"").await;

    let first = take(app, json!({ "category": "A" })).await;
    assert_eq!(first["ticket"]["number"], "A001");
    assert_eq!(first["ticket"]["category_name"], "参保登记");
    assert_eq!(first["waiting_ahead"], 0);
    assert_eq!(first["estimated_wait_minutes"], 0);
    // The categories were read (and are kept in memory): a rename shows on the next ticket.
    let renamed = app
        .send(
            reqwest::Method::PUT,
            &format!("/api/counter/stations/{STATION}/categories/A"),
            Some(&app.admin_token),
            &json!({ "name": "参保登记（含变更）", "position": 0 }),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    let second = take(app, json!({ "category": "a" })).await;
    assert_eq!(second["ticket"]["number"], "A002");
    assert_eq!(second["ticket"]["category_name"], "参保登记（含变更）");
    assert_eq!(second["waiting_ahead"], 1);
    // One ahead, no handling history yet (5 minutes assumed), one window serving A.
    assert_eq!(second["estimated_wait_minutes"], 5);
    assert_eq!(
        take(app, json!({ "category": "B" })).await["ticket"]["number"],
        "B001"
    );
    assert_eq!(
        take(app, json!({ "category": "C" })).await["ticket"]["number"],
        "C001"
    );

    let called = call(app, windows[0]).await;
    assert_eq!(called["number"], "A001");
    assert_eq!(called["status"], "called");
    assert_eq!(called["window_number"], 1);
    let event = next_event_with(&mut events, "请 A001 号到 1 号窗口").await;
    assert!(event.contains("event: board"), "{event}");

    let board = app
        .get(&format!("/api/counter/stations/{STATION}/board"), None)
        .await;
    assert_eq!(
        board.body["calls"][0]["announcement"],
        "请 A001 号到 1 号窗口"
    );
    let queue_a = &board.body["queues"][0];
    assert_eq!(queue_a["prefix"], "A");
    assert_eq!(queue_a["waiting"], 1);
    assert_eq!(queue_a["open_windows"], 1);

    assert_eq!(act(app, windows[0], "recall", json!({})).await.status, 200);
    next_event_with(&mut events, "\"recalls\":1").await;
    let serving = act(app, windows[0], "serve", json!({})).await;
    assert_eq!(serving.body["status"], "serving", "{}", serving.text);
    let finished = act(app, windows[0], "finish", json!({})).await;
    assert_eq!(finished.body["status"], "finished");
    // Window 2 serves only C.
    assert_eq!(call(app, windows[1]).await["number"], "C001");
    assert_eq!(call(app, windows[0]).await["number"], "A002");
    assert_eq!(
        act(app, windows[0], "no_show", json!({})).await.body["status"],
        "no_show"
    );
    assert_eq!(call(app, windows[0]).await["number"], "B001");
    assert_eq!(act(app, windows[0], "finish", json!({})).await.status, 200);
    assert!(call(app, windows[0]).await.is_null(), "nobody left for A/B");
    // The wait estimate's mean handling time is computed in the database, on both backends:
    // A001 and B001 were finished a moment after their call; C001 is still at its window.
    let hour_ago = chrono::Utc::now() - chrono::Duration::hours(1);
    for category in [Some("A"), Some("B"), None] {
        let mean = app
            .store
            .mean_handling_seconds(STATION, hour_ago, category, 200)
            .await
            .unwrap();
        assert!(
            mean.is_some_and(|s| (0.0..60.0).contains(&s)),
            "{category:?}: {mean:?}"
        );
    }
    let unfinished = app
        .store
        .mean_handling_seconds(STATION, hour_ago, Some("C"), 200);
    assert_eq!(unfinished.await.unwrap(), None);
    let later = chrono::Utc::now() + chrono::Duration::minutes(1);
    let none_since = app.store.mean_handling_seconds(STATION, later, None, 200);
    assert_eq!(none_since.await.unwrap(), None);

    let audit = app
        .get(
            "/api/audit?entity=ticket&per_page=50",
            Some(&app.admin_token),
        )
        .await;
    let actions: Vec<&str> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"counter.ticket.issue"), "{actions:?}");
    assert!(actions.contains(&"counter.ticket.call"));
    assert!(actions.contains(&"counter.ticket.no_show"));

    let stats = app
        .get(
            &format!("/api/counter/stations/{STATION}/stats"),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(stats.status, 200, "{}", stats.text);
    assert_eq!(stats.body["tickets"], 4);
    let by_window = &stats.body["by"][0];
    assert_eq!(by_window[0], "window");
    assert_eq!(by_window[1][0]["key"], "01 号窗口");
    assert_eq!(by_window[1][0]["served"], 2);
    assert_eq!(by_window[1][0]["no_shows"], 1);
    let csv = app
        .get(
            &format!("/api/counter/stations/{STATION}/stats.csv"),
            Some(&app.admin_token),
        )
        .await;
    assert!(csv.content_type.starts_with("text/csv"));
    assert!(csv.text.contains("window,01 号窗口,2,1,0,"), "{}", csv.text);
    assert!(
        csv.text.contains("category,A 参保登记（含变更）,1,1,0,"),
        "{}",
        csv.text
    );

    let openapi = app.get("/api/openapi.json", None).await;
    for path in [
        "/api/counter/stations/{station}/tickets",
        "/api/counter/windows/{id}/call",
        "/api/counter/stations/{station}/board/events",
        "/api/counter/stations/{station}/appointments",
    ] {
        assert!(
            openapi.body["paths"].get(path).is_some(),
            "OpenAPI lacks {path}"
        );
    }

    // The station was read (and is kept in memory): once it is closed, the kiosk refuses.
    let closed = app
        .post_json(
            &format!("/api/stations/{STATION}/close"),
            Some(&app.admin_token),
            &json!({ "reason": "并入区政务服务中心", "version": 1 }),
        )
        .await;
    assert_eq!(closed.status, 200, "{}", closed.text);
    let refused = kiosk(app, json!({ "category": "A" })).await;
    assert_eq!(refused.status, 409, "{}", refused.text);
    assert_eq!(refused.body["code"], "station_closed");
}

async fn the_green_channel_goes_first_but_never_starves_normal_tickets(app: &TestApp) {
    let windows = hall(app, &[&["A"]]).await;
    let elderly = id_born("19500101", 11);
    let young = id_born("19900101", 12);
    let normal1 = take(app, json!({ "category": "A", "id_number": young })).await;
    assert!(normal1["ticket"]["green_reason"].is_null());
    let normal2 = take(app, json!({ "category": "A" })).await;
    let green1 = take(app, json!({ "category": "A", "id_number": elderly })).await;
    assert_eq!(green1["ticket"]["green_reason"], "elderly");
    assert_eq!(green1["ticket"]["green_label"], "高龄");
    take(app, json!({ "category": "A", "pregnancy": true })).await;
    take(app, json!({ "category": "A", "disability": true })).await;
    let mut order = Vec::new();
    loop {
        let ticket = call(app, windows[0]).await;
        if ticket.is_null() {
            break;
        }
        order.push(ticket["number"].as_str().unwrap().to_owned());
        assert_eq!(act(app, windows[0], "finish", json!({})).await.status, 200);
    }
    // Two green calls, then the oldest normal ticket, then the last green, then the rest.
    assert_eq!(order, ["A003", "A004", "A001", "A005", "A002"]);
    assert_eq!(normal2["ticket"]["number"], "A002");
    // The full ID number is never stored or audited.
    let audit = app
        .get(
            "/api/audit?entity=ticket&per_page=100",
            Some(&app.admin_token),
        )
        .await;
    assert!(!audit.text.contains(&elderly));
}

async fn a_transferred_ticket_keeps_its_number_in_the_other_queue(app: &TestApp) {
    let windows = hall(app, &[&["A"], &["B"]]).await;
    take(app, json!({ "category": "A" })).await;
    take(app, json!({ "category": "B" })).await;
    assert_eq!(call(app, windows[0]).await["number"], "A001");
    assert_eq!(act(app, windows[0], "serve", json!({})).await.status, 200);
    let moved = act(app, windows[0], "transfer", json!({ "to": "B" })).await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(moved.body["number"], "A001");
    assert_eq!(moved.body["category"], "B");
    assert_eq!(moved.body["status"], "waiting");
    // It was queued before B001, so window B calls it first, with its old number.
    let at_b = call(app, windows[1]).await;
    assert_eq!(at_b["number"], "A001");
    assert_eq!(at_b["category_name"], "医保报销");
    assert_eq!(act(app, windows[1], "finish", json!({})).await.status, 200);
    assert_eq!(call(app, windows[1]).await["number"], "B001");
    assert!(call(app, windows[0]).await.is_null());
    // A new B ticket still gets B002: the transfer used no B number.
    assert_eq!(
        take(app, json!({ "category": "B" })).await["ticket"]["number"],
        "B002"
    );
}

async fn refused_counter_moves_get_problems_and_change_nothing(app: &TestApp) {
    let windows = hall(app, &[&["A"]]).await;
    take(app, json!({ "category": "A" })).await;
    let audits = app.audit_count().await;
    let tickets = format!("/api/counter/stations/{STATION}/tickets");
    let cases = [
        (json!({ "category": "Z" }), 422, "本站没有业务类别“Z”"),
        (
            json!({ "category": "AB" }),
            422,
            "业务类别字母“AB”无效：应为 A～Z 中的一个字母",
        ),
        (
            json!({ "category": "A", "id_number": "320903195001011235" }),
            422,
            "身份证号码无效：校验码不正确",
        ),
    ];
    for (body, status, message) in cases {
        let reply = app.post_json(&tickets, None, &body).await;
        assert_eq!(reply.status, status, "{}", reply.text);
        assert_eq!(reply.content_type, "application/problem+json");
        assert_eq!(reply.body["message"], message);
    }
    let missing = app
        .post_json(
            "/api/counter/stations/NOPE/tickets",
            None,
            &json!({ "category": "A" }),
        )
        .await;
    assert_eq!(missing.status, 404);
    let nothing = act(app, windows[0], "finish", json!({})).await;
    assert_eq!(nothing.status, 409);
    assert_eq!(nothing.body["code"], "no_current_ticket");
    assert_eq!(nothing.body["message"], "1 号窗口当前没有号票，请先叫号");
    let bogus = act(app, windows[0], "dance", json!({})).await;
    assert_eq!(bogus.status, 422);
    assert_eq!(app.audit_count().await, audits, "refusals write nothing");

    assert_eq!(call(app, windows[0]).await["number"], "A001");
    let busy = app
        .post_json(
            &format!("/api/counter/windows/{}/call", windows[0]),
            Some(&app.admin_token),
            &json!({}),
        )
        .await;
    assert_eq!(busy.status, 409);
    assert_eq!(busy.body["code"], "window_busy");
    assert_eq!(
        busy.body["message"],
        "请先办结、转移或过号当前号票 A001，再叫下一位"
    );
    assert_eq!(act(app, windows[0], "serve", json!({})).await.status, 200);
    let late = act(app, windows[0], "no_show", json!({})).await;
    assert_eq!(late.status, 409);
    assert_eq!(late.body["code"], "invalid_transition");
    assert_eq!(late.body["message"], "号票当前状态为“办理中”，不能过号");
    let same = act(app, windows[0], "transfer", json!({ "to": "A" })).await;
    assert_eq!(same.status, 422);
    let unknown = act(app, windows[0], "transfer", json!({ "to": "Q" })).await;
    assert_eq!(unknown.body["message"], "本站没有业务类别“Q”");
    // The kiosk needs no sign-in, a window does.
    let anonymous = app
        .post_json(
            &format!("/api/counter/windows/{}/call", windows[0]),
            None,
            &json!({}),
        )
        .await;
    assert_eq!(anonymous.status, 401);
    let window = app
        .get(
            &format!("/api/counter/windows/{}", windows[0]),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(window.body["ticket"]["status"], "serving", "unchanged");
}

async fn many_windows_calling_at_once_never_call_a_ticket_twice_or_lose_one(app: &TestApp) {
    const WINDOWS: usize = 8;
    const TICKETS: usize = 60;
    let layout: Vec<&[&str]> = (0..WINDOWS).map(|_| &["A", "B"][..]).collect();
    let windows = hall(app, &layout).await;
    let mut issued = BTreeSet::new();
    for index in 0..TICKETS {
        let category = if index % 3 == 0 { "B" } else { "A" };
        let slip = take(app, json!({ "category": category })).await;
        issued.insert(slip["ticket"]["number"].as_str().unwrap().to_owned());
    }
    assert_eq!(issued.len(), TICKETS, "daily numbers are unique");
    let mut tasks = Vec::new();
    for window in windows {
        let base = app.base.clone();
        let token = app.admin_token.clone();
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut called = Vec::new();
            loop {
                let reply: Value = client
                    .post(format!("{base}/api/counter/windows/{window}/call"))
                    .bearer_auth(&token)
                    .json(&json!({}))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                let Some(number) = reply["ticket"]["number"].as_str() else {
                    assert!(reply.get("ticket").is_some(), "call failed: {reply}");
                    break;
                };
                called.push(number.to_owned());
                let done = client
                    .post(format!("{base}/api/counter/windows/{window}/finish"))
                    .bearer_auth(&token)
                    .json(&json!({}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(done.status(), 200);
            }
            called
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    let unique: BTreeSet<String> = all.iter().cloned().collect();
    assert_eq!(
        all.len(),
        TICKETS,
        "every ticket called exactly once: {all:?}"
    );
    assert_eq!(unique, issued, "no ticket lost, none called twice");
    let stats = app
        .get(
            &format!("/api/counter/stations/{STATION}/stats"),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(stats.body["tickets"], TICKETS);
}

async fn appointments_respect_capacity_and_check_in_issues_an_appointment_ticket(app: &TestApp) {
    hall(app, &[&["A"]]).await;
    let token = &app.admin_token;
    let calendar = app
        .send(
            reqwest::Method::PUT,
            &format!("/api/counter/stations/{STATION}/calendars/A"),
            Some(token),
            &json!({ "hours": "1-7 00:00-23:55", "slot_minutes": 5, "capacity": 2 }),
        )
        .await;
    assert_eq!(calendar.status, 200, "{}", calendar.text);
    let bad = app
        .send(
            reqwest::Method::PUT,
            &format!("/api/counter/stations/{STATION}/calendars/A"),
            Some(token),
            &json!({ "hours": "1-7 00:00-23:55", "slot_minutes": 5, "capacity": 0 }),
        )
        .await;
    assert_eq!(bad.body["message"], "每个时段可预约人数应在 1～500 之间");
    // The next bookable slots (today, or tomorrow late at night).
    let mut bookable: Vec<String> = Vec::new();
    for day in [0, 1] {
        let date = (chrono::Utc::now() + chrono::Duration::hours(8) + chrono::Duration::days(day))
            .format("%Y-%m-%d")
            .to_string();
        let slots = app
            .get(
                &format!("/api/counter/stations/{STATION}/slots?category=A&date={date}"),
                None,
            )
            .await;
        assert_eq!(slots.status, 200, "{}", slots.text);
        bookable.extend(
            slots
                .body
                .as_array()
                .unwrap()
                .iter()
                .filter(|s| s["bookable"] == true)
                .map(|s| s["start"].as_str().unwrap().to_owned()),
        );
    }
    let (first_slot, second_slot) = (bookable[0].clone(), bookable[1].clone());
    let book = |slot: &str, serial: u32| json!({ "category": "A", "slot_start": slot, "name": "王秀英", "phone": "13800001234", "id_number": id_born("19480302", serial) });
    let url = format!("/api/counter/stations/{STATION}/appointments");
    let one = app.post_json(&url, None, &book(&first_slot, 1)).await;
    assert_eq!(one.status, 201, "{}", one.text);
    assert_eq!(one.body["status"], "booked");
    assert_eq!(one.body["name"], "王**");
    assert_eq!(one.body["phone"], "138****1234");
    assert!(
        one.body["id_number"]
            .as_str()
            .unwrap()
            .contains("**********")
    );
    let again = app.post_json(&url, None, &book(&second_slot, 1)).await;
    assert_eq!(again.status, 409, "one per person, category and day");
    assert_eq!(again.body["code"], "duplicate");
    assert_eq!(
        app.post_json(&url, None, &book(&first_slot, 2))
            .await
            .status,
        201
    );
    let full = app.post_json(&url, None, &book(&first_slot, 3)).await;
    assert_eq!(full.status, 409);
    assert_eq!(full.body["code"], "slot_full");
    assert_eq!(
        full.body["message"],
        "该时段已约满（每时段 2 人），请选择其他时段"
    );
    let not_a_slot = app
        .post_json(&url, None, &book("2020-01-01 09:03", 4))
        .await;
    assert_eq!(not_a_slot.status, 422);

    // The second person moves to the next slot, which frees a place in the first.
    let second_id = {
        let list = app.get(&url, Some(token)).await;
        assert_eq!(list.status, 200, "{}", list.text);
        list.body
            .as_array()
            .unwrap()
            .iter()
            .find(|a| {
                a["id_number"]
                    .as_str()
                    .unwrap()
                    .ends_with(&id_born("19480302", 2)[14..])
            })
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let wrong_holder = app
        .post_json(
            &format!("/api/counter/appointments/{second_id}/change"),
            None,
            &json!({ "id_number": id_born("19480302", 9), "slot_start": second_slot }),
        )
        .await;
    assert_eq!(wrong_holder.status, 404);
    let moved = app
        .post_json(
            &format!("/api/counter/appointments/{second_id}/change"),
            None,
            &json!({ "id_number": id_born("19480302", 2), "slot_start": second_slot }),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(moved.body["slot_start"], second_slot);
    let third = app.post_json(&url, None, &book(&first_slot, 3)).await;
    assert_eq!(
        third.status, 201,
        "the freed place is bookable: {}",
        third.text
    );
    let third_id = third.body["id"].as_i64().unwrap();
    let cancelled = app
        .post_json(
            &format!("/api/counter/appointments/{third_id}/cancel"),
            None,
            &json!({ "id_number": id_born("19480302", 3) }),
        )
        .await;
    assert_eq!(cancelled.body["status"], "cancelled");
    let twice = app
        .post_json(
            &format!("/api/counter/appointments/{third_id}/cancel"),
            None,
            &json!({ "id_number": id_born("19480302", 3) }),
        )
        .await;
    assert_eq!(twice.status, 409);
    assert_eq!(twice.body["message"], "预约当前状态为“已取消”，不能取消");
    let early_no_show = app
        .post_json(
            &format!("/api/counter/appointments/{second_id}/no-show"),
            Some(token),
            &json!({}),
        )
        .await;
    assert_eq!(
        early_no_show.body["message"],
        "预约时段尚未结束，不能登记爽约"
    );

    // Check-in opens 30 minutes before the slot: the first slot starts within 5 minutes.
    let first_id = one.body["id"].as_i64().unwrap();
    let checked = app
        .post_json(
            &format!("/api/counter/appointments/{first_id}/check-in"),
            None,
            &json!({ "id_number": id_born("19480302", 1) }),
        )
        .await;
    assert_eq!(checked.status, 201, "{}", checked.text);
    assert_eq!(checked.body["ticket"]["number"], "A001");
    assert_eq!(checked.body["ticket"]["appointment"], true);
    assert_eq!(
        checked.body["ticket"]["green_reason"], "elderly",
        "born 1948"
    );
    let twice = app
        .post_json(
            &format!("/api/counter/appointments/{first_id}/check-in"),
            None,
            &json!({ "id_number": id_born("19480302", 1) }),
        )
        .await;
    assert_eq!(twice.status, 409);
    let audit = app
        .get("/api/audit?entity=appointment&per_page=50", Some(token))
        .await;
    assert!(
        !audit.text.contains(&id_born("19480302", 1)),
        "no full ID in the audit log"
    );
    let listed = app
        .get("/api/audit?entity=station&per_page=50", Some(token))
        .await;
    assert!(
        listed.text.contains("counter.appointment.list"),
        "staff reads are audited"
    );
}

/// The kiosk and the booking page take no sign-in, so one client address may only create so
/// many tickets and bookings a minute; past that it gets 429 with a Chinese reason, on the API
/// and on the kiosk page, and nothing is created.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_flooding_the_kiosk_is_refused_and_creates_nothing() {
    let app = spawn_app_with(Backend::Sqlite, |config| {
        config.public_writes_per_minute = 3
    })
    .await
    .unwrap();
    hall(&app, &[&["A"]]).await;
    for _ in 0..3 {
        take(&app, json!({ "category": "A" })).await;
    }
    let refused = kiosk(&app, json!({ "category": "A" })).await;
    assert_eq!(refused.status, 429, "{}", refused.text);
    assert_eq!(refused.body["code"], "too_many_requests");
    assert!(
        refused.body["message"]
            .as_str()
            .unwrap()
            .starts_with("操作过于频繁，请"),
        "{}",
        refused.text
    );
    let page = app
        .client
        .post(app.url(&format!("/counter/{STATION}/kiosk")))
        .form(&[("category", "A"), ("id_number", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 429);
    let html = page.text().await.unwrap();
    assert!(html.contains("操作过于频繁"), "{html}");
    let day = yibao_web::app::counter::day_of(chrono::Utc::now());
    let tickets = app.store.tickets_of_day(STATION, &day).await.unwrap();
    assert_eq!(tickets.len(), 3, "{tickets:?}");
}
