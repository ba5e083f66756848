//! The counter's JSON API (排队叫号): categories and windows (staff), the kiosk's ticket issue,
//! the clerk's moves at a window, the display board (JSON snapshot and server-sent events),
//! appointments and the statistics with CSV export.
//!
//! The kiosk, the board, the slot calendar and the resident's own appointment (proved with
//! the ID number) need no sign-in: they serve the hall and the public.

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use chrono::NaiveDate;
use futures_util::stream::Stream;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::AppState;
use crate::api::{ApiJson, ApiQuery};
use crate::app::Actor;
use crate::app::counter::{self as counter, BookingRequest, ClerkAction, KioskRequest};
use crate::auth::{self, Staff};
use crate::error::{ApiError, ApiResult, Problem};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/counter/stations/{station}/categories",
            get(list_categories),
        )
        .route(
            "/api/counter/stations/{station}/categories/{prefix}",
            put(set_category),
        )
        .route(
            "/api/counter/stations/{station}/windows",
            get(list_windows).post(create_window),
        )
        .route(
            "/api/counter/stations/{station}/tickets",
            post(issue_ticket),
        )
        .route("/api/counter/stations/{station}/board", get(board))
        .route(
            "/api/counter/stations/{station}/board/events",
            get(board_events),
        )
        .route(
            "/api/counter/stations/{station}/calendars/{prefix}",
            put(set_calendar),
        )
        .route("/api/counter/stations/{station}/slots", get(list_slots))
        .route(
            "/api/counter/stations/{station}/appointments",
            get(list_appointments).post(book_appointment),
        )
        .route("/api/counter/stations/{station}/stats", get(stats))
        .route("/api/counter/stations/{station}/stats.csv", get(stats_csv))
        .route(
            "/api/counter/windows/{id}",
            get(window_state).put(update_window),
        )
        .route("/api/counter/windows/{id}/sign-in", post(sign_in))
        .route("/api/counter/windows/{id}/call", post(call_next))
        .route("/api/counter/windows/{id}/{action}", post(window_action))
        .route(
            "/api/counter/appointments/{id}/cancel",
            post(cancel_appointment),
        )
        .route(
            "/api/counter/appointments/{id}/change",
            post(change_appointment),
        )
        .route(
            "/api/counter/appointments/{id}/check-in",
            post(check_in_appointment),
        )
        .route(
            "/api/counter/appointments/{id}/no-show",
            post(no_show_appointment),
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list_categories,
        set_category,
        list_windows,
        create_window,
        issue_ticket,
        board,
        board_events,
        set_calendar,
        list_slots,
        list_appointments,
        book_appointment,
        stats,
        stats_csv,
        window_state,
        update_window,
        sign_in,
        call_next,
        window_action,
        cancel_appointment,
        change_appointment,
        check_in_appointment,
        no_show_appointment
    ),
    components(schemas(
        CategoryBody,
        WindowBody,
        WindowUpdateBody,
        KioskBody,
        ActionBody,
        CalendarBody,
        BookingBody,
        HolderBody,
        ChangeBody
    ))
)]
pub struct CounterApiDoc;

fn json<T: serde::Serialize>(value: T) -> Response {
    axum::Json(value).into_response()
}

fn created<T: serde::Serialize>(value: T) -> Response {
    (StatusCode::CREATED, axum::Json(value)).into_response()
}

fn parse_date(text: Option<&str>, field: &str) -> ApiResult<NaiveDate> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(counter::today()),
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
            ApiError::bad_request(
                "malformed_query",
                format!("{field} 应为 YYYY-MM-DD 格式的日期，而不是“{text}”"),
            )
        }),
    }
}

/// A business category.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CategoryBody {
    /// 参保登记 …
    pub name: String,
    /// Order on the kiosk and the board.
    #[serde(default)]
    pub position: i64,
}

/// The station's business categories (public: the kiosk lists them).
#[utoipa::path(get, path = "/api/counter/stations/{station}/categories", params(("station" = String, Path)),
    responses((status = 200, description = "categories"), (status = 404, body = Problem)))]
async fn list_categories(
    State(state): State<AppState>,
    Path(station): Path<String>,
) -> ApiResult<Response> {
    let station = counter::open_station(&state.store, &station).await?;
    Ok(json(
        state
            .store
            .counter_categories(station.code.as_str())
            .await?,
    ))
}

/// Creates or renames a business category (ticket prefix A–Z).
#[utoipa::path(put, path = "/api/counter/stations/{station}/categories/{prefix}", params(("station" = String, Path), ("prefix" = String, Path)),
    request_body = CategoryBody, responses((status = 200, description = "the category"), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn set_category(
    State(state): State<AppState>,
    staff: Staff,
    Path((station, prefix)): Path<(String, String)>,
    ApiJson(body): ApiJson<CategoryBody>,
) -> ApiResult<Response> {
    let category = counter::set_category(
        &state.store,
        &Actor::from(&staff),
        &station,
        &prefix,
        &body.name,
        body.position,
    )
    .await?;
    Ok(json(category))
}

/// A new window.
#[derive(Debug, Deserialize, ToSchema)]
pub struct WindowBody {
    /// Window number as shown in the hall (1–99).
    pub number: i64,
    #[serde(default)]
    pub name: String,
    /// Category prefixes the window serves.
    pub categories: Vec<String>,
}

/// Changes to a window; absent fields stay.
#[derive(Debug, Deserialize, ToSchema)]
pub struct WindowUpdateBody {
    pub name: Option<String>,
    pub open: Option<bool>,
    pub categories: Option<Vec<String>>,
    /// The version read; a stale one is refused with 409.
    pub version: i64,
}

/// The station's windows with their categories and clerks.
#[utoipa::path(get, path = "/api/counter/stations/{station}/windows", params(("station" = String, Path)),
    responses((status = 200, description = "windows"), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn list_windows(
    State(state): State<AppState>,
    staff: Staff,
    Path(station): Path<String>,
) -> ApiResult<Response> {
    let station = counter::station_for(&state.store, &Actor::from(&staff), &station).await?;
    Ok(json(
        state.store.counter_windows(station.code.as_str()).await?,
    ))
}

/// Opens a window serving a set of categories.
#[utoipa::path(post, path = "/api/counter/stations/{station}/windows", params(("station" = String, Path)), request_body = WindowBody,
    responses((status = 201, description = "the window"), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn create_window(
    State(state): State<AppState>,
    staff: Staff,
    Path(station): Path<String>,
    ApiJson(body): ApiJson<WindowBody>,
) -> ApiResult<Response> {
    let window = counter::create_window(
        &state.store,
        &Actor::from(&staff),
        &station,
        body.number,
        &body.name,
        &body.categories,
    )
    .await?;
    Ok(created(window))
}

/// Renames, opens/pauses or re-assigns a window's categories (潮汐窗口).
#[utoipa::path(put, path = "/api/counter/windows/{id}", params(("id" = i64, Path)), request_body = WindowUpdateBody,
    responses((status = 200, description = "the window"), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn update_window(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<WindowUpdateBody>,
) -> ApiResult<Response> {
    let window = counter::update_window(
        &state.store,
        &Actor::from(&staff),
        id,
        body.name.as_deref(),
        body.open,
        body.categories.as_deref(),
        body.version,
    )
    .await?;
    Ok(json(window))
}

/// The window and the ticket at it.
#[utoipa::path(get, path = "/api/counter/windows/{id}", params(("id" = i64, Path)),
    responses((status = 200, description = "window state"), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn window_state(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(json(
        counter::window_state(&state.store, &Actor::from(&staff), id).await?,
    ))
}

/// Signs the caller in as the clerk of a window.
#[utoipa::path(post, path = "/api/counter/windows/{id}/sign-in", params(("id" = i64, Path)),
    responses((status = 200, description = "the window"), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn sign_in(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let window = counter::sign_in_at_window(
        &state.store,
        &Actor::from(&staff),
        &staff.user.display_name,
        id,
    )
    .await?;
    Ok(json(window))
}

/// Calls the next ticket for the window (green channel, appointments and the anti-starvation
/// rule applied); `{"ticket": null}` when nobody waits.
#[utoipa::path(post, path = "/api/counter/windows/{id}/call", params(("id" = i64, Path)),
    responses((status = 200, description = "the called ticket or null"), (status = 409, body = Problem)), security(("bearer" = [])))]
async fn call_next(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let ticket = counter::call_next(&state.store, &Actor::from(&staff), id).await?;
    Ok(json(serde_json::json!({ "ticket": ticket })))
}

/// Target of a transfer.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ActionBody {
    /// Category prefix to transfer to (transfer only).
    pub to: Option<String>,
}

/// A clerk's move on the window's current ticket: `recall`, `serve`, `finish`, `no_show` or
/// `transfer` (body `{"to": "B"}`; the ticket keeps its number).
#[utoipa::path(post, path = "/api/counter/windows/{id}/{action}", params(("id" = i64, Path), ("action" = String, Path)), request_body = ActionBody,
    responses((status = 200, description = "the ticket"), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn window_action(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, action)): Path<(i64, String)>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    // The body is optional: only a transfer needs one.
    let body: ActionBody = if body.iter().all(u8::is_ascii_whitespace) {
        ActionBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|error| {
            ApiError::bad_request("malformed_json", format!("JSON 格式错误：{error}"))
        })?
    };
    let action = ClerkAction::parse(&action, body.to.as_deref())?;
    let ticket = counter::act(&state.store, &Actor::from(&staff), id, &action).await?;
    Ok(json(ticket))
}

/// What the kiosk sends.
#[derive(Debug, Deserialize, ToSchema)]
pub struct KioskBody {
    /// Category prefix.
    pub category: String,
    /// Optional: only used to derive the green channel (age ≥ 70), never stored.
    pub id_number: Option<String>,
    #[serde(default)]
    pub disability: bool,
    #[serde(default)]
    pub special_group: bool,
    #[serde(default)]
    pub pregnancy: bool,
}

/// Issues a ticket (the hall's kiosk; no sign-in).
#[utoipa::path(post, path = "/api/counter/stations/{station}/tickets", params(("station" = String, Path)), request_body = KioskBody,
    responses((status = 201, description = "the ticket slip"), (status = 404, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)))]
async fn issue_ticket(
    State(state): State<AppState>,
    Path(station): Path<String>,
    parts: axum::http::request::Parts,
    ApiJson(body): ApiJson<KioskBody>,
) -> ApiResult<Response> {
    let request = KioskRequest {
        category: body.category,
        id_number: body.id_number,
        disability: body.disability,
        special_group: body.special_group,
        pregnancy: body.pregnancy,
    };
    let ip = auth::client_ip(&parts);
    state.check_public_write(ip.as_deref())?;
    let issued = counter::issue(&state.store, &station, &request, ip).await?;
    Ok(created(issued))
}

/// The display board's content: latest calls, waiting counts, estimated waits (public).
#[utoipa::path(get, path = "/api/counter/stations/{station}/board", params(("station" = String, Path)),
    responses((status = 200, description = "board snapshot"), (status = 404, body = Problem)))]
async fn board(State(state): State<AppState>, Path(station): Path<String>) -> ApiResult<Response> {
    Ok(json(counter::board(&state.store, &station).await?))
}

/// How often a board re-reads the database even without a local event (boards served by
/// another process behind the same database catch up within this interval).
const BOARD_POLL: Duration = Duration::from_secs(3);

/// The board as server-sent events: a `board` event with the snapshot at once and whenever it
/// changes (public).
#[utoipa::path(get, path = "/api/counter/stations/{station}/board/events", params(("station" = String, Path)),
    responses((status = 200, content_type = "text/event-stream"), (status = 404, body = Problem)))]
async fn board_events(
    State(state): State<AppState>,
    Path(station): Path<String>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let first = counter::board(&state.store, &station).await?;
    let receiver = counter::subscribe_board();
    let store = state.store.clone();
    let stream = futures_util::stream::unfold(
        (store, station, receiver, None, Some(first)),
        |(store, station, mut receiver, last, mut pending)| async move {
            loop {
                let snapshot = match pending.take() {
                    Some(snapshot) => snapshot,
                    None => {
                        tokio::select! {
                            message = receiver.recv() => match message {
                                Ok(code) if code != station => continue,
                                Err(RecvError::Closed) => return None,
                                _ => {}
                            },
                            _ = tokio::time::sleep(BOARD_POLL) => {}
                        }
                        match counter::board(&store, &station).await {
                            Ok(snapshot) => snapshot,
                            // Station closed or the database is gone: end the stream; the
                            // browser reconnects and gets the error.
                            Err(_) => return None,
                        }
                    }
                };
                if last.as_ref() != Some(&snapshot) {
                    let event = Event::default()
                        .event("board")
                        .json_data(&snapshot)
                        .unwrap_or_else(|_| Event::default().comment("encode failed"));
                    return Some((Ok(event), (store, station, receiver, Some(snapshot), None)));
                }
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// A category's appointment calendar.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CalendarBody {
    /// Weekly hours, e.g. `1-5 08:30-17:30; 6 09:00-12:00` (weekend and noon service allowed).
    pub hours: String,
    pub slot_minutes: u32,
    /// Appointments per slot.
    pub capacity: u32,
}

/// Sets a category's appointment calendar.
#[utoipa::path(put, path = "/api/counter/stations/{station}/calendars/{prefix}", params(("station" = String, Path), ("prefix" = String, Path)), request_body = CalendarBody,
    responses((status = 200, description = "the calendar"), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn set_calendar(
    State(state): State<AppState>,
    staff: Staff,
    Path((station, prefix)): Path<(String, String)>,
    ApiJson(body): ApiJson<CalendarBody>,
) -> ApiResult<Response> {
    let calendar = counter::set_calendar(
        &state.store,
        &Actor::from(&staff),
        &station,
        &prefix,
        &body.hours,
        body.slot_minutes,
        body.capacity,
    )
    .await?;
    Ok(json(calendar))
}

#[derive(Debug, Deserialize, IntoParams)]
struct SlotQuery {
    /// Category prefix.
    category: String,
    /// Local date `YYYY-MM-DD` (default today).
    date: Option<String>,
}

/// A category's slots on a day with their bookings (public).
#[utoipa::path(get, path = "/api/counter/stations/{station}/slots", params(("station" = String, Path), SlotQuery),
    responses((status = 200, description = "slots"), (status = 422, body = Problem)))]
async fn list_slots(
    State(state): State<AppState>,
    Path(station): Path<String>,
    ApiQuery(query): ApiQuery<SlotQuery>,
) -> ApiResult<Response> {
    let date = parse_date(query.date.as_deref(), "date")?;
    Ok(json(
        counter::slots(&state.store, &station, &query.category, date).await?,
    ))
}

/// A booking.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BookingBody {
    pub category: String,
    /// Local `YYYY-MM-DD HH:MM`, the start of a slot.
    pub slot_start: String,
    pub name: String,
    pub phone: String,
    pub id_number: String,
}

/// Books an appointment (public; one per person, category and day; capacity enforced).
#[utoipa::path(post, path = "/api/counter/stations/{station}/appointments", params(("station" = String, Path)), request_body = BookingBody,
    responses((status = 201, description = "the appointment, masked"), (status = 409, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)))]
async fn book_appointment(
    State(state): State<AppState>,
    Path(station): Path<String>,
    parts: axum::http::request::Parts,
    ApiJson(body): ApiJson<BookingBody>,
) -> ApiResult<Response> {
    let request = BookingRequest {
        category: body.category,
        slot_start: body.slot_start,
        name: body.name,
        phone: body.phone,
        id_number: body.id_number,
    };
    let ip = auth::client_ip(&parts);
    state.check_public_write(ip.as_deref())?;
    let booked = counter::book(&state.store, &station, &request, ip).await?;
    Ok(created(booked))
}

#[derive(Debug, Deserialize, IntoParams)]
struct DayQuery {
    /// Local date `YYYY-MM-DD` (default today).
    date: Option<String>,
}

/// A day's appointments, masked (staff; the read is audited).
#[utoipa::path(get, path = "/api/counter/stations/{station}/appointments", params(("station" = String, Path), DayQuery),
    responses((status = 200, description = "appointments"), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn list_appointments(
    State(state): State<AppState>,
    staff: Staff,
    Path(station): Path<String>,
    ApiQuery(query): ApiQuery<DayQuery>,
) -> ApiResult<Response> {
    let date = parse_date(query.date.as_deref(), "date")?;
    Ok(json(
        counter::appointments_on(&state.store, &Actor::from(&staff), &station, date).await?,
    ))
}

/// The holder's proof: their ID number.
#[derive(Debug, Deserialize, ToSchema)]
pub struct HolderBody {
    pub id_number: String,
}

/// A new slot for an appointment.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangeBody {
    pub id_number: String,
    /// Local `YYYY-MM-DD HH:MM`.
    pub slot_start: String,
}

/// Cancels an appointment before its slot starts (the holder).
#[utoipa::path(post, path = "/api/counter/appointments/{id}/cancel", params(("id" = i64, Path)), request_body = HolderBody,
    responses((status = 200, description = "the appointment"), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn cancel_appointment(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    parts: axum::http::request::Parts,
    ApiJson(body): ApiJson<HolderBody>,
) -> ApiResult<Response> {
    let view = counter::change(
        &state.store,
        id,
        &body.id_number,
        None,
        auth::client_ip(&parts),
    )
    .await?;
    Ok(json(view))
}

/// Moves an appointment to another slot with room (the holder).
#[utoipa::path(post, path = "/api/counter/appointments/{id}/change", params(("id" = i64, Path)), request_body = ChangeBody,
    responses((status = 200, description = "the appointment"), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn change_appointment(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    parts: axum::http::request::Parts,
    ApiJson(body): ApiJson<ChangeBody>,
) -> ApiResult<Response> {
    let view = counter::change(
        &state.store,
        id,
        &body.id_number,
        Some(&body.slot_start),
        auth::client_ip(&parts),
    )
    .await?;
    Ok(json(view))
}

/// Checks an appointment in at the kiosk (from 30 minutes before the slot until its end):
/// issues its ticket.
#[utoipa::path(post, path = "/api/counter/appointments/{id}/check-in", params(("id" = i64, Path)), request_body = HolderBody,
    responses((status = 201, description = "the ticket slip"), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn check_in_appointment(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    parts: axum::http::request::Parts,
    ApiJson(body): ApiJson<HolderBody>,
) -> ApiResult<Response> {
    let issued =
        counter::check_in(&state.store, id, &body.id_number, auth::client_ip(&parts)).await?;
    Ok(created(issued))
}

/// Marks a booked appointment whose slot has ended as a no-show (staff).
#[utoipa::path(post, path = "/api/counter/appointments/{id}/no-show", params(("id" = i64, Path)),
    responses((status = 200, description = "the appointment"), (status = 409, body = Problem)), security(("bearer" = [])))]
async fn no_show_appointment(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(json(
        counter::mark_no_show(&state.store, &Actor::from(&staff), id).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
struct StatsQuery {
    /// First local day `YYYY-MM-DD` (default today).
    from: Option<String>,
    /// Last local day (default `from`).
    to: Option<String>,
}

async fn load_stats(
    state: &AppState,
    staff: &Staff,
    station: &str,
    query: &StatsQuery,
) -> ApiResult<counter::CounterStats> {
    let from = parse_date(query.from.as_deref(), "from")?;
    let to = match query.to.as_deref().filter(|t| !t.trim().is_empty()) {
        Some(_) => parse_date(query.to.as_deref(), "to")?,
        None => from,
    };
    counter::stats(&state.store, &Actor::from(staff), station, from, to).await
}

/// Served, waiting and handling times and no-shows per window, clerk, category and hour.
#[utoipa::path(get, path = "/api/counter/stations/{station}/stats", params(("station" = String, Path), StatsQuery),
    responses((status = 200, description = "statistics"), (status = 400, body = Problem)), security(("bearer" = [])))]
async fn stats(
    State(state): State<AppState>,
    staff: Staff,
    Path(station): Path<String>,
    ApiQuery(query): ApiQuery<StatsQuery>,
) -> ApiResult<Response> {
    Ok(json(load_stats(&state, &staff, &station, &query).await?))
}

/// The statistics as CSV.
#[utoipa::path(get, path = "/api/counter/stations/{station}/stats.csv", params(("station" = String, Path), StatsQuery),
    responses((status = 200, content_type = "text/csv")), security(("bearer" = [])))]
async fn stats_csv(
    State(state): State<AppState>,
    staff: Staff,
    Path(station): Path<String>,
    ApiQuery(query): ApiQuery<StatsQuery>,
) -> ApiResult<Response> {
    let stats = load_stats(&state, &staff, &station, &query).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"counter-stats.csv\"",
            ),
        ],
        counter::stats_csv(&stats),
    )
        .into_response())
}
