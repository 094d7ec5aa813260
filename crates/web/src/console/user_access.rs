//! A user's "Roles and access" tab: role assignments (P3), personal grants and denials (P4),
//! data filters (P5), the IP allowlist (U9) and the "why?" panel (P10). The forms post to
//! `user_grants.rs`; a refused form comes back here with its errors next to its fields.

use super::nav::reaches;
use super::users::{UserHeader, load_user};
use super::view::{Cx, FormErrors, org_href};
use crate::AppState;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use minijinja::{Value, context};
use portico_domain::access::{DataFilter, Level};
use portico_services::records::{ScopeRef, UserRecord};
use portico_services::users::UserDetail;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new().route("/users/{user}/access", get(page))
}

/// Organization names for scopes, looked up once per page.
#[derive(Default)]
pub struct ScopeNames(HashMap<portico_domain::ids::OrgId, Option<(String, String)>>);

impl ScopeNames {
    /// "Platform", the organization's name and link, or "Project (Organization)" with a link
    /// to the organization's projects; the id when the viewer cannot see it.
    pub async fn label(
        &mut self,
        st: &AppState,
        cx: &Cx,
        scope: ScopeRef,
    ) -> (String, Option<String>) {
        let id = match scope {
            ScopeRef::Platform => return ("Platform".into(), None),
            ScopeRef::Org(id) => id,
            ScopeRef::Project(p) => {
                return match st.services.project_scope(&cx.admin, p).await {
                    Ok(s) => {
                        let org = s.org_scope().org();
                        (
                            format!("{} ({})", s.project().name, org.name),
                            Some(format!("{}/projects", org_href(&org.slug))),
                        )
                    }
                    Err(_) => (p.to_string(), None),
                };
            }
        };
        if let std::collections::hash_map::Entry::Vacant(slot) = self.0.entry(id) {
            let found = st
                .services
                .org_scope(&cx.admin, id)
                .await
                .ok()
                .map(|s| (s.org().name.clone(), org_href(&s.org().slug)));
            slot.insert(found);
        }
        match self.0.get(&id).cloned().flatten() {
            Some((name, href)) => (name, Some(href)),
            None => (id.to_string(), None),
        }
    }
}

/// One choice of a scope select.
#[derive(Debug, Serialize)]
pub struct ScopeOption {
    pub value: String,
    pub label: String,
}

/// Projects offered per organization in a scope picker; more are typed in by id.
const PROJECT_PICK_LIMIT: u32 = 50;

/// Platform (when the viewer holds `perm` there), the person's organizations where the viewer
/// holds `perm`, and those organizations' projects where the viewer holds it (for
/// project-level roles and permissions). Other organizations are typed in by slug, other
/// projects by id.
pub async fn scope_options(st: &AppState, cx: &Cx, d: &UserDetail, perm: &str) -> Vec<ScopeOption> {
    let mut out = Vec::new();
    if cx.admin.can(perm, ScopeRef::Platform) {
        out.push(ScopeOption {
            value: "platform".into(),
            label: "Platform (everywhere)".into(),
        });
    }
    let mut projects = Vec::new();
    for m in &d.memberships {
        if cx.admin.can(perm, ScopeRef::Org(m.org.id)) {
            out.push(ScopeOption {
                value: m.org.id.to_string(),
                label: m.org.name.clone(),
            });
        }
        let Ok(scope) = st.services.org_scope(&cx.admin, m.org.id).await else {
            continue;
        };
        let page = portico_domain::page::PageRequest::first(PROJECT_PICK_LIMIT);
        if let Ok(page) = st.services.list_projects(&scope, page).await {
            projects.extend(
                page.items
                    .iter()
                    .filter(|p| cx.admin.can(perm, ScopeRef::Project(p.id)))
                    .map(|p| ScopeOption {
                        value: p.id.to_string(),
                        label: format!("{} › {} (project)", m.org.name, p.name),
                    }),
            );
        }
    }
    out.extend(projects);
    out
}

/// The scope a form names: the text field (an organization's slug or id) wins over the select.
pub async fn form_scope(
    st: &AppState,
    cx: &Cx,
    select: &str,
    org_text: &str,
) -> Result<ScopeRef, FormErrors> {
    let text = org_text.trim();
    if let Ok(p) = portico_domain::ids::ProjectId::parse(text) {
        return match st.services.project_scope(&cx.admin, p).await {
            Ok(s) => Ok(s.scope()),
            Err(portico_services::ServiceError::NotFound(_)) => Err(FormErrors::field(
                "scope_org",
                "No project you can see has this id.",
            )),
            Err(e) => Err(FormErrors::from_service(&e, &[])),
        };
    }
    if !text.is_empty() {
        return match st.services.resolve_org(&cx.admin, text).await {
            Ok(s) => Ok(ScopeRef::Org(s.org_id())),
            Err(portico_services::ServiceError::NotFound(_)) => Err(FormErrors::field(
                "scope_org",
                "No organization you can see has this slug or id.",
            )),
            Err(e) => Err(FormErrors::from_service(&e, &[])),
        };
    }
    ScopeRef::parse(select).map_err(|_| {
        FormErrors::field(
            "scope",
            "Choose the platform, an organization or a project.",
        )
    })
}

/// A refused form on this tab: which one, what was typed, and what went wrong.
pub struct Posted {
    pub form: &'static str,
    pub values: Value,
    pub errors: FormErrors,
}

#[derive(Debug, Deserialize, Default)]
pub struct WhyQuery {
    #[serde(default)]
    pub why_permission: String,
    #[serde(default)]
    pub why_scope: String,
    #[serde(default)]
    pub why_org: String,
}

async fn page(
    State(st): State<AppState>,
    cx: Cx,
    Path(raw): Path<String>,
    Query(why): Query<WhyQuery>,
) -> Response {
    let (d, h) = match load_user(&st, &cx, &raw).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    render_access(&st, &cx, StatusCode::OK, &d, h, &why, None).await
}

#[derive(Debug, Serialize)]
struct AssignmentRow {
    id: String,
    role: String,
    role_href: Option<String>,
    level: &'static str,
    scope: String,
    scope_href: Option<String>,
    expires_at: Option<i64>,
    expired: bool,
    created_at: i64,
    remove_href: Option<String>,
}

#[derive(Debug, Serialize)]
struct OverrideRow {
    id: String,
    effect: &'static str,
    permission: String,
    description: String,
    scope: String,
    scope_href: Option<String>,
    created_at: i64,
    removable: bool,
}

#[derive(Debug, Serialize)]
struct FilterRow {
    index: usize,
    kind: &'static str,
    text: String,
}

#[derive(Debug, Serialize)]
struct RoleGroup {
    label: &'static str,
    roles: Vec<ScopeOption>,
}

#[derive(Debug, Serialize)]
pub struct PermGroup {
    pub section: String,
    pub items: Vec<ScopeOption>,
}

/// The catalogue as `<optgroup>`s (platform- and organization-level permissions).
pub fn permission_groups(st: &AppState) -> Vec<PermGroup> {
    st.services
        .permission_catalog()
        .sections()
        .into_iter()
        .filter_map(|(name, entries)| {
            let items: Vec<ScopeOption> = entries
                .iter()
                .filter(|e| {
                    e.levels.contains(Level::Platform) || e.levels.contains(Level::Organization)
                })
                .map(|e| ScopeOption {
                    value: e.permission.to_string(),
                    label: format!("{} — {}", e.permission, e.description),
                })
                .collect();
            (!items.is_empty()).then(|| PermGroup {
                section: name.to_string(),
                items,
            })
        })
        .collect()
}

async fn filter_rows(st: &AppState, cx: &Cx, filters: &[DataFilter]) -> Vec<FilterRow> {
    let mut names = ScopeNames::default();
    let mut rows = Vec::new();
    for (index, f) in filters.iter().enumerate() {
        let (kind, text) = match f {
            DataFilter::Tag { tags } => {
                ("tag", format!("Organizations tagged {}", tags.join(", ")))
            }
            DataFilter::Attribute { name, values } => (
                "attribute",
                format!("Organizations whose {name} is {}", values.join(", ")),
            ),
            DataFilter::Organizations { organizations } => {
                let mut list = Vec::new();
                for o in organizations {
                    list.push(names.label(st, cx, ScopeRef::Org(*o)).await.0);
                }
                ("organizations", format!("Only {}", list.join(", ")))
            }
        };
        rows.push(FilterRow { index, kind, text });
    }
    rows
}

pub async fn render_access(
    st: &AppState,
    cx: &Cx,
    status: StatusCode,
    d: &UserDetail,
    h: UserHeader,
    why: &WhyQuery,
    posted: Option<Posted>,
) -> Response {
    let target: &UserRecord = &d.user;
    let a = &cx.admin;
    let protected = target.is_super_admin && !a.is_super_admin();
    let mut names = ScopeNames::default();
    let assignments = match st.services.list_assignments(a, target.id).await {
        Ok(v) => v,
        Err(e) => return cx.error(st, e),
    };
    let visible_levels = st.services.visible_levels(a);
    let mut assignment_rows = Vec::new();
    for v in &assignments {
        let (scope, scope_href) = names.label(st, cx, v.assignment.scope).await;
        assignment_rows.push(AssignmentRow {
            id: v.assignment.id.to_string(),
            role: v.role_name.clone(),
            role_href: visible_levels
                .contains(&v.role_level)
                .then(|| format!("/settings/roles/{}", v.assignment.role_id)),
            level: v.role_level.as_str(),
            scope,
            scope_href,
            expires_at: v.assignment.expires_at.map(|t| t.millis()),
            expired: v.expired,
            created_at: v.assignment.created_at.millis(),
            remove_href: (!protected && a.can("role_assignments.manage", v.assignment.scope))
                .then(|| format!("/users/{}/roles/{}/remove", target.id, v.assignment.id)),
        });
    }
    let overrides = match st.services.list_overrides(a, target.id).await {
        Ok(v) => v,
        Err(e) => return cx.error(st, e),
    };
    let catalog = st.services.permission_catalog();
    let mut override_rows = Vec::new();
    for o in &overrides {
        let (scope, scope_href) = names.label(st, cx, o.scope).await;
        override_rows.push(OverrideRow {
            id: o.id.to_string(),
            effect: o.effect.as_str(),
            description: catalog
                .index_of(&o.permission)
                .ok()
                .and_then(|ix| catalog.entry(ix))
                .map(|e| e.description.clone())
                .unwrap_or_default(),
            permission: o.permission.clone(),
            scope,
            scope_href,
            created_at: o.created_at.millis(),
            removable: !protected && a.can("permissions.grant", o.scope),
        });
    }
    let filters = match st.services.get_filters(a, target.id).await {
        Ok(v) => v,
        Err(e) => return cx.error(st, e),
    };
    let filters = filter_rows(st, cx, &filters).await;

    // The assign form: roles the viewer may see, at the levels that have a scope today.
    let may_assign = !protected && reaches(a, "role_assignments.manage");
    let role_groups: Vec<RoleGroup> = match st.services.list_roles(a, None) {
        Ok(roles) if may_assign => [Level::Platform, Level::Organization, Level::Project]
            .into_iter()
            .filter(|l| {
                *l != Level::Platform || a.can("role_assignments.manage", ScopeRef::Platform)
            })
            .map(|l| {
                let mut roles: Vec<ScopeOption> = roles
                    .iter()
                    .filter(|r| r.role.level == l)
                    .map(|r| ScopeOption {
                        value: r.role.id.to_string(),
                        label: r.role.name.clone(),
                    })
                    .collect();
                roles.sort_by(|x, y| x.label.cmp(&y.label));
                RoleGroup {
                    label: match l {
                        Level::Platform => "Platform roles",
                        Level::Organization => "Organization roles",
                        Level::Project => "Project roles (choose a project below)",
                    },
                    roles,
                }
            })
            .filter(|g| !g.roles.is_empty())
            .collect(),
        _ => Vec::new(),
    };
    let may_override = !protected && reaches(a, "permissions.grant");
    let may_filter = !protected
        && a.can("permissions.grant", ScopeRef::Platform)
        && (a.is_super_admin() || a.access().filters_of(a.user().id).is_none());
    let back_office = a.access().is_back_office(target.id, a.now());
    let explain = super::user_explain::panel(st, cx, d, why).await;
    let (posted_form, posted_values, posted_errors) = match posted {
        Some(p) => (p.form, p.values, p.errors),
        None => ("", Value::UNDEFINED, FormErrors::default()),
    };
    cx.render_status(
        st,
        status,
        "users/access.html",
        context! {
            title => format!("{} · Roles and access", target.display_name()),
            tab => "access",
            h => h,
            protected => protected,
            back_office => back_office,
            ip_allowlist => target.ip_allowlist.clone(),
            assignments => assignment_rows,
            overrides => override_rows,
            filters => filters,
            may_assign => may_assign && !role_groups.is_empty(),
            may_assign_somewhere => may_assign,
            role_groups => role_groups,
            assign_scopes => scope_options(st, cx, d, "role_assignments.manage").await,
            may_override => may_override,
            override_scopes => scope_options(st, cx, d, "permissions.grant").await,
            permission_groups => if may_override { permission_groups(st) } else { Vec::new() },
            may_filter => may_filter,
            explain => explain,
            posted => context! { form => posted_form, values => posted_values, errors => posted_errors },
        },
    )
}
