//! P5 + P6 from the attacker's side: an administrator narrowed by data filters holds the same
//! platform role as an unfiltered one, but reaches fewer organizations. They must not make
//! anyone reach further than themselves — by a platform role, a platform grant, a copy without
//! filters, or removing or widening someone's filters — nor act on someone who reaches further.
//! An unfiltered administrator still may do all of it.

use crate::both_backends;
use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

const FORBIDDEN: &str = "urn:portico:problem:forbidden";

/// An organization carrying `tags`.
async fn tagged_org(app: &TestApp, name: &str, tags: &[&str]) -> Value {
    let org = app.org(name, None).await;
    let (s, v) = app
        .api(
            Method::PATCH,
            &format!("/api/v1/organizations/{}", id(&org)),
            Some(json!({ "tags": tags })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    org
}

/// A member of `org` with an IP allowlist (so roles and grants may be given to them).
async fn member(app: &TestApp, org: &Value, name: &str) -> Value {
    let (s, v) = app
        .add_member(org, &format!("{name}@example.com"), name, "Member")
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let user = v["user"].clone();
    let (s, v) = app
        .api(
            Method::PUT,
            &format!("/api/v1/users/{}/ip-allowlist", id(&user)),
            Some(json!({ "ip_allowlist": "*" })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    user
}

/// Sets `user`'s data filters as the super admin.
async fn set_filters(app: &TestApp, user: &Value, filters: Value) {
    let (s, v) = app
        .api(
            Method::PUT,
            &format!("/api/v1/users/{}/data-filters", id(user)),
            Some(json!({ "filters": filters })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

async fn filters_of(app: &TestApp, user: &Value) -> Value {
    app.get(&format!("/api/v1/users/{}/data-filters", id(user)))
        .await["filters"]
        .clone()
}

struct World {
    /// Holds basic.admin on the platform, narrowed to organizations tagged `x`.
    attacker: Value,
    attacker_key: String,
    /// Tagged `x`: where the attacker, and everyone below, lives.
    home: Value,
    /// Unfiltered, holds nothing yet.
    plain: Value,
    /// Carries the attacker's filter, holds nothing yet.
    narrowed: Value,
    /// Unfiltered, holds basic.admin on the platform: reaches further than the attacker.
    boss: Value,
}

async fn world(app: &TestApp) -> World {
    let home = tagged_org(app, "Xland", &["x"]).await;
    tagged_org(app, "Elsewhere", &["y"]).await;
    let (attacker, attacker_key) = app
        .staff("filtered", "basic.admin", Some(&home), None)
        .await;
    let x = json!([{ "kind": "tag", "tags": ["x"] }]);
    set_filters(app, &attacker, x.clone()).await;
    let plain = member(app, &home, "plain").await;
    let narrowed = member(app, &home, "narrowed").await;
    set_filters(app, &narrowed, x).await;
    let (boss, _) = app.staff("boss", "basic.admin", Some(&home), None).await;
    World {
        attacker,
        attacker_key,
        home,
        plain,
        narrowed,
        boss,
    }
}

both_backends!(
    a_filtered_admin_cannot_give_unfiltered_platform_power,
    |app: TestApp| async move {
        let w = world(&app).await;
        let admin_role = app.role_id("basic.admin").await;
        let (plain, boss, attacker) = (id(&w.plain), id(&w.boss), id(&w.attacker));
        // The attacker does reach these people (they live in Xland).
        let (s, v) = app
            .api_as(
                &w.attacker_key,
                Method::GET,
                &format!("/api/v1/users/{plain}"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let boss_assignment = app
            .get(&format!("/api/v1/users/{boss}/role-assignments"))
            .await[0]["id"]
            .as_str()
            .unwrap()
            .to_string();

        let before = app.audit_seq().await;
        for (what, m, p, b) in [
            (
                "(a) a platform role to an unfiltered person",
                Method::POST,
                format!("/api/v1/users/{plain}/role-assignments"),
                Some(json!({ "role_id": admin_role })),
            ),
            (
                "(b) a personal grant on the platform to an unfiltered person",
                Method::POST,
                format!("/api/v1/users/{plain}/permission-overrides"),
                Some(json!({ "effect": "grant", "permission": "users.view" })),
            ),
            (
                "(c) a copy of themselves without their filters",
                Method::POST,
                format!("/api/v1/users/{attacker}/copy"),
                Some(
                    json!({ "username": "twin", "email": "twin@example.com", "copy_filters": false }),
                ),
            ),
            (
                "(c) a copy without copy_filters at all",
                Method::POST,
                format!("/api/v1/users/{attacker}/copy"),
                Some(json!({ "username": "twin", "email": "twin@example.com" })),
            ),
            (
                "(c) a copy, filters and all, of an unfiltered platform administrator",
                Method::POST,
                format!("/api/v1/users/{boss}/copy"),
                Some(
                    json!({ "username": "twin", "email": "twin@example.com", "copy_filters": true }),
                ),
            ),
            (
                "removing someone's filters",
                Method::PUT,
                format!("/api/v1/users/{}/data-filters", id(&w.narrowed)),
                Some(json!({ "filters": [] })),
            ),
            (
                "widening someone's filter to another tag",
                Method::PUT,
                format!("/api/v1/users/{}/data-filters", id(&w.narrowed)),
                Some(json!({ "filters": [{ "kind": "tag", "tags": ["x", "y"] }] })),
            ),
            (
                "replacing someone's filter with one of another kind",
                Method::PUT,
                format!("/api/v1/users/{}/data-filters", id(&w.narrowed)),
                Some(
                    json!({ "filters": [{ "kind": "organizations", "organizations": [id(&w.home)] }] }),
                ),
            ),
            (
                "removing their own filters",
                Method::PUT,
                format!("/api/v1/users/{attacker}/data-filters"),
                Some(json!({ "filters": [] })),
            ),
            (
                "narrowing someone who reaches further",
                Method::PUT,
                format!("/api/v1/users/{boss}/data-filters"),
                Some(json!({ "filters": [{ "kind": "tag", "tags": ["x"] }] })),
            ),
            (
                "taking a platform role from someone who reaches further",
                Method::DELETE,
                format!("/api/v1/users/{boss}/role-assignments/{boss_assignment}"),
                None,
            ),
            (
                "blocking someone who reaches further",
                Method::POST,
                format!("/api/v1/users/{boss}/block"),
                None,
            ),
        ] {
            let (s, v) = app.api_as(&w.attacker_key, m.clone(), &p, b).await;
            assert_eq!(
                (s, v["type"].as_str()),
                (StatusCode::FORBIDDEN, Some(FORBIDDEN)),
                "{what}: {m} {p}: {v}"
            );
            let detail = v["detail"].as_str().unwrap_or_default();
            assert!(
                detail.contains("data filters"),
                "{what}: the refusal says why: {v}"
            );
        }
        assert_eq!(
            app.audit_seq().await,
            before,
            "no refused act wrote anything"
        );
        assert_eq!(
            app.get(&format!("/api/v1/users/{plain}/role-assignments"))
                .await,
            json!([])
        );
        assert_eq!(
            app.get(&format!("/api/v1/users/{plain}/permission-overrides"))
                .await,
            json!([])
        );
        assert_eq!(
            filters_of(&app, &w.narrowed).await,
            json!([{ "kind": "tag", "tags": ["x"] }])
        );
        assert_eq!(filters_of(&app, &w.boss).await, json!([]));
        assert_eq!(
            filters_of(&app, &w.attacker)
                .await
                .as_array()
                .unwrap()
                .len(),
            1
        );
        let users = app.get("/api/v1/users?q=twin").await;
        assert_eq!(users["items"], json!([]), "no copy was made: {users}");

        // Within their own reach, the filtered administrator still may: give platform power to
        // someone carrying their filter, narrow an unfiltered person to it (or further), and
        // copy themselves with their filters.
        let narrowed = id(&w.narrowed);
        let (s, v) = app
            .api_as(
                &w.attacker_key,
                Method::POST,
                &format!("/api/v1/users/{narrowed}/role-assignments"),
                Some(json!({ "role_id": admin_role })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let (s, v) = app
            .api_as(
                &w.attacker_key,
                Method::POST,
                &format!("/api/v1/users/{narrowed}/permission-overrides"),
                Some(json!({ "effect": "grant", "permission": "users.view" })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let tighter = json!([{ "kind": "tag", "tags": ["x"] }, { "kind": "attribute", "name": "country", "values": ["IT"] }]);
        let (s, v) = app
            .api_as(
                &w.attacker_key,
                Method::PUT,
                &format!("/api/v1/users/{plain}/data-filters"),
                Some(json!({ "filters": tighter })),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = app
            .api_as(
                &w.attacker_key,
                Method::POST,
                &format!("/api/v1/users/{plain}/role-assignments"),
                Some(json!({ "role_id": admin_role })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "narrower than the attacker: {v}");
        let (s, copy) = app
            .api_as(
                &w.attacker_key,
                Method::POST,
                &format!("/api/v1/users/{attacker}/copy"),
                Some(json!({ "username": "twin", "email": "twin@example.com", "copy_filters": true })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{copy}");
        assert_eq!(
            filters_of(&app, &copy).await,
            json!([{ "kind": "tag", "tags": ["x"] }])
        );
        // Loosening the person's filters back, but not beyond the attacker's own: allowed.
        let (s, v) = app
            .api_as(
                &w.attacker_key,
                Method::PUT,
                &format!("/api/v1/users/{plain}/data-filters"),
                Some(json!({ "filters": [{ "kind": "tag", "tags": ["x"] }] })),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
);

both_backends!(
    an_unfiltered_admin_still_gives_platform_power_copies_and_removes_filters,
    |app: TestApp| async move {
        let w = world(&app).await;
        let (_, ops_key) = app.staff("ops", "basic.admin", None, None).await;
        let admin_role = app.role_id("basic.admin").await;
        let plain = id(&w.plain);
        let (s, v) = app
            .api_as(
                &ops_key,
                Method::POST,
                &format!("/api/v1/users/{plain}/role-assignments"),
                Some(json!({ "role_id": admin_role })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "(a): {v}");
        let (s, v) = app
            .api_as(
                &ops_key,
                Method::POST,
                &format!("/api/v1/users/{plain}/permission-overrides"),
                Some(json!({ "effect": "grant", "permission": "users.view" })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "(b): {v}");
        let (s, copy) = app
            .api_as(
                &ops_key,
                Method::POST,
                &format!("/api/v1/users/{}/copy", id(&w.attacker)),
                Some(json!({ "username": "twin", "email": "twin@example.com", "copy_filters": false })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "(c): {copy}");
        assert_eq!(filters_of(&app, &copy).await, json!([]));
        let (s, v) = app
            .api_as(
                &ops_key,
                Method::PUT,
                &format!("/api/v1/users/{}/data-filters", id(&w.narrowed)),
                Some(json!({ "filters": [] })),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "filter removal: {v}");
        assert_eq!(filters_of(&app, &w.narrowed).await, json!([]));
        // And acting on an equal who reaches as far.
        let (s, v) = app
            .api_as(
                &ops_key,
                Method::POST,
                &format!("/api/v1/users/{}/block", id(&w.boss)),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        // The refusals above come from the attacker's filters: once an unfiltered
        // administrator removes them, the attacker may act on the boss like anyone else.
        let (s, v) = app
            .api_as(
                &ops_key,
                Method::PUT,
                &format!("/api/v1/users/{}/data-filters", id(&w.attacker)),
                Some(json!({ "filters": [] })),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = app
            .api_as(
                &w.attacker_key,
                Method::POST,
                &format!("/api/v1/users/{}/unblock", id(&w.boss)),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "no longer narrowed: {v}");
    }
);

both_backends!(
    a_filtered_admin_cannot_widen_a_role_held_by_someone_reaching_further,
    |app: TestApp| async move {
        let w = world(&app).await;
        let (s, role) = app
            .api(
                Method::POST,
                "/api/v1/roles",
                Some(json!({"name": "Reader", "level": "platform", "permissions": ["users.view"]})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{role}");
        let rid = id(&role).to_string();
        // Held by someone who carries the attacker's filter: the attacker may widen it.
        let (s, v) = app
            .api(
                Method::POST,
                &format!("/api/v1/users/{}/role-assignments", id(&w.narrowed)),
                Some(json!({ "role_id": rid })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let patch = |perms: Value| {
            let (app, key, rid) = (&app, w.attacker_key.clone(), rid.clone());
            async move {
                let current = app.get(&format!("/api/v1/roles/{rid}")).await;
                let tag = format!("\"v{}\"", current["version"]);
                let r = app
                    .http
                    .patch(app.url(&format!("/api/v1/roles/{rid}")))
                    .bearer_auth(&key)
                    .header("if-match", tag)
                    .json(&json!({ "permissions": perms }))
                    .send()
                    .await
                    .unwrap();
                let s = r.status();
                (s, r.json::<Value>().await.unwrap())
            }
        };
        let (s, v) = patch(json!(["users.view", "organizations.view"])).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        // Now an unfiltered person holds it too: widening it would reach past the filter.
        let (s, v) = app
            .api(
                Method::POST,
                &format!("/api/v1/users/{}/role-assignments", id(&w.plain)),
                Some(json!({ "role_id": rid })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let before = app.audit_seq().await;
        let (s, v) = patch(json!(["users.view", "organizations.view", "members.view"])).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
        assert_eq!(v["type"], FORBIDDEN);
        assert_eq!(app.audit_seq().await, before, "nothing written");
        let now = app.get(&format!("/api/v1/roles/{rid}")).await;
        assert_eq!(
            now["permissions"],
            json!(["organizations.view", "users.view"])
        );
        // Narrowing it takes nothing from anyone's reach beyond the attacker's: allowed.
        let (s, v) = patch(json!(["users.view"])).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
);
