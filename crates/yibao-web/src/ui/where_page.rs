//! "哪里能办": the residents' page. Choose an item and a place (a town or village, the
//! browser's position, or coordinates) and see the nearest stations that handle it.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use yibao_domain::{GeoPoint, HandlingMode, RegionCode, RegionLevel};
use yibao_store::{PageRequest, Region, RegionFilter};

use super::{Chrome, Crumb, HoursPart, LargeMode, UiQuery, UiResult, hours_parts, link, render};
use crate::AppState;
use crate::app;
use crate::auth::MaybeStaff;
use crate::error::ApiError;

/// How many stations the page lists.
pub const RESULTS: usize = 5;

#[derive(Debug, Default, Deserialize)]
pub struct WhereQuery {
    item: Option<String>,
    region: Option<String>,
    lon: Option<String>,
    lat: Option<String>,
}

pub struct ItemOption {
    pub code: String,
    pub name: String,
    pub selected: bool,
}

pub struct ItemOptions {
    pub category: String,
    pub items: Vec<ItemOption>,
}

pub struct PlaceOption {
    pub code: String,
    pub label: String,
    pub selected: bool,
}

pub struct PlaceGroup {
    pub county: String,
    pub places: Vec<PlaceOption>,
}

pub struct ResultView {
    pub code: String,
    pub name: String,
    pub level_label: &'static str,
    pub distance: String,
    /// Closer than 100 m.
    pub near: bool,
    pub complete: bool,
    pub mode_words: &'static str,
    pub hours: Vec<HoursPart>,
    pub address: String,
    pub phone: String,
}

#[derive(Template)]
#[template(path = "where.html")]
struct WherePage {
    chrome: Chrome,
    item_groups: Vec<ItemOptions>,
    place_groups: Vec<PlaceGroup>,
    lon: String,
    lat: String,
    /// A search was made (item and place given and valid).
    searched: bool,
    message: String,
    place_name: String,
    item_code: String,
    item_name: String,
    time_limit: String,
    time_limit_note: String,
    materials: Vec<String>,
    results: Vec<ResultView>,
    large_href: String,
    normal_href: String,
}

/// Plain words for residents.
fn mode_words(mode: HandlingMode) -> &'static str {
    match mode {
        HandlingMode::Complete => "可当场办结",
        HandlingMode::AcceptForward => "可在此受理，转上级办结",
        HandlingMode::None => "不办理",
    }
}

async fn located(
    state: &AppState,
    level: RegionLevel,
    parent: Option<&RegionCode>,
) -> Result<Vec<Region>, ApiError> {
    let filter = RegionFilter {
        parent: parent.cloned(),
        level: Some(level),
        ..RegionFilter::default()
    };
    let page = state
        .store
        .list_regions(
            &filter,
            PageRequest::new(Some(1), Some(PageRequest::MAX_PER_PAGE)),
        )
        .await?;
    Ok(page
        .items
        .into_iter()
        .filter(|r| r.lon.is_some() && r.lat.is_some())
        .collect())
}

/// Towns of every county with points, grouped by county; the chosen town's villages follow
/// it, indented.
async fn place_groups(
    state: &AppState,
    selected: Option<&RegionCode>,
) -> Result<Vec<PlaceGroup>, ApiError> {
    let counties = located(state, RegionLevel::County, None).await?;
    let towns = located(state, RegionLevel::Town, None).await?;
    let open_town = selected.and_then(|s| s.ancestor_at(RegionLevel::Town));
    let villages = match &open_town {
        Some(town) => located(state, RegionLevel::Village, Some(town)).await?,
        None => Vec::new(),
    };
    let mut groups = Vec::new();
    for county in counties {
        let city = match &county.parent_code {
            Some(code) => super::region_name(state, code).await?,
            None => String::new(),
        };
        let mut places = Vec::new();
        for town in towns.iter().filter(|t| county.code.contains(&t.code)) {
            places.push(PlaceOption {
                code: town.code.to_string(),
                label: town.name.clone(),
                selected: selected == Some(&town.code),
            });
            if open_town.as_ref() == Some(&town.code) {
                for village in &villages {
                    places.push(PlaceOption {
                        code: village.code.to_string(),
                        label: format!("\u{3000}└ {}", village.name),
                        selected: selected == Some(&village.code),
                    });
                }
            }
        }
        if !places.is_empty() {
            groups.push(PlaceGroup {
                county: format!("{city}{}", county.name),
                places,
            });
        }
    }
    Ok(groups)
}

pub async fn page(
    State(state): State<AppState>,
    staff: MaybeStaff,
    large: LargeMode,
    UiQuery(query): UiQuery<WhereQuery>,
) -> UiResult {
    let item_code = query.item.clone().unwrap_or_default().trim().to_owned();
    let lon = query.lon.clone().unwrap_or_default().trim().to_owned();
    let lat = query.lat.clone().unwrap_or_default().trim().to_owned();
    let region = query
        .region
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .and_then(|r| RegionCode::parse(r).ok());

    let items = state.store.list_items().await?;
    let mut item_groups: Vec<ItemOptions> = Vec::new();
    for stored in &items {
        let item = &stored.item;
        let option = ItemOption {
            code: item.code.clone(),
            name: item.name.clone(),
            selected: item.code == item_code,
        };
        match item_groups.iter_mut().find(|g| g.category == item.category) {
            Some(group) => group.items.push(option),
            None => item_groups.push(ItemOptions {
                category: item.category.clone(),
                items: vec![option],
            }),
        }
    }

    // Where the resident is: typed or located coordinates first, else the chosen place.
    let mut message = String::new();
    let mut status = StatusCode::OK;
    let mut place_name = String::new();
    let point = if !lon.is_empty() || !lat.is_empty() {
        match GeoPoint::parse(&lon, &lat) {
            Ok(point) => {
                place_name = "您的位置".to_owned();
                Some(point)
            }
            Err(error) => {
                message = format!("{error}，请检查经纬度");
                status = StatusCode::UNPROCESSABLE_ENTITY;
                None
            }
        }
    } else if let Some(code) = &region {
        match state.store.get_region(code).await? {
            Some(found) => match (found.lon, found.lat) {
                (Some(lon), Some(lat)) => {
                    place_name = found.name;
                    GeoPoint::new(lon, lat).ok()
                }
                _ => {
                    message = format!("暂无“{}”的位置信息，请选择附近的乡镇", found.name);
                    None
                }
            },
            None => {
                message = "所选地点不存在，请重新选择".to_owned();
                None
            }
        }
    } else {
        None
    };
    let chosen = items.iter().find(|i| i.item.code == item_code);
    if !item_code.is_empty() && chosen.is_none() {
        message = "所选事项不存在，请重新选择".to_owned();
        status = StatusCode::NOT_FOUND;
    } else if point.is_some() && chosen.is_none() {
        message = "请先选择要办理的事项".to_owned();
    } else if chosen.is_some() && point.is_none() && message.is_empty() && query.region.is_some() {
        message = "请选择您所在的乡镇（街道）或村（社区），或使用我的位置".to_owned();
    }

    let mut results = Vec::new();
    let searched = chosen.is_some() && point.is_some();
    if let (Some(stored), Some(point)) = (chosen, point) {
        let (_, nearby) =
            app::delegation::nearest(&state.store, &stored.item.code, point, None, false, RESULTS)
                .await?;
        results = nearby
            .into_iter()
            .map(|n| ResultView {
                code: n.station.code.to_string(),
                name: n.station.name,
                level_label: n.station.level.label(),
                distance: format!("{:.1}", n.distance_m / 1000.0),
                near: n.distance_m < 100.0,
                complete: n.mode == HandlingMode::Complete,
                mode_words: mode_words(n.mode),
                hours: hours_parts(&n.station.opening_hours.to_chinese()),
                address: n.station.address,
                phone: n.station.phone,
            })
            .collect();
    }

    let keep = |large: &'static str| {
        link(
            "/where",
            &[
                ("item", &item_code),
                ("region", region.as_ref().map(|r| r.as_str()).unwrap_or("")),
                ("lon", &lon),
                ("lat", &lat),
                ("large", large),
            ],
        )
    };
    let chrome = Chrome::build(&state, staff.0.as_ref(), "哪里能办", "where")
        .await?
        .large(large.on)
        .crumbs(vec![Crumb::here("哪里能办")]);
    let page = WherePage {
        chrome,
        item_groups,
        place_groups: place_groups(&state, region.as_ref()).await?,
        searched,
        message,
        place_name,
        item_code: chosen.map(|i| i.item.code.clone()).unwrap_or_default(),
        item_name: chosen.map(|i| i.item.name.clone()).unwrap_or_default(),
        time_limit: chosen
            .map(|i| i.item.time_limit.label())
            .unwrap_or_default(),
        time_limit_note: chosen
            .map(|i| i.item.time_limit_note.clone())
            .unwrap_or_default(),
        materials: chosen
            .map(|i| {
                i.item
                    .materials
                    .iter()
                    .filter(|m| m.required)
                    .map(|m| {
                        if m.e_certificate {
                            format!("{}（可用电子证照）", m.name)
                        } else {
                            m.name.clone()
                        }
                    })
                    .collect()
            })
            .unwrap_or_default(),
        results,
        large_href: keep("1"),
        normal_href: keep("0"),
        lon,
        lat,
    };
    Ok(large.remember(render(status, &page)))
}
