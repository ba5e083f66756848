//! `yibao plan-windows`: the command-line face of `yibao-queueing`'s tidal window planner.
//!
//! Reads a ticket-history CSV (or generates the benchmark's payment-season peak day with
//! `--generate`) and a window list, forecasts the day, plans windows slot by slot with the
//! lag-aware method and with the naive per-slot Erlang C method, searches the best static
//! layout, replays the day under each, and prints a Chinese table (or JSON); `--out` writes the
//! full report as JSON. Progress goes to stderr; bad CSV rows are refused with line numbers.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use chrono::{Datelike, NaiveDate, NaiveTime, Timelike};
use clap::{Args, ValueEnum};
use yibao_queueing::generate::{HallModel, peak_day_date, peak_day_scenario};
use yibao_queueing::{
    CategorySet, ForecastConfig, History, ServiceTarget, StationDayReport, StationDayRequest,
    TicketRecord, Window, plan_station_day,
};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
}

#[derive(Args)]
pub struct PlanWindowsArgs {
    /// 历史取号记录：CSV `date,time,category[,service_min][,priority]`，每行一个号
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "generate",
        conflicts_with = "generate"
    )]
    history: Option<PathBuf>,
    /// 用生成的缴费季高峰日代替 --history（八周历史，之后是取号超过 1,000 个的 2026-12-14 周一）
    #[arg(long)]
    generate: bool,
    /// 生成数据与耐心时长抽样的随机种子
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// 排班日期 YYYY-MM-DD（默认为历史最后一天的次日；用 --generate 时为高峰日）
    #[arg(long)]
    date: Option<String>,
    /// 窗口表：CSV `window,categories`，类别名以 `;` 分隔
    #[arg(long, value_name = "FILE", conflicts_with = "window_count")]
    windows: Option<PathBuf>,
    /// 代替 --windows：这么多个窗口，每个窗口都能办理所有类别
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    window_count: Option<i64>,
    /// 目标：这一比例的号在 --target-minutes 分钟内被叫到
    #[arg(long, default_value_t = 0.9, allow_negative_numbers = true)]
    target_share: f64,
    /// 目标等候时间（分钟）
    #[arg(long, default_value_t = 5.0, allow_negative_numbers = true)]
    target_minutes: f64,
    /// 群众离开前的平均耐心时长（分钟）
    #[arg(long, default_value_t = 60.0, allow_negative_numbers = true)]
    patience: f64,
    /// 时段长度（分钟，15 或 30）
    #[arg(long, default_value_t = 15)]
    slot: u32,
    /// 开始办公时间 HH:MM
    #[arg(long, default_value = "08:30")]
    open: String,
    /// 结束办公时间 HH:MM
    #[arg(long, default_value = "17:00")]
    close: String,
    /// 预测来办量的倍数（如公布缴费季时用 1.3）
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    level_factor: f64,
    /// 不搜索最佳固定窗口布局
    #[arg(long)]
    no_static_search: bool,
    /// 标准输出的格式
    #[arg(long, value_enum, default_value = "table")]
    format: OutputFormat,
    /// 把完整报告（预测、排班、仿真、图表序列）写为 JSON
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

fn parse_clock(text: &str, what: &str) -> Result<u32> {
    let time = NaiveTime::parse_from_str(text, "%H:%M")
        .map_err(|_| anyhow!("{what}“{text}”无效（应为 HH:MM）"))?;
    Ok(time.hour() * 60 + time.minute())
}

/// Reads the window list: `window,categories`, categories `;`-separated names of the history.
fn read_windows(path: &Path, categories: &[String]) -> Result<Vec<Window>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("无法读取窗口文件“{}”", path.display()))?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut windows = Vec::new();
    let mut errors = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                errors.push(format!("  第 {line} 行：无法解析：{error}"));
                continue;
            }
        };
        let name = record.get(0).unwrap_or("").to_owned();
        if name.is_empty() {
            errors.push(format!("  第 {line} 行：窗口名称为空"));
            continue;
        }
        let mut skills = CategorySet::EMPTY;
        let mut bad = false;
        for category in record.get(1).unwrap_or("").split(';').map(str::trim) {
            if category.is_empty() {
                continue;
            }
            match categories.iter().position(|c| c == category) {
                Some(index) => skills = skills.with(index),
                None => {
                    errors.push(format!(
                        "  第 {line} 行：业务类别“{category}”不在取号记录中（已有：{}）",
                        categories.join("、")
                    ));
                    bad = true;
                }
            }
        }
        if !bad && skills.is_empty() {
            errors.push(format!("  第 {line} 行：{name}没有可办理的业务类别"));
            continue;
        }
        windows.push(Window { name, skills });
    }
    if !errors.is_empty() {
        bail!(
            "窗口文件有 {} 处错误，未规划：\n{}",
            errors.len(),
            errors.join("\n")
        );
    }
    if windows.is_empty() {
        bail!("窗口文件中没有任何窗口");
    }
    Ok(windows)
}

pub fn plan_windows_command(args: &PlanWindowsArgs) -> Result<()> {
    let started = Instant::now();
    let (history, replay, default_windows, default_date): (
        History,
        Option<Vec<TicketRecord>>,
        Option<Vec<Window>>,
        NaiveDate,
    ) = if args.generate {
        eprintln!("生成缴费旺季高峰日（种子 {}）…", args.seed);
        let hall = HallModel::payment_season_hall();
        let (history, peak) = peak_day_scenario(args.seed);
        let windows = hall.payment_season_windows();
        (history, Some(peak.tickets), Some(windows), peak_day_date())
    } else {
        let path = args.history.as_ref().expect("clap requires --history");
        eprintln!("读取取号记录 {}…", path.display());
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("无法读取“{}”", path.display()))?;
        let history = History::from_csv(&text).map_err(|errors| {
            let lines: Vec<String> = errors.iter().take(50).map(|e| format!("  {e}")).collect();
            anyhow!(
                "取号记录 CSV 有 {} 处错误，未规划：\n{}",
                errors.len(),
                lines.join("\n")
            )
        })?;
        let last = history
            .tickets
            .iter()
            .map(|t| t.date)
            .max()
            .expect("a parsed history has tickets");
        (history, None, None, last.succ_opt().unwrap_or(last))
    };
    let date = match &args.date {
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|_| anyhow!("日期“{text}”无效（应为 YYYY-MM-DD）"))?,
        None => default_date,
    };
    let windows = match (&args.windows, args.window_count, default_windows) {
        (Some(path), _, _) => read_windows(path, &history.categories)?,
        (None, Some(count), _) => {
            if !(1..=200).contains(&count) {
                bail!("窗口数 {count} 无效（应为 1 到 200）");
            }
            (1..=count)
                .map(|number| Window {
                    name: format!("{number} 号窗口"),
                    skills: CategorySet::all(history.categories.len()),
                })
                .collect()
        }
        (None, None, Some(windows)) => windows,
        (None, None, None) => bail!("请用 --windows 指定窗口文件，或用 --window-count 指定窗口数"),
    };
    if !(args.target_share > 0.0 && args.target_share < 1.0) {
        bail!(
            "目标比例 {} 无效（应在 0 与 1 之间，如 0.9）",
            args.target_share
        );
    }
    if !(args.target_minutes.is_finite() && args.target_minutes >= 0.0) {
        bail!("目标时间 {} 分钟无效", args.target_minutes);
    }
    if !(args.patience.is_finite() && args.patience > 0.0) {
        bail!("平均耐心时间 {} 分钟无效（应为正数）", args.patience);
    }
    if args.slot != 15 && args.slot != 30 {
        bail!("时段长度 {} 分钟无效（应为 15 或 30）", args.slot);
    }
    let mut forecast = ForecastConfig::for_date(date);
    forecast.open_min = parse_clock(&args.open, "开门时间")?;
    forecast.close_min = parse_clock(&args.close, "关门时间")?;
    forecast.slot_min = args.slot;
    forecast.level_factor = args.level_factor;
    let request = StationDayRequest {
        forecast,
        windows,
        target: ServiceTarget {
            within_min: args.target_minutes,
            share: args.target_share,
        },
        mean_patience_min: args.patience,
        seed: args.seed,
        search_static: !args.no_static_search,
    };
    eprintln!(
        "取号记录 {} 张，{} 类业务；规划 {}（{} 个窗口，{} 分钟一个时段）…",
        history.tickets.len(),
        history.categories.len(),
        date,
        request.windows.len(),
        args.slot
    );
    let planning = Instant::now();
    let report =
        plan_station_day(&history, &request, replay.as_deref()).map_err(|e| anyhow!("{e}"))?;
    eprintln!(
        "完成：预测、两种计划、固定布局搜索（{} 种）与回放共用时 {:.2} 秒（总计 {:.2} 秒）",
        report.best_static.as_ref().map_or(0, |s| s.evaluated),
        planning.elapsed().as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    if let Some(path) = &args.out {
        let json = serde_json::to_string_pretty(&report).expect("report serializes");
        std::fs::write(path, json).with_context(|| format!("无法写入“{}”", path.display()))?;
        eprintln!("完整结果已写入 {}", path.display());
    }
    match args.format {
        OutputFormat::Json => {
            println!(
                "{}",
                serde_json::to_string(&report).expect("report serializes")
            );
        }
        OutputFormat::Table => print_table(&report, &request),
    }
    Ok(())
}

const WEEKDAYS: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];

fn clock(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

fn print_table(report: &StationDayReport, request: &StationDayRequest) {
    let forecast = &report.forecast;
    let source = match report.replay_source {
        yibao_queueing::ReplaySource::Given => "生成的当日取号",
        yibao_queueing::ReplaySource::History => "历史中当日的取号",
        yibao_queueing::ReplaySource::Sampled => "按预测抽样的一天",
    };
    println!(
        "预测 {}（{}）：共约 {:.0} 张号 —— {}",
        forecast.date,
        WEEKDAYS[forecast.date.weekday().num_days_from_monday() as usize],
        forecast.daily.iter().sum::<f64>(),
        forecast
            .categories
            .iter()
            .zip(&forecast.daily)
            .zip(&forecast.mean_service_min)
            .map(|((name, daily), service)| format!("{name} {daily:.0}（均办 {service:.1} 分钟）"))
            .collect::<Vec<_>>()
            .join("，")
    );
    println!(
        "\n方案对比（目标：{:.0}% 在 {} 分钟内叫号；回放{} {} 张，平均耐心 {} 分钟）：",
        request.target.share * 100.0,
        request.target.within_min,
        source,
        report.replay_tickets,
        request.mean_patience_min
    );
    println!(
        "  {:<28}\t平均等待\tP90 等待\t最长等待\t放弃率\t目标内叫号",
        "方案"
    );
    for scenario in &report.scenarios {
        let o = &scenario.report.overall;
        println!(
            "  {:<28}\t{:.1} 分\t{:.1} 分\t{:.1} 分\t{:.1}%\t{:.1}%",
            scenario.label,
            o.mean_wait_min,
            o.p90_wait_min,
            o.max_wait_min,
            o.abandon_share * 100.0,
            o.within_target_share * 100.0
        );
    }
    if let (Some(search), Some(tidal), Some(fixed)) = (
        &report.best_static,
        report.scenario("tidal"),
        report.scenario("best_static"),
    ) {
        let cut = 1.0 - tidal.report.overall.mean_wait_min / fixed.report.overall.mean_wait_min;
        println!(
            "  最佳固定布局：{}（{} 种布局中{}）；潮汐计划平均等待比它{} {:.0}%",
            forecast
                .categories
                .iter()
                .zip(&search.counts)
                .map(|(name, count)| format!("{name} {count}"))
                .collect::<Vec<_>>()
                .join("，"),
            search.evaluated,
            if search.exhaustive {
                "穷举"
            } else {
                "局部搜索"
            },
            if cut >= 0.0 { "少" } else { "多" },
            cut.abs() * 100.0
        );
    }
    println!(
        "\n潮汐计划（每 {} 分钟各类业务的窗口数；窗口调整 {} 次，{} 个时段窗口不足）：",
        report.plan.slot_min, report.plan.switches, report.plan.short_slots
    );
    println!("  时段\t{}", forecast.categories.join("\t"));
    for slot in &report.plan.slots {
        println!(
            "  {}\t{}",
            clock(slot.start_min),
            slot.assigned
                .iter()
                .zip(&slot.arrivals)
                .map(|(n, a)| format!("{n}（{a:.0} 人）"))
                .collect::<Vec<_>>()
                .join("\t")
        );
    }
}
