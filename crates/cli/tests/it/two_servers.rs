//! Two `portico serve` processes on one PostgreSQL behave as one (SPEC §3): an access change
//! made through one process decides the other's very next request (issue 3).

use crate::helpers::{Portico, Server};
use crate::postgres::fresh_database;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

async fn call(
    http: &Client,
    server: &Server,
    key: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
    if_match: Option<&str>,
) -> (StatusCode, Value, Option<String>) {
    let mut req = http.request(method, server.url(path)).bearer_auth(key);
    if let Some(b) = body {
        req = req.json(&b);
    }
    if let Some(tag) = if_match {
        req = req.header("if-match", tag);
    }
    let r = req.send().await.expect("request");
    let status = r.status();
    let etag = r
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let text = r.text().await.expect("body");
    let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, v, etag)
}

#[test]
fn an_access_change_through_one_process_decides_the_others_next_request() {
    let Some(url) = fresh_database() else {
        return;
    };
    let p = Portico::new();
    let db = ["--database-url", url.as_str()];
    let with_db = |args: &[&str]| {
        let mut all = db.to_vec();
        all.extend_from_slice(args);
        all.into_iter().map(str::to_string).collect::<Vec<_>>()
    };
    let run = |args: &[&str], stdin: &str| {
        let all = with_db(args);
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        p.run_with_stdin(&all, stdin).ok()
    };
    run(&["migrate"], "");
    p.init(&db).ok();
    let key = run(
        &["api-key", "create", "--username", "admin", "--name", "t"],
        "",
    )
    .stdout
    .trim()
    .to_string();
    let first = p.serve(&db, "listening");
    let second = p.serve(&db, "listening");
    assert_ne!(first.addr, second.addr);

    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(async {
            let http = Client::new();
            let k = key.as_str();
            let (s, org, _) = call(
                &http,
                &first,
                k,
                Method::POST,
                "/api/v1/organizations",
                Some(json!({"name": "Acme"})),
                None,
            )
            .await;
            assert_eq!(s, StatusCode::CREATED, "{org}");
            let org = org["id"].as_str().expect("org id").to_string();
            let (s, m, _) = call(
                &http,
                &first,
                k,
                Method::POST,
                &format!("/api/v1/organizations/{org}/members"),
                Some(json!({"email": "ana@example.com", "first_name": "Ana", "last_name": "Lee"})),
                None,
            )
            .await;
            assert_eq!(s, StatusCode::CREATED, "{m}");
            let ana = m["user"]["id"].as_str().expect("user id").to_string();
            let explain =
                format!("/api/v1/authz/explain?user={ana}&permission=members.view&scope={org}");
            let allowed_on_second = || async {
                let (s, e, _) = call(&http, &second, k, Method::GET, &explain, None, None).await;
                assert_eq!(s, StatusCode::OK, "{e}");
                e["allowed"].as_bool().expect("allowed")
            };
            // The second process has built its view of access already.
            assert!(!allowed_on_second().await);

            // A back-office user needs an allowlist (U9).
            let (s, r, _) = call(
                &http,
                &first,
                k,
                Method::PUT,
                &format!("/api/v1/users/{ana}/ip-allowlist"),
                Some(json!({"ip_allowlist": "*"})),
                None,
            )
            .await;
            assert!(s.is_success(), "{s} {r}");
            // A role made and assigned through the first process…
            let (s, role, etag) = call(
                &http,
                &first,
                k,
                Method::POST,
                "/api/v1/roles",
                Some(json!({"name": "Member viewer", "level": "organization",
                            "permissions": ["members.view"]})),
                None,
            )
            .await;
            assert_eq!(s, StatusCode::CREATED, "{role}");
            let role_id = role["id"].as_str().expect("role id").to_string();
            let (s, a, _) = call(
                &http,
                &first,
                k,
                Method::POST,
                &format!("/api/v1/users/{ana}/role-assignments"),
                Some(json!({"role_id": role_id, "scope": org})),
                None,
            )
            .await;
            assert_eq!(s, StatusCode::CREATED, "{a}");
            // …counts on the second one's very next request.
            assert!(allowed_on_second().await);

            // An edit of the role through the first process, likewise.
            let etag = etag.expect("an ETag on the created role");
            let (s, r, _) = call(
                &http,
                &first,
                k,
                Method::PATCH,
                &format!("/api/v1/roles/{role_id}"),
                Some(json!({"permissions": ["organizations.view"]})),
                Some(&etag),
            )
            .await;
            assert_eq!(s, StatusCode::OK, "{r}");
            assert!(!allowed_on_second().await);

            // And the other way round: a denial made through the second process.
            let (s, r, etag) = call(
                &http,
                &second,
                k,
                Method::GET,
                &format!("/api/v1/roles/{role_id}"),
                None,
                None,
            )
            .await;
            assert_eq!(s, StatusCode::OK, "{r}");
            let (s, r, _) = call(
                &http,
                &second,
                k,
                Method::PATCH,
                &format!("/api/v1/roles/{role_id}"),
                Some(json!({"permissions": ["members.view"]})),
                etag.as_deref(),
            )
            .await;
            assert_eq!(s, StatusCode::OK, "{r}");
            let (s, e, _) = call(&http, &first, k, Method::GET, &explain, None, None).await;
            assert_eq!(s, StatusCode::OK, "{e}");
            assert_eq!(e["allowed"], true, "{e}");
            let (s, o, _) = call(
                &http,
                &second,
                k,
                Method::POST,
                &format!("/api/v1/users/{ana}/permission-overrides"),
                Some(json!({"effect": "deny", "permission": "members.view", "scope": org})),
                None,
            )
            .await;
            assert_eq!(s, StatusCode::CREATED, "{o}");
            let (s, e, _) = call(&http, &first, k, Method::GET, &explain, None, None).await;
            assert_eq!(s, StatusCode::OK, "{e}");
            assert_eq!(e["allowed"], false, "{e}");
            assert_eq!(e["decision"], "denied", "{e}");
        });
}
