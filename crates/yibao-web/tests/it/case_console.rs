//! The case pages of the console over plain HTTP (SQLite): the intake form with its Chinese
//! errors and one-time key, worklist tabs with masked names, the case page's actions and its
//! 409 on a stale version, packing/sending/receiving a batch by form, and the residents'
//! tracking page with its rating.

use serde_json::json;

use crate::cases::{filing, network, post_case};
use crate::helpers::*;

async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let reply = client.get(app.url(path)).send().await.unwrap();
    (reply.status().as_u16(), reply.text().await.unwrap())
}

async fn post(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String, String) {
    let reply = client.post(app.url(path)).form(form).send().await.unwrap();
    let status = reply.status().as_u16();
    let location = reply
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location, reply.text().await.unwrap())
}

fn value_of(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("{name} in page"))
        + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn a_clerk_takes_a_case_in_through_the_form_and_sees_errors_in_chinese() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    network(&app).await;
    let client = browser();
    sign_in(&app, &client, "vclerk", "Clerk2026x").await;
    let (status, form) = page(&client, &app, "/cases/new?item=JS-14").await;
    assert_eq!(status, 200, "{form}");
    assert!(form.contains("可用电子证照"), "e-certificate marks");
    assert!(form.contains("容缺受理"), "the item allows a pledge");
    assert!(form.contains("上门办"), "channels");
    let csrf = csrf_of(&form);
    let key = value_of(&form, "idempotency");
    let mut fields = vec![
        ("_csrf", csrf.as_str()),
        ("station", "SZ-P1"),
        ("item", "JS-14"),
        ("idempotency", key.as_str()),
        ("channel", "counter"),
        ("applicant_name", "张桂兰"),
        ("applicant_id", "320902195003150013"),
        ("applicant_phone", "13800000001"),
        ("m0", "e_certificate"),
        ("m1", "paper"),
    ];
    let (status, _, html) = post(&client, &app, "/cases/new", &fields).await;
    assert_eq!(status, 422, "{html}");
    assert!(
        html.contains("申请人身份证号码无效：校验码不正确"),
        "{html}"
    );
    assert!(html.contains("value=\"张桂兰\""), "typed values are kept");
    assert_eq!(app.store.count_cases().await.unwrap(), 0);

    fields[6] = ("applicant_id", "320902195003150012");
    let (status, location, _) = post(&client, &app, "/cases/new", &fields).await;
    assert_eq!(status, 303);
    assert!(
        location.starts_with("/cases/YB") && location.ends_with("?created=1"),
        "{location}"
    );
    // A double submission of the same form creates nothing new.
    let (again, second, _) = post(&client, &app, "/cases/new", &fields).await;
    assert_eq!(again, 303);
    assert_eq!(second, location);
    assert_eq!(app.store.count_cases().await.unwrap(), 1);

    let (status, case) = page(&client, &app, &location).await;
    assert_eq!(status, 200);
    assert!(case.contains("已受理，业务编号"), "{case}");
    assert!(case.contains("3209**********0012"));
    assert!(
        !case.contains("320902195003150012"),
        "the full ID never reaches a page"
    );
    assert!(
        case.contains("在 320903105201医保服务点（SZ-P1）保管"),
        "{case}"
    );
    assert!(case.contains("act-initial_review") && case.contains("退回补正"));
    // Stations go by name in the timeline and on the buttons, with the code at hand.
    assert!(
        case.contains(r#"title="SZ-P1">320903105201医保服务点</span>"#),
        "{case}"
    );
    assert!(
        case.contains("初审通过并转办尚庄镇为民服务中心医保服务站"),
        "{case}"
    );

    let (status, list) = page(&client, &app, "/cases").await;
    assert_eq!(status, 200);
    assert!(
        list.contains("张**") && !list.contains("张桂兰"),
        "names masked in lists"
    );
    assert!(list.contains("data-list=\"to_review\""));
}

#[tokio::test]
async fn a_stale_action_shows_a_clear_conflict_and_changes_nothing() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let (village, _town) = network(&app).await;
    let created = post_case(&app, &village, None, &filing()).await;
    let number = created.body["number"].as_str().unwrap().to_owned();
    let client = browser();
    sign_in(&app, &client, "vclerk", "Clerk2026x").await;
    let (_, html) = page(&client, &app, &format!("/cases/{number}")).await;
    let csrf = csrf_of(&html);
    // Another clerk returns the case meanwhile.
    let moved = app
        .post_json(
            &format!("/api/cases/{number}/transitions"),
            Some(&village),
            &json!({ "action": "return_for_supplement", "missing": ["户口簿"], "version": 1 }),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    let (status, _, html) = post(
        &client,
        &app,
        &format!("/cases/{number}/act"),
        &[
            ("_csrf", &csrf),
            ("action", "initial_review"),
            ("version", "1"),
        ],
    )
    .await;
    assert_eq!(status, 409, "{html}");
    assert!(html.contains("版本已变化"), "{html}");
    assert!(html.contains("户口簿"), "the page shows the latest state");
    let case = app.store.get_case(&number).await.unwrap().unwrap();
    assert_eq!(case.version, 2);
    // An empty return list is refused with the rule's reason.
    let (status, _, html) = post(
        &client,
        &app,
        &format!("/cases/{number}/act"),
        &[
            ("_csrf", &csrf),
            ("action", "resubmit"),
            ("version", "2"),
            ("list", ""),
        ],
    )
    .await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("未能补正后重新提交"), "{html}");
}

#[tokio::test]
async fn originals_are_packed_sent_and_signed_for_item_by_item_in_the_console() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let (village, _town) = network(&app).await;
    let mut numbers = Vec::new();
    for _ in 0..2 {
        let created = post_case(&app, &village, None, &filing()).await;
        numbers.push(created.body["number"].as_str().unwrap().to_owned());
    }
    let clerk = browser();
    sign_in(&app, &clerk, "vclerk", "Clerk2026x").await;
    let (status, html) = page(&clerk, &app, "/handoffs").await;
    assert_eq!(status, 200);
    assert!(html.contains("暂无交接批次"));
    let (_, form) = page(&clerk, &app, "/handoffs/new").await;
    assert!(
        form.contains(&numbers[0]) && form.contains("SZ-ST"),
        "{form}"
    );
    let csrf = csrf_of(&form);
    let (status, _, html) = post(
        &clerk,
        &app,
        "/handoffs/new",
        &[
            ("_csrf", &csrf),
            ("station", "SZ-P1"),
            ("to_station", "SZ-ST"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("请至少选择一件业务件的纸质原件"), "{html}");
    let (status, location, _) = post(
        &clerk,
        &app,
        "/handoffs/new",
        &[
            ("_csrf", &csrf),
            ("station", "SZ-P1"),
            ("to_station", "SZ-ST"),
            ("case", &numbers[0]),
            ("case", &numbers[1]),
        ],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    let batch_path = location.trim_end_matches("?packed=1").to_owned();
    let (_, html) = page(&clerk, &app, &location).await;
    assert!(html.contains("send-batch"));
    let (status, location, _) = post(
        &clerk,
        &app,
        &format!("{batch_path}/send"),
        &[("_csrf", &csrf), ("version", "1")],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    // Sending twice with the old version is a clear conflict.
    let (status, _, html) = post(
        &clerk,
        &app,
        &format!("{batch_path}/send"),
        &[("_csrf", &csrf), ("version", "1")],
    )
    .await;
    assert_eq!(status, 409, "{html}");
    assert!(html.contains("已被他人处理"), "{html}");

    let town = browser();
    sign_in(&app, &town, "tclerk", "Clerk2026x").await;
    let (_, html) = page(&town, &app, &batch_path).await;
    assert!(html.contains("逐件签收"), "{html}");
    let csrf = csrf_of(&html);
    let first = format!("item-{}", numbers[0]);
    let second = format!("item-{}", numbers[1]);
    let (status, _, html) = post(
        &town,
        &app,
        &format!("{batch_path}/receive"),
        &[("_csrf", &csrf), ("version", "2"), (&first, "received")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("尚未核对"), "{html}");
    let (status, location, _) = post(
        &town,
        &app,
        &format!("{batch_path}/receive"),
        &[
            ("_csrf", &csrf),
            ("version", "2"),
            (&first, "received"),
            (&second, "missing"),
            ("unexpected", "一张未登记的发票"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    let (_, html) = page(&town, &app, &location).await;
    assert!(
        html.contains("签收有差异") && html.contains("一张未登记的发票"),
        "{html}"
    );
    let (_, case) = page(&town, &app, &format!("/cases/{}", numbers[0])).await;
    assert!(
        case.contains("在尚庄镇为民服务中心医保服务站（SZ-ST）保管"),
        "{case}"
    );
}

#[tokio::test]
async fn a_resident_tracks_a_case_and_rates_it_once_completed() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let (village, town) = network(&app).await;
    let created = post_case(&app, &village, None, &filing()).await;
    let number = created.body["number"].as_str().unwrap().to_owned();
    let resident = reqwest::Client::new();
    let (status, html) = page(&resident, &app, "/track?large=1").await;
    assert_eq!(status, 200);
    assert!(html.contains("class=\"large\""), "长辈模式");
    let wrong = resident
        .post(app.url("/track"))
        .form(&[
            ("number", number.as_str()),
            ("id_number", "320902198006010027"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 404);
    assert!(wrong.text().await.unwrap().contains("未找到该业务件"));
    let seen = resident
        .post(app.url("/track"))
        .form(&[
            ("number", number.as_str()),
            ("id_number", "320902195003150012"),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(seen.contains("待初审") && seen.contains("张**"), "{seen}");
    assert!(!seen.contains("rating-form"));
    for (action, version) in [
        ("initial_review", 1),
        ("accept_upstream", 2),
        ("complete", 3),
    ] {
        let reply = app
            .post_json(
                &format!("/api/cases/{number}/transitions"),
                Some(if version == 1 { &village } else { &town }),
                &json!({ "action": action, "version": version }),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
    }
    let done = resident
        .post(app.url("/track"))
        .form(&[
            ("number", number.as_str()),
            ("id_number", "320902195003150012"),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The forwarding names the town station, not its code.
    assert!(
        done.contains("转办至 尚庄镇为民服务中心医保服务站") && !done.contains("转办至 SZ-ST"),
        "{done}"
    );
    assert!(
        done.contains("已办结") && done.contains("rating-form"),
        "{done}"
    );
    let rated = resident
        .post(app.url("/track/rating"))
        .form(&[
            ("number", number.as_str()),
            ("id_number", "320902195003150012"),
            ("score", "5"),
            ("comment", "很方便"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(rated.status().as_u16(), 201);
    assert!(rated.text().await.unwrap().contains("感谢您的评价"));
    let again = resident
        .post(app.url("/track/rating"))
        .form(&[
            ("number", number.as_str()),
            ("id_number", "320902195003150012"),
            ("score", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 409);
    assert!(again.text().await.unwrap().contains("不能重复评价"));
}
