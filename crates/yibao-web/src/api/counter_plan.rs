//! The tidal window planner's JSON API (潮汐窗口): the plan of one station-day (JSON and CSV)
//! and the import of ticket history from a previous queue system. Staff only, scoped by region.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use utoipa::OpenApi;

use crate::AppState;
use crate::api::ApiQuery;
use crate::app::Actor;
use crate::app::counter::today;
use crate::app::counter_plan::{self, PlanQuery, StationPlan};
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult, Problem};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/counter/stations/{station}/plan", get(plan))
        .route("/api/counter/stations/{station}/plan.csv", get(plan_csv))
        .route(
            "/api/counter/stations/{station}/ticket-history",
            post(import_history),
        )
}

#[derive(OpenApi)]
#[openapi(paths(plan, plan_csv, import_history))]
pub struct CounterPlanApiDoc;

async fn load(
    state: &AppState,
    staff: &Staff,
    station: &str,
    query: &PlanQuery,
) -> ApiResult<StationPlan> {
    let request = query.to_request(today())?;
    counter_plan::plan_day(&state.store, &Actor::from(staff), station, request).await
}

/// The tidal window plan of one station-day: the forecast per category and slot, the
/// lag-aware plan and the naive per-slot Erlang C plan, the best static layout, and every
/// layout replayed in the simulator (mean, P90 and max wait, abandonment).
#[utoipa::path(get, path = "/api/counter/stations/{station}/plan", params(("station" = String, Path), PlanQuery),
    responses((status = 200, description = "the plan and its replays"), (status = 422, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn plan(
    State(state): State<AppState>,
    staff: Staff,
    Path(station): Path<String>,
    ApiQuery(query): ApiQuery<PlanQuery>,
) -> ApiResult<Response> {
    let plan = load(&state, &staff, &station, &query).await?;
    Ok(axum::Json(plan).into_response())
}

/// The plan slot by slot as CSV (forecast, windows per category, each window's category).
#[utoipa::path(get, path = "/api/counter/stations/{station}/plan.csv", params(("station" = String, Path), PlanQuery),
    responses((status = 200, content_type = "text/csv"), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn plan_csv(
    State(state): State<AppState>,
    staff: Staff,
    Path(station): Path<String>,
    ApiQuery(query): ApiQuery<PlanQuery>,
) -> ApiResult<Response> {
    let plan = load(&state, &staff, &station, &query).await?;
    let disposition = format!(
        "attachment; filename=\"tidal-plan-{}-{}.csv\"",
        plan.station_code, plan.request.date
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        counter_plan::plan_csv(&plan),
    )
        .into_response())
}

/// Imports ticket history (CSV `date,time,category[,service_min][,priority]`; category by
/// prefix or name). Days already imported are replaced; a bad row refuses the whole file.
#[utoipa::path(post, path = "/api/counter/stations/{station}/ticket-history", params(("station" = String, Path)),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 201, description = "what was imported"), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn import_history(
    State(state): State<AppState>,
    staff: Staff,
    Path(station): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::bad_request("malformed_csv", "CSV 文件应为 UTF-8 编码"))?;
    let summary =
        counter_plan::import_history(&state.store, &Actor::from(&staff), &station, text).await?;
    Ok((StatusCode::CREATED, axum::Json(summary)).into_response())
}
