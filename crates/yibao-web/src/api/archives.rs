//! The policy Q&A and archive API: `POST /api/qa/ask` (public; refusals are logged),
//! `GET /api/qa/unanswered` (staff), `GET /api/archives` (staff, scoped by region, names and IDs
//! masked, highlighted snippets, pages) and `GET /api/archives/{id}` (staff; every opening is
//! audited as `archive.open`), and the knowledge-base editing `GET /api/qa/kb`,
//! `PUT /api/qa/kb/{id}` (administrators and county staff). Documented through `ArchivesDoc`.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post, put};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use yibao_store::PageRequest;

use crate::AppState;
use crate::api::{ApiJson, ApiQuery};
use crate::app::archives::{self as archive_use_case, OpenedArchive, SearchInput};
use crate::app::{Actor, qa};
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult, Problem};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/qa/ask", post(ask))
        .route("/api/qa/unanswered", get(unanswered))
        .route("/api/qa/kb", get(list_entries))
        .route("/api/qa/kb/{id}", put(save_entry))
        .route("/api/archives", get(search_archives))
        .route("/api/archives/{id}", get(open_archive))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        ask,
        unanswered,
        list_entries,
        save_entry,
        search_archives,
        open_archive
    ),
    components(schemas(
        AskBody,
        ReplyDto,
        AnswerDto,
        SourceDto,
        UnansweredDto,
        UnansweredPageDto,
        EntryDto,
        EntryBody,
        SavedEntryDto,
        ArchiveHitDto,
        ArchivePageDto,
        ArchiveDto
    ))
)]
pub struct ArchivesDoc;

/// A resident's question.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AskBody {
    /// At most 200 characters.
    pub question: String,
}

/// Where an answer comes from.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceDto {
    /// The catalog sub-item name, or null for general entries.
    pub item: Option<String>,
    pub title: String,
    /// The item's code: its guide is `/catalog/{item_code}`, the stations that handle it
    /// `/where?item={item_code}`.
    pub item_code: Option<String>,
}

/// One answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerDto {
    pub text: String,
    /// Confidence in 0..=1.
    pub score: f32,
    pub sources: Vec<SourceDto>,
}

/// The reply; when `answered` is false the one answer is the refusal offering the 12393
/// hotline or a person, and the question has been logged for editors.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReplyDto {
    pub answered: bool,
    pub answers: Vec<AnswerDto>,
}

impl From<qa::AskOutcome> for ReplyDto {
    fn from(outcome: qa::AskOutcome) -> ReplyDto {
        ReplyDto {
            answered: outcome.reply.answered,
            answers: outcome
                .reply
                .answers
                .into_iter()
                .zip(outcome.item_codes)
                .map(|(answer, code)| AnswerDto {
                    text: answer.text,
                    score: answer.score,
                    sources: answer
                        .sources
                        .into_iter()
                        .map(|source| SourceDto {
                            item: source.item,
                            title: source.title,
                            item_code: code.clone(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// Answers a policy question (no sign-in). Below the confidence threshold it refuses instead
/// of guessing and logs the question.
#[utoipa::path(post, path = "/api/qa/ask", request_body = AskBody,
    responses((status = 200, body = ReplyDto), (status = 422, body = Problem)))]
async fn ask(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<AskBody>,
) -> ApiResult<axum::Json<ReplyDto>> {
    let outcome = qa::ask(&state, &body.question, "api").await?;
    Ok(axum::Json(outcome.into()))
}

#[derive(Debug, Deserialize, IntoParams)]
struct PageQuery {
    page: Option<u32>,
    per_page: Option<u32>,
}

/// A refused question.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnansweredDto {
    pub id: i64,
    pub asked_at: String,
    pub question: String,
    pub confidence: f64,
    /// `api` or `web`.
    pub channel: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnansweredPageDto {
    pub items: Vec<UnansweredDto>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

/// Questions the Q&A refused, newest first (staff; for the knowledge-base editors).
#[utoipa::path(get, path = "/api/qa/unanswered", params(PageQuery),
    responses((status = 200, body = UnansweredPageDto), (status = 401, body = Problem)),
    security(("bearer" = [])))]
async fn unanswered(
    State(state): State<AppState>,
    _staff: Staff,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<axum::Json<UnansweredPageDto>> {
    let page = qa::unanswered(&state, PageRequest::new(query.page, query.per_page)).await?;
    Ok(axum::Json(UnansweredPageDto {
        items: page
            .items
            .into_iter()
            .map(|row| UnansweredDto {
                id: row.id,
                asked_at: row.asked_at.to_rfc3339(),
                question: row.question,
                confidence: row.confidence,
                channel: row.channel,
            })
            .collect(),
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

/// A knowledge-base entry with the edits applied.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryDto {
    pub id: String,
    pub questions: Vec<String>,
    pub answer: String,
    pub source: String,
    pub item: Option<String>,
    pub item_code: Option<String>,
    /// The version to send back when saving; null for an entry nobody edited yet.
    pub version: Option<i64>,
    pub updated_by: Option<String>,
}

/// The whole knowledge base (staff).
#[utoipa::path(get, path = "/api/qa/kb",
    responses((status = 200, body = [EntryDto]), (status = 401, body = Problem)),
    security(("bearer" = [])))]
async fn list_entries(
    State(state): State<AppState>,
    _staff: Staff,
) -> ApiResult<axum::Json<Vec<EntryDto>>> {
    let entries = qa::entries(&state).await?;
    Ok(axum::Json(
        entries
            .into_iter()
            .map(|view| EntryDto {
                id: view.entry.id,
                questions: view.entry.questions,
                answer: view.entry.answer,
                source: view.entry.source,
                item: view.entry.item,
                item_code: view.entry.item_code,
                version: view.version,
                updated_by: view.updated_by,
            })
            .collect(),
    ))
}

/// An edited or new entry.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryBody {
    /// The ways residents ask it; the first is the title.
    pub questions: Vec<String>,
    pub answer: String,
    pub source: String,
    /// A catalog sub-item name.
    #[serde(default)]
    pub item: Option<String>,
    /// The version read (`EntryDto.version`); omit for an entry nobody edited yet.
    #[serde(default)]
    pub version: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SavedEntryDto {
    pub id: String,
    pub version: i64,
}

/// Saves an entry (bureau administrators and county staff); it replaces the generated or
/// bundled entry with the same id, or adds one. The Q&A uses it from the next question.
#[utoipa::path(put, path = "/api/qa/kb/{id}", params(("id" = String, Path)), request_body = EntryBody,
    responses((status = 200, body = SavedEntryDto), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn save_entry(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<EntryBody>,
) -> ApiResult<axum::Json<SavedEntryDto>> {
    let input = qa::EntryInput {
        id: id.clone(),
        questions: body.questions,
        answer: body.answer,
        source: body.source,
        item: body.item,
        version: body.version,
    };
    let version = qa::save_entry(&state, &Actor::from(&staff), &input).await?;
    Ok(axum::Json(SavedEntryDto { id, version }))
}

#[derive(Debug, Deserialize, IntoParams)]
struct ArchiveSearchQuery {
    /// Words, a name, or a whole ID number (matched only exactly).
    q: Option<String>,
    /// Record type (类型), e.g. 零星报销.
    #[serde(rename = "type")]
    record_type: Option<String>,
    year_from: Option<i32>,
    year_to: Option<i32>,
    station: Option<String>,
    page: Option<u32>,
}

/// One hit; the holder's name is masked and ID-like text in the snippet too.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArchiveHitDto {
    pub id: i64,
    pub score: f32,
    pub person: String,
    pub record_type: String,
    pub year: i32,
    pub station: String,
    pub title: String,
    /// The snippet's text.
    pub snippet: String,
    /// Byte ranges `[from, to)` of `snippet` to highlight.
    #[schema(value_type = Vec<Vec<u64>>)]
    pub highlights: Vec<(usize, usize)>,
    /// The snippet as HTML: everything escaped, highlights in `<mark>`.
    pub snippet_html: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArchivePageDto {
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
    pub hits: Vec<ArchiveHitDto>,
}

fn blank_to_none(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

/// Searches the archives inside the caller's region (staff), 20 hits a page.
#[utoipa::path(get, path = "/api/archives", params(ArchiveSearchQuery),
    responses((status = 200, body = ArchivePageDto), (status = 401, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn search_archives(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<ArchiveSearchQuery>,
) -> ApiResult<axum::Json<ArchivePageDto>> {
    let input = SearchInput {
        text: query.q.unwrap_or_default(),
        record_type: blank_to_none(query.record_type),
        year_from: query.year_from,
        year_to: query.year_to,
        station: blank_to_none(query.station),
        page: query.page.unwrap_or(1) as usize,
    };
    let page = archive_use_case::search(&state, &Actor::from(&staff), &input).await?;
    Ok(axum::Json(ArchivePageDto {
        total: page.total,
        page: page.page,
        per_page: page.per_page,
        hits: page
            .hits
            .into_iter()
            .map(|hit| ArchiveHitDto {
                id: hit.id,
                score: hit.score,
                person: hit.person,
                record_type: hit.record_type,
                year: hit.year,
                station: hit.station,
                title: hit.title,
                snippet_html: hit.snippet.to_html(),
                snippet: hit.snippet.text,
                highlights: hit.snippet.highlights,
            })
            .collect(),
    }))
}

/// An opened record: the name in full, ID numbers masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArchiveDto {
    pub id: i64,
    pub record_number: String,
    pub person_name: String,
    pub id_number_masked: Option<String>,
    pub record_type: String,
    pub year: i64,
    pub station: String,
    pub region_code: String,
    pub title: String,
    pub text: String,
    pub source_file: String,
    pub updated_at: String,
}

impl From<OpenedArchive> for ArchiveDto {
    fn from(opened: OpenedArchive) -> ArchiveDto {
        let record = opened.record;
        ArchiveDto {
            id: record.id,
            record_number: record.record_number,
            person_name: record.person_name,
            id_number_masked: opened.id_masked,
            record_type: record.record_type,
            year: record.year,
            station: record.station,
            region_code: record.region_code,
            title: opened.title,
            text: opened.text,
            source_file: record.source_file,
            updated_at: record.updated_at.to_rfc3339(),
        }
    }
}

/// Opens one record (staff, inside their region); the opening is written to the audit log.
#[utoipa::path(get, path = "/api/archives/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = ArchiveDto), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn open_archive(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<ArchiveDto>> {
    let id: i64 = id.parse().map_err(|_| ApiError::not_found("档案不存在"))?;
    let opened = archive_use_case::open(&state, &Actor::from(&staff), id).await?;
    Ok(axum::Json(opened.into()))
}
