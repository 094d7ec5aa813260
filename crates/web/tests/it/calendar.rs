//! C5's calendar invitation through the REST API and the console: a project scheduled in the
//! future invites each person enrolled in it (queued in the enrollment's transaction, checked
//! on the outbox rows), a new time or place invites everyone enrolled again, and a project
//! with no date, one that has started, or one that is archived invites nobody. Bad times are
//! refused on their field and change nothing. Both databases.

use crate::both_backends;
use crate::console_access::{console_as, page, submit};
use crate::enrollments::{enroll, member};
use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

/// The calendar invitations in the outbox, oldest first: (to, subject, text body).
async fn invitations(app: &TestApp) -> Vec<(String, String, String)> {
    let list = app.get("/api/v1/outbox?limit=200").await;
    let mut out = Vec::new();
    for m in list["items"].as_array().unwrap().iter().rev() {
        if m["template"] != "calendar_invitation" {
            continue;
        }
        let detail = app.get(&format!("/api/v1/outbox/{}", id(m))).await;
        out.push((
            m["to"].as_str().unwrap().to_string(),
            m["subject"].as_str().unwrap().to_string(),
            detail["text_body"].as_str().unwrap().to_string(),
        ));
    }
    out
}

both_backends!(
    scheduled_projects_invite_whoever_is_enrolled,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let acme = app.org("Acme", None).await;
        let anna = member(&app, &acme, "anna").await;
        let bob = member(&app, &acme, "bob").await;
        let carl = member(&app, &acme, "carl").await;
        let learner = app.role_id("lms.learner").await;
        let key = app.admin_key.clone();
        let now = app.services.now();
        let in_ten_days = now.plus_secs(10 * 86_400);
        let create = format!("/api/v1/organizations/{}/projects", id(&acme));

        // Bad input: 422 on the field, nothing stored.
        let seq = app.audit_seq().await;
        for (body, field) in [
            (
                json!({ "name": "W", "starts_at": "next tuesday" }),
                "starts_at",
            ),
            (
                json!({ "name": "W", "starts_at": "2026-12-24T14:00+01:00" }),
                "starts_at",
            ),
            (
                json!({ "name": "W", "location": "x".repeat(201) }),
                "location",
            ),
        ] {
            let (s, v) = app.api(Method::POST, &create, Some(body)).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
            assert_eq!(v["field"], field, "{v}");
        }
        assert_eq!(app.audit_seq().await, seq, "nothing was written");

        // A workshop in ten days, in room 2.14.
        let (s, workshop) = app
            .api(
                Method::POST,
                &create,
                Some(json!({
                    "name": "Onboarding workshop",
                    "starts_at": in_ten_days.to_rfc3339(),
                    "location": " Room 2.14 ",
                })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{workshop}");
        assert_eq!(workshop["starts_at"], in_ten_days.to_rfc3339());
        assert_eq!(workshop["location"], "Room 2.14");
        assert!(invitations(&app).await.is_empty(), "nobody enrolled yet");

        // Enrolling Anna invites Anna, and only her.
        let (s, v) = enroll(&app, &key, &workshop, &anna, &learner).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let inv = invitations(&app).await;
        assert_eq!(inv.len(), 1, "{inv:?}");
        let when = format!("{} UTC", in_ten_days.to_display());
        assert_eq!(inv[0].0, "anna@example.com");
        assert_eq!(
            inv[0].1,
            format!("Invitation: Onboarding workshop on {when}")
        );
        assert!(
            inv[0].2.contains("Hello anna Test")
                && inv[0].2.contains(&format!("on {when} (Room 2.14)")),
            "{}",
            inv[0].2
        );

        // A project with no date, and one that has already started, invite nobody.
        let (s, plain) = app
            .api(Method::POST, &create, Some(json!({ "name": "Self-paced" })))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{plain}");
        assert!(plain["starts_at"].is_null(), "{plain}");
        assert_eq!(plain["location"], "");
        let (s, started) = app
            .api(
                Method::POST,
                &create,
                Some(json!({ "name": "Kick-off", "starts_at": now.minus_secs(3600).to_rfc3339() })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{started}");
        for p in [&plain, &started] {
            let (s, v) = enroll(&app, &key, p, &bob, &learner).await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
        }
        assert_eq!(invitations(&app).await.len(), 1, "no new invitation");

        // Bob joins the workshop; then it moves: everyone enrolled is invited again, with the
        // new time (once each, in the same change), and the audit entry counts them.
        let (s, v) = enroll(&app, &key, &workshop, &bob, &learner).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(invitations(&app).await.len(), 2);
        // To the minute, as a person would type it (no seconds, no `Z`).
        let later = portico_domain::Timestamp((in_ten_days.millis() / 60_000 + 1440) * 60_000);
        let path = format!("/api/v1/projects/{}", id(&workshop));
        let (s, v) = app
            .api(
                Method::PATCH,
                &path,
                Some(json!({ "starts_at": later.to_rfc3339()[..16] })),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["starts_at"], later.to_rfc3339());
        let inv = invitations(&app).await;
        assert_eq!(inv.len(), 4, "{inv:?}");
        let later_when = format!("{} UTC", later.to_display());
        let mut moved: Vec<&str> = inv[2..].iter().map(|i| i.0.as_str()).collect();
        moved.sort();
        assert_eq!(moved, ["anna@example.com", "bob@example.com"]);
        assert!(
            inv[2..].iter().all(|i| i.1.ends_with(&later_when)),
            "{inv:?}"
        );
        let audit = app
            .get("/api/v1/audit-events?action=project.update&limit=5")
            .await;
        assert_eq!(audit["items"][0]["changes"]["invitations"], 2, "{audit}");

        // A rename is not news; archiving and unscheduling invite nobody.
        for body in [
            json!({ "name": "Onboarding workshop (full)" }),
            json!({ "status": "archived", "location": "Room 3" }),
            json!({ "status": "active", "starts_at": null }),
        ] {
            let (s, v) = app.api(Method::PATCH, &path, Some(body)).await;
            assert_eq!(s, StatusCode::OK, "{v}");
        }
        assert_eq!(invitations(&app).await.len(), 4);
        let (s, v) = app
            .api(
                Method::PATCH,
                &path,
                Some(json!({ "starts_at": "24.12.2026" })),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["field"], "starts_at");

        // Carl, enrolled in an unscheduled project, gets nothing.
        let (s, v) = enroll(&app, &key, &workshop, &carl, &learner).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(invitations(&app).await.len(), 4);

        // Scheduled again: the three enrolled are invited, except Bob, who is blocked.
        let (s, v) = app
            .api(
                Method::POST,
                &format!("/api/v1/users/{}/block", id(&bob)),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = app
            .api(
                Method::PATCH,
                &path,
                Some(json!({ "starts_at": in_ten_days.to_rfc3339() })),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let inv = invitations(&app).await;
        let mut again: Vec<&str> = inv[4..].iter().map(|i| i.0.as_str()).collect();
        again.sort();
        assert_eq!(again, ["anna@example.com", "carl@example.com"]);
    }
);

both_backends!(the_console_schedules_a_project, |app: TestApp| async move {
    app.import_preset("lms").await;
    let acme = app.org("Acme", None).await;
    let anna = member(&app, &acme, "anna").await;
    let learner = app.role_id("lms.learner").await;
    let c = console_as(&app, "admin").await;
    let slug = acme["slug"].as_str().unwrap();
    let tab = format!("/organizations/{slug}/projects");
    let start = app.services.now().plus_secs(7 * 86_400);
    let local = &start.to_rfc3339()[..16];

    // A bad time comes back next to the field; nothing is created.
    let r = submit(
        &c,
        &app,
        &tab,
        &tab,
        &[
            ("name", "Workshop"),
            ("starts_at", "soon"),
            ("location", ""),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("f-project-starts-error"), "{html}");
    let list = app
        .get(&format!("/api/v1/organizations/{}/projects", id(&acme)))
        .await;
    assert_eq!(list["items"], json!([]));

    // Created with a time and a place; the project page shows both.
    let r = submit(
        &c,
        &app,
        &tab,
        &tab,
        &[
            ("name", "Workshop"),
            ("starts_at", local),
            ("location", "Room 2.14"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let list = app
        .get(&format!("/api/v1/organizations/{}/projects", id(&acme)))
        .await;
    let p = list["items"][0].clone();
    assert_eq!(
        p["starts_at"],
        start.to_rfc3339()[..16].to_string() + ":00Z"
    );
    let (s, v) = enroll(&app, &app.admin_key, &p, &anna, &learner).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let project_page = format!("{tab}/{}", id(&p));
    let (_, html) = page(&c, &app, &project_page).await;
    assert!(
        html.contains(&format!("{} UTC", start.to_display())) && html.contains("Room 2.14"),
        "{html}"
    );

    // The edit page shows the stored values and moves the project: Anna is invited again.
    let edit = format!("{project_page}/edit");
    let (_, html) = page(&c, &app, &edit).await;
    assert!(html.contains(&format!("value=\"{local}\"")), "{html}");
    let moved = &start.plus_secs(3600).to_rfc3339()[..16];
    let version = p["version"].to_string();
    let r = submit(
        &c,
        &app,
        &edit,
        &edit,
        &[
            ("name", "Workshop"),
            ("course_template_id", ""),
            ("starts_at", moved),
            ("location", "Room 2.14"),
            ("version", &version),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let inv = invitations(&app).await;
    assert_eq!(inv.len(), 2, "{inv:?}");
    assert!(
        inv[1]
            .1
            .ends_with(&format!("{} UTC", start.plus_secs(3600).to_display()))
    );
});
