//! No escalation (P6) and the super admin's protection (P7), as pure functions over effective
//! permission sets. The services compute the sets with the engine, at the scope of the act.

use super::catalog::{Catalog, PermIx};
use super::set::PermissionSet;

/// Why an act was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The actor lacks these permissions, which the target holds or would gain (P6).
    Missing(PermissionSet),
    /// The actor lacks the permission the action itself needs (e.g. `users.block`).
    NotPermitted(PermIx),
    /// Nobody but the super admin acts on the super admin (P7).
    SuperAdminProtected,
    /// Impersonating oneself makes no sense.
    SelfImpersonation,
}

/// P6 for grants (roles, personal grants, API keys, role edits, copies): what the target would
/// gain at the scope must be inside what the actor holds there.
pub fn may_grant(actor: &PermissionSet, gain: &PermissionSet) -> Result<(), Refusal> {
    let missing = gain.difference(actor);
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Refusal::Missing(missing))
    }
}

/// P6 for acting on another user: the actor must hold at the scope everything the target holds
/// there.
pub fn may_act_on(actor: &PermissionSet, target: &PermissionSet) -> Result<(), Refusal> {
    may_grant(actor, target)
}

/// Acts on another user that P6 and P7 govern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserAction {
    Edit,
    Block,
    Delete,
    Impersonate,
    ResetCredentials,
    /// Remove roles or grants; needs `role_assignments.manage`.
    Demote,
}

impl UserAction {
    /// The permission the action itself needs.
    pub fn permission(self) -> &'static str {
        match self {
            UserAction::Edit => "users.edit",
            UserAction::Block => "users.block",
            UserAction::Delete => "users.delete",
            UserAction::Impersonate => "users.impersonate",
            UserAction::ResetCredentials => "users.reset_credentials",
            UserAction::Demote => "role_assignments.manage",
        }
    }
}

/// One side of an act: who, whether they are the super admin, and their effective permissions
/// at the scope of the act.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a, U> {
    pub user: U,
    pub super_admin: bool,
    pub effective: &'a PermissionSet,
}

/// The full check for edit, block, delete, impersonate, reset credentials and demote: the
/// super admin rule (P7), the action's own permission, then no escalation (P6). A user may
/// edit themselves only through the same checks (they trivially hold what they hold).
pub fn check_user_action<U: PartialEq>(
    catalog: &Catalog,
    action: UserAction,
    actor: Subject<'_, U>,
    target: Subject<'_, U>,
) -> Result<(), Refusal> {
    let is_self = actor.user == target.user;
    if action == UserAction::Impersonate && is_self {
        return Err(Refusal::SelfImpersonation);
    }
    if target.super_admin && !actor.super_admin {
        return Err(Refusal::SuperAdminProtected);
    }
    if target.super_admin && action == UserAction::Impersonate {
        return Err(Refusal::SuperAdminProtected); // P9: never the super admin.
    }
    let needed = catalog
        .index_of(action.permission())
        .expect("action permissions are built in");
    if !actor.effective.contains(needed) {
        return Err(Refusal::NotPermitted(needed));
    }
    may_act_on(actor.effective, target.effective)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_only_within_own_set() {
        let c = Catalog::portico();
        let actor = c.set(["users.view", "users.edit", "roles.view"]).unwrap();
        assert_eq!(may_grant(&actor, &c.set(["users.view"]).unwrap()), Ok(()));
        assert_eq!(may_grant(&actor, &PermissionSet::EMPTY), Ok(()));
        assert_eq!(
            may_grant(&actor, &c.set(["users.view", "users.block"]).unwrap()),
            Err(Refusal::Missing(c.set(["users.block"]).unwrap()))
        );
        assert!(may_act_on(&actor, &c.all()).is_err());
        assert!(may_act_on(&c.all(), &actor).is_ok());
    }

    #[test]
    fn user_actions() {
        let c = Catalog::portico();
        let admin = c.all();
        let partial = c.all().difference(&c.set(["users.impersonate"]).unwrap());
        let weak = c.set(["users.view"]).unwrap();
        let s = |user, super_admin, effective| Subject {
            user,
            super_admin,
            effective,
        };
        let ok = |a, t, act| check_user_action(&c, act, a, t);

        assert_eq!(
            ok(s(1, false, &admin), s(2, false, &weak), UserAction::Block),
            Ok(())
        );
        assert_eq!(
            ok(s(1, false, &admin), s(2, false, &admin), UserAction::Delete),
            Ok(())
        );
        assert!(matches!(
            ok(s(1, false, &partial), s(2, false, &admin), UserAction::Edit),
            Err(Refusal::Missing(_))
        ));
        assert_eq!(
            ok(
                s(1, false, &partial),
                s(2, false, &weak),
                UserAction::Impersonate
            ),
            Err(Refusal::NotPermitted(
                c.index_of("users.impersonate").unwrap()
            ))
        );
        assert_eq!(
            ok(
                s(1, false, &admin),
                s(1, false, &admin),
                UserAction::Impersonate
            ),
            Err(Refusal::SelfImpersonation)
        );
        for act in [
            UserAction::Edit,
            UserAction::Block,
            UserAction::Delete,
            UserAction::Demote,
            UserAction::ResetCredentials,
            UserAction::Impersonate,
        ] {
            assert_eq!(
                ok(s(1, false, &admin), s(0, true, &admin), act),
                Err(Refusal::SuperAdminProtected),
                "{act:?}"
            );
        }
        assert_eq!(
            ok(s(0, true, &admin), s(0, true, &admin), UserAction::Edit),
            Ok(())
        );
        assert_eq!(
            ok(s(0, true, &admin), s(1, false, &admin), UserAction::Block),
            Ok(())
        );
    }
}
