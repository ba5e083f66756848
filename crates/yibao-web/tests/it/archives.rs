//! The policy Q&A and the archives over HTTP on both backends: cited answers and logged
//! refusals, archive search scoped by the user's region with masked names and IDs, highlighted
//! snippets, filters and pages, exact-only ID search, audited openings, and incremental
//! re-imports that the server's index picks up from the database, and knowledge-base edits
//! (versioned, audited, refused for the wrong role or bad content) that the Q&A uses at once.

use serde_json::{Value, json};
use yibao_store::{AuditEntry, AuditFilter, NewArchive, PageRequest};

use crate::helpers::*;

on_both_backends!(
    a_question_gets_a_cited_answer_and_a_refusal_is_logged_for_editors,
    bad_questions_are_refused_with_problems,
    archive_search_stays_inside_the_region_and_masks_people,
    archive_filters_pages_and_exact_id_search,
    opening_a_record_is_audited_and_refused_outside_the_region,
    a_changed_file_updates_its_records_and_the_index_follows,
    staff_edit_the_knowledge_base_and_the_next_question_uses_it,
);

/// A valid ID number born 1950-01-01 with `serial`.
fn id_number(serial: u32) -> String {
    let first17 = format!("32090319500101{serial:03}");
    let check = yibao_domain::id_number::check_char(first17.as_bytes()) as char;
    format!("{first17}{check}")
}

fn record(name: &str, region: &str, kind: &str, year: i32, title: &str, text: &str) -> NewArchive {
    NewArchive {
        id_number: None,
        person_name: name.to_owned(),
        record_type: kind.to_owned(),
        year,
        station: "尚庄镇为民服务中心医保服务站".to_owned(),
        region_code: region.to_owned(),
        title: title.to_owned(),
        text: text.to_owned(),
    }
}

async fn import(app: &TestApp, file: &str, records: &[NewArchive]) -> yibao_store::FileImport {
    app.store
        .import_archive_file(
            file,
            records,
            &AuditEntry::new("system", "archive.import", "archive_file", file),
        )
        .await
        .expect("import")
}

/// Three records in 盐都区 (one with an ID number in its text) and one in 黄岛区.
async fn seed(app: &TestApp) -> String {
    let id = id_number(7);
    let mut with_id = record(
        "王秀英",
        "320903105001",
        "零星报销",
        2021,
        "王秀英住院费用零星报销审批表",
        &format!("参保人王秀英（身份证号{id}）在上海瑞金医院住院，申请手工零星报销住院费用。"),
    );
    with_id.id_number = Some(id.clone());
    let outcome = import(
        app,
        "盐都/2021.json",
        &[
            with_id,
            record(
                "李建国",
                "320903105002",
                "门诊慢特病",
                2019,
                "李建国门诊慢特病待遇认定申请表",
                "申请病种：糖尿病。符合门诊慢特病认定标准。",
            ),
            record(
                "张志强",
                "320903101",
                "零星报销",
                2015,
                "张志强医疗费用零星报销审批表",
                "在苏州住院未备案，申请零星报销门诊费用。",
            ),
        ],
    )
    .await;
    assert_eq!(outcome.inserted.len(), 3);
    import(
        app,
        "黄岛/2020.txt",
        &[record(
            "赵海燕",
            "370211001001",
            "零星报销",
            2020,
            "赵海燕住院费用零星报销审批表",
            "在青岛住院，申请零星报销。",
        )],
    )
    .await;
    id
}

async fn search(app: &TestApp, token: &str, query: &str) -> Reply {
    app.get(&format!("/api/archives?{query}"), Some(token))
        .await
}

fn titles(reply: &Reply) -> Vec<String> {
    reply.body["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["title"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_question_gets_a_cited_answer_and_a_refusal_is_logged_for_editors(app: &TestApp) {
    let reply = app
        .post_json(
            "/api/qa/ask",
            None,
            &json!({ "question": "在外地住院花的钱回来咋手工报销" }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["answered"], true);
    let source = &reply.body["answers"][0]["sources"][0];
    assert_eq!(source["item"], "住院费用报销", "{}", reply.text);
    assert!(!source["title"].as_str().unwrap().is_empty());
    let code = source["item_code"].as_str().expect("an item code");
    let guide = app.get(&format!("/api/items/{code}"), None).await;
    assert_eq!(guide.status, 200, "the cited item exists: {}", guide.text);

    let refused = app
        .post_json(
            "/api/qa/ask",
            None,
            &json!({ "question": "养老金今年涨了多少" }),
        )
        .await;
    assert_eq!(refused.status, 200, "{}", refused.text);
    assert_eq!(refused.body["answered"], false);
    let refusal = refused.body["answers"][0]["text"].as_str().unwrap();
    assert!(
        refusal.contains("12393") && refusal.contains("已记录"),
        "{refusal}"
    );
    assert_eq!(refused.body["answers"][0]["sources"], json!([]));

    let anonymous = app.get("/api/qa/unanswered", None).await;
    assert_eq!(anonymous.status, 401, "{}", anonymous.text);
    let listed = app.get("/api/qa/unanswered", Some(&app.admin_token)).await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(listed.body["total"], 1, "only the refusal is logged");
    assert_eq!(listed.body["items"][0]["question"], "养老金今年涨了多少");
    assert_eq!(listed.body["items"][0]["channel"], "api");
}

async fn bad_questions_are_refused_with_problems(app: &TestApp) {
    let empty = app
        .post_json("/api/qa/ask", None, &json!({ "question": "   " }))
        .await;
    assert_eq!(empty.status, 422, "{}", empty.text);
    assert_eq!(empty.body["code"], "validation_failed");
    let long = app
        .post_json(
            "/api/qa/ask",
            None,
            &json!({ "question": "报".repeat(201) }),
        )
        .await;
    assert_eq!(long.status, 422, "{}", long.text);
    let malformed = app
        .post_raw("/api/qa/ask", None, "application/json", "{oops".to_owned())
        .await;
    assert_eq!(malformed.status, 400, "{}", malformed.text);
    assert_eq!(malformed.body["code"], "malformed_json");
    let page = app
        .store
        .list_unanswered(PageRequest::new(None, None))
        .await
        .unwrap();
    assert_eq!(page.total, 0, "refused requests log nothing");
}

async fn archive_search_stays_inside_the_region_and_masks_people(app: &TestApp) {
    seed(app).await;
    let anonymous = app.get("/api/archives?q=零星报销", None).await;
    assert_eq!(anonymous.status, 401);

    let admin = search(app, &app.admin_token, "q=零星报销").await;
    assert_eq!(admin.status, 200, "{}", admin.text);
    assert_eq!(admin.body["total"], 3, "{}", admin.text);

    let county = app.login(COUNTY.0, COUNTY.1).await;
    let reply = search(app, &county, "q=零星报销").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["total"], 2, "{}", reply.text);
    assert!(
        !titles(&reply).iter().any(|t| t.contains("赵海燕")),
        "黄岛区 is outside 盐都区: {}",
        reply.text
    );
    for hit in reply.body["hits"].as_array().unwrap() {
        let person = hit["person"].as_str().unwrap();
        assert!(person.contains('*'), "masked name: {person}");
        let html = hit["snippet_html"].as_str().unwrap();
        assert!(html.contains("<mark>"), "highlighted: {html}");
        assert!(!html.contains("19500101"), "ID masked in snippets: {html}");
    }

    // The village user sees only 尚庄镇 (320903105).
    let village = app.login(VILLAGE.0, VILLAGE.1).await;
    let reply = search(app, &village, "q=零星报销").await;
    assert_eq!(reply.body["total"], 1, "{}", reply.text);
    assert_eq!(titles(&reply), vec!["王秀英住院费用零星报销审批表"]);
}

async fn archive_filters_pages_and_exact_id_search(app: &TestApp) {
    let id = seed(app).await;
    let token = &app.admin_token;
    let by_type = search(app, token, "type=门诊慢特病").await;
    assert_eq!(titles(&by_type), vec!["李建国门诊慢特病待遇认定申请表"]);
    let by_years = search(app, token, "q=零星报销&year_from=2016&year_to=2020").await;
    assert_eq!(titles(&by_years), vec!["赵海燕住院费用零星报销审批表"]);
    let by_station = search(app, token, "q=报销&station=别的站点").await;
    assert_eq!(by_station.body["total"], 0, "{}", by_station.text);

    let exact = search(app, token, &format!("q={id}")).await;
    assert_eq!(titles(&exact), vec!["王秀英住院费用零星报销审批表"]);
    let partial = search(app, token, &format!("q={}", &id[..14])).await;
    assert_eq!(
        partial.body["total"], 0,
        "a partial ID finds nothing: {}",
        partial.text
    );

    let backwards = search(app, token, "year_from=2020&year_to=2010").await;
    assert_eq!(backwards.status, 422, "{}", backwards.text);
    assert_eq!(backwards.body["code"], "validation_failed");
    let not_a_year = search(app, token, "year_from=abc").await;
    assert_eq!(not_a_year.status, 400, "{}", not_a_year.text);
    assert_eq!(not_a_year.body["code"], "malformed_query");

    // 25 more records in one file: 20 on the first page, the rest on the second.
    let many: Vec<NewArchive> = (0..25)
        .map(|n| {
            record(
                &format!("周{n}"),
                "320903105003",
                "参保登记",
                2018,
                &format!("第{n}号参保登记表"),
                "城乡居民基本医疗保险参保登记。",
            )
        })
        .collect();
    import(app, "盐都/参保登记.json", &many).await;
    let first = search(app, token, "q=参保登记").await;
    assert_eq!(first.body["total"], 25, "{}", first.text);
    assert_eq!(first.body["hits"].as_array().unwrap().len(), 20);
    let second = search(app, token, "q=参保登记&page=2").await;
    assert_eq!(second.body["hits"].as_array().unwrap().len(), 5);
    let mut seen: Vec<Value> = first.body["hits"].as_array().unwrap().clone();
    seen.extend(second.body["hits"].as_array().unwrap().iter().cloned());
    let mut ids: Vec<i64> = seen.iter().map(|h| h["id"].as_i64().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 25, "pages do not overlap");
}

async fn opening_a_record_is_audited_and_refused_outside_the_region(app: &TestApp) {
    seed(app).await;
    let county = app.login(COUNTY.0, COUNTY.1).await;
    let all = search(app, &app.admin_token, "q=零星报销").await;
    let id_of = |name: &str| {
        all.body["hits"]
            .as_array()
            .unwrap()
            .iter()
            .find(|hit| hit["title"].as_str().unwrap().starts_with(name))
            .map(|hit| hit["id"].as_i64().unwrap())
            .unwrap()
    };
    let own = id_of("王秀英");
    let opened = app
        .get(&format!("/api/archives/{own}"), Some(&county))
        .await;
    assert_eq!(opened.status, 200, "{}", opened.text);
    assert_eq!(opened.body["person_name"], "王秀英");
    let masked = opened.body["id_number_masked"].as_str().unwrap();
    assert!(masked.contains('*') && masked.len() == 18, "{masked}");
    assert!(!opened.text.contains("19500101"), "{}", opened.text);

    let audit = app
        .store
        .list_audit(
            &AuditFilter {
                entity: Some("archive".into()),
                ..AuditFilter::default()
            },
            PageRequest::new(None, None),
        )
        .await
        .unwrap();
    assert_eq!(audit.total, 1, "one opening, one audit row");
    assert_eq!(audit.items[0].action, "archive.open");
    assert_eq!(audit.items[0].actor, COUNTY.0);
    assert_eq!(audit.items[0].entity_id, own.to_string());
    assert_eq!(audit.items[0].region_code.as_deref(), Some("320903105001"));

    let other = id_of("赵海燕");
    let refused = app
        .get(&format!("/api/archives/{other}"), Some(&county))
        .await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    let missing = app.get("/api/archives/999999", Some(&county)).await;
    assert_eq!(missing.status, 404, "{}", missing.text);
    let garbage = app.get("/api/archives/abc", Some(&county)).await;
    assert_eq!(garbage.status, 404, "{}", garbage.text);
    let audit = app
        .store
        .list_audit(
            &AuditFilter {
                entity: Some("archive".into()),
                ..AuditFilter::default()
            },
            PageRequest::new(None, None),
        )
        .await
        .unwrap();
    assert_eq!(audit.total, 1, "refused openings are not recorded as read");
}

async fn a_changed_file_updates_its_records_and_the_index_follows(app: &TestApp) {
    seed(app).await;
    let token = &app.admin_token;
    assert_eq!(search(app, token, "q=帕金森病").await.body["total"], 0);
    let before = app.store.archive_stamp().await.unwrap();

    let same = record(
        "赵海燕",
        "370211001001",
        "零星报销",
        2020,
        "赵海燕住院费用零星报销审批表",
        "在青岛住院，申请零星报销。",
    );
    let unchanged = import(app, "黄岛/2020.txt", std::slice::from_ref(&same)).await;
    assert_eq!(unchanged.unchanged, 1);
    assert!(!unchanged.changed());
    assert_eq!(app.store.archive_stamp().await.unwrap(), before);

    let changed = record(
        "赵海燕",
        "370211001001",
        "门诊慢特病",
        2020,
        "赵海燕门诊慢特病待遇认定申请表",
        "申请病种：帕金森病。",
    );
    let outcome = import(app, "黄岛/2020.txt", &[changed]).await;
    assert_eq!(outcome.updated.len(), 1);
    let found = search(app, token, "q=帕金森病").await;
    assert_eq!(
        titles(&found),
        vec!["赵海燕门诊慢特病待遇认定申请表"],
        "{}",
        found.text
    );
    assert_eq!(search(app, token, "q=零星报销").await.body["total"], 2);

    // The 2021 file loses its last two records: they leave the database and the index.
    let kept = app.store.archives_after(0, 10).await.unwrap();
    let first = kept
        .iter()
        .find(|r| r.source_file == "盐都/2021.json" && r.source_position == 1)
        .unwrap();
    let shrunk = NewArchive {
        id_number: first.id_number.clone(),
        person_name: first.person_name.clone(),
        record_type: first.record_type.clone(),
        year: first.year as i32,
        station: first.station.clone(),
        region_code: first.region_code.clone(),
        title: first.title.clone(),
        text: first.text.clone(),
    };
    let outcome = import(app, "盐都/2021.json", &[shrunk]).await;
    assert_eq!((outcome.unchanged, outcome.removed.len()), (1, 2));
    let found = search(app, token, "q=糖尿病").await;
    assert_eq!(found.body["total"], 0, "{}", found.text);
    assert_eq!(app.store.archive_stamp().await.unwrap().count, 2);
    let record = app.store.archive(first.id).await.unwrap().unwrap();
    assert_eq!(
        record.record_number,
        yibao_store::record_number("盐都/2021.json", 1)
    );
}

async fn ask(app: &TestApp, question: &str) -> Reply {
    let reply = app
        .post_json("/api/qa/ask", None, &json!({ "question": question }))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply
}

async fn staff_edit_the_knowledge_base_and_the_next_question_uses_it(app: &TestApp) {
    const ANSWER: &str = "尚庄镇医保服务站周六上午 9:00-12:00 开门，可办理参保登记和零星报销。";
    let question = "尚庄镇医保服务站周六上午开门吗";
    let before = ask(app, question).await;
    assert_ne!(before.body["answers"][0]["text"], ANSWER);

    let county = app.login(COUNTY.0, COUNTY.1).await;
    let body = json!({
        "questions": [question, "尚庄周末能办医保吗"],
        "answer": ANSWER,
        "source": "尚庄镇医保服务站公告",
    });
    let village = app.login(VILLAGE.0, VILLAGE.1).await;
    let refused = app
        .send(
            reqwest::Method::PUT,
            "/api/qa/kb/local.shangzhuang",
            Some(&village),
            &body,
        )
        .await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    let saved = app
        .send(
            reqwest::Method::PUT,
            "/api/qa/kb/local.shangzhuang",
            Some(&county),
            &body,
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    assert_eq!(saved.body["version"], 1);
    let after = ask(app, question).await;
    assert_eq!(after.body["answered"], true, "{}", after.text);
    assert_eq!(after.body["answers"][0]["text"], ANSWER, "{}", after.text);
    assert_eq!(
        after.body["answers"][0]["sources"][0]["title"],
        "尚庄镇医保服务站公告"
    );

    // Editing a generated entry: first save without a version, then against the one read.
    let listed = app.get("/api/qa/kb", Some(&county)).await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    let generated = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["item"] == "住院费用报销" && e["version"].is_null())
        .cloned()
        .expect("a generated entry");
    let id = generated["id"].as_str().unwrap();
    let path = format!("/api/qa/kb/{id}");
    let mut edit = json!({
        "questions": generated["questions"],
        "answer": "住院费用报销：请带齐发票和出院小结，到就近的医保服务站点办理。",
        "source": generated["source"],
        "item": "住院费用报销",
    });
    let first = app
        .send(reqwest::Method::PUT, &path, Some(&county), &edit)
        .await;
    assert_eq!(first.body["version"], 1, "{}", first.text);
    let again = app
        .send(reqwest::Method::PUT, &path, Some(&county), &edit)
        .await;
    assert_eq!(
        again.status, 409,
        "a second first edit is refused: {}",
        again.text
    );
    edit["version"] = json!(1);
    let second = app
        .send(reqwest::Method::PUT, &path, Some(&county), &edit)
        .await;
    assert_eq!(second.body["version"], 2, "{}", second.text);
    let stale = app
        .send(reqwest::Method::PUT, &path, Some(&county), &edit)
        .await;
    assert_eq!(stale.status, 409, "{}", stale.text);
    assert_eq!(stale.body["code"], "stale_version");
    let listed = app.get("/api/qa/kb", Some(&county)).await;
    let count = |body: &Value| {
        body.as_array()
            .unwrap()
            .iter()
            .filter(|e| e["id"] == id)
            .count()
    };
    assert_eq!(
        count(&listed.body),
        1,
        "the edit replaces the generated entry"
    );

    let bad = app
        .send(
            reqwest::Method::PUT,
            "/api/qa/kb/local.bad",
            Some(&county),
            &json!({ "questions": [" "], "answer": "", "source": "x", "item": "不存在的事项" }),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    let fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["questions", "answer", "item"]);

    let audit = app
        .store
        .list_audit(
            &AuditFilter {
                entity: Some("kb_entry".into()),
                ..AuditFilter::default()
            },
            PageRequest::new(None, None),
        )
        .await
        .unwrap();
    assert_eq!(audit.total, 3, "three saves, three audit rows");
    assert!(
        audit
            .items
            .iter()
            .all(|r| r.action == "qa.kb.save" && r.actor == COUNTY.0)
    );
}
