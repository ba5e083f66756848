//! Staff authentication: argon2 password hashes, session tokens (bearer header for API
//! clients, a Secure HttpOnly cookie for the console), CSRF tokens for cookie sessions, login
//! rate limiting, and the caller's region scope.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Method, header};
use rand::RngCore;
use sha2::{Digest, Sha256};
use yibao_domain::RegionCode;
use yibao_store::{Role, SessionUser, User};

use crate::AppState;
use crate::error::ApiError;

pub const SESSION_COOKIE: &str = "yibao_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(ApiError::internal)
}

/// Checks a password against a stored hash; a malformed hash never verifies.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Password rule for new accounts: at least 8 characters with letters and digits.
pub fn check_password_strength(password: &str) -> Result<(), ApiError> {
    let long_enough = password.chars().count() >= 8;
    let letters = password.chars().any(|c| c.is_alphabetic());
    let digits = password.chars().any(|c| c.is_ascii_digit());
    if long_enough && letters && digits {
        Ok(())
    } else {
        Err(ApiError::validation(
            "密码至少 8 位，且须同时包含字母和数字",
            Vec::new(),
        ))
    }
}

/// 32 random bytes as hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What the database keeps of a session token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Counts events per key in a sliding window: failed logins per username or client address
/// (each kind of key has its own limit, because many clerks may share one office address), and
/// anonymous writes per client address.
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
    pub window: Duration,
}

impl LoginLimiter {
    pub fn new(window: Duration) -> LoginLimiter {
        LoginLimiter {
            failures: Mutex::new(HashMap::new()),
            window,
        }
    }

    /// Seconds until the key may try again, if it has reached `limit` failures in the window.
    pub fn retry_after(&self, key: &str, limit: usize) -> Option<u64> {
        let mut failures = self.failures.lock().expect("limiter lock");
        let now = Instant::now();
        let list = failures.get_mut(key)?;
        list.retain(|at| now.duration_since(*at) < self.window);
        if list.len() < limit {
            return None;
        }
        let oldest = list.first().copied()?;
        Some(
            (self.window.saturating_sub(now.duration_since(oldest)))
                .as_secs()
                .max(1),
        )
    }

    pub fn record_failure(&self, key: &str) {
        let mut failures = self.failures.lock().expect("limiter lock");
        if failures.len() > 100_000 {
            // Keep memory bounded under a flood of distinct keys.
            let now = Instant::now();
            failures.retain(|_, list| list.iter().any(|at| now.duration_since(*at) < self.window));
        }
        failures
            .entry(key.to_owned())
            .or_default()
            .push(Instant::now());
    }

    pub fn clear(&self, key: &str) {
        self.failures.lock().expect("limiter lock").remove(key);
    }
}

/// Reads one cookie from the request headers.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// The client's address as the server saw it.
pub fn client_ip(parts: &Parts) -> Option<String> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip().to_string())
}

/// An authenticated staff member.
#[derive(Debug, Clone)]
pub struct Staff {
    pub user: User,
    pub csrf_token: String,
    /// Authenticated through the console cookie (so unsafe requests need the CSRF token).
    pub via_cookie: bool,
    pub ip: Option<String>,
}

impl Staff {
    pub fn role(&self) -> Role {
        self.user.role
    }

    pub fn scope(&self) -> Option<&RegionCode> {
        self.user.region_scope.as_ref()
    }

    /// Refuses anything outside the caller's region.
    pub fn ensure_in_scope(&self, region: &RegionCode) -> Result<(), ApiError> {
        match self.scope() {
            Some(scope) if !scope.contains(region) => Err(ApiError::forbidden(format!(
                "无权访问区划“{region}”：您的管辖范围是“{scope}”"
            ))),
            _ => Ok(()),
        }
    }

    /// Narrows a requested region to the caller's scope: no request means the whole scope; a
    /// request wider than the scope becomes the scope; a request outside it is refused.
    pub fn scoped(&self, requested: Option<RegionCode>) -> Result<Option<RegionCode>, ApiError> {
        match (self.scope(), requested) {
            (None, requested) => Ok(requested),
            (Some(scope), None) => Ok(Some(scope.clone())),
            (Some(scope), Some(requested)) if scope.contains(&requested) => Ok(Some(requested)),
            (Some(scope), Some(requested)) if requested.contains(scope) => Ok(Some(scope.clone())),
            (Some(_), Some(requested)) => {
                self.ensure_in_scope(&requested)?;
                Ok(Some(requested))
            }
        }
    }

    pub fn require_network_manager(&self) -> Result<(), ApiError> {
        if self.role().manages_network() {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "只有医保局管理员或县级经办人员可以维护站点网络",
            ))
        }
    }

    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.role().is_admin() {
            Ok(())
        } else {
            Err(ApiError::forbidden("只有医保局管理员可以执行此操作"))
        }
    }

    /// For cookie sessions, the CSRF token of the form or header must match the session's.
    pub fn check_csrf(&self, provided: Option<&str>) -> Result<(), ApiError> {
        if !self.via_cookie {
            return Ok(());
        }
        match provided {
            Some(token) if constant_time_eq(token.as_bytes(), self.csrf_token.as_bytes()) => Ok(()),
            _ => Err(ApiError::forbidden(
                "页面已过期或请求来源不可信（CSRF 校验失败），请刷新页面后重试",
            )),
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn session_from_parts(
    parts: &Parts,
    state: &AppState,
) -> Result<Option<(SessionUser, bool)>, ApiError> {
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim);
    let (token, via_cookie) = match bearer {
        Some(token) => (token, false),
        None => match cookie(parts, SESSION_COOKIE) {
            Some(token) => (token, true),
            None => return Ok(None),
        },
    };
    let session = state.store.session_user_recent(&token_hash(token)).await?;
    Ok(session.map(|session| (session, via_cookie)))
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    /// API authentication: bearer token or console cookie; unsafe methods over a cookie must
    /// carry the `X-CSRF-Token` header.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Staff, ApiError> {
        let (session, via_cookie) = session_from_parts(parts, state)
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        let staff = Staff {
            user: session.user,
            csrf_token: session.csrf_token,
            via_cookie,
            ip: client_ip(parts),
        };
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe && parts.uri.path().starts_with("/api/") {
            let header = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            staff.check_csrf(header)?;
        }
        Ok(staff)
    }
}

/// The console's optional login: pages that work signed out (the resident page) use it.
#[derive(Debug, Clone)]
pub struct MaybeStaff(pub Option<Staff>);

impl FromRequestParts<AppState> for MaybeStaff {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<MaybeStaff, ApiError> {
        let session = session_from_parts(parts, state).await?;
        Ok(MaybeStaff(session.map(|(session, via_cookie)| Staff {
            user: session.user,
            csrf_token: session.csrf_token,
            via_cookie,
            ip: client_ip(parts),
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_with_the_right_secret() {
        let hash = hash_password("Yancheng2026").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("Yancheng2026", &hash));
        assert!(!verify_password("yancheng2026", &hash));
        assert!(!verify_password("Yancheng2026", "not a hash"));
    }

    #[test]
    fn weak_passwords_are_refused() {
        assert!(check_password_strength("abc12345").is_ok());
        assert!(check_password_strength("abcdefgh").is_err());
        assert!(check_password_strength("1234567").is_err());
    }

    #[test]
    fn the_limiter_locks_after_too_many_failures() {
        let limiter = LoginLimiter::new(Duration::from_secs(60));
        for _ in 0..2 {
            limiter.record_failure("1.2.3.4");
        }
        assert_eq!(limiter.retry_after("1.2.3.4", 3), None);
        limiter.record_failure("1.2.3.4");
        assert!(limiter.retry_after("1.2.3.4", 3).unwrap() >= 59);
        assert_eq!(limiter.retry_after("5.6.7.8", 3), None);
        limiter.clear("1.2.3.4");
        assert_eq!(limiter.retry_after("1.2.3.4", 3), None);
    }
}
