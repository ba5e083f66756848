//! `yibao coverage` and `yibao plan-sites`: the command-line face of `yibao-routing`.
//!
//! Both read their CSV (and road network) files, run the crate's coverage or planning code and
//! write one JSON file that other tools script against; a short Chinese summary goes to
//! stdout and progress lines with timings to stderr. Every refusal is an `anyhow` error whose
//! message is the crate's Chinese text (with the line number for a malformed row), so `main`
//! prints it as one `错误：…` line.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Display;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, ValueEnum};
use serde::Serialize;
use yibao_domain::GeoPoint;
use yibao_routing::import::{
    read_candidates, read_demand, read_network_csv, read_osm_pbf, read_points, read_population,
    read_stations,
};
use yibao_routing::places::planar_points;
use yibao_routing::snap::DEFAULT_MAX_SNAP_DISTANCE_M;
use yibao_routing::{
    ComponentReport, CoverageConfig, CoverageLists, CoverageNetwork, Finding, FindingKind, Graph,
    Location, ModeConfig, PlanConfig, PointCoverage, PointRole, PopulationPoint, RoadNetwork,
    RoutingError, SnapConfig, SnapTarget, Snapped, StationPlace, TravelMode, fewest_sites,
    plan_sites, travel_time_table,
};

/// Default time budget, minutes: the 15-minute circle.
const DEFAULT_MINUTES: f64 = 15.0;

#[derive(Args)]
pub struct CoverageArgs {
    /// 路网：CSV 边表 `from,to,length_m[,oneway][,highway]`（此时须给 --nodes）或 OpenStreetMap `.osm.pbf` 文件
    #[arg(long, value_name = "FILE")]
    network: PathBuf,
    /// CSV 路网的节点表 `id,lon,lat`
    #[arg(long, value_name = "FILE")]
    nodes: Option<PathBuf>,
    /// 站点表：`id,lon,lat[,items]`（items 为以 `;` 分隔的事项编码）
    #[arg(long, value_name = "FILE")]
    stations: PathBuf,
    /// 人口点表：`id,lon,lat,population`
    #[arg(long, value_name = "FILE")]
    population: PathBuf,
    /// 出行方式：walk 步行（5 km/h）、e_bike 电动自行车（15 km/h）或 car 汽车（按道路等级定速，遵守单行）
    #[arg(long, default_value = "walk")]
    mode: String,
    /// 时间上限（分钟）
    #[arg(long, default_value_t = DEFAULT_MINUTES, allow_negative_numbers = true)]
    minutes: f64,
    /// 只计 `items` 中含此事项编码的站点
    #[arg(long, value_name = "CODE")]
    item: Option<String>,
    /// 离可用道路超过此距离（米）的点不纳入计算，单独列出
    #[arg(long, default_value_t = DEFAULT_MAX_SNAP_DISTANCE_M, allow_negative_numbers = true)]
    snap_m: f64,
    /// 所有可用道路统一按此速度（km/h），不用出行方式的默认速度
    #[arg(long, allow_negative_numbers = true)]
    speed_kmh: Option<f64>,
    /// 结果文件（result.json）写入位置
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// 直线距离在 --radius-m 以内
    Euclidean,
    /// 按 --mode 在路网上的通行时间在 --minutes 以内
    Network,
}

#[derive(Args)]
pub struct PlanSitesArgs {
    /// 需求点表：`id,lon,lat,weight`（或平面坐标，单位米：`id,x,y,weight`）
    #[arg(long, value_name = "FILE")]
    demand: PathBuf,
    /// 候选站址表：`id,lon,lat`（或平面坐标，单位米：`id,x,y`）
    #[arg(long, value_name = "FILE")]
    candidates: PathBuf,
    /// 新设站址数 K：使覆盖权重最大（最大覆盖）
    #[arg(
        long,
        value_name = "K",
        allow_negative_numbers = true,
        required_unless_present = "target_share",
        conflicts_with = "target_share"
    )]
    sites: Option<i64>,
    /// 代替 --sites：用最少站址覆盖总权重的这一比例（0–1]（集合覆盖）
    #[arg(long, value_name = "S", allow_negative_numbers = true)]
    target_share: Option<f64>,
    /// --metric euclidean 的覆盖半径（米）
    #[arg(long, value_name = "R", allow_negative_numbers = true)]
    radius_m: Option<f64>,
    /// “覆盖”的判定方式
    #[arg(long, value_enum, default_value = "euclidean")]
    metric: Metric,
    /// --metric network 用的路网（CSV 边表加 --nodes，或 `.osm.pbf`）
    #[arg(long, value_name = "FILE")]
    network: Option<PathBuf>,
    /// CSV 路网的节点表 `id,lon,lat`
    #[arg(long, value_name = "FILE")]
    nodes: Option<PathBuf>,
    /// --metric network 的出行方式：walk、e_bike 或 car（默认 walk）
    #[arg(long)]
    mode: Option<String>,
    /// --metric network 的时间上限（分钟，默认 15）
    #[arg(long, allow_negative_numbers = true)]
    minutes: Option<f64>,
    /// --metric network 的最大吸附距离（米，默认 500）
    #[arg(long, allow_negative_numbers = true)]
    snap_m: Option<f64>,
    /// --metric network 时所有可用道路统一按此速度（km/h）
    #[arg(long, allow_negative_numbers = true)]
    speed_kmh: Option<f64>,
    /// 选址结果（plan.json）写入位置
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

/// Progress lines on stderr: a line when a step starts, an indented one with its time when it
/// ends.
struct Progress {
    started: Instant,
    step: Instant,
}

impl Progress {
    fn new() -> Progress {
        let now = Instant::now();
        Progress {
            started: now,
            step: now,
        }
    }

    fn begin(&mut self, what: impl Display) {
        eprintln!("{what}…");
        self.step = Instant::now();
    }

    /// Ends the step; returns its seconds.
    fn end(&self, detail: impl Display) -> f64 {
        let seconds = self.step.elapsed().as_secs_f64();
        eprintln!("  {detail}（{seconds:.2} 秒）");
        seconds
    }

    fn total(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}

fn open(path: &Path) -> Result<BufReader<File>> {
    let file = File::open(path).with_context(|| format!("无法打开“{}”", path.display()))?;
    Ok(BufReader::new(file))
}

/// The crate's message (it names the table and the line) followed by the file.
fn in_file(path: &Path) -> impl Fn(RoutingError) -> anyhow::Error + '_ {
    move |error| anyhow!("{error}（文件 {}）", path.display())
}

fn write_json(path: &Path, value: &impl Serialize) -> Result<()> {
    let file = File::create(path).with_context(|| format!("无法写入“{}”", path.display()))?;
    let mut writer = BufWriter::new(file);
    serde_json::to_writer_pretty(&mut writer, value)?;
    writer
        .write_all(b"\n")
        .and_then(|()| writer.flush())
        .with_context(|| format!("无法写入“{}”", path.display()))
}

fn mode_label(mode: TravelMode) -> &'static str {
    match mode {
        TravelMode::Walk => "步行",
        TravelMode::EBike => "电动自行车",
        TravelMode::Car => "汽车",
    }
}

fn percent(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        part / whole * 100.0
    } else {
        0.0
    }
}

/// A weight as people read it: whole numbers without decimals.
fn weight(value: f64) -> String {
    if (value - value.round()).abs() < 1e-9 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

/// Up to 20 ids joined with “、”, then how many more.
fn id_list(ids: &[String]) -> String {
    const SHOWN: usize = 20;
    let mut text = ids
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join("、");
    if ids.len() > SHOWN {
        text.push_str(&format!(" 等（共 {} 个）", ids.len()));
    }
    text
}

/// Shows the first findings on stderr; all of them are in the JSON.
fn show_findings(findings: &[Finding], out: &Path) {
    const SHOWN: usize = 10;
    for finding in findings.iter().take(SHOWN) {
        eprintln!("提示：{}", finding.message);
    }
    if findings.len() > SHOWN {
        eprintln!(
            "提示：另有 {} 条，全部见 {} 的 findings",
            findings.len() - SHOWN,
            out.display()
        );
    }
}

fn positive(value: f64, what: &str) -> Result<f64> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        bail!("{what}应为正数，收到 {value}")
    }
}

/// The road network file and how it was read, for the JSON.
#[derive(Serialize)]
struct NetworkSummary {
    file: String,
    /// `csv` or `osm_pbf`.
    format: &'static str,
    nodes: u64,
    segments: u64,
    /// Directed arcs the mode's graph kept.
    arcs: u64,
    /// The uniform speed given with --speed-kmh, if any.
    speed_kmh: Option<f64>,
}

fn is_pbf(path: &Path) -> bool {
    path.file_name()
        .map(|name| name.to_string_lossy().to_ascii_lowercase())
        .is_some_and(|name| name.ends_with(".pbf"))
}

/// Reads a road network: `.pbf` as OpenStreetMap, anything else as a CSV edge list with its
/// node list.
/// Refuses a network argument pair that cannot be read: a CSV edge list without its node
/// list, or a node list beside an OpenStreetMap file. Checked before any file is read.
fn check_network_args(network: &Path, nodes: Option<&Path>) -> Result<()> {
    match (is_pbf(network), nodes) {
        (true, Some(_)) => bail!(
            "--nodes 只用于 CSV 路网；{} 是 OpenStreetMap 文件，节点已在其中",
            network.display()
        ),
        (false, None) => bail!(
            "路网 {} 是 CSV 边表（from,to,length_m），需要用 --nodes 给出节点表（id,lon,lat）；OpenStreetMap 路网请给 .osm.pbf 文件",
            network.display()
        ),
        _ => Ok(()),
    }
}

fn load_network(
    network: &Path,
    nodes: Option<&Path>,
    progress: &mut Progress,
) -> Result<(RoadNetwork, &'static str, f64)> {
    check_network_args(network, nodes)?;
    if is_pbf(network) {
        progress.begin(format!("读取 OpenStreetMap 路网 {}", network.display()));
        let (road_network, report) = read_osm_pbf(open(network)?).map_err(in_file(network))?;
        let seconds = progress.end(format!(
            "道路 {} 条，节点 {} 个，路段 {} 段（跳过非道路 {} 条，缺失节点引用 {} 个，\
             设卡或禁行节点 {} 个）",
            report.road_ways,
            report.nodes,
            report.segments,
            report.skipped_ways,
            report.missing_node_references,
            report.barrier_nodes
        ));
        Ok((road_network, "osm_pbf", seconds))
    } else {
        let nodes = nodes.expect("check_network_args requires --nodes for a CSV network");
        progress.begin(format!(
            "读取 CSV 路网 {}（节点表 {}）",
            network.display(),
            nodes.display()
        ));
        let edges = open(network)?;
        let node_file = open(nodes)?;
        // The reader names the table (边表 or 节点表) in its message; both files are shown.
        let road_network = read_network_csv(edges, node_file).map_err(|error| {
            anyhow!(
                "{error}（边表 {}，节点表 {}）",
                network.display(),
                nodes.display()
            )
        })?;
        let seconds = progress.end(format!(
            "节点 {} 个，路段 {} 段",
            road_network.node_count(),
            road_network.segments().len()
        ));
        Ok((road_network, "csv", seconds))
    }
}

fn mode_config(mode: &str, speed_kmh: Option<f64>) -> Result<ModeConfig> {
    let config = ModeConfig::for_mode(TravelMode::parse(mode)?);
    Ok(match speed_kmh {
        Some(speed) => config.with_uniform_speed(speed)?,
        None => config,
    })
}

fn build_graph(network: &RoadNetwork, config: &ModeConfig, progress: &mut Progress) -> Graph {
    progress.begin(format!("构建{}路网图", mode_label(config.mode)));
    let graph = Graph::build(network, config);
    progress.end(format!("有向弧 {} 条", graph.arc_count()));
    graph
}

fn prepare<'a>(graph: &'a Graph, snap_m: f64, progress: &mut Progress) -> CoverageNetwork<'a> {
    progress.begin("计算连通分量并建立吸附索引");
    let prepared = CoverageNetwork::new(
        graph,
        SnapConfig {
            max_distance_m: snap_m,
            target: SnapTarget::LargestComponent,
        },
    );
    let report = prepared.components().report();
    progress.end(format!(
        "可用节点 {} 个，连通分量 {} 个，最大分量 {} 个节点（其余 {} 个节点不参与吸附）",
        report.usable_nodes,
        report.component_count,
        report.largest_component_nodes,
        report.nodes_outside_largest
    ));
    prepared
}

fn check_snap(snap_m: f64) -> Result<f64> {
    if snap_m.is_finite() && snap_m >= 0.0 {
        Ok(snap_m)
    } else {
        bail!("最大吸附距离 --snap-m 应为非负数，收到 {snap_m}")
    }
}

// ---------------------------------------------------------------------------------------------
// yibao coverage

#[derive(Serialize)]
struct CoverageSeconds {
    read: f64,
    graph: f64,
    prepare: f64,
    cover: f64,
    total: f64,
}

/// A population point left uncovered, with why.
#[derive(Serialize)]
struct Uncovered {
    id: String,
    population: u64,
    /// `not_snapped` (no road within the snap distance) or `out_of_reach` (no station
    /// within the budget).
    reason: &'static str,
}

/// Coverage of the population points of one region (population.csv's `region` column).
#[derive(Serialize)]
struct RegionCoverage {
    code: String,
    points: u64,
    population: u64,
    covered: u64,
    covered_share: f64,
}

/// Per-region totals, by code; points without a region are left out.
fn region_coverage(
    population: &[PopulationPoint],
    result: &[PointCoverage],
) -> Vec<RegionCoverage> {
    let mut regions: BTreeMap<&str, RegionCoverage> = BTreeMap::new();
    for (person, point) in population.iter().zip(result) {
        let Some(code) = person.region.as_ref() else {
            continue;
        };
        let entry = regions
            .entry(code.as_str())
            .or_insert_with(|| RegionCoverage {
                code: code.as_str().to_owned(),
                points: 0,
                population: 0,
                covered: 0,
                covered_share: 0.0,
            });
        entry.points += 1;
        entry.population += person.population;
        if point.minutes.is_some() {
            entry.covered += person.population;
        }
    }
    regions
        .into_values()
        .map(|mut region| {
            region.covered_share = percent(region.covered as f64, region.population as f64) / 100.0;
            region
        })
        .collect()
}

/// `result.json`.
#[derive(Serialize)]
struct CoverageOutput {
    mode: TravelMode,
    minutes: f64,
    item: Option<String>,
    total_population: u64,
    covered_population: u64,
    covered_share: f64,
    uncovered_population: u64,
    /// Stations in the file, stations that handle the item (all without --item), and those
    /// placed on the network.
    stations_total: u64,
    stations_considered: u64,
    stations_snapped: u64,
    snap_m: f64,
    network: NetworkSummary,
    components: ComponentReport,
    seconds: CoverageSeconds,
    findings: Vec<Finding>,
    /// Coverage per region code (population.csv's optional `region` column), by code; empty
    /// without the column.
    regions: Vec<RegionCoverage>,
    /// Uncovered points, most people first.
    uncovered: Vec<Uncovered>,
    points: Vec<PointCoverage>,
}

pub fn coverage(args: &CoverageArgs) -> Result<()> {
    let mode = mode_config(&args.mode, args.speed_kmh)?;
    let minutes = positive(args.minutes, "时间阈值 --minutes ")?;
    let snap_m = check_snap(args.snap_m)?;
    let item = args
        .item
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if args.item.is_some() && item.is_none() {
        bail!("--item 的事项编码为空");
    }
    check_network_args(&args.network, args.nodes.as_deref())?;
    let mut progress = Progress::new();

    progress.begin("读取站点与人口点");
    let stations = read_stations(open(&args.stations)?).map_err(in_file(&args.stations))?;
    let population = read_population(open(&args.population)?).map_err(in_file(&args.population))?;
    let stations_total = stations.len();
    let any_items_listed = stations.iter().any(|s| !s.items.is_empty());
    let considered: Vec<StationPlace> = match item {
        None => stations,
        Some(code) => stations
            .into_iter()
            .filter(|s| s.items.iter().any(|i| i == code))
            .collect(),
    };
    let mut read = progress.end(format!(
        "站点 {stations_total} 个{}，人口点 {} 个",
        match item {
            Some(code) => format!("（办理事项 {code} 的 {} 个）", considered.len()),
            None => String::new(),
        },
        population.len()
    ));
    if let Some(code) = item
        && considered.is_empty()
    {
        eprintln!(
            "提示：没有任何站点办理事项“{code}”{}，所有人口点都将记为未覆盖",
            if any_items_listed {
                ""
            } else {
                "（站点表没有 items 列或该列全空）"
            }
        );
    }

    let (network, format, network_seconds) =
        load_network(&args.network, args.nodes.as_deref(), &mut progress)?;
    read += network_seconds;
    let graph_started = Instant::now();
    let graph = build_graph(&network, &mode, &mut progress);
    let graph_seconds = graph_started.elapsed().as_secs_f64();
    let prepare_started = Instant::now();
    let prepared = prepare(&graph, snap_m, &mut progress);
    let prepare_seconds = prepare_started.elapsed().as_secs_f64();

    progress.begin(format!(
        "吸附并搜索{} {} 分钟内的最近站点",
        mode_label(mode.mode),
        weight(minutes)
    ));
    let result = prepared.cover(
        &considered,
        &population,
        &CoverageConfig {
            minutes,
            access_speed_kmh: None,
        },
    )?;
    let cover_seconds = progress.end(format!(
        "已吸附站点 {} 个，覆盖人口点 {} 个",
        result.stations_snapped,
        result.points.iter().filter(|p| p.minutes.is_some()).count()
    ));

    let not_snapped: HashSet<&str> = result
        .findings
        .iter()
        .filter(|f| f.role == PointRole::Population && f.kind == FindingKind::NotSnapped)
        .map(|f| f.id.as_str())
        .collect();
    let mut uncovered: Vec<Uncovered> = result
        .points
        .iter()
        .zip(&population)
        .filter(|(point, _)| point.minutes.is_none())
        .map(|(point, person)| Uncovered {
            id: point.id.clone(),
            population: person.population,
            reason: if not_snapped.contains(point.id.as_str()) {
                "not_snapped"
            } else {
                "out_of_reach"
            },
        })
        .collect();
    uncovered.sort_by(|a, b| b.population.cmp(&a.population).then(a.id.cmp(&b.id)));

    let regions = region_coverage(&population, &result.points);
    let total = progress.total();
    let output = CoverageOutput {
        mode: result.mode,
        minutes,
        item: item.map(str::to_owned),
        total_population: result.total_population,
        covered_population: result.covered_population,
        covered_share: result.covered_share,
        uncovered_population: result.total_population - result.covered_population,
        stations_total: stations_total as u64,
        stations_considered: considered.len() as u64,
        stations_snapped: result.stations_snapped,
        snap_m,
        network: NetworkSummary {
            file: args.network.display().to_string(),
            format,
            nodes: network.node_count() as u64,
            segments: network.segments().len() as u64,
            arcs: graph.arc_count() as u64,
            speed_kmh: args.speed_kmh,
        },
        components: result.components,
        seconds: CoverageSeconds {
            read,
            graph: graph_seconds,
            prepare: prepare_seconds,
            cover: cover_seconds,
            total,
        },
        findings: result.findings,
        regions,
        uncovered,
        points: result.points,
    };
    write_json(&args.out, &output)?;
    show_findings(&output.findings, &args.out);

    println!(
        "覆盖人口 {} / {}（{:.1}%），未覆盖点 {} 个，用时 {total:.2} 秒",
        output.covered_population,
        output.total_population,
        percent(
            output.covered_population as f64,
            output.total_population as f64
        ),
        output.uncovered.len(),
    );
    println!(
        "{}{} {} 分钟{}；参与计算的站点 {} 个（站点表共 {} 个，已吸附到路网 {} 个）",
        mode_label(output.mode),
        args.speed_kmh
            .map(|speed| format!("（{} km/h）", weight(speed)))
            .unwrap_or_default(),
        weight(minutes),
        match item {
            Some(code) => format!("，事项 {code}"),
            None => "，全部事项".to_owned(),
        },
        output.stations_considered,
        output.stations_total,
        output.stations_snapped
    );
    if !output.regions.is_empty() {
        const SHOWN: usize = 10;
        let mut lines: Vec<String> = output
            .regions
            .iter()
            .take(SHOWN)
            .map(|region| {
                format!(
                    "{} {} / {}（{:.1}%）",
                    region.code,
                    region.covered,
                    region.population,
                    region.covered_share * 100.0
                )
            })
            .collect();
        if output.regions.len() > SHOWN {
            lines.push(format!(
                "等 {} 个区划，见结果文件的 regions",
                output.regions.len()
            ));
        }
        println!("分区覆盖：{}", lines.join("；"));
    }
    if !output.findings.is_empty() {
        println!(
            "提示 {} 条（未能吸附到路网的点等），见结果文件的 findings",
            output.findings.len()
        );
    }
    println!("结果已写入 {}", args.out.display());
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// yibao plan-sites

#[derive(Serialize)]
struct PlanSeconds {
    read: f64,
    /// Building the coverage relation (grid or network searches).
    coverage: f64,
    solve: f64,
    total: f64,
}

/// `plan.json`; the fields of the other variant are left out.
#[derive(Serialize)]
struct PlanOutput {
    /// `max_covering` (--sites) or `set_covering` (--target-share).
    variant: &'static str,
    metric: Metric,
    #[serde(skip_serializing_if = "Option::is_none")]
    radius_m: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mode: Option<TravelMode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    minutes: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    requested_sites: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_share: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_weight: Option<f64>,
    /// Covered weight of the chosen sites.
    objective: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    upper_bound: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gap: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    proven_optimal: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    greedy_objective: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reached: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lower_bound_sites: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    proven_minimal: Option<bool>,
    total_weight: f64,
    covered_share: f64,
    /// Chosen candidate ids, in the candidate file's order.
    sites: Vec<String>,
    demand_points: u64,
    candidates: u64,
    coverage_pairs: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    solver: Option<SolverStats>,
    findings: Vec<Finding>,
    seconds: PlanSeconds,
}

#[derive(Serialize)]
struct SolverStats {
    /// Demand points and candidates left after merging identically covered demand and
    /// dropping dominated candidates.
    reduced_demand: u64,
    reduced_candidates: u64,
    swaps: u64,
    lagrangian_iterations: u32,
    fixed_open: u64,
    fixed_closed: u64,
    exact_nodes: u64,
}

/// Where the planner's covering relation comes from.
enum Relation<'a> {
    Euclidean {
        radius_m: f64,
    },
    Network {
        network: &'a Path,
        nodes: Option<&'a Path>,
        mode: ModeConfig,
        minutes: f64,
        snap_m: f64,
    },
}

fn relation(args: &PlanSitesArgs) -> Result<Relation<'_>> {
    match args.metric {
        Metric::Euclidean => {
            let network_only = [
                ("--network", args.network.is_some()),
                ("--nodes", args.nodes.is_some()),
                ("--mode", args.mode.is_some()),
                ("--minutes", args.minutes.is_some()),
                ("--snap-m", args.snap_m.is_some()),
                ("--speed-kmh", args.speed_kmh.is_some()),
            ];
            let given: Vec<&str> = network_only
                .iter()
                .filter(|(_, given)| *given)
                .map(|(name, _)| *name)
                .collect();
            if !given.is_empty() {
                bail!(
                    "{} 只用于按路网通行时间选址，请同时给出 --metric network（当前为直线距离 euclidean）",
                    given.join("、")
                );
            }
            let Some(radius_m) = args.radius_m else {
                bail!("--metric euclidean 需要 --radius-m（覆盖半径，米）");
            };
            Ok(Relation::Euclidean {
                radius_m: positive(radius_m, "覆盖半径 --radius-m ")?,
            })
        }
        Metric::Network => {
            let Some(network) = args.network.as_deref() else {
                bail!("--metric network 需要 --network（CSV 边表加 --nodes，或 .osm.pbf 文件）");
            };
            check_network_args(network, args.nodes.as_deref())?;
            if args.radius_m.is_some() {
                eprintln!("提示：--metric network 按通行时间判断覆盖，忽略 --radius-m");
            }
            Ok(Relation::Network {
                network,
                nodes: args.nodes.as_deref(),
                mode: mode_config(args.mode.as_deref().unwrap_or("walk"), args.speed_kmh)?,
                minutes: positive(
                    args.minutes.unwrap_or(DEFAULT_MINUTES),
                    "时间阈值 --minutes ",
                )?,
                snap_m: check_snap(args.snap_m.unwrap_or(DEFAULT_MAX_SNAP_DISTANCE_M))?,
            })
        }
    }
}

fn lon_lat(location: &Location, what: &str) -> Result<GeoPoint> {
    match location {
        Location::LonLat(point) => Ok(*point),
        Location::Planar(_) => {
            bail!("--metric network 需要经纬度坐标（lon,lat 列），{what}用的是平面坐标（x,y 列）")
        }
    }
}

pub fn plan_sites_command(args: &PlanSitesArgs) -> Result<()> {
    let requested = match args.sites {
        Some(k) if k <= 0 => bail!("站点数 --sites 应为正整数，收到 {k}"),
        Some(k) => Some(k as u64),
        None => None,
    };
    if let Some(share) = args.target_share
        && !(share.is_finite() && share > 0.0 && share <= 1.0)
    {
        bail!("目标覆盖比例 --target-share 应在 0 到 1 之间（大于 0，最多 1），收到 {share}");
    }
    let relation = relation(args)?;
    let mut progress = Progress::new();

    progress.begin("读取需求点与候选站址");
    let demand = read_demand(open(&args.demand)?).map_err(in_file(&args.demand))?;
    let candidates = read_candidates(open(&args.candidates)?).map_err(in_file(&args.candidates))?;
    let weights: Vec<f64> = demand.iter().map(|d| d.weight).collect();
    let mut read = progress.end(format!(
        "需求点 {} 个（总权重 {}），候选站址 {} 个",
        demand.len(),
        weight(weights.iter().sum()),
        candidates.len()
    ));

    let mut findings = Vec::new();
    let coverage_started;
    let (lists, radius_m, mode, minutes) = match &relation {
        Relation::Euclidean { radius_m } => {
            let planar_demand = matches!(demand[0].location, Location::Planar(_));
            let planar_candidates = matches!(candidates[0].location, Location::Planar(_));
            if planar_demand != planar_candidates {
                bail!(
                    "需求点表与候选站址表的坐标不一致：一个用经纬度（lon,lat），一个用平面坐标（x,y，米）"
                );
            }
            coverage_started = Instant::now();
            progress.begin(format!("计算 {} 米半径内的覆盖关系", weight(*radius_m)));
            let points = planar_points(
                demand
                    .iter()
                    .map(|d| &d.location)
                    .chain(candidates.iter().map(|c| &c.location)),
            );
            let (demand_points, candidate_points) = points.split_at(demand.len());
            let lists = CoverageLists::euclidean(demand_points, candidate_points, *radius_m)?;
            (lists, Some(*radius_m), None, None)
        }
        Relation::Network {
            network,
            nodes,
            mode,
            minutes,
            snap_m,
        } => {
            let demand_positions = demand
                .iter()
                .map(|d| Ok((d.id.as_str(), lon_lat(&d.location, "需求点表")?)))
                .collect::<Result<Vec<_>>>()?;
            let candidate_positions = candidates
                .iter()
                .map(|c| Ok((c.id.as_str(), lon_lat(&c.location, "候选站址表")?)))
                .collect::<Result<Vec<_>>>()?;
            let (road_network, _, network_seconds) = load_network(network, *nodes, &mut progress)?;
            read += network_seconds;
            coverage_started = Instant::now();
            let graph = build_graph(&road_network, mode, &mut progress);
            let prepared = prepare(&graph, *snap_m, &mut progress);
            progress.begin(format!(
                "搜索每个候选站址{} {} 分钟内可达的需求点",
                mode_label(mode.mode),
                weight(*minutes)
            ));
            let lists = prepared.coverage_lists(
                &candidate_positions,
                &demand_positions,
                *minutes,
                &mut findings,
            )?;
            (lists, None, Some(mode.mode), Some(*minutes))
        }
    };
    progress.end(format!("覆盖关系 {} 对", lists.pair_count()));
    let coverage_seconds = coverage_started.elapsed().as_secs_f64();

    let solve_started = Instant::now();
    let ids = |sites: &[u32]| -> Vec<String> {
        sites
            .iter()
            .map(|&site| candidates[site as usize].id.clone())
            .collect()
    };
    let mut output = PlanOutput {
        variant: "max_covering",
        metric: args.metric,
        radius_m,
        mode,
        minutes,
        requested_sites: requested,
        target_share: args.target_share,
        target_weight: None,
        objective: 0.0,
        upper_bound: None,
        gap: None,
        proven_optimal: None,
        greedy_objective: None,
        reached: None,
        lower_bound_sites: None,
        proven_minimal: None,
        total_weight: weights.iter().sum(),
        covered_share: 0.0,
        sites: Vec::new(),
        demand_points: demand.len() as u64,
        candidates: candidates.len() as u64,
        coverage_pairs: lists.pair_count() as u64,
        solver: None,
        findings,
        seconds: PlanSeconds {
            read,
            coverage: coverage_seconds,
            solve: 0.0,
            total: 0.0,
        },
    };
    match (requested, args.target_share) {
        (Some(k), _) => {
            if k as usize > candidates.len() {
                eprintln!(
                    "提示：--sites {k} 多于候选站址数 {}，最多选 {} 个",
                    candidates.len(),
                    candidates.len()
                );
            }
            progress.begin(format!("选出 {k} 个站址（最大覆盖）"));
            let plan = plan_sites(&weights, &lists, &PlanConfig::new(k as usize))?;
            progress.end(format!(
                "覆盖权重 {}，上界 {}{}",
                weight(plan.objective),
                weight(plan.upper_bound),
                if plan.proven_optimal {
                    "，已证明最优"
                } else {
                    ""
                }
            ));
            output.objective = plan.objective;
            output.upper_bound = Some(plan.upper_bound);
            output.gap = Some(plan.gap);
            output.proven_optimal = Some(plan.proven_optimal);
            output.greedy_objective = Some(plan.greedy_objective);
            output.total_weight = plan.total_weight;
            output.sites = ids(&plan.sites);
            output.solver = Some(SolverStats {
                reduced_demand: plan.reduced_demand,
                reduced_candidates: plan.reduced_candidates,
                swaps: plan.swaps,
                lagrangian_iterations: plan.lagrangian_iterations,
                fixed_open: plan.fixed_open,
                fixed_closed: plan.fixed_closed,
                exact_nodes: plan.exact_nodes,
            });
        }
        (None, Some(share)) => {
            progress.begin(format!(
                "寻找覆盖 {:.1}% 权重的最少站址（集合覆盖）",
                share * 100.0
            ));
            let plan = fewest_sites(&weights, &lists, share, &PlanConfig::new(1))?;
            progress.end(format!(
                "{} 个站址，覆盖权重 {}",
                plan.sites.len(),
                weight(plan.covered_weight)
            ));
            output.variant = "set_covering";
            output.target_weight = Some(plan.target_weight);
            output.objective = plan.covered_weight;
            output.reached = Some(plan.reached);
            output.lower_bound_sites = Some(plan.lower_bound_sites);
            output.proven_minimal = Some(plan.proven_minimal);
            output.total_weight = plan.total_weight;
            output.sites = ids(&plan.sites);
        }
        (None, None) => unreachable!("clap requires --sites or --target-share"),
    }
    output.covered_share = percent(output.objective, output.total_weight) / 100.0;
    output.seconds.solve = solve_started.elapsed().as_secs_f64();
    output.seconds.total = progress.total();
    write_json(&args.out, &output)?;
    show_findings(&output.findings, &args.out);

    let covered = format!(
        "覆盖权重 {} / {}（{:.1}%）",
        weight(output.objective),
        weight(output.total_weight),
        output.covered_share * 100.0
    );
    let relation_text = match (&relation, mode, minutes) {
        (Relation::Euclidean { radius_m }, _, _) => format!("直线距离 {} 米内", weight(*radius_m)),
        (Relation::Network { .. }, Some(mode), Some(minutes)) => {
            format!("路网{} {} 分钟内", mode_label(mode), weight(minutes))
        }
        _ => String::new(),
    };
    match output.variant {
        "max_covering" => {
            let upper = output.upper_bound.unwrap_or(output.objective);
            println!(
                "选址 {} 个：{}；{covered}，上界 {}，差距 {:.2}%{}，用时 {:.2} 秒",
                output.sites.len(),
                id_list(&output.sites),
                weight(upper),
                output.gap.unwrap_or(0.0) * 100.0,
                if output.proven_optimal == Some(true) {
                    "（已证明最优）"
                } else {
                    ""
                },
                output.seconds.total
            );
        }
        _ => {
            let share = args.target_share.unwrap_or(1.0) * 100.0;
            if output.reached == Some(true) {
                println!(
                    "覆盖 {share:.1}% 权重最少需要 {} 个站址：{}；{covered}{}，用时 {:.2} 秒",
                    output.sites.len(),
                    id_list(&output.sites),
                    if output.proven_minimal == Some(true) {
                        "（已证明最少）".to_owned()
                    } else {
                        format!(
                            "（未证明最少：下界 {} 个）",
                            output.lower_bound_sites.unwrap_or(0)
                        )
                    },
                    output.seconds.total
                );
            } else {
                println!(
                    "无法达到 {share:.1}% 的目标：候选站址最多{covered}（已用 {} 个站址），用时 {:.2} 秒",
                    output.sites.len(),
                    output.seconds.total
                );
            }
        }
    }
    println!(
        "覆盖判定：{relation_text}；需求点 {} 个，候选站址 {} 个，覆盖关系 {} 对；结果已写入 {}",
        output.demand_points,
        output.candidates,
        output.coverage_pairs,
        args.out.display()
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// yibao travel-times

#[derive(Args)]
pub struct TravelTimesArgs {
    /// 路网：CSV 边表（加 --nodes）或 OpenStreetMap `.osm.pbf` 文件
    #[arg(long, value_name = "FILE")]
    network: PathBuf,
    /// CSV 路网的节点表 `id,lon,lat`
    #[arg(long, value_name = "FILE")]
    nodes: Option<PathBuf>,
    /// 起点表：`id,lon,lat`
    #[arg(long, value_name = "FILE")]
    from: PathBuf,
    /// 终点表：`id,lon,lat`（默认同起点）
    #[arg(long, value_name = "FILE")]
    to: Option<PathBuf>,
    /// 出行方式：walk 步行（5 km/h）、e_bike 电动自行车（15 km/h）或 car 汽车（按道路等级定速，遵守单行）
    #[arg(long, default_value = "walk")]
    mode: String,
    /// 所有可用道路统一按此速度（km/h），不用出行方式的默认速度
    #[arg(long, allow_negative_numbers = true)]
    speed_kmh: Option<f64>,
    /// 离可用道路超过此距离（米）的点不计算通行时间
    #[arg(long, default_value_t = DEFAULT_MAX_SNAP_DISTANCE_M, allow_negative_numbers = true)]
    snap_m: f64,
    /// 通行时间表（JSON）写入位置
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

#[derive(Serialize)]
struct TableSeconds {
    read: f64,
    graph: f64,
    prepare: f64,
    table: f64,
    total: f64,
}

/// The table file: `durations_s[i][j]` is the time from `origins[i]` to `destinations[j]`
/// in seconds (`null`: no path, or a point not on the network).
#[derive(Serialize)]
struct TableOutput {
    mode: TravelMode,
    speed_kmh: Option<f64>,
    snap_m: f64,
    origins: Vec<String>,
    destinations: Vec<String>,
    /// Where each point joined the network (`null`: not snapped).
    origin_snaps: Vec<Option<PointSnap>>,
    destination_snaps: Vec<Option<PointSnap>>,
    durations_s: Vec<Vec<Option<f64>>>,
    /// Pairs with a time, of all pairs.
    pairs_with_time: u64,
    pairs: u64,
    network: NetworkSummary,
    findings: Vec<Finding>,
    seconds: TableSeconds,
}

/// Where a point joined the network: the spot on its road segment (position and distance from
/// the point) and the id, in the network file, of the segment's end nearer to the spot.
#[derive(Serialize)]
struct PointSnap {
    node_id: i64,
    lon: f64,
    lat: f64,
    distance_m: f64,
}

fn read_table_points(path: &Path, origins: bool) -> Result<Vec<(String, GeoPoint)>> {
    let places = read_points(open(path)?, origins).map_err(in_file(path))?;
    let what = if origins { "起点表" } else { "终点表" };
    places
        .into_iter()
        .map(|place| Ok((place.id.clone(), lon_lat(&place.location, what)?)))
        .collect()
}

pub fn travel_times(args: &TravelTimesArgs) -> Result<()> {
    let mode = mode_config(&args.mode, args.speed_kmh)?;
    let snap_m = check_snap(args.snap_m)?;
    check_network_args(&args.network, args.nodes.as_deref())?;
    let mut progress = Progress::new();
    progress.begin("读取起点与终点");
    let origins = read_table_points(&args.from, true)?;
    let destinations = match &args.to {
        Some(path) => read_table_points(path, false)?,
        None => origins.clone(),
    };
    let mut read = progress.end(format!(
        "起点 {} 个，终点 {} 个",
        origins.len(),
        destinations.len()
    ));
    let (network, format, network_seconds) =
        load_network(&args.network, args.nodes.as_deref(), &mut progress)?;
    read += network_seconds;
    let graph_started = Instant::now();
    let graph = build_graph(&network, &mode, &mut progress);
    let graph_seconds = graph_started.elapsed().as_secs_f64();
    let prepare_started = Instant::now();
    let prepared = prepare(&graph, snap_m, &mut progress);
    let prepare_seconds = prepare_started.elapsed().as_secs_f64();

    progress.begin(format!(
        "计算 {} × {} 通行时间表（{}）",
        origins.len(),
        destinations.len(),
        mode_label(mode.mode)
    ));
    let table_started = Instant::now();
    let config = SnapConfig {
        max_distance_m: snap_m,
        target: SnapTarget::LargestComponent,
    };
    let mut findings = Vec::new();
    let snap = |points: &[(String, GeoPoint)], role, findings: &mut Vec<Finding>| {
        prepared.snap_index().snap_all(
            points.iter().map(|(id, position)| (id.as_str(), *position)),
            role,
            &config,
            findings,
        )
    };
    let origin_snaps = snap(&origins, PointRole::Origin, &mut findings);
    let destination_snaps = snap(&destinations, PointRole::Destination, &mut findings);
    let table = travel_time_table(&graph, &origin_snaps, &destination_snaps);
    let table_seconds = table_started.elapsed().as_secs_f64();
    let pairs_with_time = table.deciseconds.iter().flatten().count() as u64;
    progress.end(format!(
        "有通行时间的点对 {pairs_with_time} / {}",
        table.deciseconds.len()
    ));
    let durations_s = (0..table.origins)
        .map(|row| {
            (0..table.destinations)
                .map(|column| table.get(row, column).map(|t| f64::from(t) / 10.0))
                .collect()
        })
        .collect();
    let describe = |snaps: &[Option<Snapped>]| -> Vec<Option<PointSnap>> {
        snaps
            .iter()
            .map(|snapped| {
                snapped.map(|snapped| {
                    // 1e-7 degrees (about a centimetre), as OpenStreetMap stores positions.
                    let degrees = |value: f64| (value * 1e7).round() / 1e7;
                    PointSnap {
                        node_id: graph.node_ids()[snapped.node as usize],
                        lon: degrees(snapped.position.lon()),
                        lat: degrees(snapped.position.lat()),
                        distance_m: (snapped.distance_m * 10.0).round() / 10.0,
                    }
                })
            })
            .collect()
    };
    let output = TableOutput {
        mode: mode.mode,
        origin_snaps: describe(&origin_snaps),
        destination_snaps: describe(&destination_snaps),
        speed_kmh: args.speed_kmh,
        snap_m,
        origins: origins.iter().map(|(id, _)| id.clone()).collect(),
        destinations: destinations.iter().map(|(id, _)| id.clone()).collect(),
        durations_s,
        pairs_with_time,
        pairs: table.deciseconds.len() as u64,
        network: NetworkSummary {
            file: args.network.display().to_string(),
            format,
            nodes: network.node_count() as u64,
            segments: network.segments().len() as u64,
            arcs: graph.arc_count() as u64,
            speed_kmh: args.speed_kmh,
        },
        findings,
        seconds: TableSeconds {
            read,
            graph: graph_seconds,
            prepare: prepare_seconds,
            table: table_seconds,
            total: progress.total(),
        },
    };
    write_json(&args.out, &output)?;
    show_findings(&output.findings, &args.out);
    println!(
        "通行时间表 {} × {}（{}），有时间的点对 {} / {}，用时 {:.2} 秒",
        output.origins.len(),
        output.destinations.len(),
        mode_label(output.mode),
        output.pairs_with_time,
        output.pairs,
        output.seconds.total
    );
    println!("结果已写入 {}", args.out.display());
    Ok(())
}
