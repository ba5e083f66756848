//! The peak-day comparison in expectation: for each seed, the history, forecast and both plans
//! (lag-aware tidal and naive per-slot Erlang C) are built exactly as `peak_day` builds them,
//! through `plan_station_day` on the seed's own day; then R independent realizations of the
//! peak day are drawn from the same hall model and date and replayed under the tidal plan, the
//! naive plan and the best static layout (one category per window all day), with common random
//! numbers: within a replication every layout sees the same tickets, handling times and
//! patience. Replication 0 is the seed's own day (the one `peak_day` replays; checked here to
//! give the same figures).
//!
//! Three static baselines, all over the 314 layouts the exhaustive search evaluates
//! (`static_layouts`): `static_hindsight` is chosen on each replication as `best_static_layout`
//! chooses (the least mean time in queue over all tickets, those who left included),
//! `static_fixed` is the layout so chosen on replication 0 and kept for every replication, and
//! `static_by_wait` is chosen on each replication by the goal's own measure, the least mean
//! wait of called tickets (a stricter baseline for the mean-wait goal; fewer people called
//! can lower it).
//!
//! Per seed: the mean over replications of each layout's mean wait, the mean-wait cut of the
//! tidal plan against both static baselines (1 − mean tidal / mean static), the P90 wait pooled
//! over every replication's called tickets and the mean of the per-replication P90s, and in
//! how many replications the tidal plan's P90 is below the naive plan's.
//!
//! `cargo run --release -p yibao-queueing --example replicate_day -- [--replications 30]
//! [--json out.jsonl] 42 1-5`
//!
//! Prints a table per seed and the count of seeds meeting each goal on stdout; `--json` also
//! writes one JSON object per seed and one summary line. Per seed the JSON adds the standard
//! errors (of the cuts, by the delta method, and of the paired P90 difference), how many
//! single replications meet goal (a) and both goals, and every replication's figures.

use std::io::Write;
use std::time::Instant;

use serde_json::json;
use yibao_queueing::generate::{HallModel, peak_day_date, peak_day_scenario};
use yibao_queueing::rng::Rng;
use yibao_queueing::simulate::percentile;
use yibao_queueing::station::tickets_for_day;
use yibao_queueing::{
    CategorySet, ForecastConfig, Layout, ServiceTarget, SimulationConfig, SimulationReport,
    StationDayRequest, Ticket, TicketOutcome, plan_station_day, simulate_with_outcomes,
    static_layouts,
};

/// The layouts replayed on every replication.
const LAYOUTS: [&str; 5] = [
    "tidal",
    "naive",
    "static_hindsight",
    "static_fixed",
    "static_by_wait",
];
const TIDAL: usize = 0;
const NAIVE: usize = 1;
const HINDSIGHT: usize = 2;
const FIXED: usize = 3;
const BY_WAIT: usize = 4;
/// Goal (a): the tidal plan's cut of the mean wait against the best static layout.
const MEAN_CUT_GOAL: f64 = 0.4;

struct Args {
    replications: u64,
    json: Option<String>,
    seeds: Vec<u64>,
}

fn parse_args() -> Args {
    let mut args = Args {
        replications: 30,
        json: None,
        seeds: Vec::new(),
    };
    let mut words = std::env::args().skip(1);
    while let Some(word) = words.next() {
        match word.as_str() {
            "--replications" | "-r" => {
                args.replications = words
                    .next()
                    .and_then(|r| r.parse().ok())
                    .filter(|&r| r > 0)
                    .expect("--replications takes a positive number");
            }
            "--json" => args.json = Some(words.next().expect("--json takes a path")),
            "--help" | "-h" => {
                println!(
                    "usage: replicate_day [--replications R (default 30)] [--json out.jsonl] \
                     [SEEDS…]\n\
                     SEEDS: numbers, ranges and comma lists, e.g. `42 1-5` or `42,1-40` \
                     (default 42)\n\
                     Replays each seed's peak day R times (replication 0 = the seed's own day, \
                     as peak_day; the others fresh days from the same hall model and date, with \
                     common random numbers across layouts) under the tidal plan, the naive \
                     per-slot Erlang C plan and three static baselines (h: searched per \
                     replication by least mean time in queue; f: replication 0's kept; w: \
                     searched per replication by least mean wait of called tickets). Prints a \
                     table per seed and the seeds meeting each goal; --json writes one object \
                     per seed and a summary line."
                );
                std::process::exit(0);
            }
            _ => {
                for part in word.split(',').filter(|p| !p.is_empty()) {
                    let number = |s: &str| -> u64 {
                        s.parse()
                            .unwrap_or_else(|_| panic!("not a seed or a range: {part}"))
                    };
                    match part.split_once('-') {
                        Some((from, to)) => args.seeds.extend(number(from)..=number(to)),
                        None => args.seeds.push(number(part)),
                    }
                }
            }
        }
    }
    if args.seeds.is_empty() {
        args.seeds.push(42);
    }
    args
}

/// The seed of replication `replication` (≥ 1) of `seed`'s peak day, independent of the
/// history's and the seed's own day's streams (both seeded near `seed` itself).
fn replication_seed(seed: u64, replication: u64) -> u64 {
    Rng::new(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ replication ^ 0x5245_504C_4943_4100)
        .next_u64()
}

/// One layout on one replication.
struct Replay {
    mean_wait_min: f64,
    p90_wait_min: f64,
    mean_queue_time_min: f64,
    called_waits: Vec<f64>,
}

impl Replay {
    fn new(report: &SimulationReport, outcomes: &[TicketOutcome]) -> Replay {
        Replay {
            mean_wait_min: report.overall.mean_wait_min,
            p90_wait_min: report.overall.p90_wait_min,
            mean_queue_time_min: report.overall.mean_queue_time_min,
            called_waits: outcomes
                .iter()
                .filter(|o| o.called)
                .map(|o| o.wait_min)
                .collect(),
        }
    }
}

fn mean(values: impl IntoIterator<Item = f64>) -> f64 {
    let (sum, count) = values
        .into_iter()
        .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if count == 0 { 0.0 } else { sum / count as f64 }
}

/// Standard error of the mean of `values` (NaN for fewer than two).
fn standard_error(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return f64::NAN;
    }
    let m = mean(values.iter().copied());
    let n = values.len() as f64;
    (values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0) / n).sqrt()
}

/// `values` keyed by the static baselines' names.
fn by_static<T: serde::Serialize>(values: &[T]) -> serde_json::Value {
    keyed(&STATIC_NAMES, values)
}

/// `values` keyed by `names`, pairwise.
fn keyed<T: serde::Serialize>(names: &[&str], values: &[T]) -> serde_json::Value {
    names
        .iter()
        .zip(values)
        .map(|(k, v)| ((*k).to_owned(), json!(v)))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

fn static_layout(window_category: &[usize]) -> Layout {
    Layout::fixed(
        window_category
            .iter()
            .map(|&c| CategorySet::single(c))
            .collect(),
    )
}

/// The static baselines of goal (a), in `LAYOUTS` order, and the P90 measures of goal (b).
const STATICS: [usize; 3] = [HINDSIGHT, FIXED, BY_WAIT];
const STATIC_NAMES: [&str; 3] = ["hindsight", "fixed", "by_wait"];
const P90_NAMES: [&str; 2] = ["pooled", "mean_of_p90"];

/// Goals met by one seed (or one day): (a) against each static baseline, (b) by each measure.
#[derive(Default, Clone, Copy)]
struct Goals {
    mean: [bool; 3],
    p90: [bool; 2],
}

#[derive(Default)]
struct Tally {
    seeds: usize,
    mean: [usize; 3],
    p90: [usize; 2],
    both: [[usize; 2]; 3],
}

impl Tally {
    fn add(&mut self, g: Goals) {
        self.seeds += 1;
        for (s, &a) in g.mean.iter().enumerate() {
            self.mean[s] += usize::from(a);
            for (p, &b) in g.p90.iter().enumerate() {
                self.both[s][p] += usize::from(a && b);
            }
        }
        for (p, &b) in g.p90.iter().enumerate() {
            self.p90[p] += usize::from(b);
        }
    }

    fn json(&self) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        map.insert("seeds".to_owned(), json!(self.seeds));
        for (s, name) in STATIC_NAMES.iter().enumerate() {
            map.insert(format!("a_{name}"), json!(self.mean[s]));
            for (p, measure) in P90_NAMES.iter().enumerate() {
                map.insert(format!("both_{name}_{measure}"), json!(self.both[s][p]));
            }
        }
        for (p, measure) in P90_NAMES.iter().enumerate() {
            map.insert(format!("b_{measure}"), json!(self.p90[p]));
        }
        map.into()
    }

    fn line(&self, what: &str) -> String {
        let both: Vec<String> = STATIC_NAMES
            .iter()
            .enumerate()
            .map(|(s, name)| format!("{name} {}/{}", self.both[s][0], self.both[s][1]))
            .collect();
        format!(
            "{what}, {} seeds: (a) static hindsight {}, fixed {}, by wait {}; (b) pooled P90 {}, \
             mean of P90 {}; both (pooled/mean of P90): {}",
            self.seeds,
            self.mean[0],
            self.mean[1],
            self.mean[2],
            self.p90[0],
            self.p90[1],
            both.join(", ")
        )
    }
}

fn main() {
    let args = parse_args();
    let mut json_out = args
        .json
        .as_ref()
        .map(|path| std::io::BufWriter::new(std::fs::File::create(path).expect("create --json")));
    let hall = HallModel::payment_season_hall();
    let windows = hall.payment_season_windows();
    let replications = args.replications;
    println!(
        "R = {replications} replications per seed; mean wait = mean over replications of the \
         day's mean wait of called tickets (min); static: h = searched per replication (least \
         mean time in queue, as today), f = replication 0's kept, w = searched per replication \
         by least mean wait; cut = 1 − tidal/static; P90 pooled over all replications' called \
         tickets | mean of per-replication P90; paired = replications with tidal P90 < naive \
         P90 (ties); ΔP90 = mean of tidal − naive P90 ± its standard error; s = seconds"
    );
    println!(
        "{:>5} {:>5} | {:>5} {:>5} {:>5} {:>5} {:>5} | {:>5} {:>5} {:>5} | {:>5} {:>5} | {:>5} {:>5} | {:>10} {:>12} | {:>3} {:>3} {:>3} {:>3} {:>3} | {:>5}",
        "seed",
        "tix",
        "tidal",
        "naive",
        "st.h",
        "st.f",
        "st.w",
        "cut.h",
        "cut.f",
        "cut.w",
        "P90t",
        "P90n",
        "mP90t",
        "mP90n",
        "paired",
        "ΔP90 ± se",
        "a.h",
        "a.f",
        "a.w",
        "b.p",
        "b.m",
        "s",
    );
    let mut tally = Tally::default();
    let mut single_day = Tally::default();
    let mut times = Vec::new();
    for &seed in &args.seeds {
        let started = Instant::now();
        let (history, peak) = peak_day_scenario(seed);
        let request = StationDayRequest {
            forecast: ForecastConfig::for_date(peak_day_date()),
            windows: windows.clone(),
            target: ServiceTarget::default(),
            mean_patience_min: hall.mean_patience_min,
            seed,
            search_static: true,
        };
        // The plans, the forecast and the static layout of the seed's own day, as `peak_day`.
        let report = plan_station_day(&history, &request, Some(&peak.tickets)).expect("plan");
        let forecast = &report.forecast;
        let sim_config = SimulationConfig {
            categories: forecast.categories.len(),
            day_min: f64::from(forecast.close_min - forecast.open_min),
            series_slot_min: f64::from(forecast.slot_min),
            target: request.target,
        };
        let tidal_layout = report.plan.layout(&windows);
        let naive_layout = report.naive_plan.layout(&windows);
        let fixed_search = report.best_static.as_ref().expect("searched");
        let fixed_layout = static_layout(&fixed_search.window_category);

        let mut per_rep: Vec<[Replay; 5]> = Vec::new();
        let mut tickets_per_rep = Vec::new();
        let mut hindsight_layouts = Vec::new();
        let mut by_wait_layouts = Vec::new();
        for replication in 0..replications {
            let (records, patience_seed) = if replication == 0 {
                (peak.tickets.clone(), seed)
            } else {
                let rep_seed = replication_seed(seed, replication);
                let mut rng = Rng::new(rep_seed);
                (
                    hall.generate_day(peak_day_date(), &mut rng),
                    rep_seed ^ 0x7A71_E4CE,
                )
            };
            let tickets: Vec<Ticket> =
                tickets_for_day(&records, forecast, hall.mean_patience_min, patience_seed);
            let run = |layout: &Layout| simulate_with_outcomes(&tickets, layout, &sim_config);
            let tidal = run(&tidal_layout);
            let naive = run(&naive_layout);
            let fixed = run(&fixed_layout);
            // Every static layout of the exhaustive search, replayed once: the first with the
            // least mean time in queue is `best_static_layout`'s choice, the first with the
            // least mean wait of called tickets the by-wait baseline.
            let layouts =
                static_layouts(&tickets, &windows, sim_config.categories).expect("static layouts");
            let mut hindsight: Option<(usize, SimulationReport)> = None;
            let mut by_wait: Option<(usize, SimulationReport)> = None;
            for (index, layout) in layouts.iter().enumerate() {
                let replay = simulate_with_outcomes(&tickets, &static_layout(layout), &sim_config);
                let o = &replay.0.overall;
                if hindsight
                    .as_ref()
                    .is_none_or(|(_, b)| o.mean_queue_time_min < b.overall.mean_queue_time_min)
                {
                    hindsight = Some((index, replay.0.clone()));
                }
                if by_wait
                    .as_ref()
                    .is_none_or(|(_, b)| o.mean_wait_min < b.overall.mean_wait_min)
                {
                    by_wait = Some((index, replay.0));
                }
            }
            let (hindsight_index, _) = hindsight.expect("a static layout");
            let (by_wait_index, _) = by_wait.expect("a static layout");
            let hindsight = run(&static_layout(&layouts[hindsight_index]));
            let by_wait = run(&static_layout(&layouts[by_wait_index]));
            if replication == 0 {
                // Replication 0 is exactly the day `peak_day` replays.
                let scenario = |key: &str| &report.scenario(key).expect("scenario").report;
                assert_eq!(tidal.0, *scenario("tidal"));
                assert_eq!(naive.0, *scenario("naive_per_slot"));
                assert_eq!(layouts.len(), fixed_search.evaluated);
                assert_eq!(layouts[hindsight_index], fixed_search.window_category);
                assert_eq!(hindsight.0, *scenario("best_static"));
                assert_eq!(fixed.0, *scenario("best_static"));
            }
            tickets_per_rep.push(tickets.len());
            hindsight_layouts.push(layouts[hindsight_index].clone());
            by_wait_layouts.push(layouts[by_wait_index].clone());
            per_rep.push([
                Replay::new(&tidal.0, &tidal.1),
                Replay::new(&naive.0, &naive.1),
                Replay::new(&hindsight.0, &hindsight.1),
                Replay::new(&fixed.0, &fixed.1),
                Replay::new(&by_wait.0, &by_wait.1),
            ]);
        }
        let elapsed = started.elapsed().as_secs_f64();
        times.push(elapsed);

        let over_layouts =
            |f: &dyn Fn(usize) -> f64| -> Vec<f64> { (0..LAYOUTS.len()).map(f).collect() };
        let mean_wait = over_layouts(&|l| mean(per_rep.iter().map(|r| r[l].mean_wait_min)));
        let mean_queue = over_layouts(&|l| mean(per_rep.iter().map(|r| r[l].mean_queue_time_min)));
        let mean_p90 = over_layouts(&|l| mean(per_rep.iter().map(|r| r[l].p90_wait_min)));
        let pooled_p90 = over_layouts(&|l| {
            let mut waits: Vec<f64> = per_rep
                .iter()
                .flat_map(|r| r[l].called_waits.iter().copied())
                .collect();
            waits.sort_by(f64::total_cmp);
            percentile(&waits, 0.9)
        });
        let cuts: Vec<f64> = STATICS
            .iter()
            .map(|&l| 1.0 - mean_wait[TIDAL] / mean_wait[l])
            .collect();
        let queue_cuts: Vec<f64> = STATICS
            .iter()
            .map(|&l| 1.0 - mean_queue[TIDAL] / mean_queue[l])
            .collect();
        // Standard error of the cut 1 − T̄/S̄ over paired replications (delta method).
        let cut_se: Vec<f64> = STATICS
            .iter()
            .map(|&l| {
                let ratio = mean_wait[TIDAL] / mean_wait[l];
                let residuals: Vec<f64> = per_rep
                    .iter()
                    .map(|r| r[TIDAL].mean_wait_min - ratio * r[l].mean_wait_min)
                    .collect();
                standard_error(&residuals) / mean_wait[l]
            })
            .collect();
        // Single days meeting each goal: the cut against each static baseline, and that with
        // tidal's P90 below naive's.
        let day_cut = |r: &[Replay; 5], l: usize| 1.0 - r[TIDAL].mean_wait_min / r[l].mean_wait_min;
        let days_meeting = |l: usize, with_p90: bool| -> usize {
            per_rep
                .iter()
                .filter(|r| {
                    day_cut(r, l) >= MEAN_CUT_GOAL
                        && (!with_p90 || r[TIDAL].p90_wait_min < r[NAIVE].p90_wait_min)
                })
                .count()
        };
        let days_meeting_a: Vec<usize> = STATICS.iter().map(|&l| days_meeting(l, false)).collect();
        let days_meeting_both: Vec<usize> =
            STATICS.iter().map(|&l| days_meeting(l, true)).collect();
        let p90_diff: Vec<f64> = per_rep
            .iter()
            .map(|r| r[TIDAL].p90_wait_min - r[NAIVE].p90_wait_min)
            .collect();
        let paired_wins = p90_diff.iter().filter(|&&d| d < 0.0).count();
        let paired_ties = p90_diff.iter().filter(|&&d| d == 0.0).count();
        let diff_mean = mean(p90_diff.iter().copied());
        let diff_se = standard_error(&p90_diff);
        let goals = Goals {
            mean: [0, 1, 2].map(|s| cuts[s] >= MEAN_CUT_GOAL),
            p90: [
                pooled_p90[TIDAL] < pooled_p90[NAIVE],
                mean_p90[TIDAL] < mean_p90[NAIVE],
            ],
        };
        tally.add(goals);
        // The seed's own day alone, as `peak_day` judges it (the hindsight and fixed
        // baselines coincide there; pooled and mean P90 too).
        let day0 = &per_rep[0];
        let day0_p90 = day0[TIDAL].p90_wait_min < day0[NAIVE].p90_wait_min;
        single_day.add(Goals {
            mean: STATICS
                .map(|l| 1.0 - day0[TIDAL].mean_wait_min / day0[l].mean_wait_min >= MEAN_CUT_GOAL),
            p90: [day0_p90, day0_p90],
        });
        let yes = |b: bool| if b { "yes" } else { "no" };
        println!(
            "{:>5} {:>5.0} | {:>5.2} {:>5.2} {:>5.2} {:>5.2} {:>5.2} | {:>4.1}% {:>4.1}% {:>4.1}% | {:>5.2} {:>5.2} | {:>5.2} {:>5.2} | {:>3}/{:<3}({:>2}) {:>+5.2} ± {:>4.2} | {:>3} {:>3} {:>3} {:>3} {:>3} | {:>5.2}",
            seed,
            mean(tickets_per_rep.iter().map(|&t| t as f64)),
            mean_wait[TIDAL],
            mean_wait[NAIVE],
            mean_wait[HINDSIGHT],
            mean_wait[FIXED],
            mean_wait[BY_WAIT],
            cuts[0] * 100.0,
            cuts[1] * 100.0,
            cuts[2] * 100.0,
            pooled_p90[TIDAL],
            pooled_p90[NAIVE],
            mean_p90[TIDAL],
            mean_p90[NAIVE],
            paired_wins,
            replications,
            paired_ties,
            diff_mean,
            diff_se,
            yes(goals.mean[0]),
            yes(goals.mean[1]),
            yes(goals.mean[2]),
            yes(goals.p90[0]),
            yes(goals.p90[1]),
            elapsed,
        );
        if let Some(out) = json_out.as_mut() {
            let by_layout = |values: &[f64]| keyed(&LAYOUTS, values);
            let per_replication = |f: &dyn Fn(&Replay) -> f64| -> serde_json::Value {
                LAYOUTS
                    .iter()
                    .enumerate()
                    .map(|(l, k)| {
                        let values: Vec<f64> = per_rep.iter().map(|r| f(&r[l])).collect();
                        ((*k).to_owned(), json!(values))
                    })
                    .collect::<serde_json::Map<_, _>>()
                    .into()
            };
            let line = json!({
                "seed": seed,
                "replications": replications,
                "seconds": elapsed,
                "tickets": tickets_per_rep,
                "fixed_static_layout": fixed_search.window_category,
                "hindsight_static_layouts": hindsight_layouts,
                "by_wait_static_layouts": by_wait_layouts,
                "mean_wait_min": by_layout(&mean_wait),
                "mean_queue_time_min": by_layout(&mean_queue),
                "pooled_p90_wait_min": by_layout(&pooled_p90),
                "mean_of_p90_wait_min": by_layout(&mean_p90),
                "mean_wait_cut": by_static(&cuts),
                "mean_wait_cut_se": by_static(&cut_se),
                "mean_queue_time_cut": by_static(&queue_cuts),
                "replications_meeting_a": by_static(&days_meeting_a),
                "replications_meeting_both": by_static(&days_meeting_both),
                "paired_p90_tidal_below_naive": paired_wins,
                "paired_p90_ties": paired_ties,
                "p90_tidal_minus_naive_mean": diff_mean,
                "p90_tidal_minus_naive_se": diff_se,
                "goals": {
                    "a_hindsight": goals.mean[0],
                    "a_fixed": goals.mean[1],
                    "a_by_wait": goals.mean[2],
                    "b_pooled": goals.p90[0],
                    "b_mean_of_p90": goals.p90[1],
                },
                "per_replication": {
                    "mean_wait_min": per_replication(&|r| r.mean_wait_min),
                    "p90_wait_min": per_replication(&|r| r.p90_wait_min),
                    "mean_queue_time_min": per_replication(&|r| r.mean_queue_time_min),
                },
            });
            writeln!(out, "{line}").expect("write --json");
        }
    }
    println!(
        "{}",
        tally.line(&format!("In expectation (R = {replications})"))
    );
    println!(
        "{}",
        single_day.line("On the seed's own day only (replication 0, as peak_day)")
    );
    println!(
        "time per seed (history, plans, {} replications × (5 replays + every static layout replayed)): mean {:.2} s, min {:.2} s, max {:.2} s",
        replications,
        mean(times.iter().copied()),
        times.iter().copied().fold(f64::INFINITY, f64::min),
        times.iter().copied().fold(0.0, f64::max),
    );
    if let Some(out) = json_out.as_mut() {
        let line = json!({
            "summary": true,
            "replications": replications,
            "seeds": args.seeds,
            "expectation": tally.json(),
            "single_day": single_day.json(),
            "seconds_per_seed_mean": mean(times.iter().copied()),
        });
        writeln!(out, "{line}").expect("write --json");
        out.flush().expect("flush --json");
    }
}
