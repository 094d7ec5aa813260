//! The Applications section (A1, A5): the platform's applications with their status, auto and
//! default badges, a form to define or edit one, and the permissions it registered with a form
//! to register another. Seeing it needs `applications.view` somewhere, changing it
//! `applications.manage` on the platform; the services refuse regardless.

use super::form::Fields;
use super::view::{CursorQuery, Cx, FormErrors, PAGE_SIZE, Pager, page_request, redirect_flash};
use crate::AppState;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use minijinja::context;
use portico_domain::AppStatus;
use portico_domain::ids::AppId;
use portico_services::ServiceError;
use portico_services::applications::{AppInput, AppPermissionInput, AppUpdate};
use portico_services::records::{AppPermissionRecord, AppRecord, ScopeRef};
use serde::Serialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/applications", get(list).post(create))
        .route("/applications/new", get(new_form))
        .route("/applications/{app}", get(edit_form).post(save))
        .route("/applications/{app}/permissions", post(register))
}

#[derive(Debug, Serialize)]
pub(crate) struct AppView {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub status: &'static str,
    pub auto_assigned: bool,
    pub is_default: bool,
    pub href: String,
    pub version: i64,
}

impl From<&AppRecord> for AppView {
    fn from(a: &AppRecord) -> Self {
        Self {
            id: a.id.to_string(),
            name: a.name.clone(),
            slug: a.slug.clone(),
            description: a.description.clone(),
            status: a.status.as_str(),
            auto_assigned: a.auto_assigned,
            is_default: a.is_default,
            href: format!("/applications/{}", a.id),
            version: a.version,
        }
    }
}

/// The form's values, echoed back when it has errors.
#[derive(Debug, Serialize, Default)]
struct Values {
    name: String,
    slug: String,
    description: String,
    status: String,
    auto_assigned: bool,
    is_default: bool,
    version: String,
}

impl Values {
    fn from_fields(f: &Fields) -> Self {
        Self {
            name: f.get("name").to_string(),
            slug: f.get("slug").to_string(),
            description: f.get("description").to_string(),
            status: f.get("status").to_string(),
            auto_assigned: f.get("auto_assigned") == "yes",
            is_default: f.get("is_default") == "yes",
            version: f.get("version").to_string(),
        }
    }
    fn of(a: &AppRecord) -> Self {
        Self {
            name: a.name.clone(),
            slug: a.slug.clone(),
            description: a.description.clone(),
            status: a.status.as_str().into(),
            auto_assigned: a.auto_assigned,
            is_default: a.is_default,
            version: a.version.to_string(),
        }
    }
    fn status(&self) -> Option<AppStatus> {
        AppStatus::parse(self.status.trim())
    }
}

#[derive(Debug, Serialize)]
struct PermView {
    key: String,
    description: String,
    levels: String,
}

impl From<&AppPermissionRecord> for PermView {
    fn from(p: &AppPermissionRecord) -> Self {
        Self {
            key: p.key.clone(),
            description: p.description.clone(),
            levels: p
                .levels
                .iter()
                .map(|l| l.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

fn may_manage(cx: &Cx) -> bool {
    cx.admin.can("applications.manage", ScopeRef::Platform)
}

async fn list(State(st): State<AppState>, cx: Cx, Query(q): Query<CursorQuery>) -> Response {
    let page = match st
        .services
        .list_apps(&cx.admin, page_request(q.cursor.as_deref(), PAGE_SIZE))
        .await
    {
        Ok(p) => p,
        Err(e) => return cx.error(&st, e),
    };
    let pager = Pager::new(&page, "/applications", &[], q.cursor.is_none());
    let rows: Vec<AppView> = page.items.iter().map(AppView::from).collect();
    cx.render(
        &st,
        "applications/list.html",
        context! {
            title => "Applications",
            rows => rows,
            pager => pager,
            may_manage => may_manage(&cx),
        },
    )
}

#[allow(clippy::too_many_arguments)]
fn render_form(
    st: &AppState,
    cx: &Cx,
    status: StatusCode,
    app: Option<&AppRecord>,
    values: &Values,
    errors: &FormErrors,
    permissions: &[AppPermissionRecord],
    perm_errors: &FormErrors,
    perm_values: (&str, &str),
) -> Response {
    let perms: Vec<PermView> = permissions.iter().map(PermView::from).collect();
    cx.render_status(
        st,
        status,
        "applications/form.html",
        context! {
            title => app.map_or("New application".to_string(), |a| format!("{} · Application", a.name)),
            app => app.map(AppView::from),
            prefix => app.map(|a| portico_domain::application::permission_prefix(&a.slug)),
            values => values,
            errors => errors,
            permissions => perms,
            perm_errors => perm_errors,
            perm_key => perm_values.0,
            perm_description => perm_values.1,
            may_manage => may_manage(cx),
        },
    )
}

async fn new_form(State(st): State<AppState>, cx: Cx) -> Response {
    if !may_manage(&cx) {
        return cx.error(
            &st,
            ServiceError::Forbidden("you need the permission applications.manage".into()),
        );
    }
    let values = Values {
        status: "active".into(),
        ..Default::default()
    };
    render_form(
        &st,
        &cx,
        StatusCode::OK,
        None,
        &values,
        &FormErrors::default(),
        &[],
        &FormErrors::default(),
        ("", ""),
    )
}

async fn create(State(st): State<AppState>, cx: Cx, fields: Fields) -> Response {
    let values = Values::from_fields(&fields);
    let input = AppInput {
        name: values.name.clone(),
        slug: Some(values.slug.clone()),
        description: values.description.clone(),
        status: values.status(),
        auto_assigned: values.auto_assigned,
        is_default: values.is_default,
    };
    match st.services.create_app(&cx.admin, input).await {
        Ok(saved) => redirect_flash(
            &st,
            &format!("/applications/{}", saved.app.id),
            "success",
            created_message(&saved),
        ),
        Err(e @ ServiceError::Forbidden(_)) => cx.error(&st, e),
        Err(e) => render_form(
            &st,
            &cx,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            &values,
            &form_errors(&e),
            &[],
            &FormErrors::default(),
            ("", ""),
        ),
    }
}

fn created_message(saved: &portico_services::records::AppSaved) -> String {
    let mut msg = format!("Application “{}” saved.", saved.app.name);
    if let Some(r) = &saved.auto_assignment {
        msg.push_str(&format!(
            " Assigned to {} organization(s); {} member(s) got access",
            r.organizations, r.members_given
        ));
        if r.members_not_given > 0 {
            msg.push_str(&format!(
                ", {} did not (no application seat left in their organization)",
                r.members_not_given
            ));
        }
        msg.push('.');
    }
    msg
}

fn form_errors(e: &ServiceError) -> FormErrors {
    match e {
        ServiceError::Conflict { kind, message } => match *kind {
            "app-slug-taken" => FormErrors::field("slug", super::capitalize(message)),
            "default-app-exists" => FormErrors::field("is_default", super::capitalize(message)),
            _ => FormErrors::alert(super::capitalize(message)),
        },
        other => FormErrors::from_service(other, &[]),
    }
}

fn app_id(raw: &str) -> Result<AppId, ServiceError> {
    AppId::parse(raw.trim()).map_err(|_| ServiceError::NotFound("application"))
}

async fn load(
    st: &AppState,
    cx: &Cx,
    raw: &str,
) -> Result<(AppRecord, Vec<AppPermissionRecord>), ServiceError> {
    let id = app_id(raw)?;
    let app = st.services.get_app(&cx.admin, id).await?;
    let perms = st.services.app_permissions(&cx.admin, id).await?;
    Ok((app, perms))
}

async fn edit_form(State(st): State<AppState>, cx: Cx, Path(raw): Path<String>) -> Response {
    let (app, perms) = match load(&st, &cx, &raw).await {
        Ok(x) => x,
        Err(e) => return cx.error(&st, e),
    };
    render_form(
        &st,
        &cx,
        StatusCode::OK,
        Some(&app),
        &Values::of(&app),
        &FormErrors::default(),
        &perms,
        &FormErrors::default(),
        ("", ""),
    )
}

async fn save(
    State(st): State<AppState>,
    cx: Cx,
    Path(raw): Path<String>,
    fields: Fields,
) -> Response {
    let (app, perms) = match load(&st, &cx, &raw).await {
        Ok(x) => x,
        Err(e) => return cx.error(&st, e),
    };
    let values = Values::from_fields(&fields);
    let update = AppUpdate {
        name: Some(values.name.clone()),
        slug: Some(values.slug.clone()),
        description: Some(values.description.clone()),
        status: values.status(),
        auto_assigned: Some(values.auto_assigned),
        is_default: Some(values.is_default),
    };
    let expected = values.version.trim().parse::<i64>().ok();
    match st
        .services
        .update_app(&cx.admin, app.id, expected, update)
        .await
    {
        Ok(saved) => redirect_flash(
            &st,
            &format!("/applications/{}", saved.app.id),
            "success",
            created_message(&saved),
        ),
        Err(e @ ServiceError::Forbidden(_)) => cx.error(&st, e),
        Err(e) => render_form(
            &st,
            &cx,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(&app),
            &values,
            &form_errors(&e),
            &perms,
            &FormErrors::default(),
            ("", ""),
        ),
    }
}

async fn register(
    State(st): State<AppState>,
    cx: Cx,
    Path(raw): Path<String>,
    fields: Fields,
) -> Response {
    let (app, perms) = match load(&st, &cx, &raw).await {
        Ok(x) => x,
        Err(e) => return cx.error(&st, e),
    };
    let input = AppPermissionInput {
        key: fields.get("key").to_string(),
        description: fields.get("description").to_string(),
        levels: fields.all("levels"),
    };
    match st
        .services
        .register_app_permission(&cx.admin, app.id, input)
        .await
    {
        Ok(p) => redirect_flash(
            &st,
            &format!("/applications/{}", app.id),
            "success",
            format!("Permission {} registered: roles can carry it now.", p.key),
        ),
        Err(e @ ServiceError::Forbidden(_)) => cx.error(&st, e),
        Err(e) => {
            let errors = match &e {
                ServiceError::Conflict { message, .. } => {
                    FormErrors::field("key", super::capitalize(message))
                }
                other => FormErrors::from_service(other, &[]),
            };
            render_form(
                &st,
                &cx,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&app),
                &Values::of(&app),
                &FormErrors::default(),
                &perms,
                &errors,
                (fields.get("key"), fields.get("description")),
            )
        }
    }
}
