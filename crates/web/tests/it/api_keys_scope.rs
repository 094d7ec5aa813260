//! S5 + P6 + U9 from the attacker's side: an API key that may manage keys creates new ones,
//! and every new key stays within the calling key — its permissions, organization, expiry and
//! IP allowlist are inherited when not given and refused when wider. Each new key is then
//! used, to show it is refused where a wider key would not be. A session user still creates
//! unlimited keys within their own permissions.

use crate::both_backends;
use crate::helpers::*;
use portico_web::WebConfig;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

/// Permissions of the limited key used as the attacker below.
const LIMITED: [&str; 3] = ["organizations.view", "members.view", "api_keys.manage"];

struct World {
    /// Acme, its sub-organization Acme North, and Other (outside the limited key).
    acme: Value,
    north: Value,
    other: Value,
    /// The owner's unlimited key: what a key without limits may do.
    open_key: String,
}

/// A platform administrator (`basic.admin`) with an unlimited key of their own.
async fn world(app: &TestApp) -> World {
    let acme = app.org("Acme", None).await;
    let north = app.org("Acme North", Some(&acme)).await;
    let other = app.org("Other", None).await;
    let (_, open_key) = app.staff("keyholder", "basic.admin", None, None).await;
    World {
        acme,
        north,
        other,
        open_key,
    }
}

/// Creates a key with `creator`; panics unless 201. Returns (key JSON, token).
async fn create_key(app: &TestApp, creator: &str, body: Value) -> (Value, String) {
    let (s, v) = app
        .api_as(
            creator,
            Method::POST,
            "/api/v1/api-keys",
            Some(body.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "create {body}: {v}");
    let token = v["token"].as_str().unwrap().to_string();
    (v, token)
}

/// The attempt is refused with `status`, and nothing is written (no key, no audit entry).
async fn refused(app: &TestApp, creator: &str, body: Value, status: StatusCode) -> Value {
    let before = app.audit_seq().await;
    let (_, keys_before) = app
        .api_as(creator, Method::GET, "/api/v1/api-keys", None)
        .await;
    let (s, v) = app
        .api_as(
            creator,
            Method::POST,
            "/api/v1/api-keys",
            Some(body.clone()),
        )
        .await;
    assert_eq!(s, status, "{body}: {v}");
    assert!(v.get("token").is_none(), "{v}");
    assert_eq!(
        app.audit_seq().await,
        before,
        "a refusal writes nothing: {body}"
    );
    let (_, keys_after) = app
        .api_as(creator, Method::GET, "/api/v1/api-keys", None)
        .await;
    assert_eq!(
        keys_after.as_array().map(Vec::len),
        keys_before.as_array().map(Vec::len),
        "a refusal creates no key: {body}"
    );
    v
}

async fn status(
    app: &TestApp,
    key: &str,
    m: Method,
    path: &str,
    body: Option<Value>,
) -> StatusCode {
    app.api_as(key, m, path, body).await.0
}

/// How many users the key's user list shows.
async fn users_seen(app: &TestApp, key: &str) -> usize {
    let (s, v) = app.api_as(key, Method::GET, "/api/v1/users", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["items"].as_array().unwrap().len()
}

fn org_path(o: &Value) -> String {
    format!("/api/v1/organizations/{}", id(o))
}

fn members_path(o: &Value) -> String {
    format!("/api/v1/organizations/{}/members", id(o))
}

both_backends!(
    a_limited_key_cannot_create_an_unlimited_key,
    |app: TestApp| async move {
        let w = world(&app).await;
        let (_, limited) = create_key(
            &app,
            &w.open_key,
            json!({"name": "limited", "permissions": LIMITED, "organization_id": id(&w.acme)}),
        )
        .await;
        // No limits asked for: the new key gets the calling key's, not everything.
        let (child, child_key) = create_key(&app, &limited, json!({"name": "child"})).await;
        assert_eq!(child["permissions"], json!(LIMITED), "{child}");
        assert_eq!(
            child["organization_id"].as_str(),
            Some(id(&w.acme)),
            "{child}"
        );

        // It works where the calling key works …
        assert_eq!(
            status(&app, &child_key, Method::GET, &org_path(&w.acme), None).await,
            StatusCode::OK
        );
        assert_eq!(
            status(&app, &child_key, Method::GET, &members_path(&w.north), None).await,
            StatusCode::OK
        );
        // … and nowhere else, where an unlimited key of the same owner would.
        let rename = || Some(json!({"name": "Renamed"}));
        assert_eq!(
            status(
                &app,
                &child_key,
                Method::PATCH,
                &org_path(&w.acme),
                rename()
            )
            .await,
            StatusCode::FORBIDDEN,
            "organizations.edit is outside the calling key's permissions"
        );
        assert_eq!(
            status(&app, &child_key, Method::GET, &org_path(&w.other), None).await,
            StatusCode::NOT_FOUND,
            "Other is outside the calling key's organization"
        );
        assert_eq!(
            users_seen(&app, &child_key).await,
            0,
            "users.view is outside the calling key's permissions"
        );
        assert!(users_seen(&app, &w.open_key).await > 0);
        assert_eq!(
            status(&app, &w.open_key, Method::GET, &org_path(&w.other), None).await,
            StatusCode::OK
        );
        assert_eq!(
            status(
                &app,
                &w.open_key,
                Method::PATCH,
                &org_path(&w.acme),
                rename()
            )
            .await,
            StatusCode::OK
        );

        // A key limited by permissions only, or by organization only, passes on that limit.
        let (_, perms_only) = create_key(
            &app,
            &w.open_key,
            json!({"name": "perms", "permissions": ["organizations.view", "api_keys.manage"]}),
        )
        .await;
        let (child, child_key) = create_key(&app, &perms_only, json!({"name": "c"})).await;
        assert_eq!(
            child["permissions"],
            json!(["organizations.view", "api_keys.manage"])
        );
        assert!(child["organization_id"].is_null(), "{child}");
        assert_eq!(
            status(&app, &child_key, Method::GET, &org_path(&w.other), None).await,
            StatusCode::OK
        );
        assert_eq!(
            status(&app, &child_key, Method::GET, &members_path(&w.other), None).await,
            StatusCode::FORBIDDEN
        );

        let (_, org_only) = create_key(
            &app,
            &w.open_key,
            json!({"name": "org", "organization_id": id(&w.north)}),
        )
        .await;
        let (child, child_key) = create_key(&app, &org_only, json!({"name": "c"})).await;
        assert!(child["permissions"].is_null(), "{child}");
        assert_eq!(child["organization_id"].as_str(), Some(id(&w.north)));
        assert_eq!(
            status(
                &app,
                &child_key,
                Method::PATCH,
                &org_path(&w.north),
                rename()
            )
            .await,
            StatusCode::OK
        );
        assert_eq!(
            status(&app, &child_key, Method::GET, &org_path(&w.acme), None).await,
            StatusCode::NOT_FOUND,
            "the parent organization is outside the calling key's organization"
        );
    }
);

both_backends!(
    a_limited_key_cannot_give_a_permission_outside_its_limits,
    |app: TestApp| async move {
        let w = world(&app).await;
        let (_, limited) = create_key(
            &app,
            &w.open_key,
            json!({"name": "limited", "permissions": LIMITED}),
        )
        .await;
        for perms in [
            json!(["organizations.edit"]),
            json!(["organizations.view", "users.view"]),
            json!(["api_keys.manage", "administrators.manage"]),
        ] {
            let v = refused(
                &app,
                &limited,
                json!({"name": "wider", "permissions": perms}),
                StatusCode::FORBIDDEN,
            )
            .await;
            assert!(
                v["detail"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("wider than itself"),
                "{v}"
            );
        }
        // Malformed is 422, as before.
        refused(
            &app,
            &limited,
            json!({"name": "bad", "permissions": ["no.such"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        // A narrower key is fine, and is narrower in use.
        let (child, child_key) = create_key(
            &app,
            &limited,
            json!({"name": "narrow", "permissions": ["organizations.view"]}),
        )
        .await;
        assert_eq!(child["permissions"], json!(["organizations.view"]));
        assert_eq!(
            status(&app, &child_key, Method::GET, &org_path(&w.acme), None).await,
            StatusCode::OK
        );
        assert_eq!(
            status(&app, &child_key, Method::GET, &members_path(&w.acme), None).await,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            status(&app, &limited, Method::GET, &members_path(&w.acme), None).await,
            StatusCode::OK
        );
        // Without api_keys.manage in its limits, a key creates nothing at all.
        refused(
            &app,
            &child_key,
            json!({"name": "x"}),
            StatusCode::FORBIDDEN,
        )
        .await;
    }
);

both_backends!(
    a_limited_key_cannot_create_a_key_for_another_organization,
    |app: TestApp| async move {
        let w = world(&app).await;
        let (_, limited) = create_key(
            &app,
            &w.open_key,
            json!({"name": "limited", "permissions": LIMITED, "organization_id": id(&w.acme)}),
        )
        .await;
        // Outside the calling key's organization, Other is out of reach: not found.
        refused(
            &app,
            &limited,
            json!({"name": "other", "organization_id": id(&w.other)}),
            StatusCode::NOT_FOUND,
        )
        .await;
        refused(
            &app,
            &limited,
            json!({"name": "other", "organization_id": "org_nope"}),
            StatusCode::NOT_FOUND,
        )
        .await;
        // A sub-organization narrows the key.
        let (child, child_key) = create_key(
            &app,
            &limited,
            json!({"name": "north", "organization_id": id(&w.north)}),
        )
        .await;
        assert_eq!(child["organization_id"].as_str(), Some(id(&w.north)));
        assert_eq!(child["permissions"], json!(LIMITED));
        assert_eq!(
            status(&app, &child_key, Method::GET, &org_path(&w.north), None).await,
            StatusCode::OK
        );
        assert_eq!(
            status(&app, &child_key, Method::GET, &org_path(&w.acme), None).await,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            status(&app, &limited, Method::GET, &org_path(&w.acme), None).await,
            StatusCode::OK
        );
        // And the narrower key cannot widen back to Acme.
        refused(
            &app,
            &child_key,
            json!({"name": "back", "organization_id": id(&w.acme)}),
            StatusCode::NOT_FOUND,
        )
        .await;
    }
);

both_backends!(
    a_key_cannot_create_a_key_that_outlives_it,
    |app: TestApp| async move {
        let w = world(&app).await;
        let (parent, limited) = create_key(
            &app,
            &w.open_key,
            json!({"name": "limited", "permissions": LIMITED, "expires_in_days": 30}),
        )
        .await;
        let v = refused(
            &app,
            &limited,
            json!({"name": "longer", "expires_in_days": 31}),
            StatusCode::FORBIDDEN,
        )
        .await;
        assert!(
            v["detail"].as_str().unwrap_or_default().contains("outlive"),
            "{v}"
        );
        refused(
            &app,
            &limited,
            json!({"name": "now", "expires_in_days": 0}),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        // No expiry asked for: the calling key's. A shorter one is kept.
        let (inherited, inherited_key) = create_key(&app, &limited, json!({"name": "same"})).await;
        assert_eq!(inherited["expires_at"], parent["expires_at"], "{inherited}");
        let (shorter, shorter_key) = create_key(
            &app,
            &limited,
            json!({"name": "shorter", "expires_in_days": 10}),
        )
        .await;
        assert!(
            shorter["expires_at"].as_str() < parent["expires_at"].as_str(),
            "{shorter}"
        );
        // An unlimited creator (the same owner's key without expiry) may make a lasting key.
        let (lasting, lasting_key) =
            create_key(&app, &w.open_key, json!({"name": "lasting"})).await;
        assert!(lasting["expires_at"].is_null(), "{lasting}");

        let me = "/api/v1/auth/me";
        app.clock.advance_secs(10 * 86_400 + 60);
        assert_eq!(
            status(&app, &shorter_key, Method::GET, me, None).await,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            status(&app, &inherited_key, Method::GET, me, None).await,
            StatusCode::OK
        );
        app.clock.advance_secs(20 * 86_400);
        for k in [&limited, &inherited_key] {
            assert_eq!(
                status(&app, k, Method::GET, me, None).await,
                StatusCode::UNAUTHORIZED
            );
        }
        assert_eq!(
            status(&app, &lasting_key, Method::GET, me, None).await,
            StatusCode::OK
        );
    }
);

both_backends!(
    a_key_cannot_create_a_key_with_a_wider_ip_allowlist,
    |app: TestApp| async move {
        let w = world(&app).await;
        // The test client connects from 127.0.0.1.
        let (_, limited) = create_key(
            &app,
            &w.open_key,
            json!({"name": "limited", "permissions": LIMITED, "ip_allowlist": "127.0.0.1, 192.0.2.0/24"}),
        )
        .await;
        for list in [
            "*",
            "0.0.0.0/0",
            "10.0.0.0/8",
            "127.0.0.0/8",
            "127.0.0.1, 198.51.100.1",
            "192.0.2.0/23",
            "::1",
        ] {
            let v = refused(
                &app,
                &limited,
                json!({"name": "wider", "ip_allowlist": list}),
                StatusCode::FORBIDDEN,
            )
            .await;
            assert!(
                v["detail"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("allowlist"),
                "{list}: {v}"
            );
        }
        refused(
            &app,
            &limited,
            json!({"name": "bad", "ip_allowlist": "192.0.2.300"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        // No list asked for: the calling key's list.
        let (child, child_key) = create_key(&app, &limited, json!({"name": "same"})).await;
        assert_eq!(child["ip_allowlist"], "127.0.0.1, 192.0.2.0/24", "{child}");
        assert_eq!(
            status(&app, &child_key, Method::GET, &org_path(&w.acme), None).await,
            StatusCode::OK
        );
        // A narrower list is kept, and holds: loopback is no longer in it.
        let (child, child_key) = create_key(
            &app,
            &limited,
            json!({"name": "narrow", "ip_allowlist": "192.0.2.0/25"}),
        )
        .await;
        assert_eq!(child["ip_allowlist"], "192.0.2.0/25");
        let (s, v) = app
            .api_as(&child_key, Method::GET, &org_path(&w.acme), None)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
        assert_eq!(
            status(&app, &limited, Method::GET, &org_path(&w.acme), None).await,
            StatusCode::OK
        );
    }
);

both_backends!(
    a_session_user_still_creates_an_unlimited_key_within_their_permissions,
    |app: TestApp| async move {
        let w = world(&app).await;
        let (c, csrf) = app.login("keyholder", ADMIN_PASSWORD).await;
        let post = |body: Value| {
            c.post(app.url("/api/v1/api-keys"))
                .header("x-csrf-token", &csrf)
                .json(&body)
                .send()
        };
        let r = post(json!({"name": "wide"})).await.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let v: Value = r.json().await.unwrap();
        for f in [
            "permissions",
            "organization_id",
            "expires_at",
            "ip_allowlist",
        ] {
            assert!(v[f].is_null(), "{f}: {v}");
        }
        let wide = v["token"].as_str().unwrap().to_string();
        assert_eq!(
            status(&app, &wide, Method::GET, &org_path(&w.other), None).await,
            StatusCode::OK
        );
        assert_eq!(
            status(
                &app,
                &wide,
                Method::PATCH,
                &org_path(&w.acme),
                Some(json!({"name": "Renamed"}))
            )
            .await,
            StatusCode::OK
        );
        // Any list and any expiry, from a session.
        let r = post(json!({"name": "anywhere", "ip_allowlist": "*", "expires_in_days": 3650}))
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        // Still within their own permissions: a plain staff member holds no administrators.manage.
        let (_, plain) = app.staff("plain", "basic.standard", None, None).await;
        let (s, v) = app
            .api_as(
                &plain,
                Method::POST,
                "/api/v1/api-keys",
                Some(json!({"name": "x", "permissions": ["administrators.manage"]})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
        // The super admin's unlimited key makes unlimited keys too.
        let (v, _) = create_key(&app, &app.admin_key, json!({"name": "sa"})).await;
        assert!(v["permissions"].is_null(), "{v}");
    }
);

/// Behind a trusted proxy, so requests can come from other addresses: an inherited allowlist
/// is enforced on the new key, where the owner's unrestricted key is let through.
async fn inherited_allowlist_holds_behind_a_proxy(backend: Backend) {
    let web = WebConfig {
        trusted_proxies: vec!["127.0.0.0/8".parse().unwrap()],
        ..WebConfig::default()
    };
    let Some(app) = TestApp::spawn_with(backend, web).await else {
        return;
    };
    let w = world(&app).await;
    let from = |key: &str, ip: &str, m: Method, path: &str, body: Option<Value>| {
        let mut rb = app
            .http
            .request(m, app.url(path))
            .bearer_auth(key)
            .header("x-forwarded-for", ip);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        rb.send()
    };
    let r = from(
        &w.open_key,
        "10.1.1.1",
        Method::POST,
        "/api/v1/api-keys",
        Some(json!({"name": "office", "permissions": LIMITED, "ip_allowlist": "10.0.0.0/8"})),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let office = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let r = from(
        &office,
        "10.1.1.1",
        Method::POST,
        "/api/v1/api-keys",
        Some(json!({"name": "child"})),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["ip_allowlist"], "10.0.0.0/8", "{v}");
    let child = v["token"].as_str().unwrap().to_string();
    let path = org_path(&w.acme);
    let s = |r: reqwest::Response| r.status();
    assert_eq!(
        s(from(&child, "10.9.9.9", Method::GET, &path, None)
            .await
            .unwrap()),
        StatusCode::OK
    );
    assert_eq!(
        s(from(&child, "192.0.2.9", Method::GET, &path, None)
            .await
            .unwrap()),
        StatusCode::FORBIDDEN,
        "the inherited allowlist holds"
    );
    assert_eq!(
        s(from(&w.open_key, "192.0.2.9", Method::GET, &path, None)
            .await
            .unwrap()),
        StatusCode::OK,
        "an unrestricted key of the same owner is let through"
    );
    // From inside its list, the calling key still cannot widen the list.
    let r = from(
        &office,
        "10.1.1.1",
        Method::POST,
        "/api/v1/api-keys",
        Some(json!({"name": "wider", "ip_allowlist": "10.0.0.0/8, 192.0.2.9"})),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inherited_allowlist_holds_behind_a_proxy_sqlite() {
    inherited_allowlist_holds_behind_a_proxy(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inherited_allowlist_holds_behind_a_proxy_postgres() {
    inherited_allowlist_holds_behind_a_proxy(Backend::Postgres).await;
}
