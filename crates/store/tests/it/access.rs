//! Migration, the access version, load_access, roles, bootstrap and import.

use crate::both_backends;
use crate::helpers::*;
use portico_domain::access::{DataFilter, Level};
use portico_domain::ids::RoleId;
use portico_services::StoreError;
use portico_services::records::*;
use portico_services::{Store, StoreError as SE};
use std::collections::BTreeMap;

both_backends!(migration_applies_on_a_fresh_database, |db: Db| async move {
    let store = &db.store;
    // Already migrated by Db::open: running again applies nothing.
    assert!(store.migrate().await.unwrap().is_empty());
    assert_eq!(db.count("schema_migrations", "version = 3").await, 1);
    assert_eq!(db.version().await, 0);
    for t in [
        "roles",
        "role_assignments",
        "permission_overrides",
        "data_filters",
        "relationships",
    ] {
        assert_eq!(db.count(t, "").await, 0, "{t}");
    }
    assert_eq!(
        db.int("SELECT version FROM access_state WHERE id = 1")
            .await,
        0
    );
    let data = store.load_access().await.unwrap();
    assert_eq!(data.version, 0);
    assert!(data.roles.is_empty() && data.assignments.is_empty());
    assert_eq!(data.super_admin, Some(db.admin.id));
});

both_backends!(fresh_database_lists_the_migration, |_db: Db| async move {
    let (store, url, _dir) = open_store(_db.backend).await.unwrap();
    let applied = store.migrate().await.unwrap();
    assert_eq!(
        applied,
        vec![
            "0001_foundation",
            "0002_users_status_index",
            "0003_access_control",
            "0004_projects",
            "0005_applications_licenses",
            "0006_email",
            "0007_credentials",
            "0008_catalog",
            "0009_templates",
            "0010_reports",
            "0012_security_policy",
            "0013_outbox_deferred",
            "0014_license_warnings",
            "0015_template_versions",
            "0016_drop_redundant_membership_index",
            "0017_login_events_user_seq",
            "0018_project_schedule",
            "0019_project_enrollment_count",
            "0020_user_language",
            "0021_search_index_deferral",
        ]
    );
    store.close().await;
    drop_test_database(&url).await;
});

both_backends!(every_access_write_bumps_the_version, |db: Db| async move {
    let s = &db.store;
    let c = db.ctx();
    let mut v = db.version().await;
    macro_rules! bumped {
        ($what:expr) => {
            let now = db.version().await;
            assert_eq!(now, v + 1, "{} bumps the access version once", $what);
            v = now;
        };
    }
    let org = db.org("Acme", None).await;
    bumped!("create_org");
    let r = db
        .role("custom.a", Level::Organization, &["users.view"])
        .await;
    bumped!("create_role");
    let u = db.user("ann").await;
    assert_eq!(db.version().await, v, "create_user does not bump");
    let a = db.assign(u.id, r.id, ScopeRef::Org(org.id)).await;
    bumped!("add_assignment");
    let o = s
        .add_override(
            &c,
            grant(
                u.id,
                "users.edit",
                ScopeRef::Org(org.id),
                OverrideEffect::Deny,
            ),
        )
        .await
        .unwrap();
    bumped!("add_override");
    s.set_filters(
        &c,
        u.id,
        vec![DataFilter::Tag {
            tags: vec!["eu".into()],
        }],
    )
    .await
    .unwrap();
    bumped!("set_filters");
    let b = db.user("bob").await;
    let rel = RelationshipRecord {
        org_id: org.id,
        relation: "manager".into(),
        from_user_id: u.id,
        to_user_id: b.id,
        created_at: now(),
    };
    s.add_relationship(&c, rel.clone()).await.unwrap();
    bumped!("add_relationship");
    s.remove_relationship(&c, rel).await.unwrap();
    bumped!("remove_relationship");
    s.update_role(
        &c,
        r.id,
        None,
        RolePatch {
            description: Some("changed".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    bumped!("update_role");
    s.remove_override(&c, u.id, o.id).await.unwrap();
    bumped!("remove_override");
    s.remove_assignment(&c, u.id, a.id).await.unwrap();
    bumped!("remove_assignment");
    s.delete_role(&c, r.id).await.unwrap();
    bumped!("delete_role");
    s.update_org(
        &c,
        org.id,
        None,
        OrgPatch {
            tags: Some(vec!["eu".into()]),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    bumped!("update_org");
    s.delete_user(&c, b.id).await.unwrap();
    bumped!("delete_user");
    let m = db.member(org.id, "carl").await;
    assert_eq!(db.version().await, v, "add_member does not bump");
    s.remove_member(&c, org.id, m.id).await.unwrap();
    bumped!("remove_member");
    s.import_roles(
        &c,
        vec![role("custom.imported", Level::Organization, &[], false)],
    )
    .await
    .unwrap();
    bumped!("import_roles");
    s.delete_org(&c, org.id).await.unwrap();
    bumped!("delete_org");
    s.bulk_insert(
        now(),
        BulkBatch {
            orgs: vec![NewOrg {
                id: portico_domain::ids::OrgId::generate(),
                name: "Bulk".into(),
                slug: "bulk".into(),
                parent_id: None,
                tags: vec![],
                attributes: BTreeMap::new(),
            }],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    bumped!("bulk_insert with organizations");
    // A failed write leaves the version alone.
    let err = s
        .add_assignment(
            &c,
            assignment(u.id, RoleId::generate(), ScopeRef::Platform, None),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, SE::NotFound("role")), "{err:?}");
    assert_eq!(db.version().await, v);
});

both_backends!(load_access_returns_what_was_written, |db: Db| async move {
    let s = &db.store;
    let c = db.ctx();
    let mut attrs = BTreeMap::new();
    attrs.insert("country".to_string(), "IT".to_string());
    let parent = db
        .org_with("Parent", None, vec!["eu".into()], attrs.clone())
        .await;
    let child = db.org("Child", Some(parent.id)).await;
    let preset = s
        .create_role(
            &c,
            role("lms.admin", Level::Platform, &["a.view", "b.edit"], true),
        )
        .await
        .unwrap();
    assert!(preset.preset);
    assert_eq!(preset.permissions, vec!["a.view", "b.edit"]);
    let custom = db
        .role("custom.tutor", Level::Organization, &["c.view"])
        .await;
    let u = db.user("ann").await;
    let exp = now().plus_secs(3600);
    let a1 = s
        .add_assignment(
            &c,
            assignment(u.id, preset.id, ScopeRef::Platform, Some(exp)),
        )
        .await
        .unwrap();
    assert_eq!(a1.expires_at, Some(exp));
    let a2 = db.assign(u.id, custom.id, ScopeRef::Org(child.id)).await;
    let o1 = s
        .add_override(
            &c,
            grant(
                u.id,
                "d.view",
                ScopeRef::Org(parent.id),
                OverrideEffect::Grant,
            ),
        )
        .await
        .unwrap();
    let o2 = s
        .add_override(
            &c,
            grant(u.id, "a.view", ScopeRef::Platform, OverrideEffect::Deny),
        )
        .await
        .unwrap();
    let filters = vec![
        DataFilter::Tag {
            tags: vec!["eu".into()],
        },
        DataFilter::Attribute {
            name: "country".into(),
            values: vec!["DK".into(), "IT".into()],
        },
        DataFilter::Organizations {
            organizations: vec![child.id],
        },
    ];
    s.set_filters(&c, u.id, filters.clone()).await.unwrap();
    // Replacing keeps only the new list, in its order.
    let reversed: Vec<DataFilter> = filters.iter().rev().cloned().collect();
    s.set_filters(&c, u.id, reversed.clone()).await.unwrap();

    let data = s.load_access().await.unwrap();
    assert_eq!(data.version, db.version().await);
    assert_eq!(data.super_admin, Some(db.admin.id));
    assert_eq!(data.orgs.len(), 2);
    let p = data.orgs.iter().find(|o| o.id == parent.id).unwrap();
    assert_eq!(p.parent_id, None);
    assert_eq!(p.tags, vec!["eu"]);
    assert_eq!(p.attributes, attrs);
    let ch = data.orgs.iter().find(|o| o.id == child.id).unwrap();
    assert_eq!(ch.parent_id, Some(parent.id));
    assert_eq!(data.roles.len(), 2);
    let r = data.roles.iter().find(|r| r.id == preset.id).unwrap();
    assert!(r.preset);
    assert_eq!(r.level, Level::Platform);
    assert_eq!(r.key, "lms.admin");
    assert_eq!(r.permissions, vec!["a.view", "b.edit"]);
    assert_eq!(r.reach, "scope");
    let r = data.roles.iter().find(|r| r.id == custom.id).unwrap();
    assert!(!r.preset);
    assert_eq!(r.level, Level::Organization);
    assert_eq!(data.assignments.len(), 2);
    let x = data.assignments.iter().find(|a| a.id == a1.id).unwrap();
    assert_eq!(x.scope, ScopeRef::Platform);
    assert_eq!(x.expires_at, Some(exp));
    assert_eq!(x.user_id, u.id);
    assert_eq!(x.created_by, None);
    let x = data.assignments.iter().find(|a| a.id == a2.id).unwrap();
    assert_eq!(x.scope, ScopeRef::Org(child.id));
    assert_eq!(x.expires_at, None);
    assert_eq!(x.role_id, custom.id);
    assert_eq!(x.created_by, Some(db.admin.id));
    assert_eq!(data.overrides.len(), 2);
    let x = data.overrides.iter().find(|o| o.id == o1.id).unwrap();
    assert_eq!(
        (x.effect, x.permission.as_str(), x.scope),
        (OverrideEffect::Grant, "d.view", ScopeRef::Org(parent.id))
    );
    let x = data.overrides.iter().find(|o| o.id == o2.id).unwrap();
    assert_eq!(
        (x.effect, x.scope),
        (OverrideEffect::Deny, ScopeRef::Platform)
    );
    let mine: Vec<DataFilter> = data
        .filters
        .iter()
        .filter(|(id, _)| *id == u.id)
        .map(|(_, f)| f.clone())
        .collect();
    assert_eq!(mine, reversed);
    // The org id column of an org-scoped row is the organization.
    assert_eq!(
        db.count(
            "role_assignments",
            &format!("org_id = '{}' AND scope = '{}'", child.id, child.id)
        )
        .await,
        1
    );
    assert_eq!(
        db.count("role_assignments", "org_id IS NULL AND scope = 'platform'")
            .await,
        1
    );
});

both_backends!(ten_thousand_organizations_load, |db: Db| async move {
    let mut orgs = Vec::new();
    let mut parent = None;
    for n in 0..10_000 {
        let id = portico_domain::ids::OrgId::generate();
        orgs.push(NewOrg {
            id,
            name: format!("Org {n}"),
            slug: format!("org-{n}"),
            parent_id: if n % 10 == 0 { None } else { parent },
            tags: vec!["t".into()],
            attributes: BTreeMap::new(),
        });
        if n % 10 == 0 {
            parent = Some(id);
        }
    }
    db.store
        .bulk_insert(
            now(),
            BulkBatch {
                orgs,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let data = db.store.load_access().await.unwrap();
    let took = started.elapsed();
    eprintln!(
        "{:?}: load_access of 10,000 organizations took {took:?}",
        db.backend
    );
    assert_eq!(data.orgs.len(), 10_000);
    assert_eq!(
        data.orgs.iter().filter(|o| o.parent_id.is_some()).count(),
        9_000
    );
    assert!(took < std::time::Duration::from_secs(5), "{took:?}");
});

both_backends!(roles_update_and_delete_rules, |db: Db| async move {
    let s = &db.store;
    let c = db.ctx();
    let org = db.org("Acme", None).await;
    let preset = s
        .create_role(
            &c,
            role("basic.viewer", Level::Organization, &["x.view"], true),
        )
        .await
        .unwrap();
    // Presets are read-only.
    let e = s
        .update_role(
            &c,
            preset.id,
            None,
            RolePatch {
                name: Some("X".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            SE::Conflict {
                kind: "preset-read-only",
                ..
            }
        ),
        "{e:?}"
    );
    let e = s.delete_role(&c, preset.id).await.unwrap_err();
    assert!(
        matches!(
            e,
            SE::Conflict {
                kind: "preset-read-only",
                ..
            }
        ),
        "{e:?}"
    );
    // Update with If-Match.
    let r = db.role("custom.x", Level::Organization, &["a.view"]).await;
    let e = s
        .update_role(&c, r.id, Some(r.version + 1), RolePatch::default())
        .await
        .unwrap_err();
    assert!(matches!(e, SE::Stale), "{e:?}");
    let later = now().plus_secs(10);
    let up = s
        .update_role(
            &AuditCtx {
                at: later,
                ..c.clone()
            },
            r.id,
            Some(r.version),
            RolePatch {
                name: Some("Tutor".into()),
                description: Some("Teaches".into()),
                permissions: Some(vec!["a.view".into(), "b.view".into()]),
            },
        )
        .await
        .unwrap();
    assert_eq!(up.version, r.version + 1);
    assert_eq!(up.updated_at, later);
    assert_eq!(
        (up.name.as_str(), up.description.as_str()),
        ("Tutor", "Teaches")
    );
    assert_eq!(up.permissions, vec!["a.view", "b.view"]);
    assert_eq!(db.audits("role.update").await, 1);
    let e = s
        .update_role(&c, RoleId::generate(), None, RolePatch::default())
        .await
        .unwrap_err();
    assert!(matches!(e, SE::NotFound("role")), "{e:?}");
    // A role in use cannot be deleted.
    let u1 = db.user("ann").await;
    let u2 = db.user("bob").await;
    let a1 = db.assign(u1.id, r.id, ScopeRef::Org(org.id)).await;
    db.assign(u2.id, r.id, ScopeRef::Org(org.id)).await;
    let v = db.version().await;
    match s.delete_role(&c, r.id).await.unwrap_err() {
        SE::Conflict { kind, message } => {
            assert_eq!(kind, "role-in-use");
            assert!(message.contains("2 users"), "{message}");
        }
        e => panic!("{e:?}"),
    }
    assert_eq!(db.version().await, v);
    assert_eq!(db.count("roles", &format!("id = '{}'", r.id)).await, 1);
    assert_eq!(db.count("role_assignments", "").await, 2);
    assert_eq!(db.audits("role.delete").await, 0);
    s.remove_assignment(&c, u1.id, a1.id).await.unwrap();
    s.delete_user(&c, u2.id).await.unwrap();
    let gone = s.delete_role(&c, r.id).await.unwrap();
    assert_eq!(gone.id, r.id);
    assert_eq!(db.count("roles", &format!("id = '{}'", r.id)).await, 0);
    assert_eq!(db.audits("role.delete").await, 1);
    let e = s.delete_role(&c, r.id).await.unwrap_err();
    assert!(matches!(e, SE::NotFound("role")), "{e:?}");
});

both_backends!(
    bootstrap_assigns_the_administrators_once,
    |db: Db| async move {
        let s = &db.store;
        let c = db.ctx();
        let mut legacy = new_user("legacy");
        legacy.is_platform_admin = true;
        let legacy = s.create_user(&c, legacy).await.unwrap();
        let plain = db.user("plain").await;
        let admin = role("basic.administrator", Level::Platform, &["all.view"], true);
        let viewer = role("basic.viewer", Level::Organization, &["x.view"], true);
        let admin_id = admin.id;
        let v = db.version().await;
        assert!(
            s.bootstrap_access(&c, vec![admin.clone(), viewer.clone()], admin_id)
                .await
                .unwrap()
        );
        assert_eq!(db.version().await, v + 1);
        let data = s.load_access().await.unwrap();
        assert_eq!(data.roles.len(), 2);
        let mut holders: Vec<_> = data.assignments.iter().map(|a| a.user_id).collect();
        holders.sort();
        let mut want = vec![db.admin.id, legacy.id];
        want.sort();
        assert_eq!(holders, want);
        assert!(
            data.assignments
                .iter()
                .all(|a| a.role_id == admin_id && a.scope == ScopeRef::Platform)
        );
        for id in [db.admin.id, legacy.id] {
            let u = s.get_user(id).await.unwrap().unwrap();
            assert!(u.is_platform_admin);
            assert_eq!(u.ip_allowlist.as_deref(), Some("*"));
        }
        let p = s.get_user(plain.id).await.unwrap().unwrap();
        assert!(!p.is_platform_admin);
        assert_eq!(p.ip_allowlist, None);
        assert_eq!(db.audits("access.bootstrap").await, 1);
        // Roles exist now: nothing happens, nothing is audited.
        let other = role("basic.other", Level::Platform, &[], true);
        let other_id = other.id;
        assert!(!s.bootstrap_access(&c, vec![other], other_id).await.unwrap());
        assert_eq!(db.audits("access.bootstrap").await, 1);
        assert_eq!(db.version().await, v + 1);
        assert_eq!(db.count("roles", "").await, 2);
        // Import adds only unknown keys.
        let n = s
            .import_roles(
                &c,
                vec![
                    role("basic.viewer", Level::Organization, &[], true),
                    role("crm.sales", Level::Organization, &["deals.view"], true),
                ],
            )
            .await
            .unwrap();
        assert_eq!(n, 1);
        assert_eq!(db.count("roles", "").await, 3);
        assert_eq!(db.audits("roles.import").await, 1);
        let n = s
            .import_roles(&c, vec![role("crm.sales", Level::Organization, &[], true)])
            .await
            .unwrap();
        assert_eq!(n, 0);
        assert_eq!(db.audits("roles.import").await, 1);
    }
);

#[test]
fn store_error_kinds_are_stable() {
    // The kinds the services layer shows for the store's conflicts.
    let k = |e| kind_of(e);
    assert_eq!(
        k(StoreError::Unique("role_assignments_unique".into())),
        "already-assigned"
    );
    assert_eq!(
        k(StoreError::Unique("permission_overrides_unique".into())),
        "override-exists"
    );
    assert_eq!(
        k(StoreError::Unique("roles_key_key".into())),
        "role-name-taken"
    );
    assert_eq!(
        k(StoreError::Unique("roles_name_key".into())),
        "role-name-taken"
    );
    assert_eq!(
        k(StoreError::Unique("relationships_pkey".into())),
        "relationship-exists"
    );
}

both_backends!(init_installation_is_one_transaction, |db: Db| async move {
    let s = &db.store;
    let c = db.ctx();
    let admin = role("basic.administrator", Level::Platform, &["all.view"], true);
    let admin_id = admin.id;
    // The roles part fails after the user is written (its admin role is not among the
    // roles): the user goes with it.
    let e = s
        .init_installation(
            &c,
            new_user("second"),
            vec![admin.clone()],
            RoleId::generate(),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, SE::NotFound("role")), "{e:?}");
    assert_eq!(db.count("roles", "").await, 0);
    assert_eq!(db.count("users", "username = 'second'").await, 0);
    assert_eq!(
        db.audits("user.create").await,
        1,
        "only the fixture's admin"
    );
    // Roles exist already: refused, and the user is not left behind.
    assert!(s.bootstrap_access(&c, vec![admin], admin_id).await.unwrap());
    let other = role("lms.administrator", Level::Platform, &[], true);
    let other_id = other.id;
    let e = s
        .init_installation(&c, new_user("third"), vec![other], other_id)
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            SE::Conflict {
                kind: "roles-exist",
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(db.count("users", "username = 'third'").await, 0);
    assert_eq!(db.count("roles", "").await, 1);
});
