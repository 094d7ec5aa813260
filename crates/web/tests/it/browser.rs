//! The console in a real headless Chromium (Debian's `chromium` + `chromium-driver`), driven
//! over WebDriver. Each step that fails leaves a screenshot in `target/test-artifacts/`.

use crate::helpers::{ADMIN_PASSWORD, Backend, TestApp};
use fantoccini::{Client, ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub(crate) struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts chromedriver, or says why the browser tests are skipped.
pub(crate) async fn browser() -> Option<(Driver, Client)> {
    let (Ok(driver), Ok(chromium)) = (
        std::env::var("PORTICO_TEST_CHROMEDRIVER"),
        std::env::var("PORTICO_TEST_CHROMIUM"),
    ) else {
        if std::env::var("PORTICO_TEST_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!(
                "PORTICO_TEST_REQUIRE_BROWSER=1 but PORTICO_TEST_CHROMEDRIVER/PORTICO_TEST_CHROMIUM are not set"
            );
        }
        eprintln!("skipping browser test: PORTICO_TEST_CHROMEDRIVER is not set");
        return None;
    };
    let port = free_port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let d = Driver { child, port };
    let profile = tempfile::tempdir().unwrap().keep();
    let caps = serde_json::json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1400,1000",
                format!("--user-data-dir={}", profile.display()),
            ]
        }
    });
    let caps = caps.as_object().unwrap().clone();
    let mut last = None;
    // Up to 20 s: on a loaded 2-core machine chromedriver can take a while to listen.
    for _ in 0..200 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{}", d.port))
            .await
        {
            Ok(c) => return Some((d, c)),
            Err(e) => last = Some(e),
        }
    }
    panic!("chromedriver did not start: {last:?}");
}

pub(crate) async fn screenshot(c: &Client, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts");
    let _ = std::fs::create_dir_all(&dir);
    if let Ok(png) = c.screenshot().await {
        let path = dir.join(format!("{name}.png"));
        let _ = std::fs::write(&path, png);
        eprintln!("screenshot saved: {}", path.display());
    }
}

pub(crate) async fn fill(
    c: &Client,
    css: &str,
    value: &str,
) -> Result<(), fantoccini::error::CmdError> {
    let e = c.find(Locator::Css(css)).await?;
    e.clear().await?;
    e.send_keys(value).await
}

pub(crate) async fn text(c: &Client, css: &str) -> Result<String, fantoccini::error::CmdError> {
    c.find(Locator::Css(css)).await?.text().await
}

/// Clicks a form's submit button and waits until the browser has left the page (its old
/// document is gone), so that what is read next is the new page's, not the old one's: a
/// click on a submit button returns before a slow server has answered.
pub(crate) async fn submit_form(c: &Client, css: &str) -> Result<(), String> {
    let old = c
        .find(Locator::Css("html"))
        .await
        .map_err(|e| format!("the page before submitting {css}: {e}"))?;
    c.find(Locator::Css(css))
        .await
        .map_err(|e| format!("{css}: {e}"))?
        .click()
        .await
        .map_err(|e| format!("{css}: {e}"))?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while old.attr("lang").await.is_ok() {
        if std::time::Instant::now() > deadline {
            return Err(format!("{css}: the page did not change after submitting"));
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    Ok(())
}

/// Log in, create an organization, add a member, find them with global search, block them.
async fn admin_journey(app: &TestApp, c: &Client) -> Result<(), String> {
    let e = |step: &str| {
        let step = step.to_string();
        move |err: fantoccini::error::CmdError| format!("{step}: {err}")
    };
    c.goto(&app.url("/organizations"))
        .await
        .map_err(e("open"))?;
    // Not logged in: sent to the login page.
    let url = c.current_url().await.map_err(e("url"))?;
    if !url.path().starts_with("/login") {
        return Err(format!("expected the login page, got {url}"));
    }
    fill(c, "form#login input[name=login]", "admin")
        .await
        .map_err(e("login field"))?;
    fill(c, "form#login input[name=password]", ADMIN_PASSWORD)
        .await
        .map_err(e("password field"))?;
    c.find(Locator::Css("form#login button[type=submit]"))
        .await
        .map_err(e("login button"))?
        .click()
        .await
        .map_err(e("login click"))?;
    c.wait()
        .for_element(Locator::Css("nav"))
        .await
        .map_err(e("after login"))?;
    if c.current_url().await.map_err(e("url"))?.path() != "/organizations" {
        return Err("login did not return to the page asked for".into());
    }

    c.goto(&app.url("/organizations/new"))
        .await
        .map_err(e("new org"))?;
    fill(c, "form#new-org input[name=name]", "Nordlys Læring")
        .await
        .map_err(e("org name"))?;
    c.find(Locator::Css("form#new-org button[type=submit]"))
        .await
        .map_err(e("org submit"))?
        .click()
        .await
        .map_err(e("org click"))?;
    c.wait()
        .for_element(Locator::Css(".flash"))
        .await
        .map_err(e("org created flash"))?;
    let org_page = c.current_url().await.map_err(e("url"))?;
    if !org_page.path().contains("nordlys-laering") && !org_page.path().contains("org_") {
        return Err(format!(
            "expected the new organization's page, got {org_page}"
        ));
    }

    c.goto(&app.url("/organizations/nordlys-laering/users"))
        .await
        .map_err(e("users tab"))?;
    fill(
        c,
        "form#add-member input[name=email]",
        "ingrid.hansen@example.no",
    )
    .await
    .map_err(e("email"))?;
    fill(c, "form#add-member input[name=first_name]", "Ingrid")
        .await
        .map_err(e("first"))?;
    fill(c, "form#add-member input[name=last_name]", "Hansen")
        .await
        .map_err(e("last"))?;
    c.find(Locator::Css("form#add-member button[type=submit]"))
        .await
        .map_err(e("add"))?
        .click()
        .await
        .map_err(e("add click"))?;
    let flash = c
        .wait()
        .for_element(Locator::Css(".flash"))
        .await
        .map_err(e("member flash"))?
        .text()
        .await
        .map_err(e("flash text"))?;
    if !flash.to_lowercase().contains("created") {
        return Err(format!(
            "the flash should say the person was created: {flash:?}"
        ));
    }
    let members = text(c, "table#members").await.map_err(e("members table"))?;
    if !members.contains("ingrid.hansen@example.no") {
        return Err(format!("member missing from the table: {members}"));
    }

    fill(c, "#global-search input[name=q]", "ingrid")
        .await
        .map_err(e("global search"))?;
    c.find(Locator::Css("#global-search button[type=submit]"))
        .await
        .map_err(e("search button"))?
        .click()
        .await
        .map_err(e("search click"))?;
    c.wait()
        .for_element(Locator::Css("table#users"))
        .await
        .map_err(e("results"))?;
    let results = text(c, "table#users").await.map_err(e("results text"))?;
    if !results.contains("ingrid.hansen@example.no") {
        return Err(format!("global search did not find the member: {results}"));
    }
    c.find(Locator::LinkText("Ingrid Hansen"))
        .await
        .map_err(e("user link"))?
        .click()
        .await
        .map_err(e("user click"))?;
    c.wait()
        .for_element(Locator::Css("button#block"))
        .await
        .map_err(e("block button"))?
        .click()
        .await
        .map_err(e("block click"))?;
    c.wait()
        .for_element(Locator::Css("button#unblock"))
        .await
        .map_err(e("unblocked state"))?;
    let page = text(c, "main").await.map_err(e("user page"))?;
    if !page.to_lowercase().contains("blocked") {
        return Err("the user page should show the blocked status".into());
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_admin_journey_in_chromium() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let outcome = admin_journey(&app, &c).await;
    if let Err(msg) = &outcome {
        screenshot(&c, "console_admin_journey").await;
        let _ = c.close().await;
        panic!("{msg}");
    }
    // The user really is blocked on the server.
    let users = app.get("/api/v1/users?q=ingrid").await;
    assert_eq!(users["items"][0]["status"], "blocked");
    c.close().await.unwrap();
}
