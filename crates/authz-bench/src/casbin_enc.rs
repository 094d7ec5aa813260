//! The model encoded for casbin as RBAC with domains.
//!
//! - A domain is a scope: `platform`, `o<n>` (an organization), `p<n>` (a project).
//! - `g, user, role, domain` is a role assignment at a scope.
//! - `p, role, permission, allow` lists a role's permissions.
//! - A personal denial of permission `j` at a scope is `g, user, deny:j, domain` with
//!   `p, deny:j, j, deny` (one deny role per permission, so the policy stays small).
//! - casbin has no hierarchy of domains, so the request carries the check's scope chain
//!   (platform, the organization's ancestors, the organization, the project): six domain slots,
//!   padded with `-`. The matcher looks for the role link in any of them, and the effect is
//!   "some allow and no deny", which is P4's "grants minus denials" over the chain.
//! - casbin has no expiry: it gets the assignments in force at `NOW`.

use crate::model::{Model, Query, scope_name};
use casbin::prelude::*;
use portico_domain::access::{Effect, PermIx};

const MODEL: &str = r#"
[request_definition]
r = sub, d0, d1, d2, d3, d4, d5, obj

[policy_definition]
p = sub, obj, eft

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))

[matchers]
m = r.obj == p.obj && (g(r.sub, p.sub, r.d0) || g(r.sub, p.sub, r.d1) || g(r.sub, p.sub, r.d2) || g(r.sub, p.sub, r.d3) || g(r.sub, p.sub, r.d4) || g(r.sub, p.sub, r.d5))
"#;

/// Domain slots in a request.
pub const SLOTS: usize = 6;

pub fn perm_name(p: PermIx) -> String {
    format!("perm{}", p.0)
}

/// Builds the enforcer; returns it with the number of `p` and `g` rules.
pub async fn build(m: &Model) -> (Enforcer, usize, usize) {
    let model = DefaultModel::from_str(MODEL).await.expect("casbin model");
    let mut e = Enforcer::new(model, MemoryAdapter::default())
        .await
        .expect("casbin enforcer");
    let mut p: Vec<Vec<String>> = Vec::new();
    for (i, role) in m.roles.iter().enumerate() {
        for perm in role.permissions.iter() {
            p.push(vec![format!("r{i}"), perm_name(perm), "allow".into()]);
        }
    }
    for j in 0..m.permission_count() {
        let perm = perm_name(PermIx(j));
        p.push(vec![format!("deny:{perm}"), perm, "deny".into()]);
    }
    let mut g: Vec<Vec<String>> = Vec::new();
    for a in m.live_assignments() {
        g.push(vec![
            format!("u{}", a.user.0),
            format!("r{}", a.role.0),
            scope_name(a.scope),
        ]);
    }
    for o in &m.overrides {
        assert_eq!(o.effect, Effect::Deny, "the model has denials only");
        for perm in o.permissions.iter() {
            g.push(vec![
                format!("u{}", o.user.0),
                format!("deny:{}", perm_name(perm)),
                scope_name(o.scope),
            ]);
        }
    }
    let (np, ng) = (p.len(), g.len());
    e.add_policies(p).await.expect("casbin policies");
    e.add_grouping_policies(g).await.expect("casbin grouping");
    (e, np, ng)
}

/// A check as casbin's request: subject, six domains, object.
pub fn request(m: &Model, q: &Query) -> Vec<String> {
    let mut r = Vec::with_capacity(SLOTS + 2);
    r.push(format!("u{}", q.user.0));
    let chain = m.chain(q.scope);
    assert!(chain.len() <= SLOTS, "scope chain deeper than the request");
    r.extend(chain.into_iter().map(scope_name));
    while r.len() < SLOTS + 1 {
        r.push("-".into());
    }
    r.push(perm_name(q.perm));
    r
}
