//! The item catalog (事项目录) and each item's guide (办事指南): public pages, and the
//! administrators' guide editor (the item as TOML, saved as a new revision with a note).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use yibao_domain::{RegionLevel, ServiceItem};

use super::{
    Chrome, Crumb, LargeMode, UiError, UiForm, UiQuery, UiResult, UiStaff, link, local_time, render,
};
use crate::AppState;
use crate::app::{self, Actor};
use crate::auth::{MaybeStaff, Staff};
use crate::error::ApiError;

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
    /// Administrators get the "编辑指南" button.
    can_edit: bool,
    notice: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct GuideQuery {
    ok: Option<String>,
    version: Option<String>,
}

pub async fn guide(
    State(state): State<AppState>,
    staff: MaybeStaff,
    large: LargeMode,
    Path(code): Path<String>,
    UiQuery(query): UiQuery<GuideQuery>,
) -> UiResult {
    let stored = state
        .store
        .get_item(&code)
        .await?
        .ok_or_else(|| UiError::not_found(format!("事项“{code}”不存在")))?;
    let history = state.store.item_history(&code).await?;
    let notice = match query.ok.as_deref() {
        Some("saved") => {
            let version = query
                .version
                .as_deref()
                .and_then(|v| v.trim().parse::<i64>().ok())
                .unwrap_or(stored.version);
            format!("已保存第 {version} 版。")
        }
        _ => String::new(),
    };
    let can_edit = staff.0.as_ref().is_some_and(|s| s.role().is_admin());
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
        can_edit,
        notice,
    };
    Ok(large.remember(render(StatusCode::OK, &page)))
}

// ---------------------------------------------------------------------------------------
// Editing a guide (administrators)
// ---------------------------------------------------------------------------------------

/// The edit form as posted: the item as TOML text, the version it was based on, and why.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ItemEditForm {
    #[serde(rename = "_csrf")]
    pub csrf: String,
    pub item: String,
    pub version: String,
    pub note: String,
}

/// Why a save did not go through, for the form shown again with the user's text.
#[derive(Debug, Default)]
struct EditProblem {
    status: Option<StatusCode>,
    message: String,
    /// The TOML parser's excerpt of the offending line.
    detail: String,
    /// Someone saved another version meanwhile.
    stale: bool,
    /// The problem is the missing note.
    note: bool,
}

impl EditProblem {
    fn invalid(message: impl Into<String>) -> EditProblem {
        EditProblem {
            status: Some(StatusCode::UNPROCESSABLE_ENTITY),
            message: message.into(),
            ..EditProblem::default()
        }
    }
}

impl From<ApiError> for EditProblem {
    fn from(error: ApiError) -> EditProblem {
        EditProblem {
            status: Some(error.status),
            stale: error.code == "stale_version",
            message: error.message,
            ..EditProblem::default()
        }
    }
}

#[derive(Template)]
#[template(path = "item_edit.html")]
struct ItemEditPage {
    chrome: Chrome,
    code: String,
    name: String,
    form: ItemEditForm,
    /// The version saved now (may be newer than the form's after a refusal).
    current_version: i64,
    guide_href: String,
    /// The textarea's height: the whole text with a little room to add, within bounds.
    rows: usize,
    message: String,
    detail: String,
    stale: bool,
    note_error: bool,
}

async fn edit_page(
    state: &AppState,
    staff: &Staff,
    item: &ServiceItem,
    current_version: i64,
    form: ItemEditForm,
    problem: Option<EditProblem>,
) -> UiResult {
    let guide_href = format!("/catalog/{}", super::encode(&item.code));
    let chrome = Chrome::build(
        state,
        Some(staff),
        &format!("编辑指南 {}", item.name),
        "catalog",
    )
    .await?
    .crumbs(vec![
        Crumb::link("事项目录", "/catalog"),
        Crumb::link(item.name.clone(), guide_href.clone()),
        Crumb::here("编辑指南"),
    ]);
    let problem = problem.unwrap_or_default();
    let page = ItemEditPage {
        chrome,
        code: item.code.clone(),
        name: item.name.clone(),
        current_version,
        guide_href,
        rows: (form.item.lines().count() + 3).clamp(18, 48),
        form,
        message: problem.message,
        detail: problem.detail,
        stale: problem.stale,
        note_error: problem.note,
    };
    Ok(render(problem.status.unwrap_or(StatusCode::OK), &page))
}

async fn stored_item(state: &AppState, code: &str) -> Result<yibao_store::StoredItem, UiError> {
    state
        .store
        .get_item(code)
        .await?
        .ok_or_else(|| UiError::not_found(format!("事项“{code}”不存在")))
}

pub async fn edit_form(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    Path(code): Path<String>,
) -> UiResult {
    staff.require_admin()?;
    let stored = stored_item(&state, &code).await?;
    let form = ItemEditForm {
        item: item_toml(&stored.item)?,
        version: stored.version.to_string(),
        ..ItemEditForm::default()
    };
    edit_page(&state, &staff, &stored.item, stored.version, form, None).await
}

pub async fn update(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    Path(code): Path<String>,
    UiForm(form): UiForm<ItemEditForm>,
) -> UiResult {
    staff.check_csrf(Some(&form.csrf))?;
    staff.require_admin()?;
    let stored = stored_item(&state, &code).await?;
    let Ok(version) = form.version.trim().parse::<i64>() else {
        return Err(UiError::bad_request("表单缺少版本号，请刷新页面后重试"));
    };
    let problem = match parse_item(&form.item) {
        Err(problem) => problem,
        Ok(item) if item.code != code => {
            EditProblem::invalid(format!("事项编码不可修改，应为“{code}”"))
        }
        Ok(item) if item == stored.item && version == stored.version => {
            EditProblem::invalid("内容没有变化，无需保存")
        }
        Ok(_) if form.note.trim().is_empty() => EditProblem {
            note: true,
            ..EditProblem::invalid("请填写修改说明")
        },
        Ok(item) => {
            let saved = app::catalog::update_item(
                &state.store,
                &Actor::from(&staff),
                &item,
                version,
                &form.note,
            )
            .await;
            match saved {
                Ok(saved) => {
                    return Ok(Redirect::to(&link(
                        &format!("/catalog/{}", super::encode(&code)),
                        &[("ok", "saved"), ("version", &saved.version.to_string())],
                    ))
                    .into_response());
                }
                Err(error) if error.status == StatusCode::NOT_FOUND => return Err(error.into()),
                Err(error) => error.into(),
            }
        }
    };
    edit_page(
        &state,
        &staff,
        &stored.item,
        stored.version,
        form,
        Some(problem),
    )
    .await
}

/// The item as the editor shows it: the catalog file's `[[items]]` entry without its header.
fn item_toml(item: &ServiceItem) -> Result<String, ApiError> {
    toml::to_string(item).map_err(ApiError::internal)
}

/// Reads the editor's text; syntax errors, wrong values and unknown keys (a misspelt optional
/// key would otherwise be dropped silently) are all "事项内容格式错误".
fn parse_item(text: &str) -> Result<ServiceItem, EditProblem> {
    let item = toml::from_str::<ServiceItem>(text).map_err(|error| {
        let at = error
            .span()
            .map(|span| {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
                format!("（第 {line} 行第 {column} 列）")
            })
            .unwrap_or_default();
        EditProblem {
            detail: error.to_string().trim_end().to_owned(),
            ..EditProblem::invalid(format!(
                "事项内容格式错误：{}{at}",
                error.message().trim_end()
            ))
        }
    })?;
    let unknown = unknown_keys(text, &item);
    if !unknown.is_empty() {
        return Err(EditProblem::invalid(format!(
            "事项内容格式错误：无法识别的字段 {}，请检查拼写",
            unknown.join("、")
        )));
    }
    Ok(item)
}

/// Keys of `text` that `item` does not have when written out again (`materials[2].nmae`).
fn unknown_keys(text: &str, item: &ServiceItem) -> Vec<String> {
    let (Ok(typed), Ok(known)) = (
        toml::from_str::<toml::Table>(text),
        toml::Table::try_from(item),
    ) else {
        return Vec::new();
    };
    let mut unknown = Vec::new();
    for (key, value) in &typed {
        match known.get(key) {
            None => unknown.push(format!("“{key}”")),
            Some(toml::Value::Array(known_rows)) => {
                let Some(rows) = value.as_array() else {
                    continue;
                };
                for (index, (row, known_row)) in rows.iter().zip(known_rows).enumerate() {
                    let (Some(row), Some(known_row)) = (row.as_table(), known_row.as_table())
                    else {
                        continue;
                    };
                    for key2 in row.keys().filter(|k| !known_row.contains_key(*k)) {
                        unknown.push(format!("“{key}”第 {} 项的“{key2}”", index + 1));
                    }
                }
            }
            Some(_) => {}
        }
    }
    unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_item() -> ServiceItem {
        yibao_domain::Catalog::jiangsu_2022().items.remove(0)
    }

    #[test]
    fn the_editor_text_looks_like_the_catalog_file_and_reads_back() {
        let item = first_item();
        let text = item_toml(&item).unwrap();
        assert!(text.starts_with("code = \"JS-01\"\n"), "{text}");
        assert!(
            text.contains("levels = [\"city\", \"county\", \"town\"]"),
            "{text}"
        );
        assert!(text.contains("time_limit = \"instant\""), "{text}");
        assert!(text.contains("\n[[materials]]\nname = "), "{text}");
        assert!(!text.contains("[[items"), "{text}");
        assert_eq!(parse_item(&text).unwrap(), item);
    }

    #[test]
    fn syntax_errors_and_misspelt_keys_are_told_in_chinese() {
        let text = item_toml(&first_item()).unwrap();
        let broken = text.replace("time_limit = \"instant\"", "time_limit = instant");
        let problem = parse_item(&broken).unwrap_err();
        assert!(
            problem.message.starts_with("事项内容格式错误："),
            "{}",
            problem.message
        );
        assert!(problem.message.contains("（第 7 行"), "{}", problem.message);
        assert!(
            problem.detail.contains("time_limit = instant"),
            "{}",
            problem.detail
        );
        let wrong_value = text.replace("\"instant\"", "\"soon\"");
        assert!(
            parse_item(&wrong_value)
                .unwrap_err()
                .message
                .contains("soon")
        );
        let misspelt = text
            .replace("time_limit_note =", "time_limit_notes =")
            .replacen("note = ", "nte = ", 1);
        let problem = parse_item(&misspelt).unwrap_err();
        assert!(
            problem.message.contains("“time_limit_notes”")
                && problem.message.contains("“materials”第 1 项的“nte”"),
            "{}",
            problem.message
        );
    }
}
