//! Sessions, CSRF, throttling, API keys, and request hygiene, from the attacker's side.

use crate::both_backends;
use crate::helpers::ADMIN_PASSWORD;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The `Set-Cookie` header that sets the session cookie (a login also clears the
/// impersonation cookie, and the order of the headers is not fixed).
fn session_set_cookie(r: &reqwest::Response) -> String {
    let prefix = format!("{}=", portico_web::SESSION_COOKIE);
    let found: Vec<&str> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|h| h.to_str().unwrap())
        .filter(|c| c.starts_with(&prefix))
        .collect();
    assert_eq!(found.len(), 1, "one session cookie: {found:?}");
    found[0].to_string()
}

both_backends!(
    login_sets_http_only_cookie_and_logout_kills_session,
    |app: crate::helpers::TestApp| async move {
        let r = app
            .http
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({ "login": "ADMIN", "password": ADMIN_PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let cookie = session_set_cookie(&r);
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
        let token = cookie.split(';').next().unwrap().to_string();
        let body: Value = r.json().await.unwrap();
        let csrf = body["csrf_token"].as_str().unwrap().to_string();

        let me = app
            .http
            .get(app.url("/api/v1/auth/me"))
            .header("cookie", &token)
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), StatusCode::OK);

        let out = app
            .http
            .post(app.url("/api/v1/auth/logout"))
            .header("cookie", &token)
            .header("x-csrf-token", &csrf)
            .send()
            .await
            .unwrap();
        assert_eq!(out.status(), StatusCode::NO_CONTENT);
        // The old cookie value is dead on the server, not just cleared in the browser.
        let me = app
            .http
            .get(app.url("/api/v1/auth/me"))
            .header("cookie", &token)
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    }
);

both_backends!(
    session_fixation_a_planted_cookie_is_never_adopted,
    |app: crate::helpers::TestApp| async move {
        let planted = "portico_session=attacker-chosen-value";
        let r = app
            .http
            .post(app.url("/api/v1/auth/login"))
            .header("cookie", planted)
            .json(&json!({ "login": "admin", "password": ADMIN_PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let issued = session_set_cookie(&r);
        assert!(!issued.contains("attacker-chosen-value"));
        let me = app
            .http
            .get(app.url("/api/v1/auth/me"))
            .header("cookie", planted)
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
        // Two logins give two different sessions.
        let (_, csrf1) = app.login("admin", ADMIN_PASSWORD).await;
        let (_, csrf2) = app.login("admin", ADMIN_PASSWORD).await;
        assert_ne!(csrf1, csrf2);
    }
);

both_backends!(
    csrf_cookie_requests_without_token_change_nothing,
    |app: crate::helpers::TestApp| async move {
        let (client, csrf) = app.login("admin", ADMIN_PASSWORD).await;
        let r = client
            .post(app.url("/api/v1/organizations"))
            .json(&json!({ "name": "Forged" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["type"], "urn:portico:problem:csrf");
        let r = client
            .post(app.url("/api/v1/organizations"))
            .header("x-csrf-token", "0".repeat(64))
            .json(&json!({ "name": "Forged" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let list = app.get("/api/v1/organizations?q=forged").await;
        assert_eq!(list["items"].as_array().unwrap().len(), 0);
        let r = client
            .post(app.url("/api/v1/organizations"))
            .header("x-csrf-token", &csrf)
            .json(&json!({ "name": "Genuine" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
    }
);

both_backends!(
    throttling_holds_under_100_parallel_wrong_passwords,
    |app: crate::helpers::TestApp| async move {
        let attempts = (0..100).map(|i| {
        let http = app.http.clone();
        let url = app.url("/api/v1/auth/login");
        async move {
            let r = http
                .post(url)
                .json(&json!({ "login": "admin", "password": format!("wrong password number {i}") }))
                .send()
                .await
                .unwrap();
            (r.status(), r.text().await.unwrap())
        }
    });
        let results = futures::future::join_all(attempts).await;
        let bodies: std::collections::HashSet<String> =
            results.iter().map(|(_, b)| b.clone()).collect();
        assert!(results.iter().all(|(s, _)| *s == StatusCode::UNAUTHORIZED));
        assert_eq!(
            bodies.len(),
            1,
            "locked, wrong and unknown must answer the same: {bodies:?}"
        );
        // Only the first five were checked against the hash; the rest were refused as throttled.
        let (_, audit) = app
            .api(
                Method::GET,
                "/api/v1/audit-events?action=login.failed&limit=200",
                None,
            )
            .await;
        assert_eq!(audit["items"].as_array().unwrap().len(), 5);
        // The right password is refused too while the account is locked, with the same answer.
        let r = app
            .http
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({ "login": "admin", "password": ADMIN_PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert!(bodies.contains(&r.text().await.unwrap()));
        // An unknown user gets the same answer.
        let r = app
            .http
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({ "login": "nobody-here", "password": "whatever whatever" }))
            .send()
            .await
            .unwrap();
        assert!(bodies.contains(&r.text().await.unwrap()));
        // After the window, the right password works again (time moved, not waited for).
        app.clock.advance_secs(16 * 60);
        let (_c, _csrf) = app.login("admin", ADMIN_PASSWORD).await;
    }
);

both_backends!(
    sessions_expire_when_idle_and_absolutely,
    |app: crate::helpers::TestApp| async move {
        let (client, _) = app.login("admin", ADMIN_PASSWORD).await;
        app.clock.advance_secs(29 * 60);
        assert_eq!(
            client
                .get(app.url("/api/v1/auth/me"))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::OK
        );
        app.clock.advance_secs(31 * 60);
        assert_eq!(
            client
                .get(app.url("/api/v1/auth/me"))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::UNAUTHORIZED
        );
        // Absolute lifetime: kept busy, still ends after 12 hours.
        let (client, _) = app.login("admin", ADMIN_PASSWORD).await;
        for _ in 0..25 {
            app.clock.advance_secs(29 * 60);
            let s = client
                .get(app.url("/api/v1/auth/me"))
                .send()
                .await
                .unwrap()
                .status();
            if s == StatusCode::UNAUTHORIZED {
                return;
            }
        }
        panic!("session outlived its absolute lifetime");
    }
);

both_backends!(
    unknown_fields_and_bad_json_are_refused_and_change_nothing,
    |app: crate::helpers::TestApp| async move {
        let (s, p) = app
            .api(
                Method::POST,
                "/api/v1/organizations",
                Some(json!({ "name": "Acme", "is_admin": true })),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
        assert_eq!(p["type"], "urn:portico:problem:invalid-body");
        let r = app
            .http
            .post(app.url("/api/v1/organizations"))
            .bearer_auth(&app.admin_key)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let list = app.get("/api/v1/organizations").await;
        assert_eq!(list["items"].as_array().unwrap().len(), 0);
    }
);

both_backends!(
    api_keys_are_shown_once_and_revocable,
    |app: crate::helpers::TestApp| async move {
        let (s, k) = app
            .api(
                Method::POST,
                "/api/v1/api-keys",
                Some(json!({ "name": "ci" })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
        let token = k["token"].as_str().unwrap().to_string();
        assert!(token.starts_with("ptk_"));
        let (s, _) = app
            .api_as(&token, Method::GET, "/api/v1/auth/me", None)
            .await;
        assert_eq!(s, StatusCode::OK);
        let (_, list) = app.api(Method::GET, "/api/v1/api-keys", None).await;
        assert!(
            !list.to_string().contains(&token),
            "the secret must never be listed"
        );
        let (s, _) = app
            .api(
                Method::DELETE,
                &format!("/api/v1/api-keys/{}", k["id"].as_str().unwrap()),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = app
            .api_as(&token, Method::GET, "/api/v1/auth/me", None)
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        // A forged key with a real id but a wrong secret fails.
        let forged = format!("{}_{}", &token[..token.rfind('_').unwrap()], "0".repeat(64));
        let (s, _) = app
            .api_as(&forged, Method::GET, "/api/v1/auth/me", None)
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
);

both_backends!(
    health_and_openapi,
    |app: crate::helpers::TestApp| async move {
        let r = app.http.get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let r: Value = app
            .http
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(r["status"], "ready");
        let doc: Value = app
            .http
            .get(app.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        for path in [
            "/api/v1/organizations/{org}/members",
            "/api/v1/users/{user}/block",
            "/api/v1/audit-events",
        ] {
            assert!(
                doc["paths"].get(path).is_some(),
                "{path} missing from the OpenAPI document"
            );
        }
        let r = app
            .http
            .get(app.url("/api/v1/organizations"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(r.headers()["content-type"], "application/problem+json");
    }
);

both_backends!(
    non_admins_have_no_back_office,
    |app: crate::helpers::TestApp| async move {
        let org = app.org("Acme", None).await;
        let (_, added) = app
            .add_member(&org, "plain@example.com", "Plain", "User")
            .await;
        let id = added["user"]["id"].as_str().unwrap();
        app.sql(&format!(
            "UPDATE users SET status = 'active' WHERE id = '{id}'"
        ))
        .await;
        let bo = app
            .services
            .back_office(app.services.cli_principal().await.unwrap())
            .await
            .unwrap();
        let key = app
            .services
            .create_api_key(
                &bo,
                portico_services::api_keys::KeyInput {
                    name: "mine".into(),
                    owner: Some(id.parse().unwrap()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let (s, p) = app
            .api_as(&key.token, Method::GET, "/api/v1/organizations", None)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{p}");
        let (s, _) = app
            .api_as(&key.token, Method::GET, "/api/v1/auth/me", None)
            .await;
        assert_eq!(s, StatusCode::OK);
    }
);

both_backends!(
    throttling_per_address_holds_across_many_accounts,
    |app: crate::helpers::TestApp| async move {
        // 100 parallel guesses, each at a different (unknown) account, from one address.
        let attempts = (0..100).map(|i| {
        let http = app.http.clone();
        let url = app.url("/api/v1/auth/login");
        async move {
            http.post(url)
                .json(&json!({ "login": format!("guess{i}"), "password": "not the password at all" }))
                .send()
                .await
                .unwrap()
                .status()
        }
    });
        let statuses = futures::future::join_all(attempts).await;
        assert!(statuses.iter().all(|s| *s == StatusCode::UNAUTHORIZED));
        // The address is now refused, even with a right password for a real account.
        let r = app
            .http
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({ "login": "admin", "password": ADMIN_PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let (_, audit) = app
            .api(
                Method::GET,
                "/api/v1/audit-events?action=login.throttled",
                None,
            )
            .await;
        assert_eq!(audit["items"].as_array().unwrap().len(), 1);
        app.clock.advance_secs(16 * 60);
        let _ = app.login("admin", ADMIN_PASSWORD).await;
    }
);

both_backends!(
    api_keys_stop_working_when_they_expire,
    |app: crate::helpers::TestApp| async move {
        let (s, k) = app
            .api(
                Method::POST,
                "/api/v1/api-keys",
                Some(json!({ "name": "short", "expires_in_days": 1 })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{k}");
        let token = k["token"].as_str().unwrap().to_string();
        let (s, _) = app
            .api_as(&token, Method::GET, "/api/v1/auth/me", None)
            .await;
        assert_eq!(s, StatusCode::OK);
        app.clock.advance_secs(86_400 + 1);
        let (s, _) = app
            .api_as(&token, Method::GET, "/api/v1/auth/me", None)
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
);
