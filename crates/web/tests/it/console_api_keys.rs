//! Settings → API keys in the console (S5): created with limits, shown once, used by a
//! program, seen with its last use, revoked after a confirmation — and a weaker administrator
//! cannot make a key that reaches further than they do.

use crate::both_backends;
use crate::console_access::{console_as, page, submit};
use crate::helpers::*;
use reqwest::{Method, StatusCode};

fn token_of(html: &str) -> String {
    let marker = "id=\"api-key-token\" class=\"mono\" type=\"text\" readonly value=\"";
    let start = html.find(marker).expect("the token field") + marker.len();
    let len = html[start..].find('"').unwrap();
    html[start..start + len].to_string()
}

both_backends!(
    a_key_made_in_the_console_is_shown_once_works_within_its_limits_and_is_revoked,
    |app: TestApp| async move {
        let acme = app.org("Acme", None).await;
        app.org("Other", None).await;
        let c = console_as(&app, "admin").await;
        let (s, html) = page(&c, &app, "/settings/api-keys").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("id=\"nav-api-keys\""));

        // A bad expiry is refused next to the field, and nothing is created.
        let r = submit(
            &c,
            &app,
            "/settings/api-keys/new",
            "/settings/api-keys/new",
            &[("name", "sync"), ("expires_in_days", "0")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("id=\"f-expires_in_days-error\"")
        );
        assert_eq!(
            app.get("/api/v1/api-keys").await.as_array().unwrap().len(),
            1
        );

        let r = submit(
            &c,
            &app,
            "/settings/api-keys/new",
            "/settings/api-keys/new",
            &[
                ("name", "HR sync"),
                ("organization", acme["slug"].as_str().unwrap()),
                ("expires_in_days", "30"),
                ("permissions", "organizations.view"),
                ("permissions", "members.view"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let token = token_of(&r.text().await.unwrap());
        assert!(token.starts_with("ptk_"));

        // The program sees Acme only, and may not create anything.
        let (s, v) = app
            .api_as(&token, Method::GET, "/api/v1/organizations", None)
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let names: Vec<&str> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, vec!["Acme"]);
        let (s, _) = app
            .api_as(
                &token,
                Method::POST,
                "/api/v1/organizations",
                Some(serde_json::json!({ "name": "Nope" })),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        // The list shows the key with its last use, and never the token again.
        let (_, html) = page(&c, &app, "/settings/api-keys").await;
        assert!(html.contains("HR sync"));
        assert!(!html.contains(&token));
        assert!(!html.contains("Never used"), "the key was used");
        let key_id = app
            .get("/api/v1/api-keys")
            .await
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["name"] == "HR sync")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();

        // Revocation asks first, then the key stops working at once.
        let confirm = format!("/settings/api-keys/{key_id}/revoke");
        let (s, html) = page(&c, &app, &confirm).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("id=\"confirm-revoke\""));
        let r = submit(&c, &app, &confirm, &confirm, &[]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (s, _) = app
            .api_as(&token, Method::GET, "/api/v1/organizations", None)
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
);

both_backends!(
    an_organization_admins_key_stays_inside_their_organization,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let acme = app.org("Acme", None).await;
        let other = app.org("Other", None).await;
        app.staff(
            "acmeadmin",
            "lms.organization_administrator",
            Some(&acme),
            Some(&acme),
        )
        .await;
        let c = console_as(&app, "acmeadmin").await;
        let (s, html) = page(&c, &app, "/settings/api-keys/new").await;
        assert_eq!(s, StatusCode::OK);
        // Only what they hold somewhere is offered: no platform-only permission.
        assert!(html.contains("value=\"members.view\""));
        assert!(!html.contains("value=\"administrators.manage\""));
        let before = app.audit_seq().await;

        // Without an organization the key would reach the platform: refused.
        let r = submit(
            &c,
            &app,
            "/settings/api-keys/new",
            "/settings/api-keys/new",
            &[("name", "wide")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        // Another tenant's organization is not one they can see.
        let r = submit(
            &c,
            &app,
            "/settings/api-keys/new",
            "/settings/api-keys/new",
            &[
                ("name", "theirs"),
                ("organization", other["slug"].as_str().unwrap()),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        // A permission they do not hold (forged into the form) is refused.
        let r = submit(
            &c,
            &app,
            "/settings/api-keys/new",
            "/settings/api-keys/new",
            &[
                ("name", "forged"),
                ("organization", acme["slug"].as_str().unwrap()),
                ("permissions", "administrators.manage"),
            ],
        )
        .await;
        assert!(r.status().is_client_error(), "{}", r.status());
        assert_eq!(app.audit_seq().await, before, "no key was made");

        let r = submit(
            &c,
            &app,
            "/settings/api-keys/new",
            "/settings/api-keys/new",
            &[
                ("name", "ours"),
                ("organization", acme["slug"].as_str().unwrap()),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let token = token_of(&r.text().await.unwrap());
        let (s, v) = app
            .api_as(&token, Method::GET, "/api/v1/organizations", None)
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["items"].as_array().unwrap().len(), 1, "{v}");
    }
);
