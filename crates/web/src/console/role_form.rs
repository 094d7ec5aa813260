//! Creating a custom role (from scratch or as a copy) and editing one, with a permission picker
//! grouped by section. Only permissions valid at the role's level are offered; those the
//! viewer lacks are shown disabled (P6) — and refused by the services if sent anyway.

use super::form::Fields;
use super::roles::{level_label, may_manage};
use super::view::{Cx, FormErrors, redirect_flash};
use crate::AppState;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use minijinja::context;
use portico_domain::access::Level;
use portico_domain::ids::RoleId;
use portico_services::ServiceError;
use portico_services::access::roles::{RoleInput, RoleUpdate};
use portico_services::records::{RoleRecord, ScopeRef};
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/roles/new", get(new_form).post(create))
        .route("/settings/roles/{role}/edit", get(edit_form).post(save))
}

/// The values of the form, echoed back when it has errors.
#[derive(Debug, Serialize, Default, Clone)]
struct Values {
    name: String,
    description: String,
    level: String,
    copy_from: String,
    version: String,
    permissions: Vec<String>,
}

impl Values {
    fn from_fields(f: &Fields) -> Self {
        Values {
            name: f.get("name").to_string(),
            description: f.get("description").to_string(),
            level: f.get("level").trim().to_string(),
            copy_from: f.get("copy_from").trim().to_string(),
            version: f.get("version").trim().to_string(),
            permissions: f.all("permissions"),
        }
    }
}

#[derive(Debug, Serialize)]
struct PickerItem {
    key: String,
    id: String,
    description: String,
    checked: bool,
    /// The viewer does not hold it on the platform, so cannot give it (P6).
    disabled: bool,
}

#[derive(Debug, Serialize)]
struct PickerSection {
    name: String,
    id: String,
    items: Vec<PickerItem>,
}

fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// The picker: the catalogue's sections, with the permissions valid at `level`.
fn picker(_st: &AppState, cx: &Cx, level: Level, selected: &[String]) -> Vec<PickerSection> {
    cx.admin
        .access()
        .catalog
        .sections()
        .into_iter()
        .filter_map(|(name, entries)| {
            let items: Vec<PickerItem> = entries
                .iter()
                .filter(|e| e.levels.contains(level))
                .map(|e| {
                    let key = e.permission.to_string();
                    PickerItem {
                        id: format!("perm-{}", slug(&key)),
                        checked: selected.contains(&key),
                        disabled: !cx.admin.can(&key, ScopeRef::Platform),
                        description: e.description.clone(),
                        key,
                    }
                })
                .collect();
            (!items.is_empty()).then(|| PickerSection {
                id: format!("section-{}", slug(name)),
                name: name.to_string(),
                items,
            })
        })
        .collect()
}

/// The selected permissions the viewer does not hold on the platform.
fn lacking(cx: &Cx, selected: &[String]) -> Vec<String> {
    selected
        .iter()
        .filter(|k| {
            cx.admin
                .access()
                .catalog
                .index_of(k)
                .is_ok_and(|_| !cx.admin.can(k, ScopeRef::Platform))
        })
        .cloned()
        .collect()
}

struct FormPage<'a> {
    mode: &'static str,
    level: Level,
    /// Edit: the role being edited. New: the role being copied, if any.
    role: Option<&'a RoleRecord>,
    values: &'a Values,
    errors: &'a FormErrors,
}

fn render(st: &AppState, cx: &Cx, status: StatusCode, p: FormPage<'_>) -> Response {
    let edit = p.mode == "edit";
    let title = match (edit, p.role) {
        (true, Some(r)) => format!("Edit {}", r.name),
        (false, Some(r)) => format!("Copy {}", r.name),
        _ => format!("New {} role", p.level.as_str()),
    };
    let action = match (edit, p.role) {
        (true, Some(r)) => format!("/settings/roles/{}/edit", r.id),
        _ => "/settings/roles/new".to_string(),
    };
    // Permissions of the role (or its source) that the viewer lacks: a copy leaves them out,
    // an edit is refused.
    let source_lacking = p
        .role
        .map(|r| lacking(cx, &r.permissions))
        .unwrap_or_default();
    cx.render_status(
        st,
        status,
        "settings/role_form.html",
        context! {
            title => title,
            subsection => "roles",
            mode => p.mode,
            action => action,
            level => p.level.as_str(),
            level_label => level_label(p.level),
            levels => Level::ALL.iter().map(|l| context! { level => l.as_str(), label => level_label(*l) }).collect::<Vec<_>>(),
            role => p.role.map(|r| context! { id => r.id.to_string(), name => r.name.clone(), href => format!("/settings/roles/{}", r.id), preset => r.preset }),
            values => p.values,
            sections => picker(st, cx, p.level, &p.values.permissions),
            source_lacking => source_lacking,
            errors => p.errors,
        },
    )
}

#[derive(Debug, Deserialize, Default)]
pub struct NewQuery {
    level: Option<String>,
    copy_from: Option<String>,
}

fn role_of(st: &AppState, cx: &Cx, raw: &str) -> Result<RoleRecord, ServiceError> {
    let id = RoleId::parse(raw.trim()).map_err(|_| ServiceError::NotFound("role"))?;
    Ok(st.services.get_role(&cx.admin, id)?.role)
}

fn refuse_unless_manager(st: &AppState, cx: &Cx) -> Option<Response> {
    (!may_manage(cx)).then(|| {
        cx.error(
            st,
            ServiceError::Forbidden("you need the permission roles.manage on the platform".into()),
        )
    })
}

async fn new_form(State(st): State<AppState>, cx: Cx, Query(q): Query<NewQuery>) -> Response {
    if let Some(r) = refuse_unless_manager(&st, &cx) {
        return r;
    }
    let source = match q.copy_from.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(raw) => match role_of(&st, &cx, raw) {
            Ok(r) => Some(r),
            Err(e) => return cx.error(&st, e),
        },
        None => None,
    };
    let level = source.as_ref().map(|s| s.level).unwrap_or_else(|| {
        q.level
            .as_deref()
            .and_then(Level::parse)
            .unwrap_or(Level::Organization)
    });
    let values = match &source {
        Some(s) => Values {
            name: format!("{} (copy)", s.name),
            description: s.description.clone(),
            level: level.as_str().to_string(),
            copy_from: s.id.to_string(),
            // What the viewer may give of the source's permissions.
            permissions: s
                .permissions
                .iter()
                .filter(|k| cx.admin.can(k, ScopeRef::Platform))
                .cloned()
                .collect(),
            version: String::new(),
        },
        None => Values {
            level: level.as_str().to_string(),
            ..Default::default()
        },
    };
    let page = FormPage {
        mode: "new",
        level,
        role: source.as_ref(),
        values: &values,
        errors: &FormErrors::default(),
    };
    render(&st, &cx, StatusCode::OK, page)
}

/// A refusal from the services, shown where it belongs: an escalation (P6) next to the picker.
fn form_errors(cx: &Cx, e: &ServiceError) -> FormErrors {
    match e {
        ServiceError::Forbidden(m) if may_manage(cx) => {
            FormErrors::field("permissions", super::capitalize(m))
        }
        ServiceError::PreconditionFailed => FormErrors::alert(
            "Someone else changed this role while you were editing. Your changes were not saved: \
             reload the page to see the current permissions, then edit again.",
        ),
        other => FormErrors::from_service(other, &[]),
    }
}

async fn create(State(st): State<AppState>, cx: Cx, fields: Fields) -> Response {
    if let Some(r) = refuse_unless_manager(&st, &cx) {
        return r;
    }
    let values = Values::from_fields(&fields);
    let source = match Some(values.copy_from.as_str()).filter(|s| !s.is_empty()) {
        Some(raw) => match role_of(&st, &cx, raw) {
            Ok(r) => Some(r),
            Err(e) => return cx.error(&st, e),
        },
        None => None,
    };
    let level = source
        .as_ref()
        .map(|s| s.level)
        .or_else(|| Level::parse(&values.level));
    let fail = |errors: FormErrors| {
        let page = FormPage {
            mode: "new",
            level: level.unwrap_or(Level::Organization),
            role: source.as_ref(),
            values: &values,
            errors: &errors,
        };
        render(&st, &cx, StatusCode::UNPROCESSABLE_ENTITY, page)
    };
    if level.is_none() {
        return fail(FormErrors::alert(
            "Choose the role's level: platform, organization or project.",
        ));
    }
    let input = RoleInput {
        name: values.name.clone(),
        level: source.is_none().then(|| values.level.clone()),
        description: values.description.clone(),
        permissions: Some(values.permissions.clone()),
        copy_from: source.as_ref().map(|s| s.id),
    };
    match st.services.create_role(&cx.admin, input).await {
        Ok(r) => redirect_flash(
            &st,
            &format!("/settings/roles/{}", r.id),
            "success",
            format!("Role “{}” created.", r.name),
        ),
        Err(e) => fail(form_errors(&cx, &e)),
    }
}

async fn edit_form(State(st): State<AppState>, cx: Cx, Path(raw): Path<String>) -> Response {
    if let Some(r) = refuse_unless_manager(&st, &cx) {
        return r;
    }
    let role = match role_of(&st, &cx, &raw) {
        Ok(r) => r,
        Err(e) => return cx.error(&st, e),
    };
    if role.preset {
        return cx.error(
            &st,
            ServiceError::conflict(
                "preset-read-only",
                "preset roles are read-only: copy the role to change it",
            ),
        );
    }
    let values = Values {
        name: role.name.clone(),
        description: role.description.clone(),
        level: role.level.as_str().to_string(),
        copy_from: String::new(),
        version: role.version.to_string(),
        permissions: role.permissions.clone(),
    };
    let page = FormPage {
        mode: "edit",
        level: role.level,
        role: Some(&role),
        values: &values,
        errors: &FormErrors::default(),
    };
    render(&st, &cx, StatusCode::OK, page)
}

async fn save(
    State(st): State<AppState>,
    cx: Cx,
    Path(raw): Path<String>,
    fields: Fields,
) -> Response {
    if let Some(r) = refuse_unless_manager(&st, &cx) {
        return r;
    }
    let role = match role_of(&st, &cx, &raw) {
        Ok(r) => r,
        Err(e) => return cx.error(&st, e),
    };
    let values = Values::from_fields(&fields);
    let update = RoleUpdate {
        name: Some(values.name.clone()),
        description: Some(values.description.clone()),
        permissions: Some(values.permissions.clone()),
    };
    let expected = values.version.parse::<i64>().ok();
    match st
        .services
        .update_role(&cx.admin, role.id, expected, update)
        .await
    {
        Ok(r) => redirect_flash(
            &st,
            &format!("/settings/roles/{}", r.id),
            "success",
            "Changes saved.",
        ),
        Err(e) => {
            let errors = form_errors(&cx, &e);
            let page = FormPage {
                mode: "edit",
                level: role.level,
                role: Some(&role),
                values: &values,
                errors: &errors,
            };
            render(&st, &cx, StatusCode::UNPROCESSABLE_ENTITY, page)
        }
    }
}
