//! The model encoded for Cedar.
//!
//! - Entities: `Platform::"all"`; `Org::"o<n>"` under its parent organization (roots under the
//!   platform); `Project::"p<n>"` under its organization; `User::"u<n>"`.
//! - A user's assignments of role `i` are the attribute `r<i>`: the set of scopes where they
//!   hold it. A personal denial of permission `j` is the attribute `d<j>`, likewise.
//! - One `permit` per role: its permissions as the action list, `resource in principal.r<i>`
//!   (Cedar's `in` follows the entity hierarchy, so an organization's assignment reaches its
//!   sub-organizations and projects). One `forbid` per permission for the denials; in Cedar a
//!   forbid beats any permit, which is P4's "grants minus denials".
//! - The resource of a check is its scope's entity.
//! - Cedar has no expiry here: it gets the assignments in force at `NOW`.

use crate::model::{Model, ORGS, PROJECTS_PER_ORG, Query, scope_name};
use cedar_policy::{
    Authorizer, Context, Entities, Entity, EntityId, EntityTypeName, EntityUid, PolicySet, Request,
    RestrictedExpression,
};
use portico_domain::access::{Effect, OrgKey, PermIx, Scope};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;

pub struct Cedar {
    /// Every policy.
    pub policies: PolicySet,
    /// Cedar's advice for large policy sets ("policy slicing"): per permission, only the
    /// policies that mention it (the roles that include it and its forbid).
    pub sliced: Vec<PolicySet>,
    pub entities: Entities,
    pub authorizer: Authorizer,
    pub policy_count: usize,
    pub entity_count: usize,
}

fn uid(ty: &str, id: &str) -> EntityUid {
    EntityUid::from_type_name_and_id(
        EntityTypeName::from_str(ty).expect("type name"),
        EntityId::new(id),
    )
}

fn scope_uid(s: Scope) -> EntityUid {
    match s {
        Scope::Platform => uid("Platform", "all"),
        Scope::Org(_) => uid("Org", &scope_name(s)),
        Scope::Project(..) => uid("Project", &scope_name(s)),
    }
}

fn action(p: PermIx) -> EntityUid {
    uid("Action", &format!("perm{}", p.0))
}

fn permit(i: usize, actions: &[String]) -> String {
    format!(
        "permit(principal, action in [{}], resource) when {{ principal has r{i} && resource in principal.r{i} }};\n",
        actions.join(", ")
    )
}

fn forbid(j: u16) -> String {
    format!(
        "forbid(principal, action == {}, resource) when {{ principal has d{j} && resource in principal.d{j} }};\n",
        action(PermIx(j))
    )
}

/// The whole policy set, its size, and its slices by permission.
fn policies(m: &Model) -> (PolicySet, usize, Vec<PolicySet>) {
    let mut text = String::new();
    let mut n = 0;
    let mut slices = vec![String::new(); m.permission_count() as usize];
    for (i, role) in m.roles.iter().enumerate() {
        let actions: Vec<String> = role
            .permissions
            .iter()
            .map(|p| action(p).to_string())
            .collect();
        if actions.is_empty() {
            continue;
        }
        text.push_str(&permit(i, &actions));
        n += 1;
        for p in role.permissions.iter() {
            slices[p.0 as usize].push_str(&permit(i, &[action(p).to_string()]));
        }
    }
    for j in 0..m.permission_count() {
        text.push_str(&forbid(j));
        slices[j as usize].push_str(&forbid(j));
        n += 1;
    }
    let sliced = slices
        .iter()
        .map(|t| PolicySet::from_str(t).expect("cedar policy slice"))
        .collect();
    (
        PolicySet::from_str(&text).expect("cedar policies"),
        n,
        sliced,
    )
}

pub fn build(m: &Model) -> Cedar {
    let (policies, policy_count, sliced) = policies(m);
    let mut entities: Vec<Entity> = Vec::with_capacity(m.users as usize + 70_000);
    let platform = uid("Platform", "all");
    entities.push(Entity::with_uid(platform.clone()));
    for o in 0..ORGS {
        let parent = match m.tree.parent(OrgKey(o)) {
            Some(p) => scope_uid(Scope::Org(p)),
            None => platform.clone(),
        };
        let org = scope_uid(Scope::Org(OrgKey(o)));
        entities.push(Entity::new_no_attrs(org, HashSet::from([parent])));
    }
    for p in 0..ORGS * PROJECTS_PER_ORG {
        let project = portico_domain::access::ProjectKey(p);
        let org = crate::model::project_org(project);
        entities.push(Entity::new_no_attrs(
            scope_uid(Scope::Project(project, org)),
            HashSet::from([scope_uid(Scope::Org(org))]),
        ));
    }
    // Per user: attribute name → scopes.
    let mut attrs: Vec<BTreeMap<String, Vec<EntityUid>>> =
        (0..m.users).map(|_| BTreeMap::new()).collect();
    for a in m.live_assignments() {
        attrs[a.user.0 as usize]
            .entry(format!("r{}", a.role.0))
            .or_default()
            .push(scope_uid(a.scope));
    }
    for o in &m.overrides {
        assert_eq!(o.effect, Effect::Deny, "the model has denials only");
        for p in o.permissions.iter() {
            attrs[o.user.0 as usize]
                .entry(format!("d{}", p.0))
                .or_default()
                .push(scope_uid(o.scope));
        }
    }
    for (u, a) in attrs.into_iter().enumerate() {
        let a: HashMap<String, RestrictedExpression> = a
            .into_iter()
            .map(|(k, scopes)| {
                let set = RestrictedExpression::new_set(
                    scopes.into_iter().map(RestrictedExpression::new_entity_uid),
                );
                (k, set)
            })
            .collect();
        entities.push(
            Entity::new(uid("User", &format!("u{u}")), a, HashSet::new()).expect("user entity"),
        );
    }
    let entity_count = entities.len();
    let entities = Entities::from_entities(entities, None).expect("cedar entities");
    Cedar {
        policies,
        sliced,
        entities,
        authorizer: Authorizer::new(),
        policy_count,
        entity_count,
    }
}

/// A check as Cedar's request (built before timing starts).
pub fn request(q: &Query) -> Request {
    Request::new(
        uid("User", &format!("u{}", q.user.0)),
        action(q.perm),
        scope_uid(q.scope),
        Context::empty(),
        None,
    )
    .expect("cedar request")
}

impl Cedar {
    /// The check against every policy.
    pub fn allowed(&self, r: &Request) -> bool {
        self.decide(r, &self.policies)
    }

    /// The check against the slice for its permission.
    pub fn allowed_sliced(&self, q: &Query, r: &Request) -> bool {
        self.decide(r, &self.sliced[q.perm.0 as usize])
    }

    fn decide(&self, r: &Request, policies: &PolicySet) -> bool {
        self.authorizer
            .is_authorized(r, policies, &self.entities)
            .decision()
            == cedar_policy::Decision::Allow
    }
}
