//! Shared helpers: the built binary, temporary folders, visible skip notices.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub fn yibao() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_yibao"));
    command
        .env_remove("YIBAO_DATABASE_URL")
        .env("YIBAO_LOG", "error");
    command
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A folder removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "yibao_cli_{name}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn sqlite_url(&self) -> String {
        format!("sqlite://{}", self.0.join("yibao.db").display())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Writes past the test harness's capture so that a skipped suite is visible.
pub fn notice(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "\n*** NOTICE: {message}\n");
}

/// True when `variable=1`: a missing prerequisite then fails instead of skipping.
pub fn required(variable: &str) -> bool {
    std::env::var(variable).is_ok_and(|value| value == "1")
}

/// Kills a child process (a server, chromedriver) when dropped.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub async fn wait_for(url: &str) {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(90);
    while Instant::now() < deadline {
        if client
            .get(url)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{url} did not come up");
}

/// Polls an element's text until `accept` holds (or 20 s pass); returns the last text.
pub async fn text_until(
    driver: &thirtyfour::WebDriver,
    css: &str,
    accept: impl Fn(&str) -> bool,
) -> thirtyfour::error::WebDriverResult<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = match driver.find(thirtyfour::By::Css(css)).await {
            Ok(element) => element.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if accept(&text) || Instant::now() > deadline {
            return Ok(text);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Starts chromedriver and a headless Chromium session (1366×900, a profile in `temp`);
/// `None` with a visible notice when they are not installed (a failure under
/// `YIBAO_REQUIRE_BROWSER=1`).
pub async fn start_chromium(
    temp: &TempDir,
    test: &str,
) -> Option<(Running, thirtyfour::WebDriver)> {
    let chromedriver = Path::new("/usr/bin/chromedriver");
    if !chromedriver.exists() || !Path::new("/usr/bin/chromium").exists() {
        assert!(
            !required("YIBAO_REQUIRE_BROWSER"),
            "YIBAO_REQUIRE_BROWSER=1 but chromium/chromedriver are not installed"
        );
        notice(&format!(
            "chromium/chromedriver are not installed: {test} was SKIPPED."
        ));
        return None;
    }
    use thirtyfour::ChromiumLikeCapabilities;
    let driver_port = free_port();
    let running = Running(
        Command::new(chromedriver)
            .arg(format!("--port={driver_port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for(&format!("http://127.0.0.1:{driver_port}/status")).await;
    let mut caps = thirtyfour::DesiredCapabilities::chrome();
    caps.set_binary("/usr/bin/chromium").unwrap();
    for arg in [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        "--window-size=1366,900",
    ] {
        caps.add_arg(arg).unwrap();
    }
    caps.add_arg(&format!(
        "--user-data-dir={}",
        temp.path().join("profile").display()
    ))
    .unwrap();
    let driver = thirtyfour::WebDriver::new(format!("http://127.0.0.1:{driver_port}"), caps)
        .await
        .unwrap();
    Some((running, driver))
}

/// The demo server (`yibao demo` on a fresh SQLite file in `temp`) and a headless Chromium
/// session from `start_chromium`; both are stopped when dropped.
pub struct BrowserRun {
    pub base: String,
    pub driver: thirtyfour::WebDriver,
    _chromedriver: Running,
    _server: Running,
}

/// Starts the demo and a browser, or `None` (see `start_chromium`) when they are not installed.
pub async fn start_browser(temp: &TempDir, test: &str) -> Option<BrowserRun> {
    let (chromedriver, driver) = start_chromium(temp, test).await?;
    let port = free_port();
    let server = Running(
        yibao()
            .args(["demo", "--port", &port.to_string(), "--file"])
            .arg(temp.path().join("demo.db"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}");
    wait_for(&format!("{base}/api/health")).await;
    Some(BrowserRun {
        base,
        driver,
        _chromedriver: chromedriver,
        _server: server,
    })
}
