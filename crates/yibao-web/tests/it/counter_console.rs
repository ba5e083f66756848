//! The counter's console pages over plain HTTP: settings forms (categories, windows with a
//! stale version refused, calendars with a bad rule refused), the resident's booking page with
//! look-up, change and cancel, kiosk check-in, the staff's appointment list (masked, audited),
//! and the tidal planner page with its charts and its Chinese errors.

use chrono::{Datelike, Days, Utc};

use crate::helpers::*;

const STATION: &str = "CONSOLE-HALL";

async fn page(client: &reqwest::Client, url: String) -> (u16, String) {
    let response = client.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

async fn post(
    client: &reqwest::Client,
    url: String,
    form: &[(&str, &str)],
) -> (u16, String, String) {
    let response = client.post(url).form(form).send().await.unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location, response.text().await.unwrap())
}

/// A valid ID number of someone born in 1980.
fn id_number(serial: u32) -> String {
    let first17 = format!("32090319800101{serial:03}");
    let check = yibao_domain::id_number::check_char(first17.as_bytes()) as char;
    format!("{first17}{check}")
}

/// The next weekday strictly after today (Asia/Shanghai), so every slot of it is bookable.
fn next_weekday() -> chrono::NaiveDate {
    let mut day = (Utc::now() + chrono::Duration::hours(8)).date_naive() + Days::new(1);
    while day.weekday().number_from_monday() > 5 {
        day = day + Days::new(1);
    }
    day
}

#[tokio::test]
async fn staff_set_up_the_counter_and_residents_book_change_cancel_and_check_in() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let created = app
        .post_json(
            "/api/stations",
            Some(&app.admin_token),
            &town_station(STATION),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let client = browser();
    assert_eq!(
        sign_in(&app, &client, ADMIN.0, ADMIN.1)
            .await
            .status()
            .as_u16(),
        303
    );
    let settings = app.url(&format!("/counter/{STATION}/settings"));
    let (status, html) = page(&client, settings.clone()).await;
    assert_eq!(status, 200);
    assert!(html.contains("还没有业务类别"), "empty state");
    let csrf = csrf_of(&html);

    // Categories and a window through the forms.
    for (prefix, name, position) in [("A", "参保登记", "0"), ("B", "医保缴费", "1")] {
        let (status, location, _) = post(
            &client,
            app.url(&format!("/counter/{STATION}/settings/categories")),
            &[
                ("_csrf", &csrf),
                ("prefix", prefix),
                ("name", name),
                ("position", position),
            ],
        )
        .await;
        assert_eq!(status, 303);
        assert!(location.ends_with("done=category"), "{location}");
    }
    let (status, _, _) = post(
        &client,
        app.url(&format!("/counter/{STATION}/settings/windows")),
        &[
            ("_csrf", &csrf),
            ("number", "1"),
            ("name", ""),
            ("categories", "A"),
            ("categories", "B"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let windows = app.store.counter_windows(STATION).await.unwrap();
    assert_eq!(windows.len(), 1);
    assert_eq!(windows[0].categories, ["A", "B"]);
    let id = windows[0].id;

    // A window form with no category, and one with a stale version, are refused on the page.
    let before = app.audit_count().await;
    let (status, _, html) = post(
        &client,
        app.url(&format!("/counter/{STATION}/settings/windows")),
        &[("_csrf", &csrf), ("number", "2"), ("name", "")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("窗口至少要办理一个业务类别"), "{html}");
    let (status, _, _) = post(
        &client,
        app.url(&format!("/counter/windows/{id}/settings")),
        &[
            ("_csrf", &csrf),
            ("version", "1"),
            ("name", "综合窗口"),
            ("open", "1"),
            ("categories", "B"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (status, _, html) = post(
        &client,
        app.url(&format!("/counter/windows/{id}/settings")),
        &[
            ("_csrf", &csrf),
            ("version", "1"),
            ("name", "旧页面"),
            ("open", "1"),
            ("categories", "A"),
        ],
    )
    .await;
    assert_eq!(status, 409, "{html}");
    assert_eq!(
        app.store.counter_windows(STATION).await.unwrap()[0].name,
        "综合窗口"
    );
    // A calendar rule that does not parse is refused; a good one is stored.
    let (status, _, _) = post(
        &client,
        app.url(&format!("/counter/{STATION}/settings/calendars")),
        &[
            ("_csrf", &csrf),
            ("prefix", "A"),
            ("hours", "周一到周五"),
            ("slot_minutes", "30"),
            ("capacity", "2"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        app.audit_count().await,
        before + 1,
        "only the good window update was written"
    );
    let (status, _, _) = post(
        &client,
        app.url(&format!("/counter/{STATION}/settings/calendars")),
        &[
            ("_csrf", &csrf),
            ("prefix", "A"),
            ("hours", "1-5 08:30-17:30"),
            ("slot_minutes", "30"),
            ("capacity", "1"),
        ],
    )
    .await;
    assert_eq!(status, 303);

    // A resident books on the public page (no sign-in), with the slots of a weekday.
    let resident = browser();
    let day = next_weekday();
    let (status, html) = page(
        &resident,
        app.url(&format!("/book/{STATION}?category=A&date={day}")),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("08:30–09:00") && html.contains("余 1 个"),
        "{html}"
    );
    assert!(
        !html.contains("医保缴费"),
        "B has no calendar, so it is not offered"
    );
    let slot = format!("{day} 09:00");
    let holder = id_number(1);
    let booking = [
        ("category", "A"),
        ("date", &day.to_string()),
        ("slot", &slot),
        ("name", "张三丰"),
        ("phone", "13800001234"),
        ("id_number", &holder),
    ];
    let (status, _, html) = post(&resident, app.url(&format!("/book/{STATION}")), &booking).await;
    assert_eq!(status, 201, "{html}");
    assert!(
        html.contains("预约成功") && html.contains("张**"),
        "masked name: {html}"
    );
    assert!(
        !html.contains(&holder),
        "the full ID number never comes back"
    );
    let number = html
        .split("id=\"booking-number\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap()
        .to_owned();
    assert!(number.starts_with('Y'), "{number}");
    // The slot is now full for anyone else, with a clear message.
    let other = id_number(2);
    let mut second = booking;
    second[5] = ("id_number", &other);
    let (status, _, html) = post(&resident, app.url(&format!("/book/{STATION}")), &second).await;
    assert_eq!(status, 409);
    assert!(html.contains("已约满"), "{html}");

    // Look-up needs the right ID number; then change and cancel.
    let manage = app.url(&format!("/book/{STATION}/manage"));
    let (status, _, html) = post(
        &resident,
        manage.clone(),
        &[
            ("action", "lookup"),
            ("number", &number),
            ("id_number", &other),
        ],
    )
    .await;
    assert_eq!(status, 404);
    assert!(html.contains("身份证号码与预约不符"));
    let (status, _, html) = post(
        &resident,
        manage.clone(),
        &[
            ("action", "lookup"),
            ("number", &number),
            ("id_number", &holder),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("已预约") && html.contains("09:00–09:30"),
        "{html}"
    );
    let new_slot = format!("{day} 10:00");
    let (status, _, html) = post(
        &resident,
        manage.clone(),
        &[
            ("action", "change"),
            ("number", &number),
            ("id_number", &holder),
            ("slot", &new_slot),
        ],
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("已改约到新时段") && html.contains("10:00–10:30"),
        "{html}"
    );

    // Staff see the day's list, masked, and the read is audited.
    let before = app.audit_count().await;
    let (status, html) = page(
        &client,
        app.url(&format!("/counter/{STATION}/appointments?date={day}")),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&number) && html.contains("138****1234"),
        "{html}"
    );
    assert!(!html.contains("13800001234") && !html.contains(&holder));
    assert_eq!(app.audit_count().await, before + 1);

    // Check-in before the slot's window opens is refused at the kiosk.
    let (status, _, html) = post(
        &resident,
        app.url(&format!("/counter/{STATION}/kiosk/check-in")),
        &[("number", &number), ("id_number", &holder)],
    )
    .await;
    assert!(status == 409 || status == 422, "{status}: {html}");
    assert!(html.contains("id=\"check-in-message\""), "{html}");

    let (status, _, html) = post(
        &resident,
        manage,
        &[
            ("action", "cancel"),
            ("number", &number),
            ("id_number", &holder),
        ],
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("预约已取消") && html.contains("已取消"),
        "{html}"
    );
}

#[tokio::test]
async fn the_planner_page_draws_its_charts_and_explains_what_it_cannot_plan() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let token = &app.admin_token;
    assert_eq!(
        app.post_json("/api/stations", Some(token), &town_station(STATION))
            .await
            .status,
        201
    );
    for (position, prefix) in ["A", "B"].iter().enumerate() {
        let reply = app
            .send(
                reqwest::Method::PUT,
                &format!("/api/counter/stations/{STATION}/categories/{prefix}"),
                Some(token),
                &serde_json::json!({ "name": format!("业务{prefix}"), "position": position }),
            )
            .await;
        assert_eq!(reply.status, 200);
    }
    let reply = app
        .post_json(
            &format!("/api/counter/stations/{STATION}/windows"),
            Some(token),
            &serde_json::json!({ "number": 1, "categories": ["A", "B"] }),
        )
        .await;
    assert_eq!(reply.status, 201);
    let client = browser();
    sign_in(&app, &client, ADMIN.0, ADMIN.1).await;
    let plan = app.url(&format!("/counter/{STATION}/plan"));
    let (status, html) = page(&client, plan.clone()).await;
    assert_eq!(status, 422);
    assert!(
        html.contains("没有叫号历史") && html.contains("plan-form"),
        "{html}"
    );

    let today = (Utc::now() + chrono::Duration::hours(8)).date_naive();
    let mut csv = String::from("date,time,category\n");
    for back in 1..=14u64 {
        let day = today - Days::new(back);
        for minute in (0..240).step_by(8) {
            let at = 8 * 60 + 30 + minute;
            csv.push_str(&format!("{day},{:02}:{:02},A\n", at / 60, at % 60));
            let at = 13 * 60 + minute;
            csv.push_str(&format!("{day},{:02}:{:02},B\n", at / 60, at % 60));
        }
    }
    let imported = app
        .post_raw(
            &format!("/api/counter/stations/{STATION}/ticket-history"),
            Some(token),
            "text/csv",
            csv,
        )
        .await;
    assert_eq!(imported.status, 201, "{}", imported.text);
    let (status, html) = page(&client, format!("{plan}?slot=30&level=1.2")).await;
    assert_eq!(status, 200, "{html}");
    for id in [
        "chart-arrivals",
        "chart-windows",
        "chart-grid",
        "chart-waits",
        "plan-scenarios",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id} missing");
    }
    assert!(html.contains("潮汐计划（计滞后）") && html.contains("A 业务A"));
    assert!(
        html.contains("value=\"1.2\""),
        "the form keeps what was asked"
    );
    let (status, html) = page(&client, format!("{plan}?slot=20&patience=x")).await;
    assert_eq!(status, 422);
    assert!(html.contains("平均耐心时间“x”不是数字"), "{html}");
}
