//! A station-day end to end on small inputs: the static search finds the best split by
//! exhaustion (checked against every split by hand), the report is deterministic for a seed,
//! and the replayed day comes from where it should.

use chrono::Days;

use super::*;
use crate::generate::{HallModel, peak_day_scenario};

fn small_request(date: chrono::NaiveDate, windows: Vec<Window>, search: bool) -> StationDayRequest {
    StationDayRequest {
        forecast: ForecastConfig::for_date(date),
        windows,
        target: ServiceTarget::default(),
        mean_patience_min: 60.0,
        seed: 5,
        search_static: search,
    }
}

#[test]
fn the_static_search_returns_the_best_of_all_splits() {
    // Two categories, four windows; category 0 carries three times the work.
    let tickets: Vec<Ticket> = (0..200)
        .map(|k| Ticket {
            arrival_min: k as f64 * 1.5,
            category: usize::from(k % 4 == 3),
            service_min: 4.0,
            patience_min: f64::INFINITY,
            priority: false,
        })
        .collect();
    let windows: Vec<Window> = (0..4)
        .map(|i| Window {
            name: format!("{i}"),
            skills: CategorySet::all(2),
        })
        .collect();
    let config = SimulationConfig {
        categories: 2,
        day_min: 300.0,
        series_slot_min: 15.0,
        target: ServiceTarget::default(),
    };
    let (search, report) = best_static_layout(&tickets, &windows, &config).unwrap();
    assert!(search.exhaustive);
    // (0, 4) and (4, 0) leave a category without a window.
    assert_eq!(search.evaluated, 3);
    let by_hand = (1..=3)
        .map(|zero: usize| {
            let sets = (0..4)
                .map(|w| CategorySet::single(usize::from(w >= zero)))
                .collect();
            simulate(&tickets, &Layout::fixed(sets), &config)
                .overall
                .mean_queue_time_min
        })
        .fold(f64::INFINITY, f64::min);
    assert_eq!(report.overall.mean_queue_time_min, by_hand);
    assert_eq!(search.counts, vec![3, 1]);
}

#[test]
fn a_station_day_is_deterministic_and_replays_the_history_or_a_sample() {
    let hall = HallModel::payment_season_hall();
    let (history, peak) = peak_day_scenario(3);
    let date = crate::generate::peak_day_date();
    let windows = hall.payment_season_windows();
    let request = small_request(date, windows.clone(), false);
    let report = plan_station_day(&history, &request, Some(&peak.tickets)).unwrap();
    assert_eq!(report.replay_source, ReplaySource::Given);
    assert_eq!(report.replay_tickets, peak.tickets.len());
    assert_eq!(report.scenarios.len(), 3);
    assert_eq!(report.plan.slots.len(), 34);
    assert!(
        report
            .plan
            .slots
            .iter()
            .all(|s| s.window_category.iter().all(Option::is_some))
    );
    // The plan is realisable: each window's category is one of its skills.
    for slot in &report.plan.slots {
        for (window, category) in windows.iter().zip(&slot.window_category) {
            assert!(window.skills.contains(category.unwrap()));
        }
    }
    assert_eq!(
        plan_station_day(&history, &request, Some(&peak.tickets)).unwrap(),
        report
    );
    // Without a given day: the forecast day is not in the history, so it is sampled.
    let sampled = plan_station_day(&history, &request, None).unwrap();
    assert_eq!(sampled.replay_source, ReplaySource::Sampled);
    let expected: f64 = sampled.forecast.daily.iter().sum();
    assert!((sampled.replay_tickets as f64 - expected).abs() < 5.0 * expected.sqrt());
    // A date inside the history replays its own tickets.
    let inside = small_request(date - Days::new(7), windows, false);
    let own = plan_station_day(&history, &inside, None).unwrap();
    assert_eq!(own.replay_source, ReplaySource::History);
    let json = serde_json::to_string(&own).unwrap();
    assert!(json.contains("\"tidal_windows\""));
}

#[test]
fn the_static_layouts_listed_are_those_the_exhaustive_search_evaluates() {
    let hall = HallModel::payment_season_hall();
    let (history, peak) = peak_day_scenario(3);
    let date = crate::generate::peak_day_date();
    let windows = hall.payment_season_windows();
    let request = small_request(date, windows.clone(), true);
    let report = plan_station_day(&history, &request, Some(&peak.tickets)).unwrap();
    let forecast = &report.forecast;
    let tickets = tickets_for_day(&peak.tickets, forecast, 60.0, request.seed);
    let config = SimulationConfig {
        categories: forecast.categories.len(),
        day_min: f64::from(forecast.close_min - forecast.open_min),
        series_slot_min: f64::from(forecast.slot_min),
        target: request.target,
    };
    let layouts = static_layouts(&tickets, &windows, config.categories).unwrap();
    let search = report.best_static.as_ref().unwrap();
    assert_eq!(layouts.len(), search.evaluated);
    for layout in &layouts {
        // Realisable, and every category keeps a window.
        for (window, &category) in windows.iter().zip(layout) {
            assert!(window.skills.contains(category));
        }
        assert!((0..config.categories).all(|c| layout.contains(&c)));
    }
    // The first with the least mean time in queue is the search's choice.
    let score = |layout: &Vec<usize>| {
        simulate(
            &tickets,
            &Layout::fixed(layout.iter().map(|&c| CategorySet::single(c)).collect()),
            &config,
        )
        .overall
        .mean_queue_time_min
    };
    let scores: Vec<f64> = layouts.iter().map(score).collect();
    let best = (0..layouts.len())
        .reduce(|b, i| if scores[i] < scores[b] { i } else { b })
        .unwrap();
    assert_eq!(layouts[best], search.window_category);
}
