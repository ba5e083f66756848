//! The forecast on histories with a known answer: identical weeks give exactly that week, a
//! generated history recovers the generator's volumes and profile, and last year's season
//! ratio is applied.

use chrono::{Datelike, Days, NaiveDate};

use super::*;
use crate::generate::HallModel;
use crate::history::TicketRecord;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn record(date: NaiveDate, minute_of_day: f64, category: usize) -> TicketRecord {
    TicketRecord {
        date,
        minute_of_day,
        category,
        service_min: Some(4.0),
        priority: false,
    }
}

#[test]
fn four_identical_mondays_forecast_exactly_that_monday() {
    let mut history = History {
        categories: vec!["缴费".into(), "报销".into()],
        tickets: Vec::new(),
    };
    for week in 1..=4 {
        let monday = date(2026, 6, 15) - Days::new(7 * week);
        history.tickets.push(record(monday, 8.0 * 60.0 + 35.0, 0));
        history.tickets.push(record(monday, 8.0 * 60.0 + 40.0, 0));
        history.tickets.push(record(monday, 9.0 * 60.0 + 10.0, 1));
    }
    let result = forecast(&history, &ForecastConfig::for_date(date(2026, 6, 15))).unwrap();
    assert_eq!(result.daily, vec![2.0, 1.0]);
    assert_eq!(result.volume_days.len(), 4);
    // 08:30–08:45 is slot 0, 09:00–09:15 slot 2; rates per minute.
    assert!((result.rates[0][0] - 2.0 / 15.0).abs() < 1e-12);
    assert!((result.rates[1][2] - 1.0 / 15.0).abs() < 1e-12);
    assert_eq!(result.rates[0].iter().filter(|&&r| r > 0.0).count(), 1);
    assert_eq!(result.mean_service_min, vec![4.0, 4.0]);
    assert_eq!(result.season_ratio, vec![1.0, 1.0]);
}

#[test]
fn a_generated_history_recovers_the_generators_volumes_and_profile() {
    let hall = HallModel::payment_season_hall();
    let target = date(2026, 6, 15); // a Monday in a flat month
    let history = hall.generate_history(target - Days::new(56), target - Days::new(1), 11);
    // Eight Mondays of volume: the Poisson noise of the mean is about 3% of it.
    let mut config = ForecastConfig::for_date(target);
    config.weeks = 8;
    let result = forecast(&history, &config).unwrap();
    for category in 0..hall.categories.len() {
        let truth = hall.expected_daily(category, target);
        let got = result.daily[category];
        assert!(
            (got - truth).abs() < 0.1 * truth,
            "{category}: {got} vs {truth}"
        );
        // Hour by hour (4 slots each) within 25% where the hour expects 20+ tickets.
        for hour in 0..8 {
            let slots = hour * 4..hour * 4 + 4;
            let expected: f64 = slots
                .clone()
                .map(|s| {
                    (0..15)
                        .map(|m| hall.rate(category, target, 510.0 + (s * 15 + m) as f64 + 0.5))
                        .sum::<f64>()
                })
                .sum();
            let forecast: f64 = slots.map(|s| result.rates[category][s] * 15.0).sum();
            if expected > 20.0 {
                assert!(
                    (forecast - expected).abs() < 0.25 * expected,
                    "{category} h{hour}: {forecast} vs {expected}"
                );
            }
        }
        let service = result.mean_service_min[category];
        let mean = hall.categories[category].mean_service_min;
        assert!((service - mean).abs() < 0.1 * mean);
    }
    assert!((result.priority_share - hall.priority_share).abs() < 0.01);
}

#[test]
fn last_years_season_scales_the_recent_level() {
    // One category, 09:00 tickets: recent weeks 15 a day; last year 10 a day over the span
    // of the recent weeks and 20 a day around the target date.
    let target = date(2026, 12, 14);
    let mut history = History {
        categories: vec!["缴费".into()],
        tickets: Vec::new(),
    };
    let mut add = |day: NaiveDate, count: usize| {
        for _ in 0..count {
            history.tickets.push(record(day, 540.0, 0));
        }
    };
    let mut day = target - Days::new(400);
    while day < target {
        if day.weekday() != chrono::Weekday::Sun {
            let last_year_target = target - Days::new(364);
            let count = if day >= target - Days::new(28) {
                15
            } else if day >= last_year_target - Days::new(7)
                && day <= last_year_target + Days::new(7)
            {
                20
            } else {
                10
            };
            add(day, count);
        }
        day = day.succ_opt().unwrap();
    }
    let result = forecast(&history, &ForecastConfig::for_date(target)).unwrap();
    assert!(
        (result.season_ratio[0] - 21.0 / 11.0).abs() < 1e-12,
        "{:?}",
        result.season_ratio
    );
    assert!((result.daily[0] - 15.0 * 21.0 / 11.0).abs() < 1e-9);
    // A level factor multiplies on top.
    let mut config = ForecastConfig::for_date(target);
    config.level_factor = 2.0;
    let doubled = forecast(&history, &config).unwrap();
    assert!((doubled.daily[0] - 2.0 * result.daily[0]).abs() < 1e-9);
}

#[test]
fn unusable_requests_are_refused_in_chinese() {
    let history = History {
        categories: vec!["缴费".into()],
        tickets: vec![record(date(2026, 6, 1), 540.0, 0)],
    };
    let error = forecast(&history, &ForecastConfig::for_date(date(2026, 5, 1))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "2026-05-01 之前没有任何取号记录，无法预测"
    );
    let mut config = ForecastConfig::for_date(date(2026, 6, 15));
    config.slot_min = 7;
    assert!(
        forecast(&history, &config)
            .unwrap_err()
            .to_string()
            .contains("不能被时段长度 7 分钟整除")
    );
    // A single earlier day falls back to the recent mean.
    let result = forecast(&history, &ForecastConfig::for_date(date(2026, 6, 15))).unwrap();
    assert!(result.volume_days.is_empty());
    assert_eq!(result.daily, vec![1.0]);
}
