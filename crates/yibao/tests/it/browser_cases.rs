//! Cases across levels in real headless Chromium: the village clerk at 庆福村 takes an off-site
//! filing (异地长期居住人员备案) for a resident through a grid worker, reviews it and forwards it;
//! the 尚庄镇 clerk accepts and completes it; the resident, on the tracking page in 长辈模式,
//! sees it done and rates the service.

use thirtyfour::components::SelectElement;
use thirtyfour::prelude::*;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_village_clerk_takes_an_offsite_filing_the_town_completes_it_and_the_resident_rates_it() {
    let temp = TempDir::new("browser_cases");
    let Some(run) = start_browser(&temp, "the cases browser test").await else {
        return;
    };
    let (driver, base) = (run.driver.clone(), run.base.clone());
    let result = journey(&driver, &base).await;
    let _ = driver
        .screenshot(&repo_root().join("target/browser-cases-last.png"))
        .await;
    driver.quit().await.unwrap();
    result.unwrap();
}

const RESIDENT_ID: &str = "320903194808120015";

async fn sign_in(
    driver: &WebDriver,
    base: &str,
    username: &str,
    password: &str,
) -> WebDriverResult<()> {
    driver.goto(format!("{base}/login")).await?;
    driver
        .find(By::Css("form#login input[name=username]"))
        .await?
        .send_keys(username)
        .await?;
    driver
        .find(By::Css("form#login input[name=password]"))
        .await?
        .send_keys(password)
        .await?;
    driver.find(By::Id("login-submit")).await?.click().await?;
    text_until(driver, "#current-user", |t| !t.is_empty()).await?;
    Ok(())
}

async fn type_into(driver: &WebDriver, id: &str, text: &str) -> WebDriverResult<()> {
    let field = driver.find(By::Id(id)).await?;
    field.clear().await?;
    field.send_keys(text).await
}

/// Clicks an action button and waits for the case page it lands on to show `status`.
async fn act(driver: &WebDriver, button: &str, status: &str) -> WebDriverResult<()> {
    driver.find(By::Id(button)).await?.click().await?;
    let shown = text_until(driver, "#case-status", |t| t == status).await?;
    assert_eq!(shown, status, "after {button}");
    Ok(())
}

async fn journey(driver: &WebDriver, base: &str) -> WebDriverResult<()> {
    // The village clerk takes the filing in at a home visit, through the grid worker.
    sign_in(driver, base, "qingfu", "Qingfu2026").await?;
    driver.goto(format!("{base}/cases")).await?;
    driver.find(By::Id("new-case")).await?.click().await?;
    let items = SelectElement::new(&driver.find(By::Id("item-choice")).await?).await?;
    items.select_by_value("JS-14").await?;
    driver.find(By::Id("choose-item")).await?.click().await?;
    let materials = text_until(driver, "#materials", |t| t.contains("可用电子证照")).await?;
    assert!(materials.contains("居住证明或个人承诺书"), "{materials}");
    driver.find(By::Id("m0-ecert")).await?.click().await?;
    let channels = SelectElement::new(&driver.find(By::Id("channel")).await?).await?;
    channels.select_by_value("home_visit").await?;
    type_into(driver, "applicant_name", "王建国").await?;
    // A mistyped ID number is refused on the form, in Chinese, and nothing is kept.
    type_into(driver, "applicant_id", "320903194808120016").await?;
    type_into(driver, "applicant_phone", "13800000002").await?;
    driver.find(By::Id("proxy")).await?.click().await?;
    type_into(driver, "proxy_name", "周网格").await?;
    type_into(driver, "proxy_id", "320903198806180012").await?;
    type_into(driver, "proxy_phone", "13900000010").await?;
    type_into(driver, "proxy_authorisation", "授权委托书 庆福-2026-099").await?;
    driver.find(By::Id("submit-intake")).await?.click().await?;
    let error = text_until(driver, "#form-errors", |t| !t.is_empty()).await?;
    assert!(error.contains("申请人身份证号码无效"), "{error}");
    type_into(driver, "applicant_id", RESIDENT_ID).await?;
    // The form keeps everything else that was typed.
    driver.find(By::Id("submit-intake")).await?.click().await?;
    let number = text_until(driver, "#case-number", |t| t.starts_with("YB")).await?;
    let message = driver.find(By::Id("case-message")).await?.text().await?;
    assert!(
        message.contains(&format!("已受理，业务编号 {number}")),
        "{message}"
    );
    let originals = driver.find(By::Id("case-originals")).await?.text().await?;
    assert_eq!(
        originals,
        "在庆福村委会医保服务点（片区骨干节点）（320903105201-PT）保管"
    );
    act(driver, "act-initial_review", "已转办待受理").await?;

    // The town clerk finds it among the cases forwarded from below, accepts and completes it.
    driver.find(By::Id("logout")).await?.click().await?;
    sign_in(driver, base, "shangzhuang", "Shangzhuang2026").await?;
    driver.goto(format!("{base}/cases?list=to_accept")).await?;
    driver
        .find(By::Css(format!("#worklist tr[data-number='{number}'] a")))
        .await?
        .click()
        .await?;
    text_until(driver, "#case-number", |t| t == number).await?;
    act(driver, "act-accept_upstream", "已受理待办结").await?;
    type_into(driver, "note", "备案已生效，可在就医地直接结算").await?;
    act(driver, "act-complete", "已办结").await?;
    driver.find(By::Id("logout")).await?.click().await?;
    text_until(driver, "#login-submit", |t| !t.is_empty()).await?;

    // The resident looks it up in 长辈模式, sees it done and rates it.
    driver.goto(format!("{base}/track?large=1")).await?;
    let large = driver.find(By::Css("html")).await?.attr("class").await?;
    assert_eq!(large.as_deref(), Some("large"), "长辈模式");
    type_into(driver, "number", &number).await?;
    type_into(driver, "id_number", RESIDENT_ID).await?;
    driver.find(By::Id("track-submit")).await?.click().await?;
    let status = text_until(driver, "#track-status", |t| !t.is_empty()).await?;
    assert_eq!(status, "已办结");
    let steps = driver.find(By::Id("track-steps")).await?.text().await?;
    assert!(steps.contains("已办结：备案已生效"), "{steps}");
    driver.find(By::Id("score-5")).await?.click().await?;
    type_into(driver, "comment", "网格员上门就办好了").await?;
    driver.find(By::Id("rating-submit")).await?.click().await?;
    let thanks = text_until(driver, "#rating-thanks", |t| !t.is_empty()).await?;
    assert!(thanks.contains("感谢您的评价"), "{thanks}");
    // Looking it up again shows the rating, and no second form.
    driver.find(By::Id("track-again")).await?.click().await?;
    type_into(driver, "number", &number).await?;
    type_into(driver, "id_number", RESIDENT_ID).await?;
    driver.find(By::Id("track-submit")).await?.click().await?;
    let done = text_until(driver, "#rating-done", |t| !t.is_empty()).await?;
    assert_eq!(done, "您已评价（5 分），感谢您的支持。");
    Ok(())
}
