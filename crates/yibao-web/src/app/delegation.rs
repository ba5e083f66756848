//! Setting the delegation matrix (one cell, or a whole level at once) under the guide's level
//! rule, and answering "where can I handle item X near here".

use serde::Serialize;
use serde_json::json;
use yibao_domain::{
    GeoPoint, HandlingMode, LevelCheck, RegionCode, StationLevel, check_mode_allowed,
};
use yibao_store::{DelegationChange, Station, StationFilter, StationStatus, Store, StoredItem};

use super::Actor;
use crate::error::{ApiError, ProblemField};

/// Checks one change against the level rule; an override needs an administrator and a reason.
fn check_level(
    actor: &Actor,
    station: &Station,
    item: &StoredItem,
    mode: HandlingMode,
    reason: Option<&str>,
) -> Result<Option<String>, ApiError> {
    match check_mode_allowed(station.level, &item.item, mode) {
        LevelCheck::Allowed => Ok(None),
        LevelCheck::NeedsOverride { message } => {
            let reason = reason.map(str::trim).filter(|r| !r.is_empty());
            match reason {
                None => Err(ApiError::new(
                    axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                    "level_override_required",
                    message,
                )),
                Some(_) if !actor.role.is_admin() => Err(ApiError::forbidden(format!(
                    "{message}（只有医保局管理员可以越级授权）"
                ))),
                Some(reason) => Ok(Some(reason.to_owned())),
            }
        }
    }
}

async fn item(store: &Store, code: &str) -> Result<StoredItem, ApiError> {
    store
        .get_item(code)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("事项“{code}”不存在")))
}

/// Sets one cell of the matrix.
pub async fn set(
    store: &Store,
    actor: &Actor,
    station_code: &str,
    item_code: &str,
    mode: HandlingMode,
    reason: Option<&str>,
) -> Result<(), ApiError> {
    actor.require_network_manager()?;
    let station = super::stations::get(store, actor, station_code).await?;
    if station.status == StationStatus::Closed {
        return Err(ApiError::conflict(
            "station_closed",
            format!("站点“{station_code}”已撤销"),
        ));
    }
    let item = item(store, item_code).await?;
    let override_reason = check_level(actor, &station, &item, mode, reason)?;
    let action = if override_reason.is_some() {
        "delegation.override"
    } else {
        "delegation.set"
    };
    let audit = actor
        .audit(action, "station", station_code)
        .region(station.region_code.as_str())
        .detail(
            json!({ "item": item_code, "mode": mode.as_str(), "override_reason": override_reason }),
        );
    let change = DelegationChange {
        station_code: station_code.to_owned(),
        item_code: item_code.to_owned(),
        mode,
        override_reason,
    };
    store
        .apply_delegations(&[change], &actor.username, &audit)
        .await?;
    Ok(())
}

/// What a bulk application did.
#[derive(Debug, Clone, Serialize)]
pub struct BulkReport {
    pub stations: usize,
    pub items: usize,
    pub cells: usize,
}

/// Applies one mode for a list of items to every open station of `level` inside `region`
/// ("all village points: accept-and-forward these 13 items"); all or nothing.
pub async fn apply_by_level(
    store: &Store,
    actor: &Actor,
    region: &RegionCode,
    level: StationLevel,
    item_codes: &[String],
    mode: HandlingMode,
    reason: Option<&str>,
) -> Result<BulkReport, ApiError> {
    actor.require_network_manager()?;
    actor.ensure_in_scope(region)?;
    if item_codes.is_empty() {
        return Err(ApiError::validation("请至少选择一个事项", Vec::new()));
    }
    let mut items = Vec::new();
    for code in item_codes {
        items.push(item(store, code).await?);
    }
    let filter = StationFilter {
        region: Some(region.clone()),
        level: Some(level),
        status: Some(StationStatus::Open),
        ..StationFilter::default()
    };
    let stations = super::stations::all(store, &filter).await?;
    if stations.is_empty() {
        return Err(ApiError::validation(
            format!("“{region}”内没有运行中的{}", level.label()),
            Vec::new(),
        ));
    }
    let mut changes = Vec::new();
    let mut problems = Vec::new();
    for item in &items {
        // The level rule depends only on the station level, so one check per item suffices.
        match check_level(actor, &stations[0], item, mode, reason) {
            Ok(override_reason) => {
                changes.extend(stations.iter().map(|station| DelegationChange {
                    station_code: station.code.to_string(),
                    item_code: item.item.code.clone(),
                    mode,
                    override_reason: override_reason.clone(),
                }))
            }
            Err(error) => problems.push(ProblemField {
                field: item.item.code.clone(),
                message: error.message,
                line: None,
            }),
        }
    }
    if !problems.is_empty() {
        return Err(ApiError {
            errors: problems,
            ..ApiError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "level_override_required",
                "部分事项超出该层级的办理权限，未做任何修改",
            )
        });
    }
    let audit = actor
        .audit("delegation.bulk", "region", region.as_str())
        .region(region.as_str())
        .detail(json!({ "level": level.as_str(), "items": item_codes, "mode": mode.as_str(), "stations": stations.len(), "override_reason": reason }));
    store
        .apply_delegations(&changes, &actor.username, &audit)
        .await?;
    Ok(BulkReport {
        stations: stations.len(),
        items: items.len(),
        cells: changes.len(),
    })
}

/// A station that handles the item, with its distance.
#[derive(Debug, Clone, Serialize)]
pub struct NearbyStation {
    pub station: Station,
    pub mode: HandlingMode,
    pub distance_m: f64,
}

/// Open stations that handle `item_code` near `point`, nearest first by straight-line
/// distance; `complete_only` keeps those that complete it on site.
pub async fn nearest(
    store: &Store,
    item_code: &str,
    point: GeoPoint,
    within: Option<&RegionCode>,
    complete_only: bool,
    limit: usize,
) -> Result<(StoredItem, Vec<NearbyStation>), ApiError> {
    let item = item(store, item_code).await?;
    let mut found: Vec<NearbyStation> = store
        .stations_handling(item_code, within)
        .await?
        .into_iter()
        .filter(|handling| !complete_only || handling.mode == HandlingMode::Complete)
        .filter_map(|handling| {
            let location = handling.station.location?;
            Some(NearbyStation {
                distance_m: point.distance_m(location),
                mode: handling.mode,
                station: handling.station,
            })
        })
        .collect();
    found.sort_by(|a, b| {
        a.distance_m
            .total_cmp(&b.distance_m)
            .then_with(|| a.station.code.cmp(&b.station.code))
    });
    found.truncate(limit.clamp(1, 100));
    Ok((item, found))
}
