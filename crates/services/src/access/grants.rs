//! Giving and taking: role assignments (P3), personal grants and denials (P4), data filters
//! (P5), relationships (P8) and IP allowlists (U9), each under no escalation (P6) and the super
//! admin's protection (P7).

use super::guard::{check_gain_to, check_reach, refusal, wider_reach};
use crate::Services;
use crate::auth::{BackOffice, OrgScope};
use crate::error::ServiceError;
use crate::records::*;
use portico_domain::access::{DataFilter, PermissionSet, Refusal, UserAction};
use portico_domain::ids::{AssignmentId, OverrideId, RoleId, UserId};
use portico_domain::{IpAllowlist, Timestamp, ValidationError};

#[derive(Debug, Clone)]
pub struct AssignInput {
    pub role_id: RoleId,
    pub scope: ScopeRef,
    pub expires_at: Option<Timestamp>,
}

#[derive(Debug, Clone)]
pub struct OverrideInput {
    pub effect: OverrideEffect,
    pub permission: String,
    pub scope: ScopeRef,
}

/// An assignment as shown: with its role's name and level.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AssignmentView {
    #[serde(flatten)]
    pub assignment: AssignmentRecord,
    pub role_name: String,
    pub role_level: portico_domain::access::Level,
    pub expired: bool,
}

impl Services {
    /// A scope the caller can see: the platform, an organization in reach, or a project whose
    /// organization is in reach (404 otherwise).
    pub(crate) fn visible_scope(
        &self,
        actor: &BackOffice,
        scope: ScopeRef,
    ) -> Result<(), ServiceError> {
        match scope {
            _ if actor.sees_scope(scope) => Ok(()),
            ScopeRef::Project(_) => Err(ServiceError::NotFound("project")),
            _ => Err(ServiceError::NotFound("organization")),
        }
    }

    fn not_super_admin(
        &self,
        actor: &BackOffice,
        target: &UserRecord,
        verb: &str,
    ) -> Result<(), ServiceError> {
        if target.is_super_admin && !actor.is_super_admin() {
            return Err(refusal(
                actor,
                Refusal::SuperAdminProtected,
                verb,
                ScopeRef::Platform,
            ));
        }
        Ok(())
    }

    pub async fn list_assignments(
        &self,
        actor: &BackOffice,
        user: UserId,
    ) -> Result<Vec<AssignmentView>, ServiceError> {
        let target = self.visible_user(actor, user).await?;
        let access = actor.access();
        let now = self.now();
        Ok(access
            .assignments_of(target.id)
            .iter()
            .filter(|a| actor.sees_scope(a.scope))
            .filter_map(|a| {
                let role = access.role(a.role_id)?;
                Some(AssignmentView {
                    assignment: a.clone(),
                    role_name: role.name.clone(),
                    role_level: role.level,
                    expired: a.expires_at.is_some_and(|e| e <= now),
                })
            })
            .collect())
    }

    /// P3 + P6: assigning a role at a scope needs `role_assignments.manage` there and every
    /// permission of the role there — so assigning at a wider scope than one's own is refused —
    /// and, at the platform, a caller narrowed by data filters needs the target narrowed at
    /// least as much (`check_gain_for`).
    pub async fn assign_role(
        &self,
        actor: &BackOffice,
        user: UserId,
        input: AssignInput,
    ) -> Result<AssignmentRecord, ServiceError> {
        let target = self.visible_user(actor, user).await?;
        self.visible_scope(actor, input.scope)?;
        let access = actor.access();
        // Roles are platform-wide catalogue objects, not tenant-owned: a role the caller does
        // not hold (or may not list) is not "not found" here — assigning it is refused below
        // by `role_assignments.manage` and no escalation (403).
        let role = access
            .role(input.role_id)
            .ok_or(ServiceError::NotFound("role"))?;
        if role.level != input.scope.level() {
            return Err(ValidationError::new(
                "scope",
                format!(
                    "{} is a {}-level role: assign it at {} scope",
                    role.name,
                    role.level,
                    match role.level {
                        portico_domain::access::Level::Platform => "the platform",
                        portico_domain::access::Level::Organization => "an organization",
                        portico_domain::access::Level::Project => "a project (prj_…)",
                    }
                ),
            )
            .into());
        }
        self.not_super_admin(actor, &target, "change the roles of")?;
        actor.require("role_assignments.manage", input.scope)?;
        check_gain_to(
            actor,
            target.id,
            input.scope,
            &access.role_set(role.id).unwrap_or_default(),
        )?;
        if input.expires_at.is_some_and(|e| e <= self.now()) {
            return Err(
                ValidationError::new("expires_at", "the expiry must be in the future").into(),
            );
        }
        needs_allowlist(&target)?;
        let record = AssignmentRecord {
            id: AssignmentId::generate(),
            user_id: target.id,
            role_id: role.id,
            scope: input.scope,
            expires_at: input.expires_at,
            created_at: self.now(),
            created_by: Some(actor.user().id),
        };
        Ok(self
            .store
            .add_assignment(&actor.principal().audit_ctx(self), record)
            .await
            .inspect(|_| self.seats_written())?)
    }

    /// Removing a role is acting on the person (P6): the caller must hold at that scope what
    /// the target holds there.
    pub async fn unassign_role(
        &self,
        actor: &BackOffice,
        user: UserId,
        id: AssignmentId,
    ) -> Result<AssignmentRecord, ServiceError> {
        let target = self.visible_user(actor, user).await?;
        let access = actor.access();
        let a = access
            .assignments_of(target.id)
            .iter()
            .find(|a| a.id == id)
            .cloned()
            .ok_or(ServiceError::NotFound("role assignment"))?;
        self.visible_scope(actor, a.scope)
            .map_err(|_| ServiceError::NotFound("role assignment"))?;
        self.not_super_admin(actor, &target, "change the roles of")?;
        actor.require("role_assignments.manage", a.scope)?;
        self.demote_check(actor, target.id, a.scope)?;
        Ok(self
            .store
            .remove_assignment(&actor.principal().audit_ctx(self), target.id, id)
            .await?)
    }

    /// Taking something away from someone needs holding what they hold at that scope and, at
    /// the platform, reaching as far as they do (a filtered administrator is not above an
    /// unfiltered one with the same platform role).
    pub(crate) fn demote_check(
        &self,
        actor: &BackOffice,
        target: UserId,
        scope: ScopeRef,
    ) -> Result<(), ServiceError> {
        if actor.user().id == target || actor.is_super_admin() {
            return Ok(());
        }
        let verb = "remove roles or permissions of";
        let theirs = actor.access().effective(target, scope, actor.now());
        let missing = theirs.difference(&actor.effective(scope));
        if !missing.is_empty() {
            return Err(refusal(actor, Refusal::Missing(missing), verb, scope));
        }
        if scope == ScopeRef::Platform && !theirs.is_empty() {
            check_reach(
                actor,
                actor.access().filter_list(target),
                &wider_reach(verb),
            )?;
        }
        Ok(())
    }

    pub async fn list_overrides(
        &self,
        actor: &BackOffice,
        user: UserId,
    ) -> Result<Vec<OverrideRecord>, ServiceError> {
        let target = self.visible_user(actor, user).await?;
        Ok(actor
            .access()
            .overrides_of(target.id)
            .iter()
            .filter(|o| actor.sees_scope(o.scope))
            .cloned()
            .collect())
    }

    /// P4: a personal grant needs `permissions.grant` and the permission itself at the scope
    /// (and, at the platform, the data-filter rule of `check_gain_for`); a denial takes power
    /// away, so it needs holding what the target holds there.
    pub async fn add_override(
        &self,
        actor: &BackOffice,
        user: UserId,
        input: OverrideInput,
    ) -> Result<OverrideRecord, ServiceError> {
        let target = self.visible_user(actor, user).await?;
        self.visible_scope(actor, input.scope)?;
        let catalog = &actor.access().catalog;
        let set = super::roles::parse_permissions(
            catalog,
            std::slice::from_ref(&input.permission),
            input.scope.level(),
        )?;
        if set.is_empty() {
            return Err(ValidationError::new("permission", "choose a permission").into());
        }
        self.not_super_admin(actor, &target, "change the permissions of")?;
        actor.require("permissions.grant", input.scope)?;
        match input.effect {
            OverrideEffect::Grant => {
                check_gain_to(actor, target.id, input.scope, &set)?;
                needs_allowlist(&target)?;
            }
            OverrideEffect::Deny => self.demote_check(actor, target.id, input.scope)?,
        }
        let record = OverrideRecord {
            id: OverrideId::generate(),
            user_id: target.id,
            effect: input.effect,
            permission: catalog.keys(&set)[0].to_string(),
            scope: input.scope,
            created_at: self.now(),
        };
        Ok(self
            .store
            .add_override(&actor.principal().audit_ctx(self), record)
            .await?)
    }

    /// Removing a grant takes power away (P6 as for a denial); removing a denial gives the
    /// permission back (P6 as for a grant).
    pub async fn remove_override(
        &self,
        actor: &BackOffice,
        user: UserId,
        id: OverrideId,
    ) -> Result<OverrideRecord, ServiceError> {
        let target = self.visible_user(actor, user).await?;
        let access = actor.access();
        let o = access
            .overrides_of(target.id)
            .iter()
            .find(|o| o.id == id)
            .cloned()
            .ok_or(ServiceError::NotFound("permission override"))?;
        self.visible_scope(actor, o.scope)
            .map_err(|_| ServiceError::NotFound("permission override"))?;
        self.not_super_admin(actor, &target, "change the permissions of")?;
        actor.require("permissions.grant", o.scope)?;
        match o.effect {
            OverrideEffect::Grant => self.demote_check(actor, target.id, o.scope)?,
            OverrideEffect::Deny => {
                let set: PermissionSet =
                    access.catalog.index_of(&o.permission).into_iter().collect();
                check_gain_to(actor, target.id, o.scope, &set)?;
            }
        }
        Ok(self
            .store
            .remove_override(&actor.principal().audit_ctx(self), target.id, id)
            .await?)
    }

    pub async fn get_filters(
        &self,
        actor: &BackOffice,
        user: UserId,
    ) -> Result<Vec<DataFilter>, ServiceError> {
        let target = self.visible_user(actor, user).await?;
        Ok(actor
            .access()
            .filters_of(target.id)
            .map(|f| f.list.clone())
            .unwrap_or_default())
    }

    /// P5: replacing a user's data filters. Filters narrow; removing or loosening one widens.
    /// The caller needs `permissions.grant` on the platform and must hold, wherever the target
    /// holds anything, all they hold there *before* their filters (the new filters may uncover
    /// any of it), and reach at least as far as the target if the target holds anything at the
    /// platform. A caller narrowed by data filters may set only filters that keep the target
    /// inside the caller's own reach (the caller's filters or narrower ones): they can narrow
    /// someone, never remove or widen a filter beyond their own.
    pub async fn set_filters(
        &self,
        actor: &BackOffice,
        user: UserId,
        filters: Vec<DataFilter>,
    ) -> Result<Vec<DataFilter>, ServiceError> {
        let target = self.visible_user(actor, user).await?;
        let filters = portico_domain::access::filter::parse_filters(filters)?;
        self.not_super_admin(actor, &target, "change the data filters of")?;
        actor.require("permissions.grant", ScopeRef::Platform)?;
        if !actor.is_super_admin() {
            check_reach(
                actor,
                &filters,
                "you cannot remove or widen data filters beyond your own",
            )?;
            self.check_dominates_unfiltered(actor, target.id, "change the data filters of")?;
        }
        self.store
            .set_filters(
                &actor.principal().audit_ctx(self),
                target.id,
                filters.clone(),
            )
            .await?;
        Ok(filters)
    }

    /// U9: a back-office user's allowlist. `None` clears it, which is refused while the user
    /// holds a role or grant (it must be filled in for a back-office user).
    pub async fn set_ip_allowlist(
        &self,
        actor: &BackOffice,
        user: UserId,
        allowlist: Option<&str>,
    ) -> Result<UserRecord, ServiceError> {
        let target = self.visible_user(actor, user).await?;
        let parsed = allowlist
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(IpAllowlist::parse)
            .transpose()?;
        if target.id != actor.user().id || !actor.is_super_admin() {
            self.check_act_on(actor, &target, UserAction::Edit).await?;
        }
        actor.forbid_while_impersonating("changing an IP allowlist")?;
        if parsed.is_none() && actor.access().is_back_office(target.id, actor.now()) {
            return Err(ValidationError::new(
                "ip_allowlist",
                "a back-office user needs an IP allowlist (`*` for no restriction)",
            )
            .into());
        }
        let patch = crate::users::UserPatch {
            ip_allowlist: Some(parsed.map(|p| p.to_string())),
            ..Default::default()
        };
        Ok(self
            .store
            .update_user(&actor.principal().audit_ctx(self), target.id, None, patch)
            .await?)
    }

    /// P8: relationships inside one organization (manager, parent, mentor). Creating one
    /// gives the holder of a relationship role power over the other person, so it needs
    /// `role_assignments.manage` in the organization, both people members of it, and the
    /// caller holding what the related person holds (P6).
    pub async fn add_relationship(
        &self,
        scope: &OrgScope,
        relation: &str,
        from: UserId,
        to: UserId,
    ) -> Result<RelationshipRecord, ServiceError> {
        let rel = parse_relation(relation).ok_or_else(|| {
            ValidationError::new("relation", "the relation is manager, parent or mentor")
        })?;
        scope.require("role_assignments.manage")?;
        let actor = scope.actor();
        if from == to {
            return Err(ValidationError::new(
                "to_user_id",
                "a person cannot be related to themselves",
            )
            .into());
        }
        let (a, b) = (
            self.visible_user(actor, from).await?,
            self.visible_user(actor, to).await?,
        );
        for u in [&a, &b] {
            let member = self
                .store
                .user_memberships(u.id)
                .await?
                .iter()
                .any(|m| m.org.id == scope.org_id());
            if !member {
                return Err(ValidationError::new(
                    "user",
                    format!("{} is not a member of {}", u.username, scope.org().name),
                )
                .into());
            }
        }
        self.not_super_admin(actor, &b, "relate someone to")?;
        if !actor.is_super_admin() {
            self.check_dominates(actor, b.id, "relate someone to")?;
        }
        let record = RelationshipRecord {
            org_id: scope.org_id(),
            relation: relation_key(rel).to_string(),
            from_user_id: a.id,
            to_user_id: b.id,
            created_at: self.now(),
        };
        self.store
            .add_relationship(&actor.principal().audit_ctx(self), record.clone())
            .await?;
        Ok(record)
    }

    /// Ending a relationship mirrors creating one: `role_assignments.manage` in the
    /// organization, both people visible to the caller (404 otherwise, so ids do not leak), and
    /// no escalation (P6): the caller holds what the related person holds, and — since the
    /// manager, parent or mentor loses power over them — what that person holds too.
    pub async fn remove_relationship(
        &self,
        scope: &OrgScope,
        relation: &str,
        from: UserId,
        to: UserId,
    ) -> Result<(), ServiceError> {
        let rel = parse_relation(relation).ok_or(ServiceError::NotFound("relationship"))?;
        scope.require("role_assignments.manage")?;
        let actor = scope.actor();
        let (a, b) = (
            self.visible_user(actor, from).await?,
            self.visible_user(actor, to).await?,
        );
        let verb = "change the relationships of";
        for u in [&b, &a] {
            self.not_super_admin(actor, u, verb)?;
            if !actor.is_super_admin() {
                self.check_dominates(actor, u.id, verb)?;
            }
        }
        let record = RelationshipRecord {
            org_id: scope.org_id(),
            relation: relation_key(rel).to_string(),
            from_user_id: a.id,
            to_user_id: b.id,
            created_at: self.now(),
        };
        Ok(self
            .store
            .remove_relationship(&scope.actor().principal().audit_ctx(self), record)
            .await?)
    }

    /// The organization's relationships between people the caller may see (P8), so ids of
    /// people outside their reach do not leak; `hidden` counts the others.
    pub async fn visible_relationships(
        &self,
        scope: &OrgScope,
    ) -> Result<VisibleRelationships, ServiceError> {
        scope.require("members.view")?;
        let actor = scope.actor();
        let mut seen: std::collections::HashMap<UserId, Option<UserRecord>> = Default::default();
        let mut out = VisibleRelationships::default();
        for r in self.store.list_relationships(scope.org_id()).await? {
            let mut pair = Vec::with_capacity(2);
            for id in [r.from_user_id, r.to_user_id] {
                if let std::collections::hash_map::Entry::Vacant(slot) = seen.entry(id) {
                    slot.insert(match self.visible_user(actor, id).await {
                        Ok(u) => Some(crate::users::for_viewer(actor, u)),
                        Err(ServiceError::NotFound(_)) => None,
                        Err(e) => return Err(e),
                    });
                }
                pair.push(seen[&id].clone());
            }
            match (pair[0].take(), pair[1].take()) {
                (Some(from), Some(to)) => out.items.push(VisibleRelationship {
                    relationship: r,
                    from,
                    to,
                }),
                _ => out.hidden += 1,
            }
        }
        Ok(out)
    }

    /// As [`Self::visible_relationships`], the records only.
    pub async fn list_relationships(
        &self,
        scope: &OrgScope,
    ) -> Result<Vec<RelationshipRecord>, ServiceError> {
        Ok(self
            .visible_relationships(scope)
            .await?
            .items
            .into_iter()
            .map(|v| v.relationship)
            .collect())
    }
}

/// A relationship with both people, as the caller may see them.
#[derive(Debug, Clone)]
pub struct VisibleRelationship {
    pub relationship: RelationshipRecord,
    pub from: UserRecord,
    pub to: UserRecord,
}

#[derive(Debug, Clone, Default)]
pub struct VisibleRelationships {
    pub items: Vec<VisibleRelationship>,
    /// Relationships involving someone the caller may not see.
    pub hidden: usize,
}

/// U9: whoever is given back-office power must have an IP allowlist first.
fn needs_allowlist(target: &UserRecord) -> Result<(), ServiceError> {
    if target.ip_allowlist.is_none() {
        return Err(ValidationError::new(
            "ip_allowlist",
            "a back-office user needs an IP allowlist: set it first (`*` for no restriction)",
        )
        .into());
    }
    Ok(())
}
