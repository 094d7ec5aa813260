//! An organization's Projects tab (PR1): the list, a create form, archiving and restoring, and
//! deleting after a confirmation. Seeing the tab needs `projects.view` in the organization and
//! changing projects `projects.manage`, as the API; the services refuse regardless of what the
//! page shows.

use super::confirm::ConfirmForm;
use super::orgs::{OrgHeader, load_org};
use super::view::{CursorQuery, Cx, FormErrors, PAGE_SIZE, Pager, page_request, redirect_flash};
use crate::AppState;
use crate::auth::CsrfForm;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use minijinja::context;
use portico_domain::ProjectStatus;
use portico_domain::ids::ProjectId;
use portico_services::projects::{ProjectInput, ProjectScope, ProjectUpdate};
use portico_services::records::ProjectRecord;
use portico_services::{OrgScope, ServiceError};
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/organizations/{org}/projects", get(list).post(create))
        .route(
            "/organizations/{org}/projects/{project}/status",
            post(set_status),
        )
        .route(
            "/organizations/{org}/projects/{project}/delete",
            get(delete_page).post(delete),
        )
}

#[derive(Debug, Deserialize, Serialize, Default)]
#[serde(default)]
pub struct CreateForm {
    name: String,
    /// PR1: blank, or a course activated for the organization.
    course_template_id: String,
    /// `datetime-local` (UTC); blank: not scheduled.
    starts_at: String,
    location: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct StatusForm {
    status: String,
}

#[derive(Debug, Serialize)]
struct ProjectRow {
    id: String,
    name: String,
    status: &'static str,
    created_at: i64,
    status_action: String,
    delete_href: String,
    href: String,
    enrollments: i64,
}

fn base(header: &OrgHeader) -> String {
    format!("{}/projects", header.org.href)
}

fn row(header: &OrgHeader, p: &ProjectRecord) -> ProjectRow {
    let at = format!("{}/{}", base(header), p.id);
    ProjectRow {
        id: p.id.to_string(),
        name: p.name.clone(),
        status: p.status.as_str(),
        created_at: p.created_at.millis(),
        status_action: format!("{at}/status"),
        delete_href: format!("{at}/delete"),
        href: at.clone(),
        enrollments: 0,
    }
}

async fn list(
    State(st): State<AppState>,
    cx: Cx,
    Path(key): Path<String>,
    Query(cq): Query<CursorQuery>,
) -> Response {
    let (scope, header) = match load_org(&st, &cx, &key).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    render_list(
        &st,
        &cx,
        &scope,
        &header,
        cq.cursor.as_deref(),
        StatusCode::OK,
        &CreateForm::default(),
        &FormErrors::default(),
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn render_list(
    st: &AppState,
    cx: &Cx,
    scope: &OrgScope,
    header: &OrgHeader,
    cursor: Option<&str>,
    status: StatusCode,
    form: &CreateForm,
    errors: &FormErrors,
) -> Response {
    let page = match st
        .services
        .list_projects(scope, page_request(cursor, PAGE_SIZE))
        .await
    {
        Ok(p) => p,
        Err(e) => return cx.error(st, e),
    };
    let pager = Pager::new(&page, &base(header), &[], cursor.is_none());
    let ids: Vec<_> = page.items.iter().map(|p| p.id).collect();
    let counts = st
        .services
        .enrollment_counts(scope, &ids)
        .await
        .unwrap_or_default();
    let rows: Vec<ProjectRow> = page
        .items
        .iter()
        .map(|p| ProjectRow {
            enrollments: counts.get(&p.id).copied().unwrap_or(0),
            ..row(header, p)
        })
        .collect();
    let courses = if header.can.projects_manage {
        super::org_project_edit::course_options(st, scope, &form.course_template_id).await
    } else {
        Vec::new()
    };
    cx.render_status(
        st,
        status,
        "orgs/projects.html",
        context! {
            title => format!("{} · Projects", header.org.name),
            tab => "projects",
            h => header,
            rows => rows,
            pager => pager,
            may_manage => header.can.projects_manage,
            form => form,
            courses => courses,
            errors => errors,
        },
    )
}

async fn create(
    State(st): State<AppState>,
    cx: Cx,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm<CreateForm>,
) -> Response {
    let (scope, header) = match load_org(&st, &cx, &key).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let created = match super::org_project_edit::parse_course(&form.course_template_id) {
        Ok(course_template_id) => {
            let input = ProjectInput {
                name: form.name.clone(),
                status: None,
                course_template_id,
                starts_at: Some(form.starts_at.clone()),
                location: Some(form.location.clone()),
            };
            st.services.create_project(&scope, input).await
        }
        Err(e) => Err(e),
    };
    match created {
        Ok(p) => redirect_flash(
            &st,
            &base(&header),
            "success",
            format!("Project “{}” created in {}.", p.name, header.org.name),
        ),
        Err(e @ (ServiceError::Forbidden(_) | ServiceError::NotFound(_))) => cx.error(&st, e),
        Err(e) => {
            let errors = FormErrors::from_service(&e, &[]);
            render_list(
                &st,
                &cx,
                &scope,
                &header,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                &errors,
            )
            .await
        }
    }
}

/// The project the path names, when it exists, belongs to this organization and the viewer
/// may see it (the 404 page otherwise).
pub(super) async fn load_project(
    st: &AppState,
    cx: &Cx,
    key: &str,
    project: &str,
) -> Result<(ProjectScope, OrgHeader), Response> {
    let (scope, header) = load_org(st, cx, key).await?;
    let not_found = || cx.not_found(st, "project");
    let id = ProjectId::parse(project.trim()).map_err(|_| not_found())?;
    let p = st
        .services
        .project_scope(&cx.admin, id)
        .await
        .map_err(|e| cx.error(st, e))?;
    if p.project().org_id != scope.org_id() {
        return Err(not_found());
    }
    Ok((p, header))
}

async fn set_status(
    State(st): State<AppState>,
    cx: Cx,
    Path((key, project)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<StatusForm>,
) -> Response {
    let (p, header) = match load_project(&st, &cx, &key, &project).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(status) = ProjectStatus::parse(form.status.trim()) else {
        return redirect_flash(&st, &base(&header), "error", "Choose active or archived.");
    };
    let update = ProjectUpdate {
        name: None,
        status: Some(status),
        ..Default::default()
    };
    match st.services.update_project(&p, None, update).await {
        Ok(p) => redirect_flash(
            &st,
            &base(&header),
            "success",
            match status {
                ProjectStatus::Archived => format!("Project “{}” archived.", p.name),
                ProjectStatus::Active => format!("Project “{}” is active again.", p.name),
            },
        ),
        Err(e) => cx.error(&st, e),
    }
}

fn render_delete(
    st: &AppState,
    cx: &Cx,
    status: StatusCode,
    header: &OrgHeader,
    p: &ProjectScope,
    errors: &FormErrors,
) -> Response {
    let at = p.scope();
    let access = cx.admin.access();
    let holders = access.users_attached_at(at).count();
    cx.render_status(
        st,
        status,
        "orgs/project_delete.html",
        context! {
            title => format!("Delete {} · {}", p.project().name, header.org.name),
            h => header,
            project => row(header, p.project()),
            holders => holders,
            errors => errors,
        },
    )
}

async fn delete_page(
    State(st): State<AppState>,
    cx: Cx,
    Path((key, project)): Path<(String, String)>,
) -> Response {
    let (p, header) = match load_project(&st, &cx, &key, &project).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if !p.can("projects.manage") {
        return cx.error(
            &st,
            ServiceError::Forbidden(
                "you need the permission projects.manage in this project".into(),
            ),
        );
    }
    render_delete(
        &st,
        &cx,
        StatusCode::OK,
        &header,
        &p,
        &FormErrors::default(),
    )
}

async fn delete(
    State(st): State<AppState>,
    cx: Cx,
    Path((key, project)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Response {
    let (p, header) = match load_project(&st, &cx, &key, &project).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if form.confirm != "yes" {
        return render_delete(
            &st,
            &cx,
            StatusCode::UNPROCESSABLE_ENTITY,
            &header,
            &p,
            &FormErrors::alert("Confirm the deletion with the button below."),
        );
    }
    match st.services.delete_project(&p).await {
        Ok(d) => redirect_flash(
            &st,
            &base(&header),
            "success",
            format!(
                "Project “{}” deleted, with {} role assignment{} at its scope.",
                d.project.name,
                d.assignments,
                if d.assignments == 1 { "" } else { "s" }
            ),
        ),
        Err(e @ ServiceError::NotFound(_)) => cx.error(&st, e),
        Err(e) => render_delete(
            &st,
            &cx,
            StatusCode::FORBIDDEN,
            &header,
            &p,
            &FormErrors::from_service(&e, &[]),
        ),
    }
}
