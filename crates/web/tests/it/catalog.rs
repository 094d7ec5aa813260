//! Catalog (C1, C3, C4) and a project's course template (PR1) through the REST API: products
//! with files, course outlines, activation per organization, from the attacker's side too.

use crate::both_backends;
use crate::helpers::*;
use portico_services::ServiceConfig;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

/// A product: `type`, `title`, `status`, in English.
pub async fn product(app: &TestApp, ty: &str, title: &str, status: &str) -> Value {
    let (s, v) = app
        .api(
            Method::POST,
            "/api/v1/catalog/products",
            Some(json!({ "type": ty, "title": title, "language": "en", "status": status })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "create product {title}: {v}");
    v
}

pub(crate) const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0,
    1, 0, 0, 0, 1, 8, 6, 0, 0, 0,
];

async fn put_file(
    app: &TestApp,
    product: &Value,
    media: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let res = app
        .http
        .put(app.url(&format!("/api/v1/catalog/products/{}/file", id(product))))
        .bearer_auth(&app.admin_key)
        .header("content-type", media)
        .header("content-disposition", "attachment; filename=\"pic.png\"")
        .body(body)
        .send()
        .await
        .unwrap();
    let s = res.status();
    let text = res.text().await.unwrap();
    (
        s,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

both_backends!(product_crud_and_validation, |app: TestApp| async move {
    let base = "/api/v1/catalog/products";
    assert_eq!(app.get(base).await["items"], json!([]));
    let seq = app.audit_seq().await;
    // Bad input: 422 with the field named, nothing stored.
    for (body, field) in [
        (
            json!({ "type": "9x", "title": "T", "language": "en" }),
            "type",
        ),
        (
            json!({ "type": "quiz", "title": " ", "language": "en" }),
            "title",
        ),
        (
            json!({ "type": "quiz", "title": "T", "language": "klingon!" }),
            "language",
        ),
        (
            json!({ "type": "quiz", "title": "T", "language": "en", "status": "live" }),
            "status",
        ),
        (
            json!({ "type": "quiz", "title": "T", "language": "en", "content": [1] }),
            "content",
        ),
    ] {
        let (s, v) = app.api(Method::POST, base, Some(body)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["type"], "urn:portico:problem:validation", "{v}");
        assert_eq!(v["field"], field, "{v}");
    }
    assert_eq!(app.audit_seq().await, seq, "nothing was written");
    assert_eq!(app.get(base).await["items"], json!([]));

    // Create: a built-in type and a new one (types are open keys).
    let (s, quiz) = app
        .api(
            Method::POST,
            base,
            Some(json!({
                "type": "Quiz", "title": "Fire safety quiz", "language": "de-ch",
                "description": "Ten questions", "content": { "questions": [{ "q": "Exit?" }] }
            })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{quiz}");
    assert_eq!(quiz["type"], "quiz");
    assert_eq!(quiz["language"], "de-CH");
    assert_eq!(quiz["status"], "draft");
    assert_eq!(quiz["content"]["questions"][0]["q"], "Exit?");
    let scorm = product(&app, "scorm_package", "Onboarding package", "published").await;
    assert_eq!(scorm["type"], "scorm_package");

    // Search by word prefix; pages.
    let found = app.get(&format!("{base}?q=fire")).await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found["items"][0]["id"], quiz["id"]);
    assert_eq!(
        app.get(&format!("{base}?q=nothing")).await["items"],
        json!([])
    );
    let p1 = app.get(&format!("{base}?limit=1")).await;
    assert_eq!(p1["items"][0]["title"], "Fire safety quiz");
    let cursor = p1["next_cursor"].as_str().unwrap();
    let p2 = app.get(&format!("{base}?limit=1&cursor={cursor}")).await;
    assert_eq!(p2["items"][0]["title"], "Onboarding package");

    // Update with If-Match; a stale one is refused.
    let url = format!("{base}/{}", id(&quiz));
    let res = app
        .http
        .patch(app.url(&url))
        .bearer_auth(&app.admin_key)
        .header("if-match", "\"v1\"")
        .json(&json!({ "status": "published", "content": null }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["etag"], "\"v2\"");
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["status"], "published");
    assert_eq!(v["content"], Value::Null);
    let res = app
        .http
        .patch(app.url(&url))
        .bearer_auth(&app.admin_key)
        .header("if-match", "\"v1\"")
        .json(&json!({ "title": "Stale" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PRECONDITION_FAILED);
    let (s, v) = app
        .api(Method::PATCH, &url, Some(json!({ "language": "" })))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(app.get(&url).await["title"], "Fire safety quiz");

    // Delete; then it is gone.
    let (s, _) = app.api(Method::DELETE, &url, None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = app.api(Method::GET, &url, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, _) = app
        .api(Method::GET, "/api/v1/catalog/products/not-an-id", None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
});

both_backends!(
    files_are_checked_and_served_safely,
    |app: TestApp| async move {
        let image = product(&app, "image", "Logo", "draft").await;
        let doc = product(&app, "document", "Handbook", "draft").await;
        let quiz = product(&app, "quiz", "Quiz", "draft").await;
        let seq = app.audit_seq().await;

        // Lies about the content type are refused, and a type that takes no file.
        let (s, v) = put_file(&app, &doc, "application/pdf", PNG.to_vec()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["field"], "file");
        let html = b"<!DOCTYPE html><html><script>alert(1)</script></html>".to_vec();
        let (s, v) = put_file(&app, &image, "image/png", html.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let (s, v) = put_file(&app, &image, "text/html", html.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let (s, v) = put_file(&app, &doc, "text/plain", html).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let (s, v) = put_file(&app, &quiz, "image/png", PNG.to_vec()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(app.audit_seq().await, seq, "nothing stored");
        assert_eq!(
            app.get(&format!("/api/v1/catalog/products/{}", id(&image)))
                .await["file"],
            Value::Null
        );

        // A real PNG is stored; the product shows the file; the download is an attachment.
        let (s, v) = put_file(&app, &image, "image/png", PNG.to_vec()).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(
            v["file"],
            json!({ "name": "pic.png", "media_type": "image/png", "size": PNG.len() })
        );
        // Another server process on the same database serves the same bytes.
        let other = app.second_server().await;
        let res = other
            .http
            .get(other.url(&format!("/api/v1/catalog/products/{}/file", id(&image))))
            .bearer_auth(&app.admin_key)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-type"], "image/png");
        assert_eq!(
            res.headers()["content-disposition"],
            "attachment; filename=\"pic.png\""
        );
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
        assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);

        // Multipart works too (plain text document).
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(b"Read me first.".to_vec())
                .file_name("notes.txt")
                .mime_str("text/plain")
                .unwrap(),
        );
        let res = app
            .http
            .put(app.url(&format!("/api/v1/catalog/products/{}/file", id(&doc))))
            .bearer_auth(&app.admin_key)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["file"]["name"], "notes.txt");

        // The product's type cannot change to one its file does not fit.
        let (s, v) = app
            .api(
                Method::PATCH,
                &format!("/api/v1/catalog/products/{}", id(&image)),
                Some(json!({ "type": "video" })),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    }
);

both_backends!(
    uploads_over_the_limit_are_refused,
    |app: TestApp| async move {
        let small = app
            .second_server_with(ServiceConfig {
                catalog_max_upload_bytes: 1000,
                ..ServiceConfig::default()
            })
            .await;
        let image = product(&app, "image", "Big picture", "draft").await;
        let seq = app.audit_seq().await;
        let mut big = PNG.to_vec();
        big.resize(1001, 0);
        let (s, v) = put_file(&small, &image, "image/png", big.clone()).await;
        assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
        assert_eq!(v["type"], "urn:portico:problem:upload-too-large", "{v}");
        // Multipart too.
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(big.clone())
                .file_name("big.png")
                .mime_str("image/png")
                .unwrap(),
        );
        let res = small
            .http
            .put(small.url(&format!("/api/v1/catalog/products/{}/file", id(&image))))
            .bearer_auth(&app.admin_key)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(app.audit_seq().await, seq, "nothing stored");
        // Just at the limit is fine.
        big.truncate(1000);
        let (s, v) = put_file(&small, &image, "image/png", big).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["file"]["size"], 1000);
    }
);

both_backends!(
    course_outlines_keep_their_order,
    |app: TestApp| async move {
        let a = product(&app, "video", "A intro", "draft").await;
        let b = product(&app, "quiz", "B check", "draft").await;
        let c = product(&app, "link", "C reading", "draft").await;
        let base = "/api/v1/catalog/courses";
        // An unknown product or a repeated one is refused.
        for outline in [
            json!([id(&a), "pdt_01jd3v6k2m8w1f3q9c4x7b5n2e"]),
            json!([id(&a), id(&a)]),
            json!(["nope"]),
        ] {
            let (s, v) = app
                .api(
                    Method::POST,
                    base,
                    Some(json!({ "title": "T", "language": "en", "outline": outline })),
                )
                .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
            assert_eq!(v["field"], "outline", "{v}");
        }
        assert_eq!(app.get(base).await["items"], json!([]));
        let (s, course) = app
            .api(
                Method::POST,
                base,
                Some(json!({ "title": "Safety basics", "language": "en",
                "outline": [id(&c), id(&a), id(&b)] })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{course}");
        let order = |v: &Value| -> Vec<String> {
            v["outline"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(order(&course), vec![id(&c), id(&a), id(&b)]);
        let url = format!("{base}/{}", id(&course));
        assert_eq!(order(&app.get(&url).await), vec![id(&c), id(&a), id(&b)]);
        // Reorder.
        let (s, v) = app
            .api(
                Method::PATCH,
                &url,
                Some(json!({ "outline": [id(&a), id(&b), id(&c)] })),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(order(&v), vec![id(&a), id(&b), id(&c)]);
        assert_eq!(
            order(&app.get(base).await["items"][0]),
            vec![id(&a), id(&b), id(&c)]
        );
        // A product in an outline cannot be deleted; the problem names the course.
        let (s, v) = app
            .api(
                Method::DELETE,
                &format!("/api/v1/catalog/products/{}", id(&b)),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert_eq!(v["type"], "urn:portico:problem:product-in-use");
        assert!(
            v["detail"].as_str().unwrap().contains("Safety basics"),
            "{v}"
        );
        // Out of the outline, it can.
        let (s, _) = app
            .api(
                Method::PATCH,
                &url,
                Some(json!({ "outline": [id(&a), id(&c)] })),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = app
            .api(
                Method::DELETE,
                &format!("/api/v1/catalog/products/{}", id(&b)),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
    }
);

both_backends!(
    activation_belongs_to_the_organization,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let alpha = app.org("Alpha", None).await;
        let beta = app.org("Beta", None).await;
        let (_, akey) = app
            .staff(
                "adminalpha",
                "lms.organization_administrator",
                Some(&alpha),
                Some(&alpha),
            )
            .await;
        let (_, weak) = app
            .staff("affiliate", "lms.affiliate", Some(&alpha), Some(&alpha))
            .await;
        let published = product(&app, "video", "Welcome video", "published").await;
        let draft = product(&app, "quiz", "Draft quiz", "draft").await;
        let a_base = format!("/api/v1/organizations/{}/catalog/products", id(&alpha));
        let b_base = format!("/api/v1/organizations/{}/catalog/products", id(&beta));

        // What Alpha could activate: published products only.
        let (s, v) = app
            .api_as(
                &akey,
                Method::GET,
                &format!("{a_base}?available=true"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["items"].as_array().unwrap().len(), 1, "{v}");
        assert_eq!(v["items"][0]["id"], published["id"]);

        // Another tenant's organization is not found; a viewer without catalog.manage is refused.
        let seq = app.audit_seq().await;
        let (s, v) = app
            .api_as(
                &akey,
                Method::POST,
                &b_base,
                Some(json!({ "product_id": id(&published) })),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
        let (s, v) = app
            .api_as(
                &weak,
                Method::POST,
                &a_base,
                Some(json!({ "product_id": id(&published) })),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
        let (s, v) = app
            .api_as(
                &akey,
                Method::POST,
                &a_base,
                Some(json!({ "product_id": id(&draft) })),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert_eq!(v["type"], "urn:portico:problem:product-not-published");
        assert_eq!(app.audit_seq().await, seq, "nothing changed");

        // The right admin activates; the portfolio lists it; twice is a conflict.
        let (s, v) = app
            .api_as(
                &akey,
                Method::POST,
                &a_base,
                Some(json!({ "product_id": id(&published) })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(app.audit_seq().await, seq + 1, "audited");
        let (s, v) = app.api_as(&akey, Method::GET, &a_base, None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["items"][0]["id"], published["id"]);
        assert_eq!(
            app.get(&b_base).await["items"],
            json!([]),
            "Beta is untouched"
        );
        let (s, v) = app
            .api_as(
                &akey,
                Method::POST,
                &a_base,
                Some(json!({ "product_id": id(&published) })),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        let (s, v) = app
            .api_as(
                &akey,
                Method::GET,
                &format!("{a_base}?available=true"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["items"], json!([]));

        // Deactivate: the weaker viewer cannot, the admin can; audited.
        let one = format!("{a_base}/{}", id(&published));
        let (s, _) = app.api_as(&weak, Method::DELETE, &one, None).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = app.api_as(&akey, Method::DELETE, &one, None).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        assert_eq!(app.audit_seq().await, seq + 2);
        assert_eq!(app.get(&a_base).await["items"], json!([]));
        let (s, _) = app.api_as(&akey, Method::DELETE, &one, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
);

both_backends!(
    projects_follow_an_activated_course,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let alpha = app.org("Alpha", None).await;
        let beta = app.org("Beta", None).await;
        let (_, akey) = app
            .staff(
                "adminalpha",
                "lms.organization_administrator",
                Some(&alpha),
                Some(&alpha),
            )
            .await;
        let (s, course) = app
            .api(
                Method::POST,
                "/api/v1/catalog/courses",
                Some(json!({ "title": "Onboarding", "language": "en" })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{course}");
        let projects = format!("/api/v1/organizations/{}/projects", id(&alpha));

        // Not activated for Alpha yet: refused, nothing created.
        let (s, v) = app
            .api_as(
                &akey,
                Method::POST,
                &projects,
                Some(json!({ "name": "P", "course_template_id": id(&course) })),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["field"], "course_template_id");
        let (s, v) = app
            .api_as(
                &akey,
                Method::POST,
                &projects,
                Some(json!({ "name": "P", "course_template_id": "crs_x" })),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(app.get(&projects).await["items"], json!([]));

        // Activated for Beta only: still refused for Alpha.
        let (s, _) = app
            .api(
                Method::POST,
                &format!("/api/v1/organizations/{}/catalog/courses", id(&beta)),
                Some(json!({ "course_id": id(&course) })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
        let (s, _) = app
            .api_as(
                &akey,
                Method::POST,
                &projects,
                Some(json!({ "name": "P", "course_template_id": id(&course) })),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

        // Activated for Alpha by its admin: accepted and shown on the project.
        let courses = format!("/api/v1/organizations/{}/catalog/courses", id(&alpha));
        let (s, v) = app
            .api_as(
                &akey,
                Method::POST,
                &courses,
                Some(json!({ "course_id": id(&course) })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let (s, p) = app
            .api_as(
                &akey,
                Method::POST,
                &projects,
                Some(json!({ "name": "P", "course_template_id": id(&course) })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{p}");
        assert_eq!(p["course_template_id"], course["id"]);

        // In use: the course cannot be deactivated or deleted.
        let (s, v) = app
            .api_as(
                &akey,
                Method::DELETE,
                &format!("{courses}/{}", id(&course)),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert_eq!(v["type"], "urn:portico:problem:course-in-use");
        let (s, v) = app
            .api(
                Method::DELETE,
                &format!("/api/v1/catalog/courses/{}", id(&course)),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");

        // Removing it from the project (null) frees it.
        let purl = format!("/api/v1/projects/{}", id(&p));
        let (s, v) = app
            .api_as(
                &akey,
                Method::PATCH,
                &purl,
                Some(json!({ "course_template_id": null })),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["course_template_id"], Value::Null);
        let (s, _) = app
            .api_as(
                &akey,
                Method::DELETE,
                &format!("{courses}/{}", id(&course)),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        // Not activated any more: setting it again is refused.
        let (s, _) = app
            .api_as(
                &akey,
                Method::PATCH,
                &purl,
                Some(json!({ "course_template_id": id(&course) })),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    }
);

both_backends!(product_and_course_list_filters, |app: TestApp| async move {
    let base = "/api/v1/catalog/products";
    let quiz = product(&app, "quiz", "Fire quiz", "published").await;
    let (s, de_quiz) = app
        .api(
            Method::POST,
            base,
            Some(json!({ "type": "quiz", "title": "Brandschutz", "language": "de" })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{de_quiz}");
    let video = product(&app, "video", "Fire video", "draft").await;
    let ids = |v: &Value| -> Vec<String> {
        let mut ids: Vec<String> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    let sorted = |mut v: Vec<&Value>| -> Vec<String> {
        v.sort_by_key(|p| id(p).to_string());
        v.iter().map(|p| id(p).to_string()).collect()
    };
    assert_eq!(
        ids(&app.get(&format!("{base}?type=quiz")).await),
        sorted(vec![&quiz, &de_quiz])
    );
    assert_eq!(
        ids(&app.get(&format!("{base}?type=Quiz&language=DE")).await),
        sorted(vec![&de_quiz])
    );
    assert_eq!(
        ids(&app.get(&format!("{base}?status=draft")).await),
        sorted(vec![&de_quiz, &video])
    );
    assert_eq!(
        ids(&app.get(&format!("{base}?q=fire&status=published")).await),
        sorted(vec![&quiz])
    );
    // Blank filters are no filters.
    assert_eq!(
        ids(&app.get(&format!("{base}?type=&language=&status=")).await).len(),
        3
    );
    // A malformed filter is 422 on its field; an unknown parameter is refused too.
    for (query, field) in [
        ("type=9x", "type"),
        ("language=klingon!", "language"),
        ("status=live", "status"),
    ] {
        let (s, v) = app.api(Method::GET, &format!("{base}?{query}"), None).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {v}");
        assert_eq!(v["field"], field, "{query}: {v}");
    }
    let (s, _) = app
        .api(Method::GET, &format!("{base}?colour=red"), None)
        .await;
    assert!(s.is_client_error(), "{s}");

    // Courses by language.
    let courses = "/api/v1/catalog/courses";
    let mut made = Vec::new();
    for (title, lang) in [("Onboarding", "en"), ("Einführung", "de"), ("Safety", "en")] {
        let (s, c) = app
            .api(
                Method::POST,
                courses,
                Some(json!({ "title": title, "language": lang })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{c}");
        made.push(c);
    }
    assert_eq!(
        ids(&app.get(&format!("{courses}?language=en")).await),
        sorted(vec![&made[0], &made[2]])
    );
    assert_eq!(
        ids(&app.get(&format!("{courses}?language=de&q=einf")).await),
        sorted(vec![&made[1]])
    );
    assert_eq!(
        ids(&app.get(&format!("{courses}?language=en&q=einf")).await),
        Vec::<String>::new()
    );
    let (s, v) = app
        .api(Method::GET, &format!("{courses}?language=klingon!"), None)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["field"], "language", "{v}");
});
