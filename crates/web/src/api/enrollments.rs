//! Enrollments (PR1): `GET/POST /api/v1/projects/{project}/enrollments` and
//! `DELETE /api/v1/projects/{project}/enrollments/{user}` (`enrollments.manage` at the
//! project to change them). Another tenant's project is "not found"; a person who is not a
//! member of the project's organization is refused with 422 `not-a-member`.

use super::dto::Page;
use super::{ApiJson, ListQuery, parse_id};
use crate::AppState;
use crate::api::ApiQuery;
use crate::auth::Admin;
use crate::problem::{ApiError, ApiResult};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use portico_domain::ids::{ProjectId, RoleId, UserId};
use portico_services::ServiceError;
use portico_services::enrollments::{EnrollInput, EnrollmentRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/projects/{project}/enrollments",
            get(list).post(create),
        )
        .route(
            "/api/v1/projects/{project}/enrollments/{user}",
            delete(remove),
        )
}

/// A member of the project's organization taking part in the project with a project role.
#[derive(Serialize, ToSchema)]
pub struct Enrollment {
    pub project_id: String,
    pub user_id: String,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub role_id: String,
    /// Absent when the role was deleted since.
    pub role_name: Option<String>,
    pub created_at: String,
}

impl From<EnrollmentRow> for Enrollment {
    fn from(e: EnrollmentRow) -> Self {
        Self {
            project_id: e.project_id.to_string(),
            user_id: e.user_id.to_string(),
            username: e.username,
            first_name: e.first_name,
            last_name: e.last_name,
            email: e.email,
            role_id: e.role_id.to_string(),
            role_name: e.role_name,
            created_at: e.created_at.to_rfc3339(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEnrollment {
    /// A member of the project's organization.
    pub user_id: String,
    /// A project-level role (e.g. `lms.learner`'s id).
    pub role_id: String,
}

/// The one place a missing membership gets its own problem type.
fn enroll_error(e: ServiceError) -> ApiError {
    match e {
        ServiceError::Invalid(v) if v.field == "user" => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not-a-member",
            "The person is not a member of the project's organization",
            Some(v.message),
        ),
        e => e.into(),
    }
}

/// The project's enrollments, by username (`projects.view` at the project).
#[utoipa::path(get, path = "/api/v1/projects/{project}/enrollments", tag = "projects",
    params(("project" = String, Path), ListQuery),
    responses((status = 200, body = Page<Enrollment>), (status = 404, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(project): Path<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<Enrollment>>> {
    let page = q.page()?;
    let id = parse_id::<ProjectId>(&project, "project")?;
    let scope = st.services.project_scope(&a, id).await?;
    let p = st.services.list_enrollments(&scope, page).await?;
    Ok(Json(Page::from_page(p)))
}

/// Enrolls a member of the project's organization with a project-level role
/// (`enrollments.manage` at the project). 422 `not-a-member` for anyone else, 422
/// `validation` (field `role`) for a role that is not a project role, 409 `already-enrolled`.
#[utoipa::path(post, path = "/api/v1/projects/{project}/enrollments", tag = "projects",
    params(("project" = String, Path)), request_body = CreateEnrollment,
    responses((status = 201, body = Enrollment), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(project): Path<String>,
    ApiJson(b): ApiJson<CreateEnrollment>,
) -> ApiResult<(StatusCode, Json<Enrollment>)> {
    let id = parse_id::<ProjectId>(&project, "project")?;
    let scope = st.services.project_scope(&a, id).await?;
    let invalid = |field: &'static str, m: &str| {
        ApiError::from(ServiceError::Invalid(portico_domain::ValidationError::new(
            field, m,
        )))
    };
    let user = UserId::parse(b.user_id.trim()).map_err(|_| {
        enroll_error(ServiceError::Invalid(portico_domain::ValidationError::new(
            "user",
            "is not a member of the project's organization",
        )))
    })?;
    let role = RoleId::parse(b.role_id.trim()).map_err(|_| invalid("role", "no such role"))?;
    let e = st
        .services
        .enroll(&scope, EnrollInput { user, role })
        .await
        .map_err(enroll_error)?;
    Ok((StatusCode::CREATED, Json(e.into())))
}

/// Ends an enrollment (`enrollments.manage` at the project).
#[utoipa::path(delete, path = "/api/v1/projects/{project}/enrollments/{user}", tag = "projects",
    params(("project" = String, Path), ("user" = String, Path)),
    responses((status = 200, body = Enrollment, description = "the enrollment that ended"),
        (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn remove(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path((project, user)): Path<(String, String)>,
) -> ApiResult<Json<Enrollment>> {
    let id = parse_id::<ProjectId>(&project, "project")?;
    let scope = st.services.project_scope(&a, id).await?;
    let user = parse_id::<UserId>(&user, "enrollment")?;
    Ok(Json(st.services.unenroll(&scope, user).await?.into()))
}
