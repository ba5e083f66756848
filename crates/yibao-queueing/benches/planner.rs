//! Criterion benches of the planner per station-day on the generated payment-season peak day
//! (goal: under 50 ms): forecast + lag-aware plan, the naive per-slot plan, one simulated day,
//! and the whole station-day without the static search.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use yibao_queueing::generate::{HallModel, peak_day_date, peak_day_scenario};
use yibao_queueing::station::tickets_for_day;
use yibao_queueing::{
    ForecastConfig, PlanConfig, ServiceTarget, SimulationConfig, StaffingMethod, StationDayRequest,
    forecast, plan_station_day, plan_windows, simulate,
};

fn planner(c: &mut Criterion) {
    let hall = HallModel::payment_season_hall();
    let windows = hall.payment_season_windows();
    let (history, peak) = peak_day_scenario(42);
    let config = ForecastConfig::for_date(peak_day_date());
    let plan_config = |method| PlanConfig {
        target: ServiceTarget::default(),
        mean_patience_min: hall.mean_patience_min,
        method,
    };
    c.bench_function("forecast_and_lagged_plan_per_station_day", |b| {
        b.iter(|| {
            let day = forecast(black_box(&history), &config).unwrap();
            plan_windows(&day, &windows, &plan_config(StaffingMethod::Lagged)).unwrap()
        })
    });
    let day = forecast(&history, &config).unwrap();
    c.bench_function("lagged_plan_only", |b| {
        b.iter(|| {
            plan_windows(
                black_box(&day),
                &windows,
                &plan_config(StaffingMethod::Lagged),
            )
        })
    });
    c.bench_function("naive_plan_only", |b| {
        b.iter(|| {
            plan_windows(
                black_box(&day),
                &windows,
                &plan_config(StaffingMethod::NaivePerSlot),
            )
        })
    });
    let plan = plan_windows(&day, &windows, &plan_config(StaffingMethod::Lagged)).unwrap();
    let layout = plan.layout(&windows);
    let tickets = tickets_for_day(&peak.tickets, &day, hall.mean_patience_min, 42);
    let sim = SimulationConfig {
        categories: day.categories.len(),
        day_min: 510.0,
        series_slot_min: 15.0,
        target: ServiceTarget::default(),
    };
    c.bench_function("simulate_peak_day", |b| {
        b.iter(|| simulate(black_box(&tickets), &layout, &sim))
    });
    let request = StationDayRequest {
        forecast: config.clone(),
        windows: windows.clone(),
        target: ServiceTarget::default(),
        mean_patience_min: hall.mean_patience_min,
        seed: 42,
        search_static: false,
    };
    c.bench_function("station_day_without_static_search", |b| {
        b.iter(|| plan_station_day(black_box(&history), &request, Some(&peak.tickets)).unwrap())
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = planner
}
criterion_main!(benches);
