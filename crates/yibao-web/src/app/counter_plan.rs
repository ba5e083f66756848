//! The tidal window planner (潮汐窗口) for one station-day, as the console page and the API
//! serve it, and the import of ticket history from a previous queue system.
//!
//! The history the forecast learns from is the station's imported rows plus the tickets this
//! system issued itself (issue time, category, green channel, and the handling time of the
//! call that finished the ticket). Two ranges are read: the ten weeks before the planned day
//! (and the day itself, which is replayed when it already happened) and the same stretch a
//! year earlier for the season factor. The windows are the station's open windows with the
//! categories each may serve; the pure `yibao_queueing::plan_station_day` does the rest.

use std::collections::BTreeSet;

use chrono::{Days, NaiveDate, NaiveTime, Timelike};
use serde::Serialize;
use serde_json::json;
use yibao_queueing::{
    CategorySet, ForecastConfig, History, ServiceTarget, StationDayReport, StationDayRequest,
    TicketRecord, Window, plan_station_day,
};
use yibao_store::{CounterCategory, ImportedTicket, Store};

use super::Actor;
use super::counter::{day_text, station_for};
use crate::error::{ApiError, ProblemField};

/// Days read before the planned day: ten weeks covers four same-weekday days of volume, eight
/// of profile and the last 20 open days.
const RECENT_DAYS: u64 = 70;
/// A year earlier, shifted by 52 weeks to keep the weekday.
const YEAR_DAYS: u64 = 364;
/// The season factor compares ±7 days around last year's date with last year's span.
const SEASON_MARGIN_DAYS: u64 = 7;
/// Simulated patience and arrivals are seeded so the page shows the same figures on reload.
const SEED: u64 = 2026;

/// What the planner is asked for (the page's form and the API's query).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanRequest {
    pub date: NaiveDate,
    pub open: NaiveTime,
    pub close: NaiveTime,
    /// 15 or 30.
    pub slot_min: u32,
    /// Multiplies the forecast volume (e.g. 1.3 when the payment season is announced).
    pub level_factor: f64,
    /// "`target_share` of tickets called within `target_minutes`".
    pub target_minutes: f64,
    pub target_share: f64,
    /// Mean patience before a resident leaves, minutes.
    pub patience_min: f64,
}

impl PlanRequest {
    /// The documented defaults: 08:30–17:00 in 15-minute slots, 90% called within 5 minutes,
    /// mean patience 60 minutes, no level factor.
    pub fn for_date(date: NaiveDate) -> PlanRequest {
        PlanRequest {
            date,
            open: NaiveTime::from_hms_opt(8, 30, 0).expect("valid time"),
            close: NaiveTime::from_hms_opt(17, 0, 0).expect("valid time"),
            slot_min: 15,
            level_factor: 1.0,
            target_minutes: 5.0,
            target_share: 0.9,
            patience_min: 60.0,
        }
    }

    /// Every field checked at once, with a Chinese reason per field.
    pub fn validate(&self) -> Result<(), ApiError> {
        let mut errors = Vec::new();
        let mut fail = |field: &str, message: &str| {
            errors.push(ProblemField {
                field: field.to_owned(),
                message: message.to_owned(),
                line: None,
            });
        };
        if self.close <= self.open {
            fail("close", "关门时间须晚于开门时间");
        }
        if self.slot_min != 15 && self.slot_min != 30 {
            fail("slot", "时段长度只能是 15 或 30 分钟");
        } else if self.close > self.open {
            let span = (self.close - self.open).num_minutes();
            if span % i64::from(self.slot_min) != 0 {
                fail("close", "营业时长须是时段长度的整数倍");
            }
        }
        if !(self.level_factor.is_finite() && (0.1..=5.0).contains(&self.level_factor)) {
            fail("level", "水平系数须在 0.1 到 5 之间");
        }
        if !(self.target_minutes.is_finite() && (0.5..=120.0).contains(&self.target_minutes)) {
            fail("target_minutes", "目标等候时间须在 0.5 到 120 分钟之间");
        }
        if !(self.target_share.is_finite() && self.target_share > 0.0 && self.target_share < 1.0) {
            fail("target_percent", "目标比例须大于 0% 且小于 100%");
        }
        if !(self.patience_min.is_finite() && (1.0..=480.0).contains(&self.patience_min)) {
            fail("patience", "平均耐心时间须在 1 到 480 分钟之间");
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(invalid(errors))
        }
    }
}

/// A validation problem whose message lists every field's reason.
fn invalid(errors: Vec<ProblemField>) -> ApiError {
    let summary = errors
        .iter()
        .map(|e| e.message.as_str())
        .collect::<Vec<_>>()
        .join("；");
    ApiError::validation(summary, errors)
}

/// The plan of one station-day with what it was made from.
#[derive(Debug, Clone, Serialize)]
pub struct StationPlan {
    pub station_code: String,
    pub station_name: String,
    pub request: PlanRequest,
    /// Category prefix and name, in the report's category order.
    pub categories: Vec<(String, String)>,
    /// The open windows planned for, with the prefixes each may serve.
    pub windows: Vec<(String, Vec<String>)>,
    /// Days with at least one ticket in the history read, and its tickets.
    pub history_days: usize,
    pub history_tickets: usize,
    pub report: StationDayReport,
}

fn minute_of_day(time: NaiveTime) -> u32 {
    time.num_seconds_from_midnight() / 60
}

fn parse_day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// Reads the station's history around `date` into the planner's form; categories are the
/// station's, in their display order.
async fn load_history(
    store: &Store,
    station: &str,
    categories: &[CounterCategory],
    date: NaiveDate,
) -> Result<History, ApiError> {
    let index_of = |prefix: &str| categories.iter().position(|c| c.prefix == prefix);
    let ranges = [
        (date - Days::new(RECENT_DAYS), date),
        (
            date - Days::new(YEAR_DAYS + RECENT_DAYS + SEASON_MARGIN_DAYS),
            date - Days::new(YEAR_DAYS) + Days::new(SEASON_MARGIN_DAYS),
        ),
    ];
    let mut tickets = Vec::new();
    for (from, to) in ranges {
        let (from, to) = (day_text(from), day_text(to));
        for row in store.imported_ticket_history(station, &from, &to).await? {
            if let (Some(day), Some(category)) = (parse_day(&row.day), index_of(&row.prefix)) {
                tickets.push(TicketRecord {
                    date: day,
                    minute_of_day: row.minute_of_day,
                    category,
                    service_min: row.service_min,
                    priority: row.priority,
                });
            }
        }
        for row in store.issued_ticket_history(station, &from, &to).await? {
            let (Some(day), Some(category)) = (parse_day(&row.day), index_of(&row.category)) else {
                continue;
            };
            let issued = super::counter::local(row.issued_at);
            let service_min = match (row.serving_at.or(row.called_at), row.ended_at) {
                (Some(start), Some(end)) if end > start => {
                    Some((end - start).num_milliseconds() as f64 / 60_000.0)
                }
                _ => None,
            };
            tickets.push(TicketRecord {
                date: day,
                minute_of_day: f64::from(issued.time().num_seconds_from_midnight()) / 60.0,
                category,
                service_min: service_min.filter(|m| *m > 0.0 && *m <= 480.0),
                priority: row.green_reason.is_some(),
            });
        }
    }
    tickets.sort_by(|a, b| {
        a.date
            .cmp(&b.date)
            .then(a.minute_of_day.total_cmp(&b.minute_of_day))
    });
    Ok(History {
        categories: categories.iter().map(|c| c.name.clone()).collect(),
        tickets,
    })
}

/// Forecasts, plans and replays one station-day (staff in the station's region).
pub async fn plan_day(
    store: &Store,
    actor: &Actor,
    code: &str,
    request: PlanRequest,
) -> Result<StationPlan, ApiError> {
    request.validate()?;
    let station = station_for(store, actor, code).await?;
    let code = station.code.to_string();
    let categories = store.counter_categories(&code).await?;
    if categories.is_empty() {
        return Err(ApiError::validation(
            "该站点还没有设置业务类别，无法排班",
            Vec::new(),
        ));
    }
    let open_windows: Vec<_> = store
        .counter_windows(&code)
        .await?
        .into_iter()
        .filter(|w| w.open)
        .collect();
    let windows: Vec<Window> = open_windows
        .iter()
        .map(|w| Window {
            name: w.name.clone(),
            skills: w
                .categories
                .iter()
                .filter_map(|p| categories.iter().position(|c| &c.prefix == p))
                .fold(CategorySet::EMPTY, CategorySet::with),
        })
        .filter(|w| !w.skills.is_empty())
        .collect();
    if windows.is_empty() {
        return Err(ApiError::validation(
            "该站点没有开放且可办理业务的窗口，无法排班",
            Vec::new(),
        ));
    }
    let history = load_history(store, &code, &categories, request.date).await?;
    let history_days = history
        .tickets
        .iter()
        .filter(|t| t.date < request.date)
        .map(|t| t.date)
        .collect::<BTreeSet<_>>()
        .len();
    if history_days == 0 {
        return Err(ApiError::validation(
            format!(
                "该站点在 {} 之前没有叫号历史，无法预测；请先导入叫号历史",
                request.date
            ),
            Vec::new(),
        ));
    }
    let day_request = StationDayRequest {
        forecast: ForecastConfig {
            open_min: minute_of_day(request.open),
            close_min: minute_of_day(request.close),
            slot_min: request.slot_min,
            level_factor: request.level_factor,
            ..ForecastConfig::for_date(request.date)
        },
        windows,
        target: ServiceTarget {
            within_min: request.target_minutes,
            share: request.target_share,
        },
        mean_patience_min: request.patience_min,
        seed: SEED,
        search_static: true,
    };
    let history_tickets = history.tickets.len();
    let report =
        tokio::task::spawn_blocking(move || plan_station_day(&history, &day_request, None))
            .await
            .map_err(ApiError::internal)?
            .map_err(|error| ApiError::validation(error.to_string(), Vec::new()))?;
    Ok(StationPlan {
        station_code: code,
        station_name: station.name,
        request,
        categories: categories
            .iter()
            .map(|c| (c.prefix.clone(), c.name.clone()))
            .collect(),
        windows: open_windows
            .iter()
            .filter(|w| !w.categories.is_empty())
            .map(|w| (w.name.clone(), w.categories.clone()))
            .collect(),
        history_days,
        history_tickets,
        report,
    })
}

/// What an import stored.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryImport {
    pub station_code: String,
    pub tickets: usize,
    pub days: usize,
    pub first_day: Option<NaiveDate>,
    pub last_day: Option<NaiveDate>,
}

/// Imports ticket history (CSV `date,time,category[,service_min][,priority]`, the category by
/// prefix or name) for a station; days already imported are replaced. All or nothing: any bad
/// row refuses the whole file with line numbers.
pub async fn import_history(
    store: &Store,
    actor: &Actor,
    code: &str,
    csv_text: &str,
) -> Result<HistoryImport, ApiError> {
    let station = station_for(store, actor, code).await?;
    super::counter::require_counter_manager(actor)?;
    let code = station.code.to_string();
    let categories = store.counter_categories(&code).await?;
    let history = History::from_csv(csv_text).map_err(|errors| {
        let fields: Vec<ProblemField> = errors
            .iter()
            .take(50)
            .map(|e| ProblemField {
                field: "csv".to_owned(),
                message: e.message.clone(),
                line: Some(e.line),
            })
            .collect();
        let first = errors.first().map(ToString::to_string).unwrap_or_default();
        let message = if errors.len() > 1 {
            format!("叫号历史有 {} 处错误，未导入；{first}", errors.len())
        } else {
            format!("叫号历史有误，未导入；{first}")
        };
        ApiError::validation(message, fields)
    })?;
    let mut prefixes = Vec::with_capacity(history.categories.len());
    let mut unknown = Vec::new();
    for name in &history.categories {
        match categories
            .iter()
            .find(|c| &c.prefix == name || &c.name == name)
        {
            Some(category) => prefixes.push(category.prefix.clone()),
            None => {
                unknown.push(name.clone());
                prefixes.push(String::new());
            }
        }
    }
    if !unknown.is_empty() {
        let known = categories
            .iter()
            .map(|c| format!("{} {}", c.prefix, c.name))
            .collect::<Vec<_>>()
            .join("、");
        return Err(ApiError::validation(
            format!(
                "未知的业务类别：{}（本站的业务类别：{}），未导入",
                unknown.join("、"),
                if known.is_empty() { "无" } else { &known }
            ),
            Vec::new(),
        ));
    }
    import_records(store, actor, &station, &history, &prefixes).await
}

/// Stores `history` for `station`, its categories mapped to the station's `prefixes` (the
/// demo seeder calls this with a generated history).
pub async fn import_records(
    store: &Store,
    actor: &Actor,
    station: &yibao_store::Station,
    history: &History,
    prefixes: &[String],
) -> Result<HistoryImport, ApiError> {
    let code = station.code.to_string();
    if history.tickets.is_empty() {
        return Err(ApiError::validation(
            "叫号历史没有任何记录，未导入",
            Vec::new(),
        ));
    }
    let today = super::counter::today();
    if let Some(late) = history.tickets.iter().find(|t| t.date > today) {
        return Err(ApiError::validation(
            format!("叫号历史的日期 {} 晚于今天，未导入", late.date),
            Vec::new(),
        ));
    }
    let mut rows = Vec::with_capacity(history.tickets.len());
    for t in &history.tickets {
        let Some(prefix) = prefixes.get(t.category) else {
            return Err(ApiError::validation(
                "叫号历史的业务类别与本站不符，未导入",
                Vec::new(),
            ));
        };
        rows.push(ImportedTicket {
            day: day_text(t.date),
            minute_of_day: t.minute_of_day,
            prefix: prefix.clone(),
            service_min: t.service_min,
            priority: t.priority,
        });
    }
    let days: BTreeSet<NaiveDate> = history.tickets.iter().map(|t| t.date).collect();
    let summary = HistoryImport {
        station_code: code.clone(),
        tickets: rows.len(),
        days: days.len(),
        first_day: days.first().copied(),
        last_day: days.last().copied(),
    };
    let audit = actor
        .audit("counter.history_import", "station", code.as_str())
        .region(station.region_code.as_str())
        .detail(json!({
            "tickets": summary.tickets,
            "days": summary.days,
            "first_day": summary.first_day,
            "last_day": summary.last_day,
        }));
    store.import_ticket_history(&code, &rows, &audit).await?;
    Ok(summary)
}

/// The planner's parameters as text (query string or form), all optional.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlanQuery {
    /// The day to plan, `YYYY-MM-DD` (default: tomorrow).
    pub date: Option<String>,
    /// Opening time `HH:MM` (default 08:30).
    pub open: Option<String>,
    /// Closing time `HH:MM` (default 17:00).
    pub close: Option<String>,
    /// Slot length in minutes: 15 or 30 (default 15).
    pub slot: Option<String>,
    /// Volume multiplier (default 1).
    pub level: Option<String>,
    /// Target: called within this many minutes (default 5).
    pub target_minutes: Option<String>,
    /// Target share in percent (default 90).
    pub target_percent: Option<String>,
    /// Mean patience in minutes (default 60).
    pub patience: Option<String>,
}

impl PlanQuery {
    /// Parses every field, reporting each bad one in Chinese; empty fields take the defaults.
    pub fn to_request(&self, today: NaiveDate) -> Result<PlanRequest, ApiError> {
        let mut request = PlanRequest::for_date(today + Days::new(1));
        let mut errors = Vec::new();
        let mut fail = |field: &str, message: String| {
            errors.push(ProblemField {
                field: field.to_owned(),
                message,
                line: None,
            });
        };
        let given = |text: &Option<String>| {
            text.as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
        };
        if let Some(text) = given(&self.date) {
            match parse_day(&text) {
                Some(date) => request.date = date,
                None => fail("date", format!("日期“{text}”无效，应为 YYYY-MM-DD")),
            }
        }
        for (field, text, slot) in [
            ("open", given(&self.open), &mut request.open),
            ("close", given(&self.close), &mut request.close),
        ] {
            if let Some(text) = text {
                match NaiveTime::parse_from_str(&text, "%H:%M") {
                    Ok(time) => *slot = time,
                    Err(_) => fail(field, format!("时间“{text}”无效，应为 HH:MM")),
                }
            }
        }
        if let Some(text) = given(&self.slot) {
            match text.parse::<u32>() {
                Ok(minutes) => request.slot_min = minutes,
                Err(_) => fail("slot", format!("时段长度“{text}”不是整数")),
            }
        }
        let mut number = |field: &str, text: Option<String>, label: &str| -> Option<f64> {
            let text = text?;
            match text.parse::<f64>() {
                Ok(value) if value.is_finite() => Some(value),
                _ => {
                    fail(field, format!("{label}“{text}”不是数字"));
                    None
                }
            }
        };
        if let Some(value) = number("level", given(&self.level), "水平系数") {
            request.level_factor = value;
        }
        if let Some(value) = number(
            "target_minutes",
            given(&self.target_minutes),
            "目标等候时间",
        ) {
            request.target_minutes = value;
        }
        if let Some(value) = number("target_percent", given(&self.target_percent), "目标比例") {
            request.target_share = value / 100.0;
        }
        if let Some(value) = number("patience", given(&self.patience), "平均耐心时间") {
            request.patience_min = value;
        }
        if !errors.is_empty() {
            return Err(invalid(errors));
        }
        request.validate()?;
        Ok(request)
    }
}

/// The plan slot by slot as CSV: forecast arrivals, windows of the tidal and the naive plan per
/// category, and which category each window serves in the tidal plan.
pub fn plan_csv(plan: &StationPlan) -> String {
    let mut header = vec!["时段".to_owned()];
    for (prefix, name) in &plan.categories {
        header.push(format!("{prefix} {name} 预测到达"));
    }
    for (prefix, name) in &plan.categories {
        header.push(format!("{prefix} {name} 潮汐窗口数"));
    }
    for (prefix, name) in &plan.categories {
        header.push(format!("{prefix} {name} 逐时段窗口数"));
    }
    for (window, _) in &plan.windows {
        header.push(window.clone());
    }
    let mut out = csv::Writer::from_writer(Vec::new());
    let _ = out.write_record(&header);
    let series = &plan.report.series;
    for (slot, start) in series.slot_start_min.iter().enumerate() {
        let mut row = vec![format!("{:02}:{:02}", start / 60, start % 60)];
        row.extend(
            series
                .forecast_arrivals
                .iter()
                .map(|c| format!("{:.1}", c[slot])),
        );
        row.extend(series.tidal_windows.iter().map(|c| c[slot].to_string()));
        row.extend(series.naive_windows.iter().map(|c| c[slot].to_string()));
        if let Some(slot_plan) = plan.report.plan.slots.get(slot) {
            row.extend(slot_plan.window_category.iter().map(|c| {
                match c {
                    Some(c) => plan
                        .categories
                        .get(*c)
                        .map(|(prefix, _)| prefix.clone())
                        .unwrap_or_default(),
                    None => "空闲".to_owned(),
                }
            }));
        }
        let _ = out.write_record(&row);
    }
    let bytes = out.into_inner().unwrap_or_default();
    format!("\u{feff}{}", String::from_utf8_lossy(&bytes))
}
