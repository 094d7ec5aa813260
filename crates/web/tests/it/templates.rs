//! Templates and texts (C2, C4, C5, S3, S4) through the REST API: saving is refused for a
//! template that does not compile, uses an undeclared variable or tries to leave the sandbox
//! (nothing is stored); an operator's override changes the email that is actually sent, per
//! language with the fallback; reset to default; catalog email templates and each
//! organization's switch, across tenants; the support text, sanitised.

use crate::both_backends;
use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

const EMAILS: &str = "/api/v1/settings/email-templates";
const CATALOG: &str = "/api/v1/catalog/email-templates";

fn parts(subject: &str, html: &str, text: &str) -> Value {
    json!({ "subject": subject, "html_body": html, "text_body": text })
}

/// The newest outbox message to `to`, with its bodies.
async fn newest_email_to(app: &TestApp, to: &str) -> Value {
    let list = app.get("/api/v1/outbox?limit=50").await;
    let item = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["to"] == to)
        .unwrap_or_else(|| panic!("no email to {to}: {list}"))
        .clone();
    app.get(&format!("/api/v1/outbox/{}", id(&item))).await
}

/// Adds a member who gets a welcome email in `language`; returns that email.
async fn welcome(app: &TestApp, org: &Value, who: &str, language: &str) -> Value {
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/organizations/{}/members", id(org)),
            Some(json!({
                "email": format!("{who}@example.com"), "first_name": who, "last_name": "Person",
                "credentials": "welcome_email", "language": language,
            })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    newest_email_to(app, &format!("{who}@example.com")).await
}

fn catalog_body(key: &str, language: &str, html: &str) -> Value {
    json!({
        "key": key, "language": language,
        "subject": "Reminder: {{ course }}",
        "html_body": html,
        "text_body": "Hello {{ first_name }}, {{ course }} starts soon.",
        "variables": [
            { "name": "first_name", "description": "The learner's first name", "sample": "<script>alert(1)</script>" },
            { "name": "course", "description": "The course", "sample": "Safety 101" },
        ],
    })
}

both_backends!(
    a_refused_template_stores_nothing_and_says_where,
    |app: TestApp| async move {
        let before = app.audit_seq().await;
        let at = format!("{EMAILS}/welcome/en");
        // A syntax error: 422 with a stable type, the field and the line.
        let (s, v) = app
            .api(
                Method::PUT,
                &at,
                Some(parts("Hi", "<p>ok</p>\n<p>{{ name </p>", "t {{ name }}")),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["type"], "urn:portico:problem:template-syntax", "{v}");
        assert_eq!(v["field"], "html_body");
        assert_eq!(v["line"], 2, "{v}");
        // An undeclared variable.
        let (s, v) = app
            .api(
                Method::PUT,
                &at,
                Some(parts("Hi {{ password_hash }}", "<p>x</p>", "t")),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(
            v["type"],
            "urn:portico:problem:template-undeclared-variable"
        );
        assert_eq!(v["field"], "subject");
        assert!(
            v["detail"].as_str().unwrap().contains("password_hash"),
            "{v}"
        );
        // Unknown key, bad language.
        let (s, _) = app
            .api(
                Method::PUT,
                &format!("{EMAILS}/nope/en"),
                Some(parts("a", "b", "c")),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, v) = app
            .api(
                Method::PUT,
                &format!("{EMAILS}/welcome/e1"),
                Some(parts("a", "b", "c")),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["field"], "language");
        // Nothing was stored.
        let t = app.get(&at).await;
        assert_eq!(t["overridden"], false);
        assert!(
            t["subject"].as_str().unwrap().starts_with("Welcome to"),
            "{t}"
        );
        assert_eq!(app.audit_seq().await, before, "no audit entry");
    }
);

both_backends!(
    sandbox_escape_attempts_are_refused,
    |app: TestApp| async move {
        let before = app.audit_seq().await;
        let attempts = [
            ("{% include \"/etc/passwd\" %}", "template-forbidden-tag"),
            (
                "{% import \"layout.html\" as l %}{{ l }}",
                "template-forbidden-tag",
            ),
            ("{% from \"x\" import y %}", "template-forbidden-tag"),
            ("{% extends \"layout.html\" %}", "template-forbidden-tag"),
            (
                "{% autoescape false %}{{ first_name }}{% endautoescape %}",
                "template-forbidden-tag",
            ),
            (
                "{% for i in range(100000000) %}{{ i }}{% endfor %}",
                "template-render",
            ),
            (
                "{% for i in range(99999) %}{% for j in range(99999) %}.{% endfor %}{% endfor %}",
                "template-render",
            ),
            (
                "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
                "template-render",
            ),
            ("{{ user.password_hash }}", "template-undeclared-variable"),
            ("{{ config }}", "template-undeclared-variable"),
            ("{{ env }}", "template-undeclared-variable"),
            ("{{ debug() }}", "template-undeclared-variable"),
            ("{{ self }}", "template-render"),
            ("{{ first_name.__class__.__init__ }}", "template-render"),
            ("{{ first_name|safe }}", "template-render"),
            ("{{ first_name.upper() }}", "template-render"),
            ("{{ course ", "template-syntax"),
        ];
        for (html, kind) in attempts {
            let (s, v) = app
                .api(
                    Method::POST,
                    CATALOG,
                    Some(catalog_body("attempt", "en", html)),
                )
                .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}: {v}");
            assert_eq!(
                v["type"],
                format!("urn:portico:problem:{kind}"),
                "{html}: {v}"
            );
            assert_eq!(v["field"], "html_body", "{html}");
            // The same through the platform templates.
            let (s, v) = app
                .api(
                    Method::PUT,
                    &format!("{EMAILS}/password_reset/en"),
                    Some(parts(
                        "s",
                        &html.replace("first_name", "name").replace("course", "link"),
                        "t",
                    )),
                )
                .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}: {v}");
        }
        assert_eq!(app.get(CATALOG).await, json!([]), "nothing stored");
        assert_eq!(app.audit_seq().await, before);
        // HTML in a value stays escaped in the HTML part (and is left alone in the text).
        let (s, v) = app
            .api(
                Method::POST,
                &format!("{CATALOG}/preview"),
                Some(catalog_body("x", "en", "<p>Hi {{ first_name }}</p>")),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(
            v["html_body"],
            "<p>Hi &lt;script&gt;alert(1)&lt;&#x2f;script&gt;</p>"
        );
        assert_eq!(v["subject"], "Reminder: Safety 101");
        assert!(v["text_body"].as_str().unwrap().contains("<script>"));
    }
);

both_backends!(
    an_override_changes_the_email_sent_per_language,
    |app: TestApp| async move {
        let org = app.org("Acme", None).await;
        // Built-ins first.
        let e = welcome(&app, &org, "anna", "en").await;
        assert!(
            e["subject"].as_str().unwrap().starts_with("Welcome to"),
            "{e}"
        );
        // The operator's English version.
        let (s, v) = app
            .api(
                Method::PUT,
                &format!("{EMAILS}/welcome/en"),
                Some(parts(
                    "Hello from {{ platform }}, {{ name }}",
                    "<p>OVERRIDE-EN {{ name }} → <a href=\"{{ link }}\">set it</a> ({{ username }})</p>",
                    "OVERRIDE-EN {{ name }}: {{ link }} within {{ expires_hours }} h",
                )),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["overridden"], true);
        let e = welcome(&app, &org, "bert", "en").await;
        assert_eq!(e["subject"], "Hello from Portico, bert Person");
        assert!(
            e["text_body"]
                .as_str()
                .unwrap()
                .contains("OVERRIDE-EN bert Person: http"),
            "{e}"
        );
        assert!(
            e["text_body"].as_str().unwrap().contains("/set-password/"),
            "{e}"
        );
        let html = e["html_body"].as_str().unwrap();
        assert!(
            html.contains("OVERRIDE-EN bert Person") && html.starts_with("<!DOCTYPE html>"),
            "{html}"
        );
        // German has no override: the German built-in, not the English override.
        let e = welcome(&app, &org, "carl", "de").await;
        assert!(
            e["subject"].as_str().unwrap().starts_with("Willkommen"),
            "{e}"
        );
        // A language without templates falls back to the default language (en): the override.
        let e = welcome(&app, &org, "dora", "fr").await;
        assert!(
            e["text_body"].as_str().unwrap().contains("OVERRIDE-EN"),
            "{e}"
        );
        // A new language written by the operator is used for it.
        let (s, v) = app
            .api(
                Method::PUT,
                &format!("{EMAILS}/welcome/fr"),
                Some(parts(
                    "Bienvenue {{ name }}",
                    "<p>FR {{ link }}</p>",
                    "FR {{ link }}",
                )),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let e = welcome(&app, &org, "emil", "fr").await;
        assert_eq!(e["subject"], "Bienvenue emil Person");
        assert_eq!(e["language"], "fr");
        // The list, filtered and sorted by language.
        let fr = app.get(&format!("{EMAILS}?language=fr")).await;
        let rows = fr.as_array().unwrap();
        assert_eq!(rows.len(), 1, "{fr}");
        assert_eq!(rows[0]["key"], "welcome");
        let all = app.get(&format!("{EMAILS}?sort=-language")).await;
        let langs: Vec<&str> = all
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["language"].as_str().unwrap())
            .collect();
        assert_eq!(langs.first(), Some(&"fr"));
        assert_eq!(langs.last(), Some(&"de"));
        assert!(
            all.as_array()
                .unwrap()
                .iter()
                .any(|r| r["key"] == "license_warning")
        );
        // Preview with the declared samples, in the layout.
        let (s, v) = app
            .api(Method::POST, &format!("{EMAILS}/welcome/en/preview"), None)
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert!(
            v["html_body"]
                .as_str()
                .unwrap()
                .contains("OVERRIDE-EN Anna Berg"),
            "{v}"
        );
        // Reset to default: the built-in again; a second reset finds nothing.
        let seq = app.audit_seq().await;
        let (s, v) = app
            .api(Method::DELETE, &format!("{EMAILS}/welcome/en"), None)
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["overridden"], false);
        assert!(app.audit_seq().await > seq, "audited");
        let e = welcome(&app, &org, "fred", "en").await;
        assert!(
            e["subject"].as_str().unwrap().starts_with("Welcome to"),
            "{e}"
        );
        let (s, _) = app
            .api(Method::DELETE, &format!("{EMAILS}/welcome/en"), None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // The password-reset email too.
        let (s, v) = app
            .api(
                Method::PUT,
                &format!("{EMAILS}/password_reset/en"),
                Some(parts(
                    "Reset!",
                    "<p>RESET-OVERRIDE {{ link }}</p>",
                    "RESET-OVERRIDE {{ link }}",
                )),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = app
            .api(
                Method::POST,
                "/api/v1/auth/password-reset",
                Some(json!({ "login": "admin@example.com", "language": "en" })),
            )
            .await;
        assert!(s.is_success(), "{v}");
        let e = newest_email_to(&app, "admin@example.com").await;
        assert_eq!(e["subject"], "Reset!");
        assert!(
            e["text_body"]
                .as_str()
                .unwrap()
                .contains("RESET-OVERRIDE http"),
            "{e}"
        );
    }
);

both_backends!(
    notification_templates_are_edited_like_emails,
    |app: TestApp| async move {
        let base = "/api/v1/settings/notification-templates";
        let list = app.get(&format!("{base}?language=de")).await;
        let keys: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["key"].as_str().unwrap())
            .collect();
        assert!(
            keys.contains(&"license.seats_low") && keys.contains(&"user.welcome_banner"),
            "{list}"
        );
        let (s, v) = app
            .api(
                Method::PUT,
                &format!("{base}/user.welcome_banner/de"),
                Some(json!({ "text_body": "Hallo {{ nam }}" })),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["field"], "text_body");
        let (s, v) = app
            .api(
                Method::PUT,
                &format!("{base}/user.welcome_banner/de"),
                Some(json!({ "text_body": "Servus {{ name }}!" })),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = app
            .api(
                Method::POST,
                &format!("{base}/user.welcome_banner/de/preview"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["text_body"], "Servus Anna!");
        let vars = json!({ "name": "Zoe" });
        let key = portico_services::templates::platform::NotificationKey::UserWelcomeBanner;
        assert_eq!(
            app.services
                .render_notification(key, Some("de-AT"), &vars)
                .await
                .unwrap(),
            "Servus Zoe!"
        );
        assert_eq!(
            app.services
                .render_notification(key, Some("en"), &vars)
                .await
                .unwrap(),
            "Welcome to Portico, Zoe!"
        );
        let (s, _) = app
            .api(
                Method::DELETE,
                &format!("{base}/user.welcome_banner/de"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            app.services
                .render_notification(key, Some("de"), &vars)
                .await
                .unwrap(),
            "Willkommen bei Portico, Zoe!"
        );
    }
);

both_backends!(
    catalog_email_templates_filter_sort_preview_and_versions,
    |app: TestApp| async move {
        let (s, en) = app
            .api(
                Method::POST,
                CATALOG,
                Some(catalog_body("course.reminder", "en", "<p>{{ course }}</p>")),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{en}");
        let (s, de) = app
            .api(
                Method::POST,
                CATALOG,
                Some(catalog_body(
                    "course.reminder",
                    "de",
                    "<p>{{ course }}!</p>",
                )),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{de}");
        let (s, v) = app
            .api(
                Method::POST,
                CATALOG,
                Some(catalog_body("course.reminder", "de", "<p>x</p>")),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert_eq!(v["type"], "urn:portico:problem:email-template-exists");
        let (s, v) = app
            .api(
                Method::POST,
                CATALOG,
                Some(catalog_body("a.b", "en", "<p>{{ loop }}</p>")),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let de_only = app.get(&format!("{CATALOG}?language=de")).await;
        assert_eq!(de_only.as_array().unwrap().len(), 1);
        assert_eq!(de_only[0]["id"], de["id"]);
        let desc = app.get(&format!("{CATALOG}?sort=-language")).await;
        assert_eq!(desc[0]["language"], "en");
        let asc = app.get(&format!("{CATALOG}?sort=language")).await;
        assert_eq!(asc[0]["language"], "de");
        let (s, _) = app
            .api(Method::GET, &format!("{CATALOG}?sort=size"), None)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        // Preview the stored one with its samples.
        let (s, v) = app
            .api(
                Method::POST,
                &format!("{CATALOG}/{}/preview", id(&de)),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["html_body"], "<p>Safety 101!</p>");
        // An update with a stale version is refused; with the right one it applies.
        let url = format!("{CATALOG}/{}", id(&en));
        let stale = app
            .http
            .put(app.url(&url))
            .bearer_auth(&app.admin_key)
            .header("If-Match", "\"v9\"")
            .json(&catalog_body("course.reminder", "en", "<p>new</p>"))
            .send()
            .await
            .unwrap();
        assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
        let ok = app
            .http
            .put(app.url(&url))
            .bearer_auth(&app.admin_key)
            .header("If-Match", "\"v1\"")
            .json(&catalog_body(
                "course.reminder",
                "en",
                "<p>new {{ course }}</p>",
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
        assert_eq!(app.get(&url).await["version"], 2);
        // An update that does not compile changes nothing.
        let (s, _) = app
            .api(
                Method::PUT,
                &url,
                Some(catalog_body("course.reminder", "en", "{% if %}")),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(app.get(&url).await["html_body"], "<p>new {{ course }}</p>");
        let (s, _) = app.api(Method::DELETE, &url, None).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, _) = app.api(Method::GET, &url, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
);

both_backends!(
    an_organization_switches_email_templates_within_its_own_tenant,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let acme = app.org("Acme", None).await;
        let globex = app.org("Globex", None).await;
        let (_, acme_admin) = app
            .staff(
                "acmeadmin",
                "lms.organization_administrator",
                Some(&acme),
                Some(&acme),
            )
            .await;
        let (_, affiliate) = app
            .staff("affil", "lms.affiliate", Some(&acme), Some(&acme))
            .await;
        let (_, t) = app
            .api(
                Method::POST,
                CATALOG,
                Some(catalog_body("course.reminder", "en", "<p>{{ course }}</p>")),
            )
            .await;
        let list = format!(
            "/api/v1/organizations/{}/catalog/email-templates",
            id(&acme)
        );
        let one = format!("{list}/{}", id(&t));
        // Off by default; the organization's admin switches it on (audited), then off.
        let (s, v) = app.api_as(&acme_admin, Method::GET, &list, None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v[0]["enabled"], false);
        let seq = app.audit_seq().await;
        let (s, v) = app.api_as(&acme_admin, Method::PUT, &one, None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["changed"], true);
        let events = app.get("/api/v1/audit-events?limit=5").await;
        assert!(app.audit_seq().await > seq);
        assert!(
            events
                .to_string()
                .contains("organization.email_template.enable"),
            "{events}"
        );
        let (_, v) = app.api_as(&acme_admin, Method::GET, &list, None).await;
        assert_eq!(v[0]["enabled"], true);
        let (_, v) = app.api_as(&acme_admin, Method::PUT, &one, None).await;
        assert_eq!(v["changed"], false, "already on");
        // Globex does not have it on.
        let (_, v) = app
            .api(
                Method::GET,
                &format!(
                    "/api/v1/organizations/{}/catalog/email-templates",
                    id(&globex)
                ),
                None,
            )
            .await;
        assert_eq!(v[0]["enabled"], false);
        // Another tenant's admin: not found; a viewer without catalog.manage: forbidden.
        let other = format!(
            "/api/v1/organizations/{}/catalog/email-templates/{}",
            id(&globex),
            id(&t)
        );
        let seq = app.audit_seq().await;
        let (s, _) = app.api_as(&acme_admin, Method::PUT, &other, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = app
            .api_as(
                &acme_admin,
                Method::GET,
                &format!(
                    "/api/v1/organizations/{}/catalog/email-templates",
                    id(&globex)
                ),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = app.api_as(&affiliate, Method::DELETE, &one, None).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = app.api_as(&affiliate, Method::GET, &list, None).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        // An unknown template: not found.
        let (s, _) = app
            .api_as(
                &acme_admin,
                Method::PUT,
                &format!("{list}/etp_01jd3v6k2m8w1f3q9c4x7b5n2e"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_eq!(app.audit_seq().await, seq, "refusals change nothing");
        // The org admin may not edit the catalog or the platform's templates.
        let (s, _) = app
            .api_as(
                &acme_admin,
                Method::POST,
                CATALOG,
                Some(catalog_body("x", "en", "<p>x</p>")),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = app
            .api_as(
                &acme_admin,
                Method::PUT,
                &format!("{EMAILS}/welcome/en"),
                Some(parts("a", "b", "c")),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = app.api_as(&acme_admin, Method::DELETE, &one, None).await;
        assert_eq!(s, StatusCode::OK);
        let (_, v) = app.api_as(&acme_admin, Method::GET, &list, None).await;
        assert_eq!(v[0]["enabled"], false);
    }
);

both_backends!(the_support_text_is_sanitised, |app: TestApp| async move {
    let md = "## Need help?\n\nCall **+49 30 1234** or <script>alert('x')</script> \
                  [click](javascript:alert(1)) <a href=\"https://help.example\" onclick=\"steal()\">help desk</a>";
    let (s, v) = app
        .api(
            Method::PUT,
            "/api/v1/settings/support-text",
            Some(json!({ "markdown": md })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let html = v["html"].as_str().unwrap();
    assert!(
        html.contains("<h2>Need help?</h2>") && html.contains("<strong>+49 30 1234</strong>"),
        "{html}"
    );
    assert!(
        !html.contains("<script") && !html.contains("javascript:") && !html.contains("onclick"),
        "{html}"
    );
    assert!(html.contains("href=\"https://help.example\""), "{html}");
    assert_eq!(
        app.get("/api/v1/settings/support-text").await["markdown"],
        md
    );
    app.import_preset("lms").await;
    let acme = app.org("Acme", None).await;
    let (_, admin) = app
        .staff(
            "acmeadmin",
            "lms.organization_administrator",
            Some(&acme),
            Some(&acme),
        )
        .await;
    let (s, _) = app
        .api_as(
            &admin,
            Method::PUT,
            "/api/v1/settings/support-text",
            Some(json!({ "markdown": "mine" })),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
});
