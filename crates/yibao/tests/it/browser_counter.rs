//! The counter in real headless Chromium (one browser session): the hall's display board is
//! open in one tab; a resident takes a ticket at the kiosk in another; the window clerk signs
//! in and calls until that ticket comes up; the board, without a reload, announces
//! “请 A00x 号到 1 号窗口” (server-sent events).

use thirtyfour::prelude::*;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_ticket_is_called_at_a_window_and_announced_on_the_board() {
    let temp = TempDir::new("browser_counter");
    let Some(run) = start_browser(&temp, "the counter browser test").await else {
        return;
    };
    let (driver, base) = (run.driver.clone(), run.base.clone());
    let result = journey(&driver, &base).await;
    let _ = driver
        .screenshot(&repo_root().join("target/browser-counter-last.png"))
        .await;
    driver.quit().await.unwrap();
    result.unwrap();
}

const STATION: &str = "320903105-ST";

async fn journey(driver: &WebDriver, base: &str) -> WebDriverResult<()> {
    // The hall's board, connected to its event stream.
    driver
        .goto(format!("{base}/counter/{STATION}/board"))
        .await?;
    let live = text_until(driver, "#board-live", |t| t == "实时").await?;
    assert_eq!(live, "实时", "the board connects to its event stream");
    let board_tab = driver.window().await?;

    // A resident takes a 参保登记 ticket at the kiosk, in another tab.
    let kiosk_tab = driver.new_tab().await?;
    driver.switch_to_window(kiosk_tab).await?;
    driver
        .goto(format!("{base}/counter/{STATION}/kiosk"))
        .await?;
    driver.find(By::Id("take-A")).await?.click().await?;
    let number = text_until(driver, "#slip-number", |t| t.starts_with('A')).await?;
    assert!(number.starts_with("A0"), "a printed-looking slip: {number}");

    // The window clerk signs in at window 1 and calls until the resident's turn.
    driver.goto(format!("{base}/login")).await?;
    driver
        .find(By::Css("form#login input[name=username]"))
        .await?
        .send_keys("chuangkou")
        .await?;
    driver
        .find(By::Css("form#login input[name=password]"))
        .await?
        .send_keys("Chuangkou2026")
        .await?;
    driver.find(By::Id("login-submit")).await?.click().await?;
    text_until(driver, "#current-user", |t| !t.is_empty()).await?;
    driver.goto(format!("{base}/counter/{STATION}")).await?;
    driver
        .find(By::Css("tr[data-window='1'] a"))
        .await?
        .click()
        .await?;
    driver.find(By::Id("window-sign-in")).await?.click().await?;
    // The sign-in posts a form; wait for the page it lands on instead of racing it.
    let badge = text_until(driver, "#signed-in", |t| !t.is_empty()).await?;
    assert_eq!(
        badge, "已在本窗口签到",
        "the clerk is signed in at the window"
    );
    let mut called = Vec::new();
    for _ in 0..10 {
        driver.find(By::Id("call-next")).await?.click().await?;
        let current = text_until(driver, "#current-number", |t| !t.is_empty()).await?;
        called.push(current.clone());
        if current == number {
            break;
        }
        driver.find(By::Id("act-finish")).await?.click().await?;
        // Wait for the page the finish form lands on before pressing 叫下一位 again.
        text_until(driver, "#call-next", |t| !t.is_empty()).await?;
    }
    assert_eq!(
        called.last(),
        Some(&number),
        "the clerk reaches the ticket: {called:?}"
    );

    // The board, never reloaded, announces it.
    driver.switch_to_window(board_tab).await?;
    let expected = format!("请 {number} 号到 1 号窗口");
    let latest = text_until(driver, "#board-latest", |t| t == expected).await?;
    assert_eq!(latest, expected, "the board announces the call live");
    let calls = driver
        .find(By::Css("#board-calls tbody"))
        .await?
        .text()
        .await?;
    assert!(calls.contains(&number), "{calls}");
    Ok(())
}
