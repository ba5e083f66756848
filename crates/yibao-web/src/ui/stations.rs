//! Station pages: details with the station's delegation row, the create and edit forms, the
//! close form and the CSV import.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use yibao_domain::station::StationInput;
use yibao_domain::{
    HandlingMode, HostType, LevelCheck, RegionCode, RegionLevel, StationLevel, check_mode_allowed,
};
use yibao_store::{Station, StationStatus};

use super::{
    Choice, Chrome, Crumb, FieldProblem, HoursPart, UiError, UiForm, UiQuery, UiResult, UiStaff,
    field_label, hours_parts, link, local_time, render,
};
use crate::AppState;
use crate::app::{self, Actor};
use crate::auth::Staff;
use crate::error::{ApiError, ProblemField};

// ---------------------------------------------------------------------------------------
// The station page
// ---------------------------------------------------------------------------------------

pub struct StationView {
    pub code: String,
    pub name: String,
    pub level: &'static str,
    pub level_label: &'static str,
    pub host_label: &'static str,
    pub region_code: String,
    pub region_name: String,
    pub region_href: String,
    pub parent_code: String,
    pub parent_name: String,
    /// The parent lies inside the viewer's scope (else it is shown without a link).
    pub parent_linked: bool,
    pub location: String,
    pub location_generated: bool,
    pub address: String,
    pub phone: String,
    pub windows: u16,
    pub hours: Vec<HoursPart>,
    pub weekend: bool,
    pub noon: bool,
    pub open: bool,
    pub status_label: &'static str,
    pub closed_reason: String,
    pub version: i64,
    pub updated_at: String,
}

pub struct ChildStation {
    pub code: String,
    pub name: String,
    pub level_label: &'static str,
    pub open: bool,
}

pub struct DelegationRow {
    pub code: String,
    pub name: String,
    pub time_limit: String,
    /// The guide lets this level complete the item.
    pub allowed: bool,
    pub mode: &'static str,
    pub mode_label: &'static str,
    pub override_reason: String,
    /// The mode selected in the row's form (the user's input after a refusal).
    pub selected: String,
    pub reason_input: String,
    pub error: String,
    pub just_saved: bool,
}

pub struct ItemGroup {
    pub category: String,
    pub rows: Vec<DelegationRow>,
}

#[derive(Template)]
#[template(path = "station.html")]
struct StationPage {
    chrome: Chrome,
    s: StationView,
    children: Vec<ChildStation>,
    groups: Vec<ItemGroup>,
    modes: Vec<Choice>,
    can_manage: bool,
    complete: usize,
    forward: usize,
    overrides: usize,
    notice: String,
    error: String,
    close_reason: String,
    close_error: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct StationQuery {
    ok: Option<String>,
    item: Option<String>,
}

/// What a POST left to show on the re-rendered page.
#[derive(Default)]
struct Outcome {
    status: Option<StatusCode>,
    notice: String,
    error: String,
    /// The row the error belongs to, with the user's input.
    item: String,
    mode: String,
    reason: String,
    close_reason: String,
    close_error: String,
}

fn mode_choices() -> Vec<Choice> {
    Choice::list(HandlingMode::ALL.map(|m| (m.as_str(), m.label())), "")
}

pub async fn page(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    Path(code): Path<String>,
    UiQuery(query): UiQuery<StationQuery>,
) -> UiResult {
    let mut outcome = Outcome::default();
    match query.ok.as_deref() {
        Some("created") => outcome.notice = "站点已创建。".to_owned(),
        Some("updated") => outcome.notice = "站点信息已保存。".to_owned(),
        Some("closed") => outcome.notice = "站点已撤销，其事项授权随之终止。".to_owned(),
        Some("delegation") => outcome.item = query.item.unwrap_or_default(),
        _ => {}
    }
    station_page(&state, &staff, &code, outcome).await
}

async fn station_page(state: &AppState, staff: &Staff, code: &str, outcome: Outcome) -> UiResult {
    let actor = Actor::from(staff);
    let station = app::stations::get(&state.store, &actor, code).await?;
    let region_name = super::region_name(state, &station.region_code).await?;
    let parent = match &station.parent_code {
        Some(parent) => state.store.get_station(parent.as_str()).await?,
        None => None,
    };
    let children = state
        .store
        .child_stations(code)
        .await?
        .into_iter()
        .map(|c| ChildStation {
            code: c.code.to_string(),
            name: c.name,
            level_label: c.level.label(),
            open: c.status == StationStatus::Open,
        })
        .collect();
    let delegations = state.store.station_delegations(code).await?;
    let items = state.store.list_items().await?;
    let mut groups: Vec<ItemGroup> = Vec::new();
    let (mut complete, mut forward, mut overrides) = (0, 0, 0);
    let mut notice = outcome.notice.clone();
    for stored in &items {
        let item = &stored.item;
        let cell = delegations.iter().find(|d| d.item_code == item.code);
        let mode = cell.map(|d| d.mode).unwrap_or(HandlingMode::None);
        let override_reason = cell
            .and_then(|d| d.override_reason.clone())
            .unwrap_or_default();
        match mode {
            HandlingMode::Complete => complete += 1,
            HandlingMode::AcceptForward => forward += 1,
            HandlingMode::None => {}
        }
        if !override_reason.is_empty() && mode != HandlingMode::None {
            overrides += 1;
        }
        let is_target = outcome.item == item.code;
        let failed = is_target && !outcome.error.is_empty();
        if is_target && !failed && notice.is_empty() {
            notice = format!("已保存：“{}”设为{}。", item.name, mode.label());
        }
        let row = DelegationRow {
            code: item.code.clone(),
            name: item.name.clone(),
            time_limit: item.time_limit.label(),
            allowed: check_mode_allowed(station.level, item, HandlingMode::Complete)
                == LevelCheck::Allowed,
            mode: mode.as_str(),
            mode_label: mode.label(),
            selected: if failed {
                outcome.mode.clone()
            } else {
                mode.as_str().to_owned()
            },
            reason_input: if failed {
                outcome.reason.clone()
            } else {
                override_reason.clone()
            },
            override_reason,
            error: if failed {
                outcome.error.clone()
            } else {
                String::new()
            },
            just_saved: is_target && !failed,
        };
        match groups.iter_mut().find(|g| g.category == item.category) {
            Some(group) => group.rows.push(row),
            None => groups.push(ItemGroup {
                category: item.category.clone(),
                rows: vec![row],
            }),
        }
    }
    // A refused row is also summarised at the top so it is not missed.
    let error = if outcome.error.is_empty() {
        String::new()
    } else if outcome.item.is_empty() {
        outcome.error.clone()
    } else {
        let name = items
            .iter()
            .find(|i| i.item.code == outcome.item)
            .map(|i| i.item.name.as_str())
            .unwrap_or(&outcome.item);
        format!("“{name}”（{}）未保存。", outcome.item)
    };

    let mut crumbs = vec![Crumb::link("站点网络", "/network")];
    crumbs.push(Crumb::link(
        region_name.clone(),
        link("/network", &[("region", station.region_code.as_str())]),
    ));
    crumbs.push(Crumb::here(station.name.clone()));
    let chrome = Chrome::build(state, Some(staff), &station.name, "network")
        .await?
        .crumbs(crumbs);
    let page = StationPage {
        chrome,
        s: station_view(&station, region_name, parent.as_ref(), staff),
        children,
        groups,
        modes: mode_choices(),
        can_manage: staff.role().manages_network() && station.status == StationStatus::Open,
        complete,
        forward,
        overrides,
        notice,
        error,
        close_reason: outcome.close_reason,
        close_error: outcome.close_error,
    };
    Ok(render(outcome.status.unwrap_or(StatusCode::OK), &page))
}

fn station_view(
    station: &Station,
    region_name: String,
    parent: Option<&Station>,
    staff: &Staff,
) -> StationView {
    StationView {
        code: station.code.to_string(),
        name: station.name.clone(),
        level: station.level.as_str(),
        level_label: station.level.label(),
        host_label: station.host_type.label(),
        region_code: station.region_code.to_string(),
        region_href: link("/network", &[("region", station.region_code.as_str())]),
        region_name,
        parent_code: station
            .parent_code
            .as_ref()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        parent_name: parent.map(|p| p.name.clone()).unwrap_or_default(),
        parent_linked: parent.is_some_and(|p| {
            staff
                .scope()
                .is_none_or(|scope| scope.contains(&p.region_code))
        }),
        location: station
            .location
            .map(|p| format!("东经 {:.6}°，北纬 {:.6}°", p.lon(), p.lat()))
            .unwrap_or_default(),
        location_generated: station.location_generated,
        address: station.address.clone(),
        phone: station.phone.clone(),
        windows: station.windows,
        hours: hours_parts(&station.opening_hours.to_chinese()),
        weekend: station.opening_hours.weekend_service(),
        noon: station.opening_hours.noon_service(),
        open: station.status == StationStatus::Open,
        status_label: station.status.label(),
        closed_reason: station.closed_reason.clone().unwrap_or_default(),
        version: station.version,
        updated_at: local_time(station.updated_at),
    }
}

#[derive(Debug, Deserialize)]
pub struct DelegationForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    item: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    override_reason: String,
}

pub async fn set_delegation(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    Path(code): Path<String>,
    UiForm(form): UiForm<DelegationForm>,
) -> UiResult {
    staff.check_csrf(Some(&form.csrf))?;
    let item = form.item.trim().to_owned();
    let result = match form.mode.parse::<HandlingMode>() {
        Ok(mode) => {
            let reason = Some(form.override_reason.trim()).filter(|r| !r.is_empty());
            app::delegation::set(
                &state.store,
                &Actor::from(&staff),
                &code,
                &item,
                mode,
                reason,
            )
            .await
        }
        Err(_) => Err(ApiError::validation("请选择办理方式", Vec::new())),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!(
            "{}#item-{}",
            link(
                &format!("/stations/{}", super::encode(&code)),
                &[("ok", "delegation"), ("item", &item)]
            ),
            super::encode(&item)
        ))
        .into_response()),
        // The station itself is missing or out of scope: an error page.
        Err(error) if error.status == StatusCode::NOT_FOUND && error.message.contains("站点") => {
            Err(error.into())
        }
        Err(error) => {
            let outcome = Outcome {
                status: Some(error.status),
                error: error.message,
                item,
                mode: form.mode,
                reason: form.override_reason,
                ..Outcome::default()
            };
            station_page(&state, &staff, &code, outcome).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct CloseForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    version: String,
}

pub async fn close(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    Path(code): Path<String>,
    UiForm(form): UiForm<CloseForm>,
) -> UiResult {
    staff.check_csrf(Some(&form.csrf))?;
    let version = form
        .version
        .trim()
        .parse::<i64>()
        .map_err(|_| UiError::bad_request("表单缺少版本号，请刷新页面后重试"))?;
    match app::stations::close(
        &state.store,
        &Actor::from(&staff),
        &code,
        &form.reason,
        version,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&link(
            &format!("/stations/{}", super::encode(&code)),
            &[("ok", "closed")],
        ))
        .into_response()),
        Err(error) if error.status == StatusCode::NOT_FOUND => Err(error.into()),
        Err(error) => {
            let outcome = Outcome {
                status: Some(error.status),
                close_error: error.message,
                close_reason: form.reason,
                ..Outcome::default()
            };
            station_page(&state, &staff, &code, outcome).await
        }
    }
}

// ---------------------------------------------------------------------------------------
// Create and edit
// ---------------------------------------------------------------------------------------

/// The station form as typed: every field is text so that bad input comes back unchanged.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct StationForm {
    #[serde(rename = "_csrf")]
    pub csrf: String,
    pub code: String,
    pub name: String,
    pub level: String,
    pub region_code: String,
    pub host_type: String,
    pub parent_code: String,
    pub lon: String,
    pub lat: String,
    pub address: String,
    pub windows: String,
    pub phone: String,
    pub opening_hours: String,
    pub version: String,
}

impl StationForm {
    fn from_station(station: &Station) -> StationForm {
        StationForm {
            csrf: String::new(),
            code: station.code.to_string(),
            name: station.name.clone(),
            level: station.level.as_str().to_owned(),
            region_code: station.region_code.to_string(),
            host_type: station.host_type.as_str().to_owned(),
            parent_code: station
                .parent_code
                .as_ref()
                .map(|p| p.to_string())
                .unwrap_or_default(),
            lon: station
                .location
                .map(|p| format!("{:.6}", p.lon()))
                .unwrap_or_default(),
            lat: station
                .location
                .map(|p| format!("{:.6}", p.lat()))
                .unwrap_or_default(),
            address: station.address.clone(),
            windows: station.windows.to_string(),
            phone: station.phone.clone(),
            opening_hours: station.opening_hours.to_compact(),
            version: station.version.to_string(),
        }
    }

    /// The use-case input; numbers that do not parse are field errors, reported together
    /// with every other field's problems.
    fn input(&self) -> Result<StationInput, ApiError> {
        let mut errors = Vec::new();
        let mut number = |text: &str, field: &str, label: &str| -> Option<f64> {
            let text = text.trim();
            if text.is_empty() {
                return None;
            }
            match text.parse::<f64>() {
                Ok(value) if value.is_finite() => Some(value),
                _ => {
                    errors.push(problem(field, format!("{label}“{text}”不是数字")));
                    None
                }
            }
        };
        let lon = number(&self.lon, "lon", "经度");
        let lat = number(&self.lat, "lat", "纬度");
        let windows = match self.windows.trim() {
            "" => None,
            text => match text.parse::<u16>() {
                Ok(count) => Some(count),
                Err(_) => {
                    errors.push(problem(
                        "windows",
                        format!("窗口数“{text}”应为 0～200 的整数"),
                    ));
                    None
                }
            },
        };
        let optional = |text: &str| Some(text.trim().to_owned()).filter(|t| !t.is_empty());
        let input = StationInput {
            code: self.code.trim().to_owned(),
            name: self.name.clone(),
            level: self.level.clone(),
            region_code: self.region_code.trim().to_owned(),
            host_type: self.host_type.clone(),
            parent_code: optional(&self.parent_code),
            lon,
            lat,
            address: optional(&self.address),
            windows,
            phone: optional(&self.phone),
            opening_hours: optional(&self.opening_hours),
        };
        if errors.is_empty() {
            return Ok(input);
        }
        let bad_coordinate = errors.iter().any(|e| e.field == "lon" || e.field == "lat");
        if let Err(more) = input.parse() {
            for error in more {
                let repeated = errors.iter().any(|e| e.field == error.field)
                    || (error.field == "location" && bad_coordinate);
                if !repeated {
                    errors.push(problem(error.field, error.message));
                }
            }
        }
        errors.sort_by_key(|e| FORM_ORDER.iter().position(|f| *f == e.field));
        Err(ApiError::validation("表单有误", errors))
    }
}

/// The form's fields in display order, for listing errors.
const FORM_ORDER: [&str; 13] = [
    "code",
    "name",
    "level",
    "host_type",
    "region_code",
    "parent_code",
    "lon",
    "lat",
    "location",
    "address",
    "windows",
    "phone",
    "opening_hours",
];

fn problem(field: &str, message: String) -> ProblemField {
    ProblemField {
        field: field.to_owned(),
        message,
        line: None,
    }
}

#[derive(Template)]
#[template(path = "station_form.html")]
struct StationFormPage {
    chrome: Chrome,
    form: StationForm,
    editing: bool,
    action: String,
    cancel_href: String,
    levels: Vec<Choice>,
    hosts: Vec<Choice>,
    message: String,
    errors: Vec<FieldProblem>,
}

impl StationFormPage {
    /// The error of one field ("" when none); `lon`/`lat` also show a `location` error.
    fn err(&self, field: &str) -> String {
        self.errors
            .iter()
            .filter(|e| e.field == field || (e.field == "location" && field == "lon"))
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>()
            .join("；")
    }
}

async fn form_page(
    state: &AppState,
    staff: &Staff,
    form: StationForm,
    editing: bool,
    error: Option<ApiError>,
) -> UiResult {
    let title = if editing {
        format!("编辑站点 {}", form.code)
    } else {
        "新建站点".to_owned()
    };
    let mut crumbs = vec![Crumb::link("站点网络", "/network")];
    if editing {
        crumbs.push(Crumb::link(
            form.name.clone(),
            format!("/stations/{}", super::encode(&form.code)),
        ));
        crumbs.push(Crumb::here("编辑"));
    } else {
        crumbs.push(Crumb::here("新建站点"));
    }
    let chrome = Chrome::build(state, Some(staff), &title, "network")
        .await?
        .crumbs(crumbs);
    let status = error.as_ref().map(|e| e.status).unwrap_or(StatusCode::OK);
    let (message, errors) = match error {
        None => (String::new(), Vec::new()),
        Some(mut error) => {
            if error.errors.is_empty() && error.code == "duplicate" {
                error.errors.push(problem("code", error.message.clone()));
            }
            let errors: Vec<FieldProblem> = error
                .errors
                .iter()
                .map(|e| FieldProblem::from_problem(e, field_label))
                .collect();
            let message = if errors.is_empty() {
                error.message
            } else {
                "请修改以下内容后重新提交：".to_owned()
            };
            (message, errors)
        }
    };
    let page = StationFormPage {
        chrome,
        action: if editing {
            format!("/stations/{}/edit", super::encode(&form.code))
        } else {
            "/stations".to_owned()
        },
        cancel_href: if editing {
            format!("/stations/{}", super::encode(&form.code))
        } else {
            link("/network", &[("region", &form.region_code)])
        },
        levels: Choice::list(
            StationLevel::ALL.map(|l| (l.as_str(), l.label())),
            &form.level,
        ),
        hosts: Choice::list(
            HostType::ALL.map(|h| (h.as_str(), h.label())),
            &form.host_type,
        ),
        form,
        editing,
        message,
        errors,
    };
    Ok(render(status, &page))
}

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    region: Option<String>,
}

pub async fn new_form(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    UiQuery(query): UiQuery<NewQuery>,
) -> UiResult {
    staff.require_network_manager()?;
    let region = query
        .region
        .as_deref()
        .and_then(|r| RegionCode::parse(r).ok())
        .or_else(|| staff.scope().cloned());
    let mut form = StationForm {
        windows: "1".to_owned(),
        host_type: HostType::ServiceCenter.as_str().to_owned(),
        opening_hours: "1-5 08:30-12:00,13:30-17:30".to_owned(),
        ..StationForm::default()
    };
    if let Some(region) = region {
        form.level = match region.level() {
            RegionLevel::City => StationLevel::City,
            RegionLevel::County => StationLevel::County,
            RegionLevel::Town => StationLevel::Town,
            _ => StationLevel::Village,
        }
        .as_str()
        .to_owned();
        if region.level() >= RegionLevel::Town {
            form.region_code = region.to_string();
        }
    }
    form_page(&state, &staff, form, false, None).await
}

pub async fn create(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    UiForm(form): UiForm<StationForm>,
) -> UiResult {
    staff.check_csrf(Some(&form.csrf))?;
    staff.require_network_manager()?;
    let result = match form.input() {
        Ok(input) => app::stations::create(&state.store, &Actor::from(&staff), &input).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(station) => Ok(Redirect::to(&link(
            &format!("/stations/{}", super::encode(station.code.as_str())),
            &[("ok", "created")],
        ))
        .into_response()),
        // Out of scope included: the form stays so that the region can be corrected.
        Err(error) => form_page(&state, &staff, form, false, Some(error)).await,
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    Path(code): Path<String>,
) -> UiResult {
    staff.require_network_manager()?;
    let station = app::stations::get(&state.store, &Actor::from(&staff), &code).await?;
    if station.status == StationStatus::Closed {
        return Err(
            ApiError::conflict("station_closed", format!("站点“{code}”已撤销，不能修改")).into(),
        );
    }
    form_page(
        &state,
        &staff,
        StationForm::from_station(&station),
        true,
        None,
    )
    .await
}

pub async fn update(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    Path(code): Path<String>,
    UiForm(mut form): UiForm<StationForm>,
) -> UiResult {
    staff.check_csrf(Some(&form.csrf))?;
    staff.require_network_manager()?;
    // The code is part of the address; the form cannot change it.
    form.code = code.clone();
    let Ok(version) = form.version.trim().parse::<i64>() else {
        return Err(UiError::bad_request("表单缺少版本号，请刷新页面后重试"));
    };
    let result = match form.input() {
        Ok(input) => {
            app::stations::update(&state.store, &Actor::from(&staff), &code, &input, version).await
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&link(
            &format!("/stations/{}", super::encode(&code)),
            &[("ok", "updated")],
        ))
        .into_response()),
        Err(error) if error.status == StatusCode::NOT_FOUND => Err(error.into()),
        Err(error) => form_page(&state, &staff, form, true, Some(error)).await,
    }
}

// ---------------------------------------------------------------------------------------
// CSV import
// ---------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "station_import.html")]
struct ImportPage {
    chrome: Chrome,
    csv: String,
    header: String,
    example: String,
    imported: Option<u64>,
    message: String,
    errors: Vec<FieldProblem>,
}

const EXAMPLE_ROW: &str = "320903105201-R1,庆福村网格便捷服务点,residential,320903105201,other,320903105201-PT,120.0715,33.3002,庆福村便民广场东侧,0,0515-88000000,\"1-5 09:00-11:30,14:00-17:00\"";

async fn import_page(
    state: &AppState,
    staff: &Staff,
    csv: String,
    imported: Option<u64>,
    error: Option<ApiError>,
) -> UiResult {
    let chrome = Chrome::build(state, Some(staff), "批量导入站点", "network")
        .await?
        .crumbs(vec![
            Crumb::link("站点网络", "/network"),
            Crumb::here("批量导入"),
        ]);
    let status = match (&error, imported) {
        (Some(error), _) => error.status,
        (None, Some(_)) => StatusCode::CREATED,
        (None, None) => StatusCode::OK,
    };
    let (message, errors) = match error {
        None => (String::new(), Vec::new()),
        Some(error) => (
            error.message,
            error
                .errors
                .iter()
                .map(|e| FieldProblem::from_problem(e, field_label))
                .collect(),
        ),
    };
    let page = ImportPage {
        chrome,
        csv,
        header: app::stations::CSV_HEADER.join(","),
        example: EXAMPLE_ROW.to_owned(),
        imported,
        message,
        errors,
    };
    Ok(render(status, &page))
}

pub async fn import_form(State(state): State<AppState>, UiStaff(staff): UiStaff) -> UiResult {
    staff.require_network_manager()?;
    import_page(&state, &staff, String::new(), None, None).await
}

#[derive(Debug, Deserialize)]
pub struct ImportForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    csv: String,
}

pub async fn import(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    UiForm(form): UiForm<ImportForm>,
) -> UiResult {
    staff.check_csrf(Some(&form.csrf))?;
    staff.require_network_manager()?;
    if form.csv.trim().is_empty() {
        let error = ApiError::validation("请粘贴 CSV 内容或选择 CSV 文件", Vec::new());
        return import_page(&state, &staff, form.csv, None, Some(error)).await;
    }
    // Browsers send textarea line breaks as CRLF; the importer normalises them.
    match app::stations::import_csv(&state.store, &Actor::from(&staff), &form.csv).await {
        Ok(report) => import_page(&state, &staff, String::new(), Some(report.imported), None).await,
        Err(error) if error.status == StatusCode::FORBIDDEN => Err(error.into()),
        Err(error) => import_page(&state, &staff, form.csv, None, Some(error)).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_that_do_not_parse_are_field_errors() {
        let form = StationForm {
            lon: "120,1".into(),
            lat: "33.2".into(),
            windows: "-1".into(),
            ..StationForm::default()
        };
        let errors = form.input().unwrap_err().errors;
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        // The other fields' problems come along, in form order, without a duplicate
        // "both coordinates" complaint.
        assert_eq!(
            fields,
            [
                "code",
                "name",
                "level",
                "host_type",
                "region_code",
                "lon",
                "windows"
            ]
        );
        assert_eq!(errors[5].message, "经度“120,1”不是数字");
    }

    #[test]
    fn empty_optional_fields_become_none() {
        let form = StationForm {
            code: " 320903105-ST ".into(),
            windows: "2".into(),
            ..StationForm::default()
        };
        let input = form.input().unwrap();
        assert_eq!(input.code, "320903105-ST");
        assert_eq!(input.windows, Some(2));
        assert_eq!(
            (input.lon, input.parent_code, input.phone),
            (None, None, None)
        );
    }

    #[test]
    fn the_example_row_has_every_column() {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(EXAMPLE_ROW.as_bytes());
        let row = reader.records().next().unwrap().unwrap();
        assert_eq!(row.len(), app::stations::CSV_HEADER.len());
    }
}
