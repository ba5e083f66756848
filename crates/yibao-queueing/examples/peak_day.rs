//! Prints the peak-day comparison (best static layout, naive per-slot Erlang C, lag-aware tidal
//! plan, all-skills reference) for a seed: `cargo run --release -p yibao-queueing --example
//! peak_day -- 42`.

use std::time::Instant;

use yibao_queueing::generate::{HallModel, peak_day_date, peak_day_scenario};
use yibao_queueing::{ForecastConfig, ServiceTarget, StationDayRequest, plan_station_day};

fn main() {
    let seed: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(42);
    let hall = HallModel::payment_season_hall();
    let (history, peak) = peak_day_scenario(seed);
    let request = StationDayRequest {
        forecast: ForecastConfig::for_date(peak_day_date()),
        windows: hall.payment_season_windows(),
        target: ServiceTarget::default(),
        mean_patience_min: hall.mean_patience_min,
        seed,
        search_static: true,
    };
    let started = Instant::now();
    let report = plan_station_day(&history, &request, Some(&peak.tickets)).expect("plan");
    println!(
        "tickets {} in {:.2?}",
        report.replay_tickets,
        started.elapsed()
    );
    println!(
        "static {:?}",
        report
            .best_static
            .as_ref()
            .map(|s| (&s.counts, s.evaluated))
    );
    for scenario in &report.scenarios {
        let o = &scenario.report.overall;
        println!(
            "{:<36} mean {:6.2} p90 {:6.2} max {:6.1} queue {:6.2} ab {:5.3} within {:5.3}",
            scenario.key,
            o.mean_wait_min,
            o.p90_wait_min,
            o.max_wait_min,
            o.mean_queue_time_min,
            o.abandon_share,
            o.within_target_share
        );
    }
    for slot in &report.plan.slots {
        println!(
            "{} tidal {:?} naive {:?} load {:?}",
            slot.start_min,
            slot.assigned,
            report.naive_plan.slots[(slot.start_min - 510) as usize / 15].assigned,
            slot.offered_load
                .iter()
                .map(|l| (l * 10.0).round() / 10.0)
                .collect::<Vec<_>>()
        );
    }
}
