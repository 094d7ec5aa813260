//! Organizations (O1–O3) and memberships (U3, U4) through the REST API.

use crate::both_backends;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

both_backends!(
    nesting_cycles_tags_and_attributes,
    |app: crate::helpers::TestApp| async move {
        let acme = app.org("Acme Europe", None).await;
        assert_eq!(acme["slug"], "acme-europe");
        let it = app.org("Acme Italia", Some(&acme)).await;
        let rome = app.org("Città di Roma", Some(&it)).await;
        assert_eq!(rome["slug"], "citta-di-roma");
        let detail = app
            .get(&format!("/api/v1/organizations/{}", id(&rome)))
            .await;
        let anc: Vec<&str> = detail["ancestors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["slug"].as_str().unwrap())
            .collect();
        assert_eq!(anc, vec!["acme-italia", "acme-europe"]);
        // Moving Acme under its own grandchild is a cycle.
        let (s, p) = app
            .api(
                Method::PATCH,
                &format!("/api/v1/organizations/{}", id(&acme)),
                Some(json!({ "parent_id": id(&rome) })),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
        assert_eq!(p["field"], "parent");
        let (s, _) = app
            .api(
                Method::PATCH,
                &format!("/api/v1/organizations/{}", id(&acme)),
                Some(json!({ "parent_id": id(&acme) })),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        // Nothing moved.
        let acme2 = app
            .get(&format!("/api/v1/organizations/{}", id(&acme)))
            .await;
        assert!(acme2["parent_id"].is_null());
        // Tags and attributes.
        let (s, v) = app
            .api(
                Method::PATCH,
                &format!("/api/v1/organizations/{}", id(&it)),
                Some(json!({ "tags": ["EU", "retail", "eu"], "attributes": { "country": "IT" } })),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["tags"], json!(["eu", "retail"]));
        assert_eq!(v["attributes"]["country"], "IT");
        // Duplicate slug is a conflict, not a 500.
        let (s, p) = app
            .api(
                Method::POST,
                "/api/v1/organizations",
                Some(json!({ "name": "Other", "slug": "acme-italia" })),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{p}");
        assert_eq!(p["type"], "urn:portico:problem:slug-taken");
        // Top-level filter and children.
        let top = app.get("/api/v1/organizations?parent=root").await;
        assert_eq!(top["items"].as_array().unwrap().len(), 1);
        let kids = app
            .get(&format!("/api/v1/organizations?parent={}", id(&acme)))
            .await;
        assert_eq!(kids["items"][0]["slug"], "acme-italia");
        let found = app.get("/api/v1/organizations?q=citt").await;
        assert_eq!(found["items"][0]["slug"], "citta-di-roma");
    }
);

both_backends!(
    if_match_refuses_stale_updates,
    |app: crate::helpers::TestApp| async move {
        let acme = app.org("Acme", None).await;
        let path = format!("/api/v1/organizations/{}", id(&acme));
        let r = app
            .http
            .get(app.url(&path))
            .bearer_auth(&app.admin_key)
            .send()
            .await
            .unwrap();
        let etag = r.headers()["etag"].to_str().unwrap().to_string();
        assert_eq!(etag, "\"v1\"");
        let patch = |etag: String, name: &'static str| {
            app.http
                .patch(app.url(&path))
                .bearer_auth(&app.admin_key)
                .header("if-match", etag)
                .json(&json!({ "name": name }))
                .send()
        };
        let r = patch(etag.clone(), "Acme One").await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["etag"], "\"v2\"");
        let r = patch(etag, "Acme Stale").await.unwrap();
        assert_eq!(r.status(), StatusCode::PRECONDITION_FAILED);
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["type"], "urn:portico:problem:stale-version");
        assert_eq!(app.get(&path).await["name"], "Acme One");
    }
);

both_backends!(
    cursor_pagination_walks_every_row_once,
    |app: crate::helpers::TestApp| async move {
        for i in 0..7 {
            app.org(&format!("Org {i:02}"), None).await;
        }
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/v1/organizations?limit=3&cursor={c}"),
                None => "/api/v1/organizations?limit=3".to_string(),
            };
            let page = app.get(&path).await;
            for o in page["items"].as_array().unwrap() {
                seen.push(o["name"].as_str().unwrap().to_string());
            }
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        let expected: Vec<String> = (0..7).map(|i| format!("Org {i:02}")).collect();
        assert_eq!(seen, expected);
        let (s, p) = app
            .api(Method::GET, "/api/v1/organizations?cursor=zz", None)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
        let (s, _) = app
            .api(Method::GET, "/api/v1/organizations?limit=1000", None)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    }
);

both_backends!(
    adding_by_email_creates_or_links_one_identity,
    |app: crate::helpers::TestApp| async move {
        let a = app.org("Alpha", None).await;
        let b = app.org("Beta", None).await;
        let (s, v) = app
            .add_member(&a, "Anna.Rossi@Example.com", "Anna", "Rossi")
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(v["outcome"], "created");
        let user_id = v["user"]["id"].as_str().unwrap().to_string();
        assert_eq!(v["user"]["home_organization_id"], a["id"]);
        // Same person, different case and spacing: one identity, external in Beta, names untouched.
        let (s, v) = app
            .add_member(&b, "  anna.rossi@EXAMPLE.com ", "Someone", "Else")
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(v["outcome"], "added_external");
        assert_eq!(v["user"]["id"], user_id.as_str());
        assert_eq!(v["user"]["first_name"], "Anna");
        // Twice is a conflict.
        let (s, p) = app.add_member(&b, "anna.rossi@example.com", "", "").await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert_eq!(p["type"], "urn:portico:problem:already-member");
        let users = app.get("/api/v1/users?q=anna").await;
        assert_eq!(users["items"].as_array().unwrap().len(), 1);
        let detail = app.get(&format!("/api/v1/users/{user_id}")).await;
        let kinds: Vec<(&str, &str)> = detail["memberships"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["organization"]["slug"].as_str().unwrap(),
                    m["kind"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(kinds, vec![("alpha", "internal"), ("beta", "external")]);
        // A taken username suggestion gets a suffix.
        let (_, v2) = app.add_member(&a, "anna.rossi@other.example", "", "").await;
        assert_eq!(v2["user"]["username"], "anna.rossi1");
        // Bad email: a field error, nothing created.
        let (s, p) = app.add_member(&a, "not-an-email", "", "").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(p["field"], "email");
    }
);

both_backends!(
    removing_members_follows_internal_and_external_rules,
    |app: crate::helpers::TestApp| async move {
        let a = app.org("Alpha", None).await;
        let b = app.org("Beta", None).await;
        let c = app.org("Gamma", None).await;
        let (_, v) = app
            .add_member(&a, "lars@example.com", "Lars", "Jensen")
            .await;
        let lars = v["user"]["id"].as_str().unwrap().to_string();
        app.add_member(&b, "lars@example.com", "", "").await;
        app.add_member(&c, "lars@example.com", "", "").await;
        // External: only that membership goes.
        let (s, r) = app
            .api(
                Method::DELETE,
                &format!("/api/v1/organizations/{}/members/{lars}", id(&c)),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!(r["deletes_user"], false);
        assert_eq!(
            app.get(&format!("/api/v1/users/{lars}")).await["memberships"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        // Internal: the preview names the other organizations; without confirm nothing happens.
        let preview = app
            .get(&format!("/api/v1/organizations/{}/members/{lars}", id(&a)))
            .await;
        assert_eq!(preview["deletes_user"], true);
        assert_eq!(preview["other_organizations"][0]["slug"], "beta");
        let (s, p) = app
            .api(
                Method::DELETE,
                &format!("/api/v1/organizations/{}/members/{lars}", id(&a)),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert_eq!(p["type"], "urn:portico:problem:confirmation-required");
        assert!(p["detail"].as_str().unwrap().contains("Beta"));
        let (s, _) = app
            .api(
                Method::DELETE,
                &format!(
                    "/api/v1/organizations/{}/members/{lars}?confirm=true",
                    id(&a)
                ),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = app
            .api(Method::GET, &format!("/api/v1/users/{lars}"), None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let members = app
            .get(&format!("/api/v1/organizations/{}/members", id(&b)))
            .await;
        assert_eq!(members["items"].as_array().unwrap().len(), 0);
    }
);

both_backends!(
    deleting_an_organization_previews_then_removes_the_subtree,
    |app: crate::helpers::TestApp| async move {
        let top = app.org("Holding", None).await;
        let sub = app.org("Branch", Some(&top)).await;
        let leaf = app.org("Desk", Some(&sub)).await;
        let other = app.org("Outside", None).await;
        let (_, v) = app
            .add_member(&leaf, "kenji@example.com", "Kenji", "Sato")
            .await;
        let kenji = v["user"]["id"].as_str().unwrap().to_string();
        app.add_member(&other, "kenji@example.com", "", "").await;
        let (_, v) = app
            .add_member(&other, "maria@example.com", "María", "López")
            .await;
        let maria = v["user"]["id"].as_str().unwrap().to_string();
        app.add_member(&sub, "maria@example.com", "", "").await;
        let p = app
            .get(&format!(
                "/api/v1/organizations/{}/delete-preview",
                id(&sub)
            ))
            .await;
        assert_eq!(p["sub_organizations"].as_array().unwrap().len(), 1);
        assert_eq!(p["memberships"], 2);
        assert_eq!(p["internal_users_deleted"], 1);
        // A platform administrator may delete a sub-organization but not a top-level one.
        let (_, key) = app.platform_admin("ops").await;
        let (s, p) = app
            .api_as(
                &key,
                Method::DELETE,
                &format!("/api/v1/organizations/{}", id(&top)),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{p}");
        let (s, _) = app
            .api_as(
                &key,
                Method::DELETE,
                &format!("/api/v1/organizations/{}", id(&sub)),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = app
            .api(
                Method::GET,
                &format!("/api/v1/organizations/{}", id(&leaf)),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = app
            .api(Method::GET, &format!("/api/v1/users/{kenji}"), None)
            .await;
        assert_eq!(
            s,
            StatusCode::NOT_FOUND,
            "internal users of deleted organizations are deleted"
        );
        let m = app.get(&format!("/api/v1/users/{maria}")).await;
        assert_eq!(
            m["memberships"].as_array().unwrap().len(),
            1,
            "external members only lose the membership"
        );
        let (s, _) = app
            .api(
                Method::DELETE,
                &format!("/api/v1/organizations/{}", id(&top)),
                None,
            )
            .await;
        assert_eq!(
            s,
            StatusCode::OK,
            "the super admin deletes top-level organizations"
        );
    }
);

both_backends!(
    ids_of_the_wrong_kind_or_unknown_are_404,
    |app: crate::helpers::TestApp| async move {
        let a = app.org("Alpha", None).await;
        let (_, v) = app.add_member(&a, "x@example.com", "", "").await;
        let uid = v["user"]["id"].as_str().unwrap();
        // A user id where an organization id belongs.
        let (s, _) = app
            .api(Method::GET, &format!("/api/v1/organizations/{uid}"), None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = app
            .api(Method::GET, &format!("/api/v1/users/{}", id(&a)), None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, p) = app
            .api(
                Method::GET,
                "/api/v1/users/usr_01jd00000000000000000000zz",
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{p}");
        assert_eq!(p["type"], "urn:portico:problem:not-found");
    }
);

both_backends!(
    usernames_are_unique_case_insensitively,
    |app: crate::helpers::TestApp| async move {
        let a = app.org("Alpha", None).await;
        let path = format!("/api/v1/organizations/{}/members", id(&a));
        let (s, v) = app
            .api(
                Method::POST,
                &path,
                Some(json!({ "email": "one@example.com", "username": "Kenji.Sato" })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let (s, p) = app
            .api(
                Method::POST,
                &path,
                Some(json!({ "email": "two@example.com", "username": "kenji.SATO" })),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{p}");
        assert_eq!(p["type"], "urn:portico:problem:username-taken");
        let users = app.get("/api/v1/users?q=two").await;
        assert!(
            users["items"].as_array().unwrap().is_empty(),
            "nothing was created"
        );
    }
);
