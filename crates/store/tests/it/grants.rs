//! Assignments, overrides, filters and relationships: conflicts, ownership, the platform
//! flag, and what deleting users and organizations takes with them.

use crate::both_backends;
use crate::helpers::*;
use portico_domain::access::{DataFilter, Level};
use portico_domain::ids::{AssignmentId, OrgId, OverrideId, RoleId, UserId};
use portico_services::records::*;
use portico_services::{Store, StoreError as SE};

both_backends!(
    unique_conflicts_name_their_constraint,
    |db: Db| async move {
        let s = &db.store;
        let c = db.ctx();
        let org = db.org("Acme", None).await;
        let r = db.role("custom.a", Level::Organization, &["a.view"]).await;
        let u = db.user("ann").await;
        let b = db.user("bob").await;
        db.assign(u.id, r.id, ScopeRef::Org(org.id)).await;
        let v = db.version().await;
        let e = unique(
            s.add_assignment(&c, assignment(u.id, r.id, ScopeRef::Org(org.id), None))
                .await,
        );
        assert_eq!(e, "role_assignments_unique");
        assert_eq!(kind_of(SE::Unique(e)), "already-assigned");
        // The same role at another scope is another assignment.
        db.assign(u.id, r.id, ScopeRef::Platform).await;

        s.add_override(
            &c,
            grant(u.id, "a.edit", ScopeRef::Org(org.id), OverrideEffect::Grant),
        )
        .await
        .unwrap();
        let e = unique(
            s.add_override(
                &c,
                grant(u.id, "a.edit", ScopeRef::Org(org.id), OverrideEffect::Grant),
            )
            .await,
        );
        assert_eq!(e, "permission_overrides_unique");
        assert_eq!(kind_of(SE::Unique(e)), "override-exists");
        // A denial of the same permission is a different override.
        s.add_override(
            &c,
            grant(u.id, "a.edit", ScopeRef::Org(org.id), OverrideEffect::Deny),
        )
        .await
        .unwrap();

        // Same name (any case, spaces trimmed) at the same level; the same key anywhere.
        let mut same_name = role("custom.b", Level::Organization, &[], false);
        same_name.name = format!("  {}  ", r.name.to_uppercase());
        let e = unique(s.create_role(&c, same_name.clone()).await);
        assert_eq!(e, "roles_name_key");
        assert_eq!(kind_of(SE::Unique(e)), "role-name-taken");
        same_name.level = Level::Platform;
        s.create_role(&c, same_name).await.unwrap();
        let mut same_key = role("custom.a", Level::Project, &[], false);
        same_key.name = "Something else".into();
        let e = unique(s.create_role(&c, same_key).await);
        assert_eq!(e, "roles_key_key");
        assert_eq!(kind_of(SE::Unique(e)), "role-name-taken");
        let e = unique(
            s.update_role(
                &c,
                db.role("custom.c", Level::Organization, &[]).await.id,
                None,
                RolePatch {
                    name: Some(r.name.clone()),
                    ..Default::default()
                },
            )
            .await,
        );
        assert_eq!(e, "roles_name_key");

        let rel = RelationshipRecord {
            org_id: org.id,
            relation: "mentor".into(),
            from_user_id: u.id,
            to_user_id: b.id,
            created_at: now(),
        };
        s.add_relationship(&c, rel.clone()).await.unwrap();
        let e = unique(s.add_relationship(&c, rel.clone()).await);
        assert_eq!(e, "relationships_pkey");
        assert_eq!(kind_of(SE::Unique(e)), "relationship-exists");

        // Existing constraints read the same on both backends.
        let mut dup = new_user("ann");
        dup.email = "other@example.com".into();
        dup.email_key = dup.email.clone();
        let e = unique(s.create_user(&c, dup).await);
        assert_eq!(e, "users_username_key");
        assert_eq!(kind_of(SE::Unique(e)), "username-taken");
        let mut dup = new_user("ann2");
        dup.email = "ann@example.com".into();
        dup.email_key = dup.email.clone();
        assert_eq!(unique(s.create_user(&c, dup).await), "users_email_key");
        let _ = v;
    }
);

both_backends!(unknown_targets_are_not_found, |db: Db| async move {
    let s = &db.store;
    let c = db.ctx();
    let org = db.org("Acme", None).await;
    let r = db.role("custom.a", Level::Organization, &[]).await;
    let u = db.user("ann").await;
    let nf = |e: SE| match e {
        SE::NotFound(w) => w,
        e => panic!("expected NotFound, got {e:?}"),
    };
    let e = s
        .add_assignment(
            &c,
            assignment(UserId::generate(), r.id, ScopeRef::Platform, None),
        )
        .await
        .unwrap_err();
    assert_eq!(nf(e), "user");
    let e = s
        .add_assignment(
            &c,
            assignment(u.id, RoleId::generate(), ScopeRef::Platform, None),
        )
        .await
        .unwrap_err();
    assert_eq!(nf(e), "role");
    let e = s
        .add_assignment(
            &c,
            assignment(u.id, r.id, ScopeRef::Org(OrgId::generate()), None),
        )
        .await
        .unwrap_err();
    assert_eq!(nf(e), "organization");
    let e = s
        .add_override(
            &c,
            grant(
                u.id,
                "a.view",
                ScopeRef::Org(OrgId::generate()),
                OverrideEffect::Grant,
            ),
        )
        .await
        .unwrap_err();
    assert_eq!(nf(e), "organization");
    let e = s
        .add_override(
            &c,
            grant(
                UserId::generate(),
                "a.view",
                ScopeRef::Platform,
                OverrideEffect::Grant,
            ),
        )
        .await
        .unwrap_err();
    assert_eq!(nf(e), "user");
    let e = s
        .set_filters(
            &c,
            UserId::generate(),
            vec![DataFilter::Tag {
                tags: vec!["x".into()],
            }],
        )
        .await
        .unwrap_err();
    assert_eq!(nf(e), "user");
    let e = s
        .remove_assignment(&c, u.id, AssignmentId::generate())
        .await
        .unwrap_err();
    assert_eq!(nf(e), "role assignment");
    let e = s
        .remove_override(&c, u.id, OverrideId::generate())
        .await
        .unwrap_err();
    assert_eq!(nf(e), "permission override");
    let rel = RelationshipRecord {
        org_id: org.id,
        relation: "manager".into(),
        from_user_id: u.id,
        to_user_id: db.admin.id,
        created_at: now(),
    };
    let e = s.remove_relationship(&c, rel.clone()).await.unwrap_err();
    assert_eq!(nf(e), "relationship");
    let e = s
        .add_relationship(
            &c,
            RelationshipRecord {
                org_id: OrgId::generate(),
                ..rel.clone()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(nf(e), "organization");
    let e = s
        .add_relationship(
            &c,
            RelationshipRecord {
                to_user_id: UserId::generate(),
                ..rel.clone()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(nf(e), "user");
    assert_eq!(db.count("role_assignments", "").await, 0);
    assert_eq!(db.count("permission_overrides", "").await, 0);
    assert_eq!(db.count("relationships", "").await, 0);
});

both_backends!(
    removing_another_users_grant_is_not_found,
    |db: Db| async move {
        let s = &db.store;
        let c = db.ctx();
        let org = db.org("Acme", None).await;
        let r = db.role("custom.a", Level::Organization, &[]).await;
        let u = db.user("ann").await;
        let other = db.user("bob").await;
        let a = db.assign(u.id, r.id, ScopeRef::Org(org.id)).await;
        let o = s
            .add_override(
                &c,
                grant(u.id, "a.view", ScopeRef::Platform, OverrideEffect::Grant),
            )
            .await
            .unwrap();
        let v = db.version().await;
        let e = s.remove_assignment(&c, other.id, a.id).await.unwrap_err();
        assert!(matches!(e, SE::NotFound("role assignment")), "{e:?}");
        let e = s.remove_override(&c, other.id, o.id).await.unwrap_err();
        assert!(matches!(e, SE::NotFound("permission override")), "{e:?}");
        assert_eq!(
            db.count("role_assignments", &format!("id = '{}'", a.id))
                .await,
            1
        );
        assert_eq!(
            db.count("permission_overrides", &format!("id = '{}'", o.id))
                .await,
            1
        );
        assert_eq!(db.version().await, v);
        let removed = s.remove_assignment(&c, u.id, a.id).await.unwrap();
        assert_eq!((removed.id, removed.scope), (a.id, ScopeRef::Org(org.id)));
        let removed = s.remove_override(&c, u.id, o.id).await.unwrap();
        assert_eq!(removed.permission, "a.view");
        assert_eq!(db.audits("assignment.remove").await, 1);
        assert_eq!(db.audits("override.remove").await, 1);
    }
);

both_backends!(
    platform_flag_follows_platform_assignments,
    |db: Db| async move {
        let s = &db.store;
        let c = db.ctx();
        let org = db.org("Acme", None).await;
        let p1 = db.role("custom.p1", Level::Platform, &[]).await;
        let p2 = db.role("custom.p2", Level::Platform, &[]).await;
        let o1 = db.role("custom.o1", Level::Organization, &[]).await;
        let u = db.user("ann").await;
        let flag = |id| async move { s.get_user(id).await.unwrap().unwrap().is_platform_admin };
        db.assign(u.id, o1.id, ScopeRef::Org(org.id)).await;
        assert!(
            !flag(u.id).await,
            "an organization role is not a platform role"
        );
        let a1 = db.assign(u.id, p1.id, ScopeRef::Platform).await;
        assert!(flag(u.id).await);
        let a2 = db.assign(u.id, p2.id, ScopeRef::Platform).await;
        s.remove_assignment(&c, u.id, a1.id).await.unwrap();
        assert!(flag(u.id).await, "still holds another platform role");
        s.remove_assignment(&c, u.id, a2.id).await.unwrap();
        assert!(!flag(u.id).await);
        assert_eq!(
            db.count("users", &format!("id = '{}' AND is_platform_admin", u.id))
                .await,
            0
        );
    }
);

both_backends!(relationships_list_and_between, |db: Db| async move {
    let s = &db.store;
    let c = db.ctx();
    let o1 = db.org("One", None).await;
    let o2 = db.org("Two", None).await;
    let m = db.user("manager").await;
    let e = db.user("employee").await;
    for (org, rel) in [(o1.id, "manager"), (o1.id, "mentor"), (o2.id, "manager")] {
        s.add_relationship(
            &c,
            RelationshipRecord {
                org_id: org,
                relation: rel.into(),
                from_user_id: m.id,
                to_user_id: e.id,
                created_at: now(),
            },
        )
        .await
        .unwrap();
    }
    let l = s.list_relationships(o1.id).await.unwrap();
    assert_eq!(
        l.iter().map(|r| r.relation.as_str()).collect::<Vec<_>>(),
        vec!["manager", "mentor"]
    );
    assert!(
        l.iter()
            .all(|r| r.from_user_id == m.id && r.to_user_id == e.id)
    );
    assert_eq!(s.relations_between(m.id, e.id).await.unwrap().len(), 3);
    assert!(s.relations_between(e.id, m.id).await.unwrap().is_empty());
    assert_eq!(db.audits("relationship.add").await, 3);
});

both_backends!(deleting_users_and_orgs_cascades, |db: Db| async move {
    let s = &db.store;
    let c = db.ctx();
    let keep = db.org("Keep", None).await;
    let gone = db.org("Gone", None).await;
    let sub = db.org("Gone Sub", Some(gone.id)).await;
    let r = db.role("custom.a", Level::Organization, &[]).await;
    let ann = db.user("ann").await;
    let bob = db.user("bob").await;
    for org in [keep.id, gone.id, sub.id] {
        db.assign(ann.id, r.id, ScopeRef::Org(org)).await;
        db.assign(bob.id, r.id, ScopeRef::Org(org)).await;
        s.add_override(
            &c,
            grant(ann.id, "a.view", ScopeRef::Org(org), OverrideEffect::Deny),
        )
        .await
        .unwrap();
    }
    s.set_filters(
        &c,
        bob.id,
        vec![DataFilter::Tag {
            tags: vec!["x".into()],
        }],
    )
    .await
    .unwrap();
    for org in [keep.id, gone.id] {
        s.add_relationship(
            &c,
            RelationshipRecord {
                org_id: org,
                relation: "manager".into(),
                from_user_id: ann.id,
                to_user_id: bob.id,
                created_at: now(),
            },
        )
        .await
        .unwrap();
    }
    // An internal member of the deleted organization, with a platform role.
    let p = db.role("custom.p", Level::Platform, &[]).await;
    let inner = db.member(sub.id, "inner").await;
    db.assign(inner.id, p.id, ScopeRef::Platform).await;

    s.delete_org(&c, gone.id).await.unwrap();
    let at = |org: OrgId| format!("org_id = '{org}'");
    for org in [gone.id, sub.id] {
        assert_eq!(db.count("role_assignments", &at(org)).await, 0);
        assert_eq!(db.count("permission_overrides", &at(org)).await, 0);
        assert_eq!(db.count("relationships", &at(org)).await, 0);
    }
    assert_eq!(db.count("role_assignments", &at(keep.id)).await, 2);
    assert_eq!(db.count("permission_overrides", &at(keep.id)).await, 1);
    assert_eq!(db.count("relationships", &at(keep.id)).await, 1);
    assert!(s.get_user(inner.id).await.unwrap().is_none());
    assert_eq!(
        db.count("role_assignments", &format!("user_id = '{}'", inner.id))
            .await,
        0
    );

    s.delete_user(&c, bob.id).await.unwrap();
    let of = |u: UserId| format!("user_id = '{u}'");
    assert_eq!(db.count("role_assignments", &of(bob.id)).await, 0);
    assert_eq!(db.count("data_filters", &of(bob.id)).await, 0);
    assert_eq!(db.count("relationships", "").await, 0);
    assert_eq!(db.count("role_assignments", &of(ann.id)).await, 1);
    s.delete_user(&c, ann.id).await.unwrap();
    assert_eq!(db.count("role_assignments", "").await, 0);
    assert_eq!(db.count("permission_overrides", "").await, 0);
    // The role is free again.
    s.delete_role(&c, r.id).await.unwrap();
});
