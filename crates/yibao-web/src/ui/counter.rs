//! The counter's pages: the station's counter overview, the hall kiosk (取号机, with 长辈模式)
//! and its printed-looking slip, the full-screen display board (live over server-sent
//! events), the clerk's window page and the statistics.
//!
//! The kiosk and the board stand in the hall and need no sign-in; they are standalone pages
//! with their own stylesheet and script, served from `/counter/assets/` (the CSP allows no
//! inline script or style).

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::{Chrome, Crumb, LargeMode, UiError, UiForm, UiQuery, UiResult, UiStaff, render};
use crate::AppState;
use crate::app::Actor;
use crate::app::counter::{
    self as counter, BoardSnapshot, ClerkAction, CounterStats, IssuedTicket, KioskRequest,
    TicketView,
};
use crate::auth::{self, Staff};
use yibao_store::{CounterCategory, CounterWindow};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/counter/assets/{file}", get(asset))
        .route("/counter/windows/{id}", get(window_page))
        .route("/counter/windows/{id}/call", post(window_call))
        .route("/counter/windows/{id}/act", post(window_act))
        .route("/counter/windows/{id}/sign-in", post(window_sign_in))
        .route("/counter/{station}", get(station_page))
        .route("/counter/{station}/kiosk", get(kiosk).post(kiosk_issue))
        .route("/counter/{station}/board", get(board_page))
        .route("/counter/{station}/stats", get(stats_page))
}

const ASSETS: [(&str, &str, &str); 2] = [
    (
        "counter.css",
        "text/css; charset=utf-8",
        include_str!("../../static/counter.css"),
    ),
    (
        "counter.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/counter.js"),
    ),
];

/// A short content hash for cache-busting links.
pub(super) fn asset_version() -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (_, _, body) in ASSETS {
        for byte in body.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{:08x}", hash >> 32)
}

async fn asset(Path(file): Path<String>) -> Response {
    let Some((_, content_type, body)) = ASSETS.iter().find(|(name, _, _)| *name == file) else {
        return UiError::not_found("文件不存在").into_response();
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        *body,
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------
// Station overview
// ---------------------------------------------------------------------------------------

pub struct WindowRow {
    pub id: i64,
    pub number: i64,
    pub name: String,
    pub open: bool,
    pub clerk: String,
    pub categories: String,
    pub current: String,
}

#[derive(Template)]
#[template(path = "counter_station.html")]
struct StationPage {
    chrome: Chrome,
    code: String,
    name: String,
    windows: Vec<WindowRow>,
    board: BoardSnapshot,
}

fn category_names(prefixes: &[String], categories: &[CounterCategory]) -> String {
    prefixes
        .iter()
        .map(|p| {
            categories
                .iter()
                .find(|c| &c.prefix == p)
                .map(|c| format!("{p} {}", c.name))
                .unwrap_or_else(|| p.clone())
        })
        .collect::<Vec<_>>()
        .join("、")
}

async fn station_page(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    Path(code): Path<String>,
) -> UiResult {
    let actor = Actor::from(&staff);
    let station = counter::station_for(&state.store, &actor, &code).await?;
    let code = station.code.to_string();
    let categories = state.store.counter_categories(&code).await?;
    let board = counter::board(&state.store, &code).await?;
    let mut windows = Vec::new();
    for window in state.store.counter_windows(&code).await? {
        let current = state
            .store
            .window_ticket(window.id)
            .await?
            .map(|t| t.number)
            .unwrap_or_default();
        windows.push(WindowRow {
            id: window.id,
            number: window.number,
            open: window.open,
            clerk: window.clerk_name.clone().unwrap_or_default(),
            categories: category_names(&window.categories, &categories),
            name: window.name,
            current,
        });
    }
    let chrome = Chrome::build(&state, Some(&staff), "排队叫号", "counter")
        .await?
        .crumbs(vec![
            Crumb::link(station.name.clone(), format!("/stations/{code}")),
            Crumb::here("排队叫号"),
        ]);
    Ok(render(
        StatusCode::OK,
        &StationPage {
            chrome,
            name: station.name,
            code,
            windows,
            board,
        },
    ))
}

// ---------------------------------------------------------------------------------------
// Kiosk
// ---------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "counter_kiosk.html")]
struct KioskPage {
    asset: String,
    large: bool,
    code: String,
    station_name: String,
    board: BoardSnapshot,
    message: String,
    id_number: String,
}

#[derive(Template)]
#[template(path = "counter_slip.html")]
struct SlipPage {
    asset: String,
    large: bool,
    code: String,
    issued: IssuedTicket,
    issued_at: String,
}

async fn kiosk_page(
    state: &AppState,
    code: &str,
    large: bool,
    message: String,
    status: StatusCode,
) -> UiResult {
    let station = counter::open_station(&state.store, code).await?;
    let board = counter::board(&state.store, code).await?;
    Ok(render(
        status,
        &KioskPage {
            asset: asset_version(),
            large,
            code: station.code.to_string(),
            station_name: station.name,
            board,
            message,
            id_number: String::new(),
        },
    ))
}

async fn kiosk(
    State(state): State<AppState>,
    large: LargeMode,
    Path(code): Path<String>,
) -> UiResult {
    let page = kiosk_page(&state, &code, large.on, String::new(), StatusCode::OK).await?;
    Ok(large.remember(page))
}

#[derive(Debug, Deserialize)]
struct KioskForm {
    category: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    disability: Option<String>,
    #[serde(default)]
    special_group: Option<String>,
    #[serde(default)]
    pregnancy: Option<String>,
}

async fn kiosk_issue(
    State(state): State<AppState>,
    large: LargeMode,
    Path(code): Path<String>,
    parts: axum::http::request::Parts,
    UiForm(form): UiForm<KioskForm>,
) -> UiResult {
    let request = KioskRequest {
        category: form.category,
        id_number: Some(form.id_number),
        disability: form.disability.is_some(),
        special_group: form.special_group.is_some(),
        pregnancy: form.pregnancy.is_some(),
    };
    let ip = auth::client_ip(&parts);
    let issued = match state.check_public_write(ip.as_deref()) {
        Ok(()) => counter::issue(&state.store, &code, &request, ip).await,
        Err(refused) => Err(refused),
    };
    match issued {
        Ok(issued) => Ok(slip(&code, large.on, issued)),
        Err(error) if error.status.is_client_error() && error.status != StatusCode::NOT_FOUND => {
            kiosk_page(&state, &code, large.on, error.message, error.status).await
        }
        Err(error) => Err(error.into()),
    }
}

/// The printed-looking slip of a ticket just issued (walk-in or checked-in appointment).
pub(super) fn slip(code: &str, large: bool, issued: IssuedTicket) -> Response {
    let issued_at = super::local_time(issued.ticket.issued_at);
    render(
        StatusCode::CREATED,
        &SlipPage {
            asset: asset_version(),
            large,
            code: code.to_owned(),
            issued,
            issued_at,
        },
    )
}

// ---------------------------------------------------------------------------------------
// Display board
// ---------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "counter_board.html")]
struct BoardPage {
    asset: String,
    code: String,
    board: BoardSnapshot,
}

async fn board_page(State(state): State<AppState>, Path(code): Path<String>) -> UiResult {
    let board = counter::board(&state.store, &code).await?;
    Ok(render(
        StatusCode::OK,
        &BoardPage {
            asset: asset_version(),
            code: board.station_code.clone(),
            board,
        },
    ))
}

// ---------------------------------------------------------------------------------------
// Clerk's window
// ---------------------------------------------------------------------------------------

pub struct QueueLine {
    pub prefix: String,
    pub name: String,
    pub waiting: u32,
}

#[derive(Template)]
#[template(path = "counter_window.html")]
struct WindowPage {
    chrome: Chrome,
    station_code: String,
    window: CounterWindow,
    categories_text: String,
    signed_in_here: bool,
    ticket: Option<TicketView>,
    transfer_to: Vec<CounterCategory>,
    queues: Vec<QueueLine>,
    message: String,
    error: bool,
}

async fn render_window(
    state: &AppState,
    staff: &Staff,
    id: i64,
    message: String,
    status: StatusCode,
) -> UiResult {
    let actor = Actor::from(staff);
    let (station, window) = counter::window_for(&state.store, &actor, id).await?;
    let code = station.code.to_string();
    let categories = state.store.counter_categories(&code).await?;
    let current = counter::window_state(&state.store, &actor, id)
        .await?
        .ticket;
    let board = counter::board(&state.store, &code).await?;
    let queues = board
        .queues
        .iter()
        .filter(|q| window.categories.contains(&q.prefix))
        .map(|q| QueueLine {
            prefix: q.prefix.clone(),
            name: q.name.clone(),
            waiting: q.waiting,
        })
        .collect();
    let transfer_to = categories
        .iter()
        .filter(|c| current.as_ref().is_none_or(|t| t.category != c.prefix))
        .cloned()
        .collect();
    let chrome = Chrome::build(
        state,
        Some(staff),
        &format!("{} 号窗口", window.number),
        "counter",
    )
    .await?
    .crumbs(vec![
        Crumb::link(station.name.clone(), format!("/counter/{code}")),
        Crumb::here(window.name.clone()),
    ]);
    Ok(render(
        status,
        &WindowPage {
            chrome,
            station_code: code,
            categories_text: category_names(&window.categories, &categories),
            signed_in_here: window.clerk.as_deref() == Some(staff.user.username.as_str()),
            window,
            ticket: current,
            transfer_to,
            queues,
            error: status.is_client_error(),
            message,
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
struct DoneQuery {
    done: Option<String>,
    n: Option<String>,
}

/// The confirmation after a clerk's move (post, redirect, get): the move's code and the
/// ticket number, both checked, so no free text from the address reaches the page.
fn done_message(query: &DoneQuery, window_number: i64) -> String {
    let number = query
        .n
        .as_deref()
        .and_then(|n| yibao_domain::TicketNumber::parse(n).ok())
        .map(|n| n.to_string())
        .unwrap_or_default();
    match (query.done.as_deref(), number.is_empty()) {
        (Some("empty"), _) => "当前没有等候的号票".to_owned(),
        (_, true) => String::new(),
        (Some("called"), false) => {
            format!("已叫号：{}", counter::announcement(&number, window_number))
        }
        (Some("recall"), false) => format!("已重呼 {number}"),
        (Some("serve"), false) => format!("{number} 开始办理"),
        (Some("finish"), false) => format!("{number} 已办结"),
        (Some("no_show"), false) => format!("{number} 已过号"),
        (Some("transfer"), false) => format!("{number} 已转至其他业务队列，号码不变"),
        _ => String::new(),
    }
}

async fn window_page(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    Path(id): Path<i64>,
    UiQuery(query): UiQuery<DoneQuery>,
) -> UiResult {
    let (_, window) = counter::window_for(&state.store, &Actor::from(&staff), id).await?;
    let message = done_message(&query, window.number);
    render_window(&state, &staff, id, message, StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

#[derive(Debug, Deserialize)]
struct ActForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    action: String,
    #[serde(default)]
    to: String,
}

/// After a move: back to the window page (so a reload repeats nothing); a refused move is
/// shown on the window page itself, so the clerk keeps their place.
async fn after_move(
    state: &AppState,
    staff: &Staff,
    id: i64,
    result: Result<(&'static str, String), crate::error::ApiError>,
) -> UiResult {
    match result {
        Ok((done, number)) => Ok(Redirect::to(&format!(
            "/counter/windows/{id}?done={done}&n={}",
            super::encode(&number)
        ))
        .into_response()),
        Err(error)
            if error.status == StatusCode::CONFLICT
                || error.status == StatusCode::UNPROCESSABLE_ENTITY =>
        {
            render_window(state, staff, id, error.message, error.status).await
        }
        Err(error) => Err(error.into()),
    }
}

async fn window_call(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    Path(id): Path<i64>,
    UiForm(form): UiForm<CsrfForm>,
) -> UiResult {
    staff.check_csrf(Some(&form.csrf))?;
    let result = counter::call_next(&state.store, &Actor::from(&staff), id)
        .await
        .map(|ticket| match ticket {
            Some(ticket) => ("called", ticket.number),
            None => ("empty", String::new()),
        });
    after_move(&state, &staff, id, result).await
}

async fn window_act(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    Path(id): Path<i64>,
    UiForm(form): UiForm<ActForm>,
) -> UiResult {
    staff.check_csrf(Some(&form.csrf))?;
    let action = ClerkAction::parse(&form.action, Some(&form.to))?;
    let done = match action {
        ClerkAction::Recall => "recall",
        ClerkAction::Serve => "serve",
        ClerkAction::Finish => "finish",
        ClerkAction::NoShow => "no_show",
        ClerkAction::Transfer(_) => "transfer",
    };
    let result = counter::act(&state.store, &Actor::from(&staff), id, &action)
        .await
        .map(|ticket| (done, ticket.number));
    after_move(&state, &staff, id, result).await
}

async fn window_sign_in(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    Path(id): Path<i64>,
    UiForm(form): UiForm<CsrfForm>,
) -> UiResult {
    staff.check_csrf(Some(&form.csrf))?;
    counter::sign_in_at_window(
        &state.store,
        &Actor::from(&staff),
        &staff.user.display_name,
        id,
    )
    .await?;
    Ok(Redirect::to(&format!("/counter/windows/{id}")).into_response())
}

// ---------------------------------------------------------------------------------------
// Statistics
// ---------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct StatsQuery {
    from: Option<String>,
    to: Option<String>,
}

#[derive(Template)]
#[template(path = "counter_stats.html")]
struct StatsPage {
    chrome: Chrome,
    stats: CounterStats,
    csv_href: String,
}

pub(super) fn parse_day(text: Option<&str>) -> Result<Option<chrono::NaiveDate>, UiError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(text) => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| UiError::bad_request(format!("日期“{text}”无效，应为 YYYY-MM-DD"))),
    }
}

async fn stats_page(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    Path(code): Path<String>,
    UiQuery(query): UiQuery<StatsQuery>,
) -> UiResult {
    let from = parse_day(query.from.as_deref())?.unwrap_or_else(counter::today);
    let to = parse_day(query.to.as_deref())?.unwrap_or(from);
    let stats = counter::stats(&state.store, &Actor::from(&staff), &code, from, to).await?;
    let chrome = Chrome::build(&state, Some(&staff), "叫号统计", "counter")
        .await?
        .crumbs(vec![
            Crumb::link(stats.station_name.clone(), format!("/counter/{code}")),
            Crumb::here("叫号统计"),
        ]);
    let csv_href = format!(
        "/api/counter/stations/{}/stats.csv?from={}&to={}",
        super::encode(&stats.station_code),
        stats.from,
        stats.to
    );
    Ok(render(
        StatusCode::OK,
        &StatsPage {
            chrome,
            stats,
            csv_href,
        },
    ))
}
