//! The tenant-isolation matrix (issue 3): two organization trees, an administrator of each,
//! and every API operation that takes an id called by one with the other tree's ids. Each must
//! answer 404 and change nothing (no audit entry appended, the other tree intact).

use crate::both_backends;
use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

struct Tree {
    root: Value,
    child: Value,
    member: Value,
    admin: Value,
    key: String,
}

async fn tree(app: &TestApp, name: &str) -> Tree {
    let root = app.org(name, None).await;
    let child = app.org(&format!("{name} Child"), Some(&root)).await;
    let (s, m) = app
        .add_member(
            &child,
            &format!("member.{}@example.com", name.to_lowercase()),
            "Mem",
            name,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    let (admin, key) = app
        .staff(
            &format!("admin{}", name.to_lowercase()),
            "lms.organization_administrator",
            Some(&root),
            Some(&root),
        )
        .await;
    Tree {
        root,
        child,
        member: m["user"].clone(),
        admin,
        key,
    }
}

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

both_backends!(
    each_operation_with_the_other_trees_ids_is_not_found_and_changes_nothing,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let a = tree(&app, "Alpha").await;
        let b = tree(&app, "Beta").await;

        // Sanity: each administrator works in their own tree.
        let (s, v) = app
            .api_as(
                &a.key,
                Method::GET,
                &format!("/api/v1/users/{}", id(&a.member)),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = app
            .api_as(
                &a.key,
                Method::GET,
                &format!("/api/v1/organizations/{}", id(&a.child)),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");

        let role = app.role_id("lms.manager").await;
        let (bo, bc, bm, ba) = (id(&b.root), id(&b.child), id(&b.member), id(&b.admin));
        let am = id(&a.member);
        let ops: Vec<(Method, String, Option<Value>)> = vec![
            (Method::GET, format!("/api/v1/organizations/{bo}"), None),
            (Method::GET, format!("/api/v1/organizations/{bc}"), None),
            (
                Method::PATCH,
                format!("/api/v1/organizations/{bc}"),
                Some(json!({"name": "Taken"})),
            ),
            (
                Method::GET,
                format!("/api/v1/organizations/{bc}/delete-preview"),
                None,
            ),
            (Method::DELETE, format!("/api/v1/organizations/{bc}"), None),
            (
                Method::GET,
                format!("/api/v1/organizations/{bc}/members"),
                None,
            ),
            (
                Method::POST,
                format!("/api/v1/organizations/{bc}/members"),
                Some(json!({"email": "x@example.com", "first_name": "X", "last_name": "Y"})),
            ),
            (
                Method::GET,
                format!("/api/v1/organizations/{bc}/members/{bm}"),
                None,
            ),
            (
                Method::DELETE,
                format!("/api/v1/organizations/{bc}/members/{bm}?confirm=true"),
                None,
            ),
            (
                Method::GET,
                format!("/api/v1/organizations/{bc}/relationships"),
                None,
            ),
            (
                Method::POST,
                format!("/api/v1/organizations/{bc}/relationships"),
                Some(json!({"relation": "manager", "from_user_id": ba, "to_user_id": bm})),
            ),
            (Method::GET, format!("/api/v1/users/{bm}"), None),
            (Method::GET, format!("/api/v1/users/{ba}"), None),
            (
                Method::PATCH,
                format!("/api/v1/users/{bm}"),
                Some(json!({"first_name": "Hacked"})),
            ),
            (Method::DELETE, format!("/api/v1/users/{bm}"), None),
            (Method::POST, format!("/api/v1/users/{bm}/block"), None),
            (Method::POST, format!("/api/v1/users/{bm}/unblock"), None),
            (
                Method::GET,
                format!("/api/v1/users/{bm}/role-assignments"),
                None,
            ),
            (
                Method::POST,
                format!("/api/v1/users/{bm}/role-assignments"),
                Some(json!({"role_id": role, "scope": bc})),
            ),
            (
                Method::GET,
                format!("/api/v1/users/{ba}/permission-overrides"),
                None,
            ),
            (
                Method::POST,
                format!("/api/v1/users/{ba}/permission-overrides"),
                Some(json!({"effect": "deny", "permission": "members.add", "scope": bo})),
            ),
            (
                Method::GET,
                format!("/api/v1/users/{bm}/data-filters"),
                None,
            ),
            (
                Method::PUT,
                format!("/api/v1/users/{bm}/data-filters"),
                Some(json!({"filters": []})),
            ),
            (
                Method::PUT,
                format!("/api/v1/users/{bm}/ip-allowlist"),
                Some(json!({"ip_allowlist": "*"})),
            ),
            (
                Method::POST,
                format!("/api/v1/users/{bm}/copy"),
                Some(json!({"username": "copycat", "email": "copycat@example.com"})),
            ),
            (
                Method::GET,
                format!("/api/v1/authz/explain?user={bm}&permission=users.view&scope={bc}"),
                None,
            ),
            (
                Method::GET,
                format!("/api/v1/authz/holders?permission=users.view&scope={bo}"),
                None,
            ),
            // Own user, the other tree's scope.
            (
                Method::POST,
                format!("/api/v1/users/{am}/role-assignments"),
                Some(json!({"role_id": role, "scope": bc})),
            ),
            (
                Method::POST,
                format!("/api/v1/users/{am}/permission-overrides"),
                Some(json!({"effect": "grant", "permission": "members.view", "scope": bc})),
            ),
            (
                Method::POST,
                "/api/v1/api-keys".to_string(),
                Some(json!({"name": "sneaky", "organization_id": bc})),
            ),
        ];
        let before = app.audit_seq().await;
        for (m, path, body) in ops {
            let (s, v) = app.api_as(&a.key, m.clone(), &path, body).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{m} {path}: {v}");
            assert_eq!(
                v["type"], "urn:portico:problem:not-found",
                "{m} {path}: {v}"
            );
        }
        // A child under the other tree, or a move into it: the parent "does not exist".
        let (s, v) = app
            .api_as(
                &a.key,
                Method::POST,
                "/api/v1/organizations",
                Some(json!({"name": "Cuckoo", "parent_id": bo})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let (s, v) = app
            .api_as(
                &a.key,
                Method::PATCH,
                &format!("/api/v1/organizations/{}", id(&a.child)),
                Some(json!({"parent_id": bo})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(app.audit_seq().await, before, "nothing was written");

        // Lists and searches show only the own tree.
        let (_, orgs) = app
            .api_as(&a.key, Method::GET, "/api/v1/organizations", None)
            .await;
        let names: Vec<&str> = orgs["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["name"].as_str().unwrap())
            .collect();
        assert!(
            names.contains(&"Alpha Child") && !names.iter().any(|n| n.starts_with("Beta")),
            "{names:?}"
        );
        let (_, users) = app
            .api_as(&a.key, Method::GET, "/api/v1/users?q=mem", None)
            .await;
        let found: Vec<&str> = users["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_str().unwrap())
            .collect();
        assert_eq!(found, vec![am], "only the own tree's member");
        let (s, audit) = app
            .api_as(&a.key, Method::GET, "/api/v1/audit-events?limit=200", None)
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            audit["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["organization_id"].is_null()
                    || e["organization_id"] != bc && e["organization_id"] != bo),
            "no entries of the other tree"
        );

        // The other tree is intact.
        let m = app.get(&format!("/api/v1/users/{bm}")).await;
        assert_eq!(m["status"], "invited");
        assert_eq!(m["first_name"], "Mem");
        let c = app.get(&format!("/api/v1/organizations/{bc}")).await;
        assert_eq!(c["name"], "Beta Child");
        assert!(!b.key.is_empty());
    }
);
