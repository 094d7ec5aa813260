//! Who holds a permission (P10) and an organization's relationships (P8) in the console, and
//! removing a relationship over the API from an attacker's side (P6, tenant isolation).

use crate::both_backends;
use crate::console_access::{console_as, custom_role, page, scrape_csrf, submit};
use crate::helpers::TestApp;
use reqwest::header::LOCATION;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

/// A plain member of `org` (no role); returns the user.
async fn member(app: &TestApp, org: &Value, name: &str) -> Value {
    let (s, v) = app
        .add_member(org, &format!("{name}@example.com"), name, "Member")
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["user"].clone()
}

/// The `<tbody>` of the table with this id (rows only, not the pickers of a form).
fn table(html: &str, table_id: &str) -> String {
    let Some(at) = html.find(&format!("id=\"{table_id}\"")) else {
        return String::new();
    };
    let end = html[at..].find("</table>").unwrap();
    html[at..at + end].to_string()
}

async fn relate(app: &TestApp, org: &Value, relation: &str, from: &Value, to: &Value) {
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/organizations/{}/relationships", id(org)),
            Some(json!({ "relation": relation, "from_user_id": id(from), "to_user_id": id(to) })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

async fn relationships(app: &TestApp, org: &Value) -> Vec<Value> {
    app.get(&format!("/api/v1/organizations/{}/relationships", id(org)))
        .await
        .as_array()
        .unwrap()
        .clone()
}

both_backends!(
    holders_page_lists_who_the_viewer_may_see_and_the_role_count_is_honest,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let acme = app.org("Acme", None).await;
        let beta = app.org("Beta", None).await;
        let (viewer, _) = app
            .staff(
                "orgadmin",
                "lms.organization_administrator",
                Some(&acme),
                Some(&acme),
            )
            .await;
        let (holder, _) = app
            .staff(
                "content",
                "lms.content_administrator",
                Some(&acme),
                Some(&acme),
            )
            .await;
        let (elsewhere, _) = app
            .staff(
                "betacontent",
                "lms.content_administrator",
                Some(&beta),
                Some(&beta),
            )
            .await;
        let plain = member(&app, &acme, "plain").await;
        // A platform administrator holds reports.view everywhere, Acme included, but an
        // organization administrator may not see platform administrators.
        let (padmin, _) = app.platform_admin("padmin").await;
        // An assignment that expires: it stops counting once it has.
        let late = member(&app, &acme, "late").await;
        let (s, v) = app
            .api(
                Method::PUT,
                &format!("/api/v1/users/{}/ip-allowlist", id(&late)),
                Some(json!({ "ip_allowlist": "*" })),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let content_role = app.role_id("lms.content_administrator").await;
        let soon = portico_domain::Timestamp(app.services.now().millis() + 3_600_000);
        let (s, v) = app
            .api(
                Method::POST,
                &format!("/api/v1/users/{}/role-assignments", id(&late)),
                Some(json!({ "role_id": content_role, "scope": id(&acme),
                             "expires_at": soon.to_rfc3339() })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        app.clock.advance_secs(2 * 3600);

        let c = console_as(&app, "orgadmin").await;
        let url = format!(
            "/settings/roles/holders?permission=reports.view&scope={}",
            id(&acme)
        );
        let (s, html) = page(&c, &app, &url).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        let rows = table(&html, "holders");
        assert!(
            rows.contains(&format!("data-user=\"{}\"", id(&holder))),
            "{rows}"
        );
        assert!(
            rows.contains("Content administrator"),
            "what gives it: {rows}"
        );
        assert!(rows.contains(&format!("data-user=\"{}\"", id(&viewer))));
        for (who, u) in [
            ("a non-holder", &plain),
            ("an expired holder", &late),
            ("a holder elsewhere", &elsewhere),
            ("a platform admin out of sight", &padmin),
        ] {
            assert!(!rows.contains(id(u)), "{who} is listed: {rows}");
        }
        assert!(!rows.contains("super admin"), "{rows}");
        // Each holder links to the explanation on their page.
        assert!(rows.contains(&format!(
            "{}&#x2f;access?why_permission=reports.view&amp;why_scope={}#why",
            id(&holder),
            id(&acme)
        )));

        // The super admin sees the platform administrator as a holder there too.
        let sa = console_as(&app, "admin").await;
        let (_, html) = page(&sa, &app, &url).await;
        assert!(table(&html, "holders").contains(id(&padmin)));

        // Nobody in sight: the empty state says what to do next.
        let (s, html) = page(
            &c,
            &app,
            &format!(
                "/settings/roles/holders?permission=organizations.delete&scope={}",
                id(&acme)
            ),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("id=\"no-holders\""), "{html}");
        assert!(html.contains("Roles and access"));

        // Another organization, typed: not one the viewer can see.
        let (s, html) = page(
            &c,
            &app,
            &format!(
                "/settings/roles/holders?permission=reports.view&org={}",
                beta["slug"].as_str().unwrap()
            ),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("id=\"f-holders-org-error\""), "{html}");
        assert!(!html.contains(id(&elsewhere)));

        // Settings → Roles offers the question; a viewer without roles.view is refused.
        let (_, html) = page(&c, &app, "/settings/roles").await;
        assert!(html.contains("id=\"who-holds-form\""));
        let cc = console_as(&app, "content").await;
        let (s, _) = page(&cc, &app, &url).await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        // The role's holder count: live assignments of people the viewer may see.
        let role_page = format!("/settings/roles/{content_role}");
        let (_, html) = page(&c, &app, &role_page).await;
        assert!(
            html.contains("id=\"role-holders\">1 "),
            "org admin sees one"
        );
        let (_, html) = page(&sa, &app, &role_page).await;
        assert!(
            html.contains("id=\"role-holders\">2 "),
            "super admin: Acme's and Beta's, not the expired one"
        );
        let v = app.get(&format!("/api/v1/roles/{content_role}")).await;
        assert_eq!(v["holders"], 2, "{v}");
    }
);

both_backends!(
    relationships_are_added_shown_and_removed_after_confirmation,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let acme = app.org("Acme", None).await;
        let slug = acme["slug"].as_str().unwrap().to_string();
        app.staff(
            "orgadmin",
            "lms.organization_administrator",
            Some(&acme),
            Some(&acme),
        )
        .await;
        let boss = member(&app, &acme, "boss").await;
        let report = member(&app, &acme, "report").await;
        let base = format!("/organizations/{slug}/relationships");

        let c = console_as(&app, "orgadmin").await;
        let (_, html) = page(&c, &app, &format!("/organizations/{slug}")).await;
        assert!(html.contains("id=\"tab-relationships\""));
        let (s, html) = page(&c, &app, &base).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("id=\"no-relationships\""));
        assert!(html.contains("id=\"add-relationship\""));
        assert!(html.contains(&format!("<option value=\"{}\"", id(&boss))));

        // Add: the two members and the relation.
        let r = submit(
            &c,
            &app,
            &base,
            &base,
            &[
                ("from", id(&boss)),
                ("relation", "manager"),
                ("to", id(&report)),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()[LOCATION], base.as_str());
        let (_, html) = page(&c, &app, &base).await;
        assert!(html.contains("is now the manager of"), "flash");
        let rows = table(&html, "relationships");
        assert!(
            rows.contains(&format!(
                "data-relation=\"manager\" data-from=\"{}\" data-to=\"{}\"",
                id(&boss),
                id(&report)
            )),
            "{rows}"
        );
        assert_eq!(relationships(&app, &acme).await.len(), 1);

        // A typed username works too; a stranger is refused next to the field.
        let r = submit(
            &c,
            &app,
            &base,
            &base,
            &[
                ("from", "boss"),
                ("relation", "mentor"),
                ("to", "nobody@example.com"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("id=\"f-rel-to-error\""));
        assert_eq!(relationships(&app, &acme).await.len(), 1);

        // Remove: the link leads to a confirmation; only the confirmed form removes.
        let remove = format!(
            "{base}/remove?relation=manager&from={}&to={}",
            id(&boss),
            id(&report)
        );
        assert!(
            html.contains(&format!(
                "remove?relation=manager&amp;from={}&amp;to={}",
                id(&boss),
                id(&report)
            )),
            "remove link"
        );
        let (s, confirm) = page(&c, &app, &remove).await;
        assert_eq!(s, StatusCode::OK, "{confirm}");
        assert!(confirm.contains("id=\"confirm-remove\""));
        let token = scrape_csrf(&confirm);
        let fields = |confirm: &'static str| {
            vec![
                ("_csrf", token.clone()),
                ("relation", "manager".to_string()),
                ("from", id(&boss).to_string()),
                ("to", id(&report).to_string()),
                ("confirm", confirm.to_string()),
            ]
        };
        let r = c
            .post(app.url(&format!("{base}/remove")))
            .form(&fields(""))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(relationships(&app, &acme).await.len(), 1, "not confirmed");
        let r = c
            .post(app.url(&format!("{base}/remove")))
            .form(&fields("yes"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert!(relationships(&app, &acme).await.is_empty());
        let (_, html) = page(&c, &app, &base).await;
        assert!(html.contains("is no longer the manager of"));
        assert!(html.contains("id=\"no-relationships\""));
    }
);

both_backends!(
    relationships_change_only_with_the_permission_even_by_typed_urls,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let acme = app.org("Acme", None).await;
        let slug = acme["slug"].as_str().unwrap().to_string();
        let looker = custom_role(
            &app,
            "Member looker",
            "organization",
            &["organizations.view", "members.view", "users.view"],
        )
        .await;
        app.staff(
            "looker",
            looker["key"].as_str().unwrap(),
            Some(&acme),
            Some(&acme),
        )
        .await;
        app.staff(
            "content",
            "lms.content_administrator",
            Some(&acme),
            Some(&acme),
        )
        .await;
        let boss = member(&app, &acme, "boss").await;
        let report = member(&app, &acme, "report").await;
        relate(&app, &acme, "manager", &boss, &report).await;
        let base = format!("/organizations/{slug}/relationships");

        // members.view without role_assignments.manage: the list, no form, no remove.
        let c = console_as(&app, "looker").await;
        let seq = app.audit_seq().await;
        let (s, html) = page(&c, &app, &base).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(table(&html, "relationships").contains(id(&boss)));
        assert!(!html.contains("id=\"add-relationship\""));
        assert!(!html.contains("remove-relationship"));
        // …and typed addresses are refused.
        let token = scrape_csrf(&html);
        let r = c
            .post(app.url(&base))
            .form(&[
                ("_csrf", token.as_str()),
                ("from", id(&report)),
                ("relation", "mentor"),
                ("to", id(&boss)),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let remove = format!(
            "{base}/remove?relation=manager&from={}&to={}",
            id(&boss),
            id(&report)
        );
        let (s, _) = page(&c, &app, &remove).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let r = c
            .post(app.url(&format!("{base}/remove")))
            .form(&[
                ("_csrf", token.as_str()),
                ("relation", "manager"),
                ("from", id(&boss)),
                ("to", id(&report)),
                ("confirm", "yes"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(relationships(&app, &acme).await.len(), 1);
        assert_eq!(app.audit_seq().await, seq, "nothing written");

        // Without members.view: no tab, and the page itself is refused.
        let c = console_as(&app, "content").await;
        let (_, html) = page(&c, &app, &format!("/organizations/{slug}")).await;
        assert!(!html.contains("id=\"tab-relationships\""));
        let (s, _) = page(&c, &app, &base).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
);

both_backends!(
    removing_a_relationship_over_the_api_is_checked_like_adding_one,
    |app: TestApp| async move {
        app.import_preset("lms").await;
        let alpha = app.org("Alpha", None).await;
        let beta = app.org("Beta", None).await;
        let (_, alpha_key) = app
            .staff(
                "adminalpha",
                "lms.organization_administrator",
                Some(&alpha),
                Some(&alpha),
            )
            .await;
        let (strong, _) = app
            .staff(
                "adminbeta",
                "lms.organization_administrator",
                Some(&beta),
                Some(&beta),
            )
            .await;
        let clerk_role = custom_role(
            &app,
            "Relationship clerk",
            "organization",
            &[
                "organizations.view",
                "members.view",
                "users.view",
                "role_assignments.manage",
            ],
        )
        .await;
        let (_, clerk_key) = app
            .staff(
                "clerk",
                clerk_role["key"].as_str().unwrap(),
                Some(&beta),
                Some(&beta),
            )
            .await;
        let blind_role = custom_role(
            &app,
            "Blind clerk",
            "organization",
            &[
                "organizations.view",
                "members.view",
                "role_assignments.manage",
            ],
        )
        .await;
        let (_, blind_key) = app
            .staff(
                "blind",
                blind_role["key"].as_str().unwrap(),
                Some(&beta),
                Some(&beta),
            )
            .await;
        let m1 = member(&app, &beta, "one").await;
        let m2 = member(&app, &beta, "two").await;
        relate(&app, &beta, "manager", &m1, &m2).await;
        relate(&app, &beta, "mentor", &m1, &strong).await;
        relate(&app, &beta, "parent", &strong, &m2).await;
        let before = relationships(&app, &beta).await.len();
        let seq = app.audit_seq().await;
        let delete = |key: String, org: String, relation: &str, from: &Value, to: &Value| {
            let body =
                json!({ "relation": relation, "from_user_id": id(from), "to_user_id": id(to) });
            let app = &app;
            async move {
                app.api_as(
                    &key,
                    Method::DELETE,
                    &format!("/api/v1/organizations/{org}/relationships"),
                    Some(body),
                )
                .await
            }
        };

        // Another organization's administrator: through Beta, or with Beta's ids in Alpha.
        let (s, v) = delete(alpha_key.clone(), id(&beta).into(), "manager", &m1, &m2).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
        let (s, v) = delete(alpha_key.clone(), id(&alpha).into(), "manager", &m1, &m2).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
        // A caller in Beta who may manage assignments but cannot see the two people.
        let (s, v) = delete(blind_key.clone(), id(&beta).into(), "manager", &m1, &m2).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
        // A weaker administrator: the related person, or the manager/parent/mentor, holds
        // more than they do (P6).
        let (s, v) = delete(clerk_key.clone(), id(&beta).into(), "mentor", &m1, &strong).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
        let (s, v) = delete(clerk_key.clone(), id(&beta).into(), "parent", &strong, &m2).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
        assert_eq!(relationships(&app, &beta).await.len(), before);
        assert_eq!(app.audit_seq().await, seq, "nothing changed");

        // Between people they may act on, the same administrator may.
        let (s, v) = delete(clerk_key.clone(), id(&beta).into(), "manager", &m1, &m2).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        assert_eq!(relationships(&app, &beta).await.len(), before - 1);
    }
);

both_backends!(
    the_relationship_list_names_only_people_the_caller_may_see,
    |app: TestApp| async move {
        let org = app.org("Campus", None).await;
        let (ana, bob) = (
            member(&app, &org, "ana").await,
            member(&app, &org, "bob").await,
        );
        relate(&app, &org, "manager", &ana, &bob).await;
        assert_eq!(relationships(&app, &org).await.len(), 1);
        // Someone who may list members but not see users: the ids are not theirs to learn.
        let role = custom_role(
            &app,
            "Roster reader",
            "organization",
            &["organizations.view", "members.view"],
        )
        .await;
        let (_, key) = app
            .staff(
                "roster",
                role["key"].as_str().unwrap(),
                Some(&org),
                Some(&org),
            )
            .await;
        let path = format!("/api/v1/organizations/{}/relationships", id(&org));
        let (s, v) = app.api_as(&key, Method::GET, &path, None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v, json!([]), "{v}");
        assert!(!v.to_string().contains(id(&ana)));
    }
);
