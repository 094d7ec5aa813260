//! Effective permissions (P3, P4, P8) and explain (P10).
//!
//! Inputs are dense `u32` keys (the services map ids to keys): an organization tree, roles,
//! role assignments at a scope with optional expiry, and personal grants and denials. Each
//! user's data is compiled once into a short list of per-scope entries (`allow`, `deny` bit
//! sets, interned in one table of distinct sets; the first two entries sit in the user's own
//! 64-byte record), so [`AccessEngine::allowed`] reads the user's few entries and tests each one with an
//! O(1) interval check ("is this organization an ancestor of the scope?") on the tree's DFS
//! numbering. Expiring assignments are kept apart and compared with `now` at check time, so
//! the engine stays valid as time passes; no clock is read here.

use super::AccessError;
use super::catalog::{Level, PermIx};
use super::role::{Reach, Relation, Role};
use super::set::PermissionSet;

pub use super::tree::{OrgKey, OrgTree, ProjectKey, RoleKey, Scope, UserKey};

/// A role bound to a user at a scope (P3); `expires` in Unix milliseconds, exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assignment {
    pub user: UserKey,
    pub role: RoleKey,
    pub scope: Scope,
    pub expires: Option<i64>,
}

impl Assignment {
    pub fn active(&self, now: i64) -> bool {
        self.expires.is_none_or(|e| now < e)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Grant,
    Deny,
}

/// A personal grant or denial (P4) at a scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Override {
    pub user: UserKey,
    pub scope: Scope,
    pub effect: Effect,
    pub permissions: PermissionSet,
}

/// Why a check came out as it did (P10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// An active assignment whose role holds the permission.
    Role(Assignment),
    /// A personal grant holding it.
    Grant(Override),
    /// A personal denial of it: denials win.
    Denial(Override),
    /// An assignment that would grant it but has expired.
    Expired(Assignment),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    /// Some assignment or grant gives it, but a denial takes it away.
    Denied,
    /// No role or grant gives it here.
    NotGranted,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub decision: Decision,
    /// Allowed: every assignment and grant giving it. Denied: the denials, then what they
    /// override. Not granted: expired assignments that used to give it (maybe none).
    pub reasons: Vec<Reason>,
}

impl Explanation {
    pub fn allowed(&self) -> bool {
        self.decision == Decision::Allowed
    }
}

/// What a user holds at one scope: `allow` and `deny` are indices into the engine's table of
/// distinct permission sets (most users share their role's set), so an entry is 16 bytes.
#[derive(Debug, Clone, Copy)]
struct Entry {
    key: u64,
    allow: u32,
    deny: u32,
}

/// An entry while a user is being compiled.
#[derive(Debug, Clone, Copy)]
struct Draft {
    key: u64,
    allow: PermissionSet,
    deny: PermissionSet,
}

/// Index of the empty set in `AccessEngine::sets`.
const EMPTY_SET: u32 = 0;

/// Entries kept inline in `UserAccess`.
const HEAD: usize = 2;

#[derive(Debug, Clone, Copy)]
struct Timed {
    key: u64,
    expires: i64,
    allow: PermissionSet,
}

#[derive(Debug, Clone, Copy)]
struct Related {
    key: u64,
    relation: Relation,
    expires: i64,
    allow: PermissionSet,
}

/// The key of no scope: `applies` is false for it.
const NO_KEY: u64 = u64::MAX;

/// One user's compiled access: what a check reads, in one 64-byte cache line. The first two
/// entries are inline (a user with one or two scopes, nearly everyone, costs one memory read);
/// more go to `rest`.
#[derive(Debug, Clone)]
#[repr(C, align(64))]
struct UserAccess {
    /// The entries with the smallest keys; unused ones have `key == NO_KEY`.
    head: [Entry; HEAD],
    /// The other entries, sorted by `key`, one per scope.
    rest: Box<[Entry]>,
    timed: Box<[Timed]>,
}

impl Default for UserAccess {
    fn default() -> Self {
        Self {
            head: [Entry {
                key: NO_KEY,
                allow: EMPTY_SET,
                deny: EMPTY_SET,
            }; HEAD],
            rest: Box::default(),
            timed: Box::default(),
        }
    }
}

/// The rest of a user's data: relationship roles and the records the entries came from.
#[derive(Debug, Clone, Default)]
struct UserRecords {
    related: Box<[Related]>,
    assignments: Box<[Assignment]>,
    overrides: Box<[Override]>,
}

/// Above this many entries a check walks the scope's ancestors with binary search instead of
/// testing every entry.
const LINEAR_LIMIT: usize = 12;

#[derive(Debug, Clone)]
pub struct AccessEngine {
    tree: OrgTree,
    roles: Vec<(Level, Reach, PermissionSet)>,
    users: Vec<UserAccess>,
    records: Vec<UserRecords>,
    /// Distinct permission sets that entries point into; `sets[EMPTY_SET]` is empty.
    sets: Vec<PermissionSet>,
    set_index: std::collections::HashMap<PermissionSet, u32>,
}

impl AccessEngine {
    pub fn build(
        tree: OrgTree,
        roles: &[Role],
        assignments: &[Assignment],
        overrides: &[Override],
    ) -> Result<Self, AccessError> {
        let mut engine = AccessEngine {
            tree,
            roles: roles
                .iter()
                .map(|r| (r.level, r.reach, r.permissions))
                .collect(),
            users: Vec::new(),
            records: Vec::new(),
            sets: vec![PermissionSet::EMPTY],
            set_index: std::collections::HashMap::from([(PermissionSet::EMPTY, EMPTY_SET)]),
        };
        let mut a: Vec<Assignment> = assignments.to_vec();
        let mut o: Vec<Override> = overrides.to_vec();
        a.sort_by_key(|x| x.user);
        o.sort_by_key(|x| x.user);
        let n = a
            .iter()
            .map(|x| x.user.0 + 1)
            .chain(o.iter().map(|x| x.user.0 + 1))
            .max();
        engine.users = vec![UserAccess::default(); n.unwrap_or(0) as usize];
        engine.records = vec![UserRecords::default(); n.unwrap_or(0) as usize];
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < o.len() {
            let user = match (a.get(i), o.get(j)) {
                (Some(x), Some(y)) => x.user.min(y.user),
                (Some(x), None) => x.user,
                (None, Some(y)) => y.user,
                (None, None) => unreachable!(),
            };
            let i2 = i + a[i..].iter().take_while(|x| x.user == user).count();
            let j2 = j + o[j..].iter().take_while(|x| x.user == user).count();
            engine.set_user(user, &a[i..i2], &o[j..j2])?;
            (i, j) = (i2, j2);
        }
        Ok(engine)
    }

    /// Replaces one user's assignments and overrides (the records must all name `user`).
    pub fn set_user(
        &mut self,
        user: UserKey,
        assignments: &[Assignment],
        overrides: &[Override],
    ) -> Result<(), AccessError> {
        let mut entries: Vec<Draft> = Vec::new();
        let mut timed = Vec::new();
        let mut related = Vec::new();
        fn entry(entries: &mut Vec<Draft>, scope: Scope) -> &mut Draft {
            let key = scope.packed();
            let pos = match entries.iter().position(|e| e.key == key) {
                Some(p) => p,
                None => {
                    let e = Draft {
                        key,
                        allow: PermissionSet::EMPTY,
                        deny: PermissionSet::EMPTY,
                    };
                    entries.push(e);
                    entries.len() - 1
                }
            };
            &mut entries[pos]
        }
        for a in assignments {
            debug_assert_eq!(a.user, user);
            self.check_scope(a.scope)?;
            let &(level, reach, perms) = self
                .roles
                .get(a.role.0 as usize)
                .ok_or(AccessError::UnknownRole(a.role.0))?;
            if level != a.scope.level() {
                return Err(AccessError::LevelMismatch {
                    role_level: level,
                    scope_level: a.scope.level(),
                });
            }
            let key = a.scope.packed();
            match (reach, a.expires) {
                (Reach::Scope, None) => entry(&mut entries, a.scope).allow.union_with(&perms),
                (Reach::Scope, Some(expires)) => timed.push(Timed {
                    key,
                    expires,
                    allow: perms,
                }),
                (Reach::Related(relation), e) => related.push(Related {
                    key,
                    relation,
                    expires: e.unwrap_or(i64::MAX),
                    allow: perms,
                }),
            }
        }
        for o in overrides {
            debug_assert_eq!(o.user, user);
            self.check_scope(o.scope)?;
            match o.effect {
                Effect::Grant => entry(&mut entries, o.scope)
                    .allow
                    .union_with(&o.permissions),
                Effect::Deny => entry(&mut entries, o.scope).deny.union_with(&o.permissions),
            }
        }
        entries.sort_by_key(|e| e.key);
        let ix = user.0 as usize;
        if self.users.len() <= ix {
            self.users.resize(ix + 1, UserAccess::default());
            self.records.resize(ix + 1, UserRecords::default());
        }
        let mut compiled: Vec<Entry> = entries
            .iter()
            .map(|d| Entry {
                key: d.key,
                allow: self.intern(d.allow),
                deny: self.intern(d.deny),
            })
            .collect();
        let mut access = UserAccess {
            timed: timed.into(),
            ..UserAccess::default()
        };
        let head = compiled.len().min(HEAD);
        access.head[..head].copy_from_slice(&compiled[..head]);
        access.rest = compiled.split_off(head).into();
        self.users[ix] = access;
        self.records[ix] = UserRecords {
            related: related.into(),
            assignments: assignments.into(),
            overrides: overrides.into(),
        };
        Ok(())
    }

    /// The index of `set` in the table of distinct sets, adding it when new.
    fn intern(&mut self, set: PermissionSet) -> u32 {
        if let Some(&i) = self.set_index.get(&set) {
            return i;
        }
        let i = self.sets.len() as u32;
        self.sets.push(set);
        self.set_index.insert(set, i);
        i
    }

    #[inline]
    fn set(&self, i: u32) -> &PermissionSet {
        &self.sets[i as usize]
    }

    /// Replaces the organization tree (an organization moved, was added or removed).
    pub fn set_tree(&mut self, tree: OrgTree) {
        self.tree = tree;
    }

    pub fn tree(&self) -> &OrgTree {
        &self.tree
    }

    fn check_scope(&self, scope: Scope) -> Result<(), AccessError> {
        match scope.org() {
            Some(o) if !self.tree.contains(o) => Err(AccessError::UnknownOrg(o.0)),
            _ => Ok(()),
        }
    }

    /// Does something attached at `key` reach `scope`?
    #[inline]
    fn applies(&self, key: u64, scope: Scope) -> bool {
        let id = key as u32;
        match (key >> 32, scope) {
            (0, _) => true,
            (1, Scope::Org(o) | Scope::Project(_, o)) => {
                self.tree.is_ancestor_or_self(OrgKey(id), o)
            }
            (2, Scope::Project(p, _)) => p.0 == id,
            _ => false,
        }
    }

    /// The entries of `u` that reach `scope`, whichever way is cheaper to find them.
    #[inline]
    fn for_each_entry(&self, u: &UserAccess, scope: Scope, mut f: impl FnMut(&Entry)) {
        if u.rest.len() + HEAD <= LINEAR_LIMIT {
            // Unused head entries have NO_KEY, which applies nowhere.
            u.head
                .iter()
                .chain(u.rest.iter())
                .filter(|e| self.applies(e.key, scope))
                .for_each(f);
            return;
        }
        let mut find = |key: u64| {
            if let Some(e) = u.head.iter().find(|e| e.key == key) {
                f(e);
            } else if let Ok(i) = u.rest.binary_search_by_key(&key, |e| e.key) {
                f(&u.rest[i]);
            }
        };
        find(Scope::Platform.packed());
        if let Some(o) = scope.org() {
            if self.tree.contains(o) {
                self.tree
                    .chain(o)
                    .for_each(|a| find(Scope::Org(a).packed()));
            } else {
                return;
            }
        }
        if let Scope::Project(..) = scope {
            find(scope.packed());
        }
    }

    /// Is `user` allowed `perm` at `scope` at time `now` (Unix ms)? The hot path.
    #[inline]
    pub fn allowed(&self, user: UserKey, perm: PermIx, scope: Scope, now: i64) -> bool {
        let Some(u) = self.users.get(user.0 as usize) else {
            return false;
        };
        let (mut allow, mut deny) = (false, false);
        self.for_each_entry(u, scope, |e| {
            allow |= self.set(e.allow).contains(perm);
            deny |= e.deny != EMPTY_SET && self.set(e.deny).contains(perm);
        });
        if deny {
            return false;
        }
        allow
            || u.timed
                .iter()
                .any(|t| now < t.expires && t.allow.contains(perm) && self.applies(t.key, scope))
    }

    /// Every permission `user` holds at `scope` at `now` (P4).
    pub fn effective(&self, user: UserKey, scope: Scope, now: i64) -> PermissionSet {
        self.effective_over(user, scope, None, now)
    }

    /// Permissions over a user who stands in `relation` to `user` (P8): the scope's effective
    /// permissions plus those of relationship roles for that relation, minus denials.
    pub fn effective_over(
        &self,
        user: UserKey,
        scope: Scope,
        relation: Option<Relation>,
        now: i64,
    ) -> PermissionSet {
        let Some(u) = self.users.get(user.0 as usize) else {
            return PermissionSet::EMPTY;
        };
        let (mut allow, mut deny) = (PermissionSet::EMPTY, PermissionSet::EMPTY);
        self.for_each_entry(u, scope, |e| {
            allow.union_with(self.set(e.allow));
            deny.union_with(self.set(e.deny));
        });
        for t in u
            .timed
            .iter()
            .filter(|t| now < t.expires && self.applies(t.key, scope))
        {
            allow.union_with(&t.allow);
        }
        if let Some(rel) = relation {
            for r in self.records[user.0 as usize].related.iter() {
                if r.relation == rel && now < r.expires && self.applies(r.key, scope) {
                    allow.union_with(&r.allow);
                }
            }
        }
        allow.difference(&deny)
    }

    /// Allowed and why (P10). Relationship roles are not counted (see `effective_over`).
    pub fn explain(&self, user: UserKey, perm: PermIx, scope: Scope, now: i64) -> Explanation {
        let Some(u) = self.records.get(user.0 as usize) else {
            return Explanation {
                decision: Decision::NotGranted,
                reasons: Vec::new(),
            };
        };
        let reaches = |s: Scope| self.applies(s.packed(), scope);
        let (mut givers, mut denials, mut expired) = (Vec::new(), Vec::new(), Vec::new());
        for a in u.assignments.iter().filter(|a| reaches(a.scope)) {
            let (_, reach, perms) = self.roles[a.role.0 as usize];
            if reach == Reach::Scope && perms.contains(perm) {
                match a.active(now) {
                    true => givers.push(Reason::Role(*a)),
                    false => expired.push(Reason::Expired(*a)),
                }
            }
        }
        for o in u
            .overrides
            .iter()
            .filter(|o| reaches(o.scope) && o.permissions.contains(perm))
        {
            match o.effect {
                Effect::Grant => givers.push(Reason::Grant(*o)),
                Effect::Deny => denials.push(Reason::Denial(*o)),
            }
        }
        match (givers.is_empty(), denials.is_empty()) {
            (false, true) => Explanation {
                decision: Decision::Allowed,
                reasons: givers,
            },
            (false, false) => {
                denials.extend(givers);
                Explanation {
                    decision: Decision::Denied,
                    reasons: denials,
                }
            }
            (true, _) => Explanation {
                decision: Decision::NotGranted,
                reasons: expired,
            },
        }
    }

    /// Who holds `perm` at `scope` at `now` (P10). Scans every user: for the console and API,
    /// not for the request path.
    pub fn holders(&self, perm: PermIx, scope: Scope, now: i64) -> Vec<UserKey> {
        (0..self.users.len() as u32)
            .map(UserKey)
            .filter(|u| self.allowed(*u, perm, scope, now))
            .collect()
    }

    /// The assignments and overrides `user` was given (for P6 checks over every scope where a
    /// user holds something, and for listing).
    pub fn records_of(&self, user: UserKey) -> (&[Assignment], &[Override]) {
        match self.records.get(user.0 as usize) {
            Some(r) => (&r.assignments, &r.overrides),
            None => (&[], &[]),
        }
    }

    /// Does `user` hold anything at all at `now` (an active assignment or a grant)? Such a user
    /// is a back-office user.
    pub fn holds_anything(&self, user: UserKey, now: i64) -> bool {
        let (a, o) = self.records_of(user);
        a.iter().any(|a| a.active(now)) || o.iter().any(|o| o.effect == Effect::Grant)
    }

    /// Number of user slots (highest user key + 1).
    pub fn user_count(&self) -> usize {
        self.users.len()
    }
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;
