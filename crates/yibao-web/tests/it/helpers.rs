//! `spawn_app`: a real server on port 0 over a fresh database with the committed region
//! fixture, the Jiangsu catalog and three accounts.

use std::io::Write;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};
use tokio::sync::oneshot;
use yibao_domain::{Catalog, RegionCode};
use yibao_store::{Role, Store};
use yibao_web::app::{self, Actor};
use yibao_web::{AppState, WebConfig};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub store: Store,
    pub admin_token: String,
    /// The database the server runs on (a second server can share it).
    pub database_url: String,
    _shutdown: oneshot::Sender<()>,
    _dir: Option<TempDir>,
}

/// A directory removed when dropped.
pub struct TempDir(pub PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn postgres_admin_url() -> String {
    std::env::var("YIBAO_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// Whether PostgreSQL tests can run; without it they are skipped with a visible notice unless
/// `YIBAO_REQUIRE_POSTGRES=1`, under which a missing server fails the test.
pub async fn postgres_available() -> bool {
    static CHECKED: tokio::sync::OnceCell<bool> = tokio::sync::OnceCell::const_new();
    *CHECKED
        .get_or_init(|| async {
            let url = postgres_admin_url();
            match yibao_store::admin::drop_postgres_databases(&url, "yibao_it_").await {
                Ok(_) => true,
                Err(error) => {
                    if std::env::var("YIBAO_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
                        panic!("YIBAO_REQUIRE_POSTGRES=1 but PostgreSQL at {url} is unavailable: {error}");
                    }
                    notice(&format!(
                        "PostgreSQL at {url} is unavailable ({error}): the PostgreSQL contract suite was SKIPPED. \
                         Start PostgreSQL or run .ci/run to test both backends."
                    ));
                    false
                }
            }
        })
        .await
}

/// Writes past the test harness's output capture, once per message, so a skip is visible.
pub fn notice(message: &str) {
    static SHOWN: OnceLock<()> = OnceLock::new();
    if SHOWN.set(()).is_ok() {
        let _ = writeln!(std::io::stderr().lock(), "\n*** NOTICE: {message}\n");
    }
}

fn fixture_file(name: &str) -> Result<Box<dyn std::io::Read>, yibao_web::error::ApiError> {
    let path = repo_root().join("fixtures/regions").join(name);
    let file = std::fs::File::open(&path)
        .map_err(|e| yibao_web::error::ApiError::internal(format!("{}: {e}", path.display())))?;
    Ok(Box::new(std::io::BufReader::new(file)))
}

pub const ADMIN: (&str, &str) = ("admin", "Admin2026x");
pub const COUNTY: (&str, &str) = ("yandu", "Yandu2026x");
pub const VILLAGE: (&str, &str) = ("clerk", "Clerk2026x");

/// Starts the server on a fresh database. Returns `None` when the backend is unavailable
/// (PostgreSQL skipped).
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |_| {}).await
}

/// `spawn_app` with web settings changed by `configure`.
pub async fn spawn_app_with(
    backend: Backend,
    configure: impl FnOnce(&mut WebConfig),
) -> Option<TestApp> {
    let (store, dir, database_url) = match backend {
        Backend::Sqlite => {
            let dir = TempDir(std::env::temp_dir().join(unique("yibao_it")));
            std::fs::create_dir_all(&dir.0).unwrap();
            let url = format!("sqlite://{}", dir.0.join("test.db").display());
            (
                Store::connect(&url).await.expect("sqlite store"),
                Some(dir),
                url,
            )
        }
        Backend::Postgres => {
            if !postgres_available().await {
                return None;
            }
            let url = yibao_store::admin::recreate_postgres_database(
                &postgres_admin_url(),
                &unique("yibao_it"),
            )
            .await
            .expect("create test database");
            (
                Store::connect(&url).await.expect("postgres store"),
                None,
                url,
            )
        }
    };
    let report = app::regions::import_regions(&store, fixture_file, |_, _| {})
        .await
        .expect("regions");
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    let boundary =
        std::fs::read_to_string(repo_root().join("fixtures/boundaries/320903.geojson")).unwrap();
    app::regions::import_boundary(
        &store,
        &RegionCode::parse("320903").unwrap(),
        &boundary,
        "fixture",
    )
    .await
    .unwrap();
    app::catalog::import(&store, &Actor::system(), &Catalog::jiangsu_2022(), "测试")
        .await
        .unwrap();
    for (username, password, role, scope) in [
        (ADMIN.0, ADMIN.1, Role::BureauAdmin, None),
        (COUNTY.0, COUNTY.1, Role::County, Some("320903")),
        (VILLAGE.0, VILLAGE.1, Role::VillagePoint, Some("320903105")),
    ] {
        let input = app::users::UserInput {
            username: username.into(),
            display_name: format!("测试{username}"),
            role,
            region_scope: scope.map(|s| RegionCode::parse(s).unwrap()),
            station_code: None,
            password: password.into(),
        };
        app::users::create(&store, &Actor::system(), &input)
            .await
            .unwrap();
    }
    let mut config = test_config();
    configure(&mut config);
    Some(serve_store(store, config, database_url, dir).await)
}

/// The web settings of the test servers: plain-HTTP cookies, lock-out after 5 failures.
fn test_config() -> WebConfig {
    WebConfig {
        secure_cookies: false,
        login_max_failures: 5,
        ..WebConfig::default()
    }
}

async fn serve_store(
    store: Store,
    config: WebConfig,
    database_url: String,
    dir: Option<TempDir>,
) -> TestApp {
    let state = AppState::new(store.clone(), config).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (shutdown, stop) = oneshot::channel::<()>();
    tokio::spawn(yibao_web::serve(listener, state, async {
        let _ = stop.await;
    }));
    let client = reqwest::Client::new();
    let mut app = TestApp {
        base,
        client,
        store,
        admin_token: String::new(),
        database_url,
        _shutdown: shutdown,
        _dir: dir,
    };
    app.admin_token = app.login(ADMIN.0, ADMIN.1).await;
    app
}

impl TestApp {
    /// A second server with a store of its own on the same database, as another server
    /// process would run (its own SQLite writer connection, its own caches).
    pub async fn second_server(&self) -> TestApp {
        let store = Store::connect(&self.database_url)
            .await
            .expect("second store");
        serve_store(store, test_config(), self.database_url.clone(), None).await
    }
}

/// A response's status and JSON body (Null when not JSON).
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: Value,
    pub text: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn login(&self, username: &str, password: &str) -> String {
        let reply = self
            .post_json(
                "/api/session",
                None,
                &json!({ "username": username, "password": password }),
            )
            .await;
        assert_eq!(reply.status, 201, "login {username}: {}", reply.text);
        reply.body["token"].as_str().unwrap().to_owned()
    }

    async fn reply(response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap_or("").to_owned())
            .unwrap_or_default();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            content_type,
            body,
            text,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        let mut request = self.client.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        Self::reply(request.send().await.unwrap()).await
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> Reply {
        let mut request = self.client.request(method, self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        Self::reply(request.send().await.unwrap()).await
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.send(reqwest::Method::POST, path, token, body).await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: String,
    ) -> Reply {
        let mut request = self
            .client
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        Self::reply(request.send().await.unwrap()).await
    }

    /// Number of audit rows, to prove refused requests wrote nothing.
    pub async fn audit_count(&self) -> i64 {
        self.store
            .list_audit(
                &yibao_store::AuditFilter::default(),
                yibao_store::PageRequest::new(Some(1), Some(1)),
            )
            .await
            .unwrap()
            .total
    }

    pub async fn station_count(&self) -> i64 {
        self.store.count_stations().await.unwrap()
    }
}

/// A valid town station body.
pub fn town_station(code: &str) -> Value {
    json!({
        "code": code,
        "name": "尚庄镇为民服务中心医保服务站",
        "level": "town",
        "region_code": "320903105",
        "host_type": "service_center",
        "lon": 119.93,
        "lat": 33.30,
        "windows": 2,
        "opening_hours": "1-5 08:30-17:30; 6 09:00-12:00"
    })
}

/// A valid village point body under `parent`.
pub fn village_point(code: &str, village: &str, parent: &str, lon: f64, lat: f64) -> Value {
    json!({
        "code": code,
        "name": format!("{village}医保服务点"),
        "level": "village",
        "region_code": village,
        "host_type": "community_center",
        "parent_code": parent,
        "lon": lon,
        "lat": lat
    })
}

/// A console client: keeps cookies and does not follow redirects, so tests see them.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub async fn sign_in(
    app: &TestApp,
    client: &reqwest::Client,
    username: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(app.url("/login"))
        .form(&[
            ("username", username),
            ("password", password),
            ("next", "/network"),
        ])
        .send()
        .await
        .unwrap()
}

/// The CSRF token embedded in a page's forms.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}
