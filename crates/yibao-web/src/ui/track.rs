//! The residents' tracking page (办件查询, no sign-in, mobile-friendly, 长辈模式): case number
//! and ID number show the case's progress, what is missing, where to go, and after completion
//! a 1–5 rating with a comment (好差评).
//!
//! A wrong pair looks exactly like an unknown number; every lookup is audited by the use case.
//! The ID number travels only in form posts, never in a link.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use yibao_domain::case::CaseStatus;
use yibao_domain::masking::mask_name;

use super::{
    Chrome, Crumb, HoursPart, LargeMode, UiError, UiForm, UiResult, hours_parts, local_time, render,
};
use crate::AppState;
use crate::app::cases::{self as use_case, CaseView};
use crate::auth::{self, MaybeStaff};

pub struct Step {
    pub at: String,
    pub text: String,
}

pub struct Place {
    pub name: String,
    pub address: String,
    pub phone: String,
    pub hours: Vec<HoursPart>,
}

pub struct Found {
    pub number: String,
    pub item_name: String,
    pub applicant: String,
    pub status_label: String,
    pub completed: bool,
    pub returned: bool,
    pub rejected: bool,
    /// Finished one way or another: no deadline to show.
    pub finished: bool,
    pub deadline: String,
    pub deadline_label: String,
    pub missing: Vec<String>,
    pub pledged: Vec<String>,
    pub steps: Vec<Step>,
    pub place: Option<Place>,
    pub place_reason: &'static str,
    pub rated: Option<i16>,
}

#[derive(Template)]
#[template(path = "track.html")]
struct TrackPage {
    chrome: Chrome,
    number: String,
    id_number: String,
    found: Option<Found>,
    message: String,
    thanks: bool,
    large_href: &'static str,
    normal_href: &'static str,
}

#[derive(Debug, Deserialize)]
pub struct TrackForm {
    #[serde(default)]
    number: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    score: String,
    #[serde(default)]
    comment: String,
}

async fn found(state: &AppState, view: &CaseView) -> Result<Found, UiError> {
    let case = &view.case;
    let s = &case.state;
    let (code, place_reason) = match s.status {
        CaseStatus::Returned => (
            s.intake_station.as_str(),
            "请携带需补正的材料到原受理站点提交",
        ),
        CaseStatus::Completed => (s.completing_station.as_str(), "本件由以下站点办结"),
        _ if s.status.is_final() => (s.current_station.as_str(), "如有疑问，请咨询"),
        _ => (
            s.current_station.as_str(),
            "本件正在以下站点办理，无需您到场；如有疑问可咨询",
        ),
    };
    let place = state.store.get_station(code).await?.map(|station| Place {
        name: station.name,
        address: station.address,
        phone: station.phone,
        hours: hours_parts(&station.opening_hours.to_chinese()),
    });
    let dto = crate::api::cases::CaseDto::from_view(view);
    // The stations the case was forwarded to, by name: a resident knows names, not codes.
    let forwarded: Vec<String> = view
        .events
        .iter()
        .filter_map(|e| use_case::forwarded_to(e).map(str::to_owned))
        .collect();
    let names = super::cases::station_names(state, &forwarded).await?;
    let rated = if s.status == CaseStatus::Completed {
        state.store.case_rating(case.id).await?.map(|r| r.score)
    } else {
        None
    };
    Ok(Found {
        number: case.number.clone(),
        item_name: case.item_name.clone(),
        applicant: mask_name(&case.applicant_name),
        status_label: s.status.label().to_owned(),
        completed: s.status == CaseStatus::Completed,
        returned: s.status == CaseStatus::Returned,
        rejected: s.status == CaseStatus::Rejected,
        finished: s.status.is_final(),
        deadline: s.deadline.to_string(),
        deadline_label: dto.deadline_label,
        missing: s.missing.clone(),
        pledged: s.pledged.clone(),
        // Residents see what happened, not who on the staff did it.
        steps: view
            .events
            .iter()
            .filter(|e| !e.kind.starts_with("originals_"))
            .map(|e| Step {
                at: local_time(e.at),
                text: use_case::event_line(e, |code| {
                    super::cases::name_of(&names, code).map(str::to_owned)
                }),
            })
            .collect(),
        place,
        place_reason,
        rated,
    })
}

async fn chrome(state: &AppState, staff: &MaybeStaff, large: bool) -> Result<Chrome, UiError> {
    Ok(Chrome::build(state, staff.0.as_ref(), "办件查询", "track")
        .await?
        .large(large)
        .crumbs(vec![Crumb::here("办件查询")]))
}

fn page(
    chrome: Chrome,
    form: &TrackForm,
    found: Option<Found>,
    message: String,
    thanks: bool,
) -> TrackPage {
    TrackPage {
        chrome,
        number: form.number.trim().to_owned(),
        id_number: form.id_number.trim().to_owned(),
        found,
        message,
        thanks,
        large_href: "/track?large=1",
        normal_href: "/track?large=0",
    }
}

pub async fn form(State(state): State<AppState>, staff: MaybeStaff, large: LargeMode) -> UiResult {
    let chrome = chrome(&state, &staff, large.on).await?;
    let empty = TrackForm {
        number: String::new(),
        id_number: String::new(),
        score: String::new(),
        comment: String::new(),
    };
    Ok(large.remember(render(
        StatusCode::OK,
        &page(chrome, &empty, None, String::new(), false),
    )))
}

pub async fn lookup(
    State(state): State<AppState>,
    staff: MaybeStaff,
    large: LargeMode,
    parts: axum::http::request::Parts,
    UiForm(form): UiForm<TrackForm>,
) -> UiResult {
    let chrome = chrome(&state, &staff, large.on).await?;
    if form.number.trim().is_empty() || form.id_number.trim().is_empty() {
        let message = "请填写业务编号和身份证号码".to_owned();
        return Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(chrome, &form, None, message, false),
        ));
    }
    let ip = auth::client_ip(&parts);
    match use_case::resident_guarded(
        &state,
        ip.as_deref(),
        use_case::track(&state.store, &form.number, &form.id_number, ip.clone()),
    )
    .await
    {
        Ok(view) => {
            let found = found(&state, &view).await?;
            Ok(render(
                StatusCode::OK,
                &page(chrome, &form, Some(found), String::new(), false),
            ))
        }
        Err(error) if error.status.is_client_error() => Ok(render(
            error.status,
            &page(chrome, &form, None, error.message, false),
        )),
        Err(error) => Err(error.into()),
    }
}

pub async fn rate(
    State(state): State<AppState>,
    staff: MaybeStaff,
    large: LargeMode,
    parts: axum::http::request::Parts,
    UiForm(form): UiForm<TrackForm>,
) -> UiResult {
    let chrome = chrome(&state, &staff, large.on).await?;
    let ip = auth::client_ip(&parts);
    let score: i64 = form.score.trim().parse().unwrap_or(0);
    let result = use_case::resident_guarded(
        &state,
        ip.as_deref(),
        use_case::rate(
            &state.store,
            &form.number,
            &form.id_number,
            score,
            &form.comment,
            ip.clone(),
        ),
    )
    .await;
    let (message, status, thanks) = match result {
        Ok(_) => (String::new(), StatusCode::CREATED, true),
        Err(error) if error.status.is_client_error() && error.status != StatusCode::NOT_FOUND => {
            let message = if score == 0 {
                "请选择 1～5 分的评分".to_owned()
            } else {
                error.message
            };
            (message, error.status, false)
        }
        Err(error) if error.status == StatusCode::NOT_FOUND => {
            return Ok(render(
                error.status,
                &page(chrome, &form, None, error.message, false),
            ));
        }
        Err(error) => return Err(error.into()),
    };
    let view = use_case::track(&state.store, &form.number, &form.id_number, ip).await?;
    let found = found(&state, &view).await?;
    Ok(render(
        status,
        &page(chrome, &form, Some(found), message, thanks),
    ))
}
