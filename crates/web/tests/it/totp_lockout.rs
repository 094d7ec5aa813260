//! S6, U8 from the attacker's side: the second step of a login (the TOTP code) is locked
//! out by the account's security policy exactly as the password is — the same number of
//! failures in the same window, after which even the right code is refused, with an answer
//! that does not tell a locked account from a wrong code — and parallel guesses get no more
//! tries than sequential ones. Both databases.

use crate::both_backends;
use crate::credentials::{code, enrol, raw_login, totp_step};
use crate::helpers::{ADMIN_PASSWORD, TestApp};
use portico_domain::totp::TotpSecret;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The policy's lockout for Acme: three failures per fifteen minutes.
const MAX_FAILURES: usize = 3;
const WINDOW_SECS: i64 = 900;

/// Six-digit codes that are wrong for every time step around now.
fn wrong_codes(app: &TestApp, secret: &str, n: usize) -> Vec<String> {
    let s = TotpSecret::parse(secret).unwrap();
    let now = app.services.now().millis() / 1000;
    let valid: Vec<String> = (-3..=3).map(|k| s.code_at(now + k * 30)).collect();
    (0..)
        .map(|k| format!("{:06}", (123_457 * (k + 1)) % 1_000_000))
        .filter(|c| !valid.contains(c))
        .take(n)
        .collect()
}

/// The reasons of the `login.failed` entries about `user`.
async fn failure_reasons(app: &TestApp, user: &Value) -> Vec<String> {
    let v = app
        .get(&format!(
            "/api/v1/audit-events?action=login.failed&user={}&limit=100",
            user["id"].as_str().unwrap()
        ))
        .await;
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["changes"]["reason"].as_str().unwrap_or("").to_string())
        .collect()
}

async fn challenge_for(app: &TestApp, login: &str) -> String {
    let (s, p) = raw_login(app, json!({ "login": login, "password": ADMIN_PASSWORD })).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{p}");
    assert_eq!(p["type"], "urn:portico:problem:mfa-required");
    p["challenge"].as_str().unwrap().to_string()
}

async fn password_status(app: &TestApp, login: &str, password: &str) -> StatusCode {
    raw_login(app, json!({ "login": login, "password": password }))
        .await
        .0
}

/// The LMS preset and Acme, whose security policy locks out after `MAX_FAILURES` failures in
/// `WINDOW_SECS`.
async fn acme_with_lockout(app: &TestApp) -> Value {
    app.import_preset("lms").await;
    let acme = app.org("Acme", None).await;
    let (s, v) = app
        .api(
            Method::PUT,
            &format!(
                "/api/v1/organizations/{}/security-policy",
                acme["id"].as_str().unwrap()
            ),
            Some(json!({ "lockout_max_failures": MAX_FAILURES })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["effective"]["lockout_window_secs"], WINDOW_SECS);
    acme
}

both_backends!(
    wrong_totp_codes_lock_out_like_wrong_passwords,
    |app: TestApp| async move {
        let acme = acme_with_lockout(&app).await;
        let (gus, _) = app
            .staff(
                "gus",
                "lms.organization_administrator",
                Some(&acme),
                Some(&acme),
            )
            .await;
        app.staff(
            "pia",
            "lms.organization_administrator",
            Some(&acme),
            Some(&acme),
        )
        .await;

        // Passwords (Pia, no second factor): three failures at once, then even the right
        // password is refused until the window has passed.
        let guesses = (0..MAX_FAILURES).map(|n| {
            let app = &app;
            async move { password_status(app, "pia", &format!("wrong guess number {n}")).await }
        });
        for s in futures::future::join_all(guesses).await {
            assert_eq!(s, StatusCode::UNAUTHORIZED);
        }
        assert_eq!(
            password_status(&app, "pia", ADMIN_PASSWORD).await,
            StatusCode::UNAUTHORIZED
        );

        // The second factor (Gus): the same rule.
        let (c, csrf) = app.login("gus", ADMIN_PASSWORD).await;
        let secret = enrol(&c, &app, &csrf).await;
        app.clock.advance_secs(30);
        let challenge = challenge_for(&app, "gus").await;
        // Three times the limit of wrong codes, all at once.
        let wrong = wrong_codes(&app, &secret, 3 * MAX_FAILURES);
        let attempts = wrong.iter().map(|w| {
            let (app, challenge) = (&app, &challenge);
            async move {
                let r = totp_step(app, challenge, w).await;
                let s = r.status();
                (s, r.json::<Value>().await.unwrap())
            }
        });
        let answers = futures::future::join_all(attempts).await;
        let first = answers[0].1.clone();
        for (s, body) in &answers {
            assert_eq!(*s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert_eq!(body, &first, "a locked account answers like a wrong code");
        }
        assert_eq!(first["field"], "code");
        // Only as many codes as the policy allows were checked; the rest were refused
        // unchecked.
        let reasons = failure_reasons(&app, &gus).await;
        let checked = reasons.iter().filter(|r| *r == "second-factor").count();
        let throttled = reasons
            .iter()
            .filter(|r| *r == "second-factor-throttled")
            .count();
        assert_eq!(
            (checked, throttled),
            (MAX_FAILURES, 2 * MAX_FAILURES),
            "{reasons:?}"
        );

        // Locked: the right code is refused, with the same answer, on the second step and in
        // a one-step login with the code.
        let r = totp_step(&app, &challenge, &code(&app, &secret)).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json::<Value>().await.unwrap(), first);
        app.clock.advance_secs(30);
        let (s, body) = raw_login(
            &app,
            json!({ "login": "gus", "password": ADMIN_PASSWORD, "totp_code": code(&app, &secret) }),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body, first);
        // Pia's failures are 60 s older than now, Gus's codes 30 s. One second before
        // Pia's window ends both are still locked.
        app.clock.advance_secs(WINDOW_SECS - 61);
        assert_eq!(
            password_status(&app, "pia", ADMIN_PASSWORD).await,
            StatusCode::UNAUTHORIZED,
            "passwords: still locked"
        );
        let challenge = challenge_for(&app, "gus").await;
        let r = totp_step(&app, &challenge, &code(&app, &secret)).await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "codes: still locked"
        );
        // Past Pia's window she signs in; Gus's codes are still inside theirs.
        app.clock.advance_secs(2);
        assert_eq!(
            password_status(&app, "pia", ADMIN_PASSWORD).await,
            StatusCode::OK
        );
        let r = totp_step(&app, &challenge, &code(&app, &secret)).await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "codes: still locked"
        );
        // Past theirs, the right code signs Gus in.
        app.clock.advance_secs(30);
        let r = totp_step(&app, &challenge, &code(&app, &secret)).await;
        assert_eq!(
            r.status(),
            StatusCode::OK,
            "the right code after the window"
        );
    }
);

both_backends!(
    right_codes_do_not_count_against_the_next_logins,
    |app: TestApp| async move {
        let acme = acme_with_lockout(&app).await;
        app.staff(
            "gus",
            "lms.organization_administrator",
            Some(&acme),
            Some(&acme),
        )
        .await;
        let (c, csrf) = app.login("gus", ADMIN_PASSWORD).await;
        let secret = enrol(&c, &app, &csrf).await;
        // More successful logins than the limit, all inside one window, each with a fresh
        // code: a right code settles the counter, so none is refused.
        for n in 0..MAX_FAILURES + 2 {
            app.clock.advance_secs(30);
            let challenge = challenge_for(&app, "gus").await;
            let r = totp_step(&app, &challenge, &code(&app, &secret)).await;
            assert_eq!(r.status(), StatusCode::OK, "login {n}");
        }
        // One wrong code short of the limit, then the right one: signed in, and the count
        // starts again, so the next time the same number of mistakes is allowed.
        for round in 0..2 {
            app.clock.advance_secs(30);
            let challenge = challenge_for(&app, "gus").await;
            for w in wrong_codes(&app, &secret, MAX_FAILURES - 1) {
                let r = totp_step(&app, &challenge, &w).await;
                assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
            }
            let r = totp_step(&app, &challenge, &code(&app, &secret)).await;
            assert_eq!(r.status(), StatusCode::OK, "round {round}");
        }
        // The limit itself still holds: as many wrong codes as allowed lock the step.
        app.clock.advance_secs(30);
        let challenge = challenge_for(&app, "gus").await;
        for w in wrong_codes(&app, &secret, MAX_FAILURES) {
            let r = totp_step(&app, &challenge, &w).await;
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        }
        let r = totp_step(&app, &challenge, &code(&app, &secret)).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "locked");
    }
);
