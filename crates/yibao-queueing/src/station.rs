//! One station-day end to end, as the console planner page and `yibao plan-windows` need it:
//! forecast from history, the lag-aware tidal plan and the naive per-slot Erlang C plan, the
//! best static layout found by searching over static layouts, and all of them replayed on the
//! same day's tickets in the simulator. Everything returned is serializable, including chart
//! series per slot.

use serde::{Deserialize, Serialize};

use crate::QueueingError;
use crate::erlang::ServiceTarget;
use crate::forecast::{Forecast, ForecastConfig, forecast};
use crate::history::{History, TicketRecord};
use crate::planner::{
    Plan, PlanConfig, StaffingMethod, Window, augment, check_windows, plan_windows,
};
use crate::rng::Rng;
use crate::simulate::{CategorySet, Layout, SimulationConfig, SimulationReport, Ticket, simulate};

/// Coefficient of variation of handling times sampled where the history records none.
const SAMPLED_SERVICE_CV: f64 = 0.6;
/// Above this many static layouts the search is local instead of exhaustive.
const EXHAUSTIVE_LIMIT: usize = 5000;

/// What to plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StationDayRequest {
    pub forecast: ForecastConfig,
    pub windows: Vec<Window>,
    pub target: ServiceTarget,
    pub mean_patience_min: f64,
    /// Seed for sampled patience (and arrivals when the day is not in the history).
    pub seed: u64,
    /// Also search the best static layout (exhaustive up to 5,000 layouts, else local search).
    pub search_static: bool,
}

/// Where the replayed day came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplaySource {
    /// The tickets handed in (e.g. a generated day).
    Given,
    /// The history's own tickets of the planned date.
    History,
    /// Sampled from the forecast with the seed.
    Sampled,
}

/// One layout replayed on the day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    /// `best_static`, `naive_per_slot`, `tidal` or `all_skills`.
    pub key: String,
    /// Chinese name for tables and charts.
    pub label: String,
    pub report: SimulationReport,
}

/// The result of the static search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaticSearch {
    /// Windows per category.
    pub counts: Vec<u32>,
    /// The category of each window.
    pub window_category: Vec<usize>,
    pub evaluated: usize,
    pub exhaustive: bool,
}

/// Series per slot for charts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartSeries {
    /// Minutes since midnight.
    pub slot_start_min: Vec<u32>,
    /// `[category][slot]` forecast arrivals.
    pub forecast_arrivals: Vec<Vec<f64>>,
    /// `[category][slot]` arrivals of the replayed day.
    pub replay_arrivals: Vec<Vec<u32>>,
    /// `[category][slot]` windows of the tidal plan.
    pub tidal_windows: Vec<Vec<u32>>,
    /// `[category][slot]` windows of the naive plan.
    pub naive_windows: Vec<Vec<u32>>,
}

/// Everything the planner page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StationDayReport {
    pub forecast: Forecast,
    pub plan: Plan,
    pub naive_plan: Plan,
    pub replay_source: ReplaySource,
    pub replay_tickets: usize,
    pub best_static: Option<StaticSearch>,
    pub scenarios: Vec<Scenario>,
    pub series: ChartSeries,
}

impl StationDayReport {
    pub fn scenario(&self, key: &str) -> Option<&Scenario> {
        self.scenarios.iter().find(|s| s.key == key)
    }
}

/// Turns a day's records into simulator tickets: times from opening, recorded handling times
/// (or sampled around the forecast mean), patience sampled with the seed.
pub fn tickets_for_day(
    records: &[TicketRecord],
    forecast: &Forecast,
    mean_patience_min: f64,
    seed: u64,
) -> Vec<Ticket> {
    let mut rng = Rng::new(seed ^ 0xC0FF_EE00);
    let open = f64::from(forecast.open_min);
    records
        .iter()
        .map(|record| {
            let mean = forecast.mean_service_min[record.category];
            let service_min = record
                .service_min
                .unwrap_or_else(|| rng.lognormal(mean, SAMPLED_SERVICE_CV));
            Ticket {
                arrival_min: (record.minute_of_day - open).max(0.0),
                category: record.category,
                service_min,
                patience_min: rng.exponential(mean_patience_min),
                priority: record.priority,
            }
        })
        .collect()
}

/// Samples a day from the forecast's piecewise-constant rates.
pub fn sample_day(forecast: &Forecast, seed: u64) -> Vec<TicketRecord> {
    let mut rng = Rng::new(seed);
    let slot_len = f64::from(forecast.slot_min);
    let mut records = Vec::new();
    for (category, rates) in forecast.rates.iter().enumerate() {
        for (slot, &rate) in rates.iter().enumerate() {
            if rate <= 0.0 {
                continue;
            }
            let start = f64::from(forecast.open_min) + slot as f64 * slot_len;
            let mut now = start;
            loop {
                now += rng.exponential(1.0 / rate);
                if now >= start + slot_len {
                    break;
                }
                records.push(TicketRecord {
                    date: forecast.date,
                    minute_of_day: now,
                    category,
                    service_min: None,
                    priority: rng.chance(forecast.priority_share),
                });
            }
        }
    }
    records.sort_by(|a, b| a.minute_of_day.total_cmp(&b.minute_of_day));
    records
}

/// The static layout (one category per window all day) with the least mean time in queue over
/// all tickets on `tickets`: every split of the windows into category counts that the skills
/// allow and that leaves no category with tickets without a window, exhaustively when there are at most 5,000 splits, otherwise by moving one window at a
/// time from a load-proportional start until no move helps.
pub fn best_static_layout(
    tickets: &[Ticket],
    windows: &[Window],
    config: &SimulationConfig,
) -> Result<(StaticSearch, SimulationReport), QueueingError> {
    let categories = config.categories;
    check_windows(windows, categories)?;
    let (present, must_serve) = categories_to_serve(tickets, windows, categories);
    let mut evaluated = 0;
    let mut evaluate = |counts: &[u32]| -> Option<(Vec<usize>, SimulationReport)> {
        if must_serve && counts.iter().zip(&present).any(|(&n, &p)| p && n == 0) {
            return None;
        }
        let assignment = realise(counts, windows)?;
        evaluated += 1;
        let layout = Layout::fixed(assignment.iter().map(|&c| CategorySet::single(c)).collect());
        Some((assignment, simulate(tickets, &layout, config)))
    };
    let score = |report: &SimulationReport| report.overall.mean_queue_time_min;
    let splits = binomial(windows.len() + categories - 1, categories - 1);
    let mut best: Option<(Vec<u32>, Vec<usize>, SimulationReport)> = None;
    let exhaustive = splits <= EXHAUSTIVE_LIMIT;
    if exhaustive {
        let mut counts = vec![0u32; categories];
        compositions(windows.len() as u32, 0, &mut counts, &mut |counts| {
            if let Some((assignment, report)) = evaluate(counts)
                && best.as_ref().is_none_or(|b| score(&report) < score(&b.2))
            {
                best = Some((counts.to_vec(), assignment, report));
            }
        });
    } else {
        // Start with one window per category with tickets, the rest by work per window, then
        // improve by single moves.
        let mut work = vec![0.0; categories];
        for ticket in tickets {
            work[ticket.category] += ticket.service_min;
        }
        let mut counts: Vec<u32> = present
            .iter()
            .map(|&p| u32::from(p && must_serve))
            .collect();
        while counts.iter().sum::<u32>() < windows.len() as u32 {
            let busiest = (0..categories)
                .max_by(|&a, &b| {
                    (work[a] / f64::from(counts[a] + 1))
                        .total_cmp(&(work[b] / f64::from(counts[b] + 1)))
                })
                .expect("categories");
            counts[busiest] += 1;
        }
        let Some((assignment, report)) = evaluate(&counts) else {
            return Err(QueueingError::Invalid(
                "窗口的可办业务与业务量不匹配，无法组成初始固定布局".to_owned(),
            ));
        };
        let mut current = (counts, assignment, report);
        loop {
            let mut improved = false;
            for from in 0..categories {
                for to in 0..categories {
                    if from == to || current.0[from] == 0 {
                        continue;
                    }
                    let mut trial = current.0.clone();
                    trial[from] -= 1;
                    trial[to] += 1;
                    if let Some((assignment, report)) = evaluate(&trial)
                        && score(&report) < score(&current.2)
                    {
                        current = (trial, assignment, report);
                        improved = true;
                    }
                }
            }
            if !improved {
                break;
            }
        }
        best = Some(current);
    }
    let (counts, window_category, report) = best
        .ok_or_else(|| QueueingError::Invalid("窗口的可办业务无法组成任何固定布局".to_owned()))?;
    Ok((
        StaticSearch {
            counts,
            window_category,
            evaluated,
            exhaustive,
        },
        report,
    ))
}

/// A hall serves every business that comes: each category with tickets keeps a window (when
/// there are enough windows for that). The categories with tickets, and whether that holds.
fn categories_to_serve(
    tickets: &[Ticket],
    windows: &[Window],
    categories: usize,
) -> (Vec<bool>, bool) {
    let mut present = vec![false; categories];
    for ticket in tickets {
        present[ticket.category] = true;
    }
    let must_serve = present.iter().filter(|&&p| p).count() <= windows.len();
    (present, must_serve)
}

/// Every static layout (the category of each window) that an exhaustive
/// [`best_static_layout`] on `tickets` evaluates, in the order it evaluates them: one per
/// split of the windows into category counts that the skills allow and that leaves no
/// category with tickets without a window. For scoring static layouts by another measure than
/// the search's; there are C(windows + categories − 1, categories − 1) splits to try, so keep
/// it to small halls.
pub fn static_layouts(
    tickets: &[Ticket],
    windows: &[Window],
    categories: usize,
) -> Result<Vec<Vec<usize>>, QueueingError> {
    check_windows(windows, categories)?;
    let (present, must_serve) = categories_to_serve(tickets, windows, categories);
    let mut layouts = Vec::new();
    let mut counts = vec![0u32; categories];
    compositions(windows.len() as u32, 0, &mut counts, &mut |counts| {
        if must_serve && counts.iter().zip(&present).any(|(&n, &p)| p && n == 0) {
            return;
        }
        if let Some(assignment) = realise(counts, windows) {
            layouts.push(assignment);
        }
    });
    Ok(layouts)
}

fn binomial(n: usize, k: usize) -> usize {
    let mut result: usize = 1;
    for i in 0..k {
        result = result.saturating_mul(n - i) / (i + 1);
    }
    result
}

fn compositions(left: u32, index: usize, counts: &mut Vec<u32>, visit: &mut dyn FnMut(&[u32])) {
    if index + 1 == counts.len() {
        counts[index] = left;
        visit(counts);
        return;
    }
    for take in 0..=left {
        counts[index] = take;
        compositions(left - take, index + 1, counts, visit);
    }
}

/// An assignment of every window to one category with exactly `counts`, if the skills allow.
fn realise(counts: &[u32], windows: &[Window]) -> Option<Vec<usize>> {
    let mut assignment: Vec<Option<usize>> = vec![None; windows.len()];
    for (category, &count) in counts.iter().enumerate() {
        for _ in 0..count {
            let mut visited = vec![false; windows.len()];
            if !augment(category, windows, &mut assignment, &mut visited) {
                return None;
            }
        }
    }
    assignment.into_iter().collect()
}

/// Forecasts, plans (lag-aware and naive), searches the best static layout and replays the day
/// under each. The replayed day is `replay` when given, else the history's tickets of the
/// planned date, else a day sampled from the forecast with the seed.
pub fn plan_station_day(
    history: &History,
    request: &StationDayRequest,
    replay: Option<&[TicketRecord]>,
) -> Result<StationDayReport, QueueingError> {
    let forecast = forecast(history, &request.forecast)?;
    let categories = forecast.categories.len();
    check_windows(&request.windows, categories)?;
    let config = |method| PlanConfig {
        target: request.target,
        mean_patience_min: request.mean_patience_min,
        method,
    };
    let plan = plan_windows(&forecast, &request.windows, &config(StaffingMethod::Lagged))?;
    let naive_plan = plan_windows(
        &forecast,
        &request.windows,
        &config(StaffingMethod::NaivePerSlot),
    )?;

    let own_day: Vec<TicketRecord> = history
        .tickets
        .iter()
        .filter(|t| t.date == request.forecast.date)
        .copied()
        .collect();
    let (records, replay_source) = match replay {
        Some(records) => (records.to_vec(), ReplaySource::Given),
        None if !own_day.is_empty() => (own_day, ReplaySource::History),
        None => (sample_day(&forecast, request.seed), ReplaySource::Sampled),
    };
    let tickets = tickets_for_day(&records, &forecast, request.mean_patience_min, request.seed);
    let sim_config = SimulationConfig {
        categories,
        day_min: f64::from(forecast.close_min - forecast.open_min),
        series_slot_min: f64::from(forecast.slot_min),
        target: request.target,
    };

    let mut scenarios = Vec::new();
    let mut best_static = None;
    if request.search_static {
        let (search, report) = best_static_layout(&tickets, &request.windows, &sim_config)?;
        best_static = Some(search);
        scenarios.push(Scenario {
            key: "best_static".to_owned(),
            label: "最佳固定布局".to_owned(),
            report,
        });
    }
    scenarios.push(Scenario {
        key: "naive_per_slot".to_owned(),
        label: "逐时段 Erlang C（不计滞后）".to_owned(),
        report: simulate(&tickets, &naive_plan.layout(&request.windows), &sim_config),
    });
    scenarios.push(Scenario {
        key: "tidal".to_owned(),
        label: "潮汐计划（计滞后）".to_owned(),
        report: simulate(&tickets, &plan.layout(&request.windows), &sim_config),
    });
    scenarios.push(Scenario {
        key: "all_skills".to_owned(),
        label: "参考：各窗口通办其全部可办业务".to_owned(),
        report: simulate(
            &tickets,
            &Layout::fixed(request.windows.iter().map(|w| w.skills).collect()),
            &sim_config,
        ),
    });

    let slots = forecast.slots();
    let slot_len = f64::from(forecast.slot_min);
    let mut replay_arrivals = vec![vec![0u32; slots]; categories];
    for ticket in &tickets {
        let slot = ((ticket.arrival_min / slot_len) as usize).min(slots - 1);
        replay_arrivals[ticket.category][slot] += 1;
    }
    let windows_of = |plan: &Plan| -> Vec<Vec<u32>> {
        (0..categories)
            .map(|c| plan.slots.iter().map(|s| s.assigned[c]).collect())
            .collect()
    };
    let series = ChartSeries {
        slot_start_min: plan.slots.iter().map(|s| s.start_min).collect(),
        forecast_arrivals: forecast
            .rates
            .iter()
            .map(|rates| rates.iter().map(|r| r * slot_len).collect())
            .collect(),
        replay_arrivals,
        tidal_windows: windows_of(&plan),
        naive_windows: windows_of(&naive_plan),
    };
    Ok(StationDayReport {
        replay_tickets: tickets.len(),
        forecast,
        plan,
        naive_plan,
        replay_source,
        best_static,
        scenarios,
        series,
    })
}

#[cfg(test)]
mod tests;
