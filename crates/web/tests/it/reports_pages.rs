//! R3 and R4 a page of organizations at a time (JSON and console; the CSV stays whole), and
//! R4's enrollments per project, kept by the database for every way an enrollment comes or
//! goes: enrolling, unenrolling, a removed membership, a deleted person.

use crate::both_backends;
use crate::console_access::{console_as, page};
use crate::enrollments::{enroll, member, project};
use crate::helpers::*;
use portico_domain::Timestamp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

/// Each project of R4's answer with its enrollments, as (organization, project, count).
fn counts(r: &Value) -> Vec<(String, String, i64)> {
    let mut out = Vec::new();
    for o in r["organizations"].as_array().unwrap() {
        for p in o["projects"].as_array().unwrap() {
            out.push((
                o["organization_name"].as_str().unwrap().to_string(),
                p["name"].as_str().unwrap().to_string(),
                p["enrollments"].as_i64().unwrap(),
            ));
        }
    }
    out
}

fn names(r: &Value, list: &str, field: &str) -> Vec<String> {
    let v: Vec<String> = r[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x[field].as_str().unwrap().to_string())
        .collect();
    v
}

both_backends!(
    enrollment_counts_follow_every_change,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let acme = app.org("Acme", None).await;
        let spring = project(&app, &acme, "Spring").await;
        let summer = project(&app, &acme, "Summer").await;
        let learner = app.role_id("lms.learner").await;
        let anna = member(&app, &acme, "anna").await;
        let bob = member(&app, &acme, "bob").await;
        // Carl belongs to Globex and joins Acme as an external member.
        let globex = app.org("Globex", None).await;
        member(&app, &globex, "carl").await;
        let carl = member(&app, &acme, "carl").await;
        for (p, u) in [
            (&spring, &anna),
            (&spring, &bob),
            (&spring, &carl),
            (&summer, &anna),
        ] {
            let (s, v) = enroll(&app, &app.admin_key, p, u, &learner).await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
        }
        // Enrolling twice is refused and counts nothing.
        let (s, _) = enroll(&app, &app.admin_key, &spring, &anna, &learner).await;
        assert_eq!(s, StatusCode::CONFLICT);
        let activity = || async { app.get("/api/v1/reports/system-activity").await };
        let r = activity().await;
        assert_eq!(
            counts(&r),
            [
                ("Acme".into(), "Spring".into(), 3),
                ("Acme".into(), "Summer".into(), 1)
            ]
        );
        assert_eq!(r["totals"]["enrollments"], 4, "{r}");

        app.delete_ok(&format!(
            "/api/v1/projects/{}/enrollments/{}",
            id(&spring),
            id(&bob)
        ))
        .await;
        assert_eq!(counts(&activity().await)[0].2, 2, "unenrolled");

        // Carl leaves Acme: his enrollment goes with the membership.
        app.delete_ok(&format!(
            "/api/v1/organizations/{}/members/{}",
            id(&acme),
            id(&carl)
        ))
        .await;
        assert_eq!(counts(&activity().await)[0].2, 1, "membership removed");

        // The console's Projects tab reads the same kept counts.
        let c = console_as(&app, "admin").await;
        let tab = format!("/organizations/{}/projects", acme["slug"].as_str().unwrap());
        let cells = |html: &str| -> Vec<String> {
            html.split("class=\"num enrollment-count\">")
                .skip(1)
                .map(|s| s.split('<').next().unwrap().to_string())
                .collect()
        };
        let (_, html) = page(&c, &app, &tab).await;
        assert_eq!(cells(&html), ["1", "1"], "Spring, Summer");

        // Anna is erased: both of her enrollments go.
        app.delete_ok(&format!("/api/v1/users/{}", id(&anna))).await;
        let r = activity().await;
        assert_eq!(
            counts(&r),
            [
                ("Acme".into(), "Spring".into(), 0),
                ("Acme".into(), "Summer".into(), 0)
            ]
        );
        assert_eq!(r["totals"]["enrollments"], 0, "{r}");
        let (_, html) = page(&c, &app, &tab).await;
        assert_eq!(cells(&html), ["0", "0"]);

        // Dan enrolls in Summer, which is then deleted: the totals lose its enrollment.
        let dan = member(&app, &acme, "dan").await;
        let (s, v) = enroll(&app, &app.admin_key, &summer, &dan, &learner).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(activity().await["totals"]["enrollments"], 1);
        app.delete_ok(&format!("/api/v1/projects/{}", id(&summer)))
            .await;
        let r = activity().await;
        assert_eq!(counts(&r), [("Acme".into(), "Spring".into(), 0)]);
        assert_eq!(r["totals"]["enrollments"], 0, "{r}");
    }
);

both_backends!(
    activity_and_project_admins_come_a_page_of_organizations_at_a_time,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let alpha = app.org("Alpha", None).await;
        let beta = app.org("Beta", None).await;
        let gamma = app.org("Gamma", None).await;
        let learner = app.role_id("lms.learner").await;
        // Alpha and Gamma have an instructor each; Beta has a project and a learner only.
        for (org, who) in [(&alpha, "ann"), (&gamma, "gil")] {
            let p = project(
                &app,
                org,
                &format!("{} course", org["name"].as_str().unwrap()),
            )
            .await;
            let teacher = member(&app, org, who).await;
            app.allow_all(&teacher).await;
            app.assign(&teacher, "lms.instructor", Some(&p)).await;
        }
        let bp = project(&app, &beta, "Beta course").await;
        let bea = member(&app, &beta, "bea").await;
        let (s, v) = enroll(&app, &app.admin_key, &bp, &bea, &learner).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");

        // R4: two organizations, then the last one; the totals cover all three each time.
        let first = app.get("/api/v1/reports/system-activity?limit=2").await;
        assert_eq!(
            names(&first, "organizations", "organization_name"),
            ["Alpha", "Beta"]
        );
        let cursor = first["next_cursor"]
            .as_str()
            .expect("a next page")
            .to_string();
        let last = app
            .get(&format!(
                "/api/v1/reports/system-activity?limit=2&cursor={cursor}"
            ))
            .await;
        assert_eq!(
            names(&last, "organizations", "organization_name"),
            ["Gamma"]
        );
        assert!(last["next_cursor"].is_null(), "{last}");
        for r in [&first, &last] {
            assert_eq!(r["totals"]["organizations"], 3, "{r}");
            assert_eq!(r["totals"]["projects"], 3, "{r}");
            assert_eq!(r["totals"]["enrollments"], 1, "{r}");
        }
        // Without a limit, one page holds them all.
        let all = app.get("/api/v1/reports/system-activity").await;
        assert_eq!(
            names(&all, "organizations", "organization_name"),
            ["Alpha", "Beta", "Gamma"]
        );
        assert!(all["next_cursor"].is_null());

        // Delta's only instructor's assignment has expired (P3): R3 skips Delta too.
        let delta = app.org("Delta", None).await;
        let dp = project(&app, &delta, "Delta course").await;
        let dee = member(&app, &delta, "dee").await;
        app.allow_all(&dee).await;
        let expires = Timestamp(app.services.now().millis() + 3_600_000).to_rfc3339();
        let role = app.role_id("lms.instructor").await;
        let (s, v) = app
            .api(
                Method::POST,
                &format!("/api/v1/users/{}/role-assignments", id(&dee)),
                Some(json!({ "role_id": role, "scope": dp["id"], "expires_at": expires })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let (_, csv) = app
            .csv_as(&app.admin_key, "/api/v1/reports/project-admins")
            .await;
        assert!(csv.contains("dee"), "live until it expires: {csv}");
        app.clock.advance_secs(3601);

        // R3 pages over the organizations that have live project administrators: Beta and
        // Delta are skipped.
        let first = app.get("/api/v1/reports/project-admins?limit=1").await;
        assert_eq!(names(&first, "items", "username"), ["ann"]);
        let cursor = first["next_cursor"]
            .as_str()
            .expect("a next page")
            .to_string();
        let second = app
            .get(&format!(
                "/api/v1/reports/project-admins?limit=1&cursor={cursor}"
            ))
            .await;
        assert_eq!(names(&second, "items", "username"), ["gil"]);
        assert!(second["next_cursor"].is_null(), "{second}");
        let (_, csv) = app
            .csv_as(&app.admin_key, "/api/v1/reports/project-admins")
            .await;
        assert!(!csv.contains("dee"), "expired: {csv}");

        // Bad paging is refused with the field named; an unknown parameter or a malformed
        // number as a malformed query.
        for (q, status, field) in [
            ("limit=0", StatusCode::UNPROCESSABLE_ENTITY, "limit"),
            ("limit=201", StatusCode::UNPROCESSABLE_ENTITY, "limit"),
            ("cursor=zz", StatusCode::UNPROCESSABLE_ENTITY, "cursor"),
            ("page=2", StatusCode::BAD_REQUEST, ""),
            ("limit=abc", StatusCode::BAD_REQUEST, ""),
        ] {
            for report in ["system-activity", "project-admins"] {
                let (s, v) = app
                    .api(Method::GET, &format!("/api/v1/reports/{report}?{q}"), None)
                    .await;
                assert_eq!(s, status, "{report}?{q}: {v}");
                if field.is_empty() {
                    assert_eq!(v["type"], "urn:portico:problem:invalid-query", "{v}");
                    assert!(
                        v["detail"].as_str().unwrap_or_default().contains(&q[..4]),
                        "names the parameter: {v}"
                    );
                } else {
                    assert_eq!(v["field"], field, "{report}?{q}: {v}");
                }
            }
        }

        // The CSV is the whole report whatever the page asked for.
        let (s, csv) = app
            .csv_as(&app.admin_key, "/api/v1/reports/system-activity?limit=1")
            .await;
        assert_eq!(s, StatusCode::OK, "{csv}");
        for name in ["Alpha", "Beta", "Gamma"] {
            assert!(csv.contains(name), "{csv}");
        }

        // Gamma's administrator pages through Gamma alone (R5).
        let (_, key) = app
            .staff(
                "gadmin",
                "lms.organization_administrator",
                Some(&gamma),
                Some(&gamma),
            )
            .await;
        let (s, r) = app
            .api_as(
                &key,
                Method::GET,
                "/api/v1/reports/system-activity?limit=1",
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!(names(&r, "organizations", "organization_name"), ["Gamma"]);
        assert!(r["next_cursor"].is_null(), "{r}");
        assert_eq!(r["totals"]["organizations"], 1, "{r}");
        let (s, r) = app
            .api_as(
                &key,
                Method::GET,
                "/api/v1/reports/project-admins?limit=1",
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!(names(&r, "items", "username"), ["gil"]);
        assert!(r["next_cursor"].is_null(), "{r}");
    }
);

both_backends!(
    the_console_pages_system_activity_by_organization,
    |app: TestApp| async move {
        // One more organization than a console page lists.
        for i in 0..51 {
            app.org(&format!("Org {i:02}"), None).await;
        }
        let c = console_as(&app, "admin").await;
        let (s, html) = page(&c, &app, "/reports/system-activity").await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            html.contains("Org 49") && !html.contains("Org 50"),
            "{html}"
        );
        assert!(html.contains("id=\"total-orgs\""), "{html}");
        assert!(html.contains("id=\"seats-chart\""), "{html}");
        assert!(
            html.contains("stat-value\">51<"),
            "the totals count every page: {html}"
        );
        // minijinja escapes the link's slashes.
        let next = html
            .split("href=\"")
            .map(|s| s.split('"').next().unwrap().replace("&#x2f;", "/"))
            .find(|h| h.starts_with("/reports/system-activity?cursor="))
            .expect("a next-page link")
            .replace("&amp;", "&");
        let (s, html) = page(&c, &app, &next).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            html.contains("Org 50") && !html.contains("Org 49"),
            "{html}"
        );
        assert!(html.contains("id=\"first-page\""), "{html}");
        assert!(
            !html.contains("id=\"seats-chart\""),
            "the chart covers every organization: the first page only"
        );
        assert!(!html.contains("id=\"next-page\""), "{html}");
    }
);
