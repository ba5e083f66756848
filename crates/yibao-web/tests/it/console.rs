//! The console over plain HTTP: sign-in and its cookie, CSRF on forms, region scope on pages,
//! Chinese error pages, and the public residents' page.

use crate::helpers::*;

#[tokio::test]
async fn signing_in_sets_an_http_only_session_cookie_and_wrong_passwords_are_told_in_chinese() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let client = browser();
    let page = client
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("form") && page.contains("登录"));
    let wrong = sign_in(&app, &client, ADMIN.0, "nope-2026").await;
    assert!(!wrong.headers().contains_key("set-cookie"));
    assert!(wrong.text().await.unwrap().contains("用户名或密码错误"));
    let right = sign_in(&app, &client, ADMIN.0, ADMIN.1).await;
    assert_eq!(right.status().as_u16(), 303);
    assert_eq!(right.headers()["location"], "/network");
    let cookie = right.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("yibao_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let network = client.get(app.url("/network")).send().await.unwrap();
    assert_eq!(network.status().as_u16(), 200);
}

#[tokio::test]
async fn pages_need_a_login_and_send_you_back_afterwards() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let reply = browser()
        .get(app.url("/network?region=320903"))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status().as_u16(), 303);
    let location = reply.headers()["location"].to_str().unwrap();
    assert!(location.starts_with("/login?next="), "{location}");
}

#[tokio::test]
async fn a_form_posted_without_the_sessions_csrf_token_is_refused_and_changes_nothing() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let client = browser();
    sign_in(&app, &client, ADMIN.0, ADMIN.1).await;
    let form = client
        .get(app.url("/stations/new?region=320903105"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&form);
    let fields = |token: &str| {
        vec![
            ("_csrf", token.to_owned()),
            ("code", "SZ-CSRF".to_owned()),
            ("name", "尚庄镇服务站".to_owned()),
            ("level", "town".to_owned()),
            ("region_code", "320903105".to_owned()),
            ("host_type", "service_center".to_owned()),
            ("lon", "119.93".to_owned()),
            ("lat", "33.30".to_owned()),
        ]
    };
    let forged = client
        .post(app.url("/stations"))
        .form(&fields("forged"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 403);
    assert!(forged.text().await.unwrap().contains("CSRF"));
    assert_eq!(app.station_count().await, 0);
    let genuine = client
        .post(app.url("/stations"))
        .form(&fields(&csrf))
        .send()
        .await
        .unwrap();
    assert_eq!(
        genuine.status().as_u16(),
        303,
        "{}",
        genuine.text().await.unwrap()
    );
    assert_eq!(app.station_count().await, 1);
    // The API refuses a cookie-authenticated write without the header, too.
    let api = client
        .post(app.url("/api/stations"))
        .json(&town_station("SZ-API"))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status().as_u16(), 403);
    let with_header = client
        .post(app.url("/api/stations"))
        .header("x-csrf-token", &csrf)
        .json(&town_station("SZ-API"))
        .send()
        .await
        .unwrap();
    assert_eq!(with_header.status().as_u16(), 201);
}

#[tokio::test]
async fn a_county_user_cannot_open_another_countys_tree_and_unknown_pages_are_chinese_404s() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let client = browser();
    sign_in(&app, &client, COUNTY.0, COUNTY.1).await;
    let own = client
        .get(app.url("/network?region=320903"))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status().as_u16(), 200);
    assert!(own.text().await.unwrap().contains("盐都区"));
    let other = client
        .get(app.url("/network?region=370211"))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status().as_u16(), 403);
    assert!(other.text().await.unwrap().contains("无权"));
    let audit = client.get(app.url("/audit")).send().await.unwrap();
    assert_eq!(audit.status().as_u16(), 403);
    let missing = client.get(app.url("/no-such-page")).send().await.unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    assert!(
        missing.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(missing.text().await.unwrap().contains("页面不存在"));
    let api_missing = client.get(app.url("/api/no-such")).send().await.unwrap();
    assert_eq!(
        api_missing.headers()["content-type"],
        "application/problem+json"
    );
}

#[tokio::test]
async fn the_residents_page_works_signed_out_and_has_an_elderly_mode() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let admin = app.admin_token.clone();
    app.post_json("/api/stations", Some(&admin), &town_station("SZ-ST"))
        .await;
    app.send(
        reqwest::Method::PUT,
        "/api/stations/SZ-ST/delegations/JS-14",
        Some(&admin),
        &serde_json::json!({ "mode": "complete" }),
    )
    .await;
    let client = browser();
    let page = client
        .get(app.url("/where?item=JS-14&lon=119.931&lat=33.301"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("where-results"), "results list present");
    assert!(page.contains("尚庄镇为民服务中心医保服务站"));
    let large = client
        .get(app.url("/where?large=1"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(large.contains("class=\"large\""));
    let nothing = client
        .get(app.url("/where?item=JS-20&lon=119.931&lat=33.301"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        nothing.contains("12393"),
        "no station handles JS-20 here: the hotline is offered"
    );
}

#[tokio::test]
async fn an_administrator_edits_a_guide_and_the_history_keeps_both_versions() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let county = browser();
    sign_in(&app, &county, COUNTY.0, COUNTY.1).await;
    let refused = county
        .get(app.url("/catalog/JS-01/edit"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 403);
    assert!(refused.text().await.unwrap().contains("无权访问"));

    let client = browser();
    sign_in(&app, &client, ADMIN.0, ADMIN.1).await;
    let guide = |client: &reqwest::Client| {
        let request = client.get(app.url("/catalog/JS-01")).send();
        async move { request.await.unwrap().text().await.unwrap() }
    };
    assert!(guide(&client).await.contains("id=\"edit-guide\""));
    assert!(!guide(&county).await.contains("id=\"edit-guide\""));
    let form = client
        .get(app.url("/catalog/JS-01/edit"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&form);
    let start = form.find("<textarea").unwrap();
    let start = start + form[start..].find('>').unwrap() + 1;
    let end = start + form[start..].find("</textarea>").unwrap();
    let text = form[start..end]
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    assert!(
        text.contains("[[materials]]") && !text.contains("[[items]]"),
        "{text}"
    );
    let edited = text.replace(
        "time_limit_note = \"即时办结\"",
        "time_limit_note = \"材料齐全的当场办结\"",
    );
    assert_ne!(edited, text);
    let post = |item: String| {
        let request = client
            .post(app.url("/catalog/JS-01/edit"))
            .form(&[
                ("_csrf", csrf.clone()),
                ("item", item),
                ("version", "1".to_owned()),
                ("note", "补充时限说明".to_owned()),
            ])
            .send();
        async move { request.await.unwrap() }
    };
    let saved = post(edited.clone()).await;
    assert_eq!(saved.status().as_u16(), 303);
    let location = saved.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/catalog/JS-01?ok="), "{location}");
    let page = client
        .get(app.url(&location))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("已保存第 2 版"), "{page}");
    assert!(page.contains("材料齐全的当场办结"));
    let history = &page[page.find("id=\"history\"").unwrap()..];
    assert!(history.contains("当前第 2 版") && history.contains("补充时限说明"));
    assert_eq!(
        history.matches("<td class=\"num\">").count(),
        2,
        "{history}"
    );

    // The same form again: version 1 is stale now, and nothing changes.
    let audits = app.audit_count().await;
    let stale = post(edited.replace("材料齐全的当场办结", "再改一次")).await;
    assert_eq!(stale.status().as_u16(), 409);
    assert!(
        stale
            .text()
            .await
            .unwrap()
            .contains("记录已被他人修改，请刷新后重试")
    );
    let broken = post(edited.replace("time_limit = \"instant\"", "time_limit = instant")).await;
    let broken = broken.text().await.unwrap();
    assert!(broken.contains("事项内容格式错误"), "{broken}");
    assert!(
        broken.contains("time_limit = instant"),
        "the user's text is kept"
    );
    assert_eq!(app.audit_count().await, audits);
    let after = guide(&client).await;
    assert!(after.contains("当前第 2 版") && !after.contains("再改一次"));
    let history = &after[after.find("id=\"history\"").unwrap()..];
    assert_eq!(history.matches("<td class=\"num\">").count(), 2);
}
