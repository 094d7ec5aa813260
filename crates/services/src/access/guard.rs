//! Who may see a user, and who may act on one (P6, P7, P8).

use crate::Services;
use crate::auth::BackOffice;
use crate::error::ServiceError;
use crate::records::{ScopeRef, UserRecord, parse_relation};
use portico_domain::access::{
    DataFilter, PermissionSet, Refusal, Relation, Subject, UserAction, check_user_action,
};
use portico_domain::ids::UserId;

/// Where an act on `target` happens: their home organization, or the platform for users
/// without one (platform staff). Blocking, deleting, editing or impersonating a person is
/// global, so an administrator needs the permission where the person lives.
pub fn act_scope(target: &UserRecord) -> ScopeRef {
    target.home_org_id.map_or(ScopeRef::Platform, ScopeRef::Org)
}

impl Services {
    /// The user, if the caller may see them; otherwise "not found" (ids do not leak across
    /// organizations). Visible: oneself; with `users.view` on the platform, everyone; otherwise
    /// the members of organizations where the caller holds `users.view`, and users related to
    /// the caller through a relationship role (P8). Platform administrators and the super
    /// admin are visible only to holders of `administrators.view`.
    pub async fn visible_user(
        &self,
        actor: &BackOffice,
        id: UserId,
    ) -> Result<UserRecord, ServiceError> {
        let not_found = ServiceError::NotFound("user");
        let user = self
            .store
            .get_user(id)
            .await?
            .ok_or(ServiceError::NotFound("user"))?;
        if user.id == actor.user().id {
            return Ok(user);
        }
        if (user.is_super_admin || user.is_platform_admin)
            && !actor.can("administrators.view", ScopeRef::Platform)
        {
            return Err(not_found);
        }
        let unfiltered = actor.access().filters_of(actor.user().id).is_none();
        if unfiltered && actor.can("users.view", ScopeRef::Platform) {
            return Ok(user);
        }
        let memberships = self.store.user_memberships(id).await?;
        if memberships
            .iter()
            .any(|m| actor.can("users.view", ScopeRef::Org(m.org.id)))
        {
            return Ok(user);
        }
        if self
            .related_perms(actor, &user)
            .await?
            .iter()
            .any(|(_, set)| {
                set.contains(
                    actor
                        .access()
                        .catalog
                        .index_of("users.view")
                        .expect("built in"),
                )
            })
        {
            return Ok(user);
        }
        Err(not_found)
    }

    /// The caller's permissions over `target` through relationship roles (P8), per scope.
    async fn related_perms(
        &self,
        actor: &BackOffice,
        target: &UserRecord,
    ) -> Result<Vec<(ScopeRef, PermissionSet)>, ServiceError> {
        if !actor.access().holds_related_role(actor.user().id) {
            return Ok(Vec::new());
        }
        let rels = self
            .store
            .relations_between(actor.user().id, target.id)
            .await?;
        Ok(rels
            .iter()
            .filter_map(|r| {
                let rel = parse_relation(&r.relation)?;
                let scope = ScopeRef::Org(r.org_id);
                Some((scope, actor.effective_related(scope, Some(rel))))
            })
            .collect())
    }

    /// P6 + P7 for acting on another user: the action's own permission at the act's scope, the
    /// super admin's protection, and — at that scope and at every scope where the target holds
    /// anything — the caller holding at least what the target holds. Returns the act's scope.
    pub async fn check_act_on(
        &self,
        actor: &BackOffice,
        target: &UserRecord,
        action: UserAction,
    ) -> Result<ScopeRef, ServiceError> {
        let access = actor.access();
        let scope = act_scope(target);
        let mut mine = actor.effective(scope);
        for (s, set) in self.related_perms(actor, target).await? {
            if s == scope {
                mine.union_with(&set);
            }
        }
        let theirs = access.effective(target.id, scope, actor.now());
        let verb = action_verb(action);
        check_user_action(
            &access.catalog,
            action,
            Subject {
                user: actor.user().id,
                super_admin: actor.is_super_admin(),
                effective: &mine,
            },
            Subject {
                user: target.id,
                super_admin: target.is_super_admin,
                effective: &theirs,
            },
        )
        .map_err(|r| refusal(actor, r, verb, scope))?;
        if !actor.is_super_admin() {
            self.check_dominates(actor, target.id, verb)?;
        }
        Ok(scope)
    }

    /// P6 at every scope where `target` holds something: the caller must hold there all the
    /// target holds there, and, when the target holds anything at the platform, reach at least
    /// as far as they do (see [`check_reach`]: a filtered administrator is not above an
    /// unfiltered one holding the same platform role).
    pub(crate) fn check_dominates(
        &self,
        actor: &BackOffice,
        target: UserId,
        verb: &str,
    ) -> Result<(), ServiceError> {
        dominates(actor, target, verb, false)
    }

    /// As [`Self::check_dominates`], counting what the target holds *before* their own data
    /// filters: for changing those filters, which can uncover any of it.
    pub(crate) fn check_dominates_unfiltered(
        &self,
        actor: &BackOffice,
        target: UserId,
        verb: &str,
    ) -> Result<(), ServiceError> {
        dominates(actor, target, verb, true)
    }
}

fn dominates(
    actor: &BackOffice,
    target: UserId,
    verb: &str,
    unfiltered: bool,
) -> Result<(), ServiceError> {
    let access = actor.access();
    let mut scopes: Vec<ScopeRef> = access
        .assignments_of(target)
        .iter()
        .map(|a| a.scope)
        .chain(access.overrides_of(target).iter().map(|o| o.scope))
        .collect();
    scopes.sort();
    scopes.dedup();
    for s in scopes {
        let mut theirs = if unfiltered {
            access.effective_unfiltered(target, s, actor.now())
        } else {
            access.effective(target, s, actor.now())
        };
        // What they hold over related people (a Manager over their reports, P8) is theirs
        // too: acting as them, or on them, reaches those people.
        if access.holds_related_role(target) {
            for rel in [Relation::Manager, Relation::Parent, Relation::Mentor] {
                theirs.union_with(&access.effective_related(target, s, Some(rel), actor.now()));
            }
        }
        let missing = theirs.difference(&actor.effective(s));
        if !missing.is_empty() {
            return Err(ServiceError::Forbidden(format!(
                "you cannot {verb} someone who holds permissions you lack ({}) — no \
                 administrator can act on someone more powerful",
                access.catalog.keys(&missing).join(", ")
            )));
        }
        if s == ScopeRef::Platform && !theirs.is_empty() {
            check_reach(actor, access.filter_list(target), &wider_reach(verb))?;
        }
    }
    Ok(())
}

pub(crate) fn action_verb(action: UserAction) -> &'static str {
    match action {
        UserAction::Edit => "edit",
        UserAction::Block => "block",
        UserAction::Delete => "delete",
        UserAction::Impersonate => "impersonate",
        UserAction::ResetCredentials => "reset the credentials of",
        UserAction::Demote => "remove roles or permissions of",
    }
}

pub(crate) fn refusal(actor: &BackOffice, r: Refusal, verb: &str, scope: ScopeRef) -> ServiceError {
    let catalog = &actor.access().catalog;
    match r {
        Refusal::Missing(set) => ServiceError::Forbidden(format!(
            "you cannot {verb} someone who holds permissions you lack ({}) — no administrator \
             can act on someone more powerful",
            catalog.keys(&set).join(", ")
        )),
        Refusal::NotPermitted(ix) => {
            let key = catalog
                .entry(ix)
                .map_or("?".to_string(), |e| e.permission.to_string());
            let at = match scope {
                ScopeRef::Platform => "on the platform",
                ScopeRef::Org(_) => "in the person's organization",
                ScopeRef::Project(_) => "in the project",
            };
            ServiceError::Forbidden(format!("you need the permission {key} {at}"))
        }
        Refusal::SuperAdminProtected => {
            ServiceError::Forbidden(format!("nobody may {verb} the super admin"))
        }
        Refusal::SelfImpersonation => {
            ServiceError::Forbidden("you cannot impersonate yourself".into())
        }
    }
}

/// P6 for anything the caller gives, as far as permissions go: it must be inside what they
/// hold at that scope. On its own this is enough only when nobody else's reach is at stake
/// (the caller's own API key, a role's definition); giving to a person goes through
/// [`check_gain_to`] or [`check_gain_for`], which also compare data filters at the platform.
pub(crate) fn check_gain(
    actor: &BackOffice,
    scope: ScopeRef,
    gain: &PermissionSet,
) -> Result<(), ServiceError> {
    let mut missing = gain.difference(&actor.effective(scope));
    // What is given at `scope` reaches every scope below it. Where the caller has a personal
    // denial below, they lack there what they hold at `scope`: the gain must fit there too.
    let access = actor.access();
    for o in access.overrides_of(actor.user().id) {
        if o.effect == crate::records::OverrideEffect::Deny
            && o.scope != scope
            && access.scope_contains(scope, o.scope)
        {
            missing.union_with(&gain.difference(&actor.effective(o.scope)));
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(format!(
            "you cannot give permissions you do not hold there yourself ({})",
            actor.access().catalog.keys(&missing).join(", ")
        )))
    }
}

/// P6 for something given to the person `target`, with the data filters they carry now.
pub(crate) fn check_gain_to(
    actor: &BackOffice,
    target: UserId,
    scope: ScopeRef,
    gain: &PermissionSet,
) -> Result<(), ServiceError> {
    check_gain_for(actor, actor.access().filter_list(target), scope, gain)
}

/// P5 + P6 for something given to a person who will carry `filters` (a copy being made, say).
///
/// The rule: permissions given at an organization (or project) reach that organization's
/// subtree, and a caller who holds them there passes their own filters there, hence on the
/// whole subtree (filters are inherited downwards): the permission check is enough. At the
/// platform, though, a filtered caller holds the same *set* as an unfiltered one
/// (`AccessSnapshot::filters_pass`), while the permission applies to every organization the
/// *recipient's* filters let through. So a caller narrowed by data filters may give something
/// at the platform only to someone whose own filters keep them inside the caller's reach
/// ([`check_reach`]): in practice someone carrying the caller's filters or narrower ones.
/// Anything else would make the recipient more powerful than the caller.
pub(crate) fn check_gain_for(
    actor: &BackOffice,
    filters: &[DataFilter],
    scope: ScopeRef,
    gain: &PermissionSet,
) -> Result<(), ServiceError> {
    check_gain(actor, scope, gain)?;
    if scope == ScopeRef::Platform && !gain.is_empty() {
        check_reach(
            actor,
            filters,
            &wider_reach("give platform-wide permissions to"),
        )?;
    }
    Ok(())
}

/// P5 + P6: the caller's data filters must cover `filters` (the person's, as they are or will
/// be): whoever carries `filters` reaches no organization the caller does not. Always true
/// for an unfiltered caller and the super admin. The comparison is on the filters themselves
/// (`AccessSnapshot::filters_cover`): sound whatever organizations are created or retagged
/// later, at the price of refusing filters that merely select the same organizations today.
/// `refused` opens the message ("you cannot …").
pub(crate) fn check_reach(
    actor: &BackOffice,
    filters: &[DataFilter],
    refused: &str,
) -> Result<(), ServiceError> {
    let access = actor.access();
    if actor.is_super_admin() || access.filters_cover(actor.user().id, filters) {
        return Ok(());
    }
    let mine: Vec<String> = access
        .filter_list(actor.user().id)
        .iter()
        .map(DataFilter::describe)
        .collect();
    Err(ServiceError::Forbidden(format!(
        "{refused}: you are narrowed by data filters ({}), so the person must carry the same \
         filters or narrower ones — no administrator can give to, or act on, someone who \
         reaches further than they do",
        mine.join("; ")
    )))
}

/// The opening of a refusal by [`check_reach`] for acting on a person.
pub(crate) fn wider_reach(verb: &str) -> String {
    format!("you cannot {verb} someone whose data filters reach beyond yours")
}
