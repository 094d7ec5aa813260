//! Email (SPEC §1 "Email"): the outbox, delivery over real SMTP (lettre against the test
//! server in `smtp.rs`), retries with backoff on the injected clock, restart safety across
//! processes, the held outbox without SMTP, and who may read it.

use crate::both_backends;
use crate::console_access::{console_as, page, submit};
use crate::helpers::{Backend, MailWorker, TestApp};
use crate::smtp::{EndOfData, SmtpServer};
use portico_domain::ids::{EmailId, UserId};
use portico_domain::{Email, EmailTemplateKey};
use portico_services::records::AuditCtx;
use portico_services::{ServiceConfig, Services, Store};
use portico_store::SqlStore;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// Runs `body(backend)` on SQLite and on PostgreSQL; the body spawns its own app.
macro_rules! each_backend {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ($body)(Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                ($body)(Backend::Postgres).await;
            }
        }
    };
}

const LINK: &str = "https://portico.example/welcome/SECRET-TOKEN-4711";

fn welcome_vars(name: &str) -> Value {
    json!({ "name": name, "username": "anna", "link": LINK, "expires_hours": 72 })
}

fn system_ctx(s: &Services) -> AuditCtx {
    AuditCtx {
        at: s.now(),
        actor: None,
        impersonator: None,
        ip: None,
        user_agent: Some("test".into()),
    }
}

/// Renders a template and stores it in the outbox (as a use case of the lead's would).
async fn enqueue_on(
    s: &Services,
    to: &str,
    user: Option<UserId>,
    key: EmailTemplateKey,
    language: Option<&str>,
    vars: Value,
) -> EmailId {
    let rendered = s.render_email(key, language, &vars).await.expect("render");
    let m = s.outbox_message(&Email::parse(to).unwrap(), user, rendered);
    s.enqueue_email(&system_ctx(s), m).await.expect("enqueue")
}

async fn enqueue(app: &TestApp, to: &str, language: Option<&str>) -> EmailId {
    enqueue_on(
        &app.services,
        to,
        None,
        EmailTemplateKey::Welcome,
        language,
        welcome_vars("Anna"),
    )
    .await
}

/// Polls the API until the message has `status` (20 s at most); returns it.
async fn wait_status(app: &TestApp, id: EmailId, status: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let v = app.get(&format!("/api/v1/outbox/{id}")).await;
        if v["status"] == status {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "email {id} never became {status}: {v}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Another `portico serve` process on the same database, with SMTP configured: its own
/// services and connection pool, the same clock.
async fn other_process(app: &TestApp) -> Services {
    let store = Arc::new(SqlStore::connect(&app.db_url, 4).await.expect("pool"));
    Services::new(
        store as Arc<dyn Store>,
        app.clock.clone(),
        ServiceConfig {
            email_delivery: true,
            ..ServiceConfig::default()
        },
    )
}

each_backend!(
    delivered_over_smtp_in_the_recipients_language_and_shown_as_sent,
    |backend| async move {
        let smtp = SmtpServer::start().await;
        let Some(app) = TestApp::spawn_with_smtp(backend, &smtp.url()).await else {
            return;
        };
        let de = enqueue(&app, "anna@example.com", Some("de")).await;
        let mails = smtp.wait_for(1).await;
        let m = &mails[0];
        assert_eq!(m.to, ["anna@example.com"]);
        assert_eq!(m.from, "portico@localhost");
        assert_eq!(m.subject, "Willkommen bei Portico");
        assert_eq!(m.message_id, format!("<{de}@localhost>"));
        assert!(m.text.contains("Hallo Anna"), "{}", m.text);
        assert!(m.text.contains(LINK), "{}", m.text);
        assert!(m.html.contains("Passwort festlegen"), "{}", m.html);
        let v = wait_status(&app, de, "sent").await;
        assert_eq!(v["attempts"], 1);
        assert_eq!(v["language"], "de");
        assert!(v["sent_at"].is_string());
        assert!(v["last_error"].is_null());

        // A language without templates falls back to English.
        let xx = enqueue(&app, "bob@example.com", Some("tlh")).await;
        let mails = smtp.wait_for(2).await;
        assert_eq!(mails[1].subject, "Welcome to Portico");
        assert_eq!(wait_status(&app, xx, "sent").await["language"], "en");

        // The list: newest first, filtered by status, without bodies.
        let list = app.get("/api/v1/outbox?status=sent").await;
        let ids: Vec<&str> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [xx.to_string(), de.to_string()]);
        assert!(list["items"][0].get("text_body").is_none());
        assert_eq!(
            app.get("/api/v1/outbox?status=held").await["items"],
            json!([])
        );
        let page1 = app.get("/api/v1/outbox?limit=1").await;
        assert_eq!(page1["items"][0]["id"], xx.to_string());
        let cursor = page1["next_cursor"].as_str().unwrap();
        let page2 = app
            .get(&format!("/api/v1/outbox?limit=1&cursor={cursor}"))
            .await;
        assert_eq!(page2["items"][0]["id"], de.to_string());
        let (s, _) = app
            .api(Method::GET, "/api/v1/outbox?status=lost", None)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        app.mail.unwrap().stop().await;
    }
);

each_backend!(
    a_transient_refusal_is_retried_after_the_backoff_then_sent,
    |backend| async move {
        let smtp = SmtpServer::start().await;
        smtp.script([EndOfData::Transient, EndOfData::Transient]);
        let Some(app) = TestApp::spawn_with_smtp(backend, &smtp.url()).await else {
            return;
        };
        let id = enqueue(&app, "anna@example.com", None).await;
        smtp.wait_for_data_ends(1).await;
        let v = wait_status(&app, id, "queued").await;
        assert_eq!(v["attempts"], 1);
        assert!(v["last_error"].as_str().unwrap().contains("451"), "{v}");
        // Not tried again before its time (the worker polls every 50 ms).
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(smtp.data_ends(), 1);
        // 1 minute after the first failure, then 2 minutes after the second.
        app.clock.advance_secs(61);
        smtp.wait_for_data_ends(2).await;
        let v = wait_status(&app, id, "queued").await;
        assert_eq!(v["attempts"], 2);
        app.clock.advance_secs(61);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(smtp.data_ends(), 2, "the second wait is two minutes");
        app.clock.advance_secs(60);
        smtp.wait_for(1).await;
        let v = wait_status(&app, id, "sent").await;
        assert_eq!(v["attempts"], 3);
        assert!(v["last_error"].is_null());
        assert_eq!(smtp.deliveries_of(&format!("<{id}@localhost>")), 1);
        app.mail.unwrap().stop().await;
    }
);

each_backend!(
    a_server_that_never_answers_is_given_up_on_within_the_lease_and_retried,
    |backend| async move {
        let smtp = SmtpServer::start().await;
        smtp.script([EndOfData::Hang]);
        let Some(mut app) = TestApp::spawn_with_smtp(backend, &smtp.url()).await else {
            return;
        };
        app.mail.take().unwrap().stop().await;
        let worker = MailWorker::start_with(
            &app.services,
            &smtp.url(),
            portico_services::email::DeliveryOptions {
                lease_secs: 2,
                ..Default::default()
            },
        );
        let id = enqueue(&app, "anna@example.com", None).await;
        let v = wait_status(&app, id, "queued").await;
        assert_eq!(v["attempts"], 1);
        assert!(
            v["last_error"].as_str().unwrap().contains("did not answer"),
            "{v}"
        );
        app.clock.advance_secs(61);
        smtp.wait_for(1).await;
        assert_eq!(wait_status(&app, id, "sent").await["attempts"], 2);
        assert_eq!(smtp.deliveries_of(&format!("<{id}@localhost>")), 1);
        worker.stop().await;
    }
);

each_backend!(
    a_permanent_refusal_fails_with_the_error_shown,
    |backend| async move {
        let smtp = SmtpServer::start().await;
        smtp.script([EndOfData::Permanent]);
        let Some(app) = TestApp::spawn_with_smtp(backend, &smtp.url()).await else {
            return;
        };
        let id = enqueue(&app, "nobody@example.com", None).await;
        let v = wait_status(&app, id, "failed").await;
        assert_eq!(v["attempts"], 1);
        let err = v["last_error"].as_str().unwrap();
        assert!(err.contains("550"), "{err}");
        let c = console_as(&app, "admin").await;
        let (s, html) = page(&c, &app, "/settings/emails").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("badge-failed"), "{html}");
        assert!(html.contains("no such mailbox"), "{html}");
        let (_, html) = page(&c, &app, &format!("/settings/emails/{id}")).await;
        assert!(html.contains("id=\"last-error\""), "{html}");
        // Resend queues it again; this time the server accepts it.
        let r = submit(
            &c,
            &app,
            &format!("/settings/emails/{id}"),
            &format!("/settings/emails/{id}/resend"),
            &[],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        smtp.wait_for(1).await;
        let v = wait_status(&app, id, "sent").await;
        assert_eq!(v["attempts"], 1);
        let audit = app.get("/api/v1/audit-events?limit=200").await.to_string();
        for action in ["email.queued", "email.failed", "email.resend", "email.sent"] {
            assert!(audit.contains(action), "{action} missing: {audit}");
        }
        app.mail.unwrap().stop().await;
    }
);

each_backend!(
    a_restart_sends_what_was_not_accepted_and_nothing_twice,
    |backend| async move {
        let smtp = SmtpServer::start().await;
        // The first message is accepted; the server stalls at the end of the second's DATA.
        smtp.script([EndOfData::Accept, EndOfData::Hang]);
        let Some(mut app) = TestApp::spawn_with_smtp(backend, &smtp.url()).await else {
            return;
        };
        let first = app.services.clone();
        // Stop the worker so that the three messages are all queued before it runs.
        app.mail.take().unwrap().stop().await;
        let a = enqueue(&app, "a@example.com", None).await;
        let b = enqueue(&app, "b@example.com", None).await;
        let c = enqueue(&app, "c@example.com", None).await;
        let worker = MailWorker::start(&first, &smtp.url());
        smtp.wait_for_data_ends(2).await;
        wait_status(&app, a, "sent").await;
        assert_eq!(wait_status(&app, b, "sending").await["attempts"], 1);
        // The process dies while the server holds the second message.
        worker.kill().await;

        // Two new processes on the same database: the message nobody holds goes at once,
        // the interrupted one when its lease runs out; each exactly once.
        let p2 = other_process(&app).await;
        let p3 = other_process(&app).await;
        let w2 = MailWorker::start(&p2, &smtp.url());
        let w3 = MailWorker::start(&p3, &smtp.url());
        smtp.wait_for(2).await;
        wait_status(&app, c, "sent").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            wait_status(&app, b, "sending").await["attempts"],
            1,
            "the lease still holds"
        );
        app.clock.advance_secs(301);
        smtp.wait_for(3).await;
        let v = wait_status(&app, b, "sent").await;
        assert_eq!(v["attempts"], 2);

        // More messages with both workers running: still one delivery each.
        let mut more = Vec::new();
        for n in 0..6 {
            more.push(
                enqueue_on(
                    if n % 2 == 0 { &p2 } else { &p3 },
                    &format!("m{n}@example.com"),
                    None,
                    EmailTemplateKey::MfaEnabled,
                    None,
                    json!({ "name": "M", "when": "now" }),
                )
                .await,
            );
        }
        smtp.wait_for(9).await;
        for id in &more {
            wait_status(&app, *id, "sent").await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        for id in [a, b, c].iter().chain(&more) {
            assert_eq!(
                smtp.deliveries_of(&format!("<{id}@localhost>")),
                1,
                "{id} delivered once"
            );
        }
        assert_eq!(smtp.received().len(), 9);
        assert_eq!(
            smtp.data_ends(),
            10,
            "the stalled attempt and nine accepted"
        );
        w2.stop().await;
        w3.stop().await;
    }
);

both_backends!(
    without_smtp_messages_are_held_and_shown_in_the_console,
    |app: TestApp| async move {
        let id = enqueue_on(
            &app.services,
            "anna@example.com",
            None,
            EmailTemplateKey::Welcome,
            Some("en"),
            welcome_vars("<script>alert(1)</script>Anna"),
        )
        .await;
        let v = app.get(&format!("/api/v1/outbox/{id}")).await;
        assert_eq!(v["status"], "held");
        assert_eq!(v["attempts"], 0);
        assert!(v["text_body"].as_str().unwrap().contains(LINK));
        assert!(v["html_body"].as_str().unwrap().contains("&lt;script&gt;"));
        let list = app.get("/api/v1/outbox?status=held").await;
        assert_eq!(list["items"][0]["id"], id.to_string());
        let (s, p) = app
            .api(Method::POST, &format!("/api/v1/outbox/{id}/resend"), None)
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{p}");
        assert!(p["type"].as_str().unwrap().ends_with("no-smtp"), "{p}");

        let c = console_as(&app, "admin").await;
        let (s, html) = page(&c, &app, "/settings/emails").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("id=\"nav-emails\""));
        assert!(html.contains("id=\"no-smtp\""));
        assert!(html.contains("PORTICO_SMTP_URL"));
        assert!(html.contains("badge-held"));
        assert!(html.contains(&format!("data-email=\"{id}\"")));
        let (s, html) = page(&c, &app, &format!("/settings/emails/{id}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("<iframe id=\"email-html\" class=\"email-frame\" title=\"The email as HTML\" sandbox "), "{html}");
        assert!(
            !html.contains("<script>alert(1)"),
            "the body is never markup of the page"
        );
        assert!(!html.contains("id=\"resend\""), "no Resend without SMTP");
        assert!(html.contains("SECRET-TOKEN-4711"));
    }
);

both_backends!(
    an_empty_outbox_explains_itself_and_the_api_is_documented,
    |app: TestApp| async move {
        let c = console_as(&app, "admin").await;
        let (s, html) = page(&c, &app, "/settings/emails").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("id=\"no-emails\""), "{html}");
        assert!(html.contains("PORTICO_SMTP_URL"));
        assert_eq!(app.get("/api/v1/outbox").await["items"], json!([]));
        let doc: Value = app
            .http
            .get(app.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for path in [
            "/api/v1/outbox",
            "/api/v1/outbox/{id}",
            "/api/v1/outbox/{id}/resend",
        ] {
            assert!(doc["paths"].get(path).is_some(), "{path} not documented");
        }
        assert!(
            doc["components"]["schemas"]
                .get("OutboxEmailDetail")
                .is_some()
        );
    }
);

both_backends!(
    an_organization_admin_cannot_read_the_outbox_and_the_audit_holds_no_body_or_link,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let org = app.org("Acme", None).await;
        let (_, key) = app
            .staff(
                "orgadmin",
                "lms.organization_administrator",
                Some(&org),
                Some(&org),
            )
            .await;
        let id = enqueue(&app, "anna@example.com", Some("de")).await;
        for (m, path) in [
            (Method::GET, "/api/v1/outbox".to_string()),
            (Method::GET, format!("/api/v1/outbox/{id}")),
            (Method::POST, format!("/api/v1/outbox/{id}/resend")),
        ] {
            let (s, v) = app.api_as(&key, m.clone(), &path, None).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{m} {path}: {v}");
            assert!(!v.to_string().contains("SECRET-TOKEN"), "{v}");
        }
        let c = console_as(&app, "orgadmin").await;
        let (s, html) = page(&c, &app, "/settings/emails").await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(!html.contains("anna@example.com"));
        let (s, html) = page(&c, &app, &format!("/settings/emails/{id}")).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(!html.contains("SECRET-TOKEN"));
        assert!(!html.contains("nav-emails"));

        // The super admin reads it (an audited reading); the audit never holds the link,
        // the subject or a body.
        app.get(&format!("/api/v1/outbox/{id}")).await;
        let audit = app.get("/api/v1/audit-events?limit=200").await.to_string();
        assert!(
            audit.contains("email.queued") && audit.contains("email.view"),
            "{audit}"
        );
        for secret in [
            "SECRET-TOKEN",
            "Willkommen",
            "Hallo Anna",
            "Passwort festlegen",
        ] {
            assert!(!audit.contains(secret), "{secret} in the audit: {audit}");
        }
    }
);

both_backends!(
    a_credential_link_is_withheld_from_who_cannot_reset_the_recipient,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        // An observer reads every setting but may not reset anybody's credentials.
        let (_, observer) = app.staff("observer", "lms.observer", None, None).await;
        let admin = app.services.store().super_admin().await.unwrap().unwrap();
        let reset = enqueue_on(
            &app.services,
            "admin@example.com",
            Some(admin.id),
            EmailTemplateKey::PasswordReset,
            None,
            json!({ "name": "Admin", "link": LINK, "expires_hours": 1 }),
        )
        .await;
        let notice = enqueue_on(
            &app.services,
            "admin@example.com",
            Some(admin.id),
            EmailTemplateKey::MfaDisabled,
            None,
            json!({ "name": "Admin", "when": "today" }),
        )
        .await;
        let (s, v) = app
            .api_as(
                &observer,
                Method::GET,
                &format!("/api/v1/outbox/{reset}"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["bodies_withheld"], true);
        assert!(v["text_body"].is_null() && v["html_body"].is_null());
        assert!(!v.to_string().contains("SECRET-TOKEN"));
        let (s, v) = app
            .api_as(
                &observer,
                Method::GET,
                &format!("/api/v1/outbox/{notice}"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["bodies_withheld"], false);
        assert!(v["text_body"].as_str().unwrap().contains("today"));
        // Reading a list shows the envelope only; resending needs settings.manage.
        let (s, list) = app
            .api_as(&observer, Method::GET, "/api/v1/outbox", None)
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(!list.to_string().contains("SECRET-TOKEN"));
        let (s, _) = app
            .api_as(
                &observer,
                Method::POST,
                &format!("/api/v1/outbox/{reset}/resend"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let c = console_as(&app, "observer").await;
        let (s, html) = page(&c, &app, &format!("/settings/emails/{reset}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("id=\"bodies-withheld\""));
        assert!(!html.contains("SECRET-TOKEN"));
        // The recipient reads their own.
        let v = app.get(&format!("/api/v1/outbox/{reset}")).await;
        assert_eq!(v["bodies_withheld"], false);
        assert!(v["text_body"].as_str().unwrap().contains(LINK));
    }
);

both_backends!(
    deleting_a_user_erases_their_emails,
    |app: TestApp| async move {
        let org = app.org("Acme", None).await;
        let (s, m) = app
            .add_member(&org, "erased@example.com", "Eve", "Erased")
            .await;
        assert_eq!(s, StatusCode::CREATED, "{m}");
        let uid: UserId = m["user"]["id"].as_str().unwrap().parse().unwrap();
        let id = enqueue_on(
            &app.services,
            "erased@example.com",
            Some(uid),
            EmailTemplateKey::Welcome,
            None,
            welcome_vars("Eve"),
        )
        .await;
        let (s, v) = app
            .api(Method::DELETE, &format!("/api/v1/users/{uid}"), None)
            .await;
        assert!(s.is_success(), "{v}");
        let (s, _) = app
            .api(Method::GET, &format!("/api/v1/outbox/{id}"), None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert!(
            !app.get("/api/v1/outbox")
                .await
                .to_string()
                .contains("erased@example.com")
        );
    }
);

/// POSTs a members CSV to an organization's import endpoint as the admin.
async fn import_csv(app: &TestApp, org: &Value, csv: &str) -> Value {
    let r = app
        .import_request(&app.admin_key, org["id"].as_str().unwrap(), csv)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json().await.unwrap()
}

const IMPORT_CSV: &str = "email,username,first_name,last_name,language\n\
    greta@example.com,greta,Greta,Gross,de\n\
    ian@example.com,,Ian,Imported,\n";

each_backend!(
    an_imported_welcome_is_kept_as_its_template_until_it_is_sent,
    |backend| async move {
        // Without SMTP the messages are held: stored as template and variables, shown
        // rendered.
        let Some(app) = TestApp::spawn(backend).await else {
            return;
        };
        let org = app.org("Acme", None).await;
        let v = import_csv(&app, &org, IMPORT_CSV).await;
        assert_eq!(v["welcome_emails"], 2, "{v}");
        let list = app.get("/api/v1/outbox?status=held").await;
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), 2, "{list}");
        let subjects: Vec<&str> = items
            .iter()
            .map(|m| m["subject"].as_str().unwrap())
            .collect();
        assert!(subjects.contains(&"Willkommen bei Portico"), "{subjects:?}");
        assert!(subjects.contains(&"Welcome to Portico"), "{subjects:?}");
        assert!(
            !list.to_string().contains("set-password"),
            "a list carries no link: {list}"
        );
        for m in items {
            let id: EmailId = m["id"].as_str().unwrap().parse().unwrap();
            let stored = app.store.get_email(id).await.unwrap().unwrap();
            assert!(stored.deferred.is_some(), "kept as template and variables");
            assert!(stored.text_body.is_empty() && stored.html_body.is_empty());
            let shown = app.get(&format!("/api/v1/outbox/{id}")).await;
            assert!(
                shown["text_body"]
                    .as_str()
                    .unwrap()
                    .contains("/set-password/"),
                "{shown}"
            );
            assert!(shown.get("vars").is_none(), "{shown}");
        }
        drop(app);

        // With SMTP: rendered when sent, in the row's language, and stored as sent.
        let smtp = SmtpServer::start().await;
        let Some(app) = TestApp::spawn_with_smtp(backend, &smtp.url()).await else {
            return;
        };
        let org = app.org("Acme", None).await;
        import_csv(&app, &org, IMPORT_CSV).await;
        let mails = smtp.wait_for(2).await;
        let greta = mails
            .iter()
            .find(|m| m.to == ["greta@example.com"])
            .unwrap();
        assert_eq!(greta.subject, "Willkommen bei Portico");
        assert!(greta.text.contains("Hallo Greta Gross"), "{}", greta.text);
        assert!(greta.text.contains("greta"), "{}", greta.text);
        let ian = mails.iter().find(|m| m.to == ["ian@example.com"]).unwrap();
        assert_eq!(ian.subject, "Welcome to Portico");
        assert!(
            ian.text.contains("ian"),
            "the suggested username: {}",
            ian.text
        );
        let path = ian
            .text
            .split_whitespace()
            .find(|w| w.contains("/set-password/"))
            .unwrap();
        let path = &path[path.find("/set-password/").unwrap()..];
        let page = app.http.get(app.url(path)).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK, "the link works");
        let list = app.get("/api/v1/outbox").await;
        for m in list["items"].as_array().unwrap() {
            let id: EmailId = m["id"].as_str().unwrap().parse().unwrap();
            let v = wait_status(&app, id, "sent").await;
            assert!(v["text_body"].as_str().unwrap().contains("/set-password/"));
            let stored = app.store.get_email(id).await.unwrap().unwrap();
            assert!(stored.deferred.is_none(), "stored rendered once sent");
            assert_eq!(stored.text_body, v["text_body"].as_str().unwrap());
        }
        app.mail.unwrap().stop().await;
    }
);
