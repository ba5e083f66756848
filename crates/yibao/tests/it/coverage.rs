//! `yibao coverage` and `yibao plan-sites` as scripts call them: hand-computed travel times on
//! a tiny CSV network, item filtering, unsnapped points reported rather than dropped,
//! line-numbered errors, hand-verified site plans, and coverage on the real Helsinki extract.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::support::*;

/// Six nodes along latitude 32° about 0.94 km apart; the edge lengths (not the coordinates)
/// set the times. Walking at 5 km/h: 1,000 m = 12.0 min, 250 m = 3.0 min.
///
/// ```text
/// 1 —1000— 2 —250— 3 —1000— 4 —1000— 5 —1000— 6
/// S1        S3                                 S2
/// ```
const NODES: &str = "id,lon,lat
1,120.00,32.0
2,120.01,32.0
3,120.02,32.0
4,120.03,32.0
5,120.04,32.0
6,120.05,32.0
";
const EDGES: &str = "from,to,length_m
1,2,1000
2,3,250
3,4,1000
4,5,1000
5,6,1000
";
const STATIONS: &str = "id,lon,lat,items
S1,120.00,32.0,A01;B02
S2,120.05,32.0,B02
S3,120.01,32.0,C03
";
/// One point on each of nodes 1–5, and FAR about 11 km north of node 1 (beyond the 500 m
/// snap distance).
const POPULATION: &str = "id,lon,lat,population
P1,120.00,32.0,100
P2,120.01,32.0,200
P3,120.02,32.0,300
P4,120.03,32.0,400
P5,120.04,32.0,500
FAR,120.00,32.1,50
";

/// A folder holding the tiny network's files.
fn line_network() -> TempDir {
    let temp = TempDir::new("coverage");
    for (name, content) in [
        ("nodes.csv", NODES),
        ("edges.csv", EDGES),
        ("stations.csv", STATIONS),
        ("population.csv", POPULATION),
    ] {
        std::fs::write(temp.path().join(name), content).unwrap();
    }
    temp
}

/// Runs `yibao coverage` on the tiny network with `extra` arguments.
fn cover(temp: &TempDir, extra: &[&str]) -> Output {
    let dir = temp.path();
    yibao()
        .arg("coverage")
        .arg("--network")
        .arg(dir.join("edges.csv"))
        .arg("--nodes")
        .arg(dir.join("nodes.csv"))
        .arg("--stations")
        .arg(dir.join("stations.csv"))
        .arg("--population")
        .arg(dir.join("population.csv"))
        .arg("--out")
        .arg(dir.join("result.json"))
        .args(extra)
        .output()
        .unwrap()
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `(minutes, station)` of every point, by id.
fn points(result: &Value) -> Vec<(String, Option<f64>, Option<String>)> {
    result["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|point| {
            (
                point["id"].as_str().unwrap().to_owned(),
                point["minutes"].as_f64(),
                point["station"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

fn point(
    id: &str,
    minutes: Option<f64>,
    station: Option<&str>,
) -> (String, Option<f64>, Option<String>) {
    (id.to_owned(), minutes, station.map(str::to_owned))
}

#[test]
fn walking_times_on_a_tiny_network_are_the_hand_computed_ones() {
    let temp = line_network();
    let output = cover(
        &temp,
        &["--mode", "walk", "--minutes", "15", "--item", "B02"],
    );
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    let result = read_json(&temp.path().join("result.json"));
    // B02: S1 (node 1) and S2 (node 6). Node 3 is 12 + 3 = 15.0 min from S1 (the budget is
    // inclusive); node 4 is 27 min from S1 and 24 from S2: out of reach.
    assert_eq!(
        points(&result),
        vec![
            point("P1", Some(0.0), Some("S1")),
            point("P2", Some(12.0), Some("S1")),
            point("P3", Some(15.0), Some("S1")),
            point("P4", None, None),
            point("P5", Some(12.0), Some("S2")),
            point("FAR", None, None),
        ]
    );
    assert_eq!(result["total_population"], 1550);
    assert_eq!(result["covered_population"], 1100);
    assert_eq!(result["uncovered_population"], 450);
    assert!((result["covered_share"].as_f64().unwrap() - 1100.0 / 1550.0).abs() < 1e-12);
    assert_eq!(result["mode"], "walk");
    assert_eq!(result["minutes"], 15.0);
    assert_eq!(result["item"], "B02");
    assert_eq!(result["stations_total"], 3);
    assert_eq!(result["stations_considered"], 2);
    assert_eq!(result["stations_snapped"], 2);
    assert_eq!(result["components"]["component_count"], 1);
    assert_eq!(result["network"]["nodes"], 6);
    assert_eq!(result["network"]["segments"], 5);
    // FAR is kept in the points (null) and explained in the findings, not dropped.
    let findings = result["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["kind"], "not_snapped");
    assert_eq!(findings[0]["role"], "population");
    assert_eq!(findings[0]["id"], "FAR");
    let uncovered = result["uncovered"].as_array().unwrap();
    assert_eq!(uncovered.len(), 2);
    assert_eq!(uncovered[0]["id"], "P4");
    assert_eq!(uncovered[0]["population"], 400);
    assert_eq!(uncovered[0]["reason"], "out_of_reach");
    assert_eq!(uncovered[1]["id"], "FAR");
    assert_eq!(uncovered[1]["reason"], "not_snapped");

    assert!(
        stdout.contains("覆盖人口 1100 / 1550（71.0%），未覆盖点 2 个"),
        "{stdout}"
    );
    assert!(stdout.contains("事项 B02"), "{stdout}");
    assert!(
        stderr.contains("人口点“FAR”周围 500 米内没有可用的道路"),
        "{stderr}"
    );
    assert!(stderr.contains("构建步行路网图"), "{stderr}");
}

#[test]
fn a_region_column_gives_coverage_per_region() {
    let temp = line_network();
    std::fs::write(
        temp.path().join("population.csv"),
        "id,lon,lat,population,region
P1,120.00,32.0,100,320903001
P2,120.01,32.0,200,320903001
P3,120.02,32.0,300,320903002
P4,120.03,32.0,400,320903002
P5,120.04,32.0,500,
FAR,120.00,32.1,50,320903002
",
    )
    .unwrap();
    let output = cover(&temp, &["--item", "B02"]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    let result = read_json(&temp.path().join("result.json"));
    // B02 reaches P1, P2, P3 (from S1) and P5 (from S2); P5 has no region.
    let regions = result["regions"].as_array().unwrap();
    assert_eq!(regions.len(), 2, "{regions:?}");
    assert_eq!(regions[0]["code"], "320903001");
    assert_eq!(regions[0]["points"], 2);
    assert_eq!(regions[0]["population"], 300);
    assert_eq!(regions[0]["covered"], 300);
    assert_eq!(regions[0]["covered_share"], 1.0);
    assert_eq!(regions[1]["code"], "320903002");
    assert_eq!(regions[1]["points"], 3);
    assert_eq!(regions[1]["population"], 750);
    assert_eq!(regions[1]["covered"], 300);
    assert!((regions[1]["covered_share"].as_f64().unwrap() - 0.4).abs() < 1e-12);
    assert_eq!(result["covered_population"], 1100);
    assert!(
        stdout.contains("分区覆盖：320903001 300 / 300（100.0%）；320903002 300 / 750（40.0%）"),
        "{stdout}"
    );

    // Without the column the list is empty; a bad code names its line.
    let plain = line_network();
    let output = cover(&plain, &[]);
    assert!(output.status.success());
    let regions = read_json(&plain.path().join("result.json"))["regions"].clone();
    assert_eq!(regions, Value::Array(Vec::new()));
    std::fs::write(
        temp.path().join("population.csv"),
        "id,lon,lat,population,region\nP1,120.00,32.0,100,3209X\n",
    )
    .unwrap();
    let output = cover(&temp, &[]);
    let (_, stderr) = text(&output);
    assert!(!output.status.success());
    assert!(
        stderr.contains("人口点表第 2 行：区划代码“3209X”无效"),
        "{stderr}"
    );
}

#[test]
fn the_item_decides_which_stations_count() {
    let temp = line_network();
    // Without --item every station counts: S3 on node 2 becomes the nearest for P2 and P3,
    // and reaches node 4 in 3 + 12 = 15.0 min.
    let output = cover(&temp, &[]);
    assert!(output.status.success(), "{}", text(&output).1);
    let all = read_json(&temp.path().join("result.json"));
    assert_eq!(
        points(&all),
        vec![
            point("P1", Some(0.0), Some("S1")),
            point("P2", Some(0.0), Some("S3")),
            point("P3", Some(3.0), Some("S3")),
            point("P4", Some(15.0), Some("S3")),
            point("P5", Some(12.0), Some("S2")),
            point("FAR", None, None),
        ]
    );
    assert_eq!(all["covered_population"], 1500);
    assert_eq!(all["item"], Value::Null);

    // A01: only S1.
    let output = cover(&temp, &["--item", "A01"]);
    assert!(output.status.success(), "{}", text(&output).1);
    let a01 = read_json(&temp.path().join("result.json"));
    assert_eq!(
        points(&a01),
        vec![
            point("P1", Some(0.0), Some("S1")),
            point("P2", Some(12.0), Some("S1")),
            point("P3", Some(15.0), Some("S1")),
            point("P4", None, None),
            point("P5", None, None),
            point("FAR", None, None),
        ]
    );
    assert_eq!(a01["covered_population"], 600);

    // An item no station handles covers nobody, with a notice rather than an error.
    let output = cover(&temp, &["--item", "Z99"]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("没有任何站点办理事项“Z99”"), "{stderr}");
    assert!(stdout.contains("覆盖人口 0 / 1550"), "{stdout}");
}

#[test]
fn the_snap_distance_and_the_speed_are_honoured() {
    let temp = line_network();
    // With 20 km FAR snaps to node 1 (S1's); at 4 km/h 1,000 m takes 15.0 min and 250 m
    // 3.75 min, so node 4 (3.75 + 15 from S3) falls out of reach.
    let output = cover(&temp, &["--snap-m", "20000", "--speed-kmh", "4"]);
    assert!(output.status.success(), "{}", text(&output).1);
    let result = read_json(&temp.path().join("result.json"));
    assert_eq!(
        points(&result),
        vec![
            point("P1", Some(0.0), Some("S1")),
            point("P2", Some(0.0), Some("S3")),
            point("P3", Some(3.75), Some("S3")),
            point("P4", None, None),
            point("P5", Some(15.0), Some("S2")),
            point("FAR", Some(0.0), Some("S1")),
        ]
    );
    assert!(result["findings"].as_array().unwrap().is_empty());
    assert_eq!(result["snap_m"], 20000.0);
}

#[test]
fn bad_coverage_input_is_one_chinese_line() {
    let temp = line_network();
    let refused = |output: &Output| {
        let (stdout, stderr) = text(output);
        assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
        stderr
            .lines()
            .find(|line| line.starts_with("错误："))
            .unwrap_or_else(|| panic!("no 错误： line in {stderr}"))
            .to_owned()
    };

    std::fs::write(
        temp.path().join("stations.csv"),
        "id,lon,lat,items\nS1,120.00,32.0,A01\n\nS2,东经,32.0,B02\n",
    )
    .unwrap();
    let line = refused(&cover(&temp, &[]));
    assert!(line.contains("站点表第 4 行"), "{line}");
    assert!(line.contains("经度“东经”不是数字"), "{line}");
    std::fs::write(temp.path().join("stations.csv"), STATIONS).unwrap();

    std::fs::write(
        temp.path().join("population.csv"),
        "id,lon,lat,population\n",
    )
    .unwrap();
    let line = refused(&cover(&temp, &[]));
    assert!(line.contains("人口点表为空"), "{line}");
    std::fs::write(temp.path().join("population.csv"), POPULATION).unwrap();

    std::fs::write(
        temp.path().join("edges.csv"),
        "from,to,length_m\n1,2,1000\n2,7,5\n",
    )
    .unwrap();
    let line = refused(&cover(&temp, &[]));
    assert!(
        line.contains("路网边表第 3 行：终点节点 7 不在节点表中"),
        "{line}"
    );
    std::fs::write(temp.path().join("edges.csv"), EDGES).unwrap();

    let line = refused(&cover(&temp, &["--mode", "bus"]));
    assert!(line.contains("出行方式“bus”无效"), "{line}");
    let line = refused(&cover(&temp, &["--minutes", "0"]));
    assert!(line.contains("--minutes"), "{line}");

    // A CSV network needs its node list.
    let output = yibao()
        .arg("coverage")
        .arg("--network")
        .arg(temp.path().join("edges.csv"))
        .arg("--stations")
        .arg(temp.path().join("stations.csv"))
        .arg("--population")
        .arg(temp.path().join("population.csv"))
        .arg("--out")
        .arg(temp.path().join("result.json"))
        .output()
        .unwrap();
    let line = refused(&output);
    assert!(line.contains("--nodes"), "{line}");
    assert!(!temp.path().join("result.json").exists());
}

// ---------------------------------------------------------------------------------------------
// plan-sites

/// Planar metres, radius 1,000 m. Candidate A (0,0) covers d1 and d4 (15); B (3000,0) covers
/// d2 and d5 (15); C (1500,0) covers d3, d4 and d5 (16). The best single site is C (16); the
/// best pair is A+B (30), while greedy starts from C and reaches only 26. Total 36.
const DEMAND: &str = "id,x,y,weight
d1,0,500,10
d2,3000,500,10
d3,1500,500,6
d4,800,0,5
d5,2200,0,5
";
const CANDIDATES: &str = "id,x,y
A,0,0
B,3000,0
C,1500,0
";

fn planning_instance() -> TempDir {
    let temp = TempDir::new("plan_sites");
    std::fs::write(temp.path().join("demand.csv"), DEMAND).unwrap();
    std::fs::write(temp.path().join("candidates.csv"), CANDIDATES).unwrap();
    temp
}

fn plan(temp: &TempDir, extra: &[&str]) -> Output {
    let dir = temp.path();
    yibao()
        .arg("plan-sites")
        .arg("--demand")
        .arg(dir.join("demand.csv"))
        .arg("--candidates")
        .arg(dir.join("candidates.csv"))
        .arg("--out")
        .arg(dir.join("plan.json"))
        .args(extra)
        .output()
        .unwrap()
}

fn sites(plan: &Value) -> Vec<&str> {
    plan["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|site| site.as_str().unwrap())
        .collect()
}

#[test]
fn a_tiny_euclidean_plan_is_the_hand_verified_optimum() {
    let temp = planning_instance();
    for (k, expected_sites, expected_objective) in [
        ("1", vec!["C"], 16.0),
        ("2", vec!["A", "B"], 30.0),
        ("3", vec!["A", "B", "C"], 36.0),
    ] {
        let output = plan(
            &temp,
            &["--sites", k, "--radius-m", "1000", "--metric", "euclidean"],
        );
        let (stdout, stderr) = text(&output);
        assert!(output.status.success(), "K={k}: {stderr}");
        let result = read_json(&temp.path().join("plan.json"));
        assert_eq!(sites(&result), expected_sites, "K={k}");
        assert_eq!(result["objective"], expected_objective, "K={k}");
        let upper_bound = result["upper_bound"].as_f64().unwrap();
        assert!(upper_bound >= expected_objective, "K={k}: {result}");
        assert_eq!(result["proven_optimal"], true, "K={k}");
        assert_eq!(result["gap"], 0.0, "K={k}");
        assert_eq!(result["total_weight"], 36.0);
        assert_eq!(result["variant"], "max_covering");
        assert!(result["greedy_objective"].as_f64().unwrap() <= expected_objective);
        assert!(result["seconds"]["total"].as_f64().is_some());
        assert!(
            stdout.contains(&format!(
                "选址 {} 个：{}；覆盖权重 {} / 36",
                expected_sites.len(),
                expected_sites.join("、"),
                expected_objective
            )),
            "{stdout}"
        );
    }
    // Greedy alone would have stopped at 26 for K = 2.
    let output = plan(&temp, &["--sites", "2", "--radius-m", "1000"]);
    assert!(output.status.success());
    assert_eq!(
        read_json(&temp.path().join("plan.json"))["greedy_objective"],
        26.0
    );
}

#[test]
fn lon_lat_input_gives_the_same_plan() {
    let temp = planning_instance();
    // The same layout near 32° N: 1° of latitude ≈ 111.2 km, 1° of longitude ≈ 94.3 km. The
    // distances that decide (500, 700, 800 m against 1,000 m; 1,581 m for A–d3) keep clear
    // margins.
    let lon = |x: f64| 120.0 + x / 94_300.0;
    let lat = |y: f64| 32.0 + y / 111_200.0;
    let mut demand = String::from("id,lon,lat,weight\n");
    for row in DEMAND.lines().skip(1) {
        let cells: Vec<&str> = row.split(',').collect();
        let (x, y): (f64, f64) = (cells[1].parse().unwrap(), cells[2].parse().unwrap());
        demand.push_str(&format!(
            "{},{},{},{}\n",
            cells[0],
            lon(x),
            lat(y),
            cells[3]
        ));
    }
    let mut candidates = String::from("id,lon,lat\n");
    for row in CANDIDATES.lines().skip(1) {
        let cells: Vec<&str> = row.split(',').collect();
        let (x, y): (f64, f64) = (cells[1].parse().unwrap(), cells[2].parse().unwrap());
        candidates.push_str(&format!("{},{},{}\n", cells[0], lon(x), lat(y)));
    }
    std::fs::write(temp.path().join("demand.csv"), demand).unwrap();
    std::fs::write(temp.path().join("candidates.csv"), candidates).unwrap();
    let output = plan(&temp, &["--sites", "2", "--radius-m", "1000"]);
    assert!(output.status.success(), "{}", text(&output).1);
    let result = read_json(&temp.path().join("plan.json"));
    assert_eq!(sites(&result), vec!["A", "B"]);
    assert_eq!(result["objective"], 30.0);
}

#[test]
fn a_target_share_gives_the_fewest_sites() {
    let temp = planning_instance();
    for (share, expected_sites, expected_objective) in [
        // 44% of 36 = 15.84: only C (16) reaches it alone.
        ("0.44", vec!["C"], 16.0),
        // 80% = 28.8: no single site; A+B (30) does.
        ("0.8", vec!["A", "B"], 30.0),
        ("1", vec!["A", "B", "C"], 36.0),
    ] {
        let output = plan(&temp, &["--target-share", share, "--radius-m", "1000"]);
        let (stdout, stderr) = text(&output);
        assert!(output.status.success(), "{share}: {stderr}");
        let result = read_json(&temp.path().join("plan.json"));
        assert_eq!(result["variant"], "set_covering");
        assert_eq!(sites(&result), expected_sites, "{share}");
        assert_eq!(result["objective"], expected_objective, "{share}");
        assert_eq!(result["reached"], true);
        assert_eq!(result["proven_minimal"], true, "{share}");
        assert!(
            stdout.contains(&format!("最少需要 {} 个站址", expected_sites.len())),
            "{stdout}"
        );
    }
    // --sites and --target-share exclude each other; one of them is required.
    let output = plan(
        &temp,
        &[
            "--sites",
            "2",
            "--target-share",
            "0.5",
            "--radius-m",
            "1000",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    let output = plan(&temp, &["--radius-m", "1000"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn network_coverage_drives_the_plan_when_asked() {
    let network = line_network();
    let temp = planning_instance();
    std::fs::write(
        temp.path().join("demand.csv"),
        POPULATION.replace("population", "weight"),
    )
    .unwrap();
    // Candidates on nodes 1, 3, 4 and 6. Walking 15 min from node 4 reaches nodes 2 (15),
    // 3 (12), 4 and 5 (12): 200 + 300 + 400 + 500 = 1,400, the best single site.
    std::fs::write(
        temp.path().join("candidates.csv"),
        "id,lon,lat\nN1,120.00,32.0\nN3,120.02,32.0\nN4,120.03,32.0\nN6,120.05,32.0\n",
    )
    .unwrap();
    let output = yibao()
        .arg("plan-sites")
        .arg("--demand")
        .arg(temp.path().join("demand.csv"))
        .arg("--candidates")
        .arg(temp.path().join("candidates.csv"))
        .args(["--sites", "1", "--metric", "network", "--mode", "walk"])
        .args(["--minutes", "15", "--network"])
        .arg(network.path().join("edges.csv"))
        .arg("--nodes")
        .arg(network.path().join("nodes.csv"))
        .arg("--out")
        .arg(temp.path().join("plan.json"))
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    let result = read_json(&temp.path().join("plan.json"));
    assert_eq!(sites(&result), vec!["N4"]);
    assert_eq!(result["objective"], 1400.0);
    assert_eq!(result["total_weight"], 1550.0);
    assert_eq!(result["metric"], "network");
    assert_eq!(result["mode"], "walk");
    // FAR cannot be placed on the network: reported.
    let findings = result["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["id"], "FAR");
    assert!(stdout.contains("路网步行 15 分钟内"), "{stdout}");
}

#[test]
fn bad_planning_input_is_a_clear_error() {
    let temp = planning_instance();
    let refused = |extra: &[&str]| {
        let output = plan(&temp, extra);
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
        stderr
            .lines()
            .find(|line| line.starts_with("错误："))
            .unwrap_or_else(|| panic!("no 错误： line in {stderr}"))
            .to_owned()
    };
    let line = refused(&["--sites", "0", "--radius-m", "1000"]);
    assert!(line.contains("--sites 应为正整数"), "{line}");
    let line = refused(&["--sites", "-2", "--radius-m", "1000"]);
    assert!(line.contains("--sites 应为正整数"), "{line}");
    let line = refused(&["--sites", "2", "--radius-m", "0"]);
    assert!(line.contains("--radius-m 应为正数"), "{line}");
    let line = refused(&["--sites", "2", "--radius-m", "-5"]);
    assert!(line.contains("--radius-m 应为正数"), "{line}");
    let line = refused(&["--sites", "2"]);
    assert!(line.contains("--radius-m"), "{line}");
    let line = refused(&["--target-share", "1.5", "--radius-m", "1000"]);
    assert!(line.contains("--target-share"), "{line}");
    let line = refused(&["--sites", "2", "--metric", "network"]);
    assert!(line.contains("--network"), "{line}");

    std::fs::write(temp.path().join("demand.csv"), "id,lon,lat,weight\n").unwrap();
    let line = refused(&["--sites", "2", "--radius-m", "1000"]);
    assert!(line.contains("需求点表为空"), "{line}");
    std::fs::write(temp.path().join("demand.csv"), "").unwrap();
    let line = refused(&["--sites", "2", "--radius-m", "1000"]);
    assert!(line.contains("需求点表为空"), "{line}");

    std::fs::write(
        temp.path().join("demand.csv"),
        "id,x,y,weight\nd1,0,0,1\nd2,5,5,lots\n",
    )
    .unwrap();
    let line = refused(&["--sites", "2", "--radius-m", "1000"]);
    assert!(line.contains("需求点表第 3 行"), "{line}");
    assert!(line.contains("权重“lots”"), "{line}");

    std::fs::write(
        temp.path().join("demand.csv"),
        "id,lon,lat,weight\nd1,120,32,1\n",
    )
    .unwrap();
    let line = refused(&["--sites", "2", "--radius-m", "1000"]);
    assert!(line.contains("坐标不一致"), "{line}");
}

// ---------------------------------------------------------------------------------------------
// The real Helsinki extract

fn helsinki_pbf() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("YIBAO_HELSINKI_PBF") {
        return Some(PathBuf::from(path));
    }
    let cache = std::env::var_os("YIBAO_DATA_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/data-cache"));
    let path = cache.join("Helsinki.osm.pbf");
    if path.is_file() {
        return Some(path);
    }
    assert!(
        !required("YIBAO_REQUIRE_DATA"),
        "YIBAO_REQUIRE_DATA=1 but Helsinki.osm.pbf is not in {} (run scripts/fetch-helsinki.sh)",
        cache.display()
    );
    notice(&format!(
        "Helsinki.osm.pbf not found in {} (run scripts/fetch-helsinki.sh or set YIBAO_HELSINKI_PBF): the CLI coverage test on the real network was SKIPPED.",
        cache.display()
    ));
    None
}

#[test]
fn coverage_of_the_real_helsinki_network_is_plausible() {
    use yibao_routing::{Components, Graph, ModeConfig};

    let Some(pbf) = helsinki_pbf() else { return };
    // Real node positions to place stations and people on, read with the routing crate.
    let file = std::fs::File::open(&pbf).unwrap();
    let (network, _) = yibao_routing::import::read_osm_pbf(std::io::BufReader::new(file)).unwrap();
    let walk = Graph::build(&network, &ModeConfig::walk());
    let components = Components::strong(&walk);
    let largest: Vec<usize> = (0..walk.node_count())
        .filter(|&node| components.in_largest(node as u32))
        .collect();
    assert!(largest.len() > 1_000, "{}", largest.len());
    let position = |node: usize| walk.positions()[node];
    let station_nodes = [largest[largest.len() / 5], largest[4 * largest.len() / 5]];
    let temp = TempDir::new("helsinki");
    let mut stations = String::from("id,lon,lat,items\n");
    for (index, &node) in station_nodes.iter().enumerate() {
        let p = position(node);
        let items = if index == 0 { "A;B" } else { "B" };
        stations.push_str(&format!("H{index},{},{},{items}\n", p.lon(), p.lat()));
    }
    let mut population = String::from("id,lon,lat,population\n");
    let people: Vec<usize> = largest.iter().copied().step_by(40).collect();
    for &node in &people {
        let p = position(node);
        population.push_str(&format!("N{node},{},{},100\n", p.lon(), p.lat()));
    }
    // On each station's own node, and one in the Gulf of Finland ~3 km south-west.
    for (index, &node) in station_nodes.iter().enumerate() {
        let p = position(node);
        population.push_str(&format!("AT{index},{},{},100\n", p.lon(), p.lat()));
    }
    population.push_str("SEA,24.90,60.15,7\n");
    std::fs::write(temp.path().join("stations.csv"), &stations).unwrap();
    std::fs::write(temp.path().join("population.csv"), &population).unwrap();
    let point_count = people.len() + 3;

    let run = |extra: &[&str]| {
        let output = yibao()
            .arg("coverage")
            .arg("--network")
            .arg(&pbf)
            .arg("--stations")
            .arg(temp.path().join("stations.csv"))
            .arg("--population")
            .arg(temp.path().join("population.csv"))
            .arg("--out")
            .arg(temp.path().join("result.json"))
            .args(extra)
            .output()
            .unwrap();
        let (stdout, stderr) = text(&output);
        assert!(output.status.success(), "{stderr}");
        (read_json(&temp.path().join("result.json")), stdout, stderr)
    };

    let (result, stdout, stderr) = run(&["--mode", "walk", "--minutes", "5"]);
    assert!(stderr.contains("读取 OpenStreetMap 路网"), "{stderr}");
    assert!(stdout.contains("覆盖人口"), "{stdout}");
    assert_eq!(result["network"]["format"], "osm_pbf");
    assert_eq!(result["stations_snapped"], 2);
    let total = result["total_population"].as_u64().unwrap();
    let covered = result["covered_population"].as_u64().unwrap();
    assert_eq!(total, (point_count as u64 - 1) * 100 + 7);
    assert!(covered > 0 && covered < total, "{covered} of {total}");
    let points = result["points"].as_array().unwrap();
    assert_eq!(points.len(), point_count);
    let station_position = |id: &str| position(station_nodes[id[1..].parse::<usize>().unwrap()]);
    let people_positions: Vec<_> = people
        .iter()
        .map(|&node| position(node))
        .chain(station_nodes.iter().map(|&node| position(node)))
        .collect();
    for (point, &at) in points.iter().zip(&people_positions) {
        let (Some(minutes), Some(station)) = (point["minutes"].as_f64(), point["station"].as_str())
        else {
            continue;
        };
        assert!(minutes <= 5.0, "{point}");
        // Nobody walks faster than the crow flies at 5 km/h (0.1 s rounding per segment
        // aside).
        let crow_minutes = at.distance_m(station_position(station)) / (5_000.0 / 60.0);
        assert!(
            minutes + 0.05 >= crow_minutes * 0.98,
            "{point} crow {crow_minutes}"
        );
    }
    let at = |id: &str| points.iter().find(|p| p["id"] == id).unwrap();
    assert_eq!(at("AT0")["minutes"], 0.0);
    assert_eq!(at("AT0")["station"], "H0");
    assert_eq!(at("AT1")["minutes"], 0.0);
    assert_eq!(at("AT1")["station"], "H1");
    assert_eq!(at("SEA")["minutes"], Value::Null);
    let findings = result["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["id"] == "SEA" && f["kind"] == "not_snapped"),
        "{findings:?}"
    );

    // Only H0 handles item A: H1's own node is then reached from H0 or not at all, and no
    // more people are covered than by both stations.
    let (only_a, _, _) = run(&["--mode", "walk", "--minutes", "5", "--item", "A"]);
    assert_eq!(only_a["stations_considered"], 1);
    let at_a = |id: &str| {
        only_a["points"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .unwrap()
            .clone()
    };
    assert_ne!(at_a("AT1")["station"], "H1");
    assert!(only_a["covered_population"].as_u64().unwrap() <= covered);

    // A longer budget covers at least as many people.
    let (wider, _, _) = run(&["--mode", "walk", "--minutes", "15"]);
    assert!(wider["covered_population"].as_u64().unwrap() >= covered);
    eprintln!(
        "Helsinki via the CLI: walk 5 min covers {covered}/{total}, 15 min covers {}/{total}",
        wider["covered_population"]
    );
}

#[test]
fn travel_times_on_a_tiny_network_are_the_hand_computed_ones() {
    let temp = line_network();
    let dir = temp.path();
    std::fs::write(
        dir.join("from.csv"),
        "id,lon,lat\nA,120.00,32.0\nB,120.02,32.0\nFAR,120.00,32.1\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("to.csv"),
        "id,lon,lat\nX,120.01,32.0\nY,120.05,32.0\nZ,120.035,32.0003\n",
    )
    .unwrap();
    let run = |from: &str| {
        yibao()
            .arg("travel-times")
            .arg("--network")
            .arg(dir.join("edges.csv"))
            .arg("--nodes")
            .arg(dir.join("nodes.csv"))
            .arg("--from")
            .arg(dir.join(from))
            .arg("--to")
            .arg(dir.join("to.csv"))
            .arg("--out")
            .arg(dir.join("table.json"))
            .output()
            .unwrap()
    };
    let output = run("from.csv");
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    let table = read_json(&dir.join("table.json"));
    // Walking at 5 km/h: A (node 1) → X (node 2) 1,000 m = 720 s, A → Y (node 6) 4,250 m =
    // 3,060 s; B (node 3) → X 250 m = 180 s, B → Y 3,000 m = 2,160 s; FAR is not on the network.
    // Z stands 33 m north of the middle of 4–5 and joins the road there: A → Z 2,250 m + 500 m
    // = 1,980 s, B → Z 1,000 m + 500 m = 1,080 s.
    assert_eq!(
        table["durations_s"],
        serde_json::json!([
            [720.0, 3060.0, 1980.0],
            [180.0, 2160.0, 1080.0],
            [null, null, null]
        ])
    );
    assert_eq!(table["origins"], serde_json::json!(["A", "B", "FAR"]));
    assert_eq!(table["destinations"], serde_json::json!(["X", "Y", "Z"]));
    assert_eq!(table["pairs_with_time"], 6);
    let z = &table["destination_snaps"][2];
    assert_eq!(z["lon"], 120.035, "{z}");
    assert_eq!(z["lat"], 32.0, "{z}");
    assert_eq!(z["distance_m"], 33.4, "{z}");
    let findings = table["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["role"], "origin");
    assert_eq!(findings[0]["id"], "FAR");
    assert!(
        stdout.contains("通行时间表 3 × 3（步行），有时间的点对 6 / 9"),
        "{stdout}"
    );

    std::fs::write(dir.join("bad.csv"), "id,lon,lat\nA,abc,32.0\n").unwrap();
    let output = run("bad.csv");
    let (_, stderr) = text(&output);
    assert!(!output.status.success());
    assert!(stderr.contains("错误：起点表第 2 行"), "{stderr}");
}
