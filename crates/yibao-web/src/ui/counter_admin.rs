//! The counter's settings and appointment pages for station staff: business categories (ticket
//! prefix and name), windows (number, name, open, the categories each serves — the tidal
//! windows are changed here by hand or by following the planner), appointment calendars per
//! category (weekly hours including weekend and noon service, slot length, capacity), and the
//! day's appointments with the no-show action. Every change goes through the same use cases as
//! the API, with its audit row; a refused change is shown on the page and changes nothing.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use chrono::NaiveDate;
use serde::Deserialize;

use super::{Chrome, Crumb, UiError, UiForm, UiQuery, UiResult, UiStaff, render};
use crate::AppState;
use crate::app::Actor;
use crate::app::counter::{self as counter, AppointmentView};
use crate::auth::Staff;
use crate::error::ApiError;
use yibao_store::{CounterCategory, CounterWindow, StoredCalendar};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/counter/{station}/settings", get(settings_page))
        .route(
            "/counter/{station}/settings/categories",
            post(save_category),
        )
        .route("/counter/{station}/settings/windows", post(create_window))
        .route("/counter/{station}/settings/calendars", post(save_calendar))
        .route("/counter/windows/{id}/settings", post(update_window))
        .route("/counter/{station}/appointments", get(appointments_page))
        .route("/counter/appointments/{id}/no-show", post(no_show))
}

pub struct WindowSettings {
    pub window: CounterWindow,
    /// Every category of the station, checked when the window serves it.
    pub serves: Vec<(String, String, bool)>,
}

pub struct CalendarRow {
    pub prefix: String,
    pub name: String,
    pub calendar: Option<StoredCalendar>,
}

#[derive(Template)]
#[template(path = "counter_settings.html")]
struct SettingsPage {
    chrome: Chrome,
    code: String,
    station_name: String,
    categories: Vec<CounterCategory>,
    windows: Vec<WindowSettings>,
    calendars: Vec<CalendarRow>,
    next_position: usize,
    next_number: i64,
    message: String,
    error: bool,
}

#[derive(Debug, Default, Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

fn done_message(done: Option<&str>) -> String {
    match done {
        Some("category") => "业务类别已保存".to_owned(),
        Some("window") => "窗口已保存".to_owned(),
        Some("calendar") => "预约日历已保存".to_owned(),
        _ => String::new(),
    }
}

async fn render_settings(
    state: &AppState,
    staff: &Staff,
    code: &str,
    message: String,
    status: StatusCode,
) -> UiResult {
    let actor = Actor::from(staff);
    let station = counter::station_for(&state.store, &actor, code).await?;
    let code = station.code.to_string();
    let categories = state.store.counter_categories(&code).await?;
    let calendars = state.store.counter_calendars(&code).await?;
    let windows: Vec<WindowSettings> = state
        .store
        .counter_windows(&code)
        .await?
        .into_iter()
        .map(|window| WindowSettings {
            serves: categories
                .iter()
                .map(|c| {
                    (
                        c.prefix.clone(),
                        c.name.clone(),
                        window.categories.contains(&c.prefix),
                    )
                })
                .collect(),
            window,
        })
        .collect();
    let calendar_rows = categories
        .iter()
        .map(|c| CalendarRow {
            prefix: c.prefix.clone(),
            name: c.name.clone(),
            calendar: calendars.iter().find(|k| k.prefix == c.prefix).cloned(),
        })
        .collect();
    let next_number = windows.iter().map(|w| w.window.number).max().unwrap_or(0) + 1;
    let chrome = Chrome::build(state, Some(staff), "窗口与预约设置", "counter")
        .await?
        .crumbs(vec![
            Crumb::link(station.name.clone(), format!("/stations/{code}")),
            Crumb::link("排队叫号", format!("/counter/{code}")),
            Crumb::here("窗口与预约设置"),
        ]);
    Ok(render(
        status,
        &SettingsPage {
            chrome,
            station_name: station.name,
            next_position: categories.len(),
            categories,
            windows,
            calendars: calendar_rows,
            next_number,
            code,
            error: status.is_client_error(),
            message,
        },
    ))
}

async fn settings_page(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    Path(code): Path<String>,
    UiQuery(query): UiQuery<DoneQuery>,
) -> UiResult {
    let message = done_message(query.done.as_deref());
    render_settings(&state, &staff, &code, message, StatusCode::OK).await
}

/// Back to the settings page after a change; a refused change is shown there.
async fn after_change(
    state: &AppState,
    staff: &Staff,
    code: &str,
    done: &str,
    result: Result<(), ApiError>,
) -> UiResult {
    match result {
        Ok(()) => Ok(Redirect::to(&format!(
            "/counter/{}/settings?done={done}",
            super::encode(code)
        ))
        .into_response()),
        Err(error)
            if matches!(
                error.status,
                StatusCode::UNPROCESSABLE_ENTITY | StatusCode::CONFLICT | StatusCode::BAD_REQUEST
            ) =>
        {
            render_settings(state, staff, code, error.message, error.status).await
        }
        Err(error) => Err(error.into()),
    }
}

/// The form as pairs, so repeated checkbox names (`categories`) survive.
type Pairs = Vec<(String, String)>;

fn field<'a>(pairs: &'a Pairs, name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

fn checked(pairs: &Pairs, name: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

fn int(pairs: &Pairs, name: &str, label: &str) -> Result<i64, ApiError> {
    let text = field(pairs, name).trim();
    text.parse::<i64>()
        .map_err(|_| ApiError::validation(format!("{label}应为整数，而不是“{text}”"), Vec::new()))
}

async fn save_category(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    Path(code): Path<String>,
    UiForm(form): UiForm<Pairs>,
) -> UiResult {
    staff.check_csrf(Some(field(&form, "_csrf")))?;
    let actor = Actor::from(&staff);
    let result = async {
        let position = int(&form, "position", "排序")?;
        counter::set_category(
            &state.store,
            &actor,
            &code,
            field(&form, "prefix").trim(),
            field(&form, "name"),
            position,
        )
        .await
        .map(|_| ())
    }
    .await;
    after_change(&state, &staff, &code, "category", result).await
}

async fn create_window(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    Path(code): Path<String>,
    UiForm(form): UiForm<Pairs>,
) -> UiResult {
    staff.check_csrf(Some(field(&form, "_csrf")))?;
    let actor = Actor::from(&staff);
    let result = async {
        let number = int(&form, "number", "窗口号")?;
        counter::create_window(
            &state.store,
            &actor,
            &code,
            number,
            field(&form, "name"),
            &checked(&form, "categories"),
        )
        .await
        .map(|_| ())
    }
    .await;
    after_change(&state, &staff, &code, "window", result).await
}

async fn update_window(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    Path(id): Path<i64>,
    UiForm(form): UiForm<Pairs>,
) -> UiResult {
    staff.check_csrf(Some(field(&form, "_csrf")))?;
    let actor = Actor::from(&staff);
    let (station, _) = counter::window_for(&state.store, &actor, id).await?;
    let code = station.code.to_string();
    let result = async {
        let version = int(&form, "version", "版本")?;
        let categories = checked(&form, "categories");
        counter::update_window(
            &state.store,
            &actor,
            id,
            Some(field(&form, "name")),
            Some(field(&form, "open") == "1"),
            Some(&categories),
            version,
        )
        .await
        .map(|_| ())
    }
    .await;
    after_change(&state, &staff, &code, "window", result).await
}

async fn save_calendar(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    Path(code): Path<String>,
    UiForm(form): UiForm<Pairs>,
) -> UiResult {
    staff.check_csrf(Some(field(&form, "_csrf")))?;
    let actor = Actor::from(&staff);
    let result = async {
        let slot = int(&form, "slot_minutes", "时段长度")?;
        let capacity = int(&form, "capacity", "每时段名额")?;
        let slot = u32::try_from(slot)
            .map_err(|_| ApiError::validation("时段长度须为正整数", Vec::new()))?;
        let capacity = u32::try_from(capacity)
            .map_err(|_| ApiError::validation("每时段名额须为正整数", Vec::new()))?;
        counter::set_calendar(
            &state.store,
            &actor,
            &code,
            field(&form, "prefix").trim(),
            field(&form, "hours"),
            slot,
            capacity,
        )
        .await
        .map(|_| ())
    }
    .await;
    after_change(&state, &staff, &code, "calendar", result).await
}

// ---------------------------------------------------------------------------------------
// The day's appointments
// ---------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct DayQuery {
    date: Option<String>,
    done: Option<String>,
}

pub struct AppointmentRow {
    pub view: AppointmentView,
    pub category_name: String,
}

#[derive(Template)]
#[template(path = "counter_appointments.html")]
struct AppointmentsPage {
    chrome: Chrome,
    code: String,
    station_name: String,
    date: String,
    rows: Vec<AppointmentRow>,
    message: String,
    error: bool,
}

async fn render_appointments(
    state: &AppState,
    staff: &Staff,
    code: &str,
    date: NaiveDate,
    message: String,
    status: StatusCode,
) -> UiResult {
    let actor = Actor::from(staff);
    let station = counter::station_for(&state.store, &actor, code).await?;
    let code = station.code.to_string();
    let categories = state.store.counter_categories(&code).await?;
    let rows = counter::appointments_on(&state.store, &actor, &code, date)
        .await?
        .into_iter()
        .map(|view| AppointmentRow {
            category_name: categories
                .iter()
                .find(|c| c.prefix == view.category)
                .map(|c| format!("{} {}", c.prefix, c.name))
                .unwrap_or_else(|| view.category.clone()),
            view,
        })
        .collect();
    let chrome = Chrome::build(state, Some(staff), "预约名单", "counter")
        .await?
        .crumbs(vec![
            Crumb::link(station.name.clone(), format!("/stations/{code}")),
            Crumb::link("排队叫号", format!("/counter/{code}")),
            Crumb::here("预约名单"),
        ]);
    Ok(render(
        status,
        &AppointmentsPage {
            chrome,
            station_name: station.name,
            code,
            date: date.to_string(),
            rows,
            error: status.is_client_error(),
            message,
        },
    ))
}

/// The day asked for, today when none.
fn parse_day(text: Option<&str>) -> Result<NaiveDate, UiError> {
    Ok(super::counter::parse_day(text)?.unwrap_or_else(counter::today))
}

async fn appointments_page(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    Path(code): Path<String>,
    UiQuery(query): UiQuery<DayQuery>,
) -> UiResult {
    let date = parse_day(query.date.as_deref())?;
    let message = match query.done.as_deref() {
        Some("no_show") => "已标记为爽约".to_owned(),
        _ => String::new(),
    };
    render_appointments(&state, &staff, &code, date, message, StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
struct NoShowForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    date: String,
}

async fn no_show(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    Path(id): Path<i64>,
    UiForm(form): UiForm<NoShowForm>,
) -> UiResult {
    staff.check_csrf(Some(&form.csrf))?;
    let actor = Actor::from(&staff);
    let date = parse_day(Some(&form.date))?;
    match counter::mark_no_show(&state.store, &actor, id).await {
        Ok(view) => Ok(Redirect::to(&format!(
            "/counter/{}/appointments?date={date}&done=no_show",
            super::encode(&view.station_code)
        ))
        .into_response()),
        Err(error) if error.status == StatusCode::CONFLICT => {
            let station = state
                .store
                .appointment(id)
                .await?
                .map(|a| a.station_code)
                .unwrap_or_default();
            render_appointments(&state, &staff, &station, date, error.message, error.status).await
        }
        Err(error) => Err(error.into()),
    }
}
