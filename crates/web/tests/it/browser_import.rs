//! The console's bulk import in a real headless Chromium: upload a CSV, see the preview,
//! commit, watch the streamed progress page reach its result (only the last progress step
//! shown, by the stylesheet alone), then follow the link to the Users tab and find an
//! imported person.

use crate::browser::{browser, fill, screenshot, submit_form, text};
use crate::helpers::{ADMIN_PASSWORD, Backend, TestApp};
use fantoccini::{Client, Locator};
use std::time::Duration;

const ROWS: usize = 1200;

async fn journey(app: &TestApp, c: &Client, slug: &str, file: &str) -> Result<(), String> {
    let e = |step: &str| {
        let step = step.to_string();
        move |err: fantoccini::error::CmdError| format!("{step}: {err}")
    };
    c.goto(&app.url("/login")).await.map_err(e("login page"))?;
    fill(c, "form#login input[name=login]", "admin")
        .await
        .map_err(e("login field"))?;
    fill(c, "form#login input[name=password]", ADMIN_PASSWORD)
        .await
        .map_err(e("password field"))?;
    submit_form(c, "form#login button[type=submit]").await?;
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("nav"))
        .await
        .map_err(e("after login"))?;

    c.goto(&app.url(&format!("/organizations/{slug}/users")))
        .await
        .map_err(e("users tab"))?;
    submit_form(c, "a#import-users").await?;
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("input#f-file"))
        .await
        .map_err(e("file field"))?
        .send_keys(file)
        .await
        .map_err(e("choose the file"))?;
    submit_form(c, "button#check-import").await?;
    c.wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("table#import-preview"))
        .await
        .map_err(e("preview"))?;
    let summary = text(c, "#import-summary").await.map_err(e("summary"))?;
    if !summary.contains(&format!("{ROWS} rows")) {
        return Err(format!("unexpected preview summary: {summary}"));
    }

    submit_form(c, "button#commit-import-button").await?;
    let result = c
        .wait()
        .at_most(Duration::from_secs(60))
        .for_element(Locator::Css("#import-result[data-outcome=\"imported\"]"))
        .await
        .map_err(e("the import's result"))?
        .text()
        .await
        .map_err(e("result text"))?;
    if !result.contains("Imported 1,200 rows: 1,200 new users") {
        return Err(format!("unexpected result: {result}"));
    }
    // Only the last progress step is shown: every row written.
    let shown = c
        .find_all(Locator::Css("#import-run > p.import-step"))
        .await
        .map_err(e("progress steps"))?;
    let mut visible = Vec::new();
    for s in &shown {
        if s.is_displayed().await.map_err(e("step shown"))? {
            visible.push(s.text().await.map_err(e("step text"))?);
        }
    }
    if shown.len() < 2 || visible != ["1,200 of 1,200 rows written (100%)"] {
        return Err(format!(
            "{} steps, shown: {visible:?} (expected only the last one)",
            shown.len()
        ));
    }

    submit_form(c, "a#import-done-users").await?;
    fill(c, "#member-q", "person.0999@example.com")
        .await
        .map_err(e("member search"))?;
    submit_form(c, "#member-search button[type=submit]").await?;
    let members = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("table#members"))
        .await
        .map_err(e("members table"))?
        .text()
        .await
        .map_err(e("members text"))?;
    if !members.contains("person.0999@example.com") {
        return Err(format!("the imported person is not listed: {members}"));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_import_shows_progress_then_the_result_in_chromium() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let org = app.org("Harbour Academy", None).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("members.csv");
    let mut csv = String::from("email,first_name,last_name\n");
    for i in 0..ROWS {
        csv.push_str(&format!(
            "person.{i:04}@example.com,Person{i:04},Imported\n"
        ));
    }
    std::fs::write(&file, csv).unwrap();
    let outcome = journey(
        &app,
        &c,
        org["slug"].as_str().unwrap(),
        file.to_str().unwrap(),
    )
    .await;
    if let Err(msg) = &outcome {
        screenshot(&c, "console_import_progress").await;
        let _ = c.close().await;
        panic!("{msg}");
    }
    // The server has every row.
    let v = app
        .get(&format!(
            "/api/v1/organizations/{}",
            org["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(v["members"], ROWS as i64);
    c.close().await.unwrap();
}
