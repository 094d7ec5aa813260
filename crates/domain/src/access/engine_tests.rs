use super::*;
use crate::access::{Catalog, presets};

/// 0 ─┬─ 1 ── 3
///    └─ 2
/// 4 (a second top-level organization)
fn tree() -> OrgTree {
    let k = |i| Some(OrgKey(i));
    OrgTree::new(vec![None, k(0), k(0), k(1), None]).unwrap()
}

struct Fixture {
    c: Catalog,
    roles: Vec<Role>,
}

impl Fixture {
    fn new() -> Self {
        let c = Catalog::portico();
        let roles = presets::preset("lms", &c).unwrap();
        Self { c, roles }
    }
    fn role(&self, key: &str) -> RoleKey {
        RoleKey(self.roles.iter().position(|r| r.key == key).unwrap() as u32)
    }
    fn p(&self, key: &str) -> PermIx {
        self.c.index_of(key).unwrap()
    }
}

const U: UserKey = UserKey(0);

#[test]
fn tree_numbering_and_cycles() {
    let t = tree();
    assert!(t.is_ancestor_or_self(OrgKey(0), OrgKey(3)));
    assert!(t.is_ancestor_or_self(OrgKey(3), OrgKey(3)));
    assert!(!t.is_ancestor_or_self(OrgKey(3), OrgKey(1)));
    assert!(!t.is_ancestor_or_self(OrgKey(2), OrgKey(3)));
    assert!(!t.is_ancestor_or_self(OrgKey(0), OrgKey(4)));
    assert!(!t.is_ancestor_or_self(OrgKey(9), OrgKey(0)));
    assert_eq!(
        t.chain(OrgKey(3)).collect::<Vec<_>>(),
        vec![OrgKey(3), OrgKey(1), OrgKey(0)]
    );
    let k = |i| Some(OrgKey(i));
    assert_eq!(
        OrgTree::new(vec![k(1), k(0)]).unwrap_err(),
        AccessError::Cycle(0)
    );
    assert_eq!(OrgTree::new(vec![k(0)]).unwrap_err(), AccessError::Cycle(0));
    assert_eq!(
        OrgTree::new(vec![None, k(7)]).unwrap_err(),
        AccessError::UnknownOrg(7)
    );
}

#[test]
fn org_role_reaches_sub_organizations_and_projects_only() {
    let f = Fixture::new();
    let a = Assignment {
        user: U,
        role: f.role("lms.organization_administrator"),
        scope: Scope::Org(OrgKey(1)),
        expires: None,
    };
    let e = AccessEngine::build(tree(), &f.roles, &[a], &[]).unwrap();
    let block = f.p("users.block");
    assert!(e.allowed(U, block, Scope::Org(OrgKey(1)), 0));
    assert!(e.allowed(U, block, Scope::Org(OrgKey(3)), 0));
    assert!(e.allowed(U, block, Scope::Project(ProjectKey(7), OrgKey(3)), 0));
    assert!(
        !e.allowed(U, block, Scope::Org(OrgKey(0)), 0),
        "not the parent"
    );
    assert!(
        !e.allowed(U, block, Scope::Org(OrgKey(2)), 0),
        "not a sibling"
    );
    assert!(!e.allowed(U, block, Scope::Platform, 0));
    assert!(
        !e.allowed(UserKey(99), block, Scope::Org(OrgKey(1)), 0),
        "unknown user"
    );
    assert!(
        !e.allowed(U, block, Scope::Org(OrgKey(99)), 0),
        "unknown org"
    );
    assert_eq!(e.holders(block, Scope::Org(OrgKey(3)), 0), vec![U]);
    assert!(e.holders(block, Scope::Org(OrgKey(4)), 0).is_empty());
}

#[test]
fn platform_role_reaches_everything_and_project_role_one_project() {
    let f = Fixture::new();
    let obs = Assignment {
        user: U,
        role: f.role("lms.observer"),
        scope: Scope::Platform,
        expires: None,
    };
    let tea = Assignment {
        user: U,
        role: f.role("lms.instructor"),
        scope: Scope::Project(ProjectKey(5), OrgKey(2)),
        expires: None,
    };
    let e = AccessEngine::build(tree(), &f.roles, &[obs, tea], &[]).unwrap();
    assert!(e.allowed(U, f.p("reports.view"), Scope::Org(OrgKey(4)), 0));
    assert!(!e.allowed(U, f.p("reports.export"), Scope::Org(OrgKey(2)), 0));
    assert!(e.allowed(
        U,
        f.p("reports.export"),
        Scope::Project(ProjectKey(5), OrgKey(2)),
        0
    ));
    assert!(!e.allowed(
        U,
        f.p("reports.export"),
        Scope::Project(ProjectKey(6), OrgKey(2)),
        0
    ));
    let eff = e.effective(U, Scope::Project(ProjectKey(5), OrgKey(2)), 0);
    assert!(eff.contains(f.p("enrollments.manage")) && eff.contains(f.p("audit.view")));
}

#[test]
fn grants_add_and_denials_win() {
    let f = Fixture::new();
    let a = Assignment {
        user: U,
        role: f.role("lms.administrator"),
        scope: Scope::Platform,
        expires: None,
    };
    let deny = Override {
        user: U,
        scope: Scope::Org(OrgKey(1)),
        effect: Effect::Deny,
        permissions: f.c.set(["users.delete"]).unwrap(),
    };
    let grant = Override {
        user: UserKey(1),
        scope: Scope::Org(OrgKey(2)),
        effect: Effect::Grant,
        permissions: f.c.set(["audit.view"]).unwrap(),
    };
    let e = AccessEngine::build(tree(), &f.roles, &[a], &[deny, grant]).unwrap();
    let del = f.p("users.delete");
    assert!(e.allowed(U, del, Scope::Org(OrgKey(0)), 0));
    assert!(!e.allowed(U, del, Scope::Org(OrgKey(3)), 0));
    assert!(!e.effective(U, Scope::Org(OrgKey(1)), 0).contains(del));
    assert!(e.allowed(UserKey(1), f.p("audit.view"), Scope::Org(OrgKey(2)), 0));
    assert!(!e.allowed(UserKey(1), f.p("audit.view"), Scope::Org(OrgKey(0)), 0));

    let x = e.explain(U, del, Scope::Org(OrgKey(3)), 0);
    assert_eq!(x.decision, Decision::Denied);
    assert_eq!(x.reasons, vec![Reason::Denial(deny), Reason::Role(a)]);
    let x = e.explain(UserKey(1), f.p("audit.view"), Scope::Org(OrgKey(2)), 0);
    assert_eq!(x.reasons, vec![Reason::Grant(grant)]);
    let x = e.explain(UserKey(1), del, Scope::Org(OrgKey(2)), 0);
    assert_eq!((x.decision, x.reasons.len()), (Decision::NotGranted, 0));
}

#[test]
fn expiry_is_compared_with_now() {
    let f = Fixture::new();
    let a = Assignment {
        user: U,
        role: f.role("lms.observer"),
        scope: Scope::Platform,
        expires: Some(1_000),
    };
    let e = AccessEngine::build(tree(), &f.roles, &[a], &[]).unwrap();
    let view = f.p("users.view");
    assert!(e.allowed(U, view, Scope::Org(OrgKey(3)), 999));
    assert!(!e.allowed(U, view, Scope::Org(OrgKey(3)), 1_000));
    assert!(e.effective(U, Scope::Platform, 1_000).is_empty());
    let x = e.explain(U, view, Scope::Platform, 5_000);
    assert_eq!(x.decision, Decision::NotGranted);
    assert_eq!(x.reasons, vec![Reason::Expired(a)]);
    assert!(e.explain(U, view, Scope::Platform, 0).allowed());
}

#[test]
fn relationship_roles_reach_related_users_only() {
    let f = Fixture::new();
    let a = Assignment {
        user: U,
        role: f.role("lms.manager"),
        scope: Scope::Org(OrgKey(1)),
        expires: None,
    };
    let e = AccessEngine::build(tree(), &f.roles, &[a], &[]).unwrap();
    let edit = f.p("users.edit");
    let s = Scope::Org(OrgKey(3));
    assert!(!e.allowed(U, edit, s, 0));
    assert!(
        e.effective_over(U, s, Some(Relation::Manager), 0)
            .contains(edit)
    );
    assert!(
        !e.effective_over(U, s, Some(Relation::Mentor), 0)
            .contains(edit)
    );
    assert!(
        !e.effective_over(U, Scope::Org(OrgKey(2)), Some(Relation::Manager), 0)
            .contains(edit)
    );
}

#[test]
fn invalid_models_are_refused() {
    let f = Fixture::new();
    let wrong_level = Assignment {
        user: U,
        role: f.role("lms.learner"),
        scope: Scope::Org(OrgKey(0)),
        expires: None,
    };
    assert!(matches!(
        AccessEngine::build(tree(), &f.roles, &[wrong_level], &[]),
        Err(AccessError::LevelMismatch { .. })
    ));
    let no_role = Assignment {
        user: U,
        role: RoleKey(999),
        scope: Scope::Platform,
        expires: None,
    };
    assert_eq!(
        AccessEngine::build(tree(), &f.roles, &[no_role], &[]).unwrap_err(),
        AccessError::UnknownRole(999)
    );
    let no_org = Override {
        user: U,
        scope: Scope::Org(OrgKey(50)),
        effect: Effect::Grant,
        permissions: PermissionSet::EMPTY,
    };
    assert_eq!(
        AccessEngine::build(tree(), &f.roles, &[], &[no_org]).unwrap_err(),
        AccessError::UnknownOrg(50)
    );
}

#[test]
fn many_entries_use_the_ancestor_walk_and_agree() {
    let f = Fixture::new();
    // A chain of 30 organizations; the user is org admin on every even one and denied on 21.
    let parents = (0..30)
        .map(|i| if i == 0 { None } else { Some(OrgKey(i - 1)) })
        .collect();
    let t = OrgTree::new(parents).unwrap();
    let role = f.role("lms.content_administrator");
    let a: Vec<_> = (0..30)
        .step_by(2)
        .map(|i| Assignment {
            user: U,
            role,
            scope: Scope::Org(OrgKey(i)),
            expires: None,
        })
        .collect();
    let deny = Override {
        user: U,
        scope: Scope::Org(OrgKey(21)),
        effect: Effect::Deny,
        permissions: f.c.set(["catalog.manage"]).unwrap(),
    };
    let e = AccessEngine::build(t, &f.roles, &a, &[deny]).unwrap();
    let p = f.p("catalog.manage");
    for i in 0..30 {
        assert_eq!(e.allowed(U, p, Scope::Org(OrgKey(i)), 0), i < 21, "org {i}");
    }
}

#[test]
fn set_user_and_set_tree_take_effect() {
    let f = Fixture::new();
    let mut e = AccessEngine::build(tree(), &f.roles, &[], &[]).unwrap();
    let view = f.p("catalog.view");
    let s = Scope::Org(OrgKey(2));
    assert!(!e.allowed(U, view, s, 0));
    let a = Assignment {
        user: U,
        role: f.role("lms.content_administrator"),
        scope: Scope::Org(OrgKey(1)),
        expires: None,
    };
    e.set_user(U, &[a], &[]).unwrap();
    assert!(!e.allowed(U, view, s, 0));
    // Move organization 2 under 1.
    let k = |i| Some(OrgKey(i));
    e.set_tree(OrgTree::new(vec![None, k(0), k(1), k(1), None]).unwrap());
    assert!(e.allowed(U, view, s, 0));
    e.set_user(U, &[], &[]).unwrap();
    assert!(!e.allowed(U, view, s, 0));
}
