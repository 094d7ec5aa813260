//! Reports (R1–R5): each report's numbers against a scenario built here (logins on two days
//! moved by the test clock, administrators, a project with an enrollment), the viewer's
//! scope (another tenant's organizations never show), CSV export (formulas neutralised,
//! `reports.export` required, audited), the console pages and their charts, and a browser
//! that downloads a report.

use crate::both_backends;
use crate::browser::{browser, fill, screenshot};
use crate::console_access::{console_as, page};
use crate::enrollments::{enroll, member, project};
use crate::helpers::*;
use fantoccini::Locator;
use portico_domain::Timestamp;
use portico_domain::day::Day;
use portico_services::Clock;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

/// Logs a member in through the API (a real login: it records the event).
async fn log_in(app: &TestApp, user: &Value) {
    app.login(user["username"].as_str().unwrap(), ADMIN_PASSWORD)
        .await;
}

fn csv_rows(body: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

struct Scenario {
    acme: Value,
    globex: Value,
    day1: Day,
    day2: Day,
    /// Globex's organization administrator's key.
    globex_admin: String,
}

/// Acme: anna, bob (also an external member of Globex). Globex: carl. Day 1: anna logs in
/// twice, bob once. Day 2: bob and carl once each.
async fn scenario(app: &TestApp) -> Scenario {
    app.import_preset("lms").await;
    let acme = app.org("Acme", None).await;
    let globex = app.org("Globex", None).await;
    let anna = member(app, &acme, "anna").await;
    let bob = member(app, &acme, "bob").await;
    let (s, v) = app
        .add_member(&globex, "bob@example.com", "bob", "Test")
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let carl = member(app, &globex, "carl").await;
    for u in [&anna, &bob, &carl] {
        app.activate(u).await;
    }
    let (_, globex_admin) = app
        .staff(
            "gadmin",
            "lms.organization_administrator",
            Some(&globex),
            Some(&globex),
        )
        .await;
    let day1 = Day::of(app.clock.now());
    log_in(app, &anna).await;
    log_in(app, &anna).await;
    log_in(app, &bob).await;
    app.clock.advance_secs(86_400);
    let day2 = Day::of(app.clock.now());
    log_in(app, &bob).await;
    log_in(app, &carl).await;
    Scenario {
        acme,
        globex,
        day1,
        day2,
        globex_admin,
    }
}

fn period(s: &Scenario) -> String {
    format!("from={}&to={}", s.day1, s.day2)
}

both_backends!(
    logins_report_counts_people_days_and_organizations,
    |app: TestApp| async move {
        let s = scenario(&app).await;
        let r = app
            .get(&format!("/api/v1/reports/logins?{}", period(&s)))
            .await;
        assert_eq!(r["distinct_users"], 3, "{r}");
        assert_eq!(r["logins"], 5, "{r}");
        assert_eq!(
            r["per_day"],
            json!([
                { "day": s.day1.to_string(), "logins": 3, "users": 2 },
                { "day": s.day2.to_string(), "logins": 2, "users": 2 },
            ])
        );
        // Bob counts in both of his organizations.
        let orgs: Vec<(String, i64, i64)> = r["per_organization"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                (
                    o["organization_name"].as_str().unwrap().to_string(),
                    o["users"].as_i64().unwrap(),
                    o["logins"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(orgs, [("Acme".into(), 2, 4), ("Globex".into(), 2, 3)]);
        assert!(r["users"].is_null(), "no drill-down unless asked");

        // Drill-down: one day, one organization, both.
        let d = app
            .get(&format!(
                "/api/v1/reports/logins?{}&day={}",
                period(&s),
                s.day1
            ))
            .await;
        let who: Vec<(&str, i64)> = d["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| {
                (
                    u["username"].as_str().unwrap(),
                    u["logins"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(who, [("anna", 2), ("bob", 1)]);
        let d = app
            .get(&format!(
                "/api/v1/reports/logins?{}&organization={}",
                period(&s),
                id(&s.globex)
            ))
            .await;
        let who: Vec<(&str, i64)> = d["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| {
                (
                    u["username"].as_str().unwrap(),
                    u["logins"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(who, [("bob", 2), ("carl", 1)]);
        let d = app
            .get(&format!(
                "/api/v1/reports/logins?{}&organization={}&day={}",
                period(&s),
                id(&s.globex),
                s.day2
            ))
            .await;
        assert_eq!(d["users"].as_array().unwrap().len(), 2, "{d}");
        let last = Timestamp(s.day2.start().millis());
        assert!(d["users"][0]["last_login_at"].as_str().unwrap() >= last.to_rfc3339().as_str());

        // A period outside the logins is empty; bad periods are refused with the field.
        let r = app
            .get(&format!(
                "/api/v1/reports/logins?from={}&to={}",
                s.day1.plus(-9),
                s.day1.plus(-1)
            ))
            .await;
        assert_eq!(
            (
                r["distinct_users"].as_i64(),
                r["per_day"].as_array().unwrap().len()
            ),
            (Some(0), 9)
        );
        let (st, v) = app
            .api(
                Method::GET,
                &format!("/api/v1/reports/logins?from={}&to={}", s.day2, s.day1),
                None,
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["field"], "from");
        let (st, _) = app
            .api(Method::GET, "/api/v1/reports/logins?from=2026-02-30", None)
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);

        // R5: Globex's administrator sees Globex's members only, and no Acme at all.
        let (st, r) = app
            .api_as(
                &s.globex_admin,
                Method::GET,
                &format!("/api/v1/reports/logins?{}", period(&s)),
                None,
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{r}");
        assert_eq!(
            (r["distinct_users"].as_i64(), r["logins"].as_i64()),
            (Some(2), Some(3)),
            "{r}"
        );
        assert_eq!(r["per_day"][0]["users"], 1, "day 1: bob only");
        assert_eq!(r["per_organization"].as_array().unwrap().len(), 1);
        assert_eq!(r["per_organization"][0]["organization_id"], s.globex["id"]);
        assert!(
            !r.to_string().contains("Acme") && !r.to_string().contains("anna"),
            "{r}"
        );
        let (st, _) = app
            .api_as(
                &s.globex_admin,
                Method::GET,
                &format!(
                    "/api/v1/reports/logins?{}&organization={}",
                    period(&s),
                    id(&s.acme)
                ),
                None,
            )
            .await;
        assert_eq!(st, StatusCode::NOT_FOUND, "another tenant's drill-down");
    }
);

both_backends!(
    admin_and_activity_reports_list_what_the_viewer_reaches,
    |app: TestApp| async move {
        let s = scenario(&app).await;
        let (_, _acme_admin) = app
            .staff(
                "aadmin",
                "lms.organization_administrator",
                Some(&s.acme),
                Some(&s.acme),
            )
            .await;
        let p = project(&app, &s.acme, "Spring cohort").await;
        project(&app, &s.acme, "Autumn cohort").await;
        let teacher = member(&app, &s.acme, "teacher").await;
        app.allow_all(&teacher).await;
        app.assign(&teacher, "lms.instructor", Some(&p)).await;
        let learner = app.role_id("lms.learner").await;
        let anna = &app.get("/api/v1/users?q=anna").await["items"][0].clone();
        let (st, v) = enroll(&app, &app.admin_key, &p, anna, &learner).await;
        assert_eq!(st, StatusCode::CREATED, "{v}");

        // R2 as the super admin: both organizations' administrators.
        let r = app.get("/api/v1/reports/organization-admins").await;
        let rows: Vec<(&str, &str, &str)> = r["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                (
                    x["organization_name"].as_str().unwrap(),
                    x["username"].as_str().unwrap(),
                    x["role_name"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("Acme", "aadmin", "Organization administrator"),
                ("Globex", "gadmin", "Organization administrator")
            ]
        );
        // R3: the instructor at the project.
        let r = app.get("/api/v1/reports/project-admins").await;
        assert_eq!(r["items"].as_array().unwrap().len(), 1, "{r}");
        assert_eq!(r["items"][0]["project_id"], p["id"]);
        assert_eq!(r["items"][0]["username"], "teacher");
        assert_eq!(r["items"][0]["role_name"], "Instructor");
        assert!(r["items"][0]["last_login_at"].is_null(), "never logged in");
        // R4: every organization, its projects, enrollments, totals.
        let r = app.get("/api/v1/reports/system-activity").await;
        assert_eq!(
            r["totals"],
            // Acme: anna, bob, aadmin, teacher; Globex: bob, carl, gadmin.
            json!({ "organizations": 2, "members": 7, "projects": 2, "enrollments": 1 }),
            "{r}"
        );
        let acme = &r["organizations"][0];
        assert_eq!(acme["organization_name"], "Acme");
        assert_eq!(
            (acme["enrollments"].as_i64(), acme["members"].as_i64()),
            (Some(1), Some(4))
        );
        assert_eq!(r["organizations"][1]["members"], 3);
        let projects: Vec<(&str, i64)> = acme["projects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["name"].as_str().unwrap(),
                    p["enrollments"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(projects, [("Autumn cohort", 0), ("Spring cohort", 1)]);
        assert_eq!(r["organizations"][1]["projects"], json!([]));

        // R5: Globex's administrator sees Globex only, in every report.
        for path in [
            "/api/v1/reports/organization-admins",
            "/api/v1/reports/project-admins",
            "/api/v1/reports/system-activity",
        ] {
            let (st, r) = app.api_as(&s.globex_admin, Method::GET, path, None).await;
            assert_eq!(st, StatusCode::OK, "{path}: {r}");
            assert!(!r.to_string().contains("Acme"), "{path}: {r}");
            assert!(!r.to_string().contains(id(&s.acme)), "{path}: {r}");
        }
        let (_, r) = app
            .api_as(
                &s.globex_admin,
                Method::GET,
                "/api/v1/reports/organization-admins",
                None,
            )
            .await;
        assert_eq!(r["items"].as_array().unwrap().len(), 1);
        let (_, r) = app
            .api_as(
                &s.globex_admin,
                Method::GET,
                "/api/v1/reports/system-activity",
                None,
            )
            .await;
        assert_eq!(r["totals"]["organizations"], 1);
        // Someone without reports.view anywhere is refused.
        let (_, nobody) = app
            .staff("aff", "lms.learner", Some(&s.acme), Some(&p))
            .await;
        let (st, _) = app
            .api_as(
                &nobody,
                Method::GET,
                "/api/v1/reports/system-activity",
                None,
            )
            .await;
        assert_eq!(st, StatusCode::FORBIDDEN);
    }
);

both_backends!(
    csv_exports_neutralise_formulas_need_the_permission_and_are_audited,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let acme = app.org("+1 Holdings", None).await;
        let (st, v) = app
            .add_member(
                &acme,
                "evil@example.com",
                "=HYPERLINK(\"http://evil\")",
                "@SUM(A1)",
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        let evil = v["user"].clone();
        app.allow_all(&evil).await;
        app.assign(&evil, "lms.organization_administrator", Some(&acme))
            .await;

        let (st, body) = app
            .csv_as(&app.admin_key, "/api/v1/reports/organization-admins")
            .await;
        assert_eq!(st, StatusCode::OK, "{body}");
        let rows = csv_rows(&body);
        assert_eq!(rows[0][..3], ["organization_id", "organization", "user_id"]);
        assert_eq!(rows[1][1], "'+1 Holdings");
        assert_eq!(rows[1][4], "'=HYPERLINK(\"http://evil\")");
        assert_eq!(rows[1][5], "'@SUM(A1)");
        assert_eq!(rows[1][7], "Organization administrator");
        let (st, body) = app
            .csv_as(&app.admin_key, "/api/v1/reports/system-activity")
            .await;
        assert_eq!(st, StatusCode::OK);
        let rows = csv_rows(&body);
        assert_eq!(rows[1][1], "'+1 Holdings", "{body}");
        assert_eq!(rows.last().unwrap()[6], "0", "the totals row");
        let (st, body) = app
            .csv_as(&app.admin_key, "/api/v1/reports/logins?view=days")
            .await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(csv_rows(&body).len(), 31, "a header and 30 days: {body}");
        let exports = app.get("/api/v1/audit-events?action=report.export").await;
        let reports: Vec<&str> = exports["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["changes"]["report"].as_str().unwrap())
            .collect();
        assert_eq!(
            reports,
            ["logins", "system-activity", "organization-admins"]
        );

        // A content administrator reads reports but may not export them.
        let (_, content) = app
            .staff(
                "content",
                "lms.content_administrator",
                Some(&acme),
                Some(&acme),
            )
            .await;
        let (st, _) = app
            .api_as(
                &content,
                Method::GET,
                "/api/v1/reports/organization-admins",
                None,
            )
            .await;
        assert_eq!(st, StatusCode::OK);
        let seq = app.audit_seq().await;
        for path in [
            "/api/v1/reports/organization-admins",
            "/api/v1/reports/logins",
            "/api/v1/reports/system-activity",
            "/api/v1/reports/project-admins",
        ] {
            let (st, body) = app.csv_as(&content, path).await;
            assert_eq!(st, StatusCode::FORBIDDEN, "{path}: {body}");
            assert!(body.contains("reports.export"), "{body}");
        }
        assert_eq!(
            app.audit_seq().await,
            seq,
            "a refused export is not an export"
        );
    }
);

both_backends!(
    console_report_pages_draw_charts_and_hide_what_is_not_allowed,
    |app: TestApp| async move {
        let s = scenario(&app).await;
        let c = console_as(&app, "admin").await;
        let (st, home) = page(&c, &app, "/").await;
        assert_eq!(st, StatusCode::OK);
        assert!(home.contains("id=\"nav-reports\""), "{home}");
        assert!(home.contains("id=\"kpi-active\""), "{home}");
        assert!(home.contains("id=\"home-logins-chart\""), "{home}");
        assert!(
            home.contains("<svg") && home.contains("<polyline"),
            "the logins chart"
        );
        let (st, html) = page(&c, &app, &format!("/reports/logins?{}", period(&s))).await;
        assert_eq!(st, StatusCode::OK, "{html}");
        assert!(html.contains("id=\"logins-chart\""), "{html}");
        assert!(html.contains("id=\"logins-export\""), "{html}");
        assert!(
            html.contains("id=\"per-org\"") && html.contains("Globex"),
            "{html}"
        );
        let (st, html) = page(
            &c,
            &app,
            &format!("/reports/logins?{}&day={}", period(&s), s.day1),
        )
        .await;
        assert_eq!(st, StatusCode::OK);
        assert!(
            html.contains("id=\"drill-users\"") && html.contains(">anna<"),
            "{html}"
        );
        for path in [
            "/reports",
            "/reports/organization-admins",
            "/reports/project-admins",
            "/reports/system-activity",
        ] {
            let (st, html) = page(&c, &app, path).await;
            assert_eq!(st, StatusCode::OK, "{path}: {html}");
        }
        let (_, html) = page(&c, &app, "/reports/system-activity").await;
        assert!(html.contains("id=\"seats-chart\""), "{html}");
        // The organization's Overview shows its own sign-ins.
        let (_, html) = page(
            &c,
            &app,
            &format!("/organizations/{}", s.globex["slug"].as_str().unwrap()),
        )
        .await;
        assert!(html.contains("id=\"org-logins-chart\""), "{html}");
        assert!(
            html.contains("<strong id=\"org-active-users\">2</strong>"),
            "{html}"
        );

        // Someone who may read but not export sees no download link, and the file is refused.
        app.staff(
            "content",
            "lms.content_administrator",
            Some(&s.acme),
            Some(&s.acme),
        )
        .await;
        let c2 = console_as(&app, "content").await;
        let (st, html) = page(&c2, &app, "/reports/organization-admins").await;
        assert_eq!(st, StatusCode::OK, "{html}");
        assert!(!html.contains("id=\"report-export\""), "{html}");
        assert!(!html.contains("Globex"), "another tenant: {html}");
        let (st, _) = page(&c2, &app, "/reports/organization-admins.csv").await;
        assert_eq!(st, StatusCode::FORBIDDEN);
    }
);

both_backends!(
    the_cli_operator_sees_everything_and_exports_are_audited,
    |app: TestApp| async move {
        // The CLI runs these same service calls as the super admin; checked in the CLI's own
        // test binary. Here: the JSON and CSV shapes agree.
        let s = scenario(&app).await;
        let json = app
            .get(&format!("/api/v1/reports/logins?{}", period(&s)))
            .await;
        let (st, body) = app
            .csv_as(
                &app.admin_key,
                &format!("/api/v1/reports/logins?{}&view=organizations", period(&s)),
            )
            .await;
        assert_eq!(st, StatusCode::OK);
        let rows = csv_rows(&body);
        assert_eq!(
            rows.len() - 1,
            json["per_organization"].as_array().unwrap().len()
        );
        assert_eq!(rows[1][1], "Acme");
        assert_eq!(rows[1][2], "2");
        assert_eq!(rows[1][3], "4");
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_downloads_a_report_as_csv() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let s = scenario(&app).await;
    let e = |step: &'static str| move |err: fantoccini::error::CmdError| format!("{step}: {err}");
    let outcome: Result<String, String> = async {
        c.goto(&app.url(&format!("/reports/logins?{}", period(&s))))
            .await
            .map_err(e("open"))?;
        fill(&c, "form#login input[name=login]", "admin")
            .await
            .map_err(e("login"))?;
        fill(&c, "form#login input[name=password]", ADMIN_PASSWORD)
            .await
            .map_err(e("password"))?;
        c.find(Locator::Css("form#login button[type=submit]"))
            .await
            .map_err(e("button"))?
            .click()
            .await
            .map_err(e("click"))?;
        c.wait()
            .for_element(Locator::Css("#logins-chart svg"))
            .await
            .map_err(e("the chart"))?;
        let link = c
            .find(Locator::Css("a#logins-export"))
            .await
            .map_err(e("the Download CSV link"))?;
        let href = link
            .attr("href")
            .await
            .map_err(e("href"))?
            .ok_or("no href")?;
        let cookies = c.get_all_cookies().await.map_err(e("cookies"))?;
        let cookie = cookies
            .iter()
            .map(|k| format!("{}={}", k.name(), k.value()))
            .collect::<Vec<_>>()
            .join("; ");
        let r = reqwest::Client::new()
            .get(app.url(&href))
            .header(reqwest::header::COOKIE, cookie)
            .send()
            .await
            .map_err(|x| x.to_string())?;
        if r.headers()[reqwest::header::CONTENT_TYPE] != "text/csv; charset=utf-8" {
            return Err(format!("not a CSV: {:?}", r.headers()));
        }
        r.text().await.map_err(|x| x.to_string())
    }
    .await;
    let body = match outcome {
        Ok(b) => b,
        Err(msg) => {
            screenshot(&c, "reports_download").await;
            let _ = c.close().await;
            panic!("{msg}");
        }
    };
    let rows = csv_rows(&body);
    assert_eq!(rows[0], ["day", "logins", "distinct_users"]);
    assert_eq!(rows[1], [s.day1.to_string(), "3".into(), "2".into()]);
    // The admin's own browser login happened on day 2.
    assert_eq!(rows[2][0], s.day2.to_string());
    c.close().await.unwrap();
}
