//! The console in real headless Chromium (WebDriver): a bureau administrator signs in,
//! registers a station, sets how it handles an item, and sees it in the network tree, on the
//! map and on the residents' page 哪里能办.

use std::time::{Duration, Instant};

use thirtyfour::components::SelectElement;
use thirtyfour::prelude::*;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_registers_a_station_delegates_an_item_and_residents_find_it() {
    let temp = TempDir::new("browser");
    let Some(run) = start_browser(&temp, "the browser test").await else {
        return;
    };
    let (driver, base) = (run.driver.clone(), run.base.clone());
    let result = journey(&driver, &base, temp.path()).await;
    let _ = driver
        .screenshot(&repo_root().join("target/browser-last.png"))
        .await;
    driver.quit().await.unwrap();
    result.unwrap();
}

/// Waits until the browser has navigated to a path starting with `prefix` (a click only
/// starts the navigation).
async fn wait_for_path(driver: &WebDriver, prefix: &str) -> WebDriverResult<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let path = driver.current_url().await?.path().to_owned();
        if path.starts_with(prefix) || Instant::now() > deadline {
            return Ok(path);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn journey(driver: &WebDriver, base: &str, temp: &std::path::Path) -> WebDriverResult<()> {
    // Sign in.
    driver.goto(format!("{base}/login")).await?;
    driver
        .find(By::Css("form#login input[name=username]"))
        .await?
        .send_keys("admin")
        .await?;
    driver
        .find(By::Css("form#login input[name=password]"))
        .await?
        .send_keys("Admin2026")
        .await?;
    driver.find(By::Id("login-submit")).await?.click().await?;
    assert!(
        wait_for_path(driver, "/network")
            .await?
            .starts_with("/network"),
        "signed in lands on the network tree"
    );
    let cookies = driver.get_all_cookies().await?;
    let session = cookies
        .iter()
        .find(|c| c.name == "yibao_session")
        .expect("session cookie");
    assert_eq!(session.http_only, Some(true));
    assert_eq!(session.secure, Some(true));

    // Register a bank-hosted point in 尚庄镇's 五星村 (or whichever village comes first).
    driver
        .goto(format!("{base}/stations/new?region=320903105"))
        .await?;
    let form = driver.find(By::Css("form#station-form")).await?;
    let fill = |name: &'static str, value: &'static str| {
        let form = form.clone();
        async move {
            let input = form.find(By::Css(format!("[name={name}]"))).await?;
            input.clear().await?;
            input.send_keys(value).await
        }
    };
    fill("code", "SZ-BANK1").await?;
    fill("name", "农商银行尚庄支行医保服务点").await?;
    SelectElement::new(&form.find(By::Css("select[name=level]")).await?)
        .await?
        .select_by_value("village")
        .await?;
    fill("region_code", "320903105201").await?;
    SelectElement::new(&form.find(By::Css("select[name=host_type]")).await?)
        .await?
        .select_by_value("bank")
        .await?;
    fill("parent_code", "320903105-ST").await?;
    fill("lon", "119.9000").await?;
    fill("lat", "33.2500").await?;
    fill("opening_hours", "1-5 09:00-17:00; 6 09:00-12:00").await?;
    form.find(By::Css("button[type=submit]"))
        .await?
        .click()
        .await?;
    assert_eq!(
        wait_for_path(driver, "/stations/SZ-BANK1").await?,
        "/stations/SZ-BANK1",
        "creating redirects to the station page"
    );
    assert!(
        driver
            .find(By::Tag("body"))
            .await?
            .text()
            .await?
            .contains("农商银行尚庄支行医保服务点")
    );

    // Let it accept and forward 异地长期居住人员备案 (JS-14).
    let row = driver.find(By::Css("form[data-item='JS-14']")).await?;
    SelectElement::new(&row.find(By::Css("select[name=mode]")).await?)
        .await?
        .select_by_value("accept_forward")
        .await?;
    row.find(By::Css("button")).await?.click().await?;
    // The save reloads the page with the row marked as just saved and a notice. A click only
    // starts the navigation and `find` looks once, so poll for the marked row (the page before
    // the save already had a notice, from the station's creation); then read the stored mode
    // from a fresh load.
    driver
        .query(By::Css("tr.row-saved[data-item='JS-14']"))
        .first()
        .await?;
    driver.find(By::Id("notice")).await?;
    driver.goto(format!("{base}/stations/SZ-BANK1")).await?;
    let saved = driver
        .find(By::Css("form[data-item='JS-14'] select[name=mode]"))
        .await?;
    assert_eq!(saved.value().await?.as_deref(), Some("accept_forward"));

    // It shows in the tree and on the map.
    driver
        .goto(format!("{base}/network?region=320903105"))
        .await?;
    driver
        .find(By::Css("table#stations tr[data-code='SZ-BANK1']"))
        .await?;
    driver
        .find(By::Css("svg#network-map [data-code='SZ-BANK1']"))
        .await?;
    driver.screenshot(&temp.join("network.png")).await?;

    // A resident standing next to it finds it first, without signing in.
    driver.delete_all_cookies().await?;
    driver
        .goto(format!("{base}/where?item=JS-14&lon=119.9001&lat=33.2501"))
        .await?;
    let first = driver
        .find(By::Css("ol#where-results li.where-result"))
        .await?;
    let text = first.text().await?;
    assert!(
        text.contains("农商银行尚庄支行医保服务点"),
        "nearest result: {text}"
    );
    assert!(text.contains("受理"), "the mode is shown in words: {text}");
    Ok(())
}
