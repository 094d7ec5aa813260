//! P5 end to end: an administrator narrowed by a data filter sees, in every list, search and
//! export, only what lies inside the filter — users, organizations and audit entries alike,
//! JSON and CSV — while an unfiltered administrator with the same role sees everything.

use crate::both_backends;
use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

async fn tagged(app: &TestApp, name: &str, tag: &str) -> Value {
    let org = app.org(name, None).await;
    let (s, v) = app
        .api(
            Method::PATCH,
            &format!("/api/v1/organizations/{}", id(&org)),
            Some(json!({ "tags": [tag] })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    org
}

async fn csv_as(app: &TestApp, key: &str, path: &str) -> String {
    let (s, body) = app.csv_as(key, path).await;
    assert_eq!(s, StatusCode::OK, "GET {path}: {body}");
    body
}

both_backends!(
    a_data_filter_narrows_every_list_search_and_export,
    |app: TestApp| async move {
        let gold = tagged(&app, "Gold Corp", "gold").await;
        let iron = tagged(&app, "Iron Works", "iron").await;
        let (s, g) = app
            .add_member(&gold, "goldie@example.com", "Goldie", "Hawn")
            .await;
        assert_eq!(s, StatusCode::CREATED, "{g}");
        let (s, i) = app
            .add_member(&iron, "ironside@example.com", "Iris", "Ironside")
            .await;
        assert_eq!(s, StatusCode::CREATED, "{i}");
        let (filtered, fkey) = app.staff("narrow", "basic.admin", Some(&gold), None).await;
        let (s, v) = app
            .api(
                Method::PUT,
                &format!("/api/v1/users/{}/data-filters", id(&filtered)),
                Some(json!({"filters": [{"kind": "tag", "tags": ["gold"]}]})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (_, wkey) = app.staff("wide", "basic.admin", None, None).await;
        let iron_user = i["user"]["id"].as_str().unwrap().to_string();

        for (key, sees_iron) in [(&wkey, true), (&fkey, false)] {
            // Organizations.
            let (s, orgs) = app
                .api_as(key, Method::GET, "/api/v1/organizations?limit=200", None)
                .await;
            assert_eq!(s, StatusCode::OK, "{orgs}");
            let names: Vec<&str> = orgs["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["name"].as_str().unwrap())
                .collect();
            assert!(names.contains(&"Gold Corp"), "{names:?}");
            assert_eq!(names.contains(&"Iron Works"), sees_iron, "{names:?}");
            // Global search (U11) and the users list.
            for path in ["/api/v1/users?q=ironside", "/api/v1/users?limit=200"] {
                let (s, users) = app.api_as(key, Method::GET, path, None).await;
                assert_eq!(s, StatusCode::OK, "{users}");
                let found = users["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|u| u["id"] == iron_user.as_str());
                assert_eq!(found, sees_iron, "{path}: {users}");
            }
            let (s, goldies) = app
                .api_as(key, Method::GET, "/api/v1/users?q=goldie", None)
                .await;
            assert_eq!(s, StatusCode::OK);
            assert_eq!(goldies["items"].as_array().unwrap().len(), 1, "{goldies}");
            // The user page, the organization page and its members: not found outside.
            for path in [
                format!("/api/v1/users/{iron_user}"),
                format!("/api/v1/organizations/{}", id(&iron)),
                format!("/api/v1/organizations/{}/members", id(&iron)),
            ] {
                let (s, v) = app.api_as(key, Method::GET, &path, None).await;
                let want = if sees_iron {
                    StatusCode::OK
                } else {
                    StatusCode::NOT_FOUND
                };
                assert_eq!(s, want, "{path}: {v}");
            }
            // The audit log, JSON and CSV.
            let (s, audit) = app
                .api_as(key, Method::GET, "/api/v1/audit-events?limit=200", None)
                .await;
            assert_eq!(s, StatusCode::OK, "{audit}");
            let iron_entries = audit["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["organization_id"] == id(&iron))
                .count();
            assert_eq!(iron_entries > 0, sees_iron, "{audit}");
            let gold_entries = audit["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["organization_id"] == id(&gold))
                .count();
            assert!(gold_entries > 0, "{audit}");
            let csv = csv_as(&app, key, "/api/v1/audit-events").await;
            assert!(csv.contains(id(&gold)), "{csv}");
            assert_eq!(csv.contains(id(&iron)), sees_iron, "{csv}");
        }
    }
);
