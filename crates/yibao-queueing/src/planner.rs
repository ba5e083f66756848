//! The tidal window planner: how many windows each category gets in each slot, and which
//! windows, given what each window's clerk can handle and how many windows there are.
//!
//! Two staffing methods share the same allocation:
//! - [`StaffingMethod::NaivePerSlot`]: each slot on its own, offered load a = λ·E[S] of that
//!   slot, Erlang C (the textbook "stationary independent period by period" method).
//! - [`StaffingMethod::Lagged`]: the modified offered load (MOL) of Jennings, Mandelbaum,
//!   Massey & Whitt (1996): the mean number of busy servers in an infinite-server system,
//!   m'(t) = λ(t) − m(t)/E[S], solved exactly over each piecewise-constant slot, so the load
//!   lags the arrivals by about one handling time; a slot is staffed for the larger of m at its
//!   start and end. On top, a fluid backlog carried from the previous slot (arrivals minus the
//!   capacity planned, never below 0, thinned by the people who give up) adds
//!   backlog·E[S]/slot length Erlangs, and Erlang A with the people's patience replaces
//!   Erlang C, so an overloaded slot still gets a finite, comparable cost. Its cost also counts
//!   the people expected to miss the target (see `TARGET_WEIGHT`).
//!
//! Allocation per slot: one window for every category with arrivals (busiest first), then the
//! windows each category needs for the target, category by
//! category in order of the largest marginal gain; if windows remain, each goes where it cuts
//! the expected waiting (λ·E[W]) most; when windows are short, the same marginal rule decides
//! who goes without. Every unit is placed by an augmenting path over the window–skill graph, so
//! a count is only granted if some assignment of clerks realises it. Finally the windows are
//! matched to the counts keeping each window's previous category where possible, so windows
//! change business only when the counts require it.

use serde::{Deserialize, Serialize};

use crate::QueueingError;
use crate::erlang::{ErlangA, ErlangC, ServiceTarget, erlang_a_servers, erlang_c_servers};
use crate::forecast::Forecast;
use crate::simulate::{CategorySet, Layout};

/// A service window and what its clerk can handle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Window {
    pub name: String,
    pub skills: CategorySet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffingMethod {
    NaivePerSlot,
    Lagged,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PlanConfig {
    pub target: ServiceTarget,
    /// Mean patience of the people, minutes (Erlang A; the lagged method only).
    pub mean_patience_min: f64,
    pub method: StaffingMethod,
}

/// One slot of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlotPlan {
    /// Minutes since midnight.
    pub start_min: u32,
    /// Forecast arrivals per category in the slot.
    pub arrivals: Vec<f64>,
    /// The load each category was staffed for, Erlangs.
    pub offered_load: Vec<f64>,
    /// Windows each category needs for the target, without the window limit.
    pub required: Vec<u32>,
    /// Windows each category gets.
    pub assigned: Vec<u32>,
    /// The category of each window (None: nothing it can serve has any load).
    pub window_category: Vec<Option<usize>>,
    /// Predicted share called within the target time with the assigned windows.
    pub expected_service_level: Vec<f64>,
}

/// A day's plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub method: StaffingMethod,
    pub slot_min: u32,
    pub categories: Vec<String>,
    pub windows: Vec<String>,
    pub slots: Vec<SlotPlan>,
    /// Slots where some category got fewer windows than it needs.
    pub short_slots: usize,
    /// Window changes of category between consecutive slots.
    pub switches: usize,
}

impl Plan {
    /// The simulator's view: each window serves its slot's category (a window with nothing
    /// assigned serves all its skills).
    pub fn layout(&self, windows: &[Window]) -> Layout {
        Layout {
            slot_min: f64::from(self.slot_min),
            slots: self
                .slots
                .iter()
                .map(|slot| {
                    slot.window_category
                        .iter()
                        .zip(windows)
                        .map(|(category, window)| match category {
                            Some(c) => CategorySet::single(*c),
                            None => window.skills,
                        })
                        .collect()
                })
                .collect(),
        }
    }
}

/// Weight of the target in the lagged method's cost: each person per minute expected to miss
/// the target counts as `TARGET_WEIGHT × target minutes` of waiting on top of the expected
/// waiting itself. Pure expected waiting starves long-handling categories in overload (their
/// windows serve fewest people per minute) and lengthens the tail; with weight 3 the plan kept
/// both its mean and its P90 ahead on five generated peak days (seeds 7, 42, 99, 1234, 2026;
/// weights 0, 1, 3, 10, 100 tried, see bench/RESULTS.md).
const TARGET_WEIGHT: f64 = 3.0;

/// Offered load (Erlangs) below which a category needs no window in a slot.
const NEGLIGIBLE_LOAD: f64 = 1e-6;

/// How a category's queue is scored for a given number of windows.
struct Scorer {
    rate: f64,
    service: f64,
    patience: f64,
    target: ServiceTarget,
    erlang_a: bool,
}

impl Scorer {
    /// Expected waiting per minute (λ·E[W]); an unstable Erlang C queue scores by its excess.
    fn cost(&self, servers: u32) -> f64 {
        if self.rate <= 0.0 {
            return 0.0;
        }
        if self.erlang_a {
            // Those who leave count with the time they waited, plus a handling time lost.
            let queue = ErlangA::new(self.rate, self.service, self.patience, servers);
            let (measures, within) = queue.measures_and_served_within(self.target.within_min);
            let missed = 1.0 - within;
            self.rate * (measures.mean_wait + measures.p_abandon * self.service)
                + TARGET_WEIGHT * self.rate * missed * self.target.within_min
        } else {
            let queue = ErlangC::new(self.rate, self.service, servers);
            if queue.is_stable() {
                self.rate * queue.mean_wait()
            } else {
                // Unstable: a large constant, less for each window's throughput, so that
                // making a queue stable comes first and otherwise windows go where they
                // serve the most people per minute.
                1e4 + 1e3 * (self.rate - f64::from(servers) / self.service)
            }
        }
    }

    fn required(&self) -> u32 {
        if self.rate <= 0.0 {
            0
        } else if self.erlang_a {
            erlang_a_servers(self.rate, self.service, self.patience, self.target)
        } else {
            erlang_c_servers(self.rate, self.service, self.target)
        }
    }

    fn service_level(&self, servers: u32) -> f64 {
        if self.rate <= 0.0 {
            1.0
        } else if self.erlang_a {
            ErlangA::new(self.rate, self.service, self.patience, servers)
                .p_served_within(self.target.within_min)
        } else {
            ErlangC::new(self.rate, self.service, servers).p_wait_within(self.target.within_min)
        }
    }
}

/// Tries to give one more window to `category` by an augmenting path; true on success.
pub(crate) fn augment(
    category: usize,
    windows: &[Window],
    assignment: &mut [Option<usize>],
    visited: &mut [bool],
) -> bool {
    // Free windows first, so nobody moves without need.
    for free_pass in [true, false] {
        for window in 0..windows.len() {
            if visited[window] || !windows[window].skills.contains(category) {
                continue;
            }
            match assignment[window] {
                None if free_pass => {
                    visited[window] = true;
                    assignment[window] = Some(category);
                    return true;
                }
                Some(other) if !free_pass && other != category => {
                    visited[window] = true;
                    if augment(other, windows, assignment, visited) {
                        assignment[window] = Some(category);
                        return true;
                    }
                }
                _ => {}
            }
        }
    }
    false
}

/// Validates the inputs shared by the planner and the static search.
pub fn check_windows(windows: &[Window], categories: usize) -> Result<(), QueueingError> {
    if windows.is_empty() {
        return Err(QueueingError::Invalid("至少需要一个窗口".to_owned()));
    }
    for window in windows {
        if window.skills.is_empty() {
            return Err(QueueingError::Invalid(format!(
                "{}没有可办理的业务类别",
                window.name
            )));
        }
        if let Some(bad) = window.skills.iter().find(|&c| c >= categories) {
            return Err(QueueingError::Invalid(format!(
                "{}的业务类别编号 {bad} 超出范围",
                window.name
            )));
        }
    }
    Ok(())
}

/// Plans every slot of `forecast` for `windows`.
pub fn plan_windows(
    forecast: &Forecast,
    windows: &[Window],
    config: &PlanConfig,
) -> Result<Plan, QueueingError> {
    let categories = forecast.categories.len();
    check_windows(windows, categories)?;
    if !(config.target.share > 0.0 && config.target.share < 1.0 && config.target.within_min >= 0.0)
    {
        return Err(QueueingError::Invalid(
            "服务目标无效：比例须在 0 与 1 之间，时间不能为负".to_owned(),
        ));
    }
    if config.mean_patience_min.is_nan() || config.mean_patience_min <= 0.0 {
        return Err(QueueingError::Invalid("平均耐心时间须为正数".to_owned()));
    }
    let slot_len = f64::from(forecast.slot_min);
    let lagged = config.method == StaffingMethod::Lagged;
    let mut busy = vec![0.0; categories]; // MOL m(t) at the slot start
    let mut backlog = vec![0.0; categories]; // fluid queue at the slot start
    let mut previous: Vec<Option<usize>> = vec![None; windows.len()];
    let mut slots = Vec::with_capacity(forecast.slots());
    let mut short_slots = 0;
    let mut switches = 0;
    for slot in 0..forecast.slots() {
        let mut loads = vec![0.0; categories];
        let mut scorers = Vec::with_capacity(categories);
        for category in 0..categories {
            let rate = forecast.rates[category][slot];
            let service = forecast.mean_service_min[category];
            let naive = rate * service;
            let load = if lagged {
                let end = naive + (busy[category] - naive) * (-slot_len / service).exp();
                let mol = f64::max(busy[category], end);
                busy[category] = end;
                mol + backlog[category] * service / slot_len
            } else {
                naive
            };
            // The offered load decays toward zero after a category's last arrivals but never
            // reaches it; a vanishing load needs no window.
            let load = if load < NEGLIGIBLE_LOAD { 0.0 } else { load };
            loads[category] = load;
            scorers.push(Scorer {
                rate: load / service,
                service,
                patience: config.mean_patience_min,
                target: config.target,
                erlang_a: lagged,
            });
        }
        let required: Vec<u32> = scorers.iter().map(Scorer::required).collect();
        let (assigned, assignment) = allocate(&scorers, &required, windows, &previous);
        if assigned.iter().zip(&required).any(|(a, r)| a < r) {
            short_slots += 1;
        }
        switches += assignment
            .iter()
            .zip(&previous)
            .filter(|(now, before)| before.is_some() && now != before)
            .count();
        if lagged {
            for category in 0..categories {
                let capacity =
                    f64::from(assigned[category]) * slot_len / forecast.mean_service_min[category];
                let arrivals = forecast.rates[category][slot] * slot_len;
                // Those still waiting at the slot's end leave at rate 1/patience meanwhile.
                let stay = (-slot_len / config.mean_patience_min).exp();
                backlog[category] = (backlog[category] + arrivals - capacity).max(0.0) * stay;
            }
        }
        slots.push(SlotPlan {
            start_min: forecast.open_min + slot as u32 * forecast.slot_min,
            arrivals: (0..categories)
                .map(|c| forecast.rates[c][slot] * slot_len)
                .collect(),
            expected_service_level: scorers
                .iter()
                .zip(&assigned)
                .map(|(scorer, &n)| scorer.service_level(n))
                .collect(),
            offered_load: loads,
            required,
            assigned,
            window_category: assignment.clone(),
        });
        previous = assignment;
    }
    Ok(Plan {
        method: config.method,
        slot_min: forecast.slot_min,
        categories: forecast.categories.clone(),
        windows: windows.iter().map(|w| w.name.clone()).collect(),
        slots,
        short_slots,
        switches,
    })
}

/// Counts per category and a window assignment realising them.
fn allocate(
    scorers: &[Scorer],
    required: &[u32],
    windows: &[Window],
    previous: &[Option<usize>],
) -> (Vec<u32>, Vec<Option<usize>>) {
    let categories = scorers.len();
    let mut counts = vec![0u32; categories];
    let mut scratch: Vec<Option<usize>> = vec![None; windows.len()];
    let mut blocked = vec![false; categories];
    let mut cost: Vec<f64> = scorers.iter().map(|s| s.cost(0)).collect();
    // Every category with anyone arriving gets a window first, busiest first, if skills allow.
    let mut by_load: Vec<usize> = (0..categories).filter(|&c| scorers[c].rate > 0.0).collect();
    by_load.sort_by(|&a, &b| {
        (scorers[b].rate * scorers[b].service).total_cmp(&(scorers[a].rate * scorers[a].service))
    });
    for category in by_load {
        let mut visited = vec![false; windows.len()];
        if augment(category, windows, &mut scratch, &mut visited) {
            counts[category] += 1;
            cost[category] = scorers[category].cost(1);
        }
    }
    // Cost with one more window, per category, computed once per count.
    let mut next_cost: Vec<Option<f64>> = vec![None; categories];
    for phase_required in [true, false] {
        blocked.iter_mut().for_each(|b| *b = false);
        loop {
            // The category whose next window cuts the cost most.
            let mut best: Option<(usize, f64, f64)> = None;
            for category in 0..categories {
                if blocked[category] || scorers[category].rate <= 0.0 {
                    continue;
                }
                if phase_required && counts[category] >= required[category] {
                    continue;
                }
                let next = *next_cost[category]
                    .get_or_insert_with(|| scorers[category].cost(counts[category] + 1));
                let gain = cost[category] - next;
                if best.is_none_or(|(_, g, _)| gain > g) {
                    best = Some((category, gain, next));
                }
            }
            let Some((category, _, next)) = best else {
                break;
            };
            let mut visited = vec![false; windows.len()];
            if augment(category, windows, &mut scratch, &mut visited) {
                counts[category] += 1;
                cost[category] = next;
                next_cost[category] = None;
            } else {
                blocked[category] = true;
            }
        }
    }
    // Realise the counts, keeping previous categories first.
    let mut assignment: Vec<Option<usize>> = vec![None; windows.len()];
    let mut left = counts.clone();
    for (window, before) in previous.iter().enumerate() {
        if let Some(category) = *before
            && left[category] > 0
            && windows[window].skills.contains(category)
        {
            assignment[window] = Some(category);
            left[category] -= 1;
        }
    }
    for (category, &missing) in left.iter().enumerate() {
        for _ in 0..missing {
            let mut visited = vec![false; windows.len()];
            if !augment(category, windows, &mut assignment, &mut visited) {
                // Cannot happen: the counts were realised once; keep the scratch assignment.
                return (counts, scratch);
            }
        }
    }
    // Windows nobody needs serve the busiest category they can, or keep their category.
    for (window, slot) in assignment.iter_mut().enumerate() {
        if slot.is_none() {
            let keep = previous[window];
            *slot = keep.or_else(|| {
                windows[window]
                    .skills
                    .iter()
                    .filter(|&c| c < categories)
                    .max_by(|&a, &b| scorers[a].rate.total_cmp(&scorers[b].rate))
                    .filter(|&c| scorers[c].rate > 0.0)
            });
        }
    }
    let mut counts = vec![0u32; categories];
    for category in assignment.iter().flatten() {
        counts[*category] += 1;
    }
    (counts, assignment)
}

#[cfg(test)]
mod tests;
