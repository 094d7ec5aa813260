//! A person's language (C2/C5): given when they are added or imported, changed later through
//! the API, shown on their page, and every email to them is rendered in it: the welcome
//! email, a password reset, a calendar invitation, a license warning and a second factor's
//! confirmation (all checked on the outbox rows, no SMTP server). A malformed code is refused
//! on its field and changes nothing.

use crate::applications::{application, assign_app, id};
use crate::both_backends;
use crate::console_access::{console_as, page, submit};
use crate::credentials::enrol;
use crate::enrollments::enroll;
use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The outbox rows of one template for one address, oldest first: (language, subject).
async fn emails(app: &TestApp, template: &str, to: &str) -> Vec<(String, String)> {
    let list = app.get("/api/v1/outbox?limit=200").await;
    let mut v: Vec<(String, String)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["template"] == template && m["to"] == to)
        .map(|m| {
            (
                m["language"].as_str().unwrap().to_string(),
                m["subject"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.reverse();
    v
}

async fn add(app: &TestApp, org: &Value, body: Value) -> (StatusCode, Value) {
    app.api(
        Method::POST,
        &format!("/api/v1/organizations/{}/members", id(org)),
        Some(body),
    )
    .await
}

async fn import(app: &TestApp, org: &str, csv: &'static str) -> reqwest::Response {
    app.import_request(&app.admin_key, org, csv)
        .send()
        .await
        .unwrap()
}

/// Carla, added through the console's Add member form with `language`.
async fn add_in_console(
    c: &reqwest::Client,
    app: &TestApp,
    slug: &str,
    language: &str,
) -> reqwest::Response {
    let tab = format!("/organizations/{slug}/users");
    submit(
        c,
        app,
        &tab,
        &tab,
        &[
            ("email", "carla@example.com"),
            ("first_name", "Carla"),
            ("last_name", "Ruiz"),
            ("username", ""),
            ("language", language),
            ("credentials", "welcome_email"),
        ],
    )
    .await
}

async fn set_language(app: &TestApp, user: &Value, language: &str) -> (StatusCode, Value) {
    app.api(
        Method::PATCH,
        &format!("/api/v1/users/{}", id(user)),
        Some(json!({ "language": language })),
    )
    .await
}

both_backends!(
    a_persons_language_follows_them_into_every_email,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let acme = app.org("Acme", None).await;

        // A malformed language is refused on its field; nobody is created.
        let seq = app.audit_seq().await;
        let (s, v) = add(
            &app,
            &acme,
            json!({ "email": "x@example.com", "first_name": "X", "last_name": "Y",
                    "language": "deutsch!" }),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["field"], "language", "{v}");
        assert_eq!(app.audit_seq().await, seq, "nothing was written");

        // Greta is added in German: her welcome email is German.
        let (s, v) = add(
            &app,
            &acme,
            json!({ "email": "greta@example.com", "first_name": "Greta", "last_name": "Berg",
                    "language": " DE " }),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let greta = v["user"].clone();
        assert_eq!(greta["language"], "de", "{greta}");
        let welcome = emails(&app, "welcome", "greta@example.com").await;
        assert_eq!(welcome.len(), 1, "{welcome:?}");
        assert_eq!(welcome[0].0, "de");
        assert!(welcome[0].1.starts_with("Willkommen"), "{welcome:?}");
        // Without a language, the platform's default.
        let (s, v) = add(
            &app,
            &acme,
            json!({ "email": "ed@example.com", "first_name": "Ed", "last_name": "Stone" }),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert!(v["user"]["language"].is_null(), "{v}");
        assert_eq!(emails(&app, "welcome", "ed@example.com").await[0].0, "en");

        // A password reset an English-speaking administrator sends is in Greta's language.
        let (s, v) = app
            .api(
                Method::POST,
                &format!("/api/v1/users/{}/password-reset", id(&greta)),
                Some(json!({ "mode": "email" })),
            )
            .await;
        assert!(s.is_success(), "{s}: {v}");
        let resets = emails(&app, "password_reset", "greta@example.com").await;
        assert_eq!(resets.len(), 1, "{resets:?}");
        assert_eq!(resets[0].0, "de", "{resets:?}");

        // A calendar invitation, queued by the store, too.
        let in_ten_days = app.services.now().plus_secs(10 * 86_400);
        let (s, workshop) = app
            .api(
                Method::POST,
                &format!("/api/v1/organizations/{}/projects", id(&acme)),
                Some(json!({ "name": "Workshop", "starts_at": in_ten_days.to_rfc3339() })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{workshop}");
        let learner = app.role_id("lms.learner").await;
        let (s, v) = enroll(&app, &app.admin_key, &workshop, &greta, &learner).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let invites = emails(&app, "calendar_invitation", "greta@example.com").await;
        assert_eq!(invites.len(), 1, "{invites:?}");
        assert_eq!(invites[0].0, "de");
        assert!(
            invites[0].1.starts_with("Einladung: Workshop"),
            "{invites:?}"
        );

        // Her language can change, and go back to the default; a bad one changes nothing.
        let (s, v) = set_language(&app, &greta, "x1").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["field"], "language", "{v}");
        let (s, v) = set_language(&app, &greta, "fr").await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["language"], "fr");
        let (s, v) = set_language(&app, &greta, "").await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert!(v["language"].is_null(), "{v}");
        let (s, v) = set_language(&app, &greta, "de").await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let audit = app.get("/api/v1/audit-events?action=user.update").await;
        assert_eq!(
            audit["items"][0]["changes"]["language"],
            json!({ "before": null, "after": "de" }),
            "{audit}"
        );

        // A license warning to an administrator who reads German.
        let crm = application(&app, json!({ "name": "CRM" })).await;
        assign_app(&app, &acme, &crm).await;
        let (olga, _) = app
            .staff(
                "olga",
                "lms.organization_administrator",
                Some(&acme),
                Some(&acme),
            )
            .await;
        let (s, v) = set_language(&app, &olga, "de").await;
        assert_eq!(s, StatusCode::OK, "{v}");
        // Her own second factor: the confirmation email is German too.
        let (oc, csrf) = app.login("olga", ADMIN_PASSWORD).await;
        enrol(&oc, &app, &csrf).await;
        let mfa = emails(&app, "mfa_enabled", "olga@example.com").await;
        assert_eq!(mfa.len(), 1, "{mfa:?}");
        assert_eq!(mfa[0].0, "de", "{mfa:?}");
        let (s, v) = app
            .api(
                Method::PATCH,
                &format!("/api/v1/organizations/{}/licenses", id(&acme)),
                Some(json!({ "application": 1 })),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = add(
            &app,
            &acme,
            json!({ "email": "m1@example.com", "first_name": "M", "last_name": "One",
                    "applications": [id(&crm)] }),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let w = emails(&app, "license_warning", "olga@example.com").await;
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(w[0].0, "de", "{w:?}");

        // Greta's page shows it.
        let c = console_as(&app, "admin").await;
        let (_, html) = page(&c, &app, &format!("/users/{}", id(&greta))).await;
        assert!(
            html.contains("id=\"user-language\"><span class=\"mono\">de</span>"),
            "{html}"
        );
    }
);

both_backends!(
    the_import_and_the_console_take_a_language,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let acme = app.org("Acme", None).await;
        let slug = acme["slug"].as_str().unwrap().to_string();
        // A malformed language fails its row, with the line; nothing is imported.
        let r = import(
            &app,
            &slug,
            "email,first_name,last_name,language\n\
             a@example.com,A,One,de\n\
             b@example.com,B,Two,klingon!\n",
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let v: Value = r.json().await.unwrap();
        let rows = v["rows"].as_array().expect("row errors");
        assert_eq!(rows.len(), 1, "{v}");
        assert_eq!(
            (rows[0]["line"].as_i64(), rows[0]["field"].as_str()),
            (Some(3), Some("language"))
        );
        assert_eq!(
            app.get("/api/v1/users?q=one").await["items"]
                .as_array()
                .unwrap()
                .len(),
            0
        );
        let r = import(
            &app,
            &slug,
            "email,first_name,last_name,language\n\
             a@example.com,A,One,de-CH\n\
             b@example.com,B,Two,\n",
        )
        .await;
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
        let a = &app.get("/api/v1/users?q=one").await["items"][0];
        assert_eq!(a["language"], "de", "{a}");
        assert_eq!(emails(&app, "welcome", "a@example.com").await[0].0, "de");
        let b = &app.get("/api/v1/users?q=two").await["items"][0];
        assert!(b["language"].is_null(), "{b}");

        // The console's Add member form: a bad code is shown next to the field.
        let c = console_as(&app, "admin").await;
        let r = add_in_console(&c, &app, &slug, "español").await;
        let s = r.status();
        let html = r.text().await.unwrap();
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        assert!(html.contains("id=\"f-language-error\""), "{html}");
        let r = add_in_console(&c, &app, &slug, "es").await;
        assert!(r.status().is_redirection(), "{}", r.status());
        let carla = &app.get("/api/v1/users?q=carla").await["items"][0];
        assert_eq!(carla["language"], "es", "{carla}");
        // No Spanish template: her welcome falls back to the default language.
        assert_eq!(
            emails(&app, "welcome", "carla@example.com").await[0].0,
            "en"
        );

        // U3: someone who already exists keeps their language when another organization adds
        // them, by hand or by import, with a different one.
        let beta = app.org("Beta", None).await;
        let (s, v) = add(
            &app,
            &beta,
            json!({ "email": "a@example.com", "language": "fr" }),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let gamma = app.org("Gamma", None).await;
        let r = import(
            &app,
            gamma["slug"].as_str().unwrap(),
            "email,language\na@example.com,fr\n",
        )
        .await;
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
        let a = &app.get("/api/v1/users?q=one").await["items"][0];
        assert_eq!(a["language"], "de", "{a}");
    }
);
