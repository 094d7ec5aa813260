//! The super-admin transfer, copying a user, impersonation sessions, API keys' new columns
//! and the IP allowlist.

use crate::both_backends;
use crate::helpers::*;
use portico_domain::ValidationError;
use portico_domain::access::{DataFilter, Level};
use portico_domain::ids::{ApiKeyId, SessionId, UserId};
use portico_domain::user::{MembershipKind, UserStatus};
use portico_services::records::*;
use portico_services::users::UserPatch;
use portico_services::{Store, StoreError as SE};

both_backends!(transfer_super_admin, |db: Db| async move {
    let s = &db.store;
    let c = db.ctx();
    let p = db.role("custom.p", Level::Platform, &[]).await;
    let plain = db.user("plain").await;
    let next = db.user("next").await;
    db.assign(next.id, p.id, ScopeRef::Platform).await;
    let v = db.version().await;
    // Refused: the target holds no platform role.
    let e = s
        .transfer_super_admin(&c, db.admin.id, plain.id)
        .await
        .unwrap_err();
    match e {
        SE::Rule(ValidationError { field, message }) => {
            assert_eq!(field, "user");
            assert!(
                message.contains("active platform administrator"),
                "{message}"
            );
        }
        e => panic!("{e:?}"),
    }
    // Refused: a blocked platform admin.
    s.set_user_status(&c, next.id, UserStatus::Blocked)
        .await
        .unwrap();
    let e = s
        .transfer_super_admin(&c, db.admin.id, next.id)
        .await
        .unwrap_err();
    assert!(matches!(e, SE::Rule(_)), "{e:?}");
    s.set_user_status(&c, next.id, UserStatus::Active)
        .await
        .unwrap();
    // Refused: not the super admin handing over; unknown target.
    let e = s
        .transfer_super_admin(&c, plain.id, next.id)
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            SE::Conflict {
                kind: "not-super-admin",
                ..
            }
        ),
        "{e:?}"
    );
    let e = s
        .transfer_super_admin(&c, db.admin.id, UserId::generate())
        .await
        .unwrap_err();
    assert!(matches!(e, SE::NotFound("user")), "{e:?}");
    assert_eq!(s.super_admin().await.unwrap().unwrap().id, db.admin.id);
    assert_eq!(db.version().await, v);
    assert_eq!(db.audits("super_admin.transfer").await, 0);

    s.transfer_super_admin(&c, db.admin.id, next.id)
        .await
        .unwrap();
    assert_eq!(s.super_admin().await.unwrap().unwrap().id, next.id);
    assert!(
        !s.get_user(db.admin.id)
            .await
            .unwrap()
            .unwrap()
            .is_super_admin
    );
    assert_eq!(db.count("users", "is_super_admin").await, 1);
    assert_eq!(s.load_access().await.unwrap().super_admin, Some(next.id));
    assert_eq!(db.version().await, v + 1);
    assert_eq!(db.audits("super_admin.transfer").await, 1);
    assert_eq!(
        db.count(
            "audit_events",
            &format!(
                "action = 'super_admin.transfer' AND subject_user_id = '{}'",
                next.id
            )
        )
        .await,
        1
    );
});

both_backends!(copy_user_copies_access, |db: Db| async move {
    let s = &db.store;
    let c = db.ctx();
    let home = db.org("Home", None).await;
    let other = db.org("Other", None).await;
    let src = db.member(home.id, "source").await;
    // An external membership elsewhere: add_member with a known email.
    s.add_member(
        &c,
        other.id,
        NewMember {
            user: new_user("source"),
            username_fallbacks: vec![],
            welcome: None,
            applications: None,
        },
    )
    .await
    .unwrap();
    let r = db.role("custom.a", Level::Organization, &[]).await;
    let p = db.role("custom.p", Level::Platform, &[]).await;
    let exp = now().plus_secs(60);
    s.add_assignment(
        &c,
        assignment(src.id, r.id, ScopeRef::Org(home.id), Some(exp)),
    )
    .await
    .unwrap();
    db.assign(src.id, p.id, ScopeRef::Platform).await;
    s.add_override(
        &c,
        grant(
            src.id,
            "x.view",
            ScopeRef::Org(other.id),
            OverrideEffect::Deny,
        ),
    )
    .await
    .unwrap();
    let filters = vec![
        DataFilter::Tag {
            tags: vec!["b".into()],
        },
        DataFilter::Tag {
            tags: vec!["a".into()],
        },
    ];
    s.set_filters(&c, src.id, filters.clone()).await.unwrap();

    let v = db.version().await;
    let copy = s
        .copy_user(&c, src.id, new_user("copy"), true)
        .await
        .unwrap();
    assert_eq!(db.version().await, v + 1);
    assert_eq!(copy.home_org_id, Some(home.id));
    assert!(copy.is_platform_admin);
    assert!(!copy.is_super_admin);
    let mut ms: Vec<_> = s
        .user_memberships(copy.id)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.org.id, m.kind.as_str()))
        .collect();
    ms.sort();
    let mut want = vec![
        (home.id, MembershipKind::Internal.as_str()),
        (other.id, MembershipKind::External.as_str()),
    ];
    want.sort();
    assert_eq!(ms, want);
    let data = s.load_access().await.unwrap();
    let mine: Vec<_> = data
        .assignments
        .iter()
        .filter(|a| a.user_id == copy.id)
        .collect();
    assert_eq!(mine.len(), 2);
    let theirs: Vec<_> = data
        .assignments
        .iter()
        .filter(|a| a.user_id == src.id)
        .collect();
    assert!(
        mine.iter().all(|a| theirs.iter().all(|t| t.id != a.id)),
        "fresh ids"
    );
    assert!(mine.iter().all(|a| a.created_by == Some(db.admin.id)));
    let org_one = mine
        .iter()
        .find(|a| a.scope == ScopeRef::Org(home.id))
        .unwrap();
    assert_eq!((org_one.role_id, org_one.expires_at), (r.id, Some(exp)));
    assert!(
        mine.iter()
            .any(|a| a.scope == ScopeRef::Platform && a.role_id == p.id)
    );
    let ov: Vec<_> = data
        .overrides
        .iter()
        .filter(|o| o.user_id == copy.id)
        .collect();
    assert_eq!(ov.len(), 1);
    assert_eq!(
        (ov[0].effect, ov[0].permission.as_str(), ov[0].scope),
        (OverrideEffect::Deny, "x.view", ScopeRef::Org(other.id))
    );
    let f: Vec<_> = data
        .filters
        .iter()
        .filter(|(u, _)| *u == copy.id)
        .map(|(_, f)| f.clone())
        .collect();
    assert_eq!(f, filters);
    // Found by search like any created user.
    let found = s
        .search_users(
            Some(&["copy".to_string()]),
            &portico_domain::page::PageRequest::first(10),
            &UserReach::everyone(),
        )
        .await
        .unwrap();
    assert_eq!(
        found.items.iter().map(|u| u.id).collect::<Vec<_>>(),
        vec![copy.id]
    );
    assert_eq!(db.audits("user.copy").await, 1);

    // Without filters.
    let bare = s
        .copy_user(&c, src.id, new_user("bare"), false)
        .await
        .unwrap();
    assert_eq!(
        db.count("data_filters", &format!("user_id = '{}'", bare.id))
            .await,
        0
    );
    assert_eq!(
        db.count("role_assignments", &format!("user_id = '{}'", bare.id))
            .await,
        2
    );

    // A duplicate email: nothing is inserted.
    let users = db.count("users", "").await;
    let counts = (
        db.count("memberships", "").await,
        db.count("role_assignments", "").await,
        db.count("permission_overrides", "").await,
        db.count("data_filters", "").await,
    );
    let v = db.version().await;
    let mut dup = new_user("dup");
    dup.email = "copy@example.com".into();
    dup.email_key = dup.email.clone();
    let e = s.copy_user(&c, src.id, dup, true).await.unwrap_err();
    assert_eq!(unique(Err::<(), _>(e)), "users_email_key");
    assert_eq!(db.count("users", "").await, users);
    assert_eq!(
        counts,
        (
            db.count("memberships", "").await,
            db.count("role_assignments", "").await,
            db.count("permission_overrides", "").await,
            db.count("data_filters", "").await,
        )
    );
    assert_eq!(db.version().await, v);
    let e = s
        .copy_user(&c, UserId::generate(), new_user("orphan"), true)
        .await
        .unwrap_err();
    assert!(matches!(e, SE::NotFound("user")), "{e:?}");
});

fn session(user: UserId, impersonator: Option<UserId>, token: &str) -> SessionRecord {
    let at = now();
    SessionRecord {
        id: SessionId::generate(),
        token_hash: token.into(),
        user_id: user,
        csrf_token: "csrf".into(),
        created_at: at,
        last_seen_at: at,
        expires_at: at.plus_secs(900),
        ip: Some("127.0.0.1".into()),
        user_agent: None,
        impersonator_id: impersonator,
        impersonation_reason: impersonator.map(|_| "ticket 42".into()),
        idle_secs: Some(600),
    }
}

both_backends!(impersonation_sessions, |db: Db| async move {
    let s = &db.store;
    let c = db.ctx();
    let u = db.user("ann").await;
    s.start_impersonation(
        &c,
        session(u.id, Some(db.admin.id), "imp-token"),
        "ticket 42",
    )
    .await
    .unwrap();
    let (sess, user) = s.get_session("imp-token").await.unwrap().unwrap();
    assert_eq!(user.id, u.id);
    assert_eq!(sess.impersonator_id, Some(db.admin.id));
    assert_eq!(sess.impersonation_reason.as_deref(), Some("ticket 42"));
    assert_eq!(
        db.count(
            "audit_events",
            &format!(
                "action = 'impersonation.start' AND subject_user_id = '{}' AND actor_user_id = '{}'",
                u.id, db.admin.id
            )
        )
        .await,
        1
    );
    s.end_impersonation(&c, "imp-token").await.unwrap();
    assert!(s.get_session("imp-token").await.unwrap().is_none());
    assert_eq!(
        db.count(
            "audit_events",
            &format!(
                "action = 'impersonation.end' AND subject_user_id = '{}'",
                u.id
            )
        )
        .await,
        1
    );
    // Ending twice is a no-op.
    s.end_impersonation(&c, "imp-token").await.unwrap();
    assert_eq!(db.audits("impersonation.end").await, 1);
    // A plain login session reads no impersonator.
    s.record_login(
        &c,
        u.id,
        session(u.id, None, "plain-token"),
        LoginThrottleKeys {
            account: "acct".into(),
            address: None,
            second_factor: format!("mfa:{}", u.id),
        },
    )
    .await
    .unwrap();
    let (sess, _) = s.get_session("plain-token").await.unwrap().unwrap();
    assert_eq!(sess.impersonator_id, None);
    // Deleting the administrator ends the sessions they opened as others.
    let admin2 = db.user("admin2").await;
    s.start_impersonation(&c, session(u.id, Some(admin2.id), "imp-2"), "x")
        .await
        .unwrap();
    s.delete_user(&c, admin2.id).await.unwrap();
    assert!(s.get_session("imp-2").await.unwrap().is_none());
    assert!(s.get_session("plain-token").await.unwrap().is_some());
    let e = s
        .start_impersonation(
            &c,
            session(UserId::generate(), Some(db.admin.id), "imp-3"),
            "x",
        )
        .await
        .unwrap_err();
    assert!(matches!(e, SE::NotFound("user")), "{e:?}");
});

both_backends!(api_keys_store_their_limits, |db: Db| async move {
    let s = &db.store;
    let c = db.ctx();
    let org = db.org("Acme", None).await;
    let key = |perms: Option<Vec<String>>, org_id, ip: Option<&str>| ApiKeyRecord {
        id: ApiKeyId::generate(),
        user_id: db.admin.id,
        name: "k".into(),
        secret_hash: "h".into(),
        created_at: now(),
        expires_at: None,
        last_used_at: None,
        revoked_at: None,
        permissions: perms,
        org_id,
        ip_allowlist: ip.map(str::to_owned),
    };
    let limited = key(
        Some(vec!["users.view".into(), "orgs.view".into()]),
        Some(org.id),
        Some("10.0.0.0/8"),
    );
    let open = key(None, None, None);
    s.create_api_key(&c, limited.clone()).await.unwrap();
    s.create_api_key(&c, open.clone()).await.unwrap();
    let (k, _) = s.get_api_key(limited.id).await.unwrap().unwrap();
    assert_eq!(
        k.permissions,
        Some(vec!["users.view".to_string(), "orgs.view".to_string()])
    );
    assert_eq!(k.org_id, Some(org.id));
    assert_eq!(k.ip_allowlist.as_deref(), Some("10.0.0.0/8"));
    let (k, _) = s.get_api_key(open.id).await.unwrap().unwrap();
    assert_eq!(
        (k.permissions, k.org_id, k.ip_allowlist),
        (None, None, None)
    );
    assert_eq!(s.list_api_keys(Some(db.admin.id)).await.unwrap().len(), 2);
    // Keys limited to a deleted organization are revoked with it.
    s.delete_org(&c, org.id).await.unwrap();
    let (k, _) = s.get_api_key(limited.id).await.unwrap().unwrap();
    assert!(k.revoked_at.is_some());
    let (k, _) = s.get_api_key(open.id).await.unwrap().unwrap();
    assert!(k.revoked_at.is_none());
});

both_backends!(update_user_sets_the_ip_allowlist, |db: Db| async move {
    let s = &db.store;
    let c = db.ctx();
    let u = db.user("ann").await;
    let patch = |v: Option<Option<String>>| UserPatch {
        ip_allowlist: v,
        ..Default::default()
    };
    let up = s
        .update_user(
            &c,
            u.id,
            Some(u.version),
            patch(Some(Some("192.168.0.0/16".into()))),
        )
        .await
        .unwrap();
    assert_eq!(up.ip_allowlist.as_deref(), Some("192.168.0.0/16"));
    let same = s.update_user(&c, u.id, None, patch(None)).await.unwrap();
    assert_eq!(same.ip_allowlist.as_deref(), Some("192.168.0.0/16"));
    let cleared = s
        .update_user(&c, u.id, None, patch(Some(None)))
        .await
        .unwrap();
    assert_eq!(cleared.ip_allowlist, None);
    assert_eq!(
        db.count(
            "audit_events",
            "action = 'user.update' AND changes LIKE '%ip_allowlist%' AND pii IS NULL"
        )
        .await,
        2
    );
});
