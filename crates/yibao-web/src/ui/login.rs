//! Signing in and out of the console: the session token travels in an HttpOnly cookie.

use askama::Template;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Chrome, UiForm, UiQuery, UiResult, UiStaff, render};
use crate::auth::{self, MaybeStaff, SESSION_COOKIE};
use crate::{AppState, SESSION_TTL};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    username: String,
    next: String,
    error: String,
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

/// Only a local path may be a redirect target: `/x`, never `//host` or `/\host`.
pub(crate) fn safe_next(next: Option<&str>) -> String {
    match next.map(str::trim) {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.chars().any(|c| c.is_control() || c == '\\')
                && path != "/login" =>
        {
            path.to_owned()
        }
        _ => "/network".to_owned(),
    }
}

pub async fn form(staff: MaybeStaff, UiQuery(query): UiQuery<LoginQuery>) -> Response {
    let next = safe_next(query.next.as_deref());
    if staff.0.is_some() {
        return Redirect::to(&next).into_response();
    }
    let page = LoginPage {
        chrome: Chrome::bare("登录"),
        username: String::new(),
        next,
        error: String::new(),
    };
    render(StatusCode::OK, &page)
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

fn session_cookie(state: &AppState, token: &str, max_age: i64) -> HeaderValue {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .expect("token is hex")
}

pub async fn submit(
    State(state): State<AppState>,
    parts: Parts,
    UiForm(form): UiForm<LoginForm>,
) -> UiResult {
    let next = safe_next(form.next.as_deref());
    if form.username.trim().is_empty() || form.password.is_empty() {
        let page = LoginPage {
            chrome: Chrome::bare("登录"),
            username: form.username.trim().to_owned(),
            next,
            error: "请输入用户名和密码".to_owned(),
        };
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    let ip = auth::client_ip(&parts);
    match crate::sign_in(&state, &form.username, &form.password, ip).await {
        Ok((_, token)) => {
            let mut response = Redirect::to(&next).into_response();
            response.headers_mut().insert(
                header::SET_COOKIE,
                session_cookie(&state, &token, SESSION_TTL.num_seconds()),
            );
            Ok(response)
        }
        Err(error)
            if error.status == StatusCode::UNAUTHORIZED
                || error.status == StatusCode::TOO_MANY_REQUESTS =>
        {
            let page = LoginPage {
                chrome: Chrome::bare("登录"),
                username: form.username.trim().to_owned(),
                next,
                error: error.message,
            };
            Ok(render(error.status, &page))
        }
        Err(error) => Err(error.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    UiStaff(staff): UiStaff,
    parts: Parts,
    UiForm(form): UiForm<LogoutForm>,
) -> UiResult {
    staff.check_csrf(Some(&form.csrf))?;
    if let Some(token) = auth::cookie(&parts, SESSION_COOKIE) {
        state.store.delete_session(&auth::token_hash(token)).await?;
    }
    let mut response = Redirect::to("/login").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, "", 0));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(
            safe_next(Some("/stations/320903-HALL")),
            "/stations/320903-HALL"
        );
        assert_eq!(
            safe_next(Some("/network?region=320903")),
            "/network?region=320903"
        );
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "network",
            "/login",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/network", "{bad}");
        }
        assert_eq!(safe_next(None), "/network");
    }
}
