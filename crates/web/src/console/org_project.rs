//! One project's page in an organization's Projects tab (PR1): its enrollments, an enroll
//! form (a member, by username, email or id, and a project role) and unenrolling after a
//! confirmation. Seeing it needs `projects.view` at the project, changing enrollments
//! `enrollments.manage`; the services refuse regardless of what the page shows.

use super::confirm::ConfirmForm;
use super::org_projects::load_project;
use super::orgs::OrgHeader;
use super::view::{CursorQuery, Cx, FormErrors, PAGE_SIZE, Pager, page_request, redirect_flash};
use crate::AppState;
use crate::auth::CsrfForm;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use minijinja::context;
use portico_domain::ids::{RoleId, UserId};
use portico_services::ServiceError;
use portico_services::enrollments::{EnrollInput, EnrollmentRow};
use portico_services::projects::ProjectScope;
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/organizations/{org}/projects/{project}",
            get(page).post(enroll),
        )
        .route(
            "/organizations/{org}/projects/{project}/enrollments/{user}/delete",
            get(unenroll_page).post(unenroll),
        )
}

#[derive(Debug, Deserialize, Serialize, Default)]
#[serde(default)]
pub struct EnrollForm {
    member: String,
    role: String,
}

#[derive(Debug, Serialize)]
struct Row {
    user_id: String,
    name: String,
    username: String,
    email: String,
    role: String,
    created_at: i64,
    unenroll_href: String,
}

#[derive(Debug, Serialize)]
struct RoleOption {
    id: String,
    name: String,
    selected: bool,
}

fn href(header: &OrgHeader, p: &ProjectScope) -> String {
    format!("{}/projects/{}", header.org.href, p.project().id)
}

fn row(base: &str, e: &EnrollmentRow) -> Row {
    Row {
        user_id: e.user_id.to_string(),
        name: e.display_name(),
        username: e.username.clone(),
        email: e.email.clone(),
        role: e
            .role_name
            .clone()
            .unwrap_or_else(|| "(deleted role)".into()),
        created_at: e.created_at.millis(),
        unenroll_href: format!("{base}/enrollments/{}/delete", e.user_id),
    }
}

#[allow(clippy::too_many_arguments)]
async fn render(
    st: &AppState,
    cx: &Cx,
    p: &ProjectScope,
    header: &OrgHeader,
    cursor: Option<&str>,
    status: StatusCode,
    form: &EnrollForm,
    errors: &FormErrors,
) -> Response {
    let base = href(header, p);
    let page = match st
        .services
        .list_enrollments(p, page_request(cursor, PAGE_SIZE))
        .await
    {
        Ok(x) => x,
        Err(e) => return cx.error(st, e),
    };
    let pager = Pager::new(&page, &base, &[], cursor.is_none());
    let rows: Vec<Row> = page.items.iter().map(|e| row(&base, e)).collect();
    let roles = st.services.project_roles(p);
    let preferred = if form.role.is_empty() {
        roles
            .iter()
            .find(|r| r.key.ends_with("learner"))
            .map(|r| r.id.to_string())
            .unwrap_or_default()
    } else {
        form.role.clone()
    };
    let roles: Vec<RoleOption> = roles
        .iter()
        .map(|r| RoleOption {
            id: r.id.to_string(),
            name: r.name.clone(),
            selected: r.id.to_string() == preferred,
        })
        .collect();
    let current = p
        .project()
        .course_template_id
        .map(|c| c.to_string())
        .unwrap_or_default();
    let course = if current.is_empty() {
        None
    } else {
        super::org_project_edit::course_options(st, p.org_scope(), &current)
            .await
            .into_iter()
            .find(|c| c.selected)
    };
    cx.render_status(
        st,
        status,
        "orgs/project.html",
        context! {
            title => format!("{} · {}", p.project().name, header.org.name),
            tab => "projects",
            h => header,
            project => context! {
                id => p.project().id.to_string(),
                name => p.project().name.clone(),
                status => p.project().status.as_str(),
                href => base.clone(),
                course => course,
                starts => p.project().starts_at.map(|t| format!("{} UTC", t.to_display())),
                location => p.project().location.clone(),
            },
            may_edit => p.can("projects.manage"),
            rows => rows,
            pager => pager,
            roles => roles,
            may_enroll => p.can("enrollments.manage"),
            form => form,
            errors => errors,
        },
    )
}

async fn page(
    State(st): State<AppState>,
    cx: Cx,
    Path((key, project)): Path<(String, String)>,
    Query(cq): Query<CursorQuery>,
) -> Response {
    let (p, header) = match load_project(&st, &cx, &key, &project).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    render(
        &st,
        &cx,
        &p,
        &header,
        cq.cursor.as_deref(),
        StatusCode::OK,
        &EnrollForm::default(),
        &FormErrors::default(),
    )
    .await
}

async fn enroll(
    State(st): State<AppState>,
    cx: Cx,
    Path((key, project)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<EnrollForm>,
) -> Response {
    let (p, header) = match load_project(&st, &cx, &key, &project).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let result = async {
        if form.member.trim().is_empty() {
            return Err(ServiceError::Invalid(portico_domain::ValidationError::new(
                "user",
                "name the member by username, email or id",
            )));
        }
        let role = RoleId::parse(form.role.trim()).map_err(|_| {
            ServiceError::Invalid(portico_domain::ValidationError::new(
                "role",
                "choose a project role",
            ))
        })?;
        let user = st.services.find_enrollee(&form.member).await?;
        st.services.enroll(&p, EnrollInput { user, role }).await
    }
    .await;
    match result {
        Ok(e) => redirect_flash(
            &st,
            &href(&header, &p),
            "success",
            format!(
                "{} enrolled in {} as {}.",
                e.display_name(),
                p.project().name,
                e.role_name.unwrap_or_default()
            ),
        ),
        Err(e @ (ServiceError::Forbidden(_) | ServiceError::NotFound(_))) => cx.error(&st, e),
        Err(e) => {
            let errors = FormErrors::from_service(&e, &[("user", "member")]);
            render(
                &st,
                &cx,
                &p,
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

async fn unenroll_page(
    State(st): State<AppState>,
    cx: Cx,
    Path((key, project, user)): Path<(String, String, String)>,
) -> Response {
    let (p, header) = match load_project(&st, &cx, &key, &project).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if !p.can("enrollments.manage") {
        return cx.error(
            &st,
            ServiceError::Forbidden(
                "you need the permission enrollments.manage in this project".into(),
            ),
        );
    }
    let Ok(id) = UserId::parse(user.trim()) else {
        return cx.not_found(&st, "enrollment");
    };
    let e = match st.services.get_enrollment(&p, id).await {
        Ok(e) => e,
        Err(e) => return cx.error(&st, e),
    };
    let base = href(&header, &p);
    cx.render(
        &st,
        "orgs/unenroll.html",
        context! {
            title => format!("Unenroll {} · {}", e.display_name(), p.project().name),
            tab => "projects",
            h => header,
            project => context! { name => p.project().name.clone(), href => base.clone() },
            enrollment => row(&base, &e),
            errors => FormErrors::default(),
        },
    )
}

async fn unenroll(
    State(st): State<AppState>,
    cx: Cx,
    Path((key, project, user)): Path<(String, String, String)>,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Response {
    let (p, header) = match load_project(&st, &cx, &key, &project).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let base = href(&header, &p);
    if form.confirm != "yes" {
        return redirect_flash(&st, &base, "error", "Confirm with the button to unenroll.");
    }
    let Ok(id) = UserId::parse(user.trim()) else {
        return cx.not_found(&st, "enrollment");
    };
    match st.services.unenroll(&p, id).await {
        Ok(e) => redirect_flash(
            &st,
            &base,
            "success",
            format!("{} unenrolled from {}.", e.display_name(), p.project().name),
        ),
        Err(e) => cx.error(&st, e),
    }
}
