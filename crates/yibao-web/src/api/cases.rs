//! The case API: intake with `Idempotency-Key`, case reads, transitions, worklists and the
//! resident's tracking lookup. Documented in the OpenAPI document through `CasesDoc`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, OpenApi, ToSchema};
use yibao_domain::case::{CaseAction, CaseStatus};
use yibao_domain::id_number::mask_id_text;
use yibao_domain::masking::mask_name;
use yibao_store::{CaseEventRecord, CaseSummary, PageRequest};

use crate::AppState;
use crate::api::ApiQuery;
use crate::app::cases::{self as use_case, CaseView, Clerk, IntakeInput, ProxyInput, Worklist};
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult, Problem};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/cases", post(create_case))
        .route("/api/cases/{number}", get(get_case))
        .route("/api/cases/{number}/transitions", post(transition_case))
        .route("/api/stations/{code}/worklists", get(worklist_counts))
        .route("/api/stations/{code}/cases", get(worklist))
        .route("/api/track", post(track_case))
        .route("/api/track/rating", post(rate_case))
        .route("/api/ratings", get(station_ratings))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        create_case,
        get_case,
        transition_case,
        worklist_counts,
        worklist,
        track_case,
        rate_case,
        station_ratings
    ),
    components(schemas(
        IntakeBody,
        ApplicantBody,
        ProxyBody,
        MaterialBody,
        CaseDto,
        CaseEventDto,
        ChecklistDto,
        TransitionBody,
        CaseSummaryDto,
        CasePageDto,
        WorklistCountDto,
        TrackBody,
        RatingBody,
        RatingDto,
        StationRatingDto
    ))
)]
pub struct CasesDoc;

/// The applicant (the principal).
#[derive(Debug, Deserialize, ToSchema)]
pub struct ApplicantBody {
    pub name: String,
    /// 18-character resident ID number.
    pub id_number: String,
    /// Mobile phone for SMS notices.
    pub phone: String,
}

/// A proxy applicant (代办人) with the principal's authorisation.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ProxyBody {
    pub name: String,
    pub id_number: String,
    #[serde(default)]
    pub phone: Option<String>,
    /// `grid_worker`, `volunteer`, `relative` or `other`.
    pub relation: String,
    /// The power of attorney's number or how consent was recorded.
    pub authorisation: String,
}

/// How one material was provided.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MaterialBody {
    pub name: String,
    /// `paper`, `e_certificate` or `missing`.
    pub form: String,
}

/// A new case.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntakeBody {
    pub item_code: String,
    /// The intake station; defaults to the clerk's own station.
    #[serde(default)]
    pub station_code: Option<String>,
    /// `counter`, `mobile`, `video`, `bank` or `home_visit`.
    pub channel: String,
    pub applicant: ApplicantBody,
    #[serde(default)]
    pub proxy: Option<ProxyBody>,
    #[serde(default)]
    pub materials: Vec<MaterialBody>,
    /// The applicant signed a pledge for minor missing materials (容缺受理).
    #[serde(default)]
    pub pledge: bool,
}

impl IntakeBody {
    fn input(self) -> IntakeInput {
        IntakeInput {
            item_code: self.item_code,
            station_code: self.station_code,
            channel: self.channel,
            applicant_name: self.applicant.name,
            applicant_id: self.applicant.id_number,
            applicant_phone: self.applicant.phone,
            proxy: self.proxy.map(|p| ProxyInput {
                name: p.name,
                id_number: p.id_number,
                phone: p.phone,
                relation: p.relation,
                authorisation: p.authorisation,
            }),
            materials: self
                .materials
                .into_iter()
                .map(|m| (m.name, m.form))
                .collect(),
            pledge: self.pledge,
        }
    }
}

/// One checklist line.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChecklistDto {
    pub name: String,
    pub required: bool,
    pub e_certificate_allowed: bool,
    pub form: String,
    pub form_label: String,
    pub pledged: bool,
}

/// One timeline entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseEventDto {
    pub at: String,
    pub actor: String,
    pub station_code: String,
    pub kind: String,
    pub description: String,
}

impl From<&CaseEventRecord> for CaseEventDto {
    fn from(event: &CaseEventRecord) -> CaseEventDto {
        CaseEventDto {
            at: event.at.to_rfc3339(),
            actor: event.actor.clone(),
            station_code: event.station_code.clone(),
            kind: event.kind.clone(),
            description: event.description.clone(),
        }
    }
}

/// A case with its timeline. ID numbers are masked; phones are shown to staff in scope.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseDto {
    pub number: String,
    pub version: i64,
    pub item_code: String,
    pub item_name: String,
    pub channel: String,
    pub status: String,
    pub status_label: String,
    pub applicant_name: String,
    pub applicant_id_masked: String,
    pub applicant_phone: String,
    pub proxy_name: Option<String>,
    pub proxy_relation: Option<String>,
    pub proxy_authorisation: Option<String>,
    pub intake_station: String,
    pub completing_station: String,
    pub current_station: String,
    pub deadline: String,
    /// 剩余/即将到期/已超期, or 时限暂停 while waiting for a supplement.
    pub deadline_label: String,
    pub clock_stopped: bool,
    pub paused_working_days: u32,
    /// What the applicant was asked to supply (退回补正).
    pub missing: Vec<String>,
    /// Materials still owed on a pledge (容缺).
    pub pledged: Vec<String>,
    pub checklist: Vec<ChecklistDto>,
    pub originals_station: Option<String>,
    pub originals_status: String,
    /// The handoff batch the originals are packed in (or went missing from).
    pub originals_batch: Option<String>,
    /// Where the paper originals are, in one Chinese line (材料流转).
    pub originals_label: String,
    pub available_actions: Vec<String>,
    pub events: Vec<CaseEventDto>,
    pub created_at: String,
}

impl CaseDto {
    pub fn from_view(view: &CaseView) -> CaseDto {
        let case = &view.case;
        let state = &case.state;
        let deadline_label = if state.paused_on.is_some() {
            "退回补正中，时限暂停计算".to_owned()
        } else if state.status.is_final() {
            state.status.label().to_owned()
        } else {
            view.calendar.standing(state.deadline, view.today).label()
        };
        CaseDto {
            number: case.number.clone(),
            version: case.version,
            item_code: case.item_code.clone(),
            item_name: case.item_name.clone(),
            channel: case.channel.as_str().to_owned(),
            status: state.status.as_str().to_owned(),
            status_label: state.status.label().to_owned(),
            applicant_name: case.applicant_name.clone(),
            applicant_id_masked: case.applicant_id.to_string(),
            applicant_phone: case.applicant_phone.clone(),
            proxy_name: case.proxy.as_ref().map(|p| p.name.clone()),
            proxy_relation: case.proxy.as_ref().map(|p| p.relation.as_str().to_owned()),
            proxy_authorisation: case.proxy.as_ref().map(|p| p.authorisation.clone()),
            intake_station: state.intake_station.to_string(),
            completing_station: state.completing_station.to_string(),
            current_station: state.current_station.to_string(),
            deadline: state.deadline.to_string(),
            deadline_label,
            clock_stopped: state.paused_on.is_some(),
            paused_working_days: state.paused_working_days,
            missing: state.missing.clone(),
            pledged: state.pledged.clone(),
            checklist: case
                .checklist
                .iter()
                .map(|line| ChecklistDto {
                    name: line.name.clone(),
                    required: line.required,
                    e_certificate_allowed: line.e_certificate_allowed,
                    form: line.form.as_str().to_owned(),
                    form_label: line.form.label().to_owned(),
                    pledged: line.pledged,
                })
                .collect(),
            originals_station: case.originals_station.clone(),
            originals_status: case.originals_status.as_str().to_owned(),
            originals_batch: case.originals_batch.clone(),
            originals_label: crate::app::handoffs::custody_label(case),
            available_actions: state
                .available_actions()
                .into_iter()
                .map(|a| a.as_str().to_owned())
                .collect(),
            events: view.events.iter().map(CaseEventDto::from).collect(),
            created_at: case.created_at.to_rfc3339(),
        }
    }
}

/// A transition request: the action with its payload, and the version read.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TransitionBody {
    /// `initial_review`, `accept_upstream`, `complete`, `reject` (`reason`),
    /// `return_for_supplement` (`missing`: list), `resubmit` (`supplied`: list),
    /// `supply_pledged` (`materials`: list) or `withdraw`.
    #[schema(value_type = Object)]
    #[serde(flatten)]
    pub action: CaseAction,
    /// The case version the clerk saw; a changed case answers 409.
    pub version: i64,
}

/// A row of a worklist. The applicant's name is masked to its first character.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseSummaryDto {
    pub number: String,
    pub item_code: String,
    pub item_name: String,
    pub applicant: String,
    pub status: String,
    pub status_label: String,
    pub intake_station: String,
    pub completing_station: String,
    pub current_station: String,
    pub deadline: String,
    pub originals_status: String,
}

impl From<&CaseSummary> for CaseSummaryDto {
    fn from(row: &CaseSummary) -> CaseSummaryDto {
        CaseSummaryDto {
            number: row.number.clone(),
            item_code: row.item_code.clone(),
            item_name: row.item_name.clone(),
            applicant: mask_name(&row.applicant_name),
            status_label: row
                .status
                .parse::<CaseStatus>()
                .map(|s| s.label().to_owned())
                .unwrap_or_default(),
            status: row.status.clone(),
            intake_station: row.intake_station.clone(),
            completing_station: row.completing_station.clone(),
            current_station: row.current_station.clone(),
            deadline: row.deadline.to_string(),
            originals_status: row.originals_status.clone(),
        }
    }
}

/// One page of cases.
#[derive(Debug, Serialize, ToSchema)]
pub struct CasePageDto {
    pub items: Vec<CaseSummaryDto>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

/// How many cases a worklist holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorklistCountDto {
    pub list: String,
    pub label: String,
    pub count: i64,
}

/// The resident's lookup.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TrackBody {
    pub number: String,
    pub id_number: String,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct WorklistQuery {
    /// `to_review`, `to_accept`, `to_complete`, `returned`, `due_soon`, `overdue` or
    /// `taken_in` (default `to_review`).
    pub list: Option<String>,
    /// Case number, item or applicant name contains.
    pub q: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
    serde_json::from_slice(body).map_err(|error| {
        if error.is_syntax() || error.is_eof() {
            ApiError::bad_request("malformed_json", format!("JSON 格式错误：{error}"))
        } else {
            ApiError::validation(format!("JSON 字段不符合要求：{error}"), Vec::new())
        }
    })
}

/// Takes a case in. With an `Idempotency-Key` header (1–128 printable ASCII characters), a
/// retried request returns the case the first one created (200 instead of 201) and creates
/// nothing; the same key with a different body is refused with 422.
#[utoipa::path(post, path = "/api/cases", request_body = IntakeBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "retry key")),
    responses((status = 201, body = CaseDto), (status = 200, body = CaseDto, description = "a retry of an earlier request"),
        (status = 422, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn create_case(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let key = match headers.get("idempotency-key") {
        None => None,
        Some(value) => {
            let key = value
                .to_str()
                .ok()
                .map(str::trim)
                .filter(|k| (1..=128).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "malformed_idempotency_key",
                        "Idempotency-Key 应为 1～128 个可见 ASCII 字符",
                    )
                })?;
            Some((key.to_owned(), hex::encode(Sha256::digest(&body))))
        }
    };
    let intake: IntakeBody = parse_json(&body)?;
    let clerk = Clerk::from(&staff);
    let (case, intake_event) = use_case::intake(&state.store, &clerk, &intake.input(), key).await?;
    let created = intake_event.is_some();
    let events = match intake_event {
        Some(event) => vec![event],
        None => state.store.case_events(case.id).await?,
    };
    let view = CaseView {
        events,
        calendar: state.store.working_calendar().await?,
        today: use_case::today(),
        case,
    };
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(CaseDto::from_view(&view))).into_response())
}

/// One case with its timeline (the read is audited).
#[utoipa::path(get, path = "/api/cases/{number}", params(("number" = String, Path)),
    responses((status = 200, body = CaseDto), (status = 404, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn get_case(
    State(state): State<AppState>,
    staff: Staff,
    Path(number): Path<String>,
) -> ApiResult<axum::Json<CaseDto>> {
    let view = use_case::get(&state.store, &Clerk::from(&staff), &number).await?;
    Ok(axum::Json(CaseDto::from_view(&view)))
}

/// Moves a case on: `{"action": "initial_review", "version": 1}` etc. A refused action is 422
/// with the rule's code and Chinese reason; a stale `version` is 409.
#[utoipa::path(post, path = "/api/cases/{number}/transitions", params(("number" = String, Path)),
    request_body = TransitionBody,
    responses((status = 200, body = CaseDto), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn transition_case(
    State(state): State<AppState>,
    staff: Staff,
    Path(number): Path<String>,
    body: Bytes,
) -> ApiResult<axum::Json<CaseDto>> {
    let body: TransitionBody = parse_json(&body)?;
    let view = use_case::transition(
        &state.store,
        &Clerk::from(&staff),
        &number,
        &body.action,
        body.version,
    )
    .await?;
    Ok(axum::Json(CaseDto::from_view(&view)))
}

/// How many cases each of a station's worklists holds.
#[utoipa::path(get, path = "/api/stations/{code}/worklists", params(("code" = String, Path)),
    responses((status = 200, body = [WorklistCountDto]), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn worklist_counts(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
) -> ApiResult<axum::Json<Vec<WorklistCountDto>>> {
    let counts = use_case::worklist_counts(&state.store, &Clerk::from(&staff), &code).await?;
    Ok(axum::Json(
        counts
            .into_iter()
            .map(|(list, count)| WorklistCountDto {
                list: list.as_str().to_owned(),
                label: list.label().to_owned(),
                count,
            })
            .collect(),
    ))
}

/// One page of a station's worklist, most urgent first.
#[utoipa::path(get, path = "/api/stations/{code}/cases", params(("code" = String, Path), WorklistQuery),
    responses((status = 200, body = CasePageDto), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn worklist(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    ApiQuery(query): ApiQuery<WorklistQuery>,
) -> ApiResult<axum::Json<CasePageDto>> {
    let list = Worklist::parse(query.list.as_deref().unwrap_or("to_review"))?;
    let page = use_case::worklist(
        &state.store,
        &Clerk::from(&staff),
        &code,
        list,
        query.q,
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

/// The resident's lookup by case number and ID number (no login). Personal fields are
/// masked; an unknown pair is 404.
#[utoipa::path(post, path = "/api/track", request_body = TrackBody,
    responses((status = 200, body = CaseDto), (status = 404, body = Problem), (status = 429, body = Problem)))]
async fn track_case(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
    body: Bytes,
) -> ApiResult<axum::Json<CaseDto>> {
    let body: TrackBody = parse_json(&body)?;
    let ip = crate::auth::client_ip(&parts);
    let view = use_case::resident_guarded(
        &state,
        ip.as_deref(),
        use_case::track(&state.store, &body.number, &body.id_number, ip.clone()),
    )
    .await?;
    let mut dto = CaseDto::from_view(&view);
    dto.applicant_phone = mask_id_text(&dto.applicant_phone);
    dto.applicant_name = mask_name(&dto.applicant_name);
    Ok(axum::Json(dto))
}

/// A resident's rating of a completed case.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RatingBody {
    pub number: String,
    pub id_number: String,
    /// 1 (very dissatisfied) … 5 (very satisfied).
    pub score: i64,
    #[serde(default)]
    pub comment: String,
}

/// A recorded rating.
#[derive(Debug, Serialize, ToSchema)]
pub struct RatingDto {
    pub station_code: String,
    pub score: i16,
    pub comment: String,
}

/// Ratings of one station.
#[derive(Debug, Serialize, ToSchema)]
pub struct StationRatingDto {
    pub station_code: String,
    pub station_name: String,
    pub count: i64,
    pub average: f64,
    pub poor: i64,
}

/// Rates a completed case (好差评), once, with case number and ID number (no login).
#[utoipa::path(post, path = "/api/track/rating", request_body = RatingBody,
    responses((status = 201, body = RatingDto), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem), (status = 429, body = Problem)))]
async fn rate_case(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
    body: Bytes,
) -> ApiResult<Response> {
    let body: RatingBody = parse_json(&body)?;
    let ip = crate::auth::client_ip(&parts);
    let rating = use_case::resident_guarded(
        &state,
        ip.as_deref(),
        use_case::rate(
            &state.store,
            &body.number,
            &body.id_number,
            body.score,
            &body.comment,
            ip.clone(),
        ),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(RatingDto {
            station_code: rating.station_code,
            score: rating.score,
            comment: rating.comment,
        }),
    )
        .into_response())
}

/// Ratings rolled up per station inside the caller's scope, best first.
#[utoipa::path(get, path = "/api/ratings", responses((status = 200, body = [StationRatingDto])), security(("bearer" = [])))]
async fn station_ratings(
    State(state): State<AppState>,
    staff: Staff,
) -> ApiResult<axum::Json<Vec<StationRatingDto>>> {
    let rows = use_case::station_ratings(&state.store, &Clerk::from(&staff).actor).await?;
    Ok(axum::Json(
        rows.into_iter()
            .map(|r| StationRatingDto {
                station_code: r.station_code,
                station_name: r.station_name,
                count: r.count,
                average: r.average,
                poor: r.poor,
            })
            .collect(),
    ))
}
