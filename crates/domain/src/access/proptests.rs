//! Property tests: the engine against a naive reference that recomputes from the raw records by
//! walking the tree; explain agrees with allowed; no-escalation never lets a wider set through.

use super::*;
use proptest::prelude::*;

const ORGS: u32 = 12;
const USERS: u32 = 5;
const PROJECTS: u32 = 3;
const PERMS: u16 = 10;

fn set_of(bits: u16) -> PermissionSet {
    (0..PERMS)
        .filter(|b| bits & (1 << b) != 0)
        .map(PermIx)
        .collect()
}

/// A catalogue of `PERMS` permissions valid at every level, and one role per level and mask.
fn model_roles(masks: &[u16]) -> Vec<Role> {
    masks
        .iter()
        .enumerate()
        .map(|(i, m)| Role {
            key: format!("r{i}"),
            name: format!("R{i}"),
            level: Level::ALL[i % 3],
            description: String::new(),
            permissions: set_of(*m),
            preset: false,
            reach: Reach::Scope,
        })
        .collect()
}

fn scope_strategy() -> impl Strategy<Value = Scope> {
    prop_oneof![
        Just(Scope::Platform),
        (0..ORGS).prop_map(|o| Scope::Org(OrgKey(o))),
        (0..PROJECTS, 0..ORGS).prop_map(|(p, o)| Scope::Project(ProjectKey(p), OrgKey(o))),
    ]
}

#[derive(Debug, Clone)]
struct Model {
    parents: Vec<Option<OrgKey>>,
    roles: Vec<Role>,
    assignments: Vec<Assignment>,
    overrides: Vec<Override>,
}

fn model_strategy() -> impl Strategy<Value = Model> {
    // Parent of org i is any org j < i, or none: acyclic by construction.
    let parents = (1..ORGS)
        .map(|i| proptest::option::weighted(0.8, 0..i))
        .collect::<Vec<_>>();
    let masks = proptest::collection::vec(any::<u16>(), 6);
    (parents, masks).prop_flat_map(|(parents, masks)| {
        let parents: Vec<Option<OrgKey>> = std::iter::once(None)
            .chain(parents.into_iter().map(|p| p.map(OrgKey)))
            .collect();
        let roles = model_roles(&masks);
        let n_roles = roles.len() as u32;
        let assignment = (
            0..USERS,
            0..n_roles,
            scope_strategy(),
            proptest::option::of(0i64..100),
        );
        let overrides = (0..USERS, scope_strategy(), any::<bool>(), any::<u16>());
        (
            Just(parents),
            Just(roles),
            // Up to 70: some users get more than LINEAR_LIMIT entries (the binary-search path).
            proptest::collection::vec(assignment, 0..70),
            proptest::collection::vec(overrides, 0..10),
        )
            .prop_map(|(parents, roles, a, o)| {
                let assignments = a
                    .into_iter()
                    .map(|(u, r, scope, expires)| {
                        // Re-home the scope to the role's level so the model is valid.
                        let scope = match (roles[r as usize].level, scope) {
                            (Level::Platform, _) => Scope::Platform,
                            (Level::Organization, Scope::Project(_, o) | Scope::Org(o)) => {
                                Scope::Org(o)
                            }
                            (Level::Organization, Scope::Platform) => Scope::Org(OrgKey(0)),
                            (Level::Project, Scope::Project(p, o)) => Scope::Project(p, o),
                            (Level::Project, Scope::Org(o)) => Scope::Project(ProjectKey(0), o),
                            (Level::Project, Scope::Platform) => {
                                Scope::Project(ProjectKey(1), OrgKey(0))
                            }
                        };
                        Assignment {
                            user: UserKey(u),
                            role: RoleKey(r),
                            scope,
                            expires,
                        }
                    })
                    .collect();
                let overrides = o
                    .into_iter()
                    .map(|(u, scope, grant, bits)| Override {
                        user: UserKey(u),
                        scope,
                        effect: if grant { Effect::Grant } else { Effect::Deny },
                        permissions: set_of(bits & (bits >> 3)), // sparse
                    })
                    .collect();
                Model {
                    parents,
                    roles,
                    assignments,
                    overrides,
                }
            })
    })
}

/// Does something attached at `at` reach `scope`? Recomputed by walking parents.
fn reaches(parents: &[Option<OrgKey>], at: Scope, scope: Scope) -> bool {
    let chain = |o: OrgKey| std::iter::successors(Some(o), |c| parents[c.0 as usize]);
    match (at, scope) {
        (Scope::Platform, _) => true,
        (Scope::Org(a), Scope::Org(o) | Scope::Project(_, o)) => chain(o).any(|c| c == a),
        (Scope::Project(p, _), Scope::Project(q, _)) => p == q,
        _ => false,
    }
}

fn naive_allowed(m: &Model, user: UserKey, perm: PermIx, scope: Scope, now: i64) -> bool {
    let granted_by_role = m.assignments.iter().any(|a| {
        a.user == user
            && a.expires.is_none_or(|e| now < e)
            && reaches(&m.parents, a.scope, scope)
            && m.roles[a.role.0 as usize].permissions.contains(perm)
    });
    let overrides = |effect| {
        m.overrides.iter().any(|o| {
            o.user == user
                && o.effect == effect
                && o.permissions.contains(perm)
                && reaches(&m.parents, o.scope, scope)
        })
    };
    (granted_by_role || overrides(Effect::Grant)) && !overrides(Effect::Deny)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn engine_matches_naive_reference(m in model_strategy(), now in 0i64..120) {
        let tree = OrgTree::new(m.parents.clone()).unwrap();
        let engine = AccessEngine::build(tree, &m.roles, &m.assignments, &m.overrides).unwrap();
        let mut scopes = vec![Scope::Platform];
        for o in 0..ORGS {
            scopes.push(Scope::Org(OrgKey(o)));
            for p in 0..PROJECTS {
                scopes.push(Scope::Project(ProjectKey(p), OrgKey(o)));
            }
        }
        for u in 0..USERS + 1 {
            let user = UserKey(u);
            for &scope in &scopes {
                let eff = engine.effective(user, scope, now);
                for b in 0..PERMS {
                    let perm = PermIx(b);
                    let expected = naive_allowed(&m, user, perm, scope, now);
                    prop_assert_eq!(engine.allowed(user, perm, scope, now), expected, "{:?} {:?} {:?}", user, perm, scope);
                    prop_assert_eq!(eff.contains(perm), expected);
                    let x = engine.explain(user, perm, scope, now);
                    prop_assert_eq!(x.allowed(), expected);
                    match x.decision {
                        Decision::Allowed => prop_assert!(x.reasons.iter().all(|r| matches!(r, Reason::Role(_) | Reason::Grant(_))) && !x.reasons.is_empty()),
                        Decision::Denied => prop_assert!(matches!(x.reasons.first(), Some(Reason::Denial(_)))),
                        Decision::NotGranted => prop_assert!(x.reasons.iter().all(|r| matches!(r, Reason::Expired(_)))),
                    }
                }
            }
        }
        // holders agrees with allowed.
        for &scope in &scopes[..4] {
            let perm = PermIx(0);
            let expected: Vec<UserKey> = (0..USERS).map(UserKey).filter(|u| naive_allowed(&m, *u, perm, scope, now)).collect();
            prop_assert_eq!(engine.holders(perm, scope, now), expected);
        }
    }

    #[test]
    fn may_grant_never_widens(actor in any::<[u64; 4]>(), gain in any::<[u64; 4]>()) {
        let to_set = |w: [u64; 4]| -> PermissionSet {
            (0..256u16).filter(|i| w[*i as usize / 64] & (1 << (i % 64)) != 0).map(PermIx).collect()
        };
        let (actor, gain) = (to_set(actor), to_set(gain));
        match may_grant(&actor, &gain) {
            Ok(()) => prop_assert!(gain.is_subset(&actor)),
            Err(Refusal::Missing(missing)) => {
                prop_assert!(!gain.is_subset(&actor));
                prop_assert_eq!(missing, gain.difference(&actor));
                prop_assert!(!missing.is_empty());
            }
            Err(other) => prop_assert!(false, "unexpected {:?}", other),
        }
        // Granting what the actor holds always passes.
        prop_assert!(may_grant(&actor, &gain.intersection(&actor)).is_ok());
    }
}
