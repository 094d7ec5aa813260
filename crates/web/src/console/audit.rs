//! The audit log (AU1–AU2): every entry, newest first, filtered by action, organization and
//! user; each row opens (a `<details>`, no JavaScript) on its changes and personal data. The
//! same filters export as CSV, and the export is audited.

use super::activity::{Names, Person};
use super::view::{Cx, FormErrors, PAGE_SIZE, Pager, page_request, redirect_flash};
use crate::AppState;
use crate::csv_export;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use minijinja::context;
use portico_domain::ids::UserId;
use portico_services::ServiceError;
use portico_services::records::{AuditFilter, AuditRow};
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/audit", get(list))
        .route("/audit/export.csv", get(export))
}

/// The filter form's fields, as typed.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct AuditQuery {
    action: String,
    organization: String,
    user: String,
    cursor: Option<String>,
}

impl AuditQuery {
    fn trimmed(&self) -> [(&'static str, &str); 3] {
        [
            ("action", self.action.trim()),
            ("organization", self.organization.trim()),
            ("user", self.user.trim()),
        ]
    }

    fn is_filtered(&self) -> bool {
        self.trimmed().iter().any(|(_, v)| !v.is_empty())
    }

    /// `?action=…&organization=…&user=…` with the non-empty filters (no cursor).
    fn query_string(&self) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in self.trimmed() {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        match s.finish() {
            qs if qs.is_empty() => String::new(),
            qs => format!("?{qs}"),
        }
    }
}

/// The action prefixes the filter offers.
const ACTIONS: [(&str, &str); 8] = [
    ("", "All actions"),
    ("login", "Sign-ins"),
    ("logout", "Sign-outs"),
    ("user.", "Users"),
    ("organization.", "Organizations"),
    ("member.", "Memberships"),
    ("api_key.", "API keys"),
    ("audit.", "Audit exports"),
];

#[derive(Debug, Serialize)]
struct ActionOption {
    value: String,
    label: String,
    selected: bool,
}

fn action_options(current: &str) -> Vec<ActionOption> {
    let mut out: Vec<ActionOption> = ACTIONS
        .iter()
        .map(|(value, label)| ActionOption {
            value: value.to_string(),
            label: label.to_string(),
            selected: *value == current,
        })
        .collect();
    // A prefix typed into the address (`?action=user.block`) stays selected.
    if !ACTIONS.iter().any(|(v, _)| *v == current) {
        out.push(ActionOption {
            value: current.to_string(),
            label: format!("Starting with “{current}”"),
            selected: true,
        });
    }
    out
}

/// The filters as the services take them, or the form's errors.
async fn resolve(st: &AppState, cx: &Cx, q: &AuditQuery) -> Result<AuditFilter, FormErrors> {
    let [(_, action), (_, organization), (_, user)] = q.trimmed();
    let mut errors = FormErrors::default();
    let org = if organization.is_empty() {
        None
    } else {
        match st.services.resolve_org(&cx.admin, organization).await {
            Ok(s) => Some(s.org_id()),
            Err(ServiceError::NotFound(_)) => {
                errors.fields.insert(
                    "organization".into(),
                    "No organization has this slug or id.".into(),
                );
                None
            }
            Err(e) => return Err(FormErrors::from_service(&e, &[])),
        }
    };
    let user = if user.is_empty() {
        None
    } else {
        match UserId::parse(user) {
            Ok(u) => Some(u),
            Err(_) => {
                errors.fields.insert(
                    "user".into(),
                    "Not a user id: copy it from the user's page (it starts with usr_).".into(),
                );
                None
            }
        }
    };
    if errors.fields.is_empty() {
        Ok(AuditFilter {
            action_prefix: (!action.is_empty()).then(|| action.to_string()),
            org,
            user,
        })
    } else {
        Err(errors)
    }
}

/// An action in words, and the colour of its dot (`success`, `danger` or `neutral`).
fn action_label(action: &str) -> (String, &'static str) {
    let (label, tone) = match action {
        "login.success" => ("Signed in", "success"),
        "login.failed" => ("Sign-in failed", "danger"),
        "login.throttled" => ("Sign-in throttled", "danger"),
        "logout" => ("Signed out", "neutral"),
        "session.expired" => ("Session ended", "neutral"),
        "user.create" => ("User created", "success"),
        "user.update" => ("User updated", "neutral"),
        "user.block" => ("User blocked", "danger"),
        "user.unblock" => ("User unblocked", "success"),
        "user.delete" => ("User deleted", "danger"),
        "organization.create" => ("Organization created", "success"),
        "organization.update" => ("Organization updated", "neutral"),
        "organization.delete" => ("Organization deleted", "danger"),
        "member.add" => ("Member added", "success"),
        "member.remove" => ("Member removed", "danger"),
        "member.remove_and_delete" => ("Member removed and deleted", "danger"),
        "api_key.create" => ("API key created", "success"),
        "api_key.revoke" => ("API key revoked", "danger"),
        "audit.export" => ("Audit log exported", "neutral"),
        "bulk.load" => ("Bulk load", "neutral"),
        other => {
            return (
                super::capitalize(&other.replace(['.', '_'], " "))
                    .trim_end_matches('.')
                    .to_string(),
                "neutral",
            );
        }
    };
    (label.to_string(), tone)
}

#[derive(Debug, Serialize)]
struct TargetView {
    /// "User", "Organization", "Session", "API key"…
    kind: String,
    /// A person or an organization, when the target is one.
    named: Option<Person>,
    id: Option<String>,
}

#[derive(Debug, Serialize)]
struct EntryView {
    seq: i64,
    id: String,
    /// RFC 3339, for `datetime` attributes.
    at_iso: String,
    date: String,
    time: String,
    action: String,
    label: String,
    tone: &'static str,
    actor: Option<Person>,
    impersonator: Option<Person>,
    subject: Option<Person>,
    has_subject: bool,
    subject_id: Option<String>,
    target: Option<TargetView>,
    organization: Option<Person>,
    ip: Option<String>,
    user_agent: Option<String>,
    /// Pretty-printed JSON; empty when there were no changes.
    changes: String,
    personal: Option<String>,
    personal_erased: bool,
}

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

async fn entry_view(st: &AppState, cx: &Cx, names: &mut Names, r: AuditRow) -> EntryView {
    let (label, tone) = action_label(&r.action);
    let actor = names.person(st, cx, r.actor_user_id.as_deref()).await;
    let impersonator = names
        .person(st, cx, r.impersonator_user_id.as_deref())
        .await;
    let subject = names.person(st, cx, r.subject_user_id.as_deref()).await;
    let organization = names.org(st, cx, r.org_id.as_deref()).await;
    let target = match r.target_kind.as_deref() {
        None => None,
        Some(kind) => {
            let named = match kind {
                "user" => names.person(st, cx, r.target_id.as_deref()).await,
                "organization" => names.org(st, cx, r.target_id.as_deref()).await,
                _ => None,
            };
            let kind = match kind {
                "api_key" => "API key".to_string(),
                other => super::capitalize(&other.replace('_', " "))
                    .trim_end_matches('.')
                    .to_string(),
            };
            Some(TargetView {
                kind,
                named,
                id: r.target_id.clone(),
            })
        }
    };
    let changes = match &r.changes {
        serde_json::Value::Null => String::new(),
        serde_json::Value::Object(m) if m.is_empty() => String::new(),
        v => pretty(v),
    };
    let at_iso = r.at.to_rfc3339();
    EntryView {
        seq: r.seq,
        id: r.id,
        date: at_iso[..10].to_string(),
        time: at_iso[11..19].to_string(),
        at_iso,
        action: r.action,
        label,
        tone,
        actor,
        impersonator,
        has_subject: r.subject_user_id.is_some(),
        subject_id: r.subject_user_id.clone(),
        subject,
        target,
        organization,
        ip: r.ip,
        user_agent: r.user_agent,
        changes,
        personal: r.personal.as_ref().map(pretty),
        personal_erased: r.personal_erased,
    }
}

async fn list(State(st): State<AppState>, cx: Cx, Query(aq): Query<AuditQuery>) -> Response {
    let filtered = aq.is_filtered();
    let action = aq.action.trim();
    let base = context! {
        title => "Audit log",
        action => action,
        actions => action_options(action),
        organization => aq.organization.trim(),
        user => aq.user.trim(),
        filtered => filtered,
        export_href => format!("/audit/export.csv{}", aq.query_string()),
        may_export => super::nav::reaches(&cx.admin, "audit.export"),
    };
    let filter = match resolve(&st, &cx, &aq).await {
        Ok(f) => f,
        Err(errors) => {
            return cx.render_status(
                &st,
                StatusCode::UNPROCESSABLE_ENTITY,
                "audit/list.html",
                context! { errors => errors, entries => Vec::<EntryView>::new(), ..base },
            );
        }
    };
    let page = match st
        .services
        .list_audit(
            &cx.admin,
            filter,
            page_request(aq.cursor.as_deref(), PAGE_SIZE),
        )
        .await
    {
        Ok(p) => p,
        Err(e) => return cx.error(&st, e),
    };
    let pager = Pager::new(&page, "/audit", &aq.trimmed(), aq.cursor.is_none());
    let mut names = Names::default();
    let mut entries = Vec::with_capacity(page.items.len());
    for r in page.items {
        entries.push(entry_view(&st, &cx, &mut names, r).await);
    }
    cx.render(
        &st,
        "audit/list.html",
        context! { entries => entries, pager => pager, errors => FormErrors::default(), ..base },
    )
}

/// `/audit/export.csv`: the filtered log as CSV (the same file as the API's).
async fn export(State(st): State<AppState>, cx: Cx, Query(aq): Query<AuditQuery>) -> Response {
    let back = format!("/audit{}", aq.query_string());
    let filter = match resolve(&st, &cx, &aq).await {
        Ok(f) => f,
        Err(e) => {
            let message = e
                .alert
                .or_else(|| e.fields.into_values().next())
                .unwrap_or_else(|| "Check the filters.".into());
            return redirect_flash(&st, &back, "error", message);
        }
    };
    match st
        .services
        .export_audit(&cx.admin, filter, csv_export::MAX_EXPORT_ROWS)
        .await
    {
        Ok(rows) => csv_export::csv_response("audit-events.csv", csv_export::audit_csv(rows)),
        Err(e) => redirect_flash(&st, &back, "error", super::view::error_message(&e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_read_as_words() {
        assert_eq!(
            action_label("login.failed"),
            ("Sign-in failed".into(), "danger")
        );
        assert_eq!(action_label("role.grant_extra").0, "Role grant extra");
    }

    #[test]
    fn a_typed_prefix_stays_selected() {
        let o = action_options("user.block");
        assert_eq!(o.iter().filter(|o| o.selected).count(), 1);
        assert_eq!(o.last().unwrap().value, "user.block");
        let o = action_options("member.");
        assert!(o.iter().any(|o| o.selected && o.label == "Memberships"));
        assert_eq!(o.len(), ACTIONS.len());
    }
}
