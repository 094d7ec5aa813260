//! C4 in a real headless Chromium: an organization's administrator opens the organization's
//! Products tab, searches the catalog, activates a published product and sees it listed; the
//! super admin creates a product (JSON content and an image) on Catalog → Products.

use crate::browser::{browser, fill, screenshot, submit_form, text};
use crate::catalog::product;
use crate::helpers::{ADMIN_PASSWORD, Backend, TestApp};
use fantoccini::{Client, Locator};
use std::time::Duration;

async fn journey(app: &TestApp, c: &Client, slug: &str, pid: &str) -> Result<(), String> {
    let e = |step: &str| {
        let step = step.to_string();
        move |err: fantoccini::error::CmdError| format!("{step}: {err}")
    };
    c.goto(&app.url("/login")).await.map_err(e("login page"))?;
    fill(
        c,
        "form#login input[name=login]",
        "harbouradmin@example.com",
    )
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
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("nav"))
        .await
        .map_err(e("after login"))?;
    c.goto(&app.url(&format!("/organizations/{slug}")))
        .await
        .map_err(e("org page"))?;
    c.find(Locator::Css("a#tab-products"))
        .await
        .map_err(e("Products tab"))?
        .click()
        .await
        .map_err(e("Products tab click"))?;
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#no-activated"))
        .await
        .map_err(e("empty portfolio"))?;
    fill(c, "form#catalog-search input[name=q]", "welc")
        .await
        .map_err(e("search field"))?;
    submit_form(c, "form#catalog-search button[type=submit]").await?;
    let button = format!("#available li[data-item=\"{pid}\"] button.activate");
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(&button))
        .await
        .map_err(e("search result"))?;
    submit_form(c, &button).await?;
    let flash = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#flash"))
        .await
        .map_err(e("flash"))?
        .text()
        .await
        .map_err(e("flash text"))?;
    if !flash.contains("Welcome video") || !flash.contains("activated") {
        return Err(format!("unexpected flash: {flash}"));
    }
    let row = c
        .find(Locator::Css(&format!("#activated tr[data-item=\"{pid}\"]")))
        .await
        .map_err(e("activated row"))?
        .text()
        .await
        .map_err(e("row text"))?;
    if !row.contains("Welcome video") {
        return Err(format!("unexpected row: {row}"));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn org_admin_activates_a_product_in_chromium() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    app.import_preset("lms").await;
    let org = app.org("Harbour Academy", None).await;
    app.staff(
        "harbouradmin",
        "lms.organization_administrator",
        Some(&org),
        Some(&org),
    )
    .await;
    let p = product(&app, "video", "Welcome video", "published").await;
    product(&app, "quiz", "Unpublished quiz", "draft").await;
    let pid = p["id"].as_str().unwrap();
    let outcome = journey(&app, &c, org["slug"].as_str().unwrap(), pid).await;
    if let Err(msg) = &outcome {
        screenshot(&c, "org_admin_activates_a_product").await;
        let _ = c.close().await;
        panic!("{msg}");
    }
    // The server has it.
    let list = app
        .get(&format!(
            "/api/v1/organizations/{}/catalog/products",
            org["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(list["items"][0]["id"], p["id"]);
    c.close().await.unwrap();
}

/// Catalog → Products: "New product" with JSON content and an uploaded image, then the list.
async fn product_journey(app: &TestApp, c: &Client, png: &std::path::Path) -> Result<(), String> {
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
    c.find(Locator::Css("a#nav-catalog"))
        .await
        .map_err(e("Catalog in the navigation"))?
        .click()
        .await
        .map_err(e("Catalog click"))?;
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#no-products"))
        .await
        .map_err(e("empty products list"))?;
    c.find(Locator::Css("a#new-product"))
        .await
        .map_err(e("New product"))?
        .click()
        .await
        .map_err(e("New product click"))?;
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("form#product-form"))
        .await
        .map_err(e("product form"))?;
    fill(c, "#f-type", "image").await.map_err(e("type"))?;
    fill(c, "#f-title", "Harbour map")
        .await
        .map_err(e("title"))?;
    fill(c, "#f-language", "en").await.map_err(e("language"))?;
    fill(c, "#f-content", "{\"caption\": \"The harbour\"}")
        .await
        .map_err(e("content"))?;
    c.find(Locator::Css("#f-file"))
        .await
        .map_err(e("file field"))?
        .send_keys(&png.display().to_string())
        .await
        .map_err(e("choose the file"))?;
    submit_form(c, "#save-product").await?;
    let flash = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#flash"))
        .await
        .map_err(e("flash"))?
        .text()
        .await
        .map_err(e("flash text"))?;
    if !flash.contains("Harbour map") {
        return Err(format!("unexpected flash: {flash}"));
    }
    let file = text(c, "#product-file").await.map_err(e("file line"))?;
    if !file.contains("map.png") || !file.contains("image/png") {
        return Err(format!("unexpected file line: {file}"));
    }
    c.find(Locator::Css("a#nav-catalog-products"))
        .await
        .map_err(e("Products in the navigation"))?
        .click()
        .await
        .map_err(e("Products click"))?;
    let row = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#products tbody tr"))
        .await
        .map_err(e("products list"))?
        .text()
        .await
        .map_err(e("row text"))?;
    if !row.contains("Harbour map") || !row.contains("image") || !row.contains("map.png") {
        return Err(format!("unexpected row: {row}"));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_creates_a_product_in_chromium() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("map.png");
    std::fs::write(&png, crate::catalog::PNG).unwrap();
    let outcome = product_journey(&app, &c, &png).await;
    if let Err(msg) = &outcome {
        screenshot(&c, "admin_creates_a_product").await;
        let _ = c.close().await;
        panic!("{msg}");
    }
    // The server has it, with its file.
    let list = app.get("/api/v1/catalog/products").await;
    assert_eq!(list["items"][0]["title"], "Harbour map");
    assert_eq!(list["items"][0]["content"]["caption"], "The harbour");
    assert_eq!(list["items"][0]["file"]["media_type"], "image/png");
    c.close().await.unwrap();
}
