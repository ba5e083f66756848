//! Coverage, site planning and village population import over HTTP, on a hand-made layout in
//! 尚庄镇 (320903105) whose straight-line estimates are easy to check by hand.
//!
//! Walking 15 minutes at 5 km/h with detour 1.3 reaches 1,250 / 1.3 = 961.5 m of straight
//! line; 0.001° of latitude is about 111.2 m. All villages lie on the meridian 119.93 except
//! 联胜 (D), 0.1° east (about 9.3 km):
//!
//! | village | lat | population | nearest handling station |
//! | --- | --- | --- | --- |
//! | 201 庆福 | 33.300 | 1,000 | SZ-ST on the spot (0 m) |
//! | 202 姚伙 | 33.305 | 2,000 | SZ-ST, 556 m (8.7 min) |
//! | 203 荣昌 B | 33.320 | 3,000 | SZ-ST, 2,224 m: uncovered |
//! | 204 古殿 E | 33.327 | 800 | uncovered |
//! | 205 界河 C | 33.334 | 500 | uncovered |
//! | 206 联胜 D | 33.300, lon 120.03 | 400 | SZ-D (accept and forward) on the spot |
//!
//! B–E and E–C are 778 m apart, B–C 1,557 m: a site at E covers B, E and C (4,300), the best
//! single site.

use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

macro_rules! on_both_backends {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    let app = crate::helpers::spawn_app(crate::helpers::Backend::Sqlite).await.expect("sqlite always runs");
                    super::$scenario(&app).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    let Some(app) = crate::helpers::spawn_app(crate::helpers::Backend::Postgres).await else { return };
                    super::$scenario(&app).await;
                }
            )*
        }
    };
}

on_both_backends!(
    coverage_counts_exactly_the_villages_within_reach,
    the_obvious_site_is_planned,
    a_population_csv_with_a_bad_row_imports_nothing_and_names_the_line,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coverage_outside_the_scope_is_403_and_bad_input_is_a_problem() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    setup(&app).await;
    let county = app.login(COUNTY.0, COUNTY.1).await;
    let clerk = app.login(VILLAGE.0, VILLAGE.1).await;
    // Inside the county user's scope: fine.
    let own = app
        .get("/api/coverage?region=320903105&item=JS-14", Some(&county))
        .await;
    assert_eq!(own.status, 200, "{}", own.text);
    // Another county, and the county above a town clerk: forbidden.
    for (path, token) in [
        ("/api/coverage?region=320904&item=JS-14", &county),
        ("/api/coverage?region=320903&item=JS-14", &clerk),
    ] {
        let reply = app.get(path, Some(token)).await;
        assert_eq!(reply.status, 403, "{path}: {}", reply.text);
        assert_eq!(reply.body["code"], "forbidden");
        assert_eq!(reply.content_type, "application/problem+json");
    }
    let plan = app
        .post_json(
            "/api/plans",
            Some(&county),
            &json!({"region": "320904", "item": "JS-14", "sites": 1}),
        )
        .await;
    assert_eq!(plan.status, 403, "{}", plan.text);
    // Without a session.
    let anonymous = app
        .get("/api/coverage?region=320903105&item=JS-14", None)
        .await;
    assert_eq!(anonymous.status, 401);

    let admin = &app.admin_token;
    for (path, status, field) in [
        ("/api/coverage?region=320903105&item=NO-SUCH", 404, None),
        (
            "/api/coverage?region=320903105&item=JS-14&mode=boat",
            422,
            Some("mode"),
        ),
        (
            "/api/coverage?region=320903105&item=JS-14&minutes=abc",
            422,
            Some("minutes"),
        ),
        (
            "/api/coverage?region=320903105&item=JS-14&minutes=0",
            422,
            Some("minutes"),
        ),
        (
            "/api/coverage?region=320903105&item=JS-14&minutes=500",
            422,
            Some("minutes"),
        ),
        ("/api/coverage?region=32&item=JS-14", 422, Some("region")),
        (
            "/api/coverage?region=320903105201&item=JS-14",
            422,
            Some("region"),
        ),
        ("/api/coverage?region=abc&item=JS-14", 422, Some("region")),
        ("/api/coverage?region=320999&item=JS-14", 404, None),
    ] {
        let reply = app.get(path, Some(admin)).await;
        assert_eq!(reply.status, status, "{path}: {}", reply.text);
        assert_eq!(reply.content_type, "application/problem+json", "{path}");
        assert!(
            reply.body["message"]
                .as_str()
                .is_some_and(|m| !m.is_ascii()),
            "Chinese message for {path}: {}",
            reply.text
        );
        if let Some(field) = field {
            assert_eq!(reply.body["errors"][0]["field"], field, "{path}");
        }
    }
    let bad_sites = app
        .post_json(
            "/api/plans",
            Some(admin),
            &json!({"region": "320903105", "item": "JS-14", "sites": 0}),
        )
        .await;
    assert_eq!(bad_sites.status, 422, "{}", bad_sites.text);
    assert_eq!(bad_sites.body["errors"][0]["field"], "sites");
}

async fn a_population_csv_with_a_bad_row_imports_nothing_and_names_the_line(app: &TestApp) {
    let admin = &app.admin_token;
    let audit_before = app.audit_count().await;
    let csv = "region_code,population,lon,lat\n\
               320903105201,1000,119.93,33.30\n\
               320903105999,50,119.93,33.30\n\
               320903105202,many,119.93,33.30\n\
               320903105,10,119.93,33.30\n"
        .to_owned();
    let reply = app
        .post_raw("/api/regions/population", Some(admin), "text/csv", csv)
        .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    let lines: Vec<u64> = reply.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [3, 4, 5], "{}", reply.text);
    assert_eq!(app.audit_count().await, audit_before);
    let village = app.get("/api/regions/320903105201", Some(admin)).await;
    assert_eq!(village.body["population"], serde_json::Value::Null);

    // A village clerk may not import.
    let clerk = app.login(VILLAGE.0, VILLAGE.1).await;
    let refused = app
        .post_raw(
            "/api/regions/population",
            Some(&clerk),
            "text/csv",
            "region_code,population\n320903105201,10\n".to_owned(),
        )
        .await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    let audit_before = app.audit_count().await;

    // Population only (no point) is accepted too; the row is audited and not generated.
    let good = app
        .post_raw(
            "/api/regions/population",
            Some(admin),
            "text/csv",
            "region_code,population\n320903105201,1234\n".to_owned(),
        )
        .await;
    assert_eq!(good.status, 201, "{}", good.text);
    assert_eq!(good.body["imported"], 1);
    assert_eq!(app.audit_count().await, audit_before + 1);
    let village = app.get("/api/regions/320903105201", Some(admin)).await;
    assert_eq!(village.body["population"], 1234);
    assert_eq!(village.body["generated"], false);
    assert_eq!(village.body["lon"], serde_json::Value::Null);
}

/// The layout in the module doc: populations and points imported, SZ-ST completing JS-14 and
/// SZ-D accepting and forwarding it.
async fn setup(app: &TestApp) {
    let admin = &app.admin_token;
    let csv = "region_code,population,lon,lat\n\
               320903105201,1000,119.93,33.300\n\
               320903105202,2000,119.93,33.305\n\
               320903105203,3000,119.93,33.320\n\
               320903105204,800,119.93,33.327\n\
               320903105205,500,119.93,33.334\n\
               320903105206,400,120.03,33.300\n"
        .to_owned();
    let reply = app
        .post_raw("/api/regions/population", Some(admin), "text/csv", csv)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.body["imported"], 6);
    let station = app
        .post_json("/api/stations", Some(admin), &town_station("SZ-ST"))
        .await;
    assert_eq!(station.status, 201, "{}", station.text);
    let point = app
        .post_json(
            "/api/stations",
            Some(admin),
            &village_point("SZ-D", "320903105206", "SZ-ST", 120.03, 33.30),
        )
        .await;
    assert_eq!(point.status, 201, "{}", point.text);
    for (station, mode) in [("SZ-ST", "complete"), ("SZ-D", "accept_forward")] {
        let reply = app
            .send(
                Method::PUT,
                &format!("/api/stations/{station}/delegations/JS-14"),
                Some(admin),
                &json!({ "mode": mode }),
            )
            .await;
        assert_eq!(reply.status, 204, "{}", reply.text);
    }
}

async fn coverage_counts_exactly_the_villages_within_reach(app: &TestApp) {
    setup(app).await;
    let admin = &app.admin_token;
    let reply = app
        .get(
            "/api/coverage?region=320903105&item=JS-14&mode=walk&minutes=15",
            Some(admin),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let body = &reply.body;
    assert_eq!(body["method"], "straight_line_estimate");
    assert_eq!(
        body["method_label"],
        "直线距离估算（未导入路网，绕行系数 1.3）"
    );
    assert_eq!(body["stations"], 2);
    assert_eq!(body["total_population"], 7700);
    assert_eq!(body["covered_population"], 1000 + 2000 + 400);
    assert_eq!(body["towns"].as_array().unwrap().len(), 1);
    assert_eq!(body["towns"][0]["code"], "320903105");
    assert_eq!(body["towns"][0]["name"], "尚庄镇");
    assert_eq!(body["towns"][0]["population"], 7700);
    assert_eq!(body["towns"][0]["covered"], 3400);
    let uncovered: Vec<(&str, i64)> = body["uncovered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["code"].as_str().unwrap(),
                v["population"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        uncovered,
        [
            ("320903105203", 3000),
            ("320903105204", 800),
            ("320903105205", 500)
        ]
    );
    let points = body["points"].as_array().unwrap();
    assert_eq!(points.len(), 6);
    assert_eq!(points[0]["minutes"], 0.0);
    assert_eq!(points[0]["station"], "SZ-ST");
    // 0.005° of latitude ≈ 556 m × 1.3 at 83.3 m/min ≈ 8.7 min.
    let minutes = points[1]["minutes"].as_f64().unwrap();
    assert!((8.5..=8.9).contains(&minutes), "{minutes}");
    assert_eq!(points[5]["station"], "SZ-D");

    // Only stations that complete on site: 联胜 (D) loses its accept-and-forward point.
    let complete = app
        .get(
            "/api/coverage?region=320903105&item=JS-14&complete_only=true",
            Some(admin),
        )
        .await;
    assert_eq!(complete.status, 200, "{}", complete.text);
    assert_eq!(complete.body["covered_population"], 3000);
    // By car (30 km/h) 荣昌 (2,224 m → 5.8 min), 古殿 and 界河 (3,781 m → 9.8 min) are in
    // reach too.
    let car = app
        .get(
            "/api/coverage?region=320903105&item=JS-14&mode=car",
            Some(admin),
        )
        .await;
    assert_eq!(car.body["covered_population"], 7700);
    // The county view counts the same villages under the same town.
    let county = app
        .get("/api/coverage?region=320903&item=JS-14", Some(admin))
        .await;
    assert_eq!(county.status, 200, "{}", county.text);
    assert_eq!(county.body["total_population"], 7700);
    assert_eq!(county.body["covered_population"], 3400);
}

async fn the_obvious_site_is_planned(app: &TestApp) {
    setup(app).await;
    let admin = &app.admin_token;
    let reply = app
        .post_json(
            "/api/plans",
            Some(admin),
            &json!({"region": "320903105", "item": "JS-14", "mode": "walk", "minutes": 15, "sites": 1}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let body = &reply.body;
    assert_eq!(body["method"], "straight_line_estimate");
    assert_eq!(body["sites"].as_array().unwrap().len(), 1);
    assert_eq!(body["sites"][0]["code"], "320903105204");
    assert_eq!(body["sites"][0]["name"], "古殿村委会");
    assert_eq!(body["sites"][0]["newly_covered"], 4300);
    assert_eq!(body["objective"], 4300);
    assert_eq!(body["upper_bound"], 4300);
    assert_eq!(body["proven_optimal"], true);
    assert_eq!(body["covered_before"], 3400);
    // 联胜 already has a station: five candidates.
    assert_eq!(body["candidates"], 5);
    // Two sites add nothing beyond 古殿: everything uncovered is already reached.
    let two = app
        .post_json(
            "/api/plans",
            Some(admin),
            &json!({"region": "320903105", "item": "JS-14", "sites": 2}),
        )
        .await;
    assert_eq!(two.status, 200, "{}", two.text);
    assert_eq!(two.body["objective"], 4300);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_network_page_shows_coverage_and_stars_the_proposed_site() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    setup(&app).await;
    let client = browser();
    let login = sign_in(&app, &client, ADMIN.0, ADMIN.1).await;
    assert!(login.status().is_redirection(), "{}", login.status());
    // Without an item the panel shows only its form.
    let plain = client
        .get(app.url("/network?region=320903105"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(plain.contains("15 分钟覆盖") && plain.contains("id=\"coverage-form\""));
    assert!(!plain.contains("id=\"coverage-map\""));
    let page = client
        .get(app.url("/network?region=320903105&item=JS-14&mode=walk&minutes=15&sites=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("直线距离估算（未导入路网，绕行系数 1.3）"),
        "{html}"
    );
    assert!(
        html.contains("覆盖人口 <strong>3,400</strong> / 7,700（<strong>44.2%</strong>）"),
        "{html}"
    );
    assert!(html.contains("id=\"coverage-map\""));
    assert_eq!(html.matches("class=\"village covered\"").count(), 3);
    assert_eq!(html.matches("class=\"village uncovered\"").count(), 3);
    assert_eq!(html.matches("class=\"handling-station\"").count(), 2);
    assert_eq!(html.matches("class=\"proposed-site\"").count(), 1);
    assert!(html.contains("<li data-code=\"320903105204\">★ 古殿村委会 <span class=\"muted\">新覆盖 4,300 人</span></li>"), "{html}");
    // A bad minute count is told in the panel, not as a broken page.
    let bad = client
        .get(app.url("/network?region=320903105&item=JS-14&minutes=999"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 200);
    assert!(bad.text().await.unwrap().contains("id=\"coverage-error\""));
}
