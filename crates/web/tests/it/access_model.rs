//! The model-based property test of no escalation (P6) and the super admin (P7): random
//! sequences of role assignments, removals, personal grants and denials, role edits, copies,
//! key creations and blocks by random actors, through the services on a real database. After
//! every step that succeeded, no user holds at any scope a permission that the acting user did
//! not hold there before the step; and the super admin is still the one, active, super admin.

use portico_domain::access::PermissionSet;
use portico_domain::ids::{RoleId, UserId};
use portico_domain::{OrgId, Timestamp};
use portico_services::access::grants::{AssignInput, OverrideInput};
use portico_services::access::roles::{RoleInput, RoleUpdate};
use portico_services::auth::Credential;
use portico_services::records::{OverrideEffect, ScopeRef, SessionRecord};
use portico_services::{
    BackOffice, ManualClock, Principal, RequestMeta, ServiceConfig, Services, Store,
};
use portico_store::SqlStore;
use proptest::prelude::*;
use std::sync::Arc;

const PERMS: [&str; 10] = [
    "users.view",
    "users.edit",
    "users.block",
    "members.view",
    "members.add",
    "organizations.view",
    "role_assignments.manage",
    "permissions.grant",
    "roles.manage",
    "api_keys.manage",
];

#[derive(Debug, Clone)]
enum Step {
    Assign {
        actor: usize,
        target: usize,
        role: usize,
        scope: usize,
    },
    Unassign {
        actor: usize,
        target: usize,
    },
    Override {
        actor: usize,
        target: usize,
        perm: usize,
        scope: usize,
        deny: bool,
    },
    EditRole {
        actor: usize,
        role: usize,
        perms: Vec<usize>,
    },
    Copy {
        actor: usize,
        source: usize,
    },
    Key {
        actor: usize,
        perms: Vec<usize>,
        scope: usize,
    },
    Block {
        actor: usize,
        target: usize,
    },
}

fn step() -> impl Strategy<Value = Step> {
    let who = 0usize..6;
    prop_oneof![
        (who.clone(), who.clone(), 0usize..6, 0usize..4).prop_map(
            |(actor, target, role, scope)| Step::Assign {
                actor,
                target,
                role,
                scope
            }
        ),
        (who.clone(), who.clone()).prop_map(|(actor, target)| Step::Unassign { actor, target }),
        (
            who.clone(),
            who.clone(),
            0usize..PERMS.len(),
            0usize..4,
            any::<bool>()
        )
            .prop_map(|(actor, target, perm, scope, deny)| Step::Override {
                actor,
                target,
                perm,
                scope,
                deny
            }),
        (
            who.clone(),
            0usize..6,
            proptest::collection::vec(0usize..PERMS.len(), 0..6)
        )
            .prop_map(|(actor, role, perms)| Step::EditRole { actor, role, perms }),
        (who.clone(), who.clone()).prop_map(|(actor, source)| Step::Copy { actor, source }),
        (
            who.clone(),
            proptest::collection::vec(0usize..PERMS.len(), 0..5),
            0usize..4
        )
            .prop_map(|(actor, perms, scope)| Step::Key {
                actor,
                perms,
                scope
            }),
        (who.clone(), who).prop_map(|(actor, target)| Step::Block { actor, target }),
    ]
}

struct World {
    services: Services,
    users: Vec<UserId>,
    roles: Vec<RoleId>,
    scopes: Vec<ScopeRef>,
    orgs: Vec<OrgId>,
    super_admin: UserId,
    _dir: tempfile::TempDir,
}

async fn as_actor(s: &Services, user: UserId) -> Option<BackOffice> {
    let u = s.store().get_user(user).await.ok()??;
    let now = s.now();
    let session = SessionRecord {
        id: portico_domain::SessionId::generate(),
        token_hash: String::new(),
        user_id: u.id,
        csrf_token: String::new(),
        created_at: now,
        last_seen_at: now,
        expires_at: now.plus_secs(3600),
        ip: None,
        user_agent: None,
        impersonator_id: None,
        impersonation_reason: None,
        idle_secs: None,
    };
    let p = Principal {
        user: u,
        credential: Credential::Session(session),
        meta: RequestMeta {
            ip: None,
            user_agent: None,
        },
        impersonator: None,
    };
    s.back_office(p).await.ok()
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = SqlStore::open_sqlite_dir(dir.path()).await.unwrap();
    store.migrate().await.unwrap();
    let clock = Arc::new(ManualClock::new(Timestamp(1_800_000_000_000)));
    let cfg = ServiceConfig {
        argon2_memory_kib: 64,
        argon2_iterations: 1,
        ..Default::default()
    };
    let services = Services::new(Arc::new(store) as Arc<dyn Store>, clock, cfg);
    let init = services
        .init_super_admin(
            "root",
            "root@example.com",
            Some("Quartz-lantern-harbour-93"),
            "lms",
        )
        .await
        .unwrap();
    let sa = services
        .back_office(services.cli_principal().await.unwrap())
        .await
        .unwrap();
    let mk = |name: &str, parent: Option<OrgId>| portico_services::orgs::OrgInput {
        name: name.into(),
        parent_id: parent,
        ..Default::default()
    };
    let a = services
        .create_org(&sa, mk("Alpha", None))
        .await
        .unwrap()
        .id;
    let a1 = services
        .create_org(&sa, mk("Alpha One", Some(a)))
        .await
        .unwrap()
        .id;
    let b = services.create_org(&sa, mk("Beta", None)).await.unwrap().id;
    let scopes = vec![
        ScopeRef::Platform,
        ScopeRef::Org(a),
        ScopeRef::Org(a1),
        ScopeRef::Org(b),
    ];
    // Five staff: two at the platform, two organization admins, one plain member.
    let mut users = vec![init.user.id];
    let plan: [(&str, Option<&str>, ScopeRef); 5] = [
        ("plat1", Some("lms.administrator"), ScopeRef::Platform),
        (
            "plat2",
            Some("lms.partial_administrator"),
            ScopeRef::Platform,
        ),
        (
            "orgadmin1",
            Some("lms.organization_administrator"),
            ScopeRef::Org(a),
        ),
        (
            "orgadmin2",
            Some("lms.organization_administrator"),
            ScopeRef::Org(a1),
        ),
        ("member1", None, ScopeRef::Org(b)),
    ];
    for (name, role, scope) in plan {
        let u = services
            .create_platform_user(
                &sa,
                name,
                &format!("{name}@example.com"),
                "Quartz-lantern-harbour-93",
                None,
            )
            .await
            .unwrap();
        if let Some(r) = role {
            let role_id = sa.access().role_by_key(r).unwrap().id;
            let sa = services
                .back_office(services.cli_principal().await.unwrap())
                .await
                .unwrap();
            services
                .assign_role(
                    &sa,
                    u.id,
                    AssignInput {
                        role_id,
                        scope,
                        expires_at: None,
                    },
                )
                .await
                .unwrap();
        }
        users.push(u.id);
    }
    let sa = services
        .back_office(services.cli_principal().await.unwrap())
        .await
        .unwrap();
    // Custom roles to edit: one per level the tests use.
    let mut roles: Vec<RoleId> = [
        "lms.manager",
        "lms.observer",
        "lms.organization_administrator",
        "lms.partial_administrator",
    ]
    .iter()
    .map(|k| sa.access().role_by_key(k).unwrap().id)
    .collect();
    for (name, level) in [
        ("Custom org", "organization"),
        ("Custom platform", "platform"),
    ] {
        let r = services
            .create_role(
                &sa,
                RoleInput {
                    name: name.into(),
                    level: Some(level.into()),
                    permissions: Some(vec!["users.view".into()]),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        roles.push(r.id);
    }
    World {
        services,
        users,
        roles,
        scopes,
        orgs: vec![a, a1, b],
        super_admin: init.user.id,
        _dir: dir,
    }
}

/// Every tracked user's effective permissions at every scope.
async fn powers(w: &World) -> Vec<Vec<PermissionSet>> {
    let access = w.services.access().await.unwrap();
    let now = w.services.now().millis();
    w.users
        .iter()
        .map(|u| {
            w.scopes
                .iter()
                .map(|s| access.effective(*u, *s, now))
                .collect()
        })
        .collect()
}

async fn run(w: &mut World, s: &Step) -> Result<(usize, Option<UserId>), ()> {
    let sv = w.services.clone();
    let actor_ix = match s {
        Step::Assign { actor, .. }
        | Step::Unassign { actor, .. }
        | Step::Override { actor, .. }
        | Step::EditRole { actor, .. }
        | Step::Copy { actor, .. }
        | Step::Key { actor, .. }
        | Step::Block { actor, .. } => *actor,
    };
    let Some(a) = as_actor(&sv, w.users[actor_ix]).await else {
        return Err(());
    };
    let perms =
        |ix: &[usize]| -> Vec<String> { ix.iter().map(|i| PERMS[*i].to_string()).collect() };
    let r: Result<Option<UserId>, portico_services::ServiceError> = match s {
        Step::Assign {
            target,
            role,
            scope,
            ..
        } => {
            sv.set_ip_allowlist(&a, w.users[*target], Some("*"))
                .await
                .ok();
            sv.assign_role(
                &a,
                w.users[*target],
                AssignInput {
                    role_id: w.roles[*role],
                    scope: w.scopes[*scope],
                    expires_at: None,
                },
            )
            .await
            .map(|_| None)
        }
        Step::Unassign { target, .. } => {
            let first = a
                .access()
                .assignments_of(w.users[*target])
                .first()
                .map(|x| x.id);
            match first {
                Some(id) => sv
                    .unassign_role(&a, w.users[*target], id)
                    .await
                    .map(|_| None),
                None => Ok(None),
            }
        }
        Step::Override {
            target,
            perm,
            scope,
            deny,
            ..
        } => sv
            .add_override(
                &a,
                w.users[*target],
                OverrideInput {
                    effect: if *deny {
                        OverrideEffect::Deny
                    } else {
                        OverrideEffect::Grant
                    },
                    permission: PERMS[*perm].into(),
                    scope: w.scopes[*scope],
                },
            )
            .await
            .map(|_| None),
        Step::EditRole { role, perms: p, .. } => sv
            .update_role(
                &a,
                w.roles[*role],
                None,
                RoleUpdate {
                    permissions: Some(perms(p)),
                    ..Default::default()
                },
            )
            .await
            .map(|_| None),
        Step::Copy { source, .. } => {
            let n = w.users.len();
            sv.copy_user(
                &a,
                w.users[*source],
                portico_services::access::admin::CopyUserInput {
                    username: format!("copy{n}"),
                    email: format!("copy{n}@example.com"),
                    first_name: "Co".into(),
                    last_name: "Py".into(),
                    copy_filters: true,
                },
            )
            .await
            .map(|u| Some(u.id))
        }
        Step::Key {
            perms: p, scope, ..
        } => {
            let org = match w.scopes[*scope] {
                ScopeRef::Org(o) => Some(o),
                _ => None,
            };
            match sv
                .create_api_key(
                    &a,
                    portico_services::api_keys::KeyInput {
                        name: "k".into(),
                        permissions: Some(perms(p)),
                        org_id: org,
                        ..Default::default()
                    },
                )
                .await
            {
                Ok(k) => {
                    // A key's reach is its owner's, narrowed: never more than the creator.
                    let access = sv.access().await.unwrap();
                    let scope_ref = w.scopes[*scope];
                    let owner = access.effective(a.user().id, scope_ref, sv.now().millis());
                    let key_set: PermissionSet = k
                        .record
                        .permissions
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|p| access.catalog.index_of(p).ok())
                        .collect();
                    assert!(key_set.is_subset(&owner), "a key wider than its creator");
                    Ok(None)
                }
                Err(e) => Err(e),
            }
        }
        Step::Block { target, .. } => sv.block_user(&a, w.users[*target]).await.map(|_| None),
    };
    match r {
        Ok(new) => Ok((actor_ix, new)),
        Err(portico_services::ServiceError::Internal(m)) => panic!("internal error on {s:?}: {m}"),
        Err(_) => Err(()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, .. ProptestConfig::default() })]
    #[test]
    fn no_step_makes_anyone_more_powerful_than_its_actor(steps in proptest::collection::vec(step(), 1..14)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let mut w = world().await;
            let _ = &w.orgs;
            for s in &steps {
                let before = powers(&w).await;
                let Ok((actor, new_user)) = run(&mut w, s).await else { continue };
                if let Some(u) = new_user {
                    w.users.push(u);
                }
                let after = powers(&w).await;
                let actor_before = &before[actor];
                for (u, scopes) in after.iter().enumerate() {
                    for (si, set) in scopes.iter().enumerate() {
                        let had = before.get(u).map(|b| b[si]).unwrap_or_default();
                        let gained = set.difference(&had);
                        let beyond = gained.difference(&actor_before[si]);
                        assert!(
                            beyond.is_empty(),
                            "step {s:?} by user #{actor} gave user #{u} at scope #{si} {:?} which the actor lacked",
                            beyond
                        );
                    }
                }
                let sa = w.services.store().super_admin().await.unwrap().expect("a super admin");
                assert_eq!(sa.id, w.super_admin, "the super admin stays the same person");
                assert_eq!(sa.status, portico_domain::UserStatus::Active);
                let access = w.services.access().await.unwrap();
                assert!(access.is_super_admin(w.super_admin));
            }
        });
    }
}

/// Found by the property test: a platform administrator denied a permission in one
/// organization copied a platform role holder, whose copy then held that permission there.
/// What is given at a scope reaches every scope below it, so the caller's denials below count.
#[test]
fn a_caller_denied_a_permission_below_cannot_give_it_from_above() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut w = world().await;
        let deny = Step::Override {
            actor: 0,
            target: 1,
            perm: 0,
            scope: 1,
            deny: true,
        };
        assert!(run(&mut w, &deny).await.is_ok(), "the super admin denies");
        for step in [
            Step::Copy {
                actor: 1,
                source: 2,
            },
            Step::Assign {
                actor: 1,
                target: 5,
                role: 3,
                scope: 0,
            },
        ] {
            let before = powers(&w).await;
            let r = run(&mut w, &step).await;
            assert!(r.is_err(), "{step:?} is refused");
            assert_eq!(powers(&w).await, before, "{step:?} changed nothing");
        }
    });
}
