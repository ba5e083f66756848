//! The audit log viewer (administrators, inside their scope).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use yibao_store::{AuditFilter, PageRequest};

use super::{
    Choice, Chrome, Crumb, Pager, UiQuery, UiResult, UiStaff, link, local_time, non_empty,
    page_number, render,
};
use crate::AppState;

pub const PER_PAGE: u32 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    actor: Option<String>,
    entity: Option<String>,
    page: Option<String>,
}

pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub action_label: &'static str,
    pub entity: String,
    pub entity_id: String,
    pub region: String,
    pub detail: String,
    pub ip: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    chrome: Chrome,
    actor: String,
    entities: Vec<Choice>,
    rows: Vec<AuditRow>,
    pager: Pager,
    filtered: bool,
}

/// Chinese names of the recorded actions.
fn action_label(action: &str) -> &'static str {
    match action {
        "session.login" => "登录",
        "session.login_failed" => "登录失败",
        "station.create" => "新建站点",
        "station.update" => "修改站点",
        "station.close" => "撤销站点",
        "station.import" => "批量导入站点",
        "delegation.set" => "设置授权",
        "delegation.override" => "越级授权",
        "delegation.bulk" => "批量授权",
        "catalog.item.update" => "修改事项指南",
        "catalog.import" => "导入事项目录",
        "user.create" => "新建账号",
        "user.list" => "查看账号列表",
        "demo.seed" => "生成演示数据",
        "archive.open" => "查阅档案",
        "archive.import" => "导入档案",
        "qa.kb.save" => "编辑知识库",
        _ => "",
    }
}

const ENTITIES: [(&str, &str); 8] = [
    ("station", "站点"),
    ("region", "区划"),
    ("service_item", "事项"),
    ("user", "账号"),
    ("catalog", "目录"),
    ("session", "会话"),
    ("archive", "档案"),
    ("archive_file", "档案文件"),
];

pub async fn page(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    UiQuery(query): UiQuery<AuditQuery>,
) -> UiResult {
    staff.require_admin()?;
    let actor = non_empty(query.actor).unwrap_or_default();
    let entity = non_empty(query.entity).unwrap_or_default();
    let page_no = page_number(query.page.as_deref());
    let filter = AuditFilter {
        scope: staff.scope().map(|s| s.to_string()),
        actor: Some(actor.clone()).filter(|a| !a.is_empty()),
        entity: Some(entity.clone()).filter(|e| !e.is_empty()),
        entity_id: None,
    };
    let listed = state
        .store
        .list_audit(&filter, PageRequest::new(Some(page_no), Some(PER_PAGE)))
        .await?;
    let pager = Pager::new(listed.total, page_no, PER_PAGE, |n| {
        let page = if n > 1 { n.to_string() } else { String::new() };
        link(
            "/audit",
            &[("actor", &actor), ("entity", &entity), ("page", &page)],
        )
    });
    let rows = listed
        .items
        .into_iter()
        .map(|r| {
            let detail = if r.detail == "null" {
                String::new()
            } else {
                let mut detail: String = r.detail.chars().take(160).collect();
                if r.detail.chars().count() > 160 {
                    detail.push('…');
                }
                detail
            };
            AuditRow {
                id: r.id,
                at: local_time(r.at),
                action_label: action_label(&r.action),
                actor: r.actor,
                action: r.action,
                entity: r.entity,
                entity_id: r.entity_id,
                region: r.region_code.unwrap_or_default(),
                detail,
                ip: r.ip.unwrap_or_default(),
            }
        })
        .collect();
    let chrome = Chrome::build(&state, Some(&staff), "审计日志", "audit")
        .await?
        .crumbs(vec![Crumb::here("审计日志")]);
    let page = AuditPage {
        chrome,
        filtered: !actor.is_empty() || !entity.is_empty(),
        entities: Choice::list(ENTITIES, &entity),
        actor,
        rows,
        pager,
    };
    Ok(render(StatusCode::OK, &page))
}
