//! The staff archive pages: the search (`/archives`: words, name or a whole ID number; type,
//! year range and station filters; inside the user's region; masked names; highlighted
//! snippets; pages) and one record (`/archives/{id}`), whose every opening is audited.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;

use super::{Chrome, Crumb, Pager, UiError, UiQuery, UiResult, UiStaff, link, local_time, render};
use crate::AppState;
use crate::app::Actor;
use crate::app::archives::{self as use_case, PER_PAGE, SearchInput};

/// Record types offered as suggestions in the filter.
const RECORD_TYPES: [&str; 7] = [
    "参保登记",
    "零星报销",
    "门诊慢特病",
    "异地就医备案",
    "生育津贴",
    "医疗救助",
    "个人账户支取",
];

#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    #[serde(rename = "type")]
    record_type: Option<String>,
    year_from: Option<String>,
    year_to: Option<String>,
    station: Option<String>,
    page: Option<String>,
}

pub struct HitView {
    pub href: String,
    pub person: String,
    pub record_type: String,
    pub year: i32,
    pub station: String,
    pub title: String,
    /// Escaped text with `<mark>` around the matches (built by `Snippet::to_html`).
    pub snippet_html: String,
}

#[derive(Template)]
#[template(path = "archives.html")]
struct SearchPage {
    chrome: Chrome,
    q: String,
    record_type: String,
    year_from: String,
    year_to: String,
    station: String,
    types: Vec<&'static str>,
    searched: bool,
    message: String,
    hits: Vec<HitView>,
    pager: Pager,
    scope: String,
}

fn trimmed(text: Option<String>) -> String {
    text.unwrap_or_default().trim().to_owned()
}

/// A year field: empty is no bound; anything else must be a number.
fn year(text: &str, label: &str) -> Result<Option<i32>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    text.trim_end_matches('年')
        .parse()
        .map(Some)
        .map_err(|_| format!("{label}应为四位数字年份，如 2021"))
}

pub async fn search(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    UiQuery(query): UiQuery<SearchQuery>,
) -> UiResult {
    let q = trimmed(query.q);
    let record_type = trimmed(query.record_type);
    let year_from_text = trimmed(query.year_from);
    let year_to_text = trimmed(query.year_to);
    let station = trimmed(query.station);
    let page_no = super::page_number(query.page.as_deref());
    let searched = !(q.is_empty()
        && record_type.is_empty()
        && year_from_text.is_empty()
        && year_to_text.is_empty()
        && station.is_empty());
    let chrome = Chrome::build(&state, Some(&staff), "档案检索", "archives")
        .await?
        .crumbs(vec![Crumb::here("档案检索")]);
    let scope = match staff.scope() {
        Some(code) => super::region_name(&state, code).await?,
        None => "全国".to_owned(),
    };
    let mut page = SearchPage {
        chrome,
        q: q.clone(),
        record_type: record_type.clone(),
        year_from: year_from_text.clone(),
        year_to: year_to_text.clone(),
        station: station.clone(),
        types: RECORD_TYPES.to_vec(),
        searched,
        message: String::new(),
        hits: Vec::new(),
        pager: Pager::new(0, 1, PER_PAGE as u32, |_| String::new()),
        scope,
    };
    let years = year(&year_from_text, "起始年份")
        .and_then(|from| year(&year_to_text, "截止年份").map(|to| (from, to)));
    let (year_from, year_to) = match years {
        Ok(years) => years,
        Err(message) => {
            page.message = message;
            return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let input = SearchInput {
        text: q.clone(),
        record_type: Some(record_type.clone()).filter(|t| !t.is_empty()),
        year_from,
        year_to,
        station: Some(station.clone()).filter(|s| !s.is_empty()),
        page: page_no as usize,
    };
    let found = match use_case::search(&state, &Actor::from(&staff), &input).await {
        Ok(found) => found,
        Err(error) => {
            page.message = error.message;
            return Ok(render(error.status, &page));
        }
    };
    page.pager = Pager::new(found.total as i64, page_no, PER_PAGE as u32, |n| {
        let number = if n > 1 { n.to_string() } else { String::new() };
        link(
            "/archives",
            &[
                ("q", &q),
                ("type", &record_type),
                ("year_from", &year_from_text),
                ("year_to", &year_to_text),
                ("station", &station),
                ("page", &number),
            ],
        )
    });
    page.hits = found
        .hits
        .into_iter()
        .map(|hit| HitView {
            href: format!("/archives/{}", hit.id),
            snippet_html: hit.snippet.to_html(),
            person: hit.person,
            record_type: hit.record_type,
            year: hit.year,
            station: hit.station,
            title: hit.title,
        })
        .collect();
    Ok(render(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "archive.html")]
struct RecordPage {
    chrome: Chrome,
    record_number: String,
    person_name: String,
    id_masked: String,
    record_type: String,
    year: i64,
    station: String,
    region: String,
    title: String,
    paragraphs: Vec<String>,
    source_file: String,
    updated_at: String,
}

pub async fn record(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    Path(id): Path<String>,
) -> UiResult {
    let id: i64 = id.parse().map_err(|_| UiError::not_found("档案不存在"))?;
    let opened = use_case::open(&state, &Actor::from(&staff), id).await?;
    let region = match yibao_domain::RegionCode::parse(&opened.record.region_code) {
        Ok(code) => format!("{}（{code}）", super::region_name(&state, &code).await?),
        Err(_) => opened.record.region_code.clone(),
    };
    let record = opened.record;
    let chrome = Chrome::build(&state, Some(&staff), &record.record_number, "archives")
        .await?
        .crumbs(vec![
            Crumb::link("档案检索", "/archives"),
            Crumb::here(record.record_number.clone()),
        ]);
    let page = RecordPage {
        chrome,
        record_number: record.record_number,
        person_name: record.person_name,
        id_masked: opened.id_masked.unwrap_or_else(|| "未登记".to_owned()),
        record_type: record.record_type,
        year: record.year,
        station: record.station,
        region,
        title: opened.title,
        paragraphs: opened
            .text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .map(str::to_owned)
            .collect(),
        source_file: record.source_file,
        updated_at: local_time(record.updated_at),
    };
    Ok(render(StatusCode::OK, &page))
}
