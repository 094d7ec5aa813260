//! The "why?" panel of a user's access tab (P10): for a permission and a scope, allowed or
//! denied, and which assignment, grant, denial or filter decided.

use super::nav::reaches;
use super::user_access::{
    ScopeNames, ScopeOption, WhyQuery, form_scope, permission_groups, scope_options,
};
use super::view::{Cx, error_message};
use crate::AppState;
use portico_services::access::explain::Explanation;
use portico_services::users::UserDetail;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Panel {
    permission: String,
    scope: String,
    org: String,
    scopes: Vec<ScopeOption>,
    permissions: Vec<super::user_access::PermGroup>,
    result: Option<Outcome>,
    error: Option<String>,
}

#[derive(Debug, Serialize)]
struct Outcome {
    allowed: bool,
    decision: &'static str,
    headline: String,
    permission: String,
    scope: String,
    reasons: Vec<ReasonRow>,
}

/// One reason of an explanation, as the console words it.
#[derive(Debug, Serialize)]
pub struct ReasonRow {
    kind: &'static str,
    text: String,
    href: Option<String>,
}

/// The panel, when the viewer may ask (`roles.view` somewhere); with an answer when asked.
pub async fn panel(st: &AppState, cx: &Cx, d: &UserDetail, why: &WhyQuery) -> Option<Panel> {
    if !reaches(&cx.admin, "roles.view") {
        return None;
    }
    let mut panel = Panel {
        permission: why.why_permission.trim().to_string(),
        scope: why.why_scope.trim().to_string(),
        org: why.why_org.trim().to_string(),
        scopes: scope_options(st, cx, d, "roles.view").await,
        permissions: permission_groups(st),
        result: None,
        error: None,
    };
    if panel.permission.is_empty() {
        return Some(panel);
    }
    let scope = match form_scope(st, cx, &panel.scope, &panel.org).await {
        Ok(s) => s,
        Err(e) => {
            panel.error = e.alert.or_else(|| e.fields.into_values().next());
            return Some(panel);
        }
    };
    match st
        .services
        .explain(&cx.admin, d.user.id, &panel.permission, scope)
        .await
    {
        Ok(x) => panel.result = Some(outcome(st, cx, &d.user.display_name(), x).await),
        Err(e) => panel.error = Some(error_message(&e)),
    }
    Some(panel)
}

async fn outcome(st: &AppState, cx: &Cx, who: &str, x: Explanation) -> Outcome {
    let mut names = ScopeNames::default();
    let (scope, _) = names.label(st, cx, x.scope).await;
    let reasons = reason_rows(st, cx, &mut names, &x).await;
    let headline = match x.decision {
        "allowed" => format!("{who} may use {} at {scope}.", x.permission),
        "denied" => format!(
            "{who} may not use {} at {scope}: it is taken away.",
            x.permission
        ),
        _ => format!(
            "{who} may not use {} at {scope}: no role or personal grant gives it there.",
            x.permission
        ),
    };
    Outcome {
        allowed: x.allowed,
        decision: x.decision,
        headline,
        permission: x.permission,
        scope,
        reasons,
    }
}

/// What decided an explanation, one line per assignment, grant, denial or filter (each role
/// linked to its page).
pub async fn reason_rows(
    st: &AppState,
    cx: &Cx,
    names: &mut ScopeNames,
    x: &Explanation,
) -> Vec<ReasonRow> {
    let mut reasons = Vec::new();
    for r in &x.reasons {
        let at = match r.scope {
            Some(s) => Some(names.label(st, cx, s).await.0),
            None => None,
        };
        let at = at.map(|a| format!(" at {a}")).unwrap_or_default();
        let role = r
            .role_id
            .as_deref()
            .and_then(|id| portico_domain::ids::RoleId::parse(id).ok())
            .and_then(|id| cx.admin.access().role(id).map(|role| role.name.clone()));
        let text = match (r.kind, role) {
            ("role", Some(name)) => format!("Role “{name}” assigned{at}"),
            ("expired-role", Some(name)) => {
                format!("Role “{name}” assigned{at} — expired, so it no longer counts")
            }
            ("grant", _) => format!("Personal grant of {}{at}", x.permission),
            ("denial", _) => format!(
                "Personal denial of {}{at} — a denial wins over every role",
                x.permission
            ),
            ("super-admin", _) => "The super admin holds every permission everywhere".into(),
            _ => super::capitalize(&r.detail),
        };
        reasons.push(ReasonRow {
            kind: r.kind,
            href: r.role_id.as_ref().map(|id| format!("/settings/roles/{id}")),
            text,
        });
    }
    reasons
}
