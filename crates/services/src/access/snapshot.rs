//! One consistent, immutable picture of who may do what: the engine built from the store's
//! [`AccessData`], with the maps from ids to the engine's dense keys, the data filters compiled
//! to one bit per organization, and the records for listing and explaining.

use crate::records::{
    AccessData, AssignmentRecord, OverrideEffect, OverrideRecord, Reach, RoleRecord, ScopeRef,
    parse_reach,
};
use portico_domain::access::{
    AccessEngine, Assignment, Catalog, DataFilter, Effect, OrgKey, OrgTree, Override, PermIx,
    PermissionSet, ProjectKey, Relation, Role, RoleKey, Scope, UserKey,
};
use portico_domain::ids::{OrgId, ProjectId, RoleId, UserId};
use std::collections::HashMap;
use std::sync::Arc;

use super::filters::compile_filters;
pub use super::filters::{CompiledFilters, filters_within};

#[derive(Debug)]
pub struct AccessSnapshot {
    pub version: i64,
    pub catalog: Arc<Catalog>,
    engine: AccessEngine,
    org_keys: HashMap<OrgId, OrgKey>,
    org_ids: Vec<OrgId>,
    /// Each project's key and its organization's key (PR1, P3).
    project_keys: HashMap<ProjectId, (ProjectKey, OrgKey)>,
    project_ids: Vec<ProjectId>,
    user_keys: HashMap<UserId, UserKey>,
    user_ids: Vec<UserId>,
    roles: Vec<RoleRecord>,
    role_keys: HashMap<RoleId, RoleKey>,
    role_sets: Vec<PermissionSet>,
    assignments: HashMap<UserId, Vec<AssignmentRecord>>,
    overrides: HashMap<UserId, Vec<OverrideRecord>>,
    filters: HashMap<UserId, CompiledFilters>,
    super_admin: Option<UserId>,
    /// Users holding each role (any scope, expired included).
    role_holder_counts: HashMap<RoleId, usize>,
    /// S6: stored policies by organization (`None`: the platform's).
    policies: HashMap<Option<OrgId>, crate::security::PolicyRecord>,
}

impl AccessSnapshot {
    /// Builds the snapshot. Records that no longer fit (an organization deleted, a permission
    /// no longer in the catalogue, a level mismatch written by an older version) are skipped
    /// rather than failing every request.
    pub fn build(data: AccessData, catalog: Arc<Catalog>) -> Self {
        let org_ids: Vec<OrgId> = data.orgs.iter().map(|o| o.id).collect();
        let org_keys: HashMap<OrgId, OrgKey> = org_ids
            .iter()
            .enumerate()
            .map(|(i, id)| (*id, OrgKey(i as u32)))
            .collect();
        let parents: Vec<Option<OrgKey>> = data
            .orgs
            .iter()
            .map(|o| o.parent_id.and_then(|p| org_keys.get(&p).copied()))
            .collect();
        // A project whose organization is unknown (deleted meanwhile) is skipped.
        let mut project_ids = Vec::with_capacity(data.projects.len());
        let mut project_keys = HashMap::with_capacity(data.projects.len());
        for p in &data.projects {
            if let Some(o) = org_keys.get(&p.org_id) {
                project_keys.insert(p.id, (ProjectKey(project_ids.len() as u32), *o));
                project_ids.push(p.id);
            }
        }
        let tree = OrgTree::new(parents.clone()).unwrap_or_else(|_| {
            // A cycle cannot be stored (O1 is checked in the write transaction); should one
            // appear anyway, treat every organization as top-level rather than fail.
            OrgTree::new(vec![None; org_ids.len()]).expect("a flat tree")
        });

        let mut roles_domain = Vec::with_capacity(data.roles.len());
        let mut role_sets = Vec::with_capacity(data.roles.len());
        let mut role_keys = HashMap::new();
        for (i, r) in data.roles.iter().enumerate() {
            let set: PermissionSet = r
                .permissions
                .iter()
                .filter_map(|k| catalog.index_of(k).ok())
                .collect::<PermissionSet>()
                .intersection(&catalog.valid_at(r.level));
            role_keys.insert(r.id, RoleKey(i as u32));
            role_sets.push(set);
            roles_domain.push(Role {
                key: r.key.clone(),
                name: r.name.clone(),
                level: r.level,
                description: r.description.clone(),
                permissions: set,
                preset: r.preset,
                reach: parse_reach(&r.reach).unwrap_or(portico_domain::access::Reach::Scope),
            });
        }

        let mut user_keys: HashMap<UserId, UserKey> = HashMap::new();
        let mut user_ids: Vec<UserId> = Vec::new();
        let mut key_of = |u: UserId| {
            *user_keys.entry(u).or_insert_with(|| {
                user_ids.push(u);
                UserKey(user_ids.len() as u32 - 1)
            })
        };
        let scope_of = |s: &ScopeRef| match s {
            ScopeRef::Platform => Some(Scope::Platform),
            ScopeRef::Org(o) => org_keys.get(o).map(|k| Scope::Org(*k)),
            ScopeRef::Project(p) => project_keys.get(p).map(|(p, o)| Scope::Project(*p, *o)),
        };
        let mut eng_assignments = Vec::new();
        let mut assignments: HashMap<UserId, Vec<AssignmentRecord>> = HashMap::new();
        for a in data.assignments {
            let (Some(scope), Some(role)) = (scope_of(&a.scope), role_keys.get(&a.role_id)) else {
                continue;
            };
            if roles_domain[role.0 as usize].level != scope.level() {
                continue;
            }
            eng_assignments.push(Assignment {
                user: key_of(a.user_id),
                role: *role,
                scope,
                expires: a.expires_at.map(|t| t.millis()),
            });
            assignments.entry(a.user_id).or_default().push(a);
        }
        let mut grouped: HashMap<(UserKey, Scope, OverrideEffect), PermissionSet> = HashMap::new();
        let mut overrides: HashMap<UserId, Vec<OverrideRecord>> = HashMap::new();
        for o in data.overrides {
            let (Some(scope), Ok(ix)) = (scope_of(&o.scope), catalog.index_of(&o.permission))
            else {
                continue;
            };
            grouped
                .entry((key_of(o.user_id), scope, o.effect))
                .or_default()
                .insert(ix);
            overrides.entry(o.user_id).or_default().push(o);
        }
        let eng_overrides: Vec<Override> = grouped
            .into_iter()
            .map(|((user, scope, effect), permissions)| Override {
                user,
                scope,
                effect: match effect {
                    OverrideEffect::Grant => Effect::Grant,
                    OverrideEffect::Deny => Effect::Deny,
                },
                permissions,
            })
            .collect();
        let engine = AccessEngine::build(tree, &roles_domain, &eng_assignments, &eng_overrides)
            .expect("records were checked against the tree and the roles above");

        let mut by_user: HashMap<UserId, Vec<DataFilter>> = HashMap::new();
        for (u, f) in data.filters {
            by_user.entry(u).or_default().push(f);
        }
        let filters = by_user
            .into_iter()
            .map(|(u, list)| {
                let pass = compile_filters(&list, &data.orgs, &parents);
                (u, CompiledFilters { list, pass })
            })
            .collect();

        let mut role_holder_counts: HashMap<RoleId, usize> = HashMap::new();
        for held in assignments.values() {
            let mut roles: Vec<RoleId> = held.iter().map(|a| a.role_id).collect();
            roles.sort();
            roles.dedup();
            for r in roles {
                *role_holder_counts.entry(r).or_default() += 1;
            }
        }
        Self {
            version: data.version,
            catalog,
            engine,
            org_keys,
            org_ids,
            project_keys,
            project_ids,
            user_keys,
            user_ids,
            roles: data.roles,
            role_keys,
            role_sets,
            assignments,
            overrides,
            filters,
            super_admin: data.super_admin,
            role_holder_counts,
            policies: data.policies.into_iter().map(|p| (p.org_id, p)).collect(),
        }
    }

    /// S6: the stored policy of an organization, or the platform's (`None`).
    pub fn policy_of(&self, org: Option<OrgId>) -> Option<&crate::security::PolicyRecord> {
        self.policies.get(&org)
    }

    pub fn super_admin(&self) -> Option<UserId> {
        self.super_admin
    }

    pub fn is_super_admin(&self, user: UserId) -> bool {
        self.super_admin == Some(user)
    }

    pub fn org_key(&self, org: OrgId) -> Option<OrgKey> {
        self.org_keys.get(&org).copied()
    }

    pub fn org_id(&self, key: OrgKey) -> Option<OrgId> {
        self.org_ids.get(key.0 as usize).copied()
    }

    pub fn org_count(&self) -> usize {
        self.org_ids.len()
    }

    /// `ancestor` is `org` or one of its ancestors.
    pub fn is_within(&self, org: OrgId, ancestor: OrgId) -> bool {
        match (self.org_key(ancestor), self.org_key(org)) {
            (Some(a), Some(o)) => self.engine.tree().is_ancestor_or_self(a, o),
            _ => false,
        }
    }

    /// `org` and its ancestors, nearest first.
    pub fn chain(&self, org: OrgId) -> Vec<OrgId> {
        match self.org_key(org) {
            Some(k) => self
                .engine
                .tree()
                .chain(k)
                .filter_map(|k| self.org_id(k))
                .collect(),
            None => Vec::new(),
        }
    }

    pub fn roles(&self) -> &[RoleRecord] {
        &self.roles
    }

    pub fn role(&self, id: RoleId) -> Option<&RoleRecord> {
        self.role_keys.get(&id).map(|k| &self.roles[k.0 as usize])
    }

    /// The role's permissions as the engine sees them (valid at its level, known).
    pub fn role_set(&self, id: RoleId) -> Option<PermissionSet> {
        self.role_keys
            .get(&id)
            .map(|k| self.role_sets[k.0 as usize])
    }

    pub fn role_by_key(&self, key: &str) -> Option<&RoleRecord> {
        self.roles.iter().find(|r| r.key == key)
    }

    pub fn assignments_of(&self, user: UserId) -> &[AssignmentRecord] {
        self.assignments.get(&user).map_or(&[], Vec::as_slice)
    }

    pub fn overrides_of(&self, user: UserId) -> &[OverrideRecord] {
        self.overrides.get(&user).map_or(&[], Vec::as_slice)
    }

    pub fn filters_of(&self, user: UserId) -> Option<&CompiledFilters> {
        self.filters.get(&user)
    }

    /// How many users hold `role` (any scope), counted once when the snapshot is built.
    pub fn role_holders(&self, role: RoleId) -> usize {
        self.role_holder_counts.get(&role).copied().unwrap_or(0)
    }

    pub(crate) fn scope(&self, s: ScopeRef) -> Option<Scope> {
        match s {
            ScopeRef::Platform => Some(Scope::Platform),
            ScopeRef::Org(o) => self.org_key(o).map(Scope::Org),
            ScopeRef::Project(p) => self
                .project_keys
                .get(&p)
                .map(|(p, o)| Scope::Project(*p, *o)),
        }
    }

    pub(crate) fn scope_ref(&self, s: Scope) -> ScopeRef {
        match s {
            Scope::Platform => ScopeRef::Platform,
            Scope::Org(o) => self.org_id(o).map_or(ScopeRef::Platform, ScopeRef::Org),
            Scope::Project(p, o) => match self.project_ids.get(p.0 as usize) {
                Some(id) => ScopeRef::Project(*id),
                None => self.org_id(o).map_or(ScopeRef::Platform, ScopeRef::Org),
            },
        }
    }

    /// The organization a project belongs to; `None` for an unknown project.
    pub fn project_org(&self, project: ProjectId) -> Option<OrgId> {
        self.project_keys
            .get(&project)
            .and_then(|(_, o)| self.org_id(*o))
    }

    /// The organization a scope lies in, for visibility and audit: the organization itself,
    /// a project's organization, `None` for the platform (and for an unknown project).
    pub fn scope_org(&self, scope: ScopeRef) -> Option<OrgId> {
        match scope {
            ScopeRef::Platform => None,
            ScopeRef::Org(o) => Some(o),
            ScopeRef::Project(p) => self.project_org(p),
        }
    }

    /// Does `outer` reach `inner`? The platform reaches everything, an organization its
    /// subtree and the projects in it, a project only itself.
    pub fn scope_contains(&self, outer: ScopeRef, inner: ScopeRef) -> bool {
        match (outer, inner) {
            (ScopeRef::Platform, _) => true,
            (ScopeRef::Org(a), ScopeRef::Org(_) | ScopeRef::Project(_)) => {
                self.scope_org(inner).is_some_and(|b| self.is_within(b, a))
            }
            (ScopeRef::Project(p), ScopeRef::Project(q)) => p == q,
            _ => false,
        }
    }

    pub(crate) fn user_key(&self, u: UserId) -> Option<UserKey> {
        self.user_keys.get(&u).copied()
    }

    pub(crate) fn engine(&self) -> &AccessEngine {
        &self.engine
    }

    /// Do `user`'s data filters let `scope` through? Users without filters always pass, and so
    /// does the platform scope: a filter narrows *where* a platform permission applies (each
    /// organization is checked on its own), not *what* is held at the platform. That makes the
    /// platform set of a filtered user look as large as an unfiltered one's, so whatever is
    /// given or done at the platform must also compare reach: [`Self::filters_cover`] (P6).
    pub fn filters_pass(&self, user: UserId, scope: ScopeRef) -> bool {
        match (scope, self.filters.get(&user)) {
            (ScopeRef::Platform, _) | (_, None) => true,
            (s, Some(f)) => self
                .scope_org(s)
                .and_then(|o| self.org_key(o))
                .is_some_and(|k| f.passes(k)),
        }
    }

    /// The data filters `user` carries; empty for none. The super admin is never narrowed.
    pub fn filter_list(&self, user: UserId) -> &[DataFilter] {
        if self.is_super_admin(user) {
            return &[];
        }
        self.filters.get(&user).map_or(&[], |f| f.list.as_slice())
    }

    /// P5 + P6: does someone carrying `filters` reach, through them, only organizations that
    /// `actor`'s own filters let through — now and after any later change of tags, attributes
    /// or organizations? True when `actor` is unfiltered (or the super admin). Decided on the
    /// filters themselves, not on today's organizations (see [`filters_within`]), so a
    /// retagged organization cannot open a gap later.
    pub fn filters_cover(&self, actor: UserId, filters: &[DataFilter]) -> bool {
        filters_within(filters, self.filter_list(actor))
    }

    /// What `user` holds at `scope` by roles and overrides, *before* their own data filters
    /// apply: what they would hold there were their filters changed or the organization
    /// retagged. The super admin holds everything.
    pub fn effective_unfiltered(&self, user: UserId, scope: ScopeRef, now: i64) -> PermissionSet {
        if self.is_super_admin(user) {
            return self.catalog.all();
        }
        match (self.user_key(user), self.scope(scope)) {
            (Some(k), Some(s)) => self.engine.effective_over(k, s, None, now),
            _ => PermissionSet::EMPTY,
        }
    }

    /// P4 + P5 + P7: everything `user` holds at `scope` at `now` (Unix ms). The super admin
    /// holds every permission everywhere; an unknown organization yields nothing.
    pub fn effective(&self, user: UserId, scope: ScopeRef, now: i64) -> PermissionSet {
        self.effective_related(user, scope, None, now)
    }

    /// As [`Self::effective`], plus the relationship roles for `relation` (P8).
    pub fn effective_related(
        &self,
        user: UserId,
        scope: ScopeRef,
        relation: Option<Relation>,
        now: i64,
    ) -> PermissionSet {
        if self.is_super_admin(user) {
            return self.catalog.all();
        }
        let (Some(k), Some(s)) = (self.user_key(user), self.scope(scope)) else {
            return PermissionSet::EMPTY;
        };
        if !self.filters_pass(user, scope) {
            return PermissionSet::EMPTY;
        }
        self.engine.effective_over(k, s, relation, now)
    }

    pub fn allowed(&self, user: UserId, perm: PermIx, scope: ScopeRef, now: i64) -> bool {
        if self.is_super_admin(user) {
            return true;
        }
        let (Some(k), Some(s)) = (self.user_key(user), self.scope(scope)) else {
            return false;
        };
        self.filters_pass(user, scope) && self.engine.allowed(k, perm, s, now)
    }

    /// A back-office user: the super admin, or anyone with an active assignment or a grant.
    pub fn is_back_office(&self, user: UserId, now: i64) -> bool {
        self.is_super_admin(user)
            || self
                .user_key(user)
                .is_some_and(|k| self.engine.holds_anything(k, now))
    }

    /// Does `user` hold any role whose reach is a relationship (P8)? Only then is it worth
    /// looking relationships up.
    pub fn holds_related_role(&self, user: UserId) -> bool {
        self.assignments_of(user).iter().any(|a| {
            self.role(a.role_id)
                .is_some_and(|r| r.reach != "scope" && !r.reach.is_empty())
        })
    }

    /// The organizations where `user` holds `perm` at `now`: `All` when held at the platform
    /// without filters.
    pub fn reach(&self, user: UserId, perm: PermIx, now: i64) -> Reach {
        if self.is_super_admin(user) {
            return Reach::All;
        }
        let Some(k) = self.user_key(user) else {
            return Reach::Orgs(Vec::new());
        };
        let platform = self.engine.allowed(k, perm, Scope::Platform, now);
        let filtered = self.filters.get(&user);
        if platform && filtered.is_none() {
            return Reach::All;
        }
        let orgs = (0..self.org_ids.len() as u32)
            .map(OrgKey)
            .filter(|o| filtered.is_none_or(|f| f.passes(*o)))
            .filter(|o| platform || self.engine.allowed(k, perm, Scope::Org(*o), now))
            .map(|o| self.org_ids[o.0 as usize])
            .collect();
        Reach::Orgs(orgs)
    }

    /// The users with a role assignment or a personal override attached exactly at `scope`
    /// (what deleting a project takes away).
    pub fn users_attached_at(&self, scope: ScopeRef) -> impl Iterator<Item = UserId> + '_ {
        self.user_ids.iter().copied().filter(move |u| {
            self.assignments_of(*u).iter().any(|a| a.scope == scope)
                || self.overrides_of(*u).iter().any(|o| o.scope == scope)
        })
    }

    /// Every user with assignments or overrides (the engine's users), for holders and P6
    /// checks that must consider everyone who holds something.
    pub(crate) fn users_with_access(&self) -> impl Iterator<Item = UserId> + '_ {
        self.user_ids.iter().copied()
    }
}
