//! `yibao qa` and `yibao archives` end to end: the Q&A's JSON contract, a refusal with the
//! hotline, an evaluation with the baseline side by side, line-numbered errors for bad set
//! files; the archive import (progress, bad files skipped with reasons, incremental re-import)
//! and the index rebuild from the database.

use std::process::Output;

use serde_json::Value;

use crate::support::*;

fn qa(args: &[&str]) -> Output {
    yibao().arg("qa").args(args).output().unwrap()
}

#[test]
fn ask_json_prints_the_contract_shape_with_a_cited_item() {
    let output = qa(&["ask", "在外地住院花的钱回来咋手工报销", "--json"]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    let reply: Value = serde_json::from_str(&stdout).expect("JSON on stdout");
    assert_eq!(reply["answered"], true);
    let answers = reply["answers"].as_array().unwrap();
    assert!(!answers.is_empty() && answers.len() <= 3);
    for answer in answers {
        assert!(answer["text"].as_str().is_some_and(|t| !t.is_empty()));
        let score = answer["score"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&score), "{score}");
        for source in answer["sources"].as_array().unwrap() {
            let keys: Vec<&String> = source.as_object().unwrap().keys().collect();
            assert_eq!(keys, vec!["item", "title"], "{source}");
        }
    }
    assert_eq!(answers[0]["sources"][0]["item"], "住院费用报销");
}

#[test]
fn an_out_of_scope_question_is_refused_with_the_hotline() {
    let output = qa(&["ask", "养老金今年涨了多少", "--json"]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    let reply: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(reply["answered"], false);
    let refusal = reply["answers"][0]["text"].as_str().unwrap();
    // The CLI logs nothing, so it must not say the question was recorded.
    assert!(
        refusal.contains("12393") && !refusal.contains("已记录"),
        "{refusal}"
    );
    assert_eq!(reply["answers"][0]["sources"], serde_json::json!([]));

    let plain = qa(&["ask", "养老金今年涨了多少"]);
    let (stdout, _) = text(&plain);
    assert!(stdout.contains("12393") && !stdout.trim_start().starts_with('{'));
}

const SET: &str = r#"{"question": "在外地住院花的钱回来咋手工报销", "expected_item": "住院费用报销"}
{"question": "异地就医备案长期居住要带什么材料", "expected_item": "异地长期居住人员备案"}

{"question": "养老金今年涨了多少", "expected_item": null}
"#;

#[test]
fn eval_prints_the_figures_with_the_baseline_side_by_side() {
    let temp = TempDir::new("qa_eval");
    let set = temp.path().join("set.jsonl");
    std::fs::write(&set, SET).unwrap();
    let output = qa(&[
        "eval",
        "--set",
        set.to_str().unwrap(),
        "--baseline",
        "--json",
    ]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["qa"]["questions"], 3);
    assert_eq!(report["qa"]["in_scope"], 2);
    assert_eq!(report["qa"]["top1"], 1.0);
    assert_eq!(report["qa"]["mrr"], 1.0);
    assert_eq!(report["qa"]["refusal"], 1.0);
    assert!(report["baseline"]["top1"].is_number());
    assert_eq!(
        report["baseline"]["refusal"], 0.0,
        "plain BM25 answers whatever matches"
    );

    let table = qa(&["eval", "--set", set.to_str().unwrap(), "--baseline"]);
    let (stdout, _) = text(&table);
    for label in [
        "首条命中率",
        "前三召回率",
        "MRR",
        "范围外拒答率",
        "基线 BM25",
        "100.0%",
    ] {
        assert!(stdout.contains(label), "{label} missing:\n{stdout}");
    }
}

#[test]
fn bad_set_files_are_named_with_the_line() {
    let temp = TempDir::new("qa_eval_bad");
    let malformed = temp.path().join("bad.jsonl");
    std::fs::write(
        &malformed,
        "{\"question\": \"慢病怎么办\", \"expected_item\": null}\n\n{oops\n",
    )
    .unwrap();
    let output = qa(&["eval", "--set", malformed.to_str().unwrap()]);
    let (stdout, stderr) = text(&output);
    assert!(!output.status.success());
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.starts_with("错误：") && stderr.contains("第 3 行"),
        "{stderr}"
    );

    let unknown = temp.path().join("unknown.jsonl");
    std::fs::write(
        &unknown,
        "{\"question\": \"慢病怎么办\", \"expected_item\": \"不存在的事项\"}\n",
    )
    .unwrap();
    let output = qa(&["eval", "--set", unknown.to_str().unwrap()]);
    let (_, stderr) = text(&output);
    assert!(!output.status.success());
    assert!(
        stderr.contains("第 1 行") && stderr.contains("不存在的事项"),
        "{stderr}"
    );

    let output = qa(&["eval", "--set", "/nonexistent/set.jsonl"]);
    let (_, stderr) = text(&output);
    assert!(!output.status.success());
    assert!(stderr.contains("无法读取评测集"), "{stderr}");
}

const GOOD_TEXT: &str = "姓名：王秀英\n身份证号：11010519491231002X\n区划：320903105001\n类型：零星报销\n年份：2021\n站点：尚庄镇为民服务中心医保服务站\n标题：住院费用零星报销审批表\n\n参保人在上海住院，申请手工零星报销。\n共 3 页";

const GOOD_JSON: &str = r#"[
  {"name": "李建国", "region": "320903105002", "type": "门诊慢特病", "year": 2019, "station": "尚庄镇为民服务中心医保服务站", "title": "门诊慢特病待遇认定申请表", "text": "申请病种：糖尿病。"},
  {"name": "张志强", "region": "320903101", "type": "参保登记", "year": "2015年", "station": "秦南镇为民服务中心医保服务站", "title": "参保登记表", "text": "城乡居民参保登记。"}
]"#;

fn archives(temp: &TempDir, args: &[&str]) -> Output {
    yibao()
        .arg("--database-url")
        .arg(temp.sqlite_url())
        .arg("archives")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn archive_import_skips_bad_files_updates_changed_ones_and_reindex_rebuilds() {
    let temp = TempDir::new("archives");
    let dir = temp.path().join("files");
    std::fs::create_dir_all(dir.join("2019")).unwrap();
    std::fs::write(dir.join("wang.txt"), GOOD_TEXT).unwrap();
    std::fs::write(dir.join("2019/batch.json"), GOOD_JSON).unwrap();
    std::fs::write(
        dir.join("bad.txt"),
        GOOD_TEXT.replace("站点：尚庄镇为民服务中心医保服务站\n", ""),
    )
    .unwrap();
    std::fs::write(dir.join("scan.pdf"), "%PDF").unwrap();

    let output = archives(&temp, &["import", dir.to_str().unwrap()]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stdout.contains("已导入 2 个文件：新增 3 条，更新 0 条，未变 0 条"),
        "{stdout}"
    );
    assert!(stdout.contains("跳过 2 个有误的文件"), "{stdout}");
    assert!(stderr.contains("跳过 bad.txt：缺少“站点”"), "{stderr}");
    assert!(
        stderr.contains("跳过 scan.pdf：不支持的文件类型"),
        "{stderr}"
    );
    let index = temp.path().join("yibao.db.archive-index");
    assert!(
        index.join("meta.json").exists(),
        "the index sits next to the database"
    );

    std::fs::write(dir.join("wang.txt"), GOOD_TEXT.replace("上海", "南京")).unwrap();
    let output = archives(&temp, &["import", dir.to_str().unwrap()]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stdout.contains("新增 0 条，更新 1 条，未变 2 条，移除 0 条"),
        "{stdout}"
    );

    std::fs::remove_dir_all(&index).unwrap();
    let output = archives(&temp, &["reindex"]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stdout.contains("已重建档案索引") && stdout.contains("3 条"),
        "{stdout}"
    );
    assert!(index.join("meta.json").exists());

    let empty = temp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let output = archives(&temp, &["import", empty.to_str().unwrap()]);
    let (_, stderr) = text(&output);
    assert!(!output.status.success());
    assert!(stderr.contains("没有文件"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_while_the_server_runs_reaches_its_index_through_the_database() {
    let temp = TempDir::new("archives_live");
    let url = temp.sqlite_url();
    let created = yibao()
        .args([
            "--database-url",
            &url,
            "admin",
            "create",
            "--username",
            "boss",
        ])
        .args(["--display-name", "局长", "--password", "Boss2026x"])
        .output()
        .unwrap();
    assert!(created.status.success(), "{}", text(&created).1);
    let port = free_port();
    let _server = Running(
        yibao()
            .args(["--database-url", &url, "serve", "--port", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}");
    wait_for(&format!("{base}/api/health")).await;
    let client = reqwest::Client::new();
    let session: Value = client
        .post(format!("{base}/api/session"))
        .json(&serde_json::json!({ "username": "boss", "password": "Boss2026x" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["token"].as_str().unwrap().to_owned();
    let search = || async {
        let page: Value = client
            .get(format!("{base}/api/archives?q=零星报销"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        page["total"].as_u64().unwrap()
    };
    assert_eq!(search().await, 0);

    let dir = temp.path().join("files");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("wang.txt"), GOOD_TEXT).unwrap();
    // The search above opened the server's index, so the server holds it: the import goes to
    // the database only and says so.
    let output = archives(&temp, &["import", dir.to_str().unwrap()]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("正被运行中的服务使用"), "{stderr}");
    assert!(stdout.contains("已导入 1 个文件"), "{stdout}");
    assert_eq!(search().await, 1, "the server caught up from the database");
    let reindex = archives(&temp, &["reindex"]);
    assert!(!reindex.status.success());
    assert!(
        text(&reindex).1.contains("请先停止服务"),
        "{}",
        text(&reindex).1
    );
}
