//! Access control in the console (issue 3): roles through the permission picker (P2, P6), role
//! assignment and removal with a confirmation (P3), impersonation and its banner (P9), and a
//! navigation that shows only what the viewer may use — while typed addresses are still refused.

use crate::both_backends;
use crate::helpers::{ADMIN_PASSWORD, TestApp};
use reqwest::header::{LOCATION, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// A signed-in cookie client that does not follow redirects (so a 303 stays visible).
pub(crate) async fn console_as(app: &TestApp, login: &str) -> reqwest::Client {
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = c
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "login": login, "password": ADMIN_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "login as {login}");
    c
}

pub(crate) async fn page(c: &reqwest::Client, app: &TestApp, path: &str) -> (StatusCode, String) {
    let r = c.get(app.url(path)).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

/// The hidden `_csrf` value of a page's forms.
pub(crate) fn scrape_csrf(html: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker).expect("a _csrf field") + marker.len();
    let len = html[start..].find('"').unwrap();
    html[start..start + len].to_string()
}

/// Posts a console form (fields may repeat) with the CSRF token of `from`.
pub(crate) async fn submit(
    c: &reqwest::Client,
    app: &TestApp,
    from: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let (s, html) = page(c, app, from).await;
    assert_eq!(s, StatusCode::OK, "GET {from}: {html}");
    let token = scrape_csrf(&html);
    let mut body: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
    body.extend_from_slice(fields);
    c.post(app.url(action)).form(&body).send().await.unwrap()
}

/// A custom role made through the API as the super admin; returns its JSON.
pub(crate) async fn custom_role(
    app: &TestApp,
    name: &str,
    level: &str,
    permissions: &[&str],
) -> Value {
    let (s, v) = app
        .api(
            Method::POST,
            "/api/v1/roles",
            Some(json!({ "name": name, "level": level, "permissions": permissions })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v
}

/// Up to `n` characters of `html` from `marker` on (which must be there).
pub(crate) fn after(html: &str, marker: &str, n: usize) -> String {
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} missing"));
    html[at..].chars().take(n).collect()
}

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

async fn role_names(app: &TestApp) -> Vec<String> {
    app.get("/api/v1/roles")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect()
}

both_backends!(
    a_role_with_a_permission_the_viewer_lacks_is_refused_next_to_the_picker,
    |app: TestApp| async move {
        let editor = custom_role(
            &app,
            "Role editor",
            "platform",
            &[
                "roles.view",
                "roles.manage",
                "organizations.view",
                "members.view",
            ],
        )
        .await;
        app.staff("roled", editor["key"].as_str().unwrap(), None, None)
            .await;
        let c = console_as(&app, "roled").await;

        let (s, html) = page(&c, &app, "/settings/roles/new?level=organization").await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("id=\"new-role\""));
        // P6: what the viewer lacks is shown, disabled, with the reason.
        let lacking = html
            .find("value=\"users.delete\"")
            .expect("users.delete offered");
        let tag_end = lacking + html[lacking..].find('>').unwrap();
        assert!(
            html[lacking..tag_end].contains("disabled"),
            "users.delete disabled"
        );
        assert!(html.contains("You do not hold this permission"));
        let held = html.find("value=\"members.view\"").unwrap();
        let held_end = held + html[held..].find('>').unwrap();
        assert!(!html[held..held_end].contains("disabled"));
        // Only permissions of the role's level: administrators.* are platform-only.
        assert!(!html.contains("value=\"administrators.view\""));

        // A forged form with users.delete is refused, the message next to the picker.
        let r = submit(
            &c,
            &app,
            "/settings/roles/new?level=organization",
            "/settings/roles/new",
            &[
                ("name", "Sneaky deleter"),
                ("level", "organization"),
                ("permissions", "members.view"),
                ("permissions", "users.delete"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        let err = after(&html, "id=\"permissions-error\"", 300);
        assert!(err.contains("users.delete"), "{err}");
        assert!(
            html.contains("value=\"Sneaky deleter\""),
            "the name is kept"
        );
        assert!(
            !role_names(&app)
                .await
                .contains(&"Sneaky deleter".to_string())
        );

        // Within what the viewer holds it works, and the role page lists it by section.
        let r = submit(
            &c,
            &app,
            "/settings/roles/new?level=organization",
            "/settings/roles/new",
            &[
                ("name", "Member viewer"),
                ("level", "organization"),
                ("permissions", "members.view"),
                ("permissions", "organizations.view"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let to = r.headers()[LOCATION].to_str().unwrap().to_string();
        assert!(to.starts_with("/settings/roles/rol_"), "{to}");
        let (_, html) = page(&c, &app, &to).await;
        assert!(html.contains("Member viewer") && html.contains("members.view"));
        assert!(html.contains("id=\"edit-role\""));

        // Edit honours the version: a change made meanwhile is not overwritten.
        let role_id = to.trim_start_matches("/settings/roles/");
        let (_, form) = page(&c, &app, &format!("{to}/edit")).await;
        assert!(form.contains("id=\"edit-role\""));
        let token = scrape_csrf(&form);
        let (s, v) = app
            .api(
                Method::PATCH,
                &format!("/api/v1/roles/{role_id}"),
                Some(json!({ "description": "changed meanwhile" })),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let r = c
            .post(app.url(&format!("{to}/edit")))
            .form(&[
                ("_csrf", token.as_str()),
                ("name", "Member viewer 2"),
                ("version", "1"),
                ("permissions", "members.view"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("changed this role while you were editing")
        );
        assert!(
            role_names(&app)
                .await
                .contains(&"Member viewer".to_string())
        );

        // Presets are read-only: no Edit, a "Copy to edit".
        let basic = app.role_id("basic.standard").await;
        let (_, html) = page(&c, &app, &format!("/settings/roles/{basic}")).await;
        assert!(html.contains("Copy to edit") && !html.contains("id=\"edit-role\""));
    }
);

both_backends!(
    assigning_a_role_and_removing_it_after_confirmation,
    |app: TestApp| async move {
        let org = app.org("Acme Learning", None).await;
        let viewer = custom_role(
            &app,
            "Org viewer",
            "organization",
            &["organizations.view", "members.view"],
        )
        .await;
        let (s, m) = app
            .add_member(&org, "paula@example.com", "Paula", "Quist")
            .await;
        assert_eq!(s, StatusCode::CREATED, "{m}");
        let uid = m["user"]["id"].as_str().unwrap().to_string();
        let access = format!("/users/{uid}/access");
        let c = console_as(&app, "admin").await;

        let (s, html) = page(&c, &app, &access).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("id=\"assign-role\"") && html.contains("id=\"ip-allowlist\""));
        assert!(html.contains("id=\"no-assignments\""));

        // Without an IP allowlist a back-office role is refused (U9), with the reason.
        let roles_url = format!("/users/{uid}/roles");
        let post = |scope: String, expires: &'static str| {
            let (c, app, access, roles_url) = (c.clone(), &app, access.clone(), roles_url.clone());
            let role = id(&viewer).to_string();
            async move {
                let fields = [
                    ("role", role.as_str()),
                    ("scope", scope.as_str()),
                    ("expires_at", expires),
                ];
                submit(&c, app, &access, &roles_url, &fields).await
            }
        };
        let org_id = id(&org).to_string();
        let r = post(org_id.clone(), "").await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(
            html.contains("id=\"assign-alert\"") && html.contains("IP allowlist"),
            "{html}"
        );

        let r = submit(
            &c,
            &app,
            &access,
            &format!("/users/{uid}/ip-allowlist"),
            &[("ip_allowlist", "*")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);

        // An organization role at the platform: the error is next to the scope.
        let r = post("platform".to_string(), "").await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"assign-scope-error\""), "{html}");
        // A malformed expiry.
        let r = post(org_id.clone(), "next tuesday").await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("f-assign-expires-error"));
        assert!(
            app.get(&format!("/api/v1/users/{uid}/role-assignments"))
                .await
                .as_array()
                .unwrap()
                .is_empty()
        );

        let r = post(org_id.clone(), "2099-01-31T18:30").await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()[LOCATION], access.as_str());
        let (_, html) = page(&c, &app, &access).await;
        let table = &html[html.find("id=\"assignments\"").expect("assignments table")..];
        assert!(table.contains("Org viewer") && table.contains("Acme Learning"));
        assert!(table.contains("2099-01-31 18:30"));
        let listed = app
            .get(&format!("/api/v1/users/{uid}/role-assignments"))
            .await;
        assert_eq!(listed[0]["expires_at"], "2099-01-31T18:30:00Z");
        let aid = listed[0]["id"].as_str().unwrap().to_string();

        // Grants and denials from the same tab.
        let r = submit(
            &c,
            &app,
            &access,
            &format!("/users/{uid}/overrides"),
            &[
                ("effect", "deny"),
                ("permission", "members.view"),
                ("scope", &org_id),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, html) = page(&c, &app, &access).await;
        assert!(html.contains("id=\"overrides\"") && html.contains("badge-deny"));

        // Why? explains a decision.
        let (_, html) = page(
            &c,
            &app,
            &format!("{access}?why_permission=members.view&why_scope={org_id}"),
        )
        .await;
        let result = after(&html, "id=\"explain-result\"", 1500);
        assert!(result.contains("data-decision=\"denied\""), "{result}");
        assert!(
            result.contains("Personal denial of members.view"),
            "{result}"
        );
        assert!(
            result.contains("Org viewer"),
            "the role is named too: {result}"
        );

        // Removing asks first; the GET changes nothing.
        let remove = format!("/users/{uid}/roles/{aid}/remove");
        assert!(
            html.contains(&format!("remove-{aid}")),
            "a Remove link for the assignment"
        );
        let (s, confirm) = page(&c, &app, &remove).await;
        assert_eq!(s, StatusCode::OK);
        assert!(confirm.contains("Remove the role") && confirm.contains("id=\"confirm-unassign\""));
        assert_eq!(
            app.get(&format!("/api/v1/users/{uid}/role-assignments"))
                .await
                .as_array()
                .unwrap()
                .len(),
            1
        );
        let r = submit(&c, &app, &remove, &remove, &[]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert!(
            app.get(&format!("/api/v1/users/{uid}/role-assignments"))
                .await
                .as_array()
                .unwrap()
                .is_empty()
        );
        let (_, html) = page(&c, &app, &access).await;
        assert!(html.contains("id=\"no-assignments\""));
    }
);

both_backends!(
    impersonation_shows_a_banner_until_it_is_ended,
    |app: TestApp| async move {
        let org = app.org("Brightside", None).await;
        let viewer = custom_role(
            &app,
            "Org viewer",
            "organization",
            &["organizations.view", "members.view", "users.view"],
        )
        .await;
        let (olga, _) = app
            .staff(
                "olga",
                viewer["key"].as_str().unwrap(),
                Some(&org),
                Some(&org),
            )
            .await;
        let oid = olga["id"].as_str().unwrap().to_string();
        let c = console_as(&app, "admin").await;

        let (s, html) = page(&c, &app, &format!("/users/{oid}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("id=\"impersonate-link\"") && !html.contains("impersonation-banner"));
        let form = format!("/users/{oid}/impersonate");
        let (_, html) = page(&c, &app, &form).await;
        assert!(html.contains("id=\"impersonate\""));

        // A reason is required.
        let r = submit(
            &c,
            &app,
            &form,
            &form,
            &[("reason", " "), ("minutes", "10")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("f-reason-error"));

        let r = submit(
            &c,
            &app,
            &form,
            &form,
            &[
                ("reason", "Ticket 42: cannot see members"),
                ("minutes", "10"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()[LOCATION], "/");
        assert!(
            r.headers()
                .get_all(SET_COOKIE)
                .iter()
                .any(|v| v.to_str().unwrap().starts_with("portico_impersonation="))
        );

        let (s, home) = page(&c, &app, "/").await;
        assert_eq!(s, StatusCode::OK);
        let banner = after(&home, "id=\"impersonation-banner\"", 1200);
        assert!(
            banner.contains("You are logged in as") && banner.contains("olga Staff"),
            "{banner}"
        );
        assert!(banner.contains("impersonated by"));
        assert!(home.contains("id=\"end-impersonation\""));
        // Acting as Olga: her navigation, and her limits.
        assert!(!home.contains("id=\"nav-settings\""));
        let (s, _) = page(&c, &app, "/settings/administrators").await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        let r = submit(&c, &app, "/", "/impersonation/end", &[]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()[LOCATION], format!("/users/{oid}").as_str());
        let (_, home) = page(&c, &app, "/").await;
        assert!(!home.contains("impersonation-banner"));
        assert!(home.contains("id=\"nav-settings\""));
        let (s, _) = page(&c, &app, "/settings/administrators").await;
        assert_eq!(s, StatusCode::OK);
        let audit = app.get("/api/v1/audit-events?limit=20").await;
        let actions: Vec<&str> = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["action"].as_str())
            .collect();
        assert!(
            actions.contains(&"impersonation.start") && actions.contains(&"impersonation.end"),
            "{actions:?}"
        );
    }
);

both_backends!(
    navigation_shows_only_what_the_viewer_may_use,
    |app: TestApp| async move {
        let org = app.org("Harbour", None).await;
        let manager = custom_role(
            &app,
            "Member manager",
            "organization",
            &["members.view", "members.add", "organizations.view"],
        )
        .await;
        app.staff(
            "mia",
            manager["key"].as_str().unwrap(),
            Some(&org),
            Some(&org),
        )
        .await;

        let admin = console_as(&app, "admin").await;
        let (_, home) = page(&admin, &app, "/").await;
        for nav in [
            "nav-organizations",
            "nav-users",
            "nav-settings",
            "nav-audit",
        ] {
            assert!(
                home.contains(&format!("id=\"{nav}\"")),
                "the super admin sees {nav}"
            );
        }

        let c = console_as(&app, "mia").await;
        let (s, home) = page(&c, &app, "/").await;
        assert_eq!(s, StatusCode::OK, "{home}");
        assert!(home.contains("id=\"nav-organizations\""));
        for hidden in [
            "nav-users",
            "nav-settings",
            "nav-audit",
            "global-search",
            "stat-users",
        ] {
            assert!(
                !home.contains(&format!("id=\"{hidden}\"")),
                "{hidden} is hidden"
            );
        }
        let (_, overview) = page(&c, &app, "/organizations/harbour").await;
        assert!(!overview.contains("id=\"delete-org\"") && !overview.contains("id=\"edit-org\""));
        let (_, members) = page(&c, &app, "/organizations/harbour/users").await;
        assert!(members.contains("id=\"add-member\""));
        assert!(!members.contains("remove-member"));

        // Typed addresses are still refused.
        for path in [
            "/settings",
            "/settings/roles",
            "/settings/administrators",
            "/users",
            "/audit",
            "/organizations/harbour/edit",
            "/organizations/harbour/delete",
        ] {
            let (s, _) = page(&c, &app, path).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{path}");
        }
        let admin_id = app.get("/api/v1/users?q=admin").await["items"][0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let (s, _) = page(&c, &app, &format!("/users/{admin_id}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let r = submit(
            &c,
            &app,
            "/",
            "/settings/roles/new",
            &[("name", "X"), ("level", "organization")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert!(!role_names(&app).await.contains(&"X".to_string()));
    }
);

both_backends!(
    the_super_admin_transfers_the_status_after_confirming,
    |app: TestApp| async move {
        let (pa, _) = app.platform_admin("pat").await;
        let pid = pa["id"].as_str().unwrap().to_string();
        let c = console_as(&app, "admin").await;
        let (s, html) = page(&c, &app, "/settings/administrators").await;
        assert_eq!(s, StatusCode::OK, "{html}");
        let table = &html[html.find("id=\"administrators\"").expect("table")..];
        assert!(table.contains("super admin") && table.contains("pat@example.com"));
        assert!(html.contains("id=\"transfer-super-admin\""));

        let confirm = format!("/settings/administrators/transfer?user={pid}");
        let (s, page_html) = page(&c, &app, &confirm).await;
        assert_eq!(s, StatusCode::OK);
        assert!(page_html.contains("id=\"confirm-transfer\""));
        let users = app.get("/api/v1/users?q=pat").await;
        assert_eq!(
            users["items"][0]["is_super_admin"], false,
            "nothing before the POST"
        );

        let r = submit(
            &c,
            &app,
            &confirm,
            "/settings/administrators/transfer",
            &[("user", &pid)],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, html) = page(&c, &app, "/settings/administrators").await;
        assert!(
            !html.contains("id=\"transfer-super-admin\""),
            "no longer the super admin"
        );
        let pat = console_as(&app, "pat").await;
        let (_, html) = page(&pat, &app, "/settings/administrators").await;
        assert!(html.contains("id=\"transfer-super-admin\""));
    }
);

both_backends!(
    data_filters_and_copy_user_from_the_console,
    |app: TestApp| async move {
        let org = app.org("Nordic Schools", None).await;
        let viewer = custom_role(
            &app,
            "Org viewer",
            "organization",
            &["organizations.view", "members.view"],
        )
        .await;
        let (olga, _) = app
            .staff(
                "olga",
                viewer["key"].as_str().unwrap(),
                Some(&org),
                Some(&org),
            )
            .await;
        let oid = olga["id"].as_str().unwrap().to_string();
        let access = format!("/users/{oid}/access");
        let c = console_as(&app, "admin").await;

        // A tag filter, added and shown; a bad one is refused next to its field.
        let filters = format!("/users/{oid}/filters");
        let r = submit(
            &c,
            &app,
            &access,
            &filters,
            &[("kind", "tag"), ("values", "")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("f-filter-values-error"));
        let r = submit(
            &c,
            &app,
            &access,
            &filters,
            &[("kind", "tag"), ("values", "eu, nordic")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, html) = page(&c, &app, &access).await;
        assert!(html.contains("Organizations tagged eu, nordic"), "{html}");
        let stored = app.get(&format!("/api/v1/users/{oid}/data-filters")).await;
        assert_eq!(stored["filters"].as_array().unwrap().len(), 1, "{stored}");

        // Copy: a new person with the same organization, role and (asked) filters.
        let copy = format!("/users/{oid}/copy");
        let (s, html) = page(&c, &app, &copy).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("id=\"copy-user\""));
        let r = submit(
            &c,
            &app,
            &copy,
            &copy,
            &[
                ("first_name", "Olga"),
                ("last_name", "Two"),
                ("email", "olga@example.com"),
                ("username", "olga2"),
            ],
        )
        .await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "the email is taken"
        );
        assert!(r.text().await.unwrap().contains("f-email-error"));
        let r = submit(
            &c,
            &app,
            &copy,
            &copy,
            &[
                ("first_name", "Olga"),
                ("last_name", "Two"),
                ("email", "olga.two@example.com"),
                ("username", "olga2"),
                ("copy_filters", "yes"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let to = r.headers()[LOCATION].to_str().unwrap().to_string();
        let new_id = to.trim_start_matches("/users/").to_string();
        assert!(new_id.starts_with("usr_"), "{to}");
        let (_, html) = page(&c, &app, &to).await;
        assert!(html.contains("Olga Two") && html.contains("created as a copy"));
        let held = app
            .get(&format!("/api/v1/users/{new_id}/role-assignments"))
            .await;
        assert_eq!(held[0]["role_name"], "Org viewer", "{held}");
        let copied = app
            .get(&format!("/api/v1/users/{new_id}/data-filters"))
            .await;
        assert_eq!(copied["filters"].as_array().unwrap().len(), 1, "{copied}");

        // Removing the filter from the source leaves the copy's.
        let r = submit(
            &c,
            &app,
            &access,
            &format!("{filters}/remove"),
            &[("index", "0")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, html) = page(&c, &app, &access).await;
        assert!(html.contains("id=\"no-filters\""));
    }
);

both_backends!(
    impersonating_someone_without_back_office_access_can_still_be_ended,
    |app: TestApp| async move {
        let org = app.org("Plainfield", None).await;
        let (s, m) = app
            .add_member(&org, "lea@example.com", "Lea", "Plain")
            .await;
        assert_eq!(s, StatusCode::CREATED, "{m}");
        app.activate(&m["user"]).await;
        let lid = m["user"]["id"].as_str().unwrap().to_string();
        let c = console_as(&app, "admin").await;
        let form = format!("/users/{lid}/impersonate");
        let r = submit(
            &c,
            &app,
            &form,
            &form,
            &[("reason", "Support call"), ("minutes", "5")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()[LOCATION], "/impersonation");

        // Lea has no back office: every console page leads to the page that ends it.
        let r = c.get(app.url("/organizations")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()[LOCATION], "/impersonation");
        let (s, html) = page(&c, &app, "/impersonation").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("id=\"impersonation-banner\"") && html.contains("Lea Plain"));
        assert!(html.contains("id=\"no-back-office\""));

        let r = submit(&c, &app, "/impersonation", "/impersonation/end", &[]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (s, home) = page(&c, &app, "/").await;
        assert_eq!(s, StatusCode::OK);
        assert!(!home.contains("impersonation-banner") && home.contains("id=\"nav-settings\""));
        // Nothing in progress any more: the page says so and forgets the cookie.
        let r = c.get(app.url("/impersonation")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()[LOCATION], "/");
    }
);

both_backends!(
    home_shows_platform_totals_only_to_someone_who_sees_the_whole_platform,
    |app: TestApp| async move {
        let gold = app.org("Gold Corp", None).await;
        let (s, v) = app
            .api(
                Method::PATCH,
                &format!("/api/v1/organizations/{}", id(&gold)),
                Some(json!({"tags": ["gold"]})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        app.org("Plain", None).await;
        let (u, _) = app.staff("filtered", "basic.admin", None, None).await;
        let admin = console_as(&app, "admin").await;
        let (_, home) = page(&admin, &app, "/").await;
        assert!(
            home.contains("id=\"stat-users\""),
            "the super admin sees totals"
        );
        // The same role with a data filter: the totals are of organizations it cannot see.
        let (s, v) = app
            .api(
                Method::PUT,
                &format!("/api/v1/users/{}/data-filters", u["id"].as_str().unwrap()),
                Some(json!({"filters": [{"kind": "tag", "tags": ["gold"]}]})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let c = console_as(&app, "filtered").await;
        let (s, home) = page(&c, &app, "/").await;
        assert_eq!(s, StatusCode::OK, "{home}");
        for hidden in [
            "stat-users",
            "stat-organizations",
            "stat-audit",
            "accounts-title",
        ] {
            assert!(
                !home.contains(&format!("id=\"{hidden}\"")),
                "{hidden} is hidden"
            );
        }
        assert!(
            home.contains("Gold Corp"),
            "its own organizations are listed"
        );
        assert!(!home.contains(">Plain<"), "not the others");
    }
);
