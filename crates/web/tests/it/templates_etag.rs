//! C5, S4: saving or resetting a platform template override honours `If-Match` (the ETag of
//! a GET): a stale tag — someone saved or reset meanwhile, even back to what was read — is
//! 412 `stale-version` and changes nothing; the console's forms carry the version read.
//! Another tenant's administrator can neither read nor change them.

use crate::both_backends;
use crate::console_access::{console_as, page, submit};
use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const WELCOME_EN: &str = "/api/v1/settings/email-templates/welcome/en";
const BANNER_DE: &str = "/api/v1/settings/notification-templates/user.welcome_banner/de";

/// A request with an optional `If-Match`: (status, ETag, body).
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    if_match: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Option<String>, Value) {
    let mut rb = app
        .http
        .request(method, app.url(path))
        .bearer_auth(&app.admin_key);
    if let Some(t) = if_match {
        rb = rb.header("if-match", t);
    }
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    let r = rb.send().await.unwrap();
    let status = r.status();
    let etag = r
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_string());
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let mut v: Value = r.json().await.unwrap_or(Value::Null);
    if status == StatusCode::PRECONDITION_FAILED {
        assert_eq!(ct, "application/problem+json");
        v["content_type"] = ct.into();
    }
    (status, etag, v)
}

fn email(subject: &str) -> Value {
    json!({
        "subject": subject,
        "html_body": "<p>Hi {{ name }}, {{ link }}</p>",
        "text_body": "Hi {{ name }}, {{ link }}",
    })
}

both_backends!(
    a_stale_if_match_changes_no_platform_template,
    |app: TestApp| async move {
        // Never edited: version 0.
        let (s, etag, t) = send(&app, Method::GET, WELCOME_EN, None, None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(etag.as_deref(), Some("\"v0\""));
        assert_eq!(t["version"], 0);
        assert_eq!(t["overridden"], false);

        // Saved against what was read: v1.
        let (s, etag, t) = send(
            &app,
            Method::PUT,
            WELCOME_EN,
            Some("\"v0\""),
            Some(email("First {{ platform }}")),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{t}");
        assert_eq!(etag.as_deref(), Some("\"v1\""));
        assert_eq!(t["subject"], "First {{ platform }}");

        // A second editor who read v0 is refused, and nothing changes.
        let seq = app.audit_seq().await;
        for stale in ["\"v0\"", "\"v7\"", "garbage"] {
            let (s, _, p) = send(
                &app,
                Method::PUT,
                WELCOME_EN,
                Some(stale),
                Some(email("Second {{ platform }}")),
            )
            .await;
            assert_eq!(s, StatusCode::PRECONDITION_FAILED, "{stale}: {p}");
            assert_eq!(p["type"], "urn:portico:problem:stale-version");
            let (s, _, p) = send(&app, Method::DELETE, WELCOME_EN, Some(stale), None).await;
            assert_eq!(s, StatusCode::PRECONDITION_FAILED, "{stale}: {p}");
        }
        assert_eq!(app.audit_seq().await, seq, "nothing written");
        let (_, etag, t) = send(&app, Method::GET, WELCOME_EN, None, None).await;
        assert_eq!(etag.as_deref(), Some("\"v1\""));
        assert_eq!(t["subject"], "First {{ platform }}");
        assert_eq!(t["overridden"], true);

        // Reset against v1: v2, the built-in again.
        let (s, etag, t) = send(&app, Method::DELETE, WELCOME_EN, Some("\"v1\""), None).await;
        assert_eq!(s, StatusCode::OK, "{t}");
        assert_eq!(etag.as_deref(), Some("\"v2\""));
        assert_eq!(t["overridden"], false);
        // A tag from before the reset never matches again, though the override is gone.
        let (s, _, _) = send(
            &app,
            Method::PUT,
            WELCOME_EN,
            Some("\"v1\""),
            Some(email("Late {{ platform }}")),
        )
        .await;
        assert_eq!(s, StatusCode::PRECONDITION_FAILED);
        let (_, _, t) = send(&app, Method::GET, WELCOME_EN, None, None).await;
        assert_eq!(t["overridden"], false);
        // Without If-Match a save still goes through (as every update here).
        let (s, etag, _) = send(
            &app,
            Method::PUT,
            WELCOME_EN,
            None,
            Some(email("Third {{ platform }}")),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(etag.as_deref(), Some("\"v3\""));

        // Notifications the same way, counted per key and language.
        let (_, etag, _) = send(&app, Method::GET, BANNER_DE, None, None).await;
        assert_eq!(etag.as_deref(), Some("\"v0\""));
        let text = json!({ "text_body": "Hallo {{ name }}!" });
        let (s, etag, _) = send(
            &app,
            Method::PUT,
            BANNER_DE,
            Some("\"v0\""),
            Some(text.clone()),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(etag.as_deref(), Some("\"v1\""));
        let (s, _, _) = send(&app, Method::PUT, BANNER_DE, Some("\"v0\""), Some(text)).await;
        assert_eq!(s, StatusCode::PRECONDITION_FAILED);
        let (s, _, _) = send(&app, Method::DELETE, BANNER_DE, Some("\"v0\""), None).await;
        assert_eq!(s, StatusCode::PRECONDITION_FAILED);
        let (_, _, t) = send(&app, Method::GET, BANNER_DE, None, None).await;
        assert_eq!(t["text_body"], "Hallo {{ name }}!");
        // The list shows each row's version.
        let list = app
            .get("/api/v1/settings/email-templates?language=en")
            .await;
        let welcome = list
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == "welcome")
            .unwrap();
        assert_eq!(welcome["version"], 3);

        // Another tenant's administrator can neither read nor change them.
        app.import_preset("lms").await;
        let beta = app.org("Beta", None).await;
        let (_, key) = app
            .staff(
                "bert",
                "lms.organization_administrator",
                Some(&beta),
                Some(&beta),
            )
            .await;
        let seq = app.audit_seq().await;
        let (s, _) = app.api_as(&key, Method::GET, WELCOME_EN, None).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = app
            .api_as(
                &key,
                Method::PUT,
                WELCOME_EN,
                Some(email("Bert {{ platform }}")),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = app.api_as(&key, Method::DELETE, WELCOME_EN, None).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert_eq!(app.audit_seq().await, seq);
        let (_, etag, t) = send(&app, Method::GET, WELCOME_EN, None, None).await;
        assert_eq!(etag.as_deref(), Some("\"v3\""));
        assert_eq!(t["subject"], "Third {{ platform }}");
    }
);

both_backends!(
    the_console_forms_carry_the_version_read,
    |app: TestApp| async move {
        let c = console_as(&app, "admin").await;
        let at = "/settings/notification-templates/user.welcome_banner/en";
        let (s, html) = page(&c, &app, at).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            html.contains("name=\"version\" value=\"0\""),
            "the form carries the version read: {html}"
        );
        // Someone saves through the API after the page was read…
        let (s, _, _) = send(
            &app,
            Method::PUT,
            "/api/v1/settings/notification-templates/user.welcome_banner/en",
            None,
            Some(json!({ "text_body": "Hello from the API, {{ name }}" })),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        // …so the form read at version 0 is refused next to the form, nothing saved.
        let r = submit(
            &c,
            &app,
            at,
            at,
            &[
                ("text_body", "Hello from the console, {{ name }}"),
                ("version", "0"),
                ("action", "save"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = r.text().await.unwrap();
        assert!(body.contains("id=\"template-alert\""), "{body}");
        assert!(body.contains("Someone else saved or reset this template"));
        let t = app
            .get("/api/v1/settings/notification-templates/user.welcome_banner/en")
            .await;
        assert_eq!(t["text_body"], "Hello from the API, {{ name }}");
        // With the current version it saves.
        let r = submit(
            &c,
            &app,
            at,
            at,
            &[
                ("text_body", "Hello from the console, {{ name }}"),
                ("version", "1"),
                ("action", "save"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        // The reset page carries the version too; a stale one resets nothing.
        let reset = format!("{at}/reset");
        let (_, html) = page(&c, &app, &reset).await;
        assert!(html.contains("name=\"version\" value=\"2\""), "{html}");
        let r = submit(
            &c,
            &app,
            &reset,
            &reset,
            &[("confirm", "yes"), ("version", "1")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let t = app
            .get("/api/v1/settings/notification-templates/user.welcome_banner/en")
            .await;
        assert_eq!(t["overridden"], true);
        assert_eq!(t["text_body"], "Hello from the console, {{ name }}");
        let r = submit(
            &c,
            &app,
            &reset,
            &reset,
            &[("confirm", "yes"), ("version", "2")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let t = app
            .get("/api/v1/settings/notification-templates/user.welcome_banner/en")
            .await;
        assert_eq!(t["overridden"], false);
    }
);
