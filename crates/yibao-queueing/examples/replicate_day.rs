//! The peak-day comparison in expectation: for each seed, the history, forecast and both plans
//! (lag-aware tidal and naive per-slot Erlang C) are built exactly as `peak_day` builds them,
//! through `plan_station_day` on the seed's own day; then R independent realizations of the
//! peak day are drawn from the same hall model and date and replayed under the tidal plan, the
//! naive plan and the best static layout (one category per window all day), with common random
//! numbers: within a replication every layout sees the same tickets, handling times and
//! patience. Replication 0 is the seed's own day (the one `peak_day` replays; checked here to
//! give the same figures).
//!
//! Two static baselines: `static_hindsight` searches all layouts on each replication (the
//! least mean time in queue, as `best_static_layout` chooses), `static_fixed` keeps the layout
//! found on replication 0.
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
//! writes one JSON object per seed (with the per-replication figures) and one summary line.

use std::io::Write;
use std::time::Instant;

use serde_json::json;
use yibao_queueing::generate::{HallModel, peak_day_date, peak_day_scenario};
use yibao_queueing::rng::Rng;
use yibao_queueing::simulate::percentile;
use yibao_queueing::station::tickets_for_day;
use yibao_queueing::{
    CategorySet, ForecastConfig, Layout, ServiceTarget, SimulationConfig, SimulationReport,
    StationDayRequest, Ticket, TicketOutcome, best_static_layout, plan_station_day,
    simulate_with_outcomes,
};

/// The four layouts replayed on every replication.
const LAYOUTS: [&str; 4] = ["tidal", "naive", "static_hindsight", "static_fixed"];
const TIDAL: usize = 0;
const NAIVE: usize = 1;
const HINDSIGHT: usize = 2;
const FIXED: usize = 3;
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

fn static_layout(window_category: &[usize]) -> Layout {
    Layout::fixed(
        window_category
            .iter()
            .map(|&c| CategorySet::single(c))
            .collect(),
    )
}

/// Goals met by one seed (or one day).
#[derive(Default, Clone, Copy)]
struct Goals {
    mean_hindsight: bool,
    mean_fixed: bool,
    p90_pooled: bool,
    p90_mean: bool,
}

#[derive(Default)]
struct Tally {
    seeds: usize,
    counts: [usize; 8],
}

impl Tally {
    fn add(&mut self, g: Goals) {
        self.seeds += 1;
        let flags = [
            g.mean_hindsight,
            g.mean_fixed,
            g.p90_pooled,
            g.p90_mean,
            g.mean_hindsight && g.p90_pooled,
            g.mean_hindsight && g.p90_mean,
            g.mean_fixed && g.p90_pooled,
            g.mean_fixed && g.p90_mean,
        ];
        for (count, flag) in self.counts.iter_mut().zip(flags) {
            *count += usize::from(flag);
        }
    }

    fn json(&self) -> serde_json::Value {
        let c = &self.counts;
        json!({
            "seeds": self.seeds,
            "a_hindsight": c[0], "a_fixed": c[1], "b_pooled": c[2], "b_mean_of_p90": c[3],
            "both_hindsight_pooled": c[4], "both_hindsight_mean_of_p90": c[5],
            "both_fixed_pooled": c[6], "both_fixed_mean_of_p90": c[7],
        })
    }

    fn line(&self, what: &str) -> String {
        let c = &self.counts;
        format!(
            "{what}, {} seeds: (a) hindsight static {}, fixed static {}; (b) pooled P90 {}, \
             mean of P90 {}; both: hindsight+pooled {}, hindsight+mean-of-P90 {}, \
             fixed+pooled {}, fixed+mean-of-P90 {}",
            self.seeds, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]
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
         day's mean wait of called tickets (min); cut = 1 − tidal/static; P90 pooled over all \
         replications' called tickets | mean of per-replication P90; paired = replications with \
         tidal P90 < naive P90 (ties)"
    );
    println!(
        "{:>5} {:>6} | {:>6} {:>6} {:>6} {:>6} | {:>5} {:>5} | {:>6} {:>6} | {:>6} {:>6} | {:>11} {:>13} | {:>3} {:>3} {:>3} {:>3} | {:>6}",
        "seed",
        "tix",
        "tidal",
        "naive",
        "st.h",
        "st.f",
        "cut.h",
        "cut.f",
        "P90t",
        "P90n",
        "mP90t",
        "mP90n",
        "paired",
        "ΔP90 ± se",
        "a.h",
        "a.f",
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

        let mut per_rep: Vec<[Replay; 4]> = Vec::new();
        let mut tickets_per_rep = Vec::new();
        let mut hindsight_counts = Vec::new();
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
            let (search, search_report) =
                best_static_layout(&tickets, &windows, &sim_config).expect("static search");
            let hindsight = run(&static_layout(&search.window_category));
            assert_eq!(
                hindsight.0, search_report,
                "the searched layout replays the same"
            );
            if replication == 0 {
                // Replication 0 is exactly the day `peak_day` replays.
                let scenario = |key: &str| &report.scenario(key).expect("scenario").report;
                assert_eq!(tidal.0, *scenario("tidal"));
                assert_eq!(naive.0, *scenario("naive_per_slot"));
                assert_eq!(hindsight.0, *scenario("best_static"));
                assert_eq!(fixed.0, *scenario("best_static"));
            }
            tickets_per_rep.push(tickets.len());
            hindsight_counts.push(search.counts.clone());
            per_rep.push([
                Replay::new(&tidal.0, &tidal.1),
                Replay::new(&naive.0, &naive.1),
                Replay::new(&hindsight.0, &hindsight.1),
                Replay::new(&fixed.0, &fixed.1),
            ]);
        }
        let elapsed = started.elapsed().as_secs_f64();
        times.push(elapsed);

        let mean_wait: Vec<f64> = (0..4)
            .map(|l| mean(per_rep.iter().map(|r| r[l].mean_wait_min)))
            .collect();
        let mean_queue: Vec<f64> = (0..4)
            .map(|l| mean(per_rep.iter().map(|r| r[l].mean_queue_time_min)))
            .collect();
        let mean_p90: Vec<f64> = (0..4)
            .map(|l| mean(per_rep.iter().map(|r| r[l].p90_wait_min)))
            .collect();
        let pooled_p90: Vec<f64> = (0..4)
            .map(|l| {
                let mut waits: Vec<f64> = per_rep
                    .iter()
                    .flat_map(|r| r[l].called_waits.iter().copied())
                    .collect();
                waits.sort_by(f64::total_cmp);
                percentile(&waits, 0.9)
            })
            .collect();
        let cut_hindsight = 1.0 - mean_wait[TIDAL] / mean_wait[HINDSIGHT];
        let cut_fixed = 1.0 - mean_wait[TIDAL] / mean_wait[FIXED];
        let p90_diff: Vec<f64> = per_rep
            .iter()
            .map(|r| r[TIDAL].p90_wait_min - r[NAIVE].p90_wait_min)
            .collect();
        let paired_wins = p90_diff.iter().filter(|&&d| d < 0.0).count();
        let paired_ties = p90_diff.iter().filter(|&&d| d == 0.0).count();
        let diff_mean = mean(p90_diff.iter().copied());
        let diff_se = if p90_diff.len() > 1 {
            (p90_diff
                .iter()
                .map(|d| (d - diff_mean).powi(2))
                .sum::<f64>()
                / (p90_diff.len() - 1) as f64
                / p90_diff.len() as f64)
                .sqrt()
        } else {
            f64::NAN
        };
        let goals = Goals {
            mean_hindsight: cut_hindsight >= MEAN_CUT_GOAL,
            mean_fixed: cut_fixed >= MEAN_CUT_GOAL,
            p90_pooled: pooled_p90[TIDAL] < pooled_p90[NAIVE],
            p90_mean: mean_p90[TIDAL] < mean_p90[NAIVE],
        };
        tally.add(goals);
        // The seed's own day alone, as `peak_day` judges it (both static variants coincide).
        let day0 = &per_rep[0];
        let day0_cut = 1.0 - day0[TIDAL].mean_wait_min / day0[HINDSIGHT].mean_wait_min;
        let day0_p90 = day0[TIDAL].p90_wait_min < day0[NAIVE].p90_wait_min;
        single_day.add(Goals {
            mean_hindsight: day0_cut >= MEAN_CUT_GOAL,
            mean_fixed: day0_cut >= MEAN_CUT_GOAL,
            p90_pooled: day0_p90,
            p90_mean: day0_p90,
        });
        let yes = |b: bool| if b { "yes" } else { "no" };
        println!(
            "{:>5} {:>6.0} | {:>6.2} {:>6.2} {:>6.2} {:>6.2} | {:>4.1}% {:>4.1}% | {:>6.2} {:>6.2} | {:>6.2} {:>6.2} | {:>4}/{:<3}({:>2}) {:>+6.2} ± {:>4.2} | {:>3} {:>3} {:>3} {:>3} | {:>6.2}",
            seed,
            mean(tickets_per_rep.iter().map(|&t| t as f64)),
            mean_wait[TIDAL],
            mean_wait[NAIVE],
            mean_wait[HINDSIGHT],
            mean_wait[FIXED],
            cut_hindsight * 100.0,
            cut_fixed * 100.0,
            pooled_p90[TIDAL],
            pooled_p90[NAIVE],
            mean_p90[TIDAL],
            mean_p90[NAIVE],
            paired_wins,
            replications,
            paired_ties,
            diff_mean,
            diff_se,
            yes(goals.mean_hindsight),
            yes(goals.mean_fixed),
            yes(goals.p90_pooled),
            yes(goals.p90_mean),
            elapsed,
        );
        if let Some(out) = json_out.as_mut() {
            let by_layout = |values: &[f64]| -> serde_json::Value {
                LAYOUTS
                    .iter()
                    .zip(values)
                    .map(|(k, v)| ((*k).to_owned(), json!(v)))
                    .collect::<serde_json::Map<_, _>>()
                    .into()
            };
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
                "fixed_static_counts": fixed_search.counts,
                "hindsight_static_counts": hindsight_counts,
                "mean_wait_min": by_layout(&mean_wait),
                "mean_queue_time_min": by_layout(&mean_queue),
                "pooled_p90_wait_min": by_layout(&pooled_p90),
                "mean_of_p90_wait_min": by_layout(&mean_p90),
                "cut_vs_static_hindsight": cut_hindsight,
                "cut_vs_static_fixed": cut_fixed,
                "paired_p90_tidal_below_naive": paired_wins,
                "paired_p90_ties": paired_ties,
                "p90_tidal_minus_naive_mean": diff_mean,
                "p90_tidal_minus_naive_se": diff_se,
                "goals": {
                    "a_hindsight": goals.mean_hindsight,
                    "a_fixed": goals.mean_fixed,
                    "b_pooled": goals.p90_pooled,
                    "b_mean_of_p90": goals.p90_mean,
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
        "time per seed (history, plans, {} replications × (3 replays + static search + 1 replay)): mean {:.2} s, min {:.2} s, max {:.2} s",
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
