//! The item catalog (事项目录) and each item's guide (办事指南); public pages.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use yibao_domain::{RegionLevel, ServiceItem};

use super::{Chrome, Crumb, LargeMode, UiError, UiResult, local_time, render};
use crate::AppState;
use crate::auth::MaybeStaff;

pub struct ItemRow {
    pub code: String,
    pub name: String,
    pub applicant: String,
    pub levels: String,
    pub lowest: &'static str,
    pub time_limit: String,
    pub instant: bool,
    pub channels: String,
}

pub struct Category {
    pub name: String,
    pub items: Vec<ItemRow>,
}

#[derive(Template)]
#[template(path = "catalog.html")]
struct CatalogPage {
    chrome: Chrome,
    catalog_name: String,
    catalog_issuer: String,
    catalog_published: String,
    total: usize,
    categories: Vec<Category>,
}

/// "设区市、县（市、区）、乡镇（街道）"
pub fn levels_text(levels: &[RegionLevel]) -> String {
    let mut levels = levels.to_vec();
    levels.sort();
    levels
        .iter()
        .map(|l| l.label())
        .collect::<Vec<_>>()
        .join("、")
}

fn channels_text(item: &ServiceItem) -> String {
    item.channels
        .iter()
        .map(|c| c.label())
        .collect::<Vec<_>>()
        .join("、")
}

pub async fn list(State(state): State<AppState>, staff: MaybeStaff, large: LargeMode) -> UiResult {
    let items = state.store.list_items().await?;
    let info = state.store.catalog_info().await?.into_iter().next();
    let mut categories: Vec<Category> = Vec::new();
    for stored in &items {
        let item = &stored.item;
        let row = ItemRow {
            code: item.code.clone(),
            name: item.name.clone(),
            applicant: item.applicant.clone(),
            levels: levels_text(&item.levels),
            lowest: item.lowest_level().label(),
            time_limit: item.time_limit.label(),
            instant: matches!(item.time_limit, yibao_domain::TimeLimit::Instant),
            channels: channels_text(item),
        };
        match categories.iter_mut().find(|c| c.name == item.category) {
            Some(category) => category.items.push(row),
            None => categories.push(Category {
                name: item.category.clone(),
                items: vec![row],
            }),
        }
    }
    let chrome = Chrome::build(&state, staff.0.as_ref(), "事项目录", "catalog")
        .await?
        .large(large.on)
        .crumbs(vec![Crumb::here("事项目录")]);
    let page = CatalogPage {
        chrome,
        catalog_name: info.as_ref().map(|i| i.name.clone()).unwrap_or_default(),
        catalog_issuer: info.as_ref().map(|i| i.issuer.clone()).unwrap_or_default(),
        catalog_published: info.map(|i| i.published).unwrap_or_default(),
        total: items.len(),
        categories,
    };
    Ok(large.remember(render(StatusCode::OK, &page)))
}

pub struct MaterialView {
    pub name: String,
    pub note: String,
    pub required: bool,
    pub e_certificate: bool,
}

pub struct RevisionView {
    pub version: i64,
    pub note: String,
    pub by: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "item.html")]
struct ItemPage {
    chrome: Chrome,
    code: String,
    name: String,
    main_item: String,
    category: String,
    applicant: String,
    levels: String,
    lowest: &'static str,
    time_limit: String,
    time_limit_note: String,
    channels: String,
    proxy_allowed: bool,
    minor_missing_pledge: bool,
    materials: Vec<MaterialView>,
    history: Vec<RevisionView>,
    version: i64,
    updated: String,
    where_href: String,
}

pub async fn guide(
    State(state): State<AppState>,
    staff: MaybeStaff,
    large: LargeMode,
    Path(code): Path<String>,
) -> UiResult {
    let stored = state
        .store
        .get_item(&code)
        .await?
        .ok_or_else(|| UiError::not_found(format!("事项“{code}”不存在")))?;
    let history = state.store.item_history(&code).await?;
    let item = stored.item;
    let chrome = Chrome::build(&state, staff.0.as_ref(), &item.name, "catalog")
        .await?
        .large(large.on)
        .crumbs(vec![
            Crumb::link("事项目录", "/catalog"),
            Crumb::link(item.category.clone(), "/catalog"),
            Crumb::here(item.name.clone()),
        ]);
    let page = ItemPage {
        chrome,
        where_href: super::link("/where", &[("item", &item.code)]),
        levels: levels_text(&item.levels),
        lowest: item.lowest_level().label(),
        time_limit: item.time_limit.label(),
        channels: channels_text(&item),
        materials: item
            .materials
            .iter()
            .map(|m| MaterialView {
                name: m.name.clone(),
                note: m.note.clone().unwrap_or_default(),
                required: m.required,
                e_certificate: m.e_certificate,
            })
            .collect(),
        history: history
            .into_iter()
            .map(|h| RevisionView {
                version: h.version,
                note: h.note,
                by: h.changed_by,
                at: local_time(h.changed_at),
            })
            .collect(),
        version: stored.version,
        updated: local_time(stored.updated_at),
        code: item.code,
        name: item.name,
        main_item: item.main_item,
        category: item.category,
        applicant: item.applicant,
        time_limit_note: item.time_limit_note,
        proxy_allowed: item.proxy_allowed,
        minor_missing_pledge: item.minor_missing_pledge,
    };
    Ok(large.remember(render(StatusCode::OK, &page)))
}
