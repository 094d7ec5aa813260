//! P5: lists filtered by what the viewer may see (users, organizations, audit entries).

use crate::both_backends;
use crate::helpers::*;
use portico_domain::access::Level;
use portico_domain::ids::{OrgId, UserId};
use portico_domain::page::PageRequest;
use portico_services::Store;
use portico_services::records::*;

fn ids(p: &[UserRecord]) -> Vec<UserId> {
    p.iter().map(|u| u.id).collect()
}

/// 9,999 organizations that do not exist, and `real`.
fn many(real: &[OrgId]) -> Vec<OrgId> {
    let mut v: Vec<OrgId> = (0..10_000 - real.len())
        .map(|_| OrgId::generate())
        .collect();
    v.extend_from_slice(real);
    v
}

both_backends!(search_users_within_reach, |db: Db| async move {
    let s = &db.store;
    let a = db.org("Alpha", None).await;
    let b = db.org("Beta", None).await;
    // Created in this order, listed newest first.
    let a1 = db.member(a.id, "alice").await;
    let a2 = db.member(a.id, "albert").await;
    let b1 = db.member(b.id, "bruno").await;
    let outsider = db.user("alfred").await;
    let p = db.role("custom.p", Level::Platform, &[]).await;
    db.assign(a2.id, p.id, ScopeRef::Platform).await;
    let page = PageRequest::first(50);
    let reach = |orgs, hide| UserReach {
        orgs,
        hide_administrators: hide,
    };

    let all = s
        .search_users(None, &page, &UserReach::everyone())
        .await
        .unwrap();
    assert_eq!(
        ids(&all.items),
        vec![outsider.id, b1.id, a2.id, a1.id, db.admin.id]
    );
    let only_a = reach(Reach::Orgs(vec![a.id]), false);
    let r = s.search_users(None, &page, &only_a).await.unwrap();
    assert_eq!(ids(&r.items), vec![a2.id, a1.id]);
    let r = s
        .search_users(None, &page, &reach(Reach::Orgs(vec![]), false))
        .await
        .unwrap();
    assert!(r.items.is_empty() && r.next.is_none());
    let r = s
        .search_users(None, &page, &reach(Reach::All, true))
        .await
        .unwrap();
    assert_eq!(
        ids(&r.items),
        vec![outsider.id, b1.id, a1.id],
        "no administrators"
    );
    let r = s
        .search_users(None, &page, &reach(Reach::Orgs(vec![a.id, b.id]), true))
        .await
        .unwrap();
    assert_eq!(ids(&r.items), vec![b1.id, a1.id]);

    // Full-text search within reach: "al" matches alice, albert, alfred.
    let al = vec!["al".to_string()];
    let r = s
        .search_users(Some(&al), &page, &UserReach::everyone())
        .await
        .unwrap();
    assert_eq!(ids(&r.items), vec![outsider.id, a2.id, a1.id]);
    let r = s.search_users(Some(&al), &page, &only_a).await.unwrap();
    assert_eq!(ids(&r.items), vec![a2.id, a1.id]);
    let r = s
        .search_users(Some(&al), &page, &reach(Reach::Orgs(vec![a.id]), true))
        .await
        .unwrap();
    assert_eq!(ids(&r.items), vec![a1.id]);
    let r = s
        .search_users(Some(&al), &page, &reach(Reach::Orgs(vec![]), false))
        .await
        .unwrap();
    assert!(r.items.is_empty());

    // Keyset paging stays intact, with and without terms.
    for terms in [None, Some(al.as_slice())] {
        let mut seen = vec![];
        let mut req = PageRequest::first(1);
        loop {
            let r = s.search_users(terms, &req, &only_a).await.unwrap();
            seen.extend(ids(&r.items));
            match r.next {
                Some(n) => req.after = Some(n),
                None => break,
            }
        }
        assert_eq!(seen, vec![a2.id, a1.id], "{terms:?}");
    }

    // Ten thousand organizations in the reach are bound as parameters.
    let wide = reach(Reach::Orgs(many(&[b.id])), false);
    let r = s.search_users(None, &page, &wide).await.unwrap();
    assert_eq!(ids(&r.items), vec![b1.id]);
    let r = s
        .search_users(Some(&["bru".to_string()]), &page, &wide)
        .await
        .unwrap();
    assert_eq!(ids(&r.items), vec![b1.id]);
});

both_backends!(list_orgs_within_reach, |db: Db| async move {
    let s = &db.store;
    let a = db.org("Alpha", None).await;
    let b = db.org("Beta", None).await;
    let c = db.org("Gamma", Some(a.id)).await;
    let page = PageRequest::first(50);
    let names = |p: Vec<OrgRecord>| p.into_iter().map(|o| o.name).collect::<Vec<_>>();
    let all = s
        .list_orgs(&OrgFilter::default(), &page, &Reach::All)
        .await
        .unwrap();
    assert_eq!(names(all.items), vec!["Alpha", "Beta", "Gamma"]);
    let r = s
        .list_orgs(&OrgFilter::default(), &page, &Reach::Orgs(vec![c.id, b.id]))
        .await
        .unwrap();
    assert_eq!(names(r.items), vec!["Beta", "Gamma"]);
    let r = s
        .list_orgs(&OrgFilter::default(), &page, &Reach::Orgs(vec![]))
        .await
        .unwrap();
    assert!(r.items.is_empty());
    let children = OrgFilter {
        parent: Some(Some(a.id)),
        ..Default::default()
    };
    let r = s
        .list_orgs(&children, &page, &Reach::Orgs(vec![b.id]))
        .await
        .unwrap();
    assert!(r.items.is_empty());
    let r = s
        .list_orgs(
            &OrgFilter::default(),
            &page,
            &Reach::Orgs(many(&[a.id, c.id])),
        )
        .await
        .unwrap();
    assert_eq!(names(r.items), vec!["Alpha", "Gamma"]);
    // Paging within reach.
    let r = s
        .list_orgs(
            &OrgFilter::default(),
            &PageRequest::first(1),
            &Reach::Orgs(vec![a.id, c.id]),
        )
        .await
        .unwrap();
    assert_eq!(names(r.items), vec!["Alpha"]);
    let r = s
        .list_orgs(
            &OrgFilter::default(),
            &PageRequest {
                limit: 1,
                after: r.next,
            },
            &Reach::Orgs(vec![a.id, c.id]),
        )
        .await
        .unwrap();
    assert_eq!(names(r.items), vec!["Gamma"]);
    assert!(r.next.is_none());
});

both_backends!(list_audit_within_reach, |db: Db| async move {
    let s = &db.store;
    let a = db.org("Alpha", None).await;
    let b = db.org("Beta", None).await;
    db.member(a.id, "alice").await;
    db.member(b.id, "bruno").await;
    let page = PageRequest::first(200);
    let all = s
        .list_audit(&AuditFilter::default(), &page, &Reach::All)
        .await
        .unwrap();
    assert!(all.items.iter().any(|e| e.org_id.is_none()));
    let r = s
        .list_audit(&AuditFilter::default(), &page, &Reach::Orgs(vec![a.id]))
        .await
        .unwrap();
    assert!(!r.items.is_empty());
    let a_id = a.id.to_string();
    assert!(
        r.items
            .iter()
            .all(|e| e.org_id.as_deref() == Some(a_id.as_str()))
    );
    assert_eq!(
        r.items.len(),
        all.items
            .iter()
            .filter(|e| e.org_id.as_deref() == Some(a_id.as_str()))
            .count()
    );
    let r = s
        .list_audit(&AuditFilter::default(), &page, &Reach::Orgs(vec![]))
        .await
        .unwrap();
    assert!(r.items.is_empty());
    let r = s
        .list_audit(
            &AuditFilter {
                action_prefix: Some("member.".into()),
                ..Default::default()
            },
            &page,
            &Reach::Orgs(many(&[b.id])),
        )
        .await
        .unwrap();
    assert_eq!(r.items.len(), 1);
    assert_eq!(
        r.items[0].org_id.as_deref(),
        Some(b.id.to_string().as_str())
    );
});
