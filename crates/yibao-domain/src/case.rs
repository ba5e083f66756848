//! Cases (业务件) handled across levels: intake, routing, the state machine and its events.
//!
//! A case is taken in at any station, reviewed there first (初审) and either completed on site
//! or forwarded to the nearest ancestor station that completes the item (else the county
//! hall). Every transition is a pure function from the current state and an action to the
//! new state plus the events to record, or a typed refusal with a Chinese reason. Storage,
//! permissions by role and notifications are the callers' business; the rules are here.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::calendar::WorkingCalendar;
use crate::{
    Channel, HandlingMode, IdNumber, ParseError, ServiceItem, StationCode, StationLevel, TimeLimit,
};

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// 待初审: taken in, waiting for the intake station's initial review.
    Submitted,
    /// 已转办: reviewed and sent upstream, waiting for the completing station to accept it.
    Forwarded,
    /// 已受理: at the completing station, waiting for completion.
    Accepted,
    /// 退回补正: waiting for the applicant's supplement; the deadline clock stops.
    Returned,
    /// 已办结.
    Completed,
    /// 不予受理/不予办理.
    Rejected,
    /// 已撤回 at the applicant's request.
    Withdrawn,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 7] = [
        CaseStatus::Submitted,
        CaseStatus::Forwarded,
        CaseStatus::Accepted,
        CaseStatus::Returned,
        CaseStatus::Completed,
        CaseStatus::Rejected,
        CaseStatus::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Submitted => "submitted",
            CaseStatus::Forwarded => "forwarded",
            CaseStatus::Accepted => "accepted",
            CaseStatus::Returned => "returned",
            CaseStatus::Completed => "completed",
            CaseStatus::Rejected => "rejected",
            CaseStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CaseStatus::Submitted => "待初审",
            CaseStatus::Forwarded => "已转办待受理",
            CaseStatus::Accepted => "已受理待办结",
            CaseStatus::Returned => "退回补正",
            CaseStatus::Completed => "已办结",
            CaseStatus::Rejected => "不予受理",
            CaseStatus::Withdrawn => "已撤回",
        }
    }

    /// No action can change a finished case.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            CaseStatus::Completed | CaseStatus::Rejected | CaseStatus::Withdrawn
        )
    }
}

impl FromStr for CaseStatus {
    type Err = ParseError;
    fn from_str(text: &str) -> Result<CaseStatus, ParseError> {
        CaseStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == text.trim())
            .ok_or_else(|| ParseError::Invalid(format!("业务件状态“{}”无效", text.trim())))
    }
}

impl fmt::Display for CaseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the application reached the station (the catalog's `Channel` lists what an item
/// offers; this is how one case actually came in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntakeChannel {
    /// 窗口办 at the station's counter.
    Counter,
    /// 掌上办 on the resident's phone.
    Mobile,
    /// 视频办: the applicant meets staff on screen.
    Video,
    /// 银行网点 acting as a station.
    Bank,
    /// 上门办: a grid worker or volunteer at the applicant's home.
    HomeVisit,
}

impl IntakeChannel {
    pub const ALL: [IntakeChannel; 5] = [
        IntakeChannel::Counter,
        IntakeChannel::Mobile,
        IntakeChannel::Video,
        IntakeChannel::Bank,
        IntakeChannel::HomeVisit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IntakeChannel::Counter => "counter",
            IntakeChannel::Mobile => "mobile",
            IntakeChannel::Video => "video",
            IntakeChannel::Bank => "bank",
            IntakeChannel::HomeVisit => "home_visit",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            IntakeChannel::Counter => "窗口办",
            IntakeChannel::Mobile => "掌上办",
            IntakeChannel::Video => "视频办",
            IntakeChannel::Bank => "银行网点办",
            IntakeChannel::HomeVisit => "上门办",
        }
    }

    /// Whether an item that offers `channels` can be applied for this way. Staff-assisted
    /// channels (video, bank, home visit) stand in for the counter; the mobile channel needs
    /// the item on the mobile app (掌上办).
    pub fn offered_by(self, channels: &[Channel]) -> bool {
        match self {
            IntakeChannel::Mobile => channels.contains(&Channel::Mobile),
            _ => !channels.is_empty(),
        }
    }
}

impl FromStr for IntakeChannel {
    type Err = ParseError;
    fn from_str(text: &str) -> Result<IntakeChannel, ParseError> {
        IntakeChannel::ALL
            .into_iter()
            .find(|channel| channel.as_str() == text.trim() || channel.label() == text.trim())
            .ok_or_else(|| {
                ParseError::Invalid(format!(
                    "受理渠道“{}”无效：应为 counter、mobile、video、bank 或 home_visit",
                    text.trim()
                ))
            })
    }
}

/// Who a proxy applicant (代办人) is to the principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProxyRelation {
    GridWorker,
    Volunteer,
    Relative,
    Other,
}

impl ProxyRelation {
    pub const ALL: [ProxyRelation; 4] = [
        ProxyRelation::GridWorker,
        ProxyRelation::Volunteer,
        ProxyRelation::Relative,
        ProxyRelation::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProxyRelation::GridWorker => "grid_worker",
            ProxyRelation::Volunteer => "volunteer",
            ProxyRelation::Relative => "relative",
            ProxyRelation::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ProxyRelation::GridWorker => "网格员",
            ProxyRelation::Volunteer => "志愿者",
            ProxyRelation::Relative => "亲属",
            ProxyRelation::Other => "其他受托人",
        }
    }
}

impl FromStr for ProxyRelation {
    type Err = ParseError;
    fn from_str(text: &str) -> Result<ProxyRelation, ParseError> {
        ProxyRelation::ALL
            .into_iter()
            .find(|r| r.as_str() == text.trim() || r.label() == text.trim())
            .ok_or_else(|| {
                ParseError::Invalid(format!(
                    "代办关系“{}”无效：应为 grid_worker、volunteer、relative 或 other",
                    text.trim()
                ))
            })
    }
}

/// A proxy applicant with the principal's authorisation (授权委托).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proxy {
    pub name: String,
    pub id_number: IdNumber,
    pub phone: Option<String>,
    pub relation: ProxyRelation,
    /// How the principal authorised the proxy: the signed power of attorney's number or a
    /// description of the recorded consent.
    pub authorisation: String,
}

/// How one material of the checklist was provided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaterialForm {
    /// Paper original: it travels with the case (chain of custody).
    Paper,
    /// Replaced by an electronic certificate or shared data (电子证照).
    ECertificate,
    /// Not provided.
    Missing,
}

impl MaterialForm {
    pub fn as_str(self) -> &'static str {
        match self {
            MaterialForm::Paper => "paper",
            MaterialForm::ECertificate => "e_certificate",
            MaterialForm::Missing => "missing",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MaterialForm::Paper => "纸质原件",
            MaterialForm::ECertificate => "电子证照替代",
            MaterialForm::Missing => "未提供",
        }
    }
}

impl FromStr for MaterialForm {
    type Err = ParseError;
    fn from_str(text: &str) -> Result<MaterialForm, ParseError> {
        match text.trim() {
            "paper" => Ok(MaterialForm::Paper),
            "e_certificate" => Ok(MaterialForm::ECertificate),
            "missing" => Ok(MaterialForm::Missing),
            other => Err(ParseError::Invalid(format!(
                "材料提供方式“{other}”无效：应为 paper、e_certificate 或 missing"
            ))),
        }
    }
}

/// One line of a case's materials checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistLine {
    pub name: String,
    pub required: bool,
    /// The guide allows an e-certificate instead of paper.
    pub e_certificate_allowed: bool,
    pub form: MaterialForm,
    /// Missing on a written pledge (容缺受理), to be supplied before completion.
    pub pledged: bool,
}

/// Everything an intake needs, parsed.
#[derive(Debug, Clone)]
pub struct IntakeRequest {
    pub channel: IntakeChannel,
    pub applicant_name: String,
    pub applicant_id: IdNumber,
    pub applicant_phone: String,
    pub proxy: Option<Proxy>,
    /// Materials as provided, by name; materials not named are missing.
    pub materials: Vec<(String, MaterialForm)>,
    /// The applicant signed a pledge to supply minor missing materials (容缺承诺书).
    pub pledge: bool,
}

/// The checked intake: the checklist and who to notify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedIntake {
    pub checklist: Vec<ChecklistLine>,
    /// Names of materials missing on the pledge.
    pub pledged: Vec<String>,
    /// Whether paper originals travel with the case.
    pub has_paper: bool,
}

/// A mobile phone number: 11 digits starting with 1.
pub fn is_mobile_phone(text: &str) -> bool {
    text.len() == 11 && text.starts_with('1') && text.bytes().all(|b| b.is_ascii_digit())
}

/// Checks an intake against the item's guide: channel, proxy, materials, pledge.
pub fn check_intake(item: &ServiceItem, request: &IntakeRequest) -> Result<CheckedIntake, Refusal> {
    let name = request.applicant_name.trim();
    if name.is_empty() {
        return Err(Refusal::ApplicantNameMissing);
    }
    if name.chars().count() > 50 {
        return Err(Refusal::ApplicantNameTooLong);
    }
    if !is_mobile_phone(request.applicant_phone.trim()) {
        return Err(Refusal::PhoneInvalid(
            request.applicant_phone.trim().to_owned(),
        ));
    }
    if !request.channel.offered_by(&item.channels) {
        return Err(Refusal::ChannelNotOffered {
            item: item.name.clone(),
            channel: request.channel.label(),
        });
    }
    if let Some(proxy) = &request.proxy {
        if !item.proxy_allowed {
            return Err(Refusal::ProxyNotAllowed(item.name.clone()));
        }
        if proxy.name.trim().is_empty() {
            return Err(Refusal::ProxyNameMissing);
        }
        if proxy.authorisation.trim().is_empty() {
            return Err(Refusal::AuthorisationMissing);
        }
        if proxy.id_number == request.applicant_id {
            return Err(Refusal::ProxyIsApplicant);
        }
        if let Some(phone) = &proxy.phone
            && !is_mobile_phone(phone.trim())
        {
            return Err(Refusal::PhoneInvalid(phone.trim().to_owned()));
        }
    }
    let mut seen = BTreeSet::new();
    for (material, form) in &request.materials {
        let Some(guide) = item.materials.iter().find(|m| m.name == *material) else {
            return Err(Refusal::UnknownMaterial(material.clone()));
        };
        if !seen.insert(material.as_str()) {
            return Err(Refusal::MaterialTwice(material.clone()));
        }
        if *form == MaterialForm::ECertificate && !guide.e_certificate {
            return Err(Refusal::ECertificateNotAccepted(material.clone()));
        }
    }
    let form_of = |name: &str| {
        request
            .materials
            .iter()
            .find(|(material, _)| material == name)
            .map(|(_, form)| *form)
            .unwrap_or(MaterialForm::Missing)
    };
    let missing: Vec<String> = item
        .materials
        .iter()
        .filter(|m| m.required && form_of(&m.name) == MaterialForm::Missing)
        .map(|m| m.name.clone())
        .collect();
    if request.pledge && !item.minor_missing_pledge {
        return Err(Refusal::PledgeNotOffered(item.name.clone()));
    }
    if request.pledge && missing.is_empty() {
        return Err(Refusal::PledgeWithoutMissing);
    }
    if !missing.is_empty() && !request.pledge {
        return Err(Refusal::MaterialsMissing {
            missing,
            pledge_possible: item.minor_missing_pledge,
        });
    }
    let checklist: Vec<ChecklistLine> = item
        .materials
        .iter()
        .map(|m| {
            let form = form_of(&m.name);
            ChecklistLine {
                name: m.name.clone(),
                required: m.required,
                e_certificate_allowed: m.e_certificate,
                form,
                pledged: m.required && form == MaterialForm::Missing,
            }
        })
        .collect();
    Ok(CheckedIntake {
        has_paper: checklist.iter().any(|l| l.form == MaterialForm::Paper),
        checklist,
        pledged: missing,
    })
}

/// One station on the way up from the intake station, with how it handles the item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteStop {
    pub code: StationCode,
    pub level: StationLevel,
    pub mode: HandlingMode,
}

/// How a case reaches the station that completes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteKind {
    /// 直接办结 where it was taken in.
    OnSite,
    /// 受理转办 to the nearest ancestor that completes the item.
    Forward,
    /// No ancestor completes the item: the county hall does.
    CountyHall,
}

/// Where a case will be completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub completing_station: StationCode,
    pub kind: RouteKind,
}

/// Routes a case over the station hierarchy. `chain[0]` is the intake station, then its
/// parent, grandparent… up to the root; `county_hall` is the county's hall for when no
/// station in the chain completes the item and none of them is at county level.
pub fn route_case(
    item_name: &str,
    chain: &[RouteStop],
    county_hall: Option<&StationCode>,
) -> Result<Route, Refusal> {
    let Some(intake) = chain.first() else {
        return Err(Refusal::NoCompletingStation(item_name.to_owned()));
    };
    match intake.mode {
        HandlingMode::None => return Err(Refusal::NotHandledHere(item_name.to_owned())),
        HandlingMode::Complete => {
            return Ok(Route {
                completing_station: intake.code.clone(),
                kind: RouteKind::OnSite,
            });
        }
        HandlingMode::AcceptForward => {}
    }
    if let Some(stop) = chain[1..]
        .iter()
        .find(|stop| stop.mode == HandlingMode::Complete)
    {
        return Ok(Route {
            completing_station: stop.code.clone(),
            kind: RouteKind::Forward,
        });
    }
    chain
        .iter()
        .find(|stop| stop.level == StationLevel::County)
        .map(|stop| &stop.code)
        .or(county_hall)
        .map(|code| Route {
            completing_station: code.clone(),
            kind: RouteKind::CountyHall,
        })
        .ok_or_else(|| Refusal::NoCompletingStation(item_name.to_owned()))
}

/// The part of a case the state machine reads and writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseState {
    pub status: CaseStatus,
    pub intake_station: StationCode,
    pub completing_station: StationCode,
    /// The station whose worklist holds the case now.
    pub current_station: StationCode,
    pub time_limit_days: Option<u16>,
    pub deadline: NaiveDate,
    /// Set while the case waits for a supplement: the day the clock stopped.
    pub paused_on: Option<NaiveDate>,
    /// Working days the clock has stood still in total.
    pub paused_working_days: u32,
    /// What the last return for supplement asked for (一次性告知).
    pub missing: Vec<String>,
    /// The status a resubmitted case goes back to.
    pub resume_status: Option<CaseStatus>,
    /// Stations that have returned the case once already.
    pub returned_by: Vec<StationCode>,
    /// Materials missing on a pledge (容缺), still to be supplied.
    pub pledged: Vec<String>,
}

impl CaseState {
    /// A freshly taken-in case: waiting for initial review at the intake station.
    pub fn new(
        intake_station: StationCode,
        route: &Route,
        time_limit: TimeLimit,
        intake_date: NaiveDate,
        calendar: &WorkingCalendar,
        pledged: Vec<String>,
    ) -> CaseState {
        CaseState {
            status: CaseStatus::Submitted,
            current_station: intake_station.clone(),
            intake_station,
            completing_station: route.completing_station.clone(),
            time_limit_days: match time_limit {
                TimeLimit::Instant => None,
                TimeLimit::WorkingDays(days) => Some(days),
            },
            deadline: calendar.deadline(intake_date, time_limit),
            paused_on: None,
            paused_working_days: 0,
            missing: Vec::new(),
            resume_status: None,
            returned_by: Vec::new(),
            pledged,
        }
    }

    /// The intake station also completes the case.
    pub fn completes_on_site(&self) -> bool {
        self.intake_station == self.completing_station
    }

    /// Actions that make sense now, for buttons and worklists (each may still be refused
    /// for its payload).
    pub fn available_actions(&self) -> Vec<ActionKind> {
        ActionKind::ALL
            .into_iter()
            .filter(|kind| self.status_allows(*kind))
            .collect()
    }

    fn status_allows(&self, kind: ActionKind) -> bool {
        use CaseStatus::*;
        match kind {
            ActionKind::InitialReview => self.status == Submitted,
            ActionKind::AcceptUpstream => self.status == Forwarded,
            ActionKind::Complete => {
                self.status == Accepted || (self.status == Submitted && self.completes_on_site())
            }
            ActionKind::Reject | ActionKind::ReturnForSupplement => {
                matches!(self.status, Submitted | Forwarded | Accepted)
            }
            ActionKind::Resubmit => self.status == Returned,
            ActionKind::SupplyPledged => {
                !self.pledged.is_empty() && matches!(self.status, Submitted | Forwarded | Accepted)
            }
            ActionKind::Withdraw => !self.status.is_final(),
        }
    }
}

/// The names of actions, for matching and display.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    InitialReview,
    AcceptUpstream,
    Complete,
    Reject,
    ReturnForSupplement,
    Resubmit,
    SupplyPledged,
    Withdraw,
}

impl ActionKind {
    pub const ALL: [ActionKind; 8] = [
        ActionKind::InitialReview,
        ActionKind::AcceptUpstream,
        ActionKind::Complete,
        ActionKind::Reject,
        ActionKind::ReturnForSupplement,
        ActionKind::Resubmit,
        ActionKind::SupplyPledged,
        ActionKind::Withdraw,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::InitialReview => "initial_review",
            ActionKind::AcceptUpstream => "accept_upstream",
            ActionKind::Complete => "complete",
            ActionKind::Reject => "reject",
            ActionKind::ReturnForSupplement => "return_for_supplement",
            ActionKind::Resubmit => "resubmit",
            ActionKind::SupplyPledged => "supply_pledged",
            ActionKind::Withdraw => "withdraw",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ActionKind::InitialReview => "初审通过",
            ActionKind::AcceptUpstream => "上级受理",
            ActionKind::Complete => "办结",
            ActionKind::Reject => "不予受理",
            ActionKind::ReturnForSupplement => "退回补正",
            ActionKind::Resubmit => "补正后重新提交",
            ActionKind::SupplyPledged => "补齐容缺材料",
            ActionKind::Withdraw => "撤回申请",
        }
    }
}

impl FromStr for ActionKind {
    type Err = ParseError;
    fn from_str(text: &str) -> Result<ActionKind, ParseError> {
        ActionKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text.trim())
            .ok_or_else(|| ParseError::Invalid(format!("操作“{}”无效", text.trim())))
    }
}

/// What a clerk asks the case to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum CaseAction {
    /// 初审通过: passes the intake station's review; completes-here cases wait for
    /// completion, the others are forwarded upstream.
    InitialReview,
    /// The completing station takes a forwarded case in.
    AcceptUpstream,
    /// 办结.
    Complete {
        #[serde(default)]
        note: String,
    },
    /// 不予受理, with the reason given to the applicant.
    Reject { reason: String },
    /// 退回补正: tells the applicant everything that is missing, at once.
    ReturnForSupplement { missing: Vec<String> },
    /// The applicant brought what was asked for.
    Resubmit { supplied: Vec<String> },
    /// Materials accepted on a pledge have arrived.
    SupplyPledged { materials: Vec<String> },
    /// The applicant withdraws the application.
    Withdraw {
        #[serde(default)]
        reason: String,
    },
}

impl CaseAction {
    pub fn kind(&self) -> ActionKind {
        match self {
            CaseAction::InitialReview => ActionKind::InitialReview,
            CaseAction::AcceptUpstream => ActionKind::AcceptUpstream,
            CaseAction::Complete { .. } => ActionKind::Complete,
            CaseAction::Reject { .. } => ActionKind::Reject,
            CaseAction::ReturnForSupplement { .. } => ActionKind::ReturnForSupplement,
            CaseAction::Resubmit { .. } => ActionKind::Resubmit,
            CaseAction::SupplyPledged { .. } => ActionKind::SupplyPledged,
            CaseAction::Withdraw { .. } => ActionKind::Withdraw,
        }
    }
}

/// Something that happened to a case: a timeline entry, and for status changes an SMS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CaseEvent {
    Submitted {
        station: StationCode,
        route: RouteKind,
        completing_station: StationCode,
        deadline: NaiveDate,
        pledged: Vec<String>,
    },
    InitialReviewPassed {
        station: StationCode,
    },
    Forwarded {
        from: StationCode,
        to: StationCode,
    },
    AcceptedUpstream {
        station: StationCode,
    },
    Completed {
        station: StationCode,
        on_time: bool,
        note: String,
    },
    Rejected {
        station: StationCode,
        reason: String,
    },
    ReturnedForSupplement {
        station: StationCode,
        missing: Vec<String>,
    },
    Resubmitted {
        station: StationCode,
        supplied: Vec<String>,
        paused_working_days: u32,
        deadline: NaiveDate,
    },
    PledgedSupplied {
        station: StationCode,
        materials: Vec<String>,
        outstanding: Vec<String>,
    },
    Withdrawn {
        station: StationCode,
        reason: String,
    },
}

impl CaseEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            CaseEvent::Submitted { .. } => "submitted",
            CaseEvent::InitialReviewPassed { .. } => "initial_review_passed",
            CaseEvent::Forwarded { .. } => "forwarded",
            CaseEvent::AcceptedUpstream { .. } => "accepted_upstream",
            CaseEvent::Completed { .. } => "completed",
            CaseEvent::Rejected { .. } => "rejected",
            CaseEvent::ReturnedForSupplement { .. } => "returned_for_supplement",
            CaseEvent::Resubmitted { .. } => "resubmitted",
            CaseEvent::PledgedSupplied { .. } => "pledged_supplied",
            CaseEvent::Withdrawn { .. } => "withdrawn",
        }
    }

    /// The station where it happened.
    pub fn station(&self) -> &StationCode {
        match self {
            CaseEvent::Submitted { station, .. }
            | CaseEvent::InitialReviewPassed { station }
            | CaseEvent::AcceptedUpstream { station }
            | CaseEvent::Completed { station, .. }
            | CaseEvent::Rejected { station, .. }
            | CaseEvent::ReturnedForSupplement { station, .. }
            | CaseEvent::Resubmitted { station, .. }
            | CaseEvent::PledgedSupplied { station, .. }
            | CaseEvent::Withdrawn { station, .. } => station,
            CaseEvent::Forwarded { from, .. } => from,
        }
    }

    /// One Chinese line for the timeline.
    pub fn describe(&self) -> String {
        match self {
            CaseEvent::Submitted {
                deadline, pledged, ..
            } => {
                let mut text = format!("受理申请，办理时限至 {deadline}");
                if !pledged.is_empty() {
                    text.push_str(&format!("；容缺受理，承诺补交：{}", pledged.join("、")));
                }
                text
            }
            CaseEvent::InitialReviewPassed { .. } => "初审通过".to_owned(),
            CaseEvent::Forwarded { to, .. } => format!("转办至 {to}"),
            CaseEvent::AcceptedUpstream { .. } => "上级站点已受理".to_owned(),
            CaseEvent::Completed { on_time, note, .. } => {
                let mut text = if *on_time {
                    "已办结".to_owned()
                } else {
                    "已办结（超期）".to_owned()
                };
                if !note.is_empty() {
                    text.push_str(&format!("：{note}"));
                }
                text
            }
            CaseEvent::Rejected { reason, .. } => format!("不予受理：{reason}"),
            CaseEvent::ReturnedForSupplement { missing, .. } => {
                format!(
                    "退回补正，一次性告知需补：{}；办理时限暂停计算",
                    missing.join("、")
                )
            }
            CaseEvent::Resubmitted {
                paused_working_days,
                deadline,
                ..
            } => format!(
                "补正材料已提交，时限恢复计算（暂停 {paused_working_days} 个工作日），办理时限至 {deadline}"
            ),
            CaseEvent::PledgedSupplied {
                materials,
                outstanding,
                ..
            } => {
                if outstanding.is_empty() {
                    format!("容缺材料已补齐：{}", materials.join("、"))
                } else {
                    format!(
                        "已补交：{}；仍待补交：{}",
                        materials.join("、"),
                        outstanding.join("、")
                    )
                }
            }
            CaseEvent::Withdrawn { reason, .. } if reason.is_empty() => "申请人撤回申请".to_owned(),
            CaseEvent::Withdrawn { reason, .. } => format!("申请人撤回申请：{reason}"),
        }
    }

    /// The SMS sent to the applicant (and proxy) for this event, if it changes what they
    /// need to know. `case_number` and `item_name` name the matter.
    pub fn sms(&self, case_number: &str, item_name: &str) -> Option<String> {
        let head = format!("【医保服务圈】您的“{item_name}”业务（编号 {case_number}）");
        let text = match self {
            CaseEvent::Submitted { deadline, .. } => {
                format!("{head}已受理，预计 {deadline} 前办结。")
            }
            CaseEvent::Forwarded { .. } => format!("{head}已通过初审，转上级站点办理。"),
            CaseEvent::AcceptedUpstream { .. } => format!("{head}已由上级站点受理。"),
            CaseEvent::Completed { .. } => {
                format!("{head}已办结。欢迎对本次服务进行评价。")
            }
            CaseEvent::Rejected { reason, .. } => format!("{head}不予受理，原因：{reason}。"),
            CaseEvent::ReturnedForSupplement { missing, .. } => format!(
                "{head}需补正材料：{}。请携带材料到原受理站点提交。",
                missing.join("、")
            ),
            CaseEvent::Resubmitted { deadline, .. } => {
                format!("{head}补正材料已收到，预计 {deadline} 前办结。")
            }
            CaseEvent::Withdrawn { .. } => format!("{head}已撤回。"),
            CaseEvent::InitialReviewPassed { .. } | CaseEvent::PledgedSupplied { .. } => {
                return None;
            }
        };
        Some(text)
    }
}

/// Why an intake or a transition is refused. Each has a stable code and a Chinese message.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Refusal {
    #[error("当前状态为“{status}”，不能执行“{action}”")]
    NotAllowedInStatus {
        status: &'static str,
        action: &'static str,
    },
    #[error("本件已结束（{0}），不能再办理")]
    Finished(&'static str),
    #[error("本件现由站点 {current} 办理，本站（{acting}）不能操作")]
    WrongStation {
        current: StationCode,
        acting: StationCode,
    },
    #[error("本件须由上级站点 {0} 办结，本站只能初审后转办")]
    NotTheCompletingStation(StationCode),
    #[error("不予受理须写明理由")]
    ReasonMissing,
    #[error("退回补正须一次性列明全部需补正的材料")]
    MissingListEmpty,
    #[error("一次性告知：本站已退回补正过一次，不能再次退回，请受理或不予受理")]
    AlreadyReturnedHere,
    #[error("补正材料仍缺少：{}", .0.join("、"))]
    SupplementIncomplete(Vec<String>),
    #[error("容缺受理的材料尚未补齐：{}，不能办结", .0.join("、"))]
    PledgeOutstanding(Vec<String>),
    #[error("“{0}”不是本件待补交的容缺材料")]
    NotPledged(String),
    #[error("补交的材料不能为空")]
    NothingSupplied,
    #[error("本站不办理“{0}”，请引导申请人到可办理的站点")]
    NotHandledHere(String),
    #[error("没有可以办结“{0}”的上级站点，也未找到县级服务大厅")]
    NoCompletingStation(String),
    #[error("申请人姓名不能为空")]
    ApplicantNameMissing,
    #[error("申请人姓名过长（最多 50 个字）")]
    ApplicantNameTooLong,
    #[error("手机号码“{0}”无效：应为 11 位数字，以 1 开头")]
    PhoneInvalid(String),
    #[error("“{item}”不支持{channel}")]
    ChannelNotOffered { item: String, channel: &'static str },
    #[error("“{0}”不允许代办，须本人办理")]
    ProxyNotAllowed(String),
    #[error("代办人姓名不能为空")]
    ProxyNameMissing,
    #[error("代办须登记申请人的授权委托（委托书编号或授权说明）")]
    AuthorisationMissing,
    #[error("代办人与申请人不能是同一人")]
    ProxyIsApplicant,
    #[error("材料“{0}”不在本事项的材料清单中")]
    UnknownMaterial(String),
    #[error("材料“{0}”重复填写")]
    MaterialTwice(String),
    #[error("材料“{0}”不能以电子证照替代，须提供纸质原件")]
    ECertificateNotAccepted(String),
    #[error("{}", missing_message(.missing, *.pledge_possible))]
    MaterialsMissing {
        missing: Vec<String>,
        pledge_possible: bool,
    },
    #[error("“{0}”不适用容缺受理")]
    PledgeNotOffered(String),
    #[error("材料已齐全，无需容缺承诺")]
    PledgeWithoutMissing,
}

fn missing_message(missing: &[String], pledge_possible: bool) -> String {
    let mut text = format!("缺少必备材料：{}", missing.join("、"));
    if pledge_possible {
        text.push_str("（本事项可容缺受理：申请人签署承诺书后可先行受理）");
    }
    text
}

impl Refusal {
    /// Stable machine code for problem responses.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::NotAllowedInStatus { .. } => "case_action_not_allowed",
            Refusal::Finished(_) => "case_finished",
            Refusal::WrongStation { .. } => "case_wrong_station",
            Refusal::NotTheCompletingStation(_) => "case_not_completing_station",
            Refusal::ReasonMissing => "case_reason_missing",
            Refusal::MissingListEmpty => "case_missing_list_empty",
            Refusal::AlreadyReturnedHere => "case_already_returned",
            Refusal::SupplementIncomplete(_) => "case_supplement_incomplete",
            Refusal::PledgeOutstanding(_) => "case_pledge_outstanding",
            Refusal::NotPledged(_) | Refusal::NothingSupplied => "case_not_pledged",
            Refusal::NotHandledHere(_) => "case_not_handled_here",
            Refusal::NoCompletingStation(_) => "case_no_completing_station",
            Refusal::ApplicantNameMissing
            | Refusal::ApplicantNameTooLong
            | Refusal::PhoneInvalid(_)
            | Refusal::ProxyNameMissing => "validation_failed",
            Refusal::ChannelNotOffered { .. } => "case_channel_not_offered",
            Refusal::ProxyNotAllowed(_) => "case_proxy_not_allowed",
            Refusal::AuthorisationMissing => "case_authorisation_missing",
            Refusal::ProxyIsApplicant => "case_proxy_is_applicant",
            Refusal::UnknownMaterial(_) | Refusal::MaterialTwice(_) => "case_unknown_material",
            Refusal::ECertificateNotAccepted(_) => "case_e_certificate_not_accepted",
            Refusal::MaterialsMissing { .. } => "case_materials_missing",
            Refusal::PledgeNotOffered(_) | Refusal::PledgeWithoutMissing => {
                "case_pledge_not_allowed"
            }
        }
    }
}

/// The result of an allowed transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub state: CaseState,
    pub events: Vec<CaseEvent>,
}

/// Applies `action`, taken by a clerk of `station` on `today` (Asia/Shanghai), to `case`.
pub fn transition(
    case: &CaseState,
    action: &CaseAction,
    station: &StationCode,
    today: NaiveDate,
    calendar: &WorkingCalendar,
) -> Result<Transition, Refusal> {
    use CaseStatus::*;
    let kind = action.kind();
    if case.status.is_final() {
        return Err(Refusal::Finished(case.status.label()));
    }
    if !case.status_allows(kind) {
        if kind == ActionKind::Complete && case.status == Submitted {
            return Err(Refusal::NotTheCompletingStation(
                case.completing_station.clone(),
            ));
        }
        return Err(Refusal::NotAllowedInStatus {
            status: case.status.label(),
            action: kind.label(),
        });
    }
    if *station != case.current_station {
        return Err(Refusal::WrongStation {
            current: case.current_station.clone(),
            acting: station.clone(),
        });
    }
    let mut next = case.clone();
    let here = station.clone();
    let events = match action {
        CaseAction::InitialReview => {
            let mut events = vec![CaseEvent::InitialReviewPassed {
                station: here.clone(),
            }];
            if case.completes_on_site() {
                next.status = Accepted;
            } else {
                next.status = Forwarded;
                next.current_station = case.completing_station.clone();
                events.push(CaseEvent::Forwarded {
                    from: here,
                    to: case.completing_station.clone(),
                });
            }
            events
        }
        CaseAction::AcceptUpstream => {
            next.status = Accepted;
            vec![CaseEvent::AcceptedUpstream { station: here }]
        }
        CaseAction::Complete { note } => {
            if !case.pledged.is_empty() {
                return Err(Refusal::PledgeOutstanding(case.pledged.clone()));
            }
            next.status = Completed;
            vec![CaseEvent::Completed {
                station: here,
                on_time: today <= case.deadline,
                note: note.trim().to_owned(),
            }]
        }
        CaseAction::Reject { reason } => {
            let reason = reason.trim();
            if reason.is_empty() {
                return Err(Refusal::ReasonMissing);
            }
            next.status = Rejected;
            vec![CaseEvent::Rejected {
                station: here,
                reason: reason.to_owned(),
            }]
        }
        CaseAction::ReturnForSupplement { missing } => {
            let missing = clean_list(missing);
            if missing.is_empty() {
                return Err(Refusal::MissingListEmpty);
            }
            if case.returned_by.contains(station) {
                return Err(Refusal::AlreadyReturnedHere);
            }
            next.status = Returned;
            next.resume_status = Some(case.status);
            next.paused_on = Some(today);
            next.missing = missing.clone();
            next.returned_by.push(here.clone());
            vec![CaseEvent::ReturnedForSupplement {
                station: here,
                missing,
            }]
        }
        CaseAction::Resubmit { supplied } => {
            let supplied = clean_list(supplied);
            let outstanding: Vec<String> = case
                .missing
                .iter()
                .filter(|m| !supplied.contains(m))
                .cloned()
                .collect();
            if !outstanding.is_empty() {
                return Err(Refusal::SupplementIncomplete(outstanding));
            }
            let paused_on = case.paused_on.unwrap_or(today);
            let paused = calendar.working_days_between(paused_on, today);
            next.status = case.resume_status.unwrap_or(Submitted);
            next.resume_status = None;
            next.paused_on = None;
            next.paused_working_days += paused;
            next.missing.clear();
            next.deadline = calendar.add_working_days(case.deadline, paused);
            vec![CaseEvent::Resubmitted {
                station: here,
                supplied,
                paused_working_days: paused,
                deadline: next.deadline,
            }]
        }
        CaseAction::SupplyPledged { materials } => {
            let materials = clean_list(materials);
            if materials.is_empty() {
                return Err(Refusal::NothingSupplied);
            }
            if let Some(unknown) = materials.iter().find(|m| !case.pledged.contains(m)) {
                return Err(Refusal::NotPledged(unknown.clone()));
            }
            next.pledged.retain(|m| !materials.contains(m));
            vec![CaseEvent::PledgedSupplied {
                station: here,
                materials,
                outstanding: next.pledged.clone(),
            }]
        }
        CaseAction::Withdraw { reason } => {
            next.status = Withdrawn;
            next.paused_on = None;
            vec![CaseEvent::Withdrawn {
                station: here,
                reason: reason.trim().to_owned(),
            }]
        }
    };
    Ok(Transition {
        state: next,
        events,
    })
}

/// Trimmed, non-empty, each once, in the given order.
fn clean_list(items: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        let item = item.trim();
        if !item.is_empty() && !out.iter().any(|o| o == item) {
            out.push(item.to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests;
