//! Bulk member import through the API and the console: no escalation through the role
//! column, another tenant's organization is not found, bad rows change nothing, and the
//! console's upload → preview → commit works without JavaScript.

use crate::both_backends;
use crate::console_access::{console_as, custom_role, page, scrape_csrf};
use crate::helpers::TestApp;
use reqwest::StatusCode;
use serde_json::Value;

/// POSTs a CSV to the import endpoint with an API key.
async fn import(
    app: &TestApp,
    key: &str,
    org: &Value,
    csv: &str,
    dry: bool,
) -> (StatusCode, Value) {
    let r = app
        .import_request(key, org["id"].as_str().unwrap(), csv)
        .query(&[("dry_run", dry)])
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn member_emails(app: &TestApp, org: &Value) -> Vec<String> {
    let v = app
        .get(&format!(
            "/api/v1/organizations/{}/members?limit=200",
            org["id"].as_str().unwrap()
        ))
        .await;
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user"]["email"].as_str().unwrap_or_default().to_string())
        .collect()
}

const CLERK: &[&str] = &[
    "organizations.view",
    "members.view",
    "members.add",
    "role_assignments.manage",
];

both_backends!(
    api_import_refuses_escalation_other_tenants_and_bad_rows,
    |app: TestApp| async move {
        let acme = app.org("Acme", None).await;
        let beta = app.org("Beta", None).await;
        let clerk = custom_role(&app, "Import clerk", "organization", CLERK).await;
        let mut more = CLERK.to_vec();
        more.push("projects.manage");
        let boss = custom_role(&app, "Import boss", "organization", &more).await;
        let (_, key) = app
            .staff(
                "clerk",
                clerk["key"].as_str().unwrap(),
                Some(&acme),
                Some(&acme),
            )
            .await;
        let before = app.audit_seq().await;

        // P6: the role column may not give what the caller lacks — the whole file refused.
        let csv = format!(
            "email,first_name,last_name,role,ip_allowlist\nok@example.com,Ok,One,,\nup@example.com,Up,Two,{},*\n",
            boss["key"].as_str().unwrap()
        );
        let (s, v) = import(&app, &key, &acme, &csv, false).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(v["type"].as_str().unwrap().ends_with("import-rows"), "{v}");
        assert_eq!(v["rows"][0]["line"], 3, "{v}");
        assert_eq!(v["rows"][0]["field"], "role", "{v}");
        assert_eq!(app.audit_seq().await, before);
        assert!(
            !member_emails(&app, &acme)
                .await
                .contains(&"ok@example.com".into())
        );

        // Their own role they may give: imported, 201.
        let csv = format!(
            "email,first_name,last_name,role,ip_allowlist\nok@example.com,Ok,One,,\nsame@example.com,Sa,Me,{},*\n",
            clerk["key"].as_str().unwrap()
        );
        let (s, v) = import(&app, &key, &acme, &csv, false).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(v["created"], 2, "{v}");
        assert_eq!(v["roles_assigned"], 1, "{v}");
        let emails = member_emails(&app, &acme).await;
        assert!(emails.contains(&"same@example.com".into()), "{emails:?}");

        // Another tenant's organization: not found, nothing written.
        let before = app.audit_seq().await;
        let (s, v) = import(&app, &key, &beta, "email\nx@example.com\n", false).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
        assert_eq!(app.audit_seq().await, before);
        assert!(member_emails(&app, &beta).await.is_empty());

        // Bad rows: every line reported; a dry run reports and changes nothing.
        let (s, v) = import(
            &app,
            &app.admin_key,
            &beta,
            "email,username\nfine@example.com,\nbad,\nok@example.com,x y\n",
            false,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let lines: Vec<i64> = v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["line"].as_i64().unwrap())
            .collect();
        assert_eq!(lines, vec![3, 4], "{v}");
        let (s, v) = import(&app, &app.admin_key, &beta, "email\nok@example.com\n", true).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["added_external"], 1, "{v}");
        assert_eq!(v["dry_run"], true, "{v}");
        assert_eq!(app.audit_seq().await, before);
        assert!(member_emails(&app, &beta).await.is_empty());
    }
);

/// A multipart/form-data body with the CSRF token and one file, built by hand.
fn multipart(csrf: &str, csv: &str) -> (String, String) {
    let b = "portico-test-boundary-7f3a";
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{csrf}\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"m.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n{csv}\r\n--{b}--\r\n"
    );
    (format!("multipart/form-data; boundary={b}"), body)
}

both_backends!(console_upload_preview_commit, |app: TestApp| async move {
    let acme = app.org("Acme", None).await;
    let beta = app.org("Beta", None).await;
    let slug = acme["slug"].as_str().unwrap();
    let c = console_as(&app, "admin").await;
    let (s, html) = page(&c, &app, &format!("/organizations/{slug}/users")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("id=\"import-users\""),
        "the Users tab links the import"
    );
    let path = format!("/organizations/{slug}/users/import");
    let (s, html) = page(&c, &app, &path).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("enctype=\"multipart/form-data\""));
    let csrf = scrape_csrf(&html);

    // A bad file: the rows to fix with their lines, nothing written.
    let before = app.audit_seq().await;
    let (ct, body) = multipart(&csrf, "email,first_name\nann@example.com,Ann\nnope,X\n");
    let r = c
        .post(app.url(&path))
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"import-errors\""), "{html}");
    assert!(html.contains("data-line=\"3\""), "{html}");
    assert!(!html.contains("id=\"commit-import\""));
    assert_eq!(app.audit_seq().await, before);

    // Without the CSRF token: refused.
    let (ct, body) = multipart("wrong", "email\nann@example.com\n");
    let r = c
        .post(app.url(&path))
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // A good file: a preview of the first rows, then the commit.
    let mut csv = String::from("email,first_name,last_name\n");
    for i in 0..12 {
        csv.push_str(&format!("p{i}@example.com,P{i},Person\n"));
    }
    let (ct, body) = multipart(&csrf, &csv);
    let r = c
        .post(app.url(&path))
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    let at = html.find("id=\"import-preview\"").expect("a preview table");
    let table = &html[at..at + html[at..].find("</table>").unwrap()];
    assert!(table.contains("p0@example.com") && table.contains("p9@example.com"));
    assert!(
        !table.contains("p10@example.com"),
        "the preview shows 10 rows"
    );
    assert!(html.contains("id=\"commit-import\""));
    assert_eq!(app.audit_seq().await, before, "the check writes nothing");
    let token = scrape_csrf(&html);
    let r = c
        .post(app.url(&format!("{path}/commit")))
        .form(&[("_csrf", token.as_str()), ("csv", csv.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("data-outcome=\"imported\""), "{html}");
    assert!(html.contains("Imported 12 rows: 12 new users"), "{html}");
    let emails = member_emails(&app, &acme).await;
    assert_eq!(emails.len(), 12, "{emails:?}");

    // Another tenant's administrator: the page is not found.
    let clerk = custom_role(&app, "Import clerk", "organization", CLERK).await;
    app.staff(
        "clerk",
        clerk["key"].as_str().unwrap(),
        Some(&beta),
        Some(&beta),
    )
    .await;
    let c2 = console_as(&app, "clerk").await;
    let (s, _) = page(&c2, &app, &path).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = page(
        &c2,
        &app,
        &format!(
            "/organizations/{}/users/import",
            beta["slug"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
});

/// The emails of the people `GET /api/v1/users?q=…` finds, sorted.
async fn found(app: &TestApp, q: &str) -> Vec<String> {
    let v = app.get(&format!("/api/v1/users?q={q}&limit=200")).await;
    let mut emails: Vec<String> = v["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{v}"))
        .iter()
        .map(|u| u["email"].as_str().unwrap().to_string())
        .collect();
    emails.sort();
    emails
}

both_backends!(
    imported_people_are_found_by_search_and_a_lost_race_defers_nothing,
    |app: TestApp| async move {
        let acme = app.org("Acme", None).await;
        let beta = app.org("Beta", None).await;

        // Imported people are in the search index as soon as the import answers (on SQLite
        // it is filled once at the end of the import's transaction, migration 0021).
        let csv = "email,first_name,last_name\nzoe@example.com,Zoe,Quillfeather\nyan@example.com,Yan,Quillon\n";
        let (s, v) = import(&app, &app.admin_key, &acme, csv, false).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(
            found(&app, "quill").await,
            vec!["yan@example.com", "zoe@example.com"]
        );
        assert_eq!(found(&app, "zo").await, vec!["zoe@example.com"]);

        // Two imports of the same new person race: both check before either writes, the
        // second one's write hits the unique email and is refused whole (never a 500).
        let csv = "email,first_name,last_name\nrace@example.com,Rae,Quillbury\n";
        let (a, b) = tokio::join!(
            import(&app, &app.admin_key, &acme, csv, false),
            import(&app, &app.admin_key, &beta, csv, false)
        );
        let mut statuses = [a.0, b.0];
        statuses.sort();
        assert_eq!(
            statuses[0],
            StatusCode::CREATED,
            "one import wins: {} / {}",
            a.1,
            b.1
        );
        assert!(
            [StatusCode::CREATED, StatusCode::CONFLICT].contains(&statuses[1]),
            "{} / {}",
            a.1,
            b.1
        );
        assert_eq!(
            found(&app, "quillb").await,
            vec!["race@example.com"],
            "indexed once"
        );

        // Whatever the loser left behind, a single add is indexed again at once.
        let (s, v) = app
            .add_member(&beta, "solo@example.com", "Solo", "Quillmaker")
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(found(&app, "quillm").await, vec!["solo@example.com"]);
    }
);

/// A first name of its own for row `i`: `X` and three letters, so that a prefix search for
/// it finds that person alone.
fn word(i: usize) -> String {
    let l = |n: usize| char::from(b'a' + (n % 26) as u8);
    format!("X{}{}{}", l(i / 676), l(i / 26), l(i))
}

both_backends!(
    a_large_file_mixing_new_and_known_people_is_planned_in_parallel_and_written_whole,
    |app: TestApp| async move {
        // Over 2,000 rows: cells are parsed and new people planned on several threads.
        let acme = app.org("Acme", None).await;
        let beta = app.org("Beta", None).await;
        for i in 0..10 {
            let (s, v) = app
                .add_member(&beta, &format!("known{i}@example.com"), "Known", "Person")
                .await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
        }
        let mut csv = "email,first_name,last_name\n".to_string();
        for i in 0..2_500 {
            if i % 250 == 0 {
                // U3: a known email joins as an external member; the file's names are ignored.
                csv.push_str(&format!("known{}@example.com,Other,Name\n", i / 250));
            } else {
                csv.push_str(&format!("bulk{i}@example.com,{},Zephyrine\n", word(i)));
            }
        }
        let (s, v) = import(&app, &app.admin_key, &acme, &csv, false).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(v["rows"], 2_500, "{v}");
        assert_eq!(v["created"], 2_490, "{v}");
        assert_eq!(v["added_external"], 10, "{v}");
        assert_eq!(v["welcome_emails"], 2_490, "{v}");
        // First, middle and last rows, each planned on its own thread, are who the file says.
        for i in [1, 1_251, 2_499] {
            let u = &app.get(&format!("/api/v1/users?q={}", word(i))).await["items"];
            assert_eq!(u.as_array().unwrap().len(), 1, "{}", word(i));
            assert_eq!(u[0]["email"], format!("bulk{i}@example.com"), "{u}");
            assert_eq!(u[0]["username"], format!("bulk{i}"), "{u}");
        }
        let known = found(&app, "known").await;
        assert_eq!(known.len(), 10, "{known:?}");
        let k = &app.get("/api/v1/users?q=known5@example.com").await["items"][0];
        assert_eq!(k["first_name"], "Known", "names untouched: {k}");
        let members = &app
            .get(&format!(
                "/api/v1/organizations/{}/members?limit=200&q=known",
                acme["id"].as_str().unwrap()
            ))
            .await["items"];
        let kinds: Vec<&str> = members
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["kind"].as_str().unwrap_or_else(|| panic!("{m}")))
            .collect();
        assert_eq!(kinds, ["external"; 10], "{members}");
    }
);

/// The import's audit entries of every imported row, newest first.
async fn import_entries(app: &TestApp, org: &Value) -> Vec<Value> {
    let v = app
        .get(&format!(
            "/api/v1/audit-events?limit=200&organization={}",
            org["id"].as_str().unwrap()
        ))
        .await;
    v["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{v}"))
        .iter()
        .filter(|e| e["action"] == "user.create" || e["action"] == "member.import")
        .cloned()
        .collect()
}

both_backends!(
    values_common_to_every_row_are_stored_exactly_whatever_the_client_sends,
    |app: TestApp| async move {
        // The import writes a value every row shares into its SQL once, but only when it is a
        // plain one: a user agent with quotes, backslashes and SQL in it stays a parameter.
        let plain = "portico-test/1.0";
        let hostile = r#"x'); DROP TABLE users; -- \' "q" \x00"#;
        for (n, agent) in [plain, hostile].into_iter().enumerate() {
            let org = app.org(&format!("Agents {n}"), None).await;
            let mut csv = "email,first_name,last_name\n".to_string();
            for i in 0..30 {
                csv.push_str(&format!("agent{n}x{i}@example.com,A{i},O'Brien\n"));
            }
            let r = app
                .import_request(&app.admin_key, org["id"].as_str().unwrap(), &csv)
                .header("user-agent", agent)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::CREATED, "{agent}");
            let entries = import_entries(&app, &org).await;
            assert_eq!(entries.len(), 31, "30 people and the import itself");
            for e in &entries {
                assert_eq!(e["user_agent"], agent, "{e}");
                assert_eq!(e["organization_id"], org["id"], "{e}");
            }
            let emails = member_emails(&app, &org).await;
            assert_eq!(emails.len(), 30, "{emails:?}");
            let u = &app.get(&format!("/api/v1/users?q=agent{n}x7")).await["items"][0];
            assert_eq!(u["last_name"], "O'Brien", "{u}");
            assert_eq!(u["status"], "invited", "{u}");
        }
        assert!(app.services.verify_audit(&|_, _| {}).await.unwrap().is_ok());
    }
);

both_backends!(
    a_role_given_by_an_import_is_in_force_at_once,
    |app: TestApp| async move {
        // The import assigns roles inside its own statements; the access version must move
        // with them, or every server keeps its engine without the new back-office person.
        let acme = app.org("Acme", None).await;
        let clerk = custom_role(&app, "Import clerk", "organization", CLERK).await;
        let before = app.services.access().await.unwrap();
        let csv = format!(
            "email,first_name,last_name,role,ip_allowlist\nrole@example.com,Ro,Le,{},*\nplain@example.com,Pl,Ain,,\n",
            clerk["key"].as_str().unwrap()
        );
        let (s, v) = import(&app, &app.admin_key, &acme, &csv, false).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(v["roles_assigned"], 1, "{v}");
        let id = |email: &str| {
            let app = &app;
            let email = email.to_string();
            async move {
                let u = &app.get(&format!("/api/v1/users?q={email}")).await["items"][0];
                u["id"]
                    .as_str()
                    .unwrap()
                    .parse::<portico_domain::UserId>()
                    .unwrap()
            }
        };
        let (role, plain) = (id("role@example.com").await, id("plain@example.com").await);
        let now = app.services.now().millis();
        let after = app.services.access().await.unwrap();
        assert!(after.version > before.version, "the access version moved");
        assert!(
            after.is_back_office(role, now),
            "the imported role is in force"
        );
        assert!(!after.is_back_office(plain, now));
        // An import without roles leaves the engine as it is.
        let (s, v) = import(
            &app,
            &app.admin_key,
            &acme,
            "email\nthird@example.com\n",
            false,
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(app.services.access().await.unwrap().version, after.version);
    }
);
