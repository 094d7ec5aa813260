//! AU1–AU2, R5: the audit log's CSV export (API and console) and the console's audit page.

use crate::both_backends;
use crate::helpers::{ADMIN_PASSWORD, TestApp};
use portico_services::records::AuditFilter;
use reqwest::header::{ACCEPT, CONTENT_DISPOSITION, CONTENT_TYPE, USER_AGENT};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const FORMULA: &str = "=HYPERLINK(\"http://x\")";

/// A CSV body as rows of cells (the header row first).
fn parse_csv(body: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body.as_bytes())
        .records()
        .map(|r| r.expect("valid CSV").iter().map(str::to_string).collect())
        .collect()
}

/// `GET path` as the super admin's key with `Accept: text/csv`; checks the download headers.
async fn api_csv(app: &TestApp, path: &str) -> Vec<Vec<String>> {
    let res = app
        .http
        .get(app.url(path))
        .bearer_auth(&app.admin_key)
        .header(ACCEPT, "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "GET {path}");
    assert_eq!(res.headers()[CONTENT_TYPE], "text/csv; charset=utf-8");
    assert_eq!(
        res.headers()[CONTENT_DISPOSITION],
        "attachment; filename=\"audit-events.csv\""
    );
    parse_csv(&res.text().await.unwrap())
}

/// Every entry the JSON API lists for `query`, newest first.
async fn json_entries(app: &TestApp, query: &str) -> Vec<Value> {
    let v = app
        .get(&format!("/api/v1/audit-events?limit=200&{query}"))
        .await;
    assert!(v["next_cursor"].is_null(), "fits one page");
    v["items"].as_array().unwrap().clone()
}

fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("column {name}"))
}

both_backends!(
    api_csv_export_has_every_entry_filters_and_no_formulas,
    |app: TestApp| async move {
        let alpha = app.org("Alpha", None).await;
        app.add_member(&alpha, "ann@example.com", "Ann", "Lee")
            .await;
        // A formula in a name (lands inside the changes JSON) and as a whole cell (the user
        // agent of the request that created it).
        let res = app
            .http
            .post(app.url("/api/v1/organizations"))
            .bearer_auth(&app.admin_key)
            .header(USER_AGENT, FORMULA)
            .json(&json!({ "name": FORMULA }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let formula_org: Value = res.json().await.unwrap();

        // Everything: a header row, then one row per entry, newest first.
        let all = json_entries(&app, "").await;
        let rows = api_csv(&app, "/api/v1/audit-events").await;
        let header = &rows[0];
        assert_eq!(header[..4], ["seq", "id", "at", "action"].map(String::from));
        for c in [
            "actor_user_id",
            "ip",
            "organization_id",
            "changes",
            "personal",
        ] {
            col(header, c);
        }
        assert_eq!(rows.len() - 1, all.len());
        let seqs: Vec<String> = rows[1..].iter().map(|r| r[0].clone()).collect();
        let want: Vec<String> = all.iter().map(|e| e["seq"].to_string()).collect();
        assert_eq!(seqs, want);

        // The formula is neutralised where it starts a cell, and inert inside JSON.
        let (ua, changes, action) = (
            col(header, "user_agent"),
            col(header, "changes"),
            col(header, "action"),
        );
        let created = rows
            .iter()
            .find(|r| {
                r[action] == "organization.create"
                    && r[col(header, "organization_id")] == formula_org["id"].as_str().unwrap()
            })
            .expect("the formula organization's entry");
        assert_eq!(created[ua], format!("'{FORMULA}"));
        assert!(created[ua].starts_with('\''));
        assert!(created[changes].starts_with('{'));
        let parsed: Value = serde_json::from_str(&created[changes]).unwrap();
        assert_eq!(parsed["name"], FORMULA);
        for row in &rows {
            for cell in row {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "unneutralised cell {cell:?}"
                );
            }
        }

        // Filters apply, as on the JSON listing.
        let orgs = api_csv(&app, "/api/v1/audit-events?action=organization.").await;
        assert_eq!(orgs.len() - 1, 2);
        assert!(
            orgs[1..]
                .iter()
                .all(|r| r[action].starts_with("organization."))
        );
        let alpha_id = alpha["id"].as_str().unwrap();
        let in_alpha = api_csv(
            &app,
            &format!("/api/v1/audit-events?organization={alpha_id}"),
        )
        .await;
        let org_col = col(header, "organization_id");
        assert!(in_alpha[1..].iter().all(|r| r[org_col] == alpha_id));
        assert_eq!(
            in_alpha.len() - 1,
            json_entries(&app, &format!("organization={alpha_id}"))
                .await
                .len()
        );
        assert_eq!(in_alpha.len() - 1, 3, "organization, user, member");
        let bad = app
            .http
            .get(app.url("/api/v1/audit-events?organization=nope"))
            .bearer_auth(&app.admin_key)
            .header(ACCEPT, "text/csv")
            .send()
            .await
            .unwrap();
        assert_eq!(
            bad.status(),
            StatusCode::NOT_FOUND,
            "a malformed id names no organization"
        );

        // Each export is itself audited, with its filters and row count.
        let exports = json_entries(&app, "action=audit.export").await;
        assert_eq!(exports.len(), 3);
        let me = app.get("/api/v1/auth/me").await;
        assert!(
            exports
                .iter()
                .all(|e| e["actor_user_id"] == me["user"]["id"])
        );
        assert_eq!(
            exports[0]["changes"]["filters"]["organization_id"],
            alpha_id
        );
        assert_eq!(exports[0]["changes"]["rows"], 3);
        assert_eq!(exports[1]["changes"]["filters"]["action"], "organization.");
        assert_eq!(exports[1]["changes"]["rows"], 2);
        assert_eq!(exports[2]["changes"]["rows"], all.len());
        assert_eq!(exports[2]["changes"]["truncated"], false);
        // The JSON listing is untouched by `Accept` negotiation.
        let (s, v) = app
            .api(Method::GET, "/api/v1/audit-events?limit=1", None)
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["items"].as_array().unwrap().len(), 1);
    }
);

both_backends!(
    export_stops_at_the_cap_and_says_so,
    |app: TestApp| async move {
        for n in ["One", "Two", "Three"] {
            app.org(n, None).await;
        }
        let bo = app
            .services
            .back_office(app.services.cli_principal().await.unwrap())
            .await
            .unwrap();
        let rows = app
            .services
            .export_audit(&bo, AuditFilter::default(), 2)
            .await
            .unwrap();
        assert_eq!(rows.len(), 2);
        assert!(rows[0].seq > rows[1].seq, "newest first");
        let e = &json_entries(&app, "action=audit.export").await[0];
        assert_eq!(e["changes"]["rows"], 2);
        assert_eq!(e["changes"]["truncated"], true);
        // Exactly at the cap is not truncated.
        let orgs = AuditFilter {
            action_prefix: Some("organization.".into()),
            ..Default::default()
        };
        let rows = app.services.export_audit(&bo, orgs, 3).await.unwrap();
        assert_eq!(rows.len(), 3);
        let e = &json_entries(&app, "action=audit.export").await[0];
        assert_eq!(e["changes"]["truncated"], false);
    }
);

both_backends!(
    console_audit_page_lists_filters_and_exports,
    |app: TestApp| async move {
        let org = app.org("Consolata", None).await;
        let (_, added) = app
            .add_member(&org, "gone@example.com", "Gwen", "Gone")
            .await;
        let gone = added["user"]["id"].as_str().unwrap().to_string();
        let (s, _) = app
            .api(Method::DELETE, &format!("/api/v1/users/{gone}"), None)
            .await;
        assert!(s.is_success(), "delete user: {s}");
        let (c, _) = app.login("admin", ADMIN_PASSWORD).await;
        let page = |path: &'static str| {
            let c = c.clone();
            let url = app.url(path);
            async move {
                let r = c.get(url).send().await.unwrap();
                // minijinja escapes `/` in attributes as `&#x2f;`.
                (r.status(), r.text().await.unwrap().replace("&#x2f;", "/"))
            }
        };

        let (s, html) = page("/audit").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("id=\"audit\""));
        assert!(html.contains("id=\"nav-audit\""));
        assert!(html.contains("data-action=\"organization.create\""));
        assert!(html.contains("data-action=\"login.success\""));
        assert!(html.contains("Organization created"));
        assert!(
            html.contains(">Consolata</a>"),
            "organization name resolved"
        );
        assert!(html.contains("<details"));
        assert!(html.contains("id=\"audit-export\""));

        let (s, html) = page("/audit?action=organization").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("data-action=\"organization.create\""));
        assert!(!html.contains("data-action=\"login.success\""));
        assert!(!html.contains("data-action=\"member.add\""));
        assert!(html.contains("href=\"/audit/export.csv?action=organization\""));

        // By slug; the erased person's entries say so.
        let (s, html) = page("/audit?organization=consolata").await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            html.contains("data-action=\"member.remove_and_delete\"")
                || html.contains("data-action=\"member.add\"")
        );
        assert!(!html.contains("data-action=\"login.success\""));
        assert!(
            html.contains("badge-erased"),
            "the deleted user's data is erased"
        );
        assert!(html.contains("a deleted user"));

        let (s, html) = page("/audit?action=nothing.here").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("id=\"audit-empty\""));
        assert!(!html.contains("id=\"audit\""));
        let (s, html) = page("/audit?organization=no-such-org").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("No organization has this slug or id."));

        // The console's export: same file, same filters, audited.
        let r = c
            .get(app.url("/audit/export.csv?action=organization"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()[CONTENT_TYPE], "text/csv; charset=utf-8");
        let rows = parse_csv(&r.text().await.unwrap());
        assert_eq!(rows.len() - 1, 1);
        assert_eq!(rows[1][3], "organization.create");
        let e = &json_entries(&app, "action=audit.export").await[0];
        assert_eq!(e["changes"]["filters"]["action"], "organization");
        assert_eq!(e["changes"]["rows"], 1);
        let (_, html) = page("/audit?action=audit").await;
        assert!(html.contains("Audit log exported"));
    }
);
