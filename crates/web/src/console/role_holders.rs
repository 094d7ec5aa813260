//! Settings → Roles → "Who holds a permission?" (P10): for a permission and a scope (the
//! platform or an organization the viewer can see), the people the viewer may see who hold it
//! there now, each with what gives it to them and a link to the "why?" panel of their page.

use super::nav::reaches;
use super::user_access::{PermGroup, ScopeNames, ScopeOption, form_scope, permission_groups};
use super::user_explain::{ReasonRow, reason_rows};
use super::view::{Cx, FormErrors, UserView, error_message};
use crate::AppState;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use minijinja::context;
use portico_domain::access::Level;
use portico_services::ServiceError;
use portico_services::records::{ScopeRef, UserRecord};
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new().route("/settings/roles/holders", get(page))
}

/// Holders shown with what gives them the permission; a longer list says how many more.
const SHOWN: usize = 200;

#[derive(Debug, Deserialize, Default)]
pub struct HoldersQuery {
    #[serde(default)]
    permission: String,
    /// `platform` or an organization id (the select).
    #[serde(default)]
    scope: String,
    /// An organization's slug or id (typed; wins over the select).
    #[serde(default)]
    org: String,
}

/// The picker as both the page and the panel on Settings → Roles show it.
#[derive(Debug, Serialize)]
pub struct Picker {
    pub permissions: Vec<PermGroup>,
    pub scopes: Vec<ScopeOption>,
}

/// Where the viewer may ask: the platform (with `roles.view` there) and the organizations of
/// their own assignments and grants where they hold `roles.view`. Any other organization in
/// reach is typed in by slug.
pub async fn picker(st: &AppState, cx: &Cx) -> Picker {
    let a = &cx.admin;
    let mut scopes = Vec::new();
    if a.can("roles.view", ScopeRef::Platform) {
        scopes.push(ScopeOption {
            value: "platform".into(),
            label: "Platform (everywhere)".into(),
        });
    }
    let access = a.access();
    let mut orgs: Vec<_> = access
        .assignments_of(a.user().id)
        .iter()
        .map(|x| x.scope)
        .chain(access.overrides_of(a.user().id).iter().map(|o| o.scope))
        .filter_map(|s| access.scope_org(s))
        .collect();
    orgs.sort();
    orgs.dedup();
    let mut named = Vec::new();
    for o in orgs {
        if a.can("roles.view", ScopeRef::Org(o))
            && let Ok(s) = st.services.org_scope(a, o).await
        {
            named.push(ScopeOption {
                value: o.to_string(),
                label: s.org().name.clone(),
            });
        }
    }
    named.sort_by(|x, y| x.label.cmp(&y.label));
    scopes.extend(named);
    Picker {
        permissions: permission_groups(st),
        scopes,
    }
}

#[derive(Debug, Serialize)]
struct HolderRow {
    user: UserView,
    how: Vec<ReasonRow>,
    why_href: String,
}

#[derive(Debug, Serialize)]
struct RoleLink {
    name: String,
    href: String,
    level: &'static str,
}

#[derive(Debug, Serialize)]
struct Answer {
    permission: String,
    description: String,
    scope: String,
    scope_href: Option<String>,
    total: usize,
    rows: Vec<HolderRow>,
    /// Roles the viewer may see that carry the permission and could be assigned at the scope.
    roles: Vec<RoleLink>,
}

async fn page(State(st): State<AppState>, cx: Cx, Query(q): Query<HoldersQuery>) -> Response {
    if !reaches(&cx.admin, "roles.view") {
        return cx.error(
            &st,
            ServiceError::Forbidden("you need the permission roles.view".into()),
        );
    }
    let mut picker = picker(&st, &cx).await;
    let permission = q.permission.trim().to_string();
    let mut org = q.org.trim().to_string();
    let mut scope_value = q.scope.trim().to_string();
    if scope_value.is_empty() {
        scope_value = picker
            .scopes
            .first()
            .map(|o| o.value.clone())
            .unwrap_or_default();
    }
    let mut errors = FormErrors::default();
    let mut answer = None;
    let mut status = StatusCode::OK;
    if !permission.is_empty() {
        match form_scope(&st, &cx, &scope_value, &org).await {
            Err(e) => {
                status = StatusCode::UNPROCESSABLE_ENTITY;
                errors = rename_scope_field(e);
            }
            Ok(scope) => {
                // An organization typed in, or not among the choices, becomes the chosen one.
                if let ScopeRef::Org(o) = scope {
                    let value = o.to_string();
                    if !picker.scopes.iter().any(|s| s.value == value)
                        && let Ok(s) = st.services.org_scope(&cx.admin, o).await
                    {
                        picker.scopes.push(ScopeOption {
                            value: value.clone(),
                            label: s.org().name.clone(),
                        });
                    }
                    scope_value = value;
                    org.clear();
                }
                match st.services.holders(&cx.admin, &permission, scope).await {
                    Ok(users) => {
                        answer = Some(answer_for(&st, &cx, &permission, scope, users).await);
                    }
                    Err(ServiceError::Invalid(v)) if v.field == "permission" => {
                        status = StatusCode::UNPROCESSABLE_ENTITY;
                        errors = FormErrors::field("permission", "Choose a permission.");
                    }
                    Err(ServiceError::NotFound(_)) => {
                        status = StatusCode::NOT_FOUND;
                        errors = FormErrors::field("org", "No organization you can see is there.");
                    }
                    Err(e) => {
                        status = super::view::describe_error(&e).0;
                        errors = FormErrors::alert(error_message(&e));
                    }
                }
            }
        }
    }
    cx.render_status(
        &st,
        status,
        "settings/role_holders.html",
        context! {
            title => "Who holds a permission?",
            subsection => "holders",
            picker => picker,
            permission => permission,
            scope => scope_value,
            org => org,
            errors => errors,
            answer => answer,
        },
    )
}

/// `form_scope` names its fields after the access tab's form (`scope_org`).
fn rename_scope_field(mut e: FormErrors) -> FormErrors {
    if let Some(m) = e.fields.remove("scope_org") {
        e.fields.insert("org".into(), m);
    }
    e
}

async fn answer_for(
    st: &AppState,
    cx: &Cx,
    permission: &str,
    scope: ScopeRef,
    users: Vec<UserRecord>,
) -> Answer {
    let catalog = cx.admin.access().catalog.clone();
    let entry = catalog
        .index_of(permission)
        .ok()
        .and_then(|ix| catalog.entry(ix));
    let key = entry.map_or(permission.to_string(), |e| e.permission.to_string());
    let mut names = ScopeNames::default();
    let (scope_label, scope_href) = names.label(st, cx, scope).await;
    let total = users.len();
    let mut rows = Vec::new();
    for u in users.iter().take(SHOWN) {
        let how = match st.services.explain(&cx.admin, u.id, &key, scope).await {
            Ok(x) => reason_rows(st, cx, &mut names, &x).await,
            Err(_) => Vec::new(),
        };
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.append_pair("why_permission", &key);
        q.append_pair("why_scope", &scope.key());
        rows.push(HolderRow {
            user: UserView::from(u),
            how,
            why_href: format!("/users/{}/access?{}#why", u.id, q.finish()),
        });
    }
    // What to assign to give it: roles that carry it and are assigned at this kind of scope
    // (platform roles on the platform, organization roles in an organization).
    let levels = st.services.visible_levels(&cx.admin);
    let mut roles: Vec<RoleLink> = cx
        .admin
        .access()
        .roles()
        .iter()
        .filter(|r| levels.contains(&r.level))
        .filter(|r| match scope {
            ScopeRef::Platform => r.level == Level::Platform,
            ScopeRef::Org(_) => r.level == Level::Organization,
            ScopeRef::Project(_) => r.level == Level::Project,
        })
        .filter(|r| r.reach == "scope" && r.permissions.contains(&key))
        .map(|r| RoleLink {
            name: r.name.clone(),
            href: format!("/settings/roles/{}", r.id),
            level: r.level.as_str(),
        })
        .collect();
    roles.sort_by(|a, b| a.name.cmp(&b.name));
    Answer {
        description: entry.map(|e| e.description.clone()).unwrap_or_default(),
        permission: key,
        scope: scope_label,
        scope_href,
        total,
        rows,
        roles,
    }
}
