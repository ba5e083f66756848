//! The command line as a user meets it: the demo, imports with line-numbered errors, and
//! account creation.

use yibao_domain::RegionCode;
use yibao_store::{AuditFilter, PageRequest, StationFilter, Store};

use crate::support::*;

#[test]
fn the_demo_seeds_the_networks_the_seeds_describe() {
    let temp = TempDir::new("demo");
    let file = temp.path().join("demo.db");
    let output = yibao()
        .args(["demo", "--no-serve", "--file"])
        .arg(&file)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.contains("admin"), "{stdout}");
    assert!(
        stdout.contains(&format!("演示数据库已生成：{}", file.display())),
        "{stdout}"
    );
    assert!(stdout.contains("站点坐标与村人口为生成数据"), "{stdout}");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = Store::connect(&format!("sqlite://{}", file.display()))
            .await
            .unwrap();
        let modes = |code: &'static str| {
            let store = store.clone();
            async move {
                let delegations = store.station_delegations(code).await.unwrap();
                let complete = delegations
                    .iter()
                    .filter(|d| d.mode == yibao_domain::HandlingMode::Complete)
                    .count();
                let forward = delegations
                    .iter()
                    .filter(|d| d.mode == yibao_domain::HandlingMode::AcceptForward)
                    .count();
                let overrides = delegations
                    .iter()
                    .filter(|d| d.override_reason.is_some())
                    .count();
                (complete, forward, overrides)
            }
        };
        // 尚庄镇: 16 complete + 8 accept-and-forward; the guide allows 13 at town level, so 3
        // are audited overrides. 万盈镇 handles all 30 items.
        assert_eq!(modes("320903105-ST").await, (16, 8, 3));
        assert_eq!(modes("320904108-ST").await.0, 30);
        // 黄岛街道 "1+22+N": 22 community points under the street station.
        let filter = StationFilter {
            region: Some(RegionCode::parse("370211001").unwrap()),
            level: Some(yibao_domain::StationLevel::Village),
            ..StationFilter::default()
        };
        assert_eq!(
            store
                .list_stations(&filter, PageRequest::new(None, None))
                .await
                .unwrap()
                .total,
            22
        );
        let station = store.get_station("320903105-ST").await.unwrap().unwrap();
        assert!(
            station.location_generated,
            "generated coordinates are labelled as such"
        );
        let overrides = store
            .list_audit(
                &AuditFilter {
                    entity: Some("region".into()),
                    entity_id: Some("320903105".into()),
                    ..AuditFilter::default()
                },
                PageRequest::new(None, Some(100)),
            )
            .await
            .unwrap();
        assert!(
            overrides
                .items
                .iter()
                .any(|row| row.detail.contains("override_reason") && row.detail.contains("示范点"))
        );
    });

    // The counter demo comes with ticket history for the tidal planner; more history from a
    // previous queue system imports through the CLI, all rows or none.
    assert!(stdout.contains("张历史号票"), "{stdout}");
    let url = format!("sqlite://{}", file.display());
    let csv = temp.path().join("tickets.csv");
    std::fs::write(
        &csv,
        "date,time,category,service_min\n2026-01-05,09:00,A,6\n2026-01-05,9点,B,3\n",
    )
    .unwrap();
    let import = |station: &str| {
        yibao()
            .args([
                "--database-url",
                &url,
                "import",
                "ticket-history",
                "--station",
            ])
            .arg(station)
            .arg("--from")
            .arg(&csv)
            .output()
            .unwrap()
    };
    let output = import("320903105-ST");
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr.contains("未导入"), "{stderr}");
    assert!(stderr.contains("第 3 行：时间“9点”无效"), "{stderr}");
    std::fs::write(
        &csv,
        "date,time,category,service_min\n2026-01-05,09:00,A,6\n2026-01-05,09:05,医保缴费,3\n",
    )
    .unwrap();
    let output = import("320903105-ST");
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stdout.contains("已导入站点 320903105-ST 的 2 张历史号票（1 个营业日"),
        "{stdout}"
    );
    let output = import("NO-SUCH-STATION");
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output).1.contains("站点“NO-SUCH-STATION”不存在"));
}

#[test]
fn a_station_csv_with_a_bad_row_prints_its_line_and_imports_nothing() {
    let temp = TempDir::new("stations");
    let url = temp.sqlite_url();
    let csv = temp.path().join("stations.csv");
    std::fs::write(
        &csv,
        "code,name,level,region_code,host_type,parent_code,lon,lat,address,windows,phone,opening_hours\n\
         HALL,区医保服务大厅,county,320903,service_center,,120.15,33.34,,8,,\n\
         ST1,镇服务站,town,320903105,bank,HALL,119.93,33.30,,2,,8点-17点\n",
    )
    .unwrap();
    // Regions from the committed fixture first.
    let output = yibao()
        .args(["--database-url", &url, "import", "regions", "--from"])
        .arg(repo_root().join("fixtures/regions"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output).1);
    let output = yibao()
        .args(["--database-url", &url, "import", "stations", "--from"])
        .arg(&csv)
        .output()
        .unwrap();
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.contains("错误：CSV 有 1 处错误（涉及 1 行），未导入任何站点"),
        "{stderr}"
    );
    assert!(
        stderr.contains("第 3 行 opening_hours：营业时间“8点-17点”无效：每段应为“星期 时间段”"),
        "{stderr}"
    );
    let export = temp.path().join("out.csv");
    let output = yibao()
        .args(["--database-url", &url, "export", "stations", "--out"])
        .arg(&export)
        .output()
        .unwrap();
    assert!(text(&output).0.contains("已导出 0 个站点"));
    // Fixed, the same file imports.
    std::fs::write(
        &csv,
        std::fs::read_to_string(&csv)
            .unwrap()
            .replace("8点-17点", "1-5 08:30-17:30"),
    )
    .unwrap();
    let output = yibao()
        .args(["--database-url", &url, "import", "stations", "--from"])
        .arg(&csv)
        .output()
        .unwrap();
    assert!(
        text(&output).0.contains("已导入 2 个站点"),
        "{}",
        text(&output).1
    );
}

#[test]
fn a_population_csv_imports_all_rows_or_names_the_bad_line() {
    let temp = TempDir::new("population");
    let url = temp.sqlite_url();
    let output = yibao()
        .args(["--database-url", &url, "import", "regions", "--from"])
        .arg(repo_root().join("fixtures/regions"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output).1);
    let csv = temp.path().join("population.csv");
    std::fs::write(
        &csv,
        "region_code,population,lon,lat\n\
         320903105201,1200,119.93,33.30\n\
         320903105202,-5,119.93,33.31\n",
    )
    .unwrap();
    let output = yibao()
        .args(["--database-url", &url, "import", "population", "--from"])
        .arg(&csv)
        .output()
        .unwrap();
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr.contains("未导入任何人口数据"), "{stderr}");
    assert!(stderr.contains("第 3 行 population："), "{stderr}");
    std::fs::write(
        &csv,
        std::fs::read_to_string(&csv).unwrap().replace("-5", "800"),
    )
    .unwrap();
    let output = yibao()
        .args(["--database-url", &url, "import", "population", "--from"])
        .arg(&csv)
        .output()
        .unwrap();
    assert!(
        text(&output).0.contains("已导入 2 个村（社区）的人口"),
        "{}",
        text(&output).1
    );
}

#[test]
fn admin_create_refuses_a_weak_password_and_accepts_a_good_one() {
    let temp = TempDir::new("admin");
    let url = temp.sqlite_url();
    let weak = yibao()
        .args([
            "--database-url",
            &url,
            "admin",
            "create",
            "--username",
            "boss",
            "--display-name",
            "局长",
            "--password",
            "short",
        ])
        .output()
        .unwrap();
    assert!(!weak.status.success());
    assert_eq!(
        text(&weak).1.trim(),
        "错误：密码至少 8 位，且须同时包含字母和数字"
    );
    let good = yibao()
        .args([
            "--database-url",
            &url,
            "admin",
            "create",
            "--username",
            "boss",
            "--display-name",
            "局长",
        ])
        .env("YIBAO_ADMIN_PASSWORD", "Bureau2026")
        .output()
        .unwrap();
    assert!(good.status.success(), "{}", text(&good).1);
    assert_eq!(
        text(&good).0.trim(),
        "已创建账号 boss（医保局管理员，管辖 全国）"
    );
    let again = yibao()
        .args([
            "--database-url",
            &url,
            "admin",
            "create",
            "--username",
            "boss",
            "--display-name",
            "局长",
        ])
        .env("YIBAO_ADMIN_PASSWORD", "Bureau2026")
        .output()
        .unwrap();
    assert_eq!(text(&again).1.trim(), "错误：用户名 boss 已存在");
}

#[test]
fn an_unreachable_database_is_a_readable_error_without_the_password() {
    let output = yibao()
        .args([
            "--database-url",
            "postgres://clerk:secret@127.0.0.1:1/yibao",
            "export",
            "stations",
            "--out",
            "/dev/null",
        ])
        .output()
        .unwrap();
    let (_, stderr) = text(&output);
    assert!(!output.status.success());
    assert!(
        stderr.starts_with("错误：无法打开数据库 postgres://clerk:***@127.0.0.1:1/yibao"),
        "{stderr}"
    );
    assert!(!stderr.contains("secret"));
}

/// The demo seeds an empty PostgreSQL database when given one, and says so (not the SQLite
/// file it did not touch).
#[test]
fn the_demo_on_postgres_names_the_database_it_seeded() {
    let admin = std::env::var("YIBAO_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let name = format!("yibao_cli_demo_{}", std::process::id());
    let url = match runtime.block_on(yibao_store::admin::recreate_postgres_database(
        &admin, &name,
    )) {
        Ok(url) => url,
        Err(error) => {
            assert!(
                !std::env::var("YIBAO_REQUIRE_POSTGRES").is_ok_and(|v| v == "1"),
                "YIBAO_REQUIRE_POSTGRES=1 but PostgreSQL at {admin} is unavailable: {error}"
            );
            eprintln!(
                "*** NOTICE: PostgreSQL unavailable ({error}); the PostgreSQL demo test was SKIPPED"
            );
            return;
        }
    };
    let temp = TempDir::new("demo_pg");
    let file = temp.path().join("untouched.db");
    let output = yibao()
        .args(["--database-url", &url, "demo", "--no-serve", "--file"])
        .arg(&file)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    runtime
        .block_on(yibao_store::admin::drop_postgres_databases(&admin, &name))
        .unwrap();
    assert!(output.status.success(), "{stderr}");
    let seeded = stdout
        .lines()
        .find(|line| line.starts_with("演示数据库已生成："))
        .unwrap_or_default();
    assert!(seeded.contains(&url), "{stdout}");
    assert!(!seeded.contains("untouched.db"), "{stdout}");
    // Only the archive index lives beside the file; no SQLite database was created.
    assert!(!file.exists(), "the SQLite file was created");
}

/// Every command's and option's description in `--help` is in Chinese, in every subcommand
/// (clap's own `--help`, `--version` and `help` lines aside).
#[test]
fn help_describes_every_command_and_option_in_chinese() {
    let commands: &[&[&str]] = &[
        &[],
        &["serve"],
        &["demo"],
        &["import"],
        &["import", "regions"],
        &["import", "boundaries"],
        &["import", "catalog"],
        &["import", "stations"],
        &["import", "population"],
        &["import", "ticket-history"],
        &["export"],
        &["export", "stations"],
        &["export", "catalog"],
        &["admin"],
        &["admin", "create"],
        &["coverage"],
        &["plan-sites"],
        &["travel-times"],
        &["plan-windows"],
        &["qa"],
        &["qa", "ask"],
        &["qa", "eval"],
        &["qa", "kb"],
        &["archives"],
        &["archives", "import"],
        &["archives", "reindex"],
    ];
    for path in commands {
        let output = yibao().args(*path).arg("--help").output().unwrap();
        let (stdout, stderr) = text(&output);
        assert!(output.status.success(), "{path:?}: {stderr}");
        // An entry starts at an indent of two to six spaces; clap puts its description on the
        // same line or, when some line would be too long, on lines indented further below.
        let mut entries: Vec<String> = Vec::new();
        for line in stdout.lines().filter(|line| !line.trim().is_empty()) {
            let indent = line.len() - line.trim_start().len();
            if (2..=6).contains(&indent) {
                entries.push(line.trim().to_owned());
            } else if let (true, Some(entry)) = (indent >= 8, entries.last_mut()) {
                entry.push(' ');
                entry.push_str(line.trim());
            }
        }
        // clap's own words are rendered in Chinese too, its built-in entries included.
        for english in [
            "Usage",
            "Options:",
            "Commands:",
            "Arguments:",
            "Print ",
            "[default:",
            "[env:",
            "[possible values",
            "[OPTIONS]",
            "<COMMAND>",
        ] {
            assert!(
                !stdout.contains(english),
                "{path:?}: “{english}” in\n{stdout}"
            );
        }
        assert!(
            stdout.contains("用法：yibao"),
            "{path:?}: no usage line in\n{stdout}"
        );
        let mut described = 0;
        for entry in &entries {
            assert!(
                entry
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{path:?}: “{entry}” has no Chinese description"
            );
            described += 1;
        }
        assert!(described > 0, "{path:?}: nothing described in\n{stdout}");
    }
}

#[test]
fn command_line_mistakes_are_explained_in_chinese() {
    let cases: &[(&[&str], &str)] = &[
        (&["plan-sites", "--bogus"], "错误：无法识别的选项“--bogus”"),
        (
            &["plan-site"],
            "错误：没有“plan-site”这个命令；相近的有：“plan-windows”、“plan-sites”",
        ),
        (&["demoo"], "错误：没有“demoo”这个命令；是否想用“demo”？"),
        (
            &[
                "plan-sites",
                "--demand",
                "d.csv",
                "--candidates",
                "c.csv",
                "--out",
                "o.json",
                "--sites",
                "abc",
            ],
            "错误：选项 --sites <K> 的值“abc”无效：不是整数",
        ),
        (
            &["plan-sites", "--metric", "foo"],
            "错误：选项 --metric <METRIC> 的值“foo”无效，可选值：euclidean、network",
        ),
        (
            &["plan-sites"],
            "错误：缺少必需的选项：--demand <FILE>、--candidates <FILE>、--out <FILE>",
        ),
        (
            &["coverage", "--stations"],
            "错误：选项 --stations <FILE> 需要一个值",
        ),
    ];
    for (args, expected) in cases {
        let output = yibao().args(*args).output().unwrap();
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
        assert!(stderr.starts_with(expected), "{args:?}: {stderr}");
        // clap gives the usage line with mistakes in the shape of the command line, not with
        // a bad value.
        if !expected.contains("的值") && !expected.contains("需要一个值") {
            assert!(stderr.contains("\n用法：yibao "), "{args:?}: {stderr}");
        }
        assert!(
            stderr.ends_with("加 --help 查看全部选项。\n"),
            "{args:?}: {stderr}"
        );
        assert!(
            !stderr.contains("error") && !stderr.contains("Usage"),
            "{args:?}: {stderr}"
        );
    }
    // No command at all shows the help, in Chinese, as a mistake; --version is no mistake.
    let output = yibao().output().unwrap();
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr.contains("用法：yibao [选项] <命令>") && stderr.contains("命令："),
        "{stderr}"
    );
    let output = yibao().arg("--version").output().unwrap();
    assert!(output.status.success());
    assert!(text(&output).0.starts_with("yibao "));
}

#[test]
fn serve_says_why_it_cannot_listen() {
    let dir = TempDir::new("listen");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let cases: [(&[&str], String); 2] = [
        (
            &["--bind", "127.0.0.1", "--port", &port],
            format!("错误：无法监听 127.0.0.1:{port}：端口 {port} 已被占用，可用 --port 换一个端口"),
        ),
        (
            &["--bind", "127.0.0.1:8099", "--port", "0"],
            "错误：无法监听 127.0.0.1:8099:0：--bind 应为本机的地址或主机名（如 127.0.0.1 或 0.0.0.0），不含端口；端口用 --port 给出".to_owned(),
        ),
    ];
    for (args, expected) in cases {
        let output = yibao()
            .args(["--database-url", &dir.sqlite_url(), "serve"])
            .args(args)
            .output()
            .unwrap();
        let (_, stderr) = text(&output);
        assert!(!output.status.success(), "{args:?}");
        assert!(stderr.trim_end().ends_with(&expected), "{args:?}: {stderr}");
    }
}
