//! P7: nobody but the super admin sees the super admin's login details, on any read path (the
//! users list, the user page, the administrators list, the holders of a permission; API and
//! console alike). And a refusal never names an organization outside the caller's reach.

use crate::both_backends;
use crate::helpers::{ADMIN_PASSWORD, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::Value;

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

/// The entry for `user` in a JSON list of users.
fn entry<'a>(list: &'a Value, user: &str) -> &'a Value {
    list.as_array()
        .expect("a list")
        .iter()
        .find(|u| u["id"] == user)
        .unwrap_or_else(|| panic!("{user} not in {list}"))
}

/// How the console shows an RFC 3339 time (`dt` filter): "YYYY-MM-DD HH:MM".
fn shown(rfc3339: &str) -> String {
    format!("{} {}", &rfc3339[..10], &rfc3339[11..16])
}

async fn html(c: &reqwest::Client, app: &TestApp, path: &str) -> String {
    let r = c.get(app.url(path)).send().await.unwrap();
    let status = r.status();
    let body = r.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
    body
}

/// The user lists an API caller gets: users, administrators, holders of `users.view`.
async fn lists(app: &TestApp, key: &str) -> [Value; 3] {
    let mut out = Vec::new();
    for path in [
        "/api/v1/users",
        "/api/v1/administrators",
        "/api/v1/authz/holders?permission=users.view",
    ] {
        let (s, v) = app.api_as(key, Method::GET, path, None).await;
        assert_eq!(s, StatusCode::OK, "GET {path}: {v}");
        out.push(if v["items"].is_array() {
            v["items"].clone()
        } else {
            v
        });
    }
    out.try_into().unwrap()
}

both_backends!(
    only_the_super_admin_sees_their_own_login_details,
    |app: TestApp| async move {
        let (ops, ops_key) = app.staff("ops", "basic.admin", None, None).await;
        let sa = app.get("/api/v1/auth/me").await["user"].clone();
        let (sa_id, ops_id) = (id(&sa).to_string(), id(&ops).to_string());
        // Hours after everyone was created the super admin signs in; two minutes later, ops.
        app.clock.advance_secs(3 * 3600);
        let (sa_web, _) = app.login("admin", ADMIN_PASSWORD).await;
        app.clock.advance_secs(120);
        let (ops_web, _) = app.login("ops", ADMIN_PASSWORD).await;

        // The super admin sees their own login time (and ops's) everywhere.
        let own = app.get(&format!("/api/v1/users/{sa_id}")).await;
        let sa_login = own["last_login_at"]
            .as_str()
            .unwrap_or_else(|| panic!("the super admin sees their own: {own}"))
            .to_string();
        for list in lists(&app, &app.admin_key).await {
            assert_eq!(entry(&list, &sa_id)["last_login_at"], sa_login, "{list}");
            assert!(entry(&list, &ops_id)["last_login_at"].is_string(), "{list}");
        }
        let ops_login = app.get(&format!("/api/v1/users/{ops_id}")).await["last_login_at"]
            .as_str()
            .unwrap()
            .to_string();
        assert_ne!(shown(&sa_login), shown(&ops_login));

        // Another platform administrator (every permission) sees it nowhere in the API…
        let (s, d) = app
            .api_as(
                &ops_key,
                Method::GET,
                &format!("/api/v1/users/{sa_id}"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{d}");
        assert!(d["last_login_at"].is_null(), "user detail: {d}");
        for list in lists(&app, &ops_key).await {
            assert!(entry(&list, &sa_id)["last_login_at"].is_null(), "{list}");
            assert_eq!(entry(&list, &ops_id)["last_login_at"], ops_login, "{list}");
        }
        // …also through their session rather than a key…
        let r = ops_web
            .get(app.url(&format!("/api/v1/users/{sa_id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let d: Value = r.json().await.unwrap();
        assert!(d["last_login_at"].is_null(), "user detail (session): {d}");
        assert!(!d.to_string().contains(&sa_login), "{d}");

        // …nor in the console: the users list, the user page, Settings → Administrators.
        let sa_page = format!("/users/{sa_id}");
        for path in ["/users", sa_page.as_str(), "/settings/administrators"] {
            let page = html(&ops_web, &app, path).await;
            assert!(
                !page.contains(&shown(&sa_login)),
                "{path} shows the super admin's login time to ops"
            );
            assert!(page.contains("login-hidden"), "{path} says it is hidden");
            // Both have signed in: hidden is not "never".
            assert!(
                !page.contains(">Never<"),
                "{path} claims someone never signed in"
            );
            if path != sa_page {
                assert!(
                    page.contains(&shown(&ops_login)),
                    "{path} shows the other login times"
                );
            }
        }

        // The super admin's console shows their own.
        for path in ["/users", sa_page.as_str(), "/settings/administrators"] {
            let page = html(&sa_web, &app, path).await;
            assert!(
                page.contains(&shown(&sa_login)),
                "{path} shows the super admin their own login time"
            );
            assert!(!page.contains("login-hidden"), "{path}: nothing hidden");
        }
    }
);

both_backends!(
    copying_a_user_names_no_organization_outside_ones_reach,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let alpha = app.org("Alpha", None).await;
        let secret = app.org("Secret Beta Holdings", None).await;
        let (s, m) = app
            .add_member(&alpha, "shared@example.com", "Sha", "Red")
            .await;
        assert_eq!(s, StatusCode::CREATED, "{m}");
        let (s, v) = app
            .add_member(&secret, "shared@example.com", "Sha", "Red")
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let (_, key) = app
            .staff(
                "alphaadmin",
                "lms.organization_administrator",
                Some(&alpha),
                Some(&alpha),
            )
            .await;
        let (s, v) = app
            .api_as(
                &key,
                Method::POST,
                &format!("/api/v1/users/{}/copy", id(&m["user"])),
                Some(serde_json::json!({
                    "username": "copycat",
                    "email": "copycat@example.com",
                    "first_name": "Copy",
                    "last_name": "Cat",
                })),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
        assert!(
            v.to_string().contains("outside your reach"),
            "the refusal says why: {v}"
        );
        assert!(
            !v.to_string().contains("Secret Beta"),
            "the refusal names an organization outside the caller's reach: {v}"
        );
    }
);

both_backends!(
    an_organizations_member_list_hides_the_super_admins_login_details,
    |app: TestApp| async move {
        let org = app.org("Acme", None).await;
        let (_, ops_key) = app.staff("ops", "basic.admin", None, None).await;
        app.login("admin", ADMIN_PASSWORD).await;
        // The super admin joins the organization (an external membership, U3).
        let (s, added) = app
            .api_as(
                &ops_key,
                Method::POST,
                &format!("/api/v1/organizations/{}/members", id(&org)),
                Some(serde_json::json!({"email": "admin@example.com"})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{added}");
        assert!(added["user"]["last_login_at"].is_null(), "{added}");
        let sa = added["user"]["id"].as_str().unwrap().to_string();
        let path = format!("/api/v1/organizations/{}/members", id(&org));
        let (s, mine) = app.api(Method::GET, &path, None).await;
        assert_eq!(s, StatusCode::OK, "{mine}");
        let own = mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["user"]["id"] == sa.as_str())
            .map(|m| m["user"]["last_login_at"].clone());
        assert!(
            own.as_ref().is_some_and(Value::is_string),
            "the super admin sees their own: {mine}"
        );
        let (s, theirs) = app.api_as(&ops_key, Method::GET, &path, None).await;
        assert_eq!(s, StatusCode::OK, "{theirs}");
        let row = theirs["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["user"]["id"] == sa.as_str())
            .unwrap_or_else(|| panic!("listed: {theirs}"));
        assert!(row["user"]["last_login_at"].is_null(), "{row}");
    }
);
