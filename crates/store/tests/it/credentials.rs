//! U8's tokens and second factor under concurrency: a link works once even when two requests
//! race with it, and a TOTP step is accepted once.

use crate::both_backends;
use crate::helpers::*;
use portico_domain::credential::TokenPurpose;
use portico_domain::user::UserStatus;
use portico_services::records::*;
use portico_services::{Store, StoreError as SE};
use std::sync::Arc;

both_backends!(a_link_works_once_under_a_race, |db: Db| async move {
    let org = db.org("Acme", None).await;
    let mut invited = new_user("newbie");
    invited.status = UserStatus::Invited;
    let (u, _) = db
        .store
        .add_member(
            &db.ctx(),
            org.id,
            NewMember {
                user: invited,
                username_fallbacks: vec![],
                welcome: None,
                applications: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(u.status, UserStatus::Invited);
    let now = now();
    let token = TokenInsert {
        token_hash: "h1".into(),
        user_id: u.id,
        purpose: TokenPurpose::Welcome,
        created_at: now,
        expires_at: now.plus_secs(3600),
    };
    db.store
        .issue_token(&db.ctx(), token, None, None)
        .await
        .unwrap();
    let store = Arc::new(db.store);
    let mut tasks = Vec::new();
    for i in 0..8 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            s.redeem_token(
                &ctx(),
                "h1",
                TokenPurpose::Welcome,
                Some(format!("hash-{i}")),
            )
            .await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(u) => {
                ok += 1;
                assert_eq!(u.status, UserStatus::Active, "the welcome link activates");
            }
            Err(SE::Conflict { kind, .. }) => assert_eq!(kind, "link-used"),
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(ok, 1, "exactly one request used the link");
    let rec = store.credential_token("h1").await.unwrap().unwrap();
    assert!(rec.used_at.is_some());
    // The wrong purpose is not this link; an unknown hash is not a link.
    let e = store
        .redeem_token(&ctx(), "h1", TokenPurpose::Reset, None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            SE::Conflict {
                kind: "link-invalid",
                ..
            }
        ),
        "{e}"
    );
});

both_backends!(
    expired_and_replaced_links_are_refused,
    |db: Db| async move {
        let org = db.org("Acme", None).await;
        let u = db.member(org.id, "late").await;
        let t0 = now();
        let mk = |h: &str, at: portico_domain::Timestamp| TokenInsert {
            token_hash: h.into(),
            user_id: u.id,
            purpose: TokenPurpose::Reset,
            created_at: at,
            expires_at: at.plus_secs(60),
        };
        db.store
            .issue_token(&db.ctx(), mk("old", t0), None, None)
            .await
            .unwrap();
        // A newer link of the same purpose replaces the older one.
        db.store
            .issue_token(&db.ctx(), mk("new", t0), None, None)
            .await
            .unwrap();
        assert!(db.store.credential_token("old").await.unwrap().is_none());
        let mut late = ctx();
        late.at = t0.plus_secs(61);
        let e = db
            .store
            .redeem_token(&late, "new", TokenPurpose::Reset, Some("x".into()))
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                SE::Conflict {
                    kind: "link-expired",
                    ..
                }
            ),
            "{e}"
        );
    }
);

both_backends!(a_totp_step_is_accepted_once, |db: Db| async move {
    let org = db.org("Acme", None).await;
    let u = db.member(org.id, "otp").await;
    db.store
        .mfa_begin(&db.ctx(), u.id, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP".into())
        .await
        .unwrap();
    assert!(
        !db.store.mfa_accept_step(u.id, 5).await.unwrap(),
        "not before confirmation"
    );
    db.store
        .mfa_confirm(&db.ctx(), u.id, 10, None)
        .await
        .unwrap();
    let e = db
        .store
        .mfa_begin(&db.ctx(), u.id, "X".into())
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        SE::Conflict {
            kind: "mfa-already-enabled",
            ..
        }
    ));
    assert!(
        !db.store.mfa_accept_step(u.id, 10).await.unwrap(),
        "the confirming step is used"
    );
    let store = Arc::new(db.store);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            s.mfa_accept_step(u.id, 11).await.unwrap()
        }));
    }
    let mut accepted = 0;
    for t in tasks {
        accepted += t.await.unwrap() as u32;
    }
    assert_eq!(accepted, 1, "one of eight parallel uses of a code wins");
    assert!(
        !store.mfa_accept_step(u.id, 9).await.unwrap(),
        "older steps too"
    );
    assert!(store.mfa_remove(&ctx(), u.id, None).await.unwrap());
    assert!(store.mfa(u.id).await.unwrap().is_none());
});
