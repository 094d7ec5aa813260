//! Console forms: a state-changing POST needs the session's CSRF token in its `_csrf` field.

use crate::both_backends;
use crate::helpers::{ADMIN_PASSWORD, TestApp};
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::json;

/// A signed-in cookie client that does not follow redirects (so a 303 stays visible).
async fn console_client(app: &TestApp) -> reqwest::Client {
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = c
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "login": "admin", "password": ADMIN_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    c
}

/// The hidden `_csrf` value of a form page.
fn scrape_csrf(html: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker).expect("a _csrf field") + marker.len();
    let len = html[start..].find('"').unwrap();
    html[start..start + len].to_string()
}

async fn org_names(app: &TestApp, q: &str) -> Vec<String> {
    app.get(&format!("/api/v1/organizations?q={q}&limit=200"))
        .await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_string())
        .collect()
}

both_backends!(
    console_form_without_the_right_csrf_token_is_refused,
    |app: TestApp| async move {
        let c = console_client(&app).await;
        let post = |fields: Vec<(&'static str, String)>| {
            let c = c.clone();
            let url = app.url("/organizations/new");
            async move { c.post(url).form(&fields).send().await.unwrap() }
        };

        let r = post(vec![("name", "Forged".into())]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "no token");
        assert!(r.text().await.unwrap().contains("This form has expired"));
        let r = post(vec![
            ("name", "Forged".into()),
            ("_csrf", "0123456789abcdef".into()),
        ])
        .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "wrong token");
        let r = post(vec![("name", "Forged".into()), ("_csrf", String::new())]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "empty token");
        assert!(org_names(&app, "Forged").await.is_empty());

        let html = c
            .get(app.url("/organizations/new"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let token = scrape_csrf(&html);
        assert!(!token.is_empty());
        let r = post(vec![("name", "Genuine".into()), ("_csrf", token)]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()[LOCATION], "/organizations/genuine");
        assert_eq!(org_names(&app, "Genuine").await, ["Genuine"]);
        assert!(org_names(&app, "Forged").await.is_empty());
    }
);
