//! U8 from the outside: generated passwords shown once, TOTP enrolment and login with
//! replayed codes refused, administrators' resets under P6, and the S6 policy that requires
//! a second factor of back-office users.

use crate::both_backends;
use crate::helpers::{ADMIN_PASSWORD, TestApp};
use portico_domain::totp::TotpSecret;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

/// The current TOTP code of a secret at the test clock's time.
pub(crate) fn code(app: &TestApp, secret: &str) -> String {
    TotpSecret::parse(secret)
        .unwrap()
        .code_at(app.services.now().millis() / 1000)
}

async fn post(
    c: &reqwest::Client,
    app: &TestApp,
    csrf: &str,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    let r = c
        .post(app.url(path))
        .header("X-CSRF-Token", csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

/// Sets up TOTP for the logged-in client; returns the secret.
pub(crate) async fn enrol(c: &reqwest::Client, app: &TestApp, csrf: &str) -> String {
    let (s, e) = post(c, app, csrf, "/api/v1/auth/me/mfa", json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
    let secret = e["secret"].as_str().unwrap().to_string();
    assert!(
        e["otpauth_uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/")
    );
    let (s, v) = post(
        c,
        app,
        csrf,
        "/api/v1/auth/me/mfa/confirm",
        json!({ "code": "000000" }),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a wrong first code is refused: {v}"
    );
    let (s, v) = post(
        c,
        app,
        csrf,
        "/api/v1/auth/me/mfa/confirm",
        json!({ "code": code(app, &secret) }),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    secret
}

/// The second step of a login: a challenge and a code.
pub(crate) async fn totp_step(app: &TestApp, challenge: &str, code: &str) -> reqwest::Response {
    app.http
        .post(app.url("/api/v1/auth/login/totp"))
        .json(&json!({ "challenge": challenge, "code": code }))
        .send()
        .await
        .unwrap()
}

pub(crate) async fn raw_login(app: &TestApp, body: Value) -> (StatusCode, Value) {
    let r = app
        .http
        .post(app.url("/api/v1/auth/login"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

both_backends!(
    generated_password_is_shown_once_and_works,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let org = app.org("Acme", None).await;
        let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/organizations/{}/members", id(&org)),
            Some(json!({ "email": "gen@example.com", "first_name": "Gen", "last_name": "Erated", "credentials": "generated_password" })),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let pw = v["generated_password"]
            .as_str()
            .expect("shown once")
            .to_string();
        assert_eq!(pw.len(), 27);
        assert_eq!(v["user"]["status"], "active");
        assert_eq!(v["welcome_email"], false);
        // Never retrievable again: not on the user, not in the audit log.
        let user = app.get(&format!("/api/v1/users/{}", id(&v["user"]))).await;
        assert!(!user.to_string().contains(&pw));
        let audit = app.get("/api/v1/audit-events?limit=50").await;
        assert!(
            !audit.to_string().contains(&pw),
            "the password is not in the audit log"
        );
        // It logs in (as an application user: no back office, but a session).
        let (s, body) =
            raw_login(&app, json!({ "login": "gen@example.com", "password": pw })).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert_eq!(body["back_office"], false);
        // A bad choice is refused with the field named, and nothing is created.
        let (s, v) = app
            .api(
                Method::POST,
                &format!("/api/v1/organizations/{}/members", id(&org)),
                Some(json!({ "email": "bad@example.com", "credentials": "carrier-pigeon" })),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["field"], "credentials");
        let (_, list) = app.api(Method::GET, "/api/v1/users?q=bad", None).await;
        assert_eq!(list["items"].as_array().unwrap().len(), 0);
    }
);

both_backends!(
    totp_login_refuses_replayed_codes,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let org = app.org("Acme", None).await;
        let (user, _) = app
            .staff(
                "tina",
                "lms.organization_administrator",
                Some(&org),
                Some(&org),
            )
            .await;
        let (c, csrf) = app.login("tina", ADMIN_PASSWORD).await;
        let secret = enrol(&c, &app, &csrf).await;
        // From now on the password alone is not enough: a challenge comes back instead.
        let (s, p) = raw_login(&app, json!({ "login": "tina", "password": ADMIN_PASSWORD })).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{p}");
        assert_eq!(p["type"], "urn:portico:problem:mfa-required");
        let challenge = p["challenge"].as_str().unwrap().to_string();
        // A wrong password still says nothing about the second factor.
        let (s, p) = raw_login(
            &app,
            json!({ "login": "tina", "password": "wrong wrong wrong wrong" }),
        )
        .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert_eq!(p["type"], "urn:portico:problem:invalid-credentials");
        assert!(p.get("challenge").is_none());
        // The code that confirmed enrolment was used: replaying it is refused.
        let used = code(&app, &secret);
        let r = totp_step(&app, &challenge, &used).await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "replayed code refused"
        );
        // The next time step's code works, once.
        app.clock.advance_secs(30);
        let fresh = code(&app, &secret);
        let r = totp_step(&app, &challenge, &fresh).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.headers().get("set-cookie").is_some(), "a session cookie");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["user"]["username"], "tina");
        // The challenge was used up, and the same code in a one-step login is a replay.
        let r = totp_step(&app, &challenge, &fresh).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let (s, _) = raw_login(
            &app,
            json!({ "login": "tina", "password": ADMIN_PASSWORD, "totp_code": fresh }),
        )
        .await;
        assert_eq!(
            s,
            StatusCode::UNPROCESSABLE_ENTITY,
            "same code twice in its window"
        );
        app.clock.advance_secs(30);
        let (s, v) = raw_login(&app, json!({ "login": "tina", "password": ADMIN_PASSWORD, "totp_code": code(&app, &secret) })).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        // An administrator removes the second factor (lost phone): the password works alone again.
        let (s, v) = app
            .api(
                Method::DELETE,
                &format!("/api/v1/users/{}/mfa", id(&user)),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (s, _) = raw_login(&app, json!({ "login": "tina", "password": ADMIN_PASSWORD })).await;
        assert_eq!(s, StatusCode::OK);
    }
);

both_backends!(
    second_factor_codes_cannot_be_guessed_in_bulk,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let org = app.org("Acme", None).await;
        app.staff(
            "gus",
            "lms.organization_administrator",
            Some(&org),
            Some(&org),
        )
        .await;
        let (c, csrf) = app.login("gus", ADMIN_PASSWORD).await;
        let secret = enrol(&c, &app, &csrf).await;
        app.clock.advance_secs(30);
        let (_, p) = raw_login(&app, json!({ "login": "gus", "password": ADMIN_PASSWORD })).await;
        let challenge = p["challenge"].as_str().unwrap().to_string();
        for n in 0..6 {
            let r = totp_step(&app, &challenge, &format!("{:06}", 111111 * (n % 9))).await;
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        }
        // Past the limit, even the right code is refused until the window passes.
        let r = totp_step(&app, &challenge, &code(&app, &secret)).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
);

both_backends!(
    administrator_resets_follow_no_escalation,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let org = app.org("Acme", None).await;
        let other = app.org("Other", None).await;
        let (_, weak_key) = app
            .staff(
                "orgadmin",
                "lms.organization_administrator",
                Some(&org),
                Some(&org),
            )
            .await;
        let (s, m) = app.add_member(&org, "pat@example.com", "Pat", "Lee").await;
        assert_eq!(s, StatusCode::CREATED);
        let pat = m["user"].clone();
        app.activate(&pat).await;
        let (s, m) = app.add_member(&other, "oz@example.com", "Oz", "Out").await;
        assert_eq!(s, StatusCode::CREATED);
        let outsider = m["user"].clone();
        let (platform, _) = app.platform_admin("boss").await;
        let admin = app.get("/api/v1/auth/me").await["user"].clone();

        // The org admin resets their own member: a generated password, the old one stops.
        let (s, v) = app
            .api_as(
                &weak_key,
                Method::POST,
                &format!("/api/v1/users/{}/password-reset", id(&pat)),
                Some(json!({ "mode": "generate" })),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let pw = v["generated_password"].as_str().unwrap().to_string();
        let (s, _) = raw_login(
            &app,
            json!({ "login": "pat@example.com", "password": ADMIN_PASSWORD }),
        )
        .await;
        assert_eq!(
            s,
            StatusCode::UNAUTHORIZED,
            "the old password no longer works"
        );
        let (s, _) = raw_login(&app, json!({ "login": "pat@example.com", "password": pw })).await;
        assert_eq!(s, StatusCode::OK);

        // Another tenant's member, a platform administrator and the super admin are out of reach.
        let before = app.audit_seq().await;
        for target in [&outsider, &platform, &admin] {
            let (s, v) = app
                .api_as(
                    &weak_key,
                    Method::POST,
                    &format!("/api/v1/users/{}/password-reset", id(target)),
                    Some(json!({ "mode": "generate" })),
                )
                .await;
            assert!(
                s == StatusCode::NOT_FOUND || s == StatusCode::FORBIDDEN,
                "{s} {v}"
            );
            assert!(v.get("generated_password").is_none());
            let (s, _) = app
                .api_as(
                    &weak_key,
                    Method::DELETE,
                    &format!("/api/v1/users/{}/mfa", id(target)),
                    None,
                )
                .await;
            assert!(s == StatusCode::NOT_FOUND || s == StatusCode::FORBIDDEN);
        }
        assert_eq!(app.audit_seq().await, before, "nothing was written");
        let (s, _) = raw_login(&app, json!({ "login": "boss", "password": ADMIN_PASSWORD })).await;
        assert_eq!(
            s,
            StatusCode::OK,
            "the platform admin's password is untouched"
        );
    }
);

both_backends!(
    policy_requires_a_second_factor_for_the_back_office,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let org = app.org("Acme", None).await;
        let (s, m) = app
            .add_member(&org, "learner@example.com", "Lee", "Arner")
            .await;
        assert_eq!(s, StatusCode::CREATED);
        app.activate(&m["user"]).await;
        app.staff(
            "sam",
            "lms.organization_administrator",
            Some(&org),
            Some(&org),
        )
        .await;
        let strict = app
            .second_server_with(portico_services::ServiceConfig {
                mfa_required_for_back_office: true,
                ..Default::default()
            })
            .await;
        let (c, csrf) = strict.login("sam", ADMIN_PASSWORD).await;
        // Signed in, but the back office answers "set up a second factor first".
        let r = c
            .get(strict.url(&format!("/api/v1/organizations/{}", id(&org))))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["type"], "urn:portico:problem:mfa-enrollment-required");
        // The console sends them to the set-up page.
        let r = c.get(strict.url("/organizations")).send().await.unwrap();
        assert_eq!(
            r.url().path(),
            "/account/security",
            "redirected to the set-up page"
        );
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"mfa-required-notice\""), "{html}");
        assert!(html.contains("id=\"mfa-begin\""));
        let status: Value = c
            .get(strict.url("/api/v1/auth/me/mfa"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(status["required"], true);
        assert_eq!(status["enabled"], false);
        // Setting it up opens the back office.
        let secret = enrol(&c, &strict, &csrf).await;
        let r = c
            .get(strict.url(&format!("/api/v1/organizations/{}", id(&org))))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        // And it cannot be turned off while the policy requires it.
        let (s, v) = post(
            &c,
            &strict,
            &csrf,
            "/api/v1/auth/me/mfa/disable",
            json!({ "password": ADMIN_PASSWORD }),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert_eq!(v["type"], "urn:portico:problem:mfa-required-by-policy");
        assert!(!secret.is_empty());
        // An application user (no back office) is not asked for one.
        let (s, v) = raw_login(
            &strict,
            json!({ "login": "learner@example.com", "password": ADMIN_PASSWORD }),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
);
