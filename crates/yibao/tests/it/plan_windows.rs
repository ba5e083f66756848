//! `yibao plan-windows` end to end: a small ticket history and window list planned with the
//! table and JSON outputs (forecast, both plans, the static search and the replays present and
//! consistent with the skills), the generated peak day, and line-numbered Chinese errors for bad
//! CSV rows and windows.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::support::*;

/// Three Mondays before 2026-12-14 with the same pattern: payment in the morning,
/// reimbursement in the afternoon, handling times recorded.
fn history_csv() -> String {
    let mut text = String::from("date,time,category,service_min,priority\n");
    for date in ["2026-11-23", "2026-11-30", "2026-12-07"] {
        for minute in (0..180).step_by(4) {
            let clock = 8 * 60 + 30 + minute;
            text.push_str(&format!(
                "{date},{:02}:{:02},缴费,3.5,0\n",
                clock / 60,
                clock % 60
            ));
        }
        for minute in (0..150).step_by(10) {
            let clock = 14 * 60 + minute;
            text.push_str(&format!(
                "{date},{:02}:{:02},报销,11,{}\n",
                clock / 60,
                clock % 60,
                minute % 50 == 0
            ));
        }
    }
    text
}

const WINDOWS: &str = "window,categories\n1 号窗口,缴费;报销\n2 号窗口,缴费;报销\n3 号窗口,缴费\n";

fn plan(dir: &Path, extra: &[&str]) -> Output {
    yibao()
        .arg("plan-windows")
        .arg("--history")
        .arg(dir.join("tickets.csv"))
        .arg("--windows")
        .arg(dir.join("windows.csv"))
        .args(extra)
        .output()
        .unwrap()
}

fn files(history: &str, windows: &str) -> TempDir {
    let temp = TempDir::new("plan_windows");
    std::fs::write(temp.path().join("tickets.csv"), history).unwrap();
    std::fs::write(temp.path().join("windows.csv"), windows).unwrap();
    temp
}

#[test]
fn plan_windows_forecasts_plans_and_compares_a_small_station_day() {
    let temp = files(&history_csv(), WINDOWS);
    let out = temp.path().join("plan.json");
    let output = plan(temp.path(), &["--out", out.to_str().unwrap()]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("读取取号记录"), "{stderr}");
    assert!(
        stderr.contains("取号记录 180 张，2 类业务；规划 2026-12-08"),
        "{stderr}"
    );
    // The day after the last one is a Tuesday: no Tuesday in the history, so the recent mean.
    assert!(
        stdout.contains("预测 2026-12-08（周二）：共约 60 张号"),
        "{stdout}"
    );
    for label in [
        "最佳固定布局",
        "逐时段 Erlang C（不计滞后）",
        "潮汐计划（计滞后）",
        "参考：各窗口通办其全部可办业务",
    ] {
        assert!(stdout.contains(label), "{label} missing:\n{stdout}");
    }
    assert!(
        stdout.contains("潮汐计划（每 15 分钟各类业务的窗口数"),
        "{stdout}"
    );

    let report: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(
        report["forecast"]["categories"],
        serde_json::json!(["缴费", "报销"])
    );
    assert_eq!(report["replay_source"], "sampled");
    let slots = report["plan"]["slots"].as_array().unwrap();
    assert_eq!(slots.len(), 34);
    // Window 3 can only do payment; every slot uses all three windows.
    for slot in slots {
        let categories = slot["window_category"].as_array().unwrap();
        assert_eq!(categories[2], 0, "{slot}");
        assert_eq!(
            slot["assigned"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap())
                .sum::<u64>(),
            3
        );
    }
    // Afternoon reimbursement gets a window once its tickets come.
    let afternoon = &slots[(14 * 60 + 30 - 510) / 15];
    assert!(afternoon["assigned"][1].as_u64().unwrap() >= 1);
    // Static search: splits of 3 windows into 2 categories that the skills allow and that
    // leave neither category without a window: 2/1 and 1/2.
    assert_eq!(report["best_static"]["evaluated"], 2);
    assert_eq!(report["scenarios"].as_array().unwrap().len(), 4);
    assert_eq!(
        report["series"]["tidal_windows"][0]
            .as_array()
            .unwrap()
            .len(),
        34
    );

    // JSON on stdout is the same report, and the same seed gives the same result.
    let json = plan(temp.path(), &["--format", "json"]);
    let again: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(again, report);
}

#[test]
fn plan_windows_plans_the_generated_peak_day() {
    let output = yibao()
        .args([
            "plan-windows",
            "--generate",
            "--seed",
            "7",
            "--no-static-search",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("生成缴费旺季高峰日（种子 7）"), "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["replay_source"], "given");
    assert!(report["replay_tickets"].as_u64().unwrap() > 1000);
    assert_eq!(report["forecast"]["date"], "2026-12-14");
    assert_eq!(report["plan"]["windows"].as_array().unwrap().len(), 12);
    let keys: Vec<&str> = report["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, vec!["naive_per_slot", "tidal", "all_skills"]);
    assert!(report["best_static"].is_null());
}

#[test]
fn bad_history_rows_and_windows_are_refused_with_line_numbers() {
    let bad_history =
        "date,time,category\n2026-12-07,08:30,缴费\n2026-12-07,8点半,缴费\n2026-12-32,09:00,报销\n";
    let temp = files(bad_history, WINDOWS);
    let output = plan(temp.path(), &[]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("错误：取号记录 CSV 有 2 处错误，未规划："),
        "{stderr}"
    );
    assert!(
        stderr.contains("第 3 行：时间“8点半”无效（应为 HH:MM 或 HH:MM:SS）"),
        "{stderr}"
    );
    assert!(
        stderr.contains("第 4 行：日期“2026-12-32”无效（应为 YYYY-MM-DD）"),
        "{stderr}"
    );

    let temp = files(
        &history_csv(),
        "window,categories\n1 号窗口,缴费\n2 号窗口,社保;报销\n3 号窗口,\n",
    );
    let output = plan(temp.path(), &[]);
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.contains("错误：窗口文件有 2 处错误，未规划："),
        "{stderr}"
    );
    assert!(
        stderr.contains("第 3 行：业务类别“社保”不在取号记录中（已有：缴费、报销）"),
        "{stderr}"
    );
    assert!(
        stderr.contains("第 4 行：3 号窗口没有可办理的业务类别"),
        "{stderr}"
    );

    let temp = files(&history_csv(), WINDOWS);
    let output = plan(temp.path(), &["--target-share", "1.5"]);
    assert!(
        text(&output)
            .1
            .contains("错误：目标比例 1.5 无效（应在 0 与 1 之间，如 0.9）")
    );
    let output = plan(temp.path(), &["--slot", "20"]);
    assert!(
        text(&output)
            .1
            .contains("错误：时段长度 20 分钟无效（应为 15 或 30）")
    );
    let output = plan(temp.path(), &["--date", "2026-01-01"]);
    assert!(
        text(&output)
            .1
            .contains("错误：2026-01-01 之前没有任何取号记录，无法预测")
    );
}
