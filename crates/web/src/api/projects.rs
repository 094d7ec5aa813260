//! Projects (PR1): listed and created under their organization, read, changed and deleted by
//! their own id. Another tenant's project is "not found".

use super::dto::*;
use super::{ApiJson, ListQuery, if_match, parse_id, with_etag};
use crate::AppState;
use crate::api::ApiQuery;
use crate::auth::Admin;
use crate::problem::{ApiError, ApiResult};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use portico_domain::ProjectStatus;
use portico_domain::ids::ProjectId;
use portico_services::ServiceError;
use portico_services::projects::{ProjectInput, ProjectUpdate};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/organizations/{org}/projects",
            get(list).post(create),
        )
        .route(
            "/api/v1/projects/{project}",
            get(get_one).patch(update).delete(delete),
        )
}

fn status(s: Option<&str>) -> Result<Option<ProjectStatus>, ApiError> {
    s.map(|s| {
        ProjectStatus::parse(s.trim()).ok_or_else(|| {
            ApiError::from(ServiceError::Invalid(portico_domain::ValidationError::new(
                "status",
                "active or archived",
            )))
        })
    })
    .transpose()
}

/// The organization's projects, sorted by name (`projects.view` in the organization).
#[utoipa::path(get, path = "/api/v1/organizations/{org}/projects", tag = "projects",
    params(("org" = String, Path, description = "id or slug"), ListQuery),
    responses((status = 200, body = Page<Project>), (status = 404, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(org): Path<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<Project>>> {
    let page = q.page()?;
    let scope = st.services.resolve_org(&a, &org).await?;
    let p = st.services.list_projects(&scope, page).await?;
    Ok(Json(Page::from_page(p)))
}

/// Creates a project in the organization (`projects.manage` there).
#[utoipa::path(post, path = "/api/v1/organizations/{org}/projects", tag = "projects",
    params(("org" = String, Path, description = "id or slug")), request_body = CreateProject,
    responses((status = 201, body = Project), (status = 404, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(org): Path<String>,
    ApiJson(b): ApiJson<CreateProject>,
) -> ApiResult<Response> {
    let scope = st.services.resolve_org(&a, &org).await?;
    let status = status(b.status.as_deref())?;
    let p = st
        .services
        .create_project(
            &scope,
            ProjectInput {
                name: b.name,
                status,
                course_template_id: b
                    .course_template_id
                    .as_deref()
                    .map(crate::api::catalog::course_ref)
                    .transpose()?,
                starts_at: b.starts_at,
                location: b.location,
            },
        )
        .await?;
    let mut r = with_etag(p.version, Project::from(p));
    *r.status_mut() = StatusCode::CREATED;
    Ok(r)
}

/// A project (`projects.view` at the project).
#[utoipa::path(get, path = "/api/v1/projects/{project}", tag = "projects", params(("project" = String, Path)),
    responses((status = 200, body = Project), (status = 404, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_one(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(project): Path<String>,
) -> ApiResult<Response> {
    let id = parse_id::<ProjectId>(&project, "project")?;
    let scope = st.services.project_scope(&a, id).await?;
    let p = st.services.get_project(&scope).await?;
    Ok(with_etag(p.version, Project::from(p)))
}

/// Renames, archives or (re)schedules a project (`projects.manage` at the project). Send
/// `If-Match` with the `ETag` you read: a stale one gets 412.
#[utoipa::path(patch, path = "/api/v1/projects/{project}", tag = "projects", request_body = UpdateProject,
    params(("project" = String, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = Project), (status = 404, body = crate::problem::Problem), (status = 412, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn update(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(project): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<UpdateProject>,
) -> ApiResult<Response> {
    let expected = if_match(&headers)?;
    let id = parse_id::<ProjectId>(&project, "project")?;
    let scope = st.services.project_scope(&a, id).await?;
    let status = status(b.status.as_deref())?;
    let p = st
        .services
        .update_project(
            &scope,
            expected,
            ProjectUpdate {
                name: b.name,
                status,
                course_template_id: b
                    .course_template_id
                    .map(|c| {
                        c.as_deref()
                            .map(crate::api::catalog::course_ref)
                            .transpose()
                    })
                    .transpose()?,
                starts_at: b.starts_at,
                location: b.location,
            },
        )
        .await?;
    Ok(with_etag(p.version, Project::from(p)))
}

/// Deletes a project with the role assignments and personal grants and denials at its scope
/// (`projects.manage` at the project, and holding there what each of those people holds).
#[utoipa::path(delete, path = "/api/v1/projects/{project}", tag = "projects", params(("project" = String, Path)),
    responses((status = 200, body = ProjectDeletedDto, description = "what was removed"), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn delete(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(project): Path<String>,
) -> ApiResult<Json<ProjectDeletedDto>> {
    let id = parse_id::<ProjectId>(&project, "project")?;
    let scope = st.services.project_scope(&a, id).await?;
    Ok(Json(st.services.delete_project(&scope).await?.into()))
}
