//! The contract suite: every scenario runs against SQLite and against PostgreSQL through the
//! real HTTP server.

use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

on_both_backends!(
    health_names_the_backend_and_openapi_lists_the_paths,
    a_wrong_password_is_refused_and_repeated_failures_are_rate_limited,
    requests_without_a_token_get_a_problem_401,
    a_signed_out_token_is_refused_at_once,
    a_station_is_created_read_and_listed,
    bad_station_input_gets_a_problem_and_changes_nothing,
    a_stale_update_is_refused_with_409,
    a_csv_with_one_bad_row_imports_nothing_and_names_the_line,
    a_good_csv_imports_every_row_and_exports_the_same,
    a_village_point_cannot_complete_a_town_level_item_without_an_audited_override,
    bulk_delegation_applies_to_every_station_of_a_level,
    where_can_i_handle_orders_stations_by_distance,
    a_county_user_sees_only_their_county,
    a_station_with_children_cannot_be_closed,
    the_catalog_is_editable_with_history_and_exports_both_formats,
    the_audit_log_cannot_be_rewritten,
    regions_are_listed_with_paging_and_unknown_codes_are_404,
);

async fn health_names_the_backend_and_openapi_lists_the_paths(app: &TestApp) {
    let health = app.get("/api/health", None).await;
    assert_eq!(health.status, 200);
    assert_eq!(health.body["status"], "ok");
    let expected = match app.store.backend() {
        yibao_store::Backend::Sqlite => "sqlite",
        yibao_store::Backend::Postgres => "postgres",
    };
    assert_eq!(health.body["database"], expected);
    let openapi = app.get("/api/openapi.json", None).await;
    assert_eq!(openapi.status, 200);
    for path in [
        "/api/stations",
        "/api/stations/{code}/delegations/{item}",
        "/api/where",
        "/api/session",
        "/api/regions",
        "/api/coverage",
        "/api/plans",
        "/api/regions/population",
    ] {
        assert!(
            openapi.body["paths"].get(path).is_some(),
            "OpenAPI lacks {path}"
        );
    }
    let missing = app.get("/api/nope", None).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.content_type, "application/problem+json");
    assert_eq!(missing.body["code"], "not_found");
}

async fn a_wrong_password_is_refused_and_repeated_failures_are_rate_limited(app: &TestApp) {
    for attempt in 0..5 {
        let reply = app
            .post_json(
                "/api/session",
                None,
                &json!({ "username": COUNTY.0, "password": "wrong-1234" }),
            )
            .await;
        assert_eq!(reply.status, 401, "attempt {attempt}");
        assert_eq!(reply.body["code"], "invalid_credentials");
        assert_eq!(reply.body["message"], "用户名或密码错误");
    }
    // Even the right password is refused while the account is locked out…
    let locked = app
        .post_json(
            "/api/session",
            None,
            &json!({ "username": COUNTY.0, "password": COUNTY.1 }),
        )
        .await;
    assert_eq!(locked.status, 429);
    assert_eq!(locked.body["code"], "too_many_attempts");
    // …but a colleague at the same office address can still sign in.
    app.login(VILLAGE.0, VILLAGE.1).await;
    // Spraying many accounts from one address locks the address (50 failures by default).
    for attempt in 5..50 {
        let reply = app
            .post_json(
                "/api/session",
                None,
                &json!({ "username": format!("user{attempt}"), "password": "x" }),
            )
            .await;
        assert_eq!(reply.status, 401, "attempt {attempt}");
    }
    let sprayed = app
        .post_json(
            "/api/session",
            None,
            &json!({ "username": VILLAGE.0, "password": VILLAGE.1 }),
        )
        .await;
    assert_eq!(sprayed.status, 429, "the address is locked out");
    let failures = app
        .get(
            "/api/audit?entity=user&entity_id=yandu",
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(
        failures.body["items"][0]["action"], "session.login_failed",
        "failed logins are audited"
    );
}

async fn requests_without_a_token_get_a_problem_401(app: &TestApp) {
    let reply = app.get("/api/stations", None).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.content_type, "application/problem+json");
    assert_eq!(reply.body["code"], "unauthenticated");
    let bogus = app.get("/api/stations", Some("not-a-token")).await;
    assert_eq!(bogus.status, 401);
    let me = app.get("/api/session", Some(&app.admin_token)).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["role"], "bureau_admin");
}

/// Sessions are kept in memory for a few seconds; signing out must end one at once all the
/// same.
async fn a_signed_out_token_is_refused_at_once(app: &TestApp) {
    let token = app.login(VILLAGE.0, VILLAGE.1).await;
    for _ in 0..2 {
        let me = app.get("/api/session", Some(&token)).await;
        assert_eq!(me.status, 200, "{}", me.text);
        assert_eq!(me.body["username"], VILLAGE.0);
    }
    let signed_out = app
        .client
        .delete(app.url("/api/session"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status().as_u16(), 204);
    let after = app.get("/api/session", Some(&token)).await;
    assert_eq!(after.status, 401, "{}", after.text);
    assert_eq!(after.body["code"], "unauthenticated");
    // Another session of the same account is untouched.
    let other = app.login(VILLAGE.0, VILLAGE.1).await;
    assert_eq!(app.get("/api/session", Some(&other)).await.status, 200);
}

async fn a_station_is_created_read_and_listed(app: &TestApp) {
    let token = &app.admin_token;
    let created = app
        .post_json("/api/stations", Some(token), &town_station("SZ-TOWN"))
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["level_label"], "镇街服务站");
    assert_eq!(created.body["weekend_service"], true);
    assert_eq!(
        created.body["opening_hours_text"],
        "周一至周五 08:30-17:30；周六 09:00-12:00"
    );
    let read = app.get("/api/stations/SZ-TOWN", Some(token)).await;
    assert_eq!(read.body["version"], 1);
    let list = app
        .get("/api/stations?region=320903&per_page=10", Some(token))
        .await;
    assert_eq!(list.body["total"], 1);
    assert_eq!(list.body["items"][0]["code"], "SZ-TOWN");
    let elsewhere = app.get("/api/stations?region=370211", Some(token)).await;
    assert_eq!(elsewhere.body["total"], 0);
    let audit = app
        .get("/api/audit?entity=station&entity_id=SZ-TOWN", Some(token))
        .await;
    assert_eq!(audit.body["items"][0]["action"], "station.create");
    assert_eq!(audit.body["items"][0]["actor"], "admin");
}

async fn bad_station_input_gets_a_problem_and_changes_nothing(app: &TestApp) {
    let token = &app.admin_token;
    assert_eq!(
        app.post_json("/api/stations", Some(token), &town_station("SZ-TOWN"))
            .await
            .status,
        201
    );
    let stations = app.station_count().await;
    let audits = app.audit_count().await;

    let malformed = app
        .post_raw(
            "/api/stations",
            Some(token),
            "application/json",
            "{\"code\": ".into(),
        )
        .await;
    assert_eq!(malformed.status, 400);
    assert_eq!(malformed.content_type, "application/problem+json");
    assert_eq!(malformed.body["code"], "malformed_json");

    let duplicate = app
        .post_json("/api/stations", Some(token), &town_station("SZ-TOWN"))
        .await;
    assert_eq!(duplicate.status, 409);
    assert_eq!(duplicate.body["code"], "duplicate");

    let mut unknown_region = town_station("SZ-X");
    unknown_region["region_code"] = json!("320903199");
    let reply = app
        .post_json("/api/stations", Some(token), &unknown_region)
        .await;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.body["errors"][0]["field"], "region_code");
    assert_eq!(
        reply.body["message"],
        "行政区划“320903199”不存在，请先导入区划"
    );

    let mut out_of_range = town_station("SZ-Y");
    out_of_range["lat"] = json!(95.0);
    let reply = app
        .post_json("/api/stations", Some(token), &out_of_range)
        .await;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.body["errors"][0]["field"], "location");
    assert_eq!(
        reply.body["errors"][0]["message"],
        "坐标无效：纬度 95 超出 -90～90 的范围"
    );

    let mut wrong_level = town_station("SZ-Z");
    wrong_level["region_code"] = json!("320903");
    let reply = app
        .post_json("/api/stations", Some(token), &wrong_level)
        .await;
    assert_eq!(reply.status, 422);
    assert!(
        reply.body["message"]
            .as_str()
            .unwrap()
            .contains("镇街服务站应设在乡镇（街道）一级")
    );

    let unknown_field = app
        .post_json(
            "/api/stations",
            Some(token),
            &json!({ "code": "A1", "colour": "red" }),
        )
        .await;
    assert_eq!(unknown_field.status, 422);

    assert_eq!(
        app.station_count().await,
        stations,
        "refused requests created nothing"
    );
    assert_eq!(
        app.audit_count().await,
        audits,
        "refused requests wrote no audit rows"
    );
}

async fn a_stale_update_is_refused_with_409(app: &TestApp) {
    let token = &app.admin_token;
    app.post_json("/api/stations", Some(token), &town_station("SZ-TOWN"))
        .await;
    let mut body = town_station("SZ-TOWN");
    body["name"] = json!("尚庄镇医保服务站（改）");
    body["version"] = json!(1);
    let first = app
        .send(Method::PUT, "/api/stations/SZ-TOWN", Some(token), &body)
        .await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.body["version"], 2);
    body["name"] = json!("另一位经办人的修改");
    let second = app
        .send(Method::PUT, "/api/stations/SZ-TOWN", Some(token), &body)
        .await;
    assert_eq!(second.status, 409);
    assert_eq!(second.body["code"], "stale_version");
    let read = app.get("/api/stations/SZ-TOWN", Some(token)).await;
    assert_eq!(read.body["name"], "尚庄镇医保服务站（改）");
}

const CSV_HEADER: &str =
    "code,name,level,region_code,host_type,parent_code,lon,lat,address,windows,phone,opening_hours";

async fn a_csv_with_one_bad_row_imports_nothing_and_names_the_line(app: &TestApp) {
    let csv = format!(
        "{CSV_HEADER}\n\
         SZ-ST,尚庄镇服务站,town,320903105,service_center,,119.93,33.30,为民服务中心,2,0515-1234567,1-5 08:30-17:30\n\
         SZ-P1,五星村服务点,village,320903105201,community_center,SZ-ST,119.94,33.31,,1,,\n\
         SZ-P2,坏坐标服务点,village,320903105202,community_center,SZ-ST,119.94,333.31,,1,,\n\
         SZ-P3,无上级服务点,village,320903105203,community_center,NOPE,119.95,33.32,,1,,\n"
    );
    let crlf = app
        .post_raw(
            "/api/stations/import",
            Some(&app.admin_token),
            "text/csv",
            format!("\u{feff}{}", csv.replace('\n', "\r\n")),
        )
        .await;
    let reply = app
        .post_raw(
            "/api/stations/import",
            Some(&app.admin_token),
            "text/csv",
            csv,
        )
        .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    let lines: Vec<u64> = reply.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [4, 5]);
    assert_eq!(
        crlf.body["errors"], reply.body["errors"],
        "a spreadsheet's BOM and CRLF change no line number"
    );
    assert_eq!(
        reply.body["errors"][1]["message"],
        "上级站点“NOPE”既不在系统中也不在本文件中"
    );
    assert!(
        reply.body["message"]
            .as_str()
            .unwrap()
            .contains("未导入任何站点")
    );
    assert_eq!(app.station_count().await, 0);
}

async fn a_good_csv_imports_every_row_and_exports_the_same(app: &TestApp) {
    // The village row comes before its parent: the importer orders parents first.
    let csv = format!(
        "{CSV_HEADER}\n\
         SZ-P1,五星村服务点,village,320903105201,community_center,SZ-ST,119.940000,33.310000,,1,,1-5 09:00-11:30\n\
         SZ-ST,尚庄镇服务站,town,320903105,service_center,,119.930000,33.300000,为民服务中心,2,0515-1234567,1-5 08:30-17:30; 6 09:00-12:00\n"
    );
    let reply = app
        .post_raw(
            "/api/stations/import",
            Some(&app.admin_token),
            "text/csv",
            csv.clone(),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.body["imported"], 2);
    let export = app
        .get("/api/stations.csv?region=320903105", Some(&app.admin_token))
        .await;
    assert_eq!(export.status, 200);
    let mut exported: Vec<&str> = export.text.trim_start_matches('\u{feff}').lines().collect();
    let mut original: Vec<&str> = csv.lines().collect();
    original[1..].sort();
    exported[1..].sort();
    assert_eq!(exported, original);
    let again = app
        .post_raw(
            "/api/stations/import",
            Some(&app.admin_token),
            "text/csv",
            csv,
        )
        .await;
    assert_eq!(again.status, 422, "re-importing the same codes is refused");
    assert_eq!(app.station_count().await, 2);
}

async fn a_village_point_cannot_complete_a_town_level_item_without_an_audited_override(
    app: &TestApp,
) {
    let admin = &app.admin_token;
    app.post_json("/api/stations", Some(admin), &town_station("SZ-ST"))
        .await;
    let point = village_point("SZ-P1", "320903105201", "SZ-ST", 119.94, 33.31);
    assert_eq!(
        app.post_json("/api/stations", Some(admin), &point)
            .await
            .status,
        201
    );
    // 异地长期居住人员备案 (JS-14) is allowed down to town level only.
    let refused = app
        .send(
            Method::PUT,
            "/api/stations/SZ-P1/delegations/JS-14",
            Some(admin),
            &json!({ "mode": "complete" }),
        )
        .await;
    assert_eq!(refused.status, 422);
    assert_eq!(refused.body["code"], "level_override_required");
    let county = app.login(COUNTY.0, COUNTY.1).await;
    let not_admin = app
        .send(
            Method::PUT,
            "/api/stations/SZ-P1/delegations/JS-14",
            Some(&county),
            &json!({ "mode": "complete", "override_reason": "试点" }),
        )
        .await;
    assert_eq!(not_admin.status, 403);
    let forward = app
        .send(
            Method::PUT,
            "/api/stations/SZ-P1/delegations/JS-14",
            Some(&county),
            &json!({ "mode": "accept_forward" }),
        )
        .await;
    assert_eq!(forward.status, 204, "{}", forward.text);
    let overridden = app
        .send(
            Method::PUT,
            "/api/stations/SZ-P1/delegations/JS-14",
            Some(admin),
            &json!({ "mode": "complete", "override_reason": "区医保局批准试点" }),
        )
        .await;
    assert_eq!(overridden.status, 204, "{}", overridden.text);
    let row = app
        .get("/api/stations/SZ-P1/delegations", Some(admin))
        .await;
    let js14 = row
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["item_code"] == "JS-14")
        .unwrap()
        .clone();
    assert_eq!(js14["mode"], "complete");
    assert_eq!(js14["level_allows_complete"], false);
    assert_eq!(js14["override_reason"], "区医保局批准试点");
    let audit = app
        .get("/api/audit?entity=station&entity_id=SZ-P1", Some(admin))
        .await;
    assert_eq!(audit.body["items"][0]["action"], "delegation.override");
    assert_eq!(
        audit.body["items"][0]["detail"]["override_reason"],
        "区医保局批准试点"
    );
    let bad_mode = app
        .send(
            Method::PUT,
            "/api/stations/SZ-P1/delegations/JS-14",
            Some(admin),
            &json!({ "mode": "maybe" }),
        )
        .await;
    assert_eq!(bad_mode.status, 422);
    let unknown_item = app
        .send(
            Method::PUT,
            "/api/stations/SZ-P1/delegations/JS-99",
            Some(admin),
            &json!({ "mode": "none" }),
        )
        .await;
    assert_eq!(unknown_item.status, 404);
}

async fn bulk_delegation_applies_to_every_station_of_a_level(app: &TestApp) {
    let admin = &app.admin_token;
    app.post_json("/api/stations", Some(admin), &town_station("SZ-ST"))
        .await;
    for (index, village) in ["320903105201", "320903105202", "320903105203"]
        .iter()
        .enumerate()
    {
        let body = village_point(&format!("SZ-P{index}"), village, "SZ-ST", 119.94, 33.31);
        assert_eq!(
            app.post_json("/api/stations", Some(admin), &body)
                .await
                .status,
            201
        );
    }
    let items: Vec<String> = ["JS-03", "JS-09", "JS-13", "JS-14"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let reply = app
        .post_json("/api/delegations/bulk", Some(admin), &json!({ "region_code": "320903105", "level": "village", "items": items, "mode": "accept_forward" }))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["cells"], 12);
    let refused = app
        .post_json("/api/delegations/bulk", Some(admin), &json!({ "region_code": "320903105", "level": "village", "items": ["JS-03", "JS-14"], "mode": "complete" }))
        .await;
    assert_eq!(refused.status, 422);
    assert_eq!(
        refused.body["errors"].as_array().unwrap().len(),
        1,
        "only JS-14 needs an override"
    );
    let row = app
        .get("/api/stations/SZ-P1/delegations", Some(admin))
        .await;
    let js03 = row
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["item_code"] == "JS-03")
        .unwrap()
        .clone();
    assert_eq!(
        js03["mode"], "accept_forward",
        "a refused bulk request changed nothing"
    );
}

async fn where_can_i_handle_orders_stations_by_distance(app: &TestApp) {
    let admin = &app.admin_token;
    app.post_json("/api/stations", Some(admin), &town_station("SZ-ST"))
        .await;
    app.post_json(
        "/api/stations",
        Some(admin),
        &village_point("SZ-NEAR", "320903105201", "SZ-ST", 119.9410, 33.3110),
    )
    .await;
    app.post_json(
        "/api/stations",
        Some(admin),
        &village_point("SZ-FAR", "320903105202", "SZ-ST", 119.9900, 33.3500),
    )
    .await;
    app.post_json(
        "/api/stations",
        Some(admin),
        &village_point("SZ-NONE", "320903105203", "SZ-ST", 119.9400, 33.3100),
    )
    .await;
    for (station, mode) in [
        ("SZ-ST", "complete"),
        ("SZ-NEAR", "accept_forward"),
        ("SZ-FAR", "accept_forward"),
    ] {
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
    let reply = app
        .get("/api/where?item=JS-14&lon=119.94&lat=33.31", None)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let codes: Vec<&str> = reply.body["stations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["station"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        ["SZ-NEAR", "SZ-ST", "SZ-FAR"],
        "SZ-NONE does not handle the item"
    );
    let distances: Vec<f64> = reply.body["stations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["distance_m"].as_f64().unwrap())
        .collect();
    assert!(distances.windows(2).all(|pair| pair[0] <= pair[1]));
    assert_eq!(reply.body["stations"][0]["mode_label"], "受理转办");
    let complete_only = app
        .get(
            "/api/where?item=JS-14&lon=119.94&lat=33.31&complete_only=true",
            None,
        )
        .await;
    assert_eq!(complete_only.body["stations"].as_array().unwrap().len(), 1);
    let bad_point = app
        .get("/api/where?item=JS-14&lon=190&lat=33.31", None)
        .await;
    assert_eq!(bad_point.status, 422);
    let malformed = app
        .get("/api/where?item=JS-14&lon=east&lat=33.31", None)
        .await;
    assert_eq!(malformed.status, 400);
    assert_eq!(malformed.body["code"], "malformed_query");
}

async fn a_county_user_sees_only_their_county(app: &TestApp) {
    let admin = &app.admin_token;
    app.post_json("/api/stations", Some(admin), &town_station("SZ-ST"))
        .await;
    let huangdao = json!({ "code": "HD-ST", "name": "黄岛街道医保工作站", "level": "town", "region_code": "370211001", "host_type": "service_center", "lon": 120.2, "lat": 35.96 });
    assert_eq!(
        app.post_json("/api/stations", Some(admin), &huangdao)
            .await
            .status,
        201
    );
    let county = app.login(COUNTY.0, COUNTY.1).await;
    let all = app.get("/api/stations", Some(&county)).await;
    assert_eq!(all.body["total"], 1);
    assert_eq!(all.body["items"][0]["code"], "SZ-ST");
    assert_eq!(
        app.get("/api/stations?region=370211", Some(&county))
            .await
            .status,
        403
    );
    assert_eq!(
        app.get("/api/stations/HD-ST", Some(&county)).await.status,
        403
    );
    let mut outside = huangdao.clone();
    outside["code"] = json!("HD-2");
    assert_eq!(
        app.post_json("/api/stations", Some(&county), &outside)
            .await
            .status,
        403
    );
    let regions = app.get("/api/regions?level=county", Some(&county)).await;
    assert_eq!(regions.body["total"], 1);
    let village = app.login(VILLAGE.0, VILLAGE.1).await;
    assert_eq!(
        app.post_json("/api/stations", Some(&village), &town_station("SZ-2"))
            .await
            .status,
        403,
        "village clerks do not manage the network"
    );
    assert_eq!(app.get("/api/audit", Some(&county)).await.status, 403);
}

async fn a_station_with_children_cannot_be_closed(app: &TestApp) {
    let admin = &app.admin_token;
    app.post_json("/api/stations", Some(admin), &town_station("SZ-ST"))
        .await;
    app.post_json(
        "/api/stations",
        Some(admin),
        &village_point("SZ-P1", "320903105201", "SZ-ST", 119.94, 33.31),
    )
    .await;
    app.send(
        Method::PUT,
        "/api/stations/SZ-P1/delegations/JS-03",
        Some(admin),
        &json!({ "mode": "complete" }),
    )
    .await;
    let refused = app
        .post_json(
            "/api/stations/SZ-ST/close",
            Some(admin),
            &json!({ "reason": "合并", "version": 1 }),
        )
        .await;
    assert_eq!(refused.status, 409);
    assert_eq!(refused.body["code"], "station_has_children");
    let no_reason = app
        .post_json(
            "/api/stations/SZ-P1/close",
            Some(admin),
            &json!({ "reason": " ", "version": 1 }),
        )
        .await;
    assert_eq!(no_reason.status, 422);
    let closed = app
        .post_json(
            "/api/stations/SZ-P1/close",
            Some(admin),
            &json!({ "reason": "村委会搬迁", "version": 1 }),
        )
        .await;
    assert_eq!(closed.status, 200, "{}", closed.text);
    assert_eq!(closed.body["status"], "closed");
    let row = app
        .get("/api/stations/SZ-P1/delegations", Some(admin))
        .await;
    assert!(
        row.body
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["mode"] == "none"),
        "a closed station handles nothing"
    );
    let open = app.get("/api/stations?status=open", Some(admin)).await;
    assert_eq!(open.body["total"], 1);
}

async fn the_catalog_is_editable_with_history_and_exports_both_formats(app: &TestApp) {
    let admin = &app.admin_token;
    let items = app.get("/api/items", None).await;
    assert_eq!(items.body.as_array().unwrap().len(), 30);
    let item = app.get("/api/items/JS-14", None).await;
    assert_eq!(item.body["name"], "异地长期居住人员备案");
    assert_eq!(item.body["lowest_level"], "town");
    let mut body: serde_json::Value =
        serde_json::to_value(yibao_domain::Catalog::jiangsu_2022().items[13].clone()).unwrap();
    body["time_limit_note"] = json!("即时办结（线上备案实时生效）");
    let update = json!({ "item": body, "version": 1, "note": "补充线上备案说明" });
    let updated = app
        .send(Method::PUT, "/api/items/JS-14", Some(admin), &update)
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(updated.body["version"], 2);
    let stale = app
        .send(Method::PUT, "/api/items/JS-14", Some(admin), &update)
        .await;
    assert_eq!(stale.status, 409);
    let history = app.get("/api/items/JS-14/history", None).await;
    let notes: Vec<&str> = history
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["note"].as_str().unwrap())
        .collect();
    assert_eq!(notes, ["补充线上备案说明", "测试"]);
    let county = app.login(COUNTY.0, COUNTY.1).await;
    let mut by_county = update.clone();
    by_county["version"] = json!(2);
    assert_eq!(
        app.send(Method::PUT, "/api/items/JS-14", Some(&county), &by_county)
            .await
            .status,
        403
    );
    let toml = app.get("/api/catalog.toml", None).await;
    let parsed = yibao_domain::Catalog::from_toml(&toml.text).unwrap();
    assert_eq!(
        parsed.items[13].time_limit_note,
        "即时办结（线上备案实时生效）"
    );
    let csv = app.get("/api/catalog.csv", None).await;
    assert!(csv.text.contains("异地长期居住人员备案"));
    let bad = app
        .post_raw(
            "/api/catalog",
            Some(admin),
            "application/toml",
            "[catalog]\nname = 1".into(),
        )
        .await;
    assert_eq!(bad.status, 422);
    let reimport = app
        .post_raw(
            "/api/catalog",
            Some(admin),
            "application/toml",
            toml.text.clone(),
        )
        .await;
    assert_eq!(reimport.status, 200);
    assert_eq!(
        reimport.body["changed"], 0,
        "an unchanged catalog changes nothing"
    );
}

async fn the_audit_log_cannot_be_rewritten(app: &TestApp) {
    assert!(app.audit_count().await > 0);
    let before = app.audit_count().await;
    assert!(app.store.try_tamper_with_audit().await.is_err());
    assert_eq!(app.audit_count().await, before);
}

async fn regions_are_listed_with_paging_and_unknown_codes_are_404(app: &TestApp) {
    let admin = &app.admin_token;
    let towns = app
        .get("/api/regions?parent=320903&per_page=5", Some(admin))
        .await;
    assert_eq!(towns.body["total"], 16);
    assert_eq!(towns.body["items"].as_array().unwrap().len(), 5);
    let page4 = app
        .get("/api/regions?parent=320903&per_page=5&page=4", Some(admin))
        .await;
    assert_eq!(page4.body["items"].as_array().unwrap().len(), 1);
    let named = app.get("/api/regions?q=尚庄", Some(admin)).await;
    assert_eq!(named.body["items"][0]["code"], "320903105");
    let region = app.get("/api/regions/320903105", Some(admin)).await;
    assert_eq!(region.body["name"], "尚庄镇");
    assert_eq!(region.body["gb2260"], "320903");
    assert_eq!(
        app.get("/api/regions/320903199", Some(admin)).await.status,
        404
    );
    let malformed = app.get("/api/regions/32x", Some(admin)).await;
    assert_eq!(malformed.status, 422);
    let boundary = app.get("/api/regions/320903/boundary", None).await;
    assert_eq!(boundary.status, 200);
    assert_eq!(boundary.body["type"], "FeatureCollection");
}
