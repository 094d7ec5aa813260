//! AU1–AU2: every change is audited with who and where; tampering is detected.

use crate::both_backends;
use portico_web::WebConfig;
use reqwest::{Method, StatusCode};
use serde_json::json;

both_backends!(
    changes_are_audited_with_actor_and_address,
    |app: crate::helpers::TestApp| async move {
        let a = app.org("Alpha", None).await;
        app.api(
            Method::PATCH,
            &format!("/api/v1/organizations/{}", a["id"].as_str().unwrap()),
            Some(json!({ "status": "suspended" })),
        )
        .await;
        let ev = app
            .get("/api/v1/audit-events?action=organization.update")
            .await;
        let e = &ev["items"][0];
        assert_eq!(
            e["changes"]["status"],
            json!({ "before": "active", "after": "suspended" })
        );
        assert_eq!(e["ip"], "127.0.0.1");
        assert_eq!(e["organization_id"], a["id"]);
        let me = app.get("/api/v1/auth/me").await;
        assert_eq!(e["actor_user_id"], me["user"]["id"]);
        assert!(
            !ev.to_string().contains("password"),
            "no secrets in the log"
        );
    }
);

both_backends!(
    tampering_is_detected_and_names_the_entry,
    |app: crate::helpers::TestApp| async move {
        for n in ["One", "Two", "Three"] {
            app.org(n, None).await;
        }
        assert!(app.services.verify_audit(&|_, _| {}).await.unwrap().is_ok());
        let ev = app
            .get("/api/v1/audit-events?action=organization.create")
            .await;
        let seq = ev["items"][1]["seq"].as_i64().unwrap();
        app.sql(&format!(
            "UPDATE audit_events SET action = 'organization.view' WHERE seq = {seq}"
        ))
        .await;
        let broken = app
            .services
            .verify_audit(&|_, _| {})
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(broken.seq, seq);
        app.sql(&format!(
            "UPDATE audit_events SET action = 'organization.create' WHERE seq = {seq}"
        ))
        .await;
        assert!(app.services.verify_audit(&|_, _| {}).await.unwrap().is_ok());
        // Removing the newest entry is caught by the head.
        let last = app.get("/api/v1/audit-events?limit=1").await["items"][0]["seq"]
            .as_i64()
            .unwrap();
        app.sql(&format!("DELETE FROM audit_events WHERE seq = {last}"))
            .await;
        assert!(
            app.services
                .verify_audit(&|_, _| {})
                .await
                .unwrap()
                .is_err()
        );
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spoofed_forwarded_for_from_an_untrusted_peer_is_ignored() {
    // The test client connects from 127.0.0.1; only 10.0.0.0/8 is trusted.
    let web = WebConfig {
        trusted_proxies: vec!["10.0.0.0/8".parse().unwrap()],
        secure_cookies: false,
    };
    let app = crate::helpers::TestApp::spawn_with(crate::helpers::Backend::Sqlite, web)
        .await
        .unwrap();
    let r = app
        .http
        .post(app.url("/api/v1/organizations"))
        .bearer_auth(&app.admin_key)
        .header("x-forwarded-for", "203.0.113.66")
        .json(&json!({ "name": "Spoof" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let ev = app
        .get("/api/v1/audit-events?action=organization.create")
        .await;
    assert_eq!(ev["items"][0]["ip"], "127.0.0.1");

    // When loopback is a trusted proxy, the forwarded address is used.
    let web = WebConfig {
        trusted_proxies: vec!["127.0.0.0/8".parse().unwrap()],
        secure_cookies: false,
    };
    let app = crate::helpers::TestApp::spawn_with(crate::helpers::Backend::Sqlite, web)
        .await
        .unwrap();
    app.http
        .post(app.url("/api/v1/organizations"))
        .bearer_auth(&app.admin_key)
        .header("x-forwarded-for", "6.6.6.6, 198.51.100.7")
        .json(&json!({ "name": "Proxied" }))
        .send()
        .await
        .unwrap();
    let ev = app
        .get("/api/v1/audit-events?action=organization.create")
        .await;
    assert_eq!(ev["items"][0]["ip"], "198.51.100.7");
}
