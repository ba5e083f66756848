//! Bulk delegation: one mode for several items at every open station of a level in a region
//! ("all village points of 尚庄镇: accept and forward these 13 items").

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use yibao_domain::{HandlingMode, RegionCode, RegionLevel, StationLevel};
use yibao_store::{PageRequest, RegionFilter};

use super::{Choice, Chrome, Crumb, FieldProblem, UiForm, UiQuery, UiResult, UiStaff, render};
use crate::AppState;
use crate::app::{self, Actor};
use crate::auth::Staff;
use crate::error::ApiError;

pub struct RegionOption {
    pub code: String,
    pub label: String,
    pub selected: bool,
}

pub struct ItemCheck {
    pub code: String,
    pub name: String,
    pub lowest: &'static str,
    pub checked: bool,
}

pub struct ItemChecks {
    pub category: String,
    pub items: Vec<ItemCheck>,
}

pub struct ReportView {
    pub stations: usize,
    pub items: usize,
    pub cells: usize,
    pub mode_label: &'static str,
    pub level_label: &'static str,
    pub region_name: String,
}

#[derive(Template)]
#[template(path = "bulk.html")]
struct BulkPage {
    chrome: Chrome,
    regions: Vec<RegionOption>,
    levels: Vec<Choice>,
    modes: Vec<Choice>,
    groups: Vec<ItemChecks>,
    reason: String,
    report: Option<ReportView>,
    message: String,
    problems: Vec<FieldProblem>,
}

/// What the form holds.
#[derive(Debug, Default)]
struct BulkInput {
    region: String,
    level: String,
    mode: String,
    items: Vec<String>,
    reason: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct BulkQuery {
    region: Option<String>,
    level: Option<String>,
}

/// Regions from the scope down to towns, in tree order, indented by depth.
async fn region_options(
    state: &AppState,
    staff: &Staff,
    selected: &str,
) -> Result<Vec<RegionOption>, ApiError> {
    let mut regions = Vec::new();
    let top = staff.scope().map(|s| s.level().depth()).unwrap_or(0);
    for level in RegionLevel::ALL
        .into_iter()
        .filter(|l| l.depth() >= top && *l <= RegionLevel::Town)
    {
        let filter = RegionFilter {
            level: Some(level),
            scope: staff.scope().cloned(),
            ..RegionFilter::default()
        };
        let page = state
            .store
            .list_regions(
                &filter,
                PageRequest::new(Some(1), Some(PageRequest::MAX_PER_PAGE)),
            )
            .await?;
        regions.extend(page.items);
    }
    regions.sort_by(|a, b| a.code.as_str().cmp(b.code.as_str()));
    Ok(regions
        .into_iter()
        .map(|region| {
            let depth = usize::from(region.level.depth() - top);
            RegionOption {
                label: format!(
                    "{}{}（{}）",
                    "\u{3000}".repeat(depth),
                    region.name,
                    region.code
                ),
                selected: region.code.as_str() == selected,
                code: region.code.to_string(),
            }
        })
        .collect())
}

async fn bulk_page(
    state: &AppState,
    staff: &Staff,
    input: BulkInput,
    report: Option<ReportView>,
    error: Option<ApiError>,
) -> UiResult {
    let items = state.store.list_items().await?;
    let mut groups: Vec<ItemChecks> = Vec::new();
    for stored in &items {
        let item = &stored.item;
        let check = ItemCheck {
            code: item.code.clone(),
            name: item.name.clone(),
            lowest: item.lowest_level().label(),
            checked: input.items.contains(&item.code),
        };
        match groups.iter_mut().find(|g| g.category == item.category) {
            Some(group) => group.items.push(check),
            None => groups.push(ItemChecks {
                category: item.category.clone(),
                items: vec![check],
            }),
        }
    }
    let status = error.as_ref().map(|e| e.status).unwrap_or(StatusCode::OK);
    let (message, problems) = match error {
        None => (String::new(), Vec::new()),
        Some(error) => {
            let problems = error
                .errors
                .iter()
                .map(|e| FieldProblem {
                    label: items
                        .iter()
                        .find(|i| i.item.code == e.field)
                        .map(|i| format!("{}（{}）", i.item.name, i.item.code))
                        .unwrap_or_else(|| e.field.clone()),
                    field: e.field.clone(),
                    message: e.message.clone(),
                    line: None,
                })
                .collect();
            (error.message, problems)
        }
    };
    let chrome = Chrome::build(state, Some(staff), "批量授权", "bulk")
        .await?
        .crumbs(vec![
            Crumb::link("站点网络", "/network"),
            Crumb::here("批量授权"),
        ]);
    let page = BulkPage {
        chrome,
        regions: region_options(state, staff, &input.region).await?,
        levels: Choice::list(
            StationLevel::ALL.map(|l| (l.as_str(), l.label())),
            &input.level,
        ),
        modes: Choice::list(
            HandlingMode::ALL.map(|m| (m.as_str(), m.label())),
            &input.mode,
        ),
        groups,
        reason: input.reason,
        report,
        message,
        problems,
    };
    Ok(render(status, &page))
}

pub async fn form(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    UiQuery(query): UiQuery<BulkQuery>,
) -> UiResult {
    staff.require_network_manager()?;
    let input = BulkInput {
        region: query
            .region
            .or_else(|| staff.scope().map(|s| s.to_string()))
            .unwrap_or_default(),
        level: query
            .level
            .unwrap_or_else(|| StationLevel::Village.as_str().to_owned()),
        mode: HandlingMode::AcceptForward.as_str().to_owned(),
        ..BulkInput::default()
    };
    bulk_page(&state, &staff, input, None, None).await
}

pub async fn apply(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    UiForm(fields): UiForm<Vec<(String, String)>>,
) -> UiResult {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim().to_owned())
            .unwrap_or_default()
    };
    staff.check_csrf(Some(&field("_csrf")))?;
    staff.require_network_manager()?;
    let input = BulkInput {
        region: field("region_code"),
        level: field("level"),
        mode: field("mode"),
        reason: field("override_reason"),
        items: fields
            .iter()
            .filter(|(key, _)| key == "items")
            .map(|(_, value)| value.trim().to_owned())
            .collect(),
    };
    let parsed = (|| -> Result<_, ApiError> {
        let region = RegionCode::parse(&input.region)
            .map_err(|_| ApiError::validation("请选择区划", Vec::new()))?;
        let level = input
            .level
            .parse::<StationLevel>()
            .map_err(|_| ApiError::validation("请选择站点层级", Vec::new()))?;
        let mode = input
            .mode
            .parse::<HandlingMode>()
            .map_err(|_| ApiError::validation("请选择办理方式", Vec::new()))?;
        Ok((region, level, mode))
    })();
    let (region, level, mode) = match parsed {
        Ok(parsed) => parsed,
        Err(error) => return bulk_page(&state, &staff, input, None, Some(error)).await,
    };
    let reason = Some(input.reason.as_str()).filter(|r| !r.is_empty());
    match app::delegation::apply_by_level(
        &state.store,
        &Actor::from(&staff),
        &region,
        level,
        &input.items,
        mode,
        reason,
    )
    .await
    {
        Ok(report) => {
            let view = ReportView {
                stations: report.stations,
                items: report.items,
                cells: report.cells,
                mode_label: mode.label(),
                level_label: level.label(),
                region_name: super::region_name(&state, &region).await?,
            };
            bulk_page(&state, &staff, input, Some(view), None).await
        }
        Err(error) => bulk_page(&state, &staff, input, None, Some(error)).await,
    }
}
