//! Licenses (L1–L3): usage and limits, refusals naming the limit, limits below usage, who
//! may change them, and limits holding under concurrency.

use crate::applications::{application, assign_app, id, member_apps};
use crate::both_backends;
use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn set_limits(app: &TestApp, org: &Value, body: Value) -> (StatusCode, Value) {
    app.api(
        Method::PATCH,
        &format!("/api/v1/organizations/{}/licenses", id(org)),
        Some(body),
    )
    .await
}

async fn licenses(app: &TestApp, org: &Value) -> Value {
    app.get(&format!("/api/v1/organizations/{}/licenses", id(org)))
        .await
}

async fn add_with_apps(
    app: &TestApp,
    org: &Value,
    email: &str,
    apps: &[&Value],
) -> (StatusCode, Value) {
    app.api(
        Method::POST,
        &format!("/api/v1/organizations/{}/members", id(org)),
        Some(json!({ "email": email, "applications": apps.iter().map(|a| id(a)).collect::<Vec<_>>() })),
    )
    .await
}

both_backends!(
    usage_limits_and_refusals_name_the_limit,
    |app: TestApp| async move {
        let org = app.org("Acme", None).await;
        let crm = application(&app, json!({ "name": "CRM" })).await;
        assign_app(&app, &org, &crm).await;
        assert_eq!(
            licenses(&app, &org).await,
            json!({ "application": { "used": 0, "limit": null }, "back_office": { "used": 0, "limit": null } })
        );
        let (s, v) = set_limits(&app, &org, json!({ "application": -1 })).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let (s, v) = set_limits(&app, &org, json!({ "application": 1, "back_office": 1 })).await;
        assert_eq!(s, StatusCode::OK, "{v}");

        // Application seats: the first member takes the only one.
        let (s, ann) = add_with_apps(&app, &org, "ann@example.com", &[&crm]).await;
        assert_eq!(s, StatusCode::CREATED, "{ann}");
        let (s, v) = add_with_apps(&app, &org, "bob@example.com", &[&crm]).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert_eq!(v["type"], "urn:portico:problem:seat-limit-reached");
        assert_eq!(v["detail"], "application seat limit of 1 reached in Acme");
        assert_eq!(v["limit"], 1);
        assert_eq!(v["used"], 1);
        // Without applications someone can still join (no seat), but not be granted one.
        let (s, bob) = add_with_apps(&app, &org, "bob@example.com", &[]).await;
        assert_eq!(s, StatusCode::CREATED, "{bob}");
        let (s, v) = app
            .api(
                Method::PUT,
                &format!(
                    "/api/v1/organizations/{}/members/{}/applications",
                    id(&org),
                    id(&bob["user"])
                ),
                Some(json!({ "applications": [id(&crm)] })),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert_eq!(v["type"], "urn:portico:problem:seat-limit-reached");
        // Ann changing her applications takes no new seat.
        let (s, v) = app
            .api(
                Method::PUT,
                &format!(
                    "/api/v1/organizations/{}/members/{}/applications",
                    id(&org),
                    id(&ann["user"])
                ),
                Some(json!({ "applications": [id(&crm)] })),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");

        // Back-office seats: a live organization role.
        app.import_preset("lms").await;
        app.allow_all(&ann["user"]).await;
        app.allow_all(&bob["user"]).await;
        app.assign(&ann["user"], "lms.manager", Some(&org)).await;
        let role = app.role_id("lms.mentor").await;
        let (s, v) = app
            .api(
                Method::POST,
                &format!("/api/v1/users/{}/role-assignments", id(&bob["user"])),
                Some(json!({ "role_id": role, "scope": id(&org) })),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert_eq!(v["type"], "urn:portico:problem:seat-limit-reached");
        assert_eq!(v["detail"], "back-office seat limit of 1 reached in Acme");
        // A second role for Ann takes no second seat.
        app.assign(&ann["user"], "lms.mentor", Some(&org)).await;
        assert_eq!(
            licenses(&app, &org).await,
            json!({ "application": { "used": 1, "limit": 1 }, "back_office": { "used": 1, "limit": 1 } })
        );

        // Copying Ann would need two more seats: refused, no copy made.
        let (s, v) = app
            .api(
                Method::POST,
                &format!("/api/v1/users/{}/copy", id(&ann["user"])),
                Some(json!({ "email": "ann2@example.com", "username": "ann2" })),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert_eq!(v["type"], "urn:portico:problem:seat-limit-reached");
        let users = app.get("/api/v1/users?q=ann2").await;
        assert_eq!(users["items"], json!([]));

        // L3: not below usage; unlimited again with null.
        let (s, v) = set_limits(&app, &org, json!({ "application": 0 })).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert_eq!(v["type"], "urn:portico:problem:limit-below-usage");
        assert_eq!(v["used"], 1);
        assert_eq!(v["limit"], 0);
        assert_eq!(licenses(&app, &org).await["application"]["limit"], 1);
        let (s, v) = set_limits(&app, &org, json!({ "application": null })).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["application"], json!({ "used": 1, "limit": null }));
        assert_eq!(
            v["back_office"],
            json!({ "used": 1, "limit": 1 }),
            "absent stays"
        );
        let (s, v) = app
            .api(
                Method::PUT,
                &format!(
                    "/api/v1/organizations/{}/members/{}/applications",
                    id(&org),
                    id(&bob["user"])
                ),
                Some(json!({ "applications": [id(&crm)] })),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(licenses(&app, &org).await["application"]["used"], 2);
    }
);

both_backends!(
    an_organization_admin_without_licenses_manage_cannot_change_limits,
    |app: TestApp| async move {
        let org = app.org("Acme", None).await;
        app.import_preset("lms").await;
        let (_, key) = app
            .staff(
                "acmeadmin",
                "lms.organization_administrator",
                Some(&org),
                Some(&org),
            )
            .await;
        let path = format!("/api/v1/organizations/{}/licenses", id(&org));
        let (s, v) = app.api_as(&key, Method::GET, &path, None).await;
        assert_eq!(s, StatusCode::OK, "licenses.view is enough to read: {v}");
        let (s, v) = app
            .api_as(
                &key,
                Method::PATCH,
                &path,
                Some(json!({ "application": 100 })),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
        assert!(
            v["detail"].as_str().unwrap().contains("licenses.manage"),
            "{v}"
        );
        assert_eq!(
            licenses(&app, &org).await["application"]["limit"],
            Value::Null
        );
    }
);

/// Acme with the CRM application assigned and `limit` application seats.
async fn acme_with_crm_seats(app: &TestApp, limit: i64) -> (Value, Value) {
    let org = app.org("Acme", None).await;
    let crm = application(app, json!({ "name": "CRM" })).await;
    assign_app(app, &org, &crm).await;
    let (s, v) = set_limits(app, &org, json!({ "application": limit })).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    (org, crm)
}

/// How many of the racing requests were created and how many refused at the seat `limit`;
/// any other answer fails the test.
async fn created_or_refused(
    tasks: Vec<tokio::task::JoinHandle<(StatusCode, Value)>>,
    limit: i64,
) -> (usize, usize) {
    let (mut created, mut refused) = (0, 0);
    for t in tasks {
        let (s, v) = t.await.unwrap();
        match s {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => {
                assert_eq!(v["type"], "urn:portico:problem:seat-limit-reached", "{v}");
                assert_eq!(v["limit"], limit, "{v}");
                refused += 1;
            }
            other => panic!("unexpected {other}: {v}"),
        }
    }
    (created, refused)
}

both_backends!(
    parallel_member_creations_never_pass_the_application_seat_limit,
    |app: TestApp| async move {
        let (org, crm) = acme_with_crm_seats(&app, 10).await;

        let mut tasks = Vec::new();
        for i in 0..50 {
            let http = app.http.clone();
            let url = app.url(&format!("/api/v1/organizations/{}/members", id(&org)));
            let key = app.admin_key.clone();
            let body = json!({ "email": format!("p{i}@example.com"), "applications": [id(&crm)] });
            tasks.push(tokio::spawn(async move {
                let r = http
                    .post(url)
                    .bearer_auth(key)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                let s = r.status();
                let v: Value = r.json().await.unwrap();
                (s, v)
            }));
        }
        assert_eq!(created_or_refused(tasks, 10).await, (10, 40));
        let members = member_apps(&app, &org).await;
        assert_eq!(members.len(), 10, "refused creations left no member behind");
        assert!(members.iter().all(|(_, a)| a == &["crm"]));
        assert_eq!(
            licenses(&app, &org).await["application"],
            json!({ "used": 10, "limit": 10 })
        );
    }
);

both_backends!(
    parallel_imports_never_pass_the_application_seat_limit,
    |app: TestApp| async move {
        // L2 for whole files: each import needs 3 seats of 10; they all pass the check before
        // the write, and the count inside each transaction lets exactly three of them in.
        let (org, _crm) = acme_with_crm_seats(&app, 10).await;
        let mut tasks = Vec::new();
        for i in 0..6 {
            let csv: String = (0..3).fold("email,applications\n".to_string(), |csv, j| {
                csv + &format!("f{i}p{j}@example.com,crm\n")
            });
            let request = app.import_request(&app.admin_key, id(&org), &csv);
            tasks.push(tokio::spawn(async move {
                let r = request.send().await.unwrap();
                let s = r.status();
                (s, r.json::<Value>().await.unwrap())
            }));
        }
        assert_eq!(created_or_refused(tasks, 10).await, (3, 3));
        let members = member_apps(&app, &org).await;
        assert_eq!(members.len(), 9, "a refused import left nobody behind");
        assert_eq!(
            licenses(&app, &org).await["application"],
            json!({ "used": 9, "limit": 10 })
        );
    }
);

both_backends!(
    console_licenses_tab_and_the_disabled_new_user_button,
    |app: TestApp| async move {
        use crate::console_access::{console_as, page, submit};
        let org = app.org("Acme", None).await;
        let crm = application(&app, json!({ "name": "CRM" })).await;
        assign_app(&app, &org, &crm).await;
        let slug = org["slug"].as_str().unwrap();
        let c = console_as(&app, "admin").await;
        let tab = format!("/organizations/{slug}/licenses");
        let (s, html) = page(&c, &app, &tab).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            html.contains("id=\"tab-licenses\"") && html.contains("unlimited"),
            "{html}"
        );

        let r = submit(
            &c,
            &app,
            &tab,
            &tab,
            &[("app_seat_limit", "1"), ("office_seat_limit", "")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(licenses(&app, &org).await["application"]["limit"], 1);
        let users = format!("/organizations/{slug}/users");
        let (_, html) = page(&c, &app, &users).await;
        assert!(
            !html.contains("id=\"new-user\" disabled"),
            "a seat is free: {html}"
        );

        let (s, v) = add_with_apps(&app, &org, "ann@example.com", &[&crm]).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let (_, html) = page(&c, &app, &tab).await;
        assert!(
            html.contains("seat-fill-full") && html.contains("role=\"meter\""),
            "{html}"
        );
        let (_, html) = page(&c, &app, &users).await;
        assert!(html.contains("id=\"new-user\" disabled"), "{html}");
        assert!(
            html.contains("All 1 application seats of Acme are in use"),
            "{html}"
        );

        // Below usage: refused, the error next to the field, nothing changed.
        let r = submit(
            &c,
            &app,
            &tab,
            &tab,
            &[("app_seat_limit", "0"), ("office_seat_limit", "")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(
            html.contains("f-app-seats-error") && html.contains("cannot be lower"),
            "{html}"
        );
        let r = submit(
            &c,
            &app,
            &tab,
            &tab,
            &[("app_seat_limit", "-2"), ("office_seat_limit", "")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(licenses(&app, &org).await["application"]["limit"], 1);

        // An organization admin sees the tab but no form.
        app.import_preset("lms").await;
        let (_, _) = app
            .staff(
                "acmeadmin",
                "lms.organization_administrator",
                Some(&org),
                Some(&org),
            )
            .await;
        let oc = console_as(&app, "acmeadmin").await;
        let (s, html) = page(&oc, &app, &tab).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(
            html.contains("limits-readonly") && !html.contains("licenses-form"),
            "{html}"
        );
        // They see applications in their organization, so the section is in their navigation.
        let (_, html) = page(&oc, &app, "/").await;
        assert!(html.contains("id=\"nav-applications\""), "{html}");
    }
);
