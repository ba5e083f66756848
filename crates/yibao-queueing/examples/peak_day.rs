//! The peak-day comparison behind `bench/run-queueing.sh`: generates eight weeks of history and
//! the payment-season peak day from a seed, then runs `plan_station_day` (forecast, lag-aware and
//! naive plans, exhaustive static-layout search, replays) exactly as `yibao plan-windows
//! --generate` does, and prints the report as JSON on stdout and the timing on stderr.
//!
//! `cargo run --release -p yibao-queueing --example peak_day -- 42 [--table]`

use std::time::Instant;

use yibao_queueing::generate::{HallModel, peak_day_date, peak_day_scenario};
use yibao_queueing::{ForecastConfig, ServiceTarget, StationDayRequest, plan_station_day};

fn main() {
    let seed: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(42);
    let table = std::env::args().any(|a| a == "--table");
    let started = Instant::now();
    let hall = HallModel::payment_season_hall();
    let (history, peak) = peak_day_scenario(seed);
    let generated = started.elapsed();
    let request = StationDayRequest {
        forecast: ForecastConfig::for_date(peak_day_date()),
        windows: hall.payment_season_windows(),
        target: ServiceTarget::default(),
        mean_patience_min: hall.mean_patience_min,
        seed,
        search_static: true,
    };
    let planning = Instant::now();
    let report = plan_station_day(&history, &request, Some(&peak.tickets)).expect("plan");
    eprintln!(
        "generated {} history tickets in {:.3} s; station-day with static search in {:.3} s",
        history.tickets.len(),
        generated.as_secs_f64(),
        planning.elapsed().as_secs_f64()
    );
    if !table {
        println!("{}", serde_json::to_string(&report).expect("serializes"));
        return;
    }
    for scenario in &report.scenarios {
        let o = &scenario.report.overall;
        println!(
            "{:<16} mean {:6.2} p90 {:6.2} max {:6.1} queue {:6.2} abandoned {:5.3} within {:5.3}",
            scenario.key,
            o.mean_wait_min,
            o.p90_wait_min,
            o.max_wait_min,
            o.mean_queue_time_min,
            o.abandon_share,
            o.within_target_share
        );
    }
}
