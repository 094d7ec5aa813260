//! Projects (PR1) and project-scoped access (P3): the REST operations, tenant isolation,
//! project roles and their reach, and the console's Projects tab.

use crate::both_backends;
use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

async fn project(app: &TestApp, org: &Value, name: &str) -> Value {
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/organizations/{}/projects", id(org)),
            Some(json!({ "name": name })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "create project {name}: {v}");
    v
}

async fn explain(app: &TestApp, user: &Value, perm: &str, scope: &str) -> Value {
    app.get(&format!(
        "/api/v1/authz/explain?user={}&permission={perm}&scope={scope}",
        id(user)
    ))
    .await
}

both_backends!(
    create_list_update_delete_a_project,
    |app: TestApp| async move {
        let org = app.org("Acme", None).await;
        let base = format!("/api/v1/organizations/{}/projects", id(&org));

        // Empty at first; bad input is refused with the field named, unknown fields too.
        assert_eq!(app.get(&base).await["items"], json!([]));
        let (s, v) = app
            .api(Method::POST, &base, Some(json!({ "name": "  " })))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(v.to_string().contains("name"), "{v}");
        let (s, v) = app
            .api(
                Method::POST,
                &base,
                Some(json!({ "name": "X", "course": "c" })),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let (s, v) = app
            .api(
                Method::POST,
                &base,
                Some(json!({ "name": "X", "status": "paused" })),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

        let p = project(&app, &org, "Spring course").await;
        assert!(id(&p).starts_with("prj_"), "{p}");
        assert_eq!(p["organization_id"], org["id"]);
        assert_eq!(p["status"], "active");
        project(&app, &org, "Autumn course").await;
        let list = app.get(&base).await;
        let names: Vec<&str> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Autumn course", "Spring course"]);
        // Keyset pages.
        let page = app.get(&format!("{base}?limit=1")).await;
        assert_eq!(page["items"].as_array().unwrap().len(), 1);
        let next = page["next_cursor"].as_str().unwrap();
        let page2 = app.get(&format!("{base}?limit=1&cursor={next}")).await;
        assert_eq!(page2["items"][0]["name"], "Spring course");

        // Read with its ETag; a stale If-Match is 412 and changes nothing.
        let path = format!("/api/v1/projects/{}", id(&p));
        let r = app
            .http
            .get(app.url(&path))
            .bearer_auth(&app.admin_key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["etag"], "\"v1\"");
        let r = app
            .http
            .patch(app.url(&path))
            .bearer_auth(&app.admin_key)
            .header("If-Match", "\"v1\"")
            .json(&json!({ "status": "archived" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let v: Value = r.json().await.unwrap();
        assert_eq!(
            (v["status"].as_str(), v["version"].as_i64()),
            (Some("archived"), Some(2))
        );
        let seq = app.audit_seq().await;
        let r = app
            .http
            .patch(app.url(&path))
            .bearer_auth(&app.admin_key)
            .header("If-Match", "\"v1\"")
            .json(&json!({ "name": "Renamed" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::PRECONDITION_FAILED);
        assert_eq!(app.audit_seq().await, seq);
        assert_eq!(app.get(&path).await["name"], "Spring course");

        // The organization's delete preview counts its projects.
        let preview = app
            .get(&format!(
                "/api/v1/organizations/{}/delete-preview",
                id(&org)
            ))
            .await;
        assert_eq!(preview["projects"], 2, "{preview}");

        let (s, v) = app.api(Method::DELETE, &path, None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["project"]["id"], p["id"]);
        let (s, _) = app.api(Method::GET, &path, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let actions: Vec<String> = app.get("/api/v1/audit-events?limit=10").await["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap().to_string())
            .collect();
        for a in ["project.create", "project.update", "project.delete"] {
            assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
        }
        // A malformed id is not found too.
        let (s, _) = app
            .api(Method::GET, "/api/v1/projects/prj_nope", None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
);

both_backends!(
    another_trees_projects_are_not_found_and_nothing_changes,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let alpha = app.org("Alpha", None).await;
        let beta = app.org("Beta", None).await;
        let beta_child = app.org("Beta Child", Some(&beta)).await;
        let (_a, akey) = app
            .staff(
                "adminalpha",
                "lms.organization_administrator",
                Some(&alpha),
                Some(&alpha),
            )
            .await;
        let (s, m) = app
            .add_member(&alpha, "learner@example.com", "Lea", "Rner")
            .await;
        assert_eq!(s, StatusCode::CREATED, "{m}");
        let own = project(&app, &alpha, "Alpha course").await;
        let theirs = project(&app, &beta_child, "Beta course").await;

        // Sanity: the administrator manages their own tree's projects.
        let (s, v) = app
            .api_as(
                &akey,
                Method::GET,
                &format!("/api/v1/projects/{}", id(&own)),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");

        let seq = app.audit_seq().await;
        let tp = format!("/api/v1/projects/{}", id(&theirs));
        let instructor = app.role_id("lms.instructor").await;
        let calls: Vec<(Method, String, Option<Value>)> = vec![
            (Method::GET, tp.clone(), None),
            (
                Method::PATCH,
                tp.clone(),
                Some(json!({ "name": "Mine now" })),
            ),
            (Method::DELETE, tp.clone(), None),
            (
                Method::GET,
                format!("/api/v1/organizations/{}/projects", id(&beta_child)),
                None,
            ),
            (
                Method::POST,
                format!("/api/v1/organizations/{}/projects", id(&beta_child)),
                Some(json!({ "name": "Intruder" })),
            ),
            (
                Method::POST,
                format!("/api/v1/users/{}/role-assignments", id(&m["user"])),
                Some(json!({ "role_id": instructor, "scope": id(&theirs) })),
            ),
            (
                Method::POST,
                format!("/api/v1/users/{}/permission-overrides", id(&m["user"])),
                Some(
                    json!({ "effect": "grant", "permission": "projects.view", "scope": id(&theirs) }),
                ),
            ),
            (
                Method::GET,
                format!(
                    "/api/v1/authz/explain?user={}&permission=projects.view&scope={}",
                    id(&m["user"]),
                    id(&theirs)
                ),
                None,
            ),
        ];
        for (method, path, body) in calls {
            let (s, v) = app.api_as(&akey, method.clone(), &path, body).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{method} {path}: {v}");
            assert_ne!(v["detail"], "no such endpoint", "{method} {path}");
        }
        assert_eq!(app.audit_seq().await, seq, "nothing was written");
        let still = app.get(&tp).await;
        assert_eq!(still["name"], "Beta course");
        assert_eq!(still["version"], 1);
    }
);

both_backends!(
    a_project_role_applies_at_its_project_only_and_goes_with_it,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let org = app.org("School", None).await;
        let other_org = app.org("Other School", None).await;
        let p1 = project(&app, &org, "Algebra").await;
        let p2 = project(&app, &org, "Biology").await;
        let (teacher, tkey) = app
            .staff("teacher", "lms.instructor", Some(&org), Some(&p1))
            .await;

        // Explain: allowed at that project, not at the organization nor at another project.
        let e = explain(&app, &teacher, "enrollments.manage", id(&p1)).await;
        assert_eq!(e["decision"], "allowed", "{e}");
        assert_eq!(e["scope"], p1["id"]);
        assert_eq!(e["reasons"][0]["scope"], p1["id"], "{e}");
        let e = explain(&app, &teacher, "enrollments.manage", id(&org)).await;
        assert_eq!(e["decision"], "not-granted", "{e}");
        let e = explain(&app, &teacher, "enrollments.manage", id(&p2)).await;
        assert_eq!(e["decision"], "not-granted", "{e}");

        // The assignment lists with its project scope.
        let list = app
            .get(&format!("/api/v1/users/{}/role-assignments", id(&teacher)))
            .await;
        assert_eq!(list[0]["scope"], p1["id"], "{list}");
        assert_eq!(list[0]["role_level"], "project");

        // An organization role reaches the organization's projects (and no other's).
        let (s, m) = app
            .add_member(&org, "coord@example.com", "Co", "Ordinator")
            .await;
        assert_eq!(s, StatusCode::CREATED, "{m}");
        let (coord, ckey) = app
            .staff(
                "coordinator",
                "lms.content_administrator",
                Some(&org),
                Some(&org),
            )
            .await;
        for p in [&p1, &p2] {
            let e = explain(&app, &coord, "projects.manage", id(p)).await;
            assert_eq!(e["decision"], "allowed", "{e}");
        }
        let other = project(&app, &other_org, "Chemistry").await;
        let e = explain(&app, &coord, "projects.manage", id(&other)).await;
        assert_eq!(e["decision"], "not-granted", "{e}");
        // …and lets them act there through the API.
        let (s, v) = app
            .api_as(
                &ckey,
                Method::PATCH,
                &format!("/api/v1/projects/{}", id(&p2)),
                Some(json!({ "name": "Biology II" })),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, _) = app
            .api_as(
                &ckey,
                Method::GET,
                &format!("/api/v1/projects/{}", id(&other)),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // The instructor holds nothing at the organization: they cannot list its projects.
        let (s, _) = app
            .api_as(
                &tkey,
                Method::GET,
                &format!("/api/v1/organizations/{}/projects", id(&org)),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // Level mismatches are 422 with a clear message, both ways.
        let instructor = app.role_id("lms.instructor").await;
        let (s, v) = app
            .api(
                Method::POST,
                &format!("/api/v1/users/{}/role-assignments", id(&m["user"])),
                Some(json!({ "role_id": instructor, "scope": id(&org) })),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(v.to_string().contains("a project"), "{v}");
        let admin_role = app.role_id("lms.organization_administrator").await;
        let (s, v) = app
            .api(
                Method::POST,
                &format!("/api/v1/users/{}/role-assignments", id(&m["user"])),
                Some(json!({ "role_id": admin_role, "scope": id(&p1) })),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

        // A personal grant at a project scope; a project-level permission only.
        let (s, v) = app
            .api(
                Method::POST,
                &format!("/api/v1/users/{}/permission-overrides", id(&teacher)),
                Some(json!({ "effect": "grant", "permission": "projects.view", "scope": id(&p2) })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(v["scope"], p2["id"]);

        // Deleting the project removes its assignments.
        let (s, v) = app
            .api(
                Method::DELETE,
                &format!("/api/v1/projects/{}", id(&p1)),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["assignments"], 1, "{v}");
        let list = app
            .get(&format!("/api/v1/users/{}/role-assignments", id(&teacher)))
            .await;
        assert_eq!(list, json!([]), "{list}");
        let (s, _) = app
            .api(
                Method::GET,
                &format!(
                    "/api/v1/authz/explain?user={}&permission=projects.view&scope={}",
                    id(&teacher),
                    id(&p1)
                ),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // Deleting the other project takes the grant with it.
        let (s, v) = app
            .api(
                Method::DELETE,
                &format!("/api/v1/projects/{}", id(&p2)),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["overrides"], 1, "{v}");
        let o = app
            .get(&format!(
                "/api/v1/users/{}/permission-overrides",
                id(&teacher)
            ))
            .await;
        assert_eq!(o, json!([]), "{o}");
    }
);

both_backends!(
    deleting_an_organization_takes_its_projects_and_their_assignments,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let root = app.org("Root", None).await;
        let org = app.org("Branch", Some(&root)).await;
        let p = project(&app, &org, "Course").await;
        let (teacher, _) = app
            .staff("teacher", "lms.instructor", Some(&root), Some(&p))
            .await;
        let (s, v) = app
            .api(
                Method::DELETE,
                &format!("/api/v1/organizations/{}", id(&org)),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["projects"], 1, "{v}");
        let (s, _) = app
            .api(Method::GET, &format!("/api/v1/projects/{}", id(&p)), None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let list = app
            .get(&format!("/api/v1/users/{}/role-assignments", id(&teacher)))
            .await;
        assert_eq!(list, json!([]), "{list}");
    }
);

both_backends!(
    console_projects_tab_creates_lists_archives_and_deletes_after_confirmation,
    |app: TestApp| async move {
        use crate::console_access::{console_as, page, submit};
        use reqwest::header::LOCATION;
        app.import_preset("lms").await;
        let org = app.org("Acme", None).await;
        let slug = org["slug"].as_str().unwrap().to_string();
        let base = format!("/organizations/{slug}/projects");
        let (staff, _) = app
            .staff(
                "orgadmin",
                "lms.organization_administrator",
                Some(&org),
                Some(&org),
            )
            .await;
        let c = console_as(&app, "orgadmin").await;

        // The tab, and an empty state that says what to do next.
        let (_, html) = page(&c, &app, &format!("/organizations/{slug}")).await;
        assert!(html.contains("id=\"tab-projects\""), "{html}");
        let (s, html) = page(&c, &app, &base).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("id=\"no-projects\""));
        assert!(html.contains("Create the first one"));
        assert!(html.contains("id=\"new-project\""));

        // A bad name is refused next to the field; nothing is created.
        let r = submit(&c, &app, &base, &base, &[("name", "   ")]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"f-project-name-error\""), "{html}");
        let api = format!("/api/v1/organizations/{}/projects", id(&org));
        assert_eq!(app.get(&api).await["items"], json!([]));

        // Create: redirected back, listed.
        let r = submit(&c, &app, &base, &base, &[("name", "Spring cohort")]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()[LOCATION], base.as_str());
        let (_, html) = page(&c, &app, &base).await;
        assert!(html.contains("Project “Spring cohort” created"), "flash");
        let items = app.get(&api).await["items"].clone();
        assert_eq!(items.as_array().unwrap().len(), 1);
        let pid = items[0]["id"].as_str().unwrap().to_string();
        assert!(html.contains(&format!("data-project=\"{pid}\"")), "{html}");

        // The person's access tab offers the project as a scope.
        let (_, html) = page(&c, &app, &format!("/users/{}/access", id(&staff))).await;
        assert!(
            html.contains(&format!("<option value=\"{pid}\"")),
            "project offered as a scope"
        );

        // Archive.
        let action = format!("{base}/{pid}/status");
        let r = submit(&c, &app, &base, &action, &[("status", "archived")]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            app.get(&format!("/api/v1/projects/{pid}")).await["status"],
            "archived"
        );

        // Delete: the link leads to a confirmation; only the confirmed form deletes.
        let del = format!("{base}/{pid}/delete");
        let (s, html) = page(&c, &app, &del).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("id=\"delete-project-form\""));
        let r = submit(&c, &app, &del, &del, &[]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(app.get(&api).await["items"].as_array().unwrap().len(), 1);
        let r = submit(&c, &app, &del, &del, &[("confirm", "yes")]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(app.get(&api).await["items"], json!([]));
        let (_, html) = page(&c, &app, &base).await;
        assert!(html.contains("id=\"no-projects\""));
        let (s, _) = page(&c, &app, &del).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
);

both_backends!(
    console_assigns_a_project_role_at_a_project,
    |app: TestApp| async move {
        use crate::console_access::{console_as, submit};
        app.import_preset("lms").await;
        let org = app.org("Acme", None).await;
        let p = project(&app, &org, "Algebra").await;
        let (s, m) = app
            .add_member(&org, "learner@example.com", "Lea", "Rner")
            .await;
        assert_eq!(s, StatusCode::CREATED, "{m}");
        let user = m["user"].clone();
        let (s, v) = app
            .api(
                Method::PUT,
                &format!("/api/v1/users/{}/ip-allowlist", id(&user)),
                Some(json!({ "ip_allowlist": "*" })),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let c = console_as(&app, "admin").await;
        let access = format!("/users/{}/access", id(&user));
        let (_, html) = crate::console_access::page(&c, &app, &access).await;
        let role = app.role_id("lms.learner").await;
        assert!(html.contains("Project roles"), "a project roles group");
        // At the organization: refused next to the scope.
        let action = format!("/users/{}/roles", id(&user));
        let r = submit(
            &c,
            &app,
            &access,
            &action,
            &[("role", &role), ("scope", id(&org))],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("a project"));
        // At the project: assigned.
        let r = submit(
            &c,
            &app,
            &access,
            &action,
            &[("role", &role), ("scope", id(&p))],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let list = app
            .get(&format!("/api/v1/users/{}/role-assignments", id(&user)))
            .await;
        assert_eq!(list[0]["scope"], p["id"], "{list}");
    }
);
