//! The JSON API under `/api`, described by the OpenAPI document at `/api/openapi.json`.
//!
//! Every handler is thin: parse the request into domain values, call `crate::app`, convert the
//! result to a DTO. Errors are problem JSON (`crate::error`).

pub mod archives;
pub mod cases;
pub mod counter;
pub mod counter_plan;
pub mod dto;
pub mod handoffs;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};
use yibao_domain::{
    Catalog, GeoPoint, HandlingMode, HostType, RegionCode, RegionLevel, ServiceItem, StationLevel,
};
use yibao_store::{
    AuditFilter, PageRequest, RegionFilter, StationFilter, StationSort, StationStatus,
};

use crate::AppState;
use crate::app::{self, Actor};
use crate::auth::{self, Staff};
use crate::error::{ApiError, ApiResult, Problem};
use dto::*;

/// JSON body extractor whose rejections are problem JSON.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// Query extractor whose rejections are problem JSON.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::JsonRejection) -> ApiError {
        use axum::extract::rejection::JsonRejection::*;
        match rejection {
            MissingJsonContentType(_) => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "请求体应为 JSON（Content-Type: application/json）",
            ),
            JsonSyntaxError(error) => ApiError::bad_request(
                "malformed_json",
                format!("JSON 格式错误：{}", error.body_text()),
            ),
            JsonDataError(error) => ApiError::validation(
                format!("JSON 字段不符合要求：{}", error.body_text()),
                Vec::new(),
            ),
            other => ApiError::bad_request(
                "malformed_json",
                format!("无法读取请求体：{}", other.body_text()),
            ),
        }
    }
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::QueryRejection) -> ApiError {
        ApiError::bad_request(
            "malformed_query",
            format!("查询参数有误：{}", rejection.body_text()),
        )
    }
}

fn parse_region(text: &str) -> ApiResult<RegionCode> {
    Ok(RegionCode::parse(text)?)
}

fn parse_mode(text: &str) -> ApiResult<HandlingMode> {
    Ok(text.parse::<HandlingMode>()?)
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/openapi.json", get(openapi_json))
        .route("/api/session", post(login).delete(logout).get(whoami))
        .route("/api/regions", get(list_regions))
        .route("/api/regions/population", post(import_population))
        .route("/api/regions/{code}", get(get_region))
        .route("/api/regions/{code}/boundary", get(region_boundary))
        .route("/api/stations", get(list_stations).post(create_station))
        .route("/api/stations.csv", get(export_stations))
        .route("/api/stations/import", post(import_stations))
        .route("/api/stations/{code}", get(get_station).put(update_station))
        .route("/api/stations/{code}/close", post(close_station))
        .route("/api/stations/{code}/delegations", get(station_delegations))
        .route(
            "/api/stations/{code}/delegations/{item}",
            put(set_delegation),
        )
        .route("/api/delegations/bulk", post(bulk_delegation))
        .route("/api/items", get(list_items))
        .route("/api/items/{code}", get(get_item).put(update_item))
        .route("/api/items/{code}/history", get(item_history))
        .route("/api/catalog", post(import_catalog))
        .route("/api/catalog.toml", get(export_catalog_toml))
        .route("/api/catalog.csv", get(export_catalog_csv))
        .route("/api/where", get(where_to_go))
        .route("/api/coverage", get(get_coverage))
        .route("/api/plans", post(create_plan))
        .route("/api/users", get(list_users).post(create_user))
        .route("/api/audit", get(list_audit))
        .merge(counter::router())
        .merge(counter_plan::router())
        .merge(cases::router())
        .merge(archives::router())
        .merge(handoffs::router())
        .fallback(api_not_found)
}

async fn api_not_found() -> ApiError {
    ApiError::not_found("接口不存在")
}

#[derive(OpenApi)]
#[openapi(
    info(title = "医保服务圈 Yibao Circle API", description = "站点网络、事项目录与下沉授权。错误以 application/problem+json 返回。"),
    paths(
        health, login, logout, whoami, list_regions, get_region, region_boundary, list_stations, create_station,
        export_stations, import_stations, get_station, update_station, close_station, station_delegations,
        set_delegation, bulk_delegation, list_items, get_item, update_item, item_history, import_catalog,
        export_catalog_toml, export_catalog_csv, where_to_go, list_users, create_user, list_audit,
        get_coverage, create_plan, import_population
    ),
    components(schemas(Problem)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

async fn openapi_json() -> Response {
    let mut doc = ApiDoc::openapi();
    doc.merge(counter::CounterApiDoc::openapi());
    doc.merge(counter_plan::CounterPlanApiDoc::openapi());
    doc.merge(cases::CasesDoc::openapi());
    doc.merge(archives::ArchivesDoc::openapi());
    doc.merge(handoffs::HandoffsDoc::openapi());
    let body = doc.to_pretty_json().unwrap_or_default();
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Liveness and database check.
#[utoipa::path(get, path = "/api/health", responses((status = 200, body = HealthDto), (status = 503, body = Problem)))]
async fn health(State(state): State<AppState>) -> ApiResult<axum::Json<HealthDto>> {
    state.store.ping().await.map_err(|_| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            "数据库不可用",
        )
    })?;
    let database = match state.store.backend() {
        yibao_store::Backend::Sqlite => "sqlite",
        yibao_store::Backend::Postgres => "postgres",
    };
    Ok(axum::Json(HealthDto {
        status: "ok".into(),
        database: database.into(),
        version: env!("CARGO_PKG_VERSION").into(),
    }))
}

/// Signs in; returns a bearer token. Repeated failures are rate limited (429).
#[utoipa::path(post, path = "/api/session", request_body = LoginBody,
    responses((status = 201, body = SessionDto), (status = 401, body = Problem), (status = 429, body = Problem)))]
async fn login(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
    ApiJson(body): ApiJson<LoginBody>,
) -> ApiResult<Response> {
    let ip = auth::client_ip(&parts);
    let (session, token) = crate::sign_in(&state, &body.username, &body.password, ip).await?;
    let dto = SessionDto {
        token,
        expires_at: session.1,
        user: session.0.into(),
    };
    Ok((StatusCode::CREATED, axum::Json(dto)).into_response())
}

/// Signs out the current session.
#[utoipa::path(delete, path = "/api/session", responses((status = 204)), security(("bearer" = [])))]
async fn logout(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<StatusCode> {
    if let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        state
            .store
            .delete_session(&auth::token_hash(token.trim()))
            .await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in account.
#[utoipa::path(get, path = "/api/session", responses((status = 200, body = UserDto), (status = 401, body = Problem)), security(("bearer" = [])))]
async fn whoami(staff: Staff) -> axum::Json<UserDto> {
    axum::Json(staff.user.into())
}

#[derive(Debug, Deserialize, IntoParams)]
struct RegionListQuery {
    /// Children of this region.
    parent: Option<String>,
    /// province, city, county, town or village.
    level: Option<String>,
    /// Part of the name.
    q: Option<String>,
    page: Option<u32>,
    per_page: Option<u32>,
}

/// Lists regions inside the caller's scope.
#[utoipa::path(get, path = "/api/regions", params(RegionListQuery),
    responses((status = 200, body = RegionPage), (status = 400, body = Problem)), security(("bearer" = [])))]
async fn list_regions(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<RegionListQuery>,
) -> ApiResult<axum::Json<RegionPage>> {
    let filter = RegionFilter {
        parent: query.parent.as_deref().map(parse_region).transpose()?,
        level: query
            .level
            .as_deref()
            .map(str::parse::<RegionLevel>)
            .transpose()?,
        name: query.q.filter(|q| !q.trim().is_empty()),
        scope: staff.scope().cloned(),
    };
    let page = state
        .store
        .list_regions(&filter, PageRequest::new(query.page, query.per_page))
        .await?;
    Ok(axum::Json(page.into()))
}

/// One region.
#[utoipa::path(get, path = "/api/regions/{code}", params(("code" = String, Path)),
    responses((status = 200, body = RegionDto), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn get_region(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
) -> ApiResult<axum::Json<RegionDto>> {
    let code = parse_region(&code)?;
    let region = state
        .store
        .get_region(&code)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("行政区划“{code}”不存在")))?;
    if let Some(scope) = staff.scope() {
        // Ancestors of the scope are visible (for breadcrumbs); other branches are not.
        if !scope.contains(&code) && !code.contains(scope) {
            staff.ensure_in_scope(&code)?;
        }
    }
    Ok(axum::Json(region.into()))
}

/// The region's boundary as GeoJSON (WGS-84), where one was imported.
#[utoipa::path(get, path = "/api/regions/{code}/boundary", params(("code" = String, Path)),
    responses((status = 200, description = "GeoJSON FeatureCollection"), (status = 404, body = Problem)))]
async fn region_boundary(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Response> {
    let code = parse_region(&code)?;
    let geojson = state
        .store
        .boundary(&code)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("区划“{code}”没有边界数据")))?;
    Ok(([(header::CONTENT_TYPE, "application/geo+json")], geojson).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
struct StationListQuery {
    /// Stations inside this region (any level).
    region: Option<String>,
    level: Option<String>,
    host_type: Option<String>,
    /// open or closed.
    status: Option<String>,
    /// Part of the name or code.
    q: Option<String>,
    /// region (default), code, name, level or updated.
    sort: Option<String>,
    page: Option<u32>,
    per_page: Option<u32>,
}

fn station_filter(staff: &Staff, query: &StationListQuery) -> ApiResult<StationFilter> {
    let region = query
        .region
        .as_deref()
        .filter(|r| !r.is_empty())
        .map(parse_region)
        .transpose()?;
    if let Some(region) = &region
        && staff
            .scope()
            .is_some_and(|scope| !scope.contains(region) && !region.contains(scope))
    {
        staff.ensure_in_scope(region)?;
    }
    let status = match query.status.as_deref() {
        None | Some("") => None,
        Some("open") => Some(StationStatus::Open),
        Some("closed") => Some(StationStatus::Closed),
        Some(other) => {
            return Err(ApiError::bad_request(
                "malformed_query",
                format!("status 应为 open 或 closed，而不是“{other}”"),
            ));
        }
    };
    let sort = match query.sort.as_deref() {
        None | Some("") => StationSort::default(),
        Some(text) => StationSort::parse(text).ok_or_else(|| {
            ApiError::bad_request(
                "malformed_query",
                format!("sort 应为 region、code、name、level 或 updated，而不是“{text}”"),
            )
        })?,
    };
    Ok(StationFilter {
        region,
        scope: staff.scope().cloned(),
        level: query
            .level
            .as_deref()
            .filter(|l| !l.is_empty())
            .map(str::parse::<StationLevel>)
            .transpose()?,
        host_type: query
            .host_type
            .as_deref()
            .filter(|h| !h.is_empty())
            .map(str::parse::<HostType>)
            .transpose()?,
        status,
        query: query.q.clone().filter(|q| !q.trim().is_empty()),
        sort,
    })
}

/// Lists stations inside the caller's scope, filtered, sorted and paged.
#[utoipa::path(get, path = "/api/stations", params(StationListQuery),
    responses((status = 200, body = StationPage), (status = 400, body = Problem), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn list_stations(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<StationListQuery>,
) -> ApiResult<axum::Json<StationPage>> {
    let filter = station_filter(&staff, &query)?;
    let page = state
        .store
        .list_stations(&filter, PageRequest::new(query.page, query.per_page))
        .await?;
    Ok(axum::Json(page.into()))
}

/// Registers a station.
#[utoipa::path(post, path = "/api/stations", request_body = StationBody,
    responses((status = 201, body = StationDto), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn create_station(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(body): ApiJson<StationBody>,
) -> ApiResult<Response> {
    let station = app::stations::create(&state.store, &Actor::from(&staff), &body.input()).await?;
    let location = format!("/api/stations/{}", station.code);
    let mut response = (StatusCode::CREATED, axum::Json(StationDto::from(station))).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// Exports the stations in scope as CSV (same columns as the import).
#[utoipa::path(get, path = "/api/stations.csv", params(StationListQuery),
    responses((status = 200, content_type = "text/csv")), security(("bearer" = [])))]
async fn export_stations(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<StationListQuery>,
) -> ApiResult<Response> {
    let filter = station_filter(&staff, &query)?;
    let stations = app::stations::all(&state.store, &filter).await?;
    let csv = format!("\u{feff}{}", app::stations::to_csv(&stations));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"stations.csv\"",
            ),
        ],
        csv,
    )
        .into_response())
}

/// Imports stations from CSV: all rows or none; every bad row is reported with its line.
#[utoipa::path(post, path = "/api/stations/import", request_body(content = String, content_type = "text/csv"),
    responses((status = 201, body = ImportDto), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn import_stations(
    State(state): State<AppState>,
    staff: Staff,
    body: Bytes,
) -> ApiResult<Response> {
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::bad_request("malformed_csv", "CSV 文件应为 UTF-8 编码"))?;
    let report = app::stations::import_csv(&state.store, &Actor::from(&staff), text).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(ImportDto {
            imported: report.imported,
        }),
    )
        .into_response())
}

/// One station.
#[utoipa::path(get, path = "/api/stations/{code}", params(("code" = String, Path)),
    responses((status = 200, body = StationDto), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn get_station(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
) -> ApiResult<axum::Json<StationDto>> {
    let station = app::stations::get(&state.store, &Actor::from(&staff), &code).await?;
    Ok(axum::Json(station.into()))
}

/// Replaces a station's fields; `version` must be the one read (else 409).
#[utoipa::path(put, path = "/api/stations/{code}", params(("code" = String, Path)), request_body = StationBody,
    responses((status = 200, body = StationDto), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn update_station(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<StationBody>,
) -> ApiResult<axum::Json<StationDto>> {
    let version = body
        .version
        .ok_or_else(|| ApiError::validation("更新站点须提供读取时的 version", Vec::new()))?;
    let station = app::stations::update(
        &state.store,
        &Actor::from(&staff),
        &code,
        &body.input(),
        version,
    )
    .await?;
    Ok(axum::Json(station.into()))
}

/// Closes a station (its delegations end; its history stays).
#[utoipa::path(post, path = "/api/stations/{code}/close", params(("code" = String, Path)), request_body = CloseBody,
    responses((status = 200, body = StationDto), (status = 409, body = Problem)), security(("bearer" = [])))]
async fn close_station(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<CloseBody>,
) -> ApiResult<axum::Json<StationDto>> {
    let station = app::stations::close(
        &state.store,
        &Actor::from(&staff),
        &code,
        &body.reason,
        body.version,
    )
    .await?;
    Ok(axum::Json(station.into()))
}

/// The station's row of the delegation matrix: every catalog item with its mode.
#[utoipa::path(get, path = "/api/stations/{code}/delegations", params(("code" = String, Path)),
    responses((status = 200, body = [DelegationDto]), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn station_delegations(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
) -> ApiResult<axum::Json<Vec<DelegationDto>>> {
    let station = app::stations::get(&state.store, &Actor::from(&staff), &code).await?;
    let delegations = state.store.station_delegations(&code).await?;
    let items = state.store.list_items().await?;
    let rows = items
        .iter()
        .map(|item| {
            delegation_dto(
                item,
                delegations.iter().find(|d| d.item_code == item.item.code),
                station.level,
            )
        })
        .collect();
    Ok(axum::Json(rows))
}

/// Sets how a station handles an item. Completing an item below its guide level needs an
/// administrator and `override_reason` (audited).
#[utoipa::path(put, path = "/api/stations/{code}/delegations/{item}", params(("code" = String, Path), ("item" = String, Path)),
    request_body = DelegationBody,
    responses((status = 204), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn set_delegation(
    State(state): State<AppState>,
    staff: Staff,
    Path((code, item)): Path<(String, String)>,
    ApiJson(body): ApiJson<DelegationBody>,
) -> ApiResult<StatusCode> {
    let mode = parse_mode(&body.mode)?;
    app::delegation::set(
        &state.store,
        &Actor::from(&staff),
        &code,
        &item,
        mode,
        body.override_reason.as_deref(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Applies one mode for several items to every open station of a level inside a region.
#[utoipa::path(post, path = "/api/delegations/bulk", request_body = BulkDelegationBody,
    responses((status = 200, body = BulkDelegationDto), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn bulk_delegation(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(body): ApiJson<BulkDelegationBody>,
) -> ApiResult<axum::Json<BulkDelegationDto>> {
    let region = parse_region(&body.region_code)?;
    let level = body.level.parse::<StationLevel>()?;
    let mode = parse_mode(&body.mode)?;
    let report = app::delegation::apply_by_level(
        &state.store,
        &Actor::from(&staff),
        &region,
        level,
        &body.items,
        mode,
        body.override_reason.as_deref(),
    )
    .await?;
    Ok(axum::Json(BulkDelegationDto {
        stations: report.stations,
        items: report.items,
        cells: report.cells,
    }))
}

/// The catalog's items in order (public).
#[utoipa::path(get, path = "/api/items", responses((status = 200, body = [ItemDto])))]
async fn list_items(State(state): State<AppState>) -> ApiResult<axum::Json<Vec<ItemDto>>> {
    let items = state.store.list_items().await?;
    Ok(axum::Json(items.into_iter().map(ItemDto::from).collect()))
}

/// One item with its guide (public).
#[utoipa::path(get, path = "/api/items/{code}", params(("code" = String, Path)),
    responses((status = 200, body = ItemDto), (status = 404, body = Problem)))]
async fn get_item(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<axum::Json<ItemDto>> {
    let item = state
        .store
        .get_item(&code)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("事项“{code}”不存在")))?;
    Ok(axum::Json(item.into()))
}

/// Replaces an item's guide (administrators); the old revision stays in the history.
#[utoipa::path(put, path = "/api/items/{code}", params(("code" = String, Path)), request_body = ItemUpdateBody,
    responses((status = 200, body = ItemDto), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn update_item(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<ItemUpdateBody>,
) -> ApiResult<axum::Json<ItemDto>> {
    let item: ServiceItem = serde_json::from_value(body.item).map_err(|error| {
        ApiError::validation(format!("事项内容不符合要求：{error}"), Vec::new())
    })?;
    if item.code != code {
        return Err(ApiError::validation("事项编码不可修改", Vec::new()));
    }
    let stored = app::catalog::update_item(
        &state.store,
        &Actor::from(&staff),
        &item,
        body.version,
        &body.note,
    )
    .await?;
    Ok(axum::Json(stored.into()))
}

/// Every revision of an item, newest first.
#[utoipa::path(get, path = "/api/items/{code}/history", params(("code" = String, Path)),
    responses((status = 200, body = [ItemRevisionDto])))]
async fn item_history(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<axum::Json<Vec<ItemRevisionDto>>> {
    let history = state.store.item_history(&code).await?;
    if history.is_empty() {
        return Err(ApiError::not_found(format!("事项“{code}”不存在")));
    }
    Ok(axum::Json(
        history.into_iter().map(ItemRevisionDto::from).collect(),
    ))
}

/// Imports a catalog: TOML (`application/toml`) or long CSV (`text/csv`, catalog info from
/// the stored catalog).
#[utoipa::path(post, path = "/api/catalog", request_body(content = String, content_type = "application/toml"),
    responses((status = 200, body = CatalogImportDto), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn import_catalog(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<axum::Json<CatalogImportDto>> {
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::bad_request("malformed_body", "目录文件应为 UTF-8 编码"))?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let catalog = if content_type.starts_with("text/csv") {
        let info = app::catalog::export(&state.store).await?.catalog;
        Catalog::from_csv(info, text).map_err(|errors| {
            ApiError::validation(
                format!("目录 CSV 有 {} 处错误，未导入", errors.len()),
                errors
                    .into_iter()
                    .map(|(line, message)| crate::error::ProblemField {
                        field: "row".into(),
                        message,
                        line: Some(line),
                    })
                    .collect(),
            )
        })?
    } else {
        Catalog::from_toml(text)?
    };
    let changed =
        app::catalog::import(&state.store, &Actor::from(&staff), &catalog, "导入目录").await?;
    Ok(axum::Json(CatalogImportDto {
        items: catalog.items.len(),
        changed,
    }))
}

/// The stored catalog as TOML (public).
#[utoipa::path(get, path = "/api/catalog.toml", responses((status = 200, content_type = "application/toml")))]
async fn export_catalog_toml(State(state): State<AppState>) -> ApiResult<Response> {
    let catalog = app::catalog::export(&state.store).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/toml; charset=utf-8")],
        catalog.to_toml(),
    )
        .into_response())
}

/// The stored catalog as long CSV, one row per item and material (public).
#[utoipa::path(get, path = "/api/catalog.csv", responses((status = 200, content_type = "text/csv")))]
async fn export_catalog_csv(State(state): State<AppState>) -> ApiResult<Response> {
    let catalog = app::catalog::export(&state.store).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"catalog.csv\"",
            ),
        ],
        format!("\u{feff}{}", catalog.to_csv()),
    )
        .into_response())
}

/// Where can I handle item X: open stations that handle it near a point, nearest first
/// (public, for residents).
#[utoipa::path(get, path = "/api/where", params(WhereQuery),
    responses((status = 200, body = WhereDto), (status = 400, body = Problem), (status = 404, body = Problem)))]
async fn where_to_go(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<WhereQuery>,
) -> ApiResult<axum::Json<WhereDto>> {
    let point = GeoPoint::new(query.lon, query.lat)?;
    let (item, stations) = app::delegation::nearest(
        &state.store,
        &query.item,
        point,
        None,
        query.complete_only,
        query.limit.unwrap_or(5),
    )
    .await?;
    Ok(axum::Json(WhereDto {
        item_code: item.item.code.clone(),
        item_name: item.item.name.clone(),
        time_limit: item.item.time_limit.label(),
        stations: stations
            .into_iter()
            .map(|nearby| NearbyDto {
                mode: nearby.mode.as_str().to_owned(),
                mode_label: nearby.mode.label().to_owned(),
                distance_m: (nearby.distance_m * 10.0).round() / 10.0,
                station: nearby.station.into(),
            })
            .collect(),
    }))
}

fn coverage_dto(report: &app::coverage::CoverageReport) -> CoverageDto {
    CoverageDto {
        region_code: report.region.code.to_string(),
        region_name: report.region.name.clone(),
        item_code: report.item_code.clone(),
        item_name: report.item_name.clone(),
        mode: report.mode.as_str().to_owned(),
        minutes: report.minutes,
        complete_only: report.complete_only,
        method: app::coverage::METHOD.to_owned(),
        method_label: app::coverage::method_label(report.detour),
        detour_factor: report.detour,
        speed_kmh: yibao_routing::estimate::estimate_speed_kmh(report.mode),
        stations: report.stations.len(),
        total_population: report.total_population,
        covered_population: report.covered_population,
        share: report.share,
        towns: report
            .towns
            .iter()
            .map(|t| TownCoverageDto {
                code: t.code.clone(),
                name: t.name.clone(),
                population: t.population,
                covered: t.covered,
                share: t.share,
            })
            .collect(),
        uncovered: report
            .uncovered()
            .into_iter()
            .map(|v| UncoveredVillageDto {
                code: v.code.clone(),
                name: v.name.clone(),
                population: v.population,
                minutes: v.minutes,
            })
            .collect(),
        points: report
            .villages
            .iter()
            .map(|v| CoveragePointDto {
                code: v.code.clone(),
                lon: v.lon,
                lat: v.lat,
                population: v.population,
                minutes: v.minutes,
                station: v.station.clone(),
                covered: v.covered,
            })
            .collect(),
    }
}

fn parse_minutes(text: Option<&str>) -> ApiResult<f64> {
    match text.map(str::trim) {
        None | Some("") => Ok(15.0),
        Some(text) => text.parse::<f64>().map_err(|_| {
            ApiError::validation(
                format!("时间“{text}”无效：应为分钟数"),
                vec![crate::error::ProblemField {
                    field: "minutes".into(),
                    message: "应为 0 到 120 之间的分钟数".into(),
                    line: None,
                }],
            )
        }),
    }
}

fn parse_coverage_region(text: &str) -> ApiResult<RegionCode> {
    RegionCode::parse(text.trim()).map_err(|error| {
        ApiError::validation(
            error.to_string(),
            vec![crate::error::ProblemField {
                field: "region".into(),
                message: "应为县区或乡镇街道代码".into(),
                line: None,
            }],
        )
    })
}

/// 15-minute coverage of a county or town for one item: which villages reach an open station
/// handling it within the time. Travel times are straight-line estimates (`method`).
#[utoipa::path(get, path = "/api/coverage", params(CoverageParams),
    responses((status = 200, body = CoverageDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn get_coverage(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(params): ApiQuery<CoverageParams>,
) -> ApiResult<axum::Json<CoverageDto>> {
    let query = app::coverage::CoverageQuery {
        region: parse_coverage_region(&params.region)?,
        item: params.item.trim().to_owned(),
        mode: app::coverage::parse_travel_mode(params.mode.as_deref().unwrap_or("walk"))?,
        minutes: parse_minutes(params.minutes.as_deref())?,
        complete_only: params.complete_only,
    };
    let report = app::coverage::coverage(&state.store, &Actor::from(&staff), &query).await?;
    Ok(axum::Json(coverage_dto(&report)))
}

/// Where to add K stations: villages without a handling station chosen to maximise the newly
/// covered population (maximal covering), with an upper bound and the optimality gap.
#[utoipa::path(post, path = "/api/plans", request_body = PlanBody,
    responses((status = 200, body = PlanDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn create_plan(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(body): ApiJson<PlanBody>,
) -> ApiResult<axum::Json<PlanDto>> {
    let query = app::coverage::CoverageQuery {
        region: parse_coverage_region(&body.region)?,
        item: body.item.trim().to_owned(),
        mode: app::coverage::parse_travel_mode(&body.mode)?,
        minutes: body.minutes,
        complete_only: body.complete_only,
    };
    let plan = app::coverage::plan(&state.store, &Actor::from(&staff), &query, body.sites).await?;
    Ok(axum::Json(PlanDto {
        region_code: plan.coverage.region.code.to_string(),
        item_code: plan.coverage.item_code.clone(),
        mode: plan.coverage.mode.as_str().to_owned(),
        minutes: plan.coverage.minutes,
        method: app::coverage::METHOD.to_owned(),
        method_label: app::coverage::method_label(plan.coverage.detour),
        sites_requested: plan.sites_requested,
        candidates: plan.candidates,
        objective: plan.objective,
        upper_bound: plan.upper_bound,
        gap: plan.gap,
        proven_optimal: plan.proven_optimal,
        covered_before: plan.coverage.covered_population,
        total_population: plan.coverage.total_population,
        sites: plan
            .sites
            .into_iter()
            .map(|s| ProposedSiteDto {
                code: s.code,
                name: s.name,
                lon: s.lon,
                lat: s.lat,
                newly_covered: s.newly_covered,
            })
            .collect(),
    }))
}

/// Imports village populations from CSV `region_code,population[,lon,lat]`: all rows or none,
/// every bad row named by line; network managers only; audited. Imported values are marked as
/// not generated.
#[utoipa::path(post, path = "/api/regions/population", request_body(content = String, content_type = "text/csv"),
    responses((status = 201, body = ImportDto), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn import_population(
    State(state): State<AppState>,
    staff: Staff,
    body: Bytes,
) -> ApiResult<Response> {
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::bad_request("malformed_csv", "CSV 文件应为 UTF-8 编码"))?;
    let imported =
        app::coverage::import_population_csv(&state.store, &Actor::from(&staff), text).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(ImportDto {
            imported: imported as u64,
        }),
    )
        .into_response())
}

/// Staff accounts inside the caller's scope (administrators). Reading names is a
/// personal-data read and is audited.
#[utoipa::path(get, path = "/api/users", responses((status = 200, body = [UserDto]), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn list_users(
    State(state): State<AppState>,
    staff: Staff,
) -> ApiResult<axum::Json<Vec<UserDto>>> {
    staff.require_admin()?;
    let users = state.store.list_users(staff.scope()).await?;
    let actor = Actor::from(&staff);
    let mut audit = actor
        .audit("user.list", "user", "*")
        .detail(serde_json::json!({ "count": users.len() }));
    if let Some(scope) = staff.scope() {
        audit = audit.region(scope.as_str());
    }
    state.store.append_audit(&audit).await?;
    Ok(axum::Json(users.into_iter().map(UserDto::from).collect()))
}

/// Creates a staff account (administrators, inside their scope).
#[utoipa::path(post, path = "/api/users", request_body = NewUserBody,
    responses((status = 201, body = UserDto), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn create_user(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(body): ApiJson<NewUserBody>,
) -> ApiResult<Response> {
    let role = yibao_store::Role::parse(&body.role)
        .ok_or_else(|| ApiError::validation(format!("角色“{}”无效", body.role), Vec::new()))?;
    let input = app::users::UserInput {
        username: body.username,
        display_name: body.display_name,
        role,
        region_scope: body
            .region_scope
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(parse_region)
            .transpose()?,
        station_code: body.station_code.filter(|s| !s.is_empty()),
        password: body.password,
    };
    let user = app::users::create(&state.store, &Actor::from(&staff), &input).await?;
    Ok((StatusCode::CREATED, axum::Json(UserDto::from(user))).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
struct AuditQuery {
    actor: Option<String>,
    entity: Option<String>,
    entity_id: Option<String>,
    page: Option<u32>,
    per_page: Option<u32>,
}

/// The audit log inside the caller's scope, newest first (administrators).
#[utoipa::path(get, path = "/api/audit", params(AuditQuery), responses((status = 200, body = AuditPage), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn list_audit(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> ApiResult<axum::Json<AuditPage>> {
    staff.require_admin()?;
    let filter = AuditFilter {
        scope: staff.scope().map(|s| s.to_string()),
        actor: query.actor.filter(|s| !s.is_empty()),
        entity: query.entity.filter(|s| !s.is_empty()),
        entity_id: query.entity_id.filter(|s| !s.is_empty()),
    };
    let page = state
        .store
        .list_audit(&filter, PageRequest::new(query.page, query.per_page))
        .await?;
    Ok(axum::Json(page.into()))
}
