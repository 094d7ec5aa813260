//! Templates and texts in the console: Settings → Email templates (edit, errors next to the
//! field with the line, preview, reset after a confirmation), Catalog → Emails, the
//! organization's Emails tab (a form button per row), and the support text on an
//! organization administrator's Home.

use crate::both_backends;
use crate::console_access::{console_as, page, submit};
use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

both_backends!(
    email_templates_are_edited_previewed_and_reset_in_the_console,
    |app: TestApp| async move {
        let c = console_as(&app, "admin").await;
        let (s, html) = page(&c, &app, "/settings/email-templates?language=de").await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(
            html.contains("data-template=\"welcome.de\"")
                && !html.contains("data-template=\"welcome.en\""),
            "{html}"
        );
        assert!(html.contains("id=\"nav-email-templates\""));
        let at = "/settings/email-templates/welcome/en";
        // A syntax error: the form again, the message next to the field with its line.
        let r = submit(
            &c,
            &app,
            at,
            at,
            &[
                ("subject", "Hi {{ name }}"),
                ("html_body", "<p>a</p>\n{% if %}"),
                ("text_body", "t"),
                ("action", "save"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = r.text().await.unwrap();
        assert!(
            body.contains("id=\"f-html_body-error\"") && body.contains("Line 2:"),
            "{body}"
        );
        // Preview with sample data.
        let r = submit(
            &c,
            &app,
            at,
            at,
            &[
                ("subject", "Hi {{ name }}"),
                ("html_body", "<p>PREVIEW {{ username }}</p>"),
                ("text_body", "TEXT {{ link }}"),
                ("action", "preview"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK);
        let body = r.text().await.unwrap();
        assert!(
            body.contains("id=\"preview-subject\">Hi Anna Berg<"),
            "{body}"
        );
        assert!(
            body.contains("TEXT https:") && body.contains("SAMPLE-TOKEN</pre>"),
            "{body}"
        );
        assert_eq!(
            app.get("/api/v1/settings/email-templates/welcome/en").await["overridden"],
            false,
            "a preview stores nothing"
        );
        // Save, then reset after the confirmation page.
        let r = submit(
            &c,
            &app,
            at,
            at,
            &[
                ("subject", "Hi {{ name }}"),
                ("html_body", "<p>SAVED</p>"),
                ("text_body", "SAVED {{ link }}"),
                ("action", "save"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            app.get("/api/v1/settings/email-templates/welcome/en").await["overridden"],
            true
        );
        let (s, confirm) = page(&c, &app, &format!("{at}/reset")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(confirm.contains("id=\"confirm-reset\""));
        let r = submit(
            &c,
            &app,
            &format!("{at}/reset"),
            &format!("{at}/reset"),
            &[("confirm", "yes")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            app.get("/api/v1/settings/email-templates/welcome/en").await["overridden"],
            false
        );
        // Notification templates have their page too.
        let (s, html) = page(&c, &app, "/settings/notification-templates").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("license.seats_low"), "{html}");
    }
);

both_backends!(
    catalog_emails_and_the_org_tab_in_the_console,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let acme = app.org("Acme", None).await;
        let globex = app.org("Globex", None).await;
        app.staff(
            "acmeadmin",
            "lms.organization_administrator",
            Some(&acme),
            Some(&acme),
        )
        .await;
        let c = console_as(&app, "admin").await;
        let (s, html) = page(&c, &app, "/catalog/emails").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("id=\"no-catalog-emails\""), "{html}");
        let new = "/catalog/emails/new";
        let fields = |html: &'static str| {
            vec![
                ("key", "course.reminder"),
                ("language", "en"),
                ("variables", "course | The course | Safety 101"),
                ("subject", "About {{ course }}"),
                ("html_body", html),
                ("text_body", "{{ course }}"),
                ("action", "save"),
            ]
        };
        let r = submit(&c, &app, new, new, &fields("<p>{{ secret }}</p>")).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = r.text().await.unwrap();
        assert!(
            body.contains("id=\"f-html_body-error\"") && body.contains("secret"),
            "{body}"
        );
        let r = submit(&c, &app, new, new, &fields("<p>{{ course }}</p>")).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let list = app.get("/api/v1/catalog/email-templates").await;
        let tid = list[0]["id"].as_str().unwrap().to_string();
        // The organization's admin switches it on with the row's form button.
        let a = console_as(&app, "acmeadmin").await;
        let slug = acme["slug"].as_str().unwrap();
        let tab = format!("/organizations/{slug}/emails");
        let (s, html) = page(&a, &app, &tab).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(
            html.contains("id=\"tab-emails\"") && html.contains("switch-on"),
            "{html}"
        );
        let r = submit(
            &a,
            &app,
            &tab,
            &format!("{tab}/{tid}"),
            &[("enabled", "on")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, html) = page(&a, &app, &tab).await;
        assert!(html.contains("switch-off"), "{html}");
        // Another tenant's tab and switch: not found.
        let other = format!("/organizations/{}/emails", globex["slug"].as_str().unwrap());
        let (s, _) = page(&a, &app, &other).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let r = submit(
            &a,
            &app,
            &tab,
            &format!("{other}/{tid}"),
            &[("enabled", "on")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let (_, v) = app
            .api(
                Method::GET,
                &format!(
                    "/api/v1/organizations/{}/catalog/email-templates",
                    globex["id"].as_str().unwrap()
                ),
                None,
            )
            .await;
        assert_eq!(v[0]["enabled"], false);
        // The org admin has no Settings → templates and cannot open them.
        let (_, home) = page(&a, &app, "/").await;
        assert!(!home.contains("nav-email-templates"));
        let (s, _) = page(&a, &app, "/settings/email-templates").await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
);

both_backends!(
    the_support_text_is_shown_sanitised_on_an_org_admins_home,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let acme = app.org("Acme", None).await;
        app.staff(
            "acmeadmin",
            "lms.organization_administrator",
            Some(&acme),
            Some(&acme),
        )
        .await;
        let c = console_as(&app, "admin").await;
        let at = "/settings/support-text";
        let md = "## Help desk\n\nMail **support@acme.example** <script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=alert(3)>";
        let r = submit(&c, &app, at, at, &[("markdown", md), ("action", "preview")]).await;
        assert_eq!(r.status(), StatusCode::OK);
        let body = r.text().await.unwrap();
        assert!(body.contains("<h2>Help desk</h2>"), "{body}");
        let r = submit(&c, &app, at, at, &[("markdown", md), ("action", "save")]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let a = console_as(&app, "acmeadmin").await;
        let (s, home) = page(&a, &app, "/").await;
        assert_eq!(s, StatusCode::OK);
        let start = home
            .find("id=\"support-text\"")
            .expect("support text on Home");
        let block = &home[start..start + home[start..].find("</section>").unwrap()];
        assert!(
            block.contains("<strong>support@acme.example</strong>"),
            "{block}"
        );
        assert!(
            !block.contains("<script")
                && !block.contains("javascript:")
                && !block.contains("onerror"),
            "{block}"
        );
        // Not for the platform-wide viewer who writes it.
        let (_, admin_home) = page(&c, &app, "/").await;
        assert!(!admin_home.contains("id=\"support-text\""));
        let _ = json!({});
    }
);
