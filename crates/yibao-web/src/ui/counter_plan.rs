//! The tidal window planner page (潮汐窗口排班): the form of the planner's parameters, the
//! comparison of the tidal plan with the best static layout and the naive per-slot plan in
//! simulation, and SVG charts of the forecast, the windows per category and the waits, with
//! the slot-by-window grid of who serves what.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;

use super::charts::{self, Series};
use super::{Chrome, Crumb, UiQuery, UiResult, UiStaff, render};
use crate::AppState;
use crate::app::Actor;
use crate::app::counter::{self, today};
use crate::app::counter_plan::{self, PlanQuery, StationPlan};

pub fn router() -> Router<AppState> {
    Router::new().route("/counter/{station}/plan", get(plan_page))
}

/// The form's fields as shown (what was typed, or the defaults).
pub struct FormValues {
    pub date: String,
    pub open: String,
    pub close: String,
    pub slot: String,
    pub level: String,
    pub target_minutes: String,
    pub target_percent: String,
    pub patience: String,
}

impl FormValues {
    fn from_query(query: &PlanQuery) -> FormValues {
        let defaults = counter_plan::PlanRequest::for_date(today() + chrono::Days::new(1));
        let pick = |given: &Option<String>, default: String| {
            given
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .unwrap_or(default)
        };
        FormValues {
            date: pick(&query.date, defaults.date.to_string()),
            open: pick(&query.open, defaults.open.format("%H:%M").to_string()),
            close: pick(&query.close, defaults.close.format("%H:%M").to_string()),
            slot: pick(&query.slot, defaults.slot_min.to_string()),
            level: pick(&query.level, "1".to_owned()),
            target_minutes: pick(&query.target_minutes, "5".to_owned()),
            target_percent: pick(&query.target_percent, "90".to_owned()),
            patience: pick(&query.patience, "60".to_owned()),
        }
    }

    fn query_string(&self) -> String {
        [
            ("date", &self.date),
            ("open", &self.open),
            ("close", &self.close),
            ("slot", &self.slot),
            ("level", &self.level),
            ("target_minutes", &self.target_minutes),
            ("target_percent", &self.target_percent),
            ("patience", &self.patience),
        ]
        .iter()
        .map(|(k, v)| format!("{k}={}", super::encode(v)))
        .collect::<Vec<_>>()
        .join("&")
    }
}

pub struct ScenarioRow {
    pub key: String,
    pub label: String,
    pub mean: String,
    pub p90: String,
    pub max: String,
    pub abandon: String,
    pub within: String,
    pub highlight: bool,
}

pub struct LegendEntry {
    pub colour: String,
    pub label: String,
}

/// The computed part of the page.
pub struct PlanView {
    pub forecast_total: String,
    pub replay_note: String,
    pub history_note: String,
    pub windows_note: String,
    pub switches: usize,
    pub short_slots: usize,
    pub cut_vs_static: Option<String>,
    pub pooled_note: Option<String>,
    pub p90_vs_naive: Option<String>,
    pub rows: Vec<ScenarioRow>,
    pub legend: Vec<LegendEntry>,
    pub wait_legend: Vec<LegendEntry>,
    pub arrivals_svg: String,
    pub windows_svg: String,
    pub waits_svg: String,
    pub grid_svg: String,
}

#[derive(Template)]
#[template(path = "counter_plan.html")]
struct PlanPage {
    chrome: Chrome,
    code: String,
    station_name: String,
    form: FormValues,
    error: String,
    plan: Option<PlanView>,
    csv_href: String,
    json_href: String,
}

fn minutes(value: f64) -> String {
    format!("{value:.1}")
}

fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

fn view(plan: &StationPlan) -> PlanView {
    let report = &plan.report;
    let series = &report.series;
    let starts = &series.slot_start_min;
    let names: Vec<String> = plan
        .categories
        .iter()
        .map(|(prefix, name)| format!("{prefix} {name}"))
        .collect();
    let legend = names
        .iter()
        .enumerate()
        .map(|(i, label)| LegendEntry {
            colour: charts::colour(i).to_owned(),
            label: label.clone(),
        })
        .collect();
    let stacked = |values: &[Vec<f64>]| -> Vec<Series<'_>> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| Series {
                label: &names[i],
                colour: charts::colour(i),
                values: v.clone(),
                dashed: false,
            })
            .collect()
    };
    let arrivals_svg = charts::stacked_bars(
        "chart-arrivals",
        "每时段预测到达人数，按业务类别堆叠",
        starts,
        &stacked(&series.forecast_arrivals),
    );
    let tidal: Vec<Vec<f64>> = series
        .tidal_windows
        .iter()
        .map(|c| c.iter().map(|&w| f64::from(w)).collect())
        .collect();
    let windows_svg = charts::stacked_bars(
        "chart-windows",
        "潮汐计划每时段各业务类别的窗口数",
        starts,
        &stacked(&tidal),
    );
    let wait_colours = ["#6b7785", "#e07b28", "#1f5fa8", "#2e9d5b"];
    let wait_series: Vec<Series<'_>> = report
        .scenarios
        .iter()
        .filter(|s| s.key != "all_skills")
        .enumerate()
        .map(|(i, s)| Series {
            label: &s.label,
            colour: wait_colours[i % wait_colours.len()],
            values: s.report.mean_wait_by_slot.clone(),
            dashed: s.key != "tidal",
        })
        .collect();
    let wait_legend = wait_series
        .iter()
        .map(|s| LegendEntry {
            colour: s.colour.to_owned(),
            label: if s.dashed {
                format!("{}（虚线）", s.label)
            } else {
                s.label.to_owned()
            },
        })
        .collect();
    let waits_svg = charts::lines(
        "chart-waits",
        "各方案按到达时段的平均等候时间（分钟）",
        starts,
        &wait_series,
    );
    let cells: Vec<Vec<Option<(usize, String)>>> = report
        .plan
        .slots
        .iter()
        .map(|slot| {
            slot.window_category
                .iter()
                .map(|c| c.map(|c| (c, names.get(c).cloned().unwrap_or_default())))
                .collect()
        })
        .collect();
    let window_names: Vec<String> = plan.windows.iter().map(|(name, _)| name.clone()).collect();
    let grid_svg = charts::window_grid(
        "chart-grid",
        "潮汐计划：各窗口每时段办理的业务类别",
        starts,
        &window_names,
        &cells,
    );
    let scenario = |key: &str| report.scenario(key).map(|s| &s.report.overall);
    let cut_vs_static = match (scenario("tidal"), scenario("best_static")) {
        (Some(t), Some(s)) if s.mean_wait_min > 0.0 => {
            let cut = (1.0 - t.mean_wait_min / s.mean_wait_min) * 100.0;
            Some(if cut >= 0.5 {
                format!("平均等候 −{cut:.0}%")
            } else if cut <= -0.5 {
                format!("平均等候 +{:.0}%", -cut)
            } else {
                "平均等候持平".to_owned()
            })
        }
        _ => None,
    };
    // When windows are few for the categories, letting each window serve all it can (one
    // pooled queue per window) beats dedicating it to one category; say so instead of
    // presenting the dedicated plan as the answer.
    let pooled_note = match (scenario("tidal"), scenario("all_skills")) {
        (Some(t), Some(a)) if a.mean_wait_min + 0.5 < t.mean_wait_min => Some(format!(
            "模拟显示：各窗口通办其全部可办业务时平均等候 {} 分钟，低于按时段分派单一业务的 {} 分钟。\
             窗口人员能通办时宜以通办为主；潮汐分派适用于人员只能办理部分业务或需按业务分流叫号的大厅。",
            minutes(a.mean_wait_min),
            minutes(t.mean_wait_min)
        )),
        _ => None,
    };
    let p90_vs_naive = match (scenario("tidal"), scenario("naive_per_slot")) {
        (Some(t), Some(n)) => Some(format!(
            "{} 分钟 对 {} 分钟",
            minutes(t.p90_wait_min),
            minutes(n.p90_wait_min)
        )),
        _ => None,
    };
    let rows = report
        .scenarios
        .iter()
        .map(|s| ScenarioRow {
            key: s.key.clone(),
            label: s.label.clone(),
            mean: minutes(s.report.overall.mean_wait_min),
            p90: minutes(s.report.overall.p90_wait_min),
            max: minutes(s.report.overall.max_wait_min),
            abandon: percent(s.report.overall.abandon_share),
            within: percent(s.report.overall.within_target_share),
            highlight: s.key == "tidal",
        })
        .collect();
    let replay_note = match report.replay_source {
        yibao_queueing::station::ReplaySource::History => {
            format!("按当日实际 {} 张号票回放", report.replay_tickets)
        }
        yibao_queueing::station::ReplaySource::Sampled => format!(
            "当日尚无号票，按预测随机生成 {} 张号票回放",
            report.replay_tickets
        ),
        yibao_queueing::station::ReplaySource::Given => {
            format!("回放 {} 张号票", report.replay_tickets)
        }
    };
    PlanView {
        forecast_total: format!("{:.0}", report.forecast.daily.iter().sum::<f64>()),
        replay_note,
        history_note: format!(
            "依据 {} 个营业日的 {} 张历史号票",
            plan.history_days, plan.history_tickets
        ),
        windows_note: format!("{} 个开放窗口", plan.windows.len()),
        switches: report.plan.switches,
        short_slots: report.plan.short_slots,
        cut_vs_static,
        pooled_note,
        p90_vs_naive,
        rows,
        legend,
        wait_legend,
        arrivals_svg,
        windows_svg,
        waits_svg,
        grid_svg,
    }
}

async fn plan_page(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    Path(code): Path<String>,
    UiQuery(query): UiQuery<PlanQuery>,
) -> UiResult {
    let actor = Actor::from(&staff);
    let station = counter::station_for(&state.store, &actor, &code).await?;
    let code = station.code.to_string();
    let form = FormValues::from_query(&query);
    let result = match query.to_request(today()) {
        Ok(request) => counter_plan::plan_day(&state.store, &actor, &code, request).await,
        Err(error) => Err(error),
    };
    let (plan, error, status) = match result {
        Ok(plan) => (Some(view(&plan)), String::new(), StatusCode::OK),
        Err(error) if error.status == StatusCode::UNPROCESSABLE_ENTITY => {
            (None, error.message, error.status)
        }
        Err(error) => return Err(error.into()),
    };
    let chrome = Chrome::build(&state, Some(&staff), "潮汐窗口排班", "counter")
        .await?
        .crumbs(vec![
            Crumb::link(station.name.clone(), format!("/stations/{code}")),
            Crumb::link("排队叫号", format!("/counter/{code}")),
            Crumb::here("潮汐窗口排班"),
        ]);
    let query_string = form.query_string();
    let encoded = super::encode(&code);
    Ok(render(
        status,
        &PlanPage {
            chrome,
            csv_href: format!("/api/counter/stations/{encoded}/plan.csv?{query_string}"),
            json_href: format!("/api/counter/stations/{encoded}/plan?{query_string}"),
            code,
            station_name: station.name,
            form,
            error,
            plan,
        },
    ))
}
