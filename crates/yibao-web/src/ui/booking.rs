//! Residents' appointment pages (预约办): choose a business and a day, see the slots with the
//! places left (weekend and noon service where the station offers them), book with name,
//! phone and ID number; look up, change or cancel an appointment with its number and the ID
//! number; check in at the hall's kiosk on arrival. No sign-in; mobile-friendly with 长辈模式.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use chrono::{Datelike, Days, NaiveDate};
use serde::Deserialize;

use super::{Chrome, LargeMode, UiForm, UiQuery, UiResult, render};
use crate::AppState;
use crate::app::counter::{self as counter, AppointmentView, BookingRequest, SlotView};
use crate::auth::{self, MaybeStaff};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/book/{station}", get(book_page).post(book_submit))
        .route(
            "/book/{station}/manage",
            get(manage_page).post(manage_submit),
        )
        .route(
            "/counter/{station}/kiosk/check-in",
            get(check_in_page).post(check_in_submit),
        )
}

/// How many days ahead the day picker offers (the booking policy's horizon).
fn horizon_days() -> u64 {
    u64::try_from(counter::settings().booking.horizon_days).unwrap_or(14)
}

const WEEKDAYS: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];

pub struct DayChoice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A slot as the pages show it.
pub struct SlotChoice {
    /// `YYYY-MM-DD HH:MM`, what the form posts.
    pub value: String,
    /// `HH:MM–HH:MM`.
    pub time: String,
    pub bookable: bool,
    /// `余 3 个`, `已约满` or `不可约`.
    pub left: String,
}

impl SlotChoice {
    fn from_view(slot: &SlotView) -> SlotChoice {
        let remaining = slot.capacity.saturating_sub(slot.taken);
        SlotChoice {
            value: slot.start.clone(),
            time: format!("{}–{}", slot.start.get(11..).unwrap_or(""), slot.end),
            bookable: slot.bookable,
            left: if slot.bookable {
                format!("余 {remaining} 个")
            } else if remaining == 0 {
                "已约满".to_owned()
            } else {
                "不可约".to_owned()
            },
        }
    }
}

pub struct CategoryChoice {
    pub prefix: String,
    pub name: String,
    pub selected: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct BookQuery {
    category: Option<String>,
    date: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct BookForm {
    #[serde(default)]
    category: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    slot: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    id_number: String,
}

#[derive(Template)]
#[template(path = "booking.html")]
struct BookPage {
    chrome: Chrome,
    code: String,
    station_name: String,
    categories: Vec<CategoryChoice>,
    category: String,
    category_name: String,
    days: Vec<DayChoice>,
    date: String,
    slots: Vec<SlotChoice>,
    form_slot: String,
    form_name: String,
    form_phone: String,
    message: String,
    booked: Option<AppointmentView>,
    large_href: String,
    normal_href: String,
}

struct BookState<'a> {
    code: &'a str,
    category: Option<String>,
    date: Option<String>,
    form: BookForm,
    message: String,
    booked: Option<AppointmentView>,
    status: StatusCode,
}

async fn render_book(
    state: &AppState,
    staff: Option<&crate::auth::Staff>,
    large: LargeMode,
    view: BookState<'_>,
) -> UiResult {
    let station = counter::open_station(&state.store, view.code).await?;
    let code = station.code.to_string();
    let calendars = state.store.counter_calendars(&code).await?;
    let all = state.store.counter_categories(&code).await?;
    let bookable: Vec<_> = all
        .iter()
        .filter(|c| calendars.iter().any(|k| k.prefix == c.prefix))
        .collect();
    let category = view
        .category
        .filter(|p| bookable.iter().any(|c| &c.prefix == p))
        .or_else(|| bookable.first().map(|c| c.prefix.clone()))
        .unwrap_or_default();
    let today = counter::today();
    let asked = view
        .date
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
        .filter(|d| *d >= today && *d <= today + Days::new(horizon_days()));
    let date = match asked {
        Some(date) => date,
        // Without a chosen day: the first day with a slot still open (late in the day, or on
        // a closed day, today has none).
        None => first_open_day(state, &code, &category, today).await?,
    };
    let days = (0..=horizon_days())
        .map(|offset| {
            let day = today + Days::new(offset);
            let weekday = WEEKDAYS[day.weekday().num_days_from_monday() as usize];
            DayChoice {
                value: day.to_string(),
                label: match offset {
                    0 => format!("今天 {}月{}日", day.month(), day.day()),
                    1 => format!("明天 {}月{}日", day.month(), day.day()),
                    _ => format!("{weekday} {}月{}日", day.month(), day.day()),
                },
                selected: day == date,
            }
        })
        .collect();
    let slots = if category.is_empty() {
        Vec::new()
    } else {
        counter::slots(&state.store, &code, &category, date)
            .await?
            .iter()
            .map(SlotChoice::from_view)
            .collect()
    };
    let category_name = bookable
        .iter()
        .find(|c| c.prefix == category)
        .map(|c| c.name.clone())
        .unwrap_or_default();
    let chrome = Chrome::build(state, staff, "预约办理", "")
        .await?
        .large(large.on);
    let here = format!("/book/{}", super::encode(&code));
    let keep = |mode: &str| {
        super::link(
            &here,
            &[
                ("category", &category),
                ("date", &date.to_string()),
                ("large", mode),
            ],
        )
    };
    let page = BookPage {
        chrome,
        large_href: keep("1"),
        normal_href: keep("0"),
        categories: bookable
            .iter()
            .map(|c| CategoryChoice {
                prefix: c.prefix.clone(),
                name: c.name.clone(),
                selected: c.prefix == category,
            })
            .collect(),
        station_name: station.name,
        code,
        category,
        category_name,
        days,
        date: date.to_string(),
        slots,
        form_slot: view.form.slot,
        form_name: view.form.name,
        form_phone: view.form.phone,
        message: view.message,
        booked: view.booked,
    };
    Ok(large.remember(render(view.status, &page)))
}

async fn first_open_day(
    state: &AppState,
    code: &str,
    category: &str,
    today: NaiveDate,
) -> Result<NaiveDate, crate::error::ApiError> {
    if category.is_empty() {
        return Ok(today);
    }
    for offset in 0..=horizon_days() {
        let day = today + Days::new(offset);
        let slots = counter::slots(&state.store, code, category, day).await?;
        if slots.iter().any(|s| s.bookable) {
            return Ok(day);
        }
    }
    Ok(today)
}

async fn book_page(
    State(state): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    large: LargeMode,
    Path(code): Path<String>,
    UiQuery(query): UiQuery<BookQuery>,
) -> UiResult {
    let view = BookState {
        code: &code,
        category: query.category,
        date: query.date,
        form: BookForm::default(),
        message: String::new(),
        booked: None,
        status: StatusCode::OK,
    };
    render_book(&state, staff.as_ref(), large, view).await
}

async fn book_submit(
    State(state): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    large: LargeMode,
    Path(code): Path<String>,
    parts: axum::http::request::Parts,
    UiForm(form): UiForm<BookForm>,
) -> UiResult {
    let request = BookingRequest {
        category: form.category.clone(),
        slot_start: form.slot.clone(),
        name: form.name.clone(),
        phone: form.phone.clone(),
        id_number: form.id_number.clone(),
    };
    let ip = auth::client_ip(&parts);
    let booked = match state.check_public_write(ip.as_deref()) {
        Ok(()) => counter::book(&state.store, &code, &request, ip).await,
        Err(refused) => Err(refused),
    };
    let (message, booked, status) = match booked {
        Ok(view) => (String::new(), Some(view), StatusCode::CREATED),
        Err(error) if error.status.is_client_error() && error.status != StatusCode::NOT_FOUND => {
            (error.message, None, error.status)
        }
        Err(error) => return Err(error.into()),
    };
    let view = BookState {
        code: &code,
        category: Some(form.category.clone()),
        date: Some(form.date.clone()),
        form: if booked.is_some() {
            BookForm::default()
        } else {
            // Keep what was typed, except the ID number (never echoed into a page).
            BookForm {
                id_number: String::new(),
                ..form
            }
        },
        message,
        booked,
        status,
    };
    render_book(&state, staff.as_ref(), large, view).await
}

// ---------------------------------------------------------------------------------------
// Look up, change, cancel
// ---------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
pub struct ManageForm {
    #[serde(default)]
    number: String,
    #[serde(default)]
    id_number: String,
    /// `lookup`, `cancel` or `change`.
    #[serde(default)]
    action: String,
    #[serde(default)]
    slot: String,
}

#[derive(Template)]
#[template(path = "booking_manage.html")]
struct ManagePage {
    chrome: Chrome,
    code: String,
    station_name: String,
    number: String,
    /// Carried in a hidden field for the follow-up cancel/change; never shown.
    id_number: String,
    appointment: Option<AppointmentView>,
    category_name: String,
    slots: Vec<SlotChoice>,
    message: String,
    notice: String,
}

/// What the manage page shows after a request.
struct ManageView {
    form: ManageForm,
    found: Option<AppointmentView>,
    message: String,
    notice: String,
    status: StatusCode,
}

async fn render_manage(
    state: &AppState,
    staff: Option<&crate::auth::Staff>,
    large: LargeMode,
    code: &str,
    view: ManageView,
) -> UiResult {
    let ManageView {
        form,
        found,
        message,
        notice,
        status,
    } = view;
    let station = counter::open_station(&state.store, code).await?;
    let code = station.code.to_string();
    let (category_name, slots) = match &found {
        Some(appointment) if appointment.status.as_str() == "booked" => {
            let categories = state.store.counter_categories(&code).await?;
            let name = categories
                .iter()
                .find(|c| c.prefix == appointment.category)
                .map(|c| c.name.clone())
                .unwrap_or_default();
            let day = NaiveDate::parse_from_str(&appointment.slot_start[..10], "%Y-%m-%d")
                .unwrap_or_else(|_| counter::today());
            let slots = counter::slots(&state.store, &code, &appointment.category, day)
                .await?
                .into_iter()
                .filter(|s| s.bookable && s.start != appointment.slot_start)
                .map(|s| SlotChoice::from_view(&s))
                .collect();
            (name, slots)
        }
        _ => (String::new(), Vec::new()),
    };
    let chrome = Chrome::build(state, staff, "我的预约", "")
        .await?
        .large(large.on);
    let page = ManagePage {
        chrome,
        station_name: station.name,
        code,
        number: form.number,
        id_number: if found.is_some() {
            form.id_number
        } else {
            String::new()
        },
        appointment: found,
        category_name,
        slots,
        message,
        notice,
    };
    Ok(large.remember(render(status, &page)))
}

async fn manage_page(
    State(state): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    large: LargeMode,
    Path(code): Path<String>,
) -> UiResult {
    render_manage(
        &state,
        staff.as_ref(),
        large,
        &code,
        ManageView {
            form: ManageForm::default(),
            found: None,
            message: String::new(),
            notice: String::new(),
            status: StatusCode::OK,
        },
    )
    .await
}

fn parse_number(text: &str) -> Option<i64> {
    text.trim()
        .trim_start_matches(['Y', 'y'])
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
}

async fn manage_submit(
    State(state): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    large: LargeMode,
    Path(code): Path<String>,
    parts: axum::http::request::Parts,
    UiForm(form): UiForm<ManageForm>,
) -> UiResult {
    let ip = auth::client_ip(&parts);
    let Some(id) = parse_number(&form.number) else {
        return render_manage(
            &state,
            staff.as_ref(),
            large,
            &code,
            ManageView {
                form,
                found: None,
                message: "请输入预约号（如 Y123）".to_owned(),
                notice: String::new(),
                status: StatusCode::UNPROCESSABLE_ENTITY,
            },
        )
        .await;
    };
    let result = match form.action.as_str() {
        "cancel" => counter::change(&state.store, id, &form.id_number, None, ip)
            .await
            .map(|v| (v, "预约已取消")),
        "change" => counter::change(&state.store, id, &form.id_number, Some(&form.slot), ip)
            .await
            .map(|v| (v, "已改约到新时段")),
        _ => counter::appointment_for_resident(&state.store, id, &form.id_number)
            .await
            .map(|v| (v, "")),
    };
    match result {
        Ok((view, notice)) if view.station_code == code => {
            let status = StatusCode::OK;
            render_manage(
                &state,
                staff.as_ref(),
                large,
                &code,
                ManageView {
                    form,
                    found: Some(view),
                    message: String::new(),
                    notice: notice.to_owned(),
                    status,
                },
            )
            .await
        }
        Ok(_) => {
            render_manage(
                &state,
                staff.as_ref(),
                large,
                &code,
                ManageView {
                    form,
                    found: None,
                    message: "预约不存在，或身份证号码与预约不符".to_owned(),
                    notice: String::new(),
                    status: StatusCode::NOT_FOUND,
                },
            )
            .await
        }
        Err(error) if error.status.is_client_error() => {
            // A refused change still shows the appointment when the holder proved it.
            let found = counter::appointment_for_resident(&state.store, id, &form.id_number)
                .await
                .ok()
                .filter(|v| v.station_code == code);
            render_manage(
                &state,
                staff.as_ref(),
                large,
                &code,
                ManageView {
                    form,
                    found,
                    message: error.message,
                    notice: String::new(),
                    status: error.status,
                },
            )
            .await
        }
        Err(error) => Err(error.into()),
    }
}

// ---------------------------------------------------------------------------------------
// Kiosk check-in
// ---------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "counter_check_in.html")]
struct CheckInPage {
    asset: String,
    large: bool,
    code: String,
    station_name: String,
    message: String,
}

async fn check_in_page(
    State(state): State<AppState>,
    large: LargeMode,
    Path(code): Path<String>,
) -> UiResult {
    let station = counter::open_station(&state.store, &code).await?;
    let page = CheckInPage {
        asset: super::counter::asset_version(),
        large: large.on,
        code: station.code.to_string(),
        station_name: station.name,
        message: String::new(),
    };
    Ok(large.remember(render(StatusCode::OK, &page)))
}

async fn check_in_submit(
    State(state): State<AppState>,
    large: LargeMode,
    Path(code): Path<String>,
    parts: axum::http::request::Parts,
    UiForm(form): UiForm<ManageForm>,
) -> UiResult {
    let station = counter::open_station(&state.store, &code).await?;
    let refused = |message: String, status: StatusCode| {
        let page = CheckInPage {
            asset: super::counter::asset_version(),
            large: large.on,
            code: station.code.to_string(),
            station_name: station.name.clone(),
            message,
        };
        Ok(render(status, &page))
    };
    let Some(id) = parse_number(&form.number) else {
        return refused(
            "请输入预约号（如 Y123）".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    // The appointment must be at this hall.
    match counter::appointment_for_resident(&state.store, id, &form.id_number).await {
        Ok(view) if view.station_code == station.code.as_str() => {}
        Ok(_) => {
            return refused(
                "该预约不在本服务站，请到预约的服务站签到".to_owned(),
                StatusCode::NOT_FOUND,
            );
        }
        Err(error) if error.status.is_client_error() => {
            return refused(error.message, error.status);
        }
        Err(error) => return Err(error.into()),
    }
    match counter::check_in(&state.store, id, &form.id_number, auth::client_ip(&parts)).await {
        Ok(issued) => Ok(super::counter::slip(&code, large.on, issued).into_response()),
        Err(error) if error.status.is_client_error() => refused(error.message, error.status),
        Err(error) => Err(error.into()),
    }
}
