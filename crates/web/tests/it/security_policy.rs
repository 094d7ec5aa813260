//! S6: the security policy, platform-wide with per-organization overrides — through the API,
//! the console, and the sign-ins it governs (lockout, session lifetime and idle timeout, the
//! second factor for back-office users), on both databases and across two server processes.

use crate::both_backends;
use crate::console_access::{console_as, page, submit};
use crate::helpers::*;
use reqwest::header::{ETAG, IF_MATCH};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const PLATFORM: &str = "/api/v1/settings/security";

fn org_policy(org: &Value) -> String {
    format!(
        "/api/v1/organizations/{}/security-policy",
        org["id"].as_str().unwrap()
    )
}

fn policy(overrides: Value) -> Value {
    let mut p = json!({
        "password_min_length": 15,
        "password_min_length_with_mfa": 8,
        "session_lifetime_secs": 43200,
        "session_idle_secs": 1800,
        "mfa_required": false,
        "lockout_max_failures": 5,
        "lockout_window_secs": 900,
    });
    for (k, v) in overrides.as_object().unwrap() {
        p[k] = v.clone();
    }
    p
}

async fn login_status(app: &TestApp, login: &str, password: &str) -> StatusCode {
    reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "login": login, "password": password }))
        .send()
        .await
        .unwrap()
        .status()
}

/// A raw request with an `If-Match` header; answers (status, etag, body).
async fn put_if_match(
    app: &TestApp,
    path: &str,
    etag: Option<&str>,
    body: Value,
) -> (StatusCode, Option<String>, Value) {
    let mut rb = app
        .http
        .put(app.url(path))
        .bearer_auth(&app.admin_key)
        .json(&body);
    if let Some(e) = etag {
        rb = rb.header(IF_MATCH, e);
    }
    let r = rb.send().await.unwrap();
    let s = r.status();
    let tag = r
        .headers()
        .get(ETAG)
        .map(|v| v.to_str().unwrap().to_string());
    (s, tag, r.json().await.unwrap_or(Value::Null))
}

both_backends!(
    the_platform_policy_starts_from_the_configuration_and_refuses_bad_values,
    |app: TestApp| async move {
        let v = app.get(PLATFORM).await;
        assert_eq!(v["saved"], false);
        assert_eq!(v["policy"], policy(json!({})));
        let before = app.audit_seq().await;

        // Out of bounds, inconsistent, unknown fields: 422 with the field, nothing stored.
        for (body, field) in [
            (
                policy(json!({ "password_min_length": 7 })),
                "password_min_length",
            ),
            (
                policy(json!({ "session_idle_secs": 50000 })),
                "session_idle_secs",
            ),
            (
                policy(json!({ "password_min_length_with_mfa": 20 })),
                "password_min_length_with_mfa",
            ),
            (
                policy(json!({ "lockout_max_failures": 0 })),
                "lockout_max_failures",
            ),
            (
                policy(json!({ "lockout_window_secs": 10 })),
                "lockout_window_secs",
            ),
        ] {
            let (s, v) = app.api(Method::PUT, PLATFORM, Some(body)).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
            assert_eq!(v["field"], field, "{v}");
        }
        let (s, _) = app
            .api(Method::PUT, PLATFORM, Some(policy(json!({ "extra": 1 }))))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            app.audit_seq().await,
            before,
            "refused writes leave no trace"
        );
        assert_eq!(app.get(PLATFORM).await["saved"], false);

        // Saved with If-Match; a second writer holding the old ETag is refused.
        let (s, tag, v) = put_if_match(
            &app,
            PLATFORM,
            Some("\"v0\""),
            policy(json!({ "lockout_max_failures": 3 })),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["saved"], true);
        assert_eq!(tag.as_deref(), Some("\"v1\""));
        let (s, _, v) = put_if_match(
            &app,
            PLATFORM,
            Some("\"v0\""),
            policy(json!({ "lockout_max_failures": 9 })),
        )
        .await;
        assert_eq!(s, StatusCode::PRECONDITION_FAILED, "{v}");
        assert_eq!(v["type"], "urn:portico:problem:stale-version");
        assert_eq!(app.get(PLATFORM).await["policy"]["lockout_max_failures"], 3);

        // The audit entry names the rule that changed, before and after.
        let events = app.get("/api/v1/audit-events?action=security_policy").await;
        let e = &events["items"][0];
        assert_eq!(e["action"], "security_policy.update");
        assert_eq!(
            e["changes"]["lockout_max_failures"],
            json!({ "before": 5, "after": 3 })
        );

        // Back to the defaults.
        let (s, v) = app.api(Method::DELETE, PLATFORM, None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["saved"], false);
        assert_eq!(v["policy"], policy(json!({})));
    }
);

both_backends!(
    the_lockout_rule_is_the_accounts_policy_and_applies_on_every_server,
    |app: TestApp| async move {
        let acme = app.org("Acme", None).await;
        let other = app.org("Other", None).await;
        app.staff("strict", "basic.no_access", Some(&acme), None)
            .await;
        app.staff("relaxed", "basic.no_access", Some(&other), None)
            .await;
        // Acme allows two failures; the platform keeps five.
        let (s, v) = app
            .api(
                Method::PUT,
                &org_policy(&acme),
                Some(json!({ "lockout_max_failures": 2 })),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["effective"]["lockout_max_failures"], 2);
        assert_eq!(v["inherited"]["lockout_max_failures"], 5);

        // A second process on the same database sees the override at once.
        let two = app.second_server().await;
        for _ in 0..2 {
            assert_eq!(
                login_status(&two, "strict", "wrong password here").await,
                StatusCode::UNAUTHORIZED
            );
            assert_eq!(
                login_status(&two, "relaxed", "wrong password here").await,
                StatusCode::UNAUTHORIZED
            );
        }
        // The third failure locks `strict` out (the right password no longer helps) but not
        // `relaxed`, whose organization follows the platform's five.
        assert_eq!(
            login_status(&app, "strict", ADMIN_PASSWORD).await,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            login_status(&app, "relaxed", ADMIN_PASSWORD).await,
            StatusCode::OK
        );
        // Once the window has passed, `strict` signs in again.
        app.clock.advance_secs(901);
        assert_eq!(
            login_status(&app, "strict", ADMIN_PASSWORD).await,
            StatusCode::OK
        );
    }
);

both_backends!(
    sessions_keep_the_lifetime_and_idle_timeout_of_their_policy,
    |app: TestApp| async move {
        let acme = app.org("Acme", None).await;
        let sub = app.org("Acme Labs", Some(&acme)).await;
        app.staff("labber", "basic.no_access", Some(&sub), None)
            .await;
        // Acme's override reaches its sub-organization's people.
        let (s, v) = app
            .api(
                Method::PUT,
                &org_policy(&acme),
                Some(json!({ "session_lifetime_secs": 600, "session_idle_secs": 300 })),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let inherited = app.get(&org_policy(&sub)).await;
        assert_eq!(inherited["effective"]["session_idle_secs"], 300);
        assert_eq!(inherited["override"], json!({}));

        let (c, _) = app.login("labber", ADMIN_PASSWORD).await;
        let me = |c: reqwest::Client| {
            let url = app.url("/api/v1/auth/me");
            async move { c.get(url).send().await.unwrap().status() }
        };
        // Used every four minutes: the idle timeout (5 min) never strikes, the lifetime
        // (10 min) does.
        app.clock.advance_secs(240);
        assert_eq!(me(c.clone()).await, StatusCode::OK);
        app.clock.advance_secs(240);
        assert_eq!(me(c.clone()).await, StatusCode::OK);
        app.clock.advance_secs(130);
        assert_eq!(me(c.clone()).await, StatusCode::UNAUTHORIZED);

        // A new session left alone for more than five minutes ends.
        let (c, _) = app.login("labber", ADMIN_PASSWORD).await;
        app.clock.advance_secs(301);
        assert_eq!(me(c).await, StatusCode::UNAUTHORIZED);

        // The super admin (no home organization) keeps the platform's 30 minutes.
        let (c, _) = app.login("admin", ADMIN_PASSWORD).await;
        app.clock.advance_secs(1000);
        assert_eq!(me(c).await, StatusCode::OK);
    }
);

both_backends!(
    an_organization_can_require_a_second_factor_of_its_back_office_people,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let acme = app.org("Acme", None).await;
        let other = app.org("Other", None).await;
        let (_, acme_key) = app
            .staff(
                "acmeadmin",
                "lms.organization_administrator",
                Some(&acme),
                Some(&acme),
            )
            .await;
        app.staff(
            "otheradmin",
            "lms.organization_administrator",
            Some(&other),
            Some(&other),
        )
        .await;

        // Acme's own administrator tightens the rule for Acme.
        let (s, v) = app
            .api_as(
                &acme_key,
                Method::PUT,
                &org_policy(&acme),
                Some(json!({ "mfa_required": true })),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");

        // Acme's people must set up a second factor before using the back office; Other's
        // need not.
        let (c, _) = app.login("acmeadmin", ADMIN_PASSWORD).await;
        let r = c
            .get(app.url("/api/v1/organizations"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["type"], "urn:portico:problem:mfa-enrollment-required");
        let (c, _) = app.login("otheradmin", ADMIN_PASSWORD).await;
        let r = c
            .get(app.url("/api/v1/organizations"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
);

both_backends!(
    organization_admins_may_tighten_but_not_loosen_nor_touch_other_tenants,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let acme = app.org("Acme", None).await;
        let other = app.org("Other", None).await;
        let (_, acme_key) = app
            .staff(
                "acmeadmin",
                "lms.organization_administrator",
                Some(&acme),
                Some(&acme),
            )
            .await;
        let (_, observer_key) = app
            .staff(
                "watcher",
                "lms.content_administrator",
                Some(&acme),
                Some(&acme),
            )
            .await;
        let before = app.audit_seq().await;

        // Looser than the platform: refused for Acme's admin, with the rule named.
        for body in [
            json!({ "session_lifetime_secs": 86400 }),
            json!({ "password_min_length": 10 }),
            json!({ "lockout_max_failures": 50 }),
        ] {
            let (s, v) = app
                .api_as(&acme_key, Method::PUT, &org_policy(&acme), Some(body))
                .await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
            assert!(v["detail"].as_str().unwrap().contains("loosen"), "{v}");
        }
        // Another tenant's organization is not found; a viewer without settings.manage is
        // refused.
        let (s, _) = app
            .api_as(
                &acme_key,
                Method::PUT,
                &org_policy(&other),
                Some(json!({ "mfa_required": true })),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = app
            .api_as(&acme_key, Method::GET, &org_policy(&other), None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = app
            .api_as(
                &observer_key,
                Method::PUT,
                &org_policy(&acme),
                Some(json!({ "password_min_length": 20 })),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        // The platform's policy is not theirs to change.
        let (s, _) = app
            .api_as(&acme_key, Method::PUT, PLATFORM, Some(policy(json!({}))))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert_eq!(app.audit_seq().await, before, "nothing changed");

        // Tighter is fine; the platform's administrator may also loosen.
        let (s, v) = app
            .api_as(
                &acme_key,
                Method::PUT,
                &org_policy(&acme),
                Some(json!({ "password_min_length": 20, "session_idle_secs": 1800 })),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        // A value equal to the inherited one is not kept as an override.
        assert_eq!(v["override"], json!({ "password_min_length": 20 }));
        let (s, v) = app
            .api(
                Method::PUT,
                &org_policy(&acme),
                Some(json!({ "session_lifetime_secs": 86400 })),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["effective"]["session_lifetime_secs"], 86400);
        assert_eq!(v["effective"]["password_min_length"], 15);

        // Removing the override: everything is inherited again.
        let (s, v) = app.api(Method::DELETE, &org_policy(&acme), None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["override"], json!({}));
        assert_eq!(v["effective"], v["inherited"]);
    }
);

both_backends!(
    the_console_edits_the_platform_policy_and_an_organizations_override,
    |app: TestApp| async move {
        let acme = app.org("Acme", None).await;
        let c = console_as(&app, "admin").await;
        let (s, html) = page(&c, &app, "/settings/security").await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(
            html.contains("id=\"policy-defaults\""),
            "defaults are explained"
        );
        assert!(html.contains("id=\"nav-security\""));

        let fields = |idle: &'static str| {
            vec![
                ("password_min_length", "16"),
                ("password_min_length_with_mfa", "8"),
                ("session_lifetime_minutes", "60"),
                ("session_idle_minutes", idle),
                ("lockout_max_failures", "4"),
                ("lockout_window_minutes", "15"),
                // (Ticking "second factor required" would send this very administrator,
                // who has none, to set one up.)
                ("version", "0"),
            ]
        };
        // An idle timeout longer than the lifetime: the message is next to the field.
        let r = submit(
            &c,
            &app,
            "/settings/security",
            "/settings/security",
            &fields("90"),
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(
            html.contains("id=\"f-session_idle_minutes-error\""),
            "{html}"
        );
        assert_eq!(app.get(PLATFORM).await["saved"], false);

        let r = submit(
            &c,
            &app,
            "/settings/security",
            "/settings/security",
            &fields("20"),
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let v = app.get(PLATFORM).await;
        assert_eq!(
            v["policy"],
            policy(json!({
                "password_min_length": 16, "session_lifetime_secs": 3600,
                "session_idle_secs": 1200, "lockout_max_failures": 4
            }))
        );
        // The reset asks first, showing what changes.
        let (s, html) = page(&c, &app, "/settings/security/reset").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("id=\"reset-diff\""));

        // The organization's Settings tab: empty fields inherit.
        let href = format!("/organizations/{}/settings", acme["slug"].as_str().unwrap());
        let (s, html) = page(&c, &app, &href).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("id=\"tab-settings\""));
        let r = submit(
            &c,
            &app,
            &href,
            &href,
            &[
                ("password_min_length", "24"),
                ("session_idle_minutes", ""),
                ("mfa_required", ""),
                ("version", "0"),
                ("action", "save"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let v = app.get(&org_policy(&acme)).await;
        assert_eq!(v["override"], json!({ "password_min_length": 24 }));
        assert_eq!(v["effective"]["session_idle_secs"], 1200);
        let (_, html) = page(&c, &app, &href).await;
        assert!(html.contains("id=\"clear-org-policy\""));
    }
);
