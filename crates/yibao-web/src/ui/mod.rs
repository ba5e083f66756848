//! The server-rendered console (Chinese): network tree with an SVG map, station pages with
//! their delegation, the catalog with its guides, and the residents' "哪里能办" page.
//!
//! Handlers are thin like the API's: read the form or query, call `crate::app` (or a store
//! read), and fill an askama template from `templates/`. Every page shares the layout in
//! `base.html`, whose top bar and breadcrumb come from [`Chrome`]. Failures become
//! [`UiError`]s, rendered as Chinese error pages by the `error_pages` middleware with the
//! signed-in user's top bar.

mod archives;
mod assets;
mod audit;
mod booking;
mod bulk;
mod cases;
mod catalog;
mod charts;
mod counter;
mod counter_admin;
mod counter_plan;
mod coverage;
mod handoffs;
mod login;
pub mod map;
mod network;
mod qa;
mod qa_kb;
mod stations;
mod track;
mod where_page;

use std::fmt::Write;

use askama::Template;
use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, FixedOffset, Utc};
use serde::de::DeserializeOwned;
use yibao_domain::RegionCode;

use crate::AppState;
use crate::auth::{MaybeStaff, Staff};
use crate::error::{ApiError, ProblemField};

pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/network") }))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/network", get(network::page))
        .route("/stations", post(stations::create))
        .route("/stations/new", get(stations::new_form))
        .route(
            "/stations/import",
            get(stations::import_form).post(stations::import),
        )
        .route("/stations/{code}", get(stations::page))
        .route(
            "/stations/{code}/edit",
            get(stations::edit_form).post(stations::update),
        )
        .route("/stations/{code}/close", post(stations::close))
        .route(
            "/stations/{code}/delegations",
            post(stations::set_delegation),
        )
        .route("/delegations/bulk", get(bulk::form).post(bulk::apply))
        .route("/catalog", get(catalog::list))
        .route("/catalog/{code}", get(catalog::guide))
        .route(
            "/catalog/{code}/edit",
            get(catalog::edit_form).post(catalog::update),
        )
        .route("/where", get(where_page::page))
        .route("/audit", get(audit::page))
        .merge(counter::router())
        .merge(counter_plan::router())
        .merge(booking::router())
        .merge(counter_admin::router())
        .route("/qa", get(qa::page))
        .route("/qa/unanswered", get(qa::unanswered))
        .route("/qa/kb", get(qa_kb::list))
        .route("/qa/kb/edit", get(qa_kb::edit_form).post(qa_kb::save))
        .route("/archives", get(archives::search))
        .route("/archives/{id}", get(archives::record))
        // Cases, chain of custody and the residents' tracking page (issue 4).
        .route("/cases", get(cases::worklist))
        .route("/cases/new", get(cases::new_form).post(cases::create))
        .route("/cases/{number}", get(cases::page))
        .route("/cases/{number}/act", post(cases::act))
        .route("/handoffs", get(handoffs::list))
        .route(
            "/handoffs/new",
            get(handoffs::new_form).post(handoffs::create),
        )
        .route("/handoffs/{number}", get(handoffs::page))
        .route("/handoffs/{number}/send", post(handoffs::send))
        .route("/handoffs/{number}/receive", post(handoffs::receive))
        .route("/track", get(track::form).post(track::lookup))
        .route("/track/rating", post(track::rate))
        .method_not_allowed_fallback(method_not_allowed)
        .route_layer(middleware::from_fn_with_state(state, error_pages))
        .route("/static/{file}", get(assets::serve))
        .layer(middleware::map_response(security_headers))
}

/// Every console response: no framing, no sniffing, scripts and styles only from here.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    response
}

/// A form address opened as a link, or a page posted to.
async fn method_not_allowed() -> UiError {
    UiError {
        status: StatusCode::METHOD_NOT_ALLOWED,
        message: "此地址不能这样打开，请从页面上的链接或按钮进入。".to_owned(),
        errors: Vec::new(),
    }
}

/// The fallback of the whole application: problem JSON under `/api`, a Chinese page elsewhere.
pub async fn not_found(uri: Uri, staff: MaybeStaff, State(state): State<AppState>) -> Response {
    if uri.path() == "/api" || uri.path().starts_with("/api/") {
        return ApiError::not_found("接口不存在").into_response();
    }
    let error = UiError::not_found("您访问的页面不存在，可能已被移动或删除。");
    let chrome = Chrome::build(&state, staff.0.as_ref(), "页面不存在", "")
        .await
        .unwrap_or_else(|_| Chrome::bare("页面不存在"));
    security_headers(error.render(chrome)).await
}

// ---------------------------------------------------------------------------------------
// Layout
// ---------------------------------------------------------------------------------------

/// One step of the breadcrumb; an empty `href` is the current page.
#[derive(Debug, Clone)]
pub struct Crumb {
    pub label: String,
    pub href: String,
}

impl Crumb {
    pub fn link(label: impl Into<String>, href: impl Into<String>) -> Crumb {
        Crumb {
            label: label.into(),
            href: href.into(),
        }
    }

    pub fn here(label: impl Into<String>) -> Crumb {
        Crumb::link(label, "")
    }
}

/// The signed-in user as the top bar shows them.
#[derive(Debug, Clone)]
pub struct UserBadge {
    pub name: String,
    pub role: String,
    pub scope: String,
}

/// What the layout needs on every page: title, active menu, the user, the CSRF token for the
/// logout form, the breadcrumb, and the elderly-friendly mode.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub title: String,
    pub nav: &'static str,
    pub user: Option<UserBadge>,
    pub csrf: String,
    pub manages: bool,
    pub admin: bool,
    pub large: bool,
    pub crumbs: Vec<Crumb>,
    pub asset: &'static str,
}

impl Chrome {
    /// A layout without a user (sign-in page, errors before a session is known).
    pub fn bare(title: &str) -> Chrome {
        Chrome {
            title: title.to_owned(),
            nav: "",
            user: None,
            csrf: String::new(),
            manages: false,
            admin: false,
            large: false,
            crumbs: Vec::new(),
            asset: assets::version(),
        }
    }

    /// The layout for `staff` (or a visitor), with the scope's name in the top bar.
    pub async fn build(
        state: &AppState,
        staff: Option<&Staff>,
        title: &str,
        nav: &'static str,
    ) -> Result<Chrome, ApiError> {
        let mut chrome = Chrome::bare(title);
        chrome.nav = nav;
        if let Some(staff) = staff {
            let scope = match staff.scope() {
                None => "全国".to_owned(),
                Some(code) => region_name(state, code).await?,
            };
            chrome.user = Some(UserBadge {
                name: staff.user.display_name.clone(),
                role: staff.role().label().to_owned(),
                scope,
            });
            chrome.csrf = staff.csrf_token.clone();
            chrome.manages = staff.role().manages_network();
            chrome.admin = staff.role().is_admin();
        }
        Ok(chrome)
    }

    pub fn crumbs(mut self, crumbs: Vec<Crumb>) -> Chrome {
        self.crumbs = crumbs;
        self
    }

    pub fn large(mut self, large: bool) -> Chrome {
        self.large = large;
        self
    }
}

/// "江苏省盐城市盐都区" style name of a region, or its code when unknown.
pub async fn region_name(state: &AppState, code: &RegionCode) -> Result<String, ApiError> {
    Ok(state
        .store
        .get_region(code)
        .await?
        .map(|region| region.name)
        .unwrap_or_else(|| code.to_string()))
}

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

/// A failed console request, shown as a Chinese error page.
#[derive(Debug, Clone)]
pub struct UiError {
    pub status: StatusCode,
    pub message: String,
    pub errors: Vec<ProblemField>,
}

impl UiError {
    pub fn not_found(message: impl Into<String>) -> UiError {
        UiError {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
            errors: Vec::new(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> UiError {
        UiError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
            errors: Vec::new(),
        }
    }

    fn heading(&self) -> &'static str {
        match self.status.as_u16() {
            400 => "请求有误",
            403 => "无权访问",
            404 => "页面不存在",
            405 => "操作方式不正确",
            409 => "操作冲突",
            413 => "提交的内容过大",
            422 => "提交的内容有误",
            429 => "操作过于频繁",
            500..=599 => "服务器内部错误",
            _ => "无法完成请求",
        }
    }

    /// The error page inside the layout `chrome`.
    pub fn render(&self, mut chrome: Chrome) -> Response {
        chrome.title = self.heading().to_owned();
        let page = ErrorPage {
            chrome,
            heading: self.heading(),
            status: self.status.as_u16(),
            message: self.message.clone(),
            errors: self
                .errors
                .iter()
                .map(|e| FieldProblem::from_problem(e, field_label))
                .collect(),
        };
        render(self.status, &page)
    }
}

impl From<ApiError> for UiError {
    fn from(error: ApiError) -> UiError {
        UiError {
            status: error.status,
            message: error.message,
            errors: error.errors,
        }
    }
}

impl From<yibao_store::StoreError> for UiError {
    fn from(error: yibao_store::StoreError) -> UiError {
        ApiError::from(error).into()
    }
}

impl From<yibao_domain::ParseError> for UiError {
    fn from(error: yibao_domain::ParseError) -> UiError {
        ApiError::from(error).into()
    }
}

impl IntoResponse for UiError {
    /// A page without the user's top bar; `error_pages` replaces it with the full layout.
    fn into_response(self) -> Response {
        if self.status == StatusCode::UNAUTHORIZED {
            return Redirect::to("/login").into_response();
        }
        let mut response = self.render(Chrome::bare(self.heading()));
        response.extensions_mut().insert(self);
        response
    }
}

/// Re-renders `UiError` pages with the signed-in user's layout.
async fn error_pages(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let cookie = request.headers().get(header::COOKIE).cloned();
    let mut response = next.run(request).await;
    let Some(error) = response.extensions_mut().remove::<UiError>() else {
        return response;
    };
    let mut builder = axum::http::Request::builder();
    if let Some(cookie) = cookie {
        builder = builder.header(header::COOKIE, cookie);
    }
    let Ok(request) = builder.body(()) else {
        return response;
    };
    let (mut parts, ()) = request.into_parts();
    let staff = MaybeStaff::from_request_parts(&mut parts, &state)
        .await
        .ok()
        .and_then(|maybe| maybe.0);
    match Chrome::build(&state, staff.as_ref(), error.heading(), "").await {
        Ok(chrome) => error.render(chrome),
        Err(_) => response,
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    heading: &'static str,
    status: u16,
    message: String,
    errors: Vec<FieldProblem>,
}

/// A field-level problem with the field's Chinese name, for the red message box.
#[derive(Debug, Clone)]
pub struct FieldProblem {
    pub field: String,
    pub label: String,
    pub message: String,
    pub line: Option<usize>,
}

impl FieldProblem {
    pub fn from_problem(problem: &ProblemField, label: fn(&str) -> &str) -> FieldProblem {
        FieldProblem {
            field: problem.field.clone(),
            label: label(&problem.field).to_owned(),
            message: problem.message.clone(),
            line: problem.line,
        }
    }
}

/// Chinese names of form fields and CSV columns.
pub fn field_label(field: &str) -> &str {
    match field {
        "code" => "站点编码",
        "name" => "站点名称",
        "level" => "层级",
        "region_code" => "所在区划",
        "host_type" => "承载机构",
        "parent_code" => "上级站点",
        "lon" => "经度",
        "lat" => "纬度",
        "location" => "坐标",
        "address" => "地址",
        "windows" => "窗口数",
        "phone" => "联系电话",
        "opening_hours" => "营业时间",
        "reason" => "撤销原因",
        "version" => "版本",
        "header" => "表头",
        "row" => "整行",
        "mode" => "办理方式",
        "items" => "事项",
        other => other,
    }
}

/// Renders a template with a status; a template failure is logged and shown as a plain 500.
pub fn render(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            )],
            html,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                )],
                "服务器内部错误，请稍后重试",
            )
                .into_response()
        }
    }
}

pub type UiResult = Result<Response, UiError>;

// ---------------------------------------------------------------------------------------
// Extractors
// ---------------------------------------------------------------------------------------

/// A signed-in staff member; visitors are sent to `/login?next=<this page>`.
pub struct UiStaff(pub Staff);

impl FromRequestParts<AppState> for UiStaff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<UiStaff, Response> {
        match MaybeStaff::from_request_parts(parts, state).await {
            Ok(MaybeStaff(Some(staff))) => Ok(UiStaff(staff)),
            Ok(MaybeStaff(None)) => {
                let next = return_path(parts);
                Err(Redirect::to(&format!("/login?next={}", encode(&next))).into_response())
            }
            Err(error) => Err(UiError::from(error).into_response()),
        }
    }
}

/// Where to come back after signing in: this page for a GET; for a form post (whose address
/// cannot be opened by a link) the page the form was on, when the browser names it.
fn return_path(parts: &Parts) -> String {
    if matches!(
        parts.method,
        axum::http::Method::GET | axum::http::Method::HEAD
    ) {
        return parts
            .uri
            .path_and_query()
            .map(|pq| pq.as_str().to_owned())
            .unwrap_or_else(|| "/network".to_owned());
    }
    parts
        .headers
        .get(header::REFERER)
        .and_then(|value| value.to_str().ok())
        .and_then(|referer| referer.split_once("://"))
        .and_then(|(_, rest)| rest.find('/').map(|slash| rest[slash..].to_owned()))
        .map(|path| login::safe_next(Some(&path)))
        .unwrap_or_else(|| "/network".to_owned())
}

/// An urlencoded form whose rejections are Chinese error pages.
pub struct UiForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for UiForm<T> {
    type Rejection = UiError;

    async fn from_request(request: Request, state: &S) -> Result<UiForm<T>, UiError> {
        use axum::extract::rejection::FormRejection;
        match axum::Form::<T>::from_request(request, state).await {
            Ok(axum::Form(value)) => Ok(UiForm(value)),
            Err(FormRejection::InvalidFormContentType(_)) => Err(UiError {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                message: "表单应以 application/x-www-form-urlencoded 方式提交".to_owned(),
                errors: Vec::new(),
            }),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(UiError {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                message: "提交的内容过大，请分批提交".to_owned(),
                errors: Vec::new(),
            }),
            Err(_) => Err(UiError::bad_request("提交的表单无法识别，请刷新页面后重试")),
        }
    }
}

/// A query string whose rejections are Chinese error pages.
pub struct UiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for UiQuery<T> {
    type Rejection = UiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<UiQuery<T>, UiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| UiQuery(value))
            .map_err(|_| UiError::bad_request("链接中的查询参数有误，请从页面上的链接重新进入"))
    }
}

/// The elderly-friendly mode (长辈模式) of the residents' pages: `?large=1` switches it on
/// and remembers it in a cookie, `?large=0` switches it off.
#[derive(Debug, Clone, Copy)]
pub struct LargeMode {
    pub on: bool,
    /// The cookie to set, when the query changed the mode.
    change: Option<bool>,
}

pub const LARGE_COOKIE: &str = "yibao_large";

impl<S: Send + Sync> FromRequestParts<S> for LargeMode {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<LargeMode, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let asked = query.split('&').find_map(|pair| match pair {
            "large=1" => Some(true),
            "large=0" => Some(false),
            _ => None,
        });
        let remembered = crate::auth::cookie(parts, LARGE_COOKIE) == Some("1");
        Ok(LargeMode {
            on: asked.unwrap_or(remembered),
            change: asked.filter(|asked| *asked != remembered),
        })
    }
}

impl LargeMode {
    /// Adds the cookie that remembers a change of mode.
    pub fn remember(self, mut response: Response) -> Response {
        if let Some(on) = self.change {
            let value = if on {
                format!("{LARGE_COOKIE}=1; Path=/; SameSite=Lax; Max-Age=31536000")
            } else {
                format!("{LARGE_COOKIE}=; Path=/; SameSite=Lax; Max-Age=0")
            };
            if let Ok(value) = HeaderValue::from_str(&value) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
        }
        response
    }
}

// ---------------------------------------------------------------------------------------
// Small helpers shared by the pages
// ---------------------------------------------------------------------------------------

/// Percent-encodes a query-string value (UTF-8, everything but unreserved characters).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
    out
}

/// `path?key=value&…` with the empty values left out.
pub fn link(path: &str, pairs: &[(&str, &str)]) -> String {
    let query: Vec<String> = pairs
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(key, value)| format!("{key}={}", encode(value)))
        .collect();
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// A time in China Standard Time, `2026-05-14 09:30`.
pub fn local_time(at: DateTime<Utc>) -> String {
    let offset = FixedOffset::east_opt(8 * 3600).expect("valid offset");
    at.with_timezone(&offset)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// One option of a `<select>`.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

impl Choice {
    /// The options for `(value, label)` pairs with `current` selected.
    pub fn list(
        options: impl IntoIterator<Item = (&'static str, &'static str)>,
        current: &str,
    ) -> Vec<Choice> {
        options
            .into_iter()
            .map(|(value, label)| Choice {
                value,
                label,
                selected: value == current,
            })
            .collect()
    }
}

/// One day range of opening hours, split so a line breaks only between whole time ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoursPart {
    pub days: String,
    pub ranges: Vec<String>,
}

/// Splits `OpeningHours::to_chinese()` ("周一至周五 08:30-12:00、13:30-17:30；周六 09:00-12:00").
pub fn hours_parts(text: &str) -> Vec<HoursPart> {
    text.split('；')
        .map(|part| match part.split_once(' ') {
            Some((days, ranges)) => HoursPart {
                days: days.to_owned(),
                ranges: ranges.split('、').map(str::to_owned).collect(),
            },
            None => HoursPart {
                days: part.to_owned(),
                ranges: Vec::new(),
            },
        })
        .collect()
}

/// Trims and drops empty optional text.
pub fn non_empty(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

/// Page links for a list: previous, next, and a window of numbers around the current page.
#[derive(Debug, Clone)]
pub struct Pager {
    pub total: i64,
    pub page: u32,
    pub pages: u32,
    pub prev: String,
    pub next: String,
    pub numbers: Vec<PageLink>,
}

#[derive(Debug, Clone)]
pub struct PageLink {
    pub number: u32,
    pub href: String,
    pub current: bool,
    /// An ellipsis before this link.
    pub gap: bool,
}

impl Pager {
    /// `href(n)` builds the link to page `n`.
    pub fn new(total: i64, page: u32, per_page: u32, href: impl Fn(u32) -> String) -> Pager {
        let pages = u32::try_from((total.max(0) as u64).div_ceil(u64::from(per_page.max(1))))
            .unwrap_or(u32::MAX)
            .max(1);
        let page = page.clamp(1, pages);
        let mut numbers = Vec::new();
        let mut last = 0;
        for number in 1..=pages {
            let near = number.abs_diff(page) <= 2;
            if number == 1 || number == pages || near {
                numbers.push(PageLink {
                    number,
                    href: href(number),
                    current: number == page,
                    gap: last != 0 && number > last + 1,
                });
                last = number;
            }
        }
        Pager {
            total,
            page,
            pages,
            prev: if page > 1 {
                href(page - 1)
            } else {
                String::new()
            },
            next: if page < pages {
                href(page + 1)
            } else {
                String::new()
            },
            numbers,
        }
    }
}

/// Parses a page number from a query parameter; anything else is page 1.
pub fn page_number(text: Option<&str>) -> u32 {
    text.and_then(|t| t.trim().parse::<u32>().ok())
        .filter(|n| *n >= 1)
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_encode_values_and_skip_empty_ones() {
        assert_eq!(
            link(
                "/network",
                &[("region", "320903"), ("q", "尚庄 站"), ("level", "")]
            ),
            "/network?region=320903&q=%E5%B0%9A%E5%BA%84%20%E7%AB%99"
        );
        assert_eq!(link("/catalog", &[]), "/catalog");
    }

    #[test]
    fn the_pager_shows_a_window_of_pages() {
        let pager = Pager::new(1000, 10, 50, |n| format!("?page={n}"));
        assert_eq!(pager.pages, 20);
        let numbers: Vec<u32> = pager.numbers.iter().map(|l| l.number).collect();
        assert_eq!(numbers, [1, 8, 9, 10, 11, 12, 20]);
        assert!(pager.numbers[1].gap && !pager.numbers[2].gap);
        assert_eq!(pager.prev, "?page=9");
        let empty = Pager::new(0, 3, 50, |n| n.to_string());
        assert_eq!((empty.pages, empty.page), (1, 1));
        assert!(empty.prev.is_empty() && empty.next.is_empty());
    }

    #[test]
    fn after_sign_in_a_form_post_returns_to_the_page_of_the_form() {
        let parts = |method: &str, uri: &str, referer: Option<&str>| {
            let mut builder = axum::http::Request::builder().method(method).uri(uri);
            if let Some(referer) = referer {
                builder = builder.header(header::REFERER, referer);
            }
            builder.body(()).unwrap().into_parts().0
        };
        assert_eq!(
            return_path(&parts("GET", "/network?region=320903", None)),
            "/network?region=320903"
        );
        assert_eq!(
            return_path(&parts(
                "POST",
                "/stations/320903105-ST/delegations",
                Some("http://127.0.0.1:8099/stations/320903105-ST?ok=delegation")
            )),
            "/stations/320903105-ST?ok=delegation"
        );
        assert_eq!(
            return_path(&parts("POST", "/stations", Some("https://evil.example//x"))),
            "/network"
        );
        assert_eq!(return_path(&parts("POST", "/stations", None)), "/network");
    }

    #[test]
    fn error_pages_list_field_problems_in_chinese() {
        let error = UiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: "表单有误".into(),
            errors: vec![ProblemField {
                field: "region_code".into(),
                message: "行政区划“99”不存在".into(),
                line: Some(3),
            }],
        };
        let page = ErrorPage {
            chrome: Chrome::bare("提交的内容有误"),
            heading: error.heading(),
            status: 422,
            message: error.message.clone(),
            errors: error
                .errors
                .iter()
                .map(|e| FieldProblem::from_problem(e, field_label))
                .collect(),
        };
        let html = page.render().unwrap();
        assert!(html.contains("<h1>提交的内容有误</h1>"));
        assert!(html.contains("第 3 行 所在区划：行政区划“99”不存在"));
        assert!(html.contains("工作人员登录"));
    }

    #[test]
    fn opening_hours_split_into_day_ranges() {
        let parts = hours_parts("周一至周五 08:30-12:00、13:30-17:30；周六 09:00-12:00");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].days, "周一至周五");
        assert_eq!(parts[0].ranges, ["08:30-12:00", "13:30-17:30"]);
        assert_eq!(hours_parts("未填写")[0].ranges.len(), 0);
    }

    #[test]
    fn times_are_shown_in_china_standard_time() {
        let at = DateTime::parse_from_rfc3339("2026-05-14T01:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(local_time(at), "2026-05-14 09:30");
    }
}
