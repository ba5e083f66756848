//! The planner on small cases worked out by hand: staffing equals the Erlang figure when
//! windows are plenty, skills decide which window goes where, a short hall gives windows by
//! marginal gain, the lag keeps windows on a category after its arrivals drop, and a steady
//! day never switches a window.

use chrono::NaiveDate;

use super::*;
use crate::erlang::{erlang_a_servers, erlang_c_servers};

/// A forecast with the given per-slot arrivals per minute (15-minute slots from 08:30).
fn forecast(rates: Vec<Vec<f64>>, service: Vec<f64>) -> Forecast {
    let slots = rates[0].len() as u32;
    Forecast {
        date: NaiveDate::from_ymd_opt(2026, 12, 14).unwrap(),
        open_min: 510,
        close_min: 510 + 15 * slots,
        slot_min: 15,
        categories: (0..rates.len()).map(|c| format!("类别{c}")).collect(),
        daily: rates.iter().map(|r| r.iter().sum::<f64>() * 15.0).collect(),
        rates,
        mean_service_min: service,
        priority_share: 0.0,
        volume_days: Vec::new(),
        season_ratio: vec![1.0],
    }
}

fn windows(skills: &[CategorySet]) -> Vec<Window> {
    skills
        .iter()
        .enumerate()
        .map(|(i, &skills)| Window {
            name: format!("{} 号窗口", i + 1),
            skills,
        })
        .collect()
}

fn config(method: StaffingMethod) -> PlanConfig {
    PlanConfig {
        target: ServiceTarget::default(),
        mean_patience_min: 30.0,
        method,
    }
}

#[test]
fn with_plenty_of_windows_each_category_gets_at_least_what_erlang_requires() {
    let plan = plan_windows(
        &forecast(vec![vec![0.5; 4], vec![0.2; 4]], vec![8.0, 10.0]),
        &windows(&[CategorySet::all(2); 12]),
        &config(StaffingMethod::NaivePerSlot),
    )
    .unwrap();
    let target = ServiceTarget::default();
    for slot in &plan.slots {
        assert_eq!(
            slot.required,
            vec![
                erlang_c_servers(0.5, 8.0, target),
                erlang_c_servers(0.2, 10.0, target)
            ]
        );
        assert!(slot.assigned[0] >= slot.required[0] && slot.assigned[1] >= slot.required[1]);
        // All 12 windows are used.
        assert_eq!(slot.assigned.iter().sum::<u32>(), 12);
        assert!(slot.expected_service_level.iter().all(|&s| s >= 0.9));
    }
    assert_eq!(plan.short_slots, 0);
    assert_eq!(plan.switches, 0);
}

#[test]
fn skills_decide_which_window_serves_which_category() {
    // Window 1 can only do category 0; window 2 both. Category 1 has all the load.
    let plan = plan_windows(
        &forecast(vec![vec![0.0], vec![0.1]], vec![5.0, 5.0]),
        &windows(&[CategorySet::single(0), CategorySet::all(2)]),
        &config(StaffingMethod::NaivePerSlot),
    )
    .unwrap();
    assert_eq!(plan.slots[0].window_category, vec![None, Some(1)]);
    assert_eq!(plan.slots[0].assigned, vec![0, 1]);
    // The layout lets the idle window serve its skills.
    let layout = plan.layout(&windows(&[CategorySet::single(0), CategorySet::all(2)]));
    assert_eq!(
        layout.slots[0],
        vec![CategorySet::single(0), CategorySet::single(1)]
    );
    // Category 0 now needs a window too: the path moves window 2 to category 1 and gives
    // window 1 to category 0.
    let plan = plan_windows(
        &forecast(vec![vec![0.05], vec![0.05]], vec![5.0, 5.0]),
        &windows(&[CategorySet::single(0), CategorySet::all(2)]),
        &config(StaffingMethod::NaivePerSlot),
    )
    .unwrap();
    assert_eq!(plan.slots[0].window_category, vec![Some(0), Some(1)]);
}

#[test]
fn a_short_hall_gives_its_windows_where_they_cut_waiting_most() {
    // Needs: category 0 ≈ 6 windows, category 1 ≈ 2; only 5 windows.
    let plan = plan_windows(
        &forecast(vec![vec![0.5], vec![0.1]], vec![10.0, 10.0]),
        &windows(&[CategorySet::all(2); 5]),
        &config(StaffingMethod::NaivePerSlot),
    )
    .unwrap();
    let slot = &plan.slots[0];
    assert!(slot.required[0] > 5 && slot.required[1] >= 2);
    assert_eq!(plan.short_slots, 1);
    assert_eq!(slot.assigned.iter().sum::<u32>(), 5);
    // Nobody is left without a window, and the bigger load keeps most of them.
    assert!(slot.assigned[1] >= 1);
    assert!(slot.assigned[0] >= 3);
}

#[test]
fn the_lagged_method_keeps_windows_after_a_drop_in_arrivals() {
    // Long handling (20 min): arrivals drop from 1/min to 0.1/min after two slots.
    let rates = vec![vec![1.0, 1.0, 0.1, 0.1, 0.1], vec![0.2; 5]];
    let hall = windows(&[CategorySet::all(2); 30]);
    let naive = plan_windows(
        &forecast(rates.clone(), vec![20.0, 5.0]),
        &hall,
        &config(StaffingMethod::NaivePerSlot),
    )
    .unwrap();
    let lagged = plan_windows(
        &forecast(rates, vec![20.0, 5.0]),
        &hall,
        &config(StaffingMethod::Lagged),
    )
    .unwrap();
    // The first slot after the drop: the lagged load is still about m = 2 + (m0 − 2)e^(−15/20).
    assert!(
        lagged.slots[2].offered_load[0] > 10.0,
        "{:?}",
        lagged.slots[2].offered_load
    );
    assert!((naive.slots[2].offered_load[0] - 2.0).abs() < 1e-12);
    assert!(lagged.slots[2].required[0] > naive.slots[2].required[0] + 5);
    // Steady second category: the lagged load rises towards λ·E[S] = 1 from 0.
    assert!(lagged.slots[0].offered_load[1] < 1.0);
    assert!(lagged.slots[4].offered_load[1] > 0.99);
    assert_eq!(
        lagged.slots[4].required[1],
        erlang_a_servers(
            lagged.slots[4].offered_load[1] / 5.0,
            5.0,
            30.0,
            ServiceTarget::default()
        )
    );
}

#[test]
fn bad_windows_and_targets_are_refused() {
    let day = forecast(vec![vec![0.1]], vec![5.0]);
    let none: Vec<Window> = Vec::new();
    assert_eq!(
        plan_windows(&day, &none, &config(StaffingMethod::Lagged))
            .unwrap_err()
            .to_string(),
        "至少需要一个窗口"
    );
    let empty = windows(&[CategorySet::EMPTY]);
    assert_eq!(
        plan_windows(&day, &empty, &config(StaffingMethod::Lagged))
            .unwrap_err()
            .to_string(),
        "1 号窗口没有可办理的业务类别"
    );
    let mut bad = config(StaffingMethod::Lagged);
    bad.target.share = 1.5;
    assert!(
        plan_windows(&day, &windows(&[CategorySet::single(0)]), &bad)
            .unwrap_err()
            .to_string()
            .starts_with("服务目标无效")
    );
}
