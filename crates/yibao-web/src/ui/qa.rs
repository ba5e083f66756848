//! The residents' policy Q&A chat page (`/qa`, no sign-in, mobile-first, 长辈模式) and the
//! editors' list of questions it could not answer (`/qa/unanswered`, staff).
//!
//! The question travels in the query string (`/qa?q=…`), so an answer can be bookmarked or
//! shared and the back button works; a refusal offers the 12393 hotline or a person.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use yibao_search::qa::HOTLINE;
use yibao_store::PageRequest;

use super::{
    Chrome, Crumb, LargeMode, Pager, UiQuery, UiResult, UiStaff, link, local_time, page_number,
    render,
};
use crate::AppState;
use crate::app::qa;
use crate::auth::MaybeStaff;

/// Questions offered as one-tap examples.
const EXAMPLES: [&str; 4] = [
    "在外地住院了回来怎么报销",
    "慢病待遇怎么申请",
    "刚生了孩子怎么给宝宝办医保",
    "起付线是什么意思",
];

#[derive(Debug, Default, Deserialize)]
pub struct AskQuery {
    q: Option<String>,
}

pub struct SourceView {
    pub title: String,
    pub item: String,
    pub guide_href: String,
    pub where_href: String,
}

pub struct AnswerView {
    pub paragraphs: Vec<String>,
    pub confidence: String,
    pub sources: Vec<SourceView>,
}

pub struct Example {
    pub text: &'static str,
    pub href: String,
}

#[derive(Template)]
#[template(path = "qa.html")]
struct QaPage {
    chrome: Chrome,
    question: String,
    asked: bool,
    answered: bool,
    message: String,
    best: Option<AnswerView>,
    more: Vec<AnswerView>,
    refusal: Vec<String>,
    hotline: &'static str,
    examples: Vec<Example>,
    large_href: String,
    normal_href: String,
}

fn paragraphs(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

pub async fn page(
    State(state): State<AppState>,
    staff: MaybeStaff,
    large: LargeMode,
    UiQuery(query): UiQuery<AskQuery>,
) -> UiResult {
    let question = query.q.unwrap_or_default().trim().to_owned();
    let large_flag = if large.on { "1" } else { "" };
    let mut page = QaPage {
        chrome: Chrome::build(&state, staff.0.as_ref(), "政策问答", "qa")
            .await?
            .large(large.on),
        asked: !question.is_empty(),
        answered: false,
        message: String::new(),
        best: None,
        more: Vec::new(),
        refusal: Vec::new(),
        hotline: HOTLINE,
        examples: EXAMPLES
            .iter()
            .map(|text| Example {
                text,
                href: link("/qa", &[("q", text), ("large", large_flag)]),
            })
            .collect(),
        large_href: link("/qa", &[("q", &question), ("large", "1")]),
        normal_href: link("/qa", &[("q", &question), ("large", "0")]),
        question: question.clone(),
    };
    let mut status = StatusCode::OK;
    if page.asked {
        match qa::ask(&state, &question, "web").await {
            Ok(outcome) => {
                page.answered = outcome.reply.answered;
                let mut views: Vec<AnswerView> = outcome
                    .reply
                    .answers
                    .into_iter()
                    .zip(outcome.item_codes)
                    .map(|(answer, code)| AnswerView {
                        paragraphs: paragraphs(&answer.text),
                        confidence: format!("{:.0}%", answer.score * 100.0),
                        sources: answer
                            .sources
                            .into_iter()
                            .map(|source| {
                                let code = code.clone().unwrap_or_default();
                                SourceView {
                                    title: source.title,
                                    item: source.item.unwrap_or_default(),
                                    guide_href: if code.is_empty() {
                                        String::new()
                                    } else {
                                        format!("/catalog/{}", super::encode(&code))
                                    },
                                    where_href: if code.is_empty() {
                                        String::new()
                                    } else {
                                        link("/where", &[("item", &code), ("large", large_flag)])
                                    },
                                }
                            })
                            .collect(),
                    })
                    .collect();
                if page.answered {
                    page.more = views.split_off(1.min(views.len()));
                    page.best = views.pop();
                } else if let Some(refusal) = views.pop() {
                    page.refusal = refusal.paragraphs;
                }
            }
            Err(error) => {
                status = error.status;
                page.message = error.message;
            }
        }
    }
    Ok(large.remember(render(status, &page)))
}

#[derive(Debug, Default, Deserialize)]
pub struct UnansweredQuery {
    page: Option<String>,
}

pub struct UnansweredRow {
    pub asked_at: String,
    pub question: String,
    pub confidence: String,
    pub channel: &'static str,
    pub add_href: String,
}

#[derive(Template)]
#[template(path = "qa_unanswered.html")]
struct UnansweredPage {
    chrome: Chrome,
    rows: Vec<UnansweredRow>,
    pager: Pager,
}

pub const UNANSWERED_PER_PAGE: u32 = 50;

pub async fn unanswered(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    UiQuery(query): UiQuery<UnansweredQuery>,
) -> UiResult {
    let page_no = page_number(query.page.as_deref());
    let listed = qa::unanswered(
        &state,
        PageRequest::new(Some(page_no), Some(UNANSWERED_PER_PAGE)),
    )
    .await?;
    let pager = Pager::new(listed.total, page_no, UNANSWERED_PER_PAGE, |n| {
        let page = if n > 1 { n.to_string() } else { String::new() };
        link("/qa/unanswered", &[("page", &page)])
    });
    let rows = listed
        .items
        .into_iter()
        .map(|row| UnansweredRow {
            asked_at: local_time(row.asked_at),
            confidence: format!("{:.0}%", row.confidence * 100.0),
            channel: match row.channel.as_str() {
                "web" => "问答页面",
                "api" => "接口",
                _ => "其他",
            },
            add_href: link("/qa/kb/edit", &[("question", &row.question)]),
            question: row.question,
        })
        .collect();
    let chrome = Chrome::build(&state, Some(&staff), "未答问题", "qa")
        .await?
        .crumbs(vec![
            Crumb::link("政策问答", "/qa"),
            Crumb::here("未能回答的问题"),
        ]);
    Ok(render(
        StatusCode::OK,
        &UnansweredPage {
            chrome,
            rows,
            pager,
        },
    ))
}
