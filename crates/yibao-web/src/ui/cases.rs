//! The staff console for cases (业务件): a station's worklists with counts, the intake form
//! (item → materials checklist with e-certificate marks and 容缺, channel, proxy with
//! authorisation), and the case page (timeline, deadline standing, where the paper originals
//! are, and a form for every action the case allows now).
//!
//! Everything goes through `app::cases`, the same use cases as the API; refusals come back as
//! Chinese messages on the same page, a stale version as a clear 409 page.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use yibao_domain::HandlingMode;
use yibao_domain::ServiceItem;
use yibao_domain::case::{ActionKind, CaseAction, CaseStatus, IntakeChannel, ProxyRelation};
use yibao_store::PageRequest;

use super::{
    Choice, Chrome, Crumb, FieldProblem, Pager, UiError, UiForm, UiQuery, UiResult, UiStaff, link,
    local_time, page_number, render,
};
use crate::AppState;
use crate::api::cases::{CaseDto, CaseSummaryDto};
use crate::app::cases::{self as use_case, CaseView, Clerk, IntakeInput, ProxyInput, Worklist};
use crate::auth::{self, Staff};
use crate::error::ApiError;

const PER_PAGE: u32 = 20;

/// Chinese names of the intake and action form fields.
fn case_field_label(field: &str) -> &str {
    match field {
        "applicant.id_number" => "申请人身份证号",
        "proxy.id_number" => "代办人身份证号",
        "proxy.relation" => "代办关系",
        "channel" => "受理渠道",
        "materials" => "材料",
        "item_code" => "事项",
        "station_code" => "受理站点",
        other => super::field_label(other),
    }
}

/// The station whose worklists a page shows: the one asked for, else the clerk's own.
pub(super) fn station_of(staff: &Staff, asked: Option<&str>) -> Option<String> {
    asked
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .or_else(|| staff.user.station_code.clone())
}

// ---------------------------------------------------------------------------------------
// Worklists
// ---------------------------------------------------------------------------------------

pub struct Tab {
    pub key: &'static str,
    pub label: &'static str,
    pub count: i64,
    pub href: String,
    pub active: bool,
    pub alert: bool,
}

pub struct CaseRow {
    pub summary: CaseSummaryDto,
    pub standing: String,
    pub standing_class: &'static str,
    pub originals: &'static str,
}

#[derive(Template)]
#[template(path = "cases.html")]
struct WorklistPage {
    chrome: Chrome,
    station: String,
    station_name: String,
    tabs: Vec<Tab>,
    list_label: &'static str,
    list_key: &'static str,
    rows: Vec<CaseRow>,
    pager: Pager,
    q: String,
}

#[derive(Template)]
#[template(path = "cases_pick.html")]
struct PickStationPage {
    chrome: Chrome,
}

#[derive(Debug, Deserialize)]
pub struct WorklistQuery {
    station: Option<String>,
    list: Option<String>,
    q: Option<String>,
    page: Option<String>,
}

fn originals_label(status: &str) -> &'static str {
    match status {
        "no_paper" => "无纸质",
        "held" => "在站",
        "in_transit" => "流转中",
        "missing" => "缺失",
        _ => "",
    }
}

pub async fn worklist(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    UiQuery(query): UiQuery<WorklistQuery>,
) -> UiResult {
    let Some(station) = station_of(&staff, query.station.as_deref()) else {
        let chrome = Chrome::build(&state, Some(&staff), "业务件", "cases")
            .await?
            .crumbs(vec![Crumb::here("业务件")]);
        return Ok(render(StatusCode::OK, &PickStationPage { chrome }));
    };
    let clerk = Clerk::from(&staff);
    let list = Worklist::parse(query.list.as_deref().unwrap_or("to_review"))?;
    let q = query.q.clone().unwrap_or_default().trim().to_owned();
    let page_no = page_number(query.page.as_deref());
    let counts = use_case::worklist_counts(&state.store, &clerk, &station).await?;
    let page = use_case::worklist(
        &state.store,
        &clerk,
        &station,
        list,
        (!q.is_empty()).then(|| q.clone()),
        PageRequest::new(Some(page_no), Some(PER_PAGE)),
    )
    .await?;
    let station_name = state
        .store
        .get_station(&station)
        .await?
        .map(|s| s.name)
        .unwrap_or_else(|| station.clone());
    let calendar = state.store.working_calendar().await?;
    let today = use_case::today();
    let tabs = counts
        .iter()
        .map(|(tab, count)| Tab {
            key: tab.as_str(),
            label: tab.label(),
            count: *count,
            href: link("/cases", &[("station", &station), ("list", tab.as_str())]),
            active: *tab == list,
            alert: matches!(tab, Worklist::Overdue) && *count > 0,
        })
        .collect();
    let rows = page
        .items
        .iter()
        .map(|row| {
            let status: Option<CaseStatus> = row.status.parse().ok();
            let (standing, standing_class) = match status {
                Some(s) if s.is_final() => (s.label().to_owned(), "badge-muted"),
                Some(CaseStatus::Returned) => ("时限暂停".to_owned(), "badge-info"),
                _ => {
                    let standing = calendar.standing(row.deadline, today);
                    let class = match standing {
                        yibao_domain::calendar::DeadlineStanding::OnTrack { .. } => "badge-open",
                        yibao_domain::calendar::DeadlineStanding::DueSoon { .. } => "badge-warn",
                        yibao_domain::calendar::DeadlineStanding::Overdue { .. } => "badge-closed",
                    };
                    (standing.label(), class)
                }
            };
            CaseRow {
                summary: CaseSummaryDto::from(row),
                standing,
                standing_class,
                originals: originals_label(&row.originals_status),
            }
        })
        .collect();
    let href = {
        let station = station.clone();
        let q = q.clone();
        move |n: u32| {
            link(
                "/cases",
                &[
                    ("station", &station),
                    ("list", list.as_str()),
                    ("q", &q),
                    ("page", &n.to_string()),
                ],
            )
        }
    };
    let pager = Pager::new(page.total, page.page, page.per_page, href);
    let chrome = Chrome::build(&state, Some(&staff), "业务件", "cases")
        .await?
        .crumbs(vec![
            Crumb::link(station_name.clone(), format!("/stations/{station}")),
            Crumb::here("业务件"),
        ]);
    Ok(render(
        StatusCode::OK,
        &WorklistPage {
            chrome,
            station,
            station_name,
            tabs,
            list_label: list.label(),
            list_key: list.as_str(),
            rows,
            pager,
            q,
        },
    ))
}

// ---------------------------------------------------------------------------------------
// Intake form
// ---------------------------------------------------------------------------------------

pub struct ItemChoice {
    pub code: String,
    pub name: String,
    pub mode: &'static str,
    pub selected: bool,
}

pub struct MaterialLine {
    pub index: usize,
    pub name: String,
    pub note: String,
    pub required: bool,
    pub e_certificate: bool,
    /// `paper`, `e_certificate` or `missing`.
    pub form: String,
}

#[derive(Template)]
#[template(path = "case_new.html")]
struct IntakePage {
    chrome: Chrome,
    station: String,
    station_name: String,
    items: Vec<ItemChoice>,
    item: Option<ItemInfo>,
    materials: Vec<MaterialLine>,
    channels: Vec<Choice>,
    relations: Vec<Choice>,
    values: IntakeValues,
    message: String,
    errors: Vec<FieldProblem>,
    idempotency: String,
}

pub struct ItemInfo {
    pub code: String,
    pub name: String,
    pub time_limit: String,
    pub proxy_allowed: bool,
    pub pledge_allowed: bool,
    pub mode: &'static str,
}

/// What the clerk typed, to refill the form after an error.
#[derive(Debug, Clone, Default)]
pub struct IntakeValues {
    pub item_code: String,
    pub channel: String,
    pub relation: String,
    /// Each material's form (`paper`, `e_certificate`, `missing`), in checklist order.
    pub forms: Vec<String>,
    pub applicant_name: String,
    pub applicant_id: String,
    pub applicant_phone: String,
    pub proxy: bool,
    pub proxy_name: String,
    pub proxy_id: String,
    pub proxy_phone: String,
    pub proxy_authorisation: String,
    pub pledge: bool,
}

#[derive(Debug, Deserialize)]
pub struct IntakeQuery {
    station: Option<String>,
    item: Option<String>,
}

fn mode_label(mode: HandlingMode) -> &'static str {
    match mode {
        HandlingMode::Complete => "本站办结",
        HandlingMode::AcceptForward => "受理转办",
        HandlingMode::None => "不办理",
    }
}

struct IntakeContext {
    station: String,
    station_name: String,
    items: Vec<(ServiceItem, HandlingMode)>,
}

async fn intake_context(
    state: &AppState,
    staff: &Staff,
    asked: Option<&str>,
) -> Result<IntakeContext, UiError> {
    let Some(station) = station_of(staff, asked) else {
        return Err(UiError::bad_request(
            "您的账号未归属任何站点：请从站点页面进入，或在地址中指定 station",
        ));
    };
    let found = state
        .store
        .get_station(&station)
        .await?
        .ok_or_else(|| UiError::not_found(format!("站点“{station}”不存在")))?;
    staff.ensure_in_scope(&found.region_code)?;
    let delegations = state.store.station_delegations(&station).await?;
    let mut items = Vec::new();
    for stored in state.store.list_items().await? {
        if let Some(d) = delegations
            .iter()
            .find(|d| d.item_code == stored.item.code && d.mode != HandlingMode::None)
        {
            items.push((stored.item, d.mode));
        }
    }
    Ok(IntakeContext {
        station,
        station_name: found.name,
        items,
    })
}

fn intake_page(
    chrome: Chrome,
    context: IntakeContext,
    values: IntakeValues,
    message: String,
    errors: Vec<FieldProblem>,
) -> IntakePage {
    let item_code = values.item_code.clone();
    let (channel, relation, forms) = (
        values.channel.as_str(),
        values.relation.as_str(),
        &values.forms,
    );
    let chosen = context
        .items
        .iter()
        .find(|(item, _)| item.code == item_code);
    let materials = chosen
        .map(|(item, _)| {
            item.materials
                .iter()
                .enumerate()
                .map(|(index, m)| MaterialLine {
                    index,
                    name: m.name.clone(),
                    note: m.note.clone().unwrap_or_default(),
                    required: m.required,
                    e_certificate: m.e_certificate,
                    form: forms
                        .get(index)
                        .cloned()
                        .unwrap_or_else(|| "paper".to_owned()),
                })
                .collect()
        })
        .unwrap_or_default();
    let channels = Choice::list(
        IntakeChannel::ALL
            .into_iter()
            .filter(|c| chosen.is_none_or(|(item, _)| c.offered_by(&item.channels)))
            .map(|c| (c.as_str(), c.label())),
        channel,
    );
    let relations = Choice::list(
        ProxyRelation::ALL
            .into_iter()
            .map(|r| (r.as_str(), r.label())),
        relation,
    );
    IntakePage {
        chrome,
        item: chosen.map(|(item, mode)| ItemInfo {
            code: item.code.clone(),
            name: item.name.clone(),
            time_limit: item.time_limit.label(),
            proxy_allowed: item.proxy_allowed,
            pledge_allowed: item.minor_missing_pledge,
            mode: mode_label(*mode),
        }),
        items: context
            .items
            .iter()
            .map(|(item, mode)| ItemChoice {
                code: item.code.clone(),
                name: item.name.clone(),
                mode: mode_label(*mode),
                selected: item.code == item_code,
            })
            .collect(),
        station: context.station,
        station_name: context.station_name,
        materials,
        channels,
        relations,
        values,
        message,
        errors,
        idempotency: auth::random_token(),
    }
}

async fn intake_chrome(
    state: &AppState,
    staff: &Staff,
    context: &IntakeContext,
) -> Result<Chrome, UiError> {
    Ok(Chrome::build(state, Some(staff), "受理业务件", "cases")
        .await?
        .crumbs(vec![
            Crumb::link("业务件", link("/cases", &[("station", &context.station)])),
            Crumb::here("受理业务件"),
        ]))
}

pub async fn new_form(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    UiQuery(query): UiQuery<IntakeQuery>,
) -> UiResult {
    let context = intake_context(&state, &staff, query.station.as_deref()).await?;
    let chrome = intake_chrome(&state, &staff, &context).await?;
    let item = query.item.unwrap_or_default();
    let page = intake_page(
        chrome,
        context,
        IntakeValues {
            item_code: item.trim().to_owned(),
            channel: "counter".to_owned(),
            relation: "grid_worker".to_owned(),
            ..IntakeValues::default()
        },
        String::new(),
        Vec::new(),
    );
    Ok(render(StatusCode::OK, &page))
}

pub async fn create(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    UiForm(pairs): UiForm<Vec<(String, String)>>,
) -> UiResult {
    let get = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    staff.check_csrf(Some(&get("_csrf")))?;
    let station = get("station");
    let context = intake_context(&state, &staff, Some(&station)).await?;
    let item_code = get("item").trim().to_owned();
    let values = IntakeValues {
        applicant_name: get("applicant_name"),
        applicant_id: get("applicant_id").trim().to_owned(),
        applicant_phone: get("applicant_phone"),
        proxy: get("proxy") == "1",
        proxy_name: get("proxy_name"),
        proxy_id: get("proxy_id").trim().to_owned(),
        proxy_phone: get("proxy_phone"),
        proxy_authorisation: get("proxy_authorisation"),
        pledge: get("pledge") == "1",
        ..IntakeValues::default()
    };
    let channel = get("channel");
    let relation = get("proxy_relation");
    let chosen = context
        .items
        .iter()
        .find(|(item, _)| item.code == item_code)
        .map(|(item, _)| item.clone());
    let forms: Vec<String> = chosen
        .as_ref()
        .map(|item| {
            (0..item.materials.len())
                .map(|i| get(&format!("m{i}")))
                .collect()
        })
        .unwrap_or_default();
    let result = match &chosen {
        None => Err(ApiError::validation(
            "请先选择要受理的事项",
            vec![crate::error::ProblemField {
                field: "item_code".into(),
                message: "请先选择要受理的事项".into(),
                line: None,
            }],
        )),
        Some(item) => {
            let input = IntakeInput {
                item_code: item.code.clone(),
                station_code: Some(context.station.clone()),
                channel: channel.clone(),
                applicant_name: values.applicant_name.clone(),
                applicant_id: values.applicant_id.clone(),
                applicant_phone: values.applicant_phone.clone(),
                proxy: values.proxy.then(|| ProxyInput {
                    name: values.proxy_name.clone(),
                    id_number: values.proxy_id.clone(),
                    phone: Some(values.proxy_phone.clone()),
                    relation: relation.clone(),
                    authorisation: values.proxy_authorisation.clone(),
                }),
                materials: item
                    .materials
                    .iter()
                    .zip(&forms)
                    .filter(|(_, form)| form.as_str() != "missing" && !form.is_empty())
                    .map(|(m, form)| (m.name.clone(), form.clone()))
                    .collect(),
                pledge: values.pledge,
            };
            // The form's one-time key makes a double submission create one case.
            let key = get("idempotency");
            let idempotency = (!key.is_empty()).then(|| {
                let mut hash = Sha256::new();
                for (k, v) in pairs.iter().filter(|(k, _)| k != "_csrf") {
                    hash.update(k.as_bytes());
                    hash.update([0]);
                    hash.update(v.as_bytes());
                    hash.update([0]);
                }
                (format!("form-{key}"), hex::encode(hash.finalize()))
            });
            use_case::intake(&state.store, &Clerk::from(&staff), &input, idempotency).await
        }
    };
    match result {
        Ok((case, _)) => {
            Ok(Redirect::to(&format!("/cases/{}?created=1", case.number)).into_response())
        }
        Err(error) if error.status.is_client_error() && error.status != StatusCode::FORBIDDEN => {
            let chrome = intake_chrome(&state, &staff, &context).await?;
            let errors = error
                .errors
                .iter()
                .map(|e| FieldProblem::from_problem(e, case_field_label))
                .collect();
            let page = intake_page(
                chrome,
                context,
                IntakeValues {
                    item_code,
                    channel,
                    relation,
                    forms,
                    ..values
                },
                error.message,
                errors,
            );
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(error) => Err(error.into()),
    }
}

// ---------------------------------------------------------------------------------------
// Case page
// ---------------------------------------------------------------------------------------

pub struct TimelineEntry {
    pub at: String,
    pub actor: String,
    pub station: String,
    pub description: String,
    pub custody: bool,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    chrome: Chrome,
    case: CaseDto,
    channel_label: &'static str,
    proxy_relation_label: String,
    /// Station code → name for the stations the page mentions.
    names: Vec<(String, String)>,
    timeline: Vec<TimelineEntry>,
    actions: Vec<String>,
    can_act: bool,
    standing_class: &'static str,
    message: String,
    error: bool,
    stale: bool,
}

#[derive(Debug, Deserialize)]
pub struct CaseQuery {
    created: Option<String>,
    done: Option<String>,
}

async fn case_page(
    state: &AppState,
    staff: &Staff,
    view: CaseView,
    message: String,
    error: bool,
    stale: bool,
    status: StatusCode,
) -> UiResult {
    let mut case = CaseDto::from_view(&view);
    let acting_here = match &staff.user.station_code {
        Some(own) => *own == case.current_station,
        None => staff.role().manages_network(),
    };
    let standing_class = if view.case.state.status.is_final() {
        "badge-muted"
    } else if view.case.state.paused_on.is_some() {
        "badge-info"
    } else {
        match view.calendar.standing(view.case.state.deadline, view.today) {
            yibao_domain::calendar::DeadlineStanding::OnTrack { .. } => "badge-open",
            yibao_domain::calendar::DeadlineStanding::DueSoon { .. } => "badge-warn",
            yibao_domain::calendar::DeadlineStanding::Overdue { .. } => "badge-closed",
        }
    };
    let actions = view
        .case
        .state
        .available_actions()
        .into_iter()
        .map(|a| a.as_str().to_owned())
        .collect();
    // Every station the page mentions, read in one query.
    let mut codes: Vec<String> = [
        &case.intake_station,
        &case.completing_station,
        &case.current_station,
    ]
    .into_iter()
    .chain(view.case.originals_station.as_ref())
    .chain(view.events.iter().map(|e| &e.station_code))
    .cloned()
    .chain(
        view.events
            .iter()
            .filter_map(|e| use_case::forwarded_to(e).map(str::to_owned)),
    )
    .collect();
    codes.sort_unstable();
    codes.dedup();
    let names = station_names(state, &codes).await?;
    let timeline = view
        .events
        .iter()
        .map(|e| TimelineEntry {
            at: local_time(e.at),
            actor: e.actor.clone(),
            station: e.station_code.clone(),
            description: use_case::event_line(e, |code| name_of(&names, code).map(str::to_owned)),
            custody: e.kind.starts_with("originals_"),
        })
        .collect();
    let chrome = Chrome::build(
        state,
        Some(staff),
        &format!("业务件 {}", case.number),
        "cases",
    )
    .await?
    .crumbs(vec![
        Crumb::link(
            "业务件",
            link("/cases", &[("station", &case.current_station)]),
        ),
        Crumb::here(case.number.clone()),
    ]);
    if let Some(code) = &view.case.originals_station {
        case.originals_label =
            crate::app::handoffs::custody_label_at(&view.case, &named(&names, code));
    }
    let page = CasePage {
        chrome,
        channel_label: view.case.channel.label(),
        proxy_relation_label: view
            .case
            .proxy
            .as_ref()
            .map(|p| p.relation.label().to_owned())
            .unwrap_or_default(),
        names,
        case,
        timeline,
        actions,
        can_act: acting_here,
        standing_class,
        message,
        error,
        stale,
    };
    Ok(render(status, &page))
}

pub async fn page(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    Path(number): Path<String>,
    UiQuery(query): UiQuery<CaseQuery>,
) -> UiResult {
    let view = use_case::get(&state.store, &Clerk::from(&staff), &number).await?;
    let message = if query.created.is_some() {
        format!(
            "已受理，业务编号 {}。请将编号告知申请人，凭编号和身份证号可查询进度。",
            view.case.number
        )
    } else if let Some(done) = query
        .done
        .as_deref()
        .and_then(|d| d.parse::<ActionKind>().ok())
    {
        format!("已执行：{}", done.label())
    } else {
        String::new()
    };
    case_page(&state, &staff, view, message, false, false, StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
pub struct ActionForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    action: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
    /// One material per line.
    #[serde(default)]
    list: String,
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .flat_map(|line| line.split(['、', '，', ',', '；', ';']))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

pub async fn act(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    Path(number): Path<String>,
    UiForm(form): UiForm<ActionForm>,
) -> UiResult {
    staff.check_csrf(Some(&form.csrf))?;
    let clerk = Clerk::from(&staff);
    let kind: ActionKind = form
        .action
        .parse()
        .map_err(|e: yibao_domain::ParseError| UiError::bad_request(e.to_string()))?;
    let action = match kind {
        ActionKind::InitialReview => CaseAction::InitialReview,
        ActionKind::AcceptUpstream => CaseAction::AcceptUpstream,
        ActionKind::Complete => CaseAction::Complete {
            note: form.note.trim().to_owned(),
        },
        ActionKind::Reject => CaseAction::Reject {
            reason: form.reason.trim().to_owned(),
        },
        ActionKind::ReturnForSupplement => CaseAction::ReturnForSupplement {
            missing: lines(&form.list),
        },
        ActionKind::Resubmit => CaseAction::Resubmit {
            supplied: lines(&form.list),
        },
        ActionKind::SupplyPledged => CaseAction::SupplyPledged {
            materials: lines(&form.list),
        },
        ActionKind::Withdraw => CaseAction::Withdraw {
            reason: form.reason.trim().to_owned(),
        },
    };
    let version: i64 = form
        .version
        .trim()
        .parse()
        .map_err(|_| UiError::bad_request("表单缺少版本号，请刷新页面后重试"))?;
    match use_case::transition(&state.store, &clerk, &number, &action, version).await {
        Ok(view) => Ok(Redirect::to(&format!(
            "/cases/{}?done={}",
            view.case.number,
            kind.as_str()
        ))
        .into_response()),
        Err(error)
            if error.status == StatusCode::CONFLICT
                || error.status == StatusCode::UNPROCESSABLE_ENTITY =>
        {
            let stale = error.status == StatusCode::CONFLICT;
            let message = if stale {
                "本件已被其他工作人员办理（版本已变化），您的操作未执行。下面是最新情况，请核对后重新操作。"
                    .to_owned()
            } else {
                format!("未能{}：{}", kind.label(), error.message)
            };
            let view = use_case::get(&state.store, &clerk, &number).await?;
            case_page(&state, &staff, view, message, true, stale, error.status).await
        }
        Err(error) => Err(error.into()),
    }
}

/// (code, name) of the stations among `codes`, read in one query.
pub(super) async fn station_names(
    state: &AppState,
    codes: &[String],
) -> Result<Vec<(String, String)>, UiError> {
    Ok(state
        .store
        .stations_by_codes(codes)
        .await?
        .into_iter()
        .map(|station| (station.code.to_string(), station.name))
        .collect())
}

/// The name of a station among `names` (code → name).
pub(super) fn name_of<'a>(names: &'a [(String, String)], code: &str) -> Option<&'a str> {
    names
        .iter()
        .find(|(c, _)| c == code)
        .map(|(_, name)| name.as_str())
}

/// "name（code）" of a station among `names`, else the code.
fn named(names: &[(String, String)], code: &str) -> String {
    match name_of(names, code) {
        Some(name) => format!("{name}（{code}）"),
        None => code.to_owned(),
    }
}

impl CasePage {
    /// "name（code）" of a station the page mentions.
    fn station(&self, code: &str) -> String {
        named(&self.names, code)
    }

    /// The name of a station the page mentions (its code when it has none).
    fn station_name(&self, code: &str) -> String {
        name_of(&self.names, code).unwrap_or(code).to_owned()
    }
}

impl IntakePage {
    /// The error of one field ("" when none).
    fn err(&self, field: &str) -> String {
        self.errors
            .iter()
            .filter(|e| e.field == field)
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>()
            .join("；")
    }
}
