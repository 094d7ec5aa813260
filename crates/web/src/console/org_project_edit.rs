//! A project's course template (PR1) in the console: the "Course template" select of the
//! project forms (none, or a course activated for the organization — the store checks that
//! inside the project's transaction, and a bad choice comes back next to the field), and the
//! project's edit page (name, course template, start time and location, guarded by the
//! project's version).

use super::org_projects::load_project;
use super::orgs::OrgHeader;
use super::view::{Cx, FormErrors, redirect_flash};
use crate::AppState;
use crate::auth::CsrfForm;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use minijinja::context;
use portico_domain::ValidationError;
use portico_domain::ids::CourseId;
use portico_domain::page::PageRequest;
use portico_services::catalog::org::Portfolio;
use portico_services::projects::{ProjectScope, ProjectUpdate};
use portico_services::{OrgScope, ServiceError};
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/organizations/{org}/projects/{project}/edit",
        get(edit_page).post(save),
    )
}

/// One option of the "Course template" select.
#[derive(Debug, Serialize)]
pub(super) struct CourseOption {
    pub id: String,
    pub title: String,
    pub selected: bool,
}

/// The courses a project of this organization may follow: those activated for it (seen with
/// `catalog.view` there). The chosen one stays offered even when it is not in that list
/// (the viewer cannot see the portfolio), named by its id.
pub(super) async fn course_options(
    st: &AppState,
    scope: &OrgScope,
    selected: &str,
) -> Vec<CourseOption> {
    let selected = selected.trim();
    let mut out: Vec<CourseOption> = if scope.can("catalog.view") {
        st.services
            .org_courses(scope, Portfolio::Activated, None, PageRequest::first(200))
            .await
            .map(|p| p.items)
            .unwrap_or_default()
            .into_iter()
            .map(|c| CourseOption {
                selected: c.id.to_string() == selected,
                id: c.id.to_string(),
                title: format!("{} ({})", c.title, c.language),
            })
            .collect()
    } else {
        Vec::new()
    };
    if !selected.is_empty() && !out.iter().any(|o| o.selected) {
        out.push(CourseOption {
            id: selected.to_string(),
            title: selected.to_string(),
            selected: true,
        });
    }
    out
}

/// The select's value: blank is no course; anything that is not a course id is refused on the
/// field (whether the course may be used is the store's check).
pub(super) fn parse_course(raw: &str) -> Result<Option<CourseId>, ServiceError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    CourseId::parse(raw).map(Some).map_err(|_| {
        ValidationError::new(
            "course_template_id",
            "choose a course activated for the organization",
        )
        .into()
    })
}

#[derive(Debug, Deserialize, Serialize, Default)]
#[serde(default)]
pub struct EditForm {
    name: String,
    course_template_id: String,
    /// `datetime-local`: `YYYY-MM-DDTHH:MM`, read as UTC; blank unschedules.
    starts_at: String,
    location: String,
    version: String,
}

/// A stored start time as a `datetime-local` value (UTC).
pub(super) fn local_value(t: Option<portico_domain::Timestamp>) -> String {
    t.map(|t| t.to_rfc3339()[..16].to_string())
        .unwrap_or_default()
}

fn href(header: &OrgHeader, p: &ProjectScope) -> String {
    format!("{}/projects/{}", header.org.href, p.project().id)
}

async fn render(
    st: &AppState,
    cx: &Cx,
    status: StatusCode,
    p: &ProjectScope,
    header: &OrgHeader,
    form: &EditForm,
    errors: &FormErrors,
) -> Response {
    let courses = course_options(st, p.org_scope(), &form.course_template_id).await;
    let base = href(header, p);
    cx.render_status(
        st,
        status,
        "orgs/project_edit.html",
        context! {
            title => format!("Edit {} · {}", p.project().name, header.org.name),
            tab => "projects",
            h => header,
            project => context! { name => p.project().name.clone(), href => base.clone() },
            action => format!("{base}/edit"),
            form => form,
            courses => courses,
            errors => errors,
        },
    )
}

async fn edit_page(
    State(st): State<AppState>,
    cx: Cx,
    Path((key, project)): Path<(String, String)>,
) -> Response {
    let (p, header) = match load_project(&st, &cx, &key, &project).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(e) = p.require("projects.manage") {
        return cx.error(&st, e);
    }
    let pr = p.project();
    let form = EditForm {
        name: pr.name.clone(),
        course_template_id: pr
            .course_template_id
            .map(|c| c.to_string())
            .unwrap_or_default(),
        starts_at: local_value(pr.starts_at),
        location: pr.location.clone(),
        version: pr.version.to_string(),
    };
    render(
        &st,
        &cx,
        StatusCode::OK,
        &p,
        &header,
        &form,
        &FormErrors::default(),
    )
    .await
}

async fn save(
    State(st): State<AppState>,
    cx: Cx,
    Path((key, project)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<EditForm>,
) -> Response {
    let (p, header) = match load_project(&st, &cx, &key, &project).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let result = match parse_course(&form.course_template_id) {
        Ok(course) => {
            let update = ProjectUpdate {
                name: (form.name.trim() != p.project().name).then(|| form.name.clone()),
                status: None,
                course_template_id: Some(course),
                starts_at: Some(Some(form.starts_at.clone())),
                location: Some(form.location.clone()),
            };
            let expected = form.version.trim().parse::<i64>().ok();
            st.services.update_project(&p, expected, update).await
        }
        Err(e) => Err(e),
    };
    let (status, errors) = match result {
        Ok(pr) => {
            return redirect_flash(
                &st,
                &href(&header, &p),
                "success",
                format!("Project “{}” saved.", pr.name),
            );
        }
        Err(e @ (ServiceError::Forbidden(_) | ServiceError::NotFound(_))) => {
            return cx.error(&st, e);
        }
        Err(ServiceError::PreconditionFailed) => (
            StatusCode::PRECONDITION_FAILED,
            FormErrors::alert(
                "Someone else changed this project while you were editing. Your changes were \
                 not saved: reload the page to see the current values, then edit again.",
            ),
        ),
        Err(e) => (
            super::view::describe_error(&e).0,
            FormErrors::from_service(&e, &[]),
        ),
    };
    render(&st, &cx, status, &p, &header, &form, &errors).await
}
