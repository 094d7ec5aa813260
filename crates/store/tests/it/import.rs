//! The bulk import's write path: thousands of rows in one transaction, chunked multi-row
//! inserts built on a second thread. A conflict in a later chunk must leave nothing behind,
//! and the connection must stay usable.

use crate::helpers::*;
use portico_domain::Timestamp;
use portico_domain::credential::TokenPurpose;
use portico_domain::ids::{EmailId, OrgId};
use portico_domain::outbox::{EmailStatus, EmailTemplateKey};
use portico_domain::page::PageRequest;
use portico_domain::user::{MembershipKind, UserStatus};
use portico_services::email::records::{DeferredEmail, OutboxBody, OutboxInsert};
use portico_services::import::{ImportChunk, ImportMember, ImportStore, ImportWrite};
use portico_services::records::*;
use portico_services::{Store, StoreError};
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};

fn welcome(u: &NewUser, at: Timestamp) -> WelcomeRows {
    WelcomeRows {
        token: TokenInsert {
            token_hash: format!("hash-{}", u.id),
            user_id: u.id,
            purpose: TokenPurpose::Welcome,
            created_at: at,
            expires_at: Timestamp(at.millis() + 3_600_000),
        },
        email: OutboxInsert {
            id: EmailId::generate(),
            to_address: u.email.clone(),
            to_user_id: Some(u.id),
            body: OutboxBody::Deferred(DeferredEmail {
                template: EmailTemplateKey::Welcome,
                language: None,
                vars: json!({ "username": u.username }),
            }),
            status: EmailStatus::Queued,
            created_at: at,
        },
        email_for_fallback: Vec::new(),
    }
}

/// `n` new users for `org`, plus the given known users as external members.
fn write(org: OrgId, names: &[String], external: &[&UserRecord]) -> ImportWrite {
    write_of(org, chunk(names, external))
}

/// The chunk's rows as one import into `org`.
fn write_of(org: OrgId, chunk: ImportChunk) -> ImportWrite {
    let rows = chunk.members.len() as u64;
    ImportWrite {
        org,
        chunks: Box::new(std::iter::once(chunk)),
        rows,
        app_seats: 0,
        office_seats: 0,
        summary: json!({ "rows": rows }),
    }
}

/// New users with the given usernames, then the known users as external members.
fn chunk(names: &[String], external: &[&UserRecord]) -> ImportChunk {
    let at = now();
    let mut new_users = Vec::new();
    let mut members = Vec::new();
    for name in names {
        let mut u = new_user(name);
        u.status = UserStatus::Invited;
        members.push(ImportMember {
            user: u.id,
            kind: MembershipKind::Internal,
            applications: Vec::new(),
            assignment: None,
        });
        let w = welcome(&u, at);
        new_users.push((u, w));
    }
    for u in external {
        members.push(ImportMember {
            user: u.id,
            kind: MembershipKind::External,
            applications: Vec::new(),
            assignment: None,
        });
    }
    ImportChunk { new_users, members }
}

crate::both_backends!(
    a_conflict_in_a_later_chunk_leaves_nothing_and_the_store_keeps_working,
    |db: Db| async move {
        let org = db.org("Acme", None).await;
        let known = db.user("known").await;
        let before_users = db.count("users", "").await;
        let before_audit = db.count("audit_events", "").await;
        let head = db.int("SELECT seq FROM audit_head WHERE id = 1").await;
        // 1,500 new people; the 1,400th has the known user's username (a unique index), so
        // the first chunk of 1,000 is written before the second one fails.
        let mut names: Vec<String> = (0..1500).map(|i| format!("imp{i}")).collect();
        names[1399] = "known".into();
        let mut c = chunk(&names, &[]);
        c.new_users[1399].0.email = "other@example.com".into();
        c.new_users[1399].0.email_key = "other@example.com".into();
        let w = write_of(org.id, c);
        let seen = AtomicU64::new(0);
        let err = db
            .store
            .import_members(&db.ctx(), w, &|n| seen.store(n, Ordering::SeqCst))
            .await
            .expect_err("a taken username refuses the import");
        assert!(matches!(err, StoreError::Unique(_)), "{err:?}");
        assert_eq!(
            seen.load(Ordering::SeqCst),
            1000,
            "the first chunk was written"
        );
        assert_eq!(db.count("users", "").await, before_users);
        assert_eq!(db.count("memberships", "").await, 0);
        assert_eq!(db.count("credential_tokens", "").await, 0);
        assert_eq!(db.count("email_outbox", "").await, 0);
        assert_eq!(db.count("audit_events", "").await, before_audit);
        assert_eq!(
            db.int("SELECT seq FROM audit_head WHERE id = 1").await,
            head
        );

        // The failed import deferred the search index (SQLite) and took that back with the
        // rest: a person added now is found at once.
        db.user("lonely").await;
        assert_eq!(found(&db, "lonel").await, vec!["lonely"]);
        assert!(found(&db, "imp1").await.is_empty(), "nothing of the import");

        // The same store (and its connections) imports a clean file afterwards.
        let names: Vec<String> = (0..1200).map(|i| format!("ok{i}")).collect();
        db.store
            .import_members(&db.ctx(), write(org.id, &names, &[&known]), &|_| {})
            .await
            .expect("a clean import");
        assert_eq!(
            db.count("memberships", &format!("org_id = '{}'", org.id))
                .await,
            1201
        );
        assert_eq!(
            db.count(
                "memberships",
                &format!("kind = 'external' AND user_id = '{}'", known.id)
            )
            .await,
            1
        );
        // Each membership carries its user's sequence number (read by INSERT … SELECT).
        assert_eq!(
            db.count(
                "memberships m JOIN users u ON u.id = m.user_id",
                "m.user_seq <> u.seq"
            )
            .await,
            0
        );
        // One entry per new user (and for admin, known and lonely), one per known user, one
        // for the import, chained.
        assert_eq!(db.audits("user.create").await, 1200 + 3);
        assert_eq!(db.audits("member.add").await, 1);
        assert_eq!(db.audits("member.import").await, 1);
        let seq = db.int("SELECT MAX(seq) FROM audit_events").await;
        assert_eq!(db.int("SELECT seq FROM audit_head WHERE id = 1").await, seq);
        assert_eq!(
            db.count(
                "audit_events a JOIN audit_events b ON b.seq = a.seq + 1",
                "b.prev_hash <> a.hash"
            )
            .await,
            0
        );
        // Every imported person is in the search index, once, found by a word prefix.
        assert_eq!(found(&db, "ok1199").await, vec!["ok1199"]);
        assert_eq!(found(&db, "ok119").await.len(), 11);
        if db.backend == Backend::Sqlite {
            assert_eq!(db.count("users_fts", "").await, db.count("users", "").await);
        }
        // And an ordinary write still works on the same pool, and is indexed.
        db.user("after").await;
        assert_eq!(found(&db, "after").await, vec!["after"]);
    }
);

/// The usernames a search for `q` finds (U11's word prefixes), sorted.
async fn found(db: &Db, q: &str) -> Vec<String> {
    let terms = vec![q.to_string()];
    let page = PageRequest::first(200);
    let mut names: Vec<String> = db
        .store
        .search_users(Some(&terms), &page, &UserReach::everyone())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|u| u.username)
        .collect();
    names.sort();
    names
}

crate::both_backends!(rows_that_never_arrive_leave_nothing, |db: Db| async move {
    // The service plans rows on a thread of its own; if that thread dies, the chunks end
    // before the count it announced and the store must not commit the part it got.
    let org = db.org("Acme", None).await;
    let before_users = db.count("users", "").await;
    let before_audit = db.count("audit_events", "").await;
    let names: Vec<String> = (0..1200).map(|i| format!("cut{i}")).collect();
    let mut w = write(org.id, &names, &[]);
    w.rows += 1;
    let err = db
        .store
        .import_members(&db.ctx(), w, &|_| {})
        .await
        .expect_err("fewer rows than announced");
    assert!(matches!(err, StoreError::Backend(_)), "{err:?}");
    assert_eq!(db.count("users", "").await, before_users);
    assert_eq!(db.count("memberships", "").await, 0);
    assert_eq!(db.count("audit_events", "").await, before_audit);
    // A person added now is found at once: the search index is not left deferred.
    db.user("after").await;
    assert_eq!(found(&db, "after").await, vec!["after"]);
});
