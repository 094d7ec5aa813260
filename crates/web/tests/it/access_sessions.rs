//! Impersonation (P9), IP allowlists (U9) and access changes reaching every server process on
//! the next request.

use crate::both_backends;
use crate::helpers::*;
use portico_web::WebConfig;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

async fn send(
    c: &reqwest::Client,
    app: &TestApp,
    m: Method,
    path: &str,
    csrf: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut rb = c.request(m, app.url(path)).header("x-csrf-token", csrf);
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    let r = rb.send().await.unwrap();
    let s = r.status();
    let t = r.text().await.unwrap_or_default();
    (s, serde_json::from_str(&t).unwrap_or(Value::String(t)))
}

both_backends!(
    impersonation_names_both_people_and_stays_within_its_limits,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let org = app.org("Helpdesk Co", None).await;
        let (agent, _) = app
            .staff(
                "agent",
                "lms.organization_administrator",
                Some(&org),
                Some(&org),
            )
            .await;
        let (s, m) = app
            .add_member(&org, "cust@example.com", "Cus", "Tomer")
            .await;
        assert_eq!(s, StatusCode::CREATED);
        app.activate(&m["user"]).await;
        let sa = app.get("/api/v1/auth/me").await["user"].clone();

        let (c, csrf) = app.login("agent", ADMIN_PASSWORD).await;
        // Never the super admin, never without a reason, never oneself.
        let (s, _) = send(
            &c,
            &app,
            Method::POST,
            &format!("/api/v1/users/{}/impersonate", id(&sa)),
            &csrf,
            Some(json!({"reason": "curious"})),
        )
        .await;
        assert_eq!(
            s,
            StatusCode::NOT_FOUND,
            "the super admin is not even visible to an org admin"
        );
        let (s, v) = send(
            &c,
            &app,
            Method::POST,
            &format!("/api/v1/users/{}/impersonate", id(&m["user"])),
            &csrf,
            Some(json!({"reason": "  "})),
        )
        .await;
        assert_eq!(
            (s, v["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("reason")),
            "{v}"
        );
        let (s, v) = send(
            &c,
            &app,
            Method::POST,
            &format!("/api/v1/users/{}/impersonate", id(&m["user"])),
            &csrf,
            Some(json!({"reason": "ticket 7", "minutes": 120})),
        )
        .await;
        assert_eq!(
            (s, v["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("minutes")),
            "{v}"
        );
        let (s, v) = send(
            &c,
            &app,
            Method::POST,
            &format!("/api/v1/users/{}/impersonate", id(&agent)),
            &csrf,
            Some(json!({"reason": "me"})),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
        // An API key cannot start one.
        let (s, _) = app
            .api(
                Method::POST,
                &format!("/api/v1/users/{}/impersonate", id(&m["user"])),
                Some(json!({"reason": "x"})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        let (s, v) = send(
            &c,
            &app,
            Method::POST,
            &format!("/api/v1/users/{}/impersonate", id(&m["user"])),
            &csrf,
            Some(json!({"reason": "ticket 7", "minutes": 10})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let icsrf = v["csrf_token"].as_str().unwrap().to_string();
        let me: Value = c
            .get(app.url("/api/v1/auth/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["user"]["username"], m["user"]["username"]);
        assert_eq!(me["impersonator"]["username"], "agent");
        // The customer has no back office: acting as them, the back office is closed.
        let (s, _) = send(&c, &app, Method::GET, "/api/v1/organizations", &icsrf, None).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        // Credential changes are refused; the logout of the impersonation is audited with both.
        let (s, _) = send(
            &c,
            &app,
            Method::POST,
            "/api/v1/api-keys",
            &icsrf,
            Some(json!({"name": "k"})),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = send(
            &c,
            &app,
            Method::DELETE,
            "/api/v1/auth/impersonation",
            &icsrf,
            None,
        )
        .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let me: Value = c
            .get(app.url("/api/v1/auth/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["user"]["username"], "agent");
        assert!(me["impersonator"].is_null());
        let log = app
            .get("/api/v1/audit-events?action=impersonation&limit=10")
            .await;
        let items = log["items"].as_array().unwrap();
        let start = items
            .iter()
            .find(|e| e["action"] == "impersonation.start")
            .expect("start audited");
        assert_eq!(start["actor_user_id"], agent["id"]);
        assert_eq!(start["subject_user_id"], m["user"]["id"]);
        assert_eq!(start["changes"]["reason"], "ticket 7");
        let end = items
            .iter()
            .find(|e| e["action"] == "impersonation.end")
            .expect("end audited");
        assert_eq!(end["impersonator_user_id"], agent["id"]);
        assert_eq!(end["actor_user_id"], m["user"]["id"]);

        // It lasts at most its minutes: the clock moves, the administrator is themselves again.
        let (s, _) = send(
            &c,
            &app,
            Method::POST,
            &format!("/api/v1/users/{}/impersonate", id(&m["user"])),
            &csrf,
            Some(json!({"reason": "ticket 8", "minutes": 5})),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        app.clock.advance_secs(301);
        let me: Value = c
            .get(app.url("/api/v1/auth/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["user"]["username"], "agent", "{me}");
    }
);

both_backends!(
    ip_allowlists_hold_at_login_and_on_every_request,
    |app: TestApp| async move {
        let (u, key) = app.staff("remote", "basic.admin", None, None).await;
        // 127.0.0.1 is allowed now; narrow the list to 10.0.0.0/8.
        let (s, v) = app
            .api(
                Method::PUT,
                &format!("/api/v1/users/{}/ip-allowlist", id(&u)),
                Some(json!({"ip_allowlist": "10.0.0.0/8, 2001:db8::/32"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["ip_allowlist"], "10.0.0.0/8, 2001:db8::/32");
        let (s, v) = app
            .api_as(&key, Method::GET, "/api/v1/organizations", None)
            .await;
        assert_eq!(
            (s, v["type"].as_str()),
            (
                StatusCode::FORBIDDEN,
                Some("urn:portico:problem:address-not-allowed")
            ),
            "{v}"
        );
        // A spoofed X-Forwarded-For from an untrusted peer changes nothing.
        let r = app
            .http
            .get(app.url("/api/v1/organizations"))
            .bearer_auth(&key)
            .header("x-forwarded-for", "10.1.2.3")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        // Login from here is refused too (and audited).
        let r = reqwest::Client::new()
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"login": "remote", "password": ADMIN_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let log = app
            .get("/api/v1/audit-events?action=login.address_refused")
            .await;
        assert_eq!(log["items"].as_array().unwrap().len(), 1);
        // Bad lists are refused naming the field; a back-office user cannot drop the list.
        let (s, v) = app
            .api(
                Method::PUT,
                &format!("/api/v1/users/{}/ip-allowlist", id(&u)),
                Some(json!({"ip_allowlist": "10.0.0.0/33"})),
            )
            .await;
        assert_eq!(
            (s, v["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("ip_allowlist")),
            "{v}"
        );
        let (s, _) = app
            .api(
                Method::PUT,
                &format!("/api/v1/users/{}/ip-allowlist", id(&u)),
                Some(json!({"ip_allowlist": null})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        // An API key's own allowlist narrows further.
        let (s, v) = app
            .api(
                Method::POST,
                "/api/v1/api-keys",
                Some(json!({"name": "office", "ip_allowlist": "192.0.2.0/24"})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let (s, _) = app
            .api_as(
                v["token"].as_str().unwrap(),
                Method::GET,
                "/api/v1/organizations",
                None,
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
);

/// Behind a trusted proxy the forwarded address is the client's: the allowlist then admits it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ip_allowlist_uses_the_forwarded_address_from_a_trusted_proxy() {
    let web = WebConfig {
        trusted_proxies: vec!["127.0.0.0/8".parse().unwrap()],
        ..Default::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, web).await.unwrap();
    let (u, key) = app.staff("remote", "basic.admin", None, None).await;
    let (s, _) = app
        .api(
            Method::PUT,
            &format!("/api/v1/users/{}/ip-allowlist", id(&u)),
            Some(json!({"ip_allowlist": "10.0.0.0/8"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let r = app
        .http
        .get(app.url("/api/v1/organizations"))
        .bearer_auth(&key)
        .header("x-forwarded-for", "10.1.2.3")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .http
        .get(app.url("/api/v1/organizations"))
        .bearer_auth(&key)
        .header("x-forwarded-for", "192.0.2.9")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

both_backends!(
    an_access_change_reaches_another_process_on_its_next_request,
    |app: TestApp| async move {
        // A second `Services` over its own connection pool to the same database: what a second
        // `portico serve` process is.
        let second = app.second_server().await;
        let (u, key) = app.staff("roaming", "basic.admin", None, None).await;
        let (s, _) = second
            .api_as(&key, Method::GET, "/api/v1/organizations", None)
            .await;
        assert_eq!(s, StatusCode::OK, "the second server warmed its cache");
        // Remove the role on the first server…
        let list = app
            .get(&format!("/api/v1/users/{}/role-assignments", id(&u)))
            .await;
        let aid = list[0]["id"].as_str().unwrap();
        let (s, _) = app
            .api(
                Method::DELETE,
                &format!("/api/v1/users/{}/role-assignments/{aid}", id(&u)),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        // …the second one refuses on the very next request.
        let (s, _) = second
            .api_as(&key, Method::GET, "/api/v1/organizations", None)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        // And the other way round.
        let (s, _) = second
            .api(
                Method::POST,
                &format!("/api/v1/users/{}/role-assignments", id(&u)),
                Some(json!({"role_id": app.role_id("basic.admin").await})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
        let (s, _) = app
            .api_as(&key, Method::GET, "/api/v1/organizations", None)
            .await;
        assert_eq!(s, StatusCode::OK);
    }
);

both_backends!(
    while_impersonating_keys_and_the_allowlist_cannot_change,
    |app: TestApp| async move {
        // A back-office user, so only P9 (not missing back-office access) can refuse.
        let (helper, key) = app.staff("helper", "basic.admin", None, None).await;
        let (s, keys) = app
            .api_as(&key, Method::GET, "/api/v1/api-keys", None)
            .await;
        assert_eq!(s, StatusCode::OK, "{keys}");
        let key_id = keys["items"].as_array().map_or_else(
            || keys.as_array().unwrap()[0]["id"].clone(),
            |a| a[0]["id"].clone(),
        );
        let key_id = key_id.as_str().unwrap().to_string();
        let (c, csrf) = app.login("admin", ADMIN_PASSWORD).await;
        let (s, v) = send(
            &c,
            &app,
            Method::POST,
            &format!("/api/v1/users/{}/impersonate", id(&helper)),
            &csrf,
            Some(json!({"reason": "ticket 9"})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let icsrf = v["csrf_token"].as_str().unwrap().to_string();
        let before = app.audit_seq().await;
        for (m, path, body) in [
            (
                Method::POST,
                "/api/v1/api-keys".to_string(),
                Some(json!({"name": "k"})),
            ),
            (Method::DELETE, format!("/api/v1/api-keys/{key_id}"), None),
            (
                Method::PUT,
                format!("/api/v1/users/{}/ip-allowlist", id(&helper)),
                Some(json!({"ip_allowlist": "10.0.0.0/8"})),
            ),
        ] {
            let (s, v) = send(&c, &app, m.clone(), &path, &icsrf, body).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{m} {path}: {v}");
            assert!(
                v["detail"].as_str().unwrap_or("").contains("impersonating"),
                "{v}"
            );
        }
        assert_eq!(app.audit_seq().await, before, "nothing written");
        let (s, _) = app
            .api_as(&key, Method::GET, "/api/v1/organizations", None)
            .await;
        assert_eq!(s, StatusCode::OK, "the key still works");
    }
);
