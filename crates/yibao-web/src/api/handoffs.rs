//! The chain-of-custody API (材料流转): handoff batches packed, sent and checked in item by
//! item, the originals waiting at a station; and the working-day calendar (holidays and
//! make-up workdays, edited by bureau administrators). Documented through `HandoffsDoc`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use yibao_domain::calendar::CalendarDay;
use yibao_domain::masking::mask_name;
use yibao_store::{HandoffBatch, PageRequest};

use crate::AppState;
use crate::api::ApiQuery;
use crate::api::cases::{CasePageDto, CaseSummaryDto, parse_json};
use crate::app::Actor;
use crate::app::calendar as calendar_case;
use crate::app::cases::Clerk;
use crate::app::handoffs::{self as use_case, HandoffView, PackInput, ReceiptInput};
use crate::auth::Staff;
use crate::error::{ApiResult, Problem};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/handoff-batches", get(list_batches).post(create_batch))
        .route("/api/handoff-batches/{number}", get(get_batch))
        .route("/api/handoff-batches/{number}/send", post(send_batch))
        .route("/api/handoff-batches/{number}/receipt", post(receive_batch))
        .route("/api/stations/{code}/originals", get(originals_awaiting))
        .route("/api/calendar", get(list_calendar))
        .route("/api/calendar/{date}", put(set_day).delete(remove_day))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list_batches,
        create_batch,
        get_batch,
        send_batch,
        receive_batch,
        originals_awaiting,
        list_calendar,
        set_day,
        remove_day
    ),
    components(schemas(
        PackBody,
        SendBody,
        ReceiptBody,
        ReceiptItemBody,
        BatchDto,
        BatchItemDto,
        UnexpectedDto,
        BatchPageDto,
        CalendarDayDto,
        CalendarDayBody
    ))
)]
pub struct HandoffsDoc;

/// A batch to pack.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PackBody {
    /// The sending station; defaults to the clerk's own.
    #[serde(default)]
    pub from_station: Option<String>,
    pub to_station: String,
    /// Case numbers whose paper originals are held at the sending station.
    pub cases: Vec<String>,
}

/// The batch version the clerk saw.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendBody {
    pub version: i64,
}

/// One listed item as checked.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptItemBody {
    pub case_number: String,
    /// `true` when the originals are in the batch, `false` when missing.
    pub received: bool,
}

/// The receiving station's check: every listed item, and unlisted items found.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptBody {
    pub version: i64,
    pub items: Vec<ReceiptItemBody>,
    /// Case numbers or short descriptions of unlisted items found in the batch.
    #[serde(default)]
    pub unexpected: Vec<String>,
}

/// One case in a batch (the applicant's name masked).
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchItemDto {
    pub case_number: String,
    pub item_name: String,
    pub applicant: String,
    /// `packed`, `received` or `missing`.
    pub status: String,
    pub status_label: String,
}

/// An unlisted item found at receipt.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnexpectedDto {
    pub description: String,
    pub case_number: Option<String>,
}

/// A handoff batch.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchDto {
    pub number: String,
    pub version: i64,
    pub from_station: String,
    pub from_name: String,
    pub to_station: String,
    pub to_name: String,
    /// `packed`, `in_transit`, `received` or `discrepancy`.
    pub status: String,
    pub status_label: String,
    pub item_count: i64,
    pub created_by: String,
    pub created_at: String,
    pub sent_at: Option<String>,
    pub received_by: Option<String>,
    pub received_at: Option<String>,
    /// Present on single-batch reads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<BatchItemDto>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unexpected: Option<Vec<UnexpectedDto>>,
}

impl BatchDto {
    fn summary(batch: &HandoffBatch) -> BatchDto {
        BatchDto {
            number: batch.number.clone(),
            version: batch.version,
            from_station: batch.from_station.clone(),
            from_name: batch.from_name.clone(),
            to_station: batch.to_station.clone(),
            to_name: batch.to_name.clone(),
            status: batch.status.as_str().to_owned(),
            status_label: batch.status.label().to_owned(),
            item_count: batch.items,
            created_by: batch.created_by.clone(),
            created_at: batch.created_at.to_rfc3339(),
            sent_at: batch.sent_at.map(|t| t.to_rfc3339()),
            received_by: batch.received_by.clone(),
            received_at: batch.received_at.map(|t| t.to_rfc3339()),
            items: None,
            unexpected: None,
        }
    }

    fn full(view: &HandoffView) -> BatchDto {
        let mut dto = BatchDto::summary(&view.batch);
        dto.items = Some(
            view.items
                .iter()
                .map(|item| BatchItemDto {
                    case_number: item.case_number.clone(),
                    item_name: item.item_name.clone(),
                    applicant: mask_name(&item.applicant_name),
                    status: item.status.as_str().to_owned(),
                    status_label: item.status.label().to_owned(),
                })
                .collect(),
        );
        dto.unexpected = Some(
            view.unexpected
                .iter()
                .map(|u| UnexpectedDto {
                    description: u.description.clone(),
                    case_number: u.case_number.clone(),
                })
                .collect(),
        );
        dto
    }
}

/// One page of batches.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchPageDto {
    pub items: Vec<BatchDto>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct BatchListQuery {
    /// Batches sent from or addressed to this station.
    pub station: Option<String>,
    /// `packed`, `in_transit`, `received` or `discrepancy`.
    pub status: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PageQuery {
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

/// Batches in the caller's scope, newest first.
#[utoipa::path(get, path = "/api/handoff-batches", params(BatchListQuery),
    responses((status = 200, body = BatchPageDto), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn list_batches(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<BatchListQuery>,
) -> ApiResult<axum::Json<BatchPageDto>> {
    let page = use_case::list(
        &state.store,
        &Actor::from(&staff),
        query.station.as_deref(),
        query.status.as_deref(),
        PageRequest::new(query.page, query.per_page),
    )
    .await?;
    Ok(axum::Json(BatchPageDto {
        items: page.items.iter().map(BatchDto::summary).collect(),
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

/// Packs the paper originals of cases held at the sending station into a new batch.
#[utoipa::path(post, path = "/api/handoff-batches", request_body = PackBody,
    responses((status = 201, body = BatchDto), (status = 422, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem)),
    security(("bearer" = [])))]
async fn create_batch(
    State(state): State<AppState>,
    staff: Staff,
    body: Bytes,
) -> ApiResult<Response> {
    let body: PackBody = parse_json(&body)?;
    let input = PackInput {
        from_station: body.from_station,
        to_station: body.to_station,
        cases: body.cases,
    };
    let view = use_case::pack(&state.store, &Clerk::from(&staff), &input).await?;
    Ok((StatusCode::CREATED, axum::Json(BatchDto::full(&view))).into_response())
}

/// One batch with its items and the unlisted items found at receipt.
#[utoipa::path(get, path = "/api/handoff-batches/{number}", params(("number" = String, Path)),
    responses((status = 200, body = BatchDto), (status = 404, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn get_batch(
    State(state): State<AppState>,
    staff: Staff,
    Path(number): Path<String>,
) -> ApiResult<axum::Json<BatchDto>> {
    let view = use_case::get(&state.store, &Actor::from(&staff), &number).await?;
    Ok(axum::Json(BatchDto::full(&view)))
}

/// Sends a packed batch (its originals are in transit from then on); a stale version is 409.
#[utoipa::path(post, path = "/api/handoff-batches/{number}/send", params(("number" = String, Path)),
    request_body = SendBody,
    responses((status = 200, body = BatchDto), (status = 409, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn send_batch(
    State(state): State<AppState>,
    staff: Staff,
    Path(number): Path<String>,
    body: Bytes,
) -> ApiResult<axum::Json<BatchDto>> {
    let body: SendBody = parse_json(&body)?;
    let view = use_case::send(&state.store, &Clerk::from(&staff), &number, body.version).await?;
    Ok(axum::Json(BatchDto::full(&view)))
}

/// The receiving station checks a batch in item by item: every listed case marked received
/// or missing, unlisted items found recorded. The batch ends `received`, or `discrepancy`
/// when anything was missing or unexpected.
#[utoipa::path(post, path = "/api/handoff-batches/{number}/receipt", params(("number" = String, Path)),
    request_body = ReceiptBody,
    responses((status = 200, body = BatchDto), (status = 409, body = Problem), (status = 422, body = Problem),
        (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn receive_batch(
    State(state): State<AppState>,
    staff: Staff,
    Path(number): Path<String>,
    body: Bytes,
) -> ApiResult<axum::Json<BatchDto>> {
    let body: ReceiptBody = parse_json(&body)?;
    let input = ReceiptInput {
        version: body.version,
        items: body
            .items
            .into_iter()
            .map(|item| (item.case_number, item.received))
            .collect(),
        unexpected: body.unexpected,
    };
    let view = use_case::receive(&state.store, &Clerk::from(&staff), &number, &input).await?;
    Ok(axum::Json(BatchDto::full(&view)))
}

/// Cases whose paper originals are held at a station and not yet packed.
#[utoipa::path(get, path = "/api/stations/{code}/originals", params(("code" = String, Path), PageQuery),
    responses((status = 200, body = CasePageDto), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn originals_awaiting(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<axum::Json<CasePageDto>> {
    let page = use_case::awaiting(
        &state.store,
        &Actor::from(&staff),
        &code,
        PageRequest::new(query.page, query.per_page),
    )
    .await?;
    Ok(axum::Json(CasePageDto {
        items: page.items.iter().map(CaseSummaryDto::from).collect(),
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

/// A day that differs from the ordinary week.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarDayDto {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `holiday` (法定节假日, no work) or `workday` (调休上班 on a weekend).
    pub kind: String,
    pub kind_label: String,
    pub name: String,
}

impl From<&CalendarDay> for CalendarDayDto {
    fn from(day: &CalendarDay) -> CalendarDayDto {
        CalendarDayDto {
            date: day.date.to_string(),
            kind: day.kind.as_str().to_owned(),
            kind_label: day.kind.label().to_owned(),
            name: day.name.clone(),
        }
    }
}

/// A holiday or make-up workday to set.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarDayBody {
    /// `holiday` or `workday`.
    pub kind: String,
    /// e.g. 国庆节, 春节调休.
    pub name: String,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CalendarQuery {
    /// Only days of this year.
    pub year: Option<i32>,
}

/// The holidays and make-up workdays deadlines are counted on, in date order.
#[utoipa::path(get, path = "/api/calendar", params(CalendarQuery),
    responses((status = 200, body = [CalendarDayDto])), security(("bearer" = [])))]
async fn list_calendar(
    State(state): State<AppState>,
    _staff: Staff,
    ApiQuery(query): ApiQuery<CalendarQuery>,
) -> ApiResult<axum::Json<Vec<CalendarDayDto>>> {
    let days = calendar_case::list(&state.store, query.year).await?;
    Ok(axum::Json(days.iter().map(CalendarDayDto::from).collect()))
}

/// Sets a holiday or make-up workday (bureau administrators only).
#[utoipa::path(put, path = "/api/calendar/{date}", params(("date" = String, Path, description = "YYYY-MM-DD")),
    request_body = CalendarDayBody,
    responses((status = 200, body = CalendarDayDto), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn set_day(
    State(state): State<AppState>,
    staff: Staff,
    Path(date): Path<String>,
    body: Bytes,
) -> ApiResult<axum::Json<CalendarDayDto>> {
    let body: CalendarDayBody = parse_json(&body)?;
    let day = calendar_case::set(
        &state.store,
        &Actor::from(&staff),
        &date,
        &body.kind,
        &body.name,
    )
    .await?;
    Ok(axum::Json(CalendarDayDto::from(&day)))
}

/// Removes a day from the calendar, so it counts as an ordinary weekday or weekend again
/// (bureau administrators only).
#[utoipa::path(delete, path = "/api/calendar/{date}", params(("date" = String, Path, description = "YYYY-MM-DD")),
    responses((status = 204), (status = 404, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn remove_day(
    State(state): State<AppState>,
    staff: Staff,
    Path(date): Path<String>,
) -> ApiResult<StatusCode> {
    calendar_case::remove(&state.store, &Actor::from(&staff), &date).await?;
    Ok(StatusCode::NO_CONTENT)
}
