//! Applications (A1–A5): definitions, the default and auto-assigned applications, per
//! membership access, unassigning, tenant isolation, registered permissions in roles, and
//! the applications shown in users lists (A4).

use crate::both_backends;
use crate::console_access::custom_role;
use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub(crate) fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

/// Creates an application as the super admin; returns its JSON.
pub(crate) async fn application(app: &TestApp, body: Value) -> Value {
    let (s, v) = app
        .api(Method::POST, "/api/v1/applications", Some(body.clone()))
        .await;
    assert_eq!(s, StatusCode::CREATED, "create application {body}: {v}");
    v
}

pub(crate) async fn assign_app(app: &TestApp, org: &Value, a: &Value) {
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/organizations/{}/applications", id(org)),
            Some(json!({ "application_id": id(a) })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "assign: {v}");
}

/// Each member's application slugs, by email.
pub(crate) async fn member_apps(app: &TestApp, org: &Value) -> Vec<(String, Vec<String>)> {
    let v = app
        .get(&format!(
            "/api/v1/organizations/{}/members?limit=200",
            id(org)
        ))
        .await;
    let mut out: Vec<(String, Vec<String>)> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["user"]["email"].as_str().unwrap().to_string(),
                m["applications"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a["slug"].as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect();
    out.sort();
    out
}

async fn org_app_slugs(app: &TestApp, org: &Value) -> Vec<(String, String)> {
    let v = app
        .get(&format!("/api/v1/organizations/{}/applications", id(org)))
        .await;
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["application"]["slug"].as_str().unwrap().to_string(),
                r["application"]["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn put_member_apps(
    app: &TestApp,
    org: &Value,
    user: &Value,
    apps: &[&Value],
) -> (StatusCode, Value) {
    app.api(
        Method::PUT,
        &format!(
            "/api/v1/organizations/{}/members/{}/applications",
            id(org),
            id(user)
        ),
        Some(json!({ "applications": apps.iter().map(|a| id(a)).collect::<Vec<_>>() })),
    )
    .await
}

both_backends!(
    define_edit_and_the_default_application,
    |app: TestApp| async move {
        let before = app.org("Before", None).await;
        let lms = application(
            &app,
            json!({ "name": "Learning", "description": "Courses", "is_default": true }),
        )
        .await;
        assert!(id(&lms).starts_with("app_"), "{lms}");
        assert_eq!(lms["slug"], "learning");
        assert_eq!(lms["status"], "active");
        assert_eq!(lms["is_default"], true);

        // Slug unique; one default only; unknown fields and bad status refused.
        let (s, v) = app
            .api(
                Method::POST,
                "/api/v1/applications",
                Some(json!({ "name": "Learning" })),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert_eq!(v["type"], "urn:portico:problem:app-slug-taken");
        let (s, v) = app
            .api(
                Method::POST,
                "/api/v1/applications",
                Some(json!({ "name": "CRM", "is_default": true })),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert_eq!(v["type"], "urn:portico:problem:default-app-exists");
        let (s, _) = app
            .api(
                Method::POST,
                "/api/v1/applications",
                Some(json!({ "name": "CRM", "status": "paused" })),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

        // The default reaches new organizations only.
        let after = app.org("After", None).await;
        assert_eq!(
            org_app_slugs(&app, &after).await,
            [("learning".into(), "active".into())]
        );
        assert!(org_app_slugs(&app, &before).await.is_empty());

        // Edit with If-Match: a stale version is refused and changes nothing.
        let path = format!("/api/v1/applications/{}", id(&lms));
        let r = app
            .http
            .patch(app.url(&path))
            .bearer_auth(&app.admin_key)
            .header("If-Match", "\"v99\"")
            .json(&json!({ "status": "inactive" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::PRECONDITION_FAILED);
        assert_eq!(app.get(&path).await["status"], "active");
        let r = app
            .http
            .patch(app.url(&path))
            .bearer_auth(&app.admin_key)
            .header("If-Match", "\"v1\"")
            .json(&json!({ "status": "inactive", "name": "Learning suite" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let got = app.get(&path).await;
        assert_eq!(got["status"], "inactive");
        assert_eq!(got["name"], "Learning suite");
        assert_eq!(got["version"], 2);

        // Inactive applications can be assigned and are shown as inactive (A2).
        assign_app(&app, &before, &lms).await;
        assert_eq!(
            org_app_slugs(&app, &before).await,
            [("learning".into(), "inactive".into())]
        );
        let (s, v) = app
            .api(
                Method::POST,
                &format!("/api/v1/organizations/{}/applications", id(&before)),
                Some(json!({ "application_id": id(&lms) })),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert_eq!(v["type"], "urn:portico:problem:app-already-assigned");

        let list = app.get("/api/v1/applications").await;
        assert_eq!(list["items"].as_array().unwrap().len(), 1);

        // Deleting an assigned application asks for confirmation first.
        let (s, v) = app.api(Method::DELETE, &path, None).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert_eq!(v["type"], "urn:portico:problem:confirmation-required");
        let (s, v) = app
            .api(Method::DELETE, &format!("{path}?confirm=true"), None)
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["organizations"], 2);
        assert!(org_app_slugs(&app, &before).await.is_empty());
        let (s, _) = app.api(Method::GET, &path, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
);

both_backends!(
    an_auto_assigned_application_reaches_existing_organizations_and_members,
    |app: TestApp| async move {
        let a = app.org("Acme", None).await;
        let b = app.org("Beta", None).await;
        for (org, n) in [(&a, 3), (&b, 2)] {
            for i in 0..n {
                let domain = org["slug"].as_str().unwrap();
                let (s, v) = app
                    .add_member(org, &format!("m{i}@{domain}.example"), "M", "X")
                    .await;
                assert_eq!(s, StatusCode::CREATED, "{v}");
            }
        }
        // Acme has 2 application seats for its 3 members.
        let (s, v) = app
            .api(
                Method::PATCH,
                &format!("/api/v1/organizations/{}/licenses", id(&a)),
                Some(json!({ "application": 2 })),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");

        let chat = application(&app, json!({ "name": "Chat", "auto_assigned": true })).await;
        assert_eq!(chat["auto_assignment"]["organizations"], 2, "{chat}");
        assert_eq!(chat["auto_assignment"]["members_given"], 4, "{chat}");
        assert_eq!(chat["auto_assignment"]["members_not_given"], 1, "{chat}");

        assert_eq!(
            org_app_slugs(&app, &a).await,
            [("chat".into(), "active".into())]
        );
        let acme = member_apps(&app, &a).await;
        assert_eq!(
            acme.iter().filter(|(_, apps)| apps == &["chat"]).count(),
            2,
            "{acme:?}"
        );
        assert!(
            member_apps(&app, &b)
                .await
                .iter()
                .all(|(_, apps)| apps == &["chat"])
        );
        let lic = app
            .get(&format!("/api/v1/organizations/{}/licenses", id(&a)))
            .await;
        assert_eq!(lic["application"], json!({ "used": 2, "limit": 2 }));

        // Future organizations and members get it too (A2, A3: preselected when absent).
        let c = app.org("Gamma", None).await;
        assert_eq!(
            org_app_slugs(&app, &c).await,
            [("chat".into(), "active".into())]
        );
        let (s, v) = app.add_member(&b, "new@beta.example", "N", "B").await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let beta = member_apps(&app, &b).await;
        assert!(
            beta.contains(&("new@beta.example".into(), vec!["chat".into()])),
            "{beta:?}"
        );

        // An application that becomes auto-assigned later does the same; a member with a
        // seat already gets it in a full organization without taking another seat.
        let wiki = application(&app, json!({ "name": "Wiki" })).await;
        assert!(org_app_slugs(&app, &a).await.len() == 1);
        let r = app
            .http
            .patch(app.url(&format!("/api/v1/applications/{}", id(&wiki))))
            .bearer_auth(&app.admin_key)
            .json(&json!({ "auto_assigned": true }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["auto_assignment"]["organizations"], 3, "{v}");
        assert_eq!(v["auto_assignment"]["members_not_given"], 1, "{v}");
        let acme = member_apps(&app, &a).await;
        assert_eq!(
            acme.iter()
                .filter(|(_, apps)| apps == &["chat", "wiki"])
                .count(),
            2,
            "{acme:?}"
        );
    }
);

both_backends!(
    granting_an_unassigned_application_is_refused_naming_it,
    |app: TestApp| async move {
        let org = app.org("Acme", None).await;
        let crm = application(&app, json!({ "name": "Sales CRM" })).await;
        let (_, m) = app.add_member(&org, "ann@example.com", "Ann", "A").await;
        let seq = app.audit_seq().await;

        let (s, v) = put_member_apps(&app, &org, &m["user"], &[&crm]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(v["detail"].as_str().unwrap().contains("Sales CRM"), "{v}");
        assert_eq!(v["field"], "applications");
        // Adding a member with it: refused, nobody added.
        let (s, v) = app
            .api(
                Method::POST,
                &format!("/api/v1/organizations/{}/members", id(&org)),
                Some(json!({ "email": "bob@example.com", "applications": [id(&crm)] })),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(v["detail"].as_str().unwrap().contains("Sales CRM"), "{v}");
        let (s, v) = put_member_apps(&app, &org, &m["user"], &[&json!({ "id": "app_nope" })]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(app.audit_seq().await, seq, "nothing was written");
        assert_eq!(
            member_apps(&app, &org).await,
            [("ann@example.com".into(), vec![])]
        );

        // Once assigned it can be granted, and taken away again.
        assign_app(&app, &org, &crm).await;
        let (s, v) = put_member_apps(&app, &org, &m["user"], &[&crm]).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v[0]["slug"], "sales-crm");
        assert_eq!(
            member_apps(&app, &org).await,
            [("ann@example.com".into(), vec!["sales-crm".into()])]
        );
        let (s, _) = put_member_apps(&app, &org, &m["user"], &[]).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            member_apps(&app, &org).await,
            [("ann@example.com".into(), vec![])]
        );
    }
);

both_backends!(
    unassigning_shows_who_loses_access_then_revokes,
    |app: TestApp| async move {
        let org = app.org("Acme", None).await;
        let crm = application(&app, json!({ "name": "CRM" })).await;
        let wiki = application(&app, json!({ "name": "Wiki" })).await;
        assign_app(&app, &org, &crm).await;
        assign_app(&app, &org, &wiki).await;
        let mut users = Vec::new();
        for e in ["a@example.com", "b@example.com", "c@example.com"] {
            let apps: Vec<&str> = if e.starts_with('c') {
                vec![id(&wiki)]
            } else {
                vec![id(&crm), id(&wiki)]
            };
            let (s, v) = app
                .api(
                    Method::POST,
                    &format!("/api/v1/organizations/{}/members", id(&org)),
                    Some(json!({ "email": e, "applications": apps })),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
            users.push(v["user"].clone());
        }
        let base = format!(
            "/api/v1/organizations/{}/applications/{}",
            id(&org),
            id(&crm)
        );
        let p = app.get(&format!("{base}/unassign-preview")).await;
        assert_eq!(p["members_losing_access"], 2, "{p}");

        let (s, v) = app.api(Method::DELETE, &base, None).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert_eq!(v["type"], "urn:portico:problem:confirmation-required");
        assert!(v["detail"].as_str().unwrap().contains("2 member"), "{v}");
        assert_eq!(member_apps(&app, &org).await[0].1, ["crm", "wiki"]);

        let (s, v) = app
            .api(Method::DELETE, &format!("{base}?confirm=true"), None)
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["members_losing_access"], 2);
        assert!(
            member_apps(&app, &org)
                .await
                .iter()
                .all(|(_, a)| a == &["wiki"])
        );
        assert_eq!(
            org_app_slugs(&app, &org).await,
            [("wiki".into(), "active".into())]
        );
        let (s, _) = app
            .api(Method::GET, &format!("{base}/unassign-preview"), None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // Nobody holds it now: unassigning needs no confirmation.
        let wbase = format!(
            "/api/v1/organizations/{}/applications/{}",
            id(&org),
            id(&wiki)
        );
        for u in &users {
            let (s, _) = put_member_apps(&app, &org, u, &[]).await;
            assert_eq!(s, StatusCode::OK);
        }
        let (s, v) = app.api(Method::DELETE, &wbase, None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["members_losing_access"], 0);
    }
);

both_backends!(
    another_tenants_member_or_application_is_not_found,
    |app: TestApp| async move {
        let a = app.org("Acme", None).await;
        let b = app.org("Beta", None).await;
        let crm = application(&app, json!({ "name": "CRM" })).await;
        assign_app(&app, &b, &crm).await;
        let (_, mb) = app
            .api(
                Method::POST,
                &format!("/api/v1/organizations/{}/members", id(&b)),
                Some(json!({ "email": "bee@example.com", "applications": [id(&crm)] })),
            )
            .await;
        let seq = app.audit_seq().await;

        // Beta's member through Acme's path.
        let (s, v) = put_member_apps(&app, &a, &mb["user"], &[]).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
        // Beta's application through Acme's path.
        let acme_crm = format!("/api/v1/organizations/{}/applications/{}", id(&a), id(&crm));
        let (s, _) = app
            .api(Method::DELETE, &format!("{acme_crm}?confirm=true"), None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = app
            .api(Method::GET, &format!("{acme_crm}/unassign-preview"), None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // An Acme administrator does not see Beta at all.
        app.import_preset("lms").await;
        let (_, key) = app
            .staff(
                "acmeadmin",
                "lms.organization_administrator",
                Some(&a),
                Some(&a),
            )
            .await;
        let (s, _) = app
            .api_as(
                &key,
                Method::GET,
                &format!("/api/v1/organizations/{}/applications", id(&b)),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = app
            .api_as(
                &key,
                Method::PUT,
                &format!(
                    "/api/v1/organizations/{}/members/{}/applications",
                    id(&b),
                    id(&mb["user"])
                ),
                Some(json!({ "applications": [] })),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        assert_eq!(
            member_apps(&app, &b).await,
            [("bee@example.com".into(), vec!["crm".into()])]
        );
        assert_eq!(org_app_slugs(&app, &b).await.len(), 1);
        // Only the staff member's own setup was written.
        let events = app
            .get(&format!(
                "/api/v1/audit-events?limit=200&organization={}",
                id(&b)
            ))
            .await;
        let after: Vec<&Value> = events["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["seq"].as_i64().unwrap() > seq)
            .collect();
        assert!(after.is_empty(), "{after:?}");
    }
);

both_backends!(
    a_registered_permission_can_be_carried_by_a_custom_role,
    |app: TestApp| async move {
        let org = app.org("Acme", None).await;
        let tt = application(&app, json!({ "name": "Time tracking" })).await;
        assert_eq!(tt["slug"], "time-tracking");
        let base = format!("/api/v1/applications/{}/permissions", id(&tt));

        for bad in [
            json!({ "key": "users.export", "description": "x" }),
            json!({ "key": "time_tracking", "description": "x" }),
            json!({ "key": "time_tracking.export", "description": "x", "levels": ["galaxy"] }),
        ] {
            let (s, v) = app.api(Method::POST, &base, Some(bad)).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        }
        let (s, v) = app
            .api(
                Method::POST,
                &base,
                Some(json!({ "key": "time_tracking.export", "description": "Export timesheets", "levels": ["organization"] })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let (s, v) = app
            .api(
                Method::POST,
                &base,
                Some(json!({ "key": "time_tracking.export", "description": "again" })),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert_eq!(v["type"], "urn:portico:problem:permission-exists");
        let list = app.get(&base).await;
        assert_eq!(list[0]["key"], "time_tracking.export");
        assert_eq!(list[0]["levels"], json!(["organization"]));

        // The catalogue lists it with its application.
        let cat = app.get("/api/v1/permissions").await;
        let entry = cat
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["key"] == "time_tracking.export")
            .expect("registered permission in the catalogue");
        assert_eq!(entry["application"], "time-tracking");
        assert_eq!(entry["levels"], json!(["organization"]));

        // A custom role carries exactly it; a holder is allowed, the check explains why.
        let role = custom_role(
            &app,
            "Timesheet exporter",
            "organization",
            &["time_tracking.export"],
        )
        .await;
        assert_eq!(
            role["permissions"],
            json!(["time_tracking.export"]),
            "{role}"
        );
        let (_, m) = app.add_member(&org, "tess@example.com", "Tess", "T").await;
        app.allow_all(&m["user"]).await;
        let (s, v) = app
            .api(
                Method::POST,
                &format!("/api/v1/users/{}/role-assignments", id(&m["user"])),
                Some(json!({ "role_id": id(&role), "scope": id(&org) })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let ex = app
            .get(&format!(
                "/api/v1/authz/explain?user={}&permission=time_tracking.export&scope={}",
                id(&m["user"]),
                id(&org)
            ))
            .await;
        assert_eq!(ex["allowed"], true, "{ex}");
        // A platform-only check of it is not possible: it applies at organizations only.
        let (s, _) = app
            .api(
                Method::POST,
                "/api/v1/roles",
                Some(json!({ "name": "Platform TT", "level": "platform", "permissions": ["time_tracking.export"] })),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    }
);

both_backends!(
    the_catalogue_refuses_registrations_past_its_capacity,
    |app: TestApp| async move {
        let a = application(&app, json!({ "name": "Big" })).await;
        let base = format!("/api/v1/applications/{}/permissions", id(&a));
        let builtin = app
            .get("/api/v1/permissions")
            .await
            .as_array()
            .unwrap()
            .len();
        let room = 256 - builtin;
        // Fill the room directly (the rows the API would write), then ask through the API.
        let mut values = Vec::new();
        for i in 0..room {
            values.push(format!(
                "('big.p{i}', '{}', 'p', 'platform organization project', 0, {})",
                id(&a),
                i + 1
            ));
        }
        app.sql(&format!(
            "INSERT INTO application_permissions (key, app_id, description, levels, created_at, seq) VALUES {}",
            values.join(", ")
        ))
        .await;
        let (s, v) = app
            .api(
                Method::POST,
                &base,
                Some(json!({ "key": "big.one_more", "description": "x" })),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(v["detail"].as_str().unwrap().contains("full"), "{v}");
        assert_eq!(app.get(&base).await.as_array().unwrap().len(), room);
    }
);

both_backends!(
    users_lists_show_each_persons_applications,
    |app: TestApp| async move {
        let a = app.org("Acme", None).await;
        let b = app.org("Beta", None).await;
        let crm = application(&app, json!({ "name": "CRM" })).await;
        let wiki = application(&app, json!({ "name": "Wiki" })).await;
        assign_app(&app, &a, &crm).await;
        assign_app(&app, &b, &wiki).await;
        let (s, v) = app
            .api(
                Method::POST,
                &format!("/api/v1/organizations/{}/members", id(&a)),
                Some(json!({ "email": "ann@example.com", "applications": [id(&crm)] })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let (s, v) = app
            .api(
                Method::POST,
                &format!("/api/v1/organizations/{}/members", id(&b)),
                Some(json!({ "email": "ann@example.com", "applications": [id(&wiki)] })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(v["outcome"], "added_external");

        // Per organization: that membership's applications.
        assert_eq!(
            member_apps(&app, &a).await,
            [("ann@example.com".into(), vec!["crm".into()])]
        );
        assert_eq!(
            member_apps(&app, &b).await,
            [("ann@example.com".into(), vec!["wiki".into()])]
        );
        // Globally: every membership's.
        let users = app.get("/api/v1/users?q=ann").await;
        let ann = &users["items"][0];
        assert_eq!(ann["email"], "ann@example.com");
        let slugs: Vec<&str> = ann["applications"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["slug"].as_str().unwrap())
            .collect();
        assert_eq!(slugs, ["crm", "wiki"]);

        // An Acme administrator sees only Acme's.
        app.import_preset("lms").await;
        let (_, key) = app
            .staff(
                "acmeadmin",
                "lms.organization_administrator",
                Some(&a),
                Some(&a),
            )
            .await;
        let (s, users) = app
            .api_as(&key, Method::GET, "/api/v1/users?q=ann", None)
            .await;
        assert_eq!(s, StatusCode::OK, "{users}");
        assert_eq!(
            users["items"][0]["applications"].as_array().unwrap().len(),
            1,
            "{users}"
        );
        assert_eq!(users["items"][0]["applications"][0]["slug"], "crm");
    }
);

both_backends!(
    console_applications_section_and_organization_tab,
    |app: TestApp| async move {
        use crate::console_access::{console_as, page, submit};
        let c = console_as(&app, "admin").await;
        let (s, html) = page(&c, &app, "/applications").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("id=\"nav-applications\""), "nav entry");
        assert!(
            html.contains("No applications yet"),
            "empty state says what to do"
        );

        // Create through the form (no JavaScript): a bad slug stays on the form, next to it.
        let r = submit(
            &c,
            &app,
            "/applications/new",
            "/applications",
            &[("name", "CRM"), ("slug", "Bad Slug"), ("status", "active")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(html.contains("f-app-slug-error"), "{html}");
        let r = submit(
            &c,
            &app,
            "/applications/new",
            "/applications",
            &[
                ("name", "CRM"),
                ("status", "inactive"),
                ("auto_assigned", "yes"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let list = app.get("/api/v1/applications").await;
        let crm = list["items"][0].clone();
        assert_eq!(crm["status"], "inactive");
        assert_eq!(crm["auto_assigned"], true);
        let (_, html) = page(&c, &app, "/applications").await;
        assert!(
            html.contains("badge-auto") && html.contains("badge-inactive"),
            "{html}"
        );

        // Register a permission on its page.
        let at = format!("/applications/{}", id(&crm));
        let r = submit(
            &c,
            &app,
            &at,
            &format!("{at}/permissions"),
            &[
                ("key", "crm.deals_export"),
                ("description", "Export deals"),
                ("levels", "organization"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, html) = page(&c, &app, &at).await;
        assert!(html.contains("crm.deals_export"), "{html}");
        let r = submit(
            &c,
            &app,
            &at,
            &format!("{at}/permissions"),
            &[("key", "users.export"), ("description", "x")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

        // The organization's tab: the auto-assigned application (inactive, marked), a member
        // with it, the unassign page with the count, then unassigning.
        let org = app.org("Acme", None).await;
        let (_, m) = app.add_member(&org, "ann@example.com", "Ann", "A").await;
        let slug = org["slug"].as_str().unwrap();
        let tab = format!("/organizations/{slug}/applications");
        let (s, html) = page(&c, &app, &tab).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            html.contains("id=\"tab-applications\"") && html.contains("row-inactive"),
            "{html}"
        );
        let (_, html) = page(&c, &app, &format!("/organizations/{slug}/users")).await;
        assert!(
            html.contains("app-chip") && html.contains(">CRM<"),
            "{html}"
        );
        assert!(
            html.contains("New members get CRM (auto-assigned here)"),
            "{html}"
        );
        let (s, html) = page(&c, &app, &format!("{tab}/{}/unassign", id(&crm))).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("1 member loses"), "{html}");
        let r = submit(
            &c,
            &app,
            &format!("{tab}/{}/unassign", id(&crm)),
            &format!("{tab}/{}/unassign", id(&crm)),
            &[("confirm", "yes")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            member_apps(&app, &org).await,
            [("ann@example.com".into(), vec![])]
        );
        let (_, html) = page(&c, &app, &tab).await;
        assert!(html.contains("No applications assigned"), "{html}");

        // Assign it again through the form, and give Ann access on her page.
        let r = submit(&c, &app, &tab, &tab, &[("application", id(&crm))]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let mp = format!(
            "/organizations/{slug}/users/{}/applications",
            id(&m["user"])
        );
        let r = submit(&c, &app, &mp, &mp, &[("applications", id(&crm))]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            member_apps(&app, &org).await,
            [("ann@example.com".into(), vec!["crm".into()])]
        );
        let (_, html) = page(&c, &app, "/users?q=ann").await;
        assert!(
            html.contains("app-chip"),
            "global users list shows applications: {html}"
        );
    }
);

both_backends!(
    leaving_or_deleting_an_organization_takes_the_access_with_it,
    |app: TestApp| async move {
        let a = app.org("Acme", None).await;
        let b = app.org("Beta", None).await;
        let crm = application(&app, json!({ "name": "CRM", "auto_assigned": true })).await;
        let (s, ann) = app.add_member(&a, "ann@example.com", "Ann", "A").await;
        assert_eq!(s, StatusCode::CREATED, "{ann}");
        let (s, v) = app.add_member(&b, "ann@example.com", "Ann", "A").await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(member_apps(&app, &b).await[0].1, ["crm"]);

        // Leaving Beta (an external membership) frees Beta's seat.
        let (s, v) = app
            .api(
                Method::DELETE,
                &format!(
                    "/api/v1/organizations/{}/members/{}",
                    id(&b),
                    id(&ann["user"])
                ),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let lic = app
            .get(&format!("/api/v1/organizations/{}/licenses", id(&b)))
            .await;
        assert_eq!(lic["application"]["used"], 0);

        // Deleting Acme deletes its assignment and its members' access (and Ann, internal).
        let (s, v) = app
            .api(
                Method::DELETE,
                &format!("/api/v1/organizations/{}", id(&a)),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = app
            .api(
                Method::DELETE,
                &format!("/api/v1/applications/{}", id(&crm)),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "still assigned to Beta: {v}");
        assert!(
            v["detail"].as_str().unwrap().contains("1 organization"),
            "{v}"
        );

        // The OpenAPI document describes the new paths.
        let doc = app.get("/api/v1/openapi.json").await;
        for p in [
            "/api/v1/applications",
            "/api/v1/applications/{app}/permissions",
            "/api/v1/organizations/{org}/applications/{app}",
            "/api/v1/organizations/{org}/members/{user}/applications",
            "/api/v1/organizations/{org}/licenses",
        ] {
            assert!(doc["paths"][p].is_object(), "{p} in the OpenAPI document");
        }
    }
);
