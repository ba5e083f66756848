//! The console's chain-of-custody pages (材料流转): a station's handoff batches, packing the
//! originals waiting at the station into a batch for another station, and the batch page
//! where the sender sends it and the receiver checks it in item by item.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use yibao_domain::masking::mask_name;
use yibao_store::{BatchStatus, PageRequest};

use super::{
    Choice, Chrome, Crumb, Pager, UiError, UiForm, UiQuery, UiResult, UiStaff, link, local_time,
    page_number, render,
};
use crate::AppState;
use crate::app::Actor;
use crate::app::cases::Clerk;
use crate::app::handoffs::{self as use_case, HandoffView, PackInput, ReceiptInput};
use crate::auth::Staff;

const PER_PAGE: u32 = 20;

pub struct BatchRow {
    pub number: String,
    pub from: String,
    pub to: String,
    pub outgoing: bool,
    pub status: &'static str,
    pub status_label: &'static str,
    pub items: i64,
    pub created_at: String,
}

#[derive(Template)]
#[template(path = "handoffs.html")]
struct ListPage {
    chrome: Chrome,
    station: String,
    statuses: Vec<Choice>,
    rows: Vec<BatchRow>,
    pager: Pager,
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    station: Option<String>,
    status: Option<String>,
    page: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    UiQuery(query): UiQuery<ListQuery>,
) -> UiResult {
    let station = super::cases::station_of(&staff, query.station.as_deref()).unwrap_or_default();
    let status = query.status.clone().unwrap_or_default();
    let page_no = page_number(query.page.as_deref());
    let page = use_case::list(
        &state.store,
        &Actor::from(&staff),
        (!station.is_empty()).then_some(station.as_str()),
        Some(status.as_str()),
        PageRequest::new(Some(page_no), Some(PER_PAGE)),
    )
    .await?;
    let rows = page
        .items
        .iter()
        .map(|b| BatchRow {
            number: b.number.clone(),
            from: format!("{}（{}）", b.from_name, b.from_station),
            to: format!("{}（{}）", b.to_name, b.to_station),
            outgoing: b.from_station == station,
            status: b.status.as_str(),
            status_label: b.status.label(),
            items: b.items,
            created_at: local_time(b.created_at),
        })
        .collect();
    let href = {
        let station = station.clone();
        let status = status.clone();
        move |n: u32| {
            link(
                "/handoffs",
                &[
                    ("station", &station),
                    ("status", &status),
                    ("page", &n.to_string()),
                ],
            )
        }
    };
    let pager = Pager::new(page.total, page.page, page.per_page, href);
    let statuses = Choice::list(
        BatchStatus::ALL
            .into_iter()
            .map(|s| (s.as_str(), s.label())),
        &status,
    );
    let chrome = Chrome::build(&state, Some(&staff), "材料交接", "cases")
        .await?
        .crumbs(vec![
            Crumb::link("业务件", link("/cases", &[("station", &station)])),
            Crumb::here("材料交接"),
        ]);
    Ok(render(
        StatusCode::OK,
        &ListPage {
            chrome,
            station,
            statuses,
            rows,
            pager,
        },
    ))
}

// ---------------------------------------------------------------------------------------
// Packing
// ---------------------------------------------------------------------------------------

pub struct Waiting {
    pub number: String,
    pub item_name: String,
    pub applicant: String,
    pub status_label: String,
    pub completing_station: String,
    pub checked: bool,
}

pub struct Destination {
    pub code: String,
    pub name: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "handoff_new.html")]
struct PackPage {
    chrome: Chrome,
    station: String,
    station_name: String,
    waiting: Vec<Waiting>,
    total: i64,
    destinations: Vec<Destination>,
    message: String,
}

#[derive(Debug, Deserialize)]
pub struct PackQuery {
    station: Option<String>,
}

async fn pack_page(
    state: &AppState,
    staff: &Staff,
    station: &str,
    chosen: &[String],
    to: &str,
    message: String,
    status: StatusCode,
) -> UiResult {
    let actor = Actor::from(staff);
    let found = state
        .store
        .get_station(station)
        .await?
        .ok_or_else(|| UiError::not_found(format!("站点“{station}”不存在")))?;
    let page = use_case::awaiting(
        &state.store,
        &actor,
        station,
        PageRequest::new(Some(1), Some(use_case::MAX_BATCH_ITEMS as u32)),
    )
    .await?;
    // Where originals usually go: up the chain to the stations that complete the cases.
    let mut destinations: Vec<Destination> = Vec::new();
    let mut codes: Vec<String> = Vec::new();
    let mut parent = found.parent_code.as_ref().map(|c| c.to_string());
    while let Some(code) = parent {
        if codes.contains(&code) || codes.len() > 8 {
            break;
        }
        let Some(up) = state.store.get_station(&code).await? else {
            break;
        };
        codes.push(code.clone());
        parent = up.parent_code.as_ref().map(|c| c.to_string());
        destinations.push(Destination {
            selected: code == to,
            code,
            name: up.name,
        });
    }
    for row in &page.items {
        if row.completing_station != station && !codes.contains(&row.completing_station) {
            codes.push(row.completing_station.clone());
            let name = state
                .store
                .get_station(&row.completing_station)
                .await?
                .map(|s| s.name)
                .unwrap_or_default();
            destinations.push(Destination {
                selected: row.completing_station == to,
                code: row.completing_station.clone(),
                name,
            });
        }
    }
    let waiting = page
        .items
        .iter()
        .map(|row| Waiting {
            number: row.number.clone(),
            item_name: row.item_name.clone(),
            applicant: mask_name(&row.applicant_name),
            status_label: row
                .status
                .parse::<yibao_domain::case::CaseStatus>()
                .map(|s| s.label().to_owned())
                .unwrap_or_default(),
            completing_station: row.completing_station.clone(),
            checked: chosen.is_empty() || chosen.contains(&row.number),
        })
        .collect();
    let chrome = Chrome::build(state, Some(staff), "装袋交接", "cases")
        .await?
        .crumbs(vec![
            Crumb::link("材料交接", link("/handoffs", &[("station", station)])),
            Crumb::here("装袋交接"),
        ]);
    Ok(render(
        status,
        &PackPage {
            chrome,
            station: station.to_owned(),
            station_name: found.name,
            waiting,
            total: page.total,
            destinations,
            message,
        },
    ))
}

pub async fn new_form(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    UiQuery(query): UiQuery<PackQuery>,
) -> UiResult {
    let station = super::cases::station_of(&staff, query.station.as_deref()).unwrap_or_default();
    if station.is_empty() {
        return Err(UiError::bad_request(
            "您的账号未归属任何站点：请在地址中指定 station",
        ));
    }
    pack_page(
        &state,
        &staff,
        &station,
        &[],
        "",
        String::new(),
        StatusCode::OK,
    )
    .await
}

pub async fn create(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    UiForm(pairs): UiForm<Vec<(String, String)>>,
) -> UiResult {
    let get = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    staff.check_csrf(Some(&get("_csrf")))?;
    let station = get("station");
    let to = get("to_station");
    let cases: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "case")
        .map(|(_, v)| v.clone())
        .collect();
    let input = PackInput {
        from_station: Some(station.clone()),
        to_station: to.clone(),
        cases: cases.clone(),
    };
    match use_case::pack(&state.store, &Clerk::from(&staff), &input).await {
        Ok(view) => {
            Ok(Redirect::to(&format!("/handoffs/{}?packed=1", view.batch.number)).into_response())
        }
        Err(error)
            if error.status == StatusCode::UNPROCESSABLE_ENTITY
                || error.status == StatusCode::CONFLICT =>
        {
            let chosen = if cases.is_empty() {
                vec![String::new()]
            } else {
                cases
            };
            pack_page(
                &state,
                &staff,
                &station,
                &chosen,
                &to,
                error.message,
                error.status,
            )
            .await
        }
        Err(error) => Err(error.into()),
    }
}

// ---------------------------------------------------------------------------------------
// Batch page
// ---------------------------------------------------------------------------------------

pub struct ItemRow {
    pub case_number: String,
    pub item_name: String,
    pub applicant: String,
    pub status: &'static str,
    pub status_label: &'static str,
}

#[derive(Template)]
#[template(path = "handoff.html")]
struct BatchPage {
    chrome: Chrome,
    number: String,
    version: i64,
    from: String,
    to: String,
    status: &'static str,
    status_label: &'static str,
    created: String,
    sent: String,
    received: String,
    items: Vec<ItemRow>,
    unexpected: Vec<(String, Option<String>)>,
    can_send: bool,
    can_receive: bool,
    message: String,
    error: bool,
}

#[derive(Debug, Deserialize)]
pub struct BatchQuery {
    packed: Option<String>,
    sent: Option<String>,
    received: Option<String>,
}

fn acts_for(staff: &Staff, station: &str) -> bool {
    match &staff.user.station_code {
        Some(own) => own == station,
        None => staff.role().manages_network(),
    }
}

fn batch_page(
    chrome: Chrome,
    staff: &Staff,
    view: &HandoffView,
    message: String,
    error: bool,
    status: StatusCode,
) -> UiResult {
    let batch = &view.batch;
    let page = BatchPage {
        chrome,
        number: batch.number.clone(),
        version: batch.version,
        from: format!("{}（{}）", batch.from_name, batch.from_station),
        to: format!("{}（{}）", batch.to_name, batch.to_station),
        status: batch.status.as_str(),
        status_label: batch.status.label(),
        created: format!("{} · {}", local_time(batch.created_at), batch.created_by),
        sent: match (&batch.sent_at, &batch.sent_by) {
            (Some(at), Some(by)) => format!("{} · {by}", local_time(*at)),
            _ => String::new(),
        },
        received: match (&batch.received_at, &batch.received_by) {
            (Some(at), Some(by)) => format!("{} · {by}", local_time(*at)),
            _ => String::new(),
        },
        items: view
            .items
            .iter()
            .map(|item| ItemRow {
                case_number: item.case_number.clone(),
                item_name: item.item_name.clone(),
                applicant: mask_name(&item.applicant_name),
                status: item.status.as_str(),
                status_label: item.status.label(),
            })
            .collect(),
        unexpected: view
            .unexpected
            .iter()
            .map(|u| (u.description.clone(), u.case_number.clone()))
            .collect(),
        can_send: batch.status == BatchStatus::Packed && acts_for(staff, &batch.from_station),
        can_receive: batch.status == BatchStatus::InTransit && acts_for(staff, &batch.to_station),
        message,
        error,
    };
    Ok(render(status, &page))
}

async fn batch_chrome(
    state: &AppState,
    staff: &Staff,
    view: &HandoffView,
) -> Result<Chrome, UiError> {
    let own = staff
        .user
        .station_code
        .clone()
        .unwrap_or_else(|| view.batch.from_station.clone());
    Ok(Chrome::build(
        state,
        Some(staff),
        &format!("交接批次 {}", view.batch.number),
        "cases",
    )
    .await?
    .crumbs(vec![
        Crumb::link("材料交接", link("/handoffs", &[("station", &own)])),
        Crumb::here(view.batch.number.clone()),
    ]))
}

pub async fn page(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    Path(number): Path<String>,
    UiQuery(query): UiQuery<BatchQuery>,
) -> UiResult {
    let view = use_case::get(&state.store, &Actor::from(&staff), &number).await?;
    let message = if query.packed.is_some() {
        "已装袋。核对无误后请点击“发出”，原件随即进入流转途中。"
    } else if query.sent.is_some() {
        "已发出，等待接收站点逐件签收。"
    } else if query.received.is_some() {
        if view.batch.status == BatchStatus::Discrepancy {
            "已签收，但有缺失或清单外材料，已标记待查。"
        } else {
            "已签收，全部材料与清单一致。"
        }
    } else {
        ""
    };
    let chrome = batch_chrome(&state, &staff, &view).await?;
    batch_page(
        chrome,
        &staff,
        &view,
        message.to_owned(),
        false,
        StatusCode::OK,
    )
}

#[derive(Debug, Deserialize)]
pub struct SendForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    version: String,
}

async fn refused(
    state: &AppState,
    staff: &Staff,
    number: &str,
    error: crate::error::ApiError,
) -> UiResult {
    let view = use_case::get(&state.store, &Actor::from(staff), number).await?;
    let chrome = batch_chrome(state, staff, &view).await?;
    let message = if error.code == "stale_version" {
        format!("{}。下面是最新情况。", error.message)
    } else {
        error.message
    };
    batch_page(chrome, staff, &view, message, true, error.status)
}

pub async fn send(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    Path(number): Path<String>,
    UiForm(form): UiForm<SendForm>,
) -> UiResult {
    staff.check_csrf(Some(&form.csrf))?;
    let version = form.version.trim().parse().unwrap_or(0);
    match use_case::send(&state.store, &Clerk::from(&staff), &number, version).await {
        Ok(view) => {
            Ok(Redirect::to(&format!("/handoffs/{}?sent=1", view.batch.number)).into_response())
        }
        Err(error) if error.status == StatusCode::CONFLICT => {
            refused(&state, &staff, &number, error).await
        }
        Err(error) => Err(error.into()),
    }
}

pub async fn receive(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    Path(number): Path<String>,
    UiForm(pairs): UiForm<Vec<(String, String)>>,
) -> UiResult {
    let get = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    staff.check_csrf(Some(&get("_csrf")))?;
    let items = pairs
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("item-")
                .map(|case| (case.to_owned(), v == "received"))
        })
        .collect();
    let input = ReceiptInput {
        version: get("version").parse().unwrap_or(0),
        items,
        unexpected: get("unexpected")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
    };
    match use_case::receive(&state.store, &Clerk::from(&staff), &number, &input).await {
        Ok(view) => Ok(
            Redirect::to(&format!("/handoffs/{}?received=1", view.batch.number)).into_response(),
        ),
        Err(error)
            if error.status == StatusCode::CONFLICT
                || error.status == StatusCode::UNPROCESSABLE_ENTITY =>
        {
            refused(&state, &staff, &number, error).await
        }
        Err(error) => Err(error.into()),
    }
}
