//! The console's "Commit import" answers with a streamed page: the layout first, progress steps
//! with the rows written of all, then the result — or the error, with nothing imported. The
//! CSRF check and the organization's tenancy are checked before anything is streamed.

use crate::applications::{application, assign_app, id};
use crate::both_backends;
use crate::console_access::{console_as, custom_role, page, scrape_csrf};
use crate::helpers::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Uploads `csv` for a preview and returns the commit form's CSRF token (the preview must
/// offer the commit).
pub(crate) async fn preview(c: &reqwest::Client, app: &TestApp, slug: &str, csv: &str) -> String {
    let path = format!("/organizations/{slug}/users/import");
    let (s, html) = page(c, app, &path).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let b = "portico-progress-boundary";
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{}\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"m.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n{csv}\r\n--{b}--\r\n",
        scrape_csrf(&html)
    );
    let r = c
        .post(app.url(&path))
        .header("content-type", format!("multipart/form-data; boundary={b}"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"commit-import\""), "{html}");
    scrape_csrf(&html)
}

/// Posts the commit form and reads the streamed answer chunk by chunk.
async fn commit(
    c: &reqwest::Client,
    app: &TestApp,
    slug: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, reqwest::header::HeaderMap, Vec<String>) {
    let mut r = c
        .post(app.url(&format!("/organizations/{slug}/users/import/commit")))
        .form(fields)
        .send()
        .await
        .unwrap();
    let (status, headers) = (r.status(), r.headers().clone());
    let mut chunks = Vec::new();
    while let Some(b) = r.chunk().await.unwrap() {
        chunks.push(String::from_utf8(b.to_vec()).unwrap());
    }
    (status, headers, chunks)
}

/// Each progress step's (done, total), in order.
fn steps(body: &str) -> Vec<(u64, u64)> {
    body.match_indices("class=\"import-step\" data-done=\"")
        .map(|(at, m)| {
            let rest = &body[at + m.len()..];
            let done: u64 = rest[..rest.find('"').unwrap()].parse().unwrap();
            let t = rest.find("data-total=\"").unwrap() + "data-total=\"".len();
            let total: u64 = rest[t..t + rest[t..].find('"').unwrap()].parse().unwrap();
            (done, total)
        })
        .collect()
}

/// The result element's opening tag.
fn result_tag(body: &str) -> &str {
    let at = body
        .find("id=\"import-result\"")
        .unwrap_or_else(|| panic!("no result in {body}"));
    &body[at..at + body[at..].find('>').unwrap()]
}

async fn counts(app: &TestApp, org: &Value) -> (i64, i64) {
    let v = app.get(&format!("/api/v1/organizations/{}", id(org))).await;
    (
        v["members"].as_i64().unwrap(),
        v["internal_members"].as_i64().unwrap(),
    )
}

both_backends!(
    console_commit_streams_progress_then_the_result,
    |app: TestApp| async move {
        let acme = app.org("Acme", None).await;
        let other = app.org("Other", None).await;
        let slug = acme["slug"].as_str().unwrap();
        // One person already known (elsewhere): added as an external member.
        let (s, v) = app
            .add_member(&other, "known@example.com", "Known", "Person")
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let rows = 2500u64;
        let mut csv = String::from("email,first_name,last_name\nknown@example.com,Known,Person\n");
        for i in 1..rows {
            csv.push_str(&format!("p{i}@example.com,P{i},Person\n"));
        }
        let c = console_as(&app, "admin").await;
        let token = preview(&c, &app, slug, &csv).await;
        let before = app.audit_seq().await;

        let (s, headers, chunks) = commit(
            &c,
            &app,
            slug,
            &[("_csrf", token.as_str()), ("csv", csv.as_str())],
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(headers["content-type"], "text/html; charset=utf-8");
        assert_eq!(headers["cache-control"], "no-store");
        assert_eq!(headers["x-accel-buffering"], "no");
        // Streamed: the page's head comes alone, before the import's end.
        assert!(chunks.len() >= 3, "{} chunks", chunks.len());
        assert!(chunks[0].contains("id=\"import-run\""), "{}", chunks[0]);
        assert!(chunks[0].contains("<nav"), "the layout comes first");
        assert!(!chunks[0].contains("id=\"import-result\""));
        let body = chunks.concat();
        assert!(body.trim_end().ends_with("</html>"), "the page is whole");

        // Progress: from 0 to every row, never backwards, all before the result.
        let steps = steps(&body);
        assert!(steps.len() >= 2, "{steps:?}");
        assert_eq!(steps[0], (0, rows), "{steps:?}");
        assert_eq!(*steps.last().unwrap(), (rows, rows), "{steps:?}");
        assert!(steps.iter().all(|(_, t)| *t == rows), "{steps:?}");
        assert!(steps.windows(2).all(|w| w[0].0 < w[1].0), "{steps:?}");
        assert!(
            steps.len() <= 102,
            "throttled to about one per 1%: {steps:?}"
        );
        let last_step = body.rfind("class=\"import-step\"").unwrap();
        assert!(last_step < body.find("id=\"import-result\"").unwrap());

        // The result: the counts, as the database has them, and the way to the Users tab.
        let tag = result_tag(&body);
        assert!(tag.contains("data-outcome=\"imported\""), "{tag}");
        assert!(tag.contains(&format!("data-rows=\"{rows}\"")), "{tag}");
        assert!(
            tag.contains(&format!("data-created=\"{}\"", rows - 1)),
            "{tag}"
        );
        assert!(tag.contains("data-added-external=\"1\""), "{tag}");
        assert!(
            body.contains("Imported 2,500 rows: 2,499 new users"),
            "{body}"
        );
        // minijinja escapes `/` in attributes as `&#x2f;`.
        let link =
            format!("id=\"import-done-users\" href=\"&#x2f;organizations&#x2f;{slug}&#x2f;users\"");
        assert!(body.contains(&link), "{body}");
        assert_eq!(counts(&app, &acme).await, (rows as i64, rows as i64 - 1));
        assert!(app.audit_seq().await > before, "audited");
    }
);

both_backends!(
    console_commit_errors_stream_the_reason_and_import_nothing,
    |app: TestApp| async move {
        let acme = app.org("Acme", None).await;
        let slug = acme["slug"].as_str().unwrap();
        let crm = application(&app, json!({ "name": "CRM" })).await;
        assign_app(&app, &acme, &crm).await;
        let csv = "email,applications\na@example.com,crm\nb@example.com,crm\nc@example.com,crm\n";
        let c = console_as(&app, "admin").await;
        let token = preview(&c, &app, slug, csv).await;

        // The seat limit lowered after the preview: the commit says so, nothing is imported.
        let (s, v) = app
            .api(
                Method::PATCH,
                &format!("/api/v1/organizations/{}/licenses", id(&acme)),
                Some(json!({ "application": 2 })),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let before = app.audit_seq().await;
        let (s, _, chunks) =
            commit(&c, &app, slug, &[("_csrf", token.as_str()), ("csv", csv)]).await;
        assert_eq!(s, StatusCode::OK, "the page was already streaming");
        let body = chunks.concat();
        let tag = result_tag(&body);
        assert!(tag.contains("data-outcome=\"failed\""), "{tag}");
        assert!(tag.contains("data-error=\"seat-limit-reached\""), "{tag}");
        assert!(body.contains("id=\"import-error\""), "{body}");
        assert!(
            body.contains("import needs 3 application seats but only 2 of 2 are free in Acme. Nothing was imported."),
            "{body}"
        );
        assert!(steps(&body).is_empty(), "nothing was written: {body}");
        // No bar stays on the page ("Checking…" is followed by a hidden last step).
        let stop = body
            .find("class=\"import-step import-stop\"")
            .expect("a stop step");
        assert!(body.find("id=\"import-checking\"").unwrap() < stop);
        assert!(stop < body.find("id=\"import-result\"").unwrap());
        assert!(body.trim_end().ends_with("</html>"));
        assert_eq!(counts(&app, &acme).await, (0, 0));
        assert_eq!(app.audit_seq().await, before);

        // A row that became bad since the preview (b is now a member): its line, nothing else.
        let (s, v) = app
            .api(
                Method::PATCH,
                &format!("/api/v1/organizations/{}/licenses", id(&acme)),
                Some(json!({ "application": null })),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = app.add_member(&acme, "b@example.com", "B", "Member").await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let before = app.audit_seq().await;
        let (_, _, chunks) =
            commit(&c, &app, slug, &[("_csrf", token.as_str()), ("csv", csv)]).await;
        let body = chunks.concat();
        let tag = result_tag(&body);
        assert!(tag.contains("data-error=\"import-rows\""), "{tag}");
        assert!(body.contains("id=\"import-errors\""), "{body}");
        assert!(body.contains("<tr data-line=\"3\">"), "{body}");
        assert!(!body.contains("<tr data-line=\"2\">"), "{body}");
        assert_eq!(counts(&app, &acme).await, (1, 1));
        assert_eq!(app.audit_seq().await, before);
    }
);

both_backends!(
    console_commit_refuses_other_tenants_and_a_missing_csrf_token,
    |app: TestApp| async move {
        let acme = app.org("Acme", None).await;
        let beta = app.org("Beta", None).await;
        let slug = acme["slug"].as_str().unwrap();
        let csv = "email\nx@example.com\n";
        let c = console_as(&app, "admin").await;
        let token = preview(&c, &app, slug, csv).await;

        // No token, or a wrong one: refused before anything is streamed or written.
        for fields in [vec![("csv", csv)], vec![("_csrf", "wrong"), ("csv", csv)]] {
            let (s, _, chunks) = commit(&c, &app, slug, &fields).await;
            assert_eq!(s, StatusCode::FORBIDDEN);
            assert!(!chunks.concat().contains("import-run"));
        }

        // Another tenant's administrator: Acme is not found to them.
        let clerk = custom_role(
            &app,
            "Import clerk",
            "organization",
            &["organizations.view", "members.view", "members.add"],
        )
        .await;
        app.staff(
            "clerk",
            clerk["key"].as_str().unwrap(),
            Some(&beta),
            Some(&beta),
        )
        .await;
        let c2 = console_as(&app, "clerk").await;
        let before = app.audit_seq().await;
        let (_, html) = page(
            &c2,
            &app,
            &format!("/organizations/{}/users", beta["slug"].as_str().unwrap()),
        )
        .await;
        let theirs = scrape_csrf(&html);
        let (s, _, chunks) =
            commit(&c2, &app, slug, &[("_csrf", theirs.as_str()), ("csv", csv)]).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert!(!chunks.concat().contains("import-run"));
        assert_eq!(counts(&app, &acme).await, (0, 0));
        assert_eq!(app.audit_seq().await, before);

        // The admin's own token still works: the refusals changed nothing.
        let (s, _, chunks) =
            commit(&c, &app, slug, &[("_csrf", token.as_str()), ("csv", csv)]).await;
        assert_eq!(s, StatusCode::OK);
        assert!(result_tag(&chunks.concat()).contains("data-outcome=\"imported\""));
        assert_eq!(counts(&app, &acme).await, (1, 1));
    }
);

both_backends!(
    console_commit_finishes_when_the_page_is_closed,
    |app: TestApp| async move {
        let acme = app.org("Acme", None).await;
        let slug = acme["slug"].as_str().unwrap();
        let rows = 3000i64;
        let mut csv = String::from("email\n");
        for i in 0..rows {
            csv.push_str(&format!("gone{i}@example.com\n"));
        }
        let c = console_as(&app, "admin").await;
        let token = preview(&c, &app, slug, &csv).await;
        let mut r = c
            .post(app.url(&format!("/organizations/{slug}/users/import/commit")))
            .form(&[("_csrf", token.as_str()), ("csv", csv.as_str())])
            .send()
            .await
            .unwrap();
        let head = r.chunk().await.unwrap().unwrap();
        assert!(String::from_utf8_lossy(&head).contains("id=\"import-run\""));
        // The visitor leaves: the connection closes before the import's end.
        drop(r);
        drop(c);
        // The import still runs to its end, in one piece.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let (members, _) = counts(&app, &acme).await;
            assert!(members == 0 || members == rows, "all or nothing: {members}");
            if members == rows {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the import did not finish"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
);
