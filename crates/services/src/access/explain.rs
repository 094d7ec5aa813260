//! P10: allowed or denied and why; who holds a permission at a scope.

use crate::Services;
use crate::auth::BackOffice;
use crate::error::ServiceError;
use crate::records::{ScopeRef, UserRecord};
use portico_domain::ValidationError;
use portico_domain::access::{Decision, Reason};
use portico_domain::ids::UserId;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct ExplainReason {
    /// `role`, `grant`, `denial`, `expired-role`, `filter` or `super-admin`.
    pub kind: &'static str,
    pub detail: String,
    pub scope: Option<ScopeRef>,
    pub role_id: Option<String>,
    pub assignment_id: Option<String>,
    pub override_id: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub user: UserId,
    pub permission: String,
    pub scope: ScopeRef,
    pub allowed: bool,
    /// `allowed`, `denied` (a denial or a data filter took it away) or `not-granted`.
    pub decision: &'static str,
    pub reasons: Vec<ExplainReason>,
}

fn reason(kind: &'static str, detail: String) -> ExplainReason {
    ExplainReason {
        kind,
        detail,
        scope: None,
        role_id: None,
        assignment_id: None,
        override_id: None,
    }
}

impl Services {
    fn explain_check(&self, actor: &BackOffice, scope: ScopeRef) -> Result<(), ServiceError> {
        self.visible_scope(actor, scope)?;
        actor.require("roles.view", scope)
    }

    fn perm_ix(
        &self,
        actor: &BackOffice,
        permission: &str,
    ) -> Result<portico_domain::access::PermIx, ServiceError> {
        actor
            .access()
            .catalog
            .index_of(permission.trim())
            .map_err(|_| {
                ValidationError::new("permission", format!("unknown permission {permission:?}"))
                    .into()
            })
    }

    /// Allowed or denied, and which assignment, grant, denial or filter decided.
    pub async fn explain(
        &self,
        actor: &BackOffice,
        user: UserId,
        permission: &str,
        scope: ScopeRef,
    ) -> Result<Explanation, ServiceError> {
        let target = self.visible_user(actor, user).await?;
        self.explain_check(actor, scope)?;
        let ix = self.perm_ix(actor, permission)?;
        let access = actor.access();
        let now = actor.now();
        let permission = access
            .catalog
            .entry(ix)
            .expect("indexed")
            .permission
            .to_string();
        let mut out = Explanation {
            user: target.id,
            permission,
            scope,
            allowed: false,
            decision: "not-granted",
            reasons: Vec::new(),
        };
        if target.is_super_admin {
            out.allowed = true;
            out.decision = "allowed";
            out.reasons.push(reason(
                "super-admin",
                "the super admin holds every permission everywhere (P7)".into(),
            ));
            return Ok(out);
        }
        if !access.filters_pass(target.id, scope)
            && let Some(f) = access.filters_of(target.id)
        {
            out.decision = "denied";
            for filter in &f.list {
                out.reasons.push(ExplainReason {
                    scope: Some(scope),
                    ..reason(
                        "filter",
                        format!(
                            "data filter {} leaves this organization out",
                            filter.describe()
                        ),
                    )
                });
            }
            return Ok(out);
        }
        let (Some(k), Some(s)) = (access.user_key(target.id), access.scope(scope)) else {
            return Ok(out);
        };
        let e = access.engine().explain(k, ix, s, now);
        out.allowed = e.allowed();
        out.decision = match e.decision {
            Decision::Allowed => "allowed",
            Decision::Denied => "denied",
            Decision::NotGranted => "not-granted",
        };
        let assignments = access.assignments_of(target.id);
        let overrides = access.overrides_of(target.id);
        for r in e.reasons {
            let item = match r {
                Reason::Role(a) | Reason::Expired(a) => {
                    let expired = matches!(r, Reason::Expired(_));
                    let at = access.scope_ref(a.scope);
                    let role = &access.roles()[a.role.0 as usize];
                    let rec = assignments
                        .iter()
                        .find(|x| x.role_id == role.id && x.scope == at);
                    ExplainReason {
                        kind: if expired { "expired-role" } else { "role" },
                        detail: format!(
                            "role {} assigned at {}{}",
                            role.name,
                            at,
                            if expired { " (expired)" } else { "" }
                        ),
                        scope: Some(at),
                        role_id: Some(role.id.to_string()),
                        assignment_id: rec.map(|x| x.id.to_string()),
                        override_id: None,
                    }
                }
                Reason::Grant(o) | Reason::Denial(o) => {
                    let grant = matches!(r, Reason::Grant(_));
                    let at = access.scope_ref(o.scope);
                    let effect = if grant { "grant" } else { "deny" };
                    let rec = overrides.iter().find(|x| {
                        x.scope == at
                            && x.effect.as_str() == effect
                            && x.permission == out.permission
                    });
                    ExplainReason {
                        kind: if grant { "grant" } else { "denial" },
                        detail: format!(
                            "personal {} of {} at {}",
                            if grant { "grant" } else { "denial" },
                            out.permission,
                            at
                        ),
                        scope: Some(at),
                        role_id: None,
                        assignment_id: None,
                        override_id: rec.map(|x| x.id.to_string()),
                    }
                }
            };
            out.reasons.push(item);
        }
        Ok(out)
    }

    /// Who holds `permission` at `scope` now: the users the caller may see.
    pub async fn holders(
        &self,
        actor: &BackOffice,
        permission: &str,
        scope: ScopeRef,
    ) -> Result<Vec<UserRecord>, ServiceError> {
        self.explain_check(actor, scope)?;
        let ix = self.perm_ix(actor, permission)?;
        let access = actor.access();
        let now = actor.now();
        let mut ids: Vec<UserId> = access
            .users_with_access()
            .filter(|u| access.allowed(*u, ix, scope, now))
            .collect();
        if let Some(sa) = access.super_admin()
            && !ids.contains(&sa)
        {
            ids.push(sa);
        }
        let mut out = Vec::new();
        for id in ids {
            match self.visible_user(actor, id).await {
                Ok(u) => out.push(crate::users::for_viewer(actor, u)),
                Err(ServiceError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        out.sort_by(|a, b| a.username.cmp(&b.username));
        Ok(out)
    }
}
