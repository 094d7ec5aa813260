//! Catalog → Products in the console (C1), as a person uses it: the list with its filters and
//! pages, the multipart product form (JSON content or an uploaded file; a file over the limit
//! or of the wrong type refused next to the field with nothing stored), editing with the
//! version guard, the file's download, and deleting after a confirmation.

use crate::both_backends;
use crate::catalog::{PNG, product};
use crate::console_access::{console_as, page, scrape_csrf, submit};
use crate::helpers::*;
use portico_services::ServiceConfig;
use reqwest::header::LOCATION;
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Posts a product form as a browser does: multipart, the CSRF token of `from` first, the
/// text fields, then the file part (empty and nameless when no file is chosen).
pub(crate) async fn post_product(
    c: &reqwest::Client,
    app: &TestApp,
    from: &str,
    action: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &str, Vec<u8>)>,
) -> reqwest::Response {
    let (s, html) = page(c, app, from).await;
    assert_eq!(s, StatusCode::OK, "GET {from}: {html}");
    let mut form = Form::new().text("_csrf", scrape_csrf(&html));
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    let part = match file {
        Some((name, mime, bytes)) => Part::bytes(bytes)
            .file_name(name.to_string())
            .mime_str(mime)
            .unwrap(),
        None => Part::bytes(Vec::new())
            .file_name("")
            .mime_str("application/octet-stream")
            .unwrap(),
    };
    form = form.part("file", part);
    c.post(app.url(action))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// The text of an HTML page with the escapes the templates use undone.
pub(crate) fn unescape(html: &str) -> String {
    html.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn location(r: &reqwest::Response) -> String {
    r.headers()[LOCATION].to_str().unwrap().to_string()
}

async fn products(app: &TestApp) -> Vec<Value> {
    app.get("/api/v1/catalog/products").await["items"]
        .as_array()
        .unwrap()
        .clone()
}

both_backends!(
    products_are_created_with_json_or_a_file_in_the_console,
    |app: TestApp| async move {
        let c = console_as(&app, "admin").await;
        // The navigation's Catalog section; the empty list says what to do.
        let (s, html) = page(&c, &app, "/catalog/products").await;
        assert_eq!(s, StatusCode::OK, "{html}");
        for id in [
            "id=\"nav-catalog-products\"",
            "id=\"nav-catalog-emails\"",
            "id=\"nav-catalog-courses\"",
            "id=\"no-products\"",
            "id=\"new-product\"",
        ] {
            assert!(html.contains(id), "{id} in {html}");
        }
        assert!(html.contains("Create the first one with “New product”"));
        let new = "/catalog/products/new";
        let seq = app.audit_seq().await;

        // Content that is not JSON: the form again, the message next to the field.
        let r = post_product(
            &c,
            &app,
            new,
            new,
            &[
                ("type", "quiz"),
                ("title", "Fire safety quiz"),
                ("language", "de-ch"),
                ("status", "draft"),
                ("content", "{\"questions\": ["),
            ],
            None,
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = r.text().await.unwrap();
        assert!(
            body.contains("id=\"f-content-error\"") && body.contains("Not valid JSON"),
            "{body}"
        );
        assert!(
            body.contains("value=\"Fire safety quiz\""),
            "typed values kept"
        );
        assert_eq!(app.audit_seq().await, seq, "nothing stored");

        // JSON content: created, shown on its page.
        let r = post_product(
            &c,
            &app,
            new,
            new,
            &[
                ("type", "quiz"),
                ("title", "Fire safety quiz"),
                ("language", "de-ch"),
                ("status", "draft"),
                ("description", "Ten questions"),
                ("content", "{\"questions\": [{\"q\": \"Exit?\"}]}"),
            ],
            None,
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let quiz_href = location(&r);
        let (s, html) = page(&c, &app, &quiz_href).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            html.contains("Product “Fire safety quiz” created."),
            "{html}"
        );
        assert!(html.contains("id=\"product-content\""), "{html}");
        assert!(unescape(&html).contains("\"q\": \"Exit?\""), "{html}");
        assert!(html.contains("de-CH"), "canonical language");
        let all = products(&app).await;
        assert_eq!(all.len(), 1);
        assert_eq!(all[0]["content"]["questions"][0]["q"], "Exit?");
        assert_eq!(all[0]["file"], Value::Null);

        // A file of the wrong type: refused next to the file field, nothing stored.
        let seq = app.audit_seq().await;
        let image_fields = [
            ("type", "image"),
            ("title", "Site logo"),
            ("language", "en"),
            ("status", "published"),
            ("content", ""),
        ];
        let html_file = b"<!DOCTYPE html><html><script>alert(1)</script></html>".to_vec();
        let r = post_product(
            &c,
            &app,
            new,
            new,
            &image_fields,
            Some(("logo.png", "image/png", html_file)),
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = unescape(&r.text().await.unwrap());
        assert!(
            body.contains("id=\"f-file-error\"") && body.contains("not the declared image/png"),
            "{body}"
        );
        // A type that takes no file.
        let r = post_product(
            &c,
            &app,
            new,
            new,
            &[
                ("type", "quiz"),
                ("title", "Q"),
                ("language", "en"),
                ("status", "draft"),
            ],
            Some(("logo.png", "image/png", PNG.to_vec())),
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("takes no file"));
        assert_eq!(app.audit_seq().await, seq, "nothing stored");
        assert_eq!(products(&app).await.len(), 1);

        // A real PNG: created with its file in one go; the page links the download.
        let r = post_product(
            &c,
            &app,
            new,
            new,
            &image_fields,
            Some(("logo.png", "image/png", PNG.to_vec())),
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let logo_href = location(&r);
        let logo_id = logo_href.rsplit('/').next().unwrap().to_string();
        let v = app
            .get(&format!("/api/v1/catalog/products/{logo_id}"))
            .await;
        assert_eq!(
            v["file"],
            json!({ "name": "logo.png", "media_type": "image/png", "size": PNG.len() })
        );
        assert_eq!(v["version"], 1, "one transaction");
        let (_, html) = page(&c, &app, &logo_href).await;
        assert!(
            unescape(&html).contains(&format!("href=\"{logo_href}/file\"")),
            "{html}"
        );
        let res = c
            .get(app.url(&format!("{logo_href}/file")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-type"], "image/png");
        assert_eq!(
            res.headers()["content-disposition"],
            "attachment; filename=\"logo.png\""
        );
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
        assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);
    }
);

both_backends!(
    an_upload_over_the_limit_is_refused_in_the_console,
    |app: TestApp| async move {
        let small = app
            .second_server_with(ServiceConfig {
                catalog_max_upload_bytes: 1000,
                ..ServiceConfig::default()
            })
            .await;
        let c = console_as(&small, "admin").await;
        let seq = app.audit_seq().await;
        let mut big = PNG.to_vec();
        big.resize(1001, 0);
        let fields = [
            ("type", "image"),
            ("title", "Big picture"),
            ("language", "en"),
            ("status", "draft"),
        ];
        let new = "/catalog/products/new";
        let r = post_product(
            &c,
            &small,
            new,
            new,
            &fields,
            Some(("big.png", "image/png", big.clone())),
        )
        .await;
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let body = r.text().await.unwrap();
        assert!(
            body.contains("id=\"f-file-error\"")
                && body.contains("larger than the limit of 1000 bytes"),
            "{body}"
        );
        assert!(body.contains("value=\"Big picture\""), "typed values kept");
        assert_eq!(app.audit_seq().await, seq, "nothing stored");
        assert_eq!(products(&app).await.len(), 0);

        // Replacing a file on the edit page: the same limit, the product unchanged.
        let p = product(&app, "image", "Small picture", "draft").await;
        let href = format!("/catalog/products/{}", p["id"].as_str().unwrap());
        let seq = app.audit_seq().await;
        let edit = format!("{href}/edit");
        let r = post_product(
            &c,
            &small,
            &edit,
            &edit,
            &[
                ("type", "image"),
                ("title", "Renamed"),
                ("language", "en"),
                ("status", "draft"),
                ("version", "1"),
            ],
            Some(("big.png", "image/png", big.clone())),
        )
        .await;
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(app.audit_seq().await, seq, "nothing stored");
        assert_eq!(
            app.get(&format!("/api/v1{href}")).await["title"],
            "Small picture"
        );
        // At the limit it goes through.
        big.truncate(1000);
        let r = post_product(
            &c,
            &small,
            &edit,
            &edit,
            &[
                ("type", "image"),
                ("title", "Renamed"),
                ("language", "en"),
                ("status", "draft"),
                ("version", "1"),
            ],
            Some(("big.png", "image/png", big)),
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let v = app.get(&format!("/api/v1{href}")).await;
        assert_eq!(v["title"], "Renamed");
        assert_eq!(v["file"]["size"], 1000);
    }
);

both_backends!(
    products_are_edited_filtered_and_deleted_in_the_console,
    |app: TestApp| async move {
        let quiz = product(&app, "quiz", "Fire safety quiz", "published").await;
        product(&app, "video", "Welcome video", "draft").await;
        let (s, german) = app
            .api(
                Method::POST,
                "/api/v1/catalog/products",
                Some(json!({ "type": "quiz", "title": "Brandschutz", "language": "de" })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{german}");
        let c = console_as(&app, "admin").await;

        // Filters, each on its own and together.
        let rows = |html: &str| html.matches("<tr data-product=").count();
        let (_, html) = page(&c, &app, "/catalog/products").await;
        assert_eq!(rows(&html), 3, "{html}");
        let (_, html) = page(&c, &app, "/catalog/products?type=quiz").await;
        assert_eq!(rows(&html), 2);
        assert!(!html.contains("Welcome video"));
        let (_, html) = page(&c, &app, "/catalog/products?type=quiz&language=de").await;
        assert_eq!(rows(&html), 1);
        assert!(html.contains("Brandschutz"));
        let (_, html) = page(&c, &app, "/catalog/products?status=published").await;
        assert_eq!(rows(&html), 1);
        assert!(html.contains("Fire safety quiz"));
        let (_, html) = page(&c, &app, "/catalog/products?q=welc").await;
        assert_eq!(rows(&html), 1);
        assert!(html.contains("Welcome video"));
        let (_, html) = page(&c, &app, "/catalog/products?q=nothing").await;
        assert!(html.contains("No product matches these filters"), "{html}");
        let (s, html) = page(&c, &app, "/catalog/products?language=klingon!").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("id=\"f-language-error\""), "{html}");

        // Pages keep the filters.
        for i in 0..51 {
            product(&app, "link", &format!("Reading {i:02}"), "draft").await;
        }
        let (_, html) = page(&c, &app, "/catalog/products?type=link").await;
        assert_eq!(rows(&html), 50);
        let at = html.find("id=\"next-page\"").expect("a next page");
        let start = html[..at].rfind("href=\"").unwrap() + 6;
        let next = unescape(html[start..].split('"').next().unwrap());
        assert!(
            next.starts_with("/catalog/products?type=link&cursor="),
            "{next}"
        );
        let (_, html) = page(&c, &app, &next).await;
        assert_eq!(rows(&html), 1, "the 51st link: {html}");
        assert!(html.contains("Reading 50") && html.contains("id=\"first-page\""));

        // Edit with the version read; a stale version is refused and nothing changes.
        let href = format!("/catalog/products/{}", quiz["id"].as_str().unwrap());
        let edit = format!("{href}/edit");
        let (s, html) = page(&c, &app, &edit).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("name=\"version\" value=\"1\""), "{html}");
        let fields = |title: &'static str, version: &'static str| {
            vec![
                ("type", "quiz"),
                ("title", title),
                ("language", "en"),
                ("status", "draft"),
                ("content", "{\"questions\": []}"),
                ("version", version),
            ]
        };
        let r = post_product(
            &c,
            &app,
            &edit,
            &edit,
            &fields("Fire drill quiz", "1"),
            None,
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let v = app.get(&format!("/api/v1{href}")).await;
        assert_eq!(v["title"], "Fire drill quiz");
        assert_eq!(v["status"], "draft");
        assert_eq!(v["content"], json!({ "questions": [] }));
        let seq = app.audit_seq().await;
        let r = post_product(&c, &app, &edit, &edit, &fields("Stale title", "1"), None).await;
        assert_eq!(r.status(), StatusCode::PRECONDITION_FAILED);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("Someone else changed this product")
        );
        let r = post_product(&c, &app, &edit, &edit, &fields(" ", "2"), None).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("id=\"f-title-error\""));
        assert_eq!(app.audit_seq().await, seq, "nothing stored");
        assert_eq!(
            app.get(&format!("/api/v1{href}")).await["title"],
            "Fire drill quiz"
        );

        // Delete: a confirmation page first; refused while a course outline names it.
        let (s, course) = app
            .api(
                Method::POST,
                "/api/v1/catalog/courses",
                Some(json!({ "title": "Safety basics", "language": "en",
                    "outline": [quiz["id"]] })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{course}");
        let del = format!("{href}/delete");
        let (s, html) = page(&c, &app, &del).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("id=\"confirm-delete\""), "{html}");
        let r = submit(&c, &app, &del, &del, &[("confirm", "yes")]).await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        assert!(r.text().await.unwrap().contains("Safety basics"));
        let (s, _) = app
            .api(
                Method::PATCH,
                &format!("/api/v1/catalog/courses/{}", course["id"].as_str().unwrap()),
                Some(json!({ "outline": [] })),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let r = submit(&c, &app, &del, &del, &[("confirm", "")]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "unconfirmed");
        let r = submit(&c, &app, &del, &del, &[("confirm", "yes")]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (s, _) = app.api(Method::GET, &format!("/api/v1{href}"), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
);
