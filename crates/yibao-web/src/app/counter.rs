//! The counter's use cases (排队叫号): configuring categories and windows, issuing tickets at
//! the kiosk, the clerk's moves at a window, the display board's snapshot, appointments and
//! the statistics. Shared by the JSON API and the console pages.
//!
//! The call order itself is the pure `yibao_domain::ticket::pick_next`; this module feeds it
//! the station's waiting tickets and claims the chosen one with a conditional update, picking
//! again when another window was faster (see `yibao_store::counter`).
//!
//! **Estimated wait** for a new ticket (kiosk slip and display board): the tickets already
//! waiting in its category × the mean handling time of the station's calls of that category
//! finished in the last two hours (else of any category today, else 5 minutes) ÷ the open
//! windows serving the category, rounded up to whole minutes.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};
use serde::Serialize;
use serde_json::json;
use tokio::sync::broadcast;
use yibao_domain::appointment::{self, AppointmentStatus, BookingPolicy, Slot, SlotCalendar};
use yibao_domain::masking::{mask_name, mask_phone};
use yibao_domain::ticket::{
    self, CallPolicy, CallReason, GreenChannelConfig, GreenClaim, GreenReason, QueuedTicket,
    TicketAction,
};
use yibao_domain::{CategoryPrefix, IdNumber, TicketNumber, TicketStatus};
use yibao_store::{
    BookingOutcome, CallRecord, Claim, CounterCategory, CounterWindow, NewAppointment, NewTicket,
    Station, Store, StoredAppointment, StoredCalendar, StoredTicket, TicketMove,
};

use super::Actor;
use crate::error::ApiError;

/// The counter's rules; one value for the whole deployment (the defaults are the documented
/// ones: green channel from 70, 15-minute head start, at most 2 green calls in a row, bookings
/// 14 days ahead, check-in from 30 minutes before the slot).
#[derive(Debug, Clone, Default)]
pub struct CounterSettings {
    pub green: GreenChannelConfig,
    pub call: CallPolicy,
    pub booking: BookingPolicy,
}

static SETTINGS: LazyLock<CounterSettings> = LazyLock::new(CounterSettings::default);

pub fn settings() -> &'static CounterSettings {
    &SETTINGS
}

/// Wakes the display boards of a station (in this process; boards also poll, so boards served
/// by other processes catch up within their poll interval).
static BOARD_EVENTS: LazyLock<broadcast::Sender<String>> =
    LazyLock::new(|| broadcast::channel(256).0);

pub fn subscribe_board() -> broadcast::Receiver<String> {
    BOARD_EVENTS.subscribe()
}

fn notify_board(station: &str) {
    let _ = BOARD_EVENTS.send(station.to_owned());
}

pub(crate) fn local(at: DateTime<Utc>) -> NaiveDateTime {
    at.with_timezone(&ticket::china()).naive_local()
}

fn to_utc(at: NaiveDateTime) -> DateTime<Utc> {
    ticket::china()
        .from_local_datetime(&at)
        .single()
        .map(|at| at.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&at))
}

pub(crate) fn day_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// The local day (`YYYY-MM-DD`) of an instant.
pub fn day_of(at: DateTime<Utc>) -> String {
    day_text(ticket::service_day(at))
}

fn validation(message: impl Into<String>) -> ApiError {
    ApiError::validation(message, Vec::new())
}

fn conflict(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::conflict(code, message)
}

// ---------------------------------------------------------------------------------------
// Stations, categories and windows
// ---------------------------------------------------------------------------------------

/// The station, if it exists and is open (public pages: kiosk, board, booking).
pub async fn open_station(store: &Store, code: &str) -> Result<Station, ApiError> {
    let station = store
        .station_recent(code)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("站点“{code}”不存在")))?;
    if station.status != yibao_store::StationStatus::Open {
        return Err(conflict("station_closed", format!("站点“{code}”已撤销")));
    }
    Ok(station)
}

/// The station, checked against the staff member's region scope.
pub async fn station_for(store: &Store, actor: &Actor, code: &str) -> Result<Station, ApiError> {
    let station = open_station(store, code).await?;
    actor.ensure_in_scope(&station.region_code)?;
    Ok(station)
}

pub(crate) fn require_counter_manager(actor: &Actor) -> Result<(), ApiError> {
    use yibao_store::Role;
    if matches!(
        actor.role,
        Role::BureauAdmin | Role::County | Role::TownStation
    ) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "只有医保局、县级或镇街服务站人员可以设置业务类别和窗口",
        ))
    }
}

/// Creates or renames a business category of a station.
pub async fn set_category(
    store: &Store,
    actor: &Actor,
    station: &str,
    prefix: &str,
    name: &str,
    position: i64,
) -> Result<CounterCategory, ApiError> {
    require_counter_manager(actor)?;
    let station = station_for(store, actor, station).await?;
    let prefix = CategoryPrefix::parse(prefix)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 30 {
        return Err(validation("业务类别名称不能为空，最多 30 个字"));
    }
    let category = CounterCategory {
        station_code: station.code.to_string(),
        prefix: prefix.to_string(),
        name: name.to_owned(),
        position,
    };
    let audit = actor
        .audit(
            "counter.category",
            "station",
            &format!("{}/{prefix}", station.code),
        )
        .region(station.region_code.as_str())
        .detail(json!({ "name": name }));
    store.upsert_counter_category(&category, &audit).await?;
    notify_board(station.code.as_str());
    Ok(category)
}

async fn check_categories(
    store: &Store,
    station: &str,
    categories: &[String],
) -> Result<Vec<String>, ApiError> {
    let known = store.counter_categories(station).await?;
    let mut prefixes = Vec::new();
    for text in categories {
        let prefix = CategoryPrefix::parse(text)?.to_string();
        if !known.iter().any(|c| c.prefix == prefix) {
            return Err(validation(format!("本站没有业务类别“{prefix}”")));
        }
        if !prefixes.contains(&prefix) {
            prefixes.push(prefix);
        }
    }
    if prefixes.is_empty() {
        return Err(validation("窗口至少要办理一个业务类别"));
    }
    Ok(prefixes)
}

/// Opens a new window with its category set.
pub async fn create_window(
    store: &Store,
    actor: &Actor,
    station: &str,
    number: i64,
    name: &str,
    categories: &[String],
) -> Result<CounterWindow, ApiError> {
    require_counter_manager(actor)?;
    let station = station_for(store, actor, station).await?;
    if !(1..=99).contains(&number) {
        return Err(validation("窗口号应在 1～99 之间"));
    }
    let prefixes = check_categories(store, station.code.as_str(), categories).await?;
    let name = if name.trim().is_empty() {
        format!("{number} 号窗口")
    } else {
        name.trim().to_owned()
    };
    let audit = actor
        .audit(
            "counter.window.create",
            "station",
            &format!("{}/{number}", station.code),
        )
        .region(station.region_code.as_str())
        .detail(json!({ "categories": prefixes }));
    let id = store
        .create_counter_window(station.code.as_str(), number, &name, &prefixes, &audit)
        .await?;
    notify_board(station.code.as_str());
    window(store, id).await
}

async fn window(store: &Store, id: i64) -> Result<CounterWindow, ApiError> {
    store
        .counter_window(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("窗口 {id} 不存在")))
}

/// The window, with its station checked against the caller's scope.
pub async fn window_for(
    store: &Store,
    actor: &Actor,
    id: i64,
) -> Result<(Station, CounterWindow), ApiError> {
    let window = window(store, id).await?;
    let station = station_for(store, actor, &window.station_code).await?;
    Ok((station, window))
}

/// Changes a window's name, open flag and categories (潮汐窗口).
pub async fn update_window(
    store: &Store,
    actor: &Actor,
    id: i64,
    name: Option<&str>,
    open: Option<bool>,
    categories: Option<&[String]>,
    version: i64,
) -> Result<CounterWindow, ApiError> {
    require_counter_manager(actor)?;
    let (station, mut window) = window_for(store, actor, id).await?;
    if let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) {
        window.name = name.to_owned();
    }
    if let Some(open) = open {
        window.open = open;
    }
    if let Some(categories) = categories {
        window.categories = check_categories(store, station.code.as_str(), categories).await?;
    }
    window.version = version;
    let audit = actor
        .audit(
            "counter.window.update",
            "station",
            &format!("{}/{}", station.code, window.number),
        )
        .region(station.region_code.as_str())
        .detail(json!({ "open": window.open, "categories": window.categories }));
    store.update_counter_window(&window, &audit).await?;
    notify_board(station.code.as_str());
    self::window(store, id).await
}

/// Signs the actor in at a window (the name shows on the board and in the statistics).
pub async fn sign_in_at_window(
    store: &Store,
    actor: &Actor,
    display_name: &str,
    id: i64,
) -> Result<CounterWindow, ApiError> {
    let (station, window) = window_for(store, actor, id).await?;
    let audit = actor
        .audit(
            "counter.window.sign_in",
            "station",
            &format!("{}/{}", station.code, window.number),
        )
        .region(station.region_code.as_str());
    store
        .set_window_clerk(id, Some((&actor.username, display_name)), &audit)
        .await?;
    self::window(store, id).await
}

// ---------------------------------------------------------------------------------------
// Tickets
// ---------------------------------------------------------------------------------------

/// What the kiosk sends: the category and, optionally, what qualifies for the green channel.
#[derive(Debug, Clone, Default)]
pub struct KioskRequest {
    pub category: String,
    pub id_number: Option<String>,
    pub disability: bool,
    pub special_group: bool,
    pub pregnancy: bool,
}

/// A ticket as pages and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct TicketView {
    pub id: i64,
    pub station_code: String,
    pub number: String,
    pub category: String,
    pub category_name: String,
    pub status: TicketStatus,
    pub status_label: &'static str,
    pub green_reason: Option<GreenReason>,
    pub green_label: Option<&'static str>,
    pub appointment: bool,
    pub issued_at: DateTime<Utc>,
    pub window_number: Option<i64>,
}

/// The slip the kiosk prints.
#[derive(Debug, Clone, Serialize)]
pub struct IssuedTicket {
    pub ticket: TicketView,
    pub station_name: String,
    pub waiting_ahead: u32,
    pub estimated_wait_minutes: Option<u32>,
}

fn view(
    ticket: &StoredTicket,
    categories: &[CounterCategory],
    window_number: Option<i64>,
) -> TicketView {
    let status = TicketStatus::parse(&ticket.status).unwrap_or(TicketStatus::Waiting);
    let green = ticket.green_reason.as_deref().and_then(GreenReason::parse);
    TicketView {
        id: ticket.id,
        station_code: ticket.station_code.clone(),
        number: ticket.number.clone(),
        category: ticket.category.clone(),
        category_name: categories
            .iter()
            .find(|c| c.prefix == ticket.category)
            .map(|c| c.name.clone())
            .unwrap_or_else(|| ticket.category.clone()),
        status,
        status_label: status.label(),
        green_reason: green,
        green_label: green.map(GreenReason::label),
        appointment: ticket.appointment_id.is_some(),
        issued_at: ticket.issued_at,
        window_number,
    }
}

fn kiosk_actor(station: &str, ip: Option<String>) -> Actor {
    Actor {
        username: format!("kiosk:{station}"),
        role: yibao_store::Role::VillagePoint,
        scope: None,
        ip,
    }
}

/// Issues a ticket at the kiosk (no sign-in: the kiosk stands in the hall). An ID number is
/// used only to derive the green channel and is never stored.
pub async fn issue(
    store: &Store,
    station: &str,
    request: &KioskRequest,
    ip: Option<String>,
) -> Result<IssuedTicket, ApiError> {
    let station = open_station(store, station).await?;
    let categories = store.counter_categories(station.code.as_str()).await?;
    let prefix = CategoryPrefix::parse(&request.category)?.to_string();
    if !categories.iter().any(|c| c.prefix == prefix) {
        return Err(validation(format!("本站没有业务类别“{prefix}”")));
    }
    let id_number = request
        .id_number
        .as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(IdNumber::parse)
        .transpose()?;
    let now = yibao_store::now();
    let claim = GreenClaim {
        id_number: id_number.as_ref(),
        disability: request.disability,
        special_group: request.special_group,
        pregnancy: request.pregnancy,
    };
    let green = ticket::green_reason(&settings().green, &claim, ticket::service_day(now));
    let waiting_ahead = store
        .count_waiting(station.code.as_str(), &day_of(now), &prefix)
        .await? as u32;
    let estimate = estimate_wait(store, &station, &prefix, waiting_ahead, now).await?;
    let new = NewTicket {
        station_code: station.code.to_string(),
        prefix: prefix.clone(),
        day: day_of(now),
        green_reason: green.map(|g| g.as_str().to_owned()),
        appointment_id: None,
        slot_start: None,
        at: now,
    };
    let audit = kiosk_actor(station.code.as_str(), ip)
        .audit("counter.ticket.issue", "ticket", "")
        .region(station.region_code.as_str())
        .detail(json!({ "category": prefix, "green": green.map(GreenReason::as_str) }));
    let stored = store.issue_ticket(&new, &audit).await?;
    notify_board(station.code.as_str());
    Ok(IssuedTicket {
        ticket: view(&stored, &categories, None),
        station_name: station.name.clone(),
        waiting_ahead,
        estimated_wait_minutes: estimate,
    })
}

/// See the module documentation.
async fn estimate_wait(
    store: &Store,
    station: &Station,
    prefix: &str,
    waiting_ahead: u32,
    now: DateTime<Utc>,
) -> Result<Option<u32>, ApiError> {
    let windows = store.counter_windows(station.code.as_str()).await?;
    let open = windows
        .iter()
        .filter(|w| w.open && w.categories.iter().any(|c| c == prefix))
        .count() as u32;
    let mean = mean_handling_seconds(store, station.code.as_str(), Some(prefix), now).await?;
    Ok(ticket::estimated_wait_minutes(waiting_ahead, mean, open))
}

const DEFAULT_HANDLING_SECONDS: f64 = 300.0;

fn handling_seconds(call: &CallRecord) -> Option<f64> {
    let ended = call.ended_at?;
    let started = call.serving_at.unwrap_or(call.called_at);
    Some((ended - started).num_milliseconds().max(0) as f64 / 1000.0)
}

/// The mean handling time to estimate waits with: the category's finished calls of the
/// last two hours, else the station's of the last twelve, else a default.
async fn mean_handling_seconds(
    store: &Store,
    station: &str,
    prefix: Option<&str>,
    now: DateTime<Utc>,
) -> Result<f64, ApiError> {
    if let Some(prefix) = prefix
        && let Some(mean) = store
            .mean_handling_seconds(station, now - Duration::hours(2), Some(prefix), 200)
            .await?
    {
        return Ok(mean);
    }
    Ok(store
        .mean_handling_seconds(station, now - Duration::hours(12), None, 200)
        .await?
        .unwrap_or(DEFAULT_HANDLING_SECONDS))
}

fn queued(ticket: &StoredTicket) -> Option<QueuedTicket> {
    Some(QueuedTicket {
        id: ticket.id,
        number: TicketNumber::parse(&ticket.number).ok()?,
        category: CategoryPrefix::parse(&ticket.category).ok()?,
        queued_at: ticket.queued_at,
        green: ticket.green_reason.is_some(),
        slot_start: ticket.slot_start,
    })
}

/// What a window's clerk sees: the window and its current ticket.
#[derive(Debug, Clone, Serialize)]
pub struct WindowState {
    pub window: CounterWindow,
    pub ticket: Option<TicketView>,
}

/// Calls the next ticket at a window, following the call order; `None` when nobody waits
/// for the window's categories. A window must finish, transfer or mark its current ticket a
/// no-show first.
pub async fn call_next(
    store: &Store,
    actor: &Actor,
    window_id: i64,
) -> Result<Option<TicketView>, ApiError> {
    let (station, window) = window_for(store, actor, window_id).await?;
    if !window.open {
        return Err(conflict(
            "window_closed",
            format!("{} 号窗口已暂停服务，请先开启窗口", window.number),
        ));
    }
    if let Some(current) = store.window_ticket(window_id).await? {
        return Err(conflict(
            "window_busy",
            format!(
                "请先办结、转移或过号当前号票 {}，再叫下一位",
                current.number
            ),
        ));
    }
    let categories: Vec<CategoryPrefix> = window
        .categories
        .iter()
        .filter_map(|c| CategoryPrefix::parse(c).ok())
        .collect();
    let reasons: Vec<CallReason> = store
        .recent_call_reasons(window_id, 20)
        .await?
        .iter()
        .filter_map(|r| CallReason::parse(r))
        .collect();
    let streak = ticket::green_streak(&reasons);
    // Another window may claim the chosen ticket first; then choose again from a fresh read,
    // after a short random pause that grows with each loss, so windows that keep choosing the
    // same head ticket fall out of step instead of one of them losing every round.
    for attempt in 0..50u64 {
        if attempt > 0 {
            let pause = rand::random_range(0..=250 * attempt.min(20));
            tokio::time::sleep(std::time::Duration::from_micros(pause)).await;
        }
        let waiting = store
            .waiting_tickets(station.code.as_str(), &day_of(yibao_store::now()))
            .await?;
        let queue: Vec<QueuedTicket> = waiting.iter().filter_map(queued).collect();
        let now = yibao_store::now();
        let Some((index, reason)) =
            ticket::pick_next(&queue, &categories, streak, now, &settings().call)
        else {
            return Ok(None);
        };
        let chosen = &queue[index];
        let claim = Claim {
            ticket_id: chosen.id,
            window_id,
            window_number: window.number,
            clerk: actor.username.clone(),
            reason: reason.as_str().to_owned(),
            at: now,
        };
        let audit = actor
            .audit("counter.ticket.call", "ticket", &chosen.id.to_string())
            .region(station.region_code.as_str())
            .detail(json!({ "number": chosen.number.to_string(), "window": window.number, "reason": reason.as_str() }));
        if let Some(stored) = store.claim_ticket(&claim, &audit).await? {
            notify_board(station.code.as_str());
            let categories = store.counter_categories(station.code.as_str()).await?;
            return Ok(Some(view(&stored, &categories, Some(window.number))));
        }
    }
    Err(conflict("busy", "叫号繁忙，请稍后重试"))
}

/// A clerk's move on the window's current ticket.
#[derive(Debug, Clone)]
pub enum ClerkAction {
    Recall,
    Serve,
    Finish,
    NoShow,
    Transfer(String),
}

impl ClerkAction {
    /// `recall`, `serve`, `finish`, `no_show` or `transfer` (with the target category).
    pub fn parse(action: &str, to: Option<&str>) -> Result<ClerkAction, ApiError> {
        Ok(match action {
            "recall" => ClerkAction::Recall,
            "serve" => ClerkAction::Serve,
            "finish" => ClerkAction::Finish,
            "no_show" => ClerkAction::NoShow,
            "transfer" => ClerkAction::Transfer(
                to.map(str::to_owned)
                    .filter(|t| !t.trim().is_empty())
                    .ok_or_else(|| validation("转移须选择目标业务类别"))?,
            ),
            other => {
                return Err(validation(format!(
                    "操作“{other}”无效：应为 recall、serve、finish、no_show 或 transfer"
                )));
            }
        })
    }
}

/// Applies a clerk's move to the ticket currently at the window.
pub async fn act(
    store: &Store,
    actor: &Actor,
    window_id: i64,
    action: &ClerkAction,
) -> Result<TicketView, ApiError> {
    let (station, window) = window_for(store, actor, window_id).await?;
    let current = store.window_ticket(window_id).await?.ok_or_else(|| {
        conflict(
            "no_current_ticket",
            format!("{} 号窗口当前没有号票，请先叫号", window.number),
        )
    })?;
    let categories = store.counter_categories(station.code.as_str()).await?;
    let (domain_action, step) = match action {
        ClerkAction::Recall => (TicketAction::Recall, TicketMove::Recall),
        ClerkAction::Serve => (TicketAction::Serve, TicketMove::Serve),
        ClerkAction::Finish => (TicketAction::Finish, TicketMove::Finish),
        ClerkAction::NoShow => (TicketAction::NoShow, TicketMove::NoShow),
        ClerkAction::Transfer(to) => {
            let to = CategoryPrefix::parse(to)?.to_string();
            if !categories.iter().any(|c| c.prefix == to) {
                return Err(validation(format!("本站没有业务类别“{to}”")));
            }
            if to == current.category {
                return Err(validation("号票已在该业务类别中，无需转移"));
            }
            (
                TicketAction::Transfer,
                TicketMove::Transfer { to_category: to },
            )
        }
    };
    let from = TicketStatus::parse(&current.status).unwrap_or(TicketStatus::Waiting);
    let to = ticket::next_status(from, domain_action)
        .map_err(|e| conflict("invalid_transition", e.to_string()))?;
    let audit = actor
        .audit(
            &format!("counter.ticket.{}", action_name(action)),
            "ticket",
            &current.id.to_string(),
        )
        .region(station.region_code.as_str())
        .detail(json!({ "number": current.number, "window": window.number }));
    store
        .move_ticket(&current, to.as_str(), &step, yibao_store::now(), &audit)
        .await?;
    notify_board(station.code.as_str());
    let stored = store
        .ticket(current.id)
        .await?
        .ok_or_else(|| ApiError::internal("ticket vanished"))?;
    let window_number = (!to.is_final() && to != TicketStatus::Waiting).then_some(window.number);
    Ok(view(&stored, &categories, window_number))
}

fn action_name(action: &ClerkAction) -> &'static str {
    match action {
        ClerkAction::Recall => "recall",
        ClerkAction::Serve => "serve",
        ClerkAction::Finish => "finish",
        ClerkAction::NoShow => "no_show",
        ClerkAction::Transfer(_) => "transfer",
    }
}

/// The window and its current ticket, for the clerk's page.
pub async fn window_state(
    store: &Store,
    actor: &Actor,
    window_id: i64,
) -> Result<WindowState, ApiError> {
    let (station, window) = window_for(store, actor, window_id).await?;
    let categories = store.counter_categories(station.code.as_str()).await?;
    let ticket = store
        .window_ticket(window_id)
        .await?
        .map(|t| view(&t, &categories, Some(window.number)));
    Ok(WindowState { window, ticket })
}

// ---------------------------------------------------------------------------------------
// Display board
// ---------------------------------------------------------------------------------------

/// One line of the board's call list.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BoardCall {
    pub call_id: i64,
    /// Times the clerk called again: a recall changes the board, so it is announced anew.
    pub recalls: i64,
    pub number: String,
    pub window_number: i64,
    /// 请 A012 号到 3 号窗口
    pub announcement: String,
    pub at: String,
}

/// One category's queue on the board.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BoardQueue {
    pub prefix: String,
    pub name: String,
    pub waiting: u32,
    pub open_windows: u32,
    /// For a ticket taken now; `None` when no window serves the category.
    pub estimated_wait_minutes: Option<u32>,
}

/// What the hall's display board shows.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BoardSnapshot {
    pub station_code: String,
    pub station_name: String,
    pub calls: Vec<BoardCall>,
    pub queues: Vec<BoardQueue>,
}

pub fn announcement(number: &str, window_number: i64) -> String {
    format!("请 {number} 号到 {window_number} 号窗口")
}

/// The board's current content: the calls still at a window (newest first, recalls count
/// as new), the waiting count and estimated wait per category.
pub async fn board(store: &Store, station: &str) -> Result<BoardSnapshot, ApiError> {
    let station = open_station(store, station).await?;
    let code = station.code.as_str();
    let categories = store.counter_categories(code).await?;
    let windows = store.counter_windows(code).await?;
    let waiting = store
        .waiting_tickets(code, &day_of(yibao_store::now()))
        .await?;
    let now = yibao_store::now();
    let today = day_of(now);
    let calls = store
        .latest_calls(code, 8)
        .await?
        .into_iter()
        .filter(|call| day_of(call.called_at) == today)
        .map(|call| BoardCall {
            call_id: call.id,
            recalls: call.recalls,
            announcement: announcement(&call.number, call.window_number),
            at: local(call.last_called_at).format("%H:%M").to_string(),
            number: call.number,
            window_number: call.window_number,
        })
        .collect();
    let mut queues = Vec::new();
    for category in &categories {
        let count = waiting
            .iter()
            .filter(|t| t.category == category.prefix)
            .count() as u32;
        let open = windows
            .iter()
            .filter(|w| w.open && w.categories.contains(&category.prefix))
            .count() as u32;
        let mean = mean_handling_seconds(store, code, Some(&category.prefix), now).await?;
        queues.push(BoardQueue {
            prefix: category.prefix.clone(),
            name: category.name.clone(),
            waiting: count,
            open_windows: open,
            estimated_wait_minutes: ticket::estimated_wait_minutes(count, mean, open),
        });
    }
    Ok(BoardSnapshot {
        station_code: code.to_owned(),
        station_name: station.name,
        calls,
        queues,
    })
}

// ---------------------------------------------------------------------------------------
// Appointments
// ---------------------------------------------------------------------------------------

/// Sets a category's appointment calendar.
pub async fn set_calendar(
    store: &Store,
    actor: &Actor,
    station: &str,
    prefix: &str,
    hours: &str,
    slot_minutes: u32,
    capacity: u32,
) -> Result<StoredCalendar, ApiError> {
    require_counter_manager(actor)?;
    let station = station_for(store, actor, station).await?;
    let prefix = CategoryPrefix::parse(prefix)?.to_string();
    let calendar = SlotCalendar::parse(hours, slot_minutes, capacity)?;
    let stored = StoredCalendar {
        station_code: station.code.to_string(),
        prefix: prefix.clone(),
        hours: calendar.hours.to_compact(),
        slot_minutes: i64::from(slot_minutes),
        capacity: i64::from(capacity),
    };
    let audit = actor
        .audit(
            "counter.calendar",
            "station",
            &format!("{}/{prefix}", station.code),
        )
        .region(station.region_code.as_str())
        .detail(
            json!({ "hours": stored.hours, "slot_minutes": slot_minutes, "capacity": capacity }),
        );
    store.set_counter_calendar(&stored, &audit).await?;
    Ok(stored)
}

async fn calendar_of(store: &Store, station: &str, prefix: &str) -> Result<SlotCalendar, ApiError> {
    let stored = store
        .counter_calendars(station)
        .await?
        .into_iter()
        .find(|c| c.prefix == prefix)
        .ok_or_else(|| validation(format!("业务类别“{prefix}”不接受预约")))?;
    SlotCalendar::parse(
        &stored.hours,
        u32::try_from(stored.slot_minutes).unwrap_or(30),
        u32::try_from(stored.capacity).unwrap_or(1),
    )
    .map_err(|e| ApiError::internal(format!("stored calendar: {e}")))
}

/// One slot of a day with its bookings.
#[derive(Debug, Clone, Serialize)]
pub struct SlotView {
    pub start: String,
    pub end: String,
    pub taken: u32,
    pub capacity: u32,
    pub bookable: bool,
}

/// The slots of a category on a local date, with their bookings.
pub async fn slots(
    store: &Store,
    station: &str,
    prefix: &str,
    date: NaiveDate,
) -> Result<Vec<SlotView>, ApiError> {
    let station = open_station(store, station).await?;
    let prefix = CategoryPrefix::parse(prefix)?.to_string();
    let calendar = calendar_of(store, station.code.as_str(), &prefix).await?;
    let from = to_utc(date.and_hms_opt(0, 0, 0).expect("midnight"));
    let taken = store
        .slot_bookings(
            station.code.as_str(),
            &prefix,
            from,
            from + Duration::days(1),
        )
        .await?;
    let now = local(yibao_store::now());
    Ok(calendar
        .slots_on(date)
        .into_iter()
        .map(|slot| {
            let start = to_utc(slot.start);
            let count = taken
                .iter()
                .find(|(at, _)| *at == start)
                .map(|(_, n)| *n as u32)
                .unwrap_or(0);
            SlotView {
                start: slot.start.format("%Y-%m-%d %H:%M").to_string(),
                end: slot.end.format("%H:%M").to_string(),
                taken: count,
                capacity: calendar.capacity,
                bookable: appointment::check_booking(
                    &calendar,
                    &settings().booking,
                    slot.start,
                    now,
                    count,
                )
                .is_ok(),
            }
        })
        .collect())
}

/// A booking request.
#[derive(Debug, Clone)]
pub struct BookingRequest {
    pub category: String,
    /// Local `YYYY-MM-DD HH:MM`.
    pub slot_start: String,
    pub name: String,
    pub phone: String,
    pub id_number: String,
}

/// An appointment as shown (ID number masked).
#[derive(Debug, Clone, Serialize)]
pub struct AppointmentView {
    pub id: i64,
    pub station_code: String,
    pub category: String,
    pub slot_start: String,
    pub slot_end: String,
    pub name: String,
    pub phone: String,
    pub id_number: String,
    pub status: AppointmentStatus,
    pub status_label: &'static str,
    pub ticket_id: Option<i64>,
    pub version: i64,
}

fn appointment_view(appointment: &StoredAppointment) -> AppointmentView {
    let status = AppointmentStatus::parse(&appointment.status).unwrap_or(AppointmentStatus::Booked);
    AppointmentView {
        id: appointment.id,
        station_code: appointment.station_code.clone(),
        category: appointment.prefix.clone(),
        slot_start: local(appointment.slot_start)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        slot_end: local(appointment.slot_end).format("%H:%M").to_string(),
        name: mask_name(&appointment.name),
        phone: mask_phone(&appointment.phone),
        id_number: yibao_domain::id_number::mask_id_text(&appointment.id_number),
        status,
        status_label: status.label(),
        ticket_id: appointment.ticket_id,
        version: appointment.version,
    }
}

fn parse_slot_start(text: &str) -> Result<NaiveDateTime, ApiError> {
    NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M"))
        .map_err(|_| validation("预约时段应为“YYYY-MM-DD HH:MM”"))
}

fn slot_error(error: appointment::AppointmentError) -> ApiError {
    use appointment::AppointmentError as E;
    match error {
        E::Full(_) => conflict("slot_full", error.to_string()),
        E::WrongStatus { .. } | E::AlreadyStarted => {
            conflict("invalid_transition", error.to_string())
        }
        _ => validation(error.to_string()),
    }
}

/// Books an appointment (no sign-in: residents book for themselves, by ID number).
pub async fn book(
    store: &Store,
    station: &str,
    request: &BookingRequest,
    ip: Option<String>,
) -> Result<AppointmentView, ApiError> {
    let station = open_station(store, station).await?;
    let prefix = CategoryPrefix::parse(&request.category)?.to_string();
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > 30 {
        return Err(validation("姓名不能为空，最多 30 个字"));
    }
    let phone = request.phone.trim();
    if phone.len() != 11 || !phone.bytes().all(|b| b.is_ascii_digit()) || !phone.starts_with('1') {
        return Err(validation("手机号码应为 11 位数字"));
    }
    let id_number = IdNumber::parse(&request.id_number)?;
    let calendar = calendar_of(store, station.code.as_str(), &prefix).await?;
    let start = parse_slot_start(&request.slot_start)?;
    let now = local(yibao_store::now());
    let slot = appointment::check_booking(&calendar, &settings().booking, start, now, 0)
        .map_err(slot_error)?;
    let day_start = to_utc(start.date().and_hms_opt(0, 0, 0).expect("midnight"));
    if store
        .active_appointment_of(
            station.code.as_str(),
            &prefix,
            id_number.expose(),
            day_start,
            day_start + Duration::days(1),
        )
        .await?
        .is_some()
    {
        return Err(conflict(
            "duplicate",
            "您当天已预约过该业务，如需更换时段请改约",
        ));
    }
    let new = NewAppointment {
        station_code: station.code.to_string(),
        prefix: prefix.clone(),
        slot_start: to_utc(slot.start),
        slot_end: to_utc(slot.end),
        name: name.to_owned(),
        phone: phone.to_owned(),
        id_number: id_number.expose().to_owned(),
        capacity: i64::from(calendar.capacity),
    };
    let audit = kiosk_actor(station.code.as_str(), ip)
        .audit("counter.appointment.book", "appointment", "")
        .region(station.region_code.as_str())
        .detail(json!({ "category": prefix, "slot": request.slot_start, "id_number": id_number.masked() }));
    match store.book_appointment(&new, &audit).await? {
        BookingOutcome::Booked(id) => {
            let stored = store
                .appointment(id)
                .await?
                .ok_or_else(|| ApiError::internal("booked appointment vanished"))?;
            Ok(appointment_view(&stored))
        }
        BookingOutcome::Full => Err(slot_error(appointment::AppointmentError::Full(
            calendar.capacity,
        ))),
    }
}

/// Finds an appointment by id for its holder, who proves it with their ID number.
async fn appointment_for_holder(
    store: &Store,
    id: i64,
    id_number: &str,
) -> Result<StoredAppointment, ApiError> {
    let given = IdNumber::parse(id_number)?;
    store
        .appointment(id)
        .await?
        .filter(|a| a.id_number == given.expose())
        .ok_or_else(|| ApiError::not_found("预约不存在，或身份证号码与预约不符"))
}

/// The holder's own appointment (masked as everywhere), proved with their ID number.
pub async fn appointment_for_resident(
    store: &Store,
    id: i64,
    id_number: &str,
) -> Result<AppointmentView, ApiError> {
    Ok(appointment_view(
        &appointment_for_holder(store, id, id_number).await?,
    ))
}

fn slot_of(appointment: &StoredAppointment) -> Slot {
    Slot {
        start: local(appointment.slot_start),
        end: local(appointment.slot_end),
    }
}

/// Cancels or changes an appointment (the holder, with their ID number): `new_slot` `None`
/// cancels.
pub async fn change(
    store: &Store,
    id: i64,
    id_number: &str,
    new_slot: Option<&str>,
    ip: Option<String>,
) -> Result<AppointmentView, ApiError> {
    let existing = appointment_for_holder(store, id, id_number).await?;
    let station = open_station(store, &existing.station_code).await?;
    let status = AppointmentStatus::parse(&existing.status).unwrap_or(AppointmentStatus::Booked);
    let now = local(yibao_store::now());
    let action = if new_slot.is_some() {
        "改约"
    } else {
        "取消"
    };
    appointment::check_change(status, slot_of(&existing), now, action).map_err(slot_error)?;
    let actor = kiosk_actor(station.code.as_str(), ip);
    match new_slot {
        None => {
            let audit = actor
                .audit("counter.appointment.cancel", "appointment", &id.to_string())
                .region(station.region_code.as_str());
            store
                .close_appointment(&existing, "cancelled", &audit)
                .await?;
        }
        Some(text) => {
            let calendar = calendar_of(store, station.code.as_str(), &existing.prefix).await?;
            let start = parse_slot_start(text)?;
            let slot = appointment::check_booking(&calendar, &settings().booking, start, now, 0)
                .map_err(slot_error)?;
            if to_utc(slot.start) == existing.slot_start {
                return Err(validation("新时段与原时段相同"));
            }
            let audit = actor
                .audit("counter.appointment.change", "appointment", &id.to_string())
                .region(station.region_code.as_str())
                .detail(json!({ "slot": text }));
            if store
                .change_appointment(
                    &existing,
                    to_utc(slot.start),
                    to_utc(slot.end),
                    i64::from(calendar.capacity),
                    &audit,
                )
                .await?
                == BookingOutcome::Full
            {
                return Err(slot_error(appointment::AppointmentError::Full(
                    calendar.capacity,
                )));
            }
        }
    }
    let stored = store
        .appointment(id)
        .await?
        .ok_or_else(|| ApiError::not_found("预约不存在"))?;
    Ok(appointment_view(&stored))
}

/// Checks an appointment in at the kiosk: a ticket joins the queue ahead of walk-ins once the
/// slot begins (see `yibao_domain::ticket`).
pub async fn check_in(
    store: &Store,
    id: i64,
    id_number: &str,
    ip: Option<String>,
) -> Result<IssuedTicket, ApiError> {
    let existing = appointment_for_holder(store, id, id_number).await?;
    let station = open_station(store, &existing.station_code).await?;
    let status = AppointmentStatus::parse(&existing.status).unwrap_or(AppointmentStatus::Booked);
    let now = yibao_store::now();
    appointment::check_check_in(&settings().booking, status, slot_of(&existing), local(now))
        .map_err(slot_error)?;
    let holder = IdNumber::parse(&existing.id_number)?;
    let green = ticket::green_reason(
        &settings().green,
        &GreenClaim {
            id_number: Some(&holder),
            ..GreenClaim::default()
        },
        ticket::service_day(now),
    );
    let new = NewTicket {
        station_code: station.code.to_string(),
        prefix: existing.prefix.clone(),
        day: day_of(now),
        green_reason: green.map(|g| g.as_str().to_owned()),
        appointment_id: Some(id),
        slot_start: Some(existing.slot_start),
        at: now,
    };
    let audit = kiosk_actor(station.code.as_str(), ip)
        .audit(
            "counter.appointment.check_in",
            "appointment",
            &id.to_string(),
        )
        .region(station.region_code.as_str());
    let (ticket_id, _) = store.check_in_appointment(&existing, &new, &audit).await?;
    notify_board(station.code.as_str());
    let categories = store.counter_categories(station.code.as_str()).await?;
    let stored = store
        .ticket(ticket_id)
        .await?
        .ok_or_else(|| ApiError::internal("issued ticket vanished"))?;
    let waiting = store
        .waiting_tickets(station.code.as_str(), &day_of(yibao_store::now()))
        .await?;
    let ahead = waiting
        .iter()
        .filter(|t| {
            t.category == stored.category
                && t.id != ticket_id
                && t.slot_start.is_some_and(|s| s <= existing.slot_start)
        })
        .count() as u32;
    Ok(IssuedTicket {
        ticket: view(&stored, &categories, None),
        station_name: station.name.clone(),
        waiting_ahead: ahead,
        estimated_wait_minutes: estimate_wait(store, &station, &stored.category, ahead, now)
            .await?,
    })
}

/// Staff mark a booked appointment whose slot has ended as a no-show.
pub async fn mark_no_show(
    store: &Store,
    actor: &Actor,
    id: i64,
) -> Result<AppointmentView, ApiError> {
    let existing = store
        .appointment(id)
        .await?
        .ok_or_else(|| ApiError::not_found("预约不存在"))?;
    let station = station_for(store, actor, &existing.station_code).await?;
    let status = AppointmentStatus::parse(&existing.status).unwrap_or(AppointmentStatus::Booked);
    appointment::check_no_show(status, slot_of(&existing), local(yibao_store::now()))
        .map_err(slot_error)?;
    let audit = actor
        .audit(
            "counter.appointment.no_show",
            "appointment",
            &id.to_string(),
        )
        .region(station.region_code.as_str());
    store
        .close_appointment(&existing, "no_show", &audit)
        .await?;
    let stored = store
        .appointment(id)
        .await?
        .ok_or_else(|| ApiError::not_found("预约不存在"))?;
    Ok(appointment_view(&stored))
}

/// Staff list a day's appointments (masked); the read is audited since it lists people.
pub async fn appointments_on(
    store: &Store,
    actor: &Actor,
    station: &str,
    date: NaiveDate,
) -> Result<Vec<AppointmentView>, ApiError> {
    let station = station_for(store, actor, station).await?;
    let from = to_utc(date.and_hms_opt(0, 0, 0).expect("midnight"));
    let rows = store
        .appointments_between(station.code.as_str(), from, from + Duration::days(1))
        .await?;
    let audit = actor
        .audit("counter.appointment.list", "station", station.code.as_str())
        .region(station.region_code.as_str())
        .detail(json!({ "date": day_text(date), "count": rows.len() }));
    store.append_audit(&audit).await?;
    Ok(rows.iter().map(appointment_view).collect())
}

// ---------------------------------------------------------------------------------------
// Statistics
// ---------------------------------------------------------------------------------------

/// How the statistics are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StatsBy {
    Window,
    Clerk,
    Category,
    Hour,
}

impl StatsBy {
    pub const ALL: [StatsBy; 4] = [
        StatsBy::Window,
        StatsBy::Clerk,
        StatsBy::Category,
        StatsBy::Hour,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StatsBy::Window => "window",
            StatsBy::Clerk => "clerk",
            StatsBy::Category => "category",
            StatsBy::Hour => "hour",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StatsBy::Window => "按窗口",
            StatsBy::Clerk => "按工作人员",
            StatsBy::Category => "按业务类别",
            StatsBy::Hour => "按时段",
        }
    }
}

/// One row of the statistics: calls grouped by the key.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StatsRow {
    pub key: String,
    /// Calls that ended finished.
    pub served: u32,
    pub no_shows: u32,
    pub transferred: u32,
    /// Minutes from joining the queue (or the previous window's end, after a transfer) to the
    /// call, over all calls.
    pub mean_wait_minutes: f64,
    pub max_wait_minutes: f64,
    /// Minutes from the start of service (or the call) to the end, over finished calls.
    pub mean_handling_minutes: f64,
}

/// Statistics of a station over local days `from..=to`.
#[derive(Debug, Clone, Serialize)]
pub struct CounterStats {
    pub station_code: String,
    pub station_name: String,
    pub from: String,
    pub to: String,
    pub tickets: u32,
    pub by: Vec<(StatsBy, Vec<StatsRow>)>,
}

/// Running totals of one statistics group.
#[derive(Default)]
struct GroupTotals {
    served: u32,
    no_shows: u32,
    transferred: u32,
    waits: Vec<f64>,
    handling: Vec<f64>,
}

/// Groups calls (pure: the tests and the CSV use it on their own).
pub fn group_calls(
    calls: &[CallRecord],
    by: StatsBy,
    categories: &[CounterCategory],
) -> Vec<StatsRow> {
    // Waiting time per call: from queue entry for a ticket's first call, from the end of the
    // previous call after a transfer.
    let mut previous_end: BTreeMap<i64, DateTime<Utc>> = BTreeMap::new();
    let mut groups: BTreeMap<String, GroupTotals> = BTreeMap::new();
    for call in calls {
        let since = previous_end
            .get(&call.ticket_id)
            .copied()
            .unwrap_or(call.queued_at);
        if let Some(end) = call.ended_at {
            previous_end.insert(call.ticket_id, end);
        }
        let wait = (call.called_at - since).num_seconds().max(0) as f64 / 60.0;
        let key = match by {
            StatsBy::Window => format!("{:02} 号窗口", call.window_number),
            StatsBy::Clerk => call.clerk.clone(),
            StatsBy::Category => {
                let name = categories
                    .iter()
                    .find(|c| c.prefix == call.category)
                    .map(|c| c.name.as_str())
                    .unwrap_or("");
                format!("{} {name}", call.category)
            }
            StatsBy::Hour => {
                let hour = local(call.called_at).hour();
                format!("{hour:02}:00-{:02}:00", hour + 1)
            }
        };
        let entry = groups.entry(key).or_default();
        match call.outcome.as_deref() {
            Some("finished") => {
                entry.served += 1;
                if let Some(seconds) = handling_seconds(call) {
                    entry.handling.push(seconds / 60.0);
                }
            }
            Some("no_show") => entry.no_shows += 1,
            Some("transferred") => entry.transferred += 1,
            _ => {}
        }
        entry.waits.push(wait);
    }
    let mean = |values: &[f64]| {
        if values.is_empty() {
            0.0
        } else {
            (values.iter().sum::<f64>() / values.len() as f64 * 10.0).round() / 10.0
        }
    };
    groups
        .into_iter()
        .map(|(key, totals)| StatsRow {
            key,
            served: totals.served,
            no_shows: totals.no_shows,
            transferred: totals.transferred,
            mean_wait_minutes: mean(&totals.waits),
            max_wait_minutes: (totals.waits.iter().copied().fold(0.0, f64::max) * 10.0).round()
                / 10.0,
            mean_handling_minutes: mean(&totals.handling),
        })
        .collect()
}

/// The station's statistics over a range of local days (at most 92).
pub async fn stats(
    store: &Store,
    actor: &Actor,
    station: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<CounterStats, ApiError> {
    let station = station_for(store, actor, station).await?;
    if to < from {
        return Err(validation("结束日期不能早于开始日期"));
    }
    if (to - from).num_days() > 92 {
        return Err(validation("统计区间最长 92 天"));
    }
    let code = station.code.as_str();
    let calls = store
        .calls_between(code, &day_text(from), &day_text(to))
        .await?;
    let categories = store.counter_categories(code).await?;
    let tickets = calls
        .iter()
        .map(|c| c.ticket_id)
        .collect::<std::collections::BTreeSet<_>>()
        .len() as u32;
    Ok(CounterStats {
        station_code: code.to_owned(),
        station_name: station.name.clone(),
        from: day_text(from),
        to: day_text(to),
        tickets,
        by: StatsBy::ALL
            .into_iter()
            .map(|by| (by, group_calls(&calls, by, &categories)))
            .collect(),
    })
}

/// The statistics as CSV (UTF-8 with BOM for spreadsheet programs).
pub fn stats_csv(stats: &CounterStats) -> String {
    let mut out = String::from(
        "\u{feff}grouping,key,served,no_shows,transferred,mean_wait_minutes,max_wait_minutes,mean_handling_minutes\n",
    );
    for (by, rows) in &stats.by {
        for row in rows {
            let key = if row.key.contains([',', '"']) {
                format!("\"{}\"", row.key.replace('"', "\"\""))
            } else {
                row.key.clone()
            };
            out.push_str(&format!(
                "{},{key},{},{},{},{},{},{}\n",
                by.as_str(),
                row.served,
                row.no_shows,
                row.transferred,
                row.mean_wait_minutes,
                row.max_wait_minutes,
                row.mean_handling_minutes
            ));
        }
    }
    out
}

/// Today's local date.
pub fn today() -> NaiveDate {
    ticket::service_day(yibao_store::now())
}
