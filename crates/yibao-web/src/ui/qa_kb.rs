//! The knowledge-base editor (政策知识库, staff): every entry with its origin — generated from
//! the catalog, bundled, or edited by staff — searchable and paged (`/qa/kb`), and the form
//! that edits one or adds one (`/qa/kb/edit`), prefilled from an unanswered question.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

use super::{
    Chrome, Crumb, FieldProblem, Pager, UiError, UiForm, UiQuery, UiResult, UiStaff, link,
    non_empty, page_number, render,
};
use crate::AppState;
use crate::app::Actor;
use crate::app::qa::{self, EntryInput};

pub const PER_PAGE: u32 = 30;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    page: Option<String>,
    ok: Option<String>,
}

pub struct EntryRow {
    pub id: String,
    pub title: String,
    pub item: String,
    pub source: String,
    pub origin: String,
    pub edit_href: String,
}

#[derive(Template)]
#[template(path = "qa_kb.html")]
struct ListPage {
    chrome: Chrome,
    q: String,
    rows: Vec<EntryRow>,
    pager: Pager,
    saved: bool,
}

pub async fn list(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    UiQuery(query): UiQuery<ListQuery>,
) -> UiResult {
    let q = non_empty(query.q).unwrap_or_default();
    let page_no = page_number(query.page.as_deref());
    let matching: Vec<_> = qa::entries(&state)
        .await?
        .into_iter()
        .filter(|view| {
            let entry = &view.entry;
            q.is_empty()
                || entry.id.contains(&q)
                || entry.questions.iter().any(|question| question.contains(&q))
                || entry.answer.contains(&q)
                || entry.item.as_deref().is_some_and(|item| item.contains(&q))
        })
        .collect();
    let total = matching.len() as i64;
    let pager = Pager::new(total, page_no, PER_PAGE, |n| {
        let page = if n > 1 { n.to_string() } else { String::new() };
        link("/qa/kb", &[("q", &q), ("page", &page)])
    });
    let rows = matching
        .into_iter()
        .skip(((pager.page - 1) * PER_PAGE) as usize)
        .take(PER_PAGE as usize)
        .map(|view| EntryRow {
            edit_href: link("/qa/kb/edit", &[("id", &view.entry.id)]),
            title: view.entry.title().to_owned(),
            item: view.entry.item.clone().unwrap_or_default(),
            source: view.entry.source.clone(),
            origin: match (&view.version, &view.updated_by) {
                (Some(version), Some(by)) => format!("{by} 编辑 · 第 {version} 版"),
                _ if view.entry.id.starts_with("hand.") => "随系统提供".to_owned(),
                _ => "由事项清单生成".to_owned(),
            },
            id: view.entry.id,
        })
        .collect();
    let chrome = Chrome::build(&state, Some(&staff), "政策知识库", "qa")
        .await?
        .crumbs(vec![
            Crumb::link("政策问答", "/qa"),
            Crumb::here("政策知识库"),
        ]);
    let page = ListPage {
        chrome,
        q,
        rows,
        pager,
        saved: query.ok.as_deref() == Some("saved"),
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Debug, Default, Deserialize)]
pub struct EditQuery {
    id: Option<String>,
    /// A question to start a new entry from (the unanswered list links here).
    question: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct EntryForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    questions: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    item: String,
    #[serde(default)]
    version: String,
    /// `1` when editing an existing entry (its id cannot change).
    #[serde(default)]
    existing: String,
}

pub struct ItemChoice {
    pub name: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "qa_kb_edit.html")]
struct EditPage {
    chrome: Chrome,
    existing: bool,
    form: EntryForm,
    items: Vec<ItemChoice>,
    message: String,
    errors: Vec<FieldProblem>,
}

fn kb_label(field: &str) -> &str {
    match field {
        "id" => "条目编号",
        "questions" => "问法",
        "answer" => "答案",
        "source" => "来源",
        "item" => "关联事项",
        other => other,
    }
}

async fn edit_page(
    state: &AppState,
    staff: &crate::auth::Staff,
    form: EntryForm,
    message: String,
    errors: Vec<FieldProblem>,
    status: StatusCode,
) -> UiResult {
    let existing = form.existing == "1";
    let title = if existing {
        "编辑知识库条目"
    } else {
        "新增知识库条目"
    };
    let chrome = Chrome::build(state, Some(staff), title, "qa")
        .await?
        .crumbs(vec![
            Crumb::link("政策知识库", "/qa/kb"),
            Crumb::here(title),
        ]);
    let items = state
        .store
        .list_items()
        .await?
        .into_iter()
        .map(|stored| ItemChoice {
            selected: stored.item.name == form.item,
            name: stored.item.name,
        })
        .collect();
    let page = EditPage {
        chrome,
        existing,
        form,
        items,
        message,
        errors,
    };
    Ok(render(status, &page))
}

pub async fn edit_form(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    UiQuery(query): UiQuery<EditQuery>,
) -> UiResult {
    let form = match non_empty(query.id) {
        Some(id) => {
            let view = qa::entries(&state)
                .await?
                .into_iter()
                .find(|view| view.entry.id == id)
                .ok_or_else(|| UiError::not_found("知识库中没有这个条目"))?;
            EntryForm {
                id: view.entry.id,
                questions: view.entry.questions.join("\n"),
                answer: view.entry.answer,
                source: view.entry.source,
                item: view.entry.item.unwrap_or_default(),
                version: view.version.map(|v| v.to_string()).unwrap_or_default(),
                existing: "1".to_owned(),
                ..EntryForm::default()
            }
        }
        None => EntryForm {
            questions: non_empty(query.question).unwrap_or_default(),
            ..EntryForm::default()
        },
    };
    edit_page(
        &state,
        &staff,
        form,
        String::new(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

pub async fn save(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    UiForm(form): UiForm<EntryForm>,
) -> UiResult {
    staff.check_csrf(Some(&form.csrf))?;
    let version = match form.version.trim() {
        "" => None,
        text => Some(
            text.parse::<i64>()
                .map_err(|_| UiError::bad_request("表单中的版本号有误，请刷新页面后重试"))?,
        ),
    };
    if form.existing != "1"
        && qa::entries(&state)
            .await?
            .iter()
            .any(|view| view.entry.id == form.id.trim())
    {
        let message = format!("条目编号“{}”已被使用，请换一个编号", form.id.trim());
        let errors = vec![FieldProblem {
            field: "id".to_owned(),
            label: kb_label("id").to_owned(),
            message: "编号已被使用".to_owned(),
            line: None,
        }];
        return edit_page(&state, &staff, form, message, errors, StatusCode::CONFLICT).await;
    }
    let input = EntryInput {
        id: form.id.clone(),
        questions: form.questions.lines().map(str::to_owned).collect(),
        answer: form.answer.clone(),
        source: form.source.clone(),
        item: Some(form.item.clone()),
        version,
    };
    match qa::save_entry(&state, &Actor::from(&staff), &input).await {
        Ok(_) => Ok(
            Redirect::to(&link("/qa/kb", &[("q", form.id.trim()), ("ok", "saved")]))
                .into_response(),
        ),
        Err(error) if error.status == StatusCode::FORBIDDEN => Err(error.into()),
        Err(error) => {
            let errors = error
                .errors
                .iter()
                .map(|e| FieldProblem::from_problem(e, kb_label))
                .collect();
            let message = if error.code == "stale_version" || error.code == "duplicate" {
                "保存时发现别人已修改过这个条目。您填写的内容仍在下方，请先复制，再重新打开条目修改。"
                    .to_owned()
            } else {
                error.message
            };
            edit_page(&state, &staff, form, message, errors, error.status).await
        }
    }
}
