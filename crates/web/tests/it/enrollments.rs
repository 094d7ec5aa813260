//! Enrollments (PR1): a member of the project's organization with a project role; another
//! tenant's project is not found, a non-member and a non-project role are refused, a weaker
//! administrator changes nothing, leaving the organization ends the enrollment, and an
//! enrollment grants nothing. The console's project page enrolls and unenrolls.

use crate::both_backends;
use crate::console_access::{console_as, page, submit};
use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

pub(crate) async fn project(app: &TestApp, org: &Value, name: &str) -> Value {
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/organizations/{}/projects", id(org)),
            Some(json!({ "name": name })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v
}

pub(crate) async fn member(app: &TestApp, org: &Value, name: &str) -> Value {
    let (s, v) = app
        .add_member(org, &format!("{name}@example.com"), name, "Test")
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["user"].clone()
}

pub(crate) async fn enroll(
    app: &TestApp,
    key: &str,
    project: &Value,
    user: &Value,
    role: &str,
) -> (StatusCode, Value) {
    app.api_as(
        key,
        Method::POST,
        &format!("/api/v1/projects/{}/enrollments", id(project)),
        Some(json!({ "user_id": id(user), "role_id": role })),
    )
    .await
}

both_backends!(enroll_list_and_unenroll, |app: TestApp| async move {
    app.import_preset("lms").await;
    let acme = app.org("Acme", None).await;
    let globex = app.org("Globex", None).await;
    let p = project(&app, &acme, "Spring cohort").await;
    let anna = member(&app, &acme, "anna").await;
    let bob = member(&app, &globex, "bob").await;
    let learner = app.role_id("lms.learner").await;
    let org_role = app.role_id("lms.organization_administrator").await;
    let key = app.admin_key.clone();
    let base = format!("/api/v1/projects/{}/enrollments", id(&p));

    let (s, v) = enroll(&app, &key, &p, &anna, &learner).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["user_id"], anna["id"]);
    assert_eq!(v["role_name"], "Learner");
    let (s, v) = enroll(&app, &key, &p, &anna, &learner).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(
        v["type"].as_str().unwrap().ends_with("already-enrolled"),
        "{v}"
    );

    // Not a member of Acme (a member elsewhere, or nobody at all).
    let carl = member(&app, &acme, "carl").await;
    let seq = app.audit_seq().await;
    let (s, v) = enroll(&app, &key, &p, &bob, &learner).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["type"].as_str().unwrap().ends_with("not-a-member"), "{v}");
    let ghost = json!({ "id": "usr_01jd3v6k2m8w1f3q9c4x7b5n2e" });
    let (s, v) = enroll(&app, &key, &p, &ghost, &learner).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["type"].as_str().unwrap().ends_with("not-a-member"), "{v}");
    // An organization role is not a project role.
    let (s, v) = enroll(&app, &key, &p, &carl, &org_role).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["field"], "role", "{v}");
    assert_eq!(app.audit_seq().await, seq, "refusals write nothing");

    let list = app.get(&base).await;
    let users: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["username"].as_str().unwrap())
        .collect();
    assert_eq!(users, ["anna"]);

    // An enrollment grants nothing: anna holds nothing in the project.
    let e = app
        .get(&format!(
            "/api/v1/authz/explain?user={}&permission=projects.view&scope={}",
            id(&anna),
            id(&p)
        ))
        .await;
    assert_eq!(e["decision"], "not-granted", "{e}");

    let (s, v) = app
        .api(Method::DELETE, &format!("{base}/{}", id(&anna)), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, _) = app
        .api(Method::DELETE, &format!("{base}/{}", id(&anna)), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&base).await["items"], json!([]));

    // Leaving the organization ends the enrollment: bob joins Acme as an external member,
    // is enrolled, and leaves Acme (his user and his Globex membership stay).
    let (s, v) = app
        .add_member(&acme, "bob@example.com", "bob", "Test")
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = enroll(&app, &key, &p, &bob, &learner).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = app
        .api(
            Method::DELETE,
            &format!("/api/v1/organizations/{}/members/{}", id(&acme), id(&bob)),
            None,
        )
        .await;
    assert!(s.is_success(), "{v}");
    assert_eq!(app.get(&base).await["items"], json!([]));
});

both_backends!(
    another_tenant_and_a_weaker_admin_change_nothing,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let acme = app.org("Acme", None).await;
        let globex = app.org("Globex", None).await;
        let p = project(&app, &acme, "Spring cohort").await;
        let anna = member(&app, &acme, "anna").await;
        let learner = app.role_id("lms.learner").await;
        let (_, globex_admin) = app
            .staff(
                "gadmin",
                "lms.organization_administrator",
                Some(&globex),
                Some(&globex),
            )
            .await;
        let (_, affiliate) = app
            .staff("aff", "lms.affiliate", Some(&acme), Some(&acme))
            .await;
        let seq = app.audit_seq().await;
        let base = format!("/api/v1/projects/{}/enrollments", id(&p));

        // Another tenant's project does not exist for Globex's administrator.
        let (s, _) = app.api_as(&globex_admin, Method::GET, &base, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = enroll(&app, &globex_admin, &p, &anna, &learner).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // An affiliate of Acme sees Acme but may not manage enrollments.
        let (s, v) = enroll(&app, &affiliate, &p, &anna, &learner).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
        assert!(
            v["detail"].as_str().unwrap().contains("enrollments.manage"),
            "{v}"
        );
        assert_eq!(app.audit_seq().await, seq);
        assert_eq!(app.get(&base).await["items"], json!([]));

        // Acme's administrator may (held in the organization, it reaches its projects).
        let (_, acme_admin) = app
            .staff(
                "aadmin",
                "lms.organization_administrator",
                Some(&acme),
                Some(&acme),
            )
            .await;
        let (s, v) = enroll(&app, &acme_admin, &p, &anna, &learner).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let (s, v) = app
            .api_as(
                &globex_admin,
                Method::DELETE,
                &format!("{base}/{}", id(&anna)),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
        assert_eq!(app.get(&base).await["items"].as_array().unwrap().len(), 1);
    }
);

both_backends!(
    the_console_project_page_enrolls_and_unenrolls,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let acme = app.org("Acme", None).await;
        let p = project(&app, &acme, "Spring cohort").await;
        member(&app, &acme, "anna").await;
        let learner = app.role_id("lms.learner").await;
        let c = console_as(&app, "admin").await;
        let at = format!(
            "/organizations/{}/projects/{}",
            acme["slug"].as_str().unwrap(),
            id(&p)
        );

        let (s, html) = page(&c, &app, &at).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("id=\"no-enrollments\""), "{html}");
        // A non-member is refused next to the field; nothing is enrolled.
        let r = submit(
            &c,
            &app,
            &at,
            &at,
            &[("member", "nobody"), ("role", &learner)],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(html.contains("not a member"), "{html}");
        let r = submit(
            &c,
            &app,
            &at,
            &at,
            &[("member", "anna"), ("role", &learner)],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, html) = page(&c, &app, &at).await;
        assert!(
            html.contains("id=\"enrollments\"") && html.contains("anna"),
            "{html}"
        );

        // The projects list counts it.
        let (_, list) = page(
            &c,
            &app,
            &format!("/organizations/{}/projects", acme["slug"].as_str().unwrap()),
        )
        .await;
        assert!(
            list.contains("<td class=\"num enrollment-count\">1</td>"),
            "{list}"
        );

        // Unenrolling asks first.
        let anna = &app
            .get(&format!("/api/v1/projects/{}/enrollments", id(&p)))
            .await["items"][0];
        let confirm = format!(
            "{at}/enrollments/{}/delete",
            anna["user_id"].as_str().unwrap()
        );
        let (s, html) = page(&c, &app, &confirm).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("id=\"confirm-unenroll\""), "{html}");
        let r = submit(&c, &app, &confirm, &confirm, &[]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            app.get(&format!("/api/v1/projects/{}/enrollments", id(&p)))
                .await["items"]
                .as_array()
                .unwrap()
                .len(),
            1,
            "without the confirmation nothing changes"
        );
        let r = submit(&c, &app, &confirm, &confirm, &[("confirm", "yes")]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            app.get(&format!("/api/v1/projects/{}/enrollments", id(&p)))
                .await["items"],
            json!([])
        );
    }
);
