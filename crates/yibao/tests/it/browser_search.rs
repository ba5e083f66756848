//! The policy Q&A and the archives in real headless Chromium (one session over the demo): a
//! resident asks on the chat page and sees an answer citing its catalog item with links to the
//! guide and the nearest stations; a staff member searches the archives, sees highlighted
//! snippets with masked names, opens a record, and the audit page lists that opening; an
//! editor adds a knowledge-base entry and the chat answers with it.

use std::process::Stdio;

use thirtyfour::prelude::*;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_gets_a_cited_answer_and_an_opened_archive_is_audited() {
    let temp = TempDir::new("browser_search");
    let Some((_chromedriver, driver)) = start_chromium(&temp, "the search browser test").await
    else {
        return;
    };
    let port = free_port();
    let _server = Running(
        yibao()
            .args(["demo", "--port", &port.to_string(), "--file"])
            .arg(temp.path().join("demo.db"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}");
    wait_for(&format!("{base}/api/health")).await;
    let result = journey(&driver, &base).await;
    let _ = driver
        .screenshot(&repo_root().join("target/browser-search-last.png"))
        .await;
    driver.quit().await.unwrap();
    result.unwrap();
}

async fn journey(driver: &WebDriver, base: &str) -> WebDriverResult<()> {
    // A resident, not signed in, asks in everyday words.
    driver.goto(format!("{base}/qa")).await?;
    driver
        .find(By::Id("qa-input"))
        .await?
        .send_keys("在外地住院花的钱回来咋手工报销")
        .await?;
    driver.find(By::Id("qa-submit")).await?.click().await?;
    let item = text_until(driver, "#qa-item", |t| !t.is_empty()).await?;
    assert_eq!(item, "住院费用报销", "the answer cites its catalog item");
    let cite = driver
        .find(By::Css("#qa-answer .qa-cite"))
        .await?
        .text()
        .await?;
    assert!(cite.starts_with("来源："), "{cite}");
    let guide = driver.find(By::Id("qa-guide")).await?.attr("href").await?;
    assert!(
        guide.as_deref().is_some_and(|h| h.starts_with("/catalog/")),
        "{guide:?}"
    );
    let nearest = driver.find(By::Id("qa-where")).await?.attr("href").await?;
    assert!(
        nearest
            .as_deref()
            .is_some_and(|h| h.starts_with("/where?item=")),
        "{nearest:?}"
    );
    let _ = driver
        .screenshot(&repo_root().join("target/browser-qa.png"))
        .await;

    // Staff sign in and search the archives.
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
    text_until(driver, "#current-user", |t| !t.is_empty()).await?;
    driver.goto(format!("{base}/archives")).await?;
    driver
        .find(By::Id("ar-q"))
        .await?
        .send_keys("零星报销 住院")
        .await?;
    driver.find(By::Id("archive-search")).await?.click().await?;
    let total = text_until(driver, "#archive-total", |t| t.starts_with("找到")).await?;
    assert!(total.starts_with("找到"), "{total}");
    let marks = driver.find_all(By::Css("#archive-hits mark")).await?;
    assert!(!marks.is_empty(), "snippets are highlighted");
    let meta = driver
        .find(By::Css("#archive-hits .archive-meta"))
        .await?
        .text()
        .await?;
    assert!(meta.contains('*'), "names are masked in the list: {meta}");
    let _ = driver
        .screenshot(&repo_root().join("target/browser-archives.png"))
        .await;

    // Open the first record: its number is shown and the opening is audited.
    let link = driver.find(By::Css("#archive-hits h2 a")).await?;
    let href = link.attr("href").await?.unwrap_or_default();
    let id = href.rsplit('/').next().unwrap_or_default().to_owned();
    link.click().await?;
    let number = text_until(driver, "#archive-number", |t| t.starts_with("DA")).await?;
    assert!(number.starts_with("DA"), "{number}");
    let _ = driver
        .screenshot(&repo_root().join("target/browser-archive-record.png"))
        .await;
    driver.goto(format!("{base}/audit?entity=archive")).await?;
    let rows = text_until(driver, "#audit", |t| t.contains("archive.open")).await?;
    assert!(
        rows.contains("查阅档案") && rows.contains("archive.open"),
        "{rows}"
    );
    assert!(rows.contains(&id), "the audit lists record {id}: {rows}");

    // An editor adds a knowledge-base entry; the chat answers with it at once.
    driver
        .goto(format!("{base}/qa/kb/edit?question=%E9%A9%BF%E7%AB%99%E5%91%A8%E5%85%AD%E5%BC%80%E9%97%A8%E5%90%97"))
        .await?;
    driver
        .find(By::Id("kb-id"))
        .await?
        .send_keys("local.zhouliu")
        .await?;
    driver
        .find(By::Id("kb-answer"))
        .await?
        .send_keys("尚庄镇医保驿站周六上午开门办理业务。")
        .await?;
    driver
        .find(By::Id("kb-source"))
        .await?
        .send_keys("尚庄镇医保服务站公告")
        .await?;
    let _ = driver
        .screenshot(&repo_root().join("target/browser-kb-edit.png"))
        .await;
    driver.find(By::Id("kb-save")).await?.click().await?;
    let saved = text_until(driver, "#kb-saved", |t| !t.is_empty()).await?;
    assert!(saved.starts_with("已保存"), "{saved}");
    let _ = driver
        .screenshot(&repo_root().join("target/browser-kb.png"))
        .await;
    driver
        .goto(format!(
            "{base}/qa?q=%E9%A9%BF%E7%AB%99%E5%91%A8%E5%85%AD%E5%BC%80%E9%97%A8%E5%90%97"
        ))
        .await?;
    let answer = text_until(driver, "#qa-answer", |t| !t.is_empty()).await?;
    assert!(answer.contains("周六上午开门"), "{answer}");
    Ok(())
}
