//! Case use cases: intake at any station, transitions along the route, worklists, the
//! resident's lookup and rating.
//!
//! The rules live in `yibao_domain::case`; here they meet the database: the station chain
//! and delegation matrix for routing, the holiday calendar for deadlines, the clerk's station
//! and region scope for permission, and one store call per write (with its timeline, SMS
//! outbox rows and audit row in the same transaction).

use axum::http::StatusCode;
use chrono::NaiveDate;
use yibao_domain::calendar::{WorkingCalendar, shanghai_date};
use yibao_domain::case::{
    self, CaseAction, CaseEvent, CaseState, CaseStatus, IntakeChannel, IntakeRequest, MaterialForm,
    Proxy, ProxyRelation, Refusal, RouteStop,
};
use yibao_domain::{HandlingMode, IdNumber, StationCode};
use yibao_store::{
    AuditEntry, CaseEventRecord, CaseFilter, CaseSummary, IdempotencyKey, IntakeOutcome, NewCase,
    Page, PageRequest, Store, StoredCase,
};

use crate::app::Actor;
use crate::auth::Staff;
use crate::error::{ApiError, ProblemField};

/// A staff member acting on cases: who, and at which station.
#[derive(Debug, Clone)]
pub struct Clerk {
    pub actor: Actor,
    /// The station the account belongs to; accounts without one (bureau and county
    /// supervisors) act for whichever station in their scope holds the case.
    pub station: Option<String>,
}

impl From<&Staff> for Clerk {
    fn from(staff: &Staff) -> Clerk {
        Clerk {
            actor: Actor::from(staff),
            station: staff.user.station_code.clone(),
        }
    }
}

impl Clerk {
    pub fn system() -> Clerk {
        Clerk {
            actor: Actor::system(),
            station: None,
        }
    }

    /// The station this clerk acts for on a case held by `holder`.
    fn acting_station(&self, holder: &str) -> Result<String, ApiError> {
        match &self.station {
            Some(station) => Ok(station.clone()),
            None if self.actor.role.manages_network() => Ok(holder.to_owned()),
            None => Err(ApiError::forbidden(
                "您的账号未归属任何站点，不能办理业务件",
            )),
        }
    }
}

/// A refusal of the case rules as a problem response (422 with the rule's own code).
pub fn refused(refusal: Refusal) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        refusal.code(),
        refusal.to_string(),
    )
}

/// A validation error on one field.
pub(crate) fn field_error(field: &str, message: String) -> ApiError {
    ApiError::validation(
        message.clone(),
        vec![ProblemField {
            field: field.to_owned(),
            message,
            line: None,
        }],
    )
}

/// A proxy as typed in.
#[derive(Debug, Clone, Default)]
pub struct ProxyInput {
    pub name: String,
    pub id_number: String,
    pub phone: Option<String>,
    pub relation: String,
    pub authorisation: String,
}

/// An intake as typed in (API body or console form).
#[derive(Debug, Clone, Default)]
pub struct IntakeInput {
    pub item_code: String,
    /// Defaults to the clerk's station.
    pub station_code: Option<String>,
    pub channel: String,
    pub applicant_name: String,
    pub applicant_id: String,
    pub applicant_phone: String,
    pub proxy: Option<ProxyInput>,
    /// (material name, `paper` | `e_certificate` | `missing`)
    pub materials: Vec<(String, String)>,
    pub pledge: bool,
}

/// A case with its timeline.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub case: StoredCase,
    pub events: Vec<CaseEventRecord>,
    pub today: NaiveDate,
    pub calendar: WorkingCalendar,
}

/// The station a forwarding event sent the case to (`None` for every other event).
pub fn forwarded_to(event: &CaseEventRecord) -> Option<&str> {
    if event.kind != "forwarded" {
        return None;
    }
    event.detail.get("to").and_then(|to| to.as_str())
}

/// An event's timeline line for people reading it: the stored line, except that a forwarding
/// names the station it went to (`name` maps a code to a station name). The stored line keeps
/// the code, which stays true when a station is renamed.
pub fn event_line(event: &CaseEventRecord, name: impl Fn(&str) -> Option<String>) -> String {
    match forwarded_to(event).and_then(name) {
        Some(station) => format!("转办至 {station}"),
        None => event.description.clone(),
    }
}

/// Today in Asia/Shanghai.
pub fn today() -> NaiveDate {
    shanghai_date(yibao_store::now())
}

fn parse_intake(input: &IntakeInput) -> Result<IntakeRequest, ApiError> {
    let applicant_id = IdNumber::parse(&input.applicant_id)
        .map_err(|e| field_error("applicant.id_number", format!("申请人{e}")))?;
    let channel: IntakeChannel = input
        .channel
        .parse()
        .map_err(|e: yibao_domain::ParseError| field_error("channel", e.to_string()))?;
    let proxy = match &input.proxy {
        None => None,
        Some(proxy) => Some(Proxy {
            name: proxy.name.trim().to_owned(),
            id_number: IdNumber::parse(&proxy.id_number)
                .map_err(|e| field_error("proxy.id_number", format!("代办人{e}")))?,
            phone: proxy
                .phone
                .as_deref()
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned),
            relation: proxy
                .relation
                .parse::<ProxyRelation>()
                .map_err(|e| field_error("proxy.relation", e.to_string()))?,
            authorisation: proxy.authorisation.trim().to_owned(),
        }),
    };
    let materials = input
        .materials
        .iter()
        .map(|(name, form)| {
            Ok((
                name.trim().to_owned(),
                form.parse::<MaterialForm>()
                    .map_err(|e| field_error("materials", e.to_string()))?,
            ))
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(IntakeRequest {
        channel,
        applicant_name: input.applicant_name.trim().to_owned(),
        applicant_id,
        applicant_phone: input.applicant_phone.trim().to_owned(),
        proxy,
        materials,
        pledge: input.pledge,
    })
}

/// Takes a case in at a station: the case and, when it was created now, its intake event (the
/// whole timeline of a new case). With an idempotency key, a retry of the same request returns
/// the first case with `None` and creates nothing.
pub async fn intake(
    store: &Store,
    clerk: &Clerk,
    input: &IntakeInput,
    idempotency: Option<(String, String)>,
) -> Result<(StoredCase, Option<CaseEventRecord>), ApiError> {
    let request = parse_intake(input)?;
    let station_code = match (&input.station_code, &clerk.station) {
        (Some(given), Some(own)) if given.trim() != own => {
            return Err(ApiError::forbidden(format!(
                "您只能以本站（{own}）的名义受理业务件"
            )));
        }
        (Some(given), _) => given.trim().to_owned(),
        (None, Some(own)) => own.clone(),
        (None, None) => {
            return Err(field_error("station_code", "请指定受理站点".to_owned()));
        }
    };
    if clerk.station.is_none() && !clerk.actor.role.manages_network() {
        return Err(ApiError::forbidden(
            "您的账号未归属任何站点，不能受理业务件",
        ));
    }
    let reference = store
        .intake_reference(&station_code, input.item_code.trim())
        .await?;
    let item = reference
        .item
        .ok_or_else(|| {
            field_error(
                "item_code",
                format!("事项“{}”不存在", input.item_code.trim()),
            )
        })?
        .item;
    let checked = case::check_intake(&item, &request).map_err(refused)?;
    let chain = reference.chain;
    let Some(intake_station) = chain.first() else {
        return Err(field_error(
            "station_code",
            format!("站点“{station_code}”不存在"),
        ));
    };
    clerk.actor.ensure_in_scope(&intake_station.region_code)?;
    if !intake_station.open {
        return Err(ApiError::conflict(
            "station_closed",
            format!("站点“{station_code}”已撤销，不能受理业务件"),
        ));
    }
    let stops = chain
        .iter()
        .map(|station| {
            Ok(RouteStop {
                code: StationCode::parse(&station.code)?,
                level: station.level,
                mode: if station.open {
                    station.mode
                } else {
                    HandlingMode::None
                },
            })
        })
        .collect::<Result<Vec<_>, yibao_domain::ParseError>>()?;
    let county_hall = reference
        .county_hall
        .map(|code| StationCode::parse(&code))
        .transpose()?;
    let route = case::route_case(&item.name, &stops, county_hall.as_ref()).map_err(refused)?;
    let calendar = store.working_calendar().await?;
    let intake_code = stops[0].code.clone();
    let state = CaseState::new(
        intake_code.clone(),
        &route,
        item.time_limit,
        today(),
        &calendar,
        checked.pledged.clone(),
    );
    let event = CaseEvent::Submitted {
        station: intake_code,
        route: route.kind,
        completing_station: route.completing_station.clone(),
        deadline: state.deadline,
        pledged: checked.pledged.clone(),
    };
    let new = NewCase {
        item_code: item.code.clone(),
        item_name: item.name.clone(),
        channel: request.channel,
        applicant_name: request.applicant_name.clone(),
        applicant_id: request.applicant_id.clone(),
        applicant_phone: request.applicant_phone.clone(),
        proxy: request.proxy.clone(),
        region_code: intake_station.region_code.clone(),
        state,
        checklist: checked.checklist,
        has_paper: checked.has_paper,
        created_by: clerk.actor.username.clone(),
        event,
    };
    let audit = clerk
        .actor
        .audit("case.create", "case", "")
        .region(intake_station.region_code.as_str())
        .detail(serde_json::json!({
            "item": item.code,
            "station": station_code,
            "completing_station": route.completing_station.as_str(),
            "channel": request.channel.as_str(),
            "proxy": request.proxy.as_ref().map(|p| p.relation.as_str()),
            "pledged": checked.pledged,
        }));
    let key = idempotency.map(|(key, request_hash)| IdempotencyKey {
        actor: clerk.actor.username.clone(),
        key,
        request_hash,
    });
    match store.create_case(&new, key.as_ref(), &audit).await? {
        IntakeOutcome::Created(case, event) => Ok((case, Some(event))),
        IntakeOutcome::Replayed(case) => Ok((case, None)),
        IntakeOutcome::KeyReused => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "该幂等键（Idempotency-Key）已用于另一个不同的请求",
        )),
    }
}

async fn load(store: &Store, actor: &Actor, number: &str) -> Result<StoredCase, ApiError> {
    let case = store
        .get_case(number.trim())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("业务件“{}”不存在", number.trim())))?;
    actor.ensure_in_scope(&case.region_code)?;
    Ok(case)
}

/// One case with its timeline; the read is audited (the case holds personal data).
pub async fn get(store: &Store, clerk: &Clerk, number: &str) -> Result<CaseView, ApiError> {
    let case = load(store, &clerk.actor, number).await?;
    store
        .append_audit(
            &clerk
                .actor
                .audit("case.read", "case", &case.number)
                .region(case.region_code.as_str()),
        )
        .await?;
    view(store, case).await
}

async fn view(store: &Store, case: StoredCase) -> Result<CaseView, ApiError> {
    let events = store.case_events(case.id).await?;
    Ok(CaseView {
        case,
        events,
        today: today(),
        calendar: store.working_calendar().await?,
    })
}

/// Applies an action taken by the clerk's station, if the case is still at `version`.
pub async fn transition(
    store: &Store,
    clerk: &Clerk,
    number: &str,
    action: &CaseAction,
    version: i64,
) -> Result<CaseView, ApiError> {
    let case = load(store, &clerk.actor, number).await?;
    if case.version != version {
        return Err(ApiError::conflict(
            "stale_version",
            "业务件已被他人办理（版本已变化），请刷新后重试",
        ));
    }
    let station = clerk.acting_station(case.state.current_station.as_str())?;
    let station = StationCode::parse(&station)?;
    let calendar = store.working_calendar().await?;
    let next =
        case::transition(&case.state, action, &station, today(), &calendar).map_err(refused)?;
    let audit = clerk
        .actor
        .audit(
            &format!("case.{}", action.kind().as_str()),
            "case",
            &case.number,
        )
        .region(case.region_code.as_str())
        .detail(serde_json::json!({
            "from": case.state.status.as_str(),
            "to": next.state.status.as_str(),
            "station": station.as_str(),
        }));
    let updated = store
        .apply_case_transition(&case, version, &next, &clerk.actor.username, &audit)
        .await?;
    view(store, updated).await
}

/// The worklists of a station.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Worklist {
    /// 待初审
    ToReview,
    /// 待上级受理
    ToAccept,
    /// 待办结
    ToComplete,
    /// 退回补正中
    Returned,
    /// 即将到期
    DueSoon,
    /// 已超期
    Overdue,
    /// 本站受理的全部业务件
    TakenIn,
}

impl Worklist {
    pub const ALL: [Worklist; 7] = [
        Worklist::ToReview,
        Worklist::ToAccept,
        Worklist::ToComplete,
        Worklist::Returned,
        Worklist::DueSoon,
        Worklist::Overdue,
        Worklist::TakenIn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Worklist::ToReview => "to_review",
            Worklist::ToAccept => "to_accept",
            Worklist::ToComplete => "to_complete",
            Worklist::Returned => "returned",
            Worklist::DueSoon => "due_soon",
            Worklist::Overdue => "overdue",
            Worklist::TakenIn => "taken_in",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Worklist::ToReview => "待初审",
            Worklist::ToAccept => "待受理（下级转来）",
            Worklist::ToComplete => "待办结",
            Worklist::Returned => "退回补正中",
            Worklist::DueSoon => "即将到期",
            Worklist::Overdue => "已超期",
            Worklist::TakenIn => "本站受理",
        }
    }

    pub fn parse(text: &str) -> Result<Worklist, ApiError> {
        Worklist::ALL
            .into_iter()
            .find(|w| w.as_str() == text.trim())
            .ok_or_else(|| {
                field_error(
                    "list",
                    format!(
                        "工作清单“{}”无效：应为 to_review、to_accept、to_complete、returned、due_soon、overdue 或 taken_in",
                        text.trim()
                    ),
                )
            })
    }

    fn filter(self, station: &str, today: NaiveDate, calendar: &WorkingCalendar) -> CaseFilter {
        use CaseStatus::*;
        let mut filter = CaseFilter {
            current_station: Some(station.to_owned()),
            ..CaseFilter::default()
        };
        match self {
            Worklist::ToReview => filter.statuses = vec![Submitted],
            Worklist::ToAccept => filter.statuses = vec![Forwarded],
            Worklist::ToComplete => filter.statuses = vec![Accepted],
            Worklist::Returned => filter.statuses = vec![Returned],
            Worklist::DueSoon => {
                filter.statuses = vec![Submitted, Forwarded, Accepted];
                filter.deadline_from = Some(today);
                filter.deadline_to = Some(calendar.due_soon_until(today));
            }
            Worklist::Overdue => {
                filter.statuses = vec![Submitted, Forwarded, Accepted];
                filter.deadline_to = today.pred_opt();
            }
            Worklist::TakenIn => {
                filter.current_station = None;
                filter.intake_station = Some(station.to_owned());
            }
        }
        filter
    }
}

async fn station_in_scope(store: &Store, actor: &Actor, station: &str) -> Result<(), ApiError> {
    let found = store
        .get_station(station.trim())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("站点“{}”不存在", station.trim())))?;
    actor.ensure_in_scope(&found.region_code)
}

/// One page of a station's worklist, optionally searched.
pub async fn worklist(
    store: &Store,
    clerk: &Clerk,
    station: &str,
    list: Worklist,
    query: Option<String>,
    page: PageRequest,
) -> Result<Page<CaseSummary>, ApiError> {
    station_in_scope(store, &clerk.actor, station).await?;
    let calendar = store.working_calendar().await?;
    let mut filter = list.filter(station.trim(), today(), &calendar);
    filter.query = query;
    filter.scope = clerk.actor.scope.clone();
    Ok(store.list_cases(&filter, page).await?)
}

/// How many cases each worklist of a station holds.
pub async fn worklist_counts(
    store: &Store,
    clerk: &Clerk,
    station: &str,
) -> Result<Vec<(Worklist, i64)>, ApiError> {
    station_in_scope(store, &clerk.actor, station).await?;
    let calendar = store.working_calendar().await?;
    let mut counts = Vec::new();
    for list in Worklist::ALL {
        let mut filter = list.filter(station.trim(), today(), &calendar);
        filter.scope = clerk.actor.scope.clone();
        let page = store
            .list_cases(&filter, PageRequest::new(Some(1), Some(1)))
            .await?;
        counts.push((list, page.total));
    }
    Ok(counts)
}

/// Failed lookups by case number and ID number (wrong pair, malformed ID) one client address
/// may make within the login window (15 minutes) before it must wait: the pair is the
/// resident's only key, so guessing is slowed down.
pub const RESIDENT_MAX_FAILURES_PER_ADDRESS: usize = 20;

/// Runs a resident's lookup (`track`, `rate`) under the per-address limit on failures.
pub async fn resident_guarded<T>(
    state: &crate::AppState,
    ip: Option<&str>,
    lookup: impl std::future::Future<Output = Result<T, ApiError>>,
) -> Result<T, ApiError> {
    let key = format!("resident:{}", ip.unwrap_or("-"));
    if let Some(seconds) = state
        .limiter
        .retry_after(&key, RESIDENT_MAX_FAILURES_PER_ADDRESS)
    {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!("查询失败次数过多，请 {} 分钟后再试", seconds.div_ceil(60)),
        ));
    }
    let result = lookup.await;
    if let Err(error) = &result
        && matches!(
            error.status,
            StatusCode::NOT_FOUND | StatusCode::UNPROCESSABLE_ENTITY
        )
    {
        state.limiter.record_failure(&key);
    }
    result
}

/// The resident's lookup with case number and ID number; a mismatch looks exactly like an
/// unknown number, and every lookup is audited.
pub async fn track(
    store: &Store,
    number: &str,
    id_number: &str,
    ip: Option<String>,
) -> Result<CaseView, ApiError> {
    let not_found = || ApiError::not_found("未找到该业务件：请核对业务编号和身份证号码");
    let id = IdNumber::parse(id_number).map_err(|e| field_error("id_number", e.to_string()))?;
    let case = store
        .find_case_for_resident(number.trim(), &id)
        .await?
        .ok_or_else(not_found)?;
    store
        .append_audit(
            &AuditEntry::new("resident", "case.track", "case", &case.number)
                .region(case.region_code.as_str())
                .ip(ip),
        )
        .await?;
    view(store, case).await
}

/// The resident rates a completed case 1–5 with an optional comment (好差评), once.
pub async fn rate(
    store: &Store,
    number: &str,
    id_number: &str,
    score: i64,
    comment: &str,
    ip: Option<String>,
) -> Result<yibao_store::Rating, ApiError> {
    if !(1..=5).contains(&score) {
        return Err(field_error("score", "评分应为 1～5 分".to_owned()));
    }
    let comment = comment.trim();
    if comment.chars().count() > 500 {
        return Err(field_error(
            "comment",
            "评价内容过长（最多 500 个字）".to_owned(),
        ));
    }
    let view = track(store, number, id_number, ip.clone()).await?;
    let case = &view.case;
    if case.state.status != CaseStatus::Completed {
        return Err(ApiError::conflict(
            "case_not_completed",
            "业务件办结后才能评价",
        ));
    }
    if store.case_rating(case.id).await?.is_some() {
        return Err(ApiError::conflict(
            "duplicate",
            "本件已评价过，不能重复评价",
        ));
    }
    let audit = AuditEntry::new("resident", "case.rate", "case", &case.number)
        .region(case.region_code.as_str())
        .ip(ip)
        .detail(serde_json::json!({ "score": score }));
    Ok(store
        .rate_case(
            case.id,
            case.state.completing_station.as_str(),
            score as i16,
            comment,
            &audit,
        )
        .await?)
}

/// Ratings rolled up per station inside the caller's scope.
pub async fn station_ratings(
    store: &Store,
    actor: &Actor,
) -> Result<Vec<yibao_store::StationRating>, ApiError> {
    Ok(store
        .station_ratings(actor.scope.as_ref().map(|s| s.as_str()))
        .await?)
}
