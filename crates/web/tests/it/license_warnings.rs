//! C5: license warnings. A write that makes an organization's seat usage reach 90 % or 100 %
//! of its limit queues the `license_warning` email to that organization's administrators in
//! the same transaction (checked on the outbox rows, no SMTP server), once per crossing:
//! staying at a level warns nobody, falling below it or a new limit re-arms it. Nobody else
//! is told: not a mentor of the organization, not another tenant's administrator.

use crate::applications::{application, assign_app, id};
use crate::both_backends;
use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The license warnings in the outbox, oldest first: (to, subject).
async fn warnings(app: &TestApp) -> Vec<(String, String)> {
    let list = app.get("/api/v1/outbox?limit=200").await;
    let mut v: Vec<(String, String)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["template"] == "license_warning")
        .map(|m| {
            assert_eq!(m["status"], "held", "no SMTP server: held");
            (
                m["to"].as_str().unwrap().to_string(),
                m["subject"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.reverse();
    v
}

async fn set_limits(app: &TestApp, org: &Value, body: Value) {
    let (s, v) = app
        .api(
            Method::PATCH,
            &format!("/api/v1/organizations/{}/licenses", id(org)),
            Some(body),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

async fn add_with(app: &TestApp, org: &Value, email: &str, apps: &[&Value]) -> (StatusCode, Value) {
    app.api(
        Method::POST,
        &format!("/api/v1/organizations/{}/members", id(org)),
        Some(json!({
            "email": email,
            "first_name": "M",
            "last_name": "Ember",
            "applications": apps.iter().map(|a| id(a)).collect::<Vec<_>>(),
        })),
    )
    .await
}

async fn set_apps(app: &TestApp, org: &Value, user: &Value, apps: &[&Value]) {
    let (s, v) = app
        .api(
            Method::PUT,
            &format!(
                "/api/v1/organizations/{}/members/{}/applications",
                id(org),
                id(user)
            ),
            Some(json!({ "applications": apps.iter().map(|a| id(a)).collect::<Vec<_>>() })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

/// Acme's administrator Olga (returned), Mira, a mentor there, and Beta's administrator Bert.
async fn staff(app: &TestApp, acme: &Value, beta: &Value) -> Value {
    let (olga, _) = app
        .staff(
            "olga",
            "lms.organization_administrator",
            Some(acme),
            Some(acme),
        )
        .await;
    app.staff("mira", "lms.mentor", Some(acme), Some(acme))
        .await;
    app.staff(
        "bert",
        "lms.organization_administrator",
        Some(beta),
        Some(beta),
    )
    .await;
    olga
}

both_backends!(
    a_warning_per_crossing_to_the_organizations_administrators_only,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let acme = app.org("Acme", None).await;
        let beta = app.org("Beta", None).await;
        let crm = application(&app, json!({ "name": "CRM" })).await;
        assign_app(&app, &acme, &crm).await;
        assign_app(&app, &beta, &crm).await;
        let olga = staff(&app, &acme, &beta).await;
        set_limits(&app, &acme, json!({ "application": 10 })).await;
        set_limits(&app, &beta, json!({ "application": 10 })).await;

        // 8 of 10: below 90 %.
        let mut members = Vec::new();
        for n in 1..=8 {
            let (s, v) = add_with(&app, &acme, &format!("m{n}@example.com"), &[&crm]).await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
            members.push(v["user"].clone());
        }
        assert_eq!(warnings(&app).await, vec![]);

        // The 9th seat reaches 90 %: Olga is told, in the same write.
        let (s, ninth) = add_with(&app, &acme, "m9@example.com", &[&crm]).await;
        assert_eq!(s, StatusCode::CREATED, "{ninth}");
        let w = warnings(&app).await;
        assert_eq!(
            w,
            vec![(
                "olga@example.com".to_string(),
                "Acme: 9 of 10 application seats in use".to_string()
            )]
        );
        // The message names the Licenses tab and the recipient.
        let list = app.get("/api/v1/outbox?limit=200").await;
        let item = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["template"] == "license_warning")
            .unwrap()
            .clone();
        assert_eq!(item["to_user_id"], olga["id"]);
        let detail = app.get(&format!("/api/v1/outbox/{}", id(&item))).await;
        let text = detail["text_body"].as_str().unwrap();
        assert!(
            text.contains(&format!("/organizations/{}/licenses", id(&acme)))
                && text.contains("Hello olga Staff"),
            "{text}"
        );

        // Changing a seated member's applications takes no seat: nothing new.
        set_apps(&app, &acme, &members[0], &[&crm]).await;
        assert_eq!(warnings(&app).await.len(), 1);

        // The 10th seat reaches 100 %: a second warning.
        let (s, tenth) = add_with(&app, &acme, "m10@example.com", &[]).await;
        assert_eq!(s, StatusCode::CREATED, "{tenth}");
        assert_eq!(warnings(&app).await.len(), 1, "no seat taken yet");
        set_apps(&app, &acme, &tenth["user"], &[&crm]).await;
        let w = warnings(&app).await;
        assert_eq!(w.len(), 2, "{w:?}");
        assert_eq!(w[1].1, "Acme: 10 of 10 application seats in use");
        // A refused seat (the limit is reached) queues nothing.
        let (s, v) = add_with(&app, &acme, "m11@example.com", &[&crm]).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert_eq!(warnings(&app).await.len(), 2);

        // Falling below re-arms: a seat freed and taken again warns again (once).
        set_apps(&app, &acme, &members[1], &[]).await;
        assert_eq!(warnings(&app).await.len(), 2);
        set_apps(&app, &acme, &members[1], &[&crm]).await;
        let w = warnings(&app).await;
        assert_eq!(w.len(), 3, "{w:?}");
        assert_eq!(w[2].1, "Acme: 10 of 10 application seats in use");

        // A higher limit drops the level (no warning); lowering it again reaches 100 %.
        set_limits(&app, &acme, json!({ "application": 20 })).await;
        assert_eq!(warnings(&app).await.len(), 3);
        set_limits(&app, &acme, json!({ "application": 10 })).await;
        let w = warnings(&app).await;
        assert_eq!(w.len(), 4, "{w:?}");
        assert_eq!(w[3].1, "Acme: 10 of 10 application seats in use");

        // Back-office seats: Olga and Mira hold 2 of 3; a role for a member makes 3 of 3.
        set_limits(&app, &acme, json!({ "back_office": 3 })).await;
        assert_eq!(warnings(&app).await.len(), 4, "2 of 3 is below 90 %");
        app.allow_all(&members[2]).await;
        app.assign(&members[2], "lms.manager", Some(&acme)).await;
        let w = warnings(&app).await;
        assert_eq!(w.len(), 5, "{w:?}");
        assert_eq!(
            w[4],
            (
                "olga@example.com".to_string(),
                "Acme: 3 of 3 back-office seats in use".to_string()
            )
        );

        // Nobody but Olga was ever told: not the mentor, not Beta's administrator.
        assert!(w.iter().all(|(to, _)| to == "olga@example.com"), "{w:?}");
        // Beta at 9 of 10 tells Bert, and only Bert.
        for n in 1..=9 {
            let (s, v) = add_with(&app, &beta, &format!("b{n}@example.com"), &[&crm]).await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
        }
        let w = warnings(&app).await;
        assert_eq!(w.len(), 6, "{w:?}");
        assert_eq!(
            w[5],
            (
                "bert@example.com".to_string(),
                "Beta: 9 of 10 application seats in use".to_string()
            )
        );

        // Each warning is audited with its level.
        let audit = app
            .get("/api/v1/audit-events?action=licenses.warning&limit=50")
            .await;
        let levels: Vec<i64> = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["changes"]["level"].as_i64().unwrap())
            .collect();
        assert_eq!(levels.len(), 6, "{audit}");
    }
);

/// An organization's Home as one person sees it, in a browser's language.
async fn home_of(app: &TestApp, login: &str, language: &str) -> String {
    let c = crate::console_access::console_as(app, login).await;
    let r = c
        .get(app.url("/"))
        .header("Accept-Language", language)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.text().await.unwrap()
}

/// The text of a license notice on a Home page, if one is shown for that organization.
fn notice(home: &str, org: &Value, seats: &str) -> Option<String> {
    let marker = format!("id=\"license-notice-{}-{seats}\"", id(org));
    let start = home.find(&marker)?;
    let block = &home[start..];
    let block = &block[..block.find("</div>\n</div>").unwrap_or(block.len())];
    let text_start = block.find("<div>").unwrap() + "<div>".len();
    let text = &block[text_start..];
    Some(text[..text.find(" <a ").unwrap_or(text.len())].to_string())
}

both_backends!(
    administrators_see_the_notification_on_home_in_their_language,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let acme = app.org("Acme", None).await;
        let beta = app.org("Beta", None).await;
        let crm = application(&app, json!({ "name": "CRM" })).await;
        assign_app(&app, &acme, &crm).await;
        staff(&app, &acme, &beta).await;
        set_limits(&app, &acme, json!({ "application": 10 })).await;
        for n in 1..=8 {
            let (s, v) = add_with(&app, &acme, &format!("m{n}@example.com"), &[&crm]).await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
        }
        // Below 90 %: nothing.
        let home = home_of(&app, "olga", "en").await;
        assert!(!home.contains("license-notice"), "{home}");

        let (s, v) = add_with(&app, &acme, "m9@example.com", &[&crm]).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        // The built-in text in the browser's language, English as the default.
        let home = home_of(&app, "olga", "en-GB,en;q=0.8").await;
        assert_eq!(
            notice(&home, &acme, "application").as_deref(),
            Some("Acme uses 9 of 10 application seats."),
            "{home}"
        );
        assert!(home.contains(&format!("href=\"/organizations/{}/licenses\"", id(&acme))));
        let home = home_of(&app, "olga", "de-CH").await;
        assert_eq!(
            notice(&home, &acme, "application").as_deref(),
            Some("Acme nutzt 9 von 10 Anwendungslizenzen.")
        );
        let home = home_of(&app, "olga", "fr").await;
        assert_eq!(
            notice(&home, &acme, "application").as_deref(),
            Some("Acme uses 9 of 10 application seats."),
            "no French text: the default language"
        );

        // The operator's German version is used for German readers only, as text.
        let (s, v) = app
            .api(
                Method::PUT,
                "/api/v1/settings/notification-templates/license.seats_low/de",
                Some(json!({ "text_body": "<b>Achtung</b>: {{ org }} {{ used }}/{{ limit }}" })),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let home = home_of(&app, "olga", "de").await;
        assert_eq!(
            notice(&home, &acme, "application").as_deref(),
            Some("&lt;b&gt;Achtung&lt;&#x2f;b&gt;: Acme 9&#x2f;10"),
            "{home}"
        );
        let home = home_of(&app, "olga", "en").await;
        assert_eq!(
            notice(&home, &acme, "application").as_deref(),
            Some("Acme uses 9 of 10 application seats.")
        );

        // Not for a mentor there, not for another tenant's administrator.
        let home = home_of(&app, "mira", "en").await;
        assert!(!home.contains("license-notice"), "{home}");
        let home = home_of(&app, "bert", "en").await;
        assert!(!home.contains("license-notice"), "{home}");

        // Only while at the level: a higher limit takes the notice away.
        set_limits(&app, &acme, json!({ "application": 20 })).await;
        let home = home_of(&app, "olga", "en").await;
        assert!(!home.contains("license-notice"), "{home}");
    }
);

both_backends!(
    an_auto_assigned_application_warns_where_it_fills_the_seats,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let gamma = app.org("Gamma", None).await;
        let delta = app.org("Delta", None).await;
        app.staff(
            "gina",
            "lms.organization_administrator",
            Some(&gamma),
            Some(&gamma),
        )
        .await;
        app.staff(
            "dora",
            "lms.organization_administrator",
            Some(&delta),
            Some(&delta),
        )
        .await;
        // Gamma: three members without applications and two seats; Delta: no limit.
        for n in 1..=2 {
            let (s, v) = add_with(&app, &gamma, &format!("g{n}@example.com"), &[]).await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
            let (s, v) = add_with(&app, &delta, &format!("d{n}@example.com"), &[]).await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
        }
        set_limits(&app, &gamma, json!({ "application": 2 })).await;
        assert_eq!(warnings(&app).await, vec![]);
        // An application every organization gets: Gamma's two seats fill up in that write.
        let saved = application(&app, json!({ "name": "Chat", "auto_assigned": true })).await;
        assert_eq!(saved["auto_assignment"]["members_not_given"], 1, "{saved}");
        assert_eq!(
            warnings(&app).await,
            vec![(
                "gina@example.com".to_string(),
                "Gamma: 2 of 2 application seats in use".to_string()
            )]
        );
    }
);

both_backends!(
    an_import_that_fills_the_seats_warns_once_in_its_transaction,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let acme = app.org("Acme", None).await;
        let crm = application(&app, json!({ "name": "CRM" })).await;
        assign_app(&app, &acme, &crm).await;
        app.staff(
            "olga",
            "lms.organization_administrator",
            Some(&acme),
            Some(&acme),
        )
        .await;
        set_limits(&app, &acme, json!({ "application": 10 })).await;
        let csv = |from: usize, to: usize| {
            let mut s = String::from("email,first_name,last_name,applications\n");
            for n in from..=to {
                s.push_str(&format!(
                    "i{n}@example.com,Imp,Orted,{}\n",
                    crm["slug"].as_str().unwrap()
                ));
            }
            s
        };
        let post = |body: String| {
            let app = &app;
            let acme = &acme;
            async move {
                app.import_request(&app.admin_key, id(acme), &body)
                    .send()
                    .await
                    .unwrap()
                    .status()
            }
        };
        // 8 of 10: nothing.
        assert_eq!(post(csv(1, 8)).await, StatusCode::CREATED);
        assert_eq!(warnings(&app).await, vec![]);
        // 8 → 10 in one import: one warning, at the level reached (100 %), not one per row.
        assert_eq!(post(csv(9, 10)).await, StatusCode::CREATED);
        assert_eq!(
            warnings(&app).await,
            vec![(
                "olga@example.com".to_string(),
                "Acme: 10 of 10 application seats in use".to_string()
            )]
        );
        // A refused import (past the limit) queues nothing more.
        assert_eq!(post(csv(11, 11)).await, StatusCode::CONFLICT);
        assert_eq!(warnings(&app).await.len(), 1);
    }
);
