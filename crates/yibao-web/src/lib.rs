//! HTTP for Yibao Circle: the JSON API (`api`), the server-rendered console (`ui`), staff
//! authentication (`auth`), the use cases both share (`app`) and the problem-JSON error type
//! (`error`).
//!
//! `serve` takes a bound listener and a shutdown future, so tests bind port 0 and stop cleanly.

pub mod api;
pub mod app;
pub mod auth;
pub mod error;
pub mod notify;
pub mod ui;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;
use yibao_store::{Store, User};

use crate::auth::{LoginLimiter, hash_password, random_token, token_hash, verify_password};
use crate::error::ApiError;

/// How long a login lasts.
pub const SESSION_TTL: chrono::Duration = chrono::Duration::hours(12);

/// Web settings.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark the session cookie `Secure` (browsers accept it on https and on localhost).
    pub secure_cookies: bool,
    /// Failed logins for one username before it is locked out for the window.
    pub login_max_failures: usize,
    /// Failed logins from one client address (any usernames) before the address is locked
    /// out: higher, because a whole office may share one address, but it stops password
    /// spraying across accounts.
    pub login_max_failures_per_address: usize,
    pub login_window: Duration,
    /// Tickets and bookings one client address may create per minute without signing in (the
    /// kiosk and the resident booking page); 0 turns the limit off. Generous, because a hall's
    /// kiosk or a carrier's NAT puts many people behind one address.
    pub public_writes_per_minute: usize,
    /// The archive index directory; `None` keeps it in memory, rebuilt from the database.
    pub archive_index: Option<std::path::PathBuf>,
}

impl Default for WebConfig {
    fn default() -> WebConfig {
        WebConfig {
            secure_cookies: true,
            login_max_failures: 5,
            login_max_failures_per_address: 50,
            login_window: Duration::from_secs(15 * 60),
            public_writes_per_minute: 120,
            archive_index: None,
        }
    }
}

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<WebConfig>,
    pub limiter: Arc<LoginLimiter>,
    /// Counts the anonymous writes (tickets, bookings) per client address over one minute.
    pub public_writes: Arc<LoginLimiter>,
    /// The archive index (档案检索) and the policy Q&A engine (智能问答).
    pub archives: Arc<app::archives::ArchiveState>,
    pub qa: Arc<app::qa::QaState>,
    /// A valid hash to verify against when the username is unknown, so that a login for a
    /// missing account takes as long as one with a wrong password.
    dummy_hash: Arc<String>,
}

impl AppState {
    pub fn new(store: Store, config: WebConfig) -> Result<AppState, ApiError> {
        let limiter = LoginLimiter::new(config.login_window);
        let archives = app::archives::ArchiveState::new(config.archive_index.clone());
        Ok(AppState {
            store,
            archives: Arc::new(archives),
            qa: Arc::default(),
            config: Arc::new(config),
            limiter: Arc::new(limiter),
            public_writes: Arc::new(LoginLimiter::new(Duration::from_secs(60))),
            dummy_hash: Arc::new(hash_password("not-a-real-password-0")?),
        })
    }
}

impl AppState {
    /// Counts one anonymous write (a kiosk ticket, a booking) from `ip`; refuses it with 429
    /// once the address has made `public_writes_per_minute` in the last minute.
    pub fn check_public_write(&self, ip: Option<&str>) -> Result<(), ApiError> {
        let limit = self.config.public_writes_per_minute;
        if limit == 0 {
            return Ok(());
        }
        let key = ip.unwrap_or("-");
        if let Some(seconds) = self.public_writes.retry_after(key, limit) {
            return Err(ApiError::new(
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                format!("操作过于频繁，请 {seconds} 秒后再试"),
            ));
        }
        self.public_writes.record_failure(key);
        Ok(())
    }
}

/// Checks credentials under the rate limit and opens a session; returns the account, the
/// expiry and the token (shown once, stored hashed).
pub async fn sign_in(
    state: &AppState,
    username: &str,
    password: &str,
    ip: Option<String>,
) -> Result<((User, chrono::DateTime<chrono::Utc>), String), ApiError> {
    let username = username.trim();
    let keys = [
        (
            format!("ip:{}", ip.as_deref().unwrap_or("-")),
            state.config.login_max_failures_per_address,
        ),
        (format!("user:{username}"), state.config.login_max_failures),
    ];
    if let Some(seconds) = keys
        .iter()
        .filter_map(|(key, limit)| state.limiter.retry_after(key, *limit))
        .max()
    {
        return Err(ApiError::new(
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!("登录失败次数过多，请 {} 分钟后再试", seconds.div_ceil(60)),
        ));
    }
    let found = state.store.user_with_hash(username).await?;
    let verified = match &found {
        Some((user, hash)) => verify_password(password, hash) && user.active,
        None => {
            verify_password(password, &state.dummy_hash);
            false
        }
    };
    let audit_ip = ip.clone();
    if !verified {
        for (key, _) in &keys {
            state.limiter.record_failure(key);
        }
        let entry =
            yibao_store::AuditEntry::new(username, "session.login_failed", "user", username)
                .ip(audit_ip);
        state.store.append_audit(&entry).await?;
        return Err(ApiError::new(
            axum::http::StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "用户名或密码错误",
        ));
    }
    let (user, _) = found.expect("verified implies found");
    // A success clears the account's count; the address keeps its count so that one good
    // login does not reset a spraying attempt.
    state.limiter.clear(&keys[1].0);
    let token = random_token();
    let expires_at = yibao_store::now() + SESSION_TTL;
    state
        .store
        .insert_session(&token_hash(&token), user.id, &random_token(), expires_at)
        .await?;
    let entry =
        yibao_store::AuditEntry::new(&user.username, "session.login", "user", &user.username)
            .ip(audit_ip);
    state.store.append_audit(&entry).await?;
    Ok(((user, expires_at), token))
}

/// The whole application: API, console and static assets.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(api::router())
        .merge(ui::router(state.clone()))
        // Problem JSON under `/api`, a Chinese page elsewhere.
        .fallback(ui::not_found)
        .layer(DefaultBodyLimit::max(32 * 1024 * 1024))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let store = state.store.clone();
    let purge = tokio::spawn(async move {
        // Expired sessions are useless but keep token hashes around: drop them hourly.
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            if let Err(error) = store.purge_sessions().await {
                tracing::warn!(%error, "purging expired sessions failed");
            }
        }
    });
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    purge.abort();
    served
}
