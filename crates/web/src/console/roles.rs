//! Settings → Roles (S2, P1, P2): roles of each level with how many people the viewer can see
//! hold them, a role's permissions by section, deleting a custom role after a confirmation,
//! importing a preset. Creating and editing are in `role_form.rs`; "who holds a permission?"
//! in `role_holders.rs`.

use super::view::{Cx, FormErrors, redirect_flash};
use crate::AppState;
use crate::auth::CsrfForm;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use minijinja::context;
use portico_domain::access::Level;
use portico_domain::ids::RoleId;
use portico_services::ServiceError;
use portico_services::access::roles::RoleView;
use portico_services::records::ScopeRef;
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/roles", get(list))
        .route("/settings/roles/import", post(import))
        .route("/settings/roles/{role}", get(detail))
        .route(
            "/settings/roles/{role}/delete",
            get(delete_page).post(delete),
        )
}

/// A role as the console lists it.
#[derive(Debug, Serialize)]
pub struct RoleRow {
    pub id: String,
    pub href: String,
    pub name: String,
    pub key: String,
    pub level: &'static str,
    pub description: String,
    pub preset: bool,
    pub holders: usize,
    pub permission_count: usize,
    pub version: i64,
}

impl From<&RoleView> for RoleRow {
    fn from(v: &RoleView) -> Self {
        let r = &v.role;
        RoleRow {
            id: r.id.to_string(),
            href: format!("/settings/roles/{}", r.id),
            name: r.name.clone(),
            key: r.key.clone(),
            level: r.level.as_str(),
            description: r.description.clone(),
            preset: r.preset,
            holders: v.holders,
            permission_count: r.permissions.len(),
            version: r.version,
        }
    }
}

/// "platform" → "Platform".
pub fn level_label(l: Level) -> &'static str {
    match l {
        Level::Platform => "Platform",
        Level::Organization => "Organization",
        Level::Project => "Project",
    }
}

pub fn may_manage(cx: &Cx) -> bool {
    cx.admin.can("roles.manage", ScopeRef::Platform)
}

#[derive(Debug, Deserialize, Default)]
pub struct LevelQuery {
    level: Option<String>,
}

#[derive(Debug, Serialize)]
struct LevelTab {
    level: &'static str,
    label: &'static str,
    count: usize,
    href: String,
}

async fn list(State(st): State<AppState>, cx: Cx, Query(q): Query<LevelQuery>) -> Response {
    let levels = st.services.visible_levels(&cx.admin);
    let mut all = match st.services.list_roles(&cx.admin, None) {
        Ok(r) => r,
        Err(e) => return cx.error(&st, e),
    };
    if let Err(e) = st.services.count_visible_holders(&cx.admin, &mut all).await {
        return cx.error(&st, e);
    }
    let Some(&first) = levels.first() else {
        return cx.error(
            &st,
            ServiceError::Forbidden("you need the permission roles.view".into()),
        );
    };
    let level = q
        .level
        .as_deref()
        .and_then(Level::parse)
        .filter(|l| levels.contains(l))
        .unwrap_or(first);
    let tabs: Vec<LevelTab> = levels
        .iter()
        .map(|l| LevelTab {
            level: l.as_str(),
            label: level_label(*l),
            count: all.iter().filter(|r| r.role.level == *l).count(),
            href: format!("/settings/roles?level={}", l.as_str()),
        })
        .collect();
    let mut rows: Vec<RoleRow> = all
        .iter()
        .filter(|r| r.role.level == level)
        .map(RoleRow::from)
        .collect();
    // Custom roles first (they are the ones people edit), then presets; by name within each.
    rows.sort_by(|a, b| a.preset.cmp(&b.preset).then(a.name.cmp(&b.name)));
    let custom = rows.iter().filter(|r| !r.preset).count();
    let first_preset = rows.iter().find(|r| r.preset).map(|r| r.href.clone());
    cx.render(
        &st,
        "settings/roles.html",
        context! {
            title => format!("{} roles", level_label(level)),
            subsection => "roles",
            level => level.as_str(),
            level_label => level_label(level),
            tabs => tabs,
            rows => rows,
            custom => custom,
            first_preset => first_preset,
            may_manage => may_manage(&cx),
            presets => portico_domain::access::presets::PRESETS,
            holders_picker => super::role_holders::picker(&st, &cx).await,
        },
    )
}

#[derive(Debug, Serialize)]
struct PermItem {
    key: String,
    description: String,
}

#[derive(Debug, Serialize)]
struct PermSection {
    name: String,
    items: Vec<PermItem>,
}

fn load(st: &AppState, cx: &Cx, raw: &str) -> Result<RoleView, ServiceError> {
    let id = RoleId::parse(raw).map_err(|_| ServiceError::NotFound("role"))?;
    st.services.get_role(&cx.admin, id)
}

async fn detail(State(st): State<AppState>, cx: Cx, Path(raw): Path<String>) -> Response {
    let mut view = match load(&st, &cx, &raw) {
        Ok(v) => v,
        Err(e) => return cx.error(&st, e),
    };
    if let Err(e) = st
        .services
        .count_visible_holders(&cx.admin, std::slice::from_mut(&mut view))
        .await
    {
        return cx.error(&st, e);
    }
    let catalog = cx.admin.access().catalog.clone();
    let held = &view.role.permissions;
    let sections: Vec<PermSection> = catalog
        .sections()
        .into_iter()
        .filter_map(|(name, entries)| {
            let items: Vec<PermItem> = entries
                .iter()
                .filter(|e| held.iter().any(|k| k == e.permission.as_str()))
                .map(|e| PermItem {
                    key: e.permission.to_string(),
                    description: e.description.clone(),
                })
                .collect();
            (!items.is_empty()).then(|| PermSection {
                name: name.to_string(),
                items,
            })
        })
        .collect();
    let available = catalog
        .entries()
        .iter()
        .filter(|e| e.levels.contains(view.role.level))
        .count();
    cx.render(
        &st,
        "settings/role.html",
        context! {
            title => view.role.name.clone(),
            subsection => "roles",
            role => RoleRow::from(&view),
            level_label => level_label(view.role.level),
            reach => view.role.reach.clone(),
            sections => sections,
            available => available,
            may_manage => may_manage(&cx),
        },
    )
}

fn render_delete(
    st: &AppState,
    cx: &Cx,
    status: StatusCode,
    view: &RoleView,
    errors: &FormErrors,
) -> Response {
    cx.render_status(
        st,
        status,
        "settings/role_delete.html",
        context! {
            title => format!("Delete {}", view.role.name),
            subsection => "roles",
            role => RoleRow::from(view),
            level_label => level_label(view.role.level),
            errors => errors,
        },
    )
}

async fn delete_page(State(st): State<AppState>, cx: Cx, Path(raw): Path<String>) -> Response {
    match load(&st, &cx, &raw) {
        Ok(v) if v.role.preset => cx.error(
            &st,
            ServiceError::conflict("preset-read-only", "preset roles cannot be deleted"),
        ),
        Ok(v) => render_delete(&st, &cx, StatusCode::OK, &v, &FormErrors::default()),
        Err(e) => cx.error(&st, e),
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct EmptyForm {}

async fn delete(
    State(st): State<AppState>,
    cx: Cx,
    Path(raw): Path<String>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Response {
    let view = match load(&st, &cx, &raw) {
        Ok(v) => v,
        Err(e) => return cx.error(&st, e),
    };
    match st.services.delete_role(&cx.admin, view.role.id).await {
        Ok(()) => redirect_flash(
            &st,
            &format!("/settings/roles?level={}", view.role.level.as_str()),
            "success",
            format!("Role “{}” deleted.", view.role.name),
        ),
        Err(e) => render_delete(
            &st,
            &cx,
            StatusCode::UNPROCESSABLE_ENTITY,
            &view,
            &FormErrors::from_service(&e, &[]),
        ),
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct ImportForm {
    #[serde(default)]
    preset: String,
}

async fn import(State(st): State<AppState>, cx: Cx, CsrfForm(f): CsrfForm<ImportForm>) -> Response {
    let back = "/settings/roles";
    match st.services.import_preset(&cx.admin, f.preset.trim()).await {
        Ok(0) => redirect_flash(
            &st,
            back,
            "info",
            format!(
                "Every role of the {} preset is here already.",
                f.preset.trim()
            ),
        ),
        Ok(n) => redirect_flash(
            &st,
            back,
            "success",
            format!(
                "Imported {n} role{} of the {} preset.",
                if n == 1 { "" } else { "s" },
                f.preset.trim()
            ),
        ),
        Err(e) => redirect_flash(&st, back, "error", super::view::error_message(&e)),
    }
}
