//! Catalog → Courses in the console (C3: an outline built and reordered with buttons that post
//! the form back, no JavaScript), a project's course template on the organization's project
//! forms (PR1), and who may change the platform catalog from the console: an organization's
//! administrator may not, a catalog viewer sees it read-only.

use crate::both_backends;
use crate::catalog::product;
use crate::console_access::{console_as, custom_role, page, submit};
use crate::console_catalog::post_product;
use crate::helpers::*;
use reqwest::header::LOCATION;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

/// The outline's product ids in the order the form shows them.
fn form_outline(html: &str) -> Vec<String> {
    html.split("name=\"outline\" value=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_string())
        .collect()
}

fn api_outline(v: &Value) -> Vec<String> {
    v["outline"].as_array().unwrap().iter().map(id).collect()
}

both_backends!(
    a_course_outline_is_built_and_reordered_without_javascript,
    |app: TestApp| async move {
        let a = product(&app, "video", "Intro video", "published").await;
        let b = product(&app, "quiz", "Check quiz", "draft").await;
        let c3 = product(&app, "link", "Further reading", "published").await;
        let c = console_as(&app, "admin").await;
        let (s, html) = page(&c, &app, "/catalog/courses").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("id=\"no-courses\"") && html.contains("id=\"new-course\""));
        let new = "/catalog/courses/new";
        let seq = app.audit_seq().await;
        let base = [
            ("title", "Safety basics"),
            ("language", "en"),
            ("description", ""),
        ];

        // Each button posts the form back with the outline changed; nothing is stored.
        let post = |outline: Vec<String>, op: &'static str, add: String| {
            let c = c.clone();
            let app = &app;
            async move {
                let mut f: Vec<(&str, String)> =
                    base.iter().map(|(k, v)| (*k, v.to_string())).collect();
                for o in outline {
                    f.push(("outline", o));
                }
                f.push(("op", op.to_string()));
                f.push(("add", add));
                let fields: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
                submit(&c, app, new, new, &fields).await
            }
        };
        let r = post(vec![], "add", id(&b)).await;
        assert_eq!(r.status(), StatusCode::OK);
        let html = r.text().await.unwrap();
        assert_eq!(form_outline(&html), vec![id(&b)]);
        assert!(html.contains("Check quiz"), "product names in the outline");
        assert!(
            html.contains("value=\"Safety basics\""),
            "typed values kept"
        );
        let r = post(vec![id(&b)], "add", id(&a)).await;
        let html = r.text().await.unwrap();
        assert_eq!(form_outline(&html), vec![id(&b), id(&a)]);
        // A product already in the outline is not offered again.
        assert!(!html.contains(&format!("<option value=\"{}\"", id(&a))));
        let r = post(vec![id(&b), id(&a)], "add", id(&c3)).await;
        assert_eq!(
            form_outline(&r.text().await.unwrap()),
            vec![id(&b), id(&a), id(&c3)]
        );
        let r = post(vec![id(&b), id(&a), id(&c3)], "up-1", String::new()).await;
        let html = r.text().await.unwrap();
        assert_eq!(form_outline(&html), vec![id(&a), id(&b), id(&c3)]);
        assert!(html.contains("Intro video") && html.contains("Further reading"));
        let r = post(vec![id(&a), id(&b), id(&c3)], "down-1", String::new()).await;
        assert_eq!(
            form_outline(&r.text().await.unwrap()),
            vec![id(&a), id(&c3), id(&b)]
        );
        let r = post(vec![id(&a), id(&c3), id(&b)], "remove-2", String::new()).await;
        assert_eq!(
            form_outline(&r.text().await.unwrap()),
            vec![id(&a), id(&c3)]
        );
        assert_eq!(app.audit_seq().await, seq, "the buttons store nothing");

        // Save: a bad outline entry is refused next to the outline, a blank title next to
        // the title; then it is created in the order shown.
        let r = post(vec![id(&a), "pdt_nope".into()], "save", String::new()).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"f-outline-error\""), "{html}");
        assert!(html.contains("Unknown product"), "{html}");
        let mut f = vec![("title", " "), ("language", "en"), ("op", "save")];
        let ao = id(&a);
        f.push(("outline", &ao));
        let r = submit(&c, &app, new, new, &f).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("id=\"f-title-error\""));
        assert_eq!(app.audit_seq().await, seq, "nothing stored");
        let r = post(vec![id(&a), id(&c3), id(&b)], "save", String::new()).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let href = r.headers()[LOCATION].to_str().unwrap().to_string();
        let course = app.get(&format!("/api/v1{href}")).await;
        assert_eq!(api_outline(&course), vec![id(&a), id(&c3), id(&b)]);
        let (_, html) = page(&c, &app, &href).await;
        let first = html.find("Intro video").unwrap();
        let second = html.find("Further reading").unwrap();
        let third = html.find("Check quiz").unwrap();
        assert!(first < second && second < third, "the page shows the order");

        // Edit: the saved outline comes back; move the last product to the top and save.
        let edit = format!("{href}/edit");
        let (s, html) = page(&c, &app, &edit).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(form_outline(&html), vec![id(&a), id(&c3), id(&b)]);
        assert!(html.contains("name=\"version\" value=\"1\""));
        let edit_post = |outline: Vec<String>, op: &'static str, version: &'static str| {
            let c = c.clone();
            let app = &app;
            let edit = edit.clone();
            async move {
                let mut f: Vec<(&str, String)> = vec![
                    ("title", "Safety basics".into()),
                    ("language", "de".into()),
                    ("version", version.into()),
                    ("op", op.into()),
                ];
                for o in outline {
                    f.push(("outline", o));
                }
                let fields: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
                submit(&c, app, &edit, &edit, &fields).await
            }
        };
        let r = edit_post(vec![id(&a), id(&c3), id(&b)], "up-2", "1").await;
        let r = edit_post(form_outline(&r.text().await.unwrap()), "up-1", "1").await;
        let order = form_outline(&r.text().await.unwrap());
        assert_eq!(order, vec![id(&b), id(&a), id(&c3)]);
        let r = edit_post(order.clone(), "save", "1").await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let course = app.get(&format!("/api/v1{href}")).await;
        assert_eq!(api_outline(&course), order);
        assert_eq!(course["language"], "de");
        // A stale version is refused; nothing changes.
        let r = edit_post(vec![id(&a)], "save", "1").await;
        assert_eq!(r.status(), StatusCode::PRECONDITION_FAILED);
        assert_eq!(
            api_outline(&app.get(&format!("/api/v1{href}")).await),
            order
        );

        // The list filters by language.
        let (_, html) = page(&c, &app, "/catalog/courses?language=de").await;
        assert!(html.contains("Safety basics"));
        let (_, html) = page(&c, &app, "/catalog/courses?language=en").await;
        assert!(html.contains("No course matches these filters"), "{html}");

        // Delete after the confirmation.
        let del = format!("{href}/delete");
        let (s, html) = page(&c, &app, &del).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("Delete the course Safety basics?"), "{html}");
        let r = submit(&c, &app, &del, &del, &[("confirm", "yes")]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(app.get("/api/v1/catalog/courses").await["items"], json!([]));
    }
);

both_backends!(
    a_project_takes_an_activated_course_template,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let org = app.org("Harbour Academy", None).await;
        app.staff(
            "harbouradmin",
            "lms.organization_administrator",
            Some(&org),
            Some(&org),
        )
        .await;
        let course = |title: &'static str| {
            let app = &app;
            async move {
                let (s, v) = app
                    .api(
                        Method::POST,
                        "/api/v1/catalog/courses",
                        Some(json!({ "title": title, "language": "en" })),
                    )
                    .await;
                assert_eq!(s, StatusCode::CREATED, "{v}");
                v
            }
        };
        let onboarding = course("Onboarding").await;
        let other = course("Not activated here").await;
        let (s, v) = app
            .api(
                Method::POST,
                &format!("/api/v1/organizations/{}/catalog/courses", id(&org)),
                Some(json!({ "course_id": id(&onboarding) })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let c = console_as(&app, "harbouradmin").await;
        let tab = format!("/organizations/{}/projects", org["slug"].as_str().unwrap());
        let (s, html) = page(&c, &app, &tab).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("name=\"course_template_id\""), "{html}");
        assert!(html.contains(&format!("<option value=\"{}\"", id(&onboarding))));
        assert!(
            !html.contains(&id(&other)),
            "only activated courses are offered"
        );

        // A course not activated for the organization: refused next to the field.
        let projects_api = format!("/api/v1/organizations/{}/projects", id(&org));
        let seq = app.audit_seq().await;
        let oid = id(&other);
        let r = submit(
            &c,
            &app,
            &tab,
            &tab,
            &[("name", "Spring"), ("course_template_id", &oid)],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(
            html.contains("id=\"f-course-error\"")
                && html.contains("Choose a course activated for the organization"),
            "{html}"
        );
        let r = submit(
            &c,
            &app,
            &tab,
            &tab,
            &[("name", "Spring"), ("course_template_id", "x")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(app.audit_seq().await, seq, "nothing stored");
        assert_eq!(app.get(&projects_api).await["items"], json!([]));

        // The activated one: created; the project page shows it.
        let cid = id(&onboarding);
        let r = submit(
            &c,
            &app,
            &tab,
            &tab,
            &[("name", "Spring"), ("course_template_id", &cid)],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let p = app.get(&projects_api).await["items"][0].clone();
        assert_eq!(p["course_template_id"], onboarding["id"]);
        let href = format!("{tab}/{}", id(&p));
        let (s, html) = page(&c, &app, &href).await;
        assert_eq!(s, StatusCode::OK);
        let shown = html.find("id=\"project-course\"").expect("course shown");
        assert!(
            html[shown..].starts_with("id=\"project-course\">Onboarding (en)"),
            "{html}"
        );
        assert!(html.contains("id=\"edit-project\""));

        // Edit: a bad choice is refused next to the field; none removes it.
        let edit = format!("{href}/edit");
        let (s, html) = page(&c, &app, &edit).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            html.contains(&format!("<option value=\"{cid}\" selected")),
            "{html}"
        );
        let r = submit(
            &c,
            &app,
            &edit,
            &edit,
            &[
                ("name", "Spring"),
                ("course_template_id", &oid),
                ("version", "1"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("id=\"f-course-error\""));
        assert_eq!(
            app.get(&projects_api).await["items"][0]["course_template_id"],
            onboarding["id"]
        );
        let r = submit(
            &c,
            &app,
            &edit,
            &edit,
            &[
                ("name", "Spring term"),
                ("course_template_id", ""),
                ("version", "1"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let p = app.get(&projects_api).await["items"][0].clone();
        assert_eq!(p["course_template_id"], Value::Null);
        assert_eq!(p["name"], "Spring term");
        let (_, html) = page(&c, &app, &href).await;
        assert!(
            html.contains("id=\"project-course\"><span class=\"muted\">None"),
            "{html}"
        );
        // The form read at version 1 is stale now: refused, nothing changes.
        let r = submit(
            &c,
            &app,
            &edit,
            &edit,
            &[
                ("name", "Stale"),
                ("course_template_id", &cid),
                ("version", "1"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::PRECONDITION_FAILED);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("Someone else changed this project")
        );
        assert_eq!(
            app.get(&projects_api).await["items"][0]["name"],
            "Spring term"
        );
    }
);

both_backends!(
    only_catalog_managers_change_the_platform_catalog_in_the_console,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let org = app.org("Harbour Academy", None).await;
        app.staff(
            "harbouradmin",
            "lms.organization_administrator",
            Some(&org),
            Some(&org),
        )
        .await;
        let viewer = custom_role(&app, "Catalog viewer", "platform", &["catalog.view"]).await;
        app.staff("catviewer", viewer["key"].as_str().unwrap(), None, None)
            .await;
        let quiz = product(&app, "quiz", "Fire safety quiz", "published").await;
        let href = format!("/catalog/products/{}", id(&quiz));
        let (s, course) = app
            .api(
                Method::POST,
                "/api/v1/catalog/courses",
                Some(
                    json!({ "title": "Safety basics", "language": "en", "outline": [quiz["id"]] }),
                ),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
        let chref = format!("/catalog/courses/{}", id(&course));
        let fields = [
            ("type", "quiz"),
            ("title", "Forged"),
            ("language", "en"),
            ("status", "published"),
            ("version", "1"),
        ];

        // An organization's administrator: no Catalog section; the pages and forms refused.
        let c = console_as(&app, "harbouradmin").await;
        let seq = app.audit_seq().await;
        let (_, home) = page(&c, &app, "/").await;
        assert!(!home.contains("id=\"nav-catalog\""), "{home}");
        for path in [
            "/catalog/products",
            "/catalog/products/new",
            "/catalog/courses",
            &href,
        ] {
            let (s, _) = page(&c, &app, path).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{path}");
        }
        let r = post_product(&c, &app, "/", "/catalog/products/new", &fields, None).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = post_product(&c, &app, "/", &format!("{href}/edit"), &fields, None).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = submit(
            &c,
            &app,
            "/",
            "/catalog/courses/new",
            &[("title", "Forged"), ("language", "en"), ("op", "save")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = submit(
            &c,
            &app,
            "/",
            &format!("{href}/delete"),
            &[("confirm", "yes")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(app.audit_seq().await, seq, "nothing changed");

        // A catalog viewer: read-only pages, no edit controls, changes refused.
        let c = console_as(&app, "catviewer").await;
        let seq = app.audit_seq().await;
        let (s, html) = page(&c, &app, "/catalog/products").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("id=\"nav-catalog-courses\"") && html.contains("Fire safety quiz"));
        assert!(!html.contains("id=\"new-product\""), "{html}");
        let (s, html) = page(&c, &app, &href).await;
        assert_eq!(s, StatusCode::OK);
        assert!(!html.contains("id=\"edit-product\"") && !html.contains("id=\"delete-product\""));
        let (_, html) = page(&c, &app, "/catalog/courses").await;
        assert!(html.contains("Safety basics") && !html.contains("id=\"new-course\""));
        let (s, html) = page(&c, &app, &chref).await;
        assert_eq!(s, StatusCode::OK);
        assert!(!html.contains("id=\"edit-course\""), "{html}");
        for path in [
            "/catalog/products/new".to_string(),
            format!("{href}/edit"),
            format!("{href}/delete"),
            format!("{chref}/edit"),
        ] {
            let (s, _) = page(&c, &app, &path).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{path}");
        }
        let r = post_product(
            &c,
            &app,
            "/catalog/products",
            &format!("{href}/edit"),
            &fields,
            None,
        )
        .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = submit(
            &c,
            &app,
            "/catalog/courses",
            &format!("{chref}/edit"),
            &[("title", "Forged"), ("language", "en"), ("op", "save")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = submit(
            &c,
            &app,
            "/catalog/courses",
            &format!("{chref}/delete"),
            &[("confirm", "yes")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(app.audit_seq().await, seq, "nothing changed");
        assert_eq!(
            app.get(&format!("/api/v1{href}")).await["title"],
            "Fire safety quiz"
        );
    }
);
