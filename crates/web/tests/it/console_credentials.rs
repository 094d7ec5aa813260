//! U8 in the console: the add-member form's credential choice with a password shown once,
//! setting up a second factor from Account security, the login's second step, and an
//! administrator's "Reset sign-in" page.

use crate::both_backends;
use crate::console_access::{console_as, page, submit};
use crate::helpers::{ADMIN_PASSWORD, TestApp};
use portico_domain::totp::TotpSecret;
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::{Value, json};

fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} not in {html}"))
        + start.len();
    let j = html[i..].find(end).unwrap() + i;
    &html[i..j]
}

both_backends!(
    console_add_member_shows_a_generated_password_once,
    |app: TestApp| async move {
        let org = app.org("Acme", None).await;
        let slug = org["slug"].as_str().unwrap();
        let c = console_as(&app, "admin").await;
        let users = format!("/organizations/{slug}/users");
        let (s, html) = page(&c, &app, &users).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            html.contains("id=\"cred-welcome\""),
            "the choice is offered"
        );
        let r = submit(
            &c,
            &app,
            &users,
            &users,
            &[
                ("email", "gina@example.com"),
                ("first_name", "Gina"),
                ("last_name", "Gen"),
                ("credentials", "generated_password"),
            ],
        )
        .await;
        assert_eq!(
            r.status(),
            StatusCode::OK,
            "the password page, not a redirect"
        );
        assert_eq!(r.headers()["cache-control"], "no-store");
        let html = r.text().await.unwrap();
        let pw = between(&html, "id=\"generated-password\">", "<").to_string();
        assert_eq!(pw.len(), 27, "{pw}");
        let (_, again) = page(&c, &app, &users).await;
        assert!(!again.contains(&pw), "shown once, never again");
        let r = app
            .http
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({ "login": "gina@example.com", "password": pw }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        // The welcome choice says an email is on its way (held in the outbox without SMTP).
        let r = submit(
            &c,
            &app,
            &users,
            &users,
            &[
                ("email", "walt@example.com"),
                ("credentials", "welcome_email"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let outbox = app.get("/api/v1/outbox?limit=10").await;
        assert!(outbox.to_string().contains("walt@example.com"));
    }
);

both_backends!(
    second_factor_set_up_and_used_in_the_console,
    |app: TestApp| async move {
        let c = console_as(&app, "admin").await;
        let (s, html) = page(&c, &app, "/account/security").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("id=\"mfa-begin\""));
        let r = submit(&c, &app, "/account/security", "/account/security/totp", &[]).await;
        assert_eq!(r.status(), StatusCode::OK);
        let html = r.text().await.unwrap();
        assert!(html.contains("<svg"), "a QR code");
        let secret = between(&html, "id=\"mfa-secret\">", "<").to_string();
        let s = TotpSecret::parse(&secret).unwrap();
        let now = || app.services.now().millis() / 1000;
        // A wrong code: the same set-up page again, the error next to the field.
        let r = submit(
            &c,
            &app,
            "/account/security",
            "/account/security/totp/confirm",
            &[("code", "000000")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"mfa-code-error\""), "{html}");
        assert_eq!(
            between(&html, "id=\"mfa-secret\">", "<"),
            secret,
            "the same secret"
        );
        let r = submit(
            &c,
            &app,
            "/account/security",
            "/account/security/totp/confirm",
            &[("code", &s.code_at(now()))],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, html) = page(&c, &app, "/account/security").await;
        assert!(html.contains("badge-active\">on"), "{html}");
        // An email tells the account owner.
        let outbox = app.get("/api/v1/outbox?limit=10").await;
        assert!(outbox.to_string().contains("mfa_enabled"), "{outbox}");

        // Signing in now takes two steps.
        let fresh = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let r = fresh
            .post(app.url("/login"))
            .form(&[
                ("login", "admin"),
                ("password", ADMIN_PASSWORD),
                ("next", "/organizations"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.headers().get("set-cookie").is_none(), "no session yet");
        let html = r.text().await.unwrap();
        let challenge = between(&html, "name=\"challenge\" value=\"", "\"").to_string();
        app.clock.advance_secs(30);
        let r = fresh
            .post(app.url("/login/totp"))
            .form(&[
                ("challenge", challenge.as_str()),
                ("code", "123456"),
                ("next", "/organizations"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let r = fresh
            .post(app.url("/login/totp"))
            .form(&[
                ("challenge", challenge.as_str()),
                ("code", &s.code_at(now())),
                ("next", "/organizations"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()[LOCATION], "/organizations");
        let (s, _) = page(&fresh, &app, "/organizations").await;
        assert_eq!(s, StatusCode::OK, "signed in");
        // Turning it off needs the password.
        let r = submit(
            &c,
            &app,
            "/account/security",
            "/account/security/totp/disable",
            &[("password", "not my password at all")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let r = submit(
            &c,
            &app,
            "/account/security",
            "/account/security/totp/disable",
            &[("password", ADMIN_PASSWORD)],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, html) = page(&c, &app, "/account/security").await;
        assert!(html.contains("id=\"mfa-begin\""));
    }
);

both_backends!(
    reset_sign_in_page_respects_who_may_reset,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let org = app.org("Acme", None).await;
        let (s, v) = app.add_member(&org, "mo@example.com", "Mo", "Member").await;
        assert_eq!(s, StatusCode::CREATED);
        let mo: Value = v["user"].clone();
        app.activate(&mo).await;
        app.staff(
            "orgadm",
            "lms.organization_administrator",
            Some(&org),
            Some(&org),
        )
        .await;
        let (platform, _) = app.platform_admin("platadm").await;
        let c = console_as(&app, "orgadm").await;
        let mo_page = format!("/users/{}", mo["id"].as_str().unwrap());
        let (_, html) = page(&c, &app, &mo_page).await;
        assert!(
            html.contains("id=\"credentials-link\""),
            "the button is offered"
        );
        let creds = format!("{mo_page}/credentials");
        let r = submit(&c, &app, &creds, &creds, &[("action", "generate")]).await;
        assert_eq!(r.status(), StatusCode::OK);
        let html = r.text().await.unwrap();
        let pw = between(&html, "id=\"generated-password\">", "<").to_string();
        let r = app
            .http
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({ "login": "mo@example.com", "password": pw }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        // A platform administrator is out of the org admin's reach: not found, no button.
        let (s, _) = page(
            &c,
            &app,
            &format!("/users/{}/credentials", platform["id"].as_str().unwrap()),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // The email link choice queues a reset email.
        let r = submit(&c, &app, &creds, &creds, &[("action", "email")]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let outbox = app.get("/api/v1/outbox?limit=10").await.to_string();
        assert!(outbox.contains("password_reset"));
    }
);
