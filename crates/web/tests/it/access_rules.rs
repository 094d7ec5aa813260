//! P2–P8 and P10 through the API, from the attacker's side: a weaker administrator trying to
//! escalate by every path, the presets' documented abilities, expiry with an injected clock,
//! data filters, explain and holders, API keys narrower than their creator.

use crate::both_backends;
use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

both_backends!(
    a_weaker_admin_cannot_escalate_by_any_path,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let a = app.org("Acme", None).await;
        let a1 = app.org("Acme North", Some(&a)).await;
        let (oa, key) = app
            .staff(
                "orgadmin",
                "lms.organization_administrator",
                Some(&a),
                Some(&a),
            )
            .await;
        let (s, m) = app.add_member(&a1, "pat@example.com", "Pat", "Lee").await;
        assert_eq!(s, StatusCode::CREATED);
        let pat = m["user"]["id"].as_str().unwrap().to_string();
        app.api(
            Method::PUT,
            &format!("/api/v1/users/{pat}/ip-allowlist"),
            Some(json!({"ip_allowlist": "*"})),
        )
        .await;
        let before = app.audit_seq().await;
        let refuse = |m: Method, p: String, b: Option<Value>, want: StatusCode| {
            let app = &app;
            let key = key.clone();
            async move {
                let (s, v) = app.api_as(&key, m.clone(), &p, b).await;
                assert_eq!(s, want, "{m} {p}: {v}");
            }
        };
        let admin_role = app.role_id("lms.administrator").await;
        let org_admin_role = app.role_id("lms.organization_administrator").await;
        // A platform role: not at an organization, and not one they hold.
        refuse(
            Method::POST,
            format!("/api/v1/users/{pat}/role-assignments"),
            Some(json!({"role_id": admin_role})),
            StatusCode::FORBIDDEN,
        )
        .await;
        // A role they hold, assigned at a scope wider than theirs (the platform).
        refuse(
            Method::POST,
            format!("/api/v1/users/{pat}/role-assignments"),
            Some(json!({"role_id": org_admin_role, "scope": "platform"})),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        // A personal grant of a permission they lack there (the preset's Organization
        // administrator holds everything in the organization but organizations.delete).
        refuse(
            Method::POST,
            format!("/api/v1/users/{pat}/permission-overrides"),
            Some(json!({"effect": "grant", "permission": "organizations.delete", "scope": id(&a)})),
            StatusCode::FORBIDDEN,
        )
        .await;
        // Custom roles: platform roles.manage is not theirs.
        refuse(
            Method::POST,
            "/api/v1/roles".into(),
            Some(json!({"name": "Mine", "level": "organization", "permissions": ["members.view"]})),
            StatusCode::FORBIDDEN,
        )
        .await;
        // An API key wider than themselves.
        refuse(
            Method::POST,
            "/api/v1/api-keys".into(),
            Some(json!({"name": "wide", "permissions": ["organizations.delete"], "organization_id": id(&a)})),
            StatusCode::FORBIDDEN,
        )
        .await;
        // Acting on people above them.
        let sa = app.get("/api/v1/auth/me").await["user"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        for (m, p) in [
            (Method::POST, format!("/api/v1/users/{sa}/block")),
            (Method::DELETE, format!("/api/v1/users/{sa}")),
        ] {
            refuse(m, p, None, StatusCode::NOT_FOUND).await;
        }
        // Moving their organization to the top level needs the platform's organizations.create.
        refuse(
            Method::PATCH,
            format!("/api/v1/organizations/{}", id(&a1)),
            Some(json!({"parent_id": null})),
            StatusCode::FORBIDDEN,
        )
        .await;
        // Deleting their own organization would delete themselves.
        assert_eq!(
            app.audit_seq().await,
            before,
            "no refused act wrote anything"
        );

        // What they may do, they can: a role they hold, at their scope or below.
        let (s, v) = app
            .api_as(
                &key,
                Method::POST,
                &format!("/api/v1/users/{pat}/role-assignments"),
                Some(json!({"role_id": app.role_id("lms.manager").await, "scope": id(&a1)})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let (s, v) = app
            .api_as(
                &key,
                Method::POST,
                &format!("/api/v1/users/{pat}/block"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");

        // An equal (another organization administrator of the same org) is fine to act on;
        // someone holding more at that scope is not.
        let (peer, _) = app
            .staff(
                "peer",
                "lms.organization_administrator",
                Some(&a1),
                Some(&a1),
            )
            .await;
        app.api(
            Method::POST,
            &format!("/api/v1/users/{}/permission-overrides", id(&peer)),
            Some(json!({"effect": "grant", "permission": "licenses.view", "scope": "platform"})),
        )
        .await;
        let (s, v) = app
            .api_as(
                &key,
                Method::POST,
                &format!("/api/v1/users/{}/block", id(&peer)),
                None,
            )
            .await;
        assert_eq!(
            s,
            StatusCode::FORBIDDEN,
            "peer holds licenses.view on the platform: {v}"
        );
        assert!(
            v["detail"].as_str().unwrap().contains("licenses.view"),
            "{v}"
        );
        let _ = oa;
    }
);

both_backends!(
    role_edits_need_the_whole_role_and_presets_are_read_only,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        // A platform administrator without users.impersonate (a Partial administrator).
        let (_, key) = app
            .staff("partial", "lms.partial_administrator", None, None)
            .await;
        let (s, v) = app
            .api(
                Method::POST,
                "/api/v1/roles",
                Some(json!({"name": "Helpdesk", "level": "platform", "permissions": ["users.view", "users.impersonate"]})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let helpdesk = v["id"].as_str().unwrap().to_string();
        // The partial admin may manage roles, but not a role holding users.impersonate.
        let (s, v) = app
            .api_as(
                &key,
                Method::PATCH,
                &format!("/api/v1/roles/{helpdesk}"),
                Some(json!({"name": "Helpdesk 2"})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
        let (s, v) = app
            .api_as(
                &key,
                Method::POST,
                "/api/v1/roles",
                Some(json!({"name": "Copy", "copy_from": helpdesk})),
            )
            .await;
        assert_eq!(
            s,
            StatusCode::FORBIDDEN,
            "a copy holds what the source holds: {v}"
        );
        let (s, v) = app
            .api_as(
                &key,
                Method::POST,
                "/api/v1/roles",
                Some(json!({"name": "Copy", "copy_from": helpdesk, "permissions": ["users.view"]})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "a narrowed copy is fine: {v}");
        // Presets are read-only; stale If-Match is refused.
        let preset = app.role_id("lms.observer").await;
        let (s, v) = app
            .api(
                Method::PATCH,
                &format!("/api/v1/roles/{preset}"),
                Some(json!({"name": "X"})),
            )
            .await;
        assert_eq!(
            (s, v["type"].as_str()),
            (
                StatusCode::CONFLICT,
                Some("urn:portico:problem:preset-read-only")
            ),
            "{v}"
        );
        let r = app
            .http
            .patch(app.url(&format!("/api/v1/roles/{helpdesk}")))
            .bearer_auth(&app.admin_key)
            .header("If-Match", "\"v0\"")
            .json(&json!({"name": "Stale"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::PRECONDITION_FAILED);
        // Unknown permission and wrong level: 422 naming the field.
        let (s, v) = app
            .api(
                Method::POST,
                "/api/v1/roles",
                Some(
                    json!({"name": "Bad", "level": "project", "permissions": ["licenses.manage"]}),
                ),
            )
            .await;
        assert_eq!(
            (s, v["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("permissions")),
            "{v}"
        );
        // A role in use cannot be deleted.
        let (u, _) = app.staff("helper", "lms.observer", None, None).await;
        let (s, _) = app
            .api(
                Method::POST,
                &format!("/api/v1/users/{}/role-assignments", id(&u)),
                Some(json!({"role_id": helpdesk})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
        let (s, v) = app
            .api(Method::DELETE, &format!("/api/v1/roles/{helpdesk}"), None)
            .await;
        assert_eq!(
            (s, v["type"].as_str()),
            (
                StatusCode::CONFLICT,
                Some("urn:portico:problem:role-in-use")
            ),
            "{v}"
        );
    }
);

both_backends!(
    preset_roles_do_what_their_documentation_says,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let org = app.org("Schola", None).await;
        let (full, _) = app
            .staff("fulladmin", "lms.administrator", None, None)
            .await;
        let (_, partial) = app
            .staff("partial", "lms.partial_administrator", None, None)
            .await;
        let (_, observer) = app.staff("observer", "lms.observer", None, None).await;
        let (s, m) = app
            .add_member(&org, "stud@example.com", "Stu", "Dent")
            .await;
        assert_eq!(s, StatusCode::CREATED);
        let stud = m["user"]["id"].as_str().unwrap().to_string();
        app.activate(&m["user"]).await;
        let oid = id(&org).to_string();

        // Partial administrator: no impersonation, no full administrators, no licenses, no
        // organization deletion.
        let (c, csrf) = app.login("partial", ADMIN_PASSWORD).await;
        let r = c
            .post(app.url(&format!("/api/v1/users/{stud}/impersonate")))
            .header("x-csrf-token", &csrf)
            .json(&json!({"reason": "support ticket 42"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let (s, _) = app
            .api_as(
                &partial,
                Method::GET,
                &format!("/api/v1/users/{}", id(&full)),
                None,
            )
            .await;
        assert_eq!(
            s,
            StatusCode::NOT_FOUND,
            "full administrators are invisible to a partial one"
        );
        let (s, _) = app
            .api_as(&partial, Method::GET, "/api/v1/administrators", None)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, users) = app
            .api_as(&partial, Method::GET, "/api/v1/users", None)
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            users["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|u| u["id"] != full["id"] && u["is_super_admin"] == false)
        );
        let (s, _) = app
            .api_as(
                &partial,
                Method::DELETE,
                &format!("/api/v1/organizations/{oid}"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let me = app
            .api_as(&partial, Method::GET, "/api/v1/auth/me", None)
            .await
            .1;
        let pid = me["user"]["id"].as_str().unwrap();
        let (s, e) = app
            .api(
                Method::GET,
                &format!("/api/v1/authz/explain?user={pid}&permission=licenses.manage"),
                None,
            )
            .await;
        assert_eq!(
            (s, e["allowed"].as_bool()),
            (StatusCode::OK, Some(false)),
            "{e}"
        );
        // …but manages users and organizations.
        let (s, v) = app
            .api_as(
                &partial,
                Method::POST,
                &format!("/api/v1/users/{stud}/block"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");

        // Observer: reads everything, changes nothing.
        for p in [
            "/api/v1/organizations",
            "/api/v1/users",
            "/api/v1/roles",
            "/api/v1/audit-events",
            "/api/v1/administrators",
        ] {
            let (s, v) = app.api_as(&observer, Method::GET, p, None).await;
            assert_eq!(s, StatusCode::OK, "{p}: {v}");
        }
        let (s, _) = app
            .api_as(
                &observer,
                Method::GET,
                &format!("/api/v1/organizations/{oid}/members"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let before = app.audit_seq().await;
        for (m, p, b) in [
            (
                Method::POST,
                "/api/v1/organizations".to_string(),
                Some(json!({"name": "New"})),
            ),
            (
                Method::PATCH,
                format!("/api/v1/organizations/{oid}"),
                Some(json!({"name": "Renamed"})),
            ),
            (Method::POST, format!("/api/v1/users/{stud}/unblock"), None),
            (
                Method::PATCH,
                format!("/api/v1/users/{stud}"),
                Some(json!({"first_name": "X"})),
            ),
            (
                Method::POST,
                format!("/api/v1/organizations/{oid}/members"),
                Some(json!({"email": "n@example.com", "first_name": "N", "last_name": "M"})),
            ),
            (
                Method::POST,
                "/api/v1/api-keys".to_string(),
                Some(json!({"name": "k"})),
            ),
        ] {
            let (s, v) = app.api_as(&observer, m.clone(), &p, b).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{m} {p}: {v}");
        }
        assert_eq!(app.audit_seq().await, before);
    }
);

both_backends!(
    assignments_expire_with_the_clock,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let (u, key) = app.staff("temp", "lms.observer", None, None).await;
        // Replace the permanent assignment by one that expires in an hour.
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
        let (s, _) = app
            .api_as(&key, Method::GET, "/api/v1/organizations", None)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "no role, no back office");
        let expires =
            portico_domain::Timestamp(app.services.now().millis() + 3_600_000).to_rfc3339();
        let (s, v) = app
            .api(
                Method::POST,
                &format!("/api/v1/users/{}/role-assignments", id(&u)),
                Some(json!({"role_id": app.role_id("lms.observer").await, "expires_at": expires})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let (s, _) = app
            .api_as(&key, Method::GET, "/api/v1/organizations", None)
            .await;
        assert_eq!(s, StatusCode::OK);
        app.clock.advance_secs(3601);
        let (s, _) = app
            .api_as(&key, Method::GET, "/api/v1/organizations", None)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "expired");
        let e = app
            .get(&format!(
                "/api/v1/authz/explain?user={}&permission=organizations.view",
                id(&u)
            ))
            .await;
        assert_eq!(e["decision"], "not-granted");
        assert_eq!(e["reasons"][0]["kind"], "expired-role", "{e}");
    }
);

both_backends!(
    explain_holders_and_data_filters,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let gold = app.org("Gold Corp", None).await;
        let (s, _) = app
            .api(
                Method::PATCH,
                &format!("/api/v1/organizations/{}", id(&gold)),
                Some(json!({"tags": ["gold"]})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let gold_team = app.org("Gold Team", Some(&gold)).await;
        let plain = app.org("Plain Ltd", None).await;
        let (u, key) = app.staff("seller", "lms.observer", None, None).await;
        let uid = id(&u).to_string();
        // Allowed by the role.
        let e = app
            .get(&format!(
                "/api/v1/authz/explain?user={uid}&permission=users.view&scope={}",
                id(&plain)
            ))
            .await;
        assert_eq!(
            (e["allowed"].as_bool(), e["reasons"][0]["kind"].as_str()),
            (Some(true), Some("role")),
            "{e}"
        );
        assert!(
            e["reasons"][0]["assignment_id"]
                .as_str()
                .unwrap()
                .starts_with("ras_")
        );
        // A denial wins.
        let (s, v) = app
            .api(
                Method::POST,
                &format!("/api/v1/users/{uid}/permission-overrides"),
                Some(json!({"effect": "deny", "permission": "users.view", "scope": id(&plain)})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let e = app
            .get(&format!(
                "/api/v1/authz/explain?user={uid}&permission=users.view&scope={}",
                id(&plain)
            ))
            .await;
        assert_eq!(e["decision"], "denied", "{e}");
        assert_eq!(e["reasons"][0]["kind"], "denial");
        // Holders of users.view at Plain: the super admin, not the seller.
        let h = app
            .get(&format!(
                "/api/v1/authz/holders?permission=users.view&scope={}",
                id(&plain)
            ))
            .await;
        let names: Vec<&str> = h
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap())
            .collect();
        assert!(
            names.contains(&"admin") && !names.contains(&"seller"),
            "{names:?}"
        );
        // A data filter narrows lists to the gold tree (sub-organizations included).
        let (s, v) = app
            .api(
                Method::PUT,
                &format!("/api/v1/users/{uid}/data-filters"),
                Some(json!({"filters": [{"kind": "tag", "tags": ["gold"]}]})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (_, orgs) = app
            .api_as(&key, Method::GET, "/api/v1/organizations?limit=200", None)
            .await;
        let mut names: Vec<&str> = orgs["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["name"].as_str().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, vec!["Gold Corp", "Gold Team"]);
        let (s, _) = app
            .api_as(
                &key,
                Method::GET,
                &format!("/api/v1/organizations/{}", id(&plain)),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "outside the filter: not found");
        let (s, _) = app
            .api_as(
                &key,
                Method::GET,
                &format!("/api/v1/organizations/{}", id(&gold_team)),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let e = app
            .get(&format!(
                "/api/v1/authz/explain?user={uid}&permission=organizations.view&scope={}",
                id(&plain)
            ))
            .await;
        assert_eq!(
            (e["decision"].as_str(), e["reasons"][0]["kind"].as_str()),
            (Some("denied"), Some("filter")),
            "{e}"
        );
        // Unknown permission: 422 naming the field.
        let (s, v) = app
            .api(
                Method::GET,
                &format!("/api/v1/authz/explain?user={uid}&permission=nope.nope"),
                None,
            )
            .await;
        assert_eq!(
            (s, v["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("permission"))
        );
        // The catalogue.
        let p = app.get("/api/v1/permissions").await;
        let block = p
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["key"] == "users.block")
            .unwrap();
        assert_eq!(block["section"], "Users");
        assert_eq!(block["levels"], json!(["platform", "organization"]));
    }
);

both_backends!(
    api_keys_are_limited_to_their_permissions_and_organization,
    |app: TestApp| async move {
        let a = app.org("Keyed", None).await;
        let b = app.org("Other", None).await;
        let (s, v) = app
            .api(
                Method::POST,
                "/api/v1/api-keys",
                Some(json!({"name": "readonly", "permissions": ["organizations.view", "members.view"], "organization_id": id(&a)})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(
            v["permissions"],
            json!(["organizations.view", "members.view"]),
            "the created key is answered flat, next to its token: {v}"
        );
        assert_eq!(v["organization_id"].as_str(), Some(id(&a)), "{v}");
        let k = v["token"].as_str().unwrap();
        let (s, _) = app
            .api_as(
                k,
                Method::GET,
                &format!("/api/v1/organizations/{}", id(&a)),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = app
            .api_as(
                k,
                Method::GET,
                &format!("/api/v1/organizations/{}", id(&b)),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "outside the key's organization");
        let (s, _) = app
            .api_as(
                k,
                Method::PATCH,
                &format!("/api/v1/organizations/{}", id(&a)),
                Some(json!({"name": "Nope"})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "not in the key's permissions");
        let (_, list) = app
            .api_as(k, Method::GET, "/api/v1/organizations", None)
            .await;
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
    }
);

both_backends!(
    the_super_admin_is_unique_protected_and_transferable_only_by_itself,
    |app: TestApp| async move {
        let (ops, ops_key) = app.staff("ops", "basic.admin", None, None).await;
        let (plain, _) = app.staff("plainstaff", "basic.standard", None, None).await;
        let sa = app.get("/api/v1/auth/me").await["user"].clone();
        // An administrator with every permission still cannot touch the super admin.
        for (m, p, b) in [
            (
                Method::POST,
                format!("/api/v1/users/{}/block", id(&sa)),
                None,
            ),
            (Method::DELETE, format!("/api/v1/users/{}", id(&sa)), None),
            (
                Method::PATCH,
                format!("/api/v1/users/{}", id(&sa)),
                Some(json!({"first_name": "Eve"})),
            ),
            (
                Method::POST,
                format!("/api/v1/users/{}/permission-overrides", id(&sa)),
                Some(json!({"effect": "deny", "permission": "users.view"})),
            ),
            (
                Method::PUT,
                format!("/api/v1/users/{}/data-filters", id(&sa)),
                Some(json!({"filters": [{"kind": "tag", "tags": ["x"]}]})),
            ),
            (
                Method::POST,
                "/api/v1/settings/super-admin".to_string(),
                Some(json!({"user_id": id(&ops)})),
            ),
        ] {
            let (s, v) = app.api_as(&ops_key, m.clone(), &p, b).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{m} {p}: {v}");
        }
        // The super admin has logged in; another administrator does not see when.
        app.login("admin", crate::helpers::ADMIN_PASSWORD).await;
        let d = app
            .api_as(
                &ops_key,
                Method::GET,
                &format!("/api/v1/users/{}", id(&sa)),
                None,
            )
            .await
            .1;
        assert_eq!(d["id"], id(&sa), "{d}");
        assert!(d["last_login_at"].is_null(), "login details hidden: {d}");
        let own = app.get(&format!("/api/v1/users/{}", id(&sa))).await;
        assert!(
            own["last_login_at"].is_string(),
            "the super admin sees their own: {own}"
        );
        // Transfer to someone without a platform role: refused, nothing changed.
        let org = app.org("Somewhere", None).await;
        let (_, m) = app
            .add_member(&org, "nobody@example.com", "No", "Body")
            .await;
        app.activate(&m["user"]).await;
        let (s, v) = app
            .api(
                Method::POST,
                "/api/v1/settings/super-admin",
                Some(json!({"user_id": m["user"]["id"]})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(
            app.get("/api/v1/auth/me").await["user"]["is_super_admin"],
            true
        );
        // To a platform administrator: done.
        let (s, v) = app
            .api(
                Method::POST,
                "/api/v1/settings/super-admin",
                Some(json!({"user_id": id(&plain)})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "basic.standard is a platform role: {v}");
        // The former super admin is now a plain administrator; the new one is unique.
        let me = app.get("/api/v1/auth/me").await;
        assert_eq!(me["user"]["is_super_admin"], false);
        let admins = app.get("/api/v1/administrators").await;
        let supers: Vec<&Value> = admins
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| u["is_super_admin"] == true)
            .collect();
        assert_eq!(supers.len(), 1);
        assert_eq!(supers[0]["id"], plain["id"]);
    }
);

both_backends!(
    what_someone_holds_over_related_people_counts_when_acting_on_them,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let org = app.org("Campus", None).await;
        let (s, blocker) = app
            .api(
                Method::POST,
                "/api/v1/roles",
                Some(json!({"name": "Blocker", "level": "organization",
                    "permissions": ["organizations.view", "members.view", "users.view", "users.block"]})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{blocker}");
        let (_, key) = app
            .staff(
                "guard",
                blocker["key"].as_str().unwrap(),
                Some(&org),
                Some(&org),
            )
            .await;
        // A Manager holds users.edit and more over their reports (P8), which the guard lacks.
        let (mgr, _) = app
            .staff("mgr", "lms.manager", Some(&org), Some(&org))
            .await;
        let (s, plain) = app.add_member(&org, "pat@example.com", "Pat", "Lee").await;
        assert_eq!(s, StatusCode::CREATED, "{plain}");
        let before = app.audit_seq().await;
        let (s, v) = app
            .api_as(
                &key,
                Method::POST,
                &format!("/api/v1/users/{}/block", id(&mgr)),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
        assert!(
            v["detail"].as_str().unwrap_or("").contains("users.edit"),
            "{v}"
        );
        assert_eq!(app.audit_seq().await, before, "nothing written");
        let m = app.get(&format!("/api/v1/users/{}", id(&mgr))).await;
        assert_eq!(m["status"], "active", "{m}");
        // Someone who holds nothing the guard lacks: blocked.
        let (s, v) = app
            .api_as(
                &key,
                Method::POST,
                &format!(
                    "/api/v1/users/{}/block",
                    plain["user"]["id"].as_str().unwrap()
                ),
                None,
            )
            .await;
        assert!(s.is_success(), "{s} {v}");
    }
);

both_backends!(
    presets_are_not_deleted_roles_need_an_allowlist_and_expiry_in_the_future,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let observer = app.role_id("lms.observer").await;
        let (s, v) = app
            .api(Method::DELETE, &format!("/api/v1/roles/{observer}"), None)
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert_eq!(v["type"], "urn:portico:problem:preset-read-only");
        app.role_id("lms.observer").await;
        let org = app.org("Somewhere", None).await;
        let (s, m) = app
            .add_member(&org, "nolist@example.com", "No", "List")
            .await;
        assert_eq!(s, StatusCode::CREATED, "{m}");
        let uid = m["user"]["id"].as_str().unwrap().to_string();
        let before = app.audit_seq().await;
        // U9: no allowlist yet, so no back-office power.
        for (path, body) in [
            (
                format!("/api/v1/users/{uid}/role-assignments"),
                json!({"role_id": observer}),
            ),
            (
                format!("/api/v1/users/{uid}/permission-overrides"),
                json!({"effect": "grant", "permission": "users.view"}),
            ),
        ] {
            let (s, v) = app.api(Method::POST, &path, Some(body)).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {v}");
            assert_eq!(v["field"], "ip_allowlist", "{v}");
        }
        // P3: an expiry in the past.
        app.api(
            Method::PUT,
            &format!("/api/v1/users/{uid}/ip-allowlist"),
            Some(json!({"ip_allowlist": "*"})),
        )
        .await;
        let after_allowlist = app.audit_seq().await;
        assert_eq!(
            after_allowlist,
            before + 1,
            "only the allowlist was written"
        );
        let (s, v) = app
            .api(
                Method::POST,
                &format!("/api/v1/users/{uid}/role-assignments"),
                Some(json!({"role_id": observer, "expires_at": "2020-01-01T00:00:00Z"})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["field"], "expires_at", "{v}");
        assert_eq!(app.audit_seq().await, after_allowlist);
        let list = app
            .get(&format!("/api/v1/users/{uid}/role-assignments"))
            .await;
        assert_eq!(list, json!([]));
    }
);

both_backends!(
    nobody_else_changes_the_super_admins_roles,
    |app: TestApp| async move {
        let (_, key) = app.staff("ops", "basic.admin", None, None).await;
        let sa = app.get("/api/v1/auth/me").await["user"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let path = format!("/api/v1/users/{sa}/role-assignments");
        let held = app.get(&path).await;
        let aid = held[0]["id"].as_str().unwrap().to_string();
        let before = app.audit_seq().await;
        let (s, v) = app
            .api_as(&key, Method::DELETE, &format!("{path}/{aid}"), None)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
        let role = app.role_id("basic.standard").await;
        let (s, v) = app
            .api_as(&key, Method::POST, &path, Some(json!({"role_id": role})))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
        assert_eq!(app.audit_seq().await, before, "nothing written");
        assert_eq!(app.get(&path).await, held);
    }
);
