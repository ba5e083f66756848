//! The network tree: a region's path, its child regions with station counts, the stations
//! inside it (filtered, sorted, paged) and, from county level down, the county map.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use yibao_domain::{RegionCode, RegionLevel, StationLevel};
use yibao_store::{PageRequest, StationFilter, StationSort, StationStatus};

use super::map::{self, MapSpec, MapStation};
use super::{
    Choice, Chrome, Crumb, Pager, UiError, UiQuery, UiResult, UiStaff, link, page_number, render,
};
use crate::AppState;
use crate::app;
use crate::auth::Staff;
use crate::error::ApiError;

pub const PER_PAGE: u32 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct NetworkQuery {
    region: Option<String>,
    level: Option<String>,
    status: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    page: Option<String>,
    /// The coverage panel's form.
    item: Option<String>,
    mode: Option<String>,
    minutes: Option<String>,
    complete_only: Option<String>,
    sites: Option<String>,
}

pub struct ChildRegion {
    pub code: String,
    pub name: String,
    pub href: String,
    pub stations: i64,
    pub children: i64,
}

pub struct StationRow {
    pub code: String,
    pub name: String,
    pub level: &'static str,
    pub level_label: &'static str,
    pub host_label: &'static str,
    pub parent_code: String,
    pub parent_name: String,
    /// The parent lies inside the viewer's scope (else it is shown without a link).
    pub parent_linked: bool,
    pub open: bool,
    pub status_label: &'static str,
    pub windows: u16,
    pub hours: String,
}

pub struct SortHeader {
    pub label: &'static str,
    pub href: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "network.html")]
struct NetworkPage {
    chrome: Chrome,
    region_code: String,
    region_name: String,
    region_level: String,
    children_heading: String,
    children: Vec<ChildRegion>,
    stations: Vec<StationRow>,
    pager: Pager,
    levels: Vec<Choice>,
    statuses: Vec<Choice>,
    sorts: Vec<Choice>,
    headers: Vec<SortHeader>,
    q: String,
    filtered: bool,
    reset_href: String,
    csv_href: String,
    new_href: String,
    can_manage: bool,
    map_svg: String,
    map_missing: String,
    coverage: Option<super::coverage::CoveragePanel>,
}

fn parse_sort(text: &str) -> StationSort {
    StationSort::parse(text).unwrap_or_default()
}

pub async fn page(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    UiQuery(query): UiQuery<NetworkQuery>,
) -> UiResult {
    let requested = query
        .region
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(RegionCode::parse)
        .transpose()
        .map_err(|_| UiError::bad_request("区划代码有误，请从网络页面的链接进入"))?;
    let region = staff.scoped(requested)?;
    let path = match &region {
        Some(code) => {
            let path = state.store.region_path(code).await?;
            if path.last().map(|r| &r.code) != Some(code) {
                return Err(UiError::not_found(format!("行政区划“{code}”不存在")));
            }
            path
        }
        None => Vec::new(),
    };
    let level = query
        .level
        .as_deref()
        .filter(|l| !l.is_empty())
        .map(str::parse::<StationLevel>)
        .transpose()
        .map_err(ApiError::from)?;
    let status = match query.status.as_deref().unwrap_or("") {
        "open" => Some(StationStatus::Open),
        "closed" => Some(StationStatus::Closed),
        _ => None,
    };
    let q = query.q.clone().unwrap_or_default().trim().to_owned();
    let sort_text = query.sort.clone().unwrap_or_default();
    let sort = parse_sort(&sort_text);
    let page_no = page_number(query.page.as_deref());

    let children = state.store.region_children(region.as_ref()).await?;
    let filter = StationFilter {
        region: region.clone(),
        scope: staff.scope().cloned(),
        level,
        host_type: None,
        status,
        query: Some(q.clone()).filter(|q| !q.is_empty()),
        sort,
    };
    let listed = state
        .store
        .list_stations(&filter, PageRequest::new(Some(page_no), Some(PER_PAGE)))
        .await?;
    let parent_codes: Vec<String> = listed
        .items
        .iter()
        .filter_map(|s| s.parent_code.as_ref().map(|p| p.to_string()))
        .collect();
    let parents: HashMap<String, (String, bool)> = state
        .store
        .stations_by_codes(&parent_codes)
        .await?
        .into_iter()
        .map(|s| {
            let visible = staff
                .scope()
                .is_none_or(|scope| scope.contains(&s.region_code));
            (s.code.to_string(), (s.name, visible))
        })
        .collect();

    let region_text = region.as_ref().map(|r| r.to_string()).unwrap_or_default();
    let level_text = level.map(|l| l.as_str()).unwrap_or("");
    let status_text = status.map(|s| s.as_str()).unwrap_or("");
    let href = |sort: &str, page: u32| {
        let page = if page > 1 {
            page.to_string()
        } else {
            String::new()
        };
        link(
            "/network",
            &[
                ("region", &region_text),
                ("level", level_text),
                ("status", status_text),
                ("q", &q),
                ("sort", sort),
                ("page", &page),
            ],
        )
    };
    let pager = Pager::new(listed.total, page_no, PER_PAGE, |n| href(&sort_text, n));
    let headers = [("编码", "code"), ("名称", "name"), ("层级", "level")]
        .into_iter()
        .map(|(label, key)| SortHeader {
            label,
            href: href(key, 1),
            active: parse_sort(key) == sort,
        })
        .collect();

    let stations = listed
        .items
        .into_iter()
        .map(|s| {
            let parent_code = s
                .parent_code
                .as_ref()
                .map(|p| p.to_string())
                .unwrap_or_default();
            StationRow {
                parent_name: parents
                    .get(&parent_code)
                    .map(|(name, _)| name.clone())
                    .unwrap_or_default(),
                parent_linked: parents.get(&parent_code).is_some_and(|(_, seen)| *seen),
                parent_code,
                code: s.code.to_string(),
                name: s.name,
                level: s.level.as_str(),
                level_label: s.level.label(),
                host_label: s.host_type.label(),
                open: s.status == StationStatus::Open,
                status_label: s.status.label(),
                windows: s.windows,
                hours: s.opening_hours.to_chinese(),
            }
        })
        .collect();

    let (map_svg, map_missing) = match &region {
        Some(code) if code.level() >= RegionLevel::County => {
            match county_map(&state, &staff, code).await? {
                Some(svg) => (svg, String::new()),
                None => (
                    String::new(),
                    "该县（市、区）尚未导入边界数据，暂无地图。".to_owned(),
                ),
            }
        }
        _ => (String::new(), String::new()),
    };

    let coverage = match &region {
        Some(code) => {
            let form = super::coverage::CoverageForm {
                item: query.item.clone(),
                mode: query.mode.clone(),
                minutes: query.minutes.clone(),
                complete_only: query
                    .complete_only
                    .as_deref()
                    .is_some_and(|v| matches!(v, "1" | "on" | "true")),
                sites: query.sites.clone(),
            };
            super::coverage::panel(&state, &staff, code, &form).await?
        }
        None => None,
    };

    let current = path.last();
    let region_name = current
        .map(|r| r.name.clone())
        .unwrap_or_else(|| "全国".to_owned());
    let children_heading = match current.map(|r| r.level) {
        None => "省级区划",
        Some(RegionLevel::Province) => "下辖设区市",
        Some(RegionLevel::City) => "下辖县（市、区）",
        Some(RegionLevel::County) => "下辖乡镇（街道）",
        Some(RegionLevel::Town) => "下辖村（社区）",
        Some(RegionLevel::Village) => "",
    }
    .to_owned();

    let mut crumbs = vec![if staff.scope().is_none() {
        Crumb::link("全国", "/network")
    } else {
        Crumb::link("站点网络", "/network")
    }];
    for region in &path {
        let visible = staff
            .scope()
            .is_none_or(|scope| scope.contains(&region.code));
        let is_last = Some(&region.code) == path.last().map(|r| &r.code);
        crumbs.push(if visible && !is_last {
            Crumb::link(
                region.name.clone(),
                link("/network", &[("region", region.code.as_str())]),
            )
        } else {
            Crumb::here(region.name.clone())
        });
    }
    if path.is_empty() && staff.scope().is_none() {
        crumbs[0] = Crumb::here("全国");
    }

    let chrome = Chrome::build(
        &state,
        Some(&staff),
        &format!("{region_name} · 站点网络"),
        "network",
    )
    .await?
    .crumbs(crumbs);
    let filtered = level.is_some() || status.is_some() || !q.is_empty();
    let page = NetworkPage {
        chrome,
        region_level: current.map(|r| r.level.label()).unwrap_or("").to_owned(),
        region_name,
        children_heading,
        children: children
            .into_iter()
            .map(|c| ChildRegion {
                href: link("/network", &[("region", c.region.code.as_str())]),
                code: c.region.code.to_string(),
                name: c.region.name,
                stations: c.station_count,
                children: c.child_count,
            })
            .collect(),
        stations,
        pager,
        levels: StationLevel::ALL
            .into_iter()
            .map(|l| Choice {
                value: l.as_str(),
                label: l.label(),
                selected: Some(l) == level,
            })
            .collect(),
        statuses: [StationStatus::Open, StationStatus::Closed]
            .into_iter()
            .map(|s| Choice {
                value: s.as_str(),
                label: s.label(),
                selected: Some(s) == status,
            })
            .collect(),
        sorts: [
            ("region", "按区划"),
            ("code", "按编码"),
            ("name", "按名称"),
            ("level", "按层级"),
            ("updated", "最近更新"),
        ]
        .into_iter()
        .map(|(value, label)| Choice {
            value,
            label,
            selected: parse_sort(value) == sort,
        })
        .collect(),
        headers,
        q,
        filtered,
        reset_href: link("/network", &[("region", &region_text)]),
        csv_href: link("/api/stations.csv", &[("region", &region_text)]),
        new_href: link("/stations/new", &[("region", &region_text)]),
        can_manage: staff.role().manages_network(),
        region_code: region_text,
        map_svg,
        map_missing,
        coverage,
    };
    Ok(render(StatusCode::OK, &page))
}

/// The county map around `region` (a county or a place inside one); `None` without a boundary.
async fn county_map(
    state: &AppState,
    staff: &Staff,
    region: &RegionCode,
) -> Result<Option<String>, ApiError> {
    let Some(county) = region.ancestor_at(RegionLevel::County) else {
        return Ok(None);
    };
    let Some(geojson) = state.store.boundary(&county).await? else {
        return Ok(None);
    };
    let Some(boundary) = map::parse_boundary(&geojson) else {
        return Ok(None);
    };
    let title = super::region_name(state, &county).await?;
    let focus_name = if region.level() > RegionLevel::County {
        super::region_name(state, region).await?
    } else {
        String::new()
    };
    let filter = StationFilter {
        region: Some(county.clone()),
        status: Some(StationStatus::Open),
        ..StationFilter::default()
    };
    let open: Vec<_> = app::stations::all(&state.store, &filter)
        .await?
        .into_iter()
        .filter(|s| s.location.is_some())
        .collect();
    let generated = open.iter().any(|s| s.location_generated);
    let stations: Vec<MapStation> = open
        .into_iter()
        .filter_map(|s| {
            let location = s.location?;
            Some(MapStation {
                linked: staff
                    .scope()
                    .is_none_or(|scope| scope.contains(&s.region_code)),
                emphasised: region.contains(&s.region_code),
                code: s.code.to_string(),
                name: s.name,
                level: s.level,
                lon: location.lon(),
                lat: location.lat(),
            })
        })
        .collect();
    Ok(Some(map::render(&MapSpec {
        title: &title,
        boundary: &boundary,
        stations: &stations,
        generated,
        emphasis: region.level() > RegionLevel::County,
        focus_name: &focus_name,
    })))
}
